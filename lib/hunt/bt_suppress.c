/* --suppress: the analyst's allow-list of known-good activity. */
#include "config.h"

#include "hunt/bt_suppress.h"
#include "io/bt_lines.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hunt/bt_hostmap.h"

struct cond {
	char *name, *glob;
};

struct entry {
	char *rule;
	struct cond *c;
	size_t nc;
	bool event_level;    /* has a condition on an event field */
};

struct bt_suppress {
	struct entry *v;
	size_t n;
	size_t findings, events;
};

void bt_suppress_free(struct bt_suppress *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		for (size_t j = 0; j < s->v[i].nc; j++) {
			free(s->v[i].c[j].name);
			free(s->v[i].c[j].glob);
		}
		free(s->v[i].c);
		free(s->v[i].rule);
	}
	free(s->v);
	free(s);
}

/* Splits a line into tokens honouring "..." quotes; returns the count. */
static int tokenize(char *line, char **tok, int max)
{
	int n = 0;
	char *p = line;
	while (*p && n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			break;
		char *out = p, *start = p;
		bool q = false;
		while (*p && (q || (*p != ' ' && *p != '\t'))) {
			if (*p == '"')
				q = !q;
			else
				*out++ = *p;
			p++;
		}
		if (*p)
			p++;
		*out = '\0';
		tok[n++] = start;
	}
	return n;
}

static bool finding_attr(const char *name)
{
	return strcasecmp(name, "host") == 0 || strcasecmp(name, "account") == 0 ||
	       strcasecmp(name, "container") == 0;
}

struct list_file {
	struct bt_suppress *s;
	const char *path;
	const struct bt_diag *d;
};

/* One line of an allow-list: RULE NAME=VALUE... */
static bool list_line(void *ctx, char *line, unsigned long no)
{
	struct list_file *lf = ctx;
	struct bt_suppress *s = lf->s;
	char *tok[64];
	int nt = tokenize(line, tok, 64);
	if (nt == 0)
		return true;
	struct entry e = {0};
	bool ok = nt >= 2 && !strchr(tok[0], '=');
	if (ok && (e.c = calloc((size_t)nt, sizeof *e.c)) && (e.rule = strdup(tok[0]))) {
		for (int i = 1; i < nt && ok; i++) {
			char *eq = strchr(tok[i], '=');
			if (!eq || eq == tok[i]) {
				ok = false;
				break;
			}
			*eq = '\0';
			e.c[e.nc].name = strdup(tok[i]);
			e.c[e.nc].glob = strdup(eq + 1);
			if (!finding_attr(tok[i]))
				e.event_level = true;
			e.nc++;
		}
	} else {
		ok = false;
	}
	struct entry *nv = ok ? realloc(s->v, (s->n + 1) * sizeof *nv) : NULL;
	if (!nv) {
		bt_diagf(lf->d, BT_DIAG_ERROR, lf->path,
		         "line %lu: expected RULE NAME=VALUE... (at least one condition)", no);
		for (size_t j = 0; j < e.nc; j++) {
			free(e.c[j].name);
			free(e.c[j].glob);
		}
		free(e.c);
		free(e.rule);
		return false;
	}
	s->v = nv;
	s->v[s->n++] = e;
	return true;
}

enum bt_status bt_suppress_load(const char *path, const struct bt_diag *d,
                                struct bt_suppress **out)
{
	struct bt_suppress *s = calloc(1, sizeof *s);
	if (!s)
		return BT_ERR_NOMEM;
	struct list_file lf = {s, path, d};
	enum bt_status st = bt_lines_each(path, "suppression list", d, list_line, &lf);
	if (st != BT_OK) {
		bt_suppress_free(s);
		return st;
	}
	*out = s;
	return BT_OK;
}

static bool glob(const char *pattern, const char *s)
{
	return s && fnmatch(pattern, s, FNM_CASEFOLD) == 0;
}

static bool rule_matches(const struct entry *e, const struct bt_finding *f)
{
	return strcmp(e->rule, "*") == 0 || (f->rule_id && strcasecmp(e->rule, f->rule_id) == 0) ||
	       (f->rule_title && strcasecmp(e->rule, f->rule_title) == 0);
}

static bool attr_matches(const struct cond *c, const struct bt_finding *f)
{
	if (strcasecmp(c->name, "host") == 0) {
		for (size_t i = 0; i < f->hosts.n; i++) {
			char key[256];
			bt_host_key(f->hosts.v[i], key, sizeof key);
			if (glob(c->glob, f->hosts.v[i]) || glob(c->glob, key))
				return true;
		}
		return false;
	}
	if (strcasecmp(c->name, "account") == 0)
		return glob(c->glob, f->account);
	return glob(c->glob, f->container_name) || glob(c->glob, f->container_id);
}

static bool event_matches(const struct entry *e, const struct bt_event *ev)
{
	for (size_t i = 0; i < e->nc; i++) {
		const struct cond *c = &e->c[i];
		if (finding_attr(c->name))
			continue;
		bool any = false;
		for (const struct bt_field *fl = bt_event_field(ev, c->name, strlen(c->name)); fl && !any;
		     fl = bt_event_field_next(ev, fl)) {
			char *v = strndup(fl->text, fl->text_len);
			any = glob(c->glob, v);
			free(v);
		}
		if (!any)
			return false;
	}
	return true;
}

bool bt_suppress_finding(const struct bt_suppress *cs, struct bt_finding *f)
{
	struct bt_suppress *s = (struct bt_suppress *)cs;  /* counters only */
	for (size_t i = 0; i < s->n; i++) {
		const struct entry *e = &s->v[i];
		if (!rule_matches(e, f))
			continue;
		bool attrs = true;
		for (size_t j = 0; j < e->nc && attrs; j++)
			if (finding_attr(e->c[j].name))
				attrs = attr_matches(&e->c[j], f);
		if (!attrs)
			continue;
		if (!e->event_level) {
			s->findings++;
			s->events += f->evidence_total;
			return true;
		}
		size_t k = 0;
		for (size_t x = 0; x < f->nevidence; x++) {
			if (event_matches(e, f->evidence[x]->ev)) {
				bt_evidence_free(f->evidence[x]);
				s->events++;
				f->evidence_total--;
			} else {
				f->evidence[k++] = f->evidence[x];
			}
		}
		f->nevidence = k;
		if (f->nevidence == 0 && f->evidence_total == 0) {
			s->findings++;
			return true;
		}
	}
	return false;
}

size_t bt_suppress_hits(const struct bt_suppress *s, size_t *events)
{
	if (events)
		*events = s->events;
	return s->findings;
}
