/* The interface every evidence reader implements (internal to lib/).
 *
 * bt_input owns the file descriptor, the text stream, the event builder and
 * the stats; a reader turns them into events. To add a format: write a reader
 * with these ops, teach bt_detect.c to recognise it, and register it in
 * bt_input.c's table. */
#ifndef BT_READER_H
#define BT_READER_H

#include "core/bt_event.h"
#include "input/bt_input.h"
#include "core/bt_status.h"
#include "io/bt_stream.h"

struct bt_reader_ctx {
	const char *path;                 /* for provenance and diagnostics ("-" = stdin) */
	const char *open_path;            /* what to open by name (a spool copy for stdin) */
	int fd;                           /* read-only; owned by bt_input */
	struct bt_stream *stream;         /* text readers: positioned at the start */
	const struct bt_input_opts *opts;
	struct bt_file_stats *stats;
	struct bt_evbuf *eb;              /* fill with bt_evbuf_reset/add/done */
};

struct bt_reader_ops {
	const char *name;
	bool needs_stream;                /* wants ctx->stream (text); else uses fd/path */
	/* Prepares to read; *state is passed back to next/close. An error means
	 * nothing could be read (the reader has reported it). */
	enum bt_status (*open)(struct bt_reader_ctx *ctx, void **state);
	/* Yields the next event (BT_OK, *ev from ctx->eb), BT_EOF, or an error
	 * that ends the input (already reported). Damaged records are reported,
	 * counted in ctx->stats->failed and skipped. */
	enum bt_status (*next)(struct bt_reader_ctx *ctx, void *state, const struct bt_event **ev);
	void (*close)(void *state);
};

/* Format recognition from the first bytes (decompressed for gzip input).
 * `head` holds up to BT_DETECT_HEAD bytes; `at_eof` says whether it is all. */
#define BT_DETECT_HEAD (64u * 1024)
enum bt_format bt_detect(const unsigned char *head, size_t n, bool at_eof);

extern const struct bt_reader_ops bt_reader_evtx_libevtx;
extern const struct bt_reader_ops bt_reader_evtx_native;

#endif
