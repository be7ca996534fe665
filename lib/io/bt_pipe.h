/* Reading a worker process's pipe (the libevtx and libsystemd readers run
 * their library in a child): exact-size reads through a buffer, with a
 * timeout on a child that stops making progress. */
#ifndef BT_PIPE_H
#define BT_PIPE_H

#include <stddef.h>

enum bt_pipe_status { BT_PIPE_OK, BT_PIPE_EOF, BT_PIPE_TIMEOUT };

struct bt_pipe {
	int fd;                   /* -1: none */
	unsigned timeout_ms;      /* for each wait for bytes */
	size_t start, end;        /* the unread bytes of buf */
	unsigned char buf[65536];
};

/* Starts reading `fd` (the buffer emptied). */
void bt_pipe_init(struct bt_pipe *p, int fd, unsigned timeout_ms);

/* Reads exactly n bytes into dst. BT_PIPE_EOF at the end of the pipe or on
 * an error, BT_PIPE_TIMEOUT when nothing came for timeout_ms. */
enum bt_pipe_status bt_pipe_read(struct bt_pipe *p, void *dst, size_t n);

#endif
