/*
 * pipeline.c - parse, envelope, authentication, checks, verdict.
 *
 * The order matters: checks read the authentication summary (a brand
 * claim means something else when DMARC passed), and the verdict reads
 * every symbol.  Each stage only adds to the scan; none can undo another.
 */
#include <stdlib.h>
#include <time.h>

#include "pipeline.h"
#include "config.h"
#include "envelope.h"
#include "scan.h"
#include "auth/auth.h"
#include "detect/checks.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "store/dmarc_report.h"
#include "util/arena.h"
#include "util/log.h"
#include "verdict/verdict.h"

struct scan *
scan_new(const struct config *cfg, struct dns_resolver *resolver)
{
	struct arena *a;
	struct scan *s;

	if ((a = arena_new(cfg ? cfg->arena_limit : 0)) == NULL)
		return NULL;
	if ((s = arena_alloc(a, sizeof(*s))) == NULL) {
		arena_free(a);
		return NULL;
	}
	s->arena = a;
	s->cfg = cfg;
	s->now = time(NULL);
	if (resolver != NULL && (s->dns = dns_batch_new(resolver, a)) == NULL) {
		arena_free(a);
		return NULL;
	}
	return s;
}

int
scan_message(struct scan *s, const char *data, size_t len)
{
	s->msg = message_parse(s->arena, data, len,
	    s->cfg ? &s->cfg->limits : NULL);
	if (s->msg == NULL) {
		/*
		 * Only the arena's ceiling makes parsing fail.  The message
		 * still gets a verdict, and the action keeps the mail.
		 */
		log_err("message parse failed: memory limit reached");
		s->failed = true;
		verdict_decide(s);
		return -1;
	}
	envelope_complete(s);
	if (s->dns != NULL)
		auth_run(s);
	checks_run(s);
	if (arena_exhausted(s->arena)) {
		log_err("per-message memory limit reached");
		s->failed = true;
	}
	verdict_decide(s);
	/* DMARC aggregate-report data (RFC 9990); not into a read-only
	 * store (eval), and a report row lost never holds up the mail. */
	if (dmarc_report_save(s) != 0)
		log_err("DMARC report record not saved");
	return s->failed ? -1 : 0;
}

void
scan_free(struct scan *s)
{
	if (s == NULL)
		return;
	if (s->dns != NULL)
		dns_batch_free(s->dns);
	arena_free(s->arena);
}
