/* evtxgen history: EVTX files with a past, for tests of slack-space recovery,
 * and a truth file saying what lies where (tests/tools/README.md).
 *
 * Two inputs, OLD and NEW, go through ordinary writers whose chunks land in
 * file slots. A later chunk in a slot overwrites the slot from its start up to
 * its own free-space offset, as Windows does when it reuses a chunk after
 * `wevtutil cl` or when a log wraps: what an older chunk had written after that
 * offset stays in slack. The truth is computed from the bytes: a record is
 * intact when every one of its bytes is still the one written, and a record in
 * slack is recoverable when both its templates (System and payload) have a
 * usable definition, found the way a reader must find it: at the offset the
 * record names when the definition there is intact and has the record's
 * template id, else by id in any intact record of the file (a definition left
 * in the tail of an overwritten record counts only at a named offset: a reader
 * that reads records does not see it otherwise). History writers define every
 * template with its names inline (eg_writer_opts.inline_names): with names
 * shared across a chunk, an old definition whose names were overwritten would
 * render wrong names that a reader could not tell from right ones. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtxgen.h"

enum scenario { SC_CLEARED, SC_WRAPPED, SC_PAST_COUNT, SC_BROKEN, SC_MIXED };
static const char *const scenario_names[] = {"cleared", "wrapped", "past-count", "broken",
                                             "mixed", NULL};

enum state { ST_LIVE, ST_RECOVERABLE, ST_BROKEN, ST_OVERWRITTEN, ST_GONE };
static const char *const state_names[] = {"live", "recoverable", "broken", "overwritten", "gone"};

/* How a template was found, nearest first. */
enum found { F_IN_PLACE, F_SAME_CHUNK, F_OTHER_CHUNK, F_NONE };
static const char *const found_names[] = {"in-place", "same-chunk", "other-chunk", "none"};

struct chunk {                 /* a chunk as a writer finished it */
	uint32_t slot;
	uint8_t *bytes;
	uint32_t free_off;
};

struct rec {
	struct eg_record_info ri;
	uint32_t c;                /* index into h->chunks */
	int input;                 /* 0 OLD, 1 NEW */
	unsigned long line;
	char *event;               /* resolved JSON */
	enum state state;
	const char *where, *reason;
	enum found found[2];
	bool gives_defs;           /* its inline definitions count */
};

struct history {
	enum scenario sc;
	struct chunk *chunks;
	size_t nchunks, capchunks;
	struct rec *recs;
	size_t nrecs, caprecs;
	uint32_t slot_base, ring;  /* slot of a writer's chunk i: (base + i) mod ring */
	uint32_t nslots, file_slots, listed;
	uint8_t *final;            /* nslots * EG_CHUNK_SIZE */
	uint32_t *top;             /* per slot: the chunk written last */
	uint64_t file_size;        /* bytes written (a cut tail makes it shorter) */
	uint32_t bad_crc;          /* slot whose header CRC is made wrong, or UINT32_MAX */
	char *err;
};

static uint64_t file_off(uint32_t slot, uint32_t off)
{
	return EG_FILE_HEADER_SIZE + (uint64_t)slot * EG_CHUNK_SIZE + off;
}

static int sink(void *arg, uint32_t index, const uint8_t *chunk, char *err)
{
	struct history *h = arg;
	if (h->nchunks == h->capchunks) {
		size_t cap = h->capchunks ? 2 * h->capchunks : 16;
		struct chunk *c = realloc(h->chunks, cap * sizeof *c);
		if (!c) {
			snprintf(err, EG_ERR_SIZE, "out of memory");
			return -1;
		}
		h->chunks = c;
		h->capchunks = cap;
	}
	struct chunk *c = &h->chunks[h->nchunks];
	uint32_t slot = h->slot_base + index;
	if (h->ring)
		slot %= h->ring;
	if (slot >= EG_MAX_CHUNKS || !(c->bytes = malloc(EG_CHUNK_SIZE))) {
		snprintf(err, EG_ERR_SIZE, slot >= EG_MAX_CHUNKS ? "too many chunks" : "out of memory");
		return -1;
	}
	memcpy(c->bytes, chunk, EG_CHUNK_SIZE);
	c->slot = slot;
	c->free_off = eg_get32(chunk + 48);
	h->nchunks++;
	return 0;
}

static struct rec *new_rec(struct history *h)
{
	if (h->nrecs == h->caprecs) {
		size_t cap = h->caprecs ? 2 * h->caprecs : 256;
		struct rec *r = realloc(h->recs, cap * sizeof *r);
		if (!r)
			return NULL;
		h->recs = r;
		h->caprecs = cap;
	}
	struct rec *r = &h->recs[h->nrecs++];
	memset(r, 0, sizeof *r);
	return r;
}

/* Writes the events of `path` with `w`; their chunks are numbered from
 * `chunk0` in h->chunks. */
static int add_file(struct history *h, struct eg_writer *w, const char *path, int input,
                    size_t chunk0)
{
	struct eg_json_reader *jr = eg_json_open(path, h->err);
	if (!jr)
		return -1;
	struct eg_event ev;
	char werr[EG_ERR_SIZE];
	int n, rc = 0;
	while ((n = eg_json_next(jr, &ev, h->err)) > 0) {
		int a = eg_writer_add(w, &ev, werr);
		if (a != 0) {
			snprintf(h->err, EG_ERR_SIZE, "%.60s:%lu: %.180s", path, eg_json_lineno(jr),
			         a > 0 ? "the file is full (65535 chunks)" : werr);
			rc = -1;
			break;
		}
		const struct eg_record_info *ri = eg_writer_last(w);
		struct rec *r = new_rec(h);
		if (!r || !(r->event = eg_json_resolved(jr, ri->id))) {
			snprintf(h->err, EG_ERR_SIZE, "out of memory");
			rc = -1;
			break;
		}
		r->ri = *ri;
		r->c = (uint32_t)(chunk0 + ri->chunk);
		r->input = input;
		r->line = eg_json_lineno(jr);
	}
	if (n < 0)
		rc = -1;
	eg_json_close(jr);
	return rc;
}

static struct eg_writer *open_writer(struct history *h, uint32_t per_chunk)
{
	struct eg_writer_opts o = {
		.max_records_per_chunk = per_chunk, .inline_names = true,
		.chunk_sink = sink, .sink_arg = h,
	};
	return eg_writer_open(NULL, &o, h->err);
}

static int close_writer(struct history *h, struct eg_writer *w, int rc)
{
	char err[EG_ERR_SIZE];
	if (eg_writer_close(w, err) < 0 && rc == 0) {
		snprintf(h->err, EG_ERR_SIZE, "%s", err);
		rc = -1;
	}
	return rc;
}

/* ---- the truth */

static const uint8_t *final_at(const struct history *h, uint32_t slot)
{
	return h->final + (size_t)slot * EG_CHUNK_SIZE;
}

static bool in_file(const struct history *h, uint32_t slot, uint32_t off, uint32_t len)
{
	return slot < h->file_slots && file_off(slot, off) + len <= h->file_size;
}

/* Are the bytes [off, off+len) of chunk c still those it wrote? */
static bool intact(const struct history *h, uint32_t c, uint32_t off, uint32_t len)
{
	const struct chunk *ch = &h->chunks[c];
	return in_file(h, ch->slot, off, len) &&
	       memcmp(final_at(h, ch->slot) + off, ch->bytes + off, len) == 0;
}

static uint32_t rec_slot(const struct history *h, const struct rec *r)
{
	return h->chunks[r->c].slot;
}

static bool has_tpl(const struct eg_template_use *u)
{
	static const uint8_t zero[16];
	return memcmp(u->guid, zero, 16) != 0;
}

/* Finds a usable definition of u's template as a reader must: the one at the
 * named offset when its bytes from the GUID on are intact (whether or not the
 * record around it is), else one inside an intact record anywhere. */
static enum found resolve(const struct history *h, uint32_t slot, const struct eg_template_use *u)
{
	enum found best = F_NONE;
	for (size_t i = 0; i < h->nrecs; i++) {
		const struct rec *d = &h->recs[i];
		for (int k = 0; k < 2; k++) {
			const struct eg_template_use *t = &d->ri.tpl[k];
			if (!t->defined || memcmp(t->guid, u->guid, 16) != 0)
				continue;
			uint32_t s = rec_slot(h, d);
			if (s == slot && t->named == u->named &&
			    intact(h, d->c, t->named + 4, t->def_size - 4))
				return F_IN_PLACE;
			if (!d->gives_defs)
				continue;
			enum found f = s != slot ? F_OTHER_CHUNK
			               : t->named == u->named ? F_IN_PLACE : F_SAME_CHUNK;
			if (f < best)
				best = f;
		}
	}
	return best;
}

static bool has_payload(const struct rec *r) { return has_tpl(&r->ri.tpl[1]); }

static void classify(struct history *h)
{
	/* intact records first: their definitions are the usable ones */
	for (size_t i = 0; i < h->nrecs; i++) {
		struct rec *r = &h->recs[i];
		uint32_t slot = rec_slot(h, r);
		bool top = h->top[slot] == r->c;
		if (!in_file(h, slot, r->ri.offset, 8)) {
			r->state = ST_GONE;
			r->reason = slot < h->file_slots ? "past-file-end" : "chunk-not-in-file";
			continue;
		}
		if (!in_file(h, slot, r->ri.offset, r->ri.size)) {
			r->state = ST_BROKEN;
			r->reason = "cut-by-file-end";
			r->where = "file-tail";
			continue;
		}
		if (!intact(h, r->c, r->ri.offset, r->ri.size)) {
			r->state = ST_OVERWRITTEN;
			continue;
		}
		r->gives_defs = true;
		if (top && slot < h->listed && slot != h->bad_crc) {
			r->state = ST_LIVE;
			r->where = "live";
		} else {
			r->state = ST_RECOVERABLE;     /* until its templates are looked for */
			r->where = !top ? "slack"
			           : slot == h->bad_crc ? "bad-header-crc"
			           : h->file_size < file_off(slot + 1, 0) ? "file-tail" : "past-count";
		}
	}
	for (size_t i = 0; i < h->nrecs; i++) {
		struct rec *r = &h->recs[i];
		if (r->state != ST_RECOVERABLE && r->state != ST_LIVE)
			continue;
		uint32_t slot = rec_slot(h, r);
		r->found[0] = resolve(h, slot, &r->ri.tpl[0]);
		r->found[1] = has_payload(r) ? resolve(h, slot, &r->ri.tpl[1]) : F_IN_PLACE;
		if (r->state == ST_RECOVERABLE && (r->found[0] == F_NONE || r->found[1] == F_NONE)) {
			r->state = ST_BROKEN;
			r->reason = r->found[0] != F_NONE ? "payload-template-not-in-file"
			            : r->found[1] != F_NONE ? "system-template-not-in-file"
			            : "templates-not-in-file";
		}
	}
}

/* A definition that survives only in an overwritten record: a reader that
 * scans raw bytes could use it, one that reads records could not. The truth
 * would be ambiguous, so say so. */
static int warn_orphans(const struct history *h)
{
	int n = 0;
	for (size_t i = 0; i < h->nrecs; i++) {
		const struct rec *r = &h->recs[i];
		if (r->state != ST_BROKEN || !r->reason || !strstr(r->reason, "not-in-file"))
			continue;
		for (size_t j = 0; j < h->nrecs; j++) {
			const struct rec *d = &h->recs[j];
			if (d->state != ST_OVERWRITTEN)
				continue;
			for (int k = 0; k < 2; k++) {
				const struct eg_template_use *t = &d->ri.tpl[k];
				for (int q = 0; q < 2; q++) {
					if (!t->defined || r->found[q] != F_NONE ||
					    memcmp(t->guid, r->ri.tpl[q].guid, 16) != 0 ||
					    !intact(h, d->c, t->named, t->def_size))
						continue;
					fprintf(stderr, "evtxgen: warning: the template of the record at %llu "
					        "survives only in the overwritten record at %llu\n",
					        (unsigned long long)file_off(rec_slot(h, r), r->ri.offset),
					        (unsigned long long)file_off(rec_slot(h, d), d->ri.offset));
					n++;
				}
			}
		}
	}
	return n;
}

/* ---- deliberate damage to records in slack (scenarios broken and mixed) */

enum breakage { B_TEMPLATE_ID, B_VALUE_TYPE, B_VALUE_COUNT, B_SIZE_COPY, B_PAST_CHUNK, NBREAK };
static const char *const break_names[] = {
	"template-id-unknown", "value-type-mismatch", "value-count-mismatch",
	"size-copy-mismatch", "runs-past-chunk",
};

static uint8_t *rec_bytes(struct history *h, const struct rec *r)
{
	return h->final + (size_t)rec_slot(h, r) * EG_CHUNK_SIZE;
}

/* The payload value a type change can be made on: an integer-like value
 * whose bytes also make a UTF-16 string. -1 if none. */
static int retypable_value(struct history *h, const struct rec *r)
{
	const uint8_t *c = rec_bytes(h, r);
	uint32_t pv = r->ri.payload_values, n = eg_get32(c + pv);
	for (uint32_t k = 0; k < n && k < 1024; k++) {
		uint16_t size = eg_get16(c + pv + 4 + 4 * k);
		uint8_t type = c[pv + 4 + 4 * k + 2];
		bool intlike = (type >= EG_VT_INT8 && type <= EG_VT_UINT64) ||
		               type == EG_VT_HEXINT32 || type == EG_VT_HEXINT64 || type == EG_VT_BOOL;
		if (intlike && size >= 2 && size % 2 == 0)
			return (int)k;
	}
	return -1;
}

static bool fits(struct history *h, const struct rec *r, enum breakage b)
{
	if (r->state != ST_RECOVERABLE || strcmp(r->where, "slack") != 0 || r->ri.tpl[0].defined ||
	    r->ri.tpl[1].defined || !has_payload(r))
		return false;
	switch (b) {
	case B_VALUE_TYPE:
		return retypable_value(h, r) >= 0;
	case B_VALUE_COUNT:
		return eg_get32(rec_bytes(h, r) + r->ri.payload_values) >= 2;
	default:
		return true;
	}
}

static uint32_t template_id_unused(const struct history *h, uint32_t id)
{
	for (id ^= 0xa5a5a5a5u;; id++) {
		bool used = false;
		for (size_t i = 0; i < h->nrecs && !used; i++)
			for (int k = 0; k < 2; k++)
				used |= has_tpl(&h->recs[i].ri.tpl[k]) &&
				        eg_get32(h->recs[i].ri.tpl[k].guid) == id;
		if (!used)
			return id;
	}
}

/* The template declares n substitutions, the record now carries n - 1: the
 * last value goes, the rest moves up, zeros fill the gap before the size
 * copy so every size stays consistent. */
static void drop_last_value(struct history *h, const struct rec *r)
{
	uint8_t *c = rec_bytes(h, r);
	uint32_t pv = r->ri.payload_values, n = eg_get32(c + pv), sum = 0;
	for (uint32_t k = 0; k < n; k++)
		sum += eg_get16(c + pv + 4 + 4 * k);
	uint32_t last = eg_get16(c + pv + 4 + 4 * (n - 1));
	uint32_t data = pv + 4 + 4 * n, end_data = data + sum;
	uint32_t end = r->ri.offset + r->ri.size - 4, removed = 4 + last;
	eg_put32(c + pv, n - 1);
	/* descriptors 0..n-2 stay; data 0..n-2 moves up over descriptor n-1 */
	memmove(c + data - 4, c + data, sum - last);
	/* the payload's EOF, the record's EOF and padding follow */
	memmove(c + end_data - removed, c + end_data, end - end_data);
	memset(c + end - removed, 0, removed);
	uint32_t d = r->ri.values + 4 + 4u * r->ri.payload_index;
	eg_put16(c + d, (uint16_t)(eg_get16(c + d) - removed));
}

static void apply_break(struct history *h, struct rec *r, enum breakage b)
{
	uint8_t *c = rec_bytes(h, r);
	uint32_t off = r->ri.offset;
	switch (b) {
	case B_TEMPLATE_ID: {
		uint32_t at = r->ri.tpl[1].token + 2;
		eg_put32(c + at, template_id_unused(h, eg_get32(c + at)));
		break;
	}
	case B_VALUE_TYPE:
		c[r->ri.payload_values + 4 + 4 * (uint32_t)retypable_value(h, r) + 2] = EG_VT_STRING;
		break;
	case B_VALUE_COUNT:
		drop_last_value(h, r);
		break;
	case B_SIZE_COPY:
		eg_put32(c + off + r->ri.size - 4, r->ri.size + 8);
		break;
	case B_PAST_CHUNK:
		eg_put32(c + off + 4, EG_CHUNK_SIZE - off + 8);
		break;
	default:
		break;
	}
	r->state = ST_BROKEN;
	r->reason = break_names[b];
}

/* One victim per kind, recoverable records in slack that define no template
 * (so nothing else depends on them), preferring records whose templates are
 * both in place: a reader that trusted the named offset would emit them. */
static int break_records(struct history *h)
{
	for (int b = 0; b < NBREAK; b++) {
		struct rec *pick = NULL;
		for (int pass = 0; pass < 3 && !pick; pass++) {
			for (size_t i = 0; i < h->nrecs; i++) {
				struct rec *r = &h->recs[i];
				if (!fits(h, r, (enum breakage)b))
					continue;
				if (pass < 2 && (r->found[0] != F_IN_PLACE || r->found[1] != F_IN_PLACE))
					continue;
				if (b == B_PAST_CHUNK && pass == 0) {
					/* best the last record in slack of its chunk, like a record
					 * cut by the chunk end: nothing after it to skip */
					bool later = false;
					for (size_t j = 0; j < h->nrecs; j++) {
						const struct rec *q = &h->recs[j];
						later |= q != r && q->where && strcmp(q->where, "slack") == 0 &&
						         rec_slot(h, q) == rec_slot(h, r) && q->ri.offset > r->ri.offset;
					}
					if (later)
						continue;
				}
				pick = r;
				break;
			}
		}
		if (!pick) {
			snprintf(h->err, EG_ERR_SIZE, "no record in slack fits the damage %s: give OLD "
			         "more events that NEW does not overwrite", break_names[b]);
			return -1;
		}
		apply_break(h, pick, (enum breakage)b);
	}
	return 0;
}

/* ---- output */

static void put_guid(FILE *f, const uint8_t *g)
{
	fprintf(f, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", eg_get32(g),
	        eg_get16(g + 4), eg_get16(g + 6), g[8], g[9], g[10], g[11], g[12], g[13], g[14],
	        g[15]);
}

static void put_templates(const struct history *h, FILE *f, const struct rec *r)
{
	static const char *const level[] = {"system", "payload"};
	uint32_t slot = rec_slot(h, r);
	fprintf(f, ",\"templates\":[");
	for (int k = 0; k < 2; k++) {
		const struct eg_template_use *u = &r->ri.tpl[k];
		if (!has_tpl(u))
			continue;
		fprintf(f, "%s{\"for\":\"%s\",\"id\":\"0x%08x\",\"guid\":\"", k ? "," : "", level[k],
		        eg_get32(u->guid));
		put_guid(f, u->guid);
		fprintf(f, "\",\"named\":%llu,\"found\":\"%s\",\"defs\":[",
		        (unsigned long long)file_off(slot, u->named), found_names[r->found[k]]);
		bool first = true, other = false;
		for (size_t i = 0; i < h->nrecs; i++) {
			const struct rec *d = &h->recs[i];
			for (int q = 0; q < 2 && d->gives_defs; q++) {
				const struct eg_template_use *t = &d->ri.tpl[q];
				if (!t->defined)
					continue;
				if (rec_slot(h, d) == slot && t->named == u->named &&
				    memcmp(t->guid, u->guid, 16) != 0)
					other = true;
				if (memcmp(t->guid, u->guid, 16) != 0)
					continue;
				fprintf(f, "%s%llu", first ? "" : ",",
				        (unsigned long long)file_off(rec_slot(h, d), t->named));
				first = false;
			}
		}
		fprintf(f, "]");
		if (r->found[k] != F_IN_PLACE)
			fprintf(f, ",\"at_named\":\"%s\"", other ? "other-template" : "other-bytes");
		fprintf(f, "}");
	}
	fprintf(f, "]");
}

static int write_truth(const struct history *h, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(h->err, EG_ERR_SIZE, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < h->nrecs; i++) {
		const struct rec *r = &h->recs[i];
		uint32_t slot = rec_slot(h, r);
		fprintf(f, "{\"state\":\"%s\",\"record_id\":%llu,\"offset\":%llu,\"size\":%u,"
		        "\"chunk\":%u", state_names[r->state], (unsigned long long)r->ri.id,
		        (unsigned long long)file_off(slot, r->ri.offset), r->ri.size, slot);
		if (r->where)
			fprintf(f, ",\"where\":\"%s\"", r->where);
		if (r->state == ST_RECOVERABLE) {
			enum found worst = r->found[0] > r->found[1] ? r->found[0] : r->found[1];
			fprintf(f, ",\"template\":\"%s\"", found_names[worst]);
		}
		if (r->reason)
			fprintf(f, ",\"reason\":\"%s\"", r->reason);
		if (r->state == ST_RECOVERABLE || (r->state == ST_BROKEN && r->where &&
		                                   strcmp(r->where, "file-tail") != 0))
			put_templates(h, f, r);
		fprintf(f, ",\"input\":\"%s\",\"line\":%lu,\"event\":%s}\n", r->input ? "new" : "old",
		        r->line, r->event);
	}
	if (fclose(f) != 0) {
		snprintf(h->err, EG_ERR_SIZE, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_file(const struct history *h, const char *path, const uint8_t *header)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		snprintf(h->err, EG_ERR_SIZE, "%s: %s", path, strerror(errno));
		return -1;
	}
	uint64_t body = h->file_size - EG_FILE_HEADER_SIZE;
	bool ok = fwrite(header, EG_FILE_HEADER_SIZE, 1, f) == 1 &&
	          (body == 0 || fwrite(h->final, (size_t)body, 1, f) == 1);
	if (fclose(f) != 0 || !ok) {
		snprintf(h->err, EG_ERR_SIZE, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void summary(const struct history *h)
{
	unsigned n[5] = {0}, tpl[4] = {0};
	for (size_t i = 0; i < h->nrecs; i++) {
		const struct rec *r = &h->recs[i];
		n[r->state]++;
		if (r->state == ST_RECOVERABLE)
			tpl[r->found[0] > r->found[1] ? r->found[0] : r->found[1]]++;
	}
	printf("%s: chunks=%u listed=%u size=%llu live=%u recoverable=%u in-place=%u "
	       "same-chunk=%u other-chunk=%u broken=%u overwritten=%u gone=%u\n",
	       scenario_names[h->sc], h->file_slots, h->listed, (unsigned long long)h->file_size,
	       n[ST_LIVE], n[ST_RECOVERABLE], tpl[F_IN_PLACE], tpl[F_SAME_CHUNK],
	       tpl[F_OTHER_CHUNK], n[ST_BROKEN], n[ST_OVERWRITTEN], n[ST_GONE]);
}

/* Template ids are GUIDs' first 4 bytes: two templates sharing one would make
 * a by-id lookup ambiguous. */
static int check_ids(struct history *h)
{
	for (size_t i = 0; i < h->nrecs; i++)
		for (int k = 0; k < 2; k++)
			for (size_t j = i; j < h->nrecs; j++)
				for (int q = 0; q < 2; q++) {
					const uint8_t *a = h->recs[i].ri.tpl[k].guid, *b = h->recs[j].ri.tpl[q].guid;
					if (has_tpl(&h->recs[i].ri.tpl[k]) && has_tpl(&h->recs[j].ri.tpl[q]) &&
					    memcmp(a, b, 4) == 0 && memcmp(a, b, 16) != 0) {
						snprintf(h->err, EG_ERR_SIZE, "two templates share the id 0x%08x",
						         eg_get32(a));
						return -1;
					}
				}
	return 0;
}

struct history_opts {
	enum scenario sc;
	uint32_t per_chunk, new_per_chunk, ring, bad_crc;
	const char *old_path, *new_path, *out, *truth;
	bool quiet;
};

static int build(struct history *h, const struct history_opts *o)
{
	struct eg_writer *w;
	size_t old_chunks, new_chunks;
	uint64_t next_id = 1;
	int rc;
	bool cleared = o->sc == SC_CLEARED || o->sc == SC_BROKEN || o->sc == SC_MIXED;
	if (cleared) {
		/* the old log, then `wevtutil cl` and the new log from chunk 0 */
		if (!(w = open_writer(h, o->per_chunk)))
			return -1;
		rc = close_writer(h, w, add_file(h, w, o->old_path, 0, 0));
		old_chunks = h->nchunks;
		if (rc < 0 || !(w = open_writer(h, o->new_per_chunk)))
			return -1;
		rc = add_file(h, w, o->new_path, 1, old_chunks);
		next_id = eg_writer_last(w)->id + 1;
		if (close_writer(h, w, rc) < 0)
			return -1;
		new_chunks = h->nchunks - old_chunks;
		if (new_chunks == 0 || old_chunks == 0) {
			snprintf(h->err, EG_ERR_SIZE, "OLD and NEW need events");
			return -1;
		}
		h->listed = (uint32_t)new_chunks;
		h->file_slots = o->sc == SC_MIXED ? (uint32_t)(old_chunks > new_chunks ? old_chunks
		                                                                       : new_chunks)
		                                  : (uint32_t)new_chunks;
	} else {
		/* one log: wrapped in a ring of slots, or with chunks the header
		 * does not count (it was not updated after them) */
		h->ring = o->sc == SC_WRAPPED ? o->ring : 0;
		if (!(w = open_writer(h, o->per_chunk)))
			return -1;
		rc = add_file(h, w, o->old_path, 0, 0);
		if (rc == 0 && o->sc == SC_PAST_COUNT) {
			eg_writer_break(w);
			next_id = eg_writer_last(w)->id + 1;
		}
		if (rc == 0)
			rc = add_file(h, w, o->new_path, 1, 0);
		if (o->sc == SC_WRAPPED)
			next_id = eg_writer_last(w)->id + 1;
		if (close_writer(h, w, rc) < 0)
			return -1;
		if (o->sc == SC_WRAPPED) {
			if (h->nchunks <= h->ring) {
				snprintf(h->err, EG_ERR_SIZE, "%zu chunks did not wrap a ring of %u: give more "
				         "events or fewer --max-chunks", h->nchunks, h->ring);
				return -1;
			}
			h->listed = h->file_slots = h->ring;
		} else {
			uint32_t listed = 0;
			for (size_t i = 0; i < h->nrecs; i++)
				if (h->recs[i].input == 0 && h->recs[i].c + 1 > listed)
					listed = h->recs[i].c + 1;
			if (listed == 0 || listed == h->nchunks) {
				snprintf(h->err, EG_ERR_SIZE, "OLD and NEW need events");
				return -1;
			}
			h->listed = listed;
			h->file_slots = (uint32_t)h->nchunks;
		}
	}
	/* lay the chunks into their slots in the order they were written */
	for (size_t i = 0; i < h->nchunks; i++)
		if (h->chunks[i].slot + 1 > h->nslots)
			h->nslots = h->chunks[i].slot + 1;
	h->final = calloc(h->nslots, EG_CHUNK_SIZE);
	h->top = calloc(h->nslots, sizeof *h->top);
	if (!h->final || !h->top) {
		snprintf(h->err, EG_ERR_SIZE, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < h->nslots; i++)
		h->top[i] = UINT32_MAX;
	for (size_t i = 0; i < h->nchunks; i++) {
		const struct chunk *c = &h->chunks[i];
		bool first = h->top[c->slot] == UINT32_MAX;
		memcpy(h->final + (size_t)c->slot * EG_CHUNK_SIZE, c->bytes,
		       first ? EG_CHUNK_SIZE : c->free_off);
		h->top[c->slot] = (uint32_t)i;
	}
	h->file_size = file_off(h->file_slots, 0);
	if (o->sc == SC_MIXED && h->file_slots > h->listed) {
		/* the copy ends inside the last record of the last chunk */
		const struct rec *last = NULL;
		for (size_t i = 0; i < h->nrecs; i++)
			if (h->recs[i].c == h->top[h->file_slots - 1])
				last = &h->recs[i];
		if (last)
			h->file_size = file_off(h->file_slots - 1, last->ri.offset + last->ri.size / 2);
	}
	if (h->bad_crc != UINT32_MAX && file_off(h->bad_crc + 1, 0) > h->file_size) {
		snprintf(h->err, EG_ERR_SIZE, "--bad-header-crc: the file has no whole chunk %u",
		         h->bad_crc);
		return -1;
	}
	if (check_ids(h) < 0)
		return -1;
	classify(h);
	if ((o->sc == SC_BROKEN || o->sc == SC_MIXED) && break_records(h) < 0)
		return -1;
	warn_orphans(h);

	if (h->bad_crc != UINT32_MAX)
		h->final[(size_t)h->bad_crc * EG_CHUNK_SIZE + 124] ^= 0x01;
	uint8_t header[EG_FILE_HEADER_SIZE];
	if (o->sc == SC_WRAPPED) {
		uint32_t last = h->chunks[h->nchunks - 1].slot;
		eg_file_header(header, (last + 1) % h->ring, last, next_id, (uint16_t)h->ring, 0);
	} else {
		/* clean: a reader that trusts a dirty header less (libevtx reads every
		 * chunk of a dirty file as live) must still find the later chunks */
		eg_file_header(header, 0, h->listed - 1, next_id, (uint16_t)h->listed, 0);
	}
	if (write_file(h, o->out, header) < 0 || write_truth(h, o->truth) < 0)
		return -1;
	if (!o->quiet)
		summary(h);
	return 0;
}

static void history_free(struct history *h)
{
	for (size_t i = 0; i < h->nchunks; i++)
		free(h->chunks[i].bytes);
	for (size_t i = 0; i < h->nrecs; i++)
		free(h->recs[i].event);
	free(h->chunks);
	free(h->recs);
	free(h->final);
	free(h->top);
}

static void history_usage(FILE *f)
{
	fprintf(f,
	        "Usage: evtxgen history --scenario S --truth TRUTH.jsonl [options] OLD.jsonl NEW.jsonl "
	        "OUT.evtx\n"
	        "Writes an EVTX file with records in slack space or past the header's chunk count,\n"
	        "and TRUTH.jsonl: one line per record (state live, recoverable, broken, overwritten\n"
	        "or gone, file offset, how its templates can be found, the event that went in).\n"
	        "Scenarios:\n"
	        "  cleared     OLD, then the log is cleared and NEW written from chunk 0 over it\n"
	        "  wrapped     OLD then NEW in a ring of --max-chunks chunks that wrapped\n"
	        "  past-count  OLD in the chunks the header counts, NEW in chunks after them\n"
	        "  broken      cleared, and five records in slack damaged on purpose\n"
	        "  mixed       broken, OLD's chunks past NEW's kept past the header's count,\n"
	        "              and the file cut inside its last record\n"
	        "Options:\n"
	        "  --records-per-chunk N      close OLD's chunks after N records (default: full)\n"
	        "  --new-records-per-chunk N  the same for NEW (cleared, broken, mixed)\n"
	        "  --max-chunks N             the ring size of wrapped (required there)\n"
	        "  --bad-header-crc K         chunk K's header CRC is wrong: its records are no\n"
	        "                             longer live but recoverable\n"
	        "  --quiet                    no summary line on stdout\n");
}

int eg_history_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"scenario", required_argument, NULL, 's'},
		{"truth", required_argument, NULL, 't'},
		{"records-per-chunk", required_argument, NULL, 'r'},
		{"new-records-per-chunk", required_argument, NULL, 'n'},
		{"max-chunks", required_argument, NULL, 'c'},
		{"bad-header-crc", required_argument, NULL, 'b'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct history_opts o = {.sc = (enum scenario)-1, .bad_crc = UINT32_MAX};
	uint64_t x;
	int c;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			for (int i = 0; scenario_names[i]; i++)
				if (strcmp(optarg, scenario_names[i]) == 0)
					o.sc = (enum scenario)i;
			if ((int)o.sc < 0) {
				fprintf(stderr, "evtxgen: --scenario: cleared, wrapped, past-count, broken "
				        "or mixed\n");
				return 2;
			}
			break;
		case 't':
			o.truth = optarg;
			break;
		case 'r':
		case 'n':
			if (!eg_parse_u64(optarg, 100000, &x) || x == 0) {
				fprintf(stderr, "evtxgen: --%s: 1..100000\n",
				        c == 'r' ? "records-per-chunk" : "new-records-per-chunk");
				return 2;
			}
			*(c == 'r' ? &o.per_chunk : &o.new_per_chunk) = (uint32_t)x;
			break;
		case 'c':
			if (!eg_parse_u64(optarg, 1000, &x) || x < 2) {
				fprintf(stderr, "evtxgen: --max-chunks: 2..1000\n");
				return 2;
			}
			o.ring = (uint32_t)x;
			break;
		case 'b':
			if (!eg_parse_u64(optarg, EG_MAX_CHUNKS - 1, &x)) {
				fprintf(stderr, "evtxgen: --bad-header-crc: a chunk number from 0\n");
				return 2;
			}
			o.bad_crc = (uint32_t)x;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			history_usage(stdout);
			return 0;
		default:
			history_usage(stderr);
			return 2;
		}
	}
	if ((int)o.sc < 0 || !o.truth || argc - optind != 3 ||
	    (o.sc == SC_WRAPPED) != (o.ring != 0) ||
	    (o.new_per_chunk && o.sc != SC_CLEARED && o.sc != SC_BROKEN && o.sc != SC_MIXED)) {
		history_usage(stderr);
		return 2;
	}
	o.old_path = argv[optind];
	o.new_path = argv[optind + 1];
	o.out = argv[optind + 2];
	char err[EG_ERR_SIZE] = "";
	struct history h = {.sc = o.sc, .bad_crc = o.bad_crc, .err = err};
	int rc = build(&h, &o);
	history_free(&h);
	if (rc < 0) {
		fprintf(stderr, "evtxgen: %s\n", err);
		remove(o.out);
		return 1;
	}
	return 0;
}
