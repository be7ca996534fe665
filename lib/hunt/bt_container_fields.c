/* ContainerImage, ContainerAccount, HourOfDay: bt_container_fields.h. */
#include "config.h"

#include "hunt/bt_container_fields.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/bt_time.h"

/* ---- command lines ---- */

struct tok {
	const char *p;
	size_t n;
};

/* The next blank-separated word; double or single quotes group (and are
 * dropped only at the word's ends: enough for an image name). */
static bool next_tok(const char **s, const char *end, struct tok *t)
{
	const char *p = *s;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end)
		return false;
	const char *b = p;
	char q = 0;
	while (p < end && (q || (*p != ' ' && *p != '\t'))) {
		if (!q && (*p == '"' || *p == '\''))
			q = *p;
		else if (q && *p == q)
			q = 0;
		p++;
	}
	*s = p;
	t->p = b;
	t->n = (size_t)(p - b);
	if (t->n >= 2 && (b[0] == '"' || b[0] == '\'') && b[t->n - 1] == b[0]) {
		t->p++;
		t->n -= 2;
	}
	return true;
}

static bool tok_is(const struct tok *t, const char *s)
{
	return t->n == strlen(s) && memcmp(t->p, s, t->n) == 0;
}

/* The program's base name without .exe: docker, nerdctl, podman or ctr. */
static bool container_cli(const struct tok *t)
{
	size_t i = t->n;
	while (i && t->p[i - 1] != '/' && t->p[i - 1] != '\\')
		i--;
	struct tok b = {t->p + i, t->n - i};
	if (b.n > 4 && strncasecmp(b.p + b.n - 4, ".exe", 4) == 0)
		b.n -= 4;
	static const char *const names[] = {"docker", "nerdctl", "podman", "ctr"};
	for (size_t k = 0; k < sizeof names / sizeof *names; k++)
		if (b.n == strlen(names[k]) && strncasecmp(b.p, names[k], b.n) == 0)
			return true;
	return false;
}

/* Options before the command that take a value (docker, nerdctl, ctr). */
static bool global_takes_value(const struct tok *t)
{
	static const char *const opts[] = {"-H", "--host", "--context", "-c", "--config", "-l",
	                                   "--log-level", "-n", "--namespace", "-a", "--address",
	                                   "--tlscacert", "--tlscert", "--tlskey", "--url",
	                                   "--connection", "--root", "--runroot"};
	for (size_t k = 0; k < sizeof opts / sizeof *opts; k++)
		if (tok_is(t, opts[k]))
			return true;
	return false;
}

/* Options of run/create that take no value; a short-option cluster of them
 * (-it, -dit) too. Every other option without "=" takes the next word. */
static bool run_flag(const struct tok *t)
{
	static const char *const flags[] = {
		"--detach", "--interactive", "--tty", "--rm", "--privileged", "--publish-all",
		"--init", "--read-only", "--no-healthcheck", "--oom-kill-disable", "--quiet",
		"--disable-content-trust", "--help", "--null-io", "--net-host", "--replace",
		"--sig-proxy", "--pull-always"};
	for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
		if (tok_is(t, flags[k]))
			return true;
	if (t->n >= 2 && t->p[0] == '-' && t->p[1] != '-') {
		for (size_t i = 1; i < t->n; i++)
			if (!strchr("ditPq", t->p[i]))
				return false;
		return true;
	}
	return false;
}

int bt_container_cli_image(const char *cmd, size_t len, char *out, size_t n)
{
	const char *s = cmd, *end = cmd + len;
	struct tok t;
	if (!n || !next_tok(&s, end, &t) || !container_cli(&t))
		return 0;
	/* global options, then run|create (or container run|create) */
	bool cmd_seen = false;
	while (next_tok(&s, end, &t)) {
		if (t.n && t.p[0] == '-') {
			if (!memchr(t.p, '=', t.n) && global_takes_value(&t) && !next_tok(&s, end, &t))
				return 0;
			continue;
		}
		if (tok_is(&t, "container"))
			continue;
		if (tok_is(&t, "run") || tok_is(&t, "create")) {
			cmd_seen = true;
			break;
		}
		return 0;
	}
	if (!cmd_seen)
		return 0;
	while (next_tok(&s, end, &t)) {
		if (tok_is(&t, "--"))
			continue;
		if (t.n && t.p[0] == '-') {
			if (!memchr(t.p, '=', t.n) && !run_flag(&t) && !next_tok(&s, end, &t))
				return 0;
			continue;
		}
		size_t k = t.n < n - 1 ? t.n : n - 1;
		memcpy(out, t.p, k);
		out[k] = '\0';
		return k > 0;
	}
	return 0;
}

/* Lower case, without the default registry and namespace, ":latest" when
 * no tag or digest is given: one name for what Docker and its CLI write. */
static int normalise_image(const char *v, size_t vl, char *out, size_t n)
{
	char buf[512];
	if (vl >= sizeof buf)
		vl = sizeof buf - 1;
	for (size_t i = 0; i < vl; i++)
		buf[i] = (v[i] >= 'A' && v[i] <= 'Z') ? (char)(v[i] - 'A' + 'a') : v[i];
	buf[vl] = '\0';
	const char *p = buf;
	if (strncmp(p, "docker.io/", 10) == 0)
		p += 10;
	else if (strncmp(p, "index.docker.io/", 16) == 0)
		p += 16;
	if (strncmp(p, "library/", 8) == 0)
		p += 8;
	const char *slash = strrchr(p, '/');
	const char *last = slash ? slash + 1 : p;
	bool tagged = strchr(last, ':') || strchr(p, '@');
	/* a bare image id (64 hex digits, or sha256:...) stays as it is */
	int w = snprintf(out, n, "%s%s", p, tagged || strlen(p) == 64 ? "" : ":latest");
	return w > 0 ? 1 : 0;
}

int bt_container_value(const struct bt_event *ev, const char *field, char *out, size_t n)
{
	const char *v;
	size_t vl;
	if (strcmp(field, "ContainerImage") == 0) {
		if (bt_event_field_text(ev, "CommandLine", &v, &vl)) {
			char img[512];
			if (!bt_container_cli_image(v, vl, img, sizeof img))
				return 0;
			return normalise_image(img, strlen(img), out, n);
		}
		/* a process creation's Image is its program, not a container's */
		if (ev->source == BT_SOURCE_EVTX || !bt_event_field_text(ev, "Image", &v, &vl))
			return 0;
		return normalise_image(v, vl, out, n);
	}
	if (strcmp(field, "ContainerAccount") == 0) {
		if (bt_event_field_text(ev, "User", &v, &vl)) {
			snprintf(out, n, "%.*s", (int)vl, v);
			return 1;
		}
		const char *d;
		size_t dl;
		if (!bt_event_field_text(ev, "SubjectUserName", &v, &vl))
			return 0;
		if (bt_event_field_text(ev, "SubjectDomainName", &d, &dl))
			snprintf(out, n, "%.*s\\%.*s", (int)dl, d, (int)vl, v);
		else
			snprintf(out, n, "%.*s", (int)vl, v);
		return 1;
	}
	if (strcmp(field, "HourOfDay") == 0) {
		if (ev->time == BT_TIME_NONE)
			return 0;
		int64_t s = bt_time_to_unix(ev->time);
		int64_t h = ((s % 86400) + 86400) % 86400 / 3600;
		snprintf(out, n, "%02d", (int)h);
		return 1;
	}
	return -1;
}
