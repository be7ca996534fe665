/* Sigma correlation rules: sliding windows per group over matched events. */
#include "config.h"

#include "core/bt_array.h"
#include "core/bt_bytes.h"
#include "hunt/bt_correlate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bt_ip.h"
#include "hunt/bt_baseline.h"
#include "hunt/bt_container_fields.h"
#include "rules/bt_sigma_load.h"

#define MIN_BUCKETS 1024
#define SWEEP_EVERY 4096
#define KEY_MAX 1024

/* value_count: a counted value and how many window members carry it. */
struct vcount {
	struct vcount *next;
	size_t n;
	char v[];
};

struct member {
	struct bt_evidence *e;
	int64_t t;
	uint64_t seq;           /* push order in the group, from 1 */
	unsigned ref_pos;       /* which listed rule this event serves */
	struct vcount *value;   /* value_count: the normalised counted value */
};

/* A group's window, with what the conditions ask kept up to date as members
 * come and go, so that each event costs the same however full the window. */
struct group {
	char *key;
	char *display;          /* the group-by values as first seen, for summaries */
	struct member *m;
	size_t head, n, cap;    /* live members are m[head .. n) */
	uint64_t seq;           /* of the last member pushed */
	size_t nevents;         /* distinct events in the window (a run of one event's
	                           members is adjacent) */
	struct vcount **vt;     /* distinct values in the window: hash table */
	size_t vt_cap, nvalues;
	size_t *pos_count;      /* members per listed position */
	uint64_t *chain_start;  /* per position p: the latest seq at which a chain of
	                           positions 0..p in member order starts (0: none) */
	struct bt_finding *open;
	int64_t open_last;
	uint64_t added_seq;     /* members up to this seq are in the open finding */
	struct bt_strset notes; /* how ClientHost values were resolved */
	uint64_t bytes;         /* counted in *held for it (members apart) */
	struct group *next;
};

/* One position of the correlation's `rules` list: the rules it stands for
 * (one rule, or every rule with a tag for a "tag:NAME" reference). */
struct refset {
	unsigned *rules;
	size_t n;
};

struct corr {
	const struct bt_rule_info *info;
	const struct bt_sigma_correlation *def;
	struct refset *refs;
	size_t nrefs;
	int64_t span;
	struct group **buckets;  /* hash table of groups, grown with them */
	size_t nbuckets;
	size_t ngroups;
	bool window_capped, groups_capped, memory_capped;
	struct bt_corr_caps caps;
	uint64_t ungrouped;      /* events of its rules that lacked a group-by field */
	const char *missing;     /* the first such field */
	struct bt_baseline *base;   /* absent, rare_value: judged at the end */
	struct refset witness;      /* absent: the rules whose hosts' logs must cover */
};

struct bt_correlator {
	struct bt_correlator_opts o;
	struct corr *v;
	size_t n;
	/* per rule index: the correlations that reference it */
	struct { unsigned *corr; size_t n; bool generate; bool used; } *by_rule;
	size_t nrules;
	int64_t now;
	uint64_t fed, swept_at;
};

/* ---- values ---- */

#define LONG_MARK_LEN 18   /* "#" and 16 hex digits, then the NUL */

/* The value a correlation compares, lower-cased and trimmed. One longer than
 * out holds ends in "#" and a hash of the whole value instead of its last
 * bytes, so that two long values that differ only past out's room stay two
 * (a value_count of distinct command lines, a group-by on a long field). */
static void lower_copy(char *out, size_t n, const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	size_t k = 0;
	for (; k < len && k + 1 < n; k++) {
		char c = s[k];
		out[k] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[k] = '\0';
	if (k == len || n <= 2 * LONG_MARK_LEN)
		return;
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		h = (h ^ (unsigned char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c)) * 1099511628211ULL;
	}
	snprintf(out + n - LONG_MARK_LEN, LONG_MARK_LEN, "#%016llx", (unsigned long long)h);
}

static bool put(char *out, size_t n, const char *s, size_t len)
{
	if (!n || !len)
		return false;
	if (len >= n)
		len = n - 1;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

/* Kerberos virtual fields, exactly as written (boxtrail(1), BASELINES):
 *   TicketAccount  the account of TargetUserName without @realm or DOMAIN\;
 *   TicketRealm    the realm of TargetUserName (user@REALM), else
 *                  TargetDomainName: what a domain controller wrote;
 *   RealmKey       TicketRealm's first label, DomainKey TargetDomainName's:
 *                  one key for CORP, corp.internal and CORP.INTERNAL;
 *   TicketCipher   AES, RC4 or DES for TicketEncryptionType.
 * -1: not a virtual field; 0: the event has no value; 1: written. */
static int kerberos_value(const struct bt_event *ev, const char *field, char *out, size_t n)
{
	const char *v, *at;
	size_t vl;
	if (strcmp(field, "TicketAccount") == 0) {
		if (!bt_event_field_text(ev, "TargetUserName", &v, &vl))
			return 0;
		const char *bs = memchr(v, '\\', vl);
		if (bs) {
			vl -= (size_t)(bs + 1 - v);
			v = bs + 1;
		}
		if ((at = memchr(v, '@', vl)))
			vl = (size_t)(at - v);
		return put(out, n, v, vl);
	}
	if (strcmp(field, "TicketRealm") == 0 || strcmp(field, "RealmKey") == 0 ||
	    strcmp(field, "DomainKey") == 0) {
		bool realm = field[0] != 'D';
		if (realm && bt_event_field_text(ev, "TargetUserName", &v, &vl) &&
		    (at = memchr(v, '@', vl)) && at + 1 < v + vl) {
			vl -= (size_t)(at + 1 - v);
			v = at + 1;
		} else if (!bt_event_field_text(ev, "TargetDomainName", &v, &vl)) {
			return 0;
		}
		if (field[0] != 'T') {
			const char *dot = memchr(v, '.', vl);
			if (dot)
				vl = (size_t)(dot - v);
		}
		return put(out, n, v, vl);
	}
	if (strcmp(field, "TicketCipher") == 0) {
		if (!bt_event_field_text(ev, "TicketEncryptionType", &v, &vl))
			return 0;
		char num[24];
		if (!put(num, sizeof num, v, vl))
			return 0;
		unsigned long t = strtoul(num, NULL, 0);
		const char *name = t == 0x11 || t == 0x12 ? "AES" : t == 0x17 || t == 0x18 ? "RC4"
		                 : t == 0x1 || t == 0x3 ? "DES" : NULL;
		return name ? put(out, n, name, strlen(name)) : put(out, n, v, vl);
	}
	return -1;
}

bool bt_correlate_exact_value(const struct bt_event *ev, const char *field, char *out, size_t n)
{
	int k = kerberos_value(ev, field, out, n);
	if (k < 0)
		k = bt_container_value(ev, field, out, n);
	if (k >= 0)
		return k == 1;
	const char *v;
	size_t vl;
	return bt_event_field_text(ev, field, &v, &vl) && put(out, n, v, vl);
}

static const char *const client_fields[] = {"IpAddress", "SourceIp", "ClientAddress",
                                            "SourceAddress", "IPAddress"};

bool bt_correlate_value(const struct bt_event *ev, const char *field,
                        const struct bt_hostmap *hosts, char *out, size_t n,
                        const struct bt_hostlink **link)
{
	if (link)
		*link = NULL;
	if (strcmp(field, "Host") == 0) {
		if (!ev->host || !*ev->host)
			return false;
		bt_host_key(ev->host, out, n);
		return out[0] != '\0';
	}
	if (strcmp(field, "Hypervisor") == 0) {
		/* an ESXi host's own event, or a guest's: the ESXi host its VM ran on */
		if (ev->source == BT_SOURCE_ESXI)
			return bt_correlate_value(ev, "Host", hosts, out, n, link);
		const struct bt_vmlink *vl = ev->host ? bt_hostmap_vm_host(hosts, ev->host) : NULL;
		if (!vl)
			return false;
		bt_host_key(vl->host, out, n);
		return out[0] != '\0';
	}
	if (strcmp(field, "OriginHost") == 0) {
		/* the host a request came from: its client address when it has one */
		if (bt_correlate_value(ev, "ClientHost", hosts, out, n, link))
			return true;
		return bt_correlate_value(ev, "Host", hosts, out, n, link);
	}
	if (strcmp(field, "ClientHost") == 0) {
		for (size_t i = 0; i < sizeof client_fields / sizeof *client_fields; i++) {
			const struct bt_field *f = bt_event_field(ev, client_fields[i], strlen(client_fields[i]));
			struct bt_ip ip;
			if (!f || !bt_ip_parse(f->text, f->text_len, &ip) || bt_ip_is_local(&ip))
				continue;
			const struct bt_hostlink *l = hosts ? bt_hostmap_lookup(hosts, &ip, ev->time) : NULL;
			if (l) {
				bt_host_key(l->host, out, n);
				if (link)
					*link = l;
			} else {
				char buf[BT_IP_BUFSZ];
				bt_ip_format(&ip, buf);
				snprintf(out, n, "%s", buf);
			}
			return out[0] != '\0';
		}
		return false;
	}
	int kv = kerberos_value(ev, field, out, n);
	if (kv < 0)
		kv = bt_container_value(ev, field, out, n);
	if (kv >= 0) {
		if (!kv)
			return false;
		for (char *p = out; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		return true;
	}
	const char *v = NULL;
	size_t vl = 0;
	char scratch[32];
	const struct bt_field *f = bt_event_field(ev, field, strlen(field));
	if (f) {
		v = f->text;
		vl = f->text_len;
	} else if (!bt_event_system_value(ev, field, strlen(field), scratch, &v, &vl)) {
		return false;
	}
	if (vl == 0 || (vl == 1 && v[0] == '-'))
		return false;
	struct bt_ip ip;
	if (bt_ip_parse(v, vl, &ip)) {
		char buf[BT_IP_BUFSZ];
		bt_ip_format(&ip, buf);
		snprintf(out, n, "%s", buf);
		return true;
	}
	lower_copy(out, n, v, vl);
	return out[0] != '\0';
}

/* ---- setup ---- */

static bool rule_is(const struct bt_rule_info *ri, const char *ref)
{
	const struct bt_sigma_rule *r = ri->sigma;
	return (r->id && strcmp(r->id, ref) == 0) || (r->name && strcmp(r->name, ref) == 0);
}

static bool add_ref(struct bt_correlator *c, unsigned rule, unsigned corr, bool generate,
                    bool used)
{
	if (rule >= c->nrules)
		return false;
	for (size_t i = 0; i < c->by_rule[rule].n; i++)
		if (c->by_rule[rule].corr[i] == corr) {
			if (generate)
				c->by_rule[rule].generate = true;
			if (used)
				c->by_rule[rule].used = true;
			return true;
		}
	void *nv = realloc(c->by_rule[rule].corr, (c->by_rule[rule].n + 1) * sizeof(unsigned));
	if (!nv)
		return false;
	c->by_rule[rule].corr = nv;
	c->by_rule[rule].corr[c->by_rule[rule].n++] = corr;
	if (used)
		c->by_rule[rule].used = true;
	if (generate)
		c->by_rule[rule].generate = true;
	return true;
}

static bool refset_add(struct refset *set, unsigned rule)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->rules[i] == rule)
			return true;
	unsigned *nv = realloc(set->rules, (set->n + 1) * sizeof *nv);
	if (!nv)
		return false;
	set->rules = nv;
	set->rules[set->n++] = rule;
	return true;
}

/* The loaded rules a `rules` entry stands for: one rule by id or name, or
 * every rule tagged NAME for "tag:NAME". False (said) when none is loaded. */
static bool resolve_ref(struct bt_correlator *c, const struct bt_rule_info *ri, const char *ref,
                        struct refset *set)
{
	bool by_tag = strncmp(ref, "tag:", 4) == 0;
	for (size_t j = 0; j < c->nrules; j++) {
		const struct bt_rule_info *cand = bt_ruleset_info(c->o.rules, j);
		if (cand->state != BT_RULE_LOADED)
			continue;
		if (!(by_tag ? bt_sigma_rule_has_tag(cand->sigma, ref + 4) : rule_is(cand, ref)))
			continue;
		if (!refset_add(set, cand->index))
			return false;
		if (!by_tag)
			break;
	}
	if (set->n == 0) {
		bt_diagf(&c->o.diag, BT_DIAG_WARN, ri->sigma->file,
		         "correlation '%s': rule '%s' is not loaded: correlation skipped",
		         ri->sigma->title ? ri->sigma->title : "?", ref);
		return false;
	}
	return true;
}

/* A listed position in words: its rule's title, or "tag:NAME". */
static void ref_title(const struct bt_correlator *c, const struct corr *k, size_t pos, char *buf,
                      size_t n)
{
	const struct bt_rule_info *ri = k->refs[pos].n == 1 && strncmp(k->def->rules[pos], "tag:", 4) != 0
	                                    ? bt_ruleset_info(c->o.rules, k->refs[pos].rules[0])
	                                    : NULL;
	snprintf(buf, n, "%s", ri && ri->sigma->title ? ri->sigma->title : k->def->rules[pos]);
	if (ri || strncmp(k->def->rules[pos], "tag:", 4) != 0 || !k->refs[pos].n)
		return;
	/* a tag: the titles of its rules */
	for (size_t i = 0, len = 0; i < k->refs[pos].n && len < n; i++) {
		const struct bt_rule_info *r = bt_ruleset_info(c->o.rules, k->refs[pos].rules[i]);
		int w = snprintf(buf + len, n - len, "%s%s", i ? " or " : "",
		                 r->sigma->title ? r->sigma->title : "?");
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

struct bt_correlator *bt_correlator_new(const struct bt_correlator_opts *o)
{
	struct bt_correlator *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->o = *o;
	c->now = INT64_MIN;
	c->nrules = bt_ruleset_count(o->rules);
	c->by_rule = calloc(c->nrules ? c->nrules : 1, sizeof *c->by_rule);
	c->v = calloc(c->nrules ? c->nrules : 1, sizeof *c->v);
	if (!c->by_rule || !c->v) {
		bt_correlator_free(c);
		return NULL;
	}
	for (size_t i = 0; i < c->nrules; i++) {
		const struct bt_rule_info *ri = bt_ruleset_info(o->rules, i);
		if (ri->state != BT_RULE_CORRELATION || !ri->sigma->correlation)
			continue;
		const struct bt_sigma_correlation *def = ri->sigma->correlation;
		const char *title = ri->sigma->title ? ri->sigma->title : "?";
		if (def->type == BT_CORR_UNKNOWN || def->nrules == 0) {
			bt_diagf(&o->diag, BT_DIAG_WARN, ri->sigma->file,
			         "correlation '%s': unsupported type or no rules: skipped", title);
			continue;
		}
		struct corr *k = &c->v[c->n];
		memset(k, 0, sizeof *k);
		k->info = ri;
		k->def = def;
		bool baseline = def->type == BT_CORR_ABSENT || def->type == BT_CORR_RARE_VALUE;
		k->span = (int64_t)def->timespan_sec * BT_TICKS_PER_SEC;
		if (!baseline && ri->builtin && o->builtin_window > 0)
			k->span = o->builtin_window;
		/* absent: a ticket's lifetime (--ticket-lifetime, --renew-lifetime),
		 * not the correlation window */
		if (o->ticket_lifetime > 0 && bt_sigma_rule_has_tag(ri->sigma, "boxtrail.ticket_lifetime"))
			k->span = o->ticket_lifetime;
		if (o->renew_lifetime > 0 && bt_sigma_rule_has_tag(ri->sigma, "boxtrail.renew_lifetime"))
			k->span = o->renew_lifetime;
		if (def->type == BT_CORR_RARE_VALUE || def->history_sec)
			k->span = INT64_MAX / 4;  /* the whole evidence */
		if (k->span <= 0) {
			bt_diagf(&o->diag, BT_DIAG_WARN, ri->sigma->file,
			         "correlation '%s': timespan '%s' missing, unparsable or over 100 years: "
			         "skipped", title, def->timespan_text ? def->timespan_text : "");
			continue;
		}
		k->refs = calloc(def->nrules, sizeof *k->refs);
		bool ok = k->refs != NULL;
		for (size_t r = 0; ok && r < def->nrules; r++) {
			ok = resolve_ref(c, ri, def->rules[r], &k->refs[k->nrefs++]);
		}
		/* absent: witnesses, by default the explaining rules */
		for (size_t r = 0; ok && def->type == BT_CORR_ABSENT && r < def->nwitnesses; r++) {
			struct refset one = {0};
			ok = resolve_ref(c, ri, def->witnesses[r], &one);
			for (size_t x = 0; ok && x < one.n; x++)
				ok = refset_add(&k->witness, one.rules[x]);
			free(one.rules);
		}
		for (size_t r = 1; ok && def->type == BT_CORR_ABSENT && !def->nwitnesses && r < k->nrefs; r++)
			for (size_t x = 0; ok && x < k->refs[r].n; x++)
				ok = refset_add(&k->witness, k->refs[r].rules[x]);
		if (ok && baseline) {
			bool by_host = false;
			for (size_t g = 0; g < def->ngroup_by; g++)
				by_host |= strcmp(def->group_by[g], "Host") == 0;
			char judged[256], explaining[1024];
			ref_title(c, k, 0, judged, sizeof judged);
			explaining[0] = '\0';
			for (size_t r = 1, len = 0; r < k->nrefs && len < sizeof explaining; r++) {
				char t[1024];
				ref_title(c, k, r, t, sizeof t);
				int w = snprintf(explaining + len, sizeof explaining - len, "%s%s",
				                 r > 1 ? " or " : "", t);
				if (w < 0)
					break;
				len += (size_t)w;
			}
			ok = (k->base = bt_baseline_new(def, k->span, by_host, judged, explaining)) != NULL;
			if (ok && o->baseline_until && o->baseline_until != BT_TIME_NONE)
				bt_baseline_learn_until(k->base, o->baseline_until);
		}
		if (!ok) {
			for (size_t r = 0; r < k->nrefs; r++)
				free(k->refs[r].rules);
			free(k->refs);
			free(k->witness.rules);
			bt_baseline_free(k->base);
			continue;
		}
		for (size_t r = 0; r < k->nrefs; r++)
			for (size_t x = 0; x < k->refs[r].n; x++)
				add_ref(c, k->refs[r].rules[x], (unsigned)c->n, def->generate, true);
		for (size_t x = 0; x < k->witness.n; x++)
			add_ref(c, k->witness.rules[x], (unsigned)c->n, def->generate, true);
		c->n++;
	}
	return c;
}

static void group_free(struct group *g)
{
	for (size_t i = g->head; i < g->n; i++)
		bt_evidence_free(g->m[i].e);
	for (size_t b = 0; b < g->vt_cap; b++)
		for (struct vcount *v = g->vt[b], *nx; v; v = nx) {
			nx = v->next;
			free(v);
		}
	free(g->vt);
	free(g->pos_count);
	free(g->chain_start);
	free(g->m);
	bt_finding_free(g->open);
	bt_strset_free(&g->notes);
	free(g->key);
	free(g->display);
	free(g);
}

void bt_correlator_free(struct bt_correlator *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		for (size_t b = 0; b < c->v[i].nbuckets; b++)
			for (struct group *g = c->v[i].buckets[b], *nx; g; g = nx) {
				nx = g->next;
				group_free(g);
			}
		free(c->v[i].buckets);
		for (size_t r = 0; r < c->v[i].nrefs; r++)
			free(c->v[i].refs[r].rules);
		free(c->v[i].refs);
		free(c->v[i].witness.rules);
		bt_baseline_free(c->v[i].base);
	}
	for (size_t i = 0; i < c->nrules; i++)
		free(c->by_rule[i].corr);
	free(c->by_rule);
	free(c->v);
	free(c);
}

size_t bt_correlator_count(const struct bt_correlator *c)
{
	return c->n;
}

void bt_correlator_caps(const struct bt_correlator *c, size_t i, struct bt_corr_caps *out)
{
	*out = c->v[i].caps;
	out->title = c->v[i].info->sigma->title ? c->v[i].info->sigma->title : "?";
}

bool bt_correlator_uses(const struct bt_correlator *c, unsigned rule)
{
	return rule < c->nrules && c->by_rule[rule].used;
}

bool bt_correlator_generates(const struct bt_correlator *c, unsigned rule)
{
	return rule >= c->nrules || !c->by_rule[rule].used || c->by_rule[rule].generate;
}

/* ---- matches ---- */

/* How a listed position reads in a summary: the rule's title, or for a tag
 * group the titles of the group's rules that the match actually contains. */
static void position_title(const struct bt_correlator *c, const struct corr *k, size_t pos,
                           const struct bt_finding *f, char *buf, size_t n)
{
	const struct refset *set = &k->refs[pos];
	buf[0] = '\0';
	size_t len = 0;
	for (size_t x = 0; x < set->n; x++) {
		bool present = set->n == 1;
		for (size_t e = 0; e < f->nevidence && !present; e++)
			for (size_t r = 0; r < f->evidence[e]->nrules && !present; r++)
				present = f->evidence[e]->rules[r] == set->rules[x];
		if (!present)
			continue;
		const struct bt_rule_info *ri = bt_ruleset_info(c->o.rules, set->rules[x]);
		int w = snprintf(buf + len, n - len, "%s%s", len ? " / " : "",
		                 ri && ri->sigma->title ? ri->sigma->title : "?");
		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
	}
	if (!len)
		snprintf(buf, n, "%s", k->def->rules[pos]);
}

static void fmt_span(char *buf, size_t n, int64_t ticks)
{
	int64_t s = ticks / BT_TICKS_PER_SEC;
	if (s % 3600 == 0 && s >= 3600)
		snprintf(buf, n, "%lldh", (long long)(s / 3600));
	else if (s % 60 == 0 && s >= 60)
		snprintf(buf, n, "%lldm", (long long)(s / 60));
	else
		snprintf(buf, n, "%llds", (long long)s);
}

static bool cond_holds(const struct bt_sigma_correlation *def, int64_t v)
{
	for (size_t i = 0; i < def->nconds; i++) {
		int64_t w = def->conds[i].value;
		bool ok;
		switch (def->conds[i].op) {
		case BT_CORR_GT: ok = v > w; break;
		case BT_CORR_GTE: ok = v >= w; break;
		case BT_CORR_LT: ok = v < w; break;
		case BT_CORR_LTE: ok = v <= w; break;
		case BT_CORR_EQ: ok = v == w; break;
		default: ok = false;
		}
		if (!ok)
			return false;
	}
	return true;
}

static bool temporal_holds(const struct corr *k, const struct group *g, bool ordered)
{
	if (g->head == g->n)
		return false;
	if (ordered) {
		/* the listed rules in order, each a member of the window after the
		 * one before: a chain that starts inside the window */
		uint64_t start = g->chain_start[k->nrefs - 1];
		return start != 0 && start >= g->m[g->head].seq;
	}
	size_t seen = 0;
	for (size_t r = 0; r < k->nrefs; r++)
		seen += g->pos_count[r] > 0;
	if (k->def->nconds)
		return cond_holds(k->def, (int64_t)seen);
	return seen == k->nrefs;
}

static bool condition(const struct corr *k, const struct group *g)
{
	switch (k->def->type) {
	case BT_CORR_EVENT_COUNT:
		return k->def->nconds && cond_holds(k->def, (int64_t)g->nevents);
	case BT_CORR_VALUE_COUNT:
		return k->def->nconds && cond_holds(k->def, (int64_t)g->nvalues);
	case BT_CORR_TEMPORAL:
		return temporal_holds(k, g, false);
	case BT_CORR_TEMPORAL_ORDERED:
		return temporal_holds(k, g, true);
	default:
		return false;
	}
}

/* What every correlation finding takes from its rule and its evidence: kind,
 * rule, the base rules' techniques, severity. */
static void finish_common(struct bt_correlator *c, const struct corr *k, struct bt_finding *f)
{
	const struct bt_sigma_rule *r = k->info->sigma;
	f->kind = "correlation";
	bt_strdup_to(&f->correlation_type, k->def->type_text);
	bt_finding_set_rule(f, r);
	/* techniques of the base rules that the match contains */
	for (size_t e = 0; e < f->nevidence; e++)
		for (size_t q = 0; q < f->evidence[e]->nrules; q++) {
			unsigned idx = f->evidence[e]->rules[q];
			bool listed = false;
			for (size_t p = 0; p < k->nrefs && !listed; p++)
				for (size_t x = 0; x < k->refs[p].n && !listed; x++)
					listed = k->refs[p].rules[x] == idx;
			const struct bt_rule_info *b = listed ? bt_ruleset_info(c->o.rules, idx) : NULL;
			for (size_t j = 0; b && j < b->sigma->nattack; j++)
				bt_strset_add(&f->techniques, b->sigma->attack[j]);
		}
	bt_finding_derive(f);
}

/* Finishes a match into a finding and hands it over. */
static void close_match(struct bt_correlator *c, struct corr *k, struct group *g)
{
	struct bt_finding *f = g->open;
	g->open = NULL;
	if (!f)
		return;
	for (size_t i = 0; i < g->notes.n; i++)
		bt_strset_add(&f->notes, g->notes.v[i]);
	finish_common(c, k, f);
	/* Several kinds of evidence agreeing raise the severity one step. */
	if (f->sources.n >= 2 && f->severity < BT_SEV_CRITICAL) {
		f->severity++;
		f->raised = true;
	}
	char span[32], buf[1024];
	fmt_span(span, sizeof span, k->span);
	const char *by = g->display && *g->display ? g->display : "all events";
	switch (k->def->type) {
	case BT_CORR_VALUE_COUNT: {
		struct bt_strset vals = {0};
		for (size_t i = 0; i < f->nevidence; i++) {
			char v[256];
			if (k->def->field &&
			    bt_correlate_value(f->evidence[i]->ev, k->def->field, c->o.hosts, v, sizeof v, NULL))
				bt_strset_add(&vals, v);
		}
		int len = snprintf(buf, sizeof buf, "%zu distinct %s within %s (%s):", vals.n,
		                   k->def->field ? k->def->field : "values", span, by);
		for (size_t i = 0; i < vals.n && len > 0 && (size_t)len < sizeof buf - 40; i++)
			len += snprintf(buf + len, sizeof buf - (size_t)len, "%s%s", i ? ", " : " ", vals.v[i]);
		bt_strset_free(&vals);
		break;
	}
	case BT_CORR_EVENT_COUNT: {
		char t[512];
		position_title(c, k, 0, f, t, sizeof t);
		snprintf(buf, sizeof buf, "%llu events of %s within %s (%s)",
		         (unsigned long long)f->evidence_total, t, span, by);
		break;
	}
	default: {
		char t[512];
		position_title(c, k, 0, f, t, sizeof t);
		int len = snprintf(buf, sizeof buf, "%s", t);
		for (size_t i = 1; i < k->nrefs && len > 0 && (size_t)len < sizeof buf; i++) {
			position_title(c, k, i, f, t, sizeof t);
			len += snprintf(buf + len, sizeof buf - (size_t)len, ", then %s", t);
		}
		if (len > 0 && (size_t)len < sizeof buf)
			snprintf(buf + len, sizeof buf - (size_t)len, " within %s (%s)", span, by);
	}
	}
	bt_strdup_to(&f->summary, buf);
	if (c->o.emit)
		c->o.emit(c->o.emit_ctx, f);
	else
		bt_finding_free(f);
}

struct corr_emit {
	struct bt_correlator *c;
	const struct corr *k;
};

/* ---- groups ---- */

/* Memory held for open groups and windows, against --max-memory. */
static bool over_budget(const struct bt_correlator *c)
{
	return c->o.held && c->o.budget && *c->o.held > c->o.budget;
}

static void held_add(struct bt_correlator *c, uint64_t n, bool add)
{
	if (c->o.held)
		*c->o.held = add ? *c->o.held + n : (*c->o.held > n ? *c->o.held - n : 0);
}

static uint64_t member_bytes(const struct bt_evidence *e)
{
	return sizeof(struct member) + e->bytes;
}

static void memory_warn(struct bt_correlator *c, struct corr *k)
{
	if (!k->memory_capped)
		bt_diagf(&c->o.diag, BT_DIAG_WARN, NULL,
		         "correlation '%s': its state reached --max-memory (%llu MiB with the findings "
		         "kept): new groups are not followed and windows lose their oldest events",
		         k->info->sigma->title ? k->info->sigma->title : "?",
		         (unsigned long long)(c->o.budget >> 20));
	k->memory_capped = true;
}

static unsigned key_hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Keeps about one group per bucket (false: no memory, the table as it was). */
static bool grow_buckets(struct corr *k)
{
	if (k->nbuckets && k->ngroups < k->nbuckets)
		return true;
	size_t nb = k->nbuckets ? k->nbuckets * 2 : MIN_BUCKETS;
	struct group **nt = calloc(nb, sizeof *nt);
	if (!nt)
		return k->nbuckets != 0;
	for (size_t b = 0; b < k->nbuckets; b++)
		for (struct group *g = k->buckets[b], *nx; g; g = nx) {
			nx = g->next;
			size_t h = key_hash(g->key) & (nb - 1);
			g->next = nt[h];
			nt[h] = g;
		}
	free(k->buckets);
	k->buckets = nt;
	k->nbuckets = nb;
	return true;
}

static struct group *group_get(struct bt_correlator *c, struct corr *k, const char *key,
                               const char *display)
{
	if (!grow_buckets(k))
		return NULL;
	unsigned b = key_hash(key) & (unsigned)(k->nbuckets - 1);
	for (struct group *g = k->buckets[b]; g; g = g->next)
		if (strcmp(g->key, key) == 0)
			return g;
	if (over_budget(c)) {
		memory_warn(c, k);
		k->caps.memory_not_followed++;
		return NULL;
	}
	if (k->ngroups >= BT_CORR_MAX_GROUPS) {
		k->caps.groups_not_followed++;
		if (!k->groups_capped)
			bt_diagf(&c->o.diag, BT_DIAG_WARN, NULL,
			         "correlation '%s': more than %d groups at once; further groups not tracked",
			         k->info->sigma->title ? k->info->sigma->title : "?", BT_CORR_MAX_GROUPS);
		k->groups_capped = true;
		return NULL;
	}
	struct group *g = calloc(1, sizeof *g);
	if (!g || !(g->key = strdup(key)) || !(g->display = strdup(display)) ||
	    !(g->pos_count = calloc(k->nrefs, sizeof *g->pos_count)) ||
	    !(g->chain_start = calloc(k->nrefs, sizeof *g->chain_start))) {
		if (g) {
			free(g->key);
			free(g->display);
			free(g->pos_count);
		}
		free(g);
		return NULL;
	}
	g->next = k->buckets[b];
	k->buckets[b] = g;
	k->ngroups++;
	g->bytes = sizeof *g + 2 * strlen(key) + 2 + 2 * k->nrefs * sizeof(uint64_t);
	held_add(c, g->bytes, true);
	return g;
}

/* The value's entry in the group's table, counted once more (NULL: no memory). */
static struct vcount *value_take(struct group *g, const char *v)
{
	if (g->nvalues >= g->vt_cap) {
		size_t nc = g->vt_cap ? g->vt_cap * 2 : 16;
		struct vcount **nt = calloc(nc, sizeof *nt);
		if (!nt)
			return NULL;
		for (size_t b = 0; b < g->vt_cap; b++)
			for (struct vcount *e = g->vt[b], *nx; e; e = nx) {
				nx = e->next;
				size_t h = bt_hash_str(e->v) & (nc - 1);
				e->next = nt[h];
				nt[h] = e;
			}
		free(g->vt);
		g->vt = nt;
		g->vt_cap = nc;
	}
	size_t h = bt_hash_str(v) & (g->vt_cap - 1);
	for (struct vcount *e = g->vt[h]; e; e = e->next)
		if (strcmp(e->v, v) == 0) {
			e->n++;
			return e;
		}
	size_t len = strlen(v);
	struct vcount *e = malloc(sizeof *e + len + 1);
	if (!e)
		return NULL;
	memcpy(e->v, v, len + 1);
	e->n = 1;
	e->next = g->vt[h];
	g->vt[h] = e;
	g->nvalues++;
	return e;
}

static void value_release(struct group *g, struct vcount *v)
{
	if (--v->n)
		return;
	struct vcount **pp = &g->vt[bt_hash_str(v->v) & (g->vt_cap - 1)];
	while (*pp != v)
		pp = &(*pp)->next;
	*pp = v->next;
	free(v);
	g->nvalues--;
}

/* Takes the oldest member out of the window. */
static void drop_head(struct bt_correlator *c, struct group *g)
{
	struct member *m = &g->m[g->head];
	held_add(c, member_bytes(m->e), false);
	if (m->value)
		value_release(g, m->value);
	if (!(g->head + 1 < g->n && g->m[g->head + 1].e == m->e))
		g->nevents--;
	g->pos_count[m->ref_pos]--;
	bt_evidence_free(m->e);
	g->head++;
}

/* Drops members older than the window and closes a lapsed match. */
static void expire(struct bt_correlator *c, struct corr *k, struct group *g, int64_t t)
{
	if (g->open && t - g->open_last > k->span)
		close_match(c, k, g);
	while (g->head < g->n && g->m[g->head].t < t - k->span)
		drop_head(c, g);
	if (g->head == g->n)
		g->head = g->n = 0;
	else if (g->head > 1024 && g->head * 2 > g->n) {
		memmove(g->m, g->m + g->head, (g->n - g->head) * sizeof *g->m);
		g->n -= g->head;
		g->head = 0;
	}
}

static bool push_member(struct bt_correlator *c, struct corr *k, struct group *g,
                        struct bt_evidence *e, unsigned pos, const char *value)
{
	if (g->n - g->head >= BT_CORR_MAX_WINDOW) {
		if (!k->window_capped)
			bt_diagf(&c->o.diag, BT_DIAG_WARN, NULL,
			         "correlation '%s': more than %d events in one window; the oldest leave early",
			         k->info->sigma->title ? k->info->sigma->title : "?", BT_CORR_MAX_WINDOW);
		k->window_capped = true;
		k->caps.window_left_early++;
		drop_head(c, g);
	} else if (over_budget(c) && g->n > g->head) {
		memory_warn(c, k);
		k->caps.memory_left_early++;
		drop_head(c, g);
	}
	if (!bt_array_reserve(&g->m, &g->cap, g->n, sizeof *g->m, 16))
		return false;
	struct vcount *vc = NULL;
	if (value && !(vc = value_take(g, value)))
		return false;
	if (!(g->n > g->head && g->m[g->n - 1].e == e))
		g->nevents++;
	struct member *m = &g->m[g->n++];
	m->e = bt_evidence_ref(e);
	held_add(c, member_bytes(e), true);
	m->t = e->ev->time;
	m->seq = ++g->seq;
	m->ref_pos = pos;
	m->value = vc;
	g->pos_count[pos]++;
	if (pos == 0)
		g->chain_start[0] = m->seq;
	else if (g->chain_start[pos - 1] > g->chain_start[pos])
		g->chain_start[pos] = g->chain_start[pos - 1];
	return true;
}

/* Puts the window's members not yet in the open finding into it (one event's
 * adjacent members once). */
static void add_window(struct group *g)
{
	size_t from = g->n;
	while (from > g->head && g->m[from - 1].seq > g->added_seq)
		from--;
	for (size_t i = from; i < g->n; i++) {
		if (i > g->head && g->m[i - 1].e == g->m[i].e)
			continue;
		bt_finding_add_evidence(g->open, g->m[i].e);
	}
	g->added_seq = g->seq;
}

/* Builds the group key of an event for the listed rule at `pos`. */
static bool group_key(struct bt_correlator *c, struct corr *k, unsigned rule,
                      const struct bt_event *ev, char *key, size_t n, char *display, size_t dn,
                      struct bt_strset *notes)
{
	const struct bt_rule_info *base = bt_ruleset_info(c->o.rules, rule);
	size_t kl = 0, dl = 0;
	key[0] = display[0] = '\0';
	for (size_t i = 0; i < k->def->ngroup_by; i++) {
		const char *gb = k->def->group_by[i], *field = gb;
		for (size_t a = 0; a < k->def->naliases; a++)
			if (strcmp(k->def->aliases[a].alias, gb) == 0 && rule_is(base, k->def->aliases[a].rule))
				field = k->def->aliases[a].field;
		char v[256];
		const struct bt_hostlink *link;
		bool unknown_host = false;
		if (!bt_correlate_value(ev, field, c->o.hosts, v, sizeof v, &link)) {
			/* An event whose host is unknown still counts for a count of
			 * events or values by host: the unknown hosts' events are
			 * counted together, and the finding says why and what fixes
			 * it. Temporal correlations join different events: unknown
			 * hosts are never joined to each other. */
			bool count = k->def->type == BT_CORR_EVENT_COUNT || k->def->type == BT_CORR_VALUE_COUNT;
			if (!(count && strcmp(field, "Host") == 0)) {
				if (!k->ungrouped++)
					k->missing = gb;
				return false;
			}
			snprintf(v, sizeof v, "\x1e(unknown host)");
			unknown_host = true;
			if (notes && ev->file) {
				char note[1400];
				snprintf(note, sizeof note,
				         "%.700s names no host and no file of its collection names one: its "
				         "events are counted as of an unknown host; --assume-host PATH=NAME "
				         "names it",
				         ev->file);
				bt_strset_add(notes, note);
			}
		}
		int w = snprintf(key + kl, n - kl, "%s%s", i ? "\x1f" : "", v);
		if (w < 0 || (size_t)w >= n - kl)
			return false;
		kl += (size_t)w;
		w = snprintf(display + dl, dn - dl, "%s%s=%s", i ? ", " : "", gb,
		             unknown_host ? "unknown" : link ? link->host : v);
		if (w > 0 && (size_t)w < dn - dl)
			dl += (size_t)w;
		if (notes && strcmp(field, "Hypervisor") == 0 && ev->source != BT_SOURCE_ESXI) {
			const struct bt_vmlink *vl = bt_hostmap_vm_host(c->o.hosts, ev->host);
			if (vl) {
				char note[1400];
				snprintf(note, sizeof note, "%.200s ran as the VM %.200s on %.200s (%s, %.700s)",
				         ev->host, vl->display ? vl->display : vl->vm, vl->host, vl->how,
				         vl->evidence);
				bt_strset_add(notes, note);
			}
		}
		if (link && notes) {
			char ipbuf[BT_IP_BUFSZ], note[1400];
			bt_ip_format(&link->ip, ipbuf);
			snprintf(note, sizeof note, "%s was %s (learned from %s, %s)", ipbuf, link->host,
			         bt_hostlink_how_str(link->how), link->evidence);
			bt_strset_add(notes, note);
		}
	}
	return true;
}

static void sweep(struct bt_correlator *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct corr *k = &c->v[i];
		for (size_t b = 0; b < k->nbuckets; b++) {
			struct group **pp = &k->buckets[b];
			while (*pp) {
				struct group *g = *pp;
				expire(c, k, g, c->now);
				if (!g->open && g->head == g->n) {
					*pp = g->next;
					held_add(c, g->bytes, false);
					group_free(g);
					k->ngroups--;
				} else {
					pp = &g->next;
				}
			}
		}
	}
}

static bool refset_has(const struct refset *set, unsigned rule)
{
	for (size_t y = 0; y < set->n; y++)
		if (set->rules[y] == rule)
			return true;
	return false;
}

/* absent, rare_value: the event goes to the judgement at the end, under
 * every listed position its rule stands in (the judged position first). */
static void feed_baseline(struct bt_correlator *c, struct corr *k, unsigned rule,
                          struct bt_evidence *e)
{
	if (refset_has(&k->witness, rule))
		bt_baseline_witness(k->base, e->ev);
	for (unsigned pos = 0; pos < k->nrefs; pos++) {
		if (!refset_has(&k->refs[pos], rule))
			continue;
		char key[KEY_MAX], display[KEY_MAX], value[256];
		if (!group_key(c, k, rule, e->ev, key, sizeof key, display, sizeof display, NULL))
			continue;
		if (k->def->type == BT_CORR_RARE_VALUE &&
		    !bt_correlate_exact_value(e->ev, k->def->value_field, value, sizeof value))
			continue;
		bt_baseline_feed(k->base, e, c->fed + 1, pos, key, display,
		                 k->def->type == BT_CORR_RARE_VALUE ? value : NULL);
	}
}

static void baseline_finish(void *ctx, struct bt_finding *f)
{
	struct corr_emit *ce = ctx;
	finish_common(ce->c, ce->k, f);
}

static void baseline_emit(void *ctx, struct bt_finding *f)
{
	struct corr_emit *ce = ctx;
	if (ce->c->o.emit)
		ce->c->o.emit(ce->c->o.emit_ctx, f);
	else
		bt_finding_free(f);
}

void bt_correlator_feed(struct bt_correlator *c, struct bt_evidence *e)
{
	int64_t t = e->ev->time;
	if (t == BT_TIME_NONE)
		return;  /* no place in a time window */
	if (t > c->now)
		c->now = t;
	for (size_t r = 0; r < e->nrules; r++) {
		unsigned rule = e->rules[r];
		if (rule >= c->nrules)
			continue;
		for (size_t x = 0; x < c->by_rule[rule].n; x++) {
			struct corr *k = &c->v[c->by_rule[rule].corr[x]];
			if (k->base) {
				feed_baseline(c, k, rule, e);
				continue;
			}
			for (unsigned pos = 0; pos < k->nrefs; pos++) {
				bool in_set = false;
				for (size_t y = 0; y < k->refs[pos].n && !in_set; y++)
					in_set = k->refs[pos].rules[y] == rule;
				if (!in_set)
					continue;
				char key[KEY_MAX], display[KEY_MAX];
				struct bt_strset notes = {0};
				if (!group_key(c, k, rule, e->ev, key, sizeof key, display, sizeof display, &notes)) {
					bt_strset_free(&notes);
					continue;
				}
				char value[256];
				bool has_value = k->def->type == BT_CORR_VALUE_COUNT && k->def->field &&
				                 bt_correlate_value(e->ev, k->def->field, c->o.hosts, value,
				                                    sizeof value, NULL);
				if (k->def->type == BT_CORR_VALUE_COUNT && !has_value) {
					bt_strset_free(&notes);
					continue;
				}
				struct group *g = group_get(c, k, key, display);
				if (!g) {
					bt_strset_free(&notes);
					continue;
				}
				for (size_t i = 0; i < notes.n; i++)
					bt_strset_add(&g->notes, notes.v[i]);
				bt_strset_free(&notes);
				expire(c, k, g, t);
				if (!push_member(c, k, g, e, pos, has_value ? value : NULL))
					continue;
				if (!condition(k, g))
					continue;
				if (!g->open) {
					if (!(g->open = bt_finding_new()))
						continue;
					g->added_seq = 0;
				}
				add_window(g);
				g->open_last = t;
			}
		}
	}
	/* lapsed groups are swept out now and then: after as many events as
	 * there are groups, so that sweeping costs O(1) per event */
	if (++c->fed - c->swept_at >= SWEEP_EVERY) {
		size_t groups = 0;
		for (size_t i = 0; i < c->n; i++)
			groups += c->v[i].ngroups;
		if (c->fed - c->swept_at >= groups) {
			sweep(c);
			c->swept_at = c->fed;
		}
	}
}

void bt_correlator_flush(struct bt_correlator *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct corr *k = &c->v[i];
		if (k->ungrouped)
			bt_diagf(&c->o.diag, BT_DIAG_NOTE, k->info->sigma->file,
			         "correlation '%s': %llu events of its rules have no %s and take no part",
			         k->info->sigma->title ? k->info->sigma->title : "?",
			         (unsigned long long)k->ungrouped, k->missing);
		for (size_t b = 0; b < k->nbuckets; b++)
			for (struct group *g = k->buckets[b]; g; g = g->next)
				if (g->open)
					close_match(c, k, g);
		if (k->base) {
			struct corr_emit ce = {c, k};
			struct bt_baseline_emit out = {baseline_finish, baseline_emit, &ce};
			uint64_t unjudged = bt_baseline_flush(k->base, c->o.coverage, &out);
			if (unjudged)
				bt_diagf(&c->o.diag, BT_DIAG_NOTE, k->info->sigma->file,
				         "correlation '%s': %llu event%s not judged: %s",
				         k->info->sigma->title ? k->info->sigma->title : "?",
				         (unsigned long long)unjudged, unjudged == 1 ? "" : "s",
				         c->o.coverage ? "a log that would hold an explaining event does not "
				                         "reach back from it far enough"
				                       : "--event-id, --channel or --provider leave out events "
				                         "that could explain it");
		}
	}
}

struct facts_ctx {
	const struct bt_rule_info *rule;
	void (*cb)(void *ctx, const struct bt_rule_info *rule, const struct bt_baseline_fact *f);
	void *ctx;
};

static void fact_of(void *ctx, const struct bt_baseline_fact *f)
{
	struct facts_ctx *fc = ctx;
	fc->cb(fc->ctx, fc->rule, f);
}

void bt_correlator_facts(const struct bt_correlator *c,
                         void (*cb)(void *ctx, const struct bt_rule_info *rule,
                                    const struct bt_baseline_fact *f),
                         void *ctx)
{
	for (size_t i = 0; i < c->n; i++) {
		if (!c->v[i].base)
			continue;
		struct facts_ctx fc = {c->v[i].info, cb, ctx};
		bt_baseline_facts(c->v[i].base, fact_of, &fc);
	}
}
