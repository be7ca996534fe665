/* The native EVTX reader: streams the file chunk by chunk (one 64 KiB buffer,
 * pread, never writes), decodes records with bt_binxml (templates compiled
 * once per chunk), then recovers what lies outside the live records (slack
 * space after a chunk's free space offset, chunks with a bad signature, the
 * rest of a chunk after a broken record) with its own recovery pass
 * (bt_evtx_recover.h: templates checked by id, copies of live records given
 * once). The live walk only notes record signatures there.
 *
 * libevtx is started only for a live record the native decoder rejects
 * (reported, read in place by a libevtx worker; those libevtx cannot read
 * either are counted as failed): stats->libevtx_started counts it.
 *
 * Chunks failing a CRC are reported, counted in corrupt_chunks and still
 * read, as libevtx does: a record in such a chunk may be altered, but losing
 * it would hide more. Recovered records come after the live ones. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evtx/bt_binxml.h"
#include "evtx/bt_evtx.h"
#include "evtx/bt_evtx_format.h"
#include "evtx/bt_evtx_libevtx.h"
#include "evtx/bt_evtx_native.h"
#include "evtx/bt_evtx_recover.h"
#include "io/bt_reader.h"

enum phase { PH_NATIVE, PH_RECOVER, PH_DONE };

struct nx_state {
	int fd;
	bool own_fd;
	uint64_t file_size;
	const uint8_t *mem;         /* bt_evtx_native_mem: whole file in memory */
	size_t mem_n;
	uint8_t *chunk;             /* 64 KiB read buffer */
	size_t chunk_n;
	uint64_t chunk_index;       /* index of the next chunk to load */
	uint64_t chunk_off;         /* file offset of the loaded chunk */
	bool in_chunk;
	uint32_t pos, end;          /* record walk in the loaded chunk */
	struct bt_bx_chunk *cx;
	bool lx_dead;               /* the libevtx worker failed: no more requests */
	struct bt_evtx_recmap slack;    /* slack-space candidates */
	struct bt_evtx_slack_share *share;  /* a split file's: see bt_evtx_native.h */
	size_t part_index;          /* of a live part, among the file's live parts */
	bool slack_complete;        /* a live part read to its end: `slack` is whole */
	enum phase phase;
	void *lx;                   /* libevtx reader serving rejected live records */
	struct bt_evtx_recover *rc; /* the recovery pass */
	uint64_t rejected;
	uint64_t live_index;        /* live records walked so far (libevtx's index) */
	enum bt_evtx_part part;
	uint64_t chunk_end;         /* first chunk not to read (UINT64_MAX: the end) */
	bool quiet;                 /* another part reports the file's structure */
	bool chunk_counted;         /* the loaded chunk is counted as corrupt */
	uint64_t header_chunks;     /* chunks the file header lists (0: header not trusted) */
	bool header_closed;         /* the header is trusted and not dirty: chunks past its
	                               count are not in use (their records are recovered) */
	uint64_t used_chunks;       /* chunks up to the last with a signature (UINT64_MAX: not
	                               looked for yet) */
	/* a sparse file's holes read as zeros without reading them: the last
	 * hole found [hole_from, hole_to) (hole_to UINT64_MAX: to the end) */
	uint64_t hole_from, hole_to;
	bool no_seek_data;          /* SEEK_DATA is not supported here */
};

static void warn_record(struct bt_reader_ctx *ctx, struct nx_state *s, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static void warn_record(struct bt_reader_ctx *ctx, struct nx_state *s, const char *fmt, ...)
{
	/* every warning is sent: the caller (bt_scan) caps them per input, in
	 * file order, the same way however the file is cut into parts */
	(void)s;
	if (!bt_diag_wants(&ctx->opts->diag, BT_DIAG_WARN))
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	bt_diagf(&ctx->opts->diag, BT_DIAG_WARN, ctx->path, "%s", msg);
}

/* ---- slack candidates passed between the parts of a split file */

struct bt_evtx_slack_share {
	pthread_mutex_t lock;
	uint64_t used_chunks;          /* the file's, looked for once for all parts */
	bool used_known;
	pthread_cond_t ended_cond;
	size_t parts, ended, left;
	struct bt_evtx_recmap *maps;   /* per live part, in chunk order */
	bool *have;                    /* the part left its candidates */
};

struct bt_evtx_slack_share *bt_evtx_slack_share_new(size_t live_parts)
{
	struct bt_evtx_slack_share *sh = calloc(1, sizeof *sh);
	if (!sh)
		return NULL;
	sh->parts = live_parts;
	sh->maps = calloc(live_parts ? live_parts : 1, sizeof *sh->maps);
	sh->have = calloc(live_parts ? live_parts : 1, sizeof *sh->have);
	if (!sh->maps || !sh->have || pthread_mutex_init(&sh->lock, NULL) != 0) {
		free(sh->maps);
		free(sh->have);
		free(sh);
		return NULL;
	}
	if (pthread_cond_init(&sh->ended_cond, NULL) != 0) {
		pthread_mutex_destroy(&sh->lock);
		free(sh->maps);
		free(sh->have);
		free(sh);
		return NULL;
	}
	return sh;
}

void bt_evtx_slack_share_free(struct bt_evtx_slack_share *sh)
{
	if (!sh)
		return;
	for (size_t i = 0; i < sh->parts; i++)
		bt_evtx_recmap_free(&sh->maps[i]);
	pthread_cond_destroy(&sh->ended_cond);
	pthread_mutex_destroy(&sh->lock);
	free(sh->maps);
	free(sh->have);
	free(sh);
}

void bt_evtx_slack_share_part_ended(struct bt_evtx_slack_share *sh)
{
	pthread_mutex_lock(&sh->lock);
	sh->ended++;
	pthread_cond_broadcast(&sh->ended_cond);
	pthread_mutex_unlock(&sh->lock);
}

/* A live part that read to its end leaves its candidates (moved). */
static void share_leave(struct bt_evtx_slack_share *sh, size_t part, struct bt_evtx_recmap *m)
{
	pthread_mutex_lock(&sh->lock);
	if (part < sh->parts && !sh->have[part]) {
		sh->maps[part] = *m;
		memset(m, 0, sizeof *m);
		sh->have[part] = true;
		sh->left++;
	}
	pthread_mutex_unlock(&sh->lock);
}

/* The recovered part: waits for every live part to end; then, when all left
 * their candidates, adds them to *out in chunk order (as one walk over the
 * file would find them) and returns true. */
static bool share_take(struct bt_evtx_slack_share *sh, struct bt_evtx_recmap *out)
{
	pthread_mutex_lock(&sh->lock);
	while (sh->ended < sh->parts)
		pthread_cond_wait(&sh->ended_cond, &sh->lock);
	bool all = sh->left == sh->parts;
	pthread_mutex_unlock(&sh->lock);
	if (!all)
		return false;
	for (size_t i = 0; i < sh->parts; i++) {
		struct bt_evtx_recmap *m = &sh->maps[i];
		for (size_t k = 0; k < m->n; k++)
			bt_evtx_recmap_add(out, m->v[k].id, m->v[k].offset);
		out->dropped += m->dropped;
		bt_evtx_recmap_free(m);
	}
	return true;
}

static void nx_free(struct nx_state *s)
{
	if (!s)
		return;
	if (s->share && s->part == BT_EVTX_PART_LIVE && s->slack_complete)
		share_leave(s->share, s->part_index, &s->slack);
	if (s->lx)
		bt_reader_evtx_libevtx.close(s->lx);
	bt_evtx_recover_free(s->rc);
	if (s->own_fd)
		close(s->fd);
	bt_bx_chunk_free(s->cx);
	bt_evtx_recmap_free(&s->slack);
	free(s->chunk);
	free(s);
}

static enum bt_status nx_setup(struct bt_reader_ctx *ctx, struct nx_state *s, const uint8_t *hdr,
                               size_t n)
{
	struct bt_evtx_file_header fh;
	if (!bt_evtx_file_header_parse(hdr, n, &fh)) {
		bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path,
		         n < 128 ? "not readable as EVTX: file header truncated (%zu bytes)"
		                 : "not readable as EVTX: no file header signature (%zu bytes)", n);
		ctx->stats->unreadable = true;
		return BT_ERR_FORMAT;
	}
	ctx->stats->dirty = (fh.flags & BT_EVTX_FLAG_DIRTY) != 0;
	/* A file read in parts: the part holding chunk 0 reports the file
	 * header, each live part its own chunks, the recovered part nothing of
	 * the structure. */
	const struct bt_part *p = ctx->part;
	s->part = (enum bt_evtx_part)p->kind;
	s->chunk_end = UINT64_MAX;
	if (s->part == BT_EVTX_PART_LIVE) {
		s->chunk_index = p->first;
		if (p->count)
			s->chunk_end = p->first + p->count;
	}
	s->quiet = s->part == BT_EVTX_PART_RECOVERED;
	s->share = p->shared;
	s->part_index = p->index;
	bool header_part = s->part == BT_EVTX_PART_ALL ||
	                   (s->part == BT_EVTX_PART_LIVE && p->first == 0);
	if (!fh.crc_ok && header_part)
		bt_diagf(&ctx->opts->diag, BT_DIAG_WARN, ctx->path,
		         "file header: bad CRC (header ignored)");
	s->header_chunks = fh.crc_ok ? fh.chunk_count : 0;
	s->header_closed = fh.crc_ok && fh.chunk_count && !(fh.flags & BT_EVTX_FLAG_DIRTY);
	s->used_chunks = UINT64_MAX;
	s->hole_from = s->hole_to = 0;
	/* A copy cut short: the header lists chunks the file does not hold. */
	uint64_t held = s->file_size == UINT64_MAX || s->file_size < BT_EVTX_FILE_HEADER_SIZE
	                    ? 0
	                    : (s->file_size - BT_EVTX_FILE_HEADER_SIZE + BT_EVTX_CHUNK_SIZE - 1) /
	                          BT_EVTX_CHUNK_SIZE;
	if (header_part && s->file_size != UINT64_MAX && s->header_chunks > held) {
		bt_diagf(&ctx->opts->diag, BT_DIAG_WARN, ctx->path,
		         "file header lists %llu chunks, the file ends at 0x%llx after %llu (truncated "
		         "copy?): the records of the missing chunks are not read",
		         (unsigned long long)s->header_chunks, (unsigned long long)s->file_size,
		         (unsigned long long)held);
		ctx->stats->incomplete = true;
	}
	s->cx = bt_bx_chunk_new();
	if (!s->cx)
		return BT_ERR_NOMEM;
	return BT_OK;
}

static enum bt_status nx_open(struct bt_reader_ctx *ctx, void **state)
{
	struct nx_state *s = calloc(1, sizeof *s);
	if (!s)
		return BT_ERR_NOMEM;
	s->fd = ctx->fd;
	if (s->fd < 0) {
		s->fd = bt_open_evidence(ctx->open_path);
		if (s->fd < 0) {
			bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path, "cannot open: %s",
			         strerror(errno));
			free(s);
			return BT_ERR_IO;
		}
		s->own_fd = true;
	}
	struct stat sb;
	if (fstat(s->fd, &sb) == 0 && S_ISREG(sb.st_mode))
		s->file_size = (uint64_t)sb.st_size;
	else
		s->file_size = UINT64_MAX;
	s->chunk = malloc(BT_EVTX_CHUNK_SIZE);
	if (!s->chunk) {
		nx_free(s);
		return BT_ERR_NOMEM;
	}
	/* the file header: as the dispatcher read it, else from the file */
	ssize_t r;
	if (ctx->head && ctx->head_len >= BT_EVTX_FILE_HEADER_SIZE) {
		memcpy(s->chunk, ctx->head, BT_EVTX_FILE_HEADER_SIZE);
		r = BT_EVTX_FILE_HEADER_SIZE;
	} else {
		r = bt_evtx_pread_full(s->fd, s->chunk, BT_EVTX_FILE_HEADER_SIZE, 0);
	}
	enum bt_status st = r < 0 ? BT_ERR_IO : nx_setup(ctx, s, s->chunk, (size_t)r);
	if (st != BT_OK) {
		if (st == BT_ERR_IO)
			bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path, "read error: %s",
			         strerror(errno));
		nx_free(s);
		return st;
	}
	*state = s;
	return BT_OK;
}

static void chunk_warn(struct bt_reader_ctx *ctx, struct nx_state *s, const char *what)
{
	if (s->quiet)
		return;
	ctx->stats->corrupt_chunks++;
	s->chunk_counted = true;
	bt_diagf(&ctx->opts->diag, BT_DIAG_WARN, ctx->path, "chunk %llu (offset 0x%llx): %s",
	         (unsigned long long)(s->chunk_index - 1), (unsigned long long)s->chunk_off, what);
}

/* Whether [off, off + len) lies in a hole of a sparse file (all zero, not
 * stored): asked with SEEK_DATA, the answer kept for the hole, so a file is
 * walked in one syscall per hole, not one read per zero chunk. */
static bool in_hole(struct nx_state *s, uint64_t off, uint64_t len)
{
	if (s->mem || s->no_seek_data)
		return false;
	if (off >= s->hole_from && off < s->hole_to)
		return s->hole_to == UINT64_MAX || off + len <= s->hole_to;
#ifdef SEEK_DATA
	if (off > INT64_MAX)
		return false;
	off_t d = lseek(s->fd, (off_t)off, SEEK_DATA);
	if (d < 0) {
		if (errno != ENXIO) {   /* not supported: every chunk is read */
			s->no_seek_data = true;
			return false;
		}
		s->hole_from = off;     /* no data from here to the end */
		s->hole_to = UINT64_MAX;
		return true;
	}
	if ((uint64_t)d <= off)
		return false;
	s->hole_from = off;
	s->hole_to = (uint64_t)d;
	return off + len <= s->hole_to;
#else
	(void)len;
	s->no_seek_data = true;
	return false;
#endif
}

/* The end of the last data of the file (its size when SEEK_DATA cannot
 * say): chunks past it are holes. */
static uint64_t data_end(struct nx_state *s, uint64_t size)
{
#if defined(SEEK_DATA) && defined(SEEK_HOLE)
	if (s->mem || s->no_seek_data || size > INT64_MAX)
		return size;
	uint64_t end = 0;
	off_t pos = 0;
	for (;;) {
		off_t d = lseek(s->fd, pos, SEEK_DATA);
		if (d < 0)
			return errno == ENXIO ? end : size;
		off_t h = lseek(s->fd, d, SEEK_HOLE);
		if (h <= d)
			return size;
		end = (uint64_t)h;
		pos = h;
	}
#else
	(void)s;
	return size;
#endif
}

/* The number of chunks up to the last one with a signature: zero chunks
 * past it are unused space, before it they are damage. Looked for once per
 * file (the parts of a split file share it), from the end of its data
 * backwards (unused space is at the end; a sparse file's holes are not
 * read). */
static uint64_t scan_used(struct nx_state *s, uint64_t lowest)
{
	uint64_t size = s->mem ? s->mem_n : s->file_size;
	uint64_t n = size > BT_EVTX_FILE_HEADER_SIZE
	                 ? (size - BT_EVTX_FILE_HEADER_SIZE) / BT_EVTX_CHUNK_SIZE
	                 : 0;
	uint64_t end = data_end(s, size);
	uint64_t last = end > BT_EVTX_FILE_HEADER_SIZE
	                    ? (end - BT_EVTX_FILE_HEADER_SIZE + BT_EVTX_CHUNK_SIZE - 1) /
	                          BT_EVTX_CHUNK_SIZE
	                    : 0;
	if (last < n)
		n = last;
	for (uint64_t i = n; i > lowest; i--) {
		uint64_t off = BT_EVTX_FILE_HEADER_SIZE + (i - 1) * BT_EVTX_CHUNK_SIZE;
		uint8_t sig[8];
		if (s->mem)
			memcpy(sig, s->mem + off, sizeof sig);
		else if (bt_evtx_pread_full(s->fd, sig, sizeof sig, off) != (ssize_t)sizeof sig)
			continue;
		if (memcmp(sig, "ElfChnk", 8) == 0)
			return i;
	}
	return 0;
}

static uint64_t used_chunks(struct nx_state *s)
{
	if (s->used_chunks != UINT64_MAX)
		return s->used_chunks;
	if (!s->share) {
		s->used_chunks = scan_used(s, s->chunk_index);
		return s->used_chunks;
	}
	/* the file's last used chunk, whatever part asks first; a part only
	 * compares it with chunks past its own position, so the answer from
	 * the whole file is the same as one from its position on */
	pthread_mutex_lock(&s->share->lock);
	if (!s->share->used_known) {
		s->share->used_chunks = scan_used(s, 0);
		s->share->used_known = true;
	}
	s->used_chunks = s->share->used_chunks;
	pthread_mutex_unlock(&s->share->lock);
	return s->used_chunks;
}

/* Loads the next chunk and sets up its record walk; false at the end. */
static bool load_chunk(struct bt_reader_ctx *ctx, struct nx_state *s)
{
	for (;;) {
		if (s->chunk_index >= s->chunk_end)
			return false;
		uint64_t off = BT_EVTX_FILE_HEADER_SIZE + s->chunk_index * BT_EVTX_CHUNK_SIZE;
		const uint8_t *c;
		size_t n;
		if (s->mem) {
			if (off >= s->mem_n)
				return false;
			c = s->mem + off;
			n = s->mem_n - off < BT_EVTX_CHUNK_SIZE ? (size_t)(s->mem_n - off)
			                                         : BT_EVTX_CHUNK_SIZE;
		} else if (off < s->file_size &&
		           in_hole(s, off, s->file_size - off < BT_EVTX_CHUNK_SIZE ? s->file_size - off
		                                                                   : BT_EVTX_CHUNK_SIZE)) {
			/* a hole of a sparse file: zero bytes, known without reading */
			s->chunk_index++;
			s->chunk_off = off;
			s->chunk_n = 0;
			s->chunk_counted = false;
			if (!s->quiet)
				ctx->stats->sparse_chunks++;
			if (s->chunk_index <= s->header_chunks || s->chunk_index < used_chunks(s))
				chunk_warn(ctx, s, "all zero bytes (a hole of a sparse file), though later "
				                   "chunks are in use (wiped, or not copied?): its records are "
				                   "not read");
			continue;
		} else {
			if (off >= s->file_size)
				return false;
			ssize_t r = bt_evtx_pread_full(s->fd, s->chunk, BT_EVTX_CHUNK_SIZE, off);
			if (r < 0) {
				bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path,
				         "read error at offset 0x%llx: %s", (unsigned long long)off,
				         strerror(errno));
				ctx->stats->incomplete = true;
				return false;
			}
			if (r == 0)
				return false;
			c = s->chunk;
			n = (size_t)r;
		}
		s->chunk_index++;
		s->chunk_off = off;
		s->chunk_n = n;
		s->chunk_counted = false;
		if (n < BT_EVTX_CHUNK_HEADER_SIZE || memcmp(c, "ElfChnk", 8) != 0) {
			if (bt_all_zero(c, n)) {
				/* never used, unless the header or a later chunk says
				 * it was: then it was wiped */
				if (s->chunk_index <= s->header_chunks ||
				    s->chunk_index < used_chunks(s))
					chunk_warn(ctx, s, "all zero bytes, though later chunks are in use "
					                   "(wiped, or not copied?): its records are not read");
				continue;
			}
			chunk_warn(ctx, s, n < BT_EVTX_CHUNK_HEADER_SIZE
			                       ? "chunk offsets outside the chunk (truncated?)"
			                       : "bad chunk signature");
			bt_evtx_slack_scan(c, n, 0, off, &s->slack);
			continue;
		}
		/* past the chunks a closed file's header lists: not in use (left by a
		 * clear or from before a wrap): every record there is a candidate for
		 * recovery, none is live. A dirty header may lag behind: then they
		 * are read as live, as libevtx does. */
		if (s->header_closed && s->chunk_index > s->header_chunks) {
			/* said once, at the first such chunk (whichever part reads it) */
			if (bt_evtx_slack_scan(c, n, BT_EVTX_CHUNK_HEADER_SIZE, off, &s->slack) &&
			    !s->quiet && s->chunk_index - 1 == s->header_chunks)
				bt_diagf(&ctx->opts->diag, BT_DIAG_NOTE, ctx->path,
				         "chunk %llu (offset 0x%llx) and later lie past the %llu chunks the "
				         "file header lists: their records are recovered, not read as live",
				         (unsigned long long)(s->chunk_index - 1), (unsigned long long)off,
				         (unsigned long long)s->header_chunks);
			continue;
		}
		/* the recovered part is quiet: the live parts report the CRCs */
		bool hdr_ok = true, data_ok = true;
		if (!s->quiet)
			bt_evtx_chunk_crcs(c, n, &hdr_ok, &data_ok);
		uint32_t fso = bt_le32(c + 48);
		bool fso_ok = fso >= BT_EVTX_CHUNK_HEADER_SIZE && fso <= BT_EVTX_CHUNK_SIZE && fso <= n;
		if (!hdr_ok)
			chunk_warn(ctx, s, "bad chunk header CRC; its records are read anyway");
		else if (!fso_ok)
			chunk_warn(ctx, s, "chunk offsets outside the chunk (truncated?)");
		else if (!data_ok)
			chunk_warn(ctx, s, "bad event records CRC; its records are read anyway");
		s->end = bt_evtx_chunk_records_end(c, n);
		s->pos = BT_EVTX_CHUNK_HEADER_SIZE;
		s->in_chunk = true;
		bt_bx_chunk_reset(s->cx, c, n);
		return true;
	}
}

static const uint8_t *chunk_bytes(const struct nx_state *s)
{
	return s->mem ? s->mem + s->chunk_off : s->chunk;
}

/* Finishes the loaded chunk: its slack space is scanned for candidates. */
static void end_chunk(struct nx_state *s, uint32_t slack_from)
{
	bt_evtx_slack_scan(chunk_bytes(s), s->chunk_n, slack_from, s->chunk_off, &s->slack);
	s->in_chunk = false;
}

/* Reads a record the native decoder rejected with libevtx, in place (so that
 * events stay in file order): a libevtx worker started on the first such
 * record serves them one by one. Returns true with the event in *ev; false
 * when libevtx cannot read it either (counted as failed). */
static bool ask_libevtx(struct bt_reader_ctx *ctx, struct nx_state *s, uint64_t index,
                        uint64_t id, uint64_t off, const char *why, const struct bt_event **ev)
{
	if (!s->lx && !s->lx_dead && !s->mem) {
		if (bt_evtx_libevtx_open(ctx, BT_LX_FALLBACK | BT_LX_SERVE, &s->lx) != BT_OK) {
			s->lx = NULL;
			s->lx_dead = true;
		}
	}
	if (!s->lx) {
		ctx->stats->failed++;
		warn_record(ctx, s, "record %llu (offset 0x%llx): %s; not read (libevtx unavailable)",
		            (unsigned long long)id, (unsigned long long)off, why);
		return false;
	}
	enum bt_status st = bt_evtx_libevtx_want(s->lx, index, id);
	/* a failed request means the worker is gone: next() then reports how */
	enum bt_status nst = bt_reader_evtx_libevtx.next(ctx, s->lx, ev);
	if (st == BT_OK)
		st = nst;
	else if (nst == BT_OK)
		st = BT_ERR_CRASH;
	if (st == BT_OK) {
		ctx->eb->ev.offset = off;
		return true;
	}
	ctx->stats->failed++;
	if (st == BT_ERR_FORMAT) {
		warn_record(ctx, s, "record %llu (offset 0x%llx): %s; not readable by libevtx either: %s",
		            (unsigned long long)id, (unsigned long long)off, why,
		            bt_evtx_libevtx_last_error(s->lx));
		return false;
	}
	/* the worker is gone (reported): no more requests */
	bt_reader_evtx_libevtx.close(s->lx);
	s->lx = NULL;
	s->lx_dead = true;
	return false;
}

/* The native pass: BT_OK with an event, or BT_EOF when the file is done. */
static enum bt_status native_next(struct bt_reader_ctx *ctx, struct nx_state *s,
                                  const struct bt_event **ev)
{
	char why[200];
	for (;;) {
		if (!s->in_chunk && !load_chunk(ctx, s))
			return BT_EOF;
		while (s->pos < s->end) {
			struct bt_bx_record r;
			if (s->end - s->pos < BT_BX_RECORD_HEADER + 4 ||
			    !bt_bx_record_at(s->cx, s->pos, s->end, &r)) {
				const uint8_t *c = chunk_bytes(s);
				bool zeros = bt_all_zero(c + s->pos, s->end - s->pos);
				if (!zeros) {
					/* what follows in the chunk is lost as live records
					 * (slack recovery may still find some) */
					if (!s->quiet && !s->chunk_counted) {
						ctx->stats->corrupt_chunks++;
						s->chunk_counted = true;
					}
					warn_record(ctx, s,
					            "chunk %llu: record area damaged at offset 0x%llx; the rest "
					            "of the chunk is searched for records as slack space",
					            (unsigned long long)(s->chunk_index - 1),
					            (unsigned long long)(s->chunk_off + s->pos));
				}
				uint32_t from = s->pos;
				end_chunk(s, from);
				break;
			}
			s->pos = r.offset + r.size;
			uint64_t index = s->live_index++;
			enum bt_status st = bt_bx_record_decode(s->cx, &r, ctx->eb, ctx->opts->want_fields,
			                                        ctx->opts->want_ctx, why, sizeof why);
			uint64_t off = s->chunk_off + r.offset;
			if (st == BT_OK) {
				struct bt_evbuf *eb = ctx->eb;
				eb->ev.file = ctx->path;
				eb->ev.offset = off;
				if (eb->truncated)
					warn_record(ctx, s, "record %llu: fields beyond the per-event cap were "
					            "dropped", (unsigned long long)eb->ev.record_id);
				*ev = bt_evbuf_done(eb);
				return BT_OK;
			}
			/* left to libevtx: counted, and reported only if libevtx fails too */
			s->rejected++;
			if (ask_libevtx(ctx, s, index, r.id, off, why, ev)) {
				ctx->stats->libevtx_read++;
				return BT_OK;
			}
		}
		if (s->in_chunk)
			end_chunk(s, s->end);
	}
}

/* The recovered part: walks every chunk's record headers (no decoding) to
 * find where its slack space starts, and scans that for record signatures. */
static void slack_walk(struct bt_reader_ctx *ctx, struct nx_state *s)
{
	while (load_chunk(ctx, s)) {
		while (s->pos < s->end) {
			struct bt_bx_record r;
			if (s->end - s->pos < BT_BX_RECORD_HEADER + 4 ||
			    !bt_bx_record_at(s->cx, s->pos, s->end, &r))
				break;
			s->pos = r.offset + r.size;
		}
		end_chunk(s, s->pos);
	}
}

/* The live walk is over: a libevtx worker serving rejected records ends. */
static void live_end(struct nx_state *s)
{
	if (s->lx) {
		bt_reader_evtx_libevtx.close(s->lx);
		s->lx = NULL;
	}
}

/* The recovery pass is over: its counts, and one line saying them. */
static void recover_end(struct bt_reader_ctx *ctx, struct nx_state *s, enum bt_status st)
{
	s->phase = PH_DONE;
	if (!s->rc)
		return;
	const struct bt_evtx_recover_counts *k = bt_evtx_recover_counts(s->rc);
	uint64_t bad = 0;
	for (int r = 0; r < BT_UNREC_COUNT; r++)
		bad += k->unrecoverable[r];
	ctx->stats->recovered_failed += bad;
	ctx->stats->recovered_copies += k->copies;
	if (st != BT_EOF) {
		bt_diagf(&ctx->opts->diag, BT_DIAG_WARN, ctx->path,
		         st == BT_ERR_IO ? "recovery of records outside the live records stopped: "
		                           "read error: %s"
		                         : "recovery of records outside the live records stopped: %s",
		         st == BT_ERR_IO ? strerror(errno) : bt_status_str(st));
		ctx->stats->incomplete = true;
	}
	char line[512];
	bt_evtx_recover_summary(k, line, sizeof line);
	bt_diagf(&ctx->opts->diag, BT_DIAG_NOTE, ctx->path, "%s", line);
}

static enum bt_status nx_next(struct bt_reader_ctx *ctx, void *state, const struct bt_event **ev)
{
	struct nx_state *s = state;
	const struct bt_evtx_opts *eo = ctx->format_opts;
	for (;;) {
		switch (s->phase) {
		case PH_NATIVE:
			if (s->part == BT_EVTX_PART_RECOVERED) {
				if (!s->share || !share_take(s->share, &s->slack))
					slack_walk(ctx, s);
			} else if (native_next(ctx, s, ev) == BT_OK) {
				return BT_OK;
			}
			live_end(s);
			if (s->part == BT_EVTX_PART_LIVE) {
				s->slack_complete = true;   /* the recovered part reads the slack */
				s->phase = PH_DONE;
			} else {
				s->phase = PH_RECOVER;
			}
			break;
		case PH_RECOVER: {
			if (!s->rc) {
				if (s->slack.n == 0 || (eo && eo->no_recover)) {
					s->phase = PH_DONE;
					break;
				}
				s->rc = bt_evtx_recover_new(s->fd, s->mem, s->mem ? s->mem_n : s->file_size,
				                            &s->slack, eo ? eo->donors : NULL, ctx->path,
				                            s->cx);
				if (!s->rc) {
					recover_end(ctx, s, BT_ERR_NOMEM);
					break;
				}
				if (s->header_closed)
					bt_evtx_recover_live_chunks(s->rc, s->header_chunks);
			}
			enum bt_status st = bt_evtx_recover_next(s->rc, ctx->eb, ev);
			if (st == BT_OK) {
				ctx->eb->ev.file = ctx->path;
				return BT_OK;
			}
			recover_end(ctx, s, st);
			break;
		}
		case PH_DONE:
			return BT_EOF;
		}
	}
}

static void nx_close(void *state)
{
	nx_free(state);
}

/* ---- planning: a large file read in parts side by side ---- */

/* Ranges of `split` chunks, then the recovered part. The cut depends only on
 * the file (never on --jobs): a file is read in the same parts, and libevtx,
 * for what it reads, sees the same views, whatever the number of threads. */
static bool nx_plan(const unsigned char *head, size_t n, uint64_t size, uint64_t split,
                    bt_part_fn add, void *ctx)
{
	if (n < 8 || memcmp(head, "ElfFile", 8) != 0 || split == 0)
		return true;
	uint64_t chunks = size > BT_EVTX_FILE_HEADER_SIZE
	                      ? (size - BT_EVTX_FILE_HEADER_SIZE + BT_EVTX_CHUNK_SIZE - 1) /
	                            BT_EVTX_CHUNK_SIZE
	                      : 0;
	if (chunks < 2 * split)
		return true;
	/* the live parts pass their slack candidates to the recovered part;
	 * without the share (out of memory) it reads the file again */
	struct bt_part p = {.kind = BT_EVTX_PART_LIVE};
	p.shared = bt_evtx_slack_share_new((size_t)((chunks + split - 1) / split));
	for (uint64_t c = 0; c < chunks; c += split) {
		p.first = c;
		p.count = chunks - c < split ? chunks - c : split;
		p.bytes = p.count * BT_EVTX_CHUNK_SIZE + (c == 0 ? BT_EVTX_FILE_HEADER_SIZE : 0);
		if (!add(ctx, &p)) {
			if (p.index == 0)
				bt_evtx_slack_share_free(p.shared);
			return false;
		}
		p.index++;
	}
	p.kind = BT_EVTX_PART_RECOVERED;
	p.first = p.count = p.bytes = 0;
	return add(ctx, &p);
}

static void nx_part_ended(const struct bt_part *p)
{
	if (p->kind == BT_EVTX_PART_LIVE && p->shared)
		bt_evtx_slack_share_part_ended(p->shared);
}

static void nx_shared_free(void *shared)
{
	bt_evtx_slack_share_free(shared);
}

const struct bt_reader_ops bt_reader_evtx_native = {
	.name = "native",
	.needs_stream = false,
	.open = nx_open,
	.next = nx_next,
	.close = nx_close,
	.plan = nx_plan,
	.plan_min_size = BT_EVTX_FILE_HEADER_SIZE + 2 * BT_EVTX_CHUNK_SIZE,
	.part_ended = nx_part_ended,
	.shared_free = nx_shared_free,
};

/* ---- in-memory entry point (fuzzing, tests) ---- */

struct bt_evtx_mem {
	struct nx_state *s;
	struct bt_reader_ctx ctx;
	struct bt_read_opts opts;
	struct bt_file_stats stats;
	struct bt_evbuf eb;
};

enum bt_status bt_evtx_native_mem(const uint8_t *data, size_t n, const struct bt_read_opts *opts,
                                  void (*on_event)(void *ctx, const struct bt_event *ev),
                                  void *cb_ctx, struct bt_file_stats *stats)
{
	struct bt_evtx_mem m;
	memset(&m, 0, sizeof m);
	if (opts)
		m.opts = *opts;
	bt_evbuf_init(&m.eb);
	m.ctx.path = "<memory>";
	m.ctx.open_path = "<memory>";
	m.ctx.fd = -1;
	static const struct bt_part whole;
	static const struct bt_evtx_opts no_worker;
	m.ctx.opts = &m.opts;
	m.ctx.format_opts = &no_worker;
	m.ctx.part = &whole;
	m.ctx.stats = &m.stats;
	m.ctx.eb = &m.eb;
	struct nx_state *s = calloc(1, sizeof *s);
	enum bt_status st = BT_ERR_NOMEM;
	if (s) {
		s->fd = -1;
		s->mem = data;
		s->mem_n = n;
		s->file_size = n;
		st = nx_setup(&m.ctx, s, data, n < BT_EVTX_FILE_HEADER_SIZE ? n : BT_EVTX_FILE_HEADER_SIZE);
	}
	if (st == BT_OK) {
		const struct bt_event *ev;
		while (nx_next(&m.ctx, s, &ev) == BT_OK) {
			if (ev->flags & BT_EV_RECOVERED)
				m.stats.recovered++;
			else
				m.stats.records++;
			if (on_event)
				on_event(cb_ctx, ev);
		}
	}
	nx_free(s);
	bt_evbuf_free(&m.eb);
	if (stats)
		*stats = m.stats;
	return st;
}
