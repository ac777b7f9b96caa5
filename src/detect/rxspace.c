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
