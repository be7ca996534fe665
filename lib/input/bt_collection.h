/* Collections: the evidence of one host, as responders lay it out. A run's
 * inputs are grouped by the collection each file belongs to, so that every
 * file of a collection can inherit the host its other files name (a Docker
 * Desktop log under C/Users takes the host of the event logs in
 * C/Windows/System32/winevt/Logs).
 *
 * Recognised by the folders around a file, nearest first:
 *   kape          a folder holding a drive folder (C, D, ... or C%3A) with
 *                 Windows, Users or ProgramData in it: <host>/C/Windows/...
 *   velociraptor  a folder holding uploads/auto or uploads/ntfs
 *   uac           a folder holding [root] (UAC's output: uac-<host>-<os>-<time>);
 *                 the folder around it is the collection when its name is in
 *                 the UAC folder's (lnx-ci-07/uac-lnx-ci-07-linux-.../ with
 *                 the responder's exports beside it)
 *   folder        otherwise, the file's own folder (a plain folder per host);
 *                 the containers/<id>/ folders of an offline Docker root are
 *                 the root's
 * A file named on the command line with no layout around it is a collection
 * of its own folder too. */
#ifndef BT_COLLECTION_H
#define BT_COLLECTION_H

#include <stdbool.h>
#include <stddef.h>

enum bt_layout { BT_LAYOUT_FOLDER, BT_LAYOUT_KAPE, BT_LAYOUT_VELOCIRAPTOR, BT_LAYOUT_UAC };

struct bt_collection {
	const char *root;            /* the collection's folder, as the path spells it */
	enum bt_layout layout;
	size_t index;                /* 0, 1, ... in order of first use (which depends on
	                                the reading threads: sort by root to show them) */
};

struct bt_collections;

struct bt_collections *bt_collections_new(void);
void bt_collections_free(struct bt_collections *c);

/* The collection of a file (thread-safe; folders are looked at once and
 * remembered). NULL when out of memory. */
const struct bt_collection *bt_collection_of(struct bt_collections *c, const char *file);

/* All collections met so far, in order of first use. */
size_t bt_collections_count(const struct bt_collections *c);
const struct bt_collection *bt_collections_at(const struct bt_collections *c, size_t i);

/* "folder", "kape", "velociraptor", "uac" */
const char *bt_layout_name(enum bt_layout l);

/* The layout named by bt_layout_name; false for another name. */
bool bt_layout_parse(const char *name, enum bt_layout *out);

/* Every folder whose files' collection is known, with that collection (the
 * map step's state file records them: its reduce has no evidence to look
 * at). Lock taken. */
void bt_collections_each_folder(struct bt_collections *c,
                                void (*cb)(void *ctx, const char *dir,
                                           const struct bt_collection *k),
                                void *ctx);

/* Says that the files in folder `dir` belong to the collection `root` (as a
 * state file recorded it), without looking at the file system; a folder
 * already known keeps its collection. NULL when out of memory. */
const struct bt_collection *bt_collections_seed(struct bt_collections *c, const char *dir,
                                                const char *root, enum bt_layout layout);

#endif
