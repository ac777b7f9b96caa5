/*
 * xorshift.h - Marsaglia's xorshift generators for the tests that make
 * inputs: the same values on every run from the same seed, the state
 * kept by the caller.
 */
#ifndef MT_TEST_XORSHIFT_H
#define MT_TEST_XORSHIFT_H

#include <stdint.h>

static inline uint64_t
xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static inline uint32_t
xorshift32(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

#endif
