/* The CSV writer: every CSV row that src/ writes (events, findings) is written
 * through it, into a bt_buf.
 *
 * It puts the commas between cells itself and ends a row with CRLF (RFC 4180).
 * String cells are quoted when needed, NUL and invalid UTF-8 become U+FFFD, and
 * with the formula guard a cell starting with = + - @ TAB or CR gets a leading
 * ' (esc_csv, see escape.h). Numbers, booleans and times are written as they
 * are: they need no quoting and never look like a formula. */
#ifndef BT_CSV_WRITER_H
#define BT_CSV_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_buf.h"
#include "core/bt_time.h"

struct cw {
	struct bt_buf *b;
	bool formula_guard;   /* guard string cells against spreadsheet formulas */
	bool filled;          /* the row has a cell: the next one needs a comma */
};

static inline void cw_init(struct cw *w, struct bt_buf *b, bool formula_guard)
{
	w->b = b;
	w->formula_guard = formula_guard;
	w->filled = false;
}

/* A string cell: s[0..n), or s up to its NUL; cw_strz writes an empty cell
 * for NULL. */
void cw_str(struct cw *w, const char *s, size_t n);
void cw_strz(struct cw *w, const char *s);

/* One cell of the n strings v[0..n) joined by sep. */
void cw_join(struct cw *w, const char *const *v, size_t n, const char *sep);

void cw_empty(struct cw *w);
void cw_bool(struct cw *w, bool v);   /* true, false */
void cw_u64(struct cw *w, uint64_t v);

/* v when present, else an empty cell. */
void cw_u64_or_empty(struct cw *w, bool present, uint64_t v);

/* A time in RFC 3339 UTC with seven fractional digits; empty when unknown. */
void cw_time(struct cw *w, bt_time t);

/* Ends the row (CRLF); the next cell starts a new one. */
void cw_row_end(struct cw *w);

#endif
