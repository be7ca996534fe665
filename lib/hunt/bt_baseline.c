/* absent and rare_value: judged at the end against the whole evidence. */
#include "config.h"

#include "hunt/bt_baseline.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bt_array.h"
#include "core/bt_bytes.h"
#include "hunt/bt_hostmap.h"

/* ---- groups: a string-keyed hash table ---- */

struct pend {                 /* absent: a judged event nothing explained yet */
	struct bt_evidence *e;    /* NULL past BT_BASELINE_MAX_KEPT (counted only) */
	bt_time t;
	uint64_t seq;
};

struct rval {                 /* rare_value: one value of a group */
	struct rval *next;
	uint64_t n, judged;
	uint64_t last_judged_seq;
	struct bt_evidence **kept;
	size_t nkept, cap;
	char *first_file;         /* where the value was first seen: record or line */
	uint64_t first_record, first_line;
	char v[];
};

struct group {
	struct group *next;
	char *key, *display;
	/* absent */
	char host[256];           /* the judged events' host (a group by Host) */
	bt_time last_expl, prev_expl;
	uint64_t last_expl_seq;   /* feed sequence of the latest explaining event */
	/* absent with history: what the group's history holds, for listing */
	uint64_t learned;         /* its explaining events */
	bt_time first_expl;       /* the earliest explaining event */
	bt_time first_seen, last_seen;
	char *first_file;
	uint64_t first_record, first_line;
	struct pend *p;
	size_t np, cap, nkept;
	/* rare_value */
	struct rval *vals;
	uint64_t total;
	uint64_t last_seq;        /* of the last event counted */
};

struct witness {
	char host[256];           /* bt_host_key form */
	char channel[128];
};

struct bt_baseline {
	const struct bt_sigma_correlation *def;
	int64_t span, skew;
	int64_t history;          /* absent: the witness logs' reach a full judgement needs */
	bt_time until;            /* judged events before it are history only */
	bool by_host;
	char judged[256], explaining[1024];   /* what the rules stand for, for summaries */
	struct group **buckets;
	size_t nbuckets, ngroups;
	struct witness *w;
	size_t nw, wcap;
};

struct bt_baseline *bt_baseline_new(const struct bt_sigma_correlation *def, int64_t span,
                                    bool by_host, const char *judged, const char *explaining)
{
	struct bt_baseline *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	snprintf(b->judged, sizeof b->judged, "%s", judged);
	snprintf(b->explaining, sizeof b->explaining, "%s", explaining);
	b->def = def;
	b->span = span;
	b->skew = (int64_t)def->skew_sec * BT_TICKS_PER_SEC;
	b->by_host = by_host;
	b->history = def->history_sec ? (int64_t)def->history_sec * BT_TICKS_PER_SEC : span;
	b->until = BT_TIME_NONE;
	return b;
}

void bt_baseline_learn_until(struct bt_baseline *b, bt_time until)
{
	b->until = until;
}

static void group_free(struct group *g)
{
	for (size_t i = 0; i < g->np; i++)
		if (g->p[i].e)
			bt_evidence_free(g->p[i].e);
	free(g->p);
	for (struct rval *v = g->vals, *nx; v; v = nx) {
		nx = v->next;
		for (size_t i = 0; i < v->nkept; i++)
			bt_evidence_free(v->kept[i]);
		free(v->kept);
		free(v->first_file);
		free(v);
	}
	free(g->first_file);
	free(g->key);
	free(g->display);
	free(g);
}

void bt_baseline_free(struct bt_baseline *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nbuckets; i++)
		for (struct group *g = b->buckets[i], *nx; g; g = nx) {
			nx = g->next;
			group_free(g);
		}
	free(b->buckets);
	free(b->w);
	free(b);
}

static struct group *group_get(struct bt_baseline *b, const char *key, const char *display)
{
	if (b->ngroups >= b->nbuckets) {
		size_t nb = b->nbuckets ? b->nbuckets * 2 : 256;
		struct group **nt = calloc(nb, sizeof *nt);
		if (!nt && !b->nbuckets)
			return NULL;
		if (nt) {
			for (size_t i = 0; i < b->nbuckets; i++)
				for (struct group *g = b->buckets[i], *nx; g; g = nx) {
					nx = g->next;
					size_t h = bt_hash_str(g->key) & (nb - 1);
					g->next = nt[h];
					nt[h] = g;
				}
			free(b->buckets);
			b->buckets = nt;
			b->nbuckets = nb;
		}
	}
	size_t h = bt_hash_str(key) & (b->nbuckets - 1);
	for (struct group *g = b->buckets[h]; g; g = g->next)
		if (strcmp(g->key, key) == 0)
			return g;
	struct group *g = calloc(1, sizeof *g);
	if (!g || !(g->key = strdup(key)) || !(g->display = strdup(display))) {
		if (g)
			free(g->key);
		free(g);
		return NULL;
	}
	g->last_expl = g->prev_expl = BT_TIME_NONE;
	g->first_seen = g->last_seen = g->first_expl = BT_TIME_NONE;
	g->next = b->buckets[h];
	b->buckets[h] = g;
	b->ngroups++;
	return g;
}

/* ---- feeding ---- */

/* absent with history: the group's history as `boxtrail baseline` lists it */
static void learn(struct group *g, const struct bt_evidence *e)
{
	bt_time t = e->ev->time;
	if (!g->learned++ || t < g->first_seen) {
		g->first_seen = t;
		free(g->first_file);
		g->first_file = e->ev->file ? strdup(e->ev->file) : NULL;
		g->first_record = e->ev->record_id;
		g->first_line = e->ev->line;
	}
	if (g->last_seen == BT_TIME_NONE || t > g->last_seen)
		g->last_seen = t;
}

static void absent_feed(struct bt_baseline *b, struct group *g, struct bt_evidence *e,
                        uint64_t seq, unsigned pos)
{
	bt_time t = e->ev->time;
	if (pos > 0) {
		/* an explaining event: it explains what came up to skew before it
		 * (a suffix of the pending list), and what comes within span after */
		if (g->last_expl_seq != seq) {
			g->prev_expl = g->last_expl;
			g->last_expl = t;
			g->last_expl_seq = seq;
			if (b->def->history_sec && (b->until == BT_TIME_NONE || t < b->until))
				learn(g, e);
		}
		if (g->first_expl == BT_TIME_NONE)
			g->first_expl = t;
		/* with history, an event explains only what comes after it (below) */
		while (!b->def->history_sec && g->np && g->p[g->np - 1].seq != seq &&
		       g->p[g->np - 1].t + b->skew >= t) {
			struct pend *p = &g->p[--g->np];
			if (p->e) {
				bt_evidence_free(p->e);
				g->nkept--;
			}
		}
		return;
	}
	/* before --baseline-until: history, learned (as explaining) but not judged */
	if (b->until != BT_TIME_NONE && t < b->until)
		return;
	/* a judged event: explained by an earlier explaining event (not itself) */
	bt_time before = g->last_expl_seq == seq ? g->prev_expl : g->last_expl;
	if (b->def->history_sec) {
		/* within skew of the first sight it is the same first sight (one
		 * start in sudo's line, Sysmon and Docker's events, by their
		 * clocks), unless that sight was history */
		if (g->first_expl != BT_TIME_NONE &&
		    (g->first_expl + b->skew < t || (b->until != BT_TIME_NONE && g->first_expl < b->until)))
			return;
	} else if (before != BT_TIME_NONE && before >= t - b->span) {
		return;
	}
	if (!bt_array_reserve(&g->p, &g->cap, g->np, sizeof *g->p, 8))
		return;
	struct pend *p = &g->p[g->np++];
	p->t = t;
	p->seq = seq;
	p->e = g->nkept < BT_BASELINE_MAX_KEPT ? bt_evidence_ref(e) : NULL;
	if (p->e)
		g->nkept++;
	if (b->by_host && !g->host[0] && e->ev->host)
		bt_host_key(e->ev->host, g->host, sizeof g->host);
}

static void rare_feed(struct group *g, struct bt_evidence *e, uint64_t seq, unsigned pos,
                      const char *value, bt_time until)
{
	size_t len = strlen(value);
	struct rval *v = g->vals;
	while (v && strcmp(v->v, value) != 0)
		v = v->next;
	if (!v) {
		if (!(v = calloc(1, sizeof *v + len + 1)))
			return;
		memcpy(v->v, value, len + 1);
		if (e->ev->file)
			v->first_file = strdup(e->ev->file);
		v->first_record = e->ev->record_id;
		v->first_line = e->ev->line;
		v->next = g->vals;
		g->vals = v;
	}
	/* one event listed under several positions counts once */
	if (g->last_seq != seq) {
		g->last_seq = seq;
		g->total++;
		v->n++;
	}
	if (pos == 0 && v->last_judged_seq != seq && (until == BT_TIME_NONE || e->ev->time >= until)) {
		v->last_judged_seq = seq;
		v->judged++;
		if (v->nkept < BT_BASELINE_MAX_KEPT &&
		    bt_array_reserve(&v->kept, &v->cap, v->nkept, sizeof *v->kept, 4))
			v->kept[v->nkept++] = bt_evidence_ref(e);
	}
}

void bt_baseline_feed(struct bt_baseline *b, struct bt_evidence *e, uint64_t seq, unsigned pos,
                      const char *key, const char *display, const char *value)
{
	if (e->ev->time == BT_TIME_NONE)
		return;
	struct group *g = group_get(b, key, display);
	if (!g)
		return;
	if (b->def->type == BT_CORR_ABSENT)
		absent_feed(b, g, e, seq, pos);
	else if (value)
		rare_feed(g, e, seq, pos, value, b->until);
}

void bt_baseline_witness(struct bt_baseline *b, const struct bt_event *ev)
{
	if (!ev->host || !*ev->host || !ev->channel)
		return;
	char key[256];
	bt_host_key(ev->host, key, sizeof key);
	for (size_t i = 0; i < b->nw; i++)
		if (strcmp(b->w[i].host, key) == 0 && strcasecmp(b->w[i].channel, ev->channel) == 0)
			return;
	if (!bt_array_reserve(&b->w, &b->wcap, b->nw, sizeof *b->w, 4))
		return;
	struct witness *w = &b->w[b->nw++];
	snprintf(w->host, sizeof w->host, "%s", key);
	snprintf(w->channel, sizeof w->channel, "%s", ev->channel);
}

/* ---- judging ---- */

static void fmt_span(char *buf, size_t n, int64_t ticks)
{
	int64_t s = ticks / BT_TICKS_PER_SEC;
	if (s >= 86400 && s % 86400 == 0)
		snprintf(buf, n, "%lldd", (long long)(s / 86400));
	else if (s >= 3600 && s % 3600 == 0)
		snprintf(buf, n, "%lldh", (long long)(s / 3600));
	else if (s >= 3600)
		snprintf(buf, n, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, n, "%lldm", (long long)(s / 60));
	else
		snprintf(buf, n, "%llds", (long long)s);
}

enum cover { COVER_FULL, COVER_PART, COVER_NONE };

struct cover_why {
	const struct witness *w;  /* the witness reaching back least */
	int64_t reach;            /* how far back from t it covers */
	const char *file;
	size_t nwitness;
	bt_time t;                /* the judged event */
	bt_time earliest;         /* history: where the baseline period begins */
	bool gaps;                /* history: the logs leave time out of it */
};

static enum cover judge_cover(const struct bt_baseline *b, const struct group *g,
                              const struct bt_coverage *cov, bt_time t, struct cover_why *why)
{
	memset(why, 0, sizeof *why);
	why->reach = INT64_MAX;
	why->t = t;
	for (size_t i = 0; i < b->nw; i++) {
		const struct witness *w = &b->w[i];
		if (b->by_host && strcmp(w->host, g->host) != 0)
			continue;
		why->nwitness++;
		const char *file = NULL;
		bt_time since = cov ? bt_coverage_since(cov, w->host, w->channel, t, &file) : BT_TIME_NONE;
		/* a log that begins with the event shows nothing before it; with
		 * history, other spans of it (an earlier case) may */
		if (since == BT_TIME_NONE || (since >= t && !b->def->history_sec)) {
			why->w = w;
			why->reach = -1;
			why->file = NULL;
			return COVER_NONE;
		}
		int64_t reach = t - since;
		bt_time earliest = since;
		bool gaps = false;
		if (b->def->history_sec) {
			/* the history before the event (or --baseline-until): every
			 * span of the log, the evidence of earlier cases too */
			bt_time end = b->until != BT_TIME_NONE && b->until < t ? b->until : t;
			reach = bt_coverage_history(cov, w->host, w->channel, end, &earliest, &file, &gaps);
			if (reach <= 0) {
				why->w = w;
				why->reach = -1;
				why->file = NULL;
				return COVER_NONE;
			}
		}
		if (reach < why->reach) {
			why->reach = reach;
			why->w = w;
			why->file = file;
			why->earliest = earliest;
			why->gaps = gaps;
		}
	}
	if (!why->nwitness)
		return COVER_NONE;
	return why->reach >= b->history ? COVER_FULL : COVER_PART;
}

/* absent with history: the baseline period and the logs it rests on */
static void history_note(const struct bt_baseline *b, struct bt_finding *f, enum cover c,
                         const struct cover_why *why, const char *names)
{
	char need[32], reach[32], from[BT_TIME_BUFSZ], to[BT_TIME_BUFSZ], note[2600];
	fmt_span(need, sizeof need, b->history);
	bt_time end = b->until != BT_TIME_NONE && b->until < why->t ? b->until : why->t;
	bt_time since = why->earliest != BT_TIME_NONE ? why->earliest : end;
	snprintf(reach, sizeof reach, "%.1f days%s",
	         (double)(why->reach > 0 ? why->reach : 0) / (86400.0 * BT_TICKS_PER_SEC),
	         why->gaps ? " of log, with gaps" : "");
	bt_time_format(since, from);
	bt_time_format(end, to);
	if (c == COVER_FULL)
		snprintf(note, sizeof note,
		         "baseline %s to %s (%s%s, from %.500s): no earlier %.1023s in it; the logs it "
		         "rests on: %s", from, to, reach,
		         b->until != BT_TIME_NONE && b->until < why->t ? ", to --baseline-until" : "",
		         why->file ? why->file : "?", b->explaining, names);
	else
		snprintf(note, sizeof note,
		         "weaker: a short baseline: %s to %s (%s, %s's %s log from %.500s), less than "
		         "the %s a host's baseline needs to mean much: what is new here may be routine "
		         "the evidence is too short to show",
		         from, to, reach, why->w->host, why->w->channel, why->file ? why->file : "?",
		         need);
	bt_strset_add(&f->notes, note);
}

static void absent_note(const struct bt_baseline *b, const struct group *g, struct bt_finding *f,
                        enum cover c, const struct cover_why *why)
{
	char span[32], reach[32], note[1400];
	fmt_span(span, sizeof span, b->span);
	if (b->def->history_sec) {
		char names[600];
		size_t len = 0, shown = 0;
		names[0] = '\0';
		for (size_t i = 0; i < b->nw && len < sizeof names && shown < 4; i++) {
			if (b->by_host && strcmp(b->w[i].host, g->host) != 0)
				continue;
			int w = snprintf(names + len, sizeof names - len, "%s%s's %s", shown ? ", " : "",
			                 b->w[i].host, b->w[i].channel);
			if (w < 0)
				break;
			len += (size_t)w;
			shown++;
		}
		history_note(b, f, c, why, names);
		return;
	}
	if (c == COVER_FULL) {
		/* name the witness logs: the hosts whose silence is the finding */
		char names[600];
		size_t len = 0, shown = 0;
		names[0] = '\0';
		for (size_t i = 0; i < b->nw && len < sizeof names; i++) {
			if (b->by_host && strcmp(b->w[i].host, g->host) != 0)
				continue;
			int w = shown < 4 ? snprintf(names + len, sizeof names - len, "%s%s's %s",
			                             shown ? ", " : "", b->w[i].host, b->w[i].channel)
			                  : snprintf(names + len, sizeof names - len, " and %zu more",
			                             why->nwitness - shown);
			if (w < 0)
				break;
			len += (size_t)w;
			if (++shown > 4)
				break;
		}
		snprintf(note, sizeof note,
		         "the logs that would hold an explaining event (%s) cover the %s before it", names,
		         span);
	} else {
		fmt_span(reach, sizeof reach, why->reach);
		snprintf(note, sizeof note,
		         "weaker: %s's %s log reaches back only %s before the first event (%.600s), not the "
		         "%s an explaining event may lie in: it may be in what the evidence lacks",
		         why->w->host, why->w->channel, reach, why->file ? why->file : "?", span);
	}
	bt_strset_add(&f->notes, note);
}

static void absent_close(const struct bt_baseline *b, const struct group *g, struct bt_finding *f,
                         enum cover c, const struct cover_why *why,
                         const struct bt_baseline_emit *out)
{
	out->finish(out->ctx, f);
	absent_note(b, g, f, c, why);
	/* informational (shown with --min-level informational): the first hours
	 * of every log shorter than the span hold tickets whose TGT came before
	 * the log began */
	if (c == COVER_PART)
		f->severity = BT_SEV_INFORMATIONAL;
	char span[32], buf[1024];
	fmt_span(span, sizeof span, b->span);
	if (b->def->history_sec)
		snprintf(buf, sizeof buf, "first in the host's history: %s (%llu event%s)%s", g->display,
		         (unsigned long long)f->evidence_total, f->evidence_total == 1 ? "" : "s",
		         c == COVER_PART ? "; the baseline is short" : "");
	else
		snprintf(buf, sizeof buf, "%llu event%s of %.200s with no %.300s within %s before (%s)%s",
		         (unsigned long long)f->evidence_total, f->evidence_total == 1 ? "" : "s",
		         b->judged, b->explaining, span, g->display,
		         c == COVER_PART ? "; the logs cover only part of that time" : "");
	bt_strdup_to(&f->summary, buf);
	out->emit(out->ctx, f);
}

static uint64_t absent_flush(struct bt_baseline *b, struct group *g, const struct bt_coverage *cov,
                             const struct bt_baseline_emit *out)
{
	uint64_t unjudged = 0;
	struct bt_finding *f = NULL;
	enum cover fc = COVER_NONE;
	struct cover_why fwhy;
	bt_time last = BT_TIME_NONE;
	for (size_t i = 0; i < g->np; i++) {
		struct pend *p = &g->p[i];
		struct cover_why why;
		enum cover c = judge_cover(b, g, cov, p->t, &why);
		if (c == COVER_NONE || (c == COVER_PART && b->def->partial_skip)) {
			unjudged++;
			continue;
		}
		/* a run of events of one coverage, each within span of the last,
		 * is one finding */
		if (f && (c != fc || p->t - last > b->span)) {
			absent_close(b, g, f, fc, &fwhy, out);
			f = NULL;
		}
		if (!f) {
			if (!(f = bt_finding_new()))
				continue;
			fc = c;
			fwhy = why;
		}
		if (p->e) {
			bt_finding_add_evidence(f, p->e);
		} else {
			f->evidence_total++;
			if (p->t > f->last)
				f->last = p->t;
		}
		last = p->t;
	}
	if (f)
		absent_close(b, g, f, fc, &fwhy, out);
	return unjudged;
}

static const struct rval *usual_of(const struct group *g);

static void rare_flush(struct bt_baseline *b, struct group *g, const struct bt_baseline_emit *out)
{
	const struct rval *usual = usual_of(g);
	if (!usual || usual->n < b->def->baseline)
		return;
	for (struct rval *v = g->vals; v; v = v->next) {
		if (v == usual || !v->judged || v->n * 100 > (uint64_t)b->def->share_pct * g->total)
			continue;
		struct bt_finding *f = bt_finding_new();
		if (!f)
			return;
		for (size_t i = 0; i < v->nkept; i++)
			bt_finding_add_evidence(f, v->kept[i]);
		f->evidence_total += v->judged - v->nkept;
		out->finish(out->ctx, f);
		char buf[1024], note[1400];
		snprintf(buf, sizeof buf, "%s %.200s in %llu of %llu events (%s); usual: %.200s in %llu",
		         b->def->value_field, v->v, (unsigned long long)v->n,
		         (unsigned long long)g->total, g->display, usual->v, (unsigned long long)usual->n);
		bt_strdup_to(&f->summary, buf);
		snprintf(note, sizeof note,
		         "learned from the evidence: %s shows %s %.200s in %llu of %llu events, first in "
		         "%.600s %s %" PRIu64,
		         g->display, b->def->value_field, usual->v, (unsigned long long)usual->n,
		         (unsigned long long)g->total, usual->first_file ? usual->first_file : "?",
		         usual->first_record ? "record" : "line",
		         usual->first_record ? usual->first_record : usual->first_line);
		bt_strset_add(&f->notes, note);
		out->emit(out->ctx, f);
	}
}

uint64_t bt_baseline_flush(struct bt_baseline *b, const struct bt_coverage *cov,
                           const struct bt_baseline_emit *out)
{
	uint64_t unjudged = 0;
	for (size_t i = 0; i < b->nbuckets; i++)
		for (struct group *g = b->buckets[i]; g; g = g->next) {
			if (b->def->type == BT_CORR_ABSENT)
				unjudged += absent_flush(b, g, cov, out);
			else
				rare_flush(b, g, out);
		}
	return unjudged;
}

static const struct rval *usual_of(const struct group *g)
{
	const struct rval *usual = NULL;
	for (const struct rval *v = g->vals; v; v = v->next)
		if (!usual || v->n > usual->n || (v->n == usual->n && strcmp(v->v, usual->v) < 0))
			usual = v;
	return usual;
}

void bt_baseline_facts(const struct bt_baseline *b,
                       void (*cb)(void *ctx, const struct bt_baseline_fact *f), void *ctx)
{
	for (size_t i = 0; i < b->nw; i++) {
		struct bt_baseline_fact f = {.witness = true, .host = b->w[i].host,
		                             .channel = b->w[i].channel};
		cb(ctx, &f);
	}
	if (b->def->type == BT_CORR_ABSENT && b->def->history_sec) {
		for (size_t i = 0; i < b->nbuckets; i++)
			for (const struct group *g = b->buckets[i]; g; g = g->next) {
				if (!g->learned)
					continue;
				struct bt_baseline_fact f = {.seen = true, .group = g->display,
				                             .count = g->learned, .first = g->first_seen,
				                             .last = g->last_seen, .first_file = g->first_file,
				                             .first_record = g->first_record,
				                             .first_line = g->first_line};
				cb(ctx, &f);
			}
		return;
	}
	if (b->def->type != BT_CORR_RARE_VALUE)
		return;
	for (size_t i = 0; i < b->nbuckets; i++)
		for (const struct group *g = b->buckets[i]; g; g = g->next) {
			const struct rval *usual = usual_of(g);
			for (const struct rval *v = g->vals; v; v = v->next) {
				struct bt_baseline_fact f = {.group = g->display, .field = b->def->value_field,
				                             .value = v->v, .count = v->n, .total = g->total,
				                             .usual = v == usual, .first_file = v->first_file,
				                             .first_record = v->first_record,
				                             .first_line = v->first_line};
				cb(ctx, &f);
			}
		}
}
