/* The native EVTX reader (see bt_evtx_native.c): registered in bt_input.c as
 * bt_reader_evtx_native; this header adds an entry point that reads an EVTX
 * file held in memory, for fuzzing and tests. */
#ifndef BT_EVTX_NATIVE_H
#define BT_EVTX_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/bt_event.h"
#include "io/bt_reader.h"
#include "core/bt_status.h"

/* Reads the EVTX file data[0..n) natively (no libevtx: records the native
 * decoder rejects are counted as failed, slack is not recovered) and calls
 * on_event for each event (borrowed until the callback returns). `opts` may
 * be NULL (no diagnostics, all fields). Fills *stats when not NULL. Returns
 * BT_OK, or an error when the file header is not EVTX. */
enum bt_status bt_evtx_native_mem(const uint8_t *data, size_t n, const struct bt_read_opts *opts,
                                  void (*on_event)(void *ctx, const struct bt_event *ev),
                                  void *cb_ctx, struct bt_file_stats *stats);

/* A file read in parts (bt_scan.h): each live part finds the slack-space
 * record candidates of its chunks as it reads them and leaves them here for
 * the recovered part, which then needs no second pass over the file. The
 * recovered part waits until every live part has ended; if one could not
 * leave its candidates (it did not read to its end), the recovered part walks
 * the chunks itself. bt_scan makes one per split file. */
struct bt_evtx_slack_share;
struct bt_evtx_slack_share *bt_evtx_slack_share_new(size_t live_parts);
/* Called once for each live part when it has ended, whatever became of it
 * (after its reader is closed). */
void bt_evtx_slack_share_part_ended(struct bt_evtx_slack_share *sh);
void bt_evtx_slack_share_free(struct bt_evtx_slack_share *sh);

#endif
