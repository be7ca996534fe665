/* EVTX Binary XML decoder with per-chunk compiled templates.
 *
 * A template definition is compiled once per chunk into a flat list of
 * operations (open element, attribute, text, substitution, end) with every
 * name and static text already converted to UTF-8 and every well-known name
 * (System, EventData, Provider, ...) resolved to a small id. A record then
 * costs a walk over that list with its substitution array: the walk runs the
 * same state machine as bt_evtx_xml.c (sections, depths, leaves, Data@Name,
 * UserData paths), and values are rendered as libevtx 20181227 renders them,
 * followed by the changes libxml2 makes when it parses that XML (line ends,
 * attribute whitespace) and bt_evtx_xml.c's own normalisation (unpadded hex).
 * Element text is rendered only where it becomes a field, and the EventData /
 * UserData part only when the caller's want() says so. */
#include "config.h"

#include "evtx/bt_binxml.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bt_buf.h"
#include "evtx/bt_evtx_format.h"
#include "evtx/bt_evtx_xml.h"

/* ---- well-known names ---- */

enum nid {
	N_OTHER = 0,
	N_SYSTEM, N_EVENTDATA, N_USERDATA,
	N_PROVIDER, N_EVENTID, N_VERSION, N_LEVEL, N_TASK, N_OPCODE, N_KEYWORDS,
	N_TIMECREATED, N_EVENTRECORDID, N_CORRELATION, N_EXECUTION, N_CHANNEL,
	N_COMPUTER, N_SECURITY, N_DATA,
	/* attributes */
	A_NAME, A_GUID, A_EVENTSOURCENAME, A_SYSTEMTIME, A_USERID, A_ACTIVITYID,
	A_RELATEDACTIVITYID, A_PROCESSID, A_THREADID, A_QUALIFIERS,
	N_COUNT
};

static const char *const nid_names[N_COUNT] = {
	[N_SYSTEM] = "System", [N_EVENTDATA] = "EventData", [N_USERDATA] = "UserData",
	[N_PROVIDER] = "Provider", [N_EVENTID] = "EventID", [N_VERSION] = "Version",
	[N_LEVEL] = "Level", [N_TASK] = "Task", [N_OPCODE] = "Opcode", [N_KEYWORDS] = "Keywords",
	[N_TIMECREATED] = "TimeCreated", [N_EVENTRECORDID] = "EventRecordID",
	[N_CORRELATION] = "Correlation", [N_EXECUTION] = "Execution", [N_CHANNEL] = "Channel",
	[N_COMPUTER] = "Computer", [N_SECURITY] = "Security", [N_DATA] = "Data",
	[A_NAME] = "Name", [A_GUID] = "Guid", [A_EVENTSOURCENAME] = "EventSourceName",
	[A_SYSTEMTIME] = "SystemTime", [A_USERID] = "UserID", [A_ACTIVITYID] = "ActivityID",
	[A_RELATEDACTIVITYID] = "RelatedActivityID", [A_PROCESSID] = "ProcessID",
	[A_THREADID] = "ThreadID", [A_QUALIFIERS] = "Qualifiers",
};

static uint16_t name_id(const char *s, size_t n)
{
	for (int i = 1; i < N_COUNT; i++)
		if (strlen(nid_names[i]) == n && memcmp(nid_names[i], s, n) == 0)
			return (uint16_t)i;
	return N_OTHER;
}

/* ---- value types ---- */

enum {
	VT_NULL = 0x00, VT_STRING = 0x01, VT_ANSI = 0x02, VT_INT8 = 0x03, VT_UINT8 = 0x04,
	VT_INT16 = 0x05, VT_UINT16 = 0x06, VT_INT32 = 0x07, VT_UINT32 = 0x08, VT_INT64 = 0x09,
	VT_UINT64 = 0x0A, VT_REAL32 = 0x0B, VT_REAL64 = 0x0C, VT_BOOL = 0x0D, VT_BINARY = 0x0E,
	VT_GUID = 0x0F, VT_SIZET = 0x10, VT_FILETIME = 0x11, VT_SYSTEMTIME = 0x12, VT_SID = 0x13,
	VT_HEX32 = 0x14, VT_HEX64 = 0x15, VT_HANDLE = 0x20, VT_BINXML = 0x21, VT_EVTXML = 0x23,
	VT_ARRAY = 0x80,
};

/* ---- growable scratch text ---- */

struct sbuf {
	char *p;
	size_t n, cap;
	bool over;     /* a cap or allocation failure dropped text */
	bool nonxml;   /* U+FFFE or U+FFFF appended: not XML, libxml2 stops there */
};

static inline void sb_clear(struct sbuf *b)
{
	b->n = 0;
}

static char *sb_room(struct sbuf *b, size_t extra)
{
	if (b->cap - b->n > extra)
		return b->p + b->n;
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

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	char *d = sb_room(b, n);
	if (!d)
		return;
	memcpy(d, s, n);
	b->n += n;
}

static void sb_putc(struct sbuf *b, char c)
{
	char *d = sb_room(b, 1);
	if (!d)
		return;
	*d = c;
	b->n++;
}

/* ---- compiled templates ---- */

enum op_kind {
	OP_OPEN, OP_ATTR, OP_CLOSE_START, OP_CLOSE_EMPTY, OP_END, OP_TEXT, OP_SUBST,
};

struct bx_op {
	uint8_t kind;
	uint8_t optional;     /* OP_SUBST: optional substitution; OP_OPEN: content has one */
	uint16_t idx;         /* OP_SUBST: substitution index; OP_OPEN: that optional one */
	uint16_t nid;         /* OP_OPEN / OP_ATTR: well-known name id */
	uint32_t len;         /* name or text length */
	uint32_t skip;        /* OP_OPEN: index of the op after the element */
	const char *s;        /* name or text, UTF-8, in the chunk arena */
};

struct plan;

struct tmpl {
	uint32_t def;         /* definition offset in the chunk (cache key) */
	uint32_t nops;
	struct bx_op *ops;
	const struct plan *plan[4];  /* field maps by entry context (enum plan_ctx) */
	bool bad;             /* compilation failed: records using it are rejected */
	uint8_t plan_tried;   /* bit per entry context */
	bool active;          /* being executed: a nested instance of it is a loop */
	char why[96];
};

struct opvec {
	struct bx_op *v;
	size_t n, cap;
};

/* ---- name and template caches (open addressing, keyed by chunk offset) ---- */

#define NAME_SLOTS 8192u
#define TMPL_SLOTS 8192u

struct name_ent {
	uint32_t gen;
	uint32_t off;
	uint32_t len;
	uint16_t nid;
	const char *s;
};

struct tmpl_ent {
	uint32_t gen;
	uint32_t off;
	struct tmpl *t;
};

struct val {
	const uint8_t *p;
	uint32_t size;
	uint8_t type;
};

enum section { SEC_NONE, SEC_SYSTEM, SEC_EVENTDATA, SEC_USERDATA, SEC_OTHER };

/* Attributes kept while an element's start tag is read (System ones, Data@Name). */
#define MAX_KEPT_ATTRS 4

struct kept_attr {
	uint16_t nid;
	uint32_t start, len;   /* in cx->abuf */
	uint8_t pieces;        /* values appended */
	bool is_filetime;      /* the only piece is a FILETIME substitution: ft */
	uint64_t ft;
	const char *ref;       /* the only piece is this static text (stable) */
};

struct bt_bx_chunk {
	const uint8_t *c;
	size_t n;
	uint32_t gen;
	struct name_ent *names;
	struct tmpl_ent *tmpls;
	size_t ntmpl;
	struct bt_arena arena;      /* compiled templates and names of this chunk */
	struct opvec scratch;       /* compilation output before it is copied */
	struct opvec inline_ops;    /* a fragment without template (not cached) */
	struct plan_build *pb;      /* field map scratch (large: allocated once) */
	struct val *vals[BT_BX_MAX_NEST + 1];
	size_t vcap[BT_BX_MAX_NEST + 1];
	/* per-record state: the bt_evtx_xml.c state machine */
	struct bt_evbuf *eb;
	bool (*want)(void *ctx, const struct bt_event *ev);
	void *want_ctx;
	int depth;                  /* depth of the next element to open (root 0) */
	enum section sec;
	bool system_done, want_fields, stop;
	const char *names_at[BT_MAX_XML_DEPTH + 1];
	uint32_t nlen_at[BT_MAX_XML_DEPTH + 1];
	uint16_t nid_at[BT_MAX_XML_DEPTH + 1];
	bool had_child[BT_MAX_XML_DEPTH + 1];
	bool collect;               /* text of the current element becomes a value */
	bool has_fname;             /* EventData Data@Name seen (depth 2) */
	const char *fname_ref;      /* that name when it is a static template text */
	struct sbuf fname;          /* that name */
	struct sbuf text;           /* text of the current leaf */
	struct sbuf abuf;           /* attribute values of the current start tag */
	struct sbuf path;           /* UserData field path */
	struct kept_attr kept[MAX_KEPT_ATTRS];
	int nkept;
	const struct val *arr;      /* an array substitution in the current leaf */
	/* pending element start */
	uint16_t open_nid;
	const char *open_name;
	uint32_t open_len;
	int keep_attr;              /* current attribute is kept (index) or -1 */
	bool attr_dropped;
	char err[160];
	bool failed;
	bool use_plans;             /* field maps on (off: operations only, for tests) */
};

static struct plan_build *plan_build_new(void);

struct bt_bx_chunk *bt_bx_chunk_new(void)
{
	struct bt_bx_chunk *cx = calloc(1, sizeof *cx);
	if (!cx)
		return NULL;
	cx->names = calloc(NAME_SLOTS, sizeof *cx->names);
	cx->tmpls = calloc(TMPL_SLOTS, sizeof *cx->tmpls);
	cx->pb = plan_build_new();
	if (!cx->names || !cx->tmpls || !cx->pb) {
		bt_bx_chunk_free(cx);
		return NULL;
	}
	bt_arena_init(&cx->arena, 64u * 1024 * 1024);
	cx->gen = 1;
	cx->use_plans = getenv("BOXTRAIL_BINXML_NO_PLANS") == NULL;
	/* scratch buffers always have memory, so offsets into them are valid */
	if (!sb_room(&cx->fname, 64) || !sb_room(&cx->text, 1024) || !sb_room(&cx->abuf, 256) ||
	    !sb_room(&cx->path, 256)) {
		bt_bx_chunk_free(cx);
		return NULL;
	}
	return cx;
}

void bt_bx_chunk_free(struct bt_bx_chunk *cx)
{
	if (!cx)
		return;
	free(cx->names);
	free(cx->tmpls);
	bt_arena_free(&cx->arena);
	free(cx->scratch.v);
	free(cx->pb);
	free(cx->inline_ops.v);
	for (int i = 0; i <= BT_BX_MAX_NEST; i++)
		free(cx->vals[i]);
	free(cx->fname.p);
	free(cx->text.p);
	free(cx->abuf.p);
	free(cx->path.p);
	free(cx);
}

void bt_bx_chunk_reset(struct bt_bx_chunk *cx, const uint8_t *c, size_t n)
{
	cx->c = c;
	cx->n = n > BT_EVTX_CHUNK_SIZE ? BT_EVTX_CHUNK_SIZE : n;
	cx->ntmpl = 0;
	bt_arena_reset(&cx->arena);
	if (++cx->gen == 0) {
		memset(cx->names, 0, NAME_SLOTS * sizeof *cx->names);
		memset(cx->tmpls, 0, TMPL_SLOTS * sizeof *cx->tmpls);
		cx->gen = 1;
	}
}

size_t bt_bx_chunk_templates(const struct bt_bx_chunk *cx)
{
	return cx->ntmpl;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void fail(struct bt_bx_chunk *cx, const char *fmt, ...)
{
	if (!cx->failed) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(cx->err, sizeof cx->err, fmt, ap);
		va_end(ap);
		cx->failed = true;
	}
	cx->stop = true;
}

static bool put_scalar(struct sbuf *b, uint8_t t, const uint8_t *p, size_t size);

/* Renders a value for a field; one libevtx renders otherwise (an invalid
 * SYSTEMTIME), cannot render (too short, unknown type) or would write as
 * invalid XML (an array in an attribute) leaves the record to libevtx. */
static bool render_val(struct bt_bx_chunk *cx, struct sbuf *b, uint8_t t, const uint8_t *p,
                       size_t size)
{
	b->nonxml = false;
	if (put_scalar(b, t, p, size) && !b->nonxml)
		return true;
	fail(cx, "value of type 0x%02x libevtx renders its own way (left to libevtx)", t);
	return false;
}

/* ---- text conversion (libevtx/libuna 20181227 behaviour) ---- */

/* UTF-16LE to UTF-8, stopping at the first NUL as libevtx does; a lone
 * surrogate becomes U+FFFD. (libuna 20181227 decodes a surrogate pair 0x3FF
 * below its code point: the libevtx reader puts that right.) Appends to b. */
static void utf16_put(struct sbuf *b, const uint8_t *p, size_t nbytes)
{
	size_t units = nbytes / 2;
	char *d = sb_room(b, units * 3);
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

static void ansi_put(struct sbuf *b, const uint8_t *p, size_t n)
{
	char *d = sb_room(b, n * 3);
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

static inline uint16_t le16(const uint8_t *p) { return bt_le16(p); }
static inline uint32_t le32(const uint8_t *p) { return bt_le32(p); }
static inline uint64_t le64(const uint8_t *p) { return bt_le64(p); }

static void put_u64(struct sbuf *b, uint64_t v)
{
	char t[24];
	size_t i = sizeof t;
	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sb_put(b, t + i, sizeof t - i);
}

/* libevtx prints a negative signed integer as '-' and its bits below the sign
 * bit (int8 -5 is "-123"); reproduced so both readers agree. */
static void put_signed(struct sbuf *b, uint64_t raw, unsigned bits)
{
	uint64_t sign = (uint64_t)1 << (bits - 1);
	if (raw & sign) {
		sb_putc(b, '-');
		put_u64(b, raw & (sign - 1));
	} else {
		put_u64(b, raw);
	}
}

static const char hexu[] = "0123456789ABCDEF";
static const char hexl[] = "0123456789abcdef";

static void put_hex_fixed(struct sbuf *b, uint64_t v, int digits)
{
	char t[20];
	t[0] = '0';
	t[1] = 'x';
	for (int i = 0; i < digits; i++)
		t[2 + i] = hexl[(v >> (4 * (digits - 1 - i))) & 15];
	sb_put(b, t, 2 + (size_t)digits);
}

static void put_real(struct sbuf *b, double d)
{
	if (isnan(d)) {
		sb_put(b, "NaN", 3);
		return;
	}
	if (isinf(d)) {
		sb_put(b, "Inf", 3);
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
	sb_put(b, t, (size_t)n);
}

static void put_guid(struct sbuf *b, const uint8_t *g)
{
	char t[38];
	uint32_t d1 = le32(g);
	uint16_t d2 = le16(g + 4), d3 = le16(g + 6);
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
	sb_put(b, t, (size_t)k);
}

/* FILETIME ticks beyond 9999-12-31 are printed by libevtx as raw halves. */
#define FILETIME_MAX_TICKS 2650467743999999999ULL

static void put_filetime(struct sbuf *b, uint64_t ft)
{
	if (ft > FILETIME_MAX_TICKS) {
		char t[32];
		int n = snprintf(t, sizeof t, "(0x%08x 0x%08x)", (unsigned)(ft >> 32),
		                 (unsigned)(ft & 0xFFFFFFFFu));
		sb_put(b, t, (size_t)n);
		return;
	}
	char t[BT_TIME_BUFSZ];
	size_t n = bt_time_format((bt_time)ft, t);
	if (n < 2)
		return;
	/* 7 fractional digits from bt_time_format; libevtx prints nanoseconds */
	sb_put(b, t, n - 1);
	sb_put(b, "00Z", 3);
}

static bool systemtime_valid(const uint8_t *p)
{
	static const unsigned dim[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y = le16(p), m = le16(p + 2), d = le16(p + 6), h = le16(p + 8),
	         mi = le16(p + 10), s = le16(p + 12), ms = le16(p + 14);
	if (y > 9999 || m < 1 || m > 12 || d < 1 || d > dim[m - 1] || h > 23 || mi > 59 ||
	    s > 59 || ms > 999)
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	return true;
}

static bool put_systemtime(struct sbuf *b, const uint8_t *p)
{
	char t[80];
	int n;
	if (!systemtime_valid(p))
		return false;   /* libevtx prints its internal fields: not reproduced */
	n = snprintf(t, sizeof t, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", le16(p), le16(p + 2),
	             le16(p + 6), le16(p + 8), le16(p + 10), le16(p + 12), le16(p + 14));
	if (n > 0)
		sb_put(b, t, (size_t)n);
	return true;
}

/* Renders a SID; returns its size in bytes or 0 when it does not fit. */
static size_t put_sid(struct sbuf *b, const uint8_t *p, size_t size)
{
	if (size < 8)
		return 0;
	unsigned cnt = p[1];
	if (8 + 4 * (size_t)cnt > size)
		return 0;
	uint64_t auth = 0;
	for (int i = 2; i < 8; i++)
		auth = auth << 8 | p[i];
	sb_put(b, "S-", 2);
	put_u64(b, p[0]);
	sb_putc(b, '-');
	put_u64(b, auth);
	for (unsigned i = 0; i < cnt; i++) {
		sb_putc(b, '-');
		put_u64(b, le32(p + 8 + 4 * i));
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
	case VT_INT8: case VT_UINT8: return 1;
	case VT_INT16: case VT_UINT16: return 2;
	case VT_INT32: case VT_UINT32: case VT_REAL32: case VT_BOOL: case VT_HEX32: return 4;
	case VT_INT64: case VT_UINT64: case VT_REAL64: case VT_FILETIME: case VT_HEX64: return 8;
	case VT_HANDLE: return 8;
	case VT_GUID: case VT_SYSTEMTIME: return 16;
	case VT_SIZET: return total == 4 ? 4 : 8;
	default: return 0;
	}
}

/* Appends one scalar value (no array bit). Returns false when it cannot be
 * rendered (too short for its type). */
static bool put_scalar(struct sbuf *b, uint8_t t, const uint8_t *p, size_t size)
{
	size_t is = item_size(t, size);
	if (is && size < is && t != VT_SIZET)
		return false;
	switch (t) {
	case VT_NULL: return true;
	case VT_STRING: utf16_put(b, p, size); return true;
	case VT_ANSI: ansi_put(b, p, size); return true;
	case VT_INT8: put_signed(b, p[0], 8); return true;
	case VT_UINT8: put_u64(b, p[0]); return true;
	case VT_INT16: put_signed(b, le16(p), 16); return true;
	case VT_UINT16: put_u64(b, le16(p)); return true;
	case VT_INT32: put_signed(b, le32(p), 32); return true;
	case VT_UINT32: put_u64(b, le32(p)); return true;
	case VT_INT64: put_signed(b, le64(p), 64); return true;
	case VT_UINT64: put_u64(b, le64(p)); return true;
	case VT_REAL32: {
		float f;
		memcpy(&f, p, 4);
		put_real(b, (double)f);
		return true;
	}
	case VT_REAL64: {
		double d;
		memcpy(&d, p, 8);
		put_real(b, d);
		return true;
	}
	case VT_BOOL:
		if (le_n(p, size < 8 ? size : 8))
			sb_put(b, "true", 4);
		else
			sb_put(b, "false", 5);
		return true;
	case VT_BINARY: {
		char *d = sb_room(b, size * 2);
		if (!d)
			return true;
		for (size_t i = 0; i < size; i++) {
			d[2 * i] = hexu[p[i] >> 4];
			d[2 * i + 1] = hexu[p[i] & 15];
		}
		b->n += size * 2;
		return true;
	}
	case VT_GUID: put_guid(b, p); return true;
	case VT_SIZET:
		if (size != 4 && size < 8)
			return false;
		put_u64(b, size == 4 ? le32(p) : le64(p));
		return true;
	case VT_FILETIME: put_filetime(b, le64(p)); return true;
	case VT_SYSTEMTIME: return put_systemtime(b, p);
	case VT_SID: return put_sid(b, p, size) != 0;
	case VT_HEX32: put_hex_fixed(b, le32(p), 8); return true;
	case VT_HEX64: put_hex_fixed(b, le64(p), 16); return true;
	case VT_HANDLE: put_hex_fixed(b, le64(p), 16); return true;
	default: return false;
	}
}

/* Array iteration: the items of array value v, as (pointer, size) pairs.
 * String arrays are NUL-separated (a trailing NUL ends the last item; an
 * empty array is one empty item); SIDs follow each other; other types have a
 * fixed size (size_t: 8). */
struct item {
	const uint8_t *p;
	uint32_t size;
};

struct arr_it {
	const struct val *v;
	size_t pos;           /* unit index (strings) or byte offset */
	size_t n;             /* items returned */
	bool done;
};

static void arr_begin(struct arr_it *a, const struct val *v)
{
	a->v = v;
	a->pos = 0;
	a->n = 0;
	a->done = false;
}

static bool arr_next(struct arr_it *a, struct item *it)
{
	const struct val *v = a->v;
	uint8_t t = v->type & 0x7F;
	if (a->done)
		return false;
	if (t == VT_STRING || t == VT_ANSI) {
		size_t unit = t == VT_STRING ? 2 : 1;
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
	size_t is = t == VT_SIZET ? 8 : item_size(t, v->size);
	if (t == VT_SID) {
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

bool bt_bx_render_value(uint8_t type, const uint8_t *p, size_t size, char *out, size_t cap,
                        size_t *len)
{
	struct sbuf b = {0};
	bool ok = true;
	if (type & VT_ARRAY) {
		struct val v = {p, (uint32_t)size, type};
		struct arr_it ai;
		struct item it;
		arr_begin(&ai, &v);
		for (size_t i = 0; ok && arr_next(&ai, &it); i++) {
			if (i)
				sb_putc(&b, ',');
			ok = put_scalar(&b, type & 0x7F, it.p, it.size);
		}
	} else {
		ok = put_scalar(&b, type, p, size);
	}
	if (ok && !b.over && b.n < cap) {
		if (b.n)
			memcpy(out, b.p, b.n);
		out[b.n] = '\0';
		*len = b.n;
	} else {
		ok = false;
	}
	free(b.p);
	return ok;
}

/* ---- names ---- */

/* Returns the cached name at chunk offset `off` and its size in the chunk
 * (for skipping an inline definition), or NULL. */
static const struct name_ent *name_at(struct bt_bx_chunk *cx, uint32_t off, uint32_t *def_size)
{
	if ((size_t)off + 8 > cx->n)
		return NULL;
	uint32_t count = le16(cx->c + off + 6);
	if ((size_t)off + 8 + 2 * (size_t)count > cx->n)
		return NULL;
	*def_size = 8 + 2 * count + 2;
	uint32_t h = (off * 2654435761u) >> 19;
	for (uint32_t k = 0; k < NAME_SLOTS; k++) {
		struct name_ent *e = &cx->names[(h + k) & (NAME_SLOTS - 1)];
		if (e->gen == cx->gen && e->off == off)
			return e;
		if (e->gen != cx->gen) {
			struct sbuf b = {0};
			utf16_put(&b, cx->c + off + 8, 2 * (size_t)count);
			char *s = b.over ? NULL : bt_arena_strndup(&cx->arena, b.p ? b.p : "", b.n);
			size_t n = b.n;
			free(b.p);
			if (!s)
				return NULL;
			e->gen = cx->gen;
			e->off = off;
			e->s = s;
			e->len = (uint32_t)n;
			e->nid = name_id(s, n);
			return e;
		}
	}
	return NULL;
}

/* Reads a name reference at *pos (u32 offset) and skips an inline definition. */
static const struct name_ent *read_name(struct bt_bx_chunk *cx, uint32_t *pos, uint32_t end)
{
	if (*pos + 4 > end)
		return NULL;
	uint32_t off = le32(cx->c + *pos);
	*pos += 4;
	uint32_t dsz;
	const struct name_ent *ne = name_at(cx, off, &dsz);
	if (!ne)
		return NULL;
	if (off == *pos) {
		if ((size_t)*pos + dsz > end)
			return NULL;
		*pos += dsz;
	}
	return ne;
}

/* Whether the open-element token at pos has the 2-byte dependency identifier.
 * Files written by some tools (element trees without templates) leave it
 * out; the name offset then sits two bytes earlier. */
static bool plausible_name(const struct bt_bx_chunk *cx, uint32_t off)
{
	if (off < BT_EVTX_CHUNK_HEADER_SIZE || (size_t)off + 8 > cx->n)
		return false;
	size_t cnt = le16(cx->c + off + 6);
	size_t e = (size_t)off + 8 + 2 * cnt;
	return e + 2 <= cx->n && cx->c[e] == 0 && cx->c[e + 1] == 0;
}

static bool has_dependency_id(const struct bt_bx_chunk *cx, uint32_t pos, uint32_t end)
{
	uint32_t with = pos + 11 <= end ? le32(cx->c + pos + 7) : 0;
	uint32_t without = le32(cx->c + pos + 5);
	if (pos + 11 <= end && with == pos + 11)
		return true;
	if (without == pos + 9)
		return false;
	if (pos + 11 <= end && plausible_name(cx, with))
		return true;
	return !plausible_name(cx, without);
}

/* ---- compiling a token stream into operations ---- */

static bool ov_push(struct opvec *ov, const struct bx_op *op)
{
	if (ov->n >= BT_BX_MAX_OPS)
		return false;
	if (ov->n == ov->cap) {
		size_t nc = ov->cap ? ov->cap * 2 : 256;
		struct bx_op *nv = realloc(ov->v, nc * sizeof *nv);
		if (!nv)
			return false;
		ov->v = nv;
		ov->cap = nc;
	}
	ov->v[ov->n++] = *op;
	return true;
}

static const char *arena_text(struct bt_bx_chunk *cx, struct sbuf *b, uint32_t *len)
{
	if (b->over)
		return NULL;
	*len = (uint32_t)b->n;
	return bt_arena_strndup(&cx->arena, b->p ? b->p : "", b->n);
}

/* Characters that matter in attribute values: 1 whitespace libxml2 turns into
 * a space, 2 markup libevtx does not escape there. */
static const uint8_t attr_special[256] = {
	['\t'] = 1, ['\n'] = 1, ['<'] = 2, ['&'] = 2, ['"'] = 2,
};

static unsigned attr_scan(const char *v, size_t n)
{
	unsigned f = 0;
	for (size_t i = 0; i < n; i++)
		f |= attr_special[(unsigned char)v[i]];
	return f;
}

/* Compiles tokens in chunk bytes [pos, end) into ov. Stops at EOF (0x00) or
 * at the end. A template instance inside is not allowed here. Returns false
 * with a reason in why. */
static bool compile(struct bt_bx_chunk *cx, uint32_t pos, uint32_t end, struct opvec *ov,
                    char *why, size_t why_size)
{
	const uint8_t *c = cx->c;
	int depth = 0;
	bool in_start_tag = false;
	uint32_t open_at[BT_MAX_XML_DEPTH + 1];
	struct sbuf tb = {0};
	bool ok = false;
	ov->n = 0;
	while (pos < end) {
		uint8_t tok = c[pos];
		struct bx_op op = {0};
		uint32_t at = pos;
		switch (tok & 0xBF) {
		case 0x00:
			if (depth != 0) {
				snprintf(why, why_size, "end of fragment inside an element at 0x%x", at);
				goto out;
			}
			ok = true;
			goto out;
		case 0x0F:
			if (pos + 4 > end)
				goto trunc;
			pos += 4;
			continue;
		case 0x01: {
			if (pos + 9 > end)
				goto trunc;
			pos += has_dependency_id(cx, pos, end) ? 7 : 5;
			const struct name_ent *ne = read_name(cx, &pos, end);
			if (!ne) {
				snprintf(why, why_size, "bad element name at 0x%x", at);
				goto out;
			}
			if (tok & 0x40) {
				if (pos + 4 > end)
					goto trunc;
				pos += 4;
			}
			if (++depth > BT_MAX_XML_DEPTH) {
				snprintf(why, why_size, "elements nested deeper than %d", BT_MAX_XML_DEPTH);
				goto out;
			}
			op.kind = OP_OPEN;
			op.nid = ne->nid;
			op.s = ne->s;
			op.len = ne->len;
			in_start_tag = true;
			open_at[depth] = (uint32_t)ov->n;
			break;
		}
		case 0x02:
		case 0x03:
			if (!in_start_tag) {
				snprintf(why, why_size, "close of a start tag outside one at 0x%x", at);
				goto out;
			}
			in_start_tag = false;
			pos++;
			op.kind = tok == 0x02 ? OP_CLOSE_START : OP_CLOSE_EMPTY;
			if (tok == 0x03) {
				ov->v[open_at[depth]].skip = (uint32_t)ov->n + 1;
				depth--;
			}
			if ((tok & 0x40) != 0) {
				snprintf(why, why_size, "bad token 0x%02x at 0x%x", tok, at);
				goto out;
			}
			break;
		case 0x04:
			if (in_start_tag || depth <= 0) {
				snprintf(why, why_size, "unbalanced end element at 0x%x", at);
				goto out;
			}
			ov->v[open_at[depth]].skip = (uint32_t)ov->n + 1;
			depth--;
			pos++;
			op.kind = OP_END;
			break;
		case 0x05: {
			if (pos + 4 > end)
				goto trunc;
			uint8_t vt = c[pos + 1];
			uint32_t cnt = le16(c + pos + 2);
			pos += 4;
			if (vt != VT_STRING || pos + 2 * cnt > end) {
				snprintf(why, why_size, "bad value token at 0x%x", at);
				goto out;
			}
			tb.n = 0;
			utf16_put(&tb, c + pos, 2 * (size_t)cnt);
			pos += 2 * cnt;
			op.kind = OP_TEXT;
			op.s = arena_text(cx, &tb, &op.len);
			if (!op.s)
				goto nomem;
			break;
		}
		case 0x06: {
			pos++;
			const struct name_ent *ne = read_name(cx, &pos, end);
			if (!ne || !in_start_tag) {
				snprintf(why, why_size, "bad attribute at 0x%x", at);
				goto out;
			}
			op.kind = OP_ATTR;
			op.nid = ne->nid;
			op.s = ne->s;
			op.len = ne->len;
			break;
		}
		case 0x07: {
			if (pos + 3 > end)
				goto trunc;
			uint32_t cnt = le16(c + pos + 1);
			pos += 3;
			if (pos + 2 * cnt > end)
				goto trunc;
			tb.n = 0;
			utf16_put(&tb, c + pos, 2 * (size_t)cnt);
			pos += 2 * cnt;
			op.kind = OP_TEXT;
			op.s = arena_text(cx, &tb, &op.len);
			if (!op.s)
				goto nomem;
			break;
		}
		case 0x08: {
			if (pos + 3 > end)
				goto trunc;
			uint32_t cp = le16(c + pos + 1);
			pos += 3;
			char u[4];
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD;
			tb.n = 0;
			sb_put(&tb, u, bt_utf8_encode(u, cp));
			op.kind = OP_TEXT;
			op.s = arena_text(cx, &tb, &op.len);
			if (!op.s)
				goto nomem;
			break;
		}
		case 0x09: {
			pos++;
			const struct name_ent *ne = read_name(cx, &pos, end);
			if (!ne) {
				snprintf(why, why_size, "bad entity reference at 0x%x", at);
				goto out;
			}
			static const struct {
				const char *n, *v;
			} ents[] = {{"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}};
			tb.n = 0;
			bool known = false;
			for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++)
				if (strcmp(ne->s, ents[i].n) == 0) {
					sb_put(&tb, ents[i].v, strlen(ents[i].v));
					known = true;
				}
			if (!known) {
				sb_putc(&tb, '&');
				sb_put(&tb, ne->s, ne->len);
				sb_putc(&tb, ';');
			}
			op.kind = OP_TEXT;
			op.s = arena_text(cx, &tb, &op.len);
			if (!op.s)
				goto nomem;
			break;
		}
		case 0x0A: {
			pos++;
			if (!read_name(cx, &pos, end)) {
				snprintf(why, why_size, "bad processing instruction at 0x%x", at);
				goto out;
			}
			continue;   /* PIs carry no event data */
		}
		case 0x0B: {
			if (pos + 3 > end)
				goto trunc;
			uint32_t cnt = le16(c + pos + 1);
			pos += 3 + 2 * cnt;
			if (pos > end)
				goto trunc;
			continue;
		}
		case 0x0D:
		case 0x0E:
			if (pos + 4 > end)
				goto trunc;
			op.kind = OP_SUBST;
			op.optional = (tok & 0xBF) == 0x0E;
			op.idx = le16(c + pos + 1);
			pos += 4;
			if (op.optional && !in_start_tag && depth > 0 &&
			    !ov->v[open_at[depth]].optional) {
				/* libevtx leaves out an element whose optional content is empty */
				ov->v[open_at[depth]].optional = 1;
				ov->v[open_at[depth]].idx = op.idx;
			}
			break;
		case 0x0C:
			snprintf(why, why_size, "template instance inside a template at 0x%x", at);
			goto out;
		default:
			snprintf(why, why_size, "unknown token 0x%02x at 0x%x", tok, at);
			goto out;
		}
		if (!ov_push(ov, &op)) {
			snprintf(why, why_size, "more than %d operations", BT_BX_MAX_OPS);
			goto out;
		}
	}
	if (depth == 0 && !in_start_tag) {
		ok = true;
		goto out;
	}
trunc:
	snprintf(why, why_size, "truncated binary XML at 0x%x", pos);
	goto out;
nomem:
	snprintf(why, why_size, "out of memory compiling a template");
out:
	free(tb.p);
	return ok;
}

/* Returns the compiled template defined at chunk offset `def`, compiling it
 * on first use; NULL (with cx->err) when it is unusable. */
static struct tmpl *template_get(struct bt_bx_chunk *cx, uint32_t def)
{
	uint32_t h = (def * 2654435761u) >> 19;
	struct tmpl_ent *slot = NULL;
	for (uint32_t k = 0; k < TMPL_SLOTS; k++) {
		struct tmpl_ent *e = &cx->tmpls[(h + k) & (TMPL_SLOTS - 1)];
		if (e->gen == cx->gen && e->off == def) {
			if (e->t->bad) {
				fail(cx, "template at 0x%x: %s", def, e->t->why);
				return NULL;
			}
			return e->t;
		}
		if (e->gen != cx->gen) {
			slot = e;
			break;
		}
	}
	if (!slot || cx->ntmpl >= BT_BX_MAX_TEMPLATES) {
		fail(cx, "more than %d templates in the chunk", BT_BX_MAX_TEMPLATES);
		return NULL;
	}
	struct tmpl *t = bt_arena_alloc(&cx->arena, sizeof *t);
	if (!t) {
		fail(cx, "out of memory for template at 0x%x", def);
		return NULL;
	}
	memset(t, 0, sizeof *t);
	t->def = def;
	slot->gen = cx->gen;
	slot->off = def;
	slot->t = t;
	cx->ntmpl++;
	if ((size_t)def + 24 > cx->n || def < BT_EVTX_CHUNK_HEADER_SIZE) {
		t->bad = true;
		snprintf(t->why, sizeof t->why, "definition outside the chunk");
	} else {
		uint32_t size = le32(cx->c + def + 20);
		if ((size_t)def + 24 + size > cx->n) {
			t->bad = true;
			snprintf(t->why, sizeof t->why, "definition size %u outside the chunk", size);
		} else if (!compile(cx, def + 24, def + 24 + size, &cx->scratch, t->why,
		                    sizeof t->why)) {
			t->bad = true;
		} else {
			t->ops = bt_arena_alloc(&cx->arena, cx->scratch.n * sizeof *t->ops + 1);
			if (!t->ops) {
				t->bad = true;
				snprintf(t->why, sizeof t->why, "out of memory");
			} else {
				if (cx->scratch.n)
					memcpy(t->ops, cx->scratch.v, cx->scratch.n * sizeof *t->ops);
				t->nops = (uint32_t)cx->scratch.n;
			}
		}
	}
	if (t->bad) {
		fail(cx, "template at 0x%x: %s", def, t->why);
		return NULL;
	}
	return t;
}

/* ---- the event state machine (bt_evtx_xml.c's, over operations) ---- */

static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
	if (n == 0)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* libxml2 turns TAB and LF in an attribute value into spaces (CR and the
 * other control characters are kept by bt_evtx_xml.c's shielding). */
static size_t norm_attr(char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == '\n' || v[i] == '\t')
			v[i] = ' ';
	return n;
}

static void add_field(struct bt_bx_chunk *cx, const char *name, size_t nlen, char *v, size_t n,
                      uint32_t flags)
{
	n = bt_evtx_unpad_hex(v, n);
	bt_evbuf_add(cx->eb, name, nlen, v, n, flags);
}

/* Same with a name that lives until the chunk is reset (template memory or
 * a static table). */
static void add_field_ref(struct bt_bx_chunk *cx, const char *name, size_t nlen, char *v,
                          size_t n, uint32_t flags)
{
	if (n == 10 || n == 18)
		n = bt_evtx_unpad_hex(v, n);
	bt_evbuf_add_name_ref(cx->eb, name, nlen, v, n, flags);
}

static void publish_system(struct bt_bx_chunk *cx)
{
	if (cx->system_done)
		return;
	cx->system_done = true;
	cx->want_fields = !cx->want || cx->want(cx->want_ctx, bt_evbuf_done(cx->eb));
}

static const struct kept_attr *kept(struct bt_bx_chunk *cx, uint16_t nid)
{
	for (int i = 0; i < cx->nkept; i++)
		if (cx->kept[i].nid == nid)
			return &cx->kept[i];
	return NULL;
}

static void system_attr_field(struct bt_bx_chunk *cx, uint16_t nid, const char *field)
{
	const struct kept_attr *a = kept(cx, nid);
	if (a)
		add_field_ref(cx, field, strlen(field), cx->abuf.p + a->start, a->len, BT_FIELD_SYSTEM);
}

static const char *kept_str(struct bt_bx_chunk *cx, uint16_t nid)
{
	const struct kept_attr *a = kept(cx, nid);
	return a ? bt_evbuf_str(cx->eb, cx->abuf.p + a->start, a->len) : NULL;
}

/* Which attributes of an element at the current position are kept. */
static bool attr_wanted(const struct bt_bx_chunk *cx, uint16_t anid)
{
	if (cx->depth != 2)
		return false;
	if (cx->sec == SEC_EVENTDATA)
		return cx->open_nid == N_DATA && anid == A_NAME;
	if (cx->sec != SEC_SYSTEM)
		return false;
	switch (cx->open_nid) {
	case N_PROVIDER: return anid == A_NAME || anid == A_GUID || anid == A_EVENTSOURCENAME;
	case N_TIMECREATED: return anid == A_SYSTEMTIME;
	case N_SECURITY: return anid == A_USERID;
	case N_CORRELATION: return anid == A_ACTIVITYID || anid == A_RELATEDACTIVITYID;
	case N_EXECUTION: return anid == A_PROCESSID || anid == A_THREADID;
	case N_EVENTID: return anid == A_QUALIFIERS;
	default: return false;
	}
}

static void system_element(struct bt_bx_chunk *cx)
{
	struct bt_event *ev = &cx->eb->ev;
	switch (cx->open_nid) {
	case N_PROVIDER: {
		const char *p = kept_str(cx, A_NAME);
		if (p || kept(cx, A_NAME))
			ev->provider = p;
		system_attr_field(cx, A_GUID, "ProviderGuid");
		system_attr_field(cx, A_EVENTSOURCENAME, "EventSourceName");
		break;
	}
	case N_TIMECREATED: {
		const struct kept_attr *a = kept(cx, A_SYSTEMTIME);
		bt_time t;
		if (a && a->is_filetime && a->pieces == 1) {
			/* what parsing libevtx's text would give */
			if (a->ft <= FILETIME_MAX_TICKS)
				ev->time = (bt_time)a->ft;
		} else if (a && bt_time_parse(cx->abuf.p + a->start, a->len, &t, NULL, NULL)) {
			ev->time = t;
		}
		break;
	}
	case N_SECURITY:
		if (kept(cx, A_USERID))
			ev->user_sid = kept_str(cx, A_USERID);
		break;
	case N_CORRELATION:
		system_attr_field(cx, A_ACTIVITYID, "ActivityID");
		system_attr_field(cx, A_RELATEDACTIVITYID, "RelatedActivityID");
		break;
	case N_EXECUTION:
		system_attr_field(cx, A_PROCESSID, "ProcessID");
		system_attr_field(cx, A_THREADID, "ThreadID");
		break;
	case N_EVENTID:
		system_attr_field(cx, A_QUALIFIERS, "Qualifiers");
		break;
	default:
		break;
	}
}

static bool system_text_wanted(uint16_t nid)
{
	switch (nid) {
	case N_EVENTID: case N_LEVEL: case N_EVENTRECORDID: case N_CHANNEL: case N_COMPUTER:
	case N_VERSION: case N_TASK: case N_OPCODE: case N_KEYWORDS:
		return true;
	default:
		return false;
	}
}

static void system_text(struct bt_bx_chunk *cx, uint16_t nid, char *v, size_t n)
{
	struct bt_event *ev = &cx->eb->ev;
	uint64_t u;
	switch (nid) {
	case N_EVENTID:
		if (parse_u64(v, n, &u) && u <= UINT32_MAX)
			ev->event_id = (uint32_t)u;
		break;
	case N_LEVEL:
		if (parse_u64(v, n, &u) && u <= 255)
			ev->level = (int)u;
		break;
	case N_EVENTRECORDID:
		if (parse_u64(v, n, &u))
			ev->record_id = u;
		break;
	case N_CHANNEL:
		ev->channel = bt_evbuf_str(cx->eb, v, n);
		break;
	case N_COMPUTER:
		ev->host = bt_evbuf_str(cx->eb, v, n);
		break;
	case N_VERSION: case N_TASK: case N_OPCODE: case N_KEYWORDS:
		add_field_ref(cx, nid_names[nid], strlen(nid_names[nid]), v, n, BT_FIELD_SYSTEM);
		break;
	default:
		break;
	}
}

/* Emits the leaf at depth d with text v. */
static void leaf_value(struct bt_bx_chunk *cx, int d, char *v, size_t n)
{
	if (cx->sec == SEC_SYSTEM && d == 2) {
		system_text(cx, cx->nid_at[2], v, n);
		return;
	}
	if (!cx->want_fields)
		return;
	if (cx->sec == SEC_EVENTDATA && d == 2) {
		uint32_t flags = 0;
		if (cx->has_fname) {
			if (cx->fname_ref)
				add_field_ref(cx, cx->fname_ref, cx->fname.n, v, n, 0);
			else
				add_field(cx, cx->fname.p ? cx->fname.p : "", cx->fname.n, v, n, 0);
			return;
		}
		if (cx->nid_at[2] == N_DATA)
			flags = BT_FIELD_LIST;
		add_field_ref(cx, cx->names_at[2], cx->nlen_at[2], v, n, flags);
	} else if (cx->sec == SEC_USERDATA && d >= 3) {
		cx->path.n = 0;
		for (int i = 3; i <= d; i++) {
			if (i > 3)
				sb_putc(&cx->path, '.');
			sb_put(&cx->path, cx->names_at[i], cx->nlen_at[i]);
		}
		if (cx->path.over) {
			cx->eb->truncated = true;
			return;
		}
		add_field(cx, cx->path.p ? cx->path.p : "", cx->path.n, v, n, 0);
	}
}

static void close_leaf(struct bt_bx_chunk *cx, int d)
{
	bool relevant = (cx->sec == SEC_SYSTEM && d == 2) || (cx->sec == SEC_EVENTDATA && d == 2) ||
	                (cx->sec == SEC_USERDATA && d >= 3);
	if (!relevant)
		return;
	if (cx->text.over)
		cx->eb->truncated = true;
	if (cx->arr) {
		/* libevtx repeats the element once per array item */
		struct arr_it ai;
		struct item it;
		uint8_t t = cx->arr->type & 0x7F;
		arr_begin(&ai, cx->arr);
		while (arr_next(&ai, &it)) {
			sb_clear(&cx->text);
			if (!render_val(cx, &cx->text, t, it.p, it.size))
				return;
			if (cx->text.n == 1 && cx->text.p[0] == '\n')
				sb_clear(&cx->text);   /* libevtx renders a lone newline as empty */
			char empty[1] = "";
			leaf_value(cx, d, cx->text.n ? cx->text.p : empty, cx->text.n);
		}
		cx->arr = NULL;
		return;
	}
	char empty[1] = "";
	if (cx->text.n == 1 && cx->text.p[0] == '\n')
		sb_clear(&cx->text);   /* libevtx renders a lone newline as empty */
	char *v = cx->text.n ? cx->text.p : empty;
	size_t n = cx->text.n;
	leaf_value(cx, d, v, n);
}

/* An element's start tag is complete (attributes kept). */
static void element_opened(struct bt_bx_chunk *cx, bool empty)
{
	int d = cx->depth;
	if (d >= BT_MAX_XML_DEPTH) {
		fail(cx, "XML nested deeper than %d", BT_MAX_XML_DEPTH);
		return;
	}
	if (!empty)
		cx->depth++;
	cx->collect = false;
	if (d == 1) {
		if (cx->open_nid == N_SYSTEM) {
			cx->sec = SEC_SYSTEM;
		} else if (cx->open_nid == N_EVENTDATA || cx->open_nid == N_USERDATA) {
			publish_system(cx);
			if (!cx->want_fields) {
				cx->stop = true;
				return;
			}
			cx->sec = cx->open_nid == N_EVENTDATA ? SEC_EVENTDATA : SEC_USERDATA;
		} else {
			cx->sec = SEC_OTHER;
		}
		return;
	}
	if (d < 1)
		return;
	cx->had_child[d - 1] = true;
	cx->names_at[d] = cx->open_name;
	cx->nlen_at[d] = cx->open_len;
	cx->nid_at[d] = cx->open_nid;
	cx->had_child[d] = false;
	sb_clear(&cx->text);
	cx->text.over = false;
	cx->arr = NULL;
	if (cx->sec == SEC_SYSTEM && d == 2)
		system_element(cx);
	if (d == 2)
		cx->has_fname = false;
	if (cx->sec == SEC_EVENTDATA && d == 2 && cx->open_nid == N_DATA) {
		const struct kept_attr *a = kept(cx, A_NAME);
		if (a) {
			cx->has_fname = true;
			cx->fname_ref = a->ref;
			cx->fname.n = 0;
			if (!a->ref)
				sb_put(&cx->fname, cx->abuf.p + a->start, a->len);
			else
				cx->fname.n = a->len;
		}
	}
	cx->collect = (cx->sec == SEC_SYSTEM && d == 2 && system_text_wanted(cx->open_nid)) ||
	              (cx->sec == SEC_EVENTDATA && d == 2 && cx->want_fields) ||
	              (cx->sec == SEC_USERDATA && d >= 3 && cx->want_fields);
	if (empty) {
		close_leaf(cx, d);
		cx->collect = false;
	}
}

static void element_end(struct bt_bx_chunk *cx)
{
	if (cx->depth <= 0)
		return;
	int d = --cx->depth;
	if (d == 1) {
		if (cx->sec == SEC_SYSTEM)
			publish_system(cx);
		cx->sec = SEC_NONE;
	} else if (d >= 2 && !cx->had_child[d]) {
		close_leaf(cx, d);
	}
	if (d >= 2) {
		sb_clear(&cx->text);
		cx->arr = NULL;
	}
	cx->collect = false;
}

static bool has_markup(const uint8_t *p, size_t n)
{
	return memchr(p, '<', n) || memchr(p, '&', n);
}

/* ---- field maps ----
 *
 * A template instantiated for a whole record (the usual case) is also
 * compiled into a field map: the state machine above is run once over the
 * operations at compile time, and what it would do per record is kept as a
 * list of actions, each naming its target (event id, time, a System field, an
 * EventData field by name, a UserData path, ...) and the pieces of its value
 * (pre-rendered static text and substitution indexes). A record then costs
 * rendering its values into those targets. Records whose shape depends on
 * their values use the operations instead: a BinXml value in element content
 * (checked per record), or templates where an element left out for an empty
 * optional value could turn its parent into a leaf (no field map). */

enum act_kind {
	ACT_FIELD, ACT_EVENTID, ACT_LEVEL, ACT_RECORDID, ACT_CHANNEL, ACT_COMPUTER,
	ACT_PROVIDER, ACT_USERSID, ACT_TIME, ACT_PUBLISH,
	ACT_NESTED,           /* a content value at depth <= 2: BinXml runs there */
};

#define NO_SUBST 0xFFFFu

struct piece {
	const char *s;        /* static text (s != NULL) or substitution idx */
	uint32_t len;
	uint16_t idx;
	uint8_t optional;
};

struct act {
	uint8_t kind;
	uint8_t depth;        /* ACT_NESTED: context depth and section */
	uint8_t sec;
	uint8_t attr;         /* the value is an attribute value */
	uint8_t dyn_name;     /* field name from Data@Name with substitutions */
	uint16_t guard[2];    /* optional substitutions whose empty value drops this */
	uint32_t flags;       /* BT_FIELD_* */
	const char *name;     /* static field name (NUL-terminated) */
	uint32_t name_len;
	const struct piece *pv;
	uint16_t npv;
	const struct piece *namev;   /* dyn_name: pieces of the Name attribute */
	uint16_t nnamev;
};

struct plan {
	const struct act *acts;
	uint32_t nacts;
	const uint16_t *asub; /* substitutions in attributes (an array: operations) */
	uint32_t nasub;
	const uint16_t *dyn;  /* substitutions in deeper element content (BinXml check) */
	uint32_t ndyn;
	const uint16_t *pre;  /* guards of elements at depth < 2: empty -> operations */
	uint32_t npre;
};

/* Entry contexts a field map is compiled for: a record's template, and a
 * BinXml value's template run inside <Event> (classic events put their
 * EventData / UserData there) or inside <EventData> / <UserData>. */
enum plan_ctx { PCTX_ROOT, PCTX_EVENT, PCTX_EVENTDATA, PCTX_USERDATA, PCTX_COUNT };

#define PLAN_MAX_ACTS 2048
#define PLAN_MAX_PIECES 8192

struct plan_build {
	struct act acts[PLAN_MAX_ACTS];
	uint32_t nacts;
	struct piece pieces[PLAN_MAX_PIECES];
	uint32_t npieces;
	uint16_t dyn[PLAN_MAX_PIECES];
	uint32_t ndyn;
	uint16_t pre[64];
	uint32_t npre;
	uint16_t asub[PLAN_MAX_PIECES];
	uint32_t nasub;
	bool ok;
};

static struct plan_build *plan_build_new(void)
{
	return malloc(sizeof(struct plan_build));
}

static struct piece *pb_pieces(struct plan_build *pb, uint32_t n)
{
	if (pb->npieces + n > PLAN_MAX_PIECES) {
		pb->ok = false;
		return NULL;
	}
	struct piece *p = &pb->pieces[pb->npieces];
	pb->npieces += n;
	return p;
}

static struct act *pb_act(struct plan_build *pb, uint8_t kind, const uint16_t guard[2])
{
	if (pb->nacts >= PLAN_MAX_ACTS) {
		pb->ok = false;
		return NULL;
	}
	struct act *a = &pb->acts[pb->nacts++];
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->guard[0] = guard[0];
	a->guard[1] = guard[1];
	return a;
}

/* Pieces of an attribute value: ops (from, to) are OP_TEXT / OP_SUBST. Sets
 * *opt to the optional substitution that drops the attribute (NO_SUBST). */
static bool attr_pieces(struct plan_build *pb, const struct bx_op *o, uint32_t from, uint32_t to,
                        const struct piece **pv, uint16_t *npv, uint16_t *opt)
{
	*opt = NO_SUBST;
	struct piece *p = pb_pieces(pb, to - from);
	if (!p)
		return false;
	uint16_t n = 0;
	for (uint32_t i = from; i < to; i++) {
		struct piece *x = &p[n++];
		memset(x, 0, sizeof *x);
		if (o[i].kind == OP_TEXT) {
			x->s = o[i].s;
			x->len = o[i].len;
		} else {
			x->idx = o[i].idx;
			x->optional = o[i].optional;
			if (o[i].optional) {
				if (*opt != NO_SUBST)
					return false;   /* two optional pieces: not mapped */
				*opt = o[i].idx;
			}
		}
	}
	*pv = p;
	*npv = n;
	return true;
}

struct pframe {
	uint16_t nid;
	const char *name;
	uint32_t len;
	bool had_child;
	uint16_t guard;       /* this element's own guard */
	uint32_t content;     /* first op of its content */
	/* kept attributes (start/end op ranges) */
	uint16_t anid[MAX_KEPT_ATTRS];
	uint32_t afrom[MAX_KEPT_ATTRS], ato[MAX_KEPT_ATTRS];
	int nattr;
};

/* Compiles the field map of a template entered in context `pctx`. */
static const struct plan *plan_compile(struct bt_bx_chunk *cx, const struct tmpl *t,
                                       enum plan_ctx pctx)
{
	struct plan_build *pb = cx->pb;
	if (!pb)
		return NULL;
	pb->nacts = pb->npieces = pb->ndyn = pb->npre = pb->nasub = 0;
	pb->ok = true;
	struct pframe fr[BT_MAX_XML_DEPTH + 1];
	static const int start_depth[PCTX_COUNT] = {0, 1, 2, 2};
	static const enum section start_sec[PCTX_COUNT] = {SEC_NONE, SEC_NONE, SEC_EVENTDATA,
	                                                   SEC_USERDATA};
	const int start = start_depth[pctx];
	int depth = start;
	enum section sec = start_sec[pctx];
	const struct bx_op *o = t->ops;
	uint16_t guards[2] = {NO_SUBST, NO_SUBST};
	int cur_attr = -1;
	char path[1024];
	for (uint32_t i = 0; i < t->nops && pb->ok; i++) {
		const struct bx_op *op = &o[i];
		switch (op->kind) {
		case OP_OPEN: {
			if (depth > BT_MAX_XML_DEPTH - 1)
				return NULL;
			struct pframe *f = &fr[depth];
			memset(f, 0, sizeof *f);
			f->nid = op->nid;
			f->name = op->s;
			f->len = op->len;
			f->guard = op->optional ? op->idx : NO_SUBST;
			if (f->guard != NO_SUBST && depth > 2)
				return NULL;   /* its parent could turn into a leaf */
			if (f->guard != NO_SUBST && depth < 2) {
				/* <Event> or a section left out: rare, operations do it */
				if (pb->npre >= 64)
					return NULL;
				pb->pre[pb->npre++] = f->guard;
				f->guard = NO_SUBST;
			}
			if (depth > start)
				fr[depth - 1].had_child = true;
			cur_attr = -1;
			/* attributes until the start tag closes */
			uint32_t j = i + 1;
			while (j < t->nops && o[j].kind != OP_CLOSE_START && o[j].kind != OP_CLOSE_EMPTY) {
				if (o[j].kind == OP_ATTR) {
					if (f->nattr >= MAX_KEPT_ATTRS)
						return NULL;
					cur_attr = f->nattr++;
					f->anid[cur_attr] = o[j].nid;
					f->afrom[cur_attr] = j + 1;
					f->ato[cur_attr] = j + 1;
				} else if (cur_attr >= 0) {
					f->ato[cur_attr] = j + 1;
				}
				if (o[j].kind == OP_SUBST) {
					if (pb->nasub >= PLAN_MAX_PIECES)
						return NULL;
					pb->asub[pb->nasub++] = o[j].idx;
				}
				j++;
			}
			if (j >= t->nops)
				return NULL;
			bool empty = o[j].kind == OP_CLOSE_EMPTY;
			int d = depth;
			/* element guards: at most two levels */
			uint16_t g[2] = {guards[0], guards[1]};
			if (f->guard != NO_SUBST) {
				if (g[0] == NO_SUBST)
					g[0] = f->guard;
				else if (g[1] == NO_SUBST)
					g[1] = f->guard;
				else
					return NULL;
			}
			if (d == 1) {
				if (op->nid == N_SYSTEM) {
					sec = SEC_SYSTEM;
				} else if (op->nid == N_EVENTDATA || op->nid == N_USERDATA) {
					pb_act(pb, ACT_PUBLISH, g);
					sec = op->nid == N_EVENTDATA ? SEC_EVENTDATA : SEC_USERDATA;
				} else {
					sec = SEC_OTHER;
				}
			}
			/* System attributes, in bt_evtx_xml.c's order */
			if (sec == SEC_SYSTEM && d == 2) {
				static const struct {
					uint16_t elem, attr;
					uint8_t kind;
					const char *field;
				} map[] = {
					{N_PROVIDER, A_NAME, ACT_PROVIDER, NULL},
					{N_PROVIDER, A_GUID, ACT_FIELD, "ProviderGuid"},
					{N_PROVIDER, A_EVENTSOURCENAME, ACT_FIELD, "EventSourceName"},
					{N_TIMECREATED, A_SYSTEMTIME, ACT_TIME, NULL},
					{N_SECURITY, A_USERID, ACT_USERSID, NULL},
					{N_CORRELATION, A_ACTIVITYID, ACT_FIELD, "ActivityID"},
					{N_CORRELATION, A_RELATEDACTIVITYID, ACT_FIELD, "RelatedActivityID"},
					{N_EXECUTION, A_PROCESSID, ACT_FIELD, "ProcessID"},
					{N_EXECUTION, A_THREADID, ACT_FIELD, "ThreadID"},
					{N_EVENTID, A_QUALIFIERS, ACT_FIELD, "Qualifiers"},
				};
				for (size_t m = 0; m < sizeof map / sizeof map[0]; m++) {
					if (map[m].elem != op->nid)
						continue;
					int k = -1;
					for (int q = 0; q < f->nattr; q++)
						if (f->anid[q] == map[m].attr) {
							k = q;
							break;
						}
					if (k < 0)
						continue;
					/* a second attribute of the same name: not mapped */
					for (int q = k + 1; q < f->nattr; q++)
						if (f->anid[q] == map[m].attr)
							return NULL;
					struct act *a = pb_act(pb, map[m].kind, g);
					if (!a)
						return NULL;
					uint16_t opt;
					if (!attr_pieces(pb, o, f->afrom[k], f->ato[k], &a->pv, &a->npv, &opt))
						return NULL;
					if (opt != NO_SUBST) {
						if (a->guard[1] != NO_SUBST)
							return NULL;
						if (a->guard[0] == NO_SUBST)
							a->guard[0] = opt;
						else
							a->guard[1] = opt;
					}
					a->attr = 1;
					a->flags = BT_FIELD_SYSTEM;
					a->name = map[m].field;
					a->name_len = map[m].field ? (uint32_t)strlen(map[m].field) : 0;
				}
			}
			f->content = j + 1;
			if (!empty) {
				depth++;
				guards[0] = g[0];
				guards[1] = g[1];
				i = j;
				break;
			}
			/* an empty element is a leaf with an empty value */
			i = j;
			depth++;
			goto leaf;
		}
		case OP_END:
		leaf: {
			if (depth <= start)
				return NULL;
			int d = --depth;
			struct pframe *f = &fr[d];
			uint16_t g[2] = {guards[0], guards[1]};
			/* restore the parent's guards (an empty element has none) */
			if (op->kind == OP_END && f->guard != NO_SUBST) {
				if (guards[1] == f->guard)
					guards[1] = NO_SUBST;
				else if (guards[0] == f->guard)
					guards[0] = NO_SUBST;
			}
			if (d == 1) {
				if (sec == SEC_SYSTEM && op->kind == OP_END)
					pb_act(pb, ACT_PUBLISH, g);
				sec = SEC_NONE;
				break;
			}
			if (d < 2 || f->had_child)
				break;
			uint8_t kind;
			const char *name = NULL;
			uint32_t nlen = 0, flags = 0;
			bool dyn_name = false;
			uint32_t nfrom = 0, nto = 0;
			if (sec == SEC_SYSTEM && d == 2) {
				switch (f->nid) {
				case N_EVENTID: kind = ACT_EVENTID; break;
				case N_LEVEL: kind = ACT_LEVEL; break;
				case N_EVENTRECORDID: kind = ACT_RECORDID; break;
				case N_CHANNEL: kind = ACT_CHANNEL; break;
				case N_COMPUTER: kind = ACT_COMPUTER; break;
				case N_VERSION: case N_TASK: case N_OPCODE: case N_KEYWORDS:
					kind = ACT_FIELD;
					name = nid_names[f->nid];
					nlen = (uint32_t)strlen(name);
					flags = BT_FIELD_SYSTEM;
					break;
				default:
					continue;
				}
			} else if (sec == SEC_EVENTDATA && d == 2) {
				kind = ACT_FIELD;
				int k = -1;
				if (f->nid == N_DATA)
					for (int q = 0; q < f->nattr; q++)
						if (f->anid[q] == A_NAME) {
							if (k >= 0)
								return NULL;
							k = q;
						}
				if (k >= 0) {
					nfrom = f->afrom[k];
					nto = f->ato[k];
					if (nto - nfrom == 1 && o[nfrom].kind == OP_TEXT &&
					    !(attr_scan(o[nfrom].s, o[nfrom].len) & 3)) {
						name = o[nfrom].s;
						nlen = o[nfrom].len;
					} else {
						dyn_name = true;
					}
				} else {
					name = f->name;
					nlen = f->len;
					if (f->nid == N_DATA)
						flags = BT_FIELD_LIST;
				}
			} else if (sec == SEC_USERDATA && d >= 3) {
				kind = ACT_FIELD;
				size_t k = 0;
				for (int q = 3; q <= d; q++) {
					if (k + fr[q].len + 2 > sizeof path)
						return NULL;
					if (q > 3)
						path[k++] = '.';
					memcpy(path + k, fr[q].name, fr[q].len);
					k += fr[q].len;
				}
				name = bt_arena_strndup(&cx->arena, path, k);
				if (!name)
					return NULL;
				nlen = (uint32_t)k;
			} else {
				break;
			}
			struct act *a = pb_act(pb, kind, g);
			if (!a)
				return NULL;
			a->name = name;
			a->name_len = nlen;
			a->flags = flags;
			if (dyn_name) {
				uint16_t opt;
				a->dyn_name = 1;
				if (!attr_pieces(pb, o, nfrom, nto, &a->namev, &a->nnamev, &opt))
					return NULL;
				(void)opt;
			}
			/* content: from the last substitution on (it replaces text before
			 * it); only text and substitutions (a leaf has no elements) */
			uint32_t from = f->content, to = op->kind == OP_OPEN ? f->content : i;
			for (uint32_t q = from; q < to; q++)
				if (o[q].kind == OP_SUBST)
					from = q;
			struct piece *pv = pb_pieces(pb, to - from);
			if (!pv && to > from)
				return NULL;
			uint16_t n = 0;
			for (uint32_t q = from; q < to; q++) {
				struct piece *x = &pv[n++];
				memset(x, 0, sizeof *x);
				if (o[q].kind == OP_TEXT) {
					x->s = o[q].s;
					x->len = o[q].len;
				} else if (o[q].kind == OP_SUBST) {
					x->idx = o[q].idx;
					x->optional = o[q].optional;
				} else {
					return NULL;
				}
			}
			a->pv = pv;
			a->npv = n;
			break;
		}
		case OP_TEXT:
			break;
		case OP_SUBST:
			if (depth <= 2) {
				/* content of <Event> or of a section: BinXml values run there */
				struct act *a = pb_act(pb, ACT_NESTED, guards);
				if (!a)
					return NULL;
				a->depth = (uint8_t)depth;
				a->sec = (uint8_t)sec;
				struct piece *x = pb_pieces(pb, 1);
				if (!x)
					return NULL;
				memset(x, 0, sizeof *x);
				x->idx = op->idx;
				a->pv = x;
				a->npv = 1;
			} else {
				/* deeper: a BinXml value there changes the shape */
				if (pb->ndyn >= PLAN_MAX_PIECES)
					return NULL;
				pb->dyn[pb->ndyn++] = op->idx;
			}
			break;
		default:
			break;
		}
	}
	if (!pb->ok || depth != start)
		return NULL;
	struct plan *pl = bt_arena_alloc(&cx->arena, sizeof *pl);
	struct act *acts = bt_arena_alloc(&cx->arena, pb->nacts * sizeof *acts + 1);
	struct piece *pieces = bt_arena_alloc(&cx->arena, pb->npieces * sizeof *pieces + 1);
	uint16_t *dyn = bt_arena_alloc(&cx->arena, pb->ndyn * sizeof *dyn + 1);
	uint16_t *pre = bt_arena_alloc(&cx->arena, pb->npre * sizeof *pre + 1);
	uint16_t *asub = bt_arena_alloc(&cx->arena, pb->nasub * sizeof *asub + 1);
	if (!pl || !acts || !pieces || !dyn || !pre || !asub)
		return NULL;
	memcpy(asub, pb->asub, pb->nasub * sizeof *asub);
	pl->asub = asub;
	pl->nasub = pb->nasub;
	memcpy(pre, pb->pre, pb->npre * sizeof *pre);
	pl->pre = pre;
	pl->npre = pb->npre;
	memcpy(pieces, pb->pieces, pb->npieces * sizeof *pieces);
	for (uint32_t i = 0; i < pb->nacts; i++) {
		acts[i] = pb->acts[i];
		if (acts[i].pv)
			acts[i].pv = pieces + (acts[i].pv - pb->pieces);
		if (acts[i].namev)
			acts[i].namev = pieces + (acts[i].namev - pb->pieces);
	}
	memcpy(dyn, pb->dyn, pb->ndyn * sizeof *dyn);
	pl->acts = acts;
	pl->nacts = pb->nacts;
	pl->dyn = dyn;
	pl->ndyn = pb->ndyn;
	return pl;
}

static const struct val null_val = {(const uint8_t *)"", 0, VT_NULL};

static inline const struct val *val_at(const struct val *vals, uint32_t nvals, uint16_t idx)
{
	return idx < nvals ? &vals[idx] : &null_val;
}

/* Renders attribute pieces into cx->abuf (from its start); returns false
 * (record failed) on markup libevtx would leave unescaped. */
static bool plan_attr_value(struct bt_bx_chunk *cx, const struct piece *pv, uint16_t n,
                            const struct val *vals, uint32_t nvals, const char **out,
                            size_t *len)
{
	if (n == 1 && pv[0].s) {
		unsigned f = attr_scan(pv[0].s, pv[0].len);
		if (!f) {
			*out = pv[0].s;
			*len = pv[0].len;
			return true;
		}
	}
	sb_clear(&cx->abuf);
	for (uint16_t i = 0; i < n; i++) {
		if (pv[i].s) {
			sb_put(&cx->abuf, pv[i].s, pv[i].len);
			continue;
		}
		const struct val *v = val_at(vals, nvals, pv[i].idx);
		if (v->type & VT_ARRAY) {
			fail(cx, "array value in an attribute (left to libevtx)");
			return false;
		} else if (v->type != VT_BINXML && !render_val(cx, &cx->abuf, v->type, v->p, v->size)) {
			return false;
		}
	}
	unsigned f = attr_scan(cx->abuf.p, cx->abuf.n);
	if (f & 2) {
		fail(cx, "attribute value with markup (left to libevtx)");
		return false;
	}
	if (f & 1)
		cx->abuf.n = norm_attr(cx->abuf.p, cx->abuf.n);
	*out = cx->abuf.p;
	*len = cx->abuf.n;
	return true;
}

/* Emits one content value (already in cx->text) to action a. */
static void plan_emit(struct bt_bx_chunk *cx, const struct act *a, const char *name,
                      size_t nlen, bool name_ref, uint32_t flags)
{
	if (cx->text.n == 1 && cx->text.p[0] == '\n')
		sb_clear(&cx->text);   /* libevtx renders a lone newline as empty */
	char *v = cx->text.p;
	size_t n = cx->text.n;
	v[n] = '\0';
	switch (a->kind) {
	case ACT_FIELD:
		if (name_ref)
			add_field_ref(cx, name, nlen, v, n, flags);
		else
			add_field(cx, name, nlen, v, n, flags);
		break;
	default:
		system_text(cx, a->kind == ACT_EVENTID ? N_EVENTID : a->kind == ACT_LEVEL ? N_LEVEL :
		                a->kind == ACT_RECORDID ? N_EVENTRECORDID :
		                a->kind == ACT_CHANNEL ? N_CHANNEL : N_COMPUTER, v, n);
		break;
	}
}

/* Runs a field map; returns false when the record needs the operations
 * (before anything was emitted). */
static void exec_fragment(struct bt_bx_chunk *cx, uint32_t pos, uint32_t end, int nest);

static bool exec_plan(struct bt_bx_chunk *cx, const struct plan *pl, const struct val *vals,
                      uint32_t nvals, int nest)
{
	for (uint32_t i = 0; i < pl->ndyn; i++) {
		const struct val *v = val_at(vals, nvals, pl->dyn[i]);
		if (v->type == VT_BINXML || v->type == VT_EVTXML)
			return false;
	}
	for (uint32_t i = 0; i < pl->npre; i++)
		if (val_at(vals, nvals, pl->pre[i])->type == VT_NULL)
			return false;
	for (uint32_t i = 0; i < pl->nasub; i++)
		if (val_at(vals, nvals, pl->asub[i])->type & VT_ARRAY)
			return false;
	struct bt_event *ev = &cx->eb->ev;
	for (uint32_t i = 0; i < pl->nacts && !cx->stop; i++) {
		const struct act *a = &pl->acts[i];
		if ((a->guard[0] != NO_SUBST && val_at(vals, nvals, a->guard[0])->type == VT_NULL) ||
		    (a->guard[1] != NO_SUBST && val_at(vals, nvals, a->guard[1])->type == VT_NULL))
			continue;
		if (a->kind == ACT_PUBLISH) {
			publish_system(cx);
			if (!cx->want_fields)
				return true;
			continue;
		}
		if (a->kind == ACT_NESTED) {
			const struct val *v = val_at(vals, nvals, a->pv[0].idx);
			if (v->type == VT_BINXML && v->size) {
				/* the operations' state at this point */
				cx->depth = a->depth;
				cx->sec = (enum section)a->sec;
				cx->collect = false;
				uint32_t off = (uint32_t)(v->p - cx->c);
				exec_fragment(cx, off, off + v->size, nest + 1);
			}
			continue;
		}
		if (a->attr) {
			if (a->kind == ACT_TIME && a->npv == 1 && !a->pv[0].s) {
				const struct val *v = val_at(vals, nvals, a->pv[0].idx);
				if (v->type == VT_FILETIME && v->size >= 8) {
					uint64_t ft = le64(v->p);
					if (ft <= FILETIME_MAX_TICKS)
						ev->time = (bt_time)ft;
					continue;
				}
			}
			const char *v;
			size_t n;
			if (!plan_attr_value(cx, a->pv, a->npv, vals, nvals, &v, &n))
				return true;
			bt_time t;
			switch (a->kind) {
			case ACT_PROVIDER: ev->provider = bt_evbuf_str(cx->eb, v, n); break;
			case ACT_USERSID: ev->user_sid = bt_evbuf_str(cx->eb, v, n); break;
			case ACT_TIME:
				if (bt_time_parse(v, n, &t, NULL, NULL))
					ev->time = t;
				break;
			default: {
				/* unpadding needs a writable copy */
				sb_clear(&cx->text);
				sb_put(&cx->text, v, n);
				sb_room(&cx->text, 1);
				if (cx->text.p) {
					cx->text.p[cx->text.n] = '\0';
					add_field_ref(cx, a->name, a->name_len, cx->text.p, cx->text.n, a->flags);
				}
				break;
			}
			}
			continue;
		}
		/* the field name */
		const char *name = a->name;
		size_t nlen = a->name_len;
		bool name_ref = true;
		uint32_t flags = a->flags;
		if (a->dyn_name) {
			bool dropped = false;
			for (uint16_t q = 0; q < a->nnamev; q++)
				if (!a->namev[q].s && a->namev[q].optional &&
				    val_at(vals, nvals, a->namev[q].idx)->type == VT_NULL)
					dropped = true;
			if (dropped) {
				name = "Data";
				nlen = 4;
				flags = BT_FIELD_LIST;
			} else {
				const char *v;
				size_t n;
				if (!plan_attr_value(cx, a->namev, a->nnamev, vals, nvals, &v, &n))
					return true;
				sb_clear(&cx->fname);
				sb_put(&cx->fname, v, n);
				sb_room(&cx->fname, 1);
				cx->fname.p[cx->fname.n] = '\0';
				name = cx->fname.p;
				nlen = cx->fname.n;
				name_ref = false;
			}
		}
		/* the value */
		sb_clear(&cx->text);
		const struct val *arr = NULL;
		for (uint16_t q = 0; q < a->npv; q++) {
			const struct piece *x = &a->pv[q];
			if (x->s) {
				sb_put(&cx->text, x->s, x->len);
				continue;
			}
			const struct val *v = val_at(vals, nvals, x->idx);
			if ((v->type & 0x7F) == VT_ANSI && has_markup(v->p, v->size)) {
				fail(cx, "ANSI string with markup (left to libevtx)");
				return true;
			}
			if (v->type & VT_ARRAY)
				arr = v;
			else if (!render_val(cx, &cx->text, v->type, v->p, v->size))
				return true;
		}
		if (cx->text.over)
			cx->eb->truncated = true;
		sb_room(&cx->text, 1);
		if (!cx->text.p)
			return true;
		if (arr) {
			/* libevtx repeats the element once per array item */
			struct arr_it ai;
			struct item it;
			arr_begin(&ai, arr);
			while (arr_next(&ai, &it) && !cx->stop) {
				sb_clear(&cx->text);
				if (!render_val(cx, &cx->text, arr->type & 0x7F, it.p, it.size))
					return true;
				sb_room(&cx->text, 1);
				plan_emit(cx, a, name, nlen, name_ref, flags);
			}
			continue;
		}
		plan_emit(cx, a, name, nlen, name_ref, flags);
	}
	return true;
}

/* ---- executing templates ---- */

static void exec_fragment(struct bt_bx_chunk *cx, uint32_t pos, uint32_t end, int nest);

/* Appends a substitution value in element content. */
static void content_value(struct bt_bx_chunk *cx, const struct val *v, int nest)
{
	uint8_t t = v->type;
	if (t == VT_BINXML) {
		if (v->size == 0)
			return;
		uint32_t off = (uint32_t)(v->p - cx->c);
		exec_fragment(cx, off, off + v->size, nest + 1);
		return;
	}
	if (!cx->collect)
		return;
	if ((t & 0x7F) == VT_ANSI && has_markup(v->p, v->size)) {
		/* libevtx writes ANSI strings into its XML unescaped, so the libevtx
		 * path sees elements there: leave such a record to libevtx */
		fail(cx, "ANSI string with markup (left to libevtx)");
		return;
	}
	/* libevtx keeps one value per element: a substitution replaces the text
	 * before it */
	sb_clear(&cx->text);
	cx->arr = NULL;
	if (t & VT_ARRAY) {
		cx->arr = v;
		return;
	}
	render_val(cx, &cx->text, t, v->p, v->size);
}

/* A kept FILETIME attribute gets more pieces: it needs its text after all. */
static void kept_filetime_text(struct bt_bx_chunk *cx, struct kept_attr *a)
{
	if (!a->is_filetime)
		return;
	a->is_filetime = false;
	put_filetime(&cx->abuf, a->ft);
	a->len = (uint32_t)(cx->abuf.n - a->start);
}

static void exec_ops(struct bt_bx_chunk *cx, const struct tmpl *t, const struct val *vals,
                     uint32_t nvals, int nest)
{
	const struct bx_op *op = t->ops, *end = t->ops + t->nops;
	bool in_attr = false;
	while (op < end && !cx->stop) {
		switch (op->kind) {
		case OP_OPEN:
			if (op->optional && (op->idx >= nvals || vals[op->idx].type == VT_NULL)) {
				op = t->ops + op->skip;
				continue;
			}
			cx->open_nid = op->nid;
			cx->open_name = op->s;
			cx->open_len = op->len;
			cx->nkept = 0;
			cx->abuf.n = 0;
			cx->keep_attr = -1;
			in_attr = false;
			break;
		case OP_ATTR:
			cx->keep_attr = -1;
			cx->attr_dropped = false;
			in_attr = true;
			if (attr_wanted(cx, op->nid) && cx->nkept < MAX_KEPT_ATTRS) {
				struct kept_attr *a = &cx->kept[cx->nkept++];
				a->nid = op->nid;
				a->start = (uint32_t)cx->abuf.n;
				a->len = 0;
				a->pieces = 0;
				a->is_filetime = false;
				a->ref = NULL;
				cx->keep_attr = cx->nkept - 1;
			}
			break;
		case OP_CLOSE_START:
		case OP_CLOSE_EMPTY:
			for (int i = 0; i < cx->nkept; i++) {
				struct kept_attr *a = &cx->kept[i];
				if (a->is_filetime && a->pieces == 1)
					continue;
				char *v = cx->abuf.p + a->start;
				unsigned f = attr_scan(v, a->len);
				if (f & 2) {
					/* libevtx does not escape attribute values */
					fail(cx, "attribute value with markup (left to libevtx)");
					return;
				}
				if (f & 1) {
					a->len = (uint32_t)norm_attr(v, a->len);
					a->ref = NULL;
				}
				if (a->pieces != 1)
					a->ref = NULL;
			}
			in_attr = false;
			element_opened(cx, op->kind == OP_CLOSE_EMPTY);
			break;
		case OP_END:
			element_end(cx);
			break;
		case OP_TEXT:
			if (in_attr) {
				if (cx->keep_attr >= 0) {
					struct kept_attr *a = &cx->kept[cx->keep_attr];
					kept_filetime_text(cx, a);
					sb_put(&cx->abuf, op->s, op->len);
					a->len += op->len;
					a->pieces++;
					a->ref = op->s;
				}
			} else if (cx->collect) {
				sb_put(&cx->text, op->s, op->len);
			}
			break;
		case OP_SUBST: {
			struct val nullv = {(const uint8_t *)"", 0, VT_NULL};
			const struct val *v = op->idx < nvals ? &vals[op->idx] : &nullv;
			if (in_attr) {
				if (v->type & VT_ARRAY) {
					/* libevtx repeats the attribute: invalid XML there */
					fail(cx, "array value in an attribute (left to libevtx)");
					break;
				}
				if (op->optional && v->type == VT_NULL && cx->keep_attr >= 0) {
					/* libevtx leaves the attribute out */
					cx->nkept--;
					cx->abuf.n = cx->kept[cx->keep_attr].start;
					cx->keep_attr = -1;
				} else if (cx->keep_attr >= 0 && v->type == VT_FILETIME && v->size >= 8 &&
				           cx->kept[cx->keep_attr].nid == A_SYSTEMTIME) {
					/* no need to print and parse the event time */
					struct kept_attr *a = &cx->kept[cx->keep_attr];
					a->is_filetime = a->pieces == 0;
					a->ft = le64(v->p);
					if (!a->is_filetime) {
						put_scalar(&cx->abuf, v->type, v->p, v->size);
						a->len = (uint32_t)(cx->abuf.n - a->start);
					}
					a->pieces++;
				} else if (cx->keep_attr >= 0) {
					kept_filetime_text(cx, &cx->kept[cx->keep_attr]);
					cx->kept[cx->keep_attr].pieces++;
					size_t before = cx->abuf.n;
					if (v->type != VT_BINXML &&
					    !render_val(cx, &cx->abuf, v->type, v->p, v->size))
						break;
					cx->kept[cx->keep_attr].len += (uint32_t)(cx->abuf.n - before);
				}
			} else {
				content_value(cx, v, nest);
			}
			break;
		}
		default:
			break;
		}
		op++;
	}
}

/* Reads a template instance at pos (the 0x0C token) and runs it. Returns the
 * position after its substitution values, or 0 on failure. */
static uint32_t template_instance(struct bt_bx_chunk *cx, uint32_t pos, uint32_t end, int nest)
{
	const uint8_t *c = cx->c;
	if (pos + 10 > end) {
		fail(cx, "truncated template instance at 0x%x", pos);
		return 0;
	}
	uint32_t def = le32(c + pos + 6);
	uint32_t at = pos;
	pos += 10;
	if (def != pos) {
		/* a definition used again lies wholly before its use; anything else
		 * (forward or overlapping references, a definition containing the
		 * instance) is damage or a loop */
		if ((size_t)def + 24 > at || (size_t)def + 24 + le32(c + def + 20) > at) {
			fail(cx, "template reference at 0x%x to 0x%x is not to an earlier definition",
			     at, def);
			return 0;
		}
	}
	if (def == pos) {
		/* definition inline: skip it */
		if (pos + 24 > end) {
			fail(cx, "truncated template definition at 0x%x", pos);
			return 0;
		}
		uint32_t size = le32(c + pos + 20);
		if ((size_t)pos + 24 + size > end) {
			fail(cx, "template definition at 0x%x runs past the record", pos);
			return 0;
		}
		pos += 24 + size;
	}
	struct tmpl *t = template_get(cx, def);
	if (!t)
		return 0;
	if (pos + 4 > end) {
		fail(cx, "truncated substitution array at 0x%x", pos);
		return 0;
	}
	uint32_t count = le32(c + pos);
	pos += 4;
	if ((size_t)count * 4 > end - pos) {
		fail(cx, "substitution count %u does not fit the record", count);
		return 0;
	}
	if (cx->vcap[nest] < count) {
		size_t nc = count < 64 ? 64 : count;
		struct val *nv = realloc(cx->vals[nest], nc * sizeof *nv);
		if (!nv) {
			fail(cx, "out of memory for %u substitutions", count);
			return 0;
		}
		cx->vals[nest] = nv;
		cx->vcap[nest] = nc;
	}
	struct val *vals = cx->vals[nest];
	uint32_t dpos = pos;
	pos += count * 4;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t size = le16(c + dpos + 4 * i);
		if (size > end - pos) {
			fail(cx, "substitution value %u runs past the record", i);
			return 0;
		}
		vals[i].p = c + pos;
		vals[i].size = size;
		vals[i].type = c[dpos + 4 * i + 2];
		pos += size;
	}
	if (t->active) {
		fail(cx, "template at 0x%x is instantiated inside itself", def);
		return 0;
	}
	t->active = true;
	int pctx = -1;
	if (cx->use_plans && !cx->collect) {
		if (cx->depth == 0 && cx->sec == SEC_NONE)
			pctx = PCTX_ROOT;
		else if (cx->depth == 1 && cx->sec == SEC_NONE)
			pctx = PCTX_EVENT;
		else if (cx->depth == 2 && cx->sec == SEC_EVENTDATA)
			pctx = PCTX_EVENTDATA;
		else if (cx->depth == 2 && cx->sec == SEC_USERDATA)
			pctx = PCTX_USERDATA;
	}
	if (pctx >= 0) {
		if (!(t->plan_tried & (1u << pctx))) {
			t->plan_tried |= (uint8_t)(1u << pctx);
			t->plan[pctx] = plan_compile(cx, t, (enum plan_ctx)pctx);
		}
		if (!t->plan[pctx] || !exec_plan(cx, t->plan[pctx], vals, count, nest))
			exec_ops(cx, t, vals, count, nest);
	} else {
		exec_ops(cx, t, vals, count, nest);
	}
	t->active = false;
	return pos;
}

static void exec_fragment(struct bt_bx_chunk *cx, uint32_t pos, uint32_t end, int nest)
{
	if (nest > BT_BX_MAX_NEST) {
		fail(cx, "binary XML values nested deeper than %d", BT_BX_MAX_NEST);
		return;
	}
	while (pos < end && !cx->stop) {
		uint8_t tok = cx->c[pos];
		if (tok == 0x0F) {
			pos += 4;
		} else if (tok == 0x0C) {
			pos = template_instance(cx, pos, end, nest);
			if (!pos)
				return;
		} else if (tok == 0x00) {
			return;
		} else {
			/* elements without a template (rare): compile, run, forget */
			char why[96];
			if (!compile(cx, pos, end, &cx->inline_ops, why, sizeof why)) {
				fail(cx, "%s", why);
				return;
			}
			struct tmpl t = {0};
			t.ops = cx->inline_ops.v;
			t.nops = (uint32_t)cx->inline_ops.n;
			/* inline ops may be overwritten by a nested fragment: copy them */
			struct bx_op *copy = bt_arena_alloc(&cx->arena, t.nops * sizeof *copy + 1);
			if (!copy) {
				fail(cx, "out of memory");
				return;
			}
			if (t.nops)
				memcpy(copy, t.ops, t.nops * sizeof *copy);
			t.ops = copy;
			exec_ops(cx, &t, NULL, 0, nest);
			return;
		}
	}
}

/* ---- records ---- */

bool bt_bx_record_at(const struct bt_bx_chunk *cx, uint32_t off, uint32_t end,
                     struct bt_bx_record *r)
{
	if (end > cx->n)
		end = (uint32_t)cx->n;
	if (off > end || end - off < BT_BX_RECORD_HEADER + 4)
		return false;
	const uint8_t *p = cx->c + off;
	if (memcmp(p, "**\0\0", 4) != 0)
		return false;
	uint32_t size = le32(p + 4);
	if (size < BT_BX_RECORD_HEADER + 4 || size > end - off)
		return false;
	if (le32(p + size - 4) != size)
		return false;
	r->offset = off;
	r->size = size;
	r->id = le64(p + 8);
	r->written = le64(p + 16);
	return true;
}

enum bt_status bt_bx_record_decode(struct bt_bx_chunk *cx, const struct bt_bx_record *r,
                                   struct bt_evbuf *eb,
                                   bool (*want)(void *ctx, const struct bt_event *ev),
                                   void *want_ctx, char *why, size_t why_size)
{
	bt_evbuf_reset(eb, BT_SOURCE_EVTX);
	cx->eb = eb;
	cx->want = want;
	cx->want_ctx = want_ctx;
	cx->depth = 0;
	cx->sec = SEC_NONE;
	cx->system_done = false;
	cx->want_fields = true;
	cx->stop = false;
	cx->failed = false;
	cx->collect = false;
	cx->has_fname = false;
	cx->arr = NULL;
	cx->nkept = 0;
	cx->err[0] = '\0';
	if ((size_t)r->offset + r->size > cx->n || r->size < BT_BX_RECORD_HEADER + 4) {
		snprintf(why, why_size, "record outside the chunk");
		return BT_ERR_FORMAT;
	}
	exec_fragment(cx, r->offset + BT_BX_RECORD_HEADER, r->offset + r->size - 4, 0);
	if (cx->failed) {
		snprintf(why, why_size, "%s", cx->err);
		return strstr(cx->err, "deeper") || strstr(cx->err, "more than") ? BT_ERR_LIMIT
		                                                                   : BT_ERR_FORMAT;
	}
	if (!cx->system_done)
		publish_system(cx);
	struct bt_event *ev = &eb->ev;
	if (!ev->record_id)
		ev->record_id = r->id;
	if (ev->time == BT_TIME_NONE && r->written && r->written <= INT64_MAX)
		ev->time = (bt_time)r->written;
	bt_evbuf_done(eb);
	return BT_OK;
}

size_t bt_bx_chunk_decode(struct bt_bx_chunk *cx, const uint8_t *c, size_t n, uint32_t end,
                          struct bt_evbuf *eb, const struct bt_bx_sink *sink)
{
	bt_bx_chunk_reset(cx, c, n);
	if (end == 0)
		end = n >= BT_EVTX_CHUNK_HEADER_SIZE ? bt_evtx_chunk_records_end(c, n) : 0;
	if (end > cx->n)
		end = (uint32_t)cx->n;
	size_t done = 0;
	uint32_t off = BT_EVTX_CHUNK_HEADER_SIZE;
	char why[200];
	while (off + BT_BX_RECORD_HEADER + 4 <= end) {
		struct bt_bx_record r;
		if (!bt_bx_record_at(cx, off, end, &r)) {
			if (sink && sink->on_error)
				sink->on_error(sink->ctx, off, 0, "bad record header");
			/* resynchronise on the next plausible record */
			uint32_t next = off + 1;
			while (next + BT_BX_RECORD_HEADER + 4 <= end && !bt_bx_record_at(cx, next, end, &r))
				next++;
			if (next + BT_BX_RECORD_HEADER + 4 > end)
				break;
			off = next;
		}
		enum bt_status st = bt_bx_record_decode(cx, &r, eb, sink ? sink->want : NULL,
		                                        sink ? sink->want_ctx : NULL, why, sizeof why);
		if (st == BT_OK) {
			done++;
			if (sink && sink->on_event)
				sink->on_event(sink->ctx, &r, &eb->ev);
		} else if (sink && sink->on_error) {
			sink->on_error(sink->ctx, r.offset, r.id, why);
		}
		off = r.offset + r.size;
	}
	return done;
}
