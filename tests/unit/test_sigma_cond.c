/* bt_sigma_cond: grammar, precedence, quantifiers, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules/bt_sigma_cond.h"

static const char *const names[] = {"selection", "sel_a", "sel_b", "filter_1", "filter_2",
                                    "_hidden", "keywords"};
#define NNAMES (sizeof names / sizeof names[0])

/* Truth values of the identifiers, by bit. */
static bool ref(void *ctx, uint32_t i)
{
	return (*(unsigned *)ctx >> i) & 1u;
}

#define BIT(name) (1u << index_of(name))
static unsigned index_of(const char *n)
{
	for (unsigned i = 0; i < NNAMES; i++)
		if (strcmp(names[i], n) == 0)
			return i;
	fail_msg("no such name %s", n);
	return 0;
}

/* Evaluates `cond` with the identifiers in `truth` true. */
static bool eval(const char *cond, unsigned truth)
{
	struct bt_arena a;
	bt_arena_init(&a, 0);
	struct bt_cond *c;
	char why[200];
	enum bt_status st = bt_cond_parse(&a, cond, names, NNAMES, &c, why, sizeof why);
	if (st != BT_OK)
		fail_msg("'%s': %s", cond, why);
	bool r = bt_cond_eval(c, ref, &truth);
	bt_arena_free(&a);
	return r;
}

static enum bt_status parse_status(const char *cond)
{
	struct bt_arena a;
	bt_arena_init(&a, 0);
	struct bt_cond *c;
	char why[200];
	enum bt_status st = bt_cond_parse(&a, cond, names, NNAMES, &c, why, sizeof why);
	bt_arena_free(&a);
	return st;
}

static void test_and_or_not(void **state)
{
	(void)state;
	assert_true(eval("selection", BIT("selection")));
	assert_false(eval("selection", 0));
	assert_true(eval("selection and not filter_1", BIT("selection")));
	assert_false(eval("selection and not filter_1", BIT("selection") | BIT("filter_1")));
	assert_true(eval("sel_a or sel_b", BIT("sel_b")));
	/* not > and > or: "not a and b or c" = ((not a) and b) or c */
	assert_true(eval("not sel_a and sel_b or keywords", BIT("keywords") | BIT("sel_a")));
	assert_true(eval("not sel_a and sel_b or keywords", BIT("sel_b")));
	assert_false(eval("not sel_a and sel_b or keywords", BIT("sel_a") | BIT("sel_b")));
	/* and binds tighter than or */
	assert_true(eval("sel_a or sel_b and keywords", BIT("sel_a")));
	assert_false(eval("(sel_a or sel_b) and keywords", BIT("sel_a")));
	assert_true(eval("not not selection", BIT("selection")));
	/* keywords are case-insensitive, identifiers are not */
	assert_true(eval("selection AND NOT filter_1", BIT("selection")));
	assert_int_equal(parse_status("Selection"), BT_ERR_FORMAT);
}

static void test_quantifiers(void **state)
{
	(void)state;
	assert_true(eval("1 of sel_*", BIT("sel_b")));
	assert_false(eval("1 of sel_*", BIT("selection")));
	assert_false(eval("all of sel_*", BIT("sel_a")));
	assert_true(eval("all of sel_*", BIT("sel_a") | BIT("sel_b")));
	assert_true(eval("selection and not 1 of filter_*", BIT("selection")));
	assert_false(eval("selection and not 1 of filter_*", BIT("selection") | BIT("filter_2")));
	/* "x of" binds tighter than not */
	assert_true(eval("not all of filter_*", BIT("filter_1")));
	/* them: every identifier not starting with _ */
	assert_true(eval("1 of them", BIT("keywords")));
	assert_false(eval("1 of them", BIT("_hidden")));
	assert_true(eval("all of them", 0x7Fu & ~BIT("_hidden")));
	assert_false(eval("all of them", 0x7Fu & ~BIT("keywords")));
	/* wildcards anywhere in the pattern; a plain name works too */
	assert_true(eval("1 of *_2", BIT("filter_2")));
	assert_true(eval("1 of sel*", BIT("selection")));
	assert_true(eval("1 of keywords", BIT("keywords")));
	/* N of = at least N */
	assert_false(eval("2 of filter_* or 2 of sel_*", BIT("sel_a") | BIT("filter_1")));
	assert_true(eval("2 of sel_*", BIT("sel_a") | BIT("sel_b")));
	assert_int_equal(parse_status("3 of sel_*"), BT_ERR_FORMAT);
	assert_int_equal(parse_status("1 of nothing_*"), BT_ERR_FORMAT);
}

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(parse_status("selection | count() > 5"), BT_ERR_UNSUPPORTED);
	assert_int_equal(parse_status("selection | count(TargetUserName) by IpAddress > 10"),
	                 BT_ERR_UNSUPPORTED);
	assert_int_equal(parse_status("sel_a near sel_b"), BT_ERR_UNSUPPORTED);
	assert_int_equal(parse_status("unknown_thing"), BT_ERR_FORMAT);
	assert_int_equal(parse_status("(selection"), BT_ERR_FORMAT);
	assert_int_equal(parse_status("selection)"), BT_ERR_FORMAT);
	assert_int_equal(parse_status("selection and"), BT_ERR_FORMAT);
	assert_int_equal(parse_status(""), BT_ERR_FORMAT);
	assert_int_equal(parse_status("1 sel_a"), BT_ERR_FORMAT);
	assert_int_equal(parse_status("selection $ filter_1"), BT_ERR_FORMAT);
	/* nesting is capped */
	char deep[400];
	memset(deep, '(', 200);
	strcpy(deep + 200, "selection");
	assert_int_equal(parse_status(deep), BT_ERR_LIMIT);
	char nots[1200] = "";
	for (int i = 0; i < 100; i++)
		strcat(nots, "not ");
	strcat(nots, "selection");
	assert_int_equal(parse_status(nots), BT_ERR_LIMIT);
}

static void test_long_chains(void **state)
{
	(void)state;
	/* more than 64 operands in one chain */
	char c[2000] = "sel_a";
	for (int i = 0; i < 100; i++)
		strcat(c, " or sel_a");
	strcat(c, " or keywords");
	assert_true(eval(c, BIT("keywords")));
	assert_false(eval(c, 0));
	bool used[NNAMES] = {false};
	struct bt_arena a;
	bt_arena_init(&a, 0);
	struct bt_cond *k;
	char why[100];
	assert_int_equal(bt_cond_parse(&a, "selection and not 1 of filter_*", names, NNAMES, &k, why,
	                               sizeof why),
	                 BT_OK);
	bt_cond_refs(k, used);
	assert_true(used[index_of("selection")] && used[index_of("filter_1")] &&
	            used[index_of("filter_2")]);
	assert_false(used[index_of("sel_a")]);
	bt_arena_free(&a);
	assert_true(bt_cond_name_match("a*b*c", "aXXbYYc"));
	assert_false(bt_cond_name_match("a*b*c", "aXXbYY"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_and_or_not),
		cmocka_unit_test(test_quantifiers),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_chains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
