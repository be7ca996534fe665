/* libFuzzer harness: binary systemd journal files. The input is written to a
 * real file (tests/fuzz/fuzz_file.h) with the journal signature put in front
 * when it lacks it, so that every input reaches the journal file reader
 * through content detection, as evidence would; each event must be well
 * formed. libsystemd runs as in production, in a worker: the boxtrail binary
 * of the same build (../../src/boxtrail beside this harness), whose crashes
 * inside libsystemd the reader survives (systemd 252 aborts on some damaged
 * compressed fields). A worker that a sanitizer stopped (our own code in it:
 * header checks, copies, the entry-array walk, frames) exits 77, which the
 * reader reports; that fails the input. Without the binary, libsystemd runs
 * in-process and its own aborts count as crashes. */
#include "config.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input/bt_input.h"
#include "fuzz_event.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char worker[PATH_MAX];
static bool worker_failed;

static void on_diag(void *ctx, enum bt_diag_level level, const char *file, const char *msg)
{
	(void)ctx;
	(void)level;
	(void)file;
	if (strstr(msg, "ended unexpectedly (status 77)"))
		worker_failed = true;
}

/* Finds the worker binary and makes sanitizer reports in it exit 77. */
static void setup(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return;
	*slash = '\0';
	char cand[PATH_MAX];
	if (snprintf(cand, sizeof cand, "%s/../../src/boxtrail", self) >= (int)sizeof cand ||
	    access(cand, X_OK) != 0 || !realpath(cand, worker)) {
		worker[0] = '\0';
		return;
	}
	static const char *const vars[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS"};
	for (size_t i = 0; i < 2; i++) {
		const char *old = getenv(vars[i]);
		char v[1024];
		snprintf(v, sizeof v, "%s%sexitcode=77", old && *old ? old : "", old && *old ? ":" : "");
		setenv(vars[i], v, 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	static uint8_t *buf;
	static size_t cap;
	if (!init) {
		setup();
		init = true;
	}
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
	o.read.diag.fn = on_diag;
	o.evtx.worker_exe = worker[0] ? worker : NULL;
	o.evtx.worker_timeout_sec = 20;
	worker_failed = false;
	struct bt_input *in;
	if (bt_input_open(path, &o, NULL, &in) == BT_OK) {
		const struct bt_event *ev;
		while (bt_input_next(in, &ev) == BT_OK)
			fuzz_check_event(ev);
		bt_input_free(in);
	}
	if (worker_failed) {
		fprintf(stderr, "journal worker stopped by a sanitizer (run the worker on the input: "
		                "%s __journal-worker 3 3<INPUT)\n", worker);
		abort();
	}
	return 0;
}
