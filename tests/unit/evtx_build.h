/* A small EVTX writer for the decoder's unit tests: builds chunks with
 * templates, records and substitution values byte by byte (names always
 * inline), and files from chunks. Test-only; no error handling beyond
 * asserting that a chunk does not overflow. */
#ifndef TESTS_EVTX_BUILD_H
#define TESTS_EVTX_BUILD_H

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct eb_chunk {
	uint8_t c[65536];
	uint32_t n;              /* write position */
	uint32_t stack[128];     /* element size fields to patch */
	uint32_t astack[128];    /* attribute list size fields (0 = none) */
	int depth;
	uint32_t rec_start, tmpl_size_at, tmpl_data_at;
	uint64_t first_id, last_id;
	uint32_t last_rec;
	int nrec;
};

static inline void eb_u8(struct eb_chunk *k, uint8_t v)
{
	assert(k->n < sizeof k->c);
	k->c[k->n++] = v;
}
static inline void eb_u16(struct eb_chunk *k, uint16_t v) { eb_u8(k, v & 0xff); eb_u8(k, v >> 8); }
static inline void eb_u32(struct eb_chunk *k, uint32_t v)
{
	eb_u16(k, v & 0xffff);
	eb_u16(k, v >> 16);
}
static inline void eb_u64(struct eb_chunk *k, uint64_t v)
{
	eb_u32(k, (uint32_t)v);
	eb_u32(k, (uint32_t)(v >> 32));
}
static inline void eb_put32(struct eb_chunk *k, uint32_t at, uint32_t v)
{
	k->c[at] = v & 0xff;
	k->c[at + 1] = (v >> 8) & 0xff;
	k->c[at + 2] = (v >> 16) & 0xff;
	k->c[at + 3] = (v >> 24) & 0xff;
}
static inline void eb_bytes(struct eb_chunk *k, const void *p, size_t n)
{
	assert(k->n + n <= sizeof k->c);
	memcpy(k->c + k->n, p, n);
	k->n += (uint32_t)n;
}
/* ASCII text as UTF-16LE code units (no terminator). */
static inline void eb_utf16(struct eb_chunk *k, const char *s)
{
	for (; *s; s++)
		eb_u16(k, (uint8_t)*s);
}

static inline void eb_init(struct eb_chunk *k)
{
	memset(k, 0, sizeof *k);
	k->n = 512;
}

/* A name reference defined inline. */
static inline void eb_name(struct eb_chunk *k, const char *s)
{
	eb_u32(k, k->n + 4);
	eb_u32(k, 0);
	eb_u16(k, 0);
	eb_u16(k, (uint16_t)strlen(s));
	eb_utf16(k, s);
	eb_u16(k, 0);
}

static inline void eb_open(struct eb_chunk *k, const char *name, int attrs)
{
	eb_u8(k, attrs ? 0x41 : 0x01);
	eb_u16(k, 0xffff);
	k->stack[k->depth] = k->n;
	eb_u32(k, 0);
	eb_name(k, name);
	k->astack[k->depth] = 0;
	if (attrs) {
		k->astack[k->depth] = k->n;
		eb_u32(k, 0);
	}
	k->depth++;
}
static inline void eb_fin_attrs(struct eb_chunk *k)
{
	uint32_t a = k->astack[k->depth - 1];
	if (a)
		eb_put32(k, a, k->n - a - 4);
}
static inline void eb_close_start(struct eb_chunk *k) { eb_fin_attrs(k); eb_u8(k, 0x02); }
static inline void eb_close_empty(struct eb_chunk *k)
{
	eb_fin_attrs(k);
	eb_u8(k, 0x03);
	k->depth--;
	eb_put32(k, k->stack[k->depth], k->n - k->stack[k->depth] - 4);
}
static inline void eb_end(struct eb_chunk *k)
{
	eb_u8(k, 0x04);
	k->depth--;
	eb_put32(k, k->stack[k->depth], k->n - k->stack[k->depth] - 4);
}
static inline void eb_attr(struct eb_chunk *k, const char *name)
{
	eb_u8(k, 0x06);
	eb_name(k, name);
}
static inline void eb_text(struct eb_chunk *k, const char *s)
{
	eb_u8(k, 0x05);
	eb_u8(k, 0x01);
	eb_u16(k, (uint16_t)strlen(s));
	eb_utf16(k, s);
}
static inline void eb_sub(struct eb_chunk *k, uint16_t idx, uint8_t type, int optional)
{
	eb_u8(k, optional ? 0x0e : 0x0d);
	eb_u16(k, idx);
	eb_u8(k, type);
}
static inline void eb_fragment_header(struct eb_chunk *k)
{
	eb_u8(k, 0x0f);
	eb_u8(k, 1);
	eb_u8(k, 1);
	eb_u8(k, 0);
}

/* Starts a template instance with an inline definition; returns the
 * definition's offset. Write the body, then eb_template_end(). */
static inline uint32_t eb_template_begin(struct eb_chunk *k)
{
	eb_u8(k, 0x0c);
	eb_u8(k, 1);
	eb_u32(k, 0);
	uint32_t def = k->n + 4;
	eb_u32(k, def);
	eb_u32(k, 0);                     /* next template */
	for (int i = 0; i < 16; i++)      /* GUID */
		eb_u8(k, (uint8_t)(0xA0 + i));
	k->tmpl_size_at = k->n;
	eb_u32(k, 0);
	k->tmpl_data_at = k->n;
	eb_fragment_header(k);
	return def;
}
static inline void eb_template_end(struct eb_chunk *k)
{
	eb_u8(k, 0x00);
	eb_put32(k, k->tmpl_size_at, k->n - k->tmpl_data_at);
}
/* A template instance using the definition at `def`. */
static inline void eb_template_ref(struct eb_chunk *k, uint32_t def)
{
	eb_u8(k, 0x0c);
	eb_u8(k, 1);
	eb_u32(k, 0);
	eb_u32(k, def);
}

struct eb_value {
	uint8_t type;
	uint16_t size;
	const void *data;
};

/* Substitution array: count, descriptors, values. */
static inline void eb_values(struct eb_chunk *k, const struct eb_value *v, int n)
{
	eb_u32(k, (uint32_t)n);
	for (int i = 0; i < n; i++) {
		eb_u16(k, v[i].size);
		eb_u8(k, v[i].type);
		eb_u8(k, 0);
	}
	for (int i = 0; i < n; i++)
		eb_bytes(k, v[i].data, v[i].size);
}

static inline void eb_record_begin(struct eb_chunk *k, uint64_t id, uint64_t written)
{
	k->rec_start = k->n;
	eb_bytes(k, "**\0\0", 4);
	eb_u32(k, 0);
	eb_u64(k, id);
	eb_u64(k, written);
	eb_fragment_header(k);
	if (!k->nrec++)
		k->first_id = id;
	k->last_id = id;
}
static inline void eb_record_end(struct eb_chunk *k)
{
	eb_u8(k, 0x00);
	uint32_t size = k->n - k->rec_start + 4;
	eb_u32(k, size);
	eb_put32(k, k->rec_start + 4, size);
	k->last_rec = k->rec_start;
}

/* Fills the chunk header and both CRCs. */
static inline void eb_chunk_finish(struct eb_chunk *k)
{
	memcpy(k->c, "ElfChnk", 8);
	uint8_t *h = k->c;
	uint64_t f = k->first_id, l = k->last_id;
	for (int i = 0; i < 8; i++) {
		h[8 + i] = (uint8_t)(f >> (8 * i));
		h[16 + i] = (uint8_t)(l >> (8 * i));
		h[24 + i] = (uint8_t)(f >> (8 * i));
		h[32 + i] = (uint8_t)(l >> (8 * i));
	}
	eb_put32(k, 40, 128);
	eb_put32(k, 44, k->last_rec);
	eb_put32(k, 48, k->n);
	eb_put32(k, 52, (uint32_t)crc32(0, k->c + 512, k->n - 512));
	uLong crc = crc32(0, k->c, 120);
	crc = crc32(crc, k->c + 128, 512 - 128);
	eb_put32(k, 124, (uint32_t)crc);
}

/* A whole file from finished chunks; returns malloc'd bytes. */
static inline uint8_t *eb_file(struct eb_chunk **chunks, int n, size_t *size)
{
	*size = 4096 + (size_t)n * 65536;
	uint8_t *f = calloc(1, *size);
	memcpy(f, "ElfFile", 8);
	f[16] = (uint8_t)(n - 1);
	f[24] = 1;
	f[32] = 128;
	f[36] = 1;
	f[38] = 3;
	f[40] = 0x00;
	f[41] = 0x10;
	f[42] = (uint8_t)n;
	uint32_t crc = (uint32_t)crc32(0, f, 120);
	memcpy(f + 124, &crc, 4);
	for (int i = 0; i < n; i++)
		memcpy(f + 4096 + (size_t)i * 65536, chunks[i]->c, 65536);
	return f;
}

#endif
