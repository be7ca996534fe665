/* Small byte-level helpers shared across layers: little-endian reads of
 * on-disk structures, an all-zero test and the FNV-1a hash of hash tables
 * (header-only, inline). */
#ifndef BT_BYTES_H
#define BT_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint16_t bt_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t bt_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t bt_le64(const uint8_t *p)
{
	return (uint64_t)bt_le32(p) | (uint64_t)bt_le32(p + 4) << 32;
}

/* Whether every byte of p[0..n) is zero (true for n == 0). */
static inline bool bt_all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* FNV-1a of p[0..n), and of a string up to its NUL: for hash tables. */
static inline size_t bt_hash_mem(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}
static inline size_t bt_hash_str(const char *s)
{
	size_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

#endif
