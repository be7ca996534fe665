/* The subcommands, as a table (like tmux's cmd_entry): each command is one
 * entry naming its usage, help, options and handler. main.c dispatches and
 * lists the commands from the table; cmd_usage prints a command's --help
 * from its entry; cmd_getopt is the option loop every command shares. */
#ifndef BT_COMMANDS_H
#define BT_COMMANDS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

struct read_opts;

struct cmd_entry {
	const char *name;
	const char *args;             /* after "boxtrail NAME" in the usage line */
	const char *summary;          /* its line in `boxtrail --help` */
	const char *about;            /* what it does, under the usage line */
	const char *options;          /* help of its own options */
	const char *footer;           /* exit status and notes, last in --help */
	const char *shortopts;        /* its own (the reading options add theirs) */
	const struct option *longopts;   /* all of them, READ_LONG_OPTS included */
	bool reads_evidence;          /* takes the reading options of readopts.h */
	/* argv starts at the command's name; returns an exit status (cli.h) */
	int (*exec)(const struct cmd_entry *self, int argc, char **argv);
};

extern const struct cmd_entry cmd_hunt_entry, cmd_events_entry, cmd_search_entry, cmd_hosts_entry,
    cmd_baseline_entry, cmd_summary_entry, cmd_rules_entry;

/* Every command, in the order `boxtrail --help` lists them; NULL-terminated. */
extern const struct cmd_entry *const cmd_table[];

/* The command named `name`, or NULL. */
const struct cmd_entry *cmd_find(const char *name);

/* Prints the command's --help. */
void cmd_usage(const struct cmd_entry *e, FILE *f);

/* Runs getopt over the command's options: reading options go to `ro` (when
 * the command reads evidence), --help prints the usage, the rest go to
 * `opt` (returns 1 taken, -1 bad value, already reported). Returns 0 when
 * the options are done (optind at the first operand), -1 after --help, or
 * EXIT_FATAL on a usage error (reported). */
int cmd_getopt(const struct cmd_entry *e, int argc, char **argv, struct read_opts *ro,
               int (*opt)(void *ctx, int c, const char *arg), void *ctx);

#endif
