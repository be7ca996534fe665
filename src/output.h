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

enum out_format { OUT_JSONL, OUT_CSV, OUT_TEXT, OUT_TIMESKETCH, OUT_BULK };

/* CSV layouts: the default (every column, fields as JSON), or a details
 * column (out_details) with few (minimal), the usual (standard) or all
 * (verbose: the default's columns too) of the columns. */
enum out_profile { OUT_PROFILE_DEFAULT, OUT_PROFILE_MINIMAL, OUT_PROFILE_STANDARD,
                   OUT_PROFILE_VERBOSE };

struct out_opts {
	enum out_format format;
	bool color;                /* text only: ANSI colours */
	bool csv_formula_guard;    /* prefix ' to cells starting with = + - @ */
	const char *tz;            /* text and CSV times: NULL UTC ("Z"); else this zone
	                              (out_tz_set made it the process's local time) */
	enum out_profile profile;  /* CSV only */
};

/* Parses "jsonl", "csv", "text", "bulk" (and "timesketch" when allowed). */
bool out_parse_format(const char *s, bool allow_timesketch, enum out_format *out);

/* The format a file name's extension says (.jsonl .json .csv .txt); false
 * for another extension. */
bool out_format_of_path(const char *path, enum out_format *out);

/* Parses "minimal", "standard", "verbose". */
bool out_parse_profile(const char *s, enum out_profile *out);

/* Makes `zone` the local time of text and CSV output: an IANA zone name
 * (Europe/Berlin, found in the zone database), UTC, or a fixed offset
 * (+02:00, -0530). Call before any thread starts. False when the zone is
 * unknown or malformed. */
bool out_tz_set(const char *zone);

#define OUT_TIME_BUFSZ 48

/* A time as text and CSV write it: RFC 3339 in UTC ("...Z"), or with o->tz
 * in that zone with its offset ("2026-03-14T10:12:02.8084560+01:00"); ""
 * when unknown. Returns the length. */
size_t out_time_format(const struct out_opts *o, bt_time t, char buf[OUT_TIME_BUFSZ]);

/* A CSV cell of that time (empty when unknown). */
struct cw;
void out_csv_time(struct cw *w, const struct out_opts *o, bt_time t);

/* Appends the first line of a text output that states its time zone
 * ("# times in Europe/Berlin") when o->tz is set; nothing otherwise. */
void out_text_header(struct bt_buf *b, const struct out_opts *o);

/* Appends the fields that tell most about an event as "Name=value"
 * separated by blanks: with `by_kind`, first those of its kind of event
 * (process creation: image, command line, user, parent; a logon: account,
 * logon type, address; a ticket: service, account, encryption, address; a
 * service install: name and path...), then those that tell what happened
 * in general (the text timeline's order); never identifiers and metadata
 * that rarely help a reader. Up to `max` fields (0: all), values cut to
 * `value_max` bytes keeping head and tail (0: whole), escaped for a
 * terminal when `escape`. */
void out_details(struct bt_buf *b, const struct bt_event *ev, bool by_kind, size_t max,
                 size_t value_max, bool escape);

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

/* The bulk format (out_bulk.c): an action line and an ECS document. */
void out_event_bulk(struct bt_buf *b, const struct bt_event *ev);

struct bt_finding;
void out_finding_bulk(struct bt_buf *b, const struct bt_finding *f);

/* Version of the finding schema written in every JSONL/Timesketch line. */
#define OUT_FINDING_SCHEMA "boxtrail.finding/1"

/* Appends the CSV header line for findings (nothing for other formats). */
void out_finding_header(struct bt_buf *b, const struct out_opts *o);

/* Appends one finding: a text block, or one JSONL / Timesketch / CSV line. */
void out_finding(struct bt_buf *b, const struct out_opts *o, const struct bt_finding *f);

#endif
