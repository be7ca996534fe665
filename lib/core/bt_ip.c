/* IP address parsing and canonical formatting (inet_pton/inet_ntop). */
#include "config.h"

#include "core/bt_ip.h"

#include <arpa/inet.h>
#include <string.h>

bool bt_ip_parse(const char *s, size_t n, struct bt_ip *out)
{
	char buf[64];
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof buf)
		return false;
	if (s[0] == '[') {  /* [v6]:port */
		const char *close = memchr(s, ']', n);
		if (!close)
			return false;
		n = (size_t)(close - s - 1);
		s++;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *pct = strchr(buf, '%');
	if (pct)
		*pct = '\0';
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = 4;
		return true;
	}
	/* a.b.c.d:port */
	char *colon = strchr(buf, ':');
	if (colon && !strchr(colon + 1, ':')) {
		*colon = '\0';
		if (inet_pton(AF_INET, buf, out->addr) == 1) {
			out->family = 4;
			return true;
		}
		*colon = ':';
	}
	uint8_t a6[16];
	if (inet_pton(AF_INET6, buf, a6) != 1)
		return false;
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (memcmp(a6, mapped, 12) == 0) {
		out->family = 4;
		memcpy(out->addr, a6 + 12, 4);
	} else {
		out->family = 6;
		memcpy(out->addr, a6, 16);
	}
	return true;
}

void bt_ip_format(const struct bt_ip *ip, char buf[BT_IP_BUFSZ])
{
	if (!inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->addr, buf, BT_IP_BUFSZ))
		buf[0] = '\0';
}

bool bt_ip_is_local(const struct bt_ip *ip)
{
	const uint8_t *a = ip->addr;
	if (ip->family == 4)
		return a[0] == 0 || a[0] == 127 || a[0] >= 224 || (a[0] == 169 && a[1] == 254);
	static const uint8_t zero[16];
	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return true;  /* :: and ::1 */
	return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff;
}

bool bt_ip_equal(const struct bt_ip *a, const struct bt_ip *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16) == 0;
}
