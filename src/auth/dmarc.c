/*
 * dmarc.c - DMARC evaluation (RFC 9989; RFC 7489 as a configured
 * fallback for the Organizational Domain).
 *
 * Implements RFC 9989 4.4 (identifier alignment, relaxed and strict),
 * 4.6 (the author domain), 4.7 and 4.8 (record tags, unknown tags
 * ignored), 4.10 (DNS Tree Walk: policy discovery and Organizational
 * Domain, psd=), 5.3-5.5 (p, sp, np for non-existent subdomains, t=y
 * testing lowers the disposition one step).  From RFC 7489 we keep pct
 * (any value below 100 reads as testing, as RFC 9989 4.7 relates t= to
 * pct=0: we never sample at random, so one message always gets the same
 * answer) and the Public Suffix List method of 3.2 (orgdomain.c).
 *
 * Choices where the RFCs leave room, each also noted in
 * tests/conformance/dmarc/README.md:
 * - a record whose p= is absent or unknown is applied as p=none;
 * - a DNS failure anywhere in a walk we need is temperror, never pass
 *   and never "no policy";
 * - several author domains, or none, is permerror.
 *
 * Memory: everything in the caller's arena.  The Tree Walk submits all
 * of its (at most eight) queries at once and reads them in order.
 */
#include <string.h>
#include <strings.h>

#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/orgdomain.h"
#include "auth/spf.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "util/arena.h"
#include "util/str.h"

/*
 * Records.
 */

static enum dmarc_policy
policy_word(const char *v, size_t n)
{
	if (str_ieq(v, n, "none"))
		return DMARC_POLICY_NONE;
	if (str_ieq(v, n, "quarantine"))
		return DMARC_POLICY_QUARANTINE;
	if (str_ieq(v, n, "reject"))
		return DMARC_POLICY_REJECT;
	return DMARC_POLICY_UNSPECIFIED;
}

const char *
dmarc_policy_name(enum dmarc_policy p)
{
	switch (p) {
	case DMARC_POLICY_NONE:		return "none";
	case DMARC_POLICY_QUARANTINE:	return "quarantine";
	case DMARC_POLICY_REJECT:	return "reject";
	default:			return "unspecified";
	}
}

static void
set_tag(struct arena *a, struct dmarc_record *r, const char *name,
    size_t nlen, const char *v, size_t vlen)
{
	long long n;

	if (str_ieq(name, nlen, "p")) {
		r->p = policy_word(v, vlen);
		r->p_invalid = r->p == DMARC_POLICY_UNSPECIFIED;
	} else if (str_ieq(name, nlen, "sp"))
		r->sp = policy_word(v, vlen);
	else if (str_ieq(name, nlen, "np"))
		r->np = policy_word(v, vlen);
	else if (str_ieq(name, nlen, "psd"))
		r->psd = str_ieq(v, vlen, "y") ? DMARC_PSD_Y :
		    str_ieq(v, vlen, "n") ? DMARC_PSD_N : DMARC_PSD_U;
	else if (str_ieq(name, nlen, "t"))
		r->testing = r->testing || str_ieq(v, vlen, "y");
	else if (str_ieq(name, nlen, "adkim"))
		r->adkim_strict = str_ieq(v, vlen, "s");
	else if (str_ieq(name, nlen, "aspf"))
		r->aspf_strict = str_ieq(v, vlen, "s");
	else if (str_ieq(name, nlen, "pct")) {
		/* RFC 7489 6.3; out-of-range values are ignored. */
		if ((n = str_to_ll(v, vlen, 100)) >= 0) {
			r->pct = (int)n;
			if (n < 100)
				r->testing = true;
		}
	} else if (a != NULL && str_ieq(name, nlen, "rua"))
		r->rua = arena_strndup(a, v, vlen);
	else if (a != NULL && str_ieq(name, nlen, "ruf"))
		r->ruf = arena_strndup(a, v, vlen);
	else if (a != NULL && str_ieq(name, nlen, "fo"))
		r->fo = arena_strndup(a, v, vlen);
}

int
dmarc_record_parse(struct arena *a, const char *text, size_t len,
    struct dmarc_record *r, const char **problem)
{
	const char *tag, *eq, *name, *v;
	size_t i = 0, tlen, nlen, vlen, ntag = 0;

	memset(r, 0, sizeof(*r));
	r->pct = -1;
	*problem = NULL;
	if (len > DMARC_MAX_RECORD) {
		*problem = "record too long";
		return -1;
	}
	while (i <= len) {
		tag = text + i;
		for (tlen = 0; i + tlen < len && text[i + tlen] != ';'; tlen++)
			;
		i += tlen + 1;
		str_trim(&tag, &tlen);
		if (tlen == 0) {
			if (ntag == 0) {
				*problem = "v=DMARC1 is not the first tag";
				return -1;
			}
			continue;	/* ";;" and a final ';' */
		}
		if ((eq = memchr(tag, '=', tlen)) == NULL) {
			*problem = "tag without '='";
			return -1;
		}
		name = tag;
		nlen = (size_t)(eq - tag);
		v = eq + 1;
		vlen = tlen - nlen - 1;
		str_trim(&name, &nlen);
		str_trim(&v, &vlen);
		/* 4.7: "v=DMARC1" must be the first tag, exactly. */
		if (ntag++ == 0) {
			if (!str_ieqn(name, nlen, "v", 1) ||
			    vlen != 6 || memcmp(v, "DMARC1", 6) != 0) {
				*problem = "v=DMARC1 is not the first tag";
				return -1;
			}
			continue;
		}
		set_tag(a, r, name, nlen, v, vlen);
	}
	if (ntag == 0) {
		*problem = "empty record";
		return -1;
	}
	return 0;
}

/*
 * The DNS Tree Walk.
 */

struct dctx {
	struct dns_batch *dns;
	struct arena	*a;
	const char	*why;
};

enum lookup_rc {
	LOOK_FOUND,
	LOOK_NONE,
	LOOK_ERROR,
};

/* 4.8: exactly one record that starts with v=DMARC1, or none at all. */
static enum lookup_rc
read_record(struct dctx *cx, const struct dns_result *r, const char *name,
    struct dmarc_record *out)
{
	struct dmarc_record rec;
	const char *why;
	size_t i, found = 0;

	switch (r->status) {
	case DNS_OK:
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		return LOOK_NONE;
	default:
		cx->why = arena_printf(cx->a, "DNS lookup of _dmarc.%s failed "
		    "(%s)", name, dns_status_name(r->status));
		return LOOK_ERROR;
	}
	for (i = 0; i < r->n; i++) {
		if (r->rr[i].type != DNS_T_TXT || r->rr[i].u.txt.text == NULL)
			continue;
		if (dmarc_record_parse(cx->a, r->rr[i].u.txt.text,
		    r->rr[i].u.txt.len, &rec, &why) == 0) {
			if (found++ == 0)
				*out = rec;
		}
	}
	return found == 1 ? LOOK_FOUND : LOOK_NONE;
}

static struct dns_query *
submit_dmarc(struct dctx *cx, const char *name)
{
	char *q = arena_printf(cx->a, "_dmarc.%s", name);

	return q != NULL ? dns_submit(cx->dns, q, DNS_T_TXT) : NULL;
}

/* The rightmost n labels of a name. */
static const char *
suffix_labels(const char *name, size_t n)
{
	size_t have = orgdomain_labels(name);

	while (have > n) {
		name = strchr(name, '.') + 1;
		have--;
	}
	return name;
}

/*
 * Walks from domain up (4.10).  The first record found is the policy
 * record (when pol is not NULL); the Organizational Domain is where
 * psd=n stands, one label below a psd=y record, or else the shortest
 * name with a record, or else the domain itself.  -1 on a DNS failure.
 */
static int
tree_walk(struct dctx *cx, const char *domain, struct dmarc_record *pol,
    const char **pol_domain, const char **org)
{
	const char *names[ORGDOMAIN_MAX_WALK], *candidate = NULL;
	struct dns_query *q[ORGDOMAIN_MAX_WALK];
	struct dmarc_record rec;
	size_t n, i;

	if (pol_domain != NULL)
		*pol_domain = NULL;
	*org = domain;
	n = orgdomain_walk(domain, names);
	for (i = 0; i < n; i++)
		q[i] = submit_dmarc(cx, names[i]);
	for (i = 0; i < n; i++) {
		if (q[i] == NULL) {
			cx->why = "out of memory";
			return -1;
		}
		switch (read_record(cx, dns_wait(cx->dns, q[i]), names[i],
		    &rec)) {
		case LOOK_ERROR:
			return -1;
		case LOOK_NONE:
			continue;
		case LOOK_FOUND:
			break;
		}
		if (pol_domain != NULL && *pol_domain == NULL) {
			*pol = rec;
			*pol_domain = names[i];
		}
		if (rec.psd == DMARC_PSD_N) {
			*org = names[i];
			return 0;
		}
		if (rec.psd == DMARC_PSD_Y) {
			*org = i == 0 ? names[0] : suffix_labels(domain,
			    orgdomain_labels(names[i]) + 1);
			return 0;
		}
		candidate = names[i];
	}
	if (candidate != NULL)
		*org = candidate;
	return 0;
}

/* RFC 7489 6.6.3: the domain's own record, else its PSL org domain's. */
static int
psl_discover(struct dctx *cx, const char *domain, struct dmarc_record *pol,
    const char **pol_domain, const char **org)
{
	const char *names[2];
	size_t i, n = 1;

	*pol_domain = NULL;
	if ((*org = orgdomain_psl(cx->a, domain)) == NULL) {
		cx->why = "out of memory";
		return -1;
	}
	names[0] = domain;
	if (strcmp(*org, domain) != 0)
		names[n++] = *org;
	for (i = 0; i < n; i++) {
		struct dns_query *q = submit_dmarc(cx, names[i]);

		if (q == NULL) {
			cx->why = "out of memory";
			return -1;
		}
		switch (read_record(cx, dns_wait(cx->dns, q), names[i], pol)) {
		case LOOK_ERROR:
			return -1;
		case LOOK_NONE:
			continue;
		case LOOK_FOUND:
			*pol_domain = names[i];
			return 0;
		}
	}
	return 0;
}

static int
org_of(struct dctx *cx, enum dmarc_org_method m, const char *domain,
    const char **org)
{
	if (m == DMARC_ORG_PSL) {
		*org = orgdomain_psl(cx->a, domain);
		return *org != NULL ? 0 : -1;
	}
	return tree_walk(cx, domain, NULL, NULL, org);
}

/* A domain lower-cased, without a final dot; NULL if empty. */
static char *
norm(struct arena *a, const char *d)
{
	char *s;
	size_t n;

	if (d == NULL || (n = strlen(d)) == 0)
		return NULL;
	if (d[n - 1] == '.')
		n--;
	if (n == 0 || (s = arena_strndup(a, d, n)) == NULL)
		return NULL;
	str_lower(s);
	return s;
}

/*
 * 4.4: strict alignment is equality; relaxed alignment is equal
 * Organizational Domains.  0 = not aligned, 1 = aligned, -1 = DNS failure.
 */
static int
aligned(struct dctx *cx, enum dmarc_org_method m, const char *id,
    const char *from, const char *from_org, bool strict)
{
	const char *org;
	char *d;

	if ((d = norm(cx->a, id)) == NULL)
		return 0;
	if (strcmp(d, from) == 0)
		return 1;
	if (strict)
		return 0;
	if (org_of(cx, m, d, &org) == -1)
		return -1;
	return strcmp(org, from_org) == 0;
}

/* RFC 9989 5.x / RFC 9091: no A, AAAA or MX at the name. */
static bool
nonexistent(struct dctx *cx, const char *domain)
{
	static const uint16_t types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX };
	struct dns_query *q[3];
	const struct dns_result *r;
	size_t i;

	for (i = 0; i < 3; i++)
		q[i] = dns_submit(cx->dns, domain, types[i]);
	for (i = 0; i < 3; i++) {
		r = dns_wait(cx->dns, q[i]);
		/* An error proves nothing: np then does not apply. */
		if (r->status != DNS_NXDOMAIN && r->status != DNS_NODATA)
			return false;
	}
	return true;
}

static enum dmarc_policy
lower(enum dmarc_policy p)
{
	switch (p) {
	case DMARC_POLICY_REJECT:
		return DMARC_POLICY_QUARANTINE;
	case DMARC_POLICY_QUARANTINE:
		return DMARC_POLICY_NONE;
	default:
		return p;
	}
}

int
dmarc_evaluate(struct dns_batch *dns, struct arena *a,
    const struct dmarc_input *in, struct dmarc_result *res)
{
	struct dctx cx = { dns, a, NULL };
	const struct dmarc_record *rec;
	const char *from;
	size_t i;
	int rc;

	memset(res, 0, sizeof(*res));
	res->result = AUTH_NONE;
	res->policy = DMARC_POLICY_UNSPECIFIED;
	res->disposition = DMARC_POLICY_NONE;
	res->method = in->org_method;
	res->row.source_ip = in->source_ip;
	res->row.header_from = in->from_domain;
	res->row.envelope_from = in->mail_from;
	res->row.spf_domain = in->spf_domain;
	res->row.spf_scope = in->spf_scope;
	res->row.spf = in->spf;
	for (i = 0; i < in->n_dkim && i < DMARC_MAX_DKIM; i++)
		res->row.dkim[res->row.n_dkim++] = in->dkim[i];

	if ((from = norm(a, in->from_domain)) == NULL) {
		res->result = AUTH_PERMERROR;
		res->problem = "the message has no author domain";
		return arena_exhausted(a) ? -1 : 0;
	}
	res->from_domain = from;

	if (in->org_method == DMARC_ORG_PSL)
		rc = psl_discover(&cx, from, &res->record, &res->policy_domain,
		    &res->org_domain);
	else
		rc = tree_walk(&cx, from, &res->record, &res->policy_domain,
		    &res->org_domain);
	if (rc == -1) {
		/* A record found before the failure is not the policy yet. */
		res->result = AUTH_TEMPERROR;
		res->problem = cx.why;
		res->policy_domain = res->org_domain = NULL;
		return 0;
	}
	if (res->policy_domain == NULL) {
		res->problem = arena_printf(a, "%s publishes no DMARC policy",
		    from);
		return 0;
	}
	rec = &res->record;

	/* 5.x: the policy that applies to this author domain. */
	res->policy_tag = "p";
	res->policy = rec->p;
	if (strcmp(res->policy_domain, from) != 0) {
		if (rec->np != DMARC_POLICY_UNSPECIFIED &&
		    (res->nonexistent = nonexistent(&cx, from))) {
			res->policy_tag = "np";
			res->policy = rec->np;
		} else if (rec->sp != DMARC_POLICY_UNSPECIFIED) {
			res->policy_tag = "sp";
			res->policy = rec->sp;
		}
	}
	if (res->policy == DMARC_POLICY_UNSPECIFIED)
		res->policy = DMARC_POLICY_NONE;

	/* 4.4: an aligned pass of either method is enough. */
	if (in->spf == AUTH_PASS) {
		rc = aligned(&cx, in->org_method, in->spf_domain, from,
		    res->org_domain, rec->aspf_strict);
		if (rc == -1)
			goto temp;
		res->spf_aligned = rc == 1;
	}
	for (i = 0; i < in->n_dkim && !res->dkim_aligned; i++) {
		if (in->dkim[i].result != AUTH_PASS)
			continue;
		rc = aligned(&cx, in->org_method, in->dkim[i].domain, from,
		    res->org_domain, rec->adkim_strict);
		if (rc == -1)
			goto temp;
		if (rc == 1) {
			res->dkim_aligned = true;
			res->dkim_domain = in->dkim[i].domain;
		}
	}
	res->testing = rec->testing;
	if (res->spf_aligned || res->dkim_aligned) {
		res->result = AUTH_PASS;
		res->disposition = DMARC_POLICY_NONE;
		return 0;
	}
	res->result = AUTH_FAIL;
	res->problem = "neither SPF nor DKIM passed for a domain aligned "
	    "with From";
	res->disposition = res->policy;
	/* 5.x t=y: one step milder than published. */
	if (rec->testing)
		res->disposition = lower(res->policy);
	return 0;
temp:
	res->result = AUTH_TEMPERROR;
	res->problem = cx.why;
	res->disposition = DMARC_POLICY_NONE;
	return 0;
}

const char *
dmarc_author_domain(const struct message *msg, const char **problem)
{
	const char *d = NULL;
	size_t i;

	*problem = NULL;
	if (msg == NULL || msg->from.n == 0) {
		*problem = "no From address";
		return NULL;
	}
	if (msg->defects & MSG_DEF_MULTIPLE_FROM) {
		*problem = "more than one From field";
		return NULL;
	}
	for (i = 0; i < msg->from.n; i++) {
		const char *x = msg->from.v[i].domain;

		if (x == NULL || *x == '\0') {
			*problem = "a From address without a domain";
			return NULL;
		}
		if (d != NULL && strcasecmp(d, x) != 0) {
			*problem = "From addresses in different domains";
			return NULL;
		}
		d = x;
	}
	return d;
}

int
dmarc_check(struct dns_batch *dns, struct arena *a, const struct message *msg,
    const char *ip, const struct spf_result *spf,
    const struct dkim_results *dkim, enum dmarc_org_method method,
    struct dmarc_result *res)
{
	struct dmarc_dkim sigs[DMARC_MAX_DKIM];
	struct dmarc_input in;
	const char *why, *at;
	size_t i;

	memset(&in, 0, sizeof(in));
	in.org_method = method;
	in.source_ip = ip;
	in.spf = AUTH_NONE;
	if (spf != NULL) {
		in.spf = spf->result;
		/* The SPF-authenticated identifier: MAIL FROM's or HELO's. */
		in.spf_domain = spf->domain;
		in.spf_scope = spf->identity != NULL &&
		    strcmp(spf->identity, "helo") == 0 ? "helo" : "mfrom";
		if (spf->sender != NULL && strcmp(in.spf_scope, "mfrom") == 0)
			in.mail_from = (at = strrchr(spf->sender, '@')) ?
			    at + 1 : spf->sender;
	}
	if (dkim != NULL) {
		/* Past the ceiling, signatures are neither used nor shown. */
		for (i = 0; i < dkim->n && in.n_dkim < DMARC_MAX_DKIM; i++) {
			sigs[in.n_dkim].domain = dkim->v[i].domain;
			sigs[in.n_dkim].selector = dkim->v[i].selector;
			sigs[in.n_dkim].result = dkim->v[i].result;
			in.n_dkim++;
		}
		in.dkim = sigs;
	}
	in.from_domain = dmarc_author_domain(msg, &why);
	if (in.from_domain == NULL) {
		(void)dmarc_evaluate(dns, a, &in, res);
		res->problem = why;
		return 0;
	}
	return dmarc_evaluate(dns, a, &in, res);
}
