/* The libevtx EVTX reader. libevtx (Debian ships the 2018 release) may crash
 * or hang on hostile files, so by default it runs in a child process (the
 * boxtrail binary re-executed as `__evtx-worker FILE`) that streams rendered
 * records back over a pipe; a crash or hang then costs only that file. */
#ifndef BT_EVTX_LIBEVTX_H
#define BT_EVTX_LIBEVTX_H

#include <stdint.h>

#include "bt_status.h"

/* Worker entry point: reads `path` with libevtx and writes framed records to
 * `out_fd`. Returns the process exit status (0 also when the file could not be
 * opened: that is reported in the stream). */
int bt_evtx_worker_main(const char *path, int out_fd, unsigned flags);

/* Flags for bt_evtx_libevtx_open (and the worker). */
#define BT_LX_FALLBACK 0x1u        /* used by the native reader: no chunk scan, live-record
                                    * failures and open errors not counted as the file's */
#define BT_LX_RECOVERED_ONLY 0x2u  /* only slack-space (recovered) records */

struct bt_reader_ctx;
/* Opens the libevtx reader with flags; next/close are bt_reader_evtx_libevtx's. */
enum bt_status bt_evtx_libevtx_open(struct bt_reader_ctx *ctx, unsigned flags, void **state);

/* Record header identifier of the last record yielded (0 before the first). */
uint64_t bt_evtx_libevtx_last_id(const void *state);

/* Version string of the libevtx in use. */
const char *bt_libevtx_version(void);

#endif
