/* Writing a whole buffer to a file descriptor (the libevtx worker's frames,
 * the hit store's spill file): short writes and EINTR are retried. */
#ifndef BT_FD_H
#define BT_FD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Writes all of p[0..n) to fd: at *pos with pwrite (advancing *pos) when pos
 * is not NULL, else at the descriptor's offset. False when a write fails or
 * writes nothing (errno from the failed write, if any). */
bool bt_write_all(int fd, const void *p, size_t n, off_t *pos);

#endif
