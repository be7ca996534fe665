/* The rule-selection options of hunt and rules. */
#include "config.h"

#include "ruleopts.h"

#include <stdlib.h>
#include <string.h>

/* Appends the items of a comma list to *v, checked as tags. */
static int add_list(struct rule_opts *o, const char ***v, size_t *n, const char *arg,
                    const char *cmd, const char *option, bool tags)
{
	const char *p = arg;
	for (;;) {
		size_t len = strcspn(p, ",");
		char *item = strndup(p, len);
		char **no = item ? realloc(o->owned, (o->nowned + 1) * sizeof *no) : NULL;
		const char **nv = no ? realloc(*v, (*n + 1) * sizeof *nv) : NULL;
		if (no)
			o->owned = no;
		if (!nv) {
			free(item);
			cli_errorf("out of memory");
			return -1;
		}
		o->owned[o->nowned++] = item;
		*v = nv;
		if (tags ? !bt_rulesel_tag_valid(item) : !*item) {
			cli_errorf("%s: %s '%s': %s", cmd, option, arg,
			           tags ? "a tag is a word without blanks or control characters "
			                  "(T1558, attack.t1558.003, attack.credential_access)"
			                : "an empty rule id or path");
			return -1;
		}
		(*v)[(*n)++] = item;
		if (!p[len] || !tags)
			break;
		p += len + 1;
	}
	return 1;
}

int rule_opts_parse(struct rule_opts *o, int c, const char *arg, const char *cmd)
{
	char why[256];
	switch (c) {
	case RULE_OPT_TAG:
		return add_list(o, &o->tags, &o->ntags, arg, cmd, "--tag", true);
	case RULE_OPT_EXCLUDE_TAG:
		return add_list(o, &o->xtags, &o->nxtags, arg, cmd, "--exclude-tag", true);
	case RULE_OPT_RULE:
		return add_list(o, &o->rules, &o->nrules, arg, cmd, "--rule", false);
	case RULE_OPT_EXCLUDE_RULE:
		return add_list(o, &o->xrules, &o->nxrules, arg, cmd, "--exclude-rule", false);
	case RULE_OPT_STATUS:
		if (!bt_rulesel_parse_status(arg, &o->statuses, why, sizeof why)) {
			cli_errorf("%s: --status: %s", cmd, why);
			return -1;
		}
		return 1;
	case RULE_OPT_TUNING:
		o->tuning_path = arg;
		return 1;
	default:
		return 0;
	}
}

bool rule_opts_apply(const struct rule_opts *o, struct bt_ruleset *rs, const struct bt_diag *diag,
                     const char *cmd)
{
	char why[1024];
	struct bt_tuning *t = NULL;
	if (o->tuning_path) {
		enum bt_status st = bt_tuning_load(o->tuning_path, &t, why, sizeof why);
		if (st != BT_OK) {
			cli_errorf("%s: --tuning %s", cmd, why);
			return false;
		}
	}
	struct bt_rulesel sel = {
		.tags = o->tags, .ntags = o->ntags, .xtags = o->xtags, .nxtags = o->nxtags,
		.rules = o->rules, .nrules = o->nrules, .xrules = o->xrules, .nxrules = o->nxrules,
		.statuses = o->statuses, .min_level = o->min_level, .tuning = t,
	};
	enum bt_status st = bt_ruleset_select(rs, &sel, diag, why, sizeof why);
	bt_tuning_free(t);
	if (st != BT_OK) {
		cli_errorf("%s: %s", cmd, why);
		return false;
	}
	return true;
}

void rule_opts_free(struct rule_opts *o)
{
	for (size_t i = 0; i < o->nowned; i++)
		free(o->owned[i]);
	free(o->owned);
	free(o->tags);
	free(o->xtags);
	free(o->rules);
	free(o->xrules);
	memset(o, 0, sizeof *o);
}
