/* What every subcommand shares: exit status, diagnostics on stderr, option
 * parsing helpers and the list of inputs. */
#ifndef BT_CLI_H
#define BT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/bt_diag.h"
#include "input/bt_input.h"

/* Exit status, one scheme for every subcommand (boxtrail(1) EXIT STATUS). */
enum {
	EXIT_NOTHING = 0,     /* success, no findings */
	EXIT_FINDINGS = 1,    /* hunt reported findings */
	EXIT_FATAL = 2,       /* usage error or nothing could be processed */
	EXIT_PARTIAL = 4,     /* added: some input could not be read (fully) */
};

/* Diagnostics printed to stderr, made safe for the terminal, and counted
 * (those that reach cli_diag_print: when quiet, only errors do). */
struct cli_diag {
	bool quiet;             /* -q: drop notes and warnings, print errors only */
	unsigned long warnings;
	unsigned long errors;
};

void cli_diag_print(void *ctx, enum bt_diag_level level, const char *file, const char *msg);

/* The library's end of `d`: cli_diag_print, with the least level to report
 * (errors only when quiet, so that the library does not even format what
 * would be dropped). Taken again after d->quiet changes. */
struct bt_diag cli_diag_of(struct cli_diag *d);

/* Prints "boxtrail: " + message to stderr (messages written by us, not evidence). */
void cli_errorf(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/* Parses an unsigned decimal in [lo, hi]; false on junk or out of range. */
bool cli_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);

/* One input to read: a path and whether the user named it directly. */
struct cli_input {
	char *path;
	bool named;
};

struct cli_inputs {
	struct cli_input *v;
	size_t n, cap;
	char **roots;                /* the paths as named (PATH arguments, --files-from lines) */
	size_t nroots;
	unsigned long walk_errors;   /* paths that could not be opened or listed */
	bool uses_stdin;
};

/* Expands PATH arguments ("-" = stdin, directories walked) into inputs. */
bool cli_collect_inputs(struct cli_inputs *in, char *const *paths, int npaths,
                        bool follow_symlinks, struct cli_diag *diag);

/* Adds the paths listed in `file` ("-" = stdin), one per line or NUL-separated
 * (`nul`), as if found by a directory walk: directories are walked and files
 * that are not evidence are skipped silently. Returns false on a read error
 * (reported). */
bool cli_inputs_from_file(struct cli_inputs *in, const char *file, bool nul, bool follow_symlinks,
                          struct cli_diag *diag);

/* Sum of the sizes of regular-file inputs (for progress). */
uint64_t cli_inputs_bytes(const struct cli_inputs *in);
void cli_inputs_free(struct cli_inputs *in);

/* Aggregate over a run, to decide the exit status and the summary. */
struct cli_run {
	unsigned long files_read;       /* inputs opened and read (fully or partly) */
	unsigned long files_partial;    /* read with losses (failed records, bad chunks, crash) */
	unsigned long files_unreadable; /* could not be read at all */
	unsigned long files_unrecognised; /* named explicitly but not an evidence format */
	unsigned long files_skipped;    /* found by the walk, not evidence: skipped silently */
	uint64_t events;
};

/* Prints the per-file integrity summary line of `--stats`. */
void cli_print_stats(FILE *f, const char *path, const struct bt_file_stats *st);

/* Prints the totals line of `--stats` (files read, partial, unreadable, not
 * evidence, events read): the same for every command that reads evidence. */
void cli_print_totals(FILE *f, const struct cli_run *r);

/* True when the stats say some of the input was lost. */
bool cli_stats_lossy(const struct bt_file_stats *st);

/* Exit status from a run's counters (without the findings bit). */
int cli_exit_status(const struct cli_run *r, const struct cli_inputs *in);

/* Writes output bytes to stdout: through stdio, or for a large block
 * straight to the descriptor after a flush (stdio would copy it first).
 * A failed write is remembered for cli_output_failed. */
void cli_write_out(const char *p, size_t n);

/* Flushes stdout; true when some output could not be written. */
bool cli_output_failed(void);

/* The exit status once output is flushed: unchanged, or, when standard
 * output could not be written (full disk, closed pipe), EXIT_FATAL plus
 * EXIT_PARTIAL if `status` had it (never the findings bit: the findings did
 * not reach the reader). Reports the error with its reason once. */
int cli_output_status(int status);

/* Shared prefix of messages ("boxtrail"). */
extern const char *cli_progname;

/* Path of the executable serving `__evtx-worker` (NULL: run libevtx in-process). */
extern const char *cli_worker_exe;

/* The environment, read here only (lib is handed what it needs):
 * $BOXTRAIL_DATADIR (rules and mapping; NULL: lib's default), $TMPDIR (NULL:
 * lib's /tmp) and $BOXTRAIL_NO_JIT (interpret regular expressions). */
const char *cli_datadir(void);
const char *cli_tmpdir(void);

/* --ticket-lifetime, --renew-lifetime: a duration as rules write a
 * timespan (90s, 10m, 10h, 7d) into ticks; false unless positive. */
bool cli_parse_lifetime(const char *s, int64_t *ticks);
/* --baseline-until: a time as --since takes it (RFC 3339 or YYYY-MM-DD,
 * the start of that day); false when unparsable. */
bool cli_parse_baseline_until(const char *s, bt_time *t);
bool cli_no_jit(void);

#endif
