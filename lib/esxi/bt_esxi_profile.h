/* The image profile an ESXi host runs, as `esxcli software profile get`
 * states it in a collection of that host:
 *   vm-support   esx-HOST-DATE-PID/commands/localcli_software-profile-get.txt
 *   UAC          uac-.../live_response/packages/esxcli_software_profile_get.txt
 * whose lines are "NAME", then "   Name: NAME", "   Vendor: VENDOR", ...
 * The vendor is what tells an OEM image's own VIBs (a Dell image's DEL VIBs)
 * from a VIB nobody shipped (bt_esxi_vib_vendor_check). */
#ifndef BT_ESXI_PROFILE_H
#define BT_ESXI_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

struct bt_esxi_profile {
	char name[256];
	char vendor[128];
	char source[1100];           /* "FILE:LINE" of its Vendor: line */
};

/* Parses the output of `esxcli software profile get` in s[0..n) (file:
 * `path`, for the source). False when it states no vendor. */
bool bt_esxi_profile_parse(const char *s, size_t n, const char *path, struct bt_esxi_profile *out);

/* Finds and reads the profile of the collection that holds the log at
 * `log_path` (the vm-support bundle or the UAC collection it is in). False
 * when there is none, or it cannot be read (it is read, never changed). */
bool bt_esxi_profile_find(const char *log_path, struct bt_esxi_profile *out);

/* How a VIB's vendor (as in its id "VENDOR_bootbank_NAME_VERSION" or in
 * `software vib list`: "VMW", "DEL", "HPE") stands to the host's image
 * profile vendor (NULL: unknown): "vmware" (VMware, VMW, Broadcom, BCM),
 * "image" (the image profile's vendor: "DEL" of "Dell Inc.", "HPE" of
 * "Hewlett Packard Enterprise"), "foreign" (neither), "unchecked" (not
 * VMware's and the image profile's vendor unknown). */
const char *bt_esxi_vib_vendor_check(const char *vendor, size_t n, const char *profile_vendor);

#endif
