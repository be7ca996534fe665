/* A growable byte buffer for building output lines. */
#ifndef BT_BUF_H
#define BT_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bt_buf {
	char *p;
	size_t n, cap;
	bool oom;      /* an append failed: contents are incomplete */
};

#define BT_BUF_INIT {NULL, 0, 0, false}

void bt_buf_put(struct bt_buf *b, const void *s, size_t n);
void bt_buf_putc(struct bt_buf *b, char c);
void bt_buf_puts(struct bt_buf *b, const char *s);
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

/* Appends code point cp as UTF-8. */
void bt_buf_put_utf8(struct bt_buf *b, uint32_t cp);

#endif
