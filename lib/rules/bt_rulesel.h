/* Rule selection: which of the rules a set holds are run. Applied between
 * adding the rules and bt_ruleset_finish; the rules left out become
 * BT_RULE_EXCLUDED with the reason (they are neither compiled nor looked
 * up by correlations).
 *
 * A rule is run when no exclusion names it (a disabled line of the tuning
 * file, --exclude-rule, --exclude-tag) and it passes every selection given:
 * --rule (one of the ids or paths), --tag (one of the tags), the statuses
 * and the least level (after the tuning file's level overrides; a
 * correlation may be one step below it, as its findings are raised a step
 * when kinds of evidence agree). The
 * detection rules a selected correlation names (by id, name or tag:) are run
 * too, unless excluded: a correlation that needs an excluded rule is left
 * out with it. A rule that serves only as the base of correlations that do
 * not output its matches (no `generate`) makes no finding alone: it is left
 * out when they all are, unless --rule names it.
 *
 * Tags: an ATT&CK id (T1558, t1558.003) stands for the Sigma tag
 * attack.t1558; a tag selects the rules carrying it or a tag under it
 * (attack.t1558 selects attack.t1558.003), ASCII case-insensitively. */
#ifndef BT_RULESEL_H
#define BT_RULESEL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/bt_diag.h"
#include "core/bt_status.h"
#include "rules/bt_ruleset.h"
#include "rules/bt_sigma.h"

/* Rule statuses, as a mask. */
enum {
	BT_STATUS_STABLE = 1u << 0,
	BT_STATUS_TEST = 1u << 1,
	BT_STATUS_EXPERIMENTAL = 1u << 2,
	BT_STATUS_DEPRECATED = 1u << 3,
	BT_STATUS_UNSUPPORTED = 1u << 4,
	BT_STATUS_NONE = 1u << 5,          /* a rule without a status (or another word) */
	BT_STATUS_ALL = (1u << 6) - 1,
	/* the default: everything but deprecated and unsupported */
	BT_STATUS_DEFAULT = BT_STATUS_ALL & ~(BT_STATUS_DEPRECATED | BT_STATUS_UNSUPPORTED),
};

/* Parses a comma-separated list of stable, test, experimental, deprecated,
 * unsupported, none and all into *mask. False with a reason on an unknown
 * word or an empty item. */
bool bt_rulesel_parse_status(const char *list, unsigned *mask, char *why, size_t why_size);

/* Parses a level name (informational ... critical, case-insensitive). */
bool bt_rulesel_parse_level(const char *s, enum bt_sigma_level *out);

/* Whether `tag` is well-formed: non-empty, printable ASCII, no blank or
 * comma. */
bool bt_rulesel_tag_valid(const char *tag);

/* Whether rule r carries `tag` (see above). */
bool bt_rulesel_has_tag(const struct bt_sigma_rule *r, const char *tag);

/* Level tuning, like Hayabusa's level_tuning.txt: one rule per line,
 * "ID,LEVEL" with LEVEL one of the five levels or "disabled"; blank lines,
 * a header line "id,new_level" and '#' comments are ignored. */
struct bt_tuning;

/* Loads `path`. Returns BT_OK and *out, or BT_ERR_IO / BT_ERR_FORMAT with a
 * reason naming the file and line in `why`. */
enum bt_status bt_tuning_load(const char *path, struct bt_tuning **out, char *why,
                              size_t why_size);
void bt_tuning_free(struct bt_tuning *t);

struct bt_rulesel {
	const char *const *tags;       /* --tag: any of them */
	size_t ntags;
	const char *const *xtags;      /* --exclude-tag */
	size_t nxtags;
	const char *const *rules;      /* --rule: ids, names or paths (files or directories) */
	size_t nrules;
	const char *const *xrules;     /* --exclude-rule */
	size_t nxrules;
	unsigned statuses;             /* BT_STATUS_* mask; 0: BT_STATUS_DEFAULT */
	enum bt_sigma_level min_level; /* BT_LEVEL_NONE: any (a rule without a level
	                                  counts as informational) */
	const struct bt_tuning *tuning; /* may be NULL */
};

/* Applies `sel` to the rules of `rs` (not yet finished). Returns BT_OK;
 * BT_ERR_ARG with a reason in `why` when a tag, id or path of the
 * selection names no rule of the set (a typo would otherwise select nothing
 * or exclude nothing silently); BT_ERR_NOMEM. A tuning line naming no rule
 * of the set is a warning through `diag`. */
enum bt_status bt_ruleset_select(struct bt_ruleset *rs, const struct bt_rulesel *sel,
                                 const struct bt_diag *diag, char *why, size_t why_size);

#endif
