/*
 * arc.h - Authenticated Received Chain (RFC 8617): validating the chain
 * a message arrives with, and sealing it as an intermediary.
 *
 * arc_verify() gives the chain validation status (RFC 8617 4.4: none,
 * pass, fail) with a reason a person can read, the oldest AMS that still
 * validates (5.2 step 5, "oldest-pass"), and each set's sealer so that a
 * caller can decide whether it trusts the sealers (the chain says who
 * handled the message, not whether they are honest).
 *
 * arc_seal() makes the next ARC set (ARC-Authentication-Results,
 * ARC-Message-Signature, ARC-Seal; 5.1) for a message we pass on.
 *
 * Memory: results live in the caller's arena; keys are OpenSSL heap
 * objects freed before return.  Limits: ARC_MAX_INSTANCE sets (8617
 * 4.2.1), the DKIM limits for each signature.
 */
#ifndef MT_ARC_H
#define MT_ARC_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/types.h>

#include "scan/scan.h"

struct arena;
struct dns_batch;
struct dkim_sigfield;
struct header;
struct message;

#define ARC_MAX_INSTANCE	50	/* RFC 8617 4.2.1 */

/* One ARC set as found in the message; index = instance. */
struct arc_set {
	const struct header	*aar;
	const struct header	*ams;
	const struct header	*as;
	struct dkim_sigfield	*ams_f;		/* parsed, or NULL */
	struct dkim_sigfield	*as_f;
};

struct arc_chain {
	struct arc_set	 set[ARC_MAX_INSTANCE + 1];	/* [0] unused */
	unsigned	 n;		/* highest instance seen */
	bool		 any;		/* the message has ARC fields */
	const char	*error;		/* structure or syntax fault, or NULL */
};

/*
 * Finds and parses the ARC fields (4.1, 4.2): instance tags, one field
 * of each kind per instance, no gaps.  A fault is noted in ->error, not
 * returned; -1 only when the arena ran out.
 */
int	arc_chain_collect(const struct message *, struct arena *,
	    struct arc_chain *);

struct arc_result {
	enum auth_result cv;		/* AUTH_NONE, AUTH_PASS or AUTH_FAIL */
	const char	*reason;	/* why not pass, for a person */
	bool		 temporary;	/* fail came from a DNS failure */
	unsigned	 n;		/* sets in the chain */
	unsigned	 oldest_pass;	/* 0: every AMS validates; else the
					   lowest instance whose AMS and all
					   newer AMS validate */
	const char	*sealer[ARC_MAX_INSTANCE + 1];	/* AS d= per set */
	const char	*signer[ARC_MAX_INSTANCE + 1];	/* AMS d= per set */
	const struct header *aar[ARC_MAX_INSTANCE + 1];
};

/* 0 when validation ran (see out->cv), -1 when the arena ran out. */
int	arc_verify(const struct message *, struct dns_batch *, struct arena *,
	    struct arc_result *out);

/*
 * The ARC-Seal hash (5.1.1.3): every ARC set from 1 to n in instance
 * order, AAR then AMS then AS, relaxed, the last AS with b= emptied and
 * no final CRLF.  aar/ams/as are arrays indexed 1..n; last is the last
 * seal's parsed field (for the b= position).
 */
int	arc_seal_hash(const struct header *const *aar,
	    const struct header *const *ams, const struct header *const *as,
	    unsigned n, const struct dkim_sigfield *last, struct arena *,
	    unsigned char *out32);

/* ------------------------------------------------------------------ */
/* Sealing (arc_seal.c). */

struct arc_sealer {
	const char	*domain;	/* d= of AMS and AS */
	const char	*selector;
	EVP_PKEY	*key;		/* RSA >= 1024 bits (or Ed25519) */
	const char	*srv_id;	/* our authserv-id (RFC 8601 2.5) */
	const char	*headers;	/* AMS h=, "a:b"; NULL = default */
	time_t		 t;		/* t=, 0 = none */
};

/*
 * Makes the next ARC set.  cv is the chain status we found (none, pass,
 * fail).  ar is our Authentication-Results value ("srv-id; spf=...");
 * NULL gathers the results from the message's Authentication-Results
 * fields whose authserv-id is srv_id, top to bottom (RFC 8617 4.1.1).
 * *fields receives "ARC-Seal: ...", "ARC-Message-Signature: ...",
 * "ARC-Authentication-Results: ..." lines to put on top of the message.
 * Returns 0; 1 when no set may be added (the newest seal already says
 * cv=fail, 5.1.2, or the chain is at ARC_MAX_INSTANCE), *why saying so;
 * -1 on error with *why.
 */
int	arc_seal(const struct message *, const struct arc_sealer *,
	    enum auth_result cv, const char *ar, struct arena *,
	    char **fields, const char **why);

/*
 * The arc= result our own Authentication-Results fields (authserv-id
 * srv_id) already state, or AUTH_NONE with *found false.
 */
enum auth_result arc_seal_cv_from_ar(const struct message *,
	    const char *srv_id, bool *found);

#endif
