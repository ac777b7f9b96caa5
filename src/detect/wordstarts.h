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
 * A byte is asked about when it is an ASCII word character after a
 * byte that is not one; when it is not a word character but a match may
 * start on it (a UTF-8 lead byte, '$', punctuation); or when it is a
 * word character on which a match may start even inside a word (the
 * 'c' of the brand names' "(c)").  Word characters are the ASCII
 * letters and digits, and '_' when the caller's \b takes it.  The mask
 * is never smaller than the positions the caller's byte-by-byte loop
 * tried: the caller still asks its own table about each.
 */
#ifndef MT_WORDSTARTS_H
#define MT_WORDSTARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WORDSTARTS_LONE		4	/* bytes kept one by one */

struct wordstarts {
	unsigned char	 lone[WORDSTARTS_LONE];	/* non-word ASCII asked */
	size_t		 n_lone;
	bool		 every_lone;	/* all non-word ASCII but blanks */
	bool		 blanks;	/* and white space too */
	bool		 high;		/* UTF-8 lead bytes asked */
	unsigned char	 mid[WORDSTARTS_LONE];	/* asked inside words */
	size_t		 n_mid;
	bool		 every_mid;	/* every word byte asked */
	bool		 underscore;	/* '_' is a word character */
};

/*
 * Which bytes to ask about: starts[c] where the byte before is no word
 * character, after_word[c] (or none, NULL) where it is one.  More than
 * WORDSTARTS_LONE of a kind make the whole kind asked, which is slower,
 * never wrong.
 */
void	wordstarts_init(struct wordstarts *, const bool starts[256],
	    const bool *after_word, bool underscore);

/* Whether c is a word character here. */
bool	wordstarts_is_word(const struct wordstarts *, unsigned char c);

/*
 * A bit per byte of s[base, base + 64), bit 0 for s[base], set where a
 * match may start (see the top); none at or past end (end <= len, the
 * bytes of s).
 */
uint64_t wordstarts_mask(const struct wordstarts *, const unsigned char *s,
	    size_t base, size_t end);

#endif
