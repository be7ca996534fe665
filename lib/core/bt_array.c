/* Growing arrays. */
#include "config.h"

#include "core/bt_array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool bt_array_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first)
{
	size_t nc = *cap ? *cap : first;
	while (nc <= n) {
		if (nc > SIZE_MAX / 2)
			return false;
		nc *= 2;
	}
	if (nc > SIZE_MAX / elem)
		return false;
	void *old;
	memcpy(&old, v, sizeof old);
	void *nv = realloc(old, nc * elem);
	if (!nv)
		return false;
	memcpy(v, &nv, sizeof nv);
	*cap = nc;
	return true;
}
