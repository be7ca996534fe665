/* evtxgen mutate: damaged copies of an EVTX file for robustness tests, and
 * evtxgen info: what a file's structure says (CRCs, offsets, record walk),
 * so tests can check the damage is the one asked for. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "evtxgen.h"

#define EG_MAX_INPUT (8ull << 30)

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint8_t *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "evtxgen: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 20, len = 0;
	uint8_t *b = malloc(cap);
	while (b) {
		size_t r = fread(b + len, 1, cap - len, f);
		len += r;
		if (len < cap)
			break;
		if (cap >= EG_MAX_INPUT) {
			fprintf(stderr, "evtxgen: %s: larger than %llu bytes\n", path,
			        (unsigned long long)EG_MAX_INPUT);
			free(b);
			b = NULL;
			break;
		}
		uint8_t *nb = realloc(b, cap * 2);
		if (!nb) {
			free(b);
			b = NULL;
			break;
		}
		b = nb;
		cap *= 2;
	}
	if (b && ferror(f)) {
		fprintf(stderr, "evtxgen: %s: %s\n", path, strerror(errno));
		free(b);
		b = NULL;
	}
	fclose(f);
	*n = len;
	return b;
}

static uint32_t crc(const uint8_t *p, size_t n)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
}

static size_t nchunks_in(size_t n)
{
	return n < EG_FILE_HEADER_SIZE ? 0 : (n - EG_FILE_HEADER_SIZE) / EG_CHUNK_SIZE;
}

/* ---- info */

static void info_chunk(const uint8_t *c, size_t idx)
{
	printf("chunk %zu:", idx);
	if (memcmp(c, "ElfChnk", 8) != 0) {
		bool zero = true;
		for (size_t i = 0; i < EG_CHUNK_SIZE && zero; i++)
			zero = c[i] == 0;
		printf(" magic=%s\n", zero ? "zero" : "bad");
		return;
	}
	uint32_t last = eg_get32(c + 44), free_off = eg_get32(c + 48);
	bool offsets_ok = free_off >= EG_CHUNK_HEADER_SIZE && free_off <= EG_CHUNK_SIZE &&
	                  last >= EG_CHUNK_HEADER_SIZE && last < free_off;
	printf(" magic=ok header_crc=%s", eg_get32(c + 124) == eg_chunk_header_crc(c) ? "ok" : "bad");
	if (offsets_ok)
		printf(" data_crc=%s", eg_get32(c + 52) == crc(c + EG_CHUNK_HEADER_SIZE,
		                                                free_off - EG_CHUNK_HEADER_SIZE)
		                             ? "ok" : "bad");
	else
		printf(" data_crc=unchecked");
	printf(" first_number=%llu last_number=%llu first_id=%llu last_id=%llu last_record=0x%x"
	       " free=0x%x offsets=%s",
	       (unsigned long long)eg_get64(c + 8), (unsigned long long)eg_get64(c + 16),
	       (unsigned long long)eg_get64(c + 24), (unsigned long long)eg_get64(c + 32), last,
	       free_off, offsets_ok ? "ok" : "bad");
	int strings = 0, templates = 0;
	for (int i = 0; i < 64; i++)
		strings += eg_get32(c + 128 + 4 * i) != 0;
	for (int i = 0; i < 32; i++)
		templates += eg_get32(c + 384 + 4 * i) != 0;
	/* walk the records as a reader would, bounded by the chunk */
	uint32_t end = offsets_ok ? free_off : EG_CHUNK_SIZE, off = EG_CHUNK_HEADER_SIZE;
	unsigned long records = 0;
	const char *walk = "ok";
	while (off < end) {
		if (end - off < 28 || memcmp(c + off, "**\0\0", 4) != 0) {
			walk = "bad-signature";
			break;
		}
		uint32_t size = eg_get32(c + off + 4);
		if (size < 28 || size > EG_CHUNK_SIZE - off) {
			walk = "size-past-chunk";
			break;
		}
		if (eg_get32(c + off + size - 4) != size) {
			walk = "size-copy-mismatch";
			break;
		}
		records++;
		off += size;
	}
	printf(" string_buckets=%d template_buckets=%d records=%lu walk=%s", strings, templates,
	       records, walk);
	if (strcmp(walk, "ok") != 0)
		printf("@0x%x", off);
	printf("\n");
}

int eg_info_main(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(argc == 2 ? stdout : stderr, "Usage: evtxgen info FILE.evtx\n"
		        "Prints the file header and, per chunk, its CRC checks, record numbers and\n"
		        "a walk of its records, as key=value pairs.\n");
		return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	size_t n;
	uint8_t *b = read_all(argv[1], &n);
	if (!b)
		return 1;
	if (n < 128 || memcmp(b, "ElfFile", 8) != 0) {
		printf("file: magic=bad size=%zu\n", n);
		free(b);
		return 0;
	}
	printf("file: magic=ok header_crc=%s version=%u.%u chunks=%u first_chunk=%llu "
	       "last_chunk=%llu next_record_id=%llu flags=0x%x size=%zu whole_chunks=%zu "
	       "trailing=%zu\n",
	       eg_get32(b + 124) == crc(b, 120) ? "ok" : "bad", eg_get16(b + 38), eg_get16(b + 36),
	       eg_get16(b + 42), (unsigned long long)eg_get64(b + 8),
	       (unsigned long long)eg_get64(b + 16), (unsigned long long)eg_get64(b + 24),
	       eg_get32(b + 120), n, nchunks_in(n),
	       n < EG_FILE_HEADER_SIZE ? 0 : (n - EG_FILE_HEADER_SIZE) % EG_CHUNK_SIZE);
	for (size_t i = 0; i < nchunks_in(n); i++)
		info_chunk(b + EG_FILE_HEADER_SIZE + i * EG_CHUNK_SIZE, i);
	free(b);
	return 0;
}

/* ---- mutate */

enum kind {
	K_TRUNCATE,
	K_BITFLIP,
	K_BAD_HEADER_CRC,
	K_BAD_DATA_CRC,
	K_BAD_FILE_CRC,
	K_BAD_MAGIC,
	K_ZERO_CHUNK,
	K_CUT_RECORD,
	K_FREE_PAST_END,
	K_CHUNK_COUNT,
	K_VALUE_SIZE,
};

static const struct {
	const char *name;
	enum kind k;
	const char *help;
} kinds[] = {
	{"truncate", K_TRUNCATE, "cut the file at --offset N or at --at POINT"},
	{"bitflip", K_BITFLIP, "flip --count N (8) seeded random bits in chunk K's records"},
	{"bad-header-crc", K_BAD_HEADER_CRC, "chunk K's header CRC is wrong"},
	{"bad-data-crc", K_BAD_DATA_CRC, "chunk K's event-records CRC is wrong"},
	{"bad-file-crc", K_BAD_FILE_CRC, "the file header CRC is wrong"},
	{"bad-magic", K_BAD_MAGIC, "chunk K's ElfChnk signature is overwritten"},
	{"zero-chunk", K_ZERO_CHUNK, "chunk K is all zero bytes"},
	{"cut-record", K_CUT_RECORD, "chunk K's last record size points past the chunk end"},
	{"free-past-end", K_FREE_PAST_END, "chunk K's free-space/last-record offsets past its end"},
	{"chunk-count", K_CHUNK_COUNT, "the file header claims --count N (1000) more chunks"},
	{"value-size", K_VALUE_SIZE, "chunk K's first record: a substitution size past its end"},
};

static void mutate_usage(FILE *f)
{
	fprintf(f, "Usage: evtxgen mutate KIND [--chunk K|last] [--seed N] [--count N]\n"
	           "                      [--offset N | --at POINT] [--fix-crc] IN.evtx OUT.evtx\n"
	           "Writes a damaged copy of IN. Deterministic: the same options give the same bytes.\n"
	           "KIND:\n");
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		fprintf(f, "  %-15s %s\n", kinds[i].name, kinds[i].help);
	fprintf(f, "POINT (truncate): file-header (inside the 4096-byte header), chunk-header\n"
	           "  (inside chunk K's header), records (just after chunk K's header),\n"
	           "  mid-record (inside chunk K's last record), chunk-end (chunk K complete,\n"
	           "  nothing after it).\n"
	           "--fix-crc recomputes the CRCs the damage invalidated, so that only the named\n"
	           "damage remains (a reader must then catch it without help from a CRC).\n"
	           "Chunks are numbered from 0 (default 0).\n");
}

static void fix_chunk(uint8_t *c)
{
	uint32_t free_off = eg_get32(c + 48);
	if (free_off >= EG_CHUNK_HEADER_SIZE && free_off <= EG_CHUNK_SIZE)
		eg_put32(c + 52, crc(c + EG_CHUNK_HEADER_SIZE, free_off - EG_CHUNK_HEADER_SIZE));
	eg_put32(c + 124, eg_chunk_header_crc(c));
}

/* Offset (in the chunk) of the first substitution descriptor of the record
 * at `rec`, or 0 when the record is not laid out as evtxgen writes it. */
static uint32_t first_descriptor(const uint8_t *c, uint32_t rec)
{
	uint32_t p = rec + 24;
	if (p + 14 > EG_CHUNK_SIZE || c[p] != 0x0f || c[p + 4] != 0x0c)
		return 0;
	uint32_t def = eg_get32(c + p + 10);
	p += 14;
	if (def == p) {
		if (p + 24 > EG_CHUNK_SIZE)
			return 0;
		p += 24 + eg_get32(c + p + 20);
	}
	return p + 4 <= EG_CHUNK_SIZE ? p + 4 : 0;
}

static bool write_all(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || (n && fwrite(b, n, 1, f) != 1) || fclose(f) != 0) {
		fprintf(stderr, "evtxgen: %s: %s\n", path, strerror(errno));
		return false;
	}
	return true;
}

int eg_mutate_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"chunk", required_argument, NULL, 'c'},
		{"seed", required_argument, NULL, 's'},
		{"count", required_argument, NULL, 'n'},
		{"offset", required_argument, NULL, 'o'},
		{"at", required_argument, NULL, 'a'},
		{"fix-crc", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t chunk = 0, seed = 1, count = 0, offset = 0;
	bool last = false, fixcrc = false, have_offset = false;
	const char *at = NULL;
	int c;
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		mutate_usage(stdout);
		return 0;
	}
	if (argc < 2) {
		mutate_usage(stderr);
		return 2;
	}
	size_t ki = 0;
	while (ki < sizeof kinds / sizeof kinds[0] && strcmp(kinds[ki].name, argv[1]) != 0)
		ki++;
	if (ki == sizeof kinds / sizeof kinds[0]) {
		fprintf(stderr, "evtxgen: unknown mutation \"%s\"\n", argv[1]);
		mutate_usage(stderr);
		return 2;
	}
	enum kind k = kinds[ki].k;
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (strcmp(optarg, "last") == 0)
				last = true;
			else if (!eg_parse_u64(optarg, EG_MAX_CHUNKS, &chunk)) {
				fprintf(stderr, "evtxgen: --chunk: a chunk number or \"last\"\n");
				return 2;
			}
			break;
		case 's':
			if (!eg_parse_u64(optarg, UINT64_MAX, &seed)) {
				fprintf(stderr, "evtxgen: --seed: a non-negative integer\n");
				return 2;
			}
			break;
		case 'n':
			if (!eg_parse_u64(optarg, 1000000, &count) || count == 0) {
				fprintf(stderr, "evtxgen: --count: 1..1000000\n");
				return 2;
			}
			break;
		case 'o':
			if (!eg_parse_u64(optarg, UINT64_MAX, &offset)) {
				fprintf(stderr, "evtxgen: --offset: a byte offset\n");
				return 2;
			}
			have_offset = true;
			break;
		case 'a':
			at = optarg;
			break;
		case 'f':
			fixcrc = true;
			break;
		case 'h':
			mutate_usage(stdout);
			return 0;
		default:
			mutate_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		mutate_usage(stderr);
		return 2;
	}
	if (k == K_TRUNCATE && have_offset == (at != NULL)) {
		fprintf(stderr, "evtxgen: truncate needs one of --offset and --at\n");
		return 2;
	}
	size_t n;
	uint8_t *b = read_all(argv[optind], &n);
	if (!b)
		return 1;
	int rc = 1;
	size_t nch = nchunks_in(n);
	if (last)
		chunk = nch ? nch - 1 : 0;
	bool needs_chunk = k != K_BAD_FILE_CRC && k != K_CHUNK_COUNT &&
	                   !(k == K_TRUNCATE && (have_offset || strcmp(at, "file-header") == 0));
	if (n < EG_FILE_HEADER_SIZE || memcmp(b, "ElfFile", 8) != 0) {
		fprintf(stderr, "evtxgen: %s: not an EVTX file\n", argv[optind]);
		goto out;
	}
	if (needs_chunk && chunk >= nch) {
		fprintf(stderr, "evtxgen: %s has %zu whole chunks; no chunk %llu\n", argv[optind], nch,
		        (unsigned long long)chunk);
		goto out;
	}
	uint8_t *ch = b + EG_FILE_HEADER_SIZE + chunk * EG_CHUNK_SIZE;
	uint32_t free_off = needs_chunk ? eg_get32(ch + 48) : 0;
	uint32_t last_rec = needs_chunk ? eg_get32(ch + 44) : 0;
	if (needs_chunk && k != K_ZERO_CHUNK && k != K_BAD_MAGIC && k != K_BAD_HEADER_CRC &&
	    (memcmp(ch, "ElfChnk", 8) != 0 || free_off <= EG_CHUNK_HEADER_SIZE ||
	     free_off > EG_CHUNK_SIZE || last_rec < EG_CHUNK_HEADER_SIZE || last_rec >= free_off)) {
		fprintf(stderr, "evtxgen: chunk %llu is not an intact chunk with records\n",
		        (unsigned long long)chunk);
		goto out;
	}
	size_t chunk_at = EG_FILE_HEADER_SIZE + chunk * EG_CHUNK_SIZE;
	switch (k) {
	case K_TRUNCATE:
		if (!have_offset) {
			if (strcmp(at, "file-header") == 0)
				offset = EG_FILE_HEADER_SIZE / 2;
			else if (strcmp(at, "chunk-header") == 0)
				offset = chunk_at + EG_CHUNK_HEADER_SIZE / 2;
			else if (strcmp(at, "records") == 0)
				offset = chunk_at + EG_CHUNK_HEADER_SIZE;
			else if (strcmp(at, "mid-record") == 0)
				offset = chunk_at + last_rec + (free_off - last_rec) / 2;
			else if (strcmp(at, "chunk-end") == 0)
				offset = chunk_at + EG_CHUNK_SIZE;
			else {
				fprintf(stderr, "evtxgen: unknown --at point \"%s\"\n", at);
				rc = 2;
				goto out;
			}
		}
		if (offset > n) {
			fprintf(stderr, "evtxgen: --offset %llu is past the end (%zu bytes)\n",
			        (unsigned long long)offset, n);
			goto out;
		}
		n = (size_t)offset;
		fixcrc = false;
		break;
	case K_BITFLIP: {
		uint64_t s = seed;
		uint32_t span = free_off - EG_CHUNK_HEADER_SIZE;
		for (uint64_t i = 0; i < (count ? count : 8); i++) {
			uint64_t r = splitmix64(&s);
			uint32_t at_off = EG_CHUNK_HEADER_SIZE + (uint32_t)(r % span);
			ch[at_off] ^= (uint8_t)(1u << ((r >> 32) % 8));
		}
		break;
	}
	case K_BAD_HEADER_CRC:
		eg_put32(ch + 124, eg_get32(ch + 124) ^ 0x00010000u);
		fixcrc = false;
		break;
	case K_BAD_DATA_CRC:
		eg_put32(ch + 52, eg_get32(ch + 52) ^ 0x00000100u);
		eg_put32(ch + 124, eg_chunk_header_crc(ch));    /* only the records CRC is wrong */
		fixcrc = false;
		break;
	case K_BAD_FILE_CRC:
		eg_put32(b + 124, eg_get32(b + 124) ^ 0x01000000u);
		fixcrc = false;
		break;
	case K_BAD_MAGIC:
		memcpy(ch, "ElfJunk", 8);
		break;
	case K_ZERO_CHUNK:
		memset(ch, 0, EG_CHUNK_SIZE);
		fixcrc = false;
		break;
	case K_CUT_RECORD:
		eg_put32(ch + last_rec + 4, EG_CHUNK_SIZE - last_rec + 64);
		break;
	case K_FREE_PAST_END:
		eg_put32(ch + 44, EG_CHUNK_SIZE + 0x100);
		eg_put32(ch + 48, EG_CHUNK_SIZE + 0x1000);
		if (fixcrc)
			eg_put32(ch + 124, eg_chunk_header_crc(ch));
		fixcrc = false;
		break;
	case K_CHUNK_COUNT: {
		uint64_t extra = count ? count : 1000;
		uint64_t claimed = eg_get16(b + 42) + extra;
		if (claimed > EG_MAX_CHUNKS)
			claimed = EG_MAX_CHUNKS;
		eg_put16(b + 42, (uint16_t)claimed);
		eg_put64(b + 16, claimed - 1);
		break;
	}
	case K_VALUE_SIZE: {
		uint32_t d = first_descriptor(ch, EG_CHUNK_HEADER_SIZE);
		if (!d) {
			fprintf(stderr, "evtxgen: chunk %llu's first record is not a template instance\n",
			        (unsigned long long)chunk);
			goto out;
		}
		eg_put16(ch + d, 0xffff);
		break;
	}
	}
	if (fixcrc) {
		if (needs_chunk)
			fix_chunk(ch);
		eg_put32(b + 124, crc(b, 120));
	}
	if (write_all(argv[optind + 1], b, n))
		rc = 0;
out:
	free(b);
	return rc;
}
