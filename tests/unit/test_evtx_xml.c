/* Event XML -> normalised event (bt_evtx_xml). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/bt_event.h"
#include "evtx/bt_evtx_xml.h"

#define NS "xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\""

static const char security_4769[] =
	"<Event " NS ">\n"
	"  <System>\n"
	"    <Provider Name=\"Microsoft-Windows-Security-Auditing\" "
	"Guid=\"{54849625-5478-4994-A5BA-3E3B0328C30D}\"/>\n"
	"    <EventID>4769</EventID>\n"
	"    <Version>0</Version>\n"
	"    <Level>0</Level>\n"
	"    <Task>14337</Task>\n"
	"    <Opcode>0</Opcode>\n"
	"    <Keywords>0x8020000000000000</Keywords>\n"
	"    <TimeCreated SystemTime=\"2020-08-02T11:33:06.523437800Z\"/>\n"
	"    <EventRecordID>24476805</EventRecordID>\n"
	"    <Correlation/>\n"
	"    <Execution ProcessID=\"644\" ThreadID=\"1384\"/>\n"
	"    <Channel>Security</Channel>\n"
	"    <Computer>rootdc1.offsec.lan</Computer>\n"
	"    <Security/>\n"
	"  </System>\n"
	"  <EventData>\n"
	"    <Data Name=\"TargetUserName\">admmig@OFFSEC.LAN</Data>\n"
	"    <Data Name=\"ServiceName\">Svc-SQL-DB01</Data>\n"
	"    <Data Name=\"TicketEncryptionType\">0x00000017</Data>\n"
	"    <Data Name=\"SubjectLogonId\">0x000000000002118a</Data>\n"
	"    <Data Name=\"IpAddress\">::ffff:10.23.23.9</Data>\n"
	"    <Data Name=\"Empty\"/>\n"
	"    <Data Name=\"Escaped\">a &lt;b&gt; &amp; &quot;c&quot;</Data>\n"
	"  </EventData>\n"
	"</Event>\n";

struct fixture {
	struct bt_evbuf eb;
	char why[256];
};

static int setup(void **state)
{
	static struct fixture f;
	bt_evbuf_init(&f.eb);
	bt_evbuf_reset(&f.eb, BT_SOURCE_EVTX);
	f.why[0] = '\0';
	*state = &f;
	bt_evtx_xml_init();
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	bt_evbuf_free(&f->eb);
	return 0;
}

static void assert_field(const struct bt_event *ev, const char *name, const char *want)
{
	const struct bt_field *fl = bt_event_field(ev, name, strlen(name));
	if (!fl)
		fail_msg("field %s missing", name);
	assert_string_equal(fl->text, want);
	assert_int_equal(fl->text_len, strlen(want));
}

static enum bt_status parse(struct fixture *f, const char *xml)
{
	return bt_evtx_xml_parse(xml, strlen(xml), &f->eb, NULL, NULL, f->why, sizeof f->why);
}

static void test_system_and_eventdata(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, security_4769), BT_OK);
	const struct bt_event *ev = &f->eb.ev;
	assert_int_equal(ev->event_id, 4769);
	assert_int_equal(ev->level, 0);
	assert_int_equal(ev->record_id, 24476805);
	assert_string_equal(ev->channel, "Security");
	assert_string_equal(ev->provider, "Microsoft-Windows-Security-Auditing");
	assert_string_equal(ev->host, "rootdc1.offsec.lan");
	assert_null(ev->user_sid);
	char t[BT_TIME_BUFSZ];
	bt_time_format(ev->time, t);
	assert_string_equal(t, "2020-08-02T11:33:06.5234378Z");
	assert_field(ev, "TargetUserName", "admmig@OFFSEC.LAN");
	assert_field(ev, "IpAddress", "::ffff:10.23.23.9");
	/* libevtx's zero padding removed, as Windows renders hex integers */
	assert_field(ev, "TicketEncryptionType", "0x17");
	assert_field(ev, "SubjectLogonId", "0x2118a");
	assert_field(ev, "Empty", "");
	assert_field(ev, "Escaped", "a <b> & \"c\"");
	/* System extras are fields flagged BT_FIELD_SYSTEM */
	const struct bt_field *k = bt_event_field(ev, "Keywords", 8);
	assert_non_null(k);
	assert_true(k->flags & BT_FIELD_SYSTEM);
	assert_string_equal(k->text, "0x8020000000000000");
	assert_field(ev, "ProcessID", "644");
	assert_field(ev, "ProviderGuid", "{54849625-5478-4994-A5BA-3E3B0328C30D}");
	/* System properties through the lookup Sigma uses */
	char scratch[32];
	const char *v;
	size_t n;
	assert_true(bt_event_system_value(ev, "EventID", 7, scratch, &v, &n));
	assert_int_equal(n, 4);
	assert_memory_equal(v, "4769", 4);
	assert_true(bt_event_system_value(ev, "Provider_Name", 13, scratch, &v, &n));
	assert_string_equal(v, "Microsoft-Windows-Security-Auditing");
	assert_false(bt_event_system_value(ev, "UserID", 6, scratch, &v, &n));
}

static void test_unnamed_data_classic_provider(void **state)
{
	struct fixture *f = *state;
	const char *xml =
		"<Event " NS "><System><Provider Name=\"docker\"/>"
		"<EventID Qualifiers=\"0\">11</EventID><Level>4</Level>"
		"<TimeCreated SystemTime=\"2026-03-14T09:12:03.000000000Z\"/>"
		"<EventRecordID>7</EventRecordID><Channel>Application</Channel>"
		"<Computer>SRV-BUILD01.corp.local</Computer>"
		"<Security UserID=\"S-1-5-18\"/></System>"
		"<EventData><Data>API listen on //./pipe/docker_engine</Data>"
		"<Data>proto=npipe addr=//./pipe/docker_engine</Data><Binary>0A0B</Binary></EventData></Event>";
	assert_int_equal(parse(f, xml), BT_OK);
	const struct bt_event *ev = &f->eb.ev;
	assert_int_equal(ev->event_id, 11);
	assert_string_equal(ev->user_sid, "S-1-5-18");
	assert_field(ev, "Qualifiers", "0");
	const struct bt_field *d = bt_event_field(ev, "Data", 4);
	assert_non_null(d);
	assert_true(d->flags & BT_FIELD_LIST);
	assert_string_equal(d->text, "API listen on //./pipe/docker_engine");
	d = bt_event_field_next(ev, d);
	assert_non_null(d);
	assert_string_equal(d->text, "proto=npipe addr=//./pipe/docker_engine");
	assert_null(bt_event_field_next(ev, d));
	/* positional access */
	assert_field(ev, "Data[0]", "API listen on //./pipe/docker_engine");
	assert_field(ev, "Data[1]", "proto=npipe addr=//./pipe/docker_engine");
	assert_null(bt_event_field(ev, "Data[2]", 7));
	assert_field(ev, "Binary", "0A0B");
}

static void test_userdata_flattened(void **state)
{
	struct fixture *f = *state;
	const char *xml =
		"<Event " NS "><System><Provider Name=\"Microsoft-Windows-Eventlog\"/>"
		"<EventID>1102</EventID><Channel>Security</Channel></System>"
		"<UserData><LogFileCleared xmlns=\"http://manifests.microsoft.com/win/2004/08/windows/eventlog\">"
		"<SubjectUserSid>S-1-5-21-1-2-3-1001</SubjectUserSid><SubjectUserName>test</SubjectUserName>"
		"<Nested><Inner>deep</Inner><Other>x</Other></Nested>"
		"</LogFileCleared></UserData></Event>";
	assert_int_equal(parse(f, xml), BT_OK);
	const struct bt_event *ev = &f->eb.ev;
	assert_field(ev, "SubjectUserSid", "S-1-5-21-1-2-3-1001");
	assert_field(ev, "SubjectUserName", "test");
	assert_field(ev, "Nested.Inner", "deep");
	assert_field(ev, "Nested.Other", "x");
	assert_null(bt_event_field(ev, "Nested", 6));
}

static void test_control_characters_survive(void **state)
{
	struct fixture *f = *state;
	/* Raw ESC and BEL are not allowed in XML 1.0, but libevtx emits them. */
	const char *xml =
		"<Event " NS "><System><EventID>4624</EventID><Computer>h\x1b" "x</Computer></System>"
		"<EventData><Data Name=\"TargetUserName\">ev\x1b[31mil\x07</Data></EventData></Event>";
	assert_int_equal(parse(f, xml), BT_OK);
	const struct bt_event *ev = &f->eb.ev;
	assert_field(ev, "TargetUserName", "ev\x1b[31mil\x07");
	assert_string_equal(ev->host, "h\x1bx");
}

static void test_empty_system_leaf_with_control_chars(void **state)
{
	struct fixture *f = *state;
	/* Found by fuzzing: an empty System element in a record that needs the
	 * control-character escape made the unescape write into a literal. */
	const char *xml = "<Event><System><Keywords/><EventID>7</EventID></System>"
	                  "<EventData><Data Name=\"V\">a\x01" "b</Data><Data Name=\"E\"/></EventData></Event>";
	assert_int_equal(parse(f, xml), BT_OK);
	assert_field(&f->eb.ev, "Keywords", "");
	assert_field(&f->eb.ev, "V", "a\x01" "b");
	assert_field(&f->eb.ev, "E", "");
}

static void test_carriage_returns_kept(void **state)
{
	struct fixture *f = *state;
	/* 4672 PrivilegeList as Windows writes it; an XML parser would fold CR LF */
	const char *xml = "<Event><System><EventID>4672</EventID></System><EventData>"
	                  "<Data Name=\"PrivilegeList\">SeBackupPrivilege\r\n\t\t\tSeRestorePrivilege</Data>"
	                  "</EventData></Event>";
	assert_int_equal(parse(f, xml), BT_OK);
	assert_field(&f->eb.ev, "PrivilegeList", "SeBackupPrivilege\r\n\t\t\tSeRestorePrivilege");
}

static void test_malformed_keeps_header(void **state)
{
	struct fixture *f = *state;
	const char *xml = "<Event " NS "><System><EventID>4688</EventID><Channel>Security</Channel>"
	                  "</System><EventData><Data Name=\"A\">1</Data><Data Name=\"B\">";
	assert_int_equal(parse(f, xml), BT_ERR_FORMAT);
	assert_true(strstr(f->why, "malformed event XML") != NULL);
	assert_int_equal(f->eb.ev.event_id, 4688);
	assert_field(&f->eb.ev, "A", "1");
}

static bool want_none(void *ctx, const struct bt_event *ev)
{
	int *calls = ctx;
	(*calls)++;
	return ev->event_id == 1;
}

static void test_want_predicate_skips_fields(void **state)
{
	struct fixture *f = *state;
	int calls = 0;
	assert_int_equal(bt_evtx_xml_parse(security_4769, strlen(security_4769), &f->eb, want_none,
	                                   &calls, f->why, sizeof f->why),
	                 BT_OK);
	assert_int_equal(calls, 1);
	assert_int_equal(f->eb.ev.event_id, 4769);
	assert_string_equal(f->eb.ev.channel, "Security");
	assert_null(bt_event_field(&f->eb.ev, "TargetUserName", 14));
}

static void test_no_external_entities(void **state)
{
	struct fixture *f = *state;
	/* An external entity must be neither fetched nor expanded. */
	const char *xml = "<?xml version=\"1.0\"?><!DOCTYPE Event [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	                  "<Event><System><EventID>1</EventID></System>"
	                  "<EventData><Data Name=\"V\">&x;</Data></EventData></Event>";
	parse(f, xml);
	const struct bt_field *v = bt_event_field(&f->eb.ev, "V", 1);
	if (v)
		assert_null(strstr(v->text, "root:"));
}

static void test_depth_cap(void **state)
{
	struct fixture *f = *state;
	char xml[8192];
	size_t n = 0;
	n += (size_t)snprintf(xml + n, sizeof xml - n, "<Event><System><EventID>1</EventID></System><UserData>");
	for (int i = 0; i < BT_MAX_XML_DEPTH + 5; i++)
		n += (size_t)snprintf(xml + n, sizeof xml - n, "<a>");
	for (int i = 0; i < BT_MAX_XML_DEPTH + 5; i++)
		n += (size_t)snprintf(xml + n, sizeof xml - n, "</a>");
	snprintf(xml + n, sizeof xml - n, "</UserData></Event>");
	assert_int_equal(parse(f, xml), BT_ERR_LIMIT);
	assert_true(strstr(f->why, "nested deeper") != NULL);
}

static void test_unpad_hex(void **state)
{
	(void)state;
	char a[] = "0x00000000", b[] = "0x0000000000000001", c[] = "0x1234", d[] = "0x0000000G",
	     e[] = "0x0000000000000000";
	assert_int_equal(bt_evtx_unpad_hex(a, strlen(a)), 3);
	assert_string_equal(a, "0x0");
	assert_int_equal(bt_evtx_unpad_hex(b, strlen(b)), 3);
	assert_string_equal(b, "0x1");
	assert_int_equal(bt_evtx_unpad_hex(c, strlen(c)), 6);
	assert_string_equal(c, "0x1234");
	assert_int_equal(bt_evtx_unpad_hex(d, strlen(d)), 10);
	assert_int_equal(bt_evtx_unpad_hex(e, strlen(e)), 3);
	assert_string_equal(e, "0x0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_system_and_eventdata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unnamed_data_classic_provider, setup, teardown),
		cmocka_unit_test_setup_teardown(test_userdata_flattened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_characters_survive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_system_leaf_with_control_chars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_carriage_returns_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_keeps_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_want_predicate_skips_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_external_entities, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_cap, setup, teardown),
		cmocka_unit_test(test_unpad_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
