/*
 * bench_http.c - the benchmark's HTTP client: posts every message once
 * to a server on 127.0.0.1, from N threads, and prints each request's
 * latency.
 *
 *   bench_http --port P --path PATH [--header 'Name: value']...
 *              [--concurrency N] FILE...
 *
 * bench.py drives mailtrust's and rspamd's HTTP APIs through it, one
 * pass over the messages per run.  A client in Python spent more CPU per
 * request than mailtrust's server does, on the same two cores: the
 * server's threads then found a busy core and cold caches at every
 * request, which the server paid for, and a slow server hardly.  Each
 * request is what the Python client sent: a new connection, HTTP/1.1
 * (RFC 9112), Host and Content-Length, the given header fields, the
 * message as the body; the whole response is read (its Content-Length,
 * RFC 9112 6.3) and the client closes the connection.
 *
 * Output: one line per request, "OK MICROSECONDS" or "ERR reason".
 * Exit 0 when every request was sent; a request that failed is a line,
 * not an exit, so bench.py counts and shows it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench_common.h"

#define BENCH_THREADS_MAX	64
#define BENCH_HEAD_MAX		8192	/* bytes of a request's or reply's head */
#define BENCH_REPLY_MAX		(16u * 1024 * 1024)

struct message {
	char	*data;
	size_t	 len;
};

struct result {
	double	 us;		/* < 0: failed, why says how */
	const char *why;
};

static struct {
	unsigned short	 port;
	struct sockaddr_in server;	/* 127.0.0.1, port */
	const char	*path;
	/* The given fields, Host and the blank line: the same every time. */
	char		 fields[BENCH_HEAD_MAX];
	size_t		 fields_len;
	struct message	*msgs;
	struct result	*results;
	size_t		 n;
	atomic_size_t	 next;
} bench;

static int
write_all(int fd, struct iovec *iov, int n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = writev(fd, iov, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* The value of Content-Length in a response head, or -1. */
static long
content_length(const char *head)
{
	const char *p = head;

	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			return strtol(p + 15, NULL, 10);
	}
	return -1;
}

/*
 * Reads one response; its status, or 0 with *why set.  The body is read
 * to its end and dropped.
 */
static int
read_reply(int fd, const char **why)
{
	char buf[BENCH_HEAD_MAX + 1], *end;
	size_t have = 0, body;
	long want;
	ssize_t r;
	int status;

	for (;;) {
		if (have == BENCH_HEAD_MAX) {
			*why = "reply head too long";
			return 0;
		}
		if ((r = read(fd, buf + have, BENCH_HEAD_MAX - have)) <= 0) {
			*why = r == 0 ? "connection closed early" :
			    "read failed";
			return 0;
		}
		have += (size_t)r;
		buf[have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
	}
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
		*why = "not an HTTP reply";
		return 0;
	}
	*end = '\0';
	if ((want = content_length(buf)) < 0 ||
	    (unsigned long)want > BENCH_REPLY_MAX) {
		*why = "reply without a usable Content-Length";
		return 0;
	}
	body = have - (size_t)(end + 4 - buf);
	while (body < (size_t)want) {
		if ((r = read(fd, buf, BENCH_HEAD_MAX)) <= 0) {
			*why = "reply body cut short";
			return 0;
		}
		body += (size_t)r;
	}
	return status;
}

static void
one_request(const struct message *m, struct result *res)
{
	struct iovec iov[3];
	char line[BENCH_HEAD_MAX];
	size_t ll;
	double t0 = bench_now_us();
	int fd, status;

	ll = (size_t)snprintf(line, sizeof(line), "POST %s HTTP/1.1\r\n"
	    "Content-Length: %zu\r\n", bench.path, m->len);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		res->us = -1;
		res->why = "socket failed";
		return;
	}
	iov[0].iov_base = line;
	iov[0].iov_len = ll;
	iov[1].iov_base = bench.fields;
	iov[1].iov_len = bench.fields_len;
	iov[2].iov_base = m->data;
	iov[2].iov_len = m->len;
	res->why = NULL;
	if (connect(fd, (const struct sockaddr *)&bench.server,
	    sizeof(bench.server)) == -1)
		res->why = "connect failed";
	else if (write_all(fd, iov, 3) == -1)
		res->why = "write failed";
	else if ((status = read_reply(fd, &res->why)) != 0 && status != 200)
		res->why = "status not 200";
	close(fd);
	res->us = res->why == NULL ? bench_now_us() - t0 : -1;
}

static void *
worker(void *arg)
{
	size_t i;

	(void)arg;
	while ((i = atomic_fetch_add(&bench.next, 1)) < bench.n)
		one_request(&bench.msgs[i], &bench.results[i]);
	return NULL;
}

/* Appends the line s and its CRLF to the fixed fields; -1 when full. */
static int
fields_add(const char *s)
{
	size_t n = strlen(s);

	if (bench.fields_len + n + 2 > sizeof(bench.fields))
		return -1;
	memcpy(bench.fields + bench.fields_len, s, n);
	memcpy(bench.fields + bench.fields_len + n, "\r\n", 2);
	bench.fields_len += n + 2;
	return 0;
}

/*
 * Ends the request head after its first line and Content-Length, made
 * once: the given fields are in, as the options were read; then Host
 * (its place among the fields means nothing, RFC 9110 5.3) and the
 * empty line that ends the head (RFC 9112 2.1).  -1 when full.
 */
static int
fields_end(void)
{
	char host[32];

	snprintf(host, sizeof(host), "Host: 127.0.0.1:%u", bench.port);
	if (fields_add(host) == -1)
		return -1;
	return fields_add("");
}

static void
fields_too_long(void)
{
	fprintf(stderr, "bench_http: header fields too long\n");
	exit(1);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_http --port P --path PATH "
	    "[--header 'Name: value']... [--concurrency N] FILE...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "path", required_argument, NULL, 'u' },
		{ "header", required_argument, NULL, 'H' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	pthread_t th[BENCH_THREADS_MAX];
	unsigned long conc = 1, port = 0;
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			port = strtoul(optarg, NULL, 10);
			break;
		case 'u':
			bench.path = optarg;
			break;
		case 'H':
			if (fields_add(optarg) == -1)
				fields_too_long();
			break;
		case 'c':
			conc = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	/* The first line and Content-Length must fit one_request()'s. */
	if (port == 0 || port > 65535 || bench.path == NULL ||
	    strlen(bench.path) > BENCH_HEAD_MAX / 2 || conc == 0 ||
	    conc > BENCH_THREADS_MAX || optind == argc)
		usage();
	bench.port = (unsigned short)port;
	bench.server.sin_family = AF_INET;
	bench.server.sin_port = htons(bench.port);
	bench.server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fields_end() == -1)
		fields_too_long();
	bench.n = (size_t)(argc - optind);
	if ((bench.msgs = calloc(bench.n, sizeof(*bench.msgs))) == NULL ||
	    (bench.results = calloc(bench.n, sizeof(*bench.results))) ==
	    NULL) {
		fprintf(stderr, "bench_http: out of memory\n");
		return 1;
	}
	for (i = 0; i < bench.n; i++)
		if ((bench.msgs[i].data = bench_read_file(argv[optind + i],
		    &bench.msgs[i].len)) == NULL) {
			fprintf(stderr, "bench_http: %s: %s\n",
			    argv[optind + i], strerror(errno));
			return 1;
		}
	for (i = 0; i < conc; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "bench_http: cannot start a thread\n");
			return 1;
		}
	for (i = 0; i < conc; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < bench.n; i++) {
		if (bench.results[i].us >= 0)
			printf("OK %.1f\n", bench.results[i].us);
		else
			printf("ERR %s\n", bench.results[i].why);
		free(bench.msgs[i].data);
	}
	free(bench.msgs);
	free(bench.results);
	return 0;
}
