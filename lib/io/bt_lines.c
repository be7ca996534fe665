/* Line-oriented option files. */
#include "config.h"

#include "io/bt_lines.h"

#include <errno.h>
#include <string.h>

enum bt_status bt_lines_open(struct bt_lines *l, const char *path, const char *what,
                             const struct bt_diag *diag)
{
	l->path = path;
	l->diag = diag;
	l->no = 0;
	l->bytes = 0;
	if (!(l->f = fopen(path, "re"))) {
		bt_diagf(diag, BT_DIAG_ERROR, path, "cannot open %s: %s", what, strerror(errno));
		return BT_ERR_IO;
	}
	return BT_OK;
}

enum bt_status bt_lines_next(struct bt_lines *l, char **line)
{
	size_t n = 0;
	int c = EOF;
	while ((c = getc(l->f)) != EOF && c != '\n') {
		if (++l->bytes > BT_LINES_MAX_BYTES) {
			bt_diagf(l->diag, BT_DIAG_ERROR, l->path,
			         "more than %lu bytes: not an option file; stopped at line %lu",
			         BT_LINES_MAX_BYTES, l->no + 1);
			return BT_ERR_LIMIT;
		}
		if (c == '\0') {
			bt_diagf(l->diag, BT_DIAG_ERROR, l->path,
			         "line %lu: a NUL byte: not a text file; stopped there", l->no + 1);
			return BT_ERR_LIMIT;
		}
		if (n == BT_LINES_MAX) {
			bt_diagf(l->diag, BT_DIAG_ERROR, l->path,
			         "line %lu: longer than %d bytes: not an option file; stopped there",
			         l->no + 1, BT_LINES_MAX);
			return BT_ERR_LIMIT;
		}
		l->buf[n++] = (char)c;
	}
	if (c == EOF && ferror(l->f)) {
		bt_diagf(l->diag, BT_DIAG_ERROR, l->path, "read error after line %lu: %s", l->no,
		         strerror(errno));
		return BT_ERR_IO;
	}
	if (c == EOF && n == 0)
		return BT_EOF;
	l->bytes += c == '\n';
	if (++l->no > BT_LINES_MAX_LINES) {
		bt_diagf(l->diag, BT_DIAG_ERROR, l->path,
		         "more than %lu lines: not an option file; stopped there", BT_LINES_MAX_LINES);
		return BT_ERR_LIMIT;
	}
	if (n && l->buf[n - 1] == '\r')
		n--;
	l->buf[n] = '\0';
	*line = l->buf;
	return BT_OK;
}

void bt_lines_close(struct bt_lines *l)
{
	if (l->f)
		fclose(l->f);
	l->f = NULL;
}

enum bt_status bt_lines_each(const char *path, const char *what, const struct bt_diag *diag,
                             bool (*line)(void *ctx, char *s, unsigned long no), void *ctx)
{
	struct bt_lines lf;
	if (bt_lines_open(&lf, path, what, diag) != BT_OK)
		return BT_ERR_IO;
	enum bt_status st = BT_OK, rst;
	char *s;
	/* the first malformed line ends it: a file that is not what was meant
	 * (a binary, the wrong file) gets one message, not one per line */
	while ((rst = bt_lines_next(&lf, &s)) == BT_OK)
		if (!line(ctx, s, lf.no)) {
			st = BT_ERR_FORMAT;
			break;
		}
	bt_lines_close(&lf);
	if (rst == BT_ERR_IO)
		return BT_ERR_IO;
	return rst == BT_ERR_LIMIT ? BT_ERR_FORMAT : st;
}
