/*
 * arena.h - one memory pool per message.
 *
 * Everything derived from one message (the parsed model, DNS answers,
 * symbols, the verdict) is allocated here and freed at once with
 * arena_free().  An arena has a ceiling: once the total would exceed it,
 * allocations return NULL and arena_exhausted() says so, so a hostile
 * message cannot make one worker take unbounded memory.  Callers treat a
 * NULL from the arena as "limit reached", record it, and carry on with
 * what they have.
 *
 * Not thread-safe: one arena belongs to one thread at a time.
 */
#ifndef MT_ARENA_H
#define MT_ARENA_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define ARENA_DEFAULT_LIMIT	(256u * 1024 * 1024)

struct arena;

struct arena	*arena_new(size_t limit);
void		 arena_free(struct arena *);

void		*arena_alloc(struct arena *, size_t);		/* zeroed */
/* Not zeroed: for a buffer the caller writes before anything reads it. */
void		*arena_alloc_raw(struct arena *, size_t);
void		*arena_calloc(struct arena *, size_t n, size_t size);
void		*arena_grow(struct arena *, void *old, size_t oldsize,
		    size_t newsize);
void		*arena_memdup(struct arena *, const void *, size_t);
char		*arena_strndup(struct arena *, const char *, size_t);
char		*arena_strdup(struct arena *, const char *);
/* x, sep and y in one string ("type/subtype", "local@domain"). */
char		*arena_join(struct arena *, const char *x, char sep,
		    const char *y);
char		*arena_printf(struct arena *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
char		*arena_vprintf(struct arena *, const char *, va_list);

/* Once per process, before the first message: see arena.c. */
void		 arena_process_init(void);

size_t		 arena_used(const struct arena *);
bool		 arena_exhausted(const struct arena *);

#endif
