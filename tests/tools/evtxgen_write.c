/* evtxgen: events -> EVTX, laid out as Windows writes it.
 *
 * Layout (libyal "Windows XML Event Log (EVTX)" and real Windows Server 2019+
 * files): 4096-byte file header, 64 KiB chunks with a 512-byte header (CRCs,
 * record numbers, 64 common-string buckets, 32 template buckets), then
 * records "**\0\0" + size + id + written time + Binary XML + size copy,
 * padded to 8 bytes.
 *
 * Each record is a template instance of the System template (Provider,
 * EventID, ..., Security as optional substitutions 0-16, the payload as a
 * Binary XML substitution 17), and the payload is itself a template instance
 * of an EventData/UserData template. A template is defined inline at its first
 * use in a chunk and referenced by offset afterwards; names are defined inline
 * at first use and referenced through the chunk's string table. Events with
 * an EventSourceName use the older System template Windows writes for them
 * (Provider and Channel as literal text, RelatedActivityID 18, payload 19). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "evtxgen.h"

#define EVENT_NS "http://schemas.microsoft.com/win/2004/08/events/event"
#define TPL_BUCKETS 4096u
#define MAX_NAME_UTF16 1024u       /* bytes of an element/attribute name */
#define MAX_TEXT_UTF16 8192u       /* bytes of a literal text in a template */
#define CHUNK_TAIL 8u              /* bytes a chunk keeps free after its last record */

/* Binary XML tokens. */
enum {
	TOK_EOF = 0x00,
	TOK_OPEN = 0x01,
	TOK_CLOSE_START = 0x02,
	TOK_CLOSE_EMPTY = 0x03,
	TOK_END = 0x04,
	TOK_VALUE = 0x05,
	TOK_ATTR = 0x06,
	TOK_TEMPLATE = 0x0c,
	TOK_NSUBST = 0x0d,
	TOK_OSUBST = 0x0e,
	TOK_FRAGMENT = 0x0f,
	TOK_MORE = 0x40,
};

#define DEP_NONE 0xffffu

struct tpl {
	uint8_t *key;
	size_t keylen;
	uint64_t hash;
	uint8_t guid[16];
	uint32_t gen;              /* chunk generation where def_off is valid */
	uint32_t def_off;
	struct tpl *next;
};

struct eg_writer {
	FILE *f;
	struct eg_writer_opts o;
	uint8_t chunk[EG_CHUNK_SIZE];
	uint32_t pos;              /* free-space offset in the chunk */
	bool overflow;             /* the record being written does not fit */
	uint32_t gen;              /* chunk generation, 0 = no chunk open */
	uint32_t nrec_chunk, last_rec_off;
	uint64_t first_num, first_id, last_id_chunk;
	uint32_t nchunks;          /* chunks written to the file */
	uint64_t nrecords, last_id;
	struct tpl *tpls[TPL_BUCKETS];
	struct tpl *defined[2];    /* templates defined by the current record */
	int ndefined;
	uint8_t *key;              /* scratch for template keys */
	size_t keylen, keycap;
	uint8_t scratch[1024];     /* encoded System values */
	uint8_t *array;            /* classic string array */
	size_t arraycap;
	bool bad;                  /* an emission error (err holds it) */
	char err[EG_ERR_SIZE];
	bool brk;                  /* the next record starts a new chunk */
	uint32_t name_floor;       /* names before this offset are not reused */
	int level;                 /* template level being written: 0 System, 1 payload */
	struct eg_record_info cur, last;
};

/* ---- encoding helpers */

long eg_utf16(const char *s, size_t n, uint8_t *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	size_t o = 0;
	while (p < end) {
		uint32_t c;
		int len;
		if (p[0] < 0x80) {
			c = p[0];
			len = 1;
		} else if ((p[0] & 0xe0) == 0xc0) {
			c = p[0] & 0x1fu;
			len = 2;
		} else if ((p[0] & 0xf0) == 0xe0) {
			c = p[0] & 0x0fu;
			len = 3;
		} else if ((p[0] & 0xf8) == 0xf0) {
			c = p[0] & 0x07u;
			len = 4;
		} else {
			return -1;
		}
		if (end - p < len)
			return -1;
		for (int i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			c = c << 6 | (p[i] & 0x3fu);
		}
		/* reject overlong forms, surrogates and out-of-range values */
		if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
		    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
			return -1;
		p += len;
		if (c >= 0x10000) {
			if (cap - o < 4)
				return -1;
			c -= 0x10000;
			eg_put16(out + o, (uint16_t)(0xd800 | c >> 10));
			eg_put16(out + o + 2, (uint16_t)(0xdc00 | (c & 0x3ff)));
			o += 4;
		} else {
			if (cap - o < 2)
				return -1;
			eg_put16(out + o, (uint16_t)c);
			o += 2;
		}
	}
	return (long)o;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool eg_parse_guid(const char *s, uint8_t out[16])
{
	uint8_t b[16];
	size_t n = strlen(s);
	if (n == 38 && s[0] == '{' && s[37] == '}') {
		s++;
		n = 36;
	}
	if (n != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
		return false;
	int k = 0;
	for (size_t i = 0; i < 36;) {
		if (s[i] == '-') {
			i++;
			continue;
		}
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		b[k++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	/* Data1 (32 bits), Data2 and Data3 (16 bits) are little-endian on disk */
	out[0] = b[3];
	out[1] = b[2];
	out[2] = b[1];
	out[3] = b[0];
	out[4] = b[5];
	out[5] = b[4];
	out[6] = b[7];
	out[7] = b[6];
	memcpy(out + 8, b + 8, 8);
	return true;
}

static bool parse_dec(const char **pp, uint64_t max, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');
		if (x > (max - d) / 10)
			return false;
		x = x * 10 + d;
		p++;
	}
	*pp = p;
	*v = x;
	return true;
}

size_t eg_parse_sid(const char *s, uint8_t out[68])
{
	uint64_t rev, auth, sub;
	const char *p = s;
	if (p[0] != 'S' || p[1] != '-')
		return 0;
	p += 2;
	if (!parse_dec(&p, 255, &rev) || *p != '-')
		return 0;
	p++;
	if (!parse_dec(&p, 0xffffffffffffull, &auth))
		return 0;
	out[0] = (uint8_t)rev;
	for (int i = 0; i < 6; i++)
		out[2 + i] = (uint8_t)(auth >> (8 * (5 - i)));
	int n = 0;
	while (*p == '-') {
		p++;
		if (n == 15 || !parse_dec(&p, 0xffffffffu, &sub))
			return 0;
		eg_put32(out + 8 + 4 * n, (uint32_t)sub);
		n++;
	}
	if (*p)
		return 0;
	out[1] = (uint8_t)n;
	return 8 + 4 * (size_t)n;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

#define FT_UNIX_EPOCH 116444736000000000ull   /* 1970-01-01 as FILETIME */

static bool fixed_digits(const char *p, int n, unsigned *v)
{
	unsigned x = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		x = x * 10 + (unsigned)(p[i] - '0');
	}
	*v = x;
	return true;
}

bool eg_parse_time(const char *s, uint64_t *ft)
{
	unsigned Y, M, D, h, mi, sec, frac = 0;
	if (strlen(s) < 20 || !fixed_digits(s, 4, &Y) || s[4] != '-' || !fixed_digits(s + 5, 2, &M) ||
	    s[7] != '-' || !fixed_digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't') ||
	    !fixed_digits(s + 11, 2, &h) || s[13] != ':' || !fixed_digits(s + 14, 2, &mi) ||
	    s[16] != ':' || !fixed_digits(s + 17, 2, &sec))
		return false;
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (Y < 1601 || M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || mi > 59 || sec > 59)
		return false;
	if (M == 2 && D == 29 && !((Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0))
		return false;
	const char *p = s + 19;
	if (*p == '.') {
		int nd = 0;
		p++;
		while (*p >= '0' && *p <= '9') {
			if (++nd > 7)
				return false;
			frac = frac * 10 + (unsigned)(*p - '0');
			p++;
		}
		if (nd == 0)
			return false;
		for (; nd < 7; nd++)
			frac *= 10;
	}
	int64_t off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		unsigned oh, om;
		if (!fixed_digits(p + 1, 2, &oh) || p[3] != ':' || !fixed_digits(p + 4, 2, &om) ||
		    oh > 23 || om > 59)
			return false;
		off = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return false;
	}
	if (*p)
		return false;
	int64_t secs = days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec - off;
	int64_t t = secs * 10000000 + (int64_t)FT_UNIX_EPOCH;
	if (t < 0)
		return false;
	*ft = (uint64_t)t + frac;
	return true;
}

void eg_format_time(uint64_t ft, char *buf, size_t n)
{
	int64_t t = (int64_t)(ft / 10000000) - (int64_t)(FT_UNIX_EPOCH / 10000000);
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t rem = t - days * 86400;
	int y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, n, "%04d-%02u-%02uT%02u:%02u:%02u.%07uZ", y, m, d, (unsigned)(rem / 3600),
	         (unsigned)(rem / 60 % 60), (unsigned)(rem % 60), (unsigned)(ft % 10000000));
}

void eg_systemtime(uint64_t ft, uint8_t out[16])
{
	int64_t t = (int64_t)(ft / 10000000) - (int64_t)(FT_UNIX_EPOCH / 10000000);
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t rem = t - days * 86400;
	int y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	int64_t dow = (days + 4) % 7;          /* 1970-01-01 was a Thursday */
	if (dow < 0)
		dow += 7;
	eg_put16(out, (uint16_t)y);
	eg_put16(out + 2, (uint16_t)m);
	eg_put16(out + 4, (uint16_t)dow);
	eg_put16(out + 6, (uint16_t)d);
	eg_put16(out + 8, (uint16_t)(rem / 3600));
	eg_put16(out + 10, (uint16_t)(rem / 60 % 60));
	eg_put16(out + 12, (uint16_t)(rem % 60));
	eg_put16(out + 14, (uint16_t)(ft % 10000000 / 10000));
}

uint32_t eg_chunk_header_crc(const uint8_t *chunk)
{
	uLong c = crc32(0L, Z_NULL, 0);
	c = crc32(c, chunk, 120);
	c = crc32(c, chunk + 128, EG_CHUNK_HEADER_SIZE - 128);
	return (uint32_t)c;
}

/* The hash Windows uses for names and template GUIDs: h = h * 65599 + unit
 * over UTF-16 code units (names keep the low 16 bits, in bucket h % 64;
 * templates go in bucket h % 32 of the GUID's eight 16-bit words). */
static uint32_t hash65599(const uint8_t *u16, size_t bytes)
{
	uint32_t h = 0;
	for (size_t i = 0; i + 1 < bytes; i += 2)
		h = h * 65599u + eg_get16(u16 + i);
	return h;
}

static uint64_t fnv1a(const uint8_t *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* ---- emission into the open chunk (bounded: overflow marks the record) */

static void put(struct eg_writer *w, const void *p, size_t n)
{
	if (n == 0)
		return;        /* p may be NULL (an empty value) */
	if (w->overflow || n > EG_CHUNK_SIZE - w->pos) {
		w->overflow = true;
		return;
	}
	memcpy(w->chunk + w->pos, p, n);
	w->pos += (uint32_t)n;
}

static void put8(struct eg_writer *w, uint8_t v) { put(w, &v, 1); }

static void put16(struct eg_writer *w, uint16_t v)
{
	uint8_t b[2];
	eg_put16(b, v);
	put(w, b, 2);
}

static void put32(struct eg_writer *w, uint32_t v)
{
	uint8_t b[4];
	eg_put32(b, v);
	put(w, b, 4);
}

static void patch16(struct eg_writer *w, uint32_t at, uint16_t v)
{
	if (!w->overflow)
		eg_put16(w->chunk + at, v);
}

static void patch32(struct eg_writer *w, uint32_t at, uint32_t v)
{
	if (!w->overflow)
		eg_put32(w->chunk + at, v);
}

static void fail(struct eg_writer *w, const char *what, const char *s)
{
	if (!w->bad)
		snprintf(w->err, sizeof w->err, "%s: \"%.80s\"", what, s);
	w->bad = true;
}

static uint32_t strtab_get(const struct eg_writer *w, unsigned b)
{
	return eg_get32(w->chunk + 128 + 4 * b);
}

static uint32_t tpltab_get(const struct eg_writer *w, unsigned b)
{
	return eg_get32(w->chunk + 384 + 4 * b);
}

/* A name: a reference to its entry in the chunk's string table, or the
 * entry itself inline after the offset when it is new to the chunk. */
static void put_name(struct eg_writer *w, const char *name)
{
	uint8_t u[MAX_NAME_UTF16];
	long n = eg_utf16(name, strlen(name), u, sizeof u);
	if (n <= 0) {
		fail(w, "name is empty, too long or not UTF-8", name);
		return;
	}
	uint16_t hash = (uint16_t)hash65599(u, (size_t)n);
	unsigned b = hash % 64u;
	for (uint32_t off = strtab_get(w, b); off; off = eg_get32(w->chunk + off)) {
		if (off >= w->name_floor && eg_get16(w->chunk + off + 6) == n / 2 &&
		    memcmp(w->chunk + off + 8, u, (size_t)n) == 0) {
			put32(w, off);
			return;
		}
	}
	uint32_t here = w->pos + 4;
	put32(w, here);
	put32(w, strtab_get(w, b));
	put16(w, hash);
	put16(w, (uint16_t)(n / 2));
	put(w, u, (size_t)n);
	put16(w, 0);
	if (!w->overflow)
		eg_put32(w->chunk + 128 + 4 * b, here);
}

static void put_text(struct eg_writer *w, const char *s)
{
	static uint8_t u[MAX_TEXT_UTF16];
	long n = eg_utf16(s, strlen(s), u, sizeof u);
	if (n < 0) {
		fail(w, "text too long or not UTF-8", s);
		return;
	}
	put8(w, TOK_VALUE);
	put8(w, EG_VT_STRING);
	put16(w, (uint16_t)(n / 2));
	put(w, u, (size_t)n);
}

static void put_subst(struct eg_writer *w, bool optional, uint16_t id, uint8_t type)
{
	put8(w, optional ? TOK_OSUBST : TOK_NSUBST);
	put16(w, id);
	put8(w, type);
}

struct elem {
	uint32_t sizepos, attrpos;
	bool attrs;
};

static void el_open(struct eg_writer *w, struct elem *e, const char *name, bool attrs, uint16_t dep)
{
	put8(w, attrs ? TOK_OPEN | TOK_MORE : TOK_OPEN);
	put16(w, dep);
	e->sizepos = w->pos;
	put32(w, 0);
	put_name(w, name);
	e->attrs = attrs;
	e->attrpos = w->pos;
	if (attrs)
		put32(w, 0);
}

static void el_attr(struct eg_writer *w, const char *name, bool more)
{
	put8(w, more ? TOK_ATTR | TOK_MORE : TOK_ATTR);
	put_name(w, name);
}

static void el_attrs_done(struct eg_writer *w, struct elem *e)
{
	if (e->attrs)
		patch32(w, e->attrpos, w->pos - (e->attrpos + 4));
}

/* The element's data size counts everything after its first 7 bytes. */
static void el_size(struct eg_writer *w, struct elem *e)
{
	patch32(w, e->sizepos, w->pos - (e->sizepos + 4));
}

static void el_close_start(struct eg_writer *w, struct elem *e)
{
	el_attrs_done(w, e);
	put8(w, TOK_CLOSE_START);
}

static void el_close_empty(struct eg_writer *w, struct elem *e)
{
	el_attrs_done(w, e);
	put8(w, TOK_CLOSE_EMPTY);
	el_size(w, e);
}

static void el_end(struct eg_writer *w, struct elem *e)
{
	put8(w, TOK_END);
	el_size(w, e);
}

/* <name>subst</name> with the element depending on an optional substitution. */
static void el_subst(struct eg_writer *w, const char *name, uint16_t id, uint8_t type)
{
	struct elem e;
	el_open(w, &e, name, false, id);
	el_close_start(w, &e);
	put_subst(w, true, id, type);
	el_end(w, &e);
}

static void put_fragment_header(struct eg_writer *w)
{
	static const uint8_t frag[4] = {TOK_FRAGMENT, 1, 1, 0};
	put(w, frag, 4);
}

/* ---- templates */

enum { STYLE_MODERN = 'A', STYLE_LITERAL = 'B' };

static int style_of(const struct eg_event *ev)
{
	return ev->event_source_name ? STYLE_LITERAL : STYLE_MODERN;
}

static uint16_t payload_index(int style) { return style == STYLE_MODERN ? 17 : 19; }
static uint16_t outer_count(int style) { return style == STYLE_MODERN ? 18 : 20; }

static void key_add(struct eg_writer *w, const void *p, size_t n)
{
	if (w->keycap - w->keylen < n) {
		size_t cap = w->keycap ? w->keycap : 1024;
		while (cap - w->keylen < n)
			cap *= 2;
		uint8_t *k = realloc(w->key, cap);
		if (!k) {
			fail(w, "out of memory", "template key");
			return;
		}
		w->key = k;
		w->keycap = cap;
	}
	memcpy(w->key + w->keylen, p, n);
	w->keylen += n;
}

static void key_str(struct eg_writer *w, const char *s)
{
	key_add(w, s ? s : "", s ? strlen(s) + 1 : 1);
}

static void key_byte(struct eg_writer *w, uint8_t b) { key_add(w, &b, 1); }

static void outer_key(struct eg_writer *w, const struct eg_event *ev)
{
	w->keylen = 0;
	key_byte(w, 'O');
	key_byte(w, (uint8_t)style_of(ev));
	key_byte(w, ev->payload == EG_PAYLOAD_USERDATA ? 'U' : 'D');
	key_str(w, ev->computer);
	if (style_of(ev) == STYLE_LITERAL) {
		key_str(w, ev->provider);
		key_byte(w, ev->has_provider_guid);
		key_add(w, ev->provider_guid, 16);
		key_str(w, ev->event_source_name);
		key_str(w, ev->channel);
	}
}

static void inner_key(struct eg_writer *w, const struct eg_event *ev)
{
	w->keylen = 0;
	key_byte(w, 'I');
	key_byte(w, (uint8_t)ev->payload);
	if (ev->payload == EG_PAYLOAD_UNNAMED)
		return;
	if (ev->payload == EG_PAYLOAD_USERDATA) {
		key_str(w, ev->user_element);
		key_str(w, ev->user_xmlns);
	}
	for (size_t i = 0; i < ev->nfields; i++) {
		key_str(w, ev->fields[i].name);
		key_byte(w, ev->fields[i].v.decl);
		key_byte(w, ev->fields[i].v.type == EG_VT_NULL);
	}
}

/* Finds or creates the template for the key in w->key. */
static struct tpl *tpl_get(struct eg_writer *w)
{
	uint64_t h = fnv1a(w->key, w->keylen, 0xcbf29ce484222325ull);
	unsigned b = (unsigned)(h % TPL_BUCKETS);
	for (struct tpl *t = w->tpls[b]; t; t = t->next)
		if (t->hash == h && t->keylen == w->keylen && memcmp(t->key, w->key, w->keylen) == 0)
			return t;
	struct tpl *t = calloc(1, sizeof *t);
	if (!t || !(t->key = malloc(w->keylen))) {
		free(t);
		fail(w, "out of memory", "template");
		return NULL;
	}
	memcpy(t->key, w->key, w->keylen);
	t->keylen = w->keylen;
	t->hash = h;
	/* a stable GUID per shape, so regenerated files are identical */
	eg_put64(t->guid, fnv1a(w->key, w->keylen, 0x84222325cbf29ce4ull));
	eg_put64(t->guid + 8, h);
	t->next = w->tpls[b];
	w->tpls[b] = t;
	return t;
}

static void outer_body(struct eg_writer *w, const struct eg_event *ev)
{
	int style = style_of(ev);
	uint16_t pi = payload_index(style);
	bool userdata = ev->payload == EG_PAYLOAD_USERDATA;
	struct elem event, system, e;

	el_open(w, &event, "Event", true, userdata ? DEP_NONE : pi);
	el_attr(w, "xmlns", false);
	put_text(w, EVENT_NS);
	el_close_start(w, &event);
	el_open(w, &system, "System", false, DEP_NONE);
	el_close_start(w, &system);

	el_open(w, &e, "Provider", true, DEP_NONE);
	if (style == STYLE_MODERN) {
		el_attr(w, "Name", true);
		put_subst(w, true, 14, EG_VT_STRING);
		el_attr(w, "Guid", false);
		put_subst(w, true, 15, EG_VT_GUID);
	} else {
		el_attr(w, "Name", true);
		put_text(w, ev->provider);
		if (ev->has_provider_guid) {
			const uint8_t *g = ev->provider_guid;
			char s[40];
			snprintf(s, sizeof s,
			         "{%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}",
			         eg_get32(g), eg_get16(g + 4), eg_get16(g + 6), g[8], g[9], g[10],
			         g[11], g[12], g[13], g[14], g[15]);
			el_attr(w, "Guid", true);
			put_text(w, s);
		}
		el_attr(w, "EventSourceName", false);
		put_text(w, ev->event_source_name);
	}
	el_close_empty(w, &e);

	el_open(w, &e, "EventID", true, 3);
	el_attr(w, "Qualifiers", false);
	put_subst(w, true, 4, EG_VT_UINT16);
	el_close_start(w, &e);
	put_subst(w, true, 3, EG_VT_UINT16);
	el_end(w, &e);
	el_subst(w, "Version", 11, EG_VT_UINT8);
	el_subst(w, "Level", 0, EG_VT_UINT8);
	el_subst(w, "Task", 2, EG_VT_UINT16);
	el_subst(w, "Opcode", 1, EG_VT_UINT8);
	el_subst(w, "Keywords", 5, EG_VT_HEXINT64);

	el_open(w, &e, "TimeCreated", true, DEP_NONE);
	el_attr(w, "SystemTime", false);
	put_subst(w, true, 6, EG_VT_FILETIME);
	el_close_empty(w, &e);
	el_subst(w, "EventRecordID", 10, EG_VT_UINT64);

	el_open(w, &e, "Correlation", true, DEP_NONE);
	el_attr(w, "ActivityID", true);
	put_subst(w, true, 7, EG_VT_GUID);
	el_attr(w, "RelatedActivityID", false);
	put_subst(w, true, style == STYLE_MODERN ? 13 : 18, EG_VT_GUID);
	el_close_empty(w, &e);

	el_open(w, &e, "Execution", true, DEP_NONE);
	el_attr(w, "ProcessID", true);
	put_subst(w, true, 8, EG_VT_UINT32);
	el_attr(w, "ThreadID", false);
	put_subst(w, true, 9, EG_VT_UINT32);
	el_close_empty(w, &e);

	if (style == STYLE_MODERN) {
		el_subst(w, "Channel", 16, EG_VT_STRING);
	} else {
		el_open(w, &e, "Channel", false, DEP_NONE);
		el_close_start(w, &e);
		put_text(w, ev->channel);
		el_end(w, &e);
	}
	el_open(w, &e, "Computer", false, DEP_NONE);
	el_close_start(w, &e);
	put_text(w, ev->computer);
	el_end(w, &e);

	el_open(w, &e, "Security", true, DEP_NONE);
	el_attr(w, "UserID", false);
	put_subst(w, true, 12, EG_VT_SID);
	el_close_empty(w, &e);
	el_end(w, &system);

	if (userdata) {
		el_open(w, &e, "UserData", false, pi);
		el_close_start(w, &e);
		put_subst(w, true, pi, EG_VT_BINXML);
		el_end(w, &e);
	} else {
		put_subst(w, true, pi, EG_VT_BINXML);
	}
	el_end(w, &event);
}

static void inner_body(struct eg_writer *w, const struct eg_event *ev)
{
	struct elem top, e;
	if (ev->payload == EG_PAYLOAD_UNNAMED) {
		/* the classic shape: one <Data> per string of a string array */
		el_open(w, &top, "EventData", false, DEP_NONE);
		el_close_start(w, &top);
		el_subst(w, "Data", 0, EG_VT_STRING_ARRAY);
		el_subst(w, "Binary", 2, EG_VT_BINARY);
		el_end(w, &top);
		return;
	}
	if (ev->payload == EG_PAYLOAD_USERDATA) {
		bool ns = ev->user_xmlns && *ev->user_xmlns;
		el_open(w, &top, ev->user_element, ns, DEP_NONE);
		if (ns) {
			el_attr(w, "xmlns", false);
			put_text(w, ev->user_xmlns);
		}
	} else {
		el_open(w, &top, "EventData", false, DEP_NONE);
	}
	if (ev->nfields == 0) {
		el_close_empty(w, &top);
		return;
	}
	el_close_start(w, &top);
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct eg_field *f = &ev->fields[i];
		if (ev->payload == EG_PAYLOAD_USERDATA) {
			el_open(w, &e, f->name, false, DEP_NONE);
		} else {
			el_open(w, &e, "Data", true, DEP_NONE);
			el_attr(w, "Name", false);
			put_text(w, f->name);
		}
		el_close_start(w, &e);
		/* a NULL value needs an optional substitution: readers refuse it in
		 * a normal one (Windows writes empty strings there instead) */
		put_subst(w, f->v.type == EG_VT_NULL, (uint16_t)i, f->v.decl);
		el_end(w, &e);
	}
	el_end(w, &top);
}

/* TemplateInstance: the definition inline at its first use in the chunk,
 * else a reference to that definition. */
static void put_template_instance(struct eg_writer *w, struct tpl *t,
                                  void (*body)(struct eg_writer *, const struct eg_event *),
                                  const struct eg_event *ev)
{
	struct eg_template_use *u = &w->cur.tpl[w->level];
	memcpy(u->guid, t->guid, 16);
	u->token = w->pos;
	put8(w, TOK_TEMPLATE);
	put8(w, 1);
	put32(w, eg_get32(t->guid));
	if (t->gen == w->gen) {
		u->named = t->def_off;
		put32(w, t->def_off);
		return;
	}
	uint32_t def = w->pos + 4;
	unsigned b = hash65599(t->guid, 16) % 32u;
	u->named = def;
	u->defined = true;
	/* inline_names: the definition reuses only names it defined itself */
	w->name_floor = w->o.inline_names ? def : 0;
	put32(w, def);
	put32(w, tpltab_get(w, b));
	put(w, t->guid, 16);
	uint32_t dszpos = w->pos;
	put32(w, 0);
	uint32_t start = w->pos;
	put_fragment_header(w);
	body(w, ev);
	put8(w, TOK_EOF);
	patch32(w, dszpos, w->pos - start);
	u->def_size = w->pos - def;
	if (!w->overflow) {
		eg_put32(w->chunk + 384 + 4 * b, def);
		t->gen = w->gen;
		t->def_off = def;
		w->defined[w->ndefined++] = t;
	}
}

/* Writes a value array: count, descriptors, data. Returns the position of the
 * first descriptor so a caller can patch a size. */
static uint32_t put_value_header(struct eg_writer *w, const struct eg_value *v, size_t n)
{
	put32(w, (uint32_t)n);
	uint32_t at = w->pos;
	for (size_t i = 0; i < n; i++) {
		put16(w, v[i].size);
		put8(w, v[i].type);
		put8(w, 0);
	}
	return at;
}

static void put_payload(struct eg_writer *w, const struct eg_event *ev, struct tpl *inner)
{
	struct eg_value vals[3];
	put_fragment_header(w);
	w->level = 1;
	put_template_instance(w, inner, inner_body, ev);
	w->cur.payload_values = w->pos;
	if (ev->payload == EG_PAYLOAD_UNNAMED) {
		/* [0] the strings, each NUL-terminated; [1] 0; [2] the binary data */
		size_t need = 0;
		for (size_t i = 0; i < ev->nfields; i++)
			need += ev->fields[i].v.size + 2u;
		if (need > 65535) {
			fail(w, "classic data too large", ev->provider);
			return;
		}
		if (need > w->arraycap) {
			uint8_t *a = realloc(w->array, need);
			if (!a) {
				fail(w, "out of memory", "string array");
				return;
			}
			w->array = a;
			w->arraycap = need;
		}
		size_t o = 0;
		for (size_t i = 0; i < ev->nfields; i++) {
			if (ev->fields[i].v.size)
				memcpy(w->array + o, ev->fields[i].v.data, ev->fields[i].v.size);
			o += ev->fields[i].v.size;
			w->array[o++] = 0;
			w->array[o++] = 0;
		}
		static const uint8_t zero4[4];
		vals[0] = (struct eg_value){o ? EG_VT_STRING_ARRAY : EG_VT_NULL, EG_VT_STRING_ARRAY,
		                            (uint16_t)o, w->array};
		vals[1] = (struct eg_value){EG_VT_UINT32, EG_VT_UINT32, 4, zero4};
		if (ev->binary_len > 65535) {
			fail(w, "binary data too large", ev->provider);
			return;
		}
		vals[2] = (struct eg_value){ev->binary ? EG_VT_BINARY : EG_VT_NULL, EG_VT_BINARY,
		                            (uint16_t)ev->binary_len, ev->binary};
		put_value_header(w, vals, 3);
		for (int i = 0; i < 3; i++)
			put(w, vals[i].data, vals[i].size);
	} else {
		put32(w, (uint32_t)ev->nfields);
		for (size_t i = 0; i < ev->nfields; i++) {
			put16(w, ev->fields[i].v.size);
			put8(w, ev->fields[i].v.type);
			put8(w, 0);
		}
		for (size_t i = 0; i < ev->nfields; i++)
			put(w, ev->fields[i].v.data, ev->fields[i].v.size);
	}
	put8(w, TOK_EOF);
}

/* ---- chunks and the file */

static void chunk_begin(struct eg_writer *w)
{
	memset(w->chunk, 0, sizeof w->chunk);
	memcpy(w->chunk, "ElfChnk", 8);
	eg_put32(w->chunk + 40, 128);
	w->pos = EG_CHUNK_HEADER_SIZE;
	w->gen++;
	w->nrec_chunk = 0;
}

static int chunk_flush(struct eg_writer *w, char *err)
{
	if (w->gen == 0 || w->nrec_chunk == 0)
		return 0;
	uint8_t *c = w->chunk;
	eg_put64(c + 8, w->first_num);
	eg_put64(c + 16, w->first_num + w->nrec_chunk - 1);
	eg_put64(c + 24, w->first_id);
	eg_put64(c + 32, w->last_id_chunk);
	eg_put32(c + 44, w->last_rec_off);
	eg_put32(c + 48, w->pos);
	eg_put32(c + 52, (uint32_t)crc32(crc32(0L, Z_NULL, 0), c + EG_CHUNK_HEADER_SIZE,
	                                 w->pos - EG_CHUNK_HEADER_SIZE));
	eg_put32(c + 120, 1);      /* Windows sets this; it is outside the header CRC */
	eg_put32(c + 124, eg_chunk_header_crc(c));
	if (w->o.chunk_sink) {
		if (w->o.chunk_sink(w->o.sink_arg, w->nchunks, c, err) < 0)
			return -1;
	} else if (fwrite(c, EG_CHUNK_SIZE, 1, w->f) != 1) {
		snprintf(err, EG_ERR_SIZE, "write: %s", strerror(errno));
		return -1;
	}
	w->nchunks++;
	w->nrec_chunk = 0;
	return 0;
}

struct eg_writer *eg_writer_open(const char *path, const struct eg_writer_opts *o, char *err)
{
	struct eg_writer *w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(err, EG_ERR_SIZE, "out of memory");
		return NULL;
	}
	if (o)
		w->o = *o;
	if (w->o.max_chunks == 0 || w->o.max_chunks > EG_MAX_CHUNKS)
		w->o.max_chunks = EG_MAX_CHUNKS;
	if (w->o.chunk_sink)
		return w;
	w->f = fopen(path, "wb");
	if (!w->f) {
		snprintf(err, EG_ERR_SIZE, "%s: %s", path, strerror(errno));
		free(w);
		return NULL;
	}
	static const uint8_t zero[EG_FILE_HEADER_SIZE];
	if (fwrite(zero, sizeof zero, 1, w->f) != 1) {
		snprintf(err, EG_ERR_SIZE, "%s: %s", path, strerror(errno));
		fclose(w->f);
		free(w);
		return NULL;
	}
	return w;
}

uint64_t eg_writer_size(const struct eg_writer *w)
{
	return EG_FILE_HEADER_SIZE + (uint64_t)(w->nchunks + (w->nrec_chunk > 0)) * EG_CHUNK_SIZE;
}

uint64_t eg_writer_records(const struct eg_writer *w) { return w->nrecords; }

const struct eg_record_info *eg_writer_last(const struct eg_writer *w) { return &w->last; }

void eg_writer_break(struct eg_writer *w) { w->brk = true; }

/* Encodes the System values (indexes 0-16, or 0-18 for the literal style). */
static void system_values(struct eg_writer *w, const struct eg_event *ev, struct eg_value *v,
                          uint64_t id)
{
	uint8_t *s = w->scratch;
	size_t o = 0;
#define SET(i, t, n)                                                                       \
	do {                                                                               \
		v[i] = (struct eg_value){(t), (t), (uint16_t)(n), s + o};                  \
		o += (n);                                                                  \
	} while (0)
	int style = style_of(ev);
	for (int i = 0; i < 20; i++)
		v[i] = (struct eg_value){EG_VT_NULL, EG_VT_NULL, 0, NULL};
	s[o] = ev->level;
	SET(0, EG_VT_UINT8, 1);
	s[o] = ev->opcode;
	SET(1, EG_VT_UINT8, 1);
	eg_put16(s + o, ev->task);
	SET(2, EG_VT_UINT16, 2);
	eg_put16(s + o, ev->event_id);
	SET(3, EG_VT_UINT16, 2);
	if (ev->has_qualifiers) {
		eg_put16(s + o, ev->qualifiers);
		SET(4, EG_VT_UINT16, 2);
	}
	eg_put64(s + o, ev->keywords);
	SET(5, EG_VT_HEXINT64, 8);
	eg_put64(s + o, ev->time);
	SET(6, EG_VT_FILETIME, 8);
	if (ev->has_activity_id) {
		memcpy(s + o, ev->activity_id, 16);
		SET(7, EG_VT_GUID, 16);
	}
	eg_put32(s + o, ev->process_id);
	SET(8, EG_VT_UINT32, 4);
	eg_put32(s + o, ev->thread_id);
	SET(9, EG_VT_UINT32, 4);
	eg_put64(s + o, id);
	SET(10, EG_VT_UINT64, 8);
	s[o] = ev->version;
	SET(11, EG_VT_UINT8, 1);
	if (ev->sid_len) {
		memcpy(s + o, ev->sid, ev->sid_len);
		SET(12, EG_VT_SID, ev->sid_len);
	}
	if (ev->has_related_activity_id) {
		memcpy(s + o, ev->related_activity_id, 16);
		SET(style == STYLE_MODERN ? 13 : 18, EG_VT_GUID, 16);
	}
	if (style == STYLE_MODERN) {
		long n = eg_utf16(ev->provider, strlen(ev->provider), s + o, 400);
		if (n < 0) {
			fail(w, "provider name too long or not UTF-8", ev->provider);
			n = 0;
		}
		SET(14, EG_VT_STRING, (size_t)n);
		if (ev->has_provider_guid) {
			memcpy(s + o, ev->provider_guid, 16);
			SET(15, EG_VT_GUID, 16);
		}
		n = eg_utf16(ev->channel, strlen(ev->channel), s + o, 400);
		if (n < 0) {
			fail(w, "channel name too long or not UTF-8", ev->channel);
			n = 0;
		}
		SET(16, EG_VT_STRING, (size_t)n);
	}
#undef SET
}

/* Serialises one record at w->pos; w->overflow says it did not fit. */
static void put_record(struct eg_writer *w, const struct eg_event *ev, uint64_t id,
                       struct tpl *outer, struct tpl *inner)
{
	struct eg_value v[20];
	int style = style_of(ev);
	uint16_t pi = payload_index(style), n = outer_count(style);
	uint32_t rec = w->pos;

	put(w, "**\0\0", 4);
	put32(w, 0);
	uint8_t b[16];
	eg_put64(b, id);
	eg_put64(b + 8, ev->written ? ev->written : ev->time);
	put(w, b, 16);
	put_fragment_header(w);
	w->level = 0;
	put_template_instance(w, outer, outer_body, ev);
	system_values(w, ev, v, id);
	bool has_payload = ev->payload != EG_PAYLOAD_NONE;
	if (has_payload)
		v[pi] = (struct eg_value){EG_VT_BINXML, EG_VT_BINXML, 0, NULL};
	w->cur.values = w->pos;
	w->cur.payload_index = pi;
	uint32_t desc = put_value_header(w, v, n);
	for (uint16_t i = 0; i < n; i++) {
		if (i == pi && has_payload) {
			uint32_t start = w->pos;
			put_payload(w, ev, inner);
			if (w->pos - start > 65535)
				fail(w, "event data larger than 64 KiB", ev->provider);
			patch16(w, desc + 4u * i, (uint16_t)(w->pos - start));
		} else {
			put(w, v[i].data, v[i].size);
		}
	}
	put8(w, TOK_EOF);
	static const uint8_t zero[8];
	uint32_t len = w->pos - rec + 4;
	put(w, zero, (8 - len % 8) % 8);
	len = w->pos - rec + 4;
	put32(w, len);
	patch32(w, rec + 4, len);
}

static bool check_event(struct eg_writer *w, const struct eg_event *ev)
{
	if (!ev->channel || !*ev->channel || !ev->provider || !*ev->provider || !ev->computer ||
	    !*ev->computer) {
		fail(w, "channel, provider and computer are required", ev->provider ? ev->provider : "");
		return false;
	}
	if (ev->payload == EG_PAYLOAD_USERDATA && (!ev->user_element || !*ev->user_element)) {
		fail(w, "user_data needs an element name", ev->provider);
		return false;
	}
	for (size_t i = 0; ev->payload != EG_PAYLOAD_UNNAMED && i < ev->nfields; i++) {
		if (!ev->fields[i].name || !*ev->fields[i].name) {
			fail(w, "a data field has no name", ev->provider);
			return false;
		}
	}
	return true;
}

/* Closes the open chunk and opens another; 1 when the file is full. */
static int next_chunk(struct eg_writer *w, char *err)
{
	if (w->nchunks + 1 >= w->o.max_chunks)
		return 1;
	if (chunk_flush(w, err) < 0)
		return -1;
	chunk_begin(w);
	return 0;
}

/* Tries to put the record in the open chunk; false (and nothing changed)
 * when it does not fit or cannot be encoded (w->bad). */
static bool try_record(struct eg_writer *w, const struct eg_event *ev, uint64_t id,
                       struct tpl *outer, struct tpl *inner)
{
	uint8_t tables[384];
	memcpy(tables, w->chunk + 128, sizeof tables);
	uint32_t start = w->pos;
	w->ndefined = 0;
	w->overflow = false;
	memset(&w->cur, 0, sizeof w->cur);
	put_record(w, ev, id, outer, inner);
	/* libevtx (20181227) drops a record that ends exactly at the chunk end;
	 * Windows leaves room there too */
	if (w->pos > EG_CHUNK_SIZE - CHUNK_TAIL)
		w->overflow = true;
	if (!w->overflow && !w->bad) {
		if (w->nrec_chunk == 0) {
			w->first_num = w->nrecords + 1;
			w->first_id = id;
		}
		w->last_rec_off = start;
		w->last_id_chunk = id;
		w->nrec_chunk++;
		w->nrecords++;
		w->last_id = id;
		w->cur.chunk = w->nchunks;
		w->cur.offset = start;
		w->cur.size = w->pos - start;
		w->cur.number = w->nrecords;
		w->cur.id = id;
		w->last = w->cur;
		return true;
	}
	memcpy(w->chunk + 128, tables, sizeof tables);
	memset(w->chunk + start, 0, w->pos - start);
	w->pos = start;
	for (int i = 0; i < w->ndefined; i++)
		w->defined[i]->gen = 0;
	w->overflow = false;
	return false;
}

int eg_writer_add(struct eg_writer *w, const struct eg_event *ev, char *err)
{
	w->bad = false;
	if (!check_event(w, ev)) {
		snprintf(err, EG_ERR_SIZE, "%s", w->err);
		return -1;
	}
	outer_key(w, ev);
	struct tpl *outer = tpl_get(w);
	struct tpl *inner = NULL;
	if (outer && ev->payload != EG_PAYLOAD_NONE) {
		inner_key(w, ev);
		inner = tpl_get(w);
	}
	if (!outer || (ev->payload != EG_PAYLOAD_NONE && !inner)) {
		snprintf(err, EG_ERR_SIZE, "%s", w->err);
		return -1;
	}
	uint64_t id = ev->has_record_id ? ev->record_id : w->last_id + 1;
	int rc;
	if (w->gen == 0) {
		chunk_begin(w);
	} else if ((w->brk && w->nrec_chunk > 0) ||
	           (w->o.max_records_per_chunk && w->nrec_chunk >= w->o.max_records_per_chunk)) {
		if ((rc = next_chunk(w, err)) != 0)
			return rc;
	}
	w->brk = false;
	if (try_record(w, ev, id, outer, inner))
		return 0;
	if (!w->bad && w->nrec_chunk > 0) {
		if ((rc = next_chunk(w, err)) != 0)
			return rc;
		if (try_record(w, ev, id, outer, inner))
			return 0;
	}
	if (w->bad)
		snprintf(err, EG_ERR_SIZE, "%s", w->err);
	else
		snprintf(err, EG_ERR_SIZE, "record %llu does not fit in a 64 KiB chunk",
		         (unsigned long long)id);
	return -1;
}

void eg_file_header(uint8_t h[EG_FILE_HEADER_SIZE], uint64_t first, uint64_t last,
                    uint64_t next_id, uint16_t chunks, uint32_t flags)
{
	memset(h, 0, EG_FILE_HEADER_SIZE);
	memcpy(h, "ElfFile", 8);
	eg_put64(h + 8, first);
	eg_put64(h + 16, last);
	eg_put64(h + 24, next_id);
	eg_put32(h + 32, 128);
	eg_put16(h + 36, 1);
	eg_put16(h + 38, 3);
	eg_put16(h + 40, EG_FILE_HEADER_SIZE);
	eg_put16(h + 42, chunks);
	eg_put32(h + 120, flags);
	eg_put32(h + 124, (uint32_t)crc32(crc32(0L, Z_NULL, 0), h, 120));
}

int eg_writer_close(struct eg_writer *w, char *err)
{
	if (!w)
		return 0;
	int rc = chunk_flush(w, err);
	if (!w->o.chunk_sink) {
		uint8_t h[EG_FILE_HEADER_SIZE];
		/* clean: not dirty, not full */
		eg_file_header(h, 0, w->nchunks ? w->nchunks - 1 : 0, w->last_id + 1,
		               (uint16_t)w->nchunks, 0);
		if (rc == 0 && (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, sizeof h, 1, w->f) != 1)) {
			snprintf(err, EG_ERR_SIZE, "write: %s", strerror(errno));
			rc = -1;
		}
		if (fclose(w->f) != 0 && rc == 0) {
			snprintf(err, EG_ERR_SIZE, "close: %s", strerror(errno));
			rc = -1;
		}
	}
	for (unsigned b = 0; b < TPL_BUCKETS; b++) {
		for (struct tpl *t = w->tpls[b], *n; t; t = n) {
			n = t->next;
			free(t->key);
			free(t);
		}
	}
	free(w->key);
	free(w->array);
	free(w);
	return rc;
}
