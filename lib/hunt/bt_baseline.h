/* Judgements against what the whole evidence shows (boxtrail's correlation
 * extensions, boxtrail(1) BASELINES):
 *
 *  absent      an event of the first listed rule with no event of the other
 *              listed rules in its group within [t - timespan, t + skew]:
 *              a service ticket no TGT explains, a logon no service ticket
 *              explains; with the first rule listed again, the first time a
 *              group is seen. Said only where the logs that would hold the
 *              explaining event cover the time: the witnesses (hosts that
 *              logged an event of the witness rules, by default the
 *              explaining rules) must each cover [t - timespan, t] (a group
 *              by Host asks the event's own host only). Partly covered: the
 *              finding is one level lower and says how far back the logs
 *              reach; a witness log that does not reach t: not judged.
 *              With `history` (first seen in a host's history): every earlier
 *              event of the group explains, whatever the timespan, and the
 *              witness logs must reach back `history` (a baseline long enough
 *              to mean much); the finding names the baseline period.
 *  rare_value  an event of the first listed rule whose value of a field is
 *              seldom in its group among all the listed rules' events: the
 *              group's usual value seen at least `baseline` times, this one
 *              at most `share` percent of the group (a realm spelled unlike
 *              the domain controllers spell it, an RC4 ticket for an account
 *              whose tickets are AES). Values compare exactly.
 *
 * Both judge at the end of the evidence, when what is usual and which logs
 * exist is known. */
#ifndef BT_BASELINE_H
#define BT_BASELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bt_time.h"
#include "hunt/bt_coverage.h"
#include "hunt/bt_finding.h"
#include "hunt/bt_hitstore.h"
#include "rules/bt_sigma.h"

/* Judged events kept as evidence per group (absent) or per value
 * (rare_value); beyond it they are counted. */
#define BT_BASELINE_MAX_KEPT 256

struct bt_baseline;

struct bt_baseline_emit {
	/* Fills rule, techniques and severity of a finding from its evidence
	 * (the correlator's common part). */
	void (*finish)(void *ctx, struct bt_finding *f);
	/* Takes the finished finding. */
	void (*emit)(void *ctx, struct bt_finding *f);
	void *ctx;
};

/* judged and explaining name the first listed rule and the others in
 * summaries ("Kerberos Service Ticket Issued", "Kerberos TGT Issued or ..."). */
struct bt_baseline *bt_baseline_new(const struct bt_sigma_correlation *def, int64_t span,
                                    bool by_host, const char *judged, const char *explaining);
void bt_baseline_free(struct bt_baseline *b);

/* Judged events before `until` are history only: learned, not judged
 * (--baseline-until). Every source of past matched events (this evidence,
 * an earlier run's) feeds the baseline the same way: as events before it. */
void bt_baseline_learn_until(struct bt_baseline *b, bt_time until);

/* An event of listed position `pos` (0: judged) in its group; `value` is the
 * rare_value field's exact value. Events come in time order; `seq` numbers
 * them (one event fed under several positions has one seq). */
void bt_baseline_feed(struct bt_baseline *b, struct bt_evidence *e, uint64_t seq, unsigned pos,
                      const char *key, const char *display, const char *value);

/* An event of a witness rule: its host's log of its channel is a witness. */
void bt_baseline_witness(struct bt_baseline *b, const struct bt_event *ev);

/* Judges everything held and hands over the findings. Returns the number of
 * judged events that could not be judged (a witness log not reaching them). */
uint64_t bt_baseline_flush(struct bt_baseline *b, const struct bt_coverage *cov,
                           const struct bt_baseline_emit *out);

/* What a baseline learned, for listing (boxtrail baseline): each witness
 * log, each value of each rare_value group with its provenance, and each
 * group an absent correlation with history saw (before --baseline-until). */
struct bt_baseline_fact {
	bool witness;             /* a witness log (host, channel); else a value */
	bool seen;                /* a group seen in the history: count, first, last */
	bt_time first, last;
	const char *host, *channel;
	const char *group;        /* the group-by values ("RealmKey=corp") */
	const char *field, *value;
	uint64_t count, total;    /* events with the value, events of the group */
	bool usual;               /* the group's most common value */
	const char *first_file;   /* where the value was first seen: its record (EVTX) */
	uint64_t first_record, first_line;   /* or line (text logs); 0 when none */
};
void bt_baseline_facts(const struct bt_baseline *b,
                       void (*cb)(void *ctx, const struct bt_baseline_fact *f), void *ctx);

#endif
