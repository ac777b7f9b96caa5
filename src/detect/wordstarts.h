/*
 * wordstarts.h - where in a text a pattern that begins at a word may
 * begin, 64 bytes at a time.
 *
 * A reader that tries its patterns at word starts only (lexicon.c)
 * stepped through every byte of every word to find the next one, which
 * cost as much as all its tries together.  Here the bytes are classified
 * sixteen at once (SSE2, on every x86-64) into a bit mask: the reader
 * then visits only the set bits.
 *
 * A byte is asked about when it is an ASCII word character (letter,
 * digit, '_') after a byte that is not one, or when it is not a word
 * character but a match may start on it alone: a UTF-8 lead byte, or
 * one of a few ASCII bytes ('$').  The mask is never smaller than the
 * positions the byte-by-byte loop tried: a caller still asks its table
 * whether anything starts on a byte.
 */
#ifndef MT_WORDSTARTS_H
#define MT_WORDSTARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WORDSTARTS_LONE		4	/* ASCII bytes kept one by one */

struct wordstarts {
	unsigned char	 lone[WORDSTARTS_LONE];	/* non-word ASCII asked */
	size_t		 n_lone;
	bool		 every_lone;	/* every non-word ASCII byte asked */
	bool		 high;		/* UTF-8 lead bytes asked */
};

/*
 * Which non-word bytes to ask about: those for which starts[] is true.
 * More than WORDSTARTS_LONE ASCII ones make every non-word ASCII byte
 * asked, which is slower, never wrong.
 */
void	wordstarts_init(struct wordstarts *, const bool starts[256]);

/* Whether c is a word character here: ASCII letter, digit or '_'. */
bool	wordstarts_is_word(unsigned char c);

/*
 * A bit per byte of s[base, base + 64), bit 0 for s[base], set where a
 * match may start (see the top); none at or past end (end <= len, the
 * bytes of s).
 */
uint64_t wordstarts_mask(const struct wordstarts *, const unsigned char *s,
	    size_t base, size_t end);

#endif
