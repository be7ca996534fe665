/* Recognises evidence formats by content, never by file name.
 *
 * JSON evidence is told apart by the top-level keys of its first object
 * (scanned, not parsed, so a document larger than the head still counts);
 * text logs by the shape of their first lines. Both checks are strict
 * enough that binary data and ordinary text are not taken for Docker logs:
 * a JSON head must be syntactically plausible JSON without raw control
 * bytes, and a text log must have a record-shaped first line or a quarter
 * of its first lines record-shaped. */
#include "config.h"

#include <string.h>

#include "docker/bt_docker_desktop.h"
#include "docker/bt_docker_initlog.h"
#include "docker/bt_docker_logrus.h"
#include "esxi/bt_esxi_log.h"
#include "input/bt_detect.h"

/* ---- JSON: the top-level keys of the first object ---- */

#define MAX_KEYS 96
#define MAX_KEY 40

struct keys {
	char name[MAX_KEYS][MAX_KEY + 1];
	size_t n;
};

static bool has(const struct keys *k, const char *name)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->name[i], name) == 0)
			return true;
	return false;
}

static bool ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Scans the object at s[0] ('{'), collecting its top-level keys. Returns
 * false when the bytes cannot be JSON (raw control bytes in strings, bytes
 * outside strings that JSON never has, unbalanced brackets). Running out of
 * input is not an error (the head may end inside a large document). */
static bool scan_object(const unsigned char *s, size_t n, struct keys *k)
{
	unsigned char stack[64];
	size_t depth = 0;
	bool expect_key = false;
	size_t i = 0;
	k->n = 0;
	while (i < n) {
		unsigned char c = s[i];
		if (c == '"') {
			size_t st = ++i;
			while (i < n && s[i] != '"') {
				if (s[i] < 0x20)
					return false;
				i += s[i] == '\\' ? 2 : 1;
			}
			if (i >= n)
				return true;
			if (depth == 1 && stack[0] == '{' && expect_key) {
				if (k->n < MAX_KEYS) {
					size_t l = i - st < MAX_KEY ? i - st : MAX_KEY;
					memcpy(k->name[k->n], s + st, l);
					k->name[k->n][l] = '\0';
					k->n++;
				}
				expect_key = false;
			}
			i++;
			continue;
		}
		if (c == '{' || c == '[') {
			if (depth >= sizeof stack)
				return true;   /* deep: fine, keys of level 1 are what count */
			stack[depth++] = c;
			expect_key = c == '{' && depth == 1;
		} else if (c == '}' || c == ']') {
			if (!depth || (c == '}') != (stack[depth - 1] == '{'))
				return false;
			if (--depth == 0)
				return true;
		} else if (c == ',') {
			if (depth == 1 && stack[0] == '{')
				expect_key = true;
		} else if (!(ws(c) || c == ':' || c == '-' || c == '+' || c == '.' ||
		             (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
			return false;
		}
		i++;
	}
	return true;
}

static enum bt_format detect_json(const unsigned char *s, size_t n, bool at_eof)
{
	struct keys k;
	if (!scan_object(s, n, &k) || k.n == 0)
		return BT_FORMAT_UNKNOWN;
	if (has(&k, "__REALTIME_TIMESTAMP") || has(&k, "__CURSOR") ||
	    (has(&k, "MESSAGE") && (has(&k, "_HOSTNAME") || has(&k, "_PID") ||
	                            has(&k, "SYSLOG_IDENTIFIER") || has(&k, "PRIORITY"))))
		return BT_FORMAT_JOURNALD_JSON;
	if ((has(&k, "Type") && has(&k, "Action") &&
	     (has(&k, "Actor") || has(&k, "time") || has(&k, "timeNano"))) ||
	    (has(&k, "status") && has(&k, "id") && (has(&k, "time") || has(&k, "timeNano"))))
		return BT_FORMAT_DOCKER_EVENTS;
	if (has(&k, "log") && has(&k, "time") && (has(&k, "stream") || k.n <= 4))
		return BT_FORMAT_CONTAINER_LOG;
	if (has(&k, "ID") && has(&k, "Created") && (has(&k, "State") || has(&k, "Config")))
		return BT_FORMAT_DOCKER_CONFIG;
	if (has(&k, "Binds") && has(&k, "NetworkMode") && !has(&k, "ID"))
		return BT_FORMAT_DOCKER_HOSTCONFIG;
	if (has(&k, "created") &&
	    (has(&k, "history") || has(&k, "rootfs") || has(&k, "container_config")))
		return BT_FORMAT_IMAGE_CONFIG;
	/* Docker Desktop's init.log: checked entry by entry, so that other JSON
	 * logs with a component key are not taken for it */
	if (has(&k, "component") && has(&k, "msg") && bt_initlog_probe(s, n, at_eof))
		return BT_FORMAT_DOCKER_DESKTOP_INIT;
	if (has(&k, "msg") && has(&k, "level"))
		return BT_FORMAT_DOCKERD_JSON;
	return BT_FORMAT_UNKNOWN;
}

/* ---- text logs: the shape of the first lines ---- */

#define MAX_LINES 200

/* True when a line has bytes text logs never have (NUL, C0 controls other
 * than tab, ESC and CR, DEL). */
static bool has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t' && c != '\033' && c != '\r') || c == 0x7f)
			return true;
	}
	return false;
}

static enum bt_format detect_text(const char *s, size_t n, bool at_eof)
{
	unsigned nonblank = 0, record = 0, sys_docker = 0, sys_other = 0, desktop = 0, damaged = 0;
	unsigned esxi = 0;
	int first = -1;   /* 0 other, 1 record/syslog-docker, 2 desktop, 3 ESXi */
	size_t i = 0;
	for (unsigned lines = 0; i < n && lines < MAX_LINES; lines++) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t l = nl ? (size_t)(nl - (s + i)) : n - i;
		const char *line = s + i;
		i += l + 1;
		/* the head may cut the last line: judge it only if it is the first */
		if (!nl && !at_eof && nonblank)
			break;
		if (l && line[l - 1] == '\r')
			l--;
		size_t b = 0;
		while (b < l && (line[b] == ' ' || line[b] == '\t'))
			b++;
		if (b == l)
			continue;
		nonblank++;
		struct bt_line_prefix p;
		int kind = 0;
		if (has_control(line, l)) {
			damaged++;   /* binary data: never counts for a log format */
		} else if (bt_esxi_head(line, l)) {
			esxi++;      /* before Docker Desktop's "TIME component msg" */
			kind = 3;
		} else if (bt_desktop_prefix(line, l, &p)) {
			desktop++;
			kind = 2;
		} else if (bt_syslog_prefix(line, l, &p)) {
			if (p.other_program) {
				sys_other++;
			} else {
				sys_docker++;
				kind = 1;
			}
		} else if (bt_logrus_is_text(line, l)) {
			record++;
			kind = 1;
		}
		if (first < 0)
			first = kind;
	}
	if (!nonblank || damaged * 4 > nonblank)
		return BT_FORMAT_UNKNOWN;
	unsigned docker = record + sys_docker;
	if (esxi && esxi >= docker + desktop && (first == 3 || esxi * 4 >= nonblank))
		return BT_FORMAT_ESXI_LOG;
	if (desktop && desktop >= docker && (first == 2 || desktop * 4 >= nonblank))
		return BT_FORMAT_DOCKER_DESKTOP;
	if (docker && (first == 1 || docker * 4 >= nonblank))
		return BT_FORMAT_DOCKERD_TEXT;
	/* a syslog file where Docker's lines are a minority among other programs' */
	if (sys_docker && (sys_docker + sys_other) * 2 >= nonblank)
		return BT_FORMAT_DOCKERD_TEXT;
	return BT_FORMAT_UNKNOWN;
}

enum bt_format bt_detect(const unsigned char *head, size_t n, bool at_eof)
{
	if (n >= 8 && memcmp(head, "ElfFile", 8) == 0)
		return BT_FORMAT_EVTX;
	if (n >= 8 && memcmp(head, "LPKSHHRH", 8) == 0)
		return BT_FORMAT_JOURNAL_FILE;
	size_t i = 0;
	if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < n && (ws(head[i]) || head[i] == 0x1e))
		i++;
	if (i >= n)
		return BT_FORMAT_UNKNOWN;
	if (head[i] == '{')
		return detect_json(head + i, n - i, at_eof);
	return detect_text((const char *)head + i, n - i, at_eof);
}
