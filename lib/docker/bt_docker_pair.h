/* Pairs dockerd's debug "form data: {...}" lines with the "Calling METHOD URI"
 * line of the same API request, so that one event carries both the call
 * (Action, ApiPath, ContainerName) and its body's facts (Image, Command,
 * Privileged, Binds, ...), while events still come out in file order.
 *
 * A Calling event whose call carries a body (container create, exec create)
 * waits in a queue for at most BT_PAIR_WINDOW later events (other requests'
 * lines may come in between); the events behind it wait too. The first form
 * data line with a compatible body that arrives in the window is merged into
 * it (the merged event gets ApiBodyLine, the form data line's number, or
 * ApiBodyRecord, its record id, where the evidence has no lines: journal
 * files) and is not emitted on its own. A form data line with no Calling line to pair
 * becomes an event of its own: container.create / container.exec with the
 * body's facts when the body has that shape, else daemon.log. */
#ifndef BT_DOCKER_PAIR_H
#define BT_DOCKER_PAIR_H

#include <stdbool.h>

#include "core/bt_event.h"
#include "core/bt_status.h"

/* Events a Calling line waits for its form data; bytes queued at most. */
#define BT_PAIR_WINDOW 32
#define BT_PAIR_MAX_BYTES (8u * 1024 * 1024)

struct bt_docker_pair;

/* Returns a new, empty pairer or NULL when out of memory. */
struct bt_docker_pair *bt_docker_pair_new(void);
void bt_docker_pair_free(struct bt_docker_pair *p);

/* True when `ev` must go through the pairer: events are queued, or `ev`
 * waits for a body or is one. Otherwise the caller may emit it directly. */
bool bt_docker_pair_wants(const struct bt_docker_pair *p, const struct bt_event *ev);

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
