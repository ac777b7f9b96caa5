/*
 * cli_audit.c - "mailtrust audit": will receivers trust a domain's mail?
 *
 *   mailtrust audit [--zone FILE | --dns-server IP[@PORT]
 *       [--trust-anchor FILE]] [--json] [--lang de|en] [--selector S]...
 *       [--https-port N] [--smtp-port N] [--ca-file FILE] [--no-probe]
 *       [--timeout MS] [--datadir DIR] DOMAIN
 *   mailtrust audit --message FILE [--zone FILE | --dns-server ...]
 *
 * The first form audits what DOMAIN publishes and serves (src/audit/);
 * the second judges a message the domain sent, as a receiver would, and
 * says which part of the setup makes it fail.  The ports and the CA
 * file exist for tests that serve everything on loopback.  With --zone
 * (offline use) the probes only go to 127.0.0.0/8 addresses.
 *
 * Exit: 0 nothing worse than info, 1 warnings, 2 critical findings;
 * 64 usage, 66 unreadable input, 70 internal failure, 78 bad data.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "audit/audit.h"
#include "auth/dmarc.h"
#include "dns/dns.h"
#include "scan/config.h"
#include "scan/pipeline.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"
#include "verdict/verdict.h"

#define AUDIT_MAX_INPUT		(64ul * 1024 * 1024)
#define AUDIT_EXIT_WARNING	1
#define AUDIT_EXIT_CRITICAL	2

struct audit_cli {
	struct audit_options	 o;
	const char		*zone, *server, *anchor, *message;
	const char		*datadir;
	bool			 json;
	enum lang		 lang;
};

static void
audit_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust audit [--json] [--lang de|en] [--selector S]...\n"
	    "           [--zone FILE | --dns-server IP[@PORT] "
	    "[--trust-anchor FILE]]\n"
	    "           [--https-port N] [--smtp-port N] [--ca-file FILE]\n"
	    "           [--no-probe] [--timeout MS] [--datadir DIR] DOMAIN\n"
	    "       mailtrust audit --message FILE [same DNS options]\n"
	    "Exit 0: no problem, 1: warnings, 2: critical findings.\n");
}

static int
port_arg(const char *s, unsigned *out)
{
	long long v = str_to_ll(s, strlen(s), 65535);

	if (v <= 0) {
		fprintf(stderr, "mailtrust audit: bad port '%s'\n", s);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int
parse_args(int argc, char **argv, struct audit_cli *a)
{
	static const struct option opts[] = {
		{ "zone",	  required_argument, NULL, 'z' },
		{ "dns-server",	  required_argument, NULL, 's' },
		{ "trust-anchor", required_argument, NULL, 'T' },
		{ "json",	  no_argument,	     NULL, 'j' },
		{ "lang",	  required_argument, NULL, 'l' },
		{ "selector",	  required_argument, NULL, 'S' },
		{ "message",	  required_argument, NULL, 'm' },
		{ "https-port",	  required_argument, NULL, 'H' },
		{ "smtp-port",	  required_argument, NULL, 'P' },
		{ "ca-file",	  required_argument, NULL, 'C' },
		{ "no-probe",	  no_argument,	     NULL, 'n' },
		{ "timeout",	  required_argument, NULL, 't' },
		{ "datadir",	  required_argument, NULL, 'd' },
		{ "help",	  no_argument,	     NULL, 'h' },
		{ NULL,		  0,		     NULL, 0 },
	};
	long long v;
	int c, l;

	a->o.probe_smtp = a->o.fetch_mtasts = true;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'z': a->zone = optarg; break;
		case 's': a->server = optarg; break;
		case 'T': a->anchor = optarg; break;
		case 'j': a->json = true; break;
		case 'm': a->message = optarg; break;
		case 'C': a->o.ca_file = optarg; break;
		case 'd': a->datadir = optarg; break;
		case 'n':
			a->o.probe_smtp = a->o.fetch_mtasts = false;
			break;
		case 'l':
			if ((l = config_lang_from_name(optarg)) < 0) {
				fprintf(stderr, "mailtrust audit: unknown "
				    "language '%s'\n", optarg);
				return -1;
			}
			a->lang = (enum lang)l;
			break;
		case 'S':
			if (a->o.n_selectors >= AUDIT_MAX_SELECTORS) {
				fprintf(stderr, "mailtrust audit: at most %d "
				    "selectors\n", AUDIT_MAX_SELECTORS);
				return -1;
			}
			a->o.selectors[a->o.n_selectors++] = optarg;
			break;
		case 'H':
			if (port_arg(optarg, &a->o.https_port) == -1)
				return -1;
			break;
		case 'P':
			if (port_arg(optarg, &a->o.smtp_port) == -1)
				return -1;
			break;
		case 't':
			if ((v = str_to_ll(optarg, strlen(optarg),
			    600000)) <= 0) {
				fprintf(stderr, "mailtrust audit: bad timeout "
				    "'%s'\n", optarg);
				return -1;
			}
			a->o.timeout_ms = (unsigned)v;
			break;
		case 'h':
			audit_usage(stdout);
			exit(CLI_EXIT_OK);
		default:
			return -1;
		}
	}
	if ((a->zone != NULL && a->server != NULL) ||
	    (a->message == NULL) != (argc - optind == 1) ||
	    (a->message != NULL && argc - optind != 0))
		return -1;
	return 0;
}

static struct dns_resolver *
open_resolver(const struct audit_cli *a)
{
	struct dns_config dc = { .timeout_ms = 5000, .dnssec = true };
	const char *fwd[2] = { a->server, NULL };
	char err[512] = "";
	struct dns_resolver *r;

	if (a->server == NULL)
		return cli_open_resolver(a->zone);
	dc.forwarders = fwd;
	dc.trust_anchor = a->anchor;
	if ((r = dns_unbound_open(&dc, err, sizeof(err))) == NULL)
		fprintf(stderr, "mailtrust: %s\n", err);
	return r;
}

static int
exit_for(const struct audit_report *r)
{
	switch (audit_worst(r)) {
	case AUDIT_CRITICAL:	return AUDIT_EXIT_CRITICAL;
	case AUDIT_WARNING:	return AUDIT_EXIT_WARNING;
	default:		return CLI_EXIT_OK;
	}
}

static int
print(const struct audit_cli *a, const struct audit_report *r,
    const struct catalog *cat)
{
	int rc = a->json ? audit_print_json(r, cat, stdout) :
	    audit_print_text(r, cat, stdout);

	if (rc == -1) {
		fprintf(stderr, "mailtrust audit: cannot write the report\n");
		return CLI_EXIT_SOFTWARE;
	}
	return exit_for(r);
}

static int
run_domain(const struct audit_cli *a, struct dns_resolver *res,
    const struct catalog *cat, const char *domain)
{
	struct audit_report *r = NULL;
	struct dns_batch *b = NULL;
	struct arena *ar = NULL;
	int rc = CLI_EXIT_SOFTWARE;
	char *d;

	if ((r = audit_report_new(domain)) == NULL ||
	    (ar = arena_new(0)) == NULL || (b = dns_batch_new(res, ar)) ==
	    NULL)
		goto out;
	/* A final dot and capitals are how people type domains. */
	d = (char *)r->domain;
	str_lower(d);
	if (d[0] != '\0' && d[strlen(d) - 1] == '.')
		d[strlen(d) - 1] = '\0';
	if (d[0] == '\0' || strchr(d, ' ') != NULL) {
		fprintf(stderr, "mailtrust audit: bad domain '%s'\n", domain);
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (audit_domain(r, b, &a->o) == -1) {
		fprintf(stderr, "mailtrust audit: out of memory\n");
		goto out;
	}
	rc = print(a, r, cat);
out:
	dns_batch_free(b);
	arena_free(ar);
	audit_report_free(r);
	return rc;
}

static int
run_message(const struct audit_cli *a, struct dns_resolver *res,
    const struct config *cfg, const struct catalog *cat)
{
	struct audit_report *r = NULL;
	struct scan *s = NULL;
	const char *domain, *why = NULL;
	struct buf in;
	int rc = CLI_EXIT_SOFTWARE;

	if (cli_read_input(a->message, &in, AUDIT_MAX_INPUT) == -1)
		return CLI_EXIT_NOINPUT;
	if ((s = scan_new(cfg, res)) == NULL)
		goto out;
	if (scan_message(s, in.data ? in.data : "", in.len) == -1 ||
	    s->failed) {
		fprintf(stderr, "mailtrust audit: the message could not be "
		    "judged\n");
		goto out;
	}
	domain = s->msg ? dmarc_author_domain(s->msg, &why) : NULL;
	if (domain == NULL) {
		fprintf(stderr, "mailtrust audit: no single From domain (%s)"
		    "\n", why ? why : "no From");
		rc = CLI_EXIT_DATAERR;
		goto out;
	}
	if ((r = audit_report_new(domain)) == NULL ||
	    audit_message(r, s, s->dns) == -1)
		goto out;
	r->msg.verdict = explain_verdict_label(s, a->lang);
	r->msg.summary = explain_summary(s, a->lang);
	rc = print(a, r, cat);
out:
	audit_report_free(r);
	scan_free(s);
	buf_free(&in);
	return rc;
}

int
cli_audit(int argc, char **argv)
{
	struct audit_cli a = { .lang = LANG_EN };
	struct config cfg = { 0 };
	struct catalog *cat = NULL;
	struct dns_resolver *res = NULL;
	const char *datadir;
	char err[512] = "", *path = NULL;
	int rc = CLI_EXIT_SOFTWARE;

	if (parse_args(argc, argv, &a) == -1) {
		audit_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	datadir = a.datadir ? a.datadir : config_default_datadir();
	if (asprintf(&path, "%s/audit.%s", datadir, a.lang == LANG_DE ?
	    "de" : "en") == -1)
		return CLI_EXIT_SOFTWARE;
	if ((cat = catalog_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mailtrust: %s\n", err);
		free(path);
		return CLI_EXIT_CONFIG;
	}
	free(path);
	if (a.message != NULL && config_load(&cfg, datadir, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "mailtrust: %s\n", err);
		catalog_free(cat);
		return CLI_EXIT_CONFIG;
	}
	cfg.lang = a.lang;
	if ((res = open_resolver(&a)) == NULL) {
		rc = a.zone != NULL && access(a.zone, R_OK) == -1 ?
		    CLI_EXIT_NOINPUT : CLI_EXIT_DATAERR;
		goto out;
	}
	a.o.loopback_only = a.zone != NULL;
	rc = a.message ? run_message(&a, res, &cfg, cat) :
	    run_domain(&a, res, cat, argv[optind]);
out:
	dns_resolver_free(res);
	if (a.message != NULL)
		config_free(&cfg);
	catalog_free(cat);
	return rc;
}
