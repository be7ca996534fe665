/* journalctl -o json reader. */
#include "config.h"

#include "docker/bt_docker_journald.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/bt_buf.h"
#include "docker/bt_docker_facts.h"
#include "docker/bt_docker_logrus.h"
#include "docker/bt_docker_pair.h"

#define MAX_CMDLINES 4096      /* distinct command lines remembered */

struct journald {
	struct json_tokener *tok;
	struct bt_docker_pair *pair;
	uint64_t *seen;            /* hashes of command lines already reported */
	size_t nseen;
	struct bt_docker_warnings warnings;
	unsigned long nulls;       /* fields exported as null */
	unsigned long others;      /* entries of programs other than Docker's */
	bool eof;
	enum bt_status err;
	bool summarised;
};

/* A field value as bytes: a string, or an array of numbers turned back into
 * bytes (held in `tmp`). Repeated fields (arrays of values) give the first. */
struct val {
	const char *p;
	size_t n;
	bool present;
};

static struct val value_of(struct journald *j, struct json_object *o, const char *key,
                           struct bt_buf *tmp)
{
	struct val v = {NULL, 0, false};
	struct json_object *x;
	if (!json_object_object_get_ex(o, key, &x))
		return v;
	if (!x) {
		j->nulls++;
		return v;
	}
	if (json_object_is_type(x, json_type_array) && json_object_array_length(x) > 0) {
		struct json_object *first = json_object_array_get_idx(x, 0);
		if (first && !json_object_is_type(first, json_type_int))
			x = first;   /* repeated field: [v1, v2] */
	}
	if (json_object_is_type(x, json_type_string)) {
		v.p = json_object_get_string(x);
		v.n = (size_t)json_object_get_string_len(x);
		v.present = true;
	} else if (json_object_is_type(x, json_type_array)) {
		bt_buf_reset(tmp);
		size_t n = json_object_array_length(x);
		for (size_t i = 0; i < n; i++) {
			int64_t b = json_object_get_int64(json_object_array_get_idx(x, i));
			bt_buf_putc(tmp, (char)(unsigned char)(b & 0xff));
		}
		if (!tmp->oom) {
			v.p = tmp->p ? tmp->p : "";
			v.n = tmp->n;
			v.present = true;
		}
	} else if (json_object_is_type(x, json_type_int)) {
		v.p = json_object_get_string(x);
		v.n = strlen(v.p);
		v.present = true;
	}
	return v;
}

static bool eq(const struct val *v, const char *lit)
{
	return v->present && v->n == strlen(lit) && memcmp(v->p, lit, v->n) == 0;
}

static bool starts(const struct val *v, const char *lit)
{
	size_t l = strlen(lit);
	return v->present && v->n >= l && memcmp(v->p, lit, l) == 0;
}

static bool docker_unit(const struct val *u)
{
	return eq(u, "docker.service") || eq(u, "docker.socket") || eq(u, "containerd.service");
}

static const char *provider_of(const struct val *ident)
{
	if (eq(ident, "dockerd") || eq(ident, "docker"))
		return "dockerd";
	if (starts(ident, "containerd") || starts(ident, "docker-containerd"))
		return "containerd";
	return NULL;
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* True the first time a command line is seen. */
static bool first_seen(struct journald *j, const char *p, size_t n)
{
	uint64_t h = fnv1a(p, n);
	for (size_t i = 0; i < j->nseen; i++)
		if (j->seen[i] == h)
			return false;
	if (j->nseen < MAX_CMDLINES) {
		if (!j->seen && !(j->seen = malloc(MAX_CMDLINES * sizeof *j->seen)))
			return true;
		j->seen[j->nseen++] = h;
	}
	return true;
}

static void warn(struct bt_reader_ctx *ctx, struct journald *j, uint64_t line, const char *what)
{
	bt_docker_warn(ctx, &j->warnings, "line %llu: %s", (unsigned long long)line, what);
}

static enum bt_status jd_open(struct bt_reader_ctx *ctx, void **state)
{
	(void)ctx;
	struct journald *j = calloc(1, sizeof *j);
	if (!j || !(j->tok = json_tokener_new_ex(64)) || !(j->pair = bt_docker_pair_new())) {
		if (j && j->tok)
			json_tokener_free(j->tok);
		free(j);
		return BT_ERR_NOMEM;
	}
	*state = j;
	return BT_OK;
}

/* Hands an event built in eb out now (true) or queues it in the pairer. */
static bool deliver(struct bt_reader_ctx *ctx, struct journald *j, const struct bt_event **ev)
{
	const struct bt_event *e = bt_evbuf_done(ctx->eb);
	if (!bt_docker_pair_wants(j->pair, e)) {
		*ev = e;
		return true;
	}
	if (bt_docker_pair_push(j->pair, e) != BT_OK) {
		ctx->stats->failed++;
		warn(ctx, j, e->line, "out of memory, event lost");
	}
	return false;
}

/* Builds the event(s) of one entry; returns true with *ev when one is to be
 * returned now. */
static bool entry(struct bt_reader_ctx *ctx, struct journald *j, struct json_object *o,
                  uint64_t line, uint64_t off, const struct bt_event **ev)
{
	struct bt_buf tm = BT_BUF_INIT, th = BT_BUF_INIT, tc = BT_BUF_INIT, tx = BT_BUF_INIT;
	struct val msg = value_of(j, o, "MESSAGE", &tm);
	struct val host = value_of(j, o, "_HOSTNAME", &th);
	struct val cmd = value_of(j, o, "_CMDLINE", &tc);
	struct val rt = value_of(j, o, "__REALTIME_TIMESTAMP", &tx);
	struct bt_buf t1 = BT_BUF_INIT, t2 = BT_BUF_INIT, t3 = BT_BUF_INIT, t4 = BT_BUF_INIT,
	              t5 = BT_BUF_INIT, t6 = BT_BUF_INIT;
	struct val comm = value_of(j, o, "_COMM", &t1);
	struct val ident = value_of(j, o, "SYSLOG_IDENTIFIER", &t2);
	struct val unit = value_of(j, o, "_SYSTEMD_UNIT", &t3);
	struct val unit2 = value_of(j, o, "UNIT", &t4);
	struct val pid = value_of(j, o, "_PID", &t5);
	struct val prio = value_of(j, o, "PRIORITY", &t6);
	bool out = false;

	const struct val *who = ident.present ? &ident : &comm;
	const char *provider = provider_of(who);
	if (!provider)
		provider = provider_of(&comm);
	/* An export of the whole journal holds other programs' entries: those
	 * that name another program are left out (counted); an entry that names
	 * none is kept, since nothing says it is not Docker's. */
	bool named = comm.present || ident.present || unit.present || unit2.present;
	if (!provider && named && !docker_unit(&unit) && !docker_unit(&unit2) &&
	    !eq(who, "docker-proxy")) {
		ctx->stats->skipped++;
		j->others++;
		goto done;
	}
	char pbuf[64];
	if (!provider && who->present && who->n && who->n < sizeof pbuf) {
		/* systemd's own lines about the docker unit, docker-proxy */
		memcpy(pbuf, who->p, who->n);
		pbuf[who->n] = '\0';
		provider = pbuf;
	}

	bt_time rtime = BT_TIME_NONE;
	if (rt.present && rt.n && rt.n < 20) {
		uint64_t us = 0;
		bool ok = true;
		for (size_t i = 0; i < rt.n; i++) {
			if (rt.p[i] < '0' || rt.p[i] > '9') {
				ok = false;
				break;
			}
			us = us * 10 + (uint64_t)(rt.p[i] - '0');
		}
		bt_time t;
		if (ok && us / 1000000 <= 253402300799ULL &&
		    bt_docker_unix_time((int64_t)(us / 1000000), (int64_t)(us % 1000000) * 1000, &t))
			rtime = t;
	}

	/* the daemon's command line, once per distinct one */
	if (cmd.present && cmd.n && (eq(&comm, "dockerd") || starts(&comm, "containerd") ||
	                             eq(&comm, "docker")) &&
	    first_seen(j, cmd.p, cmd.n)) {
		struct bt_evbuf *eb = ctx->eb;
		bt_docker_event_begin(eb, BT_SOURCE_JOURNALD, provider, host.p, host.present ? host.n : 0,
		                      ctx->opts, ctx->path, line, off);
		eb->ev.time = rtime;
		bt_docker_adds(eb, "Action", BT_ACT_DCONFIG);
		bt_docker_daemon_args(eb, cmd.p, cmd.n);
		if (pid.present)
			bt_docker_add(eb, "Pid", pid.p, pid.n);
		if (rt.present)
			bt_docker_add(eb, "TimeOriginal", rt.p, rt.n);
		/* counted as an event of the same line; the entry's event goes behind it */
		const struct bt_event *e = bt_evbuf_done(eb);
		if (bt_docker_pair_push(j->pair, e) != BT_OK) {
			ctx->stats->failed++;
			warn(ctx, j, line, "out of memory, event lost");
		}
	}

	struct bt_evbuf *eb = ctx->eb;
	bt_docker_event_begin(eb, BT_SOURCE_JOURNALD, provider, host.p, host.present ? host.n : 0,
	                      ctx->opts, ctx->path, line, off);
	struct bt_logrus_info info = {0};
	bool record = false;
	if (msg.present && (bt_logrus_is_text(msg.p, msg.n) || (msg.n && msg.p[0] == '{')))
		record = bt_logrus_parse(eb, msg.p, msg.n, j->tok, &info);
	if (!record) {
		bt_docker_adds(eb, "Action", BT_ACT_DLOG);
		if (msg.present)
			bt_docker_add(eb, "Message", msg.p, msg.n);
		if (msg.present && ((msg.n >= 7 && memcmp(msg.p, "panic: ", 7) == 0) ||
		                    (msg.n >= 13 && memcmp(msg.p, "fatal error: ", 13) == 0))) {
			eb->ev.level = 1;   /* a Go runtime panic on dockerd's stderr */
			bt_docker_adds(eb, "LogLevel", msg.p[0] == 'p' ? "panic" : "fatal");
		}
	}
	if (info.containerd && !provider_of(who))
		eb->ev.provider = "containerd";
	if (!info.has_time) {
		eb->ev.time = rtime;
		if (rt.present)
			bt_docker_add(eb, "TimeOriginal", rt.p, rt.n);
	} else if (rt.present) {
		bt_docker_add(eb, "RealtimeTimestamp", rt.p, rt.n);
	}
	if (eb->ev.level < 0 && prio.present && prio.n == 1 && prio.p[0] >= '0' && prio.p[0] <= '7') {
		static const int map[8] = {1, 1, 1, 2, 3, 4, 4, 5};
		eb->ev.level = map[prio.p[0] - '0'];
	}
	if (pid.present)
		bt_docker_add(eb, "Pid", pid.p, pid.n);
	if (comm.present)
		bt_docker_add(eb, "Comm", comm.p, comm.n);
	if (ident.present)
		bt_docker_add(eb, "SyslogIdentifier", ident.p, ident.n);
	if (unit.present)
		bt_docker_add(eb, "Unit", unit.p, unit.n);
	if (eb->truncated)
		warn(ctx, j, line, "event too large, some fields dropped");
	out = deliver(ctx, j, ev);
done:
	bt_buf_free(&tm);
	bt_buf_free(&th);
	bt_buf_free(&tc);
	bt_buf_free(&tx);
	bt_buf_free(&t1);
	bt_buf_free(&t2);
	bt_buf_free(&t3);
	bt_buf_free(&t4);
	bt_buf_free(&t5);
	bt_buf_free(&t6);
	return out;
}

static void summarise(struct bt_reader_ctx *ctx, struct journald *j)
{
	if (j->summarised)
		return;
	j->summarised = true;
	ctx->stats->skipped += bt_docker_pair_merged(j->pair);
	bt_docker_warn_summary(ctx, &j->warnings);
	if (j->others)
		bt_diagf(&ctx->opts->diag, BT_DIAG_NOTE, ctx->path,
		         "%lu entries of programs other than dockerd, containerd and docker-proxy "
		         "left out", j->others);
	if (j->nulls)
		bt_diagf(&ctx->opts->diag, BT_DIAG_NOTE, ctx->path,
		         "%lu fields were exported as null (over journalctl's size limit; "
		         "export with journalctl --all to keep them)", j->nulls);
}

static enum bt_status jd_next(struct bt_reader_ctx *ctx, void *state, const struct bt_event **ev)
{
	struct journald *j = state;
	for (;;) {
		const struct bt_event *e = bt_docker_pair_pop(j->pair, ctx->eb, j->eof);
		if (e) {
			*ev = e;
			return BT_OK;
		}
		if (j->eof) {
			summarise(ctx, j);
			return j->err ? j->err : BT_EOF;
		}
		struct json_object *o;
		uint64_t line, off;
		enum bt_status st = bt_docker_next_json(ctx, &j->warnings, j->tok, &o, &line, &off);
		if (st != BT_OK) {
			if (st != BT_EOF)
				j->err = st;
			j->eof = true;
			continue;
		}
		bool now = entry(ctx, j, o, line, off, ev);
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
	bt_docker_pair_free(j->pair);
	free(j->seen);
	free(j);
}

const struct bt_reader_ops bt_reader_journald = {
	.name = "journald",
	.needs_stream = true,
	.open = jd_open,
	.next = jd_next,
	.close = jd_close,
};
