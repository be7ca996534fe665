/* For harnesses of readers: what every event a reader gives must satisfy,
 * checked on each one (an abort is the finding). */
#ifndef BT_FUZZ_EVENT_H
#define BT_FUZZ_EVENT_H

#include <stdlib.h>

#include "core/bt_event.h"

/* Every field readable to its length and NUL-terminated (a typed value once
 * rendered); the event clones whole. */
static inline void fuzz_check_event(const struct bt_event *ev)
{
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct bt_field *f = bt_field_need(ev, &ev->fields[i]);
		if (f->text[f->text_len] != '\0' || f->name[f->name_len] != '\0')
			abort();
	}
	struct bt_event *c = bt_event_clone(ev);
	if (c && c->nfields != ev->nfields)
		abort();
	free(c);
}

#endif
