/* Event times: one representation for every source.
 *
 * bt_time counts 100-nanosecond ticks since 1601-01-01T00:00:00Z, exactly as a
 * Windows FILETIME does, so EVTX times keep their full precision; Docker times
 * (nanoseconds) are truncated to 100 ns and their original text is kept in a
 * field by the Docker readers. */
#ifndef BT_TIME_H
#define BT_TIME_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef int64_t bt_time;

#define BT_TIME_NONE INT64_MIN            /* time unknown */
#define BT_TICKS_PER_SEC 10000000LL
#define BT_UNIX_EPOCH_TICKS 116444736000000000LL  /* 1970-01-01 in FILETIME ticks */

/* Size of a buffer that holds any bt_time_format() output and its NUL. */
#define BT_TIME_BUFSZ 40

/* Formats t as RFC 3339 UTC with seven fractional digits
 * ("2019-02-09T17:05:24.6727578Z"). BT_TIME_NONE formats as "".
 * Times outside years 0001..9999 are clamped textually to those bounds
 * ("0001-01-01T00:00:00.0000000Z"). Returns the string length. */
size_t bt_time_format(bt_time t, char buf[BT_TIME_BUFSZ]);

/* Parses RFC 3339 / ISO 8601 text: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS",
 * a 'T' or ' ' separator, optional fraction of any length (truncated to 100 ns),
 * and 'Z', "+HH:MM", "-HH:MM", "+HHMM" or no zone (taken as UTC; *had_zone set
 * false). The whole of s[0..n) must be consumed. On success stores the UTC time
 * and the zone offset in minutes (0 when absent) and returns true. */
bool bt_time_parse(const char *s, size_t n, bt_time *out, int *offset_min, bool *had_zone);

/* Converts between bt_time and Unix time. */
bt_time bt_time_from_unix(int64_t sec, int64_t nsec);
int64_t bt_time_to_unix(bt_time t);

/* Converts a broken-down UTC civil time; returns false when out of range. */
bool bt_time_from_civil(int year, int mon, int day, int hour, int min, int sec,
                        int64_t ticks_frac, bt_time *out);

#endif
