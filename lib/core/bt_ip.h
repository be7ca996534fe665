/* IP address text: parsing and one canonical form, so that the address a
 * domain controller logs ("::ffff:10.0.0.5") meets the one a host logs
 * ("10.0.0.5"). */
#ifndef BT_IP_H
#define BT_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BT_IP_BUFSZ 48

struct bt_ip {
	uint8_t family;      /* 4 or 6 */
	uint8_t addr[16];    /* network order; IPv4 in the first 4 bytes */
};

/* Parses an IPv4 or IPv6 address (optionally in brackets, with a %zone or a
 * trailing :port for IPv4 dropped). IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes
 * IPv4. Returns false for anything else (host names, "-", empty). */
bool bt_ip_parse(const char *s, size_t n, struct bt_ip *out);

/* Writes the canonical text (dotted IPv4, RFC 5952 IPv6). */
void bt_ip_format(const struct bt_ip *ip, char buf[BT_IP_BUFSZ]);

/* True for addresses that never identify a host on the network: unspecified,
 * loopback, IPv6 link-local, multicast, broadcast. */
bool bt_ip_is_local(const struct bt_ip *ip);

bool bt_ip_equal(const struct bt_ip *a, const struct bt_ip *b);

#endif
