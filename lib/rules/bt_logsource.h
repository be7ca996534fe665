/* The logsource mapping: which events a Sigma `logsource` (product,
 * category, service) selects, read from a data file (data/logsources.yml,
 * installed as $(pkgdatadir)/data/logsources.yml) rather than compiled in.
 *
 * File shape (see the file's own comments):
 *
 *   PRODUCT:
 *     default:   [SOURCE...]        # rules naming only the product
 *     services:  {NAME: [SOURCE...]}
 *     categories: {NAME: [SOURCE...]}
 *
 *   SOURCE: channel: NAME or [NAMES]  (or evtx: true = any EVTX event)
 *           event_ids: [N...]         (absent = any)
 *           providers: [NAME...]      (absent = any)
 *           fields: {SigmaName: EventName}   field names as the channel has them
 *           require: {Field: [value...]}     extra conditions (Sigma values)
 *
 * Resolution: a rule with a category uses the category's sources (its
 * service, if any, is informational); else its service's; else the
 * product's default. A rule without a product is looked up in every product.
 * Names compare case-insensitively. */
#ifndef BT_LOGSOURCE_H
#define BT_LOGSOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/bt_sigma.h"
#include "core/bt_status.h"

struct bt_ls_rename {
	const char *from;        /* Sigma field name */
	const char *to;          /* field name in the events of this source */
};

struct bt_ls_require {
	const char *field;
	struct bt_sigma_value *values;   /* OR'ed; Sigma wildcards allowed */
	size_t nvalues;
};

struct bt_ls_source {
	const char **channels;   /* OR'ed; n = 0 only with any_evtx */
	size_t nchannels;
	bool any_evtx;
	uint32_t *event_ids;     /* n = 0: any */
	size_t nevent_ids;
	const char **providers;  /* n = 0: any */
	size_t nproviders;
	struct bt_ls_rename *renames;
	size_t nrenames;
	struct bt_ls_require *requires;
	size_t nrequires;
};

struct bt_logsource_map;

/* Loads the mapping file. Returns BT_OK and *out, or an error with a reason
 * (file, line) in `why`. */
enum bt_status bt_logsource_load(const char *path, struct bt_logsource_map **out, char *why,
                                 size_t why_size);

/* The same from a buffer (`origin` names it in messages). */
enum bt_status bt_logsource_load_buf(const char *origin, const char *buf, size_t len,
                                     struct bt_logsource_map **out, char *why, size_t why_size);

void bt_logsource_free(struct bt_logsource_map *m);

/* Resolves a rule's logsource. Returns its sources (owned by the map) and
 * sets *n, or NULL with a reason ("unmapped logsource ...") in `why`. */
const struct bt_ls_source *bt_logsource_resolve(const struct bt_logsource_map *m,
                                                const struct bt_sigma_logsource *ls, size_t *n,
                                                char *why, size_t why_size);

/* Where the mapping and the built-in rules live when the caller names no
 * data directory: for a binary run from a build tree, the tree beside it
 * (<exe dir>/..); else the installed $(pkgdatadir); else the source tree it
 * was built from (out-of-tree builds). */
const char *bt_datadir_default(void);

#endif
