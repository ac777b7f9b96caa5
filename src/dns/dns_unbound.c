/*
 * dns_unbound.c - the real resolver: libunbound, one context (one cache)
 * shared by every thread, asynchronous queries, per-query deadlines,
 * optional DNSSEC validation, and an answer cache of our own in front of
 * libunbound.
 *
 * RFCs: 1035 4.1.1 (RCODEs: 2 SERVFAIL, 3 NXDOMAIN), 2308 2.2 (NODATA:
 * NOERROR without the type), 2308 5 (negative answers may be cached for
 * their SOA's TTL), 4033 5 and 4035 5 (secure and bogus answers; a bogus
 * one must not be used, so it becomes SERVFAIL), 4343 (names compare
 * without regard to case: the cache key is the lower-cased name).
 *
 * Why a cache of our own: every ub_resolve_async() hands the query to
 * libunbound's worker thread and the answer back over a socketpair, four
 * context switches even when the answer is in libunbound's cache, and
 * under load those handoffs were a fifth of `mailtrust serve`'s CPU.  So
 * an answer (data, NODATA, or NXDOMAIN with an SOA, i.e. a TTL above 0)
 * is kept here and later questions for the same name and type are
 * answered in unbound_start, without libunbound.  A server's failure is
 * kept for DNS_UB_CACHE_FAIL_TTL seconds; timeouts and bogus answers are
 * never kept: the next message asks again.  A cached answer's records
 * carry the time it has left as their TTL.
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
 * The answer cache is split into DNS_UB_CACHE_STRIPES stripes by a hash
 * of the question, each with its own mutex, so threads asking different
 * questions seldom wait for each other.  A hit is converted into the
 * asker's arena while its stripe's lock is held: no other thread can
 * replace or evict, and so free, that ub_result during the copy.  A
 * stripe's lock and the context's lock are never held together.
 *
 * A query past its deadline is cancelled.  ub_cancel() succeeding means
 * the callback will never run, so the slot is ours to free; failing means
 * the callback ran or is about to, so the slot is marked abandoned and
 * the callback frees it with the result.  A query its batch drops before
 * the deadline is not cancelled but abandoned: its answer still goes to
 * the cache.  That is the common case, not a corner: a DMARC tree walk
 * asks for every name up to the top at once and drops the rest at the
 * first failure, so a cancelled _dmarc.com would be asked (and
 * cancelled) again for every message from a .com domain whose lookup
 * failed, each time a round trip to libunbound's thread.  Abandoned slots
 * are listed, so that unbound_free frees those libunbound never answered.
 *
 * Memory: slots are heap objects (they may outlive the batch when a
 * query is abandoned); results go to the batch's arena.  A cached answer
 * is libunbound's ub_result itself (never changed after the callback) in
 * a heap entry the cache owns; each hit copies it into the asking
 * batch's arena.  The resolver, and with it the cache, must outlive
 * every batch that uses it; unbound_free frees both.
 *
 * Limits: one deadline per query (dns_config.timeout_ms); the poller
 * hands over at least every DNS_UB_SLICE_MS so a sleeping waiter never
 * misses its own deadline by more than that.  The cache holds at most
 * DNS_UB_CACHE_MAX answers and about DNS_UB_CACHE_MAX_BYTES, split
 * evenly over its stripes; a stripe that is full drops its expired
 * answers and, when none has expired, its oldest (first stored) ones
 * until the new answer fits.  An answer is kept for its TTL but at most
 * DNS_UB_CACHE_MAX_TTL seconds, a negative one (NXDOMAIN, NODATA) at
 * most DNS_UB_CACHE_MAX_NEG_TTL: a record changed at its source is seen
 * within the hour even when its TTL says a day.
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
#include "util/str.h"

#define DNS_UB_DEFAULT_TIMEOUT_MS	5000
#define DNS_UB_SLICE_MS			100
#define DNS_UB_ROOT_KEY			"/usr/share/dns/root.key"
#define DNS_UB_FWD_MAX			256	/* "ip@port" */

#define DNS_UB_CACHE_MAX		10000	/* answers, all stripes */
#define DNS_UB_CACHE_MAX_BYTES		(16u * 1024 * 1024) /* cache_cost */
#define DNS_UB_CACHE_STRIPES		16
#define DNS_UB_CACHE_BUCKETS		1024	/* per stripe; power of 2 */
#define DNS_UB_CACHE_MAX_TTL		3600	/* seconds */
#define DNS_UB_CACHE_MAX_NEG_TTL	900	/* NXDOMAIN, NODATA */
#define DNS_UB_CACHE_FAIL_TTL		5	/* SERVFAIL, REFUSED */
#define DNS_UB_STRIPE_MAX	(DNS_UB_CACHE_MAX / DNS_UB_CACHE_STRIPES)
#define DNS_UB_STRIPE_BYTES	(DNS_UB_CACHE_MAX_BYTES / DNS_UB_CACHE_STRIPES)

/* One cached answer: the question it answers and libunbound's result. */
struct ub_entry {
	struct ub_entry	*next;		/* bucket chain */
	struct ub_entry	*older, *newer;	/* the stripe's order of storing */
	struct ub_result *result;
	uint64_t	 expiry_ms;	/* CLOCK_MONOTONIC */
	size_t		 cost;		/* bytes counted against the stripe */
	uint32_t	 hash;
	uint16_t	 type;
	size_t		 wlen;
	unsigned char	 wire[];	/* lower-cased */
};

struct ub_stripe {
	pthread_mutex_t	 lock;		/* everything below */
	struct ub_entry	*bucket[DNS_UB_CACHE_BUCKETS];
	struct ub_entry	*oldest, *newest;
	size_t		 n, bytes;
};

struct ubres {
	struct dns_resolver base;	/* first: we are cast from it */
	struct ub_ctx	*ctx;
	unsigned	 timeout_ms;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;		/* a slot is done, or poller left */
	bool		 polling;
	struct ub_slot	*abandoned;	/* waiting for their callback */
	struct ub_stripe cache[DNS_UB_CACHE_STRIPES];
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
	struct ub_slot	*prev, *next;	/* owner->abandoned, if abandoned */
	/* The question, for caching an answer that nobody waits for. */
	uint16_t	 type;
	size_t		 wlen;
	unsigned char	 wire[DNS_WIRE_NAME_MAX];
};

static const struct dns_backend unbound_backend;

static void keep_answer(struct ubres *, struct ub_slot *, int,
    struct ub_result *);

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
		if (s->prev != NULL)
			s->prev->next = s->next;
		else
			u->abandoned = s->next;
		if (s->next != NULL)
			s->next->prev = s->prev;
		pthread_mutex_unlock(&u->lock);
		keep_answer(u, s, err, result);
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

/*
 * The status convert() gives an answer, short of reading its records
 * (a malformed one is kept as it came, and every hit finds it so).
 */
static enum dns_status
ub_status(int err, const struct ub_result *ur)
{
	if (err != 0 || ur == NULL)
		return DNS_ERROR;
	if (ur->bogus)
		return DNS_SERVFAIL;
	switch (ur->rcode) {
	case 0:
		return ur->havedata && ur->data != NULL &&
		    ur->data[0] != NULL ? DNS_OK : DNS_NODATA;
	case 3:
		return DNS_NXDOMAIN;
	default:
		return DNS_SERVFAIL;
	}
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

/*
 * The answer cache.
 */

static uint64_t
now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

/* FNV-1a over the lower-cased wire name and the type. */
static uint32_t
cache_hash(const unsigned char *wire, size_t wlen, uint16_t type)
{
	uint32_t h = str_fnv1a(STR_FNV_INIT, wire, wlen);

	h = str_fnv1a_byte(h, type >> 8);
	return str_fnv1a_byte(h, type & 0xff);
}

static struct ub_stripe *
cache_stripe(struct ubres *u, uint32_t h)
{
	return &u->cache[h % DNS_UB_CACHE_STRIPES];
}

static struct ub_entry **
cache_slot(struct ub_stripe *st, uint32_t h)
{
	return &st->bucket[(h / DNS_UB_CACHE_STRIPES) %
	    DNS_UB_CACHE_BUCKETS];
}

/* The entry for a question, expired or not; NULL if none. */
static struct ub_entry *
cache_find(struct ub_stripe *st, const unsigned char *wire, size_t wlen,
    uint16_t type, uint32_t h)
{
	struct ub_entry *e;

	for (e = *cache_slot(st, h); e != NULL; e = e->next)
		if (e->hash == h && e->type == type && e->wlen == wlen &&
		    memcmp(e->wire, wire, wlen) == 0)
			return e;
	return NULL;
}

/* Unlinks e from its stripe and frees it, result and all. */
static void
cache_remove(struct ub_stripe *st, struct ub_entry *e)
{
	struct ub_entry **pp;

	for (pp = cache_slot(st, e->hash); *pp != e; pp = &(*pp)->next)
		;
	*pp = e->next;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		st->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		st->newest = e->older;
	st->n--;
	st->bytes -= e->cost;
	ub_resolve_free(e->result);
	free(e);
}

/*
 * Makes room for cost more bytes: expired entries go first, then the
 * oldest.  The sweep walks the whole stripe (at most DNS_UB_STRIPE_MAX
 * entries), but only when the stripe is full, and only on the way to
 * storing an answer that has just come over the network.
 */
static void
cache_make_room(struct ub_stripe *st, size_t cost, uint64_t now)
{
	struct ub_entry *e, *newer;

	if (st->n < DNS_UB_STRIPE_MAX && st->bytes + cost <=
	    DNS_UB_STRIPE_BYTES)
		return;
	for (e = st->oldest; e != NULL; e = newer) {
		newer = e->newer;
		if (e->expiry_ms <= now)
			cache_remove(st, e);
	}
	while (st->oldest != NULL && (st->n >= DNS_UB_STRIPE_MAX ||
	    st->bytes + cost > DNS_UB_STRIPE_BYTES))
		cache_remove(st, st->oldest);
}

/* What an entry for ur holds on the heap, near enough for a budget. */
static size_t
cache_cost(size_t wlen, const struct ub_result *ur)
{
	size_t cost, i;

	cost = sizeof(struct ub_entry) + wlen + sizeof(*ur);
	if (ur->answer_len > 0)
		cost += (size_t)ur->answer_len;
	for (i = 0; ur->data != NULL && ur->data[i] != NULL; i++) {
		cost += sizeof(ur->data[i]) + sizeof(ur->len[i]);
		if (ur->len[i] > 0)
			cost += (size_t)ur->len[i];
	}
	if (ur->qname != NULL)
		cost += strlen(ur->qname) + 1;
	if (ur->canonname != NULL)
		cost += strlen(ur->canonname) + 1;
	return cost;
}

/*
 * Answers q from the cache into a's arena.  False on a miss; an expired
 * entry found on the way is dropped.
 */
static bool
cache_answer(struct ubres *u, struct dns_query *q, struct arena *a)
{
	uint32_t h = cache_hash(q->wire, q->wlen, q->type);
	struct ub_stripe *st = cache_stripe(u, h);
	struct ub_entry *e;
	uint64_t now = now_ms();
	uint32_t left;
	size_t i;

	pthread_mutex_lock(&st->lock);
	if ((e = cache_find(st, q->wire, q->wlen, q->type, h)) == NULL) {
		pthread_mutex_unlock(&st->lock);
		return false;
	}
	if (e->expiry_ms <= now) {
		cache_remove(st, e);
		pthread_mutex_unlock(&st->lock);
		return false;
	}
	/* Whole seconds, rounded up: a live answer never says 0. */
	left = (uint32_t)((e->expiry_ms - now + 999) / 1000);
	/* Under the lock: see Threads at the top. */
	q->res = convert(a, q, 0, e->result);
	pthread_mutex_unlock(&st->lock);
	for (i = 0; q->res != NULL && i < q->res->n; i++)
		q->res->rr[i].ttl = left;
	q->done = true;
	return true;
}

/*
 * Keeps ur, libunbound's answer to the question (wire, wlen, type) with
 * the status convert() gives it, when it may be kept.  True when the
 * cache took ur (and will free it); false when it is still the caller's.
 */
static bool
cache_store(struct ubres *u, const unsigned char *wire, size_t wlen,
    uint16_t type, int err, struct ub_result *ur, enum dns_status status)
{
	struct ub_stripe *st;
	struct ub_entry *e, *old;
	uint64_t now;
	uint32_t h;
	size_t cost;
	int ttl;

	/*
	 * Answers (RCODE 0 or 3), validated or unsigned, that say how long
	 * they may be kept: a negative one only with its SOA (RFC 2308 5).
	 * A server's failure (SERVFAIL, REFUSED) briefly, as RFC 2308 7.1
	 * allows: a spam run from a domain whose DNS is broken would
	 * otherwise ask again for every message, and libunbound retries a
	 * refusal several times.  Never a bogus answer or a timeout.
	 */
	if (err != 0 || ur == NULL || ur->bogus)
		return false;
	switch (status) {
	case DNS_OK:
		ttl = ur->ttl < DNS_UB_CACHE_MAX_TTL ? ur->ttl :
		    DNS_UB_CACHE_MAX_TTL;
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		ttl = ur->ttl < DNS_UB_CACHE_MAX_NEG_TTL ? ur->ttl :
		    DNS_UB_CACHE_MAX_NEG_TTL;
		break;
	case DNS_SERVFAIL:
		ttl = DNS_UB_CACHE_FAIL_TTL;
		break;
	default:
		return false;
	}
	if (ttl <= 0)
		return false;
	if ((cost = cache_cost(wlen, ur)) > DNS_UB_STRIPE_BYTES ||
	    (e = malloc(sizeof(*e) + wlen)) == NULL)
		return false;
	h = cache_hash(wire, wlen, type);
	now = now_ms();
	e->result = ur;
	e->expiry_ms = now + (uint64_t)ttl * 1000;
	e->cost = cost;
	e->hash = h;
	e->type = type;
	e->wlen = wlen;
	memcpy(e->wire, wire, wlen);
	st = cache_stripe(u, h);
	pthread_mutex_lock(&st->lock);
	/* Two threads missed at once: the later answer wins. */
	if ((old = cache_find(st, wire, wlen, type, h)) != NULL)
		cache_remove(st, old);
	cache_make_room(st, cost, now);
	e->next = *cache_slot(st, h);
	*cache_slot(st, h) = e;
	e->older = st->newest;
	e->newer = NULL;
	if (st->newest != NULL)
		st->newest->newer = e;
	else
		st->oldest = e;
	st->newest = e;
	st->n++;
	st->bytes += cost;
	pthread_mutex_unlock(&st->lock);
	return true;
}

static void
cache_init(struct ubres *u)
{
	size_t i;

	for (i = 0; i < DNS_UB_CACHE_STRIPES; i++)
		pthread_mutex_init(&u->cache[i].lock, NULL);
}

static void
cache_free(struct ubres *u)
{
	struct ub_stripe *st;
	size_t i;

	for (i = 0; i < DNS_UB_CACHE_STRIPES; i++) {
		st = &u->cache[i];
		while (st->oldest != NULL)
			cache_remove(st, st->oldest);
		pthread_mutex_destroy(&st->lock);
	}
}

/*
 * The backend.
 */

static int
unbound_start(struct dns_resolver *r, struct dns_query *q, struct arena *a)
{
	struct ubres *u = (struct ubres *)r;
	char name[DNS_TEXT_NAME_MAX + 1];
	struct ub_slot *s;
	int rc;

	if (cache_answer(u, q, a))
		return 0;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		q->res = error_result(a, q, DNS_ERROR, "out of memory");
		q->done = true;
		return 0;
	}
	s->owner = u;
	now_plus(&s->deadline, u->timeout_ms);
	s->type = q->type;
	s->wlen = q->wlen;
	memcpy(s->wire, q->wire, q->wlen);
	dns_name_text_buf(q->wire, q->wlen, name);
	if (name[0] == '\0')
		memcpy(name, ".", 2);
	/* Class 1 = IN (RFC 1035 3.2.4). */
	atomic_fetch_add(&u->base.upstream, 1);
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

/* Caches an answer nobody waits for, if it may be kept; frees s. */
static void
keep_answer(struct ubres *u, struct ub_slot *s, int err,
    struct ub_result *result)
{
	if (result != NULL && !cache_store(u, s->wire, s->wlen, s->type, err,
	    result, ub_status(err, result)))
		ub_resolve_free(result);
	free(s);
}

/*
 * Gives up on a slot; frees it unless the callback still will.  A query
 * past its deadline is cancelled; one still within it is left to finish
 * for the cache (see the top).
 */
static void
drop_slot(struct ubres *u, struct ub_slot *s)
{
	bool ours = false;

	if (ms_until(&s->deadline) == 0)
		ours = ub_cancel(u->ctx, s->async_id) == UB_NOERROR;
	pthread_mutex_lock(&u->lock);
	if (!ours && !s->done) {
		s->abandoned = true;
		s->prev = NULL;
		if ((s->next = u->abandoned) != NULL)
			s->next->prev = s;
		u->abandoned = s;
		pthread_mutex_unlock(&u->lock);
		return;
	}
	pthread_mutex_unlock(&u->lock);
	if (ours) {
		if (s->result != NULL)
			ub_resolve_free(s->result);
		free(s);
	} else
		keep_answer(u, s, s->err, s->result);
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
	if (result != NULL && (q->res == NULL || !cache_store(u, q->wire,
	    q->wlen, q->type, err, result, q->res->status)))
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
	struct ub_slot *s;

	/* Stops libunbound's thread: no callback runs after this. */
	ub_ctx_delete(u->ctx);
	while ((s = u->abandoned) != NULL) {
		u->abandoned = s->next;
		free(s);
	}
	cache_free(u);
	pthread_cond_destroy(&u->cond);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

/*
 * libunbound answers some names itself, from a built-in list, without
 * asking anyone: test. and other special-use names, and the reverse
 * zones of private and documentation addresses (RFC 6303).  That is
 * right for a resolver that recurses from the root, but not in front of
 * a forwarder, which makes that choice for its site: its test. names
 * (RFC 6761 6.2 foresees private servers for them), its home.arpa.
 * (RFC 8375), the PTR records of its 10.0.0.0/8.  Without this a record
 * the forwarder serves under those names was NXDOMAIN to us, and SPF,
 * DKIM and DMARC of a test. domain found nothing.  So with a forwarder
 * those zones are made transparent: asked upstream like any other name.
 * localhost., invalid. and onion. stay answered here (RFC 6761 6.3-6.4,
 * RFC 7686): no server may know them.
 */
static const char *const forwarded_zones[] = {
	"test.", "home.arpa.",
	"10.in-addr.arpa.", "168.192.in-addr.arpa.",
	"16.172.in-addr.arpa.", "17.172.in-addr.arpa.", "18.172.in-addr.arpa.",
	"19.172.in-addr.arpa.", "20.172.in-addr.arpa.", "21.172.in-addr.arpa.",
	"22.172.in-addr.arpa.", "23.172.in-addr.arpa.", "24.172.in-addr.arpa.",
	"25.172.in-addr.arpa.", "26.172.in-addr.arpa.", "27.172.in-addr.arpa.",
	"28.172.in-addr.arpa.", "29.172.in-addr.arpa.", "30.172.in-addr.arpa.",
	"31.172.in-addr.arpa.", "254.169.in-addr.arpa.",
	"2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.",
	"113.0.203.in-addr.arpa.", "d.f.ip6.arpa.",
	"8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.",
	"b.e.f.ip6.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.",
};

static int
forward_special_zones(struct ub_ctx *ctx, const char **what)
{
	size_t i;
	int rc;

	for (i = 0; i < sizeof(forwarded_zones) / sizeof(forwarded_zones[0]);
	    i++)
		if ((rc = ub_ctx_zone_add(ctx, forwarded_zones[i],
		    "transparent")) != 0) {
			*what = "local zone";
			return rc;
		}
	return 0;
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
	cache_init(u);
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
	/* Last: adding a zone fixes the settings above (finalizes). */
	if (cfg->forwarders != NULL && cfg->forwarders[0] != NULL &&
	    (rc = forward_special_zones(u->ctx, &what)) != 0)
		goto ubfail;
	return &u->base;
ubfail:
	snprintf(err, errlen, "unbound %s: %s", what, ub_strerror(rc));
fail:
	if (u->ctx != NULL)
		ub_ctx_delete(u->ctx);
	cache_free(u);
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
