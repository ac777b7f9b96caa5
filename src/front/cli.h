/*
 * cli.h - the subcommands of the mailtrust command.
 *
 * Each subcommand is one file, cli_NAME.c, exporting cli_NAME(argc, argv)
 * with argv[0] being the subcommand's name.  They translate arguments to
 * library calls and results to text or JSON; no logic of their own.
 * Exit status: see enum cli_exit.
 */
#ifndef MT_CLI_H
#define MT_CLI_H

#include <stdbool.h>

/*
 * Exit codes.  check exits with the verdict (0 authenticated ... 5
 * malware); the others use 0 for success.  The sysexits(3) values mark
 * errors, so a script can tell a verdict from a failure.
 */
enum cli_exit {
	CLI_EXIT_OK		= 0,
	CLI_EXIT_USAGE		= 64,	/* EX_USAGE */
	CLI_EXIT_DATAERR	= 65,	/* EX_DATAERR */
	CLI_EXIT_NOINPUT	= 66,	/* EX_NOINPUT */
	CLI_EXIT_SOFTWARE	= 70,	/* EX_SOFTWARE */
	CLI_EXIT_CONFIG		= 78,	/* EX_CONFIG */
};

typedef int cli_fn(int argc, char **argv);

/* Subcommands, one cli_NAME.c each. */
cli_fn	cli_check;
cli_fn	cli_eval;
cli_fn	cli_spf;
cli_fn	cli_dmarc;
cli_fn	cli_authres;
cli_fn	cli_dkim;
cli_fn	cli_arc;
cli_fn	cli_sign;
cli_fn	cli_arc_seal;
cli_fn	cli_dig;
cli_fn	cli_audit;
cli_fn	cli_scan;
cli_fn	cli_milter;
cli_fn	cli_serve;
cli_fn	cli_learn;
cli_fn	cli_quarantine;
cli_fn	cli_dmarc_report;

/* Shared helpers for subcommands (cli_util.c). */
struct buf;
struct dns_resolver;
/* Reads FILE or "-" (stdin) whole, up to max bytes; prints the error. */
int	cli_read_input(const char *path, struct buf *, unsigned long max);
/* --zone FILE or the real resolver; prints the error, returns NULL. */
struct dns_resolver *cli_open_resolver(const char *zone_path);
/*
 * Like cli_open_resolver, but with server ("IP[@PORT]") every question
 * goes to that one server through libunbound, without DNSSEC (a test
 * or local authoritative server has no chain to the root); timeout_ms
 * 0 means the resolver's default.  zone_path wins when both are given.
 */
struct dns_resolver *cli_open_resolver_at(const char *zone_path,
	    const char *server, unsigned timeout_ms);
/*
 * What every front end with a configuration uses, so one message gets
 * the same answers from check, the milter and the HTTP API: --zone,
 * else --dns-server, else the dns_forwarders of mailtrust.conf, else
 * full recursion from the root with DNSSEC.
 */
struct config;
/*
 * config_load (data/, datadir NULL for the default) and then, when path
 * is given, mailtrust.conf on top; prints the error ("FILE:LINE:
 * reason") and returns -1 with nothing left to free.
 */
int	cli_load_config(struct config *, const char *datadir,
	    const char *path);
struct dns_resolver *cli_open_resolver_cfg(const struct config *,
	    const char *zone_path, const char *server);

#endif
