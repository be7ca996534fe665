/* libbfio callbacks over a read-only file descriptor. */
#include "config.h"

#include "bt_bfio_fd.h"
#include "bt_input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

struct fd_io {
	int fd;
	off64_t pos;
};

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
	for (;;) {
		ssize_t r = pread(f->fd, buf, size, f->pos);
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
		if (fstat(f->fd, &sb) != 0)
			return -1;
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
	struct stat sb;
	if (fstat(((struct fd_io *)io)->fd, &sb) != 0)
		return -1;
	*size = (size64_t)sb.st_size;
	return 1;
}

int bt_bfio_fd_open(const char *path, libbfio_handle_t **handle)
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
