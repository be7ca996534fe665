/* Turns an event rendered as Windows XML (as libevtx renders it) into a
 * normalised event, by feeding the event mapping (bt_evtx_map.h, which
 * documents the mapping) from libxml2's streaming reader. The only module
 * that includes libxml2. */
#ifndef BT_EVTX_XML_H
#define BT_EVTX_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "core/bt_event.h"
#include "core/bt_status.h"
#include "evtx/bt_evtx_map.h"   /* BT_MAX_XML_DEPTH, bt_evtx_unpad_hex */

/* Parses `xml` into `eb` (which the caller has reset). After the System
 * element, `want(ctx, ev)` (if not NULL) decides whether the EventData or
 * UserData fields are extracted. On a parse error returns BT_ERR_FORMAT and
 * writes a reason to `why`; fields read before the error are kept. */
enum bt_status bt_evtx_xml_parse(const char *xml, size_t len, struct bt_evbuf *eb,
                                 bool (*want)(void *ctx, const struct bt_event *ev),
                                 void *want_ctx, char *why, size_t why_size);

/* Version of the libxml2 in use ("2.9.14"). */
const char *bt_libxml2_version(void);

/* One-time libxml2 initialisation (safe to call repeatedly, not thread-safe). */
void bt_evtx_xml_init(void);

#endif
