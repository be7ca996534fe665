/* libFuzzer harness: a whole EVTX file through the native reader, in memory
 * (bt_evtx_native_mem: no libevtx, no worker process), every event written as
 * a JSONL line. Many times faster than fuzz_evtx_file, which reads a real
 * file as production does: this one goes deep into the decoder, that one
 * covers the file path and the hand-off to libevtx. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/bt_buf.h"
#include "evtx/bt_evtx_native.h"
#include "output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool want_odd(void *ctx, const struct bt_event *ev)
{
	(void)ctx;
	return (ev->event_id & 1) != 0;
}

static void on_event(void *ctx, const struct bt_event *ev)
{
	struct bt_buf *b = ctx;
	struct out_opts o = {.format = OUT_JSONL};
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct bt_field *f = bt_field_need(ev, &ev->fields[i]);
		if (f->text[f->text_len] != '\0' || f->name[f->name_len] != '\0')
			abort();
	}
	bt_buf_reset(b);
	out_event(b, &o, ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bt_buf b = BT_BUF_INIT;
	struct bt_read_opts opts = {0};
	if (size & 1) {
		opts.want_fields = want_odd;
	}
	struct bt_file_stats st;
	bt_evtx_native_mem(data, size, &opts, on_event, &b, &st);
	return 0;
}
