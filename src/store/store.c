/*
 * store.c - the store's front half: picks the backend from the spec,
 * checks every argument against the limits of store.h, serialises calls
 * with a mutex and keeps read-only stores read-only.  The backends
 * (store_sqlite.c, store_redis.c) do the storing.
 *
 * Memory: struct store is malloc'd here and freed by store_close().
 * Nothing is kept between calls except the backend's connection.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "quarantine.h"
#include "store.h"
#include "store_int.h"
#include "util/str.h"

struct store {
	pthread_mutex_t		 lock;
	const struct store_ops	*ops;
	struct store_backend	*be;
	bool			 readonly;
};

static bool
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

struct store *
store_open(const char *spec, char *err, size_t errlen)
{
	const struct store_ops *ops;
	struct store_backend *be;
	struct store *st;

	if (spec == NULL || spec[0] == '\0' ||
	    strnlen(spec, STORE_SPEC_MAX + 1) > STORE_SPEC_MAX) {
		snprintf(err, errlen, "store: empty or overlong spec");
		return NULL;
	}
	if (has_prefix(spec, "redis://") || has_prefix(spec, "unix:")) {
		ops = &store_redis_ops;
		be = store_redis_open(spec, err, errlen);
	} else if (has_prefix(spec, "sqlite:")) {
		ops = &store_sqlite_ops;
		be = store_sqlite_open(spec + strlen("sqlite:"), err, errlen);
	} else if (strchr(spec, ':') == NULL || spec[0] == '/' ||
	    spec[0] == '.') {
		/* A plain path: "sqlite:" is the default backend. */
		ops = &store_sqlite_ops;
		be = store_sqlite_open(spec, err, errlen);
	} else {
		snprintf(err, errlen, "store: unknown kind of store '%.64s' "
		    "(sqlite:PATH, redis://HOST:PORT/DB or unix:SOCKET)",
		    spec);
		return NULL;
	}
	if (be == NULL)
		return NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		ops->close(be);
		snprintf(err, errlen, "store: out of memory");
		return NULL;
	}
	pthread_mutex_init(&st->lock, NULL);
	st->ops = ops;
	st->be = be;
	return st;
}

int
store_default_spec(char *buf, size_t len)
{
	const char *env = getenv("MAILTRUST_STORE"), *home;
	int n;

	if (env != NULL && env[0] != '\0')
		n = snprintf(buf, len, "%s", env);
	else if ((home = getenv("HOME")) != NULL && home[0] != '\0')
		n = snprintf(buf, len, "sqlite:%s/%s", home,
		    STORE_DEFAULT_RELPATH);
	else
		return -1;
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

/* mkdir -p for the directories above path (not path itself). */
static int
make_parents(const char *path)
{
	char dir[STORE_SPEC_MAX + 1], *p;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -1;
	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

struct store *
store_open_default(const char *spec, char *err, size_t errlen)
{
	char def[STORE_SPEC_MAX + 1];

	if (spec == NULL || spec[0] == '\0') {
		if (store_default_spec(def, sizeof(def)) == -1) {
			snprintf(err, errlen, "store: no $HOME and no "
			    "$MAILTRUST_STORE; give --store");
			return NULL;
		}
		spec = def;
		/*
		 * Only the default location is created on the fly: a path
		 * the user typed with a typo should fail, not appear.
		 */
		if (has_prefix(spec, "sqlite:") && getenv("MAILTRUST_STORE")
		    == NULL && make_parents(spec + strlen("sqlite:")) == -1) {
			snprintf(err, errlen, "store: cannot create the "
			    "directory of %s: %s", spec, strerror(errno));
			return NULL;
		}
	}
	return store_open(spec, err, errlen);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st->be);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

const char *
store_backend_name(const struct store *st)
{
	return st->ops->name;
}

const char *
store_strerror(int status)
{
	switch (status) {
	case STORE_OK:
		return "ok";
	case STORE_EXISTS:
		return "already stored";
	case STORE_NOT_FOUND:
		return "not found";
	case STORE_ERR_ARG:
		return "invalid argument or over a limit";
	case STORE_ERR_DOWN:
		return "store unreachable or busy";
	case STORE_ERR_BACKEND:
		return "store refused the operation";
	case STORE_ERR_NOMEM:
		return "out of memory";
	case STORE_ERR_READONLY:
		return "store is read-only";
	}
	return "unknown store status";
}

void
store_set_readonly(struct store *st, bool ro)
{
	pthread_mutex_lock(&st->lock);
	st->readonly = ro;
	pthread_mutex_unlock(&st->lock);
}

bool
store_readonly(const struct store *st)
{
	return st->readonly;
}

/* Every call below: validate, lock, call the backend, unlock. */
#define CALL(st, write, expr) do {					\
	int r_;								\
									\
	pthread_mutex_lock(&(st)->lock);				\
	if ((write) && (st)->readonly)					\
		r_ = STORE_ERR_READONLY;				\
	else								\
		r_ = (expr);						\
	pthread_mutex_unlock(&(st)->lock);				\
	return r_;							\
} while (0)

int
store_ping(struct store *st)
{
	CALL(st, false, st->ops->ping(st->be));
}

static bool
valid_name(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strnlen(s, STORE_NAME_MAX + 1);
	return n > 0 && n <= STORE_NAME_MAX;
}

static bool
valid_tokens(const char *const *toks, size_t n)
{
	size_t i, len;

	if (n > STORE_BATCH_MAX || (n > 0 && toks == NULL))
		return false;
	for (i = 0; i < n; i++) {
		if (toks[i] == NULL)
			return false;
		len = strnlen(toks[i], STORE_TOKEN_MAX + 1);
		if (len == 0 || len > STORE_TOKEN_MAX)
			return false;
	}
	return true;
}

int
store_bayes_lookup(struct store *st, const char *const *toks, size_t n,
    struct store_counts *counts, struct store_counts *totals)
{
	if (!valid_tokens(toks, n) || (n > 0 && counts == NULL) ||
	    totals == NULL)
		return STORE_ERR_ARG;
	CALL(st, false, st->ops->bayes_lookup(st->be, toks, n, counts,
	    totals));
}

int
store_bayes_totals(struct store *st, struct store_counts *totals)
{
	return store_bayes_lookup(st, NULL, 0, NULL, totals);
}

int
store_bayes_learn(struct store *st,
    const unsigned char digest[STORE_DIGEST_LEN],
    enum store_class cls, const char *const *toks, size_t n)
{
	if (digest == NULL || (cls != STORE_HAM && cls != STORE_SPAM) ||
	    !valid_tokens(toks, n))
		return STORE_ERR_ARG;
	CALL(st, true, st->ops->bayes_learn(st->be, digest, (int)cls, false,
	    toks, n, NULL));
}

int
store_bayes_forget(struct store *st,
    const unsigned char digest[STORE_DIGEST_LEN],
    const char *const *toks, size_t n, enum store_class *was)
{
	if (digest == NULL || !valid_tokens(toks, n))
		return STORE_ERR_ARG;
	CALL(st, true, st->ops->bayes_learn(st->be, digest, -1, true, toks,
	    n, was));
}

int
store_bayes_learned(struct store *st,
    const unsigned char digest[STORE_DIGEST_LEN], enum store_class *cls)
{
	enum store_class dummy;

	if (digest == NULL)
		return STORE_ERR_ARG;
	CALL(st, false, st->ops->bayes_learned(st->be, digest,
	    cls != NULL ? cls : &dummy));
}

int
store_sender_record(struct store *st, const char *addr, time_t now,
    struct store_sender *before, int64_t *messages)
{
	struct store_sender b;
	int64_t m;

	if (!valid_name(addr))
		return STORE_ERR_ARG;
	CALL(st, true, st->ops->sender_record(st->be, addr, now,
	    before != NULL ? before : &b, messages != NULL ? messages : &m));
}

int
store_sender_get(struct store *st, const char *addr, struct store_sender *out)
{
	if (!valid_name(addr) || out == NULL)
		return STORE_ERR_ARG;
	CALL(st, false, st->ops->sender_get(st->be, addr, out));
}

/*
 * Valid UTF-8 without control characters: what every backend can keep
 * and give back unchanged (the Redis one stores JSON, which needs it).
 */
static bool
clean_text(const char *s, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end;
	size_t k, n;

	if ((end = memchr(p, '\0', size)) == NULL)
		return false;
	while (p < end) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 && *p >= 0xc2 ? 2 :
		    (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 &&
		    *p <= 0xf4 ? 4 : 0;
		if (n == 0 || (size_t)(end - p) < n)
			return false;
		for (k = 1; k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				return false;
		/* No overlong forms, surrogates, nothing past U+10FFFF. */
		if ((p[0] == 0xe0 && p[1] < 0xa0) ||
		    (p[0] == 0xed && p[1] >= 0xa0) ||
		    (p[0] == 0xf0 && p[1] < 0x90) ||
		    (p[0] == 0xf4 && p[1] >= 0x90))
			return false;
		p += n;
	}
	return true;
}

/* Each string field must end inside its array: never read past it. */
static bool
valid_record(const struct store_dmarc_record *r)
{
#define TERMINATED(f)	clean_text(r->f, sizeof(r->f))
	return TERMINATED(domain) && r->domain[0] != '\0' &&
	    TERMINATED(reporter) && TERMINATED(source_ip) &&
	    TERMINATED(header_from) && TERMINATED(envelope_from) &&
	    TERMINATED(dkim_domain) && TERMINATED(dkim_selector) &&
	    TERMINATED(dkim_result) && TERMINATED(spf_domain) &&
	    TERMINATED(spf_result) && TERMINATED(disposition) &&
	    TERMINATED(policy) && r->count >= 1;
#undef TERMINATED
}

int
store_dmarc_add(struct store *st, const struct store_dmarc_record *r)
{
	if (r == NULL || !valid_record(r))
		return STORE_ERR_ARG;
	CALL(st, true, st->ops->dmarc_add(st->be, r));
}

int
store_dmarc_list(struct store *st, const char *domain, time_t from,
    time_t until, struct store_dmarc_record *out, size_t max, size_t *n)
{
	if (n == NULL)
		return STORE_ERR_ARG;
	*n = 0;
	if (domain == NULL || domain[0] == '\0' ||
	    strnlen(domain, STORE_DOMAIN_MAX + 1) > STORE_DOMAIN_MAX ||
	    max > STORE_DMARC_LIST_MAX || (max > 0 && out == NULL))
		return STORE_ERR_ARG;
	if (max == 0 || from >= until)
		return STORE_OK;
	CALL(st, false, st->ops->dmarc_list(st->be, domain, from, until, out,
	    max, n));
}

int
store_dmarc_domains(struct store *st, store_domain *out, size_t max,
    size_t *n)
{
	if (n == NULL)
		return STORE_ERR_ARG;
	*n = 0;
	if (max > STORE_DMARC_DOMAINS_MAX || (max > 0 && out == NULL))
		return STORE_ERR_ARG;
	if (max == 0)
		return STORE_OK;
	CALL(st, false, st->ops->dmarc_domains(st->be, out, max, n));
}

int
store_dmarc_expire(struct store *st, time_t before, size_t *n)
{
	size_t dummy;

	CALL(st, true, st->ops->dmarc_expire(st->be, before,
	    n != NULL ? n : &dummy));
}

int
store_counter_add(struct store *st, const char *name, int64_t delta,
    int64_t *value)
{
	int64_t v;

	if (!valid_name(name))
		return STORE_ERR_ARG;
	CALL(st, true, st->ops->counter_add(st->be, name, delta,
	    value != NULL ? value : &v));
}

int
store_counter_get(struct store *st, const char *name, int64_t *value)
{
	if (!valid_name(name) || value == NULL)
		return STORE_ERR_ARG;
	CALL(st, false, st->ops->counter_get(st->be, name, value));
}

static bool
valid_host(const char *host)
{
	size_t n;

	if (host == NULL)
		return false;
	n = strnlen(host, STORE_HOST_MAX + 1);
	return n > 0 && n <= STORE_HOST_MAX;
}

static bool
ends_in(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/*
 * Every string must end inside its array.  Subject and From are kept as
 * they came (not necessarily UTF-8): both backends keep bytes as given.
 */
static bool
valid_entry(const struct quarantine_entry *e)
{
#define TERMINATED(f)	ends_in(e->f, sizeof(e->f))
	return TERMINATED(id) && quarantine_id_valid(e->id) &&
	    TERMINATED(verdict) && TERMINATED(sender) && TERMINATED(rcpt) &&
	    TERMINATED(client_ip) && TERMINATED(from) && TERMINATED(subject);
#undef TERMINATED
}

int
store_quarantine_put(struct store *st, const struct quarantine_entry *e,
    const char *host)
{
	if (e == NULL || !valid_entry(e) || !valid_host(host))
		return STORE_ERR_ARG;
	CALL(st, true, st->ops->quarantine_put(st->be, e, host));
}

int
store_quarantine_del(struct store *st, const char *id)
{
	if (id == NULL || !quarantine_id_valid(id))
		return STORE_ERR_ARG;
	CALL(st, true, st->ops->quarantine_del(st->be, id));
}

int
store_quarantine_get(struct store *st, const char *id,
    struct quarantine_entry *e, char *host, size_t hostlen)
{
	char h[STORE_HOST_MAX + 1];

	if (id == NULL || !quarantine_id_valid(id) || e == NULL)
		return STORE_ERR_ARG;
	if (host == NULL || hostlen == 0) {
		host = h;
		hostlen = sizeof(h);
	}
	CALL(st, false, st->ops->quarantine_get(st->be, id, e, host,
	    hostlen));
}

int
store_quarantine_list(struct store *st, const char *host, size_t max,
    store_quarantine_fn fn, void *arg, size_t *total)
{
	size_t dummy;

	if (fn == NULL || max > STORE_QUARANTINE_LIST_MAX ||
	    (host != NULL && !valid_host(host)))
		return STORE_ERR_ARG;
	CALL(st, false, st->ops->quarantine_list(st->be, host, max, fn, arg,
	    total != NULL ? total : &dummy));
}

/*
 * DMARC records as JSON objects.  Field names follow the elements of
 * the aggregate report format (RFC 9990 appendix A) where one exists.
 */
#define DMARC_FIELDS(X)							\
	X(domain, "domain")						\
	X(reporter, "reporter")						\
	X(source_ip, "source_ip")					\
	X(header_from, "header_from")					\
	X(envelope_from, "envelope_from")				\
	X(dkim_domain, "dkim_domain")					\
	X(dkim_selector, "dkim_selector")				\
	X(dkim_result, "dkim_result")					\
	X(spf_domain, "spf_domain")					\
	X(spf_result, "spf_result")					\
	X(disposition, "disposition")					\
	X(policy, "policy")

char *
store_dmarc_encode(const struct store_dmarc_record *r)
{
	json_t *o;
	char *s;

	if ((o = json_object()) == NULL)
		return NULL;
	json_object_set_new(o, "time", json_integer((json_int_t)r->time));
	json_object_set_new(o, "count", json_integer(r->count));
#define ENC(f, key)							\
	if (json_object_set_new(o, key, json_string(r->f)) == -1) {	\
		json_decref(o);						\
		return NULL;						\
	}
	DMARC_FIELDS(ENC)
#undef ENC
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

int
store_dmarc_decode(const char *s, size_t len, struct store_dmarc_record *r)
{
	json_t *o, *v;
	const char *str;

	memset(r, 0, sizeof(*r));
	if ((o = json_loadb(s, len, 0, NULL)) == NULL || !json_is_object(o)) {
		json_decref(o);
		return STORE_ERR_BACKEND;
	}
	if ((v = json_object_get(o, "time")) != NULL && json_is_integer(v))
		r->time = (time_t)json_integer_value(v);
	if ((v = json_object_get(o, "count")) != NULL && json_is_integer(v) &&
	    json_integer_value(v) > 0 && json_integer_value(v) <= UINT32_MAX)
		r->count = (uint32_t)json_integer_value(v);
#define DEC(f, key)							\
	if ((v = json_object_get(o, key)) != NULL &&			\
	    (str = json_string_value(v)) != NULL)			\
		snprintf(r->f, sizeof(r->f), "%s", str);
	DMARC_FIELDS(DEC)
#undef DEC
	json_decref(o);
	return STORE_OK;
}
