/* EVTX file and chunk header parsing and CRC checks (CRC32 of ISA-L, or of
 * zlib where ISA-L is missing: the same checksum). */
#include "config.h"

#include "core/bt_array.h"
#include "evtx/bt_evtx_format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_ISAL
#include <isa-l/crc.h>
#else
#include <zlib.h>
#endif

/* CRC32 (IEEE, reflected) of b[0..n) continuing from crc (0 to start). */
static uint32_t crc32_of(uint32_t crc, const uint8_t *b, size_t n)
{
#ifdef HAVE_ISAL
	return crc32_gzip_refl(crc, b, n);
#else
	return (uint32_t)crc32(crc, b, (uInt)n);
#endif
}

uint32_t bt_evtx_file_header_crc(const uint8_t *hdr)
{
	return crc32_of(0, hdr, 120);
}

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
	h->crc_ok = crc32_of(0, b, 120) == bt_le32(b + 124);
	return true;
}

enum bt_evtx_chunk_state bt_evtx_chunk_check(const uint8_t *c, size_t n,
                                             struct bt_evtx_chunk_header *h)
{
	if (n < BT_EVTX_CHUNK_HEADER_SIZE)
		return bt_all_zero(c, n) ? BT_CHUNK_EMPTY : BT_CHUNK_BAD_OFFSETS;
	if (memcmp(c, "ElfChnk", 8) != 0)
		return bt_all_zero(c, n) ? BT_CHUNK_EMPTY : BT_CHUNK_BAD_MAGIC;
	h->first_record_number = bt_le64(c + 8);
	h->last_record_number = bt_le64(c + 16);
	h->first_record_id = bt_le64(c + 24);
	h->last_record_id = bt_le64(c + 32);
	h->last_record_offset = bt_le32(c + 44);
	h->free_space_offset = bt_le32(c + 48);
	h->data_crc = bt_le32(c + 52);
	h->header_crc = bt_le32(c + 124);
	uint32_t crc = crc32_of(crc32_of(0, c, 120), c + 128, BT_EVTX_CHUNK_HEADER_SIZE - 128);
	if (crc != h->header_crc)
		return BT_CHUNK_BAD_HEADER_CRC;
	if (h->free_space_offset < BT_EVTX_CHUNK_HEADER_SIZE ||
	    h->free_space_offset > BT_EVTX_CHUNK_SIZE || h->free_space_offset > n ||
	    h->last_record_offset >= h->free_space_offset)
		return BT_CHUNK_BAD_OFFSETS;
	uint32_t dcrc = crc32_of(0, c + BT_EVTX_CHUNK_HEADER_SIZE,
	                         h->free_space_offset - BT_EVTX_CHUNK_HEADER_SIZE);
	if (dcrc != h->data_crc)
		return BT_CHUNK_BAD_DATA_CRC;
	return BT_CHUNK_OK;
}

void bt_evtx_chunk_crcs(const uint8_t *c, size_t n, bool *header_ok, bool *data_ok)
{
	uint32_t crc = crc32_of(crc32_of(0, c, 120), c + 128, BT_EVTX_CHUNK_HEADER_SIZE - 128);
	*header_ok = crc == bt_le32(c + 124);
	uint32_t fso = bt_le32(c + 48);
	*data_ok = true;
	if (fso >= BT_EVTX_CHUNK_HEADER_SIZE && fso <= BT_EVTX_CHUNK_SIZE && fso <= n)
		*data_ok = crc32_of(0, c + BT_EVTX_CHUNK_HEADER_SIZE, fso - BT_EVTX_CHUNK_HEADER_SIZE) ==
		           bt_le32(c + 52);
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

ssize_t bt_evtx_chunk_fetch(int fd, const uint8_t *mem, uint64_t size, uint64_t index,
                            uint8_t *buf, const uint8_t **c)
{
	uint64_t off = BT_EVTX_FILE_HEADER_SIZE + index * BT_EVTX_CHUNK_SIZE;
	if (off >= size)
		return 0;
	size_t n = size - off < BT_EVTX_CHUNK_SIZE ? (size_t)(size - off) : BT_EVTX_CHUNK_SIZE;
	if (mem) {
		*c = mem + off;
		return (ssize_t)n;
	}
	*c = buf;
	return bt_evtx_pread_full(fd, buf, n, off);
}

ssize_t bt_evtx_pread_full(int fd, uint8_t *b, size_t n, uint64_t off64)
{
	off_t off = (off_t)off64;
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
	bt_evtx_scan_records(fd, path, diag, stats, NULL, NULL);
}

void bt_evtx_scan_records(int fd, const char *path, const struct bt_diag *diag,
                          struct bt_file_stats *stats, struct bt_evtx_recmap *live,
                          struct bt_evtx_recmap *slack)
{
	uint8_t *c = malloc(BT_EVTX_CHUNK_SIZE);
	if (!c)
		return;
	ssize_t r = bt_evtx_pread_full(fd, c, BT_EVTX_FILE_HEADER_SIZE, 0);
	struct bt_evtx_file_header fh;
	if (r > 0 && bt_evtx_file_header_parse(c, (size_t)r, &fh)) {
		stats->dirty = (fh.flags & BT_EVTX_FLAG_DIRTY) != 0;
		if (!fh.crc_ok)
			bt_diagf(diag, BT_DIAG_WARN, path, "file header: bad CRC (header ignored)");
	}
	for (uint64_t i = 0;; i++) {
		off_t off = (off_t)(BT_EVTX_FILE_HEADER_SIZE + i * BT_EVTX_CHUNK_SIZE);
		r = bt_evtx_pread_full(fd, c, BT_EVTX_CHUNK_SIZE, (uint64_t)off);
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
		bool has_magic = (size_t)r >= BT_EVTX_CHUNK_HEADER_SIZE && memcmp(c, "ElfChnk", 8) == 0;
		if (has_magic) {
			uint32_t from = bt_evtx_chunk_records(c, (size_t)r, (uint64_t)off, live);
			if (slack)
				bt_evtx_slack_scan(c, (size_t)r, from, (uint64_t)off, slack);
		} else if (slack && s != BT_CHUNK_EMPTY) {
			bt_evtx_slack_scan(c, (size_t)r, 0, (uint64_t)off, slack);
		}
		if ((size_t)r < BT_EVTX_CHUNK_SIZE)
			break;
	}
	free(c);
}

void bt_evtx_recmap_add(struct bt_evtx_recmap *m, uint64_t id, uint64_t offset)
{
	bt_evtx_recmap_add_aux(m, id, offset, 0);
}

void bt_evtx_recmap_add_aux(struct bt_evtx_recmap *m, uint64_t id, uint64_t offset,
                            uint64_t aux)
{
	if (m->n >= BT_EVTX_RECMAP_MAX) {
		m->dropped++;
		return;
	}
	if (!bt_array_reserve(&m->v, &m->cap, m->n, sizeof *m->v, 256)) {
		m->dropped++;
		return;
	}
	if (m->n && m->v[m->n - 1].id > id)
		m->sorted = false;
	else if (m->n == 0)
		m->sorted = true;
	m->v[m->n].id = id;
	m->v[m->n].offset = offset;
	m->v[m->n].aux = aux;
	m->n++;
}

static int recpos_cmp(const void *a, const void *b)
{
	const struct bt_evtx_recpos *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static void recmap_sort(struct bt_evtx_recmap *m)
{
	if (!m->sorted && m->n > 1)
		qsort(m->v, m->n, sizeof *m->v, recpos_cmp);
	m->sorted = true;
}

uint64_t bt_evtx_recmap_take(struct bt_evtx_recmap *m, uint64_t id)
{
	recmap_sort(m);
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < m->n && m->v[lo].id == id; lo++) {
		if (m->v[lo].offset != UINT64_MAX) {
			uint64_t off = m->v[lo].offset;
			m->v[lo].offset = UINT64_MAX;
			m->taken++;
			return off;
		}
	}
	return UINT64_MAX;
}

void bt_evtx_recmap_each_left(struct bt_evtx_recmap *m,
                              void (*fn)(void *ctx, uint64_t id, uint64_t offset), void *ctx)
{
	recmap_sort(m);
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].offset != UINT64_MAX)
			fn(ctx, m->v[i].id, m->v[i].offset);
}

void bt_evtx_recmap_free(struct bt_evtx_recmap *m)
{
	free(m->v);
	memset(m, 0, sizeof *m);
}

uint32_t bt_evtx_record_header(const uint8_t *c, uint32_t off, uint32_t end, uint64_t *id)
{
	if (off > end || end - off < 28)
		return 0;
	const uint8_t *p = c + off;
	if (p[0] != '*' || p[1] != '*' || p[2] || p[3])
		return 0;
	uint32_t size = bt_le32(p + 4);
	if (size < 28 || size > end - off || bt_le32(p + size - 4) != size)
		return 0;
	*id = bt_le64(p + 8);
	return size;
}

size_t bt_evtx_slack_scan(const uint8_t *c, size_t n, uint32_t from, uint64_t chunk_off,
                          struct bt_evtx_recmap *m)
{
	size_t found = 0;
	if (n > BT_EVTX_CHUNK_SIZE)
		n = BT_EVTX_CHUNK_SIZE;
	for (size_t i = from; i + 28 <= n;) {
		const uint8_t *p = memchr(c + i, '*', n - 28 + 1 - i);
		if (!p)
			break;
		i = (size_t)(p - c);
		if (p[1] == '*' && p[2] == 0 && p[3] == 0) {
			/* a size running past the chunk (or past a file cut short) is
			 * still a record that was there: a candidate, counted when it
			 * cannot be read */
			uint32_t size = bt_le32(p + 4);
			if (size >= 28 && size < BT_EVTX_CHUNK_SIZE) {
				if (m)
					bt_evtx_recmap_add(m, bt_le64(p + 8), chunk_off + i);
				found++;
				i += 8;
				continue;
			}
		}
		i++;
	}
	return found;
}

uint32_t bt_evtx_chunk_records_end(const uint8_t *c, size_t n)
{
	if (n > BT_EVTX_CHUNK_SIZE)
		n = BT_EVTX_CHUNK_SIZE;
	uint32_t end = bt_le32(c + 48);
	if (end < BT_EVTX_CHUNK_HEADER_SIZE || end > n)
		end = (uint32_t)n;
	return end;
}

uint32_t bt_evtx_chunk_records(const uint8_t *c, size_t n, uint64_t chunk_off,
                               struct bt_evtx_recmap *m)
{
	if (n < BT_EVTX_CHUNK_HEADER_SIZE)
		return 0;
	uint32_t end = bt_evtx_chunk_records_end(c, n);
	uint32_t off = BT_EVTX_CHUNK_HEADER_SIZE;
	uint64_t id;
	uint32_t size;
	while ((size = bt_evtx_record_header(c, off, end, &id)) != 0) {
		if (m)
			bt_evtx_recmap_add(m, id, chunk_off + off);
		off += size;
	}
	return off;
}
