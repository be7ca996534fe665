/* Turns an event rendered as Windows XML (as libevtx renders it) into a
 * normalised event. The only module that includes libxml2.
 *
 * Mapping (documented in the man page, OUTPUT FORMATS):
 *  - System: Provider@Name -> provider, EventID -> event_id, Level -> level,
 *    TimeCreated@SystemTime -> time, EventRecordID -> record_id,
 *    Channel -> channel, Computer -> host, Security@UserID -> user_sid;
 *    the rest (Provider@Guid, EventSourceName, EventID@Qualifiers, Version,
 *    Task, Opcode, Keywords, Correlation@ActivityID/RelatedActivityID,
 *    Execution@ProcessID/ThreadID) become fields flagged BT_FIELD_SYSTEM.
 *  - EventData: <Data Name="N">v</Data> -> field N; unnamed <Data> -> the
 *    multi-valued field "Data" (also addressable as Data[0], Data[1], ...);
 *    other elements (e.g. <Binary>) -> a field named after the element.
 *  - UserData: the single wrapper element (e.g. <LogFileCleared>) is dropped
 *    and its descendants become fields named by their element path below it,
 *    joined with dots (<A><B>v</B></A> -> "A.B").
 *  - Values: as rendered, except libevtx's zero-padded hexadecimal integers
 *    ("0x00000017", exactly 8 or 16 digits) which become Windows' unpadded
 *    form ("0x17").
 */
#ifndef BT_EVTX_XML_H
#define BT_EVTX_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "core/bt_event.h"
#include "core/bt_status.h"

/* Maximum element nesting accepted in event XML. */
#define BT_MAX_XML_DEPTH 64

/* Parses `xml` into `eb` (which the caller has reset). After the System
 * element, `want(ctx, ev)` (if not NULL) decides whether the EventData or
 * UserData fields are extracted. On a parse error returns BT_ERR_FORMAT and
 * writes a reason to `why`; fields read before the error are kept. */
enum bt_status bt_evtx_xml_parse(const char *xml, size_t len, struct bt_evbuf *eb,
                                 bool (*want)(void *ctx, const struct bt_event *ev),
                                 void *want_ctx, char *why, size_t why_size);

/* Rewrites a libevtx zero-padded hex value in place ("0x00000017" -> "0x17");
 * returns the new length (unchanged when the value has another shape). */
size_t bt_evtx_unpad_hex(char *v, size_t n);

/* Version of the libxml2 in use ("2.9.14"). */
const char *bt_libxml2_version(void);

/* One-time libxml2 initialisation (safe to call repeatedly, not thread-safe). */
void bt_evtx_xml_init(void);

#endif
