/* libFuzzer harness: binary systemd journal files. The input is written to a
 * real file (tests/fuzz/fuzz_file.h) with the journal signature put in front
 * when it lacks it, so that every input reaches the journal file reader
 * (libsystemd's sd-journal) through content detection, as evidence would;
 * each event must be well formed. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input/bt_input.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(const struct bt_event *ev)
{
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct bt_field *f = &ev->fields[i];
		if (f->value[f->value_len] != '\0' || f->name[f->name_len] != '\0')
			abort();
	}
	struct bt_event *c = bt_event_clone(ev);
	if (c && c->nfields != ev->nfields)
		abort();
	free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *buf;
	static size_t cap;
	if (size < 8 || memcmp(data, "LPKSHHRH", 8) != 0) {
		if (size + 8 > cap) {
			uint8_t *nb = realloc(buf, size + 8);
			if (!nb)
				return 0;
			buf = nb;
			cap = size + 8;
		}
		memcpy(buf, "LPKSHHRH", 8);
		memcpy(buf + 8, data, size);
		data = buf;
		size += 8;
	}
	const char *path = fuzz_file(data, size);
	if (!path)
		return 0;
	struct bt_input_opts o = {0};
	o.read.assume_host = "fuzzhost";
	struct bt_input *in;
	if (bt_input_open(path, &o, NULL, &in) == BT_OK) {
		const struct bt_event *ev;
		while (bt_input_next(in, &ev) == BT_OK)
			check_event(ev);
		bt_input_free(in);
	}
	return 0;
}
