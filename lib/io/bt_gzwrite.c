/* A gzip-compressing stdio stream (fopencookie). */
#include "config.h"

#include "io/bt_gzwrite.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <zlib.h>

#define OUT_BUF (64u * 1024)

struct gzw {
	FILE *out;
	z_stream z;
	bool failed;
	unsigned char buf[OUT_BUF];
};

/* Runs deflate over the input given (flush: Z_NO_FLUSH or Z_FINISH) and
 * writes what it makes. */
static bool pump(struct gzw *g, int flush)
{
	for (;;) {
		g->z.next_out = g->buf;
		g->z.avail_out = sizeof g->buf;
		int r = deflate(&g->z, flush);
		if (r == Z_STREAM_ERROR)
			return false;
		size_t n = sizeof g->buf - g->z.avail_out;
		if (n && fwrite(g->buf, 1, n, g->out) != n)
			return false;
		if (flush == Z_FINISH ? r == Z_STREAM_END : g->z.avail_out != 0)
			return true;
	}
}

static ssize_t gz_write(void *cookie, const char *p, size_t n)
{
	struct gzw *g = cookie;
	if (g->failed)
		return -1;
	/* deflate takes an unsigned int's worth at a time */
	for (size_t done = 0; done < n;) {
		size_t part = n - done > (1u << 30) ? (1u << 30) : n - done;
		g->z.next_in = (unsigned char *)(uintptr_t)(p + done);
		g->z.avail_in = (uInt)part;
		if (!pump(g, Z_NO_FLUSH)) {
			g->failed = true;
			errno = EIO;
			return -1;
		}
		done += part;
	}
	return (ssize_t)n;
}

static int gz_close(void *cookie)
{
	struct gzw *g = cookie;
	bool ok = !g->failed;
	g->z.next_in = NULL;
	g->z.avail_in = 0;
	if (ok && !pump(g, Z_FINISH))
		ok = false;
	deflateEnd(&g->z);
	free(g);
	if (!ok)
		errno = EIO;
	return ok ? 0 : EOF;
}

FILE *bt_gzip_writer(FILE *out)
{
	struct gzw *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->out = out;
	/* 16 + window bits: a gzip wrapper; its default header has no name and
	 * time 0 */
	if (deflateInit2(&g->z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(g);
		return NULL;
	}
	cookie_io_functions_t io = {.write = gz_write, .close = gz_close};
	FILE *f = fopencookie(g, "w", io);
	if (!f) {
		deflateEnd(&g->z);
		free(g);
	}
	return f;
}
