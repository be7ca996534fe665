/* Speed of the native EVTX decoder without I/O or libevtx:
 *   evtx_bench [decode|members|jsonl] [REPEAT] FILE
 * reads FILE into memory, decodes it REPEAT times (default 1) and prints
 * records, MB/s and records/s. "members" wants no record's fields (what a
 * record no rule wants costs), "jsonl" also formats every event as a JSONL
 * line (src/out_event.c) into a buffer that is reset per event. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/bt_buf.h"
#include "evtx/bt_evtx_native.h"
#include "output.h"

struct bench {
	bool jsonl;
	struct bt_buf b;
	struct out_opts o;
	unsigned long long records, bytes_out;
};

static bool want_none(void *ctx, const struct bt_event *ev)
{
	(void)ctx;
	(void)ev;
	return false;
}

static void on_event(void *ctx, const struct bt_event *ev)
{
	struct bench *bc = ctx;
	bc->records++;
	if (bc->jsonl) {
		bt_buf_reset(&bc->b);
		out_event(&bc->b, &bc->o, ev);
		bc->bytes_out += bc->b.n;
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: evtx_bench decode|members|jsonl [REPEAT] FILE\n");
		return 2;
	}
	struct bench bc;
	memset(&bc, 0, sizeof bc);
	bc.jsonl = strcmp(argv[1], "jsonl") == 0;
	bc.o.format = OUT_JSONL;
	int repeat = argc > 3 ? (int)strtol(argv[2], NULL, 10) : 1;
	const char *path = argv[argc - 1];
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 2;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *data = malloc((size_t)n);
	if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		return 2;
	}
	fclose(f);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct bt_file_stats st;
	struct bt_read_opts ro;
	memset(&ro, 0, sizeof ro);
	ro.want_fields = want_none;
	bool members = strcmp(argv[1], "members") == 0;
	for (int i = 0; i < repeat; i++)
		bt_evtx_native_mem(data, (size_t)n, members ? &ro : NULL, on_event, &bc, &st);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	double mb = (double)n * repeat / 1e6;
	printf("%s: %llu records (failed %llu), %.3f s, %.1f MB/s, %.0f records/s%s\n", argv[1],
	       bc.records, (unsigned long long)st.failed, s, mb / s, (double)bc.records / s,
	       bc.jsonl ? "" : " (decode only)");
	bt_buf_free(&bc.b);
	free(data);
	return 0;
}
