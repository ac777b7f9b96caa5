/*
 * cli_dmarc.c - "mailtrust dmarc FILE|-": the DMARC result (RFC 9989)
 * of a message: result, the policy that applies, the disposition, the
 * Organizational Domain, alignment.
 *
 * SPF runs when --ip is given (MAIL FROM from --mail-from, else the
 * message's Return-Path; HELO from --helo), DKIM when its module is
 * linked in.  For tests and for "what if" questions, --spf RESULT:DOMAIN
 * and --dkim RESULT:DOMAIN[:SELECTOR] (repeatable) give those results
 * instead of computing them.  --psl uses RFC 7489's Public Suffix List
 * method instead of the Tree Walk.  --dns-server IP[@PORT] sends every
 * question to that one server (through libunbound, without DNSSEC).
 *
 * Exit 0 whatever the result; 64 usage, 66 unreadable input, 70 when the
 * resolver or memory fails.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/spf.h"
#include "cli.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "util/arena.h"
#include "util/buf.h"

#define DMARC_CLI_INPUT	(64ul * 1024 * 1024)

static void
dmarc_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust dmarc [--zone FILE] [--ip IP] [--mail-from ADDR]"
	    " [--helo NAME]\n"
	    "                       [--spf RES:DOMAIN] "
	    "[--dkim RES:DOMAIN[:SEL]] [--psl]\n"
	    "                       [--dns-server IP[@PORT]] [--json] FILE|-\n"
	    "  --ip, --mail-from, --helo  the envelope, for SPF\n"
	    "  --spf, --dkim     take these results instead of computing them\n"
	    "  --psl             Organizational Domain from the Public Suffix "
	    "List (RFC 7489)\n"
	    "  --dns-server ADDR ask only this DNS server\n");
}

static int
result_word(const char *s, size_t n, enum auth_result *out)
{
	static const enum auth_result all[] = {
		AUTH_NONE, AUTH_PASS, AUTH_FAIL, AUTH_SOFTFAIL, AUTH_NEUTRAL,
		AUTH_TEMPERROR, AUTH_PERMERROR, AUTH_POLICY,
	};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strlen(auth_result_name(all[i])) == n &&
		    strncmp(auth_result_name(all[i]), s, n) == 0) {
			*out = all[i];
			return 0;
		}
	return -1;
}

/* "pass:example.com[:sel]" into its parts; -1 on a bad word. */
static int
split_given(struct arena *a, const char *arg, enum auth_result *res,
    const char **domain, const char **sel)
{
	const char *c1 = strchr(arg, ':'), *c2;

	if (c1 == NULL || result_word(arg, (size_t)(c1 - arg), res) == -1)
		return -1;
	c2 = strchr(c1 + 1, ':');
	*domain = arena_strndup(a, c1 + 1, c2 ? (size_t)(c2 - c1 - 1) :
	    strlen(c1 + 1));
	*sel = c2 ? c2 + 1 : NULL;
	return *domain != NULL ? 0 : -1;
}

static json_t *
jstr(const char *s)
{
	json_t *j;

	return s == NULL || (j = json_string(s)) == NULL ? json_null() : j;
}

static void
print_json(const struct dmarc_result *d)
{
	json_t *o = json_object(), *sigs = json_array(), *x;
	char *s;
	size_t i;

	json_object_set_new(o, "result", json_string(
	    auth_result_name(d->result)));
	json_object_set_new(o, "policy", d->policy_domain ?
	    json_string(dmarc_policy_name(d->policy)) : json_null());
	json_object_set_new(o, "policy_tag", jstr(d->policy_tag));
	json_object_set_new(o, "disposition", json_string(
	    dmarc_policy_name(d->disposition)));
	json_object_set_new(o, "testing", json_boolean(d->testing));
	json_object_set_new(o, "from_domain", jstr(d->from_domain));
	json_object_set_new(o, "policy_domain", jstr(d->policy_domain));
	json_object_set_new(o, "org_domain", jstr(d->org_domain));
	json_object_set_new(o, "nonexistent", json_boolean(d->nonexistent));
	json_object_set_new(o, "spf_aligned", json_boolean(d->spf_aligned));
	json_object_set_new(o, "dkim_aligned", json_boolean(d->dkim_aligned));
	json_object_set_new(o, "dkim_domain", jstr(d->dkim_domain));
	json_object_set_new(o, "problem", jstr(d->problem));
	json_object_set_new(o, "source_ip", jstr(d->row.source_ip));
	json_object_set_new(o, "envelope_from", jstr(d->row.envelope_from));
	json_object_set_new(o, "spf", json_string(auth_result_name(
	    d->row.spf)));
	json_object_set_new(o, "spf_domain", jstr(d->row.spf_domain));
	for (i = 0; i < d->row.n_dkim; i++) {
		x = json_object();
		json_object_set_new(x, "domain", jstr(d->row.dkim[i].domain));
		json_object_set_new(x, "selector",
		    jstr(d->row.dkim[i].selector));
		json_object_set_new(x, "result", json_string(
		    auth_result_name(d->row.dkim[i].result)));
		json_array_append_new(sigs, x);
	}
	json_object_set_new(o, "dkim", sigs);
	if ((s = json_dumps(o, JSON_PRESERVE_ORDER)) != NULL)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

static void
print_text(const struct dmarc_result *d)
{
	printf("result: %s\n", auth_result_name(d->result));
	if (d->policy_domain != NULL)
		printf("policy: %s (%s= of %s%s)\n",
		    dmarc_policy_name(d->policy), d->policy_tag,
		    d->policy_domain, d->testing ? ", testing" : "");
	printf("disposition: %s\n", dmarc_policy_name(d->disposition));
	printf("from domain: %s\n", d->from_domain ? d->from_domain : "-");
	printf("org domain: %s\n", d->org_domain ? d->org_domain : "-");
	printf("aligned: spf %s, dkim %s\n", d->spf_aligned ? "yes" : "no",
	    d->dkim_aligned ? "yes" : "no");
	if (d->problem != NULL && d->result != AUTH_PASS)
		printf("problem: %s\n", d->problem);
}

int
cli_dmarc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone",	required_argument,	NULL, 'z' },
		{ "dns-server",	required_argument,	NULL, 'S' },
		{ "ip",		required_argument,	NULL, 'i' },
		{ "mail-from",	required_argument,	NULL, 'm' },
		{ "helo",	required_argument,	NULL, 'e' },
		{ "spf",	required_argument,	NULL, 's' },
		{ "dkim",	required_argument,	NULL, 'd' },
		{ "psl",	no_argument,		NULL, 'p' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *zone = NULL, *ip = NULL, *mf = NULL, *helo = NULL;
	const char *server = NULL;
	const char *given_spf = NULL, *given_dkim[DMARC_MAX_DKIM];
	struct dkim_sig sigs[DMARC_MAX_DKIM];
	struct dns_resolver *res = NULL;
	struct dns_batch *batch = NULL;
	struct dkim_results dk, *dkp = NULL;
	struct spf_result spf, *spfp = NULL;
	struct dmarc_result d;
	struct message *msg;
	struct arena *a = NULL;
	struct buf in;
	enum dmarc_org_method method = DMARC_ORG_TREEWALK;
	const char *dom, *sel;
	size_t n_given = 0, i;
	int c, json = 0, rc = CLI_EXIT_SOFTWARE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'z': zone = optarg; break;
		case 'S': server = optarg; break;
		case 'i': ip = optarg; break;
		case 'm': mf = optarg; break;
		case 'e': helo = optarg; break;
		case 's': given_spf = optarg; break;
		case 'd':
			if (n_given == DMARC_MAX_DKIM) {
				fprintf(stderr, "mailtrust dmarc: too many "
				    "--dkim\n");
				return CLI_EXIT_USAGE;
			}
			given_dkim[n_given++] = optarg;
			break;
		case 'p': method = DMARC_ORG_PSL; break;
		case 'j': json = 1; break;
		case 'h':
			dmarc_usage(stdout);
			return CLI_EXIT_OK;
		default:
			dmarc_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		dmarc_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_read_input(argv[optind], &in, DMARC_CLI_INPUT) == -1)
		return CLI_EXIT_NOINPUT;
	if ((res = cli_open_resolver_at(zone, server, 0)) == NULL) {
		buf_free(&in);
		return zone != NULL ? CLI_EXIT_NOINPUT : CLI_EXIT_SOFTWARE;
	}
	if ((a = arena_new(ARENA_DEFAULT_LIMIT)) == NULL ||
	    (batch = dns_batch_new(res, a)) == NULL ||
	    (msg = message_parse(a, in.data, in.len, NULL)) == NULL) {
		fprintf(stderr, "mailtrust dmarc: out of memory\n");
		goto out;
	}

	if (given_spf != NULL) {
		memset(&spf, 0, sizeof(spf));
		if (split_given(a, given_spf, &spf.result, &spf.domain,
		    &sel) == -1) {
			fprintf(stderr, "mailtrust dmarc: bad --spf '%s'\n",
			    given_spf);
			rc = CLI_EXIT_USAGE;
			goto out;
		}
		spf.identity = "mailfrom";
		spf.sender = spf.domain;
		spfp = &spf;
	} else if (ip != NULL) {
		if (mf == NULL && msg->return_path.n > 0)
			mf = msg->return_path.v[0].addr;
		(void)spf_verify_envelope(batch, a, ip, mf, helo, &spf);
		spfp = &spf;
	}

	memset(&dk, 0, sizeof(dk));
	if (n_given > 0) {
		for (i = 0; i < n_given; i++) {
			memset(&sigs[i], 0, sizeof(sigs[i]));
			if (split_given(a, given_dkim[i], &sigs[i].result, &dom,
			    &sel) == -1) {
				fprintf(stderr, "mailtrust dmarc: bad --dkim "
				    "'%s'\n", given_dkim[i]);
				rc = CLI_EXIT_USAGE;
				goto out;
			}
			sigs[i].domain = dom;
			sigs[i].selector = sel;
		}
		dk.v = sigs;
		dk.n = n_given;
		dkp = &dk;
	} else if (dkim_verify(msg, batch, a, time(NULL), &dk) == 0)
		dkp = &dk;

	(void)dmarc_check(batch, a, msg, ip, spfp, dkp, method, &d);
	if (json)
		print_json(&d);
	else
		print_text(&d);
	rc = CLI_EXIT_OK;
out:
	dns_batch_free(batch);
	arena_free(a);
	dns_resolver_free(res);
	buf_free(&in);
	return rc;
}
