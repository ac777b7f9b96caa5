/*
 * needbytes.c - the characters a pattern cannot match without.
 *
 * The branch is read as a sequence of items at its top level: escapes,
 * character classes, literal characters, and groups (skipped whole, as
 * they may be optional or zero-width).  An item that must occur at
 * least once (no quantifier, "+", or "{n,...}" with n >= 1) and that
 * matches no ASCII character forces the match to contain a non-ASCII
 * character from the item's set.  Which characters those are is not
 * read from the pattern text, where case folding and Unicode properties
 * hide it, but asked of PCRE2: the item alone is compiled with the
 * pattern's options and searched in a string of every character of two
 * and three bytes, ordered by code point.  So the answer is PCRE2's
 * own, down to caseless partners such as U+1C80 for U+0432 or U+00B5
 * for U+03BC (RFC 3629 section 3 for the byte forms).
 *
 * The answer is kept twice: as lead bytes, which a text's one pass of
 * needbytes_present() tests for all patterns at once, and as the exact
 * characters, for the texts that pass: a lead byte such as E2 (of
 * U+2019 and U+201C, in most typeset text) or C2 (of U+00B5) is common
 * where the characters a pattern needs are not.  An item of more than
 * NEED_CHARS_MAX characters keeps only its lead bytes.  Four-byte
 * characters (lead F0..F4) are not enumerated: any of them counts as
 * needed.
 *
 * Anything the reading does not understand (an option setting at the
 * top level, \Q...\E, a '{' that is not a quantifier, a top-level '|')
 * gives "any", which only costs speed.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "needbytes.h"
#include "util/str.h"

#define NEED_ITEM_MAX	1024
#define NEED_CHARS_MAX	4096	/* an item's exact characters, at most */

static void
set_bit(uint8_t *s, unsigned c)
{
	s[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static bool
has_bit(const uint8_t *s, unsigned c)
{
	return (s[c >> 3] >> (c & 7)) & 1u;
}

/* The end of the group opened at p (p points at '('), or NULL. */
static const char *
group_end(const char *p, const char *end)
{
	int depth = 0;
	bool cls = false;

	for (; p < end; p++) {
		if (*p == '\\') {
			if (p + 1 < end && p[1] == 'Q')
				return NULL;
			p++;
		} else if (cls)
			cls = *p != ']';
		else if (*p == '[') {
			cls = true;
			if (p + 1 < end && p[1] == '^')
				p++;
			if (p + 1 < end && p[1] == ']')
				p++;	/* a leading literal ] */
		} else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return NULL;
}

/* The end of the class opened at p (p points at '['), or NULL. */
static const char *
class_end(const char *p, const char *end)
{
	p++;
	if (p < end && *p == '^')
		p++;
	if (p < end && *p == ']')
		p++;
	for (; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '[' && p + 1 < end && p[1] == ':') {
			/* [:alpha:] inside a class */
			const char *q = strstr(p + 2, ":]");

			if (q == NULL || q >= end)
				return NULL;
			p = q + 1;
		} else if (*p == ']')
			return p + 1;
	}
	return NULL;
}

/*
 * The end of the escape at p (p points at '\'), or NULL; *atom says
 * whether it stands for one character (not an assertion or reference).
 */
static const char *
escape_end(const char *p, const char *end, bool *atom)
{
	const char *q;

	*atom = false;
	if (p + 1 >= end)
		return NULL;
	switch (p[1]) {
	case 'b': case 'B': case 'A': case 'z': case 'Z': case 'G':
		return p + 2;
	case 'Q': case 'E': case 'k': case 'g': case 'K': case 'c': case 'N':
	case 'o':
		return NULL;
	case 'p': case 'P': case 'x':
		*atom = true;
		if (p + 2 < end && p[2] == '{') {
			q = memchr(p + 3, '}', (size_t)(end - p - 3));
			return q != NULL ? q + 1 : NULL;
		}
		if (p[1] == 'x') {
			q = p + 2;
			while (q < end && q < p + 4 && strchr("0123456789abcdef"
			    "ABCDEF", *q) != NULL)
				q++;
			return q;
		}
		return p + 3 <= end ? p + 3 : NULL;	/* \pL */
	default:
		if (p[1] >= '0' && p[1] <= '9')
			return NULL;	/* back reference or octal */
		*atom = true;
		return p + 2;
	}
}

/* The smallest number of times the quantifier at *pp allows; moves *pp. */
static long
quantifier(const char **pp, const char *end, bool *bad)
{
	const char *p = *pp;
	long min = 1;
	char *num;

	if (p >= end)
		return 1;
	if (*p == '*' || *p == '?') {
		min = 0;
		p++;
	} else if (*p == '+')
		p++;
	else if (*p == '{') {
		min = strtol(p + 1, &num, 10);
		if (num == p + 1 || (*num != '}' && *num != ',')) {
			*bad = true;	/* a literal '{', or "{,m}" */
			return 0;
		}
		if ((p = memchr(num, '}', (size_t)(end - num))) == NULL) {
			*bad = true;
			return 0;
		}
		p++;
	} else
		return 1;
	if (p < end && (*p == '+' || *p == '?'))
		p++;
	*pp = p;
	return min;
}

/*
 * Every character of two and three bytes (U+0080..U+FFFF but the
 * surrogates), in order, so the characters of one lead byte are one
 * block; all_start[L] is where lead byte L's block begins
 * (all_start[0xf0]: the end).  Built once per process, read-only after.
 */
#define ALL_LEN	(0x780 * 2 + (0x10000 - 0x800 - 0x800) * 3)

static unsigned char all_text[ALL_LEN];
static size_t all_start[0xf1];
static pthread_once_t all_once = PTHREAD_ONCE_INIT;

static void
all_chars_build(void)
{
	unsigned cp, lead = 0;
	size_t n = 0;

	for (cp = 0x80; cp <= 0xffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;	/* surrogates are not characters */
		while (lead < (cp < 0x800 ? 0xc0 | (cp >> 6) : 0xe0 |
		    (cp >> 12)))
			all_start[++lead] = n;
		if (cp < 0x800) {
			all_text[n++] = (unsigned char)(0xc0 | (cp >> 6));
		} else {
			all_text[n++] = (unsigned char)(0xe0 | (cp >> 12));
			all_text[n++] = (unsigned char)(0x80 |
			    ((cp >> 6) & 0x3f));
		}
		all_text[n++] = (unsigned char)(0x80 | (cp & 0x3f));
	}
	while (lead < 0xf0)
		all_start[++lead] = n;
}

/* The code point of the two- or three-byte character at p. */
static unsigned
decode(const unsigned char *p)
{
	if (p[0] < 0xe0)
		return (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu);
	return (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
}

/*
 * The characters item matches, into out (lead bytes, and each character
 * while there are at most NEED_CHARS_MAX); false when it matches an
 * ASCII character or cannot be tested.  The item is searched in the
 * string of all characters, each match naming one; past the limit the
 * search goes on at the next lead byte's block, naming lead bytes only.
 */
static bool
item_chars(const char *item, size_t len, uint32_t options,
    struct needbytes *out)
{
	pcre2_match_data *md = NULL;
	pcre2_code *re;
	PCRE2_SIZE eoff, at, m;
	unsigned char ascii[0x80];
	size_t n = 0;
	bool ok = false;
	unsigned c;
	int ec;

	if ((re = pcre2_compile((PCRE2_SPTR)item, len, options, &ec, &eoff,
	    NULL)) == NULL)
		return false;
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	if ((md = pcre2_match_data_create_from_pattern(re, NULL)) == NULL)
		goto out;
	for (c = 0; c < 0x80; c++)
		ascii[c] = (unsigned char)c;
	if (pcre2_match(re, ascii, sizeof(ascii), 0, 0, md, NULL) >= 0)
		goto out;
	if (pthread_once(&all_once, all_chars_build) != 0)
		goto out;
	memset(out->lead, 0, FIRSTBYTE_SET);
	memset(out->chars, 0, sizeof(out->chars));
	out->exact = true;
	for (at = 0; at < ALL_LEN; ) {
		if (pcre2_match(re, all_text, ALL_LEN, at, PCRE2_NO_UTF_CHECK,
		    md, NULL) < 0)
			break;
		m = pcre2_get_ovector_pointer(md)[0];
		c = all_text[m];
		if (c < 0xc2 || c > 0xef)
			goto out;	/* not at a character's start: give up */
		set_bit(out->lead, c);
		if (out->exact && ++n > NEED_CHARS_MAX)
			out->exact = false;
		if (out->exact) {
			set_bit(out->chars, decode(all_text + m));
			at = m + (c < 0xe0 ? 2 : 3);
		} else
			at = all_start[c + 1];
	}
	for (c = 0xf0; c <= 0xf4; c++)
		set_bit(out->lead, c);
	ok = true;
out:
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return ok;
}

/* How many characters n stands for, four-byte leads counting 2^18. */
static size_t
weight(const struct needbytes *n)
{
	size_t i, w = 0;

	if (!n->exact) {
		for (i = 0; i < FIRSTBYTE_BYTES; i++)
			if (has_bit(n->lead, (unsigned)i))
				w += i >= 0xf0 ? 1u << 18 : i >= 0xe0 ?
				    4096 : 64;
		return w;
	}
	for (i = 0; i < 0x10000; i++)
		w += has_bit(n->chars, (unsigned)i);
	for (i = 0xf0; i <= 0xf4; i++)
		w += has_bit(n->lead, (unsigned)i) ? 1u << 18 : 0;
	return w;
}

void
needbytes_of(const char *re, size_t len, uint32_t options,
    struct needbytes *out)
{
	const char *p = re, *end = re + len, *next, *q, *item_end;
	struct needbytes item;
	bool atom, bad = false;
	long min;

	out->any = true;
	while (p < end) {
		atom = false;
		if (*p == '(') {
			/* "(?i)" changes the options of what follows. */
			for (q = p + 1; q < end && (*q == '?' || *q == '-' ||
			    (*q >= 'a' && *q <= 'z')); q++)
				;
			if (p + 1 < end && p[1] == '?' && q < end && *q == ')')
				return;
			next = group_end(p, end);
		} else if (*p == '[') {
			next = class_end(p, end);
			atom = true;
		} else if (*p == '\\')
			next = escape_end(p, end, &atom);
		else if (*p == '|' || *p == ')')
			return;
		else if (*p == '^' || *p == '$')
			next = p + 1;
		else {
			/* A literal character, whole in UTF-8, or '.'. */
			next = p + 1;
			while (next < end && (*next & 0xc0) == 0x80)
				next++;
			atom = (unsigned char)*p >= 0x80;
		}
		if (next == NULL || next - p > NEED_ITEM_MAX)
			return;
		item_end = next;
		min = quantifier(&next, end, &bad);
		if (bad)
			return;
		/* Of several needed items, the one of fewest characters. */
		if (atom && min >= 1 && item_chars(p, (size_t)(item_end - p),
		    options, &item) && (out->any || weight(&item) <
		    weight(out))) {
			item.any = false;
			memcpy(out, &item, sizeof(*out));
		}
		p = next;
	}
}

void
needbytes_present(const unsigned char *t, size_t len,
    uint8_t present[FIRSTBYTE_SET])
{
	size_t i;

	memset(present, 0, FIRSTBYTE_SET);
	for (i = 0; (i = str_ascii_run(t, i, len)) < len; i++)
		if (t[i] >= 0xc0)
			set_bit(present, t[i]);
}

bool
needbytes_met(const struct needbytes *n,
    const uint8_t present[FIRSTBYTE_SET])
{
	unsigned i;

	if (n->any)
		return true;
	for (i = 0; i < FIRSTBYTE_SET; i++)
		if (n->lead[i] & present[i])
			return true;
	return false;
}

bool
needbytes_found(const struct needbytes *n, const unsigned char *t,
    size_t len)
{
	size_t i;
	unsigned c;

	if (n->any)
		return true;
	for (i = 0; (i = str_ascii_run(t, i, len)) < len; i++) {
		c = t[i];
		if (c < 0xc0 || !has_bit(n->lead, c))
			continue;
		if (!n->exact || c >= 0xf0)
			return true;
		/* A cut-off character at the end cannot be matched either. */
		if (i + (c < 0xe0 ? 2 : 3) <= len && has_bit(n->chars,
		    decode(t + i)))
			return true;
	}
	return false;
}
