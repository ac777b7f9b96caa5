/*
 * needbytes.h - the characters, and their UTF-8 lead bytes, without
 * which a regular expression cannot match.
 *
 * A pattern such as "\p{Latin}[\x{0400}-\x{04FF}]+\p{Latin}" is tried at
 * every letter of a text, yet it can only match where the text has a
 * Cyrillic character, that is a byte D0..D3 (or the lead byte of a
 * character that matches the class by case).  Which lead bytes a text
 * holds is read in one pass; a pattern whose needed bytes are all absent
 * is then not searched at all, which changes no result.  A text that
 * has one of them is then read for the exact characters: C2 leads
 * U+00B5, a caseless partner of Greek U+03BC, but also U+00A0, and E2
 * leads U+200B as well as U+2019.
 *
 * A match also takes its characters from what its pattern allows: a
 * shouting pattern "(?-i:\b[A-Z]{3,}(?:[\s!]+[A-Z]{3,}){5,}\s*!)"
 * only capitals, white space and '!'.  So it lies in a run of those in
 * the text, around a string it needs, and the run is at least as long
 * as a match (needbytes_alphabet()).
 *
 * Literal ASCII is needed too: a telephone number pattern
 * "...8(?:00|88|77)..." cannot match a text without "800", "888" or
 * "877", nor "(?:!\s*){3,}" one without '!'.  Such sets of strings are
 * checked with memchr() before the pattern is searched.
 *
 * Memory: a needbytes set is a plain value; the analysis allocates only
 * for its own duration.
 */
#ifndef MT_NEEDBYTES_H
#define MT_NEEDBYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/firstbyte.h"

#define NEEDBYTES_BMP	0x10000		/* characters of up to three bytes */
#define NEEDBYTES_SETS	4	/* sets of needed strings kept, at most */
#define NEEDBYTES_STRS	16	/* strings in one set, at most */
#define NEEDBYTES_STR_MAX 8	/* bytes of one string, at most */

/* A match holds at least one of these ASCII strings, byte for byte. */
struct needbytes_strs {
	size_t	 n;
	uint8_t	 len[NEEDBYTES_STRS];
	char	 s[NEEDBYTES_STRS][NEEDBYTES_STR_MAX];
};

struct needbytes {
	bool	 any;		/* no non-ASCII character proven needed */
	uint8_t	 lead[FIRSTBYTE_SET];	/* bit per byte value */
	bool	 exact;		/* chars is the whole set (below U+10000) */
	uint8_t	 chars[NEEDBYTES_BMP / 8];	/* bit per code point */
	size_t	 n_sets;	/* a match holds a string of each set */
	struct needbytes_strs sets[NEEDBYTES_SETS];
};

/*
 * What a match of the branch re (len bytes, compiled with options)
 * cannot do without.  Never claims more than is true: when in doubt the
 * result is "any".
 */
void	needbytes_of(const char *re, size_t len, uint32_t options,
	    struct needbytes *out);

/* The lead bytes (0xC0 and up) a text contains, as a bit set. */
void	needbytes_present(const unsigned char *t, size_t len,
	    uint8_t present[FIRSTBYTE_SET]);

/* Whether a text with these lead bytes may hold a match. */
bool	needbytes_met(const struct needbytes *, const uint8_t
	    present[FIRSTBYTE_SET]);

/*
 * Whether text t (valid UTF-8) holds a character of n: one of two or
 * three bytes in its exact set (any with its lead byte when the set is
 * not exact), or any four-byte one with a lead byte of n; and a string
 * of each of n's sets of needed strings.
 */
bool	needbytes_found(const struct needbytes *, const unsigned char *t,
	    size_t len);

/*
 * The first character of t at or after from (a character's start) that
 * n needs, read as needbytes_found() reads them (n's strings aside);
 * len when there is none, from when n needs no character.
 */
size_t	needbytes_next(const struct needbytes *, const unsigned char *t,
	    size_t len, size_t from);

/*
 * Whether every match of the branch re starts with exactly one
 * character and then one of a set of non-ASCII characters, such as
 * "\p{L}[\x{200B}-\x{200D}]+\p{L}"; the set into out (as
 * needbytes_of() gives it).  A search for re need then only start just
 * before each such character of a text (needbytes_next()).
 */
bool	needbytes_second(const char *re, size_t len, uint32_t options,
	    struct needbytes *out);

/*
 * The ASCII characters a match of the branch re may take, into in[]
 * (every byte from 0x80 up is set too: non-ASCII characters are not
 * told apart); false when the branch is not understood.  Assertions
 * take nothing, so a match lies inside a run of such bytes, and a text
 * whose runs are all shorter than a match is searched no further.
 * Never leaves out a character a match may take.
 */
bool	needbytes_alphabet(const char *re, size_t len, uint32_t options,
	    bool in[FIRSTBYTE_BYTES]);

/*
 * Where the first string of set starts at or after from (a string of
 * needbytes_of()'s sets); len when none does.
 */
size_t	needbytes_str_next(const struct needbytes_strs *set,
	    const unsigned char *t, size_t len, size_t from);

#endif
