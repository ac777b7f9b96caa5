/*
 * store_int.h - what store.c asks of a backend (store_sqlite.c,
 * store_redis.c).  Not for use outside src/store/.
 *
 * store.c checks every argument against the limits of store.h, holds the
 * mutex and refuses writes to a read-only store before it calls a
 * backend, so a backend may assume valid, bounded input and one caller
 * at a time.  Each backend returns enum store_status values.
 */
#ifndef MT_STORE_INT_H
#define MT_STORE_INT_H

#include "store.h"

struct store_backend;

struct store_ops {
	const char	*name;
	void		(*close)(struct store_backend *);
	int		(*ping)(struct store_backend *);
	int		(*bayes_lookup)(struct store_backend *,
			    const char *const *, size_t, struct store_counts *,
			    struct store_counts *);
	int		(*bayes_learn)(struct store_backend *,
			    const unsigned char *, int cls, bool forget,
			    const char *const *, size_t, enum store_class *);
	int		(*bayes_learned)(struct store_backend *,
			    const unsigned char *, enum store_class *);
	int		(*sender_record)(struct store_backend *, const char *,
			    time_t, struct store_sender *, int64_t *);
	int		(*sender_get)(struct store_backend *, const char *,
			    struct store_sender *);
	int		(*dmarc_add)(struct store_backend *,
			    const struct store_dmarc_record *);
	int		(*dmarc_list)(struct store_backend *, const char *,
			    time_t, time_t, struct store_dmarc_record *, size_t,
			    size_t *);
	int		(*dmarc_expire)(struct store_backend *, time_t,
			    size_t *);
	int		(*dmarc_domains)(struct store_backend *,
			    store_domain *, size_t, size_t *);
	int		(*counter_add)(struct store_backend *, const char *,
			    int64_t, int64_t *);
	int		(*counter_get)(struct store_backend *, const char *,
			    int64_t *);
	int		(*quarantine_put)(struct store_backend *,
			    const struct quarantine_entry *, const char *);
	int		(*quarantine_del)(struct store_backend *,
			    const char *);
	int		(*quarantine_get)(struct store_backend *,
			    const char *, struct quarantine_entry *, char *,
			    size_t);
	int		(*quarantine_list)(struct store_backend *,
			    const char *, size_t, store_quarantine_fn, void *,
			    size_t *);
};

/* The counters behind store_bayes_totals() and the sender history. */
#define STORE_CTR_HAM		"bayes.ham"
#define STORE_CTR_SPAM		"bayes.spam"
#define STORE_CTR_MESSAGES	"history.messages"

/* rest is what follows "sqlite:" (a path) or the whole redis/unix spec. */
struct store_backend *store_sqlite_open(const char *path, char *err,
		    size_t errlen);
struct store_backend *store_redis_open(const char *spec, char *err,
		    size_t errlen);
extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_redis_ops;

/*
 * A DMARC record as one line of JSON and back, for backends that keep
 * records as strings.  encode returns a malloc'd string or NULL.
 */
char		*store_dmarc_encode(const struct store_dmarc_record *);
int		 store_dmarc_decode(const char *, size_t,
		    struct store_dmarc_record *);

#endif
