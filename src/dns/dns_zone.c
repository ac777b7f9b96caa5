/*
 * dns_zone.c - an RFC 1035 master file held in memory, answering queries
 * the way an authoritative server would: for tests, the conformance
 * suites and offline use.
 *
 * RFCs: 1035 5.1 (master file format: $ORIGIN, $INCLUDE, '@', owner
 * inheritance, parentheses, "\X" and "\DDD" escapes, quoted strings),
 * 2308 4 ($TTL), 1034 4.3.2 (the lookup: CNAME restarts the query at
 * the target), 4592 (wildcards: the closest encloser, "*.<encloser>" as
 * the source of synthesis, empty non-terminals exist and block),
 * 2181 8 (TTLs are 31 bits), 3597 5 (the "\#" form for other types),
 * 4343 (names compare without regard to ASCII case).
 *
 * Two comment directives simulate failures, kept as comments so the
 * file still loads in every other tool: ";@timeout NAME" makes queries
 * for NAME of a type it has no record of time out, ";@servfail NAME"
 * answers SERVFAIL to every query of NAME.
 *
 * Memory: the zone and all its records live in one arena of its own,
 * freed with the resolver; the zone is read-only once loaded, so any
 * number of threads may query it.  Answers are copied into the batch's
 * arena.  The name index is a chained hash table over the lower-cased
 * wire names, so a lookup costs a few probes however large the zone.
 *
 * Limits: DNS_ZONE_MAX_BYTES of text, DNS_ZONE_MAX_RECORDS records,
 * ZONE_MAX_TOKENS tokens per entry, RDATA of 65535 octets (RFC 1035
 * 3.2.1 RDLENGTH), DNS_CNAME_MAX CNAMEs per lookup.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_backend.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define ZONE_MAX_TOKENS		8192
#define ZONE_RDATA_MAX		65535
#define ZONE_TTL_MAX		2147483647u	/* RFC 2181 8 */
#define ZONE_DEFAULT_TTL	3600u
#define ZONE_MEM_MAX		(1024u * 1024 * 1024)
#define ZONE_FIRST_BUCKETS	1024

struct zone_rr {
	struct zone_rr	*next;
	uint16_t	 type;
	uint16_t	 rdlen;
	uint32_t	 ttl;
	unsigned char	*rdata;
};

struct zone_node {
	struct zone_node *hnext;
	uint32_t	 hash;
	size_t		 wlen;
	unsigned char	*wire;		/* lower-cased */
	struct zone_rr	*rrs;
	struct zone_rr	**tail;
	bool		 exists;	/* has records, or names below do */
	bool		 timeout;	/* ;@timeout */
	bool		 servfail;	/* ;@servfail */
};

struct zone {
	struct dns_resolver base;	/* first: we are cast from it */
	struct arena	*mem;
	struct zone_node **table;
	size_t		 nbuckets;
	size_t		 nnodes;
	size_t		 nrecords;
};

struct token {
	const char	*s;
	size_t		 len;
	bool		 quoted;
};

struct zparse {
	struct zone	*z;
	const char	*p;
	size_t		 len;
	size_t		 pos;
	const char	*file;
	unsigned	 line;		/* of the cursor */
	unsigned	 entry_line;	/* where the current entry began */
	char		*err;
	size_t		 errlen;
	bool		 failed;
	unsigned char	 origin[DNS_WIRE_NAME_MAX];
	size_t		 originlen;
	unsigned char	 owner[DNS_WIRE_NAME_MAX];
	size_t		 ownerlen;
	bool		 have_owner;
	uint32_t	 default_ttl;	/* $TTL */
	bool		 have_default_ttl;
	uint32_t	 last_ttl;	/* RFC 1035: the last explicit one */
	bool		 have_last_ttl;
	struct token	*tok;
	size_t		 ntok;
	bool		 leading_space;
	unsigned char	*rd;		/* RDATA being built */
	size_t		 rdlen;
};

static const struct dns_backend zone_backend;

static void zerr(struct zparse *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
zerr(struct zparse *zp, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (zp->failed)
		return;			/* the first error is the one to fix */
	zp->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (zp->errlen > 0)
		snprintf(zp->err, zp->errlen, "%s:%u: %s", zp->file,
		    zp->entry_line, msg);
}

/*
 * The name index.
 */

static uint32_t
name_hash(const unsigned char *wire, size_t wlen)
{
	return str_fnv1a(STR_FNV_INIT, wire, wlen);
}

static struct zone_node *
zone_find(const struct zone *z, const unsigned char *wire, size_t wlen)
{
	struct zone_node *n;
	uint32_t h = name_hash(wire, wlen);

	for (n = z->table[h & (z->nbuckets - 1)]; n != NULL; n = n->hnext)
		if (n->hash == h && n->wlen == wlen &&
		    memcmp(n->wire, wire, wlen) == 0)
			return n;
	return NULL;
}

static int
zone_rehash(struct zone *z)
{
	struct zone_node **t, *n, *next;
	size_t i, nb = z->nbuckets * 2;

	if ((t = calloc(nb, sizeof(*t))) == NULL)
		return -1;
	for (i = 0; i < z->nbuckets; i++)
		for (n = z->table[i]; n != NULL; n = next) {
			next = n->hnext;
			n->hnext = t[n->hash & (nb - 1)];
			t[n->hash & (nb - 1)] = n;
		}
	free(z->table);
	z->table = t;
	z->nbuckets = nb;
	return 0;
}

/* Finds or adds the node for a lower-cased wire name. */
static struct zone_node *
zone_node_get(struct zone *z, const unsigned char *wire, size_t wlen)
{
	struct zone_node *n;

	if ((n = zone_find(z, wire, wlen)) != NULL)
		return n;
	if (z->nnodes >= z->nbuckets && zone_rehash(z) == -1)
		return NULL;
	if ((n = arena_alloc(z->mem, sizeof(*n))) == NULL ||
	    (n->wire = arena_memdup(z->mem, wire, wlen)) == NULL)
		return NULL;
	n->wlen = wlen;
	n->hash = name_hash(wire, wlen);
	n->tail = &n->rrs;
	n->hnext = z->table[n->hash & (z->nbuckets - 1)];
	z->table[n->hash & (z->nbuckets - 1)] = n;
	z->nnodes++;
	return n;
}

/*
 * Marks a name and all its ancestors as existing: RFC 4592 2.2.2 makes
 * an empty non-terminal exist, which both answers NODATA and blocks a
 * wildcard above it.
 */
static int
zone_mark_exists(struct zone *z, const unsigned char *wire, size_t wlen)
{
	struct zone_node *n;

	for (;;) {
		if ((n = zone_node_get(z, wire, wlen)) == NULL)
			return -1;
		if (n->exists)
			return 0;	/* so are its ancestors */
		n->exists = true;
		if (wire[0] == 0)
			return 0;
		wlen -= (size_t)wire[0] + 1;
		wire += (size_t)wire[0] + 1;
	}
}

/*
 * The lexer: one entry (a line, or several joined by parentheses) at a
 * time, as tokens pointing into the text.  Escapes stay in the tokens;
 * what they mean depends on the field (name or string).
 */

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool
is_delim(char c)
{
	return is_space(c) || c == '\n' || c == ';' || c == '(' ||
	    c == ')' || c == '"';
}

static void
mark_directive(struct zparse *zp, const char *s, size_t len)
{
	unsigned char wire[DNS_WIRE_NAME_MAX];
	struct zone_node *n;
	const char *why;
	size_t i = 0, start, wlen;
	bool timeout;

	if (str_iprefix(s, len, "@timeout") && (len == 8 ||
	    is_space(s[8]))) {
		timeout = true;
		i = 8;
	} else if (str_iprefix(s, len, "@servfail") && (len == 9 ||
	    is_space(s[9]))) {
		timeout = false;
		i = 9;
	} else
		return;			/* an ordinary comment */
	while (i < len && is_space(s[i]))
		i++;
	start = i;
	while (i < len && !is_space(s[i]))
		i++;
	if (i == start) {
		zerr(zp, "directive without a name");
		return;
	}
	if (i - start == 1 && s[start] == '@') {
		memcpy(wire, zp->origin, zp->originlen);
		wlen = zp->originlen;
	} else if ((why = dns_name_parse(s + start, i - start, zp->origin,
	    zp->originlen, wire, &wlen)) != NULL) {
		zerr(zp, "%s: '%.*s'", why, (int)(i - start), s + start);
		return;
	}
	dns_name_lower(wire, wlen);
	if ((n = zone_node_get(zp->z, wire, wlen)) == NULL) {
		zerr(zp, "out of memory");
		return;
	}
	if (timeout)
		n->timeout = true;
	else
		n->servfail = true;
}

static int
add_token(struct zparse *zp, const char *s, size_t len, bool quoted)
{
	if (zp->ntok >= ZONE_MAX_TOKENS) {
		zerr(zp, "more than %u fields in one entry", ZONE_MAX_TOKENS);
		return -1;
	}
	zp->tok[zp->ntok].s = s;
	zp->tok[zp->ntok].len = len;
	zp->tok[zp->ntok].quoted = quoted;
	zp->ntok++;
	return 0;
}

/* Returns 1 with an entry in zp->tok, 0 at the end, -1 on error. */
static int
next_entry(struct zparse *zp)
{
	const char *p = zp->p;
	unsigned paren_line = 0;
	size_t start;
	bool in_paren = false, line_start = true;
	char c;

	zp->ntok = 0;
	while (zp->pos < zp->len) {
		c = p[zp->pos];
		if (line_start) {
			zp->leading_space = is_space(c) && c != '\r';
			if (!in_paren)
				zp->entry_line = zp->line;
			line_start = false;
		}
		if (is_space(c)) {
			zp->pos++;
		} else if (c == '\n') {
			zp->pos++;
			zp->line++;
			if (!in_paren) {
				if (zp->ntok > 0)
					return 1;
				line_start = true;
			}
		} else if (c == ';') {
			start = ++zp->pos;
			while (zp->pos < zp->len && p[zp->pos] != '\n')
				zp->pos++;
			mark_directive(zp, p + start, zp->pos - start);
			if (zp->failed)
				return -1;
		} else if (c == '(') {
			if (in_paren) {
				zerr(zp, "nested parentheses");
				return -1;
			}
			in_paren = true;
			paren_line = zp->line;
			zp->pos++;
		} else if (c == ')') {
			if (!in_paren) {
				zerr(zp, "')' without '('");
				return -1;
			}
			in_paren = false;
			zp->pos++;
		} else if (c == '"') {
			start = ++zp->pos;
			while (zp->pos < zp->len && p[zp->pos] != '"') {
				if (p[zp->pos] == '\n')
					zp->line++;
				if (p[zp->pos] == '\\' &&
				    zp->pos + 1 < zp->len)
					zp->pos++;
				zp->pos++;
			}
			if (zp->pos >= zp->len) {
				zerr(zp, "quoted string without its end");
				return -1;
			}
			if (add_token(zp, p + start, zp->pos - start,
			    true) == -1)
				return -1;
			zp->pos++;
		} else {
			start = zp->pos;
			while (zp->pos < zp->len && !is_delim(p[zp->pos])) {
				if (p[zp->pos] == '\\' &&
				    zp->pos + 1 < zp->len)
					zp->pos++;
				zp->pos++;
			}
			if (add_token(zp, p + start, zp->pos - start,
			    false) == -1)
				return -1;
		}
	}
	if (in_paren) {
		zerr(zp, "'(' on line %u is never closed", paren_line);
		return -1;
	}
	return zp->ntok > 0 ? 1 : 0;
}

/*
 * Fields.
 */

static bool
tok_is(const struct token *t, const char *s)
{
	return !t->quoted && str_ieq(t->s, t->len, s);
}

static int
parse_name(struct zparse *zp, const struct token *t, unsigned char *wire,
    size_t *wlen)
{
	const char *why;

	if (t->len == 1 && t->s[0] == '@' && !t->quoted) {
		memcpy(wire, zp->origin, zp->originlen);
		*wlen = zp->originlen;
		return 0;
	}
	if ((why = dns_name_parse(t->s, t->len, zp->origin, zp->originlen,
	    wire, wlen)) != NULL) {
		zerr(zp, "%s: '%.*s'", why, (int)t->len, t->s);
		return -1;
	}
	return 0;
}

static int
parse_uint(struct zparse *zp, const struct token *t, long long max,
    const char *what, uint32_t *v)
{
	long long n;

	if (t->quoted || (n = str_to_ll(t->s, t->len, max)) < 0) {
		zerr(zp, "bad %s '%.*s' (0 to %lld)", what, (int)t->len, t->s,
		    max);
		return -1;
	}
	*v = (uint32_t)n;
	return 0;
}

/*
 * A TTL: seconds, or BIND's units ("1h30m", "2d"), which zones written
 * by people use often enough to be worth the few lines.
 */
static bool
ttl_value(const struct token *t, uint32_t *out)
{
	unsigned long long total = 0, n;
	size_t i = 0, start;
	unsigned mul;

	if (t->quoted || t->len == 0 || t->s[0] < '0' || t->s[0] > '9')
		return false;
	while (i < t->len) {
		start = i;
		n = 0;
		while (i < t->len && t->s[i] >= '0' && t->s[i] <= '9') {
			n = n * 10 + (unsigned)(t->s[i++] - '0');
			if (n > ZONE_TTL_MAX)
				return false;
		}
		if (i == start)
			return false;
		mul = 1;
		if (i < t->len) {
			switch (str_lc((unsigned char)t->s[i++])) {
			case 's': mul = 1; break;
			case 'm': mul = 60; break;
			case 'h': mul = 3600; break;
			case 'd': mul = 86400; break;
			case 'w': mul = 604800; break;
			default: return false;
			}
		} else if (start > 0)
			return false;	/* "1h30": a bare number after a unit */
		total += n * mul;
		if (total > ZONE_TTL_MAX)
			return false;
	}
	*out = (uint32_t)total;
	return true;
}

static int
rd_add(struct zparse *zp, const void *p, size_t n)
{
	if (n > ZONE_RDATA_MAX - zp->rdlen) {
		zerr(zp, "record data longer than %u octets", ZONE_RDATA_MAX);
		return -1;
	}
	memcpy(zp->rd + zp->rdlen, p, n);
	zp->rdlen += n;
	return 0;
}

static int
rd_u8(struct zparse *zp, unsigned v)
{
	unsigned char c = (unsigned char)v;

	return rd_add(zp, &c, 1);
}

static int
rd_u16(struct zparse *zp, unsigned v)
{
	unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	return rd_add(zp, b, 2);
}

static int
rd_u32(struct zparse *zp, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 8),
	    (unsigned char)v };

	return rd_add(zp, b, 4);
}

static int
rd_name(struct zparse *zp, const struct token *t)
{
	unsigned char wire[DNS_WIRE_NAME_MAX];
	size_t wlen;

	if (parse_name(zp, t, wire, &wlen) == -1)
		return -1;
	return rd_add(zp, wire, wlen);
}

static int
rd_number(struct zparse *zp, const struct token *t, long long max,
    const char *what)
{
	uint32_t v;

	if (parse_uint(zp, t, max, what, &v) == -1)
		return -1;
	if (max <= 255)
		return rd_u8(zp, v);
	if (max <= 65535)
		return rd_u16(zp, v);
	return rd_u32(zp, v);
}

/*
 * Decodes the escapes of a <character-string> (RFC 1035 5.1) into out,
 * which holds ZONE_RDATA_MAX octets; returns the length or -1.
 */
static long
unescape(struct zparse *zp, const struct token *t, unsigned char *out)
{
	size_t i = 0, o = 0;
	int v;

	while (i < t->len) {
		if (o >= ZONE_RDATA_MAX) {
			zerr(zp, "string too long");
			return -1;
		}
		if (t->s[i] != '\\') {
			out[o++] = (unsigned char)t->s[i++];
			continue;
		}
		if (++i >= t->len) {
			zerr(zp, "backslash at end of string");
			return -1;
		}
		if (t->s[i] >= '0' && t->s[i] <= '9') {
			if ((v = dns_ddd(t->s + i, t->len - i)) < 0) {
				zerr(zp, "bad \\DDD escape in '%.*s'",
				    (int)t->len, t->s);
				return -1;
			}
			out[o++] = (unsigned char)v;
			i += 3;
		} else
			out[o++] = (unsigned char)t->s[i++];
	}
	return (long)o;
}

static int
rd_string(struct zparse *zp, const struct token *t, bool counted)
{
	unsigned char *tmp;
	long n;
	int rc = -1;

	if ((tmp = malloc(ZONE_RDATA_MAX)) == NULL) {
		zerr(zp, "out of memory");
		return -1;
	}
	if ((n = unescape(zp, t, tmp)) < 0)
		goto out;
	if (counted) {
		/* RFC 1035 3.3: one length octet, so at most 255. */
		if (n > 255) {
			zerr(zp, "string of %ld octets; at most 255 per "
			    "string (split it into several)", n);
			goto out;
		}
		if (rd_u8(zp, (unsigned)n) == -1)
			goto out;
	}
	rc = rd_add(zp, tmp, (size_t)n);
out:
	free(tmp);
	return rc;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)str_lc((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Hex digits spread over tokens first..ntok-1 (whitespace allowed). */
static int
rd_hex(struct zparse *zp, size_t first)
{
	size_t i, k;
	int hi = -1, v;

	for (i = first; i < zp->ntok; i++)
		for (k = 0; k < zp->tok[i].len; k++) {
			if ((v = hexval(zp->tok[i].s[k])) < 0) {
				zerr(zp, "bad hex digit in '%.*s'",
				    (int)zp->tok[i].len, zp->tok[i].s);
				return -1;
			}
			if (hi < 0)
				hi = v;
			else {
				if (rd_u8(zp, (unsigned)(hi << 4 | v)) == -1)
					return -1;
				hi = -1;
			}
		}
	if (hi >= 0) {
		zerr(zp, "odd number of hex digits");
		return -1;
	}
	return 0;
}

static int
rd_address(struct zparse *zp, const struct token *t, int af)
{
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN + 1];

	if (t->quoted || t->len >= sizeof(text)) {
		zerr(zp, "bad address '%.*s'", (int)t->len, t->s);
		return -1;
	}
	memcpy(text, t->s, t->len);
	text[t->len] = '\0';
	if (inet_pton(af, text, a) != 1) {
		zerr(zp, "bad %s address '%s'", af == AF_INET ? "IPv4" :
		    "IPv6", text);
		return -1;
	}
	return rd_add(zp, a, af == AF_INET ? 4 : 16);
}

static int
want_fields(struct zparse *zp, size_t first, size_t n, bool at_least,
    const char *type)
{
	size_t have = zp->ntok - first;

	if (have == n || (at_least && have > n))
		return 0;
	zerr(zp, "%s needs %s%zu field%s after the type, found %zu", type,
	    at_least ? "at least " : "", n, n == 1 ? "" : "s", have);
	return -1;
}

/* RFC 3597 5: "\# LENGTH HEX". */
static int
rd_generic(struct zparse *zp, size_t i, uint16_t type)
{
	struct dns_rr rr;
	uint32_t len;

	if (zp->ntok - i < 2) {
		zerr(zp, "\\# needs a length");
		return -1;
	}
	if (parse_uint(zp, &zp->tok[i + 1], ZONE_RDATA_MAX, "length",
	    &len) == -1 || rd_hex(zp, i + 2) == -1)
		return -1;
	if (zp->rdlen != len) {
		zerr(zp, "\\# length %u but %zu octets of data", len,
		    zp->rdlen);
		return -1;
	}
	/* Known types must still be well-formed. */
	memset(&rr, 0, sizeof(rr));
	rr.type = type;
	rr.rdata = zp->rd;
	rr.rdlen = zp->rdlen;
	if (dns_rr_decode(zp->z->mem, &rr) == -1) {
		zerr(zp, "data malformed for type %s", dns_type_name(type));
		return -1;
	}
	return 0;
}

/* Builds zp->rd from the fields i..ntok-1 of a record of the type. */
static int
parse_rdata(struct zparse *zp, size_t i, uint16_t type, const char *tname)
{
	const struct token *t = zp->tok;
	uint32_t v;
	size_t k;

	zp->rdlen = 0;
	if (i < zp->ntok && !t[i].quoted && t[i].len == 2 &&
	    memcmp(t[i].s, "\\#", 2) == 0)
		return rd_generic(zp, i, type);
	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		if (want_fields(zp, i, 1, false, tname) == -1)
			return -1;
		return rd_address(zp, &t[i], type == DNS_T_A ? AF_INET :
		    AF_INET6);
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		if (want_fields(zp, i, 1, false, tname) == -1)
			return -1;
		return rd_name(zp, &t[i]);
	case DNS_T_MX:
		/* RFC 1035 3.3.9 */
		if (want_fields(zp, i, 2, false, tname) == -1 ||
		    rd_number(zp, &t[i], 65535, "preference") == -1)
			return -1;
		return rd_name(zp, &t[i + 1]);
	case DNS_T_TXT:
	case DNS_T_SPF:
		/* RFC 1035 3.3.14, RFC 7208 3.1: one or more strings. */
		if (want_fields(zp, i, 1, true, tname) == -1)
			return -1;
		for (k = i; k < zp->ntok; k++)
			if (rd_string(zp, &t[k], true) == -1)
				return -1;
		return 0;
	case DNS_T_SRV:
		/* RFC 2782 */
		if (want_fields(zp, i, 4, false, tname) == -1 ||
		    rd_number(zp, &t[i], 65535, "priority") == -1 ||
		    rd_number(zp, &t[i + 1], 65535, "weight") == -1 ||
		    rd_number(zp, &t[i + 2], 65535, "port") == -1)
			return -1;
		return rd_name(zp, &t[i + 3]);
	case DNS_T_TLSA:
		/* RFC 6698 2.2: three numbers, then hex (may be spaced). */
		if (want_fields(zp, i, 4, true, tname) == -1 ||
		    rd_number(zp, &t[i], 255, "usage") == -1 ||
		    rd_number(zp, &t[i + 1], 255, "selector") == -1 ||
		    rd_number(zp, &t[i + 2], 255, "matching type") == -1)
			return -1;
		return rd_hex(zp, i + 3);
	case DNS_T_CAA:
		/* RFC 8659 4.1.1: flags, tag (letters, digits), value. */
		if (want_fields(zp, i, 3, false, tname) == -1 ||
		    rd_number(zp, &t[i], 255, "flags") == -1)
			return -1;
		if (t[i + 1].quoted || t[i + 1].len == 0 ||
		    t[i + 1].len > 255) {
			zerr(zp, "bad CAA tag '%.*s'", (int)t[i + 1].len,
			    t[i + 1].s);
			return -1;
		}
		for (k = 0; k < t[i + 1].len; k++) {
			char c = t[i + 1].s[k];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' &&
			    c <= 'Z') || (c >= '0' && c <= '9'))) {
				zerr(zp, "bad CAA tag '%.*s'",
				    (int)t[i + 1].len, t[i + 1].s);
				return -1;
			}
		}
		if (rd_u8(zp, (unsigned)t[i + 1].len) == -1 ||
		    rd_add(zp, t[i + 1].s, t[i + 1].len) == -1)
			return -1;
		return rd_string(zp, &t[i + 2], false);
	case DNS_T_SOA:
		/* RFC 1035 3.3.13: two names, five 32-bit numbers. */
		if (want_fields(zp, i, 7, false, tname) == -1 ||
		    rd_name(zp, &t[i]) == -1 || rd_name(zp, &t[i + 1]) == -1 ||
		    rd_number(zp, &t[i + 2], 4294967295LL, "serial") == -1)
			return -1;
		for (k = i + 3; k < i + 7; k++) {
			if (!ttl_value(&t[k], &v)) {
				zerr(zp, "bad SOA time '%.*s'", (int)t[k].len,
				    t[k].s);
				return -1;
			}
			if (rd_u32(zp, v) == -1)
				return -1;
		}
		return 0;
	default:
		zerr(zp, "type %s is not supported here (write it in the "
		    "RFC 3597 form: \\# LENGTH HEX)", tname);
		return -1;
	}
}

static int
add_record(struct zparse *zp, const unsigned char *owner, size_t ownerlen,
    uint16_t type, uint32_t ttl)
{
	unsigned char wire[DNS_WIRE_NAME_MAX];
	struct zone *z = zp->z;
	struct zone_node *n;
	struct zone_rr *rr;

	if (z->nrecords >= DNS_ZONE_MAX_RECORDS) {
		zerr(zp, "more than %u records", DNS_ZONE_MAX_RECORDS);
		return -1;
	}
	memcpy(wire, owner, ownerlen);
	dns_name_lower(wire, ownerlen);
	if (zone_mark_exists(z, wire, ownerlen) == -1 ||
	    (n = zone_find(z, wire, ownerlen)) == NULL)
		goto nomem;
	/* RFC 2181 5: an RRset holds no two identical records. */
	for (rr = n->rrs; rr != NULL; rr = rr->next)
		if (rr->type == type && rr->rdlen == zp->rdlen &&
		    memcmp(rr->rdata, zp->rd, zp->rdlen) == 0)
			return 0;
	if ((rr = arena_alloc(z->mem, sizeof(*rr))) == NULL ||
	    (rr->rdata = arena_memdup(z->mem, zp->rd, zp->rdlen)) == NULL)
		goto nomem;
	rr->type = type;
	rr->ttl = ttl;
	rr->rdlen = (uint16_t)zp->rdlen;
	*n->tail = rr;
	n->tail = &rr->next;
	z->nrecords++;
	return 0;
nomem:
	zerr(zp, "out of memory (zone larger than %u MiB?)",
	    ZONE_MEM_MAX / (1024 * 1024));
	return -1;
}

static int
parse_control(struct zparse *zp)
{
	unsigned char wire[DNS_WIRE_NAME_MAX];
	const struct token *t = zp->tok;
	uint32_t ttl;
	size_t wlen;

	if (tok_is(&t[0], "$ORIGIN")) {
		/* A relative $ORIGIN is relative to the one before it. */
		if (want_fields(zp, 1, 1, false, "$ORIGIN") == -1 ||
		    parse_name(zp, &t[1], wire, &wlen) == -1)
			return -1;
		memcpy(zp->origin, wire, wlen);
		zp->originlen = wlen;
		return 0;
	}
	if (tok_is(&t[0], "$TTL")) {
		if (want_fields(zp, 1, 1, false, "$TTL") == -1)
			return -1;
		if (!ttl_value(&t[1], &ttl)) {
			zerr(zp, "bad TTL '%.*s'", (int)t[1].len, t[1].s);
			return -1;
		}
		zp->default_ttl = ttl;
		zp->have_default_ttl = true;
		return 0;
	}
	if (tok_is(&t[0], "$INCLUDE")) {
		zerr(zp, "$INCLUDE is not supported: put the records in "
		    "one file");
		return -1;
	}
	zerr(zp, "unknown control entry '%.*s'", (int)t[0].len, t[0].s);
	return -1;
}

/* One resource record entry (RFC 1035 5.1). */
static int
parse_record(struct zparse *zp)
{
	const struct token *t = zp->tok;
	char tname[16];
	uint32_t ttl = 0;
	bool have_ttl = false, have_class = false;
	size_t i = 0;
	int type;

	if (!zp->leading_space) {
		if (t[0].quoted) {
			zerr(zp, "owner name in quotes");
			return -1;
		}
		if (parse_name(zp, &t[0], zp->owner, &zp->ownerlen) == -1)
			return -1;
		zp->have_owner = true;
		i = 1;
	} else if (!zp->have_owner) {
		zerr(zp, "record without an owner name (the line starts "
		    "with a blank and no record precedes it)");
		return -1;
	}
	/* [TTL] [class] or [class] [TTL], both optional. */
	while (i < zp->ntok) {
		if (!have_ttl && ttl_value(&t[i], &ttl)) {
			have_ttl = true;
			i++;
		} else if (!have_class && tok_is(&t[i], "IN")) {
			have_class = true;
			i++;
		} else if (!have_class && (tok_is(&t[i], "CH") ||
		    tok_is(&t[i], "HS") || tok_is(&t[i], "CS"))) {
			zerr(zp, "class %.*s is not supported, only IN",
			    (int)t[i].len, t[i].s);
			return -1;
		} else
			break;
	}
	if (i >= zp->ntok) {
		zerr(zp, "record without a type");
		return -1;
	}
	if (t[i].quoted || t[i].len >= sizeof(tname)) {
		zerr(zp, "bad type '%.*s'", (int)t[i].len, t[i].s);
		return -1;
	}
	memcpy(tname, t[i].s, t[i].len);
	tname[t[i].len] = '\0';
	if ((type = dns_type_from_name(tname)) < 0) {
		zerr(zp, "unknown type '%s'", tname);
		return -1;
	}
	if (parse_rdata(zp, i + 1, (uint16_t)type, tname) == -1)
		return -1;
	if (have_ttl) {
		zp->last_ttl = ttl;
		zp->have_last_ttl = true;
	} else if (zp->have_default_ttl)
		ttl = zp->default_ttl;
	else if (zp->have_last_ttl)
		ttl = zp->last_ttl;
	else
		ttl = ZONE_DEFAULT_TTL;
	return add_record(zp, zp->owner, zp->ownerlen, (uint16_t)type, ttl);
}

static void
zone_free(struct dns_resolver *r)
{
	struct zone *z = (struct zone *)r;

	arena_free(z->mem);
	free(z->table);
	free(z);
}

static struct zone *
zone_parse(const char *text, size_t len, const char *origin,
    const char *file, char *err, size_t errlen)
{
	struct zparse zp;
	struct zone *z;
	const char *why;
	int rc;

	if (errlen > 0)
		err[0] = '\0';
	memset(&zp, 0, sizeof(zp));
	zp.p = text;
	zp.len = len;
	zp.file = file;
	zp.line = zp.entry_line = 1;
	zp.err = err;
	zp.errlen = errlen;
	zp.origin[0] = 0;
	zp.originlen = 1;
	if ((z = calloc(1, sizeof(*z))) == NULL ||
	    (z->mem = arena_new(ZONE_MEM_MAX)) == NULL ||
	    (z->table = calloc(ZONE_FIRST_BUCKETS,
	    sizeof(*z->table))) == NULL ||
	    (zp.tok = calloc(ZONE_MAX_TOKENS, sizeof(*zp.tok))) == NULL ||
	    (zp.rd = malloc(ZONE_RDATA_MAX)) == NULL) {
		zerr(&zp, "out of memory");
		goto fail;
	}
	z->base.ops = &zone_backend;
	z->nbuckets = ZONE_FIRST_BUCKETS;
	zp.z = z;
	if (origin != NULL && (why = dns_name_parse(origin, strlen(origin),
	    NULL, 0, zp.origin, &zp.originlen)) != NULL) {
		zerr(&zp, "origin '%s': %s", origin, why);
		goto fail;
	}
	while ((rc = next_entry(&zp)) == 1) {
		if (!zp.leading_space && zp.tok[0].len > 0 &&
		    zp.tok[0].s[0] == '$' && !zp.tok[0].quoted)
			rc = parse_control(&zp);
		else
			rc = parse_record(&zp);
		if (rc == -1)
			goto fail;
	}
	if (rc == -1 || zp.failed)
		goto fail;
	free(zp.tok);
	free(zp.rd);
	return z;
fail:
	if (!zp.failed)
		zerr(&zp, "cannot load the zone");
	free(zp.tok);
	free(zp.rd);
	if (z != NULL) {
		if (z->mem != NULL)
			arena_free(z->mem);
		free(z->table);
		free(z);
	}
	return NULL;
}

struct dns_resolver *
dns_zone_from_text(const char *text, size_t len, const char *origin,
    char *err, size_t errlen)
{
	struct zone *z;

	if (len > DNS_ZONE_MAX_BYTES) {
		snprintf(err, errlen, "zone text larger than %u bytes",
		    DNS_ZONE_MAX_BYTES);
		return NULL;
	}
	z = zone_parse(text, len, origin, "zone", err, errlen);
	return z ? &z->base : NULL;
}

struct dns_resolver *
dns_zone_open(const char *path, char *err, size_t errlen)
{
	struct zone *z;
	struct buf b;

	buf_init(&b, DNS_ZONE_MAX_BYTES);
	errno = 0;
	if (buf_read_file(&b, path) == -1) {
		if (errno == EFBIG)
			snprintf(err, errlen, "%s: larger than %u bytes",
			    path, DNS_ZONE_MAX_BYTES);
		else
			snprintf(err, errlen, "%s: %s", path,
			    strerror(errno ? errno : EIO));
		buf_free(&b);
		return NULL;
	}
	z = zone_parse(b.data ? b.data : "", b.len, NULL, path, err, errlen);
	buf_free(&b);
	return z ? &z->base : NULL;
}

/*
 * Lookup (RFC 1034 4.3.2, with RFC 4592's wildcard rules).
 */

/*
 * The node that answers for a name with no node of its own: "*." under
 * the closest encloser, the longest ancestor that exists (RFC 4592
 * 3.3.1).  An existing name between the query and the wildcard, even an
 * empty non-terminal, is that encloser and so blocks the wildcard.
 */
static const struct zone_node *
zone_wildcard(const struct zone *z, const unsigned char *wire, size_t wlen)
{
	unsigned char w[DNS_WIRE_NAME_MAX];
	const struct zone_node *n;

	while (wire[0] != 0) {
		wlen -= (size_t)wire[0] + 1;
		wire += (size_t)wire[0] + 1;
		n = zone_find(z, wire, wlen);
		if (n == NULL || !n->exists)
			continue;
		if (wlen + 2 > DNS_WIRE_NAME_MAX)
			return NULL;
		w[0] = 1;
		w[1] = '*';
		memcpy(w + 2, wire, wlen);
		n = zone_find(z, w, wlen + 2);
		return n != NULL && n->exists ? n : NULL;
	}
	return NULL;
}

static int
copy_rrset(struct arena *a, struct dns_result *res,
    const struct zone_node *n, uint16_t type)
{
	const struct zone_rr *zr;
	struct dns_rr *rr;
	size_t count = 0;

	for (zr = n->rrs; zr != NULL; zr = zr->next)
		if (zr->type == type)
			count++;
	if ((res->rr = arena_calloc(a, count, sizeof(*rr))) == NULL)
		return -1;
	for (zr = n->rrs; zr != NULL; zr = zr->next) {
		if (zr->type != type)
			continue;
		rr = &res->rr[res->n++];
		rr->type = type;
		rr->ttl = zr->ttl;
		rr->rdlen = zr->rdlen;
		if ((rr->rdata = arena_memdup(a, zr->rdata, zr->rdlen)) ==
		    NULL || dns_rr_decode(a, rr) == -1)
			return -1;
	}
	return 0;
}

static const struct zone_rr *
first_of(const struct zone_node *n, uint16_t type)
{
	const struct zone_rr *rr;

	for (rr = n->rrs; rr != NULL; rr = rr->next)
		if (rr->type == type)
			return rr;
	return NULL;
}

static int
zone_start(struct dns_resolver *r, struct dns_query *q, struct arena *a)
{
	const struct zone *z = (const struct zone *)r;
	unsigned char cur[DNS_WIRE_NAME_MAX];
	const struct zone_node *n, *own;
	const struct zone_rr *cname;
	struct dns_result *res;
	enum dns_status st;
	size_t curlen = q->wlen;
	unsigned hops = 0;

	q->done = true;
	if ((res = q->res = dns_result_new(a, q, DNS_NODATA)) == NULL)
		return 0;
	res->canon = res->qname;
	memcpy(cur, q->wire, q->wlen);
	for (;;) {
		n = own = zone_find(z, cur, curlen);
		if (own != NULL && own->servfail) {
			res->why = "simulated failure (;@servfail)";
			st = DNS_SERVFAIL;
			break;
		}
		if (n == NULL || !n->exists) {
			if (own != NULL && own->timeout) {
				st = DNS_TIMEOUT;
				break;
			}
			if ((n = zone_wildcard(z, cur, curlen)) == NULL) {
				st = DNS_NXDOMAIN;
				break;
			}
		}
		if (first_of(n, q->type) != NULL) {
			st = copy_rrset(a, res, n, q->type) == -1 ?
			    DNS_ERROR : DNS_OK;
			break;
		}
		/* The directive may sit on the name or on its wildcard. */
		if (n->timeout || (own != NULL && own->timeout)) {
			st = DNS_TIMEOUT;
			break;
		}
		if (q->type == DNS_T_CNAME ||
		    (cname = first_of(n, DNS_T_CNAME)) == NULL) {
			st = DNS_NODATA;
			break;
		}
		/* RFC 1034 4.3.2 step 3a: restart at the CNAME's target. */
		if (++hops > DNS_CNAME_MAX) {
			res->why = "CNAME chain too long or looping";
			st = DNS_SERVFAIL;
			break;
		}
		memcpy(cur, cname->rdata, cname->rdlen);
		curlen = cname->rdlen;
		dns_name_lower(cur, curlen);
		if ((res->canon = dns_name_text(a, cur, curlen)) == NULL) {
			st = DNS_ERROR;
			break;
		}
	}
	res->status = st;
	if (st != DNS_OK) {
		res->rr = NULL;
		res->n = 0;
	}
	if (st == DNS_ERROR)
		res->why = "out of memory";
	return 0;
}

static void
zone_finish(struct dns_resolver *r, struct dns_query *q, struct arena *a)
{
	/* zone_start always finishes; only a lost result lands here. */
	(void)r;
	(void)q;
	(void)a;
}

static void
zone_cancel(struct dns_resolver *r, struct dns_query *q)
{
	(void)r;
	(void)q;
}

static const struct dns_backend zone_backend = {
	.name = "zone",
	.start = zone_start,
	.finish = zone_finish,
	.cancel = zone_cancel,
	.free = zone_free,
};
