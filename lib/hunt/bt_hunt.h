/* The hunt: from events to a timeline of findings.
 *
 *   events ─► host map (learn host <-> IP)
 *          ─► rules (Sigma detections) ─► hit store (time order, copies merged)
 *   end    ─► correlations (bt_correlate) + single-rule findings grouped by
 *              rule, host and container within the window
 *          ─► findings, sorted by time, filtered, handed to the caller.
 *
 * Integrity anomalies of the logs (record-id gaps, time going backwards,
 * beyond the thresholds of bt_input.h) become synthetic events (source
 * "boxtrail", channel "boxtrail", provider "boxtrail-integrity") that rules
 * match like any other. */
#ifndef BT_HUNT_H
#define BT_HUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "hunt/bt_correlate.h"
#include "core/bt_diag.h"
#include "hunt/bt_finding.h"
#include "hunt/bt_coverage.h"
#include "hunt/bt_hitstore.h"
#include "hunt/bt_hostmap.h"
#include "hunt/bt_identity.h"
#include "input/bt_filter.h"
#include "input/bt_input.h"
#include "input/bt_scan.h"
#include "rules/bt_ruleset.h"

#define BT_HUNT_DEFAULT_WINDOW (600LL * BT_TICKS_PER_SEC)

struct bt_hunt_opts {
	struct bt_ruleset *rules;        /* finished */
	struct bt_hostmap *hosts;        /* learned into; may hold --host-map links */
	int64_t window;                  /* ticks: grouping gap and built-in correlation timespan */
	size_t mem_budget;               /* hit store memory (0: default) */
	const char *tmpdir;              /* spill directory (NULL: /tmp) */
	bt_time since, until;            /* only events inside are matched (BT_TIME_NONE: open) */
	/* ticks overriding the timespan of absent correlations tagged
	 * boxtrail.ticket_lifetime / boxtrail.renew_lifetime (0: the rule's) */
	int64_t ticket_lifetime, renew_lifetime;
	bt_time baseline_until;          /* --baseline-until (0: none): bt_correlator_opts */
	struct bt_diag diag;
};

struct bt_hunt;

struct bt_hunt *bt_hunt_new(const struct bt_hunt_opts *o);
void bt_hunt_free(struct bt_hunt *h);

/* The want_fields predicate for readers (ctx = the hunt): rules or the host
 * map need the event's fields. */
bool bt_hunt_want_fields(void *h, const struct bt_event *header);

/* Processes one event in the caller's thread (not reentrant: one thread). */
void bt_hunt_event(struct bt_hunt *h, const struct bt_event *ev);

/* Sets --baseline-until before bt_hunt_finish (a --baseline state's end). */
void bt_hunt_set_baseline_until(struct bt_hunt *h, bt_time t);

/* Notes the span of an input's log (its first and last record), for the
 * absent correlations (bt_hunt_read does it for every input it reads). */
void bt_hunt_log_span(struct bt_hunt *h, const char *host, const char *channel, const char *file,
                      bt_time first, bt_time last);
const struct bt_coverage *bt_hunt_coverage(const struct bt_hunt *h);

/* What the baseline correlations learned (bt_correlator_facts), after
 * bt_hunt_finish. */
void bt_hunt_facts(const struct bt_hunt *h,
                   void (*cb)(void *ctx, const struct bt_rule_info *rule,
                              const struct bt_baseline_fact *f),
                   void *ctx);

/* For several reading threads: one worker per thread. Workers share the
 * host map and the hit store (both locked); each has its own rule-matching
 * scratch and counters, added to the hunt's when it is freed. */
struct bt_hunt_worker;
struct bt_hunt_worker *bt_hunt_worker_new(struct bt_hunt *h);
void bt_hunt_worker_event(struct bt_hunt_worker *w, const struct bt_event *ev);
void bt_hunt_worker_free(struct bt_hunt_worker *w);

/* Reads every input into the hunt (bt_scan_run with a worker per reading
 * thread): the events `filter` keeps are matched, every event teaches the
 * host map, and each input's integrity anomalies become synthetic events.
 * The report hears of each input's end in input order. Returns as
 * bt_scan_run. */
enum bt_status bt_hunt_read(struct bt_hunt *h, const struct bt_scan_input *inputs, size_t n,
                            const struct bt_scan_opts *o, const struct bt_filter *filter,
                            const struct bt_scan_report *report);

/* Turns an input's integrity anomalies into synthetic events; `host` and
 * `channel` are those of the log (NULL when unknown). */
void bt_hunt_anomalies(struct bt_hunt *h, const char *path, const char *host, const char *channel,
                       const struct bt_anomaly *a, size_t n, const struct bt_file_stats *st);

/* Runs correlations and grouping, then calls emit for every finding in
 * timeline order (ownership passes). Returns BT_OK or the error that stopped
 * it (reported). */
enum bt_status bt_hunt_finish(struct bt_hunt *h, void (*emit)(void *ctx, struct bt_finding *f),
                              void *ctx);

/* Per rule index: events the rule matched (before merging copies). */
uint64_t bt_hunt_rule_hits(const struct bt_hunt *h, unsigned rule);

/* Events seen, events matched by some rule, stored hits. */
struct bt_hunt_counts {
	uint64_t events, matched, spilled_runs, correlations_active;
	uint64_t merged;   /* detection findings merged into another (shared events) */
};
void bt_hunt_counts(const struct bt_hunt *h, struct bt_hunt_counts *c);

/* ---- for state files (bt_state.h): the hunt cut after matching ---- */

/* What the hunt learned of host identity (collections, names), for export
 * and import. */
struct bt_identity *bt_hunt_identity(struct bt_hunt *h);

/* The map step's end instead of bt_hunt_finish: yields every matched event
 * in time order, copies merged (the hit store's order), to cb (borrowed;
 * cb returns false to stop). The hunt cannot finish afterwards. */
enum bt_status bt_hunt_drain(struct bt_hunt *h,
                             bool (*cb)(void *ctx, const struct bt_evidence *e), void *ctx);

/* The reduce: a matched event with the rules (indexes) it matched, as the
 * map step matched it; not matched again. */
enum bt_status bt_hunt_add_hit(struct bt_hunt *h, const struct bt_event *ev,
                               const uint32_t *rules, size_t nrules);

/* What the Docker root's configurations said of each container's
 * Privileged (in the order learned), and adding one. */
void bt_hunt_each_root(const struct bt_hunt *h,
                       void (*cb)(void *ctx, const char *container_id, bool privileged),
                       void *ctx);
void bt_hunt_add_root(struct bt_hunt *h, const char *container_id, bool privileged);

/* Counts of another step added to this hunt's (bt_hunt_counts,
 * bt_hunt_rule_hits), and whether a filter narrowed what it matched (then no
 * absence is judged, as in one run with that filter). */
void bt_hunt_add_counts(struct bt_hunt *h, uint64_t events, uint64_t matched, bool narrowed);
void bt_hunt_add_rule_hits(struct bt_hunt *h, unsigned rule, uint64_t n);
bool bt_hunt_narrowed(const struct bt_hunt *h);

/* After bt_hunt_finish: each cap that was reached and left the answer
 * incomplete, as a short name (for a summary) and a line saying what it cost
 * (the caps are in boxtrail(1), LIMITS). */
typedef void (*bt_hunt_cap_fn)(void *ctx, const char *name, const char *detail);
void bt_hunt_caps(const struct bt_hunt *h, bt_hunt_cap_fn fn, void *ctx);

#endif
