/*
 * cli_arc_seal.c - "mailtrust arc-seal": add one ARC set to a message as
 * an intermediary (RFC 8617 5.1) and write the message to stdout.
 *
 * The chain status that goes into cv= is the arc= result of our own
 * Authentication-Results fields (those whose authserv-id is --srv-id);
 * when they state none, mailtrust validates the chain itself (--zone or
 * the real resolver).  When no set may be added (the chain already
 * failed at the last sealer, or has 50 sets) the message is written
 * unchanged and the reason goes to stderr.  Exit 0 on success; 64 usage,
 * 66 unreadable input, 78 unusable key, 65 when sealing fails.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "auth/arc.h"
#include "auth/dkim.h"
#include "cli.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define SEAL_CLI_INPUT_MAX	(64ul * 1024 * 1024)

static void
seal_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust arc-seal --domain D --selector S --key FILE\n"
	    "         --srv-id ID [--time T] [--headers h1:h2] [--zone FILE] "
	    "FILE|-\n"
	    "  --srv-id ID     our authserv-id: the Authentication-Results "
	    "copied into the set\n"
	    "  --headers LIST  fields the ARC-Message-Signature covers\n"
	    "  --zone FILE     DNS for validating the chain, when our results "
	    "do not say\n");
}

/* The chain status: what our results say, else what we find. */
static int
chain_status(const struct message *m, const char *srv_id, const char *zone,
    struct arena *a, enum auth_result *cv)
{
	struct dns_resolver *res;
	struct dns_batch *batch;
	struct arc_result r;
	bool found;
	int rc = -1;

	*cv = arc_seal_cv_from_ar(m, srv_id, &found);
	if (found)
		return 0;
	if ((res = cli_open_resolver(zone)) == NULL)
		return -1;
	if ((batch = dns_batch_new(res, a)) != NULL &&
	    arc_verify(m, batch, a, &r) == 0) {
		*cv = r.cv;
		rc = 0;
	}
	dns_batch_free(batch);
	dns_resolver_free(res);
	return rc;
}

int
cli_arc_seal(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "selector", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "srv-id", required_argument, NULL, 'i' },
		{ "time", required_argument, NULL, 't' },
		{ "headers", required_argument, NULL, 'H' },
		{ "zone", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct arc_sealer sl;
	struct arena *a = NULL;
	struct message *m;
	const char *keyfile = NULL, *zone = NULL, *why = "out of memory";
	enum auth_result cv;
	char *fields = NULL;
	long long t = -1;
	struct buf in;
	int c, r, rc = CLI_EXIT_SOFTWARE;

	memset(&sl, 0, sizeof(sl));
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:s:k:i:t:H:z:h", opts,
	    NULL)) != -1) {
		switch (c) {
		case 'd':
			sl.domain = optarg;
			break;
		case 's':
			sl.selector = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'i':
			sl.srv_id = optarg;
			break;
		case 't':
			if ((t = str_to_ll(optarg, strlen(optarg),
			    (1LL << 40))) < 0) {
				fprintf(stderr, "mailtrust arc-seal: bad "
				    "--time\n");
				return CLI_EXIT_USAGE;
			}
			break;
		case 'H':
			sl.headers = optarg;
			break;
		case 'z':
			zone = optarg;
			break;
		case 'h':
			seal_usage(stdout);
			return CLI_EXIT_OK;
		default:
			seal_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || sl.domain == NULL || sl.selector == NULL ||
	    keyfile == NULL || sl.srv_id == NULL) {
		seal_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if ((sl.key = dkim_privkey_load(keyfile, &why)) == NULL) {
		fprintf(stderr, "mailtrust arc-seal: %s: %s\n", keyfile, why);
		return CLI_EXIT_CONFIG;
	}
	sl.t = t >= 0 ? (time_t)t : time(NULL);
	if (cli_read_input(argv[optind], &in, SEAL_CLI_INPUT_MAX) == -1) {
		EVP_PKEY_free(sl.key);
		return CLI_EXIT_NOINPUT;
	}
	if ((a = arena_new(0)) == NULL ||
	    (m = message_parse(a, in.data != NULL ? in.data : "", in.len,
	    NULL)) == NULL) {
		fprintf(stderr, "mailtrust arc-seal: out of memory\n");
		goto done;
	}
	if (chain_status(m, sl.srv_id, zone, a, &cv) == -1) {
		fprintf(stderr, "mailtrust arc-seal: cannot validate the "
		    "chain\n");
		goto done;
	}
	if ((r = arc_seal(m, &sl, cv, NULL, a, &fields, &why)) == -1) {
		fprintf(stderr, "mailtrust arc-seal: %s\n", why);
		rc = CLI_EXIT_DATAERR;
		goto done;
	}
	if (r == 1)
		fprintf(stderr, "mailtrust arc-seal: %s\n", why);
	if ((fields != NULL && fputs(fields, stdout) == EOF) ||
	    fwrite(in.data, 1, in.len, stdout) != in.len ||
	    fflush(stdout) == EOF) {
		fprintf(stderr, "mailtrust arc-seal: write error\n");
		goto done;
	}
	rc = CLI_EXIT_OK;
done:
	EVP_PKEY_free(sl.key);
	arena_free(a);
	buf_free(&in);
	return rc;
}
