/* Recognises evidence formats by content, never by file name. */
#include "config.h"

#include <string.h>

#include "bt_reader.h"

static const char *const format_names[BT_FORMAT_COUNT] = {
	[BT_FORMAT_UNKNOWN] = "unknown",
	[BT_FORMAT_EVTX] = "evtx",
	[BT_FORMAT_DOCKERD_TEXT] = "dockerd-text",
	[BT_FORMAT_DOCKERD_JSON] = "dockerd-json",
	[BT_FORMAT_JOURNALD_JSON] = "journald-json",
	[BT_FORMAT_DOCKER_EVENTS] = "docker-events",
	[BT_FORMAT_DOCKER_DESKTOP] = "docker-desktop",
	[BT_FORMAT_DOCKER_CONFIG] = "docker-config",
	[BT_FORMAT_CONTAINER_LOG] = "container-log",
	[BT_FORMAT_IMAGE_CONFIG] = "image-config",
};

const char *bt_format_name(enum bt_format f)
{
	return (unsigned)f < BT_FORMAT_COUNT ? format_names[f] : "unknown";
}

enum bt_format bt_detect(const unsigned char *head, size_t n, bool at_eof)
{
	(void)at_eof;
	if (n >= 8 && memcmp(head, "ElfFile", 8) == 0)
		return BT_FORMAT_EVTX;
	return BT_FORMAT_UNKNOWN;
}
