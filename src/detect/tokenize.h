/*
 * tokenize.h - the features the Bayes classifier counts.
 *
 * A message becomes a set of distinct tokens: the words of its visible
 * text (lower-cased, umlauts and other letters kept as UTF-8), the words
 * of its Subject and sender name, the hosts its links point to, and a
 * few header features (From and Reply-To domain, mailer, Message-ID
 * domain, content types, attachment extensions).  Everything but body
 * words carries a prefix ending in ':' ("subj:", "url:", "from:"), which
 * body words cannot contain, so the two never collide.
 *
 * Pure functions: no I/O, no globals; they read a message or a
 * (pointer, length) text and write into the caller's arena.  Each growth
 * axis has a limit below; what is over a limit is left out and the set
 * is marked truncated.  Only an exhausted arena is an error (-1).
 */
#ifndef MT_TOKENIZE_H
#define MT_TOKENIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct message;

#define TOKENIZE_MAX_TOKENS	2000	/* distinct tokens per message */
#define TOKENIZE_TOKEN_MAX	64	/* bytes of one token, with prefix */
#define TOKENIZE_MAX_TEXT	(256u * 1024)	/* bytes of text read */
#define TOKENIZE_WORD_MIN	2	/* characters; shorter are noise */
#define TOKENIZE_WORD_MAX	24	/* characters; longer: "skip:" */
#define TOKENIZE_MAX_LINKS	256	/* links looked at */
#define TOKENIZE_MAX_PARTS	64	/* MIME parts looked at */
#define TOKENIZE_MAX_NAME	64	/* bytes of a mailer name */

struct tokenize_set {
	const char	**v;		/* distinct tokens, NUL-terminated */
	size_t		 n;
	size_t		 max;
	bool		 truncated;	/* a limit left tokens out */
	/* Private: an open-addressing index over v. */
	struct arena	*arena;
	uint32_t	*slot;		/* index + 1, 0 = free */
	size_t		 nslot;		/* a power of two, > 2 * max */
};

/* An empty set of at most max (<= TOKENIZE_MAX_TOKENS) tokens. */
int	tokenize_init(struct tokenize_set *, struct arena *, size_t max);

/*
 * Adds prefix + s[0..len) unless already there.  A token that would be
 * longer than TOKENIZE_TOKEN_MAX, or an empty one, is left out.
 */
int	tokenize_add(struct tokenize_set *, const char *prefix, const char *s,
	    size_t len);

/* Adds the words of a UTF-8 text, each with the prefix ("" for none). */
int	tokenize_text(struct tokenize_set *, const char *prefix,
	    const char *text, size_t len);

/* Adds every feature of a parsed message (see above). */
int	tokenize_message(struct tokenize_set *, const struct message *);

#endif
