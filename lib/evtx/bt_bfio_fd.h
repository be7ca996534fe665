/* A read-only libbfio handle over a file descriptor, so that libevtx reads
 * evidence through a descriptor boxtrail opened itself (O_RDONLY, O_NOATIME
 * where permitted) instead of opening the path on its own (which would
 * update the file's access time). */
#ifndef BT_BFIO_FD_H
#define BT_BFIO_FD_H

#include <libbfio.h>

#include <stdint.h>

/* Opens `path` read-only (O_NOATIME when allowed) and wraps it in a libbfio
 * handle that owns the descriptor. Returns 1 on success, -1 on failure. */
int bt_bfio_fd_open(const char *path, libbfio_handle_t **handle);

/* The same, seen as an EVTX file made of the real file header (its chunk
 * count set to `count`, its CRC recomputed) followed by chunks
 * [first, first + count) only: libevtx then opens and scans just that part of
 * a large file. count 0 means the whole file. */
int bt_bfio_fd_open_chunks(const char *path, uint64_t first, uint64_t count,
                           libbfio_handle_t **handle);

#endif
