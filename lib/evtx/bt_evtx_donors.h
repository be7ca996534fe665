/* The EVTX files of one run as donors of template definitions to each
 * other's recovery pass. A record recovered from slack space whose template
 * id is defined nowhere intact in its own file may find it in another file
 * of the same channel: the same provider writes the same templates (same
 * GUID) on every machine. Donors are tried in run order and the first that
 * holds the id gives it, so the result depends only on the set of inputs,
 * never on threads or timing.
 *
 * Each donor file is read at most once per run: its channel (of its first
 * live record) when first asked, and all its intact template definitions
 * when first needed for that channel; both are kept. Thread-safe. */
#ifndef BT_EVTX_DONORS_H
#define BT_EVTX_DONORS_H

#include <stddef.h>

#include "evtx/bt_binxml.h"

struct bt_evtx_donors;

/* Donors among paths[0..n) (the run's inputs; those not EVTX are passed
 * over when first looked at). The paths are copied. NULL when out of memory. */
struct bt_evtx_donors *bt_evtx_donors_new(const char *const *paths, size_t n);
void bt_evtx_donors_free(struct bt_evtx_donors *d);

/* The channel of the EVTX file open as `fd` (or in mem[0..size)): that of its
 * first live record that names one, copied into out (empty when none).
 * Decodes with `cx` (reset to the file's chunks). */
void bt_evtx_file_channel(struct bt_bx_chunk *cx, int fd, const uint8_t *mem, uint64_t size,
                          char *out, size_t cap);

/* Gives `store` the ids it still asks for from the other files of
 * `channel` (path `self` excluded). Returns how many were found. */
size_t bt_evtx_donors_lookup(struct bt_evtx_donors *d, const char *self, const char *channel,
                             struct bt_bx_tstore *store);

#endif
