/* The libevtx EVTX reader. libevtx (Debian ships the 2018 release) may crash
 * or hang on hostile files, so by default it runs in a child process (the
 * boxtrail binary re-executed as `__evtx-worker FILE`) that streams rendered
 * records back over a pipe; a crash or hang then costs only that file. */
#ifndef BT_EVTX_LIBEVTX_H
#define BT_EVTX_LIBEVTX_H

#include <stddef.h>
#include <stdint.h>

#include "core/bt_status.h"

/* Address space a libevtx worker process may use (RLIMIT_AS). */
#define BT_LIBEVTX_WORKER_MEMORY (2ULL << 30)

/* Worker entry point: reads `path` with libevtx and writes framed records to
 * `out_fd`. Returns the process exit status (0 also when the file could not be
 * opened: that is reported in the stream). */
int bt_evtx_worker_main(const char *path, int out_fd, unsigned flags);

/* The same for chunks [chunk_first, +chunk_count) of the file only (a part
 * of a file read in parts; chunk_count 0: the whole file). */
int bt_evtx_worker_main_chunks(const char *path, int out_fd, unsigned flags, uint64_t chunk_first,
                               uint64_t chunk_count);

/* Worker entry point with options: argv = [OPTIONS...] FILE where OPTIONS
 * are --recovered-only, --no-recovered and --serve (records on request: lines
 * "L INDEX ID" on standard input each answered by one frame, "R" for the
 * recovered records). Returns the exit status. */
int bt_evtx_worker_main_args(int argc, char **argv, int out_fd);

/* A live record wanted from libevtx: its index as the native reader counted
 * it (a hint, checked against the identifier) and its header identifier. */
struct bt_lx_want {
	uint64_t index;
	uint64_t id;
};

/* Flags for bt_evtx_libevtx_open (and the worker). */
#define BT_LX_FALLBACK 0x1u        /* used by the native reader: no chunk scan, live-record
                                    * failures and open errors not counted as the file's */
#define BT_LX_RECOVERED_ONLY 0x2u  /* only slack-space (recovered) records */
#define BT_LX_NO_RECOVERED 0x4u    /* no slack-space (recovered) records */
#define BT_LX_SERVE 0x8u           /* records on request (bt_evtx_libevtx_want) */

struct bt_reader_ctx;
/* Opens the libevtx reader with flags; next/close are bt_reader_evtx_libevtx's. */
enum bt_status bt_evtx_libevtx_open(struct bt_reader_ctx *ctx, unsigned flags, void **state);

/* BT_LX_SERVE: asks for one live record; the next call to next() yields it
 * (BT_OK), BT_ERR_FORMAT when libevtx cannot read it (reason in
 * bt_evtx_libevtx_last_error), or an error when the worker is lost. */
enum bt_status bt_evtx_libevtx_want(void *state, uint64_t index, uint64_t id);
/* BT_LX_SERVE: asks for the recovered records; next() then yields them and
 * BT_EOF. No request may follow. */
enum bt_status bt_evtx_libevtx_want_recovered(void *state);
const char *bt_evtx_libevtx_last_error(const void *state);

/* Record header identifier of the last record yielded (0 before the first). */
uint64_t bt_evtx_libevtx_last_id(const void *state);

/* Version string of the libevtx in use. */
const char *bt_libevtx_version(void);

#endif
