/* EVTX BinXML values and their text as the libevtx reader path sees it
 * (see bt_evtx_value.h): libevtx/libuna 20181227's rendering, reproduced. */
#include "config.h"

#include "evtx/bt_evtx_value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bt_buf.h"
#include "core/bt_bytes.h"
#include "core/bt_event.h"
#include "core/bt_time.h"

/* ---- growable scratch text ---- */

char *bt_sb_grow(struct bt_sbuf *b, size_t extra)
{
	size_t nc = b->cap ? b->cap : 1024;
	while (nc - b->n <= extra) {
		if (nc > BT_MAX_EVENT_BYTES) {
			b->over = true;
			return NULL;
		}
		nc *= 2;
	}
	char *np = realloc(b->p, nc);
	if (!np) {
		b->over = true;
		return NULL;
	}
	b->p = np;
	b->cap = nc;
	return b->p + b->n;
}

void bt_sb_free(struct bt_sbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

/* ---- text conversion (libevtx/libuna 20181227 behaviour) ---- */

/* UTF-16LE to UTF-8, stopping at the first NUL as libevtx does; a lone
 * surrogate becomes U+FFFD. (libuna 20181227 decodes a surrogate pair 0x3FF
 * below its code point: the libevtx reader puts that right.) Appends to b. */
void bt_xv_utf16(struct bt_sbuf *b, const uint8_t *p, size_t nbytes)
{
	size_t units = nbytes / 2;
	char *d = bt_sb_room(b, units * 3);
	if (!d)
		return;
	char *d0 = d;
	for (size_t i = 0; i < units; i++) {
		/* ASCII runs four units at a time (no NUL or non-ASCII among them) */
		while (i + 4 <= units) {
			uint64_t x = bt_le64(p + 2 * i);
			if ((x & 0xFF80FF80FF80FF80ULL) ||
			    ((x - 0x0001000100010001ULL) & ~x & 0x8000800080008000ULL))
				break;
			d[0] = (char)x;
			d[1] = (char)(x >> 16);
			d[2] = (char)(x >> 32);
			d[3] = (char)(x >> 48);
			d += 4;
			i += 4;
		}
		if (i >= units)
			break;
		uint32_t u = (uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
		if (u == 0)
			break;
		if (u < 0x80) {
			*d++ = (char)u;
			continue;
		}
		if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
			uint32_t lo = (uint32_t)p[2 * i + 2] | (uint32_t)p[2 * i + 3] << 8;
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				uint32_t cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				d += bt_utf8_encode(d, cp);
				i++;
				continue;
			}
			/* libuna swallows the unit after a lone high surrogate */
			d += bt_utf8_encode(d, 0xFFFD);
			if (lo == 0)
				break;
			i++;
			continue;
		}
		if (u >= 0xD800 && u <= 0xDFFF)
			u = 0xFFFD;
		if (u >= 0xFFFE)
			b->nonxml = true;
		d += bt_utf8_encode(d, u);
	}
	b->n += (size_t)(d - d0);
}

/* Windows-1252 (libevtx's default codepage) to UTF-8, up to the first NUL. */
static const uint16_t cp1252_hi[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

static void ansi_put(struct bt_sbuf *b, const uint8_t *p, size_t n)
{
	char *d = bt_sb_room(b, n * 3);
	if (!d)
		return;
	char *d0 = d;
	for (size_t i = 0; i < n && p[i]; i++) {
		uint32_t c = p[i];
		if (c >= 0x80 && c < 0xA0)
			c = cp1252_hi[c - 0x80];
		d += bt_utf8_encode(d, c);
	}
	b->n += (size_t)(d - d0);
}

/* ---- value rendering ---- */

static void put_u64(struct bt_sbuf *b, uint64_t v)
{
	char t[24];
	size_t i = sizeof t;
	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	bt_sb_put(b, t + i, sizeof t - i);
}

/* libevtx prints a negative signed integer as '-' and its bits below the sign
 * bit (int8 -5 is "-123"); reproduced so both readers agree. */
static void put_signed(struct bt_sbuf *b, uint64_t raw, unsigned bits)
{
	uint64_t sign = (uint64_t)1 << (bits - 1);
	if (raw & sign) {
		bt_sb_putc(b, '-');
		put_u64(b, raw & (sign - 1));
	} else {
		put_u64(b, raw);
	}
}

static const char hexu[] = "0123456789ABCDEF";
static const char hexl[] = "0123456789abcdef";

static void put_hex_fixed(struct bt_sbuf *b, uint64_t v, int digits)
{
	char t[20];
	t[0] = '0';
	t[1] = 'x';
	for (int i = 0; i < digits; i++)
		t[2 + i] = hexl[(v >> (4 * (digits - 1 - i))) & 15];
	bt_sb_put(b, t, 2 + (size_t)digits);
}

static void put_real(struct bt_sbuf *b, double d)
{
	if (isnan(d)) {
		bt_sb_put(b, "NaN", 3);
		return;
	}
	if (isinf(d)) {
		bt_sb_put(b, "Inf", 3);
		return;
	}
	char t[64];
	int n = snprintf(t, sizeof t, "%e", d);
	if (n <= 0 || (size_t)n >= sizeof t)
		return;
	/* Windows-style three-digit exponent: "1.500000e+000" */
	char *e = strchr(t, 'e');
	if (e && strlen(e + 2) < 3) {
		size_t digits = strlen(e + 2);
		memmove(e + 2 + (3 - digits), e + 2, digits + 1);
		memset(e + 2, '0', 3 - digits);
		n = (int)strlen(t);
	}
	bt_sb_put(b, t, (size_t)n);
}

static void put_guid(struct bt_sbuf *b, const uint8_t *g)
{
	char t[38];
	uint32_t d1 = bt_le32(g);
	uint16_t d2 = bt_le16(g + 4), d3 = bt_le16(g + 6);
	int k = 0;
	t[k++] = '{';
	for (int i = 7; i >= 0; i--)
		t[k++] = hexu[(d1 >> (4 * i)) & 15];
	t[k++] = '-';
	for (int i = 3; i >= 0; i--)
		t[k++] = hexu[(d2 >> (4 * i)) & 15];
	t[k++] = '-';
	for (int i = 3; i >= 0; i--)
		t[k++] = hexu[(d3 >> (4 * i)) & 15];
	t[k++] = '-';
	for (int i = 8; i < 16; i++) {
		if (i == 10)
			t[k++] = '-';
		t[k++] = hexu[g[i] >> 4];
		t[k++] = hexu[g[i] & 15];
	}
	t[k++] = '}';
	bt_sb_put(b, t, (size_t)k);
}

void bt_xv_filetime(struct bt_sbuf *b, uint64_t ft)
{
	if (ft > BT_XV_FILETIME_MAX) {
		char t[32];
		int n = snprintf(t, sizeof t, "(0x%08x 0x%08x)", (unsigned)(ft >> 32),
		                 (unsigned)(ft & 0xFFFFFFFFu));
		bt_sb_put(b, t, (size_t)n);
		return;
	}
	char t[BT_TIME_BUFSZ];
	size_t n = bt_time_format((bt_time)ft, t);
	if (n < 2)
		return;
	/* 7 fractional digits from bt_time_format; libevtx prints nanoseconds */
	bt_sb_put(b, t, n - 1);
	bt_sb_put(b, "00Z", 3);
}

static bool systemtime_valid(const uint8_t *p)
{
	static const unsigned dim[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y = bt_le16(p), m = bt_le16(p + 2), d = bt_le16(p + 6), h = bt_le16(p + 8),
	         mi = bt_le16(p + 10), s = bt_le16(p + 12), ms = bt_le16(p + 14);
	if (y > 9999 || m < 1 || m > 12 || d < 1 || d > dim[m - 1] || h > 23 || mi > 59 ||
	    s > 59 || ms > 999)
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	return true;
}

static bool put_systemtime(struct bt_sbuf *b, const uint8_t *p)
{
	char t[80];
	int n;
	if (!systemtime_valid(p))
		return false;   /* libevtx prints its internal fields: not reproduced */
	n = snprintf(t, sizeof t, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", bt_le16(p), bt_le16(p + 2),
	             bt_le16(p + 6), bt_le16(p + 8), bt_le16(p + 10), bt_le16(p + 12), bt_le16(p + 14));
	if (n > 0)
		bt_sb_put(b, t, (size_t)n);
	return true;
}

/* Renders a SID; returns its size in bytes or 0 when it does not fit. */
static size_t put_sid(struct bt_sbuf *b, const uint8_t *p, size_t size)
{
	if (size < 8)
		return 0;
	unsigned cnt = p[1];
	if (8 + 4 * (size_t)cnt > size)
		return 0;
	uint64_t auth = 0;
	for (int i = 2; i < 8; i++)
		auth = auth << 8 | p[i];
	bt_sb_put(b, "S-", 2);
	put_u64(b, p[0]);
	bt_sb_putc(b, '-');
	put_u64(b, auth);
	for (unsigned i = 0; i < cnt; i++) {
		bt_sb_putc(b, '-');
		put_u64(b, bt_le32(p + 8 + 4 * i));
	}
	return 8 + 4 * (size_t)cnt;
}

static uint64_t le_n(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = n; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

/* Size of one item of a fixed-size type (0 = variable). */
static size_t item_size(uint8_t t, size_t total)
{
	switch (t) {
	case BT_XV_INT8: case BT_XV_UINT8: return 1;
	case BT_XV_INT16: case BT_XV_UINT16: return 2;
	case BT_XV_INT32: case BT_XV_UINT32: case BT_XV_REAL32: case BT_XV_BOOL: case BT_XV_HEX32: return 4;
	case BT_XV_INT64: case BT_XV_UINT64: case BT_XV_REAL64: case BT_XV_FILETIME: case BT_XV_HEX64: return 8;
	case BT_XV_HANDLE: return 8;
	case BT_XV_GUID: case BT_XV_SYSTEMTIME: return 16;
	case BT_XV_SIZET: return total == 4 ? 4 : 8;
	default: return 0;
	}
}

/* Appends one scalar value (no array bit). Returns false when it cannot be
 * rendered (too short for its type). */
bool bt_xv_put(struct bt_sbuf *b, uint8_t t, const uint8_t *p, size_t size)
{
	size_t is = item_size(t, size);
	if (is && size < is && t != BT_XV_SIZET)
		return false;
	switch (t) {
	case BT_XV_NULL: return true;
	case BT_XV_STRING: bt_xv_utf16(b, p, size); return true;
	case BT_XV_ANSI: ansi_put(b, p, size); return true;
	case BT_XV_INT8: put_signed(b, p[0], 8); return true;
	case BT_XV_UINT8: put_u64(b, p[0]); return true;
	case BT_XV_INT16: put_signed(b, bt_le16(p), 16); return true;
	case BT_XV_UINT16: put_u64(b, bt_le16(p)); return true;
	case BT_XV_INT32: put_signed(b, bt_le32(p), 32); return true;
	case BT_XV_UINT32: put_u64(b, bt_le32(p)); return true;
	case BT_XV_INT64: put_signed(b, bt_le64(p), 64); return true;
	case BT_XV_UINT64: put_u64(b, bt_le64(p)); return true;
	case BT_XV_REAL32: {
		float f;
		memcpy(&f, p, 4);
		put_real(b, (double)f);
		return true;
	}
	case BT_XV_REAL64: {
		double d;
		memcpy(&d, p, 8);
		put_real(b, d);
		return true;
	}
	case BT_XV_BOOL:
		if (le_n(p, size < 8 ? size : 8))
			bt_sb_put(b, "true", 4);
		else
			bt_sb_put(b, "false", 5);
		return true;
	case BT_XV_BINARY: {
		char *d = bt_sb_room(b, size * 2);
		if (!d)
			return true;
		for (size_t i = 0; i < size; i++) {
			d[2 * i] = hexu[p[i] >> 4];
			d[2 * i + 1] = hexu[p[i] & 15];
		}
		b->n += size * 2;
		return true;
	}
	case BT_XV_GUID: put_guid(b, p); return true;
	case BT_XV_SIZET:
		if (size != 4 && size < 8)
			return false;
		put_u64(b, size == 4 ? bt_le32(p) : bt_le64(p));
		return true;
	case BT_XV_FILETIME: bt_xv_filetime(b, bt_le64(p)); return true;
	case BT_XV_SYSTEMTIME: return put_systemtime(b, p);
	case BT_XV_SID: return put_sid(b, p, size) != 0;
	case BT_XV_HEX32: put_hex_fixed(b, bt_le32(p), 8); return true;
	case BT_XV_HEX64: put_hex_fixed(b, bt_le64(p), 16); return true;
	case BT_XV_HANDLE: put_hex_fixed(b, bt_le64(p), 16); return true;
	default: return false;
	}
}

size_t bt_xv_text_max(uint8_t type, const uint8_t *p, size_t size)
{
	/* 64: room for any fixed-size value and the room checks' slack */
	switch (type) {
	case BT_XV_STRING: return size / 2 * 3 + 64;
	case BT_XV_ANSI: return size * 3 + 64;
	case BT_XV_BINARY: return size * 2 + 64;
	case BT_XV_SID: return size >= 2 ? 64 + 11 * (size_t)p[1] : 64;
	default: return 64;
	}
}

/* ---- arrays ---- */

void bt_xv_iter_begin(struct bt_xv_iter *a, const struct bt_xv *v)
{
	a->v = v;
	a->pos = 0;
	a->n = 0;
	a->done = false;
}

bool bt_xv_iter_next(struct bt_xv_iter *a, struct bt_xv *it)
{
	const struct bt_xv *v = a->v;
	uint8_t t = v->type & 0x7F;
	if (a->done)
		return false;
	it->type = t;
	if (t == BT_XV_STRING || t == BT_XV_ANSI) {
		size_t unit = t == BT_XV_STRING ? 2 : 1;
		size_t units = v->size / unit;
		for (size_t i = a->pos; i <= units; i++) {
			bool end = i == units;
			bool nul = !end && (unit == 2 ? (v->p[2 * i] | v->p[2 * i + 1]) == 0 : v->p[i] == 0);
			if (nul || (end && i > a->pos)) {
				it->p = v->p + a->pos * unit;
				it->size = (uint32_t)((i - a->pos) * unit);
				a->pos = i + 1;
				a->n++;
				if (end)
					a->done = true;
				return true;
			}
		}
		a->done = true;
		if (a->n == 0) {   /* an empty array renders as one empty element */
			it->p = v->p;
			it->size = 0;
			a->n++;
			return true;
		}
		return false;
	}
	size_t is = t == BT_XV_SIZET ? 8 : item_size(t, v->size);
	if (t == BT_XV_SID) {
		if (a->pos + 8 > v->size)
			return a->done = true, false;
		is = 8 + 4 * (size_t)v->p[a->pos + 1];
	}
	if (!is || a->pos + is > v->size) {
		a->done = true;
		return false;
	}
	it->p = v->p + a->pos;
	it->size = (uint32_t)is;
	a->pos += is;
	a->n++;
	return true;
}

/* ---- text in attribute values ---- */

static const uint8_t attr_special[256] = {
	['\t'] = BT_XV_ATTR_SPACE, ['\n'] = BT_XV_ATTR_SPACE,
	['<'] = BT_XV_ATTR_MARKUP, ['&'] = BT_XV_ATTR_MARKUP, ['"'] = BT_XV_ATTR_MARKUP,
};

unsigned bt_xv_attr_scan(const char *v, size_t n)
{
	unsigned f = 0;
	for (size_t i = 0; i < n; i++)
		f |= attr_special[(unsigned char)v[i]];
	return f;
}

/* CR and the other control characters are kept by bt_evtx_xml.c's
 * shielding, so only TAB and LF change. */
size_t bt_xv_attr_norm(char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == '\n' || v[i] == '\t')
			v[i] = ' ';
	return n;
}
