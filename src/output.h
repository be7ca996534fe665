/* Output of events and findings in each format (jsonl, csv, text, and
 * timesketch for findings), all formatted into a bt_buf so the caller decides
 * where and when bytes go (stdout, a per-file buffer for parallel runs, or a
 * memstream in tests). Schemas are documented in boxtrail(1).
 *
 * out_event.c and out_finding.c lay the records out; the bytes of each format
 * come from one place: JSON from the JSON writer (json_writer.h), CSV cells
 * and rows from the CSV writer (csv_writer.h), text escaping from esc_text
 * (escape.h). `rules` and the run record write their JSON with the same
 * writer. */
#ifndef BT_OUTPUT_H
#define BT_OUTPUT_H

#include <stdbool.h>

#include "core/bt_buf.h"
#include "core/bt_event.h"

enum out_format { OUT_JSONL, OUT_CSV, OUT_TEXT, OUT_TIMESKETCH };

struct out_opts {
	enum out_format format;
	bool color;                /* text only: ANSI colours */
	bool csv_formula_guard;    /* prefix ' to cells starting with = + - @ */
};

/* Parses "jsonl", "csv", "text" (and "timesketch" when allowed). */
bool out_parse_format(const char *s, bool allow_timesketch, enum out_format *out);

/* Appends the CSV header line for events (nothing for other formats). */
void out_event_header(struct bt_buf *b, const struct out_opts *o);

/* Appends one event as one line (terminated by \n). */
void out_event(struct bt_buf *b, const struct out_opts *o, const struct bt_event *ev);

struct jw;

/* Writes the members that open every JSON record of an event (events and
 * findings' evidence): time, source, host, channel, provider, event_id. */
void out_event_head_jw(struct jw *w, const struct bt_event *ev);

/* Writes the JSON object of an event's fields ({"Name":"v","Data":["a"]}):
 * the System fields when system is true, else the others. Fields of one name
 * make one member, an array when there are several or the field is a list. */
void out_event_fields_jw(struct jw *w, const struct bt_event *ev, bool system);

/* The same object appended to b as a JSON text of its own. */
void out_event_fields_json(struct bt_buf *b, const struct bt_event *ev, bool system);

struct bt_finding;

/* Version of the finding schema written in every JSONL/Timesketch line. */
#define OUT_FINDING_SCHEMA "boxtrail.finding/1"

/* Appends the CSV header line for findings (nothing for other formats). */
void out_finding_header(struct bt_buf *b, const struct out_opts *o);

/* Appends one finding: a text block, or one JSONL / Timesketch / CSV line. */
void out_finding(struct bt_buf *b, const struct out_opts *o, const struct bt_finding *f);

#endif
