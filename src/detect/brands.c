/*
 * brands.c - the brands a phisher pretends to be (data/brands): their
 * names, their own domains, and finding the names in a text.
 *
 * data/brands has one brand per line:
 *	NAME | domain domain ... | name; name; ...
 * A name prefixed with "=" matches only in that letter case ("ING" the
 * bank, not "ing" in "Meeting"); "~" marks a weak name, one that is also
 * an ordinary word ("Post", "Apple") and counts only where a sender
 * names itself (display name, subject, logo), never in running text.
 *
 * All names of all brands are compiled once into two matchers (PCRE2,
 * JIT): a plain one, and a "claim" one that accepts a name only in the
 * sender's own voice ("Ihr IONOS Team", "(c) 2024 PayPal", "Sparkasse
 * Kundenservice").  Each alternative ends in (*MARK:n), so one pass
 * over a text says which name matched.  Names need a boundary on both
 * sides that is neither a letter nor a digit (Unicode properties), so
 * "ING" does not match inside "BOOKING".
 *
 * Speed: one alternation of all names, tried at every word start, cost
 * hundreds of instructions per byte.  A name can only start on a byte
 * of its first-byte set (PCRE2's start bitmap of the name alone), so
 * each matcher keeps, per byte value, an anchored alternation of just
 * the names that may start there, in the original order; a position is
 * tried only with its byte's, only where no letter or digit comes
 * before it, and only where the text's first letters are those of some
 * name (name_filter).  Most word starts part from every name by their
 * first three bytes, which one look-up in a table made at load says
 * (may3, 256 KB); the walk does not stop at white space, where no name
 * starts.  The claim matcher's other branch, "Ihr X" /
 * "(c) X", starts with a few fixed words and is searched for on its
 * own, tried only where one of them stands (voice_match); at one
 * position it wins, as it came first.  The matches are exactly those of
 * the single alternation.
 *
 * Whether a name, or the voice, matches at a position does not depend
 * on where the search began.  So one walk over the text asks at each
 * position the voice first, then the names, and the first yes is the
 * leftmost match (walk_match); reading each byte once through one table
 * (struct brands' walk) costs half of a walk for the voice and another
 * for the names.  Only an error (PCRE2's match limit) makes the
 * answers differ: the step-wise search stopped as soon as the voice's
 * search ahead failed, before the names in front of it, even where the
 * failure lay inside a name the walk then steps over (voice_fails); so
 * on an error the text is searched again that way (find_stepwise).
 *
 * Memory: heap, owned by struct brands, read-only after loading; a
 * search's match data and context live only for the call, made at its
 * first call into PCRE2.
 * Limits: BRANDS_MAX brands, BRANDS_MAX_DOMAINS domains and
 * BRANDS_MAX_NAMES names each; at most BRANDS_SCAN_MAX matches are
 * looked at per text.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <fnmatch.h>
#include <libpsl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "detect/firstbyte.h"
#include "detect/rxspace.h"
#include "detect/wordstarts.h"
#include "scan/scan.h"
#include "util/buf.h"
#include "util/str.h"

#define BRANDS_SCAN_MAX		64
#define BRANDS_PATTERN_MAX	(1024u * 1024)
#define BRANDS_OPTIONS		(PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS)
/* add_names() for every name at once, not those of one first byte. */
#define BRANDS_ALL		FIRSTBYTE_BYTES

struct brand_name {
	char	*text;
	int	 brand;
	bool	 cased;
	bool	 weak;
	uint8_t	 first[FIRSTBYTE_SET];	/* bytes a match can start on */
};

/*
 * Two lower-case ASCII bytes as one number, and
 * such a pair with a third letter hashed to 16 bits; sets of them are
 * bit sets.
 */
#define PAIR(a, b)	((unsigned int)(a) << 7 | (unsigned int)(b))
#define PAIRS		(128 * 128)
#define TRIPLE(k, c)	((((unsigned int)(k) << 7 | (unsigned int)(c)) * \
			    2654435761u) >> 16)
#define TRIPLES		(1u << 16)
/* The same of a triple and a fourth letter, into a set as large. */
#define QUAD(k, c, d)	((((((unsigned int)(k) << 7 | (unsigned int)(c)) << 7) | \
			    (unsigned int)(d)) * 2654435761u) >> 16)
#define MAY3		(128 * 128 * 128)
#define MAY3_BLANK	'A'
#define MAY3_HIGH	'B'
#define MAY3_AT(a, b, c)	((unsigned int)(a) << 14 | (unsigned int)(b) << 7 | \
	(unsigned int)(c))
#define BIT(set, i)	(((set)[(i) / 8] >> ((i) % 8)) & 1u)
#define HIGH_CHARS	0x10000
#define BIT_SET(set, i)	((set)[(i) / 8] |= (uint8_t)(1u << ((i) % 8)))

/*
 * A name's first (up to) eight letters other than blanks and hyphens,
 * lower-case, a byte each: what name_filter compares first.  Eight,
 * not four: "Mailing", "Installation" and "Commander" share their first
 * four with a name, and comparing them byte by byte cost more than all
 * the rest of the filter.
 */
#define NAME_KEY_LETTERS	8

struct name_key {
	uint64_t	 key, mask;
	uint16_t	 name;
};

/*
 * Bytes as name_filter reads them: ASCII in lower case, but FOLD_BLANK
 * for what [\s\-] matches and FOLD_HIGH for the rest.
 */
#define FOLD_BLANK	0x80
#define FOLD_HIGH	0x81

/*
 * A family glob ("sparkasse-*.de") with its literal ends: the bytes
 * before its first special character, which a registrable domain
 * matching it starts with, and those after its last '*' or '?' (none
 * when it has a class or an escape), which it ends with.
 */
struct brand_glob {
	const char	*glob;
	int		 brand;
	size_t		 pre_len;
	const char	*suf;
	size_t		 suf_len;
};

/* Name indices are filed as uint16_t. */
_Static_assert(BRANDS_MAX * BRANDS_MAX_NAMES <= UINT16_MAX,
    "too many brand names for uint16_t");

struct brands {
	struct brand		*v;
	size_t			 n;
	struct brand_name	*names;
	size_t			 n_names;
	struct detect_list	 owner;		/* domain -> brand index */
	struct brand_glob	*globs;		/* every brand's, in order */
	size_t			 n_globs;
	/* Per first byte, the anchored alternation of names starting there. */
	struct firstbyte_table	 plain;
	struct firstbyte_table	 claim;
	pcre2_code		*voice;	/* "Ihr X", "(c) X": claim's first branch */
	pcre2_match_context	*mctx;
	/*
	 * The names by their first two letters (name_filter): those of
	 * pair k are by_pair[pair_start[k] .. pair_start[k + 1]).
	 */
	uint16_t		 pair_start[PAIRS + 1];
	struct name_key		*by_pair;
	/*
	 * Hashed first three letters; pairs of a name that has only two;
	 * hashed triples of one that has only three, and first four
	 * letters of the others (name_may()).
	 */
	uint8_t			 triples[TRIPLES / 8];
	uint8_t			 short_pairs[PAIRS / 8];
	uint8_t			 short_triples[TRIPLES / 8];
	uint8_t			 quads[TRIPLES / 8];
	bool			 any_second[FIRSTBYTE_BYTES];
	/*
	 * The characters of two and three bytes (U+0080 to U+FFFF) a
	 * name may start with, a bit per code point; all of them when
	 * some name starts with a blank (high_first_build()).
	 */
	uint8_t			 high_first[HIGH_CHARS / 8];
	bool			 high_any;
	/*
	 * Where the voice can start: PCRE2's first bytes of CLAIM_BEFORE,
	 * and its literal beginnings (voice_match).
	 */
	bool			 voice_first[FIRSTBYTE_BYTES];
	bool			 mark_first[FIRSTBYTE_BYTES];	/* CLAIM_MARK's */
	struct firstbyte_table	 voice_begin;
	uint8_t			 voice_pairs[FIRSTBYTE_PAIRS / 8];
	/* ASCII letters and digits; bytes as name_filter reads them. */
	bool			 alnum[FIRSTBYTE_BYTES];
	uint8_t			 fold[FIRSTBYTE_BYTES];
	/*
	 * walk_match()'s table, per mode (plain, claim): at index
	 * WALK_AFTER_ALNUM (when the byte before is a letter or digit) |
	 * byte, what to ask there (WALK_NAME, WALK_VOICE).
	 */
	uint8_t			 walk[2][2 * FIRSTBYTE_BYTES];
	/* Where walk[] may ask, found 64 bytes at a time, per mode. */
	struct wordstarts	 walk_starts[2];
	/*
	 * The byte pairs (a << 8 | b) at which name_filter() may say yes,
	 * judged on a and b alone.
	 */
	uint8_t			 pair_ok[FIRSTBYTE_PAIRS / 8];
	/*
	 * name_may() at an ASCII byte a and the next two, by a and their
	 * classes (fold[], FOLD_BLANK as 'A' and FOLD_HIGH as 'B', which
	 * fold[] never gives): clear where it says no whatever follows.
	 */
	uint8_t			 may3[MAY3 / 8];
	uint8_t			 may_class[FIRSTBYTE_BYTES];
};

static void	may3_build(struct brands *);

#define WALK_AFTER_ALNUM	FIRSTBYTE_BYTES
#define WALK_NAME		0x01	/* a name may start here */
#define WALK_VOICE		0x02	/* the voice may start here */

static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

static int
add_label(struct brand *b, const char *domain)
{
	const char *reg, *dot;
	char *label;
	size_t i, n;

	reg = psl_registrable_domain(psl_builtin(), domain);
	if (reg == NULL)
		reg = domain;
	n = (dot = strchr(reg, '.')) != NULL ? (size_t)(dot - reg) :
	    strlen(reg);
	for (i = 0; i < b->n_labels; i++)
		if (strlen(b->labels[i]) == n &&
		    strncmp(b->labels[i], reg, n) == 0)
			return 0;
	if ((label = strndup(reg, n)) == NULL)
		return -1;
	b->label_lens[b->n_labels] = n;
	b->labels[b->n_labels++] = label;
	return 0;
}

static int
brand_line(void *arg, char *line, char *err, size_t errlen)
{
	struct brands *bs = arg;
	char *name, *doms, *names, *tok, *save, *nm;
	struct brand_name *nn;
	struct brand *b, *nv;
	bool generic;

	name = line;
	if ((doms = strchr(name, '|')) == NULL ||
	    (names = strchr(doms + 1, '|')) == NULL) {
		snprintf(err, errlen, "want NAME | domains | names");
		return -1;
	}
	*doms++ = '\0';
	*names++ = '\0';
	name = trim(name);
	if (*name == '\0' || bs->n >= BRANDS_MAX) {
		snprintf(err, errlen, *name ? "too many brands" : "no name");
		return -1;
	}
	if ((nv = realloc(bs->v, (bs->n + 1) * sizeof(*nv))) == NULL)
		goto nomem;
	bs->v = nv;
	b = &bs->v[bs->n];
	memset(b, 0, sizeof(*b));
	if ((b->name = strdup(name)) == NULL ||
	    (b->domains = calloc(BRANDS_MAX_DOMAINS, sizeof(char *))) ==
	    NULL || (b->labels = calloc(BRANDS_MAX_DOMAINS,
	    sizeof(char *))) == NULL || (b->label_lens =
	    calloc(BRANDS_MAX_DOMAINS, sizeof(size_t))) == NULL ||
	    (b->globs = calloc(BRANDS_MAX_DOMAINS, sizeof(char *))) == NULL)
		goto nomem_b;
	bs->n++;
	for (tok = strtok_r(doms, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (b->n_domains + b->n_globs == BRANDS_MAX_DOMAINS) {
			snprintf(err, errlen, "too many domains");
			return -1;
		}
		generic = tok[0] == '~';
		if (generic)
			tok++;
		if (strchr(tok, '*') != NULL) {
			if ((b->globs[b->n_globs] = strdup(tok)) == NULL)
				goto nomem;
			str_lower(b->globs[b->n_globs++]);
			continue;
		}
		if ((b->domains[b->n_domains] = strdup(tok)) == NULL)
			goto nomem;
		str_lower(b->domains[b->n_domains]);
		if (detect_list_add(&bs->owner, b->domains[b->n_domains],
		    (int)(bs->n - 1)) == -1 || (!generic &&
		    add_label(b, b->domains[b->n_domains]) == -1))
			goto nomem;
		b->n_domains++;
	}
	if (b->n_domains + b->n_globs == 0) {
		snprintf(err, errlen, "brand %s has no domain", name);
		return -1;
	}
	for (tok = strtok_r(names, ";", &save); tok != NULL;
	    tok = strtok_r(NULL, ";", &save)) {
		bool cased = false, weak = false;

		nm = trim(tok);
		for (;; nm++) {
			if (*nm == '=')
				cased = true;
			else if (*nm == '~')
				weak = true;
			else
				break;
		}
		if (*nm == '\0')
			continue;
		if (bs->n_names >= BRANDS_MAX * BRANDS_MAX_NAMES) {
			snprintf(err, errlen, "too many names");
			return -1;
		}
		nn = realloc(bs->names, (bs->n_names + 1) * sizeof(*nn));
		if (nn == NULL)
			goto nomem;
		bs->names = nn;
		nn = &bs->names[bs->n_names];
		if ((nn->text = strdup(nm)) == NULL)
			goto nomem;
		nn->brand = (int)(bs->n - 1);
		nn->cased = cased;
		nn->weak = weak;
		bs->n_names++;
	}
	return 0;
nomem_b:
	free(b->name);
	free(b->domains);
	free(b->labels);
	free(b->label_lens);
	free(b->globs);
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Longer names first, so "Deutsche Post" wins over "Post" at one place. */
static int
name_cmp(const void *a, const void *b)
{
	const struct brand_name *x = a, *y = b;
	size_t lx = strlen(x->text), ly = strlen(y->text);

	return lx < ly ? 1 : lx > ly ? -1 : 0;
}

/*
 * Appends name i as a literal (white space and hyphens between words
 * match any run of either) ended by its mark.
 */
static int
add_name(struct buf *p, const struct brands *bs, size_t i)
{
	const unsigned char *c;

	if (bs->names[i].cased)
		buf_adds(p, "(?-i:");
	for (c = (const unsigned char *)bs->names[i].text; *c; c++) {
		if (*c == ' ' || *c == '-') {
			while (c[1] == ' ' || c[1] == '-')
				c++;
			buf_adds(p, "[\\s\\-]*");
		} else if (*c < 0x80 && !((*c >= 'a' && *c <= 'z') ||
		    (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9'))) {
			buf_addc(p, '\\');
			buf_addc(p, (char)*c);
		} else
			buf_addc(p, (char)*c);
	}
	if (bs->names[i].cased)
		buf_addc(p, ')');
	return buf_printf(p, "(*:%zu)", i);
}

/*
 * Appends the alternation of the names that may start on byte c (or
 * its other case), or of all names when c is BRANDS_ALL; in the sorted
 * order.  Returns how many, -1 when too long.
 */
static int
add_names(struct buf *p, const struct brands *bs, unsigned int c)
{
	size_t i;
	int n = 0;

	buf_adds(p, "(?:");
	for (i = 0; i < bs->n_names; i++) {
		if (c < BRANDS_ALL &&
		    !firstbyte_may_start(bs->names[i].first, c))
			continue;
		if (n++ > 0)
			buf_addc(p, '|');
		add_name(p, bs, i);
	}
	return buf_adds(p, ")") == -1 ? -1 : n;
}

#define NB_BEFORE	"(?<![\\p{L}\\p{N}])"
#define NB_AFTER	"(?![\\p{L}\\p{N}])"
/*
 * The sender speaking: a copyright line, "Ihr X", "X Team".  English
 * "your X" is left out: technical writing says "your Outlook" all day.
 * The voice's first branch, a copyright mark, needs no boundary before
 * it ("xcopyright" has one); the second starts with \b and a letter,
 * which cannot match right after an ASCII letter or digit (walk_build()).
 */
#define CLAIM_MARK	"(?:\xc2\xa9|\\(c\\)|copyright)"
#define CLAIM_BEFORE	"(?:" CLAIM_MARK "\\s*" \
	"(?:\\d{4}(?:\\s*[-\xe2\x80\x93]\\s*\\d{4})?\\s*)?(?:by\\s+)?" \
	"|\\b(?:ihr|ihre|ihrem|ihres|dein|deine)\\s+)"
#define CLAIM_AFTER	"[\\s\\-]*(?:team|kundenservice|kundendienst|" \
	"kundenbetreuung|kundensupport|sicherheitsteam|servicecenter|" \
	"service[\\s\\-]*(?:team|center)|support[\\s\\-]*team|" \
	"security[\\s\\-]*(?:team|center|department)|account[\\s\\-]*team|" \
	"customer[\\s\\-]*(?:service|support|care)|online[\\s\\-]*banking|" \
	"(?:se|ag|gmbh)\\b)"

static bool
ascii_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* What [\s\-] matches in ASCII: \s is [\t\n\v\f\r ]. */
static bool
name_blank(unsigned char c)
{
	return c == ' ' || c == '-' || (c >= '\t' && c <= '\r');
}

static pcre2_code *
compile(const char *pat, size_t len, char *err, size_t errlen)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	pcre2_code *re;
	int ec;

	/* A voice match is tried at one place at a time: an offset limit. */
	re = rxspace_compile(pat, len, BRANDS_OPTIONS | PCRE2_USE_OFFSET_LIMIT,
	    &ec, &off);
	if (re == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(err, errlen, "brand pattern: %s at %zu", msg,
		    (size_t)off);
		return NULL;
	}
	/* Without JIT (some platforms) the interpreter still works. */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

/* The bytes a match of name i can start on. */
static void
name_first(struct brands *bs, size_t i)
{
	struct buf p;

	buf_init(&p, BRANDS_PATTERN_MAX);
	if (add_name(&p, bs, i) == -1)
		memset(bs->names[i].first, 0xff, FIRSTBYTE_SET);
	else
		firstbyte_of(p.data, p.len, BRANDS_OPTIONS,
		    bs->names[i].first);
	buf_free(&p);
}

/* What a matcher puts around the names of one first byte. */
struct matcher_source {
	const struct brands	*bs;
	const char		*before, *after;
};

static int
matcher_source(void *arg, unsigned int c, struct buf *out)
{
	const struct matcher_source *ms = arg;
	int k;

	if (buf_adds(out, ms->before) == -1 ||
	    (k = add_names(out, ms->bs, c)) == -1 ||
	    buf_adds(out, ms->after) == -1)
		return -1;
	if (k == 0)
		buf_reset(out);	/* no name starts on c */
	return 0;
}

/*
 * Per byte value, before + the names that may start there + after,
 * compiled anchored; bytes with the same text share it.
 */
static int
matcher_build(struct brands *bs, struct firstbyte_table *m,
    const char *before, const char *after, char *err, size_t errlen)
{
	struct matcher_source ms = { bs, before, after };
	struct buf p;
	size_t i;
	int rc = 0;

	if (firstbyte_build(m, matcher_source, &ms, BRANDS_OPTIONS,
	    BRANDS_PATTERN_MAX, "brand names", err, errlen) == -1)
		return -1;
	/* Every match starts with a name: their beginnings spare calls. */
	buf_init(&p, BRANDS_PATTERN_MAX);
	for (i = 0; i < bs->n_names && rc == 0; i++) {
		buf_reset(&p);
		if (add_name(&p, bs, i) == -1 ||
		    firstbyte_prefixes_add(m, p.data, p.len,
		    bs->names[i].first, BRANDS_OPTIONS) == -1) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
	}
	buf_free(&p);
	return rc;
}

/*
 * A name that starts on a non-ASCII letter ("Österreichische Post") can
 * start on an ASCII byte only if that letter matches it caselessly, as
 * U+212A does 'k'; PCRE2 is asked byte by byte (its start bitmap gives
 * up on such letters), and in doubt every byte is taken.
 */
static void
high_first(struct brands *bs, const unsigned char *c)
{
	pcre2_match_data *md = NULL;
	pcre2_code *re;
	PCRE2_SIZE off;
	size_t n = 1;
	unsigned char a;
	int ec;

	while ((c[n] & 0xc0) == 0x80)
		n++;
	re = pcre2_compile(c, n, BRANDS_OPTIONS | PCRE2_ANCHORED, &ec, &off,
	    NULL);
	if (re != NULL)
		md = pcre2_match_data_create(1, NULL);
	for (a = 0; a < 0x80; a++)
		if (md == NULL || pcre2_match(re, &a, 1, 0, 0, md, NULL) >= 0)
			bs->any_second[a] = true;
	pcre2_match_data_free(md);
	pcre2_code_free(re);
}

/*
 * Appends code point u to a character class as \x{...}.
 */
static int
class_add(struct buf *p, unsigned int u)
{
	return buf_printf(p, "\\x{%x}", u);
}

/* The code point of the UTF-8 character at s (n bytes), or -1. */
static long
utf8_char(const unsigned char *s, size_t n)
{
	if (n >= 1 && s[0] < 0x80)
		return s[0];
	if (n >= 2 && s[0] >= 0xc2 && s[0] <= 0xdf && (s[1] & 0xc0) == 0x80)
		return (long)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
	if (n >= 3 && s[0] >= 0xe0 && s[0] <= 0xef &&
	    (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
	    (s[0] != 0xe0 || s[1] >= 0xa0) && (s[0] != 0xed || s[1] < 0xa0))
		return (long)(s[0] & 0x0f) << 12 | (long)(s[1] & 0x3f) << 6 |
		    (s[2] & 0x3f);
	return -1;
}

/*
 * Every character of U+0080 to U+FFFF but the surrogates whose first
 * byte is in first, in UTF-8, into all (at most HIGH_TEXT bytes);
 * returns the length.
 */
#define HIGH_TEXT	(2 * (0x800 - 0x80) + 3 * (0x10000 - 0x800 - 0x800))

static size_t
high_text(unsigned char *all, const uint8_t first[FIRSTBYTE_SET])
{
	unsigned int lead, b, lo, hi, c;
	size_t n = 0;

	for (lead = 0xc2; lead <= 0xef; lead++) {
		if (!firstbyte_may_start(first, lead))
			continue;
		/* No overlong forms, no surrogates (U+D800 to U+DFFF). */
		lo = lead == 0xe0 ? 0xa0 : 0x80;
		hi = lead == 0xed ? 0x9f : 0xbf;
		for (b = lo; b <= hi; b++) {
			if (lead < 0xe0) {
				all[n++] = (unsigned char)lead;
				all[n++] = (unsigned char)b;
				continue;
			}
			for (c = 0x80; c <= 0xbf; c++) {
				all[n++] = (unsigned char)lead;
				all[n++] = (unsigned char)b;
				all[n++] = (unsigned char)c;
			}
		}
	}
	return n;
}

/*
 * Which characters of U+0080 to U+FFFF a name may start with: PCRE2
 * itself is asked, by a class of every name's first character (in the
 * name's case where it is marked so), since caseless matching lets
 * U+017F start "Sparkasse" and U+212A "Konto".  It searches a text of
 * those characters once, which costs less than a match per character,
 * and only of those whose first byte PCRE2 says a match may start on.
 * A name that starts with a blank or hyphen ([\s\-]*) may start with
 * any; so may one whose first character is not read (four bytes).
 * Every word of Japanese or Russian text and every quotation mark
 * otherwise went to PCRE2.  -1 when out of memory.
 */
static int
high_first_build(struct brands *bs)
{
	pcre2_match_data *md = NULL;
	pcre2_code *re = NULL;
	const unsigned char *c;
	uint8_t first[FIRSTBYTE_SET];
	unsigned char *all = NULL;
	PCRE2_SIZE off, *ov;
	struct buf p;
	size_t i, n;
	long f;
	int ec, rc = -1;

	/* U+0000 first: a class of no name would be "[]", not a class. */
	buf_init(&p, BRANDS_PATTERN_MAX);
	buf_adds(&p, "[\\x{0}");
	for (i = 0; i < bs->n_names; i++) {
		c = (const unsigned char *)bs->names[i].text;
		if (name_blank(c[0]) ||
		    (f = utf8_char(c, strlen((const char *)c))) < 0) {
			bs->high_any = true;
			buf_free(&p);
			return 0;
		}
		if (!bs->names[i].cased)
			class_add(&p, (unsigned int)f);
	}
	buf_adds(&p, "]|(?-i:[\\x{0}");
	for (i = 0; i < bs->n_names; i++) {
		c = (const unsigned char *)bs->names[i].text;
		if (bs->names[i].cased)
			class_add(&p, (unsigned int)utf8_char(c,
			    strlen((const char *)c)));
	}
	if (buf_adds(&p, "])") == -1)
		goto out;
	if ((re = pcre2_compile((PCRE2_SPTR)p.data, p.len, BRANDS_OPTIONS,
	    &ec, &off, NULL)) == NULL ||
	    (md = pcre2_match_data_create(1, NULL)) == NULL ||
	    (all = malloc(HIGH_TEXT)) == NULL)
		goto out;
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	firstbyte_of(p.data, p.len, BRANDS_OPTIONS, first);
	n = high_text(all, first);
	/* Each match is one character; in doubt, every one may start. */
	ov = pcre2_get_ovector_pointer(md);
	for (off = 0; off < n; off = ov[1]) {
		ec = pcre2_match(re, all, n, off, PCRE2_NO_UTF_CHECK, md,
		    NULL);
		if (ec == PCRE2_ERROR_NOMATCH)
			break;
		if (ec < 0 || ov[1] <= ov[0] ||
		    (f = utf8_char(all + ov[0], n - ov[0])) < 0) {
			bs->high_any = true;
			break;
		}
		BIT_SET(bs->high_first, (unsigned long)f);
	}
	rc = 0;
out:
	free(all);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	buf_free(&p);
	return rc;
}

/*
 * Whether a name may start at the non-ASCII byte t[p]: by the table
 * of high_first_build() where it begins a character of two or three
 * bytes, else (four bytes, a byte inside a character, broken UTF-8)
 * maybe.
 */
static bool
high_may_start(const struct brands *bs, const unsigned char *t, size_t len,
    size_t p)
{
	long u;

	if (bs->high_any || (u = utf8_char(t + p, len - p)) < 0)
		return true;
	return BIT(bs->high_first, (unsigned long)u);
}

/*
 * Files the names by their first two letters other than blanks and
 * hyphens, for name_filter, and fills the tables it reads bytes with.
 * A name without two ASCII ones there leaves every second byte
 * possible after its first.
 */
static int
name_filter_build(struct brands *bs)
{
	const unsigned char *c;
	unsigned int *key, a;
	struct name_key *nk;
	uint16_t *at;
	size_t i, j, k;

	for (a = 0; a < FIRSTBYTE_BYTES; a++) {
		bs->alnum[a] = a < 0x80 && ascii_alnum((unsigned char)a);
		bs->fold[a] = a >= 0x80 ? FOLD_HIGH :
		    name_blank((unsigned char)a) ? FOLD_BLANK :
		    str_lc((unsigned char)a);
	}
	key = calloc(bs->n_names, sizeof(*key));
	at = calloc(PAIRS, sizeof(*at));
	bs->by_pair = calloc(bs->n_names + 1, sizeof(*bs->by_pair));
	if (key == NULL || at == NULL || bs->by_pair == NULL) {
		free(key);
		free(at);
		return -1;
	}
	for (i = 0; i < bs->n_names; i++) {
		c = (const unsigned char *)bs->names[i].text;
		for (k = 1; c[k] == ' ' || c[k] == '-'; k++)
			;
		key[i] = PAIRS;
		if (c[0] >= 0x80)
			high_first(bs, c);
		else if (name_blank(c[0])) {
			for (a = 0; a < 0x80; a++)
				if (firstbyte_may_start(bs->names[i].first, a))
					bs->any_second[a] = true;
		} else if (c[k] == '\0' || c[k] >= 0x80) {
			bs->any_second[str_lc(c[0])] = true;
			bs->any_second[c[0] >= 'a' && c[0] <= 'z' ?
			    c[0] - 'a' + 'A' : c[0]] = true;
		} else {
			key[i] = PAIR(str_lc(c[0]), str_lc(c[k]));
			bs->pair_start[key[i] + 1]++;
		}
	}
	for (k = 0; k < PAIRS; k++) {
		bs->pair_start[k + 1] += bs->pair_start[k];
		at[k] = bs->pair_start[k];
	}
	for (i = 0; i < bs->n_names; i++) {
		if (key[i] == PAIRS)
			continue;
		nk = &bs->by_pair[at[key[i]]++];
		nk->name = (uint16_t)i;
		c = (const unsigned char *)bs->names[i].text;
		for (j = k = 0; j < NAME_KEY_LETTERS; j++, k++) {
			while (j > 0 && (c[k] == ' ' || c[k] == '-'))
				k++;
			if (c[k] == '\0' || c[k] >= 0x80)
				break;
			nk->key |= (uint64_t)str_lc(c[k]) << (8 * j);
			nk->mask |= (uint64_t)0xff << (8 * j);
		}
		if (j == 2) {
			BIT_SET(bs->short_pairs, key[i]);
			continue;
		}
		BIT_SET(bs->triples, TRIPLE(key[i], (nk->key >> 16) & 0xff));
		if (j == 3)
			BIT_SET(bs->short_triples, TRIPLE(key[i],
			    (nk->key >> 16) & 0xff));
		else
			BIT_SET(bs->quads, QUAD(key[i], (nk->key >> 16) & 0xff,
			    (nk->key >> 24) & 0xff));
	}
	free(key);
	free(at);
	return 0;
}

/*
 * Where the voice (CLAIM_BEFORE) can start, read off the pattern
 * itself: its first bytes, and its literal beginnings ("(c)", "ihr")
 * for firstbyte_prefix_at().  -1 when out of memory.
 */
static int
voice_build(struct brands *bs)
{
	uint8_t first[FIRSTBYTE_SET];
	unsigned int a;

	firstbyte_of(CLAIM_BEFORE, strlen(CLAIM_BEFORE), BRANDS_OPTIONS,
	    first);
	for (a = 0; a < FIRSTBYTE_BYTES; a++)
		bs->voice_first[a] = firstbyte_may_start(first, a);
	firstbyte_of(CLAIM_MARK, strlen(CLAIM_MARK), BRANDS_OPTIONS, first);
	for (a = 0; a < FIRSTBYTE_BYTES; a++)
		bs->mark_first[a] = bs->voice_first[a] &&
		    firstbyte_may_start(first, a);
	if (firstbyte_prefixes_add(&bs->voice_begin, CLAIM_BEFORE,
	    strlen(CLAIM_BEFORE), first, BRANDS_OPTIONS) == -1)
		return -1;
	firstbyte_pairs(&bs->voice_begin, bs->voice_pairs);
	return 0;
}

/* The globs of all brands, in the order brands_owner() tries them. */
static int
globs_build(struct brands *bs)
{
	struct brand_glob *g;
	const char *p;
	size_t i, j, n = 0;

	for (i = 0; i < bs->n; i++)
		n += bs->v[i].n_globs;
	if (n == 0)
		return 0;
	if ((bs->globs = calloc(n, sizeof(*bs->globs))) == NULL)
		return -1;
	for (i = 0; i < bs->n; i++)
		for (j = 0; j < bs->v[i].n_globs; j++) {
			g = &bs->globs[bs->n_globs++];
			g->glob = bs->v[i].globs[j];
			g->brand = (int)i;
			g->pre_len = strcspn(g->glob, "*?[\\");
			g->suf = g->glob + strlen(g->glob);
			if (strpbrk(g->glob, "[\\") != NULL)
				continue;
			for (p = g->glob; *p != '\0'; p++)
				if (*p == '*' || *p == '?')
					g->suf = p + 1;
			g->suf_len = strlen(g->suf);
		}
	return 0;
}

/*
 * Whether name_filter() says no at byte a whatever follows: a blank
 * that starts no filed name (every name that may start on one leaves
 * any_second[] set for it).  The walk stops at white space no more.
 */
static bool
name_never(const struct brands *bs, unsigned int a)
{
	return a < 0x80 && !bs->any_second[a] && bs->fold[a] == FOLD_BLANK;
}

/*
 * Whether no name of matcher m is ever tried at an ASCII byte a,
 * whatever follows: name_filter() says no there (name_never()), or the
 * byte has no group, or no literal beginning of a name starts with it,
 * so that firstbyte_group_at() says no.  A beginning is read from its
 * first byte on: where the byte alone, at the end of a text, fits none,
 * no text that starts with it does.  No name starts on punctuation, so
 * the walk's mask leaves it out instead of asking at every byte of
 * "-----" and ">>>" and after every word.
 */
static bool
name_dead(const struct brands *bs, const struct firstbyte_table *m,
    unsigned int a)
{
	unsigned char c = (unsigned char)a;

	if (a >= 0x80)
		return firstbyte_group(m, c) == NULL;
	return firstbyte_group(m, c) == NULL || name_never(bs, a) ||
	    (m->prefixes && !m->always[a] &&
	    !firstbyte_prefix_at(m, &c, 1, 0));
}

/*
 * walk_match()'s tables, read off the ones the step-wise walks use: a
 * name may start where no ASCII letter or digit comes before and the
 * matcher may try one on the byte (name_dead()), the voice on its
 * first bytes; and
 * after an ASCII letter or digit, where \b fails before a letter, only
 * on CLAIM_MARK's.  The bytes that ask anything in either case are
 * what the walk's mask is made of (alnum[] is wordstarts' word
 * character without '_').
 */
static void
walk_build(struct brands *bs)
{
	const struct firstbyte_table *m;
	bool starts[FIRSTBYTE_BYTES], after[FIRSTBYTE_BYTES];
	unsigned int a, b, fa, fb, mode;
	uint8_t v;

	for (mode = 0; mode < 2; mode++) {
		m = mode ? &bs->claim : &bs->plain;
		for (a = 0; a < FIRSTBYTE_BYTES; a++) {
			v = mode && bs->mark_first[a] ? WALK_VOICE : 0;
			bs->walk[mode][WALK_AFTER_ALNUM | a] = v;
			after[a] = v != 0;
			if (mode && bs->voice_first[a])
				v |= WALK_VOICE;
			if (!name_dead(bs, m, a))
				v |= WALK_NAME;
			bs->walk[mode][a] = v;
			starts[a] = v != 0;
		}
		wordstarts_init(&bs->walk_starts[mode], starts, after, false);
	}
	/* name_filter()'s first steps, where the second byte is no blank. */
	for (a = 0; a < FIRSTBYTE_BYTES; a++)
		for (b = 0; b < FIRSTBYTE_BYTES; b++) {
			fa = bs->fold[a];
			fb = bs->fold[b];
			if (a < 0x80 && !bs->any_second[a] &&
			    (fa >= FOLD_BLANK || (fb < FOLD_BLANK &&
			    bs->pair_start[PAIR(fa, fb)] ==
			    bs->pair_start[PAIR(fa, fb) + 1])))
				continue;
			BIT_SET(bs->pair_ok, a << 8 | b);
		}
}

int
brands_load(struct brands **out, const char *path, char *err, size_t errlen)
{
	struct brands *bs;
	struct buf p;
	size_t i;

	*out = NULL;
	if ((bs = calloc(1, sizeof(*bs))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (detect_data_read(path, brand_line, bs, err, errlen) == -1)
		goto fail;
	if (bs->n_names == 0) {
		snprintf(err, errlen, "%s: no brand names", path);
		goto fail;
	}
	if (globs_build(bs) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	qsort(bs->names, bs->n_names, sizeof(*bs->names), name_cmp);
	for (i = 0; i < bs->n_names; i++)
		name_first(bs, i);
	if (name_filter_build(bs) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (high_first_build(bs) == -1 || voice_build(bs) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}

	/*
	 * The claims spoken by the sender ("Ihr X", "(c) X") are searched
	 * apart; compiling every name in it also gives a bad brands file
	 * its error before the per-byte groups are built.
	 */
	buf_init(&p, BRANDS_PATTERN_MAX);
	buf_adds(&p, CLAIM_BEFORE);
	add_names(&p, bs, BRANDS_ALL);
	if (buf_adds(&p, NB_AFTER) == -1 ||
	    (bs->voice = compile(p.data, p.len, err, errlen)) == NULL) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: too many names", path);
		buf_free(&p);
		goto fail;
	}
	buf_free(&p);
	if (matcher_build(bs, &bs->plain, NB_BEFORE, NB_AFTER, err,
	    errlen) == -1 || matcher_build(bs, &bs->claim, NB_BEFORE,
	    CLAIM_AFTER, err, errlen) == -1)
		goto fail;
	walk_build(bs);
	may3_build(bs);
	if ((bs->mctx = pcre2_match_context_create(NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	pcre2_set_match_limit(bs->mctx, LEXICON_MATCH_LIMIT);
	*out = bs;
	return 0;
fail:
	brands_free(bs);
	return -1;
}

void
brands_free(struct brands *bs)
{
	size_t i, j;

	if (bs == NULL)
		return;
	for (i = 0; i < bs->n; i++) {
		for (j = 0; j < bs->v[i].n_domains; j++)
			free(bs->v[i].domains[j]);
		for (j = 0; j < bs->v[i].n_labels; j++)
			free(bs->v[i].labels[j]);
		for (j = 0; j < bs->v[i].n_globs; j++)
			free(bs->v[i].globs[j]);
		free(bs->v[i].globs);
		free(bs->v[i].domains);
		free(bs->v[i].labels);
		free(bs->v[i].label_lens);
		free(bs->v[i].name);
	}
	for (i = 0; i < bs->n_names; i++)
		free(bs->names[i].text);
	free(bs->names);
	free(bs->by_pair);
	free(bs->globs);
	free(bs->v);
	detect_list_free(&bs->owner);
	firstbyte_free(&bs->plain);
	firstbyte_free(&bs->claim);
	firstbyte_free(&bs->voice_begin);
	pcre2_code_free(bs->voice);
	pcre2_match_context_free(bs->mctx);
	free(bs);
}

size_t
brands_count(const struct brands *bs)
{
	return bs != NULL ? bs->n : 0;
}

const struct brand *
brands_get(const struct brands *bs, int i)
{
	return (bs != NULL && i >= 0 && (size_t)i < bs->n) ? &bs->v[i] : NULL;
}

/*
 * Whether glob g may match the registrable domain of host (n bytes):
 * that domain is host or what follows one of its dots (libpsl points
 * into its argument), so it ends where host ends and starts at a label.
 */
static bool
glob_may_match(const struct brand_glob *g, const char *host, size_t n)
{
	const char *p;

	if (n < g->suf_len ||
	    memcmp(host + n - g->suf_len, g->suf, g->suf_len) != 0)
		return false;
	for (p = host; p != NULL; p = (p = strchr(p, '.')) ? p + 1 : NULL)
		if (strncmp(p, g->glob, g->pre_len) == 0)
			return true;
	return false;
}

int
brands_owner(const struct brands *bs, const char *host)
{
	const char *reg = NULL;
	size_t i, n;
	int v;

	if (bs == NULL || host == NULL)
		return -1;
	if (detect_list_find(&bs->owner, host, NULL, &v) != NULL)
		return v;
	/*
	 * Families such as the savings banks' sparkasse-REGION.de.  The
	 * public suffix list costs thousands of instructions, and most
	 * hosts end or begin like no glob.
	 */
	n = strlen(host);
	for (i = 0; i < bs->n_globs; i++) {
		if (!glob_may_match(&bs->globs[i], host, n))
			continue;
		if (reg == NULL &&
		    (reg = psl_registrable_domain(psl_builtin(), host)) == NULL)
			return -1;
		if (fnmatch(bs->globs[i].glob, reg, 0) == 0)
			return bs->globs[i].brand;
	}
	return -1;
}

static long
mark_index(PCRE2_SPTR mark)
{
	long v = 0;

	if (mark == NULL || *mark == '\0')
		return -1;
	for (; *mark != '\0'; mark++) {
		if (*mark < '0' || *mark > '9' || v > 10000000)
			return -1;
		v = v * 10 + (*mark - '0');
	}
	return v;
}

/*
 * Whether name nm may match at t[p], judged on its ASCII bytes up to
 * the first that is not: what add_name() makes of it, a literal in
 * which blanks and hyphens match any run of [\s\-].  A non-ASCII byte
 * in the text may be a caseless partner or a Unicode blank, so there
 * PCRE2 has to say.
 */
static bool
name_fits(const struct brand_name *nm, const unsigned char *t, size_t len,
    size_t p)
{
	const unsigned char *c = (const unsigned char *)nm->text;

	while (*c != '\0') {
		if (*c == ' ' || *c == '-') {
			while (*c == ' ' || *c == '-')
				c++;
			while (p < len && name_blank(t[p]))
				p++;
			continue;
		}
		if (*c >= 0x80 || p == len || t[p] >= 0x80)
			return true;
		if (nm->cased ? t[p] != *c : str_lc(t[p]) != str_lc(*c))
			return false;
		c++;
		p++;
	}
	return true;
}

/*
 * The next byte from t[*q] on that is not [\s\-], folded; FOLD_HIGH at
 * the end of the text too.
 */
static unsigned int
next_fold(const uint8_t *fold, const unsigned char *t, size_t len,
    size_t *q)
{
	unsigned int f;

	for (; *q < len; (*q)++)
		if ((f = fold[t[*q]]) != FOLD_BLANK)
			return f;
	return FOLD_HIGH;
}

/*
 * Whether some name may start at t[p]: only those whose first two
 * letters (blanks and hyphens passed over) are the text's are compared,
 * after a hashed look at the third.  In German nearly every word starts
 * on a byte some name starts on, and the firstbyte table's literal
 * beginnings end at a name's first blank ("S-pushTAN" lets every word
 * on 's' through), while a call into PCRE2 costs hundreds of
 * instructions.
 */
static bool
name_filter(const struct brands *bs, const unsigned char *t, size_t len,
    size_t p)
{
	const uint8_t *fold = bs->fold;
	const struct name_key *nk;
	uint64_t key, have = 0xffff;
	unsigned int a = t[p], b, k;
	size_t q = p + 1, i, j;

	if (a >= 0x80)
		return high_may_start(bs, t, len, p);
	if (bs->any_second[a])
		return true;
	if ((a = fold[a]) >= FOLD_BLANK)
		return false;	/* no filed name starts on a blank */
	if ((b = next_fold(fold, t, len, &q)) == FOLD_HIGH)
		return true;
	k = PAIR(a, b);
	if (bs->pair_start[k] == bs->pair_start[k + 1])
		return false;
	key = a | b << 8;
	for (j = 2; j < NAME_KEY_LETTERS; j++) {
		q++;
		if ((b = next_fold(fold, t, len, &q)) == FOLD_HIGH)
			break;	/* name_fits() judges the rest */
		/* Most words part from every name at their third letter. */
		if (j == 2 && !BIT(bs->short_pairs, k) &&
		    !BIT(bs->triples, TRIPLE(k, b)))
			return false;
		key |= (uint64_t)b << (8 * j);
		have |= (uint64_t)0xff << (8 * j);
	}
	for (i = bs->pair_start[k]; i < bs->pair_start[k + 1]; i++) {
		nk = &bs->by_pair[i];
		if (((key ^ nk->key) & nk->mask & have) == 0 &&
		    name_fits(&bs->names[nk->name], t, len, p))
			return true;
	}
	return false;
}

/*
 * The alternation of matcher m to try at t[p], where no letter or
 * digit comes before it, or NULL where no name can match.
 */
static const pcre2_code *
name_group(const struct brands *bs, const struct firstbyte_table *m,
    const unsigned char *t, size_t len, size_t p)
{
	if (firstbyte_group(m, t[p]) == NULL || !name_filter(bs, t, len, p))
		return NULL;
	return firstbyte_group_at(m, t, len, p);
}

/*
 * Whether a name of matcher m matches at t[p], where no letter or digit
 * comes before it; into md, PCRE2's result code in *rc.
 */
static bool
name_at(const struct brands *bs, const struct firstbyte_table *m,
    const unsigned char *t, size_t len, size_t p, pcre2_match_data *md,
    int *rc)
{
	const pcre2_code *re;

	if ((re = name_group(bs, m, t, len, p)) == NULL)
		return false;
	*rc = pcre2_match(re, t, len, p, PCRE2_NO_UTF_CHECK, md, bs->mctx);
	return *rc != PCRE2_ERROR_NOMATCH;
}

/* A byte of class c (may_class[]). */
static unsigned char
may3_byte(unsigned int c)
{
	return c == MAY3_BLANK ? ' ' : c == MAY3_HIGH ? 0xc3 : (unsigned char)c;
}

/*
 * Whether name_filter() may say yes at t[p], judged on tables without
 * a call: most word starts part from every name at their first two
 * bytes, and where those are ASCII letters, at the third or the fourth
 * (blanks passed over, as name_filter() reads it; it compares the
 * first four letters of a name, or all when it has fewer).
 */
static bool
name_may_slow(const struct brands *bs, const unsigned char *t, size_t len,
    size_t p)
{
	unsigned int a = t[p], fb = FOLD_HIGH, fc = FOLD_HIGH, fd = FOLD_HIGH;
	unsigned int k;
	size_t q;

	if (p + 1 >= len)
		return true;
	if (!BIT(bs->pair_ok, a << 8 | t[p + 1]))
		return false;
	if (a >= 0x80 || bs->any_second[a])
		return true;
	/* "a b", "i ..." and "> ...": the second letter is past blanks. */
	for (q = p + 1; q < len && (fb = bs->fold[t[q]]) == FOLD_BLANK; q++)
		;
	if (q == len || fb == FOLD_HIGH)
		return true;
	k = PAIR(bs->fold[a], fb);
	if (bs->pair_start[k] == bs->pair_start[k + 1])
		return false;
	for (q++; q < len && (fc = bs->fold[t[q]]) == FOLD_BLANK; q++)
		;
	if (q == len || fc == FOLD_HIGH)
		return true;
	if (BIT(bs->short_pairs, k))
		return true;
	if (!BIT(bs->triples, TRIPLE(k, fc)))
		return false;
	if (BIT(bs->short_triples, TRIPLE(k, fc)))
		return true;
	for (q++; q < len && (fd = bs->fold[t[q]]) == FOLD_BLANK; q++)
		;
	if (q == len || fd == FOLD_HIGH)
		return true;
	return BIT(bs->quads, QUAD(k, fc, fd));
}

/*
 * name_may_slow(), most word starts settled by their first three bytes
 * in one look-up (may3_build()).
 */
static inline bool
name_may(const struct brands *bs, const unsigned char *t, size_t len,
    size_t p)
{
	const uint8_t *cl = bs->may_class;

	if (p + 2 < len && t[p] < 0x80 &&
	    !BIT(bs->may3, MAY3_AT(t[p], cl[t[p + 1]], cl[t[p + 2]])))
		return false;
	return name_may_slow(bs, t, len, p);
}

/*
 * name_may()'s table: name_may_slow() on each ASCII byte followed by a
 * byte of each class, three bytes of text.  Where it says no there, it
 * said so before reading past them, so it says no whatever follows;
 * where it needs more text it says yes.  It reads the next two bytes
 * only through fold[] and pair_ok[], which is by fold[] of the second
 * too, so one byte stands for its class.
 */
static void
may3_build(struct brands *bs)
{
	unsigned char txt[3];
	unsigned int a, b, c, x;
	bool used[0x80] = { false };

	for (x = 0; x < FIRSTBYTE_BYTES; x++) {
		bs->may_class[x] = bs->fold[x] == FOLD_BLANK ? MAY3_BLANK :
		    bs->fold[x] == FOLD_HIGH ? MAY3_HIGH : bs->fold[x];
		used[bs->may_class[x]] = true;
	}
	/* Only classes a byte has: no upper-case letter but 'A' and 'B'. */
	for (a = 0; a < 0x80; a++)
		for (b = 0; b < 0x80; b++) {
			txt[0] = (unsigned char)a;
			txt[1] = may3_byte(b);
			if (!used[b] || !BIT(bs->pair_ok, a << 8 | txt[1]))
				continue;
			for (c = 0; c < 0x80; c++) {
				if (!used[c])
					continue;
				txt[2] = may3_byte(c);
				if (name_may_slow(bs, txt, 3, 0))
					BIT_SET(bs->may3, MAY3_AT(a, b, c));
			}
		}
}

/*
 * The leftmost name in [from, last) (and before len) of matcher m, into
 * md; PCRE2's result code.  A name needs no letter or digit before it,
 * so positions after an ASCII one are passed over.
 */
static int
names_match(const struct brands *bs, const struct firstbyte_table *m,
    const unsigned char *t, size_t len, size_t from, size_t last,
    pcre2_match_data *md)
{
	const bool *alnum = bs->alnum;
	size_t p;
	int rc;

	if (last > len)
		last = len;
	for (p = from; p < last; p++) {
		if (p > 0 && alnum[t[p - 1]]) {
			/* Inside a word: past its end, which follows it too. */
			while (p < last && alnum[t[p]])
				p++;
			continue;
		}
		if (name_at(bs, m, t, len, p, md, &rc))
			return rc;
	}
	return PCRE2_ERROR_NOMATCH;
}

/*
 * Whether the voice may match at t[p].  Searching the text with the
 * voice itself tries it on every 'c', 'd' and 'i'; it is tried only
 * where one of its literal beginnings fits.  Most of those letters are
 * followed by one no beginning goes on with ("ch", "di"): the pair
 * alone says so.
 */
static inline bool
voice_may(const struct brands *bs, const unsigned char *t, size_t len,
    size_t p)
{
	const unsigned char *s = t + p;

	if (!bs->voice_first[s[0]])
		return false;
	return bs->voice_begin.always[s[0]] || ((p + 1 >= len ||
	    BIT(bs->voice_pairs, (unsigned int)s[0] << 8 | s[1])) &&
	    firstbyte_prefix_at(&bs->voice_begin, t, len, p));
}

/*
 * Whether the voice matches at t[p], limited to start just there; into
 * md, PCRE2's result code in *rc.
 */
static inline bool
voice_at(const struct brands *bs, pcre2_match_context *mctx,
    const unsigned char *t, size_t len, size_t p, pcre2_match_data *md,
    int *rc)
{
	if (!voice_may(bs, t, len, p))
		return false;
	pcre2_set_offset_limit(mctx, p);
	*rc = pcre2_match(bs->voice, t, len, p, PCRE2_NO_UTF_CHECK, md, mctx);
	return *rc != PCRE2_ERROR_NOMATCH;
}

/*
 * The leftmost match of the voice in [from, len), into md, its start
 * in *at (len when none); PCRE2's result code.
 */
static int
voice_match(const struct brands *bs, pcre2_match_context *mctx,
    const unsigned char *t, size_t len, size_t from, pcre2_match_data *md,
    size_t *at)
{
	size_t p;
	int rc;

	for (p = from; p < len; p++)
		if (voice_at(bs, mctx, t, len, p, md, &rc)) {
			*at = rc >= 0 ? pcre2_get_ovector_pointer(md)[0] : p;
			return rc;
		}
	*at = len;
	return PCRE2_ERROR_NOMATCH;
}

/*
 * What a search hands PCRE2: match data for a name and for the voice,
 * and the voice's context (its offset limit is set per position).  Made
 * when the walk first calls PCRE2: most display names, subjects and alt
 * texts never get there, and making them cost more than their walk.
 */
struct find {
	pcre2_match_context	*vctx;
	pcre2_match_data	*md, *vmd;
};

/* Makes f's parts if not yet made; false when out of memory. */
static bool
find_ready(const struct brands *bs, struct find *f)
{
	if (f->md != NULL)
		return true;
	if ((f->md = pcre2_match_data_create(2, NULL)) == NULL ||
	    (f->vmd = pcre2_match_data_create(2, NULL)) == NULL ||
	    (f->vctx = pcre2_match_context_copy(bs->mctx)) == NULL) {
		pcre2_match_data_free(f->md);
		pcre2_match_data_free(f->vmd);
		f->md = f->vmd = NULL;
		return false;
	}
	return true;
}

static void
find_free(struct find *f)
{
	pcre2_match_data_free(f->md);
	pcre2_match_data_free(f->vmd);
	pcre2_match_context_free(f->vctx);
}

#define WALK_NOMEM	(-2)

/*
 * The leftmost match at or after off: of the voice (claim only), which
 * wins at a position, else of a name of m; *use is f's vmd or md, which
 * holds it.  1 when found, 0 when none, -1 on an error, WALK_NOMEM when
 * f could not be made.  Only the bytes of the mode's mask are looked
 * at: the walk used to step through every byte of every word to find
 * them.
 */
static int
walk_match(const struct brands *bs, const struct firstbyte_table *m,
    struct find *f, const unsigned char *t, size_t len, size_t off,
    bool claim, pcre2_match_data **use)
{
	const uint8_t *walk = bs->walk[claim];
	const pcre2_code *re;
	unsigned int v;
	uint64_t ask;
	size_t base, q;
	int rc;

	for (base = off; base < len; base += 64)
		for (ask = wordstarts_mask(&bs->walk_starts[claim], t, base,
		    len); ask != 0; ask &= ask - 1) {
			q = base + (size_t)__builtin_ctzll(ask);
			v = walk[(q > 0 && bs->alnum[t[q - 1]] ?
			    WALK_AFTER_ALNUM : 0) | t[q]];
			if ((v & WALK_VOICE) && voice_may(bs, t, len, q)) {
				if (!find_ready(bs, f))
					return WALK_NOMEM;
				pcre2_set_offset_limit(f->vctx, q);
				rc = pcre2_match(bs->voice, t, len, q,
				    PCRE2_NO_UTF_CHECK, f->vmd, f->vctx);
				if (rc != PCRE2_ERROR_NOMATCH) {
					*use = f->vmd;
					return rc >= 0 ? 1 : -1;
				}
			}
			if ((v & WALK_NAME) && name_may(bs, t, len, q) &&
			    (re = name_group(bs, m, t, len, q)) != NULL) {
				if (!find_ready(bs, f))
					return WALK_NOMEM;
				rc = pcre2_match(re, t, len, q,
				    PCRE2_NO_UTF_CHECK, f->md, bs->mctx);
				if (rc != PCRE2_ERROR_NOMATCH) {
					*use = f->md;
					return rc >= 0 ? 1 : -1;
				}
			}
		}
	return 0;
}

/*
 * Whether the voice fails (PCRE2's error) at its first position in
 * [from, to) where it does not simply miss.  The step-wise search had
 * looked at the voice ahead of a name it then took, up to the voice's
 * first match: inside the name's span too, which the walk passes over.
 */
static bool
voice_fails(const struct brands *bs, pcre2_match_context *vctx,
    const unsigned char *t, size_t to, size_t len, size_t from,
    pcre2_match_data *vmd)
{
	size_t p;
	int rc;

	for (p = from; p < to && p < len; p++)
		if (voice_at(bs, vctx, t, len, p, vmd, &rc))
			return rc < 0;
	return false;
}

static void
hit_add(const struct brands *bs, pcre2_match_data *md,
    struct brand_hit *hits, size_t *n, size_t max)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	const struct brand_name *nm;
	long k;
	size_t i;

	k = mark_index(pcre2_get_mark(md));
	if (k < 0 || (size_t)k >= bs->n_names)
		return;
	nm = &bs->names[k];
	for (i = 0; i < *n; i++)
		if (hits[i].brand == nm->brand)
			break;
	if (i < *n) {
		if (hits[i].weak && !nm->weak) {
			hits[i].weak = false;
			hits[i].off = ov[0];
			hits[i].len = ov[1] - ov[0];
		}
	} else if (*n < max) {
		hits[*n].brand = nm->brand;
		hits[*n].weak = nm->weak;
		hits[*n].off = ov[0];
		hits[*n].len = ov[1] - ov[0];
		(*n)++;
	}
}

/*
 * The search step by step: the voice's next match searched ahead, the
 * names only before it.  What brands_find() answered before it walked
 * the text once; it still does this where PCRE2 fails.
 */
static size_t
find_stepwise(const struct brands *bs, const struct firstbyte_table *m,
    pcre2_match_context *vctx, const unsigned char *t, size_t len,
    bool claim, pcre2_match_data *md, pcre2_match_data *vmd,
    struct brand_hit *hits, size_t max)
{
	pcre2_match_data *use;
	PCRE2_SIZE *ov, off = 0;
	size_t n = 0, loops, voice_at = 0;
	bool voice_known = false;
	int rc;

	for (loops = 0; off < len && loops < BRANDS_SCAN_MAX; loops++) {
		/*
		 * A match of the voice branch does not depend on where the
		 * search began: one found ahead stays good until passed.
		 */
		if (!claim)
			voice_at = len;
		else if (!voice_known || voice_at < off) {
			rc = voice_match(bs, vctx, t, len, off, vmd, &voice_at);
			if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
				break;	/* over the match limit */
			voice_known = true;
		}
		/* At voice_at the voice branch wins: it comes first. */
		rc = names_match(bs, m, t, len, off, voice_at, md);
		if (rc >= 0)
			use = md;
		else if (rc != PCRE2_ERROR_NOMATCH || voice_at >= len)
			break;
		else {
			use = vmd;
			voice_known = false;
		}
		hit_add(bs, use, hits, &n, max);
		ov = pcre2_get_ovector_pointer(use);
		off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		/* Never restart inside a UTF-8 sequence. */
		while (off < len && (t[off] & 0xc0) == 0x80)
			off++;
	}
	return n;
}

size_t
brands_find(const struct brands *bs, struct arena *a, const char *text,
    size_t len, bool claim, struct brand_hit *hits, size_t max)
{
	const struct firstbyte_table *m;
	struct find f = { NULL, NULL, NULL };
	pcre2_match_data *use;
	const unsigned char *t;
	PCRE2_SIZE *ov, off = 0;
	size_t n = 0, loops;
	int rc;

	if (bs == NULL || text == NULL || len == 0 || max == 0 ||
	    (text = detect_utf8(a, text, len)) == NULL)
		return 0;
	m = claim ? &bs->claim : &bs->plain;
	t = (const unsigned char *)text;
	for (loops = 0; off < len && loops < BRANDS_SCAN_MAX; loops++) {
		if ((rc = walk_match(bs, m, &f, t, len, off, claim,
		    &use)) == 0)
			break;
		if (rc == WALK_NOMEM)
			goto out;	/* before any hit: f is made by then */
		ov = pcre2_get_ovector_pointer(use);
		if (rc < 0 || (claim && use == f.md &&
		    voice_fails(bs, f.vctx, t, ov[1], len, ov[0] + 1,
		    f.vmd))) {
			/* Where PCRE2 fails, step by step as before. */
			n = find_stepwise(bs, m, f.vctx, t, len, claim, f.md,
			    f.vmd, hits, max);
			goto out;
		}
		hit_add(bs, use, hits, &n, max);
		off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		/* Never restart inside a UTF-8 sequence. */
		while (off < len && (t[off] & 0xc0) == 0x80)
			off++;
	}
out:
	find_free(&f);
	return n;
}

bool
brands_authenticated(const struct brands *bs, int b, const struct scan *s)
{
	const char *p, *q;
	char d[256];
	size_t n;

	if (brands_get(bs, b) == NULL)
		return false;
	if (s->auth.dmarc == AUTH_PASS &&
	    brands_owner(bs, s->auth.dmarc_domain) == b)
		return true;
	/* A passing signature of one of the brand's domains vouches too. */
	for (p = s->auth.dkim_domains; p != NULL && *p != '\0'; p = q) {
		while (*p == ' ' || *p == ',')
			p++;
		for (q = p; *q != '\0' && *q != ','; q++)
			;
		n = (size_t)(q - p);
		if (n == 0 || n >= sizeof(d))
			continue;
		memcpy(d, p, n);
		d[n] = '\0';
		if (brands_owner(bs, d) == b)
			return true;
	}
	return false;
}
