/*
 * cli_spf.c - "mailtrust spf": the SPF result (RFC 7208) for one
 * envelope, as text or JSON.  The identity is chosen as in RFC 7208
 * 2.3/2.4: MAIL FROM, or postmaster@HELO for a null sender.
 *
 * Output: the result word; for fail the explanation; with --json one
 * object {"result", "explanation", "identity", "domain", "mechanism",
 * "problem", "lookups", "void_lookups"}.  Exit 0 whatever the result;
 * 64 usage, 70 when the resolver or memory fails.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/spf.h"
#include "cli.h"
#include "dns/dns.h"
#include "util/arena.h"

#define SPF_CLI_ARENA	(16u * 1024 * 1024)

static void
spf_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust spf --ip IP --sender ADDR [--helo NAME] "
	    "[--zone FILE] [--json]\n"
	    "  --ip IP         the SMTP client's address\n"
	    "  --sender ADDR   MAIL FROM; \"\" is the null sender (checks "
	    "HELO)\n"
	    "  --helo NAME     the HELO/EHLO name\n"
	    "  --zone FILE     answer DNS from an RFC 1035 master file\n"
	    "  --json          one JSON object instead of text\n");
}

/* JSON wants UTF-8; bytes that are not become '?'. */
static json_t *
jstr(const char *s)
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
print_json(const struct spf_result *r)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "result", json_string(
	    auth_result_name(r->result)));
	json_object_set_new(o, "explanation", jstr(r->explanation));
	json_object_set_new(o, "identity", jstr(r->identity));
	json_object_set_new(o, "domain", jstr(r->domain));
	json_object_set_new(o, "mechanism", jstr(r->mechanism));
	json_object_set_new(o, "problem", jstr(r->problem));
	json_object_set_new(o, "lookups", json_integer(r->lookups));
	json_object_set_new(o, "void_lookups", json_integer(r->void_lookups));
	s = json_dumps(o, JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return -1;
	printf("%s\n", s);
	free(s);
	return 0;
}

int
cli_spf(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ip",		required_argument,	NULL, 'i' },
		{ "sender",	required_argument,	NULL, 's' },
		{ "helo",	required_argument,	NULL, 'h' },
		{ "zone",	required_argument,	NULL, 'z' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'H' },
		{ NULL, 0, NULL, 0 }
	};
	const char *ip = NULL, *sender = NULL, *helo = NULL, *zone = NULL;
	struct dns_resolver *res = NULL;
	struct dns_batch *batch = NULL;
	struct arena *a = NULL;
	struct spf_result r;
	unsigned char tmp[16];
	int c, json = 0, rc = CLI_EXIT_SOFTWARE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': ip = optarg; break;
		case 's': sender = optarg; break;
		case 'h': helo = optarg; break;
		case 'z': zone = optarg; break;
		case 'j': json = 1; break;
		case 'H':
			spf_usage(stdout);
			return CLI_EXIT_OK;
		default:
			spf_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc || ip == NULL || (sender == NULL && helo == NULL)) {
		spf_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (inet_pton(AF_INET, ip, tmp) != 1 &&
	    inet_pton(AF_INET6, ip, tmp) != 1) {
		fprintf(stderr, "mailtrust spf: '%s' is not an IP address\n",
		    ip);
		return CLI_EXIT_USAGE;
	}
	if ((res = cli_open_resolver(zone)) == NULL)
		return zone != NULL ? CLI_EXIT_NOINPUT : CLI_EXIT_SOFTWARE;
	if ((a = arena_new(SPF_CLI_ARENA)) == NULL ||
	    (batch = dns_batch_new(res, a)) == NULL) {
		fprintf(stderr, "mailtrust spf: out of memory\n");
		goto out;
	}
	(void)spf_verify_envelope(batch, a, ip, sender, helo, &r);
	if (json) {
		if (print_json(&r) == -1)
			goto out;
	} else {
		printf("%s\n", auth_result_name(r.result));
		if (r.result == AUTH_FAIL && r.explanation != NULL)
			printf("explanation: %s\n", r.explanation);
		if (r.problem != NULL && r.result != AUTH_PASS)
			printf("problem: %s\n", r.problem);
	}
	rc = CLI_EXIT_OK;
out:
	dns_batch_free(batch);
	arena_free(a);
	dns_resolver_free(res);
	return rc;
}
