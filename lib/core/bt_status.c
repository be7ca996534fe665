/* Status strings and diagnostics plumbing. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/bt_diag.h"
#include "core/bt_status.h"

const char *bt_status_str(enum bt_status st)
{
	switch (st) {
	case BT_OK: return "success";
	case BT_EOF: return "end of input";
	case BT_ERR_IO: return "input/output error";
	case BT_ERR_FORMAT: return "invalid or corrupt data";
	case BT_ERR_NOMEM: return "out of memory";
	case BT_ERR_LIMIT: return "resource limit reached";
	case BT_ERR_CRASH: return "reader process crashed or hung";
	case BT_ERR_UNSUPPORTED: return "unsupported input";
	case BT_ERR_ARG: return "invalid argument";
	}
	return "unknown status";
}

void bt_diagf(const struct bt_diag *d, enum bt_diag_level level, const char *file,
              const char *fmt, ...)
{
	if (!bt_diag_wants(d, level))
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	d->fn(d->ctx, level, file, msg);
}
