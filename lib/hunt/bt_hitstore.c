/* Sorted, spilling, de-duplicating store of matched events. */
#include "config.h"

#include "core/bt_array.h"
#include "hunt/bt_hitstore.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/bt_fd.h"

/* One stored hit: sort key, rules, packed event. */
struct entry {
	int64_t time;
	uint64_t identity;
	uint64_t file_hash;     /* of the provenance path: a deterministic tie-break */
	uint64_t offset;
	uint32_t nrules;
	uint32_t size;          /* of the packed event */
	uint32_t *rules;        /* every rule matched, no cap (owned) */
	unsigned char *blob;    /* bt_event_pack output */
};

#define ENTRY_HEAD (8 * 4 + 4 + 4)  /* time, identity, file_hash, offset, nrules, size */
#define RUN_BUF (64u * 1024)
/* a sanity bound on the spill file's counts, far above the 200,000 rules a
 * rule set holds (BT_RULESET_MAX_RULES) */
#define MAX_SPILL_RULES (1u << 24)

/* A sorted run in the spill file, read with pread through its own buffer. */
struct run {
	off_t pos, end;
	unsigned char *buf;
	size_t bstart, bend;
	struct entry cur;
	bool have;
};

struct bt_hitstore {
	pthread_mutex_t lock;
	const struct bt_diag *diag;
	size_t budget, used;
	char *tmpdir;
	struct entry *v;
	size_t n, cap;
	uint64_t added;
	int spill_fd;           /* unlinked temporary file, -1 until needed */
	off_t spill_end;
	struct run *runs;
	unsigned nruns;
	size_t next_mem;        /* reading position when nothing spilled */
	struct bt_evidence *ahead;   /* read ahead while merging duplicates */
	enum bt_status error;
};

struct bt_evidence *bt_evidence_ref(struct bt_evidence *h)
{
	h->refs++;
	return h;
}

void bt_evidence_free(struct bt_evidence *h)
{
	if (!h || --h->refs > 0)
		return;
	for (size_t i = 0; i < h->ncopies; i++)
		free(h->copies[i].file);
	free(h->ev);
	free(h->rules);
	free(h->copies);
	free(h);
}

struct bt_hitstore *bt_hitstore_new(size_t budget, const char *tmpdir, const struct bt_diag *diag)
{
	struct bt_hitstore *hs = calloc(1, sizeof *hs);
	if (!hs)
		return NULL;
	pthread_mutex_init(&hs->lock, NULL);
	hs->budget = budget ? budget : BT_HITSTORE_DEFAULT_BUDGET;
	hs->diag = diag;
	hs->spill_fd = -1;
	hs->tmpdir = strdup(tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!hs->tmpdir) {
		free(hs);
		return NULL;
	}
	return hs;
}

void bt_hitstore_free(struct bt_hitstore *hs)
{
	if (!hs)
		return;
	for (size_t i = 0; i < hs->n; i++) {
		free(hs->v[i].blob);
		free(hs->v[i].rules);
	}
	free(hs->v);
	for (unsigned i = 0; i < hs->nruns; i++) {
		free(hs->runs[i].buf);
		if (hs->runs[i].have) {
			free(hs->runs[i].cur.blob);
			free(hs->runs[i].cur.rules);
		}
	}
	free(hs->runs);
	if (hs->spill_fd >= 0)
		close(hs->spill_fd);
	bt_evidence_free(hs->ahead);
	free(hs->tmpdir);
	pthread_mutex_destroy(&hs->lock);
	free(hs);
}

uint64_t bt_hitstore_added(const struct bt_hitstore *hs)
{
	return hs->added;
}

unsigned bt_hitstore_runs(const struct bt_hitstore *hs)
{
	return hs->nruns;
}

/* Order: time, identity (copies of one record become neighbours), then the
 * provenance, so the order never depends on arrival (nor on --jobs). */
static int cmp_entry(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	if (a->identity != b->identity)
		return a->identity < b->identity ? -1 : 1;
	if (a->file_hash != b->file_hash)
		return a->file_hash < b->file_hash ? -1 : 1;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* ---- spilling ---- */

static bool write_entry(int fd, const struct entry *e, off_t *pos)
{
	unsigned char head[ENTRY_HEAD];
	memcpy(head, &e->time, 8);
	memcpy(head + 8, &e->identity, 8);
	memcpy(head + 16, &e->file_hash, 8);
	memcpy(head + 24, &e->offset, 8);
	memcpy(head + 32, &e->nrules, 4);
	memcpy(head + 36, &e->size, 4);
	return bt_write_all(fd, head, sizeof head, pos) &&
	       bt_write_all(fd, e->rules, e->nrules * sizeof e->rules[0], pos) &&
	       bt_write_all(fd, e->blob, e->size, pos);
}

static enum bt_status open_spill(struct bt_hitstore *hs)
{
	size_t n = strlen(hs->tmpdir) + sizeof "/boxtrail-hits-XXXXXX";
	char *path = malloc(n);
	if (!path)
		return BT_ERR_NOMEM;
	snprintf(path, n, "%s/boxtrail-hits-XXXXXX", hs->tmpdir);
	hs->spill_fd = mkstemp(path);
	if (hs->spill_fd < 0) {
		bt_diagf(hs->diag, BT_DIAG_ERROR, NULL, "cannot create a spill file in %s: %s",
		         hs->tmpdir, strerror(errno));
		free(path);
		return BT_ERR_IO;
	}
	unlink(path);  /* private, and gone however the run ends */
	free(path);
	return BT_OK;
}

/* Sorts what is in memory and appends it to the spill file as one run. */
static enum bt_status spill_run(struct bt_hitstore *hs)
{
	if (hs->spill_fd < 0) {
		enum bt_status st = open_spill(hs);
		if (st != BT_OK)
			return st;
	}
	if (hs->n > 1)
		qsort(hs->v, hs->n, sizeof *hs->v, cmp_entry);
	struct run *nr = realloc(hs->runs, (hs->nruns + 1) * sizeof *nr);
	if (!nr)
		return BT_ERR_NOMEM;
	hs->runs = nr;
	struct run *r = &hs->runs[hs->nruns];
	memset(r, 0, sizeof *r);
	r->pos = hs->spill_end;
	for (size_t i = 0; i < hs->n; i++) {
		if (!write_entry(hs->spill_fd, &hs->v[i], &hs->spill_end)) {
			bt_diagf(hs->diag, BT_DIAG_ERROR, NULL, "cannot write the spill file in %s: %s",
			         hs->tmpdir, strerror(errno));
			return BT_ERR_IO;
		}
		free(hs->v[i].blob);
		free(hs->v[i].rules);
		hs->v[i].blob = NULL;
		hs->v[i].rules = NULL;
	}
	r->end = hs->spill_end;
	hs->nruns++;
	hs->n = 0;
	hs->used = 0;
	return BT_OK;
}

enum bt_status bt_hitstore_add(struct bt_hitstore *hs, const struct bt_event *ev,
                               const uint32_t *rules, size_t nrules)
{
	struct entry e;
	memset(&e, 0, sizeof e);
	size_t size;
	e.blob = bt_event_pack(ev, &size);
	if (nrules > MAX_SPILL_RULES) {   /* more than a rule set holds: never cut short */
		free(e.blob);
		return BT_ERR_LIMIT;
	}
	e.nrules = (uint32_t)nrules;
	e.rules = malloc((nrules ? nrules : 1) * sizeof *e.rules);
	if (!e.blob || !e.rules || size > UINT32_MAX) {
		free(e.blob);
		free(e.rules);
		return BT_ERR_NOMEM;
	}
	if (nrules)
		memcpy(e.rules, rules, nrules * sizeof *rules);
	e.size = (uint32_t)size;
	e.time = ev->time;
	e.identity = bt_event_identity(ev);
	e.file_hash = str_hash(ev->file);
	e.offset = ev->offset;

	pthread_mutex_lock(&hs->lock);
	enum bt_status st = hs->error;
	if (st == BT_OK && hs->used + size > hs->budget && hs->n > 0)
		st = hs->error = spill_run(hs);
	if (st == BT_OK && !bt_array_reserve(&hs->v, &hs->cap, hs->n, sizeof *hs->v, 1024))
		st = hs->error = BT_ERR_NOMEM;
	if (st == BT_OK) {
		hs->v[hs->n++] = e;
		hs->used += size + sizeof e + e.nrules * sizeof *e.rules;
		hs->added++;
	} else {
		free(e.blob);
		free(e.rules);
	}
	pthread_mutex_unlock(&hs->lock);
	return st;
}

enum bt_status bt_hitstore_seal(struct bt_hitstore *hs)
{
	pthread_mutex_lock(&hs->lock);
	enum bt_status st = hs->error;
	if (st == BT_OK && hs->nruns > 0 && hs->n > 0)
		st = spill_run(hs);
	if (st == BT_OK && hs->nruns == 0 && hs->n > 1)  /* v is NULL when nothing matched */
		qsort(hs->v, hs->n, sizeof *hs->v, cmp_entry);
	for (unsigned i = 0; st == BT_OK && i < hs->nruns; i++)
		if (!(hs->runs[i].buf = malloc(RUN_BUF)))
			st = BT_ERR_NOMEM;
	hs->error = st;
	pthread_mutex_unlock(&hs->lock);
	return st;
}

/* ---- reading ---- */

/* Copies n bytes from the run into dst, refilling its buffer by pread. */
static bool run_read(int fd, struct run *r, void *dst, size_t n)
{
	unsigned char *d = dst;
	while (n) {
		if (r->bstart == r->bend) {
			if (r->pos >= r->end)
				return false;
			size_t want = RUN_BUF;
			if ((off_t)want > r->end - r->pos)
				want = (size_t)(r->end - r->pos);
			ssize_t got = pread(fd, r->buf, want, r->pos);
			if (got <= 0)
				return false;
			r->pos += got;
			r->bstart = 0;
			r->bend = (size_t)got;
		}
		size_t k = r->bend - r->bstart;
		if (k > n)
			k = n;
		memcpy(d, r->buf + r->bstart, k);
		r->bstart += k;
		d += k;
		n -= k;
	}
	return true;
}

static bool run_advance(int fd, struct run *r)
{
	struct entry *e = &r->cur;
	unsigned char head[ENTRY_HEAD];
	memset(e, 0, sizeof *e);
	if (!run_read(fd, r, head, sizeof head))
		return false;
	memcpy(&e->time, head, 8);
	memcpy(&e->identity, head + 8, 8);
	memcpy(&e->file_hash, head + 16, 8);
	memcpy(&e->offset, head + 24, 8);
	memcpy(&e->nrules, head + 32, 4);
	memcpy(&e->size, head + 36, 4);
	if (e->nrules > MAX_SPILL_RULES)
		return false;
	e->rules = malloc((e->nrules ? e->nrules : 1) * sizeof *e->rules);
	e->blob = malloc(e->size ? e->size : 1);
	if (!e->rules || !e->blob || !run_read(fd, r, e->rules, e->nrules * sizeof e->rules[0]) ||
	    !run_read(fd, r, e->blob, e->size)) {
		free(e->blob);
		free(e->rules);
		e->blob = NULL;
		e->rules = NULL;
		return false;
	}
	r->have = true;
	return true;
}

/* Takes the smallest remaining entry (ownership of its blob moves to *out). */
static bool take_entry(struct bt_hitstore *hs, struct entry *out)
{
	if (hs->nruns == 0) {
		if (hs->next_mem >= hs->n)
			return false;
		*out = hs->v[hs->next_mem];
		hs->v[hs->next_mem].rules = NULL;
		hs->v[hs->next_mem++].blob = NULL;
		return true;
	}
	int best = -1;
	for (unsigned i = 0; i < hs->nruns; i++) {
		struct run *r = &hs->runs[i];
		if (!r->have && !run_advance(hs->spill_fd, r))
			continue;
		if (best < 0 || cmp_entry(&r->cur, &hs->runs[best].cur) < 0)
			best = (int)i;
	}
	if (best < 0)
		return false;
	*out = hs->runs[best].cur;
	hs->runs[best].have = false;
	return true;
}

static struct bt_evidence *hit_from(struct entry *e)
{
	struct bt_evidence *h = calloc(1, sizeof *h);
	if (!h) {
		free(e->blob);
		free(e->rules);
		return NULL;
	}
	h->refs = 1;
	h->ev = bt_event_unpack(e->blob, e->size);
	free(e->blob);
	e->blob = NULL;
	h->rules = e->rules;   /* moves */
	e->rules = NULL;
	h->copies = calloc(BT_HIT_MAX_COPIES, sizeof *h->copies);
	if (!h->ev || !h->copies) {
		bt_evidence_free(h);
		return NULL;
	}
	h->identity = e->identity;
	h->nrules = e->nrules;
	h->bytes = sizeof *h + e->size + e->nrules * sizeof *h->rules +
	           BT_HIT_MAX_COPIES * sizeof *h->copies;
	h->copies[0] = (struct bt_prov){h->ev->file ? strdup(h->ev->file) : NULL, h->ev->record_id,
	                                h->ev->line, h->ev->offset,
	                                (h->ev->flags & BT_EV_RECOVERED) != 0};
	h->ncopies = 1;
	return h;
}

/* Folds duplicate d into h: its rules and provenance; a live copy becomes
 * the primary. d is consumed. False when out of memory (d is then kept). */
static bool merge_into(struct bt_evidence *h, struct bt_evidence *d)
{
	size_t extra = 0;
	for (size_t i = 0; i < d->nrules; i++) {
		bool have = false;
		for (size_t j = 0; j < h->nrules && !have; j++)
			have = h->rules[j] == d->rules[i];
		extra += !have;
	}
	if (extra) {
		uint32_t *nv = realloc(h->rules, (h->nrules + extra) * sizeof *nv);
		if (!nv)
			return false;
		h->rules = nv;
		size_t n0 = h->nrules;
		for (size_t i = 0; i < d->nrules; i++) {
			bool have = false;
			for (size_t j = 0; j < n0 && !have; j++)
				have = h->rules[j] == d->rules[i];
			if (!have)
				h->rules[h->nrules++] = d->rules[i];
		}
	}
	if ((h->ev->flags & BT_EV_RECOVERED) && !(d->ev->flags & BT_EV_RECOVERED)) {
		struct bt_event *t = h->ev;  /* the live record speaks for the event */
		h->ev = d->ev;
		d->ev = t;
		struct bt_prov p = h->copies[0];
		h->copies[0] = d->copies[0];
		d->copies[0] = p;
	}
	if (h->ncopies < BT_HIT_MAX_COPIES) {
		h->copies[h->ncopies++] = d->copies[0];
		d->copies[0].file = NULL;
	} else {
		h->more_copies++;
	}
	h->more_copies += d->more_copies;
	bt_evidence_free(d);
	return true;
}

enum bt_status bt_hitstore_next(struct bt_hitstore *hs, struct bt_evidence **out)
{
	if (hs->error != BT_OK)
		return hs->error;
	struct bt_evidence *h = hs->ahead;
	hs->ahead = NULL;
	struct entry e;
	if (!h) {
		if (!take_entry(hs, &e))
			return BT_EOF;
		if (!(h = hit_from(&e)))
			return hs->error = BT_ERR_NOMEM;
	}
	while (take_entry(hs, &e)) {
		struct bt_evidence *d = hit_from(&e);
		if (!d) {
			bt_evidence_free(h);
			return hs->error = BT_ERR_NOMEM;
		}
		if (d->identity == h->identity && d->ev->time == h->ev->time) {
			if (!merge_into(h, d)) {
				bt_evidence_free(d);
				bt_evidence_free(h);
				return hs->error = BT_ERR_NOMEM;
			}
		} else {
			hs->ahead = d;
			break;
		}
	}
	*out = h;
	return BT_OK;
}
