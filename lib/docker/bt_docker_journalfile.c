/* Binary journal file reader: sd-journal entries to (name, value) pairs for
 * the shared entry mapping; header checks and the private copy of a file
 * libsystemd would refuse as it is (cut short, or unlinked). */
#include "config.h"

#include "docker/bt_docker_journalfile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "docker/bt_docker_facts.h"
#include "docker/bt_docker_jentry.h"
#include "io/bt_stream.h"

/* A padded copy may be this long (it is sparse: only the bytes copied take
 * space); a header asking for more is damaged. */
#define MAX_PAD (64ULL * 1024 * 1024 * 1024)
/* The smallest entry object (object header, seqnum, realtime, monotonic,
 * boot id, xor hash): bounds how many entries a file of a given size holds. */
#define MIN_ENTRY_SIZE 64u

struct header {
	uint32_t compatible, incompatible;
	uint8_t state;
	uint64_t header_size, arena_size, n_entries, entry_array_offset;
};

/* Where the entries are: a walk along the file's chain of entry arrays, in
 * step with sd-journal's iteration (it reads the same chain), so that each
 * entry it yields is found by its sequence number and time. Gives the
 * entry's offset (provenance) and size (an entry cut by the end of a copy
 * cut short is told apart). Gives up (offsets 0) where the chain does not
 * agree with what sd-journal yields. */
struct entry_index {
	int fd;                    /* the file libsystemd reads (the copy, if any) */
	bool compact;              /* 32-bit items */
	bool off;                  /* given up */
	bool started;
	uint64_t array, next;      /* the entry array being walked, the one after it */
	uint64_t n, i;             /* its items, the next to look at */
	uint64_t arrays;           /* arrays walked */
};

struct jfile {
	sd_journal *j;
	struct bt_jentry *map;
	int copy_fd;               /* private copy (see the header), or -1 */
	uint64_t size;             /* of the file */
	uint64_t span;             /* of the file as its header gives it (a copy cut short) */
	uint64_t header_entries;   /* entries the header counts */
	uint64_t entries;          /* entries read */
	uint64_t first_array;      /* the header's first entry array */
	struct entry_index index;
	bool eof;
	enum bt_status err;
	bool summarised;
};

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

static void jf_free(struct jfile *s)
{
	if (!s)
		return;
	if (s->j)
		sd_journal_close(s->j);
	if (s->copy_fd >= 0)
		close(s->copy_fd);
	bt_jentry_free(s->map);
	free(s);
}

static enum bt_status unreadable(struct bt_reader_ctx *ctx, struct jfile *s)
{
	ctx->stats->unreadable = true;
	jf_free(s);
	return BT_ERR_FORMAT;
}

/* The end of jf_open: `r` is what sd_journal_open_files_fd returned. */
static enum bt_status opened(struct bt_reader_ctx *ctx, struct jfile *s, const struct header *h,
                             int r, void **state)
{
	const struct bt_diag *d = &ctx->opts->diag;
	if (r < 0) {
		s->j = NULL;
		char flags[160];
		flag_names(h->incompatible, flags, sizeof flags);
		if (r == -EPROTONOSUPPORT)
			bt_diagf(d, BT_DIAG_ERROR, ctx->path,
			         "not readable as a journal file: written with journal features this "
			         "libsystemd cannot read (incompatible header flags 0x%" PRIx32 ": %s)",
			         h->incompatible, flags);
		else if (r == -EBADMSG || r == -ENODATA)
			bt_diagf(d, BT_DIAG_ERROR, ctx->path,
			         "not readable as a journal file: damaged header (libsystemd: %s)",
			         strerror(-r));
		else
			bt_diagf(d, BT_DIAG_ERROR, ctx->path, "not readable as a journal file: %s",
			         strerror(-r));
		return unreadable(ctx, s);
	}
	/* Values as long as a text line may be (libsystemd's default is 64 KiB). */
	(void)sd_journal_set_data_threshold(s->j, BT_MAX_LINE);
	s->header_entries = h->n_entries;
	s->first_array = h->entry_array_offset;
	s->index.fd = s->copy_fd >= 0 ? s->copy_fd : ctx->fd;
	s->index.compact = (h->incompatible & 16u) != 0;
	s->span = s->size;
	if (h->header_size + h->arena_size > s->size && h->header_size + h->arena_size <= MAX_PAD)
		s->span = h->header_size + h->arena_size;
	*state = s;
	return BT_OK;
}

static enum bt_status jf_open(struct bt_reader_ctx *ctx, void **state)
{
	const struct bt_diag *d = &ctx->opts->diag;
	struct jfile *s = calloc(1, sizeof *s);
	if (!s)
		return BT_ERR_NOMEM;
	s->copy_fd = -1;
	if (!(s->map = bt_jentry_new())) {
		jf_free(s);
		return BT_ERR_NOMEM;
	}
	struct stat sb;
	if (fstat(ctx->fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		bt_diagf(d, BT_DIAG_ERROR, ctx->path, "not readable as a journal file: not a regular file");
		return unreadable(ctx, s);
	}
	s->size = (uint64_t)sb.st_size;
	unsigned char hb[BT_JOURNAL_HEADER_MIN];
	const unsigned char *hp = hb;
	size_t hn;
	if (ctx->head && ctx->head_len >= sizeof hb) {
		hp = ctx->head;
		hn = ctx->head_len;
	} else {
		ssize_t r = pread(ctx->fd, hb, sizeof hb, 0);
		hn = r > 0 ? (size_t)r : 0;
	}
	struct header h;
	if (!header_parse(hp, hn, &h)) {
		bt_diagf(d, BT_DIAG_ERROR, ctx->path,
		         "not readable as a journal file: header truncated (%zu bytes)", hn);
		return unreadable(ctx, s);
	}
	ctx->stats->dirty = h.state == 1;   /* online: journald did not close it */

	/* libsystemd refuses a file shorter than its header says (a copy cut
	 * short) and one that is not linked (standard input's spool): such a
	 * file is read from a private copy, zero-padded to the header's length,
	 * so that the entries it holds are read. */
	int fd = ctx->fd;
	uint64_t want = h.header_size + h.arena_size;
	bool cut = h.header_size >= BT_JOURNAL_HEADER_MIN && want >= h.header_size &&
	           want > s->size;
	if (cut || sb.st_nlink == 0) {
		if (!cut)
			want = s->size;
		if (s->size > BT_JOURNAL_MAX_COPY || want > MAX_PAD) {
			if (cut)
				bt_diagf(d, BT_DIAG_ERROR, ctx->path,
				         "not readable as a journal file: it ends at %" PRIu64 " bytes, its "
				         "header says %" PRIu64 " (truncated copy, or a damaged header)",
				         s->size, want);
			else
				bt_diagf(d, BT_DIAG_ERROR, ctx->path,
				         "not readable as a journal file: over %llu bytes from standard "
				         "input; name the file instead", BT_JOURNAL_MAX_COPY);
			return unreadable(ctx, s);
		}
		const struct bt_journal_opts *o = ctx->format_opts;
		char name[4096];
		s->copy_fd = private_copy(ctx->fd, s->size, want, o ? o->tmpdir : NULL, name,
		                          sizeof name);
		if (s->copy_fd < 0) {
			bt_diagf(d, BT_DIAG_ERROR, ctx->path,
			         "not readable as a journal file: %s, and no temporary copy could be "
			         "made to read it: %s",
			         cut ? "truncated copy" : "standard input", strerror(errno));
			return unreadable(ctx, s);
		}
		fd = s->copy_fd;
		int r = sd_journal_open_files_fd(&s->j, &fd, 1, 0);
		unlink(name);
		if (r >= 0 && cut) {
			bt_diagf(d, BT_DIAG_WARN, ctx->path,
			         "truncated: the file ends at %" PRIu64 " bytes, its header says %" PRIu64
			         "; the entries it still holds are read", s->size, want);
			ctx->stats->incomplete = true;
		}
		return opened(ctx, s, &h, r, state);
	}
	return opened(ctx, s, &h, sd_journal_open_files_fd(&s->j, &fd, 1, 0), state);
}

#define OBJECT_ENTRY 3
#define OBJECT_ENTRY_ARRAY 6
#define OBJECT_HEADER_SIZE 16u
#define ENTRY_ARRAY_HEADER_SIZE 24u
/* Entries an index may pass over to find the next one sd-journal yields
 * (those it passed over as unreadable), and entry arrays it may walk. */
#define INDEX_MAX_SKIP 4096u
#define INDEX_MAX_ARRAYS (1u << 20)

static bool read_at(int fd, void *buf, size_t n, uint64_t off)
{
	if (off > (uint64_t)INT64_MAX - n)
		return false;
	ssize_t r = pread(fd, buf, n, (off_t)off);
	return r == (ssize_t)n;
}

/* Moves to the next entry array of the chain; false at its end or where it
 * is damaged (offsets must grow: arrays are appended). */
static bool index_next_array(struct entry_index *x, uint64_t first)
{
	uint64_t a = x->started ? x->next : first;
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
static bool index_find(struct jfile *s, uint64_t first, uint64_t seq, uint64_t usec,
                       uint64_t *offset, uint64_t *size)
{
	struct entry_index *x = &s->index;
	for (unsigned steps = 0; !x->off && steps < INDEX_MAX_SKIP;) {
		if (x->i >= x->n) {
			if (!index_next_array(x, first))
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

static void field_u64(struct jfile *s, const char *name, uint64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof b, "%" PRIu64, v);
	bt_jentry_field(s->map, name, strlen(name), b, (size_t)n);
}

/* Hands the current entry's fields to the mapping; false when none could be
 * read (a damaged entry: sd-journal passes over data objects it cannot read). */
static bool read_entry(struct bt_reader_ctx *ctx, struct jfile *s, uint64_t *offset)
{
	bt_jentry_begin(s->map);
	uint64_t usec = 0, seq = 0;
	bool have_usec = sd_journal_get_realtime_usec(s->j, &usec) >= 0, have_seq = false;
	if (have_usec)
		field_u64(s, "__REALTIME_TIMESTAMP", usec);
	char *cursor = NULL;
	if (sd_journal_get_cursor(s->j, &cursor) >= 0 && cursor_seqnum(cursor, &seq)) {
		field_u64(s, "__SEQNUM", seq);
		have_seq = true;
	}
	free(cursor);
	struct bt_docker_warnings *w = bt_jentry_warnings(s->map);
	uint64_t size = 0;
	*offset = 0;
	if (!(have_usec && have_seq && index_find(s, s->first_array, seq, usec, offset, &size)))
		*offset = 0;
	else if (size > s->size || *offset > s->size - size) {
		/* a copy cut short: the entry's own items run past the end */
		bt_docker_warn(ctx, w, "entry #%" PRIu64 " at offset %" PRIu64 ": cut off by the end "
		               "of the file, skipped", seq, *offset);
		return false;
	}
	const void *data;
	size_t len, n = 0;
	int r;
	sd_journal_restart_data(s->j);
	while ((r = sd_journal_enumerate_data(s->j, &data, &len)) > 0) {
		const char *p = data;
		const char *eq = memchr(p, '=', len);
		if (!eq)
			continue;   /* libsystemd checks this; a damaged object may not */
		bt_jentry_field(s->map, p, (size_t)(eq - p), eq + 1, len - (size_t)(eq - p) - 1);
		n++;
	}
	if (!n) {
		bt_docker_warn(ctx, w, "entry #%" PRIu64 ": no field could be read (%s), skipped", seq,
		               r < 0 ? strerror(-r) : "damaged");
		return false;
	}
	if (r < 0)
		bt_docker_warn(ctx, w, "entry #%" PRIu64 ": a field could not be read (%s); the fields "
		               "before it are kept", seq, strerror(-r));
	return true;
}

static void summarise(struct bt_reader_ctx *ctx, struct jfile *s)
{
	if (s->summarised)
		return;
	s->summarised = true;
	/* sd-journal passes over entries it cannot read (and stops at a damaged
	 * entry array): the header's count tells how many were lost. */
	uint64_t plausible = s->span / MIN_ENTRY_SIZE;
	if (s->header_entries > s->entries && s->header_entries <= plausible) {
		uint64_t lost = s->header_entries - s->entries;
		ctx->stats->failed += lost;
		bt_diagf(&ctx->opts->diag, BT_DIAG_WARN, ctx->path,
		         "%" PRIu64 " of the %" PRIu64 " entries its header counts could not be read "
		         "(damaged or cut off)", lost, s->header_entries);
	} else if (s->header_entries > plausible) {
		bt_diagf(&ctx->opts->diag, BT_DIAG_WARN, ctx->path,
		         "its header counts %" PRIu64 " entries, more than the file can hold "
		         "(damaged header); %" PRIu64 " read", s->header_entries, s->entries);
	}
	bt_jentry_summarise(ctx, s->map);
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
		int r = sd_journal_next(s->j);
		if (r <= 0) {
			if (r < 0) {
				bt_diagf(&ctx->opts->diag, BT_DIAG_WARN, ctx->path,
				         "cannot read past entry %" PRIu64 ": %s", s->entries, strerror(-r));
				ctx->stats->incomplete = true;
			}
			s->eof = true;
			continue;
		}
		s->entries++;
		ctx->stats->lines++;
		uint64_t offset;
		if (!read_entry(ctx, s, &offset)) {
			ctx->stats->failed++;
			continue;
		}
		if (bt_jentry_map(ctx, s->map, 0, offset, ev))
			return BT_OK;
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
