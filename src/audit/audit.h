/*
 * audit.h - the sender's side: will receivers trust this domain's mail?
 *
 * audit_domain() looks at what a domain publishes and serves for its
 * outgoing and incoming mail: MX, SPF (RFC 7208), DMARC (RFC 9989 and
 * the report authorisation of RFC 9990 / RFC 7489 7.1), DKIM keys
 * (RFC 6376 3.6.1, RFC 8301), MTA-STS (RFC 8461), TLS-RPT (RFC 8460),
 * BIMI, DANE TLSA with DNSSEC (RFC 7672) and STARTTLS on every MX.
 * audit_message() takes a message the domain sent and says why a
 * receiver will or will not trust it.
 *
 * The result is a list of findings.  A finding names a catalog key
 * (data/audit.en, data/audit.de) for the explanation, carries up to
 * AUDIT_MAX_ARGS evidence strings, a severity, and the fix: the record
 * to publish, written out, or NULL when there is nothing to publish.
 * The library never prints; audit_report.c turns findings into text or
 * JSON.
 *
 * Memory: a report and every string in it live in the report's arena.
 * Network: DNS goes through the caller's batch; the MTA-STS policy is
 * fetched with libcurl and each MX is probed on its SMTP port, both at
 * the addresses our resolver gives (so a test zone keeps everything on
 * loopback), unless the options turn the probes off.
 */
#ifndef MT_AUDIT_H
#define MT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "scan/config.h"

struct arena;
struct dns_batch;
struct dns_resolver;
struct scan;

#define AUDIT_MAX_ARGS		4
#define AUDIT_MAX_FINDINGS	512
#define AUDIT_MAX_MX		16	/* MX hosts probed and checked */
#define AUDIT_MAX_SELECTORS	32	/* given on the command line */

enum audit_severity {
	AUDIT_OK,
	AUDIT_INFO,
	AUDIT_WARNING,
	AUDIT_CRITICAL,
};

struct audit_finding {
	const char	*area;		/* "spf", "dmarc", "mx HOST" */
	const char	*id;		/* catalog key, static */
	enum audit_severity sev;
	const char	*args[AUDIT_MAX_ARGS];
	unsigned	 nargs;
	const char	*fix;		/* what to publish, or NULL */
};

struct audit_options {
	const char	*selectors[AUDIT_MAX_SELECTORS];
	size_t		 n_selectors;
	bool		 probe_smtp;	/* STARTTLS on each MX */
	bool		 fetch_mtasts;	/* the policy over HTTPS */
	unsigned	 smtp_port;	/* 0 = 25 */
	unsigned	 https_port;	/* 0 = 443 */
	const char	*ca_file;	/* NULL = the system's */
	bool		 loopback_only;	/* probe 127.0.0.0/8 only */
	unsigned	 timeout_ms;	/* per connection; 0 = 10000 */
	time_t		 now;		/* 0 = time(NULL) */
};

struct audit_mx {
	const char	*host;
	unsigned	 pref;
	const char	*addr;		/* first IPv4 address */
};

/* What the message audit saw, for the report's header. */
struct audit_msgview {
	const char	*from_domain;
	const char	*client_ip;
	const char	*spf, *dkim, *dmarc, *arc;
	const char	*verdict;	/* the receiver's label */
	const char	*authres;	/* our Authentication-Results */
	const char	*summary;	/* the receiver's words, or NULL */
};

struct audit_report {
	struct arena	*arena;
	const char	*domain;
	time_t		 now;
	struct audit_mx	 mx[AUDIT_MAX_MX];
	size_t		 n_mx;
	struct audit_finding *f;
	size_t		 n;
	bool		 is_message;
	struct audit_msgview msg;
	/* Filled while auditing, read by later checks. */
	bool		 dmarc_enforced;	/* quarantine/reject, all */
	bool		 mtasts_enforce;
	const char	*mtasts_mx[AUDIT_MAX_MX];	/* policy patterns */
	size_t		 n_mtasts_mx;
};

/* A report in its own arena; NULL when out of memory. */
struct audit_report *audit_report_new(const char *domain);
void		 audit_report_free(struct audit_report *);

/*
 * Adds a finding; the evidence list ends with NULL and is copied, as is
 * fix.  Past AUDIT_MAX_FINDINGS findings are dropped (the last one says
 * so).
 */
#define audit_add(r, area, id, sev, fix, ...) \
	audit_add_list((r), (area), (id), (sev), (fix), ##__VA_ARGS__, \
	    (const char *)NULL)
void		 audit_add_list(struct audit_report *, const char *area,
		    const char *id, enum audit_severity, const char *fix, ...);

/*
 * The TXT records of res that begin with prefix (ASCII case ignored):
 * the first of them as a C string in r's arena, and their number in *n.
 * NULL when there is none.
 */
struct dns_result;
const char	*audit_txt_pick(struct audit_report *,
		    const struct dns_result *, const char *prefix, size_t *n);
/* "NAME. TXT "..."": a record written out for a fix, in r's arena. */
char		*audit_txt_fix(struct audit_report *, const char *name,
		    const char *text);

/* May a probe connect to addr (textual IPv4) under these options? */
bool		 audit_may_connect(const struct audit_options *,
		    const char *addr);

/* The worst severity of the report. */
enum audit_severity audit_worst(const struct audit_report *);
const char	*audit_severity_name(enum audit_severity);

/* Everything about a domain.  0, or -1 when out of memory. */
int		 audit_domain(struct audit_report *, struct dns_batch *,
		    const struct audit_options *);

/* The DNS parts (audit_dns.c); audit_domain calls them in this order. */
void		 audit_mx(struct audit_report *, struct dns_batch *);
void		 audit_spf(struct audit_report *, struct dns_batch *);
void		 audit_dmarc(struct audit_report *, struct dns_batch *);
void		 audit_dkim(struct audit_report *, struct dns_batch *,
		    const struct audit_options *);
void		 audit_tlsrpt(struct audit_report *, struct dns_batch *);
void		 audit_bimi(struct audit_report *, struct dns_batch *);
/* The _mta-sts record and the policy over HTTPS (audit_mtasts.c). */
void		 audit_mtasts(struct audit_report *, struct dns_batch *,
		    const struct audit_options *);
/* TLSA with DNSSEC and STARTTLS on each MX (audit_tls.c). */
void		 audit_tls(struct audit_report *, struct dns_batch *,
		    const struct audit_options *);

/*
 * A message the domain sent, judged by the pipeline as a receiver
 * would (the scan must be done), and what in the From domain's DNS
 * explains each failure.  0, or -1 when out of memory.
 */
int		 audit_message(struct audit_report *, const struct scan *,
		    struct dns_batch *);

/*
 * Output (audit_report.c).  The catalog is data/audit.LANG; text for a
 * person, JSON (one object) for machines.  Both return 0 or -1.
 */
struct catalog;
int		 audit_print_text(const struct audit_report *,
		    const struct catalog *, FILE *);
int		 audit_print_json(const struct audit_report *,
		    const struct catalog *, FILE *);
/* A finding's explanation with its evidence filled in, in r's arena. */
char		*audit_explain(const struct audit_report *,
		    const struct catalog *, const struct audit_finding *);

#endif
