/* bt_hitstore: time order, duplicate merging with provenance, spilling. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hunt/bt_hitstore.h"

static const struct bt_event *mk(struct bt_evbuf *eb, bt_time t, uint64_t rid, const char *file,
                                 bool recovered, const char *user)
{
	bt_evbuf_reset(eb, BT_SOURCE_EVTX);
	eb->ev.time = t;
	eb->ev.record_id = rid;
	eb->ev.event_id = 4769;
	eb->ev.channel = "Security";
	eb->ev.host = "DC01.corp.local";
	eb->ev.file = file;
	eb->ev.offset = rid * 100;
	if (recovered)
		eb->ev.flags |= BT_EV_RECOVERED;
	bt_evbuf_adds(eb, "TargetUserName", user);
	return bt_evbuf_done(eb);
}

static void run_scenario(size_t budget, bool expect_spill)
{
	struct bt_hitstore *hs = bt_hitstore_new(budget, NULL, NULL);
	assert_non_null(hs);
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	/* 200 distinct events, added in a scrambled order; each of the first 20
	 * also appears in a second file (a VSS copy) and as a recovered copy. */
	for (int k = 0; k < 200; k++) {
		int i = (k * 73) % 200;
		char user[32];
		snprintf(user, sizeof user, "user%03d", i);
		uint32_t rule = (uint32_t)(i % 3);
		assert_int_equal(bt_hitstore_add(hs, mk(&eb, 1000 + i * 10, 5000 + (uint64_t)i, "b/Security.evtx",
		                                        false, user), &rule, 1), BT_OK);
		if (i < 20) {
			uint32_t other = 7;
			assert_int_equal(bt_hitstore_add(hs, mk(&eb, 1000 + i * 10, 5000 + (uint64_t)i,
			                                        "a/vss/Security.evtx", true, user), &other, 1),
			                 BT_OK);
			assert_int_equal(bt_hitstore_add(hs, mk(&eb, 1000 + i * 10, 5000 + (uint64_t)i,
			                                        "c/Security.evtx", false, user), &rule, 1),
			                 BT_OK);
		}
	}
	/* a different event at the same time as event 0 must not be merged with it */
	uint32_t r9 = 9;
	assert_int_equal(bt_hitstore_add(hs, mk(&eb, 1000, 9999, "b/Security.evtx", false, "someone"),
	                                 &r9, 1), BT_OK);
	assert_int_equal(bt_hitstore_added(hs), 241);
	assert_int_equal(bt_hitstore_seal(hs), BT_OK);
	if (expect_spill)
		assert_true(bt_hitstore_runs(hs) > 1);
	else
		assert_int_equal(bt_hitstore_runs(hs), 0);

	struct bt_evidence *h;
	bt_time last = INT64_MIN;
	int n = 0, merged = 0;
	while (bt_hitstore_next(hs, &h) == BT_OK) {
		assert_true(h->ev->time >= last);
		last = h->ev->time;
		n++;
		if (h->ncopies > 1) {
			merged++;
			assert_int_equal(h->ncopies, 3);
			/* the primary is a live record; the recovered copy is kept as provenance */
			assert_false(h->ev->flags & BT_EV_RECOVERED);
			assert_false(h->copies[0].recovered);
			int rec = 0;
			for (size_t i = 0; i < h->ncopies; i++)
				rec += h->copies[i].recovered;
			assert_int_equal(rec, 1);
			bool has7 = false;
			for (size_t i = 0; i < h->nrules; i++)
				has7 |= h->rules[i] == 7;
			assert_true(has7);
			assert_int_equal(h->nrules, 2);
		}
		bt_evidence_free(h);
	}
	assert_int_equal(n, 201);
	assert_int_equal(merged, 20);
	bt_evbuf_free(&eb);
	bt_hitstore_free(hs);
}

static void test_in_memory(void **state)
{
	(void)state;
	run_scenario(0, false);
}

/* A hunt that matched nothing: sealing and reading an empty store (UBSan
 * caught qsort on its NULL array). */
static void test_empty(void **state)
{
	(void)state;
	struct bt_hitstore *hs = bt_hitstore_new(0, NULL, NULL);
	assert_non_null(hs);
	assert_int_equal(bt_hitstore_seal(hs), BT_OK);
	struct bt_evidence *h;
	assert_int_equal(bt_hitstore_next(hs, &h), BT_EOF);
	bt_hitstore_free(hs);
}

static void test_spilled(void **state)
{
	(void)state;
	run_scenario(4096, true);  /* a tiny budget forces many runs */
}

/* An event matching more rules than the old cap of 64 (issue 22): every rule
 * is kept, in memory and through the spill file, and two copies matching
 * different rules merge into the union of both. */
static void many_rules(size_t budget)
{
	struct bt_hitstore *hs = bt_hitstore_new(budget, NULL, NULL);
	assert_non_null(hs);
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	uint32_t rules[300];
	for (uint32_t i = 0; i < 300; i++)
		rules[i] = i;
	for (int k = 0; k < 50; k++) {
		char user[32];
		snprintf(user, sizeof user, "user%03d", k);
		/* copy one matched rules 0..199, copy two 100..299 */
		assert_int_equal(bt_hitstore_add(hs, mk(&eb, 1000 + k, 100 + (uint64_t)k, "a.evtx", false, user),
		                                 rules, 200), BT_OK);
		assert_int_equal(bt_hitstore_add(hs, mk(&eb, 1000 + k, 100 + (uint64_t)k, "b.evtx", false, user),
		                                 rules + 100, 200), BT_OK);
	}
	assert_int_equal(bt_hitstore_seal(hs), BT_OK);
	if (budget)
		assert_true(bt_hitstore_runs(hs) > 1);
	struct bt_evidence *h;
	int n = 0;
	while (bt_hitstore_next(hs, &h) == BT_OK) {
		assert_int_equal(h->ncopies, 2);
		assert_int_equal(h->nrules, 300);
		bool seen[300] = {false};
		for (size_t i = 0; i < h->nrules; i++) {
			assert_true(h->rules[i] < 300);
			assert_false(seen[h->rules[i]]);
			seen[h->rules[i]] = true;
		}
		bt_evidence_free(h);
		n++;
	}
	assert_int_equal(n, 50);
	bt_evbuf_free(&eb);
	bt_hitstore_free(hs);
}

static void test_many_rules(void **state)
{
	(void)state;
	many_rules(0);
	many_rules(4096);
}

static void test_pack_roundtrip_and_damage(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	const struct bt_event *ev = mk(&eb, 42, 7, "x.evtx", true, "a\0b");
	bt_evbuf_add(&eb, "Data", 4, "v", 1, BT_FIELD_LIST);
	ev = bt_evbuf_done(&eb);
	size_t n;
	void *blob = bt_event_pack(ev, &n);
	assert_non_null(blob);
	struct bt_event *back = bt_event_unpack(blob, n);
	assert_non_null(back);
	assert_int_equal(back->time, 42);
	assert_int_equal(back->record_id, 7);
	assert_string_equal(back->file, "x.evtx");
	assert_true(back->flags & BT_EV_RECOVERED);
	assert_int_equal(bt_event_identity(back), bt_event_identity(ev));
	assert_true(bt_event_field(back, "Data", 4)->flags & BT_FIELD_LIST);
	free(back);
	/* every truncation is rejected, never read out of bounds */
	for (size_t cut = 0; cut < n; cut++)
		assert_null(bt_event_unpack(blob, cut));
	free(blob);
	bt_evbuf_free(&eb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_memory),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_spilled),
		cmocka_unit_test(test_many_rules),
		cmocka_unit_test(test_pack_roundtrip_and_damage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
