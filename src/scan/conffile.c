/*
 * conffile.c - the parser of mailtrust.conf (conffile.h, mailtrust.conf(5)).
 *
 * A line is split into words by a small cursor (split_line); a table maps
 * each key to the field it fills and how its value is checked, so adding
 * a setting is one row.  Values are checked here, at start-up, so a bad
 * address or a key file that cannot be read stops the program with the
 * file and line instead of failing later on the mail path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "conffile.h"
#include "config.h"
#include "scan.h"
#include "auth/dkim.h"
#include "verdict/verdict.h"

_Static_assert(CONFIG_VERDICTS == VERDICT_COUNT,
    "struct config's policy[] has one entry per verdict");

struct cf_line {
	const char	*file;
	unsigned	 lineno;
	char		*word[CONFFILE_MAX_WORDS];
	size_t		 n;
	bool		 load_keys;
	char		*err;
	size_t		 errlen;
};

static int
cf_error(struct cf_line *l, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(l->err, l->errlen, "%s:%u: %s", l->file, l->lineno, msg);
	return -1;
}

/*
 * Splits buf (one line, NUL-terminated, modified in place) into words:
 * blanks separate, '#' outside quotes ends the line, "..." is one word.
 */
static int
split_line(struct cf_line *l, char *buf)
{
	char *r = buf, *w;

	l->n = 0;
	for (;;) {
		while (*r == ' ' || *r == '\t' || *r == '\r')
			r++;
		if (*r == '\0' || *r == '#')
			return 0;
		if (l->n == CONFFILE_MAX_WORDS)
			return cf_error(l, "more than %d words",
			    CONFFILE_MAX_WORDS);
		l->word[l->n++] = w = r;
		if (*r == '"') {
			for (r++; *r != '"'; r++) {
				if (*r == '\0')
					return cf_error(l, "unterminated "
					    "quoted string");
				if (*r == '\\' && (r[1] == '"' ||
				    r[1] == '\\'))
					r++;
				*w++ = *r;
			}
			r++;
			if (*r != '\0' && *r != ' ' && *r != '\t' &&
			    *r != '\r' && *r != '#')
				return cf_error(l, "text after a quoted "
				    "string");
		} else {
			while (*r != '\0' && *r != ' ' && *r != '\t' &&
			    *r != '\r' && *r != '#')
				w++, r++;
		}
		if (*r == '#') {
			*w = '\0';
			return 0;
		}
		if (*r != '\0')
			r++;
		*w = '\0';
	}
}

/* --- value checks ------------------------------------------------- */

static int
parse_uint(const char *s, unsigned long long max, unsigned long long *out,
    bool size_suffix)
{
	unsigned long long v, mul = 1;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (size_suffix && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'k': case 'K': mul = 1024; break;
		case 'm': case 'M': mul = 1024 * 1024; break;
		case 'g': case 'G': mul = 1024ull * 1024 * 1024; break;
		default: return -1;
		}
		end++;
	}
	if (*end != '\0' || v > max / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static bool
is_ip(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* ADDR or ADDR/PREFIX, IPv4 or IPv6. */
static bool
is_cidr(const char *s)
{
	char ip[64];
	const char *slash = strchr(s, '/');
	unsigned long long bits;
	unsigned char b[16];
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n == 0 || n >= sizeof(ip))
		return false;
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, b) == 1)
		return slash == NULL || parse_uint(slash + 1, 32, &bits,
		    false) == 0;
	if (inet_pton(AF_INET6, ip, b) == 1)
		return slash == NULL || parse_uint(slash + 1, 128, &bits,
		    false) == 0;
	return false;
}

static bool
is_port(const char *s)
{
	unsigned long long p;

	return parse_uint(s, 65535, &p, false) == 0 && p > 0;
}

/* IP or IP@PORT (unbound's forward-addr form). */
static bool
is_forwarder(const char *s)
{
	char ip[64];
	const char *at = strchr(s, '@');
	size_t n = at ? (size_t)(at - s) : strlen(s);

	if (n == 0 || n >= sizeof(ip))
		return false;
	memcpy(ip, s, n);
	ip[n] = '\0';
	return is_ip(ip) && (at == NULL || is_port(at + 1));
}

/* libmilter's socket forms: unix:/path, local:/path, inet[6]:PORT[@HOST]. */
static bool
is_milter_socket(const char *s)
{
	const char *p, *at;
	char port[8];
	size_t n;

	if (strncmp(s, "unix:", 5) == 0 || strncmp(s, "local:", 6) == 0)
		return strchr(s, ':')[1] == '/';
	if (strncmp(s, "inet:", 5) == 0)
		p = s + 5;
	else if (strncmp(s, "inet6:", 6) == 0)
		p = s + 6;
	else
		return false;
	at = strchr(p, '@');
	n = at ? (size_t)(at - p) : strlen(p);
	if (n == 0 || n >= sizeof(port))
		return false;
	memcpy(port, p, n);
	port[n] = '\0';
	return is_port(port) && (at == NULL || at[1] != '\0');
}

/* ADDR:PORT or [IPv6]:PORT. */
static bool
is_host_port(const char *s)
{
	const char *colon = strrchr(s, ':');

	return colon != NULL && colon != s && is_port(colon + 1);
}

/* RFC 8601 2.5: authserv-id is a value (token); keep it a plain name. */
static bool
is_authserv_id(const char *s)
{
	const char *p;

	if (*s == '\0' || strlen(s) > 255)
		return false;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		    *p == '_'))
			return false;
	return true;
}

/* SMTP reply text: printable ASCII only, so it cannot break the reply. */
static bool
is_reply_text(const char *s)
{
	const char *p;

	if (strlen(s) > 400)
		return false;
	for (p = s; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return true;
}

/* --- setters ------------------------------------------------------ */

static int
set_string(struct cf_line *l, char **field)
{
	char *v;

	if (l->n != 2)
		return cf_error(l, "%s takes one value", l->word[0]);
	if ((v = strdup(l->word[1])) == NULL)
		return cf_error(l, "out of memory");
	free(*field);
	*field = v;
	return 0;
}

static int
append_list(struct cf_line *l, char ***list, bool (*valid)(const char *),
    const char *what)
{
	size_t have = 0, i;
	char **grown;

	if (l->n < 2)
		return cf_error(l, "%s needs at least one value", l->word[0]);
	for (i = 1; i < l->n; i++)
		if (valid != NULL && !valid(l->word[i]))
			return cf_error(l, "%s: not %s", l->word[i], what);
	while (*list != NULL && (*list)[have] != NULL)
		have++;
	if (have + l->n - 1 > CONFFILE_MAX_LIST)
		return cf_error(l, "%s: more than %d entries", l->word[0],
		    CONFFILE_MAX_LIST);
	if ((grown = realloc(*list, (have + l->n) * sizeof(char *))) == NULL)
		return cf_error(l, "out of memory");
	*list = grown;
	for (i = 1; i < l->n; i++) {
		if ((grown[have] = strdup(l->word[i])) == NULL) {
			grown[have] = NULL;
			return cf_error(l, "out of memory");
		}
		grown[++have] = NULL;
	}
	return 0;
}

static int
set_uint(struct cf_line *l, unsigned long long max, bool size,
    unsigned long long *out)
{
	if (l->n != 2)
		return cf_error(l, "%s takes one value", l->word[0]);
	if (parse_uint(l->word[1], max, out, size) == -1)
		return cf_error(l, "%s: not a number from 0 to %llu%s",
		    l->word[1], max, size ? " (k, M, G allowed)" : "");
	return 0;
}

static int
set_bool(struct cf_line *l, bool *out)
{
	if (l->n == 2 && (strcmp(l->word[1], "yes") == 0 ||
	    strcmp(l->word[1], "true") == 0 || strcmp(l->word[1], "on") == 0))
		*out = true;
	else if (l->n == 2 && (strcmp(l->word[1], "no") == 0 ||
	    strcmp(l->word[1], "false") == 0 || strcmp(l->word[1], "off") == 0))
		*out = false;
	else
		return cf_error(l, "%s takes yes or no", l->word[0]);
	return 0;
}

static int
verdict_from_name(const char *s)
{
	int v;

	for (v = 0; v < VERDICT_COUNT; v++)
		if (strcmp(s, verdict_name((enum verdict)v)) == 0)
			return v;
	return -1;
}

static int
action_from_name(const char *s)
{
	int a;

	for (a = ACTION_ACCEPT; a <= ACTION_TEMPFAIL; a++)
		if (strcmp(s, action_name((enum action)a)) == 0)
			return a;
	return -1;
}

/*
 * action VERDICT accept|quarantine
 * action VERDICT tag ["SUBJECT TAG"]
 * action VERDICT reject|tempfail ["SMTP text"]
 */
static int
set_action(struct cf_line *l, struct config *c)
{
	struct verdict_policy *p;
	int v, a;

	if (l->n < 3 || l->n > 4)
		return cf_error(l, "usage: action VERDICT ACTION [TEXT]");
	if ((v = verdict_from_name(l->word[1])) < 0)
		return cf_error(l, "%s: not a verdict (authenticated, "
		    "unverified, spam, suspicious, phishing, malware)",
		    l->word[1]);
	if ((a = action_from_name(l->word[2])) < 0)
		return cf_error(l, "%s: not an action (accept, tag, "
		    "quarantine, reject, tempfail)", l->word[2]);
	p = &c->policy[v];
	if (p->action >= 0)
		return cf_error(l, "action %s given twice", l->word[1]);
	if (l->n == 4) {
		if (a == ACTION_ACCEPT || a == ACTION_QUARANTINE)
			return cf_error(l, "%s takes no text", l->word[2]);
		if (!is_reply_text(l->word[3]))
			return cf_error(l, "text: printable ASCII only, at "
			    "most 400 characters");
		if (a == ACTION_TAG)
			p->subject_tag = strdup(l->word[3]);
		else
			p->reply = strdup(l->word[3]);
		if (p->subject_tag == NULL && p->reply == NULL)
			return cf_error(l, "out of memory");
	}
	p->action = a;
	return 0;
}

/* sign / arc_seal DOMAIN SELECTOR KEYFILE */
static int
set_key(struct cf_line *l, struct signing_key *k)
{
	const char *why = NULL;

	if (l->n != 4)
		return cf_error(l, "usage: %s DOMAIN SELECTOR KEYFILE",
		    l->word[0]);
	if (!is_authserv_id(l->word[1]) || !is_authserv_id(l->word[2]))
		return cf_error(l, "%s %s: not a domain and selector",
		    l->word[1], l->word[2]);
	if ((k->domain = strdup(l->word[1])) == NULL ||
	    (k->selector = strdup(l->word[2])) == NULL ||
	    (k->key_file = strdup(l->word[3])) == NULL)
		return cf_error(l, "out of memory");
	if (l->load_keys &&
	    (k->key = dkim_privkey_load(l->word[3], &why)) == NULL)
		return cf_error(l, "%s: %s", l->word[3],
		    why ? why : "cannot read the key");
	return 0;
}

static int
add_sign(struct cf_line *l, struct config *c)
{
	struct signing_key *grown;
	size_t i;

	if (c->n_sign == CONFFILE_MAX_LIST || c->n_sign >= CONFIG_SIGN_MAX)
		return cf_error(l, "more than %d sign lines", CONFIG_SIGN_MAX);
	for (i = 0; l->n > 1 && i < c->n_sign; i++)
		if (strcasecmp(c->sign[i].domain, l->word[1]) == 0)
			return cf_error(l, "sign %s given twice", l->word[1]);
	grown = realloc(c->sign, (c->n_sign + 1) * sizeof(*grown));
	if (grown == NULL)
		return cf_error(l, "out of memory");
	c->sign = grown;
	memset(&c->sign[c->n_sign], 0, sizeof(*grown));
	c->n_sign++;
	return set_key(l, &c->sign[c->n_sign - 1]);
}

/* --- the key table ------------------------------------------------ */

enum cf_kind {
	CF_STRING, CF_LIST, CF_UINT, CF_SIZE, CF_BOOL, CF_SPECIAL,
};

struct cf_key {
	const char	*name;
	enum cf_kind	 kind;
	size_t		 offset;	/* of the field in struct config */
	unsigned long long max;		/* CF_UINT, CF_SIZE */
	bool		 (*valid)(const char *);	/* CF_STRING, CF_LIST */
	const char	*what;		/* for "not WHAT" */
};

#define F(field)	offsetof(struct config, field)

static bool
is_abs_path(const char *s)
{
	return s[0] == '/';
}

static bool
is_store_spec(const char *s)
{
	return *s != '\0' && strlen(s) <= 1024;
}

static bool
is_not_empty(const char *s)
{
	return *s != '\0';
}

static const struct cf_key cf_keys[] = {
	{ "authserv_id", CF_STRING, F(authserv_id), 0, is_authserv_id,
	    "a host name" },
	{ "trusted_hops", CF_UINT, F(trusted_hops), 64, NULL, NULL },
	{ "trusted_networks", CF_LIST, F(trusted_networks), 0, is_cidr,
	    "an address or ADDR/PREFIX" },
	{ "arc_trusted", CF_LIST, F(arc_trusted), 0, is_authserv_id,
	    "a domain" },
	{ "dns_forwarders", CF_LIST, F(dns_forwarders), 0, is_forwarder,
	    "IP or IP@PORT" },
	{ "dns_timeout_ms", CF_UINT, F(dns_timeout_ms), 600000, NULL, NULL },
	{ "store", CF_STRING, F(store_spec), 0, is_store_spec,
	    "a store spec" },
	{ "clamd_socket", CF_STRING, F(clamd_socket), 0, is_milter_socket,
	    "unix:/PATH or inet:PORT@HOST" },
	{ "clamd_timeout_ms", CF_UINT, F(clamd_timeout_ms), 600000, NULL,
	    NULL },
	{ "clamd_tempfail", CF_BOOL, F(clamd_tempfail), 0, NULL, NULL },
	{ "milter_listen", CF_STRING, F(milter_listen), 0, is_milter_socket,
	    "unix:/PATH, inet:PORT@HOST or inet6:PORT@HOST" },
	{ "milter_max_message", CF_SIZE, F(milter_max_message),
	    1024ull * 1024 * 1024, NULL, NULL },
	{ "milter_oversize", CF_SPECIAL, 0, 0, NULL, NULL },
	{ "add_headers", CF_BOOL, F(add_headers), 0, NULL, NULL },
	{ "quarantine_dir", CF_STRING, F(quarantine_dir), 0, is_abs_path,
	    "an absolute path" },
	{ "release_sendmail", CF_LIST, F(release_sendmail), 0, is_not_empty,
	    "a word" },
	{ "http_listen", CF_STRING, F(http_listen), 0, is_host_port,
	    "ADDR:PORT" },
	{ "http_token", CF_STRING, F(http_token), 0, is_not_empty,
	    "a token" },
	{ "http_threads", CF_UINT, F(http_threads), 256, NULL, NULL },
	{ "http_max_body", CF_SIZE, F(http_max_body), 1024ull * 1024 * 1024,
	    NULL, NULL },
	{ "http_timeout_s", CF_UINT, F(http_timeout_s), 3600, NULL, NULL },
	{ "lang", CF_SPECIAL, 0, 0, NULL, NULL },
	{ "dmarc_org_domain", CF_SPECIAL, 0, 0, NULL, NULL },
	{ "action", CF_SPECIAL, 0, 0, NULL, NULL },
	{ "sign", CF_SPECIAL, 0, 0, NULL, NULL },
	{ "arc_seal", CF_SPECIAL, 0, 0, NULL, NULL },
};
#define CF_NKEYS	(sizeof(cf_keys) / sizeof(cf_keys[0]))

static int
apply_special(struct cf_line *l, struct config *c)
{
	const char *k = l->word[0];

	if (strcmp(k, "action") == 0)
		return set_action(l, c);
	if (strcmp(k, "sign") == 0)
		return add_sign(l, c);
	if (strcmp(k, "arc_seal") == 0)
		return set_key(l, &c->arc_seal);
	if (strcmp(k, "lang") == 0) {
		int lang;

		if (l->n != 2 || (lang = (int)config_lang_from_name(
		    l->word[1])) < 0)
			return cf_error(l, "lang takes en or de");
		c->lang = (enum lang)lang;
		return 0;
	}
	/*
	 * How DMARC finds the Organizational Domain: RFC 9989's DNS tree
	 * walk (the default), or RFC 7489's Public Suffix List as the
	 * fallback for receivers that must match older implementations.
	 */
	if (strcmp(k, "dmarc_org_domain") == 0) {
		if (l->n == 2 && strcmp(l->word[1], "treewalk") == 0)
			c->dmarc_org_psl = false;
		else if (l->n == 2 && strcmp(l->word[1], "psl") == 0)
			c->dmarc_org_psl = true;
		else
			return cf_error(l, "dmarc_org_domain takes treewalk or "
			    "psl");
		return 0;
	}
	/* milter_oversize tempfail|truncate */
	if (l->n == 2 && strcmp(l->word[1], "tempfail") == 0)
		c->milter_oversize_tempfail = true;
	else if (l->n == 2 && strcmp(l->word[1], "truncate") == 0)
		c->milter_oversize_tempfail = false;
	else
		return cf_error(l, "milter_oversize takes tempfail or "
		    "truncate");
	return 0;
}

static int
apply_line(struct cf_line *l, struct config *c, bool *seen)
{
	unsigned long long v;
	const struct cf_key *k = NULL;
	char *base = (char *)c;
	size_t i;

	for (i = 0; i < CF_NKEYS; i++)
		if (strcmp(cf_keys[i].name, l->word[0]) == 0)
			k = &cf_keys[i];
	if (k == NULL)
		return cf_error(l, "%s: unknown setting", l->word[0]);
	i = (size_t)(k - cf_keys);
	if (k->kind != CF_LIST && strcmp(k->name, "action") != 0 &&
	    strcmp(k->name, "sign") != 0) {
		if (seen[i])
			return cf_error(l, "%s given twice", k->name);
		seen[i] = true;
	}
	switch (k->kind) {
	case CF_STRING:
		if (l->n == 2 && k->valid != NULL && !k->valid(l->word[1]))
			return cf_error(l, "%s: not %s", l->word[1], k->what);
		return set_string(l, (char **)(void *)(base + k->offset));
	case CF_LIST:
		return append_list(l, (char ***)(void *)(base + k->offset),
		    k->valid, k->what);
	case CF_UINT:
		if (set_uint(l, k->max, false, &v) == -1)
			return -1;
		*(unsigned *)(void *)(base + k->offset) = (unsigned)v;
		return 0;
	case CF_SIZE:
		if (set_uint(l, k->max, true, &v) == -1)
			return -1;
		if (v == 0)
			return cf_error(l, "%s must be above 0", k->name);
		*(size_t *)(void *)(base + k->offset) = (size_t)v;
		return 0;
	case CF_BOOL:
		return set_bool(l, (bool *)(void *)(base + k->offset));
	case CF_SPECIAL:
		return apply_special(l, c);
	}
	return cf_error(l, "internal error");
}

int
conffile_parse(struct config *c, const char *text, size_t len,
    const char *name, int load_keys, char *err, size_t errlen)
{
	bool seen[CF_NKEYS] = { false };
	struct cf_line l = {
		.file = name, .load_keys = load_keys != 0,
		.err = err, .errlen = errlen,
	};
	char line[CONFFILE_MAX_LINE + 1];
	size_t pos = 0;

	if (len > CONFFILE_MAX_BYTES)
		return cf_error(&l, "file larger than %u bytes",
		    CONFFILE_MAX_BYTES);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;

		l.lineno++;
		if (ll > CONFFILE_MAX_LINE)
			return cf_error(&l, "line longer than %d bytes",
			    CONFFILE_MAX_LINE);
		if (memchr(text + pos, '\0', ll) != NULL)
			return cf_error(&l, "NUL byte");
		memcpy(line, text + pos, ll);
		line[ll] = '\0';
		pos += ll + 1;
		if (split_line(&l, line) == -1)
			return -1;
		if (l.n > 0 && apply_line(&l, c, seen) == -1)
			return -1;
	}
	return 0;
}

int
config_load_file(struct config *c, const char *path, char *err,
    size_t errlen)
{
	char *text = NULL;
	size_t n = 0;
	ssize_t r = 0;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((text = malloc(CONFFILE_MAX_BYTES + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	while (n <= CONFFILE_MAX_BYTES && (r = read(fd, text + n,
	    CONFFILE_MAX_BYTES + 1 - n)) > 0)
		n += (size_t)r;
	if (r == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (n > CONFFILE_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %u bytes", path,
		    CONFFILE_MAX_BYTES);
		goto out;
	}
	free(c->conf_path);
	if ((c->conf_path = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = conffile_parse(c, text, n, path, 1, err, errlen);
out:
	free(text);
	close(fd);
	return rc;
}
