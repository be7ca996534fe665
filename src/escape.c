/* JSON, CSV and terminal escaping of evidence strings. */
#include "config.h"

#include "escape.h"

#include <stdint.h>
#include <string.h>

static const char hexd[] = "0123456789abcdef";

/* ASCII bytes JSON needs no escape for: all from 0x20 but '"' and '\\' (as
 * the eight-byte test in json_word_flags). */
static const unsigned char json_plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Eight bytes at once: the high bit of each byte that may not be plain
 * ASCII (< 0x20, >= 0x80, '"', '\\'); 0 when all eight are plain. The lowest
 * byte flagged is exact (borrows only run upwards); bytes above it may be
 * flagged though plain. */
static inline uint64_t json_word_flags(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
	return (x & high) | ((x - ones * 0x20) & ~x & high) | ((q - ones) & ~q & high) |
	       ((bs - ones) & ~bs & high);
}

/* Length of the leading run of s that JSON needs no escape for (ASCII only). */
static inline size_t json_plain_prefix(const unsigned char *u, size_t n)
{
	size_t i = 0;
	while (i + 8 <= n) {
		uint64_t x;
		memcpy(&x, u + i, 8);
		if (json_word_flags(x))
			break;
		i += 8;
	}
	while (i < n && json_plain[u[i]])
		i++;
	return i;
}

/* Eight bytes as a little-endian word: the first byte is the lowest. */
static inline uint64_t load_le64(const unsigned char *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

/* Index of the lowest byte whose high bit is set in m (m != 0). */
static inline unsigned lowest_flagged_byte(uint64_t m)
{
#if defined(__GNUC__)
	return (unsigned)__builtin_ctzll(m) / 8;
#else
	unsigned k = 0;
	while (!(m & 0x80)) {
		m >>= 8;
		k++;
	}
	return k;
#endif
}

/* An escape for byte c (< 0x20, '"' or '\\') written at d; returns its end. */
static char *json_escape_byte(char *d, unsigned char c)
{
	*d++ = '\\';
	switch (c) {
	case '"': *d++ = '"'; break;
	case '\\': *d++ = '\\'; break;
	case '\n': *d++ = 'n'; break;
	case '\r': *d++ = 'r'; break;
	case '\t': *d++ = 't'; break;
	case '\b': *d++ = 'b'; break;
	case '\f': *d++ = 'f'; break;
	default:
		memcpy(d, "u00", 3);
		d[3] = hexd[c >> 4];
		d[4] = hexd[c & 15];
		d += 5;
	}
	return d;
}

size_t esc_json_plain(const char *s, size_t n)
{
	return json_plain_prefix((const unsigned char *)s, n);
}

void esc_json(struct bt_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t plain = json_plain_prefix(u, n);
	/* room for the worst case, so the loop writes without checks: an escaped
	 * byte takes at most six ("\u00XX", or "\ufffd" for a byte that is not
	 * UTF-8), U+2028/U+2029 six for three */
	if (n - plain > (SIZE_MAX - 3 - plain) / 6) {
		b->oom = true;
		return;
	}
	size_t room = plain + 6 * (n - plain) + 2;
	if ((b->oom || b->cap - b->n <= room) && !bt_buf_reserve(b, room))
		return;
	char *d = b->p + b->n;
	*d++ = '"';
	memcpy(d, s, plain);
	d += plain;
	for (size_t i = plain; i < n;) {
		/* eight bytes at a time, copied up to the first that is not plain
		 * ASCII (< 0x20, >= 0x80, '"', '\\'): the lowest flagged byte is
		 * exact (borrows only run upwards), and the room reserved covers the
		 * whole word */
		while (i + 8 <= n) {
			uint64_t m = json_word_flags(load_le64(u + i));
			memcpy(d, u + i, 8);
			if (m) {
				unsigned k = lowest_flagged_byte(m);
				d += k;
				i += k;
				break;
			}
			d += 8;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned char c = u[i];
		if (json_plain[c]) {
			*d++ = (char)c;
			i++;
		} else if (c < 0x80) {
			d = json_escape_byte(d, c);
			i++;
		} else {
			uint32_t cp = 0;
			size_t len = bt_utf8_decode(u + i, n - i, &cp);
			if (!len) {
				memcpy(d, "\\ufffd", 6);
				d += 6;
				i++;
			} else if (cp == 0x2028 || cp == 0x2029) {
				/* valid JSON, but not in JavaScript */
				memcpy(d, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
				d += 6;
				i += len;
			} else {
				memcpy(d, u + i, len);
				d += len;
				i += len;
			}
		}
	}
	*d++ = '"';
	b->n = (size_t)(d - b->p);
	b->p[b->n] = '\0';
}

void esc_csv(struct bt_buf *b, const char *s, size_t n, bool formula_guard)
{
	const unsigned char *u = (const unsigned char *)s;
	bool guard = formula_guard && n > 0 &&
	             (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
	              s[0] == '\r');
	bool quote = guard;
	for (size_t i = 0; i < n && !quote; i++)
		if (u[i] == '"' || u[i] == ',' || u[i] == '\n' || u[i] == '\r' || u[i] == 0)
			quote = true;
	if (quote)
		bt_buf_putc(b, '"');
	if (guard)
		bt_buf_putc(b, '\'');
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		if (c == '"') {
			bt_buf_put(b, "\"\"", 2);
			i++;
		} else if (c == 0) {
			bt_buf_puts(b, "\xEF\xBF\xBD");
			i++;
		} else if (c < 0x80) {
			bt_buf_putc(b, (char)c);
			i++;
		} else {
			uint32_t cp;
			size_t len = bt_utf8_decode(u + i, n - i, &cp);
			if (len) {
				bt_buf_put(b, s + i, len);
				i += len;
			} else {
				bt_buf_puts(b, "\xEF\xBF\xBD");
				i++;
			}
		}
	}
	if (quote)
		bt_buf_putc(b, '"');
}

/* Unicode format characters that can reorder or hide text on a terminal. */
static bool is_bidi_or_invisible(uint32_t cp)
{
	return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x200E || cp == 0x200F || cp == 0x061C || cp == 0x200B || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0xFEFF;
}

void esc_text(struct bt_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		if (c >= 0x20 && c < 0x7F) {
			i++;
			continue;
		}
		uint32_t cp = c;
		size_t len = 1;
		if (c >= 0x80) {
			len = bt_utf8_decode(u + i, n - i, &cp);
			if (len && !(cp >= 0x80 && cp < 0xA0) && !is_bidi_or_invisible(cp)) {
				i += len;
				continue;
			}
		}
		bt_buf_put(b, s + run, i - run);
		if (c == '\n') {
			bt_buf_put(b, "\\n", 2);
		} else if (c == '\t') {
			bt_buf_put(b, "\\t", 2);
		} else if (c == '\r') {
			bt_buf_put(b, "\\r", 2);
		} else if (c < 0x80 || !len) {
			char e[4] = {'\\', 'x', hexd[c >> 4], hexd[c & 15]};
			bt_buf_put(b, e, 4);
			len = 1;
		} else {
			bt_buf_printf(b, "\\u%04x", (unsigned)cp);
		}
		i += len;
		run = i;
	}
	bt_buf_put(b, s + run, n - run);
}

void esc_text_str(struct bt_buf *b, const char *s)
{
	if (s)
		esc_text(b, s, strlen(s));
	else
		bt_buf_putc(b, '-');
}

void esc_html(struct bt_buf *b, const char *s, size_t n)
{
	/* the text escape first (controls, bidi, invalid bytes visible), then
	 * the characters HTML gives a meaning */
	struct bt_buf t = BT_BUF_INIT;
	esc_text(&t, s, n);
	size_t run = 0;
	for (size_t i = 0; i < t.n; i++) {
		const char *rep = NULL;
		switch (t.p[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		bt_buf_put(b, t.p + run, i - run);
		bt_buf_puts(b, rep);
		run = i + 1;
	}
	bt_buf_put(b, t.p + run, t.n - run);
	bt_buf_free(&t);
}

void esc_html_str(struct bt_buf *b, const char *s)
{
	if (s)
		esc_html(b, s, strlen(s));
	else
		bt_buf_putc(b, '-');
}
