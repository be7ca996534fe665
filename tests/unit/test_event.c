/* bt_event: builder, caps, lookup, clone. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/bt_array.h"
#include "core/bt_event.h"

static void test_build_and_lookup(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	eb.ev.channel = bt_evbuf_str(&eb, "Security", 8);
	eb.ev.event_id = 4624;
	assert_true(bt_evbuf_adds(&eb, "TargetUserName", "alice"));
	assert_true(bt_evbuf_add(&eb, "Bin", 3, "a\0b", 3, 0));
	assert_true(bt_evbuf_add(&eb, "Data", 4, "x", 1, BT_FIELD_LIST));
	assert_true(bt_evbuf_add(&eb, "Data", 4, "y", 1, BT_FIELD_LIST));
	const struct bt_event *ev = bt_evbuf_done(&eb);
	assert_int_equal(ev->nfields, 4);
	const struct bt_field *f = bt_event_field(ev, "Bin", 3);
	assert_int_equal(f->text_len, 3);
	assert_memory_equal(f->text, "a\0b", 3);
	assert_null(bt_event_field(ev, "targetusername", 14));  /* names are case-sensitive */
	f = bt_event_field(ev, "Data[1]", 7);
	assert_string_equal(f->text, "y");

	struct bt_event *c = bt_event_clone(ev);
	assert_non_null(c);
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);  /* the clone must not depend on the builder */
	bt_evbuf_adds(&eb, "Other", "zzz");
	assert_string_equal(c->channel, "Security");
	assert_int_equal(c->event_id, 4624);
	assert_int_equal(c->nfields, 4);
	assert_string_equal(bt_event_field(c, "TargetUserName", 14)->text, "alice");
	assert_memory_equal(bt_event_field(c, "Bin", 3)->text, "a\0b", 3);
	assert_string_equal(bt_event_field_next(c, bt_event_field(c, "Data", 4))->text, "y");
	free(c);
	bt_evbuf_free(&eb);
}

/* A borrowed value is not copied (the reader's compiled text); the name is
 * copied unless it is borrowed too; a clone owns copies of both. */
static void test_borrowed_value(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	char name[] = "ProviderGuid", value[] = "{54849625-5478-4994-A5BA-3E3B0328C30D}";
	assert_true(bt_evbuf_add_refs(&eb, name, strlen(name), false, value, strlen(value), 0));
	static const char text[] = "Microsoft-Windows-Security-Auditing", sname[] = "Static";
	assert_true(bt_evbuf_add_refs(&eb, sname, 6, true, text, strlen(text), 0));
	const struct bt_event *ev = bt_evbuf_done(&eb);
	const struct bt_field *f = bt_event_field(ev, "ProviderGuid", 12);
	assert_non_null(f);
	assert_ptr_equal(f->text, value);
	assert_ptr_not_equal(f->name, name);
	assert_int_equal(f->text_len, strlen(value));
	f = bt_event_field(ev, "Static", 6);
	assert_ptr_equal(f->text, text);
	assert_ptr_equal(f->name, sname);
	struct bt_event *c = bt_event_clone(ev);
	assert_non_null(c);
	name[0] = 'X';
	memset(value, 'Z', sizeof value - 1);
	assert_string_equal(bt_event_field(c, "ProviderGuid", 12)->text,
	                    "{54849625-5478-4994-A5BA-3E3B0328C30D}");
	assert_ptr_not_equal(bt_event_field(c, "Static", 6)->text, text);
	assert_string_equal(bt_event_field(c, "Static", 6)->text, text);
	free(c);
	/* the caps hold as for copied values */
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	eb.max_fields = 1;
	assert_true(bt_evbuf_add_refs(&eb, "a", 1, true, "1", 1, 0));
	assert_false(bt_evbuf_add_refs(&eb, "b", 1, true, "2", 1, 0));
	assert_true(eb.truncated);
	bt_evbuf_free(&eb);
}

static void test_field_cap(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	eb.max_fields = 3;
	assert_true(bt_evbuf_adds(&eb, "a", "1"));
	assert_true(bt_evbuf_adds(&eb, "b", "2"));
	assert_true(bt_evbuf_adds(&eb, "c", "3"));
	assert_false(bt_evbuf_adds(&eb, "d", "4"));
	assert_true(eb.truncated);
	assert_int_equal(bt_evbuf_done(&eb)->nfields, 3);
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	assert_false(eb.truncated);
	bt_evbuf_free(&eb);
}

static void test_event_bytes_cap(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	size_t big = BT_MAX_EVENT_BYTES / 2 + 1;
	char *v = malloc(big);
	memset(v, 'v', big);
	assert_true(bt_evbuf_add(&eb, "one", 3, v, big, 0));
	assert_false(bt_evbuf_add(&eb, "two", 3, v, big, 0));
	assert_true(eb.truncated);
	free(v);
	bt_evbuf_free(&eb);
}

/* The one array-growing helper: contents kept, doubling, overflow refused
 * without touching the array. */
static void test_array_reserve(void **state)
{
	(void)state;
	int *v = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < 1000; i++) {
		assert_true(bt_array_reserve(&v, &cap, i, sizeof *v, 8));
		assert_true(cap > i);
		v[i] = (int)i * 3;
	}
	assert_int_equal(cap, 1024);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(v[i], (int)i * 3);
	int *keep = v;
	size_t keep_cap = cap;
	assert_false(bt_array_reserve(&v, &cap, SIZE_MAX / 2 + 1, sizeof *v, 8));
	assert_false(bt_array_reserve(&v, &cap, cap, SIZE_MAX / 4, 8));
	assert_ptr_equal(v, keep);
	assert_int_equal(cap, keep_cap);
	free(v);
}

/* A reader's renderer for the typed-field test: type 1 is a little-endian
 * 32-bit number as decimal; it counts its calls. */
static int renders;

static bool render_u32(struct bt_evbuf *eb, struct bt_field *f)
{
	renders++;
	if (f->vtype != 1 || f->raw_size != 4)
		return false;
	uint32_t v = (uint32_t)f->raw[0] | (uint32_t)f->raw[1] << 8 | (uint32_t)f->raw[2] << 16 |
	             (uint32_t)f->raw[3] << 24;
	char t[16];
	int n = snprintf(t, sizeof t, "%u", (unsigned)v);
	const char *s = bt_evbuf_str(eb, t, (size_t)n);
	if (!s)
		return false;
	f->text = s;
	f->text_len = (uint32_t)n;
	return true;
}

static bool put_u32(const struct bt_field *f, struct bt_buf *b, bool *plain)
{
	if (f->vtype != 1 || f->raw_size != 4)
		return false;
	uint32_t v = (uint32_t)f->raw[0] | (uint32_t)f->raw[1] << 8 | (uint32_t)f->raw[2] << 16 |
	             (uint32_t)f->raw[3] << 24;
	bt_buf_printf(b, "%u", (unsigned)v);
	*plain = true;
	return true;
}

/* Typed values: text made once, when asked for; clones, packing and the
 * hashes see the text; an unrenderable value reads as empty, never NULL. */
static void test_typed_fields(void **state)
{
	(void)state;
	static const uint8_t pid[4] = {0x39, 0x05, 0, 0};   /* 1337 */
	static const uint8_t bad[2] = {1, 2};
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	eb.render = render_u32;
	eb.put = put_u32;
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	assert_true(bt_evbuf_adds(&eb, "Image", "C:\\x.exe"));
	assert_true(bt_evbuf_add_typed(&eb, "ProcessId", 9, true, 1, 0, pid, 4, 0));
	assert_true(bt_evbuf_add_typed(&eb, "Broken", 6, false, 1, 0, bad, 2, 0));
	const struct bt_event *ev = bt_evbuf_done(&eb);
	assert_int_equal(ev->nfields, 3);
	assert_null(ev->fields[1].text);             /* not rendered yet */
	renders = 0;
	struct bt_buf b = BT_BUF_INIT;
	bool plain;
	assert_true(bt_field_put(ev, &ev->fields[1], &b, &plain));
	assert_true(plain);
	assert_int_equal(b.n, 4);
	assert_memory_equal(b.p, "1337", 4);
	assert_null(ev->fields[1].text);             /* put does not keep it */
	assert_int_equal(renders, 0);
	const struct bt_field *f = bt_event_field(ev, "ProcessId", 9);
	assert_string_equal(f->text, "1337");
	assert_int_equal(f->text_len, 4);
	assert_int_equal(renders, 1);
	assert_ptr_equal(bt_event_field(ev, "ProcessId", 9), f);
	assert_int_equal(renders, 1);                /* once */
	f = bt_event_field(ev, "Broken", 6);
	assert_non_null(f->text);
	assert_int_equal(f->text_len, 0);
	assert_true(eb.truncated);                   /* said, not hidden */

	/* the same event with text values hashes and clones the same */
	uint64_t id_typed = bt_event_identity(ev);
	struct bt_event *c = bt_event_clone(ev);
	assert_non_null(c);
	assert_null(c->typed);
	assert_string_equal(bt_event_field(c, "ProcessId", 9)->text, "1337");
	assert_int_equal(bt_event_identity(c), id_typed);
	struct bt_buf scratch = BT_BUF_INIT;
	uint64_t h_clone = bt_event_content_hash(c, &scratch);
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	assert_true(bt_evbuf_adds(&eb, "Image", "C:\\x.exe"));
	assert_true(bt_evbuf_add_typed(&eb, "ProcessId", 9, true, 1, 0, pid, 4, 0));
	assert_true(bt_evbuf_add(&eb, "Broken", 6, "", 0, 0));
	ev = bt_evbuf_done(&eb);
	assert_int_equal(bt_event_content_hash(ev, &scratch), h_clone);
	assert_int_equal(bt_event_identity(ev), id_typed);
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	assert_true(bt_evbuf_adds(&eb, "Image", "C:\\x.exe"));
	assert_true(bt_evbuf_adds(&eb, "ProcessId", "1338"));
	assert_true(bt_evbuf_add(&eb, "Broken", 6, "", 0, 0));
	ev = bt_evbuf_done(&eb);
	assert_true(bt_event_content_hash(ev, &scratch) != h_clone);
	free(c);
	bt_buf_free(&b);
	bt_buf_free(&scratch);
	bt_evbuf_free(&eb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_and_lookup),
		cmocka_unit_test(test_typed_fields),
		cmocka_unit_test(test_borrowed_value),
		cmocka_unit_test(test_array_reserve),
		cmocka_unit_test(test_field_cap),
		cmocka_unit_test(test_event_bytes_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
