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
/* Bytes of v equal to one in the list. */
static inline __m128i
in_list(__m128i v, const unsigned char *list, size_t n)
{
	__m128i m = _mm_setzero_si128();
	size_t i;

	for (i = 0; i < n; i++)
		m = _mm_or_si128(m, _mm_cmpeq_epi8(v,
		    _mm_set1_epi8((char)list[i])));
	return m;
}

/*
 * The sixteen bytes at s, a bit per byte: word characters into *word,
 * bytes asked whatever comes before into *alone.
 */
static inline void
classify16(const struct wordstarts *ws, const unsigned char *s,
    uint32_t *word, uint32_t *alone)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i w, o, ascii;

	/* Upper-case letters become lower; nothing else lands in a-z. */
	w = _mm_or_si128(str_sse_in_range(_mm_or_si128(v,
	    _mm_set1_epi8(0x20)), 'a', 26), str_sse_in_range(v, '0', 10));
	if (ws->underscore)
		w = _mm_or_si128(w, _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
	o = in_list(v, ws->lone, ws->n_lone);
	if (ws->high)	/* lead bytes 0xc0-0xff: -64 to -1 as signed */
		o = _mm_or_si128(o, _mm_and_si128(_mm_cmpgt_epi8(v,
		    _mm_set1_epi8(-65)), _mm_cmplt_epi8(v,
		    _mm_setzero_si128())));
	if (ws->every_lone) {
		ascii = _mm_andnot_si128(w, _mm_cmpgt_epi8(v,
		    _mm_set1_epi8(-1)));
		if (!ws->blanks)
			ascii = _mm_andnot_si128(_mm_or_si128(_mm_cmpeq_epi8(v,
			    _mm_set1_epi8(' ')), str_sse_in_range(v, '\t', 5)),
			    ascii);
		o = _mm_or_si128(o, ascii);
	}
	if (ws->every_mid)
		o = _mm_or_si128(o, w);
	else if (ws->n_mid > 0)
		o = _mm_or_si128(o, in_list(v, ws->mid, ws->n_mid));
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
