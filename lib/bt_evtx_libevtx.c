/* EVTX through libevtx: the worker side (libevtx calls, framed output) and the
 * reader side (spawning the worker, decoding frames, XML to events). The only
 * module that includes libevtx. */
#include "config.h"

#include "bt_evtx_libevtx.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libevtx.h>

#include "bt_bfio_fd.h"
#include "bt_evtx_format.h"
#include "bt_evtx_xml.h"
#include "bt_reader.h"

extern char **environ;

const char *bt_libevtx_version(void)
{
	return libevtx_get_version();
}

/* ---- frames: the worker protocol (same binary on both ends) ---- */

enum frame_type {
	FRAME_INFO = 1,      /* u32 flags (1 dirty, 2 corrupted), u32 records, u32 recovered */
	FRAME_RECORD,        /* u64 id, u64 offset, u64 written, u32 flags, XML bytes */
	FRAME_FAIL,          /* u32 index, u32 flags (1 recovered), message */
	FRAME_OPEN_FAIL,     /* message */
	FRAME_END,
};

#define FRAME_MAX (32u * 1024 * 1024)
#define FLAG_RECOVERED 1u

struct frame {
	uint32_t type;
	uint32_t len;
	unsigned char *data;
	size_t cap;
};

static bool frame_reserve(struct frame *f, size_t n)
{
	if (n > FRAME_MAX)
		return false;
	if (n > f->cap) {
		size_t nc = f->cap ? f->cap : 4096;
		while (nc < n)
			nc *= 2;
		unsigned char *nd = realloc(f->data, nc);
		if (!nd)
			return false;
		f->data = nd;
		f->cap = nc;
	}
	return true;
}

static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* ---- the producer: one libevtx file, one frame per step ---- */

struct producer {
	libbfio_handle_t *io;         /* our read-only descriptor (no atime update) */
	libevtx_file_t *file;
	int nrec, nrecov;
	int idx;
	bool recovered_phase;
	bool info_sent, end_sent, failed_open;
	char open_error[512];
};

static void error_text(libevtx_error_t *err, char *buf, size_t n)
{
	buf[0] = '\0';
	if (err) {
		libevtx_error_sprint(err, buf, n);
		libevtx_error_free(&err);
	}
	/* libevtx messages span lines (a backtrace); keep the first, most specific line. */
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0])
		snprintf(buf, n, "unknown libevtx error");
}

static void producer_open(struct producer *pr, const char *path)
{
	memset(pr, 0, sizeof *pr);
	libevtx_error_t *err = NULL;
	if (bt_bfio_fd_open(path, &pr->io) != 1) {
		snprintf(pr->open_error, sizeof pr->open_error, "cannot open: %s", strerror(errno));
		pr->failed_open = true;
		return;
	}
	if (libevtx_file_initialize(&pr->file, &err) != 1 ||
	    libevtx_file_open_file_io_handle(pr->file, pr->io, LIBEVTX_OPEN_READ, &err) != 1 ||
	    libevtx_file_get_number_of_records(pr->file, &pr->nrec, &err) != 1) {
		error_text(err, pr->open_error, sizeof pr->open_error);
		pr->failed_open = true;
		return;
	}
	if (libevtx_file_get_number_of_recovered_records(pr->file, &pr->nrecov, &err) != 1) {
		libevtx_error_free(&err);
		pr->nrecov = 0;
	}
}

static void producer_close(struct producer *pr)
{
	if (pr->file) {
		libevtx_file_close(pr->file, NULL);
		libevtx_file_free(&pr->file, NULL);
	}
	if (pr->io)
		libbfio_handle_free(&pr->io, NULL);
}

/* Renders record `idx` into f; returns false with a message in f on failure. */
static bool render_record(struct producer *pr, int idx, bool recovered, struct frame *f)
{
	libevtx_error_t *err = NULL;
	libevtx_record_t *rec = NULL;
	char msg[512];
	int ok = recovered ? libevtx_file_get_recovered_record_by_index(pr->file, idx, &rec, &err)
	                   : libevtx_file_get_record_by_index(pr->file, idx, &rec, &err);
	uint64_t id = 0, written = 0;
	off64_t offset = 0;
	size_t xml_size = 0;
	if (ok == 1 && libevtx_record_get_utf8_xml_string_size(rec, &xml_size, &err) == 1 &&
	    xml_size > 0 && frame_reserve(f, 28 + xml_size)) {
		libevtx_record_get_identifier(rec, &id, NULL);
		libevtx_record_get_offset(rec, &offset, NULL);
		libevtx_record_get_written_time(rec, &written, NULL);
		if (libevtx_record_get_utf8_xml_string(rec, (uint8_t *)f->data + 28, xml_size, &err) == 1) {
			/* xml_size counts the terminating NUL */
			f->type = FRAME_RECORD;
			f->len = (uint32_t)(28 + xml_size - 1);
			put64(f->data, id);
			put64(f->data + 8, (uint64_t)offset);
			put64(f->data + 16, written);
			put32(f->data + 24, recovered ? FLAG_RECOVERED : 0);
			libevtx_record_free(&rec, NULL);
			return true;
		}
	}
	if (err)
		error_text(err, msg, sizeof msg);
	else if (ok == 1 && xml_size == 0)
		snprintf(msg, sizeof msg, "record renders as empty XML");
	else
		snprintf(msg, sizeof msg, "record too large or out of memory");
	if (rec)
		libevtx_record_free(&rec, NULL);
	size_t ml = strlen(msg);
	if (frame_reserve(f, 8 + ml)) {
		f->type = FRAME_FAIL;
		f->len = (uint32_t)(8 + ml);
		put32(f->data, (uint32_t)idx);
		put32(f->data + 4, recovered ? FLAG_RECOVERED : 0);
		memcpy(f->data + 8, msg, ml);
	} else {
		f->type = FRAME_FAIL;
		f->len = 0;
	}
	return false;
}

/* Produces the next frame; returns false after FRAME_END / FRAME_OPEN_FAIL. */
static bool producer_step(struct producer *pr, struct frame *f)
{
	if (pr->end_sent)
		return false;
	if (pr->failed_open) {
		size_t ml = strlen(pr->open_error);
		frame_reserve(f, ml);
		f->type = FRAME_OPEN_FAIL;
		f->len = (uint32_t)ml;
		memcpy(f->data, pr->open_error, ml);
		pr->end_sent = true;
		return true;
	}
	if (!pr->info_sent) {
		uint32_t flags = 0, fl = 0;
		if (libevtx_file_get_flags(pr->file, &fl, NULL) == 1 && (fl & LIBEVTX_FILE_FLAG_IS_DIRTY))
			flags |= 1;
		if (libevtx_file_is_corrupted(pr->file, NULL) == 1)
			flags |= 2;
		frame_reserve(f, 12);
		f->type = FRAME_INFO;
		f->len = 12;
		put32(f->data, flags);
		put32(f->data + 4, (uint32_t)pr->nrec);
		put32(f->data + 8, (uint32_t)pr->nrecov);
		pr->info_sent = true;
		return true;
	}
	if (!pr->recovered_phase && pr->idx >= pr->nrec) {
		pr->recovered_phase = true;
		pr->idx = 0;
	}
	if (pr->recovered_phase && pr->idx >= pr->nrecov) {
		f->type = FRAME_END;
		f->len = 0;
		pr->end_sent = true;
		return true;
	}
	render_record(pr, pr->idx, pr->recovered_phase, f);
	pr->idx++;
	return true;
}

static bool write_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		b += w;
		n -= (size_t)w;
	}
	return true;
}

int bt_evtx_worker_main(const char *path, int out_fd)
{
	struct producer pr;
	struct frame f = {0};
	producer_open(&pr, path);
	while (producer_step(&pr, &f)) {
		unsigned char hdr[8];
		put32(hdr, f.type);
		put32(hdr + 4, f.len);
		if (!write_all(out_fd, hdr, 8) || !write_all(out_fd, f.data, f.len))
			break;
	}
	producer_close(&pr);
	free(f.data);
	return 0;
}

/* ---- the reader ---- */

struct lx_state {
	bool inproc;
	struct producer pr;           /* in-process mode */
	pid_t pid;
	int rfd;
	unsigned char rbuf[65536];    /* pipe read buffer */
	size_t rstart, rend;
	struct frame f;
	bool ended;
	uint64_t emitted;
	unsigned timeout_ms;
	unsigned warned;              /* per-record warnings printed (capped) */
};

/* Per-file cap on individual record warnings; the rest are summarised. */
#define MAX_RECORD_WARNINGS 10

static enum bt_status lx_spawn(struct bt_reader_ctx *ctx, struct lx_state *s)
{
	int p[2];
	if (pipe(p) != 0)
		return BT_ERR_IO;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	posix_spawn_file_actions_addclose(&fa, p[1]);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	char *argv[] = {(char *)ctx->opts->worker_exe, (char *)"__evtx-worker",
	                (char *)ctx->open_path, NULL};
	int rc = posix_spawn(&s->pid, ctx->opts->worker_exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path, "cannot start libevtx worker %s: %s",
		         ctx->opts->worker_exe, strerror(rc));
		return BT_ERR_IO;
	}
	s->rfd = p[0];
	return BT_OK;
}

static enum bt_status lx_open(struct bt_reader_ctx *ctx, void **state)
{
	struct lx_state *s = calloc(1, sizeof *s);
	if (!s)
		return BT_ERR_NOMEM;
	s->rfd = -1;
	s->pid = -1;
	unsigned t = ctx->opts->worker_timeout_sec ? ctx->opts->worker_timeout_sec : 120;
	s->timeout_ms = t > 2000000 ? 2000000000u : t * 1000u;
	bt_evtx_xml_init();
	if (ctx->fd >= 0)
		bt_evtx_scan(ctx->fd, ctx->path, &ctx->opts->diag, ctx->stats);
	else {
		int fd = open(ctx->open_path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			bt_evtx_scan(fd, ctx->path, &ctx->opts->diag, ctx->stats);
			close(fd);
		}
	}
	enum bt_status st = BT_OK;
	if (ctx->opts->worker_exe) {
		st = lx_spawn(ctx, s);
	} else {
		s->inproc = true;
		producer_open(&s->pr, ctx->open_path);
	}
	if (st != BT_OK) {
		free(s);
		return st;
	}
	*state = s;
	return BT_OK;
}

/* Reads exactly n bytes from the worker pipe; false on EOF, error or timeout
 * (then *why says which). */
static bool lx_read(struct lx_state *s, unsigned char *dst, size_t n, const char **why)
{
	while (n) {
		if (s->rstart == s->rend) {
			struct pollfd pfd = {.fd = s->rfd, .events = POLLIN};
			int pr = poll(&pfd, 1, (int)s->timeout_ms);
			if (pr < 0 && errno == EINTR)
				continue;
			if (pr == 0) {
				*why = "timeout";
				return false;
			}
			ssize_t r = read(s->rfd, s->rbuf, sizeof s->rbuf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				*why = "eof";
				return false;
			}
			s->rstart = 0;
			s->rend = (size_t)r;
		}
		size_t k = s->rend - s->rstart;
		if (k > n)
			k = n;
		memcpy(dst, s->rbuf + s->rstart, k);
		s->rstart += k;
		dst += k;
		n -= k;
	}
	return true;
}

/* Reports how the worker ended when its stream stopped without FRAME_END. */
static enum bt_status lx_worker_lost(struct bt_reader_ctx *ctx, struct lx_state *s, const char *why)
{
	int status = 0;
	if (s->emitted == 0)
		ctx->stats->unreadable = true;
	if (strcmp(why, "timeout") == 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
		s->pid = -1;
		bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path,
		         "libevtx made no progress for %u s after %llu records and was stopped; "
		         "the rest of the file is not read",
		         s->timeout_ms / 1000, (unsigned long long)s->emitted);
		return BT_ERR_CRASH;
	}
	waitpid(s->pid, &status, 0);
	s->pid = -1;
	if (WIFSIGNALED(status))
		bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path,
		         "libevtx crashed (signal %d) after %llu records; the rest of the file is not read",
		         WTERMSIG(status), (unsigned long long)s->emitted);
	else
		bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path,
		         "libevtx worker ended unexpectedly (status %d) after %llu records",
		         WIFEXITED(status) ? WEXITSTATUS(status) : -1, (unsigned long long)s->emitted);
	return BT_ERR_CRASH;
}

static enum bt_status lx_next_frame(struct bt_reader_ctx *ctx, struct lx_state *s)
{
	if (s->inproc)
		return producer_step(&s->pr, &s->f) ? BT_OK : BT_EOF;
	unsigned char hdr[8];
	const char *why = "eof";
	if (!lx_read(s, hdr, 8, &why))
		return lx_worker_lost(ctx, s, why);
	s->f.type = get32(hdr);
	s->f.len = get32(hdr + 4);
	if (!frame_reserve(&s->f, s->f.len)) {
		bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path, "libevtx worker sent a bad frame");
		return lx_worker_lost(ctx, s, "timeout");
	}
	if (!lx_read(s, s->f.data, s->f.len, &why))
		return lx_worker_lost(ctx, s, why);
	return BT_OK;
}

static enum bt_status lx_next(struct bt_reader_ctx *ctx, void *state, const struct bt_event **ev)
{
	struct lx_state *s = state;
	const struct bt_diag *diag = &ctx->opts->diag;
	while (!s->ended) {
		enum bt_status st = lx_next_frame(ctx, s);
		if (st != BT_OK) {
			s->ended = true;
			return st;
		}
		struct frame *f = &s->f;
		switch (f->type) {
		case FRAME_INFO:
			if (f->len >= 12) {
				uint32_t flags = get32(f->data);
				if (flags & 1)
					ctx->stats->dirty = true;
				if ((flags & 2) && ctx->stats->corrupt_chunks == 0)
					bt_diagf(diag, BT_DIAG_WARN, ctx->path,
					         "libevtx flags the file as corrupted");
			}
			break;
		case FRAME_OPEN_FAIL:
			bt_diagf(diag, BT_DIAG_ERROR, ctx->path, "not readable as EVTX: %.*s",
			         (int)f->len, (const char *)f->data);
			ctx->stats->unreadable = true;
			s->ended = true;
			return BT_ERR_FORMAT;
		case FRAME_FAIL: {
			uint32_t idx = f->len >= 8 ? get32(f->data) : 0;
			bool rec = f->len >= 8 && (get32(f->data + 4) & FLAG_RECOVERED);
			if (rec) {
				/* Slack-space candidates often are fragments: counted and
				 * summarised at the end, not reported one by one. */
				ctx->stats->recovered_failed++;
				break;
			}
			ctx->stats->failed++;
			if (s->warned++ < MAX_RECORD_WARNINGS)
				bt_diagf(diag, BT_DIAG_WARN, ctx->path, "record index %u: %.*s", idx,
				         f->len > 8 ? (int)(f->len - 8) : 0, (const char *)f->data + 8);
			break;
		}
		case FRAME_RECORD: {
			if (f->len < 28)
				break;
			struct bt_evbuf *eb = ctx->eb;
			bt_evbuf_reset(eb, BT_SOURCE_EVTX);
			uint64_t id = get64(f->data), written = get64(f->data + 16);
			eb->ev.offset = get64(f->data + 8);
			if (get32(f->data + 24) & FLAG_RECOVERED)
				eb->ev.flags |= BT_EV_RECOVERED;
			eb->ev.file = ctx->path;
			char why[256];
			enum bt_status xs = bt_evtx_xml_parse((const char *)f->data + 28, f->len - 28, eb,
			                                      ctx->opts->want_fields, ctx->opts->want_ctx,
			                                      why, sizeof why);
			if (!eb->ev.record_id)
				eb->ev.record_id = id;
			if (eb->ev.time == BT_TIME_NONE && written && written <= INT64_MAX)
				eb->ev.time = (bt_time)written;
			if (xs != BT_OK && s->warned++ < MAX_RECORD_WARNINGS) {
				/* The record is kept with what could be read; say so. */
				bt_diagf(diag, BT_DIAG_WARN, ctx->path, "record %llu (offset 0x%llx): %s",
				         (unsigned long long)eb->ev.record_id,
				         (unsigned long long)eb->ev.offset, why);
			}
			if (eb->truncated && s->warned++ < MAX_RECORD_WARNINGS)
				bt_diagf(diag, BT_DIAG_WARN, ctx->path,
				         "record %llu: fields beyond the per-event cap were dropped",
				         (unsigned long long)eb->ev.record_id);
			s->emitted++;
			*ev = bt_evbuf_done(eb);
			return BT_OK;
		}
		case FRAME_END:
			s->ended = true;
			if (s->warned > MAX_RECORD_WARNINGS)
				bt_diagf(diag, BT_DIAG_WARN, ctx->path,
				         "%u more unreadable records not listed",
				         s->warned - MAX_RECORD_WARNINGS);
			if (ctx->stats->recovered_failed)
				bt_diagf(diag, BT_DIAG_NOTE, ctx->path,
				         "%llu of %llu slack-space record candidates could not be read by libevtx",
				         (unsigned long long)ctx->stats->recovered_failed,
				         (unsigned long long)(ctx->stats->recovered_failed +
				                              ctx->stats->recovered));
			return BT_EOF;
		default:
			bt_diagf(diag, BT_DIAG_ERROR, ctx->path, "libevtx worker sent frame type %u",
			         f->type);
			s->ended = true;
			return BT_ERR_CRASH;
		}
	}
	return BT_EOF;
}

static void lx_close(void *state)
{
	struct lx_state *s = state;
	if (!s)
		return;
	if (s->inproc)
		producer_close(&s->pr);
	if (s->rfd >= 0)
		close(s->rfd);
	if (s->pid > 0) {
		/* Stopped early (e.g. `| head`): do not wait for a long file. */
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	free(s->f.data);
	free(s);
}

const struct bt_reader_ops bt_reader_evtx_libevtx = {
	.name = "libevtx",
	.needs_stream = false,
	.open = lx_open,
	.next = lx_next,
	.close = lx_close,
};
