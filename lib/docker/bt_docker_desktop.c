/* Docker Desktop line prefixes. */
#include "config.h"

#include "docker/bt_docker_desktop.h"

#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool comp_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' ||
	       c == '-' || c == '_' || c == ' ';
}

/* Trims trailing spaces of a padded bracket field. */
static size_t rtrim(const char *s, size_t n)
{
	while (n && s[n - 1] == ' ')
		n--;
	return n;
}

static int level_of(const char *w, size_t n)
{
	if (!n)
		return -1;
	switch (w[0]) {
	case 'I': return 4;
	case 'W': return 3;
	case 'E': return 2;
	case 'D': return 5;
	case 'F': return 1;
	default: return -1;
	}
}

/* Reads "[...]" at s[i..n) (at most `max` bytes inside); sets *b, *l. */
static bool bracket(const char *s, size_t n, size_t *i, size_t max, const char **b, size_t *l)
{
	if (*i >= n || s[*i] != '[')
		return false;
	size_t lim = n - *i - 1 < max ? n - *i - 1 : max;
	const char *c = memchr(s + *i + 1, ']', lim);
	if (!c)
		return false;
	*b = s + *i + 1;
	*l = (size_t)(c - *b);
	*i = (size_t)(c - s) + 1;
	return true;
}

bool bt_desktop_prefix(const char *s, size_t n, struct bt_line_prefix *o)
{
	memset(o, 0, sizeof *o);
	o->level = -1;
	size_t i = 0;
	const char *t, *c, *lv;
	size_t tl, cl, lvl;
	if (n > 4 && s[0] == '[') {
		if (!bracket(s, n, &i, 40, &t, &tl) || !bracket(s, n, &i, 80, &c, &cl) || !cl)
			return false;
		for (size_t k = 0; k < cl; k++)
			if (!comp_char(c[k]))
				return false;
		bool zone = false;
		if (tl >= 20 && bt_time_parse(t, tl, &o->time, NULL, &zone) && zone) {
			o->full_time = true;
		} else if (!(tl >= 8 && is_digit(t[0]) && is_digit(t[1]) && t[2] == ':' &&
		             is_digit(t[3]) && is_digit(t[4]) && t[5] == ':')) {
			return false;
		}
		o->stamp = t;
		o->stamp_len = tl;
		o->component = c;
		o->component_len = rtrim(c, cl);
		size_t save = i;
		if (bracket(s, n, &i, 12, &lv, &lvl) && lvl && (lvl == 1 || lv[1] >= 'a')) {
			o->level_word = lv;
			o->level_len = rtrim(lv, lvl);
			o->level = level_of(lv, lvl);
		} else {
			i = save;
		}
		if (i < n && s[i] == ' ')
			i++;
		o->msg_off = i;
		return o->component_len > 0;
	}
	/* "2021-07-28T10:21:21Z dockerd message" (log/vm/dockerd.log) */
	if (n >= 22 && is_digit(s[0]) && is_digit(s[3]) && s[4] == '-') {
		const char *sp = memchr(s, ' ', n < 40 ? n : 40);
		bool zone = false;
		if (!sp || !bt_time_parse(s, (size_t)(sp - s), &o->time, NULL, &zone) || !zone)
			return false;
		i = (size_t)(sp - s) + 1;
		size_t cs = i;
		while (i < n && s[i] != ' ' && comp_char(s[i]))
			i++;
		if (i == cs || i >= n || s[i] != ' ')
			return false;
		o->full_time = true;
		o->stamp = s;
		o->stamp_len = (size_t)(sp - s);
		o->component = s + cs;
		o->component_len = i - cs;
		o->msg_off = i + 1;
		return true;
	}
	return false;
}

static bool eq(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

const char *bt_desktop_provider(const char *c, size_t n)
{
	if (eq(c, n, "dockerd") || eq(c, n, "docker"))
		return "dockerd";
	if (eq(c, n, "containerd") || (n > 10 && memcmp(c, "containerd", 10) == 0))
		return "containerd";
	return NULL;
}

static enum bt_status desktop_open(struct bt_reader_ctx *ctx, void **state)
{
	return bt_daemonlog_open(ctx, state, BT_SOURCE_DOCKER_DESKTOP, bt_desktop_prefix,
	                         bt_desktop_provider, "docker-desktop", NULL, NULL);
}

const struct bt_reader_ops bt_reader_docker_desktop = {
	.name = "docker-desktop",
	.needs_stream = true,
	.open = desktop_open,
	.next = bt_daemonlog_next,
	.close = bt_daemonlog_close,
};
