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
	/* the spans by host and channel (then in the order they came), built
	 * when first asked after an addition: a fleet's reduce asks for every
	 * witness of every judged event */
	const struct span **by_log;
	size_t nby_log;         /* spans indexed (!= n: to be built again) */
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
	free(c->by_log);
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

static int by_log(const void *a, const void *b)
{
	const struct span *x = *(const struct span *const *)a, *y = *(const struct span *const *)b;
	int d = strcmp(x->host, y->host);
	if (!d)
		d = strcasecmp(x->channel, y->channel);
	return d ? d : (x < y ? -1 : x > y);
}

/* The spans of (host key, channel): *lo is the first, the count returned.
 * Builds the index when spans were added since (not thread-safe: the
 * judging runs in one thread); none without memory (nothing is judged). */
static size_t log_spans(const struct bt_coverage *cc, const char *key, const char *channel,
                        const struct span *const **lo)
{
	struct bt_coverage *c = (struct bt_coverage *)cc;
	if (c->nby_log != c->n) {
		const struct span **v = realloc(c->by_log, (c->n ? c->n : 1) * sizeof *v);
		if (!v) {
			c->nby_log = 0;
			*lo = NULL;
			return 0;
		}
		for (size_t i = 0; i < c->n; i++)
			v[i] = &c->v[i];
		qsort(v, c->n, sizeof *v, by_log);
		c->by_log = v;
		c->nby_log = c->n;
	}
	size_t a = 0, b = c->nby_log;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		const struct span *s = c->by_log[m];
		int d = strcmp(s->host, key);
		if (!d)
			d = strcasecmp(s->channel, channel);
		if (d < 0)
			a = m + 1;
		else
			b = m;
	}
	size_t e = a;
	while (e < c->nby_log && strcmp(c->by_log[e]->host, key) == 0 &&
	       strcasecmp(c->by_log[e]->channel, channel) == 0)
		e++;
	*lo = c->by_log + a;
	return e - a;
}

bt_time bt_coverage_since(const struct bt_coverage *c, const char *host, const char *channel,
                          bt_time t, const char **file)
{
	char key[256];
	bt_host_key(host, key, sizeof key);
	if (file)
		*file = NULL;
	const struct span *const *ls;
	size_t nls = log_spans(c, key, channel, &ls);
	/* walk back from t: each step takes the span reaching t's covered
	 * start and extending it furthest back (few spans per log: quadratic
	 * is fine) */
	bt_time since = BT_TIME_NONE;
	for (bool grew = true; grew;) {
		grew = false;
		for (size_t i = 0; i < nls; i++) {
			const struct span *s = ls[i];
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
	const struct span *const *ls;
	size_t nls = log_spans(c, key, channel, &ls);
	const struct span **v = malloc((nls ? nls : 1) * sizeof *v);
	if (!v)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < nls; i++)
		if (ls[i]->first <= t)
			v[n++] = ls[i];
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
