/* The analyst's allow-list (--suppress FILE): known-good activity that must
 * not be reported.
 *
 * One entry per line: a rule id (or title, or * for any rule) followed by
 * conditions NAME=VALUE, all of which must hold; '#' starts a comment.
 * VALUE is a glob (* and ?), compared case-insensitively; quote it with "..."
 * to include blanks. NAME is one of
 *   host       a host of the finding (its first DNS label or the full name)
 *   account    the finding's account
 *   container  the container's name or id
 *   any other  an event field: the entry then removes the evidence events
 *              whose field matches, and the finding only when none is left.
 * Example:
 *   # the nightly build host runs containers as designed
 *   1f3a...-container-host-mount  host=SRV-BUILD02  container=ci-*
 *   *  ServiceName=svc_backup */
#ifndef BT_SUPPRESS_H
#define BT_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/bt_diag.h"
#include "hunt/bt_finding.h"
#include "core/bt_status.h"

struct bt_suppress;

/* Loads a list; malformed lines are reported (file:line) and make the load
 * fail with BT_ERR_FORMAT, so a typo never silently suppresses nothing. */
enum bt_status bt_suppress_load(const char *path, const struct bt_diag *d,
                                struct bt_suppress **out);
void bt_suppress_free(struct bt_suppress *s);

/* Applies the list to a finding: removes suppressed evidence; returns true
 * when the whole finding is suppressed. */
bool bt_suppress_finding(const struct bt_suppress *s, struct bt_finding *f);

/* Findings and evidence events suppressed so far. */
size_t bt_suppress_hits(const struct bt_suppress *s, size_t *events);

#endif
