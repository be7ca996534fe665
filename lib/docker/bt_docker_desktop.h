/* Docker Desktop logs (BT_FORMAT_DOCKER_DESKTOP), read by the daemon-log line
 * engine of bt_docker_logrus.h with these line prefixes:
 *
 *   [2023-03-05T08:02:14.398643700Z][com.docker.backend.exe][I] message
 *   [2025-09-27T02:09:14.704721672Z][com.docker.diagnose] message
 *   2021-07-28T10:21:21Z dockerd time="..." level=info msg="..."   (log/vm/dockerd.log)
 *   [10:47:28.500][HyperV         ][Info   ] message   (Docker for Windows
 *     before 2.x: no date, so no time; the text is kept in TimeOriginal)
 *
 * The message may itself be a logrus record (dockerd and containerd lines
 * forwarded from the VM): it is parsed as one, its own time and level win.
 * Provider: the component for dockerd and containerd, else "docker-desktop";
 * the component as written is the field Component. Level letters I, W, E, D
 * (and the words Info, Warning, Error, Debug) map to 4, 3, 2, 5. */
#ifndef BT_DOCKER_DESKTOP_H
#define BT_DOCKER_DESKTOP_H

#include "docker/bt_docker_logrus.h"

/* The Docker Desktop line prefix parser. */
bool bt_desktop_prefix(const char *s, size_t n, struct bt_line_prefix *out);

/* The provider of a Docker Desktop component: "dockerd" for dockerd and
 * docker, "containerd" for containerd*, else NULL (the reader's default). */
const char *bt_desktop_provider(const char *c, size_t n);

extern const struct bt_reader_ops bt_reader_docker_desktop;

#endif
