/* State files: writing the map step's, loading them into the reduce. */
#include "config.h"

#include "hunt/bt_state.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bt_array.h"
#include "core/bt_ip.h"
#include "hunt/bt_coverage.h"
#include "hunt/bt_identity.h"
#include "io/bt_reader.h"
#include "io/bt_stream.h"

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL
#define MAX_BAD_REPORTED 10   /* bad records reported per file (all are counted) */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * FNV_PRIME;
	return h;
}

/* ---- writing ---- */

struct bt_state_writer {
	FILE *f;
	char *prefix;            /* put before every path (and evidence) recorded */
	struct bt_identity *id;
	char **inputs;           /* the inputs' paths: their collections are recorded */
	size_t ninputs, capinputs;
	uint64_t records, hash;
	bool failed;
	/* a section's lines, sorted before writing */
	char **lines;
	size_t n, cap;
	const struct bt_ruleset *rules;
};

static void put_line(struct bt_state_writer *w, const char *s, size_t n)
{
	if (fwrite(s, 1, n, w->f) != n || fputc('\n', w->f) == EOF)
		w->failed = true;
	w->hash = fnv(w->hash, s, n);
	w->hash = fnv(w->hash, "\n", 1);
	w->records++;
}

static const char *plain(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Writes o as one record now (and frees it). */
static void emit_now(struct bt_state_writer *w, struct json_object *o)
{
	if (!o) {
		w->failed = true;
		return;
	}
	const char *s = plain(o);
	if (s)
		put_line(w, s, strlen(s));
	else
		w->failed = true;
	json_object_put(o);
}

/* Keeps o's line for the section being gathered (and frees o). */
static void emit_sorted(struct bt_state_writer *w, struct json_object *o)
{
	const char *s = o ? plain(o) : NULL;
	char *c = s ? strdup(s) : NULL;
	json_object_put(o);
	if (!c || !bt_array_reserve(&w->lines, &w->cap, w->n, sizeof *w->lines, 64)) {
		free(c);
		w->failed = true;
		return;
	}
	w->lines[w->n++] = c;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void flush_sorted(struct bt_state_writer *w)
{
	if (w->n > 1)
		qsort(w->lines, w->n, sizeof *w->lines, cmp_line);
	for (size_t i = 0; i < w->n; i++) {
		put_line(w, w->lines[i], strlen(w->lines[i]));
		free(w->lines[i]);
	}
	w->n = 0;
}

static struct json_object *obj(const char *kind)
{
	struct json_object *o = json_object_new_object();
	if (o)
		json_object_object_add(o, "k", json_object_new_string(kind));
	return o;
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	if (o && v)
		json_object_object_add(o, key, json_object_new_string(v));
}

static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
	if (o)
		json_object_object_add(o, key, json_object_new_uint64(v));
}

/* A path, or evidence that starts with one ("file#record"), as recorded:
 * after the collecting host's prefix. */
static void add_path(const struct bt_state_writer *w, struct json_object *o, const char *key,
                     const char *v)
{
	if (!o || !v)
		return;
	if (!w->prefix) {
		add_str(o, key, v);
		return;
	}
	size_t a = strlen(w->prefix), b = strlen(v);
	char *p = malloc(a + b + 1);
	if (!p)
		return;
	memcpy(p, w->prefix, a);
	memcpy(p + a, v, b + 1);
	json_object_object_add(o, key, json_object_new_string_len(p, (int)(a + b)));
	free(p);
}

/* A time as FILETIME ticks (100 ns since 1601), or null. */
static void add_time(struct json_object *o, const char *key, bt_time t)
{
	if (o)
		json_object_object_add(o, key, t == BT_TIME_NONE ? NULL : json_object_new_int64(t));
}

struct bt_state_writer *bt_state_writer_new(FILE *f, const char *fingerprint, const char *tool,
                                            const char *host)
{
	struct bt_state_writer *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->f = f;
	w->hash = FNV_OFFSET;
	if (host && *host) {
		size_t n = strlen(host);
		if (!(w->prefix = malloc(n + 2))) {
			free(w);
			return NULL;
		}
		memcpy(w->prefix, host, n);
		memcpy(w->prefix + n, ":", 2);
	}
	struct json_object *o = json_object_new_object();
	if (o) {
		json_object_object_add(o, "boxtrail_state", json_object_new_int(BT_STATE_SCHEMA));
		add_str(o, "rules", fingerprint);
		add_str(o, "tool", tool);
		add_str(o, "collected_on", host && *host ? host : NULL);
	}
	emit_now(w, o);
	return w;
}

void bt_state_write_input(struct bt_state_writer *w, const char *path, const char *status,
                          const char *format, uint64_t events, const char *host,
                          const char *channel)
{
	struct json_object *o = obj("input");
	add_path(w, o, "path", path);
	add_str(o, "status", status);
	add_str(o, "format", format);
	add_u64(o, "events", events);
	add_str(o, "host", host);
	add_str(o, "channel", channel);
	emit_now(w, o);
	char *p = strdup(path);
	if (p && bt_array_reserve(&w->inputs, &w->capinputs, w->ninputs, sizeof *w->inputs, 64))
		w->inputs[w->ninputs++] = p;
	else
		free(p);
}

static void folder_cb(void *ctx, const char *dir, const struct bt_collection *k)
{
	struct json_object *o = obj("folder");
	add_path(ctx, o, "dir", dir);
	add_path(ctx, o, "root", k->root);
	add_str(o, "layout", bt_layout_name(k->layout));
	emit_sorted(ctx, o);
}

static void name_cb(void *ctx, const struct bt_collection *k, const struct bt_stated_name *nm)
{
	struct json_object *o = obj("name");
	add_path(ctx, o, "root", k->root);
	add_str(o, "layout", bt_layout_name(k->layout));
	add_str(o, "name", nm->name);
	add_str(o, "source", nm->source);
	add_path(ctx, o, "evidence", nm->evidence);
	add_u64(o, "seen", nm->seen);
	emit_sorted(ctx, o);
}

static void add_ip(struct json_object *o, const char *key, const struct bt_ip *ip)
{
	char s[BT_IP_BUFSZ];
	bt_ip_format(ip, s);
	add_str(o, key, s);
}

static void fact_cb(void *ctx, const struct bt_hostfact *f)
{
	static const char *const kinds[] = {"link", "pending", "cnet", "vm", "vm"};
	struct json_object *o = obj(kinds[f->kind]);
	switch (f->kind) {
	case BT_FACT_LINK:
	case BT_FACT_PENDING:
		add_ip(o, "ip", &f->ip);
		add_str(o, "how", bt_hostlink_how_str(f->how));
		add_str(o, "host", f->host);
		add_path(ctx, o, "file", f->file);
		add_time(o, "first", f->first);
		add_time(o, "last", f->last);
		if (f->kind == BT_FACT_LINK)
			add_u64(o, "seen", f->seen);
		break;
	case BT_FACT_CNET:
		add_ip(o, "net", &f->ip);
		add_u64(o, "bits", f->bits);
		break;
	case BT_FACT_VM:
	case BT_FACT_VM_PENDING:
		add_str(o, "vm", f->vm);
		add_str(o, "display", f->vm_display);
		add_str(o, "how", f->vm_how);
		add_str(o, "host", f->host);
		add_path(ctx, o, "file", f->file);
		break;
	}
	add_path(ctx, o, "evidence", f->evidence);
	emit_sorted(ctx, o);
}

static void resolve_cb(void *ctx, const struct bt_hostfact *f)
{
	struct bt_state_writer *w = ctx;
	bt_identity_resolve(w->id, f->file);
}

static void root_cb(void *ctx, const char *id, bool privileged)
{
	struct json_object *o = obj("root");
	add_str(o, "id", id);
	if (o)
		json_object_object_add(o, "privileged", json_object_new_boolean(privileged));
	emit_now(ctx, o);
}

static const char *rule_id(const struct bt_ruleset *rules, unsigned i)
{
	const struct bt_rule_info *ri = bt_ruleset_info(rules, i);
	return ri && ri->sigma->id ? ri->sigma->id : NULL;
}

/* One matched event: the event as read (its host as stated, or none), the
 * rules it matched (index and id), and every copy's provenance. */
static bool hit_cb(void *ctx, const struct bt_evidence *e)
{
	struct bt_state_writer *w = ctx;
	const struct bt_event *ev = e->ev;
	struct json_object *o = obj("hit");
	if (!o) {
		w->failed = true;
		return false;
	}
	add_time(o, "t", ev->time);
	add_str(o, "source", bt_source_name(ev->source));
	add_u64(o, "event_id", ev->event_id);
	json_object_object_add(o, "level", json_object_new_int(ev->level));
	add_u64(o, "flags", ev->flags & ~(uint32_t)BT_EV_MEMBERS_ONLY);
	add_u64(o, "record_id", ev->record_id);
	add_str(o, "channel", ev->channel);
	add_str(o, "provider", ev->provider);
	add_str(o, "host", ev->host);
	add_str(o, "user_sid", ev->user_sid);
	struct json_object *fv = json_object_new_array_ext((int)ev->nfields);
	for (size_t i = 0; fv && i < ev->nfields; i++) {
		const struct bt_field *f = bt_field_need(ev, &ev->fields[i]);
		struct json_object *a = json_object_new_array_ext(3);
		json_object_array_add(a, json_object_new_string_len(f->name, (int)f->name_len));
		json_object_array_add(a, json_object_new_string_len(f->text ? f->text : "",
		                                                    (int)f->text_len));
		if (f->flags)
			json_object_array_add(a, json_object_new_uint64(f->flags));
		json_object_array_add(fv, a);
	}
	json_object_object_add(o, "fields", fv);
	struct json_object *rv = json_object_new_array_ext((int)e->nrules);
	struct json_object *iv = json_object_new_array_ext((int)e->nrules);
	for (size_t i = 0; rv && iv && i < e->nrules; i++) {
		json_object_array_add(rv, json_object_new_uint64(e->rules[i]));
		const char *id = rule_id(w->rules, e->rules[i]);
		json_object_array_add(iv, id ? json_object_new_string(id) : NULL);
	}
	json_object_object_add(o, "rules", rv);
	json_object_object_add(o, "rule_ids", iv);
	struct json_object *cv = json_object_new_array_ext((int)e->ncopies);
	for (size_t i = 0; cv && i < e->ncopies; i++) {
		const struct bt_prov *p = &e->copies[i];
		bt_identity_resolve(w->id, p->file);
		struct json_object *c = json_object_new_object();
		add_path(w, c, "file", p->file);
		add_u64(c, "record_id", p->record_id);
		add_u64(c, "line", p->line);
		add_u64(c, "offset", p->offset);
		if (p->recovered && c)
			json_object_object_add(c, "recovered", json_object_new_boolean(true));
		json_object_array_add(cv, c);
	}
	json_object_object_add(o, "copies", cv);
	if (e->more_copies)
		add_u64(o, "more_copies", e->more_copies);
	emit_now(w, o);
	return !w->failed;
}

bool bt_state_writer_finish(struct bt_state_writer *w, struct bt_hunt *h,
                            struct bt_hostmap *hosts, const struct bt_ruleset *rules)
{
	w->rules = rules;
	struct bt_identity *id = w->id = bt_hunt_identity(h);
	/* the matched events first: the collection of each file they name is
	 * found as they are written, and recorded with the others after */
	if (bt_hunt_drain(h, hit_cb, w) != BT_OK)
		w->failed = true;
	for (size_t i = 0; i < w->ninputs; i++)
		bt_identity_resolve(id, w->inputs[i]);
	if (hosts)
		bt_hostmap_each_fact(hosts, resolve_cb, w);
	bt_identity_each_folder(id, folder_cb, w);
	flush_sorted(w);
	bt_identity_each_name(id, name_cb, w);
	flush_sorted(w);
	if (hosts)
		bt_hostmap_each_fact(hosts, fact_cb, w);
	flush_sorted(w);
	struct bt_coverage_span sp;
	for (size_t i = 0; bt_coverage_get(bt_hunt_coverage(h), i, &sp); i++) {
		struct json_object *o = obj("span");
		add_str(o, "host", sp.host);
		add_str(o, "channel", sp.channel);
		add_path(w, o, "file", sp.file);
		add_time(o, "first", sp.first);
		add_time(o, "last", sp.last);
		emit_sorted(w, o);
	}
	flush_sorted(w);
	bt_hunt_each_root(h, root_cb, w);
	/* the counts: events read and matched, per rule hits */
	struct bt_hunt_counts hc;
	bt_hunt_counts(h, &hc);
	struct json_object *o = obj("counts");
	add_u64(o, "events", hc.events);
	add_u64(o, "matched", hc.matched);
	if (o)
		json_object_object_add(o, "narrowed", json_object_new_boolean(bt_hunt_narrowed(h)));
	struct json_object *rh = json_object_new_array();
	for (size_t i = 0; rh && i < bt_ruleset_count(rules); i++) {
		uint64_t n = bt_hunt_rule_hits(h, (unsigned)i);
		if (!n)
			continue;
		struct json_object *a = json_object_new_array_ext(3);
		json_object_array_add(a, json_object_new_uint64(i));
		const char *rid = rule_id(rules, (unsigned)i);
		json_object_array_add(a, rid ? json_object_new_string(rid) : NULL);
		json_object_array_add(a, json_object_new_uint64(n));
		json_object_array_add(rh, a);
	}
	if (o)
		json_object_object_add(o, "rule_hits", rh);
	else
		json_object_put(rh);
	/* rules whose regular expression hit PCRE2's limit: incomplete there */
	struct json_object *rl = json_object_new_array();
	for (size_t i = 0; rl && i < bt_ruleset_count(rules); i++) {
		bool disabled;
		uint64_t n = bt_ruleset_re_limits(rules, i, &disabled);
		if (!n)
			continue;
		struct json_object *a = json_object_new_array_ext(4);
		json_object_array_add(a, json_object_new_uint64(i));
		const char *rid = rule_id(rules, (unsigned)i);
		json_object_array_add(a, rid ? json_object_new_string(rid) : NULL);
		json_object_array_add(a, json_object_new_uint64(n));
		json_object_array_add(a, json_object_new_boolean(disabled));
		json_object_array_add(rl, a);
	}
	if (o)
		json_object_object_add(o, "re_limits", rl);
	else
		json_object_put(rl);
	emit_now(w, o);
	/* the end: the lines before it and their checksum */
	char end[128];
	int n = snprintf(end, sizeof end, "{\"k\":\"end\",\"records\":%" PRIu64 ",\"fnv1a64\":\"%016" PRIx64 "\"}",
	                 w->records, w->hash);
	if (fwrite(end, 1, (size_t)n, w->f) != (size_t)n || fputc('\n', w->f) == EOF)
		w->failed = true;
	bool ok = !w->failed;
	bt_state_writer_abort(w);
	return ok;
}

void bt_state_writer_abort(struct bt_state_writer *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->lines[i]);
	free(w->lines);
	for (size_t i = 0; i < w->ninputs; i++)
		free(w->inputs[i]);
	free(w->inputs);
	free(w->prefix);
	free(w);
}

/* ---- reading ---- */

bool bt_state_sniff(const char *path)
{
	int fd = bt_open_evidence(path);
	if (fd < 0)
		return false;
	struct bt_stream *s = NULL;
	bool yes = false;
	if (bt_stream_open(fd, 0, &s) == BT_OK) {
		const unsigned char *p;
		size_t n = bt_stream_peek(s, sizeof BT_STATE_MAGIC - 1, &p);
		yes = n == sizeof BT_STATE_MAGIC - 1 && memcmp(p, BT_STATE_MAGIC, n) == 0;
		bt_stream_free(s);
	}
	close(fd);
	return yes;
}

struct loader {
	struct bt_hunt *h;
	struct bt_hostmap *hosts;
	const struct bt_ruleset *rules;
	const char *path;
	const struct bt_diag *diag;
	struct bt_state_info *info;
	uint64_t lineno;
	struct bt_evbuf eb;
	uint32_t *rv;
	size_t rcap;
};

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool u64(struct json_object *o, const char *key, uint64_t *out)
{
	struct json_object *v = get(o, key);
	if (!v || !json_object_is_type(v, json_type_int))
		return false;
	errno = 0;
	*out = json_object_get_uint64(v);
	return errno == 0;
}

/* A time: ticks, or null/absent for none. */
static bool time_of(struct json_object *o, const char *key, bt_time *out)
{
	struct json_object *v = get(o, key);
	if (!v) {
		*out = BT_TIME_NONE;
		return true;
	}
	if (!json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return *out != BT_TIME_NONE;
}

static bool ip_of(struct json_object *o, const char *key, struct bt_ip *ip)
{
	const char *s = str(o, key);
	return s && bt_ip_parse(s, strlen(s), ip);
}

static bool source_of(const char *s, enum bt_source *out)
{
	for (int i = 0; s && i < BT_SOURCE_COUNT; i++)
		if (strcmp(s, bt_source_name((enum bt_source)i)) == 0) {
			*out = (enum bt_source)i;
			return true;
		}
	return false;
}

static bool load_input(struct loader *l, struct json_object *o)
{
	const char *st = str(o, "status");
	uint64_t ev = 0;
	if (!st || !str(o, "path"))
		return false;
	u64(o, "events", &ev);
	if (strcmp(st, "read") == 0 || strcmp(st, "partial") == 0) {
		l->info->inputs_read++;
		if (st[0] == 'p')
			l->info->inputs_partial++;
	} else if (strcmp(st, "unreadable") == 0) {
		l->info->inputs_unreadable++;
	} else if (strcmp(st, "not-evidence") == 0) {
		l->info->inputs_unrecognised++;
	} else {
		return false;
	}
	l->info->events += ev;
	return true;
}

static bool load_folder(struct loader *l, struct json_object *o)
{
	const char *dir = str(o, "dir"), *root = str(o, "root"), *lay = str(o, "layout");
	enum bt_layout layout;
	return dir && root && lay && bt_layout_parse(lay, &layout) &&
	       bt_identity_seed_folder(bt_hunt_identity(l->h), dir, root, layout);
}

static bool load_name(struct loader *l, struct json_object *o)
{
	const char *root = str(o, "root"), *lay = str(o, "layout");
	struct bt_stated_name nm = {str(o, "name"), str(o, "source"), str(o, "evidence"), 1};
	enum bt_layout layout;
	if (!root || !lay || !nm.name || !nm.source || !nm.evidence || !*nm.name ||
	    !bt_layout_parse(lay, &layout) || !u64(o, "seen", &nm.seen))
		return false;
	return bt_identity_add_name(bt_hunt_identity(l->h), root, layout, &nm);
}

static bool load_fact(struct loader *l, struct json_object *o, const char *kind)
{
	struct bt_hostfact f = {.first = BT_TIME_NONE, .last = BT_TIME_NONE, .seen = 1,
	                        .evidence = str(o, "evidence")};
	if (!l->hosts)
		return true;
	if (strcmp(kind, "link") == 0 || strcmp(kind, "pending") == 0) {
		const char *how = str(o, "how");
		f.kind = kind[0] == 'l' ? BT_FACT_LINK : BT_FACT_PENDING;
		f.host = str(o, "host");
		f.file = str(o, "file");
		if (!ip_of(o, "ip", &f.ip) || !how || !bt_hostlink_how_parse(how, &f.how) ||
		    !time_of(o, "first", &f.first) || !time_of(o, "last", &f.last) ||
		    (f.kind == BT_FACT_LINK && (!f.host || !u64(o, "seen", &f.seen))) ||
		    (f.kind == BT_FACT_PENDING && !f.file))
			return false;
	} else if (strcmp(kind, "cnet") == 0) {
		uint64_t bits;
		f.kind = BT_FACT_CNET;
		if (!ip_of(o, "net", &f.ip) || !u64(o, "bits", &bits) || bits > 128)
			return false;
		f.bits = (unsigned)bits;
	} else {
		f.vm = str(o, "vm");
		f.vm_display = str(o, "display");
		f.vm_how = str(o, "how");
		f.host = str(o, "host");
		f.file = str(o, "file");
		f.kind = f.host ? BT_FACT_VM : BT_FACT_VM_PENDING;
	}
	return bt_hostmap_add_fact(l->hosts, &f);
}

static bool load_span(struct loader *l, struct json_object *o)
{
	const char *host = str(o, "host"), *chan = str(o, "channel"), *file = str(o, "file");
	bt_time first, last;
	if (!host || !chan || !file || !time_of(o, "first", &first) || !time_of(o, "last", &last) ||
	    first == BT_TIME_NONE || last == BT_TIME_NONE)
		return false;
	bt_hunt_log_span(l->h, host, chan, file, first, last);
	if (l->info->last == BT_TIME_NONE || last > l->info->last)
		l->info->last = last;
	return true;
}

static bool load_root(struct loader *l, struct json_object *o)
{
	const char *id = str(o, "id");
	struct json_object *p = get(o, "privileged");
	if (!id || !p || !json_object_is_type(p, json_type_boolean))
		return false;
	bt_hunt_add_root(l->h, id, json_object_get_boolean(p));
	return true;
}

/* A rule index of this rule set that is the rule the id names. */
static bool rule_ok(const struct loader *l, uint64_t i, struct json_object *id)
{
	if (i >= bt_ruleset_count(l->rules))
		return false;
	const char *mine = rule_id(l->rules, (unsigned)i);
	const char *theirs = id && json_object_is_type(id, json_type_string)
	                             ? json_object_get_string(id)
	                             : NULL;
	return (!mine && !theirs) || (mine && theirs && strcmp(mine, theirs) == 0);
}

static bool load_counts(struct loader *l, struct json_object *o)
{
	uint64_t events, matched;
	struct json_object *nw = get(o, "narrowed"), *rh = get(o, "rule_hits");
	if (!u64(o, "events", &events) || !u64(o, "matched", &matched) || !nw ||
	    !json_object_is_type(nw, json_type_boolean) || !rh ||
	    !json_object_is_type(rh, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(rh); i++) {
		struct json_object *a = json_object_array_get_idx(rh, i);
		if (!json_object_is_type(a, json_type_array) || json_object_array_length(a) != 3)
			return false;
		uint64_t idx = json_object_get_uint64(json_object_array_get_idx(a, 0));
		uint64_t n = json_object_get_uint64(json_object_array_get_idx(a, 2));
		if (!rule_ok(l, idx, json_object_array_get_idx(a, 1)))
			return false;
		bt_hunt_add_rule_hits(l->h, (unsigned)idx, n);
	}
	struct json_object *rl = get(o, "re_limits");
	for (size_t i = 0; rl && json_object_is_type(rl, json_type_array) &&
	                   i < json_object_array_length(rl);
	     i++) {
		struct json_object *a = json_object_array_get_idx(rl, i);
		if (!json_object_is_type(a, json_type_array) || json_object_array_length(a) != 4)
			return false;
		uint64_t idx = json_object_get_uint64(json_object_array_get_idx(a, 0));
		uint64_t n = json_object_get_uint64(json_object_array_get_idx(a, 2));
		if (!rule_ok(l, idx, json_object_array_get_idx(a, 1)))
			return false;
		const char *rid = rule_id(l->rules, (unsigned)idx);
		bt_diagf(l->diag, BT_DIAG_WARN, l->path,
		         "line %" PRIu64 ": at the map step rule %s hit the regular expression match "
		         "limit on %" PRIu64 " events%s: its matches there are incomplete",
		         l->lineno, rid ? rid : "?", n,
		         json_object_get_boolean(json_object_array_get_idx(a, 3)) ? " and was disabled"
		                                                                  : "");
		l->info->re_limited++;
	}
	bt_hunt_add_counts(l->h, events, matched, json_object_get_boolean(nw));
	return true;
}

static const char *estr(struct loader *l, struct json_object *o, const char *key)
{
	const char *s = str(o, key);
	return s ? bt_evbuf_str(&l->eb, s, strlen(s)) : NULL;
}

/* A matched event: rebuilt as read, then given to the hit store once per
 * copy (the store merges them again, as it did at the map step). */
static bool load_hit(struct loader *l, struct json_object *o)
{
	struct bt_evbuf *eb = &l->eb;
	enum bt_source src;
	uint64_t eid, flags, rid;
	struct json_object *lv = get(o, "level"), *fv = get(o, "fields"), *rv = get(o, "rules"),
	                   *iv = get(o, "rule_ids"), *cv = get(o, "copies");
	bt_time t;
	if (!source_of(str(o, "source"), &src) || !u64(o, "event_id", &eid) || eid > UINT32_MAX ||
	    !u64(o, "flags", &flags) || flags > UINT32_MAX || !u64(o, "record_id", &rid) ||
	    !time_of(o, "t", &t) || !lv || !json_object_is_type(lv, json_type_int) || !fv ||
	    !json_object_is_type(fv, json_type_array) || !rv ||
	    !json_object_is_type(rv, json_type_array) || !iv ||
	    !json_object_is_type(iv, json_type_array) ||
	    json_object_array_length(rv) != json_object_array_length(iv) ||
	    json_object_array_length(rv) == 0 || !cv || !json_object_is_type(cv, json_type_array) ||
	    json_object_array_length(cv) == 0)
		return false;
	bt_evbuf_reset(eb, src);
	eb->ev.time = t;
	eb->ev.event_id = (uint32_t)eid;
	eb->ev.level = json_object_get_int(lv);
	eb->ev.flags = (uint32_t)flags;
	eb->ev.record_id = rid;
	eb->ev.channel = estr(l, o, "channel");
	eb->ev.provider = estr(l, o, "provider");
	eb->ev.host = estr(l, o, "host");
	eb->ev.user_sid = estr(l, o, "user_sid");
	for (size_t i = 0; i < json_object_array_length(fv); i++) {
		struct json_object *a = json_object_array_get_idx(fv, i);
		size_t n = json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
		struct json_object *nm = n >= 2 ? json_object_array_get_idx(a, 0) : NULL;
		struct json_object *vl = n >= 2 ? json_object_array_get_idx(a, 1) : NULL;
		uint64_t ff = n == 3 ? json_object_get_uint64(json_object_array_get_idx(a, 2)) : 0;
		if (!nm || !vl || n > 3 || !json_object_is_type(nm, json_type_string) ||
		    !json_object_is_type(vl, json_type_string) || ff > UINT32_MAX)
			return false;
		if (!bt_evbuf_add(eb, json_object_get_string(nm), (size_t)json_object_get_string_len(nm),
		                  json_object_get_string(vl), (size_t)json_object_get_string_len(vl),
		                  (uint32_t)ff))
			return false;
	}
	size_t nr = json_object_array_length(rv);
	for (size_t i = 0; i < nr; i++) {
		struct json_object *r = json_object_array_get_idx(rv, i);
		if (!bt_array_reserve(&l->rv, &l->rcap, i, sizeof *l->rv, 16) ||
		    !json_object_is_type(r, json_type_int))
			return false;
		uint64_t idx = json_object_get_uint64(r);
		if (!rule_ok(l, idx, json_object_array_get_idx(iv, i)))
			return false;
		l->rv[i] = (uint32_t)idx;
	}
	const struct bt_event *ev = bt_evbuf_done(eb);
	struct bt_event copy = *ev;
	for (size_t i = 0; i < json_object_array_length(cv); i++) {
		struct json_object *c = json_object_array_get_idx(cv, i);
		struct json_object *rec = get(c, "recovered");
		const char *file = str(c, "file");
		if (!file || !u64(c, "record_id", &copy.record_id) || !u64(c, "line", &copy.line) ||
		    !u64(c, "offset", &copy.offset))
			return false;
		copy.file = file;
		copy.flags = (uint32_t)flags & ~(uint32_t)BT_EV_RECOVERED;
		if (rec && json_object_get_boolean(rec))
			copy.flags |= BT_EV_RECOVERED;
		if (bt_hunt_add_hit(l->h, &copy, l->rv, nr) != BT_OK)
			return false;
	}
	l->info->hits++;
	if (t != BT_TIME_NONE && (l->info->last == BT_TIME_NONE || t > l->info->last))
		l->info->last = t;
	return true;
}

static bool load_record(struct loader *l, struct json_object *o)
{
	const char *k = str(o, "k");
	if (!k)
		return false;
	if (strcmp(k, "hit") == 0)
		return load_hit(l, o);
	if (strcmp(k, "input") == 0)
		return load_input(l, o);
	if (strcmp(k, "folder") == 0)
		return load_folder(l, o);
	if (strcmp(k, "name") == 0)
		return load_name(l, o);
	if (strcmp(k, "link") == 0 || strcmp(k, "pending") == 0 || strcmp(k, "cnet") == 0 ||
	    strcmp(k, "vm") == 0)
		return load_fact(l, o, k);
	if (strcmp(k, "span") == 0)
		return load_span(l, o);
	if (strcmp(k, "root") == 0)
		return load_root(l, o);
	if (strcmp(k, "counts") == 0)
		return load_counts(l, o);
	return false;
}

/* Parses one line as a JSON object (NULL when it is not one). */
static struct json_object *parse_line(struct json_tokener *tok, const char *p, size_t n)
{
	if (n > INT32_MAX)
		return NULL;
	json_tokener_reset(tok);
	struct json_object *o = json_tokener_parse_ex(tok, p, (int)n);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != n || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* The first pass: the header's schema and rule set, every line's bytes
 * against the end record's count and checksum. Nothing is used before the
 * whole file has passed. */
static enum bt_status check_file(const char *path, const char *fingerprint,
                                 const struct bt_diag *diag, struct json_tokener *tok)
{
	int fd = bt_open_evidence(path);
	if (fd < 0) {
		bt_diagf(diag, BT_DIAG_ERROR, path, "cannot open: %s", strerror(errno));
		return BT_ERR_IO;
	}
	struct bt_stream *s;
	if (bt_stream_open(fd, BT_STATE_MAX_LINE, &s) != BT_OK) {
		close(fd);
		bt_diagf(diag, BT_DIAG_ERROR, path, "cannot read (out of memory)");
		return BT_ERR_IO;
	}
	enum bt_status ret = BT_ERR_FORMAT, st;
	const char *line;
	size_t len;
	uint64_t lineno = 0, off, hash = FNV_OFFSET;
	bool complete, ended = false;
	while ((st = bt_stream_getline(s, &line, &len, &lineno, &off, &complete)) == BT_OK) {
		if (ended) {
			bt_diagf(diag, BT_DIAG_ERROR, path,
			         "line %" PRIu64 ": state file: records after its end record: not used",
			         lineno);
			goto out;
		}
		if (lineno == 1) {
			struct json_object *h = parse_line(tok, line, len);
			struct json_object *v = h ? get(h, "boxtrail_state") : NULL;
			const char *rules = h ? str(h, "rules") : NULL;
			int64_t schema = v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
			if (schema != BT_STATE_SCHEMA) {
				if (schema < 0)
					bt_diagf(diag, BT_DIAG_ERROR, path, "line 1: not a boxtrail state file header");
				else
					bt_diagf(diag, BT_DIAG_ERROR, path,
					         "line 1: state file of schema version %lld, this boxtrail reads "
					         "version %d: not used",
					         (long long)schema, BT_STATE_SCHEMA);
			} else if (!rules || strcmp(rules, fingerprint) != 0) {
				bt_diagf(diag, BT_DIAG_ERROR, path,
				         "line 1: state file of another rule set (%.80s; this run's is %s): not "
				         "used; map again with the same rules and options",
				         rules ? rules : "none", fingerprint);
				v = NULL;
			}
			json_object_put(h);
			if (schema != BT_STATE_SCHEMA || !v)
				goto out;
		}
		if (len > 6 && memcmp(line, "{\"k\":\"end\"", len < 10 ? len : 10) == 0 && complete) {
			struct json_object *e = parse_line(tok, line, len);
			uint64_t records = 0;
			const char *sum = e ? str(e, "fnv1a64") : NULL;
			char mine[17];
			snprintf(mine, sizeof mine, "%016" PRIx64, hash);
			bool ok = e && u64(e, "records", &records);
			if (!ok || records != lineno - 1 || !sum || strcmp(sum, mine) != 0) {
				bt_diagf(diag, BT_DIAG_ERROR, path,
				         "line %" PRIu64 ": state file damaged: its end record says %" PRIu64
				         " records with checksum %.20s, the file has %" PRIu64
				         " with %s: not used",
				         lineno, records, sum ? sum : "?", lineno - 1, mine);
				json_object_put(e);
				goto out;
			}
			json_object_put(e);
			ended = true;
			continue;
		}
		hash = fnv(hash, line, len);
		hash = fnv(hash, "\n", 1);
	}
	if (st == BT_ERR_LIMIT) {
		bt_diagf(diag, BT_DIAG_ERROR, path,
		         "line %" PRIu64 ": state file record longer than %u MiB: not used", lineno,
		         BT_STATE_MAX_LINE >> 20);
	} else if (st != BT_EOF) {
		bt_diagf(diag, BT_DIAG_ERROR, path, "line %" PRIu64 ": read error (%s): not used",
		         lineno, st == BT_ERR_FORMAT ? "corrupt gzip" : "I/O");
	} else if (lineno == 0) {
		bt_diagf(diag, BT_DIAG_ERROR, path, "empty: not a state file");
	} else if (!ended) {
		bt_diagf(diag, BT_DIAG_ERROR, path,
		         "line %" PRIu64 ": state file ends without its end record (truncated?): not "
		         "used",
		         lineno);
	} else {
		ret = BT_OK;
	}
out:
	bt_stream_free(s);
	close(fd);
	return ret;
}

enum bt_status bt_state_load(struct bt_hunt *h, struct bt_hostmap *hosts,
                             const struct bt_ruleset *rules, const char *fingerprint,
                             const char *path, const struct bt_diag *diag,
                             struct bt_state_info *info)
{
	memset(info, 0, sizeof *info);
	info->last = BT_TIME_NONE;
	struct json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	if (!tok) {
		bt_diagf(diag, BT_DIAG_ERROR, path, "out of memory");
		return BT_ERR_NOMEM;
	}
	enum bt_status ret = check_file(path, fingerprint, diag, tok);
	int fd = ret == BT_OK ? bt_open_evidence(path) : -1;
	struct bt_stream *s = NULL;
	if (ret == BT_OK && (fd < 0 || bt_stream_open(fd, BT_STATE_MAX_LINE, &s) != BT_OK)) {
		bt_diagf(diag, BT_DIAG_ERROR, path, "cannot open again: %s", strerror(errno));
		ret = BT_ERR_IO;
	}
	if (ret != BT_OK) {
		if (fd >= 0)
			close(fd);
		json_tokener_free(tok);
		return ret;
	}
	struct loader l = {.h = h, .hosts = hosts, .rules = rules, .path = path, .diag = diag,
	                   .info = info};
	bt_evbuf_init(&l.eb);
	const char *line;
	size_t len;
	uint64_t off;
	bool complete;
	while (bt_stream_getline(s, &line, &len, &l.lineno, &off, &complete) == BT_OK) {
		if (l.lineno == 1)
			continue;   /* the header, checked */
		if (len >= 10 && memcmp(line, "{\"k\":\"end\"", 10) == 0)
			break;
		struct json_object *o = parse_line(tok, line, len);
		if (!o || !load_record(&l, o)) {
			if (info->bad_records++ < MAX_BAD_REPORTED)
				bt_diagf(diag, BT_DIAG_WARN, path,
				         "line %" PRIu64 ": state record not understood: skipped", l.lineno);
		}
		json_object_put(o);
	}
	bt_evbuf_free(&l.eb);
	free(l.rv);
	bt_stream_free(s);
	close(fd);
	json_tokener_free(tok);
	if (info->bad_records > MAX_BAD_REPORTED)
		bt_diagf(diag, BT_DIAG_WARN, path, "%" PRIu64 " state records not understood in all",
		         info->bad_records);
	return BT_OK;
}
