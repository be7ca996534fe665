/* Quick-triage filters on the event header (time, event id, channel,
 * provider), shared by the subcommands. All criteria are known before an
 * event's fields are decoded, so a filtered-out record costs no field work. */
#ifndef BT_FILTER_H
#define BT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_event.h"

struct cli_filter {
	bt_time since, until;          /* BT_TIME_NONE = open */
	struct { uint32_t lo, hi; } *ids;
	size_t nids;
	char **channels;
	size_t nchannels;
	char **providers;
	size_t nproviders;
};

void cli_filter_init(struct cli_filter *f);
void cli_filter_free(struct cli_filter *f);

/* Parses a time bound: RFC 3339, or a date ("2026-03-14"): for --until a date
 * means the end of that day. Returns false on bad text. */
bool cli_parse_time_bound(const char *s, bool until, bt_time *out);

/* Option parsers; each returns false (after printing a usage error) on bad input. */
bool cli_filter_since(struct cli_filter *f, const char *arg);
bool cli_filter_until(struct cli_filter *f, const char *arg);
bool cli_filter_event_ids(struct cli_filter *f, const char *arg);  /* "4624,4625,4768-4771" */
bool cli_filter_channel(struct cli_filter *f, const char *arg);
bool cli_filter_provider(struct cli_filter *f, const char *arg);

/* True when nothing is filtered. */
bool cli_filter_empty(const struct cli_filter *f);

/* True when the event passes every criterion (events without a time pass a
 * time bound only when no bound is set). Event ids apply to EVTX events only:
 * other sources have none and are dropped by --event-id. */
bool cli_filter_pass(const struct cli_filter *f, const struct bt_event *ev);

#endif
