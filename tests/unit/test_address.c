/*
 * test_address.c - message_parse_addresses(): RFC 5322 3.4 and the
 * obsolete forms of 4.4 found in real mail.
 */
#include <string.h>

#include "mime/message.h"
#include "util/arena.h"
#include "tap.h"

static struct arena *a;

static int
parse(const char *v, struct address_list *l)
{
	return message_parse_addresses(a, v, strlen(v), 500, l);
}

int
main(void)
{
	struct address_list l;
	int rc;

	a = arena_new(0);

	rc = parse("\"Doe, Jane\" <Jane.Doe@Example.COM>", &l);
	is_int(rc, 0, "quoted display name: clean");
	is_int(l.n, 1, "one address");
	is_str(l.v[0].display, "Doe, Jane", "quoted display name kept");
	is_str(l.v[0].local, "Jane.Doe", "local part as written");
	is_str(l.v[0].domain, "example.com", "domain lower-cased");
	is_str(l.v[0].addr, "Jane.Doe@example.com", "addr joined");

	parse("=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>", &l);
	is_str(l.v[0].display, "Jürgen Müller", "encoded-word display name");
	parse("\"=?ISO-8859-1?Q?Gr=FC=DFe?=\" <x@example.de>", &l);
	is_str(l.v[0].display, "Grüße", "encoded word inside quotes");

	rc = parse("a@x.org, \"B\" <b@y.org>,c@z.org", &l);
	is_int(l.n, 3, "three addresses in a list");
	is_str(l.v[2].addr, "c@z.org", "third address");

	rc = parse("Team: a@x.org, B <b@y.org>;, c@z.org", &l);
	is_int(l.n, 3, "group members plus one outside");
	is_str(l.v[0].group, "Team", "group name on first member");
	is_str(l.v[1].group, "Team", "group name on second member");
	ok(l.v[2].group == NULL, "address after the group has no group");

	rc = parse("undisclosed-recipients:;", &l);
	is_int(l.n, 0, "empty group has no addresses");
	is_int(rc, 0, "empty group is clean");

	rc = parse("<@relay.example,@hop.example:user@target.example>", &l);
	is_int(l.n, 1, "obsolete route address parsed");
	is_str(l.v[0].addr, "user@target.example", "route dropped");

	rc = parse("john.smith@example.org (John Smith)", &l);
	is_str(l.v[0].display, "John Smith", "comment becomes display name");
	is_str(l.v[0].addr, "john.smith@example.org", "addr with comment");

	rc = parse("Pete(A nice \\) chap) <pete(his account)@silly.test"
	    "(his host)>", &l);
	is_int(l.n, 1, "RFC 5322 A.5 comments everywhere");
	is_str(l.v[0].addr, "pete@silly.test", "comments removed from addr");
	is_str(l.v[0].display, "Pete", "display without the comment");

	rc = parse("John Doe <jdoe>", &l);
	is_int(rc, 1, "missing domain is reported");
	is_int(l.n, 1, "still an address");
	ok(l.v[0].domain == NULL, "domain is NULL");
	is_str(l.v[0].local, "jdoe", "local kept");

	rc = parse("Jörg <jörg@bücher.example>", &l);
	is_str(l.v[0].domain, "bücher.example", "IDN domain kept as UTF-8");
	is_str(l.v[0].display, "Jörg", "8-bit display name");

	rc = parse("hans at example.de (Hans Meier)", &l);
	is_int(l.n, 0, "pipermail 'user at host' is not an address");
	is_int(rc, 1, "and is reported as malformed");

	rc = parse("Doe, John <jd@example.com>", &l);
	is_int(l.n, 1, "unquoted comma in display name");
	is_str(l.v[0].display, "Doe, John", "display name with comma");

	rc = parse("<>", &l);
	is_int(l.n, 1, "null path is one address");
	is_str(l.v[0].addr, "", "null path is empty");

	rc = parse("John Q. Public <JQP@Example.com>", &l);
	is_str(l.v[0].display, "John Q. Public", "obs-phrase with a dot");

	rc = parse("\"unterminated <x@y.z>", &l);
	is_int(rc, 1, "unterminated quote is reported");

	rc = message_parse_addresses(a, "a@b.c, d@e.f, g@h.i", 19, 2, &l);
	is_int(l.n, 2, "max addresses honoured");
	is_int(rc, 1, "cut list is reported");

	arena_free(a);
	return tap_done();
}
