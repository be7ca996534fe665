/* Findings: construction, derived facts and timeline order. */
#include "config.h"

#include "hunt/bt_finding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const sev_names[] = {NULL, "informational", "low", "medium", "high", "critical"};

const char *bt_severity_name(enum bt_severity s)
{
	return s >= BT_SEV_INFORMATIONAL && s <= BT_SEV_CRITICAL ? sev_names[s] : "unknown";
}

bool bt_severity_parse(const char *s, enum bt_severity *out)
{
	for (int i = BT_SEV_INFORMATIONAL; i <= BT_SEV_CRITICAL; i++)
		if (strcasecmp(s, sev_names[i]) == 0) {
			*out = (enum bt_severity)i;
			return true;
		}
	return false;
}

enum bt_severity bt_severity_of_level(enum bt_sigma_level l)
{
	switch (l) {
	case BT_LEVEL_CRITICAL: return BT_SEV_CRITICAL;
	case BT_LEVEL_HIGH: return BT_SEV_HIGH;
	case BT_LEVEL_MEDIUM: return BT_SEV_MEDIUM;
	case BT_LEVEL_LOW: return BT_SEV_LOW;
	default: return BT_SEV_INFORMATIONAL;
	}
}

void bt_finding_set_rule(struct bt_finding *f, const struct bt_sigma_rule *r)
{
	bt_strdup_to(&f->rule_id, r->id ? r->id : r->name);
	bt_strdup_to(&f->rule_title, r->title);
	bt_strdup_to(&f->rule_level, r->level_text);
	bt_strdup_to(&f->rule_file, r->file);
	for (size_t i = 0; i < r->nattack; i++)
		bt_strset_add(&f->techniques, r->attack[i]);
	f->severity = bt_severity_of_level(r->level);
}

bool bt_strset_has(const struct bt_strset *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return true;
	return false;
}

bool bt_strset_add(struct bt_strset *s, const char *str)
{
	if (!str || bt_strset_has(s, str))
		return true;
	char **nv = realloc(s->v, (s->n + 1) * sizeof *nv);
	if (!nv)
		return false;
	s->v = nv;
	if (!(nv[s->n] = strdup(str)))
		return false;
	s->n++;
	return true;
}

void bt_strset_free(struct bt_strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

bool bt_strdup_to(char **out, const char *s)
{
	free(*out);
	*out = NULL;
	if (!s)
		return true;
	*out = strdup(s);
	return *out != NULL;
}

struct bt_finding *bt_finding_new(void)
{
	struct bt_finding *f = calloc(1, sizeof *f);
	if (f) {
		f->first = f->last = BT_TIME_NONE;
		f->kind = "detection";
		f->severity = BT_SEV_INFORMATIONAL;
	}
	return f;
}

void bt_finding_free(struct bt_finding *f)
{
	if (!f)
		return;
	free(f->rule_id);
	free(f->rule_title);
	free(f->rule_level);
	free(f->rule_file);
	free(f->correlation_type);
	bt_strset_free(&f->techniques);
	bt_strset_free(&f->hosts);
	bt_strset_free(&f->sources);
	bt_strset_free(&f->notes);
	free(f->container_id);
	free(f->container_name);
	free(f->account);
	free(f->summary);
	for (size_t i = 0; i < f->nrules; i++) {
		free(f->rules[i].id);
		free(f->rules[i].title);
		free(f->rules[i].level);
	}
	free(f->rules);
	for (size_t i = 0; i < f->nevidence; i++)
		bt_evidence_free(f->evidence[i]);
	free(f->evidence);
	free(f);
}

static int cmp_hit(const void *pa, const void *pb)
{
	return bt_evidence_cmp(*(struct bt_evidence *const *)pa, *(struct bt_evidence *const *)pb);
}

int bt_evidence_cmp(const struct bt_evidence *a, const struct bt_evidence *b)
{
	if (a->ev->time != b->ev->time)
		return a->ev->time < b->ev->time ? -1 : 1;
	int c = strcmp(a->copies[0].file ? a->copies[0].file : "", b->copies[0].file ? b->copies[0].file : "");
	if (c)
		return c;
	if (a->ev->record_id != b->ev->record_id)
		return a->ev->record_id < b->ev->record_id ? -1 : 1;
	return a->ev->line < b->ev->line ? -1 : a->ev->line > b->ev->line;
}

bool bt_finding_add_evidence(struct bt_finding *f, struct bt_evidence *h)
{
	for (size_t i = 0; i < f->nevidence; i++)
		if (f->evidence[i] == h)
			return true;
	f->evidence_total++;
	bt_time t = h->ev->time;
	if (t != BT_TIME_NONE) {
		if (f->first == BT_TIME_NONE || t < f->first)
			f->first = t;
		if (f->last == BT_TIME_NONE || t > f->last)
			f->last = t;
	}
	if (f->nevidence >= BT_FINDING_MAX_EVIDENCE)
		return true;
	struct bt_evidence **nv = realloc(f->evidence, (f->nevidence + 1) * sizeof *nv);
	if (!nv)
		return false;
	f->evidence = nv;
	f->evidence[f->nevidence++] = bt_evidence_ref(h);
	/* keep time order (evidence mostly arrives in order) */
	if (f->nevidence > 1 && cmp_hit(&f->evidence[f->nevidence - 2], &f->evidence[f->nevidence - 1]) > 0)
		qsort(f->evidence, f->nevidence, sizeof *f->evidence, cmp_hit);
	return true;
}

static const char *field_str(const struct bt_event *ev, const char *name, char *buf, size_t n)
{
	const struct bt_field *fl = bt_event_field(ev, name, strlen(name));
	if (!fl || fl->text_len == 0 || (fl->text_len == 1 && fl->text[0] == '-'))
		return NULL;
	snprintf(buf, n, "%.*s", (int)fl->text_len, fl->text);
	return buf;
}

/* A 64-hex container id from a layer path "...\windowsfilter\<id>\...". */
static bool layer_container_id(const char *path, char out[65])
{
	const char *p = strcasestr(path, "\\windowsfilter\\");
	if (!p)
		return false;
	p += strlen("\\windowsfilter\\");
	for (int i = 0; i < 64; i++) {
		char c = p[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
		out[i] = (char)(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
	}
	out[64] = '\0';
	return p[64] == '\0' || p[64] == '\\';
}

/* The account an event is about, from the fields Windows and Docker use. */
static const char *event_account(const struct bt_event *ev, char *buf, size_t n)
{
	static const char *const names[] = {"TargetUserName", "User", "SubjectUserName",
	                                    "AccountName", "UserName"};
	char tmp[512];
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		const char *v = field_str(ev, names[i], tmp, sizeof tmp);
		if (!v || v[strlen(v) - 1] == '$')
			continue;  /* machine accounts speak for no one */
		if (strchr(v, '\\') || strchr(v, '@') || i != 0) {
			snprintf(buf, n, "%s", v);
			return buf;
		}
		char dom[256];
		const char *d = field_str(ev, "TargetDomainName", dom, sizeof dom);
		if (d)
			snprintf(buf, n, "%s\\%s", d, v);
		else
			snprintf(buf, n, "%s", v);
		return buf;
	}
	return NULL;
}

void bt_finding_derive(struct bt_finding *f)
{
	char buf[512], id[65];
	size_t recovered = 0;
	for (size_t i = 0; i < f->nevidence; i++)
		recovered += (f->evidence[i]->ev->flags & BT_EV_RECOVERED) != 0;
	if (recovered) {
		/* a live copy speaks for an event (bt_hitstore): these have none */
		if (recovered == f->nevidence)
			snprintf(buf, sizeof buf, "rests only on records recovered outside the live "
			                          "records (deleted, cleared or overwritten): no live record "
			                          "confirms it");
		else
			snprintf(buf, sizeof buf, "%zu of its %zu events are records recovered outside the "
			                          "live records (deleted, cleared or overwritten)",
			         recovered, f->nevidence);
		bt_strset_add(&f->notes, buf);
	}
	for (size_t i = 0; i < f->nevidence; i++) {
		const struct bt_event *ev = f->evidence[i]->ev;
		if (ev->host)
			bt_strset_add(&f->hosts, ev->host);
		const char *iso = field_str(ev, "Isolation", buf, sizeof buf);
		if (iso && strcasecmp(iso, "hyperv") == 0)
			bt_strset_add(&f->notes,
			              "Hyper-V isolated container: the host sees only vmwp.exe and vmmem; "
			              "processes and module loads inside it are not in the host's logs, so "
			              "their absence here does not mean none happened");
		if ((ev->flags & BT_EV_HOST_INFERRED) && ev->file) {
			char note[1400];
			snprintf(note, sizeof note,
			         "%.700s names no host: %.300s assumed from the other evidence of its collection",
			         ev->file, ev->host ? ev->host : "?");
			bt_strset_add(&f->notes, note);
		}
		snprintf(buf, sizeof buf, "%s%s%s", bt_source_name(ev->source), ev->channel ? ":" : "",
		         ev->channel ? ev->channel : "");
		bt_strset_add(&f->sources, buf);
		if (!f->container_id) {
			const char *cid = field_str(ev, "ContainerID", buf, sizeof buf);
			if (cid)
				bt_strdup_to(&f->container_id, cid);
			else
				for (size_t k = 0; k < ev->nfields && !f->container_id; k++)
					if (layer_container_id(bt_field_need(ev, &ev->fields[k])->text, id))
						bt_strdup_to(&f->container_id, id);
		}
		if (!f->container_name) {
			const char *cn = field_str(ev, "ContainerName", buf, sizeof buf);
			if (cn)
				bt_strdup_to(&f->container_name, cn);
		}
		if (!f->account) {
			const char *a = event_account(ev, buf, sizeof buf);
			if (a)
				bt_strdup_to(&f->account, a);
		}
	}
}

int bt_finding_cmp(const struct bt_finding *a, const struct bt_finding *b)
{
	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	int c = strcmp(a->rule_id ? a->rule_id : "", b->rule_id ? b->rule_id : "");
	if (c)
		return c;
	if (a->nevidence && b->nevidence)
		return cmp_hit(&a->evidence[0], &b->evidence[0]);
	return (a->nevidence > b->nevidence) - (a->nevidence < b->nevidence);
}
