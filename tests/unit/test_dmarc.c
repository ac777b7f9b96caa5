/*
 * test_dmarc.c - DMARC record tags, the Tree Walk's name list,
 * evaluation (alignment, sp/np, psd=, t=y, DNS failure) over a zone, and
 * what a whole scan keeps of it: the aggregate report row (RFC 9990) and
 * the permerror explanation.
 */
#include <string.h>

#include "tap.h"
#include "auth/dmarc.h"
#include "auth/orgdomain.h"
#include "dns/dns.h"
#include "scan/config.h"
#include "scan/pipeline.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "verdict/verdict.h"

static void
test_record(void)
{
	struct dmarc_record r;
	const char *why;
	const char *s;

	s = "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; "
	    "aspf=r; psd=n; t=y; rua=mailto:a@example.com; pct=100";
	ok(dmarc_record_parse(NULL, s, strlen(s), &r, &why) == 0,
	    "full record");
	is_int(r.p, DMARC_POLICY_REJECT, "p");
	is_int(r.sp, DMARC_POLICY_QUARANTINE, "sp");
	is_int(r.np, DMARC_POLICY_REJECT, "np");
	ok(r.adkim_strict && !r.aspf_strict, "adkim=s aspf=r");
	is_int(r.psd, DMARC_PSD_N, "psd=n");
	ok(r.testing, "t=y");
	is_int(r.pct, 100, "pct");
	s = " v = DMARC1 ;p=none;;";
	ok(dmarc_record_parse(NULL, s, strlen(s), &r, &why) == 0,
	    "spaces and empty tags");
	s = "v=DMARC1; pct=50; p=quarantine";
	ok(dmarc_record_parse(NULL, s, strlen(s), &r, &why) == 0 && r.testing,
	    "pct below 100 reads as testing");
	s = "v=DMARC1; p=bogus; foo=bar";
	ok(dmarc_record_parse(NULL, s, strlen(s), &r, &why) == 0 &&
	    r.p_invalid && r.p == DMARC_POLICY_UNSPECIFIED,
	    "unknown p value noted, unknown tag ignored");
	s = "p=reject; v=DMARC1";
	ok(dmarc_record_parse(NULL, s, strlen(s), &r, &why) == -1,
	    "v= not first");
	s = "v=DMARC2; p=reject";
	ok(dmarc_record_parse(NULL, s, strlen(s), &r, &why) == -1,
	    "wrong version");
	s = "v=DMARC1; p reject";
	ok(dmarc_record_parse(NULL, s, strlen(s), &r, &why) == -1,
	    "tag without '='");
	ok(dmarc_record_parse(NULL, "", 0, &r, &why) == -1, "empty");
}

static void
test_walk(void)
{
	const char *n[ORGDOMAIN_MAX_WALK];
	size_t k;

	k = orgdomain_walk("a.b.example.com", n);
	is_int(k, 4, "four names for four labels");
	is_str(n[0], "a.b.example.com", "first: the name");
	is_str(n[3], "com", "last: the top-level label");
	k = orgdomain_walk("1.2.3.4.5.6.7.8.9.example.com", n);
	is_int(k, 8, "long names: eight queries at most");
	is_str(n[1], "5.6.7.8.9.example.com", "jump to seven labels");
	is_str(n[7], "com", "ends at the top");
}

static const char zone[] =
    "$TTL 300\n"
    "_dmarc.example.com. IN TXT \"v=DMARC1; p=reject; sp=quarantine;"
    " np=reject\"\n"
    "mail.example.com. IN A 192.0.2.1\n"
    "_dmarc.strict.example. IN TXT \"v=DMARC1; p=reject; adkim=s; aspf=s\"\n"
    "_dmarc.test.example. IN TXT \"v=DMARC1; p=reject; t=y\"\n"
    "_dmarc.psd.example. IN TXT \"v=DMARC1; p=reject; psd=y\"\n"
    "_dmarc.org.psd.example. IN TXT \"v=DMARC1; p=none\"\n"
    ";@timeout _dmarc.slow.example.\n";

static struct dmarc_result
eval(struct dns_batch *b, struct arena *a, const char *from,
    enum auth_result spf, const char *spfdom, const char *dkimdom)
{
	struct dmarc_input in;
	struct dmarc_dkim k = { dkimdom, "s1", AUTH_PASS };
	struct dmarc_result r;

	memset(&in, 0, sizeof(in));
	in.from_domain = from;
	in.spf = spf;
	in.spf_domain = spfdom;
	in.spf_scope = "mfrom";
	if (dkimdom != NULL) {
		in.dkim = &k;
		in.n_dkim = 1;
	}
	dmarc_evaluate(b, a, &in, &r);
	return r;
}

static void
test_eval(void)
{
	struct dns_resolver *res;
	struct dns_batch *b;
	struct arena *a;
	struct dmarc_result r;
	char err[256] = "";

	res = dns_zone_from_text(zone, sizeof(zone) - 1, ".", err,
	    sizeof(err));
	ok(res != NULL, "zone loads (%s)", err);
	if (res == NULL)
		return;
	a = arena_new(ARENA_DEFAULT_LIMIT);
	b = dns_batch_new(res, a);

	r = eval(b, a, "example.com", AUTH_PASS, "bounce.example.com", NULL);
	is_int(r.result, AUTH_PASS, "relaxed SPF alignment passes");
	r = eval(b, a, "example.com", AUTH_PASS, "other.example", NULL);
	is_int(r.result, AUTH_FAIL, "unaligned SPF fails");
	is_int(r.disposition, DMARC_POLICY_REJECT, "p=reject applies");
	r = eval(b, a, "mail.example.com", AUTH_FAIL, "x.example", NULL);
	is_str(r.policy_tag, "sp", "existing subdomain: sp");
	is_int(r.disposition, DMARC_POLICY_QUARANTINE, "sp=quarantine");
	is_str(r.org_domain, "example.com", "org domain by tree walk");
	r = eval(b, a, "ghost.example.com", AUTH_NONE, NULL, NULL);
	is_str(r.policy_tag, "np", "nonexistent subdomain: np");
	is_int(r.disposition, DMARC_POLICY_REJECT, "np=reject");
	r = eval(b, a, "strict.example", AUTH_PASS, "mail.strict.example",
	    "strict.example");
	ok(r.result == AUTH_PASS && !r.spf_aligned && r.dkim_aligned,
	    "strict: subdomain SPF unaligned, exact d= aligned");
	r = eval(b, a, "test.example", AUTH_FAIL, NULL, NULL);
	ok(r.testing && r.disposition == DMARC_POLICY_QUARANTINE,
	    "t=y lowers reject to quarantine");
	r = eval(b, a, "a.org.psd.example", AUTH_PASS, "b.org.psd.example",
	    NULL);
	is_str(r.org_domain, "org.psd.example", "org below the PSD");
	is_int(r.result, AUTH_PASS, "siblings under one org align");
	r = eval(b, a, "x.slow.example", AUTH_PASS, "x.slow.example", NULL);
	is_int(r.result, AUTH_TEMPERROR, "DNS timeout: temperror");
	r = eval(b, a, "nothing.invalid", AUTH_PASS, "nothing.invalid", NULL);
	is_int(r.result, AUTH_NONE, "no record: none");
	r = eval(b, a, "", AUTH_PASS, "x", NULL);
	is_int(r.result, AUTH_PERMERROR, "no author domain: permerror");
	dns_batch_free(b);
	arena_free(a);
	dns_resolver_free(res);
}

static const char scan_zone[] =
    "$TTL 300\n"
    "example.com. IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
    "example.com. IN A 192.0.2.80\n"
    "_dmarc.example.com. IN TXT \"v=DMARC1; p=reject; adkim=s\"\n";

static struct scan *
scan_one(const struct config *cfg, struct dns_resolver *res, const char *msg)
{
	struct scan *s;

	if ((s = scan_new(cfg, res)) == NULL)
		return NULL;
	s->env.client_ip = "192.0.2.1";
	s->env.mail_from = "bounce@example.com";
	s->env.helo = "mail.example.com";
	scan_message(s, msg, strlen(msg));
	return s;
}

static const struct symbol *
symbol_named(const struct scan *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_symbols; i++)
		if (strcmp(s->symbols[i].name, name) == 0)
			return &s->symbols[i];
	return NULL;
}

/* The scan keeps the whole DMARC result: what a report row needs. */
static void
test_scan_row(const struct config *cfg, struct dns_resolver *res)
{
	static const char msg[] =
	    "From: Alice <alice@example.com>\r\n"
	    "To: bob@example.org\r\n"
	    "Subject: report row\r\n"
	    "\r\n"
	    "Hello\r\n";
	const struct dmarc_result *d;
	struct scan *s;

	s = scan_one(cfg, res, msg);
	ok(s != NULL, "scan runs");
	if (s == NULL)
		return;
	d = s->auth.dmarc_detail;
	ok(d != NULL, "the scan keeps the DMARC result");
	if (d != NULL) {
		is_int(d->result, AUTH_PASS, "aligned SPF pass");
		is_str(d->policy_domain, "example.com", "policy domain");
		is_int(d->record.p, DMARC_POLICY_REJECT, "published p=");
		ok(d->record.adkim_strict && !d->record.aspf_strict,
		    "published adkim=s, aspf=r");
		is_int(d->disposition, DMARC_POLICY_NONE, "disposition");
		is_int(d->method, DMARC_ORG_TREEWALK, "discovery method");
		is_str(d->row.source_ip, "192.0.2.1", "row: source IP");
		is_str(d->row.header_from, "example.com", "row: header_from");
		is_str(d->row.envelope_from, "example.com",
		    "row: envelope_from");
		is_str(d->row.spf_domain, "example.com", "row: SPF domain");
		is_str(d->row.spf_scope, "mfrom", "row: SPF scope");
		is_int(d->row.spf, AUTH_PASS, "row: SPF result");
		is_int(d->row.n_dkim, 0, "row: no DKIM signature");
	}
	scan_free(s);
}

/* DMARC_PERMERROR's evidence is the reason, and the text says so. */
static void
test_scan_permerror(const struct config *cfg, struct dns_resolver *res)
{
	static const char msg[] =
	    "From: a@example.com\r\n"
	    "From: b@example.org\r\n"
	    "To: bob@example.org\r\n"
	    "Subject: two authors\r\n"
	    "\r\n"
	    "Hello\r\n";
	const struct symbol *sym;
	struct scan *s;
	char *en, *de;

	s = scan_one(cfg, res, msg);
	ok(s != NULL, "scan runs");
	if (s == NULL)
		return;
	is_int(s->auth.dmarc, AUTH_PERMERROR, "two From fields: permerror");
	sym = symbol_named(s, "DMARC_PERMERROR");
	ok(sym != NULL && sym->nargs >= 1, "DMARC_PERMERROR with a reason");
	if (sym != NULL && sym->nargs >= 1) {
		en = explain_symbol(s, LANG_EN, sym);
		de = explain_symbol(s, LANG_DE, sym);
		ok(en != NULL && strstr(en, sym->args[0]) != NULL &&
		    strstr(en, "From") != NULL,
		    "English text names the reason: %s", en ? en : "-");
		ok(de != NULL && strstr(de, sym->args[0]) != NULL,
		    "German text names the reason: %s", de ? de : "-");
	}
	scan_free(s);
}

static void
test_scan(void)
{
	struct dns_resolver *res;
	struct config cfg;
	char err[512] = "";

	if (config_load(&cfg, MT_SRCDATADIR, err, sizeof(err)) == -1) {
		ok(0, "data/ loads: %s", err);
		return;
	}
	res = dns_zone_from_text(scan_zone, sizeof(scan_zone) - 1, ".", err,
	    sizeof(err));
	ok(res != NULL, "scan zone loads (%s)", err);
	if (res != NULL) {
		test_scan_row(&cfg, res);
		test_scan_permerror(&cfg, res);
		dns_resolver_free(res);
	}
	config_free(&cfg);
}

int
main(void)
{
	test_record();
	test_walk();
	test_eval();
	test_scan();
	return tap_done();
}
