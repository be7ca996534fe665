/* The EVTX event mapping both EVTX readers feed (see bt_evtx_map.h): the
 * rules (System targets, EventData / UserData field names, publishing the
 * System part before fields) and the builder that applies them to a stream
 * of elements, attributes and values. */
#include "config.h"

#include "evtx/bt_evtx_map.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bt_bytes.h"
#include "core/bt_time.h"

/* ---- names ---- */

#define N(s) {s, sizeof s - 1}
static const struct {
	const char *s;
	size_t n;
} names[BT_EN_COUNT] = {
	[BT_EN_OTHER] = N(""),
	[BT_EN_SYSTEM] = N("System"), [BT_EN_EVENTDATA] = N("EventData"),
	[BT_EN_USERDATA] = N("UserData"), [BT_EN_PROVIDER] = N("Provider"),
	[BT_EN_EVENTID] = N("EventID"), [BT_EN_VERSION] = N("Version"), [BT_EN_LEVEL] = N("Level"),
	[BT_EN_TASK] = N("Task"), [BT_EN_OPCODE] = N("Opcode"), [BT_EN_KEYWORDS] = N("Keywords"),
	[BT_EN_TIMECREATED] = N("TimeCreated"), [BT_EN_EVENTRECORDID] = N("EventRecordID"),
	[BT_EN_CORRELATION] = N("Correlation"), [BT_EN_EXECUTION] = N("Execution"),
	[BT_EN_CHANNEL] = N("Channel"), [BT_EN_COMPUTER] = N("Computer"),
	[BT_EN_SECURITY] = N("Security"), [BT_EN_DATA] = N("Data"),
	[BT_EN_NAME] = N("Name"), [BT_EN_GUID] = N("Guid"),
	[BT_EN_EVENTSOURCENAME] = N("EventSourceName"), [BT_EN_SYSTEMTIME] = N("SystemTime"),
	[BT_EN_USERID] = N("UserID"), [BT_EN_ACTIVITYID] = N("ActivityID"),
	[BT_EN_RELATEDACTIVITYID] = N("RelatedActivityID"), [BT_EN_PROCESSID] = N("ProcessID"),
	[BT_EN_THREADID] = N("ThreadID"), [BT_EN_QUALIFIERS] = N("Qualifiers"),
};

uint16_t bt_evmap_name_id(const char *s, size_t n)
{
	/* lengths and first letters tell most names apart */
	for (int i = 1; i < BT_EN_COUNT; i++)
		if (names[i].n == n && names[i].s[0] == s[0] && memcmp(names[i].s, s, n) == 0)
			return (uint16_t)i;
	return BT_EN_OTHER;
}

const char *bt_evmap_name(uint16_t id)
{
	return id < BT_EN_COUNT ? names[id].s : "";
}

/* ---- the rules ---- */

enum bt_evmap_section bt_evmap_section(uint16_t id)
{
	switch (id) {
	case BT_EN_SYSTEM: return BT_SEC_SYSTEM;
	case BT_EN_EVENTDATA: return BT_SEC_EVENTDATA;
	case BT_EN_USERDATA: return BT_SEC_USERDATA;
	default: return BT_SEC_OTHER;
	}
}

#define SYS_FIELD(n) {BT_EVMAP_FIELD, 0, 1, BT_FIELD_SYSTEM, n, sizeof n - 1}
#define SYS_ATTR_FIELD(n) {BT_EVMAP_FIELD, 1, 1, BT_FIELD_SYSTEM, n, sizeof n - 1}
#define SYS_ATTR(t) {t, 1, 1, 0, NULL, 0}
#define SYS_TEXT(t) {t, 0, 1, 0, NULL, 0}

/* System attributes by element, each element's in the order they map. */
static const struct bt_evmap_attr_rule provider_attrs[] = {
	{BT_EN_PROVIDER, BT_EN_NAME, SYS_ATTR(BT_EVMAP_PROVIDER)},
	{BT_EN_PROVIDER, BT_EN_GUID, SYS_ATTR_FIELD("ProviderGuid")},
	{BT_EN_PROVIDER, BT_EN_EVENTSOURCENAME, SYS_ATTR_FIELD("EventSourceName")},
};
static const struct bt_evmap_attr_rule timecreated_attrs[] = {
	{BT_EN_TIMECREATED, BT_EN_SYSTEMTIME, SYS_ATTR(BT_EVMAP_TIME)},
};
static const struct bt_evmap_attr_rule security_attrs[] = {
	{BT_EN_SECURITY, BT_EN_USERID, SYS_ATTR(BT_EVMAP_USER_SID)},
};
static const struct bt_evmap_attr_rule correlation_attrs[] = {
	{BT_EN_CORRELATION, BT_EN_ACTIVITYID, SYS_ATTR_FIELD("ActivityID")},
	{BT_EN_CORRELATION, BT_EN_RELATEDACTIVITYID, SYS_ATTR_FIELD("RelatedActivityID")},
};
static const struct bt_evmap_attr_rule execution_attrs[] = {
	{BT_EN_EXECUTION, BT_EN_PROCESSID, SYS_ATTR_FIELD("ProcessID")},
	{BT_EN_EXECUTION, BT_EN_THREADID, SYS_ATTR_FIELD("ThreadID")},
};
static const struct bt_evmap_attr_rule eventid_attrs[] = {
	{BT_EN_EVENTID, BT_EN_QUALIFIERS, SYS_ATTR_FIELD("Qualifiers")},
};

#define RULES(a) {a, sizeof a / sizeof a[0]}
static const struct {
	const struct bt_evmap_attr_rule *r;
	size_t n;
} attr_rules[BT_EN_COUNT] = {
	[BT_EN_PROVIDER] = RULES(provider_attrs),
	[BT_EN_TIMECREATED] = RULES(timecreated_attrs),
	[BT_EN_SECURITY] = RULES(security_attrs),
	[BT_EN_CORRELATION] = RULES(correlation_attrs),
	[BT_EN_EXECUTION] = RULES(execution_attrs),
	[BT_EN_EVENTID] = RULES(eventid_attrs),
};

const struct bt_evmap_attr_rule *bt_evmap_system_attrs(uint16_t elem, size_t *n)
{
	if (elem >= BT_EN_COUNT) {
		*n = 0;
		return NULL;
	}
	*n = attr_rules[elem].n;
	return attr_rules[elem].r;
}

/* System leaves by element (NULL: not mapped). */
#define LEAF(d) &(const struct bt_evmap_dest)d
static const struct bt_evmap_dest *const leaf_rules[BT_EN_COUNT] = {
	[BT_EN_EVENTID] = LEAF(SYS_TEXT(BT_EVMAP_EVENT_ID)),
	[BT_EN_LEVEL] = LEAF(SYS_TEXT(BT_EVMAP_LEVEL)),
	[BT_EN_EVENTRECORDID] = LEAF(SYS_TEXT(BT_EVMAP_RECORD_ID)),
	[BT_EN_CHANNEL] = LEAF(SYS_TEXT(BT_EVMAP_CHANNEL)),
	[BT_EN_COMPUTER] = LEAF(SYS_TEXT(BT_EVMAP_HOST)),
	[BT_EN_VERSION] = LEAF(SYS_FIELD("Version")),
	[BT_EN_TASK] = LEAF(SYS_FIELD("Task")),
	[BT_EN_OPCODE] = LEAF(SYS_FIELD("Opcode")),
	[BT_EN_KEYWORDS] = LEAF(SYS_FIELD("Keywords")),
};

const struct bt_evmap_dest *bt_evmap_system_leaf(uint16_t elem)
{
	return elem < BT_EN_COUNT ? leaf_rules[elem] : NULL;
}

bool bt_evmap_path(struct bt_sbuf *out, const char *const nv[], const uint32_t lens[], int n)
{
	bt_sb_clear(out);
	out->over = false;
	for (int i = 0; i < n; i++) {
		if (i)
			bt_sb_putc(out, '.');
		bt_sb_put(out, nv[i], lens[i]);
	}
	return !out->over;
}

/* ---- values ---- */

size_t bt_evtx_unpad_hex(char *v, size_t n)
{
	if ((n != 10 && n != 18) || v[0] != '0' || v[1] != 'x')
		return n;
	for (size_t i = 2; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return n;
	size_t z = 2;
	while (z < n - 1 && v[z] == '0')
		z++;
	memmove(v + 2, v + z, n - z);
	n = 2 + (n - z);
	v[n] = '\0';
	return n;
}

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

void bt_evmap_fail(struct bt_evmap *m, const char *fmt, ...)
{
	if (!m->failed) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(m->err, sizeof m->err, fmt, ap);
		va_end(ap);
		m->failed = true;
	}
	m->stop = true;
}

/* Why a typed value's text cannot be had the libevtx path's way. */
enum unrenderable {
	ARRAY_IN_ATTR,   /* libevtx repeats the attribute: invalid XML there */
	OWN_WAY,         /* an invalid SYSTEMTIME, too short, an unknown type */
};

#if defined(__GNUC__)
__attribute__((noinline, cold))
#endif
static void render_failed(struct bt_evmap *m, enum unrenderable why, uint8_t type)
{
	switch (why) {
	case ARRAY_IN_ATTR: bt_evmap_fail(m, "array value in an attribute (left to libevtx)"); break;
	default:
		bt_evmap_fail(m, "value of type 0x%02x libevtx renders its own way (left to libevtx)",
		              type);
		break;
	}
}

/* bt_evmap_render, inline for the hot path (bt_evmap_put_value). */
static inline bool render(struct bt_evmap *m, struct bt_sbuf *b, const struct bt_xv *v,
                          bool in_attr)
{
	enum unrenderable why = OWN_WAY;
	if (in_attr) {
		if (v->type & BT_XV_ARRAY) {
			why = ARRAY_IN_ATTR;
			goto failed;
		}
		if (v->type == BT_XV_BINXML)
			return true;
	}
	/* An ANSI string with markup is given as its text: libevtx writes it
	 * into its XML unescaped, and the libevtx path parses elements out of
	 * it and loses the text (a LiveId DeviceAddRequest's Value). The one
	 * place the native reader departs from that path on purpose. */
	if (bt_xv_text(b, v->type, v->p, v->size))
		return true;
failed:
	render_failed(m, why, v->type);
	return false;
}

bool bt_evmap_render(struct bt_evmap *m, struct bt_sbuf *b, const struct bt_xv *v, bool in_attr)
{
	return render(m, b, v, in_attr);
}

bool bt_evmap_attr_check(struct bt_evmap *m, char *v, size_t n, bool *changed)
{
	unsigned f = bt_xv_attr_scan(v, n);
	*changed = false;
	if (f & BT_XV_ATTR_MARKUP) {
		/* libevtx does not escape attribute values */
		bt_evmap_fail(m, "attribute value with markup (left to libevtx)");
		return false;
	}
	if (f & BT_XV_ATTR_SPACE) {
		bt_xv_attr_norm(v, n);
		*changed = true;
	}
	return true;
}

static inline void add_field(struct bt_evmap *m, const char *name, size_t nlen, bool name_ref,
                             const char *v, size_t n, uint32_t flags)
{
	char t[20];
	/* padded hex starts "0x0" (most "0x" values in events are Keywords,
	 * which are not) */
	if ((n == 10 || n == 18) && v[0] == '0' && v[1] == 'x' && v[2] == '0') {
		memcpy(t, v, n);
		n = bt_evtx_unpad_hex(t, n);
		v = t;
	}
	if (name_ref)
		bt_evbuf_add_name_ref(m->eb, name, nlen, v, n, flags);
	else
		bt_evbuf_add(m->eb, name, nlen, v, n, flags);
}

static int memo_slot(uint8_t target);
static const char **member_str(struct bt_event *ev, uint8_t target);

/* Copies v[0..n) and a NUL into the growable *s (capacity *cap); false
 * when out of memory. */
static bool keep_copy(char **s, size_t *cap, const char *v, size_t n)
{
	if (n + 1 > *cap) {
		char *p = realloc(*s, n + 1);
		if (!p)
			return false;
		*s = p;
		*cap = n + 1;
	}
	memcpy(*s, v, n);
	(*s)[n] = '\0';
	return true;
}

/* A string member's text, kept while the next records have the same (no
 * copy per record): NULL when out of memory. */
static const char *memo_text(struct bt_evmap *m, int slot, const char *v, size_t n)
{
	struct bt_evmap_tmemo *t = &m->tmemo[slot];
	if (t->s && t->n == n && memcmp(t->s, v, n) == 0)
		return t->s;
	if (!keep_copy(&t->s, &t->cap, v, n))
		return NULL;
	t->n = n;
	return t->s;
}

/* A numeric member (event id, level, record id) from its value. */
static void member_number(struct bt_evmap *m, uint8_t target, uint64_t u)
{
	struct bt_event *ev = &m->eb->ev;
	if (target == BT_EVMAP_EVENT_ID && u <= UINT32_MAX) {
		ev->event_id = (uint32_t)u;
		m->have_event_id = true;
	} else if (target == BT_EVMAP_LEVEL && u <= 255) {
		ev->level = (int)u;
	} else if (target == BT_EVMAP_RECORD_ID) {
		ev->record_id = u;
	}
}

/* The event members System values go to. */
static void put_member(struct bt_evmap *m, const struct bt_evmap_dest *d, const char *v, size_t n)
{
	int slot = (m->opts & BT_EVMAP_MEMO) ? memo_slot(d->target) : -1;
	if (slot >= 0 && !memchr(v, '\0', n)) {
		/* an embedded NUL ends the string: the copy below keeps it so */
		const char *s = memo_text(m, slot, v, n);
		if (!s)
			m->eb->truncated = true;
		*member_str(&m->eb->ev, d->target) = s;
		return;
	}
	struct bt_event *ev = &m->eb->ev;
	uint64_t u;
	bt_time t;
	switch (d->target) {
	case BT_EVMAP_EVENT_ID:
	case BT_EVMAP_LEVEL:
	case BT_EVMAP_RECORD_ID:
		if (parse_u64(v, n, &u))
			member_number(m, d->target, u);
		break;
	case BT_EVMAP_CHANNEL: ev->channel = bt_evbuf_str(m->eb, v, n); break;
	case BT_EVMAP_HOST: ev->host = bt_evbuf_str(m->eb, v, n); break;
	case BT_EVMAP_PROVIDER: ev->provider = bt_evbuf_str(m->eb, v, n); break;
	case BT_EVMAP_USER_SID: ev->user_sid = bt_evbuf_str(m->eb, v, n); break;
	case BT_EVMAP_TIME:
		if (bt_time_parse(v, n, &t, NULL, NULL))
			ev->time = t;
		break;
	default:
		break;
	}
}

/* bt_evmap_put, inline for the hot path. */
static inline void put(struct bt_evmap *m, const struct bt_evmap_dest *d, const char *v, size_t n)
{
	if (!d->in_attr && n == 1 && v[0] == '\n' && (m->opts & BT_EVMAP_LIBEVTX_TEXT))
		n = 0;   /* libevtx renders a lone newline as empty */
	if (d->target == BT_EVMAP_FIELD)
		add_field(m, d->name, d->name_len, d->name_ref, v, n, d->flags);
	else
		put_member(m, d, v, n);
}

void bt_evmap_put(struct bt_evmap *m, const struct bt_evmap_dest *d, const char *v, size_t n)
{
	put(m, d, v, n);
}

void bt_evmap_put_static(struct bt_evmap *m, const struct bt_evmap_dest *d, const char *v,
                         size_t n)
{
	if (!d->in_attr && n == 1 && v[0] == '\n' && (m->opts & BT_EVMAP_LIBEVTX_TEXT))
		n = 0;   /* libevtx renders a lone newline as empty */
	/* padded hex is rewritten (add_field), so it is copied */
	if (d->target != BT_EVMAP_FIELD || ((n == 10 || n == 18) && v[0] == '0'))
		put(m, d, v, n);
	else
		bt_evbuf_add_refs(m->eb, d->name, d->name_len, d->name_ref, v, n, d->flags);
}

/* Renders a value into b (cleared first) and delivers it. */
static inline void put_rendered(struct bt_evmap *m, const struct bt_evmap_dest *d,
                                struct bt_sbuf *b, const struct bt_xv *v)
{
	bt_sb_clear(b);
	if (!render(m, b, v, d->in_attr))
		return;
	if (b->over)
		m->eb->truncated = true;
	if (d->in_attr) {
		bool changed;
		if (!bt_evmap_attr_check(m, b->p, b->n, &changed))
			return;
	}
	put(m, d, b->p, b->n);
}

/* An unsigned integer value's number (what parsing its text would give). */
static bool typed_unsigned(const struct bt_xv *v, uint64_t *u)
{
	switch (v->type) {
	case BT_XV_UINT8: if (v->size < 1) return false; *u = v->p[0]; return true;
	case BT_XV_UINT16: if (v->size < 2) return false; *u = bt_le16(v->p); return true;
	case BT_XV_UINT32: if (v->size < 4) return false; *u = bt_le32(v->p); return true;
	case BT_XV_UINT64: if (v->size < 8) return false; *u = bt_le64(v->p); return true;
	default: return false;
	}
}

/* The memo slot of a string member, or -1. */
static int memo_slot(uint8_t target)
{
	switch (target) {
	case BT_EVMAP_HOST: return 0;
	case BT_EVMAP_CHANNEL: return 1;
	case BT_EVMAP_PROVIDER: return 2;
	case BT_EVMAP_USER_SID: return 3;
	default: return -1;
	}
}

static const char **member_str(struct bt_event *ev, uint8_t target)
{
	switch (target) {
	case BT_EVMAP_HOST: return &ev->host;
	case BT_EVMAP_CHANNEL: return &ev->channel;
	case BT_EVMAP_PROVIDER: return &ev->provider;
	default: return &ev->user_sid;
	}
}

/* A string member from a typed value: the text of the same value in the
 * record before is reused (it outlives that event, and this one: it is
 * replaced only when another value comes, by then both are gone). */
static void put_member_value(struct bt_evmap *m, const struct bt_evmap_dest *d,
                             struct bt_sbuf *b, const struct bt_xv *v, int slot);

#define VO_LONE_LF BT_EVMAP_VO_LONE_LF

void bt_evmap_put_value_slow(struct bt_evmap *m, const struct bt_evmap_dest *d,
                             const struct bt_xv *v)
{
	/* (a FILETIME time and the number members in their usual types were
	 * delivered by bt_evmap_put_number_; other unsigned types come here) */
	uint64_t u;
	if ((d->target == BT_EVMAP_EVENT_ID || d->target == BT_EVMAP_LEVEL ||
	     d->target == BT_EVMAP_RECORD_ID) && typed_unsigned(v, &u)) {
		member_number(m, d->target, u);
		return;
	}
	int slot = (m->opts & BT_EVMAP_MEMO) ? memo_slot(d->target) : -1;
	if (slot >= 0 && !(v->type & BT_XV_ARRAY) && v->size <= BT_EVMAP_MEMO_RAW) {
		put_member_value(m, d, d->in_attr ? &m->scratch : &m->text, v, slot);
		return;
	}
	/* (a field whose text can wait was put by bt_evmap_put_value) */
	struct bt_sbuf *b = d->in_attr ? &m->scratch : &m->text;
	if (!d->in_attr && (v->type & BT_XV_ARRAY)) {
		/* libevtx repeats the element once per array item */
		struct bt_xv_iter it;
		struct bt_xv item;
		bt_xv_iter_begin(&it, v);
		while (!m->stop && bt_xv_iter_next(&it, &item))
			put_rendered(m, d, b, &item);
		return;
	}
	put_rendered(m, d, b, v);
}

static void put_member_value(struct bt_evmap *m, const struct bt_evmap_dest *d,
                             struct bt_sbuf *b, const struct bt_xv *v, int slot)
{
	struct bt_evmap_memo *mm = &m->memo[slot];
	const char **dst = member_str(&m->eb->ev, d->target);
	if (mm->ok && mm->type == v->type && mm->in_attr == d->in_attr && mm->size == v->size &&
	    memcmp(mm->raw, v->p, v->size) == 0) {
		*dst = mm->text;
		return;
	}
	put_rendered(m, d, b, v);
	if (m->stop || !*dst)
		return;
	if (!keep_copy(&mm->text, &mm->cap, *dst, strlen(*dst))) {
		mm->ok = false;
		return;
	}
	memcpy(mm->raw, v->p, v->size);
	mm->size = v->size;
	mm->type = v->type;
	mm->in_attr = d->in_attr;
	mm->ok = true;
}

/* Renders typed field f into t (room for bt_xv_text_max + 1 bytes): its
 * length, or -1 when it cannot be rendered. */
static long render_field(const struct bt_field *f, char *t, size_t max)
{
	/* a buffer that never grows: max bounds the text */
	struct bt_sbuf b = {t, 0, max + 1, false, false};
	if (!bt_xv_put(&b, f->vtype, f->raw, f->raw_size) || b.over || b.p != t)
		return -1;
	size_t n = b.n;
	if ((f->vopts & VO_LONE_LF) && n == 1 && t[0] == '\n')
		n = 0;
	if ((n == 10 || n == 18) && t[0] == '0' && t[1] == 'x' && t[2] == '0')
		n = bt_evtx_unpad_hex(t, n);
	t[n] = '\0';
	return (long)n;
}

bool bt_evmap_utf16(const struct bt_field *f, const uint8_t **u, size_t *units)
{
	if (f->vtype != BT_XV_STRING)
		return false;
	const uint8_t *p = f->raw;
	size_t n = f->raw_size / 2;
	/* not where render_field changes the text: a lone LF made empty, a
	 * "0x0..." string that may be unpadded hex */
	if (n && (f->vopts & VO_LONE_LF) && bt_le16(p) == '\n')
		return false;
	if (n >= 3 && bt_le16(p) == '0' && bt_le16(p + 2) == 'x' && bt_le16(p + 4) == '0')
		return false;
	*u = p;
	*units = n;
	return true;
}

bool bt_evmap_uint(const struct bt_field *f, uint64_t *v)
{
	/* bt_xv_put writes these in decimal (put_u64); a shorter value has no
	 * text */
	const uint8_t *p = f->raw;
	switch (f->vtype) {
	case BT_XV_UINT8: if (f->raw_size < 1) return false; *v = p[0]; return true;
	case BT_XV_UINT16: if (f->raw_size < 2) return false; *v = bt_le16(p); return true;
	case BT_XV_UINT32: if (f->raw_size < 4) return false; *v = bt_le32(p); return true;
	case BT_XV_UINT64: if (f->raw_size < 8) return false; *v = bt_le64(p); return true;
	default: return false;
	}
}

bool bt_evmap_put_typed(const struct bt_field *f, struct bt_buf *b, bool *plain)
{
	size_t max = bt_xv_text_max(f->vtype, f->raw, f->raw_size);
	if (!bt_buf_reserve(b, max + 1))
		return false;
	long n = render_field(f, b->p + b->n, max);
	if (n < 0)
		return false;
	b->n += (size_t)n;
	/* only strings can hold quotes, backslashes, controls or non-ASCII */
	*plain = f->vtype != BT_XV_STRING && f->vtype != BT_XV_ANSI;
	return true;
}

bool bt_evmap_render_typed(struct bt_evbuf *eb, struct bt_field *f)
{
	size_t max = bt_xv_text_max(f->vtype, f->raw, f->raw_size);
	char *t = bt_arena_alloc(&eb->arena, max + 1);
	if (!t)
		return false;
	long n = render_field(f, t, max);
	if (n < 0) {
		bt_arena_trim(&eb->arena, t, max + 1, 0);
		return false;
	}
	bt_arena_trim(&eb->arena, t, max + 1, (size_t)n + 1);
	f->text = t;
	f->text_len = (uint32_t)n;
	return true;
}

/* ---- the builder ---- */

bool bt_evmap_init(struct bt_evmap *m, unsigned opts)
{
	memset(m, 0, sizeof *m);
	m->opts = opts;
	/* scratch buffers always have memory, so pointers into them are valid */
	if (!bt_sb_room(&m->text, 1024) || !bt_sb_room(&m->fname, 64) ||
	    !bt_sb_room(&m->path, 256) || !bt_sb_room(&m->scratch, 256)) {
		bt_evmap_free(m);
		return false;
	}
	return true;
}

void bt_evmap_free(struct bt_evmap *m)
{
	bt_sb_free(&m->text);
	bt_sb_free(&m->fname);
	bt_sb_free(&m->path);
	bt_sb_free(&m->scratch);
	for (size_t i = 0; i < sizeof m->memo / sizeof m->memo[0]; i++) {
		free(m->memo[i].text);
		m->memo[i].text = NULL;
		m->memo[i].ok = false;
		free(m->tmemo[i].s);
		m->tmemo[i].s = NULL;
		m->tmemo[i].n = m->tmemo[i].cap = 0;
	}
}

void bt_evmap_begin(struct bt_evmap *m, struct bt_evbuf *eb,
                    bool (*want)(void *ctx, const struct bt_event *ev), void *want_ctx)
{
	m->eb = eb;
	if (m->opts & BT_EVMAP_TYPED) {
		eb->render = bt_evmap_render_typed;
		eb->put = bt_evmap_put_typed;
		eb->utf16 = bt_evmap_utf16;
		eb->uint = bt_evmap_uint;
	}
	m->want = want;
	m->want_ctx = want_ctx;
	m->depth = 0;
	m->sec = BT_SEC_NONE;
	m->system_done = false;
	m->want_fields = true;
	m->stop = false;
	m->failed = false;
	m->collect = false;
	m->has_fname = false;
	m->have_event_id = false;
	m->arr.type = BT_XV_NULL;
	m->nattrs = 0;
	m->err[0] = '\0';
}

bool bt_evmap_publish(struct bt_evmap *m)
{
	if (!m->system_done) {
		m->system_done = true;
		m->want_fields = !m->want || m->want(m->want_ctx, bt_evbuf_done(m->eb));
		if (!m->want_fields)
			m->eb->ev.flags |= BT_EV_MEMBERS_ONLY;
	}
	return m->want_fields;
}

void bt_evmap_finish(struct bt_evmap *m)
{
	bt_evmap_publish(m);
}

void bt_evmap_enter(struct bt_evmap *m, int depth, enum bt_evmap_section sec)
{
	m->depth = depth;
	m->sec = (uint8_t)sec;
	m->collect = false;
}

int bt_evmap_attrs_wanted(const struct bt_evmap *m, uint16_t out[BT_EVMAP_MAX_ATTRS])
{
	if (m->depth != 2)
		return 0;
	if (m->sec == BT_SEC_EVENTDATA) {
		if (!bt_evmap_named_by(m->open_id, BT_EN_NAME))
			return 0;
		out[0] = BT_EN_NAME;
		return 1;
	}
	if (m->sec != BT_SEC_SYSTEM)
		return 0;
	size_t n;
	const struct bt_evmap_attr_rule *r = bt_evmap_system_attrs(m->open_id, &n);
	for (size_t i = 0; i < n && i < BT_EVMAP_MAX_ATTRS; i++)
		out[i] = r[i].attr;
	return n < BT_EVMAP_MAX_ATTRS ? (int)n : BT_EVMAP_MAX_ATTRS;
}

/* The first kept attribute `id`, or NULL. */
static const struct bt_evmap_attr *kept(const struct bt_evmap *m, uint16_t id)
{
	for (int i = 0; i < m->nattrs; i++)
		if (m->attrs[i].id == id)
			return &m->attrs[i];
	return NULL;
}

static void put_attr(struct bt_evmap *m, const struct bt_evmap_dest *d,
                     const struct bt_evmap_attr *a)
{
	if (a->typed)
		bt_evmap_put_value(m, d, &a->val);
	else
		bt_evmap_put(m, d, a->v, a->n);
}

/* A System element's start tag: its attributes. */
static void system_element(struct bt_evmap *m)
{
	size_t n;
	const struct bt_evmap_attr_rule *r = bt_evmap_system_attrs(m->open_id, &n);
	for (size_t i = 0; i < n && !m->stop; i++) {
		const struct bt_evmap_attr *a = kept(m, r[i].attr);
		if (a)
			put_attr(m, &r[i].dest, a);
	}
}

/* An EventData <Data Name="N">: N names the field. */
static void data_name(struct bt_evmap *m, const struct bt_evmap_attr *a)
{
	m->has_fname = true;
	m->fname_ref = NULL;
	bt_sb_clear(&m->fname);
	if (a->typed) {
		bool changed;
		if (bt_evmap_render(m, &m->fname, &a->val, true))
			bt_evmap_attr_check(m, m->fname.p, m->fname.n, &changed);
	} else if (a->stable) {
		m->fname_ref = a->v;
		m->fname.n = a->n;
	} else {
		bt_sb_put(&m->fname, a->v, a->n);
	}
	if (!m->fname_ref && bt_sb_room(&m->fname, 1))
		m->fname.p[m->fname.n] = '\0';
}

/* Delivers the text v of the leaf at depth d. */
static void leaf_value(struct bt_evmap *m, int d, const char *v, size_t n)
{
	if (m->sec == BT_SEC_SYSTEM) {
		const struct bt_evmap_dest *dest = bt_evmap_system_leaf(m->id_at[2]);
		if (dest)
			bt_evmap_put(m, dest, v, n);
		return;
	}
	if (!m->want_fields)
		return;
	struct bt_evmap_dest dest = {BT_EVMAP_FIELD, 0, 0, 0, NULL, 0};
	if (m->sec == BT_SEC_EVENTDATA) {
		if (m->has_fname) {
			dest.name = m->fname_ref ? m->fname_ref : m->fname.p;
			dest.name_len = (uint32_t)m->fname.n;
			dest.name_ref = m->fname_ref != NULL;
		} else {
			dest.name = m->names_at[2];
			dest.name_len = m->nlen_at[2];
			dest.name_ref = (m->opts & BT_EVMAP_STABLE_NAMES) != 0;
			dest.flags = bt_evmap_unnamed_flags(m->id_at[2]);
		}
	} else {
		if (!bt_evmap_path(&m->path, m->names_at + 3, m->nlen_at + 3, d - 2) ||
		    !bt_sb_room(&m->path, 1)) {
			m->eb->truncated = true;
			return;
		}
		m->path.p[m->path.n] = '\0';
		dest.name = m->path.p;
		dest.name_len = (uint32_t)m->path.n;
	}
	bt_evmap_put(m, &dest, v, n);
}

static void close_leaf(struct bt_evmap *m, int d)
{
	if (!bt_evmap_leaf_maps((enum bt_evmap_section)m->sec, d))
		return;
	if (m->text.over)
		m->eb->truncated = true;
	if (m->arr.type != BT_XV_NULL) {
		/* libevtx repeats the element once per array item */
		struct bt_xv_iter it;
		struct bt_xv item;
		struct bt_xv arr = m->arr;
		m->arr.type = BT_XV_NULL;
		bt_xv_iter_begin(&it, &arr);
		while (bt_xv_iter_next(&it, &item)) {
			bt_sb_clear(&m->text);
			if (!render(m, &m->text, &item, false))
				return;
			leaf_value(m, d, m->text.p, m->text.n);
		}
		return;
	}
	leaf_value(m, d, m->text.p, m->text.n);
}

void bt_evmap_opened(struct bt_evmap *m, bool empty)
{
	int d = m->depth;
	if (d >= BT_MAX_XML_DEPTH) {
		bt_evmap_fail(m, "XML nested deeper than %d", BT_MAX_XML_DEPTH);
		return;
	}
	if (!empty)
		m->depth++;
	m->collect = false;
	if (d == 1) {
		enum bt_evmap_section sec = bt_evmap_section(m->open_id);
		if (bt_evmap_section_publishes(sec) && !bt_evmap_publish(m)) {
			m->stop = true;
			return;
		}
		m->sec = (uint8_t)sec;
		return;
	}
	if (d < 1)
		return;
	m->had_child[d - 1] = true;
	m->names_at[d] = m->open_name;
	m->nlen_at[d] = m->open_len;
	m->id_at[d] = m->open_id;
	m->had_child[d] = false;
	bt_sb_clear(&m->text);
	m->text.over = false;
	m->arr.type = BT_XV_NULL;
	if (d == 2) {
		m->has_fname = false;
		if (m->sec == BT_SEC_SYSTEM) {
			system_element(m);
		} else if (m->sec == BT_SEC_EVENTDATA) {
			const struct bt_evmap_attr *a = kept(m, BT_EN_NAME);
			if (a && bt_evmap_named_by(m->open_id, BT_EN_NAME))
				data_name(m, a);
		}
	}
	if (!bt_evmap_leaf_maps((enum bt_evmap_section)m->sec, d))
		return;
	m->collect = m->sec == BT_SEC_SYSTEM ? bt_evmap_system_leaf(m->open_id) != NULL
	                                     : m->want_fields;
	if (empty) {
		close_leaf(m, d);
		m->collect = false;
	}
}

void bt_evmap_value(struct bt_evmap *m, const struct bt_xv *v)
{
	if (!m->collect)
		return;
	bt_sb_clear(&m->text);
	m->arr.type = BT_XV_NULL;
	if (v->type & BT_XV_ARRAY) {
		m->arr = *v;
		return;
	}
	bt_evmap_render(m, &m->text, v, false);
}

void bt_evmap_end(struct bt_evmap *m)
{
	if (m->depth <= 0)
		return;
	int d = --m->depth;
	if (d == 1) {
		if (m->sec == BT_SEC_SYSTEM)
			bt_evmap_publish(m);
		m->sec = BT_SEC_NONE;
	} else if (d >= 2 && !m->had_child[d]) {
		close_leaf(m, d);
	}
	if (d >= 2) {
		bt_sb_clear(&m->text);
		m->arr.type = BT_XV_NULL;
	}
	m->collect = false;
}
