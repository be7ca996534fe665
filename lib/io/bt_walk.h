/* Finding evidence files under the paths a user names. */
#ifndef BT_WALK_H
#define BT_WALK_H

#include <stdbool.h>

#include "core/bt_diag.h"
#include "core/bt_status.h"

#define BT_MAX_WALK_DEPTH 128

struct bt_walk_opts {
	bool follow_symlinks;   /* follow symlinks met inside directories */
	struct bt_diag diag;
};

/* Calls fn(ctx, path, named) for `root` if it is a file (named = true: the
 * user named it), or for every regular file below it if it is a directory
 * (named = false), in byte order of names, so runs are reproducible. A
 * symlink named as root is followed; links inside directories only with
 * follow_symlinks (directory loops are detected). Unreadable directories are
 * reported and counted in *errors. A non-zero return from fn stops the walk
 * and is returned as BT_ERR_ARG. */
enum bt_status bt_walk(const char *root, const struct bt_walk_opts *o,
                       int (*fn)(void *ctx, const char *path, bool named), void *ctx,
                       unsigned long *errors);

#endif
