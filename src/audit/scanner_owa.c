/*
 * scanner_owa.c - is this web server Exchange's Outlook on the web, and
 * which build?  Read from one HTTP/1.x response (RFC 9112) to
 * GET /owa/auth/logon.aspx, using only what any visitor is shown:
 *
 *   X-OWA-Version: 15.2.1544.14        full build (most exact)
 *   /owa/auth/15.2.1544.14/themes/...  build in the login page's paths;
 *   /owa/auth/15.2.1544/...            often only three parts: the CU
 *   /ecp/15.x.y.z/, /owa/prem/15.x...  the same in other paths
 *   X-FEServer, X-BEServer, X-OWA-*, an X-OWA-CANARY cookie, a redirect
 *   to /owa/auth/logon.aspx            Exchange, build not disclosed
 *
 * A pure cursor over (pointer, length), no I/O; the response is cut at
 * OWA_MAX_RESPONSE by the caller.  Nothing here trusts the text: a build
 * is digits and dots of bounded length or nothing.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "audit/scanner.h"
#include "util/str.h"

#define OWA_BUILD_MAX	23	/* "NN.N.NNNNN.NNNNN" and then some */

/*
 * Reads "15.2.1544.14" at s: a major version of two digits and two or
 * three more parts.  Returns its length or 0.
 */
static size_t
build_at(const char *s, size_t len, char out[24])
{
	size_t n = 0, parts = 1, digits = 0;

	while (n < len && n < OWA_BUILD_MAX &&
	    (isdigit((unsigned char)s[n]) || s[n] == '.')) {
		if (s[n] == '.') {
			if (digits == 0)
				break;
			parts++;
			digits = 0;
		} else if (++digits > 6)
			return 0;
		n++;
	}
	if (n > 0 && s[n - 1] == '.') {
		n--;
		parts--;
	}
	if (parts < 3 || parts > 4 || n < 6 || s[2] != '.' ||
	    !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return n;
}

int
owa_find_build(const char *s, size_t len, char out[24])
{
	for (size_t i = 0; i + 6 <= len; i++)
		if ((i == 0 || !isdigit((unsigned char)s[i - 1])) &&
		    build_at(s + i, len - i, out) > 0)
			return 1;
	return 0;
}

static int
parts_of(const char *b)
{
	int n = b[0] != '\0';

	for (; *b != '\0'; b++)
		n += *b == '.';
	return n;
}

/* Keeps the more exact of two candidate builds. */
static void
offer_build(struct owa_fingerprint *f, const char *build, const char *src)
{
	if (f->build[0] == '\0' || parts_of(build) > parts_of(f->build)) {
		snprintf(f->build, sizeof(f->build), "%s", build);
		f->source = src;
	}
	f->exchange = true;
}

static const char *const exchange_headers[] = {
	"X-FEServer", "X-BEServer", "X-CalculatedBETarget", "X-OWA-Error",
	"X-OWA-MinimumSupportedOWSVersion", "X-DiagInfo",
};

static void
inspect_header(const char *name, size_t nlen, const char *val, size_t vlen,
    struct owa_fingerprint *f)
{
	char build[24];

	if (str_ieqn(name, nlen, "X-OWA-Version", 13)) {
		if (owa_find_build(val, vlen, build))
			offer_build(f, build, "X-OWA-Version");
		f->exchange = true;
		return;
	}
	if (str_ieqn(name, nlen, "Server", 6)) {
		size_t n = vlen < sizeof(f->server) - 1 ? vlen :
		    sizeof(f->server) - 1;

		for (size_t i = 0; i < n; i++)
			f->server[i] = val[i] >= ' ' && val[i] < 127 ?
			    val[i] : '?';
		f->server[n] = '\0';
		return;
	}
	if ((str_ieqn(name, nlen, "Set-Cookie", 10) &&
	    str_imem(val, vlen, "X-OWA-CANARY", 12) != NULL) ||
	    (str_ieqn(name, nlen, "Location", 8) &&
	    str_imem(val, vlen, "/owa/auth/logon.aspx", 20) != NULL)) {
		f->exchange = true;
		return;
	}
	for (size_t i = 0; i < sizeof(exchange_headers) /
	    sizeof(exchange_headers[0]); i++)
		if (str_ieq(name, nlen, exchange_headers[i]))
			f->exchange = true;
}

static const char *const build_paths[] = {
	"/owa/auth/", "/owa/prem/", "/ecp/", "/owa/",
};

static void
inspect_body(const char *b, size_t len, struct owa_fingerprint *f)
{
	char build[24];

	/* Login pages link their scripts under /owa/auth/ even unversioned. */
	if (str_imem(b, len, "/owa/auth/", 10) != NULL)
		f->exchange = true;
	for (size_t p = 0; p < sizeof(build_paths) / sizeof(build_paths[0]);
	    p++) {
		const char *path = build_paths[p];
		size_t plen = strlen(path), off = 0;
		const char *hit;

		while (off < len && (hit = str_imem(b + off, len - off, path,
		    plen)) != NULL) {
			size_t at = (size_t)(hit - b) + plen;

			if (build_at(b + at, len - at, build) > 0)
				offer_build(f, build, "owa-path");
			off = at;
		}
	}
}

int
owa_parse_response(const char *data, size_t len, struct owa_fingerprint *f)
{
	size_t pos, eol;
	long long status;

	memset(f, 0, sizeof(*f));
	if (len < 12 || memcmp(data, "HTTP/1.", 7) != 0 || data[8] != ' ')
		return -1;
	if ((status = str_to_ll(data + 9, 3, 999)) < 100)
		return -1;
	f->status = (int)status;
	pos = 0;
	for (;;) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		const char *colon;

		if (nl == NULL)
			return 0;	/* cut inside the headers */
		eol = (size_t)(nl - data);
		if (pos > 0) {
			size_t llen = eol - pos;

			if (llen > 0 && data[eol - 1] == '\r')
				llen--;
			if (llen == 0)
				break;	/* end of headers */
			colon = memchr(data + pos, ':', llen);
			if (colon != NULL) {
				const char *val = colon + 1;
				size_t vlen = llen - (size_t)(val -
				    (data + pos));

				str_trim(&val, &vlen);
				inspect_header(data + pos,
				    (size_t)(colon - (data + pos)), val,
				    vlen, f);
			}
		}
		pos = eol + 1;
		if (pos >= len)
			return 0;
	}
	inspect_body(data + eol + 1, len - eol - 1, f);
	return 0;
}
