/* A growable byte buffer for building output lines. */
#ifndef BT_BUF_H
#define BT_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct bt_buf {
	char *p;
	size_t n, cap;
	bool oom;      /* an append failed: contents are incomplete */
};

#define BT_BUF_INIT {NULL, 0, 0, false}

/* Appends (the buffer stays NUL-terminated); after a failed allocation
 * (oom) nothing more is appended. The common case is inline. */
void bt_buf_put_slow(struct bt_buf *b, const void *s, size_t n);
/* Makes room for `extra` more bytes and the NUL; false after an allocation
 * failure (then b->oom is set). */
bool bt_buf_reserve(struct bt_buf *b, size_t extra);
void bt_buf_putc_slow(struct bt_buf *b, char c);

static inline void bt_buf_put(struct bt_buf *b, const void *s, size_t n)
{
	if (!b->oom && b->cap - b->n > n) {
		if (n)
			memcpy(b->p + b->n, s, n);
		b->n += n;
		b->p[b->n] = '\0';
		return;
	}
	bt_buf_put_slow(b, s, n);
}

static inline void bt_buf_putc(struct bt_buf *b, char c)
{
	if (!b->oom && b->cap - b->n > 1) {
		b->p[b->n++] = c;
		b->p[b->n] = '\0';
		return;
	}
	bt_buf_putc_slow(b, c);
}

static inline void bt_buf_puts(struct bt_buf *b, const char *s)
{
	bt_buf_put(b, s, strlen(s));
}
void bt_buf_printf(struct bt_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
void bt_buf_put_u64(struct bt_buf *b, uint64_t v);
void bt_buf_put_i64(struct bt_buf *b, int64_t v);
/* Empties the buffer, keeping its memory. */
void bt_buf_reset(struct bt_buf *b);
void bt_buf_free(struct bt_buf *b);

/* Decodes one UTF-8 sequence at s (n bytes available): returns its length
 * and sets *cp, or 0 for an invalid, overlong, surrogate or truncated one. */
size_t bt_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Writes code point cp as UTF-8 to d (room for 4 bytes) and returns its
 * length; a surrogate or a value past U+10FFFF is written as U+FFFD. Inline:
 * the EVTX decoder converts every non-ASCII character with it. */
static inline size_t bt_utf8_encode(char *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xC0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x10000) {
		d[0] = (char)(0xE0 | cp >> 12);
		d[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		d[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	d[0] = (char)(0xF0 | cp >> 18);
	d[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	d[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	d[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Appends code point cp as UTF-8 (as bt_utf8_encode). */
void bt_buf_put_utf8(struct bt_buf *b, uint32_t cp);

#endif
