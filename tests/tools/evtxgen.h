/* evtxgen: a writer of genuine EVTX files for boxtrail's tests (not installed).
 *
 * Modules: evtxgen_write.c (events -> EVTX: chunks, string and template tables,
 * Binary XML), evtxgen_json.c (JSON Lines -> events), evtxgen_scale.c (large
 * realistic logs), evtxgen_mutate.c (damaged copies and `info`),
 * evtxgen_history.c (logs that were cleared, wrapped or outgrew their header,
 * with a truth file of what lies where), evtxgen.c (the command line). Errors
 * go to a caller-supplied buffer; only the command-line modules print. */
#ifndef EVTXGEN_H
#define EVTXGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EG_FILE_HEADER_SIZE 4096u
#define EG_CHUNK_SIZE 65536u
#define EG_CHUNK_HEADER_SIZE 512u
#define EG_MAX_CHUNKS 65535u      /* the file header counts chunks in 16 bits */
#define EG_ERR_SIZE 256

/* Substitution value types (libyal "Windows XML Event Log (EVTX)", Value types). */
enum eg_vt {
	EG_VT_NULL = 0x00,
	EG_VT_STRING = 0x01,
	EG_VT_INT8 = 0x03,
	EG_VT_UINT8 = 0x04,
	EG_VT_INT16 = 0x05,
	EG_VT_UINT16 = 0x06,
	EG_VT_INT32 = 0x07,
	EG_VT_UINT32 = 0x08,
	EG_VT_INT64 = 0x09,
	EG_VT_UINT64 = 0x0a,
	EG_VT_FLOAT = 0x0b,
	EG_VT_DOUBLE = 0x0c,
	EG_VT_BOOL = 0x0d,
	EG_VT_BINARY = 0x0e,
	EG_VT_GUID = 0x0f,
	EG_VT_SIZE = 0x10,         /* declared only: values are HexInt32/64 */
	EG_VT_FILETIME = 0x11,
	EG_VT_SYSTEMTIME = 0x12,
	EG_VT_SID = 0x13,
	EG_VT_HEXINT32 = 0x14,
	EG_VT_HEXINT64 = 0x15,
	EG_VT_BINXML = 0x21,
	EG_VT_STRING_ARRAY = 0x81,
};

/* A value as EVTX stores it: `data` holds `size` bytes already encoded
 * (UTF-16LE without terminator for strings). `decl` is the type the template
 * declares; it differs from `type` only for NULL values (declared string). */
struct eg_value {
	uint8_t type;
	uint8_t decl;
	uint16_t size;
	const uint8_t *data;
};

struct eg_field {
	const char *name;          /* UTF-8; unused for unnamed (classic) data */
	struct eg_value v;
};

enum eg_payload {
	EG_PAYLOAD_NONE,           /* no EventData at all */
	EG_PAYLOAD_DATA,           /* <EventData><Data Name="...">v</Data>... */
	EG_PAYLOAD_UNNAMED,        /* <EventData><Data>v</Data>...[<Binary>] (classic) */
	EG_PAYLOAD_USERDATA,       /* <UserData><Element xmlns=...><Name>v</Name>... */
};

/* One event to write. Strings are UTF-8 and borrowed for the call. */
struct eg_event {
	const char *channel, *provider, *computer;
	const char *event_source_name;             /* NULL: none */
	bool has_provider_guid;
	uint8_t provider_guid[16];                 /* on-disk GUID layout */
	uint16_t event_id;
	bool has_qualifiers;
	uint16_t qualifiers;
	uint8_t version, level, opcode;
	uint16_t task;
	uint64_t keywords;
	uint64_t time;                             /* FILETIME (100 ns since 1601) */
	uint64_t written;                          /* record's written time; 0: = time */
	bool has_record_id;
	uint64_t record_id;                        /* else previous + 1 */
	uint8_t sid[68];
	uint8_t sid_len;                           /* 0: no Security@UserID */
	uint32_t process_id, thread_id;
	bool has_activity_id, has_related_activity_id;
	uint8_t activity_id[16], related_activity_id[16];
	enum eg_payload payload;
	const char *user_element, *user_xmlns;     /* EG_PAYLOAD_USERDATA */
	const struct eg_field *fields;
	size_t nfields;
	const uint8_t *binary;                     /* classic <Binary>; NULL: none */
	size_t binary_len;
};

/* ---- evtxgen_write.c */
struct eg_writer;

/* Receives each finished chunk (index from 0, EG_CHUNK_SIZE bytes, the
 * bytes after the free-space offset zero). Returns 0, or -1 with `err`. */
typedef int eg_chunk_sink(void *arg, uint32_t index, const uint8_t *chunk, char *err);

struct eg_writer_opts {
	uint32_t max_records_per_chunk;            /* 0: as many as fit */
	uint32_t max_chunks;                       /* 0: EG_MAX_CHUNKS */
	/* Every template definition carries its names inline instead of
	 * referring to names defined earlier in the chunk, so a definition
	 * that survives in slack space is usable on its own. */
	bool inline_names;
	/* Chunks go to the sink instead of a file: eg_writer_open's path is
	 * unused and eg_writer_close writes no file header. */
	eg_chunk_sink *chunk_sink;
	void *sink_arg;
};

/* Where the writer put the last record (offsets inside its chunk). */
struct eg_template_use {
	uint8_t guid[16];          /* all zero: the record has no such template */
	uint32_t token;            /* the TemplateInstance token (0x0c) */
	uint32_t named;            /* the definition offset the token names */
	bool defined;              /* defined inline here (named == token + 10) */
	uint32_t def_size;         /* bytes of that definition from `named` */
};
struct eg_record_info {
	uint32_t chunk;            /* the writer's chunk index, from 0 */
	uint32_t offset, size;
	uint64_t number, id;
	struct eg_template_use tpl[2];   /* [0] System, [1] EventData/UserData */
	uint32_t values;           /* the System substitution count */
	uint16_t payload_index;    /* the System substitution holding the payload */
	uint32_t payload_values;   /* the payload's substitution count (0: none) */
};

/* Creates `path` (truncating it). Returns NULL with `err` filled on failure.
 * The writer owns its buffers; eg_writer_close() frees it. */
struct eg_writer *eg_writer_open(const char *path, const struct eg_writer_opts *o, char *err);

/* The record the last successful eg_writer_add wrote. */
const struct eg_record_info *eg_writer_last(const struct eg_writer *w);

/* Makes the next record start a new chunk. */
void eg_writer_break(struct eg_writer *w);

/* Fills a file header: first and last chunk, next record id, chunk count,
 * flags (1 dirty, 2 full), CRC. */
void eg_file_header(uint8_t h[EG_FILE_HEADER_SIZE], uint64_t first, uint64_t last,
                    uint64_t next_id, uint16_t chunks, uint32_t flags);

/* Appends one record. Returns 0, 1 when the file has reached its chunk limit
 * (nothing written: close it and open another), or -1 on error (`err`). */
int eg_writer_add(struct eg_writer *w, const struct eg_event *ev, char *err);

/* Bytes the file will have when closed now. */
uint64_t eg_writer_size(const struct eg_writer *w);
uint64_t eg_writer_records(const struct eg_writer *w);

/* Flushes the last chunk, writes the file header and frees `w` (NULL is
 * fine). Returns 0 or -1 with `err`. */
int eg_writer_close(struct eg_writer *w, char *err);

/* ---- encoding helpers (evtxgen_write.c) */
/* UTF-8 -> UTF-16LE into out (cap bytes). Returns bytes written or -1 on
 * invalid UTF-8 or lack of room. */
long eg_utf16(const char *s, size_t n, uint8_t *out, size_t cap);
/* "{xxxxxxxx-xxxx-...}" (braces optional) -> on-disk GUID. */
bool eg_parse_guid(const char *s, uint8_t out[16]);
/* "S-1-5-21-..." -> binary SID; returns its length or 0. */
size_t eg_parse_sid(const char *s, uint8_t out[68]);
/* RFC 3339 (up to 7 fractional digits, Z or +hh:mm) -> FILETIME. */
bool eg_parse_time(const char *s, uint64_t *ft);
/* FILETIME -> "2026-03-14T09:12:03.1234567Z" (buf >= 32). */
void eg_format_time(uint64_t ft, char *buf, size_t n);
/* FILETIME -> SYSTEMTIME (16 bytes). */
void eg_systemtime(uint64_t ft, uint8_t out[16]);
/* CRC32 (zlib) of the chunk header: bytes 0-120 and 128-512. */
uint32_t eg_chunk_header_crc(const uint8_t *chunk);

static inline void eg_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void eg_put32(uint8_t *p, uint32_t v)
{
	eg_put16(p, (uint16_t)v);
	eg_put16(p + 2, (uint16_t)(v >> 16));
}
static inline void eg_put64(uint8_t *p, uint64_t v)
{
	eg_put32(p, (uint32_t)v);
	eg_put32(p + 4, (uint32_t)(v >> 32));
}
static inline uint16_t eg_get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t eg_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t eg_get64(const uint8_t *p)
{
	return (uint64_t)eg_get32(p) | (uint64_t)eg_get32(p + 4) << 32;
}

/* ---- evtxgen_json.c */
struct eg_json_opts {
	struct eg_writer_opts w;
};
/* Converts JSON Lines (`in`, "-" = stdin) into the EVTX file `out`. Returns 0,
 * or -1 with `err` naming the line. */
int eg_json_convert(const char *in, const char *out, const struct eg_json_opts *o, char *err);

/* Event by event: eg_json_next returns 1 with *ev filled (valid until the
 * next call), 0 at the end, -1 with `err` naming the line. */
struct eg_json_reader;
struct eg_json_reader *eg_json_open(const char *path, char *err);
int eg_json_next(struct eg_json_reader *r, struct eg_event *ev, char *err);
unsigned long eg_json_lineno(const struct eg_json_reader *r);
/* The current event as one JSON object: the line's keys with the defaults
 * applied (an explicit null removes a key) and `record_id` set, as
 * tests/tools/evtx_compare.py's load_events() reads it. Caller frees. */
char *eg_json_resolved(const struct eg_json_reader *r, uint64_t record_id);
void eg_json_close(struct eg_json_reader *r);

/* ---- evtxgen_scale.c */
struct eg_scale_opts {
	uint64_t size;             /* total bytes to write */
	uint64_t file_size;        /* rotate files at this size */
	uint64_t seed;
	const char *dir;
	bool quiet;
};
int eg_scale(const struct eg_scale_opts *o, char *err);

/* ---- evtxgen_mutate.c */
int eg_mutate_main(int argc, char **argv);
int eg_info_main(int argc, char **argv);

/* ---- evtxgen_history.c */
int eg_history_main(int argc, char **argv);

/* ---- shared by the CLI modules */
/* "123", "64K", "1G", "256M" (binary units) -> bytes; false on error. */
bool eg_parse_size(const char *s, uint64_t *out);
bool eg_parse_u64(const char *s, uint64_t max, uint64_t *out);

#endif
