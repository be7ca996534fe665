/* A worker's pipe, read exactly and with a timeout. */
#include "config.h"

#include "io/bt_pipe.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

void bt_pipe_init(struct bt_pipe *p, int fd, unsigned timeout_ms)
{
	p->fd = fd;
	p->timeout_ms = timeout_ms;
	p->start = p->end = 0;
}

enum bt_pipe_status bt_pipe_read(struct bt_pipe *p, void *dst, size_t n)
{
	unsigned char *d = dst;
	while (n) {
		if (p->start == p->end) {
			struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
			int pr = poll(&pfd, 1, (int)p->timeout_ms);
			if (pr < 0 && errno == EINTR)
				continue;
			if (pr == 0)
				return BT_PIPE_TIMEOUT;
			ssize_t r = read(p->fd, p->buf, sizeof p->buf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return BT_PIPE_EOF;
			p->start = 0;
			p->end = (size_t)r;
		}
		size_t k = p->end - p->start < n ? p->end - p->start : n;
		memcpy(d, p->buf + p->start, k);
		p->start += k;
		d += k;
		n -= k;
	}
	return BT_PIPE_OK;
}
