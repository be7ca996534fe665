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
#include "docker/bt_docker_winevt.h"
#include "evtx/bt_evtx.h"
#include "io/bt_reader.h"

/* Everything reading takes: what every reader is told, each format's own
 * options, and where standard input is spooled. */
/* A host the analyst gives the evidence under a path (--assume-host
 * PATH=NAME): for the files there that name none. */
struct bt_assume_host {
	const char *path;              /* as given */
	const char *real;              /* resolved (NULL: could not be) */
	const char *name;
};

struct bt_input_opts {
	struct bt_read_opts read;      /* read.assume_host: for every other input */
	struct bt_evtx_opts evtx;
	struct bt_docker_opts docker;
	const char *tmpdir;            /* where to spool EVTX and journal files from stdin and
	                                  copy journal files libsystemd cannot open as they
	                                  are (NULL: /tmp) */
	const struct bt_assume_host *assume;   /* the longest path that holds an input wins */
	size_t nassume;
};

struct bt_input;

/* Opens `path` ("-" for standard input) and detects its format by content.
 * Returns BT_OK and sets *out; BT_ERR_UNSUPPORTED when the content is not a
 * known evidence format (nothing is reported); other errors are reported via
 * opts->diag. `opts` must outlive the input. */
enum bt_status bt_input_open(const char *path, const struct bt_input_opts *opts,
                             const struct bt_part *part, struct bt_input **out);

/* Plans the reading of a regular file: when its format's reader reads large
 * inputs in parts (bt_reader_ops.plan), calls add for each part in reading
 * order and sets *ops to that reader (for part_ended / shared_free).
 * Otherwise adds nothing and leaves *ops NULL: the input is read whole.
 * *size is the file's size (0 when it is not a regular file). False: out of
 * memory. Nothing is reported: opening the input reports its problems. */
bool bt_input_plan(const char *path, const struct bt_input_opts *opts, uint64_t split,
                   bt_part_fn add, void *ctx, const struct bt_reader_ops **ops, uint64_t *size);

/* Yields the next event in file order: BT_OK with *ev set, BT_EOF at the end,
 * or an error status when the rest of the input is lost (already reported). */
enum bt_status bt_input_next(struct bt_input *in, const struct bt_event **ev);

/* Anomalies beyond the thresholds, in file order (at most BT_MAX_ANOMALIES). */
const struct bt_anomaly *bt_input_anomalies(const struct bt_input *in, size_t *n);

enum bt_format bt_input_format(const struct bt_input *in);
const char *bt_input_path(const struct bt_input *in);
const struct bt_file_stats *bt_input_stats(const struct bt_input *in);

/* Closes the input; NULL is accepted. */
void bt_input_free(struct bt_input *in);

#endif
