/* Host configuration files: host names and addresses, one event a fact. */
#include "config.h"

#include "host/bt_host_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bt_ip.h"
#include "io/bt_stream.h"

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0 && (n == t || s[n - t - 1] == '/');
}

enum bt_host_file bt_host_file_kind(const char *path)
{
	if (ends_with(path, "etc/hostname"))
		return BT_HOST_FILE_HOSTNAME;
	if (ends_with(path, "etc/hosts"))
		return BT_HOST_FILE_HOSTS;
	if (ends_with(path, "live_response/network/hostname.txt") ||
	    ends_with(path, "live_response/network/hostname_-f.txt") ||
	    ends_with(path, "live_response/network/uname_-n.txt") ||
	    ends_with(path, "live_response/system/hostname.txt") ||
	    ends_with(path, "live_response/system/uname_-n.txt"))
		return BT_HOST_FILE_HOSTNAME;
	if (ends_with(path, "live_response/network/ip_addr_show.txt") ||
	    ends_with(path, "live_response/network/ip_address_show.txt"))
		return BT_HOST_FILE_IP_ADDR;
	const char *np = strstr(path, "etc/netplan/");
	if (np && (np == path || np[-1] == '/') && !strchr(np + 12, '/')) {
		size_t n = strlen(np);
		if ((n > 5 && strcmp(np + n - 5, ".yaml") == 0) || (n > 4 && strcmp(np + n - 4, ".yml") == 0))
			return BT_HOST_FILE_NETPLAN;
	}
	return BT_HOST_FILE_NONE;
}

static const char *kind_name(enum bt_host_file k)
{
	switch (k) {
	case BT_HOST_FILE_HOSTNAME: return "hostname";
	case BT_HOST_FILE_HOSTS: return "hosts";
	case BT_HOST_FILE_NETPLAN: return "netplan";
	case BT_HOST_FILE_IP_ADDR: return "ip-addr";
	default: return "?";
	}
}

struct hc {
	enum bt_host_file kind;
	char iface[64];          /* ip-addr: the interface of the lines that follow */
	int netplan_indent;      /* netplan: indent of the interface keys' block, -1 unknown */
	int addresses_indent;    /* netplan: indent of the open addresses: key, -1 none */
	bool in_nameservers;
	/* netplan: the rest of a one-line list "addresses: [a, b]" still to give */
	char flow[1024];
	size_t flow_pos, flow_len;
	uint64_t flow_lineno, flow_off;
};

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
	if (!(v4 || v6) || !h->iface[0] || virtual_iface(h->iface))
		return false;
	size_t a = skip_ws(s, n, e), ae = token_end(s, n, a), alen;
	struct bt_ip ip;
	if (!parse_cidr(s + a, ae - a, &ip, &alen) || !identifies(&ip))
		return false;
	begin(ctx, h, lineno, off);
	add(ctx->eb, "IpAddress", s + a, alen);
	add(ctx->eb, "Interface", h->iface, strlen(h->iface));
	return true;
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
		size_t al = t - k, alen;
		if (al > 1 && (a[0] == '"' || a[0] == '\'')) {
			a++;
			al -= 2;
		}
		struct bt_ip ip;
		if (al && parse_cidr(a, al, &ip, &alen) && identifies(&ip)) {
			begin(ctx, h, h->flow_lineno, h->flow_off);
			add(ctx->eb, "IpAddress", a, alen);
			add(ctx->eb, "Interface", h->iface, strlen(h->iface));
			return true;
		}
	}
	h->flow_len = 0;
	return false;
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
				if (t - k < sizeof h->flow) {
					memcpy(h->flow, s + k, t - k);
					h->flow_len = t - k;
					h->flow_pos = 0;
					h->flow_lineno = lineno;
					h->flow_off = off;
					return flow_next(ctx, h);
				}
			}
		}
		return false;
	}
	if (s[i] == '-' && h->addresses_indent >= 0 && !h->in_nameservers) {
		size_t a = skip_ws(s, n, i + 1), ae = token_end(s, n, a), alen;
		const char *p = s + a;
		size_t pl = ae - a;
		if (pl > 1 && (p[0] == '"' || p[0] == '\'')) {
			p++;
			pl -= 2;
		}
		struct bt_ip ip;
		if (!parse_cidr(p, pl, &ip, &alen) || !identifies(&ip))
			return false;
		begin(ctx, h, lineno, off);
		add(ctx->eb, "IpAddress", p, alen);
		add(ctx->eb, "Interface", h->iface, strlen(h->iface));
		return true;
	}
	return false;
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
