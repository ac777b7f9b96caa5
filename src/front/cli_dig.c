/*
 * cli_dig.c - "mailtrust dig": one lookup through mailtrust's resolver,
 * printed the way the checks see it: the typed status (never collapsed
 * into "no record"), the DNSSEC flags, the records in presentation form
 * (RFC 1035 5.1).  With --zone it answers from a master file; otherwise
 * from libunbound, forwarding to --server or recursing itself.  Shell
 * tests use it to exercise both backends.
 *
 * Exit: 0 when the DNS gave an answer (ok, nodata, nxdomain), 2 when it
 * gave none (servfail, timeout, error), 64 usage, 65/66 a bad or missing
 * zone, 70 when the resolver cannot start.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dns/dns.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define DIG_OUT_MAX	(4u * 1024 * 1024)	/* one record's text */
#define DIG_EXIT_NOANSWER	2

static void
dig_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust dig [--zone FILE] [--server IP[@PORT]] "
	    "[--dnssec]\n"
	    "                     [--timeout MS] [--json] NAME [TYPE]\n"
	    "  --zone FILE     answer from an RFC 1035 master file\n"
	    "  --server ADDR   forward to this server (default: recurse)\n"
	    "  --dnssec        validate with the root trust anchor\n"
	    "  --timeout MS    per query (default 5000)\n"
	    "  --json          one JSON object instead of text\n"
	    "TYPE defaults to A; a PTR query may name an address.\n"
	    "Exit 0 for ok, nodata, nxdomain; 2 for servfail, timeout, "
	    "error.\n");
}

static int
print_text(const struct dns_result *res)
{
	const char *owner = res->canon ? res->canon : res->qname;
	struct buf b;
	size_t i;

	printf("status: %s\n", dns_status_name(res->status));
	printf("flags:%s%s%s\n", res->secure ? " secure" : "",
	    res->bogus ? " bogus" : "",
	    !res->secure && !res->bogus ? " none" : "");
	if (res->canon != NULL && strcmp(res->canon, res->qname) != 0)
		printf("canon: %s\n", res->canon);
	if (res->why != NULL)
		printf("why: %s\n", res->why);
	for (i = 0; i < res->n; i++) {
		buf_init(&b, DIG_OUT_MAX);
		if (dns_rr_format(&b, &res->rr[i]) == -1) {
			buf_free(&b);
			fprintf(stderr, "mailtrust: record too long to show\n");
			return -1;
		}
		printf("%s.\t%u\tIN\t%s\t%s\n", owner, res->rr[i].ttl,
		    dns_type_name(res->rr[i].type), b.data ? b.data : "");
		buf_free(&b);
	}
	return 0;
}

static int
print_json(const struct dns_result *res)
{
	json_t *o, *list, *rec;
	struct buf b;
	char *s;
	size_t i;
	int rc = -1;

	o = json_object();
	list = json_array();
	json_object_set_new(o, "qname", json_string(res->qname));
	json_object_set_new(o, "qtype", json_string(dns_type_name(
	    res->qtype)));
	json_object_set_new(o, "status", json_string(dns_status_name(
	    res->status)));
	json_object_set_new(o, "secure", json_boolean(res->secure));
	json_object_set_new(o, "bogus", json_boolean(res->bogus));
	json_object_set_new(o, "canon", res->canon ? json_string(res->canon) :
	    json_null());
	json_object_set_new(o, "why", res->why ? json_string(res->why) :
	    json_null());
	for (i = 0; i < res->n; i++) {
		buf_init(&b, DIG_OUT_MAX);
		if (dns_rr_format(&b, &res->rr[i]) == -1) {
			buf_free(&b);
			goto out;
		}
		rec = json_object();
		json_object_set_new(rec, "type", json_string(dns_type_name(
		    res->rr[i].type)));
		json_object_set_new(rec, "ttl", json_integer(res->rr[i].ttl));
		/* Presentation form is ASCII: escapes cover the rest. */
		json_object_set_new(rec, "data", json_stringn(b.data ? b.data :
		    "", b.len));
		if (res->rr[i].type == DNS_T_TXT ||
		    res->rr[i].type == DNS_T_SPF) {
			json_object_set_new(rec, "strings", json_integer(
			    res->rr[i].u.txt.nstrings));
		}
		json_array_append_new(list, rec);
		buf_free(&b);
	}
	json_object_set_new(o, "records", list);
	list = NULL;
	if ((s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) ==
	    NULL)
		goto out;
	printf("%s\n", s);
	free(s);
	rc = 0;
out:
	json_decref(list);
	json_decref(o);
	return rc;
}

int
cli_dig(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone",	required_argument,	NULL, 'z' },
		{ "server",	required_argument,	NULL, 's' },
		{ "dnssec",	no_argument,		NULL, 'd' },
		{ "timeout",	required_argument,	NULL, 't' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	const char *zone = NULL, *server = NULL, *fwd[2] = { NULL, NULL };
	const char *name;
	const struct dns_result *res;
	struct dns_config cfg = { 0 };
	struct dns_resolver *r = NULL;
	struct dns_batch *b = NULL;
	struct arena *a = NULL;
	char err[512] = "", rev[128];
	long long v;
	bool json = false;
	int c, type = DNS_T_A, rc = CLI_EXIT_SOFTWARE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'z':
			zone = optarg;
			break;
		case 's':
			server = optarg;
			break;
		case 'd':
			cfg.dnssec = true;
			break;
		case 't':
			if ((v = str_to_ll(optarg, strlen(optarg),
			    3600000)) <= 0) {
				fprintf(stderr, "mailtrust dig: bad timeout "
				    "'%s'\n", optarg);
				return CLI_EXIT_USAGE;
			}
			cfg.timeout_ms = (unsigned)v;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			dig_usage(stdout);
			return CLI_EXIT_OK;
		default:
			dig_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind < 1 || argc - optind > 2 ||
	    (zone != NULL && server != NULL)) {
		dig_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	name = argv[optind];
	if (argc - optind == 2 &&
	    (type = dns_type_from_name(argv[optind + 1])) < 0) {
		fprintf(stderr, "mailtrust dig: unknown type '%s'\n",
		    argv[optind + 1]);
		return CLI_EXIT_USAGE;
	}
	if (type == DNS_T_PTR &&
	    dns_reverse_name(name, rev, sizeof(rev)) == 0)
		name = rev;

	if (zone != NULL) {
		if ((r = dns_zone_open(zone, err, sizeof(err))) == NULL) {
			fprintf(stderr, "mailtrust: %s\n", err);
			/* A file we cannot read, or one we cannot parse. */
			return access(zone, R_OK) == -1 ? CLI_EXIT_NOINPUT :
			    CLI_EXIT_DATAERR;
		}
	} else {
		if (server != NULL) {
			fwd[0] = server;
			cfg.forwarders = fwd;
		}
		if ((r = dns_unbound_open(&cfg, err, sizeof(err))) == NULL) {
			fprintf(stderr, "mailtrust: %s\n", err);
			return CLI_EXIT_SOFTWARE;
		}
	}
	if ((a = arena_new(0)) == NULL || (b = dns_batch_new(r, a)) == NULL)
		goto out;
	res = dns_lookup(b, name, (uint16_t)type);
	if ((json ? print_json(res) : print_text(res)) == -1)
		goto out;
	rc = res->status == DNS_OK || res->status == DNS_NODATA ||
	    res->status == DNS_NXDOMAIN ? CLI_EXIT_OK : DIG_EXIT_NOANSWER;
out:
	dns_batch_free(b);
	arena_free(a);
	dns_resolver_free(r);
	return rc;
}
