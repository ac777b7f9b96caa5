/*
 * dns.h - the one resolver interface every check uses.
 *
 * Two backends sit behind it: an in-memory zone read from an RFC 1035
 * master file (tests, conformance suites, offline use; dns_zone.c) and
 * libunbound (the real resolver: an answer cache of ours in front of
 * libunbound's, both shared by all threads, DNSSEC validation;
 * dns_unbound.c).
 *
 * Lookups of one message run at once: a check submits every query it
 * will need (dns_submit), then waits for each answer (dns_wait).  Answers
 * are typed, and a failure is never collapsed into "no record": NXDOMAIN,
 * NODATA, SERVFAIL and timeout are different results, because SPF, DMARC
 * and DKIM map them to different outcomes (RFC 7208 5 / 2.6.7, RFC 6376
 * 6.1.2).
 *
 * Memory: a resolver is created once at start-up and shared read-only
 * (the unbound cache does its own locking).  A dns_batch belongs to one
 * message and one thread; its results live in that message's arena.  A
 * batch caches its answers, so two checks asking the same question cost
 * one lookup.
 */
#ifndef MT_DNS_H
#define MT_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

/* RR types we interpret (RFC 1035 3.2.2 and later registries). */
enum {
	DNS_T_A		= 1,
	DNS_T_NS	= 2,
	DNS_T_CNAME	= 5,
	DNS_T_SOA	= 6,
	DNS_T_PTR	= 12,
	DNS_T_MX	= 15,
	DNS_T_TXT	= 16,
	DNS_T_AAAA	= 28,
	DNS_T_SRV	= 33,
	DNS_T_DS	= 43,
	DNS_T_RRSIG	= 46,
	DNS_T_DNSKEY	= 48,
	DNS_T_TLSA	= 52,
	DNS_T_SPF	= 99,
	DNS_T_CAA	= 257,
};

enum dns_status {
	DNS_OK,			/* answer with at least one record */
	DNS_NODATA,		/* the name exists, no record of the type */
	DNS_NXDOMAIN,		/* the name does not exist */
	DNS_SERVFAIL,		/* the server failed (or DNSSEC bogus) */
	DNS_TIMEOUT,		/* no answer in time */
	DNS_ERROR,		/* local failure: bad name, out of memory */
};

struct dns_rr {
	uint16_t	 type;
	uint32_t	 ttl;
	const unsigned char *rdata;	/* wire-format RDATA, always set */
	size_t		 rdlen;
	union {
		unsigned char	 a[4];
		unsigned char	 aaaa[16];
		char		*name;		/* CNAME, NS, PTR: no final dot */
		struct {
			uint16_t pref;
			char	*host;		/* no final dot; "" = null MX */
		} mx;
		struct {
			char	*text;		/* strings joined, no separator */
			size_t	 len;		/* text may contain NUL */
			unsigned nstrings;
		} txt;
		struct {
			uint8_t	 usage, selector, mtype;
			const unsigned char *data;
			size_t	 len;
		} tlsa;
		struct {
			uint16_t prio, weight, port;
			char	*target;
		} srv;
	} u;
};

struct dns_result {
	enum dns_status	 status;
	bool		 secure;	/* DNSSEC-validated (unbound only) */
	bool		 bogus;		/* DNSSEC validation failed */
	const char	*qname;
	uint16_t	 qtype;
	const char	*canon;		/* owner after following CNAMEs */
	struct dns_rr	*rr;		/* records of qtype only */
	size_t		 n;
	const char	*why;		/* unbound's text for bogus/failure */
};

struct dns_resolver;
struct dns_batch;
struct dns_query;
struct buf;

/*
 * Limits.  A batch sends at most DNS_BATCH_MAX_QUERIES questions to its
 * backend (cache hits are free); past that a query fails with DNS_ERROR,
 * so one message cannot make us its DNS amplifier.  The zone follows at
 * most DNS_CNAME_MAX CNAMEs per answer and reads files up to
 * DNS_ZONE_MAX_BYTES holding up to DNS_ZONE_MAX_RECORDS records.
 */
#define DNS_BATCH_MAX_QUERIES	200
#define DNS_CNAME_MAX		8
#define DNS_ZONE_MAX_BYTES	(64u * 1024 * 1024)
#define DNS_ZONE_MAX_RECORDS	1000000u

struct dns_config {
	const char	**forwarders;	/* NULL-terminated; NULL = recursion */
	unsigned	 timeout_ms;	/* per query; 0 = 5000 */
	bool		 dnssec;	/* validate with the root trust anchor */
	const char	*trust_anchor;	/* file; NULL = dns-root-data's */
	unsigned	 port;		/* forwarder port; 0 = 53 */
};

/*
 * Backends.  On failure they return NULL and write a reason (with file
 * and line for the zone) into err.
 */
struct dns_resolver *dns_zone_open(const char *path, char *err, size_t errlen);
struct dns_resolver *dns_zone_from_text(const char *text, size_t len,
		    const char *origin, char *err, size_t errlen);
struct dns_resolver *dns_unbound_open(const struct dns_config *, char *err,
		    size_t errlen);
void		 dns_resolver_free(struct dns_resolver *);
/*
 * Questions the resolver has handed to the network side so far (for
 * libunbound, those its answer cache could not answer; 0 for a zone):
 * for tests and for seeing how well the cache does.
 */
unsigned long	 dns_resolver_upstream(const struct dns_resolver *);

/* Per-message context.  The arena holds every result of the batch. */
struct dns_batch *dns_batch_new(struct dns_resolver *, struct arena *);
void		 dns_batch_free(struct dns_batch *);	/* cancels pending */

/* Starts a lookup; never blocks.  Names may end in '.' or not. */
struct dns_query *dns_submit(struct dns_batch *, const char *name,
		    uint16_t type);
/* Blocks until that query has a result; never returns NULL. */
const struct dns_result *dns_wait(struct dns_batch *, struct dns_query *);
/* dns_submit + dns_wait. */
const struct dns_result *dns_lookup(struct dns_batch *, const char *name,
		    uint16_t type);

/* Number of queries the batch sent to its backend (cache misses). */
size_t		 dns_batch_queries(const struct dns_batch *);

const char	*dns_status_name(enum dns_status);	/* "nxdomain" */
const char	*dns_type_name(uint16_t);		/* "TXT" */
int		 dns_type_from_name(const char *);	/* -1 if unknown */

/*
 * Appends the presentation form of rr's RDATA (RFC 1035 5.1; RFC 3597
 * "\# len hex" for types we do not know) to b: what dig prints after
 * the type.  -1 when b is full.
 */
int		 dns_rr_format(struct buf *, const struct dns_rr *);

/* Reverse-lookup name for an address: "4.3.2.1.in-addr.arpa". */
int		 dns_reverse_name(const char *ip, char *out, size_t outlen);

#endif
