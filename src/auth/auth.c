/*
 * auth.c - the authentication stage: SPF (RFC 7208), DKIM (RFC 6376),
 * ARC (RFC 8617), DMARC (RFC 9989) over one scan, the summary in
 * scan->auth, the symbols, and our Authentication-Results (RFC 8601).
 *
 * Existing Authentication-Results fields are never trusted; one that
 * claims our authserv-id is a forgery by definition (RFC 8601 5: the
 * border MTA must remove or not trust them) and is reported as
 * AUTHRES_FORGED.
 *
 * A DMARC failure is overridden (RFC 7489 6.7 local policy, RFC 8617 7.2)
 * when the ARC chain validates, its newest sealer is one the
 * configuration trusts (cfg->arc_trusted), and that sealer's
 * ARC-Authentication-Results recorded a DMARC pass, or an SPF or DKIM
 * pass aligned with From, when the message reached it: a list or
 * forwarder we trust vouches for what its changes destroyed.  The
 * disposition becomes none and ARC_TRUSTED_PASS says why.
 *
 * Memory: everything in scan->arena.  Symbols and their arguments: see
 * data/scores and data/explain.en.
 */
#include <string.h>

#include "auth/arc.h"
#include "auth/auth.h"
#include "auth/authres.h"
#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/orgdomain.h"
#include "auth/spf.h"
#include "mime/message.h"
#include "scan/config.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "util/str.h"

/* Properties and resinfos of our own header. */
#define AUTH_MAX_RESINFO	(DMARC_MAX_DKIM + 4)
#define AUTH_MAX_PROPS		4

struct hdr {
	struct authres		 ar;
	struct authres_result	 r[AUTH_MAX_RESINFO];
	struct authres_prop	 p[AUTH_MAX_RESINFO][AUTH_MAX_PROPS];
};

static struct authres_result *
hdr_add(struct hdr *h, const char *method, enum auth_result res,
    const char *comment)
{
	struct authres_result *r;

	if (h->ar.n == AUTH_MAX_RESINFO)
		return NULL;
	r = &h->r[h->ar.n];
	memset(r, 0, sizeof(*r));
	r->method = (char *)method;
	r->method_version = -1;
	r->result = (char *)auth_result_name(res);
	r->comment = (char *)comment;
	r->props = h->p[h->ar.n];
	h->ar.n++;
	return r;
}

static void
hdr_prop(struct authres_result *r, const char *ptype, const char *prop,
    const char *value)
{
	if (r == NULL || value == NULL || *value == '\0' ||
	    r->nprops == AUTH_MAX_PROPS)
		return;
	r->props[r->nprops].ptype = (char *)ptype;
	r->props[r->nprops].property = (char *)prop;
	r->props[r->nprops].value = (char *)value;
	r->nprops++;
}

/* RFC 8601 5: fields naming our authserv-id did not come from us. */
static void
forged_fields(struct scan *s, const char *id)
{
	const struct header *h;
	size_t i;
	char *got;

	if (s->msg == NULL)
		return;
	for (i = 0; (h = message_header(s->msg, "Authentication-Results", i))
	    != NULL; i++) {
		got = authres_authserv_id(s->arena, h->value, h->value_len);
		if (got != NULL && str_ieq(got, strlen(got), id))
			scan_symbol(s, "AUTHRES_FORGED", got);
	}
}

static const char *
spf_symbol(enum auth_result r)
{
	switch (r) {
	case AUTH_PASS:		return "SPF_PASS";
	case AUTH_FAIL:		return "SPF_FAIL";
	case AUTH_SOFTFAIL:	return "SPF_SOFTFAIL";
	case AUTH_NEUTRAL:	return "SPF_NEUTRAL";
	case AUTH_TEMPERROR:	return "SPF_TEMPERROR";
	case AUTH_PERMERROR:	return "SPF_PERMERROR";
	default:		return "SPF_NONE";
	}
}

static void
run_spf(struct scan *s, struct hdr *h, struct spf_result *spf)
{
	struct authres_result *r;

	(void)spf_verify_envelope(s->dns, s->arena, s->env.client_ip,
	    s->env.mail_from, s->env.helo, spf);
	s->auth.spf = spf->result;
	s->auth.spf_domain = spf->domain;
	/* Evidence: the domain, the client, and what went wrong. */
	scan_symbol(s, spf_symbol(spf->result), spf->domain ? spf->domain : "",
	    s->env.client_ip, spf->result == AUTH_FAIL ? spf->explanation :
	    spf->problem);
	r = hdr_add(h, "spf", spf->result, NULL);
	if (spf->identity != NULL && strcmp(spf->identity, "helo") == 0)
		hdr_prop(r, "smtp", "helo", s->env.helo);
	else
		hdr_prop(r, "smtp", "mailfrom", spf->domain);
}

/* The best DKIM result: any pass wins, then the most telling failure. */
static enum auth_result
dkim_best(const struct dkim_results *dk)
{
	static const enum auth_result order[] = {
		AUTH_PASS, AUTH_FAIL, AUTH_TEMPERROR, AUTH_PERMERROR,
		AUTH_POLICY, AUTH_NEUTRAL,
	};
	size_t i, k;

	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (i = 0; i < dk->n; i++)
			if (dk->v[i].result == order[k])
				return order[k];
	return AUTH_NONE;
}

static void
run_dkim(struct scan *s, struct hdr *h, struct dkim_results *dk)
{
	struct authres_result *r;
	const struct dkim_sig *g;
	char *domains = NULL;
	size_t i;

	if (dkim_verify(s->msg, s->dns, s->arena, s->now, dk) == -1) {
		s->failed = true;
		dk->n = 0;
	}
	s->auth.dkim = dkim_best(dk);
	for (i = 0; i < dk->n; i++) {
		g = &dk->v[i];
		r = hdr_add(h, "dkim", g->result, g->result == AUTH_PASS ?
		    NULL : g->reason);
		hdr_prop(r, "header", "d", g->domain);
		hdr_prop(r, "header", "s", g->selector);
		hdr_prop(r, "header", "i", g->identity);
		hdr_prop(r, "header", "b", g->b_prefix);
		if (g->result == AUTH_PASS && g->domain != NULL)
			domains = domains == NULL ?
			    arena_strdup(s->arena, g->domain) :
			    arena_printf(s->arena, "%s, %s", domains,
			    g->domain);
	}
	s->auth.dkim_domains = domains;
	if (dk->n == 0) {
		hdr_add(h, "dkim", AUTH_NONE, NULL);
		scan_symbol(s, "DKIM_NONE");
		return;
	}
	switch (s->auth.dkim) {
	case AUTH_PASS:
		scan_symbol(s, "DKIM_PASS", domains);
		return;
	default:
		break;
	}
	/* The first signature with the deciding result gives evidence. */
	for (i = 0; i < dk->n; i++)
		if (dk->v[i].result == s->auth.dkim)
			break;
	g = &dk->v[i < dk->n ? i : 0];
	scan_symbol(s, s->auth.dkim == AUTH_FAIL ? "DKIM_FAIL" :
	    s->auth.dkim == AUTH_TEMPERROR ? "DKIM_TEMPERROR" :
	    s->auth.dkim == AUTH_PERMERROR ? "DKIM_PERMERROR" : "DKIM_FAIL",
	    g->domain ? g->domain : "", g->selector ? g->selector : "",
	    g->reason);
}

static void
run_arc(struct scan *s, struct hdr *h, struct arc_result *ar)
{
	if (arc_verify(s->msg, s->dns, s->arena, ar) == -1) {
		s->failed = true;
		ar->cv = AUTH_NONE;
		return;
	}
	s->auth.arc = ar->cv;
	if (ar->cv != AUTH_NONE)
		hdr_add(h, "arc", ar->cv, ar->cv == AUTH_PASS ? NULL :
		    ar->reason);
}

static bool
sealer_trusted(const struct scan *s, const char *sealer)
{
	char *const *t;

	if (s->cfg == NULL || s->cfg->arc_trusted == NULL || sealer == NULL)
		return false;
	for (t = s->cfg->arc_trusted; *t != NULL; t++)
		if (str_ieq(sealer, strlen(sealer), *t))
			return true;
	return false;
}

/* Relaxed alignment (RFC 7489 3.1): the same Organizational Domain. */
static bool
aligned(struct arena *a, const char *d, const char *from)
{
	const char *od, *of;

	if (d == NULL || from == NULL)
		return false;
	od = orgdomain_psl(a, d);
	of = orgdomain_psl(a, from);
	return od != NULL && of != NULL && str_ieq(od, strlen(od), of);
}

static const char *
prop(const struct authres_result *r, const char *ptype, const char *name)
{
	size_t i;

	for (i = 0; i < r->nprops; i++)
		if (strcmp(r->props[i].ptype, ptype) == 0 &&
		    strcmp(r->props[i].property, name) == 0)
			return r->props[i].value;
	return NULL;
}

/* The domain of "local@domain" or of a bare domain. */
static const char *
addr_domain(const char *v)
{
	const char *at;

	if (v == NULL)
		return NULL;
	return (at = strrchr(v, '@')) != NULL ? at + 1 : v;
}

/*
 * What an ARC-Authentication-Results field (RFC 8617 4.1.1: "i=N;" and
 * then an Authentication-Results payload) says the message had when it
 * arrived, if that makes it authentic for the From domain: "dmarc=pass",
 * or an aligned "dkim=pass header.d=..." / "spf=pass smtp.mailfrom=...".
 * NULL when it vouches for nothing.
 */
static const char *
aar_vouches(struct arena *a, const struct header *aar, const char *from)
{
	static const char *const methods[] = { "dmarc", "dkim", "spf" };
	const struct authres_result *r;
	const char *semi, *d, *err;
	struct authres ar;
	size_t i, k;

	if (aar == NULL || from == NULL ||
	    (semi = memchr(aar->value, ';', aar->value_len)) == NULL)
		return NULL;
	semi++;
	if (authres_parse(a, semi, aar->value_len -
	    (size_t)(semi - aar->value), &ar, &err) == -1)
		return NULL;
	/* DMARC's own verdict first; an aligned pass is what it rests on. */
	for (k = 0; k < sizeof(methods) / sizeof(methods[0]); k++)
		for (i = 0; i < ar.n; i++) {
			r = &ar.results[i];
			if (r->method == NULL || r->result == NULL ||
			    strcmp(r->method, methods[k]) != 0 ||
			    strcmp(r->result, "pass") != 0)
				continue;
			if (k == 0) {
				/* A pass for another From is none for ours. */
				d = prop(r, "header", "from");
				if (d == NULL || str_ieq(d, strlen(d), from))
					return "dmarc=pass";
			} else if (k == 1) {
				d = prop(r, "header", "d");
				if (aligned(a, d, from))
					return arena_printf(a,
					    "dkim=pass header.d=%s", d);
			} else {
				d = addr_domain(prop(r, "smtp", "mailfrom"));
				if (aligned(a, d, from))
					return arena_printf(a,
					    "spf=pass smtp.mailfrom=%s", d);
			}
		}
	return NULL;
}

/*
 * The sealer that may override a DMARC failure, with what it recorded,
 * or NULL: the chain validates, the newest seal's d= is trusted, and its
 * AAR vouches for the From domain.
 */
static const char *
arc_trusted_pass(struct scan *s, const struct arc_result *ar,
    const char *from, const char **original)
{
	if (ar == NULL || ar->cv != AUTH_PASS || ar->n < 1 ||
	    ar->n > ARC_MAX_INSTANCE || !sealer_trusted(s, ar->sealer[ar->n]))
		return NULL;
	*original = aar_vouches(s->arena, ar->aar[ar->n], from);
	return *original != NULL ? ar->sealer[ar->n] : NULL;
}

static void
run_dmarc(struct scan *s, struct hdr *h, const struct spf_result *spf,
    const struct dkim_results *dk, const struct arc_result *arc)
{
	struct authres_result *r;
	struct dmarc_result d, *kept;
	const char *from, *sym, *sealer = NULL, *original = NULL;

	(void)dmarc_check(s->dns, s->arena, s->msg, s->env.client_ip, spf, dk,
	    s->cfg->dmarc_org_psl ? DMARC_ORG_PSL : DMARC_ORG_TREEWALK, &d);
	if (d.result == AUTH_FAIL && d.from_domain != NULL &&
	    (sealer = arc_trusted_pass(s, arc, d.from_domain, &original)) !=
	    NULL) {
		/* RFC 7489 6.7: local policy overrides the disposition. */
		d.disposition = DMARC_POLICY_NONE;
		s->auth.arc_trusted = true;
	}
	/* The whole result stays with the scan for aggregate reports. */
	if ((kept = arena_alloc(s->arena, sizeof(*kept))) != NULL) {
		*kept = d;
		s->auth.dmarc_detail = kept;
	} else
		s->failed = true;
	s->auth.dmarc = d.result;
	s->auth.dmarc_domain = d.from_domain;
	s->auth.dmarc_policy = d.policy_domain != NULL ?
	    dmarc_policy_name(d.policy) : NULL;
	s->auth.spf_aligned = d.spf_aligned;
	s->auth.dkim_aligned = d.dkim_aligned;
	from = d.from_domain ? d.from_domain : "";
	switch (d.result) {
	case AUTH_PASS:
		scan_symbol(s, "DMARC_PASS", from, d.dkim_aligned ?
		    d.dkim_domain : spf != NULL ? spf->domain : "",
		    d.dkim_aligned ? "dkim" : "spf");
		break;
	case AUTH_FAIL:
		sym = d.disposition == DMARC_POLICY_REJECT ?
		    "DMARC_FAIL_REJECT" : d.disposition ==
		    DMARC_POLICY_QUARANTINE ? "DMARC_FAIL_QUARANTINE" :
		    "DMARC_FAIL_NONE";
		scan_symbol(s, sym, from, dmarc_policy_name(d.policy),
		    d.policy_domain, d.testing ? "testing" : NULL);
		if (sealer != NULL)
			scan_symbol(s, "ARC_TRUSTED_PASS", sealer, original);
		break;
	case AUTH_TEMPERROR:
		scan_symbol(s, "DMARC_TEMPERROR", from, d.problem);
		break;
	case AUTH_PERMERROR:
		scan_symbol(s, "DMARC_PERMERROR", d.problem);
		break;
	default:
		scan_symbol(s, "DMARC_NONE", from);
		break;
	}
	r = hdr_add(h, "dmarc", d.result, d.policy_domain == NULL ? NULL :
	    arena_printf(s->arena, "p=%s dis=%s%s%s%s",
	    dmarc_policy_name(d.policy), dmarc_policy_name(d.disposition),
	    d.testing ? " t=y" : "", sealer != NULL ? " arc-trusted=" : "",
	    sealer != NULL ? sealer : ""));
	hdr_prop(r, "header", "from", d.from_domain);
}

void
auth_run(struct scan *s)
{
	struct spf_result spf, *spfp = NULL;
	struct dkim_results dk, *dkp = NULL;
	struct arc_result arc, *arcp = NULL;
	struct hdr *h;
	const char *id;

	if (s == NULL || s->auth.done)
		return;
	s->auth.spf = s->auth.dkim = s->auth.dmarc = s->auth.arc = AUTH_NONE;
	id = s->cfg != NULL && s->cfg->authserv_id != NULL ?
	    s->cfg->authserv_id : "localhost";
	if ((h = arena_alloc(s->arena, sizeof(*h))) == NULL) {
		s->failed = true;
		return;
	}
	h->ar.authserv_id = (char *)id;
	h->ar.version = -1;
	h->ar.results = h->r;
	forged_fields(s, id);

	if (s->dns != NULL && s->env.client_ip != NULL) {
		run_spf(s, h, &spf);
		spfp = &spf;
	}
	memset(&dk, 0, sizeof(dk));
	if (s->dns != NULL && s->msg != NULL) {
		run_dkim(s, h, &dk);
		dkp = &dk;
	}
	memset(&arc, 0, sizeof(arc));
	if (s->dns != NULL && s->msg != NULL) {
		run_arc(s, h, &arc);
		arcp = &arc;
	}
	if (s->dns != NULL && s->msg != NULL)
		run_dmarc(s, h, spfp, dkp, arcp);

	s->auth.header = authres_format(s->arena, &h->ar, false);
	if (s->auth.header == NULL)
		s->failed = true;
	s->auth.done = true;
}
