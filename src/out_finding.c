/* Output of findings: the text timeline, JSON Lines, CSV and Timesketch. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hunt/bt_finding.h"
#include "csv_writer.h"
#include "escape.h"
#include "json_writer.h"
#include "output.h"

static void put_time(struct bt_buf *b, const struct out_opts *o, bt_time t)
{
	char buf[OUT_TIME_BUFSZ];
	bt_buf_put(b, buf, out_time_format(o, t, buf));
}

static void json_strset(struct jw *w, const struct bt_strset *s)
{
	jw_str_array(w, (const char *const *)s->v, s->n);
}

static void json_prov(struct jw *w, const struct bt_prov *p)
{
	jw_object(w);
	jw_key(w, "file");
	jw_strz(w, p->file);
	jw_key(w, "record_id");
	jw_u64_or_null(w, !p->line, p->record_id);
	jw_key(w, "line");
	jw_u64_or_null(w, p->line != 0, p->line);
	jw_key(w, "offset");
	jw_u64(w, p->offset);
	jw_key(w, "recovered");
	jw_bool(w, p->recovered);
	jw_object_end(w);
}

static void json_evidence(struct jw *w, const struct bt_evidence *h)
{
	jw_object(w);
	out_event_head_jw(w, h->ev);
	jw_key(w, "copies");
	jw_array(w);
	for (size_t i = 0; i < h->ncopies; i++)
		json_prov(w, &h->copies[i]);
	jw_array_end(w);
	jw_key(w, "more_copies");
	jw_u64(w, h->more_copies);
	jw_key(w, "fields");
	out_event_fields_jw(w, h->ev, false);
	jw_object_end(w);
}

/* The rules a finding stands for: the merged ones, or its own. */
static void json_rules(struct jw *w, const struct bt_finding *f, bool flat)
{
	struct bt_finding_rule own = {f->rule_id, f->rule_title, f->rule_level, f->evidence_total, 0};
	const struct bt_finding_rule *r = f->nrules ? f->rules : &own;
	size_t n = f->nrules ? f->nrules : 1;
	if (flat) {
		struct bt_buf ids = BT_BUF_INIT;
		for (size_t i = 0; i < n; i++) {
			if (i)
				bt_buf_putc(&ids, ' ');
			bt_buf_puts(&ids, r[i].id ? r[i].id : "?");
		}
		jw_str(w, ids.p ? ids.p : "", ids.n);
		bt_buf_free(&ids);
		return;
	}
	jw_array(w);
	for (size_t i = 0; i < n; i++) {
		jw_object(w);
		jw_key(w, "id");
		jw_strz(w, r[i].id);
		jw_key(w, "title");
		jw_strz(w, r[i].title);
		jw_key(w, "level");
		jw_strz(w, r[i].level);
		jw_key(w, "records");
		jw_u64(w, r[i].records);
		jw_key(w, "same_records_as");
		jw_strz(w, r[i].group != i ? r[r[i].group].id : NULL);
		jw_object_end(w);
	}
	jw_array_end(w);
}

/* The members every machine format shares, in the object being written;
 * flat (Timesketch) without nested objects. */
static void json_finding_members(struct jw *w, const struct bt_finding *f, bool flat)
{
	jw_key(w, "schema");
	jw_strz(w, OUT_FINDING_SCHEMA);
	jw_key(w, "time");
	jw_time(w, f->first);
	jw_key(w, "end");
	jw_time(w, f->last);
	jw_key(w, "severity");
	jw_strz(w, bt_severity_name(f->severity));
	jw_key(w, "severity_raised");
	jw_bool(w, f->raised);
	jw_key(w, "kind");
	jw_strz(w, f->kind);
	jw_key(w, "correlation_type");
	jw_strz(w, f->correlation_type);
	if (flat) {
		jw_key(w, "rule_id");
		jw_strz(w, f->rule_id);
		jw_key(w, "rule_title");
		jw_strz(w, f->rule_title);
		jw_key(w, "rule_level");
		jw_strz(w, f->rule_level);
	} else {
		jw_key(w, "rule");
		jw_object(w);
		jw_key(w, "id");
		jw_strz(w, f->rule_id);
		jw_key(w, "title");
		jw_strz(w, f->rule_title);
		jw_key(w, "level");
		jw_strz(w, f->rule_level);
		jw_key(w, "file");
		jw_strz(w, f->rule_file);
		jw_object_end(w);
	}
	if (flat)
		jw_key(w, "rule_ids");
	else
		jw_key(w, "rules");
	json_rules(w, f, flat);
	jw_key(w, "techniques");
	json_strset(w, &f->techniques);
	jw_key(w, "hosts");
	json_strset(w, &f->hosts);
	if (flat) {
		jw_key(w, "container_id");
		jw_strz(w, f->container_id);
		jw_key(w, "container_name");
		jw_strz(w, f->container_name);
	} else {
		jw_key(w, "container");
		if (f->container_id || f->container_name) {
			jw_object(w);
			jw_key(w, "id");
			jw_strz(w, f->container_id);
			jw_key(w, "name");
			jw_strz(w, f->container_name);
			jw_object_end(w);
		} else {
			jw_null(w);
		}
	}
	jw_key(w, "account");
	jw_strz(w, f->account);
	jw_key(w, "summary");
	jw_strz(w, f->summary);
	jw_key(w, "notes");
	json_strset(w, &f->notes);
	jw_key(w, "sources");
	json_strset(w, &f->sources);
	jw_key(w, "evidence_count");
	jw_u64(w, f->evidence_total);
}

static void finding_jsonl(struct bt_buf *b, const struct bt_finding *f)
{
	struct jw w;
	jw_init(&w, b);
	jw_object(&w);
	json_finding_members(&w, f, false);
	jw_key(&w, "evidence");
	jw_array(&w);
	for (size_t i = 0; i < f->nevidence; i++)
		json_evidence(&w, f->evidence[i]);
	jw_array_end(&w);
	jw_object_end(&w);
	bt_buf_putc(b, '\n');
}

/* Where an evidence event is: "FILE#RECORD" (EVTX) or "FILE:LINE". */
static void put_evidence_ref(struct bt_buf *b, const struct bt_prov *p)
{
	bt_buf_puts(b, p->file ? p->file : "-");
	if (p->line)
		bt_buf_printf(b, ":%llu", (unsigned long long)p->line);
	else
		bt_buf_printf(b, "#%llu", (unsigned long long)p->record_id);
}

/* Timesketch: message, datetime and timestamp_desc, plus flat finding fields. */
static void finding_timesketch(struct bt_buf *b, const struct bt_finding *f)
{
	struct jw w;
	jw_init(&w, b);
	jw_object(&w);
	struct bt_buf msg = BT_BUF_INIT;
	bt_buf_printf(&msg, "[%s] %s", bt_severity_name(f->severity),
	              f->rule_title ? f->rule_title : "?");
	if (f->summary)
		bt_buf_printf(&msg, ": %s", f->summary);
	jw_key(&w, "message");
	jw_str(&w, msg.p ? msg.p : "", msg.n);
	bt_buf_free(&msg);
	jw_key(&w, "datetime");
	jw_time(&w, f->first);
	jw_key(&w, "timestamp_desc");
	jw_strz(&w, "Finding start");
	jw_key(&w, "tag");
	jw_array(&w);
	jw_strz(&w, "boxtrail");
	jw_strz(&w, bt_severity_name(f->severity));
	jw_array_end(&w);
	json_finding_members(&w, f, true);
	jw_key(&w, "evidence_files");
	jw_array(&w);
	struct bt_buf one = BT_BUF_INIT;
	for (size_t i = 0; i < f->nevidence; i++) {
		bt_buf_reset(&one);
		put_evidence_ref(&one, &f->evidence[i]->copies[0]);
		jw_str(&w, one.p ? one.p : "", one.n);
	}
	bt_buf_free(&one);
	jw_array_end(&w);
	jw_object_end(&w);
	bt_buf_putc(b, '\n');
}

/* The columns of each CSV profile, in order. */
static const char *const csv_columns[][20] = {
	[OUT_PROFILE_DEFAULT] = {"time", "end", "severity", "kind", "rule_id", "rule_title",
	                         "techniques", "hosts", "container_id", "container_name", "account",
	                         "summary", "evidence_count", "evidence", "rules"},
	[OUT_PROFILE_MINIMAL] = {"time", "severity", "rule_title", "hosts", "account", "details"},
	[OUT_PROFILE_STANDARD] = {"time", "end", "severity", "rule_title", "techniques", "hosts",
	                          "container_name", "account", "summary", "details", "evidence",
	                          "rules"},
	[OUT_PROFILE_VERBOSE] = {"time", "end", "severity", "kind", "rule_id", "rule_title",
	                         "techniques", "hosts", "container_id", "container_name", "account",
	                         "summary", "evidence_count", "details", "evidence", "rules"},
};

/* A CSV header line; time columns name the zone when not UTC. */
static void csv_header_line(struct bt_buf *b, const struct out_opts *o, const char *const *cols)
{
	struct cw w;
	cw_init(&w, b, false);
	for (size_t i = 0; i < 20 && cols[i]; i++) {
		if (o->tz && (strcmp(cols[i], "time") == 0 || strcmp(cols[i], "end") == 0)) {
			char name[300];
			snprintf(name, sizeof name, "%s (%s)", cols[i], o->tz);
			cw_strz(&w, name);
		} else {
			cw_strz(&w, cols[i]);
		}
	}
	cw_row_end(&w);
}

void out_finding_header(struct bt_buf *b, const struct out_opts *o)
{
	out_text_header(b, o);
	if (o->format != OUT_CSV)
		return;
	if (o->profile == OUT_PROFILE_DEFAULT && !o->tz)   /* as it always was, byte for byte */
		bt_buf_puts(b, "time,end,severity,kind,rule_id,rule_title,techniques,hosts,container_id,"
		               "container_name,account,summary,evidence_count,evidence,rules\n");
	else
		csv_header_line(b, o, csv_columns[o->profile]);
}

/* The details of a finding: those of its first evidence event. */
static void finding_details(struct cw *w, const struct out_opts *o, const struct bt_finding *f)
{
	if (!f->nevidence) {
		cw_empty(w);
		return;
	}
	struct bt_buf d = BT_BUF_INIT;
	bool verbose = o->profile == OUT_PROFILE_VERBOSE;
	out_details(&d, f->evidence[0]->ev, true, verbose ? 0 : o->profile == OUT_PROFILE_MINIMAL ? 4 : 8,
	            verbose ? 0 : 200, false);
	cw_str(w, d.p ? d.p : "", d.n);
	if (d.oom)
		w->b->oom = true;
	bt_buf_free(&d);
}

static void finding_csv(struct bt_buf *b, const struct out_opts *o, const struct bt_finding *f)
{
	struct cw w;
	cw_init(&w, b, o->csv_formula_guard);
	const char *const *cols = csv_columns[o->profile];
	for (size_t c = 0; c < 20 && cols[c]; c++) {
		const char *k = cols[c];
		if (strcmp(k, "time") == 0)
			out_csv_time(&w, o, f->first);
		else if (strcmp(k, "end") == 0)
			out_csv_time(&w, o, f->last);
		else if (strcmp(k, "severity") == 0)
			cw_strz(&w, bt_severity_name(f->severity));
		else if (strcmp(k, "kind") == 0)
			cw_strz(&w, f->kind);
		else if (strcmp(k, "rule_id") == 0)
			cw_strz(&w, f->rule_id);
		else if (strcmp(k, "rule_title") == 0)
			cw_strz(&w, f->rule_title);
		else if (strcmp(k, "techniques") == 0)
			cw_join(&w, (const char *const *)f->techniques.v, f->techniques.n, " ");
		else if (strcmp(k, "hosts") == 0)
			cw_join(&w, (const char *const *)f->hosts.v, f->hosts.n, " ");
		else if (strcmp(k, "container_id") == 0)
			cw_strz(&w, f->container_id);
		else if (strcmp(k, "container_name") == 0)
			cw_strz(&w, f->container_name);
		else if (strcmp(k, "account") == 0)
			cw_strz(&w, f->account);
		else if (strcmp(k, "summary") == 0)
			cw_strz(&w, f->summary);
		else if (strcmp(k, "evidence_count") == 0)
			cw_u64(&w, f->evidence_total);
		else if (strcmp(k, "details") == 0)
			finding_details(&w, o, f);
		else if (strcmp(k, "evidence") == 0) {
			struct bt_buf ev = BT_BUF_INIT;
			for (size_t i = 0; i < f->nevidence; i++) {
				if (i)
					bt_buf_puts(&ev, "; ");
				put_evidence_ref(&ev, &f->evidence[i]->copies[0]);
			}
			cw_str(&w, ev.p ? ev.p : "", ev.n);
			if (ev.oom)
				b->oom = true;
			bt_buf_free(&ev);
		} else if (strcmp(k, "rules") == 0) {
			/* every rule the finding stands for, its own first */
			struct bt_buf ids = BT_BUF_INIT;
			for (size_t i = 0; i < f->nrules; i++) {
				if (i)
					bt_buf_putc(&ids, ' ');
				bt_buf_puts(&ids, f->rules[i].id ? f->rules[i].id : "?");
			}
			if (!f->nrules)
				bt_buf_puts(&ids, f->rule_id ? f->rule_id : "");
			cw_str(&w, ids.p ? ids.p : "", ids.n);
			if (ids.oom)
				b->oom = true;
			bt_buf_free(&ids);
		}
	}
	cw_row_end(&w);
}

/* ---- text timeline ---- */

#define TEXT_EVIDENCE_SHOWN 10   /* evidence lines per finding in text */
#define TEXT_FIELDS_SHOWN 8      /* fields per evidence line in text */
#define TEXT_VALUE_MAX 200       /* bytes of a field value in text */

static const char *sev_colour(enum bt_severity s)
{
	switch (s) {
	case BT_SEV_CRITICAL: return "\033[1;37;41m";
	case BT_SEV_HIGH: return "\033[1;31m";
	case BT_SEV_MEDIUM: return "\033[1;33m";
	case BT_SEV_LOW: return "\033[36m";
	default: return "\033[2m";
	}
}

static void text_evidence(struct bt_buf *b, const struct out_opts *o, const struct bt_evidence *h)
{
	const struct bt_event *ev = h->ev;
	const char *dim = o->color ? "\033[2m" : "", *off = o->color ? "\033[0m" : "";
	bt_buf_puts(b, "      ");
	put_time(b, o, ev->time);
	bt_buf_putc(b, ' ');
	esc_text_str(b, ev->host);
	bt_buf_putc(b, ' ');
	if (ev->source == BT_SOURCE_EVTX) {
		esc_text_str(b, ev->channel);
		bt_buf_printf(b, "/%u", (unsigned)ev->event_id);
	} else {
		esc_text_str(b, bt_source_name(ev->source));
	}
	const struct bt_prov *p = &h->copies[0];
	bt_buf_printf(b, "  %s[", dim);
	esc_text_str(b, p->file);
	if (p->line)
		bt_buf_printf(b, ":%llu", (unsigned long long)p->line);
	else
		bt_buf_printf(b, " #%llu", (unsigned long long)p->record_id);
	if (p->recovered)
		bt_buf_puts(b, " recovered");
	if (h->ncopies > 1 || h->more_copies)
		bt_buf_printf(b, " +%llu copies", (unsigned long long)(h->ncopies - 1 + h->more_copies));
	bt_buf_printf(b, "]%s\n        ", off);
	out_details(b, ev, false, TEXT_FIELDS_SHOWN, TEXT_VALUE_MAX, true);
	bt_buf_putc(b, '\n');
}

static void finding_text(struct bt_buf *b, const struct out_opts *o, const struct bt_finding *f)
{
	const char *bold = o->color ? "\033[1m" : "", *off = o->color ? "\033[0m" : "";
	put_time(b, o, f->first);
	bt_buf_putc(b, ' ');
	if (o->color)
		bt_buf_puts(b, sev_colour(f->severity));
	char sev[16];
	snprintf(sev, sizeof sev, "%-8s", bt_severity_name(f->severity));
	for (char *c = sev; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
	bt_buf_puts(b, sev);
	bt_buf_printf(b, "%s %s", off, bold);
	esc_text_str(b, f->rule_title ? f->rule_title : "?");
	bt_buf_puts(b, off);
	if (f->techniques.n) {
		bt_buf_puts(b, "  [");
		for (size_t i = 0; i < f->techniques.n; i++) {
			if (i)
				bt_buf_putc(b, ' ');
			esc_text_str(b, f->techniques.v[i]);
		}
		bt_buf_putc(b, ']');
	}
	bt_buf_putc(b, '\n');
	if (f->last != f->first && f->last != BT_TIME_NONE) {
		bt_buf_puts(b, "    until ");
		put_time(b, o, f->last);
		bt_buf_putc(b, '\n');
	}
	if (f->summary) {
		bt_buf_puts(b, "    ");
		esc_text_str(b, f->summary);
		bt_buf_putc(b, '\n');
	}
	bt_buf_puts(b, "    hosts: ");
	for (size_t i = 0; i < f->hosts.n; i++) {
		if (i)
			bt_buf_puts(b, ", ");
		esc_text_str(b, f->hosts.v[i]);
	}
	if (!f->hosts.n)
		bt_buf_putc(b, '-');
	if (f->container_id || f->container_name) {
		bt_buf_puts(b, "  container: ");
		if (f->container_name)
			esc_text_str(b, f->container_name);
		if (f->container_id) {
			/* the short id, as docker ps shows it */
			size_t n = strlen(f->container_id) > 12 ? 12 : strlen(f->container_id);
			bt_buf_puts(b, f->container_name ? " (" : "");
			esc_text(b, f->container_id, n);
			bt_buf_puts(b, f->container_name ? ")" : "");
		}
	}
	if (f->account) {
		bt_buf_puts(b, "  account: ");
		esc_text_str(b, f->account);
	}
	bt_buf_puts(b, "\n    rule: ");
	esc_text_str(b, f->rule_id ? f->rule_id : "?");
	if (f->correlation_type) {
		bt_buf_puts(b, " (correlation: ");
		esc_text_str(b, f->correlation_type);
		bt_buf_putc(b, ')');
	}
	if (f->raised)
		bt_buf_puts(b, "; severity raised: several sources agree");
	bt_buf_putc(b, '\n');
	/* the other rules of a merged finding */
	for (size_t i = 1; i < f->nrules; i++) {
		const struct bt_finding_rule *r = &f->rules[i];
		bt_buf_puts(b, "    also: ");
		esc_text_str(b, r->title);
		bt_buf_puts(b, " (");
		esc_text_str(b, r->id);
		bt_buf_puts(b, ", ");
		esc_text_str(b, r->level);
		if (r->group != i) {
			bt_buf_puts(b, "; the same records as ");
			esc_text_str(b, f->rules[r->group].id);
		} else {
			bt_buf_printf(b, "; %llu of the records", (unsigned long long)r->records);
		}
		bt_buf_puts(b, ")\n");
	}
	for (size_t i = 0; i < f->notes.n; i++) {
		bt_buf_puts(b, "    note: ");
		esc_text_str(b, f->notes.v[i]);
		bt_buf_putc(b, '\n');
	}
	bt_buf_printf(b, "    evidence (%llu event%s):\n", (unsigned long long)f->evidence_total,
	              f->evidence_total == 1 ? "" : "s");
	size_t shown = f->nevidence < TEXT_EVIDENCE_SHOWN ? f->nevidence : TEXT_EVIDENCE_SHOWN;
	for (size_t i = 0; i < shown; i++)
		text_evidence(b, o, f->evidence[i]);
	if (f->evidence_total > shown)
		bt_buf_printf(b, "      ... %llu more (all of them in --format jsonl)\n",
		              (unsigned long long)(f->evidence_total - shown));
	bt_buf_putc(b, '\n');
}

void out_finding(struct bt_buf *b, const struct out_opts *o, const struct bt_finding *f)
{
	switch (o->format) {
	case OUT_CSV:
		finding_csv(b, o, f);
		break;
	case OUT_TEXT:
		finding_text(b, o, f);
		break;
	case OUT_JSONL:
		finding_jsonl(b, f);
		break;
	case OUT_TIMESKETCH:
		finding_timesketch(b, f);
		break;
	case OUT_BULK:
		out_finding_bulk(b, f);
		break;
	}
}
