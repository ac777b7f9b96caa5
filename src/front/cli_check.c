/*
 * cli_check.c - "mailtrust check": judge messages, print why.
 *
 *   mailtrust check [--json] [--lang de|en] [--zone FILE] [--ip A]
 *       [--dns-server IP[@PORT]] [--clamd SOCKET [--clamd-down tempfail|symbol]]
 *       [--store SPEC] [--config FILE]
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

#include "cli.h"
#include "scan_json.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "scan/conffile.h"
#include "scan/config.h"
#include "scan/pipeline.h"
#include "scan/scan.h"
#include "store/store.h"
#include "util/buf.h"
#include "verdict/verdict.h"

#define CHECK_MAX_INPUT		(64ul * 1024 * 1024)
#define CHECK_MAX_RCPT		100
#define CHECK_MAX_ARC_TRUSTED	32

struct check_opts {
	bool		 json;
	enum lang	 lang;
	const char	*zone;
	const char	*dns_server;	/* IP[@PORT], or NULL */
	const char	*clamd;		/* unix:PATH | inet:PORT@HOST */
	int		 clamd_tempfail;	/* -1: the configured policy */
	const char	*store;		/* learned tokens, history, DMARC rows */
	const char	*ip, *helo, *mail_from;
	char		*rcpt[CHECK_MAX_RCPT];
	size_t		 n_rcpt;
	/* --arc-trusted: ARC sealer domains, added to mailtrust.conf's */
	const char	*arc_trusted[CHECK_MAX_ARC_TRUSTED];
	size_t		 n_arc_trusted;
};

static void
check_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust check [--json] [--lang de|en] [--zone FILE]\n"
	    "           [--ip ADDR] [--helo NAME] [--mail-from ADDR]\n"
	    "           [--rcpt ADDR]... [--datadir DIR] [--config FILE]\n"
	    "           [--dns-server IP[@PORT]] [--clamd SOCKET\n"
	    "           [--clamd-down tempfail|symbol]] [--store SPEC]\n"
	    "           [--arc-trusted DOMAIN]...\n"
	    "           FILE|-...\n");
}

/* A word of the text output from the catalog, English if missing. */
static const char *
ui_word(const struct catalog *c, const char *key, const char *dflt)
{
	const char *t = catalog_get(c, key);

	return t != NULL ? t : dflt;
}

/*
 * "  Label" padded to one column for every language: printf's width
 * counts bytes, so "Echtheitsprüfung" would come out one short; this
 * counts characters (bytes that do not continue a UTF-8 sequence).
 */
static void
print_label(const char *label)
{
	const unsigned char *p;
	int chars = 0;

	for (p = (const unsigned char *)label; *p != '\0'; p++)
		if ((*p & 0xc0) != 0x80)
			chars++;
	printf("  %s%*s ", label, chars < 17 ? 17 - chars : 0, "");
}

static void
print_text(struct scan *s, enum lang lang, const char *path)
{
	const struct catalog *c = s->cfg->catalog[lang];
	size_t i;

#define UI(key, dflt) ui_word(c, "ui." key, (dflt))
	printf("%s\n", path);
	print_label(UI("verdict", "Verdict"));
	printf("%s (%s %.1f, %s: %s)\n",
	    explain_verdict_label(s, lang), UI("score", "score"), s->score,
	    UI("action", "action"), action_name(s->action));
	if (s->msg != NULL) {
		print_label(UI("from", "From"));
		printf("%s\n",
		    scan_first_from(s->msg) ? scan_first_from(s->msg) : "-");
		print_label(UI("subject", "Subject"));
		printf("%s\n",
		    s->msg->subject ? s->msg->subject : "-");
	}
	print_label(UI("summary", "Summary"));
	printf("%s\n", explain_summary(s, lang));
	if (s->n_symbols > 0)
		printf("  %s\n", UI("reasons", "Reasons"));
	for (i = 0; i < s->n_symbols; i++)
		printf("    %+5.1f  %s\n           %s\n", s->symbols[i].score,
		    s->symbols[i].name, explain_symbol(s, lang, &s->symbols[i]));
	print_label(UI("authentication", "Authentication"));
	printf("SPF %s, DKIM %s, DMARC %s, ARC %s%s\n",
	    auth_result_name(s->auth.spf), auth_result_name(s->auth.dkim),
	    auth_result_name(s->auth.dmarc), auth_result_name(s->auth.arc),
	    s->auth.done ? "" : UI("auth_not_run", " (not evaluated)"));
	print_label(UI("envelope", "Envelope"));
	printf("%s %s, HELO %s, MAIL FROM <%s>\n", UI("client", "client"),
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
		struct buf out;

		buf_init(&out, SCAN_JSON_MAX);
		if (scan_json(s, o->lang, path, &out) == 0) {
			fwrite(out.data, 1, out.len, stdout);
			putchar('\n');
		} else
			fprintf(stderr, "mailtrust: %s: out of memory\n", path);
		buf_free(&out);
	} else
		print_text(s, o->lang, path);
	verdict = (int)s->verdict;
	scan_free(s);
	buf_free(&in);
	return verdict;
}

/*
 * --arc-trusted adds to the arc_trusted sealers of mailtrust.conf: a
 * NULL-terminated vector of heap strings, which config_free() frees.
 */
static int
check_add_arc_trusted(struct config *cfg, const struct check_opts *o)
{
	size_t n = 0, i;
	char **v;

	if (o->n_arc_trusted == 0)
		return 0;
	while (cfg->arc_trusted != NULL && cfg->arc_trusted[n] != NULL)
		n++;
	if ((v = realloc(cfg->arc_trusted, (n + o->n_arc_trusted + 1) *
	    sizeof(*v))) == NULL)
		return -1;
	cfg->arc_trusted = v;
	v[n] = NULL;
	for (i = 0; i < o->n_arc_trusted; i++) {
		if ((v[n] = strdup(o->arc_trusted[i])) == NULL)
			return -1;
		v[++n] = NULL;
	}
	return 0;
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
		{ "dns-server",	required_argument,	NULL, 'S' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "clamd",	required_argument,	NULL, 'C' },
		{ "clamd-down",	required_argument,	NULL, 'D' },
		{ "store",	required_argument,	NULL, 's' },
		{ "arc-trusted", required_argument,	NULL, 'A' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	struct check_opts o = { .lang = LANG_EN, .clamd_tempfail = -1 };
	struct dns_resolver *res;
	const char *datadir = NULL;
	const char *conf = NULL;	/* --config: mailtrust.conf(5) */
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
		case 'c':
			conf = optarg;
			break;
		case 'S':
			o.dns_server = optarg;
			break;
		case 'C':
			o.clamd = optarg;
			break;
		case 's':
			o.store = optarg;
			break;
		case 'A':
			if (o.n_arc_trusted == CHECK_MAX_ARC_TRUSTED) {
				fprintf(stderr,
				    "mailtrust: too many --arc-trusted\n");
				return CLI_EXIT_USAGE;
			}
			o.arc_trusted[o.n_arc_trusted++] = optarg;
			break;
		case 'D':
			if (strcmp(optarg, "tempfail") != 0 &&
			    strcmp(optarg, "symbol") != 0) {
				fprintf(stderr, "mailtrust: --clamd-down: "
				    "tempfail or symbol\n");
				return CLI_EXIT_USAGE;
			}
			o.clamd_tempfail = strcmp(optarg, "tempfail") == 0;
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
	if (cli_load_config(&cfg, datadir, conf) == -1)
		return CLI_EXIT_CONFIG;
	if (o.clamd != NULL) {
		free(cfg.clamd_socket);
		if ((cfg.clamd_socket = strdup(o.clamd)) == NULL) {
			config_free(&cfg);
			return CLI_EXIT_CONFIG;
		}
	}
	if (o.clamd_tempfail >= 0)
		cfg.clamd_tempfail = o.clamd_tempfail;
	if (check_add_arc_trusted(&cfg, &o) == -1) {
		fprintf(stderr, "mailtrust: out of memory\n");
		config_free(&cfg);
		return CLI_EXIT_CONFIG;
	}
	if (o.store != NULL && (cfg.store = store_open(o.store, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "mailtrust: --store: %s\n", err);
		config_free(&cfg);
		return CLI_EXIT_CONFIG;
	}
	if ((res = cli_open_resolver_cfg(&cfg, o.zone, o.dns_server)) ==
	    NULL) {
		store_close(cfg.store);
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
	store_close(cfg.store);
	config_free(&cfg);
	return worst;
}
