/* Binary systemd journal files (var/log/journal/MACHINE-ID/NAME.journal and
 * the NAME.journal~ files journald leaves when it finds a file dirty),
 * BT_FORMAT_JOURNAL_FILE, read offline with libsystemd's sd-journal: the
 * only module that includes it.
 *
 * One file per reader, opened through the dispatcher's read-only descriptor
 * (sd_journal_open_files_fd: libsystemd maps it read-only and never writes
 * it), its entries in file order. Each entry is handed to the shared entry
 * mapping (bt_docker_jentry.h) as its fields plus __REALTIME_TIMESTAMP and
 * __SEQNUM (from the entry's cursor), so it gives the same events as the
 * same entry in a `journalctl -o json` export; the event's record id is the
 * entry's sequence number (its reference in the file) and its offset that of
 * the entry object (sd-journal does not tell it: the reader walks the file's
 * entry arrays beside it; 0 where they do not agree), line 0. Entries count
 * as `lines` in the statistics; a file journald did not close (state online)
 * is dirty.
 *
 * libsystemd reads only a file that is linked (it refuses a deleted one)
 * and at least as long as its header says. Where the input is not (standard
 * input, spooled to an unlinked file; a copy cut short), the reader copies
 * it (at most BT_JOURNAL_MAX_COPY bytes) to a private temporary file in
 * opts->tmpdir, zero-padded to the length the header gives, has libsystemd
 * open that and unlinks it at once (a run killed in between leaves it
 * there: boxtrail-journal-XXXXXX). Nothing is ever written beside the
 * evidence.
 *
 * Damage: a file whose header libsystemd refuses (damaged, or written with
 * journal features it does not know: incompatible header flags) is reported
 * and unreadable. A copy cut short is read from the padded copy so that the
 * entries it still holds are read; it is reported and incomplete, and an
 * entry cut by its end is skipped. An entry with no readable field is
 * skipped. Both are counted as failed and reported (the first
 * BT_DOCKER_MAX_WARNINGS); entries the header counts but sd-journal could not
 * reach (damaged objects are passed over) are counted as failed and
 * reported in one line. */
#ifndef BT_DOCKER_JOURNALFILE_H
#define BT_DOCKER_JOURNALFILE_H

#include "io/bt_reader.h"

/* The reader's options (bt_reader_ctx.format_opts; NULL: the defaults). */
struct bt_journal_opts {
	const char *tmpdir;      /* for private copies (NULL: /tmp) */
	/* Path of an executable that serves `__journal-worker` (the boxtrail
	 * binary itself): libsystemd then runs in a child process, so that a
	 * crash or hang inside it costs only the entry it was on. NULL runs it
	 * in-process. */
	const char *worker_exe;
	unsigned worker_timeout_sec;   /* no progress for this long stops the worker (0 = 120) */
};

/* Address space a journal worker process may use (RLIMIT_AS). */
#define BT_JOURNAL_WORKER_MEMORY (2ULL << 30)

/* Worker entry point: argv = [--skip N] [--tmpdir DIR] 3, the evidence being
 * descriptor 3; reads it with libsystemd, passing over the first N entries
 * (read by a worker that crashed), and writes frames to `out_fd`. Returns
 * the exit status (0 also when the file could not be opened: that is in the
 * stream; 2 for bad arguments). */
int bt_journal_worker_main(int argc, char **argv, int out_fd);

/* Largest journal file copied to read it (see above). */
#define BT_JOURNAL_MAX_COPY (1024ULL * 1024 * 1024)

/* Size of the journal file header as far as this reader uses it. */
#define BT_JOURNAL_HEADER_MIN 208u

extern const struct bt_reader_ops bt_reader_journalfile;

#endif
