/* Growing arrays: one place that doubles a capacity (with its overflow
 * check) instead of a copy of the same realloc dance in every module. */
#ifndef BT_ARRAY_H
#define BT_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

/* Makes room for element n in *v (an array of `elem`-byte elements with
 * capacity *cap): when n reaches the capacity it doubles it (first: `first`
 * elements). Returns false, leaving *v and *cap as they were, when memory
 * or the size_t range runs out. `v` is the address of the array pointer. */
bool bt_array_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first);

/* Inline: the common case (room left) costs a comparison on hot paths. */
static inline bool bt_array_reserve(void *v, size_t *cap, size_t n, size_t elem, size_t first)
{
	return n < *cap || bt_array_grow(v, cap, n, elem, first);
}

#endif
