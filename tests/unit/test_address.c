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

/*
 * Values around the sizes where scratch space moves from the stack to
 * the heap (128 tokens, 256 bytes of joined text): a list of k
 * addresses, and one address with long display name, local part and
 * domain.
 */
static void
test_scratch_sizes(void)
{
	static const size_t lens[] = { 1, 100, 126, 127, 128, 129, 130, 250,
	    253, 254, 255, 256, 257, 300, 1000, 5000 };
	char v[20000], want[12100], name[6000];
	struct address_list l;
	size_t i, k, n, len, bad;
	int rc;

	/* "aN@d.example," repeated: tokens grow 4 per address. */
	for (k = 28; k <= 36; k++) {
		for (i = n = 0; i < k; i++)
			n += (size_t)snprintf(v + n, sizeof(v) - n,
			    "a%zu@d.example,", i);
		rc = message_parse_addresses(a, v, n, 500, &l);
		bad = rc != 0 || l.n != k;
		for (i = 0; !bad && i < k; i++) {
			(void)snprintf(want, sizeof(want), "a%zu@d.example", i);
			bad = strcmp(l.v[i].addr, want) != 0;
		}
		ok(!bad, "%zu addresses in %zu bytes", k, n);
	}
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		len = lens[i];
		memset(name, 'N', len);
		name[len] = '\0';
		n = (size_t)snprintf(v, sizeof(v), "\"%s\" <%s@%s.Example>",
		    name, name, name);
		rc = message_parse_addresses(a, v, n, 500, &l);
		(void)snprintf(want, sizeof(want), "%s@", name);
		for (k = 0; k < len; k++)
			want[len + 1 + k] = 'n';
		memcpy(want + 2 * len + 1, ".example", 9);
		ok(rc == 0 && l.n == 1 && strcmp(l.v[0].display, name) == 0 &&
		    strcmp(l.v[0].local, name) == 0 &&
		    strcmp(l.v[0].addr, want) == 0 &&
		    strncmp(l.v[0].domain, want + len + 1, len + 8) == 0,
		    "display, local part and domain of %zu bytes", len);
		/* The same name as a phrase of words and a comment. */
		n = (size_t)snprintf(v, sizeof(v), "x@y.example (%s x)", name);
		rc = message_parse_addresses(a, v, n, 500, &l);
		(void)snprintf(want, sizeof(want), "%s x", name);
		ok(rc == 0 && l.n == 1 && l.v[0].display != NULL &&
		    strcmp(l.v[0].display, want) == 0,
		    "comment display name of %zu bytes", len + 2);
	}
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

	rc = parse("Local.Part@Sub.Example.ORG", &l);
	is_str(l.v[0].addr, "Local.Part@sub.example.org",
	    "addr is the local part as written, '@', the lower-cased domain");
	rc = parse("user@", &l);
	ok(l.n == 1 && l.v[0].domain == NULL &&
	    strcmp(l.v[0].addr, "user") == 0, "empty domain: addr is local");

	test_scratch_sizes();

	arena_free(a);
	return tap_done();
}
