/* An offline Docker root (/var/lib/docker, C:\ProgramData\docker): container
 * configurations and image history. Source BT_SOURCE_DOCKER_ROOT, provider
 * "docker-root", host from --assume-host.
 *
 * containers/<id>/config.v2.json (and the Docker 1.x config.json,
 * BT_FORMAT_DOCKER_CONFIG): up to three events per container,
 *   container.create at Created, with every fact below;
 *   container.start  at State.StartedAt, with every fact and Pid;
 *   container.stop   at State.FinishedAt, with the identity facts, ExitCode,
 *                    OOMKilled and Error;
 * a time of 0001-01-01T00:00:00Z means never: no event (a container with no
 * readable Created still gets its create event, without a time). Facts:
 * ContainerID (ID), ContainerName (Name), Image (Config.Image), ImageID
 * (Image), Command (Path and Args), User, Hostname, WorkingDir (Config),
 * Mounts/MountSource/MountTarget (MountPoints; Volumes/VolumesRW in 1.x),
 * LogPath, IPAddress (NetworkSettings), and the host configuration
 * (bt_docker_hostconfig_facts) read from the hostconfig.json beside the file
 * (opened read-only by name; missing or broken: a warning, counted as failed,
 * and the facts of the configuration alone).
 *
 * hostconfig.json (BT_FORMAT_DOCKER_HOSTCONFIG) met on its own is folded into
 * its container's events as above: read alone it yields nothing (a note when
 * no configuration is beside it).
 *
 * image/<driver>/imagedb/content/sha256/<digest> (and Docker 1.x
 * graph/<id>/json, BT_FORMAT_IMAGE_CONFIG): one image.layer event per history
 * entry at its "created" time, with CreatedBy (the build step's command:
 * "/bin/sh -c ..." or "#(nop) ..."), EmptyLayer, Author, Comment, ImageID
 * ("sha256:" + the file name when it is a digest; the layer id in 1.x) and
 * Command/User of the image's config; a 1.x layer gives one event whose
 * CreatedBy is its container_config.Cmd. */
#ifndef BT_DOCKER_ROOT_H
#define BT_DOCKER_ROOT_H

#include "io/bt_reader.h"

/* Largest hostconfig.json read beside a configuration. */
#define BT_MAX_HOSTCONFIG (16u * 1024 * 1024)

extern const struct bt_reader_ops bt_reader_docker_config;
extern const struct bt_reader_ops bt_reader_docker_hostconfig;
extern const struct bt_reader_ops bt_reader_image_config;

#endif
