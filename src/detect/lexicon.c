/*
 * lexicon.c - pressure and lure phrases (data/lexicon), German and
 * English, found in one pass over a text.
 *
 * data/lexicon has one pattern per line: SYMBOL PATTERN, where PATTERN
 * is a PCRE2 regular expression (case-insensitive, Unicode properties;
 * "\#" for a literal '#').  Each line is compiled alone at load, so an
 * error names its line.  The text is then read once, left to right:
 * at each position the patterns are tried in file order (those that
 * start with a lone \b first), the first that matches names its symbol
 * through its (*MARK:n), and reading goes on after the match.  Adding
 * phrases makes each try longer, not the number of passes.
 *
 * Speed: trying all patterns at every word start cost thousands of
 * instructions per byte.  Now the patterns behind a lone \b ("word"
 * patterns, nearly all) and the few others are found apart:
 *  - a word pattern can only start on a byte of its first-byte set,
 *    which PCRE2 works out when it compiles the pattern alone (its
 *    start bitmap).  So for each byte value there is one anchored
 *    alternation of just the word patterns that may start on it, in
 *    file order, tried only at word starts; bytes with the same
 *    alternation share it.  Most word patterns are one long leading
 *    group of phrases, "\b(?:konto|zugang|...)\s+...": they are split
 *    into their phrases, so the alternation for 'k' carries only
 *    "\b(?:konto|kundenkonto)\s+...", which keeps the compiled size
 *    near that of one big alternation.  A word start is tried only
 *    where one of the phrases' literal beginnings fits, read on into
 *    the rest of the pattern ("konto\s+gesperrt", "in\s+the\s+next"):
 *    short words such as "in", "the" or "i" begin many phrases but
 *    are rarely followed by what those need.  The walk's first two
 *    steps are one look-up (firstbyte_steps_build());
 *  - each of the few other patterns, or each branch of one that is an
 *    alternation "A|B", is searched for alone, unanchored, so that
 *    PCRE2's start optimisations work for it; its next match is kept
 *    until the reading passes it.  A branch that needs a character the
 *    text lacks (the Cyrillic or zero-width ones, needbytes.c) is not
 *    searched at all: it was tried at every letter for nothing.  Nor
 *    is one that needs literal strings the text lacks: "800" or "888"
 *    for a toll-free number, a '!' for shouting.  (A pattern matches
 *    at a position with its first branch that does, so taking
 *    branches in order at one position changes nothing.)  A branch
 *    whose matches take one character and then a needed one,
 *    "\p{L}[\x{200B}-\x{200D}...]+\p{L}", is only searched from just
 *    before each such character of the text, with an offset limit:
 *    PCRE2 has no start bytes for \p{L} and tried it at every letter.
 *    And a branch that needs a string and takes only a few characters
 *    (capitals, white space and '!' for shouting; digits, dashes and
 *    brackets for a toll-free number) is searched only in the runs of
 *    those characters around each needed string, a run at least as
 *    long as a match, with an offset limit (needbytes_alphabet()): it
 *    was tried at every capital of a text with a '!' anywhere.
 * The leftmost match is then the earliest of these; at one position
 * the word patterns win, then the others in file order, as in the
 * single alternation "\b(?:WORD...)|OTHER..." this replaces.  Each
 * position is tried with every pattern that could match there, in the
 * original order, so the matches are exactly those of that single
 * alternation.
 *
 * The symbol names come from the data file and live as long as the
 * configuration, which is what scan_symbol() needs of a name.
 *
 * Memory: heap, owned by struct lexicon, read-only after loading; a
 * scan's two match data (word patterns, others) live only for the call
 * and are made at its first search; the other patterns' look-aheads
 * are on the stack (up to LEXICON_AHEAD_STACK of them) and keep only
 * where each next match is and its pattern.
 * Limits: LEXICON_MAX_PATTERNS lines, LEXICON_MAX_SYMBOLS symbols,
 * LEXICON_MAX_ALTS phrases split out of one pattern,
 * LEXICON_MATCH_LIMIT backtracking steps per match attempt and
 * LEXICON_MAX_MATCHES matches per text.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "detect/firstbyte.h"
#include "detect/needbytes.h"
#include "detect/rxspace.h"
#include "detect/wordstarts.h"
#include "util/buf.h"

#define LEXICON_PATTERN_MAX	(4u * 1024 * 1024)
#define LEXICON_OPTIONS		(PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS)
#define LEXICON_MAX_ALTS	512

/* One phrase of a pattern's leading group, and where it can start. */
struct lexicon_alt {
	size_t		 off, len;	/* in the pattern's re */
	uint8_t		 first[FIRSTBYTE_SET];
};

/*
 * One data line.  When split, re is "(?:A|B|...)SUFFIX" (or "A|B|..."
 * with no suffix) and alts are A, B, ...; otherwise one alt, all of re.
 */
struct lexicon_pattern {
	char			*re;	/* after a hoisted \b, if any */
	bool			 word;	/* it started with a lone \b */
	bool			 split;
	size_t			 suffix; /* offset of SUFFIX in re */
	struct lexicon_alt	*alts;
	size_t			 n_alts;
};

/*
 * The bytes a match of an other pattern may take (needbytes_alphabet)
 * and its least length, in characters, so in bytes at least.
 */
struct lexicon_runs {
	bool			 in[FIRSTBYTE_BYTES];
	size_t			 min;
};

struct lexicon {
	char			*symbols[LEXICON_MAX_SYMBOLS];
	size_t			 n_symbols;
	unsigned char		*pat_symbol;	/* pattern -> symbol index */
	struct lexicon_pattern	*pats;
	size_t			 n_patterns;
	/* Per byte value, the word patterns that may start on it. */
	struct firstbyte_table	 words;
	struct wordstarts	 word_starts;	/* where words is asked */
	pcre2_code		**others;	/* non-word patterns, branches */
	struct needbytes	*other_needs;	/* what each cannot do without */
	/* Its second characters, when that is all a match can start on. */
	struct needbytes	**other_second;
	bool			*other_tail;	/* matches only in the tail */
	/* What its matches take, when runs of that bound them; or NULL. */
	struct lexicon_runs	**other_runs;
	size_t			 n_others;
	bool			 ascii_space[128];	/* what \s takes */
	uint32_t		 ovector_pairs;
	pcre2_match_context	*mctx;
};

/* Splits lp->re into phrases where it can, each with its first bytes. */
static int
pattern_alts(struct lexicon_pattern *lp)
{
	size_t off[LEXICON_MAX_ALTS], len[LEXICON_MAX_ALTS], n, i;
	struct lexicon_alt *a;
	struct buf one;
	int rc = -1;

	n = firstbyte_branches(lp->re, &lp->suffix, off, len,
	    LEXICON_MAX_ALTS);
	lp->split = n > 0;
	if (n == 0) {
		off[0] = 0;
		len[0] = strlen(lp->re);
		lp->suffix = len[0];
		n = 1;
	}
	if ((lp->alts = calloc(n, sizeof(*a))) == NULL)
		return -1;
	buf_init(&one, LEXICON_PATTERN_MAX);
	for (i = 0; i < n; i++) {
		a = &lp->alts[i];
		a->off = off[i];
		a->len = len[i];
		buf_reset(&one);
		if (buf_printf(&one, "(?:%.*s)%s", (int)a->len,
		    lp->re + a->off, lp->re + lp->suffix) == -1)
			goto out;
		firstbyte_of(one.data, one.len, LEXICON_OPTIONS, a->first);
	}
	lp->n_alts = n;
	rc = 0;
out:
	buf_free(&one);
	return rc;
}

static int
lexicon_line(void *arg, char *line, char *err, size_t errlen)
{
	struct lexicon *lx = arg;
	struct lexicon_pattern *lp;
	PCRE2_UCHAR msg[256];
	unsigned char *ps;
	PCRE2_SIZE eoff;
	pcre2_code *one;
	char *pat, *c;
	size_t i;
	int ec;

	for (pat = line; *pat != '\0' && *pat != ' ' && *pat != '\t'; pat++)
		;
	if (*pat == '\0') {
		snprintf(err, errlen, "want SYMBOL PATTERN");
		return -1;
	}
	*pat++ = '\0';
	while (*pat == ' ' || *pat == '\t')
		pat++;
	for (c = line; *c != '\0'; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    *c == '_')) {
			snprintf(err, errlen, "symbol names are A-Z 0-9 _");
			return -1;
		}
	if (lx->n_patterns == LEXICON_MAX_PATTERNS) {
		snprintf(err, errlen, "too many patterns");
		return -1;
	}
	/* "\#" was an escaped comment sign; PCRE2 reads it as '#'. */
	one = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	    LEXICON_OPTIONS, &ec, &eoff, NULL);
	if (one == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(err, errlen, "pattern: %s at %zu", msg, (size_t)eoff);
		return -1;
	}
	pcre2_code_free(one);
	for (i = 0; i < lx->n_symbols; i++)
		if (strcmp(lx->symbols[i], line) == 0)
			break;
	if (i == lx->n_symbols) {
		if (lx->n_symbols == LEXICON_MAX_SYMBOLS) {
			snprintf(err, errlen, "too many symbols");
			return -1;
		}
		if ((lx->symbols[i] = strdup(line)) == NULL)
			goto nomem;
		lx->n_symbols++;
	}
	ps = realloc(lx->pat_symbol, lx->n_patterns + 1);
	if (ps == NULL)
		goto nomem;
	lx->pat_symbol = ps;
	ps[lx->n_patterns] = (unsigned char)i;
	lp = realloc(lx->pats, (lx->n_patterns + 1) * sizeof(*lp));
	if (lp == NULL)
		goto nomem;
	lx->pats = lp;
	lp += lx->n_patterns;
	memset(lp, 0, sizeof(*lp));
	lx->n_patterns++;
	/*
	 * Most patterns start at a word boundary.  Hoisting that one \b
	 * in front of their alternation lets PCRE2 reject a position
	 * inside a word once, instead of once per pattern.
	 */
	if (strncmp(pat, "\\b", 2) == 0 && !firstbyte_top_bar(pat))
		lp->word = true, pat += 2;
	if ((lp->re = strdup(pat)) == NULL ||
	    (lp->word && pattern_alts(lp) == -1))
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Pattern lp cut down to its phrases that may start on byte c. */
static int
pattern_for_byte(const struct lexicon_pattern *lp, unsigned int c,
    struct buf *out)
{
	size_t i, kept = 0;
	size_t mark = out->len;

	for (i = 0; i < lp->n_alts; i++)
		if (firstbyte_may_start(lp->alts[i].first, c))
			kept++;
	if (kept == 0)
		return 0;
	if (!lp->split || kept == lp->n_alts)
		return buf_adds(out, lp->re) == -1 ? -1 : 1;
	if (buf_adds(out, "(?:") == -1)
		return -1;
	for (i = 0; i < lp->n_alts; i++) {
		if (!firstbyte_may_start(lp->alts[i].first, c))
			continue;
		if ((out->len > mark + 3 && buf_addc(out, '|') == -1) ||
		    buf_add(out, lp->re + lp->alts[i].off,
		    lp->alts[i].len) == -1)
			return -1;
	}
	if (buf_printf(out, ")%s", lp->re + lp->suffix) == -1)
		return -1;
	return 1;
}

/* The alternation of the word patterns for byte c, in file order. */
static int
group_source(void *arg, unsigned int c, struct buf *out)
{
	const struct lexicon *lx = arg;
	struct buf part;
	size_t i, at;
	int rc = -1, k;

	buf_init(&part, LEXICON_PATTERN_MAX);
	for (i = 0; i < lx->n_patterns; i++) {
		if (!lx->pats[i].word)
			continue;
		at = part.len;
		if (buf_adds(&part, part.len > 0 ? "|(?:" : "(?:") == -1 ||
		    (k = pattern_for_byte(&lx->pats[i], c, &part)) == -1)
			goto out;
		if (k == 0) {
			part.len = at;	/* nothing of it starts on c */
			part.data[at] = '\0';
		} else if (buf_printf(&part, ")(*:%zu)", i) == -1)
			goto out;
	}
	if (part.len > 0 && buf_printf(out, "\\b(?:%s)", part.data) == -1)
		goto out;
	rc = 0;
out:
	buf_free(&part);
	return rc;
}

/* The match data must hold the captures of the largest pattern. */
static void
note_captures(struct lexicon *lx, const pcre2_code *re)
{
	uint32_t caps = 0;

	(void)pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &caps);
	if (caps + 1 > lx->ovector_pairs)
		lx->ovector_pairs = caps + 1;
}

/*
 * Compiles and JITs one pattern searched on its own; with an offset
 * limit when its searches are to start only at some places.
 */
static pcre2_code *
other_compile(struct lexicon *lx, const struct buf *src, bool limit,
    const char *path, char *err, size_t errlen)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE eoff;
	pcre2_code *re;
	int ec;

	re = rxspace_compile(src->data, src->len, LEXICON_OPTIONS |
	    (limit ? PCRE2_USE_OFFSET_LIMIT : 0), &ec, &eoff);
	if (re == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(err, errlen, "%s: joined patterns: %s", path, msg);
		return NULL;
	}
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	note_captures(lx, re);
	return re;
}

/*
 * The runs that bound the matches of the branch br..br+brlen, or NULL:
 * only for a branch that needs a string (the runs around it are
 * searched) and whose matches take at least one character.
 */
static struct lexicon_runs *
other_runs(const char *br, size_t brlen, const struct needbytes *nb,
    const struct buf *src)
{
	struct lexicon_runs *r;
	pcre2_code *re;
	PCRE2_SIZE eoff;
	uint32_t min = 0;
	int ec;

	if (nb->n_sets == 0 || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((re = pcre2_compile((PCRE2_SPTR)src->data, src->len,
	    LEXICON_OPTIONS, &ec, &eoff, NULL)) != NULL &&
	    pcre2_pattern_info(re, PCRE2_INFO_MINLENGTH, &min) != 0)
		min = 0;
	pcre2_code_free(re);
	if (min == 0 || !needbytes_alphabet(br, brlen, LEXICON_OPTIONS,
	    r->in)) {
		free(r);
		return NULL;
	}
	r->min = min;
	return r;
}

/* Grows the other patterns' arrays by one; -1 when out of memory. */
static int
others_grow(struct lexicon *lx)
{
	size_t n = lx->n_others + 1;
	struct lexicon_runs **runs;
	struct needbytes *nb, **sec;
	pcre2_code **o;
	bool *tail;

	if ((o = realloc(lx->others, n * sizeof(*o))) != NULL)
		lx->others = o;
	if ((nb = realloc(lx->other_needs, n * sizeof(*nb))) != NULL)
		lx->other_needs = nb;
	if ((tail = realloc(lx->other_tail, n * sizeof(*tail))) != NULL)
		lx->other_tail = tail;
	if ((sec = realloc(lx->other_second, n * sizeof(*sec))) != NULL)
		lx->other_second = sec;
	if ((runs = realloc(lx->other_runs, n * sizeof(*runs))) != NULL)
		lx->other_runs = runs;
	return o == NULL || nb == NULL || tail == NULL || sec == NULL ||
	    runs == NULL ? -1 : 0;
}

/* Adds src, compiled, and what the branch br..br+brlen needs. */
static int
other_add(struct lexicon *lx, const struct buf *src, const char *br,
    size_t brlen, const char *path, char *err, size_t errlen)
{
	struct needbytes *second, *nb;
	struct lexicon_runs *runs = NULL;
	size_t n = lx->n_others;

	if (others_grow(lx) == -1 ||
	    (second = malloc(sizeof(*second))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nb = &lx->other_needs[n];
	needbytes_of(br, brlen, LEXICON_OPTIONS, nb);
	if (!needbytes_second(br, brlen, LEXICON_OPTIONS, second)) {
		free(second);
		second = NULL;
		runs = other_runs(br, brlen, nb, src);
	}
	lx->other_second[n] = second;
	lx->other_runs[n] = runs;
	if ((lx->others[n] = other_compile(lx, src, second != NULL ||
	    runs != NULL, path, err, errlen)) == NULL) {
		free(second);
		free(runs);
		return -1;
	}
	lx->other_tail[n] = rxspace_tail_form(br, brlen, LEXICON_OPTIONS);
	lx->n_others++;
	return 0;
}

/*
 * Each non-word pattern compiled alone, in file order, or its
 * top-level branches each alone, in their order.
 */
static int
others_build(struct lexicon *lx, struct buf *src, const char *path,
    char *err, size_t errlen)
{
	size_t off[LEXICON_MAX_ALTS], len[LEXICON_MAX_ALTS], i, j, n, suffix;
	const char *re;

	for (i = 0; i < lx->n_patterns; i++) {
		if (lx->pats[i].word)
			continue;
		re = lx->pats[i].re;
		if (!firstbyte_top_bar(re) || (n = firstbyte_branches(re, &suffix, off,
		    len, LEXICON_MAX_ALTS)) == 0) {
			off[0] = 0;
			len[0] = strlen(re);
			n = 1;
		}
		for (j = 0; j < n; j++) {
			buf_reset(src);
			if (buf_printf(src, "(?:%.*s)(*:%zu)", (int)len[j],
			    re + off[j], i) == -1) {
				snprintf(err, errlen, "%s: pattern too long",
				    path);
				return -1;
			}
			if (other_add(lx, src, re + off[j], len[j], path, err,
			    errlen) == -1)
				return -1;
		}
	}
	return 0;
}

/*
 * The literal beginnings of the word patterns, each phrase read on into
 * the rest of its pattern ("(?:konto)\s+gesperrt"): the deeper they
 * go, the fewer word starts reach PCRE2.  -1 when out of memory.
 */
static int
words_prefixes(struct lexicon *lx)
{
	const struct lexicon_pattern *lp;
	const struct lexicon_alt *a;
	struct buf one;
	size_t i, j;
	int rc = -1;

	buf_init(&one, LEXICON_PATTERN_MAX);
	for (i = 0; i < lx->n_patterns; i++) {
		lp = &lx->pats[i];
		for (j = 0; lp->word && j < lp->n_alts; j++) {
			a = &lp->alts[j];
			buf_reset(&one);
			if (buf_printf(&one, "(?:%.*s)%s", (int)a->len,
			    lp->re + a->off, lp->re + lp->suffix) == -1 ||
			    firstbyte_prefixes_add(&lx->words, one.data,
			    one.len, a->first, LEXICON_OPTIONS) == -1)
				goto out;
		}
	}
	rc = firstbyte_steps_build(&lx->words);
out:
	buf_free(&one);
	return rc;
}

/* The word patterns grouped by first byte, then the others each alone. */
static int
groups_build(struct lexicon *lx, const char *path, char *err, size_t errlen)
{
	bool starts[FIRSTBYTE_BYTES];
	struct buf src;
	size_t i;
	int rc;

	if (firstbyte_build(&lx->words, group_source, lx, LEXICON_OPTIONS,
	    LEXICON_PATTERN_MAX, path, err, errlen) == -1)
		return -1;
	if (words_prefixes(lx) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < lx->words.n_groups; i++)
		note_captures(lx, lx->words.groups[i]);
	for (i = 0; i < FIRSTBYTE_BYTES; i++)
		starts[i] = lx->words.group_of[i] != FIRSTBYTE_NONE;
	wordstarts_init(&lx->word_starts, starts, NULL, true);
	if (rxspace_ascii_spaces(LEXICON_OPTIONS, lx->ascii_space) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	buf_init(&src, LEXICON_PATTERN_MAX);
	rc = others_build(lx, &src, path, err, errlen);
	buf_free(&src);
	return rc;
}

int
lexicon_load(struct lexicon **out, const char *path, char *err,
    size_t errlen)
{
	struct lexicon *lx;

	*out = NULL;
	if ((lx = calloc(1, sizeof(*lx))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (detect_data_read(path, lexicon_line, lx, err, errlen) == -1)
		goto fail;
	if (lx->n_patterns == 0) {
		snprintf(err, errlen, "%s: no patterns", path);
		goto fail;
	}
	if (groups_build(lx, path, err, errlen) == -1)
		goto fail;
	if ((lx->mctx = pcre2_match_context_create(NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	pcre2_set_match_limit(lx->mctx, LEXICON_MATCH_LIMIT);
	*out = lx;
	return 0;
fail:
	lexicon_free(lx);
	return -1;
}

void
lexicon_free(struct lexicon *lx)
{
	size_t i;

	if (lx == NULL)
		return;
	for (i = 0; i < lx->n_symbols; i++)
		free(lx->symbols[i]);
	for (i = 0; i < lx->n_patterns; i++) {
		free(lx->pats[i].re);
		free(lx->pats[i].alts);
	}
	firstbyte_free(&lx->words);
	for (i = 0; i < lx->n_others; i++) {
		pcre2_code_free(lx->others[i]);
		free(lx->other_second[i]);
		free(lx->other_runs[i]);
	}
	free(lx->others);
	free(lx->other_second);
	free(lx->other_runs);
	free(lx->other_needs);
	free(lx->other_tail);
	free(lx->pats);
	free(lx->pat_symbol);
	pcre2_match_context_free(lx->mctx);
	free(lx);
}

/*
 * The match data a scan needs, made at its first search: most short
 * texts (a subject, a display name) never reach PCRE2.
 */
static pcre2_match_data *
scan_md(const struct lexicon *lx, pcre2_match_data **md)
{
	if (*md == NULL)
		*md = pcre2_match_data_create(lx->ovector_pairs, NULL);
	return *md;
}

/*
 * The leftmost match of a word pattern that starts in [from, last]
 * (and before len), into md; PCRE2's result code.  Only word starts
 * and the bytes that start a match alone are tried, found 64 bytes at
 * a time (wordstarts.h).
 */
static int
word_match(const struct lexicon *lx, const unsigned char *t, size_t len,
    size_t from, size_t last, pcre2_match_data **md)
{
	const pcre2_code *re;
	size_t base, p, end = last < len ? last + 1 : len;
	uint64_t ask;
	int rc;

	for (base = from; base < end; base += 64) {
		ask = wordstarts_mask(&lx->word_starts, t, base, end);
		for (; ask != 0; ask &= ask - 1) {
			p = base + (size_t)__builtin_ctzll(ask);
			if ((re = firstbyte_group_at(&lx->words, t, len, p)) ==
			    NULL)
				continue;
			if (scan_md(lx, md) == NULL)
				return PCRE2_ERROR_NOMEMORY;
			rc = pcre2_match(re, t, len, p, PCRE2_NO_UTF_CHECK,
			    *md, lx->mctx);
			if (rc != PCRE2_ERROR_NOMATCH)
				return rc;
		}
	}
	return PCRE2_ERROR_NOMATCH;
}

/* The pattern a match came from, by its (*MARK:n). */
static size_t
match_pattern(pcre2_match_data *md)
{
	PCRE2_SPTR mark;
	size_t k = 0;

	for (mark = pcre2_get_mark(md); mark != NULL && *mark >= '0' &&
	    *mark <= '9' && k < LEXICON_MAX_PATTERNS; mark++)
		k = k * 10 + (size_t)(*mark - '0');
	return k;
}

/*
 * Where each other pattern matches next: a match does not depend on
 * where the search began, so one found ahead stays good until the
 * reading passes it.
 */
struct lexicon_ahead {
	size_t			 at;	/* len: no match ahead */
	size_t			 end;	/* of that match */
	size_t			 pattern;	/* its (*MARK:n) */
	size_t			 from;	/* no match starts before */
	bool			 known;
};

/* Look-aheads kept on the stack, for up to this many other patterns. */
#define LEXICON_AHEAD_STACK	32

/* Where the character after the one at p starts; where the one before. */
static size_t
char_after(const unsigned char *t, size_t len, size_t p)
{
	if (p < len)
		p++;
	while (p < len && (t[p] & 0xc0) == 0x80)
		p++;
	return p;
}

static size_t
char_before(const unsigned char *t, size_t p)
{
	while (p > 0 && (t[--p] & 0xc0) == 0x80)
		;
	return p;
}

/*
 * Candidates for a second character this close together are searched
 * for in one call: between them PCRE2 tries every position, which
 * costs less than a call per candidate.
 */
#define SECOND_GAP	64

/*
 * The search for other pattern i, whose matches take one character and
 * then one of the set sec, from from on: a match can only start just
 * before such a character, so PCRE2 is asked only there, its start
 * bounded by an offset limit (mctx, made at the first such search).
 * A cluster of candidates close together is one search.  PCRE2's
 * result code; the match in md.
 */
static int
second_search(const struct lexicon *lx, size_t i, const unsigned char *t,
    size_t len, size_t from, pcre2_match_data *md,
    pcre2_match_context **mctx)
{
	const struct needbytes *sec = lx->other_second[i];
	size_t q, start, limit;
	int rc;

	if (*mctx == NULL && (*mctx = pcre2_match_context_copy(lx->mctx)) ==
	    NULL)
		return PCRE2_ERROR_NOMEMORY;
	q = needbytes_next(sec, t, len, char_after(t, len, from));
	while (q < len) {
		start = limit = char_before(t, q);
		while ((q = needbytes_next(sec, t, len, char_after(t, len,
		    q))) < len && char_before(t, q) - limit <= SECOND_GAP)
			limit = char_before(t, q);
		pcre2_set_offset_limit(*mctx, limit);
		rc = pcre2_match(lx->others[i], t, len, start,
		    PCRE2_NO_UTF_CHECK, md, *mctx);
		if (rc != PCRE2_ERROR_NOMATCH)
			return rc;
	}
	return PCRE2_ERROR_NOMATCH;
}

/*
 * The search for other pattern i, whose matches lie in runs of the
 * bytes they may take, from from on: only around the strings it needs
 * (its first set), and only a run at least as long as a match, its
 * start bounded by an offset limit.  Each run is read once: the next
 * string is looked for after it.  PCRE2's result code; the match in md.
 */
static int
runs_search(const struct lexicon *lx, size_t i, const unsigned char *t,
    size_t len, size_t from, pcre2_match_data *md,
    pcre2_match_context **mctx)
{
	const struct lexicon_runs *r = lx->other_runs[i];
	const struct needbytes_strs *set = &lx->other_needs[i].sets[0];
	size_t q = from, start, end;
	int rc;

	if (*mctx == NULL && (*mctx = pcre2_match_context_copy(lx->mctx)) ==
	    NULL)
		return PCRE2_ERROR_NOMEMORY;
	while ((q = needbytes_str_next(set, t, len, q)) < len) {
		if (!r->in[t[q]]) {
			q++;	/* no match holds it: an ASCII byte, step on */
			continue;
		}
		for (start = q; start > from && r->in[t[start - 1]]; start--)
			;
		for (end = q; end < len && r->in[t[end]]; end++)
			;
		if (end - start >= r->min) {
			pcre2_set_offset_limit(*mctx, end - r->min);
			rc = pcre2_match(lx->others[i], t, len, start,
			    PCRE2_NO_UTF_CHECK, md, *mctx);
			if (rc != PCRE2_ERROR_NOMATCH)
				return rc;
		}
		q = end;
	}
	return PCRE2_ERROR_NOMATCH;
}

/*
 * The earliest match of the other patterns at or after off (the first
 * in file order at one position); n_others when none, SIZE_MAX on a
 * PCRE2 error.
 */
static size_t
others_next(const struct lexicon *lx, const unsigned char *t, size_t len,
    size_t off, struct lexicon_ahead *ah, pcre2_match_context **mctx,
    pcre2_match_data **md)
{
	size_t i, best = lx->n_others, best_at = len, from;
	PCRE2_SIZE *ov;
	int rc;

	for (i = 0; i < lx->n_others; i++) {
		if (!ah[i].known || ah[i].at < off) {
			/* One match data for all: what is kept is copied. */
			if (scan_md(lx, md) == NULL)
				return SIZE_MAX;
			from = off > ah[i].from ? off : ah[i].from;
			if (lx->other_second[i] != NULL)
				rc = second_search(lx, i, t, len, from, *md,
				    mctx);
			else if (lx->other_runs[i] != NULL)
				rc = runs_search(lx, i, t, len, from, *md,
				    mctx);
			else
				rc = pcre2_match(lx->others[i], t, len, from,
				    PCRE2_NO_UTF_CHECK, *md, lx->mctx);
			if (rc == PCRE2_ERROR_NOMATCH)
				ah[i].at = len;
			else if (rc < 0)
				return SIZE_MAX;
			else {
				ov = pcre2_get_ovector_pointer(*md);
				ah[i].at = ov[0];
				ah[i].end = ov[1];
				ah[i].pattern = match_pattern(*md);
			}
			ah[i].known = true;
		}
		if (ah[i].at < best_at) {
			best_at = ah[i].at;
			best = i;
		}
	}
	return best;
}

/*
 * The look-ahead of each other pattern; one whose needed bytes or
 * strings the text lacks is known at once to have no match.
 */
static void
ahead_init(const struct lexicon *lx, const unsigned char *t, size_t len,
    struct lexicon_ahead *ah)
{
	uint8_t present[FIRSTBYTE_SET];
	size_t i, tail = SIZE_MAX;

	memset(ah, 0, lx->n_others * sizeof(*ah));
	needbytes_present(t, len, present);
	for (i = 0; i < lx->n_others; i++) {
		if (!needbytes_met(&lx->other_needs[i], present) ||
		    !needbytes_found(&lx->other_needs[i], t, len)) {
			ah[i].at = len;
			ah[i].known = true;
		} else if (lx->other_tail[i]) {
			if (tail == SIZE_MAX)
				tail = rxspace_tail_from(t, len,
				    lx->ascii_space);
			ah[i].from = tail;
		}
	}
}

size_t
lexicon_scan(const struct lexicon *lx, struct arena *a, const char *text,
    size_t len, struct lexicon_hit *hits, size_t max)
{
	bool seen[LEXICON_MAX_SYMBOLS] = { false };
	struct lexicon_ahead stack[LEXICON_AHEAD_STACK], *ah = stack;
	pcre2_match_context *mctx = NULL;
	pcre2_match_data *word = NULL, *omd = NULL;
	const unsigned char *t;
	PCRE2_SIZE *ov, off = 0;
	size_t n = 0, loops, k, sym, other, other_at, start, end;
	int rc;

	if (lx == NULL || text == NULL || len == 0 || max == 0 ||
	    (text = detect_utf8(a, text, len)) == NULL)
		return 0;
	t = (const unsigned char *)text;
	if (lx->n_others > LEXICON_AHEAD_STACK &&
	    (ah = malloc(lx->n_others * sizeof(*ah))) == NULL)
		return 0;
	ahead_init(lx, t, len, ah);
	for (loops = 0; off < len && n < max && loops < LEXICON_MAX_MATCHES;
	    loops++) {
		if ((other = others_next(lx, t, len, off, ah, &mctx, &omd)) ==
		    SIZE_MAX)
			break;
		other_at = other < lx->n_others ? ah[other].at : len;
		rc = word_match(lx, t, len, off, other_at, &word);
		if (rc >= 0) {
			ov = pcre2_get_ovector_pointer(word);
			start = ov[0];
			end = ov[1];
			k = match_pattern(word);
		} else if (rc != PCRE2_ERROR_NOMATCH || other == lx->n_others)
			break;
		else {
			start = ah[other].at;
			end = ah[other].end;
			k = ah[other].pattern;
			ah[other].known = false;
		}
		if (k < lx->n_patterns && !seen[sym = lx->pat_symbol[k]]) {
			seen[sym] = true;
			hits[n].symbol = lx->symbols[sym];
			hits[n].off = start;
			hits[n].len = end - start;
			n++;
		}
		off = end > start ? end : start + 1;
		while (off < len && (t[off] & 0xc0) == 0x80)
			off++;
	}
	pcre2_match_data_free(word);
	pcre2_match_data_free(omd);
	pcre2_match_context_free(mctx);
	if (ah != stack)
		free(ah);
	return n;
}
