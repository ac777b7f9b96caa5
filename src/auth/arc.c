/*
 * arc.c - ARC chain validation (RFC 8617 4, 5.2).
 *
 * The steps of 5.2: collect the ARC sets and check their structure
 * (instances 1..N without gaps or doubles, N <= 50, the tag rules of
 * 4.1 applied through dkim_sigfield_parse); stop with fail when the
 * newest seal already says cv=fail; check the cv= sequence (none for
 * i=1, pass after); validate the newest ARC-Message-Signature like a
 * DKIM signature; validate every ARC-Seal, each over the sets up to its
 * own instance; then find the oldest AMS that still validates.  Every
 * key lookup is submitted before the first wait.
 *
 * The result words are those of 4.4 (none, pass, fail).  A DNS failure
 * makes the chain fail as 5.2 demands, with ->temporary set so callers
 * that keep temperror apart can.
 *
 * Memory: the caller's arena; keys are freed before return.  Limits:
 * ARC_MAX_INSTANCE sets, so at most 2 * 50 signatures and 100 lookups.
 */
#include <string.h>

#include <openssl/evp.h>

#include "auth/arc.h"
#include "auth/dkim.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "util/arena.h"
#include "util/str.h"

#define ARC_MAX_KEYS	(2 * ARC_MAX_INSTANCE)

static bool
name_is(const struct header *h, const char *name)
{
	size_t n = h->name_len;

	while (n > 0 && (h->name[n - 1] == ' ' || h->name[n - 1] == '\t'))
		n--;
	return str_ieq(h->name, n, name);
}

/*
 * The AAR instance: the value must open with "i=N;" (RFC 8617 4.1.1,
 * FWS allowed around the parts).  0 when it does not.
 */
static unsigned
aar_instance(const struct header *h)
{
	const char *p = h->raw, *end = h->raw + h->raw_len, *d;
	long long n;

	if ((p = memchr(p, ':', h->raw_len)) == NULL)
		return 0;
	p++;
	while (p < end && strchr(" \t\r\n", *p) != NULL && *p != '\0')
		p++;
	if (p == end || *p++ != 'i')
		return 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p++ != '=')
		return 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (d = p; p < end && *p >= '0' && *p <= '9'; p++)
		;
	if ((n = str_to_ll(d, (size_t)(p - d), 1000000)) < 1)
		return 0;
	while (p < end && strchr(" \t\r\n", *p) != NULL && *p != '\0')
		p++;
	if (p == end || *p != ';')
		return 0;
	return (unsigned)n;
}

static const char *
kind_name(int k)
{
	return k == 0 ? "ARC-Authentication-Results" :
	    k == 1 ? "ARC-Message-Signature" : "ARC-Seal";
}

int
arc_chain_collect(const struct message *m, struct arena *a,
    struct arc_chain *c)
{
	const struct header *h;
	struct dkim_sigfield *sf;
	const struct header **slot;
	const char *why;
	unsigned inst, i;
	size_t k;
	int kind;

	memset(c, 0, sizeof(*c));
	for (k = 0; k < m->n_headers; k++) {
		h = &m->headers[k];
		if (name_is(h, "arc-authentication-results"))
			kind = 0;
		else if (name_is(h, "arc-message-signature"))
			kind = 1;
		else if (name_is(h, "arc-seal"))
			kind = 2;
		else
			continue;
		c->any = true;
		if (c->error != NULL)
			continue;
		sf = NULL;
		if (kind == 0) {
			if ((inst = aar_instance(h)) == 0) {
				c->error = "ARC-Authentication-Results "
				    "does not start with i=N;";
				continue;
			}
		} else {
			if ((sf = arena_alloc(a, sizeof(*sf))) == NULL)
				return -1;
			if (dkim_sigfield_parse(kind == 1 ? DKIM_FIELD_AMS :
			    DKIM_FIELD_AS, h, a, 0, sf, &why) == -1) {
				c->error = arena_printf(a, "%s: %s",
				    kind_name(kind), why);
				if (c->error == NULL)
					return -1;
				continue;
			}
			inst = sf->instance;
		}
		if (inst > ARC_MAX_INSTANCE) {
			c->error = "ARC instance above 50";
			continue;
		}
		slot = kind == 0 ? &c->set[inst].aar : kind == 1 ?
		    &c->set[inst].ams : &c->set[inst].as;
		if (*slot != NULL) {
			c->error = arena_printf(a, "two %s fields with i=%u",
			    kind_name(kind), inst);
			if (c->error == NULL)
				return -1;
			continue;
		}
		*slot = h;
		if (kind == 1)
			c->set[inst].ams_f = sf;
		else if (kind == 2)
			c->set[inst].as_f = sf;
		if (inst > c->n)
			c->n = inst;
	}
	if (c->error != NULL || !c->any)
		return 0;
	for (i = 1; i <= c->n; i++)
		if (c->set[i].aar == NULL || c->set[i].ams == NULL ||
		    c->set[i].as == NULL) {
			c->error = arena_printf(a, "ARC set i=%u is incomplete "
			    "(no %s)", i, kind_name(c->set[i].aar == NULL ? 0 :
			    c->set[i].ams == NULL ? 1 : 2));
			if (c->error == NULL)
				return -1;
			break;
		}
	return 0;
}

int
arc_seal_hash(const struct header *const *aar,
    const struct header *const *ams, const struct header *const *as,
    unsigned n, const struct dkim_sigfield *last, struct arena *a,
    unsigned char *out32)
{
	struct dkim_sink sink;
	EVP_MD_CTX *md;
	unsigned int dl;
	unsigned i;
	size_t slen;
	char *s;
	int rc = -1;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	memset(&sink, 0, sizeof(sink));
	sink.md = md;
	sink.limit = -1;
	for (i = 1; i <= n; i++) {
		dkim_canon_header(DKIM_CANON_RELAXED, aar[i]->raw,
		    aar[i]->raw_len, false, &sink);
		dkim_canon_header(DKIM_CANON_RELAXED, ams[i]->raw,
		    ams[i]->raw_len, false, &sink);
		if (i < n) {
			dkim_canon_header(DKIM_CANON_RELAXED, as[i]->raw,
			    as[i]->raw_len, false, &sink);
			continue;
		}
		if ((s = dkim_strip_b(a, as[i]->raw, as[i]->raw_len,
		    last->value, &last->tags, &slen)) == NULL)
			goto out;
		dkim_canon_header(DKIM_CANON_RELAXED, s, slen, true, &sink);
	}
	if (!sink.failed && EVP_DigestFinal_ex(md, out32, &dl) == 1 &&
	    dl == 32)
		rc = 0;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

/* ------------------------------------------------------------------ */

struct arc_key {
	char		*qname;
	struct dns_query *q;
	bool		 done;
	enum auth_result r;
	const char	*why;
	struct dkim_key	 key;
};

struct arc_ctx {
	const struct message *m;
	struct dns_batch *batch;
	struct arena	*a;
	struct arc_key	 keys[ARC_MAX_KEYS];
	size_t		 nkeys;
	struct dkim_bodycache bodies;
	bool		 temporary;	/* a lookup failed for now */
};

static struct arc_key *
key_submit(struct arc_ctx *x, const struct dkim_sigfield *sf)
{
	struct arc_key *k;
	char *qn;
	size_t i;

	if ((qn = dkim_key_name(x->a, sf->selector, sf->domain)) == NULL)
		return NULL;
	for (i = 0; i < x->nkeys; i++)
		if (strcmp(x->keys[i].qname, qn) == 0)
			return &x->keys[i];
	if (x->nkeys == ARC_MAX_KEYS)
		return NULL;
	k = &x->keys[x->nkeys++];
	memset(k, 0, sizeof(*k));
	k->qname = qn;
	k->q = dns_submit(x->batch, qn, DNS_T_TXT);
	return k;
}

/* A usable key for sf, or NULL with *why (and x->temporary). */
static const struct dkim_key *
key_get(struct arc_ctx *x, const struct dkim_sigfield *sf, const char **why)
{
	struct arc_key *k;

	if ((k = key_submit(x, sf)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	if (!k->done) {
		k->done = true;
		if (k->q == NULL) {
			k->r = AUTH_TEMPERROR;
			k->why = "key lookup could not be started";
		} else
			k->r = dkim_key_from_dns(dns_wait(x->batch, k->q),
			    &k->key, &k->why);
	}
	if (k->r != AUTH_PASS) {
		if (k->r == AUTH_TEMPERROR)
			x->temporary = true;
		*why = arena_printf(x->a, "%s (%s)", k->why, k->qname);
		if (*why == NULL)
			*why = k->why;
		return NULL;
	}
	if (dkim_key_check(&k->key, sf, x->a, why) != AUTH_PASS)
		return NULL;
	return &k->key;
}

/* RFC 8617 5.2 step 4: an AMS validates like a DKIM signature. */
static bool
ams_ok(struct arc_ctx *x, const struct arc_set *s, const char **why)
{
	const struct dkim_sigfield *sf = s->ams_f;
	const struct dkim_bodyhash *bh;
	const struct dkim_key *k;
	unsigned char hh[32];

	if (sf->alg == DKIM_ALG_RSA_SHA1) {
		*why = "rsa-sha1 is no longer allowed (RFC 8301 3.1)";
		return false;
	}
	if ((k = key_get(x, sf, why)) == NULL)
		return false;
	bh = dkim_body_hash(&x->bodies, x->m, sf->bcanon, sf->l);
	if (!bh->ok) {
		*why = "body hash could not be computed";
		return false;
	}
	if ((sf->l >= 0 && bh->total < (unsigned long long)sf->l) ||
	    sf->bhlen != 32 || memcmp(sf->bh, bh->digest, 32) != 0) {
		*why = "body hash mismatch: the body was changed";
		return false;
	}
	if (dkim_header_hash(x->m, sf, s->ams, x->a, hh) == -1) {
		*why = "header hash could not be computed";
		return false;
	}
	if (!dkim_key_verify(k, hh, sizeof(hh), sf->b, sf->blen)) {
		*why = "signature mismatch: signed header fields were changed";
		return false;
	}
	return true;
}

/* RFC 8617 5.2 step 6: the seal of instance i over sets 1..i. */
static bool
as_ok(struct arc_ctx *x, const struct arc_chain *c, unsigned i,
    const char **why)
{
	const struct header *aar[ARC_MAX_INSTANCE + 1];
	const struct header *ams[ARC_MAX_INSTANCE + 1];
	const struct header *as[ARC_MAX_INSTANCE + 1];
	const struct dkim_sigfield *sf = c->set[i].as_f;
	const struct dkim_key *k;
	unsigned char hh[32];
	unsigned j;

	if (sf->alg == DKIM_ALG_RSA_SHA1) {
		*why = "rsa-sha1 is no longer allowed (RFC 8301 3.1)";
		return false;
	}
	if ((k = key_get(x, sf, why)) == NULL)
		return false;
	for (j = 1; j <= i; j++) {
		aar[j] = c->set[j].aar;
		ams[j] = c->set[j].ams;
		as[j] = c->set[j].as;
	}
	if (arc_seal_hash(aar, ams, as, i, sf, x->a, hh) == -1) {
		*why = "seal hash could not be computed";
		return false;
	}
	if (!dkim_key_verify(k, hh, sizeof(hh), sf->b, sf->blen)) {
		*why = "seal signature mismatch: an ARC set was changed";
		return false;
	}
	return true;
}

static int
fail(struct arc_result *out, struct arena *a, const char *why)
{
	out->cv = AUTH_FAIL;
	out->reason = why;
	return arena_exhausted(a) ? -1 : 0;
}

int
arc_verify(const struct message *m, struct dns_batch *batch,
    struct arena *a, struct arc_result *out)
{
	struct arc_chain c;
	struct arc_ctx *x;
	const char *why;
	unsigned i, n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (arc_chain_collect(m, a, &c) == -1)
		return -1;
	if (!c.any) {
		out->cv = AUTH_NONE;
		out->reason = "no ARC sets";
		return 0;
	}
	if (c.error != NULL)
		return fail(out, a, c.error);
	n = out->n = c.n;
	for (i = 1; i <= n; i++) {
		out->sealer[i] = c.set[i].as_f->domain;
		out->signer[i] = c.set[i].ams_f->domain;
		out->aar[i] = c.set[i].aar;
	}
	/* 5.2 step 2: a chain the last sealer saw failing stays failed. */
	if (strcmp(c.set[n].as_f->cv, "fail") == 0)
		return fail(out, a, "the newest ARC-Seal records a failed "
		    "chain (cv=fail)");
	/* 5.2 step 3 (4.1.3 cv=): none for the first set, pass after. */
	for (i = 1; i <= n; i++)
		if (strcmp(c.set[i].as_f->cv, i == 1 ? "none" : "pass") != 0)
			return fail(out, a, arena_printf(a, "ARC-Seal i=%u has "
			    "cv=%s, expected %s", i, c.set[i].as_f->cv,
			    i == 1 ? "none" : "pass"));

	if ((x = arena_alloc(a, sizeof(*x))) == NULL)
		return -1;
	x->m = m;
	x->batch = batch;
	x->a = a;
	/* Every lookup out before the first wait. */
	for (i = n; i >= 1; i--) {
		key_submit(x, c.set[i].as_f);
		key_submit(x, c.set[i].ams_f);
	}
	rc = 0;
	if (!ams_ok(x, &c.set[n], &why)) {
		rc = fail(out, a, arena_printf(a, "ARC-Message-Signature "
		    "i=%u: %s", n, why));
		goto out;
	}
	for (i = n; i >= 1; i--)
		if (!as_ok(x, &c, i, &why)) {
			rc = fail(out, a, arena_printf(a, "ARC-Seal i=%u: %s",
			    i, why));
			goto out;
		}
	out->cv = AUTH_PASS;
	/* 5.2 step 5: how far back the message is still as signed. */
	out->oldest_pass = 0;
	for (i = n - 1; i >= 1; i--)
		if (!ams_ok(x, &c.set[i], &why)) {
			out->oldest_pass = i + 1;
			break;
		}
	rc = arena_exhausted(a) ? -1 : 0;
out:
	out->temporary = x->temporary && out->cv == AUTH_FAIL;
	for (i = 0; i < x->nkeys; i++)
		dkim_key_clear(&x->keys[i].key);
	return rc;
}
