/*
 * cli_dkim.c - "mailtrust dkim": verify every DKIM signature of one
 * message (RFC 6376) and say, per signature, top to bottom, what came
 * out and why.
 *
 * Output: one line per signature, "RESULT d=... s=... a=... (reason)";
 * with --json {"signatures": [{"domain", "selector", "algorithm",
 * "result", "reason"}, ...]}, an empty list for an unsigned message.
 * Several files may be given: they share one resolver, each prints its
 * own object (one line) or, in text mode, its name and then its lines,
 * so a test can check thousands of messages without a process each.
 * Exit 0 when verification ran, whatever the results; 64 usage, 66
 * unreadable input, 70 resolver or memory failure.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/dkim.h"
#include "cli.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define DKIM_CLI_INPUT_MAX	(64ul * 1024 * 1024)

static void
dkim_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust dkim [--zone FILE] [--json] [--time T] "
	    "FILE|-...\n"
	    "  --zone FILE   answer DNS from an RFC 1035 master file\n"
	    "  --json        one JSON object instead of text\n"
	    "  --time T      the clock for x= (Unix seconds; default now)\n");
}

/* JSON wants UTF-8; bytes that are not become '?'. */
static json_t *
dkim_jstr(const char *s)
{
	json_t *j;
	char *copy;
	size_t i, n;

	if (s == NULL)
		return json_null();
	n = strlen(s);
	if ((j = json_stringn(s, n)) != NULL)
		return j;
	if ((copy = malloc(n + 1)) == NULL)
		return json_null();
	for (i = 0; i < n; i++)
		copy[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
	copy[n] = '\0';
	j = json_stringn(copy, n);
	free(copy);
	return j != NULL ? j : json_null();
}

static int
print_json(const struct dkim_results *r)
{
	json_t *o = json_object(), *a = json_array(), *e;
	size_t i;
	char *s;

	for (i = 0; i < r->n; i++) {
		e = json_object();
		json_object_set_new(e, "domain", dkim_jstr(r->v[i].domain));
		json_object_set_new(e, "selector",
		    dkim_jstr(r->v[i].selector));
		json_object_set_new(e, "algorithm",
		    dkim_jstr(r->v[i].algorithm));
		json_object_set_new(e, "result", json_string(
		    auth_result_name(r->v[i].result)));
		json_object_set_new(e, "reason", dkim_jstr(r->v[i].reason));
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "signatures", a);
	s = json_dumps(o, JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return -1;
	printf("%s\n", s);
	free(s);
	return 0;
}

static void
print_text(const struct dkim_results *r)
{
	const struct dkim_sig *s;
	size_t i;

	if (r->n == 0) {
		printf("none: the message has no DKIM signature\n");
		return;
	}
	for (i = 0; i < r->n; i++) {
		s = &r->v[i];
		printf("%s d=%s s=%s a=%s", auth_result_name(s->result),
		    s->domain ? s->domain : "?",
		    s->selector ? s->selector : "?",
		    s->algorithm ? s->algorithm : "?");
		if (s->reason != NULL)
			printf(" (%s)", s->reason);
		printf("\n");
	}
}

/* Verifies one input and prints its results: a CLI_EXIT_ status. */
static int
dkim_one(const char *path, struct dns_resolver *res, time_t now, bool json,
    bool named)
{
	struct dkim_results out;
	struct dns_batch *batch = NULL;
	struct arena *a = NULL;
	struct message *m;
	struct buf in;
	int rc = CLI_EXIT_SOFTWARE;

	if (cli_read_input(path, &in, DKIM_CLI_INPUT_MAX) == -1)
		return CLI_EXIT_NOINPUT;
	if ((a = arena_new(0)) == NULL ||
	    (m = message_parse(a, in.data != NULL ? in.data : "", in.len,
	    NULL)) == NULL ||
	    (batch = dns_batch_new(res, a)) == NULL ||
	    dkim_verify(m, batch, a, now, &out) == -1) {
		fprintf(stderr, "mailtrust dkim: out of memory\n");
		goto done;
	}
	if (json) {
		if (print_json(&out) == -1)
			goto done;
	} else {
		if (named)
			printf("%s:\n", path);
		print_text(&out);
	}
	rc = CLI_EXIT_OK;
done:
	dns_batch_free(batch);
	arena_free(a);
	buf_free(&in);
	return rc;
}

int
cli_dkim(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "json", no_argument, NULL, 'j' },
		{ "time", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dns_resolver *res = NULL;
	const char *zone = NULL;
	long long now = 0;
	bool json = false;
	int c, i, one, rc = CLI_EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "z:jt:h", opts, NULL)) != -1) {
		switch (c) {
		case 'z':
			zone = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 't':
			if ((now = str_to_ll(optarg, strlen(optarg),
			    (1LL << 40))) < 0) {
				fprintf(stderr, "mailtrust dkim: bad --time\n");
				return CLI_EXIT_USAGE;
			}
			break;
		case 'h':
			dkim_usage(stdout);
			return CLI_EXIT_OK;
		default:
			dkim_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		dkim_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if ((res = cli_open_resolver(zone)) == NULL)
		return zone != NULL ? CLI_EXIT_CONFIG : CLI_EXIT_SOFTWARE;
	/* Every file is tried; the exit status is the first failure's. */
	for (i = optind; i < argc; i++) {
		one = dkim_one(argv[i], res, now != 0 ? (time_t)now :
		    time(NULL), json, argc - optind > 1);
		if (one != CLI_EXIT_OK && rc == CLI_EXIT_OK)
			rc = one;
	}
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "mailtrust dkim: write error\n");
		rc = CLI_EXIT_SOFTWARE;
	}
	dns_resolver_free(res);
	return rc;
}
