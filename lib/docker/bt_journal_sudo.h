/* sudo's journal line for a container CLI, for the journal entry mapping
 * (bt_docker_jentry.h): "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ;
 * COMMAND=/usr/bin/docker run -d nginx". Docker's own logs name no account;
 * this line names who ran the client (the account before the colon) and as
 * whom (USER=). Only a command whose program is docker, nerdctl, podman or
 * ctr is taken; sudo's other lines (sessions, failures, other commands) are
 * not. */
#ifndef BT_JOURNAL_SUDO_H
#define BT_JOURNAL_SUDO_H

#include <stdbool.h>
#include <stddef.h>

struct bt_sudo_line {
	const char *user, *runas, *pwd, *command;   /* into the message */
	size_t user_len, runas_len, pwd_len, command_len;
};

/* True when `msg`, logged by the program `prog` (SYSLOG_IDENTIFIER or _COMM:
 * sudo), is a command line of a container CLI run through sudo. */
bool bt_sudo_line_parse(const char *prog, size_t prog_len, const char *msg, size_t msg_len,
                        struct bt_sudo_line *out);

#endif
