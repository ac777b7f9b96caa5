/*
 * store_sqlite.c - the embedded backend: one SQLite file per host.
 *
 * The file runs in WAL mode, so checks read while a learner writes, and
 * with a busy timeout, so several processes (milter workers, a learn
 * run) wait for each other instead of failing.  Every update that must
 * be atomic is one IMMEDIATE transaction: taking the write lock at the
 * start means two learners cannot both see "not learned yet" and count
 * one message twice.  Statements are prepared once per connection.
 *
 * Tables: bayes_token (token -> ham, spam), bayes_seen (digest -> class),
 * counter (name -> value; holds the Bayes totals too), sender (address
 * -> first, last, count), dmarc_record (one row per record, indexed by
 * domain and time), quarantine (one row per held message, indexed by
 * host and time; added in place by CREATE IF NOT EXISTS, so a file from
 * before it needs no migration).  PRAGMA user_version is the schema
 * version.
 *
 * Memory: struct sqlite_store and the connection are malloc'd by SQLite
 * and here, freed in sqlite_close().  Not thread-safe on its own: store.c
 * holds a mutex around every call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "quarantine.h"
#include "store.h"
#include "store_int.h"

#define SQLITE_SCHEMA_VERSION	1
#define SQLITE_BUSY_MS		5000	/* wait for another writer */

enum stmt {
	S_BEGIN_READ, S_BEGIN_WRITE, S_COMMIT, S_ROLLBACK,
	S_TOK_GET, S_TOK_ADD, S_TOK_GC,
	S_SEEN_GET, S_SEEN_PUT, S_SEEN_DEL,
	S_CTR_GET, S_CTR_ADD, S_CTR_ADD_FLOOR,
	S_SND_GET, S_SND_PUT,
	S_DM_ADD, S_DM_LIST, S_DM_EXPIRE, S_DM_DOMAINS,
	S_Q_PUT, S_Q_DEL, S_Q_GET, S_Q_LIST, S_Q_COUNT,
	S_PING,
	S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN_READ] = "BEGIN DEFERRED",
	[S_BEGIN_WRITE] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_TOK_GET] = "SELECT ham, spam FROM bayes_token WHERE token = ?1",
	[S_TOK_ADD] = "INSERT INTO bayes_token (token, ham, spam) "
	    "VALUES (?1, MAX(?2, 0), MAX(?3, 0)) ON CONFLICT (token) DO "
	    "UPDATE SET ham = MAX(ham + ?2, 0), spam = MAX(spam + ?3, 0)",
	[S_TOK_GC] = "DELETE FROM bayes_token WHERE token = ?1 AND "
	    "ham = 0 AND spam = 0",
	[S_SEEN_GET] = "SELECT class FROM bayes_seen WHERE digest = ?1",
	[S_SEEN_PUT] = "INSERT OR REPLACE INTO bayes_seen (digest, class) "
	    "VALUES (?1, ?2)",
	[S_SEEN_DEL] = "DELETE FROM bayes_seen WHERE digest = ?1",
	[S_CTR_GET] = "SELECT value FROM counter WHERE name = ?1",
	[S_CTR_ADD] = "INSERT INTO counter (name, value) VALUES (?1, ?2) "
	    "ON CONFLICT (name) DO UPDATE SET value = value + ?2 "
	    "RETURNING value",
	[S_CTR_ADD_FLOOR] = "INSERT INTO counter (name, value) "
	    "VALUES (?1, MAX(?2, 0)) ON CONFLICT (name) DO UPDATE SET "
	    "value = MAX(value + ?2, 0) RETURNING value",
	[S_SND_GET] = "SELECT first_seen, last_seen, count FROM sender "
	    "WHERE addr = ?1",
	[S_SND_PUT] = "INSERT INTO sender (addr, first_seen, last_seen, "
	    "count) VALUES (?1, ?2, ?2, 1) ON CONFLICT (addr) DO UPDATE SET "
	    "first_seen = MIN(first_seen, ?2), "
	    "last_seen = MAX(last_seen, ?2), count = count + 1",
	[S_DM_ADD] = "INSERT INTO dmarc_record (time, count, domain, "
	    "reporter, source_ip, header_from, envelope_from, dkim_domain, "
	    "dkim_selector, dkim_result, spf_domain, spf_result, "
	    "disposition, policy) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9, ?10, ?11, ?12, ?13, ?14)",
	[S_DM_LIST] = "SELECT id, time, count, domain, reporter, source_ip, "
	    "header_from, envelope_from, dkim_domain, dkim_selector, "
	    "dkim_result, spf_domain, spf_result, disposition, policy "
	    "FROM dmarc_record WHERE domain = ?1 AND time >= ?2 AND "
	    "time < ?3 ORDER BY time, id LIMIT ?4",
	[S_DM_EXPIRE] = "DELETE FROM dmarc_record WHERE time < ?1",
	[S_DM_DOMAINS] = "SELECT DISTINCT domain FROM dmarc_record "
	    "ORDER BY domain LIMIT ?1",
	[S_Q_PUT] = "INSERT OR REPLACE INTO quarantine (id, host, time, "
	    "size, score, verdict, sender, rcpt, n_rcpt, client_ip, "
	    "from_field, subject) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9, ?10, ?11, ?12)",
	[S_Q_DEL] = "DELETE FROM quarantine WHERE id = ?1",
	/* The columns after id in the order q_fill() reads them. */
	[S_Q_GET] = "SELECT id, host, time, size, score, verdict, sender, "
	    "rcpt, n_rcpt, client_ip, from_field, subject FROM quarantine "
	    "WHERE id = ?1",
	[S_Q_LIST] = "SELECT id, host, time, size, score, verdict, sender, "
	    "rcpt, n_rcpt, client_ip, from_field, subject FROM quarantine "
	    "WHERE ?1 IS NULL OR host = ?1 ORDER BY time DESC, id DESC "
	    "LIMIT ?2",
	[S_Q_COUNT] = "SELECT count(*) FROM quarantine WHERE ?1 IS NULL OR "
	    "host = ?1",
	[S_PING] = "SELECT count(*) FROM counter",
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS bayes_token ("
	"  token BLOB PRIMARY KEY, ham INTEGER NOT NULL,"
	"  spam INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS bayes_seen ("
	"  digest BLOB PRIMARY KEY, class INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS counter ("
	"  name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS sender ("
	"  addr TEXT PRIMARY KEY, first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL, count INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS dmarc_record ("
	"  id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	"  count INTEGER NOT NULL, domain TEXT NOT NULL,"
	"  reporter TEXT NOT NULL, source_ip TEXT NOT NULL,"
	"  header_from TEXT NOT NULL, envelope_from TEXT NOT NULL,"
	"  dkim_domain TEXT NOT NULL, dkim_selector TEXT NOT NULL,"
	"  dkim_result TEXT NOT NULL, spf_domain TEXT NOT NULL,"
	"  spf_result TEXT NOT NULL, disposition TEXT NOT NULL,"
	"  policy TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS dmarc_by_domain ON dmarc_record"
	"  (domain, time);"
	"CREATE INDEX IF NOT EXISTS dmarc_by_time ON dmarc_record (time);"
	"CREATE TABLE IF NOT EXISTS quarantine ("
	"  id TEXT PRIMARY KEY, host TEXT NOT NULL, time INTEGER NOT NULL,"
	"  size INTEGER NOT NULL, score REAL NOT NULL,"
	"  verdict TEXT NOT NULL, sender TEXT NOT NULL, rcpt TEXT NOT NULL,"
	"  n_rcpt INTEGER NOT NULL, client_ip TEXT NOT NULL,"
	"  from_field TEXT NOT NULL, subject TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS quarantine_by_host ON quarantine"
	"  (host, time);"
	"CREATE INDEX IF NOT EXISTS quarantine_by_time ON quarantine (time);";

struct store_backend {
	sqlite3		*db;
	sqlite3_stmt	*st[S_COUNT];
};

/* SQLite result codes to store statuses. */
static int
status_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return STORE_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
		return STORE_ERR_DOWN;
	case SQLITE_NOMEM:
		return STORE_ERR_NOMEM;
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return STORE_ERR_ARG;
	}
	return STORE_ERR_BACKEND;
}

static void
sqlite_close(struct store_backend *b)
{
	int i;

	if (b == NULL)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(b->st[i]);
	sqlite3_close(b->db);
	free(b);
}

struct store_backend *
store_sqlite_open(const char *path, char *err, size_t errlen)
{
	struct store_backend *b;
	sqlite3_stmt *q;
	int rc, i, version = 0;

	if (path[0] == '\0') {
		snprintf(err, errlen, "store: sqlite: no file name");
		return NULL;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		snprintf(err, errlen, "store: out of memory");
		return NULL;
	}
	rc = sqlite3_open_v2(path, &b->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_extended_result_codes(b->db, 1);
	sqlite3_busy_timeout(b->db, SQLITE_BUSY_MS);
	/*
	 * WAL lets readers go on while one process writes.  A file system
	 * without shared memory refuses it; the default journal still
	 * works, only with less concurrency, so that is not an error.
	 */
	sqlite3_exec(b->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	/* In WAL mode NORMAL loses at most the last commits on power loss,
	 * never consistency; learning is cheap to repeat. */
	sqlite3_exec(b->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);

	if ((rc = sqlite3_prepare_v2(b->db, "PRAGMA user_version", -1, &q,
	    NULL)) != SQLITE_OK)
		goto fail;
	if (sqlite3_step(q) == SQLITE_ROW)
		version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (version > SQLITE_SCHEMA_VERSION) {
		snprintf(err, errlen, "store: %s: written by a newer mailtrust "
		    "(schema %d)", path, version);
		sqlite_close(b);
		return NULL;
	}
	if ((rc = sqlite3_exec(b->db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL)) != SQLITE_OK)
		goto fail;
	if ((rc = sqlite3_exec(b->db, schema, NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_exec(b->db, "PRAGMA user_version = 1", NULL, NULL,
	    NULL)) != SQLITE_OK) {
		sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	if ((rc = sqlite3_exec(b->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		goto fail;
	for (i = 0; i < S_COUNT; i++)
		if ((rc = sqlite3_prepare_v3(b->db, stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &b->st[i], NULL)) != SQLITE_OK)
			goto fail;
	return b;
fail:
	snprintf(err, errlen, "store: sqlite: %s: %s", path,
	    b->db != NULL ? sqlite3_errmsg(b->db) : sqlite3_errstr(rc));
	sqlite_close(b);
	return NULL;
}

/*
 * Runs a statement that returns no row we need; leaves it reset.
 */
static int
run(struct store_backend *b, enum stmt s)
{
	int rc = sqlite3_step(b->st[s]);

	sqlite3_reset(b->st[s]);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? STORE_OK : status_of(rc);
}

static int
begin(struct store_backend *b, bool write)
{
	return run(b, write ? S_BEGIN_WRITE : S_BEGIN_READ);
}

/* Ends a transaction: COMMIT when r is not an error, else ROLLBACK. */
static int
finish(struct store_backend *b, int r)
{
	int c;

	if (r >= 0) {
		if ((c = run(b, S_COMMIT)) == STORE_OK)
			return r;
		r = c;
	}
	run(b, S_ROLLBACK);
	return r;
}

static int
sqlite_ping(struct store_backend *b)
{
	return run(b, S_PING);
}

/* Reads a counter inside the current transaction. */
static int
counter_read(struct store_backend *b, const char *name, int64_t *value)
{
	sqlite3_stmt *q = b->st[S_CTR_GET];
	int rc;

	*value = 0;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*value = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : status_of(rc);
}

static int
counter_update(struct store_backend *b, enum stmt s, const char *name,
    int64_t delta, int64_t *value)
{
	sqlite3_stmt *q = b->st[s];
	int rc;

	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, delta);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*value = sqlite3_column_int64(q, 0);
	/* Step to the end so the RETURNING statement completes. */
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? STORE_OK : status_of(rc);
}

static int
sqlite_bayes_lookup(struct store_backend *b, const char *const *toks,
    size_t n, struct store_counts *counts, struct store_counts *totals)
{
	sqlite3_stmt *q = b->st[S_TOK_GET];
	size_t i;
	int r, rc;

	if ((r = begin(b, false)) != STORE_OK)
		return r;
	if ((r = counter_read(b, STORE_CTR_HAM, &totals->ham)) != STORE_OK ||
	    (r = counter_read(b, STORE_CTR_SPAM, &totals->spam)) != STORE_OK)
		return finish(b, r);
	for (i = 0; i < n; i++) {
		counts[i].ham = counts[i].spam = 0;
		sqlite3_bind_blob(q, 1, toks[i], (int)strlen(toks[i]),
		    SQLITE_STATIC);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			counts[i].ham = sqlite3_column_int64(q, 0);
			counts[i].spam = sqlite3_column_int64(q, 1);
		}
		sqlite3_reset(q);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return finish(b, status_of(rc));
	}
	return finish(b, STORE_OK);
}

/* Adds delta to every token's count of one class. */
static int
tokens_add(struct store_backend *b, int cls, int delta,
    const char *const *toks, size_t n)
{
	sqlite3_stmt *q = b->st[S_TOK_ADD], *gc = b->st[S_TOK_GC];
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		int len = (int)strlen(toks[i]);

		sqlite3_bind_blob(q, 1, toks[i], len, SQLITE_STATIC);
		sqlite3_bind_int(q, 2, cls == STORE_HAM ? delta : 0);
		sqlite3_bind_int(q, 3, cls == STORE_SPAM ? delta : 0);
		if ((r = run(b, S_TOK_ADD)) != STORE_OK)
			return r;
		if (delta < 0) {
			/* Tokens nobody has any more take no space. */
			sqlite3_bind_blob(gc, 1, toks[i], len, SQLITE_STATIC);
			if ((r = run(b, S_TOK_GC)) != STORE_OK)
				return r;
		}
	}
	return STORE_OK;
}

static int
class_apply(struct store_backend *b, int cls, int delta,
    const char *const *toks, size_t n)
{
	int64_t v;
	int r;

	if ((r = tokens_add(b, cls, delta, toks, n)) != STORE_OK)
		return r;
	return counter_update(b, S_CTR_ADD_FLOOR, cls == STORE_HAM ?
	    STORE_CTR_HAM : STORE_CTR_SPAM, delta, &v);
}

/* The class a digest was learned as, or -1. */
static int
seen_class(struct store_backend *b, const unsigned char *digest, int *cls)
{
	sqlite3_stmt *q = b->st[S_SEEN_GET];
	int rc;

	*cls = -1;
	sqlite3_bind_blob(q, 1, digest, STORE_DIGEST_LEN, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*cls = sqlite3_column_int(q, 0) == STORE_SPAM ? STORE_SPAM :
		    STORE_HAM;
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : status_of(rc);
}

static int
sqlite_bayes_learn(struct store_backend *b, const unsigned char *digest,
    int cls, bool forget, const char *const *toks, size_t n,
    enum store_class *was)
{
	int r, old;

	if ((r = begin(b, true)) != STORE_OK)
		return r;
	if ((r = seen_class(b, digest, &old)) != STORE_OK)
		return finish(b, r);
	if (forget) {
		if (old < 0)
			return finish(b, STORE_NOT_FOUND);
		if (was != NULL)
			*was = (enum store_class)old;
		if ((r = class_apply(b, old, -1, toks, n)) != STORE_OK)
			return finish(b, r);
		sqlite3_bind_blob(b->st[S_SEEN_DEL], 1, digest,
		    STORE_DIGEST_LEN, SQLITE_STATIC);
		return finish(b, run(b, S_SEEN_DEL));
	}
	if (old == cls)
		return finish(b, STORE_EXISTS);
	/* Relearning as the other class moves the message. */
	if (old >= 0 && (r = class_apply(b, old, -1, toks, n)) != STORE_OK)
		return finish(b, r);
	if ((r = class_apply(b, cls, 1, toks, n)) != STORE_OK)
		return finish(b, r);
	sqlite3_bind_blob(b->st[S_SEEN_PUT], 1, digest, STORE_DIGEST_LEN,
	    SQLITE_STATIC);
	sqlite3_bind_int(b->st[S_SEEN_PUT], 2, cls);
	return finish(b, run(b, S_SEEN_PUT));
}

static int
sqlite_bayes_learned(struct store_backend *b, const unsigned char *digest,
    enum store_class *cls)
{
	int r, c;

	if ((r = seen_class(b, digest, &c)) != STORE_OK)
		return r;
	if (c < 0)
		return STORE_NOT_FOUND;
	*cls = (enum store_class)c;
	return STORE_OK;
}

static int
sender_read(struct store_backend *b, const char *addr,
    struct store_sender *out)
{
	sqlite3_stmt *q = b->st[S_SND_GET];
	int rc;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_text(q, 1, addr, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		out->first_seen = (time_t)sqlite3_column_int64(q, 0);
		out->last_seen = (time_t)sqlite3_column_int64(q, 1);
		out->count = sqlite3_column_int64(q, 2);
	}
	sqlite3_reset(q);
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	return rc == SQLITE_ROW ? STORE_OK : status_of(rc);
}

static int
sqlite_sender_record(struct store_backend *b, const char *addr, time_t now,
    struct store_sender *before, int64_t *messages)
{
	int64_t total = 0;	/* set by counter_update on success */
	int r;

	if ((r = begin(b, true)) != STORE_OK)
		return r;
	if ((r = sender_read(b, addr, before)) < 0)
		return finish(b, r);
	sqlite3_bind_text(b->st[S_SND_PUT], 1, addr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(b->st[S_SND_PUT], 2, (sqlite3_int64)now);
	if ((r = run(b, S_SND_PUT)) != STORE_OK)
		return finish(b, r);
	if ((r = counter_update(b, S_CTR_ADD, STORE_CTR_MESSAGES, 1,
	    &total)) != STORE_OK)
		return finish(b, r);
	*messages = total - 1;
	return finish(b, STORE_OK);
}

static int
sqlite_sender_get(struct store_backend *b, const char *addr,
    struct store_sender *out)
{
	return sender_read(b, addr, out);
}

static int
sqlite_dmarc_add(struct store_backend *b, const struct store_dmarc_record *r)
{
	sqlite3_stmt *q = b->st[S_DM_ADD];
	const char *const f[] = {
		r->domain, r->reporter, r->source_ip, r->header_from,
		r->envelope_from, r->dkim_domain, r->dkim_selector,
		r->dkim_result, r->spf_domain, r->spf_result, r->disposition,
		r->policy,
	};
	size_t i;

	sqlite3_bind_int64(q, 1, (sqlite3_int64)r->time);
	sqlite3_bind_int64(q, 2, r->count);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		sqlite3_bind_text(q, (int)i + 3, f[i], -1, SQLITE_STATIC);
	return run(b, S_DM_ADD);
}

static void
column_copy(sqlite3_stmt *q, int col, char *dst, size_t size)
{
	const unsigned char *s = sqlite3_column_text(q, col);

	snprintf(dst, size, "%s", s != NULL ? (const char *)s : "");
}

static int
sqlite_dmarc_list(struct store_backend *b, const char *domain, time_t from,
    time_t until, struct store_dmarc_record *out, size_t max, size_t *n)
{
	sqlite3_stmt *q = b->st[S_DM_LIST];
	struct store_dmarc_record *r;
	int rc;

	sqlite3_bind_text(q, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)from);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)until);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)max);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < max) {
		r = &out[(*n)++];
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(q, 0);
		r->time = (time_t)sqlite3_column_int64(q, 1);
		r->count = (uint32_t)sqlite3_column_int64(q, 2);
#define COL(i, f)	column_copy(q, i, r->f, sizeof(r->f))
		COL(3, domain);
		COL(4, reporter);
		COL(5, source_ip);
		COL(6, header_from);
		COL(7, envelope_from);
		COL(8, dkim_domain);
		COL(9, dkim_selector);
		COL(10, dkim_result);
		COL(11, spf_domain);
		COL(12, spf_result);
		COL(13, disposition);
		COL(14, policy);
#undef COL
	}
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : status_of(rc);
}

static int
sqlite_dmarc_expire(struct store_backend *b, time_t before, size_t *n)
{
	int r;

	sqlite3_bind_int64(b->st[S_DM_EXPIRE], 1, (sqlite3_int64)before);
	r = run(b, S_DM_EXPIRE);
	*n = r == STORE_OK ? (size_t)sqlite3_changes(b->db) : 0;
	return r;
}

static int
sqlite_counter_add(struct store_backend *b, const char *name, int64_t delta,
    int64_t *value)
{
	return counter_update(b, S_CTR_ADD, name, delta, value);
}

static int
sqlite_counter_get(struct store_backend *b, const char *name, int64_t *value)
{
	return counter_read(b, name, value);
}

static int
sqlite_dmarc_domains(struct store_backend *b, store_domain *out, size_t max,
    size_t *n)
{
	sqlite3_stmt *q = b->st[S_DM_DOMAINS];
	int rc;

	sqlite3_bind_int64(q, 1, (sqlite3_int64)max);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < max)
		column_copy(q, 0, out[(*n)++], sizeof(out[0]));
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : status_of(rc);
}

static int
sqlite_quarantine_put(struct store_backend *b,
    const struct quarantine_entry *e, const char *host)
{
	sqlite3_stmt *q = b->st[S_Q_PUT];

	sqlite3_bind_text(q, 1, e->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)e->time);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)e->size);
	sqlite3_bind_double(q, 5, e->score);
	sqlite3_bind_text(q, 6, e->verdict, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, e->sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 8, e->rcpt, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 9, (sqlite3_int64)e->n_rcpt);
	sqlite3_bind_text(q, 10, e->client_ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 11, e->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 12, e->subject, -1, SQLITE_STATIC);
	return run(b, S_Q_PUT);
}

static int
sqlite_quarantine_del(struct store_backend *b, const char *id)
{
	int r;

	sqlite3_bind_text(b->st[S_Q_DEL], 1, id, -1, SQLITE_STATIC);
	if ((r = run(b, S_Q_DEL)) != STORE_OK)
		return r;
	return sqlite3_changes(b->db) > 0 ? STORE_OK : STORE_NOT_FOUND;
}

/* One row of S_Q_GET or S_Q_LIST into an entry and a host. */
static void
q_fill(sqlite3_stmt *q, struct quarantine_entry *e, char *host,
    size_t hostlen)
{
	sqlite3_int64 v;

	memset(e, 0, sizeof(*e));
	column_copy(q, 0, e->id, sizeof(e->id));
	column_copy(q, 1, host, hostlen);
	e->time = (time_t)sqlite3_column_int64(q, 2);
	v = sqlite3_column_int64(q, 3);
	e->size = v > 0 ? (size_t)v : 0;
	e->score = sqlite3_column_double(q, 4);
	column_copy(q, 5, e->verdict, sizeof(e->verdict));
	column_copy(q, 6, e->sender, sizeof(e->sender));
	column_copy(q, 7, e->rcpt, sizeof(e->rcpt));
	v = sqlite3_column_int64(q, 8);
	e->n_rcpt = v > 0 ? (size_t)v : 0;
	column_copy(q, 9, e->client_ip, sizeof(e->client_ip));
	column_copy(q, 10, e->from, sizeof(e->from));
	column_copy(q, 11, e->subject, sizeof(e->subject));
}

static int
sqlite_quarantine_get(struct store_backend *b, const char *id,
    struct quarantine_entry *e, char *host, size_t hostlen)
{
	sqlite3_stmt *q = b->st[S_Q_GET];
	int rc, r;

	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		q_fill(q, e, host, hostlen);
		r = STORE_OK;
	} else
		r = rc == SQLITE_DONE ? STORE_NOT_FOUND : status_of(rc);
	sqlite3_reset(q);
	return r;
}

static int
sqlite_quarantine_list(struct store_backend *b, const char *host,
    size_t max, store_quarantine_fn fn, void *arg, size_t *total)
{
	sqlite3_stmt *q = b->st[S_Q_LIST], *c = b->st[S_Q_COUNT];
	struct quarantine_entry e;
	char h[STORE_HOST_MAX + 1];
	int rc, r;

	*total = 0;
	/* One read transaction: the count and the rows agree. */
	if ((r = begin(b, false)) != STORE_OK)
		return r;
	sqlite3_bind_text(c, 1, host, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(c)) == SQLITE_ROW)
		*total = (size_t)sqlite3_column_int64(c, 0);
	sqlite3_reset(c);
	if (rc != SQLITE_ROW)
		return finish(b, status_of(rc) != STORE_OK ? status_of(rc) :
		    STORE_ERR_BACKEND);
	sqlite3_bind_text(q, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)max);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		q_fill(q, &e, h, sizeof(h));
		if (fn(arg, &e, h) != 0)
			break;
	}
	sqlite3_reset(q);
	r = rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : status_of(rc);
	return finish(b, r);
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.close = sqlite_close,
	.ping = sqlite_ping,
	.bayes_lookup = sqlite_bayes_lookup,
	.bayes_learn = sqlite_bayes_learn,
	.bayes_learned = sqlite_bayes_learned,
	.sender_record = sqlite_sender_record,
	.sender_get = sqlite_sender_get,
	.dmarc_add = sqlite_dmarc_add,
	.dmarc_list = sqlite_dmarc_list,
	.dmarc_expire = sqlite_dmarc_expire,
	.dmarc_domains = sqlite_dmarc_domains,
	.counter_add = sqlite_counter_add,
	.counter_get = sqlite_counter_get,
	.quarantine_put = sqlite_quarantine_put,
	.quarantine_del = sqlite_quarantine_del,
	.quarantine_get = sqlite_quarantine_get,
	.quarantine_list = sqlite_quarantine_list,
};
