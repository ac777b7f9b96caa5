/*
 * lookalike.c - domains built to be mistaken for another one.
 *
 * Four tricks are recognised, each against the brands' own domains
 * (data/brands) and, for the sender check, against the recipient's
 * domain:
 *   confusable	the same "skeleton" under Unicode's confusables (UTS #39
 *		section 4, ICU uspoof_getSkeleton): "paypa1.com",
 *		"pаypal.com" with a Cyrillic a, "rn" for "m";
 *   near	one edit away (two for long names) in the second-level
 *		label, Damerau-Levenshtein: "ionoss.de", "sparkase.de";
 *   combo	the brand's label plus a word: "paypal-login.com",
 *		"ionos-kundenservice.de", "secure-dhl.com";
 *   other TLD	the brand's label under a suffix it does not own.
 * Punycode hosts (RFC 3492, IDNA 2008) are decoded with libidn2 and
 * their labels checked for mixed scripts with ICU's spoof checker at
 * the "highly restrictive" level of UTS #39 5.2.
 *
 * The brands' labels are indexed at load (by text and by length), so a
 * domain is compared only with the labels that could match it rather
 * than with every label of every brand; ASCII skeletons are put
 * together from a table of ICU's own answers, one per character.
 *
 * Memory: the checker, the skeleton table and the label index are
 * built once at load (heap) and only read afterwards; ICU allows
 * concurrent checks on a checker nobody modifies.  Per-call scratch is
 * on the stack; results go to the arena.
 * Limits: labels are at most 63 bytes (RFC 1035 2.3.4), hosts 253;
 * longer input is not compared.
 */
#include <idn2.h>
#include <limits.h>
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uspoof.h>

#include "detect.h"
#include "util/arena.h"
#include "util/str.h"

#define LOOK_MAX_LABEL	63
#define LOOK_MAX_HOST	253
#define LOOK_MIN_NEAR	7	/* shorter labels are too easy to hit */
#define LOOK_MIN_FREE	6	/* a label this long may take any word */
#define LOOK_MIN_COMBO	3
#define LOOK_MIN_GLUE	5	/* "paypalsecure": glued without hyphen */
#define LOOK_MAX_CAP	2	/* most edits a near miss may have */
#define LOOK_SKEL_CHAR	8	/* longest skeleton of one ASCII character
				   kept in the table; longer asks ICU */

/* One brand's label, in brand order then the brand's label order. */
struct look_label {
	const char	*text;
	size_t		 len;
	int		 brand;
	const char	*target;	/* the brand's first domain */
	uint64_t	 mask;		/* char_mask() of the text */
};

struct lookalike {
	USpoofChecker		*sc;
	struct detect_list	 skel;	/* skeleton -> index into targets */
	const char		**target;	/* brand domain per index */
	int			*target_brand;
	size_t			 n_target;
	/* Skeleton of each printable ASCII character; length 0: ask ICU. */
	char			 ascii_skel[128][LOOK_SKEL_CHAR];
	unsigned char		 ascii_len[128];
	/* Every brand's label (a position), and two ways into them. */
	struct look_label	*label;
	size_t			 n_label;
	size_t			 max_len;	/* of the longest label */
	/*
	 * Open hash of the first position of each text (judge_label()
	 * says the same of a later one); -1 is an empty slot.
	 */
	int			*by_text;
	size_t			 text_mask;	/* slots - 1, slots a power
						   of 2 */
	/*
	 * The positions of the labels a near miss may hit, by length,
	 * then position: length k at by_len[len_at[k]..len_at[k + 1]).
	 */
	int			*by_len;
	size_t			 len_at[LOOK_MAX_LABEL + 2];
	/*
	 * The first two bytes of every label of two bytes or more, one
	 * bit per pair: scan_labels() starts a substring only where its
	 * pair is one of those, which few places in a domain are.
	 */
	uint64_t		 pair[256 * 256 / 64];
};

/* Skeleton of a UTF-8 string into out; -1 when ICU refuses it. */
static int
icu_skeleton(const USpoofChecker *sc, const char *s, char *out,
    size_t outlen)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t n;

	n = uspoof_getSkeletonUTF8(sc, 0, s, -1, out, (int32_t)outlen, &st);
	if (U_FAILURE(st) || n < 0 || (size_t)n >= outlen)
		return -1;
	out[n] = '\0';
	return 0;
}

/*
 * UTS #39 section 4 defines skeleton(X) as NFD(the prototypes of the
 * characters of NFD(X), concatenated).  NFD decomposes each character
 * on its own and then reorders only runs of combining marks, and every
 * ASCII character is a starter (combining class 0).  So for a string
 * of ASCII characters whose own skeletons are ASCII, the skeleton is
 * those skeletons one after the other: ICU is asked once per character
 * at load, never per domain.  A character not in the table, or an
 * answer that would not fit, goes to ICU as before.
 */
static void
ascii_table(struct lookalike *lk)
{
	char one[2], sk[LOOK_SKEL_CHAR + 1];
	size_t i, n;
	int c;

	for (c = 0x21; c < 0x7f; c++) {
		one[0] = (char)c;
		one[1] = '\0';
		if (icu_skeleton(lk->sc, one, sk, sizeof(sk)) == -1)
			continue;
		n = strlen(sk);
		for (i = 0; i < n && (unsigned char)sk[i] < 0x80; i++)
			;
		if (n == 0 || i < n)
			continue;
		memcpy(lk->ascii_skel[c], sk, n);
		lk->ascii_len[c] = (unsigned char)n;
	}
}

int
lookalike_skeleton(const struct lookalike *lk, const char *s, char *out,
    size_t outlen)
{
	const unsigned char *p;
	size_t o = 0, k;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p >= 0x80 || (k = lk->ascii_len[*p]) == 0 ||
		    o + k >= outlen)
			return icu_skeleton(lk->sc, s, out, outlen);
		/* Nearly every character is its own one-byte skeleton. */
		if (k == 1)
			out[o] = lk->ascii_skel[*p][0];
		else
			memcpy(out + o, lk->ascii_skel[*p], k);
		o += k;
	}
	if (o >= outlen)
		return icu_skeleton(lk->sc, s, out, outlen);
	out[o] = '\0';
	return 0;
}

int
lookalike_skeleton_icu(const struct lookalike *lk, const char *s, char *out,
    size_t outlen)
{
	return icu_skeleton(lk->sc, s, out, outlen);
}

/*
 * The classes of characters in s[0..n), one bit each: a letter, a digit
 * and the hyphen have a class of their own, any other byte shares one.
 * A class in one string and not in the other is at least one character
 * the other lacks (see bag_diff()), which judges most near misses
 * out with a few instructions.
 */
static uint64_t
char_mask(const char *s, size_t n)
{
	uint64_t m = 0;
	unsigned char c;
	size_t i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 'a' && c <= 'z')
			m |= 1ULL << (c - 'a');
		else if (c >= '0' && c <= '9')
			m |= 1ULL << (26 + c - '0');
		else if (c == '-')
			m |= 1ULL << 36;
		else
			m |= 1ULL << (37 + c % 27);
	}
	return m;
}


/* The index of the pair s[0], s[1] in lk->pair. */
static size_t
pair_at(const char *s)
{
	return (size_t)(unsigned char)s[0] << 8 | (unsigned char)s[1];
}

static void
pair_set(struct lookalike *lk, const char *s)
{
	lk->pair[pair_at(s) / 64] |= 1ULL << (pair_at(s) % 64);
}

static bool
pair_has(const struct lookalike *lk, const char *s)
{
	return (lk->pair[pair_at(s) / 64] >> (pair_at(s) % 64)) & 1;
}

/* The first position whose label is s[0..n) (hash h of it), or -1. */
static int
text_find(const struct lookalike *lk, const char *s, size_t n, uint32_t h)
{
	const struct look_label *l;
	size_t j;
	int v;

	for (j = h & lk->text_mask; (v = lk->by_text[j]) != -1;
	    j = (j + 1) & lk->text_mask) {
		l = &lk->label[v];
		if (l->len == n && memcmp(l->text, s, n) == 0)
			return v;
	}
	return -1;
}

/*
 * The label index: every brand's labels in brand order, the first
 * position of each text hashed ("ui-portal" is both IONOS's and GMX's),
 * and the positions a near miss may reach sorted by length (counting
 * sort, so by position within a length).
 */
static int
index_labels(struct lookalike *lk, const struct brands *bs)
{
	const struct brand *b;
	struct look_label *l;
	size_t i, j, k, total = 0, slots, at[LOOK_MAX_LABEL + 2];
	uint32_t h;
	int v;

	for (i = 0; i < brands_count(bs); i++)
		total += brands_get(bs, (int)i)->n_labels;
	if (total >= INT_MAX / 16)
		return -1;
	/*
	 * Eight slots a label: scan_labels() looks up every substring of
	 * a domain's label, nearly all of them in no brand, and the first
	 * probe of those should find its slot empty.
	 */
	for (slots = 16; slots < 8 * total + 2; slots *= 2)
		;
	if ((lk->label = calloc(total + 1, sizeof(*lk->label))) == NULL ||
	    (lk->by_text = malloc(slots * sizeof(int))) == NULL ||
	    (lk->by_len = calloc(total + 1, sizeof(int))) == NULL)
		return -1;
	lk->text_mask = slots - 1;
	for (j = 0; j < slots; j++)
		lk->by_text[j] = -1;
	for (i = 0; i < brands_count(bs); i++) {
		b = brands_get(bs, (int)i);
		for (j = 0; j < b->n_labels; j++) {
			l = &lk->label[lk->n_label];
			l->text = b->labels[j];
			l->len = b->label_lens[j];
			l->brand = (int)i;
			l->target = b->domains[0];
			l->mask = char_mask(l->text, l->len);
			if (l->len > lk->max_len)
				lk->max_len = l->len;
			if (l->len >= 2)
				pair_set(lk, l->text);
			for (h = STR_FNV_INIT, k = 0; k < l->len; k++)
				h = str_fnv1a_byte(h, (unsigned char)l->text[k]);
			if (text_find(lk, l->text, l->len, h) == -1) {
				for (v = (int)(h & lk->text_mask);
				    lk->by_text[v] != -1;
				    v = (int)((v + 1) & lk->text_mask))
					;
				lk->by_text[v] = (int)lk->n_label;
			}
			lk->n_label++;
		}
	}
	for (i = 0; i < lk->n_label; i++)
		if (lk->label[i].len >= LOOK_MIN_NEAR &&
		    lk->label[i].len <= LOOK_MAX_LABEL)
			lk->len_at[lk->label[i].len + 1]++;
	for (j = 1; j < LOOK_MAX_LABEL + 2; j++)
		lk->len_at[j] += lk->len_at[j - 1];
	memcpy(at, lk->len_at, sizeof(at));
	for (i = 0; i < lk->n_label; i++)
		if (lk->label[i].len >= LOOK_MIN_NEAR &&
		    lk->label[i].len <= LOOK_MAX_LABEL)
			lk->by_len[at[lk->label[i].len]++] = (int)i;
	return 0;
}

int
lookalike_load(struct lookalike **out, const struct brands *bs, char *err,
    size_t errlen)
{
	UErrorCode st = U_ZERO_ERROR;
	char sk[LOOK_MAX_HOST * 4 + 1];
	const struct brand *b;
	struct lookalike *lk;
	size_t i, j, total = 0;

	*out = NULL;
	if ((lk = calloc(1, sizeof(*lk))) == NULL)
		goto nomem;
	lk->sc = uspoof_open(&st);
	uspoof_setRestrictionLevel(lk->sc, USPOOF_HIGHLY_RESTRICTIVE);
	uspoof_setChecks(lk->sc, USPOOF_RESTRICTION_LEVEL | USPOOF_INVISIBLE |
	    USPOOF_MIXED_NUMBERS, &st);
	if (U_FAILURE(st)) {
		snprintf(err, errlen, "ICU spoof checker: %s", u_errorName(st));
		lookalike_free(lk);
		return -1;
	}
	ascii_table(lk);
	if (index_labels(lk, bs) == -1)
		goto nomem;
	for (i = 0; i < brands_count(bs); i++)
		total += brands_get(bs, (int)i)->n_domains;
	if ((lk->target = calloc(total + 1, sizeof(*lk->target))) == NULL ||
	    (lk->target_brand = calloc(total + 1, sizeof(int))) == NULL)
		goto nomem;
	for (i = 0; i < brands_count(bs); i++) {
		b = brands_get(bs, (int)i);
		for (j = 0; j < b->n_domains; j++) {
			if (icu_skeleton(lk->sc, b->domains[j], sk,
			    sizeof(sk)) == -1)
				continue;
			lk->target[lk->n_target] = b->domains[j];
			lk->target_brand[lk->n_target] = (int)i;
			if (detect_list_add(&lk->skel, sk,
			    (int)lk->n_target) == -1)
				goto nomem;
			lk->n_target++;
		}
	}
	*out = lk;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	lookalike_free(lk);
	return -1;
}

void
lookalike_free(struct lookalike *lk)
{
	if (lk == NULL)
		return;
	if (lk->sc != NULL)
		uspoof_close(lk->sc);
	detect_list_free(&lk->skel);
	free(lk->target);
	free(lk->target_brand);
	free(lk->label);
	free(lk->by_text);
	free(lk->by_len);
	free(lk);
}

unsigned
lookalike_distance(const char *a, size_t alen, const char *b, size_t blen,
    unsigned cap)
{
	unsigned d[3][LOOK_MAX_LABEL + 2], best, v;
	unsigned *prev2 = d[0], *prev = d[1], *cur = d[2], *t;
	size_t i, j;

	if (alen > LOOK_MAX_LABEL || blen > LOOK_MAX_LABEL)
		return cap + 1;
	if ((alen > blen ? alen - blen : blen - alen) > cap)
		return cap + 1;
	for (j = 0; j <= blen; j++)
		prev[j] = (unsigned)j;
	/* Optimal string alignment: edits plus adjacent swaps. */
	for (i = 1; i <= alen; i++) {
		cur[0] = (unsigned)i;
		best = cur[0];
		for (j = 1; j <= blen; j++) {
			v = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[blen] > cap ? cap + 1 : prev[blen];
}

/* Words a phisher glues to a brand's name in a domain. */
static const char *const combo_words[] = {
	"login", "logon", "signin", "secure", "security", "verify",
	"verification", "account", "accounts", "konto", "support", "service",
	"services", "kundenservice", "kunden", "online", "update", "id",
	"auth", "portal", "mail", "webmail", "help", "hilfe", "sicherheit",
	"info", "app", "center", "team", "de", "online", "pay", "billing",
	"refund", "delivery", "paket", "tracking", "track", "sendung",
	"zustellung", "customer", "web", "my", "mein", "meine", "check",
	"alert", "notice", "official", "cloud", "office", "access", "bank",
	"banking", "24", "365",
};

static bool
is_combo_word(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(combo_words) / sizeof(combo_words[0]); i++)
		if (strlen(combo_words[i]) == n &&
		    strncmp(combo_words[i], s, n) == 0)
			return true;
	return false;
}

static bool
first_token_combo(const char *s, size_t n)
{
	const char *h = memchr(s, '-', n);

	return is_combo_word(s, h != NULL ? (size_t)(h - s) : n);
}

static bool
last_token_combo(const char *s, size_t n)
{
	size_t i = n;

	while (i > 0 && s[i - 1] != '-')
		i--;
	return is_combo_word(s + i, n - i);
}

/*
 * Whether label contains brand label L as its own token: bounded by the
 * label's ends or hyphens ("dhl-paket", "my-paypal-id"), or glued to
 * one of the combo words ("paypalsecure", "appleid").  Never without L
 * inside label and shorter than it.
 */
bool
lookalike_combo(const char *label, size_t n, const char *L, size_t ln)
{
	const char *p = label;
	size_t at, rest;
	bool left, right;

	if (ln < LOOK_MIN_COMBO || n <= ln)
		return false;
	while ((p = memmem(p, n - (size_t)(p - label), L, ln)) != NULL) {
		at = (size_t)(p - label);
		rest = n - at - ln;
		left = at == 0 || label[at - 1] == '-';
		right = rest == 0 || label[at + ln] == '-';
		/*
		 * "dhl-paket" yes, "msn-superquiz" no: a short brand label
		 * counts only next to a word phishers use.
		 */
		if (left && right && (ln >= LOOK_MIN_FREE ||
		    (rest > 1 && first_token_combo(label + at + ln + 1,
		    rest - 1)) || (at > 1 && last_token_combo(label, at - 1))))
			return true;
		if (ln >= LOOK_MIN_GLUE && at == 0 &&
		    is_combo_word(label + ln, rest))
			return true;
		if (ln >= LOOK_MIN_GLUE && rest == 0 &&
		    is_combo_word(label, at))
			return true;
		p++;
	}
	return false;
}

/*
 * Whether host has a label in ACE form (RFC 5891 4.4: "xn--" at the
 * start of the host or after a dot).
 */
static bool
is_ace(const char *host)
{
	const char *p;

	for (p = host; (p = strstr(p, "xn--")) != NULL; p++)
		if (p == host || p[-1] == '.')
			return true;
	return false;
}

/* The Unicode form of an ACE host, or the host itself. */
static const char *
unicode_form(struct arena *a, const char *host)
{
	char *u = NULL, *copy;

	if (!is_ace(host))
		return host;
	if (idn2_to_unicode_8z8z(host, &u, 0) != IDN2_OK || u == NULL)
		return host;
	copy = arena_strdup(a, u);
	idn2_free(u);
	return copy != NULL ? copy : host;
}

/*
 * How a label whose character counts are in hist (n characters) and L
 * differ as bags of letters: *only_a of the label's letters are not
 * matched in L, *only_b of L's not in the label.  A substitution,
 * insertion or deletion changes each count by one at most and a swap
 * not at all, so the larger is a lower bound of the edit distance; and
 * L cannot stand inside the label unless *only_b is 0.  Both spare
 * work for nearly every brand label.  hist is left as it was.
 */
static void
bag_diff(int *hist, size_t n, const char *L, size_t ln, size_t *only_a,
    size_t *only_b)
{
	size_t i;

	*only_a = n;
	*only_b = 0;
	for (i = 0; i < ln; i++) {
		if (hist[(unsigned char)L[i]]-- > 0)
			(*only_a)--;
		else
			(*only_b)++;
	}
	for (i = 0; i < ln; i++)
		hist[(unsigned char)L[i]]++;
}

/*
 * What the domain's label (n bytes, character counts in hist) is to
 * brand label L: the same under another suffix (the suffix the brand
 * owns was ruled out before), L plus a word, or a near miss of L.
 */
static enum lookalike_kind
judge_label(const char *label, size_t n, int *hist, const char *L,
    size_t ln)
{
	size_t only_a, only_b;
	unsigned cap;

	if (ln == n && strncmp(L, label, n) == 0)
		return ln < LOOK_MIN_NEAR ? LOOK_NONE : LOOK_OTHER_TLD;
	bag_diff(hist, n, L, ln, &only_a, &only_b);
	if (only_b == 0 && lookalike_combo(label, n, L, ln))
		return LOOK_COMBO;
	if (ln < LOOK_MIN_NEAR || n < LOOK_MIN_NEAR)
		return LOOK_NONE;
	cap = ln >= 10 ? 2 : 1;
	if (only_a <= cap && only_b <= cap &&
	    lookalike_distance(label, n, L, ln, cap) <= cap)
		return LOOK_NEAR;
	return LOOK_NONE;
}

/*
 * The scan of one label: the first hit so far and how it hit.  The
 * label's character counts are taken when a label is first judged:
 * most domains are compared with none.
 */
struct look_scan {
	const struct lookalike	*lk;
	const char		*label;
	size_t			 n;
	int			*hist;		/* NULL until counted */
	int			 counts[256];
	size_t			 best;		/* position; n_label: none */
	enum lookalike_kind	 kind;
};

/* Judges the label at position pos unless an earlier one already hit. */
static void
try_label(struct look_scan *sc, size_t pos)
{
	const struct look_label *l = &sc->lk->label[pos];
	enum lookalike_kind k;
	size_t i;

	if (pos >= sc->best)
		return;
	if (sc->hist == NULL) {
		memset(sc->counts, 0, sizeof(sc->counts));
		for (i = 0; i < sc->n; i++)
			sc->counts[(unsigned char)sc->label[i]]++;
		sc->hist = sc->counts;
	}
	if ((k = judge_label(sc->label, sc->n, sc->hist, l->text,
	    l->len)) != LOOK_NONE) {
		sc->best = pos;
		sc->kind = k;
	}
}

/*
 * The first position whose label is s[0..len) (hash h of it): the only
 * one of that text that can be the first hit.
 */
static void
try_text(struct look_scan *sc, const char *s, size_t len, uint32_t h)
{
	int v;

	/*
	 * Nearly every substring hashes to an empty slot: that first probe
	 * is made here, without the call text_find() costs.
	 */
	if (sc->lk->by_text[h & sc->lk->text_mask] == -1)
		return;
	if ((v = text_find(sc->lk, s, len, h)) != -1)
		try_label(sc, (size_t)v);
}

/*
 * Whether x has at most cap bits set, cap 1 or 2 (LOOK_MAX_CAP): each
 * step clears the lowest.
 * (__builtin_popcountll() is a call into libgcc unless the build may
 * use the CPU's own instruction, and this runs for every label of a
 * near miss's lengths.)
 */
static bool
bits_at_most(uint64_t x, int cap)
{
	_Static_assert(LOOK_MAX_CAP == 2, "bits_at_most() clears two");
	x &= x - 1;
	if (cap > 1)
		x &= x - 1;
	return x == 0;
}

/*
 * The brand label the domain's label (label[0..n)) imitates: the first
 * in brand order, then label order, for which judge_label() says so.
 * judge_label() is pure and reads only the two texts, so the first hit
 * is the hit at the lowest position, and only the labels that can hit
 * need be judged:
 *   other TLD	needs L equal to the label: found by its text;
 *   combo	needs L inside the label (lookalike_combo() looks for
 *		it with memmem), at least LOOK_MIN_COMBO long and shorter:
 *		found by the text of each such substring;
 *   near	needs the distance within cap, cap 1 below 10 letters and
 *		2 from there, and both at least LOOK_MIN_NEAR long; an
 *		edit changes the length by one at most and a swap not at
 *		all, so |n - ln| <= cap: the labels of those lengths
 *		(lookalike_distance() refuses either beyond
 *		LOOK_MAX_LABEL), and of those only the ones that pass
 *		bag_diff()'s bound as far as char_mask() can tell: more
 *		than cap classes on one side only is more than cap
 *		characters on that side only.  One that fails may still
 *		be a combo or other TLD, but then it was found by text.
 * Any other label fails all three, whatever judge_label() would compute.
 */
static size_t
scan_labels(const struct lookalike *lk, const char *label, size_t n,
    enum lookalike_kind *kind)
{
	const struct look_label *l;
	struct look_scan sc;
	size_t i, j, len, lo, hi;
	uint64_t m;
	uint32_t h;
	int cap;

	sc.lk = lk;
	sc.label = label;
	sc.n = n;
	sc.hist = NULL;
	sc.best = lk->n_label;
	sc.kind = LOOK_NONE;
	for (i = 0; i < n; i++) {
		/*
		 * A substring of three bytes or more (all but a whole label
		 * shorter than that) can be a label's text only where its
		 * first two bytes begin one.
		 */
		if (n >= LOOK_MIN_COMBO && (i + 1 >= n ||
		    !pair_has(lk, label + i)))
			continue;
		h = STR_FNV_INIT;
		for (j = i; j < n && j - i < lk->max_len; j++) {
			h = str_fnv1a_byte(h, (unsigned char)label[j]);
			len = j - i + 1;
			if (len == n || (len >= LOOK_MIN_COMBO && len < n))
				try_text(&sc, label + i, len, h);
		}
	}
	if (n >= LOOK_MIN_NEAR && n <= LOOK_MAX_LABEL) {
		lo = n > LOOK_MIN_NEAR + LOOK_MAX_CAP ? n - LOOK_MAX_CAP :
		    LOOK_MIN_NEAR;
		hi = n + LOOK_MAX_CAP < LOOK_MAX_LABEL ? n + LOOK_MAX_CAP :
		    LOOK_MAX_LABEL;
		m = char_mask(label, n);
		for (len = lo; len <= hi; len++) {
			cap = len >= 10 ? 2 : 1;
			if ((len > n ? len - n : n - len) > (size_t)cap)
				continue;
			for (i = lk->len_at[len]; i < lk->len_at[len + 1] &&
			    (size_t)lk->by_len[i] < sc.best; i++) {
				l = &lk->label[lk->by_len[i]];
				if (bits_at_most(l->mask & ~m, cap) &&
				    bits_at_most(m & ~l->mask, cap))
					try_label(&sc, (size_t)lk->by_len[i]);
			}
		}
	}
	*kind = sc.kind;
	return sc.best;
}

/* Same skeleton as a brand's domain: that domain's index, or -1. */
static int
confusable(const struct lookalike *lk, struct arena *a, const char *regdom)
{
	char sk[LOOK_MAX_HOST * 4 + 1];
	int v;

	if (lookalike_skeleton(lk, unicode_form(a, regdom), sk,
	    sizeof(sk)) == 0 && detect_list_has(&lk->skel, sk, &v) &&
	    v >= 0 && (size_t)v < lk->n_target)
		return v;
	return -1;
}

enum lookalike_kind
lookalike_brand(const struct lookalike *lk, const struct brands *bs,
    struct arena *a, const char *regdom, int *brand, const char **target)
{
	enum lookalike_kind kind = LOOK_NONE;
	const char *dot;
	size_t pos;
	bool ace;
	int v;

	*brand = -1;
	*target = NULL;
	if (lk == NULL || regdom == NULL || strlen(regdom) > LOOK_MAX_HOST)
		return LOOK_NONE;
	/*
	 * A brand's own domain imitates nothing.  Asking brands_owner()
	 * (a PSL lookup) only once something matched spares it for nearly
	 * every domain; but an ACE host asks first, as the skeleton of its
	 * Unicode form takes arena memory that a brand's own domain never
	 * took.
	 */
	if ((ace = is_ace(regdom)) && brands_owner(bs, regdom) >= 0)
		return LOOK_NONE;
	if ((v = confusable(lk, a, regdom)) != -1) {
		*brand = lk->target_brand[v];
		*target = lk->target[v];
		kind = LOOK_CONFUSABLE;
	} else if ((dot = strchr(regdom, '.')) != NULL &&
	    (pos = scan_labels(lk, regdom, (size_t)(dot - regdom),
	    &kind)) < lk->n_label) {
		*brand = lk->label[pos].brand;
		*target = lk->label[pos].target;
	}
	if (kind != LOOK_NONE && !ace && brands_owner(bs, regdom) >= 0) {
		*brand = -1;
		*target = NULL;
		return LOOK_NONE;
	}
	return kind;
}

bool
lookalike_pair(const struct lookalike *lk, struct arena *a, const char *x,
    const char *y)
{
	char sx[LOOK_MAX_HOST * 4 + 1], sy[LOOK_MAX_HOST * 4 + 1];
	const char *dx, *dy;
	size_t nx, ny;
	unsigned cap;

	if (lk == NULL || x == NULL || y == NULL || strcmp(x, y) == 0 ||
	    strlen(x) > LOOK_MAX_HOST || strlen(y) > LOOK_MAX_HOST)
		return false;
	if (lookalike_skeleton(lk, unicode_form(a, x), sx, sizeof(sx)) == 0 &&
	    lookalike_skeleton(lk, unicode_form(a, y), sy, sizeof(sy)) == 0 &&
	    strcmp(sx, sy) == 0)
		return true;
	if ((dx = strchr(x, '.')) == NULL || (dy = strchr(y, '.')) == NULL ||
	    strcmp(dx, dy) != 0)
		return false;	/* another suffix may well be the same owner */
	nx = (size_t)(dx - x);
	ny = (size_t)(dy - y);
	if (nx < LOOK_MIN_NEAR || ny < LOOK_MIN_NEAR)
		return false;
	cap = (nx >= 10 && ny >= 10) ? 2 : 1;
	return lookalike_distance(x, nx, y, ny, cap) <= cap;
}

char *
lookalike_unicode(const struct lookalike *lk, struct arena *a,
    const char *host, bool *mixed)
{
	UErrorCode st;
	const char *u, *p, *q;
	char label[LOOK_MAX_LABEL * 4 + 1];
	size_t n;

	*mixed = false;
	if (lk == NULL || host == NULL)
		return NULL;
	u = unicode_form(a, host);
	if (u == host)
		return NULL;
	/* Judge label by label: a Cyrillic name under ".com" is fine. */
	for (p = u; *p != '\0'; p = *q ? q + 1 : q) {
		if ((q = strchr(p, '.')) == NULL)
			q = p + strlen(p);
		n = (size_t)(q - p);
		if (n == 0 || n >= sizeof(label))
			continue;
		memcpy(label, p, n);
		label[n] = '\0';
		st = U_ZERO_ERROR;
		if (uspoof_check2UTF8(lk->sc, label, (int32_t)n, NULL,
		    &st) != 0 && U_SUCCESS(st))
			*mixed = true;
	}
	return (char *)u;
}
