/* Making attacker-controlled strings safe for each output: the only escaping
 * in src/. JSON and CSV are written through their writers (json_writer.h,
 * csv_writer.h), which escape with these; text outputs call esc_text.
 *
 *  JSON: always valid: control characters as \uXXXX (or \n, \t, ...),
 *        U+2028/U+2029 escaped, invalid UTF-8 bytes replaced by U+FFFD.
 *  CSV:  RFC 4180 quoting; NUL and invalid UTF-8 replaced by U+FFFD; with the
 *        formula guard (the default) a cell starting with = + - @ TAB or CR
 *        gets a leading ' so spreadsheets show it as text.
 *  HTML: the text escape, then & < > " ' as entities (esc_html).
 *  Text: for terminals: every control character (C0, DEL, C1), bidi control
 *        and invalid byte becomes a visible escape (\x1b, \u202e, \xff).
 *        Backslashes stay as they are, so Windows paths read naturally; text
 *        that itself spells "\x1b" therefore looks like an escaped ESC: the
 *        JSON output is the exact record. */
#ifndef BT_ESCAPE_H
#define BT_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/bt_buf.h"

/* Appends s[0..n) as a quoted JSON string. */
void esc_json(struct bt_buf *b, const char *s, size_t n);

/* Length of the leading run of s[0..n) that a JSON string holds as it is
 * (ASCII from 0x20, but '"' and '\\'): n when s needs no escaping. */
size_t esc_json_plain(const char *s, size_t n);

/* Appends s[0..n) as one CSV cell (quoted when needed). */
void esc_csv(struct bt_buf *b, const char *s, size_t n, bool formula_guard);

/* Appends s[0..n) made safe to print on a terminal (no quotes added). */
void esc_text(struct bt_buf *b, const char *s, size_t n);

/* The same for s up to its NUL; "-" for NULL. */
void esc_text_str(struct bt_buf *b, const char *s);

/* Appends s[0..n) safe inside HTML text or a quoted attribute; _str: up to
 * its NUL, "-" for NULL. */
void esc_html(struct bt_buf *b, const char *s, size_t n);
void esc_html_str(struct bt_buf *b, const char *s);

#endif
