/*
 * cli_arc.c - "mailtrust arc": validate the ARC chain of one message
 * (RFC 8617 5.2) and say what came out and why.
 *
 * Output: "cv=RESULT (reason)" plus one line per ARC set naming its
 * sealer; with --json {"cv": "pass"|"fail"|"none", "reason", "sets",
 * "oldest_pass"}.  Exit 0 when validation ran; 64 usage, 66 unreadable
 * input, 70 resolver or memory failure.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/arc.h"
#include "cli.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "util/arena.h"
#include "util/buf.h"

#define ARC_CLI_INPUT_MAX	(64ul * 1024 * 1024)

static void
arc_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust arc [--zone FILE] [--json] FILE|-\n"
	    "  --zone FILE   answer DNS from an RFC 1035 master file\n"
	    "  --json        one JSON object instead of text\n");
}

static const char *
cv_word(enum auth_result r)
{
	return r == AUTH_PASS ? "pass" : r == AUTH_NONE ? "none" : "fail";
}

static int
print_json(const struct arc_result *r)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "cv", json_string(cv_word(r->cv)));
	json_object_set_new(o, "reason", r->reason != NULL &&
	    r->cv != AUTH_PASS ? json_string(r->reason) : json_null());
	json_object_set_new(o, "sets", json_integer(r->n));
	json_object_set_new(o, "oldest_pass", json_integer(r->oldest_pass));
	s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(o);
	if (s == NULL)
		return -1;
	printf("%s\n", s);
	free(s);
	return 0;
}

static void
print_text(const struct arc_result *r)
{
	unsigned i;

	printf("cv=%s", cv_word(r->cv));
	if (r->cv != AUTH_PASS && r->reason != NULL)
		printf(" (%s)", r->reason);
	printf("\n");
	if (r->cv == AUTH_PASS)
		printf("oldest-pass=%u\n", r->oldest_pass);
	for (i = 1; i <= r->n; i++)
		printf("  i=%u sealed by %s, message signed by %s\n", i,
		    r->sealer[i] ? r->sealer[i] : "?",
		    r->signer[i] ? r->signer[i] : "?");
}

int
cli_arc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dns_resolver *res = NULL;
	struct dns_batch *batch = NULL;
	struct arc_result out;
	struct arena *a = NULL;
	struct message *m;
	const char *zone = NULL;
	struct buf in;
	bool json = false;
	int c, rc = CLI_EXIT_SOFTWARE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "z:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'z':
			zone = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			arc_usage(stdout);
			return CLI_EXIT_OK;
		default:
			arc_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		arc_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_read_input(argv[optind], &in, ARC_CLI_INPUT_MAX) == -1)
		return CLI_EXIT_NOINPUT;
	if ((res = cli_open_resolver(zone)) == NULL) {
		buf_free(&in);
		return zone != NULL ? CLI_EXIT_CONFIG : CLI_EXIT_SOFTWARE;
	}
	if ((a = arena_new(0)) == NULL ||
	    (m = message_parse(a, in.data != NULL ? in.data : "", in.len,
	    NULL)) == NULL ||
	    (batch = dns_batch_new(res, a)) == NULL ||
	    arc_verify(m, batch, a, &out) == -1) {
		fprintf(stderr, "mailtrust arc: out of memory\n");
		goto done;
	}
	if (json) {
		if (print_json(&out) == -1)
			goto done;
	} else
		print_text(&out);
	rc = CLI_EXIT_OK;
done:
	dns_batch_free(batch);
	arena_free(a);
	dns_resolver_free(res);
	buf_free(&in);
	return rc;
}
