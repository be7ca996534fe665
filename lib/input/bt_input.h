/* One evidence input (a file or standard input): format detection and the
 * reader that turns it into a stream of normalised events.
 *
 *   bt_input_open() -> bt_input_next()* -> bt_input_stats() -> bt_input_free()
 *
 * Per-record problems are reported through the diag callback and counted in
 * the stats; the stream then goes on with the next record. */
#ifndef BT_INPUT_H
#define BT_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bt_diag.h"
#include "core/bt_event.h"
#include "core/bt_status.h"

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
	BT_FORMAT_COUNT
};

/* Stable lower-case name of a format ("evtx", "dockerd-text", ...). */
const char *bt_format_name(enum bt_format f);

/* Which EVTX reader to use. */
enum bt_evtx_reader {
	BT_EVTX_READER_AUTO = 0,     /* the fastest available */
	BT_EVTX_READER_LIBEVTX,
};

/* Integrity summary of one input. */
struct bt_file_stats {
	enum bt_format format;
	uint64_t bytes;              /* size of the input as read */
	uint64_t records;            /* events emitted from live records / lines */
	uint64_t recovered;          /* events emitted from EVTX slack space */
	uint64_t failed;             /* live records or lines that could not be read */
	uint64_t recovered_failed;   /* slack-space record candidates that could not be read */
	uint64_t libevtx_read;       /* live records the native reader left to libevtx, read by it */
	uint64_t corrupt_chunks;     /* EVTX chunks rejected (bad signature or CRC) */
	uint64_t id_gaps;            /* live records whose id does not follow the previous one */
	uint64_t time_backwards;     /* live records older than their predecessor */
	int64_t max_backwards;       /* largest such step, in bt_time ticks */
	uint64_t lines;              /* text inputs: lines seen */
	uint64_t skipped;            /* lines recognised as not events (e.g. blank, other programs) */
	/* The file as it was opened, to tell whether it changed while it was read
	 * (and whether a hash taken later is of the bytes read). */
	bool have_identity;
	uint64_t dev, ino, size_at_open;
	int64_t mtime_ns, ctime_ns;
	bool changed;                /* size, times or inode differed when reading ended */
	bool dirty;                  /* EVTX header dirty flag */
	bool unreadable;             /* the input could not be read at all */
	bool incomplete;             /* reading stopped early (crash, hang, I/O error, cap) */
	/* The live EVTX records at either end of what was read, so that parts of
	 * one file read separately (--jobs) join into the same counts. */
	bool have_ends;
	uint64_t first_id, last_id, first_offset;
	bt_time first_time, last_time;
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

/* Which records of an EVTX file to read (a file is split into parts that
 * are read side by side; see bt_scan.h). */
enum bt_evtx_part {
	BT_EVTX_PART_ALL = 0,        /* live records, then those recovered from slack space */
	BT_EVTX_PART_LIVE,           /* live records of chunks [chunk_first, +chunk_count) */
	BT_EVTX_PART_RECOVERED,      /* only records recovered from slack space */
};

struct bt_evtx_slack_share;   /* bt_evtx_native.h */

struct bt_input_opts {
	struct bt_diag diag;
	enum bt_evtx_part evtx_part;
	uint64_t evtx_chunk_first;     /* BT_EVTX_PART_LIVE: first chunk (0-based) */
	uint64_t evtx_chunk_count;     /* BT_EVTX_PART_LIVE: chunks to read (0: to the end) */
	/* A split file's slack candidates, passed from its live parts (the
	 * evtx_part_index-th of them) to its recovered part; NULL: none */
	struct bt_evtx_slack_share *evtx_slack_share;
	size_t evtx_part_index;
	/* Optional: decides after the System part of an EVTX record (time, ids,
	 * channel, provider) whether its fields are needed; NULL means always. */
	bool (*want_fields)(void *ctx, const struct bt_event *ev);
	void *want_ctx;
	/* Path of an executable that serves `__evtx-worker FILE` (the boxtrail
	 * binary itself): libevtx then runs in a child process, so that a crash
	 * or hang inside it costs only that file. NULL runs libevtx in-process. */
	const char *worker_exe;
	unsigned worker_timeout_sec;   /* no progress for this long kills the worker (0 = 120) */
	enum bt_evtx_reader evtx_reader;
	const char *assume_host;       /* host for Docker evidence that names none */
	/* Windows service name of dockerd: the provider of its Application log
	 * events (NULL: "docker", dockerd's default) */
	const char *docker_service_name;
	const char *tmpdir;            /* where to spool EVTX from stdin (NULL: $TMPDIR or /tmp) */
};

struct bt_input;

/* Opens evidence for reading: read-only, close-on-exec, and with O_NOATIME
 * where the kernel allows it (files we own, or as root), so that reading
 * does not even change the access time. Returns the descriptor or -1. */
int bt_open_evidence(const char *path);

/* Opens `path` ("-" for standard input) and detects its format by content.
 * Returns BT_OK and sets *out; BT_ERR_UNSUPPORTED when the content is not a
 * known evidence format (nothing is reported); other errors are reported via
 * opts->diag. `opts` must outlive the input. */
enum bt_status bt_input_open(const char *path, const struct bt_input_opts *opts,
                             struct bt_input **out);

/* Yields the next event in file order: BT_OK with *ev set, BT_EOF at the end,
 * or an error status when the rest of the input is lost (already reported). */
enum bt_status bt_input_next(struct bt_input *in, const struct bt_event **ev);

/* Adds the counts of a later part of the same file to *acc (records,
 * failures, corrupt chunks...), joining the integrity checks across the
 * boundary; anomalies likewise into acc_anom (at most BT_MAX_ANOMALIES). */
void bt_file_stats_merge(struct bt_file_stats *acc, struct bt_anomaly *acc_anom, size_t *acc_n,
                         const struct bt_file_stats *part, const struct bt_anomaly *part_anom,
                         size_t part_n);

/* True when `sb` (a stat of the file now) shows the file as it was opened:
 * same device, inode, size, modification and change times. */
struct stat;
bool bt_file_identity_same(const struct bt_file_stats *st, const struct stat *sb);

/* Anomalies beyond the thresholds, in file order (at most BT_MAX_ANOMALIES). */
const struct bt_anomaly *bt_input_anomalies(const struct bt_input *in, size_t *n);

enum bt_format bt_input_format(const struct bt_input *in);
const char *bt_input_path(const struct bt_input *in);
const struct bt_file_stats *bt_input_stats(const struct bt_input *in);

/* Closes the input; NULL is accepted. */
void bt_input_free(struct bt_input *in);

#endif
