/* Buffered, line-oriented reading of text evidence from a file descriptor,
 * with transparent gzip decompression (rotated `docker.log.1.gz`).
 *
 * Memory is bounded: a line longer than the cap is skipped, counted and
 * reported to the caller as BT_ERR_LIMIT, never buffered whole. */
#ifndef BT_STREAM_H
#define BT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_status.h"

#define BT_MAX_LINE (1024u * 1024)        /* longest text line read (bytes) */
#define BT_MAX_DOCUMENT (64u * 1024 * 1024) /* largest JSON document read whole */

struct bt_stream;

/* Wraps `fd` (not closed by the stream). Gzip input is detected by its magic
 * bytes. `max_line` 0 means BT_MAX_LINE. */
enum bt_status bt_stream_open(int fd, size_t max_line, struct bt_stream **out);
void bt_stream_free(struct bt_stream *s);

/* True when the input is gzip-compressed. */
bool bt_stream_is_gzip(const struct bt_stream *s);

/* Makes up to `want` bytes of (decompressed) input visible at *p without
 * consuming them; returns how many are available (fewer only at the end). */
size_t bt_stream_peek(struct bt_stream *s, size_t want, const unsigned char **p);

/* Reads the next line. On BT_OK, *line and *len hold it without its line end
 * ("\n" or "\r\n"; the pointer is valid until the next call), *lineno its
 * 1-based number and *offset the (decompressed) offset of its first byte;
 * *complete is false for a last line with no line end (possibly truncated).
 * BT_ERR_LIMIT: the line at *lineno exceeded the cap and was skipped.
 * BT_EOF at the end; BT_ERR_IO / BT_ERR_FORMAT (corrupt gzip) end the stream. */
enum bt_status bt_stream_getline(struct bt_stream *s, const char **line, size_t *len,
                                 uint64_t *lineno, uint64_t *offset, bool *complete);

/* Reads the rest of the input as one document of at most `cap` bytes into a
 * malloc'ed, NUL-terminated buffer the caller frees. BT_ERR_LIMIT if larger. */
enum bt_status bt_stream_read_all(struct bt_stream *s, size_t cap, char **buf, size_t *len);

/* Reads up to `n` (decompressed) bytes; returns the count, 0 at the end or on
 * error (see bt_stream_error). */
size_t bt_stream_read(struct bt_stream *s, void *buf, size_t n);

/* The sticky error that ended the stream, or BT_OK. */
enum bt_status bt_stream_error(const struct bt_stream *s);

/* Offset in the compressed file where a gzip error was found (for messages). */
uint64_t bt_stream_raw_offset(const struct bt_stream *s);

#endif
