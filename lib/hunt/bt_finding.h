/* A finding: what boxtrail reports. A rule's hits (grouped by host and
 * container within the window) or a correlation's match, with its time span,
 * severity, ATT&CK techniques, hosts, container, account, a one-line summary,
 * notes (how host links were learned, what the evidence cannot show) and its
 * evidence events with their provenance. */
#ifndef BT_FINDING_H
#define BT_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hunt/bt_hitstore.h"
#include "core/bt_time.h"
#include "rules/bt_sigma.h"

/* Evidence kept per finding; beyond it the events are counted (and the
 * count is reported), not kept. */
#define BT_FINDING_MAX_EVIDENCE 1000

enum bt_severity {
	BT_SEV_INFORMATIONAL = 1,
	BT_SEV_LOW,
	BT_SEV_MEDIUM,
	BT_SEV_HIGH,
	BT_SEV_CRITICAL,
};

/* "informational" ... "critical"; parses the same names (case-insensitive). */
const char *bt_severity_name(enum bt_severity s);
bool bt_severity_parse(const char *s, enum bt_severity *out);

/* A finding's severity for a rule level (no level: informational). */
enum bt_severity bt_severity_of_level(enum bt_sigma_level l);

/* A list of owned strings without duplicates. */
struct bt_strset {
	char **v;
	size_t n;
};

/* Adds a copy of s unless present (exact match); false when out of memory. */
bool bt_strset_add(struct bt_strset *s, const char *str);
bool bt_strset_has(const struct bt_strset *s, const char *str);
void bt_strset_free(struct bt_strset *s);

/* A rule a detection finding stands for. Several rules that matched the
 * same events make one finding (bt_hunt): each is listed, the finding's own
 * (highest level) first; rules that matched exactly the same records share
 * a group number (the index of the group's first rule). */
struct bt_finding_rule {
	char *id, *title, *level;
	uint64_t records;            /* distinct records it matched in the finding */
	size_t group;
};

struct bt_finding {
	bt_time first, last;
	enum bt_severity severity;
	bool raised;                 /* severity raised above the rule level (sources agree) */
	const char *kind;            /* "detection" or "correlation" (static) */
	char *rule_id, *rule_title, *rule_level, *rule_file;
	char *correlation_type;      /* event_count, value_count, temporal, temporal_ordered */
	struct bt_strset techniques; /* "T1558.003" */
	struct bt_strset hosts;
	struct bt_strset sources;    /* source kinds and channels of the evidence */
	char *container_id, *container_name, *account;
	char *summary;
	struct bt_strset notes;
	struct bt_finding_rule *rules;    /* detections: every rule (NULL before merging: the one rule) */
	size_t nrules;
	struct bt_evidence **evidence;    /* owned references, time order */
	size_t nevidence;
	uint64_t evidence_total;     /* including events beyond the cap */
};

struct bt_finding *bt_finding_new(void);
void bt_finding_free(struct bt_finding *f);

/* Adds an evidence event (takes a reference), widening the time span; past
 * BT_FINDING_MAX_EVIDENCE it is only counted. False when out of memory. */
bool bt_finding_add_evidence(struct bt_finding *f, struct bt_evidence *h);

/* Fills hosts, sources, container and account from the evidence (a container
 * id from ContainerID or a windowsfilter\<id> layer path; an account from the
 * usual Windows and Docker fields). Idempotent. */
void bt_finding_derive(struct bt_finding *f);

/* Order of evidence: time, then file, record id, line. */
int bt_evidence_cmp(const struct bt_evidence *a, const struct bt_evidence *b);

/* Order of the timeline: start time, then severity (high first), rule id,
 * first evidence provenance. */
int bt_finding_cmp(const struct bt_finding *a, const struct bt_finding *b);

/* Fills what a finding takes from its rule: id (or name), title, level
 * text, file, ATT&CK techniques and the severity of its level. */
void bt_finding_set_rule(struct bt_finding *f, const struct bt_sigma_rule *r);

/* Sets *out to a malloc'ed copy of s (NULL stays NULL); false when out of memory. */
bool bt_strdup_to(char **out, const char *s);

#endif
