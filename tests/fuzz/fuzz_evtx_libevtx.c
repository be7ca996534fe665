/* libFuzzer harness: a whole EVTX file through the libevtx reader as boxtrail
 * runs it in production: libevtx in a worker process (this binary, re-executed
 * as `__evtx-worker`), records streamed back over a pipe and parsed here.
 * libevtx itself is not instrumented and may crash on hostile input: that
 * must cost only the worker, never this process. Slow (a process per input):
 * CI gives it a short run. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evtx/bt_evtx_libevtx.h"
#include "input/bt_input.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The worker side: before libFuzzer's main, as boxtrail's main would. */
__attribute__((constructor)) static void worker_entry(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc >= 3 && strcmp(argv[1], "__evtx-worker") == 0)
		_exit(bt_evtx_worker_main_args(argc - 2, argv + 2, STDOUT_FILENO));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size);
	if (!path)
		return 0;
	struct bt_input_opts o = {0};
	o.evtx.reader = BT_EVTX_READER_LIBEVTX;
	o.evtx.worker_exe = "/proc/self/exe";
	o.evtx.worker_timeout_sec = 5;
	struct bt_input *in;
	if (bt_input_open(path, &o, NULL, &in) == BT_OK) {
		const struct bt_event *ev;
		while (bt_input_next(in, &ev) == BT_OK) {
			for (size_t i = 0; i < ev->nfields; i++) {
				const struct bt_field *f = bt_field_need(ev, &ev->fields[i]);
				if (f->text[f->text_len] != '\0' || f->name[f->name_len] != '\0')
					abort();
			}
		}
		bt_input_free(in);
	}
	return 0;
}
