/*
 * scan.h - one message on its way through mailtrust.
 *
 * A scan carries what the pipeline knows about one message: the envelope,
 * the parsed message, the authentication results, and the symbols the
 * checks have added.  Checks only add symbols (scan_symbol); they never
 * print and never choose the action.  The verdict module turns symbols
 * into a score, a verdict and an action afterwards.
 *
 * Memory: everything reachable from a scan lives in scan->arena and goes
 * with scan_free().  The configuration is shared read-only between
 * threads; a scan belongs to one thread.
 */
#ifndef MT_SCAN_H
#define MT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct arena;
struct config;
struct dns_batch;
struct message;

#define SYMBOL_MAX_ARGS	4
#define SCAN_MAX_SYMBOLS 256

/* RFC 8601 2.7 result words, shared by every method. */
enum auth_result {
	AUTH_NONE,
	AUTH_PASS,
	AUTH_FAIL,
	AUTH_SOFTFAIL,
	AUTH_NEUTRAL,
	AUTH_TEMPERROR,
	AUTH_PERMERROR,
	AUTH_POLICY,
};

const char	*auth_result_name(enum auth_result);

/* The SMTP envelope (RFC 5321), given or recovered from the message. */
struct envelope {
	char	*client_ip;	/* textual IPv4/IPv6, NULL if unknown */
	char	*helo;
	char	*mail_from;	/* "" = null reverse-path, NULL = unknown */
	char	**rcpt;
	size_t	 n_rcpt;
	bool	 ip_from_message;	/* taken from a Received field */
	bool	 mail_from_from_message; /* taken from Return-Path */
	bool	 rcpt_from_message;	/* taken from To/Cc */
};

/*
 * What the authentication stage concluded, one word per method plus the
 * identities it concerned.  The detailed results belong to auth/; these
 * fields are what checks, the verdict and the front ends read.
 */
struct dmarc_result;

struct auth_summary {
	enum auth_result spf;
	enum auth_result dkim;		/* best signature result */
	enum auth_result dmarc;
	enum auth_result arc;
	const char	*spf_domain;	/* the identity SPF checked */
	const char	*dkim_domains;	/* d= of passing signatures, ", " */
	const char	*dmarc_domain;	/* the From domain DMARC judged */
	const char	*dmarc_policy;	/* "none"/"quarantine"/"reject" */
	bool		 dkim_aligned;	/* a passing d= aligned with From */
	bool		 spf_aligned;
	bool		 arc_trusted;	/* pass from a trusted sealer */
	char		*header;	/* our Authentication-Results value */
	/* DMARC in full (auth/dmarc.h), in the arena: the policy, the
	   disposition and the RFC 9990 report row; NULL if not run. */
	const struct dmarc_result *dmarc_detail;
	bool		 done;		/* the auth stage has run */
};

struct symbol {
	const char	*name;		/* static: the catalog key */
	double		 score;		/* weight from data/scores */
	int		 cls;		/* enum symbol_class (verdict.h) */
	const char	*args[SYMBOL_MAX_ARGS];	/* evidence, arena strings */
	unsigned	 nargs;
};

enum verdict {
	VERDICT_AUTHENTICATED,
	VERDICT_UNVERIFIED,
	VERDICT_SPAM,
	VERDICT_SUSPICIOUS,
	VERDICT_PHISHING,
	VERDICT_MALWARE,
};
#define VERDICT_COUNT	6

enum action {
	ACTION_ACCEPT,
	ACTION_TAG,		/* headers / subject tag, deliver */
	ACTION_QUARANTINE,
	ACTION_REJECT,
	ACTION_TEMPFAIL,
};

struct scan {
	struct arena		*arena;
	const struct config	*cfg;
	struct dns_batch	*dns;
	time_t			 now;

	struct envelope		 env;
	struct message		*msg;
	struct auth_summary	 auth;

	struct symbol		*symbols;
	size_t			 n_symbols;
	size_t			 cap_symbols;

	double			 score;
	enum verdict		 verdict;
	enum action		 action;
	bool			 failed;	/* an internal error occurred */
};

/*
 * Adds a symbol with up to SYMBOL_MAX_ARGS evidence strings (copied into
 * the arena), e.g. scan_symbol(s, "SPF_FAIL", domain, ip).  The macro
 * ends the list with NULL, so a NULL argument also ends it early.  A
 * second symbol of the same name adds its evidence to the first instead
 * of counting twice.  name must be a string with static lifetime.
 */
#define scan_symbol(s, name, ...) \
	scan_symbol_list((s), (name), ##__VA_ARGS__, (const char *)NULL)
void	scan_symbol_list(struct scan *, const char *name, ...);
void	scan_symbolv(struct scan *, const char *name, const char *const *args,
	    unsigned nargs);
bool	scan_has_symbol(const struct scan *, const char *name);

#endif
