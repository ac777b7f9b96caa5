/*
 * test_authres.c - the Authentication-Results parser (RFC 8601) on good
 * and malformed fields, and the emitter's output read back by the parser.
 */
#include <string.h>

#include "tap.h"
#include "auth/authres.h"
#include "util/arena.h"

static int
parse(struct arena *a, const char *s, struct authres *ar, const char **err)
{
	return authres_parse(a, s, strlen(s), ar, err);
}

static void
test_good(struct arena *a)
{
	struct authres ar;
	const char *err;

	ok(parse(a, " mx.example.org;\r\n\tspf=pass (sender ok) "
	    "smtp.mailfrom=bounce@example.com;\r\n\tdkim=fail reason=\"bad "
	    "sig\" header.d=Example.COM header.s=s1;\r\n\tdmarc=pass "
	    "header.from=example.com", &ar, &err) == 0, "folded field (%s)",
	    err ? err : "ok");
	is_str(ar.authserv_id, "mx.example.org", "authserv-id");
	is_int(ar.version, -1, "no version");
	is_int(ar.n, 3, "three results");
	if (ar.n == 3) {
		is_str(ar.results[0].comment, "sender ok", "comment kept");
		is_str(ar.results[0].props[0].value, "bounce@example.com",
		    "local@domain pvalue");
		is_str(ar.results[1].reason, "bad sig", "quoted reason");
		is_str(ar.results[1].props[0].value, "Example.COM",
		    "values keep case");
		is_int(ar.results[1].nprops, 2, "two properties");
		is_str(ar.results[2].method, "dmarc", "third method");
	}
	ok(parse(a, "Example.ORG 1; NONE", &ar, &err) == 0 && ar.none &&
	    ar.version == 1, "version and none");
	ok(parse(a, "\"quoted id\"; SPF=Pass smtp.mailfrom=x.org;", &ar,
	    &err) == 0, "quoted authserv-id, trailing ';'");
	is_str(ar.authserv_id, "quoted id", "quoted id unquoted");
	is_str(ar.results[0].method, "spf", "method lower-cased");
	is_str(ar.results[0].result, "pass", "result lower-cased");
	ok(parse(a, "a.b; dkim=pass header.b=abc+/=d", &ar, &err) == 0,
	    "base64 header.b unquoted tolerated");
	is_str(ar.results[0].props[0].value, "abc+/=d", "header.b value");
	ok(parse(a, "a.b (x (nested \\) c) y); auth=pass (cram-md5) "
	    "smtp.auth=\"a b\"@example.net", &ar, &err) == 0,
	    "nested comment, quoted local-part");
	is_str(ar.results[0].props[0].value, "a b@example.net",
	    "quoted local-part joined");
}

static void
test_bad(struct arena *a)
{
	static const char *const bad[] = {
		"",
		"   ",
		"example.com spf=pass",
		"example.com; spf",
		"example.com; spf=",
		"example.com; spf=pass smtp",
		"example.com; spf=pass smtp.mailfrom",
		"example.com; spf=pass smtp.mailfrom=",
		"example.com; spf=pass (unterminated",
		"example.com; spf=pass reason=\"open",
		"example.com; none; spf=pass",
		"example.com; dkim/=pass",
		"(((((((((((((((((((((x)))))))))))))))))))) example.com; none",
	};
	struct authres ar;
	const char *err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		ok(parse(a, bad[i], &ar, &err) == -1 && err != NULL,
		    "rejects '%s' (%s)", bad[i], err ? err : "accepted");
	}
	is_str(authres_authserv_id(a, " (c) mx.example.org; spf=", 24),
	    "mx.example.org", "authserv-id of a broken field");
}

static void
test_format(struct arena *a)
{
	struct authres ar, back;
	struct authres_result r[2];
	struct authres_prop p[2];
	const char *err;
	char *s;

	memset(&ar, 0, sizeof(ar));
	memset(r, 0, sizeof(r));
	ar.authserv_id = "mx.example.org";
	ar.version = -1;
	ar.results = r;
	ar.n = 2;
	r[0].method = "spf";
	r[0].method_version = -1;
	r[0].result = "fail";
	r[0].reason = "not (allowed)";
	r[0].props = &p[0];
	r[0].nprops = 1;
	p[0].ptype = "smtp";
	p[0].property = "mailfrom";
	p[0].value = "a@b.example";
	r[1].method = "dmarc";
	r[1].method_version = -1;
	r[1].result = "none";
	r[1].comment = "odd (comment)";
	r[1].props = &p[1];
	r[1].nprops = 1;
	p[1].ptype = "header";
	p[1].property = "from";
	p[1].value = "b.example";
	s = authres_format(a, &ar, false);
	is_str(s, "mx.example.org; spf=fail reason=\"not (allowed)\" "
	    "smtp.mailfrom=a@b.example; dmarc=none (odd  comment ) "
	    "header.from=b.example", "formatted");
	ok(s != NULL && authres_parse(a, s, strlen(s), &back, &err) == 0 &&
	    back.n == 2, "our output parses back");
	s = authres_format(a, &ar, true);
	ok(s != NULL && strstr(s, ";\r\n\tdmarc=") != NULL, "folded form");
	ar.n = 0;
	is_str(authres_format(a, &ar, false), "mx.example.org; none",
	    "no results: none");
}

int
main(void)
{
	struct arena *a = arena_new(ARENA_DEFAULT_LIMIT);

	test_good(a);
	test_bad(a);
	test_format(a);
	arena_free(a);
	return tap_done();
}
