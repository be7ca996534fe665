/* EVTX BinXML values and their text: the value types, and each value's text
 * as the libevtx reader path sees it (libevtx 20181227 renders it into XML,
 * libxml2 parses that back), so that the native decoder gives the same text.
 * Also the growable scratch text both the decoder and the event mapping
 * render into. No state: pure functions over bytes. */
#ifndef BT_EVTX_VALUE_H
#define BT_EVTX_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/bt_bytes.h"

/* ---- growable scratch text ---- */

struct bt_sbuf {
	char *p;
	size_t n, cap;
	bool over;     /* a cap (BT_MAX_EVENT_BYTES) or allocation failure dropped text */
	bool nonxml;   /* U+FFFE or U+FFFF appended: not XML, libxml2 stops there */
};

/* Slow path of bt_sb_room: grows the buffer (NULL and `over` on failure). */
char *bt_sb_grow(struct bt_sbuf *b, size_t extra);
void bt_sb_free(struct bt_sbuf *b);

static inline void bt_sb_clear(struct bt_sbuf *b)
{
	b->n = 0;
}

/* Room for `extra` more bytes and one more (a NUL) at b->p + b->n, or NULL
 * (text dropped: b->over). The common case is inline: the decoder's hot path. */
static inline char *bt_sb_room(struct bt_sbuf *b, size_t extra)
{
	if (b->cap - b->n > extra)
		return b->p + b->n;
	return bt_sb_grow(b, extra);
}

static inline void bt_sb_put(struct bt_sbuf *b, const char *s, size_t n)
{
	char *d = bt_sb_room(b, n);
	if (!d)
		return;
	memcpy(d, s, n);
	b->n += n;
}

static inline void bt_sb_putc(struct bt_sbuf *b, char c)
{
	char *d = bt_sb_room(b, 1);
	if (!d)
		return;
	*d = c;
	b->n++;
}

/* ---- values ---- */

/* BinXML value types ("Windows XML Event Log (EVTX).asciidoc", libyal). */
enum {
	BT_XV_NULL = 0x00, BT_XV_STRING = 0x01, BT_XV_ANSI = 0x02, BT_XV_INT8 = 0x03,
	BT_XV_UINT8 = 0x04, BT_XV_INT16 = 0x05, BT_XV_UINT16 = 0x06, BT_XV_INT32 = 0x07,
	BT_XV_UINT32 = 0x08, BT_XV_INT64 = 0x09, BT_XV_UINT64 = 0x0A, BT_XV_REAL32 = 0x0B,
	BT_XV_REAL64 = 0x0C, BT_XV_BOOL = 0x0D, BT_XV_BINARY = 0x0E, BT_XV_GUID = 0x0F,
	BT_XV_SIZET = 0x10, BT_XV_FILETIME = 0x11, BT_XV_SYSTEMTIME = 0x12, BT_XV_SID = 0x13,
	BT_XV_HEX32 = 0x14, BT_XV_HEX64 = 0x15, BT_XV_HANDLE = 0x20, BT_XV_BINXML = 0x21,
	BT_XV_EVTXML = 0x23,
	BT_XV_ARRAY = 0x80,   /* flag: an array of the type in the low bits */
};

/* A typed value: its type and raw bytes (borrowed, little-endian). */
struct bt_xv {
	const uint8_t *p;
	uint32_t size;
	uint8_t type;
};

/* FILETIME ticks beyond 9999-12-31: libevtx prints them as raw halves. */
#define BT_XV_FILETIME_MAX 2650467743999999999ULL

/* Appends the text of one scalar value (type without the array flag) as
 * libevtx renders it. False when it cannot be rendered (too short for its
 * type, an unknown type, an invalid SYSTEMTIME libevtx prints its own way). */
bool bt_xv_put(struct bt_sbuf *b, uint8_t type, const uint8_t *p, size_t size);

/* An upper bound of the length of the text bt_xv_put appends for a scalar
 * value (rendering into that much room never grows the buffer). */
size_t bt_xv_text_max(uint8_t type, const uint8_t *p, size_t size);

/* Whether a scalar value's text can be made later, knowing now that it will
 * render (bt_xv_put true, no U+FFFE/U+FFFF) and, in an attribute, that it
 * holds nothing libxml2 would change (no markup, TAB or LF): numbers, GUIDs,
 * SIDs, times, binary, and in content strings without U+FFFE/U+FFFF. */
static inline bool bt_xv_utf16_xml_clean_(const uint8_t *p, size_t n)
{
	/* four units at a time: a unit is U+FFFE or U+FFFF when it is all ones
	 * once its low bit is set */
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t y = ~(bt_le64(p + i) | 0x0001000100010001ULL);
		if ((y - 0x0001000100010001ULL) & ~y & 0x8000800080008000ULL)
			return false;
	}
	for (; i + 2 <= n; i += 2)
		if (p[i + 1] == 0xFF && p[i] >= 0xFE)
			return false;
	return true;
}

static inline bool bt_xv_deferrable(const struct bt_xv *v, bool in_attr)
{
	size_t n = v->size;
	switch (v->type) {
	case BT_XV_STRING: return !in_attr && bt_xv_utf16_xml_clean_(v->p, n);
	case BT_XV_ANSI: return !in_attr;
	case BT_XV_INT8: case BT_XV_UINT8: return n >= 1;
	case BT_XV_INT16: case BT_XV_UINT16: return n >= 2;
	case BT_XV_INT32: case BT_XV_UINT32: case BT_XV_REAL32: case BT_XV_BOOL:
	case BT_XV_HEX32:
		return n >= 4;
	case BT_XV_INT64: case BT_XV_UINT64: case BT_XV_REAL64: case BT_XV_FILETIME:
	case BT_XV_HEX64: case BT_XV_HANDLE:
		return n >= 8;
	case BT_XV_GUID: return n >= 16;
	case BT_XV_SIZET: return n == 4 || n >= 8;
	case BT_XV_SID: return n >= 8 && 8 + 4 * (size_t)v->p[1] <= n;
	case BT_XV_BINARY: return true;
	default: return false;   /* NULL (nothing to save), SYSTEMTIME, unknown */
	}
}

/* Same, also false when the text holds U+FFFE or U+FFFF (libxml2 stops
 * there, so the libevtx path never sees the rest). */
static inline bool bt_xv_text(struct bt_sbuf *b, uint8_t type, const uint8_t *p, size_t size)
{
	b->nonxml = false;
	return bt_xv_put(b, type, p, size) && !b->nonxml;
}

/* UTF-16LE to UTF-8, to the first NUL as libevtx does (lone surrogates
 * become U+FFFD); appends to b. */
void bt_xv_utf16(struct bt_sbuf *b, const uint8_t *p, size_t nbytes);

/* Appends a FILETIME as libevtx prints it ("2019-02-09T17:05:24.672757800Z"). */
void bt_xv_filetime(struct bt_sbuf *b, uint64_t ft);

/* The items of an array value, in order. String arrays are NUL-separated (a
 * trailing NUL ends the last item; an empty array is one empty item); SIDs
 * follow each other; other types have a fixed size (size_t: 8). */
struct bt_xv_iter {
	const struct bt_xv *v;
	size_t pos;           /* unit index (strings) or byte offset */
	size_t n;             /* items returned */
	bool done;
};
void bt_xv_iter_begin(struct bt_xv_iter *it, const struct bt_xv *v);
/* Sets *item (its type without the array flag); false after the last one. */
bool bt_xv_iter_next(struct bt_xv_iter *it, struct bt_xv *item);

/* ---- text in attribute values ---- */

#define BT_XV_ATTR_SPACE 1u   /* TAB or LF: libxml2 turns it into a space */
#define BT_XV_ATTR_MARKUP 2u  /* < & ": libevtx does not escape it there */

/* Which of those an attribute value's text holds (BT_XV_ATTR_* bits). */
unsigned bt_xv_attr_scan(const char *v, size_t n);

/* Turns TAB and LF into spaces in place, as libxml2 does; returns n. */
size_t bt_xv_attr_norm(char *v, size_t n);


#endif
