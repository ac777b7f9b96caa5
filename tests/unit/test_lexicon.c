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
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/detect.h"
#include "util/arena.h"
#include "util/buf.h"
#include "tap.h"

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
};

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
		switch (next_rand(seed) % 9) {
		case 0:	buf_adds(out, ", "); break;
		case 1:	buf_adds(out, "\n"); break;
		case 2:	buf_adds(out, ""); break;
		case 3:	buf_adds(out, ". "); break;
		default: buf_adds(out, " "); break;
		}
	}
}

/* Compares both matchers on N_TEXTS texts; returns the mismatches. */
static size_t
compare(const char *path, const char *what)
{
	struct lexicon_hit want[MAX_SYMS], got[MAX_SYMS];
	struct lexicon *lx = NULL;
	struct arena *a;
	struct ref r;
	struct buf text;
	uint32_t seed = 20261123;
	size_t i, j, nw, ng, bad = 0, hits = 0;
	char err[512];

	if (ref_load(&r, path) == -1 ||
	    lexicon_load(&lx, path, err, sizeof(err)) == -1) {
		ok(0, "%s: both matchers load", what);
		ref_free(&r);
		return 1;
	}
	buf_init(&text, 1u << 20);
	for (i = 0; i < N_TEXTS; i++) {
		make_text(&r, &seed, &text);
		a = arena_new(1u << 20);
		nw = ref_scan(&r, text.data, text.len, want, MAX_SYMS);
		ng = lexicon_scan(lx, a, text.data, text.len, got, MAX_SYMS);
		hits += nw;
		for (j = 0; j < nw && nw == ng; j++)
			if (strcmp(want[j].symbol, got[j].symbol) != 0 ||
			    want[j].off != got[j].off ||
			    want[j].len != got[j].len)
				break;
		if (nw != ng || j < nw) {
			if (bad++ < 3)
				printf("#   %s text %zu differs: %zu hits, "
				    "want %zu: \"%.200s\"\n", what, i, ng, nw,
				    text.data);
		}
		arena_free(a);
	}
	ok(bad == 0, "%s: %d texts, %zu hits, the same as one alternation",
	    what, N_TEXTS, hits);
	ok(hits > N_TEXTS / 10, "%s: the texts do hit (%zu)", what, hits);
	buf_free(&text);
	lexicon_free(lx);
	ref_free(&r);
	return bad;
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
    "SPAM_B\t\\b\xe2\x84\xaa" "ilo\\w*\n"
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

int
main(void)
{
	const char *dir = getenv("MAILTRUST_DATADIR");
	char path[1024], tmp[] = "/tmp/mt-lexicon-XXXXXX";
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), "%s/lexicon",
	    dir != NULL ? dir : MT_SRCDATADIR);
	compare(path, "data/lexicon");
	if ((fd = mkstemp(tmp)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	fputs(awkward, fp);
	fclose(fp);
	compare(tmp, "awkward patterns");
	unlink(tmp);
	strcpy(tmp, "/tmp/mt-lexicon-XXXXXX");
	if ((fd = mkstemp(tmp)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	fputs(beginnings, fp);
	fclose(fp);
	compare(tmp, "literal beginnings");
	unlink(tmp);
	return tap_done();
}
