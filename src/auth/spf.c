/*
 * spf.c - SPF check_host() and the envelope identities (RFC 7208).
 *
 * Implements RFC 7208 2.3-2.4 (identities), 4 (check_host: 4.3 initial
 * processing, 4.4 record lookup, 4.5 selection, 4.6 evaluation and the
 * 4.6.4 limits, 4.7 default result), 5 (mechanisms, with the DNS error
 * rules of 5 and 5.5), 6 (redirect, exp) and the record grammar of 12.
 * Macros are in spf_macro.c.
 *
 * Evaluation is strictly the sequential algorithm of the RFC: terms are
 * tried left to right and limits are counted as each term is reached.
 * Only the DNS traffic overlaps: when a record has been parsed, the
 * queries of its first terms (as many as the lookup budget allows) are
 * submitted at once, and the evaluation then finds their answers in the
 * batch's cache.  Prefetching never changes a result, it only starts
 * lookups earlier.
 *
 * DNS outcomes map explicitly: NXDOMAIN and NODATA are "no records" (and
 * void lookups where 4.6.4 counts them); SERVFAIL, timeouts and local
 * errors are temperror, except where 5.5 says a failed PTR or address
 * lookup only skips a name.  Nothing ever maps to pass.
 *
 * Memory: records, names and results are in the caller's arena.  The
 * recursion depth is bounded by the lookup limit (each include and
 * redirect costs one) and asserted with SPF_MAX_DEPTH.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <string.h>

#include "auth/spf.h"
#include "dns/dns.h"
#include "util/arena.h"
#include "util/str.h"

#define SPF_MAX_DEPTH	(SPF_MAX_LOOKUPS + 2)
/* Text form of a name: every byte may need an escape. */
#define SPF_NAME_TEXT	(4 * SPF_MAX_DOMAIN + 8)

/*
 * Our default explanation (6.2 leaves it to the implementation).  Only
 * %{o} and %{c}: it must read the same wherever in a redirect chain the
 * fail came from.
 */
static const char default_exp[] =
    "%{o} has not authorised %{c} to send its mail";

struct spf_ctx {
	struct dns_batch *dns;
	struct arena	*arena;
	struct spf_macro_env env;	/* env.domain changes per level */
	unsigned	 lookups;
	unsigned	 voids;
	const char	*problem;
	bool		 oom;
	/* The validated names of the client IP (5.5), found once. */
	bool		 ptr_done;
	enum dns_status	 ptr_status;
	const char	*validated[SPF_MAX_PTR];
	size_t		 n_validated;
};

/* What a term's evaluation gave. */
enum match {
	MATCH_NO,
	MATCH_YES,
	MATCH_TEMPERROR,
	MATCH_PERMERROR,
};

struct level {
	enum auth_result result;
	const char	*mechanism;
	const char	*explanation;
};

static enum auth_result check_host(struct spf_ctx *, const char *domain,
		    unsigned depth, bool want_exp, struct level *);

/*
 * Small helpers.
 */

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alnum(int c)
{
	return is_alpha(c) || is_digit(c);
}

/* Records the first problem only: it is the one that decided. */
static void
problem(struct spf_ctx *cx, const char *fmt, const char *arg)
{
	if (cx->problem != NULL)
		return;
	cx->problem = arena_printf(cx->arena, fmt, arg ? arg : "");
	if (cx->problem == NULL)
		cx->oom = true;
}

/*
 * Names.
 */

/*
 * RFC 7208 4.3: the checked domain must be a multi-label name with
 * labels of 1 to 63 octets.  We also refuse address literals and
 * punctuation no host name has ("[1.2.3.4]", "a b"), which 4.3 calls
 * malformed; '_' and UTF-8 octets pass, as real HELO names carry them.
 */
static bool
domain_ok(const char *d)
{
	size_t len = strlen(d), i, label = 0, labels = 0;
	int c;

	if (len > 0 && d[len - 1] == '.')
		len--;
	if (len == 0 || len > SPF_MAX_DOMAIN)
		return false;
	for (i = 0; i <= len; i++) {
		if (i == len || d[i] == '.') {
			if (label == 0 || label > 63)
				return false;
			labels++;
			label = 0;
			continue;
		}
		c = (unsigned char)d[i];
		if (!is_alnum(c) && c != '-' && c != '_' && c < 0x80)
			return false;
		label++;
	}
	return labels >= 2;
}

/*
 * A target name from a mechanism: any octets, but labels of 1 to 63 and
 * at most 253 in all, or no DNS query can carry it.  The suite's
 * "invalid-domain-*" cases leave the outcome open; we treat such a name
 * like one that does not exist (4.3, 5/10/3).
 */
static bool
target_ok(const char *d)
{
	size_t len = strlen(d), i, label = 0;

	if (len == 0 || len > SPF_MAX_DOMAIN)
		return false;
	for (i = 0; i <= len; i++) {
		if (i == len || d[i] == '.') {
			if (label == 0 || label > 63)
				return false;
			label = 0;
		} else
			label++;
	}
	return true;
}

/* The master-file text form dns_submit() reads: escape backslashes. */
static bool
name_text(const char *name, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *name != '\0'; name++) {
		if (o + 3 >= outlen)
			return false;
		if (*name == '\\')
			out[o++] = '\\';
		out[o++] = *name;
	}
	out[o] = '\0';
	return true;
}

static struct dns_query *
submit(struct spf_ctx *cx, const char *name, uint16_t type)
{
	char text[SPF_NAME_TEXT];

	if (!name_text(name, text, sizeof(text)))
		return NULL;
	return dns_submit(cx->dns, text, type);
}

static const struct dns_result *
lookup(struct spf_ctx *cx, const char *name, uint16_t type)
{
	struct dns_query *q;

	if ((q = submit(cx, name, type)) == NULL)
		return NULL;
	return dns_wait(cx->dns, q);
}

/* Is the name equal to dom or below it?  ASCII case-insensitive. */
static bool
name_within(const char *name, const char *dom)
{
	size_t n = strlen(name), d = strlen(dom);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (d > 0 && dom[d - 1] == '.')
		d--;
	if (n < d || !str_ieqn(name + n - d, d, dom, d))
		return false;
	return n == d || name[n - d - 1] == '.';
}

/*
 * Expands a domain-spec into a target name: 7.3's cut to 253 octets by
 * dropping labels on the left, and without a final dot (4.8: it means
 * the same name).  NULL when expansion failed.
 */
static char *
expand_domain(struct spf_ctx *cx, const char *spec, size_t len)
{
	char *s;
	size_t n;

	if ((s = spf_macro_expand(&cx->env, cx->arena, spec, len, false)) ==
	    NULL) {
		if (arena_exhausted(cx->arena))
			cx->oom = true;
		return NULL;
	}
	n = strlen(s);
	if (n > 0 && s[n - 1] == '.')
		s[--n] = '\0';
	while (n > SPF_MAX_DOMAIN) {
		char *dot = memchr(s, '.', n);

		if (dot == NULL)
			break;
		n -= (size_t)(dot + 1 - s);
		s = dot + 1;
	}
	return s;
}

/* The name a term queries: its domain-spec expanded, or <domain>. */
static char *
term_target(struct spf_ctx *cx, const struct spf_term *t)
{
	if (t->spec == NULL)
		return (char *)cx->env.domain;
	return expand_domain(cx, t->spec, t->spec_len);
}

/*
 * Addresses.
 */

static bool
cidr_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (full > 0 && memcmp(a, b, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

static int
parse_ip(const char *ip, int *family, unsigned char out[16])
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	unsigned char a6[16];

	memset(out, 0, 16);
	if (inet_pton(AF_INET, ip, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, ip, a6) != 1)
		return -1;
	/* RFC 7208 5: an IPv4-mapped address is an IPv4 address. */
	if (memcmp(a6, mapped, 12) == 0) {
		memcpy(out, a6 + 12, 4);
		*family = AF_INET;
		return 0;
	}
	memcpy(out, a6, 16);
	*family = AF_INET6;
	return 0;
}

static bool
rr_matches(const struct spf_ctx *cx, const struct dns_rr *rr, int c4,
    int c6)
{
	if (cx->env.family == AF_INET && rr->type == DNS_T_A)
		return cidr_match(rr->u.a, cx->env.ip, c4 < 0 ? 32 : c4);
	if (cx->env.family == AF_INET6 && rr->type == DNS_T_AAAA)
		return cidr_match(rr->u.aaaa, cx->env.ip, c6 < 0 ? 128 : c6);
	return false;
}

static uint16_t
addr_type(const struct spf_ctx *cx)
{
	return cx->env.family == AF_INET6 ? DNS_T_AAAA : DNS_T_A;
}

/*
 * Limits (4.6.4).
 */

static bool
count_lookup(struct spf_ctx *cx, const struct spf_term *t)
{
	if (++cx->lookups <= SPF_MAX_LOOKUPS)
		return true;
	problem(cx, "more than 10 DNS-querying terms (at '%s')",
	    t != NULL ? arena_strndup(cx->arena, t->text, t->text_len) :
	    "redirect");
	return false;
}

static bool
count_void(struct spf_ctx *cx, const char *name)
{
	if (++cx->voids <= SPF_MAX_VOID)
		return true;
	problem(cx, "more than 2 lookups found nothing (at %s)", name);
	return false;
}

/*
 * Mechanisms (5).
 */

static enum match
dns_failure(struct spf_ctx *cx, const struct dns_result *r, const char *name)
{
	problem(cx, "DNS lookup of %s failed", name);
	if (r == NULL)
		cx->oom = cx->oom || arena_exhausted(cx->arena);
	return MATCH_TEMPERROR;
}

/* a (5.3): any address of the target within the CIDR range. */
static enum match
mech_a(struct spf_ctx *cx, const struct spf_term *t, const char *name)
{
	const struct dns_result *r;
	size_t i;

	if (!target_ok(name))
		return count_void(cx, name) ? MATCH_NO : MATCH_PERMERROR;
	if ((r = lookup(cx, name, addr_type(cx))) == NULL)
		return dns_failure(cx, r, name);
	switch (r->status) {
	case DNS_OK:
		for (i = 0; i < r->n; i++)
			if (rr_matches(cx, &r->rr[i], t->cidr4, t->cidr6))
				return MATCH_YES;
		return MATCH_NO;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		return count_void(cx, name) ? MATCH_NO : MATCH_PERMERROR;
	default:
		return dns_failure(cx, r, name);
	}
}

/* mx (5.4): the addresses of at most 10 MX hosts; more is permerror. */
static enum match
mech_mx(struct spf_ctx *cx, const struct spf_term *t, const char *name)
{
	struct dns_query *q[SPF_MAX_MX];
	const struct dns_result *r, *ar;
	size_t i, k;

	if (!target_ok(name))
		return count_void(cx, name) ? MATCH_NO : MATCH_PERMERROR;
	if ((r = lookup(cx, name, DNS_T_MX)) == NULL)
		return dns_failure(cx, r, name);
	switch (r->status) {
	case DNS_OK:
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		return count_void(cx, name) ? MATCH_NO : MATCH_PERMERROR;
	default:
		return dns_failure(cx, r, name);
	}
	if (r->n > SPF_MAX_MX) {
		problem(cx, "%s has more than 10 MX records", name);
		return MATCH_PERMERROR;
	}
	/* The hosts' address lookups overlap; answers are read in order. */
	for (i = 0; i < r->n; i++) {
		const char *host = r->rr[i].u.mx.host;

		q[i] = NULL;
		/* Names from DNS are already in text form. */
		if (host != NULL && host[0] != '\0' && target_ok(host))
			q[i] = dns_submit(cx->dns, host, addr_type(cx));
	}
	for (i = 0; i < r->n; i++) {
		if (q[i] == NULL)
			continue;	/* null MX (RFC 7505) or no name */
		ar = dns_wait(cx->dns, q[i]);
		switch (ar->status) {
		case DNS_OK:
			for (k = 0; k < ar->n; k++)
				if (rr_matches(cx, &ar->rr[k], t->cidr4,
				    t->cidr6))
					return MATCH_YES;
			break;
		case DNS_NODATA:
		case DNS_NXDOMAIN:
			break;
		default:
			return dns_failure(cx, ar, r->rr[i].u.mx.host);
		}
	}
	return MATCH_NO;
}

/*
 * The validated names of the client address (5.5): the PTR names, at
 * most 10, whose own addresses include the client.  A failed PTR lookup
 * leaves none; a failed address lookup skips that name.
 */
static void
validate_ptr(struct spf_ctx *cx)
{
	struct dns_query *q[SPF_MAX_PTR];
	const struct dns_result *r, *ar;
	char rev[80], ipstr[INET6_ADDRSTRLEN];
	size_t i, k, n;

	if (cx->ptr_done)
		return;
	cx->ptr_done = true;
	cx->ptr_status = DNS_ERROR;
	if (inet_ntop(cx->env.family, cx->env.ip, ipstr, sizeof(ipstr)) ==
	    NULL || dns_reverse_name(ipstr, rev, sizeof(rev)) == -1)
		return;
	r = dns_lookup(cx->dns, rev, DNS_T_PTR);
	cx->ptr_status = r->status;
	if (r->status != DNS_OK)
		return;
	n = r->n < SPF_MAX_PTR ? r->n : SPF_MAX_PTR;
	for (i = 0; i < n; i++) {
		q[i] = NULL;
		if (r->rr[i].u.name != NULL && target_ok(r->rr[i].u.name))
			q[i] = dns_submit(cx->dns, r->rr[i].u.name,
			    addr_type(cx));
	}
	for (i = 0; i < n; i++) {
		if (q[i] == NULL)
			continue;
		ar = dns_wait(cx->dns, q[i]);
		if (ar->status != DNS_OK)
			continue;
		for (k = 0; k < ar->n; k++)
			if (rr_matches(cx, &ar->rr[k], -1, -1)) {
				cx->validated[cx->n_validated++] =
				    r->rr[i].u.name;
				break;
			}
	}
}

/* ptr (5.5): a validated name at or below the target. */
static enum match
mech_ptr(struct spf_ctx *cx, const char *name)
{
	size_t i;

	validate_ptr(cx);
	if ((cx->ptr_status == DNS_NXDOMAIN || cx->ptr_status == DNS_NODATA)
	    && !count_void(cx, "the PTR name"))
		return MATCH_PERMERROR;
	for (i = 0; i < cx->n_validated; i++)
		if (name_within(cx->validated[i], name))
			return MATCH_YES;
	return MATCH_NO;
}

/*
 * %{p} (7.3): the domain itself if validated, else a validated name
 * below it, else any validated name; NULL gives "unknown".
 */
static const char *
validated_for(void *arg, const char *domain)
{
	struct spf_ctx *cx = arg;
	size_t i;

	validate_ptr(cx);
	for (i = 0; i < cx->n_validated; i++)
		if (str_ieq(cx->validated[i], strlen(cx->validated[i]),
		    domain))
			return cx->validated[i];
	for (i = 0; i < cx->n_validated; i++)
		if (name_within(cx->validated[i], domain))
			return cx->validated[i];
	return cx->n_validated > 0 ? cx->validated[0] : NULL;
}

/* exists (5.7): an A query, whatever the client's family. */
static enum match
mech_exists(struct spf_ctx *cx, const char *name)
{
	const struct dns_result *r;

	if (!target_ok(name))
		return count_void(cx, name) ? MATCH_NO : MATCH_PERMERROR;
	if ((r = lookup(cx, name, DNS_T_A)) == NULL)
		return dns_failure(cx, r, name);
	switch (r->status) {
	case DNS_OK:
		return r->n > 0 ? MATCH_YES : MATCH_NO;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		return count_void(cx, name) ? MATCH_NO : MATCH_PERMERROR;
	default:
		return dns_failure(cx, r, name);
	}
}

/* include (5.2): the table of 5.2 maps the inner result to a match. */
static enum match
mech_include(struct spf_ctx *cx, const char *name, unsigned depth)
{
	struct level inner;
	const char *saved = cx->env.domain;

	(void)check_host(cx, name, depth + 1, false, &inner);
	cx->env.domain = saved;
	switch (inner.result) {
	case AUTH_PASS:
		return MATCH_YES;
	case AUTH_FAIL:
	case AUTH_SOFTFAIL:
	case AUTH_NEUTRAL:
		return MATCH_NO;
	case AUTH_TEMPERROR:
		return MATCH_TEMPERROR;
	case AUTH_NONE:
		problem(cx, "include:%s has no SPF record", name);
		return MATCH_PERMERROR;
	default:
		return MATCH_PERMERROR;
	}
}

static enum match
eval_term(struct spf_ctx *cx, const struct spf_term *t, unsigned depth)
{
	char *name;

	switch (t->mech) {
	case SPF_MECH_ALL:
		return MATCH_YES;
	case SPF_MECH_IP4:
		return cx->env.family == AF_INET &&
		    cidr_match(t->addr, cx->env.ip, t->cidr4 < 0 ? 32 :
		    t->cidr4) ? MATCH_YES : MATCH_NO;
	case SPF_MECH_IP6:
		return cx->env.family == AF_INET6 &&
		    cidr_match(t->addr, cx->env.ip, t->cidr6 < 0 ? 128 :
		    t->cidr6) ? MATCH_YES : MATCH_NO;
	default:
		break;
	}
	if (!count_lookup(cx, t))
		return MATCH_PERMERROR;
	if ((name = term_target(cx, t)) == NULL) {
		problem(cx, "macro expansion failed in '%s'",
		    arena_strndup(cx->arena, t->text, t->text_len));
		return MATCH_PERMERROR;
	}
	switch (t->mech) {
	case SPF_MECH_A:
		return mech_a(cx, t, name);
	case SPF_MECH_MX:
		return mech_mx(cx, t, name);
	case SPF_MECH_PTR:
		return mech_ptr(cx, name);
	case SPF_MECH_EXISTS:
		return mech_exists(cx, name);
	case SPF_MECH_INCLUDE:
		return mech_include(cx, name, depth);
	default:
		assert(!"unreachable mechanism");
		return MATCH_PERMERROR;
	}
}

/*
 * Starts the queries of the first terms that the lookup budget still
 * allows, so that their answers arrive together.  Terms whose names
 * need %{p} are left alone: that macro does lookups of its own.
 */
static void
prefetch(struct spf_ctx *cx, const struct spf_record *rec)
{
	unsigned budget = cx->lookups < SPF_MAX_LOOKUPS ?
	    SPF_MAX_LOOKUPS - cx->lookups : 0;
	const struct spf_term *t;
	char *name;
	size_t i;
	uint16_t type;

	for (i = 0; i < rec->n && budget > 0; i++) {
		t = &rec->terms[i];
		switch (t->mech) {
		case SPF_MECH_ALL:
			return;	/* nothing after it is evaluated */
		case SPF_MECH_IP4:
		case SPF_MECH_IP6:
			continue;
		case SPF_MECH_A:
			type = addr_type(cx);
			break;
		case SPF_MECH_MX:
			type = DNS_T_MX;
			break;
		case SPF_MECH_EXISTS:
			type = DNS_T_A;
			break;
		case SPF_MECH_INCLUDE:
			type = DNS_T_TXT;
			break;
		default:
			budget--;	/* ptr: found when reached */
			continue;
		}
		budget--;
		if (t->spec != NULL && (str_imem(t->spec, t->spec_len,
		    "%{p", 3) != NULL))
			continue;
		if ((name = term_target(cx, t)) != NULL && target_ok(name))
			(void)submit(cx, name, type);
	}
	if (rec->redirect != NULL && budget > 0 &&
	    str_imem(rec->redirect, rec->redirect_len, "%{p", 3) == NULL &&
	    (name = expand_domain(cx, rec->redirect, rec->redirect_len)) !=
	    NULL && target_ok(name))
		(void)submit(cx, name, DNS_T_TXT);
}

/*
 * Explanation (6.2): the exp= TXT record expanded, if exactly one record
 * came back and it is a valid explain-string; otherwise the default.
 */
static const char *
explain(struct spf_ctx *cx, const struct spf_record *rec)
{
	const struct dns_result *r;
	const char *text;
	char *name, *s;
	size_t len;

	if (rec->exp == NULL)
		goto dflt;
	if ((name = expand_domain(cx, rec->exp, rec->exp_len)) == NULL ||
	    !target_ok(name))
		goto dflt;
	/* 4.6.4: this lookup counts toward neither limit. */
	if ((r = lookup(cx, name, DNS_T_TXT)) == NULL ||
	    r->status != DNS_OK || r->n != 1)
		goto dflt;
	text = r->rr[0].u.txt.text;
	len = r->rr[0].u.txt.len;
	if (text == NULL || spf_macro_check(text, len, true, NULL) != NULL)
		goto dflt;
	if ((s = spf_macro_expand(&cx->env, cx->arena, text, len, true)) !=
	    NULL)
		return s;
dflt:
	return spf_macro_expand(&cx->env, cx->arena, default_exp,
	    sizeof(default_exp) - 1, true);
}

/*
 * The record of a domain (4.4, 4.5): exactly one TXT string that starts
 * with "v=spf1".  Returns the result that ends the check early, or
 * AUTH_PASS with *text set to go on.
 */
static enum auth_result
fetch_record(struct spf_ctx *cx, const char *domain, const char **text,
    size_t *len)
{
	const struct dns_result *r;
	size_t i, found = 0;

	if ((r = lookup(cx, domain, DNS_T_TXT)) == NULL) {
		problem(cx, "DNS lookup of %s failed", domain);
		return AUTH_TEMPERROR;
	}
	switch (r->status) {
	case DNS_OK:
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		problem(cx, "%s publishes no SPF record", domain);
		return AUTH_NONE;
	default:
		problem(cx, "DNS lookup of %s failed", domain);
		return AUTH_TEMPERROR;
	}
	for (i = 0; i < r->n; i++) {
		const struct dns_rr *rr = &r->rr[i];

		if (rr->type != DNS_T_TXT || rr->u.txt.text == NULL ||
		    !spf_record_is_v1(rr->u.txt.text, rr->u.txt.len))
			continue;
		if (found++ > 0) {
			problem(cx, "%s publishes more than one SPF record",
			    domain);
			return AUTH_PERMERROR;
		}
		*text = rr->u.txt.text;
		*len = rr->u.txt.len;
	}
	if (found == 0) {
		problem(cx, "%s publishes no SPF record", domain);
		return AUTH_NONE;
	}
	return AUTH_PASS;
}

static enum auth_result
check_host(struct spf_ctx *cx, const char *domain, unsigned depth,
    bool want_exp, struct level *lv)
{
	const struct spf_record *rec;
	const struct spf_term *t;
	const char *text = NULL, *why = NULL;
	enum auth_result rc;
	char *target;
	size_t len = 0, i;

	assert(depth <= SPF_MAX_DEPTH);
	lv->result = AUTH_NONE;
	lv->mechanism = NULL;
	lv->explanation = NULL;
	cx->env.domain = domain;

	/* 4.3: a malformed domain has no policy. */
	if (!domain_ok(domain)) {
		problem(cx, "'%s' is not a valid domain name", domain);
		return lv->result = AUTH_NONE;
	}
	if ((rc = fetch_record(cx, domain, &text, &len)) != AUTH_PASS)
		return lv->result = rc;
	/* 4.6: a syntax error anywhere fails the whole record first. */
	if ((rec = spf_record_parse(cx->arena, text, len, &why)) == NULL) {
		if (why == NULL)
			cx->oom = true;
		problem(cx, "%s", arena_printf(cx->arena, "%s: %s", domain,
		    why ? why : "out of memory"));
		return lv->result = AUTH_PERMERROR;
	}
	prefetch(cx, rec);

	for (i = 0; i < rec->n; i++) {
		t = &rec->terms[i];
		cx->env.domain = domain;
		switch (eval_term(cx, t, depth)) {
		case MATCH_NO:
			continue;
		case MATCH_TEMPERROR:
			return lv->result = AUTH_TEMPERROR;
		case MATCH_PERMERROR:
			return lv->result = AUTH_PERMERROR;
		case MATCH_YES:
			break;
		}
		cx->env.domain = domain;
		lv->result = t->qualifier;
		lv->mechanism = arena_strndup(cx->arena, t->text, t->text_len);
		if (lv->result == AUTH_FAIL && want_exp)
			lv->explanation = explain(cx, rec);
		return lv->result;
	}

	/* 6.1: redirect only when no mechanism matched. */
	if (rec->redirect != NULL) {
		cx->env.domain = domain;
		if (!count_lookup(cx, NULL))
			return lv->result = AUTH_PERMERROR;
		if ((target = expand_domain(cx, rec->redirect,
		    rec->redirect_len)) == NULL) {
			problem(cx, "macro expansion failed in redirect of %s",
			    domain);
			return lv->result = AUTH_PERMERROR;
		}
		/* 6.1: exp= of this record no longer applies. */
		rc = check_host(cx, target, depth + 1, want_exp, lv);
		if (rc == AUTH_NONE) {
			problem(cx, "redirect=%s has no SPF record", target);
			return lv->result = AUTH_PERMERROR;
		}
		return rc;
	}
	/* 4.7: nothing matched. */
	return lv->result = AUTH_NEUTRAL;
}

/*
 * Public entry points.
 */

static const char *
after_at(const char *s)
{
	const char *at = strrchr(s, '@');

	return at != NULL ? at + 1 : s;
}

int
spf_check_host(struct dns_batch *dns, struct arena *a, const char *ip,
    const char *domain, const char *sender, const char *helo,
    struct spf_result *res)
{
	struct spf_ctx cx;
	struct level lv;
	const char *at;

	memset(res, 0, sizeof(*res));
	memset(&cx, 0, sizeof(cx));
	res->result = AUTH_TEMPERROR;
	res->domain = domain;
	if (dns == NULL || a == NULL || ip == NULL || domain == NULL) {
		res->problem = "nothing to check";
		return -1;
	}
	cx.dns = dns;
	cx.arena = a;
	if (parse_ip(ip, &cx.env.family, cx.env.ip) == -1) {
		res->result = AUTH_NONE;
		res->problem = "the client address is not an IP address";
		return -1;
	}
	/* 4.3: an empty local-part reads as "postmaster". */
	if (sender == NULL || sender[0] == '\0')
		sender = domain;
	if ((at = strrchr(sender, '@')) != NULL && at > sender) {
		cx.env.local = arena_strndup(a, sender, (size_t)(at - sender));
		cx.env.sender_domain = at + 1;
		cx.env.sender = sender;
	} else {
		cx.env.local = "postmaster";
		cx.env.sender_domain = after_at(sender);
		cx.env.sender = arena_printf(a, "postmaster@%s",
		    cx.env.sender_domain);
	}
	cx.env.helo = helo;
	cx.env.receiver = NULL;
	cx.env.now = time(NULL);
	cx.env.validated = validated_for;
	cx.env.validated_arg = &cx;
	if (cx.env.local == NULL || cx.env.sender == NULL) {
		res->problem = "out of memory";
		return -1;
	}
	res->sender = cx.env.sender;

	res->result = check_host(&cx, domain, 0, true, &lv);
	res->mechanism = lv.mechanism;
	res->explanation = lv.explanation;
	res->problem = cx.problem;
	res->lookups = cx.lookups;
	res->void_lookups = cx.voids;
	if (res->result == AUTH_FAIL && res->explanation == NULL)
		res->explanation = "not authorised";
	if (cx.oom || arena_exhausted(a)) {
		/* A verdict cut short by memory is never pass. */
		res->result = AUTH_TEMPERROR;
		res->problem = "out of memory";
		return -1;
	}
	return 0;
}

int
spf_verify_envelope(struct dns_batch *dns, struct arena *a, const char *ip,
    const char *mail_from, const char *helo, struct spf_result *res)
{
	const char *sender, *domain;
	size_t n;
	char *mf;
	int rc;

	if (mail_from != NULL && mail_from[0] != '\0') {
		/* Tolerate the angle brackets of the SMTP command. */
		n = strlen(mail_from);
		if (n >= 2 && mail_from[0] == '<' && mail_from[n - 1] == '>') {
			if ((mf = arena_strndup(a, mail_from + 1, n - 2)) ==
			    NULL)
				goto oom;
			mail_from = mf;
		}
	}
	if (mail_from != NULL && mail_from[0] != '\0') {
		/* 2.4: the MAIL FROM identity. */
		sender = mail_from;
		domain = after_at(mail_from);
		rc = spf_check_host(dns, a, ip, domain, sender, helo, res);
		res->identity = "mailfrom";
		return rc;
	}
	/* 2.3, 2.4: a null reverse-path is checked as postmaster@HELO. */
	if (helo == NULL || helo[0] == '\0') {
		memset(res, 0, sizeof(*res));
		res->result = AUTH_NONE;
		res->identity = "helo";
		res->problem = "no MAIL FROM and no HELO name to check";
		return 0;
	}
	if ((sender = arena_printf(a, "postmaster@%s", helo)) == NULL)
		goto oom;
	rc = spf_check_host(dns, a, ip, helo, sender, helo, res);
	res->identity = "helo";
	return rc;
oom:
	memset(res, 0, sizeof(*res));
	res->result = AUTH_TEMPERROR;
	res->problem = "out of memory";
	return -1;
}

/*
 * The record grammar (4.5, 4.6.1, 5, 6, 12).
 */

bool
spf_record_is_v1(const char *text, size_t len)
{
	/* 4.5: "v=spf1" then a space or the end, any case. */
	return len >= 6 && str_ieqn(text, 6, "v=spf1", 6) &&
	    (len == 6 || text[6] == ' ');
}

/* 7.1: toplabel = *alphanum ALPHA *alphanum / 1*alphanum "-" ... */
static bool
toplabel_ok(const char *s, size_t len)
{
	bool alpha = false, dash = false;
	size_t i;

	if (len == 0 || !is_alnum((unsigned char)s[0]) ||
	    !is_alnum((unsigned char)s[len - 1]))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] == '-')
			dash = true;
		else if (is_alpha((unsigned char)s[i]))
			alpha = true;
		else if (!is_digit((unsigned char)s[i]))
			return false;
	}
	return alpha || dash;
}

/* 7.1: domain-spec = macro-string domain-end. */
static const char *
domain_spec_check(const char *s, size_t len)
{
	const char *why;
	bool ends_macro;
	size_t e, dot;

	if (len == 0)
		return "empty domain-spec";
	if ((why = spf_macro_check(s, len, false, &ends_macro)) != NULL)
		return why;
	if (ends_macro)
		return NULL;
	e = len;
	if (s[e - 1] == '.')
		e--;
	for (dot = e; dot > 0 && s[dot - 1] != '.'; dot--)
		;
	if (dot == 0)
		return "domain-spec does not end in a top-level label";
	if (!toplabel_ok(s + dot, e - dot))
		return "domain-spec ends in an invalid top-level label";
	return NULL;
}

/* "/" 1*DIGIT without leading zeros, at most max. */
static int
parse_cidr(const char *s, size_t len, int max)
{
	long long v;

	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return -1;
	if ((v = str_to_ll(s, len, max)) < 0)
		return -1;
	return (int)v;
}

/* 12: ip4-network, four qnums without leading zeros. */
static bool
parse_ip4(const char *s, size_t len, unsigned char out[4])
{
	size_t i = 0, start;
	unsigned part = 0, v;

	while (part < 4) {
		start = i;
		v = 0;
		while (i < len && is_digit((unsigned char)s[i]) &&
		    i - start < 3) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
		}
		if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
			return false;
		out[part++] = (unsigned char)v;
		if (part < 4) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
	}
	return i == len;
}

static bool
parse_ip6(const char *s, size_t len, unsigned char out[16])
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1;
}

/*
 * Splits a trailing dual-cidr-length ("/24", "//64", "/24//64") off the
 * argument of a or mx; the domain-spec is what remains.
 */
static const char *
split_dual_cidr(const char *s, size_t *len, int *c4, int *c6)
{
	size_t e = *len, k;

	*c4 = *c6 = -1;
	for (k = e; k > 0 && is_digit((unsigned char)s[k - 1]); k--)
		;
	if (k < e && k >= 2 && s[k - 1] == '/' && s[k - 2] == '/') {
		if ((*c6 = parse_cidr(s + k, e - k, 128)) < 0)
			return "bad IPv6 prefix length";
		e = k - 2;
	}
	for (k = e; k > 0 && is_digit((unsigned char)s[k - 1]); k--)
		;
	if (k < e && k >= 1 && s[k - 1] == '/') {
		if ((*c4 = parse_cidr(s + k, e - k, 32)) < 0)
			return "bad IPv4 prefix length";
		e = k - 1;
	}
	*len = e;
	return NULL;
}

static const char *
parse_ipnet(struct spf_term *t, const char *arg, size_t len, bool v6)
{
	size_t slash;
	int c;

	for (slash = len; slash > 0 && arg[slash - 1] != '/'; slash--)
		;
	if (slash > 0) {
		/* A single prefix length: "//" is the a/mx form only. */
		if (slash >= 2 && arg[slash - 2] == '/')
			return "dual prefix length on ip4/ip6";
		if ((c = parse_cidr(arg + slash, len - slash, v6 ? 128 : 32)) <
		    0)
			return "bad prefix length";
		if (v6)
			t->cidr6 = c;
		else
			t->cidr4 = c;
		len = slash - 1;
	}
	if (v6 ? !parse_ip6(arg, len, t->addr) : !parse_ip4(arg, len, t->addr))
		return v6 ? "bad IPv6 network" : "bad IPv4 network";
	return NULL;
}

static const char *
parse_modifier(struct spf_record *rec, const char *name, size_t nlen,
    const char *val, size_t vlen)
{
	const char *why;

	if (str_ieq(name, nlen, "redirect") || str_ieq(name, nlen, "exp")) {
		bool redir = name[0] == 'r' || name[0] == 'R';

		/* 6: each at most once. */
		if (redir ? rec->redirect != NULL : rec->exp != NULL)
			return redir ? "redirect= given twice" :
			    "exp= given twice";
		if ((why = domain_spec_check(val, vlen)) != NULL)
			return why;
		if (redir) {
			rec->redirect = val;
			rec->redirect_len = vlen;
		} else {
			rec->exp = val;
			rec->exp_len = vlen;
		}
		return NULL;
	}
	/* 6: unknown modifiers are ignored, but must be well-formed. */
	return spf_macro_check(val, vlen, true, NULL);
}

static const char *
parse_term(struct spf_record *rec, const char *s, size_t len)
{
	static const struct {
		const char	*name;
		enum spf_mech	 mech;
	} mechs[] = {
		{ "all", SPF_MECH_ALL }, { "include", SPF_MECH_INCLUDE },
		{ "a", SPF_MECH_A }, { "mx", SPF_MECH_MX },
		{ "ptr", SPF_MECH_PTR }, { "ip4", SPF_MECH_IP4 },
		{ "ip6", SPF_MECH_IP6 }, { "exists", SPF_MECH_EXISTS },
	};
	struct spf_term *t;
	const char *arg, *why;
	size_t i, n, alen;

	/* 12: name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) "=" */
	if (is_alpha((unsigned char)s[0])) {
		for (i = 1; i < len && (is_alnum((unsigned char)s[i]) ||
		    s[i] == '-' || s[i] == '_' || s[i] == '.'); i++)
			;
		if (i < len && s[i] == '=')
			return parse_modifier(rec, s, i, s + i + 1,
			    len - i - 1);
	}

	t = &rec->terms[rec->n];
	memset(t, 0, sizeof(*t));
	t->text = s;
	t->text_len = len;
	t->cidr4 = t->cidr6 = -1;
	t->qualifier = AUTH_PASS;
	i = 0;
	switch (s[0]) {
	case '+': t->qualifier = AUTH_PASS; i = 1; break;
	case '-': t->qualifier = AUTH_FAIL; i = 1; break;
	case '~': t->qualifier = AUTH_SOFTFAIL; i = 1; break;
	case '?': t->qualifier = AUTH_NEUTRAL; i = 1; break;
	}
	for (n = i; n < len && s[n] != ':' && s[n] != '/'; n++)
		;
	for (size_t m = 0; m < sizeof(mechs) / sizeof(mechs[0]); m++)
		if (str_ieq(s + i, n - i, mechs[m].name)) {
			t->mech = mechs[m].mech;
			goto known;
		}
	return "unknown mechanism";
known:
	arg = s + n;
	alen = len - n;
	switch (t->mech) {
	case SPF_MECH_ALL:
		if (alen != 0)
			return "'all' takes no argument";
		break;
	case SPF_MECH_INCLUDE:
	case SPF_MECH_EXISTS:
		if (alen == 0 || arg[0] != ':')
			return "include/exists need ':' and a domain";
		if ((why = domain_spec_check(arg + 1, alen - 1)) != NULL)
			return why;
		t->spec = arg + 1;
		t->spec_len = alen - 1;
		break;
	case SPF_MECH_A:
	case SPF_MECH_MX:
		if ((why = split_dual_cidr(arg, &alen, &t->cidr4,
		    &t->cidr6)) != NULL)
			return why;
		/* FALLTHROUGH */
	case SPF_MECH_PTR:
		if (alen == 0)
			break;
		if (arg[0] != ':')
			return "unexpected text after a mechanism";
		if ((why = domain_spec_check(arg + 1, alen - 1)) != NULL)
			return why;
		t->spec = arg + 1;
		t->spec_len = alen - 1;
		break;
	case SPF_MECH_IP4:
	case SPF_MECH_IP6:
		if (alen < 2 || arg[0] != ':')
			return "ip4/ip6 need ':' and an address";
		if ((why = parse_ipnet(t, arg + 1, alen - 1,
		    t->mech == SPF_MECH_IP6)) != NULL)
			return why;
		break;
	}
	if (t->mech == SPF_MECH_ALL)
		rec->has_all = true;
	rec->n++;
	return NULL;
}

struct spf_record *
spf_record_parse(struct arena *a, const char *text, size_t len,
    const char **problem_out)
{
	struct spf_record *rec;
	const char *why;
	size_t i, start, nterms = 0;

	*problem_out = NULL;
	if (len > SPF_MAX_RECORD) {
		*problem_out = "record too long";
		return NULL;
	}
	if (!spf_record_is_v1(text, len)) {
		*problem_out = "not an SPF version 1 record";
		return NULL;
	}
	/* 3.1, 4.6.1: printable ASCII, terms separated by spaces only. */
	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 ||
		    (unsigned char)text[i] > 0x7e) {
			*problem_out = "control or non-ASCII character";
			return NULL;
		}
	for (i = 6; i < len; i++)
		if (text[i] != ' ' && text[i - 1] == ' ')
			nterms++;
	if (nterms > SPF_MAX_TERMS) {
		*problem_out = "too many terms";
		return NULL;
	}
	if ((rec = arena_alloc(a, sizeof(*rec))) == NULL ||
	    (nterms > 0 && (rec->terms = arena_calloc(a, nterms,
	    sizeof(*rec->terms))) == NULL))
		return NULL;
	for (i = 6; i < len; ) {
		if (text[i] == ' ') {
			i++;
			continue;
		}
		for (start = i; i < len && text[i] != ' '; i++)
			;
		if ((why = parse_term(rec, text + start, i - start)) != NULL) {
			*problem_out = why;
			return NULL;
		}
	}
	return rec;
}
