/* Event header filters for quick triage. */
#include "config.h"

#include "filter.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

void cli_filter_init(struct cli_filter *f)
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

void cli_filter_free(struct cli_filter *f)
{
	free(f->ids);
	free_list(f->channels, f->nchannels);
	free_list(f->providers, f->nproviders);
	cli_filter_init(f);
}

bool cli_parse_time_bound(const char *s, bool until, bt_time *out)
{
	size_t n = strlen(s);
	if (!bt_time_parse(s, n, out, NULL, NULL))
		return false;
	if (until && n == 10)  /* a bare date: up to the end of that day */
		*out += 86400 * BT_TICKS_PER_SEC - 1;
	return true;
}

bool cli_filter_since(struct cli_filter *f, const char *arg)
{
	if (cli_parse_time_bound(arg, false, &f->since))
		return true;
	cli_errorf("--since: '%s' is not an RFC 3339 time or a date (2026-03-14T09:00:00Z, 2026-03-14)", arg);
	return false;
}

bool cli_filter_until(struct cli_filter *f, const char *arg)
{
	if (cli_parse_time_bound(arg, true, &f->until))
		return true;
	cli_errorf("--until: '%s' is not an RFC 3339 time or a date (2026-03-14T09:00:00Z, 2026-03-14)", arg);
	return false;
}

bool cli_filter_event_ids(struct cli_filter *f, const char *arg)
{
	char *copy = strdup(arg);
	if (!copy)
		return false;
	bool ok = true;
	for (char *save, *t = strtok_r(copy, ",", &save); t && ok; t = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(t, '-');
		unsigned long lo, hi;
		if (dash) {
			*dash = '\0';
			ok = cli_parse_uint(t, 0, UINT32_MAX, &lo) && cli_parse_uint(dash + 1, 0, UINT32_MAX, &hi) &&
			     lo <= hi;
		} else {
			ok = cli_parse_uint(t, 0, UINT32_MAX, &lo);
			hi = lo;
		}
		if (ok) {
			void *nv = realloc(f->ids, (f->nids + 1) * sizeof *f->ids);
			if (!nv) {
				ok = false;
				break;
			}
			f->ids = nv;
			f->ids[f->nids].lo = (uint32_t)lo;
			f->ids[f->nids].hi = (uint32_t)hi;
			f->nids++;
		}
	}
	free(copy);
	if (!ok)
		cli_errorf("--event-id: '%s' is not a list of event ids or ranges (4624,4768-4771)", arg);
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

bool cli_filter_channel(struct cli_filter *f, const char *arg)
{
	return push(&f->channels, &f->nchannels, arg);
}

bool cli_filter_provider(struct cli_filter *f, const char *arg)
{
	return push(&f->providers, &f->nproviders, arg);
}

bool cli_filter_empty(const struct cli_filter *f)
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

bool cli_filter_pass(const struct cli_filter *f, const struct bt_event *ev)
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
