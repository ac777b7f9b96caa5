/*
 * dns.c - the backend-independent half of the resolver: batches and
 * their cache, dispatch to a backend, names in wire and text form,
 * RDATA decoding into struct dns_rr, presentation form, type and status
 * names, reverse-lookup names.
 *
 * RFCs: 1035 3.1 (wire names), 3.3 and 3.4 (RDATA of A NS CNAME SOA PTR
 * MX TXT), 5.1 (text form, escapes); 3596 2.5 (ip6.arpa), 2782 (SRV),
 * 6698 2.1 (TLSA), 8659 4.1 (CAA), 3597 5 (unknown types), 4343 (case).
 *
 * Memory: a batch is a small heap object; its query objects and every
 * result live in the arena it was given, so they stay valid until that
 * arena is freed, even after dns_batch_free.  The cache is keyed by the
 * lower-cased wire name and the type (RFC 4343: DNS names compare without
 * regard to ASCII case).
 *
 * Limits: DNS_BATCH_MAX_QUERIES backend queries per batch; names are
 * bounded by RFC 1035's 255 octets.  The cache has a fixed number of
 * buckets: with at most DNS_BATCH_MAX_QUERIES entries chains stay short.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_backend.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define DNS_BATCH_BUCKETS	64

struct dns_batch {
	struct dns_resolver *resolver;
	struct arena	*arena;
	struct dns_query *bucket[DNS_BATCH_BUCKETS];
	size_t		 nqueries;	/* sent to the backend */
	/* Handed out when even the arena cannot hold an error result. */
	struct dns_query oom_query;
	struct dns_result oom_result;
};

/*
 * Names.
 */

int
dns_ddd(const char *s, size_t len)
{
	int v;

	if (len < 3 || s[0] < '0' || s[0] > '9' || s[1] < '0' ||
	    s[1] > '9' || s[2] < '0' || s[2] > '9')
		return -1;
	v = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	return v <= 255 ? v : -1;
}

const char *
dns_name_parse(const char *s, size_t len, const unsigned char *origin,
    size_t originlen, unsigned char *wire, size_t *wlen)
{
	size_t i = 0, w = 0, lstart, llen;
	int c, v;

	if (len == 0)
		return "empty name";
	if (len == 1 && s[0] == '.') {
		wire[0] = 0;
		*wlen = 1;
		return NULL;
	}
	for (;;) {
		/* One octet stays free for the root label that ends it all. */
		if (w + 1 >= DNS_WIRE_NAME_MAX)
			return "name longer than 255 octets";
		lstart = w++;
		while (i < len && s[i] != '.') {
			c = (unsigned char)s[i++];
			if (c == '\\') {
				if (i >= len)
					return "backslash at end of name";
				if (s[i] >= '0' && s[i] <= '9') {
					if ((v = dns_ddd(s + i, len - i)) < 0)
						return "bad \\DDD escape";
					c = v;
					i += 3;
				} else
					c = (unsigned char)s[i++];
			}
			if (w - lstart - 1 >= DNS_LABEL_MAX)
				return "label longer than 63 octets";
			if (w + 1 >= DNS_WIRE_NAME_MAX)
				return "name longer than 255 octets";
			wire[w++] = (unsigned char)c;
		}
		llen = w - lstart - 1;
		if (llen == 0)
			return "empty label in name";
		wire[lstart] = (unsigned char)llen;
		if (i >= len)
			break;			/* relative: no final dot */
		i++;				/* the dot */
		if (i == len) {
			wire[w++] = 0;		/* absolute */
			*wlen = w;
			return NULL;
		}
	}
	if (origin == NULL) {
		wire[w++] = 0;
		*wlen = w;
		return NULL;
	}
	if (w + originlen > DNS_WIRE_NAME_MAX)
		return "name longer than 255 octets with the origin";
	memcpy(wire + w, origin, originlen);
	*wlen = w + originlen;
	return NULL;
}

void
dns_name_lower(unsigned char *wire, size_t wlen)
{
	size_t i, n;

	for (i = 0; i < wlen && wire[i] != 0; i += n + 1) {
		n = wire[i];
		for (size_t k = i + 1; k <= i + n && k < wlen; k++)
			wire[k] = (unsigned char)str_lc(wire[k]);
	}
}

size_t
dns_name_wire_len(const unsigned char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (p[i] == 0)
			return i + 1 <= DNS_WIRE_NAME_MAX ? i + 1 : 0;
		/* 0xC0 is a compression pointer, 0x40/0x80 are obsolete. */
		if (p[i] > DNS_LABEL_MAX)
			return 0;
		i += (size_t)p[i] + 1;
	}
	return 0;
}

void
dns_name_text_buf(const unsigned char *wire, size_t wlen, char *out)
{
	size_t i = 0, o = 0, n, k;
	unsigned c;

	while (i < wlen && wire[i] != 0) {
		n = wire[i];
		if (o > 0)
			out[o++] = '.';
		for (k = i + 1; k <= i + n && k < wlen; k++) {
			c = wire[k];
			if (c == '.' || c == '\\') {
				out[o++] = '\\';
				out[o++] = (char)c;
			} else if (c <= 0x20 || c >= 0x7f) {
				out[o++] = '\\';
				out[o++] = (char)('0' + c / 100);
				out[o++] = (char)('0' + c / 10 % 10);
				out[o++] = (char)('0' + c % 10);
			} else
				out[o++] = (char)c;
		}
		i += n + 1;
	}
	out[o] = '\0';
}

char *
dns_name_text(struct arena *a, const unsigned char *wire, size_t wlen)
{
	char buf[DNS_TEXT_NAME_MAX];

	dns_name_text_buf(wire, wlen, buf);
	return arena_strdup(a, buf);
}

/*
 * RDATA.
 */

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A name that fills p exactly (RFC 1035 3.3: a domain-name field). */
static char *
decode_name(struct arena *a, const unsigned char *p, size_t len)
{
	size_t n;

	if ((n = dns_name_wire_len(p, len)) == 0 || n != len)
		return NULL;
	return dns_name_text(a, p, n);
}

int
dns_rr_decode(struct arena *a, struct dns_rr *rr)
{
	const unsigned char *p = rr->rdata;
	size_t len = rr->rdlen, i, n;
	char *t;

	switch (rr->type) {
	case DNS_T_A:
		if (len != 4)
			return -1;
		memcpy(rr->u.a, p, 4);
		return 0;
	case DNS_T_AAAA:
		if (len != 16)
			return -1;
		memcpy(rr->u.aaaa, p, 16);
		return 0;
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		return (rr->u.name = decode_name(a, p, len)) ? 0 : -1;
	case DNS_T_MX:
		/* RFC 1035 3.3.9: PREFERENCE, EXCHANGE. */
		if (len < 3)
			return -1;
		rr->u.mx.pref = get16(p);
		return (rr->u.mx.host = decode_name(a, p + 2, len - 2)) ?
		    0 : -1;
	case DNS_T_TXT:
	case DNS_T_SPF:
		/* RFC 1035 3.3.14: one or more <character-string>s. */
		if (len == 0 || (t = arena_alloc(a, len)) == NULL)
			return -1;
		rr->u.txt.text = t;
		rr->u.txt.len = 0;
		rr->u.txt.nstrings = 0;
		for (i = 0; i < len; i += n + 1) {
			n = p[i];
			if (n > len - i - 1)
				return -1;
			memcpy(t + rr->u.txt.len, p + i + 1, n);
			rr->u.txt.len += n;
			rr->u.txt.nstrings++;
		}
		t[rr->u.txt.len] = '\0';
		return 0;
	case DNS_T_SRV:
		/* RFC 2782: priority, weight, port, target. */
		if (len < 7)
			return -1;
		rr->u.srv.prio = get16(p);
		rr->u.srv.weight = get16(p + 2);
		rr->u.srv.port = get16(p + 4);
		return (rr->u.srv.target = decode_name(a, p + 6, len - 6)) ?
		    0 : -1;
	case DNS_T_TLSA:
		/* RFC 6698 2.1: usage, selector, matching type, data. */
		if (len < 3)
			return -1;
		rr->u.tlsa.usage = p[0];
		rr->u.tlsa.selector = p[1];
		rr->u.tlsa.mtype = p[2];
		rr->u.tlsa.data = p + 3;
		rr->u.tlsa.len = len - 3;
		return 0;
	case DNS_T_SOA:
		/* Not in the union, but check it so that dig can trust it. */
		if ((n = dns_name_wire_len(p, len)) == 0 ||
		    (i = dns_name_wire_len(p + n, len - n)) == 0 ||
		    len - n - i != 20)
			return -1;
		return 0;
	default:
		return 0;
	}
}

static int
format_name(struct buf *b, const unsigned char *p, size_t len)
{
	char text[DNS_TEXT_NAME_MAX];

	dns_name_text_buf(p, len, text);
	if (text[0] == '\0')
		return buf_addc(b, '.');
	return buf_printf(b, "%s.", text);
}

/* One <character-string> in quotes (RFC 1035 5.1). */
static int
format_string(struct buf *b, const unsigned char *p, size_t n)
{
	size_t i;
	int rc;

	rc = buf_addc(b, '"');
	for (i = 0; i < n && rc == 0; i++) {
		if (p[i] == '"' || p[i] == '\\')
			rc = buf_printf(b, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			rc = buf_printf(b, "\\%03u", p[i]);
		else
			rc = buf_addc(b, (char)p[i]);
	}
	return rc == 0 ? buf_addc(b, '"') : -1;
}

static int
format_hex(struct buf *b, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (buf_printf(b, "%02X", p[i]) == -1)
			return -1;
	return 0;
}

static int
format_generic(struct buf *b, const struct dns_rr *rr)
{
	/* RFC 3597 5: "\#", the length, the data in hex. */
	if (buf_printf(b, "\\# %zu", rr->rdlen) == -1)
		return -1;
	if (rr->rdlen > 0 && (buf_addc(b, ' ') == -1 ||
	    format_hex(b, rr->rdata, rr->rdlen) == -1))
		return -1;
	return 0;
}

int
dns_rr_format(struct buf *b, const struct dns_rr *rr)
{
	const unsigned char *p = rr->rdata;
	size_t len = rr->rdlen, i, n, m;
	char addr[INET6_ADDRSTRLEN];
	int rc;

	switch (rr->type) {
	case DNS_T_A:
		if (len != 4)
			break;
		inet_ntop(AF_INET, p, addr, sizeof(addr));
		return buf_adds(b, addr);
	case DNS_T_AAAA:
		if (len != 16)
			break;
		inet_ntop(AF_INET6, p, addr, sizeof(addr));
		return buf_adds(b, addr);
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		if (dns_name_wire_len(p, len) != len)
			break;
		return format_name(b, p, len);
	case DNS_T_MX:
		if (len < 3 || dns_name_wire_len(p + 2, len - 2) != len - 2)
			break;
		if (buf_printf(b, "%u ", get16(p)) == -1)
			return -1;
		return format_name(b, p + 2, len - 2);
	case DNS_T_SRV:
		if (len < 7 || dns_name_wire_len(p + 6, len - 6) != len - 6)
			break;
		if (buf_printf(b, "%u %u %u ", get16(p), get16(p + 2),
		    get16(p + 4)) == -1)
			return -1;
		return format_name(b, p + 6, len - 6);
	case DNS_T_TXT:
	case DNS_T_SPF:
		for (i = 0; i < len; i += n + 1)
			if ((n = p[i]) > len - i - 1)
				break;
		if (len == 0 || i != len)
			break;
		for (i = 0, rc = 0; i < len && rc == 0; i += n + 1) {
			n = p[i];
			if (i > 0 && buf_addc(b, ' ') == -1)
				return -1;
			rc = format_string(b, p + i + 1, n);
		}
		return rc;
	case DNS_T_TLSA:
		if (len < 3)
			break;
		if (buf_printf(b, "%u %u %u ", p[0], p[1], p[2]) == -1)
			return -1;
		return format_hex(b, p + 3, len - 3);
	case DNS_T_CAA:
		/* RFC 8659 4.1: flags, tag length, tag, value. */
		if (len < 2 || p[1] > len - 2)
			break;
		if (buf_printf(b, "%u %.*s ", p[0], (int)p[1],
		    (const char *)p + 2) == -1)
			return -1;
		return format_string(b, p + 2 + p[1], len - 2 - p[1]);
	case DNS_T_SOA:
		if ((n = dns_name_wire_len(p, len)) == 0 ||
		    (m = dns_name_wire_len(p + n, len - n)) == 0 ||
		    len - n - m != 20)
			break;
		if (format_name(b, p, n) == -1 || buf_addc(b, ' ') == -1 ||
		    format_name(b, p + n, m) == -1)
			return -1;
		p += n + m;
		return buf_printf(b, " %u %u %u %u %u", get32(p),
		    get32(p + 4), get32(p + 8), get32(p + 12), get32(p + 16));
	default:
		break;
	}
	return format_generic(b, rr);
}

/*
 * Type and status names.
 */

static const struct {
	uint16_t	 type;
	const char	*name;
} types[] = {
	{ DNS_T_A, "A" }, { DNS_T_NS, "NS" }, { DNS_T_CNAME, "CNAME" },
	{ DNS_T_SOA, "SOA" }, { DNS_T_PTR, "PTR" }, { DNS_T_MX, "MX" },
	{ DNS_T_TXT, "TXT" }, { DNS_T_AAAA, "AAAA" }, { DNS_T_SRV, "SRV" },
	{ DNS_T_DS, "DS" }, { DNS_T_RRSIG, "RRSIG" },
	{ DNS_T_DNSKEY, "DNSKEY" }, { DNS_T_TLSA, "TLSA" },
	{ DNS_T_SPF, "SPF" }, { DNS_T_CAA, "CAA" },
};

const char *
dns_type_name(uint16_t type)
{
	/* RFC 3597 5 names the rest TYPEnnn; one buffer per thread. */
	static _Thread_local char other[sizeof("TYPE65535")];
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return types[i].name;
	snprintf(other, sizeof(other), "TYPE%u", type);
	return other;
}

int
dns_type_from_name(const char *s)
{
	size_t i, len = strlen(s);
	long long v;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (str_ieq(s, len, types[i].name))
			return types[i].type;
	if (str_iprefix(s, len, "TYPE") && len > 4 &&
	    (v = str_to_ll(s + 4, len - 4, 65535)) >= 0)
		return (int)v;
	return -1;
}

const char *
dns_status_name(enum dns_status st)
{
	switch (st) {
	case DNS_OK:		return "ok";
	case DNS_NODATA:	return "nodata";
	case DNS_NXDOMAIN:	return "nxdomain";
	case DNS_SERVFAIL:	return "servfail";
	case DNS_TIMEOUT:	return "timeout";
	case DNS_ERROR:		return "error";
	}
	return "error";
}

int
dns_reverse_name(const char *ip, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char a[16];
	size_t o = 0;
	int i, n;

	if (inet_pton(AF_INET, ip, a) == 1) {
		/* RFC 1035 3.5: octets in reverse order under in-addr.arpa. */
		n = snprintf(out, outlen, "%u.%u.%u.%u.in-addr.arpa",
		    a[3], a[2], a[1], a[0]);
		return n < 0 || (size_t)n >= outlen ? -1 : 0;
	}
	if (inet_pton(AF_INET6, ip, a) != 1)
		return -1;
	/* RFC 3596 2.5: 32 nibbles, lowest first, under ip6.arpa. */
	if (outlen < 32 * 2 + sizeof("ip6.arpa"))
		return -1;
	for (i = 15; i >= 0; i--) {
		out[o++] = hex[a[i] & 0xf];
		out[o++] = '.';
		out[o++] = hex[a[i] >> 4];
		out[o++] = '.';
	}
	memcpy(out + o, "ip6.arpa", sizeof("ip6.arpa"));
	return 0;
}

/*
 * Batches.
 */

struct dns_result *
dns_result_new(struct arena *a, const struct dns_query *q,
    enum dns_status st)
{
	struct dns_result *r;

	if ((r = arena_alloc(a, sizeof(*r))) == NULL)
		return NULL;
	r->status = st;
	r->qtype = q->type;
	if ((r->qname = dns_name_text(a, q->wire, q->wlen)) == NULL)
		return NULL;
	return r;
}

struct dns_batch *
dns_batch_new(struct dns_resolver *res, struct arena *a)
{
	struct dns_batch *b;

	if (res == NULL || a == NULL || (b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->resolver = res;
	b->arena = a;
	b->oom_result.status = DNS_ERROR;
	b->oom_result.qname = "";
	b->oom_result.why = "out of memory";
	b->oom_query.done = true;
	b->oom_query.res = &b->oom_result;
	return b;
}

void
dns_batch_free(struct dns_batch *b)
{
	struct dns_query *q;
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < DNS_BATCH_BUCKETS; i++)
		for (q = b->bucket[i]; q != NULL; q = q->next)
			if (!q->done && b->resolver->ops->cancel != NULL)
				b->resolver->ops->cancel(b->resolver, q);
	free(b);
}

static unsigned
batch_hash(const unsigned char *wire, size_t wlen, uint16_t type)
{
	uint32_t h = str_fnv1a(STR_FNV_INIT, wire, wlen);

	h = str_fnv1a_byte(h, type & 0xff);
	return str_fnv1a_byte(h, type >> 8) % DNS_BATCH_BUCKETS;
}

/* A finished query that never reaches the backend and is not cached. */
static struct dns_query *
failed_query(struct dns_batch *b, const char *name, uint16_t type,
    const char *why)
{
	struct dns_query *q;
	struct dns_result *r;

	if ((q = arena_alloc(b->arena, sizeof(*q))) == NULL ||
	    (r = arena_alloc(b->arena, sizeof(*r))) == NULL ||
	    (r->qname = arena_strdup(b->arena, name)) == NULL)
		return &b->oom_query;
	q->type = type;
	q->done = true;
	q->res = r;
	r->status = DNS_ERROR;
	r->qtype = type;
	r->why = why;
	return q;
}

struct dns_query *
dns_submit(struct dns_batch *b, const char *name, uint16_t type)
{
	unsigned char wire[DNS_WIRE_NAME_MAX];
	struct dns_query *q;
	const char *why;
	size_t wlen;
	unsigned h;

	if (name == NULL)
		return &b->oom_query;
	if ((why = dns_name_parse(name, strlen(name), NULL, 0, wire,
	    &wlen)) != NULL)
		return failed_query(b, name, type, why);
	dns_name_lower(wire, wlen);
	h = batch_hash(wire, wlen, type);
	for (q = b->bucket[h]; q != NULL; q = q->next)
		if (q->type == type && q->wlen == wlen &&
		    memcmp(q->wire, wire, wlen) == 0)
			return q;
	if (b->nqueries >= DNS_BATCH_MAX_QUERIES)
		return failed_query(b, name, type,
		    "too many DNS queries for one message");
	if ((q = arena_alloc(b->arena, sizeof(*q))) == NULL)
		return &b->oom_query;
	memcpy(q->wire, wire, wlen);
	q->wlen = wlen;
	q->type = type;
	q->next = b->bucket[h];
	b->bucket[h] = q;
	b->nqueries++;
	if (b->resolver->ops->start(b->resolver, q, b->arena) == -1 &&
	    q->res == NULL) {
		q->res = dns_result_new(b->arena, q, DNS_ERROR);
		q->done = true;
	}
	return q;
}

const struct dns_result *
dns_wait(struct dns_batch *b, struct dns_query *q)
{
	if (q == NULL)
		return &b->oom_result;
	if (!q->done) {
		b->resolver->ops->finish(b->resolver, q, b->arena);
		q->done = true;
	}
	if (q->res == NULL)
		return &b->oom_result;
	return q->res;
}

const struct dns_result *
dns_lookup(struct dns_batch *b, const char *name, uint16_t type)
{
	return dns_wait(b, dns_submit(b, name, type));
}

size_t
dns_batch_queries(const struct dns_batch *b)
{
	return b->nqueries;
}

unsigned long
dns_resolver_upstream(const struct dns_resolver *r)
{
	return atomic_load(&r->upstream);
}

void
dns_resolver_free(struct dns_resolver *r)
{
	if (r != NULL)
		r->ops->free(r);
}
