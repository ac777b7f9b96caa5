/*
 * bayes.h - a learning classifier: how much a message resembles the
 * spam and the ham this installation was taught (mailtrust learn).
 *
 * Token counts live in the store (store.h), so every mailtrust host on
 * one Redis learns from the others.  A message is named by the SHA-256
 * of its body, so learning it twice counts once and forgetting takes
 * back exactly what was learned.  Phishing is learned as spam: the
 * classifier tells wanted from unwanted; other checks tell why.
 *
 * Combining (Robinson's method with Fisher's chi-square, as SpamBayes
 * uses it): each token's spam probability is smoothed towards 0.5 by how
 * rarely it was seen; the BAYES_MAX_CLUES tokens farthest from 0.5 are
 * combined into one spamminess and one hamminess, and the result is
 * their balance, 0 (ham) .. 1 (spam).  Tokens never seen say nothing.
 *
 * Memory: tokens go into the caller's arena; nothing is kept between
 * calls.
 */
#ifndef MT_BAYES_H
#define MT_BAYES_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

struct arena;
struct message;

/* The classifier speaks only after learning this many of each. */
#define BAYES_MIN_HAM		200
#define BAYES_MIN_SPAM		200
#define BAYES_SPAM_AT		0.90	/* probability: BAYES_SPAM from here */
#define BAYES_HAM_AT		0.10	/* and BAYES_HAM up to here */
#define BAYES_MAX_CLUES		150	/* tokens combined per message */
#define BAYES_MIN_DEV		0.1	/* |p - 0.5| below this: no clue */
#define BAYES_PRIOR_WEIGHT	0.45	/* Robinson's s, SpamBayes' default */
#define BAYES_PRIOR		0.5	/* Robinson's x: an unseen token */

struct bayes_result {
	double			prob;	/* 0 ham .. 1 spam */
	size_t			tokens;	/* distinct tokens of the message */
	size_t			clues;	/* tokens that were combined */
	struct store_counts	totals;	/* messages learned so far */
};

/*
 * The message's name for learning: SHA-256 of its body with CRLF read
 * as LF and trailing white space cut (the same text stored with other
 * line ends is the same message); a message without a body is named by
 * the whole of it.
 */
void	bayes_digest(const struct message *,
	    unsigned char out[STORE_DIGEST_LEN]);

/*
 * Learns the message as cls, or forgets what was learned from it (then
 * cls is not used; *was, when not NULL, says what it had been learned
 * as).  Returns a store status: STORE_OK, STORE_EXISTS (already learned
 * as cls), STORE_NOT_FOUND (forget: never learned), or an error
 * (STORE_ERR_NOMEM also when the arena is exhausted).
 */
int	bayes_learn(struct store *, struct arena *, const struct message *,
	    enum store_class cls, bool forget, enum store_class *was);

/* Classifies the message against what the store learned. */
int	bayes_classify(struct store *, struct arena *, const struct message *,
	    struct bayes_result *);

/*
 * The combining step alone, for tests: n token counts and the totals
 * give a probability; *clues (may be NULL) says how many tokens counted.
 */
double	bayes_combine(const struct store_counts *, size_t n,
	    const struct store_counts *totals, size_t *clues);

#endif
