/* What the evidence holds, per host (`boxtrail summary`): event ids and
 * channels with counts and first/last time, logons (success and failure by
 * account, logon type and source address), Kerberos tickets by kind,
 * encryption and status, containers seen, and the files with integrity
 * problems. Events that name no host count for their collection's host
 * (bt_identity), known once every input is read.
 *
 * Each table keeps at most BT_SUMMARY_MAX_ROWS rows per host; further
 * distinct rows are counted together in one row whose parts read "(other)",
 * and the host says so (other_rows). */
#ifndef BT_SUMMARY_H
#define BT_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_time.h"
#include "hunt/bt_identity.h"
#include "input/bt_filter.h"
#include "input/bt_scan.h"

#define BT_SUMMARY_MAX_ROWS 10000

enum bt_summary_table {
	BT_SUM_EVENTS,      /* channel, event id (or provider for sources without ids) */
	BT_SUM_LOGONS,      /* outcome, account, logon type, source address */
	BT_SUM_TICKETS,     /* kind (TGT, service ticket), encryption, status */
	BT_SUM_CONTAINERS,  /* container id, name, image */
	BT_SUM_NTABLES
};

/* The parts of each table's rows, for headers. */
extern const char *const bt_summary_columns[BT_SUM_NTABLES][4];
extern const size_t bt_summary_ncolumns[BT_SUM_NTABLES];
extern const char *const bt_summary_table_names[BT_SUM_NTABLES];

struct bt_summary_row {
	const char *part[4];
	uint64_t count;
	bt_time first, last;
};

struct bt_summary_host {
	const char *name;        /* as first stated; "(unknown host)" when none */
	uint64_t events;
	bt_time first, last;
	const struct bt_summary_row *rows[BT_SUM_NTABLES];   /* most frequent first */
	size_t nrows[BT_SUM_NTABLES];
	uint64_t other_rows[BT_SUM_NTABLES];   /* events counted in the "(other)" row */
};

/* An input with an integrity problem (or unreadable). */
struct bt_summary_file {
	const char *path, *host;
	uint64_t records, recovered, failed, corrupt_chunks, id_gaps, time_backwards;
	bool incomplete, unreadable, changed, dirty;
};

struct bt_summary;

struct bt_summary *bt_summary_new(void);
void bt_summary_free(struct bt_summary *s);

/* Reads every input (bt_scan_run with a worker per thread); the filter
 * narrows what is counted. */
enum bt_status bt_summary_read(struct bt_summary *s, const struct bt_scan_input *inputs, size_t n,
                               const struct bt_scan_opts *o, const struct bt_filter *filter,
                               const struct bt_scan_report *report);

/* After reading: events without a host join their collection's host, rows
 * are sorted. Hosts in name order; the unknown host last. */
enum bt_status bt_summary_finish(struct bt_summary *s, const struct bt_diag *diag);
size_t bt_summary_hosts(const struct bt_summary *s, const struct bt_summary_host **out);
size_t bt_summary_files(const struct bt_summary *s, const struct bt_summary_file **out);
uint64_t bt_summary_files_read(const struct bt_summary *s);

#endif
