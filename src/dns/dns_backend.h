/*
 * dns_backend.h - what dns.c expects of a backend, and the name and RDATA
 * helpers the backends share.  Internal to src/dns; nothing outside it
 * includes this file.
 *
 * A backend is a vtable plus its own state behind struct dns_resolver.
 * dns.c owns the batch, its cache and its query objects; a backend only
 * starts a lookup for a query (start), brings it to an end (finish) and
 * drops it (cancel).  A backend that can answer at once (the zone) fills
 * q->res in start and never sees finish.
 *
 * Names travel in two forms: wire format (RFC 1035 3.1: length-prefixed
 * labels, ending with the root's empty label), lower-cased, as the cache
 * and zone key; and the text form of dns.h (no final dot, "\." and
 * "\DDD" escapes for bytes that would be ambiguous) for people and for
 * libunbound.
 *
 * Memory: everything a backend writes into q->res comes from the arena
 * it is given (the batch's); backend state of a pending query is the
 * backend's to free in finish or cancel.
 */
#ifndef MT_DNS_BACKEND_H
#define MT_DNS_BACKEND_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns.h"

/* RFC 1035 2.3.4: 255 octets on the wire, 63 per label. */
#define DNS_WIRE_NAME_MAX	255
#define DNS_LABEL_MAX		63
/* Text form: every octet may need "\DDD". */
#define DNS_TEXT_NAME_MAX	(4 * DNS_WIRE_NAME_MAX + 1)

struct dns_backend;

struct dns_resolver {
	const struct dns_backend *ops;
	atomic_ulong	 upstream;	/* see dns_resolver_upstream() */
};

struct dns_query {
	struct dns_query *next;		/* batch hash chain */
	unsigned char	 wire[DNS_WIRE_NAME_MAX];
	size_t		 wlen;
	uint16_t	 type;
	bool		 done;
	struct dns_result *res;		/* set when done */
	void		*state;		/* the backend's, while pending */
};

struct dns_backend {
	const char	*name;
	/*
	 * Starts q; returns 0, or -1 when it could not (q->res is then
	 * filled by dns.c with DNS_ERROR).  May set q->done and q->res.
	 */
	int		(*start)(struct dns_resolver *, struct dns_query *,
			    struct arena *);
	/* Blocks until q is done and fills q->res; frees q->state. */
	void		(*finish)(struct dns_resolver *, struct dns_query *,
			    struct arena *);
	/* Abandons a pending q; frees q->state. */
	void		(*cancel)(struct dns_resolver *, struct dns_query *);
	void		(*free)(struct dns_resolver *);
};

/*
 * Parses a name in master-file text form (RFC 1035 5.1: "\X" and "\DDD"
 * escapes) into wire form.  A name without a final dot is relative and
 * gets origin (wire form) appended; origin NULL means the root.  Returns
 * NULL or the reason the name is bad.
 */
const char	*dns_name_parse(const char *s, size_t len,
		    const unsigned char *origin, size_t originlen,
		    unsigned char *wire, size_t *wlen);
/* The value of the three digits of a "\DDD" escape at s; -1 if bad. */
int		 dns_ddd(const char *s, size_t len);
void		 dns_name_lower(unsigned char *wire, size_t wlen);
/*
 * Validates a wire name at the start of p (no compression pointers:
 * RDATA handed to us is uncompressed); returns its length or 0.
 */
size_t		 dns_name_wire_len(const unsigned char *p, size_t len);
/* Text form without the final dot; the root is "".  NULL on no memory. */
char		*dns_name_text(struct arena *, const unsigned char *wire,
		    size_t wlen);
/* The same into a caller's buffer of at least DNS_TEXT_NAME_MAX bytes. */
void		 dns_name_text_buf(const unsigned char *wire, size_t wlen,
		    char *out);

/*
 * Fills rr->u from rr->type, rr->rdata and rr->rdlen, allocating text
 * from the arena.  -1 when the RDATA is malformed for its type or memory
 * ran out (the caller cannot tell; both make the answer unusable).
 */
int		 dns_rr_decode(struct arena *, struct dns_rr *);

/* A result of status st for q, no records; NULL on no memory. */
struct dns_result *dns_result_new(struct arena *, const struct dns_query *,
		    enum dns_status st);

#endif
