/* Host identity across logs: which host name an IP address stood for, and
 * when, learned from the evidence itself or given by the analyst.
 *
 * A domain controller logs a client address (4768/4769 IpAddress, often
 * "::ffff:10.0.0.5"), a host logs its name (Computer), Docker logs a host
 * name or none. Links come from:
 *   - the analyst's --host-map file (name, IP, validity window);
 *   - Sysmon 3 on a host: Initiated=true connections give Computer <-> SourceIp,
 *     and SourceHostname <-> SourceIp, DestinationHostname <-> DestinationIp;
 *   - Sysmon 22 answers: QueryName <-> each address in QueryResults;
 *   - Security 4624 with both IpAddress and WorkstationName;
 *   - container network settings (IPAddress of a container on its host, on a
 *     network of its own such as macvlan: not on the default bridge or a NAT
 *     network, whose addresses every host reuses);
 *   - a host's own configuration (bt_host_config.h): /etc/hosts entries name
 *     their addresses; the addresses of netplan, NetworkManager, ifupdown and
 *     systemd-networkd files, `ip addr` and `ifconfig` outputs and DHCP lease
 *     files belong to the host whose collection holds the file, known only
 *     once every file has been read: they wait until bt_hostmap_resolve; a
 *     lease holds from its start (the event's time) to its end (LeaseEnd);
 *   - a DHCP client's journal line (host-config event, provider "dhcp"): the
 *     address is the entry's host's from the entry's time;
 *   - Docker: the address dockerd's API listens on, and the HostIp a
 *     container port is published on, are the daemon's host's (its stated
 *     host, else its collection's).
 * It also keeps which ESXi host each VM ran on (bt_vmlink.h).
 * Every link records how it was learned and from which record, so a finding
 * can show it. */
#ifndef BT_HOSTMAP_H
#define BT_HOSTMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bt_diag.h"
#include "core/bt_event.h"
#include "core/bt_ip.h"
#include "core/bt_status.h"
#include "hunt/bt_vmlink.h"

#define BT_HOSTMAP_MAX_LINKS 1000000  /* distinct (IP, host) pairs kept */

enum bt_hostlink_how {
	BT_LINK_FILE,            /* --host-map */
	BT_LINK_SYSMON3_LOCAL,   /* Sysmon 3: the logging host's own source address */
	BT_LINK_SYSMON3_NAME,    /* Sysmon 3: SourceHostname/DestinationHostname */
	BT_LINK_DNS,             /* Sysmon 22 answer */
	BT_LINK_LOGON,           /* 4624 IpAddress + WorkstationName */
	BT_LINK_CONTAINER,       /* container network settings */
	BT_LINK_ETC_HOSTS,       /* a host's /etc/hosts entry */
	BT_LINK_NETPLAN,         /* a host's netplan configuration */
	BT_LINK_IP_ADDR,         /* a host's `ip addr show` output */
	BT_LINK_DOCKER_LISTEN,   /* dockerd "API listen on ADDR:PORT" */
	BT_LINK_PORT_BINDING,    /* a container port published on one of the host's addresses */
	BT_LINK_IFCONFIG,        /* a host's `ifconfig -a` output */
	BT_LINK_NM_KEYFILE,      /* a host's NetworkManager connection */
	BT_LINK_IFUPDOWN,        /* a host's /etc/network/interfaces */
	BT_LINK_NETWORKD,        /* a host's systemd-networkd .network file */
	BT_LINK_DHCP_LEASE,      /* a host's DHCP client lease file */
	BT_LINK_DHCP_LOG,        /* a DHCP client's journal line on the host */
};

struct bt_hostlink {
	struct bt_ip ip;
	char *host;              /* as first seen (e.g. "SRV-BUILD01.corp.local") */
	enum bt_hostlink_how how;
	bt_time first, last;     /* observed (learned) or valid (file; BT_TIME_NONE = open) */
	uint64_t seen;
	char *evidence;          /* "file#record" or "file:line" of the first observation */
	struct bt_hostlink *next;  /* same bucket */
};

struct bt_hostmap;

struct bt_hostmap *bt_hostmap_new(void);
void bt_hostmap_free(struct bt_hostmap *m);

/* Whether an event (System header only) can teach the map anything, so the
 * reader decodes its fields. */
bool bt_hostmap_wants(const struct bt_event *ev);

/* Learns links from one event (thread-safe). */
void bt_hostmap_learn(struct bt_hostmap *m, const struct bt_event *ev);

/* Loads an analyst's map: one link per line, "NAME IP [FROM [UNTIL]]" or
 * "vm NAME ESXIHOST" (a VM and the ESXi host it runs on),
 * separated by blanks or commas, '#' comments; FROM/UNTIL are RFC 3339 times
 * or dates. Bad lines are reported with their number and skipped; returns
 * BT_ERR_FORMAT if any was, BT_ERR_IO if the file cannot be read. */
enum bt_status bt_hostmap_load(struct bt_hostmap *m, const char *path, const struct bt_diag *d);

/* The host an address stood for at time t (BT_TIME_NONE: any time): a file
 * link valid at t first, else the learned link observed closest to t, a
 * host's own view of its address (Sysmon 3 source, its configuration, its
 * leases) before
 * others' names for it. NULL when unknown, or when two hosts claim it as
 * their own at that time. */
const struct bt_hostlink *bt_hostmap_lookup(const struct bt_hostmap *m, const struct bt_ip *ip,
                                            bt_time t);

/* The ESXi host the VM named like `guest` ran on (bt_vmlinks_host_of). */
const struct bt_vmlink *bt_hostmap_vm_host(const struct bt_hostmap *m, const char *guest);

/* All links, for listing (order: as added). Returns the count. */
size_t bt_hostmap_count(const struct bt_hostmap *m);

/* Whether ip lies in a container network the evidence names: a Docker
 * daemon's default bridge (its log at start) or a container's own address
 * (its configuration). Writes "172.17.0.0/16 (file:line)" to desc. */
bool bt_hostmap_container_net(struct bt_hostmap *m, const struct bt_ip *ip, char *desc,
                              size_t n);
const struct bt_hostlink *bt_hostmap_at(const struct bt_hostmap *m, size_t i);

/* Turns the addresses waiting for their host (bt_host_config.h files), and
 * the VMs powered on in ESXi logs that name no host, into links: host_of names the host of the collection holding a file (NULL:
 * unknown, the address stays unlinked). Returns how many stay unlinked. */
size_t bt_hostmap_resolve(struct bt_hostmap *m,
                          const char *(*host_of)(void *ctx, const char *file), void *ctx);

/* Reports (warnings, in address order) each address two hosts claim as
 * their own at overlapping times: lookups give neither. Returns how many. */
size_t bt_hostmap_report_ambiguous(const struct bt_hostmap *m, const struct bt_diag *d);

/* True when links were dropped because BT_HOSTMAP_MAX_LINKS was reached. */
bool bt_hostmap_full(const struct bt_hostmap *m);

/* "sysmon3-source", "dns-answer", ... */
const char *bt_hostlink_how_str(enum bt_hostlink_how how);
/* The method named by bt_hostlink_how_str; false for another name. */
bool bt_hostlink_how_parse(const char *s, enum bt_hostlink_how *out);

/* What the map learned from evidence, for a map step's state file
 * (bt_state.h), and merged into another map by its reduce as if learned
 * there: a link (its counts added, the earliest observation kept), an
 * address waiting for the host of its file's collection, a container
 * network, a VM on its ESXi host or a VM waiting for its log's collection's
 * host. Not the analyst's --host-map lines: the reduce is given its own. */
enum bt_hostfact_kind { BT_FACT_LINK, BT_FACT_PENDING, BT_FACT_CNET, BT_FACT_VM,
                        BT_FACT_VM_PENDING };
struct bt_hostfact {
	enum bt_hostfact_kind kind;
	struct bt_ip ip;            /* LINK, PENDING; CNET: the network */
	unsigned bits;              /* CNET */
	enum bt_hostlink_how how;   /* LINK, PENDING */
	const char *host;           /* LINK; VM: the ESXi host */
	const char *vm;             /* VM, VM_PENDING */
	const char *vm_display;     /* VM, VM_PENDING: the VM's display name (vmware.log) or NULL */
	const char *vm_how;         /* VM, VM_PENDING: how it was learned (bt_vmlink_how) */
	const char *file;           /* PENDING, VM_PENDING: whose collection's host it waits for */
	const char *evidence;
	bt_time first, last;        /* LINK, PENDING (BT_TIME_NONE: none) */
	uint64_t seen;              /* LINK */
};
void bt_hostmap_each_fact(struct bt_hostmap *m, void (*cb)(void *ctx, const struct bt_hostfact *f),
                          void *ctx);
/* False when the fact is not valid (or memory ran out). */
bool bt_hostmap_add_fact(struct bt_hostmap *m, const struct bt_hostfact *f);

/* A host key that makes "SRV-BUILD01", "srv-build01.corp.local." equal: the
 * first label, lower-cased (ASCII). Writes at most n-1 bytes. */
void bt_host_key(const char *name, char *out, size_t n);

/* True when two host names denote the same host (bt_host_key equal). */
bool bt_host_same(const char *a, const char *b);

#endif
