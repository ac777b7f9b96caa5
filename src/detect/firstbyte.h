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

struct firstbyte_table {
	pcre2_code	*groups[FIRSTBYTE_BYTES];
	size_t		 n_groups;
	uint16_t	 group_of[FIRSTBYTE_BYTES];	/* or FIRSTBYTE_NONE */
};

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

void	firstbyte_free(struct firstbyte_table *);

#endif
