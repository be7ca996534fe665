/* The hunt pipeline: matching, holding, correlating, grouping. */
#include "config.h"

#include "hunt/bt_hunt.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bt_array.h"
#include "core/bt_ip.h"
#include "hunt/bt_hitstore.h"
#include "hunt/bt_hostmap.h"
#include "rules/bt_sigma_load.h"
#include "hunt/bt_identity.h"

struct bt_hunt_worker {
	struct bt_hunt *h;
	struct bt_match_scratch *scratch;
	uint64_t *rule_hits;
	uint64_t events, matched;
	uint32_t *collected;     /* the rules the current event matched: all of them */
	size_t ncollected, capcollected;
	bool collect_failed;
	struct bt_identity_noter noter;   /* the collection last noted */
};

struct bt_hunt {
	struct bt_hunt_opts o;
	pthread_mutex_t lock;    /* the counters workers add */
	struct bt_identity *id;  /* who each host is (collections, addresses) */
	struct bt_hitstore *store;
	uint64_t *rule_hits;
	size_t nrules;
	uint64_t events, matched;
	uint64_t merged;         /* detection findings merged into another */
	struct bt_hunt_worker *main;   /* for bt_hunt_event and synthetic events */
	struct bt_evbuf synth;
	/* findings gathered before sorting */
	struct bt_finding **found;
	size_t nfound, capfound;
	struct bt_correlator *corr;
	struct bt_coverage *coverage;  /* how far back each log reaches */
	bool narrowed;           /* a filter left out events by id, channel or provider */
	atomic_bool store_failed;  /* the hit store refused an event: said once, matching stops */
	/* what the Docker root (hostconfig.json) says of each container's
	 * Privileged, for log events whose body spelled it twice (under lock) */
	struct root_priv *roots;
	size_t nroots, caproots;
	/* correlation state and kept findings, against the memory budget */
	uint64_t held, budget;
	uint64_t findings_trimmed;     /* findings that kept fewer evidence events for it */
};

struct root_priv {
	char id[72];
	bool privileged;
};

struct bt_hunt *bt_hunt_new(const struct bt_hunt_opts *o)
{
	struct bt_hunt *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->o = *o;
	if (h->o.window <= 0)
		h->o.window = BT_HUNT_DEFAULT_WINDOW;
	h->budget = o->mem_budget ? o->mem_budget : BT_HITSTORE_DEFAULT_BUDGET;
	h->nrules = bt_ruleset_count(o->rules);
	h->rule_hits = calloc(h->nrules ? h->nrules : 1, sizeof *h->rule_hits);
	h->store = bt_hitstore_new(o->mem_budget, o->tmpdir, &h->o.diag);
	bt_evbuf_init(&h->synth);
	pthread_mutex_init(&h->lock, NULL);
	h->id = bt_identity_new(o->hosts);
	h->coverage = bt_coverage_new();
	h->main = h->rule_hits && h->store ? bt_hunt_worker_new(h) : NULL;
	if (!h->rule_hits || !h->store || !h->main || !h->id || !h->coverage) {
		bt_hunt_free(h);
		return NULL;
	}
	return h;
}

void bt_hunt_free(struct bt_hunt *h)
{
	if (!h)
		return;
	bt_hunt_worker_free(h->main);
	pthread_mutex_destroy(&h->lock);
	bt_hitstore_free(h->store);
	free(h->rule_hits);
	bt_evbuf_free(&h->synth);
	bt_identity_free(h->id);
	for (size_t i = 0; i < h->nfound; i++)
		bt_finding_free(h->found[i]);
	free(h->found);
	free(h->roots);
	bt_correlator_free(h->corr);
	bt_coverage_free(h->coverage);
	free(h);
}

bool bt_hunt_want_fields(void *ctx, const struct bt_event *hdr)
{
	struct bt_hunt *h = ctx;
	return bt_hostmap_wants(hdr) || bt_ruleset_wants(h->o.rules, hdr);
}

static int collect(void *ctx, const struct bt_hit *hit)
{
	struct bt_hunt_worker *w = ctx;
	if (bt_array_reserve(&w->collected, &w->capcollected, w->ncollected, sizeof *w->collected, 16))
		w->collected[w->ncollected++] = hit->rule->index;
	else
		w->collect_failed = true;
	if (hit->rule->index < w->h->nrules)
		w->rule_hits[hit->rule->index]++;
	return 0;
}

/* collect, for an event matched again: not counted a second time */
static int recollect(void *ctx, const struct bt_hit *hit)
{
	struct bt_hunt_worker *w = ctx;
	if (bt_array_reserve(&w->collected, &w->capcollected, w->ncollected, sizeof *w->collected, 16))
		w->collected[w->ncollected++] = hit->rule->index;
	return 0;
}

struct bt_hunt_worker *bt_hunt_worker_new(struct bt_hunt *h)
{
	struct bt_hunt_worker *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->h = h;
	w->scratch = bt_match_scratch_new();
	w->rule_hits = calloc(h->nrules ? h->nrules : 1, sizeof *w->rule_hits);
	if (!w->scratch || !w->rule_hits) {
		bt_match_scratch_free(w->scratch);
		free(w->rule_hits);
		free(w);
		return NULL;
	}
	return w;
}

void bt_hunt_worker_free(struct bt_hunt_worker *w)
{
	if (!w)
		return;
	struct bt_hunt *h = w->h;
	pthread_mutex_lock(&h->lock);
	h->events += w->events;
	h->matched += w->matched;
	for (size_t i = 0; i < h->nrules; i++)
		h->rule_hits[i] += w->rule_hits[i];
	pthread_mutex_unlock(&h->lock);
	bt_match_scratch_free(w->scratch);
	free(w->rule_hits);
	free(w->collected);
	bt_identity_noter_free(&w->noter);
	free(w);
}

/* A container's Privileged as its configuration in the Docker root has it. */
static void learn_root_privileged(struct bt_hunt *h, const struct bt_event *ev)
{
	const struct bt_field *id = bt_event_field(ev, "ContainerID", 11);
	const struct bt_field *pv = bt_event_field(ev, "Privileged", 10);
	if (!id || !pv || id->text_len >= sizeof h->roots->id)
		return;
	pthread_mutex_lock(&h->lock);
	if (bt_array_reserve(&h->roots, &h->caproots, h->nroots, sizeof *h->roots, 16)) {
		struct root_priv *r = &h->roots[h->nroots++];
		memcpy(r->id, id->text, id->text_len);
		r->id[id->text_len] = '\0';
		r->privileged = pv->text_len == 4 && memcmp(pv->text, "true", 4) == 0;
	}
	pthread_mutex_unlock(&h->lock);
}

/* For an event that names no host: the one host of its collection. */
static const char *inferred_host(struct bt_hunt *h, const struct bt_event *ev)
{
	return ev->host ? NULL : bt_identity_host_of(h->id, ev->file);
}

void bt_hunt_worker_event(struct bt_hunt_worker *w, const struct bt_event *ev)
{
	struct bt_hunt *h = w->h;
	w->events++;
	/* Who each host is: its collection's host, its addresses. Noted when
	 * the file or the host it states changes, or when it teaches the map. */
	if (!bt_identity_note(h->id, &w->noter, ev) && h->o.hosts &&
	    !(ev->flags & BT_EV_MEMBERS_ONLY)) {
		bt_hostmap_learn(h->o.hosts, ev);
	}
	if (ev->source == BT_SOURCE_DOCKER_ROOT)
		learn_root_privileged(h, ev);
	/* declined by bt_hunt_want_fields: no rule can match it; or the hunt
	 * cannot finish (the hit store failed) */
	if ((ev->flags & BT_EV_MEMBERS_ONLY) ||
	    atomic_load_explicit(&h->store_failed, memory_order_relaxed))
		return;
	if (ev->time != BT_TIME_NONE) {
		if ((h->o.since != BT_TIME_NONE && ev->time < h->o.since) ||
		    (h->o.until != BT_TIME_NONE && ev->time > h->o.until))
			return;
	}
	w->ncollected = 0;
	w->collect_failed = false;
	bt_ruleset_match_with(h->o.rules, w->scratch, ev, collect, w);
	if (w->collect_failed)
		bt_diagf(&h->o.diag, BT_DIAG_ERROR, ev->file,
		         "out of memory: rules an event matched were not all kept");
	if (!w->ncollected)
		return;
	w->matched++;
	enum bt_status st = bt_hitstore_add(h->store, ev, w->collected, w->ncollected);
	/* the store's error is sticky: every later event would fail alike */
	if (st != BT_OK && !atomic_exchange(&h->store_failed, true))
		bt_diagf(&h->o.diag, BT_DIAG_ERROR, ev->file,
		         "cannot keep matched events (%s): matching stops, the hunt cannot finish",
		         st == BT_ERR_IO ? "the spill file failed" : "out of memory");
}

void bt_hunt_event(struct bt_hunt *h, const struct bt_event *ev)
{
	bt_hunt_worker_event(h->main, ev);
}

void bt_hunt_anomalies(struct bt_hunt *h, const char *path, const char *host, const char *channel,
                       const struct bt_anomaly *a, size_t n, const struct bt_file_stats *st)
{
	char buf[64], when[BT_TIME_BUFSZ];
	for (size_t i = 0; i < n; i++) {
		struct bt_evbuf *eb = &h->synth;
		bt_evbuf_reset(eb, BT_SOURCE_SYNTHETIC);
		eb->ev.time = a[i].time;
		eb->ev.channel = "boxtrail";
		eb->ev.provider = "boxtrail-integrity";
		eb->ev.host = host ? bt_evbuf_str(eb, host, strlen(host)) : NULL;
		eb->ev.file = path;
		eb->ev.offset = a[i].offset;
		eb->ev.record_id = a[i].id;
		bool gap = a[i].kind == BT_ANOMALY_ID_GAP;
		bt_evbuf_adds(eb, "Check", gap ? "record_id_gap" : "time_backwards");
		bt_evbuf_adds(eb, "LogFile", path);
		if (channel)
			bt_evbuf_adds(eb, "LogChannel", channel);
		snprintf(buf, sizeof buf, "%" PRIu64, a[i].prev_id);
		bt_evbuf_adds(eb, "PreviousRecordID", buf);
		snprintf(buf, sizeof buf, "%" PRIu64, a[i].id);
		bt_evbuf_adds(eb, "RecordID", buf);
		if (gap) {
			snprintf(buf, sizeof buf, "%" PRIu64, a[i].id - a[i].prev_id - 1);
			bt_evbuf_adds(eb, "MissingRecords", buf);
		} else {
			snprintf(buf, sizeof buf, "%.3f",
			         (double)(a[i].prev_time - a[i].time) / BT_TICKS_PER_SEC);
			bt_evbuf_adds(eb, "BackwardsSeconds", buf);
		}
		bt_time_format(a[i].prev_time, when);
		bt_evbuf_adds(eb, "PreviousTime", when);
		bt_evbuf_adds(eb, "CorruptChunks", st && st->corrupt_chunks ? "true" : "false");
		bt_hunt_event(h, bt_evbuf_done(eb));
	}
}

static void note_key_conflict(struct bt_finding *f);

/* Evidence events a finding keeps once the findings and the correlation
 * state reach the memory budget (its evidence_count stays whole). */
#define TRIMMED_EVIDENCE 10

static void keep(struct bt_hunt *h, struct bt_finding *f)
{
	note_key_conflict(f);
	if (h->held > h->budget && f->nevidence > TRIMMED_EVIDENCE) {
		for (size_t i = TRIMMED_EVIDENCE; i < f->nevidence; i++)
			bt_evidence_free(f->evidence[i]);
		f->nevidence = TRIMMED_EVIDENCE;
		if (!h->findings_trimmed++)
			bt_diagf(&h->o.diag, BT_DIAG_WARN, NULL,
			         "findings and correlation state reached --max-memory (%llu MiB): further "
			         "findings keep %d evidence events (their counts stay whole)",
			         (unsigned long long)(h->budget >> 20), TRIMMED_EVIDENCE);
	}
	h->held += sizeof *f;
	for (size_t i = 0; i < f->nevidence; i++)
		h->held += f->evidence[i]->bytes;
	if (h->nfound == h->capfound) {
		size_t nc = h->capfound ? h->capfound * 2 : 64;
		struct bt_finding **nv = realloc(h->found, nc * sizeof *nv);
		if (!nv) {
			bt_diagf(&h->o.diag, BT_DIAG_ERROR, NULL, "out of memory: a finding was lost");
			bt_finding_free(f);
			return;
		}
		h->found = nv;
		h->capfound = nc;
	}
	h->found[h->nfound++] = f;
}

static void keep_cb(void *ctx, struct bt_finding *f)
{
	keep(ctx, f);
}

/* ---- single-rule findings: grouped by rule, host and container ---- */

struct open_group {
	unsigned rule;
	char key[512];           /* host key + container */
	struct bt_finding *f;
	int64_t last;
	struct open_group *next;
};

#define GROUP_BUCKETS 4096

static unsigned gkey_hash(unsigned rule, const char *key)
{
	unsigned hsh = 2166136261u ^ rule;
	for (; *key; key++)
		hsh = (hsh ^ (unsigned char)*key) * 16777619u;
	return hsh % GROUP_BUCKETS;
}

/* A rule tagged boxtrail.container_address says its event's IpAddress is a
 * container's (a NAT range). It stands when some evidence names that
 * address's network as a container network; otherwise a LAN numbered in the
 * same range looks alike, and the finding becomes informational, with a
 * note saying why. */
static void check_container_address(struct bt_hunt *h, struct bt_finding *f)
{
	char desc[1200], note[1400];
	struct bt_ip first;
	bool have = false;
	for (size_t i = 0; i < f->nevidence; i++) {
		const struct bt_field *a = bt_event_field(f->evidence[i]->ev, "IpAddress", 9);
		struct bt_ip ip;
		if (!a || !bt_ip_parse(a->text, a->text_len, &ip))
			continue;
		if (h->o.hosts && bt_hostmap_container_net(h->o.hosts, &ip, desc, sizeof desc)) {
			char s[BT_IP_BUFSZ];
			bt_ip_format(&ip, s);
			snprintf(note, sizeof note, "%s lies in a container network the evidence names: %s",
			         s, desc);
			bt_strset_add(&f->notes, note);
			return;
		}
		if (!have) {
			first = ip;
			have = true;
		}
	}
	if (!have)
		return;
	char s[BT_IP_BUFSZ];
	bt_ip_format(&first, s);
	snprintf(note, sizeof note,
	         "no evidence names the network of %s as a container network (a Docker daemon's "
	         "bridge in its log, a container's configuration): a network numbered in the same "
	         "range looks alike, so the finding is informational",
	         s);
	bt_strset_add(&f->notes, note);
	f->severity = BT_SEV_INFORMATIONAL;
}

/* "3 events on HOST, container NAME, account ACCOUNT[; 2 rules]" */
static void detection_summary(struct bt_finding *f)
{
	char buf[1024];
	int len = snprintf(buf, sizeof buf, "%llu event%s", (unsigned long long)f->evidence_total,
	                   f->evidence_total == 1 ? "" : "s");
	if (f->hosts.n == 1)
		len += snprintf(buf + len, sizeof buf - (size_t)len, " on %s", f->hosts.v[0]);
	if (f->container_name && len > 0 && (size_t)len < sizeof buf)
		len += snprintf(buf + len, sizeof buf - (size_t)len, ", container %s", f->container_name);
	if (f->account && len > 0 && (size_t)len < sizeof buf)
		len += snprintf(buf + len, sizeof buf - (size_t)len, ", account %s", f->account);
	if (f->nrules > 1 && len > 0 && (size_t)len < sizeof buf)
		snprintf(buf + len, sizeof buf - (size_t)len, "; %zu rules", f->nrules);
	bt_strdup_to(&f->summary, buf);
}

static bool has_conflict(const struct bt_event *ev, const char *name)
{
	size_t n = strlen(name);
	for (const struct bt_field *c = bt_event_field(ev, "KeyCaseConflict", 15); c;
	     c = bt_event_field_next(ev, c))
		if (c->text_len == n && memcmp(c->text, name, n) == 0)
			return true;
	return false;
}

/* A daemon log's create body with both "Privileged" and "privileged" (Go's
 * decoder takes either; the log, re-encoded from a map, cannot say which
 * won) is read as privileged. The container's configuration in the Docker
 * root says what the daemon applied: when it is among the evidence, the
 * event takes its value (PrivilegedFrom says so) and is matched again. */
static void resolve_key_conflict(struct bt_hunt *h, struct bt_evidence *e)
{
	const struct bt_event *ev = e->ev;
	const struct bt_field *id = bt_event_field(ev, "ConfirmationID", 14);
	if (!id || !has_conflict(ev, "Privileged"))
		return;
	const struct root_priv *r = NULL;
	for (size_t k = h->nroots; k-- > 0 && !r;)
		if (strlen(h->roots[k].id) == id->text_len &&
		    memcmp(h->roots[k].id, id->text, id->text_len) == 0)
			r = &h->roots[k];
	if (!r)
		return;
	struct bt_field *fv = calloc(ev->nfields + 1, sizeof *fv);
	if (!fv)
		return;
	for (size_t i = 0; i < ev->nfields; i++) {
		fv[i] = ev->fields[i];
		if (fv[i].name_len == 10 && memcmp(fv[i].name, "Privileged", 10) == 0) {
			fv[i].text = r->privileged ? "true" : "false";
			fv[i].text_len = r->privileged ? 4 : 5;
		}
	}
	static const char from[] = "hostconfig.json (Docker root)";
	fv[ev->nfields] = (struct bt_field){.name = "PrivilegedFrom", .name_len = 14, .text = from,
	                                    .text_len = sizeof from - 1};
	struct bt_event copy = *ev;
	copy.fields = fv;
	copy.nfields = ev->nfields + 1;
	struct bt_event *c2 = bt_event_clone(&copy);
	free(fv);
	struct bt_hunt_worker *w = h->main;
	if (!c2)
		return;
	w->ncollected = 0;
	bt_ruleset_match_with(h->o.rules, w->scratch, c2, recollect, w);
	uint32_t *rules = malloc((w->ncollected ? w->ncollected : 1) * sizeof *rules);
	if (!rules) {
		free(c2);
		return;
	}
	memcpy(rules, w->collected, w->ncollected * sizeof *rules);
	free(e->ev);
	free(e->rules);
	e->ev = c2;
	e->rules = rules;
	e->nrules = w->ncollected;
}

/* The note a finding with such an event gets. */
static void note_key_conflict(struct bt_finding *f)
{
	for (size_t i = 0; i < f->nevidence; i++) {
		const struct bt_event *ev = f->evidence[i]->ev;
		if (!has_conflict(ev, "Privileged"))
			continue;
		const struct bt_field *p = bt_event_field(ev, "Privileged", 10);
		bool on = p && p->text_len == 4 && memcmp(p->text, "true", 4) == 0;
		const char *what =
		        !bt_event_field(ev, "PrivilegedFrom", 14)
		                ? "taken as privileged; the container's hostconfig.json in the Docker "
		                  "root would say"
		        : on ? "the container's configuration in the Docker root says privileged"
		             : "the container's configuration in the Docker root says not privileged";
		char note[512];
		snprintf(note, sizeof note,
		         "a create body has both Privileged and privileged with different values (the "
		         "daemon applies one; its log cannot say which): %s",
		         what);
		bt_strset_add(&f->notes, note);
	}
}

static void finish_single(struct bt_hunt *h, struct open_group *g)
{
	struct bt_finding *f = g->f;
	const struct bt_rule_info *ri = bt_ruleset_info(h->o.rules, g->rule);
	const struct bt_sigma_rule *r = ri->sigma;
	f->kind = "detection";
	bt_finding_set_rule(f, r);
	bt_finding_derive(f);
	if (bt_sigma_rule_has_tag(r, "boxtrail.container_address"))
		check_container_address(h, f);
	detection_summary(f);
	keep(h, f);
	g->f = NULL;
}

static void group_key_of(const struct bt_event *ev, char *out, size_t n)
{
	char host[256] = "";
	if (ev->host)
		bt_host_key(ev->host, host, sizeof host);
	const struct bt_field *c = bt_event_field(ev, "ContainerID", 11);
	snprintf(out, n, "%s\x1f%.*s", host, c ? (int)(c->text_len > 64 ? 64 : c->text_len) : 0,
	         c ? c->text : "");
}

/* Absorption: events an aggregating correlation (event_count, value_count)
 * reported are not reported again by the rules it aggregates. */
struct absorbed {
	uint64_t *v;  /* (identity ^ rule * k) hashes, sorted */
	size_t n;
};

static uint64_t absorb_key(uint64_t identity, unsigned rule)
{
	return identity ^ ((uint64_t)rule * 0x9E3779B97F4A7C15ULL);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void build_absorbed(struct bt_hunt *h, struct absorbed *ab)
{
	size_t cap = 0;
	for (size_t i = 0; i < h->nfound; i++) {
		struct bt_finding *f = h->found[i];
		if (!f->correlation_type || (strcmp(f->correlation_type, "event_count") != 0 &&
		                             strcmp(f->correlation_type, "value_count") != 0))
			continue;
		const struct bt_rule_info *ci = bt_ruleset_find(h->o.rules, f->rule_id);
		if (!ci || !ci->sigma->correlation)
			continue;
		for (size_t e = 0; e < f->nevidence; e++) {
			const struct bt_evidence *ev = f->evidence[e];
			for (size_t r = 0; r < ev->nrules; r++) {
				if (ab->n == cap) {
					cap = cap ? cap * 2 : 256;
					uint64_t *nv = realloc(ab->v, cap * sizeof *nv);
					if (!nv)
						return;
					ab->v = nv;
				}
				ab->v[ab->n++] = absorb_key(ev->identity, ev->rules[r]);
			}
		}
	}
	if (ab->n)
		qsort(ab->v, ab->n, sizeof *ab->v, cmp_u64);
}

static bool is_absorbed(const struct absorbed *ab, uint64_t identity, unsigned rule,
                        const struct bt_correlator *corr)
{
	if (!ab->n || !bt_correlator_uses(corr, rule))
		return false;
	uint64_t k = absorb_key(identity, rule);
	return bsearch(&k, ab->v, ab->n, sizeof k, cmp_u64) != NULL;
}

static int cmp_finding(const void *a, const void *b)
{
	return bt_finding_cmp(*(struct bt_finding *const *)a, *(struct bt_finding *const *)b);
}

/* Removes from single-rule findings the events an aggregating correlation
 * already reports; drops findings left empty. */
static void apply_absorption(struct bt_hunt *h, size_t first_single)
{
	struct absorbed ab = {0};
	build_absorbed(h, &ab);
	if (!ab.n)
		return;
	size_t w = 0;
	for (size_t i = 0; i < h->nfound; i++) {
		struct bt_finding *f = h->found[i];
		if (i < first_single || strcmp(f->kind, "detection") != 0) {
			h->found[w++] = f;
			continue;
		}
		const struct bt_rule_info *ri = bt_ruleset_find(h->o.rules, f->rule_id);
		size_t k = 0, gone = 0;
		for (size_t e = 0; e < f->nevidence; e++) {
			if (ri && is_absorbed(&ab, f->evidence[e]->identity, ri->index, h->corr)) {
				bt_evidence_free(f->evidence[e]);
				gone++;
			} else {
				f->evidence[k++] = f->evidence[e];
			}
		}
		f->nevidence = k;
		f->evidence_total -= gone;
		if (f->evidence_total == 0) {
			bt_finding_free(f);
			continue;
		}
		/* (with every kept event absorbed, the events past the evidence cap
		 * remain: the finding stays as derived before) */
		if (gone && k > 0) {
			f->first = f->evidence[0]->ev->time;
			f->last = f->evidence[f->nevidence - 1]->ev->time;
			bt_strset_free(&f->hosts);
			bt_strset_free(&f->sources);
			bt_finding_derive(f);
		}
		h->found[w++] = f;
	}
	h->nfound = w;
	free(ab.v);
}

/* ---- one finding per event group ---- */

/* Identities of evidence to the first detection finding holding them: an
 * open-addressed table. */
struct idtab {
	uint64_t *k;
	size_t *v;
	size_t cap, n;
};

static size_t *idtab_slot(struct idtab *t, uint64_t k, bool *found)
{
	if (t->n * 2 >= t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 1024;
		uint64_t *nk = calloc(nc, sizeof *nk);
		size_t *nv = calloc(nc, sizeof *nv);
		if (!nk || !nv) {
			free(nk);
			free(nv);
			return NULL;
		}
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->v[i])
				continue;
			size_t j = (size_t)(t->k[i] * 0x9E3779B97F4A7C15ULL) & (nc - 1);
			while (nv[j])
				j = (j + 1) & (nc - 1);
			nk[j] = t->k[i];
			nv[j] = t->v[i];
		}
		free(t->k);
		free(t->v);
		t->k = nk;
		t->v = nv;
		t->cap = nc;
	}
	size_t j = (size_t)(k * 0x9E3779B97F4A7C15ULL) & (t->cap - 1);
	while (t->v[j] && t->k[j] != k)
		j = (j + 1) & (t->cap - 1);
	*found = t->v[j] != 0;
	if (!*found) {
		t->k[j] = k;
		t->n++;
	}
	return &t->v[j];   /* finding index + 1 */
}

static size_t uf_find(size_t *parent, size_t i)
{
	while (parent[i] != i)
		i = parent[i] = parent[parent[i]];
	return i;
}

static bool is_detection(const struct bt_finding *f)
{
	return strcmp(f->kind, "detection") == 0;
}

/* The member that gives a merged finding its rule: highest severity, then
 * the earliest, then the lowest rule id. */
static bool better_primary(const struct bt_finding *a, const struct bt_finding *b)
{
	if (a->severity != b->severity)
		return a->severity > b->severity;
	if (a->first != b->first)
		return a->first < b->first;
	return strcmp(a->rule_id ? a->rule_id : "", b->rule_id ? b->rule_id : "") < 0;
}

static int cmp_u64p(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_evp(const void *a, const void *b)
{
	return bt_evidence_cmp(*(struct bt_evidence *const *)a, *(struct bt_evidence *const *)b);
}

/* One rule of a merged finding: its records, sorted (to tell the rules
 * that matched exactly the same ones). */
struct mrule {
	const struct bt_finding *first;   /* a member finding of the rule */
	uint64_t *ids;
	size_t n, cap;
	enum bt_severity sev;
};

static int cmp_mrule(const void *pa, const void *pb)
{
	const struct mrule *a = pa, *b = pb;
	if (a->sev != b->sev)
		return a->sev > b->sev ? -1 : 1;
	return strcmp(a->first->rule_id ? a->first->rule_id : "",
	              b->first->rule_id ? b->first->rule_id : "");
}

/* Builds the finding for a group of detection findings that share events
 * (members[0..n), n >= 2); frees the members. NULL when out of memory (the
 * members are kept then). */
static struct bt_finding *merge_group(struct bt_finding **members, size_t n)
{
	size_t primary = 0, total_ev = 0;
	for (size_t i = 0; i < n; i++) {
		if (better_primary(members[i], members[primary]))
			primary = i;
		total_ev += members[i]->nevidence;
	}
	struct bt_finding *f = bt_finding_new();
	struct bt_evidence **ev = calloc(total_ev ? total_ev : 1, sizeof *ev);
	struct mrule *rules = calloc(n, sizeof *rules);
	if (!f || !ev || !rules) {
		bt_finding_free(f);
		free(ev);
		free(rules);
		return NULL;
	}
	size_t nev = 0, nr = 0;
	uint64_t beyond = 0;   /* events past the members' evidence caps */
	for (size_t i = 0; i < n; i++) {
		const struct bt_finding *m = members[i];
		beyond += m->evidence_total - m->nevidence;
		size_t r = 0;
		while (r < nr && strcmp(rules[r].first->rule_id, m->rule_id) != 0)
			r++;
		if (r == nr) {
			rules[nr].first = m;
			rules[nr].sev = m->severity;
			nr++;
		}
		if (m->severity > rules[r].sev)
			rules[r].sev = m->severity;
		for (size_t e = 0; e < m->nevidence; e++) {
			ev[nev++] = m->evidence[e];
			if (bt_array_reserve(&rules[r].ids, &rules[r].cap, rules[r].n, sizeof(uint64_t), 16))
				rules[r].ids[rules[r].n++] = m->evidence[e]->identity;
		}
	}
	qsort(ev, nev, sizeof *ev, cmp_evp);
	for (size_t i = 0; i < nev; i++)
		if (!i || ev[i] != ev[i - 1])
			bt_finding_add_evidence(f, ev[i]);
	f->evidence_total += beyond;
	free(ev);
	/* the rules, highest level first (the primary's first of all), those
	 * with the same records in one group */
	for (size_t r = 0; r < nr; r++) {
		qsort(rules[r].ids, rules[r].n, sizeof *rules[r].ids, cmp_u64p);
		size_t k = 0;
		for (size_t i = 0; i < rules[r].n; i++)
			if (!i || rules[r].ids[i] != rules[r].ids[i - 1])
				rules[r].ids[k++] = rules[r].ids[i];
		rules[r].n = k;
	}
	for (size_t r = 0; r < nr; r++)
		if (strcmp(rules[r].first->rule_id, members[primary]->rule_id) == 0 && r) {
			struct mrule t = rules[0];
			rules[0] = rules[r];
			rules[r] = t;
		}
	if (nr > 2)
		qsort(rules + 1, nr - 1, sizeof *rules, cmp_mrule);
	f->rules = calloc(nr, sizeof *f->rules);
	if (f->rules) {
		f->nrules = nr;
		for (size_t r = 0; r < nr; r++) {
			struct bt_finding_rule *fr = &f->rules[r];
			bt_strdup_to(&fr->id, rules[r].first->rule_id);
			bt_strdup_to(&fr->title, rules[r].first->rule_title);
			bt_strdup_to(&fr->level, rules[r].first->rule_level);
			fr->records = rules[r].n;
			fr->group = r;
			for (size_t q = 0; q < r; q++)
				if (f->rules[q].group == q && rules[q].n == rules[r].n &&
				    memcmp(rules[q].ids, rules[r].ids, rules[r].n * sizeof(uint64_t)) == 0) {
					fr->group = q;
					break;
				}
		}
	}
	for (size_t r = 0; r < nr; r++)
		free(rules[r].ids);
	free(rules);
	/* the primary's rule and severity, the techniques and notes of all */
	const struct bt_finding *p = members[primary];
	f->kind = "detection";
	bt_strdup_to(&f->rule_id, p->rule_id);
	bt_strdup_to(&f->rule_title, p->rule_title);
	bt_strdup_to(&f->rule_level, p->rule_level);
	bt_strdup_to(&f->rule_file, p->rule_file);
	f->severity = p->severity;
	for (size_t i = 0; i < n; i++) {
		/* an informational rule is context: its techniques are not claimed
		 * for a finding above it */
		bool claim = members[i]->severity > BT_SEV_INFORMATIONAL ||
		             p->severity == BT_SEV_INFORMATIONAL;
		for (size_t t = 0; claim && t < members[i]->techniques.n; t++)
			bt_strset_add(&f->techniques, members[i]->techniques.v[t]);
		for (size_t t = 0; t < members[i]->notes.n; t++)
			bt_strset_add(&f->notes, members[i]->notes.v[t]);
	}
	bt_finding_derive(f);
	detection_summary(f);
	for (size_t i = 0; i < n; i++)
		bt_finding_free(members[i]);
	return f;
}

/* Detection findings that share an event become one, so each record is
 * evidence of at most one detection finding. */
static void merge_detections(struct bt_hunt *h)
{
	size_t n = h->nfound;
	size_t *parent = malloc((n ? n : 1) * sizeof *parent);
	struct idtab t = {0};
	if (!parent)
		return;
	for (size_t i = 0; i < n; i++)
		parent[i] = i;
	bool any = false, ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		struct bt_finding *f = h->found[i];
		if (!is_detection(f))
			continue;
		for (size_t e = 0; e < f->nevidence; e++) {
			bool found;
			size_t *slot = idtab_slot(&t, f->evidence[e]->identity, &found);
			if (!slot) {
				ok = false;
				break;
			}
			if (!found) {
				*slot = i + 1;
				continue;
			}
			size_t a = uf_find(parent, *slot - 1), b = uf_find(parent, i);
			if (a != b) {
				parent[a > b ? a : b] = a < b ? a : b;
				any = true;
			}
		}
	}
	free(t.k);
	free(t.v);
	if (!ok)
		bt_diagf(&h->o.diag, BT_DIAG_ERROR, NULL,
		         "out of memory: findings that share events are not merged");
	if (!any || !ok) {
		free(parent);
		return;
	}
	/* members of each group in index order; the group's finding takes the
	 * place of its first member */
	struct bt_finding **members = malloc(n * sizeof *members);
	size_t *idx = malloc(n * sizeof *idx);
	/* each group's members as a list from its first (head[root], next[j]) */
	size_t *head = malloc(n * sizeof *head), *next = malloc(n * sizeof *next);
	for (size_t j = n; head && next && j-- > 0;) {
		head[j] = next[j] = SIZE_MAX;
	}
	for (size_t j = n; head && next && j-- > 0;) {
		if (!is_detection(h->found[j]))
			continue;
		size_t r = uf_find(parent, j);
		next[j] = head[r];
		head[r] = j;
	}
	size_t w = 0;
	for (size_t i = 0; members && idx && head && next && i < n; i++) {
		struct bt_finding *f = h->found[i];
		if (!f)
			continue;   /* merged into its group's first member */
		if (!is_detection(f) || uf_find(parent, i) != i) {
			h->found[w++] = f;
			continue;
		}
		size_t m = 0;
		for (size_t j = head[i]; j != SIZE_MAX; j = next[j]) {
			idx[m] = j;
			members[m++] = h->found[j];
		}
		struct bt_finding *merged = m > 1 ? merge_group(members, m) : NULL;
		if (merged) {
			/* the members are freed: their places empty */
			for (size_t k = 1; k < m; k++)
				h->found[idx[k]] = NULL;
			h->merged += m - 1;
			h->found[w++] = merged;
		} else {
			/* alone, or no memory to merge: each stays (the others are
			 * moved when the loop reaches them) */
			h->found[w++] = f;
		}
	}
	if (members && idx && head && next)
		h->nfound = w;
	free(members);
	free(idx);
	free(head);
	free(next);
	free(parent);
}

/* Closes single-rule groups whose last event is older than the window. */
static void sweep_groups(struct bt_hunt *h, struct open_group **buckets, int64_t now, bool all)
{
	for (size_t b = 0; b < GROUP_BUCKETS; b++) {
		struct open_group **pp = &buckets[b];
		while (*pp) {
			struct open_group *g = *pp;
			if (all || (g->last != BT_TIME_NONE && now - g->last > h->o.window)) {
				if (g->f)
					finish_single(h, g);
				*pp = g->next;
				free(g);
			} else {
				pp = &g->next;
			}
		}
	}
}

/* Adds an event to the single-rule groups of every rule it matched. */
static void group_event(struct bt_hunt *h, struct open_group **buckets, struct bt_evidence *e)
{
	char gk[512];
	group_key_of(e->ev, gk, sizeof gk);
	for (size_t r = 0; r < e->nrules; r++) {
		unsigned rule = e->rules[r];
		const struct bt_rule_info *ri = bt_ruleset_info(h->o.rules, rule);
		if (!ri || ri->state != BT_RULE_LOADED || !bt_correlator_generates(h->corr, rule))
			continue;
		unsigned b = gkey_hash(rule, gk);
		struct open_group *g = buckets[b];
		while (g && (g->rule != rule || strcmp(g->key, gk) != 0))
			g = g->next;
		if (!g) {
			if (!(g = calloc(1, sizeof *g)))
				continue;
			g->rule = rule;
			g->last = BT_TIME_NONE;
			snprintf(g->key, sizeof g->key, "%s", gk);
			g->next = buckets[b];
			buckets[b] = g;
		}
		int64_t t = e->ev->time;
		if (g->f && t != BT_TIME_NONE && g->last != BT_TIME_NONE && t - g->last > h->o.window)
			finish_single(h, g);
		if (!g->f && !(g->f = bt_finding_new()))
			continue;
		bt_finding_add_evidence(g->f, e);
		if (t != BT_TIME_NONE)
			g->last = t;
	}
}

enum bt_status bt_hunt_finish(struct bt_hunt *h, void (*emit)(void *ctx, struct bt_finding *f),
                              void *ctx)
{
	enum bt_status st = bt_hitstore_seal(h->store);
	if (st != BT_OK)
		return st;
	bt_identity_finish(h->id, &h->o.diag);
	struct bt_correlator_opts co = {.rules = h->o.rules, .hosts = h->o.hosts,
	                                .builtin_window = h->o.window,
	                                /* events the filter left out could explain an
	                                 * absence: nothing is judged then */
	                                .coverage = h->narrowed ? NULL : h->coverage,
	                                .ticket_lifetime = h->o.ticket_lifetime,
	                                .renew_lifetime = h->o.renew_lifetime,
	                                .baseline_until = h->o.baseline_until, .diag = h->o.diag,
	                                .held = &h->held, .budget = h->budget,
	                                .emit = keep_cb, .emit_ctx = h};
	h->corr = bt_correlator_new(&co);
	struct open_group **buckets = calloc(GROUP_BUCKETS, sizeof *buckets);
	if (!h->corr || !buckets) {
		free(buckets);
		return BT_ERR_NOMEM;
	}
	/* One pass in time order: correlations and single-rule groups side by
	 * side; only open windows and open findings are held. */
	struct bt_evidence *e;
	uint64_t n = 0;
	int64_t now = BT_TIME_NONE;
	while ((st = bt_hitstore_next(h->store, &e)) == BT_OK) {
		const char *host = inferred_host(h, e->ev);
		if (host) {
			struct bt_event copy = *e->ev;
			copy.host = host;
			copy.flags |= BT_EV_HOST_INFERRED;
			struct bt_event *c2 = bt_event_clone(&copy);
			if (c2) {
				free(e->ev);
				e->ev = c2;
			}
		}
		if (h->nroots)
			resolve_key_conflict(h, e);
		if (e->ev->time != BT_TIME_NONE)
			now = e->ev->time;
		bt_correlator_feed(h->corr, e);
		group_event(h, buckets, e);
		bt_evidence_free(e);
		if (++n % 4096 == 0 && now != BT_TIME_NONE)
			sweep_groups(h, buckets, now, false);
	}
	bt_correlator_flush(h->corr);
	sweep_groups(h, buckets, now, true);
	free(buckets);
	if (st != BT_EOF)
		return st;
	apply_absorption(h, 0);
	merge_detections(h);
	if (h->nfound > 1)
		qsort(h->found, h->nfound, sizeof *h->found, cmp_finding);
	for (size_t i = 0; i < h->nfound; i++)
		emit(ctx, h->found[i]);
	h->nfound = 0;
	return BT_OK;
}

void bt_hunt_caps(const struct bt_hunt *h, bt_hunt_cap_fn fn, void *ctx)
{
	char name[300], detail[600];
	for (size_t i = 0; h->corr && i < bt_correlator_count(h->corr); i++) {
		struct bt_corr_caps k;
		bt_correlator_caps(h->corr, i, &k);
		if (k.window_left_early) {
			snprintf(name, sizeof name, "correlation window (%s)", k.title);
			snprintf(detail, sizeof detail,
			         "correlation '%s': %d events in one window: %llu events left it early",
			         k.title, BT_CORR_MAX_WINDOW, (unsigned long long)k.window_left_early);
			fn(ctx, name, detail);
		}
		if (k.groups_not_followed) {
			snprintf(name, sizeof name, "correlation groups (%s)", k.title);
			snprintf(detail, sizeof detail,
			         "correlation '%s': %d groups at once: %llu events of new groups not followed",
			         k.title, BT_CORR_MAX_GROUPS, (unsigned long long)k.groups_not_followed);
			fn(ctx, name, detail);
		}
		if (k.memory_left_early || k.memory_not_followed) {
			snprintf(name, sizeof name, "correlation memory (%s)", k.title);
			snprintf(detail, sizeof detail,
			         "correlation '%s': --max-memory (%llu MiB): %llu events left windows early, "
			         "%llu events of new groups not followed",
			         k.title, (unsigned long long)(h->budget >> 20),
			         (unsigned long long)k.memory_left_early,
			         (unsigned long long)k.memory_not_followed);
			fn(ctx, name, detail);
		}
	}
	if (h->o.hosts && bt_hostmap_full(h->o.hosts)) {
		snprintf(detail, sizeof detail,
		         "host map: %d links: addresses learned past them are not resolved to hosts",
		         BT_HOSTMAP_MAX_LINKS);
		fn(ctx, "host map links", detail);
	}
	if (h->findings_trimmed) {
		snprintf(detail, sizeof detail,
		         "findings: --max-memory (%llu MiB): %llu findings keep %d evidence events "
		         "(their counts stay whole)",
		         (unsigned long long)(h->budget >> 20), (unsigned long long)h->findings_trimmed,
		         TRIMMED_EVIDENCE);
		fn(ctx, "findings memory", detail);
	}
}

uint64_t bt_hunt_rule_hits(const struct bt_hunt *h, unsigned rule)
{
	return rule < h->nrules ? h->rule_hits[rule] + (h->main ? h->main->rule_hits[rule] : 0) : 0;
}

void bt_hunt_counts(const struct bt_hunt *h, struct bt_hunt_counts *c)
{
	c->events = h->events + (h->main ? h->main->events : 0);
	c->matched = h->matched + (h->main ? h->main->matched : 0);
	c->spilled_runs = bt_hitstore_runs(h->store);
	c->correlations_active = h->corr ? bt_correlator_count(h->corr) : 0;
	c->merged = h->merged;
}

void bt_hunt_set_baseline_until(struct bt_hunt *h, bt_time t)
{
	h->o.baseline_until = t;
}

void bt_hunt_log_span(struct bt_hunt *h, const char *host, const char *channel, const char *file,
                      bt_time first, bt_time last)
{
	/* what --since/--until leave out is not covered */
	if (h->o.since != BT_TIME_NONE && first != BT_TIME_NONE && first < h->o.since)
		first = h->o.since;
	if (h->o.until != BT_TIME_NONE && last != BT_TIME_NONE && last > h->o.until)
		last = h->o.until;
	if (first != BT_TIME_NONE && last != BT_TIME_NONE && first > last)
		return;
	bt_coverage_add(h->coverage, host, channel, file, first, last);
}

const struct bt_coverage *bt_hunt_coverage(const struct bt_hunt *h)
{
	return h->coverage;
}

void bt_hunt_facts(const struct bt_hunt *h,
                   void (*cb)(void *ctx, const struct bt_rule_info *rule,
                              const struct bt_baseline_fact *f),
                   void *ctx)
{
	if (h->corr)
		bt_correlator_facts(h->corr, cb, ctx);
}

/* ---- state files ---- */

struct bt_identity *bt_hunt_identity(struct bt_hunt *h)
{
	return h->id;
}

enum bt_status bt_hunt_drain(struct bt_hunt *h,
                             bool (*cb)(void *ctx, const struct bt_evidence *e), void *ctx)
{
	enum bt_status st = bt_hitstore_seal(h->store);
	if (st != BT_OK)
		return st;
	struct bt_evidence *e;
	bool go = true;
	while ((st = bt_hitstore_next(h->store, &e)) == BT_OK) {
		if (go)
			go = cb(ctx, e);
		bt_evidence_free(e);
	}
	return st == BT_EOF ? (go ? BT_OK : BT_ERR_IO) : st;
}

enum bt_status bt_hunt_add_hit(struct bt_hunt *h, const struct bt_event *ev,
                               const uint32_t *rules, size_t nrules)
{
	for (size_t i = 0; i < nrules; i++)
		if (rules[i] >= h->nrules)
			return BT_ERR_FORMAT;
	/* --since/--until of the reduce, as they act on matching in one run */
	if (ev->time != BT_TIME_NONE &&
	    ((h->o.since != BT_TIME_NONE && ev->time < h->o.since) ||
	     (h->o.until != BT_TIME_NONE && ev->time > h->o.until)))
		return BT_OK;
	return bt_hitstore_add(h->store, ev, rules, nrules);
}

void bt_hunt_each_root(const struct bt_hunt *h,
                       void (*cb)(void *ctx, const char *container_id, bool privileged),
                       void *ctx)
{
	for (size_t i = 0; i < h->nroots; i++)
		cb(ctx, h->roots[i].id, h->roots[i].privileged);
}

void bt_hunt_add_root(struct bt_hunt *h, const char *container_id, bool privileged)
{
	size_t n = strlen(container_id);
	if (n >= sizeof h->roots->id)
		return;
	pthread_mutex_lock(&h->lock);
	if (bt_array_reserve(&h->roots, &h->caproots, h->nroots, sizeof *h->roots, 16)) {
		struct root_priv *r = &h->roots[h->nroots++];
		memcpy(r->id, container_id, n + 1);
		r->privileged = privileged;
	}
	pthread_mutex_unlock(&h->lock);
}

void bt_hunt_add_counts(struct bt_hunt *h, uint64_t events, uint64_t matched, bool narrowed)
{
	pthread_mutex_lock(&h->lock);
	h->events += events;
	h->matched += matched;
	if (narrowed)
		h->narrowed = true;
	pthread_mutex_unlock(&h->lock);
}

void bt_hunt_add_rule_hits(struct bt_hunt *h, unsigned rule, uint64_t n)
{
	pthread_mutex_lock(&h->lock);
	if (rule < h->nrules)
		h->rule_hits[rule] += n;
	pthread_mutex_unlock(&h->lock);
}

bool bt_hunt_narrowed(const struct bt_hunt *h)
{
	return h->narrowed;
}

/* ---- the hunt's read loop ---- */

struct hunt_read {
	struct bt_hunt *h;
	const struct bt_scan_input *inputs;
	const struct bt_filter *filter;
};

struct hunt_reader {
	const struct hunt_read *hr;
	struct bt_hunt_worker *w;
};

static void *hunt_reader_new(void *ctx)
{
	struct hunt_reader *r = calloc(1, sizeof *r);
	if (r) {
		r->hr = ctx;
		r->w = bt_hunt_worker_new(r->hr->h);
	}
	return r;
}

static void hunt_reader_free(void *ctx, void *w)
{
	(void)ctx;
	struct hunt_reader *r = w;
	if (r) {
		bt_hunt_worker_free(r->w);
		free(r);
	}
}

/* An event the filter leaves out still says who its host is. */
static void bt_hunt_learn_only(struct bt_hunt *h, const struct bt_event *ev)
{
	bt_identity_learn(h->id, ev);
}

/* In a reading thread. The filter narrows what is matched; host identity
 * still learns from every event. */
static void hunt_reader_event(void *w, const struct bt_event *ev, struct bt_buf *out)
{
	(void)out;
	struct hunt_reader *r = w;
	if (!r || !r->w)
		return;
	if (bt_filter_pass(r->hr->filter, ev))
		bt_hunt_worker_event(r->w, ev);
	else
		bt_hunt_learn_only(r->hr->h, ev);
}

/* The integrity anomalies of each input become synthetic events. */
static void hunt_input_done(void *ctx, size_t input, const struct bt_scan_result *r)
{
	const struct hunt_read *hr = ctx;
	if (r->stats && r->stats->have_span) {
		/* what --since/--until leave out is not covered */
		bt_time first = r->stats->span_first, last = r->stats->span_last;
		if (hr->filter && hr->filter->since != BT_TIME_NONE && first < hr->filter->since)
			first = hr->filter->since;
		if (hr->filter && hr->filter->until != BT_TIME_NONE && last > hr->filter->until)
			last = hr->filter->until;
		if (first <= last)
			bt_hunt_log_span(hr->h, r->host, r->channel, hr->inputs[input].path, first, last);
	}
	if (r->stats && r->nanomalies)
		bt_hunt_anomalies(hr->h, hr->inputs[input].path, r->host, r->channel, r->anomalies,
		                  r->nanomalies, r->stats);
}

enum bt_status bt_hunt_read(struct bt_hunt *h, const struct bt_scan_input *inputs, size_t n,
                            const struct bt_scan_opts *o, const struct bt_filter *filter,
                            const struct bt_scan_report *report)
{
	struct hunt_read hr = {h, inputs, filter};
	if (filter && (filter->nids || filter->nchannels || filter->nproviders))
		h->narrowed = true;
	struct bt_input_opts in = *o->in;
	struct bt_scan_opts so = *o;
	in.read.want_fields = bt_hunt_want_fields;
	in.read.want_ctx = h;
	so.in = &in;
	struct bt_scan_hooks hooks = {hunt_reader_new, hunt_reader_free, hunt_reader_event,
	                              hunt_input_done, &hr};
	return bt_scan_run(inputs, n, &so, &hooks, report);
}
