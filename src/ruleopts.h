/* Options that choose the rules a run uses (hunt, rules): --tag,
 * --exclude-tag, --rule, --exclude-rule, --status, --tuning, and the rule
 * part of --min-level (see rules/bt_rulesel.h for what they select). */
#ifndef BT_RULEOPTS_H
#define BT_RULEOPTS_H

#include <getopt.h>
#include <stdbool.h>

#include "cli.h"
#include "rules/bt_ruleset.h"
#include "rules/bt_rulesel.h"

/* Option ids, apart from every command's own (which stay below 400). */
enum {
	RULE_OPT_TAG = 400,
	RULE_OPT_EXCLUDE_TAG,
	RULE_OPT_RULE,
	RULE_OPT_EXCLUDE_RULE,
	RULE_OPT_STATUS,
	RULE_OPT_TUNING,
};

#define RULE_LONG_OPTS \
	{"tag", required_argument, NULL, RULE_OPT_TAG}, \
	{"exclude-tag", required_argument, NULL, RULE_OPT_EXCLUDE_TAG}, \
	{"rule", required_argument, NULL, RULE_OPT_RULE}, \
	{"exclude-rule", required_argument, NULL, RULE_OPT_EXCLUDE_RULE}, \
	{"status", required_argument, NULL, RULE_OPT_STATUS}, \
	{"tuning", required_argument, NULL, RULE_OPT_TUNING}

#define RULE_OPTS_HELP \
	"      --tag TAG          only rules with this tag or ATT&CK id (T1558,\n" \
	"                         attack.credential_access; repeatable, comma lists)\n" \
	"      --exclude-tag TAG  no rules with this tag (repeatable, comma lists)\n" \
	"      --rule ID|PATH     only this rule, or the rules from this file or\n" \
	"                         directory (repeatable)\n" \
	"      --exclude-rule ID|PATH  not this rule (repeatable)\n" \
	"      --status LIST      only rules with these statuses (stable, test,\n" \
	"                         experimental, deprecated, unsupported, none, all;\n" \
	"                         default: all but deprecated and unsupported)\n" \
	"      --tuning FILE      level overrides and disabled rules: ID,LEVEL per line\n" \
	"                         (LEVEL or disabled)\n"

struct rule_opts {
	const char **tags, **xtags, **rules, **xrules;
	size_t ntags, nxtags, nrules, nxrules;
	unsigned statuses;               /* 0: the default */
	enum bt_sigma_level min_level;   /* BT_LEVEL_NONE: any */
	const char *tuning_path;
	char **owned;                    /* the items of comma lists, copied */
	size_t nowned;
};

/* Handles one getopt result: 1 taken, 0 not a rule option, -1 bad value
 * (reported, naming `cmd`). */
int rule_opts_parse(struct rule_opts *o, int c, const char *arg, const char *cmd);

/* Applies the selection to `rs` (loaded, not finished): reads the tuning
 * file, then bt_ruleset_select. False after reporting a usage error (the
 * command exits with EXIT_FATAL). */
bool rule_opts_apply(const struct rule_opts *o, struct bt_ruleset *rs, const struct bt_diag *diag,
                     const char *cmd);

void rule_opts_free(struct rule_opts *o);

#endif
