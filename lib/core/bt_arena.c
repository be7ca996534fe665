/* Bump allocator for per-record strings. */
#include "config.h"

#include "core/bt_arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct bt_arena_block {
	struct bt_arena_block *next;
	size_t size;   /* usable bytes in data[] */
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

#define MIN_BLOCK (64u * 1024)

void bt_arena_init(struct bt_arena *a, size_t cap)
{
	a->head = NULL;
	a->used = 0;
	a->cap = cap;
}

void *bt_arena_alloc(struct bt_arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + align - 1) & ~(align - 1);
	if (a->cap && (n > a->cap || a->used > a->cap - n))
		return NULL;
	struct bt_arena_block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t size = n > MIN_BLOCK ? n : MIN_BLOCK;
		if (b && b->size * 2 > size && b->size * 2 <= (a->cap ? a->cap : SIZE_MAX / 4))
			size = b->size * 2;
		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	a->used += n;
	return p;
}

void bt_arena_trim(struct bt_arena *a, void *p, size_t size, size_t keep)
{
	const size_t align = alignof(max_align_t);
	struct bt_arena_block *b = a->head;
	size = (size + align - 1) & ~(align - 1);
	keep = (keep + align - 1) & ~(align - 1);
	if (!b || keep >= size || b->used < size || (unsigned char *)p != b->data + b->used - size)
		return;
	b->used -= size - keep;
	a->used -= size - keep;
}

char *bt_arena_strndup(struct bt_arena *a, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *p = bt_arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void bt_arena_reset(struct bt_arena *a)
{
	/* Keep the newest block, which is the largest; free the rest. */
	struct bt_arena_block *b = a->head;
	if (b) {
		struct bt_arena_block *rest = b->next;
		while (rest) {
			struct bt_arena_block *nx = rest->next;
			free(rest);
			rest = nx;
		}
		b->next = NULL;
		b->used = 0;
	}
	a->used = 0;
}

void bt_arena_free(struct bt_arena *a)
{
	struct bt_arena_block *b = a->head;
	while (b) {
		struct bt_arena_block *nx = b->next;
		free(b);
		b = nx;
	}
	a->head = NULL;
	a->used = 0;
}
