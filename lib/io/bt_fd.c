/* Whole-buffer writes to a file descriptor (see bt_fd.h). */
#include "config.h"

#include "io/bt_fd.h"

#include <errno.h>
#include <unistd.h>

bool bt_write_all(int fd, const void *p, size_t n, off_t *pos)
{
	const unsigned char *b = p;
	while (n) {
		ssize_t w = pos ? pwrite(fd, b, n, *pos) : write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		b += w;
		n -= (size_t)w;
		if (pos)
			*pos += w;
	}
	return true;
}
