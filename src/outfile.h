/* Files the command line writes (--run-record, -o through outputs.h; every
 * later option that writes a file goes through here too). One guard for all of them:
 *  - never the evidence: a path that is an input, or lies inside an input
 *    directory, is refused (compared by device and inode, so links, bind
 *    mounts and `..` do not get round it);
 *  - never over an existing file unless --force;
 *  - opened before the run, so a bad path fails at once, not after hours;
 *  - written to a temporary name beside the target and renamed into place
 *    when complete, so a reader never sees half a file.
 * A character device or FIFO (/dev/stderr, a process substitution) is
 * written directly. */
#ifndef BT_OUTFILE_H
#define BT_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"

struct outfile;

/* Checks `path` against the inputs and opens it for writing. `option` names
 * the option in messages ("--run-record"). NULL on refusal or error, with one
 * line on stderr saying why. */
struct outfile *outfile_open(const char *path, const char *option, const struct cli_inputs *inputs,
                             bool force);

/* The stream to write to. */
FILE *outfile_stream(struct outfile *o);

/* Flushes, syncs and moves the file into place; frees `o`. False on any
 * write error (reported; the temporary file is removed). */
bool outfile_commit(struct outfile *o);

/* Drops the file (the temporary is removed; a device is left alone); frees `o`. */
void outfile_abort(struct outfile *o);

#endif
