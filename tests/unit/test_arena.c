/*
 * test_arena.c - the arena's ceiling, alignment, growth and strings, and
 * zeroed memory where the copying helpers leave theirs unzeroed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "util/arena.h"

static bool
all_zero(const char *p, size_t n)
{
	while (n > 0)
		if (p[--n] != 0)
			return false;
	return true;
}

/*
 * strndup and printf do not zero what they copy over, so their chunks go
 * back to malloc dirty; the next arena likely gets them again, and what
 * it hands out must be zeroed all the same.
 */
static void
test_dirty_chunks(void)
{
	char dirt[1000], *g, *z;
	struct arena *d;
	size_t i;

	memset(dirt, 'x', sizeof(dirt));
	d = arena_new(0);
	for (i = 0; i < 200; i++)
		arena_strndup(d, dirt, sizeof(dirt) - 1);
	arena_free(d);
	d = arena_new(0);
	g = arena_strndup(d, "ab", 2);
	g = arena_grow(d, g, 3, 4000);
	ok(g != NULL && strcmp(g, "ab") == 0 && all_zero(g + 3, 4000 - 3),
	    "grow zeroes its new part on reused memory");
	z = arena_alloc(d, 4000);
	ok(z != NULL && all_zero(z, 4000), "alloc zeroes reused memory");
	z = arena_calloc(d, 100, 40);
	ok(z != NULL && all_zero(z, 4000), "so does calloc");
	z = arena_alloc_raw(d, 3);
	ok(z != NULL && ((uintptr_t)z % 16) == 0, "raw memory is aligned");
	ok(arena_alloc_raw(d, ARENA_DEFAULT_LIMIT) == NULL &&
	    arena_exhausted(d), "and kept under the ceiling");
	arena_free(d);
}

int
main(void)
{
	struct arena *a = arena_new(256 * 1024);
	char *s, *big;
	int *v;
	void *p;

	ok(a != NULL, "arena_new");
	p = arena_alloc(a, 3);
	ok(p != NULL && ((uintptr_t)p % 16) == 0, "allocation is aligned");
	ok(((char *)p)[0] == 0 && ((char *)p)[2] == 0, "memory is zeroed");
	s = arena_strndup(a, "hello world", 5);
	is_str(s, "hello", "strndup copies n bytes and terminates");
	s = arena_printf(a, "%s-%d", "x", 42);
	is_str(s, "x-42", "printf");
	is_str(arena_join(a, "text", '/', "html"), "text/html",
	    "join puts the separator between the two");
	is_str(arena_join(a, "", '@', ""), "@", "join of two empty strings");
	v = arena_calloc(a, 4, sizeof(int));
	v[3] = 7;
	v = arena_grow(a, v, 4 * sizeof(int), 100 * sizeof(int));
	ok(v != NULL && v[3] == 7 && v[99] == 0, "grow keeps contents");
	big = arena_alloc(a, 100 * 1024);
	ok(big != NULL, "a big allocation below the ceiling succeeds");
	s = arena_strdup(a, "after big");
	is_str(s, "after big", "small allocations continue after a big one");
	ok(!arena_exhausted(a), "not exhausted yet");
	p = arena_alloc(a, 200 * 1024);
	ok(p == NULL, "an allocation past the ceiling returns NULL");
	ok(arena_exhausted(a), "and marks the arena exhausted");
	ok(arena_calloc(a, SIZE_MAX / 2, 4) == NULL, "calloc overflow refused");
	ok(arena_used(a) <= 256 * 1024, "usage stays under the ceiling");
	arena_free(a);
	test_dirty_chunks();
	return tap_done();
}
