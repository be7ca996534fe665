/* EVTX on-disk structures shared by the EVTX readers (and the fixture writer's
 * tests): file header, chunk header and their CRC checks.
 * Layout: libyal/libevtx "Windows XML Event Log (EVTX).asciidoc". */
#ifndef BT_EVTX_FORMAT_H
#define BT_EVTX_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/bt_bytes.h"   /* bt_le16/32/64 for the readers */
#include "core/bt_diag.h"
#include "io/bt_reader.h"

#define BT_EVTX_FILE_HEADER_SIZE 4096u
#define BT_EVTX_CHUNK_SIZE 65536u
#define BT_EVTX_CHUNK_HEADER_SIZE 512u
#define BT_EVTX_FLAG_DIRTY 0x1u
#define BT_EVTX_FLAG_FULL 0x2u

struct bt_evtx_file_header {
	uint64_t first_chunk, last_chunk, next_record_id;
	uint16_t minor, major, chunk_count;
	uint32_t flags;
	bool crc_ok;
};

/* The CRC32 a file header carries at offset 124 (of its first 120 bytes). */
uint32_t bt_evtx_file_header_crc(const uint8_t *hdr);

/* Parses the 4096-byte file header; false when the signature is wrong. */
bool bt_evtx_file_header_parse(const uint8_t *b, size_t n, struct bt_evtx_file_header *h);

enum bt_evtx_chunk_state {
	BT_CHUNK_OK,
	BT_CHUNK_EMPTY,            /* all zero: never used */
	BT_CHUNK_BAD_MAGIC,
	BT_CHUNK_BAD_HEADER_CRC,
	BT_CHUNK_BAD_DATA_CRC,
	BT_CHUNK_BAD_OFFSETS,      /* free-space or last-record offset outside the chunk */
};

struct bt_evtx_chunk_header {
	uint64_t first_record_number, last_record_number;
	uint64_t first_record_id, last_record_id;
	uint32_t last_record_offset, free_space_offset;
	uint32_t data_crc, header_crc;
};

/* Checks a whole 64 KiB chunk (`n` bytes available, fewer for a truncated
 * file) and fills *h when the signature is right. */
enum bt_evtx_chunk_state bt_evtx_chunk_check(const uint8_t *c, size_t n,
                                             struct bt_evtx_chunk_header *h);

/* Both CRCs of a chunk with a signature (`n` >= 512 bytes): the header's, and
 * the event records' over [512, fso) when fso is inside the chunk (else
 * *data_ok is true: nothing to check). */
void bt_evtx_chunk_crcs(const uint8_t *c, size_t n, bool *header_ok, bool *data_ok);

/* One-line description of a chunk state ("bad header CRC"). */
const char *bt_evtx_chunk_state_str(enum bt_evtx_chunk_state s);

struct bt_evtx_recmap;

/* Reads the file header and every chunk header of an open EVTX file, reports
 * damaged chunks through `diag` and counts them in `stats` (corrupt_chunks,
 * dirty). Used by readers that do not check chunks themselves (libevtx). */
void bt_evtx_scan(int fd, const char *path, const struct bt_diag *diag,
                  struct bt_file_stats *stats);

/* Like bt_evtx_scan, and also collects live record offsets into `live` and
 * slack-space candidates into `slack` (either may be NULL). */
void bt_evtx_scan_records(int fd, const char *path, const struct bt_diag *diag,
                          struct bt_file_stats *stats, struct bt_evtx_recmap *live,
                          struct bt_evtx_recmap *slack);

/* Chunk `index` of a file open as `fd`, or held in mem[0..size) when mem is
 * not NULL: *c points at its bytes (in mem, or read into buf, 64 KiB).
 * Returns its size (less for a file cut short), 0 past the end, -1 on a read
 * error (errno set). */
ssize_t bt_evtx_chunk_fetch(int fd, const uint8_t *mem, uint64_t size, uint64_t index,
                            uint8_t *buf, const uint8_t **c);

/* pread() that retries on EINTR and short reads; returns bytes read or -1. */
ssize_t bt_evtx_pread_full(int fd, uint8_t *b, size_t n, uint64_t off);

/* Record positions by record identifier: live records of a file (so that the
 * libevtx path can report record offsets, which libevtx 20181227 does not),
 * records the native reader left to libevtx, and slack-space candidates.
 * Holds at most BT_EVTX_RECMAP_MAX entries (further ones are dropped and
 * counted in `dropped`). */
#define BT_EVTX_RECMAP_MAX (4u * 1024 * 1024)

struct bt_evtx_recpos {
	uint64_t id;
	uint64_t offset;      /* in the file; UINT64_MAX once taken */
	uint64_t aux;         /* caller's (the native reader: live record index) */
};

struct bt_evtx_recmap {
	struct bt_evtx_recpos *v;
	size_t n, cap;
	size_t dropped;
	size_t taken;
	bool sorted;
};

void bt_evtx_recmap_add(struct bt_evtx_recmap *m, uint64_t id, uint64_t offset);
void bt_evtx_recmap_add_aux(struct bt_evtx_recmap *m, uint64_t id, uint64_t offset,
                            uint64_t aux);
/* Returns the offset of the first not yet taken entry with `id` and marks it
 * taken, or UINT64_MAX when there is none. */
uint64_t bt_evtx_recmap_take(struct bt_evtx_recmap *m, uint64_t id);
/* Calls fn for every entry not taken (in id order). */
void bt_evtx_recmap_each_left(struct bt_evtx_recmap *m,
                              void (*fn)(void *ctx, uint64_t id, uint64_t offset), void *ctx);
void bt_evtx_recmap_free(struct bt_evtx_recmap *m);

/* Checks a record header at chunk offset `off` with the record area ending
 * at `end`: signature, size (at least 28, inside the area) and its trailing
 * copy. Returns the size, or 0. */
uint32_t bt_evtx_record_header(const uint8_t *c, uint32_t off, uint32_t end, uint64_t *id);

/* Looks for record signatures ("**\0\0" with a size from 28 to under 64 KiB) in chunk
 * bytes [from, n) and adds them to `m` with file offsets (chunk_off + x).
 * Returns the number found. */
size_t bt_evtx_slack_scan(const uint8_t *c, size_t n, uint32_t from, uint64_t chunk_off,
                          struct bt_evtx_recmap *m);

/* End of a chunk's record area: its free space offset, or the chunk's end
 * when that offset is outside [512, n]. */
uint32_t bt_evtx_chunk_records_end(const uint8_t *c, size_t n);

/* Walks the records of a chunk with a signature (from 512 to the end of the
 * record area, stopping at the first broken record header), adds them to `m`
 * (may be NULL) and returns the offset where the walk stopped: slack space
 * starts there. */
uint32_t bt_evtx_chunk_records(const uint8_t *c, size_t n, uint64_t chunk_off,
                               struct bt_evtx_recmap *m);

#endif
