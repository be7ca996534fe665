/* Container virtual fields for correlations (boxtrail(1) BASELINES), so
 * that a host's container baseline compares one value whichever log names
 * it:
 *   ContainerImage    the image a container runs: Docker's own events name
 *                     it (Image); a process creation of docker, nerdctl,
 *                     podman or ctr names it on its command line
 *                     (`run`/`create`, after the options). Normalised:
 *                     lower case, without "docker.io/" and "library/",
 *                     ":latest" when no tag or digest is given.
 *   ContainerAccount  who started it: a process creation's User (Sysmon 1),
 *                     else SubjectDomainName\SubjectUserName (4688).
 *                     Docker's own logs name no account.
 *   HourOfDay         the event's hour of the day, UTC, "00" to "23".
 * Returns -1 when `field` is none of them, 0 when the event has no value,
 * 1 when written (NUL-terminated, at most n bytes). */
#ifndef BT_CONTAINER_FIELDS_H
#define BT_CONTAINER_FIELDS_H

#include <stddef.h>

#include "core/bt_event.h"

int bt_container_value(const struct bt_event *ev, const char *field, char *out, size_t n);

/* The image of a docker/nerdctl/podman/ctr `run` or `create` command line,
 * not normalised; false when the line is no such command. Exposed for
 * unit tests. */
int bt_container_cli_image(const char *cmd, size_t len, char *out, size_t n);

#endif
