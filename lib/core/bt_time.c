/* Time conversion and RFC 3339 formatting/parsing for bt_time (FILETIME ticks). */
#include "config.h"

#include "core/bt_time.h"

#include <stdio.h>
#include <string.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Bounds of years 0001..9999 in ticks, so every formatted time has four year digits. */
#define MIN_TICKS (-(int64_t)584388 * 86400 * BT_TICKS_PER_SEC) /* 0001-01-01 (from 1601) */
#define MAX_TICKS ((int64_t)2650467743999999999LL)               /* 9999-12-31T23:59:59.9999999 */

/* Writes v as exactly w decimal digits (v < 10^w). */
static void put_digits(char **p, uint64_t v, int w)
{
	for (int i = w - 1; i >= 0; i--) {
		(*p)[i] = (char)('0' + v % 10);
		v /= 10;
	}
	*p += w;
}

size_t bt_time_format(bt_time t, char buf[BT_TIME_BUFSZ])
{
	if (t == BT_TIME_NONE) {
		buf[0] = '\0';
		return 0;
	}
	if (t < MIN_TICKS)
		t = MIN_TICKS;
	if (t > MAX_TICKS)
		t = MAX_TICKS;
	int64_t ut = t - BT_UNIX_EPOCH_TICKS;
	int64_t sec = ut / BT_TICKS_PER_SEC;
	int64_t frac = ut % BT_TICKS_PER_SEC;
	if (frac < 0) {
		frac += BT_TICKS_PER_SEC;
		sec -= 1;
	}
	int64_t days = sec / 86400;
	int64_t rem = sec % 86400;
	if (rem < 0) {
		rem += 86400;
		days -= 1;
	}
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	/* "%04lld-%02u-%02uT%02d:%02d:%02d.%07lldZ" by hand (hot in output);
	 * y is within 1..9999 after the clamping above */
	char *p = buf;
	put_digits(&p, (uint64_t)y, 4);
	*p++ = '-';
	put_digits(&p, m, 2);
	*p++ = '-';
	put_digits(&p, d, 2);
	*p++ = 'T';
	put_digits(&p, (uint64_t)(rem / 3600), 2);
	*p++ = ':';
	put_digits(&p, (uint64_t)(rem / 60 % 60), 2);
	*p++ = ':';
	put_digits(&p, (uint64_t)(rem % 60), 2);
	*p++ = '.';
	put_digits(&p, (uint64_t)frac, 7);
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - buf);
}

bool bt_time_from_civil(int year, int mon, int day, int hour, int min, int sec,
                        int64_t ticks_frac, bt_time *out)
{
	if (year < 1 || year > 9999 || mon < 1 || mon > 12 || day < 1 ||
	    (unsigned)day > days_in_month(year, (unsigned)mon) || hour < 0 || hour > 23 ||
	    min < 0 || min > 59 || sec < 0 || sec > 60 || ticks_frac < 0 ||
	    ticks_frac >= BT_TICKS_PER_SEC)
		return false;
	if (sec == 60)  /* leap second: fold into the next minute's first second */
		sec = 59, ticks_frac = BT_TICKS_PER_SEC - 1;
	int64_t days = days_from_civil(year, (unsigned)mon, (unsigned)day);
	int64_t s = days * 86400 + hour * 3600 + min * 60 + sec;
	*out = s * BT_TICKS_PER_SEC + ticks_frac + BT_UNIX_EPOCH_TICKS;
	return true;
}

bt_time bt_time_from_unix(int64_t sec, int64_t nsec)
{
	return sec * BT_TICKS_PER_SEC + nsec / 100 + BT_UNIX_EPOCH_TICKS;
}

int64_t bt_time_to_unix(bt_time t)
{
	int64_t ut = t - BT_UNIX_EPOCH_TICKS;
	int64_t s = ut / BT_TICKS_PER_SEC;
	return (ut % BT_TICKS_PER_SEC < 0) ? s - 1 : s;
}

/* Reads exactly `w` decimal digits. */
static bool digits(const char *s, size_t n, size_t *i, int w, int *out)
{
	int v = 0;
	for (int k = 0; k < w; k++) {
		if (*i >= n || s[*i] < '0' || s[*i] > '9')
			return false;
		v = v * 10 + (s[(*i)++] - '0');
	}
	*out = v;
	return true;
}

bool bt_time_parse(const char *s, size_t n, bt_time *out, int *offset_min, bool *had_zone)
{
	size_t i = 0;
	int y, mo, d, h = 0, mi = 0, se = 0;
	int64_t frac = 0;
	bool zone = false;
	int off = 0;

	if (!digits(s, n, &i, 4, &y) || i >= n || s[i++] != '-' || !digits(s, n, &i, 2, &mo) ||
	    i >= n || s[i++] != '-' || !digits(s, n, &i, 2, &d))
		return false;
	if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
		i++;
		if (!digits(s, n, &i, 2, &h) || i >= n || s[i++] != ':' || !digits(s, n, &i, 2, &mi))
			return false;
		if (i < n && s[i] == ':') {
			i++;
			if (!digits(s, n, &i, 2, &se))
				return false;
		}
		if (i < n && (s[i] == '.' || s[i] == ',')) {
			i++;
			int nd = 0;
			while (i < n && s[i] >= '0' && s[i] <= '9') {
				if (nd < 7)
					frac = frac * 10 + (s[i] - '0');
				nd++;
				i++;
			}
			if (nd == 0)
				return false;
			for (; nd < 7; nd++)
				frac *= 10;
		}
		if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
			zone = true;
			i++;
		} else if (i < n && (s[i] == '+' || s[i] == '-')) {
			int sign = s[i++] == '-' ? -1 : 1, oh, om;
			if (!digits(s, n, &i, 2, &oh))
				return false;
			if (i < n && s[i] == ':')
				i++;
			if (!digits(s, n, &i, 2, &om) || oh > 23 || om > 59)
				return false;
			zone = true;
			off = sign * (oh * 60 + om);
		}
	}
	if (i != n)
		return false;
	bt_time t;
	if (!bt_time_from_civil(y, mo, d, h, mi, se, frac, &t))
		return false;
	*out = t - (int64_t)off * 60 * BT_TICKS_PER_SEC;
	if (offset_min)
		*offset_min = off;
	if (had_zone)
		*had_zone = zone;
	return true;
}
