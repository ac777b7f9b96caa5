/*
 * audit_tls.c - the MX hosts as a sending server sees them: STARTTLS
 * (RFC 3207) with the protocol version, the certificate chain, the name
 * and the expiry; DANE TLSA records (RFC 7672, RFC 6698 2.1) with their
 * DNSSEC status and whether they match the certificate served.
 *
 * The probe connects to the address our resolver gives for the MX host
 * (so a test zone keeps it on loopback), on port 25 unless the options
 * say otherwise; TLSA is always looked up at _25._tcp.HOST, the name
 * senders use (RFC 7672 2.2.3).  Blocking I/O with socket timeouts: an
 * audit probes a handful of hosts, one after the other.
 *
 * Memory: OpenSSL objects are freed before returning; findings go to
 * the report's arena.  Limits: SMTP replies up to SMTP_REPLY_MAX bytes.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "dns/dns.h"
#include "util/arena.h"
#include "util/buf.h"

#define SMTP_REPLY_MAX		16384
#define CERT_SOON_DAYS		14
#define TLSA_MAX_DATA		64	/* SHA-512 */

struct probe {
	const char	*error;		/* why the probe stopped */
	const char	*stage;		/* connect, starttls, tls */
	const char	*version;	/* "TLSv1.3" */
	const char	*cipher;
	X509		*leaf;
	STACK_OF(X509)	*chain;		/* up_ref'ed copies */
	long		 verify;	/* X509_V_OK or the error */
};

static int
tcp_connect(const char *addr, unsigned port, unsigned timeout_ms)
{
	struct sockaddr_in sa;
	struct timeval tv;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return -1;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	/* Linux applies SO_SNDTIMEO to connect() as well. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The three digits of a reply line (RFC 5321 4.2), or -1. */
static int
reply_code(const char *d)
{
	if (!isdigit((unsigned char)d[0]) || !isdigit((unsigned char)d[1]) ||
	    !isdigit((unsigned char)d[2]))
		return -1;
	return (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
}

/*
 * Reads one SMTP reply (RFC 5321 4.2: lines "NNN-" then "NNN ") into b;
 * returns the code or -1.
 */
static int
smtp_reply(int fd, struct buf *b, unsigned timeout_ms)
{
	struct timespec start, now;
	size_t line_start = 0;
	ssize_t n;
	char c;

	/* The socket timeout bounds one read; this bounds the reply. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	buf_reset(b);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 > (long)timeout_ms)
			return -1;
		if ((n = recv(fd, &c, 1, 0)) != 1 || buf_addc(b, c) == -1)
			return -1;
		if (c != '\n')
			continue;
		if (b->len - line_start >= 4 && b->data[line_start + 3] != '-')
			return reply_code(b->data + line_start);
		line_start = b->len;
	}
}

static int
smtp_send(int fd, const char *s)
{
	size_t len = strlen(s);

	return send(fd, s, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static const char *
ssl_error(struct audit_report *r)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	if (e == 0)
		return "the handshake failed";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return arena_strdup(r->arena, buf);
}

/* The TLS handshake on fd; fills p.  max_version 0 = any. */
static void
tls_handshake(struct audit_report *r, int fd, const char *host,
    const struct audit_options *o, int max_version, struct probe *p)
{
	STACK_OF(X509) *chain;
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	int i;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		p->error = "cannot start TLS";
		return;
	}
	/* We judge the chain ourselves; a bad one must not stop us. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (o->ca_file != NULL)
		SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL);
	else
		SSL_CTX_set_default_verify_paths(ctx);
	if (max_version != 0) {
		/* Old protocols need the lowest security level to be tried. */
		SSL_CTX_set_security_level(ctx, 0);
		SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
		SSL_CTX_set_max_proto_version(ctx, max_version);
	}
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1) {
		p->error = "cannot start TLS";
		goto out;
	}
	SSL_set_tlsext_host_name(ssl, host);
	if (SSL_connect(ssl) != 1) {
		p->stage = "tls";
		p->error = ssl_error(r);
		goto out;
	}
	p->version = arena_strdup(r->arena, SSL_get_version(ssl));
	p->cipher = arena_strdup(r->arena, SSL_get_cipher_name(ssl));
	p->verify = SSL_get_verify_result(ssl);
	if ((p->leaf = SSL_get1_peer_certificate(ssl)) != NULL &&
	    (chain = SSL_get_peer_cert_chain(ssl)) != NULL &&
	    (p->chain = sk_X509_new_null()) != NULL) {
		for (i = 0; i < sk_X509_num(chain); i++) {
			X509 *x = sk_X509_value(chain, i);

			if (X509_up_ref(x) == 1 &&
			    sk_X509_push(p->chain, x) == 0)
				X509_free(x);
		}
	}
	SSL_shutdown(ssl);
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

/* Connect, EHLO, STARTTLS, handshake. */
static void
smtp_probe(struct audit_report *r, const struct audit_mx *m,
    const struct audit_options *o, int max_version, struct probe *p)
{
	unsigned port = o->smtp_port ? o->smtp_port : 25;
	unsigned timeout = o->timeout_ms ? o->timeout_ms : 10000;
	struct buf reply;
	int fd;

	memset(p, 0, sizeof(*p));
	p->stage = "connect";
	buf_init(&reply, SMTP_REPLY_MAX);
	if ((fd = tcp_connect(m->addr, port, timeout)) == -1) {
		p->error = arena_printf(r->arena, "%s port %u: %s", m->addr,
		    port, strerror(errno));
		goto out;
	}
	if (smtp_reply(fd, &reply, timeout) != 220) {
		p->error = "no 220 greeting";
		goto out;
	}
	p->stage = "starttls";
	if (smtp_send(fd, "EHLO audit.mailtrust.invalid\r\n") == -1 ||
	    smtp_reply(fd, &reply, timeout) != 250) {
		p->error = "EHLO was refused";
		goto out;
	}
	if (strstr(reply.data, "STARTTLS") == NULL) {
		p->error = "STARTTLS is not offered";
		goto out;
	}
	if (smtp_send(fd, "STARTTLS\r\n") == -1 ||
	    smtp_reply(fd, &reply, timeout) != 220) {
		p->error = "STARTTLS was refused";
		goto out;
	}
	tls_handshake(r, fd, m->host, o, max_version, p);
out:
	if (fd != -1)
		close(fd);
	buf_free(&reply);
}

static void
probe_clear(struct probe *p)
{
	X509_free(p->leaf);
	sk_X509_pop_free(p->chain, X509_free);
	p->leaf = NULL;
	p->chain = NULL;
}

/* RFC 6698 2.1.3/2.1.4: the selected bytes, hashed per matching type. */
static int
tlsa_bytes(X509 *x, unsigned selector, unsigned mtype,
    unsigned char *out, size_t *outlen, unsigned char **full)
{
	unsigned char *der = NULL;
	unsigned int mdlen;
	int len;

	*full = NULL;
	if (selector == 0)
		len = i2d_X509(x, &der);
	else if (selector == 1)
		len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	else
		return -1;
	if (len <= 0)
		return -1;
	if (mtype == 0) {
		*full = der;
		*outlen = (size_t)len;
		return 0;
	}
	if (EVP_Digest(der, (size_t)len, out, &mdlen, mtype == 1 ?
	    EVP_sha256() : mtype == 2 ? EVP_sha512() : NULL, NULL) != 1) {
		OPENSSL_free(der);
		return -1;
	}
	*outlen = mdlen;
	OPENSSL_free(der);
	return 0;
}

static bool
tlsa_matches_cert(const struct dns_rr *rr, X509 *x)
{
	unsigned char md[TLSA_MAX_DATA], *full;
	size_t len;
	bool same;

	if (rr->u.tlsa.mtype > 2 || tlsa_bytes(x, rr->u.tlsa.selector,
	    rr->u.tlsa.mtype, md, &len, &full) == -1)
		return false;
	same = len == rr->u.tlsa.len && memcmp(full ? full : md,
	    rr->u.tlsa.data, len) == 0;
	OPENSSL_free(full);
	return same;
}

/* RFC 7672 3.1: DANE-EE (3) names the leaf, DANE-TA (2) an issuer. */
static bool
tlsa_matches(const struct dns_rr *rr, const struct probe *p)
{
	int i;

	if (rr->u.tlsa.usage == 3)
		return tlsa_matches_cert(rr, p->leaf);
	if (rr->u.tlsa.usage != 2 || p->chain == NULL)
		return false;
	for (i = 1; i < sk_X509_num(p->chain); i++)
		if (tlsa_matches_cert(rr, sk_X509_value(p->chain, i)))
			return true;
	return false;
}

/* The DANE-EE record for this certificate, written out. */
static char *
tlsa_suggest(struct audit_report *r, const char *name, X509 *leaf)
{
	unsigned char md[TLSA_MAX_DATA], *full;
	struct buf s;
	size_t len, i;
	char *out;

	if (leaf == NULL || tlsa_bytes(leaf, 1, 1, md, &len, &full) == -1)
		return arena_printf(r->arena, "%s. IN TLSA 3 1 1 <SHA-256 "
		    "of the server's public key>", name);
	buf_init(&s, 1024);
	buf_printf(&s, "%s. IN TLSA 3 1 1 ", name);
	for (i = 0; i < len; i++)
		buf_printf(&s, "%02x", md[i]);
	out = arena_strdup(r->arena, s.data ? s.data : "");
	buf_free(&s);
	return out;
}

static void
audit_tlsa(struct audit_report *r, struct dns_batch *b,
    const struct audit_mx *m, const struct probe *p, const char *area)
{
	char *name = arena_printf(r->arena, "_25._tcp.%s", m->host);
	const struct dns_result *res;
	size_t i;
	bool hit = false, pkix = false;

	res = dns_lookup(b, name, DNS_T_TLSA);
	if (res->bogus) {
		/* RFC 7672 2.2: senders that validate will not deliver. */
		audit_add(r, area, "dane.bogus", AUDIT_CRITICAL, NULL, name,
		    res->why ? res->why : "validation failed");
		return;
	}
	if (res->status != DNS_OK || res->n == 0) {
		audit_add(r, area, "dane.missing", AUDIT_INFO,
		    tlsa_suggest(r, name, p ? p->leaf : NULL), m->host);
		return;
	}
	if (!res->secure) {
		audit_add(r, area, "dane.insecure", AUDIT_WARNING, NULL, name);
		return;
	}
	for (i = 0; i < res->n; i++) {
		if (res->rr[i].u.tlsa.usage < 2)
			pkix = true;
		else if (p != NULL && p->leaf != NULL &&
		    tlsa_matches(&res->rr[i], p))
			hit = true;
	}
	if (pkix)
		audit_add(r, area, "dane.pkix_usage", AUDIT_WARNING, NULL,
		    name);
	if (p == NULL || p->leaf == NULL)
		audit_add(r, area, "dane.secure_unchecked", AUDIT_INFO, NULL,
		    name);
	else if (hit)
		audit_add(r, area, "dane.match", AUDIT_OK, NULL, name);
	else
		audit_add(r, area, "dane.mismatch", AUDIT_CRITICAL,
		    tlsa_suggest(r, name, p->leaf), name);
}

static void
judge_cert(struct audit_report *r, const struct audit_mx *m,
    const struct probe *p, const char *area)
{
	enum audit_severity strict = r->mtasts_enforce ? AUDIT_CRITICAL :
	    AUDIT_WARNING;
	const ASN1_TIME *na = X509_get0_notAfter(p->leaf);
	int days = 0, secs = 0;
	ASN1_TIME *now;
	char when[64];
	BIO *bio;

	when[0] = '\0';
	if ((bio = BIO_new(BIO_s_mem())) != NULL) {
		int n;

		ASN1_TIME_print(bio, na);
		n = BIO_read(bio, when, sizeof(when) - 1);
		when[n > 0 ? n : 0] = '\0';
		BIO_free(bio);
	}
	if ((now = ASN1_TIME_set(NULL, r->now)) != NULL) {
		ASN1_TIME_diff(&days, &secs, now, na);
		ASN1_TIME_free(now);
	}
	if (days < 0 || (days == 0 && secs < 0))
		audit_add(r, area, "tls.expired", AUDIT_CRITICAL, NULL,
		    m->host, when);
	else if (days < CERT_SOON_DAYS)
		audit_add(r, area, "tls.expires_soon", AUDIT_WARNING, NULL,
		    m->host, when);
	else
		audit_add(r, area, "tls.expiry_ok", AUDIT_OK, NULL, when);
	if (X509_check_host(p->leaf, m->host, 0, 0, NULL) != 1)
		audit_add(r, area, "tls.name_mismatch", strict, NULL,
		    m->host);
	else
		audit_add(r, area, "tls.name_ok", AUDIT_OK, NULL, m->host);
	if (p->verify == X509_V_OK)
		audit_add(r, area, "tls.chain_ok", AUDIT_OK, NULL);
	else if (p->verify != X509_V_ERR_CERT_HAS_EXPIRED)
		audit_add(r, area, "tls.chain_bad", strict, NULL,
		    X509_verify_cert_error_string(p->verify));
}

static void
audit_one_mx(struct audit_report *r, struct dns_batch *b,
    const struct audit_mx *m, const struct audit_options *o)
{
	const char *area = arena_printf(r->arena, "mx %s", m->host);
	struct probe p, old;

	if (!o->probe_smtp || !audit_may_connect(o, m->addr)) {
		audit_add(r, area, "tls.not_probed", AUDIT_INFO, NULL,
		    m->host);
		audit_tlsa(r, b, m, NULL, area);
		return;
	}
	smtp_probe(r, m, o, 0, &p);
	if (p.error != NULL && strcmp(p.stage, "connect") == 0) {
		audit_add(r, area, "tls.unreachable", AUDIT_CRITICAL, NULL,
		    m->host, p.error);
	} else if (p.error != NULL && strcmp(p.stage, "starttls") == 0) {
		audit_add(r, area, "tls.no_starttls", AUDIT_CRITICAL, NULL,
		    m->host, p.error);
	} else if (p.error != NULL || p.leaf == NULL) {
		audit_add(r, area, "tls.handshake", AUDIT_CRITICAL, NULL,
		    m->host, p.error ? p.error : "no certificate");
	} else {
		audit_add(r, area, "tls.ok", AUDIT_OK, NULL, m->host,
		    p.version, p.cipher);
		judge_cert(r, m, &p, area);
		/* Does it still speak TLS 1.0 or 1.1 (RFC 8996)? */
		smtp_probe(r, m, o, TLS1_1_VERSION, &old);
		if (old.error == NULL && old.version != NULL)
			audit_add(r, area, "tls.old_protocol", AUDIT_WARNING,
			    NULL, m->host, old.version);
		else
			audit_add(r, area, "tls.no_old_protocol", AUDIT_OK,
			    NULL);
		probe_clear(&old);
	}
	audit_tlsa(r, b, m, &p, area);
	probe_clear(&p);
}

void
audit_tls(struct audit_report *r, struct dns_batch *b,
    const struct audit_options *o)
{
	size_t i;

	for (i = 0; i < r->n_mx; i++)
		if (r->mx[i].addr != NULL)
			audit_one_mx(r, b, &r->mx[i], o);
}
