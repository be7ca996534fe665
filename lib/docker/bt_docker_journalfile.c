/* Binary journal file reader. The producer (libsystemd's sd-journal: header
 * checks, the private copy of a file libsystemd would refuse as it is, the
 * walk along the entry arrays for offsets) runs in a worker process, the
 * boxtrail binary re-run as `__journal-worker`, and streams frames: the
 * reader turns them into (name, value) pairs for the shared entry mapping,
 * and restarts a worker that crashed past the entry it crashed on. */
#include "config.h"

#include "docker/bt_docker_journalfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-journal.h>
#else
/* A build without libsystemd (--enable-static-binary: Debian ships no
 * libsystemd.a): sd-journal refuses every file, and refused() says why. */
typedef struct bt_no_sd_journal sd_journal;
static inline int sd_journal_open_files_fd(sd_journal **j, int fds[], unsigned n, int flags)
{
	(void)fds, (void)n, (void)flags;
	*j = NULL;
	return -ENOSYS;
}
static inline void sd_journal_close(sd_journal *j) { (void)j; }
static inline int sd_journal_set_data_threshold(sd_journal *j, size_t sz)
{
	(void)j, (void)sz;
	return -ENOSYS;
}
static inline int sd_journal_next(sd_journal *j) { (void)j; return -ENOSYS; }
static inline int sd_journal_get_realtime_usec(sd_journal *j, uint64_t *ret)
{
	(void)j, (void)ret;
	return -ENOSYS;
}
static inline int sd_journal_get_cursor(sd_journal *j, char **cursor)
{
	(void)j, (void)cursor;
	return -ENOSYS;
}
static inline void sd_journal_restart_data(sd_journal *j) { (void)j; }
static inline int sd_journal_enumerate_data(sd_journal *j, const void **data, size_t *l)
{
	(void)j, (void)data, (void)l;
	return -ENOSYS;
}
#endif

#include "core/bt_buf.h"
#include "docker/bt_docker_facts.h"
#include "docker/bt_docker_jentry.h"
#include "io/bt_fd.h"
#include "io/bt_pipe.h"
#include "io/bt_stream.h"

extern char **environ;

/* A padded copy may be this long (it is sparse: only the bytes copied take
 * space); a header asking for more is damaged. */
#define MAX_PAD (64ULL * 1024 * 1024 * 1024)
/* The smallest entry object (object header, seqnum, realtime, monotonic,
 * boot id, xor hash): bounds how many entries a file of a given size holds. */
#define MIN_ENTRY_SIZE 64u
/* Crashes of libsystemd survived per file (each skips the entry it was on). */
#define MAX_RESTARTS 16u
/* Where the worker finds the evidence its parent opened. */
#define WORKER_FD 3

/* ---- the file header ---- */

struct header {
	uint32_t compatible, incompatible;
	uint8_t state;
	uint64_t header_size, arena_size, n_entries, entry_array_offset;
};

#define HEADER_INCOMPATIBLE_COMPACT 16u
#define STATE_ONLINE 1

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static bool header_parse(const unsigned char *p, size_t n, struct header *h)
{
	if (n < BT_JOURNAL_HEADER_MIN || memcmp(p, "LPKSHHRH", 8) != 0)
		return false;
	h->compatible = le32(p + 8);
	h->incompatible = le32(p + 12);
	h->state = p[16];
	h->header_size = le64(p + 88);
	h->arena_size = le64(p + 96);
	h->n_entries = le64(p + 152);
	h->entry_array_offset = le64(p + 176);
	return true;
}

/* The header's incompatible flags by name, for a diagnostic. */
static void flag_names(uint32_t f, char *out, size_t n)
{
	static const char *const names[] = {"xz compression", "lz4 compression", "keyed hash",
	                                    "zstd compression", "compact mode"};
	size_t o = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
		if (f & (1u << i) && o < n)
			o += (size_t)snprintf(out + o, n - o, "%s%s", o ? ", " : "", names[i]);
	uint32_t unknown = f & ~((1u << (sizeof names / sizeof *names)) - 1);
	if (unknown && o < n)
		o += (size_t)snprintf(out + o, n - o, "%sunknown 0x%" PRIx32, o ? ", " : "", unknown);
	if (!o)
		snprintf(out, n, "none");
}

static bool read_at(int fd, void *buf, size_t n, uint64_t off)
{
	if (off > (uint64_t)INT64_MAX - n)
		return false;
	ssize_t r = pread(fd, buf, n, (off_t)off);
	return r == (ssize_t)n;
}

/* Copies the file to a private temporary file in `dir`, zero-padded to
 * `want` bytes, and returns its descriptor (or -1, errno set); its name is
 * left in `name` for the caller to unlink once libsystemd has opened it. */
static int private_copy(int fd, uint64_t size, uint64_t want, const char *dir, char *name,
                        size_t name_size)
{
	snprintf(name, name_size, "%s/boxtrail-journal-XXXXXX", dir && *dir ? dir : "/tmp");
	int m = mkostemp(name, O_CLOEXEC);
	if (m < 0) {
		name[0] = '\0';
		return -1;
	}
	static const size_t chunk = 1u << 20;
	char *buf = malloc(chunk);
	if (!buf)
		goto fail;
	for (uint64_t off = 0; off < size;) {
		size_t n = size - off < chunk ? (size_t)(size - off) : chunk;
		ssize_t r = pread(fd, buf, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;   /* the file shrank: what was read is copied */
		for (ssize_t w, done = 0; done < r; done += w) {
			w = write(m, buf + done, (size_t)(r - done));
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w <= 0)
				goto fail;
		}
		off += (uint64_t)r;
	}
	free(buf);
	buf = NULL;
	if (ftruncate(m, (off_t)want) != 0)
		goto fail;
	return m;
fail:;
	int e = errno ? errno : ENOSPC;
	free(buf);
	close(m);
	unlink(name);
	name[0] = '\0';
	errno = e;
	return -1;
}

/* ---- where the entries are ----
 *
 * A walk along the file's chain of entry arrays, in step with sd-journal's
 * iteration (it reads the same chain), so that each entry it yields is found
 * by its sequence number and time. Gives the entry's offset (provenance) and
 * size (an entry cut by the end of a copy cut short is told apart). Gives up
 * (offsets 0) where the chain does not agree with what sd-journal yields. */

#define OBJECT_ENTRY 3
#define OBJECT_ENTRY_ARRAY 6
#define OBJECT_HEADER_SIZE 16u
#define ENTRY_ARRAY_HEADER_SIZE 24u
/* Entries the walk may pass over to find the next one sd-journal yields
 * (those it passed over as unreadable), and entry arrays it may walk. */
#define INDEX_MAX_SKIP 4096u
#define INDEX_MAX_ARRAYS (1u << 20)

struct entry_index {
	int fd;                    /* the file libsystemd reads (the copy, if any) */
	uint64_t first;            /* the header's first entry array */
	bool compact;              /* 32-bit items */
	bool off;                  /* given up */
	bool started;
	uint64_t array, next;      /* the entry array being walked, the one after it */
	uint64_t n, i;             /* its items, the next to look at */
	uint64_t arrays;           /* arrays walked */
};

/* Moves to the next entry array of the chain; false at its end or where it
 * is damaged (offsets must grow: arrays are appended). */
static bool index_next_array(struct entry_index *x)
{
	uint64_t a = x->started ? x->next : x->first;
	x->started = true;
	unsigned char h[ENTRY_ARRAY_HEADER_SIZE];
	if (!a || a % 8 || a <= x->array || ++x->arrays > INDEX_MAX_ARRAYS ||
	    !read_at(x->fd, h, sizeof h, a) || h[0] != OBJECT_ENTRY_ARRAY)
		return false;
	uint64_t size = le64(h + 8);
	if (size < ENTRY_ARRAY_HEADER_SIZE)
		return false;
	x->array = a;
	x->next = le64(h + 16);
	x->n = (size - ENTRY_ARRAY_HEADER_SIZE) / (x->compact ? 4 : 8);
	x->i = 0;
	return true;
}

/* Finds the entry of sequence number `seq` and time `usec` along the chain
 * (the next one, or one after entries sd-journal passed over). */
static bool index_find(struct entry_index *x, uint64_t seq, uint64_t usec, uint64_t *offset,
                       uint64_t *size)
{
	for (unsigned steps = 0; !x->off && steps < INDEX_MAX_SKIP;) {
		if (x->i >= x->n) {
			if (!index_next_array(x))
				x->off = true;
			continue;
		}
		unsigned char b[8];
		size_t isz = x->compact ? 4 : 8;
		uint64_t at = x->array + ENTRY_ARRAY_HEADER_SIZE + x->i * isz;
		x->i++;
		if (!read_at(x->fd, b, isz, at)) {
			x->off = true;
			break;
		}
		uint64_t e = x->compact ? le32(b) : le64(b);
		if (!e)
			continue;   /* an unused item */
		steps++;
		unsigned char h[OBJECT_HEADER_SIZE + 16];
		if (read_at(x->fd, h, sizeof h, e) && h[0] == OBJECT_ENTRY &&
		    le64(h + OBJECT_HEADER_SIZE) == seq && le64(h + OBJECT_HEADER_SIZE + 8) == usec) {
			*offset = e;
			*size = le64(h + 8);
			return true;
		}
	}
	x->off = true;
	return false;
}

/* The entry's sequence number from its cursor ("s=...;i=<hex>;b=..."). */
static bool cursor_seqnum(const char *c, uint64_t *out)
{
	for (const char *p = c; p && *p; p = strchr(p, ';'), p = p ? p + 1 : NULL) {
		if (p[0] != 'i' || p[1] != '=')
			continue;
		uint64_t v = 0;
		size_t n = 0;
		for (const char *q = p + 2; *q && *q != ';'; q++, n++) {
			int x = *q >= '0' && *q <= '9' ? *q - '0'
			      : *q >= 'a' && *q <= 'f' ? *q - 'a' + 10
			      : -1;
			if (x < 0 || n >= 16)
				return false;
			v = v << 4 | (uint64_t)x;
		}
		if (!n)
			return false;
		*out = v;
		return true;
	}
	return false;
}

/* ---- frames: what the producer says (the same binary on both ends) ---- */

enum frame_type {
	F_DIAG = 1,     /* u32 level, u32 counted (a warning of the entries), message */
	F_OPENED,       /* u64 entries the header counts, u64 span, u32 flags (F_DIRTY, F_CUT) */
	F_OPEN_FAIL,    /* (its reason went before as F_DIAG) */
	F_ENTRY,        /* u64 offset, then (u32 length, name, u32 length, value) per field */
	F_SKIP,         /* an entry reached but not read (the reason went before) */
	F_END,          /* u32 flags (F_STOPPED) */
};

#define F_DIRTY 1u
#define F_CUT 2u
#define F_STOPPED 1u
#define FRAME_MAX (32u * 1024 * 1024)

static void put32(struct bt_buf *b, uint32_t v)
{
	bt_buf_put(b, &v, 4);
}

static void put64(struct bt_buf *b, uint64_t v)
{
	bt_buf_put(b, &v, 8);
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* Sends a frame; false when it cannot (the reader is gone). */
typedef bool (*emit_fn)(void *ctx, uint32_t type, const void *data, size_t len);

/* ---- the producer: libsystemd ---- */

struct producer {
	int fd;                    /* the evidence (or standard input's spool) */
	const char *tmpdir;
	uint64_t skip;             /* entries read before (by a worker that crashed) */
	emit_fn emit;
	void *ectx;
	sd_journal *j;
	int copy_fd;
	uint64_t size;             /* of the file */
	uint64_t reached;          /* entries sd-journal yielded */
	struct entry_index index;
	struct bt_buf fb;          /* the frame being built */
	bool ended;
};

static bool send(struct producer *p, uint32_t type)
{
	bool ok = !p->fb.oom && p->fb.n <= FRAME_MAX && p->emit(p->ectx, type, p->fb.p, p->fb.n);
	bt_buf_reset(&p->fb);
	return ok;
}

/* Sends F_OPEN_FAIL; returns false (the file is not open). */
static bool open_failed(struct producer *p)
{
	bt_buf_reset(&p->fb);
	send(p, F_OPEN_FAIL);
	return false;
}

static bool diag(struct producer *p, enum bt_diag_level level, bool counted, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

static bool diag(struct producer *p, enum bt_diag_level level, bool counted, const char *fmt, ...)
{
	unsigned char f[8 + 512];
	uint32_t lv = (uint32_t)level, c = counted;
	memcpy(f, &lv, 4);
	memcpy(f + 4, &c, 4);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf((char *)f + 8, sizeof f - 8, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof f - 8)
		n = (int)(sizeof f - 9);
	return p->emit(p->ectx, F_DIAG, f, 8 + (size_t)n);
}

static void producer_close(struct producer *p)
{
	if (p->j)
		sd_journal_close(p->j);
	p->j = NULL;
	if (p->copy_fd >= 0)
		close(p->copy_fd);
	p->copy_fd = -1;
	bt_buf_free(&p->fb);
}

/* Why libsystemd refused the file, as a diagnostic. */
static void refused(struct producer *p, const struct header *h, int r)
{
	char flags[160];
	flag_names(h->incompatible, flags, sizeof flags);
	if (r == -ENOSYS)
		diag(p, BT_DIAG_ERROR, false,
		     "not read: this boxtrail was built without libsystemd (a static build); read the "
		     "journal with a regular build, or export it with journalctl -o json");
	else if (r == -EPROTONOSUPPORT)
		diag(p, BT_DIAG_ERROR, false,
		     "not readable as a journal file: written with journal features this libsystemd "
		     "cannot read (incompatible header flags 0x%" PRIx32 ": %s)", h->incompatible, flags);
	else if (r == -EBADMSG || r == -ENODATA)
		diag(p, BT_DIAG_ERROR, false,
		     "not readable as a journal file: damaged header (libsystemd: %s)", strerror(-r));
	else
		diag(p, BT_DIAG_ERROR, false, "not readable as a journal file: %s", strerror(-r));
}

/* Opens the file with libsystemd; sends F_OPENED, or F_OPEN_FAIL after the
 * reason. Returns whether it is open. */
static bool producer_open(struct producer *p)
{
	p->j = NULL;
	p->copy_fd = -1;
	struct stat sb;
	unsigned char hb[BT_JOURNAL_HEADER_MIN];
	struct header h;
	if (fstat(p->fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		diag(p, BT_DIAG_ERROR, false, "not readable as a journal file: not a regular file");
		return open_failed(p);
	}
	p->size = (uint64_t)sb.st_size;
	ssize_t hr = pread(p->fd, hb, sizeof hb, 0);
	if (!header_parse(hb, hr > 0 ? (size_t)hr : 0, &h)) {
		diag(p, BT_DIAG_ERROR, false, "not readable as a journal file: header truncated (%zd bytes)",
		     hr > 0 ? hr : 0);
		return open_failed(p);
	}
	/* libsystemd refuses a file shorter than its header says (a copy cut
	 * short) and one that is not linked (standard input's spool): such a
	 * file is read from a private copy, zero-padded to the header's length,
	 * so that the entries it holds are read. */
	uint32_t flags = h.state == STATE_ONLINE ? F_DIRTY : 0;
	int fd = p->fd, r;
	uint64_t want = h.header_size + h.arena_size;
	bool cut = h.header_size >= BT_JOURNAL_HEADER_MIN && want >= h.header_size && want > p->size;
	if (cut || sb.st_nlink == 0) {
		if (!cut)
			want = p->size;
		if (p->size > BT_JOURNAL_MAX_COPY || want > MAX_PAD) {
			if (cut)
				diag(p, BT_DIAG_ERROR, false,
				     "not readable as a journal file: it ends at %" PRIu64 " bytes, its header "
				     "says %" PRIu64 " (truncated copy, or a damaged header)", p->size, want);
			else
				diag(p, BT_DIAG_ERROR, false,
				     "not readable as a journal file: over %llu bytes from standard input; "
				     "name the file instead", BT_JOURNAL_MAX_COPY);
			return open_failed(p);
		}
		char name[4096];
		p->copy_fd = private_copy(p->fd, p->size, want, p->tmpdir, name, sizeof name);
		if (p->copy_fd < 0) {
			diag(p, BT_DIAG_ERROR, false,
			     "not readable as a journal file: %s, and no temporary copy could be made to "
			     "read it: %s", cut ? "truncated copy" : "standard input", strerror(errno));
			return open_failed(p);
		}
		fd = p->copy_fd;
		r = sd_journal_open_files_fd(&p->j, &fd, 1, 0);
		unlink(name);
		if (r >= 0 && cut) {
			diag(p, BT_DIAG_WARN, false,
			     "truncated: the file ends at %" PRIu64 " bytes, its header says %" PRIu64
			     "; the entries it still holds are read", p->size, want);
			flags |= F_CUT;
		}
	} else {
		r = sd_journal_open_files_fd(&p->j, &fd, 1, 0);
	}
	if (r < 0) {
		p->j = NULL;
		refused(p, &h, r);
		return open_failed(p);
	}
	/* Values as long as a text line may be (libsystemd's default is 64 KiB;
	 * some versions do not apply it when enumerating). */
	(void)sd_journal_set_data_threshold(p->j, BT_MAX_LINE);
	p->index.fd = fd;
	p->index.first = h.entry_array_offset;
	p->index.compact = (h.incompatible & HEADER_INCOMPATIBLE_COMPACT) != 0;
	uint64_t span = cut && want <= MAX_PAD ? want : p->size;
	put64(&p->fb, h.n_entries);
	put64(&p->fb, span);
	put32(&p->fb, flags);
	return send(p, F_OPENED);
}

static void put_field(struct bt_buf *b, const char *name, size_t nl, const char *v, size_t vl)
{
	put32(b, (uint32_t)nl);
	bt_buf_put(b, name, nl);
	put32(b, (uint32_t)vl);
	bt_buf_put(b, v, vl);
}

static void put_field_u64(struct bt_buf *b, const char *name, uint64_t v)
{
	char s[24];
	int n = snprintf(s, sizeof s, "%" PRIu64, v);
	put_field(b, name, strlen(name), s, (size_t)n);
}

/* Sends the next entry (F_ENTRY or F_SKIP, with what went wrong) or F_END.
 * Returns false once F_END is sent or the reader is gone. */
static bool producer_step(struct producer *p)
{
	if (p->ended || !p->j)
		return false;
	for (;;) {
		int r = sd_journal_next(p->j);
		if (r <= 0) {
			uint32_t flags = 0;
			if (r < 0) {
				diag(p, BT_DIAG_WARN, false, "cannot read past entry %" PRIu64 ": %s",
				     p->reached, strerror(-r));
				flags |= F_STOPPED;
			}
			p->ended = true;
			put32(&p->fb, flags);
			send(p, F_END);
			return false;
		}
		p->reached++;
		uint64_t usec = 0, seq = 0, offset = 0, size = 0;
		bool have_usec = sd_journal_get_realtime_usec(p->j, &usec) >= 0, have_seq = false;
		char *cursor = NULL;
		if (sd_journal_get_cursor(p->j, &cursor) >= 0 && cursor_seqnum(cursor, &seq))
			have_seq = true;
		free(cursor);
		bool located = have_usec && have_seq && index_find(&p->index, seq, usec, &offset, &size);
		if (p->reached <= p->skip)
			continue;   /* read before a crash: the walk only keeps in step */
		if (located && (size > p->size || offset > p->size - size)) {
			/* a copy cut short: the entry's own items run past the end */
			diag(p, BT_DIAG_WARN, true,
			     "entry #%" PRIu64 " at offset %" PRIu64 ": cut off by the end of the file, "
			     "skipped", seq, offset);
			return send(p, F_SKIP);
		}
		struct bt_buf *b = &p->fb;
		bt_buf_reset(b);
		put64(b, located ? offset : 0);
		if (have_usec)
			put_field_u64(b, "__REALTIME_TIMESTAMP", usec);
		if (have_seq)
			put_field_u64(b, "__SEQNUM", seq);
		const void *data;
		size_t len, n = 0;
		sd_journal_restart_data(p->j);
		while ((r = sd_journal_enumerate_data(p->j, &data, &len)) > 0) {
			const char *d = data;
			const char *eq = memchr(d, '=', len);
			if (!eq)
				continue;   /* libsystemd checks this; a damaged object may not */
			n++;
			size_t nl = (size_t)(eq - d), vl = len - nl - 1;
			if (!bt_jentry_wanted(d, nl))
				continue;
			if (vl > BT_MAX_LINE) {
				char name[64];
				snprintf(name, sizeof name, "%.*s", (int)(nl < 60 ? nl : 60), d);
				diag(p, BT_DIAG_WARN, true,
				     "entry #%" PRIu64 ": field %s of %zu bytes dropped (over %u)", seq, name,
				     vl, (unsigned)BT_MAX_LINE);
				continue;
			}
			put_field(b, d, nl, eq + 1, vl);
		}
		if (!n) {
			bt_buf_reset(b);
			diag(p, BT_DIAG_WARN, true, "entry #%" PRIu64 ": no field could be read (%s), skipped",
			     seq, r < 0 ? strerror(-r) : "damaged");
			return send(p, F_SKIP);
		}
		if (r < 0)
			diag(p, BT_DIAG_WARN, true,
			     "entry #%" PRIu64 ": a field could not be read (%s); the fields before it "
			     "are kept", seq, strerror(-r));
		return send(p, F_ENTRY);
	}
}

/* ---- the worker ---- */

static bool emit_fd(void *ctx, uint32_t type, const void *data, size_t len)
{
	int fd = *(int *)ctx;
	unsigned char h[8];
	uint32_t l = (uint32_t)len;
	memcpy(h, &type, 4);
	memcpy(h + 4, &l, 4);
	return bt_write_all(fd, h, 8, NULL) && (!len || bt_write_all(fd, data, len, NULL));
}

/* AddressSanitizer reserves terabytes of address space: no RLIMIT_AS there. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

int bt_journal_worker_main(int argc, char **argv, int out_fd)
{
	struct producer p = {.fd = WORKER_FD, .copy_fd = -1, .emit = emit_fd};
	p.ectx = &out_fd;
	int i = 0;
	for (; i < argc - 1; i++) {
		if (strcmp(argv[i], "--skip") == 0 && i + 1 < argc - 1) {
			char *end;
			p.skip = strtoull(argv[++i], &end, 10);
			if (*end)
				return 2;
		} else if (strcmp(argv[i], "--tmpdir") == 0 && i + 1 < argc - 1) {
			p.tmpdir = argv[++i];
		} else {
			return 2;
		}
	}
	if (i != argc - 1 || strcmp(argv[i], "3") != 0)
		return 2;
	/* A damaged file can make a decompressor allocate without end: the
	 * worker gets a ceiling, past which only this file's rest is lost; and
	 * an abort inside libsystemd leaves no core file in the user's folder. */
	struct rlimit core = {0, 0};
	setrlimit(RLIMIT_CORE, &core);
#ifndef UNDER_ASAN
	struct rlimit rl = {BT_JOURNAL_WORKER_MEMORY, BT_JOURNAL_WORKER_MEMORY};
	setrlimit(RLIMIT_AS, &rl);
#endif
	if (producer_open(&p))
		while (producer_step(&p))
			;
	producer_close(&p);
	return 0;
}

/* ---- the reader ---- */

struct jfile {
	struct bt_jentry *map;
	const struct bt_journal_opts *o;
	bool inproc;
	/* in-process: the producer and the frames it sent, not yet read */
	struct producer pr;
	struct bt_buf q;
	size_t qpos;
	/* the worker */
	pid_t pid;
	struct bt_pipe pipe;      /* its output */
	/* the frame read last */
	uint32_t ftype;
	struct bt_buf f;
	/* the file */
	bool opened;               /* F_OPENED seen (from the first worker) */
	bool reopening;            /* a restarted worker: its open is not reported again */
	uint64_t header_entries, span;
	uint64_t seen;             /* entries reached, over all workers */
	uint64_t since_spawn;      /* entries the current worker sent */
	unsigned restarts;
	bool eof, summarised;
	enum bt_status err;
};

static bool emit_queue(void *ctx, uint32_t type, const void *data, size_t len)
{
	struct jfile *s = ctx;
	uint32_t l = (uint32_t)len;
	bt_buf_put(&s->q, &type, 4);
	bt_buf_put(&s->q, &l, 4);
	bt_buf_put(&s->q, data, len);
	return !s->q.oom;
}

static enum bt_status spawn(struct bt_reader_ctx *ctx, struct jfile *s, uint64_t skip)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return BT_ERR_IO;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	/* The worker reads the file this process opened, as descriptor 3: the same
	 * inode whatever happens to the name, and the only way to reach an
	 * unlinked spool of standard input. A copy above the range the actions
	 * touch, closed on exec, so that the dup2 never lands on itself. */
	int hand = fcntl(ctx->fd, F_DUPFD_CLOEXEC, 10);
	if (hand >= 0)
		posix_spawn_file_actions_adddup2(&fa, hand, WORKER_FD);
	char skip_s[24];
	snprintf(skip_s, sizeof skip_s, "%" PRIu64, skip);
	char *argv[8];
	int k = 0;
	argv[k++] = (char *)s->o->worker_exe;
	argv[k++] = (char *)"__journal-worker";
	if (skip) {
		argv[k++] = (char *)"--skip";
		argv[k++] = skip_s;
	}
	if (s->o->tmpdir && *s->o->tmpdir) {
		argv[k++] = (char *)"--tmpdir";
		argv[k++] = (char *)s->o->tmpdir;
	}
	argv[k++] = (char *)"3";
	argv[k] = NULL;
	int rc = hand >= 0 ? posix_spawn(&s->pid, s->o->worker_exe, &fa, NULL, argv, environ) : errno;
	posix_spawn_file_actions_destroy(&fa);
	if (hand >= 0)
		close(hand);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		s->pid = -1;
		bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path,
		         "cannot start the journal worker %s: %s", s->o->worker_exe, strerror(rc));
		return BT_ERR_IO;
	}
	bt_pipe_init(&s->pipe, p[0], s->pipe.timeout_ms);
	return BT_OK;
}

/* Stops the worker (it may still run: a hang) and reaps it; returns its
 * wait status. */
static int reap(struct jfile *s, bool kill_it)
{
	int status = 0;
	if (s->pipe.fd >= 0)
		close(s->pipe.fd);
	s->pipe.fd = -1;
	if (s->pid > 0) {
		if (kill_it)
			kill(s->pid, SIGKILL);
		while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	s->pid = -1;
	return status;
}

/* Reads exactly n bytes from the worker; false at its end, on an error or
 * after the timeout (*timeout set). */
static bool wread(struct jfile *s, void *dst, size_t n, bool *timeout)
{
	enum bt_pipe_status ps = bt_pipe_read(&s->pipe, dst, n);
	*timeout = ps == BT_PIPE_TIMEOUT;
	return ps == BT_PIPE_OK;
}

/* The next frame into s->ftype / s->f. False when the producer is lost: a
 * worker that crashed, hung (*why says which) or sent a bad frame. */
static bool next_frame(struct jfile *s, const char **why)
{
	bt_buf_reset(&s->f);
	if (s->inproc) {
		if (s->qpos == s->q.n) {
			bt_buf_reset(&s->q);
			s->qpos = 0;
			if (!producer_step(&s->pr) && s->q.n == 0) {
				*why = "ended";
				return false;
			}
		}
		if (s->q.n - s->qpos < 8) {
			*why = "ended";
			return false;
		}
		const unsigned char *h = (const unsigned char *)s->q.p + s->qpos;
		uint32_t len = get32(h + 4);
		s->ftype = get32(h);
		bt_buf_put(&s->f, h + 8, len);
		s->qpos += 8 + (size_t)len;
		return true;
	}
	unsigned char h[8];
	bool timeout = false;
	*why = "ended";
	if (!wread(s, h, 8, &timeout)) {
		*why = timeout ? "timeout" : "ended";
		return false;
	}
	uint32_t len = get32(h + 4);
	s->ftype = get32(h);
	if (len > FRAME_MAX || !bt_buf_reserve(&s->f, len)) {
		*why = "bad frame";
		return false;
	}
	if (!wread(s, s->f.p, len, &timeout)) {
		*why = timeout ? "timeout" : "ended";
		return false;
	}
	s->f.n = len;
	s->f.p[len] = '\0';
	return true;
}

/* What became of a worker whose stream stopped: "crashed (signal 6:
 * Aborted)", "made no progress for 120 s", ... */
static void lost_reason(struct jfile *s, const char *why, char *out, size_t n)
{
	bool timeout = strcmp(why, "timeout") == 0;
	int status = reap(s, true);
	if (timeout)
		snprintf(out, n, "made no progress for %u s and was stopped", s->pipe.timeout_ms / 1000);
	else if (strcmp(why, "bad frame") == 0)
		snprintf(out, n, "sent a damaged frame and was stopped");
	else if (WIFSIGNALED(status))
		snprintf(out, n, "crashed (signal %d: %s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(out, n, "ended unexpectedly (status %d)",
		         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* Handles one diagnostic frame. */
static void on_diag(struct bt_reader_ctx *ctx, struct jfile *s)
{
	if (s->f.n < 8)
		return;
	const unsigned char *p = (const unsigned char *)s->f.p;
	uint32_t level = get32(p), counted = get32(p + 4);
	const char *msg = s->f.p + 8;   /* NUL-terminated by the buffer */
	if (s->reopening && !counted)
		return;   /* the restarted worker's open, reported once already */
	if (level > BT_DIAG_ERROR)
		level = BT_DIAG_WARN;
	if (counted)
		bt_docker_warn(ctx, bt_jentry_warnings(s->map), "%s", msg);
	else
		bt_diagf(&ctx->opts->diag, (enum bt_diag_level)level, ctx->path, "%s", msg);
}

/* Hands an F_ENTRY frame to the mapping; false when it is malformed. */
static bool on_entry(struct jfile *s, uint64_t *offset)
{
	const unsigned char *p = (const unsigned char *)s->f.p;
	size_t n = s->f.n, i = 8;
	if (n < 8)
		return false;
	*offset = get64(p);
	bt_jentry_begin(s->map);
	while (i < n) {
		if (n - i < 4)
			return false;
		uint32_t nl = get32(p + i);
		i += 4;
		if (n - i < (size_t)nl + 4)
			return false;
		const char *name = (const char *)p + i;
		i += nl;
		uint32_t vl = get32(p + i);
		i += 4;
		if (n - i < vl)
			return false;
		bt_jentry_field(s->map, name, nl, (const char *)p + i, vl);
		i += vl;
	}
	return true;
}

static void jf_free(struct jfile *s)
{
	if (!s)
		return;
	if (s->inproc)
		producer_close(&s->pr);
	else
		reap(s, true);
	bt_buf_free(&s->q);
	bt_buf_free(&s->f);
	bt_jentry_free(s->map);
	free(s);
}

/* Reads frames up to the producer's F_OPENED (BT_OK) or the end of its
 * open: BT_ERR_FORMAT when libsystemd refused the file (reported), else
 * BT_ERR_CRASH (reported here). */
static enum bt_status await_open(struct bt_reader_ctx *ctx, struct jfile *s)
{
	const char *why = "ended";
	while (next_frame(s, &why)) {
		if (s->ftype == F_DIAG) {
			on_diag(ctx, s);
			continue;
		}
		if (s->ftype == F_OPEN_FAIL) {
			if (!s->inproc)
				reap(s, false);
			return BT_ERR_FORMAT;
		}
		if (s->ftype != F_OPENED || s->f.n < 20) {
			why = "bad frame";
			break;
		}
		const unsigned char *p = (const unsigned char *)s->f.p;
		uint32_t flags = get32(p + 16);
		if (!s->reopening) {
			s->header_entries = get64(p);
			s->span = get64(p + 8);
			ctx->stats->dirty = (flags & F_DIRTY) != 0;
			if (flags & F_CUT)
				ctx->stats->incomplete = true;
		}
		s->since_spawn = 0;
		return BT_OK;
	}
	char r[160];
	if (s->inproc)
		snprintf(r, sizeof r, "ran out of memory");
	else
		lost_reason(s, why, r, sizeof r);
	if (s->reopening)
		bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path,
		         "libsystemd %s opening the file again; the rest of it is not read", r);
	else
		bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path,
		         "not readable as a journal file: libsystemd %s opening it", r);
	return BT_ERR_CRASH;
}

static enum bt_status jf_open(struct bt_reader_ctx *ctx, void **state)
{
	struct jfile *s = calloc(1, sizeof *s);
	if (!s)
		return BT_ERR_NOMEM;
	s->pid = -1;
	s->pr.copy_fd = -1;
	static const struct bt_journal_opts defaults;
	s->o = ctx->format_opts ? ctx->format_opts : &defaults;
	unsigned t = s->o->worker_timeout_sec ? s->o->worker_timeout_sec : 120;
	bt_pipe_init(&s->pipe, -1, t > 2000000 ? 2000000000u : t * 1000u);
	if (!(s->map = bt_jentry_new())) {
		jf_free(s);
		return BT_ERR_NOMEM;
	}
	enum bt_status st;
	if (!s->o->worker_exe) {
		s->inproc = true;
		s->pr.fd = ctx->fd;
		s->pr.tmpdir = s->o->tmpdir;
		s->pr.emit = emit_queue;
		s->pr.ectx = s;
		producer_open(&s->pr);   /* its frames are queued */
		st = await_open(ctx, s);
	} else {
		st = spawn(ctx, s, 0);
		if (st == BT_OK)
			st = await_open(ctx, s);
	}
	if (st != BT_OK) {
		ctx->stats->unreadable = true;
		jf_free(s);
		return st == BT_ERR_IO ? BT_ERR_IO : BT_ERR_FORMAT;
	}
	*state = s;
	return BT_OK;
}

static void summarise(struct bt_reader_ctx *ctx, struct jfile *s)
{
	if (s->summarised)
		return;
	s->summarised = true;
	/* sd-journal passes over entries it cannot read (and stops at a damaged
	 * entry array): the header's count tells how many were lost. */
	uint64_t plausible = s->span / MIN_ENTRY_SIZE;
	if (s->header_entries > s->seen && s->header_entries <= plausible) {
		uint64_t lost = s->header_entries - s->seen;
		ctx->stats->failed += lost;
		bt_diagf(&ctx->opts->diag, BT_DIAG_WARN, ctx->path,
		         "%" PRIu64 " of the %" PRIu64 " entries its header counts could not be read "
		         "(damaged or cut off)", lost, s->header_entries);
	} else if (s->header_entries > plausible) {
		bt_diagf(&ctx->opts->diag, BT_DIAG_WARN, ctx->path,
		         "its header counts %" PRIu64 " entries, more than the file can hold "
		         "(damaged header); %" PRIu64 " read", s->header_entries, s->seen);
	}
	bt_jentry_summarise(ctx, s->map);
}

/* The worker was lost while reading: the entry it was on is skipped and a
 * new worker goes on after it, up to MAX_RESTARTS times. A restarted worker
 * lost before it sent anything crashed where the one before did (moving to
 * that entry, not reading it): the rest of the file is then not read. */
static void worker_lost(struct bt_reader_ctx *ctx, struct jfile *s, const char *why)
{
	char r[160];
	lost_reason(s, why, r, sizeof r);
	uint64_t at = s->seen + 1;   /* the entry it was on */
	if (s->restarts >= MAX_RESTARTS || (s->restarts && !s->since_spawn)) {
		bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path,
		         "libsystemd %s reading entry %" PRIu64 " of the file%s; the rest of the file "
		         "is not read", r, at, s->restarts ? " again" : "");
		ctx->stats->incomplete = true;
		s->err = BT_ERR_CRASH;
		s->eof = true;
		return;
	}
	s->restarts++;
	bt_diagf(&ctx->opts->diag, BT_DIAG_WARN, ctx->path,
	         "libsystemd %s reading entry %" PRIu64 " of the file; that entry is skipped and "
	         "reading goes on after it", r, at);
	ctx->stats->failed++;
	ctx->stats->lines++;
	s->seen++;
	s->reopening = true;
	if (spawn(ctx, s, s->seen) != BT_OK || await_open(ctx, s) != BT_OK) {
		ctx->stats->incomplete = true;
		s->err = BT_ERR_CRASH;
		s->eof = true;
	}
	s->reopening = false;
}

static enum bt_status jf_next(struct bt_reader_ctx *ctx, void *state, const struct bt_event **ev)
{
	struct jfile *s = state;
	for (;;) {
		const struct bt_event *e = bt_jentry_pop(s->map, ctx->eb, s->eof);
		if (e) {
			*ev = e;
			return BT_OK;
		}
		if (s->eof) {
			summarise(ctx, s);
			return s->err ? s->err : BT_EOF;
		}
		const char *why;
		if (!next_frame(s, &why)) {
			if (s->inproc) {
				s->eof = true;   /* the producer ended without F_END: out of memory */
				ctx->stats->incomplete = true;
			} else {
				worker_lost(ctx, s, why);
			}
			continue;
		}
		uint64_t offset;
		switch (s->ftype) {
		case F_DIAG:
			on_diag(ctx, s);
			break;
		case F_SKIP:
			s->seen++;
			s->since_spawn++;
			ctx->stats->lines++;
			ctx->stats->failed++;
			break;
		case F_ENTRY:
			s->seen++;
			s->since_spawn++;
			ctx->stats->lines++;
			if (!on_entry(s, &offset)) {
				worker_lost(ctx, s, "bad frame");
				break;
			}
			if (bt_jentry_map(ctx, s->map, 0, offset, ev))
				return BT_OK;
			break;
		case F_END:
			if (s->f.n >= 4 && (get32((const unsigned char *)s->f.p) & F_STOPPED))
				ctx->stats->incomplete = true;
			s->eof = true;
			if (!s->inproc)
				reap(s, false);
			break;
		default:
			if (!s->inproc)
				worker_lost(ctx, s, "bad frame");
			else
				s->eof = true;
			break;
		}
	}
}

static void jf_close(void *state)
{
	jf_free(state);
}

const struct bt_reader_ops bt_reader_journalfile = {
	.name = "journal-file",
	.needs_stream = false,
	.open = jf_open,
	.next = jf_next,
	.close = jf_close,
};
