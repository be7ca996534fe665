/* Which events a read keeps: quick-triage criteria on the event header
 * (time, EVTX event id, channel, provider). Every criterion is known before
 * an event's fields are decoded, so a filtered-out record costs no field work
 * (bt_filter_pass serves as the readers' want_fields predicate). */
#ifndef BT_FILTER_H
#define BT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_event.h"

struct bt_filter {
	bt_time since, until;          /* BT_TIME_NONE = open */
	struct { uint32_t lo, hi; } *ids;
	size_t nids;
	char **channels;
	size_t nchannels;
	char **providers;
	size_t nproviders;
};

void bt_filter_init(struct bt_filter *f);
void bt_filter_free(struct bt_filter *f);

/* Parses a time bound: RFC 3339, or a date ("2026-03-14"): as an upper bound
 * a date means the end of that day. Returns false on bad text. */
bool bt_filter_parse_time(const char *s, bool until, bt_time *out);

/* Each returns false on bad text or no memory; the filter is unchanged then
 * (the caller reports: lib prints nothing). */
bool bt_filter_since(struct bt_filter *f, const char *s);
bool bt_filter_until(struct bt_filter *f, const char *s);
bool bt_filter_event_ids(struct bt_filter *f, const char *list);  /* "4624,4625,4768-4771" */
bool bt_filter_channel(struct bt_filter *f, const char *name);
bool bt_filter_provider(struct bt_filter *f, const char *name);

/* True when nothing is filtered. */
bool bt_filter_empty(const struct bt_filter *f);

/* True when the event passes every criterion (events without a time pass a
 * time bound only when no bound is set). Event ids apply to EVTX events only:
 * other sources have none and are dropped by an event-id criterion. */
bool bt_filter_pass(const struct bt_filter *f, const struct bt_event *ev);

/* bt_filter_pass as a want_fields predicate (ctx = the filter). */
bool bt_filter_want(void *f, const struct bt_event *header);

#endif
