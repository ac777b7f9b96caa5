/*
 * needbytes.c - the characters a pattern cannot match without.
 *
 * The branch is read as a sequence of items at its top level: escapes,
 * character classes, literal characters, and groups (read inside only
 * when they must match, see below).  An item that must occur at
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
 * Literal ASCII is read too, as runs of strings a match must hold: a
 * literal character that must occur once ends each string of the run
 * with it; an unquantified group whose branches are all literal strings
 * ("8(?:00|88)") makes the run each string followed by each branch;
 * anything else (a class, an optional item, a repeat after its first
 * time) ends the run, which is then kept as one needed set.  A
 * character counts as literal only when PCRE2, asked as above, finds it
 * matches itself alone: under the lexicon's caseless options a letter
 * has partners ('s', 'S', U+017F), so letters count only inside
 * "(?-i:".  A group that must match at least once ("(?:!\s*){3,}",
 * "(?-i:...!)") is read as a sequence of its own, and what it needs the
 * whole pattern needs.  Up to NEEDBYTES_SETS sets are kept, those of
 * the longest strings first.
 *
 * Anything the reading does not understand (an option setting at the
 * top level, \Q...\E, a '{' that is not a quantifier, a top-level '|')
 * gives "any" and no strings, which only costs speed; in a group, it
 * makes the group count for nothing.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "needbytes.h"
#include "detect/rxspace.h"
#include "util/str.h"

#define NEED_ITEM_MAX	1024
#define NEED_CHARS_MAX	4096	/* an item's exact characters, at most */
#define NEED_DEPTH_MAX	4	/* groups read inside groups, at most */

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

/* Whether item is a better requirement than out's (fewer characters). */
static void
need_better(struct needbytes *out, const struct needbytes *item)
{
	if (!out->any && weight(item) >= weight(out))
		return;
	out->any = false;
	out->exact = item->exact;
	memcpy(out->lead, item->lead, sizeof(out->lead));
	memcpy(out->chars, item->chars, sizeof(out->chars));
}

/*
 * Whether the item p..p+len is one ASCII character that, under options,
 * matches itself and nothing else, into *c.  PCRE2 is asked, as in
 * item_chars(): a letter has a caseless partner ('k' has 'K' and U+212A)
 * and is refused unless the options are case-sensitive.  No character
 * beyond U+FFFF has an ASCII case partner, so the BMP is searched.
 */
static bool
literal_char(const char *p, size_t len, uint32_t options, char *c)
{
	pcre2_match_data *md = NULL;
	unsigned char ascii[0x80];
	pcre2_code *re;
	PCRE2_SIZE eoff, *ov;
	bool ok = false;
	unsigned i;
	int ec;

	if (len == 1 && p[0] >= 0x20 && p[0] < 0x7f &&
	    strchr(".^$|()[]{}*+?\\", p[0]) == NULL)
		*c = p[0];
	else if (len == 2 && p[0] == '\\' && p[1] > 0x20 && p[1] < 0x7f &&
	    !((p[1] >= '0' && p[1] <= '9') || (p[1] >= 'a' && p[1] <= 'z') ||
	    (p[1] >= 'A' && p[1] <= 'Z')))
		*c = p[1];	/* an escaped punctuation character */
	else
		return false;
	if ((re = pcre2_compile((PCRE2_SPTR)p, len, options, &ec, &eoff,
	    NULL)) == NULL)
		return false;
	if ((md = pcre2_match_data_create_from_pattern(re, NULL)) == NULL ||
	    pthread_once(&all_once, all_chars_build) != 0)
		goto out;
	for (i = 0; i < 0x80; i++)
		ascii[i] = (unsigned char)i;
	if (pcre2_match(re, ascii, sizeof(ascii), 0, 0, md, NULL) < 0)
		goto out;
	ov = pcre2_get_ovector_pointer(md);
	if (ov[0] != (PCRE2_SIZE)*c || ov[1] != ov[0] + 1)
		goto out;
	if (pcre2_match(re, ascii, sizeof(ascii), ov[1], 0, md, NULL) !=
	    PCRE2_ERROR_NOMATCH || pcre2_match(re, all_text, ALL_LEN, 0,
	    PCRE2_NO_UTF_CHECK, md, NULL) != PCRE2_ERROR_NOMATCH)
		goto out;
	ok = true;
out:
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return ok;
}

/* A set of strings is better the longer its shortest, then the fewer. */
static bool
strs_better(const struct needbytes_strs *a, const struct needbytes_strs *b)
{
	size_t i, la = NEEDBYTES_STR_MAX, lb = NEEDBYTES_STR_MAX;

	for (i = 0; i < a->n; i++)
		la = a->len[i] < la ? a->len[i] : la;
	for (i = 0; i < b->n; i++)
		lb = b->len[i] < lb ? b->len[i] : lb;
	return la != lb ? la > lb : a->n < b->n;
}

/* Keeps set among out's sets when there is room or it beats the worst. */
static void
strs_offer(struct needbytes *out, const struct needbytes_strs *set)
{
	size_t i, worst = 0;

	if (set->n == 0)
		return;
	if (out->n_sets < NEEDBYTES_SETS) {
		out->sets[out->n_sets++] = *set;
		return;
	}
	for (i = 1; i < out->n_sets; i++)
		if (strs_better(&out->sets[worst], &out->sets[i]))
			worst = i;
	if (strs_better(set, &out->sets[worst]))
		out->sets[worst] = *set;
}

/* The run of strings ends here: a match holds one of them. */
static void
run_close(struct needbytes *out, struct needbytes_strs *run)
{
	strs_offer(out, run);
	run->n = 0;
}

/*
 * What follows the run at once is one of add: the run becomes each of
 * its strings followed by each of add's, or, when that grows too big,
 * is closed and add starts a new one.
 */
static void
run_extend(struct needbytes *out, struct needbytes_strs *run,
    const struct needbytes_strs *add)
{
	struct needbytes_strs both;
	size_t i, j;

	if (run->n == 0 || run->n * add->n > NEEDBYTES_STRS)
		goto restart;
	both.n = 0;
	for (i = 0; i < run->n; i++)
		for (j = 0; j < add->n; j++) {
			if (run->len[i] + add->len[j] > NEEDBYTES_STR_MAX)
				goto restart;
			memcpy(both.s[both.n], run->s[i], run->len[i]);
			memcpy(both.s[both.n] + run->len[i], add->s[j],
			    add->len[j]);
			both.len[both.n++] = (uint8_t)(run->len[i] +
			    add->len[j]);
		}
	*run = both;
	return;
restart:
	run_close(out, run);
	*run = *add;
}

/*
 * The alternatives of a group's content p..end when each is a string of
 * literal characters (no quantifier, no class, no group), into set.
 */
static bool
literal_alts(const char *p, const char *end, uint32_t options,
    struct needbytes_strs *set)
{
	size_t step, n = 0;
	char c;

	set->n = 0;
	set->len[0] = 0;
	for (; p <= end; p += step) {
		if (p == end || *p == '|') {
			if (set->len[n] == 0)
				return false;	/* an empty alternative */
			set->n = ++n;
			if (p == end)
				return true;
			if (n == NEEDBYTES_STRS)
				return false;
			set->len[n] = 0;
			step = 1;
			continue;
		}
		step = *p == '\\' ? 2 : 1;
		if (p + step > end || (p + step < end &&
		    strchr("*+?{", p[step]) != NULL) ||
		    set->len[n] == NEEDBYTES_STR_MAX ||
		    !literal_char(p, step, options, &c))
			return false;
		set->s[n][set->len[n]++] = c;
	}
	return false;
}

/*
 * Where a group opened at p puts its content, and the options inside:
 * plain, non-capturing and case-option groups only; false for the
 * others (assertions, atomic, branch reset, verbs), which are skipped.
 */
static bool
group_open(const char *p, const char *end, uint32_t *options,
    const char **in)
{
	size_t left = (size_t)(end - p);

	if (left >= 2 && p[1] != '?' && p[1] != '*')
		*in = p + 1;
	else if (left >= 3 && strncmp(p, "(?:", 3) == 0)
		*in = p + 3;
	else if (left >= 4 && strncmp(p, "(?i:", 4) == 0) {
		*options |= PCRE2_CASELESS;
		*in = p + 4;
	} else if (left >= 5 && strncmp(p, "(?-i:", 5) == 0) {
		*options &= ~(uint32_t)PCRE2_CASELESS;
		*in = p + 5;
	} else
		return false;
	return true;
}

static bool seq_read(const char *, const char *, uint32_t,
    struct needbytes *, int);

/*
 * A group p..end that must match at least once: a set of literal
 * strings goes on the run; other content is read as a sequence of its
 * own, whose requirements hold for the whole pattern.
 */
static void
group_item(const char *p, const char *end, uint32_t options, bool once,
    struct needbytes *out, struct needbytes_strs *run, int depth)
{
	struct needbytes_strs alts;
	struct needbytes *in;
	const char *content;
	size_t k;

	if (!group_open(p, end, &options, &content)) {
		run_close(out, run);
		return;
	}
	if (literal_alts(content, end - 1, options, &alts)) {
		run_extend(out, run, &alts);
		if (!once)
			run_close(out, run);
		return;
	}
	run_close(out, run);
	if (depth >= NEED_DEPTH_MAX || (in = malloc(sizeof(*in))) == NULL)
		return;
	in->any = true;
	in->n_sets = 0;
	if (seq_read(content, end - 1, options, in, depth + 1)) {
		if (!in->any)
			need_better(out, in);
		for (k = 0; k < in->n_sets; k++)
			strs_offer(out, &in->sets[k]);
	}
	free(in);
}

/*
 * The end of the item at p that is neither a group nor '|' nor ')': a
 * class, an escape, an anchor, or a literal character (whole in UTF-8,
 * or '.'); NULL when it does not end.  *atom: it takes one character.
 */
static const char *
simple_item_end(const char *p, const char *end, bool *atom)
{
	const char *next;

	*atom = false;
	if (*p == '[') {
		*atom = true;
		return rxspace_class_end(p, end);
	}
	if (*p == '\\')
		return escape_end(p, end, atom);
	if (*p == '^' || *p == '$')
		return p + 1;
	next = p + 1;
	while (next < end && (*next & 0xc0) == 0x80)
		next++;
	*atom = true;
	return next;
}

/*
 * Reads the sequence re..end into out; false when something in it is
 * not understood (out then holds nothing proven).
 */
static bool
seq_read(const char *re, const char *end, uint32_t options,
    struct needbytes *out, int depth)
{
	const char *p = re, *next, *q, *item_end;
	struct needbytes_strs run, one;
	struct needbytes item;
	bool atom, bad = false;
	long min;
	char c;

	run.n = 0;
	while (p < end) {
		atom = false;
		if (*p == '(') {
			/* "(?i)" changes the options of what follows. */
			for (q = p + 1; q < end && (*q == '?' || *q == '-' ||
			    (*q >= 'a' && *q <= 'z')); q++)
				;
			if (p + 1 < end && p[1] == '?' && q < end && *q == ')')
				return false;
			next = group_end(p, end);
		} else if (*p == '|' || *p == ')')
			return false;
		else {
			next = simple_item_end(p, end, &atom);
			/* Of literals, only a non-ASCII one is an atom here. */
			if (*p != '[' && *p != '\\' && *p != '^' && *p != '$')
				atom = (unsigned char)*p >= 0x80;
		}
		if (next == NULL || next - p > NEED_ITEM_MAX)
			return false;
		item_end = next;
		min = quantifier(&next, end, &bad);
		if (bad)
			return false;
		if (min < 1)
			run_close(out, &run);
		else if (*p == '(')
			group_item(p, item_end, options, next == item_end, out,
			    &run, depth);
		else if (literal_char(p, (size_t)(item_end - p), options, &c)) {
			one.n = 1;
			one.len[0] = 1;
			one.s[0][0] = c;
			run_extend(out, &run, &one);
			if (next != item_end)
				run_close(out, &run);
		} else {
			run_close(out, &run);
			/* Of several needed items, the one of fewest characters. */
			if (atom && item_chars(p, (size_t)(item_end - p),
			    options, &item))
				need_better(out, &item);
		}
		p = next;
	}
	run_close(out, &run);
	return true;
}

void
needbytes_of(const char *re, size_t len, uint32_t options,
    struct needbytes *out)
{
	out->any = true;
	out->n_sets = 0;
	if (!seq_read(re, re + len, options, out, 0)) {
		out->any = true;
		out->n_sets = 0;
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
	/* Only lead bytes, 0xC0 and up, are ever in either set. */
	for (i = 0xc0 / 8; i < FIRSTBYTE_SET; i++)
		if (n->lead[i] & present[i])
			return true;
	return false;
}

/* Whether t holds a string of set: one memchr() pass per first byte. */
static bool
strs_found(const struct needbytes_strs *set, const unsigned char *t,
    size_t len)
{
	uint8_t done[256 / 8] = { 0 };
	const unsigned char *q, *end = t + len;
	size_t i, j;
	unsigned b;

	for (i = 0; i < set->n; i++) {
		b = (unsigned char)set->s[i][0];
		if (has_bit(done, b))
			continue;
		set_bit(done, b);
		for (q = t; (q = memchr(q, (int)b, (size_t)(end - q))) != NULL;
		    q++)
			for (j = i; j < set->n; j++)
				if ((unsigned char)set->s[j][0] == b &&
				    set->len[j] <= (size_t)(end - q) &&
				    memcmp(q, set->s[j], set->len[j]) == 0)
					return true;
	}
	return false;
}

size_t
needbytes_next(const struct needbytes *n, const unsigned char *t, size_t len,
    size_t from)
{
	size_t i;
	unsigned c;

	if (n->any)
		return from < len ? from : len;
	for (i = from; (i = str_ascii_run(t, i, len)) < len; i++) {
		c = t[i];
		if (c < 0xc0 || !has_bit(n->lead, c))
			continue;
		if (!n->exact || c >= 0xf0)
			return i;
		/* A cut-off character at the end cannot be matched either. */
		if (i + (c < 0xe0 ? 2 : 3) <= len && has_bit(n->chars,
		    decode(t + i)))
			return i;
	}
	return len;
}

bool
needbytes_found(const struct needbytes *n, const unsigned char *t,
    size_t len)
{
	size_t i;

	for (i = 0; i < n->n_sets; i++)
		if (!strs_found(&n->sets[i], t, len))
			return false;
	return n->any || needbytes_next(n, t, len, 0) < len;
}

/*
 * The ASCII characters the item p..p+len (one character: a class, an
 * escape, a literal) matches under options, added to in[]; PCRE2 is
 * asked of each, so case partners and \s are its own.  False when the
 * item does not compile alone.
 */
static bool
alpha_item(const char *p, size_t len, uint32_t options, bool in[])
{
	pcre2_match_data *md = NULL;
	pcre2_code *re;
	PCRE2_SIZE eoff;
	unsigned char c;
	bool ok = false;
	int ec;

	if ((re = pcre2_compile((PCRE2_SPTR)p, len, options | PCRE2_ANCHORED,
	    &ec, &eoff, NULL)) == NULL)
		return false;
	if ((md = pcre2_match_data_create_from_pattern(re, NULL)) != NULL) {
		for (c = 0; c < 0x80; c++)
			if (pcre2_match(re, &c, 1, 0, 0, md, NULL) >= 0)
				in[c] = true;
		ok = true;
	}
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return ok;
}

/* Whether the group at p is a look-around, which takes no character. */
static bool
lookaround(const char *p, const char *end)
{
	if (end - p >= 3 && p[1] == '?' && (p[2] == '=' || p[2] == '!'))
		return true;
	return end - p >= 4 && p[1] == '?' && p[2] == '<' && (p[3] == '=' ||
	    p[3] == '!');
}

/*
 * Adds to in[] what the branches p..end may take: each item that takes
 * a character (its quantifier aside, as a repeat takes the same ones),
 * the content of groups, not of look-arounds.  False on anything else:
 * an option setting, a back reference, \Q, a verb, an atomic group.
 */
static bool
alpha_read(const char *p, const char *end, uint32_t options, bool in[],
    int depth)
{
	const char *next, *content;
	uint32_t inner;
	bool atom, bad = false;

	while (p < end) {
		atom = false;
		if (*p == '|') {
			next = p + 1;	/* another branch: its union */
		} else if (*p == '(') {
			if ((next = group_end(p, end)) == NULL)
				return false;
			inner = options;
			if (!lookaround(p, end) && (depth >= NEED_DEPTH_MAX ||
			    !group_open(p, next, &inner, &content) ||
			    !alpha_read(content, next - 1, inner, in,
			    depth + 1)))
				return false;
		} else if (*p == ')')
			return false;
		else
			next = simple_item_end(p, end, &atom);
		if (next == NULL || next - p > NEED_ITEM_MAX || (atom &&
		    !alpha_item(p, (size_t)(next - p), options, in)))
			return false;
		if (*p != '|')
			(void)quantifier(&next, end, &bad);
		if (bad)
			return false;
		p = next;
	}
	return true;
}

bool
needbytes_alphabet(const char *re, size_t len, uint32_t options,
    bool in[FIRSTBYTE_BYTES])
{
	memset(in, 0, FIRSTBYTE_BYTES * sizeof(in[0]));
	if (!alpha_read(re, re + len, options, in, 0))
		return false;
	memset(in + 0x80, true, (FIRSTBYTE_BYTES - 0x80) * sizeof(in[0]));
	return true;
}

size_t
needbytes_str_next(const struct needbytes_strs *set, const unsigned char *t,
    size_t len, size_t from)
{
	const unsigned char *q, *end = t + len, *best = end;
	size_t i;

	for (i = 0; i < set->n; i++)
		for (q = t + from; q < best && (q = memchr(q,
		    (unsigned char)set->s[i][0], (size_t)(best - q))) != NULL;
		    q++)
			if (set->len[i] <= (size_t)(end - q) &&
			    memcmp(q, set->s[i], set->len[i]) == 0) {
				best = q;
				break;
			}
	return (size_t)(best - t);
}

/*
 * The end of the item at p when it takes exactly one character: a
 * class, '.', a literal, or an escape such as \p{L} or \w (not \X or
 * \R, which may take more, nor \C, a byte); else NULL.
 */
static const char *
one_char(const char *p, const char *end)
{
	const char *next;
	bool atom;

	if (p >= end)
		return NULL;
	if (*p == '[')
		return rxspace_class_end(p, end);
	if (*p == '\\') {
		if (p + 1 < end && strchr("XRC", p[1]) != NULL)
			return NULL;
		next = escape_end(p, end, &atom);
		return atom ? next : NULL;
	}
	if (strchr("()|^$?*+{", *p) != NULL)
		return NULL;
	for (next = p + 1; next < end && (*next & 0xc0) == 0x80; next++)
		;
	return next;
}

bool
needbytes_second(const char *re, size_t len, uint32_t options,
    struct needbytes *out)
{
	const char *p = re, *end = re + len, *item, *next;
	bool atom, bad = false;

	out->any = true;
	out->n_sets = 0;
	/* \b and \B take no character. */
	while (end - p >= 2 && p[0] == '\\' && (p[1] == 'b' || p[1] == 'B'))
		p += 2;
	/* The second item right after it: a quantifier refuses. */
	if ((item = one_char(p, end)) == NULL)
		return false;
	if (item < end && *item == '[') {
		next = rxspace_class_end(item, end);
		atom = true;
	} else if (item < end && *item == '\\' && item + 1 < end &&
	    strchr("XRC", item[1]) == NULL)
		next = escape_end(item, end, &atom);
	else
		return false;
	if (next == NULL || !atom || next - item > NEED_ITEM_MAX)
		return false;
	len = (size_t)(next - item);
	if (quantifier(&next, end, &bad) < 1 || bad ||
	    !item_chars(item, len, options, out))
		return false;
	out->any = false;
	return true;
}
