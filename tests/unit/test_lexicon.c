/*
 * test_lexicon.c - lexicon.c finds exactly what the single alternation
 * it replaced for speed found.
 *
 * lexicon.c groups the patterns by first byte and searches the few
 * others apart; that must never change a result.  This test builds the
 * old matcher from the same data file (all patterns joined into
 * "\b(?:WORD...)|OTHER..." with a (*MARK:n) per branch, one pass left to
 * right) and compares the hits, symbol, offset and length, on many
 * generated texts made of the data's own words, capitals, digits and
 * the non-ASCII letters some patterns look for.  It does so for
 * data/lexicon and for a file of awkward patterns (captures, back
 * references, option settings, quantified groups, empty branches,
 * anchors) that must not be split, or whose literal beginnings are
 * easy to misread (an optional first letter, U+212A that matches 'k').
 *
 * The beginnings are read on through white space, digits, small classes
 * and groups (firstbyte.c), so a file of such patterns comes with texts
 * that each must hit: if the reading claims a beginning a match does not
 * have, lexicon_scan misses one of them.  Besides texts of the data's
 * words, the texts are mutated (letters dropped, doubled, swapped or
 * changed for a caseless partner, spaces doubled or made Unicode
 * spaces), random bytes, the example messages, and the files of a
 * directory named by MT_LEXICON_TEXTS when set (say, the bodies of a
 * corpus).
 *
 * The walk over the literal beginnings (firstbyte_prefix_at) is also
 * compared on its own, at every position of such texts, with a plain
 * walk along the trie's lists written here (walk_check), so that its
 * tables (the first level, the dense children, the byte classes) can
 * be checked apart from what PCRE2 then says.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include "detect/detect.h"
#include "detect/firstbyte.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"
#include "slurp.h"
#include "tap.h"
#include "tempfile.h"

#define REF_OPTIONS	(PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS)
#define MAX_WORDS	4096
#define MAX_SYMS	LEXICON_MAX_SYMBOLS
#define N_TEXTS		3000

/* The old matcher, rebuilt from the data file. */
struct ref {
	struct buf	 word, rest;
	char		*sym_of[LEXICON_MAX_PATTERNS];
	size_t		 n;
	pcre2_code	*re;
	char		*words[MAX_WORDS];
	size_t		 n_words;
};

static bool
top_level_bar(const char *p)
{
	int depth = 0;
	bool cls = false;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (cls)
			cls = *p != ']';
		else if (*p == '[')
			cls = true;
		else if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (*p == '|' && depth == 0)
			return true;
	}
	return false;
}

/* Letter runs of a pattern ("postfach", "voll"): words for the texts. */
static void
collect_words(struct ref *r, const char *pat)
{
	const char *p = pat, *s;

	while (*p != '\0' && r->n_words < MAX_WORDS) {
		if (*p == '\\' && p[1] != '\0') {
			p += 2;
			continue;
		}
		for (s = p; (*p >= 'a' && *p <= 'z') ||
		    (unsigned char)*p >= 0x80; p++)
			;
		if (p - s >= 2)
			r->words[r->n_words++] = strndup(s, (size_t)(p - s));
		if (p == s)
			p++;
	}
}

static int
ref_line(void *arg, char *line, char *err, size_t errlen)
{
	struct ref *r = arg;
	struct buf *b;
	char *pat;

	(void)err;
	(void)errlen;
	for (pat = line; *pat != '\0' && *pat != ' ' && *pat != '\t'; pat++)
		;
	*pat++ = '\0';
	while (*pat == ' ' || *pat == '\t')
		pat++;
	collect_words(r, pat);
	r->sym_of[r->n] = strdup(line);
	if (strncmp(pat, "\\b", 2) == 0 && !top_level_bar(pat))
		b = &r->word, pat += 2;
	else
		b = &r->rest;
	if (b->len > 0)
		buf_addc(b, '|');
	buf_printf(b, "(?:%s)(*:%zu)", pat, r->n);
	r->n++;
	return 0;
}

static int
ref_load(struct ref *r, const char *path)
{
	struct buf all;
	PCRE2_SIZE eoff;
	char err[256];
	int ec;

	memset(r, 0, sizeof(*r));
	buf_init(&r->word, 1u << 22);
	buf_init(&r->rest, 1u << 22);
	buf_init(&all, 1u << 23);
	if (detect_data_read(path, ref_line, r, err, sizeof(err)) == -1)
		return -1;
	if (r->word.len > 0)
		buf_printf(&all, "\\b(?:%s)", r->word.data);
	if (r->rest.len > 0)
		buf_printf(&all, "%s%s", all.len > 0 ? "|" : "", r->rest.data);
	r->re = pcre2_compile((PCRE2_SPTR)all.data, all.len, REF_OPTIONS,
	    &ec, &eoff, NULL);
	buf_free(&all);
	if (r->re == NULL)
		return -1;
	(void)pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE);
	return 0;
}

static void
ref_free(struct ref *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->sym_of[i]);
	for (i = 0; i < r->n_words; i++)
		free(r->words[i]);
	buf_free(&r->word);
	buf_free(&r->rest);
	pcre2_code_free(r->re);
}

/* The old scan: one pass, each symbol once with its first match. */
static size_t
ref_scan(const struct ref *r, const char *text, size_t len,
    struct lexicon_hit *hits, size_t max)
{
	bool seen[LEXICON_MAX_PATTERNS] = { false };
	pcre2_match_context *mctx = pcre2_match_context_create(NULL);
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->re,
	    NULL);
	PCRE2_SPTR mark;
	PCRE2_SIZE *ov, off = 0;
	size_t n = 0, loops, k, j;

	pcre2_set_match_limit(mctx, LEXICON_MATCH_LIMIT);
	for (loops = 0; off < len && n < max && loops < LEXICON_MAX_MATCHES;
	    loops++) {
		if (pcre2_match(r->re, (PCRE2_SPTR)text, len, off,
		    PCRE2_NO_UTF_CHECK, md, mctx) < 0)
			break;
		ov = pcre2_get_ovector_pointer(md);
		k = 0;
		for (mark = pcre2_get_mark(md); mark != NULL && *mark >= '0' &&
		    *mark <= '9'; mark++)
			k = k * 10 + (size_t)(*mark - '0');
		/* A symbol is seen once, whichever of its patterns hit. */
		for (j = 0; j < k && k < r->n; j++)
			if (strcmp(r->sym_of[j], r->sym_of[k]) == 0)
				break;
		if (k < r->n && !seen[j]) {
			seen[j] = true;
			hits[n].symbol = r->sym_of[k];
			hits[n].off = ov[0];
			hits[n].len = ov[1] - ov[0];
			n++;
		}
		off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		while (off < len && ((unsigned char)text[off] & 0xc0) == 0x80)
			off++;
	}
	pcre2_match_data_free(md);
	pcre2_match_context_free(mctx);
	return n;
}

/* A small fixed generator, so a failure can be replayed. */
static uint32_t
next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static const char *const extra[] = {
	"ADV", "!!!", "$", "$1,000,000", "1-800-555-1234", "0800", "123",
	"   ", "\n", " - ", "Ü", "ß", "über", "IONOS", "Iog in", "lD",
	"\xd0\xb0", "\xd0\xb5", "\xce\xbf", "\xe2\x80\x8b", "\xef\xbb\xbf",
	"\xe2\x84\xaa", "\xc5\xbf", "\xe1\xb2\x80", "a\xd0\xb0\x62",
	"\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3",
	"PayPal", "Konto", "Sie", "your", "the", "der", "die", "das",
	"Stop", "uota", "xxyz", "bc", "frei", "Dr.", "mr.", "Kilo", "kilos",
	"\xc3\xb6sterreich", "1&1", "ionos", "mail", "kundenkonto",
	"mass", "mark", "kse", "strasse", "di\xc3\xa4t", "diet", "10%",
	"12 %", "kaufen", "verkaufen", "aben", "jetzt",
	/* Unicode spaces and digits that \s and \d take under UCP. */
	"\xc2\xa0", "\xe2\x80\x83", "\xe3\x80\x80", "\xd9\xa3",
	"\xef\xbc\x93", "\t", "\r\n", "\f", "\v", "  ", "-", "'", "\"",
	"0", "10", "2002", "%", "$", "(", ")", "800", "1-888-555-0100",
	"be\xc5\xbft", "\342\204\252elvin", "n\xc3\xa3o", "nao",
	/* Caseless partners of Greek letters, and common typography that
	 * shares their lead bytes (needbytes.c's exact characters). */
	"\xc2\xb5", "\xe2\x84\xa6", "\xe2\x80\x99", "\xe2\x80\x9c",
	"\xf0\x9f\x98\x80", "\xc2\x85", "\xe2\x80\x8c",
	/* Tags at the end of a subject (rxspace_tail_from). */
	"    XYZW", " -abc1234", "\302\240\302\240\302\240\302\240123ab",
};

/* Texts that each must hit data/lexicon, at the gates of its others. */
static const char *const data_texts[] = {
	"re:\302\240\302\240\302\240\302\240ABCDE\xe3\x80\x80\n",
	"Great offer -abc1234  \n", "Offer\t\t\t\t123abc\xc3\xa4\n\n",
	"a\341\262\200b", "a\302\265b", "Pay\xe2\x80\x8bPal",
	"x\xef\xbb\xbfy", "\320\260bc", "call 1-800-555-1234 now",
	"call (888) 555 1234", "now!!!", "BUY NOW THIS GREAT OFFER TODAY "
	"ONLY HERE !", "ADV: sale", "$1,000,000 usd", NULL
};

/*
 * A text changed a little: a letter dropped, doubled, swapped with the
 * next, changed for its caseless partner (s to U+017F, k to U+212A) or
 * its other case, or a space doubled or made U+00A0.  Matches that
 * almost happen are where a beginning read too far shows.
 */
static void
mutate(uint32_t *seed, struct buf *text)
{
	struct buf out;
	size_t i, n = text->len;
	unsigned char c;

	buf_init(&out, 1u << 20);
	for (i = 0; i < n; i++) {
		c = (unsigned char)text->data[i];
		switch (next_rand(seed) % 40) {
		case 0:
			continue;	/* dropped */
		case 1:
			buf_addc(&out, (char)c);
			break;		/* doubled */
		case 2:
			if (i + 1 < n && c < 0x80 &&
			    (unsigned char)text->data[i + 1] < 0x80) {
				buf_addc(&out, text->data[i + 1]);
				buf_addc(&out, (char)c);
				i++;
				continue;
			}
			break;
		case 3:
			if (c == 's' || c == 'S') {
				buf_adds(&out, "\xc5\xbf");
				continue;
			}
			if (c == 'k' || c == 'K') {
				buf_adds(&out, "\xe2\x84\xaa");
				continue;
			}
			if (c == ' ') {
				buf_adds(&out, "\xc2\xa0");
				continue;
			}
			break;
		case 4:
			if (c >= 'a' && c <= 'z')
				c = (unsigned char)(c - 'a' + 'A');
			else if (c == ' ')
				buf_addc(&out, ' ');
			break;
		}
		buf_addc(&out, (char)c);
	}
	buf_reset(text);
	buf_add(text, out.data, out.len);
	buf_free(&out);
}

/* Random bytes, mostly ASCII letters, digits and spaces, some UTF-8. */
static void
random_text(uint32_t *seed, struct buf *out)
{
	static const char pool[] = "abcdeiklmnorstuvwxyz0123456789 "
	    "  \n\t-%$.,!'\"ABCDEKS";
	size_t n = 1 + next_rand(seed) % 200, i;
	uint32_t r;

	buf_reset(out);
	for (i = 0; i < n; i++) {
		r = next_rand(seed);
		if (r % 29 == 0)
			buf_adds(out, extra[(r >> 8) % (sizeof(extra) /
			    sizeof(extra[0]))]);
		else
			buf_addc(out, pool[(r >> 8) % (sizeof(pool) - 1)]);
	}
}

static void
make_text(const struct ref *r, uint32_t *seed, struct buf *out)
{
	size_t n = 3 + next_rand(seed) % 40, i, nx;
	const char *w;
	char up[128];
	size_t k;

	nx = sizeof(extra) / sizeof(extra[0]);
	buf_reset(out);
	for (i = 0; i < n; i++) {
		k = next_rand(seed) % (r->n_words + nx);
		w = k < r->n_words ? r->words[k] : extra[k - r->n_words];
		if (next_rand(seed) % 7 == 0 && strlen(w) < sizeof(up)) {
			/* Capitals, as in a shouting subject. */
			for (k = 0; w[k] != '\0'; k++)
				up[k] = (w[k] >= 'a' && w[k] <= 'z') ?
				    (char)(w[k] - 'a' + 'A') : w[k];
			up[k] = '\0';
			w = up;
		}
		buf_adds(out, w);
		switch (next_rand(seed) % 14) {
		case 0:	buf_adds(out, ", "); break;
		case 1:	buf_adds(out, "\n"); break;
		case 2:	buf_adds(out, ""); break;
		case 3:	buf_adds(out, ". "); break;
		case 4:	buf_adds(out, "  "); break;
		case 5:	buf_adds(out, "\t"); break;
		case 6:	buf_adds(out, " \r\n "); break;
		default: buf_adds(out, " "); break;
		}
	}
}

/* Both matchers on one text (made valid UTF-8 as lexicon_scan does). */
struct tally {
	size_t	 texts, bad, hits;
	const char *what;
};

static bool
same_hits(const struct ref *r, const struct lexicon *lx, const char *text,
    size_t len, struct tally *t)
{
	struct lexicon_hit want[MAX_SYMS], got[MAX_SYMS];
	struct arena *a = arena_new(1u << 20);
	const char *valid;
	size_t nw, ng, j;
	bool same;

	if ((valid = detect_utf8(a, text, len)) == NULL)
		abort();
	nw = ref_scan(r, valid, len, want, MAX_SYMS);
	ng = lexicon_scan(lx, a, text, len, got, MAX_SYMS);
	for (j = 0; j < nw && nw == ng; j++)
		if (strcmp(want[j].symbol, got[j].symbol) != 0 ||
		    want[j].off != got[j].off || want[j].len != got[j].len)
			break;
	same = nw == ng && j == nw;
	t->texts++;
	t->hits += nw;
	if (!same && t->bad++ < 3)
		printf("#   %s text %zu differs: %zu hits, want %zu: "
		    "\"%.200s\"\n", t->what, t->texts, ng, nw, valid);
	arena_free(a);
	return nw > 0 && same;
}

/* Each file of directory dir as a text; how many were read. */
static size_t
dir_texts(const struct ref *r, const struct lexicon *lx, const char *dir,
    const char *suffix, struct tally *t)
{
	struct dirent *de;
	char path[4096];
	size_t len, n = 0, sl = strlen(suffix), nl;
	char *text;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		nl = strlen(de->d_name);
		if (de->d_name[0] == '.' || nl < sl ||
		    strcmp(de->d_name + nl - sl, suffix) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((text = slurp(path, &len)) == NULL)
			continue;
		(void)same_hits(r, lx, text, len, t);
		free(text);
		n++;
	}
	closedir(d);
	return n;
}

/*
 * Compares both matchers on generated, mutated and random texts, on the
 * example messages, and on must[] (NULL-terminated; each must hit).
 * Returns the mismatches.
 */
static size_t
compare(const char *path, const char *what, const char *const *must)
{
	struct tally t = { 0, 0, 0, what };
	struct lexicon *lx = NULL;
	struct ref r;
	struct buf text;
	uint32_t seed = 20261123;
	size_t i, missed = 0, n;
	const char *dir;
	char err[512], ex[1024];

	if (ref_load(&r, path) == -1 ||
	    lexicon_load(&lx, path, err, sizeof(err)) == -1) {
		ok(0, "%s: both matchers load", what);
		ref_free(&r);
		return 1;
	}
	buf_init(&text, 1u << 20);
	for (i = 0; i < N_TEXTS; i++) {
		make_text(&r, &seed, &text);
		(void)same_hits(&r, lx, text.data, text.len, &t);
		mutate(&seed, &text);
		(void)same_hits(&r, lx, text.data, text.len, &t);
		random_text(&seed, &text);
		(void)same_hits(&r, lx, text.data, text.len, &t);
	}
	ok(t.bad == 0, "%s: %zu texts, %zu hits, the same as one alternation",
	    what, t.texts, t.hits);
	ok(t.hits > N_TEXTS / 10, "%s: the texts do hit (%zu)", what, t.hits);
	for (i = 0; must != NULL && must[i] != NULL; i++)
		if (!same_hits(&r, lx, must[i], strlen(must[i]), &t)) {
			printf("#   %s: missed \"%s\"\n", what, must[i]);
			missed++;
		}
	if (must != NULL)
		ok(missed == 0, "%s: each of %zu texts hits, the same", what,
		    i);
	snprintf(ex, sizeof(ex), "%s/../../examples", MT_TESTDIR);
	t.bad = 0;
	n = dir_texts(&r, lx, ex, ".eml", &t);
	ok(n > 0 && t.bad == 0, "%s: %zu example messages the same", what,
	    n);
	if ((dir = getenv("MT_LEXICON_TEXTS")) != NULL) {
		t.bad = 0;
		n = dir_texts(&r, lx, dir, "", &t);
		ok(n > 0 && t.bad == 0, "%s: %zu texts of %s the same", what,
		    n, dir);
	}
	buf_free(&text);
	lexicon_free(lx);
	ref_free(&r);
	return t.bad + missed;
}

static const char awkward[] =
    "SPAM_A\t\\b(der|die|das)\\s+\\1\\b\n"
    "SPAM_B\t\\b(?:sehr|ganz)+\\s+geehrte\n"
    "SPAM_C\t\\b(?:konto(?i)x|kundenkonto)\\s+gesperrt\n"
    "SPAM_D\t\\b(?:|gewinn)spiel\\w*\n"
    "SPAM_E\t^(?:dear|hello)\\s+\\w+\n"
    "SPAM_F\t(?:click|klicken)\\s+(?:here|hier)|\\bunsubscribe\\b\n"
    "SPAM_G\t\\b(?:the|der)\\b\n"
    "SPAM_H\t[\\d.]+\\s?(?:eur|euro)\\b\n"
    "SPAM_I\t\\b(?:[^\\s]+)\\s+gesperrt\n"
    "SPAM_J\t\\b(?:konto|post)\\w{0,3}\\s+(?:voll|gesperrt)\n"
    "SPAM_K\t\\b\\p{Latin}{2,}[\\x{0400}-\\x{04FF}]\\b\n"
    "SPAM_L\t(?-i:\\b[A-Z]{3,}\\b)\n"
    "SPAM_M\t\\b(?:Ü|ü)ber\\w*\n";

/*
 * Literal beginnings (firstbyte.c): here no pattern makes every byte
 * "always tried", so a beginning read wrongly loses a match.
 */
static const char beginnings[] =
    "SPAM_A\t\\b(?:konto|kundenkonto)\\s+gesperrt\n"
    "SPAM_B\t\\b\342\204\252ilo\\w*\n"
    "SPAM_C\t\\b\xc5\xbftop\\w*\n"
    "SPAM_D\t\\b(?:q?uota|x+yz|(?:a|b)c)\\s+frei\n"
    "SPAM_E\t\\b\xc3\x96sterreich\\w*\n"
    "SPAM_F\t\\b1\\&1\\s+ionos\n"
    "SPAM_G\t\\b(?-i:IONOS)\\s+mail\n"
    "SPAM_H\t\\b(?:dr|mr)\\.\\s+\\w+\n"
    /* A non-ASCII character after the first: a text with ASCII there
     * cannot match, unless the character has an ASCII partner or may
     * be left out. */
    "SPAM_I\t\\b(?:di\xc3\xa4t|stra\xc3\x9f)\\w*\n"
    "SPAM_J\t\\bma\xc5\xbf\xc5\xbf\\w*\n"
    "SPAM_K\t\\bmar\xe2\x84\xaa\\w*\n"
    "SPAM_L\t\\bk\xc3\xa4?se\\w*\n"
    /* A nested branch without a beginning: its first bytes, digits. */
    "SPAM_M\t\\b(?:gratis|(?:\\d+\\s*%|prozent)\\s+rabatt)\n"
    /* Branches that are groups, or start with \b: read again. */
    "SPAM_N\t\\b(?:frei\\s+haus|(?:(?:kauf|verkauf)|\\bab)en\\s+jetzt)\n";

/*
 * Beginnings read on past the first word (firstbyte.c): through \s,
 * \d, small classes, optional parts and groups, stopping at what they
 * do not read.  Each text of deep_texts must hit; one that a wrong
 * reading would lose is there for each pattern.
 */
static const char deep[] =
    "DEEP_A\t\\b(?:in\\s+the\\s+next|within)\\s+\\d+\\s+days\n"
    /* A literal space after a run of them, a digit after digits. */
    "DEEP_B\t\\bjv\\s+ st\n"
    "DEEP_C\t\\bn\\d+0\\s+units\n"
    "DEEP_D\t\\b\\d+0\\s+grad\n"
    /* Optional characters, groups and classes. */
    "DEEP_E\t\\be-?mail\\s+list\n"
    "DEEP_F\t\\b(?:a\\s+)?lonely\\s+girl\n"
    "DEEP_G\t\\bopt[\\s-]?in\\s+list\n"
    "DEEP_H\t\\bn[\303\243a]o\\s+deseja\n"
    "DEEP_I\t\\bwith\\s+[\"']?remove\n"
    "DEEP_J\t\\b(?:save|spare)\\s*\\d+\\s*%\n"
    "DEEP_K\t\\bx{0,2}yz\\s+q\n"
    "DEEP_L\t\\bfoo\\s*bar\n"
    "DEEP_M\t\\bgo\\s+(?:\\w+\\s+){0,2}home\n"
    "DEEP_N\t\\b(?:ab|cd){1,3}ef\n"
    /* What is not read ends the beginning. */
    "DEEP_O\t\\bcall\\s+(?=now)now\\b\n"
    "DEEP_P\t\\bq\\Qa.b\\E\\s+c\n"
    "DEEP_Q\t\\bzz(?<=zz)\\s+top\n"
    /* A leading case-sensitive group with branches. */
    "DEEP_R\t\\b(?-i:Iog\\s?in|(?:User|Apple)\\s?lD)\n"
    /* Caseless partners: U+212A is 'k', U+017F 's'. */
    "DEEP_S\t\\bin\\s+\342\204\252elvin\n"
    "DEEP_T\t\\bbe\\s+st\\b\n"
    "DEEP_U\t\\bpay[\\s-]+per\\s+view\n"
    /* More beginnings than are kept: they end before the group. */
    "DEEP_V\t\\b(?:10|ten)\\s+(?:x|y)\\s+(?:a|b)\\s+(?:c|d)\\s+(?:e|f)"
    "\\s+(?:g|h)\\s+(?:i|j)\\s+(?:k|l)\\s+z\n"
    "DEEP_W\t\\b\\d{2}\\s*%\\s+off\n"
    "DEEP_X\t\\bthe\\s+(?:sum|total)\\s+of\\s+\\$\n"
    "DEEP_Y\t\\bsign[\\-\\s]on\\b\n"
    "DEEP_Z\t\\b(?:\\d+|many)\\s+pending\n"
    /* A class with a range is not read. */
    "DEEP_0\t\\bzq[a-e]\\s+ray\n";

static const char *const deep_texts[] = {
	"in the next 3 days", "in\xc2\xa0the next 3 days",
	"IN  the\tnext 10 days", "within 7 days", "in the next \xd9\xa3 days",
	"jv  st", "jv \t st", "n10 units", "n500 units", "10 grad",
	"2000 grad", "email list", "e-mail list", "lonely girl",
	"a lonely girl", "optin list", "opt-in list", "opt in list",
	"opt\xc2\xa0in list", "n\xc3\xa3o deseja", "nao deseja",
	"N\xc3\x83O deseja", "with remove", "with \"remove", "with 'remove",
	"save 10%", "save10 %", "spare 5 %", "yz q", "xyz q", "xxyz q",
	"foobar", "foo bar", "go home", "go very far home", "abef",
	"abcdef", "cdcdcdef", "call now", "qa.b c", "zz top", "User lD",
	"Apple lD", "Iog in", "in kelvin", "in Kelvin", "be \xc5\xbft",
	"be st", "pay-per view", "pay - per view", "pay  per view",
	"ten y b d f h j l z", "10 x a c e g i k z", "20% off",
	"99 % off", "the sum of $", "the total of $", "sign-on", "sign on",
	"12 pending", "many pending", "in the next\342\200\2034 days",
	"with\xc2\xa0remove", "zqb ray", "zqd ray", NULL
};

/*
 * Patterns searched alone (no leading \b) that need literal strings
 * (needbytes.c): a text lacking them is not searched.  Each text of
 * literal_texts must hit, among them caseless partners of letters,
 * which a literal letter must not be read as needing byte for byte.
 */
static const char literals[] =
    "LIT_A\t(?<!\\d)\\(?8(?:00|88)\\)?[-.\\s]\\d{3}\n"
    "LIT_B\t(?:!\\s*){3,}|(?-i:[A-Z]{3,}\\s*!)\n"
    "LIT_C\t^\\s*(?-i:ADV)\\b\n"
    "LIT_D\t\\$\\s?\\d+(?:,\\d{3}){2,}\n"
    "LIT_E\t(?:as|k)\\#\\d\n"
    "LIT_F\t(?i:x(?-i:Q))\\d{2}\n"
    "LIT_G\t(?:1|2)(?:3|4)-(?:5|6)\n"
    "LIT_H\t=\\?utf-?8\\?\n";

static const char *const literal_texts[] = {
	"call 800-555", "(888).123", "1 888 555", "wow!!!", "wow! ! !",
	"FREE!", "FREE  !", "ADV: x", "  ADV", "$1,000,000",
	"$ 5,000,000", "a\xc5\xbf#1", "AS#1", "K#2", "\xe2\x84\xaa#2",
	"xQ12", "XQ12", "24-6", "13-5", "=?UTF-8?", "5 =?utf8?", NULL
};

/*
 * Patterns searched alone whose matches take one character and then
 * one of a set (needbytes_second()): searched only just before such
 * characters, those close together in one search.  The texts put them
 * near each other and far apart (more than the 64 bytes of one
 * search), with the match before, inside or after the others.
 */
/*
 * Patterns whose matches lie in runs of the few characters they take,
 * searched only there (runs_search): each text must hit, among them a
 * match exactly as long as its run, one that starts inside its run
 * (after a letter that \b refuses), one after a run that holds the
 * needed string but no match, and runs through Unicode white space.
 */
static const char runs[] =
    "RUN_A\t(?-i:\\b[A-Z]{3}(?: [A-Z]{3}){2}!)\n"
    "RUN_B\t(?-i:\\b[A-Z]{3,}(?:[\\s!]+[A-Z]{3,}){2,}\\s*!)\n"
    "RUN_C\t(?<!\\d)1?[-.\\s]?8(?:00|88)[-.\\s]\\d{3}(?!\\d)\n"
    "RUN_D\t\\#\\d\\d\\#\n";

static const char *const run_texts[] = {
	"ABC DEF GHI!", "xABC DEF GHI JKL! ", "abcABC DEF GHI JKL MNO!",
	"ONE TWO! THREE FOUR  !", "ONE\xc2\xa0TWO\xe2\x80\x83THREE !",
	"ONE TWO ! and then SIX SEVEN EIGHT!", "call 1-800-555 now",
	"12800 555 and 888.123", "1888 555", "#1# #12#", "##12#",
	"\xc3\xbc 800 555", NULL
};

static const char seconds[] =
    "SEC_A\t\\p{Latin}[\\x{0400}-\\x{04FF}\\x{0370}-\\x{03FF}]+"
    "\\p{Latin}\n"
    "SEC_B\t\\p{L}[\\x{200B}-\\x{200D}\\x{FEFF}]+\\p{L}\n"
    "SEC_C\t\\b\\w[\\x{0400}-\\x{04FF}]{2}\\b\n"
    "SEC_D\tq\\x{0430}|.\\x{0431}z\n"
    "SEC_E\t\\bfoo\\s+bar\n";

#define PAD70	" and so on and so on and so on and so on and so on" \
	" and so on and so on"
#define CYR	"\xd0\xb0"	/* U+0430 */
#define ZW	"\xe2\x80\x8b"	/* U+200B */

static const char *const second_texts[] = {
	"x" CYR "y", "a" ZW "b", "x" CYR CYR, "q" CYR, "!" "\xd0\xb1" "z",
	/* A candidate that fails, far from the one that matches. */
	" " CYR " " PAD70 " x" CYR "y",
	" " CYR " " PAD70 PAD70 "zz a" ZW ZW "b",
	/* Several failing candidates close together, then the match. */
	" " CYR " " CYR "  " CYR ". " CYR "x" CYR "y",
	" " ZW " " ZW " " ZW PAD70 "c" ZW "d " PAD70 " " ZW,
	/* The match at the end of a cluster, and the text's end. */
	PAD70 " " CYR " " CYR " " CYR "x" CYR "y",
	PAD70 "q" CYR,
	/* A word pattern's match that covers a candidate. */
	"foo bar" ZW "x " PAD70 "a" ZW "b",
	"b" CYR CYR " ab " CYR CYR, NULL
};

/* Writes a pattern file to a temporary path; compares; removes it. */
static void
compare_file(const char *patterns, const char *what,
    const char *const *must)
{
	char *tmp = write_temp(patterns);

	compare(tmp, what, must);
	unlink(tmp);
}

/*
 * The walk as it was first written: children found along the lists,
 * bytes lower-cased one by one, runs of white space and digits tried
 * wherever the node has them, a non-ASCII byte going on where the node
 * says it may (whether it says so rightly, compare() checks against
 * PCRE2, and high_check() against the trie's shape).
 * firstbyte_prefix_at() must say the same.
 */
static bool
ref_walk(const struct firstbyte_table *t, uint32_t at,
    const unsigned char *s, size_t len, size_t p)
{
	const struct firstbyte_node *n;
	unsigned char c;
	size_t q;
	uint32_t k;

	for (; p < len; p++) {
		c = s[p];
		if (c >= 0x80)
			return t->nodes[at].high;
		n = &t->nodes[at];
		if (n->ws != 0 && (c == ' ' || (c >= '\t' && c <= '\r'))) {
			for (q = p; q < len && (s[q] == ' ' ||
			    (s[q] >= '\t' && s[q] <= '\r')); q++)
				;
			if (t->nodes[n->ws].end ||
			    ref_walk(t, n->ws, s, len, q))
				return true;
		}
		if (n->digits != 0 && c >= '0' && c <= '9') {
			for (q = p; q < len && s[q] >= '0' && s[q] <= '9'; q++)
				;
			if (t->nodes[n->digits].end ||
			    ref_walk(t, n->digits, s, len, q))
				return true;
		}
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (at == 0)
			k = t->root[c];
		else
			for (k = t->nodes[at].child; k != 0 &&
			    t->nodes[k].byte != c; k = t->nodes[k].sibling)
				;
		if ((at = k) == 0)
			return false;
		if (t->nodes[at].end)
			return true;
	}
	return true;
}

/*
 * The nodes where a non-ASCII byte may go on: every node with a run
 * child, every run child (Unicode has more white space and digits),
 * every node with a child 'k' or 's' (U+212A, U+017F).  Returns how
 * many nodes lack the mark they need.
 */
static size_t
high_check(const struct firstbyte_table *t)
{
	const struct firstbyte_node *n;
	size_t i, bad = 0;
	uint32_t k;
	bool want;

	for (i = 1; i < t->n_nodes; i++) {
		n = &t->nodes[i];
		want = n->ws != 0 || n->digits != 0;
		for (k = n->child; k != 0; k = t->nodes[k].sibling)
			if (t->nodes[k].byte == 'k' || t->nodes[k].byte == 's')
				want = true;
		if (want && !n->high)
			bad++;
		if ((n->ws != 0 && !t->nodes[n->ws].high) ||
		    (n->digits != 0 && !t->nodes[n->digits].high))
			bad++;
	}
	return bad;
}

/* Adds each pattern of a file's text (NAME TAB PATTERN lines). */
static int
walk_add(struct firstbyte_table *t, const char *file)
{
	uint8_t first[FIRSTBYTE_SET];
	const char *p, *e;

	for (p = file; (p = strchr(p, '\t')) != NULL; p = e) {
		e = strchr(++p, '\n');
		firstbyte_of(p, (size_t)(e - p), REF_OPTIONS, first);
		if (firstbyte_prefixes_add(t, p, (size_t)(e - p), first,
		    REF_OPTIONS) == -1)
			return -1;
	}
	return 0;
}

/*
 * The pairs of bytes firstbyte_pairs() keeps, and how it fares; and how
 * the windows of four bytes (firstbyte_quad()) fare.
 */
struct walk_pairs {
	uint8_t	 set[FIRSTBYTE_PAIRS / 8];
	size_t	 out, wrong;	/* left out; left out but fitting */
	size_t	 quad_asked, quad_out, quad_wrong;
};

/*
 * Where the step table leaves the walk at s undecided and four bytes
 * are there, whether firstbyte_quad() stops it.
 */
static bool
quad_stops(const struct firstbyte_table *t, const unsigned char *s,
    size_t len, size_t p)
{
	uint32_t e;

	if (t->quads == NULL || p + 3 >= len)
		return false;
	e = t->steps[(uint32_t)t->step_of[s[p]] << 7 | t->step_of[s[p + 1]]];
	return e >= FIRSTBYTE_STEP_SLOW && !firstbyte_quad(t, s + p);
}

/*
 * Every window of four bytes where the walk over it alone says yes,
 * its first two undecided by the step table: firstbyte_quad() must say
 * yes too.
 * Each ASCII byte and two lead bytes; a third byte after which the
 * walk already says no is not gone on with.  Returns the misses.
 */
static size_t
quad_windows(const struct firstbyte_table *t, size_t *tried)
{
	unsigned char w[4];
	unsigned int a, b, c, d;
	size_t bad = 0;

	for (a = 0; a < 130; a++)
		for (b = 0; b < 130; b++) {
			w[0] = a < 128 ? (unsigned char)a : 0xc3 + (a - 128);
			w[1] = b < 128 ? (unsigned char)b : 0xc3 + (b - 128);
			if (t->steps[(uint32_t)t->step_of[w[0]] << 7 |
			    t->step_of[w[1]]] < FIRSTBYTE_STEP_SLOW)
				continue;
			for (c = 0; c < 130; c++) {
				w[2] = c < 128 ? (unsigned char)c : 0xc3 +
				    (c - 128);
				if (!firstbyte_prefix_at(t, w, 3, 0))
					continue;
				for (d = 0; d < 130; d++) {
					w[3] = d < 128 ? (unsigned char)d :
					    0xc3 + (d - 128);
					if (!firstbyte_prefix_at(t, w, 4, 0))
						continue;
					(*tried)++;
					if (!firstbyte_quad(t, w) && bad++ < 3)
						printf("#   window %02x %02x %02x "
						    "%02x fits, but is left "
						    "out\n", w[0], w[1], w[2],
						    w[3]);
				}
			}
		}
	return bad;
}

/*
 * Every position of text: the walk and ref_walk() agree, and no pair
 * that firstbyte_pairs() leaves out starts a fit.
 */
static void
walk_text(const struct firstbyte_table *t, struct walk_pairs *wp,
    const struct buf *text, size_t *same, size_t *bad, size_t *fits)
{
	const unsigned char *s = (const unsigned char *)text->data;
	unsigned int k;
	size_t p;
	bool got, want;

	for (p = 0; p <= text->len; p++) {
		got = firstbyte_prefix_at(t, s, text->len, p);
		want = p == text->len || ref_walk(t, 0, s, text->len, p);
		if (got != want && (*bad)++ < 3)
			printf("#   walk at %zu of \"%.80s\": %d, want %d\n", p,
			    text->data, got, want);
		*same += got == want;
		*fits += want;
		if (t->quads != NULL && p + 3 < text->len)
			wp->quad_asked++;
		if (quad_stops(t, s, text->len, p)) {
			wp->quad_out++;
			if (want && wp->quad_wrong++ < 3)
				printf("#   window at %zu of \"%.80s\" left "
				    "out, but fits\n", p, text->data);
		}
		if (p + 1 >= text->len)
			continue;
		k = (unsigned int)s[p] << 8 | s[p + 1];
		if ((wp->set[k / 8] >> (k % 8)) & 1u)
			continue;
		wp->out++;
		if (want && wp->wrong++ < 3)
			printf("#   pair %02x %02x left out, but fits at %zu "
			    "of \"%.80s\"\n", s[p], s[p + 1], p, text->data);
	}
}

/* Appends the patterns of a file's text to an alternation. */
static void
alternation_add(struct buf *alt, const char *file)
{
	const char *p, *e;

	for (p = file; (p = strchr(p, '\t')) != NULL; p = e) {
		e = strchr(++p, '\n');
		buf_printf(alt, "%s(?:%.*s)", alt->len > 0 ? "|" : "",
		    (int)(e - p), p);
	}
}

/*
 * The non-ASCII characters that firstbyte_high_first() says no
 * beginning starts with: none may start a match of the patterns the
 * table was made of (PCRE2 partially matching the character alone),
 * but where its first byte is always tried.  Latin, Greek, Cyrillic,
 * Arabic (digits), the punctuation and letterlike blocks (U+212A),
 * fullwidth forms, mathematical digits, emoji.  Returns the misses; in
 * *no how many it says no to.
 */
static size_t
high_first_check(const struct firstbyte_table *t, const struct buf *alt,
    size_t *no)
{
	static const uint32_t ranges[][2] = {
		{ 0x80, 0x800 }, { 0x2000, 0x3000 }, { 0xff00, 0xfff0 },
		{ 0x1d400, 0x1d800 }, { 0x1f300, 0x1f700 }
	};
	pcre2_match_data *md;
	unsigned char w[4];
	pcre2_code *re;
	PCRE2_SIZE eoff;
	uint32_t c;
	size_t i, n, bad = 0;
	int ec, rc;

	re = pcre2_compile((PCRE2_SPTR)alt->data, alt->len, REF_OPTIONS |
	    PCRE2_ANCHORED, &ec, &eoff, NULL);
	md = pcre2_match_data_create(1, NULL);
	if (re == NULL || md == NULL)
		abort();
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		for (c = ranges[i][0]; c < ranges[i][1]; c++) {
			n = str_utf8_put(w, c);
			if (t->always[w[0]] || firstbyte_high_first(t, w, n, 0))
				continue;
			(*no)++;
			rc = pcre2_match(re, w, n, 0, PCRE2_PARTIAL_HARD, md,
			    NULL);
			if ((rc >= 0 || rc == PCRE2_ERROR_PARTIAL) &&
			    bad++ < 3)
				printf("#   U+%04X may start a match, but "
				    "is said not to\n", c);
		}
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return bad;
}

/*
 * The beginnings of the test files, and the words of data/lexicon as
 * literals (many children per node: the dense tables), walked at every
 * position of generated texts.
 */
static void
walk_check(const char *path)
{
	struct firstbyte_table t;
	struct walk_pairs *wp;
	struct ref r;
	struct buf text, words, alt;
	uint32_t seed = 7;
	size_t i, same = 0, bad = 0, fits = 0, windows = 0, no = 0;
	int pass;
	unsigned char w[4];

	memset(&t, 0, sizeof(t));
	if (ref_load(&r, path) == -1) {
		ok(0, "walk: data loads");
		return;
	}
	buf_init(&text, 1u << 20);
	buf_init(&words, 1u << 20);
	for (i = 0; i < r.n_words; i++)
		buf_printf(&words, "W\t\\b%s\n", r.words[i]);
	if (walk_add(&t, beginnings) == -1 || walk_add(&t, deep) == -1 ||
	    walk_add(&t, words.data) == -1 ||
	    (wp = calloc(1, sizeof(*wp))) == NULL)
		abort();
	firstbyte_pairs(&t, wp->set);
	/* Step by step, then the first two steps by the table. */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1 && (firstbyte_steps_build(&t) == -1 ||
		    t.steps == NULL))
			abort();
		seed = 7;
		same = bad = fits = wp->out = 0;
		for (i = 0; i < N_TEXTS; i++) {
			make_text(&r, &seed, &text);
			walk_text(&t, wp, &text, &same, &bad, &fits);
			mutate(&seed, &text);
			walk_text(&t, wp, &text, &same, &bad, &fits);
			random_text(&seed, &text);
			walk_text(&t, wp, &text, &same, &bad, &fits);
		}
		for (i = 0; deep_texts[i] != NULL; i++) {
			buf_reset(&text);
			buf_adds(&text, deep_texts[i]);
			walk_text(&t, wp, &text, &same, &bad, &fits);
		}
		ok(bad == 0, "walk%s: %zu positions, %zu fit, as the list "
		    "walk says", pass ? " by the step table" : "", same + bad,
		    fits);
	}
	ok(fits > (same + bad) / 20 && fits < (same + bad) / 2,
	    "walk: both answers are given (%zu of %zu fit)", fits, same + bad);
	ok(t.n_dense > 0, "walk: %zu nodes have dense tables", t.n_dense);
	ok(high_check(&t) == 0 && t.partner['k'] && t.partner['s'] &&
	    !t.partner['a'] && !t.partner['1'], "walk: non-ASCII bytes go "
	    "on after runs and before 'k' and 's'");
	ok(wp->wrong == 0 && wp->out > (same + bad) / 4,
	    "walk: %zu positions' pairs left out, none fitting", wp->out);
	ok(wp->quad_wrong == 0 && wp->quad_out > wp->quad_asked / 20,
	    "walk: %zu of %zu positions' windows of four bytes left out, "
	    "none fitting", wp->quad_out, wp->quad_asked);
	ok(quad_windows(&t, &windows) == 0 && windows > 10000,
	    "walk: the %zu windows of four bytes that fit are all kept",
	    windows);
	buf_init(&alt, 1u << 20);
	alternation_add(&alt, beginnings);
	alternation_add(&alt, deep);
	alternation_add(&alt, words.data);
	ok(t.high_first != NULL && high_first_check(&t, &alt, &no) == 0 &&
	    no > 1000 && !firstbyte_high_first(&t, w, str_utf8_put(w, 0x2019), 0) &&
	    firstbyte_high_first(&t, w, str_utf8_put(w, 0x212a), 0) &&
	    firstbyte_high_first(&t, w, str_utf8_put(w, 0x17f), 0),
	    "walk: %zu non-ASCII characters start no beginning (U+2019), "
	    "none that may (U+212A for 'k')", no);
	buf_free(&alt);
	free(wp);
	buf_free(&words);
	buf_free(&text);
	firstbyte_free(&t);
	ref_free(&r);
}

/*
 * More patterns searched alone than the look-aheads kept on the stack
 * (LEXICON_AHEAD_STACK, 32): forty branches, each one of them.
 */
static void
many_others(void)
{
	static const char *const must[] = { "q0z", "a q39z b", "q17z!", NULL };
	struct buf pat;
	int i;

	buf_init(&pat, 1u << 16);
	buf_adds(&pat, "MANY_A\t");
	for (i = 0; i < 40; i++)
		buf_printf(&pat, "%sq%dz", i > 0 ? "|" : "", i);
	/* And one that generated texts hit. */
	buf_adds(&pat, "|e\\s\nMANY_B\t\\bq1\\d\n");
	compare_file(pat.data, "many others", must);
	buf_free(&pat);
}

int
main(void)
{
	const char *dir = getenv("MAILTRUST_DATADIR");
	char path[1024];

	snprintf(path, sizeof(path), "%s/lexicon",
	    dir != NULL ? dir : MT_SRCDATADIR);
	compare(path, "data/lexicon", data_texts);
	compare_file(awkward, "awkward patterns", NULL);
	compare_file(beginnings, "literal beginnings", NULL);
	compare_file(deep, "deep beginnings", deep_texts);
	compare_file(literals, "needed literals", literal_texts);
	compare_file(seconds, "second characters", second_texts);
	compare_file(runs, "runs of what matches take", run_texts);
	many_others();
	walk_check(path);
	return tap_done();
}
