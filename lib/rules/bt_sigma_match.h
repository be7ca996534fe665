/* Sigma value matching: modifiers, compiled matchers, and the test of one
 * field value against one rule value. The only module that includes pcre2.h.
 *
 * Semantics (documented in boxtrail(1), DETECTION):
 *  - Strings compare case-insensitively with ASCII folding only (A-Z = a-z;
 *    other bytes, including non-ASCII letters, compare exactly), unless the
 *    item has `cased`. Values produced by base64/base64offset always compare
 *    case-sensitively, because the encoding is.
 *  - Wildcards: `*` any run (also empty), `?` one UTF-8 character; `\*`,
 *    `\?` and `\\` are the literal characters; any other backslash is literal.
 *    Plain values compile to equality / prefix / suffix / substring tests;
 *    other wildcard patterns to a small glob matcher; only `re` uses PCRE2
 *    (UTF mode, invalid UTF-8 in evidence tolerated, JIT when available,
 *    match and depth limits so a hostile value cannot stall the run).
 *  - `re` is case-sensitive unless `re|i`; `re|m` multi-line, `re|s` dot-all.
 *  - `cidr`: IPv4 and IPv6 networks. An IPv4-mapped IPv6 value
 *    (`::ffff:10.0.0.5`) matches IPv4 networks, and an IPv4 value matches an
 *    IPv6 network through its mapped form.
 *  - `gt`/`gte`/`lt`/`lte`: the field must parse as a number (decimal integer,
 *    decimal fraction, or 0x hex integer).
 *  - `windash`: a `-` or `/` that starts an option (not preceded by a word
 *    character, followed by one) matches any of - / U+2013 U+2014 U+2015.
 *  - `base64`, `base64offset` (the three offset variants), `utf16le`/`wide`,
 *    `utf16be`, `utf16` (LE with a BOM) transform the value in the order
 *    written; wildcards cannot be combined with them.
 */
#ifndef BT_SIGMA_MATCH_H
#define BT_SIGMA_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/bt_sigma.h"
#include "core/bt_status.h"

/* Caps on what one rule value may compile to. */
#define BT_MATCH_MAX_VALUE (64u * 1024)   /* bytes of a value after transformations */

enum bt_pos { BT_POS_EXACT, BT_POS_CONTAINS, BT_POS_STARTSWITH, BT_POS_ENDSWITH };

enum bt_enc { BT_ENC_BASE64, BT_ENC_BASE64OFFSET, BT_ENC_UTF16LE, BT_ENC_UTF16BE,
              BT_ENC_UTF16, BT_ENC_WINDASH };

enum bt_numop { BT_NUM_NONE, BT_NUM_GT, BT_NUM_GTE, BT_NUM_LT, BT_NUM_LTE };

/* The modifiers of one detection item, parsed. */
struct bt_mods {
	enum bt_pos pos;
	bool all;
	bool cased;
	bool re;
	uint32_t re_flags;       /* BT_RE_* */
	bool cidr;
	enum bt_numop num;
	bool exists;
	bool fieldref;
	bool neq;
	bool keyword;            /* set by the caller for field-less items */
	enum bt_enc enc[8];      /* transformations in the order written */
	size_t nenc;
};

#define BT_RE_I 0x1u
#define BT_RE_M 0x2u
#define BT_RE_S 0x4u
#define BT_RE_NO_JIT 0x8u   /* interpret: set by the rule set, not a Sigma modifier */

/* Parses modifier names. BT_ERR_UNSUPPORTED with a reason for unknown or
 * unsupported ones (e.g. `expand`) and for combinations that make no sense. */
enum bt_status bt_mods_parse(const char *const *mods, size_t n, struct bt_mods *out, char *why,
                             size_t why_size);

/* A compiled test for one rule value; alternatives (e.g. the three
 * base64offset variants) are chained through `next` and OR'ed. */
struct bt_matcher;

/* Kinds the caller must handle itself (they need the event, not a value). */
enum bt_matcher_special { BT_MSPECIAL_NONE, BT_MSPECIAL_NULL, BT_MSPECIAL_FIELDREF };

/* Compiles value `v` under `m`. Returns BT_OK and *out (free with
 * bt_matcher_free), or BT_ERR_UNSUPPORTED / BT_ERR_FORMAT with a reason. */
enum bt_status bt_matcher_compile(const struct bt_mods *m, const struct bt_sigma_value *v,
                                  struct bt_matcher **out, char *why, size_t why_size);

void bt_matcher_free(struct bt_matcher *m);

/* Reusable per-thread matching state (PCRE2 match data and limits). */
/* Version of the PCRE2 library in use ("10.42 2022-12-11"). */
const char *bt_pcre2_version(void);

struct bt_match_scratch;
struct bt_match_scratch *bt_match_scratch_new(void);
void bt_match_scratch_free(struct bt_match_scratch *s);
/* Regex matches abandoned because a limit was hit (counted as no match). */
uint64_t bt_match_scratch_re_errors(const struct bt_match_scratch *s);

/* True when value s[0..n) matches `m` or one of its alternatives. Does not
 * allocate. Special matchers return false (see bt_matcher_special). */
bool bt_matcher_test(const struct bt_matcher *m, const char *s, size_t n,
                     struct bt_match_scratch *scratch);

/* A value's folded text (bt_fold on every byte), made once for testing many
 * matchers: kept in the scratch until the next call; NULL when out of
 * memory. */
const char *bt_match_fold(struct bt_match_scratch *scratch, const char *s, size_t n);

/* bt_match_fold of a value named by `key` (a field of the event being
 * matched), made once and kept until bt_match_fold_forget (a new event):
 * valid until the next call of either fold; NULL when out of memory. Keys
 * share BT_MATCH_FOLD_KEEP slots: one whose slot another took is folded
 * again. */
#define BT_MATCH_FOLD_KEEP 64
/* *grams: once the value was asked for a few times, the set of byte pairs
 * of its folded text (BT_GRAM_BITS bits), for bt_matcher_test_folded; NULL
 * before. */
#define BT_GRAM_LOG2 12
#define BT_GRAM_BITS (1u << BT_GRAM_LOG2)
const char *bt_match_fold_keep(struct bt_match_scratch *scratch, const void *key, const char *s,
                               size_t n, const uint64_t **grams);
void bt_match_fold_forget(struct bt_match_scratch *scratch);

/* bt_matcher_test with the folded text of s[0..n) at hand (bt_match_fold;
 * NULL: not made): case-insensitive literals compare it byte for byte; with
 * the byte pairs of the folded text (grams, from bt_match_fold_keep; may be
 * NULL) a case-insensitive substring one of whose pairs is missing is not
 * looked for. Same result. */
bool bt_matcher_test_folded(const struct bt_matcher *m, const char *s, const char *folded,
                            size_t n, const uint64_t *grams, struct bt_match_scratch *scratch);

/* Whether any of ms[0..nm) matches: bt_matcher_test_folded on each, in
 * order, in one call. */
bool bt_matchers_any_folded(struct bt_matcher *const *ms, size_t nm, const char *s,
                            const char *folded, size_t n, const uint64_t *grams,
                            struct bt_match_scratch *scratch);

/* Tests a value given as the UTF-16LE units u[0..n) of a typed field whose
 * text is their conversion (bt_evbuf.utf16 in core/bt_event.h) without
 * making that text: 1 when m or an alternative matches, 0 when none does, -1
 * when that cannot be told from the units (then make the text and test it).
 * Equality, prefix and suffix of ASCII literals are told. *end: the units
 * before the first 0 when found (SIZE_MAX before the first call on a value,
 * so the tests of several matchers on one value look for it once). */
int bt_matcher_test_utf16(const struct bt_matcher *m, const uint8_t *u, size_t n, size_t *end);

/* bt_matcher_test_utf16 over ms[0..nm) in order: 1 when one matches, else
 * -1 when one could not be told, else 0. */
int bt_matchers_any_utf16(struct bt_matcher *const *ms, size_t nm, const uint8_t *u, size_t n);

/* Whether bt_matcher_test_utf16 can tell m or an alternative (not always -1). */
bool bt_matcher_utf16_ok(const struct bt_matcher *m);

/* Whether m (or an alternative) tests a case-insensitive substring: its
 * tests gain most from the folded text. */
bool bt_matcher_folds(const struct bt_matcher *m);

/* For the caller: NULL and field-reference matchers. */
enum bt_matcher_special bt_matcher_special(const struct bt_matcher *m);
/* The referenced field name of a fieldref matcher. */
const char *bt_matcher_fieldref(const struct bt_matcher *m, size_t *len);

/* Compares two field values under position and case rules (for fieldref). */
bool bt_match_pair(enum bt_pos pos, bool cased, const char *hay, size_t hn, const char *needle,
                   size_t nn);

/* If `m` is a plain decimal equality test (a value like 4624 with no other
 * modifier), sets *v and returns true: EventID can then compare integers. */
bool bt_matcher_uint(const struct bt_matcher *m, uint32_t *v);

/* Short description of the matcher kind ("eq", "contains", "glob", "re", ...),
 * for statistics and tests. */
const char *bt_matcher_kind_name(const struct bt_matcher *m);

/* ASCII lower-casing, used everywhere case is folded. */
static inline unsigned char bt_fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

#endif
