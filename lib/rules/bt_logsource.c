/* Logsource mapping file -> lookup table. */
#include "config.h"

#include "core/bt_array.h"
#include "rules/bt_logsource.h"

#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "core/bt_arena.h"
#include "rules/bt_yaml.h"

#ifndef BT_PKGDATADIR
#define BT_PKGDATADIR "/usr/local/share/boxtrail"
#endif

#define MAX_MAP_ARENA (64u << 20)

enum ekind { E_DEFAULT, E_SERVICE, E_CATEGORY };

struct entry {
	const char *product;
	enum ekind kind;
	const char *name;
	struct bt_ls_source *src;
	size_t nsrc;
};

struct bt_logsource_map {
	struct bt_arena arena;
	struct entry *entries;
	size_t n, cap;
};

static bool has_mapping(const char *dir)
{
	char p[PATH_MAX + 32];
	snprintf(p, sizeof p, "%s/data/logsources.yml", dir);
	return access(p, R_OK) == 0;
}

const char *bt_datadir_default(void)
{
	/* A binary run from its build tree (src/boxtrail) uses the rules beside
	 * it, not an older installed pack; an installed one uses the pack
	 * beside it or pkgdatadir; a VPATH build tree falls back to its
	 * source tree. */
	static char found[PATH_MAX];
	static bool done;
	if (done)
		return found;
	done = true;
	char exe[PATH_MAX - 8];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			/* the build tree, then an install moved as a whole
			 * (staged with DESTDIR, unpacked elsewhere) */
			const char *const rel[] = {"/..", "/../share/" PACKAGE};
			for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
				snprintf(found, sizeof found, "%s%s", exe, rel[i]);
				char real[PATH_MAX];
				if (has_mapping(found)) {
					if (realpath(found, real))
						snprintf(found, sizeof found, "%s", real);
					return found;
				}
			}
		}
	}
	const char *const fallbacks[] = {BT_PKGDATADIR, BT_SRCDIR};
	for (size_t i = 0; i < sizeof fallbacks / sizeof *fallbacks; i++) {
		snprintf(found, sizeof found, "%s", fallbacks[i]);
		if (has_mapping(found))
			return found;
	}
	snprintf(found, sizeof found, "%s", BT_PKGDATADIR);
	return found;
}

struct lctx {
	struct bt_logsource_map *m;
	const char *origin;
	char *why;
	size_t why_size;
	enum bt_status st;
};

static void lfail(struct lctx *c, unsigned line, const char *msg, const char *what)
{
	if (c->st != BT_OK)
		return;
	c->st = BT_ERR_FORMAT;
	snprintf(c->why, c->why_size, "%s: line %u: %s%s%s", c->origin, line, msg,
	         what ? " " : "", what ? what : "");
}

static void *lalloc(struct lctx *c, size_t n)
{
	void *p = bt_arena_alloc(&c->m->arena, n ? n : 1);
	if (!p) {
		if (c->st == BT_OK) {
			c->st = BT_ERR_NOMEM;
			snprintf(c->why, c->why_size, "%s: out of memory", c->origin);
		}
		return NULL;
	}
	memset(p, 0, n ? n : 1);
	return p;
}

/* A scalar or a list of scalars. */
static const char **names(struct lctx *c, const struct bt_ynode *v, size_t *n)
{
	*n = 0;
	if (v->kind == BT_Y_SCALAR) {
		const char **o = lalloc(c, sizeof *o);
		if (o) {
			o[0] = v->str;
			*n = 1;
		}
		return o;
	}
	if (v->kind != BT_Y_SEQ) {
		lfail(c, v->line, "expected a name or a list of names", NULL);
		return NULL;
	}
	const char **o = lalloc(c, v->n * sizeof *o);
	if (!o)
		return NULL;
	for (size_t i = 0; i < v->n; i++) {
		if (v->items[i]->kind != BT_Y_SCALAR) {
			lfail(c, v->items[i]->line, "expected a name", NULL);
			return NULL;
		}
		o[i] = v->items[i]->str;
	}
	*n = v->n;
	return o;
}

static bool parse_u32(const char *s, uint32_t *out)
{
	if (!*s)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > UINT32_MAX)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static void parse_source(struct lctx *c, const struct bt_ynode *s, struct bt_ls_source *o)
{
	if (s->kind != BT_Y_MAP) {
		lfail(c, s->line, "a source must be a map", NULL);
		return;
	}
	for (size_t i = 0; i < s->n && c->st == BT_OK; i++) {
		const char *k = bt_ynode_str(s->pairs[i].key);
		const struct bt_ynode *v = s->pairs[i].value;
		if (!k) {
			lfail(c, s->pairs[i].key->line, "bad key", NULL);
		} else if (strcmp(k, "channel") == 0 || strcmp(k, "channels") == 0) {
			o->channels = names(c, v, &o->nchannels);
		} else if (strcmp(k, "evtx") == 0) {
			if (!bt_ynode_bool(v, &o->any_evtx))
				lfail(c, v->line, "evtx: expects true or false", NULL);
		} else if (strcmp(k, "providers") == 0 || strcmp(k, "provider") == 0) {
			o->providers = names(c, v, &o->nproviders);
		} else if (strcmp(k, "event_ids") == 0) {
			size_t n;
			const char **ids = names(c, v, &n);
			if (!ids)
				return;
			o->event_ids = lalloc(c, n * sizeof *o->event_ids);
			if (!o->event_ids)
				return;
			for (size_t j = 0; j < n; j++)
				if (!parse_u32(ids[j], &o->event_ids[j]))
					lfail(c, v->line, "bad event id", ids[j]);
			o->nevent_ids = n;
		} else if (strcmp(k, "fields") == 0) {
			if (v->kind != BT_Y_MAP) {
				lfail(c, v->line, "fields: expects a map", NULL);
				return;
			}
			o->renames = lalloc(c, v->n * sizeof *o->renames);
			if (!o->renames)
				return;
			for (size_t j = 0; j < v->n; j++) {
				const char *from = bt_ynode_str(v->pairs[j].key);
				const char *to = bt_ynode_str(v->pairs[j].value);
				if (!from || !to) {
					lfail(c, v->pairs[j].key->line, "fields: expects name: name", NULL);
					return;
				}
				o->renames[j].from = from;
				o->renames[j].to = to;
			}
			o->nrenames = v->n;
		} else if (strcmp(k, "require") == 0) {
			if (v->kind != BT_Y_MAP) {
				lfail(c, v->line, "require: expects a map", NULL);
				return;
			}
			o->requires = lalloc(c, v->n * sizeof *o->requires);
			if (!o->requires)
				return;
			for (size_t j = 0; j < v->n; j++) {
				struct bt_ls_require *r = &o->requires[j];
				r->field = bt_ynode_str(v->pairs[j].key);
				size_t nv;
				const char **vals = names(c, v->pairs[j].value, &nv);
				if (!r->field || !vals)
					return;
				r->values = lalloc(c, nv * sizeof *r->values);
				if (!r->values)
					return;
				for (size_t q = 0; q < nv; q++) {
					r->values[q].str = vals[q];
					r->values[q].len = strlen(vals[q]);
					r->values[q].type = BT_SV_STRING;
				}
				r->nvalues = nv;
			}
			o->nrequires = v->n;
		} else {
			lfail(c, s->pairs[i].key->line, "unknown source key", k);
		}
	}
	if (c->st == BT_OK && o->nchannels == 0 && !o->any_evtx)
		lfail(c, s->line, "a source needs a channel (or evtx: true)", NULL);
}

static void add_entry(struct lctx *c, const char *product, enum ekind kind, const char *name,
                      const struct bt_ynode *list)
{
	if (c->st != BT_OK)
		return;
	if (list->kind == BT_Y_MAP) {
		/* A single source may be written without the list. */
	} else if (list->kind != BT_Y_SEQ) {
		lfail(c, list->line, "expected a list of sources for", name ? name : product);
		return;
	}
	struct bt_logsource_map *m = c->m;
	if (!bt_array_reserve(&m->entries, &m->cap, m->n, sizeof *m->entries, 64)) {
		c->st = BT_ERR_NOMEM;
		snprintf(c->why, c->why_size, "%s: out of memory", c->origin);
		return;
	}
	struct entry *e = &m->entries[m->n];
	memset(e, 0, sizeof *e);
	e->product = product;
	e->kind = kind;
	e->name = name;
	size_t n = list->kind == BT_Y_SEQ ? list->n : 1;
	e->src = lalloc(c, n * sizeof *e->src);
	if (!e->src)
		return;
	for (size_t i = 0; i < n && c->st == BT_OK; i++)
		parse_source(c, list->kind == BT_Y_SEQ ? list->items[i] : list, &e->src[i]);
	e->nsrc = n;
	if (c->st == BT_OK)
		m->n++;
}

static int on_doc(void *vctx, struct bt_ynode *root, unsigned index)
{
	struct lctx *c = vctx;
	(void)index;
	if (root->kind != BT_Y_MAP) {
		lfail(c, root->line, "the mapping must be a map of products", NULL);
		return 1;
	}
	for (size_t i = 0; i < root->n && c->st == BT_OK; i++) {
		const char *product = bt_ynode_str(root->pairs[i].key);
		const struct bt_ynode *pv = root->pairs[i].value;
		if (!product || pv->kind != BT_Y_MAP) {
			lfail(c, root->pairs[i].key->line, "a product must map to a map", NULL);
			return 1;
		}
		for (size_t j = 0; j < pv->n && c->st == BT_OK; j++) {
			const char *k = bt_ynode_str(pv->pairs[j].key);
			const struct bt_ynode *v = pv->pairs[j].value;
			if (k && strcmp(k, "default") == 0) {
				add_entry(c, product, E_DEFAULT, NULL, v);
			} else if (k && (strcmp(k, "services") == 0 || strcmp(k, "categories") == 0)) {
				if (v->kind != BT_Y_MAP) {
					lfail(c, v->line, "expected a map of names", k);
					return 1;
				}
				enum ekind kind = k[0] == 's' ? E_SERVICE : E_CATEGORY;
				for (size_t q = 0; q < v->n && c->st == BT_OK; q++) {
					const char *name = bt_ynode_str(v->pairs[q].key);
					if (!name) {
						lfail(c, v->pairs[q].key->line, "bad name", NULL);
						return 1;
					}
					add_entry(c, product, kind, name, v->pairs[q].value);
				}
			} else {
				lfail(c, pv->pairs[j].key->line, "unknown product key", k);
			}
		}
	}
	return c->st != BT_OK;
}

enum bt_status bt_logsource_load_buf(const char *origin, const char *buf, size_t len,
                                     struct bt_logsource_map **out, char *why, size_t why_size)
{
	*out = NULL;
	struct bt_logsource_map *m = calloc(1, sizeof *m);
	if (!m)
		return BT_ERR_NOMEM;
	bt_arena_init(&m->arena, MAX_MAP_ARENA);
	struct lctx c = {m, origin, why, why_size, BT_OK};
	char ywhy[200];
	enum bt_status st = bt_yaml_parse(&m->arena, buf, len, on_doc, &c, ywhy, sizeof ywhy);
	if (st != BT_OK && c.st == BT_OK) {
		snprintf(why, why_size, "%s: %s", origin, ywhy);
		c.st = st;
	}
	if (c.st == BT_OK && m->n == 0) {
		snprintf(why, why_size, "%s: no logsources defined", origin);
		c.st = BT_ERR_FORMAT;
	}
	if (c.st != BT_OK) {
		bt_logsource_free(m);
		return c.st;
	}
	*out = m;
	return BT_OK;
}

enum bt_status bt_logsource_load(const char *path, struct bt_logsource_map **out, char *why,
                                 size_t why_size)
{
	char *buf;
	size_t len;
	char rwhy[160];
	*out = NULL;
	enum bt_status st = bt_yaml_read_file(path, &buf, &len, rwhy, sizeof rwhy);
	if (st != BT_OK) {
		snprintf(why, why_size, "%s: %s", path, rwhy);
		return st;
	}
	st = bt_logsource_load_buf(path, buf, len, out, why, why_size);
	free(buf);
	return st;
}

void bt_logsource_free(struct bt_logsource_map *m)
{
	if (!m)
		return;
	bt_arena_free(&m->arena);
	free(m->entries);
	free(m);
}

static const struct entry *find(const struct bt_logsource_map *m, const char *product,
                                enum ekind kind, const char *name)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct entry *e = &m->entries[i];
		if (e->kind != kind || (product && strcasecmp(e->product, product) != 0))
			continue;
		if (kind == E_DEFAULT || strcasecmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

const struct bt_ls_source *bt_logsource_resolve(const struct bt_logsource_map *m,
                                                const struct bt_sigma_logsource *ls, size_t *n,
                                                char *why, size_t why_size)
{
	const struct entry *e = NULL;
	if (ls->category)
		e = find(m, ls->product, E_CATEGORY, ls->category);
	else if (ls->service)
		e = find(m, ls->product, E_SERVICE, ls->service);
	else if (ls->product)
		e = find(m, ls->product, E_DEFAULT, NULL);
	if (!e) {
		snprintf(why, why_size, "unmapped logsource (product: %s, category: %s, service: %s)",
		         ls->product ? ls->product : "-", ls->category ? ls->category : "-",
		         ls->service ? ls->service : "-");
		*n = 0;
		return NULL;
	}
	*n = e->nsrc;
	return e->src;
}
