/* Rule selection and level tuning (see bt_rulesel.h). */
#include "config.h"

#include "rules/bt_rulesel.h"

#include "rules/bt_sigma_load.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Caps on a tuning file: it is an option file, not evidence, but a wrong
 * path (a log, a disk image) must fail, not eat memory. */
#define TUNING_MAX_LINE 4096
#define TUNING_MAX_ENTRIES 100000

static const struct {
	const char *name;
	unsigned bit;
} status_names[] = {
	{"stable", BT_STATUS_STABLE},
	{"test", BT_STATUS_TEST},
	{"experimental", BT_STATUS_EXPERIMENTAL},
	{"deprecated", BT_STATUS_DEPRECATED},
	{"unsupported", BT_STATUS_UNSUPPORTED},
	{"none", BT_STATUS_NONE},
	{"all", BT_STATUS_ALL},
};

bool bt_rulesel_parse_status(const char *list, unsigned *mask, char *why, size_t why_size)
{
	unsigned m = 0;
	const char *p = list;
	for (;;) {
		size_t n = strcspn(p, ",");
		bool known = false;
		for (size_t i = 0; i < sizeof status_names / sizeof *status_names; i++)
			if (n && strlen(status_names[i].name) == n &&
			    strncasecmp(p, status_names[i].name, n) == 0) {
				m |= status_names[i].bit;
				known = true;
			}
		if (!known) {
			snprintf(why, why_size, "'%.*s' is not a status (stable, test, experimental, "
			         "deprecated, unsupported, none, all)", (int)(n < 64 ? n : 64), p);
			return false;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	*mask = m;
	return true;
}

bool bt_rulesel_parse_level(const char *s, enum bt_sigma_level *out)
{
	for (int l = BT_LEVEL_INFORMATIONAL; l <= BT_LEVEL_CRITICAL; l++)
		if (strcasecmp(s, bt_sigma_level_name((enum bt_sigma_level)l)) == 0) {
			*out = (enum bt_sigma_level)l;
			return true;
		}
	return false;
}

bool bt_rulesel_tag_valid(const char *tag)
{
	if (!*tag)
		return false;
	for (const unsigned char *p = (const unsigned char *)tag; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == ',')
			return false;
	return true;
}

/* "T1558" or "t1558.003": an ATT&CK technique id. */
static bool attack_id(const char *s)
{
	if (*s != 'T' && *s != 't')
		return false;
	s++;
	for (int i = 0; i < 4; i++)
		if (!isdigit((unsigned char)*s++))
			return false;
	if (!*s)
		return true;
	if (*s++ != '.')
		return false;
	for (int i = 0; i < 3; i++)
		if (!isdigit((unsigned char)*s++))
			return false;
	return !*s;
}

/* Whether rule tag t is q or under it (q followed by a '.'). */
static bool tag_under(const char *t, const char *pre, const char *q)
{
	size_t np = strlen(pre), nq = strlen(q);
	return strncasecmp(t, pre, np) == 0 && strncasecmp(t + np, q, nq) == 0 &&
	       (t[np + nq] == '\0' || t[np + nq] == '.');
}

bool bt_rulesel_has_tag(const struct bt_sigma_rule *r, const char *tag)
{
	const char *pre = attack_id(tag) ? "attack." : "";
	for (size_t i = 0; i < r->ntags; i++)
		if (r->tags[i] && tag_under(r->tags[i], pre, tag))
			return true;
	return false;
}

/* ---- tuning file */

struct tune {
	char *id;
	enum bt_sigma_level level;   /* BT_LEVEL_NONE: disabled */
	unsigned line;
};

struct bt_tuning {
	char *path;
	struct tune *v;
	size_t n;
};

void bt_tuning_free(struct bt_tuning *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].id);
	free(t->v);
	free(t->path);
	free(t);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* One line: NULL on success, else the reason. */
static const char *tuning_line(struct bt_tuning *t, char *s, unsigned line)
{
	char *hash = strchr(s, '#');
	if (hash)
		*hash = '\0';
	s = trim(s);
	if (!*s)
		return NULL;
	char *comma = strchr(s, ',');
	if (!comma)
		return "expected ID,LEVEL (LEVEL: informational, low, medium, high, critical or "
		       "disabled)";
	*comma = '\0';
	char *id = trim(s), *lv = trim(comma + 1);
	if (strcasecmp(id, "id") == 0 && strcasecmp(lv, "new_level") == 0)
		return NULL;   /* Hayabusa's header line */
	if (!*id || !bt_rulesel_tag_valid(id))
		return "the rule id is empty or has blanks or control characters";
	enum bt_sigma_level level = BT_LEVEL_NONE;
	if (strcasecmp(lv, "disabled") != 0 && !bt_rulesel_parse_level(lv, &level))
		return "the level is not informational, low, medium, high, critical or disabled";
	if (t->n >= TUNING_MAX_ENTRIES)
		return "too many lines (100000 at most)";
	struct tune *nv = realloc(t->v, (t->n + 1) * sizeof *nv);
	if (!nv)
		return "out of memory";
	t->v = nv;
	if (!(nv[t->n].id = strdup(id)))
		return "out of memory";
	nv[t->n].level = level;
	nv[t->n].line = line;
	t->n++;
	return NULL;
}

enum bt_status bt_tuning_load(const char *path, struct bt_tuning **out, char *why,
                              size_t why_size)
{
	*out = NULL;
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		return BT_ERR_IO;
	}
	struct bt_tuning *t = calloc(1, sizeof *t);
	if (!t || !(t->path = strdup(path))) {
		free(t);
		fclose(f);
		snprintf(why, why_size, "out of memory");
		return BT_ERR_NOMEM;
	}
	/* byte by byte into a bounded line: a wrong path (a disk image, a log
	 * without newlines) fails at the cap instead of filling memory */
	char buf[TUNING_MAX_LINE + 1];
	size_t n = 0;
	unsigned line = 1;
	enum bt_status st = BT_OK;
	int c;
	do {
		c = getc(f);
		if (c != EOF && c != '\n') {
			if (c == '\0' || n == TUNING_MAX_LINE) {
				snprintf(why, why_size, "%s:%u: %s", path, line,
				         c == '\0' ? "NUL byte: not a text file" : "line longer than 4096 bytes");
				st = BT_ERR_FORMAT;
				break;
			}
			buf[n++] = (char)c;
			continue;
		}
		if (n == 0 && c == EOF)
			break;
		buf[n] = '\0';
		const char *bad = tuning_line(t, buf, line);
		if (bad) {
			snprintf(why, why_size, "%s:%u: %s", path, line, bad);
			st = BT_ERR_FORMAT;
			break;
		}
		n = 0;
		line++;
	} while (c != EOF);
	if (st == BT_OK && ferror(f)) {
		snprintf(why, why_size, "%s: read error", path);
		st = BT_ERR_IO;
	}
	fclose(f);
	if (st != BT_OK) {
		bt_tuning_free(t);
		return st;
	}
	*out = t;
	return BT_OK;
}

/* ---- selection */

static bool rule_is(const struct bt_sigma_rule *r, const char *key)
{
	return (r->id && strcasecmp(r->id, key) == 0) || (r->name && strcmp(r->name, key) == 0);
}

/* realpath of each rule's file, made once per file (rules of one file
 * share its name string). */
struct paths {
	const char **file;
	char **real;
	size_t n;
};

static const char *real_of(struct paths *p, const char *file)
{
	if (!file)
		return NULL;
	for (size_t i = p->n; i-- > 0;)
		if (p->file[i] == file)
			return p->real[i];
	const char **nf = realloc(p->file, (p->n + 1) * sizeof *nf);
	if (!nf)
		return NULL;
	p->file = nf;
	char **nr = realloc(p->real, (p->n + 1) * sizeof *nr);
	if (!nr)
		return NULL;
	p->real = nr;
	p->file[p->n] = file;
	p->real[p->n] = realpath(file, NULL);
	return p->real[p->n++];
}

static void paths_free(struct paths *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->real[i]);
	free(p->real);
	free(p->file);
}

/* A --rule / --exclude-rule argument, resolved: an id or name, or a path. */
struct ruleref {
	const char *arg;
	char *real;     /* the path's realpath when arg names no rule by id; else NULL */
	bool dir;
};

static bool ruleref_match(const struct ruleref *ref, const struct bt_sigma_rule *r,
                          struct paths *p)
{
	if (!ref->real)
		return rule_is(r, ref->arg);
	const char *rp = real_of(p, r->file);
	if (!rp)
		return false;
	size_t n = strlen(ref->real);
	if (!ref->dir)
		return strcmp(rp, ref->real) == 0;
	return strncmp(rp, ref->real, n) == 0 && (rp[n] == '/' || strcmp(ref->real, "/") == 0);
}

static bool selectable(const struct bt_rule_info *ri)
{
	return ri->state == BT_RULE_LOADED || ri->state == BT_RULE_CORRELATION;
}

static unsigned status_bit(const char *status)
{
	if (status)
		for (size_t i = 0; i + 1 < sizeof status_names / sizeof *status_names; i++)
			if (strcasecmp(status, status_names[i].name) == 0 &&
			    status_names[i].bit != BT_STATUS_NONE)
				return status_names[i].bit;
	return BT_STATUS_NONE;
}

/* Per rule, what the selection decided. */
enum verdict { KEEP, LEFT_OUT, EXCLUDED };

struct sel_state {
	struct bt_ruleset *rs;
	const struct bt_rulesel *sel;
	size_t n;
	enum verdict *v;
	char **why;          /* reason when not KEEP (owned) */
	struct ruleref *refs, *xrefs;
	struct paths paths;
	bool oom;
};

/* Records the verdict with its reason: `what` and, when given, `arg`. */
static void decide(struct sel_state *s, size_t i, enum verdict v, const char *what, const char *arg)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s%s%s", what, arg ? " " : "", arg ? arg : "");
	free(s->why[i]);
	s->v[i] = v;
	if (!(s->why[i] = strdup(buf)))
		s->oom = true;
}

static bool resolve_refs(const char *const *args, size_t n, struct ruleref **out,
                         struct sel_state *s, const char *option, char *why, size_t why_size)
{
	*out = calloc(n ? n : 1, sizeof **out);
	if (!*out) {
		s->oom = true;
		return false;
	}
	for (size_t k = 0; k < n; k++) {
		struct ruleref *ref = &(*out)[k];
		ref->arg = args[k];
		bool by_id = false;
		for (size_t i = 0; i < s->n && !by_id; i++) {
			const struct bt_rule_info *ri = bt_ruleset_info(s->rs, i);
			by_id = selectable(ri) && rule_is(ri->sigma, args[k]);
		}
		struct stat sb;
		if (!by_id && stat(args[k], &sb) == 0) {
			ref->real = realpath(args[k], NULL);
			ref->dir = S_ISDIR(sb.st_mode);
		}
		bool any = false;
		for (size_t i = 0; i < s->n && !any && (by_id || ref->real); i++) {
			const struct bt_rule_info *ri = bt_ruleset_info(s->rs, i);
			any = selectable(ri) && ruleref_match(ref, ri->sigma, &s->paths);
		}
		if (!any) {
			snprintf(why, why_size, "%s %s: no rule loaded has this id or name, or comes from "
			         "this path (load it with --rules)", option, args[k]);
			return false;
		}
	}
	return true;
}

static bool tags_known(struct sel_state *s, const char *const *tags, size_t n, const char *option,
                       char *why, size_t why_size)
{
	for (size_t k = 0; k < n; k++) {
		bool any = false;
		for (size_t i = 0; i < s->n && !any; i++) {
			const struct bt_rule_info *ri = bt_ruleset_info(s->rs, i);
			any = selectable(ri) && bt_rulesel_has_tag(ri->sigma, tags[k]);
		}
		if (!any) {
			snprintf(why, why_size, "%s %s: no rule loaded has this tag", option, tags[k]);
			return false;
		}
	}
	return true;
}

static void apply_tuning(struct sel_state *s, const struct bt_diag *diag)
{
	const struct bt_tuning *t = s->sel->tuning;
	if (!t)
		return;
	for (size_t k = 0; k < t->n; k++) {
		const struct tune *e = &t->v[k];
		bool used = false;
		for (size_t i = 0; i < s->n; i++) {
			const struct bt_rule_info *ri = bt_ruleset_info(s->rs, i);
			if (!selectable(ri) || !rule_is(ri->sigma, e->id))
				continue;
			used = true;
			char where[300];
			snprintf(where, sizeof where, "%s:%u", t->path, e->line);
			if (e->level == BT_LEVEL_NONE) {
				decide(s, i, EXCLUDED, "disabled by", where);
				continue;
			}
			char note[400];
			snprintf(note, sizeof note, "level %s (was %s) by %s", bt_sigma_level_name(e->level),
			         ri->sigma->level_text ? ri->sigma->level_text : "none", where);
			bt_ruleset_set_level(s->rs, i, e->level);
			bt_ruleset_note(s->rs, i, note);
		}
		if (!used)
			bt_diagf(diag, BT_DIAG_WARN, t->path, "line %u: no rule loaded has the id '%s'",
			         e->line, e->id);
	}
}

/* The selection proper, rule by rule: exclusions first, then the filters. */
static void select_rule(struct sel_state *s, size_t i)
{
	const struct bt_rulesel *sel = s->sel;
	const struct bt_rule_info *ri = bt_ruleset_info(s->rs, i);
	const struct bt_sigma_rule *r = ri->sigma;
	if (s->v[i] != KEEP)
		return;
	for (size_t k = 0; k < sel->nxrules; k++)
		if (ruleref_match(&s->xrefs[k], r, &s->paths)) {
			decide(s, i, EXCLUDED, "--exclude-rule", sel->xrules[k]);
			return;
		}
	for (size_t k = 0; k < sel->nxtags; k++)
		if (bt_rulesel_has_tag(r, sel->xtags[k])) {
			decide(s, i, EXCLUDED, "--exclude-tag", sel->xtags[k]);
			return;
		}
	if (sel->nrules) {
		bool named = false;
		for (size_t k = 0; k < sel->nrules && !named; k++)
			named = ruleref_match(&s->refs[k], r, &s->paths);
		if (!named) {
			decide(s, i, LEFT_OUT, "not named by --rule", NULL);
			return;
		}
	}
	if (sel->ntags) {
		bool tagged = false;
		for (size_t k = 0; k < sel->ntags && !tagged; k++)
			tagged = bt_rulesel_has_tag(r, sel->tags[k]);
		if (!tagged) {
			decide(s, i, LEFT_OUT, "no tag of --tag", NULL);
			return;
		}
	}
	unsigned mask = sel->statuses ? sel->statuses : BT_STATUS_DEFAULT;
	if (!(status_bit(r->status) & mask)) {
		decide(s, i, LEFT_OUT, "--status leaves out the status",
		       r->status ? r->status : "none");
		return;
	}
	enum bt_sigma_level lv = r->level ? r->level : BT_LEVEL_INFORMATIONAL;
	/* a correlation's finding is raised a step when kinds of evidence agree */
	enum bt_sigma_level may = r->correlation && lv < BT_LEVEL_CRITICAL ? lv + 1 : lv;
	if (sel->min_level && may < sel->min_level)
		decide(s, i, LEFT_OUT, "below --min-level: level", bt_sigma_level_name(lv));
}

static bool corr_names(const struct bt_rule_info *ri, const char *ref)
{
	return ri->state == BT_RULE_LOADED && (strncmp(ref, "tag:", 4) == 0
	                                               ? bt_sigma_rule_has_tag(ri->sigma, ref + 4)
	                                               : rule_is(ri->sigma, ref));
}

/* The rules correlation `def` names: its rules, then (absent) its witnesses. */
static size_t corr_nrefs(const struct bt_sigma_correlation *def)
{
	return def->nrules + def->nwitnesses;
}

static const char *corr_ref(const struct bt_sigma_correlation *def, size_t k)
{
	return k < def->nrules ? def->rules[k] : def->witnesses[k - def->nrules];
}

/* The detection rules a kept correlation names (its rules and witnesses)
 * are kept too, unless excluded: a correlation one of whose references
 * names only excluded rules goes with them. */
static void keep_needed(struct sel_state *s)
{
	for (size_t c = 0; c < s->n; c++) {
		const struct bt_rule_info *ci = bt_ruleset_info(s->rs, c);
		const struct bt_sigma_correlation *def = ci->sigma->correlation;
		if (ci->state != BT_RULE_CORRELATION || !def || s->v[c] != KEEP)
			continue;
		for (size_t k = 0; k < corr_nrefs(def) && s->v[c] == KEEP; k++) {
			size_t usable = 0, excluded = 0;
			for (size_t i = 0; i < s->n; i++)
				if (corr_names(bt_ruleset_info(s->rs, i), corr_ref(def, k)))
					*(s->v[i] == EXCLUDED ? &excluded : &usable) += 1;
			if (!usable && excluded)
				decide(s, c, EXCLUDED, "needs an excluded rule:", corr_ref(def, k));
		}
		if (s->v[c] != KEEP)
			continue;
		char note[400];
		snprintf(note, sizeof note, "needed by correlation %s",
		         ci->sigma->id ? ci->sigma->id : ci->sigma->title ? ci->sigma->title : "?");
		for (size_t k = 0; k < corr_nrefs(def); k++)
			for (size_t i = 0; i < s->n; i++)
				if (s->v[i] == LEFT_OUT && corr_names(bt_ruleset_info(s->rs, i), corr_ref(def, k))) {
					s->v[i] = KEEP;
					free(s->why[i]);
					s->why[i] = NULL;
					bt_ruleset_note(s->rs, i, note);
				}
	}
}

/* A detection rule that correlations use as their base and none of them
 * outputs (no `generate`) makes no finding of its own in a full run: kept
 * without any of them, it would (and its matches would merge into other
 * findings), so it goes with them, unless --rule names it. */
static void drop_orphan_bases(struct sel_state *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct bt_rule_info *ri = bt_ruleset_info(s->rs, i);
		if (ri->state != BT_RULE_LOADED || s->v[i] != KEEP)
			continue;
		bool based = false, generates = false, kept = false;
		for (size_t c = 0; c < s->n && !generates && !kept; c++) {
			const struct bt_rule_info *ci = bt_ruleset_info(s->rs, c);
			const struct bt_sigma_correlation *def = ci->sigma->correlation;
			if (ci->state != BT_RULE_CORRELATION || !def)
				continue;
			for (size_t k = 0; k < corr_nrefs(def); k++)
				if (corr_names(ri, corr_ref(def, k))) {
					based = true;
					generates = generates || def->generate;
					kept = kept || s->v[c] == KEEP;
					break;
				}
		}
		bool named = false;   /* --rule names it: its matches are asked for */
		for (size_t k = 0; k < s->sel->nrules && !named; k++)
			named = ruleref_match(&s->refs[k], ri->sigma, &s->paths);
		if (based && !generates && !kept && !named)
			decide(s, i, LEFT_OUT, "only the base of correlations left out (it makes no "
			       "finding alone)", NULL);
	}
}

enum bt_status bt_ruleset_select(struct bt_ruleset *rs, const struct bt_rulesel *sel,
                                 const struct bt_diag *diag, char *why, size_t why_size)
{
	struct sel_state s = {.rs = rs, .sel = sel, .n = bt_ruleset_count(rs)};
	enum bt_status st = BT_OK;
	s.v = calloc(s.n ? s.n : 1, sizeof *s.v);
	s.why = calloc(s.n ? s.n : 1, sizeof *s.why);
	if (!s.v || !s.why) {
		st = BT_ERR_NOMEM;
		goto out;
	}
	if (!tags_known(&s, sel->tags, sel->ntags, "--tag", why, why_size) ||
	    !tags_known(&s, sel->xtags, sel->nxtags, "--exclude-tag", why, why_size) ||
	    !resolve_refs(sel->rules, sel->nrules, &s.refs, &s, "--rule", why, why_size) ||
	    !resolve_refs(sel->xrules, sel->nxrules, &s.xrefs, &s, "--exclude-rule", why, why_size)) {
		st = s.oom ? BT_ERR_NOMEM : BT_ERR_ARG;
		goto out;
	}
	apply_tuning(&s, diag);
	for (size_t i = 0; i < s.n; i++)
		if (selectable(bt_ruleset_info(rs, i)))
			select_rule(&s, i);
	keep_needed(&s);
	drop_orphan_bases(&s);
	for (size_t i = 0; i < s.n; i++)
		if (s.v[i] != KEEP)
			bt_ruleset_exclude(rs, i, s.why[i]);
	if (s.oom)
		st = BT_ERR_NOMEM;
out:
	if (st == BT_ERR_NOMEM)
		snprintf(why, why_size, "out of memory");
	for (size_t i = 0; s.why && i < s.n; i++)
		free(s.why[i]);
	free(s.why);
	free(s.v);
	for (size_t k = 0; s.refs && k < sel->nrules; k++)
		free(s.refs[k].real);
	for (size_t k = 0; s.xrefs && k < sel->nxrules; k++)
		free(s.xrefs[k].real);
	free(s.refs);
	free(s.xrefs);
	paths_free(&s.paths);
	return st;
}
