/*
 * test_store.c - the store suite: the same tests for every backend.
 *
 *   test_store [SPEC [BREAK-COMMAND]]
 *
 * Without SPEC it runs against a fresh SQLite file in a temporary
 * directory (the unit test).  tests/e2e/store.sh runs it again with the
 * spec of a Redis server it started, so both backends must pass the same
 * checks.  The store named by SPEC must be empty (for Redis: use a fresh
 * ?prefix=).  Also tests what does not need the backend: spec parsing,
 * limits, read-only mode, an unreachable Redis.  With BREAK-COMMAND (a
 * shell command that cuts the store's connections, e.g. redis-cli
 * CLIENT KILL) it also checks that the store reconnects by itself and
 * never counts a failed call.  Prints TAP.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "store/quarantine.h"
#include "store/store.h"

#define THREADS		8
#define THREAD_ADDS	200

static const char *spec;

static void
digest_of(unsigned char d[STORE_DIGEST_LEN], int seed)
{
	int i;

	/* NUL and high bytes on purpose: digests are binary. */
	for (i = 0; i < STORE_DIGEST_LEN; i++)
		d[i] = (unsigned char)(i == 3 ? 0 :
		    (seed * 37 + i * 11) & 0xff);
}

static struct store *
open_or_die(void)
{
	char err[512];
	struct store *st = store_open(spec, err, sizeof(err));

	if (st == NULL) {
		printf("Bail out! cannot open %s: %s\n", spec, err);
		exit(1);
	}
	return st;
}

static void
test_specs(void)
{
	static const char *const bad[] = {
		"", "bogus:xyz", "redis://", "redis://host:99999/0",
		"redis://host:0", "redis://h/x", "redis://h:1/0?nope=1",
		"redis://[::1/0", "unix:", "unix:/s?db=x",
		"sqlite:/nonexistent-dir-mt/x/store.db",
	};
	char err[512], buf[STORE_SPEC_MAX + 1];
	struct store *st;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		st = store_open(bad[i], err, sizeof(err));
		ok(st == NULL && err[0] != '\0', "spec '%s' refused (%s)",
		    bad[i], err);
		store_close(st);
	}
	/* Parsing alone: port 1 refuses at once, which is not an error. */
	st = store_open("redis://:pw@127.0.0.1:1/3?prefix=x:", err,
	    sizeof(err));
	ok(st != NULL, "redis spec with password, db, prefix accepted");
	if (st != NULL)
		is_str(store_backend_name(st), "redis", "backend name");
	store_close(st);
	st = store_open("redis://[::1]:1", err, sizeof(err));
	ok(st != NULL, "IPv6 host in brackets accepted");
	store_close(st);

	setenv("MAILTRUST_STORE", "redis://127.0.0.1:9/1", 1);
	ok(store_default_spec(buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "redis://127.0.0.1:9/1") == 0,
	    "$MAILTRUST_STORE is the default spec");
	unsetenv("MAILTRUST_STORE");
	setenv("HOME", "/home/someone", 1);
	ok(store_default_spec(buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "sqlite:/home/someone/.local/share/mailtrust/store.db")
	    == 0, "else a SQLite file under $HOME (%s)", buf);
	ok(store_default_spec(buf, 10) == -1, "too small a buffer refused");
}

/* A Redis that is not there: errors, no crash, no long wait. */
static void
test_down(void)
{
	static const char *const toks[] = { "a", "b" };
	struct store_counts c[2], t;
	struct store_sender s;
	unsigned char d[STORE_DIGEST_LEN];
	char err[256];
	struct store *st;
	int64_t v;
	time_t t0 = time(NULL);

	st = store_open("redis://127.0.0.1:1/0", err, sizeof(err));
	ok(st != NULL, "a dead Redis still opens (it may come up later)");
	if (st == NULL)
		return;
	digest_of(d, 1);
	is_int(store_ping(st), STORE_ERR_DOWN, "ping: down");
	is_int(store_counter_add(st, "x", 1, &v), STORE_ERR_DOWN,
	    "counter: down");
	is_int(store_bayes_lookup(st, toks, 2, c, &t), STORE_ERR_DOWN,
	    "lookup: down");
	is_int(store_bayes_learn(st, d, STORE_SPAM, toks, 2), STORE_ERR_DOWN,
	    "learn: down");
	is_int(store_sender_get(st, "a@b.c", &s), STORE_ERR_DOWN,
	    "sender: down");
	ok(time(NULL) - t0 < 5, "failing took no long timeouts");
	ok(strstr(store_strerror(STORE_ERR_DOWN), "unreachable") != NULL,
	    "down has words: %s", store_strerror(STORE_ERR_DOWN));
	store_close(st);
}

static void
test_limits(struct store *st)
{
	char big[STORE_TOKEN_MAX + 2], name[STORE_NAME_MAX + 2];
	const char *toks[1], **many;
	struct store_counts c, t;
	unsigned char d[STORE_DIGEST_LEN];
	int64_t v;
	size_t i;

	digest_of(d, 99);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	toks[0] = big;
	is_int(store_bayes_learn(st, d, STORE_SPAM, toks, 1), STORE_ERR_ARG,
	    "a token over STORE_TOKEN_MAX is refused");
	big[STORE_TOKEN_MAX] = '\0';
	is_int(store_bayes_lookup(st, toks, 1, &c, &t), STORE_OK,
	    "a token of exactly STORE_TOKEN_MAX is fine");
	toks[0] = "";
	is_int(store_bayes_lookup(st, toks, 1, &c, &t), STORE_ERR_ARG,
	    "an empty token is refused");
	many = calloc(STORE_BATCH_MAX + 1, sizeof(*many));
	for (i = 0; i <= STORE_BATCH_MAX; i++)
		many[i] = "t";
	is_int(store_bayes_learn(st, d, STORE_HAM, many, STORE_BATCH_MAX + 1),
	    STORE_ERR_ARG, "more than STORE_BATCH_MAX tokens refused");
	free(many);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	is_int(store_counter_add(st, name, 1, &v), STORE_ERR_ARG,
	    "a counter name over STORE_NAME_MAX is refused");
	is_int(store_counter_add(st, "", 1, &v), STORE_ERR_ARG,
	    "an empty counter name is refused");
	is_int(store_sender_record(st, "", 1, NULL, NULL), STORE_ERR_ARG,
	    "an empty sender is refused");
}

static void
test_counters(struct store *st)
{
	int64_t v = -1;
	int r;

	r = store_counter_get(st, "test.c1", &v);
	ok(r == STORE_OK && v == 0,
	    "a new counter reads 0");
	r = store_counter_add(st, "test.c1", 5, &v);
	ok(r == STORE_OK && v == 5,
	    "add 5 -> 5");
	r = store_counter_add(st, "test.c1", -2, &v);
	ok(r == STORE_OK && v == 3,
	    "add -2 -> 3");
	r = store_counter_get(st, "test.c1", &v);
	ok(r == STORE_OK && v == 3,
	    "get -> 3");
	r = store_counter_add(st, "test.c1", 0, NULL);
	ok(r == STORE_OK,
	    "value pointer may be NULL");
	r = store_counter_add(st, "test.ü wörd", 1, &v);
	ok(r == STORE_OK && v == 1,
	    "UTF-8 counter names");
}

struct worker {
	struct store	*st;	/* shared, or NULL: open its own */
	int		 status;
	int		 seed;
};

static void *
add_many(void *arg)
{
	struct worker *w = arg;
	struct store *st = w->st != NULL ? w->st : open_or_die();
	int i, r;

	w->status = STORE_OK;
	for (i = 0; i < THREAD_ADDS; i++)
		if ((r = store_counter_add(st, "test.race", 1, NULL)) !=
		    STORE_OK)
			w->status = r;
	if (w->st == NULL)
		store_close(st);
	return NULL;
}

/* Many threads learn the same message at once: it must count once. */
static void *
learn_same(void *arg)
{
	static const char *const toks[] = { "race-a", "race-b", "race-c" };
	struct worker *w = arg;
	struct store *st = open_or_die();
	unsigned char d[STORE_DIGEST_LEN];

	digest_of(d, 4242);
	w->status = store_bayes_learn(st, d, STORE_SPAM, toks, 3);
	store_close(st);
	return NULL;
}

static void
test_concurrency(struct store *st)
{
	static const char *const toks[] = { "race-a" };
	pthread_t th[THREADS];
	struct worker w[THREADS];
	struct store_counts c, t0, t1;
	int64_t v;
	int i, okn, learned;
	int r;

	memset(w, 0, sizeof(w));
	for (i = 0; i < THREADS; i++) {
		w[i].st = (i % 2 == 0) ? st : NULL;
		pthread_create(&th[i], NULL, add_many, &w[i]);
	}
	okn = 0;
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		okn += w[i].status == STORE_OK;
	}
	ok(okn == THREADS, "threads on shared and own handles all succeed");
	r = store_counter_get(st, "test.race", &v);
	ok(r == STORE_OK &&
	    v == THREADS * THREAD_ADDS,
	    "concurrent increments are atomic (%lld)", (long long)v);

	store_bayes_totals(st, &t0);
	for (i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, learn_same, &w[i]);
	okn = learned = 0;
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		learned += w[i].status == STORE_OK;
		okn += w[i].status == STORE_EXISTS;
	}
	ok(learned == 1 && okn == THREADS - 1,
	    "same message learned at once by %d: once learned, %d already",
	    THREADS, okn);
	store_bayes_lookup(st, toks, 1, &c, &t1);
	ok(t1.spam == t0.spam + 1 && c.spam == 1,
	    "and counted once (spam total +%lld, token %lld)",
	    (long long)(t1.spam - t0.spam), (long long)c.spam);
}

static void
test_bayes(struct store *st)
{
	static const char *const a[] = { "cheap", "pills", "url:x.ru",
	    "größe" };
	static const char *const b[] = { "cheap", "hello" };
	static const char *const c[] = { "hello", "meeting" };
	static const char *const q[] = { "cheap", "pills", "hello",
	    "meeting", "never-seen", "größe" };
	unsigned char da[STORE_DIGEST_LEN], db[STORE_DIGEST_LEN],
	    dc[STORE_DIGEST_LEN];
	struct store_counts k[6], t;
	enum store_class was = STORE_HAM, cls;
	const char **many;
	struct store_counts *mc;
	char (*names)[16];
	size_t i, good;
	int r;

	digest_of(da, 1);
	digest_of(db, 2);
	digest_of(dc, 3);
	r = store_bayes_totals(st, &t);
	ok(r == STORE_OK && t.ham == 0 &&
	    t.spam == 0, "an empty store has learned nothing");
	if (t.ham != 0 || t.spam != 0) {
		printf("Bail out! the store %s is not empty\n", spec);
		exit(1);
	}
	is_int(store_bayes_learned(st, da, &cls), STORE_NOT_FOUND,
	    "unknown digest: not learned");
	is_int(store_bayes_learn(st, da, STORE_SPAM, a, 4), STORE_OK,
	    "learn A as spam");
	is_int(store_bayes_learn(st, da, STORE_SPAM, a, 4), STORE_EXISTS,
	    "learning A again: already learned");
	is_int(store_bayes_learn(st, db, STORE_SPAM, b, 2), STORE_OK,
	    "learn B as spam");
	is_int(store_bayes_learn(st, dc, STORE_HAM, c, 2), STORE_OK,
	    "learn C as ham");
	r = store_bayes_lookup(st, q, 6, k, &t);
	ok(r == STORE_OK, "lookup");
	ok(t.ham == 1 && t.spam == 2, "totals: 1 ham, 2 spam (%lld, %lld)",
	    (long long)t.ham, (long long)t.spam);
	ok(k[0].spam == 2 && k[0].ham == 0, "cheap: spam 2 (twice learned "
	    "A counted once)");
	ok(k[1].spam == 1 && k[2].spam == 1 && k[2].ham == 1 &&
	    k[3].ham == 1 && k[3].spam == 0, "pills, hello, meeting");
	ok(k[4].ham == 0 && k[4].spam == 0, "an unseen token is 0/0");
	ok(k[5].spam == 1, "UTF-8 token");

	/* Relearning B as ham moves it. */
	is_int(store_bayes_learn(st, db, STORE_HAM, b, 2), STORE_OK,
	    "relearn B as ham");
	r = store_bayes_learned(st, db, &cls);
	ok(r == STORE_OK && cls == STORE_HAM,
	    "B is now ham");
	store_bayes_lookup(st, q, 6, k, &t);
	ok(t.ham == 2 && t.spam == 1 && k[0].spam == 1 && k[0].ham == 1 &&
	    k[2].ham == 2 && k[2].spam == 0, "B's counts moved to ham");

	/* Forgetting takes back exactly what was learned. */
	r = store_bayes_forget(st, da, a, 4, &was);
	ok(r == STORE_OK &&
	    was == STORE_SPAM, "forget A (it was spam)");
	is_int(store_bayes_forget(st, da, a, 4, NULL), STORE_NOT_FOUND,
	    "forget A again: not learned");
	store_bayes_lookup(st, q, 6, k, &t);
	ok(t.spam == 0 && k[1].spam == 0 && k[0].spam == 0 && k[0].ham == 1,
	    "A's tokens are gone, B's remain");
	r = store_bayes_forget(st, db, b, 2, &was);
	ok(r == STORE_OK &&
	    was == STORE_HAM, "forget B (ham)");
	r = store_bayes_forget(st, dc, c, 2, NULL);
	ok(r == STORE_OK, "forget C");
	store_bayes_lookup(st, q, 6, k, &t);
	good = t.ham == 0 && t.spam == 0;
	for (i = 0; i < 6; i++)
		good = good && k[i].ham == 0 && k[i].spam == 0;
	ok(good, "after forgetting everything the store is back to zero");

	/* A full batch in one call. */
	many = calloc(STORE_BATCH_MAX, sizeof(*many));
	mc = calloc(STORE_BATCH_MAX, sizeof(*mc));
	names = calloc(STORE_BATCH_MAX, sizeof(*names));
	for (i = 0; i < STORE_BATCH_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "batch%zu", i);
		many[i] = names[i];
	}
	is_int(store_bayes_learn(st, da, STORE_HAM, many, STORE_BATCH_MAX),
	    STORE_OK, "learn %d tokens at once", STORE_BATCH_MAX);
	r = store_bayes_lookup(st, many, STORE_BATCH_MAX, mc, &t);
	ok(r == STORE_OK,
	    "look %d tokens up at once", STORE_BATCH_MAX);
	for (good = 0, i = 0; i < STORE_BATCH_MAX; i++)
		good += mc[i].ham == 1 && mc[i].spam == 0;
	is_int(good, STORE_BATCH_MAX, "every token of the batch counted");
	r = store_bayes_forget(st, da, many, STORE_BATCH_MAX, NULL);
	ok(r ==
	    STORE_OK, "forget the batch");
	free(many);
	free(mc);
	free(names);
}

static void
test_sender(struct store *st)
{
	struct store_sender s;
	int64_t m0, m;
	int r;

	is_int(store_sender_get(st, "alice@example.org", &s), STORE_NOT_FOUND,
	    "an unknown sender");
	r = store_sender_record(st, "alice@example.org", 1000, &s, &m0);
	ok(r ==
	    STORE_OK && s.count == 0, "first record: never seen before");
	r = store_sender_record(st, "alice@example.org", 2000, &s, &m);
	ok(r ==
	    STORE_OK && s.count == 1 && s.first_seen == 1000 &&
	    s.last_seen == 1000 && m == m0 + 1,
	    "second: seen once, at 1000; history grew by one");
	r = store_sender_record(st, "alice@example.org", 500, &s, &m);
	ok(r ==
	    STORE_OK && s.count == 2 && s.last_seen == 2000,
	    "an older message recorded late");
	r = store_sender_get(st, "alice@example.org", &s);
	ok(r == STORE_OK &&
	    s.count == 3 && s.first_seen == 500 && s.last_seen == 2000,
	    "first and last are the extremes (%lld..%lld, %lld)",
	    (long long)s.first_seen, (long long)s.last_seen,
	    (long long)s.count);
	r = store_sender_record(st, "bob@example.org", 3000, &s, &m);
	ok(r ==
	    STORE_OK && s.count == 0 && m == m0 + 3,
	    "another sender is new; the history holds %lld before it",
	    (long long)m);
}

static void
fill(struct store_dmarc_record *r, const char *domain, time_t t,
    const char *ip)
{
	memset(r, 0, sizeof(*r));
	r->time = t;
	r->count = 1;
	snprintf(r->domain, sizeof(r->domain), "%s", domain);
	snprintf(r->reporter, sizeof(r->reporter), "mx.receiver.test");
	snprintf(r->source_ip, sizeof(r->source_ip), "%s", ip);
	snprintf(r->header_from, sizeof(r->header_from), "%s", domain);
	snprintf(r->envelope_from, sizeof(r->envelope_from),
	    "bounce@mail.%s", domain);
	snprintf(r->dkim_domain, sizeof(r->dkim_domain), "%s", domain);
	snprintf(r->dkim_selector, sizeof(r->dkim_selector), "s2024");
	snprintf(r->dkim_result, sizeof(r->dkim_result), "pass");
	snprintf(r->spf_domain, sizeof(r->spf_domain), "mail.%s", domain);
	snprintf(r->spf_result, sizeof(r->spf_result), "fail");
	snprintf(r->disposition, sizeof(r->disposition), "none");
	snprintf(r->policy, sizeof(r->policy), "quarantine");
}

static void
test_dmarc(struct store *st)
{
	struct store_dmarc_record rec, out[8];
	int r;
	size_t n, n2;

	fill(&rec, "example.com", 300, "192.0.2.3");
	r = store_dmarc_add(st, &rec);
	ok(r == STORE_OK, "add a record at 300");
	fill(&rec, "example.com", 100, "2001:db8::1");
	rec.count = 7;
	r = store_dmarc_add(st, &rec);
	ok(r == STORE_OK, "add one at 100 (7 messages)");
	fill(&rec, "example.com", 200, "192.0.2.2");
	r = store_dmarc_add(st, &rec);
	ok(r == STORE_OK, "add one at 200");
	fill(&rec, "other.example", 150, "198.51.100.1");
	r = store_dmarc_add(st, &rec);
	ok(r == STORE_OK, "add one for another domain");
	fill(&rec, "example.com", 200, "192.0.2.2");
	r = store_dmarc_add(st, &rec);
	ok(r == STORE_OK,
	    "add an identical record: kept as its own row");

	r = store_dmarc_list(st, "example.com", 100, 300, out, 8, &n);
	ok(r ==
	    STORE_OK && n == 3, "[100, 300): three records (%zu)", n);
	ok(n == 3 && out[0].time == 100 && out[1].time == 200 &&
	    out[2].time == 200 && out[1].id < out[2].id,
	    "oldest first, ties in insertion order");
	ok(n >= 1 && out[0].count == 7 &&
	    strcmp(out[0].source_ip, "2001:db8::1") == 0 &&
	    strcmp(out[0].envelope_from, "bounce@mail.example.com") == 0 &&
	    strcmp(out[0].dkim_selector, "s2024") == 0 &&
	    strcmp(out[0].spf_result, "fail") == 0 &&
	    strcmp(out[0].policy, "quarantine") == 0 &&
	    strcmp(out[0].reporter, "mx.receiver.test") == 0 &&
	    strcmp(out[0].disposition, "none") == 0,
	    "every field comes back");
	r = store_dmarc_list(st, "example.com", 0, 1000, out, 2, &n);
	ok(r ==
	    STORE_OK && n == 2, "max caps the list");
	r = store_dmarc_list(st, "other.example", 0, 1000, out, 8, &n);
	ok(r ==
	    STORE_OK && n == 1 && out[0].time == 150, "per domain");
	r = store_dmarc_list(st, "nobody.example", 0, 1000, out, 8, &n);
	ok(r ==
	    STORE_OK && n == 0, "an unknown domain has no records");
	{
		store_domain doms[4];

		r = store_dmarc_domains(st, doms, 4, &n);
		ok(r == STORE_OK && n == 2 && strcmp(doms[0], "example.com")
		    == 0 && strcmp(doms[1], "other.example") == 0,
		    "the domains with records, sorted (%zu)", n);
		r = store_dmarc_domains(st, doms, 1, &n);
		ok(r == STORE_OK && n == 1, "max caps the domains");
		is_int(store_dmarc_domains(st, NULL, 4, &n), STORE_ERR_ARG,
		    "no room for domains refused");
	}

	fill(&rec, "example.com", 1, "192.0.2.9");
	rec.count = 0;
	is_int(store_dmarc_add(st, &rec), STORE_ERR_ARG, "count 0 refused");
	fill(&rec, "example.com", 1, "192.0.2.9");
	memset(rec.policy, 'x', sizeof(rec.policy));
	is_int(store_dmarc_add(st, &rec), STORE_ERR_ARG,
	    "an unterminated field is refused, not read past");
	fill(&rec, "example.com", 1, "192.0.2.9");
	snprintf(rec.reporter, sizeof(rec.reporter), "bad\xff\xfe");
	is_int(store_dmarc_add(st, &rec), STORE_ERR_ARG,
	    "invalid UTF-8 refused the same way by every backend");
	fill(&rec, "", 1, "192.0.2.9");
	is_int(store_dmarc_add(st, &rec), STORE_ERR_ARG, "no domain refused");

	r = store_dmarc_expire(st, 200, &n);
	ok(r == STORE_OK && n == 2,
	    "expire before 200 removes two (%zu)", n);
	r = store_dmarc_list(st, "example.com", 0, 1000, out, 8, &n2);
	ok(r ==
	    STORE_OK && n2 == 3 && out[0].time == 200, "the rest remain");
}

static void
q_fill(struct quarantine_entry *e, const char *id, time_t t)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->time = t;
	e->size = 1234;
	e->score = 9.25;
	e->n_rcpt = 3;
	snprintf(e->verdict, sizeof(e->verdict), "phishing");
	snprintf(e->sender, sizeof(e->sender), "s@example.org");
	snprintf(e->rcpt, sizeof(e->rcpt), "r@example.net");
	snprintf(e->client_ip, sizeof(e->client_ip), "2001:db8::7");
	snprintf(e->from, sizeof(e->from), "Bank <b@example.com>");
	/* Not UTF-8, and a tab: kept as they came. */
	snprintf(e->subject, sizeof(e->subject), "Konto \xfc\tgesperrt");
}

struct q_seen {
	char	ids[8][QUARANTINE_ID_MAX + 1];
	char	hosts[8][STORE_HOST_MAX + 1];
	int	n, stop_after;
};

static int
q_collect(void *arg, const struct quarantine_entry *e, const char *host)
{
	struct q_seen *s = arg;

	if (s->n < 8) {
		snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", e->id);
		snprintf(s->hosts[s->n], sizeof(s->hosts[0]), "%s", host);
	}
	s->n++;
	return s->stop_after > 0 && s->n >= s->stop_after;
}

static int
q_list(struct store *st, const char *host, size_t max, struct q_seen *s,
    size_t *total)
{
	int stop = s->stop_after;

	memset(s, 0, sizeof(*s));
	s->stop_after = stop;
	return store_quarantine_list(st, host, max, q_collect, s, total);
}

static void
test_quarantine_index(struct store *st)
{
	static const char id1[] = "20261123T100000Z-00000000000000a1";
	static const char id2[] = "20261123T100000Z-00000000000000a2";
	static const char id3[] = "0123456789abcdef0123456789abcdef";
	struct quarantine_entry e, got;
	struct q_seen s = { .n = 0 };
	char host[STORE_HOST_MAX + 1];
	size_t total = 99;
	int r;

	r = q_list(st, NULL, 10, &s, &total);
	ok(r == STORE_OK && s.n == 0 && total == 0, "quarantine index empty");
	q_fill(&e, id1, 100);
	is_int(store_quarantine_put(st, &e, "mx1.example.org"), STORE_OK,
	    "quarantine put");
	q_fill(&e, id2, 200);
	is_int(store_quarantine_put(st, &e, "mx1.example.org"), STORE_OK,
	    "second put");
	q_fill(&e, id3, 150);
	is_int(store_quarantine_put(st, &e, "mx2.example.org"), STORE_OK,
	    "put for another host");

	r = store_quarantine_get(st, id1, &got, host, sizeof(host));
	q_fill(&e, id1, 100);
	ok(r == STORE_OK && strcmp(host, "mx1.example.org") == 0 &&
	    got.time == 100 && got.size == 1234 && got.score == 9.25 &&
	    got.n_rcpt == 3, "get: host and numbers");
	ok(strcmp(got.id, id1) == 0 && strcmp(got.verdict, "phishing") == 0 &&
	    strcmp(got.sender, e.sender) == 0 &&
	    strcmp(got.rcpt, e.rcpt) == 0 &&
	    strcmp(got.client_ip, e.client_ip) == 0 &&
	    strcmp(got.from, e.from) == 0, "get: the texts");
	is_str(got.subject, e.subject, "get: a subject that is not UTF-8");
	is_int(store_quarantine_get(st, "20261123T100000Z-00000000000000ff",
	    &got, NULL, 0), STORE_NOT_FOUND, "get of an unknown ID");

	r = q_list(st, NULL, 10, &s, &total);
	ok(r == STORE_OK && s.n == 3 && total == 3 &&
	    strcmp(s.ids[0], id2) == 0 && strcmp(s.ids[1], id3) == 0 &&
	    strcmp(s.ids[2], id1) == 0, "list of all hosts, newest first");
	ok(strcmp(s.hosts[1], "mx2.example.org") == 0, "list gives the host");
	r = q_list(st, "mx1.example.org", 10, &s, &total);
	ok(r == STORE_OK && s.n == 2 && total == 2 &&
	    strcmp(s.ids[0], id2) == 0 && strcmp(s.ids[1], id1) == 0,
	    "list of one host");
	r = q_list(st, "mx1.example.org", 1, &s, &total);
	ok(r == STORE_OK && s.n == 1 && total == 2 &&
	    strcmp(s.ids[0], id2) == 0, "list up to a limit; total is all");
	r = q_list(st, NULL, 0, &s, &total);
	ok(r == STORE_OK && s.n == 0 && total == 3, "limit 0: only the total");
	s.stop_after = 1;
	r = q_list(st, NULL, 10, &s, &total);
	ok(r == STORE_OK && s.n == 1, "the callback stops the walk");
	s.stop_after = 0;
	r = q_list(st, "nobody.example.org", 10, &s, &total);
	ok(r == STORE_OK && s.n == 0 && total == 0, "a host with no records");

	/* The message moved (a host renamed): it leaves the old list. */
	q_fill(&e, id1, 100);
	is_int(store_quarantine_put(st, &e, "mx2.example.org"), STORE_OK,
	    "put again under another host");
	q_list(st, "mx1.example.org", 10, &s, &total);
	ok(total == 1 && strcmp(s.ids[0], id2) == 0, "gone from the old host");
	q_list(st, "mx2.example.org", 10, &s, &total);
	ok(total == 2, "listed under the new host");
	q_list(st, NULL, 10, &s, &total);
	ok(total == 3, "still three records, not four");

	/* Limits: never a path for an ID, never an empty host. */
	q_fill(&e, "../../etc/passwd", 1);
	is_int(store_quarantine_put(st, &e, "h"), STORE_ERR_ARG,
	    "an ID that is not one is refused");
	q_fill(&e, id1, 1);
	is_int(store_quarantine_put(st, &e, ""), STORE_ERR_ARG,
	    "an empty host is refused");
	memset(e.subject, 'x', sizeof(e.subject));
	is_int(store_quarantine_put(st, &e, "h"), STORE_ERR_ARG,
	    "an unterminated field is refused");
	is_int(store_quarantine_del(st, "x/y"), STORE_ERR_ARG,
	    "del of a bad ID refused");
	is_int(store_quarantine_list(st, NULL, STORE_QUARANTINE_LIST_MAX + 1,
	    q_collect, &s, NULL), STORE_ERR_ARG, "list over the limit");

	store_set_readonly(st, true);
	q_fill(&e, id1, 100);
	is_int(store_quarantine_put(st, &e, "h"), STORE_ERR_READONLY,
	    "read-only: put refused");
	is_int(store_quarantine_del(st, id1), STORE_ERR_READONLY,
	    "read-only: del refused");
	r = q_list(st, NULL, 10, &s, &total);
	ok(r == STORE_OK && total == 3, "read-only: list works");
	store_set_readonly(st, false);

	is_int(store_quarantine_del(st, id1), STORE_OK, "del");
	is_int(store_quarantine_del(st, id1), STORE_NOT_FOUND,
	    "del again: not found");
	is_int(store_quarantine_get(st, id1, &got, NULL, 0), STORE_NOT_FOUND,
	    "get after del");
	q_list(st, "mx2.example.org", 10, &s, &total);
	ok(total == 1 && strcmp(s.ids[0], id3) == 0,
	    "del left the host's list");
	is_int(store_quarantine_del(st, id2), STORE_OK, "del the second");
	is_int(store_quarantine_del(st, id3), STORE_OK, "del the third");
	r = q_list(st, NULL, 10, &s, &total);
	ok(r == STORE_OK && s.n == 0 && total == 0, "index empty again");
}

static void
test_readonly(struct store *st)
{
	static const char *const toks[] = { "ro" };
	unsigned char d[STORE_DIGEST_LEN];
	int64_t v = 0;
	int r;

	digest_of(d, 77);
	store_set_readonly(st, true);
	ok(store_readonly(st), "read-only set");
	is_int(store_bayes_learn(st, d, STORE_SPAM, toks, 1),
	    STORE_ERR_READONLY, "learning refused");
	is_int(store_counter_add(st, "test.c1", 1, &v), STORE_ERR_READONLY,
	    "counting refused");
	is_int(store_sender_record(st, "ro@example.org", 1, NULL, NULL),
	    STORE_ERR_READONLY, "recording refused");
	r = store_counter_get(st, "test.c1", &v);
	ok(r == STORE_OK && v == 3,
	    "reading still works");
	store_set_readonly(st, false);
	r = store_counter_add(st, "test.c1", 1, &v);
	ok(r == STORE_OK && v == 4,
	    "writable again");
}

static void
test_reopen(void)
{
	struct store *st = open_or_die();
	struct store_sender s;
	int64_t v = 0;
	int r;

	r = store_counter_get(st, "test.c1", &v);
	ok(r == STORE_OK && v == 4,
	    "a new connection sees the counters");
	r = store_sender_get(st, "alice@example.org", &s);
	ok(r == STORE_OK &&
	    s.count == 3, "and the history");
	store_close(st);
}

/* The connection is cut under the store: it must come back by itself. */
static void
test_reconnect(const char *cmd)
{
	struct store *st = open_or_die();
	int64_t v0 = 0, v = 0;
	int r, tries, oks = 0;

	r = store_counter_add(st, "test.reconnect", 1, &v0);
	ok(r == STORE_OK, "counter before the break");
	if (system(cmd) != 0)
		printf("# break command failed: %s\n", cmd);
	/* The first call may find the dead socket; a later one reconnects. */
	for (tries = 0; tries < 3; tries++) {
		r = store_counter_add(st, "test.reconnect", 1, &v);
		if (r == STORE_OK) {
			oks++;
			break;
		}
		ok(r == STORE_ERR_DOWN, "a broken connection reads as down "
		    "(%s)", store_strerror(r));
		/* Reconnecting waits out REDIS_RETRY_S only after a failed
		 * connect; a dropped one is retried at once. */
	}
	ok(oks == 1, "the store reconnected by itself (%d tries)", tries + 1);
	r = store_counter_get(st, "test.reconnect", &v);
	ok(r == STORE_OK && v == v0 + oks, "failed calls counted nothing "
	    "(%lld after %lld)", (long long)v, (long long)v0);
	store_close(st);
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/mt-store-XXXXXX", path[64];
	struct store *st;
	int r;

	if (argc > 1)
		spec = argv[1];
	else {
		if (mkdtemp(dir) == NULL)
			return 1;
		snprintf(path, sizeof(path), "sqlite:%s/store.db", dir);
		spec = path;
	}
	printf("# store suite on %s\n", spec);
	st = open_or_die();
	r = store_ping(st);
	ok(r == STORE_OK, "ping");
	test_specs();
	test_down();
	test_limits(st);
	test_bayes(st);
	test_counters(st);
	test_concurrency(st);
	test_sender(st);
	test_dmarc(st);
	test_quarantine_index(st);
	test_readonly(st);
	store_close(st);
	test_reopen();
	if (argc > 2)
		test_reconnect(argv[2]);
	if (argc <= 1) {
		char f[96];

		snprintf(f, sizeof(f), "%s/store.db", dir);
		unlink(f);
		snprintf(f, sizeof(f), "%s/store.db-wal", dir);
		unlink(f);
		snprintf(f, sizeof(f), "%s/store.db-shm", dir);
		unlink(f);
		rmdir(dir);
	}
	return tap_done();
}
