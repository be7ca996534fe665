/* A compiled set of Sigma rules, indexed by channel and event id, and the
 * evaluation of events against it.
 *
 *   bt_ruleset_new() -> bt_ruleset_add_*()* -> bt_ruleset_finish()
 *   -> bt_ruleset_wants() / bt_ruleset_match()* -> bt_ruleset_free()
 *
 * Every rule document met is recorded: loaded (compiled), skipped (with a
 * one-line reason: a rule is never half-applied), correlation (kept for the
 * hunt stage, not evaluated here) or unreadable (a file that could not be
 * read or parsed as YAML).
 *
 * Field names: an item's field is looked up by its exact name first; only
 * when the event has no field of that name is an ASCII case-insensitive
 * match used (real-world rules sometimes differ in case from the events).
 * EventID, Channel, Provider_Name (or Provider), Computer, Level,
 * EventRecordID and UserID come from the event header. Multi-valued fields
 * match when any element matches; `Data[N]` picks one. A `null` value
 * matches an absent or empty field. Keyword (field-less) values match when
 * they occur in any non-System field value (substring unless a modifier says
 * otherwise). */
#ifndef BT_RULESET_H
#define BT_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_diag.h"
#include "core/bt_event.h"
#include "rules/bt_logsource.h"
#include "rules/bt_sigma.h"
#include "rules/bt_sigma_match.h"
#include "core/bt_status.h"

#define BT_RULESET_MAX_MODEL (256u << 20)   /* bytes of rule models (YAML trees included) */
#define BT_RULESET_MAX_RULES 200000         /* rule documents in one set */

enum bt_rule_state {
	BT_RULE_LOADED,
	BT_RULE_SKIPPED,       /* not supported or not valid: `reason` */
	BT_RULE_CORRELATION,   /* a correlation rule, for the hunt stage */
	BT_RULE_UNREADABLE,    /* a file (or its remainder) that could not be read: `reason` */
	BT_RULE_EXCLUDED,      /* left out by the rule selection (bt_rulesel.h): `reason` */
};

/* "loaded", "skipped", "correlation", "unreadable", "excluded". */
const char *bt_rule_state_name(enum bt_rule_state s);

/* What the set knows about one rule document. Owned by the ruleset. */
struct bt_rule_info {
	const struct bt_sigma_rule *sigma;   /* title, id, level, tags, attack, logsource, file */
	enum bt_rule_state state;
	const char *reason;                  /* SKIPPED/UNREADABLE/EXCLUDED: why; LOADED or
	                                        CORRELATION: a note of the selection
	                                        (level tuned, needed by a correlation) or NULL */
	bool builtin;                        /* from the built-in pack */
	unsigned index;                      /* position in the set (0-based, load order) */
	unsigned nvariants;                  /* LOADED: logsource variants compiled */
};

struct bt_ruleset_opts {
	struct bt_diag diag;            /* unreadable rule files are also reported here */
	const char *datadir;            /* the mapping and built-in pack (NULL: bt_datadir_default()) */
	const char *logsource_path;     /* NULL: DATADIR/data/logsources.yml */
	const char *logsource_yaml;     /* if set: the mapping itself (logsource_len bytes) */
	size_t logsource_len;
	bool no_jit;                    /* interpret regular expressions (memory checkers cannot
	                                   follow PCRE2's JIT code; same results) */
};

struct bt_ruleset;

/* Creates an empty set and loads the logsource mapping. Returns BT_OK and
 * *out, or an error with a reason in `why` (the mapping is unreadable). */
enum bt_status bt_ruleset_new(const struct bt_ruleset_opts *o, struct bt_ruleset **out,
                              char *why, size_t why_size);

/* Adds the rules in `path`: a file (any name), or a directory walked for
 * *.yml and *.yaml files in name order. Returns BT_OK, or BT_ERR_IO when
 * `path` cannot be read at all (reported via the diag); files that fail are
 * recorded as UNREADABLE and the walk goes on. */
enum bt_status bt_ruleset_add_path(struct bt_ruleset *rs, const char *path, bool builtin);

/* Adds the built-in pack: DATADIR/rules. */
enum bt_status bt_ruleset_add_builtin(struct bt_ruleset *rs);

/* Adds rules from a YAML buffer named `name` (for tests and embedding). */
enum bt_status bt_ruleset_add_buf(struct bt_ruleset *rs, const char *name, const char *yaml,
                                  size_t len, bool builtin);

/* For the rule selection (bt_rulesel.h), between adding and finishing:
 * leaves rule i out (EXCLUDED) with a reason, sets a loaded rule's note, or
 * overrides its level (the level text becomes the level's name). Copies the
 * strings. */
void bt_ruleset_exclude(struct bt_ruleset *rs, size_t i, const char *reason);
void bt_ruleset_note(struct bt_ruleset *rs, size_t i, const char *note);
void bt_ruleset_set_level(struct bt_ruleset *rs, size_t i, enum bt_sigma_level level);

/* Compiles every rule and builds the index; no rules can be added after.
 * Returns BT_OK or BT_ERR_NOMEM. */
enum bt_status bt_ruleset_finish(struct bt_ruleset *rs);

void bt_ruleset_free(struct bt_ruleset *rs);

/* Every rule document, in load order. */
size_t bt_ruleset_count(const struct bt_ruleset *rs);
const struct bt_rule_info *bt_ruleset_info(const struct bt_ruleset *rs, size_t i);

/* The loaded or correlation rule with this id (or name), or NULL. */
const struct bt_rule_info *bt_ruleset_find(const struct bt_ruleset *rs, const char *id_or_name);

struct bt_ruleset_counts {
	unsigned long files;           /* rule files read */
	unsigned long loaded;
	unsigned long skipped;
	unsigned long correlations;
	unsigned long unreadable;      /* files (or parts) that could not be read */
	unsigned long excluded;        /* left out by the rule selection */
};
void bt_ruleset_counts(const struct bt_ruleset *rs, struct bt_ruleset_counts *c);

/* Cheap: from channel, event id, provider and source alone, whether any
 * loaded rule could match the event. Plugs into bt_input_opts.want_fields
 * through bt_ruleset_want_fields (ctx = the ruleset). */
bool bt_ruleset_wants(const struct bt_ruleset *rs, const struct bt_event *header);
bool bt_ruleset_want_fields(void *rs, const struct bt_event *header);

/* One rule matching one event. `event` is borrowed (valid during the
 * callback only): keep it with bt_hit_clone. Provenance is in the event
 * (file, record_id, line, offset). */
struct bt_hit {
	const struct bt_rule_info *rule;
	const struct bt_event *event;
};

/* Returns non-zero to stop evaluating further rules for this event. */
typedef int (*bt_hit_fn)(void *ctx, const struct bt_hit *hit);

/* Evaluates `ev` against the rules that can match it; calls fn once per
 * matching rule (a rule hits an event at most once). Returns the number of
 * hits. Does not allocate. Uses the set's own scratch: not reentrant on one
 * set; threads use bt_ruleset_match_with and a scratch each. */
size_t bt_ruleset_match(struct bt_ruleset *rs, const struct bt_event *ev, bt_hit_fn fn,
                        void *ctx);
size_t bt_ruleset_match_with(const struct bt_ruleset *rs, struct bt_match_scratch *scratch,
                             const struct bt_event *ev, bt_hit_fn fn, void *ctx);

/* A rule's regular expression that hits a PCRE2 limit (match or depth) on
 * an event has an unknown answer there, taken as no match; after this many
 * such events the rule is disabled for the rest of the run (a warning says
 * so). */
#define BT_RULE_RE_LIMIT_DISABLE 100u

/* Rule i's events with a regex limit hit, from every thread (*disabled, if
 * not NULL: whether it was disabled for it). */
uint64_t bt_ruleset_re_limits(const struct bt_ruleset *rs, size_t i, bool *disabled);

/* An owned copy of a hit (the event cloned); free with bt_hit_free. */
struct bt_hit *bt_hit_clone(const struct bt_hit *h);
void bt_hit_free(struct bt_hit *h);

#endif
