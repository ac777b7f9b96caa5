/*
 * dkim.c - DKIM signature verification (RFC 6376 5.4, 6; RFC 8463;
 * RFC 8301).
 *
 * dkim_verify() takes the DKIM-Signature fields top to bottom, checks
 * each one's tags (6.1.1), submits every key lookup before waiting for
 * any (the lookups run while the bodies are hashed), hashes the body
 * once per distinct (canonicalisation, l=) pair (dkim_body_hash), then
 * checks each signature against its key (6.1.2, 6.1.3).  A result word
 * and a reason a person can read come back for each.
 *
 * Mapping (RFC 6376 6.1, RFC 8601 2.7.1): tag errors, missing or
 * unusable keys are permerror; DNS SERVFAIL and time-outs are temperror;
 * a body or header that no longer matches, rsa-sha1 and RSA keys under
 * 1024 bits (RFC 8301 3.1, 3.2) are fail.  A From field the signature
 * does not cover (a second From added above the signed one, RFC 6376
 * 8.15) is a fail too, though the hash may still match.
 *
 * The signature-field parser and the header hash are shared with ARC
 * (arc.c): an ARC-Message-Signature is a DKIM signature with an instance
 * number for i=, an ARC-Seal a signature over the ARC sets.
 *
 * Memory: results and parsed fields live in the caller's arena; keys
 * (OpenSSL heap) are freed before dkim_verify() returns.  Limits:
 * DKIM_MAX_SIGNATURES signatures, DKIM_MAX_HNAMES entries in h=,
 * DKIM_BODY_CACHE distinct body hashes.
 */
#include <string.h>

#include <openssl/evp.h>

#include "auth/dkim.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "util/arena.h"
#include "util/str.h"

#define TIME_MAX_DIGITS	12	/* seconds since 1970, with room */
#define L_MAX		(1LL << 62)

const char *
dkim_alg_name(enum dkim_alg a)
{
	switch (a) {
	case DKIM_ALG_RSA_SHA1:
		return "rsa-sha1";
	case DKIM_ALG_RSA_SHA256:
		return "rsa-sha256";
	case DKIM_ALG_ED25519_SHA256:
		return "ed25519-sha256";
	default:
		return "none";
	}
}

static bool
tag_is(const struct dkim_tag *t, const char *s)
{
	size_t n = strlen(s);

	return t->value_len == n && memcmp(t->value, s, n) == 0;
}

static bool
is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Whether a colon-separated tag value lists word (FWS around items). */
static bool
list_has(const struct dkim_tag *t, const char *word)
{
	size_t i = 0, s, e, n = t->value_len, wl = strlen(word);
	const char *v = t->value;

	while (i <= n) {
		for (s = i; i < n && v[i] != ':'; i++)
			;
		for (e = i; s < e && is_fws(v[s]); s++)
			;
		while (e > s && is_fws(v[e - 1]))
			e--;
		if (e - s == wl && memcmp(v + s, word, wl) == 0)
			return true;
		i++;
	}
	return false;
}

static char *
tag_dup(struct arena *a, const struct dkim_tag *t)
{
	return arena_strndup(a, t->value, t->value_len);
}

bool
dkim_domain_ok(const char *s, size_t len)
{
	size_t i, label = 0;
	char c;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		/* '_' appears in selectors and in some DKIM d= in use. */
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0;
}

char *
dkim_key_name(struct arena *a, const char *selector, const char *domain)
{
	return arena_printf(a, "%s._domainkey.%s", selector, domain);
}

/* The field value: everything after the first colon of the raw field. */
static const char *
field_value(const struct header *h, size_t *len)
{
	const char *colon;

	if ((colon = memchr(h->raw, ':', h->raw_len)) == NULL) {
		*len = 0;
		return h->raw + h->raw_len;
	}
	*len = h->raw_len - (size_t)(colon + 1 - h->raw);
	return colon + 1;
}

static int
parse_canon(const struct dkim_tag *t, struct dkim_sigfield *sf)
{
	const char *v = t->value, *slash;
	size_t n = t->value_len, hn;

	sf->hcanon = sf->bcanon = DKIM_CANON_SIMPLE;
	slash = memchr(v, '/', n);
	hn = slash != NULL ? (size_t)(slash - v) : n;
	if (hn == 6 && memcmp(v, "simple", 6) == 0)
		sf->hcanon = DKIM_CANON_SIMPLE;
	else if (hn == 7 && memcmp(v, "relaxed", 7) == 0)
		sf->hcanon = DKIM_CANON_RELAXED;
	else
		return -1;
	if (slash == NULL)
		return 0;	/* 3.5 c=: the body defaults to simple */
	v = slash + 1;
	n -= hn + 1;
	if (n == 6 && memcmp(v, "simple", 6) == 0)
		sf->bcanon = DKIM_CANON_SIMPLE;
	else if (n == 7 && memcmp(v, "relaxed", 7) == 0)
		sf->bcanon = DKIM_CANON_RELAXED;
	else
		return -1;
	return 0;
}

/* h=: colon-separated names, FWS allowed around them (3.5). */
static int
parse_hlist(struct arena *a, const struct dkim_tag *t,
    struct dkim_sigfield *sf, const char **why)
{
	const char *p, *e;
	size_t len, i, n = 0;
	char *v;

	if ((v = dkim_tags_nows(a, t->value, t->value_len, &len)) == NULL ||
	    (sf->h = arena_calloc(a, DKIM_MAX_HNAMES,
	    sizeof(*sf->h))) == NULL) {
		*why = "out of memory";
		return -1;
	}
	for (p = v; p <= v + len; p = e + 1) {
		if ((e = memchr(p, ':', (size_t)(v + len - p))) == NULL)
			e = v + len;
		/* An empty entry names no field and hashes nothing. */
		if (e == p)
			continue;
		for (i = 0; i < (size_t)(e - p); i++)
			if ((unsigned char)p[i] < 33 ||
			    (unsigned char)p[i] > 126) {
				*why = "h= holds an invalid field name";
				return -1;
			}
		if (n == DKIM_MAX_HNAMES) {
			*why = "h= names too many fields";
			return -1;
		}
		sf->h[n].p = p;
		sf->h[n].len = (size_t)(e - p);
		n++;
	}
	sf->nh = n;
	return 0;
}

static bool
h_has(const struct dkim_sigfield *sf, const char *name)
{
	size_t i;

	for (i = 0; i < sf->nh; i++)
		if (str_ieq(sf->h[i].p, sf->h[i].len, name))
			return true;
	return false;
}

static long long
parse_time(const struct dkim_tag *t)
{
	if (t->value_len == 0 || t->value_len > TIME_MAX_DIGITS)
		return -1;
	return str_to_ll(t->value, t->value_len, L_MAX);
}

/* The checks of RFC 6376 6.1.1 (DKIM) and RFC 8617 4.1.2, 4.1.3 (ARC). */
static int
check_fields(enum dkim_field_kind kind, struct arena *a, time_t now,
    struct dkim_sigfield *sf, const char **why)
{
	const struct dkim_tag *t;
	const char *at;
	size_t len;
	long long n;

	if (kind == DKIM_FIELD_DKIM) {
		if ((t = dkim_tags_get(&sf->tags, "v")) == NULL) {
			*why = "v= missing";
			return -1;
		}
		if (!tag_is(t, "1")) {
			*why = "unsupported signature version (v=)";
			return -1;
		}
	}
	/* Fill the identifying fields first: results show them. */
	if ((t = dkim_tags_get(&sf->tags, "d")) != NULL) {
		if ((sf->domain = tag_dup(a, t)) == NULL)
			goto nomem;
		str_lower(sf->domain);
	}
	if ((t = dkim_tags_get(&sf->tags, "s")) != NULL &&
	    (sf->selector = tag_dup(a, t)) == NULL)
		goto nomem;
	if ((t = dkim_tags_get(&sf->tags, "a")) != NULL &&
	    (sf->alg_name = tag_dup(a, t)) == NULL)
		goto nomem;
	if ((t = dkim_tags_get(&sf->tags, "b")) != NULL &&
	    (sf->b_text = dkim_tags_nows(a, t->value, t->value_len,
	    NULL)) == NULL)
		goto nomem;

	if (kind != DKIM_FIELD_DKIM) {
		if ((t = dkim_tags_get(&sf->tags, "i")) == NULL) {
			*why = "i= missing";
			return -1;
		}
		if ((n = str_to_ll(t->value, t->value_len, 1000000)) < 1) {
			*why = "i= is not an instance number";
			return -1;
		}
		sf->instance = (unsigned)n;
	}
	if (sf->alg_name == NULL) {
		*why = "a= missing";
		return -1;
	}
	if (strcmp(sf->alg_name, "rsa-sha256") == 0)
		sf->alg = DKIM_ALG_RSA_SHA256;
	else if (strcmp(sf->alg_name, "ed25519-sha256") == 0)
		sf->alg = DKIM_ALG_ED25519_SHA256;
	else if (strcmp(sf->alg_name, "rsa-sha1") == 0)
		sf->alg = DKIM_ALG_RSA_SHA1;
	else {
		*why = "unknown algorithm (a=)";
		return -1;
	}
	if (sf->b_text == NULL || sf->b_text[0] == '\0') {
		*why = "b= missing or empty";
		return -1;
	}
	if (dkim_b64_decode(a, sf->b_text, strlen(sf->b_text), &sf->b,
	    &sf->blen) == -1 || sf->blen == 0) {
		*why = "b= is not base64";
		return -1;
	}
	if (kind != DKIM_FIELD_AS) {
		if ((t = dkim_tags_get(&sf->tags, "bh")) == NULL ||
		    t->value_len == 0) {
			*why = "bh= missing or empty";
			return -1;
		}
		if (dkim_b64_decode(a, t->value, t->value_len, &sf->bh,
		    &sf->bhlen) == -1 || sf->bhlen == 0) {
			*why = "bh= is not base64";
			return -1;
		}
		/*
		 * DKIM's default is simple/simple (3.5 c=).  For an AMS
		 * without c= the ARC test suite and the implementations it
		 * was checked with take relaxed/relaxed, the only form ARC
		 * sealers write; we follow them.
		 */
		sf->hcanon = sf->bcanon = kind == DKIM_FIELD_AMS ?
		    DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
		if ((t = dkim_tags_get(&sf->tags, "c")) != NULL &&
		    parse_canon(t, sf) == -1) {
			*why = "unknown canonicalization (c=)";
			return -1;
		}
	} else
		sf->hcanon = DKIM_CANON_RELAXED;	/* RFC 8617 4.1.3 */
	if (sf->domain == NULL || !dkim_domain_ok(sf->domain,
	    strlen(sf->domain))) {
		*why = sf->domain == NULL ? "d= missing" :
		    "d= is not a domain name";
		return -1;
	}
	if (sf->selector == NULL || !dkim_domain_ok(sf->selector,
	    strlen(sf->selector))) {
		*why = sf->selector == NULL ? "s= missing" :
		    "s= is not a valid selector";
		return -1;
	}
	t = dkim_tags_get(&sf->tags, "h");
	if (kind == DKIM_FIELD_AS) {
		/* RFC 8617 4.1.3: the seal covers the ARC sets, no h=. */
		if (t != NULL) {
			*why = "ARC-Seal carries h=";
			return -1;
		}
		if ((t = dkim_tags_get(&sf->tags, "cv")) == NULL) {
			*why = "cv= missing";
			return -1;
		}
		if (!tag_is(t, "none") && !tag_is(t, "pass") &&
		    !tag_is(t, "fail")) {
			*why = "cv= is not none, pass or fail";
			return -1;
		}
		if ((sf->cv = tag_dup(a, t)) == NULL)
			goto nomem;
	} else {
		if (t == NULL) {
			*why = "h= missing";
			return -1;
		}
		if (parse_hlist(a, t, sf, why) == -1)
			return -1;
		if (kind == DKIM_FIELD_DKIM && !h_has(sf, "from")) {
			*why = "From is not signed (h= lacks From)";
			return -1;
		}
		/* RFC 8617 4.1.2: seals are added later, never signed. */
		if (kind == DKIM_FIELD_AMS && h_has(sf, "arc-seal")) {
			*why = "h= includes ARC-Seal";
			return -1;
		}
	}
	sf->l = sf->t = sf->x = -1;
	if (kind != DKIM_FIELD_AS &&
	    (t = dkim_tags_get(&sf->tags, "l")) != NULL) {
		/* 76 digits are allowed; anything past L_MAX is absurd. */
		if ((sf->l = str_to_ll(t->value, t->value_len, L_MAX)) < 0) {
			*why = "l= is not a number";
			return -1;
		}
	}
	if ((t = dkim_tags_get(&sf->tags, "t")) != NULL &&
	    (sf->t = parse_time(t)) < 0) {
		*why = "t= is not a time";
		return -1;
	}
	if (kind == DKIM_FIELD_DKIM) {
		if ((t = dkim_tags_get(&sf->tags, "q")) != NULL) {
			/* A colon list; dns/txt is the only method. */
			if (!list_has(t, "dns/txt")) {
				*why = "no supported key query method (q=)";
				return -1;
			}
		}
		if ((t = dkim_tags_get(&sf->tags, "i")) != NULL) {
			if ((sf->identity = tag_dup(a, t)) == NULL)
				goto nomem;
			at = strrchr(sf->identity, '@');
			if (at == NULL) {
				*why = "i= has no '@'";
				return -1;
			}
			at++;
			len = strlen(at);
			/* 3.5 i=: the same domain as d= or a subdomain. */
			if (!str_ieq(at, len, sf->domain) &&
			    !(len > strlen(sf->domain) + 1 &&
			    str_isuffix(at, len, sf->domain) &&
			    at[len - strlen(sf->domain) - 1] == '.')) {
				*why = "i= is not within d=";
				return -1;
			}
		} else if ((sf->identity = arena_printf(a, "@%s",
		    sf->domain)) == NULL)
			goto nomem;
		if ((t = dkim_tags_get(&sf->tags, "x")) != NULL) {
			if ((sf->x = parse_time(t)) < 0) {
				*why = "x= is not a time";
				return -1;
			}
			if (sf->t >= 0 && sf->x < sf->t) {
				*why = "x= is before t=";
				return -1;
			}
			if ((long long)now > sf->x) {
				*why = "signature expired (x=)";
				return -1;
			}
		}
	}
	return 0;
nomem:
	*why = "out of memory";
	return -1;
}

int
dkim_sigfield_parse(enum dkim_field_kind kind, const struct header *h,
    struct arena *a, time_t now, struct dkim_sigfield *sf,
    const char **why)
{
	size_t len;

	memset(sf, 0, sizeof(*sf));
	sf->kind = kind;
	sf->l = sf->t = sf->x = -1;
	sf->value = field_value(h, &len);
	if (dkim_tags_parse(sf->value, len, &sf->tags, why) == -1)
		return -1;
	return check_fields(kind, a, now, sf, why);
}

char *
dkim_strip_b(struct arena *a, const char *raw, size_t raw_len,
    const char *val, const struct dkim_tags *tags, size_t *outlen)
{
	const struct dkim_tag *b;
	size_t from, to;
	char *out;

	if ((b = dkim_tags_get(tags, "b")) == NULL) {
		*outlen = raw_len;
		return arena_memdup(a, raw, raw_len);
	}
	from = (size_t)(val - raw) + b->raw_off;
	to = (size_t)(val - raw) + b->raw_end;
	if ((out = arena_alloc(a, raw_len - (to - from) + 1)) == NULL)
		return NULL;
	memcpy(out, raw, from);
	memcpy(out + from, raw + to, raw_len - to);
	*outlen = raw_len - (to - from);
	return out;
}

static bool
name_is(const struct header *h, const char *p, size_t len)
{
	size_t n = h->name_len;

	while (n > 0 && (h->name[n - 1] == ' ' || h->name[n - 1] == '\t'))
		n--;
	return str_ieqn(h->name, n, p, len);
}

int
dkim_header_hash(const struct message *m, const struct dkim_sigfield *sf,
    const struct header *self, struct arena *a, unsigned char *out32)
{
	struct dkim_sink sink;
	EVP_MD_CTX *md;
	unsigned char *used;
	unsigned int dl;
	size_t i, j, slen;
	char *s;
	int rc = -1;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex(md, dkim_sha256(), NULL) != 1 ||
	    (used = arena_alloc(a, m->n_headers + 1)) == NULL)
		goto out;
	/* The field being verified was not there when it was signed. */
	if (self >= m->headers && self < m->headers + m->n_headers)
		used[self - m->headers] = 1;
	memset(&sink, 0, sizeof(sink));
	sink.md = md;
	sink.limit = -1;
	/* 5.4.2: repeated names take instances from the bottom up. */
	for (i = 0; i < sf->nh; i++)
		for (j = m->n_headers; j-- > 0;) {
			if (used[j] || !name_is(&m->headers[j], sf->h[i].p,
			    sf->h[i].len))
				continue;
			used[j] = 1;
			dkim_canon_header(sf->hcanon, m->headers[j].raw,
			    m->headers[j].raw_len, false, &sink);
			break;
		}
	if ((s = dkim_strip_b(a, self->raw, self->raw_len, sf->value,
	    &sf->tags, &slen)) == NULL)
		goto out;
	dkim_canon_header(sf->hcanon, s, slen, true, &sink);
	if (!sink.failed && EVP_DigestFinal_ex(md, out32, &dl) == 1 &&
	    dl == 32)
		rc = 0;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

const struct dkim_bodyhash *
dkim_body_hash(struct dkim_bodycache *c, const struct message *m,
    enum dkim_canon canon, long long l)
{
	struct dkim_bodyhash *bh;
	struct dkim_sink sink;
	EVP_MD_CTX *md;
	unsigned int dl;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].canon == canon && c->v[i].l == l)
			return &c->v[i];
	/* A full cache recomputes in its last slot: correct, just slower. */
	bh = c->n < DKIM_BODY_CACHE ? &c->v[c->n++] :
	    &c->v[DKIM_BODY_CACHE - 1];
	memset(bh, 0, sizeof(*bh));
	bh->canon = canon;
	bh->l = l;
	c->computed++;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return bh;
	memset(&sink, 0, sizeof(sink));
	sink.md = md;
	sink.limit = l;
	if (EVP_DigestInit_ex(md, dkim_sha256(), NULL) == 1) {
		dkim_canon_body(canon, m->body != NULL ? m->body : "",
		    m->body != NULL ? m->body_len : 0, &sink);
		bh->ok = !sink.failed &&
		    EVP_DigestFinal_ex(md, bh->digest, &dl) == 1 && dl == 32;
		bh->total = sink.total;
	}
	EVP_MD_CTX_free(md);
	return bh;
}

enum auth_result
dkim_key_from_dns(const struct dns_result *r, struct dkim_key *k,
    const char **why)
{
	const char *first = NULL, *w;
	size_t i;

	memset(k, 0, sizeof(*k));
	switch (r->status) {
	case DNS_OK:
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		*why = "no key record";
		return AUTH_PERMERROR;
	case DNS_SERVFAIL:
		*why = "key lookup failed (SERVFAIL)";
		return AUTH_TEMPERROR;
	case DNS_TIMEOUT:
		*why = "key lookup timed out";
		return AUTH_TEMPERROR;
	default:
		*why = "key lookup failed";
		return AUTH_TEMPERROR;
	}
	/* Several records are undefined (3.6.2.2): take the first usable. */
	for (i = 0; i < r->n; i++) {
		if (r->rr[i].type != DNS_T_TXT)
			continue;
		if (dkim_key_cached(r->qname, r->rr[i].u.txt.text,
		    r->rr[i].u.txt.len, k, &w) == 0)
			return AUTH_PASS;
		if (first == NULL)
			first = w;
	}
	*why = first != NULL ? first : "no key record";
	return AUTH_PERMERROR;
}

enum auth_result
dkim_key_check(const struct dkim_key *k, const struct dkim_sigfield *sf,
    struct arena *a, const char **why)
{
	const char *at;

	if (k->revoked) {
		*why = "key revoked (empty p=)";
		return AUTH_PERMERROR;
	}
	if ((sf->alg == DKIM_ALG_ED25519_SHA256) !=
	    (k->type == DKIM_KEY_ED25519)) {
		*why = "key type (k=) does not match the algorithm (a=)";
		return AUTH_PERMERROR;
	}
	if (!k->sha256) {
		*why = "key does not allow sha256 (h=)";
		return AUTH_PERMERROR;
	}
	/* 3.6.1 t=s: no subdomains in i=. */
	if (k->strict && sf->kind == DKIM_FIELD_DKIM &&
	    (at = strrchr(sf->identity, '@')) != NULL &&
	    !str_ieq(at + 1, strlen(at + 1), sf->domain)) {
		*why = "key forbids an i= subdomain (t=s)";
		return AUTH_PERMERROR;
	}
	if (k->type == DKIM_KEY_RSA && k->bits < DKIM_RSA_MIN_BITS) {
		*why = arena_printf(a, "RSA key too small: %u bits, "
		    "RFC 8301 requires 1024", k->bits);
		if (*why == NULL)
			*why = "RSA key too small";
		return AUTH_FAIL;
	}
	return AUTH_PASS;
}

/* ------------------------------------------------------------------ */

struct keyent {
	char		*qname;
	struct dns_query *q;
	bool		 done;
	enum auth_result r;
	const char	*why;
	struct dkim_key	 key;
};

struct work {
	struct dkim_sigfield sf;
	bool		 live;		/* still to be checked against a key */
	size_t		 key;		/* index into the key table */
	const struct dkim_bodyhash *bh;
};

static void
set(struct dkim_sig *s, enum auth_result r, const char *why)
{
	s->result = r;
	s->reason = why;
}

static void
check_one(const struct message *m, struct dns_batch *batch, struct arena *a,
    struct dkim_bodycache *cache, struct work *w, struct keyent *ke,
    struct dkim_sig *s)
{
	unsigned char hh[32];
	const char *why;
	enum auth_result r;
	size_t i, nfrom = 0, hfrom = 0;

	if (!ke->done) {
		ke->done = true;
		if (ke->q == NULL) {
			ke->r = AUTH_TEMPERROR;
			ke->why = "key lookup could not be started";
		} else
			ke->r = dkim_key_from_dns(dns_wait(batch, ke->q),
			    &ke->key, &ke->why);
	}
	if (ke->r != AUTH_PASS) {
		why = arena_printf(a, "%s (%s)", ke->why, ke->qname);
		set(s, ke->r, why != NULL ? why : ke->why);
		return;
	}
	if ((r = dkim_key_check(&ke->key, &w->sf, a, &why)) != AUTH_PASS) {
		set(s, r, why);
		return;
	}
	s->testing = ke->key.testing;
	/*
	 * The body is hashed only now, for a key that can be used (RFC 6376
	 * 6.1.2 comes before 6.1.3): a signature whose key is missing, as
	 * forged ones in spam often are, costs no hashing.  Waiting for
	 * the key first costs nothing after a cached answer and a few
	 * microseconds beside a lookup that goes out.
	 */
	w->bh = dkim_body_hash(cache, m, w->sf.bcanon, w->sf.l);
	if (!w->bh->ok) {
		set(s, AUTH_TEMPERROR, "body hash could not be computed");
		return;
	}
	if (w->sf.l >= 0 && w->bh->total < (unsigned long long)w->sf.l) {
		set(s, AUTH_FAIL, "body is shorter than l= says");
		return;
	}
	if (w->sf.bhlen != 32 || memcmp(w->sf.bh, w->bh->digest, 32) != 0) {
		set(s, AUTH_FAIL, "body hash mismatch: the body was changed");
		return;
	}
	if (dkim_header_hash(m, &w->sf, s->hdr, a, hh) == -1) {
		set(s, AUTH_TEMPERROR, "header hash could not be computed");
		return;
	}
	if (!dkim_key_verify(&ke->key, hh, sizeof(hh), w->sf.b,
	    w->sf.blen)) {
		set(s, AUTH_FAIL, "signature mismatch: signed header fields "
		    "were changed");
		return;
	}
	for (i = 0; i < m->n_headers; i++)
		if (name_is(&m->headers[i], "from", 4))
			nfrom++;
	for (i = 0; i < w->sf.nh; i++)
		if (str_ieq(w->sf.h[i].p, w->sf.h[i].len, "from"))
			hfrom++;
	if (nfrom > hfrom) {
		set(s, AUTH_FAIL, "a From field the signature does not cover "
		    "was added");
		return;
	}
	set(s, AUTH_PASS, NULL);
	if (w->sf.l >= 0 && w->bh->total > (unsigned long long)w->sf.l)
		s->reason = arena_printf(a, "only the first %lld of %llu body "
		    "bytes are signed (l=)", w->sf.l, w->bh->total);
	else if (s->testing)
		s->reason = "key is in testing mode (t=y)";
}

/* RFC 6008 2: the shortest prefix of b=, at least 8, telling sigs apart. */
static void
b_prefixes(struct arena *a, struct dkim_results *out, struct work *w,
    size_t nw)
{
	size_t i, j, n, len;
	const char *bi;

	for (i = 0; i < nw; i++) {
		if ((bi = w[i].sf.b_text) == NULL)
			continue;
		len = strlen(bi);
		n = len < 8 ? len : 8;
		for (j = 0; j < nw; j++) {
			if (j == i || w[j].sf.b_text == NULL)
				continue;
			while (n < len && strncmp(bi, w[j].sf.b_text, n) == 0)
				n++;
		}
		out->v[i].b_prefix = arena_strndup(a, bi, n);
	}
}

int
dkim_verify(const struct message *m, struct dns_batch *batch,
    struct arena *a, time_t now, struct dkim_results *out)
{
	struct keyent keys[DKIM_MAX_SIGNATURES];
	struct dkim_bodycache cache;
	struct dkim_sig *s;
	struct work *w;
	const char *why;
	size_t i, k, n = 0, nw, nkeys = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&cache, 0, sizeof(cache));
	if (now == 0)
		now = time(NULL);
	for (i = 0; i < m->n_headers; i++)
		if (name_is(&m->headers[i], "dkim-signature", 14))
			n++;
	if (n == 0)
		return 0;
	nw = n < DKIM_MAX_SIGNATURES ? n : DKIM_MAX_SIGNATURES;
	if ((out->v = arena_calloc(a, n, sizeof(*out->v))) == NULL ||
	    (w = arena_calloc(a, nw, sizeof(*w))) == NULL)
		return -1;
	out->n = n;

	/* Tags first, and every key lookup submitted before any wait. */
	for (i = 0, k = 0; i < m->n_headers; i++) {
		if (!name_is(&m->headers[i], "dkim-signature", 14))
			continue;
		s = &out->v[k];
		s->hdr = &m->headers[i];
		s->body_length = -1;
		if (k >= DKIM_MAX_SIGNATURES) {
			set(s, AUTH_PERMERROR, "too many signatures; "
			    "not checked");
			k++;
			continue;
		}
		if (dkim_sigfield_parse(DKIM_FIELD_DKIM, s->hdr, a, now,
		    &w[k].sf, &why) == -1)
			set(s, AUTH_PERMERROR, why);
		else if (w[k].sf.alg == DKIM_ALG_RSA_SHA1)
			set(s, AUTH_FAIL, "rsa-sha1 is no longer allowed "
			    "(RFC 8301 3.1)");
		else
			w[k].live = true;
		s->domain = w[k].sf.domain;
		s->selector = w[k].sf.selector;
		s->algorithm = w[k].sf.alg_name;
		s->identity = w[k].sf.identity;
		s->body_length = w[k].sf.l;
		if (w[k].live) {
			char *qn = dkim_key_name(a, w[k].sf.selector,
			    w[k].sf.domain);

			if (qn == NULL)
				goto out;
			for (w[k].key = 0; w[k].key < nkeys; w[k].key++)
				if (strcmp(keys[w[k].key].qname, qn) == 0)
					break;
			if (w[k].key == nkeys) {
				memset(&keys[nkeys], 0, sizeof(keys[0]));
				keys[nkeys].qname = qn;
				keys[nkeys].q = dns_submit(batch, qn,
				    DNS_T_TXT);
				nkeys++;
			}
		}
		k++;
	}
	for (k = 0; k < nw; k++)
		if (w[k].live)
			check_one(m, batch, a, &cache, &w[k], &keys[w[k].key],
			    &out->v[k]);
	b_prefixes(a, out, w, nw);
	rc = arena_exhausted(a) ? -1 : 0;
out:
	for (i = 0; i < nkeys; i++)
		dkim_key_clear(&keys[i].key);
	return rc;
}
