/*
 * orgdomain.h - the Organizational Domain of a name (DMARC).
 *
 * Two methods.  RFC 9989's DNS Tree Walk needs DMARC records, so its
 * queries and decisions live in dmarc.c; this module only lists the names
 * the walk queries (orgdomain_walk).  The older method of RFC 7489 3.2
 * asks the Public Suffix List (libpsl) and is kept as a configured
 * fallback (orgdomain_psl).
 *
 * Memory: orgdomain_walk returns pointers into the caller's string;
 * orgdomain_psl returns an arena copy.  The PSL is loaded once per
 * process and shared read-only.
 */
#ifndef MT_ORGDOMAIN_H
#define MT_ORGDOMAIN_H

#include <stddef.h>

struct arena;

/* RFC 9989 4.10: at most eight queries per walk. */
#define ORGDOMAIN_MAX_WALK	8
/* RFC 9989 4.10: a longer name jumps to its rightmost seven labels. */
#define ORGDOMAIN_WALK_JUMP	7

/*
 * The names a Tree Walk queries, longest first: the name itself, then
 * (after the jump for names of eight or more labels) each shorter
 * suffix down to the top-level label.  domain must be lower-case
 * without a final dot.  Returns the count (0 for an empty name).
 */
size_t		 orgdomain_walk(const char *domain,
		    const char *names[ORGDOMAIN_MAX_WALK]);

/* Number of labels of a name without a final dot. */
size_t		 orgdomain_labels(const char *domain);

/*
 * RFC 7489 3.2: the public suffix plus one label, from the system's
 * Public Suffix List (libpsl's built-in list when none is installed).
 * A name that is itself a public suffix is its own Organizational
 * Domain.  NULL without memory.
 */
char		*orgdomain_psl(struct arena *, const char *domain);

#endif
