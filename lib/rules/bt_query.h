/* A search query over events (`boxtrail search`): keywords, regular
 * expressions and field expressions, all of which must hold. Values are
 * compiled by the Sigma matcher (bt_sigma_match.h), so a value means in a
 * query what it means in a rule.
 *
 * Terms, separated by blanks (double quotes keep blanks in a term; `\"` is a
 * quote inside them):
 *   WORD              keyword: a substring of some value of the event (its
 *                     fields, System ones included, host, channel, provider);
 *                     taken literally (no wildcards)
 *   NAME=VALUE        some value of field NAME is VALUE: Sigma wildcards (*, ?;
 *                     \* and \\ literal); a number (4769, 0x17) also equals the
 *                     same number written otherwise; an address equals its
 *                     IPv4-mapped form; ADDR/BITS is a network (CIDR)
 *   NAME!=VALUE       the field is present and no value is VALUE
 *   NAME<N, <=, >, >= numeric comparison (decimal, fraction or 0x hex)
 *   NAME~REGEX        some value of the field matches REGEX (PCRE2)
 * NAME is an event field (exact, else ASCII case-insensitive) or a header
 * property: EventID, Channel, Provider_Name, Computer (Host), Level,
 * EventRecordID, UserID. Strings compare case-insensitively unless `cased`.
 * Regular expressions (bt_query_add_regex) are tested like keywords. */
#ifndef BT_QUERY_H
#define BT_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/bt_event.h"
#include "core/bt_status.h"
#include "rules/bt_sigma_match.h"

/* Caps: a query is typed by a person, but may come from a script. */
#define BT_QUERY_MAX_TERMS 256

struct bt_query_opts {
	bool cased;      /* strings and regular expressions compare case-sensitively */
	bool no_jit;     /* interpret regular expressions (memory checkers) */
};

struct bt_query;

/* An empty query (it matches every event). NULL when out of memory. */
struct bt_query *bt_query_new(const struct bt_query_opts *o);
void bt_query_free(struct bt_query *q);

/* Adds the terms of `text`. BT_ERR_FORMAT with a reason (naming the term)
 * for a malformed term: an empty name or value, an unterminated quote, a
 * comparison with something other than a number, a bad regular expression.
 * The query is unchanged on error. */
enum bt_status bt_query_add_terms(struct bt_query *q, const char *text, char *why,
                                  size_t why_size);

/* Adds a regular expression tested like a keyword. BT_ERR_FORMAT with a
 * reason when it does not compile. */
enum bt_status bt_query_add_regex(struct bt_query *q, const char *re, char *why,
                                  size_t why_size);

/* Whether `ev` satisfies every term. `scratch`: one per thread. */
bool bt_query_match(const struct bt_query *q, const struct bt_event *ev,
                    struct bt_match_scratch *scratch);

#endif
