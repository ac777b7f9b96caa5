/*
 * str.h - small string helpers for (pointer, length) text.
 *
 * Wire data is never assumed NUL-terminated; these take explicit lengths.
 * Case folding is ASCII only, as the protocols (RFC 5321/5322 header
 * names, DNS labels, SPF/DKIM tags) define it.
 */
#ifndef MT_STR_H
#define MT_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

bool	str_ieq(const char *a, size_t alen, const char *b);	/* b is C string */
bool	str_ieqn(const char *a, size_t alen, const char *b, size_t blen);
bool	str_iprefix(const char *s, size_t len, const char *prefix);
bool	str_isuffix(const char *s, size_t len, const char *suffix);
const char *str_imem(const char *hay, size_t hlen, const char *needle,
	    size_t nlen);
void	str_trim(const char **s, size_t *len);		/* ASCII space/tab/CR/LF */
void	str_lower(char *s);					/* in place, ASCII */
/* Parses a decimal integer; -1 on junk or overflow of max. */
long long	str_to_ll(const char *s, size_t len, long long max);
/*
 * Code point cp in UTF-8 (RFC 3629 3) into o, which has room for four
 * bytes; returns the length.  Past U+10FFFF the four-byte form goes on
 * up to what it holds (tests make such bytes on purpose).
 */
size_t	str_utf8_put(unsigned char *o, uint32_t cp);

/* ASCII lower case; inline, as it runs once per byte of a message. */
static inline int
str_lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/*
 * FNV-1a, 32 bits: the hash of the small tables and memos.  Start from
 * STR_FNV_INIT; a hash goes on over more bytes by passing it back in.
 */
#define STR_FNV_INIT	2166136261u

static inline uint32_t
str_fnv1a_byte(uint32_t h, unsigned char c)
{
	return (h ^ c) * 16777619u;
}

static inline uint32_t
str_fnv1a(uint32_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = str_fnv1a_byte(h, s[i]);
	return h;
}

/*
 * Whether p (len bytes) starts with lower, n bytes already in lower
 * case, in any case: str_iprefix() without the strlen() and without
 * folding the side that is known, for the per-link and per-tag paths.
 */
static inline bool
str_lcprefix(const char *p, size_t len, const char *lower, size_t n)
{
	size_t i;

	if (len < n)
		return false;
	for (i = 0; i < n; i++)
		if (str_lc((unsigned char)p[i]) != lower[i])
			return false;
	return true;
}

/*
 * The end of the ASCII run of p from i, eight bytes at a time: most
 * text is ASCII, and the matchers run over every body.
 */
static inline size_t
str_ascii_run(const unsigned char *p, size_t i, size_t len)
{
	uint64_t w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ull)
			break;
	}
	while (i < len && p[i] < 0x80)
		i++;
	return i;
}

#ifdef __SSE2__
/*
 * The bytes of v in [lo, lo + n) as 0xff, the rest 0: a signed compare
 * after moving lo to -128, the one compare SSE2 has.
 */
static inline __m128i
str_sse_in_range(__m128i v, unsigned char lo, unsigned char n)
{
	return _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - lo))),
	    _mm_set1_epi8((char)(0x80 + n)));
}
#endif

/*
 * The first byte at or after p, before end, that is a, b, c or d, or
 * end: sixteen bytes a step where SSE2 is there, where a loop over
 * bytes spends a branch on each.  For two bytes, pass each twice: once
 * inlined, the compiler folds the repeated compares.
 */
static inline __attribute__((always_inline)) const unsigned char *
str_find4(const unsigned char *p, const unsigned char *end, unsigned char a,
    unsigned char b, unsigned char c, unsigned char d)
{
#ifdef __SSE2__
	__m128i v;
	unsigned mm;

	for (; end - p >= 16; p += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)p);
		mm = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)a)),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8((char)b))),
		    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)c)),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8((char)d)))));
		if (mm != 0)
			return p + __builtin_ctz(mm);
	}
#endif
	for (; p < end; p++)
		if (*p == a || *p == b || *p == c || *p == d)
			return p;
	return end;
}

#endif
