/*
 * audit.c - the audit report (a list of findings in one arena) and the
 * order in which a domain's setup is examined.
 *
 * MX first, because MTA-STS, DANE and STARTTLS are about the MX hosts;
 * DMARC before BIMI, because BIMI needs an enforced DMARC policy.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "dns/dns.h"
#include "util/arena.h"
#include "util/str.h"

#define AUDIT_ARENA_LIMIT	(64u * 1024 * 1024)

struct audit_report *
audit_report_new(const char *domain)
{
	struct arena *a;
	struct audit_report *r;

	if ((a = arena_new(AUDIT_ARENA_LIMIT)) == NULL)
		return NULL;
	if ((r = arena_alloc(a, sizeof(*r))) == NULL ||
	    (r->f = arena_calloc(a, AUDIT_MAX_FINDINGS, sizeof(*r->f))) ==
	    NULL || (r->domain = arena_strdup(a, domain ? domain : "")) ==
	    NULL) {
		arena_free(a);
		return NULL;
	}
	r->arena = a;
	r->now = time(NULL);
	return r;
}

void
audit_report_free(struct audit_report *r)
{
	if (r != NULL)
		arena_free(r->arena);
}

void
audit_add_list(struct audit_report *r, const char *area, const char *id,
    enum audit_severity sev, const char *fix, ...)
{
	struct audit_finding *f;
	const char *arg;
	va_list ap;

	if (r->n >= AUDIT_MAX_FINDINGS)
		return;
	f = &r->f[r->n++];
	if (r->n == AUDIT_MAX_FINDINGS) {
		/* The last slot says that the list was cut. */
		f->area = "audit";
		f->id = "audit.too_many";
		f->sev = AUDIT_INFO;
		return;
	}
	/* Out of memory shows as missing words, never as a crash. */
	f->area = arena_strdup(r->arena, area ? area : "audit");
	if (f->area == NULL)
		f->area = "audit";
	f->id = id;
	f->sev = sev;
	f->fix = fix ? arena_strdup(r->arena, fix) : NULL;
	va_start(ap, fix);
	while ((arg = va_arg(ap, const char *)) != NULL &&
	    f->nargs < AUDIT_MAX_ARGS)
		if ((f->args[f->nargs] = arena_strdup(r->arena, arg)) != NULL)
			f->nargs++;
	va_end(ap);
}

bool
audit_may_connect(const struct audit_options *o, const char *addr)
{
	/* A zone file is for offline use: it must not send us abroad. */
	return !o->loopback_only || strncmp(addr, "127.", 4) == 0;
}

enum audit_severity
audit_worst(const struct audit_report *r)
{
	enum audit_severity w = AUDIT_OK;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->f[i].sev > w)
			w = r->f[i].sev;
	return w;
}

const char *
audit_severity_name(enum audit_severity s)
{
	switch (s) {
	case AUDIT_OK:		return "ok";
	case AUDIT_INFO:	return "info";
	case AUDIT_WARNING:	return "warning";
	case AUDIT_CRITICAL:	return "critical";
	}
	return "?";
}

int
audit_domain(struct audit_report *r, struct dns_batch *b,
    const struct audit_options *o)
{
	if (o->now != 0)
		r->now = o->now;
	audit_mx(r, b);
	audit_spf(r, b);
	audit_dmarc(r, b);
	audit_dkim(r, b, o);
	audit_mtasts(r, b, o);
	audit_tlsrpt(r, b);
	audit_bimi(r, b);
	audit_tls(r, b, o);
	return arena_exhausted(r->arena) ? -1 : 0;
}

const char *
audit_txt_pick(struct audit_report *r, const struct dns_result *res,
    const char *prefix, size_t *n)
{
	const char *first = NULL;
	size_t i, plen = strlen(prefix);

	*n = 0;
	if (res->status != DNS_OK)
		return NULL;
	for (i = 0; i < res->n; i++) {
		const struct dns_rr *rr = &res->rr[i];

		if (rr->type != DNS_T_TXT || rr->u.txt.len < plen ||
		    !str_iprefix(rr->u.txt.text, rr->u.txt.len, prefix))
			continue;
		/* "v=spf1" must end there or be followed by a space. */
		if (rr->u.txt.len > plen && prefix[plen - 1] != ';' &&
		    rr->u.txt.text[plen] != ' ' &&
		    rr->u.txt.text[plen] != ';' &&
		    rr->u.txt.text[plen] != '\t')
			continue;
		if ((*n)++ == 0)
			first = arena_strndup(r->arena, rr->u.txt.text,
			    rr->u.txt.len);
	}
	return first;
}

char *
audit_txt_fix(struct audit_report *r, const char *name, const char *text)
{
	return arena_printf(r->arena, "%s. IN TXT \"%s\"", name, text);
}
