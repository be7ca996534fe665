/* Options shared by every subcommand that reads evidence (events, hunt):
 * what to read, how, and which events to keep. */
#ifndef BT_READOPTS_H
#define BT_READOPTS_H

#include <getopt.h>
#include <stdbool.h>

#include "cli.h"
#include "input/bt_filter.h"
#include "input/bt_input.h"
#include "input/bt_scan.h"

/* Option ids (long-only options start at 256; subcommands number theirs from
 * READ_OPT_END). */
enum {
	READ_OPT_STATS = 256,
	READ_OPT_READER,
	READ_OPT_ASSUME_HOST,
	READ_OPT_WORKER_TIMEOUT,
	READ_OPT_NO_ISOLATION,
	READ_OPT_FILES_FROM,
	READ_OPT_SINCE,
	READ_OPT_UNTIL,
	READ_OPT_EVENT_ID,
	READ_OPT_CHANNEL,
	READ_OPT_PROVIDER,
	READ_OPT_JOBS,
	READ_OPT_SERVICE_NAME,
	READ_OPT_NO_RECOVER,
	READ_OPT_END,
};

#define READ_SHORT_OPTS "L0qj:"

#define READ_LONG_OPTS \
	{"follow-symlinks", no_argument, NULL, 'L'}, \
	{"null", no_argument, NULL, '0'}, \
	{"quiet", no_argument, NULL, 'q'}, \
	{"stats", no_argument, NULL, READ_OPT_STATS}, \
	{"reader", required_argument, NULL, READ_OPT_READER}, \
	{"assume-host", required_argument, NULL, READ_OPT_ASSUME_HOST}, \
	{"worker-timeout", required_argument, NULL, READ_OPT_WORKER_TIMEOUT}, \
	{"no-isolation", no_argument, NULL, READ_OPT_NO_ISOLATION}, \
	{"files-from", required_argument, NULL, READ_OPT_FILES_FROM}, \
	{"since", required_argument, NULL, READ_OPT_SINCE}, \
	{"until", required_argument, NULL, READ_OPT_UNTIL}, \
	{"event-id", required_argument, NULL, READ_OPT_EVENT_ID}, \
	{"channel", required_argument, NULL, READ_OPT_CHANNEL}, \
	{"provider", required_argument, NULL, READ_OPT_PROVIDER}, \
	{"jobs", required_argument, NULL, 'j'}, \
	{"service-name", required_argument, NULL, READ_OPT_SERVICE_NAME}, \
	{"no-recover", no_argument, NULL, READ_OPT_NO_RECOVER}

/* Help text for the shared options. */
#define READ_OPTS_HELP \
	"      --since TIME       only events at or after TIME (RFC 3339 or YYYY-MM-DD)\n" \
	"      --until TIME       only events at or before TIME (a date means its end)\n" \
	"      --event-id LIST    only these EVTX event ids (4624,4768-4771)\n" \
	"      --channel NAME     only this channel (repeatable; case-insensitive)\n" \
	"      --provider NAME    only this provider (repeatable; case-insensitive)\n" \
	"      --files-from FILE  read input paths from FILE (- for stdin), one per line\n" \
	"  -0, --null             --files-from names are NUL-separated (find -print0)\n" \
	"  -L, --follow-symlinks  follow symbolic links inside directories\n" \
	"  -j, --jobs N           read with N threads (default: all processors); the\n" \
	"                         output is the same for any N\n" \
	"      --stats            per-file integrity summary on stderr\n" \
	"      --reader NAME      EVTX reader: auto (default) or libevtx\n" \
	"      --no-recover       do not recover EVTX records outside the live records\n" \
	"      --assume-host [PATH=]NAME host of the evidence (under PATH) that names\n" \
	"                         none (repeatable with PATH)\n" \
	"      --service-name NAME Windows service name of dockerd: the provider of its\n" \
	"                         Application log events (default: docker)\n" \
	"      --worker-timeout S stop a libevtx or journal worker that makes no progress\n" \
	"                         for S seconds\n" \
	"      --no-isolation     run libevtx and libsystemd in-process (no crash isolation)\n" \
	"  -q, --quiet            only errors on stderr: no notes, warnings, summaries\n" \
	"                         or progress (the output and exit status are the same)\n"

struct read_opts {
	struct cli_diag diag;
	struct bt_input_opts in;
	struct bt_filter filter;
	bool follow;
	bool stats;
	bool nul;
	const char *files_from;
	unsigned jobs;          /* reading threads (default: all processors) */
	struct bt_assume_host *assume;   /* --assume-host PATH=NAME, owned */
	size_t nassume;
};

void read_opts_init(struct read_opts *o);
void read_opts_free(struct read_opts *o);

/* Handles one getopt result: 1 handled, 0 not a shared option, -1 bad value
 * (reported; the caller exits with EXIT_FATAL). `cmd` names the subcommand. */
int read_opts_parse(struct read_opts *o, int c, const char *arg, const char *cmd);

/* Builds the input list from PATH arguments and --files-from. Reports and
 * returns false on a usage error (no input, stdin used twice) or a read error. */
bool read_opts_inputs(struct read_opts *o, char *const *paths, int npaths, const char *cmd,
                      struct cli_inputs *out);

/* One reading, as the command line runs it: the inputs for bt_scan, the
 * reading options, and a report that writes output to stdout in input
 * order, reports named inputs that are not evidence, prints per-input
 * statistics (with --stats, or whenever records failed), counts into *run
 * and shows progress on a terminal. The command hands in, inputs, n, scan
 * and report to its read loop (bt_read_events, bt_hunt_read). */
struct read_run {
	struct bt_scan_input *in;
	size_t n;
	struct bt_scan_opts scan;
	struct bt_scan_report report;
	/* private */
	struct read_opts *o;
	const struct cli_inputs *inputs;
	struct cli_run *run;
	void (*input_done)(void *ctx, const char *path, const struct bt_scan_result *r);
	void *ctx;
	/* public: where the output bytes go, in input order (NULL: stdout) */
	void (*write)(void *wctx, const char *p, size_t n);
	void *wctx;
};

/* Prepares a reading; input_done (may be NULL) hears of each input after
 * the run's own bookkeeping. Returns false when out of memory (reported). */
bool read_run_begin(struct read_run *rr, struct read_opts *o, const struct cli_inputs *inputs,
                    struct cli_run *run,
                    void (*input_done)(void *ctx, const char *path, const struct bt_scan_result *r),
                    void *ctx);
void read_run_end(struct read_run *rr);

#endif
