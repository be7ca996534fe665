/* Subcommands: each takes argc/argv starting at its own name and returns an
 * exit status (cli.h). */
#ifndef BT_COMMANDS_H
#define BT_COMMANDS_H

int cmd_events(int argc, char **argv);
int cmd_hunt(int argc, char **argv);
int cmd_rules(int argc, char **argv);

#endif
