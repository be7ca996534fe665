/* Line-oriented option files (--host-map, --suppress): read line by line
 * with the line number for messages. A line longer than the cap is not
 * split into two lines (which would read half a line as an entry): it is
 * reported and skipped, and the caller decides whether that fails the file. */
#ifndef BT_LINES_H
#define BT_LINES_H

#include <stdbool.h>
#include <stdio.h>

#include "core/bt_diag.h"
#include "core/bt_status.h"

#define BT_LINES_MAX 4096   /* bytes of one line, its end excluded */

struct bt_lines {
	FILE *f;
	const char *path;
	const struct bt_diag *diag;
	unsigned long no;        /* number of the line last returned (1-based) */
	char buf[BT_LINES_MAX + 2];
};

/* Opens `path`; on failure reports "cannot open WHAT: reason" and returns
 * BT_ERR_IO. */
enum bt_status bt_lines_open(struct bt_lines *l, const char *path, const char *what,
                             const struct bt_diag *diag);

/* The next line, without its "\n" or "\r\n", in l->buf (writable). Returns
 * BT_OK; BT_ERR_LIMIT for a line over BT_LINES_MAX (reported and skipped:
 * call again for the next); BT_EOF at the end; BT_ERR_IO on a read error
 * (reported). */
enum bt_status bt_lines_next(struct bt_lines *l, char **line);

void bt_lines_close(struct bt_lines *l);

/* Reads `path` line by line: `line` gets each line (writable) and its
 * number, and returns false for a malformed one (it reports it). Returns
 * BT_OK; BT_ERR_FORMAT when a line was malformed or over BT_LINES_MAX (all
 * the others are read); BT_ERR_IO when the file cannot be opened or read
 * (reported). */
enum bt_status bt_lines_each(const char *path, const char *what, const struct bt_diag *diag,
                             bool (*line)(void *ctx, char *s, unsigned long no), void *ctx);

#endif
