/* What an ESXi log message says, as normalised fields (the ESXi field
 * contract in boxtrail(1), "ESXi fields"). Every event gets Action:
 *   shell.command      shell.log: Command, User; an esxcli command also
 *                      EsxcliCommand ("software vib install"), and by its
 *                      options Force, NoSigCheck, VibUrl (list), Depot,
 *                      VibSource (local, url, depot, offline-bundle),
 *                      AcceptanceLevel, SyslogTarget
 *   ssh.login, ssh.login_failed   auth.log (sshd): User, SourceAddress,
 *                      SourcePort, AuthMethod; a command given to ssh
 *                      ("User 'root' running command '...'") is a
 *                      shell.command with CommandVia ssh
 *   ssh.session_open, dcui.login  vobd: User, SourceAddress
 *   service.ssh_enabled, service.shell_enabled, service.ssh_disabled,
 *   service.shell_disabled        hostd events, vobd
 *   vm.power_on, vm.power_off     hostd: VmName, VmxPath
 *   vib.install        esxupdate/lifecycle: EsxupdateCommand, VibUrl, Depot,
 *                      Force, NoSigCheck, VibSource
 *   vib.installed      esxupdate, lifecycle ("VIBs installed: ID, ..."):
 *                      VibName (the ids), VibVendor (of each id
 *                      "VENDOR_bootbank_NAME_VERSION"), VibVendorCheck (the
 *                      worst of bt_esxi_vib_vendor_check: foreign, unchecked,
 *                      image, vmware) and the host's image profile when its
 *                      collection states it: HostImageProfile,
 *                      HostImageProfileVendor, HostImageProfileSource
 *                      (FILE:LINE); vobd: the record only
 *   vm.config          vmware.log's configuration dump: VmName (displayName)
 *   vm.guest_hostname  vmware.log: GuestHostname, GuestHostnameSource
 *                      ("guestinfo.hostname"), VmName when the log gave it
 *   acceptance.set     AcceptanceLevel, PreviousAcceptanceLevel (when stated)
 *   firewall.changed, hostd.task (Task, TaskId), hostd.login (LoginUser,
 *   SourceAddress), esxi.log (other)
 * hostd's "[Originator@... sub= opID= user=]" gives Sub, OpId, User. */
#ifndef BT_ESXI_FACTS_H
#define BT_ESXI_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/bt_event.h"

/* What facts of one file carry from line to line: esxupdate logs a
 * command on one line and its options on a later one. */
struct bt_esxi_profile;

struct bt_esxi_facts_state {
	char update_pid[24];         /* the process whose command is known */
	char update_cmd[48];         /* "vib.install" */
	char vm_name[256];           /* vmware.log: the VM's displayName so far */
	const struct bt_esxi_profile *profile;   /* the host's image profile, or NULL */
};

/* Adds Action and the facts of message msg[0..n) written by `provider`
 * (bt_esxi_provider) to eb. */
void bt_esxi_facts(struct bt_evbuf *eb, const char *provider, const char *pid, size_t pid_len,
                   const char *msg, size_t n, struct bt_esxi_facts_state *st);

/* The facts of an esxcli command line (shell.log, or an audit record). */
void bt_esxi_esxcli(struct bt_evbuf *eb, const char *cmd, size_t n);

#endif
