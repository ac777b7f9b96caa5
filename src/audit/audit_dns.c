/*
 * audit_dns.c - what a domain publishes in the DNS for its mail: MX,
 * SPF, DMARC, DKIM keys, TLS-RPT and BIMI.
 *
 * RFCs: 7208 (SPF: 4.5 one record, 4.6.4 ten lookups, 5.1 all, 5.5 ptr
 * not to be used), 9989 / 7489 (DMARC; 7489 7.1 and RFC 9990 for the
 * authorisation of external report destinations), 6376 3.6.1 and 8301
 * (DKIM keys and their sizes), 8460 3 (TLS-RPT record), 7505 (null MX).
 * BIMI follows the IETF draft (draft-brand-indicators-for-message-
 * identification): "v=BIMI1; l=<https svg>; a=<https pem>".
 *
 * The record parsers are auth/'s (spf_record_parse, dmarc_record_parse,
 * dkim_key_parse); this file only judges what they return.  Every
 * string of a finding lives in the report's arena.
 */
#include <string.h>

#include "audit.h"
#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/orgdomain.h"
#include "auth/spf.h"
#include "dns/dns.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define SPF_WALK_MAX_DEPTH	10	/* includes within includes */
#define RUA_MAX_URIS		8
#define FIX_MAX			4096

static const char *const common_selectors[] = {
	"default", "selector1", "selector2", "google", "k1", "mail",
	"dkim", "s1", "s2",
};

static bool
dns_failed(const struct dns_result *res)
{
	return res->status == DNS_SERVFAIL || res->status == DNS_TIMEOUT ||
	    res->status == DNS_ERROR;
}

/* In the order senders try them (RFC 5321 5.1): lowest preference first. */
static void
sort_mx(struct audit_report *r)
{
	struct audit_mx t;
	size_t i, j;

	for (i = 1; i < r->n_mx; i++)
		for (j = i; j > 0 && r->mx[j - 1].pref > r->mx[j].pref; j--) {
			t = r->mx[j];
			r->mx[j] = r->mx[j - 1];
			r->mx[j - 1] = t;
		}
}

/* MX (RFC 5321 5.1; RFC 7505 null MX). */
void
audit_mx(struct audit_report *r, struct dns_batch *b)
{
	const struct dns_result *res, *a;
	struct buf list;
	size_t i;

	res = dns_lookup(b, r->domain, DNS_T_MX);
	if (res->status == DNS_NXDOMAIN) {
		audit_add(r, "mx", "mx.nxdomain", AUDIT_CRITICAL, NULL,
		    r->domain);
		return;
	}
	if (dns_failed(res)) {
		audit_add(r, "mx", "mx.dns_error", AUDIT_CRITICAL, NULL,
		    dns_status_name(res->status));
		return;
	}
	if (res->status == DNS_NODATA) {
		audit_add(r, "mx", "mx.none", AUDIT_WARNING,
		    arena_printf(r->arena, "%s. IN MX 10 mail.%s.",
		    r->domain, r->domain), r->domain);
		return;
	}
	buf_init(&list, FIX_MAX);
	for (i = 0; i < res->n && r->n_mx < AUDIT_MAX_MX; i++) {
		struct audit_mx *m;

		if (res->rr[i].u.mx.host[0] == '\0') {
			audit_add(r, "mx", "mx.null", AUDIT_INFO, NULL,
			    r->domain);
			buf_free(&list);
			return;
		}
		m = &r->mx[r->n_mx];
		if ((m->host = arena_strdup(r->arena, res->rr[i].u.mx.host)) ==
		    NULL)
			break;
		r->n_mx++;
		str_lower((char *)m->host);
		m->pref = res->rr[i].u.mx.pref;
		a = dns_lookup(b, m->host, DNS_T_A);
		if (a->status == DNS_OK && a->n > 0)
			m->addr = arena_printf(r->arena, "%u.%u.%u.%u",
			    a->rr[0].u.a[0], a->rr[0].u.a[1], a->rr[0].u.a[2],
			    a->rr[0].u.a[3]);
		else
			audit_add(r, "mx", "mx.no_address", AUDIT_CRITICAL,
			    NULL, m->host, dns_status_name(a->status));
	}
	sort_mx(r);
	buf_reset(&list);
	for (i = 0; i < r->n_mx; i++)
		buf_printf(&list, "%s%s (%u)", i ? ", " : "", r->mx[i].host,
		    r->mx[i].pref);
	audit_add(r, "mx", "mx.ok", AUDIT_OK, NULL,
	    list.data ? list.data : "");
	buf_free(&list);
}

/* --- SPF ------------------------------------------------------------ */

struct spf_walk {
	unsigned	 lookups;
	const char	*dead[16];	/* includes without a record */
	size_t		 n_dead;
};

static const struct spf_record *
spf_fetch(struct audit_report *r, struct dns_batch *b, const char *domain,
    const struct dns_result **resp, size_t *n, const char **problem)
{
	const char *text;

	*resp = dns_lookup(b, domain, DNS_T_TXT);
	text = audit_txt_pick(r, *resp, "v=spf1", n);
	if (text == NULL || *n != 1)
		return NULL;
	return spf_record_parse(r->arena, text, strlen(text), problem);
}

static char *
spec_dup(struct audit_report *r, const char *s, size_t len)
{
	/* A spec with macros depends on the message: nothing to follow. */
	if (memchr(s, '%', len) != NULL)
		return NULL;
	return arena_strndup(r->arena, s, len);
}

/*
 * Counts the terms that cost DNS lookups (RFC 7208 4.6.4) through
 * includes and redirects, reporting includes that lead nowhere.
 * Returns the effective "all" qualifier of rec (AUTH_NONE when the
 * record has no all and no redirect: neutral by 4.7).
 */
static enum auth_result
spf_walk(struct audit_report *r, struct dns_batch *b,
    const struct spf_record *rec, struct spf_walk *w, unsigned depth)
{
	const struct spf_record *sub;
	const struct dns_result *res;
	enum auth_result eff = AUTH_NONE;
	const char *problem = NULL;
	char *target;
	size_t i, n;

	for (i = 0; i < rec->n; i++) {
		const struct spf_term *t = &rec->terms[i];

		switch (t->mech) {
		case SPF_MECH_ALL:
			eff = t->qualifier;
			continue;
		case SPF_MECH_IP4:
		case SPF_MECH_IP6:
			continue;
		case SPF_MECH_PTR:
			w->lookups++;
			if (depth == 0)
				audit_add(r, "spf", "spf.ptr", AUDIT_WARNING,
				    NULL);
			continue;
		case SPF_MECH_A:
		case SPF_MECH_MX:
		case SPF_MECH_EXISTS:
			w->lookups++;
			continue;
		case SPF_MECH_INCLUDE:
			w->lookups++;
			break;
		}
		/*
		 * Past the limit every receiver has given up already; going
		 * on would only let records that include each other make
		 * the walk grow without end.
		 */
		if ((target = spec_dup(r, t->spec, t->spec_len)) == NULL ||
		    depth >= SPF_WALK_MAX_DEPTH ||
		    w->lookups > SPF_MAX_LOOKUPS)
			continue;
		sub = spf_fetch(r, b, target, &res, &n, &problem);
		if (dns_failed(res)) {
			audit_add(r, "spf", "spf.include_dns", AUDIT_WARNING,
			    NULL, target, dns_status_name(res->status));
		} else if (n == 0) {
			/* RFC 7208 5.2: permerror for every receiver. */
			if (w->n_dead < sizeof(w->dead) / sizeof(w->dead[0]))
				w->dead[w->n_dead++] = target;
			audit_add(r, "spf", "spf.include_missing",
			    AUDIT_CRITICAL, NULL, target,
			    dns_status_name(res->status));
		} else if (sub == NULL) {
			audit_add(r, "spf", "spf.include_syntax",
			    AUDIT_CRITICAL, NULL, target,
			    n > 1 ? "several SPF records" : problem);
		} else {
			(void)spf_walk(r, b, sub, w, depth + 1);
		}
	}
	if (rec->has_all || rec->redirect == NULL)
		return eff;
	/* 6.1: redirect counts and takes over when there is no all. */
	w->lookups++;
	if ((target = spec_dup(r, rec->redirect, rec->redirect_len)) == NULL ||
	    depth >= SPF_WALK_MAX_DEPTH || w->lookups > SPF_MAX_LOOKUPS)
		return AUTH_NEUTRAL;
	sub = spf_fetch(r, b, target, &res, &n, &problem);
	if (sub == NULL) {
		audit_add(r, "spf", "spf.redirect_missing", AUDIT_CRITICAL,
		    NULL, target, dns_failed(res) ?
		    dns_status_name(res->status) : n > 1 ?
		    "several SPF records" : n == 1 ? problem :
		    "no SPF record");
		return AUTH_PERMERROR;
	}
	return spf_walk(r, b, sub, w, depth + 1);
}

static bool
is_dead(const struct spf_walk *w, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < w->n_dead; i++)
		if (str_ieqn(s, len, w->dead[i], strlen(w->dead[i])))
			return true;
	return false;
}

/* The record as it should read: dead includes and ptr out, "-all". */
static char *
spf_suggest(struct audit_report *r, const struct spf_record *rec,
    const struct spf_walk *w)
{
	struct buf s;
	char *out;
	size_t i;

	buf_init(&s, FIX_MAX);
	buf_adds(&s, "v=spf1");
	for (i = 0; rec != NULL && i < rec->n; i++) {
		const struct spf_term *t = &rec->terms[i];

		if (t->mech == SPF_MECH_ALL || t->mech == SPF_MECH_PTR ||
		    (t->mech == SPF_MECH_INCLUDE &&
		    is_dead(w, t->spec, t->spec_len)))
			continue;
		buf_addc(&s, ' ');
		buf_add(&s, t->text, t->text_len);
	}
	if (rec != NULL && rec->n == 0 && rec->redirect != NULL) {
		buf_adds(&s, " redirect=");
		buf_add(&s, rec->redirect, rec->redirect_len);
	} else {
		if (rec == NULL)
			buf_adds(&s, " mx");
		buf_adds(&s, " -all");
	}
	out = audit_txt_fix(r, r->domain, s.data ? s.data : "");
	buf_free(&s);
	return out;
}

void
audit_spf(struct audit_report *r, struct dns_batch *b)
{
	const struct dns_result *res;
	const struct spf_record *rec;
	struct spf_walk w = { 0 };
	enum auth_result eff;
	const char *problem = "syntax error", *text;
	char num[32];
	size_t n;

	res = dns_lookup(b, r->domain, DNS_T_TXT);
	if (dns_failed(res)) {
		audit_add(r, "spf", "spf.dns_error", AUDIT_CRITICAL, NULL,
		    dns_status_name(res->status));
		return;
	}
	text = audit_txt_pick(r, res, "v=spf1", &n);
	if (n == 0) {
		audit_add(r, "spf", "spf.missing", AUDIT_CRITICAL,
		    spf_suggest(r, NULL, &w), r->domain);
		return;
	}
	if (n > 1) {
		/* RFC 7208 4.5: more than one record is a permerror. */
		audit_add(r, "spf", "spf.multiple", AUDIT_CRITICAL, NULL,
		    arena_printf(r->arena, "%zu", n));
		return;
	}
	if ((rec = spf_record_parse(r->arena, text, strlen(text),
	    &problem)) == NULL) {
		audit_add(r, "spf", "spf.syntax", AUDIT_CRITICAL, NULL, text,
		    problem);
		return;
	}
	audit_add(r, "spf", "spf.record", AUDIT_INFO, NULL, text);
	eff = spf_walk(r, b, rec, &w, 0);
	snprintf(num, sizeof(num), "%u", w.lookups);
	if (w.lookups > SPF_MAX_LOOKUPS)
		audit_add(r, "spf", "spf.too_many_lookups", AUDIT_CRITICAL,
		    NULL, num);
	else
		audit_add(r, "spf", "spf.lookups_ok", AUDIT_OK, NULL, num);
	switch (eff) {
	case AUTH_FAIL:
		audit_add(r, "spf", "spf.all_fail", AUDIT_OK, NULL);
		break;
	case AUTH_SOFTFAIL:
		audit_add(r, "spf", "spf.all_softfail", AUDIT_INFO,
		    spf_suggest(r, rec, &w));
		break;
	case AUTH_PASS:
		audit_add(r, "spf", "spf.all_pass", AUDIT_CRITICAL,
		    spf_suggest(r, rec, &w));
		break;
	case AUTH_NEUTRAL:
		audit_add(r, "spf", "spf.all_neutral", AUDIT_WARNING,
		    spf_suggest(r, rec, &w), "?all");
		break;
	case AUTH_PERMERROR:
		break;
	default:
		audit_add(r, "spf", "spf.all_missing", AUDIT_WARNING,
		    spf_suggest(r, rec, &w));
		break;
	}
	if (w.n_dead > 0 && eff != AUTH_PASS)
		audit_add(r, "spf", "spf.fix_includes", AUDIT_INFO,
		    spf_suggest(r, rec, &w));
}

/* --- DMARC ---------------------------------------------------------- */

static const char *
org_of(struct audit_report *r, const char *domain)
{
	char *o = orgdomain_psl(r->arena, domain);

	return o != NULL ? o : domain;
}

/*
 * RFC 9990 (and RFC 7489 7.1): a report destination in another
 * Organizational Domain must consent with a record at
 * DOMAIN._report._dmarc.DEST.
 */
static void
dmarc_check_uris(struct audit_report *r, struct dns_batch *b,
    const char *policy_domain, const char *tag, const char *list)
{
	const char *p = list, *end, *at, *stop;
	const char *own = org_of(r, r->domain);
	const struct dns_result *res;
	unsigned count = 0;
	char *dest, *name;
	size_t n;

	while (*p != '\0' && count++ < RUA_MAX_URIS) {
		while (*p == ' ' || *p == ',')
			p++;
		end = p + strcspn(p, ",");
		if (!str_iprefix(p, (size_t)(end - p), "mailto:")) {
			if (end > p)
				audit_add(r, "dmarc", "dmarc.uri_scheme",
				    AUDIT_WARNING, NULL, tag,
				    arena_strndup(r->arena, p,
				    (size_t)(end - p)));
			p = end;
			continue;
		}
		stop = p + strcspn(p, ",!");
		at = memchr(p, '@', (size_t)(stop - p));
		if (at == NULL || at + 1 >= stop) {
			audit_add(r, "dmarc", "dmarc.uri_bad", AUDIT_WARNING,
			    NULL, tag, arena_strndup(r->arena, p,
			    (size_t)(end - p)));
			p = end;
			continue;
		}
		{
			const char *d = at + 1;
			size_t dlen = (size_t)(stop - at - 1);

			str_trim(&d, &dlen);
			dest = arena_strndup(r->arena, d, dlen);
		}
		str_lower(dest);
		if (strcmp(org_of(r, dest), own) == 0) {
			p = end;
			continue;
		}
		name = arena_printf(r->arena, "%s._report._dmarc.%s",
		    policy_domain, dest);
		res = dns_lookup(b, name, DNS_T_TXT);
		(void)audit_txt_pick(r, res, "v=DMARC1", &n);
		if (n > 0)
			audit_add(r, "dmarc", "dmarc.external_ok", AUDIT_OK,
			    NULL, tag, dest);
		else
			audit_add(r, "dmarc", "dmarc.external_unauthorised",
			    AUDIT_WARNING, audit_txt_fix(r, name, "v=DMARC1"),
			    tag, dest, policy_domain);
		p = end;
	}
}

static char *
dmarc_suggest(struct audit_report *r, const struct dmarc_record *d)
{
	const char *rua = d && d->rua ? d->rua : NULL;
	char *name = arena_printf(r->arena, "_dmarc.%s", r->domain);

	if (rua == NULL)
		rua = arena_printf(r->arena, "mailto:dmarc-reports@%s",
		    r->domain);
	return audit_txt_fix(r, name, arena_printf(r->arena,
	    "v=DMARC1; p=reject; rua=%s", rua));
}

void
audit_dmarc(struct audit_report *r, struct dns_batch *b)
{
	const struct dns_result *res;
	struct dmarc_record d;
	const char *text, *problem = "syntax error", *org = NULL;
	char *name = arena_printf(r->arena, "_dmarc.%s", r->domain);
	size_t n;

	res = dns_lookup(b, name, DNS_T_TXT);
	if (dns_failed(res)) {
		audit_add(r, "dmarc", "dmarc.dns_error", AUDIT_CRITICAL, NULL,
		    dns_status_name(res->status));
		return;
	}
	text = audit_txt_pick(r, res, "v=DMARC1", &n);
	if (n == 0 && strcmp(org_of(r, r->domain), r->domain) != 0) {
		/* RFC 9989 4.10: the Organizational Domain's record applies. */
		org = org_of(r, r->domain);
		res = dns_lookup(b, arena_printf(r->arena, "_dmarc.%s", org),
		    DNS_T_TXT);
		text = audit_txt_pick(r, res, "v=DMARC1", &n);
	}
	if (n == 0) {
		audit_add(r, "dmarc", "dmarc.missing", AUDIT_CRITICAL,
		    dmarc_suggest(r, NULL), r->domain);
		return;
	}
	if (n > 1) {
		audit_add(r, "dmarc", "dmarc.multiple", AUDIT_CRITICAL, NULL,
		    arena_printf(r->arena, "%zu", n));
		return;
	}
	if (dmarc_record_parse(r->arena, text, strlen(text), &d,
	    &problem) == -1 || d.p_invalid ||
	    d.p == DMARC_POLICY_UNSPECIFIED) {
		audit_add(r, "dmarc", "dmarc.syntax", AUDIT_CRITICAL,
		    dmarc_suggest(r, NULL), text,
		    d.p_invalid || d.p == DMARC_POLICY_UNSPECIFIED ?
		    "p= missing or unknown" : problem);
		return;
	}
	audit_add(r, "dmarc", "dmarc.record", AUDIT_INFO, NULL, text);
	if (org != NULL) {
		/* A subdomain gets sp= when the record has one. */
		audit_add(r, "dmarc", "dmarc.inherited", AUDIT_INFO, NULL, org);
		if (d.sp != DMARC_POLICY_UNSPECIFIED)
			d.p = d.sp;
		d.sp = DMARC_POLICY_UNSPECIFIED;
	}
	switch (d.p) {
	case DMARC_POLICY_REJECT:
		audit_add(r, "dmarc", "dmarc.p_reject", AUDIT_OK, NULL);
		break;
	case DMARC_POLICY_QUARANTINE:
		audit_add(r, "dmarc", "dmarc.p_quarantine", AUDIT_INFO,
		    dmarc_suggest(r, &d));
		break;
	default:
		audit_add(r, "dmarc", "dmarc.p_none", AUDIT_WARNING,
		    dmarc_suggest(r, &d));
		break;
	}
	if (d.sp != DMARC_POLICY_UNSPECIFIED && d.sp < d.p)
		audit_add(r, "dmarc", "dmarc.sp_weaker", AUDIT_WARNING, NULL,
		    dmarc_policy_name(d.sp), dmarc_policy_name(d.p));
	if (d.pct >= 0 && d.pct < 100)
		audit_add(r, "dmarc", "dmarc.pct", AUDIT_WARNING,
		    dmarc_suggest(r, &d), arena_printf(r->arena, "%d",
		    d.pct));
	else if (d.testing)
		audit_add(r, "dmarc", "dmarc.testing", AUDIT_WARNING,
		    dmarc_suggest(r, &d));
	r->dmarc_enforced = d.p >= DMARC_POLICY_QUARANTINE && !d.testing;
	audit_add(r, "dmarc", "dmarc.alignment", AUDIT_INFO, NULL,
	    d.adkim_strict ? "strict" : "relaxed",
	    d.aspf_strict ? "strict" : "relaxed");
	if (d.rua == NULL)
		audit_add(r, "dmarc", "dmarc.no_rua", AUDIT_WARNING,
		    dmarc_suggest(r, &d));
	else
		dmarc_check_uris(r, b, org ? org : r->domain, "rua",
		    d.rua);
	if (d.ruf != NULL)
		dmarc_check_uris(r, b, org ? org : r->domain, "ruf",
		    d.ruf);
}

/* --- DKIM ----------------------------------------------------------- */

static void
dkim_one(struct audit_report *r, struct dns_batch *b, const char *sel,
    bool given, unsigned *usable)
{
	const struct dns_result *res;
	struct dkim_key k;
	const char *why = NULL, *text;
	char *name = arena_printf(r->arena, "%s._domainkey.%s", sel,
	    r->domain);
	char *fix, *desc;
	size_t n;

	res = dns_lookup(b, name, DNS_T_TXT);
	if (dns_failed(res)) {
		audit_add(r, "dkim", "dkim.dns_error", AUDIT_WARNING, NULL,
		    sel, dns_status_name(res->status));
		return;
	}
	if (res->status != DNS_OK || res->n == 0) {
		if (given)
			audit_add(r, "dkim", "dkim.selector_missing",
			    AUDIT_CRITICAL, NULL, sel, name);
		return;
	}
	/* The key record is the TXT at the name (RFC 6376 3.6.2.2). */
	text = arena_strndup(r->arena, res->rr[0].u.txt.text,
	    res->rr[0].u.txt.len);
	(void)n;
	memset(&k, 0, sizeof(k));
	fix = audit_txt_fix(r, arena_printf(r->arena, "%s2._domainkey.%s",
	    sel, r->domain), "v=DKIM1; k=rsa; p=<base64 of the new 2048-bit "
	    "public key>");
	if (dkim_key_parse(text, strlen(text), &k, &why) == -1) {
		audit_add(r, "dkim", "dkim.bad_record", AUDIT_CRITICAL, fix,
		    sel, why ? why : "unusable key record");
		dkim_key_clear(&k);
		return;
	}
	if (k.revoked) {
		audit_add(r, "dkim", "dkim.revoked", AUDIT_INFO, NULL, sel);
		dkim_key_clear(&k);
		return;
	}
	desc = k.type == DKIM_KEY_ED25519 ? arena_strdup(r->arena,
	    "ed25519") : arena_printf(r->arena, "rsa %u bits", k.bits);
	if (k.type == DKIM_KEY_RSA && k.bits < DKIM_RSA_MIN_BITS)
		audit_add(r, "dkim", "dkim.key_broken", AUDIT_CRITICAL, fix,
		    sel, desc);
	else if (k.type == DKIM_KEY_RSA && k.bits < 2048)
		audit_add(r, "dkim", "dkim.key_weak", AUDIT_WARNING, fix, sel,
		    desc);
	else
		audit_add(r, "dkim", "dkim.key_ok", AUDIT_OK, NULL, sel, desc);
	if (k.testing)
		audit_add(r, "dkim", "dkim.testing", AUDIT_WARNING,
		    audit_txt_fix(r, name, "v=DKIM1; k=... ; p=... "
		    "(the same record without t=y)"), sel);
	if (k.type == DKIM_KEY_ED25519 || k.bits >= DKIM_RSA_MIN_BITS)
		(*usable)++;
	dkim_key_clear(&k);
}

void
audit_dkim(struct audit_report *r, struct dns_batch *b,
    const struct audit_options *o)
{
	unsigned usable = 0;
	size_t i, j;
	bool dup;

	for (i = 0; i < o->n_selectors; i++)
		dkim_one(r, b, o->selectors[i], true, &usable);
	for (i = 0; i < sizeof(common_selectors) / sizeof(*common_selectors);
	    i++) {
		for (dup = false, j = 0; j < o->n_selectors; j++)
			dup |= strcmp(o->selectors[j],
			    common_selectors[i]) == 0;
		if (!dup)
			dkim_one(r, b, common_selectors[i], false, &usable);
	}
	if (usable == 0)
		audit_add(r, "dkim", "dkim.none_found", AUDIT_WARNING,
		    audit_txt_fix(r, arena_printf(r->arena,
		    "mail._domainkey.%s", r->domain), "v=DKIM1; k=rsa; "
		    "p=<base64 of your 2048-bit public key>"), r->domain);
}

/* --- TLS-RPT and BIMI ----------------------------------------------- */

/*
 * "v=X; tag=value; ..." into up to max tags; false when v= is not
 * first or a tag has no '='.
 */
struct tag {
	const char	*name, *value;
	size_t		 nlen, vlen;
};

static bool
tags_parse(const char *s, struct tag *t, size_t max, size_t *n)
{
	const char *p = s, *end, *eq;
	struct tag x;

	*n = 0;
	while (*p != '\0') {
		end = p + strcspn(p, ";");
		x.name = p;
		x.nlen = (size_t)(end - p);
		str_trim(&x.name, &x.nlen);
		if (x.nlen > 0) {
			if ((eq = memchr(x.name, '=', x.nlen)) == NULL)
				return false;
			x.value = eq + 1;
			x.vlen = (size_t)(x.name + x.nlen - x.value);
			x.nlen = (size_t)(eq - x.name);
			str_trim(&x.name, &x.nlen);
			str_trim(&x.value, &x.vlen);
			if (*n < max)
				t[(*n)++] = x;
		}
		p = *end ? end + 1 : end;
	}
	return *n > 0 && str_ieqn(t[0].name, t[0].nlen, "v", 1);
}

static const struct tag *
tag_find(const struct tag *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (str_ieqn(t[i].name, t[i].nlen, name, strlen(name)))
			return &t[i];
	return NULL;
}

/* RFC 8460 3: "v=TLSRPTv1; rua=mailto:...|https://..." */
void
audit_tlsrpt(struct audit_report *r, struct dns_batch *b)
{
	char *name = arena_printf(r->arena, "_smtp._tls.%s", r->domain);
	char *fix = audit_txt_fix(r, name, arena_printf(r->arena,
	    "v=TLSRPTv1; rua=mailto:tls-reports@%s", r->domain));
	const struct dns_result *res;
	const struct tag *rua;
	struct tag t[16];
	const char *text;
	size_t n, nt;

	res = dns_lookup(b, name, DNS_T_TXT);
	text = audit_txt_pick(r, res, "v=TLSRPTv1", &n);
	if (n == 0) {
		audit_add(r, "tlsrpt", "tlsrpt.missing", AUDIT_INFO, fix);
		return;
	}
	if (n > 1) {
		audit_add(r, "tlsrpt", "tlsrpt.multiple", AUDIT_WARNING, fix);
		return;
	}
	if (!tags_parse(text, t, 16, &nt) ||
	    (rua = tag_find(t, nt, "rua")) == NULL || rua->vlen == 0 ||
	    (!str_iprefix(rua->value, rua->vlen, "mailto:") &&
	    !str_iprefix(rua->value, rua->vlen, "https:"))) {
		audit_add(r, "tlsrpt", "tlsrpt.syntax", AUDIT_WARNING, fix,
		    text);
		return;
	}
	audit_add(r, "tlsrpt", "tlsrpt.ok", AUDIT_OK, NULL,
	    arena_strndup(r->arena, rua->value, rua->vlen));
}

void
audit_bimi(struct audit_report *r, struct dns_batch *b)
{
	char *name = arena_printf(r->arena, "default._bimi.%s", r->domain);
	char *fix = audit_txt_fix(r, name, arena_printf(r->arena,
	    "v=BIMI1; l=https://%s/logo.svg", r->domain));
	const struct dns_result *res;
	const struct tag *l, *a;
	struct tag t[16];
	const char *text;
	size_t n, nt;

	res = dns_lookup(b, name, DNS_T_TXT);
	text = audit_txt_pick(r, res, "v=BIMI1", &n);
	if (n == 0) {
		audit_add(r, "bimi", "bimi.missing", AUDIT_INFO, fix);
		return;
	}
	if (n > 1 || !tags_parse(text, t, 16, &nt) ||
	    (l = tag_find(t, nt, "l")) == NULL) {
		audit_add(r, "bimi", "bimi.syntax", AUDIT_WARNING, fix, text);
		return;
	}
	a = tag_find(t, nt, "a");
	if ((l->vlen > 0 && (!str_iprefix(l->value, l->vlen, "https://") ||
	    !str_isuffix(l->value, l->vlen, ".svg"))) ||
	    (a != NULL && a->vlen > 0 &&
	    !str_iprefix(a->value, a->vlen, "https://"))) {
		audit_add(r, "bimi", "bimi.location", AUDIT_WARNING, fix,
		    text);
		return;
	}
	if (!r->dmarc_enforced)
		audit_add(r, "bimi", "bimi.needs_dmarc", AUDIT_WARNING, NULL);
	else
		audit_add(r, "bimi", "bimi.ok", AUDIT_OK, NULL,
		    arena_strndup(r->arena, l->value, l->vlen));
}
