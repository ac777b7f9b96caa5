/*
 * firstbyte.h - many regular expressions matched in one pass, grouped
 * by the byte a match can start on.
 *
 * PCRE2 knows, for a compiled pattern, which bytes a match may start
 * with.  A table holds, per byte value, one anchored, JIT-compiled
 * alternation of just the patterns that may start there; a text is then
 * read once and at each position only that byte's alternation is tried.
 * The lexicon (data/lexicon) and the brand names (data/brands) both
 * match this way; what each puts into a byte's alternation is theirs.
 *
 * A call into PCRE2 costs more than most of the failed attempts it
 * makes, and in German text nearly every word starts on a byte some
 * phrase starts on.  So the table can also hold the literal beginnings
 * of its alternatives ("konto", "kundenkonto", "in the next", "ionos")
 * in a trie: at a position where no beginning fits, nothing can match
 * and PCRE2 is not called.  An alternative without a literal beginning makes its first
 * bytes always tried, and so does a non-ASCII byte where a beginning
 * may start or may go on with one, as caseless matching lets 'k'
 * match U+212A and \s takes U+00A0.
 *
 * Memory: the table owns its compiled patterns (firstbyte_free).
 * Read-only after building, so threads share it.
 */
#ifndef MT_FIRSTBYTE_H
#define MT_FIRSTBYTE_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

#define FIRSTBYTE_BYTES		256
#define FIRSTBYTE_SET		(FIRSTBYTE_BYTES / 8)	/* a bit per byte */
#define FIRSTBYTE_NONE		0xffff

struct firstbyte_node {
	uint64_t	 kids[2];	/* a bit per byte of the children */
	uint32_t	 child, sibling;	/* 0: none (0 is the root) */
	uint32_t	 ws;		/* child after a run of white space */
	uint32_t	 digits;	/* child after a run of digits */
	uint32_t	 dense;		/* 1 + its table in dense, or 0 */
	unsigned char	 byte;		/* lower-case ASCII */
	bool		 end;		/* a literal beginning ends here */
	uint8_t		 runs;		/* FIRSTBYTE_RUN_*: ws, digits set */
	bool		 high;		/* non-ASCII may go on */
};

#define FIRSTBYTE_RUN_WS	0x01
#define FIRSTBYTE_RUN_DIGIT	0x02

/* Children from which a node looks them up in a table, not a list. */
#define FIRSTBYTE_DENSE		4

struct firstbyte_table {
	pcre2_code	*groups[FIRSTBYTE_BYTES];
	size_t		 n_groups;
	uint16_t	 group_of[FIRSTBYTE_BYTES];	/* or FIRSTBYTE_NONE */
	/* The literal beginnings, when the user gave them all. */
	bool		 prefixes;
	/* ASCII characters that match a non-ASCII one caselessly ('k'). */
	bool		 partner[0x80];
	bool		 always[FIRSTBYTE_BYTES];	/* no beginning known */
	struct firstbyte_node *nodes;
	size_t		 n_nodes, cap_nodes;
	uint32_t	 root[FIRSTBYTE_BYTES];	/* first level, by byte */
	uint32_t	(*dense)[128];	/* child by byte, for big nodes */
	size_t		 n_dense;
	/* The walk's first two steps at once (firstbyte_steps_build). */
	uint32_t	*steps;		/* by step_of[] of both bytes */
	uint8_t		 step_of[FIRSTBYTE_BYTES];	/* 7 bits each */
	/*
	 * Windows of four bytes where a walk past those may fit: by
	 * quad_of[] of the first three, a bit per class of the fourth.
	 */
	uint32_t	*quads;
	uint8_t		 quad_of[FIRSTBYTE_BYTES];	/* 5 bits each */
	/*
	 * The non-ASCII characters below FIRSTBYTE_HIGH_CHARS that a
	 * beginning may start with, a bit per code point; made with the
	 * step table, under the options the alternatives were added with.
	 */
	uint8_t		*high_first;
	uint32_t	 options;
};

#define FIRSTBYTE_HIGH_CHARS	0x20000	/* the BMP and the SMP (emoji) */

/* Entries of the step table; any other is FIRSTBYTE_STEP_NODE + a node. */
#define FIRSTBYTE_STEP_NO	0	/* no beginning fits */
#define FIRSTBYTE_STEP_YES	1	/* one fits, or the text ends in one */
#define FIRSTBYTE_STEP_SLOW	2	/* a run may start: step by step */
#define FIRSTBYTE_STEP_NODE	3

/*
 * The bytes a match of pat (compiled with options) can start on, as a
 * bit set: never fewer than the real ones, every byte when PCRE2 cannot
 * tell, which is slower but never wrong.
 */
void	firstbyte_of(const char *pat, size_t len, uint32_t options,
	    uint8_t first[FIRSTBYTE_SET]);

/* Whether byte c, or its other ASCII case, is in the set. */
bool	firstbyte_may_start(const uint8_t first[FIRSTBYTE_SET],
	    unsigned int c);

/* Whether a pattern has an alternation outside every group. */
bool	firstbyte_top_bar(const char *re);

/*
 * Splits re into the branches of its top level ("A|B") or of its
 * leading non-capturing group ("(?:A|B)SUFFIX", the group not
 * quantified), when dropping some of them would leave the others
 * meaning what they meant (no captures, back references or option
 * settings).  Fills off and len (at most max), and suffix (where SUFFIX
 * starts); returns the number of branches, 0 when re is neither.
 */
#define FIRSTBYTE_MAX_BRANCHES	512
size_t	firstbyte_branches(const char *re, size_t *suffix, size_t *off,
	    size_t *len, size_t max);

/*
 * Adds the literal beginnings of one alternative, alt (compiled with
 * options), whose matches can start on the bytes in first.  They are
 * read from its start through plain characters (an escaped punctuation
 * character counts), \s and \d (a run of any length, stepped over
 * whole), \b, classes of a few such characters, optional parts (read
 * both ways) and groups "(?:A|B)" or "(?-i:...)" (each branch), until
 * something else, a repeat, or too many beginnings.  Where some match
 * has none, the branches of a leading group are read alone, and those
 * without one have their first bytes always tried.  A beginning that
 * goes on with a non-ASCII letter matching no ASCII one is only
 * followed by a non-ASCII byte in the text.  Either every alternative
 * of the table is added, or none; -1 when out of memory.
 */
int	firstbyte_prefixes_add(struct firstbyte_table *, const char *alt,
	    size_t len, const uint8_t first[FIRSTBYTE_SET], uint32_t options);

/*
 * Whether the text s of len bytes may hold a match at p (see the top).
 * A non-ASCII byte after the first goes on only from a node where a
 * beginning goes on with white space or digits (Unicode has more of
 * both), with a non-ASCII character, or with an ASCII one that has a
 * non-ASCII caseless partner ('k' and U+212A).
 */
bool	firstbyte_prefix_at(const struct firstbyte_table *,
	    const unsigned char *s, size_t len, size_t p);

/*
 * firstbyte_prefix_at() from node at on, at p: for a caller that took
 * the first steps itself (the step table's FIRSTBYTE_STEP_NODE + at).
 */
bool	firstbyte_walk(const struct firstbyte_table *, uint32_t at,
	    const unsigned char *s, size_t len, size_t p);

/*
 * The pairs of bytes (s[p] << 8 | s[p + 1]) a beginning may start
 * with, as a bit set: where the text's pair is not in it,
 * firstbyte_prefix_at() says no.  For a caller that asks at many
 * places; taken once every alternative is added.
 */
#define FIRSTBYTE_PAIRS		(FIRSTBYTE_BYTES * FIRSTBYTE_BYTES)
void	firstbyte_pairs(const struct firstbyte_table *,
	    uint8_t pairs[FIRSTBYTE_PAIRS / 8]);

/*
 * Takes the walk's first two steps into one look-up, by the pair of
 * bytes: where firstbyte_prefix_at() then says yes or no, or the node
 * it goes on from.  For a caller that asks at many places; made once
 * every alternative is added (an alternative added later unmakes it).
 * With it, the windows of four bytes where a walk that the pair leaves
 * undecided may go on (firstbyte_quad()), and the non-ASCII characters
 * a beginning may start with (firstbyte_high_first()).  -1 when out of
 * memory (the walk then takes its steps one by one).
 */
int	firstbyte_steps_build(struct firstbyte_table *);

/*
 * Whether a beginning may fit the four bytes at s, as far as they go
 * (firstbyte_steps_build); where it says no, firstbyte_prefix_at()
 * does too.  Only where t->quads is made, and for a walk the step
 * table leaves undecided (FIRSTBYTE_STEP_SLOW, FIRSTBYTE_STEP_NODE).
 */
static inline bool
firstbyte_quad(const struct firstbyte_table *t, const unsigned char *s)
{
	uint32_t q = (uint32_t)t->quad_of[s[0]] << 10 |
	    (uint32_t)t->quad_of[s[1]] << 5 | t->quad_of[s[2]];

	return (t->quads[q] >> t->quad_of[s[3]]) & 1u;
}

/*
 * Whether a beginning may start with the non-ASCII character at s[p],
 * valid UTF-8, by t->high_first (yes where it is not made): where it
 * says no, firstbyte_prefix_at() says yes only because it takes any
 * non-ASCII byte at the root for one that may be a digit or a caseless
 * partner ("\x{212A}" for 'k').
 */
bool	firstbyte_high_first(const struct firstbyte_table *,
	    const unsigned char *s, size_t len, size_t p);

/*
 * Writes the alternation for byte c into out (left empty when nothing
 * may start there); -1 when it does not fit.
 */
typedef int firstbyte_source_fn(void *arg, unsigned int c, struct buf *out);

/*
 * Builds the table: source() for every byte value except UTF-8
 * continuation bytes (no match starts inside a character), bytes with
 * the same text sharing one compiled pattern, compiled with options |
 * PCRE2_ANCHORED and JIT.  On failure writes "what: reason" into err
 * and returns -1; the table is then freed with firstbyte_free.  max
 * bounds one byte's alternation.
 */
int	firstbyte_build(struct firstbyte_table *, firstbyte_source_fn *,
	    void *arg, uint32_t options, size_t max, const char *what,
	    char *err, size_t errlen);

/* The alternation to try where the text has byte c, or NULL. */
static inline const pcre2_code *
firstbyte_group(const struct firstbyte_table *t, unsigned char c)
{
	return t->group_of[c] == FIRSTBYTE_NONE ? NULL :
	    t->groups[t->group_of[c]];
}

/*
 * Whether a beginning may fit at s[p], four bytes there, by the step
 * table and the windows (t->quads made) first: most word starts are
 * settled by their first two bytes, most of the walks left by four.
 */
static inline bool
firstbyte_fits4(const struct firstbyte_table *t, const unsigned char *s,
    size_t len, size_t p)
{
	uint32_t e = t->steps[(uint32_t)t->step_of[s[p]] << 7 |
	    t->step_of[s[p + 1]]];

	if (e == FIRSTBYTE_STEP_NO)
		return false;
	/* A quotation mark or an emoji starts nothing. */
	if (e == FIRSTBYTE_STEP_YES)
		return s[p] < 0x80 || firstbyte_high_first(t, s, len, p);
	if (!firstbyte_quad(t, s + p))
		return false;	/* "to be", "of", "12." */
	if (e >= FIRSTBYTE_STEP_NODE)
		return firstbyte_walk(t, e - FIRSTBYTE_STEP_NODE, s, len,
		    p + 2);
	return firstbyte_prefix_at(t, s, len, p);
}

/*
 * The alternation to try at s[p], or NULL when nothing can match there;
 * where the windows are made, looked up only once they let it be.
 */
static inline const pcre2_code *
firstbyte_group_at(const struct firstbyte_table *t, const unsigned char *s,
    size_t len, size_t p)
{
	const pcre2_code *re;
	uint32_t e;

	if (t->quads != NULL && p + 3 < len && !t->always[s[p]])
		return firstbyte_fits4(t, s, len, p) ?
		    firstbyte_group(t, s[p]) : NULL;
	re = firstbyte_group(t, s[p]);
	if (re == NULL || !t->prefixes || t->always[s[p]])
		return re;
	/* Most word starts are settled by their first two bytes. */
	if (t->steps != NULL && p + 1 < len) {
		e = t->steps[(uint32_t)t->step_of[s[p]] << 7 |
		    t->step_of[s[p + 1]]];
		if (e == FIRSTBYTE_STEP_NO)
			return NULL;
		if (e == FIRSTBYTE_STEP_YES)
			return s[p] < 0x80 || firstbyte_high_first(t, s, len,
			    p) ? re : NULL;
		if (e >= FIRSTBYTE_STEP_NODE)
			return firstbyte_walk(t, e - FIRSTBYTE_STEP_NODE, s,
			    len, p + 2) ? re : NULL;
	}
	return firstbyte_prefix_at(t, s, len, p) ? re : NULL;
}

void	firstbyte_free(struct firstbyte_table *);

#endif
