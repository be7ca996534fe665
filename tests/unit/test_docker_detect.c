/* bt_detect on Docker evidence: each format by content (journal files by
 * their signature, Docker Desktop's init.log entry by entry), and what must
 * not be taken for one (binary data, ordinary text and JSON, a quoted log
 * line, JSON logs with a component key that are not init.log). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "input/bt_detect.h"

static enum bt_format det(const char *s)
{
	return bt_detect((const unsigned char *)s, strlen(s), true);
}

static void test_text_logs(void **state)
{
	(void)state;
	assert_int_equal(det("time=\"2019-02-17T00:35:27.5Z\" level=info msg=\"Starting up\"\n"),
	                 BT_FORMAT_DOCKERD_TEXT);
	assert_int_equal(det("\xEF\xBB\xBFINFO[2020-12-16T12:13:55.413025241Z] Starting up\n"),
	                 BT_FORMAT_DOCKERD_TEXT);
	assert_int_equal(det("\033[36mINFO\033[0m[0000] Starting up\r\n"), BT_FORMAT_DOCKERD_TEXT);
	assert_int_equal(det("level=info msg=\"no time\"\n"), BT_FORMAT_DOCKERD_TEXT);
	assert_int_equal(det("Jan 24 15:15:23 HOST dockerd[7705]: time=\"2019-01-24T15:15:23Z\" level=info msg=x\n"),
	                 BT_FORMAT_DOCKERD_TEXT);
	/* a syslog file where dockerd is one program among others */
	assert_int_equal(det("Jan 24 15:15:20 h sshd[1]: Accepted\n"
	                     "Jan 24 15:15:21 h CRON[2]: (root) CMD (x)\n"
	                     "Jan 24 15:15:23 h dockerd[7705]: time=\"2019-01-24T15:15:23Z\" level=info msg=x\n"
	                     "Jan 24 15:15:24 h kernel: eth0 up\n"),
	                 BT_FORMAT_DOCKERD_TEXT);
	assert_int_equal(det("{\"level\":\"info\",\"msg\":\"Starting up\",\"time\":\"2024-02-01T10:00:00Z\"}\n"),
	                 BT_FORMAT_DOCKERD_JSON);
	assert_int_equal(det("[2023-03-05T08:02:14.398643700Z][com.docker.backend.exe][I] starting\n"),
	                 BT_FORMAT_DOCKER_DESKTOP);
	assert_int_equal(det("2021-07-28T10:21:21Z dockerd time=\"2021-07-28T10:21:21.4Z\" level=debug msg=x\n"),
	                 BT_FORMAT_DOCKER_DESKTOP);
}

static void test_json_documents(void **state)
{
	(void)state;
	assert_int_equal(det("{\"__CURSOR\":\"s=1\",\"__REALTIME_TIMESTAMP\":\"1700000000000000\",\"MESSAGE\":\"x\"}\n"),
	                 BT_FORMAT_JOURNALD_JSON);
	assert_int_equal(det("{\"status\":\"start\",\"id\":\"abc\",\"from\":\"x\",\"Type\":\"container\","
	                     "\"Action\":\"start\",\"Actor\":{\"ID\":\"abc\"},\"time\":1,\"timeNano\":1}\n"),
	                 BT_FORMAT_DOCKER_EVENTS);
	assert_int_equal(det("{\"status\":\"die\",\"id\":\"abc\",\"time\":1461943101}\n"), BT_FORMAT_DOCKER_EVENTS);
	assert_int_equal(det("{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":\"2018-01-01T00:00:00Z\"}\n"),
	                 BT_FORMAT_CONTAINER_LOG);
	assert_int_equal(det("{\"StreamConfig\":{},\"State\":{\"Running\":true},\"ID\":\"abc\","
	                     "\"Created\":\"2018-05-16T10:51:39Z\",\"Config\":{\"Image\":\"busybox\"}}"),
	                 BT_FORMAT_DOCKER_CONFIG);
	assert_int_equal(det("{\"Binds\":null,\"ContainerIDFile\":\"\",\"NetworkMode\":\"default\"}"),
	                 BT_FORMAT_DOCKER_HOSTCONFIG);
	assert_int_equal(det("{\"architecture\":\"amd64\",\"config\":{},\"created\":\"2017-01-13T22:13:54Z\","
	                     "\"history\":[{\"created_by\":\"x\"}],\"os\":\"linux\",\"rootfs\":{}}"),
	                 BT_FORMAT_IMAGE_CONFIG);
	/* a document larger than the head is still recognised by its first keys */
	const char *big = "{\"StreamConfig\":{},\"State\":{},\"ID\":\"abc\",\"Created\":\"2018\",\"Config\":"
	                  "{\"Env\":[\"A=1\",\"B=2\"";
	assert_int_equal(bt_detect((const unsigned char *)big, strlen(big), false), BT_FORMAT_DOCKER_CONFIG);
}

static void test_not_docker(void **state)
{
	(void)state;
	assert_int_equal(det("just some notes\nabout nothing\n"), BT_FORMAT_UNKNOWN);
	assert_int_equal(det("{\"Repositories\":{\"busybox\":{}}}"), BT_FORMAT_UNKNOWN);
	assert_int_equal(det("{\"name\":\"package\",\"version\":\"1.0\"}"), BT_FORMAT_UNKNOWN);
	assert_int_equal(det("[1,2,3]"), BT_FORMAT_UNKNOWN);
	assert_int_equal(det(""), BT_FORMAT_UNKNOWN);
	/* a README quoting one daemon line among much prose */
	assert_int_equal(det("# Notes\n\nThe daemon printed:\n\n"
	                     "time=\"2019-02-17T00:35:27Z\" level=info msg=x\n\nThen we\nrestarted\nit\n"
	                     "and it\nworked.\n"),
	                 BT_FORMAT_UNKNOWN);
	/* binary data, including bytes that look like a JSON start */
	unsigned char bin[4096];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof bin; i++) {
		x = x * 1103515245u + 12345u;
		bin[i] = (unsigned char)(x >> 16);
	}
	assert_int_equal(bt_detect(bin, sizeof bin, true), BT_FORMAT_UNKNOWN);
	bin[0] = '{';
	bin[1] = '"';
	assert_int_equal(bt_detect(bin, sizeof bin, true), BT_FORMAT_UNKNOWN);
	memcpy(bin, "time=\"", 6);
	assert_int_equal(bt_detect(bin, sizeof bin, true), BT_FORMAT_UNKNOWN);
}

/* binary journal files: the header signature, whatever follows */
static void test_journal_file(void **state)
{
	(void)state;
	unsigned char h[272] = "LPKSHHRH";
	h[12] = 0x1c;   /* incompatible flags: keyed hash, zstd, compact */
	assert_int_equal(bt_detect(h, sizeof h, false), BT_FORMAT_JOURNAL_FILE);
	assert_int_equal(bt_detect(h, 8, true), BT_FORMAT_JOURNAL_FILE);
	assert_int_equal(bt_detect(h, 7, true), BT_FORMAT_UNKNOWN);
	h[7] = 'h';
	assert_int_equal(bt_detect(h, sizeof h, false), BT_FORMAT_UNKNOWN);
	assert_string_equal(bt_format_name(BT_FORMAT_JOURNAL_FILE), "journal-file");
}

/* Docker Desktop's init.log: JSON lines with a component word and a msg,
 * one of them init, dockerd or containerd; its near misses. */
#define INIT1 "{\"component\":\"init\",\"level\":\"info\",\"msg\":\"starting services\",\"time\":\"2025-11-04T09:00:00Z\"}\n"
#define DOCKERD1 "{\"component\":\"dockerd\",\"level\":\"info\",\"msg\":\"time=\\\"2025-11-04T09:00:01Z\\\" level=info msg=\\\"Starting up\\\"\",\"time\":\"2025-11-04T09:00:01.1Z\"}\n"
static void test_desktop_init_log(void **state)
{
	(void)state;
	assert_int_equal(det(INIT1 DOCKERD1), BT_FORMAT_DOCKER_DESKTOP_INIT);
	assert_int_equal(det(DOCKERD1), BT_FORMAT_DOCKER_DESKTOP_INIT);
	/* keys in another order, no level or time: still an entry */
	assert_int_equal(det("{\"msg\":\"x\",\"component\":\"containerd\"}\n"), BT_FORMAT_DOCKER_DESKTOP_INIT);
	/* one damaged line later among the first is tolerated */
	assert_int_equal(det(INIT1 DOCKERD1 DOCKERD1 "garbage\n" DOCKERD1), BT_FORMAT_DOCKER_DESKTOP_INIT);
	/* a first line longer than the head: known by its component */
	const char *cut = "{\"component\":\"dockerd\",\"level\":\"info\",\"msg\":\"form data: {\\\"Cmd\\\":";
	assert_int_equal(bt_detect((const unsigned char *)cut, strlen(cut), false),
	                 BT_FORMAT_DOCKER_DESKTOP_INIT);
	assert_string_equal(bt_format_name(BT_FORMAT_DOCKER_DESKTOP_INIT), "docker-desktop-init");

	/* near misses: a component key but no msg */
	assert_int_equal(det("{\"component\":\"dockerd\",\"level\":\"info\",\"message\":\"x\",\"ts\":1}\n"),
	                 BT_FORMAT_UNKNOWN);
	/* another program's JSON log with component and msg (Loki, zap...) */
	assert_int_equal(det("{\"caller\":\"x.go:1\",\"component\":\"distributor\",\"level\":\"info\","
	                     "\"msg\":\"ready\",\"ts\":\"2025-11-04T09:00:00Z\"}\n"),
	                 BT_FORMAT_DOCKERD_JSON);
	/* a component that is not a word, a msg that is not a string */
	assert_int_not_equal(det("{\"component\":\"my dockerd\",\"level\":\"info\",\"msg\":\"x\"}\n"),
	                     BT_FORMAT_DOCKER_DESKTOP_INIT);
	assert_int_not_equal(det("{\"component\":\"dockerd\",\"level\":\"info\",\"msg\":{\"a\":1}}\n"),
	                     BT_FORMAT_DOCKER_DESKTOP_INIT);
	/* the first line no entry, or most of the first lines not */
	assert_int_not_equal(det("{\"component\":\"dockerd\",\"msg\":\"x\"} trailing\n" DOCKERD1),
	                     BT_FORMAT_DOCKER_DESKTOP_INIT);
	assert_int_not_equal(det(DOCKERD1 "a\nb\n" DOCKERD1), BT_FORMAT_DOCKER_DESKTOP_INIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_desktop_init_log),
		cmocka_unit_test(test_journal_file),
		cmocka_unit_test(test_text_logs),
		cmocka_unit_test(test_json_documents),
		cmocka_unit_test(test_not_docker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
