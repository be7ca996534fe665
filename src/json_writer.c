/* The JSON writer (json_writer.h): containers, commas, and values over
 * esc_json and bt_buf. */
#include "config.h"

#include "json_writer.h"

static void open_container(struct jw *w, char c)
{
	jw_sep(w);
	bt_buf_putc(w->b, c);
	assert(w->depth < JW_DEPTH_MAX);
	w->depth++;
	w->filled &= ~((uint64_t)1 << w->depth);
}

static void close_container(struct jw *w, char c)
{
	assert(w->depth > 0 && !w->after_key);
	w->depth--;
	bt_buf_putc(w->b, c);
}

void jw_object(struct jw *w)
{
	open_container(w, '{');
}

void jw_object_end(struct jw *w)
{
	close_container(w, '}');
}

void jw_array(struct jw *w)
{
	open_container(w, '[');
}

void jw_array_end(struct jw *w)
{
	close_container(w, ']');
}

void jw_key_n(struct jw *w, const char *k, size_t n)
{
	assert(w->depth > 0 && !w->after_key);
	struct bt_buf *b = w->b;
	bool comma = jw_item(w);
	if (esc_json_plain(k, n) == n && !b->oom && b->cap - b->n > n + 4) {
		/* the common case, a name that needs no escaping, in one go:
		 * [,]"name": */
		char *d = b->p + b->n;
		*d = ',';
		d += comma;
		*d++ = '"';
		memcpy(d, k, n);
		d += n;
		*d++ = '"';
		*d++ = ':';
		*d = '\0';
		b->n = (size_t)(d - b->p);
	} else {
		if (comma)
			bt_buf_putc(b, ',');
		esc_json(b, k, n);
		bt_buf_putc(b, ':');
	}
	w->after_key = true;
}

void jw_strz(struct jw *w, const char *s)
{
	jw_sep(w);
	if (s)
		esc_json(w->b, s, strlen(s));
	else
		bt_buf_put(w->b, "null", 4);
}

void jw_null(struct jw *w)
{
	jw_sep(w);
	bt_buf_put(w->b, "null", 4);
}

void jw_bool(struct jw *w, bool v)
{
	jw_sep(w);
	if (v)
		bt_buf_put(w->b, "true", 4);
	else
		bt_buf_put(w->b, "false", 5);
}

void jw_u64(struct jw *w, uint64_t v)
{
	jw_sep(w);
	bt_buf_put_u64(w->b, v);
}

void jw_i64(struct jw *w, int64_t v)
{
	jw_sep(w);
	bt_buf_put_i64(w->b, v);
}

void jw_u64_or_null(struct jw *w, bool present, uint64_t v)
{
	jw_sep(w);
	if (present)
		bt_buf_put_u64(w->b, v);
	else
		bt_buf_put(w->b, "null", 4);
}

void jw_time(struct jw *w, bt_time t)
{
	jw_sep(w);
	if (t == BT_TIME_NONE) {
		bt_buf_put(w->b, "null", 4);
		return;
	}
	/* the formatted time is plain ASCII: no escaping needed */
	char buf[BT_TIME_BUFSZ + 2];
	size_t n = bt_time_format(t, buf + 1);
	buf[0] = '"';
	buf[n + 1] = '"';
	bt_buf_put(w->b, buf, n + 2);
}

void jw_str_array(struct jw *w, const char *const *v, size_t n)
{
	jw_array(w);
	for (size_t i = 0; i < n; i++)
		jw_strz(w, v[i]);
	jw_array_end(w);
}

void jw_json(struct jw *w, const char *s, size_t n)
{
	jw_sep(w);
	bt_buf_put(w->b, s, n);
}
