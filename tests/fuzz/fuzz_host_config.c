/* libFuzzer harness: a host's configuration files (lib/host/bt_host_config).
 * They are known by their place, so the input is written as a real file at
 * each place the reader knows (etc/hostname, etc/hosts, a netplan file, UAC's
 * ip_addr_show.txt, ifconfig_-a.txt and hostname.txt, a NetworkManager
 * keyfile, ifupdown's interfaces, a systemd-networkd file, DHCP lease files)
 * and read through bt_input_open as evidence is. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input/bt_input.h"
#include "fuzz_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[4096];

static void cleanup(void)
{
	if (root[0]) {
		char cmd[4200];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
		if (system(cmd) != 0)
			return;
	}
}

static const char *const places[] = {
	"[root]/etc/hostname", "[root]/etc/hosts", "[root]/etc/netplan/50-cloud-init.yaml",
	"live_response/network/ip_addr_show.txt", "live_response/network/hostname.txt",
	"live_response/network/ifconfig_-a.txt",
	"[root]/etc/NetworkManager/system-connections/Wired.nmconnection",
	"[root]/etc/network/interfaces", "[root]/etc/systemd/network/10-eth0.network",
	"[root]/var/lib/dhcp/dhclient.eth0.leases", "[root]/var/lib/NetworkManager/internal-1-eth0.lease",
	"[root]/run/systemd/netif/leases/2",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!root[0]) {
		const char *dir = getenv("TMPDIR");
		snprintf(root, sizeof root, "%s/boxtrail-fuzz-host-XXXXXX", dir && *dir ? dir : "/tmp");
		if (!mkdtemp(root))
			return 0;
		atexit(cleanup);
		const char *dirs[] = {"[root]", "[root]/etc", "[root]/etc/netplan", "live_response",
		                      "live_response/network", "[root]/etc/NetworkManager",
		                      "[root]/etc/NetworkManager/system-connections", "[root]/etc/network",
		                      "[root]/etc/systemd", "[root]/etc/systemd/network", "[root]/var",
		                      "[root]/var/lib", "[root]/var/lib/dhcp", "[root]/var/lib/NetworkManager",
		                      "[root]/run", "[root]/run/systemd", "[root]/run/systemd/netif",
		                      "[root]/run/systemd/netif/leases"};
		for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
			char p[4200];
			snprintf(p, sizeof p, "%s/%s", root, dirs[i]);
			mkdir(p, 0700);
		}
	}
	for (size_t i = 0; i < sizeof places / sizeof *places; i++) {
		char p[4200];
		snprintf(p, sizeof p, "%s/%s", root, places[i]);
		FILE *f = fopen(p, "wb");
		if (!f)
			return 0;
		if (size && fwrite(data, 1, size, f) != size) {
			fclose(f);
			return 0;
		}
		fclose(f);
		struct bt_input_opts o = {0};
		struct bt_input *in;
		if (bt_input_open(p, &o, NULL, &in) == BT_OK) {
			const struct bt_event *ev;
			while (bt_input_next(in, &ev) == BT_OK)
				fuzz_check_event(ev);
			bt_input_free(in);
		}
	}
	return 0;
}
