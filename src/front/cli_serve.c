/*
 * cli_serve.c - "mailtrust serve": run the HTTP API and the page.
 *
 *   mailtrust serve [--config FILE] [--listen ADDR:PORT] [--zone FILE]
 *       [--dns-server IP[@PORT]] [--token-file FILE] [--threads N]
 *       [--max-body BYTES] [--timeout SECONDS] [--quarantine-dir DIR]
 *       [--sendmail PROGRAM] [--lang de|en] [--datadir DIR]
 *
 * Options win over mailtrust.conf.  The token comes from --token-file,
 * else $MAILTRUST_HTTP_TOKEN, else http_token in the configuration
 * (--token TOKEN also works, but shows the token to every user of ps).
 * Runs until SIGINT or SIGTERM, then finishes the requests under way.
 * Prints "mailtrust: listening on ADDR:PORT, port N" once it accepts
 * connections; with port 0, N is the port the kernel chose.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "cli.h"
#include "http.h"
#include "dns/dns.h"
#include "scan/conffile.h"
#include "scan/config.h"
#include "store/store.h"
#include "util/buf.h"

/* The mailtrust.conf reader is built when its file exists. */

struct serve_opts {
	const char	*config_path;
	const char	*datadir;
	const char	*zone;
	const char	*dns_server;
	const char	*listen;
	const char	*token;
	const char	*token_file;
	const char	*quarantine_dir;
	const char	*sendmail;
	const char	*lang;
	unsigned long	 threads, max_body, timeout_s;	/* 0: config */
};

static void
serve_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust serve [--config FILE] [--listen ADDR:PORT]\n"
	    "           [--zone FILE] [--dns-server IP[@PORT]]\n"
	    "           [--token-file FILE] [--threads N] [--max-body BYTES]\n"
	    "           [--timeout SECONDS] [--quarantine-dir DIR]\n"
	    "           [--sendmail PROGRAM] [--lang de|en] [--datadir DIR]\n");
}

static int
parse_count(const char *name, const char *s, unsigned long max,
    unsigned long *out)
{
	char *end;

	*out = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || *out == 0 || *out > max) {
		fprintf(stderr, "mailtrust: %s: a number from 1 to %lu\n",
		    name, max);
		return -1;
	}
	return 0;
}

/* The first line of FILE, without its line end, into the config. */
static int
read_token_file(const char *path, char **token)
{
	struct buf b;
	size_t n;

	buf_init(&b, HTTP_TOKEN_MAX + 2);
	if (buf_read_file(&b, path) == -1) {
		fprintf(stderr, "mailtrust: %s: cannot read the token (or "
		    "longer than %d bytes)\n", path, HTTP_TOKEN_MAX);
		buf_free(&b);
		return -1;
	}
	for (n = 0; n < b.len && b.data[n] != '\n' && b.data[n] != '\r'; n++)
		;
	b.data[n] = '\0';
	free(*token);
	*token = buf_steal(&b);
	return 0;
}

static int
parse_args(int argc, char **argv, struct serve_opts *o)
{
	static const struct option longopts[] = {
		{ "config",		required_argument, NULL, 'c' },
		{ "datadir",		required_argument, NULL, 'd' },
		{ "zone",		required_argument, NULL, 'z' },
		{ "dns-server",		required_argument, NULL, 'S' },
		{ "listen",		required_argument, NULL, 'L' },
		{ "token",		required_argument, NULL, 'T' },
		{ "token-file",		required_argument, NULL, 'F' },
		{ "threads",		required_argument, NULL, 'n' },
		{ "max-body",		required_argument, NULL, 'm' },
		{ "timeout",		required_argument, NULL, 't' },
		{ "quarantine-dir",	required_argument, NULL, 'q' },
		{ "sendmail",		required_argument, NULL, 's' },
		{ "lang",		required_argument, NULL, 'l' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL,			0,		   NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:z:L:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config_path = optarg; break;
		case 'd': o->datadir = optarg; break;
		case 'z': o->zone = optarg; break;
		case 'S': o->dns_server = optarg; break;
		case 'L': o->listen = optarg; break;
		case 'T': o->token = optarg; break;
		case 'F': o->token_file = optarg; break;
		case 'q': o->quarantine_dir = optarg; break;
		case 's': o->sendmail = optarg; break;
		case 'l': o->lang = optarg; break;
		case 'n':
			if (parse_count("--threads", optarg, HTTP_THREADS_MAX,
			    &o->threads) == -1)
				return CLI_EXIT_USAGE;
			break;
		case 'm':
			if (parse_count("--max-body", optarg, 1ul << 30,
			    &o->max_body) == -1)
				return CLI_EXIT_USAGE;
			break;
		case 't':
			if (parse_count("--timeout", optarg, 3600,
			    &o->timeout_s) == -1)
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			serve_usage(stdout);
			return CLI_EXIT_OK;
		default:
			serve_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		serve_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

/* Lays the options and the environment over the loaded configuration. */
static int
apply_opts(struct config *cfg, const struct serve_opts *o)
{
	const char *env = getenv("MAILTRUST_HTTP_TOKEN");
	char **slot[] = { &cfg->http_listen, &cfg->quarantine_dir };
	const char *val[] = { o->listen, o->quarantine_dir };
	size_t i;

	for (i = 0; i < sizeof(slot) / sizeof(slot[0]); i++) {
		if (val[i] == NULL)
			continue;
		free(*slot[i]);
		if ((*slot[i] = strdup(val[i])) == NULL)
			return -1;
	}
	if (o->token_file != NULL) {
		if (read_token_file(o->token_file, &cfg->http_token) == -1)
			return -1;
	} else if (o->token != NULL || (env != NULL && *env != '\0')) {
		free(cfg->http_token);
		if ((cfg->http_token = strdup(o->token ? o->token : env))
		    == NULL)
			return -1;
	}
	if (o->lang != NULL &&
	    (int)(cfg->lang = config_lang_from_name(o->lang)) < 0) {
		fprintf(stderr, "mailtrust: --lang: de or en\n");
		return -1;
	}
	if (o->threads != 0)
		cfg->http_threads = (unsigned)o->threads;
	if (o->max_body != 0)
		cfg->http_max_body = o->max_body;
	if (o->timeout_s != 0)
		cfg->http_timeout_s = (unsigned)o->timeout_s;
	return 0;
}

/*
 * Serves until SIGINT or SIGTERM.  Release goes through --sendmail, else
 * release_sendmail of mailtrust.conf, else the quarantine's default.
 */
static int
serve_run(const struct config *cfg, struct dns_resolver *res,
    const char *sendmail)
{
	const char *sendmail_argv[] = { sendmail, NULL };
	const char *const *release = sendmail != NULL ? sendmail_argv :
	    (const char *const *)cfg->release_sendmail;
	struct http_opts ho = {
		.cfg = cfg,
		.resolver = res,
		.listen = cfg->http_listen,
		.token = cfg->http_token,
		.threads = cfg->http_threads,
		.max_body = cfg->http_max_body,
		.timeout_s = cfg->http_timeout_s,
		.quarantine_dir = cfg->quarantine_dir,
		.sendmail = release,
	};
	struct http_server *srv;
	char err[512];
	sigset_t set;
	int sig;

	/*
	 * Block the signals before libmicrohttpd starts its threads, so they
	 * inherit the mask and only sigwait() below receives them.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((srv = http_start(&ho, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mailtrust: %s\n", err);
		return CLI_EXIT_CONFIG;
	}
	fprintf(stderr, "mailtrust: listening on %s, port %u (%u threads)\n",
	    cfg->http_listen ? cfg->http_listen : "127.0.0.1",
	    http_port(srv), ho.threads);
	fflush(stderr);
	while (sigwait(&set, &sig) != 0)
		;
	http_stop(srv);
	return CLI_EXIT_OK;
}

int
cli_serve(int argc, char **argv)
{
	struct serve_opts o = { 0 };
	struct dns_resolver *res;
	struct config cfg;
	char err[1024];
	int r;

	if ((r = parse_args(argc, argv, &o)) != -1)
		return r;
	if (cli_load_config(&cfg, o.datadir, o.config_path) == -1)
		return CLI_EXIT_CONFIG;
	if (apply_opts(&cfg, &o) == -1) {
		config_free(&cfg);
		return CLI_EXIT_CONFIG;
	}
	/* The shared state (sender history, Bayes) of mailtrust.conf. */
	if (cfg.store_spec != NULL &&
	    (cfg.store = store_open(cfg.store_spec, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "mailtrust: store: %s\n", err);
		config_free(&cfg);
		return CLI_EXIT_CONFIG;
	}
	if ((res = cli_open_resolver_cfg(&cfg, o.zone, o.dns_server)) == NULL) {
		r = CLI_EXIT_CONFIG;
		goto out;
	}
	r = serve_run(&cfg, res, o.sendmail);
	dns_resolver_free(res);
out:
	if (cfg.store != NULL)
		store_close(cfg.store);
	config_free(&cfg);
	return r;
}
