/* EVTX Binary XML decoder with per-chunk compiled templates.
 *
 * A template definition is compiled once per chunk into a flat list of
 * operations (open element, attribute, text, substitution, end) with every
 * name and static text already converted to UTF-8 and every well-known name
 * (System, EventData, Provider, ...) resolved to a small id. A record then
 * costs a walk over that list with its substitution array, feeding the event
 * mapping both EVTX readers share (bt_evtx_map.h): elements, attributes,
 * text and typed values. Values get the text the libevtx reader path sees
 * (bt_evtx_value.h): libevtx 20181227's rendering, then what libxml2 does
 * when it parses that XML (attribute whitespace). Element text is rendered
 * only where it becomes a field, and the EventData / UserData part only when
 * the caller's want() says so. */
#include "config.h"

#include "evtx/bt_binxml.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bt_array.h"
#include "core/bt_buf.h"
#include "evtx/bt_evtx_format.h"
#include "evtx/bt_evtx_map.h"
#include "evtx/bt_evtx_value.h"

/* ---- compiled templates ---- */

enum op_kind {
	OP_OPEN, OP_ATTR, OP_CLOSE_START, OP_CLOSE_EMPTY, OP_END, OP_TEXT, OP_SUBST,
};

struct bx_op {
	uint8_t kind;
	uint8_t optional;     /* OP_SUBST: optional substitution; OP_OPEN: content has one */
	uint16_t idx;         /* OP_SUBST: substitution index; OP_OPEN: that optional one */
	uint16_t nid;         /* OP_OPEN / OP_ATTR: well-known name id */
	uint8_t vtype;        /* OP_SUBST: the value type the template declares */
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
	struct bt_arena *home;  /* where its field maps go (NULL: the chunk's arena) */
	char why[96];
};

/* Templates shared across chunks: every chunk defines its templates again, so
 * a definition that compiles to the operations of one compiled earlier (same
 * GUID, then the same bytes and names: raw_same, or checked token by token:
 * compile with `expect`) takes that one, with its field maps, instead of
 * being compiled and mapped again. */
#define SHARED_BUCKETS 1024u
#define SHARED_ARENA (16u * 1024 * 1024)

/* What compile read of a definition that depends on the chunk it is in:
 * where it decided whether an element has a dependency id (from chunk
 * offsets and bytes that may lie outside the definition), where it read a
 * name reference (a chunk offset) and which name that was, and the bytes it
 * skipped unread (an element's dependency id and data size, its attribute
 * list's size: sizes change with the names defined inline). */
enum raw_kind {
	RAW_OPEN_DEP,     /* open-element token with the dependency id */
	RAW_OPEN_NODEP,   /* ... without */
	RAW_INLINE,       /* name reference to the name defined right after it */
	RAW_BACK,         /* name reference elsewhere in the chunk */
	RAW_SKIP,         /* bytes not read */
	RAW_BYTES,        /* (raw_step only) bytes of the definition */
};

struct raw_ref {
	uint32_t at;            /* chunk offset in the definition */
	uint8_t kind;           /* enum raw_kind */
	uint16_t count;         /* a name's UTF-16 units, or the bytes skipped */
	const uint8_t *units;   /* the name's units, little-endian, in the chunk */
};

/* Filled by compile for the definition being compiled. */
struct raw_rec {
	struct raw_ref *v;
	size_t n, cap;
	bool off;               /* not kept: a token it cannot describe, or no memory */
};

/* The definition a shared template was compiled from, as raw_same compares
 * another: its bytes, cut where compile read something chunk-dependent. A
 * step is bytes, then (RAW_OPEN_*) an open-element token, its dependency id
 * and data size, then (RAW_OPEN_*, RAW_BACK) a name reference, then
 * (RAW_OPEN_* whose token says so) an attribute list's size; the last step
 * is bytes only (RAW_BYTES). */
struct raw_step {
	uint8_t kind;           /* RAW_BYTES, RAW_OPEN_*, or RAW_BACK for a name alone */
	uint8_t tok;            /* RAW_OPEN_*: the token */
	uint16_t count;         /* the name's UTF-16 units ... */
	uint32_t len;           /* the bytes */
	const uint8_t *p;
	const uint8_t *units;   /* ... themselves */
};

struct raw_def {
	uint32_t nsteps;
	const struct raw_step *steps;
};

struct shared {
	uint8_t guid[16];
	struct tmpl *t;       /* in the shared arena */
	const struct raw_def *raw;  /* its definition, or NULL: token by token only */
	struct shared *next;    /* same bucket */
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

/* Attributes kept while an element's start tag is read (those the mapping
 * wants): their text is assembled from the tag's pieces in cx->abuf. */
#define MAX_KEPT_ATTRS BT_EVMAP_MAX_ATTRS

struct kept_attr {
	uint16_t nid;
	uint32_t start, len;   /* in cx->abuf */
	uint8_t pieces;        /* values appended */
	bool is_filetime;      /* the only piece is a FILETIME substitution: fv */
	struct bt_xv fv;
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
	struct bt_arena shared;     /* templates shared across chunks and files */
	struct shared *shared_at[SHARED_BUCKETS];
	bool shared_full;           /* that arena is full: emptied at the next chunk */
	struct opvec scratch;       /* compilation output before it is copied */
	struct raw_rec rawrec;      /* the definition compiled into scratch */
	struct opvec inline_ops;    /* a fragment without template (not cached) */
	struct plan_build *pb;      /* field map scratch (large: allocated once) */
	struct bt_sbuf path;        /* field map compilation: UserData field names */
	struct bt_xv *vals[BT_BX_MAX_NEST + 1];
	size_t vcap[BT_BX_MAX_NEST + 1];
	/* per record */
	struct bt_evmap map;        /* the event mapping, its state and failure */
	struct bt_sbuf text;        /* field maps: a value's text */
	struct bt_sbuf fname;       /* field maps: a Data@Name built from pieces */
	struct bt_sbuf abuf;        /* attribute values of the current start tag */
	struct kept_attr kept[MAX_KEPT_ATTRS];
	int nkept;
	int keep_attr;              /* current attribute is kept (index) or -1 */
	bool use_plans;             /* field maps on (off: operations only, for tests) */
	/* recovery (bt_bx_record_recover): names must match their hash, template
	 * instances the id of the definition they use */
	bool strict;
	struct bt_bx_recovery *rcv;
};

static struct plan_build *plan_build_new(void);

void bt_bx_chunk_use_plans(struct bt_bx_chunk *cx, bool on)
{
	cx->use_plans = on;
}

/* Decoders given back, for the next file: a new one zeroes ~320 KiB of
 * tables, a tenth of the CPU of a run over many small files (callgrind, the
 * shared corpus). A few are kept (memory stays bounded); they are reachable
 * from here until the process ends. */
#define POOL_MAX 4
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bt_bx_chunk *pool[POOL_MAX];
static size_t npool;

static void chunk_destroy(struct bt_bx_chunk *cx);

struct bt_bx_chunk *bt_bx_chunk_new(void)
{
	pthread_mutex_lock(&pool_lock);
	struct bt_bx_chunk *cx = npool ? pool[--npool] : NULL;
	pthread_mutex_unlock(&pool_lock);
	if (cx) {
		/* as new: a reset bumps the generation that empties the tables */
		bt_bx_chunk_reset(cx, NULL, 0);
		cx->use_plans = true;
		cx->strict = false;
		cx->rcv = NULL;
		return cx;
	}
	cx = calloc(1, sizeof *cx);
	if (!cx)
		return NULL;
	if (!bt_evmap_init(&cx->map, BT_EVMAP_LIBEVTX_TEXT | BT_EVMAP_STABLE_NAMES | BT_EVMAP_TYPED |
	                              BT_EVMAP_MEMO)) {
		free(cx);
		return NULL;
	}
	cx->names = calloc(NAME_SLOTS, sizeof *cx->names);
	cx->tmpls = calloc(TMPL_SLOTS, sizeof *cx->tmpls);
	cx->pb = plan_build_new();
	if (!cx->names || !cx->tmpls || !cx->pb) {
		chunk_destroy(cx);
		return NULL;
	}
	bt_arena_init(&cx->arena, 64u * 1024 * 1024);
	bt_arena_init(&cx->shared, SHARED_ARENA);
	cx->gen = 1;
	cx->use_plans = true;
	/* scratch buffers always have memory, so offsets into them are valid */
	if (!bt_sb_room(&cx->fname, 64) || !bt_sb_room(&cx->text, 1024) ||
	    !bt_sb_room(&cx->abuf, 256) || !bt_sb_room(&cx->path, 256)) {
		chunk_destroy(cx);
		return NULL;
	}
	return cx;
}

void bt_bx_chunk_free(struct bt_bx_chunk *cx)
{
	if (!cx)
		return;
	pthread_mutex_lock(&pool_lock);
	bool kept = npool < POOL_MAX;
	if (kept)
		pool[npool++] = cx;
	pthread_mutex_unlock(&pool_lock);
	if (!kept)
		chunk_destroy(cx);
}

static void chunk_destroy(struct bt_bx_chunk *cx)
{
	free(cx->names);
	free(cx->tmpls);
	bt_arena_free(&cx->arena);
	bt_arena_free(&cx->shared);
	free(cx->scratch.v);
	free(cx->rawrec.v);
	free(cx->pb);
	free(cx->inline_ops.v);
	for (int i = 0; i <= BT_BX_MAX_NEST; i++)
		free(cx->vals[i]);
	bt_evmap_free(&cx->map);
	bt_sb_free(&cx->fname);
	bt_sb_free(&cx->text);
	bt_sb_free(&cx->abuf);
	bt_sb_free(&cx->path);
	free(cx);
}

void bt_bx_chunk_reset(struct bt_bx_chunk *cx, const uint8_t *c, size_t n)
{
	cx->c = c;
	cx->n = n > BT_EVTX_CHUNK_SIZE ? BT_EVTX_CHUNK_SIZE : n;
	cx->ntmpl = 0;
	bt_arena_reset(&cx->arena);
	if (cx->shared_full) {
		/* between chunks no template is in use */
		memset(cx->shared_at, 0, sizeof cx->shared_at);
		bt_arena_reset(&cx->shared);
		cx->shared_full = false;
	}
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

/* Every failure goes to the mapping: it keeps the first reason and stops. */
#define fail(cx, ...) bt_evmap_fail(&(cx)->map, __VA_ARGS__)

bool bt_bx_render_value(uint8_t type, const uint8_t *p, size_t size, char *out, size_t cap,
                        size_t *len)
{
	struct bt_sbuf b = {0};
	bool ok = true;
	if (type & BT_XV_ARRAY) {
		struct bt_xv v = {p, (uint32_t)size, type};
		struct bt_xv_iter ai;
		struct bt_xv it;
		bt_xv_iter_begin(&ai, &v);
		for (size_t i = 0; ok && bt_xv_iter_next(&ai, &it); i++) {
			if (i)
				bt_sb_putc(&b, ',');
			ok = bt_xv_put(&b, it.type, it.p, it.size);
		}
	} else {
		ok = bt_xv_put(&b, type, p, size);
	}
	if (ok && !b.over && b.n < cap) {
		if (b.n)
			memcpy(out, b.p, b.n);
		out[b.n] = '\0';
		*len = b.n;
	} else {
		ok = false;
	}
	bt_sb_free(&b);
	return ok;
}

/* ---- names ---- */

/* Whether the name at `p` (count UTF-16 units) carries its own hash: in
 * slack space a name may have been overwritten by newer records. */
static bool name_hash_ok(const uint8_t *p, uint32_t count)
{
	uint32_t h = 0;
	for (uint32_t i = 0; i < count; i++)
		h = h * 65599u + bt_le16(p + 8 + 2 * i);
	return (h & 0xFFFFu) == bt_le16(p + 4);
}

/* Returns the cached name at chunk offset `off` and its size in the chunk
 * (for skipping an inline definition), or NULL. */
static const struct name_ent *name_at(struct bt_bx_chunk *cx, uint32_t off, uint32_t *def_size)
{
	if ((size_t)off + 8 > cx->n)
		return NULL;
	uint32_t count = bt_le16(cx->c + off + 6);
	if ((size_t)off + 8 + 2 * (size_t)count > cx->n)
		return NULL;
	*def_size = 8 + 2 * count + 2;
	if (cx->strict && !name_hash_ok(cx->c + off, count))
		return NULL;
	uint32_t h = (off * 2654435761u) >> 19;
	for (uint32_t k = 0; k < NAME_SLOTS; k++) {
		struct name_ent *e = &cx->names[(h + k) & (NAME_SLOTS - 1)];
		if (e->gen == cx->gen && e->off == off)
			return e;
		if (e->gen != cx->gen) {
			struct bt_sbuf b = {0};
			bt_xv_utf16(&b, cx->c + off + 8, 2 * (size_t)count);
			char *s = b.over ? NULL : bt_arena_strndup(&cx->arena, b.p ? b.p : "", b.n);
			size_t n = b.n;
			free(b.p);
			if (!s)
				return NULL;
			e->gen = cx->gen;
			e->off = off;
			e->s = s;
			e->len = (uint32_t)n;
			e->nid = bt_evmap_name_id(s, n);
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
	uint32_t off = bt_le32(cx->c + *pos);
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
	size_t cnt = bt_le16(cx->c + off + 6);
	size_t e = (size_t)off + 8 + 2 * cnt;
	return e + 2 <= cx->n && cx->c[e] == 0 && cx->c[e + 1] == 0;
}

static bool has_dependency_id(const struct bt_bx_chunk *cx, uint32_t pos, uint32_t end)
{
	uint32_t with = pos + 11 <= end ? bt_le32(cx->c + pos + 7) : 0;
	uint32_t without = bt_le32(cx->c + pos + 5);
	if (pos + 11 <= end && with == pos + 11)
		return true;
	if (without == pos + 9)
		return false;
	if (pos + 11 <= end && plausible_name(cx, with))
		return true;
	return !plausible_name(cx, without);
}

/* ---- compiling a token stream into operations ---- */

/* Whether UTF-16LE p[0..count) converts (bt_xv_utf16) to s[0..len): ASCII
 * compared unit by unit, anything else converted into scratch. */
static bool utf16_is(const uint8_t *p, uint32_t count, const char *s, uint32_t len,
                     struct bt_sbuf *scratch)
{
	if (count == len) {
		uint32_t i = 0;
		for (; i < count; i++) {
			uint16_t u = bt_le16(p + 2 * i);
			if (u == 0 || u >= 0x80)
				break;
			if (u != (uint8_t)s[i])
				return false;
		}
		if (i == count)
			return true;
	}
	scratch->n = 0;
	scratch->over = false;
	bt_xv_utf16(scratch, p, 2 * (size_t)count);
	return !scratch->over && scratch->n == len && memcmp(scratch->p ? scratch->p : "", s, len) == 0;
}

/* Reads a name reference at *pos as read_name does, true when the name is
 * that of operation `want` (NULL: any name, not compared). */
static bool name_is(struct bt_bx_chunk *cx, uint32_t *pos, uint32_t end, const struct bx_op *want,
                    bool compare, struct bt_sbuf *scratch)
{
	if (*pos + 4 > end)
		return false;
	uint32_t off = bt_le32(cx->c + *pos);
	*pos += 4;
	if ((size_t)off + 8 > cx->n)
		return false;
	uint32_t count = bt_le16(cx->c + off + 6);
	if ((size_t)off + 8 + 2 * (size_t)count > cx->n)
		return false;
	if (off == *pos) {
		uint32_t dsz = 8 + 2 * count + 2;
		if ((size_t)*pos + dsz > end)
			return false;
		*pos += dsz;
	}
	if (!compare)
		return true;
	return want && utf16_is(cx->c + off + 8, count, want->s, want->len, scratch);
}

/* The operation `expect` (a template being matched) has at index i, when
 * it is of this kind. */
static const struct bx_op *expected(const struct tmpl *expect, size_t i, uint8_t kind)
{
	return i < expect->nops && expect->ops[i].kind == kind ? &expect->ops[i] : NULL;
}

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

static const char *arena_text(struct bt_bx_chunk *cx, struct bt_sbuf *b, uint32_t *len)
{
	if (b->over)
		return NULL;
	*len = (uint32_t)b->n;
	return bt_arena_strndup(&cx->arena, b->p ? b->p : "", b->n);
}

/* Reads the name reference at *pos into op (of kind OP_OPEN or OP_ATTR), as
 * read_name does; with `expect`, only when it is the name of expect's
 * operation i (op then points to that one's text). */
static bool op_name(struct bt_bx_chunk *cx, uint32_t *pos, uint32_t end, struct bx_op *op,
                    const struct tmpl *expect, size_t i, struct bt_sbuf *scratch)
{
	if (expect) {
		const struct bx_op *e = expected(expect, i, op->kind);
		if (!name_is(cx, pos, end, e, true, scratch))
			return false;
		op->nid = e->nid;
		op->s = e->s;
		op->len = e->len;
		return true;
	}
	const struct name_ent *ne = read_name(cx, pos, end);
	if (!ne)
		return false;
	op->nid = ne->nid;
	op->s = ne->s;
	op->len = ne->len;
	return true;
}

/* Fills text operation op from tb: its own copy, or with `expect` the text
 * of expect's operation i when equal. */
static bool text_op(struct bt_bx_chunk *cx, struct bt_sbuf *tb, struct bx_op *op,
                    const struct tmpl *expect, size_t i)
{
	if (!expect) {
		op->s = arena_text(cx, tb, &op->len);
		return op->s != NULL;
	}
	const struct bx_op *e = expected(expect, i, OP_TEXT);
	if (!e || tb->over || tb->n != e->len || memcmp(tb->p ? tb->p : "", e->s, e->len) != 0)
		return false;
	op->s = e->s;
	op->len = e->len;
	return true;
}

/* Whether the operations compiled are expect's (their text already is). */
static bool same_ops(const struct opvec *ov, const struct tmpl *expect)
{
	if (ov->n != expect->nops)
		return false;
	for (size_t i = 0; i < ov->n; i++) {
		const struct bx_op *a = &ov->v[i], *b = &expect->ops[i];
		if (a->kind != b->kind || a->optional != b->optional || a->idx != b->idx ||
		    a->nid != b->nid || a->vtype != b->vtype || a->len != b->len || a->skip != b->skip ||
		    a->s != b->s)
			return false;
	}
	return true;
}

/* Notes in rec (when there is one) what compile read at chunk offset `at`. */
static void rec_put(struct raw_rec *rec, uint32_t at, uint8_t kind)
{
	if (!rec || rec->off)
		return;
	if (rec->n == rec->cap) {
		size_t nc = rec->cap ? rec->cap * 2 : 64;
		struct raw_ref *nv = realloc(rec->v, nc * sizeof *nv);
		if (!nv) {
			rec->off = true;
			return;
		}
		rec->v = nv;
		rec->cap = nc;
	}
	rec->v[rec->n++] = (struct raw_ref){.at = at, .kind = kind};
}

static void rec_skip(struct raw_rec *rec, uint32_t at, uint16_t len)
{
	rec_put(rec, at, RAW_SKIP);
	if (rec && !rec->off)
		rec->v[rec->n - 1].count = len;
}

/* Notes the name reference at chunk offset `at`, which read_name accepted. */
static void rec_name(struct bt_bx_chunk *cx, struct raw_rec *rec, uint32_t at)
{
	if (!rec || rec->off)
		return;
	uint32_t off = bt_le32(cx->c + at);
	rec_put(rec, at, off == at + 4 ? RAW_INLINE : RAW_BACK);
	if (!rec->off) {
		rec->v[rec->n - 1].count = bt_le16(cx->c + off + 6);
		rec->v[rec->n - 1].units = cx->c + off + 8;
	}
}

/* Compiles tokens in chunk bytes [pos, end) into ov. Stops at EOF (0x00) or
 * at the end. A template instance inside is not allowed here. Returns false
 * with a reason in why.
 * With `expect`, only checks that the tokens compile to expect's operations
 * (false when they do not): names and text are compared where they are, not
 * converted and kept, and the operations point to expect's text.
 * With `rec` (and without `expect`), notes there what the compilation read
 * that depends on the chunk (struct raw_ref; raw_same relies on it). */
static bool compile(struct bt_bx_chunk *cx, uint32_t pos, uint32_t end, struct opvec *ov,
                    char *why, size_t why_size, const struct tmpl *expect, struct raw_rec *rec)
{
	const uint8_t *c = cx->c;
	int depth = 0;
	bool in_start_tag = false;
	uint32_t open_at[BT_MAX_XML_DEPTH + 1];
	struct bt_sbuf tb = {0};
	bool ok = false;
	ov->n = 0;
	if (rec) {
		rec->n = 0;
		rec->off = false;
	}
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
			bool dep = has_dependency_id(cx, pos, end);
			rec_put(rec, at, dep ? RAW_OPEN_DEP : RAW_OPEN_NODEP);
			rec_skip(rec, at + 1, dep ? 6 : 4);
			pos += dep ? 7 : 5;
			op.kind = OP_OPEN;
			uint32_t name_ref = pos;
			if (!op_name(cx, &pos, end, &op, expect, ov->n, &tb)) {
				if (expect)
					goto differ;
				snprintf(why, why_size, "bad element name at 0x%x", at);
				goto out;
			}
			rec_name(cx, rec, name_ref);
			if (tok & 0x40) {
				if (pos + 4 > end)
					goto trunc;
				rec_skip(rec, pos, 4);
				pos += 4;
			}
			if (++depth > BT_MAX_XML_DEPTH) {
				snprintf(why, why_size, "elements nested deeper than %d", BT_MAX_XML_DEPTH);
				goto out;
			}
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
			uint32_t cnt = bt_le16(c + pos + 2);
			pos += 4;
			if (vt != BT_XV_STRING || pos + 2 * cnt > end) {
				snprintf(why, why_size, "bad value token at 0x%x", at);
				goto out;
			}
			tb.n = 0;
			bt_xv_utf16(&tb, c + pos, 2 * (size_t)cnt);
			pos += 2 * cnt;
			op.kind = OP_TEXT;
			if (!text_op(cx, &tb, &op, expect, ov->n))
				goto text_failed;
			break;
		}
		case 0x06:
			pos++;
			op.kind = OP_ATTR;
			if (!in_start_tag || !op_name(cx, &pos, end, &op, expect, ov->n, &tb)) {
				if (expect)
					goto differ;
				snprintf(why, why_size, "bad attribute at 0x%x", at);
				goto out;
			}
			rec_name(cx, rec, at + 1);
			break;
		case 0x07: {
			if (pos + 3 > end)
				goto trunc;
			uint32_t cnt = bt_le16(c + pos + 1);
			pos += 3;
			if (pos + 2 * cnt > end)
				goto trunc;
			tb.n = 0;
			bt_xv_utf16(&tb, c + pos, 2 * (size_t)cnt);
			pos += 2 * cnt;
			op.kind = OP_TEXT;
			if (!text_op(cx, &tb, &op, expect, ov->n))
				goto text_failed;
			break;
		}
		case 0x08: {
			if (pos + 3 > end)
				goto trunc;
			uint32_t cp = bt_le16(c + pos + 1);
			pos += 3;
			char u[4];
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD;
			tb.n = 0;
			bt_sb_put(&tb, u, bt_utf8_encode(u, cp));
			op.kind = OP_TEXT;
			if (!text_op(cx, &tb, &op, expect, ov->n))
				goto text_failed;
			break;
		}
		case 0x09: {
			if (expect)
				goto differ;   /* rare: compiled instead */
			if (rec)
				rec->off = true;   /* and never kept */
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
					bt_sb_put(&tb, ents[i].v, strlen(ents[i].v));
					known = true;
				}
			if (!known) {
				bt_sb_putc(&tb, '&');
				bt_sb_put(&tb, ne->s, ne->len);
				bt_sb_putc(&tb, ';');
			}
			op.kind = OP_TEXT;
			if (!text_op(cx, &tb, &op, NULL, 0))
				goto text_failed;
			break;
		}
		case 0x0A: {
			pos++;
			if (expect ? !name_is(cx, &pos, end, NULL, false, &tb) : !read_name(cx, &pos, end)) {
				snprintf(why, why_size, "bad processing instruction at 0x%x", at);
				goto out;
			}
			rec_name(cx, rec, at + 1);
			continue;   /* PIs carry no event data */
		}
		case 0x0B: {
			if (pos + 3 > end)
				goto trunc;
			uint32_t cnt = bt_le16(c + pos + 1);
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
			op.idx = bt_le16(c + pos + 1);
			op.vtype = c[pos + 3];
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
text_failed:
	if (expect)
		goto differ;
	snprintf(why, why_size, "out of memory compiling a template");
	goto out;
differ:
	snprintf(why, why_size, "not the template expected");
out:
	free(tb.p);
	if (ok && expect)
		ok = same_ops(ov, expect);
	return ok;
}

/* ---- templates shared across chunks ---- */

static struct tmpl *tmpl_export(struct bt_arena *a, const struct tmpl *t);

static bool sharing(const struct bt_bx_chunk *cx, uint32_t def)
{
	/* recovery checks names against their hashes: it compiles its own */
	return !cx->strict && !cx->rcv && def >= BT_EVTX_CHUNK_HEADER_SIZE &&
	       (size_t)def + 24 <= cx->n && (size_t)def + 24 + bt_le32(cx->c + def + 20) <= cx->n;
}

static struct shared **shared_bucket(struct bt_bx_chunk *cx, const uint8_t *guid)
{
	return &cx->shared_at[(bt_le32(guid) ^ bt_le32(guid + 12)) & (SHARED_BUCKETS - 1)];
}

/* Whether the definition at `def` (sharing() holds) compiles to the
 * operations of the template compiled from `raw`, without compiling it: its
 * bytes are raw's, except that each name reference may be inline or refer
 * elsewhere as long as it names a name of the same UTF-16 units, and each
 * element has a dependency id where raw's has.
 * Why that is enough: compile's operations are a function of what it reads.
 * It reads the body's bytes in order, the token at each step deciding how
 * many follow; where they are raw's (compared, tokens included) it takes the
 * same steps and makes the same operations. Besides those it reads only
 * (a) has_dependency_id, which looks at chunk offsets and at bytes anywhere
 * in the chunk (plausible_name), the skipped sizes among them: its answer is
 * asked again here, at the same token, and must be the same; (b) name
 * references, chunk offsets: one pointing right after itself is an inline
 * name, skipped by its count (the bytes skipped: a hash-chain link, a hash,
 * the units and a terminator, of which compile reads only the units); one
 * pointing elsewhere must lie in the chunk as name_at asks. Either way the
 * name's units are compared, from which alone name_at makes the text and
 * the name id (the hash checked in strict mode plays no part: sharing() is
 * off then). An element's dependency id and data size and an attribute
 * list's size compile skips unread, by a length that only the token and (a)
 * decide: they are skipped here too. The body must end where raw's steps
 * do. Entity references (0x09) are never kept (compile notes them as not
 * describable). So every check passing means compile would succeed with
 * raw's operations; any failing means only that the full check (compile
 * with `expect`) runs. */
static bool raw_same(struct bt_bx_chunk *cx, uint32_t def, const struct raw_def *raw)
{
	const uint8_t *c = cx->c;
	uint32_t pos = def + 24, end = pos + bt_le32(c + def + 20);
	for (uint32_t i = 0; i < raw->nsteps; i++) {
		const struct raw_step *st = &raw->steps[i];
		if (st->len > end - pos || (st->len && memcmp(c + pos, st->p, st->len) != 0))
			return false;
		pos += st->len;
		if (st->kind == RAW_BYTES)
			continue;
		bool open = st->kind != RAW_BACK;
		if (open) {
			/* as compile: the token's nine bytes are there */
			if (9 > end - pos || c[pos] != st->tok ||
			    has_dependency_id(cx, pos, end) != (st->kind == RAW_OPEN_DEP))
				return false;
			pos += st->kind == RAW_OPEN_DEP ? 7 : 5;
		}
		if (4 > end - pos)
			return false;
		uint32_t off = bt_le32(c + pos);
		pos += 4;
		if (off >= cx->n || (size_t)off + 8 + 2 * (size_t)st->count > cx->n ||
		    bt_le16(c + off + 6) != st->count ||
		    memcmp(c + off + 8, st->units, 2 * (size_t)st->count) != 0)
			return false;
		if (off == pos) {
			uint32_t dsz = 8 + 2 * (uint32_t)st->count + 2;
			if (dsz > end - pos)
				return false;
			pos += dsz;
		}
		if (open && (st->tok & 0x40)) {
			if (4 > end - pos)
				return false;
			pos += 4;
		}
	}
	return pos == end;
}

/* The definition at `def` as raw_same compares another, from what compile
 * noted in rec while compiling it; NULL when it cannot be kept. */
static const struct raw_def *raw_keep(struct bt_bx_chunk *cx, uint32_t def,
                                      const struct raw_rec *rec)
{
	uint32_t base = def + 24, size = bt_le32(cx->c + def + 20);
	if (rec->off)
		return NULL;
	struct bt_arena *a = &cx->shared;
	struct raw_def *raw = bt_arena_alloc(a, sizeof *raw);
	struct raw_step *st = raw ? bt_arena_alloc(a, (rec->n + 1) * sizeof *st) : NULL;
	uint8_t *bytes = st ? bt_arena_alloc(a, size + 1) : NULL;
	if (!bytes)
		return NULL;
	memcpy(bytes, cx->c + base, size);
	uint32_t n = 0, cur = 0;   /* steps, and the offset in the body they reach */
	for (size_t i = 0; i < rec->n; i++) {
		const struct raw_ref *r = &rec->v[i];
		if (r->at < base + cur || r->at >= base + size)
			return NULL;   /* not in order: cannot be */
		struct raw_step *t = &st[n++];
		*t = (struct raw_step){.kind = RAW_BACK, .len = r->at - base - cur, .p = bytes + cur};
		cur = r->at - base;
		if (r->kind == RAW_OPEN_DEP || r->kind == RAW_OPEN_NODEP) {
			/* then as compile noted them: the skipped sizes, the name */
			uint32_t skip = r->kind == RAW_OPEN_DEP ? 6 : 4;
			if (i + 2 >= rec->n || rec->v[i + 1].kind != RAW_SKIP ||
			    rec->v[i + 1].at != r->at + 1 || rec->v[i + 1].count != skip ||
			    rec->v[i + 2].at != r->at + 1 + skip)
				return NULL;
			t->kind = r->kind;
			t->tok = bytes[cur];
			cur += 1 + skip;
			r = &rec->v[i += 2];
		}
		if (r->kind != RAW_INLINE && r->kind != RAW_BACK)
			return NULL;
		t->count = r->count;
		if (r->kind == RAW_INLINE) {
			t->units = bytes + (r->at - base) + 12;   /* in the body */
		} else {
			uint8_t *u = bt_arena_alloc(a, 2 * (size_t)r->count + 1);
			if (!u)
				return NULL;
			memcpy(u, r->units, 2 * (size_t)r->count);
			t->units = u;
		}
		cur += 4 + (r->kind == RAW_INLINE ? 8 + 2 * (uint32_t)r->count + 2 : 0);
		if (t->kind != RAW_BACK && (t->tok & 0x40)) {
			if (i + 1 >= rec->n || rec->v[i + 1].kind != RAW_SKIP ||
			    rec->v[i + 1].at != base + cur || rec->v[i + 1].count != 4)
				return NULL;
			cur += 4;
			i++;
		}
	}
	if (cur > size)
		return NULL;
	st[n++] = (struct raw_step){.kind = RAW_BYTES, .len = size - cur, .p = bytes + cur};
	raw->nsteps = n;
	raw->steps = st;
	return raw;
}

/* A template compiled in an earlier chunk (or file) that the definition at
 * `def` compiles to, or NULL. */
static struct tmpl *shared_find(struct bt_bx_chunk *cx, uint32_t def)
{
	if (!sharing(cx, def))
		return NULL;
	const uint8_t *guid = cx->c + def + 4;
	uint32_t end = def + 24 + bt_le32(cx->c + def + 20);
	char why[96];
	for (struct shared *e = *shared_bucket(cx, guid); e; e = e->next)
		if (memcmp(e->guid, guid, 16) == 0 &&
		    ((e->raw && raw_same(cx, def, e->raw)) ||
		     compile(cx, def + 24, end, &cx->scratch, why, sizeof why, e->t, NULL)))
			return e->t;
	return NULL;
}

/* Shares template t just compiled from `def`: its copy, or NULL (not shared). */
static struct tmpl *shared_add(struct bt_bx_chunk *cx, uint32_t def, const struct tmpl *t)
{
	if (!sharing(cx, def) || cx->shared_full)
		return NULL;
	struct shared *e = bt_arena_alloc(&cx->shared, sizeof *e);
	struct tmpl *n = e ? tmpl_export(&cx->shared, t) : NULL;
	if (!n) {
		cx->shared_full = true;
		return NULL;
	}
	n->plan_tried = 0;
	n->home = &cx->shared;
	memcpy(e->guid, cx->c + def + 4, 16);
	e->t = n;
	/* without room for its bytes it is still shared, checked token by token */
	e->raw = raw_keep(cx, def, &cx->rawrec);
	struct shared **b = shared_bucket(cx, e->guid);
	e->next = *b;
	*b = e;
	return n;
}

/* template_find for a definition not yet in the chunk's table: its free
 * slot there (NULL: the table is full). Out of line: a record's lookup is
 * the hit path, without this function's frame. */
__attribute__((noinline))
static struct tmpl *template_load(struct bt_bx_chunk *cx, uint32_t def, bool report,
                                  struct tmpl_ent *slot)
{
	if (!slot || cx->ntmpl >= BT_BX_MAX_TEMPLATES) {
		if (report)
			fail(cx, "more than %d templates in the chunk", BT_BX_MAX_TEMPLATES);
		return NULL;
	}
	slot->gen = cx->gen;
	slot->off = def;
	cx->ntmpl++;
	struct tmpl *t = shared_find(cx, def);
	if (t) {
		slot->t = t;
		return t;
	}
	t = bt_arena_alloc(&cx->arena, sizeof *t);
	if (!t) {
		slot->gen = 0;
		cx->ntmpl--;
		if (report)
			fail(cx, "out of memory for template at 0x%x", def);
		return NULL;
	}
	memset(t, 0, sizeof *t);
	t->def = def;
	slot->t = t;
	if ((size_t)def + 24 > cx->n || def < BT_EVTX_CHUNK_HEADER_SIZE) {
		t->bad = true;
		snprintf(t->why, sizeof t->why, "definition outside the chunk");
	} else {
		uint32_t size = bt_le32(cx->c + def + 20);
		if ((size_t)def + 24 + size > cx->n) {
			t->bad = true;
			snprintf(t->why, sizeof t->why, "definition size %u outside the chunk", size);
		} else if (!compile(cx, def + 24, def + 24 + size, &cx->scratch, t->why,
		                    sizeof t->why, NULL, &cx->rawrec)) {
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
		if (report)
			fail(cx, "template at 0x%x: %s", def, t->why);
		return NULL;
	}
	struct tmpl *sh = shared_add(cx, def, t);
	if (sh)
		slot->t = t = sh;
	return t;
}

/* Returns the compiled template defined at chunk offset `def`, compiling it
 * on first use; NULL when it is unusable, with the reason reported to the
 * mapping (failing the record) when `report`. */
static inline struct tmpl *template_find(struct bt_bx_chunk *cx, uint32_t def, bool report)
{
	uint32_t h = (def * 2654435761u) >> 19;
	for (uint32_t k = 0; k < TMPL_SLOTS; k++) {
		struct tmpl_ent *e = &cx->tmpls[(h + k) & (TMPL_SLOTS - 1)];
		if (e->gen != cx->gen)
			return template_load(cx, def, report, e);
		if (e->off == def) {
			if (!e->t->bad)
				return e->t;
			if (report)
				fail(cx, "template at 0x%x: %s", def, e->t->why);
			return NULL;
		}
	}
	return template_load(cx, def, report, NULL);
}

static struct tmpl *template_get(struct bt_bx_chunk *cx, uint32_t def)
{
	return template_find(cx, def, true);
}

/* ---- field maps ----
 *
 * A template instantiated for a whole record (the usual case) is also
 * compiled into a field map: the walk the operations would feed the event
 * mapping is run once at compile time, with the mapping's rules, and what
 * the mapping would do per record is kept as a list of actions, each naming
 * its destination (event id, time, a System field, an EventData field by
 * name, a UserData path, ...) and the pieces of its value (pre-rendered
 * static text and substitution indexes). A record then costs delivering its
 * values to those destinations. Records whose shape depends on their values
 * use the operations instead: a BinXml value in element content (checked per
 * record), or templates where an element left out for an empty optional
 * value could turn its parent into a leaf (no field map). */

enum act_kind {
	ACT_PUT,              /* a value to dest */
	ACT_PUBLISH,          /* the System part is complete */
	ACT_NESTED,           /* a content value at depth <= 2: BinXml runs there */
};

#define NO_SUBST 0xFFFFu

struct piece {
	const char *s;        /* static text (s != NULL) or substitution idx */
	uint32_t len;
	uint16_t idx;
	uint8_t optional;
	uint8_t attr_plain;   /* static text libxml2 keeps as it is in an attribute */
};

struct act {
	uint8_t kind;
	uint8_t depth;        /* ACT_NESTED: context depth and section */
	uint8_t sec;
	uint8_t dyn_name;     /* field name from Data@Name with substitutions */
	uint8_t typed1;       /* one substitution, nothing else: delivered typed */
	uint8_t static1;      /* static text alone (kept as it is in an attribute) */
	uint8_t ng;           /* guard[] without the NO_SUBST ones: gi[0..ng) */
	uint16_t guard[2];    /* optional substitutions whose empty value drops this */
	uint16_t gi[2];
	struct bt_evmap_dest dest;   /* dyn_name: the one when the Name is left out */
	const struct piece *pv;
	uint16_t npv;
	const struct piece *namev;   /* dyn_name: pieces of the Name attribute */
	uint16_t nnamev;
};

struct plan {
	const struct act *acts;
	uint32_t nacts;
	uint32_t nidx;        /* substitutions it reads: 0 .. nidx-1 (absent ones are NULL) */
	const uint8_t *role;  /* per substitution: ROLE_* (the checks that look at it) */
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
/* System fields (Keywords, Task, ProcessID, ...) are put after the System
 * part is published, just before what follows it: a record no one wants
 * (want() false) then costs only its event members (id, channel, time ...).
 * The fields keep their order in the event. Only for a plain System part:
 * simple values before an unguarded publish. */
static void defer_system_fields(struct plan_build *pb)
{
	uint32_t pub = 0;
	while (pub < pb->nacts && pb->acts[pub].kind != ACT_PUBLISH)
		pub++;
	if (pub == pb->nacts || pb->acts[pub].guard[0] != NO_SUBST)
		return;
	uint32_t nmember = 0;
	for (uint32_t i = 0; i < pub; i++) {
		const struct act *a = &pb->acts[i];
		if (a->kind != ACT_PUT || a->dyn_name)
			return;
		nmember += a->dest.target != BT_EVMAP_FIELD;
	}
	if (nmember == pub)
		return;
	struct act tmp[64];
	if (pub > sizeof tmp / sizeof *tmp)
		return;
	uint32_t k = 0;
	for (uint32_t i = 0; i < pub; i++)
		if (pb->acts[i].dest.target != BT_EVMAP_FIELD)
			tmp[k++] = pb->acts[i];
	tmp[k++] = pb->acts[pub];
	for (uint32_t i = 0; i < pub; i++)
		if (pb->acts[i].dest.target == BT_EVMAP_FIELD)
			tmp[k++] = pb->acts[i];
	memcpy(pb->acts, tmp, (pub + 1) * sizeof *tmp);
}

#define ROLE_DYN 0x1u      /* in dyn: a BinXml value there needs the operations */
#define ROLE_ASUB 0x2u     /* in asub: so does an array */

static uint32_t idx_top(uint32_t top, const uint16_t *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i] + 1u > top)
			top = v[i] + 1u;
	return top;
}

/* What running a plan needs beyond its compilation: the substitutions it
 * reads (a record's values are padded with NULLs to there, so they are read
 * without bounds checks) and the checks each one is in, each action's guards
 * in a row, and which actions deliver one typed value. False when out of
 * memory. */
static bool plan_index(struct plan *pl, struct act *acts, const struct piece *pieces,
                       uint32_t npieces, struct bt_arena *arena)
{
	uint32_t top = 0;
	for (uint32_t i = 0; i < npieces; i++)
		if (!pieces[i].s && pieces[i].idx + 1u > top)
			top = pieces[i].idx + 1u;
	top = idx_top(top, pl->pre, pl->npre);
	top = idx_top(top, pl->dyn, pl->ndyn);
	top = idx_top(top, pl->asub, pl->nasub);
	for (uint32_t i = 0; i < pl->nacts; i++) {
		struct act *a = &acts[i];
		a->ng = 0;
		for (int k = 0; k < 2; k++)
			if (a->guard[k] != NO_SUBST)
				a->gi[a->ng++] = a->guard[k];
		top = idx_top(top, a->gi, a->ng);
		a->typed1 = a->kind == ACT_PUT && !a->dyn_name && a->npv == 1 && !a->pv[0].s;
		a->static1 = a->kind == ACT_PUT && !a->dyn_name && a->npv == 1 && a->pv[0].s &&
		             (!a->dest.in_attr || a->pv[0].attr_plain);
	}
	pl->nidx = top;
	uint8_t *role = bt_arena_alloc(arena, top + 1);
	if (!role)
		return false;
	memset(role, 0, top + 1);
	for (uint32_t i = 0; i < pl->ndyn; i++)
		role[pl->dyn[i]] |= ROLE_DYN;
	for (uint32_t i = 0; i < pl->nasub; i++)
		role[pl->asub[i]] |= ROLE_ASUB;
	pl->role = role;
	return true;
}

static const struct plan *plan_compile(struct bt_bx_chunk *cx, const struct tmpl *t,
                                       enum plan_ctx pctx)
{
	struct bt_arena *arena = t->home ? t->home : &cx->arena;
	struct plan_build *pb = cx->pb;
	if (!pb)
		return NULL;
	pb->nacts = pb->npieces = pb->ndyn = pb->npre = pb->nasub = 0;
	pb->ok = true;
	struct pframe fr[BT_MAX_XML_DEPTH + 1];
	static const int start_depth[PCTX_COUNT] = {0, 1, 2, 2};
	static const enum bt_evmap_section start_sec[PCTX_COUNT] = {
		BT_SEC_NONE, BT_SEC_NONE, BT_SEC_EVENTDATA, BT_SEC_USERDATA};
	const int start = start_depth[pctx];
	int depth = start;
	enum bt_evmap_section sec = start_sec[pctx];
	const struct bx_op *o = t->ops;
	uint16_t guards[2] = {NO_SUBST, NO_SUBST};
	int cur_attr = -1;
	const char *pname[BT_MAX_XML_DEPTH + 1];   /* element names by depth (UserData paths) */
	uint32_t plen[BT_MAX_XML_DEPTH + 1];
	for (uint32_t i = 0; i < t->nops && pb->ok; i++) {
		const struct bx_op *op = &o[i];
		switch (op->kind) {
		case OP_OPEN: {
			if (depth > BT_MAX_XML_DEPTH - 1)
				return NULL;
			struct pframe *f = &fr[depth];
			memset(f, 0, sizeof *f);
			f->nid = op->nid;
			f->name = pname[depth] = op->s;
			f->len = plen[depth] = op->len;
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
				sec = bt_evmap_section(op->nid);
				if (bt_evmap_section_publishes(sec))
					pb_act(pb, ACT_PUBLISH, g);
			}
			/* System attributes, in the mapping's order */
			size_t nrules = 0;
			const struct bt_evmap_attr_rule *rules =
				sec == BT_SEC_SYSTEM && d == 2 ? bt_evmap_system_attrs(op->nid, &nrules) : NULL;
			for (size_t m = 0; m < nrules; m++) {
				int k = -1;
				for (int q = 0; q < f->nattr; q++)
					if (f->anid[q] == rules[m].attr) {
						k = q;
						break;
					}
				if (k < 0)
					continue;
				/* a second attribute of the same name: not mapped */
				for (int q = k + 1; q < f->nattr; q++)
					if (f->anid[q] == rules[m].attr)
						return NULL;
				struct act *a = pb_act(pb, ACT_PUT, g);
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
				a->dest = rules[m].dest;
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
				if (sec == BT_SEC_SYSTEM && op->kind == OP_END)
					pb_act(pb, ACT_PUBLISH, g);
				sec = BT_SEC_NONE;
				break;
			}
			if (d < 2 || f->had_child)
				break;
			struct bt_evmap_dest dest = {BT_EVMAP_FIELD, 0, 1, 0, NULL, 0};
			bool dyn_name = false;
			uint32_t nfrom = 0, nto = 0;
			if (!bt_evmap_leaf_maps(sec, d)) {
				break;
			} else if (sec == BT_SEC_SYSTEM) {
				const struct bt_evmap_dest *sd = bt_evmap_system_leaf(f->nid);
				if (!sd)
					continue;
				dest = *sd;
			} else if (sec == BT_SEC_EVENTDATA) {
				int k = -1;
				for (int q = 0; q < f->nattr; q++)
					if (bt_evmap_named_by(f->nid, f->anid[q])) {
						if (k >= 0)
							return NULL;
						k = q;
					}
				/* named after the element, or so when its Name is left out */
				dest.name = f->name;
				dest.name_len = f->len;
				dest.flags = bt_evmap_unnamed_flags(f->nid);
				if (k >= 0) {
					nfrom = f->afrom[k];
					nto = f->ato[k];
					if (nto - nfrom == 1 && o[nfrom].kind == OP_TEXT &&
					    !bt_xv_attr_scan(o[nfrom].s, o[nfrom].len)) {
						dest.name = o[nfrom].s;
						dest.name_len = o[nfrom].len;
						dest.flags = 0;
					} else {
						dyn_name = true;
					}
				}
			} else {
				if (!bt_evmap_path(&cx->path, pname + 3, plen + 3, d - 2))
					return NULL;
				dest.name = bt_arena_strndup(arena, cx->path.p, cx->path.n);
				if (!dest.name)
					return NULL;
				dest.name_len = (uint32_t)cx->path.n;
			}
			struct act *a = pb_act(pb, ACT_PUT, g);
			if (!a)
				return NULL;
			a->dest = dest;
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
	defer_system_fields(pb);
	struct plan *pl = bt_arena_alloc(arena, sizeof *pl);
	struct act *acts = bt_arena_alloc(arena, pb->nacts * sizeof *acts + 1);
	struct piece *pieces = bt_arena_alloc(arena, pb->npieces * sizeof *pieces + 1);
	uint16_t *dyn = bt_arena_alloc(arena, pb->ndyn * sizeof *dyn + 1);
	uint16_t *pre = bt_arena_alloc(arena, pb->npre * sizeof *pre + 1);
	uint16_t *asub = bt_arena_alloc(arena, pb->nasub * sizeof *asub + 1);
	if (!pl || !acts || !pieces || !dyn || !pre || !asub) {
		if (arena == &cx->shared)
			cx->shared_full = true;   /* emptied at the next chunk */
		return NULL;
	}
	memcpy(asub, pb->asub, pb->nasub * sizeof *asub);
	pl->asub = asub;
	pl->nasub = pb->nasub;
	memcpy(pre, pb->pre, pb->npre * sizeof *pre);
	pl->pre = pre;
	pl->npre = pb->npre;
	memcpy(pieces, pb->pieces, pb->npieces * sizeof *pieces);
	for (uint32_t i = 0; i < pb->npieces; i++)
		pieces[i].attr_plain = pieces[i].s && !bt_xv_attr_scan(pieces[i].s, pieces[i].len);
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
	if (!plan_index(pl, acts, pieces, pb->npieces, arena)) {
		if (arena == &cx->shared)
			cx->shared_full = true;
		return NULL;
	}
	return pl;
}

static const struct bt_xv null_val = {(const uint8_t *)"", 0, BT_XV_NULL};

static inline const struct bt_xv *val_at(const struct bt_xv *vals, uint32_t nvals, uint16_t idx)
{
	return idx < nvals ? &vals[idx] : &null_val;
}

/* Renders attribute pieces into cx->abuf (from its start); false (record
 * failed) when the libevtx path's text cannot be reproduced. */
static bool plan_attr_value(struct bt_bx_chunk *cx, const struct piece *pv, uint16_t n,
                            const struct bt_xv *vals, const char **out, size_t *len)
{
	if (n == 1 && pv[0].attr_plain) {
		*out = pv[0].s;
		*len = pv[0].len;
		return true;
	}
	bt_sb_clear(&cx->abuf);
	for (uint16_t i = 0; i < n; i++) {
		if (pv[i].s)
			bt_sb_put(&cx->abuf, pv[i].s, pv[i].len);
		else if (!bt_evmap_render(&cx->map, &cx->abuf, &vals[pv[i].idx], true))
			return false;
	}
	bool changed;
	if (!bt_evmap_attr_check(&cx->map, cx->abuf.p, cx->abuf.n, &changed))
		return false;
	*out = cx->abuf.p;
	*len = cx->abuf.n;
	return true;
}

/* Delivers the value of action a: one substitution typed, else the text of
 * its pieces (a substitution first, then static text). */
static inline void plan_put(struct bt_bx_chunk *cx, const struct act *a, const struct bt_evmap_dest *d,
                     const struct bt_xv *vals)
{
	struct bt_evmap *m = &cx->map;
	if (a->npv == 1 && !a->pv[0].s) {
		bt_evmap_put_value(m, d, &vals[a->pv[0].idx]);
		return;
	}
	if (d->in_attr) {
		const char *v;
		size_t n;
		if (plan_attr_value(cx, a->pv, a->npv, vals, &v, &n))
			bt_evmap_put(m, d, v, n);
		return;
	}
	bt_sb_clear(&cx->text);
	for (uint16_t q = 0; q < a->npv; q++) {
		const struct piece *x = &a->pv[q];
		if (x->s) {
			bt_sb_put(&cx->text, x->s, x->len);
			continue;
		}
		const struct bt_xv *v = &vals[x->idx];
		if (v->type & BT_XV_ARRAY) {
			/* once per item: the static text after it is not in libevtx's
			 * XML either */
			bt_evmap_put_value(m, d, v);
			return;
		}
		if (!bt_evmap_render(m, &cx->text, v, false))
			return;
	}
	if (cx->text.over)
		m->eb->truncated = true;
	bt_evmap_put(m, d, cx->text.p, cx->text.n);
}

/* Runs a field map; returns false when the record needs the operations
 * (before anything was emitted). */
static void exec_fragment(struct bt_bx_chunk *cx, uint32_t pos, uint32_t end, int nest);

/* Whether value i, of a type above 0x20, fails a check it is in. */
static inline bool special_fails(const struct plan *pl, const struct bt_xv *vals, uint32_t i)
{
	if (i >= pl->nidx)
		return false;
	uint8_t ty = vals[i].type, r = pl->role[i];
	return ((r & ROLE_DYN) && (ty == BT_XV_BINXML || ty == BT_XV_EVTXML)) ||
	       ((r & ROLE_ASUB) && (ty & BT_XV_ARRAY));
}

/* The values of types above 0x20 (BinXml, arrays: the checks look at them):
 * their indexes, the first SPECIAL_MAX of them, and how many. */
#define SPECIAL_MAX 8
struct specials {
	uint32_t at[SPECIAL_MAX];
	uint32_t n;
};

/* vals: at least pl->nidx values (padded with NULLs), so the plan's
 * functions index them without bounds checks. */
static bool exec_plan(struct bt_bx_chunk *cx, const struct plan *pl, const struct bt_xv *vals,
                      const struct specials *sp, int nest)
{
	for (uint32_t i = 0; i < pl->npre; i++)
		if (vals[pl->pre[i]].type == BT_XV_NULL)
			return false;
	if (sp->n > SPECIAL_MAX) {
		for (uint32_t i = 0; i < pl->nidx; i++)
			if (vals[i].type > 0x20 && special_fails(pl, vals, i))
				return false;
	} else {
		for (uint32_t k = 0; k < sp->n; k++)
			if (special_fails(pl, vals, sp->at[k]))
				return false;
	}
	struct bt_evmap *m = &cx->map;
	const struct act *acts = pl->acts, *aend = acts + pl->nacts;
	for (const struct act *a = acts; a < aend && !m->stop; a++) {
		if (a->ng && (vals[a->gi[0]].type == BT_XV_NULL ||
		              (a->ng > 1 && vals[a->gi[1]].type == BT_XV_NULL)))
			continue;
		if (a->typed1) {
			bt_evmap_put_value(m, &a->dest, &vals[a->pv[0].idx]);
			continue;
		}
		if (a->static1) {
			bt_evmap_put_static(m, &a->dest, a->pv[0].s, a->pv[0].len);
			continue;
		}
		if (a->kind == ACT_PUBLISH) {
			if (!bt_evmap_publish(m))
				return true;
			continue;
		}
		if (a->kind == ACT_NESTED) {
			const struct bt_xv *v = &vals[a->pv[0].idx];
			if (v->type == BT_XV_BINXML && v->size) {
				/* the operations' state at this point */
				bt_evmap_enter(m, a->depth, (enum bt_evmap_section)a->sec);
				uint32_t off = (uint32_t)(v->p - cx->c);
				exec_fragment(cx, off, off + v->size, nest + 1);
			}
			continue;
		}
		if (!a->dyn_name) {
			plan_put(cx, a, &a->dest, vals);
			continue;
		}
		/* the field name from Data@Name, unless that is left out */
		struct bt_evmap_dest d = a->dest;
		bool dropped = false;
		for (uint16_t q = 0; q < a->nnamev; q++)
			if (!a->namev[q].s && a->namev[q].optional &&
			    vals[a->namev[q].idx].type == BT_XV_NULL)
				dropped = true;
		if (!dropped) {
			const char *v;
			size_t n;
			if (!plan_attr_value(cx, a->namev, a->nnamev, vals, &v, &n))
				return true;
			bt_sb_clear(&cx->fname);
			bt_sb_put(&cx->fname, v, n);
			if (!bt_sb_room(&cx->fname, 1))
				return true;
			cx->fname.p[cx->fname.n] = '\0';
			d.name = cx->fname.p;
			d.name_len = (uint32_t)cx->fname.n;
			d.name_ref = 0;
			d.flags = 0;
		}
		plan_put(cx, a, &d, vals);
	}
	return true;
}

/* ---- executing templates ---- */

/* A kept FILETIME attribute gets more pieces: it needs its text after all. */
static void kept_filetime_text(struct bt_bx_chunk *cx, struct kept_attr *a)
{
	if (!a->is_filetime)
		return;
	a->is_filetime = false;
	bt_xv_filetime(&cx->abuf, bt_le64(a->fv.p));
	a->len = (uint32_t)(cx->abuf.n - a->start);
}

/* The start tag is complete: its kept attributes go to the mapping. */
static void start_tag_done(struct bt_bx_chunk *cx, bool empty)
{
	struct bt_evmap *m = &cx->map;
	for (int i = 0; i < cx->nkept; i++) {
		struct kept_attr *a = &cx->kept[i];
		if (a->is_filetime && a->pieces == 1) {
			bt_evmap_attr_value(m, a->nid, &a->fv);
			continue;
		}
		char *v = cx->abuf.p + a->start;
		bool changed;
		if (!bt_evmap_attr_check(m, v, a->len, &changed))
			return;
		if (changed || a->pieces != 1)
			a->ref = NULL;
		/* one static text piece: the template's copy outlives the record */
		bt_evmap_attr(m, a->nid, a->ref ? a->ref : v, a->len, a->ref != NULL);
	}
	bt_evmap_opened(m, empty);
}

static inline bool has_id(const uint16_t *ids, int n, uint16_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static void exec_ops(struct bt_bx_chunk *cx, const struct tmpl *t, const struct bt_xv *vals,
                     uint32_t nvals, int nest)
{
	struct bt_evmap *m = &cx->map;
	const struct bx_op *op = t->ops, *end = t->ops + t->nops;
	bool in_attr = false;
	uint16_t wanted[BT_EVMAP_MAX_ATTRS];   /* attributes the mapping wants here */
	int nwanted = -1;                      /* -1: not asked yet */
	while (op < end && !m->stop) {
		switch (op->kind) {
		case OP_OPEN:
			if (op->optional && (op->idx >= nvals || vals[op->idx].type == BT_XV_NULL)) {
				op = t->ops + op->skip;
				continue;
			}
			bt_evmap_open(m, op->nid, op->s, op->len);
			nwanted = -1;
			cx->nkept = 0;
			cx->abuf.n = 0;
			cx->keep_attr = -1;
			in_attr = false;
			break;
		case OP_ATTR:
			cx->keep_attr = -1;
			in_attr = true;
			if (nwanted < 0)
				nwanted = bt_evmap_attrs_wanted(m, wanted);
			if (cx->nkept < MAX_KEPT_ATTRS && has_id(wanted, nwanted, op->nid)) {
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
			in_attr = false;
			start_tag_done(cx, op->kind == OP_CLOSE_EMPTY);
			break;
		case OP_END:
			bt_evmap_end(m);
			break;
		case OP_TEXT:
			if (in_attr) {
				if (cx->keep_attr >= 0) {
					struct kept_attr *a = &cx->kept[cx->keep_attr];
					kept_filetime_text(cx, a);
					bt_sb_put(&cx->abuf, op->s, op->len);
					a->len += op->len;
					a->pieces++;
					a->ref = op->s;
				}
			} else {
				bt_evmap_text(m, op->s, op->len);
			}
			break;
		case OP_SUBST: {
			const struct bt_xv *v = val_at(vals, nvals, op->idx);
			if (!in_attr) {
				if (v->type != BT_XV_BINXML) {
					bt_evmap_value(m, v);
				} else if (v->size) {
					uint32_t off = (uint32_t)(v->p - cx->c);
					exec_fragment(cx, off, off + v->size, nest + 1);
				}
				break;
			}
			if (v->type & BT_XV_ARRAY) {
				/* libevtx repeats the attribute: invalid XML there */
				fail(cx, "array value in an attribute (left to libevtx)");
				break;
			}
			if (cx->keep_attr < 0)
				break;
			struct kept_attr *a = &cx->kept[cx->keep_attr];
			if (op->optional && v->type == BT_XV_NULL) {
				/* libevtx leaves the attribute out */
				cx->nkept--;
				cx->abuf.n = a->start;
				cx->keep_attr = -1;
			} else if (v->type == BT_XV_FILETIME && v->size >= 8 && a->nid == BT_EN_SYSTEMTIME) {
				/* no need to print and parse the event time */
				a->is_filetime = a->pieces == 0;
				a->fv = *v;
				if (!a->is_filetime) {
					bt_xv_put(&cx->abuf, v->type, v->p, v->size);
					a->len = (uint32_t)(cx->abuf.n - a->start);
				}
				a->pieces++;
			} else {
				kept_filetime_text(cx, a);
				a->pieces++;
				size_t before = cx->abuf.n;
				if (!bt_evmap_render(m, &cx->abuf, v, true))
					break;
				a->len += (uint32_t)(cx->abuf.n - before);
			}
			break;
		}
		default:
			break;
		}
		op++;
	}
}

/* ---- the template store (recovery) ---- */

enum { TS_WANTED, TS_FOUND, TS_AMBIGUOUS };

struct ts_ent {
	uint32_t tid;
	uint8_t state;
	bool other_file;      /* adopted from another file's store */
	uint8_t guid[16];
	struct tmpl *t;       /* in the store's arena */
};

struct bt_bx_tstore {
	struct ts_ent *v;
	size_t n, cap;
	uint32_t *slot;       /* open addressing by id: entry index + 1, 0 free */
	size_t nslot;         /* a power of two, at least twice n */
	size_t missing;
	bool want_all;        /* keep every definition found (a donor file's store) */
	struct bt_arena arena;
	/* bt_bx_tstore_harvest_kept: the definitions chunks 0..nkc) offered,
	 * in order, kd[kc[i]..kc[i + 1]) for chunk i */
	struct ts_kdef *kd;
	size_t nkd, kdcap;
	size_t *kc;           /* nkc + 1 starts */
	size_t nkc, kccap;
	bool kfull;           /* no more chunks kept (their harvest scans) */
};

/* A definition a harvest offered: its offset and GUID (the id its first
 * four bytes). */
struct ts_kdef {
	uint32_t off;
	uint8_t guid[16];
};

/* At most this many definitions kept (20 bytes each, 20 MB): some 25,000
 * ordinary chunks (some tens of definitions each); chunks past them are
 * scanned again as before. */
#define TS_MAX_KEPT (1u << 20)

struct bt_bx_tstore *bt_bx_tstore_new(void)
{
	struct bt_bx_tstore *ts = calloc(1, sizeof *ts);
	if (ts)
		bt_arena_init(&ts->arena, 64u * 1024 * 1024);
	return ts;
}

void bt_bx_tstore_free(struct bt_bx_tstore *ts)
{
	if (!ts)
		return;
	bt_arena_free(&ts->arena);
	free(ts->kd);
	free(ts->kc);
	free(ts->slot);
	free(ts->v);
	free(ts);
}

static size_t ts_hash(uint32_t tid, size_t nslot)
{
	return (size_t)((tid * 2654435761u) >> 7) & (nslot - 1);
}

/* Every definition a harvest meets is looked up (most carry an id nobody
 * asked for), and a donor's store holds every id of its file: a hash. */
static struct ts_ent *ts_find(const struct bt_bx_tstore *ts, uint32_t tid)
{
	if (!ts->nslot)
		return NULL;
	for (size_t h = ts_hash(tid, ts->nslot);; h = (h + 1) & (ts->nslot - 1)) {
		uint32_t k = ts->slot[h];
		if (!k)
			return NULL;
		if (ts->v[k - 1].tid == tid)
			return &ts->v[k - 1];
	}
}

static void ts_slot_put(struct bt_bx_tstore *ts, size_t i)
{
	size_t h = ts_hash(ts->v[i].tid, ts->nslot);
	while (ts->slot[h])
		h = (h + 1) & (ts->nslot - 1);
	ts->slot[h] = (uint32_t)(i + 1);
}

#define TS_MAX_IDS 65536u

static struct tmpl *tmpl_export(struct bt_arena *a, const struct tmpl *t);

static struct ts_ent *ts_add(struct bt_bx_tstore *ts, uint32_t tid)
{
	if (ts->n >= TS_MAX_IDS)
		return NULL;
	if (ts->n == ts->cap) {
		size_t nc = ts->cap ? ts->cap * 2 : 32;
		struct ts_ent *nv = realloc(ts->v, nc * sizeof *nv);
		if (!nv)
			return NULL;
		ts->v = nv;
		ts->cap = nc;
	}
	if (2 * (ts->n + 1) > ts->nslot) {
		size_t ns = ts->nslot ? 2 * ts->nslot : 64;
		uint32_t *sl = calloc(ns, sizeof *sl);
		if (!sl)
			return NULL;
		free(ts->slot);
		ts->slot = sl;
		ts->nslot = ns;
		for (size_t i = 0; i < ts->n; i++)
			ts_slot_put(ts, i);
	}
	struct ts_ent *e = &ts->v[ts->n];
	memset(e, 0, sizeof *e);
	e->tid = tid;
	e->state = TS_WANTED;
	ts_slot_put(ts, ts->n++);
	return e;
}

void bt_bx_tstore_want_all(struct bt_bx_tstore *ts)
{
	ts->want_all = true;
}

bool bt_bx_tstore_settled(const struct bt_bx_tstore *ts, uint32_t tid)
{
	const struct ts_ent *e = ts_find(ts, tid);
	return e && e->state != TS_WANTED;
}

size_t bt_bx_tstore_adopt(struct bt_bx_tstore *dst, const struct bt_bx_tstore *src)
{
	size_t got = 0;
	for (size_t i = 0; i < dst->n && dst->missing; i++) {
		struct ts_ent *e = &dst->v[i];
		const struct ts_ent *f = e->state == TS_WANTED ? ts_find(src, e->tid) : NULL;
		if (!f || f->state != TS_FOUND || !(e->t = tmpl_export(&dst->arena, f->t)))
			continue;
		memcpy(e->guid, f->guid, 16);
		e->state = TS_FOUND;
		e->other_file = true;
		dst->missing--;
		got++;
	}
	return got;
}

void bt_bx_tstore_want(struct bt_bx_tstore *ts, uint32_t tid)
{
	if (ts && !ts_find(ts, tid) && ts_add(ts, tid))
		ts->missing++;
}

size_t bt_bx_tstore_asked(const struct bt_bx_tstore *ts)
{
	return ts ? ts->n : 0;
}

size_t bt_bx_tstore_missing(const struct bt_bx_tstore *ts)
{
	return ts ? ts->missing : 0;
}

/* A compiled template copied out of its chunk: operations and their text in
 * the store's arena, and no field maps (theirs live in a chunk's arena). */
static struct tmpl *tmpl_export(struct bt_arena *a, const struct tmpl *t)
{
	struct tmpl *n = bt_arena_alloc(a, sizeof *n);
	if (!n)
		return NULL;
	memset(n, 0, sizeof *n);
	n->def = t->def;
	n->nops = t->nops;
	n->plan_tried = 0x0F;
	n->ops = bt_arena_alloc(a, t->nops * sizeof *n->ops + 1);
	if (!n->ops)
		return NULL;
	for (uint32_t i = 0; i < t->nops; i++) {
		n->ops[i] = t->ops[i];
		if (t->ops[i].s && !(n->ops[i].s = bt_arena_strndup(a, t->ops[i].s, t->ops[i].len)))
			return NULL;
	}
	return n;
}

/* A definition at chunk offset `def` carrying a wanted id: compiled (names
 * checked against their hashes) and kept. */
static void ts_offer(struct bt_bx_tstore *ts, struct bt_bx_chunk *cx, uint32_t def)
{
	if (def < BT_EVTX_CHUNK_HEADER_SIZE || (size_t)def + 24 > cx->n)
		return;
	uint32_t tid = bt_le32(cx->c + def + 4);
	struct ts_ent *e = ts_find(ts, tid);
	if (!e && ts->want_all && (e = ts_add(ts, tid)) != NULL)
		ts->missing++;
	if (!e || e->state == TS_AMBIGUOUS)
		return;
	if (e->state == TS_FOUND) {
		if (memcmp(e->guid, cx->c + def + 4, 16) != 0 && template_find(cx, def, false)) {
			e->state = TS_AMBIGUOUS;
			e->t = NULL;
		}
		return;
	}
	struct tmpl *t = template_find(cx, def, false);
	if (!t || !(e->t = tmpl_export(&ts->arena, t)))
		return;
	memcpy(e->guid, cx->c + def + 4, 16);
	e->state = TS_FOUND;
	ts->missing--;
}

/* Offers definition `def` of the chunk `cx` is reset to, keeping it first
 * when `keep` (a definition outside the chunk is no offer: ts_offer passes
 * over it). False when it could not be kept. */
static bool offer_kept(struct bt_bx_tstore *ts, struct bt_bx_chunk *cx, uint32_t def, bool keep)
{
	if (keep && def >= BT_EVTX_CHUNK_HEADER_SIZE && (size_t)def + 24 <= cx->n) {
		if (ts->nkd >= TS_MAX_KEPT ||
		    !bt_array_reserve(&ts->kd, &ts->kdcap, ts->nkd, sizeof *ts->kd, 64))
			keep = false;
		else {
			struct ts_kdef *k = &ts->kd[ts->nkd++];
			k->off = def;
			memcpy(k->guid, cx->c + def + 4, 16);
		}
	}
	ts_offer(ts, cx, def);
	return keep;
}

/* The harvest of a chunk `cx` is reset to (strict); false when `keep` was
 * asked and some definition could not be kept. */
static bool harvest_scan(struct bt_bx_tstore *ts, struct bt_bx_chunk *cx, bool keep)
{
	const uint8_t *c = cx->c;
	size_t n = cx->n;
	/* the chunk's template table and its chains (live definitions) */
	for (uint32_t b = 0; b < 32; b++) {
		uint32_t def = bt_le32(c + 384 + 4 * b);
		for (int hops = 0; def && hops < 64; hops++) {
			keep = offer_kept(ts, cx, def, keep);
			if ((size_t)def + 4 > n)
				break;
			def = bt_le32(c + def);
		}
	}
	/* definitions inline at a template instance (0x0C 0x01 id offset), in
	 * the live area or in slack */
	for (const uint8_t *p = c + BT_EVTX_CHUNK_HEADER_SIZE;
	     (p = memchr(p, 0x0C, (size_t)(c + n - p))) != NULL; p++) {
		size_t at = (size_t)(p - c);
		if (at + 10 + 24 > n)
			break;
		if (p[1] == 0x01 && bt_le32(p + 6) == at + 10 && bt_le32(p + 14) == bt_le32(p + 2))
			keep = offer_kept(ts, cx, (uint32_t)(at + 10), keep);
	}
	return keep;
}

void bt_bx_tstore_harvest(struct bt_bx_tstore *ts, struct bt_bx_chunk *cx, const uint8_t *c,
                          size_t n)
{
	if (!ts || (!ts->missing && !ts->want_all) || n < BT_EVTX_CHUNK_HEADER_SIZE)
		return;
	bt_bx_chunk_reset(cx, c, n);
	bool strict = cx->strict;
	cx->strict = true;
	harvest_scan(ts, cx, false);
	cx->strict = strict;
}

bool bt_bx_tstore_needs(const struct bt_bx_tstore *ts, uint64_t ci)
{
	if (ci >= ts->nkc)
		return true;
	for (size_t i = ts->kc[ci]; i < ts->kc[ci + 1]; i++) {
		const struct ts_kdef *k = &ts->kd[i];
		const struct ts_ent *e = ts_find(ts, bt_le32(k->guid));
		if (e && (e->state == TS_WANTED ||
		          (e->state == TS_FOUND && memcmp(e->guid, k->guid, 16) != 0)))
			return true;
	}
	return false;
}

void bt_bx_tstore_harvest_kept(struct bt_bx_tstore *ts, struct bt_bx_chunk *cx, uint64_t ci,
                               const uint8_t *c, size_t n)
{
	if (ts->want_all || (ci > ts->nkc) || (ci == ts->nkc && ts->kfull)) {
		bt_bx_tstore_harvest(ts, cx, c, n);
		return;
	}
	if (!ts->missing)
		return;
	bt_bx_chunk_reset(cx, c, n);
	bool strict = cx->strict;
	cx->strict = true;
	if (ci < ts->nkc) {
		/* offered again as a scan would, without scanning */
		for (size_t i = ts->kc[ci]; i < ts->kc[ci + 1]; i++)
			ts_offer(ts, cx, ts->kd[i].off);
	} else if (!bt_array_reserve(&ts->kc, &ts->kccap, ts->nkc + 1, sizeof *ts->kc, 64)) {
		ts->kfull = true;
		harvest_scan(ts, cx, false);
	} else {
		size_t first = ts->nkd;
		if (n < BT_EVTX_CHUNK_HEADER_SIZE || harvest_scan(ts, cx, true)) {
			ts->kc[ts->nkc] = first;
			ts->kc[++ts->nkc] = ts->nkd;
		} else {
			ts->nkd = first;
			ts->kfull = true;
		}
	}
	cx->strict = strict;
}

/* The template of id `tid` from the store, for an instance whose own
 * definition offset (`def`) holds another. NULL (failing the record) when
 * there is none: the id is then asked for. */
static struct tmpl *store_template(struct bt_bx_chunk *cx, uint32_t tid, uint32_t def)
{
	struct bt_bx_recovery *rv = cx->rcv;
	struct ts_ent *e = rv->store ? ts_find(rv->store, tid) : NULL;
	if (e && e->state == TS_FOUND) {
		rv->elsewhere = true;
		rv->other_file |= e->other_file;
		return e->t;
	}
	if (e && e->state == TS_AMBIGUOUS) {
		rv->fail = BT_BX_RF_AMBIGUOUS;
		fail(cx, "template id 0x%08x: two different definitions in the file", tid);
		return NULL;
	}
	bt_bx_tstore_want(rv->store, tid);
	rv->fail = BT_BX_RF_NO_TEMPLATE;
	rv->missing_tid = tid;
	fail(cx, "template id 0x%08x: not defined at 0x%x nor anywhere else known", tid, def);
	return NULL;
}

/* The size a value of fixed-size type `t` has (0: variable). */
static uint32_t fixed_size(uint8_t t)
{
	switch (t) {
	case BT_XV_INT8: case BT_XV_UINT8: return 1;
	case BT_XV_INT16: case BT_XV_UINT16: return 2;
	case BT_XV_INT32: case BT_XV_UINT32: case BT_XV_REAL32: case BT_XV_BOOL:
	case BT_XV_HEX32: return 4;
	case BT_XV_INT64: case BT_XV_UINT64: case BT_XV_REAL64: case BT_XV_FILETIME:
	case BT_XV_HEX64: return 8;
	case BT_XV_GUID: case BT_XV_SYSTEMTIME: return 16;
	default: return 0;
	}
}

static bool is_integer(uint8_t t)
{
	return (t >= BT_XV_INT8 && t <= BT_XV_UINT64) || t == BT_XV_HEX32 || t == BT_XV_HEX64 ||
	       t == BT_XV_SIZET;
}

/* Whether value `v` can be what a substitution declared `decl` holds: the
 * same type, or what Windows writes in its place (seen in live records: an
 * integer of another width or sign, SizeT as HexInt32/64, one item for an
 * array, NULL for an empty value), and a size that type allows. A value of
 * another kind (text for a number, a GUID for a string) is another
 * template's. */
static bool value_fits(uint8_t decl, const struct bt_xv *v)
{
	uint8_t t = v->type;
	if (t == BT_XV_NULL)
		return true;
	if (t != decl && !(is_integer(decl) && is_integer(t)) &&
	    !((decl & BT_XV_ARRAY) && t == (decl & (uint8_t)~BT_XV_ARRAY)))
		return false;
	uint32_t fs = fixed_size(t & (uint8_t)~BT_XV_ARRAY);
	if (t & BT_XV_ARRAY)
		return fs ? v->size % fs == 0 : (t & 0x7F) != BT_XV_STRING || v->size % 2 == 0;
	if (fs)
		return v->size == fs;
	switch (t) {
	case BT_XV_STRING:
		return v->size % 2 == 0;
	case BT_XV_SID:
		return v->size >= 8 && v->size == 8u + 4u * v->p[1];
	default:
		return true;
	}
}

/* Recovery: every substitution the template uses has a value that fits. */
static bool values_fit(struct bt_bx_chunk *cx, const struct tmpl *t, const struct bt_xv *vals,
                       uint32_t count)
{
	for (uint32_t i = 0; i < t->nops; i++) {
		const struct bx_op *op = &t->ops[i];
		if (op->kind != OP_SUBST)
			continue;
		if (op->idx >= count || !value_fits(op->vtype, &vals[op->idx])) {
			cx->rcv->fail = BT_BX_RF_MISFIT;
			if (op->idx >= count)
				fail(cx, "substitution %u of the template is missing (%u values)", op->idx,
				     count);
			else
				fail(cx, "substitution %u: a value of type 0x%02x (%u bytes) where the "
				         "template declares 0x%02x", op->idx, vals[op->idx].type,
				     vals[op->idx].size, op->vtype);
			return false;
		}
	}
	return true;
}

/* Room for n values at nesting level `nest` (false, the record failed,
 * when out of memory). */
static bool vals_room(struct bt_bx_chunk *cx, int nest, uint32_t n)
{
	if (cx->vcap[nest] >= n)
		return true;
	size_t nc = n < 64 ? 64 : n;
	struct bt_xv *nv = realloc(cx->vals[nest], nc * sizeof *nv);
	if (!nv) {
		fail(cx, "out of memory for %u substitutions", n);
		return false;
	}
	cx->vals[nest] = nv;
	cx->vcap[nest] = nc;
	return true;
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
	uint32_t def = bt_le32(c + pos + 6);
	uint32_t tid = bt_le32(c + pos + 2);
	uint32_t at = pos;
	pos += 10;
	/* recovery: only a definition carrying the id the instance names */
	bool checked = cx->rcv && def != pos;
	bool id_here = (size_t)def + 24 <= cx->n && def >= BT_EVTX_CHUNK_HEADER_SIZE &&
	               bt_le32(c + def + 4) == tid;
	if (def != pos) {
		/* a definition used again lies wholly before its use; anything else
		 * (forward or overlapping references, a definition containing the
		 * instance) is damage or a loop */
		if ((size_t)def + 24 > at || (size_t)def + 24 + bt_le32(c + def + 20) > at) {
			if (!checked) {
				fail(cx, "template reference at 0x%x to 0x%x is not to an earlier "
				         "definition", at, def);
				return 0;
			}
			id_here = false;
		}
	} else if (cx->rcv && !id_here) {
		fail(cx, "template defined at 0x%x carries id 0x%08x, its instance names 0x%08x",
		     def, (size_t)def + 24 <= cx->n ? bt_le32(c + def + 4) : 0, tid);
		cx->rcv->fail = BT_BX_RF_MALFORMED;
		return 0;
	}
	if (def == pos) {
		/* definition inline: skip it */
		if (pos + 24 > end) {
			fail(cx, "truncated template definition at 0x%x", pos);
			return 0;
		}
		uint32_t size = bt_le32(c + pos + 20);
		if ((size_t)pos + 24 + size > end) {
			fail(cx, "template definition at 0x%x runs past the record", pos);
			return 0;
		}
		pos += 24 + size;
	}
	struct tmpl *t;
	if (!checked) {
		t = template_get(cx, def);
	} else {
		t = id_here ? template_find(cx, def, false) : NULL;
		if (!t && !(t = store_template(cx, tid, def)))
			return 0;
	}
	if (!t)
		return 0;
	if (pos + 4 > end) {
		fail(cx, "truncated substitution array at 0x%x", pos);
		return 0;
	}
	uint32_t count = bt_le32(c + pos);
	pos += 4;
	if ((size_t)count * 4 > end - pos) {
		fail(cx, "substitution count %u does not fit the record", count);
		return 0;
	}
	if (!vals_room(cx, nest, count))
		return 0;
	struct bt_xv *vals = cx->vals[nest];
	const uint8_t *desc = c + pos;
	pos += count * 4;
	struct specials sp;
	sp.n = 0;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t size = bt_le16(desc + 4 * i);
		uint8_t type = desc[4 * i + 2];
		if (size > end - pos) {
			fail(cx, "substitution value %u runs past the record", i);
			return 0;
		}
		vals[i].p = c + pos;
		vals[i].size = size;
		vals[i].type = type;
		pos += size;
		if (type > 0x20) {
			if (sp.n < SPECIAL_MAX)
				sp.at[sp.n] = i;
			sp.n++;
		}
	}
	if (cx->rcv && !values_fit(cx, t, vals, count))
		return 0;
	if (t->active) {
		fail(cx, "template at 0x%x is instantiated inside itself", def);
		return 0;
	}
	t->active = true;
	int pctx = -1;
	const struct bt_evmap *m = &cx->map;
	if (cx->use_plans && !bt_evmap_collecting(m)) {
		if (m->depth == 0 && m->sec == BT_SEC_NONE)
			pctx = PCTX_ROOT;
		else if (m->depth == 1 && m->sec == BT_SEC_NONE)
			pctx = PCTX_EVENT;
		else if (m->depth == 2 && m->sec == BT_SEC_EVENTDATA)
			pctx = PCTX_EVENTDATA;
		else if (m->depth == 2 && m->sec == BT_SEC_USERDATA)
			pctx = PCTX_USERDATA;
	}
	if (pctx >= 0) {
		if (!(t->plan_tried & (1u << pctx))) {
			t->plan_tried |= (uint8_t)(1u << pctx);
			t->plan[pctx] = plan_compile(cx, t, (enum plan_ctx)pctx);
		}
		const struct plan *pl = t->plan[pctx];
		if (pl && count < pl->nidx) {
			/* values the template names but the record lacks are NULL */
			if (!vals_room(cx, nest, pl->nidx)) {
				t->active = false;
				return 0;
			}
			vals = cx->vals[nest];
			for (uint32_t i = count; i < pl->nidx; i++)
				vals[i] = null_val;
		}
		if (!pl || !exec_plan(cx, pl, vals, &sp, nest))
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
	while (pos < end && !cx->map.stop) {
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
			if (!compile(cx, pos, end, &cx->inline_ops, why, sizeof why, NULL, NULL)) {
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
	uint32_t size = bt_le32(p + 4);
	if (size < BT_BX_RECORD_HEADER + 4 || size > end - off)
		return false;
	if (bt_le32(p + size - 4) != size)
		return false;
	r->offset = off;
	r->size = size;
	r->id = bt_le64(p + 8);
	r->written = bt_le64(p + 16);
	return true;
}

enum bt_status bt_bx_record_decode(struct bt_bx_chunk *cx, const struct bt_bx_record *r,
                                   struct bt_evbuf *eb,
                                   bool (*want)(void *ctx, const struct bt_event *ev),
                                   void *want_ctx, char *why, size_t why_size)
{
	bt_evbuf_reset(eb, BT_SOURCE_EVTX);
	bt_evmap_begin(&cx->map, eb, want, want_ctx);
	cx->nkept = 0;
	if ((size_t)r->offset + r->size > cx->n || r->size < BT_BX_RECORD_HEADER + 4) {
		snprintf(why, why_size, "record outside the chunk");
		return BT_ERR_FORMAT;
	}
	exec_fragment(cx, r->offset + BT_BX_RECORD_HEADER, r->offset + r->size - 4, 0);
	if (cx->map.failed) {
		const char *err = cx->map.err;
		/* recovery asks for no reason, and every failure is one of format
		 * there (most slack records fail once per round for a template
		 * not found yet) */
		if (why_size)
			snprintf(why, why_size, "%s", err);
		if (cx->rcv)
			return BT_ERR_FORMAT;
		return strstr(err, "deeper") || strstr(err, "more than") ? BT_ERR_LIMIT : BT_ERR_FORMAT;
	}
	bt_evmap_finish(&cx->map);
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

const char *bt_bx_rfail_str(enum bt_bx_rfail f)
{
	static const char *const names[BT_BX_RF_COUNT] = {
		"recovered", "template not found", "template id ambiguous",
		"values do not fit the template", "damaged binary XML", "no channel, computer or event id",
	};
	return f < BT_BX_RF_COUNT ? names[f] : "?";
}

enum bt_status bt_bx_record_recover(struct bt_bx_chunk *cx, const struct bt_bx_record *r,
                                    struct bt_evbuf *eb, struct bt_bx_recovery *rv, char *why,
                                    size_t why_size)
{
	rv->elsewhere = false;
	rv->other_file = false;
	rv->fail = BT_BX_RF_NONE;
	rv->missing_tid = 0;
	cx->rcv = rv;
	bool strict = cx->strict;
	cx->strict = true;
	enum bt_status st = bt_bx_record_decode(cx, r, eb, NULL, NULL, why, why_size);
	cx->rcv = NULL;
	cx->strict = strict;
	if (st != BT_OK) {
		if (rv->fail == BT_BX_RF_NONE)
			rv->fail = BT_BX_RF_MALFORMED;
		return BT_ERR_FORMAT;
	}
	const struct bt_event *ev = &eb->ev;
	if (!ev->channel || !*ev->channel || !ev->host || !*ev->host || !cx->map.have_event_id) {
		rv->fail = BT_BX_RF_INCOMPLETE;
		if (why_size)
			snprintf(why, why_size, "decoded without %s",
			         !ev->channel || !*ev->channel ? "a channel"
			         : !ev->host || !*ev->host     ? "a computer"
			                                       : "an event id");
		return BT_ERR_FORMAT;
	}
	return BT_OK;
}
