/* EVTX on-disk structures shared by the EVTX readers (and the fixture writer's
 * tests): file header, chunk header and their CRC checks.
 * Layout: libyal/libevtx "Windows XML Event Log (EVTX).asciidoc". */
#ifndef BT_EVTX_FORMAT_H
#define BT_EVTX_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bt_diag.h"
#include "bt_input.h"

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

/* One-line description of a chunk state ("bad header CRC"). */
const char *bt_evtx_chunk_state_str(enum bt_evtx_chunk_state s);

/* Reads the file header and every chunk header of an open EVTX file, reports
 * damaged chunks through `diag` and counts them in `stats` (corrupt_chunks,
 * dirty). Used by readers that do not check chunks themselves (libevtx). */
void bt_evtx_scan(int fd, const char *path, const struct bt_diag *diag,
                  struct bt_file_stats *stats);

static inline uint16_t bt_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t bt_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t bt_le64(const uint8_t *p)
{
	return (uint64_t)bt_le32(p) | (uint64_t)bt_le32(p + 4) << 32;
}

#endif
