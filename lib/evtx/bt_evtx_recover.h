/* Native recovery of EVTX records outside the live record walk: slack space
 * after a chunk's free space offset, chunks with a bad signature, the rest of
 * a chunk after a broken record, a file's tail. The live walk collects the
 * candidates (record signatures with a plausible size, bt_evtx_slack_scan);
 * this pass validates and decodes them:
 *  - record header: signature, size inside the chunk and its trailing copy;
 *    record id and written time plausible;
 *  - template by id (bt_binxml.h, recovery): the definition the record names
 *    when it carries the record's template id, else an intact definition of
 *    that id anywhere in the file (looked for only when some record needs
 *    it), else in another file of the same channel in the run
 *    (bt_evtx_donors.h); names checked against their hashes, values against
 *    the types the template declares;
 *  - a candidate whose content is that of a live record (or of a recovered
 *    one already given) is a copy, given once: ids restart after a clear, so
 *    content, not the id, decides.
 * A candidate that fails any check is counted with its reason, never given
 * with guessed fields. Events come in file order. */
#ifndef BT_EVTX_RECOVER_H
#define BT_EVTX_RECOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_event.h"
#include "core/bt_status.h"
#include "evtx/bt_evtx_format.h"

/* Why a candidate was not recovered. */
enum bt_evtx_unrec {
	BT_UNREC_HEADER,           /* record header damaged (size or its copy) */
	BT_UNREC_IMPLAUSIBLE,      /* record id or written time implausible */
	BT_UNREC_NO_TEMPLATE,      /* its template id is defined nowhere in the file */
	BT_UNREC_AMBIGUOUS,        /* two different templates carry its id */
	BT_UNREC_MISFIT,           /* its values do not fit its template */
	BT_UNREC_MALFORMED,        /* its binary XML is damaged */
	BT_UNREC_INCOMPLETE,       /* no channel, computer or event id once decoded */
	BT_UNREC_COUNT
};

const char *bt_evtx_unrec_str(enum bt_evtx_unrec r);

struct bt_evtx_recover_counts {
	uint64_t candidates;       /* signatures found outside the live walk */
	uint64_t inside;           /* of those, inside a record recovered (not records) */
	uint64_t recovered;        /* events given */
	uint64_t elsewhere;        /* of those, with a template found elsewhere in the file */
	uint64_t other_file;       /* ... in another file of the run's, of the same channel */
	uint64_t copies;           /* copies of a live record or of one already given */
	uint64_t unrecoverable[BT_UNREC_COUNT];
};

struct bt_evtx_recover;

struct bt_evtx_donors;
struct bt_bx_chunk;

/* Starts the pass over the file open as `fd` (read with pread) or held in
 * mem[0..size) (mem non-NULL), for the candidates in `cand` (taken: left
 * empty). Template ids found nowhere in the file are looked for in the other
 * files of its channel among `donors` (may be NULL; `self` is the file's path
 * there). `cx` is a decoder to use (NULL: its own; a borrowed one must
 * outlive the pass and is reset by it). NULL when out of memory. */
struct bt_evtx_recover *bt_evtx_recover_new(int fd, const uint8_t *mem, uint64_t size,
                                            struct bt_evtx_recmap *cand,
                                            struct bt_evtx_donors *donors, const char *self,
                                            struct bt_bx_chunk *cx);

/* Only the first `n` chunks hold live records (a closed file's header count):
 * records past them are no live records a candidate could copy. */
void bt_evtx_recover_live_chunks(struct bt_evtx_recover *rc, uint64_t n);

/* The next recovered event, decoded into `eb` (flags BT_EV_RECOVERED, and
 * BT_EV_TEMPLATE_ELSEWHERE where so; offset set): BT_OK, BT_EOF at the end,
 * BT_ERR_IO when the file could not be read (errno set; the pass ends). */
enum bt_status bt_evtx_recover_next(struct bt_evtx_recover *rc, struct bt_evbuf *eb,
                                    const struct bt_event **ev);

/* Counts so far (complete after BT_EOF). */
const struct bt_evtx_recover_counts *bt_evtx_recover_counts(const struct bt_evtx_recover *rc);

/* One line describing the counts ("12 of 15 slack-space record candidates
 * recovered (3 with ...), ..."), for a file's summary note. */
void bt_evtx_recover_summary(const struct bt_evtx_recover_counts *k, char *out, size_t cap);

/* After BT_EOF, for tests and probes: what became of each candidate, in file
 * order ("recovered", "recovered, template elsewhere", "copy", "inside a
 * record", or a reason of bt_evtx_unrec_str). */
void bt_evtx_recover_each(const struct bt_evtx_recover *rc,
                          void (*fn)(void *ctx, uint64_t offset, const char *outcome), void *ctx);

void bt_evtx_recover_free(struct bt_evtx_recover *rc);

#endif
