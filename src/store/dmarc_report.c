/*
 * dmarc_report.c - DMARC aggregate reports (RFC 9990) from the store.
 *
 * The report follows RFC 9990's XML schema (appendix A, namespace
 * urn:ietf:params:xml:ns:dmarc-2.0): report_metadata, policy_published,
 * then one <record> per distinct (source, identifiers, results,
 * disposition) with the number of messages it stands for.
 *
 * What the scan knows is the summary of the authentication stage
 * (struct auth_summary): the raw SPF and DKIM results and domains, the
 * DMARC result and the published policy, and when the stage kept it,
 * the full DMARC result (policy domain, selectors).  The DMARC-aligned results of
 * <policy_evaluated> are worked out again from those when writing:
 * a passing DKIM or SPF domain is aligned when it is the From domain
 * or one is a subdomain of the other (relaxed alignment, RFC 9989
 * 4.4, the default; the organizational domain itself is not stored).
 *
 * Every text goes through xml_text(), which escapes the five XML
 * specials and drops control characters, so a hostile header cannot
 * break the report.  Memory: records are the caller's; output goes to
 * the caller's bounded buffers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include <openssl/sha.h>

#include "auth/dmarc.h"
#include "store/dmarc_report.h"
#include "store/store.h"
#include "scan/config.h"
#include "scan/scan.h"
#include "util/buf.h"

#define GZIP_WINDOW	(15 + 16)	/* zlib: 32 KiB window, gzip wrapper */
#define XML_ELEMENT_MAX	4096	/* longer than any one element written */

static void
copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

/* The domain of an address ("" for the null reverse-path). */
static const char *
addr_domain(const char *addr)
{
	const char *at;

	if (addr == NULL)
		return "";
	return (at = strrchr(addr, '@')) != NULL ? at + 1 : addr;
}

/* What we did, in the words of RFC 9990's ActionDispositionType. */
static const char *
disposition_of(const struct scan *s)
{
	if (s->auth.dmarc == AUTH_PASS)
		return s->auth.dmarc_policy != NULL &&
		    strcmp(s->auth.dmarc_policy, "none") != 0 ? "pass" : "none";
	switch (s->action) {
	case ACTION_REJECT:
		return "reject";
	case ACTION_QUARANTINE:
		return "quarantine";
	default:
		return "none";
	}
}

/*
 * The full DMARC result, when the authentication stage kept it, names
 * what the summary cannot: the domain whose record applied (the report
 * goes there), the DKIM selector, SPF's own domain.  A passing
 * signature is reported before a failing one.
 */
static void
from_detail(const struct dmarc_result *d, struct store_dmarc_record *r)
{
	const struct dmarc_dkim *k = NULL;
	size_t i;

	if (d->policy_domain != NULL && d->policy_domain[0] != '\0')
		copy(r->domain, sizeof(r->domain), d->policy_domain);
	if (d->row.envelope_from != NULL)
		copy(r->envelope_from, sizeof(r->envelope_from),
		    addr_domain(d->row.envelope_from));
	for (i = 0; i < d->row.n_dkim && i < DMARC_MAX_DKIM; i++)
		if (k == NULL || (d->row.dkim[i].result == AUTH_PASS &&
		    k->result != AUTH_PASS))
			k = &d->row.dkim[i];
	if (k != NULL && k->domain != NULL) {
		copy(r->dkim_domain, sizeof(r->dkim_domain), k->domain);
		copy(r->dkim_selector, sizeof(r->dkim_selector), k->selector);
		copy(r->dkim_result, sizeof(r->dkim_result),
		    auth_result_name(k->result));
	}
	if (d->row.spf_domain != NULL && d->row.spf_domain[0] != '\0') {
		copy(r->spf_domain, sizeof(r->spf_domain), d->row.spf_domain);
		copy(r->spf_result, sizeof(r->spf_result),
		    auth_result_name(d->row.spf));
	}
}

int
dmarc_report_record(const struct scan *s, struct store_dmarc_record *r)
{
	const char *dk;
	size_t n;

	memset(r, 0, sizeof(*r));
	if (!s->auth.done || s->auth.dmarc_domain == NULL ||
	    s->auth.dmarc_policy == NULL || s->auth.dmarc_domain[0] == '\0')
		return -1;
	r->time = s->now;
	r->count = 1;
	copy(r->domain, sizeof(r->domain), s->auth.dmarc_domain);
	copy(r->reporter, sizeof(r->reporter), s->cfg != NULL ?
	    s->cfg->authserv_id : NULL);
	copy(r->source_ip, sizeof(r->source_ip), s->env.client_ip);
	copy(r->header_from, sizeof(r->header_from), s->auth.dmarc_domain);
	copy(r->envelope_from, sizeof(r->envelope_from),
	    addr_domain(s->env.mail_from));
	/* The first passing d=; "a, b" lists them all. */
	if ((dk = s->auth.dkim_domains) != NULL && dk[0] != '\0') {
		n = strcspn(dk, ", ");
		snprintf(r->dkim_domain, sizeof(r->dkim_domain), "%.*s",
		    (int)n, dk);
	}
	copy(r->dkim_result, sizeof(r->dkim_result),
	    auth_result_name(s->auth.dkim));
	copy(r->spf_domain, sizeof(r->spf_domain), s->auth.spf_domain);
	copy(r->spf_result, sizeof(r->spf_result),
	    auth_result_name(s->auth.spf));
	copy(r->disposition, sizeof(r->disposition), disposition_of(s));
	copy(r->policy, sizeof(r->policy), s->auth.dmarc_policy);
	if (s->auth.dmarc_detail != NULL)
		from_detail(s->auth.dmarc_detail, r);
	return 0;
}

int
dmarc_report_save(const struct scan *s)
{
	struct store_dmarc_record r;
	struct store *st;

	if (s->cfg == NULL || (st = s->cfg->store) == NULL ||
	    store_readonly(st) || dmarc_report_record(s, &r) != 0)
		return STORE_OK;
	return store_dmarc_add(st, &r);
}

/* Escaped text: & < > " ' and no control characters (XML 1.0 2.2). */
static void
xml_text(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':	buf_adds(b, "&amp;"); break;
		case '<':	buf_adds(b, "&lt;"); break;
		case '>':	buf_adds(b, "&gt;"); break;
		case '"':	buf_adds(b, "&quot;"); break;
		case '\'':	buf_adds(b, "&apos;"); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				buf_addc(b, *s);
		}
	}
}

static void
element(struct buf *b, const char *indent, const char *name, const char *v)
{
	buf_printf(b, "%s<%s>", indent, name);
	xml_text(b, v);
	buf_printf(b, "</%s>\n", name);
}

/* A word from a closed list, else the fallback (schema enumerations). */
static const char *
one_of(const char *v, const char *const *allowed, const char *fallback)
{
	for (; *allowed != NULL; allowed++)
		if (strcmp(v, *allowed) == 0)
			return v;
	return fallback;
}

static const char *const policy_words[] = {
	"none", "quarantine", "reject", NULL,
};
static const char *const action_words[] = {
	"none", "pass", "quarantine", "reject", NULL,
};
static const char *const dkim_words[] = {
	"none", "pass", "fail", "policy", "neutral", "temperror",
	"permerror", NULL,
};
static const char *const spf_words[] = {
	"none", "pass", "fail", "softfail", "policy", "neutral",
	"temperror", "permerror", NULL,
};

/* Relaxed alignment: equal, or one a subdomain of the other. */
static bool
aligned(const char *a, const char *from)
{
	size_t la = strlen(a), lf = strlen(from);

	if (la == 0 || lf == 0)
		return false;
	if (strcasecmp(a, from) == 0)
		return true;
	if (la > lf)
		return a[la - lf - 1] == '.' && strcasecmp(a + la - lf,
		    from) == 0;
	return from[lf - la - 1] == '.' && strcasecmp(from + lf - la, a) == 0;
}

/* The fields that make two records one <record>, in a fixed order. */
static int
record_cmp(const void *x, const void *y)
{
	const struct store_dmarc_record *a = x, *b = y;
	int c;

#define BY(f)	if ((c = strcmp(a->f, b->f)) != 0) return c
	BY(source_ip);
	BY(header_from);
	BY(envelope_from);
	BY(dkim_domain);
	BY(dkim_result);
	BY(spf_domain);
	BY(spf_result);
	BY(disposition);
#undef BY
	return 0;
}

static void
report_record(struct buf *b, const struct store_dmarc_record *r,
    unsigned long long count)
{
	bool dkim_ok = strcmp(r->dkim_result, "pass") == 0 &&
	    aligned(r->dkim_domain, r->header_from);
	bool spf_ok = strcmp(r->spf_result, "pass") == 0 &&
	    aligned(r->spf_domain, r->header_from);

	buf_adds(b, "  <record>\n    <row>\n");
	element(b, "      ", "source_ip", r->source_ip);
	buf_printf(b, "      <count>%llu</count>\n", count);
	buf_adds(b, "      <policy_evaluated>\n");
	element(b, "        ", "disposition", one_of(r->disposition,
	    action_words, "none"));
	element(b, "        ", "dkim", dkim_ok ? "pass" : "fail");
	element(b, "        ", "spf", spf_ok ? "pass" : "fail");
	buf_adds(b, "      </policy_evaluated>\n    </row>\n"
	    "    <identifiers>\n");
	element(b, "      ", "header_from", r->header_from);
	if (r->envelope_from[0] != '\0')
		element(b, "      ", "envelope_from", r->envelope_from);
	buf_adds(b, "    </identifiers>\n    <auth_results>\n");
	if (r->dkim_domain[0] != '\0') {
		buf_adds(b, "      <dkim>\n");
		element(b, "        ", "domain", r->dkim_domain);
		element(b, "        ", "selector", r->dkim_selector);
		element(b, "        ", "result", one_of(r->dkim_result,
		    dkim_words, "permerror"));
		buf_adds(b, "      </dkim>\n");
	}
	if (r->spf_domain[0] != '\0') {
		buf_adds(b, "      <spf>\n");
		element(b, "        ", "domain", r->spf_domain);
		element(b, "        ", "scope", "mfrom");
		element(b, "        ", "result", one_of(r->spf_result,
		    spf_words, "permerror"));
		buf_adds(b, "      </spf>\n");
	}
	buf_adds(b, "    </auth_results>\n  </record>\n");
}

/* A report id unique per receiver, domain and period, and repeatable. */
static void
report_id(const struct dmarc_report_meta *m, const char *domain,
    time_t begin, time_t end, char *out, size_t len)
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	char in[1024];
	int n;

	n = snprintf(in, sizeof(in), "%s!%s!%lld!%lld", m->receiver != NULL ?
	    m->receiver : "", domain, (long long)begin, (long long)end);
	SHA256((const unsigned char *)in, n > 0 ? (size_t)n : 0, h);
	snprintf(out, len, "%lld.%02x%02x%02x%02x%02x%02x%02x%02x@%s",
	    (long long)begin, h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
	    m->receiver != NULL && m->receiver[0] != '\0' ? m->receiver :
	    "mailtrust.invalid");
}

int
dmarc_report_xml(const struct dmarc_report_meta *m, const char *domain,
    time_t begin, time_t end, struct store_dmarc_record *recs, size_t n,
    struct buf *b)
{
	unsigned long long count;
	char id[256];
	size_t i, j;

	report_id(m, domain, begin, end, id, sizeof(id));
	buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">\n"
	    "  <version>1.0</version>\n  <report_metadata>\n");
	element(b, "    ", "org_name", m->org_name != NULL ? m->org_name :
	    "mailtrust");
	element(b, "    ", "email", m->email != NULL ? m->email : "");
	element(b, "    ", "report_id", id);
	buf_printf(b, "    <date_range>\n      <begin>%lld</begin>\n"
	    "      <end>%lld</end>\n    </date_range>\n",
	    (long long)begin, (long long)end - 1);
	buf_adds(b, "    <generator>mailtrust " MT_VERSION "</generator>\n"
	    "  </report_metadata>\n  <policy_published>\n");
	element(b, "    ", "domain", domain);
	/* The policy of the latest record: records are oldest first. */
	element(b, "    ", "p", n > 0 ? one_of(recs[n - 1].policy,
	    policy_words, "none") : "none");
	buf_adds(b, "    <discovery_method>treewalk</discovery_method>\n"
	    "  </policy_published>\n");
	qsort(recs, n, sizeof(*recs), record_cmp);
	for (i = 0; i < n; i = j) {
		count = 0;
		for (j = i; j < n && record_cmp(&recs[i], &recs[j]) == 0; j++)
			count += recs[j].count;
		report_record(b, &recs[i], count);
	}
	buf_adds(b, "</feedback>\n");
	/*
	 * An add that would pass the buffer's ceiling is refused while
	 * later, shorter ones may succeed: a report that came within one
	 * element's size of the ceiling may have lost a piece.
	 */
	if (b->data == NULL || (b->max > 0 && b->len + XML_ELEMENT_MAX >
	    b->max))
		return -1;
	return 0;
}

int
dmarc_report_filename(const struct dmarc_report_meta *m, const char *domain,
    time_t begin, time_t end, char *out, size_t len)
{
	int n;

	/* A file name must not reach another directory. */
	if (strchr(domain, '/') != NULL || domain[0] == '.' ||
	    (m->receiver != NULL && strchr(m->receiver, '/') != NULL))
		return -1;
	n = snprintf(out, len, "%s!%s!%lld!%lld.xml.gz", m->receiver != NULL &&
	    m->receiver[0] != '\0' ? m->receiver : "mailtrust.invalid",
	    domain, (long long)begin, (long long)end - 1);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

int
dmarc_report_gzip(const void *data, size_t len, struct buf *out)
{
	unsigned char chunk[16384];
	z_stream zs;
	int r, rc = 0;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, GZIP_WINDOW, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = (uInt)len;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		r = deflate(&zs, Z_FINISH);
		if (r == Z_STREAM_ERROR || buf_add(out, chunk, sizeof(chunk) -
		    zs.avail_out) != 0) {
			rc = -1;
			break;
		}
	} while (r != Z_STREAM_END);
	deflateEnd(&zs);
	return rc;
}
