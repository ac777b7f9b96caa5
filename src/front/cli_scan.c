/*
 * cli_scan.c - "mailtrust scan": which mail servers in a list run an
 * Exchange that is unpatched or out of support, and whom to tell.
 *
 *   mailtrust scan [--json|--csv] [--concurrency N] [--rate R]
 *       [--as-of YYYY-MM-DD] [--resume FILE] [--report FILE]
 *       [--operators FILE] [--connect-timeout MS] [--read-timeout MS]
 *       [--ehlo NAME] [--builds FILE] [FILE|-]
 *   mailtrust scan --queue redis://HOST:PORT[/KEY] --enqueue FILE
 *   mailtrust scan --queue redis://HOST:PORT[/KEY] --worker NAME
 *       [--claim-idle MS] [options]
 *   mailtrust scan --queue redis://HOST:PORT[/KEY] --collect [--report F]
 *
 * One target a line: "host" (SMTP on 25 and HTTPS on 443), "host:port"
 * (SMTP), "https://host:port" (the web probe); blank lines and # comments
 * are skipped, duplicates probed once.  Results go to stdout as they
 * finish; a progress bar goes to stderr when it is a terminal.
 * Exit: 0 done, 64 usage, 66 unreadable input, 70 internal failure,
 * 75 interrupted (resume with --resume).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "audit/scanner.h"
#include "front/cli.h"
#include "scan/config.h"

#define SCAN_MAX_TARGETS	(16 * 1024 * 1024)
#define SCAN_EXIT_INTERRUPTED	75	/* EX_TEMPFAIL */

struct scan_cli {
	enum scanner_format	 format;
	FILE			*out;
	struct scanner_journal	*journal;
	GPtrArray		*json;	/* lines, without a journal */
	size_t			 finished;
	bool			 failed;
};

static void
scan_usage(FILE *fp)
{
	fputs("usage: mailtrust scan [--json|--csv] [--concurrency N] "
	    "[--rate R] [--as-of YYYY-MM-DD]\n"
	    "         [--resume FILE] [--report FILE] [--operators FILE]\n"
	    "         [--connect-timeout MS] [--read-timeout MS] "
	    "[--ehlo NAME] [--builds FILE] [FILE|-]\n"
	    "       mailtrust scan --queue redis://HOST:PORT[/KEY] "
	    "(--enqueue FILE | --worker NAME [--claim-idle MS] | --collect)\n"
	    "targets: host (SMTP 25 + HTTPS 443), host:port (SMTP), "
	    "https://host[:port]\n", fp);
}

static char **
read_targets(const char *path, size_t *n)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	GHashTable *seen;
	GPtrArray *list;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (fp == NULL)
		return NULL;
	seen = g_hash_table_new(g_str_hash, g_str_equal);
	list = g_ptr_array_new();
	while ((len = getline(&line, &cap, fp)) > 0 &&
	    list->len < SCAN_MAX_TARGETS) {
		char *s = line, *end;

		s += strspn(s, " \t");
		end = s + strcspn(s, "#\r\n");
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = '\0';
		if (*s == '\0' || g_hash_table_contains(seen, s))
			continue;
		s = g_strdup(s);
		g_hash_table_add(seen, s);
		g_ptr_array_add(list, s);
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	g_hash_table_destroy(seen);
	*n = list->len;
	g_ptr_array_add(list, NULL);
	return (char **)g_ptr_array_free(list, FALSE);
}

static bool
already_done(const char *target, void *arg)
{
	struct scan_cli *c = arg;

	return c->journal != NULL &&
	    (scanner_journal_done(c->journal, target) != NULL ||
	    scanner_journal_started(c->journal, target));
}

static void
started(const char *target, void *arg)
{
	struct scan_cli *c = arg;

	if (c->journal != NULL &&
	    scanner_journal_start(c->journal, target) == -1)
		c->failed = true;
}

static void
emit(struct scan_cli *c, const struct scanner_result *r)
{
	char *line = scanner_result_line(r, c->format);
	char *json = c->format == SCANNER_JSON ? line :
	    scanner_result_line(r, SCANNER_JSON);

	if (line == NULL || json == NULL) {
		c->failed = true;
		goto out;
	}
	fprintf(c->out, "%s\n", line);
	fflush(c->out);
	if (c->journal != NULL) {
		if (scanner_journal_finish(c->journal, r->target, json) == -1)
			c->failed = true;
	} else {
		g_ptr_array_add(c->json, g_strdup(json));
	}
	c->finished++;
out:
	if (json != line)
		free(json);
	free(line);
}

static void
on_result(const struct scanner_result *r, void *arg)
{
	emit(arg, r);
}

/* Targets an earlier run died probing: reported, never probed again. */
static void
settle_interrupted(struct scan_cli *c, char *const *targets, size_t n)
{
	for (size_t i = 0; i < n && c->journal != NULL; i++) {
		struct scanner_result r;

		if (!scanner_journal_started(c->journal, targets[i]))
			continue;
		memset(&r, 0, sizeof(r));
		r.target = targets[i];
		r.judgement.class = SCANNER_UNREACHABLE;
		snprintf(r.note, sizeof(r.note), "an earlier run stopped "
		    "while probing it; not probed again");
		emit(c, &r);
	}
}

static long
today(void)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	return (long)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	    tm.tm_mday;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

struct scan_args {
	struct scanner_options	 opt;
	enum scanner_format	 format;
	const char		*resume, *report, *operators, *builds;
	const char		*queue, *enqueue, *worker;
	bool			 collect;
	unsigned		 claim_idle_ms;
	const char		*input;
};

static int
parse_args(int argc, char **argv, struct scan_args *a)
{
	enum { O_JSON = 1, O_CSV, O_CONC, O_RATE, O_ASOF, O_RESUME, O_REPORT,
	    O_OPS, O_CTO, O_RTO, O_EHLO, O_BUILDS, O_QUEUE, O_ENQUEUE,
	    O_WORKER, O_COLLECT, O_CLAIM, O_HELP };
	static const struct option opts[] = {
		{ "json", no_argument, NULL, O_JSON },
		{ "csv", no_argument, NULL, O_CSV },
		{ "concurrency", required_argument, NULL, O_CONC },
		{ "rate", required_argument, NULL, O_RATE },
		{ "as-of", required_argument, NULL, O_ASOF },
		{ "resume", required_argument, NULL, O_RESUME },
		{ "report", required_argument, NULL, O_REPORT },
		{ "operators", required_argument, NULL, O_OPS },
		{ "connect-timeout", required_argument, NULL, O_CTO },
		{ "read-timeout", required_argument, NULL, O_RTO },
		{ "ehlo", required_argument, NULL, O_EHLO },
		{ "builds", required_argument, NULL, O_BUILDS },
		{ "queue", required_argument, NULL, O_QUEUE },
		{ "enqueue", required_argument, NULL, O_ENQUEUE },
		{ "worker", required_argument, NULL, O_WORKER },
		{ "collect", no_argument, NULL, O_COLLECT },
		{ "claim-idle", required_argument, NULL, O_CLAIM },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_JSON: a->format = SCANNER_JSON; break;
		case O_CSV: a->format = SCANNER_CSV; break;
		case O_CONC:
			if (parse_uint(optarg, 100000, &v) == -1)
				return -1;
			a->opt.concurrency = (unsigned)v;
			break;
		case O_RATE:
			a->opt.rate = strtod(optarg, &end);
			if (*end != '\0' || a->opt.rate < 0 ||
			    a->opt.rate > 1e6)
				return -1;
			break;
		case O_ASOF:
			if ((a->opt.as_of = scanner_date(optarg,
			    strlen(optarg))) == -1) {
				fprintf(stderr, "mailtrust scan: --as-of wants "
				    "YYYY-MM-DD, not %s\n", optarg);
				return -1;
			}
			break;
		case O_RESUME: a->resume = optarg; break;
		case O_REPORT: a->report = optarg; break;
		case O_OPS: a->operators = optarg; break;
		case O_CTO:
		case O_RTO:
		case O_CLAIM:
			if (parse_uint(optarg, 3600000, &v) == -1)
				return -1;
			if (c == O_CTO)
				a->opt.connect_timeout_ms = (unsigned)v;
			else if (c == O_RTO)
				a->opt.read_timeout_ms = (unsigned)v;
			else
				a->claim_idle_ms = (unsigned)v;
			break;
		case O_EHLO: a->opt.ehlo_name = optarg; break;
		case O_BUILDS: a->builds = optarg; break;
		case O_QUEUE: a->queue = optarg; break;
		case O_ENQUEUE: a->enqueue = optarg; break;
		case O_WORKER: a->worker = optarg; break;
		case O_COLLECT: a->collect = true; break;
		case O_HELP: return 1;
		default: return -1;
		}
	}
	if (argc - optind > 1 || strchr(a->opt.ehlo_name, '\r') != NULL ||
	    strchr(a->opt.ehlo_name, '\n') != NULL)
		return -1;
	a->input = argc - optind == 1 ? argv[optind] : "-";
	return 0;
}

static int
write_report(const struct scan_args *a, struct scan_cli *c)
{
	struct scanner_operators *ops = NULL;
	char *const *lines;
	size_t n;
	char err[256];
	FILE *fp;
	int rc;

	if (a->operators != NULL &&
	    (ops = scanner_operators_load(a->operators, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "mailtrust scan: %s\n", err);
		return -1;
	}
	if (c->journal != NULL)
		lines = scanner_journal_lines(c->journal, &n);
	else {
		lines = (char *const *)c->json->pdata;
		n = c->json->len;
	}
	fp = strcmp(a->report, "-") == 0 ? stdout : fopen(a->report, "w");
	if (fp == NULL) {
		fprintf(stderr, "mailtrust scan: cannot write %s\n", a->report);
		scanner_operators_free(ops);
		return -1;
	}
	rc = scanner_report_write(fp, lines, n, ops, a->opt.as_of);
	if (fp != stdout && fclose(fp) != 0)
		rc = -1;
	scanner_operators_free(ops);
	return rc;
}

static int
run_local(struct scan_args *a, const struct scanner_builds *builds)
{
	struct scan_cli c = { .format = a->format, .out = stdout };
	char **targets;
	size_t n = 0;
	char err[256];
	int rc = CLI_EXIT_SOFTWARE, run;

	if ((targets = read_targets(a->input, &n)) == NULL) {
		fprintf(stderr, "mailtrust scan: cannot read %s\n", a->input);
		return CLI_EXIT_NOINPUT;
	}
	c.json = g_ptr_array_new_with_free_func(g_free);
	if (a->resume != NULL && (c.journal = scanner_journal_open(a->resume,
	    err, sizeof(err))) == NULL) {
		fprintf(stderr, "mailtrust scan: %s\n", err);
		goto out;
	}
	if (a->format == SCANNER_CSV)
		scanner_csv_header(stdout);
	settle_interrupted(&c, targets, n);
	run = scanner_run(builds, &a->opt, targets, n, on_result, &c,
	    already_done, started);
	if (run == -1) {
		fprintf(stderr, "mailtrust scan: cannot set up the event "
		    "loop or TLS\n");
		goto out;
	}
	if (c.failed) {
		fprintf(stderr, "mailtrust scan: writing results failed\n");
		goto out;
	}
	if (a->report != NULL && write_report(a, &c) == -1)
		goto out;
	rc = CLI_EXIT_OK;
	for (size_t i = 0; i < n; i++)
		if (c.journal != NULL ?
		    scanner_journal_done(c.journal, targets[i]) == NULL :
		    c.finished < n) {
			fprintf(stderr, "mailtrust scan: interrupted; run "
			    "again with --resume to finish\n");
			rc = SCAN_EXIT_INTERRUPTED;
			break;
		}
out:
	scanner_journal_close(c.journal);
	g_ptr_array_free(c.json, TRUE);
	g_strfreev(targets);
	return rc;
}

static int
run_queue(struct scan_args *a, const struct scanner_builds *builds)
{
	char err[256];
	char hostname[64];

	if (a->enqueue != NULL) {
		char **targets;
		size_t n = 0, added = 0;
		int rc;

		if ((targets = read_targets(a->enqueue, &n)) == NULL) {
			fprintf(stderr, "mailtrust scan: cannot read %s\n",
			    a->enqueue);
			return CLI_EXIT_NOINPUT;
		}
		rc = scanner_queue_enqueue(a->queue, targets, n, &added, err,
		    sizeof(err));
		g_strfreev(targets);
		if (rc == -1) {
			fprintf(stderr, "mailtrust scan: %s\n", err);
			return CLI_EXIT_SOFTWARE;
		}
		fprintf(stderr, "mailtrust scan: %zu targets queued, %zu of "
		    "them queued before\n", added, n - added);
		return CLI_EXIT_OK;
	}
	if (a->collect) {
		struct scan_cli c = { .format = SCANNER_JSON };
		FILE *tmp = tmpfile();
		int rc = CLI_EXIT_SOFTWARE;

		if (tmp == NULL || scanner_queue_collect(a->queue, tmp, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "mailtrust scan: %s\n", tmp ? err :
			    "no temporary file");
			goto collected;
		}
		c.json = g_ptr_array_new_with_free_func(g_free);
		rewind(tmp);
		{
			char *line = NULL;
			size_t cap = 0;
			ssize_t len;

			while ((len = getline(&line, &cap, tmp)) > 0) {
				fputs(line, stdout);
				line[strcspn(line, "\n")] = '\0';
				g_ptr_array_add(c.json, g_strdup(line));
			}
			free(line);
		}
		rc = a->report != NULL && write_report(a, &c) == -1 ?
		    CLI_EXIT_SOFTWARE : CLI_EXIT_OK;
		g_ptr_array_free(c.json, TRUE);
collected:
		if (tmp != NULL)
			fclose(tmp);
		return rc;
	}
	if (a->worker == NULL) {
		gethostname(hostname, sizeof(hostname) - 1);
		hostname[sizeof(hostname) - 1] = '\0';
		a->worker = hostname;
	}
	if (scanner_queue_work(a->queue, a->worker, builds, &a->opt,
	    a->opt.concurrency, a->claim_idle_ms, stdout, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "mailtrust scan: %s\n", err);
		return CLI_EXIT_SOFTWARE;
	}
	return CLI_EXIT_OK;
}

/*
 * Updates released after the table was copied are unknown to it, so a
 * build could be judged patched that is not: say so rather than trust
 * an old table.
 */
static void
warn_if_stale(const struct scanner_builds *b, long as_of)
{
	long copied = scanner_builds_date(b);
	struct tm tm = { 0 };
	time_t t;

	if (copied == 0) {
		fprintf(stderr, "mailtrust scan: warning: the build table "
		    "does not say when it was copied\n");
		return;
	}
	tm.tm_year = (int)(copied / 10000) - 1900;
	tm.tm_mon = (int)(copied / 100 % 100) - 1;
	tm.tm_mday = (int)(copied % 100) + 45;	/* past the next update */
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	if (as_of > (long)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100
	    + tm.tm_mday)
		fprintf(stderr, "mailtrust scan: warning: data/exchange-builds "
		    "was copied on %04ld-%02ld-%02ld; updates released since "
		    "are unknown to it, so builds may be called patched that "
		    "are not (scripts/update-exchange-builds)\n",
		    copied / 10000, copied / 100 % 100, copied % 100);
}

int
cli_scan(int argc, char **argv)
{
	struct scan_args a = { .opt = { .concurrency = 100, .rate = 0,
	    .connect_timeout_ms = 5000, .read_timeout_ms = 10000,
	    .ehlo_name = "mailtrust-scan.invalid" }, .claim_idle_ms = 120000 };
	struct scanner_builds *builds;
	char path[4096], err[512];
	int rc;

	if ((rc = parse_args(argc, argv, &a)) != 0) {
		scan_usage(rc == 1 ? stdout : stderr);
		return rc == 1 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	if (a.opt.as_of == 0)
		a.opt.as_of = today();
	a.opt.progress = isatty(STDERR_FILENO);
	if (a.builds == NULL) {
		snprintf(path, sizeof(path), "%s/exchange-builds",
		    config_default_datadir());
		a.builds = path;
	}
	if ((builds = scanner_builds_load(a.builds, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "mailtrust scan: %s\n", err);
		return CLI_EXIT_CONFIG;
	}
	if (a.enqueue == NULL && !a.collect)
		warn_if_stale(builds, a.opt.as_of);
	if (a.queue != NULL)
		rc = run_queue(&a, builds);
	else
		rc = run_local(&a, builds);
	scanner_builds_free(builds);
	return rc;
}
