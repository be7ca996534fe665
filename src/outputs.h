/* Where a command's records go: standard output, or the files of -o (each
 * in the format its extension says, else -f's), all in one pass; with the
 * time zone (--tz) and CSV profile (--profile) of text and CSV. Every file
 * goes through the guard of outfile.h (never the evidence, never over a
 * file without --force, written under a temporary name and renamed into
 * place when complete). */
#ifndef BT_OUTPUTS_H
#define BT_OUTPUTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "outfile.h"
#include "output.h"

#define OUTPUTS_MAX 8   /* -o files of one run */

/* Option ids (beside each command's, which stay below 400, and the rule
 * options of ruleopts.h). */
enum {
	OUTPUTS_OPT_TZ = 450,
	OUTPUTS_OPT_PROFILE,
};

#define OUTPUTS_LONG_OPTS \
	{"output", required_argument, NULL, 'o'}, \
	{"tz", required_argument, NULL, OUTPUTS_OPT_TZ}, \
	{"profile", required_argument, NULL, OUTPUTS_OPT_PROFILE}

#define OUTPUTS_HELP \
	"  -o, --output FILE      write to FILE instead of standard output (repeatable:\n" \
	"                         one pass, several files); its format from its\n" \
	"                         extension (.jsonl .json .csv .txt), else from -f;\n" \
	"                         never inside the evidence, never over a file\n" \
	"      --tz ZONE          times of text and CSV in ZONE (Europe/Berlin, +02:00;\n" \
	"                         default UTC), stated in their header\n" \
	"      --profile NAME     CSV columns: minimal, standard or verbose, with a\n" \
	"                         details column (the fields that tell most)\n"

struct out_target {
	struct out_opts o;
	const char *path;          /* NULL: standard output */
	struct outfile *file;      /* NULL: standard output */
};

struct outputs {
	const char *paths[OUTPUTS_MAX];
	size_t npaths;
	const char *tz;
	enum out_profile profile;
	struct out_target t[OUTPUTS_MAX];
	size_t n;
};

/* Handles -o, --tz and --profile: 1 taken, 0 not one of them, -1 bad value
 * (reported, naming `cmd`). */
int outputs_opt(struct outputs *s, int c, const char *arg, const char *cmd);

/* Makes the targets: each -o file (checked and created now, before anything
 * is read), or standard output alone. `base` holds -f's format (when
 * `format_set`) and the other options; colour stays with standard output.
 * False after reporting (a format the extension and -f do not say, a
 * refused or uncreatable file): the command exits with EXIT_FATAL. */
bool outputs_open(struct outputs *s, const struct out_opts *base, bool format_set,
                  bool allow_timesketch, const struct cli_inputs *inputs, bool force,
                  const char *cmd);

/* Writes n bytes to target i (standard output through cli_write_out). */
void outputs_write(struct outputs *s, size_t i, const char *p, size_t n);

/* True when the records go to standard output only (no -o). */
bool outputs_stdout_only(const struct outputs *s);

/* Moves the files into place when `ok`, else drops them. False when some
 * file could not be written (reported). */
bool outputs_close(struct outputs *s, bool ok);

#endif
