/* Saved `docker events --format '{{json .}}'` output (BT_FORMAT_DOCKER_EVENTS)
 * and the container output logs of the json-file driver
 * (`containers/<id>/<id>-json.log`, BT_FORMAT_CONTAINER_LOG): one JSON
 * object per line each.
 *
 * docker events: provider "docker-cli". Time from timeNano (else time, in
 * seconds); TimeOriginal is that number as written. Type and Action as
 * written are kept in EventType and EventAction; Action maps container
 * create, start, die/stop, kill, destroy, exec_create/exec_start (with
 * Command from "exec_start: CMD") and image pull, delete to the contract's
 * actions, every other action to "<Type>.<action>" (e.g. container.attach,
 * network.connect, volume.mount). Actor.ID is the ContainerID of container
 * events, the Image of image events; Actor.Attributes give ContainerName
 * (name), Image (image), ExitCode (exitCode), Signal (signal), ExecID
 * (execID), ContainerID (container, for network and volume events),
 * MountTarget (destination) and the rest as "Attributes.<key>". The legacy
 * status/id/from keys are used when Type/Action/Actor are absent.
 *
 * Container logs: provider "docker-root", Action container.output, Stream,
 * Message (the log text without its final newline), time from "time",
 * "attrs" as "Attributes.<key>", and ContainerID from the file's directory
 * name (or file name) when that is 64 hexadecimal digits. */
#ifndef BT_DOCKER_EVENTS_H
#define BT_DOCKER_EVENTS_H

#include "io/bt_reader.h"

extern const struct bt_reader_ops bt_reader_docker_events;
extern const struct bt_reader_ops bt_reader_container_log;

/* The 64-hex container id in a path's directory or file name, or NULL
 * (sets *n to 64). */
const char *bt_docker_id_from_path(const char *path);

#endif
