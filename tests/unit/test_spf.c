/*
 * test_spf.c - SPF record grammar, macro expansion (RFC 7208 7.4's own
 * examples) and check_host over an in-memory zone.
 */
#include <arpa/inet.h>
#include <string.h>

#include "tap.h"
#include "auth/spf.h"
#include "dns/dns.h"
#include "util/arena.h"

static void
test_parse(struct arena *a)
{
	static const struct {
		const char *rec;
		int ok;
	} cases[] = {
		{ "v=spf1", 1 },
		{ "v=spf1 -all", 1 },
		{ "v=spf1 a mx/24 a:%{d}//64 ip4:192.0.2.0/24 -all", 1 },
		{ "v=spf1 ip6:2001:db8::/32 ~all", 1 },
		{ "v=spf1 include:_spf.example.com ?all", 1 },
		{ "v=spf1 redirect=_spf.example.com", 1 },
		{ "v=spf1 moo.cow-far_out=man:dog/cat -all", 1 },
		{ "v=spf1 a:foo:bar/baz.example.com", 1 },
		{ "v=spf1 a:foo.example.xn--zckzah", 1 },
		{ "v=spf10", 0 },
		{ "v=spf1 -all moo", 0 },
		{ "v=spf1 -all.", 0 },
		{ "v=spf1 ptr/0", 0 },
		{ "v=spf1 a:museum.", 0 },
		{ "v=spf1 a:111.222.33.44", 0 },
		{ "v=spf1 a/33", 0 },
		{ "v=spf1 a//129", 0 },
		{ "v=spf1 ip4:1.2.3.4/032", 0 },
		{ "v=spf1 ip4:1.2.3", 0 },
		{ "v=spf1 ip4:01.2.3.4", 0 },
		{ "v=spf1 ip4:1.2.3.4//32", 0 },
		{ "v=spf1 ip6::CAFE::BABE", 0 },
		{ "v=spf1 include", 0 },
		{ "v=spf1 exists:%(ir).x.com", 0 },
		{ "v=spf1 exp=a.com exp=b.com", 0 },
		{ "v=spf1 exp=", 0 },
		{ "v=spf1 1up=foo", 0 },
		{ "v=spf1 =all", 0 },
		{ "v=spf1 a:%{r}.example.com", 0 },
		{ "v=spf1 a:x.example.com\r-all", 0 },
	};
	struct spf_record *r;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = spf_record_parse(a, cases[i].rec, strlen(cases[i].rec),
		    &why);
		ok((r != NULL) == cases[i].ok, "parse '%s' %s (%s)",
		    cases[i].rec, cases[i].ok ? "accepted" : "rejected",
		    why ? why : "ok");
	}
	r = spf_record_parse(a, "v=spf1 ~a:x.example.com/24//64 -all", 35,
	    &why);
	ok(r != NULL && r->n == 2, "two terms");
	if (r != NULL && r->n == 2) {
		is_int(r->terms[0].qualifier, AUTH_SOFTFAIL, "qualifier ~");
		is_int(r->terms[0].mech, SPF_MECH_A, "mechanism a");
		is_int(r->terms[0].cidr4, 24, "ip4 prefix");
		is_int(r->terms[0].cidr6, 64, "ip6 prefix");
		is_int(r->terms[0].spec_len, 13, "domain-spec length");
		ok(r->has_all, "has all");
	}
}

static void
test_macros(struct arena *a)
{
	/* RFC 7208 7.4: sender strong-bad@email.example.com, 192.0.2.3. */
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "%{s}", "strong-bad@email.example.com" },
		{ "%{o}", "email.example.com" },
		{ "%{d}", "email.example.com" },
		{ "%{d4}", "email.example.com" },
		{ "%{d3}", "email.example.com" },
		{ "%{d2}", "example.com" },
		{ "%{d1}", "com" },
		{ "%{dr}", "com.example.email" },
		{ "%{d2r}", "example.email" },
		{ "%{l}", "strong-bad" },
		{ "%{l-}", "strong.bad" },
		{ "%{lr}", "strong-bad" },
		{ "%{lr-}", "bad.strong" },
		{ "%{l1r-}", "strong" },
		{ "%{ir}.%{v}._spf.%{d2}",
		    "3.2.0.192.in-addr._spf.example.com" },
		{ "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
		{ "%%%_%-", "% %20" },
		{ "%{L}", "strong-bad" },
		{ "%{S}", "strong-bad%40email.example.com" },
	};
	struct spf_macro_env env;
	const char *got;
	size_t i;

	memset(&env, 0, sizeof(env));
	env.sender = "strong-bad@email.example.com";
	env.local = "strong-bad";
	env.sender_domain = env.domain = "email.example.com";
	env.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.3", env.ip);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok(spf_macro_check(cases[i].in, strlen(cases[i].in), false,
		    NULL) == NULL, "macro '%s' valid", cases[i].in);
		got = spf_macro_expand(&env, a, cases[i].in,
		    strlen(cases[i].in), false);
		is_str(got, cases[i].out, "expand '%s'", cases[i].in);
	}
	env.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::cb01", env.ip);
	is_str(spf_macro_expand(&env, a, "%{ir}.%{v}", 10, false),
	    "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6",
	    "IPv6 %%{ir} (7.4)");
	is_str(spf_macro_expand(&env, a, "%{c}", 4, true), "2001:db8::cb01",
	    "%%{c} in explanations");
	ok(spf_macro_check("%{d0}", 5, false, NULL) != NULL,
	    "zero digit transformer rejected");
	ok(spf_macro_check("%{t}", 4, false, NULL) != NULL,
	    "%%{t} only in explanations");
	ok(spf_macro_check("%{t}", 4, true, NULL) == NULL,
	    "%%{t} in explanations");
	ok(spf_macro_check("100%", 4, false, NULL) != NULL, "lone %%");
}

static const char zone[] =
    "$TTL 300\n"
    "example.com. IN TXT \"v=spf1 ip4:192.0.2.0/24 include:inc.example.com"
    " -all exp=why.example.com\"\n"
    "why.example.com. IN TXT \"%{i} may not send for %{d}\"\n"
    "inc.example.com. IN TXT \"v=spf1 ~a:relay.example.com ?all\"\n"
    "relay.example.com. IN A 198.51.100.7\n"
    "two.example.com. IN TXT \"v=spf1 -all\"\n"
    "two.example.com. IN TXT \"v=spf1 +all\"\n"
    "slow.example.com. IN TXT \"v=spf1 a:tmo.example.com -all\"\n"
    ";@timeout tmo.example.com.\n"
    "voids.example.com. IN TXT \"v=spf1 a:n1.example.com a:n2.example.com"
    " a:n3.example.com +all\"\n"
    "helo.example.net. IN TXT \"v=spf1 a -all\"\n"
    "helo.example.net. IN A 203.0.113.9\n";

static void
check(struct dns_batch *b, struct arena *a, const char *ip,
    const char *mf, const char *helo, enum auth_result want, const char *name)
{
	struct spf_result r;

	spf_verify_envelope(b, a, ip, mf, helo, &r);
	is_str(auth_result_name(r.result), auth_result_name(want), "%s", name);
}

static void
test_eval(void)
{
	struct dns_resolver *res;
	struct dns_batch *b;
	struct arena *a;
	struct spf_result r;
	char err[256] = "";

	res = dns_zone_from_text(zone, sizeof(zone) - 1, ".", err,
	    sizeof(err));
	ok(res != NULL, "zone loads (%s)", err);
	if (res == NULL)
		return;
	a = arena_new(ARENA_DEFAULT_LIMIT);
	b = dns_batch_new(res, a);
	check(b, a, "192.0.2.44", "x@example.com", "h", AUTH_PASS, "ip4 pass");
	check(b, a, "198.51.100.7", "x@example.com", "h", AUTH_FAIL,
	    "include softfail does not match, -all fails");
	check(b, a, "10.1.1.1", "x@two.example.com", "h", AUTH_PERMERROR,
	    "two records: permerror");
	check(b, a, "10.1.1.1", "x@slow.example.com", "h", AUTH_TEMPERROR,
	    "timeout: temperror, never pass");
	check(b, a, "10.1.1.1", "x@voids.example.com", "h", AUTH_PERMERROR,
	    "third void lookup: permerror");
	check(b, a, "10.1.1.1", "x@nowhere.example.com", "h", AUTH_NONE,
	    "no record: none");
	check(b, a, "203.0.113.9", "", "helo.example.net", AUTH_PASS,
	    "null sender: HELO identity");
	check(b, a, "203.0.113.9", "", "", AUTH_NONE,
	    "null sender without HELO: none");
	spf_verify_envelope(b, a, "10.9.9.9", "bob@example.com", "h", &r);
	is_str(r.explanation, "10.9.9.9 may not send for example.com",
	    "exp= explanation expanded");
	is_str(r.identity, "mailfrom", "identity mailfrom");
	is_int(r.lookups, 2, "include and its a: counted");
	dns_batch_free(b);
	arena_free(a);
	dns_resolver_free(res);
}

int
main(void)
{
	struct arena *a = arena_new(ARENA_DEFAULT_LIMIT);

	test_parse(a);
	test_macros(a);
	test_eval();
	arena_free(a);
	return tap_done();
}
