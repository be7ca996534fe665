/* The output writers: JSON separators, nesting, escaping and nulls; CSV
 * quoting, the formula guard and row ends. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "csv_writer.h"
#include "json_writer.h"

static void assert_buf(struct bt_buf *b, const char *want)
{
	bt_buf_putc(b, '\0');
	assert_string_equal(b->p, want);
	bt_buf_reset(b);
}

static void test_json_nesting(void **state)
{
	(void)state;
	struct bt_buf b = BT_BUF_INIT;
	struct jw w;
	jw_init(&w, &b);
	jw_object(&w);
	jw_key(&w, "a");
	jw_u64(&w, 1);
	jw_key(&w, "list");
	jw_array(&w);
	jw_strz(&w, "x");
	jw_null(&w);
	jw_bool(&w, false);
	jw_object(&w);
	jw_object_end(&w);
	jw_array_end(&w);
	jw_key(&w, "none");
	jw_strz(&w, NULL);
	jw_key(&w, "t");
	jw_time(&w, BT_TIME_NONE);
	jw_key(&w, "n");
	jw_i64(&w, -5);
	jw_key(&w, "opt");
	jw_u64_or_null(&w, false, 9);
	jw_object_end(&w);
	assert_buf(&b, "{\"a\":1,\"list\":[\"x\",null,false,{}],\"none\":null,\"t\":null,\"n\":-5,"
	               "\"opt\":null}");
	bt_buf_free(&b);
}

static void test_json_hostile_strings(void **state)
{
	(void)state;
	struct bt_buf b = BT_BUF_INIT;
	struct jw w;
	jw_init(&w, &b);
	jw_object(&w);
	/* a name from the evidence: quote, backslash, control and escape bytes */
	jw_key_n(&w, "k\"\\\x1b", 4);
	jw_str(&w, "a\nb\x01\"", 5);
	const char *v[] = {"\t", ""};
	jw_key(&w, "v");
	jw_str_array(&w, v, 2);
	jw_object_end(&w);
	assert_buf(&b, "{\"k\\\"\\\\\\u001b\":\"a\\nb\\u0001\\\"\",\"v\":[\"\\t\",\"\"]}");
	bt_buf_free(&b);
}

static void test_csv_quoting(void **state)
{
	(void)state;
	struct bt_buf b = BT_BUF_INIT;
	struct cw w;
	cw_init(&w, &b, true);
	cw_strz(&w, "plain");
	cw_strz(&w, "a,b");
	cw_strz(&w, "say \"hi\"");
	cw_strz(&w, NULL);
	cw_u64(&w, 42);
	cw_bool(&w, true);
	cw_row_end(&w);
	assert_buf(&b, "plain,\"a,b\",\"say \"\"hi\"\"\",,42,true\r\n");
	/* a cell a spreadsheet would run as a formula is defused */
	cw_init(&w, &b, true);
	cw_strz(&w, "=cmd|' /c calc'!A1");
	cw_row_end(&w);
	bt_buf_putc(&b, '\0');
	assert_true(b.p[0] != '=' && strstr(b.p, "=cmd") != NULL);
	bt_buf_reset(&b);
	/* without the guard (--csv-raw) it is written as it is */
	cw_init(&w, &b, false);
	cw_strz(&w, "=1+1");
	cw_row_end(&w);
	assert_buf(&b, "=1+1\r\n");
	const char *v[] = {"x", "y,z"};
	cw_init(&w, &b, true);
	cw_join(&w, v, 2, ";");
	cw_row_end(&w);
	assert_buf(&b, "\"x;y,z\"\r\n");
	bt_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_nesting),
		cmocka_unit_test(test_json_hostile_strings),
		cmocka_unit_test(test_csv_quoting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
