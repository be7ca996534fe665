/* JSON, CSV and terminal escaping of evidence strings. */
#include "config.h"

#include "escape.h"

#include <stdint.h>
#include <string.h>

static const char hexd[] = "0123456789abcdef";

/* ASCII bytes JSON needs no escape for: all from 0x20 but '"' and '\\' (as
 * the eight-byte test in json_plain_prefix). */
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

/* Length of the leading run of s that JSON needs no escape for (ASCII only). */
static size_t json_plain_prefix(const unsigned char *u, size_t n)
{
	size_t i = 0;
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	while (i + 8 <= n) {
		uint64_t x;
		memcpy(&x, u + i, 8);
		uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
		if ((x & high) | ((x - ones * 0x20) & ~x & high) | ((q - ones) & ~q & high) |
		    ((bs - ones) & ~bs & high))
			break;
		i += 8;
	}
	while (i < n && json_plain[u[i]])
		i++;
	return i;
}

void esc_json(struct bt_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t plain = json_plain_prefix(u, n);
	if (plain == n && n < SIZE_MAX - 3) {
		/* the usual case: nothing to escape, one copy */
		if (!b->oom && bt_buf_reserve(b, n + 2)) {
			char *d = b->p + b->n;
			d[0] = '"';
			if (n)
				memcpy(d + 1, s, n);
			d[n + 1] = '"';
			b->n += n + 2;
			b->p[b->n] = '\0';
		}
		return;
	}
	bt_buf_putc(b, '"');
	size_t run = 0;  /* start of a stretch of bytes that need no escaping */
	for (size_t i = plain; i < n;) {
		/* eight plain ASCII bytes at a time (none < 0x20, >= 0x80, '"', '\\') */
		while (i + 8 <= n) {
			uint64_t x;
			memcpy(&x, u + i, 8);
			const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
			uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
			if ((x & high) | ((x - ones * 0x20) & ~x & high) | ((q - ones) & ~q & high) |
			    ((bs - ones) & ~bs & high))
				break;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned char c = u[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		uint32_t cp = 0;
		size_t len = 1;
		if (c >= 0x80) {
			len = bt_utf8_decode(u + i, n - i, &cp);
			if (len && cp != 0x2028 && cp != 0x2029) {
				i += len;
				continue;
			}
		}
		bt_buf_put(b, s + run, i - run);
		if (c >= 0x80) {
			if (len) {  /* U+2028 / U+2029: valid JSON, but not in JavaScript */
				bt_buf_puts(b, cp == 0x2028 ? "\\u2028" : "\\u2029");
			} else {
				bt_buf_puts(b, "\\ufffd");
				len = 1;
			}
		} else {
			switch (c) {
			case '"': bt_buf_puts(b, "\\\""); break;
			case '\\': bt_buf_puts(b, "\\\\"); break;
			case '\n': bt_buf_puts(b, "\\n"); break;
			case '\r': bt_buf_puts(b, "\\r"); break;
			case '\t': bt_buf_puts(b, "\\t"); break;
			case '\b': bt_buf_puts(b, "\\b"); break;
			case '\f': bt_buf_puts(b, "\\f"); break;
			default: {
				char e[6] = {'\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15]};
				bt_buf_put(b, e, 6);
			}
			}
		}
		i += len;
		run = i;
	}
	bt_buf_put(b, s + run, n - run);
	bt_buf_putc(b, '"');
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
