/*
 * arena.c - bump allocator in chunks, with a hard ceiling.
 *
 * Chunks are malloc'd, each at least ARENA_CHUNK bytes; a request larger
 * than half a chunk gets a chunk of its own so big attachments do not
 * waste the tail of a shared chunk.  All memory is zeroed because the
 * parsers build structures field by field and rely on absent = 0/NULL;
 * the copying helpers (strndup, grow, printf) skip zeroing what
 * they overwrite at once, and arena_alloc_raw() is for callers that do
 * the same.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_CHUNK	(64u * 1024)
#define ARENA_ALIGN	16u

struct chunk {
	struct chunk	*next;
	size_t		 size;		/* usable bytes after the header */
	size_t		 used;
	max_align_t	 data[];
};

struct arena {
	struct chunk	*head;
	size_t		 used;		/* bytes handed out plus headers */
	size_t		 limit;
	bool		 exhausted;
};

struct arena *
arena_new(size_t limit)
{
	struct arena *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->limit = limit ? limit : ARENA_DEFAULT_LIMIT;
	return a;
}

void
arena_free(struct arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

static size_t
align_up(size_t n)
{
	return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

void *
arena_alloc_raw(struct arena *a, size_t n)
{
	struct chunk *c;
	size_t want, csize;
	void *p;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX / 2) {
		a->exhausted = true;
		return NULL;
	}
	want = align_up(n);
	c = a->head;
	if (c == NULL || c->size - c->used < want) {
		csize = want > ARENA_CHUNK / 2 ? want : ARENA_CHUNK;
		if (a->used + csize + sizeof(*c) > a->limit) {
			a->exhausted = true;
			return NULL;
		}
		if ((c = malloc(sizeof(*c) + csize)) == NULL) {
			a->exhausted = true;
			return NULL;
		}
		c->size = csize;
		c->used = 0;
		a->used += csize + sizeof(*c);
		/*
		 * A dedicated big chunk goes behind the head so the head's
		 * free tail stays usable for the small requests that follow.
		 */
		if (csize > ARENA_CHUNK && a->head != NULL) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += want;
	return p;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	void *p;

	if ((p = arena_alloc_raw(a, n)) != NULL)
		memset(p, 0, n);
	return p;
}

void *
arena_calloc(struct arena *a, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		a->exhausted = true;
		return NULL;
	}
	return arena_alloc(a, n * size);
}

void *
arena_grow(struct arena *a, void *old, size_t oldsize, size_t newsize)
{
	void *p;

	if (newsize <= oldsize)
		return old;
	if ((p = arena_alloc_raw(a, newsize)) == NULL)
		return NULL;
	if (old == NULL)
		oldsize = 0;
	if (oldsize > 0)
		memcpy(p, old, oldsize);
	memset((char *)p + oldsize, 0, newsize - oldsize);
	return p;
}

void *
arena_memdup(struct arena *a, const void *src, size_t n)
{
	void *p;

	if ((p = arena_alloc(a, n)) != NULL && n > 0)
		memcpy(p, src, n);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX)
		return NULL;
	if ((p = arena_alloc_raw(a, n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Without printf's cost, which was most of the cost of its callers. */
char *
arena_join(struct arena *a, const char *x, char sep, const char *y)
{
	size_t xl = strlen(x), yl = strlen(y);
	char *r;

	if ((r = arena_alloc_raw(a, xl + 1 + yl + 1)) == NULL)
		return NULL;
	memcpy(r, x, xl);
	r[xl] = sep;
	memcpy(r + xl + 1, y, yl + 1);
	return r;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	char *p;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || (p = arena_alloc_raw(a, (size_t)n + 1)) == NULL)
		return NULL;
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

/*
 * A message's arenas (and an HTML part's tree arena) are freed when it is
 * done, a few hundred KB to many MB at once.  glibc gives freed memory at
 * the top of the heap back to the kernel past 128 KB, and serves blocks
 * over a threshold it adjusts with fresh mmap()s: either way the next
 * message of that size faults every page in again, zeroed by the kernel
 * (a 1 MB HTML message spent a quarter of its time so).  So freed memory
 * up to ARENA_KEEP_FREED stays in the process for the next message, and
 * only blocks over ARENA_MMAP_OVER are mapped on their own.  Peak memory
 * is unchanged; the process just does not shrink below what its largest
 * recent messages needed.
 */
#define ARENA_KEEP_FREED	(64 * 1024 * 1024)
#define ARENA_MMAP_OVER		(32 * 1024 * 1024)

void
arena_process_init(void)
{
	(void)mallopt(M_TRIM_THRESHOLD, ARENA_KEEP_FREED);
	(void)mallopt(M_MMAP_THRESHOLD, ARENA_MMAP_OVER);
}

size_t
arena_used(const struct arena *a)
{
	return a->used;
}

bool
arena_exhausted(const struct arena *a)
{
	return a->exhausted;
}
