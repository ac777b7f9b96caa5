/*
 * auth.h - the authentication stage: SPF, DKIM, ARC, DMARC, in that
 * order, over one message, and the Authentication-Results they make.
 *
 * auth_run() fills scan->auth (the summary every later stage reads) and
 * adds the authentication symbols (SPF_FAIL, DMARC_REJECT, ...).  DNS
 * goes through scan->dns, so the lookups of the four methods overlap.
 */
#ifndef MT_AUTH_H
#define MT_AUTH_H

struct scan;

void	auth_run(struct scan *);

#endif
