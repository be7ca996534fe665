/* Facts of ESXi log messages (bt_esxi_facts.h). The message shapes are
 * those ESXi writes; nothing here guesses beyond what a line states. */
#include "config.h"

#include "esxi/bt_esxi_facts.h"
#include "esxi/bt_esxi_profile.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static void add(struct bt_evbuf *eb, const char *name, const char *v, size_t n)
{
	bt_evbuf_add(eb, name, strlen(name), v, n, 0);
}

static void adds(struct bt_evbuf *eb, const char *name, const char *v)
{
	bt_evbuf_add(eb, name, strlen(name), v, strlen(v), 0);
}

static bool has(const struct bt_evbuf *eb, const char *name)
{
	size_t l = strlen(name);
	for (size_t i = 0; i < eb->ev.nfields; i++)
		if (eb->fv[i].name_len == l && memcmp(eb->fv[i].name, name, l) == 0)
			return true;
	return false;
}

static bool starts(const char *s, size_t n, const char *p)
{
	size_t l = strlen(p);
	return n >= l && memcmp(s, p, l) == 0;
}

static const char *find(const char *s, size_t n, const char *w)
{
	return memmem(s, n, w, strlen(w));
}

/* ---- acceptance levels ---- */

static const char *const levels[] = {"VMwareCertified", "VMwareAccepted", "PartnerSupported",
                                     "CommunitySupported"};

/* The acceptance level word at s (case-insensitive), its canonical
 * spelling, or NULL. */
static const char *level_at(const char *s, size_t n, size_t *len)
{
	for (size_t k = 0; k < sizeof levels / sizeof *levels; k++) {
		size_t l = strlen(levels[k]);
		if (n >= l && strncasecmp(s, levels[k], l) == 0) {
			*len = l;
			return levels[k];
		}
	}
	return NULL;
}

/* A message about the host acceptance level changing: "... from X to Y",
 * "... to Y", "... set to Y". Adds Action acceptance.set and the levels. */
static bool acceptance(struct bt_evbuf *eb, const char *m, size_t n)
{
	const char *a = find(m, n, "cceptance level");
	if (!a || !(find(m, n, "chang") || find(m, n, "set") || find(m, n, "Set") ||
	            find(m, n, "Setting")))
		return false;
	const char *first = NULL, *second = NULL;
	for (size_t i = 0; i < n; i++) {
		size_t l;
		const char *lv = level_at(m + i, n - i, &l);
		if (!lv)
			continue;
		if (!first)
			first = lv;
		else if (!second)
			second = lv;
		i += l - 1;
	}
	if (!first)
		return false;
	adds(eb, "Action", "acceptance.set");
	if (second && find(m, n, "from")) {
		adds(eb, "PreviousAcceptanceLevel", first);
		adds(eb, "AcceptanceLevel", second);
	} else {
		adds(eb, "AcceptanceLevel", second ? second : first);
	}
	return true;
}

/* ---- esxcli command lines ---- */

#define MAX_TOK 64

struct tok {
	const char *s;
	size_t n;
};

/* Splits a command line into words ('...' and "..." quoting). */
static size_t split(const char *s, size_t n, struct tok *t)
{
	size_t k = 0, i = 0;
	while (i < n && k < MAX_TOK) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= n)
			break;
		size_t st = i;
		char q = 0;
		while (i < n && (q || (s[i] != ' ' && s[i] != '\t'))) {
			if (!q && (s[i] == '\'' || s[i] == '"'))
				q = s[i];
			else if (q && s[i] == q)
				q = 0;
			i++;
		}
		const char *w = s + st;
		size_t wl = i - st;
		if (wl >= 2 && (w[0] == '\'' || w[0] == '"') && w[wl - 1] == w[0]) {
			w++;
			wl -= 2;
		}
		t[k++] = (struct tok){w, wl};
	}
	return k;
}

static bool tok_is(const struct tok *t, const char *w)
{
	return t->n == strlen(w) && memcmp(t->s, w, t->n) == 0;
}

/* "--name=value" or "--name value" / "-x value": the option's value. */
static bool opt_value(const struct tok *t, size_t k, size_t *i, const char *lng, const char *shrt,
                      struct tok *v)
{
	const struct tok *w = &t[*i];
	size_t ll = strlen(lng);
	if (w->n > ll + 1 && memcmp(w->s, lng, ll) == 0 && w->s[ll] == '=') {
		*v = (struct tok){w->s + ll + 1, w->n - ll - 1};
		if (v->n >= 2 && (v->s[0] == '\'' || v->s[0] == '"') && v->s[v->n - 1] == v->s[0])
			*v = (struct tok){v->s + 1, v->n - 2};
		return true;
	}
	if ((tok_is(w, lng) || (shrt && tok_is(w, shrt))) && *i + 1 < k) {
		*v = t[++*i];
		return true;
	}
	return false;
}

static bool remote(const char *s, size_t n)
{
	return starts(s, n, "http://") || starts(s, n, "https://") || starts(s, n, "ftp://");
}

void bt_esxi_esxcli(struct bt_evbuf *eb, const char *cmd, size_t n)
{
	struct tok t[MAX_TOK];
	size_t k = split(cmd, n, t);
	size_t i = 0;
	for (; i < k; i++) {
		const struct tok *w = &t[i];
		const char *b = w->s;
		size_t bl = w->n;
		for (size_t j = 0; j < w->n; j++)
			if (w->s[j] == '/') {
				b = w->s + j + 1;
				bl = w->n - j - 1;
			}
		if ((bl == 6 && memcmp(b, "esxcli", 6) == 0) || (bl == 7 && memcmp(b, "localcli", 7) == 0))
			break;
	}
	if (i >= k)
		return;
	/* the namespace: the words up to the first option (global options such
	 * as --formatter=xml may come first) */
	char ns[256];
	size_t nl = 0;
	for (i++; i < k; i++) {
		if (t[i].n && t[i].s[0] == '-') {
			if (nl)
				break;
			/* a global option; "--server x" takes a value */
			if (!memchr(t[i].s, '=', t[i].n) && i + 1 < k && t[i + 1].n && t[i + 1].s[0] != '-' &&
			    (tok_is(&t[i], "--server") || tok_is(&t[i], "-s") || tok_is(&t[i], "--username") ||
			     tok_is(&t[i], "-u") || tok_is(&t[i], "--formatter")))
				i++;
			continue;
		}
		if (nl + t[i].n + 1 >= sizeof ns)
			break;
		if (nl)
			ns[nl++] = ' ';
		memcpy(ns + nl, t[i].s, t[i].n);
		nl += t[i].n;
	}
	if (!nl)
		return;
	add(eb, "EsxcliCommand", ns, nl);
	bool vib = starts(ns, nl, "software vib install") || starts(ns, nl, "software vib update") ||
	           starts(ns, nl, "software profile install") ||
	           starts(ns, nl, "software profile update") || starts(ns, nl, "software component apply");
	bool accept = starts(ns, nl, "software acceptance set");
	bool syslog = starts(ns, nl, "system syslog config set");
	bool local = false, url = false, depot_remote = false, depot_local = false;
	for (; i < k; i++) {
		struct tok v;
		if (tok_is(&t[i], "-f") || tok_is(&t[i], "--force")) {
			adds(eb, "Force", "true");
		} else if (tok_is(&t[i], "--no-sig-check")) {
			adds(eb, "NoSigCheck", "true");
		} else if (vib && opt_value(t, k, &i, "--viburl", "-v", &v)) {
			bt_evbuf_add(eb, "VibUrl", 6, v.s, v.n, BT_FIELD_LIST);
			if (remote(v.s, v.n))
				url = true;
			else
				local = true;
		} else if (vib && opt_value(t, k, &i, "--depot", "-d", &v)) {
			add(eb, "Depot", v.s, v.n);
			if (remote(v.s, v.n))
				depot_remote = true;
			else
				depot_local = true;
		} else if (vib && opt_value(t, k, &i, "--vibname", "-n", &v)) {
			bt_evbuf_add(eb, "VibName", 7, v.s, v.n, BT_FIELD_LIST);
		} else if (vib && opt_value(t, k, &i, "--profile", "-p", &v)) {
			add(eb, "ImageProfile", v.s, v.n);
		} else if (accept && opt_value(t, k, &i, "--level", "-l", &v)) {
			size_t l;
			const char *lv = level_at(v.s, v.n, &l);
			if (lv && l == v.n)
				adds(eb, "AcceptanceLevel", lv);
			else
				add(eb, "AcceptanceLevel", v.s, v.n);
		} else if (syslog && opt_value(t, k, &i, "--loghost", NULL, &v)) {
			add(eb, "SyslogTarget", v.s, v.n);
		} else if (syslog && opt_value(t, k, &i, "--logdir", NULL, &v)) {
			add(eb, "SyslogLogDir", v.s, v.n);
		}
	}
	if (vib)
		adds(eb, "VibSource", local ? "local" : url ? "url" : depot_local ? "offline-bundle"
		                                                     : depot_remote ? "depot" : "unknown");
}

/* ---- one log at a time ---- */

/* The value of key="..." in an audit record's [...] (backslash escapes
 * kept), or NULL. */
static const char *sd_value(const char *m, size_t n, const char *key, size_t *vl)
{
	char k[40];
	int kl = snprintf(k, sizeof k, " %s=\"", key);
	const char *p = find(m, n, k);
	if (!p)
		return NULL;
	const char *v = p + kl;
	size_t rest = n - (size_t)(v - m), l = 0;
	while (l < rest && v[l] != '"') {
		if (v[l] == '\\' && l + 1 < rest)
			l++;
		l++;
	}
	*vl = l;
	return v;
}

static void shell_facts(struct bt_evbuf *eb, const char *m, size_t n)
{
	/* the audit record form: "[shell.cmd@6876 subject="root" object="shell"
	 * command="..." result="success" status="0"]" */
	if (starts(m, n, "[shell.cmd@")) {
		size_t ul, cl;
		const char *u = sd_value(m, n, "subject", &ul);
		const char *c = sd_value(m, n, "command", &cl);
		if (c) {
			adds(eb, "Action", "shell.command");
			if (u)
				add(eb, "User", u, ul);
			add(eb, "Command", c, cl);
			bt_esxi_esxcli(eb, c, cl);
			return;
		}
	}
	/* "[root]: esxcli ..." */
	if (n >= 3 && m[0] == '[') {
		const char *e = memchr(m, ']', n);
		if (e && (size_t)(e - m) + 1 < n && e[1] == ':') {
			adds(eb, "Action", "shell.command");
			add(eb, "User", m + 1, (size_t)(e - m - 1));
			size_t o = (size_t)(e - m) + 2;
			while (o < n && m[o] == ' ')
				o++;
			add(eb, "Command", m + o, n - o);
			bt_esxi_esxcli(eb, m + o, n - o);
			return;
		}
	}
	if (find(m, n, "shell session started") || find(m, n, "Interactive shell session"))
		adds(eb, "Action", "shell.session_start");
}

/* "... for USER from ADDR port N ..." */
static void user_from(struct bt_evbuf *eb, const char *m, size_t n)
{
	const char *f = find(m, n, " for ");
	if (f) {
		const char *u = f + 5;
		size_t rest = n - (size_t)(u - m);
		if (starts(u, rest, "invalid user ")) {
			u += 13;
			rest -= 13;
		}
		size_t ul = 0;
		while (ul < rest && u[ul] != ' ')
			ul++;
		if (ul)
			add(eb, "User", u, ul);
	}
	const char *a = find(m, n, " from ");
	if (a) {
		const char *ad = a + 6;
		size_t rest = n - (size_t)(ad - m), al = 0;
		while (al < rest && ad[al] != ' ')
			al++;
		if (al)
			add(eb, "SourceAddress", ad, al);
		const char *p = find(ad, rest, " port ");
		if (p) {
			const char *pp = p + 6;
			size_t pr = rest - (size_t)(pp - ad), pl = 0;
			while (pl < pr && pp[pl] >= '0' && pp[pl] <= '9')
				pl++;
			if (pl)
				add(eb, "SourcePort", pp, pl);
		}
	}
}

static void auth_facts(struct bt_evbuf *eb, const char *m, size_t n)
{
	/* 8.0: "SSH[PID]: SSH login enabled" when SSH is turned on */
	if (starts(m, n, "SSH login enabled")) {
		adds(eb, "Action", "service.ssh_enabled");
		return;
	}
	if (starts(m, n, "SSH login disabled")) {
		adds(eb, "Action", "service.ssh_disabled");
		return;
	}
	/* a command given to ssh ("ssh root@esx 'esxcli ...'"): never in shell.log */
	if (starts(m, n, "User '") && find(m, n, "' running command '")) {
		const char *u = m + 6;
		const char *ue = find(m, n, "' running command '");
		const char *c = ue + 19;
		size_t cl = n - (size_t)(c - m);
		if (cl && c[cl - 1] == '\'')
			cl--;
		adds(eb, "Action", "shell.command");
		adds(eb, "CommandVia", "ssh");
		add(eb, "User", u, (size_t)(ue - u));
		add(eb, "Command", c, cl);
		bt_esxi_esxcli(eb, c, cl);
		return;
	}
	if (starts(m, n, "Accepted ")) {
		adds(eb, "Action", "ssh.login");
		const char *sp = memchr(m + 9, ' ', n - 9);
		if (sp)
			add(eb, "AuthMethod", m + 9, (size_t)(sp - (m + 9)));
		user_from(eb, m, n);
	} else if (starts(m, n, "Failed ") || find(m, n, "Authentication failure for")) {
		adds(eb, "Action", "ssh.login_failed");
		user_from(eb, m, n);
	}
}

/* "[Originator@6876 sub=X opID=Y user=Z]" */
static size_t originator(struct bt_evbuf *eb, const char *m, size_t n)
{
	if (!starts(m, n, "[Originator@"))
		return 0;
	const char *e = memchr(m, ']', n);
	if (!e)
		return 0;
	size_t end = (size_t)(e - m);
	static const struct {
		const char *key, *field;
	} keys[] = {{" sub=", "Sub"}, {" opID=", "OpId"}, {" user=", "User"}};
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
		const char *p = find(m, end, keys[k].key);
		if (!p)
			continue;
		const char *v = p + strlen(keys[k].key);
		size_t vl = 0;
		while (v + vl < e && v[vl] != ' ')
			vl++;
		add(eb, keys[k].field, v, vl);
		if (k == 0 && starts(v, vl, "Vmsvc.vm:"))
			add(eb, "VmxPath", v + 9, vl - 9);
	}
	size_t o = end + 1;
	while (o < n && m[o] == ' ')
		o++;
	return o;
}

static void vm_name_from_vmx(struct bt_evbuf *eb, const char *p, size_t n)
{
	size_t b = n;
	while (b && p[b - 1] != '/')
		b--;
	size_t l = n - b;
	if (l > 4 && memcmp(p + n - 4, ".vmx", 4) == 0)
		add(eb, "VmName", p + b, l - 4);
}

static void hostd_facts(struct bt_evbuf *eb, const char *m, size_t n)
{
	size_t o = originator(eb, m, n);
	m += o;
	n -= o;
	const char *st = find(m, n, "State Transition (");
	if (st) {
		const char *arrow = find(st, n - (size_t)(st - m), "-> VM_STATE_");
		if (arrow) {
			const char *to = arrow + 12;
			size_t rest = n - (size_t)(to - m);
			const char *act = starts(to, rest, "ON)") ? "vm.power_on"
			                  : starts(to, rest, "OFF)") ? "vm.power_off" : NULL;
			if (act) {
				adds(eb, "Action", act);
				for (size_t i = 0; i < eb->ev.nfields; i++)
					if (strcmp(eb->fv[i].name, "VmxPath") == 0) {
						/* copied: adding a field may move the vector */
						char vmx[512];
						size_t l = eb->fv[i].text_len < sizeof vmx ? eb->fv[i].text_len : sizeof vmx;
						memcpy(vmx, eb->fv[i].text, l);
						vm_name_from_vmx(eb, vmx, l);
						break;
					}
				return;
			}
		}
	}
	if (starts(m, n, "Event ")) {
		const char *c = find(m, n, " : ");
		if (c) {
			const char *t = c + 3;
			size_t tl = n - (size_t)(t - m);
			const char *on = find(t, tl, " is powered on");
			const char *off = find(t, tl, " is powered off");
			const char *p = on ? on : off;
			if (p) {
				adds(eb, "Action", on ? "vm.power_on" : "vm.power_off");
				/* "NAME on HOST in ha-datacenter is powered on" */
				const char *h = NULL;
				for (const char *q = t; q && q < p;) {
					const char *r = find(q, (size_t)(p - q), " on ");
					if (!r)
						break;
					h = r;
					q = r + 4;
				}
				add(eb, "VmName", t, h ? (size_t)(h - t) : (size_t)(p - t));
				return;
			}
			/* "SSH for the host H has been enabled", "SSH access has been
			 * enabled." (8.0 logs both, events 130 and 129) */
			bool ssh = starts(t, tl, "SSH for the host") || starts(t, tl, "SSH access has been");
			bool sh = starts(t, tl, "ESXi Shell for the host");
			if (ssh || sh) {
				bool en = find(t, tl, "has been enabled") != NULL;
				bool dis = find(t, tl, "has been disabled") != NULL;
				if (en || dis) {
					adds(eb, "Action", ssh ? (en ? "service.ssh_enabled" : "service.ssh_disabled")
					                       : (en ? "service.shell_enabled" : "service.shell_disabled"));
					return;
				}
			}
			if (starts(t, tl, "User ") && find(t, tl, " logged in")) {
				adds(eb, "Action", "hostd.login");
				const char *u = t + 5;
				size_t ul = 0;
				while (u + ul < t + tl && u[ul] != ' ' && u[ul] != '@')
					ul++;
				add(eb, "LoginUser", u, ul);   /* User: hostd's acting user */
				if (u + ul < t + tl && u[ul] == '@') {
					const char *a = u + ul + 1;
					size_t al = 0;
					while (a + al < t + tl && a[al] != ' ')
						al++;
					add(eb, "SourceAddress", a, al);
				}
				return;
			}
		}
	}
	const char *tc = find(m, n, "Task Created : ");
	if (tc) {
		const char *id = tc + 15;
		size_t il = n - (size_t)(id - m);
		size_t e = 0;
		while (e < il && id[e] != ' ')
			e++;
		add(eb, "TaskId", id, e);
		/* haTask-<entity>-vim.<Type>.<method>-<n> */
		const char *v = find(id, e, "-vim.");
		if (v) {
			const char *tn = v + 1;
			size_t tl = (size_t)(id + e - tn);
			while (tl && tn[tl - 1] >= '0' && tn[tl - 1] <= '9')
				tl--;
			if (tl && tn[tl - 1] == '-')
				tl--;
			add(eb, "Task", tn, tl);
		}
		adds(eb, "Action", "hostd.task");
	}
}

/* Python's repr of the esxupdate options: "{'viburls': ['/tmp/x.vib'],
 * 'nosigcheck': True, ...}". Value of `key`, or NULL. */
static const char *pyopt(const char *m, size_t n, const char *key, size_t *vl)
{
	char k[40];
	int kl = snprintf(k, sizeof k, "'%s': ", key);
	const char *p = find(m, n, k);
	if (!p)
		return NULL;
	const char *v = p + kl;
	size_t rest = n - (size_t)(v - m), l = 0;
	if (rest && v[0] == '[') {
		const char *e = memchr(v, ']', rest);
		l = e ? (size_t)(e - v) + 1 : rest;
	} else {
		while (l < rest && v[l] != ',' && v[l] != '}')
			l++;
	}
	*vl = l;
	return v;
}

/* Each quoted string of a Python list or string. */
static void py_strings(struct bt_evbuf *eb, const char *field, const char *v, size_t n,
                       bool *local, bool *remote_seen)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] != '\'')
			continue;
		const char *e = memchr(v + i + 1, '\'', n - i - 1);
		if (!e)
			return;
		const char *s = v + i + 1;
		size_t l = (size_t)(e - s);
		bt_evbuf_add(eb, field, strlen(field), s, l, BT_FIELD_LIST);
		if (remote(s, l))
			*remote_seen = true;
		else
			*local = true;
		i = (size_t)(e - v);
	}
}

/* The vendor of a VIB id "VENDOR_bootbank_NAME_VERSION" ("_locker_" for
 * VMware Tools): its length, 0 when the id has no such shape. */
static size_t vib_vendor(const char *id, size_t n)
{
	for (size_t i = 1; i + 1 < n; i++)
		if (id[i] == '_')
			return starts(id + i, n - i, "_bootbank_") || starts(id + i, n - i, "_locker_") ? i : 0;
	return 0;
}

/* "ID, ID, ...": VibName, VibVendor, VibVendorCheck and the image profile. */
static void vibs_installed(struct bt_evbuf *eb, const char *s, size_t rest,
                           const struct bt_esxi_facts_state *st)
{
	static const char *const rank[] = {"vmware", "image", "unchecked", "foreign"};
	const char *pv = st->profile ? st->profile->vendor : NULL;
	int worst = -1;
	adds(eb, "Action", "vib.installed");
	while (rest) {
		size_t l = 0;
		while (l < rest && s[l] != ',')
			l++;
		size_t b = 0;
		while (b < l && s[b] == ' ')
			b++;
		size_t e = l;
		while (e > b && s[e - 1] == ' ')
			e--;
		if (e > b) {
			bt_evbuf_add(eb, "VibName", 7, s + b, e - b, BT_FIELD_LIST);
			size_t vl = vib_vendor(s + b, e - b);
			if (vl) {
				bt_evbuf_add(eb, "VibVendor", 9, s + b, vl, BT_FIELD_LIST);
				const char *c = bt_esxi_vib_vendor_check(s + b, vl, pv);
				for (int k = 0; k < 4; k++)
					if (strcmp(c, rank[k]) == 0 && k > worst)
						worst = k;
			}
		}
		s += l;
		rest -= l;
		if (rest) {
			s++;
			rest--;
		}
	}
	if (worst >= 0)
		adds(eb, "VibVendorCheck", rank[worst]);
	if (st->profile) {
		if (st->profile->name[0])
			adds(eb, "HostImageProfile", st->profile->name);
		adds(eb, "HostImageProfileVendor", st->profile->vendor);
		adds(eb, "HostImageProfileSource", st->profile->source);
	}
}

static void update_facts(struct bt_evbuf *eb, const char *pid, size_t pid_len, const char *m,
                         size_t n, struct bt_esxi_facts_state *st)
{
	/* 6.7/7.0 "esxupdate: 2099537: root: INFO: msg": the pid in the message */
	if (!pid && n && m[0] >= '0' && m[0] <= '9') {
		size_t l = 0;
		while (l < n && m[l] >= '0' && m[l] <= '9')
			l++;
		if (l < n && m[l] == ':') {
			pid = m;
			pid_len = l;
			add(eb, "Pid", m, l);
			m += l + 1;
			n -= l + 1;
			while (n && *m == ' ')
				m++, n--;
		}
	}
	/* "root: INFO: " logger and level */
	for (int k = 0; k < 2; k++) {
		const char *c = memchr(m, ':', n);
		if (!c || (size_t)(c - m) > 40 || memchr(m, ' ', (size_t)(c - m)))
			break;
		if (k == 1)
			add(eb, "LogLevel", m, (size_t)(c - m));
		else
			add(eb, "Logger", m, (size_t)(c - m));
		size_t o = (size_t)(c - m) + 1;
		while (o < n && m[o] == ' ')
			o++;
		m += o;
		n -= o;
	}
	char pidz[24] = "";
	if (pid && pid_len < sizeof pidz) {
		memcpy(pidz, pid, pid_len);
		pidz[pid_len] = '\0';
	}
	if (starts(m, n, "Command = ")) {
		size_t l = n - 10 < sizeof st->update_cmd - 1 ? n - 10 : sizeof st->update_cmd - 1;
		memcpy(st->update_cmd, m + 10, l);
		st->update_cmd[l] = '\0';
		snprintf(st->update_pid, sizeof st->update_pid, "%s", pidz);
		add(eb, "EsxupdateCommand", m + 10, n - 10);
		adds(eb, "Action", "esxupdate.command");
		return;
	}
	if (starts(m, n, "Options = ")) {
		bool same = st->update_cmd[0] && strcmp(st->update_pid, pidz) == 0;
		if (same)
			adds(eb, "EsxupdateCommand", st->update_cmd);
		bool vib = same && (starts(st->update_cmd, strlen(st->update_cmd), "vib.") ||
		                    starts(st->update_cmd, strlen(st->update_cmd), "profile."));
		adds(eb, "Action", vib ? "vib.install" : "esxupdate.options");
		size_t vl;
		const char *v;
		bool local = false, url = false, dl = false, dr = false;
		if ((v = pyopt(m, n, "viburls", &vl)))
			py_strings(eb, "VibUrl", v, vl, &local, &url);
		if ((v = pyopt(m, n, "meta", &vl)))
			py_strings(eb, "Depot", v, vl, &dl, &dr);
		if ((v = pyopt(m, n, "nosigcheck", &vl)) && starts(v, vl, "True"))
			adds(eb, "NoSigCheck", "true");
		if ((v = pyopt(m, n, "force", &vl)) && starts(v, vl, "True"))
			adds(eb, "Force", "true");
		if ((v = pyopt(m, n, "level", &vl)) && vl > 2 && v[0] == '\'') {
			size_t l;
			const char *lv = level_at(v + 1, vl - 1, &l);
			if (lv)
				adds(eb, "AcceptanceLevel", lv);
		}
		if (vib)
			adds(eb, "VibSource", local ? "local" : url ? "url" : dl ? "offline-bundle"
			                                                     : dr ? "depot" : "unknown");
		return;
	}
	if (acceptance(eb, m, n))
		return;
	/* esxcli prints "VIBs Installed: ID, ..."; the logs' spelling varies */
	const char *iv = find(m, n, "VIBs installed: ");
	if (!iv)
		iv = find(m, n, "VIBs Installed: ");
	if (iv)
		vibs_installed(eb, iv + 16, n - (size_t)(iv + 16 - m), st);
}

static void vobd_facts(struct bt_evbuf *eb, const char *m, size_t n)
{
	/* "[Correlator] 1234us: [vob.id] text" */
	const char *b = find(m, n, "us: [");
	if (!b)
		return;
	const char *id = b + 5;
	size_t rest = n - (size_t)(id - m);
	const char *e = memchr(id, ']', rest);
	if (!e)
		return;
	size_t il = (size_t)(e - id);
	add(eb, "VobId", id, il);
	const char *t = e + 1;
	size_t tl = n - (size_t)(t - m);
	while (tl && *t == ' ')
		t++, tl--;
	static const struct {
		const char *id, *action;
	} map[] = {
		{"esx.audit.ssh.enabled", "service.ssh_enabled"},
		{"esx.audit.ssh.disabled", "service.ssh_disabled"},
		{"esx.audit.shell.enabled", "service.shell_enabled"},
		{"esx.audit.shell.disabled", "service.shell_disabled"},
		{"esx.audit.ssh.session.opened", "ssh.session_open"},
		{"vob.user.ssh.session.opened", "ssh.session_open"},
		{"esx.audit.dcui.login.passed", "dcui.login"},
		{"vob.user.dcui.login.passed", "dcui.login"},
		{"esx.audit.esximage.vib.install.successful", "vib.installed"},
		{"esx.audit.esximage.hostacceptance.changed", "acceptance.set"},
		{"esx.audit.net.firewall.config.changed", "firewall.changed"},
		{"esx.audit.net.firewall.disabled", "firewall.changed"},
		{"esx.audit.net.firewall.enabled", "firewall.changed"},
	};
	for (size_t k = 0; k < sizeof map / sizeof *map; k++) {
		if (strlen(map[k].id) != il || memcmp(map[k].id, id, il) != 0)
			continue;
		if (strcmp(map[k].action, "acceptance.set") == 0 && acceptance(eb, t, tl))
			return;
		adds(eb, "Action", map[k].action);
		/* "... for 'root@10.0.0.5'." */
		const char *q = find(t, tl, "for '");
		if (q) {
			const char *u = q + 5;
			size_t ur = tl - (size_t)(u - t), ul = 0;
			while (ul < ur && u[ul] != '@' && u[ul] != '\'')
				ul++;
			add(eb, "User", u, ul);
			if (ul < ur && u[ul] == '@') {
				const char *a = u + ul + 1;
				size_t al = 0;
				while (a + al < t + tl && a[al] != '\'')
					al++;
				add(eb, "SourceAddress", a, al);
			}
		}
		return;
	}
}

/* vmware.log's dump of the VM's configuration when it starts:
 * "DICT          displayName = \"NAME\"", "DICT  guestinfo.hostname = \"H\"". */
static void vmx_facts(struct bt_evbuf *eb, const char *m, size_t n, struct bt_esxi_facts_state *st)
{
	if (!starts(m, n, "DICT "))
		return;
	size_t i = 5;
	while (i < n && m[i] == ' ')
		i++;
	size_t k = i;
	while (i < n && m[i] != ' ' && m[i] != '=')
		i++;
	const char *key = m + k;
	size_t kl = i - k;
	while (i < n && m[i] == ' ')
		i++;
	if (i >= n || m[i] != '=')
		return;
	i++;
	while (i < n && m[i] == ' ')
		i++;
	if (i >= n || m[i] != '"')
		return;
	const char *v = m + i + 1;
	const char *e = memchr(v, '"', n - i - 1);
	if (!e || e == v)
		return;
	size_t vl = (size_t)(e - v);
	if (kl == 11 && strncasecmp(key, "displayName", 11) == 0) {
		adds(eb, "Action", "vm.config");
		add(eb, "VmName", v, vl);
		if (vl < sizeof st->vm_name) {
			memcpy(st->vm_name, v, vl);
			st->vm_name[vl] = '\0';
		}
	} else if (kl == 18 && strncasecmp(key, "guestinfo.hostname", 18) == 0) {
		adds(eb, "Action", "vm.guest_hostname");
		add(eb, "GuestHostname", v, vl);
		adds(eb, "GuestHostnameSource", "guestinfo.hostname");
		if (st->vm_name[0])
			adds(eb, "VmName", st->vm_name);
	}
}

void bt_esxi_facts(struct bt_evbuf *eb, const char *provider, const char *pid, size_t pid_len,
                   const char *msg, size_t n, struct bt_esxi_facts_state *st)
{
	if (strcmp(provider, "shell") == 0)
		shell_facts(eb, msg, n);
	else if (strcmp(provider, "auth") == 0)
		auth_facts(eb, msg, n);
	else if (strcmp(provider, "hostd") == 0)
		hostd_facts(eb, msg, n);
	else if (strcmp(provider, "esxupdate") == 0 || strcmp(provider, "lifecycle") == 0)
		update_facts(eb, pid, pid_len, msg, n, st);
	else if (strcmp(provider, "vobd") == 0)
		vobd_facts(eb, msg, n);
	else if (strcmp(provider, "vmx") == 0)
		vmx_facts(eb, msg, n, st);
	if (!has(eb, "Action") && !acceptance(eb, msg, n))
		adds(eb, "Action", "esxi.log");
}
