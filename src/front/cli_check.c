/*
 * cli_check.c - "mailtrust check": judge messages, print why.
 *
 *   mailtrust check [--json] [--lang de|en] [--zone FILE] [--ip A]
 *       [--helo H] [--mail-from S] [--rcpt R]... FILE|-...
 *
 * Envelope fields not given come from the message (envelope.c).  Text
 * mode is for a person; --json prints one object per message, one per
 * line.  The exit status is the verdict (0 authenticated, 1 unverified,
 * 2 spam, 3 suspicious, 4 phishing, 5 malware; the worst of several
 * messages), or a sysexits code on error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "scan_json.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "scan/config.h"
#include "scan/pipeline.h"
#include "scan/scan.h"
#include "util/buf.h"
#include "verdict/verdict.h"

#define CHECK_MAX_INPUT		(64ul * 1024 * 1024)
#define CHECK_MAX_RCPT		100

struct check_opts {
	bool		 json;
	enum lang	 lang;
	const char	*zone;
	const char	*ip, *helo, *mail_from;
	char		*rcpt[CHECK_MAX_RCPT];
	size_t		 n_rcpt;
};

static void
check_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust check [--json] [--lang de|en] [--zone FILE]\n"
	    "           [--ip ADDR] [--helo NAME] [--mail-from ADDR]\n"
	    "           [--rcpt ADDR]... [--datadir DIR] FILE|-...\n");
}

/* A word of the text output from the catalog, English if missing. */
static const char *
ui_word(const struct catalog *c, const char *key, const char *dflt)
{
	const char *t = catalog_get(c, key);

	return t != NULL ? t : dflt;
}

static void
print_text(struct scan *s, enum lang lang, const char *path)
{
	const struct catalog *c = s->cfg->catalog[lang];
	size_t i;

#define UI(key, dflt) ui_word(c, "ui." key, (dflt))
	printf("%s\n", path);
	printf("  %-14s %s (%s %.1f, %s: %s)\n", UI("verdict", "Verdict"),
	    explain_verdict_label(s, lang), UI("score", "score"), s->score,
	    UI("action", "action"), action_name(s->action));
	if (s->msg != NULL) {
		printf("  %-14s %s\n", UI("from", "From"),
		    scan_first_from(s->msg) ? scan_first_from(s->msg) : "-");
		printf("  %-14s %s\n", UI("subject", "Subject"),
		    s->msg->subject ? s->msg->subject : "-");
	}
	printf("  %-14s %s\n", UI("summary", "Summary"),
	    explain_summary(s, lang));
	if (s->n_symbols > 0)
		printf("  %s\n", UI("reasons", "Reasons"));
	for (i = 0; i < s->n_symbols; i++)
		printf("    %+5.1f  %s\n           %s\n", s->symbols[i].score,
		    s->symbols[i].name, explain_symbol(s, lang, &s->symbols[i]));
	printf("  %-14s SPF %s, DKIM %s, DMARC %s, ARC %s%s\n",
	    UI("authentication", "Authentication"),
	    auth_result_name(s->auth.spf), auth_result_name(s->auth.dkim),
	    auth_result_name(s->auth.dmarc), auth_result_name(s->auth.arc),
	    s->auth.done ? "" : UI("auth_not_run", " (not evaluated)"));
	printf("  %-14s %s %s, HELO %s, MAIL FROM <%s>\n",
	    UI("envelope", "Envelope"), UI("client", "client"),
	    s->env.client_ip ? s->env.client_ip : "?",
	    s->env.helo ? s->env.helo : "?",
	    s->env.mail_from ? s->env.mail_from : "?");
	printf("\n");
#undef UI
}

static int
check_one(const struct config *cfg, struct dns_resolver *res,
    const struct check_opts *o, const char *path)
{
	struct scan *s;
	struct buf in;
	int verdict;

	if (cli_read_input(path, &in, CHECK_MAX_INPUT) == -1)
		return -1;
	if ((s = scan_new(cfg, res)) == NULL) {
		fprintf(stderr, "mailtrust: out of memory\n");
		buf_free(&in);
		return -1;
	}
	s->env.client_ip = (char *)o->ip;
	s->env.helo = (char *)o->helo;
	s->env.mail_from = (char *)o->mail_from;
	if (o->n_rcpt > 0) {
		s->env.rcpt = (char **)o->rcpt;
		s->env.n_rcpt = o->n_rcpt;
	}
	scan_message(s, in.data ? in.data : "", in.len);
	if (o->json) {
		json_t *j = scan_json(s, o->lang, path);

		json_dumpf(j, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(j);
	} else
		print_text(s, o->lang, path);
	verdict = (int)s->verdict;
	scan_free(s);
	buf_free(&in);
	return verdict;
}

int
cli_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "lang",	required_argument,	NULL, 'l' },
		{ "zone",	required_argument,	NULL, 'z' },
		{ "ip",		required_argument,	NULL, 'i' },
		{ "helo",	required_argument,	NULL, 'H' },
		{ "mail-from",	required_argument,	NULL, 'f' },
		{ "rcpt",	required_argument,	NULL, 'r' },
		{ "datadir",	required_argument,	NULL, 'd' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	struct check_opts o = { .lang = LANG_EN };
	struct dns_resolver *res;
	const char *datadir = NULL;
	struct config cfg;
	char err[1024];
	int c, r, worst = -1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jl:z:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'l':
			if ((int)(o.lang = config_lang_from_name(optarg)) < 0) {
				fprintf(stderr, "mailtrust: --lang: de or en\n");
				return CLI_EXIT_USAGE;
			}
			break;
		case 'z':
			o.zone = optarg;
			break;
		case 'i':
			o.ip = optarg;
			break;
		case 'H':
			o.helo = optarg;
			break;
		case 'f':
			o.mail_from = optarg;
			break;
		case 'r':
			if (o.n_rcpt == CHECK_MAX_RCPT) {
				fprintf(stderr, "mailtrust: too many --rcpt\n");
				return CLI_EXIT_USAGE;
			}
			o.rcpt[o.n_rcpt++] = optarg;
			break;
		case 'd':
			datadir = optarg;
			break;
		case 'h':
			check_usage(stdout);
			return CLI_EXIT_OK;
		default:
			check_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		check_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (config_load(&cfg, datadir, err, sizeof(err)) == -1) {
		fprintf(stderr, "mailtrust: %s\n", err);
		return CLI_EXIT_CONFIG;
	}
	if ((res = cli_open_resolver(o.zone)) == NULL) {
		config_free(&cfg);
		return CLI_EXIT_CONFIG;
	}
	for (; optind < argc; optind++) {
		if ((r = check_one(&cfg, res, &o, argv[optind])) < 0) {
			worst = CLI_EXIT_NOINPUT;
			continue;
		}
		if (worst != CLI_EXIT_NOINPUT && r > worst)
			worst = r;
	}
	dns_resolver_free(res);
	config_free(&cfg);
	return worst;
}
