/* The line shapes of ESXi's logs (hostd.log, shell.log, auth.log,
 * esxupdate.log, lifecycle.log, vobd.log, syslog.log, ...), 6.7 to 8.0.
 * Every record starts with an RFC 3339 time (UTC, 'Z'), then one of
 *   8.0      TIME Sv(PRI)[+] IDENT[PID]: MSG    Sv: Em Al Cr Er Wa No In Db,
 *                                               PRI facility*8+severity; '+'
 *                                               marks a continuation line
 *   hostd    TIME level IDENT[PID] MSG          6.7/7.0 hostd, vpxa, rhttpproxy
 *                                               (level: verbose, info, warning,
 *                                               error, critical, panic, trivia)
 *   syslog   TIME IDENT[PID]: MSG               6.7/7.0 shell, sshd, syslog
 *   bare     TIME IDENT: MSG                    6.7/7.0 esxupdate, lifecycle,
 *                                               vmkernel ("esxupdate: 2099537: ...");
 *                                               also a log's first line "TIME -
 *                                               time the service was last started
 *                                               ..., Section for VMware ESX, ..."
 *                                               (no IDENT)
 *   vobd     TIME: MSG                          6.7/7.0 vobd ("[Correlator] ...")
 *   vmk      TIME cpuN:WORLD)MSG                6.7/7.0 vmkernel.log (no program;
 *                                               8.0 writes "In(182) vmkernel: cpu0:...")
 *   vmx      TIME| THREAD| [Lnnn: ]MSG          6.7/7.0 vmware.log, the log in a
 *                                               VM's folder ("| vmx| I125: ...")
 *            TIME Sv(PRI) THREAD OPID MSG       8.0 vmware.log ("In(05) vmx - ...")
 * Lines without such a head continue the record before them (hostd's
 * "--> " lines, wrapped text). */
#ifndef BT_ESXI_LINE_H
#define BT_ESXI_LINE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/bt_time.h"

enum bt_esxi_shape {
	BT_ESXI_SHAPE_NONE = 0,
	BT_ESXI_SHAPE_V8,       /* TIME Sv(PRI)[+] IDENT[PID]: MSG */
	BT_ESXI_SHAPE_HOSTD,    /* TIME level IDENT[PID] MSG */
	BT_ESXI_SHAPE_SYSLOG,   /* TIME IDENT[PID]: MSG */
	BT_ESXI_SHAPE_BARE,     /* TIME IDENT: MSG */
	BT_ESXI_SHAPE_VOBD,     /* TIME: MSG */
	BT_ESXI_SHAPE_VMX,      /* vmware.log: TIME| THREAD| MSG, TIME Sv(PRI) THREAD OPID MSG */
	BT_ESXI_SHAPE_VMK,      /* TIME cpuN:WORLD)MSG (vmkernel.log 6.7/7.0) */
};

struct bt_esxi_line {
	enum bt_esxi_shape shape;
	bt_time time;
	const char *stamp;           /* the time as written */
	size_t stamp_len;
	const char *sev;             /* V8: "In"; HOSTD: the level word; else NULL */
	size_t sev_len;
	int pri;                     /* V8: the priority value, -1 when absent */
	int level;                   /* event level (1 critical .. 5 verbose), -1 unknown */
	bool cont;                   /* V8: the line marker '+' (continues the record) */
	const char *ident, *pid;     /* program and its process/thread id (NULL if none);
	                              * VMX: the thread (vmx, vcpu-0, mks) */
	size_t ident_len, pid_len;
	const char *opid;            /* VMX 8.0: the operation id ("-": none) */
	size_t opid_len;
	size_t msg_off;              /* where the message starts (<= the line's length) */
};

/* Parses the head of one line (without its line end). False when the line
 * does not start with an ESXi record head. */
bool bt_esxi_line_parse(const char *s, size_t n, struct bt_esxi_line *out);

/* The log a program writes to, as the event's provider: "hostd", "shell",
 * "auth" (sshd, dcui, login), "esxupdate", "lifecycle", "vobd", "vmx" (a
 * VM's vmware.log), else "syslog" (the catch-all syslog.log). */
const char *bt_esxi_provider(const char *ident, size_t n, enum bt_esxi_shape shape);

#endif
