/* Collections by layout: KAPE, Velociraptor, UAC (with the host folder
 * around it), a plain folder per host, and near misses (a drive-like folder
 * without a volume in it, a UAC folder named after another host). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "input/bt_collection.h"

static char top[256];

/* mkdir -p TOP/rel and create TOP/rel/file when file is set */
static void make(const char *rel, const char *file)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s", top, rel);
	for (char *s = p + strlen(top) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0700);
			*s = '/';
		}
	mkdir(p, 0700);
	if (file) {
		char f[1200];
		snprintf(f, sizeof f, "%s/%s", p, file);
		FILE *fp = fopen(f, "w");
		assert_non_null(fp);
		fclose(fp);
	}
}

static void expect(struct bt_collections *c, const char *file, const char *root,
                   enum bt_layout layout)
{
	char f[1024], r[1024];
	snprintf(f, sizeof f, "%s/%s", top, file);
	snprintf(r, sizeof r, "%s/%s", top, root);
	const struct bt_collection *k = bt_collection_of(c, f);
	assert_non_null(k);
	assert_string_equal(k->root, r);
	assert_string_equal(bt_layout_name(k->layout), bt_layout_name(layout));
}

static int setup(void **state)
{
	(void)state;
	snprintf(top, sizeof top, "%s/bt-coll-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(top));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_layouts(void **state)
{
	(void)state;
	/* KAPE: the host folder holds C/ with a volume's folders */
	make("case/WS-FIN-22/C/Windows/System32/winevt/Logs", "Security.evtx");
	make("case/WS-FIN-22/C/Users/jsmith/AppData/Local/Docker/log/vm", "init.log");
	/* Velociraptor */
	make("case/velo-H1/uploads/auto/C%3A/Windows/System32/winevt/Logs", "System.evtx");
	make("case/velo-H1/results", "x.json");
	/* UAC inside a host folder with the responder's exports beside it */
	make("case/lnx-ci-07/uac-lnx-ci-07-linux-20260812103044/[root]/etc", "hostname");
	make("case/lnx-ci-07/uac-lnx-ci-07-linux-20260812103044/live_response/network", "ip.txt");
	make("case/lnx-ci-07", "docker-events.json");
	/* UAC output on its own, named after another host than its folder */
	make("case/other/uac-web01-linux-2026/[root]/etc", "hosts");
	/* a plain folder per host; a "C" folder that is no volume */
	make("case/DC01", "Security.evtx");
	make("case/odd/C/stuff", "a.log");
	/* an offline Docker root on its own: one collection for its containers */
	make("case/dockerroot/containers/aaaa", "config.v2.json");
	make("case/dockerroot/containers/bbbb", "hostconfig.json");

	struct bt_collections *c = bt_collections_new();
	assert_non_null(c);
	expect(c, "case/WS-FIN-22/C/Windows/System32/winevt/Logs/Security.evtx", "case/WS-FIN-22",
	       BT_LAYOUT_KAPE);
	expect(c, "case/WS-FIN-22/C/Users/jsmith/AppData/Local/Docker/log/vm/init.log",
	       "case/WS-FIN-22", BT_LAYOUT_KAPE);
	expect(c, "case/velo-H1/uploads/auto/C%3A/Windows/System32/winevt/Logs/System.evtx",
	       "case/velo-H1", BT_LAYOUT_VELOCIRAPTOR);
	expect(c, "case/velo-H1/results/x.json", "case/velo-H1", BT_LAYOUT_VELOCIRAPTOR);
	expect(c, "case/lnx-ci-07/uac-lnx-ci-07-linux-20260812103044/[root]/etc/hostname",
	       "case/lnx-ci-07", BT_LAYOUT_UAC);
	expect(c, "case/lnx-ci-07/uac-lnx-ci-07-linux-20260812103044/live_response/network/ip.txt",
	       "case/lnx-ci-07", BT_LAYOUT_UAC);
	expect(c, "case/lnx-ci-07/docker-events.json", "case/lnx-ci-07", BT_LAYOUT_UAC);
	expect(c, "case/other/uac-web01-linux-2026/[root]/etc/hosts", "case/other/uac-web01-linux-2026",
	       BT_LAYOUT_UAC);
	expect(c, "case/DC01/Security.evtx", "case/DC01", BT_LAYOUT_FOLDER);
	expect(c, "case/odd/C/stuff/a.log", "case/odd/C/stuff", BT_LAYOUT_FOLDER);
	expect(c, "case/dockerroot/containers/aaaa/config.v2.json", "case/dockerroot", BT_LAYOUT_FOLDER);
	expect(c, "case/dockerroot/containers/bbbb/hostconfig.json", "case/dockerroot", BT_LAYOUT_FOLDER);
	/* asked again: the same collection, and one record per collection */
	size_t n = bt_collections_count(c);
	expect(c, "case/WS-FIN-22/C/Windows/System32/winevt/Logs/Security.evtx", "case/WS-FIN-22",
	       BT_LAYOUT_KAPE);
	assert_int_equal(bt_collections_count(c), n);
	assert_int_equal(n, 7);
	bt_collections_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layouts, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
