/* EVTX through libevtx: the worker side (libevtx calls, framed output) and the
 * reader side (spawning the worker, decoding frames, XML to events). The only
 * module that includes libevtx. */
#include "config.h"

#include "evtx/bt_evtx_libevtx.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libevtx.h>

#include "evtx/bt_bfio_fd.h"
#include "evtx/bt_evtx.h"
#include "evtx/bt_evtx_format.h"
#include "evtx/bt_evtx_xml.h"
#include "io/bt_pipe.h"
#include "io/bt_fd.h"
#include "io/bt_reader.h"

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
/* where a worker finds the evidence file its parent opened */
#define WORKER_FD 3
#define WORKER_FD_PATH "/dev/fd/3"

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
	bool recovered_only;          /* skip live records (native reader fallback) */
	bool no_recovered;            /* skip recovered records */
	bool serve;                   /* answers requests, one record at a time */
	bool req_live;                /* a live record is requested: req */
	struct bt_lx_want req;
	bool req_recovered;           /* the recovered records are requested */
	struct bt_lx_want *ids;       /* (identifier, index) of every record, sorted */
	size_t nids;
	bool indexed;
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

static void producer_open(struct producer *pr, const char *path, unsigned flags,
                          uint64_t chunk_first, uint64_t chunk_count)
{
	memset(pr, 0, sizeof *pr);
	pr->recovered_only = (flags & BT_LX_RECOVERED_ONLY) != 0;
	pr->no_recovered = (flags & BT_LX_NO_RECOVERED) != 0;
	pr->serve = (flags & BT_LX_SERVE) != 0;
	libevtx_error_t *err = NULL;
	/* A part of a large file (--jobs): libevtx sees only its chunks. */
	if (bt_bfio_fd_open_chunks(path, chunk_first, chunk_count, &pr->io) != 1) {
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
	free(pr->ids);
	if (pr->file) {
		libevtx_file_close(pr->file, NULL);
		libevtx_file_free(&pr->file, NULL);
	}
	if (pr->io)
		libbfio_handle_free(&pr->io, NULL);
}

/* libuna 20181227 (under libevtx) decodes a UTF-16 surrogate pair to a code
 * point 0x3FF too low. Those it puts above U+FFFF can only have come from a
 * pair: put right in place (same UTF-8 length). Those it puts at U+FC01..
 * U+FFFF (from U+10000..U+103FE) cannot be told from real ones and stay. */
static void fix_surrogate_pairs(uint8_t *s, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++) {
		if ((s[i] & 0xF8) != 0xF0 || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 ||
		    (s[i + 3] & 0xC0) != 0x80)
			continue;
		uint32_t cp = (uint32_t)(s[i] & 0x07) << 18 | (uint32_t)(s[i + 1] & 0x3F) << 12 |
		              (uint32_t)(s[i + 2] & 0x3F) << 6 | (uint32_t)(s[i + 3] & 0x3F);
		if (cp < 0x10000 || cp > 0x10FFFF - 0x3FF)
			continue;
		cp += 0x3FF;
		s[i] = (uint8_t)(0xF0 | cp >> 18);
		s[i + 1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
		s[i + 2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
		s[i + 3] = (uint8_t)(0x80 | (cp & 0x3F));
		i += 3;
	}
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
			fix_surrogate_pairs((uint8_t *)f->data + 28, xml_size - 1);
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

static bool record_id_at(struct producer *pr, int idx, uint64_t *id)
{
	libevtx_record_t *rec = NULL;
	bool ok = libevtx_file_get_record_by_index(pr->file, idx, &rec, NULL) == 1 &&
	          libevtx_record_get_identifier(rec, id, NULL) == 1;
	if (rec)
		libevtx_record_free(&rec, NULL);
	return ok;
}

static int want_cmp(const void *a, const void *b)
{
	const struct bt_lx_want *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Renders the requested live record: the one at its index hint when the
 * identifier matches, else the first with that identifier (found through an
 * index of every record, built once). */
static void render_wanted(struct producer *pr, const struct bt_lx_want *w, struct frame *f)
{
	uint64_t id;
	int idx = -1;
	if (w->index < (uint64_t)pr->nrec && record_id_at(pr, (int)w->index, &id) && id == w->id) {
		idx = (int)w->index;
	} else {
		if (!pr->indexed) {
			pr->indexed = true;
			pr->ids = pr->nrec > 0 ? malloc((size_t)pr->nrec * sizeof *pr->ids) : NULL;
			for (int i = 0; pr->ids && i < pr->nrec; i++)
				if (record_id_at(pr, i, &id))
					pr->ids[pr->nids++] = (struct bt_lx_want){.index = (uint64_t)i, .id = id};
			if (pr->ids)
				qsort(pr->ids, pr->nids, sizeof *pr->ids, want_cmp);
		}
		size_t lo = 0, hi = pr->nids;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (pr->ids[mid].id < w->id)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < pr->nids && pr->ids[lo].id == w->id)
			idx = (int)pr->ids[lo].index;
	}
	if (idx >= 0) {
		render_record(pr, idx, false, f);
		return;
	}
	const char *msg = "record not found by libevtx";
	size_t ml = strlen(msg);
	f->type = FRAME_FAIL;
	f->len = 0;
	if (frame_reserve(f, 8 + ml)) {
		f->len = (uint32_t)(8 + ml);
		put32(f->data, (uint32_t)w->index);
		put32(f->data + 4, 0);
		memcpy(f->data + 8, msg, ml);
	}
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
	if (pr->serve) {
		if (pr->req_live) {
			pr->req_live = false;
			render_wanted(pr, &pr->req, f);
			return true;
		}
		if (!pr->req_recovered)
			return false;   /* nothing asked for */
		pr->recovered_phase = true;
	}
	if (!pr->recovered_phase && (pr->idx >= pr->nrec || pr->recovered_only)) {
		pr->recovered_phase = true;
		pr->idx = 0;
	}
	if (pr->recovered_phase && (pr->idx >= pr->nrecov || pr->no_recovered)) {
		f->type = FRAME_END;
		f->len = 0;
		pr->end_sent = true;
		return true;
	}
	render_record(pr, pr->idx, pr->recovered_phase, f);
	pr->idx++;
	return true;
}

static bool write_frame(int fd, const struct frame *f)
{
	unsigned char hdr[8];
	put32(hdr, f->type);
	put32(hdr + 4, f->len);
	return bt_write_all(fd, hdr, 8, NULL) && bt_write_all(fd, f->data, f->len, NULL);
}

/* Serve mode: requests on in_fd, one per line: "L INDEX ID" (a live record,
 * answered by one RECORD or FAIL frame) or "R" (the recovered records, then
 * END; the worker then exits). */
static int serve_loop(struct producer *pr, struct frame *f, int in_fd, int out_fd)
{
	if (producer_step(pr, f) && !write_frame(out_fd, f))   /* INFO or OPEN_FAIL */
		return 0;
	if (pr->end_sent)
		return 0;
	char line[128];
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t r = read(in_fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		if (c != '\n') {
			if (n < sizeof line - 1)
				line[n++] = c;
			continue;
		}
		line[n] = '\0';
		n = 0;
		unsigned long long idx, id;
		if (line[0] == 'L' && sscanf(line + 1, "%llu %llu", &idx, &id) == 2) {
			pr->req_live = true;
			pr->req.index = idx;
			pr->req.id = id;
			if (producer_step(pr, f) && !write_frame(out_fd, f))
				return 0;
		} else if (line[0] == 'R') {
			pr->req_recovered = true;
			while (producer_step(pr, f))
				if (!write_frame(out_fd, f))
					return 0;
			return 0;
		} else {
			return 2;
		}
	}
}

int bt_evtx_worker_main_args(int argc, char **argv, int out_fd)
{
	/* a worker that crashes on hostile evidence leaves no core file in the
	 * analyst's folder (the crash is reported and counted instead) */
	struct rlimit core = {0, 0};
	setrlimit(RLIMIT_CORE, &core);
	unsigned flags = 0;
	unsigned long long first = 0, count = 0;
	int i = 0;
	for (; i < argc - 1; i++) {
		if (strcmp(argv[i], "--chunks") == 0 && i + 3 < argc) {
			char *e1, *e2;
			first = strtoull(argv[i + 1], &e1, 10);
			count = strtoull(argv[i + 2], &e2, 10);
			if (*e1 || *e2)
				return 2;
			i += 2;
		} else if (strcmp(argv[i], "--recovered-only") == 0)
			flags |= BT_LX_RECOVERED_ONLY;
		else if (strcmp(argv[i], "--no-recovered") == 0)
			flags |= BT_LX_NO_RECOVERED;
		else if (strcmp(argv[i], "--serve") == 0)
			flags |= BT_LX_SERVE;
		else
			return 2;
	}
	if (i != argc - 1)
		return 2;
	return bt_evtx_worker_main_chunks(argv[argc - 1], out_fd, flags, first, count);
}

int bt_evtx_worker_main(const char *path, int out_fd, unsigned flags)
{
	return bt_evtx_worker_main_chunks(path, out_fd, flags, 0, 0);
}

/* AddressSanitizer reserves terabytes of address space: no RLIMIT_AS there. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

int bt_evtx_worker_main_chunks(const char *path, int out_fd, unsigned flags, uint64_t chunk_first,
                               uint64_t chunk_count)
{
	struct producer pr;
	struct frame f = {0};
	int rc = 0;
#ifndef UNDER_ASAN
	/* A damaged file can make libevtx allocate without end (seen: 24 GB):
	 * the worker gets a ceiling, past which its allocations fail and only
	 * this file's left-over records are lost. */
	struct rlimit rl = {BT_LIBEVTX_WORKER_MEMORY, BT_LIBEVTX_WORKER_MEMORY};
	setrlimit(RLIMIT_AS, &rl);
#endif
	producer_open(&pr, path, flags, chunk_first, chunk_count);
	if (pr.serve) {
		rc = serve_loop(&pr, &f, STDIN_FILENO, out_fd);
	} else {
		while (producer_step(&pr, &f))
			if (!write_frame(out_fd, &f))
				break;
	}
	producer_close(&pr);
	free(f.data);
	return rc;
}

/* ---- the reader ---- */

struct lx_state {
	unsigned flags;               /* BT_LX_* */
	uint64_t chunk_first, chunk_count;  /* the part of the file libevtx sees (count 0: all) */
	int wfd;                      /* serve mode: requests to the worker */
	struct bt_evtx_recmap live;   /* record offsets, which libevtx does not give */
	struct bt_evtx_recmap slack;
	uint64_t last_id;             /* header identifier of the last record */
	char last_fail[256];          /* serve mode: why the last request failed */
	bool inproc;
	struct producer pr;           /* in-process mode */
	pid_t pid;
	struct bt_pipe pipe;          /* the worker's output */
	struct frame f;
	bool ended;
	uint64_t emitted;
};


static enum bt_status lx_spawn(struct bt_reader_ctx *ctx, struct lx_state *s)
{
	const struct bt_evtx_opts *eo = ctx->format_opts;
	int p[2], q[2] = {-1, -1};
	if (pipe(p) != 0)
		return BT_ERR_IO;
	bool serve = (s->flags & BT_LX_SERVE) != 0;
	if (serve && pipe(q) != 0) {
		close(p[0]);
		close(p[1]);
		return BT_ERR_IO;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	posix_spawn_file_actions_addclose(&fa, p[1]);
	if (serve) {
		posix_spawn_file_actions_adddup2(&fa, q[0], STDIN_FILENO);
		posix_spawn_file_actions_addclose(&fa, q[0]);
		posix_spawn_file_actions_addclose(&fa, q[1]);
	} else {
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	}
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	/* The worker reads the file this process opened, as descriptor 3: the same
	 * inode whatever happens to the name, and the only way to reach an
	 * unlinked spool of standard input. A copy above the range the actions
	 * touch, closed on exec, so that the dup2 never lands on itself. */
	int hand = ctx->fd >= 0 ? fcntl(ctx->fd, F_DUPFD_CLOEXEC, 10) : -1;
	if (hand >= 0)
		posix_spawn_file_actions_adddup2(&fa, hand, WORKER_FD);
	char *argv[12];
	char first[24], count[24];
	int k = 0;
	argv[k++] = (char *)eo->worker_exe;
	argv[k++] = (char *)"__evtx-worker";
	if (s->chunk_count) {
		snprintf(first, sizeof first, "%llu", (unsigned long long)s->chunk_first);
		snprintf(count, sizeof count, "%llu", (unsigned long long)s->chunk_count);
		argv[k++] = (char *)"--chunks";
		argv[k++] = first;
		argv[k++] = count;
	}
	if (s->flags & BT_LX_RECOVERED_ONLY)
		argv[k++] = (char *)"--recovered-only";
	if (s->flags & BT_LX_NO_RECOVERED)
		argv[k++] = (char *)"--no-recovered";
	if (serve)
		argv[k++] = (char *)"--serve";
	argv[k++] = hand >= 0 ? (char *)WORKER_FD_PATH : (char *)ctx->open_path;
	argv[k] = NULL;
	int rc = posix_spawn(&s->pid, eo->worker_exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (hand >= 0)
		close(hand);
	close(p[1]);
	if (serve) {
		close(q[0]);
		s->wfd = q[1];
	}
	if (rc != 0) {
		close(p[0]);
		if (serve) {
			close(s->wfd);
			s->wfd = -1;
		}
		bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path, "cannot start libevtx worker %s: %s",
		         eo->worker_exe, strerror(rc));
		return BT_ERR_IO;
	}
	bt_pipe_init(&s->pipe, p[0], s->pipe.timeout_ms);
	return BT_OK;
}

static enum bt_status lx_open(struct bt_reader_ctx *ctx, void **state)
{
	return bt_evtx_libevtx_open(ctx, 0, state);
}

static void lx_free(struct lx_state *s)
{
	bt_evtx_recmap_free(&s->live);
	bt_evtx_recmap_free(&s->slack);
	if (s->wfd >= 0)
		close(s->wfd);
	free(s->f.data);
	free(s);
}

enum bt_status bt_evtx_libevtx_open(struct bt_reader_ctx *ctx, unsigned flags, void **state)
{
	struct lx_state *s = calloc(1, sizeof *s);
	if (!s)
		return BT_ERR_NOMEM;
	s->flags = flags;
	/* a live part of a file read in parts: the requests are about its chunks */
	const struct bt_evtx_opts *eo = ctx->format_opts;
	if ((flags & BT_LX_FALLBACK) && ctx->part->kind == BT_EVTX_PART_LIVE) {
		s->chunk_first = ctx->part->first;
		s->chunk_count = ctx->part->count;
	}
	s->wfd = -1;
	s->pid = -1;
	unsigned t = eo->worker_timeout_sec ? eo->worker_timeout_sec : 120;
	bt_pipe_init(&s->pipe, -1, t > 2000000 ? 2000000000u : t * 1000u);
	bt_evtx_xml_init();
	if (!(flags & BT_LX_FALLBACK)) {
		int fd = ctx->fd >= 0 ? ctx->fd : bt_open_evidence(ctx->open_path);
		if (fd >= 0) {
			bt_evtx_scan_records(fd, ctx->path, &ctx->opts->diag, ctx->stats, &s->live,
			                     &s->slack);
			if (fd != ctx->fd)
				close(fd);
		}
	}
	enum bt_status st = BT_OK;
	ctx->stats->libevtx_started++;
	if (eo->worker_exe) {
		st = lx_spawn(ctx, s);
	} else {
		s->inproc = true;
		producer_open(&s->pr, ctx->open_path, flags, s->chunk_first, s->chunk_count);
	}
	if (st != BT_OK) {
		lx_free(s);
		return st;
	}
	*state = s;
	return BT_OK;
}

/* Reads exactly n bytes from the worker pipe; false on EOF, error or timeout
 * (then *why says which). */
static bool lx_read(struct lx_state *s, unsigned char *dst, size_t n, const char **why)
{
	enum bt_pipe_status ps = bt_pipe_read(&s->pipe, dst, n);
	if (ps != BT_PIPE_OK)
		*why = ps == BT_PIPE_TIMEOUT ? "timeout" : "eof";
	return ps == BT_PIPE_OK;
}

/* Reports how the worker ended when its stream stopped without FRAME_END. */
static enum bt_status lx_worker_lost(struct bt_reader_ctx *ctx, struct lx_state *s, const char *why)
{
	int status = 0;
	bool fb = (s->flags & BT_LX_FALLBACK) != 0;
	/* behind the native reader only the records left to libevtx are lost */
	const char *rest = fb ? "the records left to it are not read"
	                      : "the rest of the file is not read";
	enum bt_diag_level lvl = fb ? BT_DIAG_WARN : BT_DIAG_ERROR;
	if (s->emitted == 0 && !fb)
		ctx->stats->unreadable = true;
	if (strcmp(why, "timeout") == 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
		s->pid = -1;
		bt_diagf(&ctx->opts->diag, lvl, ctx->path,
		         "libevtx made no progress for %u s after %llu records and was stopped; %s",
		         s->pipe.timeout_ms / 1000, (unsigned long long)s->emitted, rest);
		return BT_ERR_CRASH;
	}
	waitpid(s->pid, &status, 0);
	s->pid = -1;
	if (WIFSIGNALED(status))
		bt_diagf(&ctx->opts->diag, lvl, ctx->path,
		         "libevtx crashed (signal %d) after %llu records; %s", WTERMSIG(status),
		         (unsigned long long)s->emitted, rest);
	else
		bt_diagf(&ctx->opts->diag, lvl, ctx->path,
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
				if ((flags & 2) && ctx->stats->corrupt_chunks == 0 &&
				    !(s->flags & BT_LX_FALLBACK))
					bt_diagf(diag, BT_DIAG_WARN, ctx->path,
					         "libevtx flags the file as corrupted");
			}
			break;
		case FRAME_OPEN_FAIL:
			bt_diagf(diag, (s->flags & BT_LX_FALLBACK) ? BT_DIAG_WARN : BT_DIAG_ERROR,
			         ctx->path, "not readable as EVTX by libevtx: %.*s",
			         (int)f->len, (const char *)f->data);
			if (!(s->flags & BT_LX_FALLBACK))
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
			if (s->flags & BT_LX_SERVE) {
				/* the answer to a request: the native reader counts it */
				snprintf(s->last_fail, sizeof s->last_fail, "%.*s",
				         f->len > 8 ? (int)(f->len - 8) : 0, (const char *)f->data + 8);
				return BT_ERR_FORMAT;
			}
			if (s->flags & BT_LX_FALLBACK)
				break;   /* the native reader counts the records it needed */
			ctx->stats->failed++;
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
			s->last_id = id;
			if (get32(f->data + 24) & FLAG_RECOVERED)
				eb->ev.flags |= BT_EV_RECOVERED;
			if (!eb->ev.offset) {
				/* libevtx 20181227 gives no record offsets: use the scan's */
				uint64_t off = bt_evtx_recmap_take(
					(eb->ev.flags & BT_EV_RECOVERED) ? &s->slack : &s->live, id);
				if (off != UINT64_MAX)
					eb->ev.offset = off;
			}
			eb->ev.file = ctx->path;
			char why[256];
			enum bt_status xs = bt_evtx_xml_parse((const char *)f->data + 28, f->len - 28, eb,
			                                      ctx->opts->want_fields, ctx->opts->want_ctx,
			                                      why, sizeof why);
			if (!eb->ev.record_id)
				eb->ev.record_id = id;
			if (eb->ev.time == BT_TIME_NONE && written && written <= INT64_MAX)
				eb->ev.time = (bt_time)written;
			if (xs != BT_OK) {
				/* The record is kept with what could be read; say so. */
				bt_diagf(diag, BT_DIAG_WARN, ctx->path, "record %llu (offset 0x%llx): %s",
				         (unsigned long long)eb->ev.record_id,
				         (unsigned long long)eb->ev.offset, why);
			}
			if (eb->truncated)
				bt_diagf(diag, BT_DIAG_WARN, ctx->path,
				         "record %llu: fields beyond the per-event cap were dropped",
				         (unsigned long long)eb->ev.record_id);
			s->emitted++;
			*ev = bt_evbuf_done(eb);
			return BT_OK;
		}
		case FRAME_END:
			s->ended = true;
			if (ctx->stats->recovered_failed && !(s->flags & BT_LX_FALLBACK))
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
	if (s->pipe.fd >= 0)
		close(s->pipe.fd);
	if (s->pid > 0) {
		/* Stopped early (e.g. `| head`): do not wait for a long file. */
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	lx_free(s);
}

/* Sends one request line to a serving worker, with SIGPIPE held off: a dead
 * worker shows as a failed write (then its end is read as usual). */
static bool lx_send(struct lx_state *s, const char *line)
{
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, &old);
	bool ok = s->wfd >= 0 && bt_write_all(s->wfd, line, strlen(line), NULL);
	if (!ok) {
		struct timespec zero = {0, 0};
		while (sigtimedwait(&set, NULL, &zero) > 0)
			;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ok;
}

enum bt_status bt_evtx_libevtx_want(void *state, uint64_t index, uint64_t id)
{
	struct lx_state *s = state;
	if (s->inproc) {
		s->pr.req_live = true;
		s->pr.req.index = index;
		s->pr.req.id = id;
		return BT_OK;
	}
	char line[64];
	snprintf(line, sizeof line, "L %llu %llu\n", (unsigned long long)index,
	         (unsigned long long)id);
	return lx_send(s, line) ? BT_OK : BT_ERR_CRASH;
}

enum bt_status bt_evtx_libevtx_want_recovered(void *state)
{
	struct lx_state *s = state;
	if (s->inproc) {
		s->pr.req_recovered = true;
		return BT_OK;
	}
	bool ok = lx_send(s, "R\n");
	close(s->wfd);
	s->wfd = -1;
	return ok ? BT_OK : BT_ERR_CRASH;
}

const char *bt_evtx_libevtx_last_error(const void *state)
{
	return state ? ((const struct lx_state *)state)->last_fail : "";
}

uint64_t bt_evtx_libevtx_last_id(const void *state)
{
	return state ? ((const struct lx_state *)state)->last_id : 0;
}

const struct bt_reader_ops bt_reader_evtx_libevtx = {
	.name = "libevtx",
	.needs_stream = false,
	.open = lx_open,
	.next = lx_next,
	.close = lx_close,
};
