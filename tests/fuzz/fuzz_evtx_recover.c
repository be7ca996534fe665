/* libFuzzer harness: the recovery pass (bt_evtx_recover) over chunks whose
 * every record signature counts as a candidate, as if the whole record area
 * were slack space: template checks by id, name hashes, value fits, the
 * search for definitions elsewhere in the file (the input is up to a few
 * chunks), copies of live records. Inputs are chunk bytes (64 KiB each; the
 * last one zero-padded) behind a fixed file header, so that seeds are the
 * evtx_chunk ones and mutations land inside chunks. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evtx/bt_evtx_format.h"
#include "evtx/bt_evtx_recover.h"
#include "fuzz_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CHUNKS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t file[BT_EVTX_FILE_HEADER_SIZE + MAX_CHUNKS * BT_EVTX_CHUNK_SIZE];
	static struct bt_evbuf eb;
	static bool init;
	if (!init) {
		bt_evbuf_init(&eb);
		init = true;
	}
	if (size > MAX_CHUNKS * BT_EVTX_CHUNK_SIZE)
		size = MAX_CHUNKS * BT_EVTX_CHUNK_SIZE;
	size_t chunks = size ? (size + BT_EVTX_CHUNK_SIZE - 1) / BT_EVTX_CHUNK_SIZE : 1;
	size_t n = BT_EVTX_FILE_HEADER_SIZE + chunks * BT_EVTX_CHUNK_SIZE;
	memset(file, 0, n);
	memcpy(file, "ElfFile", 8);
	memcpy(file + BT_EVTX_FILE_HEADER_SIZE, data, size);
	struct bt_evtx_recmap cand;
	memset(&cand, 0, sizeof cand);
	for (size_t c = 0; c < chunks; c++) {
		uint64_t off = BT_EVTX_FILE_HEADER_SIZE + c * BT_EVTX_CHUNK_SIZE;
		bt_evtx_slack_scan(file + off, BT_EVTX_CHUNK_SIZE, BT_EVTX_CHUNK_HEADER_SIZE, off, &cand);
	}
	struct bt_evtx_recover *rc = bt_evtx_recover_new(-1, file, n, &cand, NULL, NULL, NULL);
	if (!rc) {
		bt_evtx_recmap_free(&cand);
		return 0;
	}
	const struct bt_event *ev;
	uint64_t given = 0;
	while (bt_evtx_recover_next(rc, &eb, &ev) == BT_OK) {
		fuzz_check_event(ev);
		/* never without the System part the pass promises */
		if (!(ev->flags & BT_EV_RECOVERED) || !ev->channel || !ev->host)
			abort();
		given++;
	}
	const struct bt_evtx_recover_counts *k = bt_evtx_recover_counts(rc);
	uint64_t bad = 0;
	for (int r = 0; r < BT_UNREC_COUNT; r++)
		bad += k->unrecoverable[r];
	/* every candidate is accounted for once */
	if (k->recovered != given || given + bad + k->copies + k->inside != k->candidates)
		abort();
	bt_evtx_recover_free(rc);
	return 0;
}
