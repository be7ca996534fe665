/* A bump allocator for per-record data: readers reset it between records, so a
 * record costs no malloc/free once the arena has grown to its working size. */
#ifndef BT_ARENA_H
#define BT_ARENA_H

#include <stddef.h>

struct bt_arena_block;

struct bt_arena {
	struct bt_arena_block *head;   /* current block; older blocks follow */
	size_t used;                   /* bytes handed out since the last reset */
	size_t cap;                    /* at most this many bytes between resets (0 = no cap) */
};

/* Initialises an empty arena holding at most `cap` bytes between resets. */
void bt_arena_init(struct bt_arena *a, size_t cap);

/* Returns `n` bytes aligned for any type, or NULL when out of memory or over
 * the cap. The memory lives until the next bt_arena_reset() or _free(). */
void *bt_arena_alloc(struct bt_arena *a, size_t n);

/* Gives back the end of the last allocation p (of `size` bytes), keeping its
 * first `keep` bytes (for text rendered into a bound that was generous).
 * Does nothing when p is not the last allocation. */
void bt_arena_trim(struct bt_arena *a, void *p, size_t size, size_t keep);

/* Copies s[0..n) and appends a NUL; NULL when out of memory or over the cap. */
char *bt_arena_strndup(struct bt_arena *a, const char *s, size_t n);

/* Forgets every allocation but keeps the largest block for reuse. */
void bt_arena_reset(struct bt_arena *a);

/* Releases all memory; the arena may be initialised again. */
void bt_arena_free(struct bt_arena *a);

#endif
