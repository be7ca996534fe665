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
#include "json_writer.h"

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
	struct jw w;
	jw_init(&w, &r->cmdline);
	jw_str_array(&w, (const char *const *)argv, (size_t)argc);
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

void runrecord_rules_fingerprint(const struct bt_ruleset *rules, char hex[65])
{
	struct sha256_ctx ctx;
	sha256_init(&ctx);
	const char *last = NULL;
	char fhex[65] = "";
	for (size_t i = 0; i < bt_ruleset_count(rules); i++) {
		const struct bt_rule_info *ri = bt_ruleset_info(rules, i);
		const struct bt_sigma_rule *r = ri->sigma;
		if (r->file && (!last || strcmp(last, r->file) != 0)) {
			uint64_t size;
			last = r->file;
			if (!runrecord_sha256(r->file, fhex, &size))
				snprintf(fhex, sizeof fhex, "unreadable");
		}
		char head[128];
		int n = snprintf(head, sizeof head, "%zu %s %d %u ", i, bt_rule_state_name(ri->state),
		                 (int)r->level, r->doc_index);
		sha256_update(&ctx, (size_t)n, (const uint8_t *)head);
		const char *parts[] = {r->id ? r->id : "", r->title ? r->title : "",
		                       r->level_text ? r->level_text : "", r->file ? fhex : ""};
		for (size_t k = 0; k < sizeof parts / sizeof *parts; k++)
			sha256_update(&ctx, strlen(parts[k]) + 1, (const uint8_t *)parts[k]);
	}
	uint8_t digest[SHA256_DIGEST_SIZE];
	sha256_digest(&ctx, sizeof digest, digest);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
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

/* The counts of rules and a digest of their sources: SHA-256 over each rule
 * file's path and hash. */
static void rules_json(struct jw *w, const struct bt_ruleset *rules)
{
	struct bt_ruleset_counts c;
	bt_ruleset_counts(rules, &c);
	jw_object(w);
	jw_key(w, "loaded");
	jw_u64(w, c.loaded);
	jw_key(w, "skipped");
	jw_u64(w, c.skipped);
	jw_key(w, "correlations");
	jw_u64(w, c.correlations);
	jw_key(w, "unreadable");
	jw_u64(w, c.unreadable);
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
	char hex[2 * SHA256_DIGEST_SIZE + 1];
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	jw_key(w, "files");
	jw_u64(w, nfiles);
	jw_key(w, "sha256");
	jw_strz(w, hex);
	jw_object_end(w);
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
	struct jw w;
	jw_init(&w, &b);
	jw_object(&w);
	jw_key(&w, "schema");
	jw_strz(&w, "boxtrail.run/1");
	jw_key(&w, "tool");
	jw_object(&w);
	jw_key(&w, "name");
	jw_strz(&w, "boxtrail");
	jw_key(&w, "version");
	jw_strz(&w, PACKAGE_VERSION);
	jw_object_end(&w);
	jw_key(&w, "libraries");
	jw_object(&w);
	jw_key(&w, "libevtx");
	jw_strz(&w, bt_libevtx_version());
	jw_key(&w, "libxml2");
	jw_strz(&w, bt_libxml2_version());
	char nettle[32];
	snprintf(nettle, sizeof nettle, "%d.%d", nettle_version_major(), nettle_version_minor());
	jw_key(&w, "nettle");
	jw_strz(&w, nettle);
	jw_object_end(&w);
	jw_key(&w, "command_line");
	jw_json(&w, r->cmdline.p, r->cmdline.n);
	jw_key(&w, "start");
	jw_time(&w, r->start);
	jw_key(&w, "end");
	jw_time(&w, now_time());
	jw_key(&w, "rules");
	if (rules)
		rules_json(&w, rules);
	else
		jw_null(&w);
	jw_key(&w, "findings");
	jw_u64(&w, findings);
	jw_key(&w, "exit_status");
	jw_i64(&w, exit_status);
	jw_key(&w, "inputs");
	jw_array(&w);
	for (size_t i = 0; i < r->n; i++) {
		const struct rr_input *in = &r->v[i];
		jw_object(&w);
		jw_key(&w, "path");
		jw_strz(&w, in->path);
		jw_key(&w, "size");
		jw_u64_or_null(&w, in->hashed, in->size);
		jw_key(&w, "sha256");
		jw_strz(&w, in->hashed ? in->hex : NULL);
		jw_key(&w, "hash_of_bytes_read");
		jw_bool(&w, in->hashed && in->hash_of_read);
		jw_key(&w, "status");
		jw_strz(&w, in->status);
		if (in->has_stats) {
			const struct bt_file_stats *s = &in->st;
			jw_key(&w, "format");
			jw_strz(&w, bt_format_name(s->format));
			jw_key(&w, "records");
			jw_u64(&w, s->records);
			jw_key(&w, "recovered");
			jw_u64(&w, s->recovered);
			jw_key(&w, "failed");
			jw_u64(&w, s->failed);
			jw_key(&w, "recovered_failed");
			jw_u64(&w, s->recovered_failed);
			jw_key(&w, "recovered_copies");
			jw_u64(&w, s->recovered_copies);
			jw_key(&w, "libevtx_started");
			jw_u64(&w, s->libevtx_started);
			jw_key(&w, "corrupt_chunks");
			jw_u64(&w, s->corrupt_chunks);
			jw_key(&w, "lines");
			jw_u64(&w, s->lines);
			jw_key(&w, "skipped");
			jw_u64(&w, s->skipped);
			jw_key(&w, "unreadable");
			jw_bool(&w, s->unreadable);
			jw_key(&w, "incomplete");
			jw_bool(&w, s->incomplete);
		}
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	bt_buf_putc(&b, '\n');
	bool ok = !b.oom && fwrite(b.p, 1, b.n, f) == b.n;
	bt_buf_free(&b);
	return ok;
}
