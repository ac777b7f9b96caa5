/*
 * test_owa.c - the Outlook on the web fingerprint parser of
 * `mailtrust scan` (scanner_owa.c): builds from the X-OWA-Version header
 * and from /owa/auth/ paths, three-part builds, Exchange without a build,
 * other servers, malformed responses.
 */
#include <string.h>

#include "audit/scanner.h"
#include "tap.h"

static int
parse(const char *s, struct owa_fingerprint *f)
{
	return owa_parse_response(s, strlen(s), f);
}

int
main(void)
{
	struct owa_fingerprint f;
	char b[24];

	ok(parse("HTTP/1.1 200 OK\r\nx-owa-version: 15.2.1544.14\r\n\r\n"
	    "<link href=\"/owa/auth/15.2.1544/themes/x.ico\">", &f) == 0,
	    "header and path");
	is_str(f.build, "15.2.1544.14", "the four-part header wins");
	is_str(f.source, "X-OWA-Version", "source named");
	ok(f.exchange, "Exchange");
	is_int(f.status, 200, "status");

	parse("HTTP/1.1 200 OK\r\n\r\n<script src=\"/owa/auth/15.1.2507.44/"
	    "scripts/flogon.js\"></script>", &f);
	is_str(f.build, "15.1.2507.44", "four-part path");
	is_str(f.source, "owa-path", "path source");

	parse("HTTP/1.1 200 OK\r\n\r\n<a href=\"/owa/auth/15.0.1497/x\">", &f);
	is_str(f.build, "15.0.1497", "three-part path kept as it is");

	parse("HTTP/1.1 200 OK\r\n\r\n<a href=\"/ecp/15.1.2507.6/x\">", &f);
	is_str(f.build, "15.1.2507.6", "ECP path");

	parse("HTTP/1.1 302 Found\r\nLocation: /owa/auth/logon.aspx?a=b\r\n"
	    "\r\n", &f);
	ok(f.exchange && f.build[0] == '\0', "redirect: Exchange, no build");
	parse("HTTP/1.1 200 OK\r\nX-FEServer: EX01\r\n\r\n", &f);
	ok(f.exchange, "X-FEServer");
	parse("HTTP/1.1 200 OK\r\nSet-Cookie: X-OWA-CANARY=x; path=/\r\n\r\n",
	    &f);
	ok(f.exchange, "OWA canary cookie");

	parse("HTTP/1.1 404 Not Found\r\nServer: nginx/1.22.1\r\n\r\n"
	    "version 15.2.1544.14 in text", &f);
	ok(!f.exchange && f.build[0] == '\0', "nginx with a number in text");
	is_str(f.server, "nginx/1.22.1", "server header kept");

	ok(parse("SSH-2.0-OpenSSH_9.2\r\n", &f) == -1, "not HTTP");
	ok(parse("HTTP/1.1 abc\r\n", &f) == -1, "no status");
	ok(parse("HTTP/1.1 200 OK\r\nX-OWA-Version: 15.2.1544.14",
	    &f) == 0 && f.build[0] == '\0', "headers cut short: nothing");
	parse("HTTP/1.1 200 OK\r\nX-OWA-Version: 1234567.2.3.4\r\n\r\n", &f);
	ok(f.exchange && f.build[0] == '\0', "absurd build refused");

	ok(owa_find_build("v=15.2.1748.10;", 15, b) == 1, "find a build");
	is_str(b, "15.2.1748.10", "found");
	ok(owa_find_build("15.2", 4, b) == 0, "two parts are not a build");
	ok(owa_find_build("115.2.3.4", 9, b) == 0, "three-digit major refused");
	ok(owa_find_build("15.2.3.4.5.6", 12, b) == 0, "six parts refused");
	return tap_done();
}
