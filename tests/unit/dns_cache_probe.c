/*
 * dns_cache_probe.c - asks questions through one libunbound resolver,
 * so that tests/e2e/realdns.sh can see the resolver's answer cache
 * across questions while it stops, restarts and changes its knotd in
 * between.  Not a Meson test: it needs that server.
 *
 * Reads one command per line on stdin and answers each with one line
 * on stdout (flushed, so the script can wait for it):
 *
 *   NAME TYPE              -> STATUS TTL SENT
 *   threads NAME TYPE      -> STATUS SENT
 *   fill SUFFIX N TYPE T   -> OK SENT
 *
 * STATUS is dns_status_name() of the answer ("mixed" when the threads
 * disagree), TTL the first record's ("-" without records), OK how many
 * of the N answers were ok.  SENT counts the questions the backend has
 * handed to libunbound so far: every call of ub_resolve_async() passes
 * through the definition below, which the dynamic linker binds ahead
 * of libunbound's own (the program defines it), and which then calls
 * libunbound's through dlsym(RTLD_NEXT).
 * An answer that leaves SENT as it was came from the backend's cache,
 * not from libunbound's, which would also answer with the server
 * stopped.
 *
 * Every question gets a new batch and arena, as a new message would,
 * so the batch's own cache never answers.  "threads" asks its question
 * PROBE_ROUNDS times from each of PROBE_THREADS threads; "fill" asks
 * for "0.SUFFIX" .. "N-1.SUFFIX", PROBE_FILL_BATCH at a time, split
 * over T threads: with one, the answers are stored in the order of the
 * names; with more, inserts and evictions race.
 *
 * Usage: dns_cache_probe IP@PORT TIMEOUT_MS.  Exit 0 at the end of
 * input, 1 when the resolver cannot start or a command is bad.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound.h>

#include "dns/dns.h"
#include "util/arena.h"

#define PROBE_THREADS		8
#define PROBE_ROUNDS		200
#define PROBE_LINE_MAX		512
#define PROBE_FILL_MAX		100000
#define PROBE_FILL_BATCH	100

typedef int (*resolve_fn)(struct ub_ctx *, const char *, int, int, void *,
    ub_callback_type, int *);

static resolve_fn real_resolve_async;
static atomic_ulong sent;

int
ub_resolve_async(struct ub_ctx *ctx, const char *name, int rrtype,
    int rrclass, void *mydata, ub_callback_type callback, int *async_id)
{
	atomic_fetch_add(&sent, 1);
	return real_resolve_async(ctx, name, rrtype, rrclass, mydata,
	    callback, async_id);
}

struct worker {
	pthread_t	 tid;
	struct dns_resolver *r;
	const char	*name;		/* "threads" */
	const char	*suffix;	/* "fill" */
	unsigned	 from, to;	/* "fill": names from..to-1 */
	uint16_t	 type;
	enum dns_status	 status;	/* "threads": the common answer */
	bool		 mixed;
	unsigned	 ok;		/* "fill" */
};

/* One question in a batch of its own; status and first TTL (-1: none). */
static enum dns_status
ask(struct dns_resolver *r, const char *name, uint16_t type, long *ttl)
{
	const struct dns_result *res;
	struct dns_batch *b = NULL;
	struct arena *a;
	enum dns_status st = DNS_ERROR;

	*ttl = -1;
	if ((a = arena_new(0)) == NULL || (b = dns_batch_new(r, a)) == NULL)
		goto out;
	res = dns_lookup(b, name, type);
	st = res->status;
	if (res->n > 0)
		*ttl = res->rr[0].ttl;
out:
	dns_batch_free(b);
	arena_free(a);
	return st;
}

static void *
same_work(void *arg)
{
	struct worker *w = arg;
	enum dns_status st;
	long ttl;
	unsigned i;

	for (i = 0; i < PROBE_ROUNDS; i++) {
		st = ask(w->r, w->name, w->type, &ttl);
		if (i == 0)
			w->status = st;
		else if (st != w->status)
			w->mixed = true;
	}
	return NULL;
}

static void *
fill_work(void *arg)
{
	struct worker *w = arg;
	struct dns_query *q[PROBE_FILL_BATCH];
	struct dns_batch *b;
	struct arena *a;
	char name[300];
	unsigned i, k, n;

	for (i = w->from; i < w->to; i += n) {
		n = w->to - i < PROBE_FILL_BATCH ? w->to - i :
		    PROBE_FILL_BATCH;
		if ((a = arena_new(0)) == NULL)
			return NULL;
		if ((b = dns_batch_new(w->r, a)) == NULL) {
			arena_free(a);
			return NULL;
		}
		for (k = 0; k < n; k++) {
			snprintf(name, sizeof(name), "%u.%s", i + k,
			    w->suffix);
			q[k] = dns_submit(b, name, w->type);
		}
		for (k = 0; k < n; k++)
			if (dns_wait(b, q[k])->status == DNS_OK)
				w->ok++;
		dns_batch_free(b);
		arena_free(a);
	}
	return NULL;
}

/* Runs w[0..n-1] with fn and waits for all of them. */
static void
run_threads(struct worker *w, unsigned n, void *(*fn)(void *))
{
	unsigned i;

	for (i = 0; i < n; i++)
		pthread_create(&w[i].tid, NULL, fn, &w[i]);
	for (i = 0; i < n; i++)
		pthread_join(w[i].tid, NULL);
}

static int
command(struct dns_resolver *r, char *line)
{
	struct worker w[PROBE_THREADS];
	char *word[5], *save = NULL;
	unsigned i, nw = 0, total = 0;
	int type;
	long ttl, count, nt;
	enum dns_status st;

	for (char *p = strtok_r(line, " \t\n", &save); p != NULL;
	    p = strtok_r(NULL, " \t\n", &save)) {
		if (nw == 5)
			return -1;
		word[nw++] = p;
	}
	if (nw == 0)
		return 0;
	memset(w, 0, sizeof(w));
	if (nw == 2) {
		if ((type = dns_type_from_name(word[1])) < 0)
			return -1;
		st = ask(r, word[0], (uint16_t)type, &ttl);
		if (ttl >= 0)
			printf("%s %ld %lu\n", dns_status_name(st), ttl,
			    atomic_load(&sent));
		else
			printf("%s - %lu\n", dns_status_name(st),
			    atomic_load(&sent));
		return 0;
	}
	if (nw == 3 && strcmp(word[0], "threads") == 0) {
		if ((type = dns_type_from_name(word[2])) < 0)
			return -1;
		for (i = 0; i < PROBE_THREADS; i++) {
			w[i].r = r;
			w[i].name = word[1];
			w[i].type = (uint16_t)type;
		}
		run_threads(w, PROBE_THREADS, same_work);
		for (i = 1; i < PROBE_THREADS; i++)
			if (w[i].mixed || w[i].status != w[0].status)
				w[0].mixed = true;
		printf("%s %lu\n", w[0].mixed ? "mixed" :
		    dns_status_name(w[0].status), atomic_load(&sent));
		return 0;
	}
	if (nw == 5 && strcmp(word[0], "fill") == 0) {
		count = strtol(word[2], NULL, 10);
		nt = strtol(word[4], NULL, 10);
		if (count <= 0 || count > PROBE_FILL_MAX ||
		    (type = dns_type_from_name(word[3])) < 0 || nt <= 0 ||
		    nt > PROBE_THREADS)
			return -1;
		for (i = 0; i < nt; i++) {
			w[i].r = r;
			w[i].suffix = word[1];
			w[i].type = (uint16_t)type;
			w[i].from = (unsigned)(count * i / nt);
			w[i].to = (unsigned)(count * (i + 1) / nt);
		}
		run_threads(w, (unsigned)nt, fill_work);
		for (i = 0; i < nt; i++)
			total += w[i].ok;
		printf("%u %lu\n", total, atomic_load(&sent));
		return 0;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	const char *fwd[2] = { NULL, NULL };
	struct dns_config cfg = { 0 };
	struct dns_resolver *r;
	char line[PROBE_LINE_MAX], err[256];
	long ms;
	int rc = 0;

	if (argc != 3 || (ms = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: dns_cache_probe IP@PORT TIMEOUT_MS\n");
		return 1;
	}
	/* Found before any thread runs; the pointer never changes again. */
	*(void **)&real_resolve_async = dlsym(RTLD_NEXT, "ub_resolve_async");
	if (real_resolve_async == NULL) {
		fprintf(stderr, "dns_cache_probe: %s\n", dlerror());
		return 1;
	}
	fwd[0] = argv[1];
	cfg.forwarders = fwd;
	cfg.timeout_ms = (unsigned)ms;
	if ((r = dns_unbound_open(&cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dns_cache_probe: %s\n", err);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (command(r, line) == -1) {
			fprintf(stderr, "dns_cache_probe: bad command\n");
			printf("error\n");
			rc = 1;
		}
		fflush(stdout);
	}
	dns_resolver_free(r);
	return rc;
}
