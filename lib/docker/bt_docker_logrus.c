/* Logrus records, syslog prefixes and the daemon-log line engine. */
#include "config.h"

#include "docker/bt_docker_logrus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "core/bt_buf.h"
#include "docker/bt_docker_pair.h"


/* ---- record shapes ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Skips ANSI colour sequences ("\033[36m") at s[i..n). */
static size_t skip_ansi(const char *s, size_t n, size_t i)
{
	while (i + 1 < n && s[i] == '\033' && s[i + 1] == '[') {
		size_t j = i + 2;
		while (j < n && (is_digit(s[j]) || s[j] == ';'))
			j++;
		if (j < n && s[j] == 'm')
			i = j + 1;
		else
			break;
	}
	return i;
}

static bool term_level(const char *s, size_t n)
{
	static const char *const words[] = {"PANI", "FATA", "ERRO", "WARN", "INFO", "DEBU", "TRAC"};
	if (n < 4)
		return false;
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (memcmp(s, words[i], 4) == 0)
			return true;
	return false;
}

/* Position of '[' after a terminal level word, or 0 when s is not one. */
static size_t term_start(const char *s, size_t n)
{
	size_t i = skip_ansi(s, n, 0);
	if (!term_level(s + i, n - i))
		return 0;
	size_t j = skip_ansi(s, n, i + 4);
	return j < n && s[j] == '[' ? j : 0;
}

bool bt_logrus_is_text(const char *s, size_t n)
{
	if (n >= 11 && memcmp(s, "time=\"", 6) == 0 && is_digit(s[6]) && is_digit(s[7]) &&
	    is_digit(s[8]) && is_digit(s[9]) && s[10] == '-')
		return true;
	if (n > 6 && memcmp(s, "level=", 6) == 0) {
		size_t e = 6;
		while (e < n && s[e] != ' ')
			e++;
		return bt_docker_level(s + 6, e - 6) >= 0;
	}
	size_t b = term_start(s, n);
	if (!b)
		return false;
	/* "[2020-...Z]" or "[0000]" */
	const char *c = memchr(s + b, ']', n - b > 48 ? 48 : n - b);
	return c && c > s + b + 1 && is_digit(s[b + 1]);
}

/* Start of the k=v fields in the part of a terminal record after "] ":
 * logrus pads the message to 44 columns and puts one space before the
 * fields, so the first field starts at column 45 or after 2+ spaces. */
static size_t term_split(const char *r, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t sp = 0;
		while (i < n && r[i] == ' ') {
			i++;
			sp++;
		}
		if (i >= n)
			break;
		size_t w = i;
		size_t stop;
		bool dropped;
		if ((w >= 45 || sp >= 2) && r[w] != '=' && memchr(r + w, '=', n - w)) {
			bt_kv_split(r + w, n - w, NULL, 0, &stop, &dropped);
			if (stop >= n - w)
				return w;
			if (stop > 0) {
				i = w + stop;
				continue;
			}
		}
		while (i < n && r[i] != ' ')
			i++;
	}
	return n;
}

static bool key_is(const struct bt_kv *kv, const char *lit)
{
	size_t l = strlen(lit);
	return kv->klen == l && memcmp(kv->key, lit, l) == 0;
}

/* Decodes the quoted values of kv[] into the event arena. */
static void decode_values(struct bt_evbuf *eb, struct bt_kv *kv, size_t nkv)
{
	for (size_t i = 0; i < nkv; i++) {
		if (!kv[i].quoted || !memchr(kv[i].val, '\\', kv[i].vlen))
			continue;
		char *d = bt_arena_alloc(&eb->arena, kv[i].vlen + 1);
		if (!d) {
			eb->truncated = true;
			continue;
		}
		kv[i].vlen = bt_kv_unquote(kv[i].val, kv[i].vlen, d);
		kv[i].val = d;
	}
}

static bool prefix_is(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	return n >= l && memcmp(s, lit, l) == 0;
}

/* True when the record's fields say containerd (or its shim) wrote it. */
static bool containerd_fields(const struct bt_kv *kv, size_t nkv)
{
	const struct bt_kv *f;
	if ((f = bt_kv_find(kv, nkv, "module")) && (prefix_is(f->val, f->vlen, "containerd") ||
	                                              prefix_is(f->val, f->vlen, "libcontainerd")))
		return f->val[0] == 'c';
	if ((f = bt_kv_find(kv, nkv, "runtime")) && prefix_is(f->val, f->vlen, "io.containerd."))
		return true;
	if ((f = bt_kv_find(kv, nkv, "type")) && prefix_is(f->val, f->vlen, "io.containerd."))
		return true;
	return false;
}

/* Messages only containerd (or its shim) writes. */
static bool containerd_msg(const char *m, size_t n)
{
	static const char *const msgs[] = {"starting signal loop", "shim disconnected", "shim reaped",
	                                   "cleaning up after shim disconnected",
	                                   "cleaning up dead shim", "starting containerd"};
	if (!m)
		return false;
	for (size_t i = 0; i < sizeof msgs / sizeof *msgs; i++)
		if (n == strlen(msgs[i]) && memcmp(m, msgs[i], n) == 0)
			return true;
	return prefix_is(m, n, "loading plugin ");
}

/* Adds everything a record carries once its parts are known. */
static void emit_record(struct bt_evbuf *eb, const char *tm, size_t tml, const char *lvl,
                        size_t lvll, const char *msg, size_t msgl, struct bt_kv *kv, size_t nkv,
                        const char *trailing, size_t trl, struct bt_logrus_info *info)
{
	bt_time t;
	if (tm && bt_docker_time(tm, tml, &t)) {
		eb->ev.time = t;
		info->has_time = true;
	}
	if (lvl)
		eb->ev.level = bt_docker_level(lvl, lvll);
	info->api = bt_docker_classify(eb, msg ? msg : "", msg ? msgl : 0, kv, nkv, &info->is_body);
	info->containerd = containerd_fields(kv, nkv) || containerd_msg(msg, msgl);
	bt_docker_add(eb, "Message", msg ? msg : "", msg ? msgl : 0);
	if (lvl)
		bt_docker_add(eb, "LogLevel", lvl, lvll);
	if (tm)
		bt_docker_add(eb, "TimeOriginal", tm, tml);
	for (size_t i = 0; i < nkv; i++) {
		const struct bt_kv *f = &kv[i];
		if (key_is(f, "time") || key_is(f, "level") || key_is(f, "msg"))
			continue;
		bt_docker_add_record_field(eb, f->key, f->klen, f->val, f->vlen);
	}
	if (trailing && trl)
		bt_docker_add(eb, "Unparsed", trailing, trl);
}

static bool parse_text(struct bt_evbuf *eb, const char *s, size_t n, struct bt_logrus_info *info)
{
	struct bt_kv kv[BT_MAX_KV];
	size_t stop;
	bool dropped;
	size_t nkv = bt_kv_split(s, n, kv, BT_MAX_KV, &stop, &dropped);
	if (!nkv)
		return false;
	info->truncated = dropped;
	decode_values(eb, kv, nkv);
	const struct bt_kv *t = bt_kv_find(kv, nkv, "time"), *l = bt_kv_find(kv, nkv, "level"),
	                   *m = bt_kv_find(kv, nkv, "msg");
	const char *tr = NULL;
	size_t trl = 0;
	if (stop < n) {
		tr = s + stop;
		trl = n - stop;
	}
	emit_record(eb, t ? t->val : NULL, t ? t->vlen : 0, l ? l->val : NULL, l ? l->vlen : 0,
	            m ? m->val : NULL, m ? m->vlen : 0, kv, nkv, tr, trl, info);
	return true;
}

static bool parse_term(struct bt_evbuf *eb, const char *s, size_t n, struct bt_logrus_info *info)
{
	size_t b = term_start(s, n);
	size_t li = skip_ansi(s, n, 0);
	const char *c = memchr(s + b, ']', n - b);
	if (!b || !c)
		return false;
	const char *ts = s + b + 1;
	size_t tsl = (size_t)(c - ts);
	size_t r0 = (size_t)(c - s) + 1;
	if (r0 < n && s[r0] == ' ')
		r0++;
	const char *r = s + r0;
	size_t rn = n - r0;
	size_t split = term_split(r, rn);
	size_t ml = split;
	while (ml && r[ml - 1] == ' ')
		ml--;
	struct bt_kv kv[BT_MAX_KV];
	size_t nkv = 0, stop;
	bool dropped = false;
	if (split < rn) {
		nkv = bt_kv_split(r + split, rn - split, kv, BT_MAX_KV, &stop, &dropped);
		decode_values(eb, kv, nkv);
	}
	info->truncated = dropped;
	/* "[0000]": seconds since the daemon started, not a time */
	bool relative = true;
	for (size_t i = 0; i < tsl; i++)
		if (!is_digit(ts[i]))
			relative = false;
	if (relative)
		bt_docker_add(eb, "RelativeSeconds", ts, tsl);
	emit_record(eb, relative ? NULL : ts, relative ? 0 : tsl, s + li, 4, r, ml, kv, nkv, NULL, 0,
	            info);
	return true;
}

static bool parse_json(struct bt_evbuf *eb, const char *s, size_t n, struct json_tokener *tok,
                       struct bt_logrus_info *info)
{
	if (n > INT32_MAX)
		return false;
	struct json_tokener *own = NULL;
	if (!tok && !(tok = own = json_tokener_new_ex(64)))
		return false;
	json_tokener_reset(tok);
	struct json_object *o = json_tokener_parse_ex(tok, s, (int)n);
	bool ok = o && json_object_is_type(o, json_type_object);
	if (ok) {
		struct bt_kv kv[BT_MAX_KV];
		size_t nkv = 0;
		const char *tm = NULL, *lv = NULL, *msg = NULL;
		size_t tml = 0, lvl = 0, msgl = 0;
		json_object_object_foreach(o, key, val)
		{
			if (!val)
				continue;
			bool str = json_object_is_type(val, json_type_string);
			const char *v = str ? json_object_get_string(val)
			                    : json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN);
			if (!v)
				continue;
			size_t vl = str ? (size_t)json_object_get_string_len(val) : strlen(v);
			if (strcmp(key, "time") == 0) {
				tm = v;
				tml = vl;
			} else if (strcmp(key, "level") == 0) {
				lv = v;
				lvl = vl;
			} else if (strcmp(key, "msg") == 0) {
				msg = v;
				msgl = vl;
			} else if (nkv < BT_MAX_KV) {
				kv[nkv++] = (struct bt_kv){key, strlen(key), v, vl, false};
			} else {
				info->truncated = true;
			}
		}
		emit_record(eb, tm, tml, lv, lvl, msg, msgl, kv, nkv, NULL, 0, info);
	}
	if (o)
		json_object_put(o);
	if (own)
		json_tokener_free(own);
	return ok;
}

bool bt_logrus_parse(struct bt_evbuf *eb, const char *s, size_t n, struct json_tokener *tok,
                     struct bt_logrus_info *info)
{
	memset(info, 0, sizeof *info);
	if (n && s[0] == '{')
		return parse_json(eb, s, n, tok, info);
	if (term_start(s, n))
		return parse_term(eb, s, n, info);
	if (bt_logrus_is_text(s, n))
		return parse_text(eb, s, n, info);
	return false;
}

/* ---- syslog prefixes ---- */

static int month_of(const char *s)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	for (int m = 0; m < 12; m++)
		if (memcmp(s, names + 3 * m, 3) == 0)
			return m + 1;
	return 0;
}

static bool two_digits(const char *s, int *v)
{
	if (!is_digit(s[0]) || !is_digit(s[1]))
		return false;
	*v = (s[0] - '0') * 10 + (s[1] - '0');
	return true;
}

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
	       c == '_' || c == '.' || c == '/' || c == '@';
}

/* Parses "HOST IDENT[PID]: " at s[i..n). */
static bool host_ident(const char *s, size_t n, size_t i, struct bt_syslog *o)
{
	size_t h = i;
	while (i < n && s[i] != ' ' && (unsigned char)s[i] > 0x20)
		i++;
	if (i == h || i >= n || s[i] != ' ')
		return false;
	o->host = s + h;
	o->host_len = i - h;
	i++;
	size_t d = i;
	while (i < n && ident_char(s[i]))
		i++;
	if (i == d || i >= n)
		return false;
	o->ident = s + d;
	o->ident_len = i - d;
	if (s[i] == '[') {
		size_t p = ++i;
		while (i < n && is_digit(s[i]))
			i++;
		if (i == p || i >= n || s[i] != ']')
			return false;
		o->pid = s + p;
		o->pid_len = i - p;
		i++;
	}
	if (i >= n || s[i] != ':')
		return false;
	i++;
	if (i < n && s[i] == ' ')
		i++;
	o->msg_off = i;
	return true;
}

bool bt_syslog_parse(const char *s, size_t n, struct bt_syslog *o)
{
	memset(o, 0, sizeof *o);
	if (n >= 16 && (o->mon = month_of(s)) && s[3] == ' ') {
		size_t i = 4;
		int d = 0;
		if (s[i] == ' ' && is_digit(s[i + 1])) {
			d = s[i + 1] - '0';
			i += 2;
		} else if (is_digit(s[i]) && is_digit(s[i + 1])) {
			d = (s[i] - '0') * 10 + (s[i + 1] - '0');
			i += 2;
		} else if (is_digit(s[i]) && s[i + 1] == ' ') {
			d = s[i] - '0';
			i += 1;
		} else {
			return false;
		}
		if (i + 10 > n || s[i] != ' ' || !two_digits(s + i + 1, &o->hour) || s[i + 3] != ':' ||
		    !two_digits(s + i + 4, &o->min) || s[i + 6] != ':' || !two_digits(s + i + 7, &o->sec) ||
		    s[i + 9] != ' ' || d < 1 || d > 31 || o->hour > 23 || o->min > 59 || o->sec > 60)
			return false;
		o->day = d;
		o->stamp = s;
		o->stamp_len = i + 9;
		return host_ident(s, n, i + 10, o);
	}
	if (n >= 21 && is_digit(s[0]) && is_digit(s[3]) && s[4] == '-') {
		const char *sp = memchr(s, ' ', n < 48 ? n : 48);
		bool zone = false;
		if (!sp || !bt_time_parse(s, (size_t)(sp - s), &o->time, NULL, &zone) || !zone)
			return false;
		o->full = true;
		o->stamp = s;
		o->stamp_len = (size_t)(sp - s);
		return host_ident(s, n, o->stamp_len + 1, o);
	}
	return false;
}

static bool eq(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

bool bt_syslog_ident_docker(const char *id, size_t n)
{
	return eq(id, n, "dockerd") || eq(id, n, "docker") || eq(id, n, "docker-proxy") ||
	       prefix_is(id, n, "containerd") || prefix_is(id, n, "docker-containerd");
}

static const char *syslog_provider(const char *c, size_t n)
{
	if (eq(c, n, "dockerd") || eq(c, n, "docker"))
		return "dockerd";
	if (prefix_is(c, n, "containerd") || prefix_is(c, n, "docker-containerd"))
		return "containerd";
	return NULL;
}

bool bt_syslog_prefix(const char *s, size_t n, struct bt_line_prefix *out)
{
	struct bt_syslog sl;
	if (!bt_syslog_parse(s, n, &sl))
		return false;
	memset(out, 0, sizeof *out);
	out->full_time = sl.full;
	out->time = sl.time;
	out->bsd = !sl.full;
	out->mon = sl.mon;
	out->day = sl.day;
	out->hour = sl.hour;
	out->min = sl.min;
	out->sec = sl.sec;
	out->stamp = sl.stamp;
	out->stamp_len = sl.stamp_len;
	out->host = sl.host;
	out->host_len = sl.host_len;
	out->component = sl.ident;
	out->component_len = sl.ident_len;
	out->pid = sl.pid;
	out->pid_len = sl.pid_len;
	out->level = -1;
	out->msg_off = sl.msg_off;
	out->other_program = !bt_syslog_ident_docker(sl.ident, sl.ident_len);
	return true;
}

/* ---- the clock of syslog times without year or zone ---- */

struct clock {
	bool have_anchor;
	bt_time anchor;          /* latest full time seen */
	bool have_zone;
	int zone_min;            /* syslog clock minus UTC */
	bt_time fallback;        /* file mtime or now: logs are written before it */
};

/* Resolves a BSD time with the year that suits the clock best. */
static bool clock_resolve(const struct clock *c, int mon, int day, int h, int mi, int s,
                          bt_time *out)
{
	bt_time ref = c->have_anchor ? c->anchor : c->fallback;
	int64_t zone = (int64_t)(c->have_zone ? c->zone_min : 0) * 60 * BT_TICKS_PER_SEC;
	int64_t ry = 1970 + bt_time_to_unix(ref) / (int64_t)31556952;
	bool found = false;
	bt_time best = 0;
	for (int64_t y = ry - 2; y <= ry + 2; y++) {
		bt_time t;
		if (y < 1 || y > 9999 || !bt_time_from_civil((int)y, mon, day, h, mi, s, 0, &t))
			continue;
		t -= zone;
		if (!c->have_anchor && t > ref + 86400LL * BT_TICKS_PER_SEC)
			continue;   /* against mtime: not after it (a day's slack) */
		int64_t d = t > ref ? t - ref : ref - t, bd = best > ref ? best - ref : ref - best;
		if (!found || (c->have_anchor ? d < bd : t > best)) {
			best = t;
			found = true;
		}
	}
	if (found)
		*out = best;
	return found;
}

/* Learns the syslog clock's zone from a line with both a BSD time and a
 * record time (UTC). */
static void clock_learn_zone(struct clock *c, const struct bt_line_prefix *p, bt_time utc)
{
	struct clock tmp = *c;
	tmp.have_anchor = true;
	tmp.anchor = utc;
	tmp.have_zone = false;
	bt_time local;
	if (!clock_resolve(&tmp, p->mon, p->day, p->hour, p->min, p->sec, &local))
		return;
	int64_t diff_min = (local - utc) / (60 * BT_TICKS_PER_SEC);
	int64_t q = (diff_min >= 0 ? diff_min + 7 : diff_min - 7) / 15 * 15;
	if (q >= -14 * 60 && q <= 14 * 60) {
		c->zone_min = (int)q;
		c->have_zone = true;
	}
}

/* ---- the line engine ---- */

enum line_kind {
	LK_BLANK,
	LK_SKIP,         /* another program's syslog line */
	LK_DAMAGED,      /* NUL or control bytes */
	LK_CONT,         /* continuation text */
	LK_START,        /* a record (maybe behind a prefix) */
	LK_PANIC,        /* "panic: " / "fatal error: " */
	LK_PLAIN,        /* a prefixed line whose message is not a record */
};

struct daemonlog {
	enum bt_source src;
	bt_prefix_fn prefix;
	bt_provider_fn provider_of;
	const char *provider;
	struct json_tokener *tok;
	struct bt_docker_pair *pair;
	struct clock clock;
	bt_decode_fn decode;       /* lines wrapped by the file's own format, or NULL */
	const char *what;          /* that format's name, for reports */
	struct bt_buf line;        /* the decoded line */
	struct bt_buf pend;        /* the pending start line */
	struct bt_buf cont;        /* its continuation lines */
	uint64_t pend_line, pend_off;
	uint64_t cont_lines, cont_dropped;
	char pend_who[96];         /* component and pid of a prefixed pending line */
	bool pend_panic;           /* the pending line starts a panic */
	bool have_pend;
	bool eof;
	enum bt_status err;
	struct bt_docker_warnings warnings;
	bt_time last_time;
	bool summarised;
};


/* True when a line holds bytes no log line has: NUL and C0 controls other
 * than tab, ESC (colours) and CR; DEL. */
static bool damaged(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t' && c != '\033' && c != '\r') || c == 0x7f)
			return true;
	}
	return false;
}

/* True for a line of spaces, tabs and a CR only. */
static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static bool panic_line(const char *s, size_t n)
{
	return prefix_is(s, n, "panic: ") || prefix_is(s, n, "fatal error: ");
}

static enum line_kind classify_line(const struct daemonlog *d, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return LK_BLANK;
	if (damaged(s, n))
		return LK_DAMAGED;
	struct bt_line_prefix p;
	if (d->prefix && d->prefix(s, n, &p)) {
		if (p.other_program)
			return LK_SKIP;
		const char *m = s + p.msg_off;
		size_t ml = n - p.msg_off;
		if (bt_logrus_is_text(m, ml) || (ml && m[0] == '{'))
			return LK_START;
		return panic_line(m, ml) ? LK_PANIC : LK_PLAIN;
	}
	if (bt_logrus_is_text(s, n) || s[0] == '{')
		return LK_START;
	if (panic_line(s, n))
		return LK_PANIC;
	return LK_CONT;
}

static const char *provider_for(const struct daemonlog *d, const struct bt_line_prefix *p)
{
	if (p && p->component && d->provider_of) {
		const char *pv = d->provider_of(p->component, p->component_len);
		if (pv)
			return pv;
	}
	return d->provider;
}

/* Builds the pending line into eb; false when it is not an event (broken
 * JSON record: reported and counted). */
static bool build_pending(struct bt_reader_ctx *ctx, struct daemonlog *d, struct bt_evbuf *eb)
{
	const char *s = d->pend.p;
	size_t n = d->pend.n;
	struct bt_line_prefix p;
	bool has_prefix = d->prefix && d->prefix(s, n, &p);
	const char *m = has_prefix ? s + p.msg_off : s;
	size_t ml = has_prefix ? n - p.msg_off : n;

	bt_docker_event_begin(eb, d->src, provider_for(d, has_prefix ? &p : NULL),
	                      has_prefix ? p.host : NULL, has_prefix ? p.host_len : 0, ctx->opts,
	                      ctx->path, d->pend_line, d->pend_off);
	struct bt_logrus_info info = {0};
	bool record = false;
	if (bt_logrus_is_text(m, ml) || (ml && m[0] == '{')) {
		record = bt_logrus_parse(eb, m, ml, d->tok, &info);
		if (!record && m[0] == '{' && !has_prefix) {
			ctx->stats->failed++;
			bt_docker_warn(ctx, &d->warnings, "line %llu: broken JSON record, skipped",
			               (unsigned long long)d->pend_line);
			return false;
		}
	}
	if (!record) {
		bool panic = panic_line(m, ml);
		if (panic) {
			eb->ev.level = 1;
			bt_docker_adds(eb, "LogLevel", m[0] == 'p' ? "panic" : "fatal");
		}
		bt_docker_adds(eb, "Action", BT_ACT_DLOG);
		bt_docker_add(eb, "Message", m, ml);
	}
	if (info.containerd && !(has_prefix && p.component && d->provider_of &&
	                         d->provider_of(p.component, p.component_len)))
		eb->ev.provider = "containerd";
	if (info.truncated)
		eb->truncated = true;
	if (has_prefix) {
		if (p.level >= 0 && eb->ev.level < 0)
			eb->ev.level = p.level;
		if (p.level_word && !bt_docker_has(eb, "LogLevel"))
			bt_docker_add(eb, "LogLevel", p.level_word, p.level_len);
		if (p.component && d->src == BT_SOURCE_DOCKER_DESKTOP)
			bt_docker_add(eb, "Component", p.component, p.component_len);
		if (p.pid)
			bt_docker_add(eb, "Pid", p.pid, p.pid_len);
	}
	/* time: the record's own, else the prefix's, else the previous event's */
	if (info.has_time) {
		d->clock.have_anchor = true;
		d->clock.anchor = eb->ev.time;
		if (has_prefix && p.bsd)
			clock_learn_zone(&d->clock, &p, eb->ev.time);
	} else if (has_prefix && p.full_time) {
		eb->ev.time = p.time;
		d->clock.have_anchor = true;
		d->clock.anchor = p.time;
		if (!bt_docker_has(eb, "TimeOriginal"))
			bt_docker_add(eb, "TimeOriginal", p.stamp, p.stamp_len);
	} else if (has_prefix && p.bsd) {
		bt_time t;
		if (clock_resolve(&d->clock, p.mon, p.day, p.hour, p.min, p.sec, &t)) {
			eb->ev.time = t;
			eb->ev.flags |= BT_EV_TIME_INFERRED;
			bt_docker_add(eb, "TimeOriginal", p.stamp, p.stamp_len);
			bt_docker_adds(eb, "TimeInferred", "true");
		}
	} else if (has_prefix) {
		if (p.stamp && !bt_docker_has(eb, "TimeOriginal"))
			bt_docker_add(eb, "TimeOriginal", p.stamp, p.stamp_len);   /* no date: no time */
	} else if (!record && d->last_time != BT_TIME_NONE) {
		eb->ev.time = d->last_time;
		eb->ev.flags |= BT_EV_TIME_INFERRED;
		bt_docker_adds(eb, "TimeInferred", "true");
	}
	if (eb->ev.time != BT_TIME_NONE)
		d->last_time = eb->ev.time;
	if (d->cont.n) {
		bt_docker_add(eb, "Continuation", d->cont.p, d->cont.n);
		if (d->cont_dropped)
			bt_docker_add_u64(eb, "ContinuationDropped", d->cont_dropped);
	}
	if (eb->truncated)
		bt_docker_warn(ctx, &d->warnings, "line %llu: event too large, some fields dropped",
		               (unsigned long long)d->pend_line);
	return true;
}

/* "component[pid]" of a prefixed line, for matching continuation lines. */
static void who(const struct daemonlog *d, const char *s, size_t n, char out[96])
{
	struct bt_line_prefix p;
	out[0] = '\0';
	if (d->prefix && d->prefix(s, n, &p) && p.component)
		snprintf(out, 96, "%.*s[%.*s]", (int)(p.component_len > 60 ? 60 : p.component_len),
		         p.component, (int)(p.pid_len > 20 ? 20 : p.pid_len), p.pid ? p.pid : "");
}

static void set_pending(struct daemonlog *d, const char *s, size_t n, uint64_t line, uint64_t off)
{
	who(d, s, n, d->pend_who);
	bt_buf_reset(&d->pend);
	bt_buf_reset(&d->cont);
	bt_buf_put(&d->pend, s, n);
	d->pend_line = line;
	d->pend_off = off;
	d->cont_lines = d->cont_dropped = 0;
	d->have_pend = !d->pend.oom;
}

/* Moves the pending line out: an event to return now (*ev), or queued in
 * the pairer, or nothing (not an event). */
static bool deliver_pending(struct bt_reader_ctx *ctx, struct daemonlog *d,
                            const struct bt_event **ev)
{
	d->have_pend = false;
	if (!build_pending(ctx, d, ctx->eb))
		return false;
	const struct bt_event *e = bt_evbuf_done(ctx->eb);
	if (!bt_docker_pair_wants(d->pair, e)) {
		bt_docker_pair_seen(d->pair, e);
		*ev = e;
		return true;
	}
	if (bt_docker_pair_push(d->pair, e) != BT_OK) {
		ctx->stats->failed++;
		bt_docker_warn(ctx, &d->warnings, "line %llu: out of memory, event lost",
		               (unsigned long long)e->line);
	}
	return false;
}

/* Reads the start of the input for a full time (to place syslog times
 * before the first one) and the containerd marker. */
static void prescan(struct bt_reader_ctx *ctx, struct daemonlog *d)
{
	const unsigned char *h;
	size_t n = bt_stream_peek(ctx->stream, 64 * 1024, &h);
	const char *s = (const char *)h;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	struct bt_buf dec = BT_BUF_INIT;
	size_t i = 0;
	bool zone_done = false;
	while (i < n && !zone_done) {
		const char *nl = memchr(s + i, '\n', n - i);
		if (!nl)
			break;   /* the last, partial line is left to the reader */
		size_t l = (size_t)(nl - (s + i));
		const char *line = s + i;
		i += l + 1;
		if (l && line[l - 1] == '\r')
			l--;
		if (d->decode) {
			bt_buf_reset(&dec);
			if (blank(line, l) || !d->decode(line, l, &dec, d->tok) || dec.oom)
				continue;
			line = dec.p;
			l = dec.n;
		}
		if (d->src == BT_SOURCE_DOCKERD && memmem(line, l, "msg=\"starting containerd\"", 25))
			d->provider = "containerd";
		struct bt_line_prefix p;
		bool hp = d->prefix && d->prefix(line, l, &p) && !p.other_program;
		const char *m = hp ? line + p.msg_off : line;
		size_t ml = hp ? l - p.msg_off : l;
		if (hp && p.full_time && !d->clock.have_anchor) {
			d->clock.have_anchor = true;
			d->clock.anchor = p.time;
		}
		if (!(bt_logrus_is_text(m, ml) || (ml && m[0] == '{')))
			continue;
		struct bt_logrus_info info;
		bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
		if (!bt_logrus_parse(&eb, m, ml, d->tok, &info) || !info.has_time)
			continue;
		if (!d->clock.have_anchor) {
			d->clock.have_anchor = true;
			d->clock.anchor = eb.ev.time;
		}
		if (hp && p.bsd) {
			clock_learn_zone(&d->clock, &p, eb.ev.time);
			zone_done = true;
		}
		if (!hp)
			zone_done = true;
	}
	bt_evbuf_free(&eb);
	bt_buf_free(&dec);
}

enum bt_status bt_daemonlog_open(struct bt_reader_ctx *ctx, void **state, enum bt_source src,
                                 bt_prefix_fn prefix, bt_provider_fn provider_of,
                                 const char *provider, bt_decode_fn decode, const char *what)
{
	struct daemonlog *d = calloc(1, sizeof *d);
	if (!d || !(d->pair = bt_docker_pair_new()) || !(d->tok = json_tokener_new_ex(64))) {
		if (d)
			bt_docker_pair_free(d->pair);
		free(d);
		return BT_ERR_NOMEM;
	}
	d->src = src;
	d->prefix = prefix;
	d->provider_of = provider_of;
	d->provider = provider;
	d->decode = decode;
	d->what = what;
	d->last_time = BT_TIME_NONE;
	struct stat sb;
	if (!(ctx->fd >= 0 && fstat(ctx->fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	      bt_docker_unix_time((int64_t)sb.st_mtime, 0, &d->clock.fallback)))
		d->clock.fallback = bt_time_from_unix((int64_t)time(NULL), 0);
	prescan(ctx, d);
	*state = d;
	return BT_OK;
}

static void summarise(struct bt_reader_ctx *ctx, struct daemonlog *d)
{
	if (d->summarised)
		return;
	d->summarised = true;
	/* merged form data lines are part of their Calling line's event */
	ctx->stats->skipped += bt_docker_pair_merged(d->pair);
	bt_docker_warn_summary(ctx, &d->warnings);
}

enum bt_status bt_daemonlog_next(struct bt_reader_ctx *ctx, void *state,
                                 const struct bt_event **ev)
{
	struct daemonlog *d = state;
	for (;;) {
		const struct bt_event *e = bt_docker_pair_pop(d->pair, ctx->eb, d->eof);
		if (e) {
			*ev = e;
			return BT_OK;
		}
		if (d->eof) {
			summarise(ctx, d);
			return d->err ? d->err : BT_EOF;
		}
		const char *s;
		size_t n;
		uint64_t lineno, off;
		bool complete;
		enum bt_status st = bt_docker_getline(ctx, &d->warnings, &s, &n, &lineno, &off, &complete);
		if (st != BT_OK) {
			if (st != BT_EOF)
				d->err = st;
			d->eof = true;
			if (d->have_pend && deliver_pending(ctx, d, ev))
				return BT_OK;
			continue;
		}
		ctx->stats->lines++;
		if (lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
			s += 3;   /* UTF-8 byte order mark */
			n -= 3;
		}
		if (!complete && n)
			bt_docker_warn(ctx, &d->warnings, "line %llu: last line has no line end (file truncated?)",
			               (unsigned long long)lineno);
		if (d->decode && !blank(s, n)) {
			bt_buf_reset(&d->line);
			if (!d->decode(s, n, &d->line, d->tok) || d->line.oom) {
				ctx->stats->failed++;
				bt_docker_warn(ctx, &d->warnings, "line %llu: not %s, skipped",
				               (unsigned long long)lineno, d->what ? d->what : "a log line");
				continue;
			}
			s = d->line.p;
			n = d->line.n;
		}
		enum line_kind kind = classify_line(d, s, n);
		switch (kind) {
		case LK_BLANK:
		case LK_SKIP:
			ctx->stats->skipped++;
			continue;
		case LK_DAMAGED:
			ctx->stats->failed++;
			bt_docker_warn(ctx, &d->warnings, "line %llu: binary or control bytes, not a log line; skipped",
			               (unsigned long long)lineno);
			continue;
		case LK_PLAIN: {
			/* a prefixed line of the same process that is not a record
			 * continues a panic (its goroutine dump through syslog), or any
			 * event when indented (a wrapped stack frame); else it stands alone */
			char w[96];
			who(d, s, n, w);
			if (!d->have_pend || !w[0] || strcmp(w, d->pend_who) != 0)
				break;
			struct bt_line_prefix p;
			d->prefix(s, n, &p);
			if (!d->pend_panic && p.msg_off < n && s[p.msg_off] != ' ' && s[p.msg_off] != '\t')
				break;
			s += p.msg_off;
			n -= p.msg_off;
		}
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 7)
			__attribute__((fallthrough));
#endif
		case LK_CONT:
			ctx->stats->skipped++;
			if (!d->have_pend)
				continue;
			if (d->cont.n + n + 1 > BT_LOGRUS_MAX_CONT) {
				d->cont_dropped++;
				continue;
			}
			if (d->cont.n)
				bt_buf_putc(&d->cont, '\n');
			bt_buf_put(&d->cont, s, n);
			d->cont_lines++;
			continue;
		case LK_START:
		case LK_PANIC:
			break;
		}
		bool got = d->have_pend && deliver_pending(ctx, d, ev);
		set_pending(d, s, n, lineno, off);
		d->pend_panic = kind == LK_PANIC;
		if (!d->have_pend) {
			ctx->stats->failed++;
			bt_docker_warn(ctx, &d->warnings, "line %llu: out of memory, skipped",
			               (unsigned long long)lineno);
		}
		if (got)
			return BT_OK;
	}
}

void bt_daemonlog_close(void *state)
{
	struct daemonlog *d = state;
	if (!d)
		return;
	bt_docker_pair_free(d->pair);
	json_tokener_free(d->tok);
	bt_buf_free(&d->line);
	bt_buf_free(&d->pend);
	bt_buf_free(&d->cont);
	free(d);
}

static enum bt_status dockerd_open(struct bt_reader_ctx *ctx, void **state)
{
	return bt_daemonlog_open(ctx, state, BT_SOURCE_DOCKERD, bt_syslog_prefix, syslog_provider,
	                         "dockerd", NULL, NULL);
}

const struct bt_reader_ops bt_reader_dockerd = {
	.name = "dockerd",
	.needs_stream = true,
	.open = dockerd_open,
	.next = bt_daemonlog_next,
	.close = bt_daemonlog_close,
};
