/*
 * clamd.c - clamd's socket protocol (clamd(8), "COMMANDS"): zIDSESSION,
 * zINSTREAM, zEND, with a pool of idle session connections.
 *
 * Why sessions: without one clamd closes the connection after each
 * command, and a connect per message is the slowest part of a scan.
 * In a session every reply is prefixed "<id>: ", id counting commands
 * from 1, which lets us check that a reply belongs to our request.
 * clamd ends idle sessions itself (IdleTimeout), so a pooled connection
 * may be dead: a failure on a reused connection is retried once on a
 * new one; a failure on a new connection is the answer.
 *
 * zINSTREAM (the 'z' asks for NUL-terminated replies) sends the data as
 * chunks of <4-byte big-endian length><bytes>, ended by a zero length;
 * the reply is "stream: OK", "stream: NAME FOUND" or "... ERROR".
 *
 * Time: one deadline per scan, timeout_ms after it starts, bounds the
 * connect, every send and the reply (poll(2) before each step), so a
 * clamd that accepts but never answers costs at most timeout_ms.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "detect/clamd.h"

#define CHUNK_MAX	(64u * 1024)	/* bytes per INSTREAM chunk */
#define REPLY_MAX	1024
#define SHARED_MAX	4		/* distinct addresses kept */
#define REASON_WAIT_MS	200		/* for a reply after a failed send */

struct conn {
	int		fd;
	unsigned	next_id;	/* id clamd gives the next command */
};

struct clamd {
	char			*spec;
	unsigned		 timeout_ms;
	struct sockaddr_storage	 addr;
	socklen_t		 addr_len;
	pthread_mutex_t		 lock;		/* guards idle[] */
	struct conn		 idle[CLAMD_POOL_MAX];
	unsigned		 n_idle;
};

static void say(char *, size_t, const char *, const char *)
    __attribute__((format(printf, 3, 0)));

static void
say(char *err, size_t len, const char *fmt, const char *arg)
{
	if (err != NULL && len > 0)
		snprintf(err, len, fmt, arg);
}

/* "unix:PATH", "/PATH" or "inet:PORT@HOST" into c->addr. */
static bool
parse_spec(struct clamd *c, const char *spec, char *err, size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_un *sun = (struct sockaddr_un *)&c->addr;
	const char *path = NULL, *at;
	char port[16], host[256];
	size_t plen;

	if (strncmp(spec, "unix:", 5) == 0)
		path = spec + 5;
	else if (spec[0] == '/')
		path = spec;
	if (path != NULL) {
		if ((plen = strlen(path)) == 0 || plen >= sizeof(sun->sun_path)) {
			say(err, errlen, "bad clamd socket path \"%s\"", spec);
			return false;
		}
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, path, plen + 1);
		c->addr_len = sizeof(*sun);
		return true;
	}
	if (strncmp(spec, "inet:", 5) != 0 || (at = strchr(spec, '@')) ==
	    NULL || at - (spec + 5) <= 0 || (size_t)(at - (spec + 5)) >=
	    sizeof(port) || strlen(at + 1) == 0 ||
	    strlen(at + 1) >= sizeof(host)) {
		say(err, errlen, "clamd address \"%s\" is neither "
		    "unix:PATH nor inet:PORT@HOST", spec);
		return false;
	}
	memcpy(port, spec + 5, (size_t)(at - (spec + 5)));
	port[at - (spec + 5)] = '\0';
	snprintf(host, sizeof(host), "%s", at + 1);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || ai == NULL ||
	    ai->ai_addrlen > sizeof(c->addr)) {
		if (ai != NULL)
			freeaddrinfo(ai);
		say(err, errlen, "cannot resolve clamd address \"%s\"", spec);
		return false;
	}
	memcpy(&c->addr, ai->ai_addr, ai->ai_addrlen);
	c->addr_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return true;
}

struct clamd *
clamd_new(const char *spec, unsigned timeout_ms, char *err, size_t errlen)
{
	struct clamd *c;

	if (spec == NULL || (c = calloc(1, sizeof(*c))) == NULL) {
		say(err, errlen, "%s", spec == NULL ? "no clamd address" :
		    "out of memory");
		return NULL;
	}
	if (!parse_spec(c, spec, err, errlen) ||
	    (c->spec = strdup(spec)) == NULL) {
		free(c);
		return NULL;
	}
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

static void
conn_close(struct conn *k, bool polite)
{
	if (k->fd < 0)
		return;
	/* zEND ends the session; clamd would time it out anyway. */
	if (polite)
		(void)send(k->fd, "zEND", 5, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(k->fd);
	k->fd = -1;
}

void
clamd_free(struct clamd *c)
{
	unsigned i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_idle; i++)
		conn_close(&c->idle[i], true);
	pthread_mutex_destroy(&c->lock);
	free(c->spec);
	free(c);
}

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct clamd *shared[SHARED_MAX];

struct clamd *
clamd_shared(const char *spec, unsigned timeout_ms, char *err, size_t errlen)
{
	struct clamd *c = NULL;
	unsigned i;

	if (spec == NULL) {
		say(err, errlen, "%s", "no clamd address");
		return NULL;
	}
	pthread_mutex_lock(&shared_lock);
	for (i = 0; i < SHARED_MAX && shared[i] != NULL; i++)
		if (strcmp(shared[i]->spec, spec) == 0 &&
		    shared[i]->timeout_ms == timeout_ms) {
			c = shared[i];
			break;
		}
	/* Clients are never freed: another thread may be using one. */
	if (c == NULL && i == SHARED_MAX)
		say(err, errlen, "more than %s clamd addresses in one process",
		    "4");
	else if (c == NULL && (c = clamd_new(spec, timeout_ms, err,
	    errlen)) != NULL)
		shared[i] = c;
	pthread_mutex_unlock(&shared_lock);
	return c;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until the deadline; false on timeout/error. */
static bool
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left;
	int r;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			return false;
		r = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (r > 0)
			return (p.revents & (events | POLLHUP)) != 0;
		if (r == 0 || errno != EINTR)
			return false;
	}
}

static const char *
conn_open(struct clamd *c, struct conn *k, long long deadline)
{
	int err = 0;
	socklen_t elen = sizeof(err);

	k->next_id = 1;
	if ((k->fd = socket(c->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		return "cannot make a socket";
	if (connect(k->fd, (struct sockaddr *)&c->addr, c->addr_len) < 0) {
		if (errno != EINPROGRESS && errno != EAGAIN) {
			conn_close(k, false);
			return "connection refused";
		}
		if (!wait_fd(k->fd, POLLOUT, deadline) ||
		    getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 ||
		    err != 0) {
			conn_close(k, false);
			return err != 0 ? "connection refused" :
			    "connect timed out";
		}
	}
	if (!wait_fd(k->fd, POLLOUT, deadline) ||
	    send(k->fd, "zIDSESSION", 11, MSG_NOSIGNAL) != 11) {
		conn_close(k, false);
		return "cannot start a session";
	}
	return NULL;
}

static bool
send_all(int fd, const void *data, size_t len, long long deadline)
{
	const unsigned char *p = data;
	ssize_t n;

	while (len > 0) {
		if (!wait_fd(fd, POLLOUT, deadline))
			return false;
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* The INSTREAM command, its chunks and the closing zero length. */
static bool
send_stream(int fd, const unsigned char *d, size_t len, long long deadline)
{
	unsigned char hdr[4];
	size_t n;

	if (!send_all(fd, "zINSTREAM", 10, deadline))
		return false;
	for (;;) {
		n = len > CHUNK_MAX ? CHUNK_MAX : len;
		hdr[0] = (unsigned char)(n >> 24);
		hdr[1] = (unsigned char)(n >> 16);
		hdr[2] = (unsigned char)(n >> 8);
		hdr[3] = (unsigned char)n;
		if (!send_all(fd, hdr, 4, deadline))
			return false;
		if (n == 0)
			return true;
		if (!send_all(fd, d, n, deadline))
			return false;
		d += n;
		len -= n;
	}
}

/* One NUL-terminated reply; false on timeout, close or overlong. */
static bool
recv_reply(int fd, char *out, size_t cap, long long deadline)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap - 1) {
		if (!wait_fd(fd, POLLIN, deadline))
			return false;
		n = recv(fd, out + got, cap - 1 - got, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return false;
		got += (size_t)n;
		if (memchr(out, '\0', got) != NULL)
			return true;
	}
	return false;
}

/* "<id>: stream: NAME FOUND" and friends into res. */
static void
parse_reply(const char *r, unsigned id, struct clamd_result *res)
{
	char want[32];
	size_t n, wl;

	wl = (size_t)snprintf(want, sizeof(want), "%u: ", id);
	if (strncmp(r, want, wl) != 0) {
		res->status = CLAMD_ERROR;
		snprintf(res->text, sizeof(res->text), "unexpected reply "
		    "\"%.80s\"", r);
		return;
	}
	r += wl;
	if (strncmp(r, "stream: ", 8) == 0)
		r += 8;
	n = strlen(r);
	if (strcmp(r, "OK") == 0) {
		res->status = CLAMD_CLEAN;
		res->text[0] = '\0';
	} else if (n > 6 && strcmp(r + n - 6, " FOUND") == 0) {
		res->status = CLAMD_FOUND;
		snprintf(res->text, sizeof(res->text), "%.*s", (int)(n - 6), r);
	} else {
		res->status = CLAMD_ERROR;
		snprintf(res->text, sizeof(res->text), "clamd: %.120s", r);
	}
}

static bool
take_idle(struct clamd *c, struct conn *k)
{
	bool have = false;

	pthread_mutex_lock(&c->lock);
	if (c->n_idle > 0) {
		*k = c->idle[--c->n_idle];
		have = true;
	}
	pthread_mutex_unlock(&c->lock);
	return have;
}

static void
give_back(struct clamd *c, struct conn *k)
{
	pthread_mutex_lock(&c->lock);
	if (c->n_idle < CLAMD_POOL_MAX) {
		c->idle[c->n_idle++] = *k;
		k->fd = -1;
	}
	pthread_mutex_unlock(&c->lock);
	conn_close(k, true);
}

/* One attempt on k; false when the connection failed (not clamd's
 * verdict), with the reason in res. */
static bool
scan_on(struct conn *k, const unsigned char *d, size_t len,
    long long deadline, struct clamd_result *res)
{
	char reply[REPLY_MAX];
	unsigned id = k->next_id++;

	res->status = CLAMD_ERROR;
	if (!send_stream(k->fd, d, len, deadline)) {
		/* clamd stops reading when a stream is over its limit; its
		 * reason may be waiting. */
		if (now_ms() < deadline && recv_reply(k->fd, reply,
		    sizeof(reply), now_ms() + REASON_WAIT_MS)) {
			parse_reply(reply, id, res);
			return true;
		}
		snprintf(res->text, sizeof(res->text), "%s", now_ms() >=
		    deadline ? "clamd timed out" : "clamd closed the "
		    "connection");
		return false;
	}
	if (!recv_reply(k->fd, reply, sizeof(reply), deadline)) {
		snprintf(res->text, sizeof(res->text), "%s", now_ms() >=
		    deadline ? "clamd timed out" : "clamd closed the "
		    "connection");
		return false;
	}
	parse_reply(reply, id, res);
	return true;
}

void
clamd_scan(struct clamd *c, const void *data, size_t len,
    struct clamd_result *res)
{
	long long deadline = now_ms() + c->timeout_ms;
	struct conn k = { .fd = -1 };
	const char *why;
	bool reused;

	if (len > CLAMD_STREAM_MAX)
		len = CLAMD_STREAM_MAX;
	reused = take_idle(c, &k);
	if (!reused && (why = conn_open(c, &k, deadline)) != NULL) {
		res->status = CLAMD_ERROR;
		snprintf(res->text, sizeof(res->text), "%s", why);
		return;
	}
	if (!scan_on(&k, data, len, deadline, res)) {
		conn_close(&k, false);
		if (!reused || now_ms() >= deadline)
			return;
		/* An idle session clamd has ended: once more, afresh. */
		if ((why = conn_open(c, &k, deadline)) != NULL) {
			snprintf(res->text, sizeof(res->text), "%s", why);
			return;
		}
		if (!scan_on(&k, data, len, deadline, res)) {
			conn_close(&k, false);
			return;
		}
	}
	/* After an ERROR clamd may end the session: do not keep it. */
	if (res->status == CLAMD_ERROR)
		conn_close(&k, true);
	else
		give_back(c, &k);
}
