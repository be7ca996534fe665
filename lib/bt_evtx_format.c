/* EVTX file and chunk header parsing and CRC checks (zlib's crc32). */
#include "config.h"

#include "bt_evtx_format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

bool bt_evtx_file_header_parse(const uint8_t *b, size_t n, struct bt_evtx_file_header *h)
{
	if (n < 128 || memcmp(b, "ElfFile", 8) != 0)
		return false;
	h->first_chunk = bt_le64(b + 8);
	h->last_chunk = bt_le64(b + 16);
	h->next_record_id = bt_le64(b + 24);
	h->minor = bt_le16(b + 36);
	h->major = bt_le16(b + 38);
	h->chunk_count = bt_le16(b + 42);
	h->flags = bt_le32(b + 120);
	h->crc_ok = (uint32_t)crc32(0, b, 120) == bt_le32(b + 124);
	return true;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

enum bt_evtx_chunk_state bt_evtx_chunk_check(const uint8_t *c, size_t n,
                                             struct bt_evtx_chunk_header *h)
{
	if (n < BT_EVTX_CHUNK_HEADER_SIZE)
		return all_zero(c, n) ? BT_CHUNK_EMPTY : BT_CHUNK_BAD_OFFSETS;
	if (memcmp(c, "ElfChnk", 8) != 0)
		return all_zero(c, n) ? BT_CHUNK_EMPTY : BT_CHUNK_BAD_MAGIC;
	h->first_record_number = bt_le64(c + 8);
	h->last_record_number = bt_le64(c + 16);
	h->first_record_id = bt_le64(c + 24);
	h->last_record_id = bt_le64(c + 32);
	h->last_record_offset = bt_le32(c + 44);
	h->free_space_offset = bt_le32(c + 48);
	h->data_crc = bt_le32(c + 52);
	h->header_crc = bt_le32(c + 124);
	uLong crc = crc32(0, c, 120);
	crc = crc32(crc, c + 128, BT_EVTX_CHUNK_HEADER_SIZE - 128);
	if ((uint32_t)crc != h->header_crc)
		return BT_CHUNK_BAD_HEADER_CRC;
	if (h->free_space_offset < BT_EVTX_CHUNK_HEADER_SIZE ||
	    h->free_space_offset > BT_EVTX_CHUNK_SIZE || h->free_space_offset > n ||
	    h->last_record_offset >= h->free_space_offset)
		return BT_CHUNK_BAD_OFFSETS;
	uint32_t dcrc = (uint32_t)crc32(0, c + BT_EVTX_CHUNK_HEADER_SIZE,
	                                h->free_space_offset - BT_EVTX_CHUNK_HEADER_SIZE);
	if (dcrc != h->data_crc)
		return BT_CHUNK_BAD_DATA_CRC;
	return BT_CHUNK_OK;
}

const char *bt_evtx_chunk_state_str(enum bt_evtx_chunk_state s)
{
	switch (s) {
	case BT_CHUNK_OK: return "ok";
	case BT_CHUNK_EMPTY: return "empty";
	case BT_CHUNK_BAD_MAGIC: return "bad chunk signature";
	case BT_CHUNK_BAD_HEADER_CRC: return "bad chunk header CRC";
	case BT_CHUNK_BAD_DATA_CRC: return "bad event records CRC";
	case BT_CHUNK_BAD_OFFSETS: return "chunk offsets outside the chunk (truncated?)";
	}
	return "?";
}

static ssize_t pread_full(int fd, uint8_t *b, size_t n, off_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, b + got, n - got, off + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

void bt_evtx_scan(int fd, const char *path, const struct bt_diag *diag,
                  struct bt_file_stats *stats)
{
	uint8_t *c = malloc(BT_EVTX_CHUNK_SIZE);
	if (!c)
		return;
	ssize_t r = pread_full(fd, c, BT_EVTX_FILE_HEADER_SIZE, 0);
	struct bt_evtx_file_header fh;
	if (r > 0 && bt_evtx_file_header_parse(c, (size_t)r, &fh)) {
		stats->dirty = (fh.flags & BT_EVTX_FLAG_DIRTY) != 0;
		if (!fh.crc_ok)
			bt_diagf(diag, BT_DIAG_WARN, path, "file header: bad CRC (header ignored)");
	}
	for (uint64_t i = 0;; i++) {
		off_t off = (off_t)(BT_EVTX_FILE_HEADER_SIZE + i * BT_EVTX_CHUNK_SIZE);
		r = pread_full(fd, c, BT_EVTX_CHUNK_SIZE, off);
		if (r <= 0)
			break;
		struct bt_evtx_chunk_header ch;
		enum bt_evtx_chunk_state s = bt_evtx_chunk_check(c, (size_t)r, &ch);
		if (s != BT_CHUNK_OK && s != BT_CHUNK_EMPTY) {
			stats->corrupt_chunks++;
			bt_diagf(diag, BT_DIAG_WARN, path, "chunk %llu (offset 0x%llx): %s",
			         (unsigned long long)i, (unsigned long long)off,
			         bt_evtx_chunk_state_str(s));
		}
		if ((size_t)r < BT_EVTX_CHUNK_SIZE)
			break;
	}
	free(c);
}
