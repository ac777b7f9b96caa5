/*
 * scanner_queue.c - a scan shared by many machines through Redis Streams.
 *
 *   KEY:targets   stream of {target}; consumer group "scanners"
 *   KEY:results   stream of {target, json}, one entry per target
 *   KEY:done      hash target -> 1, so a result is recorded only once
 *   KEY:queued    set of targets ever queued, so queueing a list again
 *                 (or an overlapping one) adds no target twice
 *
 * A worker takes a batch with XREADGROUP; the entries stay pending under
 * its name until it has written their results and acknowledged them
 * (XACK).  If a worker dies, its pending entries grow idle and another
 * worker claims them back with XAUTOCLAIM (Redis >= 6.2) and probes them.
 * The result and the acknowledgement are one Lua script, and the script
 * writes a result only if KEY:done did not have the target, so even when
 * a slow worker and a claimant both finish a target, the results stream
 * gets it once.  A worker stops when the stream has nothing new and
 * nothing pending for anyone.
 *
 * Memory: each batch is a heap array of targets freed after the batch.
 * Ceilings: QUEUE_MAX_BATCH entries a batch, QUEUE_KEY_MAX key length.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis.h>

#include "audit/scanner.h"

#define QUEUE_MAX_BATCH		10000
#define QUEUE_KEY_MAX		128
#define QUEUE_GROUP		"scanners"

struct queue {
	redisContext	*rc;
	char		 targets[QUEUE_KEY_MAX + 16];
	char		 results[QUEUE_KEY_MAX + 16];
	char		 done[QUEUE_KEY_MAX + 16];
	char		 queued[QUEUE_KEY_MAX + 16];
};

/* Queues a target unless it was queued before. */
static const char enqueue_script[] =
	"if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then "
	"redis.call('XADD', KEYS[1], '*', 'target', ARGV[1]) return 1 end "
	"return 0";

/* Records a result once and acknowledges the entry, atomically. */
static const char record_script[] =
	"if redis.call('HSETNX', KEYS[3], ARGV[2], 1) == 1 then "
	"redis.call('XADD', KEYS[2], '*', 'target', ARGV[2], 'json', ARGV[3]) "
	"end "
	"return redis.call('XACK', KEYS[1], '" QUEUE_GROUP "', ARGV[1])";

/* redis://HOST:PORT[/KEY] */
static int
queue_open(struct queue *q, const char *url, char *err, size_t errlen)
{
	char host[256];
	const char *p, *colon, *slash, *key = "mailtrust:scan";
	long port = 6379;
	struct timeval tv = { 5, 0 };
	size_t n;

	memset(q, 0, sizeof(*q));
	if (strncmp(url, "redis://", 8) != 0) {
		snprintf(err, errlen, "queue: want redis://HOST:PORT[/KEY]");
		return -1;
	}
	p = url + 8;
	slash = strchr(p, '/');
	colon = memchr(p, ':', slash ? (size_t)(slash - p) : strlen(p));
	n = colon ? (size_t)(colon - p) : slash ? (size_t)(slash - p) :
	    strlen(p);
	if (n == 0 || n >= sizeof(host)) {
		snprintf(err, errlen, "queue: bad host in %s", url);
		return -1;
	}
	memcpy(host, p, n);
	host[n] = '\0';
	if (colon != NULL) {
		char *end;

		port = strtol(colon + 1, &end, 10);
		if (port < 1 || port > 65535 || (*end != '\0' && *end != '/')) {
			snprintf(err, errlen, "queue: bad port in %s", url);
			return -1;
		}
	}
	if (slash != NULL && slash[1] != '\0')
		key = slash + 1;
	if (strlen(key) > QUEUE_KEY_MAX || strpbrk(key, " \r\n") != NULL) {
		snprintf(err, errlen, "queue: bad key in %s", url);
		return -1;
	}
	snprintf(q->targets, sizeof(q->targets), "%s:targets", key);
	snprintf(q->results, sizeof(q->results), "%s:results", key);
	snprintf(q->done, sizeof(q->done), "%s:done", key);
	snprintf(q->queued, sizeof(q->queued), "%s:queued", key);
	q->rc = redisConnectWithTimeout(host, (int)port, tv);
	if (q->rc == NULL || q->rc->err) {
		snprintf(err, errlen, "queue: cannot connect to %s:%ld: %s",
		    host, port, q->rc ? q->rc->errstr : "out of memory");
		if (q->rc != NULL)
			redisFree(q->rc);
		q->rc = NULL;
		return -1;
	}
	return 0;
}

static void
queue_close(struct queue *q)
{
	if (q->rc != NULL)
		redisFree(q->rc);
}

static int
reply_ok(struct queue *q, redisReply *r, char *err, size_t errlen)
{
	if (r == NULL) {
		snprintf(err, errlen, "queue: %s", q->rc->errstr);
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "queue: %s", r->str);
		return -1;
	}
	return 0;
}

static int
ensure_group(struct queue *q, char *err, size_t errlen)
{
	redisReply *r = redisCommand(q->rc, "XGROUP CREATE %s %s 0 MKSTREAM",
	    q->targets, QUEUE_GROUP);
	int rc = 0;

	if (r == NULL || (r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "BUSYGROUP", 9) != 0))
		rc = reply_ok(q, r, err, errlen);
	freeReplyObject(r);
	return rc;
}

int
scanner_queue_enqueue(const char *url, char *const *targets, size_t n,
    size_t *added, char *err, size_t errlen)
{
	struct queue q;
	int rc = -1;

	*added = 0;
	if (queue_open(&q, url, err, errlen) == -1)
		return -1;
	if (ensure_group(&q, err, errlen) == -1)
		goto out;
	/* Pipelined: a country-sized list is not one round trip a host. */
	for (size_t i = 0; i < n; i++)
		redisAppendCommand(q.rc, "EVAL %s 2 %s %s %s", enqueue_script,
		    q.targets, q.queued, targets[i]);
	for (size_t i = 0; i < n; i++) {
		redisReply *r = NULL;

		if (redisGetReply(q.rc, (void **)&r) != REDIS_OK ||
		    reply_ok(&q, r, err, errlen) == -1) {
			freeReplyObject(r);
			goto out;
		}
		if (r->type == REDIS_REPLY_INTEGER && r->integer == 1)
			(*added)++;
		freeReplyObject(r);
	}
	rc = 0;
out:
	queue_close(&q);
	return rc;
}

struct batch {
	char		**targets;
	char		**ids;
	size_t		 n;
};

static void
batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->targets[i]);
		free(b->ids[i]);
	}
	free(b->targets);
	free(b->ids);
	memset(b, 0, sizeof(*b));
}

/* Adds the entries of [[id, [field, value, ...]], ...] to the batch. */
static void
batch_add_entries(struct batch *b, const redisReply *entries)
{
	if (entries == NULL || entries->type != REDIS_REPLY_ARRAY)
		return;
	for (size_t i = 0; i < entries->elements; i++) {
		const redisReply *e = entries->element[i], *f;

		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[0]->type != REDIS_REPLY_STRING ||
		    (f = e->element[1])->type != REDIS_REPLY_ARRAY)
			continue;	/* deleted entries come as nil */
		for (size_t k = 0; k + 1 < f->elements; k += 2) {
			char **t, **d;

			if (strcmp(f->element[k]->str, "target") != 0)
				continue;
			t = realloc(b->targets, (b->n + 1) * sizeof(*t));
			if (t != NULL)
				b->targets = t;
			d = realloc(b->ids, (b->n + 1) * sizeof(*d));
			if (d != NULL)
				b->ids = d;
			if (t == NULL || d == NULL)
				return;
			b->targets[b->n] = strdup(f->element[k + 1]->str);
			b->ids[b->n] = strdup(e->element[0]->str);
			if (b->targets[b->n] == NULL || b->ids[b->n] == NULL) {
				free(b->targets[b->n]);
				free(b->ids[b->n]);
				return;
			}
			b->n++;
		}
	}
}

static int
take_batch(struct queue *q, const char *consumer, unsigned count,
    unsigned claim_idle_ms, struct batch *b, char *err, size_t errlen)
{
	redisReply *r;

	/* First what dead workers left behind, then new entries. */
	r = redisCommand(q->rc, "XAUTOCLAIM %s %s %s %u 0-0 COUNT %u",
	    q->targets, QUEUE_GROUP, consumer, claim_idle_ms, count);
	if (reply_ok(q, r, err, errlen) == -1) {
		freeReplyObject(r);
		return -1;
	}
	if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2)
		batch_add_entries(b, r->element[1]);
	freeReplyObject(r);
	if (b->n > 0)
		return 0;
	r = redisCommand(q->rc, "XREADGROUP GROUP %s %s COUNT %u BLOCK 500 "
	    "STREAMS %s >", QUEUE_GROUP, consumer, count, q->targets);
	if (reply_ok(q, r, err, errlen) == -1) {
		freeReplyObject(r);
		return -1;
	}
	if (r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_ARRAY &&
	    r->element[0]->elements == 2)
		batch_add_entries(b, r->element[0]->element[1]);
	freeReplyObject(r);
	return 0;
}

static long long
pending_count(struct queue *q)
{
	redisReply *r = redisCommand(q->rc, "XPENDING %s %s", q->targets,
	    QUEUE_GROUP);
	long long n = -1;

	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER)
		n = r->element[0]->integer;
	freeReplyObject(r);
	return n;
}

struct worker {
	struct queue	*q;
	struct batch	*b;
	FILE		*out;
	bool		 failed;
};

static void
worker_result(const struct scanner_result *res, void *arg)
{
	struct worker *w = arg;
	char *json = scanner_result_line(res, SCANNER_JSON);
	const char *id = NULL;
	redisReply *r;

	for (size_t i = 0; i < w->b->n; i++)
		if (strcmp(w->b->targets[i], res->target) == 0)
			id = w->b->ids[i];
	if (json == NULL || id == NULL) {
		free(json);
		w->failed = true;
		return;
	}
	r = redisCommand(w->q->rc, "EVAL %s 3 %s %s %s %s %s %s",
	    record_script, w->q->targets, w->q->results, w->q->done, id,
	    res->target, json);
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		w->failed = true;	/* stays pending: another will retry */
	freeReplyObject(r);
	fprintf(w->out, "%s\n", json);
	fflush(w->out);
	free(json);
}

int
scanner_queue_work(const char *url, const char *consumer,
    const struct scanner_builds *builds, const struct scanner_options *opt,
    unsigned batch, unsigned claim_idle_ms, FILE *out, char *err,
    size_t errlen)
{
	struct queue q;
	struct worker w = { .q = &q, .out = out };
	int rc = -1;

	if (batch == 0 || batch > QUEUE_MAX_BATCH)
		batch = QUEUE_MAX_BATCH;
	if (queue_open(&q, url, err, errlen) == -1)
		return -1;
	if (ensure_group(&q, err, errlen) == -1)
		goto out;
	for (;;) {
		struct batch b = { 0 };
		long long pending;

		if (take_batch(&q, consumer, batch, claim_idle_ms, &b, err,
		    errlen) == -1)
			goto out;
		if (b.n == 0) {
			if ((pending = pending_count(&q)) == 0)
				break;		/* all done, by someone */
			if (pending < 0) {
				snprintf(err, errlen, "queue: XPENDING failed");
				goto out;
			}
			/* Others are still at work. */
			usleep(200000);
			continue;
		}
		w.b = &b;
		if (scanner_run(builds, opt, b.targets, b.n, worker_result, &w,
		    NULL, NULL) != 0) {
			batch_free(&b);
			snprintf(err, errlen, "worker interrupted");
			goto out;
		}
		batch_free(&b);
		if (w.failed) {
			snprintf(err, errlen,
			    "queue: recording results failed");
			goto out;
		}
	}
	rc = 0;
out:
	queue_close(&q);
	return rc;
}

int
scanner_queue_collect(const char *url, FILE *out, char *err, size_t errlen)
{
	struct queue q;
	char start[64] = "-";
	int rc = -1;

	if (queue_open(&q, url, err, errlen) == -1)
		return -1;
	for (;;) {
		redisReply *r = redisCommand(q.rc, "XRANGE %s %s + COUNT 1000",
		    q.results, start);

		if (reply_ok(&q, r, err, errlen) == -1) {
			freeReplyObject(r);
			goto out;
		}
		if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
			freeReplyObject(r);
			break;
		}
		for (size_t i = 0; i < r->elements; i++) {
			const redisReply *e = r->element[i], *f;

			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
				continue;
			f = e->element[1];
			for (size_t k = 0; k + 1 < f->elements; k += 2)
				if (strcmp(f->element[k]->str, "json") == 0)
					fprintf(out, "%s\n",
					    f->element[k + 1]->str);
			/* Exclusive start for the next page: "(" + id. */
			snprintf(start, sizeof(start), "(%s",
			    e->element[0]->str);
		}
		freeReplyObject(r);
	}
	rc = 0;
out:
	queue_close(&q);
	return rc;
}
