/* Opening one evidence input: content detection, reader dispatch and the
 * integrity statistics every reader shares. */
#include "config.h"

#include "input/bt_input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docker/bt_docker_desktop.h"
#include "docker/bt_docker_events.h"
#include "docker/bt_docker_initlog.h"
#include "docker/bt_docker_journald.h"
#include "docker/bt_docker_journalfile.h"
#include "docker/bt_docker_logrus.h"
#include "docker/bt_docker_root.h"
#include "docker/bt_docker_winevt.h"
#include "esxi/bt_esxi_log.h"
#include "host/bt_host_config.h"
#include "input/bt_detect.h"
#include "io/bt_reader.h"

/* Readers by format; NULL where none exists yet. */
static const struct bt_reader_ops *reader_for(enum bt_format f, const struct bt_input_opts *o)
{
	switch (f) {
	case BT_FORMAT_EVTX:
		return o->evtx.reader == BT_EVTX_READER_LIBEVTX ? &bt_reader_evtx_libevtx
		                                                : &bt_reader_evtx_native;
	case BT_FORMAT_DOCKERD_TEXT:
	case BT_FORMAT_DOCKERD_JSON:
		return &bt_reader_dockerd;
	case BT_FORMAT_JOURNALD_JSON:
		return &bt_reader_journald;
	case BT_FORMAT_DOCKER_EVENTS:
		return &bt_reader_docker_events;
	case BT_FORMAT_DOCKER_DESKTOP:
		return &bt_reader_docker_desktop;
	case BT_FORMAT_DOCKER_DESKTOP_INIT:
		return &bt_reader_docker_desktop_init;
	case BT_FORMAT_DOCKER_CONFIG:
		return &bt_reader_docker_config;
	case BT_FORMAT_DOCKER_HOSTCONFIG:
		return &bt_reader_docker_hostconfig;
	case BT_FORMAT_CONTAINER_LOG:
		return &bt_reader_container_log;
	case BT_FORMAT_IMAGE_CONFIG:
		return &bt_reader_image_config;
	case BT_FORMAT_HOST_CONFIG:
		return &bt_reader_host_config;
	case BT_FORMAT_JOURNAL_FILE:
		return &bt_reader_journalfile;
	case BT_FORMAT_ESXI_LOG:
		return &bt_reader_esxi;
	default:
		return NULL;
	}
}

struct bt_input {
	char *path;
	const struct bt_input_opts *opts;
	struct bt_read_opts read;   /* the options' read part, with this input's assumed host */
	enum bt_format format;
	const struct bt_reader_ops *ops;
	void *state;
	struct bt_reader_ctx ctx;
	struct bt_file_stats stats;
	struct bt_evbuf eb;
	int fd;
	int spool_fd;            /* unlinked temporary copy of EVTX read from stdin */
	char spool_path[32];     /* its /proc/self/fd name, for readers that open by name */
	struct bt_journal_opts journal;       /* the journal file reader's options */
	unsigned char head[BT_READER_HEAD];   /* the first bytes of a regular file */
	size_t head_len;
	bool done;
	/* integrity tracking over live EVTX records */
	bool have_prev;
	uint64_t prev_id;
	bt_time prev_time;
	struct bt_anomaly anomalies[BT_MAX_ANOMALIES];
	size_t nanomalies;
};

static void note_anomaly(struct bt_input *in, enum bt_anomaly_kind kind, const struct bt_event *ev)
{
	if (in->nanomalies >= BT_MAX_ANOMALIES)
		return;
	in->anomalies[in->nanomalies++] = (struct bt_anomaly){kind, ev->time, in->prev_time,
	                                                     in->prev_id, ev->record_id, ev->offset};
}

/* At the end of an input: did the file change while it was read? A log that
 * grew, shrank or was rewritten gave bytes from two states of the file. */
static void check_unchanged(struct bt_input *in)
{
	struct stat sb;
	if (!in->stats.have_identity || in->fd < 0 || fstat(in->fd, &sb) != 0 ||
	    bt_file_identity_same(&in->stats, &sb))
		return;
	in->stats.changed = true;
	bt_diagf(&in->opts->read.diag, BT_DIAG_WARN, in->path,
	         "the file changed while it was read (size %llu -> %llu bytes, or its times): "
	         "what was read may mix two states of it",
	         (unsigned long long)in->stats.size_at_open, (unsigned long long)sb.st_size);
}

/* Copies the rest of standard input or a named pipe (EVTX, journal file) to
 * a private temporary file, because those readers need random access. The file is unlinked as soon as it is
 * created, so no copy of the evidence is left behind whatever ends the run
 * (SIGPIPE, Ctrl-C, a crash); readers get its descriptor, the libevtx worker
 * inherits it. Never writes beside the evidence. */
static enum bt_status spool_stdin(struct bt_input *in, struct bt_stream *s)
{
	const char *dir = in->opts->tmpdir;
	if (!dir || !*dir)
		dir = "/tmp";
	size_t n = strlen(dir) + sizeof "/boxtrail-stdin-XXXXXX.evtx";
	char *name = malloc(n);
	if (!name)
		return BT_ERR_NOMEM;
	snprintf(name, n, "%s/boxtrail-stdin-XXXXXX.evtx", dir);
	int fd = mkstemps(name, 5);
	if (fd < 0) {
		bt_diagf(&in->opts->read.diag, BT_DIAG_ERROR, in->path,
		         "cannot create temporary file in %s: %s", dir, strerror(errno));
		free(name);
		return BT_ERR_IO;
	}
	unlink(name);
	free(name);
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	in->spool_fd = fd;
	snprintf(in->spool_path, sizeof in->spool_path, "/proc/self/fd/%d", fd);
	char buf[65536];
	size_t r;
	while ((r = bt_stream_read(s, buf, sizeof buf)) > 0) {
		for (size_t off = 0; off < r;) {
			ssize_t w = write(fd, buf + off, r - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				bt_diagf(&in->opts->read.diag, BT_DIAG_ERROR, in->path,
				         "cannot write temporary file in %s: %s", dir,
				         w < 0 ? strerror(errno) : "no space");
				return BT_ERR_IO;
			}
			off += (size_t)w;
		}
	}
	if (bt_stream_error(s)) {
		bt_diagf(&in->opts->read.diag, BT_DIAG_ERROR, in->path, "read error while spooling it");
		return BT_ERR_IO;
	}
	return BT_OK;
}

/* Whether `path` is `dir` or lies below it. */
static size_t under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (strncmp(path, dir, n) != 0 || (path[n] != '\0' && path[n] != '/' && dir[n - 1] != '/'))
		return 0;
	return n;
}

/* The host the analyst gives this input: the --assume-host PATH=NAME with
 * the longest PATH holding it, else the bare --assume-host NAME. */
static const char *assumed_host(const struct bt_input_opts *o, const char *path)
{
	const char *best = NULL;
	size_t best_len = 0;
	char real[4096];
	bool have_real = false;
	for (size_t i = 0; i < o->nassume; i++) {
		const struct bt_assume_host *a = &o->assume[i];
		size_t n = under(path, a->path);
		if (!n && a->real) {
			if (!have_real)
				have_real = realpath(path, real) != NULL;
			if (have_real)
				n = under(real, a->real);
		}
		if (n > best_len) {
			best = a->name;
			best_len = n;
		}
	}
	return best ? best : o->read.assume_host;
}

enum bt_status bt_input_open(const char *path, const struct bt_input_opts *opts,
                             const struct bt_part *part, struct bt_input **out)
{
	static const struct bt_part whole;
	struct bt_input *in = calloc(1, sizeof *in);
	if (!in || !(in->path = strdup(path))) {
		free(in);
		return BT_ERR_NOMEM;
	}
	in->opts = opts;
	in->fd = -1;
	in->spool_fd = -1;
	bt_evbuf_init(&in->eb);
	bool is_stdin = strcmp(path, "-") == 0;
	enum bt_status st = BT_OK;
	struct bt_stream *s = NULL;

	if (is_stdin) {
		in->fd = STDIN_FILENO;
	} else {
		in->fd = bt_open_evidence(path);
		if (in->fd < 0) {
			bt_diagf(&opts->read.diag, BT_DIAG_ERROR, path, "cannot open: %s", strerror(errno));
			st = BT_ERR_IO;
			goto fail;
		}
		struct stat sb;
		if (fstat(in->fd, &sb) == 0) {
			if (S_ISDIR(sb.st_mode)) {
				bt_diagf(&opts->read.diag, BT_DIAG_ERROR, path, "is a directory");
				st = BT_ERR_IO;
				goto fail;
			}
			in->stats.bytes = S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
			if (S_ISREG(sb.st_mode))
				bt_file_identity_set(&in->stats, &sb);
		}
	}

	/* A regular file is first read for its first bytes: an EVTX or journal
	 * file is known by them, and its reader takes them (the file header) as
	 * they are, so the start of the file is read once. Anything else is
	 * recognised through a stream (gzip, longer heads for text formats). */
	if (!is_stdin && in->stats.have_identity) {
		ssize_t hn = pread(in->fd, in->head, sizeof in->head, 0);
		enum bt_format f = hn > 0 ? bt_detect(in->head, (size_t)hn, false) : BT_FORMAT_UNKNOWN;
		if (f == BT_FORMAT_EVTX || f == BT_FORMAT_JOURNAL_FILE) {
			in->head_len = (size_t)hn;
			in->format = f;
		}
	}
	if (!in->head_len) {
		st = bt_stream_open(in->fd, 0, &s);
		if (st != BT_OK) {
			bt_diagf(&opts->read.diag, BT_DIAG_ERROR, path, "cannot read: %s", bt_status_str(st));
			goto fail;
		}
		const unsigned char *head;
		size_t n = bt_stream_peek(s, BT_DETECT_HEAD, &head);
		in->format = bt_detect(head, n, n < BT_DETECT_HEAD);
		/* a host's configuration files say nothing of what they are: known
		 * by their place in a collection */
		if (in->format == BT_FORMAT_UNKNOWN && !is_stdin && bt_host_file_kind(path) != BT_HOST_FILE_NONE)
			in->format = BT_FORMAT_HOST_CONFIG;
	}
	in->stats.format = in->format;
	in->ops = reader_for(in->format, opts);
	if (!in->ops) {
		st = BT_ERR_UNSUPPORTED;
		goto fail;
	}
	if (!in->ops->needs_stream && s) {
		/* standard input, and a named pipe or device (<(cat x.evtx)), cannot
		 * seek: spooled alike */
		bool seekable = !is_stdin && in->stats.have_identity;
		if (seekable && bt_stream_is_gzip(s)) {
			bt_diagf(&opts->read.diag, BT_DIAG_ERROR, path,
			         "compressed %s is not supported; decompress it first",
			         in->format == BT_FORMAT_EVTX ? "EVTX" : "journal file");
			st = BT_ERR_UNSUPPORTED;
			goto fail;
		}
		if (!seekable && (st = spool_stdin(in, s)) != BT_OK)
			goto fail;
		bt_stream_free(s);
		s = NULL;
	}
	in->ctx.path = in->path;
	in->ctx.fd = in->fd;
	in->ctx.stream = s;
	in->read = opts->read;
	in->read.assume_host = assumed_host(opts, path);
	in->ctx.opts = &in->read;
	in->journal.tmpdir = opts->tmpdir;
	in->journal.worker_exe = opts->evtx.worker_exe;   /* the same worker switch and timeout */
	in->journal.worker_timeout_sec = opts->evtx.worker_timeout_sec;
	in->ctx.format_opts = in->format == BT_FORMAT_EVTX           ? (const void *)&opts->evtx
	                      : in->format == BT_FORMAT_JOURNAL_FILE ? (const void *)&in->journal
	                                                             : (const void *)&opts->docker;
	in->ctx.part = part ? part : &whole;
	in->ctx.stats = &in->stats;
	in->ctx.eb = &in->eb;
	in->ctx.open_path = in->path;
	in->ctx.head = in->head_len ? in->head : NULL;
	in->ctx.head_len = in->head_len;
	if (in->spool_fd >= 0) {
		in->ctx.fd = in->spool_fd;
		in->ctx.open_path = in->spool_path;
	}
	st = in->ops->open(&in->ctx, &in->state);
	if (st != BT_OK) {
		in->stats.unreadable = true;
		in->ops = NULL;
		goto fail_keep;
	}
	*out = in;
	return BT_OK;
fail:
	bt_stream_free(s);
	in->ctx.stream = NULL;
fail_keep:
	bt_input_free(in);
	return st;
}

bool bt_input_plan(const char *path, const struct bt_input_opts *opts, uint64_t split,
                   bt_part_fn add, void *ctx, const struct bt_reader_ops **ops, uint64_t *size)
{
	*ops = NULL;
	*size = 0;
	struct stat sb;
	if (strcmp(path, "-") == 0 || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return true;
	*size = (uint64_t)sb.st_size;
	/* Only an input large enough for some reader to split is looked into:
	 * the first bytes a reader needs to decide (the EVTX file header). */
	static const enum bt_format splittable[] = {BT_FORMAT_EVTX};
	uint64_t min = UINT64_MAX;
	for (size_t i = 0; i < sizeof splittable / sizeof *splittable; i++) {
		const struct bt_reader_ops *r = reader_for(splittable[i], opts);
		if (r && r->plan && r->plan_min_size < min)
			min = r->plan_min_size;
	}
	if (*size < min)
		return true;
	int fd = bt_open_evidence(path);
	if (fd < 0)
		return true;
	unsigned char head[BT_READER_HEAD];
	ssize_t n = pread(fd, head, sizeof head, 0);
	close(fd);
	if (n <= 0)
		return true;
	enum bt_format f = bt_detect(head, (size_t)n, (size_t)n < sizeof head);
	const struct bt_reader_ops *r = reader_for(f, opts);
	if (!r || !r->plan || *size < r->plan_min_size)
		return true;
	*ops = r;
	return r->plan(head, (size_t)n, *size, split, add, ctx);
}

static void track_integrity(struct bt_input *in, const struct bt_event *ev)
{
	if (ev->flags & BT_EV_RECOVERED)
		return;
	struct bt_file_stats *st = &in->stats;
	if (ev->time != BT_TIME_NONE) {
		if (!st->have_span || ev->time < st->span_first)
			st->span_first = ev->time;
		if (!st->have_span || ev->time > st->span_last)
			st->span_last = ev->time;
		st->have_span = true;
	}
	if (ev->source != BT_SOURCE_EVTX)
		return;
	if (!st->have_ends) {
		st->have_ends = true;
		st->first_id = ev->record_id;
		st->first_time = ev->time;
		st->first_offset = ev->offset;
		st->last_time = BT_TIME_NONE;
	}
	if (in->have_prev) {
		if (ev->record_id != in->prev_id + 1)
			st->id_gaps++;
		if (ev->record_id > in->prev_id + BT_ANOMALY_MIN_GAP)
			note_anomaly(in, BT_ANOMALY_ID_GAP, ev);
		if (ev->time != BT_TIME_NONE && in->prev_time != BT_TIME_NONE &&
		    ev->time < in->prev_time) {
			st->time_backwards++;
			if (in->prev_time - ev->time > st->max_backwards)
				st->max_backwards = in->prev_time - ev->time;
			/* Where record ids also go back, the circular log wrapped: normal. */
			if (in->prev_time - ev->time > BT_ANOMALY_MIN_BACKWARDS && ev->record_id > in->prev_id)
				note_anomaly(in, BT_ANOMALY_TIME_BACKWARDS, ev);
		}
	}
	in->have_prev = true;
	in->prev_id = ev->record_id;
	if (ev->time != BT_TIME_NONE)
		in->prev_time = ev->time;
	st->last_id = ev->record_id;
	if (ev->time != BT_TIME_NONE)
		st->last_time = ev->time;
}

enum bt_status bt_input_next(struct bt_input *in, const struct bt_event **ev)
{
	if (in->done || !in->ops)
		return BT_EOF;
	enum bt_status st = in->ops->next(&in->ctx, in->state, ev);
	if (st == BT_OK) {
		if ((*ev)->source == BT_SOURCE_EVTX && *ev == &in->eb.ev)
			bt_docker_winevt_enrich(&in->eb, &in->opts->docker);  /* cheap unless docker/HCS */
		if ((*ev)->flags & BT_EV_RECOVERED)
			in->stats.recovered++;
		else
			in->stats.records++;
		track_integrity(in, *ev);
		return BT_OK;
	}
	in->done = true;
	if (st != BT_EOF)
		in->stats.incomplete = true;
	check_unchanged(in);
	return st;
}

const struct bt_anomaly *bt_input_anomalies(const struct bt_input *in, size_t *n)
{
	*n = in->nanomalies;
	return in->anomalies;
}

enum bt_format bt_input_format(const struct bt_input *in)
{
	return in->format;
}

const char *bt_input_path(const struct bt_input *in)
{
	return in->path;
}

const struct bt_file_stats *bt_input_stats(const struct bt_input *in)
{
	return &in->stats;
}

void bt_input_free(struct bt_input *in)
{
	if (!in)
		return;
	if (in->ops && in->ops->close)
		in->ops->close(in->state);
	bt_stream_free(in->ctx.stream);
	if (in->fd > STDIN_FILENO)
		close(in->fd);
	if (in->spool_fd >= 0)
		close(in->spool_fd);
	bt_evbuf_free(&in->eb);
	free(in->path);
	free(in);
}
