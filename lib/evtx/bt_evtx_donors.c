/* Template donors among a run's EVTX files: see bt_evtx_donors.h. */
#include "config.h"

#include "evtx/bt_evtx_donors.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evtx/bt_evtx_format.h"
#include "io/bt_reader.h"

enum { D_UNKNOWN, D_CHANNEL, D_HARVESTED, D_NOT_EVTX };

struct donor {
	char *path;
	uint8_t state;
	char channel[256];
	struct bt_bx_tstore *ts;   /* D_HARVESTED: every intact definition */
};

struct bt_evtx_donors {
	pthread_mutex_t lock;      /* one lookup at a time: the path is rare */
	struct donor *v;
	size_t n;
	struct bt_bx_chunk *cx;    /* reading donors (under the lock) */
};

struct bt_evtx_donors *bt_evtx_donors_new(const char *const *paths, size_t n)
{
	struct bt_evtx_donors *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->v = n ? calloc(n, sizeof *d->v) : NULL;
	if ((n && !d->v) || pthread_mutex_init(&d->lock, NULL) != 0) {
		free(d->v);
		free(d);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		/* standard input is read once, as it comes: no donor */
		if (strcmp(paths[i], "-") == 0)
			continue;
		if (!(d->v[d->n].path = strdup(paths[i])))
			break;
		d->n++;
	}
	return d;
}

void bt_evtx_donors_free(struct bt_evtx_donors *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].path);
		bt_bx_tstore_free(d->v[i].ts);
	}
	bt_bx_chunk_free(d->cx);
	pthread_mutex_destroy(&d->lock);
	free(d->v);
	free(d);
}

/* A chunk's size, 0 at the end or on a read error (a donor is only lent from). */
static size_t chunk_at(int fd, const uint8_t *mem, uint64_t size, uint64_t index, uint8_t *buf,
                       const uint8_t **c)
{
	ssize_t n = bt_evtx_chunk_fetch(fd, mem, size, index, buf, c);
	return n > 0 ? (size_t)n : 0;
}

static bool no_fields(void *ctx, const struct bt_event *ev)
{
	(void)ctx;
	(void)ev;
	return false;
}

void bt_evtx_file_channel(struct bt_bx_chunk *cx, int fd, const uint8_t *mem, uint64_t size,
                          char *out, size_t cap)
{
	out[0] = '\0';
	uint8_t *buf = mem ? NULL : malloc(BT_EVTX_CHUNK_SIZE);
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	/* the first chunks are enough: a channel is in every record */
	for (uint64_t ci = 0; ci < 8 && !out[0] && (mem || buf); ci++) {
		const uint8_t *c;
		size_t n = chunk_at(fd, mem, size, ci, buf, &c);
		if (n < BT_EVTX_CHUNK_HEADER_SIZE)
			break;
		if (memcmp(c, "ElfChnk", 8) != 0)
			continue;
		bt_bx_chunk_reset(cx, c, n);
		uint32_t end = bt_evtx_chunk_records_end(c, n), pos = BT_EVTX_CHUNK_HEADER_SIZE;
		struct bt_bx_record r;
		char why[200];
		while (!out[0] && pos < end && bt_bx_record_at(cx, pos, end, &r)) {
			pos = r.offset + r.size;
			if (bt_bx_record_decode(cx, &r, &eb, no_fields, NULL, why, sizeof why) == BT_OK &&
			    eb.ev.channel && eb.ev.channel[0] && strlen(eb.ev.channel) < cap)
				strcpy(out, eb.ev.channel);
		}
	}
	bt_evbuf_free(&eb);
	free(buf);
}

/* Reads donor `x` as far as `want` (D_CHANNEL, or D_HARVESTED), decoding
 * with `cx`. */
static void donor_read(struct bt_bx_chunk *cx, struct donor *x, uint8_t want)
{
	int fd = bt_open_evidence(x->path);
	struct stat sb;
	uint8_t sig[8];
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    bt_evtx_pread_full(fd, sig, sizeof sig, 0) != (ssize_t)sizeof sig ||
	    memcmp(sig, "ElfFile", 8) != 0) {
		x->state = D_NOT_EVTX;
		if (fd >= 0)
			close(fd);
		return;
	}
	uint64_t size = (uint64_t)sb.st_size;
	if (x->state == D_UNKNOWN) {
		bt_evtx_file_channel(cx, fd, NULL, size, x->channel, sizeof x->channel);
		x->state = D_CHANNEL;
	}
	if (want == D_HARVESTED && x->state == D_CHANNEL) {
		uint8_t *buf = malloc(BT_EVTX_CHUNK_SIZE);
		x->ts = bt_bx_tstore_new();
		if (buf && x->ts) {
			bt_bx_tstore_want_all(x->ts);
			const uint8_t *c;
			size_t n;
			for (uint64_t ci = 0; (n = chunk_at(fd, NULL, size, ci, buf, &c)) != 0; ci++)
				bt_bx_tstore_harvest(x->ts, cx, c, n);
		}
		free(buf);
		x->state = D_HARVESTED;
	}
	close(fd);
}

size_t bt_evtx_donors_lookup(struct bt_evtx_donors *d, const char *self, const char *channel,
                             struct bt_bx_tstore *store)
{
	if (!d || !channel || !channel[0])
		return 0;
	size_t got = 0;
	pthread_mutex_lock(&d->lock);
	if (!d->cx && !(d->cx = bt_bx_chunk_new())) {
		pthread_mutex_unlock(&d->lock);
		return 0;
	}
	for (size_t i = 0; i < d->n && bt_bx_tstore_missing(store); i++) {
		struct donor *x = &d->v[i];
		/* most files of a run are of other channels, once read: passed
		 * over before their paths are compared */
		if (x->state == D_NOT_EVTX ||
		    (x->state != D_UNKNOWN && strcasecmp(x->channel, channel) != 0))
			continue;
		if (self && strcmp(x->path, self) == 0)
			continue;
		if (x->state == D_UNKNOWN)
			donor_read(d->cx, x, D_CHANNEL);
		if (x->state == D_NOT_EVTX || strcasecmp(x->channel, channel) != 0)
			continue;
		if (x->state == D_CHANNEL)
			donor_read(d->cx, x, D_HARVESTED);
		if (x->ts)
			got += bt_bx_tstore_adopt(store, x->ts);
	}
	pthread_mutex_unlock(&d->lock);
	return got;
}
