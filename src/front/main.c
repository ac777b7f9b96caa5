/*
 * main.c - dispatch "mailtrust COMMAND ..." to its subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util/arena.h"

static const struct command {
	const char	*name;
	cli_fn		*fn;
	const char	*help;
} commands[] = {
	{ "check",	cli_check,	"judge a message: verdict and why" },
	{ "eval",	cli_eval,	"quality figures over a labelled corpus" },
	{ "spf",	cli_spf,	"evaluate SPF for an envelope (RFC 7208)" },
	{ "dmarc",	cli_dmarc,	"evaluate DMARC for a message (RFC 9989)" },
	{ "authres",	cli_authres,	"parse Authentication-Results fields" },
	{ "dkim",	cli_dkim,	"verify DKIM signatures (RFC 6376)" },
	{ "arc",	cli_arc,	"verify an ARC chain (RFC 8617)" },
	{ "sign",	cli_sign,	"DKIM-sign a message" },
	{ "arc-seal",	cli_arc_seal,	"add an ARC set as an intermediary" },
	{ "dig",	cli_dig,	"look a name up through mailtrust's resolver" },
	{ "audit",	cli_audit,	"audit a domain's sending setup" },
	{ "scan",	cli_scan,	"scan mail servers for unpatched software" },
	{ "milter",	cli_milter,	"run as a milter for Postfix/Sendmail" },
	{ "serve",	cli_serve,	"run the HTTP API and web page" },
	{ "learn",	cli_learn,	"train the Bayes classifier" },
	{ "quarantine",	cli_quarantine,	"list, release or delete held mail" },
	{ "dmarc-report", cli_dmarc_report, "write DMARC aggregate reports" },
};

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: mailtrust COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-11s %s\n", commands[i].name,
			    commands[i].help);
	fprintf(fp, "\n'mailtrust COMMAND --help' describes each.\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	arena_process_init();
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("mailtrust %s\n", MT_VERSION);
		return CLI_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "mailtrust: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
