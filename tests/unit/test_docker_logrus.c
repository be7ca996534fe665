/* bt_docker_logrus and bt_docker_pair: record shapes, syslog prefixes, the
 * daemon-log reader (continuations, pairing, year inference, create
 * confirmation) through bt_input; Docker Desktop's init.log entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "docker/bt_docker_initlog.h"
#include "docker/bt_docker_logrus.h"
#include "docker/bt_docker_pair.h"
#include "input/bt_input.h"

static const char *val(const struct bt_event *ev, const char *name)
{
	const struct bt_field *f = bt_event_field(ev, name, strlen(name));
	return f ? f->text : NULL;
}

static void test_text_record(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	const char *s = "time=\"2019-02-17T00:35:27.562313130+01:00\" level=debug "
	                "msg=\"Calling POST /v1.39/containers/create?name=evil\" extra=\"a b\"";
	struct bt_logrus_info info;
	assert_true(bt_logrus_is_text(s, strlen(s)));
	assert_true(bt_logrus_parse(&eb, s, strlen(s), NULL, &info));
	const struct bt_event *ev = bt_evbuf_done(&eb);
	assert_int_equal(info.api, BT_API_CREATE);
	assert_true(info.has_time);
	assert_int_equal(ev->level, 5);
	char t[BT_TIME_BUFSZ];
	bt_time_format(ev->time, t);
	assert_string_equal(t, "2019-02-16T23:35:27.5623131Z");
	assert_string_equal(val(ev, "Action"), "container.create");
	assert_string_equal(val(ev, "ContainerName"), "evil");
	assert_string_equal(val(ev, "TimeOriginal"), "2019-02-17T00:35:27.562313130+01:00");
	assert_string_equal(val(ev, "LogLevel"), "debug");
	assert_string_equal(val(ev, "extra"), "a b");
	bt_evbuf_free(&eb);
}

static void test_terminal_record(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	char s[256];
	snprintf(s, sizeof s, "\033[36mINFO\033[0m[2020-12-16T12:13:55.413025241Z] %-44s k=v q=\"x y\"",
	         "short msg with a=b");
	struct bt_logrus_info info;
	assert_true(bt_logrus_is_text(s, strlen(s)));
	assert_true(bt_logrus_parse(&eb, s, strlen(s), NULL, &info));
	const struct bt_event *ev = bt_evbuf_done(&eb);
	assert_string_equal(val(ev, "Message"), "short msg with a=b");
	assert_string_equal(val(ev, "k"), "v");
	assert_string_equal(val(ev, "q"), "x y");
	assert_null(val(ev, "a"));
	assert_int_equal(ev->level, 4);

	/* relative seconds: no time */
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	const char *r = "WARN[0003] something happened";
	assert_true(bt_logrus_parse(&eb, r, strlen(r), NULL, &info));
	ev = bt_evbuf_done(&eb);
	assert_false(info.has_time);
	assert_int_equal(ev->time, BT_TIME_NONE);
	assert_string_equal(val(ev, "RelativeSeconds"), "0003");
	assert_string_equal(val(ev, "Message"), "something happened");
	bt_evbuf_free(&eb);
}

static void test_json_record(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	const char *s = "{\"level\":\"error\",\"msg\":\"Handler failed\",\"status\":404,\"nested\":{\"a\":1},"
	                "\"time\":\"2024-02-01T10:00:06Z\"}";
	struct bt_logrus_info info;
	assert_true(bt_logrus_parse(&eb, s, strlen(s), NULL, &info));
	const struct bt_event *ev = bt_evbuf_done(&eb);
	assert_int_equal(ev->level, 2);
	assert_string_equal(val(ev, "status"), "404");
	assert_string_equal(val(ev, "nested"), "{\"a\":1}");
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	assert_false(bt_logrus_parse(&eb, "{\"level\":", 9, NULL, &info));
	assert_false(bt_logrus_parse(&eb, "just text", 9, NULL, &info));
	bt_evbuf_free(&eb);
}

static void test_syslog_prefix(void **state)
{
	(void)state;
	struct bt_syslog sl;
	const char *s = "Jan  4 15:15:23 HOST dockerd[7705]: time=\"x\"";
	assert_true(bt_syslog_parse(s, strlen(s), &sl));
	assert_false(sl.full);
	assert_int_equal(sl.mon, 1);
	assert_int_equal(sl.day, 4);
	assert_int_equal(sl.hour, 15);
	assert_int_equal(sl.sec, 23);
	assert_int_equal(sl.host_len, 4);
	assert_memory_equal(sl.ident, "dockerd", 7);
	assert_memory_equal(sl.pid, "7705", 4);
	assert_string_equal(s + sl.msg_off, "time=\"x\"");
	s = "2024-01-24T15:15:23.123456+01:00 h2 containerd[1]: msg";
	assert_true(bt_syslog_parse(s, strlen(s), &sl));
	assert_true(sl.full);
	assert_true(bt_syslog_ident_docker(sl.ident, sl.ident_len));
	s = "Jan 24 15:15:23 HOST sshd: Accepted";
	assert_true(bt_syslog_parse(s, strlen(s), &sl));
	assert_false(bt_syslog_ident_docker(sl.ident, sl.ident_len));
	/* Desktop VM lines are not syslog */
	s = "2021-07-28T10:21:21Z dockerd time=\"2021-07-28T10:21:21.4Z\" level=debug msg=x";
	assert_false(bt_syslog_parse(s, strlen(s), &sl));
	assert_false(bt_syslog_parse("Foo 24 15:15:23 H x: y", 22, &sl));
}

/* ---- the reader through bt_input ---- */

struct diags {
	char text[4096];
	unsigned warnings;
};

static void diag_cb(void *ctx, enum bt_diag_level level, const char *file, const char *msg)
{
	(void)file;
	struct diags *d = ctx;
	if (level == BT_DIAG_WARN)
		d->warnings++;
	strncat(d->text, msg, sizeof d->text - strlen(d->text) - 2);
	strcat(d->text, "\n");
}

static char *write_temp(const char *data, size_t n)
{
	char *path = strdup("/tmp/bt-test-logrus-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	return path;
}

struct run {
	struct bt_event *ev[64];
	size_t n;
	struct bt_file_stats stats;
	enum bt_format format;
	struct diags diags;
};

static void read_all(const char *path, struct run *r)
{
	memset(r, 0, sizeof *r);
	struct bt_input_opts o = {0};
	o.read.diag.fn = diag_cb;
	o.read.diag.ctx = &r->diags;
	struct bt_input *in;
	assert_int_equal(bt_input_open(path, &o, NULL, &in), BT_OK);
	r->format = bt_input_format(in);
	const struct bt_event *ev;
	while (bt_input_next(in, &ev) == BT_OK) {
		assert_true(r->n < 64);
		r->ev[r->n++] = bt_event_clone(ev);
	}
	r->stats = *bt_input_stats(in);
	bt_input_free(in);
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->ev[i]);
}

static void test_reader_pairing_interleaved(void **state)
{
	(void)state;
	const char *log =
		"time=\"2024-01-01T00:00:00Z\" level=debug msg=\"Calling POST /v1.43/containers/create?name=a\"\n"
		"time=\"2024-01-01T00:00:00.1Z\" level=debug msg=\"Calling POST /v1.43/containers/abc/exec\"\n"
		"time=\"2024-01-01T00:00:00.2Z\" level=debug msg=\"Calling GET /_ping\"\n"
		"time=\"2024-01-01T00:00:00.3Z\" level=debug msg=\"form data: {\\\"AttachStdin\\\":true,"
		"\\\"Cmd\\\":[\\\"bash\\\"],\\\"Privileged\\\":true}\"\n"
		"time=\"2024-01-01T00:00:00.4Z\" level=debug msg=\"form data: {\\\"HostConfig\\\":"
		"{\\\"Privileged\\\":true},\\\"Image\\\":\\\"alpine\\\"}\"\n"
		"time=\"2024-01-01T00:00:00.5Z\" level=info msg=\"after\"\n";
	char *p = write_temp(log, strlen(log));
	struct run r;
	read_all(p, &r);
	assert_int_equal(r.format, BT_FORMAT_DOCKERD_TEXT);
	assert_int_equal(r.n, 4);   /* create, exec, ping, after: both bodies merged */
	assert_int_equal(r.ev[0]->line, 1);
	assert_string_equal(val(r.ev[0], "Action"), "container.create");
	assert_string_equal(val(r.ev[0], "Image"), "alpine");
	assert_string_equal(val(r.ev[0], "ApiBodyLine"), "5");
	assert_int_equal(r.ev[1]->line, 2);
	assert_string_equal(val(r.ev[1], "Action"), "container.exec");
	assert_string_equal(val(r.ev[1], "Command"), "bash");
	assert_string_equal(val(r.ev[1], "ApiBodyLine"), "4");
	assert_int_equal(r.ev[2]->line, 3);
	assert_int_equal(r.ev[3]->line, 6);
	assert_int_equal(r.stats.lines, 6);
	assert_int_equal(r.stats.skipped, 2);
	run_free(&r);
	unlink(p);
	free(p);
}

static void test_reader_pairing_window(void **state)
{
	(void)state;
	/* a create whose body never comes: emitted after the window, in order */
	char log[8192] = "time=\"2024-01-01T00:00:00Z\" level=debug msg=\"Calling POST /containers/create\"\n";
	for (int i = 0; i < 40; i++)
		snprintf(log + strlen(log), sizeof log - strlen(log),
		         "time=\"2024-01-01T00:00:%02dZ\" level=info msg=\"line %d\"\n", i % 60, i);
	strcat(log, "time=\"2024-01-01T00:01:00Z\" level=debug msg=\"form data: {\\\"Image\\\":\\\"x\\\","
	            "\\\"HostConfig\\\":{}}\"\n");
	char *p = write_temp(log, strlen(log));
	struct run r;
	read_all(p, &r);
	assert_int_equal(r.n, 42);
	for (size_t i = 1; i < r.n; i++)
		assert_true(r.ev[i]->line > r.ev[i - 1]->line);
	assert_null(val(r.ev[0], "Image"));
	/* the late body stands alone, with the facts of its shape */
	assert_int_equal(r.ev[41]->line, 42);
	assert_string_equal(val(r.ev[41], "Action"), "container.create");
	assert_string_equal(val(r.ev[41], "Image"), "x");
	run_free(&r);
	unlink(p);
	free(p);
}

static void test_reader_syslog_year_from_mtime(void **state)
{
	(void)state;
	const char *log = "Dec 30 10:00:00 h dockerd[1]: Error starting daemon: a\n"
	                  "Jan  2 11:00:00 h dockerd[1]: Error starting daemon: b\n";
	char *p = write_temp(log, strlen(log));
	/* mtime 2022-01-03T00:00:00Z: "Dec 30" is in 2021, "Jan 2" in 2022 */
	struct timeval tv[2] = {{1641168000, 0}, {1641168000, 0}};
	assert_int_equal(utimes(p, tv), 0);
	struct run r;
	read_all(p, &r);
	assert_int_equal(r.n, 2);
	char t[BT_TIME_BUFSZ];
	bt_time_format(r.ev[0]->time, t);
	assert_string_equal(t, "2021-12-30T10:00:00.0000000Z");
	bt_time_format(r.ev[1]->time, t);
	assert_string_equal(t, "2022-01-02T11:00:00.0000000Z");
	assert_true(r.ev[0]->flags & BT_EV_TIME_INFERRED);
	assert_string_equal(val(r.ev[0], "TimeInferred"), "true");
	assert_string_equal(val(r.ev[0], "TimeOriginal"), "Dec 30 10:00:00");
	assert_string_equal(r.ev[0]->host, "h");
	run_free(&r);
	unlink(p);
	free(p);
}

static void test_reader_damage(void **state)
{
	(void)state;
	const char log[] = "orphan continuation before any record\n"
	                   "time=\"2024-01-01T00:00:00Z\" level=info msg=\"one\"\r\n"
	                   "\tindented continuation\n"
	                   "bin\0ary\n"
	                   "time=\"2024-01-01T00:00:01Z\" level=info msg=\"two\"";
	char *p = write_temp(log, sizeof log - 1);
	struct run r;
	read_all(p, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(val(r.ev[0], "Message"), "one");
	assert_string_equal(val(r.ev[0], "Continuation"), "\tindented continuation");
	assert_int_equal(r.ev[1]->line, 5);
	assert_int_equal(r.stats.failed, 1);
	assert_int_equal(r.stats.skipped, 2);
	assert_int_equal(r.stats.lines, 5);
	assert_non_null(strstr(r.diags.text, "line 4: binary or control bytes"));
	assert_non_null(strstr(r.diags.text, "line 5: last line has no line end"));
	run_free(&r);
	unlink(p);
	free(p);
}

/* ---- create confirmation (bt_docker_pair.h) ---- */

#define T(s) "time=\"2024-05-01T10:" s "Z\" level=debug msg="
#define ID_A "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define ID_B "b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1"
#define BODY(img) "\"form data: {\\\"HostConfig\\\":{\\\"Privileged\\\":true},\\\"Image\\\":\\\"" img "\\\"}\"\n"

/* The event of line `line` in r (NULL when none). */
static const struct bt_event *at_line(const struct run *r, uint64_t line)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->ev[i]->line == line)
			return r->ev[i];
	return NULL;
}

static void read_text(const char *log, struct run *r)
{
	char *p = write_temp(log, strlen(log));
	read_all(p, r);
	unlink(p);
	free(p);
}

/* docker run with the image missing: create (404), pull, create again, start */
static void test_confirm_404_then_create(void **state)
{
	(void)state;
	struct run r;
	read_text(T("00:00.000") "\"Calling POST /v1.51/containers/create?name=x\"\n"   /* 1 */
	          T("00:00.001") BODY("img:1")                                            /* 2 */
	          T("00:00.100") "\"Calling POST /v1.51/images/create?fromImage=img&tag=1\"\n"
	          T("00:05.000") "\"Calling POST /v1.51/containers/create?name=x\"\n"   /* 4 */
	          T("00:05.001") BODY("img:1")                                            /* 5 */
	          T("00:05.050") "\"Calling POST /v1.51/containers/" ID_A "/start\"\n", /* 6 */
	          &r);
	assert_int_equal(r.n, 4);   /* both bodies merged */
	const struct bt_event *e = at_line(&r, 1);
	assert_string_equal(val(e, "Confirmed"), "false");
	assert_string_equal(val(e, "ConfirmationLine"), "4");
	assert_non_null(strstr(val(e, "Confirmation"), "created again under the same name"));
	assert_non_null(strstr(val(e, "Confirmation"), "a pull of its image followed it"));
	e = at_line(&r, 4);
	assert_string_equal(val(e, "Confirmed"), "true");
	assert_string_equal(val(e, "ConfirmationLine"), "6");
	assert_string_equal(val(e, "Confirmation"), "confirmed: the client used the new id " ID_A);
	assert_null(val(at_line(&r, 6), "Confirmed"));   /* only creates are judged */
	for (size_t i = 1; i < r.n; i++)
		assert_true(r.ev[i]->line > r.ev[i - 1]->line);
	run_free(&r);
}

/* the same without --name: the retry is known by its image */
static void test_confirm_unnamed_retry(void **state)
{
	(void)state;
	struct run r;
	read_text(T("00:00.000") "\"Calling POST /v1.51/containers/create\"\n"
	          T("00:00.001") BODY("img:1")
	          T("00:04.000") "\"Calling POST /v1.51/containers/create\"\n"
	          T("00:04.001") BODY("img:1")
	          T("00:04.100") "\"Calling POST /v1.51/containers/" ID_A "/attach?stream=1\"\n", &r);
	assert_string_equal(val(at_line(&r, 1), "Confirmed"), "false");
	assert_string_equal(val(at_line(&r, 1), "ConfirmationLine"), "3");
	assert_non_null(strstr(val(at_line(&r, 1), "Confirmation"), "same image and no name"));
	assert_string_equal(val(at_line(&r, 3), "Confirmed"), "true");
	assert_string_equal(val(at_line(&r, 3), "ConfirmationLine"), "5");
	run_free(&r);
}

/* confirmed by a start later on, past other lines; an id the log knew
 * before the create, a GET, and a call by name confirm nothing */
static void test_confirm_later_start(void **state)
{
	(void)state;
	struct run r;
	read_text(T("00:00.000") "\"Calling POST /v1.51/containers/" ID_B "/start\"\n"   /* 1: old */
	          T("00:01.000") "\"Calling POST /v1.51/containers/create?name=y\"\n"    /* 2 */
	          T("00:01.001") BODY("img:2")                                             /* 3 */
	          T("00:02.000") "\"Calling POST /v1.51/containers/" ID_B "/wait\"\n"     /* 4 */
	          T("00:03.000") "\"Calling GET /v1.51/containers/" ID_A "/json\"\n"      /* 5 */
	          T("00:04.000") "\"Calling POST /v1.51/containers/y/start\"\n"          /* 6 */
	          T("00:20.000") "\"Calling POST /v1.51/containers/" ID_A "/start\"\n"    /* 7 */
	          T("00:20.100") "\"Calling POST /v1.51/containers/create?name=z\"\n"    /* 8 */
	          T("00:20.200") "\"Calling POST /v1.51/containers/" ID_A "/wait\"\n",    /* 9 */
	          &r);
	const struct bt_event *e = at_line(&r, 2);
	assert_string_equal(val(e, "Confirmed"), "true");
	assert_string_equal(val(e, "ConfirmationLine"), "7");
	/* an id that confirmed one create does not confirm the next */
	e = at_line(&r, 8);
	assert_string_equal(val(e, "Confirmed"), "false");
	assert_null(val(e, "ConfirmationLine"));
	assert_non_null(strstr(val(e, "Confirmation"), "the log ends"));
	run_free(&r);
}

/* nothing within the window; the end of the file */
static void test_confirm_window_and_end(void **state)
{
	(void)state;
	struct run r;
	read_text(T("00:00.000") "\"Calling POST /v1.51/containers/create?name=w\"\n"
	          T("00:31.000") "\"Calling POST /v1.51/containers/" ID_A "/start\"\n"
	          T("01:00.000") "\"Calling POST /v1.51/containers/create?name=e\"\n", &r);
	assert_int_equal(r.n, 3);
	assert_string_equal(val(at_line(&r, 1), "Confirmed"), "false");
	assert_non_null(strstr(val(at_line(&r, 1), "Confirmation"), "within 30 s or 256 events"));
	assert_string_equal(val(at_line(&r, 3), "Confirmed"), "false");
	assert_non_null(strstr(val(at_line(&r, 3), "Confirmation"), "the log ends"));
	/* by count: 256 events later, whatever their times */
	char log[64 * 1024] = T("00:00.000") "\"Calling POST /v1.51/containers/create?name=c\"\n";
	for (int i = 0; i < BT_CONFIRM_EVENTS; i++)
		strcat(log, T("00:00.500") "\"Calling GET /_ping\"\n");
	strcat(log, T("00:00.600") "\"Calling POST /v1.51/containers/" ID_A "/start\"\n");
	run_free(&r);
	char *p = write_temp(log, strlen(log));
	struct bt_input_opts o = {0};
	struct bt_input *in;
	assert_int_equal(bt_input_open(p, &o, NULL, &in), BT_OK);
	const struct bt_event *ev;
	assert_int_equal(bt_input_next(in, &ev), BT_OK);
	assert_int_equal(ev->line, 1);
	assert_string_equal(val(ev, "Confirmed"), "false");
	bt_input_free(in);
	unlink(p);
	free(p);
}

/* containerd's task start confirms (Docker Desktop's init.log has both) */
static void test_confirm_containerd_task(void **state)
{
	(void)state;
	struct run r;
	read_text(T("00:00.000") "\"Calling POST /v1.51/containers/create?name=t\"\n"
	          "time=\"2024-05-01T10:00:00.2Z\" level=info msg=\"starting signal loop\" namespace=moby "
	          "path=/run/containerd/io.containerd.runtime.v2.task/moby/" ID_A " pid=1\n", &r);
	assert_string_equal(val(at_line(&r, 1), "Confirmed"), "true");
	assert_string_equal(val(at_line(&r, 1), "Confirmation"),
	                    "confirmed: containerd started the task of " ID_A);
	run_free(&r);
}

/* ---- Docker Desktop's init.log entries ---- */

static void test_initlog_entry(void **state)
{
	(void)state;
	struct json_tokener *tok = json_tokener_new();
	struct bt_buf b = BT_BUF_INIT;
	const char *s = "{\"component\":\"dockerd\",\"level\":\"info\",\"msg\":\"time=\\\"2025-11-04T09:00:01Z\\\" "
	                "level=info msg=\\\"a\\\\nb\\\"\",\"time\":\"2025-11-04T09:00:01.1Z\"}";
	assert_true(bt_initlog_decode(s, strlen(s), &b, tok));
	assert_string_equal(b.p, "2025-11-04T09:00:01.1Z dockerd info time=\"2025-11-04T09:00:01Z\" level=info msg=\"a\\nb\"");
	struct bt_line_prefix p;
	assert_true(bt_initlog_prefix(b.p, b.n, &p));
	assert_true(p.full_time);
	assert_int_equal(p.level, 4);
	assert_int_equal(p.component_len, 7);
	assert_memory_equal(p.component, "dockerd", 7);
	assert_true(bt_logrus_is_text(b.p + p.msg_off, b.n - p.msg_off));
	/* no time or level; control characters in msg escaped */
	bt_buf_reset(&b);
	s = "{\"msg\":\"x\\ty\\nz\\u0001\",\"component\":\"init\",\"time\":\"not a time\"}";
	assert_true(bt_initlog_decode(s, strlen(s), &b, tok));
	assert_string_equal(b.p, "- init - x\ty\\nz\\u0001");
	assert_true(bt_initlog_prefix(b.p, b.n, &p));
	assert_false(p.full_time);
	assert_null(p.stamp);
	assert_int_equal(p.level, -1);
	/* not entries */
	const char *bad[] = {"{\"component\":\"dockerd\"}", "{\"msg\":\"x\"}", "{\"component\":\"a b\",\"msg\":\"x\"}",
	                     "{\"component\":\"x\",\"msg\":1}", "{\"component\":\"x\",\"msg\":\"y\"} z", "[1]",
	                     "text", ""};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		bt_buf_reset(&b);
		assert_false(bt_initlog_decode(bad[i], strlen(bad[i]), &b, tok));
	}
	bt_buf_free(&b);
	json_tokener_free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_record),
		cmocka_unit_test(test_terminal_record),
		cmocka_unit_test(test_json_record),
		cmocka_unit_test(test_syslog_prefix),
		cmocka_unit_test(test_reader_pairing_interleaved),
		cmocka_unit_test(test_reader_pairing_window),
		cmocka_unit_test(test_reader_syslog_year_from_mtime),
		cmocka_unit_test(test_reader_damage),
		cmocka_unit_test(test_confirm_404_then_create),
		cmocka_unit_test(test_confirm_unnamed_retry),
		cmocka_unit_test(test_confirm_later_start),
		cmocka_unit_test(test_confirm_window_and_end),
		cmocka_unit_test(test_confirm_containerd_task),
		cmocka_unit_test(test_initlog_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
