/*
 * rxspace.h - PCRE2 patterns with \s and \S spelled as \h and \v.
 *
 * Under PCRE2_UCP, \s asks the Unicode tables for every character it
 * tests; [\h\v] is a fixed list that the JIT checks as ranges.  Both
 * sets are the same characters (the test enumerates every code point),
 * and the difference is about seven times the speed on prose.
 */
#ifndef MT_RXSPACE_H
#define MT_RXSPACE_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stddef.h>

struct buf;

/*
 * Appends pattern pat[0..len) to out with \s as [\h\v] and \S as
 * [^\h\v] (\h\v and nothing inside a character class).  A pattern this
 * cannot rewrite safely (\S inside a class, \Q quoting, comments,
 * extended mode) is appended unchanged.  -1 when out is full.
 */
int	rxspace_rewrite(const char *pat, size_t len, struct buf *out);

/*
 * pcre2_compile() of the rewritten pattern (of pat itself when the
 * rewrite runs out of memory); error and offset as pcre2_compile's.
 */
pcre2_code *rxspace_compile(const char *pat, size_t len, uint32_t options,
	    int *errorcode, PCRE2_SIZE *erroroffset);

#endif
