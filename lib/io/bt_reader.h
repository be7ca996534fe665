/* What every evidence reader shares, and nothing above it: the formats, the
 * integrity counters of one input, the options every reader takes, the parts
 * a large input is read in, and the interface a reader implements.
 *
 * The dispatcher (input/bt_input.c) owns the file descriptor, the text
 * stream, the event builder and the counters; a reader turns them into
 * events. To add a format: write a reader with these ops in its own folder,
 * teach input/bt_detect.c to recognise it, and register it in
 * input/bt_input.c's table. */
#ifndef BT_READER_H
#define BT_READER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_diag.h"
#include "core/bt_event.h"
#include "core/bt_status.h"
#include "io/bt_stream.h"

/* Evidence formats, recognised by content. */
enum bt_format {
	BT_FORMAT_UNKNOWN = 0,
	BT_FORMAT_EVTX,
	BT_FORMAT_DOCKERD_TEXT,      /* logrus text, terminal or syslog-prefixed */
	BT_FORMAT_DOCKERD_JSON,      /* dockerd --log-format json */
	BT_FORMAT_JOURNALD_JSON,
	BT_FORMAT_DOCKER_EVENTS,
	BT_FORMAT_DOCKER_DESKTOP,
	BT_FORMAT_DOCKER_CONFIG,     /* containers/<id>/config.v2.json or legacy config.json */
	BT_FORMAT_CONTAINER_LOG,     /* containers/<id>/<id>-json.log */
	BT_FORMAT_IMAGE_CONFIG,      /* image/<driver>/imagedb/content/sha256/<digest> */
	BT_FORMAT_DOCKER_HOSTCONFIG, /* containers/<id>/hostconfig.json (read with its config) */
	BT_FORMAT_HOST_CONFIG,       /* etc/hostname, etc/hosts, netplan, `ip addr` output */
	BT_FORMAT_JOURNAL_FILE,      /* binary systemd journal file (*.journal, *.journal~) */
	BT_FORMAT_DOCKER_DESKTOP_INIT, /* Docker Desktop log/vm/init.log (JSON lines, component) */
	BT_FORMAT_ESXI_LOG,          /* ESXi hostd, shell, auth, esxupdate, vobd, syslog logs */
	BT_FORMAT_COUNT
};

/* Stable lower-case name of a format ("evtx", "dockerd-text", ...). */
const char *bt_format_name(enum bt_format f);

/* Integrity summary of one input. */
struct bt_file_stats {
	enum bt_format format;
	uint64_t bytes;              /* size of the input as read */
	uint64_t records;            /* events emitted from live records / lines */
	uint64_t recovered;          /* events emitted from EVTX slack space */
	uint64_t failed;             /* live records or lines that could not be read */
	uint64_t recovered_failed;   /* slack-space record candidates that could not be read */
	uint64_t recovered_copies;   /* slack-space copies of records given once (not counted again) */
	uint64_t libevtx_read;       /* live records the native reader left to libevtx, read by it */
	uint64_t libevtx_started;    /* times libevtx was started for the file (a worker process,
	                              * or in-process with --no-isolation) */
	uint64_t corrupt_chunks;     /* EVTX chunks rejected (bad signature or CRC) */
	uint64_t sparse_chunks;      /* EVTX chunks in holes of a sparse file: zero, not read */
	uint64_t id_gaps;            /* live records whose id does not follow the previous one */
	uint64_t time_backwards;     /* live records older than their predecessor */
	int64_t max_backwards;       /* largest such step, in bt_time ticks */
	uint64_t lines;              /* text inputs: lines seen; journal files: entries */
	uint64_t skipped;            /* lines recognised as not events (e.g. blank, other programs) */
	/* The file as it was opened, to tell whether it changed while it was read
	 * (and whether a hash taken later is of the bytes read). */
	bool have_identity;
	uint64_t dev, ino, size_at_open;
	int64_t mtime_ns, ctime_ns;
	bool changed;                /* size, times or inode differed when reading ended */
	bool dirty;                  /* EVTX header dirty flag; journal file left online */
	bool unreadable;             /* the input could not be read at all */
	bool incomplete;             /* reading stopped early (crash, hang, I/O error, cap) */
	/* The live EVTX records at either end of what was read, so that parts of
	 * one file read separately (--jobs) join into the same counts. */
	bool have_ends;
	uint64_t first_id, last_id, first_offset;
	bt_time first_time, last_time;
	/* The earliest and latest time of the input's live events of any kind:
	 * the span its log covers (have_span: some event had a time). */
	bool have_span;
	bt_time span_first, span_last;
};

/* An integrity anomaly inside one log, kept for the hunt's synthetic events. */
enum bt_anomaly_kind { BT_ANOMALY_ID_GAP, BT_ANOMALY_TIME_BACKWARDS };

struct bt_anomaly {
	enum bt_anomaly_kind kind;
	bt_time time;            /* of the record after the anomaly */
	bt_time prev_time;
	uint64_t prev_id, id;    /* record ids around it */
	uint64_t offset;         /* of the record after the anomaly */
};

/* Anomalies recorded per input (the counts in the stats go on past it). */
#define BT_MAX_ANOMALIES 64
/* Thresholds: a forward record-id jump of at least this many missing
 * records; a step back in time larger than this. EVTX records are written
 * by several threads, so small backward steps are normal. */
#define BT_ANOMALY_MIN_GAP 1
#define BT_ANOMALY_MIN_BACKWARDS (3600LL * BT_TICKS_PER_SEC)

/* Adds the counts of a later part of the same file to *acc (records,
 * failures, corrupt chunks...), joining the integrity checks across the
 * boundary; anomalies likewise into acc_anom (at most BT_MAX_ANOMALIES). */
void bt_file_stats_merge(struct bt_file_stats *acc, struct bt_anomaly *acc_anom, size_t *acc_n,
                         const struct bt_file_stats *part, const struct bt_anomaly *part_anom,
                         size_t part_n);

struct stat;
/* Notes the file's identity (device, inode, size, times) as opened. */
void bt_file_identity_set(struct bt_file_stats *st, const struct stat *sb);
/* True when `sb` (a stat of the file now) shows the file as it was opened:
 * same device, inode, size, modification and change times. */
bool bt_file_identity_same(const struct bt_file_stats *st, const struct stat *sb);

/* Opens evidence for reading: read-only, close-on-exec, and with O_NOATIME
 * where the kernel allows it (files we own, or as root), so that reading
 * does not even change the access time. Returns the descriptor or -1. */
int bt_open_evidence(const char *path);

/* What every reader is told. */
struct bt_read_opts {
	struct bt_diag diag;
	/* Optional: decides after the header of a record (time, ids, channel,
	 * provider) whether its fields are needed; NULL means always. */
	bool (*want_fields)(void *ctx, const struct bt_event *ev);
	void *want_ctx;
	const char *assume_host;         /* host for evidence that names none */
};

/* A piece of one input that can be read on its own: a large EVTX file is read
 * in ranges of chunks side by side. A format's planner fills it; the
 * scheduler only keeps it and hands it back to the reader. */
struct bt_part {
	unsigned kind;           /* 0: the whole input; else the format's own */
	uint64_t first, count;   /* the format's range (EVTX: chunks) */
	uint64_t bytes;          /* input bytes it stands for (progress) */
	void *shared;            /* what the parts of one input share (ops->shared_free) */
	size_t index;            /* among the parts that share it */
};

#define BT_READER_HEAD 4096u   /* first bytes the dispatcher hands a reader */

struct bt_reader_ctx {
	const char *path;                 /* for provenance and diagnostics ("-" = stdin) */
	const char *open_path;            /* what to open by name (a spool copy for stdin) */
	int fd;                           /* read-only; owned by the dispatcher */
	struct bt_stream *stream;         /* text readers: positioned at the start */
	const struct bt_read_opts *opts;
	const void *format_opts;          /* the reader's own options (its header says which) */
	const struct bt_part *part;       /* the part to read (kind 0: all of it) */
	struct bt_file_stats *stats;
	struct bt_evbuf *eb;              /* fill with bt_evbuf_reset/add/done */
	const unsigned char *head;        /* the first head_len bytes of the file as the
	                                     dispatcher read them (NULL: not read), so that a
	                                     reader by descriptor need not read them again */
	size_t head_len;                  /* at most BT_READER_HEAD */
};

/* A reader's warnings about damaged lines or records: the first `max` of an
 * input are shown (*n counts all of them), bt_reader_warn_summary says how
 * many more there were. */
void bt_reader_warn(struct bt_reader_ctx *ctx, unsigned *n, unsigned max, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;
void bt_reader_vwarn(struct bt_reader_ctx *ctx, unsigned *n, unsigned max, const char *fmt,
                     va_list ap);
void bt_reader_warn_summary(struct bt_reader_ctx *ctx, unsigned n, unsigned max);

/* Called by a planner for each part, in reading order; false: out of memory. */
typedef bool (*bt_part_fn)(void *ctx, const struct bt_part *p);

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
	/* Optional, for inputs worth reading in parts: `head` holds the first
	 * `n` bytes of a regular file of `size` bytes. Calls add for each part
	 * of about `split` units of the format (the cut never depends on the
	 * number of threads), or not at all to read the input whole. False:
	 * out of memory (parts already added are then freed by the caller). */
	bool (*plan)(const unsigned char *head, size_t n, uint64_t size, uint64_t split,
	             bt_part_fn add, void *ctx);
	uint64_t plan_min_size;           /* smaller inputs are read whole without asking */
	/* Optional: a part's reading ended, whatever became of it (after close). */
	void (*part_ended)(const struct bt_part *p);
	/* Frees what a plan's parts share (called once, by the part of index 0). */
	void (*shared_free)(void *shared);
};

#endif
