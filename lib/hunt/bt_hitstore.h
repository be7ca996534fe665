/* The events some rule matched, held for correlation: bounded memory, time
 * order, duplicates merged.
 *
 * Events arrive from many files in any order. They are kept packed in memory
 * up to a budget; past it, sorted runs spill to a private unlinked temporary
 * file in $TMPDIR (never beside the evidence), and reading merges the runs.
 * Reading yields hits in time order; copies of one record (the same log
 * collected twice, VSS copies, libevtx's recovered duplicates of live
 * records) come out once, with the union of the rules they matched and every
 * provenance. */
#ifndef BT_HITSTORE_H
#define BT_HITSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/bt_diag.h"
#include "core/bt_event.h"
#include "core/bt_status.h"

#define BT_HITSTORE_DEFAULT_BUDGET (256u * 1024 * 1024)
#define BT_HIT_MAX_COPIES 64        /* provenances recorded per event (more are counted) */

/* Where a copy of an event was found. */
struct bt_prov {
	char *file;                   /* owned by the hit */
	uint64_t record_id, line, offset;
	bool recovered;
};

struct bt_evidence {
	struct bt_event *ev;          /* the primary copy (a live record before a recovered one) */
	uint32_t *rules;              /* every rule it matched (owned) */
	size_t nrules;
	struct bt_prov *copies;       /* every copy, the primary first */
	size_t ncopies;
	uint64_t more_copies;         /* copies beyond BT_HIT_MAX_COPIES */
	uint64_t identity;
	size_t bytes;                 /* about what it holds in memory (for budgets) */
	unsigned refs;                /* owners; bt_evidence_free releases one */
};

/* Adds an owner to a hit (a finding that keeps it as evidence); returns h. */
struct bt_evidence *bt_evidence_ref(struct bt_evidence *h);

/* Releases one owner of a hit returned by bt_hitstore_next; the last one frees
 * it (NULL is fine). */
void bt_evidence_free(struct bt_evidence *h);

struct bt_hitstore;

/* `budget` bytes of packed events in memory (0: the default); `tmpdir` NULL
 * means /tmp. */
struct bt_hitstore *bt_hitstore_new(size_t budget, const char *tmpdir, const struct bt_diag *diag);
void bt_hitstore_free(struct bt_hitstore *hs);

/* Adds an event with the indexes of the rules it matched (thread-safe). */
enum bt_status bt_hitstore_add(struct bt_hitstore *hs, const struct bt_event *ev,
                               const uint32_t *rules, size_t nrules);

/* Ends adding; must be called once before bt_hitstore_next. */
enum bt_status bt_hitstore_seal(struct bt_hitstore *hs);

/* Yields the next hit in time order (owned by the caller) or BT_EOF. */
enum bt_status bt_hitstore_next(struct bt_hitstore *hs, struct bt_evidence **out);

/* Counters: events added, runs spilled, bytes spilled. */
uint64_t bt_hitstore_added(const struct bt_hitstore *hs);
unsigned bt_hitstore_runs(const struct bt_hitstore *hs);

#endif
