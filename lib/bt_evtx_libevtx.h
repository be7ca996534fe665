/* The libevtx EVTX reader. libevtx (Debian ships the 2018 release) may crash
 * or hang on hostile files, so by default it runs in a child process (the
 * boxtrail binary re-executed as `__evtx-worker FILE`) that streams rendered
 * records back over a pipe; a crash or hang then costs only that file. */
#ifndef BT_EVTX_LIBEVTX_H
#define BT_EVTX_LIBEVTX_H

/* Worker entry point: reads `path` with libevtx and writes framed records to
 * `out_fd`. Returns the process exit status (0 also when the file could not be
 * opened: that is reported in the stream). */
int bt_evtx_worker_main(const char *path, int out_fd);

/* Version string of the libevtx in use. */
const char *bt_libevtx_version(void);

#endif
