/* Who each host is: the host of every collection (bt_collection.h), learned
 * from the files that state it, and, through the host map, the addresses
 * each host had. The keystone of every cross-source finding: a container
 * started on a host whose logs name no host, and a domain controller that
 * logs only that host's address, meet here.
 *
 * A host name is stated by: an EVTX record's Computer (not of a
 * forwarded-events log, which holds many hosts); journald's _HOSTNAME and a
 * syslog prefix; a hostname file or command output (bt_host_config.h); the
 * Hostname of a container that runs with the host's network (it is the
 * host's). Never by --assume-host or an inference. A collection whose files
 * state two hosts is reported and gives its unnamed evidence neither. */
#ifndef BT_IDENTITY_H
#define BT_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_diag.h"
#include "core/bt_event.h"
#include "hunt/bt_hostmap.h"
#include "input/bt_collection.h"
#include "input/bt_scan.h"

struct bt_identity;

/* `hosts` (may be NULL) learns the addresses; it outlives the identity. */
struct bt_identity *bt_identity_new(struct bt_hostmap *hosts);
void bt_identity_free(struct bt_identity *id);

/* The host an event states as its own, or NULL (see above). */
const char *bt_identity_stated(const struct bt_event *ev);

/* Learns from one event (thread-safe): the host it states for its
 * collection, and the addresses it teaches the host map. */
void bt_identity_learn(struct bt_identity *id, const struct bt_event *ev);

/* Learning per reading thread only when it can teach something new: when
 * the file or the host it states changes (a file's path memory is reused
 * for the next file, so the path is compared, not the pointer). */
struct bt_identity_noter {
	char *last_path;
	size_t last_cap;
	char last_host[256];
};
/* bt_identity_learn when the event states a host and its file or that host
 * differs from the last noted; true when it learned. */
bool bt_identity_note(struct bt_identity *id, struct bt_identity_noter *n,
                      const struct bt_event *ev);
void bt_identity_noter_free(struct bt_identity_noter *n);

/* After every input: reports collections that state two hosts (warnings,
 * in order of their folders) and gives the host map the addresses that
 * waited for their collection's host. */
void bt_identity_finish(struct bt_identity *id, const struct bt_diag *diag);

/* The one host of a file's collection, or NULL (none stated, or two). */
const char *bt_identity_host_of(struct bt_identity *id, const char *file);

/* For listing (`boxtrail hosts`): the collections in order of their
 * folders, and each one's stated names, each with where it was first
 * stated ("file#record" or "file:line") and how often. */
struct bt_stated_name {
	const char *name;
	const char *source;      /* "evtx", "journald", "host-config", ... */
	const char *evidence;
	uint64_t seen;
};
size_t bt_identity_collections(struct bt_identity *id, const struct bt_collection ***out);
size_t bt_identity_names(struct bt_identity *id, const struct bt_collection *c,
                         const struct bt_stated_name **out);

/* For the state file of a map step (bt_state.h): each folder with its
 * collection, and each name a collection's files state (before
 * bt_identity_finish; any order). */
void bt_identity_each_folder(struct bt_identity *id,
                             void (*cb)(void *ctx, const char *dir, const struct bt_collection *k),
                             void *ctx);
void bt_identity_each_name(struct bt_identity *id,
                           void (*cb)(void *ctx, const struct bt_collection *k,
                                      const struct bt_stated_name *nm),
                           void *ctx);
/* Finds the collection of a file now (the file system is looked at), so that
 * the state records it for a reduce that has no evidence to look at. */
void bt_identity_resolve(struct bt_identity *id, const char *file);
/* ... and the reduce: the folder's collection as recorded (bt_collections_seed),
 * and a name stated for the collection `root`, merged as if learned here
 * (the least spelling and evidence, the counts added). */
bool bt_identity_seed_folder(struct bt_identity *id, const char *dir, const char *root,
                             enum bt_layout layout);
bool bt_identity_add_name(struct bt_identity *id, const char *root, enum bt_layout layout,
                          const struct bt_stated_name *nm);

/* Reads every input for identity only (no rules): the read loop of
 * `boxtrail hosts`. Returns as bt_scan_run. */
enum bt_status bt_identity_read(struct bt_identity *id, const struct bt_scan_input *inputs,
                                size_t n, const struct bt_scan_opts *o,
                                const struct bt_scan_report *report);

#endif
