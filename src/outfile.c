/* The guard every file-writing option goes through (see outfile.h). */
#include "config.h"

#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct outfile {
	char *path;     /* as given, for messages and the final rename */
	char *tmp;      /* temporary name beside it (NULL: written directly) */
	const char *option;
	bool force;
	FILE *f;
};

/* Temporary files not yet in place, removed by a signal that ends the run
 * (Ctrl-C, a closed pipe, kill) so that no half-written file is left. */
#define MAX_PENDING 16   /* -o files (outputs.h) and --run-record */
static char *volatile pending[MAX_PENDING];

static void on_fatal_signal(int sig)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (pending[i])
			unlink(pending[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void pending_add(char *tmp)
{
	static bool installed;
	if (!installed) {
		static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
		for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
			struct sigaction sa, old;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = on_fatal_signal;
			sigemptyset(&sa.sa_mask);
			/* an ignored signal stays ignored (nohup, a shell's trap) */
			if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
				sigaction(sigs[i], &sa, NULL);
		}
		installed = true;
	}
	for (int i = 0; i < MAX_PENDING; i++)
		if (!pending[i]) {
			pending[i] = tmp;
			return;
		}
}

static void pending_remove(const char *tmp)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (pending[i] == tmp)
			pending[i] = NULL;
}

struct fid {
	dev_t dev;
	ino_t ino;
};

static bool same(const struct stat *a, const struct fid *b)
{
	return a->st_dev == b->dev && a->st_ino == b->ino;
}

/* The identities of everything the run reads: each input file, standard
 * input when it is one, and each path the user named (directories among
 * them, for the "inside" test). */
struct idset {
	struct fid *v;
	size_t n;
	struct fid *dirs;
	size_t ndirs;
};

static bool idset_add(struct fid **v, size_t *n, const struct stat *sb)
{
	struct fid *nv = realloc(*v, (*n + 1) * sizeof *nv);
	if (!nv)
		return false;
	*v = nv;
	nv[(*n)++] = (struct fid){sb->st_dev, sb->st_ino};
	return true;
}

static bool idset_build(struct idset *s, const struct cli_inputs *in)
{
	memset(s, 0, sizeof *s);
	struct stat sb;
	bool ok = true;
	for (size_t i = 0; ok && i < in->n; i++) {
		bool std = strcmp(in->v[i].path, "-") == 0;
		if ((std ? fstat(STDIN_FILENO, &sb) : stat(in->v[i].path, &sb)) == 0)
			ok = idset_add(&s->v, &s->n, &sb);
	}
	for (size_t i = 0; ok && i < in->nroots; i++)
		if (stat(in->roots[i], &sb) == 0)
			ok = S_ISDIR(sb.st_mode) ? idset_add(&s->dirs, &s->ndirs, &sb)
			                         : idset_add(&s->v, &s->n, &sb);
	return ok;
}

static void idset_free(struct idset *s)
{
	free(s->v);
	free(s->dirs);
}

/* The directory part of `path` ("." when it has none). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* Refuses a target that is evidence or lies inside an evidence directory.
 * `dir` is the target's directory, resolved. */
static bool not_evidence(const char *option, const char *path, const struct stat *target,
                         const char *dir, const struct idset *ids)
{
	if (target)
		for (size_t i = 0; i < ids->n; i++)
			if (same(target, &ids->v[i])) {
				cli_errorf("%s %s: refused: it is an input of this run (evidence is never "
				           "written)", option, path);
				return false;
			}
	/* every ancestor of the target's directory, up to the root */
	char *d = strdup(dir);
	if (!d)
		return false;
	bool ok = true;
	for (;;) {
		struct stat sb;
		if (stat(d, &sb) == 0)
			for (size_t i = 0; ok && i < ids->ndirs; i++)
				if (same(&sb, &ids->dirs[i])) {
					cli_errorf("%s %s: refused: it is inside the evidence directory %s "
					           "(write it elsewhere)", option, path, d);
					ok = false;
				}
		if (!ok || strcmp(d, "/") == 0)
			break;
		char *up = dir_of(d);
		free(d);
		if (!(d = up))
			return false;
	}
	free(d);
	return ok;
}

struct outfile *outfile_open(const char *path, const char *option, const struct cli_inputs *inputs,
                             bool force)
{
	if (!*path) {
		cli_errorf("%s needs a file name", option);
		return NULL;
	}
	struct stat sb;
	bool exists = stat(path, &sb) == 0;
	if (!exists && errno != ENOENT) {
		cli_errorf("%s %s: %s", option, path, strerror(errno));
		return NULL;
	}
	if (exists && S_ISDIR(sb.st_mode)) {
		cli_errorf("%s %s: is a directory", option, path);
		return NULL;
	}
	bool direct = exists && (S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode));
	char *rel = dir_of(path), *dir = rel ? realpath(rel, NULL) : NULL;
	if (!dir) {
		cli_errorf("%s %s: directory %s: %s", option, path, rel ? rel : "?", strerror(errno));
		free(rel);
		return NULL;
	}
	free(rel);
	struct idset ids;
	bool ok = idset_build(&ids, inputs);
	if (!ok)
		cli_errorf("%s: out of memory", option);
	ok = ok && not_evidence(option, path, exists ? &sb : NULL, dir, &ids);
	idset_free(&ids);
	if (ok && exists && !direct && !force) {
		cli_errorf("%s %s: the file exists (use --force to replace it)", option, path);
		ok = false;
	}
	struct outfile *o = ok ? calloc(1, sizeof *o) : NULL;
	if (!o || !(o->path = strdup(path))) {
		free(o);
		free(dir);
		return NULL;
	}
	o->option = option;
	o->force = force;
	if (direct) {
		int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		o->f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!o->f && fd >= 0)
			close(fd);
	} else {
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		size_t n = strlen(dir) + strlen(base) + sizeof "/..boxtrail-XXXXXX";
		if ((o->tmp = malloc(n))) {
			snprintf(o->tmp, n, "%s/.%s.boxtrail-XXXXXX", strcmp(dir, "/") ? dir : "", base);
			int fd = mkostemp(o->tmp, O_CLOEXEC);
			o->f = fd >= 0 ? fdopen(fd, "w") : NULL;
			if (!o->f && fd >= 0) {
				close(fd);
				unlink(o->tmp);
			}
			if (o->f)
				pending_add(o->tmp);
		}
	}
	free(dir);
	if (!o->f) {
		cli_errorf("%s %s: cannot create: %s", option, path, strerror(errno));
		free(o->tmp);
		free(o->path);
		free(o);
		return NULL;
	}
	return o;
}

FILE *outfile_stream(struct outfile *o)
{
	return o->f;
}

static void outfile_free(struct outfile *o)
{
	pending_remove(o->tmp);
	free(o->tmp);
	free(o->path);
	free(o);
}

/* Moves the finished temporary into place; without --force never over a
 * file that appeared meanwhile (EEXIST). Filesystems without
 * RENAME_NOREPLACE get a hard link, then, without links, a checked rename. */
static bool place(struct outfile *o)
{
	if (o->force)
		return rename(o->tmp, o->path) == 0;
	if (renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->path, RENAME_NOREPLACE) == 0)
		return true;
	if (errno != EINVAL && errno != ENOSYS)
		return false;
	if (link(o->tmp, o->path) == 0) {
		unlink(o->tmp);
		return true;
	}
	if (errno != EPERM && errno != ENOSYS)
		return false;
	struct stat sb;
	if (lstat(o->path, &sb) == 0) {
		errno = EEXIST;
		return false;
	}
	return rename(o->tmp, o->path) == 0;
}

bool outfile_commit(struct outfile *o)
{
	int err = 0;
	if (fflush(o->f) != 0 || ferror(o->f))
		err = errno ? errno : EIO;
	if (!err && o->tmp && fsync(fileno(o->f)) != 0)
		err = errno;
	if (fclose(o->f) != 0 && !err)
		err = errno ? errno : EIO;
	if (!err && o->tmp && !place(o)) {
		err = errno;
		if (err == EEXIST) {
			cli_errorf("%s %s: created by something else during the run; not replaced (the "
			           "output is in %s)", o->option, o->path, o->tmp);
			outfile_free(o);
			return false;
		}
	}
	if (err) {
		cli_errorf("%s %s: %s", o->option, o->path, strerror(err));
		if (o->tmp)
			unlink(o->tmp);
	}
	outfile_free(o);
	return err == 0;
}

void outfile_abort(struct outfile *o)
{
	if (!o)
		return;
	fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	outfile_free(o);
}
