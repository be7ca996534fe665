/* Which span of time each host's log covers: the first and last record of
 * every input, by host and channel. An absence ("no TGT was issued before
 * this ticket") means something only where the logs that would show the
 * missing event cover its time; this answers how far back they do.
 *
 * Spans come from each input's earliest and latest live event (any format:
 * bt_file_stats' span). Rotated archives of one log are separate inputs:
 * their spans join, and a gap between them is not covered. An input whose
 * events name several hosts counts for the first host it names. */
#ifndef BT_COVERAGE_H
#define BT_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/bt_time.h"

struct bt_coverage;

struct bt_coverage *bt_coverage_new(void);
void bt_coverage_free(struct bt_coverage *c);

/* Notes that `file` (host, channel) holds records from first to last. */
void bt_coverage_add(struct bt_coverage *c, const char *host, const char *channel,
                     const char *file, bt_time first, bt_time last);

/* The earliest time s such that the host's log of the channel covers all of
 * [s, t] without a gap; BT_TIME_NONE when it does not reach t. `file` gets
 * the input whose span reaches furthest back (for the finding's note). */
bt_time bt_coverage_since(const struct bt_coverage *c, const char *host, const char *channel,
                          bt_time t, const char **file);

/* A host's history in the log of the channel before t: how much time its
 * spans cover in all (their union up to t, gaps left out: the evidence of
 * several cases kept together), from `*earliest` (and the file it begins
 * in); `*gaps` when they leave time out. */
int64_t bt_coverage_history(const struct bt_coverage *c, const char *host, const char *channel,
                            bt_time t, bt_time *earliest, const char **file, bool *gaps);

/* Each span, for listing: false past the last. */
struct bt_coverage_span {
	const char *host, *channel, *file;
	bt_time first, last;
};
bool bt_coverage_get(const struct bt_coverage *c, size_t i, struct bt_coverage_span *out);

#endif
