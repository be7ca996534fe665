/* Format recognition by content, never by name (bt_detect.c). */
#ifndef BT_DETECT_H
#define BT_DETECT_H

#include <stdbool.h>
#include <stddef.h>

#include "io/bt_reader.h"

/* How many first bytes recognition looks at. */
#define BT_DETECT_HEAD (64u * 1024)

/* The format of an input from its first bytes (decompressed for gzip input).
 * `head` holds up to BT_DETECT_HEAD bytes; `at_eof` says whether it is all. */
enum bt_format bt_detect(const unsigned char *head, size_t n, bool at_eof);

#endif
