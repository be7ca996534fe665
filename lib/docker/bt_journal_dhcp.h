/* A DHCP client's lease as its journal line states it, for the journal
 * entry mapping (bt_docker_jentry.h): systemd-networkd's "eth0: DHCPv4
 * address 10.1.2.3/24, gateway 10.1.2.1 acquired from 10.1.2.1" and
 * NetworkManager's "dhcp4 (eth0):   address 10.1.2.3" or "dhcp4 (eth0):
 * state changed new lease, address=10.1.2.3" (DHCPv6 and dhcp6 alike). Only
 * the address the host holds is taken: the gateway, the server and the name
 * servers these lines name are other hosts'; a loopback, link-local or
 * unspecified address is no lease. */
#ifndef BT_JOURNAL_DHCP_H
#define BT_JOURNAL_DHCP_H

#include <stdbool.h>
#include <stddef.h>

struct bt_dhcp_line {
	const char *addr, *iface;   /* into the message */
	size_t addr_len, iface_len;
};

/* True when `msg`, logged by the program `prog` (SYSLOG_IDENTIFIER or _COMM:
 * systemd-networkd or NetworkManager), states the address its DHCP client
 * holds. */
bool bt_dhcp_line_parse(const char *prog, size_t prog_len, const char *msg, size_t msg_len,
                        struct bt_dhcp_line *out);

#endif
