/* Writers for findings: the text timeline, JSON Lines, CSV and Timesketch. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hunt/bt_finding.h"
#include "escape.h"
#include "output.h"

static void put_time(struct bt_buf *b, bt_time t)
{
	char buf[BT_TIME_BUFSZ];
	bt_buf_put(b, buf, bt_time_format(t, buf));
}

static void json_time(struct bt_buf *b, bt_time t)
{
	if (t == BT_TIME_NONE) {
		bt_buf_puts(b, "null");
		return;
	}
	bt_buf_putc(b, '"');
	put_time(b, t);
	bt_buf_putc(b, '"');
}

static void json_str(struct bt_buf *b, const char *s)
{
	if (s)
		esc_json(b, s, strlen(s));
	else
		bt_buf_puts(b, "null");
}

static void json_strset(struct bt_buf *b, const struct bt_strset *s)
{
	bt_buf_putc(b, '[');
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			bt_buf_putc(b, ',');
		json_str(b, s->v[i]);
	}
	bt_buf_putc(b, ']');
}

static void json_prov(struct bt_buf *b, const struct bt_prov *p)
{
	bt_buf_puts(b, "{\"file\":");
	json_str(b, p->file);
	bt_buf_puts(b, ",\"record_id\":");
	if (p->line)
		bt_buf_puts(b, "null");
	else
		bt_buf_put_u64(b, p->record_id);
	bt_buf_puts(b, ",\"line\":");
	if (p->line)
		bt_buf_put_u64(b, p->line);
	else
		bt_buf_puts(b, "null");
	bt_buf_puts(b, ",\"offset\":");
	bt_buf_put_u64(b, p->offset);
	bt_buf_puts(b, p->recovered ? ",\"recovered\":true}" : ",\"recovered\":false}");
}

static void json_evidence(struct bt_buf *b, const struct bt_evidence *h)
{
	const struct bt_event *ev = h->ev;
	bool evtx = ev->source == BT_SOURCE_EVTX;
	bt_buf_puts(b, "{\"time\":");
	json_time(b, ev->time);
	bt_buf_puts(b, ",\"source\":\"");
	bt_buf_puts(b, bt_source_name(ev->source));
	bt_buf_puts(b, "\",\"host\":");
	json_str(b, ev->host);
	bt_buf_puts(b, ",\"channel\":");
	json_str(b, ev->channel);
	bt_buf_puts(b, ",\"provider\":");
	json_str(b, ev->provider);
	bt_buf_puts(b, ",\"event_id\":");
	if (evtx)
		bt_buf_put_u64(b, ev->event_id);
	else
		bt_buf_puts(b, "null");
	bt_buf_puts(b, ",\"copies\":[");
	for (size_t i = 0; i < h->ncopies; i++) {
		if (i)
			bt_buf_putc(b, ',');
		json_prov(b, &h->copies[i]);
	}
	bt_buf_puts(b, "],\"more_copies\":");
	bt_buf_put_u64(b, h->more_copies);
	bt_buf_puts(b, ",\"fields\":");
	out_event_fields_json(b, ev, false);
	bt_buf_putc(b, '}');
}

/* The fields every machine format shares, as JSON members (no braces). */
static void json_finding_members(struct bt_buf *b, const struct bt_finding *f, bool flat)
{
	bt_buf_puts(b, "\"schema\":\"" OUT_FINDING_SCHEMA "\",\"time\":");
	json_time(b, f->first);
	bt_buf_puts(b, ",\"end\":");
	json_time(b, f->last);
	bt_buf_puts(b, ",\"severity\":\"");
	bt_buf_puts(b, bt_severity_name(f->severity));
	bt_buf_puts(b, f->raised ? "\",\"severity_raised\":true" : "\",\"severity_raised\":false");
	bt_buf_puts(b, ",\"kind\":\"");
	bt_buf_puts(b, f->kind);
	bt_buf_puts(b, "\",\"correlation_type\":");
	json_str(b, f->correlation_type);
	if (flat) {
		bt_buf_puts(b, ",\"rule_id\":");
		json_str(b, f->rule_id);
		bt_buf_puts(b, ",\"rule_title\":");
		json_str(b, f->rule_title);
		bt_buf_puts(b, ",\"rule_level\":");
		json_str(b, f->rule_level);
	} else {
		bt_buf_puts(b, ",\"rule\":{\"id\":");
		json_str(b, f->rule_id);
		bt_buf_puts(b, ",\"title\":");
		json_str(b, f->rule_title);
		bt_buf_puts(b, ",\"level\":");
		json_str(b, f->rule_level);
		bt_buf_puts(b, ",\"file\":");
		json_str(b, f->rule_file);
		bt_buf_putc(b, '}');
	}
	bt_buf_puts(b, ",\"techniques\":");
	json_strset(b, &f->techniques);
	bt_buf_puts(b, ",\"hosts\":");
	json_strset(b, &f->hosts);
	if (flat) {
		bt_buf_puts(b, ",\"container_id\":");
		json_str(b, f->container_id);
		bt_buf_puts(b, ",\"container_name\":");
		json_str(b, f->container_name);
	} else {
		bt_buf_puts(b, ",\"container\":");
		if (f->container_id || f->container_name) {
			bt_buf_puts(b, "{\"id\":");
			json_str(b, f->container_id);
			bt_buf_puts(b, ",\"name\":");
			json_str(b, f->container_name);
			bt_buf_putc(b, '}');
		} else {
			bt_buf_puts(b, "null");
		}
	}
	bt_buf_puts(b, ",\"account\":");
	json_str(b, f->account);
	bt_buf_puts(b, ",\"summary\":");
	json_str(b, f->summary);
	bt_buf_puts(b, ",\"notes\":");
	json_strset(b, &f->notes);
	bt_buf_puts(b, ",\"sources\":");
	json_strset(b, &f->sources);
	bt_buf_puts(b, ",\"evidence_count\":");
	bt_buf_put_u64(b, f->evidence_total);
}

static void finding_jsonl(struct bt_buf *b, const struct bt_finding *f)
{
	bt_buf_putc(b, '{');
	json_finding_members(b, f, false);
	bt_buf_puts(b, ",\"evidence\":[");
	for (size_t i = 0; i < f->nevidence; i++) {
		if (i)
			bt_buf_putc(b, ',');
		json_evidence(b, f->evidence[i]);
	}
	bt_buf_puts(b, "]}\n");
}

/* Timesketch: message, datetime and timestamp_desc, plus flat finding fields. */
static void finding_timesketch(struct bt_buf *b, const struct bt_finding *f)
{
	struct bt_buf msg = BT_BUF_INIT;
	bt_buf_printf(&msg, "[%s] %s", bt_severity_name(f->severity),
	              f->rule_title ? f->rule_title : "?");
	if (f->summary)
		bt_buf_printf(&msg, ": %s", f->summary);
	bt_buf_puts(b, "{\"message\":");
	esc_json(b, msg.p ? msg.p : "", msg.n);
	bt_buf_free(&msg);
	bt_buf_puts(b, ",\"datetime\":");
	json_time(b, f->first);
	bt_buf_puts(b, ",\"timestamp_desc\":\"Finding start\",\"tag\":[\"boxtrail\",");
	json_str(b, bt_severity_name(f->severity));
	bt_buf_puts(b, "],");
	json_finding_members(b, f, true);
	bt_buf_puts(b, ",\"evidence_files\":[");
	for (size_t i = 0; i < f->nevidence; i++) {
		const struct bt_prov *p = &f->evidence[i]->copies[0];
		char ref[64];
		if (p->line)
			snprintf(ref, sizeof ref, ":%llu", (unsigned long long)p->line);
		else
			snprintf(ref, sizeof ref, "#%llu", (unsigned long long)p->record_id);
		struct bt_buf one = BT_BUF_INIT;
		bt_buf_puts(&one, p->file ? p->file : "-");
		bt_buf_puts(&one, ref);
		if (i)
			bt_buf_putc(b, ',');
		esc_json(b, one.p, one.n);
		bt_buf_free(&one);
	}
	bt_buf_puts(b, "]}\n");
}

static const char csv_header[] =
	"time,end,severity,kind,rule_id,rule_title,techniques,hosts,container_id,container_name,"
	"account,summary,evidence_count,evidence\n";

void out_finding_header(struct bt_buf *b, const struct out_opts *o)
{
	if (o->format == OUT_CSV)
		bt_buf_puts(b, csv_header);
}

static void csv_cell(struct bt_buf *b, const struct out_opts *o, const char *s, bool last)
{
	if (s)
		esc_csv(b, s, strlen(s), o->csv_formula_guard);
	bt_buf_puts(b, last ? "\r\n" : ",");
}

static void csv_join(struct bt_buf *b, const struct out_opts *o, const struct bt_strset *s)
{
	struct bt_buf j = BT_BUF_INIT;
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			bt_buf_puts(&j, " ");
		bt_buf_puts(&j, s->v[i]);
	}
	csv_cell(b, o, j.p ? j.p : "", false);
	bt_buf_free(&j);
}

static void finding_csv(struct bt_buf *b, const struct out_opts *o, const struct bt_finding *f)
{
	put_time(b, f->first);
	bt_buf_putc(b, ',');
	put_time(b, f->last);
	bt_buf_putc(b, ',');
	csv_cell(b, o, bt_severity_name(f->severity), false);
	csv_cell(b, o, f->kind, false);
	csv_cell(b, o, f->rule_id, false);
	csv_cell(b, o, f->rule_title, false);
	csv_join(b, o, &f->techniques);
	csv_join(b, o, &f->hosts);
	csv_cell(b, o, f->container_id, false);
	csv_cell(b, o, f->container_name, false);
	csv_cell(b, o, f->account, false);
	csv_cell(b, o, f->summary, false);
	bt_buf_put_u64(b, f->evidence_total);
	bt_buf_putc(b, ',');
	struct bt_buf ev = BT_BUF_INIT;
	for (size_t i = 0; i < f->nevidence; i++) {
		const struct bt_prov *p = &f->evidence[i]->copies[0];
		if (i)
			bt_buf_puts(&ev, "; ");
		bt_buf_puts(&ev, p->file ? p->file : "-");
		if (p->line)
			bt_buf_printf(&ev, ":%llu", (unsigned long long)p->line);
		else
			bt_buf_printf(&ev, "#%llu", (unsigned long long)p->record_id);
	}
	csv_cell(b, o, ev.p ? ev.p : "", true);
	bt_buf_free(&ev);
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

static void text_s(struct bt_buf *b, const char *s)
{
	esc_text(b, s, strlen(s));
}

/* Fields that tell what happened come first on an evidence line; identifiers
 * and metadata that rarely help a reader are left to the JSON output. */
static const char *const text_first[] = {
	"Action", "ContainerName", "ContainerID", "Image", "ImageLoaded", "CommandLine", "Binds",
	"MountSource", "Privileged", "TargetUserName", "ServiceName", "TicketEncryptionType",
	"PreAuthType", "Status", "IpAddress", "SourceIp", "DestinationIp", "DestinationPort",
	"TargetFilename", "TargetObject", "ParentImage", "Signed", "SignatureStatus", "User",
	"NewProcessName", "SubjectUserName", "Message"};
static const char *const text_skip[] = {
	"UtcTime", "ProcessGuid", "ParentProcessGuid", "LogonGuid", "LogonId", "SubjectLogonId",
	"TargetLogonId", "TerminalSessionId", "Hashes", "FileVersion", "Description", "Product",
	"Company", "OriginalFileName", "RuleName", "CreationUtcTime", "SubjectUserSid",
	"TargetUserSid", "TargetSid", "ServiceSid", "TokenElevationType", "MandatoryLabel", "IpPort",
	"TransmittedServices", "TimeOriginal", "CurrentDirectory", "IntegrityLevel", "ParentUser"};

static bool in_list(const char *name, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, v[i]) == 0)
			return true;
	return false;
}

/* A value for a text line: long ones keep their head and their tail (the
 * end of a path is where the file name is). */
static void text_value(struct bt_buf *b, const char *v, size_t n)
{
	if (n <= TEXT_VALUE_MAX) {
		esc_text(b, v, n);
		return;
	}
	size_t head = TEXT_VALUE_MAX * 11 / 20, tail = TEXT_VALUE_MAX - head;
	/* do not cut inside a UTF-8 sequence */
	while (head > 0 && ((unsigned char)v[head] & 0xC0) == 0x80)
		head--;
	size_t from = n - tail;
	while (from < n && ((unsigned char)v[from] & 0xC0) == 0x80)
		from++;
	esc_text(b, v, head);
	bt_buf_puts(b, "...");
	esc_text(b, v + from, n - from);
}

static void text_field(struct bt_buf *b, const struct bt_field *fl, size_t *shown)
{
	if ((*shown)++)
		bt_buf_putc(b, ' ');
	esc_text(b, fl->name, fl->name_len);
	bt_buf_putc(b, '=');
	text_value(b, fl->value, fl->value_len);
}

static bool text_worth(const struct bt_field *fl)
{
	return !(fl->flags & BT_FIELD_SYSTEM) && fl->value_len != 0 &&
	       !(fl->value_len == 1 && fl->value[0] == '-');
}

static void text_evidence(struct bt_buf *b, const struct out_opts *o, const struct bt_evidence *h)
{
	const struct bt_event *ev = h->ev;
	const char *dim = o->color ? "\033[2m" : "", *off = o->color ? "\033[0m" : "";
	bt_buf_puts(b, "      ");
	put_time(b, ev->time);
	bt_buf_putc(b, ' ');
	text_s(b, ev->host ? ev->host : "-");
	bt_buf_putc(b, ' ');
	if (ev->source == BT_SOURCE_EVTX) {
		text_s(b, ev->channel ? ev->channel : "-");
		bt_buf_printf(b, "/%u", (unsigned)ev->event_id);
	} else {
		text_s(b, bt_source_name(ev->source));
	}
	const struct bt_prov *p = &h->copies[0];
	bt_buf_printf(b, "  %s[", dim);
	text_s(b, p->file ? p->file : "-");
	if (p->line)
		bt_buf_printf(b, ":%llu", (unsigned long long)p->line);
	else
		bt_buf_printf(b, " #%llu", (unsigned long long)p->record_id);
	if (p->recovered)
		bt_buf_puts(b, " recovered");
	if (h->ncopies > 1 || h->more_copies)
		bt_buf_printf(b, " +%llu copies", (unsigned long long)(h->ncopies - 1 + h->more_copies));
	bt_buf_printf(b, "]%s\n        ", off);
	size_t shown = 0;
	const size_t nfirst = sizeof text_first / sizeof *text_first;
	for (size_t k = 0; k < nfirst && shown < TEXT_FIELDS_SHOWN; k++)
		for (const struct bt_field *fl = bt_event_field(ev, text_first[k], strlen(text_first[k]));
		     fl && shown < TEXT_FIELDS_SHOWN; fl = bt_event_field_next(ev, fl))
			if (text_worth(fl))
				text_field(b, fl, &shown);
	for (size_t i = 0; i < ev->nfields && shown < TEXT_FIELDS_SHOWN; i++) {
		const struct bt_field *fl = &ev->fields[i];
		if (text_worth(fl) && !in_list(fl->name, text_first, nfirst) &&
		    !in_list(fl->name, text_skip, sizeof text_skip / sizeof *text_skip))
			text_field(b, fl, &shown);
	}
	bt_buf_putc(b, '\n');
}

static void finding_text(struct bt_buf *b, const struct out_opts *o, const struct bt_finding *f)
{
	const char *bold = o->color ? "\033[1m" : "", *off = o->color ? "\033[0m" : "";
	put_time(b, f->first);
	bt_buf_putc(b, ' ');
	if (o->color)
		bt_buf_puts(b, sev_colour(f->severity));
	char sev[16];
	snprintf(sev, sizeof sev, "%-8s", bt_severity_name(f->severity));
	for (char *c = sev; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
	bt_buf_puts(b, sev);
	bt_buf_printf(b, "%s %s", off, bold);
	text_s(b, f->rule_title ? f->rule_title : "?");
	bt_buf_puts(b, off);
	if (f->techniques.n) {
		bt_buf_puts(b, "  [");
		for (size_t i = 0; i < f->techniques.n; i++) {
			if (i)
				bt_buf_putc(b, ' ');
			text_s(b, f->techniques.v[i]);
		}
		bt_buf_putc(b, ']');
	}
	bt_buf_putc(b, '\n');
	if (f->last != f->first && f->last != BT_TIME_NONE) {
		bt_buf_puts(b, "    until ");
		put_time(b, f->last);
		bt_buf_putc(b, '\n');
	}
	if (f->summary) {
		bt_buf_puts(b, "    ");
		text_s(b, f->summary);
		bt_buf_putc(b, '\n');
	}
	bt_buf_puts(b, "    hosts: ");
	for (size_t i = 0; i < f->hosts.n; i++) {
		if (i)
			bt_buf_puts(b, ", ");
		text_s(b, f->hosts.v[i]);
	}
	if (!f->hosts.n)
		bt_buf_putc(b, '-');
	if (f->container_id || f->container_name) {
		bt_buf_puts(b, "  container: ");
		if (f->container_name)
			text_s(b, f->container_name);
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
		text_s(b, f->account);
	}
	bt_buf_puts(b, "\n    rule: ");
	text_s(b, f->rule_id ? f->rule_id : "?");
	if (f->correlation_type) {
		bt_buf_puts(b, " (correlation: ");
		text_s(b, f->correlation_type);
		bt_buf_putc(b, ')');
	}
	if (f->raised)
		bt_buf_puts(b, "; severity raised: several sources agree");
	bt_buf_putc(b, '\n');
	for (size_t i = 0; i < f->notes.n; i++) {
		bt_buf_puts(b, "    note: ");
		text_s(b, f->notes.v[i]);
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
	}
}
