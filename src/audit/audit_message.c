/*
 * audit_message.c - a message the domain sent, seen from the receiving
 * side: the SPF, DKIM, DMARC and ARC results the pipeline gave it (the
 * same code every receiver-side front end runs), and for each failure
 * the part of the From domain's setup that causes it and the fix.
 *
 * DMARC (RFC 9989 4.4) is what ties SPF and DKIM to the From domain: a
 * message passes only when one of them passes for a domain aligned with
 * From.  A message without that carries no valid authentication for its
 * From domain, and receivers file it as unverified or spam, or refuse it
 * when the domain publishes p=reject.
 *
 * Only DNS is consulted (the domain's SPF, DMARC and DKIM records); no
 * connection is made to the domain's servers.
 */
#include <string.h>

#include "audit.h"
#include "auth/spf.h"
#include "dns/dns.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "verdict/verdict.h"

static const char *
spf_with_ip(struct audit_report *r, struct dns_batch *b, const char *ip)
{
	const struct dns_result *res;
	const char *text, *rest;
	const char *mech = strchr(ip, ':') ? "ip6" : "ip4";
	size_t n;

	res = dns_lookup(b, r->domain, DNS_T_TXT);
	text = audit_txt_pick(r, res, "v=spf1", &n);
	rest = n == 1 ? text + 6 : " -all";
	return audit_txt_fix(r, r->domain, arena_printf(r->arena,
	    "v=spf1 %s:%s%s", mech, ip, rest));
}

static void
message_spf(struct audit_report *r, const struct scan *s,
    struct dns_batch *b)
{
	const char *ip = s->env.client_ip ? s->env.client_ip : "?";
	const char *checked = s->auth.spf_domain ? s->auth.spf_domain : "?";

	switch (s->auth.spf) {
	case AUTH_PASS:
		if (s->auth.spf_aligned)
			audit_add(r, "spf", "msg.spf_pass", AUDIT_OK, NULL,
			    checked, ip);
		else
			audit_add(r, "spf", "msg.spf_unaligned", AUDIT_WARNING,
			    NULL, checked, ip);
		break;
	case AUTH_FAIL:
	case AUTH_SOFTFAIL:
	case AUTH_NEUTRAL:
		audit_add(r, "spf", "msg.spf_fail", AUDIT_CRITICAL,
		    strcmp(checked, r->domain) == 0 && s->env.client_ip ?
		    spf_with_ip(r, b, ip) : NULL, checked, ip,
		    auth_result_name(s->auth.spf));
		break;
	case AUTH_NONE:
		audit_add(r, "spf", "msg.spf_none", AUDIT_CRITICAL,
		    s->env.client_ip ? spf_with_ip(r, b, ip) : NULL, checked,
		    ip);
		break;
	default:
		audit_add(r, "spf", "msg.spf_error", AUDIT_CRITICAL, NULL,
		    checked, auth_result_name(s->auth.spf));
		break;
	}
}

static void
message_dkim(struct audit_report *r, const struct scan *s)
{
	const char *d = s->auth.dkim_domains ? s->auth.dkim_domains : "";
	char *fix = audit_txt_fix(r, arena_printf(r->arena,
	    "mail._domainkey.%s", r->domain), "v=DKIM1; k=rsa; "
	    "p=<base64 of your 2048-bit public key>");

	switch (s->auth.dkim) {
	case AUTH_PASS:
		if (s->auth.dkim_aligned)
			audit_add(r, "dkim", "msg.dkim_pass", AUDIT_OK, NULL,
			    d);
		else
			audit_add(r, "dkim", "msg.dkim_unaligned",
			    AUDIT_WARNING, fix, d);
		break;
	case AUTH_NONE:
		audit_add(r, "dkim", "msg.dkim_none", AUDIT_CRITICAL, fix);
		break;
	default:
		audit_add(r, "dkim", "msg.dkim_fail", AUDIT_CRITICAL, NULL,
		    auth_result_name(s->auth.dkim));
		break;
	}
}

static void
message_verdict(struct audit_report *r, const struct scan *s)
{
	const char *policy = s->auth.dmarc_policy;

	if (s->auth.dmarc == AUTH_PASS) {
		audit_add(r, "dmarc", "msg.authenticated", AUDIT_OK, NULL,
		    r->domain);
		return;
	}
	/* The sentence the sender needs to hear first. */
	audit_add(r, "dmarc", "msg.no_valid_auth", AUDIT_CRITICAL, NULL,
	    r->domain, auth_result_name(s->auth.dmarc));
	if (policy != NULL && strcmp(policy, "reject") == 0)
		audit_add(r, "dmarc", "msg.policy_reject", AUDIT_CRITICAL,
		    NULL, r->domain);
	else if (policy != NULL && strcmp(policy, "quarantine") == 0)
		audit_add(r, "dmarc", "msg.policy_quarantine", AUDIT_CRITICAL,
		    NULL, r->domain);
}

static void
message_arc(struct audit_report *r, const struct scan *s)
{
	switch (s->auth.arc) {
	case AUTH_PASS:
		audit_add(r, "arc", "msg.arc_pass", AUDIT_OK, NULL);
		break;
	case AUTH_NONE:
		audit_add(r, "arc", "msg.arc_none", AUDIT_INFO, NULL);
		break;
	default:
		audit_add(r, "arc", "msg.arc_fail", AUDIT_WARNING, NULL,
		    auth_result_name(s->auth.arc));
		break;
	}
}

int
audit_message(struct audit_report *r, const struct scan *s,
    struct dns_batch *b)
{
	static const struct audit_options dns_only = { .n_selectors = 0 };
	struct audit_msgview *m = &r->msg;

	r->is_message = true;
	m->from_domain = r->domain;
	m->client_ip = s->env.client_ip;
	m->spf = auth_result_name(s->auth.spf);
	m->dkim = auth_result_name(s->auth.dkim);
	m->dmarc = auth_result_name(s->auth.dmarc);
	m->arc = auth_result_name(s->auth.arc);
	m->verdict = verdict_name(s->verdict);
	m->authres = s->auth.header;
	message_verdict(r, s);
	message_spf(r, s, b);
	message_dkim(r, s);
	message_arc(r, s);
	/* What the domain publishes: the causes behind the results. */
	audit_spf(r, b);
	audit_dmarc(r, b);
	audit_dkim(r, b, &dns_only);
	return arena_exhausted(r->arena) ? -1 : 0;
}
