/*
 * tap.h - a few macros that make a unit test print TAP.
 *
 * Each test binary prints "ok N - name" / "not ok N - name" lines and a
 * closing plan; tests/run adds them up.  A failed check names the file
 * and line and the values compared, so a CI log is enough to start.
 */
#ifndef MT_TAP_H
#define MT_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

/* The condition is evaluated once: tests check calls with side effects. */
#define ok(cond, ...) do {						\
	int tap_c_ = !!(cond);						\
	tap_n++;							\
	if (tap_c_) {							\
		printf("ok %d - ", tap_n);				\
	} else {							\
		tap_failed++;						\
		printf("not ok %d - ", tap_n);				\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!tap_c_)							\
		printf("#   at %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
} while (0)

/* Two strings alike, or both NULL. */
static inline int
tap_same_str(const char *x, const char *y)
{
	return (x == NULL && y == NULL) ||
	    (x != NULL && y != NULL && strcmp(x, y) == 0);
}

#define is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int same_ = tap_same_str(g_, w_);				\
	ok(same_, __VA_ARGS__);						\
	if (!same_)							\
		printf("#   got \"%s\", want \"%s\"\n",			\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

#define is_int(got, want, ...) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	ok(g_ == w_, __VA_ARGS__);					\
	if (g_ != w_)							\
		printf("#   got %lld, want %lld\n", g_, w_);		\
} while (0)

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
