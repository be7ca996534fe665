/* The OpenSearch / Elasticsearch bulk format (-f bulk): per record an
 * action line ({"index":{}}: the index is named in the request's path) and
 * the document, with Elastic Common Schema names where ECS has the field
 * (@timestamp, host.name, event.code, rule.name, container.id...), the
 * Winlogbeat names for Windows event data (winlog.channel,
 * winlog.event_data), and boxtrail's own under `boxtrail`. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hunt/bt_finding.h"
#include "json_writer.h"
#include "output.h"

#define ECS_VERSION "8.11.0"

static void action(struct bt_buf *b)
{
	bt_buf_puts(b, "{\"index\":{}}\n");
}

/* A string member when the value is there (ECS leaves absent fields out);
 * `key` is one of our own member names. */
static void opt_str(struct jw *w, const char *key, const char *v)
{
	if (v && *v) {
		jw_key_n(w, key, strlen(key));
		jw_strz(w, v);
	}
}

static void ecs_version(struct jw *w)
{
	jw_key(w, "ecs");
	jw_object(w);
	jw_key(w, "version");
	jw_strz(w, ECS_VERSION);
	jw_object_end(w);
}

static const char *field_text(const struct bt_event *ev, const char *name)
{
	const struct bt_field *f = bt_event_field(ev, name, strlen(name));
	return f && f->text_len && f->text ? f->text : NULL;
}

void out_event_bulk(struct bt_buf *b, const struct bt_event *ev)
{
	bool evtx = ev->source == BT_SOURCE_EVTX;
	action(b);
	struct jw w;
	jw_init(&w, b);
	jw_object(&w);
	jw_key(&w, "@timestamp");
	jw_time(&w, ev->time);
	ecs_version(&w);
	jw_key(&w, "event");
	jw_object(&w);
	jw_key(&w, "kind");
	jw_strz(&w, "event");
	if (evtx) {
		char code[16];
		snprintf(code, sizeof code, "%u", (unsigned)ev->event_id);
		jw_key(&w, "code");
		jw_strz(&w, code);
	}
	opt_str(&w, "provider", ev->provider);
	jw_key(&w, "module");
	jw_strz(&w, bt_source_name(ev->source));
	opt_str(&w, "dataset", ev->channel);
	jw_object_end(&w);
	if (ev->host) {
		jw_key(&w, "host");
		jw_object(&w);
		jw_key(&w, "name");
		jw_strz(&w, ev->host);
		jw_object_end(&w);
	}
	jw_key(&w, "log");
	jw_object(&w);
	jw_key(&w, "file");
	jw_object(&w);
	jw_key(&w, "path");
	jw_strz(&w, ev->file);
	jw_object_end(&w);
	jw_key(&w, "offset");
	jw_u64(&w, ev->offset);
	if (ev->level >= 0) {
		jw_key(&w, "level");
		char lv[16];
		snprintf(lv, sizeof lv, "%d", ev->level);
		jw_strz(&w, lv);
	}
	jw_object_end(&w);
	const char *cid = field_text(ev, "ContainerID"), *cname = field_text(ev, "ContainerName");
	if (cid || cname) {
		jw_key(&w, "container");
		jw_object(&w);
		opt_str(&w, "id", cid);
		opt_str(&w, "name", cname);
		jw_object_end(&w);
	}
	if (evtx) {
		jw_key(&w, "winlog");
		jw_object(&w);
		opt_str(&w, "channel", ev->channel);
		opt_str(&w, "provider_name", ev->provider);
		jw_key(&w, "record_id");
		jw_u64(&w, ev->record_id);
		if (ev->user_sid) {
			jw_key(&w, "user");
			jw_object(&w);
			jw_key(&w, "identifier");
			jw_strz(&w, ev->user_sid);
			jw_object_end(&w);
		}
		jw_key(&w, "event_data");
		out_event_fields_jw(&w, ev, false);
		jw_object_end(&w);
	}
	jw_key(&w, "boxtrail");
	jw_object(&w);
	jw_key(&w, "source");
	jw_strz(&w, bt_source_name(ev->source));
	if (ev->line) {
		jw_key(&w, "line");
		jw_u64(&w, ev->line);
	}
	if (!evtx && ev->record_id) {
		jw_key(&w, "record_id");   /* journal: the sequence number */
		jw_u64(&w, ev->record_id);
	}
	jw_key(&w, "recovered");
	jw_bool(&w, (ev->flags & BT_EV_RECOVERED) != 0);
	if (!evtx) {
		jw_key(&w, "fields");
		out_event_fields_jw(&w, ev, false);
	}
	jw_object_end(&w);
	jw_object_end(&w);
	bt_buf_putc(b, '\n');
}

void out_finding_bulk(struct bt_buf *b, const struct bt_finding *f)
{
	action(b);
	struct jw w;
	jw_init(&w, b);
	jw_object(&w);
	jw_key(&w, "@timestamp");
	jw_time(&w, f->first);
	ecs_version(&w);
	jw_key(&w, "message");
	jw_strz(&w, f->summary);
	jw_key(&w, "event");
	jw_object(&w);
	jw_key(&w, "kind");
	jw_strz(&w, "alert");
	jw_key(&w, "start");
	jw_time(&w, f->first);
	jw_key(&w, "end");
	jw_time(&w, f->last);
	/* ECS: a number; the five levels as 21, 47, 73, 99 (risk scores of
	 * Elastic's detection rules), informational 0 */
	static const unsigned sev[] = {0, 0, 21, 47, 73, 99};
	jw_key(&w, "severity");
	jw_u64(&w, sev[f->severity <= BT_SEV_CRITICAL ? f->severity : 0]);
	jw_object_end(&w);
	jw_key(&w, "rule");
	jw_object(&w);
	opt_str(&w, "id", f->rule_id);
	opt_str(&w, "name", f->rule_title);
	opt_str(&w, "ruleset", f->kind);
	jw_object_end(&w);
	if (f->techniques.n) {
		jw_key(&w, "threat");
		jw_object(&w);
		jw_key(&w, "framework");
		jw_strz(&w, "MITRE ATT&CK");
		jw_key(&w, "technique");
		jw_object(&w);
		jw_key(&w, "id");
		jw_str_array(&w, (const char *const *)f->techniques.v, f->techniques.n);
		jw_object_end(&w);
		jw_object_end(&w);
	}
	if (f->hosts.n) {
		jw_key(&w, "host");
		jw_object(&w);
		jw_key(&w, "name");
		jw_strz(&w, f->hosts.v[0]);
		jw_object_end(&w);
	}
	if (f->container_id || f->container_name) {
		jw_key(&w, "container");
		jw_object(&w);
		opt_str(&w, "id", f->container_id);
		opt_str(&w, "name", f->container_name);
		jw_object_end(&w);
	}
	if (f->account) {
		jw_key(&w, "user");
		jw_object(&w);
		jw_key(&w, "name");
		jw_strz(&w, f->account);
		jw_object_end(&w);
	}
	jw_key(&w, "related");
	jw_object(&w);
	jw_key(&w, "hosts");
	jw_str_array(&w, (const char *const *)f->hosts.v, f->hosts.n);
	if (f->account) {
		jw_key(&w, "user");
		jw_str_array(&w, (const char *const *)&f->account, 1);
	}
	jw_object_end(&w);
	jw_key(&w, "boxtrail");
	jw_object(&w);
	jw_key(&w, "schema");
	jw_strz(&w, OUT_FINDING_SCHEMA);
	jw_key(&w, "severity");
	jw_strz(&w, bt_severity_name(f->severity));
	jw_key(&w, "severity_raised");
	jw_bool(&w, f->raised);
	jw_key(&w, "correlation_type");
	jw_strz(&w, f->correlation_type);
	jw_key(&w, "rule_level");
	jw_strz(&w, f->rule_level);
	jw_key(&w, "rule_file");
	jw_strz(&w, f->rule_file);
	jw_key(&w, "notes");
	jw_str_array(&w, (const char *const *)f->notes.v, f->notes.n);
	jw_key(&w, "sources");
	jw_str_array(&w, (const char *const *)f->sources.v, f->sources.n);
	jw_key(&w, "rules");   /* every rule a merged finding stands for, its own first */
	jw_array(&w);
	for (size_t i = 0; i < (f->nrules ? f->nrules : 1); i++) {
		jw_object(&w);
		jw_key(&w, "id");
		jw_strz(&w, f->nrules ? f->rules[i].id : f->rule_id);
		jw_key(&w, "name");
		jw_strz(&w, f->nrules ? f->rules[i].title : f->rule_title);
		jw_key(&w, "level");
		jw_strz(&w, f->nrules ? f->rules[i].level : f->rule_level);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_key(&w, "evidence_count");
	jw_u64(&w, f->evidence_total);
	jw_key(&w, "evidence");
	jw_array(&w);
	for (size_t i = 0; i < f->nevidence; i++) {
		const struct bt_evidence *h = f->evidence[i];
		const struct bt_prov *p = &h->copies[0];
		jw_object(&w);
		jw_key(&w, "@timestamp");
		jw_time(&w, h->ev->time);
		jw_key(&w, "host");
		jw_strz(&w, h->ev->host);
		jw_key(&w, "channel");
		jw_strz(&w, h->ev->channel);
		jw_key(&w, "event_code");
		jw_u64_or_null(&w, h->ev->source == BT_SOURCE_EVTX, h->ev->event_id);
		jw_key(&w, "file");
		jw_strz(&w, p->file);
		jw_key(&w, "record_id");
		jw_u64_or_null(&w, !p->line, p->record_id);
		jw_key(&w, "line");
		jw_u64_or_null(&w, p->line != 0, p->line);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	jw_object_end(&w);
	bt_buf_putc(b, '\n');
}
