/*
 * test_brands.c - brands.c answers exactly what its plain versions did.
 *
 * brands.c takes short cuts for speed: brands_owner() asks the public
 * suffix list only for a host whose ends fit some family glob, and
 * brands_find() walks a text once, asking the voice and the names at
 * each position, where it searched the voice ahead and the names before
 * it in turn.  This test includes brands.c itself, so that it can hold
 * the straightforward versions, kept here as they were, against the
 * same loaded data, and compare their answers: on many generated hosts
 * (built from the globs, the brands' own domains and random labels),
 * and on generated texts (the brands' names in both cases, the voice's
 * words, "Team" and "GmbH" after them, blanks, digits, non-ASCII and
 * broken UTF-8), with PCRE2's usual match limit and with tiny ones, so
 * that its errors come at all places.  MT_BRANDS_TEXTS names a
 * directory of more texts (say, the bodies of a corpus).
 */
#include "../../src/detect/brands.c"

#include <unistd.h>

#include "util/arena.h"
#include "slurp.h"
#include "tap.h"
#include "tempfile.h"
#include "xorshift.h"

#define N_HOSTS		20000
#define N_TEXTS		4000
#define TEXT_MAX	2048

static uint64_t rnd = 0x9e3779b97f4a7c15ull;

/* brands_owner() as it was: the suffix list for every unknown host. */
static int
ref_owner(const struct brands *bs, const char *host)
{
	const char *reg;
	size_t i, j;
	int v;

	if (bs == NULL || host == NULL)
		return -1;
	if (detect_list_find(&bs->owner, host, NULL, &v) != NULL)
		return v;
	reg = psl_registrable_domain(psl_builtin(), host);
	for (i = 0; reg != NULL && i < bs->n; i++)
		for (j = 0; j < bs->v[i].n_globs; j++)
			if (fnmatch(bs->v[i].globs[j], reg, 0) == 0)
				return (int)i;
	return -1;
}

static const char *const labels[] = {
	"www", "mail", "x", "sparkasse", "ksk", "vr", "bank", "de", "com",
	"co", "uk", "at", "example", "login", "xn--bcher-kva", "", "-",
	"sparkasse-", "vr-", "a-b", "1", "SPARKASSE", "online",
};

/* A random host: labels, glob pieces, a brand's domain, odd ends. */
static void
random_host(const struct brands *bs, char *h, size_t size)
{
	const struct brand_glob *g;
	const struct brand *b;
	size_t n = 0, k, i;
	const char *s;

	h[0] = '\0';
	k = 1 + xorshift64(&rnd) % 4;
	for (i = 0; i < k; i++) {
		switch (xorshift64(&rnd) % 4) {
		case 0:
			s = labels[xorshift64(&rnd) %
			    (sizeof(labels) / sizeof(labels[0]))];
			n += (size_t)snprintf(h + n, size - n, "%s%s",
			    i ? "." : "", s);
			break;
		case 1:
			if (bs->n_globs == 0)
				break;
			/* The glob with its wildcards filled in. */
			g = &bs->globs[xorshift64(&rnd) % bs->n_globs];
			if (i > 0)
				n += (size_t)snprintf(h + n, size - n, ".");
			for (s = g->glob; *s != '\0' && n + 8 < size; s++)
				if (*s == '*')
					n += (size_t)snprintf(h + n, size - n,
					    "%s", xorshift64(&rnd) % 3 ?
					    "koeln" : xorshift64(&rnd) % 2 ?
					    "a.b" : "");
				else if (*s == '?')
					h[n++] = 'q';
				else
					h[n++] = *s;
			h[n] = '\0';
			break;
		case 2:
			b = &bs->v[xorshift64(&rnd) % bs->n];
			if (b->n_domains == 0)
				break;
			n += (size_t)snprintf(h + n, size - n, "%s%s",
			    i ? "." : "",
			    b->domains[xorshift64(&rnd) % b->n_domains]);
			break;
		default:
			n += (size_t)snprintf(h + n, size - n, "%s%c%c",
			    i ? "." : "", 'a' + (int)(xorshift64(&rnd) % 26),
			    "-.x"[xorshift64(&rnd) % 3]);
			break;
		}
		if (n >= size)
			n = size - 1;
	}
	if (xorshift64(&rnd) % 8 == 0 && n + 1 < size) {
		h[n++] = '.';
		h[n] = '\0';
	}
}

static void
owner_check(const struct brands *bs, bool real)
{
	static const char *const fixed[] = {
		"sparkasse-koeln.de", "www.sparkasse-koeln.de",
		"xsparkasse-koeln.de", "sparkasse-koeln.de.", "sparkasse-.de",
		"a.b.sparkasse-koeln-bonn.de", "sparkasse-koeln.com",
		"sparkasse-koeln.de.evil.example", "vr-bank.de", "vr-.de",
		"mail.ionos.de", "notionos.de", "de", "", ".", "..de",
		"ksk-x.co.uk", "SPARKASSE-KOELN.DE", "spk-a.b.de",
		"abc-x.de", "www.axc-.de", "xa-1.de", "xc-1.de", "foo*bar.de",
		"foo\\*bar.de", "fooxbar.de", "q.beta.example",
		"x-gamma.co.uk", "a.b-gamma.co.uk", "g.x", "www.gx.y",
	};
	char host[256];
	size_t i, bad = 0, families = 0;
	int want, got;

	ok(bs->n_globs > 0, "the data has family globs (%zu)", bs->n_globs);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		want = ref_owner(bs, fixed[i]);
		got = brands_owner(bs, fixed[i]);
		if (got != want) {
			bad++;
			printf("# %s: %d, want %d\n", fixed[i], got, want);
		}
	}
	ok(bad == 0 && (!real ||
	    (brands_owner(bs, "www.sparkasse-koeln.de") >= 0 &&
	    brands_owner(bs, "sparkasse-koeln.de.evil.example") < 0)) &&
	    (real || (brands_owner(bs, "abc-x.de") == 0 &&
	    brands_owner(bs, "xa-1.de") == 1 &&
	    brands_owner(bs, "x-gamma.co.uk") == 2)),
	    "owners of fixed hosts as before");
	bad = 0;
	for (i = 0; i < N_HOSTS; i++) {
		random_host(bs, host, sizeof(host));
		want = ref_owner(bs, host);
		got = brands_owner(bs, host);
		if (want >= 0 && detect_list_find(&bs->owner, host, NULL,
		    NULL) == NULL)
			families++;
		if (got != want && bad++ < 5)
			printf("# %s: %d, want %d\n", host, got, want);
	}
	ok(bad == 0, "owners of %d generated hosts as before (%zu differ)",
	    N_HOSTS, bad);
	ok(families > N_HOSTS / 50, "%zu of them owned through a glob",
	    families);
}

/* names_match() as it was, a loop of its own. */
static int
ref_names_match(const struct brands *bs, const struct firstbyte_table *m,
    const unsigned char *t, size_t len, size_t from, size_t last,
    pcre2_match_data *md)
{
	const bool *alnum = bs->alnum;
	const pcre2_code *re;
	size_t p;
	int rc;

	if (last > len)
		last = len;
	for (p = from; p < last; p++) {
		if (p > 0 && alnum[t[p - 1]]) {
			while (p < last && alnum[t[p]])
				p++;
			continue;
		}
		if (firstbyte_group(m, t[p]) == NULL ||
		    !name_filter(bs, t, len, p) ||
		    (re = firstbyte_group_at(m, t, len, p)) == NULL)
			continue;
		rc = pcre2_match(re, t, len, p, PCRE2_NO_UTF_CHECK, md,
		    bs->mctx);
		if (rc != PCRE2_ERROR_NOMATCH)
			return rc;
	}
	return PCRE2_ERROR_NOMATCH;
}

/* voice_match() as it was. */
static int
ref_voice_match(const struct brands *bs, pcre2_match_context *mctx,
    const unsigned char *t, size_t len, size_t from, pcre2_match_data *md,
    size_t *at)
{
	const bool *first = bs->voice_first;
	const unsigned char *s, *end = t + len;
	size_t p;
	int rc;

	for (s = t + from; s < end; s++) {
		if (!first[s[0]])
			continue;
		p = (size_t)(s - t);
		if (!bs->voice_begin.always[s[0]] && ((s + 1 < end &&
		    !BIT(bs->voice_pairs, (unsigned int)s[0] << 8 | s[1])) ||
		    !firstbyte_prefix_at(&bs->voice_begin, t, len, p)))
			continue;
		pcre2_set_offset_limit(mctx, p);
		rc = pcre2_match(bs->voice, t, len, p, PCRE2_NO_UTF_CHECK, md,
		    mctx);
		if (rc != PCRE2_ERROR_NOMATCH) {
			*at = rc >= 0 ? pcre2_get_ovector_pointer(md)[0] : p;
			return rc;
		}
	}
	*at = len;
	return PCRE2_ERROR_NOMATCH;
}

/* How often ref_find() stopped at PCRE2's error: the voice's, a name's. */
static size_t ref_voice_errors, ref_name_errors;

/* brands_find() as it was: the voice searched ahead, names before it. */
static size_t
ref_find(const struct brands *bs, struct arena *a, const char *text,
    size_t len, bool claim, struct brand_hit *hits, size_t max)
{
	const struct firstbyte_table *m;
	pcre2_match_context *vctx = NULL;
	pcre2_match_data *md = NULL, *vmd = NULL, *use;
	const unsigned char *t;
	PCRE2_SIZE *ov, off = 0;
	size_t n = 0, loops, voice_at = 0;
	bool voice_known = false;
	int rc;

	if (bs == NULL || text == NULL || len == 0 || max == 0 ||
	    (text = detect_utf8(a, text, len)) == NULL)
		return 0;
	m = claim ? &bs->claim : &bs->plain;
	if ((md = pcre2_match_data_create(2, NULL)) == NULL ||
	    (vmd = pcre2_match_data_create(2, NULL)) == NULL ||
	    (claim && (vctx = pcre2_match_context_copy(bs->mctx)) == NULL))
		goto out;
	t = (const unsigned char *)text;
	for (loops = 0; off < len && loops < BRANDS_SCAN_MAX; loops++) {
		if (!claim)
			voice_at = len;
		else if (!voice_known || voice_at < off) {
			rc = ref_voice_match(bs, vctx, t, len, off, vmd,
			    &voice_at);
			if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
				ref_voice_errors++;
				break;
			}
			voice_known = true;
		}
		rc = ref_names_match(bs, m, t, len, off, voice_at, md);
		if (rc >= 0)
			use = md;
		else if (rc != PCRE2_ERROR_NOMATCH || voice_at >= len) {
			if (rc != PCRE2_ERROR_NOMATCH)
				ref_name_errors++;
			break;
		}
		else {
			use = vmd;
			voice_known = false;
		}
		hit_add(bs, use, hits, &n, max);
		ov = pcre2_get_ovector_pointer(use);
		off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		while (off < len && (t[off] & 0xc0) == 0x80)
			off++;
	}
out:
	pcre2_match_data_free(md);
	pcre2_match_data_free(vmd);
	pcre2_match_context_free(vctx);
	return n;
}

struct tally {
	size_t	 texts, differ, hits;
	/* name_may() against name_filter() at every position. */
	size_t	 places, wrong, settled;
	/* Non-ASCII places where name_filter() said no, PCRE2 asked. */
	size_t	 high_no;
};

static pcre2_match_data *filter_md;

/*
 * Whether a name of either matcher matches at t[p] (PCRE2's usual
 * match limit), where name_filter() said no at a non-ASCII byte: it
 * read the table of high_first_build() and PCRE2 must agree.  The text
 * is made valid UTF-8 first, as brands_find() makes it (the character
 * at p is, and stays as it is).
 */
static bool
high_wrong(const struct brands *bs, const unsigned char *t, size_t n,
    size_t p)
{
	const struct firstbyte_table *m;
	struct arena *a = arena_new(0);
	const pcre2_code *re;
	pcre2_match_context *mctx;
	const char *v;
	int claim, rc = PCRE2_ERROR_NOMATCH;

	if (filter_md == NULL)
		filter_md = pcre2_match_data_create(2, NULL);
	mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(mctx, LEXICON_MATCH_LIMIT);
	v = a != NULL ? detect_utf8(a, (const char *)t, n) : NULL;
	for (claim = 0; v != NULL && claim < 2 &&
	    rc == PCRE2_ERROR_NOMATCH; claim++) {
		m = claim ? &bs->claim : &bs->plain;
		if ((re = firstbyte_group(m, t[p])) != NULL)
			rc = pcre2_match(re, (PCRE2_SPTR)v, n, p,
			    PCRE2_NO_UTF_CHECK, filter_md, mctx);
	}
	pcre2_match_context_free(mctx);
	arena_free(a);
	return v == NULL || rc != PCRE2_ERROR_NOMATCH;
}

/*
 * name_may() and the walk's table (name_never()) may only say no where
 * name_filter() does, and name_dead() only where it or the matcher's
 * literal beginnings (firstbyte_group_at()) do: at every position of
 * the text, and at every length it may be given up to.  Where
 * name_filter() says no at a non-ASCII character, no name may match
 * there.  Counts, too, where the three-byte table (may3) said no by
 * itself.
 */
static void
filter_compare(const struct brands *bs, const unsigned char *t, size_t len,
    struct tally *ty)
{
	size_t p, n;
	bool yes;

	/* The whole text; cut short, its last few places again. */
	for (n = len > 4 ? len - 4 : 0; n <= len; n++)
		for (p = n == len || n < 4 ? 0 : n - 4; p < n; p++) {
			ty->places++;
			yes = name_filter(bs, t, n, p);
			if (yes && (!name_may(bs, t, n, p) ||
			    !name_may_slow(bs, t, n, p) || name_never(bs, t[p])))
				ty->wrong++;
			if (yes && ((name_dead(bs, &bs->plain, t[p]) &&
			    firstbyte_group_at(&bs->plain, t, n, p) != NULL) ||
			    (name_dead(bs, &bs->claim, t[p]) &&
			    firstbyte_group_at(&bs->claim, t, n, p) != NULL)))
				ty->wrong++;
			if (!yes && t[p] >= 0xc0 && utf8_char(t + p, n - p) >= 0) {
				ty->high_no++;
				if (high_wrong(bs, t, n, p))
					ty->wrong++;
			}
			if (p + 2 < n && t[p] < 0x80 && !BIT(bs->may3,
			    MAY3_AT(t[p], bs->may_class[t[p + 1]],
			    bs->may_class[t[p + 2]])))
				ty->settled++;
		}
}

/* Both searches, plain and claim, on text; a difference is reported. */
static void
find_compare(const struct brands *bs, struct arena *a, const char *text,
    size_t len, size_t max, struct tally *ty)
{
	struct brand_hit got[BRANDS_SCAN_MAX], want[BRANDS_SCAN_MAX];
	size_t ng, nw, i;
	int claim;

	filter_compare(bs, (const unsigned char *)text, len, ty);
	for (claim = 0; claim < 2; claim++) {
		memset(got, 0, sizeof(got));
		memset(want, 0, sizeof(want));
		ng = brands_find(bs, a, text, len, claim, got, max);
		nw = ref_find(bs, a, text, len, claim, want, max);
		ty->texts++;
		ty->hits += nw;
		for (i = 0; i < ng && i < nw; i++)
			if (got[i].brand != want[i].brand ||
			    got[i].weak != want[i].weak ||
			    got[i].off != want[i].off ||
			    got[i].len != want[i].len)
				break;
		if (ng == nw && i == nw)
			continue;
		if (ty->differ++ < 5)
			printf("# %s: %zu hits, want %zu (first apart: %zu) "
			    "in \"%.*s\"\n", claim ? "claim" : "plain", ng, nw,
			    i, (int)(len < 200 ? len : 200), text);
	}
}

static const char *const words[] = {
	"Ihr", "Ihre", "ihrem", "IHRES", "dein", "Deine", "Ihrer", "(c)",
	"(C)", "\xc2\xa9", "Copyright", "COPYRIGHT", "xcopyright", "by",
	"2024", "2019 - 2024", "2019\xe2\x80\x93" "2024", "Team",
	"Kundenservice",
	"Service-Team", "Security Center", "GmbH", "AG", "SE", "Online-Banking",
	"Sehr", "geehrte", "die", "der", "Post", "Postfiliale", "Apple",
	"ING", "Meeting", "BOOKING", "pushTAN", "S-pushTAN", "s-pushTAN",
	"\xc3\x96GK", "\xc3\xbc" "ber", "Stra\xc3\x9f" "e", "\xc5\xbfparkasse",
	"\xe2\x84\xaaonto", "Konto", "Kunde", "co", "ih", "de", "cho",
	"d\xc3\xa9j\xc3\xa0", "\xff", "\xc3", "\xe2\x80\xaf", "1&1", "www",
	"paypal.com", "info@", "\xf0\x9f\x98\x80",
	/* Non-ASCII starts: o umlaut both cases, capital sharp s, Turkish
	 * dotted and dotless i, Cyrillic, Greek, Japanese, fullwidth S,
	 * quotation marks. */
	"\xc3\xb6sterreichische Post", "\xc3\xb6GK", "\xe1\xba\x9e", "\xc4\xb0NG",
	"\xc4\xb1ng", "\xd0\x9a\xd0\xbe\xd0\xbd\xd1\x82\xd0\xbe", "\xce\xa3\xcf\x83",
	"\xe3\x82\xa2\xe3\x83\x9e\xe3\x82\xbe\xe3\x83\xb3", "\xef\xbc\xb3parkasse",
	"\xe2\x80\x9eSparkasse\xe2\x80\x9c", "\xc2\xbbPayPal\xc2\xab",
};
static const char *const gaps[] = {
	" ", " ", " ", "  ", "\n", "\r\n", "\t", "-", " - ", ", ", ". ", ": ",
	"", "(", ")", "\"", "/", "\xc2\xa0", "\xe3\x80\x80", "_", "1",
	"> ", "---", "@", "+",
};

/* A text of names (in any case), voice words, gaps and odd bytes. */
static size_t
random_text(const struct brands *bs, char *out, size_t size)
{
	size_t n = 0, k, i, j, w;
	const char *s;
	char word[256];

	k = xorshift64(&rnd) % 40;
	for (i = 0; i < k && n + 300 < size; i++) {
		switch (xorshift64(&rnd) % 5) {
		case 0:
		case 1:
			s = bs->names[xorshift64(&rnd) % bs->n_names].text;
			break;
		default:
			s = words[xorshift64(&rnd) %
			    (sizeof(words) / sizeof(words[0]))];
			break;
		}
		snprintf(word, sizeof(word), "%s", s);
		w = strlen(word);
		/*
		 * Cases changed, a letter dropped or doubled, cut short, or
		 * one spelt by a caseless partner.
		 */
		switch (xorshift64(&rnd) % 8) {
		case 0:
			for (j = 0; j < w; j++)
				word[j] = (char)str_lc((unsigned char)word[j]);
			break;
		case 1:
			for (j = 0; j < w; j++)
				if (word[j] >= 'a' && word[j] <= 'z')
					word[j] = (char)(word[j] - 'a' + 'A');
			break;
		case 2:
			if (w > 1) {
				j = xorshift64(&rnd) % w;
				memmove(word + j, word + j + 1, w - j);
				w--;
			}
			break;
		case 3:
			if (w > 0 && w + 1 < sizeof(word)) {
				j = xorshift64(&rnd) % w;
				memmove(word + j + 1, word + j, w - j + 1);
				w++;
			}
			break;
		case 4:
			w = xorshift64(&rnd) % (w + 1);
			word[w] = '\0';
			break;
		case 5:
			/* 's' or 'k' as its caseless partner U+017F, U+212A. */
			for (j = xorshift64(&rnd) % (w + 1); j < w; j++)
				if (str_lc((unsigned char)word[j]) == 's' ||
				    str_lc((unsigned char)word[j]) == 'k')
					break;
			if (j < w && w + 3 < sizeof(word)) {
				s = str_lc((unsigned char)word[j]) == 's' ?
				    "\xc5\xbf" : "\xe2\x84\xaa";
				memmove(word + j + strlen(s), word + j + 1,
				    w - j);
				memcpy(word + j, s, strlen(s));
				w += strlen(s) - 1;
			}
			break;
		}
		memcpy(out + n, word, w);
		n += w;
		s = gaps[xorshift64(&rnd) % (sizeof(gaps) / sizeof(gaps[0]))];
		memcpy(out + n, s, strlen(s));
		n += strlen(s);
	}
	out[n] = '\0';
	return n;
}

static const struct brands *dir_bs;
static struct arena *dir_arena;
static struct tally dir_tally;

static void
dir_text(const char *path, const char *name)
{
	size_t len;
	char *text;

	(void)name;
	if ((text = slurp(path, &len)) == NULL ||
	    (dir_arena = arena_new(0)) == NULL) {
		free(text);
		return;
	}
	find_compare(dir_bs, dir_arena, text, len, BRANDS_SCAN_MAX,
	    &dir_tally);
	arena_free(dir_arena);
	free(text);
}

static void
find_check(struct brands *bs, const char *what)
{
	static const uint32_t limits[] = { 0, 12, 8, 5, 3, 2, 1 };
	struct arena *a = arena_new(0);
	struct tally ty;
	char *text = malloc(TEXT_MAX);
	const char *dir;
	size_t i, k, len;
	long files;

	for (k = 0; k < sizeof(limits) / sizeof(limits[0]); k++) {
		pcre2_set_match_limit(bs->mctx, limits[k] ? limits[k] :
		    LEXICON_MATCH_LIMIT);
		memset(&ty, 0, sizeof(ty));
		ref_voice_errors = ref_name_errors = 0;
		for (i = 0; i < N_TEXTS; i++) {
			len = random_text(bs, text, TEXT_MAX);
			/* Some texts are given short of their NUL. */
			find_compare(bs, a, text, i % 7 == 0 && len > 0 ?
			    len - 1 : len, i % 3 ? BRANDS_SCAN_MAX : 1 + i % 8,
			    &ty);
			if (i % 256 == 255) {
				arena_free(a);
				a = arena_new(0);
			}
		}
		ok(ty.differ == 0 && ty.hits > ty.texts / 4 && (limits[k] ==
		    0 || limits[k] > 8 ||
		    ref_voice_errors + ref_name_errors > 50),
		    "%s, match limit %u: %zu searches as before (%zu differ, "
		    "%zu hits, stopped by errors: %zu voice, %zu names)",
		    what, limits[k] ? limits[k] : LEXICON_MATCH_LIMIT, ty.texts,
		    ty.differ, ty.hits, ref_voice_errors, ref_name_errors);
		ok(ty.wrong == 0 && ty.settled > ty.places / 20 &&
		    (ty.high_no > 0 || bs->high_any),
		    "%s: name_may(), name_dead() no only where name_filter() says no "
		    "(%zu places, %zu wrong, %zu settled by may3, %zu "
		    "non-ASCII)", what, ty.places, ty.wrong, ty.settled,
		    ty.high_no);
	}
	pcre2_set_match_limit(bs->mctx, LEXICON_MATCH_LIMIT);
	if (strcmp(what, "data/brands") == 0 &&
	    (dir = getenv("MT_BRANDS_TEXTS")) != NULL) {
		dir_bs = bs;
		files = each_in_dir(dir, dir_text);
		ok(files > 0 && dir_tally.differ == 0 && dir_tally.wrong == 0,
		    "%ld texts of %s: %zu searches as before (%zu differ, "
		    "%zu hits); name_may() at %zu places (%zu wrong)", files,
		    dir, dir_tally.texts, dir_tally.differ, dir_tally.hits,
		    dir_tally.places, dir_tally.wrong);
	}
	free(text);
	arena_free(a);
}

/*
 * Globs the real data does not have: '?', classes, escapes, a lead '*';
 * names the voice can start inside ("Acopyright Beta"), where the
 * walk's single pass has to look at it again; and names that start on
 * punctuation, which the walk's mask then has to ask at.
 */
static const char awkward[] =
    "Alpha | alpha.example a?c-*.de | Alpha; Acopyright Beta; "
    "Xihr Gamma; Q(c) Beta; Y\xc2\xa9 Gamma; ~Zeta\n"
    "Beta | beta.example x[ab]-*.de *.beta.example | Beta; =BETA AG\n"
    "Gamma | gamma.example foo\\*bar.de *-gamma.co.uk g*.* | Gamma; "
    "Ihr Delta; @Home; +Plus; -Minus\n";

static void
awkward_check(void)
{
	struct brands *bs;
	char *path = write_temp(awkward), err[256];

	err[0] = '\0';
	ok(brands_load(&bs, path, err, sizeof(err)) == 0, "awkward globs: %s",
	    err);
	unlink(path);
	if (bs == NULL)
		return;
	ok(bs->n_globs == 6 && bs->globs[0].pre_len == 1 &&
	    strcmp(bs->globs[0].suf, ".de") == 0 &&
	    bs->globs[1].suf_len == 0 && bs->globs[3].suf_len == 0,
	    "their literal ends");
	owner_check(bs, false);
	find_check(bs, "awkward names");
	brands_free(bs);
}

int
main(void)
{
	struct brands *bs;
	char path[4096], err[256];

	snprintf(path, sizeof(path), "%s/../../data/brands", MT_TESTDIR);
	err[0] = '\0';
	ok(brands_load(&bs, path, err, sizeof(err)) == 0, "load %s: %s",
	    path, err);
	if (bs == NULL)
		return tap_done();
	owner_check(bs, true);
	find_check(bs, "data/brands");
	brands_free(bs);
	awkward_check();
	return tap_done();
}
