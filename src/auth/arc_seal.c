/*
 * arc_seal.c - adding an ARC set as an intermediary (RFC 8617 5.1).
 *
 * The new set is instance N = newest + 1: an ARC-Authentication-Results
 * copying our Authentication-Results (4.1.1), an ARC-Message-Signature
 * over the header fields and body like a DKIM signature with i=N
 * (4.1.2), and an ARC-Seal over every set so far (4.1.3) carrying the
 * chain status we found (cv=); a cv=fail seal covers its own set only.
 * No set is added to a chain whose newest
 * seal already says cv=fail (5.1.2), nor past instance 50, nor to a
 * chain whose structure is broken (its sets cannot be hashed).
 *
 * The fields are written in the fixed form the ARC test suites use: tags
 * in alphabetical order, "; " between them, one line each (under RFC
 * 5322's 998), so the seal covers exactly the bytes that are written.
 *
 * Memory: the caller's arena.  Limits: ARC_MAX_INSTANCE, DKIM_MAX_HNAMES.
 */
#include <string.h>

#include "auth/arc.h"
#include "auth/dkim.h"
#include "mime/message.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define AR_MAX	(64u * 1024)	/* copied Authentication-Results text */

static const char *const default_headers[] = {
	"from", "to", "cc", "subject", "date", "message-id", "reply-to",
	"in-reply-to", "references", "mime-version", "content-type",
	"content-transfer-encoding", "dkim-signature",
};

static bool
is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The value after the colon of a raw field. */
static const char *
value_of(const struct header *h, size_t *len)
{
	const char *c = memchr(h->raw, ':', h->raw_len);

	if (c == NULL) {
		*len = 0;
		return h->raw;
	}
	*len = h->raw_len - (size_t)(c + 1 - h->raw);
	return c + 1;
}

/*
 * Splits an Authentication-Results value into authserv-id and the rest
 * (RFC 8601 2.2); false when there is no ';'.
 */
static bool
ar_split(const char *v, size_t len, const char **id, size_t *idlen,
    const char **rest, size_t *restlen)
{
	const char *semi, *e;

	while (len > 0 && is_fws(*v)) {
		v++;
		len--;
	}
	if ((semi = memchr(v, ';', len)) == NULL)
		return false;
	for (e = v; e < semi && !is_fws(*e); e++)
		;
	*id = v;
	*idlen = (size_t)(e - v);
	*rest = semi + 1;
	*restlen = len - (size_t)(semi + 1 - v);
	return true;
}

/* Appends text with FWS runs made one space, trimmed, no final ';'. */
static void
add_clean(struct buf *b, const char *s, size_t n)
{
	size_t start = b->len, i;
	bool sp = false;

	for (i = 0; i < n; i++) {
		if (is_fws(s[i])) {
			sp = true;
			continue;
		}
		if (sp && b->len > start)
			buf_addc(b, ' ');
		sp = false;
		buf_addc(b, s[i]);
	}
	while (b->len > start && (b->data[b->len - 1] == ';' ||
	    b->data[b->len - 1] == ' '))
		b->len--;
	if (b->data != NULL)
		b->data[b->len] = '\0';
}

enum auth_result
arc_seal_cv_from_ar(const struct message *m, const char *srv_id,
    bool *found)
{
	const char *v, *id, *rest, *p, *e, *end;
	size_t len, idlen, restlen;
	size_t k;

	*found = false;
	for (k = 0; k < m->n_headers; k++) {
		if (!str_ieqn(m->headers[k].name, m->headers[k].name_len,
		    "authentication-results", 22))
			continue;
		v = value_of(&m->headers[k], &len);
		if (!ar_split(v, len, &id, &idlen, &rest, &restlen) ||
		    !str_ieq(id, idlen, srv_id))
			continue;
		end = rest + restlen;
		for (p = rest; p < end; p = e + 1) {
			if ((e = memchr(p, ';', (size_t)(end - p))) == NULL)
				e = end;
			while (p < e && is_fws(*p))
				p++;
			if (!str_iprefix(p, (size_t)(e - p), "arc="))
				continue;
			p += 4;
			*found = true;
			if (str_iprefix(p, (size_t)(e - p), "pass"))
				return AUTH_PASS;
			if (str_iprefix(p, (size_t)(e - p), "fail"))
				return AUTH_FAIL;
			return AUTH_NONE;
		}
	}
	return AUTH_NONE;
}

/* The AAR payload: ours when given, else gathered from the message. */
static int
aar_payload(const struct message *m, const struct arc_sealer *sl,
    const char *ar, struct buf *b)
{
	const char *v, *id, *rest;
	size_t len, idlen, restlen, k, before;

	if (ar != NULL) {
		if (!ar_split(ar, strlen(ar), &id, &idlen, &rest, &restlen))
			return -1;
		add_clean(b, rest, restlen);
		return 0;
	}
	for (k = 0; k < m->n_headers; k++) {
		if (!str_ieqn(m->headers[k].name, m->headers[k].name_len,
		    "authentication-results", 22))
			continue;
		v = value_of(&m->headers[k], &len);
		if (!ar_split(v, len, &id, &idlen, &rest, &restlen) ||
		    !str_ieq(id, idlen, sl->srv_id))
			continue;
		before = b->len;
		if (b->len > 0)
			buf_adds(b, "; ");
		add_clean(b, rest, restlen);
		if (b->len == before + (before > 0 ? 2 : 0)) {
			b->len = before;	/* an empty result set */
			if (b->data != NULL)
				b->data[b->len] = '\0';
		}
	}
	return 0;
}

static size_t
pick_headers(const struct message *m, const struct arc_sealer *sl,
    struct dkim_hname *h)
{
	const char *p, *e, *end;
	size_t i, j, n = 0;

	if (sl->headers != NULL) {
		p = sl->headers;
		end = p + strlen(p);
		for (; p < end && n < DKIM_MAX_HNAMES; p = e + 1) {
			if ((e = memchr(p, ':', (size_t)(end - p))) == NULL)
				e = end;
			if (e > p) {
				h[n].p = p;
				h[n].len = (size_t)(e - p);
				n++;
			}
		}
		return n;
	}
	for (i = 0; i < sizeof(default_headers) / sizeof(*default_headers);
	    i++)
		for (j = 0; j < m->n_headers && n < DKIM_MAX_HNAMES; j++)
			if (str_ieq(m->headers[j].name, m->headers[j].name_len,
			    default_headers[i])) {
				h[n].p = default_headers[i];
				h[n].len = strlen(default_headers[i]);
				n++;
			}
	return n;
}

/* A header record over arena text "Name: value<eol>". */
static struct header *
mkheader(struct arena *a, const char *text)
{
	struct header *h;
	const char *c;

	if (text == NULL || (h = arena_alloc(a, sizeof(*h))) == NULL)
		return NULL;
	c = strchr(text, ':');
	h->raw = text;
	h->raw_len = strlen(text);
	h->name = text;
	h->name_len = (size_t)(c - text);
	h->value = c + 1;
	h->value_len = h->raw_len - h->name_len - 1;
	return h;
}

/* Signs digest and puts b= into the unsigned field text. */
static char *
insert_b(struct arena *a, EVP_PKEY *key, const unsigned char *digest,
    const char *text)
{
	unsigned char *sig;
	const char *b;
	size_t slen;
	char *b64;

	if ((b = strstr(text, " b=;")) == NULL ||
	    dkim_privkey_sign(key, a, digest, 32, &sig, &slen) == -1 ||
	    (b64 = dkim_b64_encode(a, sig, slen)) == NULL)
		return NULL;
	return arena_printf(a, "%.*s%s%s", (int)(b - text + 3), text, b64,
	    b + 3);
}

static int
parse_self(const struct header *h, enum dkim_field_kind kind,
    struct dkim_sigfield *sf, const char **why)
{
	size_t len;

	sf->kind = kind;
	sf->value = h->raw + h->name_len + 1;
	len = h->raw_len - h->name_len - 1;
	return dkim_tags_parse(sf->value, len, &sf->tags, why);
}

int
arc_seal(const struct message *m, const struct arc_sealer *sl,
    enum auth_result cv, const char *ar, struct arena *a, char **fields,
    const char **why)
{
	const struct header *aar[ARC_MAX_INSTANCE + 1];
	const struct header *ams[ARC_MAX_INSTANCE + 1];
	const struct header *as[ARC_MAX_INSTANCE + 1];
	struct dkim_hname h[DKIM_MAX_HNAMES];
	const struct dkim_bodyhash *bh;
	struct dkim_bodycache cache;
	struct dkim_sigfield sf, asf;
	struct message vm;
	struct header *haar, *hams, *has;
	struct arc_chain c;
	unsigned char hh[32];
	const char *eol, *alg, *cvs;
	char tbuf[32], *hlist, *text, *bh64;
	struct buf b;
	size_t i, nh;
	unsigned n, k;
	int rc = -1;

	*fields = NULL;
	buf_init(&b, AR_MAX);
	eol = m->crlf || m->n_headers == 0 ? "\r\n" : "\n";
	if (arc_chain_collect(m, a, &c) == -1) {
		*why = "out of memory";
		goto out;
	}
	if (c.error != NULL) {
		*why = arena_printf(a, "the ARC chain is malformed (%s); "
		    "not sealed", c.error);
		rc = 1;
		goto out;
	}
	if (c.n > 0 && strcmp(c.set[c.n].as_f->cv, "fail") == 0) {
		*why = "the newest ARC-Seal already says cv=fail; not sealed";
		rc = 1;
		goto out;
	}
	if ((n = c.n + 1) > ARC_MAX_INSTANCE) {
		*why = "the chain already has 50 ARC sets; not sealed";
		rc = 1;
		goto out;
	}
	/* 4.1.3 cv=: none opens a chain; a chain we did not check failed. */
	cvs = n == 1 ? "none" : cv == AUTH_PASS ? "pass" : "fail";
	if ((alg = dkim_alg_name(dkim_privkey_alg(sl->key))) == NULL ||
	    dkim_privkey_alg(sl->key) == DKIM_ALG_NONE) {
		*why = "the key is neither RSA nor Ed25519";
		goto out;
	}
	if (sl->domain == NULL || sl->selector == NULL || sl->srv_id == NULL ||
	    !dkim_domain_ok(sl->domain, strlen(sl->domain)) ||
	    !dkim_domain_ok(sl->selector, strlen(sl->selector))) {
		*why = "domain, selector or authserv-id missing or invalid";
		goto out;
	}
	tbuf[0] = '\0';
	if (sl->t != 0)
		snprintf(tbuf, sizeof(tbuf), "; t=%lld", (long long)sl->t);

	/* ARC-Authentication-Results (4.1.1). */
	if (aar_payload(m, sl, ar, &b) == -1) {
		*why = "our Authentication-Results has no authserv-id";
		goto out;
	}
	haar = mkheader(a, arena_printf(a, "ARC-Authentication-Results: "
	    "i=%u; %s; %s%s", n, sl->srv_id, b.len > 0 ? b.data : "none",
	    eol));

	/* ARC-Message-Signature (4.1.2), over [AAR(N)] + the message. */
	memset(&sf, 0, sizeof(sf));
	sf.kind = DKIM_FIELD_AMS;
	sf.hcanon = sf.bcanon = DKIM_CANON_RELAXED;
	sf.l = -1;
	nh = pick_headers(m, sl, h);
	sf.h = h;
	sf.nh = nh;
	memset(&cache, 0, sizeof(cache));
	bh = dkim_body_hash(&cache, m, DKIM_CANON_RELAXED, -1);
	if (haar == NULL || !bh->ok ||
	    (bh64 = dkim_b64_encode(a, bh->digest, 32)) == NULL) {
		*why = "out of memory";
		goto out;
	}
	buf_reset(&b);
	for (i = 0; i < nh; i++) {
		if (i > 0)
			buf_addc(&b, ':');
		buf_add(&b, h[i].p, h[i].len);
	}
	hlist = arena_strndup(a, b.data != NULL ? b.data : "", b.len);
	text = arena_printf(a, "ARC-Message-Signature: a=%s; b=; bh=%s; "
	    "c=relaxed/relaxed; d=%s; h=%s; i=%u; s=%s%s%s", alg, bh64,
	    sl->domain, hlist != NULL ? hlist : "", n, sl->selector, tbuf,
	    eol);
	if ((hams = mkheader(a, text)) == NULL ||
	    parse_self(hams, DKIM_FIELD_AMS, &sf, why) == -1) {
		*why = "out of memory";
		goto out;
	}
	vm = *m;
	if ((vm.headers = arena_calloc(a, m->n_headers + 1,
	    sizeof(*vm.headers))) == NULL) {
		*why = "out of memory";
		goto out;
	}
	vm.headers[0] = *haar;
	if (m->n_headers > 0)
		memcpy(vm.headers + 1, m->headers,
		    m->n_headers * sizeof(*vm.headers));
	vm.n_headers = m->n_headers + 1;
	if (dkim_header_hash(&vm, &sf, hams, a, hh) == -1 ||
	    (hams = mkheader(a, insert_b(a, sl->key, hh, text))) == NULL) {
		*why = "signing the ARC-Message-Signature failed";
		goto out;
	}

	/* ARC-Seal (4.1.3), over sets 1..N. */
	text = arena_printf(a, "ARC-Seal: a=%s; b=; cv=%s; d=%s; i=%u; "
	    "s=%s%s%s", alg, cvs, sl->domain, n, sl->selector, tbuf, eol);
	memset(&asf, 0, sizeof(asf));
	if ((has = mkheader(a, text)) == NULL ||
	    parse_self(has, DKIM_FIELD_AS, &asf, why) == -1) {
		*why = "out of memory";
		goto out;
	}
	for (i = 1; i < n; i++) {
		aar[i] = c.set[i].aar;
		ams[i] = c.set[i].ams;
		as[i] = c.set[i].as;
	}
	/*
	 * A seal with cv=fail covers only its own set: the sets before
	 * it are what failed, and nobody will validate through them.
	 * This is what the ARC signing suite and the sealers it was
	 * made with do.
	 */
	k = strcmp(cvs, "fail") == 0 ? 1 : n;
	aar[k] = haar;
	ams[k] = hams;
	as[k] = has;
	if (arc_seal_hash(aar, ams, as, k, &asf, a, hh) == -1 ||
	    (has = mkheader(a, insert_b(a, sl->key, hh, text))) == NULL) {
		*why = "signing the ARC-Seal failed";
		goto out;
	}
	if ((*fields = arena_printf(a, "%s%s%s", has->raw, hams->raw,
	    haar->raw)) == NULL) {
		*why = "out of memory";
		goto out;
	}
	rc = 0;
out:
	buf_free(&b);
	return rc;
}
