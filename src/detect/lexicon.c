/*
 * lexicon.c - pressure and lure phrases (data/lexicon), German and
 * English, found in one pass over a text.
 *
 * data/lexicon has one pattern per line: SYMBOL PATTERN, where PATTERN
 * is a PCRE2 regular expression (case-insensitive, Unicode properties;
 * "\#" for a literal '#').  Each line is compiled alone at load, so an
 * error names its line; then all of them are joined into one
 * alternation whose branches end in (*MARK:n), compiled with JIT.  A
 * text is then read once, left to right: each match names its pattern
 * through the mark, and matching goes on after it.  This is the point
 * of the design: adding phrases makes the alternation longer, not the
 * number of passes.
 *
 * The symbol names come from the data file and live as long as the
 * configuration, which is what scan_symbol() needs of a name.
 *
 * Memory: heap, owned by struct lexicon, read-only after loading; a
 * scan's match data lives only for the call.
 * Limits: LEXICON_MAX_PATTERNS lines, LEXICON_MAX_SYMBOLS symbols,
 * LEXICON_MATCH_LIMIT backtracking steps per match attempt and
 * LEXICON_MAX_MATCHES matches per text.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "util/buf.h"

#define LEXICON_PATTERN_MAX	(4u * 1024 * 1024)
#define LEXICON_OPTIONS		(PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS)

struct lexicon {
	char			*symbols[LEXICON_MAX_SYMBOLS];
	size_t			 n_symbols;
	unsigned char		*pat_symbol;	/* pattern -> symbol index */
	size_t			 n_patterns;
	struct buf		 word;		/* branches after one \b */
	struct buf		 rest;		/* the other branches */
	pcre2_code		*re;
	pcre2_match_context	*mctx;
};

/* Whether a pattern has an alternation outside every group. */
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

static int
lexicon_line(void *arg, char *line, char *err, size_t errlen)
{
	struct lexicon *lx = arg;
	PCRE2_UCHAR msg[256];
	unsigned char *ps;
	PCRE2_SIZE eoff;
	pcre2_code *one;
	struct buf *b;
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
	if (lx->n_patterns == LEXICON_MAX_PATTERNS) {
		snprintf(err, errlen, "too many patterns");
		return -1;
	}
	ps = realloc(lx->pat_symbol, lx->n_patterns + 1);
	if (ps == NULL)
		goto nomem;
	lx->pat_symbol = ps;
	ps[lx->n_patterns] = (unsigned char)i;
	/*
	 * Most patterns start at a word boundary.  Hoisting that one \b
	 * in front of their alternation lets PCRE2 reject a position
	 * inside a word once, instead of once per pattern: the scan is
	 * several times faster on long texts.
	 */
	if (strncmp(pat, "\\b", 2) == 0 && !top_level_bar(pat))
		b = &lx->word, pat += 2;
	else
		b = &lx->rest;
	if ((b->len > 0 && buf_addc(b, '|') == -1) ||
	    buf_printf(b, "(?:%s)(*:%zu)", pat, lx->n_patterns) == -1) {
		snprintf(err, errlen, "patterns too long");
		return -1;
	}
	lx->n_patterns++;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
lexicon_load(struct lexicon **out, const char *path, char *err,
    size_t errlen)
{
	PCRE2_UCHAR msg[256];
	struct lexicon *lx;
	struct buf all;
	PCRE2_SIZE eoff;
	int ec;

	*out = NULL;
	if ((lx = calloc(1, sizeof(*lx))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	buf_init(&lx->word, LEXICON_PATTERN_MAX);
	buf_init(&lx->rest, LEXICON_PATTERN_MAX);
	buf_init(&all, LEXICON_PATTERN_MAX * 2 + 16);
	if (detect_data_read(path, lexicon_line, lx, err, errlen) == -1)
		goto fail;
	if (lx->n_patterns == 0) {
		snprintf(err, errlen, "%s: no patterns", path);
		goto fail;
	}
	if (lx->word.len > 0)
		buf_printf(&all, "\\b(?:%s)", lx->word.data);
	if (lx->rest.len > 0)
		buf_printf(&all, "%s%s", all.len > 0 ? "|" : "",
		    lx->rest.data);
	lx->re = pcre2_compile((PCRE2_SPTR)all.data, all.len,
	    LEXICON_OPTIONS, &ec, &eoff, NULL);
	if (lx->re == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(err, errlen, "%s: joined patterns: %s", path, msg);
		goto fail;
	}
	(void)pcre2_jit_compile(lx->re, PCRE2_JIT_COMPLETE);
	if ((lx->mctx = pcre2_match_context_create(NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	pcre2_set_match_limit(lx->mctx, LEXICON_MATCH_LIMIT);
	buf_free(&lx->word);
	buf_free(&lx->rest);
	buf_free(&all);
	*out = lx;
	return 0;
fail:
	buf_free(&all);
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
	free(lx->pat_symbol);
	buf_free(&lx->word);
	buf_free(&lx->rest);
	pcre2_code_free(lx->re);
	pcre2_match_context_free(lx->mctx);
	free(lx);
}

size_t
lexicon_scan(const struct lexicon *lx, struct arena *a, const char *text,
    size_t len, struct lexicon_hit *hits, size_t max)
{
	bool seen[LEXICON_MAX_SYMBOLS] = { false };
	pcre2_match_data *md;
	PCRE2_SPTR mark;
	PCRE2_SIZE *ov, off = 0;
	size_t n = 0, loops, k, sym;

	if (lx == NULL || text == NULL || len == 0 || max == 0 ||
	    (text = detect_utf8(a, text, len)) == NULL)
		return 0;
	if ((md = pcre2_match_data_create_from_pattern(lx->re, NULL)) == NULL)
		return 0;
	for (loops = 0; off < len && n < max && loops < LEXICON_MAX_MATCHES;
	    loops++) {
		if (pcre2_match(lx->re, (PCRE2_SPTR)text, len, off,
		    PCRE2_NO_UTF_CHECK, md, lx->mctx) < 0)
			break;
		ov = pcre2_get_ovector_pointer(md);
		k = 0;
		for (mark = pcre2_get_mark(md); mark != NULL && *mark >= '0' &&
		    *mark <= '9' && k < LEXICON_MAX_PATTERNS; mark++)
			k = k * 10 + (size_t)(*mark - '0');
		if (k < lx->n_patterns && !seen[sym = lx->pat_symbol[k]]) {
			seen[sym] = true;
			hits[n].symbol = lx->symbols[sym];
			hits[n].off = ov[0];
			hits[n].len = ov[1] - ov[0];
			n++;
		}
		off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		while (off < len && ((unsigned char)text[off] & 0xc0) == 0x80)
			off++;
	}
	pcre2_match_data_free(md);
	return n;
}
