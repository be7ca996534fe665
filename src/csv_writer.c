/* The CSV writer (csv_writer.h): cells, commas and row ends over esc_csv and
 * bt_buf. */
#include "config.h"

#include "csv_writer.h"

#include <string.h>

#include "escape.h"

static inline void sep(struct cw *w)
{
	if (w->filled)
		bt_buf_putc(w->b, ',');
	w->filled = true;
}

void cw_str(struct cw *w, const char *s, size_t n)
{
	sep(w);
	esc_csv(w->b, s, n, w->formula_guard);
}

void cw_strz(struct cw *w, const char *s)
{
	sep(w);
	if (s)
		esc_csv(w->b, s, strlen(s), w->formula_guard);
}

void cw_join(struct cw *w, const char *const *v, size_t n, const char *sepstr)
{
	struct bt_buf j = BT_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i)
			bt_buf_puts(&j, sepstr);
		bt_buf_puts(&j, v[i]);
	}
	cw_str(w, j.p ? j.p : "", j.n);
	if (j.oom)
		w->b->oom = true;
	bt_buf_free(&j);
}

void cw_empty(struct cw *w)
{
	sep(w);
}

void cw_bool(struct cw *w, bool v)
{
	sep(w);
	if (v)
		bt_buf_put(w->b, "true", 4);
	else
		bt_buf_put(w->b, "false", 5);
}

void cw_u64(struct cw *w, uint64_t v)
{
	sep(w);
	bt_buf_put_u64(w->b, v);
}

void cw_u64_or_empty(struct cw *w, bool present, uint64_t v)
{
	sep(w);
	if (present)
		bt_buf_put_u64(w->b, v);
}

void cw_time(struct cw *w, bt_time t)
{
	char buf[BT_TIME_BUFSZ];
	sep(w);
	bt_buf_put(w->b, buf, bt_time_format(t, buf));
}

void cw_row_end(struct cw *w)
{
	bt_buf_put(w->b, "\r\n", 2);
	w->filled = false;
}
