/* Unit tests for the Binary XML decoder (lib/bt_binxml.c) and the native
 * reader's in-memory entry point: value rendering as libevtx prints it,
 * template reuse, chunks, nested BinXml, and damaged input. */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "evtx/bt_binxml.h"
#include "evtx/bt_evtx_native.h"
#include "evtx_build.h"

/* ---- value rendering ---- */

static void check_render(uint8_t type, const void *p, size_t n, const char *want)
{
	char out[512];
	size_t len = 0;
	assert_true(bt_bx_render_value(type, p, n, out, sizeof out, &len));
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
}

static void test_values(void **state)
{
	(void)state;
	const uint8_t s[] = {'h', 0, 'i', 0, 0, 0, 'x', 0};   /* stops at the NUL */
	check_render(0x01, s, sizeof s, "hi");
	const uint8_t pair[] = {0x3d, 0xd8, 0x00, 0xde};       /* U+1F600 (libuna: U+1F201) */
	check_render(0x01, pair, 4, "\xF0\x9F\x98\x80");
	const uint8_t lone[] = {0x00, 0xdc, 'A', 0};
	check_render(0x01, lone, 4, "\xEF\xBF\xBD" "A");
	const uint8_t lonehi[] = {0x00, 0xd8, 0x1f, 0x5a, 'B', 0};   /* swallows the next unit */
	check_render(0x01, lonehi, 6, "\xEF\xBF\xBD" "B");
	const uint8_t ansi[] = {'a', 0x80, 0xe9, 0x81};
	check_render(0x02, ansi, 4, "a\xE2\x82\xAC\xC3\xA9\xEF\xBF\xBD");
	int8_t i8 = -5;
	check_render(0x03, &i8, 1, "-123");                    /* libevtx's sign bug */
	uint8_t u8 = 250;
	check_render(0x04, &u8, 1, "250");
	int16_t i16 = -300;
	check_render(0x05, &i16, 2, "-32468");
	uint16_t u16 = 65000;
	check_render(0x06, &u16, 2, "65000");
	int32_t i32 = -70000;
	check_render(0x07, &i32, 4, "-2147413648");
	uint32_t u32 = 4000000000u;
	check_render(0x08, &u32, 4, "4000000000");
	int64_t i64 = -5;
	check_render(0x09, &i64, 8, "-9223372036854775803");
	uint64_t u64 = UINT64_MAX;
	check_render(0x0a, &u64, 8, "18446744073709551615");
	float f = 1.5f;
	check_render(0x0b, &f, 4, "1.500000e+000");
	double d = 123456789.125;
	check_render(0x0c, &d, 8, "1.234568e+008");
	d = 5e-324;
	check_render(0x0c, &d, 8, "4.940656e-324");
	d = -INFINITY;
	check_render(0x0c, &d, 8, "Inf");
	d = NAN;
	check_render(0x0c, &d, 8, "NaN");
	uint32_t b = 7;
	check_render(0x0d, &b, 4, "true");
	b = 0;
	check_render(0x0d, &b, 4, "false");
	const uint8_t bin[] = {0x00, 0x01, 0xab, 0xff};
	check_render(0x0e, bin, 4, "0001ABFF");
	uint8_t guid[16];
	for (int i = 0; i < 16; i++)
		guid[i] = (uint8_t)i;
	check_render(0x0f, guid, 16, "{03020100-0504-0706-0809-0A0B0C0D0E0F}");
	uint32_t sz4 = 0x17;
	check_render(0x10, &sz4, 4, "23");
	uint64_t sz8 = 0x1234;
	check_render(0x10, &sz8, 8, "4660");
	uint64_t ft = 131000000000000001ULL;
	check_render(0x11, &ft, 8, "2016-02-15T08:53:20.000000100Z");
	ft = 0;
	check_render(0x11, &ft, 8, "1601-01-01T00:00:00.000000000Z");
	ft = 2650467744000000000ULL;
	check_render(0x11, &ft, 8, "(0x24c85a5e 0xd1c04000)");
	const uint16_t st[8] = {2020, 2, 6, 29, 13, 14, 15, 123};
	check_render(0x12, st, 16, "2020-02-29T13:14:15.123Z");
	const uint8_t sid[] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0};
	check_render(0x13, sid, sizeof sid, "S-1-5-32-544");
	const uint8_t bigauth[] = {1, 1, 0, 0x12, 0x34, 0x56, 0x78, 0x9a, 18, 0, 0, 0};
	check_render(0x13, bigauth, sizeof bigauth, "S-1-78187493530-18");
	uint32_t h32 = 0x17;
	check_render(0x14, &h32, 4, "0x00000017");
	uint64_t h64 = 0x17;
	check_render(0x15, &h64, 8, "0x0000000000000017");
	/* arrays (joined with ',' by this test helper) */
	const uint8_t sa[] = {'a', 0, 0, 0, 0, 0, 'b', 0, 0, 0};
	check_render(0x81, sa, sizeof sa, "a,,b");
	check_render(0x81, sa, 0, "");
	const uint32_t ua[2] = {1, 2};
	check_render(0x88, ua, 8, "1,2");
	const uint16_t ia[2] = {0xffff, 2};
	check_render(0x85, ia, 4, "-32767,2");
	/* too short for the type */
	char out[64];
	size_t len;
	assert_false(bt_bx_render_value(0x0f, guid, 8, out, sizeof out, &len));
	assert_false(bt_bx_render_value(0x13, sid, 10, out, sizeof out, &len));
}

/* ---- records ---- */

#define FT_2016 131000000000000000ULL

struct got {
	int n;
	uint64_t ids[64];
	uint32_t eids[64];
	char text[64][512];   /* "name=value;" of every field */
	char host[64][64];
	bt_time time[64];
	int nfields[64];
};

static void collect(void *ctx, const struct bt_event *ev)
{
	struct got *g = ctx;
	if (g->n >= 64)
		return;
	int i = g->n++;
	g->ids[i] = ev->record_id;
	g->eids[i] = ev->event_id;
	g->time[i] = ev->time;
	g->nfields[i] = (int)ev->nfields;
	snprintf(g->host[i], sizeof g->host[i], "%s", ev->host ? ev->host : "(null)");
	size_t k = 0;
	g->text[i][0] = '\0';
	for (size_t f = 0; f < ev->nfields && k < sizeof g->text[i]; f++)
		k += (size_t)snprintf(g->text[i] + k, sizeof g->text[i] - k, "%s%s=%s;",
		                      (ev->fields[f].flags & BT_FIELD_SYSTEM) ? "S:" : "",
		                      ev->fields[f].name, bt_field_need(ev, &ev->fields[f])->text);
}

/* The System part used by every test template: EventID from %0 (uint16),
 * TimeCreated from %1 (FILETIME), Computer from %2 (string), Task static. */
static void system_part(struct eb_chunk *k)
{
	eb_open(k, "System", 0);
	eb_close_start(k);
	eb_open(k, "Provider", 1);
	eb_attr(k, "Name");
	eb_text(k, "Test-Provider");
	eb_close_empty(k);
	eb_open(k, "EventID", 0);
	eb_close_start(k);
	eb_sub(k, 0, 0x06, 0);
	eb_end(k);
	eb_open(k, "Task", 0);
	eb_close_start(k);
	eb_text(k, "12");
	eb_end(k);
	eb_open(k, "TimeCreated", 1);
	eb_attr(k, "SystemTime");
	eb_sub(k, 1, 0x11, 0);
	eb_close_empty(k);
	eb_open(k, "Computer", 0);
	eb_close_start(k);
	eb_sub(k, 2, 0x01, 0);
	eb_end(k);
	eb_end(k);
}

struct sysvals {
	uint16_t eid;
	uint64_t ft;
	uint8_t host[8];
};

static void sysvals_init(struct sysvals *s, uint16_t eid)
{
	s->eid = eid;
	s->ft = FT_2016;
	const char *h = "host";
	for (int i = 0; i < 4; i++) {
		s->host[2 * i] = (uint8_t)h[i];
		s->host[2 * i + 1] = 0;
	}
}

/* The System values' bytes (after their descriptors) and the start of a
 * BinXml value after them: its fragment header and an inline template
 * definition; returns where the value starts. */
static uint32_t sysvals_then_binxml(struct eb_chunk *k, const struct sysvals *sv)
{
	eb_bytes(k, &sv->eid, 2);
	eb_bytes(k, &sv->ft, 8);
	eb_bytes(k, sv->host, 8);
	uint32_t start = k->n;
	eb_fragment_header(k);
	eb_template_begin(k);
	return start;
}

/* Ends a BinXml value begun at `start` (its template and values written):
 * the end token, and its size in the descriptor at size_at. */
static void binxml_end(struct eb_chunk *k, uint32_t start, uint32_t size_at)
{
	eb_u8(k, 0x00);
	uint32_t vsize = k->n - start;
	k->c[size_at] = (uint8_t)vsize;
	k->c[size_at + 1] = (uint8_t)(vsize >> 8);
}

/* Template: System + <EventData><Data Name="A">%3</Data><Data>%4</Data>
 * <Data Name="Opt">%5 optional</Data></EventData>. Returns its offset. */
static uint32_t data_template(struct eb_chunk *k)
{
	uint32_t def = eb_template_begin(k);
	eb_open(k, "Event", 0);
	eb_close_start(k);
	system_part(k);
	eb_open(k, "EventData", 0);
	eb_close_start(k);
	eb_open(k, "Data", 1);
	eb_attr(k, "Name");
	eb_text(k, "A");
	eb_close_start(k);
	eb_sub(k, 3, 0x14, 0);
	eb_end(k);
	eb_open(k, "Data", 0);
	eb_close_start(k);
	eb_sub(k, 4, 0x81, 0);
	eb_end(k);
	eb_open(k, "Data", 1);
	eb_attr(k, "Name");
	eb_text(k, "Opt");
	eb_close_start(k);
	eb_sub(k, 5, 0x01, 1);
	eb_end(k);
	eb_end(k);
	eb_end(k);
	eb_template_end(k);
	return def;
}

static void data_record(struct eb_chunk *k, uint64_t id, uint32_t def, bool define,
                        uint32_t hex, bool with_opt)
{
	struct sysvals sv;
	sysvals_init(&sv, (uint16_t)(4600 + id));
	eb_record_begin(k, id, FT_2016);
	if (define)
		data_template(k);
	else
		eb_template_ref(k, def);
	static const uint8_t arr[] = {'x', 0, 0, 0, 'y', 0, 0, 0};
	static const uint8_t opt[] = {'o', 0, 'k', 0};
	struct eb_value v[6] = {
		{0x06, 2, &sv.eid}, {0x11, 8, &sv.ft}, {0x01, 8, sv.host},
		{0x14, 4, &hex}, {0x81, sizeof arr, arr},
		{(uint8_t)(with_opt ? 0x01 : 0x00), (uint16_t)(with_opt ? 4 : 0), opt},
	};
	eb_values(k, v, 6);
	eb_record_end(k);
}

static uint8_t *one_chunk_file(struct eb_chunk *k, size_t *n)
{
	eb_chunk_finish(k);
	struct eb_chunk *ks[1] = {k};
	return eb_file(ks, 1, n);
}

static void test_template_reuse(void **state)
{
	(void)state;
	static struct eb_chunk k;
	eb_init(&k);
	/* first record defines the template inline; the others refer to it */
	eb_record_begin(&k, 1, FT_2016);
	uint32_t def = data_template(&k);
	struct sysvals sv;
	sysvals_init(&sv, 4601);
	uint32_t hex = 0x17;
	static const uint8_t arr[] = {'x', 0, 0, 0, 'y', 0, 0, 0};
	static const uint8_t opt[] = {'o', 0, 'k', 0};
	struct eb_value v[6] = {
		{0x06, 2, &sv.eid}, {0x11, 8, &sv.ft}, {0x01, 8, sv.host},
		{0x14, 4, &hex}, {0x81, sizeof arr, arr}, {0x01, 4, opt},
	};
	eb_values(&k, v, 6);
	eb_record_end(&k);
	data_record(&k, 2, def, false, 0xdeadbeef, false);
	data_record(&k, 3, def, false, 0, true);

	/* chunk level: one compiled template for three records */
	eb_chunk_finish(&k);
	struct bt_bx_chunk *cx = bt_bx_chunk_new();
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	struct bt_bx_sink sink = {0};
	assert_int_equal(bt_bx_chunk_decode(cx, k.c, sizeof k.c, 0, &eb, &sink), 3);
	assert_int_equal(bt_bx_chunk_templates(cx), 1);
	bt_evbuf_free(&eb);
	bt_bx_chunk_free(cx);

	size_t n;
	struct eb_chunk *ks[1] = {&k};
	uint8_t *file = eb_file(ks, 1, &n);
	struct got *g = calloc(1, sizeof *g);
	struct bt_file_stats st;
	assert_int_equal(bt_evtx_native_mem(file, n, NULL, collect, g, &st), BT_OK);
	assert_int_equal(g->n, 3);
	assert_int_equal(st.failed, 0);
	assert_int_equal(g->eids[0], 4601);
	assert_int_equal(g->eids[2], 4603);
	assert_int_equal(g->ids[1], 2);
	assert_true(g->time[0] == (bt_time)FT_2016);
	assert_string_equal(g->host[0], "host");
	/* HexInt32 unpadded; unnamed Data from a string array repeated; optional
	 * null leaves the element (and its field) out */
	assert_string_equal(g->text[0], "S:Task=12;A=0x17;Data=x;Data=y;Opt=ok;");
	assert_string_equal(g->text[1], "S:Task=12;A=0xdeadbeef;Data=x;Data=y;");
	assert_string_equal(g->text[2], "S:Task=12;A=0x0;Data=x;Data=y;Opt=ok;");
	free(g);
	free(file);
}

static void test_two_chunks(void **state)
{
	(void)state;
	static struct eb_chunk a, b, c;
	eb_init(&a);
	eb_init(&b);
	eb_init(&c);
	/* chunk 0 defines the template; chunk 1 defines it again at the same
	 * offset and reuses it; chunk 2 only refers to chunk 0's offset, where
	 * its own bytes hold no template: that record must be rejected, not
	 * decoded with chunk 0's template */
	eb_record_begin(&a, 1, FT_2016);
	uint32_t def = data_template(&a);
	struct sysvals sv;
	sysvals_init(&sv, 4601);
	uint32_t hex = 1;
	static const uint8_t arr[] = {'x', 0};
	struct eb_value v[6] = {
		{0x06, 2, &sv.eid}, {0x11, 8, &sv.ft}, {0x01, 8, sv.host},
		{0x14, 4, &hex}, {0x81, sizeof arr, arr}, {0x00, 0, ""},
	};
	eb_values(&a, v, 6);
	eb_record_end(&a);

	eb_record_begin(&b, 2, FT_2016);
	assert_int_equal(data_template(&b), def);
	sv.eid = 4602;
	eb_values(&b, v, 6);
	eb_record_end(&b);
	data_record(&b, 3, def, false, 2, false);

	/* chunk 2: padding so that `def` falls inside this record's values */
	eb_record_begin(&c, 4, FT_2016);
	eb_template_ref(&c, def);
	eb_values(&c, v, 6);
	eb_record_end(&c);
	data_record(&c, 5, def, false, 3, false);

	eb_chunk_finish(&a);
	eb_chunk_finish(&b);
	eb_chunk_finish(&c);
	struct eb_chunk *ks[3] = {&a, &b, &c};
	size_t n;
	uint8_t *file = eb_file(ks, 3, &n);
	struct got *g = calloc(1, sizeof *g);
	struct bt_file_stats st;
	assert_int_equal(bt_evtx_native_mem(file, n, NULL, collect, g, &st), BT_OK);
	assert_int_equal(g->n, 3);
	assert_int_equal(g->ids[0], 1);
	assert_int_equal(g->ids[1], 2);
	assert_int_equal(g->ids[2], 3);
	assert_int_equal(g->eids[1], 4602);
	assert_string_equal(g->text[2], "S:Task=12;A=0x2;Data=x;Data=y;");
	assert_int_equal(st.failed, 2);
	free(g);
	free(file);
}

/* EventData and UserData whose content is a nested BinXml value (0x21). */
static void test_nested_binxml(void **state)
{
	(void)state;
	static struct eb_chunk k;
	eb_init(&k);
	for (int rec = 0; rec < 2; rec++) {
		bool user = rec == 1;
		eb_record_begin(&k, (uint64_t)rec + 1, FT_2016);
		eb_template_begin(&k);
		eb_open(&k, "Event", 0);
		eb_close_start(&k);
		system_part(&k);
		eb_open(&k, user ? "UserData" : "EventData", 0);
		eb_close_start(&k);
		eb_sub(&k, 3, 0x21, 0);
		eb_end(&k);
		eb_end(&k);
		eb_template_end(&k);
		struct sysvals sv;
		sysvals_init(&sv, 1102);
		/* outer values; the BinXml one is written by hand after them */
		eb_u32(&k, 4);
		eb_u16(&k, 2);
		eb_u8(&k, 0x06);
		eb_u8(&k, 0);
		eb_u16(&k, 8);
		eb_u8(&k, 0x11);
		eb_u8(&k, 0);
		eb_u16(&k, 8);
		eb_u8(&k, 0x01);
		eb_u8(&k, 0);
		uint32_t size_at = k.n;
		eb_u16(&k, 0);
		eb_u8(&k, 0x21);
		eb_u8(&k, 0);
		uint32_t start = sysvals_then_binxml(&k, &sv);
		if (user) {
			eb_open(&k, "LogFileCleared", 1);
			eb_attr(&k, "xmlns");
			eb_text(&k, "urn:x");
			eb_close_start(&k);
			eb_open(&k, "SubjectUserName", 0);
			eb_close_start(&k);
			eb_sub(&k, 0, 0x01, 0);
			eb_end(&k);
			eb_open(&k, "Inner", 0);
			eb_close_start(&k);
			eb_open(&k, "Leaf", 0);
			eb_close_start(&k);
			eb_sub(&k, 1, 0x08, 0);
			eb_end(&k);
			eb_end(&k);
			eb_end(&k);
		} else {
			eb_open(&k, "Data", 1);
			eb_attr(&k, "Name");
			eb_text(&k, "User");
			eb_close_start(&k);
			eb_sub(&k, 0, 0x01, 0);
			eb_end(&k);
		}
		eb_template_end(&k);
		static const uint8_t bob[] = {'b', 0, 'o', 0, 'b', 0};
		uint32_t forty2 = 42;
		struct eb_value iv[2] = {{0x01, sizeof bob, bob}, {0x08, 4, &forty2}};
		eb_values(&k, iv, 2);
		binxml_end(&k, start, size_at);
		eb_record_end(&k);
	}
	size_t n;
	uint8_t *file = one_chunk_file(&k, &n);
	struct got *g = calloc(1, sizeof *g);
	struct bt_file_stats st;
	assert_int_equal(bt_evtx_native_mem(file, n, NULL, collect, g, &st), BT_OK);
	assert_int_equal(st.failed, 0);
	assert_int_equal(g->n, 2);
	assert_string_equal(g->text[0], "S:Task=12;User=bob;");
	assert_string_equal(g->text[1], "S:Task=12;SubjectUserName=bob;Inner.Leaf=42;");
	free(g);
	free(file);
}

/* Values that change a template's shape run its operations, not its field
 * map: a BinXml value in an element's content (record 2) and an array in an
 * attribute (record 3); the field map serves the usual shape (record 1) and
 * a record with fewer values than the template names (record 4: the missing
 * ones are NULL, whatever the record before held there). */
static void test_shape_by_value(void **state)
{
	(void)state;
	static struct eb_chunk k;
	eb_init(&k);
	uint32_t def = 0;
	static const uint8_t v[] = {'v', 0}, nm[] = {'N', 0}, w[] = {'w', 0};
	static const uint8_t arr[] = {'p', 0, 0, 0, 'q', 0, 0, 0};
	for (int rec = 0; rec < 4; rec++) {
		eb_record_begin(&k, (uint64_t)rec + 1, FT_2016);
		if (rec == 0) {
			/* <Data Name="A">%3</Data><Data Name="%4">x</Data> */
			def = eb_template_begin(&k);
			eb_open(&k, "Event", 0);
			eb_close_start(&k);
			system_part(&k);
			eb_open(&k, "EventData", 0);
			eb_close_start(&k);
			eb_open(&k, "Data", 1);
			eb_attr(&k, "Name");
			eb_text(&k, "A");
			eb_close_start(&k);
			eb_sub(&k, 3, 0x01, 0);
			eb_end(&k);
			eb_open(&k, "Data", 1);
			eb_attr(&k, "Name");
			eb_sub(&k, 4, 0x01, 0);
			eb_close_start(&k);
			eb_text(&k, "x");
			eb_end(&k);
			eb_end(&k);
			eb_end(&k);
			eb_template_end(&k);
		} else {
			eb_template_ref(&k, def);
		}
		struct sysvals sv;
		sysvals_init(&sv, (uint16_t)(4700 + rec));
		if (rec == 3) {
			/* four values: %4, which names the second Data, is NULL */
			struct eb_value vals[4] = {
				{0x06, 2, &sv.eid}, {0x11, 8, &sv.ft}, {0x01, 8, sv.host}, {0x01, 2, w},
			};
			eb_values(&k, vals, 4);
			eb_record_end(&k);
			continue;
		}
		if (rec != 1) {
			struct eb_value vals[5] = {
				{0x06, 2, &sv.eid}, {0x11, 8, &sv.ft}, {0x01, 8, sv.host}, {0x01, 2, v},
				rec == 2 ? (struct eb_value){0x81, sizeof arr, arr}
				         : (struct eb_value){0x01, 2, nm},
			};
			eb_values(&k, vals, 5);
			eb_record_end(&k);
			continue;
		}
		/* %3 is a BinXml value, <Inner>w</Inner>, written by hand */
		static const uint8_t types[5] = {0x06, 0x11, 0x01, 0x21, 0x01};
		static const uint16_t sizes[5] = {2, 8, 8, 0, 2};
		eb_u32(&k, 5);
		uint32_t size_at = 0;
		for (int i = 0; i < 5; i++) {
			if (i == 3)
				size_at = k.n;
			eb_u16(&k, sizes[i]);
			eb_u8(&k, types[i]);
			eb_u8(&k, 0);
		}
		uint32_t start = sysvals_then_binxml(&k, &sv);
		eb_open(&k, "Inner", 0);
		eb_close_start(&k);
		eb_sub(&k, 0, 0x01, 0);
		eb_end(&k);
		eb_template_end(&k);
		struct eb_value iv[1] = {{0x01, sizeof w, w}};
		eb_values(&k, iv, 1);
		binxml_end(&k, start, size_at);
		eb_bytes(&k, nm, 2);
		eb_record_end(&k);
	}
	size_t n;
	uint8_t *file = one_chunk_file(&k, &n);
	struct got *g = calloc(1, sizeof *g);
	struct bt_file_stats st;
	assert_int_equal(bt_evtx_native_mem(file, n, NULL, collect, g, &st), BT_OK);
	assert_int_equal(g->n, 3);
	assert_string_equal(g->text[0], "S:Task=12;A=v;N=x;");
	assert_int_equal(g->ids[2], 4);
	assert_string_equal(g->text[2], "S:Task=12;A=w;=x;");
	/* <Data Name="A"> holds an element: not a leaf, no field */
	assert_int_equal(g->ids[1], 2);
	assert_string_equal(g->text[1], "S:Task=12;N=x;");
	/* an array's text in an attribute is not reproduced: left to libevtx */
	assert_int_equal(st.failed, 1);
	free(g);
	free(file);
}

static bool want_none(void *ctx, const struct bt_event *ev)
{
	int *calls = ctx;
	(*calls)++;
	return ev->event_id == 4601;   /* fields only for the first record */
}

static void test_want_fields(void **state)
{
	(void)state;
	static struct eb_chunk k;
	eb_init(&k);
	data_record(&k, 1, 0, true, 5, true);
	uint32_t def = 512 + 24 + 10 + 4;
	data_record(&k, 2, def, false, 6, true);
	size_t n;
	uint8_t *file = one_chunk_file(&k, &n);
	struct got *g = calloc(1, sizeof *g);
	int calls = 0;
	struct bt_read_opts o;
	memset(&o, 0, sizeof o);
	o.want_fields = want_none;
	o.want_ctx = &calls;
	struct bt_file_stats st;
	assert_int_equal(bt_evtx_native_mem(file, n, &o, collect, g, &st), BT_OK);
	assert_int_equal(g->n, 2);
	assert_int_equal(calls, 2);
	assert_string_equal(g->text[0], "S:Task=12;A=0x5;Data=x;Data=y;Opt=ok;");
	assert_string_equal(g->text[1], "");   /* members only: no System field either */
	assert_int_equal(g->eids[1], 4602);
	free(g);
	free(file);
}

/* ---- damaged input ---- */

static int decode_file(uint8_t *file, size_t n, struct bt_file_stats *st, struct got *g)
{
	memset(g, 0, sizeof *g);
	bt_evtx_native_mem(file, n, NULL, collect, g, st);
	return g->n;
}

static void test_damaged(void **state)
{
	(void)state;
	static struct eb_chunk k;
	struct got *g = calloc(1, sizeof *g);
	struct bt_file_stats st;
	size_t n;

	/* a record whose size runs past the free space, then a good one the walk
	 * cannot reach: the walk stops (reported; the rest is slack space, left to
	 * libevtx's recovery in the file reader), nothing is emitted */
	eb_init(&k);
	data_record(&k, 1, 0, true, 1, false);
	uint32_t second = k.n;
	data_record(&k, 2, 512 + 24 + 10 + 4, false, 2, false);
	eb_chunk_finish(&k);
	eb_put32(&k, 4 + 512, 0xfff0);                 /* record 1 size: huge */
	struct eb_chunk *ks[1] = {&k};
	uint8_t *file = eb_file(ks, 1, &n);
	assert_int_equal(decode_file(file, n, &st, g), 0);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.corrupt_chunks, 1);        /* its CRC no longer matches */
	free(file);

	/* truncated substitution array */
	eb_init(&k);
	data_record(&k, 1, 0, true, 1, false);
	data_record(&k, 2, 512 + 24 + 10 + 4, false, 2, false);
	eb_chunk_finish(&k);
	/* record 2: count of values = 1000 */
	uint32_t vals_at = second + 24 + 4 + 10;
	eb_put32(&k, vals_at, 1000);
	file = eb_file(ks, 1, &n);
	assert_int_equal(decode_file(file, n, &st, g), 1);
	assert_int_equal(st.failed, 1);
	assert_int_equal(g->ids[0], 1);
	free(file);

	/* template definition offset pointing at the instance itself */
	eb_init(&k);
	eb_record_begin(&k, 1, FT_2016);
	uint32_t self = k.n;
	eb_template_ref(&k, self);
	struct eb_value none[1] = {{0x00, 0, ""}};
	eb_values(&k, none, 1);
	eb_record_end(&k);
	file = one_chunk_file(&k, &n);
	assert_int_equal(decode_file(file, n, &st, g), 0);
	assert_int_equal(st.failed, 1);
	free(file);

	/* a template whose BinXml value instantiates the same template again */
	eb_init(&k);
	eb_record_begin(&k, 1, FT_2016);
	uint32_t def = eb_template_begin(&k);
	eb_open(&k, "Event", 0);
	eb_close_start(&k);
	eb_sub(&k, 0, 0x21, 0);
	eb_end(&k);
	eb_template_end(&k);
	eb_u32(&k, 1);
	uint32_t sz_at = k.n;
	eb_u16(&k, 0);
	eb_u8(&k, 0x21);
	eb_u8(&k, 0);
	uint32_t vstart = k.n;
	eb_fragment_header(&k);
	eb_template_ref(&k, def);
	eb_u32(&k, 1);
	eb_u16(&k, 0);
	eb_u8(&k, 0x00);
	eb_u8(&k, 0);
	eb_u8(&k, 0x00);
	k.c[sz_at] = (uint8_t)(k.n - vstart);
	eb_record_end(&k);
	file = one_chunk_file(&k, &n);
	assert_int_equal(decode_file(file, n, &st, g), 0);
	assert_int_equal(st.failed, 1);
	free(file);

	/* elements nested deeper than the cap */
	eb_init(&k);
	eb_record_begin(&k, 1, FT_2016);
	eb_template_begin(&k);
	for (int i = 0; i < 70; i++) {
		eb_open(&k, "E", 0);
		eb_close_start(&k);
	}
	for (int i = 0; i < 70; i++)
		eb_end(&k);
	eb_template_end(&k);
	eb_values(&k, none, 0);
	eb_record_end(&k);
	file = one_chunk_file(&k, &n);
	assert_int_equal(decode_file(file, n, &st, g), 0);
	assert_int_equal(st.failed, 1);
	free(file);

	/* unknown token, and a record cut in the middle of its template */
	eb_init(&k);
	eb_record_begin(&k, 1, FT_2016);
	eb_template_begin(&k);
	eb_u8(&k, 0x1f);
	eb_template_end(&k);
	eb_values(&k, none, 0);
	eb_record_end(&k);
	data_record(&k, 2, 0, true, 1, false);
	uint32_t good = k.n;
	data_record(&k, 3, 0, true, 1, false);
	eb_chunk_finish(&k);
	/* record 3 claims a size that ends inside its template definition */
	uint32_t cut = 60;
	eb_put32(&k, good + 4, cut);
	eb_put32(&k, good + cut - 4, cut);
	file = eb_file(ks, 1, &n);
	assert_int_equal(decode_file(file, n, &st, g), 1);
	assert_int_equal(g->ids[0], 2);
	assert_true(st.failed >= 2);
	free(file);
	free(g);
}

/* A chunk failing its CRCs is reported and counted, and its records are still
 * read (as libevtx does). */
static void test_bad_crc_chunk_read(void **state)
{
	(void)state;
	static struct eb_chunk k;
	eb_init(&k);
	data_record(&k, 1, 0, true, 1, true);
	data_record(&k, 2, 512 + 24 + 10 + 4, false, 2, false);
	eb_chunk_finish(&k);
	k.c[512 + 16] ^= 1;   /* record 1's written time: data CRC now wrong */
	k.c[60] ^= 1;         /* a header byte: header CRC wrong too */
	struct eb_chunk *ks[1] = {&k};
	size_t n;
	uint8_t *file = eb_file(ks, 1, &n);
	struct got *g = calloc(1, sizeof *g);
	struct bt_file_stats st;
	assert_int_equal(decode_file(file, n, &st, g), 2);
	assert_int_equal(st.corrupt_chunks, 1);
	assert_int_equal(st.failed, 0);
	assert_int_equal(g->ids[1], 2);
	free(g);
	free(file);
}

/* Garbage must never crash: every byte of a good chunk flipped in turn. */
static void test_flip_bytes(void **state)
{
	(void)state;
	static struct eb_chunk k;
	eb_init(&k);
	data_record(&k, 1, 0, true, 1, true);
	data_record(&k, 2, 512 + 24 + 10 + 4, false, 2, false);
	size_t n;
	uint8_t *file = one_chunk_file(&k, &n);
	struct got *g = calloc(1, sizeof *g);
	struct bt_file_stats st;
	for (uint32_t i = 4096 + 512; i < 4096 + k.n; i++) {
		uint8_t old = file[i];
		file[i] = (uint8_t)(old ^ 0xff);
		decode_file(file, n, &st, g);
		assert_true(g->n <= 2 && st.failed <= 2);
		file[i] = old;
	}
	free(g);
	free(file);
}

/* ---- the recovery's template store ---- */

/* An empty template defined inline (as at an instance) with id `tid`, the
 * rest of its GUID bytes `g`, and no values. */
static void ts_define(struct eb_chunk *k, uint32_t tid, uint8_t g)
{
	uint32_t at = k->n;
	uint32_t def = eb_template_begin(k);
	eb_template_end(k);
	eb_put32(k, at + 2, tid);
	eb_put32(k, def + 4, tid);
	memset(k->c + def + 8, g, 12);
	eb_u32(k, 0);
}

enum { TS_X = 0x11111111, TS_Y = 0x22222222, TS_Z = 0x33333333, TS_W = 0x44444444 };

/* Rounds of asking and harvesting chunks 0.. while ids are missing (as a
 * file's recovery does), by plain scans or with kept chunks. */
static void ts_rounds(struct bt_bx_tstore *ts, bool kept, struct eb_chunk **ks, int nk,
                      const uint32_t *const *asks, int rounds)
{
	struct bt_bx_chunk *cx = bt_bx_chunk_new();
	for (int r = 0; r < rounds; r++) {
		for (const uint32_t *a = asks[r]; *a; a++)
			bt_bx_tstore_want(ts, *a);
		for (int ci = 0; ci < nk && bt_bx_tstore_missing(ts); ci++) {
			if (!kept)
				bt_bx_tstore_harvest(ts, cx, ks[ci]->c, sizeof ks[ci]->c);
			else if (bt_bx_tstore_needs(ts, (uint64_t)ci))
				bt_bx_tstore_harvest_kept(ts, cx, (uint64_t)ci, ks[ci]->c, sizeof ks[ci]->c);
		}
	}
	bt_bx_chunk_free(cx);
}

/* Whether `tid` was found with one GUID (adopted by a store asking for it). */
static bool ts_found(const struct bt_bx_tstore *ts, uint32_t tid)
{
	struct bt_bx_tstore *d = bt_bx_tstore_new();
	bt_bx_tstore_want(d, tid);
	size_t got = bt_bx_tstore_adopt(d, ts);
	bt_bx_tstore_free(d);
	return got == 1;
}

/* Chunks harvested again in a later round offer their kept definitions:
 * the store ends as plain scans leave it (an id defined with two GUIDs in
 * two chunks is ambiguous, one asked for later is found in a chunk kept
 * before), and a kept chunk with nothing for the ids asked since need not
 * be read. */
static void test_tstore_kept(void **state)
{
	(void)state;
	static struct eb_chunk a, b, c;
	eb_init(&a);
	eb_init(&b);
	eb_init(&c);
	ts_define(&a, TS_X, 1);
	ts_define(&a, TS_Y, 1);
	ts_define(&b, TS_Y, 2);
	ts_define(&c, TS_Z, 1);
	struct eb_chunk *ks[3] = {&a, &b, &c};
	static const uint32_t r0[] = {TS_X, TS_W, 0}, r1[] = {TS_Y, 0}, r2[] = {TS_Z, 0};
	static const uint32_t x0[] = {TS_X, 0};
	const uint32_t *const all[] = {r0, r1, r2};
	const uint32_t *const early[] = {x0, r1, r2};
	/* v = 0: W is never found, so round 0 looks through every chunk; then
	 * chunks 0 and 1 (Y, twice: ambiguous) are read again, and chunk 2 only
	 * when Z is asked. v = 1: round 0 ends at chunk 0 (X found), round 1 too
	 * (Y found there), round 2 (Z) passes over chunk 0 and scans chunks 1
	 * and 2: Y ambiguous then. */
	for (int v = 0; v < 2; v++) {
		const uint32_t *const *asks = v ? early : all;
		struct bt_bx_tstore *plain = bt_bx_tstore_new(), *kept = bt_bx_tstore_new();
		ts_rounds(plain, false, ks, 3, asks, 2);
		ts_rounds(kept, true, ks, 3, asks, 2);
		for (int k = 0; k < 2; k++) {
			struct bt_bx_tstore *ts = k ? kept : plain;
			assert_true(ts_found(ts, TS_X));
			assert_true(bt_bx_tstore_settled(ts, TS_Y));
			/* ambiguous, or (round 1 ending at chunk 0) found */
			assert_true(ts_found(ts, TS_Y) == (v == 1));
			assert_false(bt_bx_tstore_settled(ts, TS_Z));
		}
		/* chunk 2 holds nothing asked for since it was kept (v = 0; with
		 * v = 1 round 1 stopped before it: it was never kept) */
		if (v == 0)
			assert_false(bt_bx_tstore_needs(kept, 2));
		assert_true(bt_bx_tstore_needs(kept, 3));
		bt_bx_tstore_free(plain);
		bt_bx_tstore_free(kept);
		plain = bt_bx_tstore_new();
		kept = bt_bx_tstore_new();
		ts_rounds(plain, false, ks, 3, asks, 3);
		ts_rounds(kept, true, ks, 3, asks, 3);
		/* round 2 reaches chunk 1 either way: Y ambiguous now */
		for (int k = 0; k < 2; k++) {
			struct bt_bx_tstore *ts = k ? kept : plain;
			assert_true(ts_found(ts, TS_Z));
			assert_true(ts_found(ts, TS_X));
			assert_true(bt_bx_tstore_settled(ts, TS_Y));
			assert_false(ts_found(ts, TS_Y));
		}
		bt_bx_tstore_free(plain);
		bt_bx_tstore_free(kept);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_template_reuse),
		cmocka_unit_test(test_two_chunks),
		cmocka_unit_test(test_nested_binxml),
		cmocka_unit_test(test_shape_by_value),
		cmocka_unit_test(test_want_fields),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_bad_crc_chunk_read),
		cmocka_unit_test(test_flip_bytes),
		cmocka_unit_test(test_tstore_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
