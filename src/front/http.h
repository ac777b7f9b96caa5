/*
 * http.h - the HTTP front end: "mailtrust serve".
 *
 *   POST /v1/check      the raw message as the body, the SMTP envelope in
 *                       X-Mailtrust-Client-IP, -Helo, -Mail-From, -Rcpt
 *                       (any left out is recovered from the message, as
 *                       `check` does); answers the JSON of `check --json`
 *   GET  /metrics       Prometheus text exposition format 0.0.4
 *   GET  /healthz       liveness
 *   GET  /              the page (src/front/web/, embedded at build time)
 *   /v1/quarantine...   held messages: list, get, release, delete
 *
 * The server is libmicrohttpd with a pool of threads; each request that
 * judges a message gets its own scan (and so its own arena), the threads
 * share only the read-only configuration, the resolver (whose cache does
 * its own locking) and the counters of http_metrics.c (atomics).
 *
 * http.c holds what needs libmicrohttpd; http_metrics.c holds the
 * counters and the small request rules that need no HTTP library, so the
 * unit test (tests/unit/test_http.c) reaches them.
 */
#ifndef MT_HTTP_H
#define MT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "scan/config.h"

struct dns_resolver;
struct scan;

#define HTTP_TOKEN_MAX		512	/* bytes of a bearer token */
#define HTTP_RCPT_MAX		100	/* X-Mailtrust-Rcpt addresses */
#define HTTP_THREADS_MAX	256
#define HTTP_CONNECTIONS_MAX	1024	/* open at once, all clients */
#define HTTP_METRICS_MAX	(64u * 1024)	/* bytes of /metrics */

struct http_opts {
	const struct config	*cfg;		/* shared read-only */
	struct dns_resolver	*resolver;	/* shared, thread-safe */
	const char		*listen;	/* ADDR:PORT, [V6]:PORT */
	const char		*token;		/* NULL: none */
	unsigned		 threads;
	size_t			 max_body;	/* bytes, else 413 */
	unsigned		 timeout_s;	/* per connection */
	const char		*quarantine_dir;	/* NULL: no view */
	const char *const	*sendmail;	/* release program, or NULL */
};

struct http_server;

/*
 * Starts listening.  Refuses (NULL, err filled) a non-loopback address
 * without a token: the API judges mail and releases held messages, so
 * it must not be open to a network by default.
 */
struct http_server *http_start(const struct http_opts *, char *err,
	    size_t errlen);
/* The port actually bound (useful with port 0). */
unsigned	 http_port(const struct http_server *);
void		 http_stop(struct http_server *);

/* --- request rules (http_metrics.c) --- */

/*
 * Parses "ADDR:PORT", "[V6ADDR]:PORT" or "PORT" (meaning 127.0.0.1)
 * into a numeric socket address; never resolves a name.
 */
int		 http_parse_listen(const char *spec,
		    struct sockaddr_storage *, socklen_t *, char *err,
		    size_t errlen);
/* 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. */
bool		 http_addr_is_loopback(const struct sockaddr *);

/*
 * The language of the answer: ?lang= wins when it names one we have,
 * then the first of de/en in Accept-Language by its q-value (RFC 9110
 * 12.5.4), then dflt.  Either string may be NULL.
 */
enum lang	 http_pick_lang(const char *query_lang,
		    const char *accept_language, enum lang dflt);

/*
 * true when authorization is "Bearer TOKEN" (RFC 6750 2.1) with the
 * expected token; compared in time independent of where they differ.
 */
bool		 http_bearer_ok(const char *authorization, const char *token);

/*
 * Whether a Content-Type may carry a raw message: none, message/rfc822,
 * text/plain, application/octet-stream, or curl's default form type
 * (which curl --data-binary sends with the raw bytes).
 */
bool		 http_content_type_ok(const char *content_type);

/* --- counters (http_metrics.c) --- */

/* One judged message: its verdict, what failed, how long it took. */
void		 http_metrics_scan(const struct scan *, double seconds);
/* One answered request, by status code. */
void		 http_metrics_response(unsigned status);
/* A connection cut off for exceeding its time limit. */
void		 http_metrics_timeout(void);
/* The text of GET /metrics (malloc'd, NUL-terminated), or NULL. */
char		*http_metrics_render(size_t *len);

/* --- the page (web_assets.c, generated from src/front/web/) --- */

struct web_asset {
	const char		*path;		/* "/", "/app.js" */
	const char		*type;		/* Content-Type */
	const unsigned char	*data;
	size_t			 len;
};

extern const struct web_asset	web_assets[];
extern const size_t		web_assets_count;

#endif
