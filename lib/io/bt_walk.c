/* Recursive, sorted, symlink-aware directory walk. */
#include "config.h"

#include "io/bt_walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct walk {
	const struct bt_walk_opts *o;
	int (*fn)(void *, const char *, bool);
	void *ctx;
	unsigned long *errors;
	struct { dev_t dev; ino_t ino; } stack[BT_MAX_WALK_DEPTH];
	int depth;
	int stop;
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_dir(struct walk *w, const char *dir, const struct stat *dst);

static void walk_entry(struct walk *w, const char *path)
{
	struct stat sb;
	if (lstat(path, &sb) != 0) {
		bt_diagf(&w->o->diag, BT_DIAG_ERROR, path, "cannot stat: %s", strerror(errno));
		(*w->errors)++;
		return;
	}
	if (S_ISLNK(sb.st_mode)) {
		if (!w->o->follow_symlinks)
			return;
		if (stat(path, &sb) != 0)
			return;  /* dangling link: nothing to read */
	}
	if (S_ISDIR(sb.st_mode))
		walk_dir(w, path, &sb);
	else if (S_ISREG(sb.st_mode))
		w->stop = w->fn(w->ctx, path, false);
}

static void walk_dir(struct walk *w, const char *dir, const struct stat *dst)
{
	if (w->depth >= BT_MAX_WALK_DEPTH) {
		bt_diagf(&w->o->diag, BT_DIAG_WARN, dir, "deeper than %d directories: not entered",
		         BT_MAX_WALK_DEPTH);
		(*w->errors)++;
		return;
	}
	for (int i = 0; i < w->depth; i++) {
		if (w->stack[i].dev == dst->st_dev && w->stack[i].ino == dst->st_ino) {
			bt_diagf(&w->o->diag, BT_DIAG_NOTE, dir, "directory loop: not entered again");
			return;
		}
	}
	DIR *d = opendir(dir);
	if (!d) {
		bt_diagf(&w->o->diag, BT_DIAG_ERROR, dir, "cannot read directory: %s", strerror(errno));
		(*w->errors)++;
		return;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn)
				break;
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_names);
	w->stack[w->depth].dev = dst->st_dev;
	w->stack[w->depth].ino = dst->st_ino;
	w->depth++;
	size_t dl = strlen(dir);
	bool slash = dl > 0 && dir[dl - 1] == '/';
	for (size_t i = 0; i < n && !w->stop; i++) {
		size_t len = dl + 1 + strlen(names[i]) + 1;
		char *p = malloc(len);
		if (p) {
			snprintf(p, len, slash ? "%s%s" : "%s/%s", dir, names[i]);
			walk_entry(w, p);
			free(p);
		}
	}
	w->depth--;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

enum bt_status bt_walk(const char *root, const struct bt_walk_opts *o,
                       int (*fn)(void *ctx, const char *path, bool named), void *ctx,
                       unsigned long *errors)
{
	struct walk w = {.o = o, .fn = fn, .ctx = ctx, .errors = errors};
	struct stat sb;
	if (stat(root, &sb) != 0) {
		bt_diagf(&o->diag, BT_DIAG_ERROR, root, "cannot open: %s", strerror(errno));
		(*errors)++;
		return BT_ERR_IO;
	}
	if (S_ISDIR(sb.st_mode))
		walk_dir(&w, root, &sb);
	else
		w.stop = fn(ctx, root, true);
	return w.stop ? BT_ERR_ARG : BT_OK;
}
