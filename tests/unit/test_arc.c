/*
 * test_arc.c - ARC (RFC 8617): chain structure (instances, doubles,
 * gaps, the 50-set limit, the AAR's leading i=), cv= rules, sealing
 * then validating one and two hops, what tampering with the body, an
 * AAR or a seal gives, the oldest-pass index, refusing to seal a failed
 * chain, and the Authentication-Results copied into the AAR.
 *
 * Keys are made fresh and answered from an in-memory zone; messages are
 * split by a small splitter here, so the MIME parser is not involved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "auth/arc.h"
#include "auth/dkim.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "util/arena.h"
#include "tap.h"

static struct arena *A;
static struct dns_resolver *R;
static EVP_PKEY *K;

static struct message *
split(const char *text)
{
	struct message *m = arena_alloc(A, sizeof(*m));
	const char *p = text, *end = text + strlen(text), *nl, *colon;
	struct header *h;

	m->raw = text;
	m->raw_len = strlen(text);
	m->headers = arena_calloc(A, 128, sizeof(*m->headers));
	m->crlf = true;
	while (p < end) {
		if (p[0] == '\r' && p[1] == '\n') {
			p += 2;
			break;
		}
		h = &m->headers[m->n_headers++];
		h->raw = p;
		colon = memchr(p, ':', (size_t)(end - p));
		h->name = p;
		h->name_len = (size_t)(colon - p);
		for (;;) {
			nl = memchr(p, '\n', (size_t)(end - p));
			p = nl == NULL ? end : nl + 1;
			if (p >= end || (*p != ' ' && *p != '\t'))
				break;
		}
		h->raw_len = (size_t)(p - h->raw);
		h->value = colon + 1;
		h->value_len = (size_t)(p - colon - 1);
	}
	m->body = p;
	m->body_len = (size_t)(end - p);
	return m;
}

static const char base[] =
	"Authentication-Results: relay.example.net; spf=pass "
	"smtp.mailfrom=example.com;\r\n"
	"\tdkim=pass header.d=example.com\r\n"
	"Authentication-Results: other.example; spf=fail\r\n"
	"From: Alice <alice@example.com>\r\n"
	"To: list@example.net\r\n"
	"Subject: meeting\r\n"
	"Date: Mon, 4 Jan 2027 10:00:00 +0000\r\n"
	"\r\n"
	"See you at ten.\r\n";

static char *
replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);

	if (p == NULL)
		return arena_strdup(A, s);
	return arena_printf(A, "%.*s%s%s", (int)(p - s), s, to,
	    p + strlen(from));
}

/* Seals text as relay.example.net; NULL when refused or failed. */
static char *
seal(const char *text, enum auth_result cv, const char *headers, int *rcp)
{
	struct arc_sealer sl;
	const char *why = NULL;
	char *fields;
	int rc;

	memset(&sl, 0, sizeof(sl));
	sl.domain = "example.net";
	sl.selector = "arc";
	sl.key = K;
	sl.srv_id = "relay.example.net";
	sl.headers = headers;
	sl.t = 1800000000;
	rc = arc_seal(split(text), &sl, cv, NULL, A, &fields, &why);
	if (rcp != NULL)
		*rcp = rc;
	if (rc != 0)
		return NULL;
	return arena_printf(A, "%s%s", fields, text);
}

static struct arc_result
verify(const char *text)
{
	struct arc_result r;
	struct dns_batch *b = dns_batch_new(R, A);

	arc_verify(split(text), b, A, &r);
	dns_batch_free(b);
	return r;
}

static void
make_zone(void)
{
	unsigned char *der = NULL;
	char err[256], *p64, *z, *q;
	size_t i, n;
	int len;

	len = i2d_PUBKEY(K, &der);
	p64 = dkim_b64_encode(A, der, (size_t)len);
	OPENSSL_free(der);
	z = arena_printf(A, "$TTL 300\narc._domainkey.example.net. TXT "
	    "\"v=DKIM1; k=rsa; \"");
	n = strlen(p64);
	for (i = 0; i < n; i += 200) {
		q = arena_printf(A, "%s \"%s%.*s\"", z, i == 0 ? "p=" : "",
		    (int)(n - i > 200 ? 200 : n - i), p64 + i);
		z = q;
	}
	z = arena_printf(A, "%s\n", z);
	R = dns_zone_from_text(z, strlen(z), NULL, err, sizeof(err));
	if (R == NULL)
		printf("# zone: %s\n", err);
}

static void
test_structure(void)
{
	struct arc_result r;
	struct arc_chain c;
	char *s, *t;

	r = verify(base);
	ok(r.cv == AUTH_NONE && r.n == 0, "no ARC fields: none");

	s = seal(base, AUTH_NONE, NULL, NULL);
	ok(s != NULL && strncmp(s, "ARC-Seal: a=rsa-sha256; b=", 26) == 0,
	    "first set sealed, ARC-Seal on top");
	ok(s != NULL && strstr(s, "cv=none; d=example.net; i=1; s=arc; "
	    "t=1800000000") != NULL, "seal tags: cv=none, i=1");
	ok(s != NULL && strstr(s, "ARC-Authentication-Results: i=1; "
	    "relay.example.net; spf=pass smtp.mailfrom=example.com; "
	    "dkim=pass header.d=example.com\r\n") != NULL,
	    "AAR copies our A-R only, unfolded");
	arc_chain_collect(split(s), A, &c);
	ok(c.any && c.n == 1 && c.error == NULL && c.set[1].as != NULL &&
	    c.set[1].ams != NULL && c.set[1].aar != NULL,
	    "chain_collect finds one complete set");

	t = arena_printf(A, "%.*s%s", (int)(strstr(s, "ARC-Message") - s), s,
	    s);
	r = verify(t);
	ok(r.cv == AUTH_FAIL && strstr(r.reason, "two ARC-Seal") != NULL,
	    "duplicate seal: fail (%s)", r.reason);
	t = replace(s, "ARC-Authentication-Results: i=1;",
	    "X-Was-AAR: i=1;");
	r = verify(t);
	ok(r.cv == AUTH_FAIL && strstr(r.reason, "incomplete") != NULL,
	    "missing AAR: fail (%s)", r.reason);
	t = replace(s, "ARC-Authentication-Results: i=1;",
	    "ARC-Authentication-Results: relay.example.net; i=1;");
	r = verify(t);
	ok(r.cv == AUTH_FAIL && strstr(r.reason, "i=N") != NULL,
	    "AAR without leading i=: fail (%s)", r.reason);
	t = replace(replace(replace(s, " i=1;", " i=51;"), " i=1;", " i=51;"),
	    "i=1;", "i=51;");
	r = verify(t);
	ok(r.cv == AUTH_FAIL && strstr(r.reason, "50") != NULL,
	    "instance 51: fail (%s)", r.reason);
	t = replace(s, "cv=none", "cv=pass");
	r = verify(t);
	ok(r.cv == AUTH_FAIL && strstr(r.reason, "cv=") != NULL,
	    "first seal with cv=pass: fail (%s)", r.reason);
	t = replace(s, "cv=none", "cv=bogus");
	r = verify(t);
	is_int(r.cv, AUTH_FAIL, "cv=bogus: fail");
	t = replace(s, "h=from", "h=arc-seal:from");
	r = verify(t);
	ok(r.cv == AUTH_FAIL && strstr(r.reason, "ARC-Seal") != NULL,
	    "AMS signing ARC-Seal: fail (%s)", r.reason);
	t = replace(s, "; s=arc;", "; s=arc; s=arc;");
	r = verify(t);
	ok(r.cv == AUTH_FAIL && strstr(r.reason, "duplicate") != NULL,
	    "duplicate tag: fail (%s)", r.reason);
}

static void
test_chain(void)
{
	struct arc_result r;
	char *s1, *s2, *t;
	int rc;

	s1 = seal(base, AUTH_NONE, NULL, NULL);
	r = verify(s1);
	ok(r.cv == AUTH_PASS && r.n == 1 && r.oldest_pass == 0 &&
	    strcmp(r.sealer[1], "example.net") == 0,
	    "one hop: pass, sealer example.net");
	s2 = seal(s1, AUTH_PASS, NULL, NULL);
	ok(s2 != NULL && strstr(s2, "cv=pass; d=example.net; i=2;") != NULL,
	    "second set: i=2, cv=pass");
	r = verify(s2);
	ok(r.cv == AUTH_PASS && r.n == 2 && r.oldest_pass == 0,
	    "two hops: pass, every AMS validates");

	t = replace(s2, "See you at ten.", "See you at nine.");
	r = verify(t);
	ok(r.cv == AUTH_FAIL && strstr(r.reason, "body hash") != NULL &&
	    strstr(r.reason, "i=2") != NULL,
	    "body changed after the last hop: fail (%s)", r.reason);
	t = replace(s2, "i=1; relay.example.net; spf=pass",
	    "i=1; relay.example.net; spf=fail");
	r = verify(t);
	ok(r.cv == AUTH_FAIL && strstr(r.reason, "ARC-Seal") != NULL,
	    "AAR(1) changed: a seal fails (%s)", r.reason);

	/* Subject changed between hops: AMS(1) broken, chain still good. */
	s1 = seal(base, AUTH_NONE, "from:subject", NULL);
	t = replace(s1, "Subject: meeting", "Subject: [list] meeting");
	s2 = seal(t, AUTH_PASS, "from:to", NULL);
	r = verify(s2);
	ok(r.cv == AUTH_PASS && r.oldest_pass == 2,
	    "changed between hops: pass, oldest-pass=2 (got %u)",
	    r.oldest_pass);

	/* A failing chain: sealed with cv=fail, then never again. */
	t = replace(s1, "See you", "See them");
	r = verify(t);
	is_int(r.cv, AUTH_FAIL, "tampered one-hop chain fails");
	s2 = seal(t, AUTH_FAIL, NULL, &rc);
	ok(s2 != NULL && strstr(s2, "cv=fail; d=example.net; i=2;") != NULL,
	    "a failed chain can be sealed once with cv=fail");
	r = verify(s2);
	ok(r.cv == AUTH_FAIL && strstr(r.reason, "cv=fail") != NULL,
	    "newest seal says cv=fail: fail (%s)", r.reason);
	t = seal(s2, AUTH_FAIL, NULL, &rc);
	ok(t == NULL && rc == 1, "no set added after cv=fail");
}

static void
test_ar(void)
{
	bool found;
	enum auth_result cv;
	const char *m1 =
	    "Authentication-Results: relay.example.net; arc=pass;\r\n"
	    "  spf=pass smtp.mailfrom=a@b\r\n"
	    "From: a@b\r\n\r\n";
	const char *m2 =
	    "Authentication-Results: other.example; arc=pass\r\n"
	    "From: a@b\r\n\r\n";

	cv = arc_seal_cv_from_ar(split(m1), "relay.example.net", &found);
	ok(found && cv == AUTH_PASS, "arc=pass read from our A-R");
	cv = arc_seal_cv_from_ar(split(m2), "relay.example.net", &found);
	ok(!found && cv == AUTH_NONE, "another server's arc= ignored");
}

int
main(void)
{
	A = arena_new(0);
	K = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	make_zone();
	ok(R != NULL, "zone loads");
	if (R != NULL) {
		test_structure();
		test_chain();
		test_ar();
		dns_resolver_free(R);
	}
	EVP_PKEY_free(K);
	arena_free(A);
	return tap_done();
}
