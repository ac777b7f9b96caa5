/*
 * test_arena.c - the arena's ceiling, alignment, growth and strings.
 */
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "util/arena.h"

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
	return tap_done();
}
