/*
 * rxspace.c - \s and \S of a PCRE2 pattern spelled as \h and \v.
 *
 * PCRE2 with UCP reads \s as "\p{Z}, \h or \v".  Every \p{Z} character
 * is in \h (spaces, Zs) or \v (U+2028, U+2029), so the set is [\h\v].
 * The JIT looks \s up in the Unicode tables per character and checks
 * [\h\v] as a few ranges: on German prose the end-anchored
 * "(?:\s{4,}|\s-)..." pattern of data/lexicon went from 232 to 43 us
 * for 50 KB.  test_rxspace asks the installed PCRE2 for every code
 * point, so a Unicode update that broke the equality would be seen.
 *
 * The scan knows just enough of the pattern syntax (pcre2pattern(3))
 * to tell a \s from "\\s", "[\s]" from "\s", and where a class ends;
 * whatever it does not follow is left as written.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "detect/rxspace.h"
#include "util/buf.h"

/*
 * Constructs after which the scan could lose its place: \Q..\E quotes
 * anything, (?#..) comments and extended mode (an x among the option
 * letters of a "(?" group) change what a character is.
 */
static bool
unfollowable(const char *p, size_t n)
{
	size_t i, j;

	for (i = 0; i + 1 < n; i++) {
		if (p[i] == '\\') {
			if (p[i + 1] == 'Q')
				return true;
			i++;
			continue;
		}
		if (p[i] != '(' || p[i + 1] != '?')
			continue;
		if (i + 2 < n && p[i + 2] == '#')
			return true;
		for (j = i + 2; j < n && ((p[j] >= 'a' && p[j] <= 'z') ||
		    (p[j] >= 'A' && p[j] <= 'Z') || p[j] == '-' ||
		    p[j] == '^'); j++)
			if (p[j] == 'x')
				return true;
	}
	return false;
}

/*
 * Where the class opened at p[i] == '[' ends (the index of its ']'),
 * or n when it does not.  A ']' first (after an optional '^') is a
 * literal; POSIX names "[:alpha:]" are skipped whole; escapes are two
 * bytes.  Sets *neg_S when the class holds \S, which cannot be spelled
 * inside a class.
 */
static size_t
class_end(const char *p, size_t n, size_t i, bool *neg_S)
{
	const char *e;

	i++;
	if (i < n && p[i] == '^')
		i++;
	if (i < n && p[i] == ']')
		i++;
	for (; i < n; i++) {
		if (p[i] == ']')
			return i;
		if (p[i] == '\\' && i + 1 < n) {
			if (p[++i] == 'S')
				*neg_S = true;
			else if (p[i] == 'c')
				i++;
		} else if (p[i] == '[' && i + 1 < n && (p[i + 1] == ':' ||
		    p[i + 1] == '.' || p[i + 1] == '=')) {
			e = memchr(p + i + 2, p[i + 1], n - i - 2);
			if (e == NULL || e + 1 >= p + n || e[1] != ']')
				return n;
			i = (size_t)(e + 1 - p);
		}
	}
	return n;
}

const char *
rxspace_class_end(const char *p, const char *end)
{
	const char *q;

	p++;
	if (p < end && *p == '^')
		p++;
	if (p < end && *p == ']')
		p++;		/* a ']' first in the class is literal */
	for (; p < end; p++) {
		if (*p == '\\') {
			if (p + 1 >= end || p[1] == 'Q' || p[1] == 'E')
				return NULL;
			p++;
		} else if (*p == '[') {
			if (p + 1 >= end || p[1] != ':' ||
			    (q = memmem(p + 2, (size_t)(end - p - 2), ":]",
			    2)) == NULL)
				return NULL;
			p = q + 1;
		} else if (*p == ']')
			return p + 1;
	}
	return NULL;
}

int
rxspace_rewrite(const char *pat, size_t len, struct buf *out)
{
	size_t i, end;
	bool in_class = false, neg_S = false;

	if (unfollowable(pat, len))
		return buf_add(out, pat, len);
	/* A first pass only to learn whether every class can be spelled. */
	for (i = 0; i < len; i++) {
		if (pat[i] == '\\') {
			if (++i < len && pat[i] == 'c')
				i++;
		} else if (pat[i] == '[') {
			if ((end = class_end(pat, len, i, &neg_S)) == len)
				return buf_add(out, pat, len);
			i = end;
		}
	}
	if (neg_S)
		return buf_add(out, pat, len);
	end = 0;
	for (i = 0; i < len; i++) {
		if (!in_class && pat[i] == '[') {
			end = class_end(pat, len, i, &neg_S);
			in_class = true;
		} else if (in_class && i == end)
			in_class = false;
		if (pat[i] != '\\' || i + 1 == len) {
			if (buf_addc(out, pat[i]) == -1)
				return -1;
			continue;
		}
		i++;
		if (pat[i] == 's') {
			if (buf_adds(out, in_class ? "\\h\\v" : "[\\h\\v]") ==
			    -1)
				return -1;
		} else if (pat[i] == 'S') {
			if (buf_adds(out, "[^\\h\\v]") == -1)
				return -1;
		} else {
			if (buf_addc(out, '\\') == -1 ||
			    buf_addc(out, pat[i]) == -1)
				return -1;
			/* \cX: X is any character, '[' and '\\' included. */
			if (pat[i] == 'c' && i + 1 < len &&
			    buf_addc(out, pat[++i]) == -1)
				return -1;
		}
	}
	return 0;
}

pcre2_code *
rxspace_compile(const char *pat, size_t len, uint32_t options,
    int *errorcode, PCRE2_SIZE *erroroffset)
{
	pcre2_code *re;
	struct buf b;

	buf_init(&b, 4 * len + 64);
	if (rxspace_rewrite(pat, len, &b) == 0)
		re = pcre2_compile((PCRE2_SPTR)b.data, b.len, options,
		    errorcode, erroroffset, NULL);
	else
		re = pcre2_compile((PCRE2_SPTR)pat, len, options, errorcode,
		    erroroffset, NULL);
	buf_free(&b);
	return re;
}

/*
 * End-anchored branches.  "(?:\s{4,}|\s-)(?-i:[A-Z]{4,}|...)\s*$" is
 * tried by PCRE2 at every white space of a text, yet it can only match
 * in the text's tail: each of its matches is some white space W1, then
 * characters that are not white space X, then white space W2 up to the
 * end (PCRE2's "$" without PCRE2_MULTILINE is the end or the place
 * before a final newline, itself white space).  rxspace_tail_form()
 * tells such a branch by its syntax; rxspace_tail_from() finds, by
 * reading the text backwards, a position no such match starts before.
 */

/* ASCII literals that match no white space, caseless partners too. */
static bool
tail_literal(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("-_:;,!~=#/%&@'\"<>",
	    c) != NULL);
}

/* Moves *i past a quantifier, if there is one ({n}, {n,}, {n,m}, *, +, ?). */
static void
tail_quantifier(const char *p, size_t n, size_t *i)
{
	size_t j = *i;

	if (j < n && (p[j] == '*' || p[j] == '+' || p[j] == '?'))
		j++;
	else if (j < n && p[j] == '{') {
		for (j++; j < n && ((p[j] >= '0' && p[j] <= '9') ||
		    p[j] == ','); j++)
			;
		if (j == n || p[j] != '}' || p[*i + 1] == ',' ||
		    p[*i + 1] == '}')
			return;		/* not a quantifier */
		j++;
	} else
		return;
	if (j < n && (p[j] == '+' || p[j] == '?'))
		j++;
	*i = j;
}

/*
 * White space then at most one literal: "\s", "\s{4,}", "\s-" (W1 and
 * the first character of X).  Moves *i past it; false if it is not one.
 */
static bool
tail_space(const char *p, size_t n, size_t *i)
{
	if (*i + 1 >= n || p[*i] != '\\' || p[*i + 1] != 's')
		return false;
	*i += 2;
	tail_quantifier(p, n, i);
	if (*i < n && tail_literal(p[*i]))
		(*i)++;
	return true;
}

/*
 * A group "(?:...)" or "(?-i:...)" of what matches no white space: ASCII
 * letters and digits, \d, \w, \S, classes of ASCII letters and digits,
 * quantifiers and '|'.  Moves *i past it.
 */
static bool
tail_solid(const char *p, size_t n, size_t *i)
{
	size_t j = *i;

	if (n - j >= 3 && memcmp(p + j, "(?:", 3) == 0)
		j += 3;
	else if (n - j >= 5 && memcmp(p + j, "(?-i:", 5) == 0)
		j += 5;
	else
		return false;
	for (; j < n && p[j] != ')'; j++) {
		if (p[j] == '\\') {
			if (j + 1 == n || strchr("dwS", p[j + 1]) == NULL)
				return false;
			j++;
		} else if (p[j] == '[') {
			for (j++; j < n && p[j] != ']'; j++)
				if (!((p[j] >= 'a' && p[j] <= 'z') ||
				    (p[j] >= 'A' && p[j] <= 'Z') ||
				    (p[j] >= '0' && p[j] <= '9') ||
				    (p[j] == '-' && p[j - 1] != '[' &&
				    j + 1 < n && p[j + 1] != ']')))
					return false;
			if (j == n)
				return false;
		} else if (!(strchr("{},*+?|", p[j]) != NULL ||
		    (p[j] >= 'a' && p[j] <= 'z') ||
		    (p[j] >= 'A' && p[j] <= 'Z') ||
		    (p[j] >= '0' && p[j] <= '9')))
			return false;
	}
	if (j == n)
		return false;
	*i = j + 1;
	return true;
}

bool
rxspace_tail_form(const char *p, size_t n, uint32_t options)
{
	size_t i = 0;

	if (options & (PCRE2_MULTILINE | PCRE2_EXTENDED))
		return false;	/* "$" at every line end; spaces ignored */

	/* W1: "\s..." or "(?:\s...|\s...)". */
	if (n >= 3 && memcmp(p, "(?:", 3) == 0) {
		i = 3;
		do {
			if (!tail_space(p, n, &i))
				return false;
		} while (i < n && p[i] == '|' && ++i);
		if (i == n || p[i++] != ')')
			return false;
	} else if (!tail_space(p, n, &i))
		return false;
	/* X, then W2 and the end. */
	if (!tail_solid(p, n, &i))
		return false;
	return n - i == 4 && memcmp(p + i, "\\s*$", 4) == 0;
}

int
rxspace_ascii_spaces(uint32_t options, bool space[128])
{
	pcre2_match_data *md;
	pcre2_code *re;
	PCRE2_SIZE eoff;
	unsigned char c;
	int ec, rc = -1;

	if ((re = pcre2_compile((PCRE2_SPTR)"\\s", 2, options, &ec, &eoff,
	    NULL)) == NULL)
		return -1;
	if ((md = pcre2_match_data_create(1, NULL)) != NULL) {
		for (c = 0; c < 128; c++)
			space[c] = pcre2_match(re, &c, 1, 0, 0, md, NULL) >= 0;
		rc = 0;
	}
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return rc;
}

/*
 * Non-ASCII bytes are "maybe" either way.  With a the end of the last
 * sure non-space, b the start of the run of "maybe not space" that
 * holds a - 1, and c the start of the run of "maybe space" before b,
 * a match W1 X W2 cannot start before c: its W2 runs to the end, so
 * a - 1 lies before W2; if it lies before the match, so do b and c;
 * otherwise it is in X (not in W1, which is all space), X has no space
 * so b is at most X's start, and W1 has no sure non-space so c is at
 * most W1's start.
 */
size_t
rxspace_tail_from(const unsigned char *t, size_t len, const bool space[128])
{
	size_t i = len;

	while (i > 0 && (t[i - 1] >= 0x80 || space[t[i - 1]]))
		i--;		/* down to a */
	while (i > 0 && (t[i - 1] >= 0x80 || !space[t[i - 1]]))
		i--;		/* down to b */
	while (i > 0 && (t[i - 1] >= 0x80 || space[t[i - 1]]))
		i--;		/* down to c */
	return i;
}
