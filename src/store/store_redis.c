/*
 * store_redis.c - the shared backend: several mailtrust hosts keep one
 * set of token counts, sender history and DMARC data in Redis.
 *
 * Specs: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?prefix=P]
 *        unix:/path/redis.sock[?db=N&password=W&prefix=P]
 * (HOST may be [v6]; PORT defaults to 6379, DB to 0, P to "mt:").
 *
 * Keys (P = prefix):
 *   P bayes:ham, P bayes:spam   hashes token -> count
 *   P bayes:seen                hash digest -> "0" ham / "1" spam
 *   P counters                  hash name -> integer (Bayes totals too)
 *   P sender:ADDR               hash first, last, count
 *   P dmarc:DOMAIN              sorted set, score = time, member =
 *                               "ID JSON" (ID zero-padded: unique, and
 *                               sorted like insertion order)
 *   P dmarc:seq, P dmarc:domains  the id counter, the set of domains
 *   P quarantine:ID             hash: one held message (the fields of
 *                               struct quarantine_entry, and host)
 *   P quarantine:all            sorted set, score = time, member = ID
 *   P quarantine:host:HOST      the same for the messages on one host
 * Each quarantine write is one Lua script, so the hash and both sets
 * change together.
 *
 * Round trips: a Bayes lookup is one pipelined batch (HMGET of the
 * tokens in both hashes plus the totals) whatever the number of tokens;
 * learning, forgetting and recording a sender are each one Lua script,
 * which Redis runs atomically, so two hosts learning the same message
 * at once count it once.
 *
 * Failures: a refused or broken connection drops the context; the next
 * call reconnects, but not before REDIS_RETRY_S seconds have passed
 * since a failed connect, so a dead server costs each message nothing
 * but an error.  Writes to the socket of a dead peer would raise SIGPIPE:
 * when the process still has the default action for it, it is ignored
 * (a mail filter must never be killed by its cache).
 *
 * Memory: the backend and the hiredis context are malloc'd, freed by
 * redis_close(); replies are freed before each call returns.  One caller
 * at a time (store.c's mutex).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "quarantine.h"
#include "store.h"
#include "store_int.h"
#include "util/str.h"

#define REDIS_DEFAULT_PORT	6379
#define REDIS_TIMEOUT_MS	2000	/* connect and each reply */
#define REDIS_RETRY_S		2	/* after a failed connect */
#define REDIS_PREFIX_MAX	64
#define REDIS_HOST_MAX		255
#define REDIS_PATH_MAX		512
#define REDIS_PASSWORD_MAX	256
#define REDIS_DB_MAX		1000000
#define REDIS_KEY_MAX		(REDIS_PREFIX_MAX + 16 + STORE_ADDR_MAX)

struct store_backend {
	char		 host[REDIS_HOST_MAX + 1];
	int		 port;
	char		 path[REDIS_PATH_MAX + 1];	/* unix socket */
	bool		 is_unix;
	long long	 db;
	char		 user[REDIS_PASSWORD_MAX + 1];
	char		 password[REDIS_PASSWORD_MAX + 1];
	char		 prefix[REDIS_PREFIX_MAX + 1];
	redisContext	*c;
	time_t		 retry_at;
	char		 k_ham[REDIS_KEY_MAX], k_spam[REDIS_KEY_MAX];
	char		 k_seen[REDIS_KEY_MAX], k_ctr[REDIS_KEY_MAX];
	char		 k_dmseq[REDIS_KEY_MAX], k_dmdomains[REDIS_KEY_MAX];
	char		 k_qall[REDIS_KEY_MAX], k_qhost[REDIS_KEY_MAX];
	char		 k_qentry[REDIS_KEY_MAX];	/* + ID */
};

/*
 * Learning and forgetting.  KEYS: seen, ham, spam, counters.  ARGV:
 * digest, class ("0"/"1"), "learn" or "forget", tokens...  Returns 0
 * learned, 1 already learned as this class, 2 forget of an unknown
 * digest, 10 + class for a forgotten one.  Counts never go below zero
 * and a token nobody has any more is removed.
 */
static const char lua_learn[] =
	"local seen, ham, spam, ctr = KEYS[1], KEYS[2], KEYS[3], KEYS[4]\n"
	"local digest, cls, op = ARGV[1], ARGV[2], ARGV[3]\n"
	"local old = redis.call('HGET', seen, digest)\n"
	"local function apply(c, d)\n"
	"  local h, total = spam, 'bayes.spam'\n"
	"  if c == '0' then h, total = ham, 'bayes.ham' end\n"
	"  for i = 4, #ARGV do\n"
	"    if redis.call('HINCRBY', h, ARGV[i], d) <= 0 then\n"
	"      redis.call('HDEL', h, ARGV[i])\n"
	"    end\n"
	"  end\n"
	"  if redis.call('HINCRBY', ctr, total, d) < 0 then\n"
	"    redis.call('HSET', ctr, total, 0)\n"
	"  end\n"
	"end\n"
	"if op == 'forget' then\n"
	"  if not old then return 2 end\n"
	"  apply(old, -1)\n"
	"  redis.call('HDEL', seen, digest)\n"
	"  return 10 + tonumber(old)\n"
	"end\n"
	"if old == cls then return 1 end\n"
	"if old then apply(old, -1) end\n"
	"apply(cls, 1)\n"
	"redis.call('HSET', seen, digest, cls)\n"
	"return 0\n";

/*
 * One more message from a sender.  KEYS: sender hash, counters.  ARGV:
 * now.  Returns {first, last, count} as before ("" when new) and the
 * number of messages in the history before this one.
 */
static const char lua_sender[] =
	"local v = redis.call('HMGET', KEYS[1], 'first', 'last', 'count')\n"
	"local now = tonumber(ARGV[1])\n"
	"if not v[1] or tonumber(v[1]) > now then\n"
	"  redis.call('HSET', KEYS[1], 'first', ARGV[1])\n"
	"end\n"
	"if not v[2] or tonumber(v[2]) < now then\n"
	"  redis.call('HSET', KEYS[1], 'last', ARGV[1])\n"
	"end\n"
	"redis.call('HINCRBY', KEYS[1], 'count', 1)\n"
	"local m = redis.call('HINCRBY', KEYS[2], 'history.messages', 1)\n"
	"return {v[1] or '', v[2] or '', v[3] or '0', m - 1}\n";

/*
 * A DMARC record.  KEYS: the domain's set, the id counter, the domain
 * set.  ARGV: time, JSON, domain.
 */
static const char lua_dmarc_add[] =
	"local id = redis.call('INCR', KEYS[2])\n"
	"redis.call('ZADD', KEYS[1], ARGV[1],"
	" string.format('%019d', id) .. ' ' .. ARGV[2])\n"
	"redis.call('SADD', KEYS[3], ARGV[3])\n"
	"return id\n";

/*
 * A quarantine record.  KEYS: its hash, the set of all, its host's set.
 * ARGV: ID, time, the host-set prefix, then field/value pairs.  A record
 * that moves to another host leaves the old host's set (a key the script
 * builds itself: fine on one server, which is what the specs name).
 */
static const char lua_quarantine_put[] =
	"local old = redis.call('HGET', KEYS[1], 'host')\n"
	"if old and ARGV[3] .. old ~= KEYS[3] then\n"
	"  redis.call('ZREM', ARGV[3] .. old, ARGV[1])\n"
	"end\n"
	"redis.call('DEL', KEYS[1])\n"
	"redis.call('HSET', KEYS[1], unpack(ARGV, 4))\n"
	"redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])\n"
	"redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])\n"
	"return 0\n";

/* KEYS: the hash, the set of all.  ARGV: ID, the host-set prefix.
 * Returns 1 when there was a record, else 0. */
static const char lua_quarantine_del[] =
	"redis.call('ZREM', KEYS[2], ARGV[1])\n"
	"local h = redis.call('HGET', KEYS[1], 'host')\n"
	"if not h then return 0 end\n"
	"redis.call('ZREM', ARGV[2] .. h, ARGV[1])\n"
	"redis.call('DEL', KEYS[1])\n"
	"return 1\n";

/*
 * KEYS: the set to walk.  ARGV: max, the hash prefix, the field names.
 * Returns {count of the set, HMGET of each of the newest max}, in one
 * round trip and one consistent view.
 */
static const char lua_quarantine_list[] =
	"local n, ids = tonumber(ARGV[1]), {}\n"
	"if n > 0 then ids = redis.call('ZREVRANGE', KEYS[1], 0, n - 1) end\n"
	"local out = { redis.call('ZCARD', KEYS[1]) }\n"
	"for _, id in ipairs(ids) do\n"
	"  out[#out + 1] = redis.call('HMGET', ARGV[2] .. id,"
	" unpack(ARGV, 3))\n"
	"end\n"
	"return out\n";

/* The hash fields of a record, in the order q_fill() reads them. */
static const char *const q_fields[] = {
	"id", "host", "time", "size", "score", "verdict", "sender", "rcpt",
	"n_rcpt", "client_ip", "from", "subject",
};
#define Q_NFIELDS	(sizeof(q_fields) / sizeof(q_fields[0]))
/* A record's key: a prefix key plus an ID or a host name. */
#define Q_KEY_MAX	(REDIS_KEY_MAX + STORE_HOST_MAX + 1)

/* Copies s[0..len) into dst[size] with NUL; -1 when it does not fit. */
static int
copy(char *dst, size_t size, const char *s, size_t len)
{
	if (len >= size)
		return -1;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

/* The query part: name=value pairs joined by '&'. */
static int
parse_query(struct store_backend *b, const char *q, char *err, size_t errlen)
{
	const char *end, *eq;
	size_t len;

	while (*q != '\0') {
		end = strchr(q, '&');
		len = end != NULL ? (size_t)(end - q) : strlen(q);
		if ((eq = memchr(q, '=', len)) == NULL)
			goto bad;
		if (str_ieqn(q, (size_t)(eq - q), "prefix", 6)) {
			if (copy(b->prefix, sizeof(b->prefix), eq + 1,
			    len - (size_t)(eq + 1 - q)) == -1)
				goto bad;
		} else if (str_ieqn(q, (size_t)(eq - q), "db", 2)) {
			if ((b->db = str_to_ll(eq + 1, len - (size_t)(eq + 1 -
			    q), REDIS_DB_MAX)) < 0)
				goto bad;
		} else if (str_ieqn(q, (size_t)(eq - q), "password", 8)) {
			if (copy(b->password, sizeof(b->password), eq + 1,
			    len - (size_t)(eq + 1 - q)) == -1)
				goto bad;
		} else
			goto bad;
		q += len + (end != NULL);
	}
	return 0;
bad:
	snprintf(err, errlen, "store: redis: bad or unknown parameter "
	    "'%.*s' (prefix=, db=, password=)", (int)(len < 64 ? len : 64), q);
	return -1;
}

static int
parse_spec(struct store_backend *b, const char *spec, char *err,
    size_t errlen)
{
	const char *p, *q, *at, *hend, *rest;
	long long port = REDIS_DEFAULT_PORT;

	snprintf(b->prefix, sizeof(b->prefix), "mt:");
	if (strncmp(spec, "unix:", 5) == 0) {
		b->is_unix = true;
		p = spec + 5;
		q = strchr(p, '?');
		if (copy(b->path, sizeof(b->path), p, q != NULL ?
		    (size_t)(q - p) : strlen(p)) == -1 || b->path[0] == '\0') {
			snprintf(err, errlen, "store: redis: bad socket path");
			return -1;
		}
		return q != NULL ? parse_query(b, q + 1, err, errlen) : 0;
	}
	p = spec + strlen("redis://");
	q = strchr(p, '?');
	rest = q != NULL ? q : p + strlen(p);
	/* [[USER]:PASSWORD@] */
	if ((at = memchr(p, '@', (size_t)(rest - p))) != NULL) {
		const char *colon = memchr(p, ':', (size_t)(at - p));

		if (colon == NULL || copy(b->user, sizeof(b->user), p,
		    (size_t)(colon - p)) == -1 || copy(b->password,
		    sizeof(b->password), colon + 1, (size_t)(at - colon - 1))
		    == -1)
			goto bad;
		p = at + 1;
	}
	/* HOST, [V6] */
	if (*p == '[') {
		if ((hend = memchr(p, ']', (size_t)(rest - p))) == NULL ||
		    copy(b->host, sizeof(b->host), p + 1,
		    (size_t)(hend - p - 1)) == -1)
			goto bad;
		hend++;
	} else {
		for (hend = p; hend < rest && *hend != ':' && *hend != '/';
		    hend++)
			;
		if (copy(b->host, sizeof(b->host), p, (size_t)(hend - p)) ==
		    -1)
			goto bad;
	}
	if (b->host[0] == '\0')
		goto bad;
	p = hend;
	if (p < rest && *p == ':') {
		for (hend = ++p; hend < rest && *hend != '/'; hend++)
			;
		if ((port = str_to_ll(p, (size_t)(hend - p), 65535)) < 1)
			goto bad;
		p = hend;
	}
	if (p < rest && *p == '/') {
		p++;
		if (p < rest && (b->db = str_to_ll(p, (size_t)(rest - p),
		    REDIS_DB_MAX)) < 0)
			goto bad;
	} else if (p != rest)
		goto bad;
	b->port = (int)port;
	return q != NULL ? parse_query(b, q + 1, err, errlen) : 0;
bad:
	snprintf(err, errlen, "store: redis: cannot read '%.200s' (want "
	    "redis://HOST:PORT/DB)", spec);
	return -1;
}

static void
drop(struct store_backend *b)
{
	if (b->c != NULL)
		redisFree(b->c);
	b->c = NULL;
}

static void
redis_close(struct store_backend *b)
{
	if (b == NULL)
		return;
	drop(b);
	free(b);
}

/* A reply error word that means "try again later". */
static int
error_status(const redisReply *r)
{
	static const char *const transient[] = {
		"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN",
	};
	size_t i;

	for (i = 0; i < sizeof(transient) / sizeof(transient[0]); i++)
		if (str_iprefix(r->str, r->len, transient[i]))
			return STORE_ERR_DOWN;
	return STORE_ERR_BACKEND;
}

/* Sends one command on a fresh context (AUTH, SELECT); 0 when it worked. */
static int
setup_command(redisContext *c, int argc, const char **argv)
{
	redisReply *r = redisCommandArgv(c, argc, argv, NULL);
	int ok = r != NULL && r->type != REDIS_REPLY_ERROR;

	if (r != NULL)
		freeReplyObject(r);
	return ok ? 0 : -1;
}

static int
connect_now(struct store_backend *b)
{
	struct timeval tv = { REDIS_TIMEOUT_MS / 1000,
	    (REDIS_TIMEOUT_MS % 1000) * 1000 };
	redisContext *c;
	char db[24];
	time_t now;

	if (b->c != NULL)
		return STORE_OK;
	now = time(NULL);
	if (now < b->retry_at)
		return STORE_ERR_DOWN;
	c = b->is_unix ? redisConnectUnixWithTimeout(b->path, tv) :
	    redisConnectWithTimeout(b->host, b->port, tv);
	if (c == NULL || c->err != 0)
		goto fail;
	if (redisSetTimeout(c, tv) != REDIS_OK)
		goto fail;
	if (b->password[0] != '\0') {
		/* AUTH [USER] PASSWORD: the user name only when given. */
		const char *av[3] = { "AUTH", b->user, b->password };

		if (b->user[0] == '\0')
			av[1] = b->password;
		if (setup_command(c, b->user[0] != '\0' ? 3 : 2, av) == -1)
			goto fail;
	}
	if (b->db != 0) {
		const char *av[2] = { "SELECT", db };

		snprintf(db, sizeof(db), "%lld", b->db);
		if (setup_command(c, 2, av) == -1)
			goto fail;
	}
	b->c = c;
	return STORE_OK;
fail:
	if (c != NULL)
		redisFree(c);
	b->retry_at = now + REDIS_RETRY_S;
	return STORE_ERR_DOWN;
}

/*
 * One command, one reply.  NULL with *status set on failure; a broken
 * connection is dropped so the next call starts afresh.
 */
static redisReply *
command(struct store_backend *b, int argc, const char **argv,
    const size_t *lens, int *status)
{
	redisReply *r;

	if ((*status = connect_now(b)) != STORE_OK)
		return NULL;
	if ((r = redisCommandArgv(b->c, argc, argv, lens)) == NULL) {
		drop(b);
		*status = STORE_ERR_DOWN;
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		*status = error_status(r);
		freeReplyObject(r);
		return NULL;
	}
	*status = STORE_OK;
	return r;
}

static int
reply_int(const redisReply *r, long long *v)
{
	if (r->type == REDIS_REPLY_INTEGER) {
		*v = r->integer;
		return 0;
	}
	if (r->type == REDIS_REPLY_STRING) {
		bool neg = r->len > 0 && r->str[0] == '-';

		*v = str_to_ll(r->str + neg, r->len - neg, INT64_MAX);
		if (*v < 0)
			return -1;
		if (neg)
			*v = -*v;
		return 0;
	}
	if (r->type == REDIS_REPLY_NIL) {
		*v = 0;
		return 0;
	}
	return -1;
}

static void
make_key(char *dst, const struct store_backend *b, const char *name)
{
	snprintf(dst, REDIS_KEY_MAX, "%s%s", b->prefix, name);
}

struct store_backend *
store_redis_open(const char *spec, char *err, size_t errlen)
{
	struct store_backend *b;
	struct sigaction sa;

	if ((b = calloc(1, sizeof(*b))) == NULL) {
		snprintf(err, errlen, "store: out of memory");
		return NULL;
	}
	if (parse_spec(b, spec, err, errlen) == -1) {
		free(b);
		return NULL;
	}
	make_key(b->k_ham, b, "bayes:ham");
	make_key(b->k_spam, b, "bayes:spam");
	make_key(b->k_seen, b, "bayes:seen");
	make_key(b->k_ctr, b, "counters");
	make_key(b->k_dmseq, b, "dmarc:seq");
	make_key(b->k_dmdomains, b, "dmarc:domains");
	make_key(b->k_qall, b, "quarantine:all");
	make_key(b->k_qhost, b, "quarantine:host:");
	make_key(b->k_qentry, b, "quarantine:");
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		sa.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &sa, NULL);
	}
	/* Connect now so a reachable server is ready; a dead one is not
	 * an error yet (see store.h). */
	connect_now(b);
	return b;
}

static int
redis_ping(struct store_backend *b)
{
	const char *av[] = { "PING" };
	redisReply *r;
	int st;

	if ((r = command(b, 1, av, NULL, &st)) != NULL)
		freeReplyObject(r);
	return st;
}

/* Fills counts from an HMGET reply of n fields; ham or spam side. */
static int
fill_counts(const redisReply *r, size_t n, struct store_counts *counts,
    bool spam)
{
	long long v;
	size_t i;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != n)
		return STORE_ERR_BACKEND;
	for (i = 0; i < n; i++) {
		if (reply_int(r->element[i], &v) == -1)
			return STORE_ERR_BACKEND;
		if (spam)
			counts[i].spam = v;
		else
			counts[i].ham = v;
	}
	return STORE_OK;
}

static int
redis_bayes_lookup(struct store_backend *b, const char *const *toks,
    size_t n, struct store_counts *counts, struct store_counts *totals)
{
	const char *tav[] = { "HMGET", b->k_ctr, STORE_CTR_HAM,
	    STORE_CTR_SPAM };
	const char **av = NULL;
	redisReply *r[3] = { NULL, NULL, NULL };
	int st, i, nr = 0, queued = REDIS_OK;
	long long v;

	if ((st = connect_now(b)) != STORE_OK)
		return st;
	/* One pipelined batch: every token of both classes and the totals. */
	if (n > 0) {
		if ((av = malloc((n + 2) * sizeof(*av))) == NULL)
			return STORE_ERR_NOMEM;
		av[0] = "HMGET";
		memcpy(av + 2, toks, n * sizeof(*av));
		av[1] = b->k_ham;
		queued |= redisAppendCommandArgv(b->c, (int)n + 2, av, NULL);
		av[1] = b->k_spam;
		queued |= redisAppendCommandArgv(b->c, (int)n + 2, av, NULL);
		nr = 2;
	}
	queued |= redisAppendCommandArgv(b->c, 4, tav, NULL);
	nr++;
	free(av);
	if (queued != REDIS_OK) {
		/* Half a pipeline would pair replies with the wrong calls. */
		drop(b);
		return STORE_ERR_NOMEM;
	}
	for (i = 0; i < nr; i++)
		if (redisGetReply(b->c, (void **)&r[i]) != REDIS_OK) {
			drop(b);
			st = STORE_ERR_DOWN;
			goto out;
		}
	for (i = 0; i < nr; i++)
		if (r[i]->type == REDIS_REPLY_ERROR) {
			st = error_status(r[i]);
			goto out;
		}
	if (n > 0 && ((st = fill_counts(r[0], n, counts, false)) != STORE_OK ||
	    (st = fill_counts(r[1], n, counts, true)) != STORE_OK))
		goto out;
	st = STORE_ERR_BACKEND;
	if (r[nr - 1]->type != REDIS_REPLY_ARRAY || r[nr - 1]->elements != 2)
		goto out;
	if (reply_int(r[nr - 1]->element[0], &v) == -1)
		goto out;
	totals->ham = v;
	if (reply_int(r[nr - 1]->element[1], &v) == -1)
		goto out;
	totals->spam = v;
	st = STORE_OK;
out:
	for (i = 0; i < nr; i++)
		if (r[i] != NULL)
			freeReplyObject(r[i]);
	return st;
}

static int
redis_bayes_learn(struct store_backend *b, const unsigned char *digest,
    int cls, bool forget, const char *const *toks, size_t n,
    enum store_class *was)
{
	enum { FIXED = 10 };
	const char **av;
	size_t *lens;
	redisReply *r;
	long long v;
	size_t i;
	int st;

	if ((av = calloc(n + FIXED, sizeof(*av))) == NULL ||
	    (lens = calloc(n + FIXED, sizeof(*lens))) == NULL) {
		free(av);
		return STORE_ERR_NOMEM;
	}
	av[0] = "EVAL";
	av[1] = lua_learn;
	av[2] = "4";
	av[3] = b->k_seen;
	av[4] = b->k_ham;
	av[5] = b->k_spam;
	av[6] = b->k_ctr;
	av[7] = (const char *)digest;
	av[8] = cls == STORE_SPAM ? "1" : "0";
	av[9] = forget ? "forget" : "learn";
	for (i = 0; i < FIXED; i++)
		lens[i] = i == 7 ? STORE_DIGEST_LEN : strlen(av[i]);
	for (i = 0; i < n; i++) {
		av[FIXED + i] = toks[i];
		lens[FIXED + i] = strlen(toks[i]);
	}
	r = command(b, (int)(n + FIXED), av, lens, &st);
	free(av);
	free(lens);
	if (r == NULL)
		return st;
	st = STORE_ERR_BACKEND;
	if (reply_int(r, &v) == 0) {
		if (v == 0 || v == 1 || v == 2)
			st = v == 0 ? STORE_OK : v == 1 ? STORE_EXISTS :
			    STORE_NOT_FOUND;
		else if (v == 10 || v == 11) {
			if (was != NULL)
				*was = v == 11 ? STORE_SPAM : STORE_HAM;
			st = STORE_OK;
		}
	}
	freeReplyObject(r);
	return st;
}

static int
redis_bayes_learned(struct store_backend *b, const unsigned char *digest,
    enum store_class *cls)
{
	const char *av[] = { "HGET", b->k_seen, (const char *)digest };
	size_t lens[] = { 4, strlen(b->k_seen), STORE_DIGEST_LEN };
	redisReply *r;
	int st;

	if ((r = command(b, 3, av, lens, &st)) == NULL)
		return st;
	if (r->type == REDIS_REPLY_NIL)
		st = STORE_NOT_FOUND;
	else if (r->type == REDIS_REPLY_STRING && r->len == 1 &&
	    (r->str[0] == '0' || r->str[0] == '1'))
		*cls = r->str[0] == '1' ? STORE_SPAM : STORE_HAM;
	else
		st = STORE_ERR_BACKEND;
	freeReplyObject(r);
	return st;
}

static void
sender_key(char *dst, const struct store_backend *b, const char *addr)
{
	snprintf(dst, REDIS_KEY_MAX, "%ssender:%s", b->prefix, addr);
}

/* first, last, count from three replies; count 0 when never seen. */
static int
sender_fill(redisReply *const *e, struct store_sender *out)
{
	long long f, l, c;

	memset(out, 0, sizeof(*out));
	if ((e[0]->type == REDIS_REPLY_STRING && e[0]->len == 0) ||
	    e[0]->type == REDIS_REPLY_NIL)
		return STORE_NOT_FOUND;
	if (reply_int(e[0], &f) == -1 || reply_int(e[1], &l) == -1 ||
	    reply_int(e[2], &c) == -1)
		return STORE_ERR_BACKEND;
	out->first_seen = (time_t)f;
	out->last_seen = (time_t)l;
	out->count = c;
	return c > 0 ? STORE_OK : STORE_NOT_FOUND;
}

static int
redis_sender_record(struct store_backend *b, const char *addr, time_t now,
    struct store_sender *before, int64_t *messages)
{
	char key[REDIS_KEY_MAX], ts[24];
	const char *av[] = { "EVAL", lua_sender, "2", key, b->k_ctr, ts };
	redisReply *r;
	long long m;
	int st;

	sender_key(key, b, addr);
	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	if ((r = command(b, 6, av, NULL, &st)) == NULL)
		return st;
	st = STORE_ERR_BACKEND;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 4 &&
	    reply_int(r->element[3], &m) == 0) {
		st = sender_fill(r->element, before);
		if (st == STORE_NOT_FOUND)
			st = STORE_OK;
		*messages = m;
	}
	freeReplyObject(r);
	return st;
}

static int
redis_sender_get(struct store_backend *b, const char *addr,
    struct store_sender *out)
{
	char key[REDIS_KEY_MAX];
	const char *av[] = { "HMGET", key, "first", "last", "count" };
	redisReply *r;
	int st;

	sender_key(key, b, addr);
	if ((r = command(b, 5, av, NULL, &st)) == NULL)
		return st;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 3)
		st = sender_fill(r->element, out);
	else
		st = STORE_ERR_BACKEND;
	freeReplyObject(r);
	return st;
}

static void
dmarc_key(char *dst, const struct store_backend *b, const char *domain)
{
	snprintf(dst, REDIS_KEY_MAX, "%sdmarc:%s", b->prefix, domain);
}

static int
redis_dmarc_add(struct store_backend *b, const struct store_dmarc_record *rec)
{
	char key[REDIS_KEY_MAX], ts[24], *json;
	const char *av[9];
	redisReply *r;
	int st;

	if ((json = store_dmarc_encode(rec)) == NULL)
		return STORE_ERR_NOMEM;
	dmarc_key(key, b, rec->domain);
	snprintf(ts, sizeof(ts), "%lld", (long long)rec->time);
	av[0] = "EVAL";
	av[1] = lua_dmarc_add;
	av[2] = "3";
	av[3] = key;
	av[4] = b->k_dmseq;
	av[5] = b->k_dmdomains;
	av[6] = ts;
	av[7] = json;
	av[8] = rec->domain;
	r = command(b, 9, av, NULL, &st);
	free(json);
	if (r != NULL)
		freeReplyObject(r);
	return st;
}

static int
redis_dmarc_list(struct store_backend *b, const char *domain, time_t from,
    time_t until, struct store_dmarc_record *out, size_t max, size_t *n)
{
	char key[REDIS_KEY_MAX], lo[24], hi[24], lim[24];
	const char *av[] = { "ZRANGEBYSCORE", key, lo, hi, "LIMIT", "0", lim };
	const redisReply *e;
	const char *sp;
	redisReply *r;
	size_t i;
	int st;

	dmarc_key(key, b, domain);
	snprintf(lo, sizeof(lo), "%lld", (long long)from);
	/* "(" makes the upper end exclusive: [from, until). */
	snprintf(hi, sizeof(hi), "(%lld", (long long)until);
	snprintf(lim, sizeof(lim), "%zu", max);
	if ((r = command(b, 7, av, NULL, &st)) == NULL)
		return st;
	st = r->type == REDIS_REPLY_ARRAY ? STORE_OK : STORE_ERR_BACKEND;
	for (i = 0; st == STORE_OK && i < r->elements && *n < max; i++) {
		e = r->element[i];
		if (e->type != REDIS_REPLY_STRING ||
		    (sp = memchr(e->str, ' ', e->len)) == NULL ||
		    (st = store_dmarc_decode(sp + 1, e->len - (size_t)(sp + 1 -
		    e->str), &out[*n])) != STORE_OK)
			st = STORE_ERR_BACKEND;
		else
			out[(*n)++].id = str_to_ll(e->str,
			    (size_t)(sp - e->str), INT64_MAX);
	}
	freeReplyObject(r);
	return st;
}

static int
redis_dmarc_expire(struct store_backend *b, time_t before, size_t *n)
{
	const char *av[] = { "SMEMBERS", b->k_dmdomains };
	char key[REDIS_KEY_MAX], hi[24];
	const char *zav[] = { "ZREMRANGEBYSCORE", key, "-inf", hi };
	redisReply *r, *z;
	size_t i;
	int st;

	*n = 0;
	snprintf(hi, sizeof(hi), "(%lld", (long long)before);
	if ((r = command(b, 2, av, NULL, &st)) == NULL)
		return st;
	if (r->type != REDIS_REPLY_ARRAY)
		st = STORE_ERR_BACKEND;
	for (i = 0; st == STORE_OK && i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    r->element[i]->len > STORE_DOMAIN_MAX) {
			st = STORE_ERR_BACKEND;
			break;
		}
		snprintf(key, sizeof(key), "%sdmarc:%.*s", b->prefix,
		    (int)r->element[i]->len, r->element[i]->str);
		if ((z = command(b, 4, zav, NULL, &st)) == NULL)
			break;
		if (z->type == REDIS_REPLY_INTEGER)
			*n += (size_t)z->integer;
		freeReplyObject(z);
	}
	freeReplyObject(r);
	return st;
}

static int
domain_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* SMEMBERS of the domain set; a domain whose records all expired may
 * stay in the set, and lists no records. */
static int
redis_dmarc_domains(struct store_backend *b, store_domain *out, size_t max,
    size_t *n)
{
	const char *av[] = { "SMEMBERS", b->k_dmdomains };
	redisReply *r;
	size_t i;
	int st;

	if ((r = command(b, 2, av, NULL, &st)) == NULL)
		return st;
	if (r->type != REDIS_REPLY_ARRAY)
		st = STORE_ERR_BACKEND;
	for (i = 0; st == STORE_OK && i < r->elements && *n < max; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    r->element[i]->len > STORE_DOMAIN_MAX) {
			st = STORE_ERR_BACKEND;
			break;
		}
		memcpy(out[*n], r->element[i]->str, r->element[i]->len);
		out[(*n)++][r->element[i]->len] = '\0';
	}
	freeReplyObject(r);
	if (st == STORE_OK)
		qsort(out, *n, sizeof(out[0]), domain_cmp);
	return st;
}

static int
redis_counter_add(struct store_backend *b, const char *name, int64_t delta,
    int64_t *value)
{
	char d[24];
	const char *av[] = { "HINCRBY", b->k_ctr, name, d };
	redisReply *r;
	long long v;
	int st;

	snprintf(d, sizeof(d), "%lld", (long long)delta);
	if ((r = command(b, 4, av, NULL, &st)) == NULL)
		return st;
	if (reply_int(r, &v) == 0)
		*value = v;
	else
		st = STORE_ERR_BACKEND;
	freeReplyObject(r);
	return st;
}

static int
redis_counter_get(struct store_backend *b, const char *name, int64_t *value)
{
	const char *av[] = { "HGET", b->k_ctr, name };
	redisReply *r;
	long long v;
	int st;

	if ((r = command(b, 3, av, NULL, &st)) == NULL)
		return st;
	if (reply_int(r, &v) == 0)
		*value = v;
	else
		st = STORE_ERR_BACKEND;
	freeReplyObject(r);
	return st;
}

static int
redis_quarantine_put(struct store_backend *b,
    const struct quarantine_entry *e, const char *host)
{
	char key[Q_KEY_MAX], hkey[Q_KEY_MAX], ts[24], size[24];
	char score[40], nr[24];
	const char *val[Q_NFIELDS] = { e->id, host, ts, size, score,
	    e->verdict, e->sender, e->rcpt, nr, e->client_ip, e->from,
	    e->subject };
	const char *av[9 + 2 * Q_NFIELDS];
	redisReply *r;
	size_t i;
	int st;

	snprintf(key, sizeof(key), "%s%s", b->k_qentry, e->id);
	snprintf(hkey, sizeof(hkey), "%s%s", b->k_qhost, host);
	snprintf(ts, sizeof(ts), "%lld", (long long)e->time);
	snprintf(size, sizeof(size), "%zu", e->size);
	snprintf(score, sizeof(score), "%.17g", e->score);
	snprintf(nr, sizeof(nr), "%zu", e->n_rcpt);
	av[0] = "EVAL";
	av[1] = lua_quarantine_put;
	av[2] = "3";
	av[3] = key;
	av[4] = b->k_qall;
	av[5] = hkey;
	av[6] = e->id;
	av[7] = ts;
	av[8] = b->k_qhost;
	for (i = 0; i < Q_NFIELDS; i++) {
		av[9 + 2 * i] = q_fields[i];
		av[10 + 2 * i] = val[i];
	}
	if ((r = command(b, (int)(9 + 2 * Q_NFIELDS), av, NULL, &st)) !=
	    NULL)
		freeReplyObject(r);
	return st;
}

static int
redis_quarantine_del(struct store_backend *b, const char *id)
{
	char key[Q_KEY_MAX];
	const char *av[] = { "EVAL", lua_quarantine_del, "2", key,
	    b->k_qall, id, b->k_qhost };
	redisReply *r;
	int st;

	snprintf(key, sizeof(key), "%s%s", b->k_qentry, id);
	if ((r = command(b, 7, av, NULL, &st)) == NULL)
		return st;
	if (r->type != REDIS_REPLY_INTEGER)
		st = STORE_ERR_BACKEND;
	else if (r->integer == 0)
		st = STORE_NOT_FOUND;
	freeReplyObject(r);
	return st;
}

/* A reply string (or nil: "") into dst[size], cut to fit. */
static void
q_text(char *dst, size_t size, const redisReply *r)
{
	size_t n = r->type == REDIS_REPLY_STRING ? r->len : 0;

	if (n >= size)
		n = size - 1;
	if (n > 0)
		memcpy(dst, r->str, n);
	dst[n] = '\0';
}

/* The numbers of a record: never negative, never past their type. */
static long long
q_num(const redisReply *r)
{
	long long v;

	return reply_int(r, &v) == 0 && v > 0 ? v : 0;
}

/*
 * Q_NFIELDS replies (an HMGET) into an entry and host; STORE_NOT_FOUND
 * when the record is gone (every field nil).
 */
static int
q_fill(redisReply *const *f, struct quarantine_entry *e, char *host,
    size_t hostlen)
{
	char num[40];

	memset(e, 0, sizeof(*e));
	if (f[0]->type != REDIS_REPLY_STRING)
		return STORE_NOT_FOUND;
	q_text(e->id, sizeof(e->id), f[0]);
	q_text(host, hostlen, f[1]);
	e->time = (time_t)q_num(f[2]);
	e->size = (size_t)q_num(f[3]);
	q_text(num, sizeof(num), f[4]);
	e->score = strtod(num, NULL);
	q_text(e->verdict, sizeof(e->verdict), f[5]);
	q_text(e->sender, sizeof(e->sender), f[6]);
	q_text(e->rcpt, sizeof(e->rcpt), f[7]);
	e->n_rcpt = (size_t)q_num(f[8]);
	q_text(e->client_ip, sizeof(e->client_ip), f[9]);
	q_text(e->from, sizeof(e->from), f[10]);
	q_text(e->subject, sizeof(e->subject), f[11]);
	return STORE_OK;
}

static int
redis_quarantine_get(struct store_backend *b, const char *id,
    struct quarantine_entry *e, char *host, size_t hostlen)
{
	char key[Q_KEY_MAX];
	const char *av[2 + Q_NFIELDS];
	redisReply *r;
	size_t i;
	int st;

	snprintf(key, sizeof(key), "%s%s", b->k_qentry, id);
	av[0] = "HMGET";
	av[1] = key;
	for (i = 0; i < Q_NFIELDS; i++)
		av[2 + i] = q_fields[i];
	if ((r = command(b, (int)(2 + Q_NFIELDS), av, NULL, &st)) == NULL)
		return st;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == Q_NFIELDS)
		st = q_fill(r->element, e, host, hostlen);
	else
		st = STORE_ERR_BACKEND;
	freeReplyObject(r);
	return st;
}

static int
redis_quarantine_list(struct store_backend *b, const char *host,
    size_t max, store_quarantine_fn fn, void *arg, size_t *total)
{
	char set[Q_KEY_MAX], lim[24], h[STORE_HOST_MAX + 1];
	const char *av[6 + Q_NFIELDS];
	struct quarantine_entry e;
	const redisReply *row;
	redisReply *r;
	size_t i;
	int st;

	*total = 0;
	if (host != NULL)
		snprintf(set, sizeof(set), "%s%s", b->k_qhost, host);
	else
		snprintf(set, sizeof(set), "%s", b->k_qall);
	snprintf(lim, sizeof(lim), "%zu", max);
	av[0] = "EVAL";
	av[1] = lua_quarantine_list;
	av[2] = "1";
	av[3] = set;
	av[4] = lim;
	av[5] = b->k_qentry;
	for (i = 0; i < Q_NFIELDS; i++)
		av[6 + i] = q_fields[i];
	if ((r = command(b, (int)(6 + Q_NFIELDS), av, NULL, &st)) == NULL)
		return st;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER) {
		freeReplyObject(r);
		return STORE_ERR_BACKEND;
	}
	*total = r->element[0]->integer > 0 ?
	    (size_t)r->element[0]->integer : 0;
	for (i = 1; i < r->elements; i++) {
		row = r->element[i];
		if (row->type != REDIS_REPLY_ARRAY ||
		    row->elements != Q_NFIELDS) {
			st = STORE_ERR_BACKEND;
			break;
		}
		/* A set member without its hash: gone meanwhile, skip it. */
		if (q_fill(row->element, &e, h, sizeof(h)) != STORE_OK)
			continue;
		if (fn(arg, &e, h) != 0)
			break;
	}
	freeReplyObject(r);
	return st;
}

const struct store_ops store_redis_ops = {
	.name = "redis",
	.close = redis_close,
	.ping = redis_ping,
	.bayes_lookup = redis_bayes_lookup,
	.bayes_learn = redis_bayes_learn,
	.bayes_learned = redis_bayes_learned,
	.sender_record = redis_sender_record,
	.sender_get = redis_sender_get,
	.dmarc_add = redis_dmarc_add,
	.dmarc_list = redis_dmarc_list,
	.dmarc_expire = redis_dmarc_expire,
	.dmarc_domains = redis_dmarc_domains,
	.counter_add = redis_counter_add,
	.counter_get = redis_counter_get,
	.quarantine_put = redis_quarantine_put,
	.quarantine_del = redis_quarantine_del,
	.quarantine_get = redis_quarantine_get,
	.quarantine_list = redis_quarantine_list,
};
