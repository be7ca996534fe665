/* The reader of ESXi text logs (BT_FORMAT_ESXI_LOG): hostd.log, shell.log,
 * auth.log, esxupdate.log, lifecycle.log, vobd.log, syslog.log and the other
 * files vmsyslogd writes, 6.7 to 8.0 (line shapes: bt_esxi_line.h).
 *
 * One event per record, source "esxi", channel "esxi", provider the log the
 * program writes to (bt_esxi_provider), with provenance file:line. Fields:
 * Program, Pid, Severity and Priority (8.0) or LogLevel (hostd 6.7/7.0),
 * Facility (8.0), TimeOriginal, Message, and the facts of bt_esxi_facts.h.
 * A record's continuation lines (8.0's '+' lines of the same program and
 * id; lines without a record head, such as hostd's "--> ") are joined to
 * its Message with a newline (at most BT_ESXI_MAX_MSG bytes; the rest are
 * counted in ContinuationDropped) and counted in the input's skipped lines.
 *
 * Not lost silently: lines with control bytes, text before the first
 * record, and 8.0 continuation lines whose record is not the one before
 * them are counted as failed and reported with their line number.
 *
 * The host: a vm-support bundle's folder is named after the host
 * (esx-HOST-YYYY-MM-DD--HH.MM-PID): its files' events carry that host (field
 * HostSource "vm-support bundle name"). Otherwise the logs name no host, and
 * the host comes from --assume-host or from the rest of the collection. */
#ifndef BT_ESXI_LOG_H
#define BT_ESXI_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "io/bt_reader.h"

#define BT_ESXI_MAX_MSG (64u * 1024)

/* The host a vm-support bundle's folder names in `path` (the innermost such
 * folder), copied into out[0..n); false when there is none. */
bool bt_esxi_bundle_host(const char *path, char *out, size_t n);

/* True when a line starts with a head only ESXi writes: 8.0's severity
 * field, hostd's level and program[pid], a syslog program[pid]:, vobd's
 * "TIME: [Correlator]", or "TIME program:" of ESXi's own programs
 * (recognition: input/bt_detect.c). */
bool bt_esxi_head(const char *s, size_t n);

extern const struct bt_reader_ops bt_reader_esxi;

#endif
