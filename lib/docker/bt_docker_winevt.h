/* Docker facts in Windows event logs, added to EVTX events in place (their
 * EVTX identity: channel, provider, event id, level, record id, stays).
 *
 * dockerd running as a Windows service writes its log to the Application
 * channel under its service name (provider "docker" unless dockerd ran with
 * --service-name; matched without regard to case): event id 1 for error,
 * warning and info lines (the EVTX level tells which), 2 debug, 3 panic,
 * 4 fatal, plus 10 when the line had fields. Data[0] is the message and
 * Data[1] the fields as unquoted "k=v k=v" in no fixed order (split at each
 * " key="; values holding " word=" are cut there). Such an event gains
 * Action and the facts of the message (as for daemon logs: API calls, form
 * data bodies, daemon start, API listen), Message, LogLevel (info, warning,
 * error, debug, panic, fatal) and each k=v as a field; Data stays as it was.
 *
 * The Host Compute Service (provider Microsoft-Windows-Hyper-V-Compute;
 * channels Microsoft-Windows-Hyper-V-Compute-Operational and -Admin) names the
 * compute system, which for a Docker container is the container id, in its
 * event data (SystemId, or Id): the event gains ContainerID and Action
 * "compute.event". Which HCS event ids mean create, start and terminate is
 * not documented publicly; no id is mapped to container.* yet (the
 * manual says so under INPUT FORMATS). */
#ifndef BT_DOCKER_WINEVT_H
#define BT_DOCKER_WINEVT_H

#include "core/bt_event.h"
#include "io/bt_reader.h"

/* The Docker readers' own option: the Windows service name of dockerd, the
 * provider of its Application log events (NULL: "docker", its default). */
struct bt_docker_opts {
	const char *service_name;
};

/* Adds the Docker fields to an EVTX event built in `eb` when its provider is
 * the docker service or the HCS; returns quickly otherwise. */
void bt_docker_winevt_enrich(struct bt_evbuf *eb, const struct bt_docker_opts *opts);

#endif
