/* boxtrail: offline forensic triage of container-borne attacks in Windows
 * event logs and Docker evidence. This file only dispatches subcommands. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker/bt_docker_journalfile.h"
#include "evtx/bt_evtx_libevtx.h"
#include "evtx/bt_evtx_xml.h"
#include "rules/bt_sigma_match.h"
#include "rules/bt_yaml.h"
#include "cli.h"
#include "commands.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: boxtrail COMMAND [OPTIONS] PATH...\n"
	           "Offline triage of Windows event logs (EVTX) and Docker evidence.\n"
	           "\n"
	           "Commands:\n");
	for (size_t i = 0; cmd_table[i]; i++)
		fprintf(f, "  %-8s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	fprintf(f, "\n"
	           "  boxtrail COMMAND --help    options of a command\n"
	           "  boxtrail --version         versions of boxtrail and its libraries\n"
	           "\n"
	           "Exit status: 0 nothing found, 1 findings, 2 usage or fatal error,\n"
	           "+4 when some input could not be read. See boxtrail(1).\n");
}

static void version(void)
{
	printf("boxtrail %s\n", PACKAGE_VERSION);
	printf("libevtx %s\n", bt_libevtx_version());
	printf("libxml2 %s\n", bt_libxml2_version());
	printf("PCRE2 %s\n", bt_pcre2_version());
	printf("libyaml %s\n", bt_libyaml_version());
}

/* Flushes stdout; a write error turns the status into EXIT_FATAL. */
static int finish(int status)
{
	return cli_output_status(status);
}

/* The path of this executable, to re-run as the libevtx worker: argv[0]
 * resolved (so that it also works under valgrind, where /proc/self/exe is
 * the tool), else /proc/self/exe. */
static const char *self_path(const char *argv0)
{
	static char path[PATH_MAX];
	if (strchr(argv0, '/')) {
		if (realpath(argv0, path))
			return path;
	} else {
		const char *env = getenv("PATH");
		char *dirs = env ? strdup(env) : NULL;
		for (char *save, *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d;
		     d = strtok_r(NULL, ":", &save)) {
			char cand[PATH_MAX];
			if (snprintf(cand, sizeof cand, "%s/%s", *d ? d : ".", argv0) < (int)sizeof cand &&
			    access(cand, X_OK) == 0 && realpath(cand, path)) {
				free(dirs);
				return path;
			}
		}
		free(dirs);
	}
	return "/proc/self/exe";
}

int main(int argc, char **argv)
{
	/* The libevtx reader re-runs this program as its crash-isolated worker;
	 * the worker's arguments are that reader's own protocol, built and
	 * parsed beside each other in lib/evtx/bt_evtx_libevtx.c. */
	if (argc >= 3 && strcmp(argv[1], "__evtx-worker") == 0)
		return bt_evtx_worker_main_args(argc - 2, argv + 2, STDOUT_FILENO);
	if (argc >= 3 && strcmp(argv[1], "__journal-worker") == 0)
		return bt_journal_worker_main(argc - 2, argv + 2, STDOUT_FILENO);
	if (argc < 2) {
		usage(stderr);
		return EXIT_FATAL;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return finish(EXIT_NOTHING);
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		version();
		return finish(EXIT_NOTHING);
	}
	/* Test hook (documented in ENVIRONMENT): another program serving __evtx-worker. */
	const char *worker = getenv("BOXTRAIL_EVTX_WORKER");
	cli_worker_exe = worker && *worker ? worker : self_path(argv[0]);
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	const struct cmd_entry *e = cmd_find(cmd);
	if (e)
		return finish(e->exec(e, argc - 1, argv + 1));
	cli_errorf("unknown command '%s'", cmd);
	usage(stderr);
	return EXIT_FATAL;
}
