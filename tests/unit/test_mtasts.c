/*
 * test_mtasts.c - the MTA-STS parsers (RFC 8461 3.1, 3.2) and the MX
 * pattern match (4.1), including the defects a real policy shows.
 */
#include <string.h>

#include "tap.h"
#include "audit/audit_mtasts.h"
#include "util/arena.h"

static int
policy(struct arena *a, const char *text, struct mtasts_policy *p)
{
	return mtasts_policy_parse(a, text, strlen(text), p);
}

static void
test_policy(struct arena *a)
{
	struct mtasts_policy p;

	is_int(policy(a, "version: STSv1\r\nmode: enforce\r\n"
	    "mx: mail.example.com\r\nmx: *.example.net\r\n"
	    "max_age: 604800\r\n", &p), 0, "a valid enforce policy");
	is_int(p.mode, MTASTS_MODE_ENFORCE, "mode enforce");
	is_int(p.max_age, 604800, "max_age");
	is_int(p.n_mx, 2, "two mx patterns");
	is_str(p.mx[1], "*.example.net", "second pattern kept");

	is_int(policy(a, "version: STSv1\nmode: testing\nmx: MX.Example.ORG"
	    "\nmax_age: 86400\nextension: ignored\n", &p), 0,
	    "LF line ends and unknown fields are accepted");
	is_int(p.mode, MTASTS_MODE_TESTING, "mode testing");
	is_str(p.mx[0], "mx.example.org", "patterns are lower-cased");

	is_int(policy(a, "version: STSv1\r\nmode: none\r\nmax_age: 0\r\n",
	    &p), 0, "mode none needs no mx");

	is_int(policy(a, "version: STSv1\r\nmode: block\r\nmx: a.example"
	    "\r\nmax_age: 1\r\n", &p), -1, "unknown mode is a defect");
	is_str(p.mode_text, "block", "the unknown mode is kept");
	is_int(policy(a, "version: STSv1\r\nmode: enforce\r\nmx: a.example"
	    "\r\nmax_age: 31557601\r\n", &p), -1, "max_age over a year");
	is_int(policy(a, "version: STSv1\r\nmode: enforce\r\nmax_age: 60"
	    "\r\n", &p), -1, "enforce without mx");
	is_str(p.problem, "no mx field", "says why");
	is_int(policy(a, "mode: enforce\r\nmx: a.example\r\nmax_age: 60\r\n",
	    &p), -1, "no version");
	is_int(policy(a, "version: STSv2\r\nmode: enforce\r\nmx: a.example"
	    "\r\nmax_age: 60\r\n", &p), -1, "wrong version");
	is_int(policy(a, "", &p), -1, "empty policy");
	is_int(policy(a, "version: STSv1\r\nmode: enforce\r\nmx: a.example"
	    "\r\nmax_age: -5\r\n", &p), -1, "negative max_age");
}

static void
test_record(struct arena *a)
{
	struct mtasts_record r;
	const char *why = NULL;

	is_int(mtasts_record_parse(a, "v=STSv1; id=20190429T010101;", 28, &r,
	    &why), 0, "a valid record");
	is_str(r.id, "20190429T010101", "its id");
	is_int(mtasts_record_parse(a, "id=1; v=STSv1", 13, &r, &why), -1,
	    "v=STSv1 must come first");
	is_int(mtasts_record_parse(a, "v=STSv1; id=a-b", 15, &r, &why), -1,
	    "id must be alphanumeric");
	is_int(mtasts_record_parse(a, "v=STSv1;", 8, &r, &why), -1,
	    "id is required");
	is_int(mtasts_record_parse(a, "v=STSv1; id=123456789012345678901234"
	    "567890123", 45, &r, &why), -1, "id over 32 characters");
}

static void
test_match(void)
{
	ok(mtasts_mx_match("mail.example.com", "MAIL.example.com"),
	    "exact match ignores case");
	ok(mtasts_mx_match("mail.example.com", "mail.example.com."),
	    "a final dot on the host is ignored");
	ok(mtasts_mx_match("*.example.com", "mx1.example.com"),
	    "wildcard matches one label");
	ok(!mtasts_mx_match("*.example.com", "a.b.example.com"),
	    "wildcard does not match two labels");
	ok(!mtasts_mx_match("*.example.com", "example.com"),
	    "wildcard does not match the parent");
	ok(!mtasts_mx_match("mail.example.com", "mail.example.net"),
	    "other domain");
	ok(!mtasts_mx_match("*.example.com", ".example.com"),
	    "empty leftmost label");
}

int
main(void)
{
	struct arena *a = arena_new(0);

	test_policy(a);
	test_record(a);
	test_match();
	is_str(mtasts_mode_name(MTASTS_MODE_ENFORCE), "enforce", "mode name");
	arena_free(a);
	return tap_done();
}
