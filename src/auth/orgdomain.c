/*
 * orgdomain.c - Organizational Domain helpers for DMARC: the list of
 * names of RFC 9989's DNS Tree Walk (section 4.10) and the Public Suffix
 * List method of RFC 7489 3.2 through libpsl.
 *
 * Memory: see orgdomain.h.  The PSL handle is created once (pthread_once)
 * and never freed: it is shared read-only by every thread.
 */
#include <libpsl.h>
#include <pthread.h>
#include <string.h>

#include "auth/orgdomain.h"
#include "util/arena.h"

static pthread_once_t	 psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t	*psl_ctx;

size_t
orgdomain_labels(const char *domain)
{
	size_t n;

	if (domain == NULL || *domain == '\0')
		return 0;
	for (n = 1; *domain != '\0'; domain++)
		if (*domain == '.')
			n++;
	return n;
}

size_t
orgdomain_walk(const char *domain, const char *names[ORGDOMAIN_MAX_WALK])
{
	const char *p;
	size_t labels, n = 0, skip;

	if ((labels = orgdomain_labels(domain)) == 0)
		return 0;
	names[n++] = domain;
	p = domain;
	/* 4.10: from eight labels on, go straight to the rightmost seven. */
	skip = labels > ORGDOMAIN_WALK_JUMP ? labels - ORGDOMAIN_WALK_JUMP : 1;
	while (labels > 1 && n < ORGDOMAIN_MAX_WALK) {
		while (skip-- > 0) {
			p = strchr(p, '.') + 1;
			labels--;
		}
		names[n++] = p;
		skip = 1;
	}
	return n;
}

static void
psl_load(void)
{
	/* The distribution's list when present, else the built-in one. */
	if ((psl_ctx = psl_latest(NULL)) == NULL)
		psl_ctx = psl_builtin();
}

char *
orgdomain_psl(struct arena *a, const char *domain)
{
	const char *reg = NULL;

	(void)pthread_once(&psl_once, psl_load);
	if (psl_ctx != NULL)
		reg = psl_registrable_domain(psl_ctx, domain);
	return arena_strdup(a, reg != NULL ? reg : domain);
}
