/*
 * bayes.c - the learning classifier and its check, check_bayes.
 *
 * See bayes.h for the method.  check_bayes adds one symbol, and only
 * when the store has learned enough of both kinds to mean something:
 *   BAYES_SPAM (evidence: the probability, "97%") from BAYES_SPAM_AT,
 *   BAYES_HAM (the same) up to BAYES_HAM_AT,
 *   STORE_UNAVAILABLE (the store's error) when the store failed, so the
 *   missing opinion is visible and a front end may tempfail on it.
 * Without a store (cfg->store NULL) it adds nothing.
 *
 * Memory: tokens and counts live in the scan's (or caller's) arena; the
 * combining step uses one bounded heap array and frees it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bayes.h"
#include "checks.h"
#include "tokenize.h"
#include "mime/message.h"
#include "scan/config.h"
#include "scan/scan.h"
#include "util/arena.h"

_Static_assert(TOKENIZE_TOKEN_MAX <= STORE_TOKEN_MAX,
    "every token must fit the store");
_Static_assert(TOKENIZE_MAX_TOKENS <= STORE_BATCH_MAX,
    "a message's tokens must fit one store batch");

void
bayes_digest(const struct message *m, unsigned char out[STORE_DIGEST_LEN])
{
	const char *p = m->body, *end, *run;
	unsigned int len = STORE_DIGEST_LEN;
	EVP_MD_CTX *ctx;
	size_t n = m->body != NULL ? m->body_len : 0;

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
	    p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	if (n == 0) {
		/* No body: only the header tells such messages apart. */
		p = m->raw;
		n = m->raw_len;
	}
	memset(out, 0, STORE_DIGEST_LEN);
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	end = p + n;
	/* Feed the runs between the CRs of CRLF pairs. */
	for (run = p; p < end; p++)
		if (*p == '\r' && p + 1 < end && p[1] == '\n') {
			EVP_DigestUpdate(ctx, run, (size_t)(p - run));
			run = p + 1;
		}
	EVP_DigestUpdate(ctx, run, (size_t)(end - run));
	EVP_DigestFinal_ex(ctx, out, &len);
	EVP_MD_CTX_free(ctx);
}

static int
tokens_of(struct arena *a, const struct message *m, struct tokenize_set *t)
{
	if (tokenize_init(t, a, TOKENIZE_MAX_TOKENS) == -1 ||
	    tokenize_message(t, m) == -1)
		return STORE_ERR_NOMEM;
	return STORE_OK;
}

int
bayes_learn(struct store *st, struct arena *a, const struct message *m,
    enum store_class cls, bool forget, enum store_class *was)
{
	unsigned char d[STORE_DIGEST_LEN];
	struct tokenize_set t;
	int r;

	if ((r = tokens_of(a, m, &t)) != STORE_OK)
		return r;
	bayes_digest(m, d);
	if (forget)
		return store_bayes_forget(st, d, t.v, t.n, was);
	return store_bayes_learn(st, d, cls, t.v, t.n);
}

/* The upper tail of chi-square with v (even) degrees of freedom. */
static double
chi2q(double x2, size_t v)
{
	double m = x2 / 2.0, term, sum;
	size_t i;

	sum = term = exp(-m);
	for (i = 1; i < v / 2; i++) {
		term *= m / (double)i;
		sum += term;
	}
	return sum < 1.0 ? sum : 1.0;
}

static int
by_deviation(const void *a, const void *b)
{
	double da = fabs(*(const double *)a - 0.5);
	double db = fabs(*(const double *)b - 0.5);

	return da < db ? 1 : da > db ? -1 : 0;
}

double
bayes_combine(const struct store_counts *c, size_t n,
    const struct store_counts *totals, size_t *clues)
{
	double *f, hr, sr, p, seen, s_log = 0, h_log = 0, prob;
	size_t i, k = 0, used;

	if (clues != NULL)
		*clues = 0;
	if (n > STORE_BATCH_MAX)
		n = STORE_BATCH_MAX;
	if (n == 0 || (f = malloc(n * sizeof(*f))) == NULL)
		return 0.5;
	for (i = 0; i < n; i++) {
		if (c[i].ham <= 0 && c[i].spam <= 0)
			continue;
		/* Per class, relative to how much of each was learned. */
		hr = totals->ham > 0 ? (double)c[i].ham / (double)totals->ham :
		    0;
		sr = totals->spam > 0 ? (double)c[i].spam /
		    (double)totals->spam : 0;
		if (hr + sr <= 0)
			continue;
		p = sr / (hr + sr);
		/* Robinson: a rarely seen token stays near the prior. */
		seen = (double)(c[i].ham + c[i].spam);
		p = (BAYES_PRIOR_WEIGHT * BAYES_PRIOR + seen * p) /
		    (BAYES_PRIOR_WEIGHT + seen);
		if (fabs(p - 0.5) >= BAYES_MIN_DEV)
			f[k++] = p;
	}
	qsort(f, k, sizeof(*f), by_deviation);
	used = k < BAYES_MAX_CLUES ? k : BAYES_MAX_CLUES;
	for (i = 0; i < used; i++) {
		/* Clamp: one token must not make a log infinite. */
		p = f[i] < 1e-6 ? 1e-6 : f[i] > 1 - 1e-6 ? 1 - 1e-6 : f[i];
		s_log += log(1.0 - p);
		h_log += log(p);
	}
	free(f);
	if (clues != NULL)
		*clues = used;
	if (used == 0)
		return 0.5;
	/* Fisher: how unlikely these clues are if the message were not
	 * spam (s), or not ham (h); the answer is their balance. */
	{
		double s = 1.0 - chi2q(-2.0 * s_log, 2 * used);
		double h = 1.0 - chi2q(-2.0 * h_log, 2 * used);

		prob = (s - h + 1.0) / 2.0;
	}
	return prob < 0 ? 0 : prob > 1 ? 1 : prob;
}

int
bayes_classify(struct store *st, struct arena *a, const struct message *m,
    struct bayes_result *res)
{
	struct store_counts *counts;
	struct tokenize_set t;
	int r;

	memset(res, 0, sizeof(*res));
	res->prob = 0.5;
	if ((r = tokens_of(a, m, &t)) != STORE_OK)
		return r;
	res->tokens = t.n;
	if ((counts = arena_calloc(a, t.n + 1, sizeof(*counts))) == NULL)
		return STORE_ERR_NOMEM;
	if ((r = store_bayes_lookup(st, t.v, t.n, counts, &res->totals)) !=
	    STORE_OK)
		return r;
	res->prob = bayes_combine(counts, t.n, &res->totals, &res->clues);
	return STORE_OK;
}

void
check_bayes(const struct message *m, struct scan *s)
{
	struct store *st = s->cfg != NULL ? s->cfg->store : NULL;
	struct bayes_result res;
	char pct[16];
	int r, percent;

	if (st == NULL || m == NULL)
		return;
	if ((r = bayes_classify(st, s->arena, m, &res)) != STORE_OK) {
		if (r != STORE_ERR_NOMEM && !scan_has_symbol(s,
		    "STORE_UNAVAILABLE"))
			scan_symbol(s, "STORE_UNAVAILABLE", store_strerror(r),
			    store_backend_name(st));
		return;
	}
	if (res.totals.ham < BAYES_MIN_HAM || res.totals.spam < BAYES_MIN_SPAM)
		return;
	/* Whole percent, but never "100%" or "0%": it is a likelihood. */
	percent = (int)(res.prob * 100.0 + 0.5);
	snprintf(pct, sizeof(pct), "%d%%", percent > 99 ? 99 :
	    percent < 1 ? 1 : percent);
	if (res.prob >= BAYES_SPAM_AT)
		scan_symbol(s, "BAYES_SPAM", pct);
	else if (res.prob <= BAYES_HAM_AT)
		scan_symbol(s, "BAYES_HAM", pct);
}
