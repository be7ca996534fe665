/* bt_docker_logrus and bt_docker_pair: record shapes, syslog prefixes, the
 * daemon-log reader (continuations, pairing, year inference) through bt_input. */
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

#include "docker/bt_docker_logrus.h"
#include "input/bt_input.h"

static const char *val(const struct bt_event *ev, const char *name)
{
	const struct bt_field *f = bt_event_field(ev, name, strlen(name));
	return f ? f->value : NULL;
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
