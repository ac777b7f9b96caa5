/*
 * test_arc_trust.c - an ARC pass from a trusted sealer in the verdict
 * (RFC 8617 7.2, RFC 7489 6.7): message and zone in, symbols and verdict
 * out, through the whole pipeline (scan_message).
 *
 * The override needs all of: a chain that validates, a newest seal whose
 * d= is in cfg->arc_trusted, and that sealer's ARC-Authentication-Results
 * saying the message passed DMARC, or had an SPF or DKIM pass aligned
 * with From, when it arrived.  Each case below takes one of them away.
 * Chains are sealed here with a fresh key (arc_seal) and the keys, SPF
 * and DMARC records answered from an in-memory zone; the bundled example
 * examples/ham-de-forwarded-list.eml is checked against examples.zone.
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
#include "scan/config.h"
#include "scan/pipeline.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "util/buf.h"
#include "verdict/verdict.h"
#include "tap.h"

static struct arena *A;
static EVP_PKEY *K;

/* The author's domain says reject; the list relays from 192.0.2.10. */
static const char base_msg[] =
    "From: Anna Berg <anna@sender.example>\r\n"
    "To: forum@lists.trusted.example\r\n"
    "Subject: [forum] Termine im Mai\r\n"
    "Date: Mon, 04 May 2026 09:12:00 +0200\r\n"
    "Message-ID: <20260504091200.1@sender.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Hallo zusammen,\r\n"
    "die Termine fuer Mai stehen im Kalender.\r\n"
    "Anna\r\n"
    "-- \r\n"
    "forum mailing list\r\n";

static char *
pubkey_b64(EVP_PKEY *k)
{
	unsigned char *der = NULL;
	char *r;
	int len;

	len = i2d_PUBKEY(k, &der);
	r = dkim_b64_encode(A, der, (size_t)len);
	OPENSSL_free(der);
	return r;
}

/* A TXT record's text as quoted strings of at most 255 octets. */
static char *
txt(const char *s)
{
	char *r = arena_strdup(A, "");
	size_t n = strlen(s), i, k;

	for (i = 0; i < n; i += k) {
		k = n - i > 200 ? 200 : n - i;
		r = arena_printf(A, "%s \"%.*s\"", r, (int)k, s + i);
	}
	return r;
}

static struct dns_resolver *
make_zone(void)
{
	char err[256], *key, *z;
	struct dns_resolver *r;

	key = txt(arena_printf(A, "v=DKIM1; k=rsa; p=%s", pubkey_b64(K)));
	z = arena_printf(A,
	    "$TTL 300\n"
	    "sender.example. TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
	    "_dmarc.sender.example. TXT \"v=DMARC1; p=reject\"\n"
	    "lists.trusted.example. TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
	    "arc._domainkey.trusted.example. TXT %s\n"
	    "arc._domainkey.other.example. TXT %s\n",
	    key, key);
	r = dns_zone_from_text(z, strlen(z), ".", err, sizeof(err));
	if (r == NULL)
		printf("# zone: %s\n", err);
	return r;
}

/* The next ARC set by domain d over text, AAR payload ar, on top. */
static char *
seal(const char *text, const char *d, enum auth_result cv, const char *ar)
{
	struct arc_sealer sl;
	struct message *m;
	const char *why = NULL;
	char *fields;

	memset(&sl, 0, sizeof(sl));
	sl.domain = d;
	sl.selector = "arc";
	sl.key = K;
	sl.srv_id = arena_printf(A, "mx.%s", d);
	sl.t = 1777000000;
	if ((m = message_parse(A, text, strlen(text), NULL)) == NULL ||
	    arc_seal(m, &sl, cv, arena_printf(A, "mx.%s; %s", d, ar), A,
	    &fields, &why) != 0) {
		printf("# seal: %s\n", why != NULL ? why : "parse");
		return NULL;
	}
	return arena_printf(A, "%s%s", fields, text);
}

struct outcome {
	enum verdict	 verdict;
	bool		 trusted_sym;	/* ARC_TRUSTED_PASS present */
	const char	*sealer, *original;	/* its evidence */
	bool		 dmarc_reject;	/* DMARC_FAIL_REJECT there */
	bool		 summary_arc;	/* the summary names the seal */
	enum auth_result arc;
};

/*
 * Judges text trusting the sealers given; list_env: as delivered by the
 * list, else with the envelope recovered from the message.
 */
static struct outcome
judge_env(struct dns_resolver *r, const char *text, const char *trust1,
    const char *trust2, bool list_env)
{
	struct outcome o = { .verdict = VERDICT_MALWARE };
	char *trusted[3] = { (char *)trust1, (char *)trust2, NULL };
	struct config cfg;
	struct scan *s;
	char err[512];
	size_t i;

	if (text == NULL || r == NULL ||
	    config_load(&cfg, MT_SRCDATADIR, err, sizeof(err)) == -1) {
		printf("# judge: no message, zone or data\n");
		return o;
	}
	/* Borrowed, not owned: given back before config_free(). */
	cfg.arc_trusted = trust1 != NULL ? trusted : NULL;
	if ((s = scan_new(&cfg, r)) != NULL) {
		if (list_env) {
			s->env.client_ip = (char *)"192.0.2.10";
			s->env.helo = (char *)"lists.trusted.example";
			s->env.mail_from =
			    (char *)"forum-bounces@lists.trusted.example";
		}
		scan_message(s, text, strlen(text));
		o.verdict = s->verdict;
		o.arc = s->auth.arc;
		o.summary_arc = strstr(explain_summary(s, LANG_EN),
		    "ARC seal") != NULL;
		for (i = 0; i < s->n_symbols; i++) {
			if (strcmp(s->symbols[i].name, "ARC_TRUSTED_PASS") ==
			    0) {
				o.trusted_sym = true;
				o.sealer = s->symbols[i].nargs > 0 ?
				    arena_strdup(A, s->symbols[i].args[0]) :
				    NULL;
				o.original = s->symbols[i].nargs > 1 ?
				    arena_strdup(A, s->symbols[i].args[1]) :
				    NULL;
			}
			if (strcmp(s->symbols[i].name, "DMARC_FAIL_REJECT") ==
			    0)
				o.dmarc_reject = true;
		}
		scan_free(s);
	}
	cfg.arc_trusted = NULL;
	config_free(&cfg);
	return o;
}

static struct outcome
judge(struct dns_resolver *r, const char *text, const char *trust1,
    const char *trust2)
{
	return judge_env(r, text, trust1, trust2, true);
}

static struct outcome
judge_example(struct dns_resolver *r, const char *text, const char *trust)
{
	return judge_env(r, text, trust, NULL, false);
}

static bool
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static void
test_trusted_pass(struct dns_resolver *r)
{
	const char *pass = "spf=pass smtp.mailfrom=anna@sender.example; "
	    "dmarc=pass header.from=sender.example";
	char *m = seal(base_msg, "trusted.example", AUTH_NONE, pass);
	struct outcome o;

	o = judge(r, m, NULL, NULL);
	ok(o.arc == AUTH_PASS && !o.trusted_sym && o.dmarc_reject &&
	    o.verdict != VERDICT_AUTHENTICATED,
	    "valid chain, no trusted sealers: DMARC reject stands");
	o = judge(r, m, "trusted.example", NULL);
	ok(o.trusted_sym && !o.dmarc_reject &&
	    o.verdict == VERDICT_AUTHENTICATED,
	    "trusted sealer vouching dmarc=pass: authenticated");
	ok(o.summary_arc, "the summary says a trusted seal vouches for it");
	ok(same(o.sealer, "trusted.example") && same(o.original,
	    "dmarc=pass"), "evidence: sealer and original result (%s, %s)",
	    o.sealer ? o.sealer : "-", o.original ? o.original : "-");
	o = judge(r, m, "other.example", "TRUSTED.Example");
	ok(o.trusted_sym && o.verdict == VERDICT_AUTHENTICATED,
	    "trust list is case-insensitive and may hold several domains");
	o = judge(r, m, "lists.trusted.example", NULL);
	ok(!o.trusted_sym && o.verdict != VERDICT_AUTHENTICATED,
	    "a name other than the seal's d= is not trusted");
}

static void
test_what_aar_says(struct dns_resolver *r)
{
	struct outcome o;

	o = judge(r, seal(base_msg, "trusted.example", AUTH_NONE,
	    "spf=fail smtp.mailfrom=anna@sender.example; dkim=none; "
	    "dmarc=fail header.from=sender.example"), "trusted.example",
	    NULL);
	ok(o.arc == AUTH_PASS && !o.trusted_sym && o.dmarc_reject,
	    "sealer recorded a DMARC failure: no override");
	o = judge(r, seal(base_msg, "trusted.example", AUTH_NONE,
	    "dmarc=pass header.from=elsewhere.example"), "trusted.example",
	    NULL);
	ok(!o.trusted_sym, "dmarc=pass for another From: no override");
	o = judge(r, seal(base_msg, "trusted.example", AUTH_NONE,
	    "dkim=pass header.d=mail.sender.example header.s=x"),
	    "trusted.example", NULL);
	ok(o.trusted_sym && same(o.original,
	    "dkim=pass header.d=mail.sender.example"),
	    "aligned DKIM pass on arrival vouches (%s)",
	    o.original ? o.original : "-");
	o = judge(r, seal(base_msg, "trusted.example", AUTH_NONE,
	    "dkim=pass header.d=esp.example header.s=x"), "trusted.example",
	    NULL);
	ok(!o.trusted_sym, "unaligned DKIM pass does not vouch");
	o = judge(r, seal(base_msg, "trusted.example", AUTH_NONE,
	    "spf=pass smtp.mailfrom=bounce@sender.example"),
	    "trusted.example", NULL);
	ok(o.trusted_sym && same(o.original,
	    "spf=pass smtp.mailfrom=sender.example"),
	    "aligned SPF pass on arrival vouches");
	o = judge(r, seal(base_msg, "trusted.example", AUTH_NONE, "none"),
	    "trusted.example", NULL);
	ok(!o.trusted_sym, "AAR with no results does not vouch");
}

static void
test_chain(struct dns_resolver *r)
{
	const char *pass = "dmarc=pass header.from=sender.example";
	char *one, *two, *bad;
	struct outcome o;

	one = seal(base_msg, "trusted.example", AUTH_NONE, pass);
	bad = one != NULL ? arena_printf(A, "%s%s", one,
	    "added after sealing\r\n") : NULL;
	o = judge(r, bad, "trusted.example", NULL);
	ok(o.arc == AUTH_FAIL && !o.trusted_sym && o.dmarc_reject,
	    "body changed after the seal: chain fails, no override");
	/* A second hop: the newest sealer is the one that must vouch. */
	two = one != NULL ? seal(one, "other.example", AUTH_PASS,
	    "arc=pass; dmarc=fail header.from=sender.example") : NULL;
	o = judge(r, two, "trusted.example", NULL);
	ok(o.arc == AUTH_PASS && !o.trusted_sym,
	    "trusted sealer is not the newest: no override");
	o = judge(r, two, "other.example", NULL);
	ok(!o.trusted_sym, "newest sealer trusted but recorded dmarc=fail");
	two = one != NULL ? seal(one, "other.example", AUTH_PASS, pass) :
	    NULL;
	o = judge(r, two, "other.example", NULL);
	ok(o.arc == AUTH_PASS && o.trusted_sym &&
	    same(o.sealer, "other.example"),
	    "two hops, newest trusted and vouching: override");
}

/* The bundled example: a list that seals as aerztenetz-example.de. */
static void
test_example(void)
{
	struct dns_resolver *r;
	struct outcome o;
	struct buf b;
	char err[256], *text;

	r = dns_zone_open(MT_TESTDIR "/../../examples/examples.zone", err,
	    sizeof(err));
	buf_init(&b, 1 << 20);
	if (r == NULL || buf_read_file(&b, MT_TESTDIR
	    "/../../examples/ham-de-forwarded-list.eml") == -1) {
		ok(0, "example and zone load (%s)", r == NULL ? err : "eml");
		dns_resolver_free(r);
		buf_free(&b);
		return;
	}
	text = arena_strndup(A, b.data, b.len);
	buf_free(&b);
	/* The envelope is recovered from the message's Received field. */
	o = judge_example(r, text, NULL);
	ok(o.arc == AUTH_PASS && !o.trusted_sym &&
	    o.verdict == VERDICT_UNVERIFIED,
	    "example without --arc-trusted: unverified");
	o = judge_example(r, text, "aerztenetz-example.de");
	ok(o.trusted_sym && o.verdict == VERDICT_AUTHENTICATED &&
	    same(o.sealer, "aerztenetz-example.de"),
	    "example trusting aerztenetz-example.de: authenticated (%s)",
	    o.original ? o.original : "-");
	dns_resolver_free(r);
}

int
main(void)
{
	struct dns_resolver *r;

	A = arena_new(0);
	K = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if ((r = make_zone()) == NULL) {
		ok(0, "zone");
		return tap_done();
	}
	test_trusted_pass(r);
	test_what_aar_says(r);
	test_chain(r);
	test_example();
	dns_resolver_free(r);
	EVP_PKEY_free(K);
	arena_free(A);
	return tap_done();
}
