/*
 * needbytes.h - the UTF-8 lead bytes without which a regular expression
 * cannot match.
 *
 * A pattern such as "\p{Latin}[\x{0400}-\x{04FF}]+\p{Latin}" is tried at
 * every letter of a text, yet it can only match where the text has a
 * Cyrillic character, that is a byte D0..D3 (or the lead byte of a
 * character that matches the class by case).  Which lead bytes a text
 * holds is read in one pass; a pattern whose needed bytes are all absent
 * is then not searched at all, which changes no result.
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

struct needbytes {
	bool	 any;		/* nothing proven: every text may match */
	uint8_t	 lead[FIRSTBYTE_SET];	/* bit per byte value */
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

#endif
