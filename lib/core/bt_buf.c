/* Growable output buffer and UTF-8 decoding. */
#include "config.h"

#include "core/bt_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool grow(struct bt_buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (b->cap - b->n > extra)
		return true;
	size_t nc = b->cap ? b->cap : 256;
	while (nc - b->n <= extra) {
		if (nc > SIZE_MAX / 2) {
			b->oom = true;
			return false;
		}
		nc *= 2;
	}
	char *np = realloc(b->p, nc);
	if (!np) {
		b->oom = true;
		return false;
	}
	b->p = np;
	b->cap = nc;
	return true;
}

bool bt_buf_reserve(struct bt_buf *b, size_t extra)
{
	return grow(b, extra);
}

void bt_buf_put_slow(struct bt_buf *b, const void *s, size_t n)
{
	if (!grow(b, n))
		return;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void bt_buf_putc_slow(struct bt_buf *b, char c)
{
	if (!grow(b, 1))
		return;
	b->p[b->n++] = c;
	b->p[b->n] = '\0';
}

void bt_buf_printf(struct bt_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

void bt_buf_put_u64(struct bt_buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	bt_buf_put(b, tmp + i, sizeof tmp - i);
}

void bt_buf_put_i64(struct bt_buf *b, int64_t v)
{
	if (v < 0) {
		bt_buf_putc(b, '-');
		bt_buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		bt_buf_put_u64(b, (uint64_t)v);
	}
}

void bt_buf_reset(struct bt_buf *b)
{
	b->n = 0;
	b->oom = false;
	if (b->p)
		b->p[0] = '\0';
}

void bt_buf_free(struct bt_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
	b->oom = false;
}

size_t bt_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (n == 0)
		return 0;
	unsigned char c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t len;
	uint32_t v, min;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

void bt_buf_put_utf8(struct bt_buf *b, uint32_t cp)
{
	char t[4];
	bt_buf_put(b, t, bt_utf8_encode(t, cp));
}
