/* The EVTX event mapping: which parts of an event's XML become which parts of
 * the normalised event. Both EVTX readers feed this one builder, the native
 * BinXML decoder (bt_binxml.c) and the parser of libevtx's rendered XML
 * (bt_evtx_xml.c), so they map alike by construction.
 *
 * Mapping (documented in the man page, OUTPUT FORMATS):
 *  - System: Provider@Name -> provider, EventID -> event_id, Level -> level,
 *    TimeCreated@SystemTime -> time, EventRecordID -> record_id,
 *    Channel -> channel, Computer -> host, Security@UserID -> user_sid;
 *    the rest (Provider@Guid, EventSourceName, EventID@Qualifiers, Version,
 *    Task, Opcode, Keywords, Correlation@ActivityID/RelatedActivityID,
 *    Execution@ProcessID/ThreadID) become fields flagged BT_FIELD_SYSTEM.
 *  - EventData: <Data Name="N">v</Data> -> field N; unnamed <Data> -> the
 *    multi-valued field "Data" (also addressable as Data[0], Data[1], ...);
 *    other elements (e.g. <Binary>) -> a field named after the element.
 *  - UserData: the single wrapper element (e.g. <LogFileCleared>) is dropped
 *    and its descendants become fields named by their element path below it,
 *    joined with dots (<A><B>v</B></A> -> "A.B").
 *  - Values: as rendered, except libevtx's zero-padded hexadecimal integers
 *    ("0x00000017", exactly 8 or 16 digits) which become Windows' unpadded
 *    form ("0x17").
 * The System part is published first: then the caller's want() decides
 * whether the EventData / UserData fields are mapped at all (want() is for
 * the members; a caller may leave the System fields of an unwanted record
 * out: the decoder's field maps do).
 *
 * Use, per record: bt_evmap_begin(); the document as a stream of element
 * starts (bt_evmap_open, the attributes bt_evmap_attrs_wanted names,
 * bt_evmap_opened), element text (bt_evmap_text) or typed values
 * (bt_evmap_value) and element ends (bt_evmap_end); bt_evmap_finish().
 * A caller that compiled its walk ahead (the decoder's field maps) takes the
 * same rules from bt_evmap_section .. bt_evmap_path and delivers values with
 * bt_evmap_put / bt_evmap_put_value.
 *
 * Values are text or typed (a BinXML value type and its bytes). A typed value
 * is turned into the text the libevtx reader path would see for it (today at
 * once: bt_evtx_value.h); where that text cannot be reproduced the record
 * fails (failed, err) and is left to libevtx. No allocation per record: the
 * builder's buffers grow to the largest record and are reused. */
#ifndef BT_EVTX_MAP_H
#define BT_EVTX_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_event.h"
#include "evtx/bt_evtx_value.h"

/* Maximum element nesting accepted in event XML. */
#define BT_MAX_XML_DEPTH 64

/* ---- names ---- */

/* The element and attribute names the mapping knows (others: BT_EN_OTHER). */
enum bt_evtx_name {
	BT_EN_OTHER = 0,
	BT_EN_SYSTEM, BT_EN_EVENTDATA, BT_EN_USERDATA,
	BT_EN_PROVIDER, BT_EN_EVENTID, BT_EN_VERSION, BT_EN_LEVEL, BT_EN_TASK, BT_EN_OPCODE,
	BT_EN_KEYWORDS, BT_EN_TIMECREATED, BT_EN_EVENTRECORDID, BT_EN_CORRELATION,
	BT_EN_EXECUTION, BT_EN_CHANNEL, BT_EN_COMPUTER, BT_EN_SECURITY, BT_EN_DATA,
	/* attributes */
	BT_EN_NAME, BT_EN_GUID, BT_EN_EVENTSOURCENAME, BT_EN_SYSTEMTIME, BT_EN_USERID,
	BT_EN_ACTIVITYID, BT_EN_RELATEDACTIVITYID, BT_EN_PROCESSID, BT_EN_THREADID,
	BT_EN_QUALIFIERS,
	BT_EN_COUNT
};

/* The id of name s[0..n) (exact, case-sensitive), and the name of an id. */
uint16_t bt_evmap_name_id(const char *s, size_t n);
const char *bt_evmap_name(uint16_t id);

/* ---- the rules ---- */

/* The part of the event a child of <Event> (depth 1) opens. */
enum bt_evmap_section { BT_SEC_NONE, BT_SEC_SYSTEM, BT_SEC_EVENTDATA, BT_SEC_USERDATA, BT_SEC_OTHER };
enum bt_evmap_section bt_evmap_section(uint16_t id);

/* Whether opening section `sec` publishes the System part first (and then
 * maps fields only when want() says so). */
static inline bool bt_evmap_section_publishes(enum bt_evmap_section sec)
{
	return sec == BT_SEC_EVENTDATA || sec == BT_SEC_USERDATA;
}

/* Whether a leaf (an element without child elements) at `depth` of `sec`
 * carries a value: System's children, EventData's children, and UserData's
 * elements below its wrapper. */
static inline bool bt_evmap_leaf_maps(enum bt_evmap_section sec, int depth)
{
	return ((sec == BT_SEC_SYSTEM || sec == BT_SEC_EVENTDATA) && depth == 2) ||
	       (sec == BT_SEC_USERDATA && depth >= 3);
}

/* Where a value goes. */
enum bt_evmap_target {
	BT_EVMAP_FIELD,       /* a field: name, flags */
	BT_EVMAP_EVENT_ID,    /* decimal text; others leave event_id alone */
	BT_EVMAP_LEVEL,       /* decimal 0..255 */
	BT_EVMAP_RECORD_ID,   /* decimal */
	BT_EVMAP_CHANNEL,
	BT_EVMAP_HOST,
	BT_EVMAP_PROVIDER,
	BT_EVMAP_USER_SID,
	BT_EVMAP_TIME,        /* RFC 3339 text, or a FILETIME value */
};

struct bt_evmap_dest {
	uint8_t target;       /* enum bt_evmap_target */
	uint8_t in_attr;      /* the value is an attribute's (its text rules differ) */
	uint8_t name_ref;     /* the name outlives the event: not copied */
	uint32_t flags;       /* BT_FIELD_* */
	const char *name;     /* field name, NUL-terminated */
	uint32_t name_len;
};

/* System: where attribute `attr` of element `elem` goes, for each mapped one,
 * in the order they are mapped (NULL and *n = 0 when none). */
struct bt_evmap_attr_rule {
	uint16_t elem, attr;
	struct bt_evmap_dest dest;
};
const struct bt_evmap_attr_rule *bt_evmap_system_attrs(uint16_t elem, size_t *n);

/* System: where the text of leaf `elem` goes (NULL: nowhere). */
const struct bt_evmap_dest *bt_evmap_system_leaf(uint16_t elem);

/* EventData: a leaf <elem attr="N"> is field N when this is true (a <Data>
 * with a Name); any other is named after its element, with these flags
 * (unnamed <Data> values form the list "Data"). */
static inline bool bt_evmap_named_by(uint16_t elem, uint16_t attr)
{
	return elem == BT_EN_DATA && attr == BT_EN_NAME;
}
static inline uint32_t bt_evmap_unnamed_flags(uint16_t elem)
{
	return elem == BT_EN_DATA ? BT_FIELD_LIST : 0;
}

/* UserData: the name of a leaf is the path of the elements below the wrapper,
 * names[0..n) outermost first, joined with dots. Writes it to `out` (cleared
 * first); false when it does not fit (out->over). */
bool bt_evmap_path(struct bt_sbuf *out, const char *const names[], const uint32_t lens[],
                   int n);

/* ---- the builder ---- */

/* Options (bt_evmap_init). */
#define BT_EVMAP_LIBEVTX_TEXT 0x1u  /* text comes as libevtx renders it before it
                                     * writes XML: a leaf whose text is one LF is
                                     * empty (libevtx writes it so) */
#define BT_EVMAP_STABLE_NAMES 0x2u  /* element names outlive the events: not copied */
#define BT_EVMAP_TYPED 0x4u         /* a typed value whose text can wait becomes a typed
                                     * field (bt_xv_deferrable): rendered when asked for
                                     * (bt_evmap_render_typed), as it would be at once */
#define BT_EVMAP_MEMO 0x8u          /* string members (host, channel ...) point to the
                                     * builder's copy of the last such value: for a builder
                                     * that outlives its events' use (bt_evmap_free frees
                                     * them) */

#define BT_EVMAP_MAX_ATTRS 4
#define BT_EVMAP_MEMO_RAW 256

/* A kept attribute of the start tag being read. */
struct bt_evmap_attr {
	uint16_t id;
	bool stable;              /* text v outlives the event */
	bool typed;               /* the value is val, not text */
	const char *v;
	size_t n;
	struct bt_xv val;
};

struct bt_evmap {
	unsigned opts;
	/* the event and the caller's filter */
	struct bt_evbuf *eb;
	bool (*want)(void *ctx, const struct bt_event *ev);
	void *want_ctx;
	/* position */
	int depth;                  /* depth of the next element to open (root 0) */
	uint8_t sec;                /* enum bt_evmap_section */
	bool system_done;           /* System published, want() asked */
	bool want_fields;
	bool stop;                  /* nothing more to map (fields unwanted, or failed) */
	bool failed;
	bool collect;               /* text of the current element is a value */
	bool have_event_id;         /* an EventID was mapped */
	const char *names_at[BT_MAX_XML_DEPTH + 1];
	uint32_t nlen_at[BT_MAX_XML_DEPTH + 1];
	uint16_t id_at[BT_MAX_XML_DEPTH + 1];
	bool had_child[BT_MAX_XML_DEPTH + 1];
	/* the start tag being read */
	uint16_t open_id;
	const char *open_name;
	uint32_t open_len;
	struct bt_evmap_attr attrs[BT_EVMAP_MAX_ATTRS];
	int nattrs;
	/* the current leaf */
	struct bt_sbuf text;
	struct bt_xv arr;           /* an array value (type BT_XV_NULL: none) */
	bool has_fname;             /* EventData Data@Name seen */
	const char *fname_ref;      /* that name when it outlives the event */
	struct bt_sbuf fname;       /* else a copy */
	struct bt_sbuf path;        /* UserData field name */
	struct bt_sbuf scratch;     /* typed attribute values' text */
	/* the last typed value of each string member (host, channel, provider,
	 * user SID) and its text: the next record of a log mostly has the same */
	struct bt_evmap_memo {
		bool ok;
		uint8_t type;
		uint8_t in_attr;
		uint32_t size;
		uint8_t raw[BT_EVMAP_MEMO_RAW];
		char *text;                 /* NUL-terminated, malloc'ed */
		size_t cap;
	} memo[4];
	/* the same for text values (static text of templates, mostly) */
	struct bt_evmap_tmemo {
		char *s;                    /* NUL-terminated, malloc'ed; NULL: none */
		size_t n, cap;
	} tmemo[4];
	char err[160];
};

/* Sets up a builder (false when out of memory); bt_evmap_free releases it. */
bool bt_evmap_init(struct bt_evmap *m, unsigned opts);
void bt_evmap_free(struct bt_evmap *m);

/* Starts a record: maps into `eb` (already reset by the caller); after the
 * System part, want(ctx, ev) (NULL: always) decides about the fields. */
void bt_evmap_begin(struct bt_evmap *m, struct bt_evbuf *eb,
                    bool (*want)(void *ctx, const struct bt_event *ev), void *want_ctx);

/* The small steps are inline: the decoder takes them per element. */

/* An element's start tag begins: its name id and name (the name stays valid
 * until the record is done). */
static inline void bt_evmap_open(struct bt_evmap *m, uint16_t id, const char *name, uint32_t len)
{
	m->open_id = id;
	m->open_name = name;
	m->open_len = len;
	m->nattrs = 0;
}

/* The attributes of that start tag the mapping wants: their ids go to out
 * (only children of <System> and <EventData>, depth 2, have any); returns
 * how many. */
int bt_evmap_attrs_wanted(const struct bt_evmap *m, uint16_t out[BT_EVMAP_MAX_ATTRS]);

/* A wanted attribute's value: text (valid until bt_evmap_opened returns, or
 * for the record when `stable`), or typed. */
static inline void bt_evmap_attr(struct bt_evmap *m, uint16_t id, const char *v, size_t n,
                                 bool stable)
{
	if (m->nattrs < BT_EVMAP_MAX_ATTRS) {
		struct bt_evmap_attr *a = &m->attrs[m->nattrs++];
		a->id = id;
		a->stable = stable;
		a->typed = false;
		a->v = v;
		a->n = n;
	}
}
static inline void bt_evmap_attr_value(struct bt_evmap *m, uint16_t id, const struct bt_xv *v)
{
	if (m->nattrs < BT_EVMAP_MAX_ATTRS) {
		struct bt_evmap_attr *a = &m->attrs[m->nattrs++];
		a->id = id;
		a->stable = false;
		a->typed = true;
		a->val = *v;
	}
}

/* The start tag is complete; `empty`: the element ends there too. */
void bt_evmap_opened(struct bt_evmap *m, bool empty);

/* Whether text in the current element is a value (callers may skip it). */
static inline bool bt_evmap_collecting(const struct bt_evmap *m)
{
	return m->collect;
}

/* Text in the current element, appended to what it has. */
static inline void bt_evmap_text(struct bt_evmap *m, const char *s, size_t n)
{
	if (m->collect)
		bt_sb_put(&m->text, s, n);
}

/* A typed value in the current element: it replaces the text before it
 * (libevtx keeps one value per element); an array repeats the element once
 * per item. BinXml values are the caller's to walk. */
void bt_evmap_value(struct bt_evmap *m, const struct bt_xv *v);

/* The current element ends. */
void bt_evmap_end(struct bt_evmap *m);

/* The record ends: publishes the System part if that has not happened. */
void bt_evmap_finish(struct bt_evmap *m);

/* Record failed (the first reason is kept in err); mapping stops. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void bt_evmap_fail(struct bt_evmap *m, const char *fmt, ...);

/* ---- direct delivery (walks compiled ahead) ---- */

/* Publishes the System part (once); returns whether fields are wanted. */
bool bt_evmap_publish(struct bt_evmap *m);

/* Resumes the stream at `depth` in section `sec` (a BinXml value walked from
 * a compiled walk). */
void bt_evmap_enter(struct bt_evmap *m, int depth, enum bt_evmap_section sec);

/* Delivers the text of a value to d (content text: the whole of it). */
void bt_evmap_put(struct bt_evmap *m, const struct bt_evmap_dest *d, const char *v, size_t n);

/* Delivers static text to d, as bt_evmap_put would: text that is NUL-
 * terminated and outlives the event (a compiled template's), so a field
 * borrows it rather than copying it. */
void bt_evmap_put_static(struct bt_evmap *m, const struct bt_evmap_dest *d, const char *v,
                         size_t n);

/* Delivers a typed value to d (an array in content: once per item). */
void bt_evmap_put_value_slow(struct bt_evmap *m, const struct bt_evmap_dest *d,
                             const struct bt_xv *v);

#define BT_EVMAP_VO_LONE_LF 0x1u   /* bt_field.vopts: a lone LF is empty (content text) */

/* The numeric members in the types Windows writes them: the number parsing
 * their text would give (bt_evmap_put_value_slow takes any other type). */
static inline bool bt_evmap_put_number_(struct bt_evmap *m, const struct bt_evmap_dest *d,
                                        const struct bt_xv *v)
{
	struct bt_event *ev = &m->eb->ev;
	switch (d->target) {
	case BT_EVMAP_TIME:
		if (v->type != BT_XV_FILETIME || v->size < 8)
			return false;
		if (bt_le64(v->p) <= BT_XV_FILETIME_MAX)
			ev->time = (bt_time)bt_le64(v->p);
		return true;
	case BT_EVMAP_EVENT_ID:
		if (v->type != BT_XV_UINT16 || v->size < 2)
			return false;
		ev->event_id = bt_le16(v->p);
		m->have_event_id = true;
		return true;
	case BT_EVMAP_LEVEL:
		if (v->type != BT_XV_UINT8 || v->size < 1)
			return false;
		ev->level = v->p[0];
		return true;
	case BT_EVMAP_RECORD_ID:
		if (v->type != BT_XV_UINT64 || v->size < 8)
			return false;
		ev->record_id = bt_le64(v->p);
		return true;
	default:
		return false;
	}
}

static inline void bt_evmap_put_value(struct bt_evmap *m, const struct bt_evmap_dest *d,
                                      const struct bt_xv *v)
{
	/* the hot paths inline: a field whose text can wait, a number member */
	if (d->target == BT_EVMAP_FIELD) {
		if ((m->opts & BT_EVMAP_TYPED) && bt_xv_deferrable(v, d->in_attr)) {
			uint8_t o = !d->in_attr && (m->opts & BT_EVMAP_LIBEVTX_TEXT) ? BT_EVMAP_VO_LONE_LF
			                                                             : 0;
			bt_evbuf_add_typed(m->eb, d->name, d->name_len, d->name_ref, v->type, o, v->p,
			                   v->size, d->flags);
			return;
		}
	} else if (bt_evmap_put_number_(m, d, v)) {
		return;
	}
	bt_evmap_put_value_slow(m, d, v);
}

/* Appends the text of typed value v, in content or (in_attr) in an
 * attribute, as the libevtx reader sees it; false with the record failed
 * when that cannot be reproduced. Not for arrays in content. */
bool bt_evmap_render(struct bt_evmap *m, struct bt_sbuf *b, const struct bt_xv *v, bool in_attr);

/* Checks an assembled attribute value's text as libevtx writes it and
 * libxml2 reads it: markup fails the record (false), TAB and LF become
 * spaces in place (*changed set when they did). */
bool bt_evmap_attr_check(struct bt_evmap *m, char *v, size_t n, bool *changed);

/* The renderer of the typed fields a BT_EVMAP_TYPED builder makes (it is
 * set as eb->render by bt_evmap_begin): the text bt_evmap_put_value would
 * have given the field. */
bool bt_evmap_render_typed(struct bt_evbuf *eb, struct bt_field *f);

/* The same text appended to b (eb->put). */
bool bt_evmap_put_typed(const struct bt_field *f, struct bt_buf *b, bool *plain);

/* A typed string's UTF-16 units when its text is their plain conversion
 * (eb->utf16, core/bt_event.h): not a lone LF made empty, not a "0x0..."
 * string render_field might unpad. */
bool bt_evmap_utf16(const struct bt_field *f, const uint8_t **u, size_t *units);

/* A typed unsigned integer's value (eb->uint: its text is that decimal). */
bool bt_evmap_uint(const struct bt_field *f, uint64_t *v);

/* Rewrites a libevtx zero-padded hex value in place ("0x00000017" -> "0x17");
 * returns the new length (unchanged when the value has another shape). */
size_t bt_evtx_unpad_hex(char *v, size_t n);

#endif
