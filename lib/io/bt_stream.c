/* Buffered line reader with transparent gzip (zlib). */
#include "config.h"

#include "io/bt_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define RAW_CHUNK (64u * 1024)

struct bt_stream {
	int fd;
	bool gz;
	bool z_active;          /* inflate initialised */
	bool eof;               /* no more bytes will arrive */
	enum bt_status error;   /* sticky error after the buffered data */
	z_stream z;
	unsigned char *raw;     /* compressed input buffer (gz only) */
	uint64_t raw_offset;    /* compressed bytes consumed */
	unsigned char *buf;
	size_t cap, start, end;
	size_t max_line;
	uint64_t lineno;
	uint64_t offset;        /* decompressed offset of buf[start] */
};

static ssize_t read_fd(int fd, void *p, size_t n)
{
	for (;;) {
		ssize_t r = read(fd, p, n);
		if (r >= 0 || errno != EINTR)
			return r;
	}
}

/* Moves unread data to the front of the buffer. */
static void compact(struct bt_stream *s)
{
	if (s->start == 0)
		return;
	memmove(s->buf, s->buf + s->start, s->end - s->start);
	s->end -= s->start;
	s->start = 0;
}

/* Adds bytes to the buffer; returns false when nothing more can come. */
static bool fill(struct bt_stream *s)
{
	if (s->eof)
		return false;
	compact(s);
	if (s->end == s->cap)
		return true;  /* full: caller handles over-long data */
	if (!s->gz) {
		ssize_t r = read_fd(s->fd, s->buf + s->end, s->cap - s->end);
		if (r < 0) {
			s->error = BT_ERR_IO;
			s->eof = true;
			return false;
		}
		if (r == 0) {
			s->eof = true;
			return false;
		}
		s->end += (size_t)r;
		return true;
	}
	size_t before = s->end;
	while (s->end == before) {
		if (s->z.avail_in == 0) {
			ssize_t r = read_fd(s->fd, s->raw, RAW_CHUNK);
			if (r < 0) {
				s->error = BT_ERR_IO;
				s->eof = true;
				return false;
			}
			if (r == 0) {
				/* Input ended inside a member: truncated .gz. */
				if (s->z_active)
					s->error = BT_ERR_FORMAT;
				s->eof = true;
				return false;
			}
			s->z.next_in = s->raw;
			s->z.avail_in = (uInt)r;
		}
		if (!s->z_active) {
			if (inflateReset2(&s->z, 16 + MAX_WBITS) != Z_OK) {
				s->error = BT_ERR_FORMAT;
				s->eof = true;
				return false;
			}
			s->z_active = true;
		}
		s->z.next_out = s->buf + s->end;
		s->z.avail_out = (uInt)(s->cap - s->end);
		uInt in_before = s->z.avail_in;
		int zr = inflate(&s->z, Z_NO_FLUSH);
		s->raw_offset += in_before - s->z.avail_in;
		s->end = s->cap - s->z.avail_out;
		if (zr == Z_STREAM_END) {
			s->z_active = false;  /* a further gzip member may follow */
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			s->error = BT_ERR_FORMAT;
			s->eof = true;
			return s->end != before;
		}
	}
	return true;
}

enum bt_status bt_stream_open(int fd, size_t max_line, struct bt_stream **out)
{
	struct bt_stream *s = calloc(1, sizeof *s);
	if (!s)
		return BT_ERR_NOMEM;
	s->fd = fd;
	s->max_line = max_line ? max_line : BT_MAX_LINE;
	s->cap = s->max_line + RAW_CHUNK;
	s->buf = malloc(s->cap);
	if (!s->buf) {
		free(s);
		return BT_ERR_NOMEM;
	}
	/* Sniff the gzip magic from the first bytes: read at most RAW_CHUNK, the
	 * size of the compressed-input buffer they move to when it is gzip (a
	 * regular file would otherwise fill the whole line buffer here). */
	while (s->end < 2) {
		ssize_t r = read_fd(s->fd, s->buf + s->end, RAW_CHUNK - s->end);
		if (r < 0) {
			bt_stream_free(s);
			return BT_ERR_IO;
		}
		if (r == 0) {
			s->eof = true;
			break;
		}
		s->end += (size_t)r;
	}
	if (s->end >= 2 && s->buf[0] == 0x1f && s->buf[1] == 0x8b) {
		s->gz = true;
		s->raw = malloc(RAW_CHUNK);
		if (!s->raw || inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK) {
			free(s->raw);
			s->raw = NULL;
			bt_stream_free(s);
			return BT_ERR_NOMEM;
		}
		/* Feed the already-read bytes through inflate. */
		memcpy(s->raw, s->buf, s->end);
		s->z.next_in = s->raw;
		s->z.avail_in = (uInt)s->end;
		s->z_active = true;
		s->end = 0;
		s->eof = false;
	}
	*out = s;
	return BT_OK;
}

void bt_stream_free(struct bt_stream *s)
{
	if (!s)
		return;
	if (s->gz)
		inflateEnd(&s->z);
	free(s->raw);
	free(s->buf);
	free(s);
}

bool bt_stream_is_gzip(const struct bt_stream *s)
{
	return s->gz;
}

uint64_t bt_stream_raw_offset(const struct bt_stream *s)
{
	return s->raw_offset;
}

size_t bt_stream_peek(struct bt_stream *s, size_t want, const unsigned char **p)
{
	if (want > s->cap)
		want = s->cap;
	while (s->end - s->start < want && fill(s))
		if (s->end == s->cap && s->start == 0)
			break;
	*p = s->buf + s->start;
	size_t have = s->end - s->start;
	return have < want ? have : want;
}

enum bt_status bt_stream_getline(struct bt_stream *s, const char **line, size_t *len,
                                 uint64_t *lineno, uint64_t *offset, bool *complete)
{
	size_t scanned = 0;
	for (;;) {
		unsigned char *base = s->buf + s->start;
		size_t avail = s->end - s->start;
		unsigned char *nl = scanned < avail ? memchr(base + scanned, '\n', avail - scanned) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - base);
			if (n > s->max_line) {
				/* Over-long line already buffered whole: skip it all the same. */
				*lineno = ++s->lineno;
				*offset = s->offset;
				s->start += n + 1;
				s->offset += n + 1;
				return BT_ERR_LIMIT;
			}
			*line = (const char *)base;
			*lineno = ++s->lineno;
			*offset = s->offset;
			*complete = true;
			s->start += n + 1;
			s->offset += n + 1;
			if (n > 0 && base[n - 1] == '\r')
				n--;
			*len = n;
			return BT_OK;
		}
		scanned = avail;
		if (avail >= s->max_line) {
			/* Over-long line: drop bytes up to the next newline. */
			*lineno = ++s->lineno;
			*offset = s->offset;
			for (;;) {
				nl = memchr(s->buf + s->start, '\n', s->end - s->start);
				if (nl) {
					size_t n = (size_t)(nl - (s->buf + s->start)) + 1;
					s->start += n;
					s->offset += n;
					break;
				}
				s->offset += s->end - s->start;
				s->start = s->end;
				if (!fill(s))
					break;
			}
			return BT_ERR_LIMIT;
		}
		bool more = fill(s);
		base = s->buf + s->start;  /* fill() may have moved the data */
		if (!more) {
			if (avail > 0) {
				*line = (const char *)base;
				*lineno = ++s->lineno;
				*offset = s->offset;
				*complete = false;
				s->start = s->end;
				s->offset += avail;
				if (base[avail - 1] == '\r')
					avail--;
				*len = avail;
				return BT_OK;
			}
			return s->error ? s->error : BT_EOF;
		}
	}
}

enum bt_status bt_stream_read_all(struct bt_stream *s, size_t cap, char **out, size_t *out_len)
{
	size_t n = 0, bcap = 0;
	char *b = NULL;
	for (;;) {
		size_t avail = s->end - s->start;
		if (avail) {
			if (n + avail > cap) {
				free(b);
				return BT_ERR_LIMIT;
			}
			if (n + avail + 1 > bcap) {
				size_t nc = bcap ? bcap : 4096;
				while (nc < n + avail + 1)
					nc *= 2;
				char *nb = realloc(b, nc);
				if (!nb) {
					free(b);
					return BT_ERR_NOMEM;
				}
				b = nb;
				bcap = nc;
			}
			memcpy(b + n, s->buf + s->start, avail);
			n += avail;
			s->start = s->end;
		}
		if (!fill(s))
			break;
	}
	if (s->error) {
		free(b);
		return s->error;
	}
	if (!b && !(b = malloc(1)))
		return BT_ERR_NOMEM;
	b[n] = '\0';
	*out = b;
	*out_len = n;
	return BT_OK;
}

size_t bt_stream_read(struct bt_stream *s, void *buf, size_t n)
{
	if (s->start == s->end)
		fill(s);
	size_t avail = s->end - s->start;
	if (n > avail)
		n = avail;
	memcpy(buf, s->buf + s->start, n);
	s->start += n;
	s->offset += n;
	return n;
}

enum bt_status bt_stream_error(const struct bt_stream *s)
{
	return s->error;
}
