/*
 * audit_mtasts.c - MTA-STS (RFC 8461): the _mta-sts TXT record (3.1),
 * the policy file fetched over HTTPS with certificate checks (3.3), and
 * whether its mx patterns cover the domain's real MX hosts (4.1).
 *
 * The parsers are pure cursors (fuzzed by fuzz/fuzz_mtasts.c).  The
 * fetch uses libcurl and connects to the address our own resolver gives
 * for mta-sts.DOMAIN (CURLOPT_RESOLVE), so a test zone decides where
 * the connection goes; redirects are not followed (3.3).  The body is
 * capped at MTASTS_MAX_POLICY bytes.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <string.h>

#include "audit.h"
#include "audit_mtasts.h"
#include "dns/dns.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define MTASTS_ID_MAX		32
/* RFC 8461 3.2: weeks are usual; less than a day protects little. */
#define MTASTS_MIN_SANE_AGE	86400L

const char *
mtasts_mode_name(enum mtasts_mode m)
{
	switch (m) {
	case MTASTS_MODE_ENFORCE:	return "enforce";
	case MTASTS_MODE_TESTING:	return "testing";
	case MTASTS_MODE_NONE:		return "none";
	default:			return "unknown";
	}
}

/* RFC 8461 3.1: sts-text-record = sts-version 1*(sts-sep sts-field). */
int
mtasts_record_parse(struct arena *a, const char *text, size_t len,
    struct mtasts_record *rec, const char **problem)
{
	const char *p = text, *end = text + len, *f, *eq;
	size_t flen, i;
	bool first = true;

	rec->id = NULL;
	while (p < end) {
		f = p;
		while (p < end && *p != ';')
			p++;
		flen = (size_t)(p - f);
		if (p < end)
			p++;
		str_trim(&f, &flen);
		if (flen == 0)
			continue;
		if ((eq = memchr(f, '=', flen)) == NULL) {
			*problem = "a field without '='";
			return -1;
		}
		if (first) {
			if (!str_ieqn(f, flen, "v=STSv1", 7)) {
				*problem = "v=STSv1 is not the first field";
				return -1;
			}
			first = false;
			continue;
		}
		if ((size_t)(eq - f) == 2 && memcmp(f, "id", 2) == 0) {
			const char *v = eq + 1;
			size_t vlen = (size_t)(f + flen - v);

			if (vlen == 0 || vlen > MTASTS_ID_MAX) {
				*problem = "id is not 1 to 32 characters";
				return -1;
			}
			for (i = 0; i < vlen; i++)
				if (!isalnum((unsigned char)v[i])) {
					*problem = "id is not alphanumeric";
					return -1;
				}
			rec->id = a ? arena_strndup(a, v, vlen) : v;
		}
	}
	if (first) {
		*problem = "empty record";
		return -1;
	}
	if (rec->id == NULL) {
		*problem = "no id field";
		return -1;
	}
	return 0;
}

static void
policy_defect(struct mtasts_policy *p, const char *why)
{
	if (p->problem == NULL)
		p->problem = why;
}

static void
policy_field(struct arena *a, struct mtasts_policy *p, const char *k,
    size_t klen, const char *v, size_t vlen)
{
	long long age;

	if (str_ieqn(k, klen, "version", 7)) {
		p->version_ok = vlen == 5 && memcmp(v, "STSv1", 5) == 0;
		if (!p->version_ok)
			policy_defect(p, "version is not STSv1");
	} else if (str_ieqn(k, klen, "mode", 4)) {
		if (vlen == 7 && memcmp(v, "enforce", 7) == 0)
			p->mode = MTASTS_MODE_ENFORCE;
		else if (vlen == 7 && memcmp(v, "testing", 7) == 0)
			p->mode = MTASTS_MODE_TESTING;
		else if (vlen == 4 && memcmp(v, "none", 4) == 0)
			p->mode = MTASTS_MODE_NONE;
		else {
			p->mode = MTASTS_MODE_UNKNOWN;
			p->mode_text = a ? arena_strndup(a, v, vlen) : NULL;
			policy_defect(p, "unknown mode");
		}
	} else if (str_ieqn(k, klen, "max_age", 7)) {
		/* 1*10DIGIT, at most 31557600 (3.2). */
		age = vlen <= 10 ? str_to_ll(v, vlen, 9999999999LL) : -1;
		if (age < 0 || age > MTASTS_MAX_AGE) {
			p->max_age = -1;
			policy_defect(p, "max_age is not 0 to 31557600");
		} else {
			p->max_age = (long)age;
		}
	} else if (str_ieqn(k, klen, "mx", 2)) {
		if (vlen == 0) {
			policy_defect(p, "empty mx");
		} else if (p->n_mx >= MTASTS_MAX_MX) {
			p->too_many_mx = true;
		} else if (a != NULL) {
			char *m = arena_strndup(a, v, vlen);

			if (m != NULL) {
				str_lower(m);
				p->mx[p->n_mx++] = m;
			}
		} else {
			p->n_mx++;
		}
	}
	/* 3.2: unknown fields are ignored. */
}

/*
 * RFC 8461 3.2: lines "key: value" ending in CRLF (LF accepted, as
 * most receivers do); the key is a field name, the value after optional
 * whitespace.
 */
int
mtasts_policy_parse(struct arena *a, const char *text, size_t len,
    struct mtasts_policy *p)
{
	const char *s = text, *end = text + len, *line, *colon, *k, *v;
	size_t llen, klen, vlen;
	bool have_version = false, have_mode = false;

	memset(p, 0, sizeof(*p));
	p->max_age = -1;
	if (len > MTASTS_MAX_POLICY) {
		p->problem = "policy larger than 64 KiB";
		return -1;
	}
	while (s < end) {
		line = s;
		while (s < end && *s != '\n')
			s++;
		llen = (size_t)(s - line);
		if (s < end)
			s++;
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;
		if (llen == 0)
			continue;
		if ((colon = memchr(line, ':', llen)) == NULL) {
			policy_defect(p, "a line without ':'");
			continue;
		}
		k = line;
		klen = (size_t)(colon - line);
		v = colon + 1;
		vlen = (size_t)(line + llen - v);
		str_trim(&k, &klen);
		str_trim(&v, &vlen);
		if (str_ieqn(k, klen, "version", 7))
			have_version = true;
		if (str_ieqn(k, klen, "mode", 4))
			have_mode = true;
		policy_field(a, p, k, klen, v, vlen);
	}
	if (!have_version)
		policy_defect(p, "no version field");
	if (!have_mode)
		policy_defect(p, "no mode field");
	if (p->max_age < 0)
		policy_defect(p, "no valid max_age field");
	if (p->n_mx == 0 && p->mode != MTASTS_MODE_NONE)
		policy_defect(p, "no mx field");
	return p->problem == NULL ? 0 : -1;
}

/*
 * RFC 8461 4.1: a pattern is a name or "*." and a name; the wildcard
 * stands for exactly one leftmost label.  Case is ignored; a final dot
 * on the host is not part of the name.
 */
bool
mtasts_mx_match(const char *pattern, const char *host)
{
	size_t hl = strlen(host), pl = strlen(pattern);
	const char *dot;

	if (hl > 0 && host[hl - 1] == '.')
		hl--;
	if (pl >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		if ((dot = memchr(host, '.', hl)) == NULL || dot == host)
			return false;
		return str_ieqn(dot + 1, hl - (size_t)(dot + 1 - host),
		    pattern + 2, pl - 2);
	}
	return str_ieqn(host, hl, pattern, pl);
}

/* --- the fetch ------------------------------------------------------ */

static size_t
body_cb(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_add(b, data, size * n) == -1)
		return 0;	/* past the cap: curl stops with an error */
	return size * n;
}

struct fetch {
	long		 status;
	char		*type;		/* Content-Type, or NULL */
	const char	*error;		/* curl's words, or NULL */
	bool		 cert_error;
};

static int
fetch_policy(struct audit_report *r, const char *host, const char *addr,
    const struct audit_options *o, struct buf *body, struct fetch *f)
{
	char url[512], resolve[512], errbuf[CURL_ERROR_SIZE] = "";
	unsigned port = o->https_port ? o->https_port : 443;
	struct curl_slist *rl = NULL;
	CURLcode rc;
	CURL *c;
	char *ct = NULL;

	memset(f, 0, sizeof(*f));
	if ((c = curl_easy_init()) == NULL)
		return -1;
	snprintf(url, sizeof(url), "https://%s:%u/.well-known/mta-sts.txt",
	    host, port);
	snprintf(resolve, sizeof(resolve), "%s:%u:%s", host, port, addr);
	rl = curl_slist_append(NULL, resolve);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_RESOLVE, rl);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(o->timeout_ms ?
	    o->timeout_ms : 10000));
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "mailtrust-audit");
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		f->cert_error = rc == CURLE_PEER_FAILED_VERIFICATION ||
		    rc == CURLE_SSL_CACERT_BADFILE ||
		    rc == CURLE_SSL_CONNECT_ERROR;
		f->error = arena_strdup(r->arena, errbuf[0] ? errbuf :
		    curl_easy_strerror(rc));
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
		if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) ==
		    CURLE_OK && ct != NULL)
			f->type = arena_strdup(r->arena, ct);
	}
	curl_slist_free_all(rl);
	curl_easy_cleanup(c);
	return 0;
}

static void
check_mx_patterns(struct audit_report *r, const struct mtasts_policy *p)
{
	size_t i, j;
	bool hit;

	for (i = 0; i < r->n_mx; i++) {
		for (hit = false, j = 0; j < p->n_mx && !hit; j++)
			hit = mtasts_mx_match(p->mx[j], r->mx[i].host);
		if (hit)
			audit_add(r, "mta-sts", "mtasts.mx_ok", AUDIT_OK, NULL,
			    r->mx[i].host);
		else
			audit_add(r, "mta-sts", "mtasts.mx_mismatch",
			    p->mode == MTASTS_MODE_ENFORCE ? AUDIT_CRITICAL :
			    AUDIT_WARNING, arena_printf(r->arena,
			    "mx: %s", r->mx[i].host), r->mx[i].host);
	}
}

static void
judge_policy(struct audit_report *r, const struct mtasts_policy *p,
    const char *fix)
{
	size_t i;

	for (i = 0; i < p->n_mx && i < AUDIT_MAX_MX; i++)
		r->mtasts_mx[r->n_mtasts_mx++] = p->mx[i];
	r->mtasts_enforce = p->mode == MTASTS_MODE_ENFORCE;
	switch (p->mode) {
	case MTASTS_MODE_ENFORCE:
		audit_add(r, "mta-sts", "mtasts.enforce", AUDIT_OK, NULL);
		break;
	case MTASTS_MODE_TESTING:
		audit_add(r, "mta-sts", "mtasts.testing", AUDIT_WARNING, fix);
		break;
	default:
		audit_add(r, "mta-sts", "mtasts.mode_none", AUDIT_WARNING,
		    fix);
		break;
	}
	if (p->max_age >= 0 && p->max_age < MTASTS_MIN_SANE_AGE)
		audit_add(r, "mta-sts", "mtasts.max_age_short", AUDIT_WARNING,
		    fix, arena_printf(r->arena, "%ld", p->max_age));
	else if (p->max_age >= 0)
		audit_add(r, "mta-sts", "mtasts.max_age_ok", AUDIT_OK, NULL,
		    arena_printf(r->arena, "%ld", p->max_age));
	if (p->mode != MTASTS_MODE_NONE)
		check_mx_patterns(r, p);
}

static char *
policy_suggest(struct audit_report *r)
{
	struct buf s;
	char *out;
	size_t i;

	buf_init(&s, 4096);
	buf_adds(&s, "https://mta-sts.");
	buf_adds(&s, r->domain);
	buf_adds(&s, "/.well-known/mta-sts.txt:\nversion: STSv1\n"
	    "mode: enforce\n");
	for (i = 0; i < r->n_mx; i++)
		buf_printf(&s, "mx: %s\n", r->mx[i].host);
	buf_adds(&s, "max_age: 604800");
	out = arena_strdup(r->arena, s.data ? s.data : "");
	buf_free(&s);
	return out;
}

static void
audit_mtasts_policy(struct audit_report *r, struct dns_batch *b,
    const struct audit_options *o)
{
	char *host = arena_printf(r->arena, "mta-sts.%s", r->domain);
	char *fix = policy_suggest(r), addr[32];
	const struct dns_result *res;
	struct mtasts_policy p;
	struct fetch f;
	struct buf body;

	if (!o->fetch_mtasts) {
		audit_add(r, "mta-sts", "mtasts.not_fetched", AUDIT_INFO,
		    NULL, host);
		return;
	}
	res = dns_lookup(b, host, DNS_T_A);
	if (res->status != DNS_OK || res->n == 0) {
		audit_add(r, "mta-sts", "mtasts.no_host", AUDIT_CRITICAL,
		    NULL, host, dns_status_name(res->status));
		return;
	}
	snprintf(addr, sizeof(addr), "%u.%u.%u.%u", res->rr[0].u.a[0],
	    res->rr[0].u.a[1], res->rr[0].u.a[2], res->rr[0].u.a[3]);
	if (!audit_may_connect(o, addr)) {
		audit_add(r, "mta-sts", "mtasts.not_fetched", AUDIT_INFO,
		    NULL, host);
		return;
	}
	buf_init(&body, MTASTS_MAX_POLICY);
	if (fetch_policy(r, host, addr, o, &body, &f) == -1) {
		audit_add(r, "mta-sts", "mtasts.fetch_failed", AUDIT_CRITICAL,
		    NULL, host, "cannot start the HTTPS client");
	} else if (f.error != NULL) {
		audit_add(r, "mta-sts", f.cert_error ? "mtasts.cert" :
		    "mtasts.fetch_failed", AUDIT_CRITICAL, NULL, host,
		    f.error);
	} else if (f.status != 200) {
		audit_add(r, "mta-sts", "mtasts.http_status", AUDIT_CRITICAL,
		    fix, host, arena_printf(r->arena, "%ld", f.status));
	} else {
		if (f.type == NULL || !str_iprefix(f.type, strlen(f.type),
		    "text/plain"))
			audit_add(r, "mta-sts", "mtasts.content_type",
			    AUDIT_WARNING, NULL, f.type ? f.type : "none");
		if (mtasts_policy_parse(r->arena, body.data ? body.data : "",
		    body.len, &p) == -1)
			audit_add(r, "mta-sts", "mtasts.policy_syntax",
			    AUDIT_CRITICAL, fix, p.problem);
		else
			judge_policy(r, &p, fix);
	}
	buf_free(&body);
}

void
audit_mtasts(struct audit_report *r, struct dns_batch *b,
    const struct audit_options *o)
{
	char *name = arena_printf(r->arena, "_mta-sts.%s", r->domain);
	const struct dns_result *res;
	struct mtasts_record rec;
	const char *text, *problem = NULL;
	size_t n;

	res = dns_lookup(b, name, DNS_T_TXT);
	text = audit_txt_pick(r, res, "v=STSv1", &n);
	if (n == 0) {
		audit_add(r, "mta-sts", "mtasts.missing", AUDIT_INFO,
		    audit_txt_fix(r, name, "v=STSv1; id=20260101T000000"));
		return;
	}
	if (n > 1 || mtasts_record_parse(r->arena, text, strlen(text), &rec,
	    &problem) == -1) {
		audit_add(r, "mta-sts", "mtasts.record_syntax", AUDIT_CRITICAL,
		    audit_txt_fix(r, name, "v=STSv1; id=20260101T000000"),
		    text, n > 1 ? "several records" : problem);
		return;
	}
	audit_add(r, "mta-sts", "mtasts.record", AUDIT_INFO, NULL, rec.id);
	audit_mtasts_policy(r, b, o);
}
