/*
 * wordstarts.c - the positions of a text where a word pattern may begin,
 * as a bit mask (see wordstarts.h).
 */
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "wordstarts.h"
#include "util/str.h"

/* What \s takes in ASCII: tab, line feed, vertical tab, form feed, CR. */
#define IS_BLANK(c)	((c) == ' ' || ((c) >= '\t' && (c) <= '\r'))

bool
wordstarts_is_word(const struct wordstarts *ws, unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c == '_' && ws->underscore);
}

/* Adds c to a list of WORDSTARTS_LONE; false when it is full. */
static bool
list_add(unsigned char *list, size_t *n, unsigned char c)
{
	if (*n == WORDSTARTS_LONE)
		return false;
	list[(*n)++] = c;
	return true;
}

void
wordstarts_init(struct wordstarts *ws, const bool starts[256],
    const bool *after_word, bool underscore)
{
	unsigned int c;
	bool after, word, blank_asked = false;

	memset(ws, 0, sizeof(*ws));
	ws->underscore = underscore;
	for (c = 0; c < 256; c++) {
		after = after_word != NULL && after_word[c];
		word = wordstarts_is_word(ws, (unsigned char)c);
		if (word && after &&
		    !list_add(ws->mid, &ws->n_mid, (unsigned char)c))
			ws->every_mid = true;
		if (word || !(starts[c] || after))
			continue;
		if (c >= 0x80)
			ws->high = true;
		else if (!list_add(ws->lone, &ws->n_lone, (unsigned char)c))
			ws->every_lone = true;
		blank_asked |= IS_BLANK(c);
	}
	/* Blanks only matter once every_lone stands for the lone ones. */
	ws->blanks = ws->every_lone && blank_asked;
}

#ifdef __SSE2__
/*
 * The 64 bytes are read as four vectors and the choices of struct
 * wordstarts are taken once for all four, not once per 16 bytes, where
 * they cost more than the compares themselves.  Only what must be a
 * vector stays one; the rest are 64-bit masks, so that the vectors fit
 * in the registers.
 */
#define EACH(k)		for ((k) = 0; (k) < 4; (k)++)

/* A 16-bit movemask placed at vector k of the 64 bytes. */
#define AT(m, k)	((uint64_t)(uint32_t)(m) << (16 * (k)))

/* The bytes of v[] equal to one in the list, or into o[]. */
static inline void
or_list(__m128i o[4], const __m128i v[4], const unsigned char *list,
    size_t n)
{
	__m128i c;
	size_t i, k;

	for (i = 0; i < n; i++) {
		c = _mm_set1_epi8((char)list[i]);
		EACH(k)
			o[k] = _mm_or_si128(o[k], _mm_cmpeq_epi8(v[k], c));
	}
}

/* The mask of 64 bytes at s, all readable; word_before: s[-1] is one. */
static uint64_t
mask64(const struct wordstarts *ws, const unsigned char *s, bool word_before)
{
	/* '_' when it is a word byte, else '0', which already is one. */
	__m128i under = _mm_set1_epi8(ws->underscore ? '_' : '0');
	__m128i v[4], o[4], w, blank;
	uint64_t word = 0, alone = 0, high = 0, blanks = 0;
	size_t k;

	EACH(k) {
		v[k] = _mm_loadu_si128((const __m128i *)(const void *)
		    (s + 16 * k));
		/* Upper-case letters become lower; nothing else lands in a-z. */
		w = _mm_or_si128(str_sse_in_range(_mm_or_si128(v[k],
		    _mm_set1_epi8(0x20)), 'a', 26), _mm_or_si128(
		    str_sse_in_range(v[k], '0', 10),
		    _mm_cmpeq_epi8(v[k], under)));
		word |= AT(_mm_movemask_epi8(w), k);
		high |= AT(_mm_movemask_epi8(v[k]), k);	/* non-ASCII */
		o[k] = _mm_setzero_si128();
	}
	or_list(o, v, ws->lone, ws->n_lone);
	if (ws->high)	/* UTF-8 lead bytes 0xc0-0xff */
		EACH(k)
			o[k] = _mm_or_si128(o[k], str_sse_in_range(v[k], 0xc0,
			    64));
	or_list(o, v, ws->mid, ws->n_mid);
	EACH(k)
		alone |= AT(_mm_movemask_epi8(o[k]), k);
	if (ws->every_lone) {
		if (!ws->blanks)
			EACH(k) {
				blank = _mm_or_si128(_mm_cmpeq_epi8(v[k],
				    _mm_set1_epi8(' ')),
				    str_sse_in_range(v[k], '\t', 5));
				blanks |= AT(_mm_movemask_epi8(blank), k);
			}
		alone |= ~(word | high | blanks);
	}
	if (ws->every_mid)
		alone |= word;
	return (word & ~(word << 1 | (word_before ? 1u : 0u))) | alone;
}
#else
static bool
in_list(unsigned char c, const unsigned char *list, size_t n)
{
	return n > 0 && memchr(list, c, n) != NULL;
}

static uint64_t
mask64(const struct wordstarts *ws, const unsigned char *s, bool word_before)
{
	uint64_t m = 0;
	bool prev = word_before, w, ask;
	size_t i;
	unsigned char c;

	for (i = 0; i < 64; i++, prev = w) {
		c = s[i];
		if ((w = wordstarts_is_word(ws, c)))
			ask = !prev || ws->every_mid ||
			    in_list(c, ws->mid, ws->n_mid);
		else if (c >= 0x80)
			ask = c >= 0xc0 && ws->high;
		else
			ask = in_list(c, ws->lone, ws->n_lone) ||
			    (ws->every_lone && (ws->blanks || !IS_BLANK(c)));
		if (ask)
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
	bool before = base > 0 && wordstarts_is_word(ws, s[base - 1]);
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
