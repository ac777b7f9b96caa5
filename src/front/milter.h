/*
 * milter.h - mailtrust inside the MTA (Postfix, Sendmail) via libmilter.
 *
 * What to do with a message is decided by milter_plan() and
 * milter_plan_outbound() as data (a list of header edits, an action and
 * an SMTP reply), without libmilter, so the unit tests check exactly
 * what the MTA would be told.  milter_run() is the libmilter glue: it
 * collects the envelope and the message, runs the pipeline, applies the
 * plan.  Any failure on the mail path gives SMFIS_TEMPFAIL.
 *
 * Memory: plans live in the arena passed (the scan's).
 */
#ifndef MT_MILTER_H
#define MT_MILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "scan/scan.h"

struct arena;
struct config;
struct dns_resolver;

#define MILTER_MAX_EDITS	64	/* header edits of one message */

enum milter_edit_op {
	MILTER_EDIT_DELETE,	/* the index-th field of that name */
	MILTER_EDIT_CHANGE,	/* its value replaced */
	MILTER_EDIT_INSERT,	/* at the top of the header */
	MILTER_EDIT_ADD,	/* at the end of the header */
};

struct milter_edit {
	enum milter_edit_op	 op;
	const char		*name;
	const char		*value;	/* folded with "\n\t" (libmilter) */
	int			 index;	/* DELETE, CHANGE: 1-based */
};

struct milter_plan {
	enum action		 action;	/* accept, tag, quarantine, ... */
	struct milter_edit	 edits[MILTER_MAX_EDITS];
	size_t			 n_edits;
	const char		*rcode;		/* "550", "451" */
	const char		*xcode;		/* "5.7.1" (RFC 3463) */
	const char		*text;		/* reply text, no CR/LF/% */
};

/*
 * The plan for a scanned inbound message: our Authentication-Results
 * and X-Mailtrust-* / X-Spam-* fields added, forged ones (our
 * authserv-id, RFC 8601 5) removed, the subject tagged, the action from
 * mailtrust.conf or data/scores, an ARC set when arc_seal is set.
 * truncated: only part of the message was scanned.  0, or -1 (then the
 * plan is a tempfail).
 */
int	milter_plan(struct scan *, bool truncated, struct milter_plan *);

/*
 * The plan for mail from an authenticated submitter: a DKIM-Signature
 * when the From domain has a "sign" line, else nothing.  0 or -1.
 */
int	milter_plan_outbound(const struct config *, struct arena *,
	    const char *data, size_t len, struct milter_plan *);

/* true when the textual address ip lies in one of cidrs (NULL-ended). */
bool	milter_in_networks(const char *ip, char *const *cidrs);

/*
 * Serves until the MTA's connection ends or a signal stops libmilter.
 * listen is libmilter's socket spec.  Returns 0 or -1 (printed).
 */
int	milter_run(const struct config *, struct dns_resolver *,
	    const char *listen);

#endif
