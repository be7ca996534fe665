/* The look-ahead of a daemon log read in order: pairs dockerd's debug
 * "form data: {...}" lines with the "Calling METHOD URI" line of the same API
 * request, and holds each container create back until what follows it says
 * whether the container was made, while events still come out in file order.
 *
 * Pairing. A Calling event whose call carries a body (container create, exec
 * create) waits in a queue for at most BT_PAIR_WINDOW later events (other
 * requests' lines may come in between); the events behind it wait too. The
 * first form data line with a compatible body that arrives in the window is
 * merged into it (the merged event gets ApiBodyLine, the form data line's
 * number, or ApiBodyRecord, its record id, where the evidence has no lines:
 * journal files) and is not emitted on its own. A form data line with no
 * Calling line to pair becomes an event of its own: container.create /
 * container.exec with the body's facts when the body has that shape, else
 * daemon.log.
 *
 * Confirmation. "Calling POST /containers/create" says a client asked, not
 * that a container was made: when the image is missing the CLI gets a 404,
 * pulls and calls create again, and dockerd logs an error line only for
 * server errors (5xx). The create's id is in the response, which is not
 * logged, so a create is confirmed by what the client does with the new id:
 * a later POST /containers/<hex id>/... (start, attach, wait, exec...) or a
 * containerd task start of a 64-hex id, where that id was not seen in the
 * log before the create (the oldest create still waiting takes it). Names
 * never confirm: a call by name after a refused create gets a 404 that is
 * not logged either. A create stays unconfirmed when another create of the
 * same name (or, both unnamed, of the same image) follows before anything
 * confirms it (the CLI's retry after pulling), when BT_CONFIRM_SECS of log time or BT_CONFIRM_EVENTS events
 * pass first, when the look-ahead reaches BT_PAIR_MAX_BYTES, or when the log
 * ends. The create event then gets Confirmed ("true"/"false") and
 * Confirmation, the reason with the line (or record) that decided it
 * ("confirmed by line 30: ..." / "unconfirmed: ..."; a pull of the create's
 * image that followed it is named). Unconfirmed is "not shown by this log",
 * not "did not happen": a `docker create` started minutes later by name stays
 * unconfirmed here, and other evidence of the container (docker events,
 * /var/lib/docker, the client's command line) stands on its own. */
#ifndef BT_DOCKER_PAIR_H
#define BT_DOCKER_PAIR_H

#include <stdbool.h>

#include "core/bt_event.h"
#include "core/bt_status.h"

/* Events a Calling line waits for its form data; bytes queued at most. */
#define BT_PAIR_WINDOW 32
#define BT_PAIR_MAX_BYTES (8u * 1024 * 1024)
/* How far a create looks ahead for its confirmation: `docker run` starts the
 * container milliseconds after the create returns; a pull after a 404 takes
 * longer and ends in a second create anyway. */
#define BT_CONFIRM_SECS 30
#define BT_CONFIRM_EVENTS 256

struct bt_docker_pair;

/* Returns a new, empty pairer or NULL when out of memory. */
struct bt_docker_pair *bt_docker_pair_new(void);
void bt_docker_pair_free(struct bt_docker_pair *p);

/* True when `ev` must go through the pairer: events are queued, or `ev`
 * waits for a body or a confirmation or is a body. Otherwise the caller may
 * emit it directly (bt_docker_pair_seen first). */
bool bt_docker_pair_wants(const struct bt_docker_pair *p, const struct bt_event *ev);

/* Notes the container id of an event emitted without the pairer, so that a
 * later create is not confirmed by an id the log already knew. */
void bt_docker_pair_seen(struct bt_docker_pair *p, const struct bt_event *ev);

/* Queues a copy of `ev`. BT_ERR_NOMEM when it could not be copied (the
 * event is then lost; the caller reports it). */
enum bt_status bt_docker_pair_push(struct bt_docker_pair *p, const struct bt_event *ev);

/* Builds the next ready event into `eb` and returns it, or NULL when none is
 * ready. With `flush` every queued event is ready (end of input). The event
 * is valid until the next call on `eb` or on the pairer. */
const struct bt_event *bt_docker_pair_pop(struct bt_docker_pair *p, struct bt_evbuf *eb,
                                          bool flush);

/* Form data lines merged into their Calling event so far. */
unsigned long bt_docker_pair_merged(const struct bt_docker_pair *p);

#endif
