/*
 * lexicon.c - pressure and lure phrases (data/lexicon), German and
 * English, found in one pass over a text.
 *
 * data/lexicon has one pattern per line: SYMBOL PATTERN, where PATTERN
 * is a PCRE2 regular expression (case-insensitive, Unicode properties;
 * "\#" for a literal '#').  Each line is compiled alone at load, so an
 * error names its line.  The text is then read once, left to right:
 * at each position the patterns are tried in file order, the first
 * that matches names its symbol, and reading goes on after the match.
 * Adding phrases makes each try longer, not the number of passes.
 *
 * Speed: trying some 200 patterns at every word start costs thousands
 * of instructions per byte of text.  But a pattern can only start on a
 * byte in its first-byte set, which PCRE2 works out when it compiles
 * the pattern alone (its start bitmap).  So the patterns are grouped by
 * first byte: for each byte value the patterns that may start on it,
 * joined in file order into one anchored alternation whose branches end
 * in (*MARK:n).  Bytes with the same set of patterns share a group.  A
 * position is then tried only with its own byte's group, which holds
 * every pattern that could match there in the original order, so the
 * matches are exactly those of trying all of them.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "util/buf.h"

#define LEXICON_PATTERN_MAX	(4u * 1024 * 1024)
#define LEXICON_OPTIONS		(PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS)
#define LEXICON_BYTES		256
#define LEXICON_NO_GROUP	0xffff

/* One data line: its pattern, and the bytes a match can start on. */
struct lexicon_pattern {
	char		*re;		/* after a hoisted \b, if any */
	bool		 word;		/* it started with a lone \b */
	uint8_t		 first[LEXICON_BYTES / 8];
};

/* The patterns that may start on some byte values, joined and JITed. */
struct lexicon_group {
	pcre2_code	*re;
	bool		 word;		/* every pattern needs a \b first */
};

struct lexicon {
	char			*symbols[LEXICON_MAX_SYMBOLS];
	size_t			 n_symbols;
	unsigned char		*pat_symbol;	/* pattern -> symbol index */
	struct lexicon_pattern	*pats;
	size_t			 n_patterns;
	struct lexicon_group	 groups[LEXICON_BYTES];
	size_t			 n_groups;
	uint16_t		 group_of[LEXICON_BYTES]; /* byte -> group */
	uint32_t		 ovector_pairs;
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

static void
bit_set(uint8_t *bits, unsigned int i)
{
	bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

static bool
bit_get(const uint8_t *bits, size_t i)
{
	return (bits[i / 8] >> (i % 8)) & 1u;
}

/*
 * The bytes a match of re can start on, from PCRE2's own start
 * optimisation, or false when it knows nothing.
 */
static bool
start_map(const pcre2_code *re, uint8_t *first)
{
	const uint8_t *map = NULL;
	uint32_t type = 0, unit = 0;

	(void)pcre2_pattern_info(re, PCRE2_INFO_FIRSTCODETYPE, &type);
	if (type == 0 && pcre2_pattern_info(re, PCRE2_INFO_FIRSTBITMAP,
	    &map) == 0 && map != NULL) {
		memcpy(first, map, LEXICON_BYTES / 8);
		return true;
	}
	if (type == 1 && pcre2_pattern_info(re, PCRE2_INFO_FIRSTCODEUNIT,
	    &unit) == 0 && unit < 0x80) {
		/* Caseless: the other ASCII case too. */
		bit_set(first, unit);
		if (unit >= 'a' && unit <= 'z')
			bit_set(first, unit - 'a' + 'A');
		else if (unit >= 'A' && unit <= 'Z')
			bit_set(first, unit - 'A' + 'a');
		return true;
	}
	return false;
}

/*
 * The bytes a match of pat can start on.  PCRE2 gives up on \d, \s and
 * \p{..} under UCP; but UCP changes only what non-ASCII characters
 * match, so the map of the pattern compiled without it, plus every
 * UTF-8 lead byte, covers every start.  Lead bytes are always added:
 * some non-ASCII letters fold to ASCII ones (Kelvin sign, long s).
 * When PCRE2 knows nothing either way, every byte: the pattern is then
 * tried everywhere, slower but never wrong.
 */
static void
first_bytes(const pcre2_code *re, const char *pat, uint8_t *first)
{
	pcre2_code *ascii;
	PCRE2_SIZE eoff;
	unsigned int c;
	bool known;
	int ec;

	memset(first, 0, LEXICON_BYTES / 8);
	if (!(known = start_map(re, first))) {
		ascii = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
		    LEXICON_OPTIONS & ~(uint32_t)PCRE2_UCP, &ec, &eoff, NULL);
		known = ascii != NULL && start_map(ascii, first);
		pcre2_code_free(ascii);
	}
	if (!known) {
		memset(first, 0xff, LEXICON_BYTES / 8);
		return;
	}
	for (c = 0xc0; c < LEXICON_BYTES; c++)
		bit_set(first, c);
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
	lp = realloc(lx->pats, (lx->n_patterns + 1) * sizeof(*lp));
	if (lp == NULL) {
		pcre2_code_free(one);
		goto nomem;
	}
	lx->pats = lp;
	lp += lx->n_patterns;
	memset(lp, 0, sizeof(*lp));
	first_bytes(one, pat, lp->first);
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
	/*
	 * Most patterns start at a word boundary.  Hoisting that one \b
	 * in front of their alternation lets PCRE2 reject a position
	 * inside a word once, instead of once per pattern.
	 */
	if (strncmp(pat, "\\b", 2) == 0 && !top_level_bar(pat))
		lp->word = true, pat += 2;
	if ((lp->re = strdup(pat)) == NULL)
		goto nomem;
	lx->n_patterns++;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/*
 * Joins the patterns in set, in file order: the \b-hoisted ones first
 * behind one \b, then the others, as the one alternation of all of
 * them was joined before patterns were grouped.
 */
static int
group_source(const struct lexicon *lx, const uint8_t *set, struct buf *out,
    bool *all_word)
{
	struct buf part[2];	/* hoisted, others */
	size_t i;
	int rc = -1, w;

	buf_init(&part[0], LEXICON_PATTERN_MAX);
	buf_init(&part[1], LEXICON_PATTERN_MAX);
	for (i = 0; i < lx->n_patterns; i++) {
		if (!bit_get(set, i))
			continue;
		w = lx->pats[i].word ? 0 : 1;
		if ((part[w].len > 0 && buf_addc(&part[w], '|') == -1) ||
		    buf_printf(&part[w], "(?:%s)(*:%zu)", lx->pats[i].re,
		    i) == -1)
			goto out;
	}
	if (part[0].len > 0 &&
	    buf_printf(out, "\\b(?:%s)", part[0].data) == -1)
		goto out;
	if (part[1].len > 0 && buf_printf(out, "%s%s",
	    out->len > 0 ? "|" : "", part[1].data) == -1)
		goto out;
	*all_word = part[1].len == 0;
	rc = 0;
out:
	buf_free(&part[0]);
	buf_free(&part[1]);
	return rc;
}

static int
group_compile(struct lexicon *lx, const uint8_t *set, const char *path,
    char *err, size_t errlen)
{
	struct lexicon_group *g = &lx->groups[lx->n_groups];
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE eoff;
	struct buf src;
	uint32_t caps = 0;
	int ec;

	buf_init(&src, LEXICON_PATTERN_MAX);
	if (group_source(lx, set, &src, &g->word) == -1) {
		buf_free(&src);
		snprintf(err, errlen, "%s: patterns too long", path);
		return -1;
	}
	/* Anchored at compile time: JIT code ignores it at match time. */
	g->re = pcre2_compile((PCRE2_SPTR)src.data, src.len,
	    LEXICON_OPTIONS | PCRE2_ANCHORED, &ec, &eoff, NULL);
	buf_free(&src);
	if (g->re == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(err, errlen, "%s: joined patterns: %s", path, msg);
		return -1;
	}
	lx->n_groups++;
	(void)pcre2_jit_compile(g->re, PCRE2_JIT_COMPLETE);
	(void)pcre2_pattern_info(g->re, PCRE2_INFO_CAPTURECOUNT, &caps);
	if (caps + 1 > lx->ovector_pairs)
		lx->ovector_pairs = caps + 1;
	return 0;
}

/*
 * One group per distinct set of patterns that may start on a byte.
 * UTF-8 continuation bytes get none: no match starts inside a
 * character.
 */
static int
groups_build(struct lexicon *lx, const char *path, char *err, size_t errlen)
{
	size_t setlen = (lx->n_patterns + 7) / 8, i;
	unsigned int c, d;
	uint8_t *sets;
	bool empty;

	if ((sets = calloc(LEXICON_BYTES, setlen)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (c = 0; c < LEXICON_BYTES; c++) {
		lx->group_of[c] = LEXICON_NO_GROUP;
		if (c >= 0x80 && c < 0xc0)
			continue;
		empty = true;
		for (i = 0; i < lx->n_patterns; i++)
			if (bit_get(lx->pats[i].first, c)) {
				bit_set(sets + c * setlen, (unsigned int)i);
				empty = false;
			}
		if (empty)
			continue;
		for (d = 0; d < c; d++)
			if (lx->group_of[d] != LEXICON_NO_GROUP &&
			    memcmp(sets + d * setlen, sets + c * setlen,
			    setlen) == 0)
				break;
		if (d < c) {
			lx->group_of[c] = lx->group_of[d];
			continue;
		}
		lx->group_of[c] = (uint16_t)lx->n_groups;
		if (group_compile(lx, sets + c * setlen, path, err,
		    errlen) == -1) {
			free(sets);
			return -1;
		}
	}
	free(sets);
	return 0;
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
	for (i = 0; i < lx->n_patterns; i++)
		free(lx->pats[i].re);
	for (i = 0; i < lx->n_groups; i++)
		pcre2_code_free(lx->groups[i].re);
	free(lx->pats);
	free(lx->pat_symbol);
	pcre2_match_context_free(lx->mctx);
	free(lx);
}

/* ASCII letters, digits and '_' are word characters under UCP too. */
static bool
ascii_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

/*
 * The group to try at text[p], or NULL where no pattern can start: a
 * byte no pattern starts on, or the inside of an ASCII word when every
 * pattern of the group wants a \b there.
 */
static const struct lexicon_group *
group_at(const struct lexicon *lx, const unsigned char *t, size_t p)
{
	uint16_t g = lx->group_of[t[p]];

	if (g == LEXICON_NO_GROUP)
		return NULL;
	if (lx->groups[g].word && p > 0 && ascii_word(t[p]) &&
	    ascii_word(t[p - 1]))
		return NULL;
	return &lx->groups[g];
}

size_t
lexicon_scan(const struct lexicon *lx, struct arena *a, const char *text,
    size_t len, struct lexicon_hit *hits, size_t max)
{
	bool seen[LEXICON_MAX_SYMBOLS] = { false };
	const unsigned char *t;
	const struct lexicon_group *g;
	pcre2_match_data *md;
	PCRE2_SPTR mark;
	PCRE2_SIZE *ov, off = 0;
	size_t n = 0, loops, k, sym;
	int rc = PCRE2_ERROR_NOMATCH;

	if (lx == NULL || text == NULL || len == 0 || max == 0 ||
	    (text = detect_utf8(a, text, len)) == NULL)
		return 0;
	if ((md = pcre2_match_data_create(lx->ovector_pairs, NULL)) == NULL)
		return 0;
	t = (const unsigned char *)text;
	ov = pcre2_get_ovector_pointer(md);
	for (loops = 0; off < len && n < max && loops < LEXICON_MAX_MATCHES;
	    loops++) {
		/* The leftmost position where some pattern matches. */
		for (; off < len; off++) {
			if ((g = group_at(lx, t, off)) == NULL)
				continue;
			rc = pcre2_match(g->re, t, len, off,
			    PCRE2_NO_UTF_CHECK, md, lx->mctx);
			if (rc != PCRE2_ERROR_NOMATCH)
				break;
		}
		if (off >= len || rc < 0)
			break;
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
		while (off < len && (t[off] & 0xc0) == 0x80)
			off++;
	}
	pcre2_match_data_free(md);
	return n;
}
