/* EVTX Binary XML: a chunk-level decoder that compiles each template once per
 * chunk and turns records straight into normalised events, without building
 * XML. The mapping and every value's text are those of the libevtx path
 * (libevtx 20181227 renders XML, bt_evtx_xml.c maps it), so both readers
 * produce the same events; see bt_evtx_xml.h for the mapping.
 *
 * A chunk is decoded on its own (templates and names are chunk-relative), so
 * chunks can be decoded in parallel, each with its own struct bt_bx_chunk.
 *
 * Caps (per chunk): BT_BX_MAX_TEMPLATES compiled templates, BT_BX_MAX_OPS
 * operations per template, BT_BX_MAX_NEST nested BinXml values, element
 * nesting BT_MAX_XML_DEPTH. Every offset and size is checked against the
 * chunk; a template that refers to itself is rejected.
 *
 * Setting BOXTRAIL_BINXML_NO_PLANS in the environment turns the field maps
 * off (every record then walks the template's operations): a check that both
 * paths give the same events. */
#ifndef BT_BINXML_H
#define BT_BINXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_event.h"
#include "core/bt_status.h"

#define BT_BX_MAX_TEMPLATES 4096
#define BT_BX_MAX_OPS 8192
#define BT_BX_MAX_NEST 8
#define BT_BX_RECORD_HEADER 24u

/* Decoder state for one chunk (template cache, name cache, scratch). */
struct bt_bx_chunk;

/* Returns a new decoder (NULL when out of memory). Free with bt_bx_chunk_free. */
struct bt_bx_chunk *bt_bx_chunk_new(void);

/* Whether records are decoded through per-template field maps (the default)
 * or element by element (for measuring and testing the slower path). */
void bt_bx_chunk_use_plans(struct bt_bx_chunk *cx, bool on);
void bt_bx_chunk_free(struct bt_bx_chunk *cx);

/* Starts decoding chunk `c` (`n` bytes, at most 65536; the caller keeps it
 * alive and unchanged until the next reset). Forgets the previous chunk's
 * templates. */
void bt_bx_chunk_reset(struct bt_bx_chunk *cx, const uint8_t *c, size_t n);

/* A record header found at a chunk offset. */
struct bt_bx_record {
	uint32_t offset;          /* in the chunk */
	uint32_t size;            /* whole record, header and trailing size copy */
	uint64_t id;              /* record header identifier */
	uint64_t written;         /* record header FILETIME */
};

/* Checks the record header at chunk offset `off` against `end` (the end of
 * the record area). Returns true and fills *r when signature, size and the
 * trailing size copy are consistent. */
bool bt_bx_record_at(const struct bt_bx_chunk *cx, uint32_t off, uint32_t end,
                     struct bt_bx_record *r);

/* Decodes record `r` into `eb` (reset by the decoder): System part first,
 * then `want(want_ctx, ev)` (NULL = always) decides whether the EventData /
 * UserData fields are decoded (want() sees the event's members: id,
 * channel, provider, host, time, level, record id; with field maps, the
 * default, an unwanted record gets no System field either). Returns BT_OK, or BT_ERR_FORMAT / BT_ERR_LIMIT
 * with a reason in `why` when the record cannot be decoded (the event is then
 * not to be used). The event borrows the decoder's template memory and the
 * chunk bytes until the next reset. */
enum bt_status bt_bx_record_decode(struct bt_bx_chunk *cx, const struct bt_bx_record *r,
                                   struct bt_evbuf *eb,
                                   bool (*want)(void *ctx, const struct bt_event *ev),
                                   void *want_ctx, char *why, size_t why_size);

/* Number of templates compiled since the last reset (for tests and stats). */
size_t bt_bx_chunk_templates(const struct bt_bx_chunk *cx);

/* Decodes every record of a whole 64 KiB chunk, in order: calls `on_event`
 * for each decoded record, `on_error` for each damaged one (either may be
 * NULL). `first_end` is the end of the record area (the chunk header's free
 * space offset, already validated by the caller; 0 = use the chunk header).
 * A record with a broken header ends the walk at the next plausible record
 * signature. Returns the number of decoded records. */
struct bt_bx_sink {
	void (*on_event)(void *ctx, const struct bt_bx_record *r, const struct bt_event *ev);
	void (*on_error)(void *ctx, uint32_t offset, uint64_t id, const char *why);
	void *ctx;
	bool (*want)(void *ctx, const struct bt_event *ev);
	void *want_ctx;
};
size_t bt_bx_chunk_decode(struct bt_bx_chunk *cx, const uint8_t *c, size_t n, uint32_t end,
                          struct bt_evbuf *eb, const struct bt_bx_sink *sink);

/* Renders one substitution value as libevtx does (for tests): type `type`,
 * bytes p[0..size). Array types render their items joined by `sep`. Returns
 * false when the value cannot be rendered. Output goes to a NUL-terminated
 * buffer of `cap` bytes; *len gets its length. */
bool bt_bx_render_value(uint8_t type, const uint8_t *p, size_t size, char *out, size_t cap,
                        size_t *len);

/* ---- recovery: records from slack space ----
 *
 * A record in slack space names its template by chunk offset, but the
 * definition there may since have been overwritten by newer records (after a
 * clear or a wrap). So a recovered record is decoded only against a template
 * that carries the id its template instance names: the definition at that
 * offset when its id matches, else an intact definition of that id found
 * elsewhere in the file (a template store). Names must match their hashes and
 * every substitution value must have the type and size its template declares;
 * otherwise the record is not decoded: it is never rendered with another
 * template's names. */

/* Templates by id, compiled from any chunk of a file (they outlive chunks). */
struct bt_bx_tstore;
struct bt_bx_tstore *bt_bx_tstore_new(void);
void bt_bx_tstore_free(struct bt_bx_tstore *ts);

/* Asks for template id `tid` (a record needs it and it was not in place). */
void bt_bx_tstore_want(struct bt_bx_tstore *ts, uint32_t tid);

/* A donor file's store: every definition found is kept, asked for or not. */
void bt_bx_tstore_want_all(struct bt_bx_tstore *ts);

/* Whether `tid` was found, or found ambiguous (a record waiting for it now
 * decodes further, or fails for that). */
bool bt_bx_tstore_settled(const struct bt_bx_tstore *ts, uint32_t tid);

/* Copies into `dst` the ids it asks for that `src` holds (a donor file's
 * store); they count as from another file. Returns how many. */
size_t bt_bx_tstore_adopt(struct bt_bx_tstore *dst, const struct bt_bx_tstore *src);

/* Number of ids asked for (found or not). */
size_t bt_bx_tstore_asked(const struct bt_bx_tstore *ts);

/* Number of ids asked for and not found yet. */
size_t bt_bx_tstore_missing(const struct bt_bx_tstore *ts);

/* Looks through chunk c[0..n) for intact definitions of the ids asked for
 * (defined inline at a template instance, or listed in the chunk's template
 * table) and keeps them; `cx` is reset to the chunk. A second definition of
 * an id with another GUID makes the id ambiguous (no record uses it). */
void bt_bx_tstore_harvest(struct bt_bx_tstore *ts, struct bt_bx_chunk *cx, const uint8_t *c,
                          size_t n);

/* The same for chunk `ci` of the store's own file, looked through again (from
 * chunk 0 on) while records that now decode name more ids: chunks are
 * scanned once, in order, and the definitions a harvest offers them kept; a
 * chunk harvested again offers its kept ones as the scan would, without
 * scanning. bt_bx_tstore_needs is false for a kept chunk none of whose
 * definitions can change the store (their ids are not asked for, found with
 * the same GUID, or ambiguous): the caller need not read it again. */
void bt_bx_tstore_harvest_kept(struct bt_bx_tstore *ts, struct bt_bx_chunk *cx, uint64_t ci,
                               const uint8_t *c, size_t n);
bool bt_bx_tstore_needs(const struct bt_bx_tstore *ts, uint64_t ci);

/* Why a slack-space candidate is not recovered. */
enum bt_bx_rfail {
	BT_BX_RF_NONE,
	BT_BX_RF_NO_TEMPLATE,      /* its template id is defined nowhere known */
	BT_BX_RF_AMBIGUOUS,        /* two different templates carry its id */
	BT_BX_RF_MISFIT,           /* its values do not fit the template */
	BT_BX_RF_MALFORMED,        /* its binary XML is damaged */
	BT_BX_RF_INCOMPLETE,       /* no channel, computer or event id once decoded */
	BT_BX_RF_COUNT
};

/* Short name of a reason ("no template"). */
const char *bt_bx_rfail_str(enum bt_bx_rfail f);

struct bt_bx_recovery {
	struct bt_bx_tstore *store;   /* NULL: templates in place only */
	/* set by bt_bx_record_recover */
	bool elsewhere;               /* a template came from the store */
	bool other_file;              /* ... adopted from another file (bt_bx_tstore_adopt) */
	enum bt_bx_rfail fail;
	uint32_t missing_tid;         /* BT_BX_RF_NO_TEMPLATE: the id (asked for in the store) */
};

/* Decodes slack-space record `r` (every field) under the rules above; `cx`
 * is reset to the record's chunk by the caller. BT_OK, or BT_ERR_FORMAT with
 * rv->fail and a reason in `why` (none when why_size is 0). */
enum bt_status bt_bx_record_recover(struct bt_bx_chunk *cx, const struct bt_bx_record *r,
                                    struct bt_evbuf *eb, struct bt_bx_recovery *rv, char *why,
                                    size_t why_size);

#endif
