/* Compiled Sigma rule set: compile, index by channel/event id, evaluate. */
#include "config.h"

#include "core/bt_array.h"
#include "rules/bt_ruleset.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bt_arena.h"
#include "rules/bt_sigma_cond.h"
#include "rules/bt_sigma_load.h"
#include "io/bt_walk.h"

/* ---- compiled model */

enum sysf { SYS_NONE, SYS_EVENTID, SYS_HEADER };

struct fref {
	const char *name;
	size_t len;
	enum sysf sys;
	bool single;            /* Data[N]: one value, no iteration */
	uint32_t id;            /* the name's number in the rule set (fname_id), for an
	                         * event's lookups (struct fcache); 0: none */
};

struct citem {
	const char *field;      /* NULL: keyword */
	struct bt_mods mods;
	struct bt_matcher **vals;
	size_t nvals;
	bool exists_val;
	bool all_uint;          /* every value is a plain decimal: compare integers */
	bool all_plain;         /* no value is null or a field reference */
	bool fold;              /* some value is a case-insensitive substring: the
	                         * field's folded text is made once for all values */
	bool u16;               /* some value can be told on a UTF-16 field's units
	                         * (bt_matcher_test_utf16) */
	uint32_t *uvals;
	unsigned slot;          /* index of this item's field in an instance's refs */
};

struct cmap {
	struct citem *items;
	size_t n;
};

struct csearch {
	struct cmap *alts;
	size_t n;
};

struct crule {
	struct bt_rule_info info;
	/* events on which a regular expression of the rule gave up at a PCRE2
	 * limit (its answer unknown, taken as no match), from every thread;
	 * past BT_RULE_RE_LIMIT_DISABLE the rule is no longer evaluated */
	atomic_uint_fast64_t re_limit;
	atomic_bool disabled;
	struct bt_sigma_rule *sigma;
	struct csearch *s;
	size_t ns;
	struct bt_cond **conds;
	size_t nconds;
	unsigned nslots;
};

/* Extra conditions of a mapping source, compiled once per source. */
struct creq {
	const struct bt_ls_source *src;
	struct citem *items;
	size_t n;
	struct fref *refs;
};

struct u32set {
	bool any;
	uint32_t *v;
	size_t n;
};

struct inst {
	struct crule *rule;
	const struct bt_ls_source *src;
	struct fref *refs;      /* rule->nslots */
	const struct creq *req;
};

struct bucket {
	uint32_t eid;
	struct inst **v;
	size_t n, cap;
};

struct ilist {
	struct inst **v;
	size_t n, cap;
};

struct chan {
	const char *name;
	uint32_t hash;
	struct bucket *b;
	size_t nb, capb;
	struct ilist any;
};

struct idref {
	const char *key;
	struct crule *rule;
};

struct bt_ruleset {
	struct bt_ruleset_opts opts;
	struct bt_logsource_map *map;
	struct bt_arena arena;
	struct crule **rules;
	size_t n, cap;
	struct inst **insts;
	size_t ninst, capinst;
	struct creq **reqs;
	size_t nreq, capreq;
	struct chan *chans;
	size_t nchan, capchan;
	int32_t *htab;
	size_t hsize;
	struct ilist anyevtx;
	struct bt_match_scratch *scratch;
	struct idref *ids;
	size_t nids;
	unsigned long files;
	uint64_t serial;          /* tells rule sets apart in the channel cache */
	struct fname *fnames;     /* the field names of the rules, numbered (fname_id) */
	size_t nfnames, capfnames;
	bool finished;
	bool oom;
	bool cur_builtin;
};

struct fname {
	const char *name;
	size_t len;
	uint32_t id;              /* 0: free slot */
};

static const char *const state_names[] = {"loaded", "skipped", "correlation", "unreadable",
                                          "excluded"};

const char *bt_rule_state_name(enum bt_rule_state s)
{
	return (unsigned)s <= BT_RULE_EXCLUDED ? state_names[s] : "unknown";
}

static void *ralloc(struct bt_ruleset *rs, size_t n)
{
	void *p = bt_arena_alloc(&rs->arena, n ? n : 1);
	if (!p) {
		rs->oom = true;
		return NULL;
	}
	memset(p, 0, n ? n : 1);
	return p;
}

static const char *rstrdup(struct bt_ruleset *rs, const char *s)
{
	const char *p = bt_arena_strndup(&rs->arena, s, strlen(s));
	if (!p)
		rs->oom = true;
	return p;
}

/* ---- creation and loading */

static const char *datadir(const struct bt_ruleset *rs)
{
	return rs->opts.datadir && *rs->opts.datadir ? rs->opts.datadir : bt_datadir_default();
}

enum bt_status bt_ruleset_new(const struct bt_ruleset_opts *o, struct bt_ruleset **out,
                              char *why, size_t why_size)
{
	*out = NULL;
	struct bt_ruleset *rs = calloc(1, sizeof *rs);
	if (!rs)
		return BT_ERR_NOMEM;
	if (o)
		rs->opts = *o;
	static atomic_uint_fast64_t serials;
	rs->serial = (uint64_t)atomic_fetch_add(&serials, 1) + 1;   /* 0: no rule set */
	bt_arena_init(&rs->arena, BT_RULESET_MAX_MODEL);
	char path[4096];
	const char *mp = rs->opts.logsource_path;
	if (!mp) {
		snprintf(path, sizeof path, "%s/data/logsources.yml", datadir(rs));
		mp = path;
	}
	enum bt_status st = rs->opts.logsource_yaml
	                            ? bt_logsource_load_buf("(logsource mapping)", rs->opts.logsource_yaml,
	                                                    rs->opts.logsource_len, &rs->map, why,
	                                                    why_size)
	                            : bt_logsource_load(mp, &rs->map, why, why_size);
	if (st == BT_OK) {
		rs->scratch = bt_match_scratch_new();
		if (!rs->scratch) {
			snprintf(why, why_size, "out of memory");
			st = BT_ERR_NOMEM;
		}
	}
	if (st != BT_OK) {
		bt_ruleset_free(rs);
		return st;
	}
	rs->opts.logsource_path = NULL;
	rs->opts.logsource_yaml = NULL;
	*out = rs;
	return BT_OK;
}

static struct crule *add_rule(struct bt_ruleset *rs, struct bt_sigma_rule *sr,
                              enum bt_rule_state state, const char *reason)
{
	if (rs->n >= BT_RULESET_MAX_RULES ||
	    !bt_array_reserve(&rs->rules, &rs->cap, rs->n, sizeof *rs->rules, 16)) {
		rs->oom = true;
		return NULL;
	}
	struct crule *r = ralloc(rs, sizeof *r);
	if (!r)
		return NULL;
	r->sigma = sr;
	r->info.sigma = sr;
	r->info.state = state;
	r->info.reason = reason ? rstrdup(rs, reason) : NULL;
	r->info.builtin = rs->cur_builtin;
	r->info.index = (unsigned)rs->n;
	rs->rules[rs->n++] = r;
	return r;
}

static int on_rule(void *ctx, struct bt_sigma_rule *sr, const char *reason)
{
	struct bt_ruleset *rs = ctx;
	enum bt_rule_state st = reason ? BT_RULE_SKIPPED
	                        : sr->correlation ? BT_RULE_CORRELATION
	                                          : BT_RULE_LOADED;
	return add_rule(rs, sr, st, reason) ? 0 : 1;
}

/* Records a file (or its remainder) that could not be read: its rules are
 * not loaded, an error. */
static void add_unreadable(struct bt_ruleset *rs, const char *file, const char *why)
{
	struct bt_sigma_rule *sr = ralloc(rs, sizeof *sr);
	if (!sr)
		return;
	sr->file = file;
	add_rule(rs, sr, BT_RULE_UNREADABLE, why);
	bt_diagf(&rs->opts.diag, BT_DIAG_ERROR, file, "rule file: %s", why);
}

static enum bt_status load_one(struct bt_ruleset *rs, const char *path, const char *buf,
                               size_t len)
{
	if (rs->finished)
		return BT_ERR_ARG;
	const char *file = rstrdup(rs, path);
	if (!file)
		return BT_ERR_NOMEM;
	rs->files++;
	char why[256];
	enum bt_status st;
	if (buf)
		st = bt_sigma_load_buf(&rs->arena, file, buf, len, on_rule, rs, why, sizeof why);
	else
		st = bt_sigma_load_file(&rs->arena, file, on_rule, rs, why, sizeof why);
	if (rs->oom)
		return BT_ERR_NOMEM;
	if (st != BT_OK)
		add_unreadable(rs, file, why);
	return rs->oom ? BT_ERR_NOMEM : BT_OK;
}

enum bt_status bt_ruleset_add_buf(struct bt_ruleset *rs, const char *name, const char *yaml,
                                  size_t len, bool builtin)
{
	rs->cur_builtin = builtin;
	return load_one(rs, name, yaml, len);
}

static bool yaml_name(const char *p)
{
	size_t n = strlen(p);
	return (n > 4 && strcmp(p + n - 4, ".yml") == 0) || (n > 5 && strcmp(p + n - 5, ".yaml") == 0);
}

static int walk_cb(void *ctx, const char *path, bool named)
{
	struct bt_ruleset *rs = ctx;
	if (!named && !yaml_name(path))
		return 0;
	return load_one(rs, path, NULL, 0) == BT_ERR_NOMEM ? 1 : 0;
}

enum bt_status bt_ruleset_add_path(struct bt_ruleset *rs, const char *path, bool builtin)
{
	if (rs->finished)
		return BT_ERR_ARG;
	rs->cur_builtin = builtin;
	struct bt_walk_opts wo = {.follow_symlinks = false, .diag = rs->opts.diag};
	unsigned long errors = 0;
	enum bt_status st = bt_walk(path, &wo, walk_cb, rs, &errors);
	if (rs->oom || st == BT_ERR_ARG)
		return BT_ERR_NOMEM;
	return st;
}

enum bt_status bt_ruleset_add_builtin(struct bt_ruleset *rs)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/rules", datadir(rs));
	return bt_ruleset_add_path(rs, path, true);
}

void bt_ruleset_exclude(struct bt_ruleset *rs, size_t i, const char *reason)
{
	if (i >= rs->n || rs->finished)
		return;
	rs->rules[i]->info.state = BT_RULE_EXCLUDED;
	rs->rules[i]->info.reason = reason ? rstrdup(rs, reason) : NULL;
}

void bt_ruleset_note(struct bt_ruleset *rs, size_t i, const char *note)
{
	if (i < rs->n && !rs->finished)
		rs->rules[i]->info.reason = note ? rstrdup(rs, note) : NULL;
}

void bt_ruleset_set_level(struct bt_ruleset *rs, size_t i, enum bt_sigma_level level)
{
	if (i >= rs->n || rs->finished)
		return;
	rs->rules[i]->sigma->level = level;
	rs->rules[i]->sigma->level_text = bt_sigma_level_name(level);
}

/* ---- compiling */

struct cerr {
	char why[256];
	bool failed;
};

static void cfail(struct cerr *e, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void cfail(struct cerr *e, const char *fmt, ...)
{
	if (e->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->why, sizeof e->why, fmt, ap);
	va_end(ap);
	e->failed = true;
}

static bool compile_item(struct bt_ruleset *rs, const struct bt_sigma_item *si,
                         struct citem *ci, struct cerr *e)
{
	char why[200];
	ci->field = si->field;
	enum bt_status st = bt_mods_parse(si->mods, si->nmods, &ci->mods, why, sizeof why);
	if (st != BT_OK) {
		cfail(e, "line %u: %s", si->line, why);
		return false;
	}
	ci->mods.keyword = si->field == NULL;
	if (ci->mods.keyword && (ci->mods.exists || ci->mods.fieldref || ci->mods.neq)) {
		cfail(e, "line %u: exists/fieldref/neq need a field", si->line);
		return false;
	}
	if (ci->mods.exists) {
		if (si->nvalues != 1 || si->values[0].type != BT_SV_BOOL) {
			cfail(e, "line %u: 'exists' needs true or false", si->line);
			return false;
		}
		ci->exists_val = strcmp(si->values[0].str, "true") == 0;
		return true;
	}
	ci->vals = ralloc(rs, si->nvalues * sizeof *ci->vals);
	ci->uvals = ralloc(rs, si->nvalues * sizeof *ci->uvals);
	if (!ci->vals || !ci->uvals)
		return false;
	ci->all_uint = true;
	ci->all_plain = true;
	if (rs->opts.no_jit)
		ci->mods.re_flags |= BT_RE_NO_JIT;
	for (size_t i = 0; i < si->nvalues; i++) {
		st = bt_matcher_compile(&ci->mods, &si->values[i], &ci->vals[i], why, sizeof why);
		if (st != BT_OK) {
			cfail(e, "line %u: %s", si->line, st == BT_ERR_NOMEM ? "out of memory" : why);
			return false;
		}
		ci->nvals = i + 1;
		if (bt_matcher_special(ci->vals[i]) != BT_MSPECIAL_NONE)
			ci->all_plain = false;
		if (bt_matcher_folds(ci->vals[i]))
			ci->fold = true;
		if (bt_matcher_utf16_ok(ci->vals[i]))
			ci->u16 = true;
		if (!bt_matcher_uint(ci->vals[i], &ci->uvals[i]))
			ci->all_uint = false;
	}
	if (ci->mods.neq || ci->mods.cased)
		ci->all_uint = ci->all_uint && !ci->mods.neq;
	return true;
}

static void free_item(struct citem *ci)
{
	for (size_t i = 0; i < ci->nvals; i++)
		bt_matcher_free(ci->vals[i]);
	ci->nvals = 0;
}

static void free_rule_compiled(struct crule *r)
{
	for (size_t s = 0; s < r->ns; s++)
		for (size_t a = 0; a < r->s[s].n; a++)
			for (size_t i = 0; i < r->s[s].alts[a].n; i++)
				free_item(&r->s[s].alts[a].items[i]);
	r->ns = 0;
}

/* ---- EventID sets (what the detection requires) */

static struct u32set set_any(void)
{
	struct u32set s = {true, NULL, 0};
	return s;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static struct u32set set_make(struct bt_ruleset *rs, const uint32_t *v, size_t n)
{
	struct u32set s = {false, ralloc(rs, n * sizeof *s.v), 0};
	if (!s.v)
		return set_any();
	if (n) {
		memcpy(s.v, v, n * sizeof *v);
		qsort(s.v, n, sizeof *s.v, cmp_u32);
	}
	for (size_t i = 0; i < n; i++)
		if (s.n == 0 || s.v[s.n - 1] != s.v[i])
			s.v[s.n++] = s.v[i];
	return s;
}

static bool set_has(const struct u32set *s, uint32_t v)
{
	if (s->any)
		return true;
	return s->n && bsearch(&v, s->v, s->n, sizeof v, cmp_u32) != NULL;
}

static struct u32set set_and(struct bt_ruleset *rs, struct u32set a, struct u32set b)
{
	if (a.any)
		return b;
	if (b.any)
		return a;
	struct u32set s = {false, ralloc(rs, (a.n < b.n ? a.n : b.n) * sizeof *s.v), 0};
	if (!s.v)
		return set_any();
	for (size_t i = 0; i < a.n; i++)
		if (set_has(&b, a.v[i]))
			s.v[s.n++] = a.v[i];
	return s;
}

static struct u32set set_or(struct bt_ruleset *rs, struct u32set a, struct u32set b)
{
	if (a.any || b.any)
		return set_any();
	uint32_t *tmp = malloc((a.n + b.n + 1) * sizeof *tmp);
	if (!tmp)
		return set_any();
	if (a.n)
		memcpy(tmp, a.v, a.n * sizeof *tmp);
	if (b.n)
		memcpy(tmp + a.n, b.v, b.n * sizeof *tmp);
	struct u32set s = set_make(rs, tmp, a.n + b.n);
	free(tmp);
	return s;
}

static bool is_eventid(const char *f)
{
	return f && strcasecmp(f, "EventID") == 0;
}

static struct u32set search_eids(struct bt_ruleset *rs, const struct csearch *s)
{
	struct u32set acc = {false, NULL, 0};
	for (size_t a = 0; a < s->n; a++) {
		struct u32set alt = set_any();
		for (size_t i = 0; i < s->alts[a].n; i++) {
			const struct citem *ci = &s->alts[a].items[i];
			const struct bt_mods *m = &ci->mods;
			if (!is_eventid(ci->field) || !ci->all_uint || ci->nvals == 0 || m->exists ||
			    m->neq || m->fieldref || (m->all && ci->nvals > 1))
				continue;
			alt = set_and(rs, alt, set_make(rs, ci->uvals, ci->nvals));
		}
		acc = set_or(rs, acc, alt);
		if (acc.any)
			break;
	}
	return acc;
}

static struct u32set cond_eids(struct bt_ruleset *rs, const struct bt_cond *c,
                               const struct u32set *per_search)
{
	switch (c->op) {
	case BT_COND_REF:
		return per_search[c->ref];
	case BT_COND_NOT:
		return set_any();
	case BT_COND_AND:
	case BT_COND_OR:
	case BT_COND_ATLEAST: {
		bool conj = c->op == BT_COND_AND || (c->op == BT_COND_ATLEAST && c->count == c->nkids);
		if (c->op == BT_COND_ATLEAST && !conj && c->count != 1)
			return set_any();
		struct u32set acc = conj ? set_any() : (struct u32set){false, NULL, 0};
		for (size_t i = 0; i < c->nkids; i++) {
			struct u32set k = cond_eids(rs, c->kids[i], per_search);
			acc = conj ? set_and(rs, acc, k) : set_or(rs, acc, k);
		}
		return acc;
	}
	}
	return set_any();
}

/* ---- field references per instance */

static enum sysf sys_kind(const char *name)
{
	static const char *const hdr[] = {"Channel", "Provider_Name", "Provider", "Computer",
	                                  "Level", "EventRecordID", "UserID", "SecurityUserID"};
	if (strcmp(name, "EventID") == 0)
		return SYS_EVENTID;
	for (size_t i = 0; i < sizeof hdr / sizeof hdr[0]; i++)
		if (strcmp(name, hdr[i]) == 0)
			return SYS_HEADER;
	return SYS_NONE;
}

static const char *renamed(const struct bt_ls_source *src, const char *name)
{
	for (size_t i = 0; src && i < src->nrenames; i++)
		if (strcmp(src->renames[i].from, name) == 0)
			return src->renames[i].to;
	return name;
}

static size_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

/* A number for each field name of the rule set (1, 2, ...; 0 when out of
 * memory): an event's lookups are remembered by it (struct fcache). */
static uint32_t fname_id(struct bt_ruleset *rs, const char *name, size_t len)
{
	if (!rs)
		return 0;
	if ((rs->nfnames + 1) * 2 > rs->capfnames) {
		size_t nc = rs->capfnames ? rs->capfnames * 2 : 64;
		struct fname *t = calloc(nc, sizeof *t);
		if (!t)
			return 0;
		for (size_t i = 0; i < rs->capfnames; i++) {
			const struct fname *o = &rs->fnames[i];
			if (!o->id)
				continue;
			size_t k = hash_bytes(o->name, o->len) & (nc - 1);
			while (t[k].id)
				k = (k + 1) & (nc - 1);
			t[k] = *o;
		}
		free(rs->fnames);
		rs->fnames = t;
		rs->capfnames = nc;
	}
	size_t k = hash_bytes(name, len) & (rs->capfnames - 1);
	for (; rs->fnames[k].id; k = (k + 1) & (rs->capfnames - 1))
		if (rs->fnames[k].len == len && memcmp(rs->fnames[k].name, name, len) == 0)
			return rs->fnames[k].id;
	if (rs->nfnames >= UINT32_MAX - 1)
		return 0;
	rs->fnames[k] = (struct fname){name, len, (uint32_t)++rs->nfnames};
	return rs->fnames[k].id;
}

static void set_fref(struct bt_ruleset *rs, struct fref *fr, const char *name)
{
	/* "EventData.X" / "UserData.X": the event's field X even where X is also
	 * a header property (System 104 names the cleared log in a Channel field) */
	static const char *const data_prefix[] = {"EventData.", "UserData."};
	for (size_t i = 0; i < 2; i++) {
		size_t pl = strlen(data_prefix[i]);
		if (strncmp(name, data_prefix[i], pl) == 0 && name[pl]) {
			fr->name = name + pl;
			fr->len = strlen(fr->name);
			fr->sys = SYS_NONE;
			fr->single = fr->name[fr->len - 1] == ']';
			fr->id = fname_id(rs, fr->name, fr->len);
			return;
		}
	}
	fr->name = name;
	fr->len = strlen(name);
	fr->sys = sys_kind(name);
	fr->single = fr->len > 0 && name[fr->len - 1] == ']';
	fr->id = fname_id(rs, fr->name, fr->len);
}

static const struct creq *source_req(struct bt_ruleset *rs, const struct bt_ls_source *src,
                                     struct cerr *e)
{
	if (src->nrequires == 0)
		return NULL;
	for (size_t i = 0; i < rs->nreq; i++)
		if (rs->reqs[i]->src == src)
			return rs->reqs[i];
	struct creq *q = ralloc(rs, sizeof *q);
	if (!q || !bt_array_reserve(&rs->reqs, &rs->capreq, rs->nreq, sizeof *rs->reqs, 16)) {
		rs->oom = true;
		return NULL;
	}
	q->src = src;
	q->items = ralloc(rs, src->nrequires * sizeof *q->items);
	q->refs = ralloc(rs, src->nrequires * sizeof *q->refs);
	if (!q->items || !q->refs)
		return NULL;
	rs->reqs[rs->nreq++] = q;
	for (size_t i = 0; i < src->nrequires; i++) {
		struct bt_sigma_item si = {.field = src->requires[i].field,
		                           .values = src->requires[i].values,
		                           .nvalues = src->requires[i].nvalues};
		if (!compile_item(rs, &si, &q->items[i], e))
			return NULL;
		q->n = i + 1;
		set_fref(rs, &q->refs[i], si.field);
	}
	return q;
}

static bool add_inst(struct bt_ruleset *rs, struct crule *r, const struct bt_ls_source *src,
                     const struct creq *req, const struct bt_sigma_item **slot_items)
{
	struct inst *in = ralloc(rs, sizeof *in);
	if (!in || !bt_array_reserve(&rs->insts, &rs->capinst, rs->ninst, sizeof *rs->insts, 16)) {
		rs->oom = true;
		return false;
	}
	in->rule = r;
	in->src = src;
	in->req = req;
	in->refs = ralloc(rs, r->nslots * sizeof *in->refs);
	if (!in->refs)
		return false;
	for (unsigned i = 0; i < r->nslots; i++)
		if (slot_items[i]->field)
			set_fref(rs, &in->refs[i], renamed(src, slot_items[i]->field));
	rs->insts[rs->ninst++] = in;
	return true;
}

/* Compiles one rule; on failure it becomes SKIPPED with the reason. */
static void compile_rule(struct bt_ruleset *rs, struct crule *r)
{
	struct cerr e = {0};
	const struct bt_sigma_rule *sr = r->sigma;
	size_t nslots = 0;
	for (size_t s = 0; s < sr->nsearches; s++)
		for (size_t a = 0; a < sr->searches[s].nalts; a++)
			nslots += sr->searches[s].alts[a].nitems;
	const struct bt_sigma_item **slot_items = calloc(nslots ? nslots : 1, sizeof *slot_items);
	const char **names = calloc(sr->nsearches ? sr->nsearches : 1, sizeof *names);
	struct u32set *per = calloc(sr->nsearches ? sr->nsearches : 1, sizeof *per);
	if (!slot_items || !names || !per) {
		rs->oom = true;
		goto out;
	}
	r->s = ralloc(rs, sr->nsearches * sizeof *r->s);
	if (!r->s)
		goto out;
	for (size_t s = 0; s < sr->nsearches && !e.failed; s++) {
		const struct bt_sigma_search *ss = &sr->searches[s];
		names[s] = ss->name;
		struct csearch *cs = &r->s[s];
		cs->alts = ralloc(rs, ss->nalts * sizeof *cs->alts);
		if (!cs->alts)
			goto out;
		r->ns = s + 1;
		for (size_t a = 0; a < ss->nalts && !e.failed; a++) {
			const struct bt_sigma_map *sm = &ss->alts[a];
			struct cmap *cm = &cs->alts[a];
			cm->items = ralloc(rs, sm->nitems * sizeof *cm->items);
			if (!cm->items)
				goto out;
			cs->n = a + 1;
			for (size_t i = 0; i < sm->nitems; i++) {
				struct citem *ci = &cm->items[i];
				ci->slot = r->nslots;
				slot_items[r->nslots++] = &sm->items[i];
				cm->n = i + 1;
				if (!compile_item(rs, &sm->items[i], ci, &e))
					break;
			}
		}
		if (!e.failed)
			per[s] = search_eids(rs, cs);
	}
	if (e.failed || rs->oom)
		goto out;
	r->conds = ralloc(rs, sr->nconditions * sizeof *r->conds);
	if (!r->conds)
		goto out;
	struct u32set need = {false, NULL, 0};
	for (size_t c = 0; c < sr->nconditions; c++) {
		char why[200];
		enum bt_status st = bt_cond_parse(&rs->arena, sr->conditions[c], names,
		                                  sr->nsearches, &r->conds[c], why, sizeof why);
		if (st != BT_OK) {
			cfail(&e, "%s", st == BT_ERR_NOMEM ? "out of memory" : why);
			goto out;
		}
		r->nconds = c + 1;
		need = set_or(rs, need, cond_eids(rs, r->conds[c], per));
	}
	char why[200];
	size_t nsrc;
	const struct bt_ls_source *src = bt_logsource_resolve(rs->map, &sr->logsource, &nsrc, why,
	                                                      sizeof why);
	if (!src) {
		cfail(&e, "%s", why);
		goto out;
	}
	for (size_t i = 0; i < nsrc; i++) {
		struct u32set ls = src[i].nevent_ids ? set_make(rs, src[i].event_ids,
		                                                src[i].nevent_ids)
		                                     : set_any();
		struct u32set both = set_and(rs, ls, need);
		if (!both.any && both.n == 0)
			continue;
		const struct creq *req = source_req(rs, &src[i], &e);
		if (e.failed)
			goto out;
		if (!add_inst(rs, r, &src[i], req, slot_items))
			goto out;
		r->info.nvariants++;
	}
	if (r->info.nvariants == 0)
		cfail(&e, "the EventID values of the detection never occur in its logsource");
out:
	if (rs->oom)
		cfail(&e, "out of memory");
	if (e.failed) {
		r->info.state = BT_RULE_SKIPPED;
		r->info.reason = rstrdup(rs, e.why);
		free_rule_compiled(r);
		/* Instances already added for it are dropped from the index below. */
	}
	free(slot_items);
	free(names);
	free(per);
}

/* ---- index */

static uint32_t hash_fold(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ bt_fold((unsigned char)*s)) * 16777619u;
	return h;
}

static struct chan *chan_lookup(const struct bt_ruleset *rs, const char *name)
{
	uint32_t h = hash_fold(name);
	for (size_t i = h & (rs->hsize - 1);; i = (i + 1) & (rs->hsize - 1)) {
		int32_t k = rs->htab[i];
		if (k < 0)
			return NULL;
		struct chan *c = &rs->chans[k];
		if (c->hash == h && strcasecmp(c->name, name) == 0)
			return c;
	}
}

/* Events come in long runs of one channel (a log file is one channel), and
 * each is looked up twice (fields wanted? rules to run): the last name and
 * its answer are kept per thread, for the rule set of that serial. */
static struct chan *chan_find(const struct bt_ruleset *rs, const char *name)
{
	static _Thread_local struct {
		uint64_t serial;
		struct chan *c;
		size_t n;
		char name[128];
	} last;
	if (!rs->hsize || !name)
		return NULL;
	size_t n = strlen(name);
	if (last.serial == rs->serial && last.n == n && memcmp(last.name, name, n) == 0)
		return last.c;
	struct chan *c = chan_lookup(rs, name);
	if (n < sizeof last.name) {
		last.serial = rs->serial;
		last.c = c;
		last.n = n;
		memcpy(last.name, name, n);
	}
	return c;
}

static struct chan *chan_get(struct bt_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nchan; i++)
		if (strcasecmp(rs->chans[i].name, name) == 0)
			return &rs->chans[i];
	if (!bt_array_reserve(&rs->chans, &rs->capchan, rs->nchan, sizeof *rs->chans, 16)) {
		rs->oom = true;
		return NULL;
	}
	struct chan *c = &rs->chans[rs->nchan++];
	memset(c, 0, sizeof *c);
	c->name = name;
	c->hash = hash_fold(name);
	return c;
}

static bool ilist_push(struct ilist *l, struct inst *in)
{
	if (!bt_array_reserve(&l->v, &l->cap, l->n, sizeof *l->v, 16))
		return false;
	l->v[l->n++] = in;
	return true;
}

static bool index_inst(struct bt_ruleset *rs, struct inst *in, const struct u32set *eids)
{
	const struct bt_ls_source *src = in->src;
	if (src->any_evtx && !ilist_push(&rs->anyevtx, in))
		return false;
	for (size_t c = 0; c < src->nchannels; c++) {
		struct chan *ch = chan_get(rs, src->channels[c]);
		if (!ch)
			return false;
		if (eids->any) {
			if (!ilist_push(&ch->any, in))
				return false;
			continue;
		}
		for (size_t k = 0; k < eids->n; k++) {
			struct bucket *b = NULL;
			for (size_t j = 0; j < ch->nb; j++)
				if (ch->b[j].eid == eids->v[k])
					b = &ch->b[j];
			if (!b) {
				if (!bt_array_reserve(&ch->b, &ch->capb, ch->nb, sizeof *ch->b, 16))
					return false;
				b = &ch->b[ch->nb++];
				memset(b, 0, sizeof *b);
				b->eid = eids->v[k];
			}
			struct ilist tmp = {b->v, b->n, b->cap};
			if (!ilist_push(&tmp, in))
				return false;
			b->v = tmp.v;
			b->n = tmp.n;
			b->cap = tmp.cap;
		}
	}
	return true;
}

static int cmp_bucket(const void *a, const void *b)
{
	uint32_t x = ((const struct bucket *)a)->eid, y = ((const struct bucket *)b)->eid;
	return x < y ? -1 : x > y;
}

static int cmp_idref(const void *a, const void *b)
{
	const struct idref *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->rule->info.index < y->rule->info.index ? -1 : 1;
}

/* The instance's event ids: mapping ids intersected with the detection's. */
static struct u32set inst_eids(struct bt_ruleset *rs, const struct inst *in)
{
	const struct crule *r = in->rule;
	struct u32set *per = calloc(r->ns ? r->ns : 1, sizeof *per);
	if (!per)
		return set_any();
	for (size_t s = 0; s < r->ns; s++)
		per[s] = search_eids(rs, &r->s[s]);
	struct u32set need = {false, NULL, 0};
	for (size_t c = 0; c < r->nconds; c++)
		need = set_or(rs, need, cond_eids(rs, r->conds[c], per));
	free(per);
	struct u32set ls = in->src->nevent_ids
	                           ? set_make(rs, in->src->event_ids, in->src->nevent_ids)
	                           : set_any();
	return set_and(rs, ls, need);
}

static void mark_duplicates(struct bt_ruleset *rs)
{
	size_t n = 0;
	for (size_t i = 0; i < rs->n; i++) {
		const struct crule *r = rs->rules[i];
		if ((r->info.state == BT_RULE_LOADED || r->info.state == BT_RULE_CORRELATION) &&
		    (r->sigma->id || r->sigma->name))
			n += (r->sigma->id != NULL) + (r->sigma->name != NULL);
	}
	rs->ids = calloc(n ? n : 1, sizeof *rs->ids);
	if (!rs->ids) {
		rs->oom = true;
		return;
	}
	for (size_t i = 0; i < rs->n; i++) {
		struct crule *r = rs->rules[i];
		if (r->info.state != BT_RULE_LOADED && r->info.state != BT_RULE_CORRELATION)
			continue;
		if (r->sigma->id)
			rs->ids[rs->nids++] = (struct idref){r->sigma->id, r};
		if (r->sigma->name)
			rs->ids[rs->nids++] = (struct idref){r->sigma->name, r};
	}
	if (rs->nids > 1)
		qsort(rs->ids, rs->nids, sizeof *rs->ids, cmp_idref);
	for (size_t i = 1; i < rs->nids; i++) {
		struct crule *r = rs->ids[i].rule;
		const struct crule *first = rs->ids[i - 1].rule;
		if (strcmp(rs->ids[i].key, rs->ids[i - 1].key) != 0 || r == first)
			continue;
		/* Keep the first loaded; later copies are skipped. Walk back to the first. */
		size_t j = i - 1;
		while (j > 0 && strcmp(rs->ids[j - 1].key, rs->ids[i].key) == 0)
			j--;
		first = rs->ids[j].rule;
		if (r->info.state == BT_RULE_SKIPPED || r == first)
			continue;
		char why[512];
		snprintf(why, sizeof why, "duplicate id or name '%s' (first loaded from %s)",
		         rs->ids[i].key, first->sigma->file ? first->sigma->file : "?");
		r->info.state = BT_RULE_SKIPPED;
		r->info.reason = rstrdup(rs, why);
	}
	/* Drop the skipped ones from the lookup. */
	size_t k = 0;
	for (size_t i = 0; i < rs->nids; i++)
		if (rs->ids[i].rule->info.state != BT_RULE_SKIPPED)
			rs->ids[k++] = rs->ids[i];
	rs->nids = k;
}

enum bt_status bt_ruleset_finish(struct bt_ruleset *rs)
{
	if (rs->finished)
		return BT_OK;
	rs->finished = true;
	for (size_t i = 0; i < rs->n && !rs->oom; i++)
		if (rs->rules[i]->info.state == BT_RULE_LOADED)
			compile_rule(rs, rs->rules[i]);
	mark_duplicates(rs);
	for (size_t i = 0; i < rs->n; i++)
		if (rs->rules[i]->info.state == BT_RULE_SKIPPED)
			free_rule_compiled(rs->rules[i]);
	for (size_t i = 0; i < rs->ninst && !rs->oom; i++) {
		struct inst *in = rs->insts[i];
		if (in->rule->info.state != BT_RULE_LOADED)
			continue;
		struct u32set e = inst_eids(rs, in);
		if (!index_inst(rs, in, &e))
			rs->oom = true;
	}
	for (size_t i = 0; i < rs->nchan; i++)
		if (rs->chans[i].nb)
			qsort(rs->chans[i].b, rs->chans[i].nb, sizeof *rs->chans[i].b, cmp_bucket);
	size_t hs = 16;
	while (hs < rs->nchan * 2 + 1)
		hs *= 2;
	rs->htab = malloc(hs * sizeof *rs->htab);
	if (!rs->htab)
		return BT_ERR_NOMEM;
	rs->hsize = hs;
	for (size_t i = 0; i < hs; i++)
		rs->htab[i] = -1;
	for (size_t i = 0; i < rs->nchan; i++) {
		size_t k = rs->chans[i].hash & (hs - 1);
		while (rs->htab[k] >= 0)
			k = (k + 1) & (hs - 1);
		rs->htab[k] = (int32_t)i;
	}
	return rs->oom ? BT_ERR_NOMEM : BT_OK;
}

void bt_ruleset_free(struct bt_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		free_rule_compiled(rs->rules[i]);
	for (size_t i = 0; i < rs->nreq; i++)
		for (size_t j = 0; j < rs->reqs[i]->n; j++)
			free_item(&rs->reqs[i]->items[j]);
	for (size_t i = 0; i < rs->nchan; i++) {
		for (size_t j = 0; j < rs->chans[i].nb; j++)
			free(rs->chans[i].b[j].v);
		free(rs->chans[i].b);
		free(rs->chans[i].any.v);
	}
	free(rs->chans);
	free(rs->htab);
	free(rs->anyevtx.v);
	free(rs->insts);
	free(rs->reqs);
	free(rs->rules);
	free(rs->ids);
	free(rs->fnames);
	bt_match_scratch_free(rs->scratch);
	bt_logsource_free(rs->map);
	bt_arena_free(&rs->arena);
	free(rs);
}

size_t bt_ruleset_count(const struct bt_ruleset *rs)
{
	return rs->n;
}

const struct bt_rule_info *bt_ruleset_info(const struct bt_ruleset *rs, size_t i)
{
	return i < rs->n ? &rs->rules[i]->info : NULL;
}

const struct bt_rule_info *bt_ruleset_find(const struct bt_ruleset *rs, const char *key)
{
	size_t lo = 0, hi = rs->nids;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(rs->ids[mid].key, key);
		if (c == 0)
			return &rs->ids[mid].rule->info;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void bt_ruleset_counts(const struct bt_ruleset *rs, struct bt_ruleset_counts *c)
{
	memset(c, 0, sizeof *c);
	c->files = rs->files;
	for (size_t i = 0; i < rs->n; i++) {
		switch (rs->rules[i]->info.state) {
		case BT_RULE_LOADED: c->loaded++; break;
		case BT_RULE_SKIPPED: c->skipped++; break;
		case BT_RULE_CORRELATION: c->correlations++; break;
		case BT_RULE_UNREADABLE: c->unreadable++; break;
		case BT_RULE_EXCLUDED: c->excluded++; break;
		}
	}
}

/* ---- matching */

static const struct bucket *bucket_find(const struct chan *c, uint32_t eid)
{
	size_t lo = 0, hi = c->nb;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->b[mid].eid == eid)
			return &c->b[mid];
		if (c->b[mid].eid < eid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool provider_ok(const struct inst *in, const struct bt_event *ev)
{
	const struct bt_ls_source *s = in->src;
	if (s->nproviders == 0)
		return true;
	if (!ev->provider)
		return false;
	for (size_t i = 0; i < s->nproviders; i++)
		if (strcasecmp(s->providers[i], ev->provider) == 0)
			return true;
	return false;
}

static bool any_ok(const struct ilist *l, const struct bt_event *ev)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (provider_ok(l->v[i], ev))
			return true;
	return false;
}

bool bt_ruleset_wants(const struct bt_ruleset *rs, const struct bt_event *ev)
{
	if (ev->source == BT_SOURCE_EVTX && any_ok(&rs->anyevtx, ev))
		return true;
	const struct chan *c = chan_find(rs, ev->channel);
	if (!c)
		return false;
	if (any_ok(&c->any, ev))
		return true;
	const struct bucket *b = bucket_find(c, ev->event_id);
	if (!b)
		return false;
	struct ilist l = {b->v, b->n, b->cap};
	return any_ok(&l, ev);
}

bool bt_ruleset_want_fields(void *rs, const struct bt_event *header)
{
	return bt_ruleset_wants(rs, header);
}

/* The fields an event's rules looked up so far, by name number (fref.id):
 * the rules of one event scan its fields once per name. */
#define FCACHE_MAX 16

struct fcache {
	unsigned n;
	uint32_t id[FCACHE_MAX];
	long first[FCACHE_MAX], next[FCACHE_MAX];
};

struct ectx {
	const struct bt_event *ev;
	const struct inst *in;
	struct bt_match_scratch *scratch;
	struct fcache *fc;
};

/* The index of the first field fr names (exact, Data[N], else in another
 * case: bt_event_field_index) and in *next that of the one after it of its
 * name; -1 none. */
static long field_lookup(const struct ectx *x, const struct fref *fr, long *next)
{
	struct fcache *c = x->fc;
	if (fr->id && c)
		for (unsigned k = 0; k < c->n; k++)
			if (c->id[k] == fr->id) {
				*next = c->next[k];
				return c->first[k];
			}
	long first = bt_event_field_index(x->ev, fr->name, fr->len, true, next);
	if (fr->id && c && c->n < FCACHE_MAX) {
		c->id[c->n] = fr->id;
		c->first[c->n] = first;
		c->next[c->n] = *next;
		c->n++;
	}
	return first;
}

/* Iterates the values of a field (header properties have one). */
struct fiter {
	const struct ectx *x;
	const struct fref *fr;
	long next;
	char buf[32];
	bool started, done;
};

/* The next value: a field in *f (its text maybe not made yet), or with *f
 * NULL a header property's text in *s, *n. */
static bool fiter_next(struct fiter *it, const struct bt_field **f, const char **s, size_t *n)
{
	if (it->done)
		return false;
	const struct bt_event *ev = it->x->ev;
	long i;
	if (!it->started) {
		it->started = true;
		if (it->fr->sys != SYS_NONE) {
			it->done = true;
			if (bt_event_system_value(ev, it->fr->name, it->fr->len, it->buf, s, n)) {
				*f = NULL;
				return true;
			}
			/* Not a header property of this event: fall back to a data field. */
		}
		i = field_lookup(it->x, it->fr, &it->next);
		if (it->fr->single)
			it->done = true;
	} else {
		i = it->next;
		if (i >= 0)
			it->next = bt_event_field_index_next(ev, (size_t)i);
	}
	if (i < 0) {
		it->done = true;
		return false;
	}
	*f = &ev->fields[i];
	return true;
}

static inline void fiter_init(struct fiter *it, const struct ectx *x, const struct fref *fr)
{
	/* not an initializer: that would clear buf as well */
	it->x = x;
	it->fr = fr;
	it->next = -1;
	it->started = false;
	it->done = false;
}

/* fiter_next with the value's text. */
static bool fiter_text(struct fiter *it, const char **s, size_t *n)
{
	const struct bt_field *f;
	if (!fiter_next(it, &f, s, n))
		return false;
	if (f) {
		bt_field_need(it->x->ev, f);
		*s = f->text;
		*n = f->text_len;
	}
	return true;
}

static bool field_present(const struct ectx *x, const struct fref *fr)
{
	struct fiter it;
	fiter_init(&it, x, fr);
	const struct bt_field *f;
	const char *s;
	size_t n;
	return fiter_next(&it, &f, &s, &n);
}

static bool fieldref_match(const struct ectx *x, const struct citem *ci, const struct fref *fr,
                           const struct bt_matcher *m)
{
	size_t rlen;
	const char *rname = bt_matcher_fieldref(m, &rlen);
	struct fref other;
	set_fref(NULL, &other, renamed(x->in ? x->in->src : NULL, rname));
	struct fiter a;
	fiter_init(&a, x, fr);
	const char *as, *bs;
	size_t an, bn;
	while (fiter_text(&a, &as, &an)) {
		struct fiter b;
		fiter_init(&b, x, &other);
		while (fiter_text(&b, &bs, &bn))
			if (bt_match_pair(ci->mods.pos, ci->mods.cased, as, an, bs, bn))
				return true;
	}
	return false;
}

/* Whether one rule value (a matcher chain) matches some value of the field. */
static bool value_match(const struct ectx *x, const struct citem *ci, const struct fref *fr,
                        const struct bt_matcher *m)
{
	switch (bt_matcher_special(m)) {
	case BT_MSPECIAL_NULL: {
		struct fiter it;
		fiter_init(&it, x, fr);
		const char *s;
		size_t n;
		return !fiter_text(&it, &s, &n) || n == 0;
	}
	case BT_MSPECIAL_FIELDREF:
		return fieldref_match(x, ci, fr, m);
	case BT_MSPECIAL_NONE:
		break;
	}
	struct fiter it;
	fiter_init(&it, x, fr);
	const char *s;
	size_t n;
	while (fiter_text(&it, &s, &n))
		if (bt_matcher_test(m, s, n, x->scratch))
			return true;
	return false;
}

static bool keyword_value(const struct ectx *x, const struct bt_matcher *m)
{
	const struct bt_event *ev = x->ev;
	bool fold = bt_matcher_folds(m);
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct bt_field *f = &ev->fields[i];
		if (f->flags & BT_FIELD_SYSTEM)
			continue;
		bt_field_need(ev, f);
		const uint64_t *grams = NULL;
		const char *folded =
			fold ? bt_match_fold_keep(x->scratch, f, f->text, f->text_len, &grams) : NULL;
		if (bt_matcher_test_folded(m, f->text, folded, f->text_len, grams, x->scratch))
			return true;
	}
	return false;
}

static bool item_match(const struct ectx *x, const struct citem *ci, const struct fref *fr)
{
	const struct bt_mods *m = &ci->mods;
	if (m->exists)
		return field_present(x, fr) == ci->exists_val;
	if (m->keyword) {
		for (size_t i = 0; i < ci->nvals; i++) {
			bool r = keyword_value(x, ci->vals[i]);
			if (m->all ? !r : r)
				return r;
		}
		return m->all;
	}
	if (fr->sys == SYS_EVENTID && ci->all_uint && x->ev->source == BT_SOURCE_EVTX) {
		uint32_t eid = x->ev->event_id;
		for (size_t i = 0; i < ci->nvals; i++) {
			bool r = ci->uvals[i] == eid;
			if (m->all ? !r : r)
				return r;
		}
		return m->all;
	}
	if (m->neq) {
		if (!field_present(x, fr))
			return false;
		for (size_t i = 0; i < ci->nvals; i++)
			if (value_match(x, ci, fr, ci->vals[i]))
				return false;
		return true;
	}
	if (!m->all && ci->all_plain) {
		/* any value matching any of the field's values: the field is looked
		 * up once, not once per value */
		struct fiter it;
		fiter_init(&it, x, fr);
		const struct bt_field *f;
		const char *s;
		size_t n;
		while (fiter_next(&it, &f, &s, &n)) {
			if (f) {
				const uint8_t *u;
				size_t un;
				uint64_t uv;
				if (ci->all_uint && bt_field_uint(x->ev, f, &uv)) {
					/* decimal literals without leading zeros against an
					 * integer written so: equal text is equal numbers */
					for (size_t i = 0; i < ci->nvals; i++)
						if (ci->uvals[i] == uv)
							return true;
					continue;
				}
				if (ci->u16 && bt_field_utf16(x->ev, f, &u, &un)) {
					/* told on the units where that is exact: no text made */
					int r = bt_matchers_any_utf16(ci->vals, ci->nvals, u, un);
					if (r > 0)
						return true;
					if (r == 0)
						continue;
				}
				bt_field_need(x->ev, f);
				s = f->text;
				n = f->text_len;
			}
			/* a field's folded text is made once for the event's rules */
			const uint64_t *grams = NULL;
			const char *folded = !ci->fold ? NULL
			                     : f      ? bt_match_fold_keep(x->scratch, f, s, n, &grams)
			                              : bt_match_fold(x->scratch, s, n);
			if (bt_matchers_any_folded(ci->vals, ci->nvals, s, folded, n, grams, x->scratch))
				return true;
		}
		return false;
	}
	for (size_t i = 0; i < ci->nvals; i++) {
		bool r = value_match(x, ci, fr, ci->vals[i]);
		if (m->all ? !r : r)
			return r;
	}
	return m->all;
}

static bool search_ref(void *ctx, uint32_t i)
{
	const struct ectx *x = ctx;
	const struct crule *r = x->in->rule;
	const struct csearch *s = &r->s[i];
	for (size_t a = 0; a < s->n; a++) {
		const struct cmap *cm = &s->alts[a];
		bool ok = true;
		for (size_t k = 0; k < cm->n && ok; k++)
			ok = item_match(x, &cm->items[k], &x->in->refs[cm->items[k].slot]);
		if (ok)
			return true;
	}
	return false;
}

static bool inst_match(struct ectx *x)
{
	const struct inst *in = x->in;
	if (in->req) {
		for (size_t i = 0; i < in->req->n; i++)
			if (!item_match(x, &in->req->items[i], &in->req->refs[i]))
				return false;
	}
	const struct crule *r = in->rule;
	for (size_t c = 0; c < r->nconds; c++)
		if (bt_cond_eval(r->conds[c], search_ref, x))
			return true;
	return false;
}

/* The rules an event matched so far (a rule indexed in two lists is tested
 * once): inline for the usual few, on the heap past them. */
struct mstate {
	unsigned hit[64];
	unsigned *more;
	size_t nhit, nmore, capmore;
	size_t hits;
	bool stop;
};

static bool mstate_has(const struct mstate *ms, unsigned idx)
{
	for (size_t k = 0; k < ms->nhit; k++)
		if (ms->hit[k] == idx)
			return true;
	for (size_t k = 0; k < ms->nmore; k++)
		if (ms->more[k] == idx)
			return true;
	return false;
}

static void mstate_add(struct mstate *ms, unsigned idx)
{
	if (ms->nhit < 64)
		ms->hit[ms->nhit++] = idx;
	else if (bt_array_reserve(&ms->more, &ms->capmore, ms->nmore, sizeof *ms->more, 64))
		ms->more[ms->nmore++] = idx;
	/* out of memory: the rule may be tested again from another list */
}

/* A rule whose regular expression hit a PCRE2 limit on this event: counted,
 * and disabled (said once) when it keeps happening. */
static void note_re_limit(const struct bt_ruleset *rs, struct crule *r)
{
	uint_fast64_t n = atomic_fetch_add_explicit(&r->re_limit, 1, memory_order_relaxed) + 1;
	if (n == BT_RULE_RE_LIMIT_DISABLE) {
		atomic_store_explicit(&r->disabled, true, memory_order_relaxed);
		bt_diagf(&rs->opts.diag, BT_DIAG_WARN, r->info.sigma->file,
		         "rule %s (%s): a regular expression hit the PCRE2 match limit on %u events; "
		         "the rule is disabled for the rest of the run (its findings are incomplete)",
		         r->info.sigma->id ? r->info.sigma->id : "?",
		         r->info.sigma->title ? r->info.sigma->title : "?",
		         (unsigned)BT_RULE_RE_LIMIT_DISABLE);
	}
}

static void run_list(const struct bt_ruleset *rs, const struct ilist *l, struct ectx *x,
                     struct mstate *ms, bt_hit_fn fn, void *ctx)
{
	for (size_t i = 0; l && i < l->n && !ms->stop; i++) {
		const struct inst *in = l->v[i];
		if (!provider_ok(in, x->ev))
			continue;
		unsigned idx = in->rule->info.index;
		if (mstate_has(ms, idx) ||
		    atomic_load_explicit(&in->rule->disabled, memory_order_relaxed))
			continue;
		x->in = in;
		uint64_t re_before = bt_match_scratch_re_errors(x->scratch);
		bool matched = inst_match(x);
		if (bt_match_scratch_re_errors(x->scratch) != re_before)
			note_re_limit(rs, in->rule);
		if (!matched)
			continue;
		mstate_add(ms, idx);
		ms->hits++;
		struct bt_hit h = {&in->rule->info, x->ev};
		if (fn && fn(ctx, &h))
			ms->stop = true;
	}
}

size_t bt_ruleset_match_with(const struct bt_ruleset *rs, struct bt_match_scratch *scratch,
                             const struct bt_event *ev, bt_hit_fn fn, void *ctx)
{
	struct fcache fc;
	fc.n = 0;
	struct ectx x = {.ev = ev, .scratch = scratch, .fc = &fc};
	bt_match_fold_forget(scratch);
	struct mstate ms = {.nhit = 0};
	if (ev->source == BT_SOURCE_EVTX)
		run_list(rs, &rs->anyevtx, &x, &ms, fn, ctx);
	const struct chan *c = chan_find(rs, ev->channel);
	if (c) {
		const struct bucket *b = bucket_find(c, ev->event_id);
		if (b) {
			struct ilist l = {b->v, b->n, b->cap};
			run_list(rs, &l, &x, &ms, fn, ctx);
		}
		run_list(rs, &c->any, &x, &ms, fn, ctx);
	}
	free(ms.more);
	return ms.hits;
}

size_t bt_ruleset_match(struct bt_ruleset *rs, const struct bt_event *ev, bt_hit_fn fn,
                        void *ctx)
{
	return bt_ruleset_match_with(rs, rs->scratch, ev, fn, ctx);
}

uint64_t bt_ruleset_re_limits(const struct bt_ruleset *rs, size_t i, bool *disabled)
{
	if (i >= rs->n) {
		if (disabled)
			*disabled = false;
		return 0;
	}
	struct crule *r = rs->rules[i];
	if (disabled)
		*disabled = atomic_load_explicit(&r->disabled, memory_order_relaxed);
	return atomic_load_explicit(&r->re_limit, memory_order_relaxed);
}

struct bt_hit *bt_hit_clone(const struct bt_hit *h)
{
	struct bt_hit *c = malloc(sizeof *c);
	if (!c)
		return NULL;
	c->rule = h->rule;
	c->event = bt_event_clone(h->event);
	if (!c->event) {
		free(c);
		return NULL;
	}
	return c;
}

void bt_hit_free(struct bt_hit *h)
{
	if (!h)
		return;
	free((void *)h->event);
	free(h);
}
