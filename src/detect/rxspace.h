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
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/*
 * Appends pattern pat[0..len) to out with \s as [\h\v] and \S as
 * [^\h\v] (\h\v and nothing inside a character class).  A pattern this
 * cannot rewrite safely (\S inside a class, \Q quoting, comments,
 * extended mode) is appended unchanged.  -1 when out is full.
 */
int	rxspace_rewrite(const char *pat, size_t len, struct buf *out);

/*
 * Just past the ']' closing the character class opened at p (p points
 * at '['); NULL when it is not sure where that is: \Q or \E inside, a
 * '[' that does not open a POSIX class such as [:alpha:], no ']'.
 */
const char	*rxspace_class_end(const char *p, const char *end);

/*
 * pcre2_compile() of the rewritten pattern (of pat itself when the
 * rewrite runs out of memory); error and offset as pcre2_compile's.
 */
pcre2_code *rxspace_compile(const char *pat, size_t len, uint32_t options,
	    int *errorcode, PCRE2_SIZE *erroroffset);

/*
 * Whether every match of branch p[0..n) (compiled with options) is
 * white space, then no white space, then white space to the end of the
 * text or before its final newline: "(?:\s{4,}|\s-)(?:[A-Z]{4,})\s*$"
 * and the like (W1 "\s" or a group of "\s" each with a quantifier and
 * at most one literal; then one group of ASCII letters and digits, \d,
 * \w, \S and classes of ASCII letters and digits; then "\s*$").
 * False when in doubt, which only costs speed.
 */
bool	rxspace_tail_form(const char *p, size_t n, uint32_t options);

/* Which ASCII characters \s matches under options; -1 on failure. */
int	rxspace_ascii_spaces(uint32_t options, bool space[128]);

/*
 * The first position of text t where a match of a tail-form branch can
 * start; space[] from rxspace_ascii_spaces().  A search from there
 * finds what a search from the start finds.
 */
size_t	rxspace_tail_from(const unsigned char *t, size_t len,
	    const bool space[128]);

#endif
