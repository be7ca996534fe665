/* What readers share: format names, the integrity counters of an input and
 * how the counters of its parts join, opening evidence read-only. */
#include "config.h"

#include "io/bt_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const format_names[BT_FORMAT_COUNT] = {
	[BT_FORMAT_UNKNOWN] = "unknown",
	[BT_FORMAT_EVTX] = "evtx",
	[BT_FORMAT_DOCKERD_TEXT] = "dockerd-text",
	[BT_FORMAT_DOCKERD_JSON] = "dockerd-json",
	[BT_FORMAT_JOURNALD_JSON] = "journald-json",
	[BT_FORMAT_DOCKER_EVENTS] = "docker-events",
	[BT_FORMAT_DOCKER_DESKTOP] = "docker-desktop",
	[BT_FORMAT_DOCKER_CONFIG] = "docker-config",
	[BT_FORMAT_CONTAINER_LOG] = "container-log",
	[BT_FORMAT_IMAGE_CONFIG] = "image-config",
	[BT_FORMAT_DOCKER_HOSTCONFIG] = "docker-hostconfig",
	[BT_FORMAT_HOST_CONFIG] = "host-config",
	[BT_FORMAT_JOURNAL_FILE] = "journal-file",
	[BT_FORMAT_DOCKER_DESKTOP_INIT] = "docker-desktop-init",
	[BT_FORMAT_ESXI_LOG] = "esxi-log",
};

const char *bt_format_name(enum bt_format f)
{
	return (unsigned)f < BT_FORMAT_COUNT ? format_names[f] : "unknown";
}

void bt_file_identity_set(struct bt_file_stats *st, const struct stat *sb)
{
	st->have_identity = true;
	st->dev = (uint64_t)sb->st_dev;
	st->ino = (uint64_t)sb->st_ino;
	st->size_at_open = (uint64_t)sb->st_size;
	st->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
	st->ctime_ns = (int64_t)sb->st_ctim.tv_sec * 1000000000 + sb->st_ctim.tv_nsec;
}

bool bt_file_identity_same(const struct bt_file_stats *st, const struct stat *sb)
{
	struct bt_file_stats now = {0};
	bt_file_identity_set(&now, sb);
	return st->have_identity && st->dev == now.dev && st->ino == now.ino &&
	       st->size_at_open == now.size_at_open && st->mtime_ns == now.mtime_ns &&
	       st->ctime_ns == now.ctime_ns;
}

int bt_open_evidence(const char *path)
{
	/* O_NOATIME keeps atime intact where we own the file; it fails with
	 * EPERM otherwise, then we open normally (still read-only). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	return fd;
}

static void push_anomaly(struct bt_anomaly *v, size_t *n, const struct bt_anomaly *a)
{
	if (*n < BT_MAX_ANOMALIES)
		v[(*n)++] = *a;
}

void bt_file_stats_merge(struct bt_file_stats *acc, struct bt_anomaly *acc_anom, size_t *acc_n,
                         const struct bt_file_stats *part, const struct bt_anomaly *part_anom,
                         size_t part_n)
{
	/* the join: the same checks track_integrity makes between two records */
	if (acc->have_ends && part->have_ends) {
		uint64_t prev = acc->last_id, id = part->first_id;
		bt_time pt = acc->last_time, t = part->first_time;
		if (id != prev + 1)
			acc->id_gaps++;
		if (id > prev + BT_ANOMALY_MIN_GAP) {
			struct bt_anomaly a = {BT_ANOMALY_ID_GAP, t, pt, prev, id, part->first_offset};
			push_anomaly(acc_anom, acc_n, &a);
		}
		if (t != BT_TIME_NONE && pt != BT_TIME_NONE && t < pt) {
			acc->time_backwards++;
			if (pt - t > acc->max_backwards)
				acc->max_backwards = pt - t;
			if (pt - t > BT_ANOMALY_MIN_BACKWARDS && id > prev) {
				struct bt_anomaly a = {BT_ANOMALY_TIME_BACKWARDS, t, pt, prev, id,
				                       part->first_offset};
				push_anomaly(acc_anom, acc_n, &a);
			}
		}
	}
	for (size_t i = 0; i < part_n; i++)
		push_anomaly(acc_anom, acc_n, &part_anom[i]);
	acc->records += part->records;
	acc->recovered += part->recovered;
	acc->failed += part->failed;
	acc->recovered_failed += part->recovered_failed;
	acc->libevtx_read += part->libevtx_read;
	acc->recovered_copies += part->recovered_copies;
	acc->sparse_chunks += part->sparse_chunks;
	acc->libevtx_started += part->libevtx_started;
	acc->corrupt_chunks += part->corrupt_chunks;
	acc->id_gaps += part->id_gaps;
	acc->time_backwards += part->time_backwards;
	if (part->max_backwards > acc->max_backwards)
		acc->max_backwards = part->max_backwards;
	acc->lines += part->lines;
	acc->skipped += part->skipped;
	acc->dirty |= part->dirty;
	acc->changed |= part->changed;
	if (part->have_identity) {
		if (!acc->have_identity) {
			acc->have_identity = true;
			acc->dev = part->dev;
			acc->ino = part->ino;
			acc->size_at_open = part->size_at_open;
			acc->mtime_ns = part->mtime_ns;
			acc->ctime_ns = part->ctime_ns;
		} else if (acc->dev != part->dev || acc->ino != part->ino ||
		           acc->size_at_open != part->size_at_open || acc->mtime_ns != part->mtime_ns ||
		           acc->ctime_ns != part->ctime_ns) {
			acc->changed = true;  /* the parts saw different files */
		}
	}
	acc->incomplete |= part->incomplete;
	if (part->have_span) {
		if (!acc->have_span || part->span_first < acc->span_first)
			acc->span_first = part->span_first;
		if (!acc->have_span || part->span_last > acc->span_last)
			acc->span_last = part->span_last;
		acc->have_span = true;
	}
	if (part->have_ends) {
		if (!acc->have_ends) {
			acc->have_ends = true;
			acc->first_id = part->first_id;
			acc->first_time = part->first_time;
			acc->first_offset = part->first_offset;
			acc->last_time = BT_TIME_NONE;
		}
		acc->last_id = part->last_id;
		if (part->last_time != BT_TIME_NONE)
			acc->last_time = part->last_time;
	}
}

void bt_reader_vwarn(struct bt_reader_ctx *ctx, unsigned *n, unsigned max, const char *fmt,
                     va_list ap)
{
	if ((*n)++ >= max || !bt_diag_wants(&ctx->opts->diag, BT_DIAG_WARN))
		return;
	char buf[512];
	vsnprintf(buf, sizeof buf, fmt, ap);
	bt_diagf(&ctx->opts->diag, BT_DIAG_WARN, ctx->path, "%s", buf);
}

void bt_reader_warn(struct bt_reader_ctx *ctx, unsigned *n, unsigned max, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bt_reader_vwarn(ctx, n, max, fmt, ap);
	va_end(ap);
}

void bt_reader_warn_summary(struct bt_reader_ctx *ctx, unsigned n, unsigned max)
{
	if (n > max)
		bt_diagf(&ctx->opts->diag, BT_DIAG_WARN, ctx->path, "%u more warnings not listed",
		         n - max);
}
