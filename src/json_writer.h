/* The JSON writer: every JSON that src/ writes (events, findings, rules, run
 * records) is written through it, into a bt_buf.
 *
 * It puts the commas between members and elements itself. Strings always make
 * valid JSON (esc_json: control characters escaped, invalid UTF-8 replaced by
 * U+FFFD, see escape.h); times are RFC 3339 UTC with seven fractional digits
 * ("2019-02-09T17:05:24.6727578Z"), null when unknown. No whitespace is added.
 *
 *	struct jw w;
 *	jw_init(&w, b);
 *	jw_object(&w);
 *	jw_key(&w, "host");
 *	jw_strz(&w, ev->host);          ->  {"host":"DC01","ids":[4624,4625]}
 *	jw_key(&w, "ids");
 *	jw_array(&w);
 *	jw_u64(&w, 4624);
 *	jw_u64(&w, 4625);
 *	jw_array_end(&w);
 *	jw_object_end(&w);
 *
 * Values written at the top level (outside any object or array) are not
 * separated: the caller ends a JSON Lines record itself. Containers nest up
 * to JW_DEPTH_MAX deep. */
#ifndef BT_JSON_WRITER_H
#define BT_JSON_WRITER_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/bt_buf.h"
#include "core/bt_time.h"
#include "escape.h"

#define JW_DEPTH_MAX 63

struct jw {
	struct bt_buf *b;
	uint64_t filled;   /* bit d: the container at depth d has an item already */
	unsigned depth;    /* 0: top level */
	bool after_key;    /* a key was written: its value comes next, no comma */
};

static inline void jw_init(struct jw *w, struct bt_buf *b)
{
	w->b = b;
	w->filled = 0;
	w->depth = 0;
	w->after_key = false;
}

/* Before any key or value: notes the item and says whether a comma goes
 * before it (not after a key, nor at the top level). */
static inline bool jw_item(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return false;
	}
	if (!w->depth)
		return false;
	uint64_t bit = (uint64_t)1 << w->depth;
	bool comma = (w->filled & bit) != 0;
	w->filled |= bit;
	return comma;
}

/* Before any key or value: the comma when one is due. */
static inline void jw_sep(struct jw *w)
{
	if (jw_item(w))
		bt_buf_putc(w->b, ',');
}

/* Opens and closes an object or an array. */
void jw_object(struct jw *w);
void jw_object_end(struct jw *w);
void jw_array(struct jw *w);
void jw_array_end(struct jw *w);

/* A member's name, in an object; its value is written next. jw_key_n takes
 * any name (escaped like a string). jw_key takes a string literal that needs
 * no escaping (letters, digits, '_', ...; not '"', '\\' or control
 * characters): the program's own member names, written as they are, without
 * a scan; anything but a literal does not compile. */
void jw_key_n(struct jw *w, const char *k, size_t n);
#define jw_key(w, lit) jw_key_text_((w), ",\"" lit "\":", sizeof(lit) + 3)

static inline void jw_key_text_(struct jw *w, const char *text, size_t n)
{
	assert(w->depth > 0 && !w->after_key);
	bool comma = jw_item(w);
	bt_buf_put(w->b, text + !comma, n - !comma);
	w->after_key = true;
}

/* A string: s[0..n), or s up to its NUL; jw_strz writes null for NULL. */
static inline void jw_str(struct jw *w, const char *s, size_t n)
{
	jw_sep(w);
	esc_json(w->b, s, n);
}
void jw_strz(struct jw *w, const char *s);

void jw_null(struct jw *w);
void jw_bool(struct jw *w, bool v);
void jw_u64(struct jw *w, uint64_t v);
void jw_i64(struct jw *w, int64_t v);

/* v when present, else null. */
void jw_u64_or_null(struct jw *w, bool present, uint64_t v);

/* A time as an RFC 3339 string, or null for BT_TIME_NONE. */
void jw_time(struct jw *w, bt_time t);

/* An array of the n strings v[0..n) (NULL ones as null). */
void jw_str_array(struct jw *w, const char *const *v, size_t n);

/* A value already written as JSON by a writer of its own (s[0..n) is copied
 * as it is). */
void jw_json(struct jw *w, const char *s, size_t n);

#endif
