/* libFuzzer harness: a whole EVTX file as boxtrail reads it in production:
 * opened by name from a real file (tests/fuzz/fuzz_file.h), content
 * detection, the native reader, and for what it leaves, a libevtx worker
 * process (this binary re-executed as `__evtx-worker`, as boxtrail's main
 * would); every event written as a JSONL line. Half the inputs run with a
 * field filter (only odd event ids get their fields), as hunt does. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bt_buf.h"
#include "evtx/bt_evtx_libevtx.h"
#include "input/bt_input.h"
#include "fuzz_file.h"
#include "output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((constructor)) static void worker_entry(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc >= 3 && strcmp(argv[1], "__evtx-worker") == 0)
		_exit(bt_evtx_worker_main_args(argc - 2, argv + 2, STDOUT_FILENO));
}

static bool want_odd(void *ctx, const struct bt_event *ev)
{
	(void)ctx;
	return (ev->event_id & 1) != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bt_buf b = BT_BUF_INIT;
	const char *path = fuzz_file(data, size);
	if (!path)
		return 0;
	struct bt_input_opts o = {0};
	o.evtx.worker_exe = "/proc/self/exe";
	o.evtx.worker_timeout_sec = 5;
	if (size & 1)
		o.read.want_fields = want_odd;
	struct out_opts oo = {.format = OUT_JSONL};
	struct bt_input *in;
	if (bt_input_open(path, &o, NULL, &in) == BT_OK) {
		const struct bt_event *ev;
		while (bt_input_next(in, &ev) == BT_OK) {
			for (size_t i = 0; i < ev->nfields; i++) {
				const struct bt_field *f = bt_field_need(ev, &ev->fields[i]);
				if (f->text[f->text_len] != '\0' || f->name[f->name_len] != '\0')
					abort();
			}
			bt_buf_reset(&b);
			out_event(&b, &oo, ev);
		}
		bt_input_free(in);
	}
	return 0;
}
