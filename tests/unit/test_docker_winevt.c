/* bt_docker_winevt: dockerd's Application log events and Host Compute
 * Service events, rendered as libevtx renders them, enriched in place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "docker/bt_docker_winevt.h"
#include "evtx/bt_evtx_xml.h"

#define NS "xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\""

static const char *val(const struct bt_event *ev, const char *name)
{
	const struct bt_field *f = bt_event_field(ev, name, strlen(name));
	return f ? f->text : NULL;
}

/* An Application log event of provider `prov`, with unnamed Data. */
static const struct bt_event *app_event(struct bt_evbuf *eb, const char *prov, unsigned id, int level,
                                        const char *d0, const char *d1)
{
	char xml[4096];
	snprintf(xml, sizeof xml,
	         "<Event " NS "><System><Provider Name=\"%s\"/>"
	         "<EventID Qualifiers=\"0\">%u</EventID><Level>%d</Level><Task>0</Task>"
	         "<TimeCreated SystemTime=\"2022-05-01T10:00:00.000000000Z\"/>"
	         "<EventRecordID>77</EventRecordID><Channel>Application</Channel>"
	         "<Computer>WINHOST</Computer><Security/></System>"
	         "<EventData><Data>%s</Data>%s%s%s</EventData></Event>",
	         prov, id, level, d0, d1 ? "<Data>" : "", d1 ? d1 : "", d1 ? "</Data>" : "");
	char why[256];
	bt_evbuf_reset(eb, BT_SOURCE_EVTX);
	assert_int_equal(bt_evtx_xml_parse(xml, strlen(xml), eb, NULL, NULL, why, sizeof why), BT_OK);
	return bt_evbuf_done(eb);
}

static void test_docker_service_event(void **state)
{
	(void)state;
	bt_evtx_xml_init();
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	struct bt_docker_opts o = {0};
	const struct bt_event *ev = app_event(&eb, "docker", 11, 4, "API listen on 0.0.0.0:2375",
	                                      "proto=tcp addr=0.0.0.0:2375");
	bt_docker_winevt_enrich(&eb, &o);
	ev = &eb.ev;
	assert_string_equal(ev->provider, "docker");
	assert_string_equal(ev->channel, "Application");
	assert_int_equal(ev->event_id, 11);
	assert_int_equal(ev->record_id, 77);
	assert_string_equal(val(ev, "Action"), "daemon.api_listen");
	assert_string_equal(val(ev, "ApiTcp"), "true");
	assert_string_equal(val(ev, "Message"), "API listen on 0.0.0.0:2375");
	assert_string_equal(val(ev, "LogLevel"), "info");
	assert_string_equal(val(ev, "proto"), "tcp");
	assert_string_equal(val(ev, "addr"), "0.0.0.0:2375");
	assert_string_equal(val(ev, "Data[1]"), "proto=tcp addr=0.0.0.0:2375");   /* raw kept */

	/* a debug API call without fields */
	app_event(&eb, "Docker", 2, 4, "Calling POST /v1.40/containers/create?name=iis", NULL);
	bt_docker_winevt_enrich(&eb, &o);
	ev = &eb.ev;
	assert_string_equal(val(ev, "Action"), "container.create");
	assert_string_equal(val(ev, "ContainerName"), "iis");
	assert_string_equal(val(ev, "LogLevel"), "debug");

	/* its form data, a separate record: facts from the body's shape */
	app_event(&eb, "docker", 2, 4,
	          "form data: {&quot;HostConfig&quot;:{&quot;Isolation&quot;:&quot;process&quot;,"
	          "&quot;SecurityOpt&quot;:[&quot;credentialspec=file://app.json&quot;]},"
	          "&quot;Image&quot;:&quot;iis&quot;}",
	          NULL);
	bt_docker_winevt_enrich(&eb, &o);
	ev = &eb.ev;
	assert_string_equal(val(ev, "Action"), "container.create");
	assert_string_equal(val(ev, "CredentialSpec"), "file://app.json");
	assert_string_equal(val(ev, "Isolation"), "process");

	/* another provider is left alone; a renamed service is matched */
	app_event(&eb, "MsiInstaller", 11, 4, "Product: x", NULL);
	bt_docker_winevt_enrich(&eb, &o);
	assert_null(val(&eb.ev, "Action"));
	o.service_name = "dockerprod";
	app_event(&eb, "docker", 1, 2, "Starting up", NULL);
	bt_docker_winevt_enrich(&eb, &o);
	assert_null(val(&eb.ev, "Action"));
	app_event(&eb, "DockerProd", 1, 2, "something failed", "error=access is denied container=abc");
	bt_docker_winevt_enrich(&eb, &o);
	ev = &eb.ev;
	assert_string_equal(val(ev, "Action"), "daemon.log");
	assert_string_equal(val(ev, "LogLevel"), "error");
	assert_string_equal(val(ev, "ContainerID"), "abc");
	assert_string_equal(val(ev, "error"), "access is denied");
	bt_evbuf_free(&eb);
}

static void test_hcs_event(void **state)
{
	(void)state;
	bt_evtx_xml_init();
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	const char xml[] =
		"<Event " NS "><System><Provider Name=\"Microsoft-Windows-Hyper-V-Compute\" "
		"Guid=\"{17103e3f-3c6e-4677-bb17-3b267eb5be57}\"/><EventID>2010</EventID><Level>4</Level>"
		"<TimeCreated SystemTime=\"2023-06-21T08:37:21.3000364Z\"/><EventRecordID>22</EventRecordID>"
		"<Channel>Microsoft-Windows-Hyper-V-Compute-Operational</Channel>"
		"<Computer>WIN-T8MM0410G7D</Computer><Security UserID=\"S-1-5-18\"/></System>"
		"<UserData><VmlEventLog xmlns=\"http://www.microsoft.com/Windows/Virtualization/Events\">"
		"<SystemId>45539421c3ace02dd8d16ec004d9b4cf3c3b2c83aa7a8c1b2e0f9d8c7b6a5f4e</SystemId>"
		"</VmlEventLog></UserData></Event>";
	char why[256];
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	assert_int_equal(bt_evtx_xml_parse(xml, strlen(xml), &eb, NULL, NULL, why, sizeof why), BT_OK);
	bt_evbuf_done(&eb);
	bt_docker_winevt_enrich(&eb, NULL);
	assert_string_equal(val(&eb.ev, "ContainerID"),
	                    "45539421c3ace02dd8d16ec004d9b4cf3c3b2c83aa7a8c1b2e0f9d8c7b6a5f4e");
	assert_string_equal(val(&eb.ev, "Action"), "compute.event");
	assert_int_equal(eb.ev.event_id, 2010);
	bt_evbuf_free(&eb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_service_event),
		cmocka_unit_test(test_hcs_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
