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
	if (!(l->f = fopen(path, "re"))) {
		bt_diagf(diag, BT_DIAG_ERROR, path, "cannot open %s: %s", what, strerror(errno));
		return BT_ERR_IO;
	}
	return BT_OK;
}

enum bt_status bt_lines_next(struct bt_lines *l, char **line)
{
	if (fgets(l->buf, sizeof l->buf, l->f)) {
		l->no++;
		size_t n = strlen(l->buf);
		if (n == sizeof l->buf - 1 && l->buf[n - 1] != '\n') {
			int c;
			while ((c = getc(l->f)) != EOF && c != '\n')
				;
			bt_diagf(l->diag, BT_DIAG_ERROR, l->path, "line %lu: longer than %d bytes, skipped",
			         l->no, BT_LINES_MAX);
			return BT_ERR_LIMIT;
		}
		l->buf[strcspn(l->buf, "\r\n")] = '\0';
		*line = l->buf;
		return BT_OK;
	}
	if (ferror(l->f)) {
		bt_diagf(l->diag, BT_DIAG_ERROR, l->path, "read error after line %lu", l->no);
		return BT_ERR_IO;
	}
	return BT_EOF;
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
	while ((rst = bt_lines_next(&lf, &s)) == BT_OK || rst == BT_ERR_LIMIT)
		if (rst == BT_ERR_LIMIT || !line(ctx, s, lf.no))
			st = BT_ERR_FORMAT;   /* a malformed line; the others are still read */
	bt_lines_close(&lf);
	return rst == BT_ERR_IO ? BT_ERR_IO : st;
}
