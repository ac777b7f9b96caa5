/*
 * dmarc.h - DMARC (RFC 9989, which obsoletes RFC 7489): does the author
 * domain of a message authorise it, and what does it ask receivers to
 * do when it does not?
 *
 * dmarc_evaluate() takes the From domain and the SPF and DKIM results
 * (computed elsewhere), discovers the policy and the Organizational
 * Domain by the DNS Tree Walk (RFC 9989 4.10) or, when configured, the
 * Public Suffix List method of RFC 7489, checks identifier alignment
 * (RFC 9989 4.4) and gives the result, the policy that applies (p, sp or
 * np; t=y testing) and the disposition.  The result also carries the
 * fields an aggregate report row needs.
 *
 * Memory: all strings of a result live in the arena given.  Limits:
 * DMARC_MAX_DKIM signatures considered, ORGDOMAIN_MAX_WALK queries per
 * walk, DMARC_MAX_RECORD bytes per record.
 */
#ifndef MT_DMARC_H
#define MT_DMARC_H

#include <stdbool.h>
#include <stddef.h>

#include "scan/scan.h"

struct arena;
struct dns_batch;
struct message;

#define DMARC_MAX_DKIM		16
#define DMARC_MAX_RECORD	4096

enum dmarc_policy {
	DMARC_POLICY_UNSPECIFIED,
	DMARC_POLICY_NONE,
	DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT,
};

enum dmarc_psd {
	DMARC_PSD_U,		/* unspecified (default) */
	DMARC_PSD_Y,		/* a Public Suffix Domain's record */
	DMARC_PSD_N,		/* this is an Organizational Domain */
};

enum dmarc_org_method {
	DMARC_ORG_TREEWALK,	/* RFC 9989 4.10 (default) */
	DMARC_ORG_PSL,		/* RFC 7489 3.2, Public Suffix List */
};

/* A policy record (RFC 9989 4.7), with pct from RFC 7489 tolerated. */
struct dmarc_record {
	enum dmarc_policy p, sp, np;	/* UNSPECIFIED when absent */
	bool		 p_invalid;	/* p= with an unknown value */
	enum dmarc_psd	 psd;
	bool		 testing;	/* t=y, or pct < 100 (7489) */
	bool		 adkim_strict, aspf_strict;
	int		 pct;		/* -1 when absent */
	const char	*rua, *ruf, *fo;	/* as written, or NULL */
};

struct dmarc_dkim {
	const char		*domain;	/* d= */
	const char		*selector;	/* s= */
	enum auth_result	 result;
};

struct dmarc_input {
	const char		*from_domain;	/* RFC5322.From domain */
	const char		*source_ip;	/* for the report row */
	const char		*mail_from;	/* MAIL FROM domain */
	enum auth_result	 spf;
	const char		*spf_domain;	/* what SPF checked */
	const char		*spf_scope;	/* "mfrom" or "helo" */
	const struct dmarc_dkim	*dkim;
	size_t			 n_dkim;
	enum dmarc_org_method	 org_method;
};

struct dmarc_result {
	enum auth_result	 result;	/* none pass fail temperror
						   permerror */
	enum dmarc_policy	 policy;	/* the one that applies */
	const char		*policy_tag;	/* "p", "sp" or "np" */
	enum dmarc_policy	 disposition;	/* what to do with it */
	bool			 testing;	/* t=y (lowers the policy) */
	bool			 nonexistent;	/* no A/AAAA/MX at From */
	const char		*from_domain;
	const char		*policy_domain;	/* the record's name */
	const char		*org_domain;
	struct dmarc_record	 record;	/* if policy_domain */
	bool			 spf_aligned;	/* aligned SPF pass */
	bool			 dkim_aligned;	/* aligned DKIM pass */
	const char		*dkim_domain;	/* that d= */
	const char		*problem;	/* why not pass */
	enum dmarc_org_method	 method;	/* how org_domain was found */

	/*
	 * What an aggregate report row needs (RFC 9990 "row",
	 * "identifiers", "auth_results"); policy_published is record,
	 * policy_domain and method above, the disposition is above too.
	 */
	struct {
		const char		*source_ip;
		const char		*header_from;
		const char		*envelope_from;
		struct dmarc_dkim	 dkim[DMARC_MAX_DKIM];
		size_t			 n_dkim;
		const char		*spf_domain;
		const char		*spf_scope;
		enum auth_result	 spf;
	} row;
};

/*
 * Parses one TXT string (RFC 9989 4.7, 4.8).  rua, ruf and fo are
 * copied into the arena; with a NULL arena they stay NULL.  Returns 0,
 * or -1 when it is not a DMARC record (*problem says why: "v=DMARC1" not
 * first, a tag without '=', too long).  Unknown tags are ignored.
 */
int	dmarc_record_parse(struct arena *, const char *text, size_t len,
	    struct dmarc_record *, const char **problem);

int	dmarc_evaluate(struct dns_batch *, struct arena *,
	    const struct dmarc_input *, struct dmarc_result *);

/*
 * The author domain of a message (RFC 9989 4.6 / RFC 7489 6.6.1): the
 * domain of the single From address.  NULL with *problem set when there
 * is none, several From fields, or addresses in different domains.
 */
const char *dmarc_author_domain(const struct message *, const char **problem);

const char *dmarc_policy_name(enum dmarc_policy);	/* "reject" */

/*
 * The usual composition: the author domain of msg, the SPF result (NULL
 * when SPF was not run) and the DKIM signatures (NULL when DKIM was not
 * run) turned into a dmarc_input, then dmarc_evaluate().  ip is for the
 * report row only.
 */
struct spf_result;
struct dkim_results;
int	dmarc_check(struct dns_batch *, struct arena *,
	    const struct message *, const char *ip, const struct spf_result *,
	    const struct dkim_results *, enum dmarc_org_method,
	    struct dmarc_result *);

#endif
