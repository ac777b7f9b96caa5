/*
 * cli_quarantine.c - "mailtrust quarantine": look at held messages and
 * decide about them.
 *
 *   mailtrust quarantine [--config FILE] [--dir DIR] list [--json]
 *   mailtrust quarantine [...] show ID        (metadata, then the message)
 *   mailtrust quarantine [...] release ID...  (to the recipients, via
 *                                               release_sendmail)
 *   mailtrust quarantine [...] delete ID...
 *   mailtrust quarantine [...] reindex        (rebuild this host's index)
 *
 * The directory is --dir, else quarantine_dir of mailtrust.conf; the
 * store that indexes it is --store, else store of mailtrust.conf, else
 * none (then list reads the files, and reindex has nothing to do).  Exit
 * status 0, or 1 when some ID was not found or could not be released
 * (the others are still done), or a sysexits code.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "scan/conffile.h"
#include "scan/config.h"
#include "store/quarantine.h"
#include "store/store.h"

#define LIST_MAX	10000

static void
quarantine_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust quarantine [--config FILE] [--dir DIR] "
	    "[--store SPEC] list [--json]\n"
	    "       mailtrust quarantine [--config FILE] [--dir DIR] "
	    "show ID\n"
	    "       mailtrust quarantine [--config FILE] [--dir DIR] "
	    "[--store SPEC] release|delete ID...\n"
	    "       mailtrust quarantine [--config FILE] [--dir DIR] "
	    "[--store SPEC] reindex\n");
}

static void
when(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static json_t *
entry_json(const struct quarantine_entry *e)
{
	return json_pack("{s:s, s:I, s:I, s:f, s:s, s:s, s:s, s:I, s:s, s:s, "
	    "s:s}", "id", e->id, "time", (json_int_t)e->time,
	    "size", (json_int_t)e->size, "score", e->score,
	    "verdict", e->verdict, "sender", e->sender, "rcpt", e->rcpt,
	    "n_rcpt", (json_int_t)e->n_rcpt, "client_ip", e->client_ip,
	    "from", e->from, "subject", e->subject);
}

static int
do_list(const char *dir, struct store *st, bool json)
{
	struct quarantine_entry *v = calloc(LIST_MAX, sizeof(*v));
	size_t n, total, bad, i;
	char err[512], t[32];

	if (v == NULL) {
		fprintf(stderr, "mailtrust: out of memory\n");
		return CLI_EXIT_SOFTWARE;
	}
	if (quarantine_list_indexed(dir, st, v, LIST_MAX, &n, &total, &bad,
	    err, sizeof(err)) != QUARANTINE_OK) {
		fprintf(stderr, "mailtrust: %s\n", err);
		free(v);
		return CLI_EXIT_NOINPUT;
	}
	for (i = 0; i < n; i++) {
		if (json) {
			json_t *j = entry_json(&v[i]);

			json_dumpf(j, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
			putchar('\n');
			json_decref(j);
			continue;
		}
		when(v[i].time, t, sizeof(t));
		printf("%s  %s  %-10s %5.1f  <%s> -> <%s>%s  %s\n", v[i].id, t,
		    v[i].verdict, v[i].score, v[i].sender, v[i].rcpt,
		    v[i].n_rcpt > 1 ? " (+more)" : "", v[i].subject);
	}
	if (!json)
		printf("%zu message%s held%s\n", total, total == 1 ? "" : "s",
		    n < total ? " (newest listed)" : "");
	if (bad > 0)
		fprintf(stderr, "mailtrust: %zu file%s in %s could not be "
		    "read\n", bad, bad == 1 ? "" : "s", dir);
	free(v);
	return CLI_EXIT_OK;
}

static int
do_show(const char *dir, const char *id)
{
	struct quarantine_entry e;
	char err[512], t[32], *data, **rcpt;
	size_t len, i;

	if (quarantine_get(dir, id, &e, &data, &len, &rcpt, err,
	    sizeof(err)) != QUARANTINE_OK) {
		fprintf(stderr, "mailtrust: %s\n", err);
		return 1;
	}
	when(e.time, t, sizeof(t));
	printf("Id: %s\nQuarantined: %s\nVerdict: %s (score %.1f)\n"
	    "Client: %s\nSender: <%s>\n", e.id, t, e.verdict, e.score,
	    e.client_ip[0] ? e.client_ip : "-", e.sender);
	for (i = 0; rcpt[i] != NULL; i++)
		printf("Recipient: <%s>\n", rcpt[i]);
	printf("\n");
	fwrite(data, 1, len, stdout);
	free(data);
	quarantine_strv_free(rcpt);
	return CLI_EXIT_OK;
}

static int
do_each(const struct config *cfg, const char *dir, struct store *st,
    bool release, int argc, char **argv)
{
	char err[512];
	int i, rc = CLI_EXIT_OK, r;

	if (argc == 0) {
		quarantine_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	for (i = 0; i < argc; i++) {
		if (release)
			r = quarantine_release_indexed(dir, st, argv[i],
			    (const char *const *)cfg->release_sendmail, err,
			    sizeof(err));
		else
			r = quarantine_delete_indexed(dir, st, argv[i], err,
			    sizeof(err));
		if (r != QUARANTINE_OK) {
			fprintf(stderr, "mailtrust: %s\n", err);
			rc = 1;
			continue;
		}
		printf("%s %s\n", argv[i], release ? "released" : "deleted");
	}
	return rc;
}

static int
do_reindex(const char *dir, struct store *st)
{
	struct quarantine_reindex_stats s;
	char err[512];

	if (st == NULL) {
		fprintf(stderr, "mailtrust: reindex: no store: give --store "
		    "or store in mailtrust.conf\n");
		return CLI_EXIT_USAGE;
	}
	if (quarantine_reindex(dir, st, &s, err, sizeof(err)) !=
	    QUARANTINE_OK) {
		fprintf(stderr, "mailtrust: reindex: %s\n", err);
		return CLI_EXIT_SOFTWARE;
	}
	printf("%zu message%s held, %zu record%s added, %zu dropped\n",
	    s.files, s.files == 1 ? "" : "s", s.added,
	    s.added == 1 ? "" : "s", s.dropped);
	if (s.bad > 0)
		fprintf(stderr, "mailtrust: %zu file%s in %s could not be "
		    "read\n", s.bad, s.bad == 1 ? "" : "s", dir);
	if (s.partial)
		fprintf(stderr, "mailtrust: more than %d messages: run "
		    "reindex again for the rest\n", QUARANTINE_LIST_MAX);
	return CLI_EXIT_OK;
}

/* Runs one subcommand on the directory and the store (or NULL). */
static int
run_command(const struct config *cfg, const char *dir, struct store *st,
    const char *cmd, bool json, int argc, char **argv)
{
	if (strcmp(cmd, "list") == 0 && argc == 0)
		return do_list(dir, st, json);
	if (strcmp(cmd, "show") == 0 && argc == 1)
		return do_show(dir, argv[0]);
	if (strcmp(cmd, "release") == 0)
		return do_each(cfg, dir, st, true, argc, argv);
	if (strcmp(cmd, "delete") == 0)
		return do_each(cfg, dir, st, false, argc, argv);
	if (strcmp(cmd, "reindex") == 0 && argc == 0)
		return do_reindex(dir, st);
	quarantine_usage(stderr);
	return CLI_EXIT_USAGE;
}

int
cli_quarantine(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "dir",	required_argument,	NULL, 'D' },
		{ "store",	required_argument,	NULL, 's' },
		{ "datadir",	required_argument,	NULL, 'd' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	const char *conf = NULL, *dir = NULL, *datadir = NULL, *cmd;
	const char *spec = NULL;
	struct store *st = NULL;
	struct config cfg;
	bool json = false;
	char err[1024];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'D':
			dir = optarg;
			break;
		case 's':
			spec = optarg;
			break;
		case 'd':
			datadir = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			quarantine_usage(stdout);
			return CLI_EXIT_OK;
		default:
			quarantine_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		quarantine_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	cmd = argv[optind++];
	if (strcmp(cmd, "list") == 0 && optind < argc &&
	    strcmp(argv[optind], "--json") == 0) {
		json = true;
		optind++;
	}
	if (cli_load_config(&cfg, datadir, conf) == -1)
		return CLI_EXIT_CONFIG;
	if (dir == NULL)
		dir = cfg.quarantine_dir;
	if (dir == NULL) {
		fprintf(stderr, "mailtrust: no quarantine directory: give "
		    "--dir or quarantine_dir in mailtrust.conf\n");
		config_free(&cfg);
		return CLI_EXIT_USAGE;
	}
	if (spec == NULL)
		spec = cfg.store_spec;
	if (spec != NULL && (st = store_open(spec, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "mailtrust: %s\n", err);
		config_free(&cfg);
		return CLI_EXIT_CONFIG;
	}
	rc = run_command(&cfg, dir, st, cmd, json, argc - optind,
	    argv + optind);
	store_close(st);
	config_free(&cfg);
	return rc;
}
