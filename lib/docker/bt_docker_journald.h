/* journald JSON export (`journalctl -u docker -o json`), BT_FORMAT_JOURNALD_JSON.
 *
 * One JSON object per line. Used: __REALTIME_TIMESTAMP (microseconds, the
 * event time unless MESSAGE is a logrus record with its own time; kept as
 * RealtimeTimestamp), _HOSTNAME (host), MESSAGE (parsed as a logrus record
 * when it is one: bt_docker_logrus.h), _PID (Pid), _COMM (Comm),
 * SYSLOG_IDENTIFIER (SyslogIdentifier), _SYSTEMD_UNIT (Unit), PRIORITY (the
 * level when the message has none: 0-2 -> 1, 3 -> 2, 4 -> 3, 5-6 -> 4, 7 -> 5)
 * and _CMDLINE: the first time each distinct command line of dockerd or
 * containerd is seen, a daemon.config event (DaemonArgs, ApiListen, ApiTcp)
 * comes before the entry's own event.
 *
 * Values exported as arrays of numbers (not UTF-8) are turned back into
 * bytes; a field exported as null (over journalctl's size limit) is absent
 * (counted, one note per file); a repeated field (an array) gives its first
 * value. Entries of other programs (not dockerd, containerd, docker-proxy,
 * nor about the docker/containerd units) are counted as skipped. A line that
 * is not a JSON object is counted as failed and reported. */
#ifndef BT_DOCKER_JOURNALD_H
#define BT_DOCKER_JOURNALD_H

#include "io/bt_reader.h"

extern const struct bt_reader_ops bt_reader_journald;

#endif
