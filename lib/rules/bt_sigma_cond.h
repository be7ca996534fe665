/* The Sigma condition grammar:
 *
 *   expr    := and ("or" and)*
 *   and     := unary ("and" unary)*
 *   unary   := "not" unary | primary
 *   primary := "(" expr ")" | QUANT "of" (PATTERN | "them") | IDENT
 *   QUANT   := "1" .. N | "all" | "any"
 *
 * Precedence (loosest first): or, and, not, "x of", parentheses. Keywords
 * are case-insensitive; identifiers are case-sensitive. A PATTERN may hold
 * `*` wildcards; "them" means every search identifier not starting with `_`.
 * "N of" means at least N. The obsolete aggregation pipe (`| count() ...`)
 * and `near` are rejected as unsupported. */
#ifndef BT_SIGMA_COND_H
#define BT_SIGMA_COND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_arena.h"
#include "core/bt_status.h"

#define BT_COND_MAX_DEPTH 64       /* nesting of parentheses / not */
#define BT_COND_MAX_LEN 4096       /* bytes of one condition */

enum bt_cond_op {
	BT_COND_REF,     /* search identifier `ref` */
	BT_COND_AND,
	BT_COND_OR,
	BT_COND_NOT,     /* kids[0] */
	BT_COND_ATLEAST, /* at least `count` of kids ("1 of" = OR, "all of" = AND) */
};

struct bt_cond {
	enum bt_cond_op op;
	uint32_t ref;
	uint32_t count;
	struct bt_cond **kids;
	size_t nkids;
};

/* Parses `text` against the search identifiers `names[0..n)`. Returns BT_OK
 * with *out (allocated in `a`), BT_ERR_UNSUPPORTED (aggregation, near) or
 * BT_ERR_FORMAT (syntax, unknown identifier), with a reason in `why`. */
enum bt_status bt_cond_parse(struct bt_arena *a, const char *text, const char *const *names,
                             size_t n, struct bt_cond **out, char *why, size_t why_size);

/* Evaluates with short-circuit; ref(ctx, i) tells whether search i matched. */
bool bt_cond_eval(const struct bt_cond *c, bool (*ref)(void *ctx, uint32_t i), void *ctx);

/* Sets used[i] for every search identifier the condition refers to. */
void bt_cond_refs(const struct bt_cond *c, bool *used);

/* True when `name` matches the `*`-wildcard pattern `pat` (case-sensitive). */
bool bt_cond_name_match(const char *pat, const char *name);

#endif
