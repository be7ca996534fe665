/* Native recovery of EVTX records outside the live walk: see bt_evtx_recover.h.
 *
 * Three passes over the candidates, all in file order: classify (decode each,
 * asking the template store for ids not in place), and if some id was
 * missing, look for definitions through the whole file once and classify the
 * waiting ones again (a later round, for ids those now name, offers each
 * chunk's definitions kept from its first scan); then find which are copies
 * of live records (only live records with a candidate's record id are
 * decoded); then give the rest, decoding them again (candidates are few: a
 * second decode costs less than keeping events). */
#include "config.h"

#include "evtx/bt_evtx_recover.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bt_array.h"
#include "evtx/bt_binxml.h"
#include "evtx/bt_evtx_donors.h"

enum cstate { C_NEW, C_OK, C_WAIT, C_BAD, C_INSIDE, C_COPY };
enum origin { O_IN_PLACE, O_FILE, O_OTHER_FILE };

struct cand {
	uint64_t offset;
	uint64_t identity;      /* C_OK: of its event */
	uint64_t members;       /* C_OK: its event id, record id and time (member_key) */
	uint32_t size;          /* C_OK: of its record */
	uint8_t state;
	uint8_t why;            /* C_BAD: enum bt_evtx_unrec */
	uint32_t tid;           /* C_WAIT: the template id it waits for */
	uint8_t origin;         /* C_OK: enum origin, where its templates came from */
};

struct bt_evtx_recover {
	int fd;
	const uint8_t *mem;
	uint64_t size;
	struct cand *v;
	size_t n;
	size_t next;            /* give phase: the next candidate */
	bool prepared;
	struct bt_bx_chunk *cx;
	bool own_cx;                /* else borrowed from the caller */
	struct bt_bx_chunk *hx;     /* for the template search (made when needed) */
	struct bt_bx_tstore *store;
	struct bt_evbuf eb;     /* classification and copies */
	struct bt_buf hash_scratch;  /* values' text while an event is hashed */
	uint8_t *buf;           /* one chunk read from the file */
	const uint8_t *chunk;   /* the loaded chunk */
	size_t chunk_n;
	uint64_t chunk_index;   /* of the loaded chunk, UINT64_MAX: none */
	struct bt_evtx_recover_counts k;
	struct bt_evtx_donors *donors;   /* the run's other files (may be NULL) */
	char *self;             /* this file's path among them */
	uint64_t live_chunks;   /* chunks that hold live records (past them: none) */
};

const char *bt_evtx_unrec_str(enum bt_evtx_unrec r)
{
	static const char *const names[BT_UNREC_COUNT] = {
		"damaged record header", "implausible record id or time", "template not found",
		"template id ambiguous", "values do not fit the template", "damaged binary XML",
		"no channel, computer or event id",
	};
	return r < BT_UNREC_COUNT ? names[r] : "?";
}

static int cmp_offset(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

struct bt_evtx_recover *bt_evtx_recover_new(int fd, const uint8_t *mem, uint64_t size,
                                            struct bt_evtx_recmap *cand,
                                            struct bt_evtx_donors *donors, const char *self,
                                            struct bt_bx_chunk *cx)
{
	struct bt_evtx_recover *rc = calloc(1, sizeof *rc);
	if (!rc)
		return NULL;
	rc->fd = fd;
	rc->mem = mem;
	rc->size = size;
	rc->chunk_index = UINT64_MAX;
	rc->live_chunks = UINT64_MAX;
	rc->donors = donors;
	bt_evbuf_init(&rc->eb);
	rc->own_cx = cx == NULL;
	rc->cx = cx ? cx : bt_bx_chunk_new();
	rc->store = bt_bx_tstore_new();
	rc->buf = mem ? NULL : malloc(BT_EVTX_CHUNK_SIZE);
	rc->v = cand->n ? calloc(cand->n, sizeof *rc->v) : NULL;
	if (self && !(rc->self = strdup(self))) {
		bt_evtx_recover_free(rc);
		return NULL;
	}
	if (!rc->cx || !rc->store || (!mem && !rc->buf) || (cand->n && !rc->v)) {
		bt_evtx_recover_free(rc);
		return NULL;
	}
	for (size_t i = 0; i < cand->n; i++)
		if (cand->v[i].offset != UINT64_MAX)
			rc->v[rc->n++].offset = cand->v[i].offset;
	rc->k.candidates = rc->n + cand->dropped;
	bt_evtx_recmap_free(cand);
	if (rc->n)
		qsort(rc->v, rc->n, sizeof *rc->v, cmp_offset);
	/* a candidate found twice (a split file's parts overlap nowhere, but be
	 * sure) is one candidate */
	size_t w = 0;
	for (size_t i = 0; i < rc->n; i++)
		if (w == 0 || rc->v[w - 1].offset != rc->v[i].offset)
			rc->v[w++] = rc->v[i];
	rc->k.candidates -= rc->n - w;
	rc->n = w;
	return rc;
}

void bt_evtx_recover_free(struct bt_evtx_recover *rc)
{
	if (!rc)
		return;
	if (rc->own_cx)
		bt_bx_chunk_free(rc->cx);
	bt_bx_chunk_free(rc->hx);
	bt_bx_tstore_free(rc->store);
	bt_evbuf_free(&rc->eb);
	bt_buf_free(&rc->hash_scratch);
	free(rc->self);
	free(rc->buf);
	free(rc->v);
	free(rc);
}

void bt_evtx_recover_live_chunks(struct bt_evtx_recover *rc, uint64_t n)
{
	rc->live_chunks = n;
}

const struct bt_evtx_recover_counts *bt_evtx_recover_counts(const struct bt_evtx_recover *rc)
{
	return &rc->k;
}

/* Loads chunk `index` (the decoder is reset to it): false at the end of the
 * file or on a read error (errno set, then not 0). */
static bool load(struct bt_evtx_recover *rc, uint64_t index)
{
	if (rc->chunk_index == index)
		return true;
	rc->chunk_index = UINT64_MAX;
	errno = 0;
	ssize_t n = bt_evtx_chunk_fetch(rc->fd, rc->mem, rc->size, index, rc->buf, &rc->chunk);
	if (n <= 0)
		return false;
	rc->chunk_n = (size_t)n;
	rc->chunk_index = index;
	bt_bx_chunk_reset(rc->cx, rc->chunk, n);
	return true;
}

static uint64_t chunk_of(uint64_t offset)
{
	return (offset - BT_EVTX_FILE_HEADER_SIZE) / BT_EVTX_CHUNK_SIZE;
}

/* FILETIMEs of 1980-01-01 and 2200-01-01. */
#define FT_1980 119600064000000000ull
#define FT_2200 189042912000000000ull

static const uint8_t unrec_of[BT_BX_RF_COUNT] = {
	[BT_BX_RF_NONE] = BT_UNREC_MALFORMED,
	[BT_BX_RF_NO_TEMPLATE] = BT_UNREC_NO_TEMPLATE,
	[BT_BX_RF_AMBIGUOUS] = BT_UNREC_AMBIGUOUS,
	[BT_BX_RF_MISFIT] = BT_UNREC_MISFIT,
	[BT_BX_RF_MALFORMED] = BT_UNREC_MALFORMED,
	[BT_BX_RF_INCOMPLETE] = BT_UNREC_INCOMPLETE,
};

/* Decodes candidate `c` into `eb`: BT_OK, or BT_ERR_FORMAT with c->why set
 * (and the store asked for a missing template id), or BT_ERR_IO. */
static enum bt_status decode(struct bt_evtx_recover *rc, struct cand *c, struct bt_evbuf *eb,
                             uint8_t *origin)
{
	if (c->offset < BT_EVTX_FILE_HEADER_SIZE || !load(rc, chunk_of(c->offset))) {
		if (errno)
			return BT_ERR_IO;
		c->why = BT_UNREC_HEADER;
		return BT_ERR_FORMAT;
	}
	uint32_t at = (uint32_t)((c->offset - BT_EVTX_FILE_HEADER_SIZE) % BT_EVTX_CHUNK_SIZE);
	struct bt_bx_record r;
	if (!bt_bx_record_at(rc->cx, at, (uint32_t)rc->chunk_n, &r)) {
		c->why = BT_UNREC_HEADER;
		return BT_ERR_FORMAT;
	}
	/* a header time of zero happens (the event's own time decides then) */
	if (r.id == 0 || r.id >= (1ull << 48) ||
	    (r.written && (r.written < FT_1980 || r.written >= FT_2200))) {
		c->why = BT_UNREC_IMPLAUSIBLE;
		return BT_ERR_FORMAT;
	}
	struct bt_bx_recovery rv = {.store = rc->store};
	/* the reason is not needed: rv.fail says it (formatting it cost more
	 * than the failing decode) */
	if (bt_bx_record_recover(rc->cx, &r, eb, &rv, NULL, 0) != BT_OK) {
		c->why = unrec_of[rv.fail];
		c->tid = rv.missing_tid;
		return BT_ERR_FORMAT;
	}
	bt_time t = eb->ev.time;
	if (t == BT_TIME_NONE || t < (bt_time)FT_1980 || t >= (bt_time)FT_2200) {
		c->why = BT_UNREC_IMPLAUSIBLE;
		return BT_ERR_FORMAT;
	}
	c->size = r.size;
	if (origin)
		*origin = rv.other_file ? O_OTHER_FILE : rv.elsewhere ? O_FILE : O_IN_PLACE;
	return BT_OK;
}

/* A key of the members a copy shares with its record (cheap to decode: no
 * field is needed). */
static uint64_t member_key(const struct bt_event *ev)
{
	uint64_t h = ((uint64_t)ev->event_id * 0x9E3779B97F4A7C15ULL) ^ ev->record_id;
	h = (h ^ (uint64_t)ev->time) * 0xBF58476D1CE4E5B9ULL;
	return h ^ (h >> 31);
}

static bool want_no_fields(void *ctx, const struct bt_event *ev)
{
	(void)ctx;
	(void)ev;
	return false;
}

/* Decodes every candidate in state `from`: C_OK (identity kept), C_WAIT (its
 * template id is asked for), C_BAD (reason kept). A candidate inside one
 * found whole before it is no record of its own. */
static enum bt_status classify(struct bt_evtx_recover *rc, uint8_t from, bool final)
{
	uint64_t whole_end = 0;
	for (size_t i = 0; i < rc->n; i++) {
		struct cand *c = &rc->v[i];
		if (c->state == C_OK)
			whole_end = c->offset + c->size;
		if (c->state != from)
			continue;
		if (c->offset < whole_end) {
			c->state = C_INSIDE;
			continue;
		}
		/* waiting for an id still not found: decoding again changes nothing */
		if (from == C_WAIT && !bt_bx_tstore_settled(rc->store, c->tid)) {
			if (final)
				c->state = C_BAD;
			continue;
		}
		enum bt_status st = decode(rc, c, &rc->eb, &c->origin);
		if (st == BT_ERR_IO)
			return st;
		if (st == BT_OK) {
			c->state = C_OK;
			c->identity = bt_event_content_hash(&rc->eb.ev, &rc->hash_scratch);
			c->members = member_key(&rc->eb.ev);
			whole_end = c->offset + c->size;
		} else {
			c->state = c->why == BT_UNREC_NO_TEMPLATE && !final ? C_WAIT : C_BAD;
		}
	}
	return BT_OK;
}

/* A sorted set of identities. */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct kind {
	uint64_t identity;
	size_t index;           /* candidates are in file order: the first of a kind */
};

static int cmp_kind(const void *a, const void *b)
{
	const struct kind *x = a, *y = b;
	if (x->identity != y->identity)
		return x->identity < y->identity ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static bool in_set(const uint64_t *v, size_t n, uint64_t x)
{
	return n && bsearch(&x, v, n, sizeof *v, cmp_u64) != NULL;
}

/* A bit per hash of the ids a sorted set holds: most live records' ids are
 * none of the candidates' (a slack record is mostly an older one, whose id
 * the live records no longer have), and one probe tells so without a
 * search. */
struct idfilter {
	uint64_t *bits;
	unsigned shift;         /* 64 - log2(number of bits) */
};

static size_t filter_bit(const struct idfilter *f, uint64_t id)
{
	return (size_t)((id * 0x9E3779B97F4A7C15ULL) >> f->shift);
}

/* Eight bits or more per id (at most one in eight others passes). */
static bool filter_init(struct idfilter *f, const uint64_t *ids, size_t n)
{
	unsigned lg = 9;
	while (lg < 30 && ((size_t)1 << lg) < 8 * n)
		lg++;
	f->shift = 64 - lg;
	if (!(f->bits = calloc(((size_t)1 << lg) / 64, sizeof *f->bits)))
		return false;
	for (size_t i = 0; i < n; i++) {
		size_t b = filter_bit(f, ids[i]);
		f->bits[b / 64] |= 1ULL << (b % 64);
	}
	return true;
}

static bool filter_may(const struct idfilter *f, uint64_t id)
{
	size_t b = filter_bit(f, id);
	return (f->bits[b / 64] >> (b % 64)) & 1;
}

/* Marks as copies the candidates whose content is that of a live record, or
 * of a candidate before them. Only live records whose id some candidate has
 * are decoded (after a clear ids repeat, so the content decides). */
static enum bt_status find_copies(struct bt_evtx_recover *rc)
{
	size_t nok = 0;
	for (size_t i = 0; i < rc->n; i++)
		nok += rc->v[i].state == C_OK;
	if (!nok)
		return BT_OK;
	uint64_t *ids = malloc(nok * sizeof *ids);
	uint64_t *mkeys = malloc(nok * sizeof *mkeys);
	uint64_t *live = NULL;
	struct kind *kinds = NULL;
	struct idfilter idf = {NULL, 0};
	size_t nlive = 0, live_cap = 0;
	enum bt_status st = BT_OK;
	if (!ids || !mkeys) {
		free(ids);
		free(mkeys);
		return BT_ERR_NOMEM;
	}
	/* the candidates' record ids, read again from their headers */
	size_t nid = 0;
	for (size_t i = 0; i < rc->n; i++) {
		struct cand *c = &rc->v[i];
		if (c->state != C_OK)
			continue;
		if (!load(rc, chunk_of(c->offset))) {
			st = errno ? BT_ERR_IO : BT_OK;
			goto out;
		}
		uint32_t at = (uint32_t)((c->offset - BT_EVTX_FILE_HEADER_SIZE) % BT_EVTX_CHUNK_SIZE);
		mkeys[nid] = c->members;
		ids[nid++] = bt_le64(rc->chunk + at + 8);
	}
	qsort(ids, nid, sizeof *ids, cmp_u64);
	qsort(mkeys, nid, sizeof *mkeys, cmp_u64);
	if (!filter_init(&idf, ids, nid)) {
		st = BT_ERR_NOMEM;
		goto out;
	}
	/* the live records with those ids */
	for (uint64_t ci = 0; ci < rc->live_chunks; ci++) {
		if (!load(rc, ci)) {
			if (errno)
				st = BT_ERR_IO;
			break;
		}
		if (rc->chunk_n < BT_EVTX_CHUNK_HEADER_SIZE || memcmp(rc->chunk, "ElfChnk", 8) != 0)
			continue;
		uint32_t end = bt_evtx_chunk_records_end(rc->chunk, rc->chunk_n);
		uint32_t pos = BT_EVTX_CHUNK_HEADER_SIZE;
		struct bt_bx_record r;
		char why[200];
		while (pos < end && bt_bx_record_at(rc->cx, pos, end, &r)) {
			pos = r.offset + r.size;
			if (!filter_may(&idf, r.id) || !in_set(ids, nid, r.id))
				continue;
			/* the members first: a record with other ones is no copy's */
			if (bt_bx_record_decode(rc->cx, &r, &rc->eb, want_no_fields, NULL, why,
			                        sizeof why) != BT_OK ||
			    !in_set(mkeys, nid, member_key(&rc->eb.ev)))
				continue;
			if (bt_bx_record_decode(rc->cx, &r, &rc->eb, NULL, NULL, why, sizeof why) != BT_OK)
				continue;
			if (!bt_array_reserve(&live, &live_cap, nlive, sizeof *live, 64)) {
				st = BT_ERR_NOMEM;
				goto out;
			}
			live[nlive++] = bt_event_content_hash(&rc->eb.ev, &rc->hash_scratch);
		}
	}
	if (nlive)
		qsort(live, nlive, sizeof *live, cmp_u64);
	/* copies of live records; then of a candidate before them (sorted by
	 * content, then file order: the first of a kind is given) */
	kinds = malloc(nok * sizeof *kinds);
	if (!kinds) {
		st = BT_ERR_NOMEM;
		goto out;
	}
	size_t nk = 0;
	for (size_t i = 0; i < rc->n; i++) {
		struct cand *c = &rc->v[i];
		if (c->state != C_OK)
			continue;
		if (in_set(live, nlive, c->identity))
			c->state = C_COPY;
		else
			kinds[nk++] = (struct kind){c->identity, i};
	}
	qsort(kinds, nk, sizeof *kinds, cmp_kind);
	for (size_t j = 1; j < nk; j++)
		if (kinds[j].identity == kinds[j - 1].identity)
			rc->v[kinds[j].index].state = C_COPY;
out:
	free(idf.bits);
	free(ids);
	free(mkeys);
	free(live);
	free(kinds);
	rc->chunk_index = UINT64_MAX;
	return st;
}

static enum bt_status prepare(struct bt_evtx_recover *rc)
{
	rc->prepared = true;
	enum bt_status st = classify(rc, C_NEW, false);
	if (st != BT_OK)
		return st;
	/* templates not in place: looked for through the whole file, then in
	 * the other files of the channel; again while records that now decode
	 * further name ids not asked for before (a payload template inside a
	 * System template's values) */
	char channel[256] = "";
	bool have_channel = false;
	size_t asked = 0;
	for (int round = 0; round <= BT_BX_MAX_NEST; round++) {
		size_t now = bt_bx_tstore_asked(rc->store);
		if (!bt_bx_tstore_missing(rc->store) || now == asked)
			break;
		asked = now;
		if (!rc->hx && !(rc->hx = bt_bx_chunk_new()))
			return BT_ERR_NOMEM;
		for (uint64_t ci = 0; bt_bx_tstore_missing(rc->store); ci++) {
			/* a chunk looked through in a round before, with nothing for
			 * the ids asked for since, is not read again */
			if (!bt_bx_tstore_needs(rc->store, ci))
				continue;
			if (!load(rc, ci)) {
				if (errno)
					st = BT_ERR_IO;
				break;
			}
			bt_bx_tstore_harvest_kept(rc->store, rc->hx, ci, rc->chunk, rc->chunk_n);
		}
		rc->chunk_index = UINT64_MAX;
		if (st != BT_OK)
			return st;
		if (bt_bx_tstore_missing(rc->store) && rc->donors) {
			if (!have_channel) {
				bt_evtx_file_channel(rc->hx, rc->fd, rc->mem, rc->size, channel,
				                     sizeof channel);
				have_channel = true;
			}
			bt_evtx_donors_lookup(rc->donors, rc->self, channel, rc->store);
		}
		if ((st = classify(rc, C_WAIT, false)) != BT_OK)
			return st;
	}
	st = classify(rc, C_WAIT, true);
	if (st != BT_OK)
		return st;
	st = find_copies(rc);
	for (size_t i = 0; i < rc->n; i++) {
		const struct cand *c = &rc->v[i];
		if (c->state == C_BAD)
			rc->k.unrecoverable[c->why]++;
		else if (c->state == C_INSIDE)
			rc->k.inside++;
		else if (c->state == C_COPY)
			rc->k.copies++;
	}
	return st;
}

enum bt_status bt_evtx_recover_next(struct bt_evtx_recover *rc, struct bt_evbuf *eb,
                                    const struct bt_event **ev)
{
	if (!rc->prepared) {
		enum bt_status st = prepare(rc);
		if (st != BT_OK) {
			rc->next = rc->n;
			return st;
		}
	}
	while (rc->next < rc->n) {
		struct cand *c = &rc->v[rc->next++];
		if (c->state != C_OK)
			continue;
		uint8_t origin = O_IN_PLACE;
		enum bt_status st = decode(rc, c, eb, &origin);
		if (st == BT_ERR_IO) {
			rc->next = rc->n;
			return st;
		}
		if (st != BT_OK) {
			/* decoded before: cannot happen, but never give it unchecked */
			rc->k.unrecoverable[c->why]++;
			continue;
		}
		eb->ev.flags |= BT_EV_RECOVERED;
		if (origin == O_FILE)
			eb->ev.flags |= BT_EV_TEMPLATE_ELSEWHERE;
		else if (origin == O_OTHER_FILE)
			eb->ev.flags |= BT_EV_TEMPLATE_OTHER_FILE;
		eb->ev.offset = c->offset;
		rc->k.recovered++;
		rc->k.elsewhere += origin == O_FILE;
		rc->k.other_file += origin == O_OTHER_FILE;
		*ev = bt_evbuf_done(eb);
		return BT_OK;
	}
	return BT_EOF;
}

void bt_evtx_recover_each(const struct bt_evtx_recover *rc,
                          void (*fn)(void *ctx, uint64_t offset, const char *outcome), void *ctx)
{
	for (size_t i = 0; i < rc->n; i++) {
		const struct cand *c = &rc->v[i];
		const char *o = c->state == C_OK     ? (c->origin == O_FILE ? "recovered, template elsewhere"
		                                        : c->origin == O_OTHER_FILE
		                                            ? "recovered, template in another file"
		                                            : "recovered")
		                : c->state == C_COPY   ? "copy"
		                : c->state == C_INSIDE ? "inside a record"
		                : c->state == C_BAD    ? bt_evtx_unrec_str(c->why)
		                                       : "not looked at";
		fn(ctx, c->offset, o);
	}
}

void bt_evtx_recover_summary(const struct bt_evtx_recover_counts *k, char *out, size_t cap)
{
	uint64_t records = k->candidates - k->inside;
	int n = snprintf(out, cap, "%llu of %llu record%s outside the live records recovered",
	                 (unsigned long long)k->recovered, (unsigned long long)records,
	                 records == 1 ? "" : "s");
	if (k->elsewhere && n > 0 && (size_t)n < cap)
		n += snprintf(out + n, cap - (size_t)n, " (%llu with a template found elsewhere in the file)",
		              (unsigned long long)k->elsewhere);
	if (k->other_file && n > 0 && (size_t)n < cap)
		n += snprintf(out + n, cap - (size_t)n,
		              " (%llu with a template from another file of the channel)",
		              (unsigned long long)k->other_file);
	if (k->copies && n > 0 && (size_t)n < cap)
		n += snprintf(out + n, cap - (size_t)n, ", %llu cop%s of records given once",
		              (unsigned long long)k->copies, k->copies == 1 ? "y" : "ies");
	uint64_t bad = 0;
	for (int r = 0; r < BT_UNREC_COUNT; r++)
		bad += k->unrecoverable[r];
	if (!bad)
		return;
	if (n > 0 && (size_t)n < cap)
		n += snprintf(out + n, cap - (size_t)n, ", %llu not recoverable:",
		              (unsigned long long)bad);
	const char *sep = " ";
	for (int r = 0; r < BT_UNREC_COUNT; r++) {
		if (!k->unrecoverable[r] || n < 0 || (size_t)n >= cap)
			continue;
		n += snprintf(out + n, cap - (size_t)n, "%s%llu %s", sep,
		              (unsigned long long)k->unrecoverable[r], bt_evtx_unrec_str(r));
		sep = ", ";
	}
}
