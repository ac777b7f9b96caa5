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
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detect/rxspace.h"
#include "util/buf.h"
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

static size_t
utf8(uint32_t cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
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
		n = utf8(cp, s);
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

int
main(void)
{
	struct buf b;
	size_t i;

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
