/* Diagnostics: the library never prints. Readers and engines report problems
 * through this callback and the caller (the CLI) decides how to show them. */
#ifndef BT_DIAG_H
#define BT_DIAG_H

enum bt_diag_level {
	BT_DIAG_NOTE,     /* informational (e.g. a file skipped on request) */
	BT_DIAG_WARN,     /* part of an input could not be read; the rest continues */
	BT_DIAG_ERROR,    /* an input could not be read at all */
};

struct bt_diag {
	/* `file` may be NULL; `msg` is one line without a trailing newline and
	 * may contain evidence bytes: the receiver must make it safe to print. */
	void (*fn)(void *ctx, enum bt_diag_level level, const char *file, const char *msg);
	void *ctx;
};

/* Formats and sends one diagnostic; a NULL diag or fn drops it. */
void bt_diagf(const struct bt_diag *d, enum bt_diag_level level, const char *file,
              const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

#endif
