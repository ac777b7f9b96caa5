/*
 * test_authres.c - the Authentication-Results parser (RFC 8601) on good
 * and malformed fields, the emitter's output read back by the parser, and
 * a whole scan of a message carrying fields that claim our authserv-id
 * (RFC 8601 5: they come from outside, so they are forged and ignored).
 * The emitter is also compared with the printf-based one it replaced
 * over generated fields.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "xorshift.h"
#include "auth/authres.h"
#include "dns/dns.h"
#include "scan/config.h"
#include "scan/pipeline.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "util/buf.h"

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

/*
 * The emitter as it was before it stopped using printf: the reference
 * for the differential below.
 */
static bool
ref_token_char(int ch)
{
	return ch > 0x20 && ch < 0x7f &&
	    strchr("()<>@,;:\\\"/[]?=", ch) == NULL;
}

static int
ref_add_value(struct buf *b, const char *s, bool pval)
{
	const char *p;
	int rc;

	for (p = s; *p != '\0'; p++)
		if (!ref_token_char((unsigned char)*p) && (!pval || *p != '@'))
			break;
	if (*s != '\0' && *p == '\0')
		return buf_adds(b, s);
	rc = buf_addc(b, '"');
	for (; *s != '\0' && rc == 0; s++) {
		if (*s == '"' || *s == '\\')
			rc = buf_addc(b, '\\');
		if (rc == 0 && *s != '\r' && *s != '\n')
			rc = buf_addc(b, *s);
	}
	return rc == 0 ? buf_addc(b, '"') : -1;
}

static char *
ref_format(struct arena *a, const struct authres *ar, bool fold)
{
	const struct authres_result *r;
	const char *sep = fold ? ";\r\n\t" : "; ";
	struct buf b;
	char *out = NULL;
	size_t i, k;
	int rc;

	buf_init(&b, 64u * 1024);
	rc = ref_add_value(&b, ar->authserv_id ? ar->authserv_id :
	    "localhost", false);
	if (rc == 0 && ar->version >= 0)
		rc = buf_printf(&b, " %d", ar->version);
	if (rc == 0 && ar->n == 0)
		rc = buf_printf(&b, "%snone", sep);
	for (i = 0; i < ar->n && rc == 0; i++) {
		r = &ar->results[i];
		rc = buf_printf(&b, "%s%s", sep, r->method);
		if (rc == 0 && r->method_version >= 0)
			rc = buf_printf(&b, "/%d", r->method_version);
		if (rc == 0)
			rc = buf_printf(&b, "=%s", r->result);
		if (rc == 0 && r->comment != NULL) {
			rc = buf_adds(&b, " (");
			for (const char *p = r->comment; *p && rc == 0; p++)
				rc = buf_addc(&b, *p == '(' || *p == ')' ||
				    *p == '\\' || *p == '\r' || *p == '\n' ?
				    ' ' : *p);
			if (rc == 0)
				rc = buf_addc(&b, ')');
		}
		if (rc == 0 && r->reason != NULL) {
			rc = buf_adds(&b, " reason=");
			if (rc == 0)
				rc = ref_add_value(&b, r->reason, false);
		}
		for (k = 0; k < r->nprops && rc == 0; k++) {
			rc = buf_printf(&b, " %s.%s=", r->props[k].ptype,
			    r->props[k].property);
			if (rc == 0)
				rc = ref_add_value(&b, r->props[k].value, true);
		}
	}
	if (rc == 0)
		out = arena_strndup(a, b.data, b.len);
	buf_free(&b);
	return out;
}

static uint64_t rng = 0x2545f4914f6cdd1dull;

/*
 * A string of up to max characters drawn from what the emitter treats
 * apart: token characters, '@', tspecials, quotes, backslashes,
 * parentheses, CR and LF, spaces, bytes past ASCII; now and then a long
 * run, so that some fields pass the 64 KiB ceiling, and some of a few
 * hundred bytes, so that fields come near the emitter's 1 KiB block.
 */
static char *
gen_str(struct arena *a, size_t max, bool may_be_empty)
{
	static const char pool[] = "abcXYZ019-._@\"\\()<>,;:/[]?= \t\r\n\x7f"
	    "\x80\xc3\xa9\x01";
	size_t n, i;
	char *s;

	n = (size_t)(xorshift64(&rng) % (max + 1));
	if (n == 0 && !may_be_empty)
		n = 1;
	if (xorshift64(&rng) % 400 == 0)
		n = 20000 + (size_t)(xorshift64(&rng) % 30000);
	else if (xorshift64(&rng) % 20 == 0)	/* about the 1 KiB block */
		n = 100 + (size_t)(xorshift64(&rng) % 300);
	s = arena_alloc(a, n + 1);
	for (i = 0; i < n; i++)
		s[i] = xorshift64(&rng) % 3 == 0 ?
		    pool[xorshift64(&rng) % (sizeof(pool) - 1)] :
		    (char)('a' + xorshift64(&rng) % 26);
	return s;
}

static int
gen_version(void)
{
	switch (xorshift64(&rng) % 4) {
	case 0:
		return -1;
	case 1:
		return 0;
	case 2:
		return (int)(xorshift64(&rng) % 10);
	default:
		return (int)(xorshift64(&rng) % 2147483647u);
	}
}

static void
gen_field(struct arena *a, struct authres *ar)
{
	struct authres_result *r;
	size_t i, k;

	memset(ar, 0, sizeof(*ar));
	ar->authserv_id = xorshift64(&rng) % 8 == 0 ? NULL :
	    gen_str(a, 20, true);
	ar->version = gen_version();
	ar->n = (size_t)(xorshift64(&rng) % 6);
	ar->results = arena_calloc(a, ar->n + 1, sizeof(*ar->results));
	for (i = 0; i < ar->n; i++) {
		r = &ar->results[i];
		r->method = gen_str(a, 8, false);
		r->method_version = gen_version();
		r->result = gen_str(a, 8, false);
		r->comment = xorshift64(&rng) % 3 ? NULL : gen_str(a, 30, true);
		r->reason = xorshift64(&rng) % 3 ? NULL : gen_str(a, 20, true);
		r->nprops = (size_t)(xorshift64(&rng) % 4);
		r->props = arena_calloc(a, r->nprops + 1, sizeof(*r->props));
		for (k = 0; k < r->nprops; k++) {
			r->props[k].ptype = gen_str(a, 6, false);
			r->props[k].property = gen_str(a, 6, false);
			r->props[k].value = gen_str(a, 30, true);
		}
	}
}

/* The emitter writes byte for byte what the printf-based one wrote. */
static void
test_format_same(void)
{
	struct authres ar;
	struct arena *a;
	char *want, *got;
	int i, diff = 0, nulls = 0;

	for (i = 0; i < 20000; i++) {
		if ((a = arena_new(ARENA_DEFAULT_LIMIT)) == NULL)
			break;
		gen_field(a, &ar);
		want = ref_format(a, &ar, i % 2 == 0);
		got = authres_format(a, &ar, i % 2 == 0);
		if (want == NULL)
			nulls++;
		if ((want == NULL) != (got == NULL) ||
		    (want != NULL && strcmp(want, got) != 0)) {
			if (diff++ < 3)
				printf("# want \"%.80s\", got \"%.80s\"\n",
				    want ? want : "(null)",
				    got ? got : "(null)");
		}
		arena_free(a);
	}
	is_int(i, 20000, "20000 generated fields");
	is_int(diff, 0, "as the printf-based emitter wrote them");
	ok(nulls > 0 && nulls < 1000, "some past the ceiling (%d)", nulls);

	/* "ID; none" of 64 KiB exactly is written, one byte more is not. */
	if ((a = arena_new(ARENA_DEFAULT_LIMIT)) == NULL)
		return;
	memset(&ar, 0, sizeof(ar));
	ar.version = -1;
	ar.authserv_id = arena_alloc(a, 65536);
	memset(ar.authserv_id, 'x', 65530);
	got = authres_format(a, &ar, false);
	ok(got != NULL && strlen(got) == 65536, "64 KiB written");
	ar.authserv_id[65530] = 'x';
	ok(authres_format(a, &ar, false) == NULL &&
	    ref_format(a, &ar, false) == NULL, "a byte more is refused");
	arena_free(a);
}

static const char forged_zone[] =
    "$TTL 300\n"
    "example.com. IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
    "_dmarc.example.com. IN TXT \"v=DMARC1; p=reject\"\n";

static struct scan *
scan_text(const struct config *cfg, struct dns_resolver *res, const char *msg)
{
	struct scan *s;

	if ((s = scan_new(cfg, res)) == NULL)
		return NULL;
	s->env.client_ip = "203.0.113.9";	/* not allowed by SPF */
	s->env.mail_from = "ceo@example.com";
	s->env.helo = "unknown.example";
	scan_message(s, msg, strlen(msg));
	return s;
}

static unsigned
symbol_count(const struct scan *s, const char *name, const char **arg)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < s->n_symbols; i++)
		if (strcmp(s->symbols[i].name, name) == 0) {
			n++;
			*arg = s->symbols[i].nargs > 0 ?
			    s->symbols[i].args[0] : NULL;
		}
	return n;
}

/*
 * A forger adds "our" Authentication-Results saying all passed.  The
 * scan flags it (AUTHRES_FORGED), evaluates for itself (fail), and the
 * field it emits is its own.  A field of another authserv-id is not
 * flagged: it is someone else's (possibly true) statement.
 */
static void
test_forged(void)
{
	static const char forged[] =
	    "Authentication-Results: MX.Praxis.Example; spf=pass "
	    "smtp.mailfrom=example.com; dkim=pass header.d=example.com; "
	    "dmarc=pass header.from=example.com\r\n"
	    "Authentication-Results: relay.example.net; spf=pass "
	    "smtp.mailfrom=example.com\r\n"
	    "From: CEO <ceo@example.com>\r\n"
	    "To: staff@praxis.example\r\n"
	    "Subject: transfer today\r\n"
	    "\r\n"
	    "Please pay the invoice.\r\n";
	static const char other_only[] =
	    "Authentication-Results: relay.example.net; dmarc=pass "
	    "header.from=example.com\r\n"
	    "From: CEO <ceo@example.com>\r\n"
	    "Subject: hello\r\n"
	    "\r\n"
	    "Hi\r\n";
	struct dns_resolver *res;
	struct config cfg;
	struct scan *s;
	const char *arg = NULL;
	char err[512] = "";

	if (config_load(&cfg, MT_SRCDATADIR, err, sizeof(err)) == -1) {
		ok(0, "data/ loads: %s", err);
		return;
	}
	free(cfg.authserv_id);
	cfg.authserv_id = strdup("mx.praxis.example");
	res = dns_zone_from_text(forged_zone, sizeof(forged_zone) - 1, ".",
	    err, sizeof(err));
	ok(res != NULL && cfg.authserv_id != NULL, "zone loads (%s)", err);
	if (res == NULL || cfg.authserv_id == NULL)
		goto out;

	s = scan_text(&cfg, res, forged);
	ok(s != NULL, "forged message scanned");
	if (s != NULL) {
		is_int(symbol_count(s, "AUTHRES_FORGED", &arg), 1,
		    "one forged field (the id compared without case)");
		is_str(arg, "MX.Praxis.Example", "evidence: the id it claimed");
		is_int(s->auth.spf, AUTH_FAIL, "SPF evaluated, not taken over");
		is_int(s->auth.dmarc, AUTH_FAIL, "DMARC evaluated: fail");
		ok(s->auth.header != NULL && strncmp(s->auth.header,
		    "mx.praxis.example;", 18) == 0 &&
		    strstr(s->auth.header, "dmarc=fail") != NULL,
		    "our own field: %s", s->auth.header ? s->auth.header : "-");
		ok(s->verdict != VERDICT_AUTHENTICATED,
		    "not authenticated (verdict %d)", (int)s->verdict);
		scan_free(s);
	}
	s = scan_text(&cfg, res, other_only);
	ok(s != NULL, "message with another host's field scanned");
	if (s != NULL) {
		is_int(symbol_count(s, "AUTHRES_FORGED", &arg), 0,
		    "another authserv-id is not a forgery");
		scan_free(s);
	}
	dns_resolver_free(res);
out:
	config_free(&cfg);
}

int
main(void)
{
	struct arena *a = arena_new(ARENA_DEFAULT_LIMIT);

	test_good(a);
	test_bad(a);
	test_format(a);
	test_format_same();
	test_forged();
	arena_free(a);
	return tap_done();
}
