/* The chain-of-custody record of a run. The only module that uses nettle. */
#include "config.h"

#include "runrecord.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>
#include <nettle/version.h>

#include "core/bt_buf.h"
#include "input/bt_input.h"
#include "evtx/bt_evtx_libevtx.h"
#include "evtx/bt_evtx_xml.h"
#include "cli.h"
#include "escape.h"

struct rr_input {
	char *path;
	bool hashed;             /* hex and size are set */
	bool hash_of_read;       /* ...and are of the bytes the run read */
	char hex[65];
	uint64_t size;
	bool has_stats;
	struct bt_file_stats st;
	char *status;
};

struct runrecord {
	bt_time start;
	struct bt_buf cmdline;   /* JSON array text */
	struct rr_input *v;
	size_t n, cap;
};

static bt_time now_time(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return bt_time_from_unix(ts.tv_sec, ts.tv_nsec);
}

struct runrecord *runrecord_new(int argc, char **argv)
{
	struct runrecord *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->start = now_time();
	bt_buf_putc(&r->cmdline, '[');
	for (int i = 0; i < argc; i++) {
		if (i)
			bt_buf_putc(&r->cmdline, ',');
		esc_json(&r->cmdline, argv[i], strlen(argv[i]));
	}
	bt_buf_putc(&r->cmdline, ']');
	return r;
}

void runrecord_free(struct runrecord *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].path);
		free(r->v[i].status);
	}
	free(r->v);
	bt_buf_free(&r->cmdline);
	free(r);
}

void runrecord_input(struct runrecord *r, const char *path, const struct bt_file_stats *st,
                     const char *status)
{
	if (!r)
		return;
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 64;
		struct rr_input *nv = realloc(r->v, nc * sizeof *nv);
		if (!nv)
			return;
		r->v = nv;
		r->cap = nc;
	}
	struct rr_input *in = &r->v[r->n++];
	memset(in, 0, sizeof *in);
	in->path = strdup(path);
	in->status = strdup(status ? status : "read");
	if (st) {
		in->has_stats = true;
		in->st = *st;
	}
}

/* Hashes an open file from its start. */
static bool sha256_fd(int fd, char hex[65], uint64_t *size)
{
	struct sha256_ctx ctx;
	sha256_init(&ctx);
	static unsigned char buf[1 << 16];
	ssize_t got;
	uint64_t total = 0;
	off_t off = 0;
	while ((got = pread(fd, buf, sizeof buf, off)) > 0 || (got < 0 && errno == EINTR)) {
		if (got < 0)
			continue;
		sha256_update(&ctx, (size_t)got, buf);
		total += (uint64_t)got;
		off += got;
	}
	if (got < 0)
		return false;
	uint8_t digest[SHA256_DIGEST_SIZE];
	sha256_digest(&ctx, sizeof digest, digest);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	*size = total;
	return true;
}

bool runrecord_sha256(const char *path, char hex[65], uint64_t *size)
{
	int fd = bt_open_evidence(path);
	if (fd < 0)
		return false;
	bool ok = sha256_fd(fd, hex, size);
	close(fd);
	return ok;
}

/* Hashes an input and says whether the hash is of the bytes the run read:
 * the file must be the one opened then (device, inode), unchanged since
 * (size, modification and change times), before and after hashing. */
static bool hash_input(const struct rr_input *in, char hex[65], uint64_t *size, bool *same)
{
	int fd = bt_open_evidence(in->path);
	if (fd < 0)
		return false;
	struct stat before, after;
	bool ok = fstat(fd, &before) == 0 && sha256_fd(fd, hex, size) && fstat(fd, &after) == 0;
	close(fd);
	*same = ok && in->has_stats && !in->st.changed && bt_file_identity_same(&in->st, &before) &&
	        bt_file_identity_same(&in->st, &after);
	return ok;
}

static void json_str(struct bt_buf *b, const char *s)
{
	if (s)
		esc_json(b, s, strlen(s));
	else
		bt_buf_puts(b, "null");
}

static void json_time(struct bt_buf *b, bt_time t)
{
	char buf[BT_TIME_BUFSZ];
	bt_buf_putc(b, '"');
	bt_buf_put(b, buf, bt_time_format(t, buf));
	bt_buf_putc(b, '"');
}

/* A digest of the rule sources: SHA-256 over each rule file's path and hash. */
static void rules_json(struct bt_buf *b, const struct bt_ruleset *rules)
{
	struct bt_ruleset_counts c;
	bt_ruleset_counts(rules, &c);
	bt_buf_printf(b, "{\"loaded\":%lu,\"skipped\":%lu,\"correlations\":%lu,\"unreadable\":%lu,",
	              c.loaded, c.skipped, c.correlations, c.unreadable);
	struct sha256_ctx ctx;
	sha256_init(&ctx);
	const char *last = NULL;
	size_t nfiles = 0;
	for (size_t i = 0; i < bt_ruleset_count(rules); i++) {
		const char *file = bt_ruleset_info(rules, i)->sigma->file;
		if (!file || (last && strcmp(last, file) == 0))
			continue;
		last = file;
		char hex[65];
		uint64_t size;
		if (!runrecord_sha256(file, hex, &size))
			snprintf(hex, sizeof hex, "unreadable");
		sha256_update(&ctx, strlen(file) + 1, (const uint8_t *)file);
		sha256_update(&ctx, strlen(hex), (const uint8_t *)hex);
		nfiles++;
	}
	uint8_t digest[SHA256_DIGEST_SIZE];
	sha256_digest(&ctx, sizeof digest, digest);
	bt_buf_printf(b, "\"files\":%zu,\"sha256\":\"", nfiles);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		bt_buf_printf(b, "%02x", digest[i]);
	bt_buf_puts(b, "\"}");
}

unsigned long runrecord_hash(struct runrecord *r)
{
	unsigned long changed = 0;
	for (size_t i = 0; r && i < r->n; i++) {
		struct rr_input *in = &r->v[i];
		if (strcmp(in->path, "-") == 0 ||
		    !hash_input(in, in->hex, &in->size, &in->hash_of_read))
			continue;
		in->hashed = true;
		if (!in->hash_of_read && in->has_stats) {
			cli_errorf("--run-record: %s changed since it was read: its SHA-256 is of the "
			           "file as it is now, not of the bytes analysed", in->path);
			changed++;
		}
	}
	return changed;
}

bool runrecord_write(struct runrecord *r, FILE *f, const struct bt_ruleset *rules,
                     uint64_t findings, int exit_status)
{
	struct bt_buf b = BT_BUF_INIT;
	bt_buf_puts(&b, "{\"schema\":\"boxtrail.run/1\",\"tool\":{\"name\":\"boxtrail\",\"version\":");
	json_str(&b, PACKAGE_VERSION);
	bt_buf_puts(&b, "},\"libraries\":{\"libevtx\":");
	json_str(&b, bt_libevtx_version());
	bt_buf_puts(&b, ",\"libxml2\":");
	json_str(&b, bt_libxml2_version());
	bt_buf_printf(&b, ",\"nettle\":\"%d.%d\"}", nettle_version_major(), nettle_version_minor());
	bt_buf_puts(&b, ",\"command_line\":");
	bt_buf_put(&b, r->cmdline.p, r->cmdline.n);
	bt_buf_puts(&b, ",\"start\":");
	json_time(&b, r->start);
	bt_buf_puts(&b, ",\"end\":");
	json_time(&b, now_time());
	bt_buf_puts(&b, ",\"rules\":");
	if (rules)
		rules_json(&b, rules);
	else
		bt_buf_puts(&b, "null");
	bt_buf_printf(&b, ",\"findings\":%llu,\"exit_status\":%d,\"inputs\":[",
	              (unsigned long long)findings, exit_status);
	for (size_t i = 0; i < r->n; i++) {
		const struct rr_input *in = &r->v[i];
		if (i)
			bt_buf_putc(&b, ',');
		bt_buf_puts(&b, "{\"path\":");
		json_str(&b, in->path);
		if (in->hashed)
			bt_buf_printf(&b, ",\"size\":%llu,\"sha256\":\"%s\",\"hash_of_bytes_read\":%s",
			              (unsigned long long)in->size, in->hex, in->hash_of_read ? "true" : "false");
		else
			bt_buf_puts(&b, ",\"size\":null,\"sha256\":null,\"hash_of_bytes_read\":false");
		bt_buf_puts(&b, ",\"status\":");
		json_str(&b, in->status);
		if (in->has_stats) {
			const struct bt_file_stats *s = &in->st;
			bt_buf_printf(&b,
			              ",\"format\":\"%s\",\"records\":%llu,\"recovered\":%llu,\"failed\":%llu,"
			              "\"recovered_failed\":%llu,\"corrupt_chunks\":%llu,\"lines\":%llu,"
			              "\"skipped\":%llu,\"unreadable\":%s,\"incomplete\":%s",
			              bt_format_name(s->format), (unsigned long long)s->records,
			              (unsigned long long)s->recovered, (unsigned long long)s->failed,
			              (unsigned long long)s->recovered_failed,
			              (unsigned long long)s->corrupt_chunks, (unsigned long long)s->lines,
			              (unsigned long long)s->skipped, s->unreadable ? "true" : "false",
			              s->incomplete ? "true" : "false");
		}
		bt_buf_putc(&b, '}');
	}
	bt_buf_puts(&b, "]}\n");
	bool ok = !b.oom && fwrite(b.p, 1, b.n, f) == b.n;
	bt_buf_free(&b);
	return ok;
}
