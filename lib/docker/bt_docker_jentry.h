/* One systemd journal entry -> Docker events: the mapping shared by the
 * readers of `journalctl -o json` exports (bt_docker_journald.h) and of
 * binary journal files (bt_docker_journalfile.h), so that an entry gives the
 * same events whichever form it was collected in.
 *
 * A reader hands over each entry as (field name, value) pairs, then asks for
 * its events. Fields used: __REALTIME_TIMESTAMP (microseconds, the event time
 * unless MESSAGE is a logrus record with its own time; kept as
 * RealtimeTimestamp, or TimeOriginal when it is the time), _HOSTNAME (host),
 * MESSAGE (parsed as a logrus record when it is one: bt_docker_logrus.h),
 * _PID (Pid), _COMM (Comm), SYSLOG_IDENTIFIER (SyslogIdentifier),
 * _SYSTEMD_UNIT (Unit), UNIT, PRIORITY (the level when the message has none:
 * 0-2 -> 1, 3 -> 2, 4 -> 3, 5-6 -> 4, 7 -> 5), __SEQNUM (the event's record
 * id: the entry's sequence number, a reference to it in its file) and
 * _CMDLINE: the first time each distinct command line of dockerd or
 * containerd is seen, a daemon.config event (DaemonArgs, ApiListen, ApiTcp)
 * comes before the entry's own event. A repeated field gives its first value.
 *
 * Entries of other programs (not dockerd, containerd, docker-proxy, nor about
 * the docker/containerd units) are counted as skipped (ctx->stats->skipped)
 * and summarised in one note, except a DHCP client's lease line
 * (bt_journal_dhcp.h): it gives a host-config event (provider "dhcp", fields
 * IpAddress and Interface) of the entry's host and time, the host's own
 * address from then on; and sudo's line for a container CLI
 * (bt_journal_sudo.h): a container.cli event (provider "sudo", fields User,
 * RunAsUser, CurrentDirectory, CommandLine), who ran the client. Events are
 * those of bt_docker_pair.h: a
 * "Calling" entry waits for its "form data" entry, so events come out of
 * bt_jentry_pop; the merged body's reference is ApiBodyLine (its line, for
 * exports) or ApiBodyRecord (its sequence number, for journal files). */
#ifndef BT_DOCKER_JENTRY_H
#define BT_DOCKER_JENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bt_event.h"
#include "docker/bt_docker_facts.h"
#include "io/bt_reader.h"

struct bt_jentry;

/* Returns a new mapper for the entries of one input, or NULL when out of
 * memory. bt_jentry_free(NULL) is safe. */
struct bt_jentry *bt_jentry_new(void);
void bt_jentry_free(struct bt_jentry *m);

/* True for the field names the mapping uses (a reader may pass only those). */
bool bt_jentry_wanted(const char *name, size_t nl);

/* Starts the next entry: forgets the fields of the previous one. */
void bt_jentry_begin(struct bt_jentry *m);

/* One field of the entry: name[0..nl) = value[0..vl) (copied). Fields the
 * mapping does not use are ignored; a repeated field keeps its first value. */
void bt_jentry_field(struct bt_jentry *m, const char *name, size_t nl, const char *value,
                     size_t vl);

/* A used field present without a value (a JSON export's null: over
 * journalctl's size limit): counted for the summary, left absent. */
void bt_jentry_null(struct bt_jentry *m, const char *name, size_t nl);

/* Maps the entry begun last into events. `line` (0 for binary files) and
 * `offset` are its provenance. Returns true with *ev when an event is to be
 * handed out now (valid until the next call on ctx->eb or the mapper); else
 * the events wait in the mapper (bt_jentry_pop). */
bool bt_jentry_map(struct bt_reader_ctx *ctx, struct bt_jentry *m, uint64_t line,
                   uint64_t offset, const struct bt_event **ev);

/* The next event ready in the mapper, or NULL; with `flush` (end of input)
 * every queued event is ready. */
const struct bt_event *bt_jentry_pop(struct bt_jentry *m, struct bt_evbuf *eb, bool flush);

/* The mapper's warnings (the first BT_DOCKER_MAX_WARNINGS listed), shared
 * with the reader's own. */
struct bt_docker_warnings *bt_jentry_warnings(struct bt_jentry *m);

/* At the end of the input, once: counts merged form data lines as skipped,
 * notes entries of other programs and null fields, warnings not listed. */
void bt_jentry_summarise(struct bt_reader_ctx *ctx, struct bt_jentry *m);

#endif
