/* Sigma YAML documents -> rule models. Checks shape only; whether the engine
 * supports a modifier or a condition is decided when the rule is compiled. */
#include "config.h"

#include "rules/bt_sigma_load.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/bt_yaml.h"

static const char *const level_names[] = {
	"", "informational", "low", "medium", "high", "critical",
};

const char *bt_sigma_level_name(enum bt_sigma_level l)
{
	return (unsigned)l <= BT_LEVEL_CRITICAL ? level_names[l] : "";
}

struct build {
	struct bt_arena *a;
	const char *file;
	char reason[256];
	bool failed;
};

static void failf(struct build *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void failf(struct build *b, const char *fmt, ...)
{
	if (b->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->reason, sizeof b->reason, fmt, ap);
	va_end(ap);
	b->failed = true;
}

static void *alloc0(struct build *b, size_t n)
{
	void *p = bt_arena_alloc(b->a, n ? n : 1);
	if (!p) {
		failf(b, "out of memory");
		return NULL;
	}
	memset(p, 0, n ? n : 1);
	return p;
}

static const char *dup_str(struct build *b, const char *s, size_t n)
{
	const char *p = bt_arena_strndup(b->a, s, n);
	if (!p)
		failf(b, "out of memory");
	return p;
}

/* A scalar attribute as a string (NULL when absent or not a scalar). */
static const char *scalar_attr(struct build *b, const struct bt_ynode *map, const char *key)
{
	const struct bt_ynode *v = bt_ynode_get(map, key);
	(void)b;
	if (!v || v->kind != BT_Y_SCALAR || bt_ynode_is_null(v))
		return NULL;
	return v->str;   /* already in the arena */
}

/* A list of scalars (a lone scalar counts as a list of one). */
static const char **str_list(struct build *b, const struct bt_ynode *v, size_t *n)
{
	*n = 0;
	if (!v || bt_ynode_is_null(v))
		return NULL;
	if (v->kind == BT_Y_SCALAR) {
		const char **out = alloc0(b, sizeof *out);
		if (out) {
			out[0] = v->str;
			*n = 1;
		}
		return out;
	}
	if (v->kind != BT_Y_SEQ)
		return NULL;
	const char **out = alloc0(b, v->n * sizeof *out);
	if (!out)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < v->n; i++)
		if (v->items[i]->kind == BT_Y_SCALAR && !bt_ynode_is_null(v->items[i]))
			out[k++] = v->items[i]->str;
	*n = k;
	return out;
}

static enum bt_sigma_level parse_level(const char *s)
{
	if (!s)
		return BT_LEVEL_NONE;
	for (int l = BT_LEVEL_INFORMATIONAL; l <= BT_LEVEL_CRITICAL; l++)
		if (strcasecmp(s, level_names[l]) == 0)
			return (enum bt_sigma_level)l;
	return BT_LEVEL_NONE;
}

/* "attack.t1558.003" -> "T1558.003"; NULL for other tags. */
static const char *attack_id(struct build *b, const char *tag)
{
	if (strncasecmp(tag, "attack.t", 8) != 0)
		return NULL;
	const char *p = tag + 8;
	size_t d = 0;
	while (isdigit((unsigned char)p[d]))
		d++;
	if (d != 4)
		return NULL;
	size_t len = 4;
	if (p[4] == '.') {
		size_t s = 0;
		while (isdigit((unsigned char)p[5 + s]))
			s++;
		if (s != 3 || p[8] != '\0')
			return NULL;
		len = 8;
	} else if (p[4] != '\0') {
		return NULL;
	}
	char tmp[16];
	tmp[0] = 'T';
	memcpy(tmp + 1, p, len);
	return dup_str(b, tmp, len + 1);
}

static bool make_value(struct build *b, const struct bt_ynode *n, struct bt_sigma_value *v)
{
	if (n->kind != BT_Y_SCALAR) {
		failf(b, "line %u: a value is a %s, not a scalar", n->line,
		      n->kind == BT_Y_MAP ? "map" : "list");
		return false;
	}
	bool bv;
	v->str = n->str;
	v->len = n->len;
	if (bt_ynode_is_null(n)) {
		v->type = BT_SV_NULL;
		v->str = "";
		v->len = 0;
	} else if (bt_ynode_bool(n, &bv)) {
		v->type = BT_SV_BOOL;
		v->str = bv ? "true" : "false";
		v->len = strlen(v->str);
	} else if (bt_ynode_is_int(n)) {
		v->type = BT_SV_INT;
	} else {
		v->type = BT_SV_STRING;
	}
	return true;
}

/* Fills `it` from a key "Field|mod|mod" and its value(s). */
static bool make_item(struct build *b, const struct bt_ynode *key, const struct bt_ynode *val,
                      struct bt_sigma_item *it)
{
	if (key->kind != BT_Y_SCALAR) {
		failf(b, "line %u: a selection key is not a scalar", key->line);
		return false;
	}
	it->line = key->line;
	const char *k = key->str;
	const char *bar = memchr(k, '|', key->len);
	size_t flen = bar ? (size_t)(bar - k) : key->len;
	it->field = flen ? dup_str(b, k, flen) : NULL;
	if (flen && !it->field)
		return false;
	if (bar) {
		size_t nm = 0;
		for (const char *p = bar; p && *p; p = strchr(p + 1, '|'))
			nm++;
		it->mods = alloc0(b, nm * sizeof *it->mods);
		if (!it->mods)
			return false;
		const char *p = bar + 1;
		for (;;) {
			const char *e = strchr(p, '|');
			size_t ml = e ? (size_t)(e - p) : strlen(p);
			const char *m = dup_str(b, p, ml);
			if (!m)
				return false;
			it->mods[it->nmods++] = m;
			if (!e)
				break;
			p = e + 1;
		}
	}
	if (val->kind == BT_Y_SEQ) {
		it->values = alloc0(b, val->n * sizeof *it->values);
		if (!it->values)
			return false;
		for (size_t i = 0; i < val->n; i++)
			if (!make_value(b, val->items[i], &it->values[i]))
				return false;
		it->nvalues = val->n;
		if (val->n == 0) {
			failf(b, "line %u: empty value list for '%s'", key->line, key->str);
			return false;
		}
	} else {
		it->values = alloc0(b, sizeof *it->values);
		if (!it->values || !make_value(b, val, &it->values[0]))
			return false;
		it->nvalues = 1;
	}
	return true;
}

static bool make_map(struct build *b, const struct bt_ynode *m, struct bt_sigma_map *out)
{
	out->items = alloc0(b, m->n * sizeof *out->items);
	if (!out->items)
		return false;
	for (size_t i = 0; i < m->n; i++)
		if (!make_item(b, m->pairs[i].key, m->pairs[i].value, &out->items[i]))
			return false;
	out->nitems = m->n;
	if (m->n == 0) {
		failf(b, "line %u: empty selection map", m->line);
		return false;
	}
	return true;
}

static bool make_search(struct build *b, const struct bt_ynode *key, const struct bt_ynode *v,
                        struct bt_sigma_search *s)
{
	s->name = key->str;
	if (v->kind == BT_Y_MAP) {
		s->alts = alloc0(b, sizeof *s->alts);
		if (!s->alts || !make_map(b, v, &s->alts[0]))
			return false;
		s->nalts = 1;
		return true;
	}
	if (v->kind == BT_Y_SCALAR) {
		/* A lone keyword. */
		s->alts = alloc0(b, sizeof *s->alts);
		struct bt_sigma_item *it = alloc0(b, sizeof *it);
		struct bt_sigma_value *val = alloc0(b, sizeof *val);
		if (!s->alts || !it || !val || !make_value(b, v, val))
			return false;
		it->values = val;
		it->nvalues = 1;
		it->line = v->line;
		s->alts[0].items = it;
		s->alts[0].nitems = 1;
		s->nalts = 1;
		return true;
	}
	/* A list: maps are alternatives; scalars form one keyword alternative. */
	size_t nscalars = 0;
	for (size_t i = 0; i < v->n; i++) {
		if (v->items[i]->kind == BT_Y_SCALAR)
			nscalars++;
		else if (v->items[i]->kind == BT_Y_SEQ) {
			failf(b, "line %u: search '%s' holds a nested list", v->items[i]->line, key->str);
			return false;
		}
	}
	if (v->n == 0) {
		failf(b, "line %u: search '%s' is an empty list", v->line, key->str);
		return false;
	}
	size_t nalts = (v->n - nscalars) + (nscalars ? 1 : 0);
	s->alts = alloc0(b, nalts * sizeof *s->alts);
	if (!s->alts)
		return false;
	struct bt_sigma_item *kw = NULL;
	if (nscalars) {
		kw = alloc0(b, sizeof *kw);
		if (!kw)
			return false;
		kw->values = alloc0(b, nscalars * sizeof *kw->values);
		if (!kw->values)
			return false;
		kw->line = v->line;
		s->alts[s->nalts].items = kw;
		s->alts[s->nalts].nitems = 1;
		s->nalts++;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct bt_ynode *e = v->items[i];
		if (e->kind == BT_Y_SCALAR) {
			if (!make_value(b, e, &kw->values[kw->nvalues++]))
				return false;
		} else if (!make_map(b, e, &s->alts[s->nalts++])) {
			return false;
		}
	}
	return true;
}

bool bt_sigma_rule_has_tag(const struct bt_sigma_rule *r, const char *tag)
{
	for (size_t i = 0; i < r->ntags; i++)
		if (strcasecmp(r->tags[i], tag) == 0)
			return true;
	return false;
}

bool bt_sigma_parse_timespan(const char *s, uint64_t *seconds)
{
	if (!s || !isdigit((unsigned char)*s))
		return false;
	uint64_t v = 0;
	while (isdigit((unsigned char)*s)) {
		if (v > 1000000000)
			return false;
		v = v * 10 + (uint64_t)(*s++ - '0');
	}
	uint64_t mul;
	switch (*s) {
	case 's': mul = 1; break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	case 'w': mul = 7 * 86400; break;
	case 'M': mul = 30 * 86400; break;
	case 'y': mul = 365 * 86400; break;
	default: return false;
	}
	if (s[1] != '\0' || v * mul > BT_SIGMA_MAX_TIMESPAN)
		return false;
	*seconds = v * mul;
	return true;
}

static bool parse_i64(const char *s, int64_t *out)
{
	char *end;
	if (!s || !*s)
		return false;
	long long v = strtoll(s, &end, 10);
	if (*end)
		return false;
	*out = v;
	return true;
}

/* The correlation's `boxtrail:` map: the extensions' settings, checked here
 * so that a typo is an error, not a default silently taken. */
static bool make_extensions(struct build *b, const struct bt_ynode *ext,
                            struct bt_sigma_correlation *k)
{
	if (ext->kind != BT_Y_MAP) {
		failf(b, "line %u: correlation: boxtrail is not a map", ext->line);
		return false;
	}
	for (size_t i = 0; i < ext->n; i++) {
		const char *key = bt_ynode_str(ext->pairs[i].key);
		const struct bt_ynode *v = ext->pairs[i].value;
		const char *val = bt_ynode_str(v);
		int64_t n;
		if (key && strcmp(key, "witnesses") == 0) {
			k->witnesses = str_list(b, v, &k->nwitnesses);
			if (!k->nwitnesses) {
				failf(b, "line %u: correlation: boxtrail: witnesses names no rule", v->line);
				return false;
			}
		} else if (key && strcmp(key, "skew") == 0 && k->type == BT_CORR_ABSENT) {
			if (!val || !bt_sigma_parse_timespan(val, &k->skew_sec)) {
				failf(b, "line %u: correlation: boxtrail: skew '%s' is not a duration", v->line,
				      val ? val : "");
				return false;
			}
		} else if (key && strcmp(key, "history") == 0 && k->type == BT_CORR_ABSENT) {
			if (!val || !bt_sigma_parse_timespan(val, &k->history_sec) || !k->history_sec) {
				failf(b, "line %u: correlation: boxtrail: history '%s' is not a duration",
				      v->line, val ? val : "");
				return false;
			}
		} else if (key && strcmp(key, "partial") == 0 && k->type == BT_CORR_ABSENT && val &&
		           (strcmp(val, "weaker") == 0 || strcmp(val, "skip") == 0)) {
			k->partial_skip = strcmp(val, "skip") == 0;
		} else if (key && strcmp(key, "field") == 0 && k->type == BT_CORR_RARE_VALUE && val) {
			k->value_field = val;
		} else if (key && strcmp(key, "baseline") == 0 && k->type == BT_CORR_RARE_VALUE &&
		           parse_i64(val, &n) && n >= 1 && n <= 1000000000) {
			k->baseline = (uint64_t)n;
		} else if (key && strcmp(key, "share") == 0 && k->type == BT_CORR_RARE_VALUE &&
		           parse_i64(val, &n) && n >= 1 && n <= 50) {
			k->share_pct = (unsigned)n;
		} else {
			failf(b, "line %u: correlation: boxtrail: '%s' is not a setting of type %s (or its "
			      "value is out of range)", ext->pairs[i].key->line, key ? key : "?",
			      k->type_text ? k->type_text : "?");
			return false;
		}
	}
	return true;
}

static void make_correlation(struct build *b, const struct bt_ynode *c,
                             struct bt_sigma_rule *r)
{
	if (c->kind != BT_Y_MAP) {
		failf(b, "line %u: correlation is not a map", c->line);
		return;
	}
	struct bt_sigma_correlation *k = alloc0(b, sizeof *k);
	if (!k)
		return;
	r->correlation = k;
	k->type_text = scalar_attr(b, c, "type");
	static const struct { const char *n; enum bt_corr_type t; } types[] = {
		{"event_count", BT_CORR_EVENT_COUNT}, {"value_count", BT_CORR_VALUE_COUNT},
		{"temporal", BT_CORR_TEMPORAL}, {"temporal_ordered", BT_CORR_TEMPORAL_ORDERED},
		{"absent", BT_CORR_ABSENT}, {"rare_value", BT_CORR_RARE_VALUE},
	};
	for (size_t i = 0; k->type_text && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(k->type_text, types[i].n) == 0)
			k->type = types[i].t;
	k->rules = str_list(b, bt_ynode_get(c, "rules"), &k->nrules);
	k->group_by = str_list(b, bt_ynode_get(c, "group-by"), &k->ngroup_by);
	k->timespan_text = scalar_attr(b, c, "timespan");
	if (!k->timespan_text)
		k->timespan_text = scalar_attr(b, c, "timeframe");
	if (k->timespan_text && !bt_sigma_parse_timespan(k->timespan_text, &k->timespan_sec))
		k->timespan_sec = 0;
	bool gen;
	if (bt_ynode_bool(bt_ynode_get(c, "generate"), &gen))
		k->generate = gen;
	const struct bt_ynode *cond = bt_ynode_get(c, "condition");
	if (cond && cond->kind == BT_Y_MAP) {
		static const struct { const char *n; enum bt_corr_op op; } ops[] = {
			{"gt", BT_CORR_GT}, {"gte", BT_CORR_GTE}, {"lt", BT_CORR_LT},
			{"lte", BT_CORR_LTE}, {"eq", BT_CORR_EQ},
		};
		for (size_t i = 0; i < cond->n; i++) {
			const char *key = bt_ynode_str(cond->pairs[i].key);
			const char *val = bt_ynode_str(cond->pairs[i].value);
			if (!key || !val)
				continue;
			if (strcmp(key, "field") == 0) {
				k->field = val;
				continue;
			}
			for (size_t j = 0; j < sizeof ops / sizeof ops[0]; j++) {
				int64_t v;
				if (strcmp(key, ops[j].n) == 0 && k->nconds < 5 && parse_i64(val, &v)) {
					k->conds[k->nconds].op = ops[j].op;
					k->conds[k->nconds].value = v;
					k->nconds++;
				}
			}
		}
	}
	const struct bt_ynode *al = bt_ynode_get(c, "aliases");
	if (al && al->kind == BT_Y_MAP) {
		size_t total = 0;
		for (size_t i = 0; i < al->n; i++)
			if (al->pairs[i].value->kind == BT_Y_MAP)
				total += al->pairs[i].value->n;
		k->aliases = alloc0(b, total * sizeof *k->aliases);
		if (!k->aliases)
			return;
		for (size_t i = 0; i < al->n; i++) {
			const struct bt_ynode *m = al->pairs[i].value;
			const char *alias = bt_ynode_str(al->pairs[i].key);
			if (!alias || m->kind != BT_Y_MAP)
				continue;
			for (size_t j = 0; j < m->n; j++) {
				const char *rule = bt_ynode_str(m->pairs[j].key);
				const char *field = bt_ynode_str(m->pairs[j].value);
				if (!rule || !field)
					continue;
				k->aliases[k->naliases].alias = alias;
				k->aliases[k->naliases].rule = rule;
				k->aliases[k->naliases].field = field;
				k->naliases++;
			}
		}
	}
	k->baseline = 3;
	k->share_pct = 20;
	const struct bt_ynode *ext = bt_ynode_get(c, "boxtrail");
	if (ext && !make_extensions(b, ext, k))
		return;
	if (k->type == BT_CORR_UNKNOWN)
		failf(b, "correlation: unknown type '%s'", k->type_text ? k->type_text : "(none)");
	else if (k->type == BT_CORR_ABSENT && k->nrules < 2)
		failf(b, "correlation: absent needs the judged rule and at least one explaining rule");
	else if (k->type == BT_CORR_RARE_VALUE && !k->value_field)
		failf(b, "correlation: rare_value needs boxtrail: field:");
	else if ((k->type == BT_CORR_ABSENT || k->type == BT_CORR_RARE_VALUE) && k->ngroup_by == 0)
		failf(b, "correlation: %s needs group-by", k->type_text);
	else if (k->timespan_text && k->timespan_sec == 0)
		failf(b, "correlation: timespan '%s' is not a duration of at most 100 years (10m, 2h, 7d)",
		      k->timespan_text);
	else if (k->nrules == 0)
		failf(b, "correlation: no rules");
}

/* Fills the rule from a (merged) document. */
static void make_rule(struct build *b, const struct bt_ynode *doc, struct bt_sigma_rule *r)
{
	if (doc->kind != BT_Y_MAP) {
		failf(b, "line %u: document is not a map", doc->line);
		return;
	}
	r->title = scalar_attr(b, doc, "title");
	r->id = scalar_attr(b, doc, "id");
	r->name = scalar_attr(b, doc, "name");
	r->status = scalar_attr(b, doc, "status");
	r->description = scalar_attr(b, doc, "description");
	r->author = scalar_attr(b, doc, "author");
	r->date = scalar_attr(b, doc, "date");
	r->modified = scalar_attr(b, doc, "modified");
	r->level_text = scalar_attr(b, doc, "level");
	r->level = parse_level(r->level_text);
	r->tags = str_list(b, bt_ynode_get(doc, "tags"), &r->ntags);
	if (r->ntags) {
		r->attack = alloc0(b, r->ntags * sizeof *r->attack);
		for (size_t i = 0; r->attack && i < r->ntags; i++) {
			const char *t = attack_id(b, r->tags[i]);
			if (t)
				r->attack[r->nattack++] = t;
		}
	}
	r->references = str_list(b, bt_ynode_get(doc, "references"), &r->nreferences);
	r->falsepositives = str_list(b, bt_ynode_get(doc, "falsepositives"), &r->nfalsepositives);
	const struct bt_ynode *ls = bt_ynode_get(doc, "logsource");
	if (ls && ls->kind == BT_Y_MAP) {
		r->logsource.product = scalar_attr(b, ls, "product");
		r->logsource.category = scalar_attr(b, ls, "category");
		r->logsource.service = scalar_attr(b, ls, "service");
	}
	if (!r->title)
		failf(b, "no title");

	const struct bt_ynode *corr = bt_ynode_get(doc, "correlation");
	if (corr) {
		make_correlation(b, corr, r);
		return;
	}
	const struct bt_ynode *det = bt_ynode_get(doc, "detection");
	if (!det || det->kind != BT_Y_MAP) {
		failf(b, "no detection section");
		return;
	}
	if (!ls || ls->kind != BT_Y_MAP)
		failf(b, "no logsource section");
	const struct bt_ynode *cond = NULL;
	size_t nsearch = 0;
	for (size_t i = 0; i < det->n; i++) {
		const char *k = bt_ynode_str(det->pairs[i].key);
		if (!k)
			continue;
		if (strcmp(k, "condition") == 0)
			cond = det->pairs[i].value;
		else if (strcmp(k, "timeframe") != 0)
			nsearch++;
	}
	if (!cond || bt_ynode_is_null(cond)) {
		failf(b, "detection has no condition");
		return;
	}
	if (cond->kind == BT_Y_SCALAR) {
		r->conditions = alloc0(b, sizeof *r->conditions);
		if (!r->conditions)
			return;
		r->conditions[0] = cond->str;
		r->nconditions = 1;
	} else if (cond->kind == BT_Y_SEQ) {
		r->conditions = str_list(b, cond, &r->nconditions);
		if (r->nconditions != cond->n) {
			failf(b, "line %u: condition list holds a non-string", cond->line);
			return;
		}
	} else {
		failf(b, "line %u: condition is a map", cond->line);
		return;
	}
	r->searches = alloc0(b, nsearch * sizeof *r->searches);
	if (!r->searches)
		return;
	for (size_t i = 0; i < det->n && !b->failed; i++) {
		const struct bt_ynode *k = det->pairs[i].key;
		const char *ks = bt_ynode_str(k);
		if (!ks) {
			failf(b, "line %u: detection key is not a string", k->line);
			return;
		}
		if (strcmp(ks, "condition") == 0)
			continue;
		if (strcmp(ks, "timeframe") == 0)
			continue;
		if (make_search(b, k, det->pairs[i].value, &r->searches[r->nsearches]))
			r->nsearches++;
	}
}

/* ---- rule collections: deep merge of maps (the later document wins) */

static struct bt_ynode *merge(struct build *b, const struct bt_ynode *base,
                              const struct bt_ynode *over)
{
	if (!base)
		return (struct bt_ynode *)over;
	if (base->kind != BT_Y_MAP || over->kind != BT_Y_MAP)
		return (struct bt_ynode *)over;
	struct bt_ynode *m = alloc0(b, sizeof *m);
	if (!m)
		return NULL;
	*m = *over;
	m->pairs = alloc0(b, (base->n + over->n) * sizeof *m->pairs);
	if (!m->pairs)
		return NULL;
	m->n = 0;
	for (size_t i = 0; i < base->n; i++) {
		const struct bt_ynode *k = base->pairs[i].key;
		const struct bt_ynode *ov = k->kind == BT_Y_SCALAR ? bt_ynode_get(over, k->str) : NULL;
		m->pairs[m->n].key = base->pairs[i].key;
		m->pairs[m->n].value = ov ? merge(b, base->pairs[i].value, ov) : base->pairs[i].value;
		if (!m->pairs[m->n].value)
			return NULL;
		m->n++;
	}
	for (size_t i = 0; i < over->n; i++) {
		const struct bt_ynode *k = over->pairs[i].key;
		if (k->kind == BT_Y_SCALAR && bt_ynode_get(base, k->str))
			continue;
		m->pairs[m->n++] = over->pairs[i];
	}
	return m;
}

/* Removes the key `action` from a map (shallow copy). */
static struct bt_ynode *without_action(struct build *b, const struct bt_ynode *doc)
{
	struct bt_ynode *m = alloc0(b, sizeof *m);
	if (!m)
		return NULL;
	*m = *doc;
	m->pairs = alloc0(b, doc->n * sizeof *m->pairs);
	if (!m->pairs)
		return NULL;
	m->n = 0;
	for (size_t i = 0; i < doc->n; i++) {
		const char *k = bt_ynode_str(doc->pairs[i].key);
		if (k && strcmp(k, "action") == 0)
			continue;
		m->pairs[m->n++] = doc->pairs[i];
	}
	return m;
}

struct load {
	struct bt_arena *a;
	const char *file;
	bt_sigma_rule_fn fn;
	void *ctx;
	struct bt_ynode *global;
	struct bt_ynode *previous;
};

static int on_doc(void *vctx, struct bt_ynode *doc, unsigned index)
{
	struct load *l = vctx;
	struct build b = {.a = l->a, .file = l->file};
	struct bt_sigma_rule *r = alloc0(&b, sizeof *r);
	if (!r)
		return 1;
	r->file = l->file;
	r->line = doc->line;
	r->doc_index = index;
	const char *action = bt_ynode_str(bt_ynode_get(doc, "action"));
	struct bt_ynode *eff = doc;
	if (action) {
		struct bt_ynode *rest = without_action(&b, doc);
		if (!rest)
			return 1;
		if (strcmp(action, "global") == 0) {
			l->global = merge(&b, l->global, rest);
			return b.failed ? 1 : 0;
		}
		if (strcmp(action, "reset") == 0) {
			l->global = NULL;
			return 0;
		}
		if (strcmp(action, "repeat") == 0) {
			if (!l->previous) {
				failf(&b, "action: repeat without a previous rule");
				return l->fn(l->ctx, r, b.reason);
			}
			eff = merge(&b, l->previous, rest);
		} else {
			failf(&b, "unknown collection action '%s'", action);
			return l->fn(l->ctx, r, b.reason);
		}
	} else if (l->global) {
		eff = merge(&b, l->global, doc);
	}
	if (!eff)
		return 1;
	l->previous = eff;
	make_rule(&b, eff, r);
	return l->fn(l->ctx, r, b.failed ? b.reason : NULL);
}

enum bt_status bt_sigma_load_buf(struct bt_arena *a, const char *file, const char *buf,
                                 size_t len, bt_sigma_rule_fn fn, void *ctx, char *why,
                                 size_t why_size)
{
	struct load l = {.a = a, .file = file, .fn = fn, .ctx = ctx};
	return bt_yaml_parse(a, buf, len, on_doc, &l, why, why_size);
}

enum bt_status bt_sigma_load_file(struct bt_arena *a, const char *path, bt_sigma_rule_fn fn,
                                  void *ctx, char *why, size_t why_size)
{
	char *buf;
	size_t len;
	enum bt_status st = bt_yaml_read_file(path, &buf, &len, why, why_size);
	if (st != BT_OK)
		return st;
	st = bt_sigma_load_buf(a, path, buf, len, fn, ctx, why, why_size);
	free(buf);
	return st;
}
