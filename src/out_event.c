/* Output of normalised events: JSON Lines (also the Timesketch format),
 * CSV and a text line. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_writer.h"
#include "escape.h"
#include "json_writer.h"
#include "output.h"

bool out_parse_format(const char *s, bool allow_timesketch, enum out_format *out)
{
	if (strcmp(s, "jsonl") == 0 || strcmp(s, "json") == 0)
		*out = OUT_JSONL;
	else if (strcmp(s, "csv") == 0)
		*out = OUT_CSV;
	else if (strcmp(s, "text") == 0)
		*out = OUT_TEXT;
	else if (strcmp(s, "bulk") == 0)
		*out = OUT_BULK;
	else if (allow_timesketch && strcmp(s, "timesketch") == 0)
		*out = OUT_TIMESKETCH;
	else
		return false;
	return true;
}

/* A field's value as a JSON string. A typed value is rendered straight into
 * the output, after its opening quote; text that needs no escaping (numbers,
 * GUIDs, most strings) stays there as it is, the rest is escaped from a
 * copy. Same bytes as jw_str on the field's text. */
static void jw_field(struct jw *w, const struct bt_event *ev, const struct bt_field *f)
{
	if (f->text) {
		jw_str(w, f->text, f->text_len);
		return;
	}
	jw_sep(w);
	struct bt_buf *b = w->b;
	size_t at = b->n;
	bt_buf_putc(b, '"');
	bool plain;
	if (!bt_field_put(ev, f, b, &plain) || b->oom)
		return;
	size_t n = b->n - at - 1;
	if (plain || esc_json_plain(b->p + at + 1, n) == n) {
		bt_buf_putc(b, '"');
		return;
	}
	char *copy = malloc(n + 1);
	if (!copy) {
		b->oom = true;
		return;
	}
	memcpy(copy, b->p + at + 1, n);
	b->n = at;
	esc_json(b, copy, n);
	free(copy);
}

static bool same_name(const struct bt_field *a, const struct bt_field *b)
{
	return a->name_len == b->name_len && memcmp(a->name, b->name, a->name_len) == 0;
}

static bool is_system(const struct bt_field *f)
{
	return (f->flags & BT_FIELD_SYSTEM) != 0;
}

/* The quadratic original, kept for events with very many fields. */
static void fields_json_slow(struct jw *w, const struct bt_event *ev, bool system)
{
	jw_object(w);
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct bt_field *f = &ev->fields[i];
		if (is_system(f) != system)
			continue;
		bool seen = false, repeated = false;
		for (size_t j = 0; j < ev->nfields && !seen; j++) {
			if (j != i && is_system(&ev->fields[j]) == system && same_name(f, &ev->fields[j])) {
				if (j < i)
					seen = true;
				repeated = true;
			}
		}
		if (seen)
			continue;
		jw_key_n(w, f->name, f->name_len);
		if (!repeated && !(f->flags & BT_FIELD_LIST)) {
			jw_field(w, ev, f);
			continue;
		}
		jw_array(w);
		for (size_t j = i; j < ev->nfields; j++) {
			const struct bt_field *g = &ev->fields[j];
			if (is_system(g) == system && same_name(f, g)) {
				jw_field(w, ev, g);
			}
		}
		jw_array_end(w);
	}
	jw_object_end(w);
}

/* Fields grouped by name with a small hash table instead of comparing every
 * pair (the pairwise scan dominated JSONL output for 20-field EVTX events);
 * the bytes written are the same. */
#define FIELDS_FAST_MAX 1024
#define FIELDS_SLOTS 2048

/* From the length and the first and last eight bytes: names that share all
 * three are rare, and same_name settles a collision. */
static uint32_t name_hash(const struct bt_field *f)
{
	uint64_t a = 0, z = 0;
	size_t n = f->name_len;
	memcpy(&a, f->name, n < 8 ? n : 8);
	if (n > 8)
		memcpy(&z, f->name + (n < 16 ? 8 : n - 8), n < 16 ? n - 8 : 8);
	uint64_t h = (a ^ (z * 0x9E3779B97F4A7C15ULL) ^ n) * 0xFF51AFD7ED558CCDULL;
	return (uint32_t)(h >> 32);
}

void out_event_fields_jw(struct jw *w, const struct bt_event *ev, bool system)
{
	size_t n = ev->nfields;
	if (n > FIELDS_FAST_MAX) {
		fields_json_slow(w, ev, system);
		return;
	}
	uint16_t first[FIELDS_FAST_MAX], count[FIELDS_FAST_MAX];
	int16_t slot[FIELDS_SLOTS];
	uint32_t nslots = 16;
	while (nslots < 2 * n)
		nslots *= 2;
	memset(slot, -1, nslots * sizeof slot[0]);
	for (size_t i = 0; i < n; i++) {
		const struct bt_field *f = &ev->fields[i];
		if (is_system(f) != system)
			continue;
		uint32_t h = name_hash(f) & (nslots - 1);
		while (slot[h] >= 0 && !same_name(&ev->fields[slot[h]], f))
			h = (h + 1) & (nslots - 1);
		if (slot[h] < 0) {
			slot[h] = (int16_t)i;
			first[i] = (uint16_t)i;
			count[i] = 1;
		} else {
			first[i] = (uint16_t)slot[h];
			count[slot[h]]++;
		}
	}
	jw_object(w);
	for (size_t i = 0; i < n; i++) {
		const struct bt_field *f = &ev->fields[i];
		if (is_system(f) != system || first[i] != i)
			continue;
		jw_key_n(w, f->name, f->name_len);
		if (count[i] == 1 && !(f->flags & BT_FIELD_LIST)) {
			jw_field(w, ev, f);
			continue;
		}
		jw_array(w);
		for (size_t j = i; j < n; j++) {
			const struct bt_field *g = &ev->fields[j];
			if (is_system(g) == system && first[j] == i) {
				jw_field(w, ev, g);
			}
		}
		jw_array_end(w);
	}
	jw_object_end(w);
}

void out_event_fields_json(struct bt_buf *b, const struct bt_event *ev, bool system)
{
	struct jw w;
	jw_init(&w, b);
	out_event_fields_jw(&w, ev, system);
}

void out_event_head_jw(struct jw *w, const struct bt_event *ev)
{
	jw_key(w, "time");
	jw_time(w, ev->time);
	jw_key(w, "source");
	jw_strz(w, bt_source_name(ev->source));
	jw_key(w, "host");
	jw_strz(w, ev->host);
	jw_key(w, "channel");
	jw_strz(w, ev->channel);
	jw_key(w, "provider");
	jw_strz(w, ev->provider);
	jw_key(w, "event_id");
	jw_u64_or_null(w, ev->source == BT_SOURCE_EVTX, ev->event_id);
}

static void event_jsonl(struct bt_buf *b, const struct bt_event *ev)
{
	bool evtx = ev->source == BT_SOURCE_EVTX;
	struct jw w;
	jw_init(&w, b);
	jw_object(&w);
	out_event_head_jw(&w, ev);
	jw_key(&w, "level");
	jw_u64_or_null(&w, ev->level >= 0, (uint64_t)ev->level);
	jw_key(&w, "record_id");
	jw_u64_or_null(&w, evtx || ev->record_id, ev->record_id);   /* journal: the sequence number */
	jw_key(&w, "user_sid");
	jw_strz(&w, ev->user_sid);
	jw_key(&w, "file");
	jw_strz(&w, ev->file);
	jw_key(&w, "offset");
	jw_u64(&w, ev->offset);
	jw_key(&w, "line");
	jw_u64_or_null(&w, ev->line != 0, ev->line);
	jw_key(&w, "recovered");
	jw_bool(&w, (ev->flags & BT_EV_RECOVERED) != 0);
	if (ev->flags & BT_EV_RECOVERED) {
		/* how its template was found (bt_evtx_recover.h) */
		jw_key(&w, "recovery");
		jw_strz(&w, ev->flags & BT_EV_TEMPLATE_ELSEWHERE    ? "template-elsewhere-in-file"
		            : ev->flags & BT_EV_TEMPLATE_OTHER_FILE ? "template-in-other-file"
		                                                    : "template-in-place");
	}
	if (evtx) {
		jw_key(&w, "system");
		out_event_fields_jw(&w, ev, true);
	}
	jw_key(&w, "fields");
	out_event_fields_jw(&w, ev, false);
	jw_object_end(&w);
	bt_buf_putc(b, '\n');
}

static const char csv_header[] =
	"time,source,host,channel,provider,event_id,level,record_id,user_sid,file,offset,line,"
	"recovered,fields\n";

/* The columns of the CSV profiles with a details column. */
static const char *const profile_columns[][20] = {
	[OUT_PROFILE_MINIMAL] = {"time", "host", "event", "details"},
	[OUT_PROFILE_STANDARD] = {"time", "source", "host", "channel", "provider", "event_id",
	                          "record_id", "details", "file", "line"},
	[OUT_PROFILE_VERBOSE] = {"time", "source", "host", "channel", "provider", "event_id", "level",
	                         "record_id", "user_sid", "file", "offset", "line", "recovered",
	                         "details", "fields"},
};

void out_event_header(struct bt_buf *b, const struct out_opts *o)
{
	out_text_header(b, o);
	if (o->format != OUT_CSV)
		return;
	if (o->profile == OUT_PROFILE_DEFAULT && !o->tz) {
		bt_buf_puts(b, csv_header);
		return;
	}
	static const char *const default_columns[] = {
		"time", "source", "host", "channel", "provider", "event_id", "level", "record_id",
		"user_sid", "file", "offset", "line", "recovered", "fields", NULL};
	const char *const *cols = o->profile == OUT_PROFILE_DEFAULT ? default_columns
	                                                            : profile_columns[o->profile];
	struct cw w;
	cw_init(&w, b, false);
	for (size_t i = 0; i < 20 && cols[i]; i++) {
		if (o->tz && strcmp(cols[i], "time") == 0) {
			char name[300];
			snprintf(name, sizeof name, "time (%s)", o->tz);
			cw_strz(&w, name);
		} else {
			cw_strz(&w, cols[i]);
		}
	}
	cw_row_end(&w);
}

/* A CSV row of a profile with a details column. */
static void event_csv_profile(struct bt_buf *b, const struct out_opts *o, const struct bt_event *ev)
{
	bool evtx = ev->source == BT_SOURCE_EVTX;
	struct cw w;
	cw_init(&w, b, o->csv_formula_guard);
	const char *const *cols = profile_columns[o->profile];
	for (size_t c = 0; c < 20 && cols[c]; c++) {
		const char *k = cols[c];
		if (strcmp(k, "time") == 0) {
			out_csv_time(&w, o, ev->time);
		} else if (strcmp(k, "source") == 0) {
			cw_strz(&w, bt_source_name(ev->source));
		} else if (strcmp(k, "host") == 0) {
			cw_strz(&w, ev->host);
		} else if (strcmp(k, "channel") == 0) {
			cw_strz(&w, ev->channel);
		} else if (strcmp(k, "provider") == 0) {
			cw_strz(&w, ev->provider);
		} else if (strcmp(k, "event") == 0) {
			char e[300];
			if (evtx)
				snprintf(e, sizeof e, "%s/%u", ev->channel ? ev->channel : "",
				         (unsigned)ev->event_id);
			else
				snprintf(e, sizeof e, "%s", bt_source_name(ev->source));
			cw_strz(&w, e);
		} else if (strcmp(k, "event_id") == 0) {
			cw_u64_or_empty(&w, evtx, ev->event_id);
		} else if (strcmp(k, "level") == 0) {
			cw_u64_or_empty(&w, ev->level >= 0, (uint64_t)ev->level);
		} else if (strcmp(k, "record_id") == 0) {
			cw_u64_or_empty(&w, evtx || ev->record_id, ev->record_id);
		} else if (strcmp(k, "user_sid") == 0) {
			cw_strz(&w, ev->user_sid);
		} else if (strcmp(k, "file") == 0) {
			cw_strz(&w, ev->file);
		} else if (strcmp(k, "offset") == 0) {
			cw_u64(&w, ev->offset);
		} else if (strcmp(k, "line") == 0) {
			cw_u64_or_empty(&w, ev->line != 0, ev->line);
		} else if (strcmp(k, "recovered") == 0) {
			cw_bool(&w, (ev->flags & BT_EV_RECOVERED) != 0);
		} else if (strcmp(k, "details") == 0 || strcmp(k, "fields") == 0) {
			struct bt_buf d = BT_BUF_INIT;
			bool verbose = o->profile == OUT_PROFILE_VERBOSE;
			if (k[0] == 'd')
				out_details(&d, ev, true, verbose ? 0 : o->profile == OUT_PROFILE_MINIMAL ? 4 : 8,
				            verbose ? 0 : 200, false);
			else
				out_event_fields_json(&d, ev, false);
			cw_str(&w, d.p ? d.p : "", d.n);
			if (d.oom)
				b->oom = true;
			bt_buf_free(&d);
		}
	}
	cw_row_end(&w);
}

static void event_csv(struct bt_buf *b, const struct out_opts *o, const struct bt_event *ev)
{
	if (o->profile != OUT_PROFILE_DEFAULT) {
		event_csv_profile(b, o, ev);
		return;
	}
	bool evtx = ev->source == BT_SOURCE_EVTX;
	struct cw w;
	cw_init(&w, b, o->csv_formula_guard);
	if (o->tz)
		out_csv_time(&w, o, ev->time);
	else
		cw_time(&w, ev->time);
	cw_strz(&w, bt_source_name(ev->source));
	cw_strz(&w, ev->host);
	cw_strz(&w, ev->channel);
	cw_strz(&w, ev->provider);
	cw_u64_or_empty(&w, evtx, ev->event_id);
	cw_u64_or_empty(&w, ev->level >= 0, (uint64_t)ev->level);
	cw_u64_or_empty(&w, evtx || ev->record_id, ev->record_id);
	cw_strz(&w, ev->user_sid);
	cw_strz(&w, ev->file);
	cw_u64(&w, ev->offset);
	cw_u64_or_empty(&w, ev->line != 0, ev->line);
	cw_bool(&w, (ev->flags & BT_EV_RECOVERED) != 0);
	/* the fields as JSON text, starting with '{': never guarded */
	struct bt_buf js = BT_BUF_INIT;
	out_event_fields_json(&js, ev, false);
	cw_str(&w, js.p, js.n);
	if (js.oom)
		b->oom = true;
	bt_buf_free(&js);
	cw_row_end(&w);
}

static void event_text(struct bt_buf *b, const struct out_opts *o, const struct bt_event *ev)
{
	char t[OUT_TIME_BUFSZ];
	const char *dim = o->color ? "\033[2m" : "", *bold = o->color ? "\033[1m" : "",
	           *off = o->color ? "\033[0m" : "";
	if (ev->time == BT_TIME_NONE)
		bt_buf_puts(b, "(no time)");
	else
		bt_buf_put(b, t, out_time_format(o, ev->time, t));
	bt_buf_putc(b, ' ');
	esc_text_str(b, ev->host);
	bt_buf_printf(b, " %s", bold);
	esc_text_str(b, ev->channel);
	if (ev->source == BT_SOURCE_EVTX)
		bt_buf_printf(b, "/%u", (unsigned)ev->event_id);
	bt_buf_printf(b, "%s %s", off, dim);
	esc_text_str(b, ev->provider);
	bt_buf_puts(b, off);
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct bt_field *f = &ev->fields[i];
		if (is_system(f))
			continue;
		bt_buf_putc(b, ' ');
		esc_text(b, f->name, f->name_len);
		bt_buf_putc(b, '=');
		bt_field_need(ev, f);
		esc_text(b, f->text, f->text_len);
	}
	bt_buf_printf(b, " %s[", dim);
	esc_text_str(b, ev->file);
	if (ev->source == BT_SOURCE_EVTX || ev->record_id)
		bt_buf_printf(b, " #%llu", (unsigned long long)ev->record_id);
	if (ev->line)
		bt_buf_printf(b, ":%llu", (unsigned long long)ev->line);
	if (ev->flags & BT_EV_RECOVERED)
		bt_buf_puts(b, ev->flags & BT_EV_TEMPLATE_ELSEWHERE
		                   ? " recovered, template elsewhere in the file"
		               : ev->flags & BT_EV_TEMPLATE_OTHER_FILE
		                   ? " recovered, template from another file"
		                   : " recovered");
	bt_buf_printf(b, "]%s\n", off);
}

void out_event(struct bt_buf *b, const struct out_opts *o, const struct bt_event *ev)
{
	switch (o->format) {
	case OUT_CSV:
		event_csv(b, o, ev);
		break;
	case OUT_TEXT:
		event_text(b, o, ev);
		break;
	case OUT_JSONL:
	case OUT_TIMESKETCH:
		event_jsonl(b, ev);
		break;
	case OUT_BULK:
		out_event_bulk(b, ev);
		break;
	}
}
