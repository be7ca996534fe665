/* docker events JSON lines and json-file container logs. */
#include "config.h"

#include "docker/bt_docker_events.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "docker/bt_docker_facts.h"

/* ---- the JSON-lines loop both formats share ---- */

typedef void (*build_fn)(struct bt_reader_ctx *ctx, void *st, struct json_object *o,
                         uint64_t line, uint64_t off);

struct jsonl {
	struct json_tokener *tok;
	build_fn build;
	struct bt_docker_warnings warnings;
	char id[65];               /* container id from the path */
	bool have_id;
};

static void warn(struct bt_reader_ctx *ctx, struct jsonl *j, uint64_t line, const char *what)
{
	bt_docker_warn(ctx, &j->warnings, "line %llu: %s", (unsigned long long)line, what);
}

static enum bt_status jsonl_open(struct bt_reader_ctx *ctx, void **state, build_fn build)
{
	struct jsonl *j = calloc(1, sizeof *j);
	if (!j || !(j->tok = json_tokener_new_ex(64))) {
		free(j);
		return BT_ERR_NOMEM;
	}
	j->build = build;
	const char *id = bt_docker_id_from_path(ctx->path);
	if (id) {
		memcpy(j->id, id, 64);
		j->have_id = true;
	}
	*state = j;
	return BT_OK;
}

static enum bt_status jsonl_next(struct bt_reader_ctx *ctx, void *state, const struct bt_event **ev)
{
	struct jsonl *j = state;
	struct json_object *o;
	uint64_t line, off;
	enum bt_status st = bt_docker_next_json(ctx, &j->warnings, j->tok, &o, &line, &off);
	if (st != BT_OK) {
		bt_docker_warn_summary(ctx, &j->warnings);
		return st;
	}
	j->build(ctx, j, o, line, off);
	json_object_put(o);
	if (ctx->eb->truncated)
		warn(ctx, j, line, "event too large, some fields dropped");
	*ev = bt_evbuf_done(ctx->eb);
	return BT_OK;
}

static void jsonl_close(void *state)
{
	struct jsonl *j = state;
	if (!j)
		return;
	json_tokener_free(j->tok);
	free(j);
}

/* ---- helpers ---- */

/* Any scalar as text (numbers as written by json-c). */
static const char *text(struct json_object *o, size_t *n)
{
	if (!o)
		return NULL;
	if (json_object_is_type(o, json_type_string))
		return bt_docker_jstr(o, n);
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	*n = s ? strlen(s) : 0;
	return s;
}

static void add_attributes(struct bt_evbuf *eb, struct json_object *attrs, const char *const *used)
{
	if (!attrs || !json_object_is_type(attrs, json_type_object))
		return;
	json_object_object_foreach(attrs, key, val)
	{
		bool skip = false;
		for (size_t i = 0; used && used[i]; i++)
			if (strcmp(used[i], key) == 0)
				skip = true;
		size_t vl;
		const char *v = text(val, &vl);
		if (skip || !v)
			continue;
		char name[160];
		int nl = snprintf(name, sizeof name, "Attributes.%s", key);
		if (nl > 0 && (size_t)nl < sizeof name)
			bt_evbuf_add(eb, name, (size_t)nl, v, vl, 0);
	}
}

const char *bt_docker_id_from_path(const char *path)
{
	if (!path)
		return NULL;
	size_t n = strlen(path);
	size_t e = n;
	/* the file name: "<id>-json.log[.N][.gz]" */
	size_t b = e;
	while (b && path[b - 1] != '/')
		b--;
	if (e - b >= 64 && bt_docker_is_hex(path + b, 64) && (e - b == 64 || path[b + 64] == '-'))
		return path + b;
	/* the directory name: ".../containers/<id>/file" */
	if (!b)
		return NULL;
	e = b - 1;
	b = e;
	while (b && path[b - 1] != '/')
		b--;
	if (e - b == 64 && bt_docker_is_hex(path + b, 64))
		return path + b;
	return NULL;
}

/* ---- docker events ---- */

static const char *map_action(const char *type, size_t tl, const char *act, size_t al)
{
#define IS(s, l, lit) ((l) == sizeof(lit) - 1 && memcmp((s), (lit), (l)) == 0)
	if (IS(type, tl, "container")) {
		if (IS(act, al, "create")) return BT_ACT_CREATE;
		if (IS(act, al, "start")) return BT_ACT_START;
		if (IS(act, al, "die") || IS(act, al, "stop")) return BT_ACT_STOP;
		if (IS(act, al, "kill")) return BT_ACT_KILL;
		if (IS(act, al, "destroy")) return BT_ACT_DESTROY;
		if (IS(act, al, "exec_create") || IS(act, al, "exec_start")) return BT_ACT_EXEC;
	} else if (IS(type, tl, "image")) {
		if (IS(act, al, "pull")) return BT_ACT_PULL;
		if (IS(act, al, "delete")) return BT_ACT_IMAGE_DEL;
	}
	return NULL;
#undef IS
}

static bool legacy_image_status(const char *s, size_t n)
{
	static const char *const w[] = {"pull", "push", "untag", "delete", "tag", "import", "load",
	                                "save"};
	for (size_t i = 0; i < sizeof w / sizeof *w; i++)
		if (n == strlen(w[i]) && memcmp(s, w[i], n) == 0)
			return true;
	return false;
}

static void events_build(struct bt_reader_ctx *ctx, void *st, struct json_object *o,
                         uint64_t line, uint64_t off)
{
	(void)st;
	struct bt_evbuf *eb = ctx->eb;
	bt_docker_event_begin(eb, BT_SOURCE_DOCKER_EVENTS, "docker-cli", NULL, 0, ctx->opts,
	                      ctx->path, line, off);
	size_t tl = 0, al = 0, il = 0, fl = 0;
	const char *type = bt_docker_jstr(bt_docker_jget(o, "Type"), &tl);
	const char *act = bt_docker_jstr(bt_docker_jget(o, "Action"), &al);
	struct json_object *actor = bt_docker_jget(o, "Actor");
	const char *id = bt_docker_jstr(bt_docker_jget(actor, "ID"), &il);
	if (!id)
		id = bt_docker_jstr(bt_docker_jget(o, "id"), &il);
	const char *from = bt_docker_jstr(bt_docker_jget(o, "from"), &fl);
	if (!act)
		act = bt_docker_jstr(bt_docker_jget(o, "status"), &al);
	if (!type && act) {
		/* legacy: only status/id/from */
		type = !from && legacy_image_status(act, al) ? "image" : "container";
		tl = strlen(type);
	}
	/* time */
	struct json_object *tn = bt_docker_jget(o, "timeNano"), *ts = bt_docker_jget(o, "time");
	size_t tol;
	if (tn && (json_object_is_type(tn, json_type_int) ||
	           json_object_is_type(tn, json_type_double))) {
		int64_t ns = json_object_get_int64(tn);
		int64_t sec = ns / 1000000000, frac = ns % 1000000000;
		if (frac < 0) {
			frac += 1000000000;
			sec--;
		}
		bt_time tt;
		/* json-c clamps what does not fit to INT64_MAX/MIN: not a time */
		if (ns != INT64_MAX && ns != INT64_MIN && bt_docker_unix_time(sec, frac, &tt))
			eb->ev.time = tt;
		const char *t = text(tn, &tol);
		bt_docker_add(eb, "TimeOriginal", t, tol);
	} else if (ts && (json_object_is_type(ts, json_type_int) ||
	                  json_object_is_type(ts, json_type_double))) {
		bt_time tt;
		if (bt_docker_unix_time(json_object_get_int64(ts), 0, &tt))
			eb->ev.time = tt;
		const char *t = text(ts, &tol);
		bt_docker_add(eb, "TimeOriginal", t, tol);
	}
	/* "exec_start: sh -c id" -> action exec_start, command "sh -c id" */
	const char *cmd = NULL;
	size_t cl = 0, base = al;
	if (act) {
		const char *colon = memchr(act, ':', al);
		if (colon) {
			base = (size_t)(colon - act);
			cmd = colon + 1;
			cl = al - base - 1;
			while (cl && *cmd == ' ')
				cmd++, cl--;
		}
	}
	const char *mapped = act && type ? map_action(type, tl, act, base) : NULL;
	if (mapped) {
		bt_docker_adds(eb, "Action", mapped);
	} else if (act && type) {
		char a[128];
		int n = snprintf(a, sizeof a, "%.*s.%.*s", (int)(tl > 40 ? 40 : tl), type,
		                 (int)(base > 60 ? 60 : base), act);
		if (n > 0)
			bt_docker_add(eb, "Action", a, (size_t)n < sizeof a ? (size_t)n : sizeof a - 1);
	} else {
		bt_docker_adds(eb, "Action", BT_ACT_DLOG);
	}
	if (type)
		bt_docker_add(eb, "EventType", type, tl);
	if (act)
		bt_docker_add(eb, "EventAction", act, al);
	struct json_object *attrs = bt_docker_jget(actor, "Attributes");
	size_t vl;
	const char *v;
	bool container = tl == 9 && memcmp(type, "container", 9) == 0;
	bool image = tl == 5 && memcmp(type, "image", 5) == 0;
	if (container && id)
		bt_docker_add_container_id(eb, id, il);
	if ((v = bt_docker_jstr(bt_docker_jget(attrs, "container"), &vl)))
		bt_docker_add_container_id(eb, v, vl);
	if (container && (v = bt_docker_jstr(bt_docker_jget(attrs, "name"), &vl)))
		bt_docker_add_container_name(eb, v, vl);
	if ((v = bt_docker_jstr(bt_docker_jget(attrs, "image"), &vl)))
		bt_docker_add(eb, "Image", v, vl);
	else if (image && id)
		bt_docker_add(eb, "Image", id, il);
	else if (from)
		bt_docker_add(eb, "Image", from, fl);
	if (cmd && cl)
		bt_docker_add(eb, "Command", cmd, cl);
	if ((v = text(bt_docker_jget(attrs, "exitCode"), &vl)))
		bt_docker_add(eb, "ExitCode", v, vl);
	if ((v = text(bt_docker_jget(attrs, "signal"), &vl)))
		bt_docker_add(eb, "Signal", v, vl);
	if ((v = bt_docker_jstr(bt_docker_jget(attrs, "execID"), &vl)))
		bt_docker_add(eb, "ExecID", v, vl);
	if ((v = bt_docker_jstr(bt_docker_jget(attrs, "destination"), &vl)))
		bt_docker_add_list(eb, "MountTarget", v, vl);
	if (tl == 6 && memcmp(type, "volume", 6) == 0 && id)
		bt_docker_add_list(eb, "MountSource", id, il);
	if ((v = bt_docker_jstr(bt_docker_jget(o, "scope"), &vl)))
		bt_docker_add(eb, "Scope", v, vl);
	/* attributes already reported as contract fields; "name" names the
	 * container (or image) only for those types */
	static const char *const used[] = {"name", "container", "image", "exitCode", "signal",
	                                   "execID", "destination", NULL};
	add_attributes(eb, attrs, container || image ? used : used + 1);
	if (!container && !image && id)
		bt_docker_add(eb, "ActorID", id, il);
}

static enum bt_status events_open(struct bt_reader_ctx *ctx, void **state)
{
	return jsonl_open(ctx, state, events_build);
}

const struct bt_reader_ops bt_reader_docker_events = {
	.name = "docker-events",
	.needs_stream = true,
	.open = events_open,
	.next = jsonl_next,
	.close = jsonl_close,
};

/* ---- container logs ---- */

static void ctrlog_build(struct bt_reader_ctx *ctx, void *st, struct json_object *o,
                         uint64_t line, uint64_t off)
{
	struct jsonl *j = st;
	struct bt_evbuf *eb = ctx->eb;
	bt_docker_event_begin(eb, BT_SOURCE_CONTAINER_LOG, "docker-root", NULL, 0, ctx->opts,
	                      ctx->path, line, off);
	size_t n, tn = 0;
	const char *t = bt_docker_jstr(bt_docker_jget(o, "time"), &tn);
	bt_time tm;
	if (t && bt_docker_time(t, tn, &tm))
		eb->ev.time = tm;
	bt_docker_adds(eb, "Action", BT_ACT_OUTPUT);
	if (j->have_id)
		bt_docker_add_container_id(eb, j->id, 64);
	const char *v;
	if ((v = bt_docker_jstr(bt_docker_jget(o, "stream"), &n)))
		bt_docker_add(eb, "Stream", v, n);
	if ((v = bt_docker_jstr(bt_docker_jget(o, "log"), &n))) {
		if (n && v[n - 1] == '\n')
			n--;
		bt_docker_add(eb, "Message", v, n);
	}
	if (t)
		bt_docker_add(eb, "TimeOriginal", t, tn);
	add_attributes(eb, bt_docker_jget(o, "attrs"), NULL);
}

static enum bt_status ctrlog_open(struct bt_reader_ctx *ctx, void **state)
{
	return jsonl_open(ctx, state, ctrlog_build);
}

const struct bt_reader_ops bt_reader_container_log = {
	.name = "container-log",
	.needs_stream = true,
	.open = ctrlog_open,
	.next = jsonl_next,
	.close = jsonl_close,
};
