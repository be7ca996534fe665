/* bt_query: search terms over events built in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules/bt_query.h"

static struct bt_evbuf eb;
static struct bt_match_scratch *scratch;

/* An EVTX event of Security/4769 with NULL-terminated name/value pairs; a
 * name starting with '+' adds a list element. */
static const struct bt_event *mkev(uint32_t eid, ...)
{
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	eb.ev.channel = bt_evbuf_str(&eb, "Security", 8);
	eb.ev.provider = bt_evbuf_str(&eb, "Microsoft-Windows-Security-Auditing", 35);
	eb.ev.host = bt_evbuf_str(&eb, "DC01.corp.local", 15);
	eb.ev.event_id = eid;
	va_list ap;
	va_start(ap, eid);
	const char *n;
	while ((n = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);
		uint32_t fl = 0;
		if (n[0] == '+') {
			n++;
			fl = BT_FIELD_LIST;
		}
		bt_evbuf_add(&eb, n, strlen(n), v, strlen(v), fl);
	}
	va_end(ap);
	return bt_evbuf_done(&eb);
}

/* Whether `terms` (compiled with `cased`) match the event. */
static bool q(bool cased, const char *terms, const struct bt_event *ev)
{
	struct bt_query_opts o = {.cased = cased};
	struct bt_query *qy = bt_query_new(&o);
	char why[256];
	assert_non_null(qy);
	if (bt_query_add_terms(qy, terms, why, sizeof why) != BT_OK)
		fail_msg("'%s' did not compile: %s", terms, why);
	bool r = bt_query_match(qy, ev, scratch);
	bt_query_free(qy);
	return r;
}

static const struct bt_event *ticket(void)
{
	return mkev(4769, "TargetUserName", "jdoe@CORP.LOCAL", "ServiceName", "svc_sql",
	            "TicketEncryptionType", "0x17", "IpAddress", "::ffff:10.20.30.41", "Image",
	            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "CommandLine",
	            "run *now* please", "+Data", "alpha", "+Data", "beta", "Ratio", "2.5", NULL);
}

static void test_keywords(void **state)
{
	(void)state;
	const struct bt_event *ev = ticket();
	assert_true(q(false, "SVC_SQL", ev));
	assert_true(q(false, "dc01", ev));              /* the host */
	assert_true(q(false, "security-auditing", ev)); /* the provider */
	assert_false(q(false, "mimikatz", ev));
	assert_false(q(true, "SVC_SQL", ev));           /* case-sensitive */
	assert_true(q(true, "svc_sql", ev));
	assert_true(q(false, "*now*", ev));             /* literal: the stars are in the value */
	assert_false(q(false, "run*please", ev));       /* not a wildcard */
	assert_true(q(false, "svc jdoe", ev));          /* AND */
	assert_false(q(false, "svc nobody", ev));
}

static void test_fields(void **state)
{
	(void)state;
	const struct bt_event *ev = ticket();
	assert_true(q(false, "EventID=4769 TicketEncryptionType=0x17", ev));
	assert_true(q(false, "TicketEncryptionType=23", ev));     /* the same number */
	assert_false(q(false, "TicketEncryptionType=0x12", ev));
	assert_true(q(false, "ticketencryptiontype=0X17", ev));   /* name and value case */
	assert_true(q(false, "Image=*\\powershell.exe", ev));
	assert_true(q(false, "Image=*\\\\powershell.exe", ev));
	assert_false(q(false, "Image=*\\cmd.exe", ev));
	assert_true(q(false, "IpAddress=10.20.30.0/24", ev));     /* CIDR, mapped form */
	assert_true(q(false, "IpAddress=10.20.30.41", ev));       /* address = its mapped form */
	assert_false(q(false, "IpAddress=10.20.31.0/24", ev));
	assert_true(q(false, "event_id=4769 host=dc01.corp.local channel=security", ev));
	assert_true(q(false, "Data=beta", ev));                   /* any element of a list */
	assert_true(q(false, "CommandLine=\"run *now* please\"", ev));
	assert_false(q(false, "Missing=x", ev));
}

static void test_comparisons(void **state)
{
	(void)state;
	const struct bt_event *ev = ticket();
	assert_true(q(false, "EventID>=4769 EventID<=4769 EventID>4768 EventID<4770", ev));
	assert_false(q(false, "EventID>4769", ev));
	assert_true(q(false, "Ratio>2 Ratio<2.6", ev));
	assert_true(q(false, "TicketEncryptionType>0x10", ev));   /* hex values compare */
	assert_false(q(false, "ServiceName>1", ev));              /* not a number: no match */
	assert_true(q(false, "ServiceName!=svc_web", ev));
	assert_false(q(false, "ServiceName!=SVC_SQL", ev));
	assert_false(q(false, "Missing!=x", ev));                 /* != needs the field */
	assert_true(q(false, "ServiceName~^svc_(sql|web)$", ev));
	assert_true(q(false, "ServiceName~^SVC", ev));            /* case-insensitive */
	assert_false(q(true, "ServiceName~^SVC", ev));
}

static void test_regex_and_errors(void **state)
{
	(void)state;
	const struct bt_event *ev = ticket();
	struct bt_query *qy = bt_query_new(NULL);
	char why[256];
	assert_int_equal(bt_query_add_regex(qy, "svc_[a-z]{3}$", why, sizeof why), BT_OK);
	assert_true(bt_query_match(qy, ev, scratch));
	static const char *const bad[] = {"=x", "EventID<", "EventID<abc", "A=\"b c", "",
	                                  "   ", "Image~(", "\"\""};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		why[0] = '\0';
		assert_int_equal(bt_query_add_terms(qy, bad[i], why, sizeof why), BT_ERR_FORMAT);
		assert_true(why[0] != '\0');
	}
	/* a failed add leaves the query as it was */
	assert_int_equal(bt_query_add_terms(qy, "svc_sql EventID=1", why, sizeof why), BT_OK);
	assert_false(bt_query_match(qy, ev, scratch));
	assert_int_equal(bt_query_add_regex(qy, "(", why, sizeof why), BT_ERR_FORMAT);
	assert_non_null(strstr(why, "-e '('"));
	bt_query_free(qy);
	/* the number of terms is capped */
	qy = bt_query_new(NULL);
	size_t n = BT_QUERY_MAX_TERMS + 1;
	char *many = calloc(3 * n + 1, 1);
	assert_non_null(many);
	for (size_t i = 0; i < n; i++)
		memcpy(many + 3 * i, "a  ", 3);
	assert_int_equal(bt_query_add_terms(qy, many, why, sizeof why), BT_ERR_LIMIT);
	free(many);
	bt_query_free(qy);
	bt_query_free(NULL);
}

static int setup(void **state)
{
	(void)state;
	bt_evbuf_init(&eb);
	scratch = bt_match_scratch_new();
	return scratch ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	bt_evbuf_free(&eb);
	bt_match_scratch_free(scratch);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_comparisons),
		cmocka_unit_test(test_regex_and_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
