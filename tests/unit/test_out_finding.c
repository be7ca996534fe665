/* Finding writers: valid JSON with the documented keys, safe text, RFC 4180 CSV. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "hunt/bt_finding.h"
#include "output.h"

static struct bt_evidence *mk_hit(const char *user, bt_time t, uint64_t rid)
{
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	eb.ev.time = t;
	eb.ev.record_id = rid;
	eb.ev.event_id = 4769;
	eb.ev.channel = "Security";
	eb.ev.host = "DC01.corp.local";
	eb.ev.file = "DC01/Security.evtx";
	bt_evbuf_adds(&eb, "TargetUserName", user);
	bt_evbuf_adds(&eb, "TargetDomainName", "CORP");
	bt_evbuf_adds(&eb, "ServiceName", "svc_sql");
	bt_evbuf_adds(&eb, "TicketEncryptionType", "0x17");
	struct bt_evidence *h = calloc(1, sizeof *h);
	h->refs = 1;
	h->ev = bt_event_clone(bt_evbuf_done(&eb));
	h->copies = calloc(1, sizeof *h->copies);
	h->copies[0].file = strdup("DC01/Security.evtx");
	h->copies[0].record_id = rid;
	h->ncopies = 1;
	bt_evbuf_free(&eb);
	return h;
}

static struct bt_finding *mk_finding(void)
{
	struct bt_finding *f = bt_finding_new();
	f->severity = BT_SEV_HIGH;
	bt_strdup_to(&f->rule_id, "6d5a0b1c-0000-4000-8000-000000000001");
	bt_strdup_to(&f->rule_title, "RC4 service ticket \x1b[31mrequested");
	bt_strdup_to(&f->rule_level, "high");
	bt_strdup_to(&f->summary, "=cmd|' /C calc'!A0");
	bt_strset_add(&f->techniques, "T1558.003");
	bt_strset_add(&f->notes, "10.20.30.41 is SRV-BUILD01 (sysmon3-source)");
	for (int i = 0; i < 3; i++) {
		struct bt_evidence *h = mk_hit(i == 1 ? "jdoe\x1b]0;x\x07\xff" : "jdoe", 133000000000000000LL + i, 100 + (uint64_t)i);
		bt_finding_add_evidence(f, h);
		bt_evidence_free(h);  /* the finding keeps its own reference */
	}
	bt_finding_derive(f);
	return f;
}

static char *render(enum out_format fmt, const struct bt_finding *f)
{
	struct out_opts o = {.format = fmt, .csv_formula_guard = true};
	struct bt_buf b = BT_BUF_INIT;
	out_finding_header(&b, &o);
	out_finding(&b, &o, f);
	return b.p;
}

static void test_jsonl(void **state)
{
	(void)state;
	struct bt_finding *f = mk_finding();
	char *s = render(OUT_JSONL, f);
	assert_int_equal(strchr(s, '\n') - s + 1, (long)strlen(s));  /* exactly one line */
	json_object *o = json_tokener_parse(s);
	assert_non_null(o);
	json_object *v;
	assert_true(json_object_object_get_ex(o, "schema", &v));
	assert_string_equal(json_object_get_string(v), OUT_FINDING_SCHEMA);
	assert_true(json_object_object_get_ex(o, "severity", &v));
	assert_string_equal(json_object_get_string(v), "high");
	assert_true(json_object_object_get_ex(o, "hosts", &v));
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 0)), "DC01.corp.local");
	assert_true(json_object_object_get_ex(o, "account", &v));
	assert_string_equal(json_object_get_string(v), "CORP\\jdoe");
	assert_true(json_object_object_get_ex(o, "evidence_count", &v));
	assert_int_equal(json_object_get_int(v), 3);
	assert_true(json_object_object_get_ex(o, "evidence", &v));
	assert_int_equal(json_object_array_length(v), 3);
	json_object *e1 = json_object_array_get_idx(v, 1), *fields, *user, *copies;
	assert_true(json_object_object_get_ex(e1, "fields", &fields));
	assert_true(json_object_object_get_ex(fields, "TargetUserName", &user));
	/* raw (not terminal-escaped) but valid: ESC survives, the invalid byte is U+FFFD */
	assert_string_equal(json_object_get_string(user), "jdoe\x1b]0;x\x07\xef\xbf\xbd");
	assert_true(json_object_object_get_ex(e1, "copies", &copies));
	assert_int_equal(json_object_array_length(copies), 1);
	json_object_put(o);
	free(s);
	bt_finding_free(f);
}

static void test_timesketch(void **state)
{
	(void)state;
	struct bt_finding *f = mk_finding();
	char *s = render(OUT_TIMESKETCH, f);
	json_object *o = json_tokener_parse(s), *v;
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "message", &v));
	assert_non_null(strstr(json_object_get_string(v), "[high] RC4 service ticket"));
	assert_true(json_object_object_get_ex(o, "datetime", &v));
	assert_true(json_object_object_get_ex(o, "timestamp_desc", &v));
	assert_true(json_object_object_get_ex(o, "rule_id", &v));
	json_object_put(o);
	free(s);
	bt_finding_free(f);
}

static void test_text_is_safe(void **state)
{
	(void)state;
	struct bt_finding *f = mk_finding();
	char *s = render(OUT_TEXT, f);
	assert_null(strchr(s, '\x1b'));
	assert_null(strchr(s, '\x07'));
	assert_non_null(strstr(s, "RC4 service ticket \\x1b[31mrequested"));
	assert_non_null(strstr(s, "HIGH"));
	assert_non_null(strstr(s, "[T1558.003]"));
	assert_non_null(strstr(s, "evidence (3 events)"));
	assert_non_null(strstr(s, "[DC01/Security.evtx #101]"));
	free(s);
	bt_finding_free(f);
}

static void test_csv(void **state)
{
	(void)state;
	struct bt_finding *f = mk_finding();
	char *s = render(OUT_CSV, f);
	assert_true(strncmp(s, "time,end,severity,", 18) == 0);
	/* the summary would run as a formula: guarded and quoted */
	assert_non_null(strstr(s, ",\"'=cmd|' /C calc'!A0\","));
	assert_non_null(strstr(s, "DC01/Security.evtx#100; DC01/Security.evtx#101; DC01/Security.evtx#102"));
	assert_non_null(strstr(s, "\r\n"));
	free(s);
	bt_finding_free(f);
}

static void test_hyperv_note(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	eb.ev.time = 1;
	eb.ev.channel = "docker";
	eb.ev.host = "SRV-HV01";
	bt_evbuf_adds(&eb, "Action", "container.start");
	bt_evbuf_adds(&eb, "ContainerID", "aaaabbbbcccc");
	bt_evbuf_adds(&eb, "Isolation", "hyperv");
	struct bt_evidence *h = calloc(1, sizeof *h);
	h->refs = 1;
	h->ev = bt_event_clone(bt_evbuf_done(&eb));
	h->copies = calloc(1, sizeof *h->copies);
	h->ncopies = 1;
	struct bt_finding *f = bt_finding_new();
	bt_finding_add_evidence(f, h);
	bt_evidence_free(h);
	bt_finding_derive(f);
	assert_int_equal(f->notes.n, 1);
	assert_non_null(strstr(f->notes.v[0], "not in the host's logs"));
	assert_string_equal(f->container_id, "aaaabbbbcccc");
	bt_finding_free(f);
	bt_evbuf_free(&eb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_timesketch),
		cmocka_unit_test(test_text_is_safe),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_hyperv_note),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
