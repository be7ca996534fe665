/* Progress on stderr for long runs: files done/total, bytes, MB/s, ETA.
 * Drawn only when stderr is a terminal and not --quiet; a single line that
 * diagnostics erase before they print (cli_diag_print does that). */
#ifndef BT_PROGRESS_H
#define BT_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Starts a run over `files` inputs of `bytes` in total. Draws nothing unless
 * `enabled` and stderr is a terminal. */
void progress_start(bool enabled, size_t files, uint64_t bytes);
/* Bytes of input read so far (cheap; redraws at most 4x/s). */
void progress_bytes(uint64_t done);
/* One more input is done. */
void progress_file_done(void);
/* Erases the progress line (before other stderr output). */
void progress_clear(void);
/* Ends the run and erases the line. */
void progress_end(void);

#endif
