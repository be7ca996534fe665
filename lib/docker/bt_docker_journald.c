/* journalctl -o json reader: JSON values to (name, value) pairs for the
 * shared entry mapping (bt_docker_jentry.h). */
#include "config.h"

#include "docker/bt_docker_journald.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/bt_buf.h"
#include "docker/bt_docker_facts.h"
#include "docker/bt_docker_jentry.h"

struct journald {
	struct json_tokener *tok;
	struct bt_jentry *map;
	struct bt_buf tmp;         /* a value exported as an array of bytes */
	bool eof;
	enum bt_status err;
};

/* Hands one member of an entry to the mapping: a string; an array of numbers
 * (not UTF-8) turned back into bytes; the first of a repeated field's array
 * of values; null counted. */
static void member(struct journald *j, const char *key, struct json_object *x)
{
	size_t kl = strlen(key);
	if (!x) {
		bt_jentry_null(j->map, key, kl);
		return;
	}
	if (json_object_is_type(x, json_type_array) && json_object_array_length(x) > 0) {
		struct json_object *first = json_object_array_get_idx(x, 0);
		if (first && !json_object_is_type(first, json_type_int))
			x = first;   /* repeated field: [v1, v2] */
	}
	if (json_object_is_type(x, json_type_string)) {
		bt_jentry_field(j->map, key, kl, json_object_get_string(x),
		                (size_t)json_object_get_string_len(x));
	} else if (json_object_is_type(x, json_type_array)) {
		struct bt_buf *tmp = &j->tmp;
		bt_buf_reset(tmp);
		size_t n = json_object_array_length(x);
		for (size_t i = 0; i < n; i++) {
			int64_t b = json_object_get_int64(json_object_array_get_idx(x, i));
			bt_buf_putc(tmp, (char)(unsigned char)(b & 0xff));
		}
		if (!tmp->oom)
			bt_jentry_field(j->map, key, kl, tmp->p ? tmp->p : "", tmp->n);
	} else if (json_object_is_type(x, json_type_int)) {
		const char *s = json_object_get_string(x);
		bt_jentry_field(j->map, key, kl, s, strlen(s));
	}
}

static enum bt_status jd_open(struct bt_reader_ctx *ctx, void **state)
{
	(void)ctx;
	struct journald *j = calloc(1, sizeof *j);
	if (!j || !(j->tok = json_tokener_new_ex(64)) || !(j->map = bt_jentry_new())) {
		if (j && j->tok)
			json_tokener_free(j->tok);
		free(j);
		return BT_ERR_NOMEM;
	}
	*state = j;
	return BT_OK;
}

static enum bt_status jd_next(struct bt_reader_ctx *ctx, void *state, const struct bt_event **ev)
{
	struct journald *j = state;
	for (;;) {
		const struct bt_event *e = bt_jentry_pop(j->map, ctx->eb, j->eof);
		if (e) {
			*ev = e;
			return BT_OK;
		}
		if (j->eof) {
			bt_jentry_summarise(ctx, j->map);
			return j->err ? j->err : BT_EOF;
		}
		struct json_object *o;
		uint64_t line, off;
		enum bt_status st = bt_docker_next_json(ctx, bt_jentry_warnings(j->map), j->tok, &o,
		                                        &line, &off);
		if (st != BT_OK) {
			if (st != BT_EOF)
				j->err = st;
			j->eof = true;
			continue;
		}
		bt_jentry_begin(j->map);
		json_object_object_foreach(o, key, val)
			member(j, key, val);
		bool now = bt_jentry_map(ctx, j->map, line, off, ev);
		json_object_put(o);
		if (now)
			return BT_OK;
	}
}

static void jd_close(void *state)
{
	struct journald *j = state;
	if (!j)
		return;
	json_tokener_free(j->tok);
	bt_jentry_free(j->map);
	bt_buf_free(&j->tmp);
	free(j);
}

const struct bt_reader_ops bt_reader_journald = {
	.name = "journald",
	.needs_stream = true,
	.open = jd_open,
	.next = jd_next,
	.close = jd_close,
};
