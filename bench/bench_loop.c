/*
 * bench_loop.c - time mailtrust's library on messages, in-process.
 *
 *   bench_loop --zone FILE [--iterations N] [--stage pipeline|dkim|parse]
 *              FILE...
 *
 * For each file, runs the chosen stage N times and prints one line:
 *   FILE BYTES mean_us p50_us p99_us
 * "pipeline" is what every front end does per message (scan_new,
 * scan_message, scan_free: parse, envelope, SPF/DKIM/DMARC/ARC, checks,
 * verdict) with DNS answered from the zone; "dkim" parses once and then
 * verifies the message's DKIM signatures N times (a fresh DNS batch each
 * time, so every key is fetched and parsed again the way a new message
 * would); "parse" is message_parse alone.  bench/bench.py reads these
 * lines; the numbers are wall time on one thread.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/dkim.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "scan/config.h"
#include "scan/pipeline.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "bench_common.h"

enum stage { STAGE_PIPELINE, STAGE_DKIM, STAGE_PARSE };

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One run of the stage; returns its wall time in microseconds. */
static double
run_once(enum stage stage, const struct config *cfg,
    struct dns_resolver *res, const char *data, size_t len,
    const struct message *parsed)
{
	struct dkim_results out;
	struct dns_batch *batch;
	struct arena *a;
	struct scan *s;
	double t0 = bench_now_us();

	switch (stage) {
	case STAGE_PIPELINE:
		if ((s = scan_new(cfg, res)) == NULL)
			return -1;
		scan_message(s, data, len);
		scan_free(s);
		break;
	case STAGE_PARSE:
		if ((a = arena_new(cfg->arena_limit)) == NULL)
			return -1;
		message_parse(a, data, len, &cfg->limits);
		arena_free(a);
		break;
	case STAGE_DKIM:
		if ((a = arena_new(cfg->arena_limit)) == NULL)
			return -1;
		batch = dns_batch_new(res, a);
		dkim_verify(parsed, batch, a, time(NULL), &out);
		dns_batch_free(batch);
		arena_free(a);
		break;
	}
	return bench_now_us() - t0;
}

static int
bench_file(enum stage stage, const struct config *cfg,
    struct dns_resolver *res, const char *path, unsigned iterations)
{
	struct arena *keep = NULL;
	const struct message *parsed = NULL;
	double *t, sum = 0;
	size_t len = 0;
	unsigned i;
	char *data;

	if ((data = bench_read_file(path, &len)) == NULL) {
		fprintf(stderr, "bench_loop: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((t = calloc(iterations, sizeof(*t))) == NULL) {
		free(data);
		return -1;
	}
	if (stage == STAGE_DKIM) {
		keep = arena_new(cfg->arena_limit);
		parsed = keep != NULL ?
		    message_parse(keep, data, len, &cfg->limits) : NULL;
	}
	/* One untimed run warms caches the way a running server has them. */
	run_once(stage, cfg, res, data, len, parsed);
	for (i = 0; i < iterations; i++) {
		t[i] = run_once(stage, cfg, res, data, len, parsed);
		sum += t[i];
	}
	qsort(t, iterations, sizeof(*t), cmp_double);
	printf("%s %zu %.1f %.1f %.1f\n", path, len, sum / iterations,
	    t[iterations / 2], t[(size_t)(iterations * 0.99)]);
	free(t);
	free(data);
	if (keep != NULL)
		arena_free(keep);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "stage", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct dns_resolver *res;
	struct config cfg;
	const char *zone = NULL;
	enum stage stage = STAGE_PIPELINE;
	unsigned iterations = 200;
	char err[512];
	int c, i, rc = 0;

	arena_process_init();	/* as main() does */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'z':
			zone = optarg;
			break;
		case 'n':
			iterations = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			if (strcmp(optarg, "dkim") == 0)
				stage = STAGE_DKIM;
			else if (strcmp(optarg, "parse") == 0)
				stage = STAGE_PARSE;
			else if (strcmp(optarg, "pipeline") == 0)
				stage = STAGE_PIPELINE;
			else
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (zone == NULL || optind == argc || iterations == 0)
		goto usage;
	if (config_load(&cfg, config_default_datadir(), err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "bench_loop: %s\n", err);
		return 78;
	}
	if ((res = dns_zone_open(zone, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_loop: %s\n", err);
		config_free(&cfg);
		return 78;
	}
	for (i = optind; i < argc; i++)
		if (bench_file(stage, &cfg, res, argv[i], iterations) == -1)
			rc = 1;
	dns_resolver_free(res);
	config_free(&cfg);
	return rc;
usage:
	fprintf(stderr, "usage: bench_loop --zone FILE [--iterations N] "
	    "[--stage pipeline|dkim|parse] FILE...\n");
	return 64;
}
