/* Line-oriented option files (--host-map, --suppress): read line by line
 * with the line number for messages, from a file or a pipe (process
 * substitution). An option file is small and hand-written: one with a line
 * longer than the cap, a NUL byte, more than BT_LINES_MAX_LINES lines or
 * BT_LINES_MAX_BYTES bytes is not one (/dev/zero, /dev/urandom, a binary
 * file given by mistake): reading stops there with one message. A line is
 * never split into two (which would read half a line as an entry). */
#ifndef BT_LINES_H
#define BT_LINES_H

#include <stdbool.h>
#include <stdio.h>

#include "core/bt_diag.h"
#include "core/bt_status.h"

#define BT_LINES_MAX 4096                     /* bytes of one line, its end excluded */
#define BT_LINES_MAX_LINES 1000000ul            /* lines of one file */
#define BT_LINES_MAX_BYTES (64ul * 1024 * 1024) /* bytes of one file */

struct bt_lines {
	FILE *f;
	const char *path;
	const struct bt_diag *diag;
	unsigned long no;        /* number of the line last returned (1-based) */
	unsigned long bytes;     /* read so far */
	char buf[BT_LINES_MAX + 1];
};

/* Opens `path`; on failure reports "cannot open WHAT: reason" and returns
 * BT_ERR_IO. */
enum bt_status bt_lines_open(struct bt_lines *l, const char *path, const char *what,
                             const struct bt_diag *diag);

/* The next line, without its "\n" or "\r\n", in l->buf (writable). Returns
 * BT_OK; BT_ERR_LIMIT for a line over BT_LINES_MAX, a NUL byte, or a file
 * past BT_LINES_MAX_LINES / BT_LINES_MAX_BYTES (reported: stop reading);
 * BT_EOF at the end; BT_ERR_IO on a read error (reported). */
enum bt_status bt_lines_next(struct bt_lines *l, char **line);

void bt_lines_close(struct bt_lines *l);

/* Reads `path` line by line: `line` gets each line (writable) and its
 * number, and returns false for a malformed one (it reports it). Reading
 * stops at the first malformed line or limit: one message, not one per
 * line. Returns BT_OK; BT_ERR_FORMAT for a malformed line or a limit;
 * BT_ERR_IO when the file cannot be opened or read (reported). */
enum bt_status bt_lines_each(const char *path, const char *what, const struct bt_diag *diag,
                             bool (*line)(void *ctx, char *s, unsigned long no), void *ctx);

#endif
