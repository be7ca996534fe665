/* The read loop of commands that print events (`events`, and any later one
 * that reads events to an output): the inputs are read by bt_scan, the
 * filter keeps events (deciding before fields are decoded where it can), and
 * each kept event goes to the caller's sink, which turns it into an output
 * record. The hunt has its own loop beside it (bt_hunt_read). */
#ifndef BT_READ_H
#define BT_READ_H

#include "core/bt_buf.h"
#include "core/bt_event.h"
#include "core/bt_status.h"
#include "input/bt_filter.h"
#include "input/bt_scan.h"

/* Turns one event into output bytes. Called in reading threads, several at
 * once: it must not change shared state. */
struct bt_event_sink {
	void (*record)(void *ctx, const struct bt_event *ev, struct bt_buf *out);
	void *ctx;
};

/* Reads every input; output, diagnostics and the end of each input reach
 * `report` in input order. Returns as bt_scan_run. */
enum bt_status bt_read_events(const struct bt_scan_input *inputs, size_t n,
                              const struct bt_scan_opts *o, const struct bt_filter *filter,
                              const struct bt_event_sink *sink, const struct bt_scan_report *report);

#endif
