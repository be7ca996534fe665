/* The Docker field contract: API calls, k=v tokens and container facts. */
#include "config.h"

#include "docker/bt_docker_facts.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "core/bt_buf.h"
#include "io/bt_reader.h"
#include "io/bt_stream.h"

/* ---- adding fields ---- */

void bt_docker_event_begin(struct bt_evbuf *eb, enum bt_source src, const char *provider,
                           const char *host, size_t host_len, const struct bt_read_opts *opts,
                           const char *file, uint64_t line, uint64_t offset)
{
	bt_evbuf_reset(eb, src);
	eb->ev.channel = "docker";
	eb->ev.provider = provider ? bt_evbuf_str(eb, provider, strlen(provider)) : NULL;
	if (host && host_len)
		eb->ev.host = bt_evbuf_str(eb, host, host_len);
	else if (opts && opts->assume_host) {
		eb->ev.host = opts->assume_host;
		eb->ev.flags |= BT_EV_HOST_ASSUMED;
	}
	eb->ev.file = file;
	eb->ev.line = line;
	eb->ev.offset = offset;
}

void bt_docker_add(struct bt_evbuf *eb, const char *name, const char *v, size_t n)
{
	if (v)
		bt_evbuf_add(eb, name, strlen(name), v, n, 0);
}

void bt_docker_adds(struct bt_evbuf *eb, const char *name, const char *v)
{
	if (v)
		bt_evbuf_add(eb, name, strlen(name), v, strlen(v), 0);
}

void bt_docker_add_list(struct bt_evbuf *eb, const char *name, const char *v, size_t n)
{
	if (v)
		bt_evbuf_add(eb, name, strlen(name), v, n, BT_FIELD_LIST);
}

void bt_docker_add_list_unique(struct bt_evbuf *eb, const char *name, const char *v, size_t n)
{
	if (!v)
		return;
	size_t nl = strlen(name);
	for (size_t i = 0; i < eb->ev.nfields; i++) {
		const struct bt_field *f = &eb->fv[i];
		if (f->name_len == nl && memcmp(f->name, name, nl) == 0 &&
		    bt_field_need(&eb->ev, f)->text_len == n &&
		    memcmp(f->text, v, n) == 0)
			return;
	}
	bt_evbuf_add(eb, name, nl, v, n, BT_FIELD_LIST);
}

void bt_docker_add_bool(struct bt_evbuf *eb, const char *name, bool v)
{
	bt_docker_adds(eb, name, v ? "true" : "false");
}

void bt_docker_add_u64(struct bt_evbuf *eb, const char *name, uint64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof b, "%" PRIu64, v);
	bt_docker_add(eb, name, b, (size_t)n);
}

void bt_docker_add_i64(struct bt_evbuf *eb, const char *name, int64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof b, "%" PRId64, v);
	bt_docker_add(eb, name, b, (size_t)n);
}

static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

void bt_docker_add_container_id(struct bt_evbuf *eb, const char *v, size_t n)
{
	if (!v)
		return;
	trim(&v, &n);
	if (n)
		bt_docker_add(eb, "ContainerID", v, n);
}

void bt_docker_add_container_name(struct bt_evbuf *eb, const char *v, size_t n)
{
	if (!v)
		return;
	trim(&v, &n);
	if (n && *v == '/') {
		v++;
		n--;
	}
	if (n)
		bt_docker_add(eb, "ContainerName", v, n);
}

bool bt_docker_has(const struct bt_evbuf *eb, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < eb->ev.nfields; i++)
		if (eb->fv[i].name_len == nl && memcmp(eb->fv[i].name, name, nl) == 0)
			return true;
	return false;
}

/* ---- small parsers ---- */

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

bool bt_docker_ieq(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	if (n != l)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != lower((unsigned char)lit[i]))
			return false;
	return true;
}

static bool iprefix(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	return n >= l && bt_docker_ieq(s, l, lit);
}

static bool prefix(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	return n >= l && memcmp(s, lit, l) == 0;
}

int bt_docker_level(const char *w, size_t n)
{
	if (bt_docker_ieq(w, n, "panic") || bt_docker_ieq(w, n, "fatal") ||
	    bt_docker_ieq(w, n, "pani") || bt_docker_ieq(w, n, "fata"))
		return 1;
	if (bt_docker_ieq(w, n, "error") || bt_docker_ieq(w, n, "erro"))
		return 2;
	if (bt_docker_ieq(w, n, "warning") || bt_docker_ieq(w, n, "warn"))
		return 3;
	if (bt_docker_ieq(w, n, "info"))
		return 4;
	if (bt_docker_ieq(w, n, "debug") || bt_docker_ieq(w, n, "debu") ||
	    bt_docker_ieq(w, n, "trace") || bt_docker_ieq(w, n, "trac"))
		return 5;
	return -1;
}

bool bt_docker_is_hex(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

bool bt_docker_time(const char *s, size_t n, bt_time *out)
{
	bt_time t;
	if (!s || !bt_time_parse(s, n, &t, NULL, NULL))
		return false;
	if (n >= 4 && memcmp(s, "0001", 4) == 0)
		return false;  /* Go's zero time: "never" */
	*out = t;
	return true;
}

bool bt_docker_unix_time(int64_t sec, int64_t nsec, bt_time *out)
{
	if (sec < -62135596800LL || sec > 253402300799LL || nsec < 0 || nsec >= 1000000000)
		return false;
	*out = bt_time_from_unix(sec, nsec);
	return true;
}

/* ---- API calls ---- */

#define MAX_SEGS 8

struct uri {
	const char *seg[MAX_SEGS];
	size_t seglen[MAX_SEGS];
	size_t nseg;
	const char *rest;        /* path from the second segment on (image names with '/') */
	size_t restlen;
	const char *query;
	size_t qlen;
};

static void uri_parse(const char *u, size_t n, struct uri *p)
{
	memset(p, 0, sizeof *p);
	const char *q = memchr(u, '?', n);
	size_t plen = q ? (size_t)(q - u) : n;
	if (q) {
		p->query = q + 1;
		p->qlen = n - plen - 1;
	}
	size_t i = 0;
	/* strip the version prefix "/v1.41" */
	if (plen >= 3 && u[0] == '/' && u[1] == 'v' && u[2] >= '0' && u[2] <= '9') {
		i = 2;
		while (i < plen && ((u[i] >= '0' && u[i] <= '9') || u[i] == '.'))
			i++;
	}
	while (i < plen && p->nseg < MAX_SEGS) {
		while (i < plen && u[i] == '/')
			i++;
		if (i >= plen)
			break;
		size_t s = i;
		while (i < plen && u[i] != '/')
			i++;
		if (p->nseg == 1) {
			p->rest = u + s;
			p->restlen = plen - s;
		}
		p->seg[p->nseg] = u + s;
		p->seglen[p->nseg++] = i - s;
	}
}

static bool seg_is(const struct uri *p, size_t i, const char *lit)
{
	return i < p->nseg && p->seglen[i] == strlen(lit) && memcmp(p->seg[i], lit, p->seglen[i]) == 0;
}

enum bt_docker_api bt_docker_api_kind(const char *method, size_t mlen, const char *uri,
                                      size_t ulen)
{
	struct uri p;
	uri_parse(uri, ulen, &p);
	bool post = bt_docker_ieq(method, mlen, "post");
	bool del = bt_docker_ieq(method, mlen, "delete");
	if (seg_is(&p, 0, "containers") && p.nseg >= 2) {
		if (seg_is(&p, 1, "create"))
			return post && p.nseg == 2 ? BT_API_CREATE : BT_API_OTHER;
		if (seg_is(&p, 1, "json") || seg_is(&p, 1, "prune"))
			return BT_API_OTHER;
		if (p.nseg == 2)
			return del ? BT_API_DELETE : BT_API_CONTAINER_OTHER;
		if (post && p.nseg == 3) {
			if (seg_is(&p, 2, "start"))
				return BT_API_START;
			if (seg_is(&p, 2, "stop"))
				return BT_API_STOP;
			if (seg_is(&p, 2, "restart"))
				return BT_API_RESTART;
			if (seg_is(&p, 2, "kill"))
				return BT_API_KILL;
			if (seg_is(&p, 2, "exec"))
				return BT_API_EXEC_CREATE;
		}
		return BT_API_CONTAINER_OTHER;
	}
	if (seg_is(&p, 0, "exec") && p.nseg == 3 && seg_is(&p, 2, "start") && post)
		return BT_API_EXEC_START;
	if (post && p.nseg == 2 && seg_is(&p, 0, "images") && seg_is(&p, 1, "create")) {
		/* fromImage pulls; fromSrc imports a tarball */
		for (size_t i = 0; i + 8 <= p.qlen; i++)
			if ((i == 0 || p.query[i - 1] == '&') && memcmp(p.query + i, "fromSrc=", 8) == 0)
				return BT_API_IMPORT;
		return BT_API_PULL;
	}
	if (post && p.nseg == 1 && seg_is(&p, 0, "build"))
		return BT_API_BUILD;
	if (del && p.nseg >= 2 && seg_is(&p, 0, "images"))
		return BT_API_IMAGE_DELETE;
	return BT_API_OTHER;
}

bool bt_docker_api_has_body(enum bt_docker_api k)
{
	return k == BT_API_CREATE || k == BT_API_EXEC_CREATE;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* URL-decodes s[0..n) into out (at least n bytes); returns the length. */
static size_t url_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
		    hexval((unsigned char)s[i + 2]) >= 0) {
			out[o++] = (char)(hexval((unsigned char)s[i + 1]) * 16 +
			                  hexval((unsigned char)s[i + 2]));
			i += 2;
		} else if (s[i] == '+') {
			out[o++] = ' ';
		} else {
			out[o++] = s[i];
		}
	}
	return o;
}

/* Finds query parameter `key`; sets *v and *vn to its raw value. */
static bool query_get(const struct uri *p, const char *key, const char **v, size_t *vn)
{
	size_t kl = strlen(key);
	size_t i = 0;
	while (i < p->qlen) {
		size_t s = i;
		while (i < p->qlen && p->query[i] != '&')
			i++;
		if (i - s > kl && memcmp(p->query + s, key, kl) == 0 && p->query[s + kl] == '=') {
			*v = p->query + s + kl + 1;
			*vn = i - s - kl - 1;
			return true;
		}
		i++;
	}
	return false;
}

/* Adds query parameter `key` URL-decoded as field `name`; returns the
 * decoded value in the event arena (NULL when absent or empty). */
static const char *add_query(struct bt_evbuf *eb, const struct uri *p, const char *key,
                             const char *name, size_t *len)
{
	const char *v;
	size_t vn;
	if (!query_get(p, key, &v, &vn) || vn == 0)
		return NULL;
	char *d = bt_arena_alloc(&eb->arena, vn + 1);
	if (!d) {
		eb->truncated = true;
		return NULL;
	}
	size_t dn = url_decode(v, vn, d);
	d[dn] = '\0';
	if (name)
		bt_docker_add(eb, name, d, dn);
	if (len)
		*len = dn;
	return d;
}

static bool truthy(const char *v, size_t n)
{
	return bt_docker_ieq(v, n, "1") || bt_docker_ieq(v, n, "true") ||
	       bt_docker_ieq(v, n, "yes");
}

static const char *api_action(enum bt_docker_api k)
{
	switch (k) {
	case BT_API_CREATE: return BT_ACT_CREATE;
	case BT_API_START:
	case BT_API_RESTART: return BT_ACT_START;
	case BT_API_STOP: return BT_ACT_STOP;
	case BT_API_KILL: return BT_ACT_KILL;
	case BT_API_DELETE: return BT_ACT_DESTROY;
	case BT_API_EXEC_CREATE:
	case BT_API_EXEC_START: return BT_ACT_EXEC;
	case BT_API_PULL: return BT_ACT_PULL;
	case BT_API_BUILD: return BT_ACT_BUILD;
	case BT_API_IMAGE_DELETE: return BT_ACT_IMAGE_DEL;
	default: return NULL;
	}
}

enum bt_docker_api bt_docker_api_call(struct bt_evbuf *eb, const char *method, size_t mlen,
                                      const char *uri, size_t ulen)
{
	enum bt_docker_api k = bt_docker_api_kind(method, mlen, uri, ulen);
	struct uri p;
	uri_parse(uri, ulen, &p);
	const char *act = api_action(k);
	if (act)
		bt_docker_adds(eb, "Action", act);
	bt_docker_add(eb, "ApiMethod", method, mlen);
	bt_docker_add(eb, "ApiPath", uri, ulen);
	const char *v;
	size_t vn;
	switch (k) {
	case BT_API_CREATE:
		if ((v = add_query(eb, &p, "name", NULL, &vn)))
			bt_docker_add_container_name(eb, v, vn);
		break;
	case BT_API_START:
	case BT_API_STOP:
	case BT_API_RESTART:
	case BT_API_KILL:
	case BT_API_DELETE:
	case BT_API_EXEC_CREATE:
	case BT_API_CONTAINER_OTHER:
		bt_docker_add_container_id(eb, p.seg[1], p.seglen[1]);
		if (k == BT_API_KILL)
			add_query(eb, &p, "signal", "Signal", NULL);
		if (k == BT_API_DELETE && (v = add_query(eb, &p, "force", NULL, &vn)))
			bt_docker_add_bool(eb, "Force", truthy(v, vn));
		break;
	case BT_API_EXEC_START:
		bt_docker_add(eb, "ExecID", p.seg[1], p.seglen[1]);
		break;
	case BT_API_PULL: {
		size_t in = 0, tn = 0;
		const char *img = add_query(eb, &p, "fromImage", NULL, &in);
		const char *tag = add_query(eb, &p, "tag", NULL, &tn);
		if (img && tag && !memchr(img, '@', in)) {
			/* "nginx" + "latest" -> "nginx:latest"; a digest tag joins with '@' */
			struct bt_buf b = BT_BUF_INIT;
			bt_buf_put(&b, img, in);
			bt_buf_putc(&b, prefix(tag, tn, "sha256:") ? '@' : ':');
			bt_buf_put(&b, tag, tn);
			if (!b.oom)
				bt_docker_add(eb, "Image", b.p, b.n);
			bt_buf_free(&b);
		} else if (img) {
			bt_docker_add(eb, "Image", img, in);
		}
		break;
	}
	case BT_API_IMPORT:
		add_query(eb, &p, "repo", "Image", NULL);
		add_query(eb, &p, "fromSrc", "ImportSource", NULL);
		break;
	case BT_API_BUILD:
		add_query(eb, &p, "t", "Image", NULL);
		add_query(eb, &p, "remote", "BuildRemote", NULL);
		break;
	case BT_API_IMAGE_DELETE: {
		char *d = bt_arena_alloc(&eb->arena, p.restlen + 1);
		if (d) {
			size_t dn = url_decode(p.rest, p.restlen, d);
			bt_docker_add(eb, "Image", d, dn);
		}
		if ((v = add_query(eb, &p, "force", NULL, &vn)))
			bt_docker_add_bool(eb, "Force", truthy(v, vn));
		break;
	}
	case BT_API_OTHER:
		if (seg_is(&p, 0, "exec") && p.nseg >= 2)
			bt_docker_add(eb, "ExecID", p.seg[1], p.seglen[1]);
		break;
	}
	return k;
}

/* ---- JSON facts ---- */

struct json_object *bt_docker_jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v))
		return v;
	return NULL;
}

const char *bt_docker_jstr(struct json_object *o, size_t *n)
{
	if (!o || !json_object_is_type(o, json_type_string))
		return NULL;
	*n = (size_t)json_object_get_string_len(o);
	return json_object_get_string(o);
}

void bt_docker_add_jstr(struct bt_evbuf *eb, struct json_object *o, const char *key,
                        const char *name)
{
	size_t n;
	const char *s = bt_docker_jstr(bt_docker_jget(o, key), &n);
	if (s && n)
		bt_docker_add(eb, name, s, n);
}

/* Appends the words of a string or an array of values, space separated. */
static void join_words(struct bt_buf *b, struct json_object *v)
{
	if (!v || json_object_is_type(v, json_type_null))
		return;
	if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n && b->n < BT_DOCKER_MAX_JOINED; i++) {
			struct json_object *e = json_object_array_get_idx(v, i);
			size_t l;
			const char *s = bt_docker_jstr(e, &l);
			if (!s) {
				s = json_object_get_string(e);
				l = s ? strlen(s) : 0;
			}
			if (b->n)
				bt_buf_putc(b, ' ');
			bt_buf_put(b, s ? s : "", l);
		}
		return;
	}
	size_t l;
	const char *s = bt_docker_jstr(v, &l);
	if (s) {
		if (b->n)
			bt_buf_putc(b, ' ');
		bt_buf_put(b, s, l);
	}
}

static void add_buf(struct bt_evbuf *eb, const char *name, struct bt_buf *b)
{
	if (b->oom) {
		eb->truncated = true;
		return;
	}
	size_t n = b->n;
	if (n > BT_DOCKER_MAX_JOINED) {
		n = BT_DOCKER_MAX_JOINED;
		eb->truncated = true;
	}
	if (n)
		bt_docker_add(eb, name, b->p, n);
}

void bt_docker_add_command(struct bt_evbuf *eb, struct json_object *entrypoint,
                           struct json_object *cmd)
{
	struct bt_buf b = BT_BUF_INIT;
	join_words(&b, entrypoint);
	join_words(&b, cmd);
	add_buf(eb, "Command", &b);
	bt_buf_free(&b);
}

void bt_docker_add_mount(struct bt_evbuf *eb, const char *src, const char *dst, bool ro)
{
	struct bt_buf b = BT_BUF_INIT;
	bt_buf_puts(&b, src ? src : "");
	bt_buf_putc(&b, ':');
	bt_buf_puts(&b, dst ? dst : "");
	if (ro)
		bt_buf_puts(&b, ":ro");
	if (!b.oom)
		bt_docker_add_list_unique(eb, "Mounts", b.p, b.n);
	bt_buf_free(&b);
	if (src && *src)
		bt_docker_add_list_unique(eb, "MountSource", src, strlen(src));
	if (dst && *dst)
		bt_docker_add_list_unique(eb, "MountTarget", dst, strlen(dst));
}

/* End of one ':'-separated part of a bind starting at i; a Windows drive
 * letter ("C:\" or "c:/") is part of the path, not a separator. */
static size_t bind_part_end(const char *s, size_t n, size_t i)
{
	if (i + 2 < n && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')) &&
	    s[i + 1] == ':' && (s[i + 2] == '\\' || s[i + 2] == '/'))
		i += 2;
	const char *c = memchr(s + i, ':', n - i);
	return c ? (size_t)(c - s) : n;
}

void bt_docker_add_bind(struct bt_evbuf *eb, const char *bind, size_t n)
{
	bt_docker_add_list(eb, "Binds", bind, n);
	size_t e1 = bind_part_end(bind, n, 0);
	if (e1 >= n) {
		/* "/data" alone is an anonymous volume at that target */
		bt_docker_add_list_unique(eb, "MountTarget", bind, n);
		return;
	}
	size_t e2 = bind_part_end(bind, n, e1 + 1);
	if (e1)
		bt_docker_add_list_unique(eb, "MountSource", bind, e1);
	if (e2 > e1 + 1)
		bt_docker_add_list_unique(eb, "MountTarget", bind + e1 + 1, e2 - e1 - 1);
}

/* Calls fn for every string in a JSON array. */
static void for_strings(struct json_object *arr, void (*fn)(struct bt_evbuf *, const char *,
                                                            const char *, size_t),
                        struct bt_evbuf *eb, const char *name)
{
	if (!arr || !json_object_is_type(arr, json_type_array))
		return;
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		size_t l;
		const char *s = bt_docker_jstr(json_object_array_get_idx(arr, i), &l);
		if (s)
			fn(eb, name, s, l);
	}
}

static void add_secopt(struct bt_evbuf *eb, const char *name, const char *s, size_t l)
{
	bt_docker_add_list(eb, name, s, l);
	/* credentialspec=file://x.json (or the old credentialspec:...) */
	if (l > 15 && iprefix(s, l, "credentialspec") && (s[14] == '=' || s[14] == ':'))
		bt_docker_add(eb, "CredentialSpec", s + 15, l - 15);
}

static void add_bind_cb(struct bt_evbuf *eb, const char *name, const char *s, size_t l)
{
	(void)name;
	bt_docker_add_bind(eb, s, l);
}

/* API bodies and hostconfig.json are decoded by Go's encoding/json, which
 * matches keys case-insensitively ("privileged" sets Privileged): the key
 * as spelled, else any case variant. The daemon logs a body re-encoded from
 * a map (keys sorted, so the order the client sent is gone). */
static struct json_object *jget_ci(struct json_object *o, const char *key)
{
	struct json_object *v = bt_docker_jget(o, key);
	if (v || !o || !json_object_is_type(o, json_type_object))
		return v;
	json_object_object_foreach(o, k, val)
	{
		if (strcasecmp(k, key) == 0)
			return val;
	}
	return NULL;
}

static void add_jstr_ci(struct bt_evbuf *eb, struct json_object *o, const char *key,
                        const char *name)
{
	size_t n;
	const char *s = bt_docker_jstr(jget_ci(o, key), &n);
	if (s && n)
		bt_docker_add(eb, name, s, n);
}

/* A boolean under any case variant of its key: set when any variant is true
 * (which one the daemon applied is not in its log); variants that disagree
 * are named in KeyCaseConflict. */
static void add_jbool_ci(struct bt_evbuf *eb, struct json_object *o, const char *key,
                         const char *name)
{
	if (!o || !json_object_is_type(o, json_type_object))
		return;
	bool any_true = false, any_false = false;
	json_object_object_foreach(o, k, val)
	{
		if (strcasecmp(k, key) != 0 || !val || !json_object_is_type(val, json_type_boolean))
			continue;
		if (json_object_get_boolean(val))
			any_true = true;
		else
			any_false = true;
	}
	if (any_true || any_false)
		bt_docker_add_bool(eb, name, any_true);
	if (any_true && any_false)
		bt_docker_add_list_unique(eb, "KeyCaseConflict", name, strlen(name));
}

static void add_mode(struct bt_evbuf *eb, struct json_object *hc, const char *key)
{
	add_jstr_ci(eb, hc, key, key);
}

void bt_docker_hostconfig_facts(struct bt_evbuf *eb, struct json_object *hc)
{
	if (!hc || !json_object_is_type(hc, json_type_object))
		return;
	add_jbool_ci(eb, hc, "Privileged", "Privileged");
	add_mode(eb, hc, "PidMode");
	add_mode(eb, hc, "NetworkMode");
	add_mode(eb, hc, "IpcMode");
	add_mode(eb, hc, "UTSMode");
	add_mode(eb, hc, "UsernsMode");
	add_mode(eb, hc, "CgroupnsMode");
	for_strings(jget_ci(hc, "CapAdd"), bt_docker_add_list, eb, "CapAdd");
	for_strings(jget_ci(hc, "CapDrop"), bt_docker_add_list, eb, "CapDrop");
	for_strings(jget_ci(hc, "SecurityOpt"), add_secopt, eb, "SecurityOpt");
	struct json_object *dev = jget_ci(hc, "Devices");
	if (dev && json_object_is_type(dev, json_type_array)) {
		size_t n = json_object_array_length(dev);
		for (size_t i = 0; i < n; i++) {
			struct json_object *d = json_object_array_get_idx(dev, i);
			size_t l;
			const char *s = bt_docker_jstr(jget_ci(d, "PathOnHost"), &l);
			if (!s)
				s = bt_docker_jstr(d, &l);   /* "/dev/sda:/dev/sda:rwm" as a string */
			if (s && l)
				bt_docker_add_list(eb, "Devices", s, l);
		}
	}
	for_strings(jget_ci(hc, "Binds"), add_bind_cb, eb, "Binds");
	struct json_object *mounts = jget_ci(hc, "Mounts");
	if (mounts && json_object_is_type(mounts, json_type_array)) {
		size_t n = json_object_array_length(mounts);
		for (size_t i = 0; i < n; i++) {
			struct json_object *m = json_object_array_get_idx(mounts, i);
			size_t sl = 0, tl = 0;
			const char *src = bt_docker_jstr(jget_ci(m, "Source"), &sl);
			const char *dst = bt_docker_jstr(jget_ci(m, "Target"), &tl);
			struct json_object *ro = jget_ci(m, "ReadOnly");
			bt_docker_add_mount(eb, src, dst,
			                    ro && json_object_is_type(ro, json_type_boolean) &&
			                            json_object_get_boolean(ro));
		}
	}
	add_jbool_ci(eb, hc, "AutoRemove", "AutoRemove");
	add_jstr_ci(eb, hc, "Isolation", "Isolation");
	add_jstr_ci(eb, jget_ci(hc, "RestartPolicy"), "Name", "RestartPolicy");
	add_jstr_ci(eb, hc, "Runtime", "Runtime");
	struct json_object *pb = jget_ci(hc, "PortBindings");
	if (pb && json_object_is_type(pb, json_type_object)) {
		json_object_object_foreach(pb, port, arr)
		{
			if (!arr || !json_object_is_type(arr, json_type_array))
				continue;
			size_t n = json_object_array_length(arr);
			for (size_t i = 0; i < n; i++) {
				struct json_object *b = json_object_array_get_idx(arr, i);
				size_t hl = 0, pl = 0;
				const char *hip = bt_docker_jstr(jget_ci(b, "HostIp"), &hl);
				const char *hp = bt_docker_jstr(jget_ci(b, "HostPort"), &pl);
				struct bt_buf s = BT_BUF_INIT;
				bt_buf_put(&s, hip ? hip : "", hip ? hl : 0);
				bt_buf_putc(&s, ':');
				bt_buf_put(&s, hp ? hp : "", hp ? pl : 0);
				bt_buf_puts(&s, "->");
				bt_buf_puts(&s, port);
				if (!s.oom)
					bt_docker_add_list(eb, "PortBindings", s.p, s.n);
				bt_buf_free(&s);
			}
		}
	}
}

void bt_docker_api_body(struct bt_evbuf *eb, enum bt_docker_api k, struct json_object *body)
{
	if (!body || !json_object_is_type(body, json_type_object))
		return;
	if (k == BT_API_CREATE) {
		add_jstr_ci(eb, body, "Image", "Image");
		bt_docker_add_command(eb, jget_ci(body, "Entrypoint"), jget_ci(body, "Cmd"));
		add_jstr_ci(eb, body, "User", "User");
		add_jstr_ci(eb, body, "Hostname", "Hostname");
		add_jstr_ci(eb, body, "WorkingDir", "WorkingDir");
		bt_docker_hostconfig_facts(eb, jget_ci(body, "HostConfig"));
	} else if (k == BT_API_EXEC_CREATE) {
		bt_docker_add_command(eb, NULL, jget_ci(body, "Cmd"));
		add_jstr_ci(eb, body, "User", "User");
		add_jstr_ci(eb, body, "WorkingDir", "WorkingDir");
		add_jbool_ci(eb, body, "Privileged", "Privileged");
	}
}

enum bt_docker_api bt_docker_body_kind(struct json_object *body)
{
	if (!body || !json_object_is_type(body, json_type_object))
		return BT_API_OTHER;
	if (jget_ci(body, "HostConfig") ||
	    (jget_ci(body, "Image") && jget_ci(body, "Cmd")))
		return BT_API_CREATE;
	if (jget_ci(body, "Cmd") &&
	    (jget_ci(body, "AttachStdin") || jget_ci(body, "AttachStdout") ||
	     jget_ci(body, "Detach") || jget_ci(body, "Privileged")))
		return BT_API_EXEC_CREATE;
	return BT_API_OTHER;
}

struct json_object *bt_docker_parse_body(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (!n || *s != '{' || n > INT32_MAX)
		return NULL;
	struct json_tokener *tok = json_tokener_new_ex(64);
	if (!tok)
		return NULL;
	struct json_object *o = json_tokener_parse_ex(tok, s, (int)n);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* The JSON object of one line, or NULL with *why NULL for a blank line,
 * else the reason (`complete`: the line had its end). */
static struct json_object *json_line(struct json_tokener *tok, const char *s, size_t n,
                                     bool complete, const char **why)
{
	while (n && (*s == ' ' || *s == '\t' || *s == '\x1e')) {
		s++;
		n--;
	}
	*why = NULL;
	if (!n)
		return NULL;
	json_tokener_reset(tok);
	struct json_object *o = n <= INT32_MAX ? json_tokener_parse_ex(tok, s, (int)n) : NULL;
	if (o && json_object_is_type(o, json_type_object))
		return o;
	if (o)
		json_object_put(o);
	*why = complete ? "not a JSON object, skipped" : "truncated JSON object (no line end), skipped";
	return NULL;
}

/* ---- line readers ---- */

void bt_docker_warn(struct bt_reader_ctx *ctx, struct bt_docker_warnings *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bt_reader_vwarn(ctx, &w->n, BT_DOCKER_MAX_WARNINGS, fmt, ap);
	va_end(ap);
}

void bt_docker_warn_summary(struct bt_reader_ctx *ctx, const struct bt_docker_warnings *w)
{
	bt_reader_warn_summary(ctx, w->n, BT_DOCKER_MAX_WARNINGS);
}

enum bt_status bt_docker_getline(struct bt_reader_ctx *ctx, struct bt_docker_warnings *w,
                                 const char **s, size_t *n, uint64_t *line, uint64_t *off,
                                 bool *complete)
{
	for (;;) {
		enum bt_status st = bt_stream_getline(ctx->stream, s, n, line, off, complete);
		if (st == BT_ERR_LIMIT) {
			ctx->stats->lines++;
			ctx->stats->failed++;
			bt_docker_warn(ctx, w, "line %llu: longer than %u bytes, skipped",
			               (unsigned long long)*line, (unsigned)BT_MAX_LINE);
			continue;
		}
		if (st == BT_ERR_FORMAT)
			bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path,
			         "corrupt compressed data at offset %llu; the rest is lost",
			         (unsigned long long)bt_stream_raw_offset(ctx->stream));
		else if (st != BT_OK && st != BT_EOF)
			bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path,
			         "read error after line %llu: %s", (unsigned long long)*line,
			         bt_status_str(st));
		return st;
	}
}

enum bt_status bt_docker_next_json(struct bt_reader_ctx *ctx, struct bt_docker_warnings *w,
                                   struct json_tokener *tok, struct json_object **o,
                                   uint64_t *line, uint64_t *off)
{
	for (;;) {
		const char *s;
		size_t n;
		bool complete;
		enum bt_status st = bt_docker_getline(ctx, w, &s, &n, line, off, &complete);
		if (st != BT_OK)
			return st;
		ctx->stats->lines++;
		const char *why;
		if ((*o = json_line(tok, s, n, complete, &why)))
			return BT_OK;
		if (why) {
			ctx->stats->failed++;
			bt_docker_warn(ctx, w, "line %llu: %s", (unsigned long long)*line, why);
		} else {
			ctx->stats->skipped++;   /* a blank line */
		}
	}
}

/* ---- addresses and daemon flags ---- */

bool bt_docker_addr_is_tcp(const char *a, size_t n)
{
	trim(&a, &n);
	if (iprefix(a, n, "tcp://"))
		return true;
	if (iprefix(a, n, "unix://") || iprefix(a, n, "npipe://") || iprefix(a, n, "fd://") ||
	    iprefix(a, n, "ssh://") || (n && (a[0] == '/' || a[0] == '\\')))
		return false;
	/* "[::]:2375", "0.0.0.0:2376", "host:2375": ends with :port */
	size_t i = n;
	while (i && a[i - 1] >= '0' && a[i - 1] <= '9')
		i--;
	return i < n && i > 0 && a[i - 1] == ':';
}

void bt_docker_daemon_args(struct bt_evbuf *eb, const char *cmdline, size_t n)
{
	bt_docker_add(eb, "DaemonArgs", cmdline, n);
	bool tcp = false;
	size_t i = 0;
	bool want_value = false;
	while (i < n) {
		while (i < n && (cmdline[i] == ' ' || cmdline[i] == '\t'))
			i++;
		size_t s = i;
		while (i < n && cmdline[i] != ' ' && cmdline[i] != '\t')
			i++;
		const char *t = cmdline + s;
		size_t tl = i - s;
		if (!tl)
			break;
		const char *val = NULL;
		size_t vl = 0;
		if (want_value) {
			val = t;
			vl = tl;
			want_value = false;
		} else if ((tl == 2 && memcmp(t, "-H", 2) == 0) ||
		           (tl == 6 && memcmp(t, "--host", 6) == 0)) {
			want_value = true;
		} else if (tl > 7 && memcmp(t, "--host=", 7) == 0) {
			val = t + 7;
			vl = tl - 7;
		} else if (tl > 2 && memcmp(t, "-H", 2) == 0) {
			val = t + 2 + (t[2] == '=');
			vl = tl - 2 - (t[2] == '=');
		}
		if (val && vl && bt_docker_addr_is_tcp(val, vl)) {
			bt_docker_add_list(eb, "ApiListen", val, vl);
			tcp = true;
		}
	}
	if (tcp)
		bt_docker_add_bool(eb, "ApiTcp", true);
}

/* ---- logrus k=v ---- */

static bool key_char(char c)
{
	return c != ' ' && c != '\t' && c != '=' && c != '"' && (unsigned char)c > 0x20;
}

/* Length of "key=" at s[i..n), 0 when there is none. */
static size_t key_len(const char *s, size_t n, size_t i)
{
	size_t j = i;
	while (j < n && key_char(s[j]))
		j++;
	return j > i && j < n && s[j] == '=' ? j - i : 0;
}

size_t bt_kv_split(const char *s, size_t n, struct bt_kv *out, size_t max, size_t *stop,
                   bool *dropped)
{
	size_t i = 0, cnt = 0;
	*dropped = false;
	for (;;) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= n)
			break;
		size_t kl = key_len(s, n, i);
		if (!kl)
			break;
		struct bt_kv kv = {s + i, kl, NULL, 0, false};
		size_t j = i + kl + 1;
		if (j < n && s[j] == '"') {
			size_t k = j + 1;
			size_t end = n;   /* unterminated: the value runs to the end */
			while (k < n) {
				if (s[k] == '\\') {
					k += 2;
					continue;
				}
				if (s[k] == '"') {
					size_t a = k + 1;
					if (a >= n) {
						end = k;
						break;
					}
					if (s[a] == ' ' || s[a] == '\t') {
						while (a < n && (s[a] == ' ' || s[a] == '\t'))
							a++;
						if (a >= n || key_len(s, n, a)) {
							end = k;
							break;
						}
					}
				}
				k++;
			}
			kv.val = s + j + 1;
			kv.vlen = (end < n ? end : n) - (j + 1);
			kv.quoted = true;
			i = end < n ? end + 1 : n;
		} else {
			size_t k = j;
			while (k < n && s[k] != ' ' && s[k] != '\t')
				k++;
			kv.val = s + j;
			kv.vlen = k - j;
			i = k;
		}
		if (cnt < max)
			out[cnt++] = kv;
		else
			*dropped = true;
	}
	*stop = i < n ? i : n;
	return cnt;
}

size_t bt_kv_unquote(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 >= n) {
			out[o++] = s[i];
			continue;
		}
		char c = s[i + 1];
		int digits = 0;
		switch (c) {
		case 'n': out[o++] = '\n'; i++; continue;
		case 't': out[o++] = '\t'; i++; continue;
		case 'r': out[o++] = '\r'; i++; continue;
		case 'a': out[o++] = '\a'; i++; continue;
		case 'b': out[o++] = '\b'; i++; continue;
		case 'f': out[o++] = '\f'; i++; continue;
		case 'v': out[o++] = '\v'; i++; continue;
		case '\\': out[o++] = '\\'; i++; continue;
		case '"': out[o++] = '"'; i++; continue;
		case '\'': out[o++] = '\''; i++; continue;
		case 'x': digits = 2; break;
		case 'u': digits = 4; break;
		case 'U': digits = 8; break;
		default: break;
		}
		if (digits && i + 1 + (size_t)digits < n) {
			uint32_t v = 0;
			bool ok = true;
			for (int d = 0; d < digits; d++) {
				int h = hexval((unsigned char)s[i + 2 + d]);
				if (h < 0) {
					ok = false;
					break;
				}
				v = v * 16 + (uint32_t)h;
			}
			if (ok) {
				/* \xNN is a raw byte (Go quotes invalid UTF-8 that way);
				 * decoding never grows: "\u00e9" (6) -> 2 bytes, "\U..." (10) -> 4 */
				if (digits == 2)
					out[o++] = (char)v;
				else
					o += bt_utf8_encode(out + o, v);
				i += 1 + (size_t)digits;
				continue;
			}
		} else if (c >= '0' && c <= '7' && i + 3 < n && s[i + 2] >= '0' && s[i + 2] <= '7' &&
		           s[i + 3] >= '0' && s[i + 3] <= '7') {
			out[o++] = (char)((c - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
			continue;
		}
		out[o++] = s[i];   /* unknown escape: kept as written */
	}
	return o;
}

static bool loose_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/* Length of a loose "key=" at s[i..n) (identifier characters only). */
static size_t loose_key_len(const char *s, size_t n, size_t i)
{
	size_t j = i;
	while (j < n && loose_key_char(s[j]))
		j++;
	return j > i && j < n && s[j] == '=' ? j - i : 0;
}

size_t bt_kv_split_loose(const char *s, size_t n, struct bt_kv *out, size_t max)
{
	size_t cnt = 0;
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (i < n && cnt < max) {
		size_t kl = loose_key_len(s, n, i);
		if (!kl) {
			/* text before the first key: skip to the next word */
			while (i < n && s[i] != ' ')
				i++;
			while (i < n && s[i] == ' ')
				i++;
			continue;
		}
		size_t vs = i + kl + 1, j = vs, ve = n, next = n;
		while (j < n) {
			if (s[j] == ' ' && j + 1 < n && loose_key_len(s, n, j + 1)) {
				ve = j;
				next = j + 1;
				break;
			}
			j++;
		}
		out[cnt].key = s + i;
		out[cnt].klen = kl;
		out[cnt].val = s + vs;
		out[cnt].vlen = ve - vs;
		out[cnt].quoted = false;
		cnt++;
		i = next;
	}
	return cnt;
}

void bt_docker_add_record_field(struct bt_evbuf *eb, const char *k, size_t kl, const char *v,
                                size_t vl)
{
	if (kl && k[0] >= 'a' && k[0] <= 'z') {
		bt_evbuf_add(eb, k, kl, v, vl, 0);
		return;
	}
	char nb[136];
	if (kl > sizeof nb - 8) {
		eb->truncated = true;
		return;
	}
	memcpy(nb, "fields.", 7);
	memcpy(nb + 7, k, kl);
	bt_evbuf_add(eb, nb, kl + 7, v, vl, 0);
}

const struct bt_kv *bt_kv_find(const struct bt_kv *kv, size_t nkv, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i < nkv; i++)
		if (kv[i].klen == kl && memcmp(kv[i].key, key, kl) == 0)
			return &kv[i];
	return NULL;
}

/* ---- message classification ---- */

static bool msg_is(const char *m, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	return n == l && memcmp(m, lit, l) == 0;
}

/* Adds ContainerID from the last path component of a containerd task path
 * (".../io.containerd.runtime.v2.task/moby/<id>"). */
static void id_from_path(struct bt_evbuf *eb, const struct bt_kv *p)
{
	if (!p || !p->vlen)
		return;
	const char *v = p->val;
	size_t n = p->vlen;
	while (n && v[n - 1] == '/')
		n--;
	size_t s = n;
	while (s && v[s - 1] != '/')
		s--;
	bt_docker_add_container_id(eb, v + s, n - s);
}

/* Finds a 64-hex word in m (old messages put the id in the text). */
static bool id_in_text(const char *m, size_t n, const char **id)
{
	for (size_t i = 0; i + 64 <= n; i++) {
		if ((i == 0 || m[i - 1] == ' ') && bt_docker_is_hex(m + i, 64) &&
		    (i + 64 == n || m[i + 64] == ' ' || m[i + 64] == ':')) {
			*id = m + i;
			return true;
		}
	}
	return false;
}

static bool contains(const char *m, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	if (l > n)
		return false;
	for (size_t i = 0; i + l <= n; i++)
		if (m[i] == lit[0] && memcmp(m + i, lit, l) == 0)
			return true;
	return false;
}

enum bt_docker_api bt_docker_classify(struct bt_evbuf *eb, const char *msg, size_t n,
                                      const struct bt_kv *kv, size_t nkv, bool *is_body)
{
	enum bt_docker_api k = BT_API_OTHER;
	*is_body = false;
	const struct bt_kv *f;
	if (prefix(msg, n, "Calling ")) {
		const char *m = msg + 8;
		size_t rest = n - 8;
		const char *sp = memchr(m, ' ', rest);
		if (sp && sp > m) {
			const char *u = sp + 1;
			size_t ul = rest - (size_t)(u - m);
			while (ul && u[ul - 1] == ' ')
				ul--;
			k = bt_docker_api_call(eb, m, (size_t)(sp - m), u, ul);
		}
	} else if (prefix(msg, n, "form data: ")) {
		*is_body = true;
	} else if (msg_is(msg, n, "Starting up") || msg_is(msg, n, "Docker daemon") ||
	           msg_is(msg, n, "Daemon has completed initialization")) {
		bt_docker_adds(eb, "Action", BT_ACT_DSTART);
	} else if (prefix(msg, n, "API listen on ")) {
		const char *a = msg + 14;
		size_t al = n - 14;
		trim(&a, &al);
		bt_docker_adds(eb, "Action", BT_ACT_LISTEN);
		bt_docker_add(eb, "ApiListen", a, al);
		bt_docker_add_bool(eb, "ApiTcp", bt_docker_addr_is_tcp(a, al));
	} else if (msg_is(msg, n, "starting signal loop")) {
		bt_docker_adds(eb, "Action", BT_ACT_START);
		id_from_path(eb, bt_kv_find(kv, nkv, "path"));
	} else if (msg_is(msg, n, "shim disconnected") || msg_is(msg, n, "shim reaped")) {
		bt_docker_adds(eb, "Action", BT_ACT_STOP);
		if ((f = bt_kv_find(kv, nkv, "id")))
			bt_docker_add_container_id(eb, f->val, f->vlen);
	} else if (msg_is(msg, n, "ignoring event") && (f = bt_kv_find(kv, nkv, "topic")) &&
	           f->vlen == 13 && memcmp(f->val, "/tasks/delete", 13) == 0) {
		bt_docker_adds(eb, "Action", BT_ACT_STOP);
	} else if (prefix(msg, n, "Container ") && contains(msg, n, "failed to exit within") &&
	           contains(msg, n, "using the force")) {
		const char *id;
		bt_docker_adds(eb, "Action", BT_ACT_KILL);
		bt_docker_adds(eb, "Signal", "KILL");
		if (id_in_text(msg, n, &id))
			bt_docker_add_container_id(eb, id, 64);
	}
	if (!bt_docker_has(eb, "ContainerID") && (f = bt_kv_find(kv, nkv, "container")) && f->vlen)
		bt_docker_add_container_id(eb, f->val, f->vlen);
	if (!*is_body && !bt_docker_has(eb, "Action"))
		bt_docker_adds(eb, "Action", BT_ACT_DLOG);
	return k;
}
