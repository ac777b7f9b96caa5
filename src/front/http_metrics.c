/*
 * http_metrics.c - the HTTP server's counters and the request rules that
 * need no HTTP library (listen address, language, bearer token, content
 * type), kept apart from http.c so the unit test can call them.
 *
 * Counters are process-wide C11 atomics: every pool thread adds to them
 * without a lock, and GET /metrics reads them one by one (a scrape may
 * see one message counted in the verdicts but not yet in the histogram;
 * Prometheus tolerates that).
 *
 * What the other modules do not count themselves is counted from what a
 * scan reports: DNS errors are the SPF, DKIM, DMARC and ARC results that
 * came out temperror (RFC 8601 2.7: a DNS timeout or SERVFAIL is what
 * makes them so), clamd errors are AV_UNAVAILABLE, store errors are
 * STORE_UNAVAILABLE.  The resolver keeps no counter of its own, so a
 * timeout cannot be told from a SERVFAIL here.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "scan/scan.h"
#include "util/buf.h"
#include "verdict/verdict.h"

/* Upper bounds of the latency histogram, in seconds. */
static const double latency_bounds[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};
#define N_BOUNDS	(sizeof(latency_bounds) / sizeof(latency_bounds[0]))

/* Status codes the server answers with; anything else counts as "other". */
static const unsigned status_codes[] = {
	200, 400, 401, 403, 404, 405, 411, 413, 415, 500, 501, 503,
};
#define N_STATUS	(sizeof(status_codes) / sizeof(status_codes[0]))

enum auth_method { M_SPF, M_DKIM, M_DMARC, M_ARC, N_METHODS };
static const char *const method_names[N_METHODS] = {
	"spf", "dkim", "dmarc", "arc",
};

static struct {
	atomic_ullong	verdicts[VERDICT_COUNT];
	atomic_ullong	failures;
	atomic_ullong	buckets[N_BOUNDS];	/* not cumulative */
	atomic_ullong	latency_count;
	atomic_ullong	latency_sum_us;
	atomic_ullong	dns_temperror[N_METHODS];
	atomic_ullong	clamd_errors;
	atomic_ullong	store_errors;
	atomic_ullong	responses[N_STATUS + 1];
	atomic_ullong	timeouts;
} counters;

void
http_metrics_scan(const struct scan *s, double seconds)
{
	const enum auth_result r[N_METHODS] = {
		s->auth.spf, s->auth.dkim, s->auth.dmarc, s->auth.arc,
	};
	size_t i;

	if ((unsigned)s->verdict < VERDICT_COUNT)
		atomic_fetch_add(&counters.verdicts[s->verdict], 1);
	if (s->failed)
		atomic_fetch_add(&counters.failures, 1);
	for (i = 0; i < N_METHODS; i++)
		if (r[i] == AUTH_TEMPERROR)
			atomic_fetch_add(&counters.dns_temperror[i], 1);
	if (scan_has_symbol(s, "AV_UNAVAILABLE"))
		atomic_fetch_add(&counters.clamd_errors, 1);
	if (scan_has_symbol(s, "STORE_UNAVAILABLE"))
		atomic_fetch_add(&counters.store_errors, 1);

	if (seconds < 0)
		seconds = 0;
	for (i = 0; i < N_BOUNDS && seconds > latency_bounds[i]; i++)
		;
	if (i < N_BOUNDS)
		atomic_fetch_add(&counters.buckets[i], 1);
	atomic_fetch_add(&counters.latency_count, 1);
	atomic_fetch_add(&counters.latency_sum_us,
	    (unsigned long long)(seconds * 1e6));
}

void
http_metrics_response(unsigned status)
{
	size_t i;

	for (i = 0; i < N_STATUS && status_codes[i] != status; i++)
		;
	atomic_fetch_add(&counters.responses[i], 1);
}

void
http_metrics_timeout(void)
{
	atomic_fetch_add(&counters.timeouts, 1);
}

static void
render_help(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
render_latency(struct buf *b)
{
	unsigned long long cum = 0;
	size_t i;

	render_help(b, "mailtrust_scan_duration_seconds", "histogram",
	    "Time from a check request's arrival to its verdict.");
	for (i = 0; i < N_BOUNDS; i++) {
		cum += atomic_load(&counters.buckets[i]);
		buf_printf(b, "mailtrust_scan_duration_seconds_bucket"
		    "{le=\"%g\"} %llu\n", latency_bounds[i], cum);
	}
	buf_printf(b, "mailtrust_scan_duration_seconds_bucket{le=\"+Inf\"} "
	    "%llu\n", atomic_load(&counters.latency_count));
	buf_printf(b, "mailtrust_scan_duration_seconds_sum %.6f\n",
	    (double)atomic_load(&counters.latency_sum_us) / 1e6);
	buf_printf(b, "mailtrust_scan_duration_seconds_count %llu\n",
	    atomic_load(&counters.latency_count));
}

char *
http_metrics_render(size_t *len)
{
	struct buf b;
	size_t i;

	buf_init(&b, HTTP_METRICS_MAX);
	render_help(&b, "mailtrust_messages_total", "counter",
	    "Messages judged, by verdict.");
	for (i = 0; i < VERDICT_COUNT; i++)
		buf_printf(&b, "mailtrust_messages_total{verdict=\"%s\"} %llu\n",
		    verdict_name((enum verdict)i),
		    atomic_load(&counters.verdicts[i]));
	render_help(&b, "mailtrust_scan_failures_total", "counter",
	    "Scans that failed internally (answered with action tempfail).");
	buf_printf(&b, "mailtrust_scan_failures_total %llu\n",
	    atomic_load(&counters.failures));
	render_latency(&b);
	render_help(&b, "mailtrust_dns_errors_total", "counter",
	    "Authentication results that were temperror (DNS timeout or "
	    "server failure), by method.");
	for (i = 0; i < N_METHODS; i++)
		buf_printf(&b, "mailtrust_dns_errors_total{method=\"%s\"} "
		    "%llu\n", method_names[i],
		    atomic_load(&counters.dns_temperror[i]));
	render_help(&b, "mailtrust_clamd_errors_total", "counter",
	    "Messages whose virus scan could not be done.");
	buf_printf(&b, "mailtrust_clamd_errors_total %llu\n",
	    atomic_load(&counters.clamd_errors));
	render_help(&b, "mailtrust_store_errors_total", "counter",
	    "Messages for which the shared store was unavailable.");
	buf_printf(&b, "mailtrust_store_errors_total %llu\n",
	    atomic_load(&counters.store_errors));
	render_help(&b, "mailtrust_http_responses_total", "counter",
	    "HTTP responses, by status code.");
	for (i = 0; i <= N_STATUS; i++) {
		char code[16];

		if (i < N_STATUS)
			snprintf(code, sizeof(code), "%u", status_codes[i]);
		else
			snprintf(code, sizeof(code), "other");
		buf_printf(&b, "mailtrust_http_responses_total{code=\"%s\"} "
		    "%llu\n", code, atomic_load(&counters.responses[i]));
	}
	render_help(&b, "mailtrust_http_timeouts_total", "counter",
	    "Requests cut off for taking longer than http_timeout.");
	if (buf_printf(&b, "mailtrust_http_timeouts_total %llu\n",
	    atomic_load(&counters.timeouts)) == -1) {
		buf_free(&b);
		return NULL;
	}
	if (len != NULL)
		*len = b.len;
	return buf_steal(&b);
}

/* --- request rules --- */

static int
parse_port(const char *s, unsigned *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

int
http_parse_listen(const char *spec, struct sockaddr_storage *ss,
    socklen_t *sslen, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *hbeg, *hend;
	unsigned port;

	memset(ss, 0, sizeof(*ss));
	if (spec[0] == '[') {
		hbeg = spec + 1;
		if ((hend = strchr(hbeg, ']')) == NULL || hend[1] != ':')
			goto bad;
		colon = hend + 1;
	} else if ((colon = strrchr(spec, ':')) == NULL) {
		hbeg = "127.0.0.1";
		hend = hbeg + strlen(hbeg);
		colon = spec - 1;	/* the whole spec is the port */
	} else {
		hbeg = spec;
		hend = colon;
		if (memchr(hbeg, ':', (size_t)(hend - hbeg)) != NULL)
			goto bad;	/* a bare IPv6 address needs [ ] */
	}
	if ((size_t)(hend - hbeg) >= sizeof(host) ||
	    parse_port(colon + 1, &port) == -1)
		goto bad;
	memcpy(host, hbeg, (size_t)(hend - hbeg));
	host[hend - hbeg] = '\0';
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr)
	    == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*sslen = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, host,
	    &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(struct sockaddr_in6);
		return 0;
	}
bad:
	snprintf(err, errlen, "listen address '%s': want ADDR:PORT or "
	    "[IPv6]:PORT with a numeric address", spec);
	return -1;
}

bool
http_addr_is_loopback(const struct sockaddr *sa)
{
	static const unsigned char v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
	};
	const unsigned char *a;

	if (sa->sa_family == AF_INET) {
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
		return a[0] == 127;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	if (memcmp(a, v4mapped, sizeof(v4mapped)) == 0)
		return a[12] == 127;
	return IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)a);
}

/* q-value of one Accept-Language element (RFC 9110 12.4.2), 0..1000. */
static int
lang_q(const char *p, const char *end)
{
	const char *q;
	int v = 1000, scale = 100;

	for (q = p; q + 1 < end; q++)
		if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=' &&
		    (q == p || q[-1] == ';' || q[-1] == ' '))
			break;
	if (q + 1 >= end)
		return 1000;
	q += 2;
	if (q < end && *q == '1')
		return 1000;
	if (q >= end || *q != '0')
		return 0;
	v = 0;
	for (q++, q += (q < end && *q == '.'); q < end && scale > 0 &&
	    *q >= '0' && *q <= '9'; q++, scale /= 10)
		v += (*q - '0') * scale;
	return v;
}

enum lang
http_pick_lang(const char *query_lang, const char *accept, enum lang dflt)
{
	int best_q = 0, q;
	enum lang best = dflt, l;
	const char *p, *end;

	if (query_lang != NULL &&
	    (int)(l = config_lang_from_name(query_lang)) >= 0)
		return l;
	for (p = accept; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		while (p < end && *p == ' ')
			p++;
		if (end - p >= 2 && strncasecmp(p, "de", 2) == 0 &&
		    (end - p == 2 || p[2] == '-' || p[2] == ';' ||
		    p[2] == ' '))
			l = LANG_DE;
		else if (end - p >= 2 && strncasecmp(p, "en", 2) == 0 &&
		    (end - p == 2 || p[2] == '-' || p[2] == ';' ||
		    p[2] == ' '))
			l = LANG_EN;
		else
			continue;
		if ((q = lang_q(p, end)) > best_q) {
			best_q = q;
			best = l;
		}
	}
	return best;
}

bool
http_bearer_ok(const char *authorization, const char *token)
{
	size_t i, tlen, glen;
	unsigned char diff = 0;
	const char *got;

	if (authorization == NULL || token == NULL)
		return false;
	/* RFC 6750 2.1: the scheme is case-insensitive, then one space. */
	if (strncasecmp(authorization, "Bearer ", 7) != 0)
		return false;
	for (got = authorization + 7; *got == ' '; got++)
		;
	tlen = strlen(token);
	glen = strlen(got);
	while (glen > 0 && got[glen - 1] == ' ')
		glen--;
	if (tlen == 0 || tlen > HTTP_TOKEN_MAX)
		return false;
	/* Always read tlen bytes so the time says nothing of the token. */
	for (i = 0; i < tlen; i++)
		diff |= (unsigned char)token[i] ^
		    (unsigned char)(i < glen ? got[i] : 0);
	return diff == 0 && glen == tlen;
}

bool
http_content_type_ok(const char *ct)
{
	static const char *const accepted[] = {
		"message/rfc822", "text/plain", "application/octet-stream",
		"application/x-www-form-urlencoded",
	};
	size_t i, n;

	if (ct == NULL || *ct == '\0')
		return true;
	for (n = 0; ct[n] != '\0' && ct[n] != ';' && ct[n] != ' '; n++)
		;
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++)
		if (strlen(accepted[i]) == n &&
		    strncasecmp(ct, accepted[i], n) == 0)
			return true;
	return false;
}
