/* Diagnostics: the library never prints. Readers and engines report problems
 * through this callback and the caller (the CLI) decides how to show them. */
#ifndef BT_DIAG_H
#define BT_DIAG_H

#include <stdbool.h>

enum bt_diag_level {
	BT_DIAG_NOTE,     /* informational (e.g. a file skipped on request) */
	BT_DIAG_WARN,     /* part of an input could not be read; the rest continues */
	BT_DIAG_ERROR,    /* an input (or a rule or option file) could not be read at all */
};

struct bt_diag {
	/* `file` may be NULL; `msg` is one line without a trailing newline and
	 * may contain evidence bytes: the receiver must make it safe to print. */
	void (*fn)(void *ctx, enum bt_diag_level level, const char *file, const char *msg);
	void *ctx;
	/* The least level the receiver wants (BT_DIAG_NOTE, the zero value:
	 * all); the rest is dropped before it is formatted. A copy of the diag
	 * (a reading thread's) keeps it. */
	enum bt_diag_level min_level;
};

/* True when a diagnostic of `level` would reach the receiver: a caller that
 * builds a message at some cost asks first. */
static inline bool bt_diag_wants(const struct bt_diag *d, enum bt_diag_level level)
{
	return d && d->fn && level >= d->min_level;
}

/* Formats and sends one diagnostic; a NULL diag or fn, or a level below
 * min_level, drops it (unformatted). */
void bt_diagf(const struct bt_diag *d, enum bt_diag_level level, const char *file,
              const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

#endif
