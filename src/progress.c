/* A one-line progress indicator on a terminal's stderr. */
#include "config.h"

#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static struct {
	bool on, drawn;
	size_t files, files_done;
	uint64_t bytes, bytes_done;
	double start, last_draw;
} P;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void human(char *buf, size_t n, double v)
{
	const char *unit[] = {"B", "kB", "MB", "GB", "TB"};
	int u = 0;
	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void draw(void)
{
	double t = now(), el = t - P.start;
	uint64_t done = P.bytes_done;
	char d[32], total[32], rate[32], eta[32] = "";
	human(d, sizeof d, (double)done);
	human(total, sizeof total, (double)P.bytes);
	double r = el > 0.2 ? (double)done / el : 0;
	human(rate, sizeof rate, r);
	if (r > 0 && P.bytes > done) {
		long s = (long)((double)(P.bytes - done) / r);
		snprintf(eta, sizeof eta, ", ETA %ld:%02ld", s / 60, s % 60);
	}
	fprintf(stderr, "\rboxtrail: %zu/%zu files, %s of %s, %s/s%s\033[K", P.files_done, P.files, d,
	        total, rate, eta);
	fflush(stderr);
	P.drawn = true;
	P.last_draw = t;
}

void progress_start(bool enabled, size_t files, uint64_t bytes)
{
	P.on = enabled && isatty(STDERR_FILENO);
	P.drawn = false;
	P.files = files;
	P.files_done = 0;
	P.bytes = bytes;
	P.bytes_done = 0;
	P.start = P.last_draw = now();
}

void progress_bytes(uint64_t done)
{
	if (!P.on)
		return;
	P.bytes_done = done;
	if (now() - P.last_draw >= 0.25)
		draw();
}

void progress_file_done(void)
{
	if (!P.on)
		return;
	P.files_done++;
	if (now() - P.last_draw >= 0.25)
		draw();
}

void progress_clear(void)
{
	if (P.on && P.drawn) {
		fputs("\r\033[K", stderr);
		P.drawn = false;
	}
}

void progress_end(void)
{
	progress_clear();
	P.on = false;
}
