/* evtx_recover_probe: what boxtrail's native recovery pass makes of every
 * record candidate outside the live records of EVTX files, one JSON line per
 * candidate: {"file":F,"offset":N,"outcome":"recovered"|"copy"|...}. For the
 * differential against libevtx (tests/evtx-recover-diff.sh); not installed.
 *
 * Usage: evtx_recover_probe FILE.evtx... */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/bt_diag.h"
#include "evtx/bt_evtx_format.h"
#include "evtx/bt_evtx_donors.h"
#include "evtx/bt_evtx_recover.h"

struct probe {
	const char *file;
};

static void put_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void each(void *ctx, uint64_t offset, const char *outcome)
{
	const struct probe *p = ctx;
	printf("{\"file\":");
	put_json_string(p->file);
	printf(",\"offset\":%llu,\"outcome\":", (unsigned long long)offset);
	put_json_string(outcome);
	printf("}\n");
}

int main(int argc, char **argv)
{
	int rc = 0;
	/* the files named lend each other templates, as a run's inputs do */
	struct bt_evtx_donors *donors = bt_evtx_donors_new((const char *const *)argv + 1,
	                                                   (size_t)(argc - 1));
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		struct stat sb;
		if (fd < 0 || fstat(fd, &sb) != 0) {
			fprintf(stderr, "evtx_recover_probe: %s: cannot open\n", argv[i]);
			rc = 1;
			if (fd >= 0)
				close(fd);
			continue;
		}
		struct bt_diag diag;
		memset(&diag, 0, sizeof diag);
		struct bt_file_stats stats;
		memset(&stats, 0, sizeof stats);
		struct bt_evtx_recmap slack;
		memset(&slack, 0, sizeof slack);
		bt_evtx_scan_records(fd, argv[i], &diag, &stats, NULL, &slack);
		struct bt_evtx_recover *r =
			bt_evtx_recover_new(fd, NULL, (uint64_t)sb.st_size, &slack, donors, argv[i], NULL);
		if (!r) {
			fprintf(stderr, "evtx_recover_probe: out of memory\n");
			return 1;
		}
		struct bt_evbuf eb;
		bt_evbuf_init(&eb);
		const struct bt_event *ev;
		enum bt_status st;
		while ((st = bt_evtx_recover_next(r, &eb, &ev)) == BT_OK)
			;
		if (st != BT_EOF) {
			fprintf(stderr, "evtx_recover_probe: %s: %s\n", argv[i], bt_status_str(st));
			rc = 1;
		}
		struct probe p = {argv[i]};
		bt_evtx_recover_each(r, each, &p);
		bt_evbuf_free(&eb);
		bt_evtx_recover_free(r);
		close(fd);
	}
	bt_evtx_donors_free(donors);
	return rc;
}
