/* Offline Docker root: container configurations and image history. */
#include "config.h"

#include "docker/bt_docker_root.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/bt_buf.h"
#include "docker/bt_docker_events.h"
#include "docker/bt_docker_facts.h"

/* ---- JSON documents ---- */

static struct json_object *parse_doc(const char *s, size_t n, char *why, size_t whyn)
{
	if (n > INT32_MAX) {
		snprintf(why, whyn, "too large");
		return NULL;
	}
	struct json_tokener *tok = json_tokener_new_ex(64);
	if (!tok) {
		snprintf(why, whyn, "out of memory");
		return NULL;
	}
	struct json_object *o = json_tokener_parse_ex(tok, s, (int)n);
	enum json_tokener_error e = json_tokener_get_error(tok);
	if (!o) {
		snprintf(why, whyn, "%s at offset %zu",
		         e == json_tokener_continue ? "truncated JSON" : json_tokener_error_desc(e),
		         json_tokener_get_parse_end(tok));
	} else if (!json_object_is_type(o, json_type_object)) {
		snprintf(why, whyn, "not a JSON object");
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* Reads the whole input as one JSON object; reports and returns NULL when
 * it is not one. */
static struct json_object *read_doc(struct bt_reader_ctx *ctx)
{
	char *buf;
	size_t n;
	enum bt_status st = bt_stream_read_all(ctx->stream, BT_MAX_DOCUMENT, &buf, &n);
	if (st != BT_OK) {
		bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path, "cannot read: %s%s",
		         bt_status_str(st), st == BT_ERR_LIMIT ? " (larger than 64 MiB)" : "");
		ctx->stats->unreadable = true;
		return NULL;
	}
	char why[160];
	struct json_object *o = parse_doc(buf, n, why, sizeof why);
	free(buf);
	if (!o) {
		bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path, "not readable as JSON: %s", why);
		ctx->stats->unreadable = true;
	}
	return o;
}

/* Sets the event time from a member; adds TimeOriginal. False when absent,
 * unreadable or Go's zero time. */
static bool time_of(struct bt_evbuf *eb, struct json_object *o, const char *key)
{
	size_t n;
	const char *s = bt_docker_jstr(bt_docker_jget(o, key), &n);
	bt_time t;
	if (!s || !bt_docker_time(s, n, &t))
		return false;
	eb->ev.time = t;
	bt_docker_add(eb, "TimeOriginal", s, n);
	return true;
}

static bool has_time(struct json_object *o, const char *key)
{
	size_t n;
	const char *s = bt_docker_jstr(bt_docker_jget(o, key), &n);
	bt_time t;
	return s && bt_docker_time(s, n, &t);
}

/* Opens a regular file beside `path` read-only, without touching its atime
 * when we may. Returns the fd, -1 (errno set) or -2 when it is not a
 * regular file. */
static int open_sibling(const char *path, const char *name, char **full)
{
	const char *slash = strrchr(path, '/');
	size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
	size_t nl = strlen(name);
	char *p = malloc(dl + nl + 1);
	if (!p)
		return -1;
	memcpy(p, path, dl);
	memcpy(p + dl, name, nl + 1);
	*full = p;
	/* O_NONBLOCK: a FIFO planted under that name must not hang the run */
	int fl = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	int fd = open(p, fl | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = open(p, fl);
	struct stat sb;
	if (fd >= 0 && (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))) {
		close(fd);
		return -2;   /* not a regular file */
	}
	return fd;
}

/* ---- containers ---- */

enum { EV_CREATE, EV_START, EV_STOP, EV_END };

struct config {
	struct json_object *doc;
	struct json_object *hc;       /* hostconfig.json beside it, or NULL */
	int next;                     /* EV_* to emit next */
	char id[65];                  /* from the path when the document has none */
};

/* Reads hostconfig.json beside the configuration. */
static struct json_object *read_hostconfig(struct bt_reader_ctx *ctx)
{
	const struct bt_diag *dg = &ctx->opts->diag;
	if (strcmp(ctx->path, "-") == 0) {
		bt_diagf(dg, BT_DIAG_NOTE, ctx->path,
		         "standard input: no hostconfig.json to read beside it; host configuration facts "
		         "not reported");
		return NULL;
	}
	char *full = NULL;
	int fd = open_sibling(ctx->open_path, "hostconfig.json", &full);
	if (fd < 0) {
		bt_diagf(dg, BT_DIAG_WARN, ctx->path,
		         "cannot open the hostconfig.json beside it: %s; host configuration facts "
		         "(privileged, mounts, capabilities) not reported",
		         fd == -2 ? "not a regular file" : strerror(errno));
		ctx->stats->failed++;
		free(full);
		return NULL;
	}
	struct bt_buf b = BT_BUF_INIT;
	char chunk[65536];
	bool too_big = false, ioerr = false;
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ioerr = true;
			break;
		}
		if (r == 0)
			break;
		if (b.n + (size_t)r > BT_MAX_HOSTCONFIG) {
			too_big = true;
			break;
		}
		bt_buf_put(&b, chunk, (size_t)r);
	}
	close(fd);
	char why[160] = "";
	struct json_object *o = NULL;
	if (ioerr)
		snprintf(why, sizeof why, "read error");
	else if (too_big)
		snprintf(why, sizeof why, "larger than 16 MiB");
	else if (b.oom)
		snprintf(why, sizeof why, "out of memory");
	else
		o = parse_doc(b.p ? b.p : "", b.n, why, sizeof why);
	if (!o) {
		bt_diagf(dg, BT_DIAG_WARN, ctx->path,
		         "hostconfig.json beside it: %s; host configuration facts not reported", why);
		ctx->stats->failed++;
	}
	bt_buf_free(&b);
	free(full);
	return o;
}

static enum bt_status config_open(struct bt_reader_ctx *ctx, void **state)
{
	struct config *c = calloc(1, sizeof *c);
	if (!c)
		return BT_ERR_NOMEM;
	if (!(c->doc = read_doc(ctx))) {
		free(c);
		return BT_ERR_FORMAT;
	}
	const char *id = bt_docker_id_from_path(ctx->path);
	if (id)
		memcpy(c->id, id, 64);
	c->hc = read_hostconfig(ctx);
	*state = c;
	return BT_OK;
}

/* Identity facts every event of a container has. */
static void identity(struct bt_evbuf *eb, struct config *c)
{
	struct json_object *d = c->doc, *cfg = bt_docker_jget(d, "Config");
	size_t n;
	const char *s = bt_docker_jstr(bt_docker_jget(d, "ID"), &n);
	if (s && n)
		bt_docker_add_container_id(eb, s, n);
	else if (c->id[0])
		bt_docker_add_container_id(eb, c->id, 64);
	if ((s = bt_docker_jstr(bt_docker_jget(d, "Name"), &n)))
		bt_docker_add_container_name(eb, s, n);
	bt_docker_add_jstr(eb, cfg, "Image", "Image");
	bt_docker_add_jstr(eb, d, "Image", "ImageID");
	/* the process docker ran: Path and Args (Config.Entrypoint + Cmd in 1.x if absent) */
	struct json_object *path = bt_docker_jget(d, "Path");
	if (path)
		bt_docker_add_command(eb, path, bt_docker_jget(d, "Args"));
	else
		bt_docker_add_command(eb, bt_docker_jget(cfg, "Entrypoint"), bt_docker_jget(cfg, "Cmd"));
}

static void mounts(struct bt_evbuf *eb, struct json_object *d)
{
	struct json_object *mp = bt_docker_jget(d, "MountPoints");
	if (mp && json_object_is_type(mp, json_type_object)) {
		json_object_object_foreach(mp, dest, m)
		{
			size_t sl = 0, dl = 0;
			const char *src = bt_docker_jstr(bt_docker_jget(m, "Source"), &sl);
			if (!src || !sl)
				src = bt_docker_jstr(bt_docker_jget(m, "Name"), &sl);   /* a named volume */
			const char *dst = bt_docker_jstr(bt_docker_jget(m, "Destination"), &dl);
			struct json_object *rw = bt_docker_jget(m, "RW");
			bool ro = rw && json_object_is_type(rw, json_type_boolean) &&
			          !json_object_get_boolean(rw);
			bt_docker_add_mount(eb, src && sl ? src : NULL, dst ? dst : dest, ro);
		}
	}
	/* Docker 1.x: "Volumes": {dst: src}, "VolumesRW": {dst: bool} */
	struct json_object *vols = bt_docker_jget(d, "Volumes"), *rws = bt_docker_jget(d, "VolumesRW");
	if (vols && json_object_is_type(vols, json_type_object)) {
		json_object_object_foreach(vols, dest, src)
		{
			size_t sl = 0;
			const char *s = bt_docker_jstr(src, &sl);
			struct json_object *rw = bt_docker_jget(rws, dest);
			bool ro = rw && json_object_is_type(rw, json_type_boolean) &&
			          !json_object_get_boolean(rw);
			bt_docker_add_mount(eb, s, dest, ro);
		}
	}
}

static void addresses(struct bt_evbuf *eb, struct json_object *d)
{
	struct json_object *ns = bt_docker_jget(d, "NetworkSettings");
	size_t n;
	const char *s;
	struct json_object *nets = bt_docker_jget(ns, "Networks");
	if (nets && json_object_is_type(nets, json_type_object)) {
		json_object_object_foreach(nets, name, net)
		{
			(void)name;
			if ((s = bt_docker_jstr(bt_docker_jget(net, "IPAddress"), &n)) && n)
				bt_docker_add_list_unique(eb, "IPAddress", s, n);
			if ((s = bt_docker_jstr(bt_docker_jget(net, "GlobalIPv6Address"), &n)) && n)
				bt_docker_add_list_unique(eb, "IPAddress", s, n);
		}
	}
	if ((s = bt_docker_jstr(bt_docker_jget(ns, "IPAddress"), &n)) && n)
		bt_docker_add_list_unique(eb, "IPAddress", s, n);
}

static void all_facts(struct bt_evbuf *eb, struct config *c)
{
	struct json_object *d = c->doc, *cfg = bt_docker_jget(d, "Config");
	identity(eb, c);
	bt_docker_add_jstr(eb, cfg, "User", "User");
	bt_docker_add_jstr(eb, cfg, "Hostname", "Hostname");
	bt_docker_add_jstr(eb, cfg, "WorkingDir", "WorkingDir");
	mounts(eb, d);
	bt_docker_hostconfig_facts(eb, c->hc ? c->hc : bt_docker_jget(d, "HostConfig"));
	bt_docker_add_jstr(eb, d, "LogPath", "LogPath");
	addresses(eb, d);
}

static enum bt_status config_next(struct bt_reader_ctx *ctx, void *state,
                                  const struct bt_event **ev)
{
	struct config *c = state;
	struct json_object *st = bt_docker_jget(c->doc, "State");
	while (c->next < EV_END) {
		int which = c->next++;
		if (which == EV_START && !has_time(st, "StartedAt"))
			continue;
		if (which == EV_STOP && !has_time(st, "FinishedAt"))
			continue;
		struct bt_evbuf *eb = ctx->eb;
		bt_docker_event_begin(eb, BT_SOURCE_DOCKER_ROOT, "docker-root", NULL, 0, ctx->opts,
		                      ctx->path, 0, 0);
		struct json_object *v;
		if (which == EV_CREATE) {
			bt_docker_adds(eb, "Action", BT_ACT_CREATE);
			time_of(eb, c->doc, "Created");
			all_facts(eb, c);
		} else if (which == EV_START) {
			bt_docker_adds(eb, "Action", BT_ACT_START);
			time_of(eb, st, "StartedAt");
			all_facts(eb, c);
			v = bt_docker_jget(st, "Pid");
			if (v && json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0)
				bt_docker_add_i64(eb, "Pid", json_object_get_int64(v));
		} else {
			bt_docker_adds(eb, "Action", BT_ACT_STOP);
			time_of(eb, st, "FinishedAt");
			identity(eb, c);
			v = bt_docker_jget(st, "ExitCode");
			if (v && json_object_is_type(v, json_type_int))
				bt_docker_add_i64(eb, "ExitCode", json_object_get_int64(v));
			v = bt_docker_jget(st, "OOMKilled");
			if (v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v))
				bt_docker_adds(eb, "OOMKilled", "true");
			bt_docker_add_jstr(eb, st, "Error", "Error");
		}
		if (eb->truncated)
			bt_diagf(&ctx->opts->diag, BT_DIAG_WARN, ctx->path,
			         "event too large, some fields dropped");
		*ev = bt_evbuf_done(eb);
		return BT_OK;
	}
	return BT_EOF;
}

static void config_close(void *state)
{
	struct config *c = state;
	if (!c)
		return;
	if (c->doc)
		json_object_put(c->doc);
	if (c->hc)
		json_object_put(c->hc);
	free(c);
}

const struct bt_reader_ops bt_reader_docker_config = {
	.name = "docker-config",
	.needs_stream = true,
	.open = config_open,
	.next = config_next,
	.close = config_close,
};

/* ---- hostconfig.json alone ---- */

static enum bt_status hostconfig_open(struct bt_reader_ctx *ctx, void **state)
{
	*state = NULL;
	bool beside = false;
	if (strcmp(ctx->path, "-") != 0) {
		static const char *const names[] = {"config.v2.json", "config.json"};
		for (size_t i = 0; i < 2 && !beside; i++) {
			char *full = NULL;
			int fd = open_sibling(ctx->open_path, names[i], &full);
			if (fd >= 0) {
				beside = true;
				close(fd);
			}
			free(full);
		}
	}
	if (!beside)
		bt_diagf(&ctx->opts->diag, BT_DIAG_NOTE, ctx->path,
		         "a container's hostconfig.json without its config.v2.json: its facts are "
		         "reported with the container's configuration only");
	return BT_OK;
}

static enum bt_status hostconfig_next(struct bt_reader_ctx *ctx, void *state,
                                      const struct bt_event **ev)
{
	(void)ctx;
	(void)state;
	(void)ev;
	return BT_EOF;
}

static void hostconfig_close(void *state)
{
	(void)state;
}

const struct bt_reader_ops bt_reader_docker_hostconfig = {
	.name = "docker-hostconfig",
	.needs_stream = true,
	.open = hostconfig_open,
	.next = hostconfig_next,
	.close = hostconfig_close,
};

/* ---- image history ---- */

struct image {
	struct json_object *doc;
	size_t idx, count;
	bool legacy;                  /* 1.x graph/<id>/json: a single layer */
	char image_id[72];
};

static enum bt_status image_open(struct bt_reader_ctx *ctx, void **state)
{
	struct image *im = calloc(1, sizeof *im);
	if (!im)
		return BT_ERR_NOMEM;
	if (!(im->doc = read_doc(ctx))) {
		free(im);
		return BT_ERR_FORMAT;
	}
	struct json_object *h = bt_docker_jget(im->doc, "history");
	if (h && json_object_is_type(h, json_type_array)) {
		im->count = json_object_array_length(h);
	} else {
		im->legacy = true;
		im->count = 1;
	}
	/* the imagedb file name is the image's digest */
	const char *base = strrchr(ctx->path, '/');
	base = base ? base + 1 : ctx->path;
	size_t n;
	const char *id = bt_docker_jstr(bt_docker_jget(im->doc, "id"), &n);
	if (strlen(base) == 64 && bt_docker_is_hex(base, 64))
		snprintf(im->image_id, sizeof im->image_id, "sha256:%s", base);
	else if (id && n && n < 70)
		snprintf(im->image_id, sizeof im->image_id, "%.*s", (int)n, id);
	else if ((id = bt_docker_id_from_path(ctx->path)))
		snprintf(im->image_id, sizeof im->image_id, "%.64s", id);   /* graph/<id>/json */
	*state = im;
	return BT_OK;
}

static enum bt_status image_next(struct bt_reader_ctx *ctx, void *state, const struct bt_event **ev)
{
	struct image *im = state;
	if (im->idx >= im->count)
		return BT_EOF;
	size_t i = im->idx++;
	struct bt_evbuf *eb = ctx->eb;
	bt_docker_event_begin(eb, BT_SOURCE_DOCKER_ROOT, "docker-root", NULL, 0, ctx->opts, ctx->path,
	                      0, 0);
	bt_docker_adds(eb, "Action", BT_ACT_LAYER);
	struct json_object *d = im->doc;
	if (im->legacy) {
		time_of(eb, d, "created");
		struct bt_buf b = BT_BUF_INIT;
		struct json_object *cmd = bt_docker_jget(bt_docker_jget(d, "container_config"), "Cmd");
		if (cmd && json_object_is_type(cmd, json_type_array)) {
			size_t n = json_object_array_length(cmd);
			for (size_t k = 0; k < n && b.n < BT_DOCKER_MAX_JOINED; k++) {
				size_t l;
				const char *s = bt_docker_jstr(json_object_array_get_idx(cmd, k), &l);
				if (!s)
					continue;
				if (b.n)
					bt_buf_putc(&b, ' ');
				bt_buf_put(&b, s, l);
			}
		}
		if (b.n && !b.oom)
			bt_docker_add(eb, "CreatedBy", b.p, b.n);
		bt_buf_free(&b);
		bt_docker_add_jstr(eb, d, "parent", "ParentID");
		bt_docker_add_jstr(eb, d, "parent_id", "ParentID");
		bt_docker_add_jstr(eb, d, "author", "Author");
		bt_docker_add_jstr(eb, d, "comment", "Comment");
	} else {
		struct json_object *h = json_object_array_get_idx(bt_docker_jget(d, "history"), i);
		time_of(eb, h, "created");
		bt_docker_add_jstr(eb, h, "created_by", "CreatedBy");
		struct json_object *e = bt_docker_jget(h, "empty_layer");
		if (e && json_object_is_type(e, json_type_boolean))
			bt_docker_add_bool(eb, "EmptyLayer", json_object_get_boolean(e));
		bt_docker_add_jstr(eb, h, "author", "Author");
		bt_docker_add_jstr(eb, h, "comment", "Comment");
		bt_docker_add_u64(eb, "LayerIndex", i);
	}
	if (im->image_id[0])
		bt_docker_adds(eb, "ImageID", im->image_id);
	struct json_object *cfg = bt_docker_jget(d, "config");
	bt_docker_add_command(eb, bt_docker_jget(cfg, "Entrypoint"), bt_docker_jget(cfg, "Cmd"));
	bt_docker_add_jstr(eb, cfg, "User", "User");
	bt_docker_add_jstr(eb, d, "os", "OS");
	*ev = bt_evbuf_done(eb);
	return BT_OK;
}

static void image_close(void *state)
{
	struct image *im = state;
	if (!im)
		return;
	if (im->doc)
		json_object_put(im->doc);
	free(im);
}

const struct bt_reader_ops bt_reader_image_config = {
	.name = "image-config",
	.needs_stream = true,
	.open = image_open,
	.next = image_next,
	.close = image_close,
};
