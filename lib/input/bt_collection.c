/* Collections by layout: which folder holds the evidence of one host. */
#include "config.h"

#include "input/bt_collection.h"

#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/bt_array.h"

#define MAX_CLIMB 24   /* folders looked at above a file */

/* What a folder is, looked at once. */
struct folder {
	struct folder *next;      /* same bucket */
	char *path;
	struct bt_collection *files_in;   /* the collection of the files in it, once known */
	enum bt_layout marker;    /* the layout whose root this folder is; FOLDER: none */
	bool marker_known;
	char *uac_host_of;        /* a folder holding a UAC root named after it: that root's name */
	bool uac_known;
};

struct bt_collections {
	pthread_mutex_t lock;
	struct folder **buckets;  /* folders by path */
	size_t nbuckets, nf;
	struct bt_collection **v;
	size_t n, cap;
};

struct bt_collections *bt_collections_new(void)
{
	struct bt_collections *c = calloc(1, sizeof *c);
	if (c)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

void bt_collections_free(struct bt_collections *c)
{
	if (!c)
		return;
	for (size_t b = 0; b < c->nbuckets; b++)
		for (struct folder *f = c->buckets[b], *nx; f; f = nx) {
			nx = f->next;
			free(f->path);
			free(f->uac_host_of);
			free(f);
		}
	free(c->buckets);
	for (size_t i = 0; i < c->n; i++) {
		free((char *)c->v[i]->root);
		free(c->v[i]);
	}
	free(c->v);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

const char *bt_layout_name(enum bt_layout l)
{
	switch (l) {
	case BT_LAYOUT_KAPE: return "kape";
	case BT_LAYOUT_VELOCIRAPTOR: return "velociraptor";
	case BT_LAYOUT_UAC: return "uac";
	default: return "folder";
	}
}

bool bt_layout_parse(const char *name, enum bt_layout *out)
{
	static const enum bt_layout all[] = {BT_LAYOUT_FOLDER, BT_LAYOUT_KAPE,
	                                     BT_LAYOUT_VELOCIRAPTOR, BT_LAYOUT_UAC};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		if (strcmp(name, bt_layout_name(all[i])) == 0) {
			*out = all[i];
			return true;
		}
	return false;
}

static bool is_dir(const char *dir, const char *name)
{
	char p[4096];
	if (snprintf(p, sizeof p, "%s/%s", dir, name) >= (int)sizeof p)
		return false;
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* A drive folder as KAPE (C) or Velociraptor's auto accessor (C%3A) names it,
 * with a Windows volume's top folders in it. */
static bool is_drive(const char *dir, const char *name)
{
	size_t n = strlen(name);
	bool letter = (n == 1 || (n == 4 && strcmp(name + 1, "%3A") == 0)) &&
	              ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'));
	if (!letter)
		return false;
	char d[4096];
	if (snprintf(d, sizeof d, "%s/%s", dir, name) >= (int)sizeof d)
		return false;
	static const char *const top[] = {"Windows", "Users", "ProgramData", "windows", "users",
	                                  "programdata", "WINDOWS", "USERS"};
	for (size_t i = 0; i < sizeof top / sizeof *top; i++)
		if (is_dir(d, top[i]))
			return true;
	return false;
}

static enum bt_layout marker_of(const char *dir)
{
	if (is_dir(dir, "[root]"))
		return BT_LAYOUT_UAC;
	if (is_dir(dir, "uploads/auto") || is_dir(dir, "uploads/ntfs"))
		return BT_LAYOUT_VELOCIRAPTOR;
	DIR *d = opendir(dir);
	if (!d)
		return BT_LAYOUT_FOLDER;
	enum bt_layout l = BT_LAYOUT_FOLDER;
	struct dirent *e;
	while (l == BT_LAYOUT_FOLDER && (e = readdir(d)))
		if (strlen(e->d_name) <= 4 && is_drive(dir, e->d_name))
			l = BT_LAYOUT_KAPE;
	closedir(d);
	return l;
}

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* A UAC output folder named after `host` (uac-<host>-<os>-<time>). */
static bool uac_names(const char *uac_name, const char *host)
{
	size_t n = strlen(host);
	if (n == 0 || strncasecmp(uac_name, "uac-", 4) != 0)
		return false;
	return strncasecmp(uac_name + 4, host, n) == 0 && uac_name[4 + n] == '-';
}

static size_t path_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

/* Doubles the table when it is as full as it is long. Lock held. */
static void rehash(struct bt_collections *c)
{
	size_t nb = c->nbuckets ? c->nbuckets * 2 : 256;
	struct folder **b = calloc(nb, sizeof *b);
	if (!b)
		return;   /* longer chains, still correct */
	for (size_t i = 0; i < c->nbuckets; i++)
		for (struct folder *f = c->buckets[i], *nx; f; f = nx) {
			nx = f->next;
			size_t h = path_hash(f->path) & (nb - 1);
			f->next = b[h];
			b[h] = f;
		}
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = nb;
}

/* The folder's record; NULL when out of memory. Called with the lock held. */
static struct folder *folder_get(struct bt_collections *c, const char *path)
{
	if (c->nf >= c->nbuckets)
		rehash(c);
	if (!c->nbuckets)
		return NULL;
	size_t h = path_hash(path) & (c->nbuckets - 1);
	for (struct folder *f = c->buckets[h]; f; f = f->next)
		if (strcmp(f->path, path) == 0)
			return f;
	struct folder *f = calloc(1, sizeof *f);
	if (!f || !(f->path = strdup(path))) {
		free(f);
		return NULL;
	}
	f->next = c->buckets[h];
	c->buckets[h] = f;
	c->nf++;
	return f;
}

static enum bt_layout folder_marker(struct bt_collections *c, const char *path)
{
	struct folder *f = folder_get(c, path);
	if (!f)
		return BT_LAYOUT_FOLDER;
	if (!f->marker_known) {
		f->marker = marker_of(path);
		f->marker_known = true;
	}
	return f->marker;
}

/* Whether `path` is a host folder around a UAC root named after it. */
static bool folder_holds_own_uac(struct bt_collections *c, const char *path)
{
	struct folder *f = folder_get(c, path);
	if (!f)
		return false;
	if (!f->uac_known) {
		f->uac_known = true;
		DIR *d = opendir(path);
		if (d) {
			struct dirent *e;
			while ((e = readdir(d)))
				if (uac_names(e->d_name, base_of(path))) {
					char sub[4096];
					if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < (int)sizeof sub &&
					    is_dir(sub, "[root]")) {
						f->uac_host_of = strdup(e->d_name);
						break;
					}
				}
			closedir(d);
		}
	}
	return f->uac_host_of != NULL;
}

static struct bt_collection *collection_get(struct bt_collections *c, const char *root,
                                            enum bt_layout layout)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i]->root, root) == 0)
			return c->v[i];
	if (!bt_array_reserve(&c->v, &c->cap, c->n, sizeof *c->v, 16))
		return NULL;
	struct bt_collection *k = calloc(1, sizeof *k);
	char *r = strdup(root);
	if (!k || !r) {
		free(k);
		free(r);
		return NULL;
	}
	k->root = r;
	k->layout = layout;
	k->index = c->n;
	c->v[c->n++] = k;
	return k;
}

/* Finds the collection of the files in folder `dir`. Lock held. */
static struct bt_collection *resolve(struct bt_collections *c, const char *dir)
{
	char a[4096];
	snprintf(a, sizeof a, "%s", dir);
	for (int up = 0; up < MAX_CLIMB && *a; up++) {
		enum bt_layout l = folder_marker(c, a);
		if (l != BT_LAYOUT_FOLDER) {
			/* Velociraptor's uploads/auto/C%3A looks like a drive folder */
			size_t n = strlen(a);
			if (l == BT_LAYOUT_KAPE && n > 13 &&
			    (strcmp(a + n - 13, "/uploads/auto") == 0 || strcmp(a + n - 13, "/uploads/ntfs") == 0)) {
				a[n - 13] = '\0';
				return collection_get(c, a, BT_LAYOUT_VELOCIRAPTOR);
			}
			if (l == BT_LAYOUT_UAC) {
				/* the host folder around a UAC output named after it */
				char parent[4096];
				snprintf(parent, sizeof parent, "%s", a);
				char *s = strrchr(parent, '/');
				if (s && s != parent) {
					*s = '\0';
					if (uac_names(base_of(a), base_of(parent)))
						return collection_get(c, parent, l);
				}
			}
			return collection_get(c, a, l);
		}
		if (folder_holds_own_uac(c, a))
			return collection_get(c, a, BT_LAYOUT_UAC);
		char *s = strrchr(a, '/');
		if (!s || s == a)
			break;
		*s = '\0';
	}
	/* an offline Docker root: its containers' folders are one collection,
	 * the root's (containers/<id>/config.v2.json, hostconfig.json, logs) */
	const char *cs = strstr(dir, "/containers/");
	if (cs && cs != dir && !strchr(cs + 12, '/')) {
		char root[4096];
		snprintf(root, sizeof root, "%.*s", (int)(cs - dir), dir);
		return collection_get(c, root, BT_LAYOUT_FOLDER);
	}
	return collection_get(c, dir, BT_LAYOUT_FOLDER);
}

const struct bt_collection *bt_collection_of(struct bt_collections *c, const char *file)
{
	const char *slash = strrchr(file, '/');
	char dir[4096];
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == file)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - file), file);
	pthread_mutex_lock(&c->lock);
	struct bt_collection *k = NULL;
	struct folder *f = folder_get(c, dir);
	if (f && !(k = f->files_in))
		k = f->files_in = resolve(c, dir);
	pthread_mutex_unlock(&c->lock);
	return k;
}

size_t bt_collections_count(const struct bt_collections *c)
{
	return c->n;
}

const struct bt_collection *bt_collections_at(const struct bt_collections *c, size_t i)
{
	return i < c->n ? c->v[i] : NULL;
}

void bt_collections_each_folder(struct bt_collections *c,
                                void (*cb)(void *ctx, const char *dir,
                                           const struct bt_collection *k),
                                void *ctx)
{
	pthread_mutex_lock(&c->lock);
	for (size_t b = 0; b < c->nbuckets; b++)
		for (const struct folder *f = c->buckets[b]; f; f = f->next)
			if (f->files_in)
				cb(ctx, f->path, f->files_in);
	pthread_mutex_unlock(&c->lock);
}

const struct bt_collection *bt_collections_seed(struct bt_collections *c, const char *dir,
                                                const char *root, enum bt_layout layout)
{
	pthread_mutex_lock(&c->lock);
	struct bt_collection *k = NULL;
	struct folder *f = folder_get(c, dir);
	if (f && !(k = f->files_in))
		k = f->files_in = collection_get(c, root, layout);
	pthread_mutex_unlock(&c->lock);
	return k;
}
