/* bt_rulesel: tags, statuses, levels, rule ids, correlations' rules and the
 * tuning file, over rules given as YAML text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rules/bt_rulesel.h"

static const char mapping[] = "windows:\n  services:\n    security: [{channel: Security}]\n";

#define RULE(id, level, status, tag) \
	"title: Rule " id "\nid: " id "\nstatus: " status "\nlevel: " level "\n" \
	"tags: [" tag "]\nlogsource: {product: windows, service: security}\n" \
	"detection: {sel: {EventID: 4625}, condition: sel}\n---\n"

/* kerb: T1558.003, high; spray: T1110, low, used by the correlation; old:
 * deprecated; corr: medium correlation of spray */
static const char rules[] =
	RULE("kerb", "high", "stable", "attack.credential_access, attack.t1558.003")
	RULE("spray", "low", "test", "attack.t1110")
	RULE("old", "high", "deprecated", "attack.t1558")
	RULE("info", "informational", "experimental", "attack.t15")
	RULE("dc", "informational", "test", "boxtrail.witness")
	"title: Burst\nid: corr\nlevel: medium\ntags: [attack.t1110.003]\n"
	"correlation: {type: event_count, rules: [spray], timespan: 5m, condition: {gte: 3}}\n"
	"---\ntitle: Absent\nid: gone\nlevel: high\ntags: [attack.t1558.001]\n"
	"correlation: {type: absent, rules: [kerb, spray], group-by: [Host], timespan: 10h,\n"
	"              boxtrail: {witnesses: ['tag:boxtrail.witness']}}\n";

static struct bt_ruleset *load(void)
{
	struct bt_ruleset_opts o = {.logsource_yaml = mapping, .logsource_len = strlen(mapping)};
	struct bt_ruleset *rs;
	char why[256];
	assert_int_equal(bt_ruleset_new(&o, &rs, why, sizeof why), BT_OK);
	assert_int_equal(bt_ruleset_add_buf(rs, "t.yml", rules, strlen(rules), false), BT_OK);
	return rs;
}

/* The ids left to run after `sel`, comma-separated, in load order. */
static char *run(const struct bt_rulesel *sel, enum bt_status want)
{
	static char out[256];
	struct bt_ruleset *rs = load();
	char why[512] = "";
	assert_int_equal(bt_ruleset_select(rs, sel, NULL, why, sizeof why), want);
	out[0] = '\0';
	if (want != BT_OK) {
		snprintf(out, sizeof out, "%s", why);
	} else {
		assert_int_equal(bt_ruleset_finish(rs), BT_OK);
		for (size_t i = 0; i < bt_ruleset_count(rs); i++) {
			const struct bt_rule_info *ri = bt_ruleset_info(rs, i);
			if (ri->state == BT_RULE_EXCLUDED) {
				assert_non_null(ri->reason);
				continue;
			}
			if (out[0])
				strcat(out, ",");
			strcat(out, ri->sigma->id);
		}
	}
	bt_ruleset_free(rs);
	return out;
}

static void test_tags(void **state)
{
	(void)state;
	struct bt_sigma_rule r = {0};
	const char *tags[] = {"attack.t1558.003", "attack.Credential_Access"};
	r.tags = tags;
	r.ntags = 2;
	assert_true(bt_rulesel_has_tag(&r, "T1558"));
	assert_true(bt_rulesel_has_tag(&r, "t1558.003"));
	assert_true(bt_rulesel_has_tag(&r, "attack.t1558"));
	assert_true(bt_rulesel_has_tag(&r, "attack.credential_access"));
	assert_false(bt_rulesel_has_tag(&r, "T1558.004"));
	assert_false(bt_rulesel_has_tag(&r, "attack.t155"));     /* not at a dot */
	assert_false(bt_rulesel_has_tag(&r, "T155"));
	assert_true(bt_rulesel_tag_valid("attack.t1558"));
	assert_false(bt_rulesel_tag_valid(""));
	assert_false(bt_rulesel_tag_valid("a b"));
	assert_false(bt_rulesel_tag_valid("a,b"));
	assert_false(bt_rulesel_tag_valid("a\x1b"));
}

static void test_parse(void **state)
{
	(void)state;
	unsigned m;
	char why[200];
	assert_true(bt_rulesel_parse_status("stable,TEST", &m, why, sizeof why));
	assert_int_equal(m, BT_STATUS_STABLE | BT_STATUS_TEST);
	assert_true(bt_rulesel_parse_status("all", &m, why, sizeof why));
	assert_int_equal(m, BT_STATUS_ALL);
	assert_false(bt_rulesel_parse_status("stable,", &m, why, sizeof why));
	assert_false(bt_rulesel_parse_status("beta", &m, why, sizeof why));
	assert_non_null(strstr(why, "'beta'"));
	enum bt_sigma_level l;
	assert_true(bt_rulesel_parse_level("High", &l));
	assert_int_equal(l, BT_LEVEL_HIGH);
	assert_false(bt_rulesel_parse_level("severe", &l));
}

static void test_select(void **state)
{
	(void)state;
	struct bt_rulesel sel = {0};
	/* default: everything but the deprecated rule */
	assert_string_equal(run(&sel, BT_OK), "kerb,spray,info,dc,corr,gone");
	sel.statuses = BT_STATUS_ALL;
	assert_string_equal(run(&sel, BT_OK), "kerb,spray,old,info,dc,corr,gone");
	sel.statuses = BT_STATUS_DEPRECATED;
	assert_string_equal(run(&sel, BT_OK), "old");
	sel.statuses = 0;
	const char *t1558[] = {"T1558"};
	sel.tags = t1558;
	sel.ntags = 1;
	/* the absent correlation brings its rules and its witness (by tag) */
	assert_string_equal(run(&sel, BT_OK), "kerb,spray,dc,gone");
	/* kerb alone is only the base of gone, which outputs nothing of it: a
	 * full run shows no finding of kerb, nor does this one; --rule asks */
	const char *t1558003[] = {"T1558.003"};
	sel.tags = t1558003;
	assert_string_equal(run(&sel, BT_OK), "");
	sel.tags = NULL;
	sel.ntags = 0;
	const char *kerb[] = {"kerb"};
	sel.rules = kerb;
	sel.nrules = 1;
	assert_string_equal(run(&sel, BT_OK), "kerb");
	sel.rules = NULL;
	sel.nrules = 0;
	/* a correlation brings the rule it counts */
	const char *t1110[] = {"attack.t1110.003"};
	sel.tags = t1110;
	sel.ntags = 1;
	assert_string_equal(run(&sel, BT_OK), "spray,corr");
	sel.tags = NULL;
	sel.ntags = 0;
	/* --min-level: the correlation may be one step below; spray comes with it */
	sel.min_level = BT_LEVEL_HIGH;
	assert_string_equal(run(&sel, BT_OK), "kerb,spray,dc,corr,gone");
	sel.min_level = BT_LEVEL_CRITICAL;
	assert_string_equal(run(&sel, BT_OK), "kerb,spray,dc,gone");
	sel.min_level = BT_LEVEL_NONE;
	/* excluding the counted rule excludes the correlation */
	const char *spray[] = {"spray"};
	sel.xrules = spray;
	sel.nxrules = 1;
	/* both correlations need spray; kerb and dc served only gone */
	assert_string_equal(run(&sel, BT_OK), "info");
	sel.xrules = NULL;
	sel.nxrules = 0;
	sel.rules = spray;
	sel.nrules = 1;
	assert_string_equal(run(&sel, BT_OK), "spray");
	/* names that match nothing are errors */
	const char *none[] = {"nope"};
	sel.rules = none;
	assert_non_null(strstr(run(&sel, BT_ERR_ARG), "--rule nope"));
	sel.rules = NULL;
	sel.nrules = 0;
	const char *t9[] = {"T9999"};
	sel.xtags = t9;
	sel.nxtags = 1;
	assert_non_null(strstr(run(&sel, BT_ERR_ARG), "--exclude-tag T9999"));
}

static char tmpl[] = "/tmp/test_rulesel.XXXXXX";

static struct bt_tuning *tuning(const char *text, enum bt_status want, char *why, size_t n)
{
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct bt_tuning *t = NULL;
	assert_int_equal(bt_tuning_load(tmpl, &t, why, n), want);
	unlink(tmpl);
	memcpy(tmpl + strlen(tmpl) - 6, "XXXXXX", 6);
	return t;
}

static void test_tuning(void **state)
{
	(void)state;
	char why[512];
	struct bt_tuning *t = tuning("id,new_level\n# comment\n\nkerb, disabled # noisy\n"
	                             "info,critical\nunknown,low", BT_OK, why, sizeof why);
	assert_non_null(t);
	struct bt_rulesel sel = {.tuning = t, .min_level = BT_LEVEL_HIGH};
	/* kerb disabled (and the correlation needing it); info raised to
	 * critical passes --min-level high */
	assert_string_equal(run(&sel, BT_OK), "spray,info,corr");
	bt_tuning_free(t);
	assert_null(tuning("kerb,severe\n", BT_ERR_FORMAT, why, sizeof why));
	assert_non_null(strstr(why, ":1: the level is not"));
	assert_null(tuning("ok,low\nkerb\n", BT_ERR_FORMAT, why, sizeof why));
	assert_non_null(strstr(why, ":2: expected ID,LEVEL"));
	assert_null(tuning("a b,low\n", BT_ERR_FORMAT, why, sizeof why));
	struct bt_tuning *none = NULL;
	assert_int_equal(bt_tuning_load("/nonexistent/tuning.txt", &none, why, sizeof why), BT_ERR_IO);
	assert_null(none);
	bt_tuning_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_tuning),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
