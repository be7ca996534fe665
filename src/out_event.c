/* Writers for normalised events: JSON Lines, CSV and a text line. */
#include "config.h"

#include <string.h>

#include "escape.h"
#include "output.h"

bool out_parse_format(const char *s, bool allow_timesketch, enum out_format *out)
{
	if (strcmp(s, "jsonl") == 0 || strcmp(s, "json") == 0)
		*out = OUT_JSONL;
	else if (strcmp(s, "csv") == 0)
		*out = OUT_CSV;
	else if (strcmp(s, "text") == 0)
		*out = OUT_TEXT;
	else if (allow_timesketch && strcmp(s, "timesketch") == 0)
		*out = OUT_TIMESKETCH;
	else
		return false;
	return true;
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
static void fields_json_slow(struct bt_buf *b, const struct bt_event *ev, bool system)
{
	bt_buf_putc(b, '{');
	bool first = true;
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
		if (!first)
			bt_buf_putc(b, ',');
		first = false;
		esc_json(b, f->name, f->name_len);
		bt_buf_putc(b, ':');
		if (!repeated && !(f->flags & BT_FIELD_LIST)) {
			esc_json(b, f->value, f->value_len);
			continue;
		}
		bt_buf_putc(b, '[');
		for (size_t j = i; j < ev->nfields; j++) {
			const struct bt_field *g = &ev->fields[j];
			if (is_system(g) != system || !same_name(f, g))
				continue;
			if (j != i)
				bt_buf_putc(b, ',');
			esc_json(b, g->value, g->value_len);
		}
		bt_buf_putc(b, ']');
	}
	bt_buf_putc(b, '}');
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

void out_event_fields_json(struct bt_buf *b, const struct bt_event *ev, bool system)
{
	size_t n = ev->nfields;
	if (n > FIELDS_FAST_MAX) {
		fields_json_slow(b, ev, system);
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
	bt_buf_putc(b, '{');
	bool firstout = true;
	for (size_t i = 0; i < n; i++) {
		const struct bt_field *f = &ev->fields[i];
		if (is_system(f) != system || first[i] != i)
			continue;
		if (!firstout)
			bt_buf_putc(b, ',');
		firstout = false;
		esc_json(b, f->name, f->name_len);
		bt_buf_putc(b, ':');
		if (count[i] == 1 && !(f->flags & BT_FIELD_LIST)) {
			esc_json(b, f->value, f->value_len);
			continue;
		}
		bt_buf_putc(b, '[');
		for (size_t j = i; j < n; j++) {
			const struct bt_field *g = &ev->fields[j];
			if (is_system(g) != system || first[j] != i)
				continue;
			if (j != i)
				bt_buf_putc(b, ',');
			esc_json(b, g->value, g->value_len);
		}
		bt_buf_putc(b, ']');
	}
	bt_buf_putc(b, '}');
}

static void json_str_or_null(struct bt_buf *b, const char *s)
{
	if (s)
		esc_json(b, s, strlen(s));
	else
		bt_buf_puts(b, "null");
}

static void event_jsonl(struct bt_buf *b, const struct bt_event *ev)
{
	char t[BT_TIME_BUFSZ];
	bool evtx = ev->source == BT_SOURCE_EVTX;
	bt_buf_puts(b, "{\"time\":");
	if (ev->time == BT_TIME_NONE) {
		bt_buf_puts(b, "null");
	} else {
		bt_buf_putc(b, '"');
		bt_buf_put(b, t, bt_time_format(ev->time, t));
		bt_buf_putc(b, '"');
	}
	bt_buf_puts(b, ",\"source\":\"");
	bt_buf_puts(b, bt_source_name(ev->source));
	bt_buf_puts(b, "\",\"host\":");
	json_str_or_null(b, ev->host);
	bt_buf_puts(b, ",\"channel\":");
	json_str_or_null(b, ev->channel);
	bt_buf_puts(b, ",\"provider\":");
	json_str_or_null(b, ev->provider);
	bt_buf_puts(b, ",\"event_id\":");
	if (evtx)
		bt_buf_put_u64(b, ev->event_id);
	else
		bt_buf_puts(b, "null");
	bt_buf_puts(b, ",\"level\":");
	if (ev->level >= 0)
		bt_buf_put_i64(b, ev->level);
	else
		bt_buf_puts(b, "null");
	bt_buf_puts(b, ",\"record_id\":");
	if (evtx || ev->record_id)   /* journal entries: the sequence number */
		bt_buf_put_u64(b, ev->record_id);
	else
		bt_buf_puts(b, "null");
	bt_buf_puts(b, ",\"user_sid\":");
	json_str_or_null(b, ev->user_sid);
	bt_buf_puts(b, ",\"file\":");
	json_str_or_null(b, ev->file);
	bt_buf_puts(b, ",\"offset\":");
	bt_buf_put_u64(b, ev->offset);
	bt_buf_puts(b, ",\"line\":");
	if (ev->line)
		bt_buf_put_u64(b, ev->line);
	else
		bt_buf_puts(b, "null");
	bt_buf_puts(b, (ev->flags & BT_EV_RECOVERED) ? ",\"recovered\":true" : ",\"recovered\":false");
	if (evtx) {
		bt_buf_puts(b, ",\"system\":");
		out_event_fields_json(b, ev, true);
	}
	bt_buf_puts(b, ",\"fields\":");
	out_event_fields_json(b, ev, false);
	bt_buf_puts(b, "}\n");
}

static const char csv_header[] =
	"time,source,host,channel,provider,event_id,level,record_id,user_sid,file,offset,line,"
	"recovered,fields\n";

void out_event_header(struct bt_buf *b, const struct out_opts *o)
{
	if (o->format == OUT_CSV)
		bt_buf_puts(b, csv_header);
}

static void csv_str(struct bt_buf *b, const struct out_opts *o, const char *s)
{
	if (s)
		esc_csv(b, s, strlen(s), o->csv_formula_guard);
	bt_buf_putc(b, ',');
}

static void event_csv(struct bt_buf *b, const struct out_opts *o, const struct bt_event *ev)
{
	char t[BT_TIME_BUFSZ];
	bool evtx = ev->source == BT_SOURCE_EVTX;
	bt_buf_put(b, t, bt_time_format(ev->time, t));
	bt_buf_putc(b, ',');
	csv_str(b, o, bt_source_name(ev->source));
	csv_str(b, o, ev->host);
	csv_str(b, o, ev->channel);
	csv_str(b, o, ev->provider);
	if (evtx)
		bt_buf_put_u64(b, ev->event_id);
	bt_buf_putc(b, ',');
	if (ev->level >= 0)
		bt_buf_put_i64(b, ev->level);
	bt_buf_putc(b, ',');
	if (evtx || ev->record_id)
		bt_buf_put_u64(b, ev->record_id);
	bt_buf_putc(b, ',');
	csv_str(b, o, ev->user_sid);
	csv_str(b, o, ev->file);
	bt_buf_put_u64(b, ev->offset);
	bt_buf_putc(b, ',');
	if (ev->line)
		bt_buf_put_u64(b, ev->line);
	bt_buf_putc(b, ',');
	bt_buf_puts(b, (ev->flags & BT_EV_RECOVERED) ? "true," : "false,");
	/* The fields cell is JSON text; it never starts with a formula character. */
	struct bt_buf js = BT_BUF_INIT;
	out_event_fields_json(&js, ev, false);
	esc_csv(b, js.p ? js.p : "{}", js.p ? js.n : 2, false);
	bt_buf_free(&js);
	bt_buf_puts(b, "\r\n");
}

static void text_str(struct bt_buf *b, const char *s)
{
	if (s)
		esc_text(b, s, strlen(s));
	else
		bt_buf_putc(b, '-');
}

static void event_text(struct bt_buf *b, const struct out_opts *o, const struct bt_event *ev)
{
	char t[BT_TIME_BUFSZ];
	const char *dim = o->color ? "\033[2m" : "", *bold = o->color ? "\033[1m" : "",
	           *off = o->color ? "\033[0m" : "";
	if (ev->time == BT_TIME_NONE)
		bt_buf_puts(b, "(no time)");
	else
		bt_buf_put(b, t, bt_time_format(ev->time, t));
	bt_buf_putc(b, ' ');
	text_str(b, ev->host);
	bt_buf_printf(b, " %s", bold);
	text_str(b, ev->channel);
	if (ev->source == BT_SOURCE_EVTX)
		bt_buf_printf(b, "/%u", (unsigned)ev->event_id);
	bt_buf_printf(b, "%s %s", off, dim);
	text_str(b, ev->provider);
	bt_buf_puts(b, off);
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct bt_field *f = &ev->fields[i];
		if (is_system(f))
			continue;
		bt_buf_putc(b, ' ');
		esc_text(b, f->name, f->name_len);
		bt_buf_putc(b, '=');
		esc_text(b, f->value, f->value_len);
	}
	bt_buf_printf(b, " %s[", dim);
	text_str(b, ev->file);
	if (ev->source == BT_SOURCE_EVTX || ev->record_id)
		bt_buf_printf(b, " #%llu", (unsigned long long)ev->record_id);
	if (ev->line)
		bt_buf_printf(b, ":%llu", (unsigned long long)ev->line);
	if (ev->flags & BT_EV_RECOVERED)
		bt_buf_puts(b, " recovered");
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
	}
}
