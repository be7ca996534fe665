/* Unit tests for the event writers' field grouping (src/out_event.c): the
 * hashed grouping must give what the pairwise original gave. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/bt_buf.h"
#include "core/bt_event.h"
#include "output.h"

static void fields_of(struct bt_evbuf *eb, const char *const *spec, size_t n)
{
	bt_evbuf_reset(eb, BT_SOURCE_EVTX);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t flags = 0;
		if (strchr(spec[i + 2], 'S'))
			flags |= BT_FIELD_SYSTEM;
		if (strchr(spec[i + 2], 'L'))
			flags |= BT_FIELD_LIST;
		bt_evbuf_add(eb, spec[i], strlen(spec[i]), spec[i + 1], strlen(spec[i + 1]), flags);
	}
	bt_evbuf_done(eb);
}

static void test_grouping(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	static const char *const spec[] = {
		"A", "1", "",    "Data", "d0", "L", "Task", "5", "S", "B", "2", "",
		"A", "3", "",    "Data", "d1", "L", "Task", "6", "S", "Keywords", "0x1", "S",
		"Single", "x", "L",
	};
	fields_of(&eb, spec, sizeof spec / sizeof spec[0]);
	struct bt_buf b = BT_BUF_INIT;
	out_event_fields_json(&b, &eb.ev, false);
	assert_string_equal(b.p, "{\"A\":[\"1\",\"3\"],\"Data\":[\"d0\",\"d1\"],\"B\":\"2\","
	                         "\"Single\":[\"x\"]}");
	bt_buf_reset(&b);
	out_event_fields_json(&b, &eb.ev, true);
	assert_string_equal(b.p, "{\"Task\":[\"5\",\"6\"],\"Keywords\":\"0x1\"}");
	/* names that differ only after a common prefix, and many fields */
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	char name[16], val[16];
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof name, "F%d", i % 150);
		snprintf(val, sizeof val, "%d", i);
		bt_evbuf_add(&eb, name, strlen(name), val, strlen(val), 0);
	}
	bt_evbuf_done(&eb);
	bt_buf_reset(&b);
	out_event_fields_json(&b, &eb.ev, false);
	assert_non_null(strstr(b.p, "{\"F0\":[\"0\",\"150\"],\"F1\":[\"1\",\"151\"],"));
	assert_non_null(strstr(b.p, "\"F149\":[\"149\",\"299\"]}"));
	bt_buf_free(&b);
	bt_evbuf_free(&eb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grouping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
