/*
 * test_zone.c - the in-memory zone backend: the master-file parser
 * (RFC 1035 5.1) and the lookup (RFC 1034 4.3.2, RFC 4592 wildcards),
 * the failure directives, errors with line numbers, and that every zone
 * of the DKIM conformance cases loads.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/dns.h"
#include "util/arena.h"
#include "util/buf.h"
#include "tap.h"

static struct arena *arena;

static const char zone_text[] =
	"; a zone that uses most of RFC 1035 5.1\n"
	"$ORIGIN example.com.\n"
	"$TTL 600\n"
	"@\tIN SOA ns1 hostmaster ( 2024010101 ; serial\n"
	"\t\t3600 900 1w 300 )\n"
	"\tIN NS ns1\n"
	"\tIN MX 10 mail\n"
	"ns1\tIN A 192.0.2.1\n"
	"mail 300 IN A 192.0.2.2\n"
	"\tAAAA 2001:db8::2\n"
	"nullmx\tMX 0 .\n"
	"txt\tTXT \"v=spf1 \" \"include:_spf.example.net\" \" -all\"\n"
	"esc\tTXT \"say \\\"hi\\\"\" \"back\\\\slash\" \"\\065\\066C\"\n"
	"semi\tTXT \"a;b\" ; a comment after a string with ';'\n"
	"bare\tTXT unquoted\n"
	"multi\tTXT ( \"one\"\n"
	"\t\t\"two\" )\n"
	"a\\.b\tTXT \"dot in label\"\n"
	"\\065bc\tA 192.0.2.9\n"
	"alias\tCNAME mail\n"
	"chain1\tCNAME chain2\n"
	"chain2\tCNAME alias.example.com.\n"
	"loop1\tCNAME loop2\n"
	"loop2\tCNAME loop1\n"
	"dangling CNAME nowhere\n"
	"*.wild\tTXT \"wildcard\"\n"
	"exists.wild A 192.0.2.3\n"
	"deep.ent.wild A 192.0.2.4\n"
	"x.y.ent2 A 192.0.2.5\n"
	"Mixed.Case A 192.0.2.6\n"
	"unit 1h IN A 192.0.2.10\n"
	"classfirst IN 60 A 192.0.2.11\n"
	"srv\tSRV 10 20 443 target\n"
	"tlsa\tTLSA 3 1 1 ( 0123456789abcdef\n"
	"\t\t0123456789ABCDEF )\n"
	"caa\tCAA 0 issue \"letsencrypt.org\"\n"
	"ptr\tPTR host.example.net.\n"
	"generic TYPE65280 \\# 3 abcdef\n"
	"spf\tSPF \"v=spf1 -all\"\n"
	";@timeout slow\n"
	"slow\tTXT \"I exist\"\n"
	";@servfail broken\n"
	"broken\tA 192.0.2.7\n"
	";@timeout ghost.example.com.\n"
	";@timeout slowtarget\n"
	"toslow\tCNAME slowtarget\n"
	"slowtarget A 192.0.2.12\n";

static const struct dns_result *
look(struct dns_resolver *r, const char *name, uint16_t type)
{
	const struct dns_result *res;
	struct dns_batch *b;

	if ((b = dns_batch_new(r, arena)) == NULL)
		abort();
	res = dns_lookup(b, name, type);
	dns_batch_free(b);
	return res;
}

static struct dns_resolver *
load(const char *text, const char *origin, char *err, size_t errlen)
{
	return dns_zone_from_text(text, strlen(text), origin, err, errlen);
}

/* The error for a zone that must not load; "" if it loaded. */
static const char *
load_error(const char *text)
{
	static char err[512];
	struct dns_resolver *r;

	err[0] = '\0';
	if ((r = load(text, NULL, err, sizeof(err))) != NULL) {
		dns_resolver_free(r);
		return "";
	}
	return err;
}

static void
test_basics(struct dns_resolver *r)
{
	const struct dns_result *res;
	static const unsigned char mx_wire[] = {
		0, 10, 4, 'm', 'a', 'i', 'l', 7, 'e', 'x', 'a', 'm', 'p',
		'l', 'e', 3, 'c', 'o', 'm', 0 };

	res = look(r, "ns1.example.com", DNS_T_A);
	is_int(res->status, DNS_OK, "A: ok");
	is_int(res->n, 1, "A: one record");
	ok(res->n == 1 && memcmp(res->rr[0].u.a, "\xc0\x00\x02\x01", 4) == 0,
	    "A: 192.0.2.1");
	is_str(res->qname, "ns1.example.com", "qname kept");
	is_int(res->qtype, DNS_T_A, "qtype kept");
	ok(res->n == 1 && res->rr[0].ttl == 600, "TTL from $TTL");

	res = look(r, "example.com.", DNS_T_MX);
	is_int(res->status, DNS_OK, "MX at '@' with inherited owner");
	ok(res->n == 1 && res->rr[0].u.mx.pref == 10, "MX preference");
	is_str(res->n == 1 ? res->rr[0].u.mx.host : NULL, "mail.example.com",
	    "MX host relative to $ORIGIN");
	ok(res->n == 1 && res->rr[0].rdlen == sizeof(mx_wire) &&
	    memcmp(res->rr[0].rdata, mx_wire, sizeof(mx_wire)) == 0,
	    "MX wire RDATA");

	res = look(r, "example.com", DNS_T_SOA);
	is_int(res->status, DNS_OK, "SOA across parentheses");
	/* ns1.example.com. (17) + hostmaster.example.com. (24) + 20 */
	ok(res->n == 1 && res->rr[0].rdlen == 17 + 24 + 20, "SOA RDATA size");
	ok(res->n == 1 && memcmp(res->rr[0].rdata + 41 + 12,
	    "\x00\x09\x3a\x80", 4) == 0, "SOA expire 1w = 604800");

	res = look(r, "example.com", DNS_T_NS);
	is_str(res->n == 1 ? res->rr[0].u.name : NULL, "ns1.example.com",
	    "NS with owner inherited from the SOA");

	res = look(r, "mail.example.com", DNS_T_A);
	ok(res->n == 1 && res->rr[0].ttl == 300, "explicit TTL");
	res = look(r, "mail.example.com", DNS_T_AAAA);
	is_int(res->status, DNS_OK, "AAAA, owner inherited");
	ok(res->n == 1 && res->rr[0].u.aaaa[0] == 0x20 &&
	    res->rr[0].u.aaaa[15] == 2 && res->rr[0].ttl == 600,
	    "AAAA 2001:db8::2, TTL from $TTL");
	res = look(r, "mail.example.com", DNS_T_TXT);
	is_int(res->status, DNS_NODATA, "other types only: NODATA");
	is_int(res->n, 0, "NODATA has no records");

	res = look(r, "nullmx.example.com", DNS_T_MX);
	is_str(res->n == 1 ? res->rr[0].u.mx.host : NULL, "", "null MX");

	res = look(r, "unit.example.com", DNS_T_A);
	ok(res->n == 1 && res->rr[0].ttl == 3600, "TTL with unit 1h");
	res = look(r, "classfirst.example.com", DNS_T_A);
	ok(res->n == 1 && res->rr[0].ttl == 60, "class before TTL");

	res = look(r, "nothere.example.com", DNS_T_A);
	is_int(res->status, DNS_NXDOMAIN, "unknown name: NXDOMAIN");
	res = look(r, "example.org", DNS_T_A);
	is_int(res->status, DNS_NXDOMAIN, "outside the zone: NXDOMAIN");
}

static void
test_txt(struct dns_resolver *r)
{
	const struct dns_result *res;

	res = look(r, "txt.example.com", DNS_T_TXT);
	is_int(res->status, DNS_OK, "TXT ok");
	is_str(res->n == 1 ? res->rr[0].u.txt.text : NULL,
	    "v=spf1 include:_spf.example.net -all",
	    "TXT strings joined without separator");
	ok(res->n == 1 && res->rr[0].u.txt.nstrings == 3, "3 strings");
	ok(res->n == 1 && res->rr[0].u.txt.len == 36, "joined length");
	ok(res->n == 1 && res->rr[0].rdlen == 36 + 3 && res->rr[0].rdata[0] ==
	    7, "TXT wire: length octet per string");

	res = look(r, "esc.example.com", DNS_T_TXT);
	is_str(res->n == 1 ? res->rr[0].u.txt.text : NULL,
	    "say \"hi\"back\\slashABC", "\\\" \\\\ and \\DDD in strings");

	res = look(r, "semi.example.com", DNS_T_TXT);
	is_str(res->n == 1 ? res->rr[0].u.txt.text : NULL, "a;b",
	    "';' inside quotes is no comment");
	res = look(r, "bare.example.com", DNS_T_TXT);
	is_str(res->n == 1 ? res->rr[0].u.txt.text : NULL, "unquoted",
	    "unquoted string");
	res = look(r, "multi.example.com", DNS_T_TXT);
	is_str(res->n == 1 ? res->rr[0].u.txt.text : NULL, "onetwo",
	    "strings across parentheses");
	res = look(r, "spf.example.com", DNS_T_SPF);
	is_str(res->n == 1 ? res->rr[0].u.txt.text : NULL, "v=spf1 -all",
	    "SPF type decodes like TXT");
}

static void
test_names(struct dns_resolver *r)
{
	const struct dns_result *res;

	res = look(r, "a\\.b.example.com", DNS_T_TXT);
	is_int(res->status, DNS_OK, "escaped dot in an owner label");
	is_str(res->qname, "a\\.b.example.com", "text form keeps \\.");
	res = look(r, "a.b.example.com", DNS_T_TXT);
	is_int(res->status, DNS_NXDOMAIN, "a.b is not a\\.b");
	res = look(r, "abc.example.com", DNS_T_A);
	is_int(res->status, DNS_OK, "\\065bc owner = Abc, any case");
	res = look(r, "MIXED.case.EXAMPLE.com.", DNS_T_A);
	is_int(res->status, DNS_OK, "names are case-insensitive");
	is_str(res->qname, "mixed.case.example.com", "qname lower-cased");

	res = look(r, "srv.example.com", DNS_T_SRV);
	ok(res->n == 1 && res->rr[0].u.srv.prio == 10 &&
	    res->rr[0].u.srv.weight == 20 && res->rr[0].u.srv.port == 443,
	    "SRV numbers");
	is_str(res->n == 1 ? res->rr[0].u.srv.target : NULL,
	    "target.example.com", "SRV target");
	res = look(r, "tlsa.example.com", DNS_T_TLSA);
	ok(res->n == 1 && res->rr[0].u.tlsa.usage == 3 &&
	    res->rr[0].u.tlsa.selector == 1 && res->rr[0].u.tlsa.mtype == 1 &&
	    res->rr[0].u.tlsa.len == 16 && res->rr[0].u.tlsa.data[0] == 0x01 &&
	    res->rr[0].u.tlsa.data[15] == 0xef, "TLSA hex across lines");
	res = look(r, "caa.example.com", DNS_T_CAA);
	ok(res->n == 1 && res->rr[0].rdlen == 2 + 5 + 15 &&
	    memcmp(res->rr[0].rdata, "\x00\x05issueletsencrypt.org", 22) == 0,
	    "CAA wire RDATA");
	res = look(r, "ptr.example.com", DNS_T_PTR);
	is_str(res->n == 1 ? res->rr[0].u.name : NULL, "host.example.net",
	    "PTR absolute target");
	res = look(r, "generic.example.com", 65280);
	ok(res->n == 1 && res->rr[0].rdlen == 3 &&
	    memcmp(res->rr[0].rdata, "\xab\xcd\xef", 3) == 0,
	    "RFC 3597 \\# form");
}

static void
test_cname(struct dns_resolver *r)
{
	const struct dns_result *res;

	res = look(r, "alias.example.com", DNS_T_A);
	is_int(res->status, DNS_OK, "CNAME followed");
	is_str(res->canon, "mail.example.com", "canon = target");
	ok(res->n == 1 && res->rr[0].type == DNS_T_A &&
	    memcmp(res->rr[0].u.a, "\xc0\x00\x02\x02", 4) == 0,
	    "records of the target, asked type only");
	res = look(r, "chain1.example.com", DNS_T_AAAA);
	is_int(res->status, DNS_OK, "chain of three CNAMEs");
	is_str(res->canon, "mail.example.com", "canon at the chain's end");
	res = look(r, "chain1.example.com", DNS_T_CNAME);
	is_str(res->n == 1 ? res->rr[0].u.name : NULL, "chain2.example.com",
	    "asking for CNAME gives the CNAME itself");
	is_str(res->canon, "chain1.example.com", "canon = qname unfollowed");
	res = look(r, "loop1.example.com", DNS_T_A);
	is_int(res->status, DNS_SERVFAIL, "CNAME loop: SERVFAIL, bounded");
	res = look(r, "dangling.example.com", DNS_T_A);
	is_int(res->status, DNS_NXDOMAIN, "CNAME to nowhere: NXDOMAIN");
	is_str(res->canon, "nowhere.example.com", "canon of a dangling CNAME");
	res = look(r, "alias.example.com", DNS_T_TXT);
	is_int(res->status, DNS_NODATA, "CNAME target without the type");
}

static void
test_wildcards(struct dns_resolver *r)
{
	const struct dns_result *res;

	res = look(r, "foo.wild.example.com", DNS_T_TXT);
	is_int(res->status, DNS_OK, "wildcard answers a missing name");
	is_str(res->n == 1 ? res->rr[0].u.txt.text : NULL, "wildcard",
	    "wildcard's record");
	is_str(res->qname, "foo.wild.example.com", "owner stays the qname");
	res = look(r, "a.b.wild.example.com", DNS_T_TXT);
	is_int(res->status, DNS_OK, "wildcard covers deeper names");
	res = look(r, "foo.wild.example.com", DNS_T_A);
	is_int(res->status, DNS_NODATA, "wildcard without the type: NODATA");
	res = look(r, "exists.wild.example.com", DNS_T_TXT);
	is_int(res->status, DNS_NODATA, "an existing name blocks it");
	res = look(r, "under.exists.wild.example.com", DNS_T_TXT);
	is_int(res->status, DNS_NXDOMAIN,
	    "below an existing name: closest encloser has no '*'");
	res = look(r, "ent.wild.example.com", DNS_T_TXT);
	is_int(res->status, DNS_NODATA, "empty non-terminal under a wildcard");
	res = look(r, "x.ent.wild.example.com", DNS_T_TXT);
	is_int(res->status, DNS_NXDOMAIN, "an empty non-terminal blocks it");
	res = look(r, "y.ent2.example.com", DNS_T_A);
	is_int(res->status, DNS_NODATA, "empty non-terminal: NODATA");
	res = look(r, "ent2.example.com", DNS_T_A);
	is_int(res->status, DNS_NODATA, "two levels up: still NODATA");
	res = look(r, "z.ent2.example.com", DNS_T_A);
	is_int(res->status, DNS_NXDOMAIN, "its missing sibling: NXDOMAIN");
}

static void
test_directives(struct dns_resolver *r)
{
	const struct dns_result *res;

	res = look(r, "slow.example.com", DNS_T_TXT);
	is_int(res->status, DNS_OK, ";@timeout: the type it has answers");
	res = look(r, "slow.example.com", DNS_T_A);
	is_int(res->status, DNS_TIMEOUT, ";@timeout: other types time out");
	res = look(r, "ghost.example.com", DNS_T_TXT);
	is_int(res->status, DNS_TIMEOUT, ";@timeout on a name without data");
	res = look(r, "broken.example.com", DNS_T_A);
	is_int(res->status, DNS_SERVFAIL, ";@servfail beats the data");
	res = look(r, "broken.example.com", DNS_T_MX);
	is_int(res->status, DNS_SERVFAIL, ";@servfail for every type");
	res = look(r, "toslow.example.com", DNS_T_TXT);
	is_int(res->status, DNS_TIMEOUT, ";@timeout reached via CNAME");
	res = look(r, "toslow.example.com", DNS_T_A);
	is_int(res->status, DNS_OK, "...but not for the type it has");
}

static void
test_errors(void)
{
	char err[256], longtxt[7 + 256 + 3];
	struct dns_resolver *r;
	const char *e;

	e = load_error("a A 192.0.2.1\nb A 300.1.1.1\n");
	ok(strncmp(e, "zone:2: ", 8) == 0 && strstr(e, "300.1.1.1"),
	    "bad address on line 2: %s", e);
	e = load_error("a TXT ( \"x\"\n\"y\"\n");
	ok(strstr(e, "zone:1: ") && strstr(e, "never closed"),
	    "unclosed '(': %s", e);
	e = load_error("a TXT ( \"x\"\n  \"y\" )\nb FOO x\n");
	ok(strncmp(e, "zone:3: ", 8) == 0 && strstr(e, "FOO"),
	    "unknown type, lines counted through '(': %s", e);
	memset(longtxt, 'x', sizeof(longtxt));
	memcpy(longtxt, "a TXT \"", 7);
	memcpy(longtxt + 7 + 256, "\"\n", 3);
	e = load_error(longtxt);
	ok(strstr(e, "zone:1: ") && strstr(e, "255"),
	    "string of 256 octets: %s", e);
	longtxt[7 + 255] = '"';
	longtxt[7 + 256] = '\n';
	longtxt[7 + 257] = '\0';
	is_str(load_error(longtxt), "", "string of 255 octets loads");
	e = load_error("\tA 192.0.2.1\n");
	ok(strstr(e, "zone:1: ") && strstr(e, "owner"),
	    "first record without owner: %s", e);
	e = load_error("\n\n$INCLUDE other.zone\n");
	ok(strncmp(e, "zone:3: ", 8) == 0 && strstr(e, "$INCLUDE"),
	    "$INCLUDE refused: %s", e);
	e = load_error("a TXT \"open\n");
	ok(strstr(e, "zone:1: ") && strstr(e, "quoted"),
	    "unterminated string: %s", e);
	e = load_error("a TXT \"\\256\"\n");
	ok(strstr(e, "zone:1: ") && strstr(e, "DDD"), "\\256: %s", e);
	e = load_error("a234567890123456789012345678901234567890123456789012"
	    "345678901234 A 192.0.2.1\n");
	ok(strstr(e, "zone:1: ") && strstr(e, "63"), "long label: %s", e);
	e = load_error("a MX 70000 b\n");
	ok(strstr(e, "zone:1: ") && strstr(e, "preference"),
	    "MX preference out of range: %s", e);
	e = load_error("a MX 10\n");
	ok(strstr(e, "zone:1: ") && strstr(e, "2 fields"),
	    "MX missing host: %s", e);
	e = load_error("a CH TXT \"x\"\n");
	ok(strstr(e, "zone:1: ") && strstr(e, "class"), "class CH: %s", e);
	e = load_error("a DS 1 2 3 abcd\n");
	ok(strstr(e, "zone:1: ") && strstr(e, "not supported"),
	    "DS without \\#: %s", e);
	e = load_error("a A \\# 3 010203\n");
	ok(strstr(e, "zone:1: ") && strstr(e, "malformed"),
	    "\\# checked against the type: %s", e);
	e = load_error("a TXT x )\n");
	ok(strstr(e, "zone:1: ") && strstr(e, "')'"), "stray ')': %s", e);
	e = load_error("a TXT \"x\"\n;@timeout\n");
	ok(strstr(e, "zone:2: ") && strstr(e, "directive"),
	    "directive without name: %s", e);
	e = load_error("a A 192.0.2.1\n; $ORIGIN x\n\tA 192.0.2.2\n"
	    "$TTL soon\n");
	ok(strncmp(e, "zone:4: ", 8) == 0 && strstr(e, "TTL"),
	    "bad $TTL on line 4: %s", e);

	r = load("a\tTXT \"x\"\n", "Test.", err, sizeof(err));
	ok(r != NULL, "origin given by the caller");
	if (r != NULL) {
		is_int(look(r, "a.test", DNS_T_TXT)->status, DNS_OK,
		    "relative name under the caller's origin");
		dns_resolver_free(r);
	}
	r = load("a.example\tTXT \"x\"\n", NULL, err, sizeof(err));
	ok(r != NULL && look(r, "a.example.", DNS_T_TXT)->status == DNS_OK,
	    "no origin: relative names are taken from the root");
	dns_resolver_free(r);
	r = load("$ORIGIN example.\n$ORIGIN sub\nx A 192.0.2.1\n", NULL, err,
	    sizeof(err));
	ok(r != NULL && look(r, "x.sub.example", DNS_T_A)->status == DNS_OK,
	    "relative $ORIGIN extends the previous one");
	dns_resolver_free(r);
	r = load("", NULL, err, sizeof(err));
	ok(r != NULL && look(r, "x", DNS_T_A)->status == DNS_NXDOMAIN,
	    "empty zone loads, knows nothing");
	dns_resolver_free(r);

	r = dns_zone_open(MT_TESTDIR "/no-such.zone", err, sizeof(err));
	ok(r == NULL && strstr(err, "no-such.zone"), "missing file: %s", err);
}

/* Enough names to make the index grow many times. */
static void
test_large(void)
{
	struct dns_resolver *r;
	struct buf b;
	char err[256], name[64];
	unsigned i, bad = 0;
	clock_t t0;

	buf_init(&b, 16u * 1024 * 1024);
	buf_adds(&b, "$ORIGIN big.test.\n");
	for (i = 0; i < 100000; i++)
		buf_printf(&b, "h%u A 10.%u.%u.%u\n", i, i >> 16 & 255,
		    i >> 8 & 255, i & 255);
	r = dns_zone_from_text(b.data, b.len, NULL, err, sizeof(err));
	ok(r != NULL, "100000 records load: %s", r ? "" : err);
	buf_free(&b);
	if (r == NULL)
		return;
	t0 = clock();
	for (i = 0; i < 100000; i += 7) {
		const struct dns_result *res;

		snprintf(name, sizeof(name), "H%u.BIG.test", i);
		res = look(r, name, DNS_T_A);
		if (res->status != DNS_OK || res->n != 1 ||
		    res->rr[0].u.a[3] != (i & 255) ||
		    res->rr[0].u.a[2] != (i >> 8 & 255))
			bad++;
	}
	is_int(bad, 0, "every sampled name answers its own address");
	/* A linear scan would take minutes; an index takes milliseconds. */
	ok((double)(clock() - t0) / CLOCKS_PER_SEC < 10.0,
	    "14286 lookups in under 10 s of CPU");
	is_int(look(r, "h100000.big.test", DNS_T_A)->status, DNS_NXDOMAIN,
	    "one past the end: NXDOMAIN");
	dns_resolver_free(r);
}

static void
test_conformance(void)
{
	const char *shared = getenv("SHARED");
	char dir[1024], path[2048], err[512];
	struct dns_resolver *r;
	struct dirent *de;
	unsigned n = 0, failed = 0;
	size_t len;
	DIR *d;

	/* tests/run sets $SHARED; the fallback is the usual checkout. */
	snprintf(dir, sizeof(dir), "%s/conformance/dkim/cases", shared != NULL ?
	    shared : MT_TESTDIR "/../../../shared");
	if ((d = opendir(dir)) == NULL) {
		ok(0, "conformance directory %s exists", dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".zone") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n++;
		if ((r = dns_zone_open(path, err, sizeof(err))) == NULL) {
			failed++;
			printf("# %s\n", err);
			continue;
		}
		if (strcmp(de->d_name, "gen-key-timeout.zone") == 0)
			is_int(look(r, "sel._domainkey.example.com",
			    DNS_T_TXT)->status, DNS_TIMEOUT,
			    "gen-key-timeout: the key query times out");
		if (strcmp(de->d_name, "gen-key-servfail.zone") == 0)
			is_int(look(r, "sel._domainkey.example.com",
			    DNS_T_TXT)->status, DNS_SERVFAIL,
			    "gen-key-servfail: the key query fails");
		if (strcmp(de->d_name, "gen-key-missing.zone") == 0)
			is_int(look(r, "sel._domainkey.example.com",
			    DNS_T_TXT)->status, DNS_NXDOMAIN,
			    "gen-key-missing: NXDOMAIN");
		dns_resolver_free(r);
	}
	closedir(d);
	ok(n >= 75, "found the DKIM case zones (%u)", n);
	is_int(failed, 0, "all %u DKIM case zones load", n);
}

int
main(void)
{
	struct dns_resolver *r;
	char err[512];

	if ((arena = arena_new(0)) == NULL)
		return 1;
	r = load(zone_text, NULL, err, sizeof(err));
	ok(r != NULL, "the test zone loads: %s", r ? "" : err);
	if (r != NULL) {
		test_basics(r);
		test_txt(r);
		test_names(r);
		test_cname(r);
		test_wildcards(r);
		test_directives(r);
		dns_resolver_free(r);
	}
	test_errors();
	test_large();
	test_conformance();
	arena_free(arena);
	return tap_done();
}
