/*
 * test_needbytes.c - the lead bytes a pattern cannot match without.
 *
 * needbytes.c lets the lexicon skip a pattern for a text that lacks
 * them, so a claim it makes that is too strong would lose a match.  The
 * table says, per pattern, whether a requirement is found and which lead
 * bytes it must and must not contain; then every claim is checked
 * against PCRE2 on texts that hold one character of each lead byte.
 * The exact characters are checked the same way, character by
 * character: a text of every character of two or three bytes outside
 * the set must not match; and needbytes_found() is tried on texts with
 * the caseless partners (U+00B5, U+2126, U+1C80) that must pass and
 * common typography (U+2019, U+00A0) that must not.
 *
 * The needed ASCII strings are checked against a table of what each
 * pattern must need, and against PCRE2 on generated texts: a text the
 * pattern matches must pass needbytes_found().  Texts are made of the
 * pieces the patterns are built of, and caseless partners of letters.
 *
 * needbytes_second() is checked against a table of branches it must
 * and must not take, and, for those it takes, against PCRE2 on
 * generated texts: wherever a match starts, the character after its
 * first is one needbytes_next() finds.
 *
 * needbytes_alphabet() is checked against a table of what each branch
 * may and may not take, and against PCRE2 on generated texts: every
 * byte of every match is in the set; needbytes_str_next() against a
 * plain search at every place of such texts.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "detect/needbytes.h"
#include "tap.h"

#define OPTS	(PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS)

struct need_case {
	const char	*re;
	bool		 any;
	const char	*in;	/* lead bytes that must be in the set */
	const char	*out;	/* and that must not */
};

static const struct need_case cases[] = {
	/* Cyrillic: D0..D3, and E1 for U+1C80.., partners of U+0432.. */
	{ "\\p{Latin}[\\x{0400}-\\x{04FF}]+\\p{Latin}", false,
	    "\xd0\xd1\xd2\xd3\xe1", "\xc3\xe2\xce" },
	{ "\\b\\p{Latin}{2,}[\\x{0400}-\\x{04FF}]\\b", false,
	    "\xd0\xd3", "\xc3" },
	{ "[\\x{200B}-\\x{200D}\\x{FEFF}]+", false, "\xe2\xef", "\xc3\xd0" },
	{ "\\x{1D400}{2,}", false, "\xf0", "\xc3\xe2" },
	{ "stra\303\237e", false, "\xc3", "\xd0" },
	/* An item that may be absent, or that matches ASCII, says nothing. */
	{ "[\\x{0400}-\\x{04FF}]*x", true, "", "" },
	{ "[\\x{0400}-\\x{04FF}]?x", true, "", "" },
	{ "[\\x{0400}-\\x{04FF}]{0,2}x", true, "", "" },
	{ "\\p{L}+", true, "", "" },
	{ "[^a]", true, "", "" },
	/* K matches the Kelvin sign caselessly, and k matches K. */
	{ "\\x{212A}", true, "", "" },
	/* An option setting changes what follows: nothing is claimed. */
	{ "(?i)[\\x{0400}-\\x{04FF}]", true, "", "" },
	{ "(?-i)[\\x{0400}-\\x{04FF}]", true, "", "" },
	/* A scoped option group is skipped; the class after it counts. */
	{ "(?-i:ab)[\\x{0400}-\\x{04FF}]", false, "\xd0", "\xc3" },
	/* A class inside an optional group is not required. */
	{ "(?:[\\x{0400}-\\x{04FF}])?x", true, "", "" },
	{ "a|[\\x{0400}-\\x{04FF}]", true, "", "" },
	{ "\\Q[\\x{0400}]\\E", true, "", "" },
	{ "a{,3}[\\x{0400}-\\x{04FF}]", true, "", "" },
	{ "(a)\\1[\\x{0400}-\\x{04FF}]", true, "", "" },
	{ "[\\x{0400}-\\x{04FF}]{2}", false, "\xd0", "\xc3" },
	{ "[]\\x{0400}]", true, "", "" },
	/* A group that must match is read inside; one with branches not. */
	{ "(?:x[\\x{0400}-\\x{04FF}])+y", false, "\xd0", "\xc3" },
	{ "(?-i:(?:[\\x{0400}-\\x{04FF}]))", false, "\xd0", "\xc3" },
	{ "(?:x[\\x{0400}-\\x{04FF}]|y)", true, "", "" },
	{ "(?:x[\\x{0400}-\\x{04FF}])*y", true, "", "" },
	{ "(?=[\\x{0400}-\\x{04FF}])\\w", true, "", "" },
};

static bool
in_set(const struct needbytes *n, unsigned char c)
{
	return (n->lead[c >> 3] >> (c & 7)) & 1u;
}

/* One character with lead byte c and the smallest continuation. */
static size_t
char_with_lead(unsigned c, unsigned char *out)
{
	if (c < 0xe0) {
		out[0] = (unsigned char)c;
		out[1] = 0x80;
		return 2;
	}
	out[0] = (unsigned char)c;
	out[1] = c == 0xe0 ? 0xa0 : 0x80;
	out[2] = 0x80;
	return 3;
}

/*
 * Every claim checked by PCRE2: for each character of a two- or
 * three-byte lead c outside the set, the pattern must not match a text
 * made of ASCII and that character.  The texts are built from all
 * characters of the lead, so a caseless partner anywhere would show.
 */
static size_t
check_claim(const char *re, const struct needbytes *n)
{
	unsigned char text[3 * 4096 + 256];
	pcre2_match_data *md;
	pcre2_code *code;
	PCRE2_SIZE eoff;
	size_t bad = 0, len, k;
	unsigned c, cp, lo, hi;
	int ec;

	if (n->any)
		return 0;
	if ((code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, OPTS,
	    &ec, &eoff, NULL)) == NULL)
		return 1;
	md = pcre2_match_data_create_from_pattern(code, NULL);
	for (c = 0xc2; c <= 0xef; c++) {
		if (in_set(n, (unsigned char)c))
			continue;
		len = 0;
		for (k = 0; k < 0x80; k++)
			text[len++] = (unsigned char)(k == 0 ? ' ' : k);
		lo = c < 0xe0 ? (c & 0x1f) << 6 : (c & 0x0f) << 12;
		hi = lo + (c < 0xe0 ? 0x3f : 0xfff);
		for (cp = lo < 0x800 && c >= 0xe0 ? 0x800 : lo; cp <= hi;
		    cp++) {
			if (cp >= 0xd800 && cp <= 0xdfff)
				continue;
			if (cp < 0x800) {
				text[len++] = (unsigned char)(0xc0 | (cp >> 6));
			} else {
				text[len++] = (unsigned char)(0xe0 | (cp >> 12));
				text[len++] = (unsigned char)(0x80 |
				    ((cp >> 6) & 0x3f));
			}
			text[len++] = (unsigned char)(0x80 | (cp & 0x3f));
			/* Letters around it, for \p{Latin} and \b. */
			text[len++] = 'a';
			text[len++] = 'b';
			text[len++] = ' ';
			if (len > sizeof(text) - 8) {
				if (pcre2_match(code, text, len, 0, 0, md,
				    NULL) >= 0)
					bad++;
				len = 0;
			}
		}
		if (len > 0 && pcre2_match(code, text, len, 0, 0, md,
		    NULL) >= 0)
			bad++;
	}
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	return bad;
}

/* The UTF-8 form of cp (below U+10000), into out; its length. */
static size_t
utf8(unsigned cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	out[0] = (unsigned char)(0xe0 | (cp >> 12));
	out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp & 0x3f));
	return 3;
}

static bool
in_chars(const struct needbytes *n, unsigned cp)
{
	return (n->chars[cp >> 3] >> (cp & 7)) & 1u;
}

/*
 * The exact claim checked by PCRE2: a text of ASCII and every character
 * of two or three bytes outside the set, each between letters, must
 * not match (in pieces of a few thousand characters).
 */
static size_t
check_exact(const char *re, const struct needbytes *n)
{
	unsigned char text[6 * 2048 + 256];
	pcre2_match_data *md;
	pcre2_code *code;
	PCRE2_SIZE eoff;
	size_t bad = 0, len = 0;
	unsigned cp;
	int ec;

	if (n->any || !n->exact)
		return 0;
	if ((code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, OPTS,
	    &ec, &eoff, NULL)) == NULL)
		return 1;
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	md = pcre2_match_data_create_from_pattern(code, NULL);
	for (cp = 0x80; cp < 0x10000; cp++) {
		if ((cp >= 0xd800 && cp <= 0xdfff) || in_chars(n, cp))
			continue;
		len += utf8(cp, text + len);
		text[len++] = 'a';
		text[len++] = 'b';
		text[len++] = ' ';
		if (len > sizeof(text) - 256 || cp == 0xffff) {
			if (pcre2_match(code, text, len, 0, 0, md, NULL) >= 0)
				bad++;
			len = 0;
		}
	}
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	return bad;
}

static void
test_cases(void)
{
	struct needbytes n;
	size_t i, k;
	bool good;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct need_case *c = &cases[i];

		needbytes_of(c->re, strlen(c->re), OPTS, &n);
		ok(n.any == c->any, "%s: %s", c->re, c->any ?
		    "nothing claimed" : "a requirement found");
		good = true;
		for (k = 0; !n.any && c->in[k] != '\0'; k++)
			good &= in_set(&n, (unsigned char)c->in[k]);
		for (k = 0; !n.any && c->out[k] != '\0'; k++)
			good &= !in_set(&n, (unsigned char)c->out[k]);
		ok(good, "%s: the expected lead bytes", c->re);
		is_int((long)check_claim(c->re, &n), 0L,
		    "%s: PCRE2 finds no match the claim excludes", c->re);
		is_int((long)check_exact(c->re, &n), 0L,
		    "%s: nor one the exact characters exclude", c->re);
	}
}

static void
test_present(void)
{
	unsigned char t[16];
	uint8_t present[FIRSTBYTE_SET];
	struct needbytes n;
	size_t len;

	needbytes_of("[\\x{0400}-\\x{04FF}]", 20, OPTS, &n);
	memcpy(t, "abc", 3);
	needbytes_present(t, 3, present);
	ok(!needbytes_met(&n, present), "an ASCII text lacks Cyrillic");
	len = char_with_lead(0xd0, t);
	needbytes_present(t, len, present);
	ok(needbytes_met(&n, present), "a text with D0 may match");
	memcpy(t, "\xc3\xa4", 2);
	needbytes_present(t, 2, present);
	ok(!needbytes_met(&n, present), "an umlaut is not Cyrillic");
	needbytes_of("\\p{L}", 5, OPTS, &n);
	needbytes_present(t, 0, present);
	ok(needbytes_met(&n, present), "nothing claimed: always searched");
	/* Every lead byte counts, from C0 up (all needbytes_met reads). */
	needbytes_of("[\\x{00B5}\\x{0100}]", 18, OPTS, &n);
	len = char_with_lead(0xc2, t);
	needbytes_present(t, len, present);
	ok(!n.any && needbytes_met(&n, present), "a text with C2 may match");
	len = char_with_lead(0xc4, t);
	needbytes_present(t, len, present);
	ok(needbytes_met(&n, present), "a text with C4 may match");
}

struct found_case {
	const char	*re;
	const char	*text;
	bool		 found;
};

static const struct found_case found_cases[] = {
	/* Caseless partners pass: U+1C80 of U+0432, U+00B5 of U+03BC. */
	{ "[\\x{0400}-\\x{04FF}]", "a\341\262\200b", true },
	{ "[\\x{0400}-\\x{04FF}]", "a\xd0\xb0", true },
	{ "[\\x{0370}-\\x{03FF}]", "5 \xc2\xb5g", true },
	{ "[\\x{0370}-\\x{03FF}]", "10 \xe2\x84\xa6", true },
	{ "[\\x{0370}-\\x{03FF}]", "\xe1\xbd\xb3", false },
	/* Same lead bytes, other characters: skipped. */
	{ "[\\x{0400}-\\x{04FF}]", "it\xe2\x80\x99s \xc3\xa4", false },
	{ "[\\x{0370}-\\x{03FF}]", "a\302\240b \xc2\xa9", false },
	{ "[\\x{200B}-\\x{200D}\\x{FEFF}]", "\xe2\x80\x9cq\xe2\x80\x9d "
	    "\xe2\x80\x93 \xe2\x80\xa6 \xef\xbc\xa1", false },
	{ "[\\x{200B}-\\x{200D}\\x{FEFF}]", "a\342\200\213b", true },
	{ "[\\x{200B}-\\x{200D}\\x{FEFF}]", "\xef\xbb\xbf", true },
	/* The kelvin sign and the long s are partners of k and s. */
	{ "\\x{212A}", "k", true },
	{ "[\\x{212A}\\x{017F}]x", "\xe2\x84\xaax", true },
	/* Four-byte characters of a needed lead byte count. */
	{ "[\\x{0370}-\\x{03FF}]", "\xf0\x9f\x98\x80", true },
	{ "[\\x{200B}-\\x{200D}\\x{E0000}-\\x{E01EF}]",
	    "\xf3\xa0\x80\x81", true },
	/* A character cut off at the end is not read past the end. */
	{ "[\\x{0400}-\\x{04FF}]", "a\xd0", false },
	{ "[\\x{200B}]", "a\xe2\x80", false },
	/* Nothing claimed: always found. */
	{ "\\p{L}", "", true },
};

static void
test_found(void)
{
	struct needbytes n;
	size_t i;

	for (i = 0; i < sizeof(found_cases) / sizeof(found_cases[0]); i++) {
		const struct found_case *c = &found_cases[i];

		needbytes_of(c->re, strlen(c->re), OPTS, &n);
		ok(needbytes_found(&n, (const unsigned char *)c->text,
		    strlen(c->text)) == c->found, "%s in \"%s\": %s", c->re,
		    c->text, c->found ? "found" : "not found");
	}
	needbytes_of("[\\x{0400}-\\x{04FF}]", 19, OPTS, &n);
	ok(!n.any && n.exact && in_chars(&n, 0x1c80) && in_chars(&n, 0x430) &&
	    !in_chars(&n, 0x2019), "Cyrillic: U+0430 and U+1C80, exactly");
	needbytes_of("[\\x{3000}-\\x{FFFF}]", 19, OPTS, &n);
	ok(!n.any && !n.exact, "too many characters: lead bytes only");
}

struct strs_case {
	const char	*re;
	const char	*sets;	/* each set's strings, ',' between, ';' after */
};

static const struct strs_case strs_cases[] = {
	/* A toll-free number: '8' and a group of literal branches. */
	{ "(?<!\\d)(?:1[-.\\s]?)?\\(?8(?:00|88|77|66|55|44)\\)?[-.\\s]"
	    "\\d{3}[-.\\s]?\\d{4}(?!\\d)", "800,888,877,866,855,844;" },
	/* Inside a repeated group, and inside a case-sensitive one. */
	{ "(?:!\\s*){3,}", "!;" },
	{ "(?-i:\\b[A-Z]{3,}(?:[\\s!]+[A-Z]{3,}){5,}\\s*!)", "!;" },
	{ "^\\s*(?-i:ADV)\\b", "ADV;" },
	{ "\\$\\s?\\d{1,3}(?:,\\d{3}){2,}(?:\\.\\d\\d)?", "$;,;" },
	/* Case-insensitive letters have partners: no string. */
	{ "abc", "" },
	{ "(?:ab|cd)x", "" },
	{ "(?i:x(?-i:Q))\\d", "Q;" },
	{ "s(?-i:s)", "s;" },
	/* Runs of literals and groups, cut where they grow too big. */
	{ "(?:1|2)(?:3|4)-(?:5|6)", "13-5,13-6,14-5,14-6,23-5,23-6,24-5,24-6;" },
	{ "(?:1|2)(?:3|4)(?:5|6)(?:7|8)(?:9|0)", "1357,1358,1367,1368,1457,"
	    "1458,1467,1468,2357,2358,2367,2368,2457,2458,2467,2468;9,0;" },
	{ "=\\?utf", "=?;" },
	{ "12(?:34)+5", "1234;5;" },
	{ "12345678901", "12345678;901;" },
	/* What may be absent or is not understood gives nothing. */
	{ "(?:800)?x", "" },
	{ "8*0", "0;" },
	{ "8{0,2}0", "0;" },
	{ "(?=800)\\d", "" },
	{ "(?:800|)x", "" },
	{ "(?:800|8\\d0)", "" },
	{ "800|900", "" },
	{ "(?i)800", "" },
	{ "(?:(?i)8|9)00", "00;" },
	{ "\\Q800\\E", "" },
	{ "8.0", "8;0;" },
};

/* The sets of n in the form of strs_cases. */
static void
sets_text(const struct needbytes *n, char *out, size_t size)
{
	size_t i, j, len = 0;

	out[0] = '\0';
	for (i = 0; i < n->n_sets; i++)
		for (j = 0; j < n->sets[i].n; j++)
			len += (size_t)snprintf(out + len, size - len, "%.*s%s",
			    (int)n->sets[i].len[j], n->sets[i].s[j],
			    j + 1 < n->sets[i].n ? "," : ";");
}

static void
test_strs(void)
{
	struct needbytes n;
	char got[1024];
	size_t i;

	for (i = 0; i < sizeof(strs_cases) / sizeof(strs_cases[0]); i++) {
		const struct strs_case *c = &strs_cases[i];

		needbytes_of(c->re, strlen(c->re), OPTS, &n);
		sets_text(&n, got, sizeof(got));
		is_str(got, c->sets, "%s: needed strings", c->re);
	}
}

/* Pieces of the generated texts: the patterns' literals, and near. */
static const char *const pieces[] = {
	"8", "0", "00", "88", "800", "888", "1", "2", "3", "4", "5", "6",
	"-", ".", "(", ")", " ", "  ", "\t", "!", "!!", "A", "ADV", "adv",
	"Adv", "ABCD", "$", ",", "\xc5\xbf", "\xe2\x84\xaa", "k", "K", "s",
	"S", "x", "X", "Q", "q", "=", "?", "utf", "UTF", "\xc2\xa0",
	"\xd9\xa3", "\n", "9", "7", "123", "5555", "#", "ab", "CD",
};

static uint32_t
next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Every pattern of strs_cases against generated texts: none that PCRE2
 * matches may be refused.  Both kinds must occur, or the test tests
 * nothing.
 */
static void
test_strs_generated(void)
{
	const size_t n_pieces = sizeof(pieces) / sizeof(pieces[0]);
	unsigned char text[512];
	pcre2_match_data *md;
	pcre2_code *code;
	struct needbytes n;
	PCRE2_SIZE eoff;
	size_t i, k, len, bad = 0, matched = 0, refused = 0, m;
	uint32_t seed = 0x2545f491;
	int ec;

	for (i = 0; i < sizeof(strs_cases) / sizeof(strs_cases[0]); i++) {
		const char *re = strs_cases[i].re;

		needbytes_of(re, strlen(re), OPTS, &n);
		if ((code = pcre2_compile((PCRE2_SPTR)re,
		    PCRE2_ZERO_TERMINATED, OPTS, &ec, &eoff, NULL)) == NULL) {
			bad++;
			continue;
		}
		(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
		md = pcre2_match_data_create_from_pattern(code, NULL);
		for (k = 0; k < 20000; k++) {
			len = 0;
			for (m = 1 + next_rand(&seed) % 12; m > 0; m--) {
				const char *p = pieces[next_rand(&seed) %
				    n_pieces];

				memcpy(text + len, p, strlen(p));
				len += strlen(p);
			}
			if (pcre2_match(code, text, len, 0, 0, md, NULL) >= 0) {
				matched++;
				if (!needbytes_found(&n, text, len))
					bad++;
			} else if (!needbytes_found(&n, text, len))
				refused++;
		}
		pcre2_match_data_free(md);
		pcre2_code_free(code);
	}
	is_int((long)bad, 0L, "no text PCRE2 matches is refused");
	ok(matched > 1000 && refused > 1000, "texts of both kinds (%zu "
	    "matched, %zu refused)", matched, refused);
}

static const struct found_case strs_found_cases[] = {
	{ "\\(?8(?:00|88)\\)?-\\d", "call 1-800-5", true },
	{ "\\(?8(?:00|88)\\)?-\\d", "call (888)-5", true },
	{ "\\(?8(?:00|88)\\)?-\\d", "call 1-900-5 or 8 80 8", false },
	{ "\\(?8(?:00|88)\\)?-\\d", "ends in 88", false },
	{ "\\(?8(?:00|88)\\)?-\\d", "ends in 888-", true },
	{ "(?:!\\s*){3,}", "wow", false },
	{ "(?:!\\s*){3,}", "!", true },
	{ "^\\s*(?-i:ADV)\\b", "adv: x", false },
	{ "^\\s*(?-i:ADV)\\b", "x ADV", true },
	{ "\\$\\d+(?:,\\d{3}){2,}", "$5", false },
	{ "\\$\\d+(?:,\\d{3}){2,}", "5,000", false },
	{ "\\$\\d+(?:,\\d{3}){2,}", ",$", true },
	/* Both the strings and a non-ASCII character are needed. */
	{ "![\\x{0400}-\\x{04FF}]", "!\xd0\xb0", true },
	{ "![\\x{0400}-\\x{04FF}]", "!a", false },
	{ "![\\x{0400}-\\x{04FF}]", "\xd0\xb0", false },
};

static void
test_strs_found(void)
{
	struct needbytes n;
	size_t i;

	for (i = 0; i < sizeof(strs_found_cases) /
	    sizeof(strs_found_cases[0]); i++) {
		const struct found_case *c = &strs_found_cases[i];

		needbytes_of(c->re, strlen(c->re), OPTS, &n);
		ok(needbytes_found(&n, (const unsigned char *)c->text,
		    strlen(c->text)) == c->found, "%s in \"%s\": %s", c->re,
		    c->text, c->found ? "found" : "not found");
	}
}

struct second_case {
	const char	*re;
	bool		 taken;
};

static const struct second_case second_cases[] = {
	{ "\\p{Latin}[\\x{0400}-\\x{04FF}\\x{0370}-\\x{03FF}]+\\p{Latin}",
	    true },
	{ "\\p{L}[\\x{200B}-\\x{200D}\\x{FEFF}\\x{E0000}-\\x{E01EF}]+"
	    "\\p{L}", true },
	{ "\\b\\w[\\x{0400}-\\x{04FF}]", true },
	{ ".\\p{Cyrillic}{2}", true },
	{ "\303\274\\x{0430}", true },
	{ "[ab][\\x{0400}-\\x{04FF}]{1,3}x", true },
	/* The first item may take more or fewer than one character. */
	{ "\\p{Latin}{2,}[\\x{0400}-\\x{04FF}]", false },
	{ "a?[\\x{0400}-\\x{04FF}]", false },
	{ "\\X[\\x{0400}-\\x{04FF}]", false },
	{ "\\R[\\x{0400}-\\x{04FF}]", false },
	{ "\\C[\\x{0400}-\\x{04FF}]", false },
	{ "(a)[\\x{0400}-\\x{04FF}]", false },
	{ "(?=a)\\w[\\x{0400}-\\x{04FF}]", false },
	/* The second may be absent, or take ASCII. */
	{ "a[\\x{0400}-\\x{04FF}]?", false },
	{ "a[\\x{0400}-\\x{04FF}]*", false },
	{ "a[\\x{0400}-\\x{04FF}]{0,2}", false },
	{ "a[\\x{0400}-\\x{04FF}]{,2}", false },
	{ "a\\p{L}", false },
	{ "a[\\x{0400}-\\x{04FF}b]", false },
	{ "ab", false },
	{ "a", false },
	{ "", false },
	/* The Kelvin sign is a caseless partner of k: ASCII. */
	{ "a\\x{212A}", false },
};

/* Pieces of the texts needbytes_second() is tried on. */
static const char *const second_pieces[] = {
	"a", "b", "x", "k", "s", " ", "\n", "!", "1", "\xc3\xbc", "\xd0\xb0",
	"\xd0\x96", "\xce\xbf", "\xce\xa9", "\xe1\xb2\x80", "\xc2\xb5",
	"\xe2\x84\xa6", "\xe2\x80\x8b", "\xe2\x80\x8c", "\xef\xbb\xbf",
	"\xe2\x80\x99", "\xc2\xa0", "\xcd\x8f", "\xf3\xa0\x80\x81",
	"\xf0\x9f\x98\x80", "\xe2\x84\xaa", "\xc5\xbf",
};

/*
 * For each branch it takes: at every position where PCRE2 finds a
 * match of the branch starting there, needbytes_next() from the next
 * character finds that very character.
 */
static void
test_second(void)
{
	struct needbytes n;
	pcre2_match_data *md;
	pcre2_code *re;
	unsigned char text[512];
	uint32_t seed = 99;
	size_t i, k, len, p, q, np = sizeof(second_pieces) /
	    sizeof(second_pieces[0]);
	size_t starts = 0, wrong = 0;
	PCRE2_SIZE eoff;
	int ec;

	for (i = 0; i < sizeof(second_cases) / sizeof(second_cases[0]); i++)
		ok(needbytes_second(second_cases[i].re,
		    strlen(second_cases[i].re), OPTS, &n) ==
		    second_cases[i].taken, "second: %s %s", second_cases[i].re,
		    second_cases[i].taken ? "taken" : "refused");
	for (i = 0; i < sizeof(second_cases) / sizeof(second_cases[0]); i++) {
		if (!second_cases[i].taken)
			continue;
		if (!needbytes_second(second_cases[i].re,
		    strlen(second_cases[i].re), OPTS, &n) ||
		    (re = pcre2_compile((PCRE2_SPTR)second_cases[i].re,
		    PCRE2_ZERO_TERMINATED, OPTS | PCRE2_ANCHORED, &ec, &eoff,
		    NULL)) == NULL)
			abort();
		md = pcre2_match_data_create_from_pattern(re, NULL);
		for (k = 0; k < 3000; k++) {
			for (len = 0; len + 8 < sizeof(text) &&
			    next_rand(&seed) % 40 != 0; ) {
				const char *pc;

				pc = second_pieces[next_rand(&seed) % np];
				memcpy(text + len, pc, strlen(pc));
				len += strlen(pc);
			}
			for (p = 0; p < len; p++) {
				if ((text[p] & 0xc0) == 0x80 ||
				    pcre2_match(re, text, len, p, 0, md,
				    NULL) < 0)
					continue;
				for (q = p + 1; q < len &&
				    (text[q] & 0xc0) == 0x80; q++)
					;
				starts++;
				if (needbytes_next(&n, text, len, q) != q &&
				    wrong++ < 3)
					printf("# %s: a match at %zu, not "
					    "found at %zu\n",
					    second_cases[i].re, p, q);
			}
		}
		pcre2_match_data_free(md);
		pcre2_code_free(re);
	}
	ok(wrong == 0 && starts > 1000, "second: %zu matches, each at a "
	    "second character found", starts);
	/* needbytes_next() itself: the first, from a place on, or none. */
	needbytes_of("[\\x{0400}-\\x{04FF}]", 19, OPTS, &n);
	ok(needbytes_next(&n, (const unsigned char *)"ab\xd0\xb0" "c\xd0\xb1",
	    8, 0) == 2, "next: the first Cyrillic character");
	ok(needbytes_next(&n, (const unsigned char *)"ab\xd0\xb0" "c\xd0\xb1",
	    8, 4) == 5, "next: the one after a place");
	ok(needbytes_next(&n, (const unsigned char *)"ab\xe2\x80\x99" "c", 6,
	    0) == 6, "next: none, though E2 leads");
	ok(needbytes_next(&n, (const unsigned char *)"ab\xd0", 3, 0) == 3,
	    "next: not a character cut off at the end");
}

struct alpha_case {
	const char	*re;
	bool		 taken;
	const char	*in;	/* ASCII characters that must be in the set */
	const char	*out;	/* and that must not */
};

static const struct alpha_case alpha_cases[] = {
	{ "(?-i:\\b[A-Z]{3,}(?:[\\s!]+[A-Z]{3,}){5,}\\s*!)", true,
	    "AZ! \t\n", "az09-." },
	{ "(?:!\\s*){3,}", true, "! \r", "aA0" },
	/* Caseless: both cases, and only them. */
	{ "ab|k", true, "abkABK", "cC " },
	/* A look-around takes nothing: its digits are not in. */
	{ "(?<!\\d)8(?:00|88)(?!\\d)", true, "80", "1279" },
	{ "\\$\\s?\\d{1,3}(?:,\\d{3}){2,}", true, "$,09 ", "a." },
	{ "^\\s*(?-i:ADV)\\b", true, "ADV ", "adv" },
	{ "(?i:x(?-i:Q))\\d", true, "xXQ5", "q" },
	{ "[^a]", true, "b!", "aA" },
	{ "a.c", true, "acb!", "\n" },
	/* Not understood: nothing is claimed. */
	{ "(?i)abc", false, "", "" },
	{ "(a)\\1", false, "", "" },
	{ "(?>ab)", false, "", "" },
	{ "\\Qab\\E", false, "", "" },
	{ "a(*ACCEPT)", false, "", "" },
	{ "a)b", false, "", "" },
};

static const char *const alpha_pieces[] = {
	"A", "B", "Z", "a", "z", "k", "0", "8", "800", "888", " ", "  ",
	"\t", "!", "!!", "$", ",", "-", ".", "(", ")", "ADV", "xQ", "XQ",
	"\xc2\xa0", "\xe2\x80\x83", "\xc3\xbc", "\xe2\x84\xaa",
};

/* The generated texts' patterns: each match must lie in the set. */
static const char *const alpha_gen[] = {
	"(?-i:\\b[A-Z]{3,}(?:[\\s!]+[A-Z]{3,}){1,}\\s*!)",
	"(?:!\\s*){2,}",
	"(?<!\\d)\\(?8(?:00|88)\\)?[-.\\s]\\d",
	"\\$\\s?\\d+(?:,\\d+)+",
	"(?i:x(?-i:Q))\\d",
	"\\s+k|ab",
};

static void
test_alphabet(void)
{
	bool in[FIRSTBYTE_BYTES];
	struct needbytes n;
	pcre2_match_data *md;
	pcre2_code *re;
	unsigned char text[256];
	uint32_t seed = 4242;
	size_t i, k, len, p, q, got, want, np = sizeof(alpha_pieces) /
	    sizeof(alpha_pieces[0]);
	size_t bytes = 0, wrong = 0, finds = 0, bad_next = 0;
	PCRE2_SIZE eoff, *ov;
	const char *c;
	bool good;
	int ec;

	for (i = 0; i < sizeof(alpha_cases) / sizeof(alpha_cases[0]); i++) {
		good = needbytes_alphabet(alpha_cases[i].re,
		    strlen(alpha_cases[i].re), OPTS, in) ==
		    alpha_cases[i].taken;
		for (c = alpha_cases[i].in; good && *c != '\0'; c++)
			good = in[(unsigned char)*c];
		for (c = alpha_cases[i].out; good && *c != '\0'; c++)
			good = !in[(unsigned char)*c];
		if (good && alpha_cases[i].taken)
			good = in[0x80] && in[0xc3] && in[0xff];
		ok(good, "alphabet: %s %s", alpha_cases[i].re,
		    alpha_cases[i].taken ? "taken" : "refused");
	}
	for (i = 0; i < sizeof(alpha_gen) / sizeof(alpha_gen[0]); i++) {
		if (!needbytes_alphabet(alpha_gen[i], strlen(alpha_gen[i]),
		    OPTS, in) || (re = pcre2_compile((PCRE2_SPTR)alpha_gen[i],
		    PCRE2_ZERO_TERMINATED, OPTS, &ec, &eoff, NULL)) == NULL)
			abort();
		needbytes_of(alpha_gen[i], strlen(alpha_gen[i]), OPTS, &n);
		md = pcre2_match_data_create_from_pattern(re, NULL);
		for (k = 0; k < 3000; k++) {
			for (len = 0; len + 8 < sizeof(text) &&
			    next_rand(&seed) % 30 != 0; ) {
				c = alpha_pieces[next_rand(&seed) % np];
				memcpy(text + len, c, strlen(c));
				len += strlen(c);
			}
			for (p = 0; p < len && pcre2_match(re, text, len, p, 0,
			    md, NULL) >= 0; p = ov[1] > ov[0] ? ov[1] : ov[0] + 1) {
				ov = pcre2_get_ovector_pointer(md);
				for (q = ov[0]; q < ov[1]; q++, bytes++)
					if (!in[text[q]] && wrong++ < 3)
						printf("# %s: byte %02x of a "
						    "match not in\n",
						    alpha_gen[i], text[q]);
			}
			for (p = 0; n.n_sets > 0 && p <= len; p++) {
				got = needbytes_str_next(&n.sets[0], text, len,
				    p);
				for (want = p; want < len; want++) {
					for (q = 0; q < n.sets[0].n; q++)
						if (n.sets[0].len[q] <=
						    len - want && memcmp(text +
						    want, n.sets[0].s[q],
						    n.sets[0].len[q]) == 0)
							break;
					if (q < n.sets[0].n)
						break;
				}
				finds += want < len;
				bad_next += got != want;
			}
		}
		pcre2_match_data_free(md);
		pcre2_code_free(re);
	}
	ok(wrong == 0 && bytes > 10000, "alphabet: %zu bytes of matches, "
	    "each in the set", bytes);
	ok(bad_next == 0 && finds > 10000, "str_next: %zu places with a "
	    "needed string ahead, found as a plain search finds it", finds);
}

int
main(void)
{
	test_cases();
	test_present();
	test_found();
	test_strs();
	test_strs_generated();
	test_strs_found();
	test_second();
	test_alphabet();
	return tap_done();
}
