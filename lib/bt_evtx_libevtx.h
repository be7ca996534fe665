/* The libevtx EVTX reader. libevtx (Debian ships the 2018 release) may crash
 * or hang on hostile files, so by default it runs in a child process (the
 * boxtrail binary re-executed as `__evtx-worker FILE`) that streams rendered
 * records back over a pipe; a crash or hang then costs only that file. */
#ifndef BT_EVTX_LIBEVTX_H
#define BT_EVTX_LIBEVTX_H

#include <stddef.h>
#include <stdint.h>

#include "bt_status.h"

/* Worker entry point: reads `path` with libevtx and writes framed records to
 * `out_fd`. Returns the process exit status (0 also when the file could not be
 * opened: that is reported in the stream). */
int bt_evtx_worker_main(const char *path, int out_fd, unsigned flags);

/* Worker entry point with options: argv = [OPTIONS...] FILE where OPTIONS
 * are --recovered-only, --no-recovered, --records INDEX:ID,... (only those
 * live records: the record at INDEX when its identifier is ID, else the one
 * with identifier ID found by a search). Returns the exit status. */
int bt_evtx_worker_main_args(int argc, char **argv, int out_fd);

/* A live record wanted from libevtx: its index as the native reader counted
 * it (a hint) and its record header identifier. */
struct bt_lx_want {
	uint64_t index;
	uint64_t id;
};
#define BT_LX_MAX_LIST 4096

int bt_evtx_worker_run(const char *path, int out_fd, unsigned flags,
                       const struct bt_lx_want *list, size_t nlist);

/* Flags for bt_evtx_libevtx_open (and the worker). */
#define BT_LX_FALLBACK 0x1u        /* used by the native reader: no chunk scan, live-record
                                    * failures and open errors not counted as the file's */
#define BT_LX_RECOVERED_ONLY 0x2u  /* only slack-space (recovered) records */
#define BT_LX_NO_RECOVERED 0x4u    /* no slack-space (recovered) records */
#define BT_LX_LIST 0x8u            /* live records: only those listed */

struct bt_reader_ctx;
/* Opens the libevtx reader with flags (and with BT_LX_LIST, the live records
 * wanted, at most BT_LX_MAX_LIST); next/close are bt_reader_evtx_libevtx's. */
enum bt_status bt_evtx_libevtx_open(struct bt_reader_ctx *ctx, unsigned flags,
                                    const struct bt_lx_want *list, size_t nlist, void **state);

/* Record header identifier of the last record yielded (0 before the first). */
uint64_t bt_evtx_libevtx_last_id(const void *state);

/* Version string of the libevtx in use. */
const char *bt_libevtx_version(void);

#endif
