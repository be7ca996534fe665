/* Sigma YAML -> rule model (bt_sigma.h).
 *
 * A file may hold several YAML documents (`---`): each is a rule, a
 * correlation rule (`correlation:`), or part of a Sigma 1.0 rule collection
 * (`action: global` merged into every following document until
 * `action: reset`; `action: repeat` reuses the previous document with its
 * own keys on top). */
#ifndef BT_SIGMA_LOAD_H
#define BT_SIGMA_LOAD_H

#include <stddef.h>

#include "core/bt_arena.h"
#include "rules/bt_sigma.h"
#include "core/bt_status.h"

/* Called for every rule document. `rule` is never NULL: when the document
 * is not a usable rule, `reason` (one line) says why and `rule` holds what
 * could be read (title, id, file, line). A non-zero return stops loading. */
typedef int (*bt_sigma_rule_fn)(void *ctx, struct bt_sigma_rule *rule, const char *reason);

/* Loads the documents of `buf` (named `file` for provenance; the string must
 * outlive the rules). Models are allocated in `a`. Returns BT_OK, or an error
 * when the YAML itself is broken or over a cap (documents before the error
 * were delivered) with a reason in `why`. */
enum bt_status bt_sigma_load_buf(struct bt_arena *a, const char *file, const char *buf,
                                 size_t len, bt_sigma_rule_fn fn, void *ctx, char *why,
                                 size_t why_size);

/* Reads `path` and loads it like bt_sigma_load_buf (BT_ERR_IO when unreadable). */
enum bt_status bt_sigma_load_file(struct bt_arena *a, const char *path, bt_sigma_rule_fn fn,
                                  void *ctx, char *why, size_t why_size);

/* Whether rule r carries tag (ASCII case-insensitive, as written). */
bool bt_sigma_rule_has_tag(const struct bt_sigma_rule *r, const char *tag);

/* Parses a Sigma timespan ("30s", "5m", "1h", "2d"); false when malformed. */
bool bt_sigma_parse_timespan(const char *s, uint64_t *seconds);

#endif
