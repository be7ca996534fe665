/* libFuzzer harness: one 64 KiB chunk through the chunk-level decoder
 * (bt_bx_chunk_decode), as the parallel reader will call it. Short inputs are
 * zero-padded; the record area ends where the chunk header says, or at a
 * position taken from the input's last byte. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "evtx/bt_binxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_event(void *ctx, const struct bt_bx_record *r, const struct bt_event *ev)
{
	size_t *sum = ctx;
	(void)r;
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct bt_field *f = bt_field_need(ev, &ev->fields[i]);
		*sum += f->text_len + (unsigned char)f->text[0];
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t chunk[65536];
	static struct bt_bx_chunk *cx;
	static struct bt_evbuf eb;
	if (!cx) {
		cx = bt_bx_chunk_new();
		bt_evbuf_init(&eb);
	}
	size_t n = size < sizeof chunk ? size : sizeof chunk;
	memset(chunk, 0, sizeof chunk);
	memcpy(chunk, data, n);
	size_t sum = 0;
	struct bt_bx_sink sink = {.on_event = on_event, .ctx = &sum};
	uint32_t end = size > 0 && (data[size - 1] & 1) ? (uint32_t)(size < 65536 ? size : 65536) : 0;
	bt_bx_chunk_decode(cx, chunk, sizeof chunk, end, &eb, &sink);
	return (int)(sum & 0);
}
