/* Host identity: collections' hosts and the addresses they had. */
#include "config.h"

#include "hunt/bt_identity.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bt_array.h"

struct name {
	char *name, *evidence;
	const char *source;
	uint64_t seen;
};

struct coll {
	struct name *names;      /* distinct names stated (bt_host_same tells them apart) */
	size_t n, cap;
	struct bt_stated_name *view;
};

struct bt_identity {
	pthread_mutex_t lock;
	struct bt_hostmap *hosts;
	struct bt_collections *colls;
	struct coll *c;          /* by collection index */
	size_t nc;
	const struct bt_collection **sorted;
	size_t nsorted;
};

struct bt_identity *bt_identity_new(struct bt_hostmap *hosts)
{
	struct bt_identity *id = calloc(1, sizeof *id);
	if (!id)
		return NULL;
	id->hosts = hosts;
	if (!(id->colls = bt_collections_new())) {
		free(id);
		return NULL;
	}
	pthread_mutex_init(&id->lock, NULL);
	return id;
}

void bt_identity_free(struct bt_identity *id)
{
	if (!id)
		return;
	for (size_t i = 0; i < id->nc; i++) {
		for (size_t j = 0; j < id->c[i].n; j++) {
			free(id->c[i].names[j].name);
			free(id->c[i].names[j].evidence);
		}
		free(id->c[i].names);
		free(id->c[i].view);
	}
	free(id->c);
	free(id->sorted);
	bt_collections_free(id->colls);
	pthread_mutex_destroy(&id->lock);
	free(id);
}

const char *bt_identity_stated(const struct bt_event *ev)
{
	if (ev->flags & (BT_EV_HOST_ASSUMED | BT_EV_HOST_INFERRED))
		return NULL;
	switch (ev->source) {
	case BT_SOURCE_EVTX:
		/* (the first letter first: this runs for every event) */
		return ev->channel && (ev->channel[0] | 0x20) == 'f' &&
		               strcasecmp(ev->channel, "ForwardedEvents") == 0
		           ? NULL
		           : ev->host;
	case BT_SOURCE_JOURNALD:
	case BT_SOURCE_DOCKERD:
	case BT_SOURCE_ESXI:   /* a vm-support bundle's name */
		return ev->host;
	case BT_SOURCE_HOST_CONFIG:
		/* a hostname file; a journal's DHCP line keeps its entry's _HOSTNAME */
		return ev->provider && (strcmp(ev->provider, "hostname") == 0 || strcmp(ev->provider, "dhcp") == 0)
		               ? ev->host
		               : NULL;
	case BT_SOURCE_DOCKER_ROOT: {
		const struct bt_field *nm = bt_event_field(ev, "NetworkMode", 11);
		const struct bt_field *hn = bt_event_field(ev, "Hostname", 8);
		return nm && hn && nm->text_len == 4 && memcmp(nm->text, "host", 4) == 0 ? hn->text : NULL;
	}
	default:
		return NULL;
	}
}

static struct coll *coll_of(struct bt_identity *id, const struct bt_collection *c)
{
	if (c->index >= id->nc) {
		size_t nn = c->index + 16;
		struct coll *nv = realloc(id->c, nn * sizeof *nv);
		if (!nv)
			return NULL;
		memset(nv + id->nc, 0, (nn - id->nc) * sizeof *nv);
		id->c = nv;
		id->nc = nn;
	}
	return &id->c[c->index];
}

static void set_str(char **dst, const char *s)
{
	char *n = strdup(s);
	if (n) {
		free(*dst);
		*dst = n;
	}
}

static void evidence_of(const struct bt_event *ev, char *buf, size_t n)
{
	if (ev->line)
		snprintf(buf, n, "%.1000s:%llu", ev->file, (unsigned long long)ev->line);
	else
		snprintf(buf, n, "%.1000s#%llu", ev->file, (unsigned long long)ev->record_id);
}

static void note_as(struct coll *k, const char *host, const char *evid, const char *source,
                    uint64_t seen);

/* A name stated for a collection: one entry per host, one spelling and the
 * first evidence whatever the order files are read in. Lock held. */
static void note(struct coll *k, const struct bt_event *ev, const char *host)
{
	char evid[1100];
	evidence_of(ev, evid, sizeof evid);
	note_as(k, host, evid, bt_source_name(ev->source), 1);
}

static void note_as(struct coll *k, const char *host, const char *evid, const char *source,
                    uint64_t seen)
{
	for (size_t i = 0; i < k->n; i++) {
		struct name *nm = &k->names[i];
		if (!bt_host_same(nm->name, host))
			continue;
		if (strcmp(host, nm->name) < 0)
			set_str(&nm->name, host);
		if (strcmp(evid, nm->evidence) < 0) {
			set_str(&nm->evidence, evid);
			nm->source = source;
		}
		nm->seen += seen;
		return;
	}
	if (!bt_array_reserve(&k->names, &k->cap, k->n, sizeof *k->names, 2))
		return;
	struct name *nm = &k->names[k->n];
	nm->name = strdup(host);
	nm->evidence = strdup(evid);
	nm->source = source;
	nm->seen = seen;
	if (nm->name && nm->evidence)
		k->n++;
	else {
		free(nm->name);
		free(nm->evidence);
	}
}

void bt_identity_learn(struct bt_identity *id, const struct bt_event *ev)
{
	if (id->hosts)
		bt_hostmap_learn(id->hosts, ev);
	const char *host = ev->file ? bt_identity_stated(ev) : NULL;
	if (!host || !*host)
		return;
	const struct bt_collection *c = bt_collection_of(id->colls, ev->file);
	if (!c)
		return;
	pthread_mutex_lock(&id->lock);
	struct coll *k = coll_of(id, c);
	if (k)
		note(k, ev, host);
	pthread_mutex_unlock(&id->lock);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct name *)a)->name, ((const struct name *)b)->name);
}

static int cmp_root(const void *a, const void *b)
{
	return strcmp((*(const struct bt_collection *const *)a)->root,
	              (*(const struct bt_collection *const *)b)->root);
}

static const char *host_of_file(void *ctx, const char *file)
{
	return bt_identity_host_of(ctx, file);
}

void bt_identity_finish(struct bt_identity *id, const struct bt_diag *diag)
{
	size_t n = bt_collections_count(id->colls);
	free(id->sorted);
	id->nsorted = 0;
	if (!(id->sorted = calloc(n ? n : 1, sizeof *id->sorted)))
		return;
	for (size_t i = 0; i < n; i++)
		id->sorted[id->nsorted++] = bt_collections_at(id->colls, i);
	qsort(id->sorted, id->nsorted, sizeof *id->sorted, cmp_root);
	for (size_t i = 0; i < id->nsorted; i++) {
		const struct bt_collection *c = id->sorted[i];
		if (c->index >= id->nc)
			continue;
		struct coll *k = &id->c[c->index];
		qsort(k->names, k->n, sizeof *k->names, cmp_name);
		if (k->n < 2)
			continue;
		char list[2048];
		size_t o = 0;
		for (size_t j = 0; j < k->n && o < sizeof list; j++)
			o += (size_t)snprintf(list + o, sizeof list - o, "%s%s (%s)",
			                      j ? (j + 1 == k->n ? " and " : ", ") : "", k->names[j].name,
			                      k->names[j].evidence);
		bt_diagf(diag, BT_DIAG_WARN, c->root,
		         "this collection (%s) names %zu hosts, %s: its evidence that names no host is "
		         "given none (--assume-host PATH=NAME decides)",
		         bt_layout_name(c->layout), k->n, list);
	}
	if (id->hosts) {
		bt_hostmap_resolve(id->hosts, host_of_file, id);
		bt_hostmap_report_ambiguous(id->hosts, diag);
	}
}

const char *bt_identity_host_of(struct bt_identity *id, const char *file)
{
	if (!file)
		return NULL;
	const struct bt_collection *c = bt_collection_of(id->colls, file);
	if (!c || c->index >= id->nc)
		return NULL;
	const struct coll *k = &id->c[c->index];
	return k->n == 1 ? k->names[0].name : NULL;
}

size_t bt_identity_collections(struct bt_identity *id, const struct bt_collection ***out)
{
	*out = id->sorted;
	return id->nsorted;
}

size_t bt_identity_names(struct bt_identity *id, const struct bt_collection *c,
                         const struct bt_stated_name **out)
{
	*out = NULL;
	if (c->index >= id->nc)
		return 0;
	struct coll *k = &id->c[c->index];
	free(k->view);
	if (!k->n || !(k->view = calloc(k->n, sizeof *k->view)))
		return 0;
	for (size_t i = 0; i < k->n; i++)
		k->view[i] = (struct bt_stated_name){k->names[i].name, k->names[i].source,
		                                     k->names[i].evidence, k->names[i].seen};
	*out = k->view;
	return k->n;
}

bool bt_identity_note(struct bt_identity *id, struct bt_identity_noter *n,
                      const struct bt_event *ev)
{
	const char *stated = ev->file ? bt_identity_stated(ev) : NULL;
	if (!stated || !*stated ||
	    (n->last_path && strcmp(ev->file, n->last_path) == 0 && strcmp(stated, n->last_host) == 0))
		return false;
	size_t len = strlen(ev->file) + 1;
	if (len > n->last_cap) {
		char *p = realloc(n->last_path, len);
		if (p) {
			n->last_path = p;
			n->last_cap = len;
		}
	}
	if (n->last_path && len <= n->last_cap)
		memcpy(n->last_path, ev->file, len);
	snprintf(n->last_host, sizeof n->last_host, "%s", stated);
	bt_identity_learn(id, ev);
	return true;
}

void bt_identity_noter_free(struct bt_identity_noter *n)
{
	free(n->last_path);
	memset(n, 0, sizeof *n);
}

/* ---- state files (bt_state.h) ---- */

void bt_identity_each_folder(struct bt_identity *id,
                             void (*cb)(void *ctx, const char *dir, const struct bt_collection *k),
                             void *ctx)
{
	bt_collections_each_folder(id->colls, cb, ctx);
}

void bt_identity_each_name(struct bt_identity *id,
                           void (*cb)(void *ctx, const struct bt_collection *k,
                                      const struct bt_stated_name *nm),
                           void *ctx)
{
	pthread_mutex_lock(&id->lock);
	size_t n = bt_collections_count(id->colls);
	for (size_t i = 0; i < n; i++) {
		const struct bt_collection *c = bt_collections_at(id->colls, i);
		if (c->index >= id->nc)
			continue;
		const struct coll *k = &id->c[c->index];
		for (size_t j = 0; j < k->n; j++) {
			struct bt_stated_name nm = {k->names[j].name, k->names[j].source,
			                            k->names[j].evidence, k->names[j].seen};
			cb(ctx, c, &nm);
		}
	}
	pthread_mutex_unlock(&id->lock);
}

void bt_identity_resolve(struct bt_identity *id, const char *file)
{
	if (file && *file)
		bt_collection_of(id->colls, file);
}

bool bt_identity_seed_folder(struct bt_identity *id, const char *dir, const char *root,
                             enum bt_layout layout)
{
	return bt_collections_seed(id->colls, dir, root, layout) != NULL;
}

bool bt_identity_add_name(struct bt_identity *id, const char *root, enum bt_layout layout,
                          const struct bt_stated_name *nm)
{
	/* the collection by its root: seeded through a folder of the same name
	 * when none of its files' folders is (a root that holds no file itself) */
	const struct bt_collection *c = NULL;
	size_t n = bt_collections_count(id->colls);
	for (size_t i = 0; i < n && !c; i++)
		if (strcmp(bt_collections_at(id->colls, i)->root, root) == 0)
			c = bt_collections_at(id->colls, i);
	if (!c && !(c = bt_collections_seed(id->colls, root, root, layout)))
		return false;
	const char *source = bt_source_name(BT_SOURCE_COUNT);
	for (int s = 0; s < BT_SOURCE_COUNT; s++)
		if (strcmp(nm->source, bt_source_name((enum bt_source)s)) == 0)
			source = bt_source_name((enum bt_source)s);
	pthread_mutex_lock(&id->lock);
	struct coll *k = coll_of(id, c);
	if (k)
		note_as(k, nm->name, nm->evidence, source, nm->seen ? nm->seen : 1);
	pthread_mutex_unlock(&id->lock);
	return k != NULL;
}

/* ---- the read loop of `boxtrail hosts` ---- */

static void *identity_worker_new(void *ctx)
{
	return ctx;
}

static void identity_event(void *w, const struct bt_event *ev, struct bt_buf *out)
{
	(void)out;
	bt_identity_learn(w, ev);
}

static bool identity_want(void *ctx, const struct bt_event *hdr)
{
	(void)ctx;
	return bt_hostmap_wants(hdr) || hdr->source == BT_SOURCE_DOCKER_ROOT;
}

enum bt_status bt_identity_read(struct bt_identity *id, const struct bt_scan_input *inputs,
                                size_t n, const struct bt_scan_opts *o,
                                const struct bt_scan_report *report)
{
	struct bt_input_opts in = *o->in;
	struct bt_scan_opts so = *o;
	in.read.want_fields = identity_want;
	in.read.want_ctx = id;
	so.in = &in;
	struct bt_scan_hooks h = {.worker_new = identity_worker_new, .on_event = identity_event,
	                          .ctx = id};
	return bt_scan_run(inputs, n, &so, &h, report);
}
