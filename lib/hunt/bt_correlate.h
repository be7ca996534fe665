/* Sigma correlation rules over the time-ordered stream of matched events:
 * event_count, value_count, temporal and temporal_ordered, with rules,
 * group-by, timespan, condition, aliases and generate (Sigma correlation
 * specification).
 *
 * Semantics (documented in boxtrail(1)):
 *  - Window: an event at time t sees the events of its group in
 *    [t - timespan, t]; both ends are inclusive.
 *  - A group whose condition holds opens a match; later events that keep the
 *    condition true within the timespan of the match's last event extend it,
 *    so a burst gives one finding, not one per event.
 *  - group-by values: an alias maps one name to a field per rule. Values are
 *    compared case-insensitively; IP addresses in canonical form
 *    (::ffff:10.0.0.5 = 10.0.0.5). An event without a group-by field does not
 *    take part.
 *  - boxtrail's virtual fields, usable in group-by and aliases:
 *      Host        the host that logged the event (Computer, Docker host),
 *                  compared by its first DNS label;
 *      ClientHost  the host behind the event's client address (IpAddress,
 *                  SourceIp, ClientAddress, SourceAddress), resolved with
 *                  the host map at the event's time; the canonical address
 *                  when unresolved;
 *      OriginHost  ClientHost when the event has a client address, else Host:
 *                  where the activity came from, one key for a domain
 *                  controller's ticket request and a host's own events.
 *      Hypervisor  an ESXi log's Host; for another event, the ESXi host its
 *                  host ran on as a VM (bt_vmlink.h): one key for a
 *                  hypervisor and its guests.
 *  - A `rules` entry "tag:NAME" stands for every loaded rule tagged NAME
 *    (a boxtrail extension: one step of a correlation may be seen in several
 *    logs, and a Sigma rule has one logsource).
 *  - temporal: every listed rule matched in the window; temporal_ordered:
 *    in the listed order (an event may serve several rules).
 *  - Built-in correlation rules use --window as their timespan; a user
 *    rule's own timespan always wins.
 *  - A base rule referenced only by correlations with generate: false does
 *    not produce findings of its own.
 *  - absent and rare_value (boxtrail extensions) are judged at the end of the
 *    evidence against all of it: bt_baseline.h. */
#ifndef BT_CORRELATE_H
#define BT_CORRELATE_H

#include <stdint.h>

#include "core/bt_diag.h"
#include "hunt/bt_baseline.h"
#include "hunt/bt_coverage.h"
#include "hunt/bt_finding.h"
#include "hunt/bt_hitstore.h"
#include "hunt/bt_hostmap.h"
#include "rules/bt_ruleset.h"

/* Events held per group window; past it the oldest leave early (reported). */
#define BT_CORR_MAX_WINDOW 100000
/* Groups alive per correlation rule at once; past it new groups are not
 * tracked (reported). */
#define BT_CORR_MAX_GROUPS 200000

struct bt_correlator;

struct bt_correlator_opts {
	const struct bt_ruleset *rules;
	const struct bt_hostmap *hosts;    /* for ClientHost; may be NULL */
	int64_t builtin_window;            /* ticks; timespan of built-in correlations (0: theirs) */
	/* absent correlations: how far back each log reaches (may be NULL:
	 * nothing is judged), and the lifetimes overriding the timespan of rules
	 * tagged boxtrail.ticket_lifetime / boxtrail.renew_lifetime (ticks; 0:
	 * the rule's own) */
	const struct bt_coverage *coverage;
	int64_t ticket_lifetime, renew_lifetime;
	/* baseline correlations: events before it are history, learned but not
	 * judged (--baseline-until; 0 or BT_TIME_NONE: none) */
	bt_time baseline_until;
	struct bt_diag diag;
	/* Memory for open groups and windows: *held (shared with the caller,
	 * who counts its findings there) against budget bytes (0: none). Past
	 * it, new groups are not followed and windows lose their oldest
	 * events (reported, bt_correlator_caps). */
	uint64_t *held;
	uint64_t budget;
	/* Receives each completed match as a finding (ownership passes). */
	void (*emit)(void *ctx, struct bt_finding *f);
	void *emit_ctx;
};

/* Prepares every correlation rule of the set (rules referring to unknown
 * rules are reported and left out). NULL when out of memory. */
struct bt_correlator *bt_correlator_new(const struct bt_correlator_opts *o);
void bt_correlator_free(struct bt_correlator *c);

/* Number of correlation rules taking part. */
size_t bt_correlator_count(const struct bt_correlator *c);

/* True when rule index `rule` is referenced by a correlation. */
bool bt_correlator_uses(const struct bt_correlator *c, unsigned rule);

/* True when rule `rule` should produce findings of its own: it is not
 * referenced by any correlation, or some referencing correlation says
 * generate: true. */
bool bt_correlator_generates(const struct bt_correlator *c, unsigned rule);

/* Feeds the next event (time order); the correlator takes references. */
void bt_correlator_feed(struct bt_correlator *c, struct bt_evidence *e);

/* Closes every open match (end of input). */
void bt_correlator_flush(struct bt_correlator *c);

/* What the baseline correlations (absent, rare_value) learned, each fact
 * with the correlation rule it belongs to; after bt_correlator_flush. */
void bt_correlator_facts(const struct bt_correlator *c,
                         void (*cb)(void *ctx, const struct bt_rule_info *rule,
                                    const struct bt_baseline_fact *f),
                         void *ctx);

/* What correlation i (below bt_correlator_count) lost to a cap: events
 * that left a window early (window or memory cap) and events of groups
 * that were not followed (group or memory cap). */
struct bt_corr_caps {
	const char *title;
	uint64_t window_left_early, groups_not_followed;
	uint64_t memory_left_early, memory_not_followed;
};
void bt_correlator_caps(const struct bt_correlator *c, size_t i, struct bt_corr_caps *out);

/* Normalised group-by value of `field` for an event (with the virtual
 * fields); writes at most n bytes; false when the event has no such value. */
bool bt_correlate_value(const struct bt_event *ev, const char *field,
                        const struct bt_hostmap *hosts, char *out, size_t n,
                        const struct bt_hostlink **link);

/* The field's value exactly as written (trimmed; with the Kerberos virtual
 * fields TicketAccount, TicketRealm, RealmKey, DomainKey, TicketCipher);
 * false when the event has none. */
bool bt_correlate_exact_value(const struct bt_event *ev, const char *field, char *out, size_t n);

#endif
