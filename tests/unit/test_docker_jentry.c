/* bt_docker_jentry: the journal entry -> event mapping the JSON export and
 * journal file readers share, fed (name, value) pairs directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "docker/bt_docker_jentry.h"

struct run {
	struct bt_jentry *m;
	struct bt_reader_ctx ctx;
	struct bt_read_opts opts;
	struct bt_file_stats st;
	struct bt_evbuf eb;
	int notes;
};

static void on_diag(void *c, enum bt_diag_level level, const char *file, const char *msg)
{
	(void)level;
	(void)file;
	(void)msg;
	((struct run *)c)->notes++;
}

static void run_init(struct run *r)
{
	memset(r, 0, sizeof *r);
	r->m = bt_jentry_new();
	assert_non_null(r->m);
	bt_evbuf_init(&r->eb);
	r->opts.diag.fn = on_diag;
	r->opts.diag.ctx = r;
	r->ctx.path = "j";
	r->ctx.opts = &r->opts;
	r->ctx.stats = &r->st;
	r->ctx.eb = &r->eb;
}

static void run_free(struct run *r)
{
	bt_jentry_free(r->m);
	bt_evbuf_free(&r->eb);
}

static void field(struct run *r, const char *name, const char *value)
{
	bt_jentry_field(r->m, name, strlen(name), value, strlen(value));
}

static const char *val(const struct bt_event *ev, const char *name)
{
	const struct bt_field *f = bt_event_field(ev, name, strlen(name));
	return f ? f->text : NULL;
}

static void test_wanted(void **state)
{
	(void)state;
	assert_true(bt_jentry_wanted("MESSAGE", 7));
	assert_true(bt_jentry_wanted("__SEQNUM", 8));
	assert_false(bt_jentry_wanted("MESSAGE_ID", 10));
	assert_false(bt_jentry_wanted("_BOOT_ID", 8));
	assert_false(bt_jentry_wanted("MESSAG", 6));
}

static void test_entry(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	bt_jentry_begin(r.m);
	field(&r, "_BOOT_ID", "b1");                  /* not used: ignored */
	field(&r, "SYSLOG_IDENTIFIER", "dockerd");
	field(&r, "SYSLOG_IDENTIFIER", "other");      /* repeated: the first counts */
	field(&r, "_HOSTNAME", "h1");
	field(&r, "__REALTIME_TIMESTAMP", "1700000000000000");
	field(&r, "__SEQNUM", "42");
	field(&r, "PRIORITY", "3");
	field(&r, "MESSAGE", "plain text");
	const struct bt_event *ev = NULL;
	assert_true(bt_jentry_map(&r.ctx, r.m, 0, 4096, &ev));
	assert_non_null(ev);
	assert_int_equal(ev->record_id, 42);
	assert_int_equal(ev->offset, 4096);
	assert_int_equal(ev->line, 0);
	assert_string_equal(ev->host, "h1");
	assert_string_equal(ev->provider, "dockerd");
	assert_int_equal(ev->level, 2);
	assert_string_equal(val(ev, "SyslogIdentifier"), "dockerd");
	assert_string_equal(val(ev, "Message"), "plain text");
	assert_string_equal(val(ev, "TimeOriginal"), "1700000000000000");
	assert_null(val(ev, "_BOOT_ID"));

	/* the next entry forgets the fields of the one before */
	bt_jentry_begin(r.m);
	field(&r, "_COMM", "sshd");
	field(&r, "MESSAGE", "Accepted publickey");
	assert_false(bt_jentry_map(&r.ctx, r.m, 2, 100, &ev));
	assert_int_equal(r.st.skipped, 1);
	assert_null(bt_jentry_pop(r.m, &r.eb, true));
	bt_jentry_summarise(&r.ctx, r.m);
	assert_int_equal(r.notes, 1);   /* "1 entries of programs other than ..." */
	run_free(&r);
}

static void test_pairing_by_record(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	const struct bt_event *ev = NULL;
	bt_jentry_begin(r.m);
	field(&r, "_COMM", "dockerd");
	field(&r, "__SEQNUM", "7");
	field(&r, "MESSAGE", "time=\"2024-01-01T00:00:00Z\" level=debug "
	                     "msg=\"Calling POST /v1.43/containers/create?name=x\"");
	assert_false(bt_jentry_map(&r.ctx, r.m, 0, 0, &ev));   /* waits for its body */
	bt_jentry_begin(r.m);
	field(&r, "_COMM", "dockerd");
	field(&r, "__SEQNUM", "8");
	field(&r, "MESSAGE", "time=\"2024-01-01T00:00:00Z\" level=debug "
	                     "msg=\"form data: {\\\"HostConfig\\\":{\\\"Privileged\\\":true},"
	                     "\\\"Image\\\":\\\"alpine\\\",\\\"Cmd\\\":[\\\"sh\\\"]}\"");
	assert_false(bt_jentry_map(&r.ctx, r.m, 0, 0, &ev));
	ev = bt_jentry_pop(r.m, &r.eb, true);
	assert_non_null(ev);
	assert_int_equal(ev->record_id, 7);
	assert_string_equal(val(ev, "Action"), "container.create");
	assert_string_equal(val(ev, "Privileged"), "true");
	assert_string_equal(val(ev, "ApiBodyRecord"), "8");
	assert_null(val(ev, "ApiBodyLine"));
	assert_null(bt_jentry_pop(r.m, &r.eb, true));
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wanted),
		cmocka_unit_test(test_entry),
		cmocka_unit_test(test_pairing_by_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
