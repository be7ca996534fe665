/* Virtual machines and the ESXi hosts they ran on: the link from a guest's
 * own evidence (its host name) to the hypervisor under it.
 *
 * Learned where the evidence states it: hostd's power-on events name the VM
 * (VmName: its display name) on the host that logged them; a guest whose
 * host name is that VM's name (bt_host_same: first label, any case) ran on
 * that host (the host the log states, else its collection's). A VM's
 * vmware.log states the guest's host name (vm.guest_hostname: its
 * guestinfo.hostname), so a guest named otherwise than its VM links too.
 * Given by the analyst in the --host-map file as "vm NAME ESXIHOST" lines,
 * which come first. Every link keeps the record or line it came from. */
#ifndef BT_VMLINK_H
#define BT_VMLINK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/bt_event.h"

struct bt_vmlink {
	char *vm;                /* the name a guest matches: the VM's, or the
	                          * guest host name its vmware.log states */
	char *display;           /* vmware.log: the VM's display name, or NULL */
	char *host;              /* the ESXi host */
	char *evidence;          /* "file:line" of the first statement */
	const char *how;         /* "hostd power-on", "vmware.log guestinfo.hostname",
	                          * "--host-map" */
	bool from_file;          /* --host-map */
};

struct bt_vmlinks;

struct bt_vmlinks *bt_vmlinks_new(void);
void bt_vmlinks_free(struct bt_vmlinks *v);

/* Learns from one event (thread-safe): an ESXi vm.power_on with VmName, a
 * vm.guest_hostname with GuestHostname (and VmName). A
 * log that names no host waits for its collection's (bt_vmlinks_resolve). */
void bt_vmlinks_learn(struct bt_vmlinks *v, const struct bt_event *ev);

/* Links the waiting power-ons to the host of the collection holding their
 * file (host_of; NULL: unknown, left unlinked). */
void bt_vmlinks_resolve(struct bt_vmlinks *v, const char *(*host_of)(void *ctx, const char *file),
                        void *ctx);

/* Adds an analyst's link (thread-safe). */
void bt_vmlinks_add_file(struct bt_vmlinks *v, const char *vm, const char *host,
                         const char *evidence);

/* For state files (bt_state.h): each learned link (host set) and each
 * one waiting for its collection's host (host NULL, file given); and adding
 * them back. Not the --host-map lines. */
void bt_vmlinks_each(struct bt_vmlinks *v, void (*cb)(void *ctx, const struct bt_vmlink *l,
                                                      const char *file),
                     void *ctx);
/* Adds one back: l->host set, or file (false when invalid). */
bool bt_vmlinks_add_learned(struct bt_vmlinks *v, const struct bt_vmlink *l, const char *file);

/* How a link was learned, as the static text links keep ("hostd power-on",
 * "vmware.log guestinfo.hostname"); NULL: not one of those. */
const char *bt_vmlink_how(const char *s);

/* The ESXi host the VM named like `guest` ran on: a file link first; NULL
 * when unknown, or when the evidence shows VMs of that name on two hosts. */
const struct bt_vmlink *bt_vmlinks_host_of(const struct bt_vmlinks *v, const char *guest);

#endif
