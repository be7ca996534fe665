/* ESXi text logs: recognition and the reader (bt_esxi_log.h). */
#include "config.h"

#include "esxi/bt_esxi_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bt_buf.h"
#include "esxi/bt_esxi_facts.h"
#include "esxi/bt_esxi_line.h"
#include "esxi/bt_esxi_profile.h"

/* ---- the host a vm-support bundle names ---- */

static bool dig(char c)
{
	return c >= '0' && c <= '9';
}

/* "-YYYY-MM-DD--HH.MM" at s */
static bool bundle_date(const char *s, size_t n)
{
	static const char pat[] = "-dddd-dd-dd--dd.dd";
	if (n < sizeof pat - 1)
		return false;
	for (size_t i = 0; i < sizeof pat - 1; i++)
		if (pat[i] == 'd' ? !dig(s[i]) : s[i] != pat[i])
			return false;
	return true;
}

bool bt_esxi_bundle_host(const char *path, char *out, size_t n)
{
	bool found = false;
	const char *c = path;
	while (*c) {
		const char *e = strchr(c, '/');
		size_t l = e ? (size_t)(e - c) : strlen(c);
		/* esx-HOST-YYYY-MM-DD--HH.MM-PID: the host may hold '-' */
		if (l > 4 && memcmp(c, "esx-", 4) == 0) {
			for (size_t i = l; i-- > 5;)
				if (bundle_date(c + i, l - i)) {
					size_t hl = i - 4;
					if (hl && hl < n) {
						memcpy(out, c + 4, hl);
						out[hl] = '\0';
						found = true;
					}
					break;
				}
		}
		if (!e)
			break;
		c = e + 1;
	}
	return found;
}

/* ---- recognition ---- */

static bool has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return true;
	}
	return false;
}

/* A head only ESXi writes: 8.0's severity field, hostd's level and
 * program[pid], a syslog program[pid]:, vobd's correlator, or a bare
 * program of ESXi's own. */
static bool distinctive(const char *s, size_t n, const struct bt_esxi_line *h)
{
	switch (h->shape) {
	case BT_ESXI_SHAPE_V8:
	case BT_ESXI_SHAPE_HOSTD:
	case BT_ESXI_SHAPE_SYSLOG:
	case BT_ESXI_SHAPE_VMX:
	case BT_ESXI_SHAPE_VMK:
		return true;
	case BT_ESXI_SHAPE_VOBD:
		return h->msg_off < n && s[h->msg_off] == '[';
	case BT_ESXI_SHAPE_BARE:
		return strcmp(bt_esxi_provider(h->ident, h->ident_len, h->shape), "syslog") != 0;
	default:
		return false;
	}
}

bool bt_esxi_head(const char *s, size_t n)
{
	struct bt_esxi_line h;
	return bt_esxi_line_parse(s, n, &h) && distinctive(s, n, &h);
}

/* ---- the reader ---- */

#define MAX_WARNINGS 10   /* shown per input; the rest are counted (LIMITS) */

struct esxi {
	struct bt_buf pend;          /* the pending record's line */
	struct bt_buf msg;           /* its message with continuation lines */
	uint64_t pend_line, pend_off;
	uint64_t cont_lines, cont_dropped;
	bool have_pend;
	bool eof;
	enum bt_status err;
	unsigned warnings;
	char host[256];              /* from a vm-support bundle's name */
	bool have_host;
	struct bt_esxi_facts_state facts;
	struct bt_esxi_profile profile;   /* the host's, from its collection */
};


static void warn(struct bt_reader_ctx *ctx, struct esxi *x, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
static void warn(struct bt_reader_ctx *ctx, struct esxi *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bt_reader_vwarn(ctx, &x->warnings, MAX_WARNINGS, fmt, ap);
	va_end(ap);
}

static enum bt_status esxi_open(struct bt_reader_ctx *ctx, void **state)
{
	struct esxi *x = calloc(1, sizeof *x);
	if (!x)
		return BT_ERR_NOMEM;
	if (ctx->path && strcmp(ctx->path, "-") != 0) {
		x->have_host = bt_esxi_bundle_host(ctx->path, x->host, sizeof x->host);
		if (bt_esxi_profile_find(ctx->path, &x->profile))
			x->facts.profile = &x->profile;
	}
	*state = x;
	return BT_OK;
}

static void add(struct bt_evbuf *eb, const char *name, const char *v, size_t n)
{
	if (v)
		bt_evbuf_add(eb, name, strlen(name), v, n, 0);
}

static void add_u64(struct bt_evbuf *eb, const char *name, uint64_t v)
{
	char b[24];
	int l = snprintf(b, sizeof b, "%llu", (unsigned long long)v);
	add(eb, name, b, (size_t)l);
}

/* Builds the pending record into ctx->eb. */
static const struct bt_event *build(struct bt_reader_ctx *ctx, struct esxi *x)
{
	struct bt_evbuf *eb = ctx->eb;
	struct bt_esxi_line h;
	bt_esxi_line_parse(x->pend.p, x->pend.n, &h);   /* it had a head when kept */
	const char *prov = bt_esxi_provider(h.ident, h.ident_len, h.shape);
	bt_evbuf_reset(eb, BT_SOURCE_ESXI);
	eb->ev.channel = "esxi";
	eb->ev.provider = prov;
	if (x->have_host) {
		eb->ev.host = bt_evbuf_str(eb, x->host, strlen(x->host));
	} else if (ctx->opts->assume_host) {
		eb->ev.host = ctx->opts->assume_host;
		eb->ev.flags |= BT_EV_HOST_ASSUMED;
	}
	eb->ev.file = ctx->path;
	eb->ev.line = x->pend_line;
	eb->ev.offset = x->pend_off;
	eb->ev.time = h.time;
	eb->ev.level = h.level;
	add(eb, "Program", h.ident, h.ident_len);
	add(eb, "Pid", h.pid, h.pid_len);
	if (h.shape == BT_ESXI_SHAPE_V8) {
		add(eb, "Severity", h.sev, h.sev_len);
		add_u64(eb, "Priority", (uint64_t)h.pri);
		add_u64(eb, "Facility", (uint64_t)(h.pri >> 3));
	} else if (h.shape == BT_ESXI_SHAPE_HOSTD) {
		add(eb, "LogLevel", h.sev, h.sev_len);
	} else if (h.shape == BT_ESXI_SHAPE_VMX) {
		if (h.pri >= 0) {
			add(eb, "Severity", h.sev, h.sev_len);
			add_u64(eb, "Priority", (uint64_t)h.pri);
		} else {
			add(eb, "LogLevel", h.sev, h.sev_len);
		}
		if (h.opid && !(h.opid_len == 1 && h.opid[0] == '-'))
			add(eb, "OpId", h.opid, h.opid_len);
	}
	add(eb, "TimeOriginal", h.stamp, h.stamp_len);
	if (x->have_host)
		add(eb, "HostSource", "vm-support bundle name", 22);
	add(eb, "Message", x->msg.p ? x->msg.p : "", x->msg.n);
	if (x->cont_lines)
		add_u64(eb, "ContinuationLines", x->cont_lines);
	if (x->cont_dropped)
		add_u64(eb, "ContinuationDropped", x->cont_dropped);
	bt_esxi_facts(eb, prov, h.pid, h.pid_len, x->msg.p ? x->msg.p : "", x->msg.n, &x->facts);
	if (eb->truncated)
		warn(ctx, x, "line %llu: event too large, some fields dropped",
		     (unsigned long long)x->pend_line);
	return bt_evbuf_done(eb);
}

static bool keep(struct esxi *x, const char *s, size_t n, const struct bt_esxi_line *h,
                 uint64_t line, uint64_t off)
{
	bt_buf_reset(&x->pend);
	bt_buf_reset(&x->msg);
	bt_buf_put(&x->pend, s, n);
	bt_buf_put(&x->msg, s + h->msg_off, n - h->msg_off);
	x->pend_line = line;
	x->pend_off = off;
	x->cont_lines = x->cont_dropped = 0;
	x->have_pend = !x->pend.oom && !x->msg.oom;
	return x->have_pend;
}

static void join(struct esxi *x, const char *s, size_t n)
{
	if (x->msg.n + n + 1 > BT_ESXI_MAX_MSG) {
		x->cont_dropped++;
		return;
	}
	bt_buf_putc(&x->msg, '\n');
	bt_buf_put(&x->msg, s, n);
	x->cont_lines++;
}

/* True when the 8.0 continuation line h continues the pending record. */
static bool continues(const struct esxi *x, const struct bt_esxi_line *h)
{
	struct bt_esxi_line p;
	if (!x->have_pend || !bt_esxi_line_parse(x->pend.p, x->pend.n, &p) ||
	    p.shape != BT_ESXI_SHAPE_V8)
		return false;
	return p.ident_len == h->ident_len && memcmp(p.ident, h->ident, h->ident_len) == 0 &&
	       p.pid_len == h->pid_len && (!h->pid || memcmp(p.pid, h->pid, h->pid_len) == 0);
}

static enum bt_status esxi_next(struct bt_reader_ctx *ctx, void *state, const struct bt_event **ev)
{
	struct esxi *x = state;
	for (;;) {
		if (x->eof) {
			bt_reader_warn_summary(ctx, x->warnings, MAX_WARNINGS);
			x->warnings = 0;
			return x->err ? x->err : BT_EOF;
		}
		const char *s;
		size_t n;
		uint64_t lineno, off;
		bool complete;
		enum bt_status st = bt_stream_getline(ctx->stream, &s, &n, &lineno, &off, &complete);
		if (st == BT_ERR_LIMIT) {
			ctx->stats->lines++;
			ctx->stats->failed++;
			warn(ctx, x, "line %llu: longer than %u bytes, skipped", (unsigned long long)lineno,
			     (unsigned)BT_MAX_LINE);
			continue;
		}
		if (st != BT_OK) {
			if (st == BT_ERR_FORMAT)
				bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path,
				         "corrupt compressed data at offset %llu; the rest is lost",
				         (unsigned long long)bt_stream_raw_offset(ctx->stream));
			else if (st != BT_EOF)
				bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path, "read error after line %llu: %s",
				         (unsigned long long)lineno, bt_status_str(st));
			if (st != BT_EOF)
				x->err = st;
			x->eof = true;
			if (x->have_pend) {
				x->have_pend = false;
				*ev = build(ctx, x);
				return BT_OK;
			}
			continue;
		}
		ctx->stats->lines++;
		if (lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
			s += 3;
			n -= 3;
		}
		if (n && s[n - 1] == '\r')
			n--;
		if (!complete && n)
			warn(ctx, x, "line %llu: last line has no line end (file truncated?)",
			     (unsigned long long)lineno);
		size_t b = 0;
		while (b < n && (s[b] == ' ' || s[b] == '\t'))
			b++;
		if (b == n) {
			ctx->stats->skipped++;
			continue;
		}
		if (has_control(s, n)) {
			ctx->stats->failed++;
			warn(ctx, x, "line %llu: binary or control bytes, not a log line; skipped",
			     (unsigned long long)lineno);
			continue;
		}
		struct bt_esxi_line h;
		if (!bt_esxi_line_parse(s, n, &h)) {
			if (x->have_pend) {
				ctx->stats->skipped++;   /* part of the pending record */
				join(x, s, n);
			} else {
				ctx->stats->failed++;
				warn(ctx, x, "line %llu: not an ESXi log line (no record before it); skipped",
				     (unsigned long long)lineno);
			}
			continue;
		}
		if (h.cont) {
			if (continues(x, &h)) {
				ctx->stats->skipped++;
				join(x, s + h.msg_off, n - h.msg_off);
			} else {
				ctx->stats->failed++;
				warn(ctx, x, "line %llu: continuation of a record that is not the one before it; skipped",
				     (unsigned long long)lineno);
			}
			continue;
		}
		const struct bt_event *out = NULL;
		if (x->have_pend) {
			x->have_pend = false;
			out = build(ctx, x);
		}
		if (!keep(x, s, n, &h, lineno, off)) {
			ctx->stats->failed++;
			warn(ctx, x, "line %llu: out of memory, skipped", (unsigned long long)lineno);
		}
		if (out) {
			*ev = out;
			return BT_OK;
		}
	}
}

static void esxi_close(void *state)
{
	struct esxi *x = state;
	if (!x)
		return;
	bt_buf_free(&x->pend);
	bt_buf_free(&x->msg);
	free(x);
}

const struct bt_reader_ops bt_reader_esxi = {
	.name = "esxi",
	.needs_stream = true,
	.open = esxi_open,
	.next = esxi_next,
	.close = esxi_close,
};
