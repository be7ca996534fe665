/* A host's own configuration as collections hold it: the files that say
 * what the host is called and which addresses it has. They carry no time
 * and cannot be known by content (a hostname file is one word), so they are
 * known by where they sit:
 *   hostname   etc/hostname; UAC live_response hostname.txt, hostname_-f.txt,
 *              uname_-n.txt (command outputs)
 *   hosts      etc/hosts; containers/<id>/hosts and hostname of a container
 *              that runs with the host's network (Docker's copies of the host's)
 *   netplan    etc/netplan/ *.yaml, *.yml (addresses of each interface)
 *   ip-addr    UAC live_response/network/ip_addr_show.txt (`ip addr show`)
 *   ifconfig   UAC live_response/network/ifconfig_-a.txt (`ifconfig -a`, the
 *              net-tools formats old and new)
 *   networkmanager  etc/NetworkManager/system-connections/ *.nmconnection
 *              ([ipv4]/[ipv6] address1=, addresses=; not dns= nor gateways)
 *   ifupdown   etc/network/interfaces, etc/network/interfaces.d/ *
 *              (`address` of an `iface` stanza; not gateway nor dns-*)
 *   networkd   etc/systemd/network/ *.network (Address= of [Network] and
 *              [Address]; not Gateway= nor DNS=)
 *   dhcp-lease var/lib/dhcp/dhclient*.leases, var/lib/dhclient/ *.lease*
 *              (dhclient's lease { fixed-address ...; } blocks: the event's
 *              time is the lease's start, expire less dhcp-lease-time, else
 *              renew; LeaseEnd its expire), var/lib/NetworkManager/ *.lease
 *              and run/systemd/netif/leases/ * (ADDRESS=; no time)
 * Each fact becomes an event (source "host-config", provider the kind):
 * HostName (hostname: also the event's host), or IpAddress with Interface
 * (when known) or HostNames (hosts). Addresses that never identify a host
 * are left out: loopback, link-local, unspecified, those of other hosts
 * (gateways, name servers, DHCP servers), and on the interfaces of
 * `ip addr`, `ifconfig` and ifupdown the container bridges and veth pairs
 * (docker0, br-*, veth*, cni*, ...). */
#ifndef BT_HOST_CONFIG_H
#define BT_HOST_CONFIG_H

#include "io/bt_reader.h"

enum bt_host_file {
	BT_HOST_FILE_NONE,
	BT_HOST_FILE_HOSTNAME,
	BT_HOST_FILE_HOSTS,
	BT_HOST_FILE_NETPLAN,
	BT_HOST_FILE_IP_ADDR,
	BT_HOST_FILE_IFCONFIG,
	BT_HOST_FILE_NM_KEYFILE,
	BT_HOST_FILE_IFUPDOWN,
	BT_HOST_FILE_NETWORKD,
	BT_HOST_FILE_DHCP_LEASE,
};

/* The kind of host configuration file at `path`, by its place. */
enum bt_host_file bt_host_file_kind(const char *path);

extern const struct bt_reader_ops bt_reader_host_config;

#endif
