/*
 * store.h - mailtrust's shared state: learned Bayes token counts, the
 * sender history, DMARC aggregate-report records, named counters and
 * the index of quarantined messages.
 *
 * One interface, two backends chosen by a URL-like spec:
 *   sqlite:/path/file.db            embedded, one file (the default)
 *   /path/file.db                   the same, without the scheme
 *   redis://[:PASSWORD@]HOST[:PORT][/DB][?prefix=P]
 *   unix:/path/redis.sock[?db=N&prefix=P]
 * SQLite suits one host; Redis lets several mailtrust hosts learn from
 * each other and share the history.  Keys in Redis start with the prefix
 * ("mt:" unless given), so several installations can share one server.
 *
 * Errors are status codes (enum store_status), never aborts.  A backend
 * that cannot be reached gives STORE_ERR_DOWN, which a check turns into
 * a symbol and a milter may turn into a tempfail; the Redis backend
 * reconnects by itself on a later call.
 *
 * Threads: one struct store may be shared by the threads of a process;
 * calls are serialised by a mutex inside (one connection per store).
 * Processes share through the backend: SQLite's WAL and locks, or Redis.
 * Every update that must be atomic (learning a message, recording a
 * sender, a counter) is one transaction or one server-side script.
 *
 * Memory: the store owns its handle; results go into caller memory.
 * Limits: the STORE_*_MAX values below; arguments over them are refused
 * with STORE_ERR_ARG, never cut silently.
 */
#ifndef MT_STORE_H
#define MT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STORE_SPEC_MAX		1024	/* bytes of a spec */
#define STORE_TOKEN_MAX		64	/* bytes of one Bayes token */
#define STORE_BATCH_MAX		4096	/* tokens in one lookup or learn */
#define STORE_NAME_MAX		256	/* counter names, sender addresses */
#define STORE_DIGEST_LEN	32	/* SHA-256 of a learned message */
#define STORE_DMARC_LIST_MAX	100000	/* records in one list call */

/* The default SQLite file under $HOME, when no spec is given. */
#define STORE_DEFAULT_RELPATH	".local/share/mailtrust/store.db"

enum store_status {
	STORE_OK		= 0,
	STORE_EXISTS		= 1,	/* learn: already learned as this */
	STORE_NOT_FOUND		= 2,	/* forget, get: nothing stored */
	STORE_ERR_ARG		= -1,	/* over a limit, malformed */
	STORE_ERR_DOWN		= -2,	/* unreachable or busy: retry later */
	STORE_ERR_BACKEND	= -3,	/* refused: corrupt, full, wrong type */
	STORE_ERR_NOMEM		= -4,
	STORE_ERR_READONLY	= -5,	/* store_set_readonly() is on */
};

enum store_class {
	STORE_HAM	= 0,
	STORE_SPAM	= 1,
};

struct store;

/* How often a token was seen in learned ham and spam messages. */
struct store_counts {
	int64_t	ham;
	int64_t	spam;
};

struct store_sender {
	time_t	first_seen;
	time_t	last_seen;
	int64_t	count;		/* messages recorded; 0 = never seen */
};

/*
 * One row of a DMARC aggregate report (RFC 9990 / RFC 7489 appendix C):
 * what one source sent in the name of one domain and what happened to it.
 * Strings are NUL-terminated inside their arrays; "" = unknown.
 */
#define STORE_DOMAIN_MAX	253	/* RFC 1035 2.3.4, textual */
#define STORE_ADDR_MAX		320	/* RFC 5321 4.5.3.1: 64 + @ + 255 */
#define STORE_WORD_MAX		15	/* "pass", "quarantine", ... */
#define STORE_SELECTOR_MAX	63	/* one DNS label */
#define STORE_IP_MAX		45	/* textual IPv6 with IPv4 tail */

struct store_dmarc_record {
	int64_t	 id;		/* set by the store (list), ignored by add */
	time_t	 time;		/* when the message arrived */
	uint32_t count;		/* messages this row stands for (>= 1) */
	char	 domain[STORE_DOMAIN_MAX + 1];	/* policy domain: the key */
	char	 reporter[STORE_DOMAIN_MAX + 1]; /* who observed it */
	char	 source_ip[STORE_IP_MAX + 1];
	char	 header_from[STORE_DOMAIN_MAX + 1];
	char	 envelope_from[STORE_ADDR_MAX + 1];
	char	 dkim_domain[STORE_DOMAIN_MAX + 1];
	char	 dkim_selector[STORE_SELECTOR_MAX + 1];
	char	 dkim_result[STORE_WORD_MAX + 1];
	char	 spf_domain[STORE_DOMAIN_MAX + 1];
	char	 spf_result[STORE_WORD_MAX + 1];
	char	 disposition[STORE_WORD_MAX + 1];	/* what we did */
	char	 policy[STORE_WORD_MAX + 1];	/* the published p= */
};

/*
 * Opens the store a spec names; NULL with a reason in err when the spec
 * is malformed or the SQLite file cannot be opened.  A Redis server that
 * is down does not make the open fail (it may come up later): use
 * store_ping() to ask now.
 */
struct store	*store_open(const char *spec, char *err, size_t errlen);

/*
 * As store_open, but a NULL or empty spec means $MAILTRUST_STORE, else
 * sqlite:$HOME/STORE_DEFAULT_RELPATH (its directory is created).  This is
 * what a front end calls for its --store option.
 */
struct store	*store_open_default(const char *spec, char *err,
		    size_t errlen);
/* The spec store_open_default() uses for NULL; -1 when it does not fit. */
int		 store_default_spec(char *buf, size_t len);

void		 store_close(struct store *);

/* "sqlite" or "redis". */
const char	*store_backend_name(const struct store *);
/* A short description of a status, for messages and evidence. */
const char	*store_strerror(int status);
/* STORE_OK when the backend answers now. */
int		 store_ping(struct store *);

/*
 * A read-only store refuses every write with STORE_ERR_READONLY, so an
 * evaluation over a corpus cannot change what it measures.
 */
void		 store_set_readonly(struct store *, bool);
bool		 store_readonly(const struct store *);

/*
 * Bayes tokens.  Lookup fills counts[i] for toks[i] (zeros when never
 * seen) and the totals of learned messages, in one round trip.
 */
int		 store_bayes_lookup(struct store *, const char *const *toks,
		    size_t n, struct store_counts *counts,
		    struct store_counts *totals);
int		 store_bayes_totals(struct store *, struct store_counts *);

/*
 * Learns one message, named by its digest, as ham or spam: each token
 * counts once more for that class, and the class's total grows by one.
 * The tokens must be distinct.  A digest already learned as this class
 * gives STORE_EXISTS and changes nothing; one learned as the other class
 * is moved (its old counts taken back first).
 */
int		 store_bayes_learn(struct store *,
		    const unsigned char digest[STORE_DIGEST_LEN],
		    enum store_class, const char *const *toks, size_t n);

/*
 * Takes back what learning this message added, as whichever class it
 * was learned (reported in *was when not NULL).  STORE_NOT_FOUND when
 * the digest was never learned.  The tokens must be the ones learned.
 */
int		 store_bayes_forget(struct store *,
		    const unsigned char digest[STORE_DIGEST_LEN],
		    const char *const *toks, size_t n, enum store_class *was);

/* STORE_OK and the class when the digest was learned, else NOT_FOUND. */
int		 store_bayes_learned(struct store *,
		    const unsigned char digest[STORE_DIGEST_LEN],
		    enum store_class *);

/*
 * Sender history.  record counts one more message from addr at now and
 * returns the state before it (count 0: never seen) and, in *messages,
 * how many messages the whole history holds before this one.  addr is
 * used as given: normalise it first.
 */
int		 store_sender_record(struct store *, const char *addr,
		    time_t now, struct store_sender *before,
		    int64_t *messages);
int		 store_sender_get(struct store *, const char *addr,
		    struct store_sender *);

/* DMARC aggregate-report data. */
int		 store_dmarc_add(struct store *,
		    const struct store_dmarc_record *);
/*
 * The records for one domain with from <= time < until, oldest first,
 * at most max of them (*n says how many were written).
 */
int		 store_dmarc_list(struct store *, const char *domain,
		    time_t from, time_t until, struct store_dmarc_record *out,
		    size_t max, size_t *n);
/*
 * The policy domains that have records, sorted, at most max of them
 * (*n says how many were written): what `mailtrust dmarc-report` walks.
 */
#define STORE_DMARC_DOMAINS_MAX	100000
typedef char store_domain[STORE_DOMAIN_MAX + 1];
int		 store_dmarc_domains(struct store *, store_domain *out,
		    size_t max, size_t *n);
/* Deletes every record older than before; *n = how many, if not NULL. */
int		 store_dmarc_expire(struct store *, time_t before, size_t *n);

/*
 * Counters: name -> integer, incremented atomically across processes.
 * add returns the new value in *value (may be NULL); get gives 0 for a
 * counter never added to.  Names starting with "bayes." and "history."
 * are the store's own.
 */
int		 store_counter_add(struct store *, const char *name,
		    int64_t delta, int64_t *value);
int		 store_counter_get(struct store *, const char *name,
		    int64_t *value);

/*
 * The quarantine index: one record per held message (struct
 * quarantine_entry of quarantine.h) and the host whose disk holds its
 * file, so hosts sharing one Redis see whose it is.  The files stay the
 * truth (quarantine.h); these records only make listing cheap and are
 * rebuilt from the files by quarantine_reindex().
 *
 * put creates or replaces the record of entry->id; del gives
 * STORE_NOT_FOUND when there was none; get fills the entry and, when
 * host is not NULL, the host (hostlen bytes, cut to fit).  list calls
 * fn for the records of host (NULL: every host), newest first (time,
 * then ID, descending), at most max of them, with the store locked: fn
 * must not call the store, and a non-zero return stops the walk.
 * *total (may be NULL) is how many records that host has in all.
 */
#define STORE_HOST_MAX		255	/* RFC 1035 2.3.4, plus slack */
#define STORE_QUARANTINE_LIST_MAX 100000
struct quarantine_entry;
typedef int	(*store_quarantine_fn)(void *arg,
		    const struct quarantine_entry *, const char *host);
int		 store_quarantine_put(struct store *,
		    const struct quarantine_entry *, const char *host);
int		 store_quarantine_del(struct store *, const char *id);
int		 store_quarantine_get(struct store *, const char *id,
		    struct quarantine_entry *, char *host, size_t hostlen);
int		 store_quarantine_list(struct store *, const char *host,
		    size_t max, store_quarantine_fn fn, void *arg,
		    size_t *total);

#endif
