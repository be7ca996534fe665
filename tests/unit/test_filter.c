/* Quick-triage filters: time bounds, event id lists and ranges, channels. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "input/bt_filter.h"

static struct bt_event ev_at(const char *when, uint32_t eid, const char *channel, const char *prov)
{
	struct bt_event ev;
	memset(&ev, 0, sizeof ev);
	ev.source = BT_SOURCE_EVTX;
	ev.time = BT_TIME_NONE;
	if (when)
		assert_true(bt_time_parse(when, strlen(when), &ev.time, NULL, NULL));
	ev.event_id = eid;
	ev.channel = channel;
	ev.provider = prov;
	return ev;
}

static void test_time_bounds(void **state)
{
	(void)state;
	struct bt_filter f;
	bt_filter_init(&f);
	assert_true(bt_filter_empty(&f));
	assert_true(bt_filter_since(&f, "2026-03-14T09:00:00Z"));
	assert_true(bt_filter_until(&f, "2026-03-14"));  /* end of that day */
	assert_false(bt_filter_empty(&f));
	struct bt_event e = ev_at("2026-03-14T08:59:59.9999999Z", 1, "Security", "p");
	assert_false(bt_filter_pass(&f, &e));
	e = ev_at("2026-03-14T09:00:00Z", 1, "Security", "p");
	assert_true(bt_filter_pass(&f, &e));
	e = ev_at("2026-03-14T23:59:59.9999999Z", 1, "Security", "p");
	assert_true(bt_filter_pass(&f, &e));
	e = ev_at("2026-03-15T00:00:00Z", 1, "Security", "p");
	assert_false(bt_filter_pass(&f, &e));
	e = ev_at(NULL, 1, "Security", "p");
	assert_false(bt_filter_pass(&f, &e));  /* no time cannot satisfy a bound */
	assert_false(bt_filter_since(&f, "yesterday"));
	bt_filter_free(&f);
}

static void test_ids_channels_providers(void **state)
{
	(void)state;
	struct bt_filter f;
	bt_filter_init(&f);
	assert_true(bt_filter_event_ids(&f, "4624,4768-4771"));
	assert_false(bt_filter_event_ids(&f, "4624,abc"));
	assert_false(bt_filter_event_ids(&f, "4771-4768"));
	assert_true(bt_filter_channel(&f, "security"));
	assert_true(bt_filter_channel(&f, "Microsoft-Windows-Sysmon/Operational"));
	struct bt_event e = ev_at(NULL, 4769, "Security", "x");
	assert_true(bt_filter_pass(&f, &e));
	e = ev_at(NULL, 4772, "Security", "x");
	assert_false(bt_filter_pass(&f, &e));
	e = ev_at(NULL, 4624, "System", "x");
	assert_false(bt_filter_pass(&f, &e));
	e = ev_at(NULL, 4624, "microsoft-windows-sysmon/operational", "x");
	assert_true(bt_filter_pass(&f, &e));
	e = ev_at(NULL, 4624, "Security", "x");
	e.source = BT_SOURCE_DOCKERD;  /* no event ids outside EVTX */
	assert_false(bt_filter_pass(&f, &e));
	bt_filter_free(&f);
	bt_filter_init(&f);
	assert_true(bt_filter_provider(&f, "Docker"));
	e = ev_at(NULL, 1, "Application", "docker");
	assert_true(bt_filter_pass(&f, &e));
	e = ev_at(NULL, 1, "Application", NULL);
	assert_false(bt_filter_pass(&f, &e));
	bt_filter_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_bounds),
		cmocka_unit_test(test_ids_channels_providers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
