/* Per-host counts of what the evidence holds. */
#include "config.h"

#include "hunt/bt_summary.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bt_array.h"
#include "core/bt_bytes.h"
#include "hunt/bt_hostmap.h"

const char *const bt_summary_table_names[BT_SUM_NTABLES] = {"event_ids", "logons", "tickets",
                                                           "containers"};
const char *const bt_summary_columns[BT_SUM_NTABLES][4] = {
	{"channel", "event_id", NULL, NULL},
	{"outcome", "account", "logon_type", "source"},
	{"kind", "encryption", "status", NULL},
	{"container_id", "name", "image", NULL},
};
const size_t bt_summary_ncolumns[BT_SUM_NTABLES] = {2, 4, 3, 3};

#define SEP '\x1f'
#define OTHER "(other)"

/* ---- a counted row, keyed by its parts joined with SEP ---- */

struct entry {
	struct entry *next;
	uint64_t n;
	bt_time first, last;
	char *attr[2];           /* containers: the name and image first seen */
	size_t len;
	char key[];
};

struct cmap {
	struct entry **b;
	size_t nb, n;
	struct entry *other;     /* the rows past BT_SUMMARY_MAX_ROWS, together */
};

static void span_add(bt_time *first, bt_time *last, bt_time f, bt_time l)
{
	if (f != BT_TIME_NONE && (*first == BT_TIME_NONE || f < *first))
		*first = f;
	if (l != BT_TIME_NONE && (*last == BT_TIME_NONE || l > *last))
		*last = l;
}

static struct entry *entry_new(const char *key, size_t len)
{
	struct entry *e = malloc(sizeof *e + len + 1);
	if (!e)
		return NULL;
	e->next = NULL;
	e->n = 0;
	e->first = e->last = BT_TIME_NONE;
	e->attr[0] = e->attr[1] = NULL;
	e->len = len;
	memcpy(e->key, key, len);
	e->key[len] = '\0';
	return e;
}

static void entry_free(struct entry *e)
{
	if (e) {
		free(e->attr[0]);
		free(e->attr[1]);
		free(e);
	}
}

/* Gives an entry an attribute it has none of yet. */
static void attr_set(struct entry *e, int i, const char *s, size_t n)
{
	if (e && !e->attr[i] && s && n && (e->attr[i] = malloc(n + 1))) {
		memcpy(e->attr[i], s, n);
		e->attr[i][n] = '\0';
	}
}

/* Counts n events of the row [first, last]; returns its entry. */
static struct entry *cmap_add(struct cmap *m, const char *key, size_t len, uint64_t n,
                              bt_time first, bt_time last)
{
	if (m->n >= m->nb) {
		size_t nb = m->nb ? m->nb * 2 : 16;
		struct entry **nt = calloc(nb, sizeof *nt);
		if (nt) {
			for (size_t i = 0; i < m->nb; i++)
				for (struct entry *e = m->b[i], *nx; e; e = nx) {
					nx = e->next;
					size_t h = bt_hash_mem(e->key, e->len) & (nb - 1);
					e->next = nt[h];
					nt[h] = e;
				}
			free(m->b);
			m->b = nt;
			m->nb = nb;
		} else if (!m->nb) {
			return NULL;
		}
	}
	size_t h = bt_hash_mem(key, len) & (m->nb - 1);
	struct entry *e = m->b[h];
	while (e && (e->len != len || memcmp(e->key, key, len) != 0))
		e = e->next;
	if (!e) {
		if (m->n >= BT_SUMMARY_MAX_ROWS) {
			if (!m->other && !(m->other = entry_new(OTHER, strlen(OTHER))))
				return NULL;
			e = m->other;
		} else {
			if (!(e = entry_new(key, len)))
				return NULL;
			e->next = m->b[h];
			m->b[h] = e;
			m->n++;
		}
	}
	e->n += n;
	span_add(&e->first, &e->last, first, last);
	return e;
}

static void cmap_free(struct cmap *m)
{
	for (size_t i = 0; i < m->nb; i++)
		for (struct entry *e = m->b[i], *nx; e; e = nx) {
			nx = e->next;
			entry_free(e);
		}
	free(m->b);
	entry_free(m->other);
	memset(m, 0, sizeof *m);
}

/* ---- hosts ---- */

struct shost {
	struct shost *next;
	char *key;               /* bt_host_key, or "\x01" + file for events naming no host */
	char *name;
	uint64_t events;
	bt_time first, last;
	struct cmap m[BT_SUM_NTABLES];
	/* after finish */
	struct bt_summary_row *rows[BT_SUM_NTABLES];
};

struct htab {
	struct shost **b;
	size_t nb, n;
};

static struct shost *host_get(struct htab *t, const char *key, const char *name)
{
	if (t->n >= t->nb) {
		size_t nb = t->nb ? t->nb * 2 : 16;
		struct shost **nt = calloc(nb, sizeof *nt);
		if (!nt && !t->nb)
			return NULL;
		if (nt) {
			for (size_t i = 0; i < t->nb; i++)
				for (struct shost *x = t->b[i], *nx; x; x = nx) {
					nx = x->next;
					size_t h = bt_hash_str(x->key) & (nb - 1);
					x->next = nt[h];
					nt[h] = x;
				}
			free(t->b);
			t->b = nt;
			t->nb = nb;
		}
	}
	size_t h = bt_hash_str(key) & (t->nb - 1);
	for (struct shost *x = t->b[h]; x; x = x->next)
		if (strcmp(x->key, key) == 0)
			return x;
	struct shost *x = calloc(1, sizeof *x);
	if (!x || !(x->key = strdup(key)) || (name && !(x->name = strdup(name)))) {
		if (x)
			free(x->key);
		free(x);
		return NULL;
	}
	x->first = x->last = BT_TIME_NONE;
	x->next = t->b[h];
	t->b[h] = x;
	t->n++;
	return x;
}

static void host_free(struct shost *x)
{
	for (int i = 0; i < BT_SUM_NTABLES; i++) {
		cmap_free(&x->m[i]);
		free(x->rows[i]);
	}
	free(x->key);
	free(x->name);
	free(x);
}

static void htab_free(struct htab *t)
{
	for (size_t i = 0; i < t->nb; i++)
		for (struct shost *x = t->b[i], *nx; x; x = nx) {
			nx = x->next;
			host_free(x);
		}
	free(t->b);
	memset(t, 0, sizeof *t);
}

/* Adds src's counts to dst. */
static void host_merge(struct shost *dst, const struct shost *src)
{
	dst->events += src->events;
	span_add(&dst->first, &dst->last, src->first, src->last);
	for (int i = 0; i < BT_SUM_NTABLES; i++) {
		const struct cmap *m = &src->m[i];
		for (size_t b = 0; b < m->nb; b++)
			for (const struct entry *e = m->b[b]; e; e = e->next) {
				struct entry *d = cmap_add(&dst->m[i], e->key, e->len, e->n, e->first, e->last);
				for (int a = 0; a < 2; a++)
					if (e->attr[a])
						attr_set(d, a, e->attr[a], strlen(e->attr[a]));
			}
		if (m->other) {
			struct cmap *dm = &dst->m[i];
			if (dm->other || (dm->other = entry_new(OTHER, strlen(OTHER)))) {
				dm->other->n += m->other->n;
				span_add(&dm->other->first, &dm->other->last, m->other->first, m->other->last);
			}
		}
	}
}

/* ---- the summary ---- */

struct bt_summary {
	pthread_mutex_t lock;
	struct htab hosts;
	struct bt_identity *id;
	struct bt_hostmap *hm;
	const struct bt_filter *filter;
	const struct bt_scan_input *inputs;
	struct bt_summary_file *files;
	size_t nfiles, capfiles;
	uint64_t files_read;
	/* after finish */
	struct bt_summary_host *out;
	size_t nout;
};

struct bt_summary *bt_summary_new(void)
{
	struct bt_summary *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	if (!(s->hm = bt_hostmap_new()) || !(s->id = bt_identity_new(s->hm))) {
		bt_summary_free(s);
		return NULL;
	}
	return s;
}

void bt_summary_free(struct bt_summary *s)
{
	if (!s)
		return;
	htab_free(&s->hosts);
	bt_identity_free(s->id);
	bt_hostmap_free(s->hm);
	for (size_t i = 0; i < s->nfiles; i++) {
		free((char *)s->files[i].path);
		free((char *)s->files[i].host);
	}
	free(s->files);
	free(s->out);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* ---- reading ---- */

struct worker {
	struct bt_summary *s;
	struct htab hosts;
	struct bt_identity_noter noter;   /* the collection last noted */
};

static void *worker_new(void *ctx)
{
	struct worker *w = calloc(1, sizeof *w);
	if (w)
		w->s = ctx;
	return w;
}

static void worker_free(void *ctx, void *wp)
{
	(void)ctx;
	struct worker *w = wp;
	if (!w)
		return;
	struct bt_summary *s = w->s;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < w->hosts.nb; i++)
		for (struct shost *x = w->hosts.b[i]; x; x = x->next) {
			struct shost *d = host_get(&s->hosts, x->key, x->name);
			if (d)
				host_merge(d, x);
		}
	pthread_mutex_unlock(&s->lock);
	htab_free(&w->hosts);
	bt_identity_noter_free(&w->noter);
	free(w);
}

/* A field's text, "-" when absent or empty. */
static const char *text_of(const struct bt_event *ev, const char *name, size_t *len)
{
	const struct bt_field *f = bt_event_field(ev, name, strlen(name));
	if (!f || !f->text_len) {
		*len = 1;
		return "-";
	}
	*len = f->text_len;
	return f->text;
}

/* Appends a part (SEP before all but the first); false when out of room. */
static bool part(char *key, size_t *kl, size_t cap, const char *s, size_t n)
{
	if (*kl && *kl < cap)
		key[(*kl)++] = SEP;
	for (size_t i = 0; i < n && *kl < cap; i++)
		key[(*kl)++] = s[i] == SEP ? ' ' : s[i];
	return *kl < cap;
}

static void count_event(struct shost *x, const struct bt_event *ev)
{
	char key[1024];
	size_t kl = 0, n;
	bt_time t = ev->time;
	x->events++;
	span_add(&x->first, &x->last, t, t);
	const char *ch = ev->channel ? ev->channel : "-";
	part(key, &kl, sizeof key, ch, strlen(ch));
	char id[16];
	if (ev->source == BT_SOURCE_EVTX) {
		snprintf(id, sizeof id, "%" PRIu32, ev->event_id);
		part(key, &kl, sizeof key, id, strlen(id));
	} else {
		const char *p = ev->provider ? ev->provider : "-";
		part(key, &kl, sizeof key, p, strlen(p));
	}
	cmap_add(&x->m[BT_SUM_EVENTS], key, kl, 1, t, t);
	if (ev->flags & BT_EV_MEMBERS_ONLY)
		return;
	if (ev->source == BT_SOURCE_EVTX && (ev->event_id == 4624 || ev->event_id == 4625)) {
		kl = 0;
		const char *out = ev->event_id == 4624 ? "success" : "failure";
		part(key, &kl, sizeof key, out, strlen(out));
		size_t dl, ul;
		const char *d = text_of(ev, "TargetDomainName", &dl), *u = text_of(ev, "TargetUserName", &ul);
		char acct[512];
		int w = snprintf(acct, sizeof acct, "%.*s\\%.*s", (int)(dl > 200 ? 200 : dl), d,
		                 (int)(ul > 300 ? 300 : ul), u);
		part(key, &kl, sizeof key, acct, w > 0 ? (size_t)w : 0);
		const char *v = text_of(ev, "LogonType", &n);
		part(key, &kl, sizeof key, v, n);
		v = text_of(ev, "IpAddress", &n);
		part(key, &kl, sizeof key, v, n);
		cmap_add(&x->m[BT_SUM_LOGONS], key, kl, 1, t, t);
	} else if (ev->source == BT_SOURCE_EVTX && (ev->event_id == 4768 || ev->event_id == 4769)) {
		kl = 0;
		const char *kind = ev->event_id == 4768 ? "TGT" : "service ticket";
		part(key, &kl, sizeof key, kind, strlen(kind));
		const char *v = text_of(ev, "TicketEncryptionType", &n);
		char num[24];
		snprintf(num, sizeof num, "%.*s", (int)(n > 20 ? 20 : n), v);
		unsigned long e = strtoul(num, NULL, 0);
		const char *name = e == 0x11 ? " (AES128)" : e == 0x12 ? " (AES256)" : e == 0x17 ? " (RC4)"
		                 : e == 0x18 ? " (RC4-EXP)" : e == 0x1 || e == 0x3 ? " (DES)" : "";
		char enc[64];
		int w = snprintf(enc, sizeof enc, "%s%s", num, name);
		part(key, &kl, sizeof key, enc, w > 0 ? (size_t)w : 0);
		v = text_of(ev, "Status", &n);
		part(key, &kl, sizeof key, v, n);
		cmap_add(&x->m[BT_SUM_TICKETS], key, kl, 1, t, t);
	} else if (ev->source != BT_SOURCE_EVTX) {
		/* a container by its id (12 digits), else by its name (a create
		 * call names it before it has an id); its name and image from
		 * whichever of its events have them */
		const struct bt_field *c = bt_event_field(ev, "ContainerID", 11);
		const struct bt_field *nm = bt_event_field(ev, "ContainerName", 13);
		const struct bt_field *im = bt_event_field(ev, "Image", 5);
		if ((!c || !c->text_len) && (c = nm) == NULL)
			return;
		if (!c->text_len)
			return;
		kl = 0;
		part(key, &kl, sizeof key, c->text, c == nm || c->text_len < 12 ? c->text_len : 12);
		struct entry *e = cmap_add(&x->m[BT_SUM_CONTAINERS], key, kl, 1, t, t);
		if (nm)
			attr_set(e, 0, nm->text, nm->text_len);
		if (im)
			attr_set(e, 1, im->text, im->text_len);
	}
}

static void on_event(void *wp, const struct bt_event *ev, struct bt_buf *out)
{
	(void)out;
	struct worker *w = wp;
	if (!w)
		return;
	struct bt_summary *s = w->s;
	/* who each host is: each file's collection */
	bt_identity_note(s->id, &w->noter, ev);
	if (s->filter && !bt_filter_pass(s->filter, ev))
		return;
	char key[1100];
	if (ev->host && *ev->host) {
		bt_host_key(ev->host, key, sizeof key);
	} else {
		snprintf(key, sizeof key, "\x01%s", ev->file ? ev->file : "");
	}
	struct shost *x = host_get(&w->hosts, key, ev->host && *ev->host ? ev->host : NULL);
	if (x)
		count_event(x, ev);
}

/* Only the events a table reads need their fields. */
static bool want(void *ctx, const struct bt_event *h)
{
	(void)ctx;
	if (h->source != BT_SOURCE_EVTX)
		return true;
	switch (h->event_id) {
	case 4624: case 4625: case 4768: case 4769:
		return true;
	default:
		return bt_hostmap_wants(h);
	}
}

static void input_done(void *ctx, size_t input, const struct bt_scan_result *r)
{
	struct bt_summary *s = ctx;
	const struct bt_file_stats *st = r->stats;
	if (r->open_status == BT_ERR_UNSUPPORTED || !st)
		return;
	s->files_read++;
	if (!(st->unreadable || st->incomplete || st->failed || st->corrupt_chunks || st->id_gaps ||
	      st->time_backwards || st->changed || st->dirty))
		return;
	if (!bt_array_reserve(&s->files, &s->capfiles, s->nfiles, sizeof *s->files, 8))
		return;
	struct bt_summary_file *f = &s->files[s->nfiles];
	*f = (struct bt_summary_file){.records = st->records, .recovered = st->recovered,
	                              .failed = st->failed, .corrupt_chunks = st->corrupt_chunks,
	                              .id_gaps = st->id_gaps, .time_backwards = st->time_backwards,
	                              .incomplete = st->incomplete, .unreadable = st->unreadable,
	                              .changed = st->changed, .dirty = st->dirty};
	f->path = strdup(s->inputs[input].path);
	f->host = r->host ? strdup(r->host) : NULL;
	if (f->path)
		s->nfiles++;
}

enum bt_status bt_summary_read(struct bt_summary *s, const struct bt_scan_input *inputs, size_t n,
                               const struct bt_scan_opts *o, const struct bt_filter *filter,
                               const struct bt_scan_report *report)
{
	struct bt_input_opts in = *o->in;
	struct bt_scan_opts so = *o;
	in.read.want_fields = want;
	in.read.want_ctx = s;
	so.in = &in;
	s->filter = filter;
	s->inputs = inputs;
	struct bt_scan_hooks h = {worker_new, worker_free, on_event, input_done, s};
	return bt_scan_run(inputs, n, &so, &h, report);
}

/* ---- finishing ---- */

#define UNKNOWN_KEY "\x02"

static int cmp_row(const void *pa, const void *pb)
{
	const struct bt_summary_row *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	for (int i = 0; i < 4; i++) {
		int c = strcmp(a->part[i] ? a->part[i] : "", b->part[i] ? b->part[i] : "");
		if (c)
			return c;
	}
	return 0;
}

static int cmp_host(const void *pa, const void *pb)
{
	const struct bt_summary_host *a = pa, *b = pb;
	bool ua = !strcmp(a->name, "(unknown host)"), ub = !strcmp(b->name, "(unknown host)");
	if (ua != ub)
		return ua ? 1 : -1;
	return strcasecmp(a->name, b->name);
}

/* The rows of a table: the entries' keys cut into their parts. */
static void make_rows(struct shost *x, int t, struct bt_summary_host *out)
{
	struct cmap *m = &x->m[t];
	size_t n = m->n + (m->other ? 1 : 0);
	out->rows[t] = NULL;
	out->nrows[t] = 0;
	out->other_rows[t] = m->other ? m->other->n : 0;
	if (!n || !(x->rows[t] = calloc(n, sizeof *x->rows[t])))
		return;
	size_t k = 0;
	for (size_t b = 0; b <= m->nb; b++) {
		for (struct entry *e = b < m->nb ? m->b[b] : m->other; e; e = b < m->nb ? e->next : NULL) {
			struct bt_summary_row *r = &x->rows[t][k++];
			size_t np = 0;
			char *p = e->key;
			r->part[np++] = p;
			for (; *p; p++)
				if (*p == SEP && np < 4) {
					*p = '\0';
					r->part[np++] = p + 1;
				}
			if (e == m->other)
				for (size_t i = 1; i < bt_summary_ncolumns[t]; i++)
					r->part[i] = OTHER;
			if (t == BT_SUM_CONTAINERS) {
				r->part[1] = e->attr[0] ? e->attr[0] : "-";
				r->part[2] = e->attr[1] ? e->attr[1] : "-";
			}
			r->count = e->n;
			r->first = e->first;
			r->last = e->last;
		}
	}
	qsort(x->rows[t], k, sizeof *x->rows[t], cmp_row);
	out->rows[t] = x->rows[t];
	out->nrows[t] = k;
}

enum bt_status bt_summary_finish(struct bt_summary *s, const struct bt_diag *diag)
{
	bt_identity_finish(s->id, diag);
	/* events that named no host join their collection's host */
	struct shost *pending = NULL;
	for (size_t i = 0; i < s->hosts.nb; i++) {
		struct shost **pp = &s->hosts.b[i];
		while (*pp) {
			struct shost *x = *pp;
			if (x->key[0] == '\x01') {
				*pp = x->next;
				s->hosts.n--;
				x->next = pending;
				pending = x;
			} else {
				pp = &x->next;
			}
		}
	}
	for (struct shost *x = pending, *nx; x; x = nx) {
		nx = x->next;
		const char *host = bt_identity_host_of(s->id, x->key + 1);
		char key[256];
		if (host)
			bt_host_key(host, key, sizeof key);
		struct shost *d = host_get(&s->hosts, host ? key : UNKNOWN_KEY,
		                           host ? host : "(unknown host)");
		if (!d) {
			host_free(x);
			continue;
		}
		host_merge(d, x);
		host_free(x);
	}
	free(s->out);
	s->nout = 0;
	if (!(s->out = calloc(s->hosts.n ? s->hosts.n : 1, sizeof *s->out)))
		return BT_ERR_NOMEM;
	for (size_t i = 0; i < s->hosts.nb; i++)
		for (struct shost *x = s->hosts.b[i]; x; x = x->next) {
			struct bt_summary_host *o = &s->out[s->nout++];
			o->name = x->name ? x->name : x->key;
			o->events = x->events;
			o->first = x->first;
			o->last = x->last;
			for (int t = 0; t < BT_SUM_NTABLES; t++)
				make_rows(x, t, o);
		}
	qsort(s->out, s->nout, sizeof *s->out, cmp_host);
	return BT_OK;
}

size_t bt_summary_hosts(const struct bt_summary *s, const struct bt_summary_host **out)
{
	*out = s->out;
	return s->nout;
}

size_t bt_summary_files(const struct bt_summary *s, const struct bt_summary_file **out)
{
	*out = s->files;
	return s->nfiles;
}

uint64_t bt_summary_files_read(const struct bt_summary *s)
{
	return s->files_read;
}
