/*
 * test_wordstarts.c - the mask of wordstarts_mask() against a loop that
 * judges each byte alone.
 *
 * The reference says of byte s[p]: asked when it is a word character
 * after a non-word one (or at 0), or a non-word byte that starts[]
 * marks; bytes the mask may add (the superset cases) are checked to be
 * only those the header allows.  Generated texts mix letters, digits,
 * '_', white space, punctuation and UTF-8 sequences, at every offset
 * and every end up to past 64 bytes, so the SSE2 blocks, the padded
 * tail and the byte before a block are all crossed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detect/wordstarts.h"
#include "tap.h"
#include "xorshift.h"

static bool
ref_word(unsigned char c, bool underscore)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c == '_' && underscore);
}

static bool
ref_blank(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* What must be asked at p, and what may be (the superset). */
static void
ref_at(const struct wordstarts *ws, const bool starts[256],
    const bool after[256], bool underscore, const unsigned char *s,
    size_t p, bool *must, bool *may)
{
	unsigned char c = s[p];
	bool before = p > 0 && ref_word(s[p - 1], underscore);

	if (ref_word(c, underscore)) {
		*must = !before || after[c];
		*may = *must || ws->every_mid;
		return;
	}
	*must = starts[c] || after[c];
	*may = *must || (c >= 0xc0 && ws->high) || (c < 0x80 &&
	    ws->every_lone && (ws->blanks || !ref_blank(c)));
}

static const char *const pieces[] = {
	"a", "Z", "q", "9", "_", " ", "  ", "\t", "\n", ".", ",", "$", "-",
	"(", "\xc3\xa4", "\xc3\x9f", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
	"\xc2\xa0", "\x80", "\xff", "abc", "Konto", "\x7f", "@", "\x01",
	"\xbf", "\xc0"
};

/* Texts of random pieces; every (base, end) pair compared bit by bit. */
static void
check_table(const char *what, const bool starts[256], const bool after[256],
    bool underscore, uint64_t seed)
{
	struct wordstarts ws;
	unsigned char s[200];
	size_t len, k, base, end, p, bad = 0, asked = 0, extra = 0;
	uint64_t m;
	int round;
	bool must, may, got;

	wordstarts_init(&ws, starts, after, underscore);
	for (round = 0; round < 400; round++) {
		for (len = 0; len < 150;) {
			k = xorshift64(&seed) % (sizeof(pieces) /
			    sizeof(pieces[0]));
			memcpy(s + len, pieces[k], strlen(pieces[k]));
			len += strlen(pieces[k]);
		}
		for (base = 0; base < 80; base += 1 + base / 8)
			for (end = base; end <= len && end < base + 90;
			    end++) {
				m = wordstarts_mask(&ws, s, base, end);
				for (p = base; p < base + 64; p++) {
					got = (m >> (p - base)) & 1;
					if (p >= end) {
						bad += got;
						continue;
					}
					ref_at(&ws, starts, after, underscore,
					    s, p, &must, &may);
					bad += (must && !got) || (got && !may);
					asked += got;
					extra += got && !must;
				}
			}
	}
	ok(bad == 0 && asked > 100000, "%s: %zu bytes asked, %zu more than "
	    "needed, none missed, none past the end", what, asked, extra);
}

int
main(void)
{
	bool starts[256] = { false }, after[256] = { false };
	unsigned c;

	/* The lexicon's kind: '$' and the lead bytes of UTF-8. */
	starts['$'] = true;
	for (c = 0xc0; c < 0x100; c++)
		starts[c] = true;
	starts['a'] = starts['k'] = true;	/* word bytes: by position */
	check_table("'$' and lead bytes", starts, after, true,
	    0x9e3779b97f4a7c15u);

	/* Five non-word ASCII bytes: all non-word ASCII but blanks asked. */
	memset(starts, 0, sizeof(starts));
	starts['.'] = starts[','] = starts['-'] = starts['('] =
	    starts['@'] = true;
	check_table("five ASCII bytes", starts, after, true,
	    0x2545f4914f6cdd1du);
	starts['\n'] = true;
	check_table("six ASCII bytes, a blank among them", starts, after,
	    true, 0x2545f4914f6cdd1du);

	/*
	 * The brand names' kind: '_' no word character, 'c' and '(' asked
	 * inside words too.
	 */
	after['c'] = after['C'] = after['('] = after[0xc2] = true;
	check_table("'_' no word character, 'c' inside words", starts, after,
	    false, 0x5851f42d4c957f2du);
	after['x'] = after['y'] = after['z'] = true;
	check_table("five word bytes inside words", starts, after, false,
	    0x5851f42d4c957f2du);

	/* Nothing but words. */
	memset(starts, 0, sizeof(starts));
	memset(after, 0, sizeof(after));
	check_table("words only", starts, after, true, 0x853c49e6748fea9bu);

	{
		struct wordstarts ws;

		wordstarts_init(&ws, starts, NULL, false);
		ok(!wordstarts_is_word(&ws, '_') &&
		    wordstarts_is_word(&ws, '7') &&
		    !wordstarts_is_word(&ws, '-') &&
		    !wordstarts_is_word(&ws, 0xc3),
		    "word characters: letters, digits, '_' when asked");
		wordstarts_init(&ws, starts, NULL, true);
		ok(wordstarts_is_word(&ws, '_'), "'_' when asked");
	}
	return tap_done();
}
