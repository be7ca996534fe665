/* bt_esxi_profile: the image profile of `esxcli software profile get` and a
 * VIB's vendor checked against VMware's and the image's (benign OEM images
 * with their own VIBs, and VIBs nobody shipped). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "esxi/bt_esxi_profile.h"

static const char *check(const char *vendor, const char *image)
{
	return bt_esxi_vib_vendor_check(vendor, strlen(vendor), image);
}

static void test_parse(void **state)
{
	(void)state;
	static const char out[] = "(Updated) HPE-Custom-AddOn_702.0.0.10.9.0-4\n"
	                          "   Name: (Updated) HPE-Custom-AddOn_702.0.0.10.9.0-4\n"
	                          "   Vendor: Hewlett Packard Enterprise\r\n"
	                          "   Creation Time: 2023-04-12T06:10:12\n"
	                          "   VIBs: HPE_bootbank_amsd_702.11.9.0, VMW_bootbank_ne1000_0.9.0\n";
	struct bt_esxi_profile p;
	assert_true(bt_esxi_profile_parse(out, sizeof out - 1, "c/x.txt", &p));
	assert_string_equal(p.name, "(Updated) HPE-Custom-AddOn_702.0.0.10.9.0-4");
	assert_string_equal(p.vendor, "Hewlett Packard Enterprise");
	assert_string_equal(p.source, "c/x.txt:3");
	/* no Vendor line: nothing to check against */
	static const char none[] = "ESXi-8.0U2-22380479-standard\n   Name: ESXi-8.0U2-22380479-standard\n";
	assert_false(bt_esxi_profile_parse(none, sizeof none - 1, "y", &p));
	/* a control byte in the file does not reach the findings */
	static const char ctl[] = "   Vendor: Dell\x1b[31m Inc.\n";
	assert_true(bt_esxi_profile_parse(ctl, sizeof ctl - 1, "z", &p));
	assert_null(strchr(p.vendor, '\x1b'));
	assert_false(bt_esxi_profile_parse("", 0, "e", &p));
}

static void test_vendor(void **state)
{
	(void)state;
	/* VMware's and Broadcom's own, whatever the image */
	assert_string_equal(check("VMware", "Dell Inc."), "vmware");
	assert_string_equal(check("VMW", NULL), "vmware");
	assert_string_equal(check("BCM", "VMware, Inc."), "vmware");
	/* ids as esxcli prints them: VMware_, VMW_, and "VMWare_" of a
	 * published vmdkops VIB */
	assert_string_equal(check("VMWare", "VMware, Inc."), "vmware");
	/* a community driver on VMware's image (Realtek_bootbank_net-r8139too) */
	assert_string_equal(check("Realtek", "VMware, Inc."), "foreign");
	/* an OEM image's own VIBs: benign */
	assert_string_equal(check("DEL", "Dell Inc."), "image");
	assert_string_equal(check("Dell", "Dell Inc."), "image");
	assert_string_equal(check("HPE", "Hewlett Packard Enterprise"), "image");
	assert_string_equal(check("LVO", "Lenovo"), "image");
	assert_string_equal(check("FTS", "Fujitsu Limited"), "image");
	/* a vendor neither VMware's nor the image's */
	assert_string_equal(check("VMTS", "VMware, Inc."), "foreign");
	assert_string_equal(check("HPE", "Dell Inc."), "foreign");
	assert_string_equal(check("DEL", "VMware, Inc."), "foreign");
	assert_string_equal(check("LVO", "Dell Inc."), "foreign");
	assert_string_equal(check("DE", "Dell Inc."), "foreign");   /* too short for a prefix */
	/* the image unknown: not VMware's, not checked */
	assert_string_equal(check("DEL", NULL), "unchecked");
	assert_string_equal(check("XYZ", ""), "unchecked");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_vendor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
