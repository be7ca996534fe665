/* Docker Desktop's log/vm/init.log (BT_FORMAT_DOCKER_DESKTOP_INIT): the log
 * that releases since about September 2025 write instead of log/vm/dockerd.log
 * and containerd.log, every service of the VM in one file, one JSON object
 * per line:
 *
 *   {"component":"dockerd","level":"info","msg":"time=\"...\" level=debug msg=\"Calling POST ...\"","time":"2026-09-03T13:41:19.268180094Z"}
 *
 * Only `component` is documented (docker/docs pull request 24929). Assumed,
 * and named so in the manual: `msg` is the service's whole line as it printed
 * it (for dockerd and containerd their logrus text), `time` the time the VM's
 * init wrote it (RFC 3339), `level` the init's own level of the entry (not the
 * service's). Other keys are not read.
 *
 * Each entry is read as a line of the older log/vm/dockerd.log: `msg` with
 * the daemon-log engine of bt_docker_logrus.h (API calls paired with their
 * form data, creates confirmed, containerd tasks, continuation lines), the
 * time and level inside `msg` winning over the entry's. Source
 * docker-desktop, provider by component as for the other Docker Desktop logs
 * (bt_desktop_provider: dockerd, containerd, else docker-desktop), Component
 * the component as written, file and line those of init.log. */
#ifndef BT_DOCKER_INITLOG_H
#define BT_DOCKER_INITLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "docker/bt_docker_logrus.h"

/* True when the first lines of `s` (a file's head; `at_eof`: the head is the
 * whole file, so its last line is complete) are init.log entries: of the
 * first BT_INITLOG_PROBE_LINES non-blank complete lines the first and at
 * least three in four are entries, JSON objects with a `component` that is a
 * word ([A-Za-z0-9._-], at most 64 bytes) and a string `msg`, and one of
 * them is the component init, dockerd or containerd (a first line longer
 * than the head: its text names one of them). Other JSON logs with a
 * component key are not taken. */
#define BT_INITLOG_PROBE_LINES 16
bool bt_initlog_probe(const unsigned char *s, size_t n, bool at_eof);

/* The engine's decoder (bt_decode_fn) of one entry: writes
 * "TIME COMPONENT LEVEL MSG" to `out`, TIME and LEVEL as written or "-" when
 * absent or not one printable word, MSG the decoded `msg` with control
 * characters other than tab written as \n, \r or \u00XX (so that an entry
 * stays one line). False when the line is not an entry. */
bool bt_initlog_decode(const char *s, size_t n, struct bt_buf *out, struct json_tokener *tok);

/* The prefix parser of decoded entries (bt_prefix_fn). */
bool bt_initlog_prefix(const char *s, size_t n, struct bt_line_prefix *out);

extern const struct bt_reader_ops bt_reader_docker_desktop_init;

#endif
