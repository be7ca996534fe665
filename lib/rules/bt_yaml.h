/* A small YAML document tree built with libyaml (the only module that
 * includes yaml.h), for Sigma rules and the logsource mapping file.
 *
 * Built from libyaml's parser events, so the caps (BT_YAML_MAX_DEPTH,
 * BT_YAML_MAX_NODES) stop the parse at the node that crosses them, before
 * the rest of the document is read. Every node lives in a caller-supplied
 * arena. Aliases are expanded into copies, so the tree is a plain tree; the
 * expansion counts against the node cap before it is copied, so that an
 * "alias bomb" costs an error, not the machine. */
#ifndef BT_YAML_H
#define BT_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_arena.h"
#include "core/bt_status.h"

#define BT_YAML_MAX_NODES 200000       /* nodes per document, after alias expansion */
#define BT_YAML_MAX_DEPTH 64           /* nesting of maps and sequences */
#define BT_YAML_MAX_FILE (8u << 20)    /* bytes of one YAML file */

enum bt_ykind { BT_Y_SCALAR, BT_Y_SEQ, BT_Y_MAP };

struct bt_ynode;

struct bt_ypair {
	struct bt_ynode *key;
	struct bt_ynode *value;
};

struct bt_ynode {
	enum bt_ykind kind;
	uint32_t line;          /* 1-based line where the node starts */
	/* BT_Y_SCALAR: NUL-terminated text (may hold NULs before len) */
	const char *str;
	size_t len;
	bool plain;             /* unquoted, untagged: null/bool/number resolution applies */
	/* BT_Y_SEQ: items; BT_Y_MAP: pairs, in document order */
	struct bt_ynode **items;
	struct bt_ypair *pairs;
	size_t n;
};

/* Receives each document of a stream in order (index from 0); a non-zero
 * return stops the parse (bt_yaml_parse then returns BT_OK). The tree is in
 * the arena and stays valid after the callback. */
typedef int (*bt_yaml_doc_fn)(void *ctx, struct bt_ynode *root, unsigned index);

/* Parses every document of `buf`. Returns BT_OK, BT_ERR_FORMAT (syntax error;
 * documents before it were delivered), BT_ERR_LIMIT (a cap) or BT_ERR_NOMEM;
 * on error `why` holds "line N: problem". Empty documents are skipped. */
enum bt_status bt_yaml_parse(struct bt_arena *a, const char *buf, size_t len,
                             bt_yaml_doc_fn fn, void *ctx, char *why, size_t why_size);

/* Reads a whole file (at most BT_YAML_MAX_FILE bytes) into a malloc'ed,
 * NUL-terminated buffer the caller frees. BT_ERR_IO / BT_ERR_LIMIT on failure,
 * with a reason in `why`. */
enum bt_status bt_yaml_read_file(const char *path, char **buf, size_t *len, char *why,
                                 size_t why_size);

/* Map lookup by key text (exact); NULL when absent or `map` is not a map. */
struct bt_ynode *bt_ynode_get(const struct bt_ynode *map, const char *key);

/* True for a plain scalar spelling null (null, Null, NULL, ~ or empty). */
bool bt_ynode_is_null(const struct bt_ynode *n);

/* True for a plain scalar true/false (any case); sets *v. */
bool bt_ynode_bool(const struct bt_ynode *n, bool *v);

/* True for a plain scalar that is a decimal integer (optional sign). */
bool bt_ynode_is_int(const struct bt_ynode *n);

/* The text of a scalar, or NULL for other kinds. */
const char *bt_ynode_str(const struct bt_ynode *n);

/* Version of libyaml in use. */
const char *bt_libyaml_version(void);

#endif
