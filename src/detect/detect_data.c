/*
 * detect_data.c - loads what the phishing checks read from data/, once,
 * at start-up, into cfg->detect; and the small helpers they share.
 *
 * Files: brands, lexicon (compiled here into PCRE2 JIT code), free-mail,
 * url-shorteners, hosting, url-rewriters, geo-risk, tld-risk,
 * foreign-charsets, bulk-mailers, and the libloc database.  A missing
 * list is loaded as empty with a warning (a deployment may drop one); a
 * malformed line stops the load with "file:line: reason", because a
 * half-read list would silently weaken every verdict.
 *
 * Memory: the lists are heap, owned by cfg->detect and freed by
 * detect_data_free().  After loading nothing writes to them.
 * Limits: DETECT_MAX_FILE per file, DETECT_MAX_LINE per line,
 * DETECT_MAX_LIST entries per list.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect.h"
#include "mime/message.h"
#include "scan/config.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/str.h"

/* Where Debian's libloc-database puts the file, newest layout first. */
static const char *const geo_paths[] = {
	"/var/lib/location/database.db",
	"/usr/share/libloc-location/location.db",
	"/usr/share/libloc/location.db",
};

/*
 * FNV-1a over s's bytes from the last to the first: read that way, the
 * hash of "b.c" is a step on the way to that of "a.b.c", so
 * detect_list_find() has every parent domain's hash from one pass.
 */
static uint32_t
list_hash(const char *s)
{
	uint32_t h = STR_FNV_INIT;
	size_t n = strlen(s);

	while (n > 0)
		h = str_fnv1a_byte(h, (unsigned char)s[--n]);
	return h;
}

static int
list_grow(struct detect_list *l)
{
	size_t ncap = l->cap ? l->cap * 2 : 256, i, j;
	char **nk;
	int *nv;

	if ((nk = calloc(ncap, sizeof(*nk))) == NULL ||
	    (nv = calloc(ncap, sizeof(*nv))) == NULL) {
		free(nk);
		return -1;
	}
	for (i = 0; i < l->cap; i++) {
		if (l->key[i] == NULL)
			continue;
		for (j = list_hash(l->key[i]) & (ncap - 1); nk[j] != NULL;
		    j = (j + 1) & (ncap - 1))
			;
		nk[j] = l->key[i];
		nv[j] = l->val[i];
	}
	free(l->key);
	free(l->val);
	l->key = nk;
	l->val = nv;
	l->cap = ncap;
	return 0;
}

int
detect_list_add(struct detect_list *l, const char *name, int val)
{
	const char *slash;
	char *k, **nh, **np;
	size_t j;

	if (l->n + l->n_path >= DETECT_MAX_LIST)
		return -1;
	if ((slash = strchr(name, '/')) != NULL) {
		nh = realloc(l->path_host, (l->n_path + 1) * sizeof(*nh));
		if (nh == NULL)
			return -1;
		l->path_host = nh;
		np = realloc(l->path_prefix, (l->n_path + 1) * sizeof(*np));
		if (np == NULL)
			return -1;
		l->path_prefix = np;
		if ((nh[l->n_path] = strndup(name, (size_t)(slash - name))) ==
		    NULL || (np[l->n_path] = strdup(slash)) == NULL) {
			free(nh[l->n_path]);
			return -1;
		}
		str_lower(nh[l->n_path]);
		l->n_path++;
		return 0;
	}
	/* Keep the load factor under a half so probes stay short. */
	if ((l->n + 1) * 2 > l->cap && list_grow(l) == -1)
		return -1;
	if ((k = strdup(name)) == NULL)
		return -1;
	str_lower(k);
	for (j = list_hash(k) & (l->cap - 1); l->key[j] != NULL;
	    j = (j + 1) & (l->cap - 1))
		if (strcmp(l->key[j], k) == 0) {
			/* A repeated entry keeps its first value. */
			free(k);
			return 0;
		}
	l->key[j] = k;
	l->val[j] = val;
	l->n++;
	return 0;
}

bool
detect_list_has(const struct detect_list *l, const char *name, int *val)
{
	size_t j;

	if (l->cap == 0)
		return false;
	for (j = list_hash(name) & (l->cap - 1); l->key[j] != NULL;
	    j = (j + 1) & (l->cap - 1))
		if (strcmp(l->key[j], name) == 0) {
			if (val != NULL)
				*val = l->val[j];
			return true;
		}
	return false;
}

const char *
detect_list_find(const struct detect_list *l, const char *host,
    const char *path, int *val)
{
	const char *p, *found = NULL;
	uint32_t h = STR_FNV_INIT;
	size_t i, j, plen;
	int v = 0;

	/* The first byte before a call: nearly every entry differs there. */
	for (i = 0; path != NULL && i < l->n_path; i++) {
		if (host[0] != l->path_host[i][0] ||
		    strcmp(host, l->path_host[i]) != 0)
			continue;
		plen = strlen(l->path_prefix[i]);
		if (strncmp(path, l->path_prefix[i], plen) == 0) {
			if (val != NULL)
				*val = 0;
			return l->path_host[i];
		}
	}
	if (l->cap == 0 || host == NULL)
		return NULL;
	/*
	 * From the end of host to its start, each parent domain ("c",
	 * "b.c", then "a.b.c": where host starts or a dot ends) is probed
	 * with the hash the bytes so far give; the longest that is an
	 * entry wins, as the nearest parent is the most specific entry.
	 */
	for (i = strlen(host); i > 0; i--) {
		h = str_fnv1a_byte(h, (unsigned char)host[i - 1]);
		if (i > 1 && host[i - 2] != '.')
			continue;
		p = host + i - 1;
		for (j = h & (l->cap - 1); l->key[j] != NULL;
		    j = (j + 1) & (l->cap - 1))
			if (l->key[j][0] == p[0] && strcmp(l->key[j], p) == 0) {
				found = l->key[j];
				v = l->val[j];
				break;
			}
	}
	if (found != NULL && val != NULL)
		*val = v;
	return found;
}

void
detect_list_free(struct detect_list *l)
{
	size_t i;

	for (i = 0; i < l->cap; i++)
		free(l->key[i]);
	for (i = 0; i < l->n_path; i++) {
		free(l->path_host[i]);
		free(l->path_prefix[i]);
	}
	free(l->key);
	free(l->val);
	free(l->path_host);
	free(l->path_prefix);
	memset(l, 0, sizeof(*l));
}

int
detect_data_read(const char *path, detect_line_fn *fn, void *arg, char *err,
    size_t errlen)
{
	char why[512], *p, *end, *nl, *hash;
	unsigned lineno = 0;
	struct buf b;
	size_t len;
	int r = 0;

	buf_init(&b, DETECT_MAX_FILE);
	if (buf_read_file(&b, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, errno == EFBIG ?
		    "file too large" : strerror(errno));
		buf_free(&b);
		return -1;
	}
	p = b.data ? b.data : "";
	end = p + b.len;
	while (p < end) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		*nl = '\0';
		if ((size_t)(nl - p) > DETECT_MAX_LINE) {
			snprintf(err, errlen, "%s:%u: line too long", path,
			    lineno);
			r = -1;
			break;
		}
		/* '#' starts a comment unless escaped as "\#" (patterns). */
		for (hash = p; (hash = strchr(hash, '#')) != NULL; hash++)
			if (hash == p || hash[-1] != '\\')
				break;
		if (hash != NULL)
			*hash = '\0';
		len = strlen(p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' ||
		    p[len - 1] == '\r'))
			p[--len] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0') {
			why[0] = '\0';
			if (fn(arg, p, why, sizeof(why)) == -1) {
				snprintf(err, errlen, "%s:%u: %s", path, lineno,
				    why[0] ? why : "invalid line");
				r = -1;
				break;
			}
		}
		p = nl + 1;
	}
	buf_free(&b);
	return r;
}

static int
list_line(void *arg, char *line, char *err, size_t errlen)
{
	const char *p;

	for (p = line; *p != '\0'; p++)
		if (*p == ' ' || *p == '\t') {
			snprintf(err, errlen, "one name per line");
			return -1;
		}
	if (detect_list_add(arg, line, 0) == -1) {
		snprintf(err, errlen, "list too long or out of memory");
		return -1;
	}
	return 0;
}

static int
load_list(const struct config *cfg, const char *name, struct detect_list *l,
    char *err, size_t errlen)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", cfg->datadir, name);
	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s: %s; the list is empty", path, strerror(errno));
		return 0;
	}
	fclose(fp);
	return detect_data_read(path, list_line, l, err, errlen);
}

/* A line of data/bulk-mailers: a piece of an X-Mailer, any case. */
static int
mailer_line(void *arg, char *line, char *err, size_t errlen)
{
	struct detect_data *d = arg;
	char **v, *p;

	if (d->n_mailers == DETECT_MAX_MAILERS) {
		snprintf(err, errlen, "more than %d lines", DETECT_MAX_MAILERS);
		return -1;
	}
	if ((v = realloc(d->mailers, (d->n_mailers + 1) * sizeof(*v))) ==
	    NULL || (v[d->n_mailers] = strdup(line)) == NULL) {
		if (v != NULL)
			d->mailers = v;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	d->mailers = v;
	for (p = v[d->n_mailers]; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	d->n_mailers++;
	return 0;
}

static int
load_mailers(const struct config *cfg, struct detect_data *d, char *err,
    size_t errlen)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/bulk-mailers", cfg->datadir);
	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s: %s; the list is empty", path, strerror(errno));
		return 0;
	}
	fclose(fp);
	return detect_data_read(path, mailer_line, d, err, errlen);
}

int
detect_data_load(struct config *cfg, char *err, size_t errlen)
{
	struct detect_data *d;
	const char *env;
	char path[4096];
	size_t i;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cfg->detect = d;
	snprintf(path, sizeof(path), "%s/brands", cfg->datadir);
	if (brands_load(&d->brands, path, err, errlen) == -1)
		goto fail;
	snprintf(path, sizeof(path), "%s/lexicon", cfg->datadir);
	if (lexicon_load(&d->lexicon, path, err, errlen) == -1)
		goto fail;
	if (lookalike_load(&d->lookalike, d->brands, err, errlen) == -1)
		goto fail;
	if (load_list(cfg, "free-mail", &d->freemail, err, errlen) == -1 ||
	    load_list(cfg, "url-shorteners", &d->shorteners, err, errlen) ==
	    -1 || load_list(cfg, "hosting", &d->hosting, err, errlen) == -1 ||
	    load_list(cfg, "url-rewriters", &d->rewriters, err, errlen) == -1 ||
	    load_list(cfg, "geo-risk", &d->geo_risk, err, errlen) == -1 ||
	    load_list(cfg, "tld-risk", &d->tld_risk, err, errlen) == -1 ||
	    load_list(cfg, "foreign-charsets", &d->charsets, err, errlen) ==
	    -1 ||
	    load_mailers(cfg, d, err, errlen) == -1)
		goto fail;
	env = getenv("MAILTRUST_LOCATION_DB");
	if (env != NULL && *env != '\0')
		d->geo = geo_open(env);
	for (i = 0; d->geo == NULL && env == NULL &&
	    i < sizeof(geo_paths) / sizeof(geo_paths[0]); i++)
		d->geo = geo_open(geo_paths[i]);
	if (d->geo == NULL)
		log_warn("no libloc database: link targets get no country");
	return 0;
fail:
	detect_data_free(cfg);
	return -1;
}

void
detect_data_free(struct config *cfg)
{
	struct detect_data *d = cfg->detect;
	size_t i;

	if (d == NULL)
		return;
	brands_free(d->brands);
	lexicon_free(d->lexicon);
	lookalike_free(d->lookalike);
	geo_close(d->geo);
	detect_list_free(&d->freemail);
	detect_list_free(&d->shorteners);
	detect_list_free(&d->hosting);
	detect_list_free(&d->rewriters);
	detect_list_free(&d->geo_risk);
	detect_list_free(&d->tld_risk);
	detect_list_free(&d->charsets);
	for (i = 0; i < d->n_mailers; i++)
		free(d->mailers[i]);
	free(d->mailers);
	free(d);
	cfg->detect = NULL;
}

bool
detect_in_domain(const char *host, const char *domain)
{
	size_t hl, dl;

	if (host == NULL || domain == NULL)
		return false;
	hl = strlen(host);
	dl = strlen(domain);
	if (dl == 0 || hl < dl)
		return false;
	if (strcasecmp(host + (hl - dl), domain) != 0)
		return false;
	return hl == dl || host[hl - dl - 1] == '.';
}

/* Length of the valid UTF-8 sequence at p (RFC 3629 4), 0 if invalid. */
static size_t
utf8_seq(const unsigned char *p, size_t left)
{
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return n;
}

const char *
detect_utf8(struct arena *a, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0, n;
	char *copy;

	while ((i = str_ascii_run(p, i, len)) < len &&
	    (n = utf8_seq(p + i, len - i)) != 0)
		i += n;
	if (i == len)
		return text;
	/* The input need not end in NUL: copy len bytes, then add one. */
	if ((copy = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	memcpy(copy, text, len);
	copy[len] = '\0';
	while (i < len) {
		if ((n = utf8_seq(p + i, len - i)) == 0) {
			copy[i] = '?';
			n = 1;
		}
		i += n;
	}
	return copy;
}

const struct address *
detect_from(const struct message *m)
{
	if (m == NULL || m->from.n == 0 || m->from.v[0].domain == NULL ||
	    m->from.v[0].domain[0] == '\0')
		return NULL;
	return &m->from.v[0];
}

bool
detect_authenticated_for(const struct scan *s, const char *domain)
{
	const char *p, *q;
	char d[256];
	size_t n;

	if (domain == NULL)
		return false;
	if (s->auth.dmarc == AUTH_PASS && s->auth.dmarc_domain != NULL &&
	    (detect_in_domain(s->auth.dmarc_domain, domain) ||
	    detect_in_domain(domain, s->auth.dmarc_domain)))
		return true;
	/* dkim_domains is "a.example, b.example": the passing d= values. */
	for (p = s->auth.dkim_domains; p != NULL && *p != '\0'; p = q) {
		while (*p == ' ' || *p == ',')
			p++;
		for (q = p; *q != '\0' && *q != ','; q++)
			;
		n = (size_t)(q - p);
		if (n == 0 || n >= sizeof(d))
			continue;
		memcpy(d, p, n);
		d[n] = '\0';
		if (detect_in_domain(domain, d) || detect_in_domain(d, domain))
			return true;
	}
	return false;
}
