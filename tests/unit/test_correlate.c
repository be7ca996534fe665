/* Correlations and findings through the hunt pipeline: window edges, order,
 * IPv4-mapped addresses, host resolution, grouping, generate, absorption,
 * copies of one record in several files. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hunt/bt_correlate.h"
#include "hunt/bt_coverage.h"
#include "hunt/bt_hunt.h"
#include "rules/bt_sigma_load.h"

#define MIN (60LL * BT_TICKS_PER_SEC)

static const char rules_yaml[] =
	"title: Container started\n"
	"id: aaaaaaaa-0000-4000-8000-000000000001\n"
	"name: container_started\n"
	"level: medium\n"
	"tags: [attack.t1610]\n"
	"logsource: {product: docker}\n"
	"detection:\n"
	"  sel: {Action: container.start}\n"
	"  condition: sel\n"
	"---\n"
	"title: RC4 service ticket\n"
	"id: aaaaaaaa-0000-4000-8000-000000000002\n"
	"name: rc4_tgs\n"
	"level: medium\n"
	"tags: [attack.t1558.003]\n"
	"logsource: {product: windows, service: security}\n"
	"detection:\n"
	"  sel: {EventID: 4769, TicketEncryptionType: '0x17'}\n"
	"  condition: sel\n"
	"---\n"
	"title: Container then Kerberos\n"
	"id: aaaaaaaa-0000-4000-8000-000000000003\n"
	"level: high\n"
	"correlation:\n"
	"  type: temporal_ordered\n"
	"  rules: [container_started, rc4_tgs]\n"
	"  group-by: [host]\n"
	"  aliases:\n"
	"    host: {container_started: Host, rc4_tgs: ClientHost}\n"
	"  timespan: 10m\n"
	"  generate: true\n"
	"---\n"
	"title: Kerberoasting sweep\n"
	"id: aaaaaaaa-0000-4000-8000-000000000004\n"
	"level: high\n"
	"correlation:\n"
	"  type: value_count\n"
	"  rules: [rc4_tgs]\n"
	"  group-by: [IpAddress]\n"
	"  timespan: 10m\n"
	"  condition: {field: ServiceName, gte: 3}\n"
	"  generate: true\n";

struct result {
	struct bt_finding *f[64];
	size_t n;
};

static void collect(void *ctx, struct bt_finding *f)
{
	struct result *r = ctx;
	assert_true(r->n < 64);
	r->f[r->n++] = f;
}

struct world {
	char warnings[4][200];   /* the first warnings, and how many there were */
	size_t nwarnings;
	struct bt_ruleset *rules;
	struct bt_hostmap *hosts;
	struct bt_hunt *hunt;
	struct bt_evbuf eb;
	struct result res;
};

static void on_diag(void *ctx, enum bt_diag_level level, const char *file, const char *msg)
{
	(void)file;
	struct world *w = ctx;
	if (level != BT_DIAG_WARN)
		return;
	if (w->nwarnings < 4)
		snprintf(w->warnings[w->nwarnings], sizeof w->warnings[0], "%s", msg);
	w->nwarnings++;
}

static struct world *world_new(int64_t window)
{
	struct world *w = calloc(1, sizeof *w);
	if (!w)
		abort();
	char path[4096], why[256];
	const char *top = getenv("top_srcdir");
	snprintf(path, sizeof path, "%s/data/logsources.yml", top ? top : ".");
	struct bt_ruleset_opts ro = {.logsource_path = path};
	assert_int_equal(bt_ruleset_new(&ro, &w->rules, why, sizeof why), BT_OK);
	assert_int_equal(bt_ruleset_add_buf(w->rules, "test.yml", rules_yaml, sizeof rules_yaml - 1, false),
	                 BT_OK);
	assert_int_equal(bt_ruleset_finish(w->rules), BT_OK);
	w->hosts = bt_hostmap_new();
	struct bt_hunt_opts ho = {.rules = w->rules, .hosts = w->hosts, .window = window,
	                          .since = BT_TIME_NONE, .until = BT_TIME_NONE,
	                          .diag = {on_diag, w}};
	w->hunt = bt_hunt_new(&ho);
	assert_non_null(w->hunt);
	bt_evbuf_init(&w->eb);
	return w;
}

static void world_free(struct world *w)
{
	for (size_t i = 0; i < w->res.n; i++)
		bt_finding_free(w->res.f[i]);
	bt_hunt_free(w->hunt);
	bt_hostmap_free(w->hosts);
	bt_ruleset_free(w->rules);
	bt_evbuf_free(&w->eb);
	free(w);
}

static bt_time T0(void)
{
	bt_time t;
	bt_time_parse("2026-03-14T09:12:00Z", 20, &t, NULL, NULL);
	return t;
}

static void container_start(struct world *w, bt_time t, const char *file, uint64_t line)
{
	struct bt_evbuf *eb = &w->eb;
	bt_evbuf_reset(eb, BT_SOURCE_DOCKERD);
	eb->ev.time = t;
	eb->ev.channel = "docker";
	eb->ev.provider = "dockerd";
	eb->ev.host = "SRV-BUILD01.corp.local";
	eb->ev.file = file;
	eb->ev.line = line;
	bt_evbuf_adds(eb, "Action", "container.start");
	bt_evbuf_adds(eb, "ContainerID", "3f9c2a1b7d4e");
	bt_evbuf_adds(eb, "ContainerName", "updater");
	bt_hunt_event(w->hunt, bt_evbuf_done(eb));
}

static void tgs(struct world *w, bt_time t, const char *ip, const char *service, uint64_t rid,
                const char *file)
{
	struct bt_evbuf *eb = &w->eb;
	bt_evbuf_reset(eb, BT_SOURCE_EVTX);
	eb->ev.time = t;
	eb->ev.channel = "Security";
	eb->ev.provider = "Microsoft-Windows-Security-Auditing";
	eb->ev.event_id = 4769;
	eb->ev.record_id = rid;
	eb->ev.host = "DC01.corp.local";
	eb->ev.file = file;
	bt_evbuf_adds(eb, "TargetUserName", "jdoe@CORP.LOCAL");
	bt_evbuf_adds(eb, "ServiceName", service);
	bt_evbuf_adds(eb, "TicketEncryptionType", "0x17");
	bt_evbuf_adds(eb, "IpAddress", ip);
	bt_hunt_event(w->hunt, bt_evbuf_done(eb));
}

static void sysmon3(struct world *w, bt_time t)
{
	struct bt_evbuf *eb = &w->eb;
	bt_evbuf_reset(eb, BT_SOURCE_EVTX);
	eb->ev.time = t;
	eb->ev.channel = "Microsoft-Windows-Sysmon/Operational";
	eb->ev.event_id = 3;
	eb->ev.record_id = 77;
	eb->ev.host = "SRV-BUILD01.corp.local";
	eb->ev.file = "SRV-BUILD01/Sysmon.evtx";
	bt_evbuf_adds(eb, "Initiated", "true");
	bt_evbuf_adds(eb, "SourceIp", "10.20.30.41");
	bt_evbuf_adds(eb, "DestinationIp", "10.20.30.10");
	bt_hunt_event(w->hunt, bt_evbuf_done(eb));
}

static void finish(struct world *w)
{
	assert_int_equal(bt_hunt_finish(w->hunt, collect, &w->res), BT_OK);
}

static size_t count_rule(const struct world *w, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < w->res.n; i++)
		n += strcmp(w->res.f[i]->rule_id, id) == 0;
	return n;
}

static const struct bt_finding *find_rule(const struct world *w, const char *id)
{
	for (size_t i = 0; i < w->res.n; i++)
		if (strcmp(w->res.f[i]->rule_id, id) == 0)
			return w->res.f[i];
	fail_msg("no finding of rule %s", id);
	abort();
}

#define CHAIN "aaaaaaaa-0000-4000-8000-000000000003"
#define SWEEP "aaaaaaaa-0000-4000-8000-000000000004"
#define RC4 "aaaaaaaa-0000-4000-8000-000000000002"
#define START "aaaaaaaa-0000-4000-8000-000000000001"

static void test_chain_through_host_map(void **state)
{
	(void)state;
	struct world *w = world_new(0);
	/* given out of order, as several files would give them */
	tgs(w, T0() + 5 * MIN, "::ffff:10.20.30.41", "svc_sql", 100, "DC01/Security.evtx");
	sysmon3(w, T0() - 30 * MIN);
	container_start(w, T0(), "SRV-BUILD01/dockerd.log", 57);
	finish(w);
	const struct bt_finding *f = find_rule(w, CHAIN);
	assert_string_equal(f->kind, "correlation");
	assert_string_equal(f->correlation_type, "temporal_ordered");
	assert_int_equal(f->nevidence, 2);
	assert_int_equal(f->first, T0());
	assert_int_equal(f->last, T0() + 5 * MIN);
	/* two hosts, docker + Security agree: raised from high to critical */
	assert_int_equal(f->severity, BT_SEV_CRITICAL);
	assert_true(f->raised);
	assert_true(bt_strset_has(&f->techniques, "T1610"));
	assert_true(bt_strset_has(&f->techniques, "T1558.003"));
	assert_string_equal(f->container_name, "updater");
	assert_int_equal(f->notes.n, 1);
	assert_non_null(strstr(f->notes.v[0], "10.20.30.41 was SRV-BUILD01.corp.local"));
	assert_non_null(strstr(f->notes.v[0], "sysmon3-source"));
	/* the base rules generate their own findings too */
	assert_int_equal(count_rule(w, START), 1);
	assert_int_equal(count_rule(w, RC4), 1);
	/* timeline order */
	for (size_t i = 1; i < w->res.n; i++)
		assert_true(w->res.f[i - 1]->first <= w->res.f[i]->first);
	world_free(w);
}

static void test_window_edges(void **state)
{
	(void)state;
	/* exactly at the edge: inside */
	struct world *w = world_new(0);
	sysmon3(w, T0());
	container_start(w, T0(), "d.log", 1);
	tgs(w, T0() + 10 * MIN, "10.20.30.41", "svc_sql", 100, "s.evtx");
	finish(w);
	assert_int_equal(count_rule(w, CHAIN), 1);
	world_free(w);
	/* one tick later: outside */
	w = world_new(0);
	sysmon3(w, T0());
	container_start(w, T0(), "d.log", 1);
	tgs(w, T0() + 10 * MIN + 1, "10.20.30.41", "svc_sql", 100, "s.evtx");
	finish(w);
	assert_int_equal(count_rule(w, CHAIN), 0);
	world_free(w);
	/* --window widens the built-in... but this rule set is not built-in: no effect */
	w = world_new(60 * MIN);
	sysmon3(w, T0());
	container_start(w, T0(), "d.log", 1);
	tgs(w, T0() + 11 * MIN, "10.20.30.41", "svc_sql", 100, "s.evtx");
	finish(w);
	assert_int_equal(count_rule(w, CHAIN), 0);
	world_free(w);
}

static void test_order_matters(void **state)
{
	(void)state;
	struct world *w = world_new(0);
	sysmon3(w, T0());
	tgs(w, T0() + 1 * MIN, "10.20.30.41", "svc_sql", 100, "s.evtx");
	container_start(w, T0() + 2 * MIN, "d.log", 1);
	finish(w);
	assert_int_equal(count_rule(w, CHAIN), 0);
	world_free(w);
}

static void test_unresolved_host_does_not_join(void **state)
{
	(void)state;
	struct world *w = world_new(0);
	/* no Sysmon 3: nothing says 10.20.30.41 is SRV-BUILD01 */
	container_start(w, T0(), "d.log", 1);
	tgs(w, T0() + 1 * MIN, "10.20.30.41", "svc_sql", 100, "s.evtx");
	finish(w);
	assert_int_equal(count_rule(w, CHAIN), 0);
	world_free(w);
}

static void test_value_count_and_absorption(void **state)
{
	(void)state;
	struct world *w = world_new(0);
	/* mapped and plain forms of one address form one group */
	tgs(w, T0(), "::ffff:10.20.30.41", "svc_sql", 100, "s.evtx");
	tgs(w, T0() + 1 * MIN, "10.20.30.41", "svc_web", 101, "s.evtx");
	tgs(w, T0() + 2 * MIN, "::FFFF:10.20.30.41", "svc_backup", 102, "s.evtx");
	tgs(w, T0() + 3 * MIN, "10.20.30.41", "svc_sql", 103, "s.evtx");
	/* another client with two services only */
	tgs(w, T0(), "10.20.30.55", "svc_a", 200, "s.evtx");
	tgs(w, T0() + 1 * MIN, "10.20.30.55", "svc_b", 201, "s.evtx");
	finish(w);
	assert_int_equal(count_rule(w, SWEEP), 1);
	const struct bt_finding *f = find_rule(w, SWEEP);
	assert_int_equal(f->nevidence, 4);
	assert_non_null(strstr(f->summary, "3 distinct ServiceName"));
	assert_non_null(strstr(f->summary, "svc_backup"));
	/* the sweep's events are not reported again by the RC4 rule; the other
	 * client's two tickets still are */
	assert_int_equal(count_rule(w, RC4), 1);
	assert_int_equal(find_rule(w, RC4)->nevidence, 2);
	world_free(w);
}

static void test_copies_are_merged(void **state)
{
	(void)state;
	struct world *w = world_new(0);
	tgs(w, T0(), "10.20.30.99", "svc_x", 500, "DC01/Security.evtx");
	tgs(w, T0(), "10.20.30.99", "svc_x", 500, "vss1/DC01/Security.evtx");
	finish(w);
	assert_int_equal(count_rule(w, RC4), 1);
	const struct bt_finding *f = find_rule(w, RC4);
	assert_int_equal(f->nevidence, 1);
	assert_int_equal(f->evidence[0]->ncopies, 2);
	world_free(w);
}

static void test_grouping_gap(void **state)
{
	(void)state;
	struct world *w = world_new(5 * MIN);
	tgs(w, T0(), "10.20.30.99", "svc_x", 1, "s.evtx");
	tgs(w, T0() + 4 * MIN, "10.20.30.99", "svc_x", 2, "s.evtx");
	tgs(w, T0() + 20 * MIN, "10.20.30.99", "svc_x", 3, "s.evtx");
	finish(w);
	assert_int_equal(count_rule(w, RC4), 2);  /* a gap longer than the window splits */
	world_free(w);
}

/* More events in one group's window than BT_CORR_MAX_WINDOW: the oldest leave
 * early, said once, and the correlation still fires. */
static void test_window_cap(void **state)
{
	(void)state;
	struct world *w = world_new(10 * MIN);
	char svc[32];
	for (int i = 0; i < BT_CORR_MAX_WINDOW + 10; i++) {
		snprintf(svc, sizeof svc, "svc_%d", i % 5);
		tgs(w, T0() + i * 1000, "10.20.30.41", svc, (uint64_t)i + 1, "dc.evtx");
	}
	finish(w);
	/* once per correlation whose group fills: the sweep's and the chain's */
	assert_int_equal(w->nwarnings, 2);
	for (size_t i = 0; i < 2; i++)
		assert_non_null(strstr(w->warnings[i], "more than 100000 events in one window"));
	assert_true(strstr(w->warnings[0], "Kerberoasting sweep") ||
	            strstr(w->warnings[1], "Kerberoasting sweep"));
	assert_int_equal(count_rule(w, SWEEP), 1);
	/* every event counted once, though the window was full for most */
	const struct bt_finding *f = find_rule(w, SWEEP);
	assert_int_equal(f->evidence_total, BT_CORR_MAX_WINDOW + 10);
	assert_int_equal(f->nevidence, BT_FINDING_MAX_EVIDENCE);
	world_free(w);
}

/* More groups at once than BT_CORR_MAX_GROUPS: new groups are not followed,
 * said once; the groups already followed still fire. */
static void test_groups_cap(void **state)
{
	(void)state;
	struct world *w = world_new(10 * MIN);
	char ip[32];
	for (int i = 0; i < 3; i++)
		tgs(w, T0(), "10.20.30.41", i == 0 ? "svc_a" : i == 1 ? "svc_b" : "svc_c",
		    (uint64_t)i + 1, "dc.evtx");
	for (int i = 0; i < BT_CORR_MAX_GROUPS + 5; i++) {
		snprintf(ip, sizeof ip, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		tgs(w, T0() + 1000 + i, ip, "svc_x", (uint64_t)i + 10, "dc.evtx");
	}
	finish(w);
	/* once per correlation grouping by the client: the sweep and the chain */
	assert_int_equal(w->nwarnings, 2);
	for (size_t i = 0; i < 2; i++)
		assert_non_null(strstr(w->warnings[i], "more than 200000 groups at once"));
	assert_int_equal(count_rule(w, SWEEP), 1);
	world_free(w);
}

/* Timespans past 100 years are refused: 30000y overflowed the window in
 * 100 ns ticks (UBSan, signed overflow). */
static void test_timespan_cap(void **state)
{
	(void)state;
	uint64_t sec = 0;
	assert_true(bt_sigma_parse_timespan("100y", &sec));
	assert_int_equal(sec, BT_SIGMA_MAX_TIMESPAN);
	assert_false(bt_sigma_parse_timespan("101y", &sec));
	assert_false(bt_sigma_parse_timespan("30000y", &sec));
	assert_false(bt_sigma_parse_timespan("999999999M", &sec));
	assert_true(bt_sigma_parse_timespan("10m", &sec));
	assert_int_equal(sec, 600);
}

/* Values longer than the room a correlation keeps (255 bytes) that differ
 * only past it stay distinct; equal ones (case aside) stay equal. */
static void test_long_values_stay_distinct(void **state)
{
	(void)state;
	char a[400], b[400], c[400];
	memset(a, 'x', 399);
	a[399] = '\0';
	memcpy(b, a, sizeof a);
	b[350] = 'y';
	memcpy(c, a, sizeof a);
	c[0] = 'X';    /* the same value in another case */
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	char va[256], vb[256], vc[256];
	const char *vals[3] = {a, b, c};
	char *outs[3] = {va, vb, vc};
	for (int k = 0; k < 3; k++) {
		bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
		assert_true(bt_evbuf_adds(&eb, "CommandLine", vals[k]));
		assert_true(bt_correlate_value(bt_evbuf_done(&eb), "CommandLine", NULL, outs[k], 256, NULL));
		assert_int_equal(strlen(outs[k]), 255);
	}
	assert_string_not_equal(va, vb);
	assert_string_equal(va, vc);
	assert_memory_equal(va, vb, 200);   /* the start is the value's own */
	/* a value that fits is kept whole */
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	assert_true(bt_evbuf_adds(&eb, "CommandLine", "Cmd.exe /c Whoami"));
	assert_true(bt_correlate_value(bt_evbuf_done(&eb), "CommandLine", NULL, va, 256, NULL));
	assert_string_equal(va, "cmd.exe /c whoami");
	bt_evbuf_free(&eb);
}

/* Log spans: how far back a host's log reaches from a time, across rotated
 * files; host names by their first label, channels without case. */
static void test_coverage_spans(void **state)
{
	(void)state;
	struct bt_coverage *c = bt_coverage_new();
	assert_non_null(c);
	const bt_time H = 60 * MIN;
	/* DC01's Security log in two files a few seconds apart, then a gap */
	bt_coverage_add(c, "DC01.corp.internal", "Security", "a.evtx", 0, 5 * H);
	bt_coverage_add(c, "dc01", "security", "b.evtx", 5 * H + 30 * BT_TICKS_PER_SEC, 9 * H);
	bt_coverage_add(c, "DC01", "Security", "c.evtx", 10 * H, 12 * H);
	bt_coverage_add(c, "DC02", "Security", "d.evtx", 2 * H, 12 * H);
	const char *file = NULL;
	/* 8h: b.evtx joins a.evtx (30 s apart), so the log reaches back to 0 */
	assert_int_equal(bt_coverage_since(c, "dc01.corp.internal", "SECURITY", 8 * H, &file), 0);
	assert_string_equal(file, "a.evtx");
	/* 11h: c.evtx begins after an hour's gap: covered from 10h only */
	assert_int_equal(bt_coverage_since(c, "DC01", "Security", 11 * H, &file), 10 * H);
	assert_string_equal(file, "c.evtx");
	/* in the gap, and before any file: not covered */
	assert_true(bt_coverage_since(c, "DC01", "Security", 9 * H + 30 * MIN, NULL) == BT_TIME_NONE);
	assert_true(bt_coverage_since(c, "DC02", "Security", H, NULL) == BT_TIME_NONE);
	/* another channel of the host, another host */
	assert_true(bt_coverage_since(c, "DC01", "System", 3 * H, NULL) == BT_TIME_NONE);
	assert_true(bt_coverage_since(c, "DC03", "Security", 3 * H, NULL) == BT_TIME_NONE);
	/* a second report of one file widens it, not a second span */
	bt_coverage_add(c, "DC02", "Security", "d.evtx", H, 3 * H);
	assert_int_equal(bt_coverage_since(c, "DC02", "Security", 4 * H, NULL), H);
	struct bt_coverage_span sp;
	size_t n = 0;
	while (bt_coverage_get(c, n, &sp))
		n++;
	assert_int_equal(n, 4);
	bt_coverage_free(c);
}

/* The Kerberos virtual fields, exactly as written and for grouping. */
static void test_kerberos_fields(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	bt_evbuf_adds(&eb, "TargetUserName", "Administrator@CORP.internal");
	bt_evbuf_adds(&eb, "TargetDomainName", "CORP");
	bt_evbuf_adds(&eb, "TicketEncryptionType", "0x17");
	const struct bt_event *ev = bt_evbuf_done(&eb);
	char v[256];
	assert_true(bt_correlate_exact_value(ev, "TicketAccount", v, sizeof v));
	assert_string_equal(v, "Administrator");
	assert_true(bt_correlate_exact_value(ev, "TicketRealm", v, sizeof v));
	assert_string_equal(v, "CORP.internal");
	assert_true(bt_correlate_exact_value(ev, "RealmKey", v, sizeof v));
	assert_string_equal(v, "CORP");
	assert_true(bt_correlate_exact_value(ev, "DomainKey", v, sizeof v));
	assert_string_equal(v, "CORP");
	assert_true(bt_correlate_exact_value(ev, "TicketCipher", v, sizeof v));
	assert_string_equal(v, "RC4");
	/* for grouping, without case */
	assert_true(bt_correlate_value(ev, "RealmKey", NULL, v, sizeof v, NULL));
	assert_string_equal(v, "corp");
	assert_true(bt_correlate_value(ev, "TicketAccount", NULL, v, sizeof v, NULL));
	assert_string_equal(v, "administrator");
	/* DOMAIN\user, no realm: the realm is the domain name */
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	bt_evbuf_adds(&eb, "TargetUserName", "NORTHWIND\\jsmith");
	bt_evbuf_adds(&eb, "TargetDomainName", "northwind.lan");
	bt_evbuf_adds(&eb, "TicketEncryptionType", "0x12");
	ev = bt_evbuf_done(&eb);
	assert_true(bt_correlate_exact_value(ev, "TicketAccount", v, sizeof v));
	assert_string_equal(v, "jsmith");
	assert_true(bt_correlate_exact_value(ev, "TicketRealm", v, sizeof v));
	assert_string_equal(v, "northwind.lan");
	assert_true(bt_correlate_exact_value(ev, "TicketCipher", v, sizeof v));
	assert_string_equal(v, "AES");
	/* no such field: no value */
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	bt_evbuf_adds(&eb, "TargetUserName", "-");
	ev = bt_evbuf_done(&eb);
	assert_false(bt_correlate_exact_value(ev, "TicketAccount", v, sizeof v));
	assert_false(bt_correlate_exact_value(ev, "TicketCipher", v, sizeof v));
	bt_evbuf_free(&eb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_values_stay_distinct),
		cmocka_unit_test(test_chain_through_host_map),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_order_matters),
		cmocka_unit_test(test_unresolved_host_does_not_join),
		cmocka_unit_test(test_value_count_and_absorption),
		cmocka_unit_test(test_copies_are_merged),
		cmocka_unit_test(test_grouping_gap),
		cmocka_unit_test(test_window_cap),
		cmocka_unit_test(test_timespan_cap),
		cmocka_unit_test(test_groups_cap),
		cmocka_unit_test(test_coverage_spans),
		cmocka_unit_test(test_kerberos_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
