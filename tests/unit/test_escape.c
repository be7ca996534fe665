/* JSON, CSV and terminal escaping of hostile strings. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"

enum mode { JSON, CSV, CSV_RAW, TEXT };

static void check(enum mode m, const char *in, size_t n, const char *want)
{
	struct bt_buf b = BT_BUF_INIT;
	switch (m) {
	case JSON: esc_json(&b, in, n); break;
	case CSV: esc_csv(&b, in, n, true); break;
	case CSV_RAW: esc_csv(&b, in, n, false); break;
	case TEXT: esc_text(&b, in, n); break;
	}
	assert_int_equal(b.n, strlen(want));
	if (b.n)
		assert_memory_equal(b.p, want, b.n);
	bt_buf_free(&b);
}

#define S(lit) lit, sizeof(lit) - 1

static void test_json_basic(void **state)
{
	(void)state;
	check(JSON, S(""), "\"\"");
	check(JSON, S("plain C:\\Windows"), "\"plain C:\\\\Windows\"");
	check(JSON, S("say \"hi\"\n\t"), "\"say \\\"hi\\\"\\n\\t\"");
	check(JSON, S("\x1b[31mred\x07"), "\"\\u001b[31mred\\u0007\"");
	check(JSON, S("nul\0byte"), "\"nul\\u0000byte\"");
	/* valid UTF-8 passes raw; U+2028 is escaped for JavaScript consumers */
	check(JSON, S("caf\xc3\xa9 \xe2\x80\xa8"), "\"caf\xc3\xa9 \\u2028\"");
}

static void test_json_invalid_utf8(void **state)
{
	(void)state;
	/* lone continuation, overlong, surrogate, truncated sequence: each byte -> U+FFFD */
	check(JSON, S("a\x80z"), "\"a\\ufffdz\"");
	check(JSON, S("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
	check(JSON, S("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	check(JSON, S("end\xe2\x82"), "\"end\\ufffd\\ufffd\"");
	check(JSON, S("\xff"), "\"\\ufffd\"");
}

static void test_csv(void **state)
{
	(void)state;
	check(CSV, S("simple"), "simple");
	check(CSV, S(""), "");
	check(CSV, S("a,b"), "\"a,b\"");
	check(CSV, S("say \"x\""), "\"say \"\"x\"\"\"");
	check(CSV, S("line1\nline2"), "\"line1\nline2\"");
	check(CSV, S("cr\rlf"), "\"cr\rlf\"");
	/* formula guard: cells that start with = + - @ TAB CR become text */
	check(CSV, S("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
	check(CSV, S("+1"), "\"'+1\"");
	check(CSV, S("-enc SQBFAFgA"), "\"'-enc SQBFAFgA\"");
	check(CSV, S("@SUM(A1)"), "\"'@SUM(A1)\"");
	check(CSV, S("\tx"), "\"'\tx\"");
	check(CSV_RAW, S("-enc SQBFAFgA"), "-enc SQBFAFgA");
	check(CSV_RAW, S("=1+1"), "=1+1");
	/* NUL and invalid UTF-8 are replaced; the NUL also forces quoting */
	check(CSV, S("a\0b"), "\"a\xef\xbf\xbd" "b\"");
	check(CSV, S("x\xffy"), "x\xef\xbf\xbdy");
}

static void test_text_neutralises(void **state)
{
	(void)state;
	check(TEXT, S("admin"), "admin");
	check(TEXT, S("\x1b]0;pwned\x07"), "\\x1b]0;pwned\\x07");
	check(TEXT, S("\x1b[2J\x1b[H"), "\\x1b[2J\\x1b[H");
	check(TEXT, S("a\nb\tc\rd"), "a\\nb\\tc\\rd");
	check(TEXT, S("C:\\Windows\\x.dll"), "C:\\Windows\\x.dll");
	check(TEXT, S("del\x7f"), "del\\x7f");
	check(TEXT, S("nul\0"), "nul\\x00");
	/* C1 controls (CSI as U+009B), bidi overrides, invalid bytes */
	check(TEXT, S("\xc2\x9b" "31m"), "\\u009b31m");
	check(TEXT, S("evil\xe2\x80\xae" "gpj.exe"), "evil\\u202egpj.exe");
	check(TEXT, S("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u2066x\\u2069");
	check(TEXT, S("bad\xff\xfe"), "bad\\xff\\xfe");
	/* ordinary non-ASCII text stays readable */
	check(TEXT, S("M\xc3\xbcller \xe6\x97\xa5\xe6\x9c\xac"), "M\xc3\xbcller \xe6\x97\xa5\xe6\x9c\xac");
}

static void test_utf8_decode(void **state)
{
	(void)state;
	uint32_t cp;
	assert_int_equal(bt_utf8_decode((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1F600);
	assert_int_equal(bt_utf8_decode((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), 0);
	assert_int_equal(bt_utf8_decode((const unsigned char *)"\xe0\x80\x80", 3, &cp), 0);
	assert_int_equal(bt_utf8_decode((const unsigned char *)"\xc3", 1, &cp), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_basic),
		cmocka_unit_test(test_json_invalid_utf8),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_text_neutralises),
		cmocka_unit_test(test_utf8_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
