/* ESXi log line heads (bt_esxi_line.h). */
#include "config.h"

#include "esxi/bt_esxi_line.h"

#include <string.h>
#include <strings.h>

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The RFC 3339 time at s[0]: "YYYY-MM-DDTHH:MM:SS[.f](Z|+HH:MM|-HH:MM)".
 * Returns its length, 0 when there is none. */
static size_t stamp_len(const char *s, size_t n)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd";
	if (n < sizeof pat - 1)
		return 0;
	for (size_t i = 0; i < sizeof pat - 1; i++)
		if (pat[i] == 'd' ? !digit(s[i]) : s[i] != pat[i])
			return 0;
	size_t i = sizeof pat - 1;
	if (i < n && s[i] == '.') {
		size_t f = ++i;
		while (i < n && digit(s[i]) && i - f < 9)
			i++;
		if (i == f)
			return 0;
	}
	if (i < n && s[i] == 'Z')
		return i + 1;
	if (i + 6 <= n && (s[i] == '+' || s[i] == '-') && digit(s[i + 1]) && digit(s[i + 2]) &&
	    s[i + 3] == ':' && digit(s[i + 4]) && digit(s[i + 5]))
		return i + 6;
	return 0;
}

/* A program name: no space, no '[' nor ':', at most 64 bytes. */
static size_t ident_len(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && i < 64 && s[i] != ' ' && s[i] != '[' && s[i] != ':' && s[i] != ']' &&
	       (unsigned char)s[i] > 0x20)
		i++;
	return i == 64 ? 0 : i;
}

/* "IDENT[PID]" at s: sets ident and pid, returns the length (0: none). */
static size_t ident_pid(const char *s, size_t n, struct bt_esxi_line *o)
{
	size_t il = ident_len(s, n);
	if (!il || il >= n || s[il] != '[')
		return 0;
	size_t i = il + 1, p = i;
	/* a decimal pid; hostd 6.5 writes its thread id in hex ("hostd[6C88890]") */
	while (i < n && i - p < 20 &&
	       (digit(s[i]) || (s[i] >= 'A' && s[i] <= 'F') || (s[i] >= 'a' && s[i] <= 'f')))
		i++;
	if (i == p || i >= n || s[i] != ']')
		return 0;
	o->ident = s;
	o->ident_len = il;
	o->pid = s + p;
	o->pid_len = i - p;
	return i + 1;
}

static const struct {
	const char *abbr;
	int level;
} sev8[] = {{"Em", 1}, {"Al", 1}, {"Cr", 1}, {"Er", 2},
            {"Wa", 3}, {"No", 4}, {"In", 4}, {"Db", 5}};

/* The level of 8.0's two-letter severity at s, or -1. */
static int sev8_level(const char *s)
{
	for (size_t k = 0; k < sizeof sev8 / sizeof *sev8; k++)
		if (s[0] == sev8[k].abbr[0] && s[1] == sev8[k].abbr[1])
			return sev8[k].level;
	return -1;
}

static const struct {
	const char *word;
	int level;
} hostd_levels[] = {{"panic", 1},   {"critical", 1}, {"error", 2},  {"warning", 3},
                    {"info", 4},    {"verbose", 5},  {"trivia", 5}, {"debug", 5}};

/* After "TIME ": "Sv(PRI)[+] IDENT[PID]: " (8.0). */
static bool head_v8(const char *s, size_t n, struct bt_esxi_line *o)
{
	if (n < 5 || s[2] != '(')
		return false;
	int lvl = sev8_level(s);
	if (lvl < 0)
		return false;
	size_t i = 3;
	int pri = 0;
	while (i < n && digit(s[i]) && i < 6)
		pri = pri * 10 + (s[i++] - '0');
	if (i == 3 || i >= n || s[i] != ')' || pri > 191)
		return false;
	i++;
	bool cont = i < n && s[i] == '+';
	if (cont)
		i++;
	if (i >= n || s[i] != ' ')
		return false;
	i++;
	size_t l = ident_pid(s + i, n - i, o);
	if (l) {
		i += l;
	} else {
		/* "vmkernel: ..." has no [PID] */
		size_t il = ident_len(s + i, n - i);
		if (!il)
			return false;
		o->ident = s + i;
		o->ident_len = il;
		o->pid = NULL;
		o->pid_len = 0;
		i += il;
	}
	if (i >= n || s[i] != ':')
		return false;
	i++;
	if (i < n && s[i] == ' ')
		i++;
	o->shape = BT_ESXI_SHAPE_V8;
	o->sev = s;
	o->sev_len = 2;
	o->pri = pri;
	o->level = lvl;
	o->cont = cont;
	o->msg_off = i;
	return true;
}

/* A word of vmware.log's head (a thread, an operation id): no space, no
 * '|', at most 64 bytes. Its length, 0 when there is none. */
static size_t word_len(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && i < 64 && s[i] != ' ' && s[i] != '|' && (unsigned char)s[i] > 0x20)
		i++;
	return i == 64 ? 0 : i;
}

/* After "TIME Sv(PRI) " of 8.0's vmware.log: "THREAD OPID MSG". */
static bool head_vmx8(const char *s, size_t n, struct bt_esxi_line *o)
{
	if (n < 5 || s[2] != '(')
		return false;
	int lvl = sev8_level(s);
	size_t i = 3;
	while (i < n && i < 6 && digit(s[i]))
		i++;
	if (lvl < 0 || i == 3 || i >= n || s[i] != ')' || i + 1 >= n || s[i + 1] != ' ')
		return false;
	size_t sl = i + 1;   /* the severity field's length, with ')' */
	i += 2;
	size_t tl = word_len(s + i, n - i);
	if (!tl || i + tl >= n || s[i + tl] != ' ' || s[i + tl - 1] == ':')
		return false;
	size_t t = i;
	i += tl + 1;
	size_t ol = word_len(s + i, n - i);
	if (!ol || (i + ol < n && s[i + ol] != ' '))
		return false;
	o->shape = BT_ESXI_SHAPE_VMX;
	o->pid = NULL;
	o->pid_len = 0;
	o->sev = s;
	o->sev_len = 2;
	o->level = lvl;
	o->pri = 0;
	for (size_t d = 3; d < sl - 1; d++)
		o->pri = o->pri * 10 + (s[d] - '0');
	o->ident = s + t;
	o->ident_len = tl;
	o->opid = s + i;
	o->opid_len = ol;
	i += ol;
	o->msg_off = i < n ? i + 1 : i;
	return true;
}

/* After "TIME": "| THREAD| [Lnnn: ]MSG" (6.7/7.0 vmware.log). */
static bool head_vmx(const char *s, size_t n, struct bt_esxi_line *o)
{
	if (n < 4 || s[0] != '|' || s[1] != ' ')
		return false;
	size_t tl = word_len(s + 2, n - 2);
	if (!tl || 2 + tl >= n || s[2 + tl] != '|')
		return false;
	o->shape = BT_ESXI_SHAPE_VMX;
	o->ident = s + 2;
	o->ident_len = tl;
	size_t i = 3 + tl;
	if (i < n && s[i] == ' ')
		i++;
	/* "I125: " (info), "W115: ", "E105: ", "A100: " */
	size_t d = i + 1;
	while (d < n && d - i <= 4 && digit(s[d]))
		d++;
	if (d > i + 1 && d < n && s[d] == ':' && (s[i] == 'I' || s[i] == 'W' || s[i] == 'E' ||
	                                           s[i] == 'A')) {
		o->sev = s + i;
		o->sev_len = d - i;
		o->level = s[i] == 'W' ? 3 : s[i] == 'E' ? 2 : 4;
		i = d + 1;
		if (i < n && s[i] == ' ')
			i++;
	}
	o->msg_off = i;
	return true;
}

/* After "TIME ": "level IDENT[PID] " (6.7/7.0 hostd). */
static bool head_hostd(const char *s, size_t n, struct bt_esxi_line *o)
{
	for (size_t k = 0; k < sizeof hostd_levels / sizeof *hostd_levels; k++) {
		size_t wl = strlen(hostd_levels[k].word);
		if (n <= wl || memcmp(s, hostd_levels[k].word, wl) != 0 || s[wl] != ' ')
			continue;
		size_t i = wl + 1;
		size_t l = ident_pid(s + i, n - i, o);
		if (!l)
			return false;
		i += l;
		if (i < n && s[i] != ' ')
			return false;
		if (i < n)
			i++;
		o->shape = BT_ESXI_SHAPE_HOSTD;
		o->sev = s;
		o->sev_len = wl;
		o->level = hostd_levels[k].level;
		o->msg_off = i;
		return true;
	}
	return false;
}

bool bt_esxi_line_parse(const char *s, size_t n, struct bt_esxi_line *o)
{
	memset(o, 0, sizeof *o);
	o->pri = -1;
	o->level = -1;
	size_t t = stamp_len(s, n);
	if (!t)
		return false;
	int off;
	bool zone;
	if (!bt_time_parse(s, t, &o->time, &off, &zone))
		return false;
	o->stamp = s;
	o->stamp_len = t;
	const char *r = s + t;
	size_t rn = n - t;
	/* vobd 6.7/7.0: "TIME: [Correlator] ..." */
	if (rn >= 1 && r[0] == ':') {
		o->shape = BT_ESXI_SHAPE_VOBD;
		o->msg_off = t + 1 + (rn >= 2 && r[1] == ' ');
		return true;
	}
	if (head_vmx(r, rn, o)) {
		o->msg_off += t;
		return true;
	}
	if (rn < 2 || r[0] != ' ')
		return false;
	r++;
	rn--;
	size_t base = t + 1;
	if (head_v8(r, rn, o) || head_vmx8(r, rn, o) || head_hostd(r, rn, o)) {
		o->msg_off += base;
		return true;
	}
	size_t l = ident_pid(r, rn, o);
	if (l && l < rn && r[l] == ':') {
		o->shape = BT_ESXI_SHAPE_SYSLOG;
		o->msg_off = base + l + 1 + (l + 1 < rn && r[l + 1] == ' ');
		return true;
	}
	o->ident = o->pid = NULL;
	o->ident_len = o->pid_len = 0;
	/* vmkernel.log 6.7/7.0: "cpu0:262792)Jumpstart plugin ..." (the message
	 * keeps "cpuN:WORLD)", as 8.0's "vmkernel: cpu0:...)" does) */
	if (rn > 6 && memcmp(r, "cpu", 3) == 0 && digit(r[3])) {
		size_t i = 4;
		while (i < rn && i < 8 && digit(r[i]))
			i++;
		if (i < rn && r[i] == ':') {
			size_t w = ++i;
			while (i < rn && i - w < 12 && digit(r[i]))
				i++;
			if (i > w && i < rn && r[i] == ')') {
				o->shape = BT_ESXI_SHAPE_VMK;
				o->msg_off = base;
				return true;
			}
		}
	}
	/* the line 6.7/7.0 start a log with: "TIME - time the service was last
	 * started ..., Section for VMware ESX, pid=..., version=..." or "TIME last
	 * log rotation time, ..." (no program) */
	if (memmem(r, rn, "Section for VMware ESX", 22)) {
		o->shape = BT_ESXI_SHAPE_BARE;
		o->msg_off = base + (rn >= 2 && r[0] == '-' && r[1] == ' ' ? 2 : 0);
		return true;
	}
	size_t il = ident_len(r, rn);
	if (il && il < rn && r[il] == ':' && (il + 1 == rn || r[il + 1] == ' ')) {
		o->shape = BT_ESXI_SHAPE_BARE;
		o->ident = r;
		o->ident_len = il;
		o->msg_off = base + il + 1 + (il + 1 < rn);
		return true;
	}
	return false;
}

static bool is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

const char *bt_esxi_provider(const char *ident, size_t n, enum bt_esxi_shape shape)
{
	if (shape == BT_ESXI_SHAPE_VOBD)
		return "vobd";
	if (shape == BT_ESXI_SHAPE_VMX)
		return "vmx";
	if (shape == BT_ESXI_SHAPE_VMK)
		return "vmkernel";
	if (!ident)
		return "syslog";
	if (is(ident, n, "hostd") || is(ident, n, "hostd-probe"))
		return "hostd";
	if (is(ident, n, "shell") || is(ident, n, "ESXShell"))
		return "shell";
	/* "SSH[PID]: SSH login enabled" is written to auth.log (8.0) */
	if (is(ident, n, "sshd") || is(ident, n, "SSH") || is(ident, n, "dcui") ||
	    is(ident, n, "login") || is(ident, n, "su"))
		return "auth";
	if (is(ident, n, "esxupdate"))
		return "esxupdate";
	if (is(ident, n, "lifecycle") || is(ident, n, "imagemanagerctl"))
		return "lifecycle";
	if (is(ident, n, "vobd"))
		return "vobd";
	if (is(ident, n, "vmkernel") || is(ident, n, "vmkwarning"))
		return "vmkernel";
	return "syslog";
}
