/*
 * test_http.c - the HTTP front end's rules that need no server: listen
 * addresses, the loopback test behind "no token, no network", language
 * choice, the bearer token, accepted content types, and the counters of
 * GET /metrics.  The server itself is tested end to end by
 * tests/e2e/http_api.sh.
 *
 * http_metrics.c is compiled in here: it belongs to the binary, not to
 * libmailtrust, and needs nothing from libmicrohttpd.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/front/http_metrics.c"
#include "tap.h"

#include "scan/config.h"
#include "scan/pipeline.h"
#include "scan/scan.h"

static void
test_listen(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256];

	ok(http_parse_listen("127.0.0.1:8080", &ss, &len, err,
	    sizeof(err)) == 0, "127.0.0.1:8080 parses");
	is_int(ss.ss_family, AF_INET, "... as IPv4");
	is_int(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8080,
	    "... port 8080");
	ok(http_addr_is_loopback((struct sockaddr *)&ss), "... loopback");
	ok(http_parse_listen("[::1]:0", &ss, &len, err, sizeof(err)) == 0 &&
	    ss.ss_family == AF_INET6, "[::1]:0 parses as IPv6");
	ok(http_addr_is_loopback((struct sockaddr *)&ss), "::1 is loopback");
	ok(http_parse_listen("9000", &ss, &len, err, sizeof(err)) == 0 &&
	    http_addr_is_loopback((struct sockaddr *)&ss),
	    "a bare port means 127.0.0.1");
	ok(http_parse_listen("127.8.9.10:1", &ss, &len, err, sizeof(err))
	    == 0 && http_addr_is_loopback((struct sockaddr *)&ss),
	    "all of 127.0.0.0/8 is loopback");
	ok(http_parse_listen("0.0.0.0:80", &ss, &len, err, sizeof(err)) == 0 &&
	    !http_addr_is_loopback((struct sockaddr *)&ss),
	    "0.0.0.0 is not loopback");
	ok(http_parse_listen("[::]:80", &ss, &len, err, sizeof(err)) == 0 &&
	    !http_addr_is_loopback((struct sockaddr *)&ss),
	    ":: is not loopback");
	ok(http_parse_listen("[::ffff:127.0.0.1]:80", &ss, &len, err,
	    sizeof(err)) == 0 && http_addr_is_loopback((struct sockaddr *)&ss),
	    "::ffff:127.0.0.1 is loopback");
	ok(http_parse_listen("[::ffff:10.0.0.1]:80", &ss, &len, err,
	    sizeof(err)) == 0 && !http_addr_is_loopback((struct sockaddr *)&ss),
	    "::ffff:10.0.0.1 is not");
	ok(http_parse_listen("192.0.2.1:80", &ss, &len, err, sizeof(err))
	    == 0 && !http_addr_is_loopback((struct sockaddr *)&ss),
	    "192.0.2.1 is not loopback");
	ok(http_parse_listen("localhost:80", &ss, &len, err, sizeof(err))
	    == -1, "a name is refused (never resolved)");
	ok(strstr(err, "localhost:80") != NULL, "... and named in the error");
	ok(http_parse_listen("::1:80", &ss, &len, err, sizeof(err)) == -1,
	    "a bare IPv6 address without [ ] is refused");
	ok(http_parse_listen("127.0.0.1:65536", &ss, &len, err, sizeof(err))
	    == -1, "port 65536 is refused");
	ok(http_parse_listen("127.0.0.1:", &ss, &len, err, sizeof(err)) == -1,
	    "an empty port is refused");
	ok(http_parse_listen("127.0.0.1:8x", &ss, &len, err, sizeof(err))
	    == -1, "a port with letters is refused");
	ok(http_parse_listen("[::1]80", &ss, &len, err, sizeof(err)) == -1,
	    "[::1]80 is refused");
	ok(http_parse_listen("", &ss, &len, err, sizeof(err)) == -1,
	    "an empty address is refused");
}

static void
test_lang(void)
{
	is_int(http_pick_lang("de", "en", LANG_EN), LANG_DE, "?lang=de wins");
	is_int(http_pick_lang("xx", "de-DE", LANG_EN), LANG_DE,
	    "an unknown ?lang= falls back to Accept-Language");
	is_int(http_pick_lang(NULL, NULL, LANG_DE), LANG_DE,
	    "nothing given: the default");
	is_int(http_pick_lang(NULL, "de-AT,de;q=0.9,en;q=0.8", LANG_EN),
	    LANG_DE, "de-AT first");
	is_int(http_pick_lang(NULL, "fr, en;q=0.4, de;q=0.7", LANG_EN),
	    LANG_DE, "the higher q-value wins, not the order");
	is_int(http_pick_lang(NULL, "de;q=0.1, en", LANG_DE), LANG_EN,
	    "no q-value means 1");
	is_int(http_pick_lang(NULL, "de;q=0, fr", LANG_EN), LANG_EN,
	    "q=0 means not acceptable");
	is_int(http_pick_lang(NULL, "dex, english", LANG_DE), LANG_DE,
	    "only whole language tags count");
	is_int(http_pick_lang(NULL, "*", LANG_EN), LANG_EN,
	    "a wildcard keeps the default");
	is_int(http_pick_lang(NULL, ",,;q=,", LANG_DE), LANG_DE,
	    "garbage keeps the default");
}

static void
test_bearer(void)
{
	const char *t = "0123456789abcdef0123";

	ok(http_bearer_ok("Bearer 0123456789abcdef0123", t), "the token");
	ok(http_bearer_ok("bearer 0123456789abcdef0123", t),
	    "the scheme in any case (RFC 6750 2.1)");
	ok(http_bearer_ok("Bearer  0123456789abcdef0123 ", t),
	    "blanks around the token");
	ok(!http_bearer_ok("Bearer 0123456789abcdef012", t), "a prefix fails");
	ok(!http_bearer_ok("Bearer 0123456789abcdef01234", t),
	    "a longer token fails");
	ok(!http_bearer_ok("Bearer 0123456789abcdef0124", t),
	    "the last byte differs");
	ok(!http_bearer_ok("Basic 0123456789abcdef0123", t),
	    "another scheme fails");
	ok(!http_bearer_ok("Bearer", t), "no token fails");
	ok(!http_bearer_ok("", t), "an empty header fails");
	ok(!http_bearer_ok(NULL, t), "no header fails");
	ok(!http_bearer_ok("Bearer ", ""), "an empty expected token never "
	    "matches");
	ok(!http_bearer_ok("Bearer x", NULL), "no expected token never "
	    "matches");
}

static void
test_content_type(void)
{
	ok(http_content_type_ok(NULL), "no Content-Type");
	ok(http_content_type_ok("message/rfc822"), "message/rfc822");
	ok(http_content_type_ok("Message/RFC822; charset=utf-8"),
	    "... in any case, with parameters");
	ok(http_content_type_ok("text/plain"), "text/plain");
	ok(http_content_type_ok("application/octet-stream"), "octet-stream");
	ok(http_content_type_ok("application/x-www-form-urlencoded"),
	    "curl's default type");
	ok(!http_content_type_ok("application/json"), "JSON is refused");
	ok(!http_content_type_ok("multipart/form-data; boundary=x"),
	    "a form upload is refused");
	ok(!http_content_type_ok("text/plainx"), "only whole types count");
}

static const char *
metric_line(const char *text, const char *name)
{
	const char *p = text;
	size_t n = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return p + n + 1;
		p += n;
	}
	return NULL;
}

static long
metric(const char *text, const char *name)
{
	const char *v = metric_line(text, name);

	return v != NULL ? strtol(v, NULL, 10) : -1;
}

static void
test_metrics(void)
{
	struct config cfg;
	struct scan *s;
	char err[256], *text;
	size_t len;

	if (config_load(&cfg, NULL, err, sizeof(err)) == -1) {
		ok(0, "config_load: %s", err);
		return;
	}
	s = scan_new(&cfg, NULL);
	ok(s != NULL, "a scan to count");
	s->verdict = VERDICT_PHISHING;
	s->auth.spf = AUTH_TEMPERROR;
	s->auth.dmarc = AUTH_TEMPERROR;
	s->failed = true;
	http_metrics_scan(s, 0.003);
	s->verdict = VERDICT_AUTHENTICATED;
	s->auth.spf = AUTH_PASS;
	s->auth.dmarc = AUTH_PASS;
	s->failed = false;
	http_metrics_scan(s, 0.2);
	http_metrics_scan(s, 60);
	scan_symbol(s, "AV_UNAVAILABLE", "clamd: connection refused");
	scan_symbol(s, "STORE_UNAVAILABLE", "database is locked");
	http_metrics_scan(s, -1);	/* a clock step: counted as 0 */
	http_metrics_response(200);
	http_metrics_response(413);
	http_metrics_response(413);
	http_metrics_response(299);
	http_metrics_timeout();
	scan_free(s);

	text = http_metrics_render(&len);
	ok(text != NULL && len == strlen(text), "the metrics render");
	if (text == NULL) {
		config_free(&cfg);
		return;
	}
	is_int(metric(text, "mailtrust_messages_total{verdict=\"phishing\"}"),
	    1, "one phishing message");
	is_int(metric(text,
	    "mailtrust_messages_total{verdict=\"authenticated\"}"), 3,
	    "three authenticated ones");
	is_int(metric(text, "mailtrust_messages_total{verdict=\"spam\"}"), 0,
	    "every verdict is listed, also at 0");
	is_int(metric(text, "mailtrust_scan_failures_total"), 1,
	    "one internal failure");
	is_int(metric(text, "mailtrust_dns_errors_total{method=\"spf\"}"), 1,
	    "SPF temperror counts as a DNS error");
	is_int(metric(text, "mailtrust_dns_errors_total{method=\"dmarc\"}"),
	    1, "DMARC temperror counts as a DNS error");
	is_int(metric(text, "mailtrust_dns_errors_total{method=\"dkim\"}"), 0,
	    "DKIM had none");
	is_int(metric(text, "mailtrust_clamd_errors_total"), 1,
	    "AV_UNAVAILABLE counts as a clamd error");
	is_int(metric(text, "mailtrust_store_errors_total"), 1,
	    "STORE_UNAVAILABLE counts as a store error");
	is_int(metric(text,
	    "mailtrust_scan_duration_seconds_bucket{le=\"0.005\"}"), 2,
	    "3 ms and the clamped -1 s fall in the first bucket");
	is_int(metric(text,
	    "mailtrust_scan_duration_seconds_bucket{le=\"0.25\"}"), 3,
	    "buckets are cumulative");
	is_int(metric(text,
	    "mailtrust_scan_duration_seconds_bucket{le=\"10\"}"), 3,
	    "60 s is beyond the last bound");
	is_int(metric(text,
	    "mailtrust_scan_duration_seconds_bucket{le=\"+Inf\"}"), 4,
	    "+Inf holds them all");
	is_int(metric(text, "mailtrust_scan_duration_seconds_count"), 4,
	    "the count");
	ok(metric_line(text, "mailtrust_scan_duration_seconds_sum") != NULL &&
	    strtod(metric_line(text, "mailtrust_scan_duration_seconds_sum"),
	    NULL) > 60.2, "the sum of seconds");
	is_int(metric(text, "mailtrust_http_responses_total{code=\"413\"}"),
	    2, "two 413 answers");
	is_int(metric(text, "mailtrust_http_responses_total{code=\"other\"}"),
	    1, "an unlisted code counts as other");
	is_int(metric(text, "mailtrust_http_timeouts_total"), 1,
	    "one timeout");
	ok(strstr(text, "# TYPE mailtrust_scan_duration_seconds histogram\n")
	    != NULL, "the histogram is typed");
	ok(text[len - 1] == '\n', "the text ends with a line end");
	free(text);
	config_free(&cfg);
}

int
main(void)
{
	test_listen();
	test_lang();
	test_bearer();
	test_content_type();
	test_metrics();
	return tap_done();
}
