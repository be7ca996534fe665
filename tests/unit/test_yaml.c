/* bt_yaml: trees from libyaml's events; the depth and node caps stop the
 * parse at the node that crosses them (issue 22, item 7), aliases expand to
 * copies and count against the cap. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules/bt_yaml.h"

struct docs {
	struct bt_ynode *v[8];
	unsigned n;
};

static int take(void *ctx, struct bt_ynode *root, unsigned index)
{
	struct docs *d = ctx;
	assert_int_equal(index, d->n);
	if (d->n < 8)
		d->v[d->n++] = root;
	return 0;
}

static enum bt_status parse(struct bt_arena *a, const char *y, size_t n, struct docs *d, char *why)
{
	memset(d, 0, sizeof *d);
	why[0] = '\0';
	return bt_yaml_parse(a, y, n, take, d, why, 256);
}

static void test_tree(void **state)
{
	(void)state;
	struct bt_arena a;
	bt_arena_init(&a, 0);
	struct docs d;
	char why[256];
	const char *y = "a: &x {b: [1, 'two', ~]}\n"
	                "c: *x\n"
	                "---\n"
	                "---\n"
	                "- !!str true\n"
	                "- \"true\"\n";
	assert_int_equal(parse(&a, y, strlen(y), &d, why), BT_OK);
	assert_int_equal(d.n, 2);   /* the empty document is skipped */
	struct bt_ynode *r = d.v[0];
	assert_int_equal(r->kind, BT_Y_MAP);
	assert_int_equal(r->n, 2);
	struct bt_ynode *b = bt_ynode_get(bt_ynode_get(r, "a"), "b");
	assert_non_null(b);
	assert_int_equal(b->kind, BT_Y_SEQ);
	assert_int_equal(b->n, 3);
	assert_string_equal(bt_ynode_str(b->items[1]), "two");
	assert_false(b->items[1]->plain);
	assert_true(bt_ynode_is_null(b->items[2]));
	assert_true(bt_ynode_is_int(b->items[0]));
	assert_int_equal(b->items[0]->line, 1);
	/* the alias is a copy, not the same node */
	struct bt_ynode *c = bt_ynode_get(r, "c");
	assert_non_null(c);
	assert_ptr_not_equal(c, bt_ynode_get(r, "a"));
	assert_int_equal(bt_ynode_get(c, "b")->n, 3);
	assert_int_equal(c->line, 1);
	bool v;
	assert_true(bt_ynode_bool(d.v[1]->items[0], &v) && v);
	assert_false(bt_ynode_bool(d.v[1]->items[1], &v));   /* quoted: a string */
	assert_int_equal(d.v[1]->items[1]->line, 6);
	bt_arena_free(&a);
}

static void test_errors(void **state)
{
	(void)state;
	struct bt_arena a;
	bt_arena_init(&a, 0);
	struct docs d;
	char why[256];
	const char *y = "a: *nope\n";
	assert_int_equal(parse(&a, y, strlen(y), &d, why), BT_ERR_FORMAT);
	assert_non_null(strstr(why, "undefined alias"));
	y = "a: [1, 2\nb: 3\n";
	assert_int_equal(parse(&a, y, strlen(y), &d, why), BT_ERR_FORMAT);
	assert_non_null(strstr(why, "YAML error"));
	/* a document before the error was delivered */
	y = "a: 1\n---\nb: [\n";
	assert_int_equal(parse(&a, y, strlen(y), &d, why), BT_ERR_FORMAT);
	assert_int_equal(d.n, 1);
	bt_arena_free(&a);
}

/* n nested flow sequences: "[[[...]]]" or unterminated "[[[" */
static char *nested(size_t n, bool close)
{
	char *s = malloc(2 * n + 2);
	assert_non_null(s);
	memset(s, '[', n);
	if (close)
		memset(s + n, ']', n);
	s[close ? 2 * n : n] = '\n';
	s[close ? 2 * n + 1 : n + 1] = '\0';
	return s;
}

static void test_depth(void **state)
{
	(void)state;
	struct bt_arena a;
	bt_arena_init(&a, 0);
	struct docs d;
	char why[256];
	char *s = nested(BT_YAML_MAX_DEPTH, true);   /* 64 levels: read */
	assert_int_equal(parse(&a, s, strlen(s), &d, why), BT_OK);
	assert_int_equal(d.n, 1);
	free(s);
	s = nested(BT_YAML_MAX_DEPTH + 1, true);     /* 65: refused */
	assert_int_equal(parse(&a, s, strlen(s), &d, why), BT_ERR_LIMIT);
	assert_non_null(strstr(why, "too deep"));
	free(s);
	/* 200,000 '[' (the loader took over a minute): refused at level 65, before the
	 * rest is read, so the answer is a depth limit and not the syntax error
	 * at the end */
	s = nested(200000, false);
	assert_int_equal(parse(&a, s, strlen(s), &d, why), BT_ERR_LIMIT);
	free(s);
	/* an alias that would nest past the cap */
	size_t k = BT_YAML_MAX_DEPTH / 2 + 2;
	char *inner = nested(k, true);
	size_t n = strlen(inner);
	char *y = malloc(2 * n + 64);
	assert_non_null(y);
	inner[n - 1] = '\0';
	snprintf(y, 2 * n + 64, "a: &x %s\nb: %.*s*x%s\n", inner, (int)k, inner, inner + k);
	assert_int_equal(parse(&a, y, strlen(y), &d, why), BT_ERR_LIMIT);
	free(y);
	free(inner);
	bt_arena_free(&a);
}

static void test_nodes(void **state)
{
	(void)state;
	struct bt_arena a;
	bt_arena_init(&a, 0);
	struct docs d;
	char why[256];
	/* 4M scalars in one flow sequence: refused at the node past the cap */
	size_t n = 4000000;
	char *y = malloc(2 * n + 16);
	assert_non_null(y);
	char *p = y;
	*p++ = '[';
	for (size_t i = 0; i < n; i++) {
		*p++ = 'a';
		*p++ = i + 1 < n ? ',' : ']';
	}
	*p++ = '\n';
	assert_int_equal(parse(&a, y, (size_t)(p - y), &d, why), BT_ERR_LIMIT);
	assert_non_null(strstr(why, "too large"));
	free(y);
	/* an alias bomb: each level doubles; stopped by the expanded size */
	const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	                   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	                   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	                   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	                   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	                   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
	assert_int_equal(parse(&a, bomb, strlen(bomb), &d, why), BT_ERR_LIMIT);
	assert_non_null(strstr(why, "line 6"));
	bt_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_nodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
