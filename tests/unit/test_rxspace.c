/*
 * test_rxspace.c - \s spelled as [\h\v] means the same characters.
 *
 * The lexicon and the brand names are compiled after rxspace_rewrite,
 * so two things must hold: the installed PCRE2 under UCP gives \s and
 * [\h\v] (and \S and [^\h\v]) the same set, asked for every code
 * point; and the rewrite changes only what it should, which the table
 * of patterns pins down, escapes, classes and the constructs it leaves
 * alone included.  Each table entry is also compiled both ways and the
 * two run over a text holding every kind of white space.
 *
 * For end-anchored branches (rxspace_tail_form), a table says which are
 * taken, and a search from rxspace_tail_from() must find exactly what a
 * search from the start finds, over many generated texts of spaces of
 * every kind, letters, digits, dashes, newlines and non-ASCII letters;
 * also for "\s" in the pattern being a sure character: a form taken
 * wrongly would show there.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detect/rxspace.h"
#include "util/buf.h"
#include "util/str.h"
#include "tap.h"

#define OPTS	(PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS)

static pcre2_code *
compile(const char *re, uint32_t extra)
{
	PCRE2_SIZE eoff;
	pcre2_code *c;
	int ec;

	c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
	    OPTS | extra, &ec, &eoff, NULL);
	if (c != NULL)
		(void)pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	return c;
}

/* Every code point: does a match b exactly where it matches a? */
static void
same_set(const char *a, const char *b)
{
	pcre2_code *ra = compile(a, PCRE2_ANCHORED | PCRE2_ENDANCHORED);
	pcre2_code *rb = compile(b, PCRE2_ANCHORED | PCRE2_ENDANCHORED);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	unsigned char s[4];
	uint32_t cp, first_diff = 0, n_in = 0;
	size_t n;
	int ma, mb;
	bool same = true;

	if (ra == NULL || rb == NULL || md == NULL) {
		ok(0, "%s and %s compile", a, b);
		return;
	}
	for (cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		n = str_utf8_put(s, cp);
		ma = pcre2_match(ra, s, n, 0, 0, md, NULL) >= 0;
		mb = pcre2_match(rb, s, n, 0, 0, md, NULL) >= 0;
		n_in += (uint32_t)ma;
		if (ma != mb && same) {
			same = false;
			first_diff = cp;
		}
	}
	ok(same, "%s and %s: the same %u code points", a, b, n_in);
	if (!same)
		printf("#   first difference at U+%04X\n", first_diff);
	pcre2_match_data_free(md);
	pcre2_code_free(ra);
	pcre2_code_free(rb);
}

struct rewrite_case {
	const char	*in, *out;
};

static const struct rewrite_case cases[] = {
	{ "konto\\s+gesperrt", "konto[\\h\\v]+gesperrt" },
	{ "\\s{4,}\\S*$", "[\\h\\v]{4,}[^\\h\\v]*$" },
	{ "a\\\\s", "a\\\\s" },			/* an escaped backslash */
	{ "a\\\\\\s", "a\\\\[\\h\\v]" },
	{ "[\\s\\-]*", "[\\h\\v\\-]*" },
	{ "[^\\s]+", "[^\\h\\v]+" },
	{ "[]\\s]", "[]\\h\\v]" },		/* ']' first is a literal */
	{ "[^]\\s]\\s", "[^]\\h\\v][\\h\\v]" },
	{ "[[:alpha:]\\s]\\s", "[[:alpha:]\\h\\v][\\h\\v]" },
	{ "[\\]\\s]\\s", "[\\]\\h\\v][\\h\\v]" },
	{ "\\x{2028}\\s\\p{L}", "\\x{2028}[\\h\\v]\\p{L}" },
	{ "\\c[\\s", "\\c[[\\h\\v]" },		/* \c[ is ESC, no class */
	{ "(?i)\\s(?-i:A)", "(?i)[\\h\\v](?-i:A)" },
	{ "\\bwort\\b", "\\bwort\\b" },
	/* Left as written: */
	{ "[\\S\\d]\\s", "[\\S\\d]\\s" },	/* \S cannot go in a class */
	{ "\\Qa\\s\\E\\s", "\\Qa\\s\\E\\s" },
	{ "(?x) a \\s", "(?x) a \\s" },
	{ "(?-ix:a)\\s", "(?-ix:a)\\s" },
	{ "a(?#\\s)\\s", "a(?#\\s)\\s" },
	{ "[unclosed\\s", "[unclosed\\s" },
};

/* Both spellings over a text with every kind of white space. */
static void
same_matches(const char *in, const char *out)
{
	static const char text[] = "konto \xc2\xa0gesperrt a\\s x\t\n\v\f\r"
	    "\xc2\x85\xe1\x9a\x80\xe1\xa0\x8e\xe2\x80\x80\xe2\x80\x8a\xe2\x80"
	    "\xa8\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\x9f\xe3\x80\x80y]-A\x1b  b";
	pcre2_code *ri = compile(in, 0), *ro = compile(out, 0);
	pcre2_match_data *mi = pcre2_match_data_create(4, NULL);
	pcre2_match_data *mo = pcre2_match_data_create(4, NULL);
	size_t off, len = sizeof(text) - 1;
	int a, b;
	bool same = true;

	if (ri == NULL || ro == NULL) {
		ok(ri == NULL && ro == NULL, "%s: both compile or neither",
		    in);
		goto out;
	}
	for (off = 0; off < len && same; off++) {
		if (((unsigned char)text[off] & 0xc0) == 0x80)
			continue;
		a = pcre2_match(ri, (PCRE2_SPTR)text, len, off, 0, mi, NULL);
		b = pcre2_match(ro, (PCRE2_SPTR)text, len, off, 0, mo, NULL);
		same = a == b && (a < 0 ||
		    (pcre2_get_ovector_pointer(mi)[0] ==
		    pcre2_get_ovector_pointer(mo)[0] &&
		    pcre2_get_ovector_pointer(mi)[1] ==
		    pcre2_get_ovector_pointer(mo)[1]));
	}
	ok(same, "%s: the same matches from every offset", in);
out:
	pcre2_match_data_free(mi);
	pcre2_match_data_free(mo);
	pcre2_code_free(ri);
	pcre2_code_free(ro);
}

struct tail_case {
	const char	*re;
	bool		 tail;
};

static const struct tail_case tail_cases[] = {
	{ "(?:\\s{4,}|\\s-)(?-i:[A-Z]{4,}|\\d{3,}[A-Za-z]{2,}\\S*|"
	    "[a-z]{3,}\\d{3,}\\S*)\\s*$", true },
	{ "\\s(?:a+)\\s*$", true },
	{ "\\s+(?:\\w+)\\s*$", true },
	{ "\\s*(?:x|)\\s*$", true },
	{ "(?:\\s{2}|\\s_)(?:[0-9a-f]{2,}|\\S)\\s*$", true },
	/* A dot, a space in X, a negated class: X may hold white space. */
	{ "\\s(?:a.b)\\s*$", false },
	{ "\\s(?:[a b]+)\\s*$", false },
	{ "\\s(?:[^a]+)\\s*$", false },
	{ "\\s(?:\\D+)\\s*$", false },
	{ "\\s(?:[!-~]+)\\s*$", false },
	/* Not at the end, or W2 not all space, or nested groups. */
	{ "\\s(?:ab)\\s*", false },
	{ "\\s(?:ab)\\s+$", false },
	{ "\\s(?:ab)$", false },
	{ "\\s(?:ab)\\s*\\z", false },
	{ "\\s(?:a(?:b))\\s*$", false },
	{ "\\s(?m:ab)\\s*$", false },
	{ "(?:\\s|a)(?:ab)\\s*$", false },
	{ "(?:\\s\\s)(?:ab)\\s*$", false },
	{ "\\s.(?:ab)\\s*$", false },
	{ "\\s{,3}(?:ab)\\s*$", false },
	{ "(?:ab)\\s*$", false },
	{ "\\b\\s(?:ab)\\s*$", false },
};

/* Patterns whose tail search is compared with a search from the start. */
static const char *const tail_patterns[] = {
	("(?:\\s{4,}|\\s-)(?-i:[A-Z]{4,}|\\d{3,}[A-Za-z]{2,}\\S*|"
	    "[a-z]{3,}\\d{3,}\\S*)\\s*$"),
	"\\s(?:a+)\\s*$", "\\s+(?:\\w+)\\s*$", "\\s*(?:x|)\\s*$",
	"(?:\\s{2}|\\s_)(?:[0-9a-f]{2,}|\\S)\\s*$",
	"\\s?-(?:\\d+)\\s*$",
};

/* Pieces of texts: spaces of every kind, and what is not space. */
static const char *const tail_pieces[] = {
	" ", " ", "    ", "\t", "\n", "\r\n", "\v", "\f", "\xc2\xa0",
	"\xc2\x85", "\xe2\x80\x83", "\xe3\x80\x80", "\xe2\x80\xa8",
	"\xe1\x9a\x80", "-", "_", "ABCDE", "abc", "abc1234", "1234ab",
	"x", "a", "\xc3\xa4", "\xd0\xb0", "\331\243\331\244\331\245ab",
	"\xe2\x80\x99", "\xf0\x9f\x98\x80", "\xe2\x84\xaa", "ff", "0",
	"\x1c", "\x1f", ".", "-12",
};

static uint32_t
tail_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Searches from 0 and from the tail; both PCRE2 results the same. */
static bool
tail_same(pcre2_code *re, pcre2_match_data *m1, pcre2_match_data *m2,
    const unsigned char *t, size_t len, const bool space[128])
{
	size_t from = rxspace_tail_from(t, len, space);
	int a, b;

	a = pcre2_match(re, t, len, 0, 0, m1, NULL);
	b = pcre2_match(re, t, len, from, 0, m2, NULL);
	return a == b && (a < 0 || (pcre2_get_ovector_pointer(m1)[0] ==
	    pcre2_get_ovector_pointer(m2)[0] &&
	    pcre2_get_ovector_pointer(m1)[1] ==
	    pcre2_get_ovector_pointer(m2)[1]));
}

static void
test_tail(void)
{
	pcre2_match_data *m1, *m2;
	unsigned char text[512];
	bool space[128];
	uint32_t seed = 20261124;
	size_t i, k, n, len, bad, hits, skipped;
	const char *piece;
	pcre2_code *re;

	for (i = 0; i < sizeof(tail_cases) / sizeof(tail_cases[0]); i++)
		ok(rxspace_tail_form(tail_cases[i].re,
		    strlen(tail_cases[i].re), OPTS) == tail_cases[i].tail,
		    "%s: %s", tail_cases[i].re, tail_cases[i].tail ?
		    "a tail form" : "not a tail form");
	ok(!rxspace_tail_form(tail_cases[0].re, strlen(tail_cases[0].re),
	    OPTS | PCRE2_MULTILINE), "multiline: \"$\" ends every line");
	ok(rxspace_ascii_spaces(OPTS, space) == 0, "\\s asked of PCRE2");
	for (i = 0, n = 0; i < 128; i++)
		n += space[i];
	ok(n == 6 && space[' '] && space['\t'] && space['\n'] &&
	    space['\v'] && space['\f'] && space['\r'],
	    "\\s takes the six ASCII spaces");
	m1 = pcre2_match_data_create(4, NULL);
	m2 = pcre2_match_data_create(4, NULL);
	for (i = 0; i < sizeof(tail_patterns) / sizeof(tail_patterns[0]);
	    i++) {
		re = compile(tail_patterns[i], 0);
		ok(rxspace_tail_form(tail_patterns[i],
		    strlen(tail_patterns[i]), OPTS), "%s: a tail form",
		    tail_patterns[i]);
		bad = hits = skipped = 0;
		for (k = 0; k < 20000 && re != NULL; k++) {
			len = 0;
			for (n = 1 + tail_rand(&seed) % 24; n > 0; n--) {
				piece = tail_pieces[tail_rand(&seed) %
				    (sizeof(tail_pieces) /
				    sizeof(tail_pieces[0]))];
				memcpy(text + len, piece, strlen(piece));
				len += strlen(piece);
			}
			if (!tail_same(re, m1, m2, text, len, space) &&
			    bad++ < 3)
				printf("#   differs: \"%.*s\"\n", (int)len,
				    text);
			hits += pcre2_match(re, text, len, 0, 0, m1,
			    NULL) >= 0;
			skipped += rxspace_tail_from(text, len, space) > 0;
		}
		ok(re != NULL && bad == 0 && hits > 200 && skipped > 10000,
		    "%s: from the tail the same (%zu texts hit, %zu searched "
		    "from past the start)", tail_patterns[i], hits, skipped);
		pcre2_code_free(re);
	}
	pcre2_match_data_free(m1);
	pcre2_match_data_free(m2);
}

/* Where a class ends, or NULL where the reader must not guess. */
static void
test_class_end(void)
{
	static const struct {
		const char	*pat;
		int		 len;	/* of the class; -1: NULL */
	} cls[] = {
		{ "[abc]x", 5 }, { "[]a]x", 4 }, { "[^]a]x", 5 },
		{ "[\\]]x", 4 }, { "[[:alpha:]x]y", 12 }, { "[^[:space:]]", 12 },
		{ "[\\Qa]\\E]x", -1 }, { "[a\\E]", -1 }, { "[a[b]", -1 },
		{ "[[:alpha]", -1 }, { "[abc", -1 }, { "[\\", -1 },
	};
	const char *e;
	size_t i, n;

	for (i = 0; i < sizeof(cls) / sizeof(cls[0]); i++) {
		n = strlen(cls[i].pat);
		e = rxspace_class_end(cls[i].pat, cls[i].pat + n);
		ok(cls[i].len < 0 ? e == NULL : e == cls[i].pat + cls[i].len,
		    "class end of %s: %d", cls[i].pat, cls[i].len);
	}
}

int
main(void)
{
	struct buf b;
	size_t i;

	test_tail();
	test_class_end();

	same_set("\\s", "[\\h\\v]");
	same_set("\\S", "[^\\h\\v]");
	same_set("[x\\s]", "[x\\h\\v]");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 1024);
		ok(rxspace_rewrite(cases[i].in, strlen(cases[i].in), &b) == 0,
		    "rewrite %s", cases[i].in);
		is_str(b.data, cases[i].out, "%s becomes %s", cases[i].in,
		    cases[i].out);
		if (b.data != NULL)
			same_matches(cases[i].in, b.data);
		buf_free(&b);
	}
	buf_init(&b, 8);
	ok(rxspace_rewrite("\\s\\s\\s", 6, &b) == -1,
	    "a full buffer is an error");
	buf_free(&b);
	return tap_done();
}
