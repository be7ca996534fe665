/* sudo's command lines in a journal: who ran a container CLI. */
#include "config.h"

#include "docker/bt_journal_sudo.h"

#include <string.h>

static bool same(const char *p, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

/* The command's program: docker, nerdctl, podman or ctr (any folder). */
static bool container_cli(const char *c, size_t n)
{
	size_t end = 0;
	while (end < n && c[end] != ' ' && c[end] != '\t')
		end++;
	size_t b = end;
	while (b && c[b - 1] != '/')
		b--;
	const char *p = c + b;
	size_t l = end - b;
	return same(p, l, "docker") || same(p, l, "nerdctl") || same(p, l, "podman") ||
	       same(p, l, "ctr");
}

bool bt_sudo_line_parse(const char *prog, size_t prog_len, const char *msg, size_t msg_len,
                        struct bt_sudo_line *out)
{
	if (!same(prog, prog_len, "sudo") || !msg)
		return false;
	memset(out, 0, sizeof *out);
	const char *m = msg, *end = msg + msg_len;
	while (m < end && *m == ' ')
		m++;
	/* "USER : KEY=VALUE ; ... ; COMMAND=..." */
	const char *u = m;
	while (m < end && *m != ' ')
		m++;
	if (m == u || end - m < 3 || memcmp(m, " : ", 3) != 0)
		return false;
	out->user = u;
	out->user_len = (size_t)(m - u);
	m += 3;
	while (m < end) {
		/* KEY=VALUE, KEY in capitals: a refusal ("3 incorrect password
		 * attempts ; ...", "user NOT in sudoers ; ...") has words first */
		const char *k = m, *eq = m;
		while (eq < end && ((*eq >= 'A' && *eq <= 'Z') || *eq == '_'))
			eq++;
		if (eq == k || eq == end || *eq != '=')
			return false;
		const char *v = eq + 1;
		if (same(k, (size_t)(eq - k), "COMMAND")) {
			/* the rest of the line: a command may hold " ; " itself */
			out->command = v;
			out->command_len = (size_t)(end - v);
			while (out->command_len && v[out->command_len - 1] == ' ')
				out->command_len--;
			return out->command_len && container_cli(v, out->command_len);
		}
		const char *sep = v;
		while (sep + 3 <= end && memcmp(sep, " ; ", 3) != 0)
			sep++;
		if (sep + 3 > end)
			return false;
		if (same(k, (size_t)(eq - k), "USER")) {
			out->runas = v;
			out->runas_len = (size_t)(sep - v);
		} else if (same(k, (size_t)(eq - k), "PWD")) {
			out->pwd = v;
			out->pwd_len = (size_t)(sep - v);
		}
		m = sep + 3;
	}
	return false;
}
