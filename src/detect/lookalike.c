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
 * Memory: the checker and the skeleton table are built once at load
 * (heap) and only read afterwards; ICU allows concurrent checks on a
 * checker nobody modifies.  Per-call results go to the arena.
 * Limits: labels are at most 63 bytes (RFC 1035 2.3.4), hosts 253;
 * longer input is not compared.
 */
#include <idn2.h>
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uspoof.h>

#include "detect.h"
#include "util/arena.h"

#define LOOK_MAX_LABEL	63
#define LOOK_MAX_HOST	253
#define LOOK_MIN_NEAR	7	/* shorter labels are too easy to hit */
#define LOOK_MIN_FREE	6	/* a label this long may take any word */
#define LOOK_MIN_COMBO	3
#define LOOK_MIN_GLUE	5	/* "paypalsecure": glued without hyphen */

struct lookalike {
	USpoofChecker		*sc;
	struct detect_list	 skel;	/* skeleton -> index into targets */
	const char		**target;	/* brand domain per index */
	int			*target_brand;
	size_t			 n_target;
};

/* Skeleton of a UTF-8 string into out; -1 when ICU refuses it. */
static int
skeleton(const USpoofChecker *sc, const char *s, char *out, size_t outlen)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t n;

	n = uspoof_getSkeletonUTF8(sc, 0, s, -1, out, (int32_t)outlen, &st);
	if (U_FAILURE(st) || n < 0 || (size_t)n >= outlen)
		return -1;
	out[n] = '\0';
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
	for (i = 0; i < brands_count(bs); i++)
		total += brands_get(bs, (int)i)->n_domains;
	if ((lk->target = calloc(total + 1, sizeof(*lk->target))) == NULL ||
	    (lk->target_brand = calloc(total + 1, sizeof(int))) == NULL)
		goto nomem;
	for (i = 0; i < brands_count(bs); i++) {
		b = brands_get(bs, (int)i);
		for (j = 0; j < b->n_domains; j++) {
			if (skeleton(lk->sc, b->domains[j], sk, sizeof(sk)) ==
			    -1)
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
 * one of the combo words ("paypalsecure", "appleid").
 */
static bool
combo(const char *label, size_t n, const char *L, size_t ln)
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

/* The Unicode form of an ACE host, or the host itself. */
static const char *
unicode_form(struct arena *a, const char *host)
{
	char *u = NULL, *copy;

	if (strncmp(host, "xn--", 4) != 0 && strstr(host, ".xn--") == NULL)
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

enum lookalike_kind
lookalike_brand(const struct lookalike *lk, const struct brands *bs,
    struct arena *a, const char *regdom, int *brand, const char **target)
{
	char sk[LOOK_MAX_HOST * 4 + 1];
	int hist[256];
	const struct brand *b;
	const char *dot, *L, *uni;
	size_t n, ln, i, j, only_a, only_b;
	unsigned cap;
	int v;

	*brand = -1;
	*target = NULL;
	if (lk == NULL || regdom == NULL || strlen(regdom) > LOOK_MAX_HOST ||
	    brands_owner(bs, regdom) >= 0)
		return LOOK_NONE;
	uni = unicode_form(a, regdom);
	if (skeleton(lk->sc, uni, sk, sizeof(sk)) == 0 &&
	    detect_list_has(&lk->skel, sk, &v) && v >= 0 &&
	    (size_t)v < lk->n_target) {
		*brand = lk->target_brand[v];
		*target = lk->target[v];
		return LOOK_CONFUSABLE;
	}
	if ((dot = strchr(regdom, '.')) == NULL)
		return LOOK_NONE;
	n = (size_t)(dot - regdom);
	memset(hist, 0, sizeof(hist));
	for (i = 0; i < n; i++)
		hist[(unsigned char)regdom[i]]++;
	for (i = 0; i < brands_count(bs); i++) {
		b = brands_get(bs, (int)i);
		for (j = 0; j < b->n_labels; j++) {
			L = b->labels[j];
			ln = b->label_lens[j];
			if (ln == n && strncmp(L, regdom, n) == 0) {
				if (ln < LOOK_MIN_NEAR)
					continue;
				*brand = (int)i;
				*target = b->domains[0];
				return LOOK_OTHER_TLD;
			}
			bag_diff(hist, n, L, ln, &only_a, &only_b);
			if (only_b == 0 && combo(regdom, n, L, ln)) {
				*brand = (int)i;
				*target = b->domains[0];
				return LOOK_COMBO;
			}
			if (ln < LOOK_MIN_NEAR || n < LOOK_MIN_NEAR)
				continue;
			cap = ln >= 10 ? 2 : 1;
			if (only_a <= cap && only_b <= cap &&
			    lookalike_distance(regdom, n, L, ln, cap) <= cap) {
				*brand = (int)i;
				*target = b->domains[0];
				return LOOK_NEAR;
			}
		}
	}
	return LOOK_NONE;
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
	if (skeleton(lk->sc, unicode_form(a, x), sx, sizeof(sx)) == 0 &&
	    skeleton(lk->sc, unicode_form(a, y), sy, sizeof(sy)) == 0 &&
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
