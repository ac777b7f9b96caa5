/*
 * spf.h - Sender Policy Framework (RFC 7208): may this client IP send
 * mail for this domain?
 *
 * spf_check_host() is the check_host() function of RFC 7208 section 4;
 * spf_verify_envelope() picks the identity to check from an SMTP
 * envelope (sections 2.3 and 2.4).  spf_record_parse() and the macro
 * functions are exposed for the unit tests and the fuzz target.
 *
 * Memory: every string in a result lives in the arena given; nothing is
 * kept between calls.  DNS goes through the caller's batch, so answers
 * are shared with the other checks of the same message.
 *
 * Limits (RFC 7208 4.6.4 and our own, each a named constant below): ten
 * terms that cause DNS lookups per check, two void lookups, ten MX or
 * PTR names per term, and ceilings on record size, terms per record and
 * macro expansion length.
 */
#ifndef MT_SPF_H
#define MT_SPF_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "scan/scan.h"

struct arena;
struct dns_batch;

/* RFC 7208 4.6.4: lookups, void lookups, MX and PTR names per term. */
#define SPF_MAX_LOOKUPS		10
#define SPF_MAX_VOID		2
#define SPF_MAX_MX		10
#define SPF_MAX_PTR		10
/* Ours: a record longer or with more terms is a permerror. */
#define SPF_MAX_RECORD		8192
#define SPF_MAX_TERMS		512
/* Ours: one macro expansion may not produce more than this. */
#define SPF_MAX_EXPANSION	4096
/* RFC 7208 7.3: domain names after expansion are cut to this. */
#define SPF_MAX_DOMAIN		253

struct spf_result {
	enum auth_result result;	/* none pass fail softfail neutral
					   temperror permerror */
	const char	*explanation;	/* fail only: exp= or default */
	const char	*domain;	/* the domain checked (top level) */
	const char	*identity;	/* "mailfrom" or "helo" */
	const char	*sender;	/* <sender> after 4.3 */
	const char	*mechanism;	/* the matching term, or NULL */
	const char	*problem;	/* why permerror/temperror/none */
	unsigned	 lookups;	/* terms that caused DNS lookups */
	unsigned	 void_lookups;
};

/*
 * check_host(ip, domain, sender) of RFC 7208 4.  helo fills %{h}; it may
 * be NULL.  Returns 0, or -1 when the arena ran out (the result is then
 * temperror; never pass).
 */
int	spf_check_host(struct dns_batch *, struct arena *, const char *ip,
	    const char *domain, const char *sender, const char *helo,
	    struct spf_result *);

/*
 * The envelope check of RFC 7208 2.3/2.4: MAIL FROM when it is not
 * empty, else postmaster@HELO.  mail_from NULL (unknown) checks the
 * HELO identity too.  A missing HELO with an empty MAIL FROM is none.
 */
int	spf_verify_envelope(struct dns_batch *, struct arena *,
	    const char *ip, const char *mail_from, const char *helo,
	    struct spf_result *);

/*
 * The record parser (RFC 7208 4.5, 4.6, 5, 6, 12).  text is a selected
 * record including "v=spf1".  Returns NULL on a syntax error and points
 * *problem at a static description; the record keeps pointers into text.
 */
enum spf_mech {
	SPF_MECH_ALL,
	SPF_MECH_INCLUDE,
	SPF_MECH_A,
	SPF_MECH_MX,
	SPF_MECH_PTR,
	SPF_MECH_IP4,
	SPF_MECH_IP6,
	SPF_MECH_EXISTS,
};

struct spf_term {
	enum auth_result qualifier;	/* pass fail softfail neutral */
	enum spf_mech	 mech;
	const char	*spec;		/* domain-spec or NULL */
	size_t		 spec_len;
	unsigned char	 addr[16];	/* ip4 (first 4 bytes) / ip6 */
	int		 cidr4, cidr6;	/* prefix lengths, -1 none */
	const char	*text;		/* the term as written */
	size_t		 text_len;
};

struct spf_record {
	struct spf_term	*terms;
	size_t		 n;
	const char	*redirect;	/* domain-spec or NULL */
	size_t		 redirect_len;
	const char	*exp;		/* domain-spec or NULL */
	size_t		 exp_len;
	bool		 has_all;
};

struct spf_record *spf_record_parse(struct arena *, const char *text,
	    size_t len, const char **problem);
/* Is this TXT string an SPF version 1 record (4.5)? */
bool	spf_record_is_v1(const char *text, size_t len);

/*
 * Macros (RFC 7208 7).  A macro-string is checked once when the record
 * is parsed and expanded when a term is evaluated.
 */
struct spf_macro_env {
	const char	*sender;	/* s */
	const char	*local;		/* l */
	const char	*sender_domain;	/* o */
	const char	*domain;	/* d */
	const char	*helo;		/* h */
	const char	*receiver;	/* r */
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 ip[16];	/* i, c, v */
	time_t		 now;		/* t */
	/* p: the validated name for the current domain; NULL = "unknown". */
	const char	*(*validated)(void *, const char *domain);
	void		*validated_arg;
};

/*
 * Checks macro-string syntax (7.1).  exp allows the c, r and t letters.
 * *ends_in_macro tells whether the last token was a macro-expand (the
 * domain-end rule).  Returns NULL or a static reason.
 */
const char *spf_macro_check(const char *s, size_t len, bool exp,
	    bool *ends_in_macro);
/*
 * Expands a checked macro-string into the arena; NULL when the result
 * would exceed SPF_MAX_EXPANSION, on a syntax error or without memory.
 */
char	*spf_macro_expand(const struct spf_macro_env *, struct arena *,
	    const char *s, size_t len, bool exp);

#endif
