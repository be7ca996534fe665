/* State files: the hunt cut after matching, so that a fleet's evidence can
 * be hunted where it lies (map) and joined in one place (reduce).
 *
 * The map step reads its evidence as a hunt does, then, instead of
 * correlating, writes what the rest of the hunt needs: every matched event
 * (with the rules it matched and every copy's provenance), what was learned
 * of host identity (each folder's collection, the names its files state,
 * host <-> address links and the addresses waiting for their collection's
 * host, container networks, VMs on ESXi hosts), the span of every log (the
 * witnesses of absences), the Docker root's Privileged per container, the
 * inputs read and the counts. The reduce loads any number of them into one
 * hunt, beside evidence read as usual, and finishes it: host mapping,
 * correlation, baselines, grouping and merging run on the whole unchanged.
 *
 * JSON Lines, one record per line with its kind in "k": a header first
 * ({"boxtrail_state":SCHEMA,"rules":FINGERPRINT,...}), an end record last
 * ({"k":"end","records":N,"fnv1a64":HEX}: the lines before it and the
 * FNV-1a 64 of their bytes, against truncation and accidental edits, not an
 * adversary). The schema is in boxtrail(1), MAP AND REDUCE. The matched
 * events come first (in the hit store's order), then the other sections,
 * each sorted, so a map step writes the same bytes whatever --jobs. */
#ifndef BT_STATE_H
#define BT_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/bt_diag.h"
#include "core/bt_status.h"
#include "hunt/bt_hostmap.h"
#include "hunt/bt_hunt.h"
#include "input/bt_scan.h"
#include "rules/bt_ruleset.h"

#define BT_STATE_SCHEMA 1
#define BT_STATE_MAGIC "{\"boxtrail_state\":"
#define BT_STATE_MAX_LINE (64u * 1024 * 1024)   /* longest record read */

/* ---- map ---- */

struct bt_state_writer;

/* Starts a state file on `f` (not closed) with its header: `fingerprint`
 * names the rule set (the reduce refuses another), `tool` the version.
 * `host` (NULL: none) names the collecting host: every path the state
 * records is then recorded as "HOST:PATH", so that the same paths on many
 * endpoints (/var/lib/docker) stay apart in the reduce and each finding
 * names where its files were. */
struct bt_state_writer *bt_state_writer_new(FILE *f, const char *fingerprint, const char *tool,
                                            const char *host);

/* Notes one input of the run (in input order): "read", "partial",
 * "unreadable" or "not-evidence" (a named file); its format, events and the
 * host and channel its events name (may be NULL). */
void bt_state_write_input(struct bt_state_writer *w, const char *path, const char *status,
                          const char *format, uint64_t events, const char *host,
                          const char *channel);

/* Writes what the hunt learned and every matched event (bt_hunt_drain: the
 * hunt cannot finish after), then the end record. False on a write error or
 * out of memory (the file is not complete). Frees w. */
bool bt_state_writer_finish(struct bt_state_writer *w, struct bt_hunt *h,
                            struct bt_hostmap *hosts, const struct bt_ruleset *rules);
void bt_state_writer_abort(struct bt_state_writer *w);

/* ---- reduce ---- */

/* Whether the file starts as a state file does (plain or gzip). */
bool bt_state_sniff(const char *path);

/* What a state file brought. */
struct bt_state_info {
	uint64_t inputs_read, inputs_partial, inputs_unreadable, inputs_unrecognised;
	uint64_t events;            /* events the map step read */
	uint64_t hits;              /* matched events loaded */
	uint64_t bad_records;       /* records not used (reported, with their line) */
	uint64_t re_limited;        /* rules whose regex hit its match limit at the map step
	                               (reported): the answer is incomplete there */
	bt_time last;               /* the latest time its matched events and log spans reach
	                               (BT_TIME_NONE: none) */
};

/* Loads `path` into the hunt (its rules must be those the fingerprint
 * names) and the host map. A file that is not whole (no end record, counts
 * or checksum that disagree), of another schema or rule set, is refused as
 * a whole: nothing of it is used, BT_ERR_FORMAT (one line on the diag,
 * naming the file and line). BT_ERR_IO when it cannot be read. BT_OK
 * otherwise; records found bad past the checks are reported and counted in
 * info->bad_records, the rest is used. */
enum bt_status bt_state_load(struct bt_hunt *h, struct bt_hostmap *hosts,
                             const struct bt_ruleset *rules, const char *fingerprint,
                             const char *path, const struct bt_diag *diag,
                             struct bt_state_info *info);

#endif
