/* Writing gzip: a stdio stream whose bytes are compressed into another (a
 * state file named *.gz, a twentieth of its plain size). Reading gzip is
 * bt_stream.h's. */
#ifndef BT_GZWRITE_H
#define BT_GZWRITE_H

#include <stdio.h>

/* A stream that compresses what is written to it into `out` (one gzip
 * member, no name or time in its header: the same input gives the same
 * bytes). fclose() it to finish the member: EOF when a write to `out`
 * failed or memory ran out (errno says why). `out` stays open. NULL when
 * out of memory. */
FILE *bt_gzip_writer(FILE *out);

#endif
