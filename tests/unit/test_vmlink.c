/* bt_vmlink: which ESXi host a VM ran on, learned from hostd's power-on
 * events and vmware.log's guest host name, or given by the host map. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hunt/bt_vmlink.h"

/* An ESXi event of `action` for VM `vm` on `host`, from file:line. */
static const struct bt_event *esxi(struct bt_evbuf *eb, const char *action, const char *vm,
                                   const char *host, const char *file, uint64_t line)
{
	bt_evbuf_reset(eb, BT_SOURCE_ESXI);
	eb->ev.channel = "esxi";
	eb->ev.provider = "hostd";
	eb->ev.host = host;
	eb->ev.file = file;
	eb->ev.line = line;
	bt_evbuf_adds(eb, "Action", action);
	if (vm)
		bt_evbuf_adds(eb, "VmName", vm);
	return bt_evbuf_done(eb);
}

/* The collection host of a file: "a/..." is esx-a's. */
static const char *host_of(void *ctx, const char *file)
{
	(void)ctx;
	return strncmp(file, "a/", 2) == 0 ? "esx-a" : NULL;
}

static void test_learned(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	struct bt_vmlinks *v = bt_vmlinks_new();
	assert_non_null(v);
	bt_vmlinks_learn(v, esxi(&eb, "vm.power_on", "WIN-BUILD01", "esx01.lab", "b/hostd.log", 9));
	bt_vmlinks_learn(v, esxi(&eb, "vm.power_on", "WIN-BUILD01", "esx01.lab", "a/hostd.log", 5));
	/* not a power-on, no VM name, no host: nothing learned */
	bt_vmlinks_learn(v, esxi(&eb, "vm.power_off", "OTHER", "esx01.lab", "a/hostd.log", 6));
	bt_vmlinks_learn(v, esxi(&eb, "vm.power_on", NULL, "esx01.lab", "a/hostd.log", 7));
	bt_vmlinks_learn(v, esxi(&eb, "vm.power_on", "NOHOST", NULL, "a/hostd.log", 8));
	const struct bt_vmlink *l = bt_vmlinks_host_of(v, "win-build01.corp.example");
	assert_non_null(l);
	assert_string_equal(l->host, "esx01.lab");
	assert_string_equal(l->evidence, "a/hostd.log:5");   /* the smallest, whatever the order */
	assert_false(l->from_file);
	assert_null(bt_vmlinks_host_of(v, "OTHER"));
	assert_null(bt_vmlinks_host_of(v, "NOHOST"));
	assert_null(bt_vmlinks_host_of(v, ""));
	/* a log that names no host: linked once its collection's host is known */
	bt_vmlinks_learn(v, esxi(&eb, "vm.power_on", "GUEST-X", NULL, "z/hostd.log", 2));
	bt_vmlinks_resolve(v, host_of, NULL);
	assert_null(bt_vmlinks_host_of(v, "GUEST-X"));   /* z/ has no known host */
	l = bt_vmlinks_host_of(v, "NOHOST");
	assert_non_null(l);
	assert_string_equal(l->host, "esx-a");
	assert_string_equal(l->evidence, "a/hostd.log:8");
	/* the same name on a second host: which one ran the guest is unknown */
	bt_vmlinks_learn(v, esxi(&eb, "vm.power_on", "WIN-BUILD01", "esx02.lab", "c/hostd.log", 1));
	assert_null(bt_vmlinks_host_of(v, "WIN-BUILD01"));
	/* the analyst's map decides */
	bt_vmlinks_add_file(v, "win-build01", "esx02.lab", "map.txt:3");
	l = bt_vmlinks_host_of(v, "WIN-BUILD01");
	assert_non_null(l);
	assert_string_equal(l->host, "esx02.lab");
	assert_true(l->from_file);
	bt_vmlinks_free(v);
	bt_evbuf_free(&eb);
}

/* vmware.log: the VM build-vm-07's guest calls itself WIN-CT01 */
static const struct bt_event *guest_name(struct bt_evbuf *eb, const char *guest, const char *vm,
                                         const char *host, const char *file, uint64_t line)
{
	bt_evbuf_reset(eb, BT_SOURCE_ESXI);
	eb->ev.channel = "esxi";
	eb->ev.provider = "vmx";
	eb->ev.host = host;
	eb->ev.file = file;
	eb->ev.line = line;
	bt_evbuf_adds(eb, "Action", "vm.guest_hostname");
	if (guest)
		bt_evbuf_adds(eb, "GuestHostname", guest);
	if (vm)
		bt_evbuf_adds(eb, "VmName", vm);
	return bt_evbuf_done(eb);
}

static void test_guest_hostname(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	struct bt_vmlinks *v = bt_vmlinks_new();
	assert_non_null(v);
	bt_vmlinks_learn(v, esxi(&eb, "vm.power_on", "build-vm-07", "esx01.lab", "a/hostd.log", 5));
	/* the power-on alone links the VM's name, not the guest's */
	assert_null(bt_vmlinks_host_of(v, "WIN-CT01.corp.example"));
	bt_vmlinks_learn(v, guest_name(&eb, "WIN-CT01", "build-vm-07", "esx01.lab",
	                               "a/vmfs/volumes/ds1/build-vm-07/vmware.log", 8));
	const struct bt_vmlink *l = bt_vmlinks_host_of(v, "WIN-CT01.corp.example");
	assert_non_null(l);
	assert_string_equal(l->host, "esx01.lab");
	assert_string_equal(l->display, "build-vm-07");
	assert_string_equal(l->how, "vmware.log guestinfo.hostname");
	assert_string_equal(l->evidence, "a/vmfs/volumes/ds1/build-vm-07/vmware.log:8");
	assert_false(l->from_file);
	/* no guest name: nothing; a log without host waits for its collection's */
	bt_vmlinks_learn(v, guest_name(&eb, NULL, "vm-x", "esx01.lab", "a/vmware.log", 3));
	assert_null(bt_vmlinks_host_of(v, "vm-x"));
	bt_vmlinks_learn(v, guest_name(&eb, "LNX-7", NULL, NULL, "a/x/vmware.log", 4));
	assert_null(bt_vmlinks_host_of(v, "LNX-7"));
	bt_vmlinks_resolve(v, host_of, NULL);
	l = bt_vmlinks_host_of(v, "lnx-7");
	assert_non_null(l);
	assert_string_equal(l->host, "esx-a");
	assert_null(l->display);
	bt_vmlinks_free(v);
	bt_evbuf_free(&eb);
}

static void test_not_esxi(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	struct bt_vmlinks *v = bt_vmlinks_new();
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	eb.ev.host = "esx01";
	eb.ev.file = "x";
	bt_evbuf_adds(&eb, "Action", "vm.power_on");
	bt_evbuf_adds(&eb, "VmName", "WIN-BUILD01");
	bt_vmlinks_learn(v, bt_evbuf_done(&eb));
	assert_null(bt_vmlinks_host_of(v, "WIN-BUILD01"));
	bt_vmlinks_free(v);
	bt_evbuf_free(&eb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learned),
		cmocka_unit_test(test_guest_hostname),
		cmocka_unit_test(test_not_esxi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
