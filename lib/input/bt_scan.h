/* Reading many inputs on several threads, with results in input order.
 *
 * The inputs are cut into units: a whole input, or the parts its reader
 * plans for a large one (bt_reader_ops.plan: a large EVTX file becomes ranges
 * of chunks read side by side, then one part for the records recovered from
 * its slack space). Worker threads read units in order, each through its own
 * bt_input; per unit they buffer the output the caller's on_event hook
 * produces and the diagnostics, and the calling thread commits units
 * strictly in order: output bytes, diagnostics and per-input statistics come
 * out exactly as a one-thread run would give them, whatever the number of
 * threads.
 *
 * Memory stays bounded: at most jobs + 2 units are in flight, and a unit whose
 * output passes a cap waits until it is the oldest and then streams.
 * Per-input statistics of a split file are joined with bt_file_stats_merge. */
#ifndef BT_SCAN_H
#define BT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_buf.h"
#include "input/bt_input.h"
#include "core/bt_status.h"

#define BT_SCAN_SPLIT_CHUNKS 32         /* per part of a split input, in its format's units
                                           (EVTX: chunks) */
#define BT_SCAN_OUT_CAP (8u << 20)      /* output a unit buffers before it waits its turn */
#define BT_SCAN_MAX_WARNINGS 10         /* warnings shown per input; the rest are counted */

struct bt_scan_input {
	const char *path;     /* "-" for standard input */
	bool named;           /* named by the user (else found by a walk) */
};

/* What became of one input, given to input_done in input order. */
struct bt_scan_result {
	enum bt_status open_status;      /* BT_OK, BT_ERR_UNSUPPORTED (not evidence), or an error */
	const struct bt_file_stats *stats;   /* NULL when not opened */
	const struct bt_anomaly *anomalies;
	size_t nanomalies;
	const char *host, *channel;      /* of the input's first event that names them, or NULL */
};

/* What is done with each event: given by lib's read loops (bt_read_events,
 * bt_hunt_read), never by the command line. */
struct bt_scan_hooks {
	/* Per-thread state (called in each worker thread; with one job, in the
	 * caller's). May be NULL. */
	void *(*worker_new)(void *ctx);
	void (*worker_free)(void *ctx, void *w);
	/* Each event of a unit, in a worker thread; output goes to *out. */
	void (*on_event)(void *w, const struct bt_event *ev, struct bt_buf *out);
	/* The end of each input, in input order, before the report hears of it.
	 * May be NULL. */
	void (*input_done)(void *ctx, size_t input, const struct bt_scan_result *r);
	void *ctx;
};

/* What the caller hears of the run: in input order, on the calling thread,
 * never two at once. write is needed when on_event writes; the others may
 * be NULL. */
struct bt_scan_report {
	void (*write)(void *ctx, const char *p, size_t n);   /* output of the units */
	void (*input_done)(void *ctx, size_t input, const struct bt_scan_result *r);
	void (*progress)(void *ctx, uint64_t done);           /* bytes of input finished */
	void *ctx;
};

struct bt_scan_opts {
	const struct bt_input_opts *in;  /* its diag receives every diagnostic, in order */
	unsigned jobs;                   /* threads reading (0 or 1: the calling thread) */
	uint64_t split_chunks;           /* 0: BT_SCAN_SPLIT_CHUNKS */
	size_t out_cap;                  /* 0: BT_SCAN_OUT_CAP */
};

/* Reads every input. Returns BT_OK, or BT_ERR_NOMEM when threads or memory
 * could not be had (reported). */
enum bt_status bt_scan_run(const struct bt_scan_input *inputs, size_t n,
                           const struct bt_scan_opts *o, const struct bt_scan_hooks *h,
                           const struct bt_scan_report *r);

/* The number of processors to use by default. */
unsigned bt_scan_default_jobs(void);

#endif
