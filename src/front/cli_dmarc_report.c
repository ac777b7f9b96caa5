/*
 * cli_dmarc_report.c - "mailtrust dmarc-report": write DMARC aggregate
 * reports (RFC 9990) from the records the front ends saved in the store.
 *
 *   mailtrust dmarc-report [--store SPEC] --org NAME --email ADDR
 *       [--receiver DOMAIN] [--from T] [--until T] [--domain D]...
 *       [--out DIR]
 *
 * One gzip'd XML file per policy domain with records in the period
 * [from, until), named as RFC 9990 asks (receiver!domain!begin!end
 * .xml.gz) in DIR (default "."); a line per file on standard output.
 * T is seconds since the epoch or a UTC date YYYY-MM-DD; the default
 * period is the last whole UTC day.  Sending the files to the rua=
 * addresses is the mail system's job.
 *
 * Exit: 0 done (also when there was nothing to report), 64 usage,
 * 65 too many records for one report, 73 a file cannot be written,
 * 75 the store failed, 78 the store cannot be opened.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "store/dmarc_report.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/str.h"

#define REPORT_RECORDS_MAX	20000	/* records in one report */
#define REPORT_XML_MAX		(64u * 1024 * 1024)
#define REPORT_DOMAINS_MAX	10000
#define REPORT_ARG_DOMAINS	64
#define EXIT_CANTCREAT		73	/* EX_CANTCREAT */
#define EXIT_TEMPFAIL		75	/* EX_TEMPFAIL */

struct report_opts {
	struct dmarc_report_meta meta;
	const char	*store;
	const char	*out;
	time_t		 from, until;
	const char	*domains[REPORT_ARG_DOMAINS];
	size_t		 n_domains;
};

static void
report_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust dmarc-report [--store SPEC] --org NAME "
	    "--email ADDR\n"
	    "           [--receiver DOMAIN] [--from T] [--until T]\n"
	    "           [--domain D]... [--out DIR]\n"
	    "T: seconds since 1970 or YYYY-MM-DD (UTC); default: "
	    "yesterday (UTC)\n");
}

/* Seconds since the epoch, or a UTC date; -1 when neither. */
static time_t
parse_time(const char *s)
{
	struct tm tm;
	char *end;
	long long v;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d", &tm)) != NULL && *end == '\0')
		return timegm(&tm);
	v = str_to_ll(s, strlen(s), (long long)INT64_MAX / 2);
	return v >= 0 ? (time_t)v : -1;
}

/* One domain's report; 0, or an exit status. */
static int
report_domain(struct store *st, const struct report_opts *o,
    const char *domain, struct store_dmarc_record *recs)
{
	char name[1024], path[4096];
	unsigned long long messages = 0;
	struct buf xml, gz;
	size_t n, i;
	FILE *f;
	int r, rc = 0;

	if ((r = store_dmarc_list(st, domain, o->from, o->until, recs,
	    REPORT_RECORDS_MAX, &n)) != STORE_OK) {
		fprintf(stderr, "mailtrust: %s: store: %s\n", domain,
		    store_strerror(r));
		return r == STORE_ERR_ARG ? CLI_EXIT_DATAERR : EXIT_TEMPFAIL;
	}
	if (n == 0)
		return 0;
	if (n == REPORT_RECORDS_MAX) {
		fprintf(stderr, "mailtrust: %s: over %d records in the period;"
		    " report shorter periods\n", domain, REPORT_RECORDS_MAX);
		return CLI_EXIT_DATAERR;
	}
	if (dmarc_report_filename(&o->meta, domain, o->from, o->until, name,
	    sizeof(name)) != 0 || (size_t)snprintf(path, sizeof(path),
	    "%s/%s", o->out, name) >= sizeof(path)) {
		fprintf(stderr, "mailtrust: %s: not a usable file name\n",
		    domain);
		return CLI_EXIT_DATAERR;
	}
	for (i = 0; i < n; i++)
		messages += recs[i].count;
	buf_init(&xml, REPORT_XML_MAX);
	buf_init(&gz, REPORT_XML_MAX);
	if (dmarc_report_xml(&o->meta, domain, o->from, o->until, recs, n,
	    &xml) != 0 || dmarc_report_gzip(xml.data, xml.len, &gz) != 0) {
		fprintf(stderr, "mailtrust: %s: report too large\n", domain);
		rc = CLI_EXIT_SOFTWARE;
		goto out;
	}
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(gz.data, 1, gz.len, f) != gz.len || fclose(f) != 0) {
		if (f != NULL)
			(void)fclose(f);
		perror(path);
		rc = EXIT_CANTCREAT;
		goto out;
	}
	printf("%s\t%zu records\t%llu messages\n", path, n, messages);
out:
	buf_free(&xml);
	buf_free(&gz);
	return rc;
}

static int
report_all(struct store *st, const struct report_opts *o)
{
	struct store_dmarc_record *recs;
	store_domain *all = NULL;
	size_t n = 0, i;
	int r, rc = 0;

	if ((recs = calloc(REPORT_RECORDS_MAX, sizeof(*recs))) == NULL) {
		fprintf(stderr, "mailtrust: out of memory\n");
		return CLI_EXIT_SOFTWARE;
	}
	if (o->n_domains > 0) {
		for (i = 0; i < o->n_domains && rc == 0; i++)
			rc = report_domain(st, o, o->domains[i], recs);
		free(recs);
		return rc;
	}
	if ((all = calloc(REPORT_DOMAINS_MAX, sizeof(*all))) == NULL ||
	    (r = store_dmarc_domains(st, all, REPORT_DOMAINS_MAX, &n)) !=
	    STORE_OK) {
		fprintf(stderr, "mailtrust: store: %s\n", all == NULL ?
		    "out of memory" : store_strerror(r));
		rc = all == NULL ? CLI_EXIT_SOFTWARE : EXIT_TEMPFAIL;
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = report_domain(st, o, all[i], recs);
	free(all);
	free(recs);
	return rc;
}

int
cli_dmarc_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "store",	required_argument,	NULL, 's' },
		{ "org",	required_argument,	NULL, 'o' },
		{ "email",	required_argument,	NULL, 'e' },
		{ "receiver",	required_argument,	NULL, 'r' },
		{ "from",	required_argument,	NULL, 'f' },
		{ "until",	required_argument,	NULL, 'u' },
		{ "domain",	required_argument,	NULL, 'd' },
		{ "out",	required_argument,	NULL, 'O' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	struct report_opts o = { .out = ".", .from = -1, .until = -1 };
	time_t today = time(NULL) / 86400 * 86400;
	struct store *st;
	char err[1024];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o.store = optarg; break;
		case 'o': o.meta.org_name = optarg; break;
		case 'e': o.meta.email = optarg; break;
		case 'r': o.meta.receiver = optarg; break;
		case 'O': o.out = optarg; break;
		case 'f':
		case 'u':
			if (parse_time(optarg) < 0) {
				fprintf(stderr, "mailtrust: --%s: seconds or "
				    "YYYY-MM-DD\n", c == 'f' ? "from" :
				    "until");
				return CLI_EXIT_USAGE;
			}
			*(c == 'f' ? &o.from : &o.until) = parse_time(optarg);
			break;
		case 'd':
			if (o.n_domains == REPORT_ARG_DOMAINS) {
				fprintf(stderr, "mailtrust: too many "
				    "--domain\n");
				return CLI_EXIT_USAGE;
			}
			o.domains[o.n_domains++] = optarg;
			break;
		case 'h':
			report_usage(stdout);
			return CLI_EXIT_OK;
		default:
			report_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc || o.meta.org_name == NULL ||
	    o.meta.email == NULL) {
		report_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (o.until < 0)
		o.until = o.from >= 0 ? o.from + 86400 : today;
	if (o.from < 0)
		o.from = o.until - 86400;
	if (o.from >= o.until) {
		fprintf(stderr, "mailtrust: --from must be before --until\n");
		return CLI_EXIT_USAGE;
	}
	if ((st = store_open_default(o.store, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mailtrust: store: %s\n", err);
		return CLI_EXIT_CONFIG;
	}
	rc = report_all(st, &o);
	store_close(st);
	return rc;
}
