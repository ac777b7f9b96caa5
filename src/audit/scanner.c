/*
 * scanner.c - the event loop of `mailtrust scan`: many targets probed at
 * once with libevent, each probe a small state machine.
 *
 *   SMTP   connect, greeting, EHLO, STARTTLS (RFC 3207) and the TLS
 *          handshake for the certificate, QUIT (RFC 5321 4.1.1.10)
 *   HTTPS  TLS handshake, GET /owa/auth/logon.aspx, the response read to
 *          its end (at most OWA_MAX_RESPONSE) and fingerprinted
 *
 * Politeness and bounds: at most `concurrency` targets in flight, new
 * targets started no faster than `rate` per second (a token bucket), a
 * connect timeout and a read timeout per connection and an overall
 * deadline per probe, so a host that accepts and then stalls costs one
 * slot for a bounded time.  SIGINT/SIGTERM stop new starts and let the
 * probes in flight finish, so an interrupted run can be resumed without
 * probing anything twice; a second signal stops at once.
 *
 * Memory: each target is one heap job freed when its result has been
 * handed to the caller.  Certificates are not verified: the scanner
 * reports them, it does not trust them.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "audit/scanner.h"
#include "util/buf.h"

#define SCANNER_HOST_MAX	255

enum probe_kind { PROBE_SMTP, PROBE_HTTPS };

enum probe_state {
	ST_CONNECTING, ST_BANNER, ST_EHLO, ST_STARTTLS, ST_TLS, ST_QUIT,
	ST_HTTP,
};

struct scan_run;

struct job {
	struct scan_run		*run;
	struct scanner_result	 res;
	int			 pending;
};

struct probe {
	struct job		*job;
	enum probe_kind		 kind;
	enum probe_state	 state;
	struct bufferevent	*bev;
	struct event		*deadline;
	struct buf		 in;
};

struct scan_run {
	struct event_base		*base;
	struct evdns_base		*dns;
	SSL_CTX				*ssl;
	const struct scanner_builds	*builds;
	const struct scanner_options	*opt;
	char *const			*targets;
	size_t				 ntargets, next, active, done;
	scanner_result_fn		*on_result;
	void				*arg;
	bool				(*skip)(const char *, void *);
	void				(*started)(const char *, void *);
	bool				 stopping;
	int				 signals;
	double				 tokens;
	struct timespec			 last_refill, t0;
	struct event			*launch_timer, *progress_timer;
	struct event			*sigint, *sigterm;
};

static void launch_more(struct scan_run *);
static void probe_finish(struct probe *, const char *error);

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct timeval
ms_to_tv(unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
	    .tv_usec = (ms % 1000) * 1000 };

	return tv;
}

/* ------------------------------------------------------------------ */
/* Targets. */

static int
valid_host(const char *h, size_t n)
{
	if (n == 0 || n > SCANNER_HOST_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= 'A' && h[i] <= 'Z') ||
		    (h[i] >= '0' && h[i] <= '9') || h[i] == '.' ||
		    h[i] == '-' || h[i] == ':' || h[i] == '_'))
			return 0;
	return 1;
}

static int
parse_port(const char *s, int *port)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || (v = v * 10 + (*s - '0')) > 65535)
			return -1;
	}
	if (v == 0)
		return -1;
	*port = (int)v;
	return 0;
}

int
scanner_target_parse(const char *target, char *host, size_t hostlen,
    int *smtp_port, int *https_port)
{
	const char *h = target, *port = NULL, *end;
	bool web = false;
	size_t n;

	*smtp_port = *https_port = 0;
	if (strncmp(h, "https://", 8) == 0) {
		h += 8;
		web = true;
	}
	if (*h == '[') {			/* [v6]:port */
		if ((end = strchr(h, ']')) == NULL)
			return -1;
		n = (size_t)(end - h - 1);
		h++;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0' && !(web && end[1] == '/'))
			return -1;
	} else {
		end = strchr(h, ':');
		if (end != NULL && strchr(end + 1, ':') != NULL)
			end = NULL;		/* bare IPv6 */
		n = end != NULL ? (size_t)(end - h) : strcspn(h, "/");
		if (end != NULL)
			port = end + 1;
	}
	if (!valid_host(h, n) || n >= hostlen)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	if (port != NULL) {
		char digits[8];
		size_t pl = strcspn(port, "/");

		if (pl == 0 || pl >= sizeof(digits))
			return -1;
		memcpy(digits, port, pl);
		digits[pl] = '\0';
		if (port[pl] == '/' && !web)
			return -1;
		if (parse_port(digits, web ? https_port : smtp_port) == -1)
			return -1;
	} else if (web) {
		*https_port = 443;
	} else {
		*smtp_port = 25;
		*https_port = 443;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Certificates. */

static void
cert_read(SSL *ssl, struct scanner_cert *c)
{
	X509 *x = SSL_get1_peer_certificate(ssl);
	GENERAL_NAMES *sans;
	struct tm tm;
	size_t used = 0;

	snprintf(c->protocol, sizeof(c->protocol), "%s", SSL_get_version(ssl));
	if (x == NULL)
		return;
	X509_NAME_oneline(X509_get_subject_name(x), c->subject,
	    sizeof(c->subject));
	X509_NAME_oneline(X509_get_issuer_name(x), c->issuer,
	    sizeof(c->issuer));
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		strftime(c->not_after, sizeof(c->not_after), "%Y-%m-%d", &tm);
	c->expired = X509_cmp_current_time(X509_get0_notAfter(x)) < 0;
	sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		const unsigned char *d;
		int len, w;

		if (g->type != GEN_DNS)
			continue;
		d = ASN1_STRING_get0_data(g->d.dNSName);
		len = ASN1_STRING_length(g->d.dNSName);
		w = snprintf(c->names + used, sizeof(c->names) - used,
		    "%s%.*s", used ? "," : "", len, (const char *)d);
		if (w < 0 || (size_t)w >= sizeof(c->names) - used)
			break;		/* the list is cut, not overrun */
		used += (size_t)w;
	}
	GENERAL_NAMES_free(sans);
	X509_free(x);
}

/* ------------------------------------------------------------------ */
/* Probes. */

static void
record_peer(struct probe *p)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	evutil_socket_t fd = bufferevent_getfd(p->bev);
	char *ip = p->job->res.ip;

	if (ip[0] != '\0' || fd < 0 ||
	    getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip,
		    sizeof(p->job->res.ip));
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
		    ip, sizeof(p->job->res.ip));
}

static void
set_read_timeouts(struct probe *p)
{
	struct timeval tv = ms_to_tv(p->job->run->opt->read_timeout_ms);

	bufferevent_set_timeouts(p->bev, &tv, &tv);
}

static void
send_line(struct probe *p, const char *line, enum probe_state next)
{
	p->state = next;
	bufferevent_write(p->bev, line, strlen(line));
}

static void smtp_read(struct bufferevent *, void *);
static void probe_event(struct bufferevent *, short, void *);

static void
smtp_start_tls(struct probe *p)
{
	SSL *ssl = SSL_new(p->job->run->ssl);
	struct bufferevent *tls;

	if (ssl == NULL) {
		probe_finish(p, "tls setup failed");
		return;
	}
	SSL_set_tlsext_host_name(ssl, p->job->res.host);
	tls = bufferevent_openssl_filter_new(p->job->run->base, p->bev, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE |
	    BEV_OPT_DEFER_CALLBACKS);
	if (tls == NULL) {
		SSL_free(ssl);
		probe_finish(p, "tls setup failed");
		return;
	}
	p->bev = tls;
	p->state = ST_TLS;
	bufferevent_openssl_set_allow_dirty_shutdown(tls, 1);
	bufferevent_setcb(tls, smtp_read, NULL, probe_event, p);
	set_read_timeouts(p);
	bufferevent_enable(tls, EV_READ | EV_WRITE);
}

/* One complete reply arrived in state p->state. */
static void
smtp_reply(struct probe *p, const struct smtp_reply *r)
{
	struct scanner_result *res = &p->job->res;
	char ehlo[300];

	switch (p->state) {
	case ST_CONNECTING:
	case ST_BANNER:
		snprintf(res->banner, sizeof(res->banner), "%d %.*s", r->code,
		    (int)r->textlen[0], r->text[0]);
		smtp_banner_inspect(r, &res->ehlo);
		res->smtp_ok = true;
		if (r->code != 220) {
			send_line(p, "QUIT\r\n", ST_QUIT);
			return;
		}
		snprintf(ehlo, sizeof(ehlo), "EHLO %s\r\n",
		    p->job->run->opt->ehlo_name);
		send_line(p, ehlo, ST_EHLO);
		return;
	case ST_EHLO:
		if (r->code == 250)
			smtp_ehlo_parse(r, &res->ehlo);
		if (r->code == 250 && res->ehlo.starttls)
			send_line(p, "STARTTLS\r\n", ST_STARTTLS);
		else
			send_line(p, "QUIT\r\n", ST_QUIT);
		return;
	case ST_STARTTLS:
		/* TLS starts once this reply is out of the buffer. */
		if (r->code == 220)
			p->state = ST_TLS;
		else
			send_line(p, "QUIT\r\n", ST_QUIT);
		return;
	default:
		return;
	}
}

static void
smtp_read(struct bufferevent *bev, void *arg)
{
	struct probe *p = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	for (;;) {
		struct smtp_reply r;
		size_t len = evbuffer_get_length(in);
		const char *data;
		int rc;

		if (len == 0)
			return;
		if (len > SMTP_MAX_REPLY + 2)
			len = SMTP_MAX_REPLY + 2;
		data = (const char *)evbuffer_pullup(in, (ev_ssize_t)len);
		rc = smtp_reply_parse(data, len, &r);
		if (rc == 0)
			return;
		if (rc == -1) {
			probe_finish(p, "not an SMTP reply");
			return;
		}
		if (p->state == ST_QUIT || p->state == ST_TLS) {
			/* The reply to QUIT, or junk in the TLS stream. */
			probe_finish(p, NULL);
			return;
		}
		smtp_reply(p, &r);
		evbuffer_drain(in, r.len);
		if (p->state == ST_TLS) {
			smtp_start_tls(p);
			return;
		}
	}
}

static void
http_read(struct bufferevent *bev, void *arg)
{
	struct probe *p = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char chunk[4096];
	int n;

	while ((n = evbuffer_remove(in, chunk, sizeof(chunk))) > 0)
		if (buf_add(&p->in, chunk, (size_t)n) == -1) {
			/* Enough to fingerprint; the rest is not needed. */
			probe_finish(p, NULL);
			return;
		}
}

static void
http_send_request(struct probe *p)
{
	char req[512];

	snprintf(req, sizeof(req),
	    "GET /owa/auth/logon.aspx HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: mailtrust-scan/" MT_VERSION "\r\n"
	    "Accept: text/html\r\nConnection: close\r\n\r\n",
	    p->job->res.host);
	send_line(p, req, ST_HTTP);
}

static void
probe_event(struct bufferevent *bev, short what, void *arg)
{
	struct probe *p = arg;
	struct scanner_result *res = &p->job->res;

	if (what & BEV_EVENT_CONNECTED) {
		record_peer(p);
		set_read_timeouts(p);
		if (p->kind == PROBE_HTTPS) {
			cert_read(bufferevent_openssl_get_ssl(bev),
			    &res->https_cert);
			http_send_request(p);
		} else if (p->state == ST_TLS) {
			res->starttls_ok = true;
			cert_read(bufferevent_openssl_get_ssl(bev),
			    &res->smtp_cert);
			send_line(p, "QUIT\r\n", ST_QUIT);
		} else if (p->state == ST_CONNECTING) {
			p->state = ST_BANNER;
		}
		return;
	}
	if (p->kind == PROBE_HTTPS && p->state == ST_HTTP &&
	    (what & BEV_EVENT_EOF)) {
		probe_finish(p, NULL);
		return;
	}
	if (p->state == ST_QUIT) {
		probe_finish(p, NULL);	/* closing after QUIT is normal */
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		probe_finish(p, p->state == ST_CONNECTING ? "connect timeout" :
		    "read timeout");
	else if (p->state == ST_CONNECTING && p->job->res.https_cert.protocol[0]
	    == '\0' && p->job->res.ip[0] == '\0')
		probe_finish(p, "connection refused");
	else if (what & BEV_EVENT_EOF)
		probe_finish(p, "closed early");
	else
		probe_finish(p, p->state == ST_TLS ? "tls failed" :
		    "connection error");
}

static void
probe_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;

	probe_finish(p, p->state == ST_CONNECTING ? "connect timeout" :
	    "read timeout");
}

static int
probe_start(struct job *job, enum probe_kind kind, int port)
{
	struct scan_run *run = job->run;
	struct probe *p;
	struct timeval ctv = ms_to_tv(run->opt->connect_timeout_ms);
	struct timeval dtv = ms_to_tv(run->opt->connect_timeout_ms +
	    4 * run->opt->read_timeout_ms);
	SSL *ssl = NULL;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	p->job = job;
	p->kind = kind;
	p->state = ST_CONNECTING;
	buf_init(&p->in, OWA_MAX_RESPONSE);
	if (kind == PROBE_HTTPS) {
		if ((ssl = SSL_new(run->ssl)) == NULL)
			goto fail;
		SSL_set_tlsext_host_name(ssl, job->res.host);
		p->bev = bufferevent_openssl_socket_new(run->base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE |
		    BEV_OPT_DEFER_CALLBACKS);
		if (p->bev == NULL) {
			SSL_free(ssl);
			goto fail;
		}
		bufferevent_openssl_set_allow_dirty_shutdown(p->bev, 1);
		bufferevent_setcb(p->bev, http_read, NULL, probe_event, p);
		job->res.https_probed = true;
	} else {
		p->bev = bufferevent_socket_new(run->base, -1,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		if (p->bev == NULL)
			goto fail;
		bufferevent_setcb(p->bev, smtp_read, NULL, probe_event, p);
		job->res.smtp_probed = true;
	}
	if ((p->deadline = evtimer_new(run->base, probe_deadline, p)) == NULL)
		goto fail;
	evtimer_add(p->deadline, &dtv);
	bufferevent_set_timeouts(p->bev, &ctv, &ctv);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	job->pending++;
	if (bufferevent_socket_connect_hostname(p->bev, run->dns, AF_UNSPEC,
	    job->res.host, port) != 0) {
		/* Callbacks are deferred, so none has run: end it here. */
		probe_finish(p, "cannot resolve or connect");
	}
	return 0;
fail:
	if (p->bev != NULL)
		bufferevent_free(p->bev);
	buf_free(&p->in);
	free(p);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Judging a finished target. */

static void
job_classify(struct job *job)
{
	struct scanner_result *r = &job->res;
	struct scanner_judgement *j = &r->judgement;
	bool exchange = r->owa.exchange || r->ehlo.exchange;

	memset(j, 0, sizeof(*j));
	if (r->owa.build[0] != '\0' &&
	    scanner_builds_judge(job->run->builds, r->owa.build,
	    job->run->opt->as_of, j) == 0) {
		if (j->cu_only)
			snprintf(r->note, sizeof(r->note), "only the CU is "
			    "visible (%s); updates cannot be confirmed",
			    r->owa.build);
		return;
	}
	memset(j, 0, sizeof(*j));
	if (exchange) {
		/* Not guessed patched: a hidden build is reported as such. */
		j->class = SCANNER_UNPATCHED;
		snprintf(r->note, sizeof(r->note), r->owa.build[0] != '\0' ?
		    "Exchange build %s not in the table" :
		    "Exchange, build not disclosed", r->owa.build);
	} else if (r->smtp_ok || r->https_ok) {
		j->class = SCANNER_NOT_EXCHANGE;
	} else {
		j->class = SCANNER_UNREACHABLE;
	}
}

static void
job_done(struct job *job)
{
	struct scan_run *run = job->run;

	job_classify(job);
	run->on_result(&job->res, run->arg);
	free(job->res.target);
	free(job);
	run->active--;
	run->done++;
	launch_more(run);
}

static void
probe_finish(struct probe *p, const char *error)
{
	struct job *job = p->job;
	struct scanner_result *r = &job->res;

	if (p->kind == PROBE_HTTPS) {
		/* Reachable means it answered HTTP, not just accepted. */
		r->https_ok = p->in.len > 0 && owa_parse_response(p->in.data,
		    p->in.len, &r->owa) == 0 && r->owa.status > 0;
		if (error != NULL)
			snprintf(r->https_error, sizeof(r->https_error), "%s",
			    error);
	} else if (error != NULL) {
		snprintf(r->smtp_error, sizeof(r->smtp_error), "%s", error);
	}
	p->job = NULL;
	if (p->deadline != NULL)
		event_free(p->deadline);
	if (p->bev != NULL)
		bufferevent_free(p->bev);
	p->bev = NULL;
	buf_free(&p->in);
	free(p);
	if (--job->pending == 0)
		job_done(job);
}

/* ------------------------------------------------------------------ */
/* Launching, rate and progress. */

static int
job_start(struct scan_run *run, const char *target)
{
	struct job *job;
	int smtp_port, https_port;

	if ((job = calloc(1, sizeof(*job))) == NULL ||
	    (job->res.target = strdup(target)) == NULL) {
		free(job);
		return -1;
	}
	job->run = run;
	run->active++;
	if (scanner_target_parse(target, job->res.host,
	    sizeof(job->res.host), &smtp_port, &https_port) == -1) {
		snprintf(job->res.note, sizeof(job->res.note),
		    "not a target (host, host:port or https://host:port)");
		job_done(job);
		return 0;
	}
	/* A reference held while starting, so no probe ends the job. */
	job->pending = 1;
	if (smtp_port != 0 && probe_start(job, PROBE_SMTP, smtp_port) == -1)
		snprintf(job->res.smtp_error, sizeof(job->res.smtp_error),
		    "out of memory");
	if (https_port != 0 &&
	    probe_start(job, PROBE_HTTPS, https_port) == -1)
		snprintf(job->res.https_error, sizeof(job->res.https_error),
		    "out of memory");
	if (--job->pending == 0)
		job_done(job);
	return 0;
}

static bool
take_token(struct scan_run *run)
{
	struct timespec ts;
	double elapsed, burst;

	if (run->opt->rate <= 0)
		return true;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	elapsed = (double)(ts.tv_sec - run->last_refill.tv_sec) +
	    (double)(ts.tv_nsec - run->last_refill.tv_nsec) / 1e9;
	run->last_refill = ts;
	burst = 1.0 + run->opt->rate / 20.0;	/* at most 50 ms of burst */
	run->tokens += elapsed * run->opt->rate;
	if (run->tokens > burst)
		run->tokens = burst;
	if (run->tokens < 1.0)
		return false;
	run->tokens -= 1.0;
	return true;
}

static void
launch_tick(evutil_socket_t fd, short what, void *arg)
{
	launch_more(arg);
}

static void
launch_more(struct scan_run *run)
{
	while (!run->stopping && run->next < run->ntargets &&
	    run->active < run->opt->concurrency) {
		const char *t = run->targets[run->next];

		if (run->skip != NULL && run->skip(t, run->arg)) {
			run->next++;
			run->done++;
			continue;
		}
		if (!take_token(run)) {
			long us = (long)(1e6 * (1.0 - run->tokens) /
			    run->opt->rate) + 1;
			struct timeval tv = { us / 1000000, us % 1000000 };

			if (!evtimer_pending(run->launch_timer, NULL))
				evtimer_add(run->launch_timer, &tv);
			return;
		}
		run->next++;
		if (run->started != NULL)
			run->started(t, run->arg);
		if (job_start(run, t) == -1) {
			/* Out of memory: wind down. */
			run->stopping = true;
			break;
		}
	}
	if (run->active == 0 && (run->stopping ||
	    run->next >= run->ntargets))
		event_base_loopexit(run->base, NULL);
}

static void
progress_draw(struct scan_run *run, bool final)
{
	double t = now_seconds() - ((double)run->t0.tv_sec +
	    (double)run->t0.tv_nsec / 1e9);
	double rate = t > 0 ? (double)run->done / t : 0;
	double left = rate > 0 ? (double)(run->ntargets - run->done) / rate :
	    0;
	size_t width = 30, fill = run->ntargets ? width * run->done /
	    run->ntargets : width;
	char bar[31];

	for (size_t i = 0; i < width; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[width] = '\0';
	fprintf(stderr, "\r[%s] %zu/%zu hosts, %.1f/s, %.0fs left, %zu in "
	    "flight%s", bar, run->done, run->ntargets, rate, left,
	    run->active, final ? "\n" : "  ");
}

static void
progress_tick(evutil_socket_t fd, short what, void *arg)
{
	progress_draw(arg, false);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct scan_run *run = arg;

	if (++run->signals > 1) {
		event_base_loopbreak(run->base);
		return;
	}
	run->stopping = true;
	if (run->opt->progress)
		fprintf(stderr, "\nstopping: finishing %zu probes in flight "
		    "(signal again to stop at once)\n", run->active);
	if (run->active == 0)
		event_base_loopexit(run->base, NULL);
}

static void
run_free(struct scan_run *run)
{
	if (run->launch_timer != NULL)
		event_free(run->launch_timer);
	if (run->progress_timer != NULL)
		event_free(run->progress_timer);
	if (run->sigint != NULL)
		event_free(run->sigint);
	if (run->sigterm != NULL)
		event_free(run->sigterm);
	if (run->dns != NULL)
		evdns_base_free(run->dns, 0);
	if (run->ssl != NULL)
		SSL_CTX_free(run->ssl);
	if (run->base != NULL)
		event_base_free(run->base);
}

int
scanner_run(const struct scanner_builds *builds,
    const struct scanner_options *opt, char *const *targets,
    size_t ntargets, scanner_result_fn *on_result, void *arg,
    bool (*skip)(const char *, void *), void (*started)(const char *, void *))
{
	struct scan_run run = { .builds = builds, .opt = opt,
	    .targets = targets, .ntargets = ntargets, .on_result = on_result,
	    .arg = arg, .skip = skip, .started = started };
	struct timeval tick = { 0, 200000 };
	int rc = -1;

	/* A closed connection must be an error return, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if ((run.base = event_base_new()) == NULL ||
	    (run.dns = evdns_base_new(run.base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE)) == NULL ||
	    (run.ssl = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (run.launch_timer = evtimer_new(run.base, launch_tick, &run)) ==
	    NULL ||
	    (run.sigint = evsignal_new(run.base, SIGINT, on_signal, &run)) ==
	    NULL ||
	    (run.sigterm = evsignal_new(run.base, SIGTERM, on_signal, &run)) ==
	    NULL)
		goto out;
	/* Old servers are what we look for: accept their old TLS too. */
	SSL_CTX_set_security_level(run.ssl, 0);
	SSL_CTX_set_min_proto_version(run.ssl, 0);
	SSL_CTX_set_verify(run.ssl, SSL_VERIFY_NONE, NULL);
	evsignal_add(run.sigint, NULL);
	evsignal_add(run.sigterm, NULL);
	clock_gettime(CLOCK_MONOTONIC, &run.t0);
	run.last_refill = run.t0;
	run.tokens = 1.0;
	if (opt->progress) {
		run.progress_timer = event_new(run.base, -1, EV_PERSIST,
		    progress_tick, &run);
		if (run.progress_timer != NULL)
			evtimer_add(run.progress_timer, &tick);
	}
	launch_more(&run);
	if (run.active > 0 || (!run.stopping && run.next < run.ntargets))
		event_base_dispatch(run.base);
	if (opt->progress)
		progress_draw(&run, true);
	rc = run.signals > 0 ? 1 : 0;
out:
	run_free(&run);
	return rc;
}
