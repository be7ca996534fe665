/* The EVTX readers as the dispatcher sees them: their options, the kinds of
 * part a large file is read in, and the reader ops. The native reader
 * (bt_evtx_native.c) is the default; libevtx (bt_evtx_libevtx.c) reads what
 * it leaves, in a worker process, and is there on request. */
#ifndef BT_EVTX_H
#define BT_EVTX_H

#include "io/bt_reader.h"

struct bt_evtx_donors;

/* Which EVTX reader to use. */
enum bt_evtx_reader {
	BT_EVTX_READER_AUTO = 0,     /* the native reader, libevtx for what it leaves */
	BT_EVTX_READER_LIBEVTX,
};

/* The EVTX readers' own options (bt_reader_ctx.format_opts). */
struct bt_evtx_opts {
	enum bt_evtx_reader reader;
	/* Path of an executable that serves `__evtx-worker FILE` (the boxtrail
	 * binary itself): libevtx then runs in a child process, so that a crash
	 * or hang inside it costs only that file. NULL runs libevtx in-process. */
	const char *worker_exe;
	unsigned worker_timeout_sec;   /* no progress for this long kills the worker (0 = 120) */
	bool no_recover;               /* no recovery of records outside the live records */
	struct bt_evtx_donors *donors; /* the run's files, lending each other templates
	                                  for recovery (bt_evtx_donors.h; may be NULL) */
};

/* Parts of an EVTX file (bt_part.kind): a large file is read as ranges of
 * chunks side by side (first, count), then one part for the records
 * recovered from slack space, which the ranges hand their candidates to. */
enum bt_evtx_part {
	BT_EVTX_PART_ALL = 0,        /* live records, then those recovered from slack space */
	BT_EVTX_PART_LIVE,           /* live records of chunks [first, first + count) */
	BT_EVTX_PART_RECOVERED,      /* only records recovered from slack space */
};

extern const struct bt_reader_ops bt_reader_evtx_native;
extern const struct bt_reader_ops bt_reader_evtx_libevtx;

#endif
