/* The command table and what its entries share: usage text and the option
 * loop. */
#include "config.h"

#include "commands.h"

#include <string.h>

#include "cli.h"
#include "readopts.h"

const struct cmd_entry *const cmd_table[] = {&cmd_hunt_entry, &cmd_events_entry, &cmd_search_entry,
                                             &cmd_hosts_entry, &cmd_baseline_entry,
                                             &cmd_summary_entry, &cmd_rules_entry, NULL};

const struct cmd_entry *cmd_find(const char *name)
{
	for (size_t i = 0; cmd_table[i]; i++)
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	return NULL;
}

void cmd_usage(const struct cmd_entry *e, FILE *f)
{
	fprintf(f, "Usage: boxtrail %s %s\n%s\n%s%s", e->name, e->args, e->about, e->options,
	        e->reads_evidence ? READ_OPTS_HELP : "");
	fprintf(f, "  -h, --help             this help\n\n%s", e->footer);
}

int cmd_getopt(const struct cmd_entry *e, int argc, char **argv, struct read_opts *ro,
               int (*opt)(void *ctx, int c, const char *arg), void *ctx)
{
	char shortopts[64];
	snprintf(shortopts, sizeof shortopts, "%s%sh", e->reads_evidence ? READ_SHORT_OPTS : "",
	         e->shortopts);
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, e->longopts, NULL)) != -1) {
		int r = e->reads_evidence ? read_opts_parse(ro, c, optarg, e->name) : 0;
		if (r == 0 && c == 'h') {
			cmd_usage(e, stdout);
			return -1;
		}
		if (r == 0 && c != '?' && c != ':')
			r = opt(ctx, c, optarg);
		if (r < 0)
			return EXIT_FATAL;
		if (r == 0) {
			fprintf(stderr, "Try 'boxtrail %s --help'.\n", e->name);
			return EXIT_FATAL;
		}
	}
	return 0;
}
