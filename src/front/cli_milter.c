/*
 * cli_milter.c - "mailtrust milter": serve the MTA over libmilter.
 *
 *   mailtrust milter [--config FILE] [--listen SOCKET] [--zone FILE]
 *       [--dns-server IP[@PORT]] [--datadir DIR] [--verbose]
 *
 * SOCKET is libmilter's form (unix:/path, inet:PORT@127.0.0.1); it
 * overrides milter_listen of mailtrust.conf.  --zone answers DNS from a
 * master file (tests).  A bad configuration stops it before it listens,
 * with FILE:LINE: reason and exit status 78.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "milter.h"
#include "dns/dns.h"
#include "scan/conffile.h"
#include "scan/config.h"
#include "store/store.h"
#include "util/log.h"

static void
milter_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust milter [--config FILE] [--listen SOCKET]\n"
	    "           [--zone FILE] [--dns-server IP[@PORT]]\n"
	    "           [--datadir DIR] [--verbose]\n"
	    "SOCKET: unix:/PATH, inet:PORT@HOST or inet6:PORT@HOST\n");
}

int
cli_milter(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "listen",	required_argument,	NULL, 'l' },
		{ "zone",	required_argument,	NULL, 'z' },
		{ "dns-server",	required_argument,	NULL, 'S' },
		{ "datadir",	required_argument,	NULL, 'd' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	const char *conf = NULL, *listen = NULL, *zone = NULL;
	const char *server = NULL, *datadir = NULL;
	enum log_level level = LOG_LVL_INFO;
	struct dns_resolver *res = NULL;
	struct config cfg;
	char err[1024];
	int c, rc = CLI_EXIT_CONFIG;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:l:z:vh", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'z':
			zone = optarg;
			break;
		case 'S':
			server = optarg;
			break;
		case 'd':
			datadir = optarg;
			break;
		case 'v':
			level = LOG_LVL_DEBUG;
			break;
		case 'h':
			milter_usage(stdout);
			return CLI_EXIT_OK;
		default:
			milter_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		milter_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	log_init("mailtrust", level, 0);
	if (cli_load_config(&cfg, datadir, conf) == -1)
		return CLI_EXIT_CONFIG;
	if (listen == NULL)
		listen = cfg.milter_listen;
	if (listen == NULL) {
		fprintf(stderr, "mailtrust: milter: no socket: give --listen "
		    "or milter_listen in mailtrust.conf\n");
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (cfg.store_spec != NULL &&
	    (cfg.store = store_open(cfg.store_spec, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "mailtrust: store: %s\n", err);
		goto out;
	}
	if ((res = cli_open_resolver_cfg(&cfg, zone, server)) == NULL)
		goto out;
	/* The MTA's group must reach a unix socket; nobody else. */
	umask(007);
	rc = milter_run(&cfg, res, listen) == 0 ? CLI_EXIT_OK :
	    CLI_EXIT_SOFTWARE;
out:
	if (res != NULL)
		dns_resolver_free(res);
	if (cfg.store != NULL)
		store_close(cfg.store);
	config_free(&cfg);
	return rc;
}
