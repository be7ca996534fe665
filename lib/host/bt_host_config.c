/* Host configuration files: host names and addresses, one event a fact. */
#include "config.h"

#include "host/bt_host_config.h"

#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bt_ip.h"
#include "core/bt_time.h"
#include "io/bt_stream.h"

/* Whether `path` names a file right in a folder ending in `dir` ("etc/netplan/")
 * whose name matches `pattern` (fnmatch). */
static bool dir_file(const char *path, const char *dir, const char *pattern)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dl = strlen(dir), pl = (size_t)(base - path);
	if (pl < dl || memcmp(base - dl, dir, dl) != 0 || (pl > dl && base[-(ptrdiff_t)dl - 1] != '/'))
		return false;
	return fnmatch(pattern, base, 0) == 0;
}

/* Docker copies the host's /etc/hosts and /etc/hostname into the folder of a
 * container that runs with the host's network (containers/<id>/hosts,
 * hostname): there they are the host's. Of any other container they are the
 * container's own, and not these facts. */
static enum bt_host_file container_copy(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return BT_HOST_FILE_NONE;
	enum bt_host_file kind = strcmp(slash + 1, "hosts") == 0      ? BT_HOST_FILE_HOSTS
	                         : strcmp(slash + 1, "hostname") == 0 ? BT_HOST_FILE_HOSTNAME
	                                                              : BT_HOST_FILE_NONE;
	const char *c = slash;
	while (c > path && c[-1] != '/')
		c--;
	if (kind == BT_HOST_FILE_NONE || c - path < 11 || strncmp(c - 11, "containers/", 11) != 0)
		return BT_HOST_FILE_NONE;
	char hc[4096];
	if (snprintf(hc, sizeof hc, "%.*s/hostconfig.json", (int)(slash - path), path) >= (int)sizeof hc)
		return BT_HOST_FILE_NONE;
	FILE *f = fopen(hc, "re");
	if (!f)
		return BT_HOST_FILE_NONE;
	static const char want[] = "\"NetworkMode\":\"host\"";
	char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, want) ? kind : BT_HOST_FILE_NONE;
}

enum bt_host_file bt_host_file_kind(const char *path)
{
	static const struct { const char *dir, *pattern; enum bt_host_file kind; } places[] = {
		{"etc/", "hostname", BT_HOST_FILE_HOSTNAME},
		{"etc/", "hosts", BT_HOST_FILE_HOSTS},
		{"live_response/network/", "hostname.txt", BT_HOST_FILE_HOSTNAME},
		{"live_response/network/", "hostname_-f.txt", BT_HOST_FILE_HOSTNAME},
		{"live_response/network/", "uname_-n.txt", BT_HOST_FILE_HOSTNAME},
		{"live_response/system/", "hostname.txt", BT_HOST_FILE_HOSTNAME},
		{"live_response/system/", "uname_-n.txt", BT_HOST_FILE_HOSTNAME},
		{"live_response/network/", "ip_addr_show.txt", BT_HOST_FILE_IP_ADDR},
		{"live_response/network/", "ip_address_show.txt", BT_HOST_FILE_IP_ADDR},
		{"live_response/network/", "ifconfig_-a.txt", BT_HOST_FILE_IFCONFIG},
		{"etc/netplan/", "*.yaml", BT_HOST_FILE_NETPLAN},
		{"etc/netplan/", "*.yml", BT_HOST_FILE_NETPLAN},
		{"etc/NetworkManager/system-connections/", "*.nmconnection", BT_HOST_FILE_NM_KEYFILE},
		{"etc/network/", "interfaces", BT_HOST_FILE_IFUPDOWN},
		{"etc/network/interfaces.d/", "*", BT_HOST_FILE_IFUPDOWN},
		{"etc/systemd/network/", "*.network", BT_HOST_FILE_NETWORKD},
		{"var/lib/dhcp/", "dhclient*.leases", BT_HOST_FILE_DHCP_LEASE},
		{"var/lib/dhclient/", "*.lease*", BT_HOST_FILE_DHCP_LEASE},
		{"var/lib/NetworkManager/", "*.lease", BT_HOST_FILE_DHCP_LEASE},
		{"run/systemd/netif/leases/", "*", BT_HOST_FILE_DHCP_LEASE},
	};
	for (size_t i = 0; i < sizeof places / sizeof *places; i++)
		if (dir_file(path, places[i].dir, places[i].pattern))
			return places[i].kind;
	return container_copy(path);
}

static const char *kind_name(enum bt_host_file k)
{
	switch (k) {
	case BT_HOST_FILE_HOSTNAME: return "hostname";
	case BT_HOST_FILE_HOSTS: return "hosts";
	case BT_HOST_FILE_NETPLAN: return "netplan";
	case BT_HOST_FILE_IP_ADDR: return "ip-addr";
	case BT_HOST_FILE_IFCONFIG: return "ifconfig";
	case BT_HOST_FILE_NM_KEYFILE: return "networkmanager";
	case BT_HOST_FILE_IFUPDOWN: return "ifupdown";
	case BT_HOST_FILE_NETWORKD: return "networkd";
	case BT_HOST_FILE_DHCP_LEASE: return "dhcp-lease";
	default: return "?";
	}
}

struct hc {
	enum bt_host_file kind;
	char iface[64];          /* the interface of the lines that follow */
	char section[32];        /* networkmanager, networkd: the [section] open */
	struct lease {           /* dhcp-lease: the lease { ... } block open */
		bool open;
		char addr[64], iface[64];
		bt_time renew, expire;
		int64_t secs;        /* option dhcp-lease-time, -1 none */
		uint64_t lineno, off; /* of its fixed-address line */
	} lease;
	int netplan_indent;      /* netplan: indent of the interface keys' block, -1 unknown */
	int addresses_indent;    /* netplan: indent of the open addresses: key, -1 none */
	bool in_nameservers;
	/* netplan: the rest of a one-line list "addresses: [a, b]" still to give */
	char flow[1024];
	size_t flow_pos, flow_len;
	uint64_t flow_lineno, flow_off;
};

/* The interface a lease file's name ends with (see below). */
static void lease_file_iface(const char *path, char *out, size_t cap);

/* Gives the next address of a pending one-line list; false when none is left. */
static bool flow_next(struct bt_reader_ctx *ctx, struct hc *h);

static enum bt_status hc_open(struct bt_reader_ctx *ctx, void **state)
{
	struct hc *h = calloc(1, sizeof *h);
	if (!h)
		return BT_ERR_NOMEM;
	h->kind = bt_host_file_kind(ctx->path);
	h->netplan_indent = -1;
	h->addresses_indent = -1;
	if (h->kind == BT_HOST_FILE_DHCP_LEASE)
		lease_file_iface(ctx->path, h->iface, sizeof h->iface);
	*state = h;
	return BT_OK;
}

static void hc_close(void *state)
{
	free(state);
}

static void begin(struct bt_reader_ctx *ctx, struct hc *h, uint64_t lineno, uint64_t off)
{
	struct bt_evbuf *eb = ctx->eb;
	bt_evbuf_reset(eb, BT_SOURCE_HOST_CONFIG);
	eb->ev.channel = "host-config";
	eb->ev.provider = kind_name(h->kind);
	eb->ev.file = ctx->path;
	eb->ev.line = lineno;
	eb->ev.offset = off;
}

static void add(struct bt_evbuf *eb, const char *name, const char *v, size_t n)
{
	bt_evbuf_add(eb, name, strlen(name), v, n, false);
}

/* A host name as these files write it: letters, digits, '-', '.', '_'. */
static bool host_token(const char *s, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.' || s[i] == '_'))
			return false;
	return true;
}

/* Whether an address can stand for a host: not loopback, link-local,
 * unspecified or multicast. */
static bool identifies(const struct bt_ip *ip)
{
	return !bt_ip_is_local(ip);
}

/* Names /etc/hosts gives loopback and IPv6 helper entries. */
static bool generic_name(const char *s, size_t n)
{
	return (n >= 9 && strncasecmp(s, "localhost", 9) == 0) || (n >= 4 && strncasecmp(s, "ip6-", 4) == 0);
}

/* Splits "10.20.5.37/24" into the address part; false when not an address. */
static bool parse_cidr(const char *s, size_t n, struct bt_ip *ip, size_t *alen)
{
	size_t a = 0;
	while (a < n && s[a] != '/')
		a++;
	*alen = a;
	return bt_ip_parse(s, a, ip);
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

static size_t token_end(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '#')
		i++;
	return i;
}

/* One line; true when it gave an event. */
static bool hostname_line(struct bt_reader_ctx *ctx, struct hc *h, const char *s, size_t n,
                          uint64_t lineno, uint64_t off)
{
	size_t i = skip_ws(s, n, 0);
	if (i == n || s[i] == '#')
		return false;
	size_t e = token_end(s, n, i);
	/* only a bare name: a "Static hostname: NAME" line (hostnamectl) is left
	 * out rather than guessed at */
	if (e < n && e > i && s[e - 1] == ':')
		return false;
	if (!host_token(s + i, e - i) || skip_ws(s, n, e) != n)
		return false;
	begin(ctx, h, lineno, off);
	add(ctx->eb, "HostName", s + i, e - i);
	ctx->eb->ev.host = bt_evbuf_str(ctx->eb, s + i, e - i);
	return true;
}

static bool hosts_line(struct bt_reader_ctx *ctx, struct hc *h, const char *s, size_t n,
                       uint64_t lineno, uint64_t off)
{
	size_t i = skip_ws(s, n, 0);
	if (i == n || s[i] == '#')
		return false;
	size_t e = token_end(s, n, i);
	struct bt_ip ip;
	if (!bt_ip_parse(s + i, e - i, &ip) || !identifies(&ip))
		return false;
	char names[1024];
	size_t nn = 0;
	for (size_t j = skip_ws(s, n, e); j < n && s[j] != '#'; j = skip_ws(s, n, j)) {
		size_t k = token_end(s, n, j);
		if (host_token(s + j, k - j) && !generic_name(s + j, k - j) &&
		    nn + (k - j) + 2 < sizeof names) {
			if (nn)
				names[nn++] = ' ';
			memcpy(names + nn, s + j, k - j);
			nn += k - j;
		}
		j = k;
	}
	if (!nn)
		return false;
	begin(ctx, h, lineno, off);
	add(ctx->eb, "IpAddress", s + i, e - i);
	add(ctx->eb, "HostNames", names, nn);
	return true;
}

/* Interfaces whose addresses are the host's containers' or virtual. */
static bool virtual_iface(const char *name)
{
	static const char *const prefixes[] = {"lo", "docker", "br-", "veth", "cni", "flannel",
	                                       "virbr", "cali", "weave", "vxlan", "kube", "podman",
	                                       "tun", "tap"};
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* An address of the host's, with its interface when known; true when it
 * gave an event. */
static bool address_fact(struct bt_reader_ctx *ctx, struct hc *h, const char *a, size_t n,
                         const char *iface, uint64_t lineno, uint64_t off)
{
	struct bt_ip ip;
	size_t alen;
	if (!n || !parse_cidr(a, n, &ip, &alen) || !identifies(&ip))
		return false;
	begin(ctx, h, lineno, off);
	add(ctx->eb, "IpAddress", a, alen);
	if (iface[0])
		add(ctx->eb, "Interface", iface, strlen(iface));
	return true;
}

/* An address of the interface open, unless that is a container's or virtual. */
static bool iface_address(struct bt_reader_ctx *ctx, struct hc *h, const char *a, size_t n,
                          uint64_t lineno, uint64_t off)
{
	if (!h->iface[0] || virtual_iface(h->iface))
		return false;
	return address_fact(ctx, h, a, n, h->iface, lineno, off);
}

static bool ip_addr_line(struct bt_reader_ctx *ctx, struct hc *h, const char *s, size_t n,
                         uint64_t lineno, uint64_t off)
{
	size_t i = skip_ws(s, n, 0);
	if (i == 0 && i < n && s[i] >= '0' && s[i] <= '9') {
		/* "2: eth0: <BROADCAST,...>" or "5: veth3a1f2c9@if4: ..." */
		size_t c = i;
		while (c < n && s[c] != ':')
			c++;
		size_t b = skip_ws(s, n, c + 1), e = b;
		while (e < n && s[e] != ':' && s[e] != '@' && s[e] != ' ')
			e++;
		snprintf(h->iface, sizeof h->iface, "%.*s", (int)(e - b), s + b);
		return false;
	}
	size_t e = token_end(s, n, i);
	bool v4 = e - i == 4 && memcmp(s + i, "inet", 4) == 0;
	bool v6 = e - i == 5 && memcmp(s + i, "inet6", 5) == 0;
	if (!(v4 || v6))
		return false;
	size_t a = skip_ws(s, n, e), ae = token_end(s, n, a);
	return iface_address(ctx, h, s + a, ae - a, lineno, off);
}

/* `ifconfig -a`: "eth0: flags=..." or "eth0      Link encap:..." opens an
 * interface; "inet 10.1.2.3  netmask ...", "inet addr:10.1.2.3  Bcast:..."
 * and "inet6 addr: 2001:db8::3/64 Scope:Global" are its addresses. */
static bool ifconfig_line(struct bt_reader_ctx *ctx, struct hc *h, const char *s, size_t n,
                          uint64_t lineno, uint64_t off)
{
	if (n && s[0] != ' ' && s[0] != '\t') {
		size_t e = token_end(s, n, 0);
		if (e && s[e - 1] == ':')
			e--;
		snprintf(h->iface, sizeof h->iface, "%.*s", (int)e, s);
		return false;
	}
	size_t i = skip_ws(s, n, 0), e = token_end(s, n, i);
	bool v4 = e - i == 4 && memcmp(s + i, "inet", 4) == 0;
	bool v6 = e - i == 5 && memcmp(s + i, "inet6", 5) == 0;
	if (!(v4 || v6))
		return false;
	size_t a = skip_ws(s, n, e), ae = token_end(s, n, a);
	if (ae - a >= 5 && memcmp(s + a, "addr:", 5) == 0) {   /* the older format */
		a += 5;
		if (a == ae) {
			a = skip_ws(s, n, ae);
			ae = token_end(s, n, a);
		}
	}
	return iface_address(ctx, h, s + a, ae - a, lineno, off);
}

static bool flow_next(struct bt_reader_ctx *ctx, struct hc *h)
{
	while (h->flow_pos < h->flow_len) {
		const char *s = h->flow;
		size_t n = h->flow_len;
		size_t k = skip_ws(s, n, h->flow_pos), t = k;
		while (t < n && s[t] != ',' && s[t] != ' ')
			t++;
		h->flow_pos = t < n ? t + 1 : n;
		const char *a = s + k;
		size_t al = t - k;
		if (al > 1 && (a[0] == '"' || a[0] == '\'')) {
			a++;
			al -= 2;
		}
		if (address_fact(ctx, h, a, al, h->iface, h->flow_lineno, h->flow_off))
			return true;
	}
	h->flow_len = 0;
	return false;
}

/* Gives the addresses of a list ("a, b" or "a b") one event at a time. */
static bool flow_start(struct bt_reader_ctx *ctx, struct hc *h, const char *list, size_t n,
                       uint64_t lineno, uint64_t off)
{
	if (n >= sizeof h->flow)
		return false;
	memcpy(h->flow, list, n);
	h->flow_len = n;
	h->flow_pos = 0;
	h->flow_lineno = lineno;
	h->flow_off = off;
	return flow_next(ctx, h);
}

/* netplan: the items of an interface's addresses: list (not nameservers'). */
static bool netplan_line(struct bt_reader_ctx *ctx, struct hc *h, const char *s, size_t n,
                         uint64_t lineno, uint64_t off)
{
	size_t i = skip_ws(s, n, 0);
	if (i == n || s[i] == '#')
		return false;
	int indent = (int)i;
	size_t e = token_end(s, n, i);
	if (h->addresses_indent >= 0 && indent <= h->addresses_indent && s[i] != '-')
		h->addresses_indent = -1;
	if (s[i] != '-' && e > i && s[e - 1] == ':') {
		size_t kl = e - i - 1;
		if (kl == 11 && memcmp(s + i, "nameservers", 11) == 0) {
			h->in_nameservers = true;
			h->netplan_indent = indent;
		} else if (h->in_nameservers && indent <= h->netplan_indent) {
			h->in_nameservers = false;
		}
		if (kl == 9 && memcmp(s + i, "addresses", 9) == 0 && !h->in_nameservers)
			h->addresses_indent = indent;
		else if (!h->in_nameservers && kl < sizeof h->iface && indent > 0 && h->addresses_indent < 0 &&
		         (strncmp(s + i, "eth", 3) == 0 || strncmp(s + i, "en", 2) == 0 ||
		          strncmp(s + i, "bond", 4) == 0 || strncmp(s + i, "wl", 2) == 0))
			snprintf(h->iface, sizeof h->iface, "%.*s", (int)kl, s + i);
		/* "addresses: [10.0.0.5/24, ...]" on one line */
		if (kl == 9 && memcmp(s + i, "addresses", 9) == 0 && !h->in_nameservers) {
			size_t j = skip_ws(s, n, e);
			if (j < n && s[j] == '[') {
				h->addresses_indent = -1;
				size_t k = j + 1, t = k;
				while (t < n && s[t] != ']')
					t++;
				return flow_start(ctx, h, s + k, t - k, lineno, off);
			}
		}
		return false;
	}
	if (s[i] == '-' && h->addresses_indent >= 0 && !h->in_nameservers) {
		size_t a = skip_ws(s, n, i + 1), ae = token_end(s, n, a);
		const char *p = s + a;
		size_t pl = ae - a;
		if (pl > 1 && (p[0] == '"' || p[0] == '\'')) {
			p++;
			pl -= 2;
		}
		return address_fact(ctx, h, p, pl, h->iface, lineno, off);
	}
	return false;
}

static bool key_is(const char *k, size_t kl, const char *lit)
{
	return kl == strlen(lit) && memcmp(k, lit, kl) == 0;
}

/* "address1", "address2", ... for stem "address" */
static bool key_numbered(const char *k, size_t kl, const char *stem)
{
	size_t sl = strlen(stem);
	if (kl <= sl || memcmp(k, stem, sl) != 0)
		return false;
	for (size_t i = sl; i < kl; i++)
		if (k[i] < '0' || k[i] > '9')
			return false;
	return true;
}

/* An INI-style line (NetworkManager, systemd-networkd): a "[section]" is
 * remembered; "key = value" is given (true). */
static bool ini_pair(struct hc *h, const char *s, size_t n, const char **k, size_t *kl,
                     const char **v, size_t *vl)
{
	size_t i = skip_ws(s, n, 0);
	if (i == n || s[i] == '#' || s[i] == ';')
		return false;
	if (s[i] == '[') {
		size_t e = i + 1;
		while (e < n && s[e] != ']')
			e++;
		snprintf(h->section, sizeof h->section, "%.*s", (int)(e - i - 1), s + i + 1);
		return false;
	}
	const char *eq = memchr(s + i, '=', n - i);
	if (!eq)
		return false;
	size_t ke = (size_t)(eq - s), vb = skip_ws(s, n, ke + 1), ve = n;
	while (ke > i && (s[ke - 1] == ' ' || s[ke - 1] == '\t'))
		ke--;
	while (ve > vb && (s[ve - 1] == ' ' || s[ve - 1] == '\t' || s[ve - 1] == '\r'))
		ve--;
	*k = s + i;
	*kl = ke - i;
	*v = s + vb;
	*vl = ve - vb;
	return true;
}

/* The addresses of "10.1.2.3/24,10.1.2.1" (address, gateway) or
 * "10.1.2.3/24;10.1.2.4/24;": each ';' item up to its ',', joined by ','. */
static size_t address_items(const char *v, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t e = i, c = i;
		while (e < n && v[e] != ';')
			e++;
		while (c < e && v[c] != ',')
			c++;
		if (c > i && o + (c - i) + 1 < cap) {
			if (o)
				out[o++] = ',';
			memcpy(out + o, v + i, c - i);
			o += c - i;
		}
		i = e + 1;
	}
	return o;
}

/* NetworkManager keyfile: address1=, addresses= of [ipv4] and [ipv6]; the
 * old addresses1=ADDR;PREFIX;GATEWAY; gives its first item. dns= and the
 * gateways are other hosts'. */
static bool nm_line(struct bt_reader_ctx *ctx, struct hc *h, const char *s, size_t n,
                    uint64_t lineno, uint64_t off)
{
	const char *k, *v;
	size_t kl, vl;
	if (!ini_pair(h, s, n, &k, &kl, &v, &vl))
		return false;
	if (strcmp(h->section, "connection") == 0 && key_is(k, kl, "interface-name")) {
		snprintf(h->iface, sizeof h->iface, "%.*s", (int)vl, v);
		return false;
	}
	if (strcmp(h->section, "ipv4") != 0 && strcmp(h->section, "ipv6") != 0)
		return false;
	char list[sizeof h->flow];
	size_t ln = 0;
	if (key_numbered(k, kl, "address") || key_is(k, kl, "addresses"))
		ln = address_items(v, vl, list, sizeof list);
	else if (key_numbered(k, kl, "addresses")) {
		const char *semi = memchr(v, ';', vl);
		ln = address_items(v, semi ? (size_t)(semi - v) : vl, list, sizeof list);
	}
	return ln && flow_start(ctx, h, list, ln, lineno, off);
}

/* systemd-networkd: Address= of [Network] and [Address], the interface of
 * [Match] Name=; Gateway= and DNS= are other hosts'. */
static bool networkd_line(struct bt_reader_ctx *ctx, struct hc *h, const char *s, size_t n,
                          uint64_t lineno, uint64_t off)
{
	const char *k, *v;
	size_t kl, vl;
	if (!ini_pair(h, s, n, &k, &kl, &v, &vl))
		return false;
	if (strcmp(h->section, "Match") == 0 && key_is(k, kl, "Name")) {
		snprintf(h->iface, sizeof h->iface, "%.*s", (int)token_end(v, vl, 0), v);
		return false;
	}
	bool addr_section = strcmp(h->section, "Network") == 0 || strcmp(h->section, "Address") == 0;
	return addr_section && key_is(k, kl, "Address") && flow_start(ctx, h, v, vl, lineno, off);
}

/* ifupdown: "iface eth0 inet static" opens an interface, "address
 * 10.1.2.3/24" is its address; gateway and dns-nameservers are not. */
static bool ifupdown_line(struct bt_reader_ctx *ctx, struct hc *h, const char *s, size_t n,
                          uint64_t lineno, uint64_t off)
{
	size_t i = skip_ws(s, n, 0), e = token_end(s, n, i);
	size_t a = skip_ws(s, n, e), ae = token_end(s, n, a);
	if (key_is(s + i, e - i, "iface")) {
		snprintf(h->iface, sizeof h->iface, "%.*s", (int)(ae - a), s + a);
		return false;
	}
	return key_is(s + i, e - i, "address") && iface_address(ctx, h, s + a, ae - a, lineno, off);
}

/* "2 2026/08/11 10:00:00" (weekday, UTC) or "epoch 1786442400"; false for
 * "never" or what is not a time. */
static bool lease_time(const char *s, size_t n, bt_time *t)
{
	char b[64];
	long long ep;
	int wd, y, mo, d, hh, mi, ss;
	snprintf(b, sizeof b, "%.*s", (int)(n < 63 ? n : 63), s);
	if (sscanf(b, " epoch %lld", &ep) == 1 && ep >= 0 && ep <= 253402300799LL) {
		*t = bt_time_from_unix(ep, 0);
		return true;
	}
	return sscanf(b, " %d %d/%d/%d %d:%d:%d", &wd, &y, &mo, &d, &hh, &mi, &ss) == 7 &&
	       bt_time_from_civil(y, mo, d, hh, mi, ss, 0, t);
}

/* The value of "key VALUE;" without its quotes and ';'. */
static void lease_value(const char *s, size_t n, size_t i, char *out, size_t cap)
{
	size_t a = skip_ws(s, n, i), e = a;
	while (e < n && s[e] != ';' && s[e] != ' ')
		e++;
	if (e - a > 1 && s[a] == '"' && s[e - 1] == '"') {
		a++;
		e--;
	}
	snprintf(out, cap, "%.*s", (int)(e - a), s + a);
}

/* The lease block just closed: its address, held from its start (expire
 * less dhcp-lease-time, else renew) to its expire (LeaseEnd). */
static bool lease_fact(struct bt_reader_ctx *ctx, struct hc *h)
{
	const struct lease *l = &h->lease;
	if (!address_fact(ctx, h, l->addr, strlen(l->addr), l->iface, l->lineno, l->off))
		return false;
	bool span = l->expire != BT_TIME_NONE && l->secs >= 0;
	ctx->eb->ev.time = span ? l->expire - l->secs * 10000000LL : l->renew;
	if (l->expire != BT_TIME_NONE) {
		char b[BT_TIME_BUFSZ];
		add(ctx->eb, "LeaseEnd", b, bt_time_format(l->expire, b));
	}
	return true;
}

/* One line of a lease block: what the lease says of the host. */
static void lease_line(struct lease *l, const char *s, size_t n, size_t i, size_t e,
                       uint64_t lineno, uint64_t off)
{
	char num[32];
	if (key_is(s + i, e - i, "fixed-address")) {
		lease_value(s, n, e, l->addr, sizeof l->addr);
		l->lineno = lineno;
		l->off = off;
	} else if (key_is(s + i, e - i, "interface")) {
		lease_value(s, n, e, l->iface, sizeof l->iface);
	} else if (key_is(s + i, e - i, "renew")) {
		if (!lease_time(s + e, n - e, &l->renew))
			l->renew = BT_TIME_NONE;
	} else if (key_is(s + i, e - i, "expire")) {
		if (!lease_time(s + e, n - e, &l->expire))
			l->expire = BT_TIME_NONE;
	} else if (key_is(s + i, e - i, "option")) {
		size_t o = skip_ws(s, n, e), oe = token_end(s, n, o);
		lease_value(s, n, oe, num, sizeof num);
		char *end;
		long long v = strtoll(num, &end, 10);
		if (key_is(s + o, oe - o, "dhcp-lease-time") && num[0] && !*end && v >= 0 && v < 1000000000)
			l->secs = v;
	}
}

/* DHCP lease files: dhclient's "lease { fixed-address A; ... }" blocks, or
 * the ADDRESS=A of NetworkManager's internal client and systemd-networkd;
 * the routers and servers they name are other hosts'. */
static bool dhcp_lease_line(struct bt_reader_ctx *ctx, struct hc *h, const char *s, size_t n,
                            uint64_t lineno, uint64_t off)
{
	size_t i = skip_ws(s, n, 0), e = token_end(s, n, i);
	struct lease *l = &h->lease;
	if (key_is(s + i, e - i, "lease") && skip_ws(s, n, e) < n && s[skip_ws(s, n, e)] == '{') {
		*l = (struct lease){.open = true, .renew = BT_TIME_NONE, .expire = BT_TIME_NONE, .secs = -1};
		snprintf(l->iface, sizeof l->iface, "%s", h->iface);
		return false;
	}
	if (l->open && i < n && s[i] == '}') {
		l->open = false;
		return l->addr[0] && lease_fact(ctx, h);
	}
	if (l->open) {
		lease_line(l, s, n, i, e, lineno, off);
		return false;
	}
	if (e - i > 8 && memcmp(s + i, "ADDRESS=", 8) == 0)
		return address_fact(ctx, h, s + i + 8, e - i - 8, h->iface, lineno, off);
	return false;
}

/* The interface a lease file's name ends with: ".../internal-UUID-eth0.lease",
 * "dhclient.eth0.leases"; none for "dhclient.leases" or networkd's "2". */
static void lease_file_iface(const char *path, char *out, size_t cap)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *dot = strstr(base, ".lease");
	if (!dot)
		return;
	const char *b = dot;
	while (b > base && b[-1] != '-' && b[-1] != '.')
		b--;
	if (b > base && !(dot - b == 8 && memcmp(b, "dhclient", 8) == 0))
		snprintf(out, cap, "%.*s", (int)(dot - b), b);
}

static enum bt_status hc_next(struct bt_reader_ctx *ctx, void *state, const struct bt_event **ev)
{
	struct hc *h = state;
	const char *line;
	size_t n;
	uint64_t lineno, off;
	bool complete;
	enum bt_status st;
	if (h->flow_len && flow_next(ctx, h)) {
		ctx->stats->records++;
		*ev = bt_evbuf_done(ctx->eb);
		return BT_OK;
	}
	while ((st = bt_stream_getline(ctx->stream, &line, &n, &lineno, &off, &complete)) == BT_OK ||
	       st == BT_ERR_LIMIT) {
		if (st == BT_ERR_LIMIT) {
			ctx->stats->failed++;
			continue;
		}
		ctx->stats->lines++;
		bool got = false;
		switch (h->kind) {
		case BT_HOST_FILE_HOSTNAME: got = hostname_line(ctx, h, line, n, lineno, off); break;
		case BT_HOST_FILE_HOSTS: got = hosts_line(ctx, h, line, n, lineno, off); break;
		case BT_HOST_FILE_IP_ADDR: got = ip_addr_line(ctx, h, line, n, lineno, off); break;
		case BT_HOST_FILE_NETPLAN: got = netplan_line(ctx, h, line, n, lineno, off); break;
		case BT_HOST_FILE_IFCONFIG: got = ifconfig_line(ctx, h, line, n, lineno, off); break;
		case BT_HOST_FILE_NM_KEYFILE: got = nm_line(ctx, h, line, n, lineno, off); break;
		case BT_HOST_FILE_IFUPDOWN: got = ifupdown_line(ctx, h, line, n, lineno, off); break;
		case BT_HOST_FILE_NETWORKD: got = networkd_line(ctx, h, line, n, lineno, off); break;
		case BT_HOST_FILE_DHCP_LEASE: got = dhcp_lease_line(ctx, h, line, n, lineno, off); break;
		default: return BT_EOF;
		}
		if (got) {
			ctx->stats->records++;
			*ev = bt_evbuf_done(ctx->eb);
			return BT_OK;
		}
		ctx->stats->skipped++;   /* comments, blank lines, what states no fact */
	}
	if (st != BT_EOF) {
		bt_diagf(&ctx->opts->diag, BT_DIAG_ERROR, ctx->path, "read error: %s", bt_status_str(st));
		ctx->stats->incomplete = true;
	}
	return st == BT_EOF ? BT_EOF : st;
}

const struct bt_reader_ops bt_reader_host_config = {
	.name = "host-config",
	.needs_stream = true,
	.open = hc_open,
	.next = hc_next,
	.close = hc_close,
};
