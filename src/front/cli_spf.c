/*
 * cli_spf.c - "mailtrust spf": the SPF result (RFC 7208) for one
 * envelope, as text or JSON.  The identity is chosen as in RFC 7208
 * 2.3/2.4: MAIL FROM, or postmaster@HELO for a null sender.
 *
 * Output: the result word; for fail the explanation; with --json one
 * object {"result", "explanation", "identity", "domain", "mechanism",
 * "problem", "lookups", "void_lookups"}.  Exit 0 whatever the result;
 * 64 usage, 70 when the resolver or memory fails.
 *
 * --dns-server IP[@PORT] sends every question to that one server
 * (through libunbound, without DNSSEC).
 *
 * --batch reads envelopes from standard input instead, one per line as
 * "IP<TAB>MAIL FROM<TAB>HELO" (an empty MAIL FROM is the null sender, an
 * empty HELO none), and prints one JSON object per line in the same
 * order.  The zone is loaded once, so a differential test can ask
 * thousands of questions quickly; each line gets its own arena and DNS
 * batch, so nothing from one check leaks into the next.  A line that is
 * too long or malformed prints {"error": ...} and the run goes on.
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
#define SPF_CLI_MAX_LINE	4096

static void
spf_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust spf --ip IP --sender ADDR [--helo NAME] "
	    "[--zone FILE] [--json]\n"
	    "                     [--dns-server IP[@PORT]] [--batch]\n"
	    "  --ip IP         the SMTP client's address\n"
	    "  --sender ADDR   MAIL FROM; \"\" is the null sender (checks "
	    "HELO)\n"
	    "  --helo NAME     the HELO/EHLO name\n"
	    "  --zone FILE     answer DNS from an RFC 1035 master file\n"
	    "  --dns-server A  ask only this DNS server\n"
	    "  --json          one JSON object instead of text\n"
	    "  --batch         envelopes from stdin: IP<TAB>SENDER<TAB>HELO\n");
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

static bool
is_ip(const char *ip)
{
	unsigned char tmp[16];

	return inet_pton(AF_INET, ip, tmp) == 1 ||
	    inet_pton(AF_INET6, ip, tmp) == 1;
}

static int
print_error(const char *what)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "error", json_string(what));
	s = json_dumps(o, 0);
	json_decref(o);
	if (s == NULL)
		return -1;
	printf("%s\n", s);
	free(s);
	return 0;
}

/* One envelope of --batch, in its own arena and DNS batch. */
static int
batch_one(struct dns_resolver *res, char *line)
{
	struct dns_batch *batch = NULL;
	struct arena *a = NULL;
	struct spf_result r;
	char *ip, *sender, *helo;
	int rc = -1;

	ip = line;
	if ((sender = strchr(ip, '\t')) == NULL)
		return print_error("want IP<TAB>SENDER<TAB>HELO");
	*sender++ = '\0';
	if ((helo = strchr(sender, '\t')) == NULL)
		return print_error("want IP<TAB>SENDER<TAB>HELO");
	*helo++ = '\0';
	if (!is_ip(ip))
		return print_error("not an IP address");
	if ((a = arena_new(SPF_CLI_ARENA)) == NULL ||
	    (batch = dns_batch_new(res, a)) == NULL) {
		fprintf(stderr, "mailtrust spf: out of memory\n");
		goto out;
	}
	(void)spf_verify_envelope(batch, a, ip, sender,
	    helo[0] != '\0' ? helo : NULL, &r);
	rc = print_json(&r);
out:
	dns_batch_free(batch);
	arena_free(a);
	return rc;
}

static int
run_batch(struct dns_resolver *res)
{
	char line[SPF_CLI_MAX_LINE];
	size_t len;
	int c;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(stdin)) {
			/* Skip the rest of an overlong line. */
			while ((c = getchar()) != EOF && c != '\n')
				;
			if (print_error("line too long") == -1)
				return -1;
			continue;
		}
		if (batch_one(res, line) == -1)
			return -1;
		fflush(stdout);
	}
	return ferror(stdin) ? -1 : 0;
}

int
cli_spf(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ip",		required_argument,	NULL, 'i' },
		{ "sender",	required_argument,	NULL, 's' },
		{ "helo",	required_argument,	NULL, 'h' },
		{ "zone",	required_argument,	NULL, 'z' },
		{ "dns-server",	required_argument,	NULL, 'S' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "batch",	no_argument,		NULL, 'b' },
		{ "help",	no_argument,		NULL, 'H' },
		{ NULL, 0, NULL, 0 }
	};
	const char *ip = NULL, *sender = NULL, *helo = NULL, *zone = NULL;
	const char *server = NULL;
	struct dns_resolver *res = NULL;
	struct dns_batch *batch = NULL;
	struct arena *a = NULL;
	struct spf_result r;
	int c, json = 0, batch_mode = 0, rc = CLI_EXIT_SOFTWARE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': ip = optarg; break;
		case 's': sender = optarg; break;
		case 'h': helo = optarg; break;
		case 'z': zone = optarg; break;
		case 'S': server = optarg; break;
		case 'j': json = 1; break;
		case 'b': batch_mode = 1; break;
		case 'H':
			spf_usage(stdout);
			return CLI_EXIT_OK;
		default:
			spf_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind == argc && batch_mode && ip == NULL && sender == NULL &&
	    helo == NULL) {
		if ((res = cli_open_resolver_at(zone, server, 0)) == NULL)
			return zone != NULL ? CLI_EXIT_NOINPUT :
			    CLI_EXIT_SOFTWARE;
		rc = run_batch(res) == 0 ? CLI_EXIT_OK : CLI_EXIT_SOFTWARE;
		dns_resolver_free(res);
		return rc;
	}
	if (optind != argc || ip == NULL || (sender == NULL && helo == NULL) ||
	    batch_mode) {
		spf_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!is_ip(ip)) {
		fprintf(stderr, "mailtrust spf: '%s' is not an IP address\n",
		    ip);
		return CLI_EXIT_USAGE;
	}
	if ((res = cli_open_resolver_at(zone, server, 0)) == NULL)
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
