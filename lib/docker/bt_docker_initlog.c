/* Docker Desktop's init.log: recognising its entries, unwrapping each into
 * a line of the daemon-log engine, and the reader. */
#include "config.h"

#include "docker/bt_docker_initlog.h"

#include <string.h>

#include <json-c/json.h>

#include "docker/bt_docker_desktop.h"

#define MAX_WORD 64     /* a component, a time or a level as one word */

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

static bool is_word(const char *s, size_t n)
{
	if (!n || n > MAX_WORD)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!word_char(s[i]))
			return false;
	return true;
}

/* One printable word (a time or level as written; ':' and '+' too). */
static bool printable_word(const char *s, size_t n)
{
	if (!n || n > MAX_WORD)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static bool lit(const char *s, size_t n, const char *l)
{
	return n == strlen(l) && memcmp(s, l, n) == 0;
}

/* The string member `key` of `o`, or NULL. */
static const char *member(struct json_object *o, const char *key, size_t *n)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	*n = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

/* Parses one line as an entry: the object (the caller puts it), its
 * component and msg. NULL when it is not one. */
static struct json_object *entry(const char *s, size_t n, struct json_tokener *tok,
                                 const char **comp, size_t *compn, const char **msg, size_t *msgn)
{
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (!n || *s != '{' || n > INT32_MAX)
		return NULL;
	json_tokener_reset(tok);
	struct json_object *o = json_tokener_parse_ex(tok, s, (int)n);
	/* the whole line, one object: trailing bytes are not an entry */
	if (!o || json_tokener_get_parse_end(tok) != n || !json_object_is_type(o, json_type_object) ||
	    !(*comp = member(o, "component", compn)) || !is_word(*comp, *compn) ||
	    !(*msg = member(o, "msg", msgn))) {
		if (o)
			json_object_put(o);
		return NULL;
	}
	return o;
}

static bool known_component(const char *c, size_t n)
{
	return lit(c, n, "init") || lit(c, n, "dockerd") || lit(c, n, "containerd");
}

/* A first line longer than the head: its keys were seen by the caller; one
 * of the components this reader knows must be among them. */
static bool partial_first(const unsigned char *s, size_t n)
{
	static const char *const pats[] = {"\"component\":\"init\"", "\"component\":\"dockerd\"",
	                                   "\"component\":\"containerd\""};
	for (size_t i = 0; i < sizeof pats / sizeof *pats; i++)
		if (memmem(s, n, pats[i], strlen(pats[i])))
			return true;
	return false;
}

bool bt_initlog_probe(const unsigned char *s, size_t n, bool at_eof)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	if (!tok)
		return false;
	size_t i = 0, lines = 0, entries = 0;
	bool ok = true, known = false;
	while (ok && i < n && lines < BT_INITLOG_PROBE_LINES) {
		const unsigned char *nl = memchr(s + i, '\n', n - i);
		if (!nl && !at_eof)
			break;   /* cut by the end of the head */
		size_t l = nl ? (size_t)(nl - (s + i)) : n - i;
		const char *line = (const char *)s + i;
		i += l + 1;
		size_t b = 0;
		while (b < l && (line[b] == ' ' || line[b] == '\t' || line[b] == '\r'))
			b++;
		if (b == l)
			continue;
		lines++;
		const char *c, *m;
		size_t cn, mn;
		struct json_object *o = entry(line, l, tok, &c, &cn, &m, &mn);
		if (!o) {
			ok = lines > 1;   /* the first must be one; a damaged line later may not */
			continue;
		}
		entries++;
		known = known || known_component(c, cn);
		json_object_put(o);
	}
	json_tokener_free(tok);
	if (ok && !lines)
		return partial_first(s, n);
	return ok && known && entries * 4 >= lines * 3;
}

/* Appends msg with control characters escaped, so that it stays one line. */
static void put_escaped(struct bt_buf *out, const char *m, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)m[i];
		if ((c >= 0x20 && c != 0x7f) || c == '\t')
			continue;
		bt_buf_put(out, m + run, i - run);
		run = i + 1;
		if (c == '\n') {
			bt_buf_puts(out, "\\n");
		} else if (c == '\r') {
			bt_buf_puts(out, "\\r");
		} else {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			bt_buf_put(out, e, sizeof e);
		}
	}
	bt_buf_put(out, m + run, n - run);
}

bool bt_initlog_decode(const char *s, size_t n, struct bt_buf *out, struct json_tokener *tok)
{
	const char *c, *m, *t, *l;
	size_t cn, mn, tn = 0, ln = 0;
	struct json_object *o = entry(s, n, tok, &c, &cn, &m, &mn);
	if (!o)
		return false;
	t = member(o, "time", &tn);
	l = member(o, "level", &ln);
	if (t && printable_word(t, tn))
		bt_buf_put(out, t, tn);
	else
		bt_buf_putc(out, '-');
	bt_buf_putc(out, ' ');
	bt_buf_put(out, c, cn);
	bt_buf_putc(out, ' ');
	if (l && printable_word(l, ln))
		bt_buf_put(out, l, ln);
	else
		bt_buf_putc(out, '-');
	bt_buf_putc(out, ' ');
	put_escaped(out, m, mn);
	json_object_put(o);
	return true;
}

/* The next space-separated word of s[*i..n). */
static bool next_word(const char *s, size_t n, size_t *i, const char **w, size_t *wl)
{
	const char *sp = memchr(s + *i, ' ', n - *i);
	if (!sp || sp == s + *i)
		return false;
	*w = s + *i;
	*wl = (size_t)(sp - *w);
	*i = (size_t)(sp - s) + 1;
	return true;
}

bool bt_initlog_prefix(const char *s, size_t n, struct bt_line_prefix *o)
{
	memset(o, 0, sizeof *o);
	o->level = -1;
	const char *t, *c, *l;
	size_t tl, cl, ll, i = 0;
	if (!next_word(s, n, &i, &t, &tl) || !next_word(s, n, &i, &c, &cl) ||
	    !next_word(s, n, &i, &l, &ll) || !is_word(c, cl))
		return false;
	if (!lit(t, tl, "-")) {
		bool zone = false;
		o->stamp = t;
		o->stamp_len = tl;
		o->full_time = bt_time_parse(t, tl, &o->time, NULL, &zone) && zone;
	}
	if (!lit(l, ll, "-")) {
		o->level_word = l;
		o->level_len = ll;
		o->level = bt_docker_level(l, ll);
	}
	o->component = c;
	o->component_len = cl;
	o->msg_off = i;
	return true;
}

static enum bt_status initlog_open(struct bt_reader_ctx *ctx, void **state)
{
	return bt_daemonlog_open(ctx, state, BT_SOURCE_DOCKER_DESKTOP, bt_initlog_prefix,
	                         bt_desktop_provider, "docker-desktop", bt_initlog_decode,
	                         "a Docker Desktop init.log entry (a JSON object with a component "
	                         "word and a msg string)");
}

const struct bt_reader_ops bt_reader_docker_desktop_init = {
	.name = "docker-desktop-init",
	.needs_stream = true,
	.open = initlog_open,
	.next = bt_daemonlog_next,
	.close = bt_daemonlog_close,
};
