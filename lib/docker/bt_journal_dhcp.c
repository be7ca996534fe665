/* DHCP clients' lease lines in a journal: the address a host holds. */
#include "config.h"

#include "docker/bt_journal_dhcp.h"

#include <string.h>

#include "core/bt_ip.h"

static bool same(const char *p, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

static const char *find(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	for (size_t i = 0; i + l <= n; i++)
		if (memcmp(s + i, lit, l) == 0)
			return s + i;
	return NULL;
}

/* The address that starts at a (up to ',', ' ', '/', ';' or the end), when it
 * can stand for a host. */
static bool host_address(const char *a, const char *end, struct bt_dhcp_line *out)
{
	size_t n = 0;
	while (a + n < end && a[n] != ',' && a[n] != ' ' && a[n] != '/' && a[n] != ';')
		n++;
	struct bt_ip ip;
	if (!bt_ip_parse(a, n, &ip) || bt_ip_is_local(&ip))
		return false;
	out->addr = a;
	out->addr_len = n;
	return true;
}

/* systemd-networkd: "IFACE: DHCPv4 address ADDR/PREFIX, gateway ..." */
static bool networkd_line(const char *m, size_t n, struct bt_dhcp_line *out)
{
	const char *k = find(m, n, ": DHCPv4 address ");
	if (!k)
		k = find(m, n, ": DHCPv6 address ");
	if (!k || k == m || memchr(m, ' ', (size_t)(k - m)))
		return false;
	out->iface = m;
	out->iface_len = (size_t)(k - m);
	return host_address(k + 17, m + n, out);
}

/* NetworkManager: "dhcp4 (IFACE):   address ADDR" or
 * "dhcp4 (IFACE): state changed new lease, address=ADDR" */
static bool nm_line(const char *m, size_t n, struct bt_dhcp_line *out)
{
	const char *k = find(m, n, "dhcp4 (");
	if (!k)
		k = find(m, n, "dhcp6 (");
	const char *end = m + n;
	const char *close = k ? memchr(k + 7, ')', (size_t)(end - (k + 7))) : NULL;
	if (!close || close == k + 7 || close + 1 >= end || close[1] != ':')
		return false;
	out->iface = k + 7;
	out->iface_len = (size_t)(close - (k + 7));
	const char *r = close + 2;
	while (r < end && *r == ' ')
		r++;
	if (end - r > 8 && memcmp(r, "address ", 8) == 0)
		return host_address(r + 8, end, out);
	const char *eq = find(r, (size_t)(end - r), "address=");
	return eq && (eq == r || eq[-1] == ' ') && host_address(eq + 8, end, out);
}

bool bt_dhcp_line_parse(const char *prog, size_t prog_len, const char *msg, size_t msg_len,
                        struct bt_dhcp_line *out)
{
	if (same(prog, prog_len, "systemd-networkd"))
		return networkd_line(msg, msg_len, out);
	if (same(prog, prog_len, "NetworkManager"))
		return nm_line(msg, msg_len, out);
	return false;
}
