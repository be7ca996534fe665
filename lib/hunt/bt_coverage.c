/* Log spans by host and channel. */
#include "config.h"

#include "hunt/bt_coverage.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bt_array.h"
#include "hunt/bt_hostmap.h"

/* Two inputs of one log join when the second starts at most this long after
 * the first ends: the seconds between a full log's last record and its
 * successor's first. */
#define JOIN_TICKS (60 * BT_TICKS_PER_SEC)

struct span {
	char *host;      /* bt_host_key form */
	char *channel;
	char *file;
	bt_time first, last;
};

struct bt_coverage {
	struct span *v;
	size_t n, cap;
};

struct bt_coverage *bt_coverage_new(void)
{
	return calloc(1, sizeof(struct bt_coverage));
}

void bt_coverage_free(struct bt_coverage *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].host);
		free(c->v[i].channel);
		free(c->v[i].file);
	}
	free(c->v);
	free(c);
}

void bt_coverage_add(struct bt_coverage *c, const char *host, const char *channel,
                     const char *file, bt_time first, bt_time last)
{
	if (!host || !*host || !channel || first == BT_TIME_NONE || last == BT_TIME_NONE)
		return;
	if (last < first) {
		bt_time t = first;
		first = last;
		last = t;
	}
	char key[256];
	bt_host_key(host, key, sizeof key);
	/* parts of one file read apart (--jobs) come as one input: still, join
	 * a second report of the same file */
	for (size_t i = 0; i < c->n; i++) {
		struct span *s = &c->v[i];
		if (file && s->file && strcmp(s->file, file) == 0 && strcmp(s->host, key) == 0 &&
		    strcasecmp(s->channel, channel) == 0) {
			if (first < s->first)
				s->first = first;
			if (last > s->last)
				s->last = last;
			return;
		}
	}
	if (!bt_array_reserve(&c->v, &c->cap, c->n, sizeof *c->v, 16))
		return;
	struct span *s = &c->v[c->n];
	s->host = strdup(key);
	s->channel = strdup(channel);
	s->file = strdup(file ? file : "");
	s->first = first;
	s->last = last;
	if (!s->host || !s->channel || !s->file) {
		free(s->host);
		free(s->channel);
		free(s->file);
		return;
	}
	c->n++;
}

bt_time bt_coverage_since(const struct bt_coverage *c, const char *host, const char *channel,
                          bt_time t, const char **file)
{
	char key[256];
	bt_host_key(host, key, sizeof key);
	if (file)
		*file = NULL;
	/* walk back from t: each step takes the span reaching t's covered
	 * start and extending it furthest back (few spans per log: quadratic
	 * is fine) */
	bt_time since = BT_TIME_NONE;
	for (bool grew = true; grew;) {
		grew = false;
		for (size_t i = 0; i < c->n; i++) {
			const struct span *s = &c->v[i];
			if (strcmp(s->host, key) != 0 || strcasecmp(s->channel, channel) != 0)
				continue;
			bool reaches = since == BT_TIME_NONE ? (s->first <= t && s->last >= t)
			                                     : (s->first < since && s->last + JOIN_TICKS >= since);
			if (reaches && (since == BT_TIME_NONE || s->first < since)) {
				since = s->first;
				if (file)
					*file = s->file;
				grew = true;
			}
		}
	}
	return since;
}

static int by_first(const void *a, const void *b)
{
	const struct span *x = *(const struct span *const *)a, *y = *(const struct span *const *)b;
	return x->first < y->first ? -1 : x->first > y->first;
}

int64_t bt_coverage_history(const struct bt_coverage *c, const char *host, const char *channel,
                            bt_time t, bt_time *earliest, const char **file, bool *gaps)
{
	*earliest = BT_TIME_NONE;
	*file = NULL;
	*gaps = false;
	char key[256];
	bt_host_key(host, key, sizeof key);
	const struct span **v = malloc((c->n ? c->n : 1) * sizeof *v);
	if (!v)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].first <= t && strcmp(c->v[i].host, key) == 0 &&
		    strcasecmp(c->v[i].channel, channel) == 0)
			v[n++] = &c->v[i];
	qsort(v, n, sizeof *v, by_first);
	int64_t total = 0;
	bt_time from = BT_TIME_NONE, to = BT_TIME_NONE;
	for (size_t i = 0; i < n; i++) {
		bt_time f = v[i]->first, l = v[i]->last < t ? v[i]->last : t;
		if (from != BT_TIME_NONE && f <= to + JOIN_TICKS) {
			if (l > to)
				to = l;
			continue;
		}
		if (from != BT_TIME_NONE) {
			total += to - from;
			*gaps = true;
		} else {
			*earliest = f;
			*file = v[i]->file;
		}
		from = f;
		to = l;
	}
	if (from != BT_TIME_NONE)
		total += to - from;
	free(v);
	return total;
}

bool bt_coverage_get(const struct bt_coverage *c, size_t i, struct bt_coverage_span *out)
{
	if (i >= c->n)
		return false;
	out->host = c->v[i].host;
	out->channel = c->v[i].channel;
	out->file = c->v[i].file;
	out->first = c->v[i].first;
	out->last = c->v[i].last;
	return true;
}
