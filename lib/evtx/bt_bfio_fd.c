/* libbfio callbacks over a read-only file descriptor. */
#include "config.h"

#include "evtx/bt_bfio_fd.h"
#include "evtx/bt_evtx_format.h"
#include "io/bt_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

struct fd_io {
	int fd;
	off64_t pos;
	/* a view of chunks [first, first + count): header, then those chunks */
	bool view;
	off64_t base;                 /* real offset of the view's first chunk */
	off64_t size;                 /* size of the view */
	uint8_t header[4096];         /* the patched file header */
};

#define HDR 4096

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int io_free(intptr_t **io, libbfio_error_t **error)
{
	(void)error;
	struct fd_io *f = (struct fd_io *)*io;
	if (f) {
		if (f->fd >= 0)
			close(f->fd);
		free(f);
	}
	*io = NULL;
	return 1;
}

static int io_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **error)
{
	(void)error;
	struct fd_io *s = (struct fd_io *)src, *d = calloc(1, sizeof *d);
	if (!d)
		return -1;
	d->fd = s ? fcntl(s->fd, F_DUPFD_CLOEXEC, 0) : -1;
	if (d->fd < 0) {
		free(d);
		return -1;
	}
	d->pos = 0;
	d->view = s->view;
	d->base = s->base;
	d->size = s->size;
	memcpy(d->header, s->header, sizeof d->header);
	*dst = (intptr_t *)d;
	return 1;
}

static int io_open(intptr_t *io, int access_flags, libbfio_error_t **error)
{
	(void)io;
	(void)error;
	/* Evidence is never opened for writing. */
	return (access_flags & LIBBFIO_ACCESS_FLAG_WRITE) ? -1 : 1;
}

static int io_close(intptr_t *io, libbfio_error_t **error)
{
	(void)io;
	(void)error;
	return 0;  /* the descriptor lives until io_free */
}

static ssize_t io_read(intptr_t *io, uint8_t *buf, size_t size, libbfio_error_t **error)
{
	(void)error;
	struct fd_io *f = (struct fd_io *)io;
	if (f->view) {
		if (f->pos >= f->size)
			return 0;
		if ((off64_t)size > f->size - f->pos)
			size = (size_t)(f->size - f->pos);
		if (f->pos < HDR) {
			size_t n = size < (size_t)(HDR - f->pos) ? size : (size_t)(HDR - f->pos);
			memcpy(buf, f->header + f->pos, n);
			f->pos += (off64_t)n;
			return (ssize_t)n;
		}
	}
	off64_t real = f->view ? f->base + (f->pos - HDR) : f->pos;
	for (;;) {
		ssize_t r = pread(f->fd, buf, size, real);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0)
			f->pos += r;
		return r;
	}
}

static ssize_t io_write(intptr_t *io, const uint8_t *buf, size_t size, libbfio_error_t **error)
{
	(void)io;
	(void)buf;
	(void)size;
	(void)error;
	return -1;
}

static off64_t io_seek(intptr_t *io, off64_t offset, int whence, libbfio_error_t **error)
{
	(void)error;
	struct fd_io *f = (struct fd_io *)io;
	struct stat sb;
	off64_t base = 0;
	if (whence == SEEK_CUR)
		base = f->pos;
	else if (whence == SEEK_END) {
		if (f->view)
			base = f->size;
		else if (fstat(f->fd, &sb) != 0)
			return -1;
		else
			base = sb.st_size;
	} else if (whence != SEEK_SET)
		return -1;
	if (base + offset < 0)
		return -1;
	f->pos = base + offset;
	return f->pos;
}

static int io_exists(intptr_t *io, libbfio_error_t **error)
{
	(void)error;
	return io ? 1 : 0;
}

static int io_is_open(intptr_t *io, libbfio_error_t **error)
{
	(void)error;
	return io ? 1 : 0;
}

static int io_get_size(intptr_t *io, size64_t *size, libbfio_error_t **error)
{
	(void)error;
	struct fd_io *f = (struct fd_io *)io;
	if (f->view) {
		*size = (size64_t)f->size;
		return 1;
	}
	struct stat sb;
	if (fstat(f->fd, &sb) != 0)
		return -1;
	*size = (size64_t)sb.st_size;
	return 1;
}

int bt_bfio_fd_open(const char *path, libbfio_handle_t **handle)
{
	return bt_bfio_fd_open_chunks(path, 0, 0, handle);
}

int bt_bfio_fd_open_chunks(const char *path, uint64_t first, uint64_t count,
                           libbfio_handle_t **handle)
{
	int fd = bt_open_evidence(path);
	if (fd < 0)
		return -1;
	struct fd_io *f = calloc(1, sizeof *f);
	if (!f) {
		close(fd);
		return -1;
	}
	f->fd = fd;
	struct stat sb;
	if (count > 0 && fstat(fd, &sb) == 0 && pread(fd, f->header, HDR, 0) == HDR) {
		off64_t base = HDR + (off64_t)first * 65536;
		off64_t avail = sb.st_size > base ? sb.st_size - base : 0;
		off64_t want = (off64_t)count * 65536;
		f->view = true;
		f->base = base;
		f->size = HDR + (avail < want ? avail : want);
		/* first/last chunk number and chunk count of the view; a right CRC */
		uint64_t n = (uint64_t)((f->size - HDR + 65535) / 65536);
		put_le(f->header + 8, 0, 8);
		put_le(f->header + 16, n ? n - 1 : 0, 8);
		put_le(f->header + 42, n > 0xFFFF ? 0xFFFF : n, 2);
		put_le(f->header + 124, bt_evtx_file_header_crc(f->header), 4);
	}
	*handle = NULL;
	if (libbfio_handle_initialize(handle, (intptr_t *)f, io_free, io_clone, io_open, io_close,
	                              io_read, io_write, io_seek, io_exists, io_is_open, io_get_size,
	                              LIBBFIO_FLAG_IO_HANDLE_MANAGED | LIBBFIO_FLAG_IO_HANDLE_CLONE_BY_FUNCTION,
	                              NULL) != 1) {
		close(fd);
		free(f);
		return -1;
	}
	return 1;
}
