/* journald JSON export (`journalctl -u docker -o json`), BT_FORMAT_JOURNALD_JSON.
 *
 * One JSON object per line; each is an entry handed to the shared entry
 * mapping (bt_docker_jentry.h: which fields are used and how). All values
 * are strings in an export; values exported as arrays of numbers (not UTF-8)
 * are turned back into bytes; a field exported as null (over journalctl's
 * size limit) is absent (counted, one note per file); a repeated field (an
 * array) gives its first value. A line that is not a JSON object is counted
 * as failed and reported. */
#ifndef BT_DOCKER_JOURNALD_H
#define BT_DOCKER_JOURNALD_H

#include "io/bt_reader.h"

extern const struct bt_reader_ops bt_reader_journald;

#endif
