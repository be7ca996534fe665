/* bt_time: RFC 3339 formatting and parsing, FILETIME arithmetic. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/bt_time.h"

static void assert_format(bt_time t, const char *want)
{
	char buf[BT_TIME_BUFSZ];
	size_t n = bt_time_format(t, buf);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_format_epochs(void **state)
{
	(void)state;
	assert_format(0, "1601-01-01T00:00:00.0000000Z");
	assert_format(BT_UNIX_EPOCH_TICKS, "1970-01-01T00:00:00.0000000Z");
	/* a FILETIME from a real Security log: 2019-02-09T17:05:24.6727578Z */
	assert_format(131942055246727578LL, "2019-02-09T17:05:24.6727578Z");
	assert_format(BT_TIME_NONE, "");
}

static void test_format_clamps(void **state)
{
	(void)state;
	assert_format(INT64_MAX, "9999-12-31T23:59:59.9999999Z");
	assert_format(INT64_MIN + 1, "0001-01-01T00:00:00.0000000Z");
}

static void test_parse_forms(void **state)
{
	(void)state;
	bt_time t;
	int off;
	bool zone;
	const char *s = "2019-02-09T17:05:24.672757800Z";
	assert_true(bt_time_parse(s, strlen(s), &t, &off, &zone));
	assert_int_equal(t, 131942055246727578LL);
	assert_true(zone);
	assert_int_equal(off, 0);

	/* offset: 00:35:27.5623131+01:00 is 23:35:27.5623131 the previous day UTC */
	s = "2019-02-17T00:35:27.562313130+01:00";
	assert_true(bt_time_parse(s, strlen(s), &t, &off, &zone));
	assert_int_equal(off, 60);
	char buf[BT_TIME_BUFSZ];
	bt_time_format(t, buf);
	assert_string_equal(buf, "2019-02-16T23:35:27.5623131Z");

	s = "2026-03-14";
	assert_true(bt_time_parse(s, strlen(s), &t, &off, &zone));
	assert_false(zone);
	bt_time_format(t, buf);
	assert_string_equal(buf, "2026-03-14T00:00:00.0000000Z");

	s = "2026-03-14 09:12:03";
	assert_true(bt_time_parse(s, strlen(s), &t, NULL, NULL));
	bt_time_format(t, buf);
	assert_string_equal(buf, "2026-03-14T09:12:03.0000000Z");

	s = "2026-03-14T09:12-0530";
	assert_true(bt_time_parse(s, strlen(s), &t, &off, NULL));
	assert_int_equal(off, -330);
	bt_time_format(t, buf);
	assert_string_equal(buf, "2026-03-14T14:42:00.0000000Z");
}

static void test_parse_rejects(void **state)
{
	(void)state;
	const char *bad[] = {"", "2019", "2019-13-01", "2019-02-30", "2019-02-09T25:00:00Z",
	                     "2019-02-09T17:05:24.Z", "2019-02-09T17:05:24Zjunk", "2019-02-09x",
	                     "0000-01-01", "2019-02-09T17:05:24+24:00"};
	bt_time t;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_false(bt_time_parse(bad[i], strlen(bad[i]), &t, NULL, NULL));
	/* leap year handling */
	assert_true(bt_time_parse("2024-02-29", 10, &t, NULL, NULL));
	assert_false(bt_time_parse("2023-02-29", 10, &t, NULL, NULL));
}

static void test_roundtrip_unix(void **state)
{
	(void)state;
	bt_time t = bt_time_from_unix(1700000000, 123456789);
	assert_int_equal(bt_time_to_unix(t), 1700000000);
	char buf[BT_TIME_BUFSZ];
	bt_time_format(t, buf);
	assert_string_equal(buf, "2023-11-14T22:13:20.1234567Z");
	/* before 1970 */
	t = bt_time_from_unix(-1, 0);
	assert_int_equal(bt_time_to_unix(t), -1);
	bt_time_format(t, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.0000000Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_epochs),
		cmocka_unit_test(test_format_clamps),
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_roundtrip_unix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
