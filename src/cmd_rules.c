/* `boxtrail rules`: loads the detection rules and lists what was loaded,
 * skipped (with the reason) or kept for correlation. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bt_buf.h"
#include "rules/bt_logsource.h"
#include "rules/bt_ruleset.h"
#include "cli.h"
#include "commands.h"
#include "escape.h"
#include "json_writer.h"
#include "ruleopts.h"

enum {
	OPT_RULES = 256,
	OPT_NO_BUILTIN,
	OPT_LOGSOURCES,
	OPT_MIN_LEVEL,
	OPT_EXCLUDED,
};

static const struct option long_opts[] = {
	RULE_LONG_OPTS,
	{"min-level", required_argument, NULL, OPT_MIN_LEVEL},
	{"excluded", no_argument, NULL, OPT_EXCLUDED},
	{"rules", required_argument, NULL, OPT_RULES},
	{"no-builtin", no_argument, NULL, OPT_NO_BUILTIN},
	{"logsources", required_argument, NULL, OPT_LOGSOURCES},
	{"format", required_argument, NULL, 'f'},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void rule_jsonl(struct bt_buf *b, const struct bt_rule_info *ri)
{
	const struct bt_sigma_rule *r = ri->sigma;
	struct jw w;
	jw_init(&w, b);
	jw_object(&w);
	jw_key(&w, "state");
	jw_strz(&w, bt_rule_state_name(ri->state));
	jw_key(&w, "reason");
	jw_strz(&w, ri->reason);
	jw_key(&w, "id");
	jw_strz(&w, r->id);
	jw_key(&w, "title");
	jw_strz(&w, r->title);
	jw_key(&w, "level");
	jw_strz(&w, r->level ? bt_sigma_level_name(r->level) : NULL);
	jw_key(&w, "status");
	jw_strz(&w, r->status);
	jw_key(&w, "logsource");
	jw_object(&w);
	jw_key(&w, "product");
	jw_strz(&w, r->logsource.product);
	jw_key(&w, "category");
	jw_strz(&w, r->logsource.category);
	jw_key(&w, "service");
	jw_strz(&w, r->logsource.service);
	jw_object_end(&w);
	jw_key(&w, "attack");
	jw_str_array(&w, r->attack, r->nattack);
	jw_key(&w, "tags");
	jw_str_array(&w, r->tags, r->ntags);
	jw_key(&w, "correlation_type");
	jw_strz(&w, r->correlation ? r->correlation->type_text : NULL);
	jw_key(&w, "builtin");
	jw_bool(&w, ri->builtin);
	jw_key(&w, "variants");
	jw_u64(&w, ri->nvariants);
	jw_key(&w, "file");
	jw_strz(&w, r->file);
	jw_key(&w, "line");
	jw_u64(&w, r->line);
	jw_object_end(&w);
	bt_buf_putc(b, '\n');
}

static void rule_text(struct bt_buf *b, const struct bt_rule_info *ri)
{
	const struct bt_sigma_rule *r = ri->sigma;
	bt_buf_printf(b, "%-11s %-13s ", bt_rule_state_name(ri->state),
	              r->level ? bt_sigma_level_name(r->level) : "-");
	esc_text_str(b, r->id);
	bt_buf_puts(b, "  ");
	esc_text_str(b, r->title);
	bt_buf_puts(b, "  (");
	esc_text_str(b, r->file);
	bt_buf_printf(b, ":%u)", r->line);
	if (ri->reason) {
		bt_buf_puts(b, ": ");
		esc_text_str(b, ri->reason);
	}
	bt_buf_putc(b, '\n');
}

struct rules_args {
	struct bt_ruleset_opts *ro;
	struct cli_diag *diag;
	struct rule_opts sel;
	const char **paths;
	size_t npaths;
	bool builtin, jsonl, excluded;
};

static int rules_opt(void *ctx, int c, const char *arg)
{
	struct rules_args *a = ctx;
	int r = rule_opts_parse(&a->sel, c, arg, "rules");
	if (r)
		return r;
	switch (c) {
	case OPT_MIN_LEVEL:
		if (!bt_rulesel_parse_level(arg, &a->sel.min_level)) {
			cli_errorf("rules: --min-level '%s' (informational, low, medium, high, critical)",
			           arg);
			return -1;
		}
		return 1;
	case OPT_EXCLUDED:
		a->excluded = true;
		return 1;
	case OPT_RULES: {
		const char **np = realloc(a->paths, (a->npaths + 1) * sizeof *np);
		if (!np) {
			cli_errorf("out of memory");
			return -1;
		}
		a->paths = np;
		a->paths[a->npaths++] = arg;
		return 1;
	}
	case OPT_NO_BUILTIN:
		a->builtin = false;
		return 1;
	case OPT_LOGSOURCES:
		a->ro->logsource_path = arg;
		return 1;
	case 'f':
		if (strcmp(arg, "jsonl") == 0 || strcmp(arg, "json") == 0) {
			a->jsonl = true;
		} else if (strcmp(arg, "text") == 0) {
			a->jsonl = false;
		} else {
			cli_errorf("rules: unknown format '%s' (text, jsonl)", arg);
			return -1;
		}
		return 1;
	case 'q':
		a->diag->quiet = true;
		a->ro->diag = cli_diag_of(a->diag);
		return 1;
	default:
		return 0;
	}
}

static int cmd_rules(const struct cmd_entry *self, int argc, char **argv)
{
	struct cli_diag diag = {0};
	struct bt_ruleset_opts ro = {.diag = cli_diag_of(&diag), .datadir = cli_datadir(),
	                             .no_jit = cli_no_jit()};
	struct rules_args a = {.ro = &ro, .diag = &diag, .builtin = true};
	int pa = cmd_getopt(self, argc, argv, NULL, rules_opt, &a);
	const char **paths = a.paths;
	size_t npaths = a.npaths;
	bool builtin = a.builtin, jsonl = a.jsonl;
	if (pa != 0 || optind < argc || (!builtin && npaths == 0)) {
		if (pa == 0 && optind < argc)
			cli_errorf("rules: unexpected argument '%s'", argv[optind]);
		else if (pa == 0)
			cli_errorf("rules: --no-builtin needs at least one --rules PATH");
		free(paths);
		rule_opts_free(&a.sel);
		return pa < 0 ? EXIT_NOTHING : pa > 0 ? pa : EXIT_FATAL;
	}
	char why[512];
	struct bt_ruleset *rs;
	if (bt_ruleset_new(&ro, &rs, why, sizeof why) != BT_OK) {
		cli_errorf("rules: logsource mapping: %s", why);
		free(paths);
		rule_opts_free(&a.sel);
		return EXIT_FATAL;
	}
	int status = EXIT_NOTHING;
	enum bt_status st = BT_OK;
	if (builtin && (st = bt_ruleset_add_builtin(rs)) != BT_OK && st != BT_ERR_NOMEM)
		status |= EXIT_PARTIAL;
	for (size_t i = 0; i < npaths && st != BT_ERR_NOMEM; i++)
		if ((st = bt_ruleset_add_path(rs, paths[i], false)) != BT_OK && st != BT_ERR_NOMEM)
			status |= EXIT_PARTIAL;
	free(paths);
	if (st != BT_ERR_NOMEM && !rule_opts_apply(&a.sel, rs, &ro.diag, "rules")) {
		rule_opts_free(&a.sel);
		bt_ruleset_free(rs);
		return EXIT_FATAL;
	}
	rule_opts_free(&a.sel);
	if (st == BT_ERR_NOMEM || bt_ruleset_finish(rs) != BT_OK) {
		cli_errorf("rules: out of memory");
		bt_ruleset_free(rs);
		return EXIT_FATAL;
	}
	struct bt_buf b = BT_BUF_INIT;
	for (size_t i = 0; i < bt_ruleset_count(rs); i++) {
		bt_buf_reset(&b);
		const struct bt_rule_info *ri = bt_ruleset_info(rs, i);
		if (ri->state == BT_RULE_EXCLUDED && !a.excluded)
			continue;
		if (jsonl)
			rule_jsonl(&b, ri);
		else
			rule_text(&b, ri);
		fwrite(b.p, 1, b.n, stdout);
	}
	bt_buf_free(&b);
	struct bt_ruleset_counts n;
	bt_ruleset_counts(rs, &n);
	if (!diag.quiet)
		fprintf(stderr,
		        "%s: rules: %lu files, %lu loaded, %lu skipped, %lu correlation, "
		        "%lu unreadable%s",
		        cli_progname, n.files, n.loaded, n.skipped, n.correlations, n.unreadable,
		        n.excluded ? "" : "\n");
	if (!diag.quiet && n.excluded)
		fprintf(stderr, ", %lu excluded by the selection\n", n.excluded);
	if (n.unreadable)
		status |= EXIT_PARTIAL;
	if (n.loaded + n.correlations == 0) {
		if (n.excluded)
			cli_errorf("rules: the selection leaves no rule (%lu excluded)", n.excluded);
		else
			cli_errorf("rules: no rule could be loaded");
		status = EXIT_FATAL;
	}
	bt_ruleset_free(rs);
	return status;
}

const struct cmd_entry cmd_rules_entry = {
	.name = "rules",
	.args = "[OPTIONS]",
	.summary = "list the detection rules loaded, skipped or kept for correlation",
	.about = "Load the Sigma detection rules and list each one as loaded, skipped (with the\n"
	         "reason), correlation (kept for hunt) or unreadable. With the selection options\n"
	         "it lists what hunt would run with them.\n",
	.options = "      --rules PATH       also load the Sigma rules in PATH (file or directory;\n"
	           "                         repeatable)\n"
	           "      --no-builtin       do not load the built-in rule pack\n"
	           "      --logsources FILE  logsource mapping (default: the installed one)\n"
	           RULE_OPTS_HELP
	           "      --min-level LEVEL  only rules at or above LEVEL (informational, low,\n"
	           "                         medium, high, critical)\n"
	           "      --excluded         also list the rules the selection leaves out\n"
	           "  -f, --format FMT       text (default) or jsonl\n"
	           "  -q, --quiet            only errors on stderr (no summary)\n",
	.footer = "Built-in rules and the mapping are read from $BOXTRAIL_DATADIR when set, else\n"
	          "from " BT_PKGDATADIR ".\n"
	          "Exit status: 0 ok, 2 usage error or no rule loaded, +4 some rule file unreadable.\n",
	.shortopts = "f:q",
	.longopts = long_opts,
	.exec = cmd_rules,
};
