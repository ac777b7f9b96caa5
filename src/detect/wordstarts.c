/*
 * wordstarts.c - the positions of a text where a word pattern may begin,
 * as a bit mask (see wordstarts.h).
 */
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "wordstarts.h"

#define IS_WORD(c)	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' &&	\
	(c) <= 'Z') || ((c) >= '0' && (c) <= '9') || (c) == '_')

bool
wordstarts_is_word(unsigned char c)
{
	return IS_WORD(c);
}

void
wordstarts_init(struct wordstarts *ws, const bool starts[256])
{
	unsigned int c;

	memset(ws, 0, sizeof(*ws));
	for (c = 0; c < 256; c++) {
		if (!starts[c] || IS_WORD(c))
			continue;
		if (c >= 0x80)
			ws->high = true;
		else if (ws->n_lone < WORDSTARTS_LONE)
			ws->lone[ws->n_lone++] = (unsigned char)c;
		else
			ws->every_lone = true;
	}
}

#ifdef __SSE2__
/* Bytes of v in [lo, lo + n), as 0xff. */
static inline __m128i
in_range(__m128i v, unsigned char lo, unsigned char n)
{
	return _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - lo))),
	    _mm_set1_epi8((char)(0x80 + n)));
}

/*
 * The sixteen bytes at s: word characters into *word, non-word bytes
 * asked about on their own into *alone, a bit per byte.
 */
static inline void
classify16(const struct wordstarts *ws, const unsigned char *s,
    uint32_t *word, uint32_t *alone)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i w, o = _mm_setzero_si128();
	size_t i;

	/* Upper-case letters become lower; nothing else lands in a-z. */
	w = _mm_or_si128(in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a',
	    26), _mm_or_si128(in_range(v, '0', 10),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('_'))));
	if (ws->high)	/* lead bytes 0xc0-0xff: -64 to -1 as signed */
		o = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(-65)),
		    _mm_cmplt_epi8(v, _mm_setzero_si128()));
	if (ws->every_lone)
		o = _mm_or_si128(o, _mm_andnot_si128(w,
		    _mm_cmpgt_epi8(v, _mm_set1_epi8(-1))));
	else
		for (i = 0; i < ws->n_lone; i++)
			o = _mm_or_si128(o, _mm_cmpeq_epi8(v,
			    _mm_set1_epi8((char)ws->lone[i])));
	*word = (uint32_t)_mm_movemask_epi8(w);
	*alone = (uint32_t)_mm_movemask_epi8(o);
}

/* The mask of 64 bytes at s, all readable; word_before: s[-1] is one. */
static uint64_t
mask64(const struct wordstarts *ws, const unsigned char *s, bool word_before)
{
	uint64_t word = 0, alone = 0;
	uint32_t w, o;
	unsigned k;

	for (k = 0; k < 4; k++) {
		classify16(ws, s + 16 * k, &w, &o);
		word |= (uint64_t)w << (16 * k);
		alone |= (uint64_t)o << (16 * k);
	}
	return (word & ~(word << 1 | (word_before ? 1u : 0u))) | alone;
}
#else
static uint64_t
mask64(const struct wordstarts *ws, const unsigned char *s, bool word_before)
{
	uint64_t m = 0;
	bool prev = word_before, w;
	size_t i, k;
	unsigned char c;

	for (i = 0; i < 64; i++, prev = w) {
		c = s[i];
		if ((w = IS_WORD(c))) {
			if (!prev)
				m |= (uint64_t)1 << i;
			continue;
		}
		if (c >= 0xc0 ? ws->high : c < 0x80 && ws->every_lone)
			m |= (uint64_t)1 << i;
		for (k = 0; k < ws->n_lone; k++)
			if (c == ws->lone[k])
				m |= (uint64_t)1 << i;
	}
	return m;
}
#endif

uint64_t
wordstarts_mask(const struct wordstarts *ws, const unsigned char *s,
    size_t base, size_t end)
{
	unsigned char pad[64];
	bool before = base > 0 && IS_WORD(s[base - 1]);
	uint64_t m;

	if (base >= end)
		return 0;
	if (end - base >= 64)
		return mask64(ws, s + base, before);
	/* The last bytes, padded with NUL: no bit is kept past end. */
	memset(pad, 0, sizeof(pad));
	memcpy(pad, s + base, end - base);
	m = mask64(ws, pad, before);
	return m & (((uint64_t)1 << (end - base)) - 1);
}
