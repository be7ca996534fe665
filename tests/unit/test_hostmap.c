/* bt_ip and bt_hostmap: canonical addresses and host <-> IP links. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hunt/bt_hostmap.h"
#include "core/bt_ip.h"

static void assert_ip(const char *in, const char *want)
{
	struct bt_ip ip;
	char buf[BT_IP_BUFSZ];
	if (!want) {
		assert_false(bt_ip_parse(in, strlen(in), &ip));
		return;
	}
	assert_true(bt_ip_parse(in, strlen(in), &ip));
	bt_ip_format(&ip, buf);
	assert_string_equal(buf, want);
}

static void test_ip_forms(void **state)
{
	(void)state;
	assert_ip("10.0.0.5", "10.0.0.5");
	assert_ip("::ffff:10.0.0.5", "10.0.0.5");
	assert_ip("::FFFF:10.0.0.5", "10.0.0.5");
	assert_ip(" 10.0.0.5 ", "10.0.0.5");
	assert_ip("10.0.0.5:445", "10.0.0.5");
	assert_ip("[fe80::1%eth0]:88", "fe80::1");
	assert_ip("2001:DB8:0:0:0:0:0:1", "2001:db8::1");
	assert_ip("-", NULL);
	assert_ip("", NULL);
	assert_ip("host.example", NULL);
	assert_ip("10.0.0.256", NULL);
	struct bt_ip a, b;
	bt_ip_parse("::ffff:10.20.30.41", 18, &a);
	bt_ip_parse("10.20.30.41", 11, &b);
	assert_true(bt_ip_equal(&a, &b));
	assert_true(bt_ip_parse("127.0.0.1", 9, &a) && bt_ip_is_local(&a));
	assert_true(bt_ip_parse("::1", 3, &a) && bt_ip_is_local(&a));
	assert_true(bt_ip_parse("fe80::2", 7, &a) && bt_ip_is_local(&a));
	assert_true(bt_ip_parse("10.1.1.1", 8, &a) && !bt_ip_is_local(&a));
}

static void test_host_key(void **state)
{
	(void)state;
	assert_true(bt_host_same("SRV-BUILD01", "srv-build01.corp.local"));
	assert_true(bt_host_same("srv-build01.corp.local.", "SRV-BUILD01.CORP.LOCAL"));
	assert_false(bt_host_same("SRV-BUILD01", "SRV-BUILD02"));
	assert_false(bt_host_same("", ""));
	assert_false(bt_host_same(NULL, "x"));
}

/* Builds an EVTX-like event for the learner. */
static const struct bt_event *mk(struct bt_evbuf *eb, const char *channel, uint32_t eid,
                                 const char *host, bt_time t, const char *const *kv)
{
	bt_evbuf_reset(eb, BT_SOURCE_EVTX);
	eb->ev.channel = channel;
	eb->ev.event_id = eid;
	eb->ev.host = host;
	eb->ev.time = t;
	eb->ev.file = "evidence.evtx";
	eb->ev.record_id = 42;
	for (; kv && kv[0]; kv += 2)
		bt_evbuf_adds(eb, kv[0], kv[1]);
	return bt_evbuf_done(eb);
}

#define SYSMON "Microsoft-Windows-Sysmon/Operational"

static void test_learn_and_lookup(void **state)
{
	(void)state;
	struct bt_hostmap *m = bt_hostmap_new();
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_time t0 = 133000000000000000LL, hour = 36000000000LL;

	/* The header filter: only the events that can teach something. */
	const char *none[] = {NULL};
	assert_true(bt_hostmap_wants(mk(&eb, SYSMON, 3, "h", t0, none)));
	assert_true(bt_hostmap_wants(mk(&eb, SYSMON, 22, "h", t0, none)));
	assert_true(bt_hostmap_wants(mk(&eb, "Security", 4624, "h", t0, none)));
	assert_false(bt_hostmap_wants(mk(&eb, SYSMON, 7, "h", t0, none)));
	assert_false(bt_hostmap_wants(mk(&eb, "Security", 4769, "h", t0, none)));

	const char *s3[] = {"Initiated", "true", "SourceIp", "10.20.30.41", "SourceHostname", "",
	                    "DestinationIp", "10.20.30.10", "DestinationHostname", "DC01.corp.local",
	                    NULL};
	bt_hostmap_learn(m, mk(&eb, SYSMON, 3, "SRV-BUILD01.corp.local", t0, s3));
	const char *s3b[] = {"Initiated", "true", "SourceIp", "127.0.0.1", NULL};
	bt_hostmap_learn(m, mk(&eb, SYSMON, 3, "SRV-BUILD01.corp.local", t0, s3b));  /* loopback: no link */
	const char *dns[] = {"QueryName", "fileserver.corp.local",
	                     "QueryResults", "type:  5 alias.corp.local;::ffff:10.20.30.77;10.20.30.78;", NULL};
	bt_hostmap_learn(m, mk(&eb, SYSMON, 22, "SRV-BUILD01.corp.local", t0, dns));
	const char *logon[] = {"IpAddress", "::ffff:10.20.30.55", "WorkstationName", "WS-042", NULL};
	bt_hostmap_learn(m, mk(&eb, "Security", 4624, "DC01.corp.local", t0 + hour, logon));
	const char *logon_empty[] = {"IpAddress", "10.20.30.60", "WorkstationName", "-", NULL};
	bt_hostmap_learn(m, mk(&eb, "Security", 4624, "DC01.corp.local", t0, logon_empty));

	struct bt_ip ip;
	bt_ip_parse("::ffff:10.20.30.41", 18, &ip);
	const struct bt_hostlink *l = bt_hostmap_lookup(m, &ip, t0 + hour);
	assert_non_null(l);
	assert_string_equal(l->host, "SRV-BUILD01.corp.local");
	assert_int_equal(l->how, BT_LINK_SYSMON3_LOCAL);
	assert_string_equal(l->evidence, "evidence.evtx#42");
	bt_ip_parse("10.20.30.10", 11, &ip);
	assert_string_equal(bt_hostmap_lookup(m, &ip, t0)->host, "DC01.corp.local");
	bt_ip_parse("10.20.30.78", 11, &ip);
	assert_int_equal(bt_hostmap_lookup(m, &ip, t0)->how, BT_LINK_DNS);
	bt_ip_parse("10.20.30.55", 11, &ip);
	assert_string_equal(bt_hostmap_lookup(m, &ip, t0)->host, "WS-042");
	bt_ip_parse("10.20.30.60", 11, &ip);
	assert_null(bt_hostmap_lookup(m, &ip, t0));
	bt_ip_parse("127.0.0.1", 9, &ip);
	assert_null(bt_hostmap_lookup(m, &ip, t0));
	/* repeated observations refresh one link */
	size_t n = bt_hostmap_count(m);
	bt_hostmap_learn(m, mk(&eb, SYSMON, 3, "SRV-BUILD01.corp.local", t0 + 2 * hour, s3));
	assert_int_equal(bt_hostmap_count(m), n);
	bt_evbuf_free(&eb);
	bt_hostmap_free(m);
}

/* A lease fact of a host-config file: its address from t to `until`. */
static const struct bt_event *mk_lease(struct bt_evbuf *eb, const char *file, bt_time t, bt_time until)
{
	char end[BT_TIME_BUFSZ];
	bt_evbuf_reset(eb, BT_SOURCE_HOST_CONFIG);
	eb->ev.provider = "dhcp-lease";
	eb->ev.time = t;
	eb->ev.file = file;
	eb->ev.line = 2;
	bt_evbuf_adds(eb, "IpAddress", "203.0.113.77");
	bt_time_format(until, end);
	bt_evbuf_adds(eb, "LeaseEnd", end);
	return bt_evbuf_done(eb);
}

static const char *lease_host(void *ctx, const char *file)
{
	(void)ctx;
	return strncmp(file, "pc1/", 4) == 0 ? "pc1" : "pc2";
}

/* DHCP hands an address out again: each lease holds it for its own span,
 * lookups at a time take that span's host and spans that follow each other
 * are no conflict; a journal's DHCP line links its stated host at once. */
static void test_dhcp_spans(void **state)
{
	(void)state;
	struct bt_hostmap *m = bt_hostmap_new();
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_time day = 864000000000LL, t0 = 133000000000000000LL;
	bt_hostmap_learn(m, mk_lease(&eb, "pc1/dhclient.leases", t0, t0 + day));
	bt_hostmap_learn(m, mk_lease(&eb, "pc2/dhclient.leases", t0 + 4 * day, t0 + 5 * day));
	assert_int_equal(bt_hostmap_count(m), 0);   /* waiting for their collections' hosts */
	assert_int_equal(bt_hostmap_resolve(m, lease_host, NULL), 0);
	struct bt_ip ip;
	bt_ip_parse("203.0.113.77", 12, &ip);
	assert_string_equal(bt_hostmap_lookup(m, &ip, t0 + day / 2)->host, "pc1");
	assert_string_equal(bt_hostmap_lookup(m, &ip, t0 + 4 * day + 1)->host, "pc2");
	assert_int_equal(bt_hostmap_lookup(m, &ip, t0 + 4 * day + 1)->how, BT_LINK_DHCP_LEASE);
	struct bt_diag quiet = {0};
	assert_int_equal(bt_hostmap_report_ambiguous(m, &quiet), 0);

	bt_evbuf_reset(&eb, BT_SOURCE_HOST_CONFIG);
	eb.ev.provider = "dhcp";
	eb.ev.host = "lnx09";
	eb.ev.time = t0 + 10 * day;
	eb.ev.file = "journal.json";
	eb.ev.line = 1;
	bt_evbuf_adds(&eb, "IpAddress", "203.0.113.77");
	bt_hostmap_learn(m, bt_evbuf_done(&eb));
	assert_string_equal(bt_hostmap_lookup(m, &ip, t0 + 10 * day)->host, "lnx09");
	assert_int_equal(bt_hostmap_lookup(m, &ip, t0 + 10 * day)->how, BT_LINK_DHCP_LOG);
	assert_string_equal(bt_hostmap_lookup(m, &ip, t0)->host, "pc1");
	bt_evbuf_free(&eb);
	bt_hostmap_free(m);
}

static void test_file_links_and_windows(void **state)
{
	(void)state;
	char path[] = "/tmp/hostmap-XXXXXX";
	int fd = mkstemp(path);
	const char text[] =
		"# name ip from until\n"
		"LAPTOP-7  10.9.9.9  2026-03-14T00:00:00Z  2026-03-14T12:00:00Z\n"
		"LAPTOP-8, 10.9.9.9, 2026-03-14T12:00:00Z\n"
		"broken-line-without-ip\n"
		"\n";
	assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	struct bt_hostmap *m = bt_hostmap_new();
	assert_int_equal(bt_hostmap_load(m, path, NULL), BT_ERR_FORMAT);
	unlink(path);
	struct bt_ip ip;
	bt_ip_parse("10.9.9.9", 8, &ip);
	bt_time morning, evening;
	assert_true(bt_time_parse("2026-03-14T08:00:00Z", 20, &morning, NULL, NULL));
	assert_true(bt_time_parse("2026-03-14T18:00:00Z", 20, &evening, NULL, NULL));
	assert_string_equal(bt_hostmap_lookup(m, &ip, morning)->host, "LAPTOP-7");
	assert_string_equal(bt_hostmap_lookup(m, &ip, evening)->host, "LAPTOP-8");
	assert_int_equal(bt_hostmap_lookup(m, &ip, evening)->how, BT_LINK_FILE);
	bt_hostmap_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_forms),
		cmocka_unit_test(test_host_key),
		cmocka_unit_test(test_learn_and_lookup),
		cmocka_unit_test(test_file_links_and_windows),
		cmocka_unit_test(test_dhcp_spans),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
