/*
 * http.c - the HTTP API and the page, on libmicrohttpd (see http.h).
 *
 * Request life: libmicrohttpd calls http_handle() once when the headers
 * are in (we route, check the token and the declared size, and may answer
 * at once), once per piece of body (we append, up to max_body, and cut
 * the connection when the request has taken longer than timeout_s), and
 * once more with no data (we answer).  An idle connection is closed by
 * libmicrohttpd itself after timeout_s (MHD_OPTION_CONNECTION_TIMEOUT),
 * so a client that sends headers and then nothing cannot keep a slot.
 *
 * Errors are JSON {"error": CODE, "message": TEXT} with the status of
 * RFC 9110 section 15.  A scan that failed inside answers 500 with the
 * scan's JSON, whose action is tempfail: the caller must not deliver.
 *
 * Memory: one struct request per request (body buffer with a ceiling),
 * freed in request_completed(); a scan's memory is its arena.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "http.h"
#include "scan_json.h"
#include "scan/config.h"
#include "scan/pipeline.h"
#include "scan/scan.h"
#include "store/quarantine.h"
#include "util/arena.h"
#include "util/buf.h"

#define HTTP_DEFAULT_LISTEN	"127.0.0.1:8080"
#define HTTP_QUARANTINE_LIST	500	/* entries in one listing */
#define HTTP_HEADER_MAX		1000	/* bytes of one envelope header */
#define HTTP_BODY_PRESIZE_MAX	(1024u * 1024)	/* bytes sized up front */

/*
 * One libmicrohttpd daemon with one thread per serving thread, each on
 * its own listening socket bound to the same address with SO_REUSEPORT,
 * so the kernel hands each new connection to one of them.  With one
 * daemon and a pool of threads, every thread watches one shared socket
 * and all of them wake for each connection, only one to accept it: that
 * cost about a tenth of the CPU per message at one client.  The price:
 * a connection may wait for a busy thread while another is idle, and a
 * second `mailtrust serve` of the same user on the same address shares
 * the connections instead of failing to start (which also lets a new one
 * take over before the old one stops).
 */
struct http_server {
	struct http_opts	 o;
	struct MHD_Daemon	*daemon[HTTP_THREADS_MAX];
	unsigned		 n_daemon;
	unsigned		 port;
};

struct request {
	struct buf		 body;
	struct timespec		 start;
	bool			 too_large;
	bool			 answered;	/* a response is queued */
};

static double
seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* --- responses --- */

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *type,
    const void *data, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	/* With MUST_FREE the data is ours to free until a response owns it. */
	r = MHD_create_response_from_buffer(len, (void *)data, mode);
	if (r == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free((void *)data);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	/* The page loads nothing from elsewhere and may not be framed. */
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'self'; img-src 'self' data:; "
	    "frame-ancestors 'none'; form-action 'none'");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, "WWW-Authenticate",
		    "Bearer realm=\"mailtrust\"");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, HEAD, POST, DELETE");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	http_metrics_response(status);
	return ret;
}

/* Answers a JSON value (consumed), compact and ASCII-only. */
static enum MHD_Result
reply_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
	char *text;

	text = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) :
	    NULL;
	json_decref(j);
	if (text == NULL)
		return MHD_NO;
	/* MUST_FREE: the text is freed with the response (or by reply). */
	return reply(c, status, "application/json", text, strlen(text),
	    MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result
reply_error(struct MHD_Connection *c, unsigned status, const char *code,
    const char *message)
{
	return reply_json(c, status, json_pack("{s:s, s:s}", "error", code,
	    "message", message));
}

/* --- envelope from request headers --- */

struct rcpt_walk {
	struct scan	*s;
	char		*rcpt[HTTP_RCPT_MAX];
	size_t		 n;
	bool		 bad;
};

/* Splits one X-Mailtrust-Rcpt value at commas into the arena. */
static enum MHD_Result
rcpt_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct rcpt_walk *w = cls;
	const char *p, *end, *a, *b;

	(void)kind;
	if (strcasecmp(key, "X-Mailtrust-Rcpt") != 0 || value == NULL)
		return MHD_YES;
	for (p = value; *p != '\0'; p = *end ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		for (a = p; a < end && (*a == ' ' || *a == '<'); a++)
			;
		for (b = end; b > a && (b[-1] == ' ' || b[-1] == '>'); b--)
			;
		if (a == b)
			continue;
		if (w->n == HTTP_RCPT_MAX || (size_t)(b - a) > 320) {
			w->bad = true;
			return MHD_NO;
		}
		if ((w->rcpt[w->n] = arena_strndup(w->s->arena, a,
		    (size_t)(b - a))) == NULL) {
			w->bad = true;
			return MHD_NO;
		}
		w->n++;
	}
	return MHD_YES;
}

static const char *
header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/*
 * The envelope the caller gave (RFC 5321 3.3: MAIL FROM's path may be
 * given with or without its angle brackets; "<>" is the null path).
 * Returns NULL or what is wrong with it.
 */
static const char *
envelope_from_headers(struct MHD_Connection *c, struct scan *s)
{
	const char *ip, *helo, *from;
	unsigned char addr[16];
	struct rcpt_walk w = { .s = s };
	size_t n;

	ip = header(c, "X-Mailtrust-Client-IP");
	helo = header(c, "X-Mailtrust-Helo");
	from = header(c, "X-Mailtrust-Mail-From");
	if (ip != NULL) {
		if (inet_pton(AF_INET, ip, addr) != 1 &&
		    inet_pton(AF_INET6, ip, addr) != 1)
			return "X-Mailtrust-Client-IP is not an IP address";
		s->env.client_ip = arena_strdup(s->arena, ip);
	}
	if (helo != NULL) {
		if (strlen(helo) > HTTP_HEADER_MAX)
			return "X-Mailtrust-Helo is too long";
		s->env.helo = arena_strdup(s->arena, helo);
	}
	if (from != NULL) {
		n = strlen(from);
		if (n > HTTP_HEADER_MAX)
			return "X-Mailtrust-Mail-From is too long";
		if (n >= 2 && from[0] == '<' && from[n - 1] == '>')
			s->env.mail_from = arena_strndup(s->arena, from + 1,
			    n - 2);
		else
			s->env.mail_from = arena_strdup(s->arena, from);
	}
	MHD_get_connection_values(c, MHD_HEADER_KIND, rcpt_header, &w);
	if (w.bad)
		return "X-Mailtrust-Rcpt: too many or too long addresses";
	if (w.n > 0) {
		s->env.rcpt = arena_memdup(s->arena, w.rcpt,
		    w.n * sizeof(w.rcpt[0]));
		s->env.n_rcpt = s->env.rcpt != NULL ? w.n : 0;
	}
	return NULL;
}

/* --- routes --- */

static enum MHD_Result
check_message(struct http_server *srv, struct MHD_Connection *c,
    struct request *req)
{
	const struct config *cfg = srv->o.cfg;
	const char *bad;
	enum lang lang;
	struct scan *s;
	struct buf out;
	size_t len;
	unsigned status;
	int r;

	if (req->too_large)
		return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
		    "the message is larger than the server accepts");
	if (req->body.len == 0)
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "empty",
		    "the request body must be the raw message");
	if ((s = scan_new(cfg, srv->o.resolver)) == NULL)
		return reply_json(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    json_pack("{s:s, s:s, s:s}", "error", "internal",
		    "message", "out of memory", "action", "tempfail"));
	if ((bad = envelope_from_headers(c, s)) != NULL) {
		scan_free(s);
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "envelope", bad);
	}
	scan_message(s, req->body.data, req->body.len);
	http_metrics_scan(s, seconds_since(&req->start));
	lang = http_pick_lang(MHD_lookup_connection_value(c,
	    MHD_GET_ARGUMENT_KIND, "lang"), header(c, "Accept-Language"),
	    cfg->lang);
	buf_init(&out, SCAN_JSON_MAX);
	r = scan_json(s, lang, NULL, &out);
	status = s->failed ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_OK;
	scan_free(s);
	if (r == -1) {
		buf_free(&out);
		return MHD_NO;
	}
	/* MUST_FREE: the text is freed with the response (or by reply). */
	len = out.len;
	return reply(c, status, "application/json", buf_steal(&out), len,
	    MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result
metrics(struct MHD_Connection *c)
{
	size_t len;
	char *text;

	if ((text = http_metrics_render(&len)) == NULL)
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "internal", "the metrics did not fit");
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4",
	    text, len, MHD_RESPMEM_MUST_FREE);
}

static const struct web_asset *
asset_find(const char *url)
{
	size_t i;

	for (i = 0; i < web_assets_count; i++)
		if (strcmp(web_assets[i].path, url) == 0)
			return &web_assets[i];
	return NULL;
}

static json_t *
quarantine_entry_json(const struct quarantine_entry *e)
{
	return json_pack("{s:s, s:I, s:I, s:f, s:s, s:s, s:s, s:I, s:s, "
	    "s:s, s:s}", "id", e->id, "time", (json_int_t)e->time,
	    "size", (json_int_t)e->size, "score", e->score,
	    "verdict", e->verdict, "sender", e->sender, "rcpt", e->rcpt,
	    "n_rcpt", (json_int_t)e->n_rcpt, "client_ip", e->client_ip,
	    "from", e->from, "subject", e->subject);
}

/* The store that indexes the quarantine, or NULL (read the files). */
static struct store *
http_store(const struct http_server *srv)
{
	return srv->o.cfg != NULL ? srv->o.cfg->store : NULL;
}

static enum MHD_Result
quarantine_listing(struct http_server *srv, struct MHD_Connection *c)
{
	struct quarantine_entry *e;
	size_t n = 0, total = 0, bad = 0, i;
	char err[256];
	json_t *list;

	if ((e = calloc(HTTP_QUARANTINE_LIST, sizeof(*e))) == NULL)
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "internal", "out of memory");
	if (quarantine_list_indexed(srv->o.quarantine_dir, http_store(srv),
	    e, HTTP_QUARANTINE_LIST, &n, &total, &bad, err, sizeof(err)) !=
	    QUARANTINE_OK) {
		free(e);
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "quarantine", err);
	}
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, quarantine_entry_json(&e[i]));
	free(e);
	return reply_json(c, MHD_HTTP_OK, json_pack("{s:I, s:I, s:o}",
	    "total", (json_int_t)total, "unreadable", (json_int_t)bad,
	    "messages", list));
}

static unsigned
quarantine_status_http(int st)
{
	switch (st) {
	case QUARANTINE_OK:		return MHD_HTTP_OK;
	case QUARANTINE_NOT_FOUND:	return MHD_HTTP_NOT_FOUND;
	case QUARANTINE_ERR_ARG:	return MHD_HTTP_BAD_REQUEST;
	default:			return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

/*
 * /v1/quarantine (GET: list), /v1/quarantine/ID (DELETE),
 * /v1/quarantine/ID/release (POST).  Only with a token: releasing mail
 * that was held as phishing is the most dangerous thing the API does.
 */
static enum MHD_Result
quarantine_route(struct http_server *srv, struct MHD_Connection *c,
    const char *rest, const char *method)
{
	char id[QUARANTINE_ID_MAX + 1], err[256];
	const char *slash;
	size_t n;
	int st;

	if (srv->o.token == NULL)
		return reply_error(c, MHD_HTTP_FORBIDDEN, "no_token",
		    "the quarantine is only served with a token configured");
	if (srv->o.quarantine_dir == NULL)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no_quarantine",
		    "no quarantine directory is configured");
	if (*rest == '\0') {
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "method", "use GET to list the quarantine");
		return quarantine_listing(srv, c);
	}
	if (*rest++ != '/')
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not_found",
		    "no such resource");
	slash = strchr(rest, '/');
	n = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	if (n > QUARANTINE_ID_MAX)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not_found",
		    "no such message");
	memcpy(id, rest, n);
	id[n] = '\0';
	if (!quarantine_id_valid(id))
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not_found",
		    "no such message");
	if (slash != NULL && strcmp(slash, "/release") == 0) {
		if (strcmp(method, "POST") != 0)
			return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "method", "use POST to release a message");
		st = quarantine_release_indexed(srv->o.quarantine_dir,
		    http_store(srv), id, srv->o.sendmail, err, sizeof(err));
		if (st != QUARANTINE_OK)
			return reply_error(c, quarantine_status_http(st),
			    "quarantine", err);
		return reply_json(c, MHD_HTTP_OK,
		    json_pack("{s:s}", "released", id));
	}
	if (slash != NULL)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not_found",
		    "no such resource");
	if (strcmp(method, "DELETE") != 0)
		return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method",
		    "use DELETE to remove a message");
	st = quarantine_delete_indexed(srv->o.quarantine_dir, http_store(srv),
	    id, err, sizeof(err));
	if (st != QUARANTINE_OK)
		return reply_error(c, quarantine_status_http(st),
		    "quarantine", err);
	return reply_json(c, MHD_HTTP_OK, json_pack("{s:s}", "deleted", id));
}

/*
 * Checks made as soon as the headers are in, before any body is read:
 * the token, the path, the method, the declared size and type.  Returns
 * true when a response has been queued; otherwise a message of declared
 * size has its room in body already.
 */
static bool
early_answer(struct http_server *srv, struct MHD_Connection *c,
    const char *url, const char *method, struct buf *body,
    enum MHD_Result *ret)
{
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	const char *len, *te;
	unsigned long long n;
	char *end;

#define ANSWER(call) do { *ret = (call); return true; } while (0)
	if (strcmp(url, "/healthz") == 0) {
		if (!get)
			ANSWER(reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "method", "use GET"));
		ANSWER(reply_json(c, MHD_HTTP_OK,
		    json_pack("{s:s}", "status", "ok")));
	}
	/*
	 * The page's own files carry no data, and a browser cannot attach
	 * a bearer token to a navigation; everything they fetch can.
	 */
	if (get && asset_find(url) != NULL)
		return false;
	if (srv->o.token != NULL &&
	    !http_bearer_ok(header(c, "Authorization"), srv->o.token))
		ANSWER(reply_error(c, MHD_HTTP_UNAUTHORIZED, "unauthorized",
		    "this server needs 'Authorization: Bearer TOKEN'"));
	if (strcmp(url, "/v1/check") != 0)
		return false;
	if (strcmp(method, "POST") != 0)
		ANSWER(reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method",
		    "POST the raw message to /v1/check"));
	if (!http_content_type_ok(header(c, "Content-Type")))
		ANSWER(reply_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "media_type", "send the raw message (message/rfc822), "
		    "not a form or JSON"));
	len = header(c, "Content-Length");
	te = header(c, "Transfer-Encoding");
	if (len == NULL && te == NULL)
		ANSWER(reply_error(c, MHD_HTTP_LENGTH_REQUIRED, "length",
		    "Content-Length is required"));
	if (len != NULL) {
		errno = 0;
		n = strtoull(len, &end, 10);
		if (errno != 0 || end == len || *end != '\0' ||
		    n > srv->o.max_body)
			ANSWER(reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
			    "too_large", "the message is larger than the "
			    "server accepts"));
		/*
		 * Room for the whole body at once, not by doubling as it
		 * arrives (which copied a 15 KB message about four times
		 * over); only up to HTTP_BODY_PRESIZE_MAX, so that a size
		 * claimed but never sent holds no memory.
		 */
		if (n <= HTTP_BODY_PRESIZE_MAX)
			(void)buf_reserve(body, (size_t)n);
	}
	return false;
#undef ANSWER
}

static enum MHD_Result
final_answer(struct http_server *srv, struct MHD_Connection *c,
    const char *url, const char *method, struct request *req)
{
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	const struct web_asset *a;

	if (strcmp(url, "/v1/check") == 0)
		return check_message(srv, c, req);
	if (strcmp(url, "/metrics") == 0)
		return get ? metrics(c) : reply_error(c,
		    MHD_HTTP_METHOD_NOT_ALLOWED, "method", "use GET");
	if (strncmp(url, "/v1/quarantine", 14) == 0)
		return quarantine_route(srv, c, url + 14, method);
	if ((a = asset_find(url)) != NULL)
		return get ? reply(c, MHD_HTTP_OK, a->type, a->data, a->len,
		    MHD_RESPMEM_PERSISTENT) : reply_error(c,
		    MHD_HTTP_METHOD_NOT_ALLOWED, "method", "use GET");
	return reply_error(c, MHD_HTTP_NOT_FOUND, "not_found",
	    "no such resource");
}

static enum MHD_Result
http_handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct request *req = *con_cls;
	enum MHD_Result ret;

	(void)version;
	if (req == NULL) {
		if ((req = calloc(1, sizeof(*req))) == NULL)
			return MHD_NO;
		buf_init(&req->body, srv->o.max_body);
		clock_gettime(CLOCK_MONOTONIC, &req->start);
		*con_cls = req;
		if (early_answer(srv, c, url, method, &req->body, &ret)) {
			req->answered = true;
			return ret;
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		/* A client that trickles its body is cut off all the same. */
		if (seconds_since(&req->start) > srv->o.timeout_s) {
			http_metrics_timeout();
			return MHD_NO;
		}
		if (!req->answered && !req->too_large &&
		    buf_add(&req->body, upload_data, *upload_data_size) == -1)
			req->too_large = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (req->answered)
		return MHD_YES;
	req->answered = true;
	return final_answer(srv, c, url, method, req);
}

static void
request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *req = *con_cls;

	(void)cls;
	(void)c;
	if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
		http_metrics_timeout();
	if (req == NULL)
		return;
	buf_free(&req->body);
	free(req);
	*con_cls = NULL;
}

/*
 * A listening socket on ss that others may share (see http_server).
 * TCP_DEFER_ACCEPT (tcp(7)): the kernel hands over a connection once
 * its first bytes are there.  Every client of this API speaks first,
 * and a client that opens a connection per message otherwise wakes the
 * thread twice, once to accept and once for the request; about 5% of
 * the server's CPU per message on the bench at concurrency 2.
 */
static int
listen_socket(const struct sockaddr_storage *ss, socklen_t sslen)
{
	int fd, on = 1, defer = 1, e;

	if ((fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) ==
	    -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on,
	    sizeof(on)) == -1 || (ss->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) ==
	    -1) || bind(fd, (const struct sockaddr *)ss, sslen) == -1 ||
	    listen(fd, SOMAXCONN) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer,
	    sizeof(defer)) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The port fd is bound to, also written into ss; 0 on failure. */
static unsigned
bound_port(int fd, struct sockaddr_storage *ss)
{
	struct sockaddr_storage got;
	socklen_t len = sizeof(got);
	in_port_t port;

	if (getsockname(fd, (struct sockaddr *)&got, &len) == -1)
		return 0;
	if (got.ss_family == AF_INET6) {
		port = ((struct sockaddr_in6 *)&got)->sin6_port;
		((struct sockaddr_in6 *)ss)->sin6_port = port;
	} else {
		port = ((struct sockaddr_in *)&got)->sin_port;
		((struct sockaddr_in *)ss)->sin_port = port;
	}
	return ntohs(port);
}

struct http_server *
http_start(const struct http_opts *o, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct http_server *srv;
	unsigned flags, conns, i;
	socklen_t sslen;
	int fd;

	if (http_parse_listen(o->listen ? o->listen : HTTP_DEFAULT_LISTEN,
	    &ss, &sslen, err, errlen) == -1)
		return NULL;
	if (o->token != NULL && (strlen(o->token) < 16 ||
	    strlen(o->token) > HTTP_TOKEN_MAX)) {
		snprintf(err, errlen, "the token must have 16 to %d "
		    "characters", HTTP_TOKEN_MAX);
		return NULL;
	}
	if (!http_addr_is_loopback((struct sockaddr *)&ss) && o->token == NULL) {
		snprintf(err, errlen, "refusing to listen on %s without a "
		    "token (http_token): only 127.0.0.1 and ::1 are served "
		    "without one", o->listen);
		return NULL;
	}
	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->o = *o;
	if (srv->o.threads == 0)
		srv->o.threads = 1;
	if (srv->o.threads > HTTP_THREADS_MAX)
		srv->o.threads = HTTP_THREADS_MAX;
	if (srv->o.timeout_s == 0)
		srv->o.timeout_s = 30;
	/*
	 * poll(), not epoll: a client here opens a connection per message,
	 * and epoll costs two epoll_ctl() calls per connection on top of
	 * the wait, where poll() hands the kernel the few descriptors open
	 * at once.  GET /healthz, which does no work of its own, went from
	 * about 33 to 27 us of CPU per request.  A thread's set is bounded
	 * by HTTP_CONNECTIONS_MAX, whose scan is cheap next to a scan.
	 */
	flags = MHD_USE_POLL | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	conns = HTTP_CONNECTIONS_MAX / srv->o.threads;
	for (i = 0; i < srv->o.threads; i++) {
		if ((fd = listen_socket(&ss, sslen)) == -1) {
			snprintf(err, errlen, "cannot listen on %s: %s",
			    o->listen ? o->listen : HTTP_DEFAULT_LISTEN,
			    strerror(errno));
			http_stop(srv);
			return NULL;
		}
		srv->daemon[i] = MHD_start_daemon(flags, 0, NULL, NULL,
		    http_handle, srv,
		    MHD_OPTION_LISTEN_SOCKET, fd,
		    MHD_OPTION_CONNECTION_TIMEOUT, srv->o.timeout_s,
		    MHD_OPTION_CONNECTION_LIMIT, conns > 0 ? conns : 1u,
		    MHD_OPTION_NOTIFY_COMPLETED, request_completed, srv,
		    MHD_OPTION_END);
		if (srv->daemon[i] == NULL) {
			snprintf(err, errlen, "cannot serve on %s",
			    o->listen ? o->listen : HTTP_DEFAULT_LISTEN);
			close(fd);
			http_stop(srv);
			return NULL;
		}
		srv->n_daemon++;
		/* Port 0 asked for any port: the others take the same. */
		if (i == 0 && (srv->port = bound_port(fd, &ss)) == 0) {
			snprintf(err, errlen, "cannot read the port bound");
			http_stop(srv);
			return NULL;
		}
	}
	return srv;
}

unsigned
http_port(const struct http_server *srv)
{
	return srv->port;
}

void
http_stop(struct http_server *srv)
{
	unsigned i;

	if (srv == NULL)
		return;
	for (i = 0; i < srv->n_daemon; i++)
		MHD_stop_daemon(srv->daemon[i]);	/* closes its socket */
	free(srv);
}
