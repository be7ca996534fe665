/* The normalised event: what every reader yields and every later stage
 * (rules, correlation, output) consumes.
 *
 * Strings in an event are UTF-8 and NUL-terminated; field values also carry
 * their length because evidence may hold embedded NULs. An event returned by a
 * reader borrows the reader's memory and is valid until the next call on that
 * reader; bt_event_clone() makes an owned copy.
 *
 * A field's value may still be typed (a reader's binary value: an EVTX
 * integer, GUID, string ...), its text made only when something asks for it:
 * bt_event_field() and bt_event_field_next() return fields with their text,
 * code that walks ev->fields itself calls bt_field_need() first. Most fields
 * of most records are never looked at (rules want a few, of a few events), so
 * their text is never made. */
#ifndef BT_EVENT_H
#define BT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_arena.h"
#include "core/bt_buf.h"
#include "core/bt_time.h"

/* The kind of evidence an event was read from. */
enum bt_source {
	BT_SOURCE_EVTX,            /* Windows EVTX record */
	BT_SOURCE_DOCKERD,         /* dockerd/containerd daemon log (logrus text or JSON) */
	BT_SOURCE_JOURNALD,        /* journalctl -o json export */
	BT_SOURCE_DOCKER_EVENTS,   /* docker events --format '{{json .}}' */
	BT_SOURCE_DOCKER_DESKTOP,  /* Docker Desktop host/VM logs */
	BT_SOURCE_DOCKER_ROOT,     /* offline /var/lib/docker (or C:\ProgramData\docker) tree */
	BT_SOURCE_CONTAINER_LOG,   /* containers/<id>/<id>-json.log */
	BT_SOURCE_SYNTHETIC,       /* made by boxtrail itself (integrity findings) */
	BT_SOURCE_HOST_CONFIG,     /* a host's configuration: names and addresses (bt_host_config.h) */
	BT_SOURCE_ESXI,            /* ESXi host logs (esxi/bt_esxi_log.h) */
	BT_SOURCE_COUNT
};

/* Stable lower-case name of a source kind ("evtx", "dockerd", ...). */
const char *bt_source_name(enum bt_source s);

/* Field flags. */
#define BT_FIELD_LIST 0x1u   /* member of a multi-valued field: output as an array */
#define BT_FIELD_SYSTEM 0x2u /* EVTX System property beyond the header (Keywords, ...) */

struct bt_field {
	const char *name;        /* NUL-terminated */
	const char *text;        /* the value: NUL-terminated, may hold NULs before text_len;
	                          * NULL while it is typed (bt_field_need makes it) */
	uint32_t name_len;
	uint32_t text_len;
	uint32_t flags;
	/* a typed value (text NULL): the reader's type and bytes, borrowed like
	 * the event; the event's `typed` builder renders it */
	uint8_t vtype;
	uint8_t vopts;           /* the reader's rendering options */
	uint32_t raw_size;
	const uint8_t *raw;
};

/* Event flags. */
#define BT_EV_RECOVERED     0x1u  /* EVTX record carved from slack space */
#define BT_EV_TIME_INFERRED 0x2u  /* year/zone guessed (syslog prefix) */
#define BT_EV_HOST_INFERRED 0x4u  /* host taken from other evidence of its collection */
#define BT_EV_HOST_ASSUMED  0x8u  /* host given by --assume-host, not stated by the evidence */
#define BT_EV_TEMPLATE_ELSEWHERE 0x10u  /* recovered with its template found elsewhere in the
                                         * file (the one its record names was overwritten) */
#define BT_EV_TEMPLATE_OTHER_FILE 0x20u /* ... found in another file of its channel */
#define BT_EV_MEMBERS_ONLY 0x40u        /* the reader's want() declined its fields: it has
                                         * its members (id, channel, time ...) only */

struct bt_evbuf;

struct bt_event {
	bt_time time;               /* BT_TIME_NONE when the evidence has none */
	enum bt_source source;
	uint32_t event_id;          /* EVTX EventID; 0 for sources without one */
	int level;                  /* EVTX Level 0..255; Docker: 2 error .. 5 debug; -1 absent */
	uint32_t flags;             /* BT_EV_* */
	uint64_t record_id;         /* EVTX EventRecordID; 0 absent */
	const char *channel;        /* EVTX Channel; "docker" for Docker sources; NULL absent */
	const char *provider;       /* EVTX Provider Name; Docker component; NULL absent */
	const char *host;           /* EVTX Computer; Docker host name; NULL unknown */
	const char *user_sid;       /* EVTX System/Security UserID; NULL absent */
	const struct bt_field *fields;
	size_t nfields;
	/* provenance */
	const char *file;           /* evidence path as the user named it (or found by the walk) */
	uint64_t line;              /* 1-based line for line-oriented sources, else 0 */
	uint64_t offset;            /* byte offset of the record (EVTX) or line start; */
	struct bt_evbuf *typed;     /* renders typed fields (NULL: every value is text) */
};

/* A reusable builder: readers fill one per record. */
struct bt_evbuf {
	struct bt_event ev;
	struct bt_arena arena;      /* strings of the current event */
	struct bt_field *fv;        /* field vector, grows to the largest record */
	size_t fcap;
	size_t max_fields;          /* cap on fields per event */
	bool truncated;             /* a cap dropped part of this event */
	size_t ntyped;              /* fields of the current event still typed */
	/* the reader's renderer of typed fields: writes f->text and f->text_len
	 * (memory from the arena); false when it cannot (f then gets "") */
	bool (*render)(struct bt_evbuf *eb, struct bt_field *f);
	/* the same text appended to b instead, not kept (an output reads each
	 * value once); *plain set when it is printable ASCII without '"' or
	 * '\\' (JSON needs no escaping). NULL: outputs use render */
	bool (*put)(const struct bt_field *f, struct bt_buf *b, bool *plain);
	/* a typed field whose text is the conversion of UTF-16LE code units:
	 * sets *u and *units (2 bytes each) and returns true when its text is
	 * exactly that conversion, of the units before the first 0, where a unit
	 * below 0x80 becomes that byte and any other unit bytes of 0x80 and above
	 * only (a high surrogate, 0xD800..0xDBFF, may take the unit after it
	 * along); false otherwise. Lets a test that can fail early skip making
	 * the text (NULL: none) */
	bool (*utf16)(const struct bt_field *f, const uint8_t **u, size_t *units);
	/* a typed field whose text is the decimal of an unsigned integer
	 * (no sign, no leading zero): sets *v and returns true; false
	 * otherwise (NULL: none) */
	bool (*uint)(const struct bt_field *f, uint64_t *v);
};

/* Caps that bound memory per event (documented in the man page). */
#define BT_MAX_FIELDS_PER_EVENT 4096
#define BT_MAX_EVENT_BYTES      (16u * 1024 * 1024)

void bt_evbuf_init(struct bt_evbuf *eb);
void bt_evbuf_free(struct bt_evbuf *eb);

/* Starts a new event: clears fields and the arena, sets level -1 and
 * time BT_TIME_NONE. */
void bt_evbuf_reset(struct bt_evbuf *eb, enum bt_source src);

/* Appends a field (copied). Returns false and sets eb->truncated when a cap is
 * reached or memory runs out; the event stays usable. */
bool bt_evbuf_add(struct bt_evbuf *eb, const char *name, size_t name_len,
                  const char *value, size_t value_len, uint32_t flags);

/* Like bt_evbuf_add, but the name is not copied: it must be NUL-terminated and
 * stay valid and unchanged until the next bt_evbuf_reset (a reader's own
 * tables, e.g. compiled EVTX templates). */
bool bt_evbuf_add_name_ref(struct bt_evbuf *eb, const char *name, size_t name_len,
                           const char *value, size_t value_len, uint32_t flags);

/* Like bt_evbuf_add_name_ref, but the value is not copied either: it must be
 * NUL-terminated and stay valid and unchanged as long as the event (a
 * reader's compiled static text, borrowed as typed values are). The name is
 * copied unless `name_ref`. */
bool bt_evbuf_add_refs(struct bt_evbuf *eb, const char *name, size_t name_len, bool name_ref,
                       const char *value, size_t value_len, uint32_t flags);

/* Appends a field whose value stays typed until asked for: `type` (not 0),
 * `opts` and raw[0..raw_size) are the reader's, for eb->render; raw must stay
 * valid as long as the event. The name is referenced as by
 * bt_evbuf_add_name_ref when `name_ref`, else copied. */
bool bt_evbuf_add_typed_slow(struct bt_evbuf *eb, const char *name, size_t name_len,
                             bool name_ref, uint8_t type, uint8_t opts, const uint8_t *raw,
                             size_t raw_size, uint32_t flags);

static inline bool bt_evbuf_add_typed(struct bt_evbuf *eb, const char *name, size_t name_len,
                                      bool name_ref, uint8_t type, uint8_t opts,
                                      const uint8_t *raw, size_t raw_size, uint32_t flags)
{
	size_t i = eb->ev.nfields;
	/* the common case inline: room, a name that is not copied */
	if (!name_ref || i >= eb->fcap || i >= eb->max_fields || name_len > UINT32_MAX ||
	    raw_size > UINT32_MAX)
		return bt_evbuf_add_typed_slow(eb, name, name_len, name_ref, type, opts, raw, raw_size,
		                               flags);
	struct bt_field *f = &eb->fv[i];
	f->name = name;
	f->name_len = (uint32_t)name_len;
	f->text = NULL;
	f->text_len = 0;
	f->flags = flags;
	f->vtype = type;
	f->vopts = opts;
	f->raw = raw;
	f->raw_size = (uint32_t)raw_size;
	eb->ev.nfields = i + 1;
	eb->ntyped++;
	eb->ev.fields = eb->fv;
	eb->ev.typed = eb;
	return true;
}

/* Convenience for NUL-terminated name and value. */
bool bt_evbuf_adds(struct bt_evbuf *eb, const char *name, const char *value);

/* Copies a string into the event's arena (NULL on failure). */
const char *bt_evbuf_str(struct bt_evbuf *eb, const char *s, size_t n);

/* Finishes the event: publishes the field vector in eb->ev. */
const struct bt_event *bt_evbuf_done(struct bt_evbuf *eb);

/* Renders a typed field's value (bt_field_need's slow path). */
void bt_field_render(const struct bt_event *ev, const struct bt_field *f);

/* Makes sure field f of event ev has its text (f->text, f->text_len): a typed
 * value is rendered once, and its text stays for the event. Returns f. */
static inline const struct bt_field *bt_field_need(const struct bt_event *ev,
                                                   const struct bt_field *f)
{
	if (!f->text)
		bt_field_render(ev, f);
	return f;
}

/* Field f's value as UTF-16LE units, when it is still typed and its reader
 * says its text is their plain conversion (bt_evbuf.utf16); else false. */
static inline bool bt_field_utf16(const struct bt_event *ev, const struct bt_field *f,
                                  const uint8_t **u, size_t *units)
{
	return !f->text && ev->typed && ev->typed->utf16 && ev->typed->utf16(f, u, units);
}

/* Field f's value as an unsigned integer, when it is still typed and its
 * text is that number's decimal (bt_evbuf.uint); else false. */
static inline bool bt_field_uint(const struct bt_event *ev, const struct bt_field *f, uint64_t *v)
{
	return !f->text && ev->typed && ev->typed->uint && ev->typed->uint(f, v);
}

/* Appends the text of field f to b (an output that reads each value once: a
 * typed value is rendered straight into b and not kept). *plain is set when
 * the text is printable ASCII without '"' or '\\'. False when b ran out of
 * memory. */
bool bt_field_put(const struct bt_event *ev, const struct bt_field *f, struct bt_buf *b,
                  bool *plain);

/* Renders every typed field of ev (before walking them all, e.g. output). */
void bt_event_need_all(const struct bt_event *ev);

/* Returns the first field named `name` (exact, case-sensitive), or NULL.
 * `Data[N]` (N from 0) selects the N-th value of the multi-valued `Data`. */
const struct bt_field *bt_event_field(const struct bt_event *ev, const char *name, size_t name_len);

/* The index in ev->fields of the field bt_event_field returns, not rendered,
 * or -1; with `nocase`, when there is none, of the first field whose name
 * is `name` in another case (ASCII). When `next` is not NULL, *next is the
 * index of the field after it with its name (bt_event_field_next), or -1:
 * one scan finds both. */
long bt_event_field_index(const struct bt_event *ev, const char *name, size_t name_len,
                          bool nocase, long *next);

/* The index of the field after ev->fields[i] with its name, or -1. */
long bt_event_field_index_next(const struct bt_event *ev, size_t i);

/* The text of the first field named `name` without surrounding blanks and
 * tabs in *v, *vl; false when there is none, or it is empty or Windows'
 * placeholder "-". */
bool bt_event_field_text(const struct bt_event *ev, const char *name, const char **v, size_t *vl);

/* Both return fields with their text (bt_field_need). */
/* Returns the next field after `prev` with the same name, or NULL. */
const struct bt_field *bt_event_field_next(const struct bt_event *ev, const struct bt_field *prev);

/* Writes the value of a System property that is not an EventData field
 * (EventID, Channel, Provider_Name, Computer, Level, EventRecordID, Security
 * UserID as "UserID"/"SecurityUserID") into *out; integers are formatted in
 * `scratch`. Returns false when `name` is not such a property or is absent. */
bool bt_event_system_value(const struct bt_event *ev, const char *name, size_t name_len,
                           char scratch[32], const char **out, size_t *out_len);

/* Returns an owned deep copy in one allocation (free with free()), or NULL. */
struct bt_event *bt_event_clone(const struct bt_event *ev);

/* Serialises an event into a position-independent blob (for spilling to disk).
 * Returns a malloc'ed buffer and its size in *size, or NULL. */
void *bt_event_pack(const struct bt_event *ev, size_t *size);

/* Rebuilds an event from a blob of bt_event_pack (validating every length),
 * as an owned clone (free with free()); NULL when the blob is damaged. */
struct bt_event *bt_event_unpack(const void *blob, size_t size);

/* 64-bit hash of an event's identity: source, host, channel, provider, event
 * id, record id, time and every field, but not its provenance (file, offset,
 * line, recovered flag), so copies of one record in several files agree. */
uint64_t bt_event_identity(const struct bt_event *ev);

/* Another 64-bit hash of the same parts as bt_event_identity (equal for the
 * same events), faster to make: typed values are rendered into `scratch`,
 * not kept, and mixed eight bytes at a time. For comparing events within a
 * run (its values are not bt_event_identity's). */
uint64_t bt_event_content_hash(const struct bt_event *ev, struct bt_buf *scratch);

#endif
