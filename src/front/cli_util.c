/*
 * cli_util.c - what several subcommands need: reading the input and
 * opening the resolver the same way.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dns/dns.h"
#include "scan/conffile.h"
#include "scan/config.h"
#include "util/buf.h"

int
cli_read_input(const char *path, struct buf *b, unsigned long max)
{
	int r;

	buf_init(b, max);
	if (strcmp(path, "-") == 0)
		r = buf_read_stream(b, stdin);
	else
		r = buf_read_file(b, path);
	if (r == -1) {
		fprintf(stderr, "mailtrust: %s: %s\n",
		    strcmp(path, "-") == 0 ? "standard input" : path,
		    errno == EFBIG ? "larger than the input limit" :
		    strerror(errno));
		buf_free(b);
		return -1;
	}
	return 0;
}

struct dns_resolver *
cli_open_resolver(const char *zone_path)
{
	struct dns_config dc = { .timeout_ms = 5000, .dnssec = true };
	struct dns_resolver *r;
	char err[512] = "";

	if (zone_path != NULL)
		r = dns_zone_open(zone_path, err, sizeof(err));
	else
		r = dns_unbound_open(&dc, err, sizeof(err));
	if (r == NULL)
		fprintf(stderr, "mailtrust: %s\n", err[0] ? err :
		    "cannot start the resolver");
	return r;
}

struct dns_resolver *
cli_open_resolver_at(const char *zone_path, const char *server,
    unsigned timeout_ms)
{
	const char *fwd[2] = { server, NULL };
	struct dns_config dc = { .timeout_ms = timeout_ms, .forwarders = fwd };
	struct dns_resolver *r;
	char err[512] = "";

	if (zone_path != NULL || server == NULL)
		return cli_open_resolver(zone_path);
	if ((r = dns_unbound_open(&dc, err, sizeof(err))) == NULL)
		fprintf(stderr, "mailtrust: %s\n", err[0] ? err :
		    "cannot start the resolver");
	return r;
}

struct dns_resolver *
cli_open_resolver_cfg(const struct config *cfg, const char *zone_path,
    const char *server)
{
	struct dns_config dc = { .timeout_ms = cfg->dns_timeout_ms };
	struct dns_resolver *r;
	char err[512] = "";

	if (zone_path != NULL || server != NULL)
		return cli_open_resolver_at(zone_path, server,
		    cfg->dns_timeout_ms);
	dc.forwarders = (const char **)cfg->dns_forwarders;
	/* Forwarders validate for us; recursing, we validate ourselves. */
	dc.dnssec = cfg->dns_forwarders == NULL;
	if ((r = dns_unbound_open(&dc, err, sizeof(err))) == NULL)
		fprintf(stderr, "mailtrust: %s\n", err[0] ? err :
		    "cannot start the resolver");
	return r;
}

int
cli_load_config(struct config *cfg, const char *datadir, const char *path)
{
	char err[1024];

	if (config_load(cfg, datadir, err, sizeof(err)) == -1) {
		fprintf(stderr, "mailtrust: %s\n", err);
		return -1;
	}
	if (path != NULL && config_load_file(cfg, path, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "mailtrust: %s\n", err);
		config_free(cfg);
		return -1;
	}
	return 0;
}
