/*
 * dns_unbound.c - the real resolver: libunbound, one context (one cache)
 * shared by every thread, asynchronous queries, per-query deadlines,
 * optional DNSSEC validation.
 *
 * RFCs: 1035 4.1.1 (RCODEs: 2 SERVFAIL, 3 NXDOMAIN), 2308 2.2 (NODATA:
 * NOERROR without the type), 4033 5 and 4035 5 (secure and bogus
 * answers; a bogus one must not be used, so it becomes SERVFAIL).
 *
 * Threads.  libunbound runs a query's callback in whichever thread calls
 * ub_process() on the context, and with one shared context that may be
 * another batch's thread.  So the callback does the least possible: it
 * stores the ub_result in the query's slot and wakes the waiters.  The
 * thread that waits for a query converts the result into its own arena.
 * One waiter at a time polls the context's descriptor and processes what
 * arrived (the "poller"); the others sleep on a condition variable until
 * their slot is done, the poller hands over, or their deadline passes.
 *
 * A query past its deadline is cancelled.  ub_cancel() succeeding means
 * the callback will never run, so the slot is ours to free; failing means
 * the callback ran or is about to, so the slot is marked abandoned and
 * the callback frees it with the result.
 *
 * Memory: slots are heap objects (they may outlive the batch when a
 * query is abandoned); results go to the batch's arena.  The resolver
 * must outlive every batch that uses it.
 *
 * Limits: one deadline per query (dns_config.timeout_ms); the poller
 * hands over at least every DNS_UB_SLICE_MS so a sleeping waiter never
 * misses its own deadline by more than that.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unbound.h>

#include "dns_backend.h"
#include "util/arena.h"

#define DNS_UB_DEFAULT_TIMEOUT_MS	5000
#define DNS_UB_SLICE_MS			100
#define DNS_UB_ROOT_KEY			"/usr/share/dns/root.key"
#define DNS_UB_FWD_MAX			256	/* "ip@port" */

struct ubres {
	struct dns_resolver base;	/* first: we are cast from it */
	struct ub_ctx	*ctx;
	unsigned	 timeout_ms;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;		/* a slot is done, or poller left */
	bool		 polling;
};

struct ub_slot {
	struct ubres	*owner;
	int		 async_id;
	struct timespec	 deadline;	/* CLOCK_MONOTONIC */
	/* Under owner->lock: */
	bool		 done;
	bool		 abandoned;
	int		 err;
	struct ub_result *result;
};

static const struct dns_backend unbound_backend;

static void
now_plus(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Milliseconds until ts, 0 when past. */
static long
ms_until(const struct timespec *ts)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)(ts->tv_sec - now.tv_sec) * 1000 +
	    (ts->tv_nsec - now.tv_nsec) / 1000000L;
	return ms > 0 ? ms : 0;
}

/* Runs in whatever thread called ub_process(); see the top. */
static void
ub_callback(void *arg, int err, struct ub_result *result)
{
	struct ub_slot *s = arg;
	struct ubres *u = s->owner;

	pthread_mutex_lock(&u->lock);
	if (s->abandoned) {
		pthread_mutex_unlock(&u->lock);
		if (result != NULL)
			ub_resolve_free(result);
		free(s);
		return;
	}
	s->err = err;
	s->result = result;
	s->done = true;
	pthread_cond_broadcast(&u->cond);
	pthread_mutex_unlock(&u->lock);
}

static struct dns_result *
error_result(struct arena *a, struct dns_query *q, enum dns_status st,
    const char *why)
{
	struct dns_result *res;

	if ((res = dns_result_new(a, q, st)) != NULL) {
		res->canon = res->qname;
		res->why = why;
	}
	return res;
}

static int
unbound_start(struct dns_resolver *r, struct dns_query *q, struct arena *a)
{
	struct ubres *u = (struct ubres *)r;
	char name[DNS_TEXT_NAME_MAX + 1];
	struct ub_slot *s;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		q->res = error_result(a, q, DNS_ERROR, "out of memory");
		q->done = true;
		return 0;
	}
	s->owner = u;
	now_plus(&s->deadline, u->timeout_ms);
	dns_name_text_buf(q->wire, q->wlen, name);
	if (name[0] == '\0')
		memcpy(name, ".", 2);
	/* Class 1 = IN (RFC 1035 3.2.4). */
	rc = ub_resolve_async(u->ctx, name, q->type, 1, s, ub_callback,
	    &s->async_id);
	if (rc != 0) {
		free(s);
		q->res = error_result(a, q, DNS_ERROR, ub_strerror(rc));
		q->done = true;
		return 0;
	}
	q->state = s;
	return 0;
}

/* The answer, translated into the batch's arena. */
static struct dns_result *
convert(struct arena *a, struct dns_query *q, int err, struct ub_result *ur)
{
	struct dns_result *res;
	size_t n, i;

	if (err != 0 || ur == NULL)
		return error_result(a, q, DNS_ERROR, ub_strerror(err));
	if ((res = error_result(a, q, DNS_SERVFAIL, NULL)) == NULL)
		return NULL;
	res->secure = ur->secure != 0;
	res->bogus = ur->bogus != 0;
	if (ur->why_bogus != NULL)
		res->why = arena_strdup(a, ur->why_bogus);
	if (ur->canonname != NULL) {
		unsigned char wire[DNS_WIRE_NAME_MAX];
		size_t wlen;

		if (dns_name_parse(ur->canonname, strlen(ur->canonname), NULL,
		    0, wire, &wlen) == NULL)
			res->canon = dns_name_text(a, wire, wlen);
	}
	if (ur->bogus) {
		/* RFC 4035 5.5: bogus data is not to be handed out. */
		res->status = DNS_SERVFAIL;
		if (res->why == NULL)
			res->why = "DNSSEC validation failed";
		return res;
	}
	switch (ur->rcode) {
	case 0:
		res->status = ur->havedata ? DNS_OK : DNS_NODATA;
		break;
	case 3:
		res->status = DNS_NXDOMAIN;
		break;
	case 2:
		res->status = DNS_SERVFAIL;
		break;
	default:
		/* FORMERR, NOTIMP, REFUSED: the server did not answer. */
		res->status = DNS_SERVFAIL;
		if (res->why == NULL)
			res->why = arena_printf(a, "server answered rcode %d",
			    ur->rcode);
		break;
	}
	if (res->status != DNS_OK)
		return res;
	for (n = 0; ur->data != NULL && ur->data[n] != NULL; n++)
		;
	if (n == 0) {
		res->status = DNS_NODATA;
		return res;
	}
	if ((res->rr = arena_calloc(a, n, sizeof(*res->rr))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		struct dns_rr *rr = &res->rr[i];

		rr->type = q->type;
		rr->ttl = ur->ttl > 0 ? (uint32_t)ur->ttl : 0;
		rr->rdlen = ur->len[i] > 0 ? (size_t)ur->len[i] : 0;
		if ((rr->rdata = arena_memdup(a, ur->data[i], rr->rdlen)) ==
		    NULL)
			return NULL;
		if (dns_rr_decode(a, rr) == -1) {
			/* Never guess from a record we cannot read. */
			res->status = DNS_SERVFAIL;
			res->why = "malformed record data in the answer";
			res->rr = NULL;
			res->n = 0;
			return res;
		}
		res->n++;
	}
	return res;
}

/* Gives up on a slot; frees it unless the callback still will. */
static void
drop_slot(struct ubres *u, struct ub_slot *s)
{
	struct ub_result *late = NULL;
	bool ours;

	ours = ub_cancel(u->ctx, s->async_id) == UB_NOERROR;
	pthread_mutex_lock(&u->lock);
	if (!ours && !s->done) {
		s->abandoned = true;
		pthread_mutex_unlock(&u->lock);
		return;
	}
	late = s->result;
	pthread_mutex_unlock(&u->lock);
	if (late != NULL)
		ub_resolve_free(late);
	free(s);
}

static void
unbound_finish(struct dns_resolver *r, struct dns_query *q, struct arena *a)
{
	struct ubres *u = (struct ubres *)r;
	struct ub_slot *s = q->state;
	struct ub_result *result;
	struct timespec until;
	struct pollfd pfd;
	long left;
	int err;

	q->state = NULL;
	pthread_mutex_lock(&u->lock);
	while (!s->done && (left = ms_until(&s->deadline)) > 0) {
		if (left > DNS_UB_SLICE_MS)
			left = DNS_UB_SLICE_MS;
		if (!u->polling) {
			u->polling = true;
			pthread_mutex_unlock(&u->lock);
			pfd.fd = ub_fd(u->ctx);
			pfd.events = POLLIN;
			if (poll(&pfd, 1, (int)left) > 0)
				ub_process(u->ctx);	/* runs callbacks */
			pthread_mutex_lock(&u->lock);
			u->polling = false;
			pthread_cond_broadcast(&u->cond);
		} else {
			now_plus(&until, (unsigned)left);
			pthread_cond_timedwait(&u->cond, &u->lock, &until);
		}
	}
	if (!s->done) {
		pthread_mutex_unlock(&u->lock);
		drop_slot(u, s);
		q->res = error_result(a, q, DNS_TIMEOUT, arena_printf(a,
		    "no answer within %u ms", u->timeout_ms));
		return;
	}
	result = s->result;
	err = s->err;
	pthread_mutex_unlock(&u->lock);
	free(s);
	q->res = convert(a, q, err, result);
	if (result != NULL)
		ub_resolve_free(result);
}

static void
unbound_cancel(struct dns_resolver *r, struct dns_query *q)
{
	if (q->state != NULL)
		drop_slot((struct ubres *)r, q->state);
	q->state = NULL;
}

static void
unbound_free(struct dns_resolver *r)
{
	struct ubres *u = (struct ubres *)r;

	ub_ctx_delete(u->ctx);
	pthread_cond_destroy(&u->cond);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

struct dns_resolver *
dns_unbound_open(const struct dns_config *cfg, char *err, size_t errlen)
{
	static const struct dns_config defaults;
	char fwd[DNS_UB_FWD_MAX];
	pthread_condattr_t ca;
	const char *ta, *what = NULL;
	struct ubres *u;
	size_t i;
	int rc = 0;

	if (cfg == NULL)
		cfg = &defaults;
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	u->base.ops = &unbound_backend;
	u->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms :
	    DNS_UB_DEFAULT_TIMEOUT_MS;
	pthread_mutex_init(&u->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&u->cond, &ca);
	pthread_condattr_destroy(&ca);
	if ((u->ctx = ub_ctx_create()) == NULL) {
		snprintf(err, errlen, "cannot create the unbound context");
		goto fail;
	}
	/* A thread, not a forked process: we may run inside a milter. */
	if ((rc = ub_ctx_async(u->ctx, 1)) != 0) {
		what = "async";
		goto ubfail;
	}
	for (i = 0; cfg->forwarders != NULL && cfg->forwarders[i] != NULL;
	    i++) {
		/* unbound's own "ip@port" syntax; add the port if asked. */
		if (strchr(cfg->forwarders[i], '@') == NULL && cfg->port != 0)
			rc = snprintf(fwd, sizeof(fwd), "%s@%u",
			    cfg->forwarders[i], cfg->port);
		else
			rc = snprintf(fwd, sizeof(fwd), "%s",
			    cfg->forwarders[i]);
		if (rc < 0 || (size_t)rc >= sizeof(fwd)) {
			snprintf(err, errlen, "forwarder '%s' too long",
			    cfg->forwarders[i]);
			goto fail;
		}
		if ((rc = ub_ctx_set_fwd(u->ctx, fwd)) != 0) {
			snprintf(err, errlen, "forwarder '%s': %s", fwd,
			    ub_strerror(rc));
			goto fail;
		}
		/* Forwarders on this host are normal (a local cache). */
		if ((rc = ub_ctx_set_option(u->ctx, "do-not-query-localhost:",
		    "no")) != 0) {
			what = "do-not-query-localhost";
			goto ubfail;
		}
	}
	if (cfg->dnssec) {
		ta = cfg->trust_anchor ? cfg->trust_anchor : DNS_UB_ROOT_KEY;
		if ((rc = ub_ctx_add_ta_file(u->ctx, ta)) != 0) {
			snprintf(err, errlen, "trust anchor %s: %s", ta,
			    ub_strerror(rc));
			goto fail;
		}
	} else if ((rc = ub_ctx_set_option(u->ctx, "module-config:",
	    "iterator")) != 0) {
		/* Without anchors the validator would only cost time. */
		what = "module-config";
		goto ubfail;
	}
	return &u->base;
ubfail:
	snprintf(err, errlen, "unbound %s: %s", what, ub_strerror(rc));
fail:
	if (u->ctx != NULL)
		ub_ctx_delete(u->ctx);
	pthread_cond_destroy(&u->cond);
	pthread_mutex_destroy(&u->lock);
	free(u);
	return NULL;
}

static const struct dns_backend unbound_backend = {
	.name = "unbound",
	.start = unbound_start,
	.finish = unbound_finish,
	.cancel = unbound_cancel,
	.free = unbound_free,
};
