/*
 * cli_sign.c - "mailtrust sign": DKIM-sign one message (RFC 6376 5,
 * RFC 8463) and write it, with the new DKIM-Signature on top, to stdout.
 *
 * The key comes from a PEM file (RSA or Ed25519) or a base64 Ed25519
 * seed; --algo only checks that the key is of the kind expected.
 * --canon takes "relaxed", "simple", or "header/body".  Exit 0 on
 * success; 64 usage, 66 unreadable input, 78 unusable key, 65 when the
 * message cannot be signed.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "auth/dkim.h"
#include "cli.h"
#include "mime/message.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define SIGN_CLI_INPUT_MAX	(64ul * 1024 * 1024)

static void
sign_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust sign --domain D --selector S --key FILE\n"
	    "         [--algo rsa|ed25519] [--canon C] [--headers h1:h2]\n"
	    "         [--time T] FILE|-\n"
	    "  --key FILE      PEM private key (RSA >= 1024 bits or Ed25519)\n"
	    "  --canon C       relaxed (default), simple, or header/body\n"
	    "  --headers LIST  fields to sign; default: From (oversigned), "
	    "Subject, Date, ...\n"
	    "  --time T        t= (Unix seconds); default now\n");
}

static int
parse_one(const char *s, size_t n, enum dkim_canon *c)
{
	if (n == 6 && memcmp(s, "simple", 6) == 0)
		*c = DKIM_CANON_SIMPLE;
	else if (n == 7 && memcmp(s, "relaxed", 7) == 0)
		*c = DKIM_CANON_RELAXED;
	else
		return -1;
	return 0;
}

/* "h/b", or one word for both (unlike c=, where the body defaults). */
static int
parse_canon(const char *s, struct dkim_signer *sg)
{
	const char *slash = strchr(s, '/');

	sg->canon_set = true;
	if (slash == NULL) {
		if (parse_one(s, strlen(s), &sg->hcanon) == -1)
			return -1;
		sg->bcanon = sg->hcanon;
		return 0;
	}
	if (parse_one(s, (size_t)(slash - s), &sg->hcanon) == -1 ||
	    parse_one(slash + 1, strlen(slash + 1), &sg->bcanon) == -1)
		return -1;
	return 0;
}

int
cli_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "selector", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "algo", required_argument, NULL, 'a' },
		{ "canon", required_argument, NULL, 'c' },
		{ "headers", required_argument, NULL, 'H' },
		{ "time", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dkim_signer sg;
	struct arena *a = NULL;
	struct message *m;
	const char *keyfile = NULL, *algo = NULL, *why = "out of memory";
	char *field;
	long long t = -1;
	struct buf in;
	int c, rc = CLI_EXIT_SOFTWARE;

	memset(&sg, 0, sizeof(sg));
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:s:k:a:c:H:t:h", opts,
	    NULL)) != -1) {
		switch (c) {
		case 'd':
			sg.domain = optarg;
			break;
		case 's':
			sg.selector = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'a':
			algo = optarg;
			break;
		case 'c':
			if (parse_canon(optarg, &sg) == -1) {
				fprintf(stderr,
				    "mailtrust sign: bad --canon\n");
				return CLI_EXIT_USAGE;
			}
			break;
		case 'H':
			sg.headers = optarg;
			break;
		case 't':
			if ((t = str_to_ll(optarg, strlen(optarg),
			    (1LL << 40))) < 0) {
				fprintf(stderr, "mailtrust sign: bad --time\n");
				return CLI_EXIT_USAGE;
			}
			break;
		case 'h':
			sign_usage(stdout);
			return CLI_EXIT_OK;
		default:
			sign_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || sg.domain == NULL || sg.selector == NULL ||
	    keyfile == NULL || (algo != NULL && strcmp(algo, "rsa") != 0 &&
	    strcmp(algo, "ed25519") != 0)) {
		sign_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if ((sg.key = dkim_privkey_load(keyfile, &why)) == NULL) {
		fprintf(stderr, "mailtrust sign: %s: %s\n", keyfile, why);
		return CLI_EXIT_CONFIG;
	}
	if (algo != NULL && (strcmp(algo, "rsa") == 0) !=
	    (dkim_privkey_alg(sg.key) == DKIM_ALG_RSA_SHA256)) {
		fprintf(stderr, "mailtrust sign: %s is not an %s key\n",
		    keyfile, algo);
		EVP_PKEY_free(sg.key);
		return CLI_EXIT_CONFIG;
	}
	sg.t = t >= 0 ? (time_t)t : time(NULL);
	if (cli_read_input(argv[optind], &in, SIGN_CLI_INPUT_MAX) == -1) {
		EVP_PKEY_free(sg.key);
		return CLI_EXIT_NOINPUT;
	}
	if ((a = arena_new(0)) == NULL ||
	    (m = message_parse(a, in.data != NULL ? in.data : "", in.len,
	    NULL)) == NULL) {
		fprintf(stderr, "mailtrust sign: out of memory\n");
		goto done;
	}
	if (dkim_sign(m, &sg, a, &field, &why) == -1) {
		fprintf(stderr, "mailtrust sign: %s\n", why);
		rc = CLI_EXIT_DATAERR;
		goto done;
	}
	if (fputs(field, stdout) == EOF ||
	    fwrite(in.data, 1, in.len, stdout) != in.len ||
	    fflush(stdout) == EOF) {
		fprintf(stderr, "mailtrust sign: write error\n");
		goto done;
	}
	rc = CLI_EXIT_OK;
done:
	EVP_PKEY_free(sg.key);
	arena_free(a);
	buf_free(&in);
	return rc;
}
