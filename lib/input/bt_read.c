/* The events read loop: scan, filter, sink. */
#include "config.h"

#include "input/bt_read.h"

struct read_events {
	const struct bt_filter *filter;
	const struct bt_event_sink *sink;
};

static void *events_worker_new(void *ctx)
{
	return ctx;  /* nothing per thread: the filter and the sink are read-only */
}

static void events_on_event(void *w, const struct bt_event *ev, struct bt_buf *out)
{
	const struct read_events *re = w;
	if (bt_filter_pass(re->filter, ev))
		re->sink->record(re->sink->ctx, ev, out);
}

enum bt_status bt_read_events(const struct bt_scan_input *inputs, size_t n,
                              const struct bt_scan_opts *o, const struct bt_filter *filter,
                              const struct bt_event_sink *sink, const struct bt_scan_report *report)
{
	struct read_events re = {filter, sink};
	struct bt_input_opts in = *o->in;
	struct bt_scan_opts so = *o;
	if (!bt_filter_empty(filter)) {
		/* header-level criteria decide before fields are decoded */
		in.read.want_fields = bt_filter_want;
		in.read.want_ctx = (void *)filter;
	}
	so.in = &in;
	struct bt_scan_hooks h = {.worker_new = events_worker_new, .on_event = events_on_event,
	                          .ctx = &re};
	return bt_scan_run(inputs, n, &so, &h, report);
}
