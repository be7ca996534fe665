/* bt_ruleset end to end: rules from YAML text, events built in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "evtx/bt_evtx_map.h"
#include "rules/bt_ruleset.h"

static const char mapping[] =
	"windows:\n"
	"  default: [{evtx: true}]\n"
	"  services:\n"
	"    security: [{channel: Security}]\n"
	"    system: [{channel: System}]\n"
	"    docker: [{channel: Application, providers: [docker]}]\n"
	"  categories:\n"
	"    process_creation:\n"
	"      - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [1]}\n"
	"      - channel: Security\n"
	"        event_ids: [4688]\n"
	"        fields: {Image: NewProcessName, ParentImage: ParentProcessName}\n"
	"    registry_add:\n"
	"      - channel: Microsoft-Windows-Sysmon/Operational\n"
	"        event_ids: [12]\n"
	"        require: {EventType: [CreateKey]}\n"
	"docker:\n"
	"  default: [{channel: docker}]\n";

static struct bt_ruleset *load(const char *yaml)
{
	struct bt_ruleset_opts o = {.logsource_yaml = mapping, .logsource_len = strlen(mapping)};
	struct bt_ruleset *rs;
	char why[256];
	assert_int_equal(bt_ruleset_new(&o, &rs, why, sizeof why), BT_OK);
	assert_int_equal(bt_ruleset_add_buf(rs, "test.yml", yaml, strlen(yaml), false), BT_OK);
	assert_int_equal(bt_ruleset_finish(rs), BT_OK);
	return rs;
}

/* Builds an event: channel, event id, then NULL-terminated name/value pairs;
 * a name starting with '+' adds a BT_FIELD_LIST element. */
static const struct bt_event *mkev(struct bt_evbuf *eb, const char *channel, uint32_t eid, ...)
{
	bt_evbuf_reset(eb, strcmp(channel, "docker") == 0 ? BT_SOURCE_DOCKERD : BT_SOURCE_EVTX);
	eb->ev.channel = bt_evbuf_str(eb, channel, strlen(channel));
	eb->ev.event_id = eid;
	eb->ev.provider = bt_evbuf_str(eb, "prov", 4);
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
		bt_evbuf_add(eb, n, strlen(n), v, strlen(v), fl);
	}
	va_end(ap);
	return bt_evbuf_done(eb);
}

struct hits {
	unsigned n;
	char ids[8][64];
};

static int on_hit(void *ctx, const struct bt_hit *h)
{
	struct hits *c = ctx;
	if (c->n < 8)
		snprintf(c->ids[c->n], 64, "%s", h->rule->sigma->id ? h->rule->sigma->id : "");
	c->n++;
	return 0;
}

static unsigned hits(struct bt_ruleset *rs, const struct bt_event *ev)
{
	struct hits c = {0};
	size_t n = bt_ruleset_match(rs, ev, on_hit, &c);
	assert_int_equal(n, c.n);
	return c.n;
}

#define RULE(ls, det)                                                                        \
	"title: t\nid: r1\nlogsource:\n" ls "detection:\n" det

static void test_null_exists(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	struct bt_ruleset *rs = load(RULE("  product: windows\n  service: security\n",
	                                  "  sel:\n    EventID: 4738\n"
	                                  "  f_null:\n    PasswordLastSet: null\n"
	                                  "  f_exists:\n    Extra|exists: true\n"
	                                  "  condition: sel and not f_null and not f_exists\n"));
	assert_int_equal(hits(rs, mkev(&eb, "Security", 4738, "PasswordLastSet", "1/1/2024", NULL)), 1);
	/* null: absent or empty */
	assert_int_equal(hits(rs, mkev(&eb, "Security", 4738, "Other", "x", NULL)), 0);
	assert_int_equal(hits(rs, mkev(&eb, "Security", 4738, "PasswordLastSet", "", NULL)), 0);
	/* exists: present, whatever the value (even empty) */
	assert_int_equal(hits(rs, mkev(&eb, "Security", 4738, "PasswordLastSet", "x", "Extra", "",
	                               NULL)),
	                 0);
	bt_ruleset_free(rs);
	rs = load(RULE("  product: windows\n  service: security\n",
	               "  sel:\n    Extra|exists: false\n  condition: sel\n"));
	assert_int_equal(hits(rs, mkev(&eb, "Security", 1, "A", "x", NULL)), 1);
	assert_int_equal(hits(rs, mkev(&eb, "Security", 1, "Extra", "x", NULL)), 0);
	bt_ruleset_free(rs);
	bt_evbuf_free(&eb);
}

static void test_fieldref_keywords(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	struct bt_ruleset *rs = load(RULE("  product: windows\n  service: security\n",
	                                  "  sel:\n    SubjectUserName|fieldref: TargetUserName\n"
	                                  "  condition: sel\n"));
	assert_int_equal(hits(rs, mkev(&eb, "Security", 1, "SubjectUserName", "Bob",
	                               "TargetUserName", "bob", NULL)),
	                 1);
	assert_int_equal(hits(rs, mkev(&eb, "Security", 1, "SubjectUserName", "Bob",
	                               "TargetUserName", "alice", NULL)),
	                 0);
	assert_int_equal(hits(rs, mkev(&eb, "Security", 1, "SubjectUserName", "Bob", NULL)), 0);
	bt_ruleset_free(rs);

	/* keywords search every non-System field value, as substrings */
	rs = load(RULE("  product: windows\n  service: system\n",
	               "  keywords:\n    - 'mimikatz'\n    - 'sekurlsa'\n  condition: keywords\n"));
	assert_int_equal(hits(rs, mkev(&eb, "System", 7045, "ImagePath", "C:\\x\\MIMIKATZ.exe", NULL)),
	                 1);
	assert_int_equal(hits(rs, mkev(&eb, "System", 7045, "ImagePath", "C:\\x\\svc.exe", NULL)), 0);
	bt_ruleset_free(rs);
	rs = load(RULE("  product: windows\n  service: system\n",
	               "  keywords:\n    '|all':\n      - 'alpha'\n      - 'beta'\n"
	               "  condition: keywords\n"));
	assert_int_equal(hits(rs, mkev(&eb, "System", 1, "A", "alpha", "B", "xbetax", NULL)), 1);
	assert_int_equal(hits(rs, mkev(&eb, "System", 1, "A", "alpha", NULL)), 0);
	bt_ruleset_free(rs);
	bt_evbuf_free(&eb);
}

static void test_fields_lists_case(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	/* multi-valued: any element; all: each value some element; Data[N]; name case fallback */
	struct bt_ruleset *rs = load(RULE("  product: docker\n",
	                                  "  sel:\n    CapAdd: SYS_ADMIN\n"
	                                  "  both:\n    Binds|contains|all: ['/etc', '/root']\n"
	                                  "  pos:\n    Data[1]: second\n"
	                                  "  lower:\n    containername: web\n"
	                                  "  condition: 1 of them\n"));
	assert_int_equal(hits(rs, mkev(&eb, "docker", 0, "+CapAdd", "NET_RAW", "+CapAdd", "sys_admin",
	                               NULL)),
	                 1);
	assert_int_equal(hits(rs, mkev(&eb, "docker", 0, "+CapAdd", "NET_RAW", NULL)), 0);
	assert_int_equal(hits(rs, mkev(&eb, "docker", 0, "+Binds", "/etc:/h/etc", "+Binds",
	                               "/root:/h/root", NULL)),
	                 1);
	assert_int_equal(hits(rs, mkev(&eb, "docker", 0, "+Binds", "/etc:/h/etc", NULL)), 0);
	assert_int_equal(hits(rs, mkev(&eb, "docker", 0, "+Data", "first", "+Data", "second", NULL)),
	                 1);
	assert_int_equal(hits(rs, mkev(&eb, "docker", 0, "+Data", "second", "+Data", "first", NULL)),
	                 0);
	assert_int_equal(hits(rs, mkev(&eb, "docker", 0, "ContainerName", "web", NULL)), 1);
	/* not an EVTX event: a windows rule never sees it, a docker rule does */
	assert_false(bt_ruleset_wants(rs, mkev(&eb, "Security", 4624, NULL)));
	assert_true(bt_ruleset_wants(rs, mkev(&eb, "docker", 0, NULL)));
	bt_ruleset_free(rs);
	bt_evbuf_free(&eb);
}

static void test_eventid_index(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	struct bt_ruleset *rs = load(
		"title: a\nid: ra\nlogsource: {product: windows, service: security}\n"
		"detection:\n  sel:\n    EventID: [4768, 4769]\n    Status: '0x6'\n  condition: sel\n"
		"---\n"
		"title: b\nid: rb\nlogsource: {product: windows, service: security}\n"
		"detection:\n  sel:\n    EventID: 4624\n  condition: sel\n");
	assert_true(bt_ruleset_wants(rs, mkev(&eb, "Security", 4769, NULL)));
	assert_true(bt_ruleset_wants(rs, mkev(&eb, "security", 4624, NULL)));   /* channel case */
	assert_false(bt_ruleset_wants(rs, mkev(&eb, "Security", 4625, NULL)));
	assert_false(bt_ruleset_wants(rs, mkev(&eb, "System", 4624, NULL)));
	assert_int_equal(hits(rs, mkev(&eb, "Security", 4768, "Status", "0x6", NULL)), 1);
	assert_int_equal(hits(rs, mkev(&eb, "Security", 4771, "Status", "0x6", NULL)), 0);
	assert_int_equal(hits(rs, mkev(&eb, "Security", 4624, NULL)), 1);
	bt_ruleset_free(rs);
	bt_evbuf_free(&eb);
}

/* The last channel looked up is remembered per thread: a second rule set,
 * even one allocated where the first was, must get its own answer. */
static void test_channel_cache_per_ruleset(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	struct bt_ruleset *a = load(
		"title: a\nid: ra\nlogsource: {product: windows, service: security}\n"
		"detection:\n  sel:\n    EventID: 4624\n  condition: sel\n");
	assert_true(bt_ruleset_wants(a, mkev(&eb, "Security", 4624, NULL)));
	bt_ruleset_free(a);
	struct bt_ruleset *b = load(
		"title: b\nid: rb\nlogsource: {product: windows, service: system}\n"
		"detection:\n  sel:\n    EventID: 4624\n  condition: sel\n");
	assert_false(bt_ruleset_wants(b, mkev(&eb, "Security", 4624, NULL)));
	assert_true(bt_ruleset_wants(b, mkev(&eb, "System", 4624, NULL)));
	assert_false(bt_ruleset_wants(b, mkev(&eb, "Security", 4624, NULL)));
	bt_ruleset_free(b);
	bt_evbuf_free(&eb);
}

static void test_mapping_variants(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	struct bt_ruleset *rs = load(
		"title: p\nid: rp\nlogsource: {product: windows, category: process_creation}\n"
		"detection:\n  sel:\n    Image|endswith: '\\whoami.exe'\n"
		"    ParentImage|endswith: '\\cmd.exe'\n  condition: sel\n"
		"---\n"
		"title: r\nid: rr\nlogsource: {product: windows, category: registry_add}\n"
		"detection:\n  sel:\n    TargetObject|contains: '\\Run'\n  condition: sel\n"
		"---\n"
		"title: d\nid: rd\nlogsource: {product: windows, service: docker}\n"
		"detection:\n  sel:\n    Data[0]|contains: 'API listen'\n  condition: sel\n");
	const struct bt_rule_info *ri = bt_ruleset_find(rs, "rp");
	assert_non_null(ri);
	assert_int_equal(ri->nvariants, 2);
	assert_int_equal(hits(rs, mkev(&eb, "Microsoft-Windows-Sysmon/Operational", 1, "Image",
	                               "C:\\W\\whoami.exe", "ParentImage", "C:\\W\\cmd.exe", NULL)),
	                 1);
	/* Security 4688 under its own field names */
	assert_int_equal(hits(rs, mkev(&eb, "Security", 4688, "NewProcessName", "C:\\W\\whoami.exe",
	                               "ParentProcessName", "C:\\W\\cmd.exe", NULL)),
	                 1);
	assert_int_equal(hits(rs, mkev(&eb, "Security", 4689, "NewProcessName", "C:\\W\\whoami.exe",
	                               "ParentProcessName", "C:\\W\\cmd.exe", NULL)),
	                 0);
	/* require: EventType CreateKey */
	assert_int_equal(hits(rs, mkev(&eb, "Microsoft-Windows-Sysmon/Operational", 12, "EventType",
	                               "CreateKey", "TargetObject", "HKLM\\x\\Run\\y", NULL)),
	                 1);
	assert_int_equal(hits(rs, mkev(&eb, "Microsoft-Windows-Sysmon/Operational", 12, "EventType",
	                               "DeleteKey", "TargetObject", "HKLM\\x\\Run\\y", NULL)),
	                 0);
	/* provider restriction: the event's provider is "prov", not docker */
	assert_false(bt_ruleset_wants(rs, mkev(&eb, "Application", 1, NULL)));
	bt_ruleset_free(rs);
	bt_evbuf_free(&eb);
}

static void test_states(void **state)
{
	(void)state;
	struct bt_ruleset *rs = load(
		"title: ok\nid: x1\nname: base\nlogsource: {product: windows, service: security}\n"
		"tags: [attack.credential-access, attack.t1558.003, attack.t1110]\nlevel: high\n"
		"detection:\n  sel:\n    EventID: 1\n  condition: sel\n"
		"---\n"
		"title: dup\nid: x1\nlogsource: {product: windows, service: security}\n"
		"detection:\n  sel:\n    EventID: 2\n  condition: sel\n"
		"---\n"
		"title: never\nid: x3\nlogsource: {product: windows, category: process_creation}\n"
		"detection:\n  sel:\n    EventID: 4624\n  condition: sel\n"
		"---\n"
		"title: corr\nid: x4\ncorrelation:\n  type: value_count\n  rules: [base]\n"
		"  group-by: [IpAddress]\n  timespan: 1h\n  condition: {field: User, gte: 5}\n"
		"---\n"
		"title: nodet\nid: x5\nlogsource: {product: windows}\n");
	struct bt_ruleset_counts c;
	bt_ruleset_counts(rs, &c);
	assert_int_equal(c.loaded, 1);
	assert_int_equal(c.correlations, 1);
	assert_int_equal(c.skipped, 3);
	const struct bt_rule_info *ri = bt_ruleset_info(rs, 0);
	assert_int_equal(ri->state, BT_RULE_LOADED);
	assert_int_equal(ri->sigma->level, BT_LEVEL_HIGH);
	assert_int_equal(ri->sigma->nattack, 2);
	assert_string_equal(ri->sigma->attack[0], "T1558.003");
	assert_string_equal(ri->sigma->attack[1], "T1110");
	assert_true(strstr(bt_ruleset_info(rs, 1)->reason, "duplicate") != NULL);
	assert_true(strstr(bt_ruleset_info(rs, 2)->reason, "never occur") != NULL);
	ri = bt_ruleset_find(rs, "x4");
	assert_non_null(ri);
	assert_int_equal(ri->state, BT_RULE_CORRELATION);
	assert_int_equal(ri->sigma->correlation->type, BT_CORR_VALUE_COUNT);
	assert_int_equal(ri->sigma->correlation->timespan_sec, 3600);
	assert_string_equal(ri->sigma->correlation->field, "User");
	assert_int_equal(ri->sigma->correlation->conds[0].op, BT_CORR_GTE);
	assert_int_equal(ri->sigma->correlation->conds[0].value, 5);
	assert_ptr_equal(bt_ruleset_find(rs, "base"), bt_ruleset_info(rs, 0));
	assert_true(strstr(bt_ruleset_info(rs, 4)->reason, "no detection") != NULL);
	bt_ruleset_free(rs);
}

static void test_one_hit_per_rule_and_clone(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	/* product-only and service rules both see the event; each rule hits once */
	struct bt_ruleset *rs = load(
		"title: any\nid: y1\nlogsource: {product: windows}\n"
		"detection:\n  a:\n    X: '1'\n  b:\n    Y: '2'\n  condition: a or b\n"
		"---\n"
		"title: sec\nid: y2\nlogsource: {product: windows, service: security}\n"
		"detection:\n  a:\n    X: 1\n  condition: a\n");
	const struct bt_event *ev = mkev(&eb, "Security", 7, "X", "1", "Y", "2", NULL);
	assert_int_equal(hits(rs, ev), 2);
	struct bt_hit h = {bt_ruleset_find(rs, "y1"), ev};
	struct bt_hit *k = bt_hit_clone(&h);
	assert_non_null(k);
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	assert_string_equal(k->event->channel, "Security");
	assert_string_equal(k->rule->sigma->title, "any");
	bt_hit_free(k);
	bt_hit_free(NULL);
	bt_ruleset_free(rs);
	bt_ruleset_free(NULL);
	bt_evbuf_free(&eb);
}

static void test_bad_yaml(void **state)
{
	(void)state;
	struct bt_ruleset_opts o = {.logsource_yaml = mapping, .logsource_len = strlen(mapping)};
	struct bt_ruleset *rs;
	char why[256];
	assert_int_equal(bt_ruleset_new(&o, &rs, why, sizeof why), BT_OK);
	/* an alias bomb is refused, not expanded */
	const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	                   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	                   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	                   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	                   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	                   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
	assert_int_equal(bt_ruleset_add_buf(rs, "bomb.yml", bomb, strlen(bomb), false), BT_OK);
	const char *bad = "title: [unclosed\n";
	assert_int_equal(bt_ruleset_add_buf(rs, "bad.yml", bad, strlen(bad), false), BT_OK);
	assert_int_equal(bt_ruleset_finish(rs), BT_OK);
	struct bt_ruleset_counts c;
	bt_ruleset_counts(rs, &c);
	assert_int_equal(c.unreadable, 2);
	assert_true(strstr(bt_ruleset_info(rs, 0)->reason, "too large") != NULL);
	bt_ruleset_free(rs);
	/* a broken mapping is an error */
	o.logsource_yaml = "windows: [1, 2]\n";
	o.logsource_len = strlen(o.logsource_yaml);
	assert_int_not_equal(bt_ruleset_new(&o, &rs, why, sizeof why), BT_OK);
}

/* Typed UTF-16 fields as the native EVTX reader leaves them: units from
 * ASCII text, '~' standing for a lone high surrogate (0xD800), '^' for
 * U+00E9 and '#' for a NUL. */
struct typed {
	struct bt_evbuf eb;
	uint8_t raw[8][128];
	size_t n;
};

static void typed_begin(struct typed *t, const char *channel, uint32_t eid)
{
	bt_evbuf_reset(&t->eb, BT_SOURCE_EVTX);
	t->eb.render = bt_evmap_render_typed;
	t->eb.put = bt_evmap_put_typed;
	t->eb.utf16 = bt_evmap_utf16;
	t->eb.uint = bt_evmap_uint;
	t->eb.ev.channel = bt_evbuf_str(&t->eb, channel, strlen(channel));
	t->eb.ev.provider = bt_evbuf_str(&t->eb, "prov", 4);
	t->eb.ev.event_id = eid;
	t->n = 0;
}

/* A typed unsigned integer of `size` bytes (1, 2, 4 or 8). */
static void typed_uint(struct typed *t, const char *name, uint64_t v, size_t size)
{
	assert_true(t->n < 8);
	uint8_t *r = t->raw[t->n++];
	for (size_t i = 0; i < size; i++)
		r[i] = (uint8_t)(v >> (8 * i));
	static const uint8_t types[9] = {[1] = BT_XV_UINT8, [2] = BT_XV_UINT16, [4] = BT_XV_UINT32,
	                                 [8] = BT_XV_UINT64};
	assert_true(bt_evbuf_add_typed(&t->eb, name, strlen(name), true, types[size], 0, r, size, 0));
}

static void typed_add(struct typed *t, const char *name, const char *v)
{
	assert_true(t->n < 8 && strlen(v) <= 64);
	uint8_t *r = t->raw[t->n++];
	size_t k = 0;
	for (const char *p = v; *p; p++, k += 2) {
		unsigned u = *p == '~' ? 0xD800 : *p == '^' ? 0xE9 : *p == '#' ? 0 : (unsigned char)*p;
		r[k] = (uint8_t)u;
		r[k + 1] = (uint8_t)(u >> 8);
	}
	assert_true(bt_evbuf_add_typed(&t->eb, name, strlen(name), true, BT_XV_STRING, 0, r, k, 0));
}

/* Whether the first field of that name has its text made. */
static bool rendered(const struct bt_event *ev, const char *name)
{
	for (size_t i = 0; i < ev->nfields; i++)
		if (strcmp(ev->fields[i].name, name) == 0)
			return ev->fields[i].text != NULL;
	fail_msg("no field %s", name);
	return false;
}

/* Rules on typed string fields: equality, prefix and suffix told on the
 * units give the answers the text gives (hostile units included), a field
 * they decide is not rendered, other tests render it; a name looked up by
 * several rules of an event, in another case, past the per-event cache,
 * and multi-valued, finds the same fields. */
static void test_typed_fields(void **state)
{
	(void)state;
	struct typed t;
	bt_evbuf_init(&t.eb);
	struct bt_ruleset *rs = load(
		"title: a\nid: ra\nlogsource: {category: process_creation, product: windows}\n"
		"detection:\n  sel:\n    Image|endswith: ['\\cmd.exe', '\\pwsh.exe']\n  condition: sel\n"
		"---\n"
		"title: b\nid: rb\nlogsource: {product: windows, service: security}\n"
		"detection:\n  sel:\n    EventID: 4688\n    NewProcessName|startswith: 'C:\\Windows\\'\n"
		"    CommandLine|contains: whoami\n  condition: sel\n"
		"---\n"
		"title: c\nid: rc\nlogsource: {product: windows, service: security}\n"
		"detection:\n  sel:\n    TargetUserName: 'ADMIN$'\n  condition: sel\n"
		"---\n"
		"title: d\nid: rd\nlogsource: {product: windows, service: security}\n"
		"detection:\n  sel:\n    targetusername|endswith: '$'\n    EventData.TargetUserName|startswith: admin\n"
		"  condition: sel\n");
	struct hits c;

	/* suffix told on the units, case folded; the other rules' fields */
	typed_begin(&t, "Security", 4688);
	typed_add(&t, "NewProcessName", "C:\\WINDOWS\\System32\\CMD.EXE");
	typed_add(&t, "CommandLine", "cmd /c whoami");
	typed_add(&t, "TargetUserName", "bob");
	const struct bt_event *ev = bt_evbuf_done(&t.eb);
	memset(&c, 0, sizeof c);
	assert_int_equal(bt_ruleset_match(rs, ev, on_hit, &c), 2);
	assert_string_equal(c.ids[0], "ra");
	assert_string_equal(c.ids[1], "rb");
	/* TargetUserName was decided on its units: never rendered */
	assert_false(rendered(ev, "TargetUserName"));
	assert_true(rendered(ev, "CommandLine"));

	/* a lone high surrogate before the suffix takes its first unit along:
	 * the text is made and says no; a NUL ends the text */
	typed_begin(&t, "Security", 4688);
	typed_add(&t, "NewProcessName", "C:~\\cmd.exe");
	typed_add(&t, "TargetUserName", "ADMIN$#garbage");
	ev = bt_evbuf_done(&t.eb);
	memset(&c, 0, sizeof c);
	assert_int_equal(bt_ruleset_match(rs, ev, on_hit, &c), 2);
	assert_string_equal(c.ids[0], "rc");
	assert_string_equal(c.ids[1], "rd");
	assert_true(rendered(ev, "NewProcessName"));

	/* non-ASCII where the literal is ASCII: no match, nothing rendered */
	typed_begin(&t, "Security", 4688);
	typed_add(&t, "NewProcessName", "C:\\x\\cmd.ex^");
	typed_add(&t, "TargetUserName", "ADMIN^");
	typed_add(&t, "TargetUserName", "admin$");   /* a second value of the name */
	ev = bt_evbuf_done(&t.eb);
	memset(&c, 0, sizeof c);
	assert_int_equal(bt_ruleset_match(rs, ev, on_hit, &c), 2);
	assert_string_equal(c.ids[0], "rc");
	assert_string_equal(c.ids[1], "rd");
	assert_false(rendered(ev, "NewProcessName"));
	bt_ruleset_free(rs);

	/* typed unsigned integers against decimal values, at the types' limits:
	 * compared as numbers (never rendered), the same answers as their text;
	 * values that are no plain decimal ("03", past 32 bits, startswith) are
	 * tested on the text */
	rs = load("title: u\nid: ru\nlogsource: {product: windows, service: security}\n"
	          "detection:\n  sel:\n    LogonType: [3, 255, 65535, 4294967295]\n  condition: sel\n");
	struct bt_ruleset *rv = load(
		"title: v\nid: rv\nlogsource: {product: windows, service: security}\n"
		"detection:\n  sel:\n    LogonType: ['03', 18446744073709551615]\n"
		"  pre:\n    LogonType|startswith: '65'\n  condition: sel or pre\n");
	static const struct {
		uint64_t v;
		size_t size;
		unsigned want;   /* 1: ru, 2: rv, 3: both */
	} nums[] = {
		{3, 1, 1}, {3, 8, 1}, {0, 4, 0}, {255, 1, 1}, {254, 1, 0}, {65535, 2, 3},
		{65536, 4, 2}, {4294967295u, 4, 1}, {4294967296u, 8, 0}, {30, 2, 0},
		{18446744073709551615u, 8, 2}, {653, 2, 2}, {0x103, 2, 0}, {0x300000003u, 8, 0},
	};
	for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
		typed_begin(&t, "Security", 4624);
		typed_uint(&t, "LogonType", nums[i].v, nums[i].size);
		ev = bt_evbuf_done(&t.eb);
		unsigned got = hits(rs, ev) ? 1u : 0u;
		/* told as a number: never rendered */
		assert_false(rendered(ev, "LogonType"));
		got |= hits(rv, ev) ? 2u : 0u;
		assert_true(rendered(ev, "LogonType"));
		if (got != nums[i].want)
			fail_msg("LogonType %llu (%zu bytes): rules %u, want %u",
			         (unsigned long long)nums[i].v, nums[i].size, got, nums[i].want);
	}
	bt_ruleset_free(rv);
	bt_ruleset_free(rs);

	/* more names than the per-event cache holds, each looked up twice */
	char yaml[4096];
	size_t k = (size_t)snprintf(yaml, sizeof yaml,
	                            "title: e\nid: re\nlogsource: {product: windows, service: security}\n"
	                            "detection:\n  sel:\n");
	for (int i = 0; i < 20; i++)
		k += (size_t)snprintf(yaml + k, sizeof yaml - k, "    F%d: v%d\n", i, i);
	k += (size_t)snprintf(yaml + k, sizeof yaml - k, "  again:\n");
	for (int i = 19; i >= 0; i--)
		k += (size_t)snprintf(yaml + k, sizeof yaml - k, "    f%d|startswith: v\n", i);
	snprintf(yaml + k, sizeof yaml - k, "  condition: sel and again\n");
	rs = load(yaml);
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	eb.ev.channel = bt_evbuf_str(&eb, "Security", 8);
	eb.ev.event_id = 1;
	char n[8], v[8];
	for (int i = 0; i < 20; i++) {
		snprintf(n, sizeof n, "F%d", i);
		snprintf(v, sizeof v, "v%d", i);
		bt_evbuf_adds(&eb, n, v);
	}
	assert_int_equal(hits(rs, bt_evbuf_done(&eb)), 1);
	/* one value changed, at either end of the cache */
	((struct bt_field *)eb.ev.fields)[19].text = "w";
	((struct bt_field *)eb.ev.fields)[19].text_len = 1;
	assert_int_equal(hits(rs, bt_evbuf_done(&eb)), 0);
	((struct bt_field *)eb.ev.fields)[19].text = "v19";
	((struct bt_field *)eb.ev.fields)[19].text_len = 3;
	((struct bt_field *)eb.ev.fields)[0].text = "x0";
	assert_int_equal(hits(rs, bt_evbuf_done(&eb)), 0);
	bt_evbuf_free(&eb);
	bt_ruleset_free(rs);
	bt_evbuf_free(&t.eb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_exists),
		cmocka_unit_test(test_fieldref_keywords),
		cmocka_unit_test(test_fields_lists_case),
		cmocka_unit_test(test_eventid_index),
		cmocka_unit_test(test_mapping_variants),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_one_hit_per_rule_and_clone),
		cmocka_unit_test(test_bad_yaml),
		cmocka_unit_test(test_channel_cache_per_ruleset),
		cmocka_unit_test(test_typed_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
