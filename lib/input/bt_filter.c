/* Event header filters for quick triage. */
#include "config.h"

#include "input/bt_filter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void bt_filter_init(struct bt_filter *f)
{
	memset(f, 0, sizeof *f);
	f->since = f->until = BT_TIME_NONE;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void bt_filter_free(struct bt_filter *f)
{
	free(f->ids);
	free_list(f->channels, f->nchannels);
	free_list(f->providers, f->nproviders);
	bt_filter_init(f);
}

bool bt_filter_parse_time(const char *s, bool until, bt_time *out)
{
	size_t n = strlen(s);
	if (!bt_time_parse(s, n, out, NULL, NULL))
		return false;
	if (until && n == 10)  /* a bare date: up to the end of that day */
		*out += 86400 * BT_TICKS_PER_SEC - 1;
	return true;
}

bool bt_filter_since(struct bt_filter *f, const char *s)
{
	return bt_filter_parse_time(s, false, &f->since);
}

bool bt_filter_until(struct bt_filter *f, const char *s)
{
	return bt_filter_parse_time(s, true, &f->until);
}

/* A decimal event id: digits only, at most UINT32_MAX. */
static bool parse_id(const char *s, uint32_t *out)
{
	if (*s < '0' || *s > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

bool bt_filter_event_ids(struct bt_filter *f, const char *list)
{
	char *copy = strdup(list);
	if (!copy)
		return false;
	size_t old = f->nids;
	bool ok = true;
	for (char *save, *t = strtok_r(copy, ",", &save); t && ok; t = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(t, '-');
		uint32_t lo, hi;
		if (dash) {
			*dash = '\0';
			ok = parse_id(t, &lo) && parse_id(dash + 1, &hi) && lo <= hi;
		} else {
			ok = parse_id(t, &lo);
			hi = lo;
		}
		if (ok) {
			void *nv = realloc(f->ids, (f->nids + 1) * sizeof *f->ids);
			if (!nv) {
				ok = false;
				break;
			}
			f->ids = nv;
			f->ids[f->nids].lo = lo;
			f->ids[f->nids].hi = hi;
			f->nids++;
		}
	}
	free(copy);
	if (!ok)
		f->nids = old;
	return ok;
}

static bool push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof **v);
	if (!nv)
		return false;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return false;
	(*n)++;
	return true;
}

bool bt_filter_channel(struct bt_filter *f, const char *name)
{
	return push(&f->channels, &f->nchannels, name);
}

bool bt_filter_provider(struct bt_filter *f, const char *name)
{
	return push(&f->providers, &f->nproviders, name);
}

bool bt_filter_empty(const struct bt_filter *f)
{
	return f->since == BT_TIME_NONE && f->until == BT_TIME_NONE && !f->nids && !f->nchannels &&
	       !f->nproviders;
}

static bool in_list(char *const *v, size_t n, const char *s)
{
	if (!s)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(v[i], s) == 0)
			return true;
	return false;
}

bool bt_filter_pass(const struct bt_filter *f, const struct bt_event *ev)
{
	if (f->since != BT_TIME_NONE && (ev->time == BT_TIME_NONE || ev->time < f->since))
		return false;
	if (f->until != BT_TIME_NONE && (ev->time == BT_TIME_NONE || ev->time > f->until))
		return false;
	if (f->nids) {
		bool hit = false;
		for (size_t i = 0; i < f->nids && !hit; i++)
			hit = ev->source == BT_SOURCE_EVTX && ev->event_id >= f->ids[i].lo &&
			      ev->event_id <= f->ids[i].hi;
		if (!hit)
			return false;
	}
	if (f->nchannels && !in_list(f->channels, f->nchannels, ev->channel))
		return false;
	if (f->nproviders && !in_list(f->providers, f->nproviders, ev->provider))
		return false;
	return true;
}

bool bt_filter_want(void *f, const struct bt_event *header)
{
	return bt_filter_pass(f, header);
}
