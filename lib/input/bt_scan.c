/* Parallel reading with ordered commit (see bt_scan.h). */
#include "config.h"

#include "core/bt_array.h"
#include "input/bt_scan.h"

#include "evtx/bt_evtx_donors.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#define FLUSH_AT (64u * 1024)  /* the oldest unit writes its output in pieces this big */

struct msg {
	enum bt_diag_level level;
	char *file, *text;
};

struct unit {
	size_t input;
	struct bt_part part;         /* kind 0: the whole input */
	const struct bt_reader_ops *ops;   /* the planner's reader, for a part of a split input */
	bool first_of_input, last_of_input;
	/* results */
	struct bt_buf out;
	struct msg *msgs;
	size_t nmsgs, capmsgs;
	bool direct;                 /* oldest unit: output and diagnostics go straight out */
	uint64_t dropped;            /* warnings beyond BT_SCAN_MAX_WARNINGS not kept */
	size_t nwarn;                /* warnings kept */
	enum bt_status open_status;
	struct bt_file_stats stats;
	bool opened;
	struct bt_anomaly anomalies[BT_MAX_ANOMALIES];
	size_t nanomalies;
	char *host, *channel;
	bool done;
};

struct scan {
	const struct bt_scan_input *inputs;
	const struct bt_scan_opts *o;
	const struct bt_scan_hooks *h;
	const struct bt_scan_report *r;
	struct unit *u;
	size_t nu;
	size_t out_cap;
	pthread_mutex_t lock;
	pthread_cond_t changed;      /* a unit is done, the head moved or space freed */
	size_t next;                 /* next unit to start */
	size_t head;                 /* oldest unit not yet committed */
	size_t window;               /* units in flight at most */
	enum bt_status error;
	/* warnings of the input being committed: the first BT_SCAN_MAX_WARNINGS
	 * are shown, the rest counted (one line at the input's end) */
	size_t in_warn;
	uint64_t in_dropped;
	/* the EVTX inputs lend each other templates for recovery */
	struct bt_evtx_donors *donors;
};

/* Shows a diagnostic, within the current input's warning cap. */
static void emit(struct scan *s, enum bt_diag_level level, const char *file, const char *text)
{
	if (level == BT_DIAG_WARN) {
		if (s->in_warn >= BT_SCAN_MAX_WARNINGS) {
			s->in_dropped++;
			return;
		}
		s->in_warn++;
	}
	bt_diagf(&s->o->in->read.diag, level, file, "%s", text);
}

unsigned bt_scan_default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

/* ---- planning ---- */

static bool add_unit(struct scan *s, size_t *cap, struct unit u)
{
	if (!bt_array_reserve(&s->u, cap, s->nu, sizeof *s->u, 64))
		return false;
	s->u[s->nu++] = u;
	return true;
}

struct planning {
	struct scan *s;
	size_t *cap;
	size_t input;
	size_t parts;
};

static bool add_part(void *ctx, const struct bt_part *p)
{
	struct planning *pl = ctx;
	struct unit u;
	memset(&u, 0, sizeof u);
	u.input = pl->input;
	u.part = *p;
	u.first_of_input = pl->parts == 0;
	if (!add_unit(pl->s, pl->cap, u))
		return false;
	pl->parts++;
	return true;
}

/* Cuts the inputs into units: a whole input, or the parts its reader plans
 * for it (a large EVTX file: ranges of chunks and a recovered part). */
static bool plan(struct scan *s, size_t n)
{
	size_t cap = 0;
	uint64_t split = s->o->split_chunks ? s->o->split_chunks : BT_SCAN_SPLIT_CHUNKS;
	for (size_t i = 0; i < n; i++) {
		struct planning pl = {s, &cap, i, 0};
		size_t first = s->nu;
		const struct bt_reader_ops *ops;
		uint64_t size;
		bool ok = bt_input_plan(s->inputs[i].path, s->o->in, split, add_part, &pl, &ops, &size);
		if (pl.parts > 0) {
			for (size_t k = first; k < s->nu; k++)
				s->u[k].ops = ops;
			s->u[s->nu - 1].last_of_input = true;
		}
		if (!ok)
			return false;
		if (pl.parts == 0) {
			struct unit u;
			memset(&u, 0, sizeof u);
			u.input = i;
			u.part.bytes = size;
			u.first_of_input = u.last_of_input = true;
			if (!add_unit(s, &cap, u))
				return false;
		}
	}
	return true;
}

/* ---- one unit ---- */

static bool is_direct(struct scan *s, struct unit *u)
{
	if (u->direct)
		return true;
	pthread_mutex_lock(&s->lock);
	bool head = &s->u[s->head] == u;
	pthread_mutex_unlock(&s->lock);
	return head;
}

/* Becoming the oldest unit: what was buffered goes out first. */
static void go_direct(struct scan *s, struct unit *u)
{
	for (size_t i = 0; i < u->nmsgs; i++) {
		struct msg *m = &u->msgs[i];
		emit(s, m->level, m->file, m->text);
		free(m->file);
		free(m->text);
	}
	u->nmsgs = 0;
	s->in_dropped += u->dropped;
	u->dropped = 0;
	if (u->out.n)
		s->r->write(s->r->ctx, u->out.p, u->out.n);
	bt_buf_reset(&u->out);
	u->direct = true;
}

static void wait_head(struct scan *s, struct unit *u)
{
	pthread_mutex_lock(&s->lock);
	while (&s->u[s->head] != u)
		pthread_cond_wait(&s->changed, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

struct unit_diag {
	struct scan *s;
	struct unit *u;
};

static void unit_diag(void *ctx, enum bt_diag_level level, const char *file, const char *text)
{
	struct unit_diag *d = ctx;
	if (d->u->direct) {
		emit(d->s, level, file, text);
		return;
	}
	struct unit *u = d->u;
	/* a unit keeps no more warnings than an input shows: memory stays bounded */
	if (level == BT_DIAG_WARN && u->nwarn >= BT_SCAN_MAX_WARNINGS) {
		u->dropped++;
		return;
	}
	if (level == BT_DIAG_WARN)
		u->nwarn++;
	if (u->nmsgs == u->capmsgs) {
		size_t nc = u->capmsgs ? u->capmsgs * 2 : 8;
		struct msg *nv = realloc(u->msgs, nc * sizeof *nv);
		if (!nv)
			return;
		u->msgs = nv;
		u->capmsgs = nc;
	}
	struct msg *m = &u->msgs[u->nmsgs];
	m->level = level;
	m->file = file ? strdup(file) : NULL;
	m->text = strdup(text);
	if (m->text)
		u->nmsgs++;
	else
		free(m->file);
}

static void read_unit(struct scan *s, struct unit *u, void *w);

/* Reads a unit; the end of a part is told to its reader whatever became of
 * it (an EVTX range hands its slack candidates on). */
static void run_unit(struct scan *s, struct unit *u, void *w)
{
	read_unit(s, u, w);
	if (u->ops && u->ops->part_ended)
		u->ops->part_ended(&u->part);
}

static void read_unit(struct scan *s, struct unit *u, void *w)
{
	struct bt_input_opts in = *s->o->in;
	if (!in.evtx.donors)
		in.evtx.donors = s->donors;
	struct unit_diag ud = {s, u};
	in.read.diag.fn = unit_diag;
	in.read.diag.ctx = &ud;
	struct bt_input *bi = NULL;
	u->open_status = bt_input_open(s->inputs[u->input].path, &in, &u->part, &bi);
	if (u->open_status != BT_OK)
		return;
	u->opened = true;
	const struct bt_event *ev;
	while (bt_input_next(bi, &ev) == BT_OK) {
		if (!u->host && ev->host)
			u->host = strdup(ev->host);
		if (!u->channel && ev->channel)
			u->channel = strdup(ev->channel);
		s->h->on_event(w, ev, &u->out);
		if (u->out.n >= FLUSH_AT) {
			if (!u->direct && u->out.n >= s->out_cap)
				wait_head(s, u);
			if (is_direct(s, u)) {
				if (!u->direct)
					go_direct(s, u);
				s->r->write(s->r->ctx, u->out.p, u->out.n);
				bt_buf_reset(&u->out);
			}
		}
	}
	u->stats = *bt_input_stats(bi);
	const struct bt_anomaly *a = bt_input_anomalies(bi, &u->nanomalies);
	memcpy(u->anomalies, a, u->nanomalies * sizeof *a);
	bt_input_free(bi);
}

/* ---- threads ---- */

static void *worker(void *arg)
{
	struct scan *s = arg;
	void *w = s->h->worker_new ? s->h->worker_new(s->h->ctx) : NULL;
	for (;;) {
		pthread_mutex_lock(&s->lock);
		while (s->next < s->nu && s->next >= s->head + s->window)
			pthread_cond_wait(&s->changed, &s->lock);
		if (s->next >= s->nu) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		struct unit *u = &s->u[s->next++];
		pthread_mutex_unlock(&s->lock);
		run_unit(s, u, w);
		pthread_mutex_lock(&s->lock);
		u->done = true;
		pthread_cond_broadcast(&s->changed);
		pthread_mutex_unlock(&s->lock);
	}
	if (s->h->worker_free)
		s->h->worker_free(s->h->ctx, w);
	return NULL;
}

/* Per-input accumulator of a split file's units. */
struct acc {
	struct bt_file_stats stats;
	struct bt_anomaly anomalies[BT_MAX_ANOMALIES];
	size_t nanomalies;
	enum bt_status open_status;
	bool opened;
	char *host, *channel;
};

static void commit(struct scan *s, struct unit *u, struct acc *a, uint64_t *done)
{
	if (!u->direct)
		go_direct(s, u);
	else if (u->out.n)
		s->r->write(s->r->ctx, u->out.p, u->out.n);
	bt_buf_free(&u->out);
	free(u->msgs);
	if (u->first_of_input) {
		free(a->host);
		free(a->channel);
		memset(a, 0, sizeof *a);
		a->open_status = u->open_status;
	}
	if (u->opened) {
		if (!a->opened) {
			a->stats = u->stats;
			memcpy(a->anomalies, u->anomalies, u->nanomalies * sizeof *u->anomalies);
			a->nanomalies = u->nanomalies;
			a->opened = true;
			a->open_status = BT_OK;
		} else {
			bt_file_stats_merge(&a->stats, a->anomalies, &a->nanomalies, &u->stats,
			                    u->anomalies, u->nanomalies);
		}
	}
	if (!a->host && u->host) {
		a->host = u->host;
		u->host = NULL;
	}
	if (!a->channel && u->channel) {
		a->channel = u->channel;
		u->channel = NULL;
	}
	free(u->host);
	free(u->channel);
	*done += u->part.bytes;
	if (s->r->progress)
		s->r->progress(s->r->ctx, *done);
	if (u->last_of_input && s->in_dropped) {
		bt_diagf(&s->o->in->read.diag, BT_DIAG_NOTE, s->inputs[u->input].path,
		         "%llu more warnings not shown (the counts are in the statistics)",
		         (unsigned long long)s->in_dropped);
		s->in_dropped = 0;
	}
	if (u->last_of_input) {
		struct bt_scan_result r = {a->open_status, a->opened ? &a->stats : NULL, a->anomalies,
		                           a->nanomalies, a->host, a->channel};
		if (s->h->input_done)
			s->h->input_done(s->h->ctx, u->input, &r);
		if (s->r->input_done)
			s->r->input_done(s->r->ctx, u->input, &r);
	}
}

/* What the parts of a split input share is freed once, with its first part. */
static void free_shares(struct scan *s)
{
	for (size_t i = 0; i < s->nu; i++) {
		struct unit *u = &s->u[i];
		if (u->ops && u->ops->shared_free && u->part.shared && u->part.index == 0 &&
		    u->first_of_input)
			u->ops->shared_free(u->part.shared);
	}
}

enum bt_status bt_scan_run(const struct bt_scan_input *inputs, size_t n,
                           const struct bt_scan_opts *o, const struct bt_scan_hooks *h,
                           const struct bt_scan_report *r)
{
	struct scan s;
	memset(&s, 0, sizeof s);
	s.inputs = inputs;
	s.o = o;
	s.h = h;
	s.r = r;
	s.out_cap = o->out_cap ? o->out_cap : BT_SCAN_OUT_CAP;
	if (o->in->evtx.reader == BT_EVTX_READER_AUTO && !o->in->evtx.no_recover && n > 1) {
		/* without it (out of memory) recovery keeps to each file */
		const char **paths = malloc(n * sizeof *paths);
		if (paths) {
			for (size_t i = 0; i < n; i++)
				paths[i] = inputs[i].path;
			s.donors = bt_evtx_donors_new(paths, n);
			free(paths);
		}
	}
	unsigned jobs = o->jobs ? o->jobs : 1;
	s.window = jobs + 2;
	if (!plan(&s, n)) {
		free_shares(&s);
		free(s.u);
		bt_evtx_donors_free(s.donors);
		bt_diagf(&o->in->read.diag, BT_DIAG_ERROR, NULL, "out of memory planning the reading");
		return BT_ERR_NOMEM;
	}
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.changed, NULL);
	struct acc a;
	memset(&a, 0, sizeof a);
	uint64_t done = 0;
	enum bt_status st = BT_OK;
	if (jobs <= 1) {
		void *w = h->worker_new ? h->worker_new(h->ctx) : NULL;
		for (size_t i = 0; i < s.nu; i++) {
			s.head = i;
			if (s.u[i].first_of_input) {
				s.in_warn = 0;
				s.in_dropped = 0;
			}
			s.u[i].direct = true;
			run_unit(&s, &s.u[i], w);
			commit(&s, &s.u[i], &a, &done);
		}
		if (h->worker_free)
			h->worker_free(h->ctx, w);
	} else {
		pthread_t *t = calloc(jobs, sizeof *t);
		unsigned started = 0;
		for (unsigned i = 0; t && i < jobs; i++)
			if (pthread_create(&t[i], NULL, worker, &s) == 0)
				started++;
		if (started == 0) {
			bt_diagf(&o->in->read.diag, BT_DIAG_ERROR, NULL, "cannot start reading threads");
			st = BT_ERR_NOMEM;
		}
		for (size_t i = 0; started && i < s.nu; i++) {
			pthread_mutex_lock(&s.lock);
			while (!s.u[i].done)
				pthread_cond_wait(&s.changed, &s.lock);
			pthread_mutex_unlock(&s.lock);
			commit(&s, &s.u[i], &a, &done);
			pthread_mutex_lock(&s.lock);
			s.head = i + 1;
			/* a new input starts: its own warning count (before its unit may go direct) */
			if (i + 1 < s.nu && s.u[i + 1].first_of_input) {
				s.in_warn = 0;
				s.in_dropped = 0;
			}
			pthread_cond_broadcast(&s.changed);
			pthread_mutex_unlock(&s.lock);
		}
		for (unsigned i = 0; i < started; i++)
			pthread_join(t[i], NULL);
		free(t);
	}
	free(a.host);
	free(a.channel);
	pthread_cond_destroy(&s.changed);
	pthread_mutex_destroy(&s.lock);
	free_shares(&s);
	free(s.u);
	bt_evtx_donors_free(s.donors);
	return st;
}
