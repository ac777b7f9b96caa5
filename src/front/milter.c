/*
 * milter.c - the milter: mailtrust's verdict applied inside the MTA.
 *
 * libmilter calls us per SMTP connection, one thread each.  We collect
 * the envelope (client address, HELO, MAIL FROM, RCPT TO, the
 * {auth_authen} macro of an authenticated submitter) and the message as
 * it will be stored (header fields rebuilt with CRLF, then the body),
 * bounded by milter_max_message.  At end of message one scan judges it
 * (scan/pipeline.h) and milter_plan() turns the result into header edits
 * and an action; only then do we talk to the MTA.
 *
 * Failure on the mail path is SMFIS_TEMPFAIL (the MTA keeps the mail and
 * retries), never accept and never a silent discard: the one discard is
 * after a quarantined message is safely on disk (quarantine.h).
 *
 * Standards: RFC 8601 (Authentication-Results; 5: removing fields that
 * claim our authserv-id), RFC 5321 4.2 / RFC 3463 (reply codes),
 * RFC 6376 (outbound DKIM), RFC 8617 (ARC sealing).
 * Threads: the config and the resolver are shared read-only; a
 * connection's state belongs to its thread (smfi_setpriv).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#include <openssl/evp.h>

#include "milter.h"
#include "auth/arc.h"
#include "auth/authres.h"
#include "auth/dkim.h"
#include "mime/message.h"
#include "scan/conffile.h"
#include "scan/config.h"
#include "scan/pipeline.h"
#include "scan/scan.h"
#include "store/quarantine.h"
#include "util/arena.h"
#include "util/log.h"
#include "verdict/verdict.h"

#define MILTER_STATUS_MAX	900	/* X-Spam-Status, below 998 */
#define MILTER_RCPT_MAX		QUARANTINE_RCPT_MAX

/* Fields we write; copies arriving with the message are removed. */
static const char *const own_fields[] = {
	"X-Mailtrust-Verdict", "X-Mailtrust-Score", "X-Mailtrust-Truncated",
	"X-Spam-Flag", "X-Spam-Status",
};

/* --- plans: pure decisions ----------------------------------------- */

static int
add_edit(struct milter_plan *p, enum milter_edit_op op, const char *name,
    const char *value, int index)
{
	if (p->n_edits == MILTER_MAX_EDITS || (op != MILTER_EDIT_DELETE &&
	    value == NULL))
		return -1;
	p->edits[p->n_edits++] = (struct milter_edit){ op, name, value,
	    index };
	return 0;
}

/*
 * A header value as libmilter wants it: no leading blanks, lines joined
 * by a bare "\n" (the MTA writes CRLF), nothing else changed.
 */
static char *
milter_value(struct arena *a, const char *v, size_t len)
{
	char *out, *w;
	size_t i;

	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n'))
		len--;
	if ((out = w = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		if (v[i] != '\r')
			*w++ = v[i];
	*w = '\0';
	return out;
}

/*
 * Folds a long one-line value (RFC 5322 2.2.3: lines under 78
 * characters): after "; " always, after "," once the line is long.
 */
static char *
fold_long(struct arena *a, const char *v)
{
	size_t n = strlen(v), i, col = 0;
	char *out, *w;

	if (n < 72)
		return arena_strdup(a, v);
	/* At worst every byte is followed by "\n\t". */
	if (n > (SIZE_MAX - 1) / 3 || (out = w = arena_alloc(a,
	    3 * n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		*w++ = v[i];
		col++;
		if ((v[i] == ';' && v[i + 1] == ' ') ||
		    (v[i] == ',' && col > 60 && v[i + 1] != '\0')) {
			*w++ = '\n';
			*w++ = '\t';
			col = 8;
			if (v[i + 1] == ' ')
				i++;
		}
	}
	*w = '\0';
	return out;
}

static bool
name_is(const struct header *h, const char *name)
{
	return h->name_len == strlen(name) &&
	    strncasecmp(h->name, name, h->name_len) == 0;
}

/* 1-based position of headers[i] among the fields of its name. */
static int
occurrence(const struct message *m, size_t i)
{
	size_t j;
	int n = 1;

	for (j = 0; j < i; j++)
		if (m->headers[j].name_len == m->headers[i].name_len &&
		    strncasecmp(m->headers[j].name, m->headers[i].name,
		    m->headers[i].name_len) == 0)
			n++;
	return n;
}

static bool
is_removable(struct scan *s, const struct header *h)
{
	const char *id;
	size_t k;

	if (name_is(h, "Authentication-Results")) {
		id = authres_authserv_id(s->arena, h->value, h->value_len);
		return id != NULL && strcasecmp(id, s->cfg->authserv_id) == 0;
	}
	for (k = 0; k < sizeof(own_fields) / sizeof(own_fields[0]); k++)
		if (name_is(h, own_fields[k]))
			return true;
	return false;
}

/*
 * Deletes forged and stale fields, last first, so each index still
 * names the field it was computed for.
 */
static int
plan_removals(struct scan *s, struct milter_plan *p)
{
	const struct message *m = s->msg;
	size_t i;

	if (m == NULL)
		return 0;
	for (i = m->n_headers; i-- > 0; ) {
		const struct header *h = &m->headers[i];
		char *name;

		if (!is_removable(s, h))
			continue;
		if ((name = arena_strndup(s->arena, h->name,
		    h->name_len)) == NULL ||
		    add_edit(p, MILTER_EDIT_DELETE, name, NULL,
		    occurrence(m, i)) == -1)
			return -1;
	}
	return 0;
}

static bool
verdict_is_spam(enum verdict v)
{
	return v == VERDICT_SPAM || v == VERDICT_SUSPICIOUS ||
	    v == VERDICT_PHISHING || v == VERDICT_MALWARE;
}

/*
 * SpamAssassin's form, which Sieve scripts and mail clients test:
 * "Yes, score=12.8 tests=A,B" (we add verdict=).
 */
static char *
spam_status(struct scan *s)
{
	char buf[MILTER_STATUS_MAX + 1];
	size_t i, len;

	len = (size_t)snprintf(buf, sizeof(buf), "%s, score=%.1f verdict=%s"
	    " tests=", verdict_is_spam(s->verdict) ? "Yes" : "No", s->score,
	    verdict_name(s->verdict));
	for (i = 0; i < s->n_symbols && len < sizeof(buf); i++) {
		size_t need = strlen(s->symbols[i].name) + (i > 0);

		if (len + need + 4 >= sizeof(buf)) {
			snprintf(buf + len, sizeof(buf) - len, ",...");
			break;
		}
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
		    i > 0 ? "," : "", s->symbols[i].name);
	}
	if (s->n_symbols == 0 && len + 4 < sizeof(buf))
		snprintf(buf + len, sizeof(buf) - len, "none");
	return fold_long(s->arena, buf);
}

static int
plan_headers(struct scan *s, bool truncated, struct milter_plan *p)
{
	const struct config *cfg = s->cfg;
	struct arena *a = s->arena;

	if (s->auth.header != NULL && add_edit(p, MILTER_EDIT_INSERT,
	    "Authentication-Results", fold_long(a, s->auth.header),
	    0) == -1)
		return -1;
	if (!cfg->add_headers)
		return 0;
	if (add_edit(p, MILTER_EDIT_ADD, "X-Mailtrust-Verdict",
	    verdict_name(s->verdict), 0) == -1 ||
	    add_edit(p, MILTER_EDIT_ADD, "X-Mailtrust-Score",
	    arena_printf(a, "%.1f", s->score), 0) == -1 ||
	    add_edit(p, MILTER_EDIT_ADD, "X-Spam-Flag",
	    verdict_is_spam(s->verdict) ? "YES" : "NO", 0) == -1 ||
	    add_edit(p, MILTER_EDIT_ADD, "X-Spam-Status", spam_status(s),
	    0) == -1)
		return -1;
	if (truncated && add_edit(p, MILTER_EDIT_ADD,
	    "X-Mailtrust-Truncated", arena_printf(a, "yes; judged on the "
	    "first %zu bytes", cfg->milter_max_message), 0) == -1)
		return -1;
	return 0;
}

/* Splits "Name: value\r\n\tmore\r\nName2: ..." into INSERT edits. */
static int
plan_fields(struct arena *a, const char *fields, struct milter_plan *p)
{
	const char *f = fields;

	while (*f != '\0') {
		const char *end = f, *colon;
		char *name;

		for (;;) {
			const char *nl = strchr(end, '\n');

			if (nl == NULL) {
				end += strlen(end);
				break;
			}
			end = nl + 1;
			if (*end != ' ' && *end != '\t')
				break;
		}
		if ((colon = memchr(f, ':', (size_t)(end - f))) == NULL)
			return -1;
		if ((name = arena_strndup(a, f, (size_t)(colon - f))) == NULL ||
		    add_edit(p, MILTER_EDIT_INSERT, name, milter_value(a,
		    colon + 1, (size_t)(end - colon - 1)), 0) == -1)
			return -1;
		f = end;
	}
	return 0;
}

/* RFC 8617 5.1: seal what we received, with our own results. */
static int
plan_arc(struct scan *s, struct milter_plan *p)
{
	const struct signing_key *k = &s->cfg->arc_seal;
	struct arc_sealer sealer = {
		.domain = k->domain, .selector = k->selector, .key = k->key,
		.srv_id = s->cfg->authserv_id, .t = s->now,
	};
	const char *why = NULL;
	char *fields = NULL;
	int r;

	if (k->key == NULL || s->msg == NULL || s->auth.header == NULL)
		return 0;
	r = arc_seal(s->msg, &sealer, s->auth.arc, s->auth.header, s->arena,
	    &fields, &why);
	if (r == 1)
		return 0;	/* the chain already failed: no new set */
	if (r == -1) {
		log_err("arc_seal: %s", why ? why : "failed");
		return -1;
	}
	return plan_fields(s->arena, fields, p);
}

/* Splits an optional RFC 3463 code off the front of a configured text. */
static void
set_reply(struct arena *a, struct milter_plan *p, const char *rcode,
    const char *xcode, const char *text)
{
	char *t;
	size_t i;

	if (text[0] == rcode[0] && text[1] == '.' && strchr(text, ' ')) {
		const char *sp = strchr(text, ' ');

		xcode = arena_strndup(a, text, (size_t)(sp - text));
		text = sp + 1;
	}
	/* libmilter expands '%' in reply text: keep ours literal. */
	if ((t = arena_strdup(a, text)) != NULL)
		for (i = 0; t[i] != '\0'; i++)
			if (t[i] == '%' || t[i] == '\r' || t[i] == '\n')
				t[i] = ' ';
	p->rcode = rcode;
	p->xcode = xcode != NULL ? xcode : (rcode[0] == '5' ? "5.7.1" :
	    "4.7.1");
	p->text = t != NULL ? t : "mailtrust";
}

static void
plan_tempfail(struct arena *a, struct milter_plan *p, const char *text)
{
	p->action = ACTION_TEMPFAIL;
	set_reply(a, p, "451", "4.3.0", text);
}

static int
plan_subject(struct scan *s, const char *tag, struct milter_plan *p)
{
	const struct message *m = s->msg;
	size_t i;

	if (tag == NULL || m == NULL)
		return 0;
	for (i = 0; i < m->n_headers; i++) {
		const struct header *h = &m->headers[i];
		char *old;

		if (!name_is(h, "Subject"))
			continue;
		old = milter_value(s->arena, h->value, h->value_len);
		if (old == NULL)
			return -1;
		if (strncmp(old, tag, strlen(tag)) == 0)
			return 0;	/* tagged before */
		return add_edit(p, MILTER_EDIT_CHANGE, "Subject",
		    arena_printf(s->arena, "%s %s", tag, old), 1);
	}
	return add_edit(p, MILTER_EDIT_ADD, "Subject", tag, 0);
}

int
milter_plan(struct scan *s, bool truncated, struct milter_plan *p)
{
	const struct verdict_policy *pol;
	int action;

	memset(p, 0, sizeof(*p));
	if (s->failed) {
		plan_tempfail(s->arena, p, "mailtrust could not check this "
		    "message now; please try again later");
		return 0;
	}
	pol = &s->cfg->policy[s->verdict];
	action = s->action;	/* mailtrust.conf's, through verdict_decide */
	if (plan_removals(s, p) == -1 || plan_headers(s, truncated, p) == -1 ||
	    plan_arc(s, p) == -1)
		goto fail;
	p->action = (enum action)action;
	switch (p->action) {
	case ACTION_TAG:
		if (plan_subject(s, pol->subject_tag, p) == -1)
			goto fail;
		break;
	case ACTION_REJECT:
		set_reply(s->arena, p, "550", "5.7.1", pol->reply ? pol->reply :
		    arena_printf(s->arena, "Message refused: mailtrust judged "
		    "it as %s (score %.1f)", verdict_name(s->verdict),
		    s->score));
		break;
	case ACTION_TEMPFAIL:
		set_reply(s->arena, p, "451", "4.7.1", pol->reply ? pol->reply :
		    "Message deferred by mailtrust; please try again later");
		break;
	default:
		break;
	}
	return 0;
fail:
	memset(p, 0, sizeof(*p));
	plan_tempfail(s->arena, p, "mailtrust could not process this "
	    "message now; please try again later");
	return -1;
}

int
milter_plan_outbound(const struct config *cfg, struct arena *a,
    const char *data, size_t len, struct milter_plan *p)
{
	const struct signing_key *k = NULL;
	struct dkim_signer signer;
	const struct message *m;
	const char *why = NULL;
	char *field = NULL;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->action = ACTION_ACCEPT;
	if (cfg->n_sign == 0)
		return 0;
	if ((m = message_parse(a, data, len, &cfg->limits)) == NULL)
		goto fail;
	if (m->from.n != 1 || m->from.v[0].domain == NULL)
		return 0;	/* RFC 6376 needs one From to sign for */
	for (i = 0; i < cfg->n_sign && k == NULL; i++)
		if (strcasecmp(cfg->sign[i].domain, m->from.v[0].domain) == 0)
			k = &cfg->sign[i];
	if (k == NULL || k->key == NULL)
		return 0;
	memset(&signer, 0, sizeof(signer));
	signer.domain = k->domain;
	signer.selector = k->selector;
	signer.key = k->key;
	signer.t = time(NULL);
	if (dkim_sign(m, &signer, a, &field, &why) == -1) {
		log_err("dkim_sign %s: %s", k->domain, why ? why : "failed");
		goto fail;
	}
	if (plan_fields(a, field, p) == 0)
		return 0;
fail:
	memset(p, 0, sizeof(*p));
	plan_tempfail(a, p, "mailtrust could not sign this message now; "
	    "please try again later");
	return -1;
}

/* Whether ip is inside ADDR/PREFIX. */
static bool
in_cidr(const unsigned char *ip, int family, const char *cidr)
{
	unsigned char net[16];
	char addr[64];
	const char *slash = strchr(cidr, '/');
	size_t n = slash ? (size_t)(slash - cidr) : strlen(cidr);
	int bits, full = family == AF_INET ? 32 : 128, i;

	if (n >= sizeof(addr))
		return false;
	memcpy(addr, cidr, n);
	addr[n] = '\0';
	if (inet_pton(family, addr, net) != 1)
		return false;
	bits = slash ? (int)strtol(slash + 1, NULL, 10) : full;
	if (bits < 0 || bits > full)
		return false;
	for (i = 0; bits > 0; i++, bits -= 8) {
		unsigned char mask = bits >= 8 ? 0xff :
		    (unsigned char)(0xff << (8 - bits));

		if ((ip[i] & mask) != (net[i] & mask))
			return false;
	}
	return true;
}

bool
milter_in_networks(const char *ip, char *const *cidrs)
{
	unsigned char b[16];
	int family;
	size_t i;

	if (ip == NULL || cidrs == NULL)
		return false;
	if (inet_pton(AF_INET, ip, b) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, ip, b) == 1)
		family = AF_INET6;
	else
		return false;
	for (i = 0; cidrs[i] != NULL; i++)
		if (in_cidr(b, family, cidrs[i]))
			return true;
	return false;
}

/* --- libmilter glue ------------------------------------------------- */

static const struct config *milter_cfg;
static struct dns_resolver *milter_resolver;

struct milter_conn {
	char	 client_ip[INET6_ADDRSTRLEN];
	char	*helo;
	char	*mail_from;
	char	*rcpt[MILTER_RCPT_MAX + 1];
	size_t	 n_rcpt;
	bool	 authenticated;
	bool	 trusted;	/* client in trusted_networks */
	bool	 leadspc;	/* values keep their leading blanks */
	bool	 quiet_hdr;	/* the MTA expects no reply per header */
	bool	 quiet_env;	/* ... nor to CONNECT, HELO and MAIL */
	bool	 quiet_body;	/* ... nor per body chunk */
	bool	 failed_conn;	/* HELO could not be kept: tempfail */
	bool	 failed_msg;	/* MAIL could not be kept: tempfail */
	char	*data;
	size_t	 len, cap;
	bool	 truncated;
};

static void
conn_reset_message(struct milter_conn *c)
{
	size_t i;

	free(c->mail_from);
	c->mail_from = NULL;
	for (i = 0; i < c->n_rcpt; i++)
		free(c->rcpt[i]);
	c->n_rcpt = 0;
	free(c->data);
	c->data = NULL;
	c->len = c->cap = 0;
	c->truncated = false;
	c->authenticated = false;
	c->failed_msg = false;
}

/* Appends to the message, up to milter_max_message. */
static void
conn_append(struct milter_conn *c, const char *p, size_t n)
{
	size_t max = milter_cfg->milter_max_message, want;
	char *grown;

	if (c->truncated)
		return;
	if (n > max - c->len) {
		n = max - c->len;
		c->truncated = true;
	}
	if (c->len + n > c->cap) {
		want = c->cap ? c->cap : 64 * 1024;
		while (want < c->len + n)
			want *= 2;
		if (want > max)
			want = max;
		if ((grown = realloc(c->data, want)) == NULL) {
			c->truncated = true;	/* treated as a failure */
			c->cap = (size_t)-1;
			return;
		}
		c->data = grown;
		c->cap = want;
	}
	memcpy(c->data + c->len, p, n);
	c->len += n;
}

/* "<a@b>" -> "a@b"; "<>" -> "". */
static char *
strip_brackets(const char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
		return strndup(s + 1, n - 2);
	return strdup(s);
}

static sfsistat
tempfail_reply(SMFICTX *ctx, const char *text)
{
	smfi_setreply(ctx, "451", "4.3.0", (char *)text);
	return SMFIS_TEMPFAIL;
}

/*
 * Asks the MTA for header values with their leading blanks
 * (SMFIP_HDR_LEADSPC), so the message we judge has the bytes a DKIM
 * signature with simple canonicalisation covers (RFC 6376 3.4.1).
 * And, where it offers, to send the header fields and their end without
 * waiting for a reply to each (SMFIP_NR_HDR, SMFIP_NR_EOH): a round trip
 * per field cost more than the rest of the milter.  The same for the
 * connection, HELO and MAIL FROM (SMFIP_NR_CONN, _HELO, _MAIL): in the
 * benchmark the kernel's share of the milter's CPU, mostly those round
 * trips, was three fifths.  Nothing is lost: those steps only collect,
 * and a failure among them (memory) is answered at the end of the
 * message, with a tempfail.  The same for each body chunk
 * (SMFIP_NR_BODY): a message over the size limit, or one we had no
 * memory for, is refused at its end instead of at the chunk that
 * crossed the line.  RCPT TO keeps its reply, so too many recipients
 * are refused one by one (RFC 5321 4.5.3.1.10).
 */
static sfsistat
mt_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct milter_conn *c = calloc(1, sizeof(*c));

	(void)f2;
	(void)f3;
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	c->leadspc = (f1 & SMFIP_HDR_LEADSPC) != 0;
	c->quiet_hdr = (f1 & (SMFIP_NR_HDR | SMFIP_NR_EOH)) ==
	    (SMFIP_NR_HDR | SMFIP_NR_EOH);
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE);
	c->quiet_env = (f1 & (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL)) ==
	    (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL);
	c->quiet_body = (f1 & SMFIP_NR_BODY) != 0;
	*pf1 = f1 & (SMFIP_HDR_LEADSPC | (c->quiet_hdr ? SMFIP_NR_HDR |
	    SMFIP_NR_EOH : 0) | (c->quiet_env ? SMFIP_NR_CONN |
	    SMFIP_NR_HELO | SMFIP_NR_MAIL : 0) | SMFIP_NR_BODY);
	*pf2 = 0;
	*pf3 = 0;
	if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
		free(c);
		return SMFIS_TEMPFAIL;
	}
	return SMFIS_CONTINUE;
}

static sfsistat
mt_connect(SMFICTX *ctx, char *host, struct sockaddr *sa)
{
	struct milter_conn *c = smfi_getpriv(ctx);

	(void)host;
	/* An MTA that does not negotiate: a fresh state here. */
	if (c == NULL && (c = calloc(1, sizeof(*c))) == NULL)
		return SMFIS_TEMPFAIL;
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr,
		    c->client_ip, sizeof(c->client_ip));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((struct sockaddr_in6 *)(void *)sa)->sin6_addr,
		    c->client_ip, sizeof(c->client_ip));
	c->trusted = c->client_ip[0] != '\0' &&
	    milter_in_networks(c->client_ip, milter_cfg->trusted_networks);
	if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
		free(c);
		return SMFIS_TEMPFAIL;
	}
	return c->quiet_env ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/*
 * A step that cannot keep what it was given: with a reply, tempfail
 * now; without (quiet_env), mark it and tempfail at end of message.
 */
static sfsistat
quiet_failure(struct milter_conn *c, bool *failed)
{
	if (!c->quiet_env)
		return SMFIS_TEMPFAIL;
	*failed = true;
	return SMFIS_NOREPLY;
}

static sfsistat
mt_helo(SMFICTX *ctx, char *helo)
{
	struct milter_conn *c = smfi_getpriv(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	free(c->helo);
	if ((c->helo = strdup(helo)) == NULL)
		return quiet_failure(c, &c->failed_conn);
	return c->quiet_env ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
mt_envfrom(SMFICTX *ctx, char **argv)
{
	struct milter_conn *c = smfi_getpriv(ctx);
	const char *auth;

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	conn_reset_message(c);
	if ((c->mail_from = strip_brackets(argv[0])) == NULL)
		return quiet_failure(c, &c->failed_msg);
	auth = smfi_getsymval(ctx, "{auth_authen}");
	c->authenticated = auth != NULL && auth[0] != '\0';
	return c->quiet_env ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
mt_envrcpt(SMFICTX *ctx, char **argv)
{
	struct milter_conn *c = smfi_getpriv(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	if (c->n_rcpt == MILTER_RCPT_MAX)
		return tempfail_reply(ctx, "too many recipients for one "
		    "message; send the rest again");
	if ((c->rcpt[c->n_rcpt] = strip_brackets(argv[0])) == NULL)
		return SMFIS_TEMPFAIL;
	c->n_rcpt++;
	return SMFIS_CONTINUE;
}

static sfsistat
mt_header(SMFICTX *ctx, char *name, char *value)
{
	struct milter_conn *c = smfi_getpriv(ctx);
	const char *v, *nl;

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	conn_append(c, name, strlen(name));
	conn_append(c, ": ", c->leadspc ? 1 : 2);
	/* Folded values arrive with bare LF; the message uses CRLF. */
	for (v = value; (nl = strchr(v, '\n')) != NULL; v = nl + 1) {
		conn_append(c, v, (size_t)(nl - v));
		conn_append(c, nl > value && nl[-1] == '\r' ? "\n" : "\r\n",
		    nl > value && nl[-1] == '\r' ? 1 : 2);
	}
	conn_append(c, v, strlen(v));
	conn_append(c, "\r\n", 2);
	return c->quiet_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
mt_eoh(SMFICTX *ctx)
{
	struct milter_conn *c = smfi_getpriv(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	conn_append(c, "\r\n", 2);
	return c->quiet_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
oversize_tempfail(SMFICTX *ctx)
{
	log_warn("%s: message over %zu bytes: tempfail",
	    smfi_getsymval(ctx, "i") ? smfi_getsymval(ctx, "i") : "-",
	    milter_cfg->milter_max_message);
	smfi_setreply(ctx, "452", "4.3.4", "message too large for "
	    "the content scanner");
	return SMFIS_TEMPFAIL;
}

static sfsistat
mt_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct milter_conn *c = smfi_getpriv(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	conn_append(c, (const char *)chunk, len);
	/* Without a reply, mt_eom refuses what is refused here. */
	if (c->quiet_body)
		return SMFIS_NOREPLY;
	if (c->cap == (size_t)-1)
		return tempfail_reply(ctx, "mailtrust: out of memory");
	if (c->truncated && milter_cfg->milter_oversize_tempfail)
		return oversize_tempfail(ctx);
	return SMFIS_CONTINUE;
}

static int
apply_edits(SMFICTX *ctx, const struct milter_plan *p, bool leadspc)
{
	size_t i;
	int r = MI_SUCCESS;

	for (i = 0; i < p->n_edits && r == MI_SUCCESS; i++) {
		struct milter_edit one = p->edits[i];
		const struct milter_edit *e = &one;
		char *spaced = NULL;

		/* With SMFIP_HDR_LEADSPC our values carry their blank too. */
		if (leadspc && one.value != NULL) {
			if (asprintf(&spaced, " %s", one.value) == -1)
				return -1;
			one.value = spaced;
		}

		switch (e->op) {
		case MILTER_EDIT_DELETE:
			r = smfi_chgheader(ctx, (char *)e->name, e->index,
			    NULL);
			break;
		case MILTER_EDIT_CHANGE:
			r = smfi_chgheader(ctx, (char *)e->name, e->index,
			    (char *)e->value);
			break;
		case MILTER_EDIT_INSERT:
			r = smfi_insheader(ctx, 0, (char *)e->name,
			    (char *)e->value);
			break;
		case MILTER_EDIT_ADD:
			r = smfi_addheader(ctx, (char *)e->name,
			    (char *)e->value);
			break;
		}
		free(spaced);
	}
	return r == MI_SUCCESS ? 0 : -1;
}

/*
 * Names the message for the quarantine: SHA-256 over the envelope and
 * the message from its first field not added by the MTA on the way in
 * (a retry after a crash differs only in the receiving MTA's Received
 * field and queue ID).  hex holds 65 bytes.
 */
static int
quarantine_key(const struct milter_conn *c, const struct message *m,
    char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	const char *from = c->data;
	size_t k;
	EVP_MD_CTX *x;
	int ok;

	/* Skip the MTA's own Received fields: the first trusted_hops. */
	for (k = 0; m != NULL && k < m->n_headers &&
	    k < milter_cfg->trusted_hops; k++)
		if (name_is(&m->headers[k], "Received"))
			from = m->headers[k].raw + m->headers[k].raw_len;
		else
			break;
	if ((x = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(x, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(x, c->mail_from ? c->mail_from : "",
	    strlen(c->mail_from ? c->mail_from : "") + 1) == 1;
	for (k = 0; ok && k < c->n_rcpt; k++)
		ok = EVP_DigestUpdate(x, c->rcpt[k], strlen(c->rcpt[k]) + 1);
	if (ok && from >= c->data && from <= c->data + c->len)
		ok = EVP_DigestUpdate(x, from,
		    (size_t)(c->data + c->len - from)) == 1;
	ok = ok && EVP_DigestFinal_ex(x, md, &mdlen) == 1;
	EVP_MD_CTX_free(x);
	if (!ok)
		return -1;
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/*
 * The copy we keep: our new fields on top (CRLF), then the message as
 * it came.  Returns 0 after the file is on disk (quarantine_add).
 */
static int
quarantine_message(struct scan *s, const struct milter_plan *p,
    struct milter_conn *c, const char *qid)
{
	struct quarantine_meta meta = {
		.sender = c->mail_from ? c->mail_from : "",
		.rcpt = (const char *const *)c->rcpt, .n_rcpt = c->n_rcpt,
		.client_ip = c->client_ip, .verdict = verdict_name(s->verdict),
		.score = s->score, .subject = s->msg ? s->msg->subject : NULL,
	};
	char id[QUARANTINE_ID_MAX + 1], err[512], key[65], *copy, *w;
	size_t i, need = c->len + 1;
	const char *v;
	int r;

	if (quarantine_key(c, s->msg, key) == -1)
		return -1;
	meta.key = key;

	for (i = 0; i < p->n_edits; i++)
		if (p->edits[i].op == MILTER_EDIT_INSERT ||
		    p->edits[i].op == MILTER_EDIT_ADD)
			need += strlen(p->edits[i].name) + 4 +
			    2 * strlen(p->edits[i].value);
	if ((copy = w = malloc(need)) == NULL)
		return -1;
	for (i = 0; i < p->n_edits; i++) {
		if (p->edits[i].op != MILTER_EDIT_INSERT &&
		    p->edits[i].op != MILTER_EDIT_ADD)
			continue;
		w += snprintf(w, need - (size_t)(w - copy), "%s: ",
		    p->edits[i].name);
		for (v = p->edits[i].value; *v != '\0'; v++) {
			if (*v == '\n')
				*w++ = '\r';
			*w++ = *v;
		}
		*w++ = '\r';
		*w++ = '\n';
	}
	memcpy(w, c->data, c->len);
	w += c->len;
	meta.from = s->msg != NULL && s->msg->from.n > 0 ?
	    s->msg->from.v[0].addr : NULL;
	r = quarantine_add_indexed(s->cfg->quarantine_dir, s->cfg->store,
	    &meta, copy, (size_t)(w - copy), id, err, sizeof(err));
	free(copy);
	if (r != QUARANTINE_OK) {
		log_err("%s: quarantine: %s", qid, err);
		return -1;
	}
	log_info("%s: quarantined as %s", qid, id);
	return 0;
}

static sfsistat
finish(SMFICTX *ctx, struct scan *s, const struct milter_plan *p,
    struct milter_conn *c, const char *qid)
{
	switch (p->action) {
	case ACTION_REJECT:
		smfi_setreply(ctx, (char *)p->rcode, (char *)p->xcode,
		    (char *)p->text);
		return SMFIS_REJECT;
	case ACTION_TEMPFAIL:
		smfi_setreply(ctx, (char *)p->rcode, (char *)p->xcode,
		    (char *)p->text);
		return SMFIS_TEMPFAIL;
	case ACTION_QUARANTINE:
		if (s->cfg->quarantine_dir != NULL && !c->truncated) {
			if (quarantine_message(s, p, c, qid) == -1)
				return tempfail_reply(ctx, "mailtrust could "
				    "not store this message now");
			return SMFIS_DISCARD;	/* kept in quarantine */
		}
		/* No directory, or only part of it seen: the MTA holds it. */
		if (apply_edits(ctx, p, c->leadspc) == -1 ||
		    smfi_quarantine(ctx,
		    (char *)"mailtrust quarantine") != MI_SUCCESS)
			return tempfail_reply(ctx, "mailtrust could not "
			    "hold this message now");
		return SMFIS_ACCEPT;
	default:
		if (apply_edits(ctx, p, c->leadspc) == -1)
			return tempfail_reply(ctx, "mailtrust could not "
			    "change this message now");
		return SMFIS_ACCEPT;
	}
}

static sfsistat
eom_outbound(SMFICTX *ctx, struct milter_conn *c)
{
	struct milter_plan plan;
	struct arena *a = arena_new(milter_cfg->arena_limit);
	sfsistat r;

	if (c->truncated) {
		/* A signature over part of the body would never verify. */
		log_warn("message over milter_max_message: not signed");
		arena_free(a);
		return SMFIS_ACCEPT;
	}
	if (a == NULL)
		return tempfail_reply(ctx, "out of memory");
	milter_plan_outbound(milter_cfg, a, c->data ? c->data : "", c->len,
	    &plan);
	if (plan.action == ACTION_TEMPFAIL) {
		smfi_setreply(ctx, (char *)plan.rcode, (char *)plan.xcode,
		    (char *)plan.text);
		r = SMFIS_TEMPFAIL;
	} else if (apply_edits(ctx, &plan, c->leadspc) == -1)
		r = tempfail_reply(ctx, "mailtrust could not sign this "
		    "message now");
	else
		r = SMFIS_ACCEPT;
	arena_free(a);
	return r;
}

static sfsistat
mt_eom(SMFICTX *ctx)
{
	struct milter_conn *c = smfi_getpriv(ctx);
	const char *qid = smfi_getsymval(ctx, "i");
	struct milter_plan plan;
	struct scan *s;
	sfsistat r;

	if (qid == NULL)
		qid = "-";
	if (c == NULL || c->cap == (size_t)-1 || c->failed_conn ||
	    c->failed_msg)
		return tempfail_reply(ctx, "mailtrust: out of memory");
	if (c->truncated && milter_cfg->milter_oversize_tempfail)
		return oversize_tempfail(ctx);
	if (c->authenticated)
		return eom_outbound(ctx, c);
	if ((s = scan_new(milter_cfg, milter_resolver)) == NULL)
		return tempfail_reply(ctx, "mailtrust: out of memory");
	/* A trusted relay's own Received field names the real client. */
	if (!c->trusted && c->client_ip[0] != '\0') {
		s->env.client_ip = c->client_ip;
		s->env.helo = c->helo;
	}
	s->env.mail_from = c->mail_from;
	if (c->n_rcpt > 0) {
		s->env.rcpt = c->rcpt;
		s->env.n_rcpt = c->n_rcpt;
	}
	scan_message(s, c->data ? c->data : "", c->len);
	milter_plan(s, c->truncated, &plan);
	log_info("%s: client=%s from=<%s> verdict=%s score=%.1f action=%s",
	    qid, c->client_ip[0] ? c->client_ip : "local",
	    c->mail_from ? c->mail_from : "", verdict_name(s->verdict),
	    s->score, action_name(plan.action));
	r = finish(ctx, s, &plan, c, qid);
	scan_free(s);
	return r;
}

static sfsistat
mt_abort(SMFICTX *ctx)
{
	struct milter_conn *c = smfi_getpriv(ctx);

	if (c != NULL)
		conn_reset_message(c);
	return SMFIS_CONTINUE;
}

static sfsistat
mt_close(SMFICTX *ctx)
{
	struct milter_conn *c = smfi_getpriv(ctx);

	if (c != NULL) {
		conn_reset_message(c);
		free(c->helo);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

int
milter_run(const struct config *cfg, struct dns_resolver *res,
    const char *listen)
{
	static struct smfiDesc desc = {
		.xxfi_name = (char *)"mailtrust",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS |
		    SMFIF_QUARANTINE,
		.xxfi_connect = mt_connect,
		.xxfi_helo = mt_helo,
		.xxfi_envfrom = mt_envfrom,
		.xxfi_envrcpt = mt_envrcpt,
		.xxfi_header = mt_header,
		.xxfi_eoh = mt_eoh,
		.xxfi_body = mt_body,
		.xxfi_eom = mt_eom,
		.xxfi_abort = mt_abort,
		.xxfi_close = mt_close,
		.xxfi_negotiate = mt_negotiate,
	};

	milter_cfg = cfg;
	milter_resolver = res;
	signal(SIGPIPE, SIG_IGN);
	if (smfi_setconn((char *)listen) == MI_FAILURE ||
	    smfi_register(desc) == MI_FAILURE) {
		fprintf(stderr, "mailtrust: milter: cannot use %s\n", listen);
		return -1;
	}
	/* true: remove a socket file left by a killed predecessor. */
	if (smfi_opensocket(true) == MI_FAILURE) {
		fprintf(stderr, "mailtrust: milter: cannot listen on %s\n",
		    listen);
		return -1;
	}
	log_info("milter listening on %s", listen);
	return smfi_main() == MI_SUCCESS ? 0 : -1;
}
