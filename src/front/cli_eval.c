/*
 * cli_eval.c - "mailtrust eval": how well the verdicts match labels.
 *
 *   mailtrust eval --ham DIR --phish DIR [--spam DIR] [--zone FILE]
 *       [--json] [--top N] [--misses] [--list] [--datadir DIR]
 *       [--store SPEC]
 *
 * Every file under the directories (recursively; names ending in .md,
 * .txt or .json and hidden files are not messages) is run through the
 * same pipeline as "mailtrust check".  Offline by default: the resolver
 * is an empty in-memory zone, so no message causes network traffic
 * (the corpora contain live phishing links).  --zone gives a zone file
 * instead.  Each option may be repeated.  --store SPEC lends the checks
 * a store (learned Bayes tokens, sender history) opened read-only, so
 * the run measures what was learned without learning the test set.
 *
 * Output: throughput, the confusion matrix (label x verdict), the
 * detection rate (phish and spam judged spam or worse), the false
 * positive rate (ham judged spam or worse), the same per source folder,
 * and the symbols that fired most per label.  --misses lists the
 * misjudged files with their score and symbols, for tuning data/;
 * --list lists every file that way ("msg" instead of "miss"), so the
 * weights can be fitted outside (always on the whole set: what a
 * weight does to ham is as important as what it does to phish).
 *
 * Memory: one scan (one arena) per message, freed before the next;
 * the path list is heap, bounded by EVAL_MAX_FILES.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "dns/dns.h"
#include "scan/config.h"
#include "scan/pipeline.h"
#include "scan/scan.h"
#include "store/store.h"
#include "util/buf.h"
#include "verdict/verdict.h"

#define EVAL_MAX_INPUT		(64ul * 1024 * 1024)
#define EVAL_MAX_FILES		1000000
#define EVAL_MAX_DIRS		16	/* per label */
#define EVAL_MAX_DEPTH		16
#define EVAL_MAX_SOURCES	256
#define EVAL_MAX_SYMBOLS	1024
#define EVAL_TOP_DEFAULT	15

enum label { L_HAM, L_PHISH, L_SPAM, L_COUNT };

static const char *const label_name[L_COUNT] = { "ham", "phish", "spam" };

struct item {
	char		*path;
	enum label	 label;
	unsigned	 source;
};

struct source {
	char		*name;		/* label/first folder below the root */
	enum label	 label;
	unsigned long	 n, flagged, verdict[VERDICT_COUNT];
};

struct symcount {
	const char	*name;
	unsigned long	 n[L_COUNT];
};

struct eval {
	struct item	*items;
	size_t		 n_items, cap_items;
	struct source	 src[EVAL_MAX_SOURCES];
	size_t		 n_src;
	unsigned long	 matrix[L_COUNT][VERDICT_COUNT];
	unsigned long	 total[L_COUNT], failed;
	struct symcount	 sym[EVAL_MAX_SYMBOLS];
	size_t		 n_sym;
	bool		 misses;
	bool		 list;		/* every file, judged right or not */
};

static void
eval_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust eval --ham DIR --phish DIR [--spam DIR]\n"
	    "           [--zone FILE] [--json] [--top N] [--misses] [--list]\n"
	    "           [--datadir DIR] [--store SPEC]\n");
}

static bool
is_message_name(const char *name)
{
	size_t n = strlen(name);

	if (name[0] == '.')
		return false;
	return !((n > 3 && strcmp(name + n - 3, ".md") == 0) ||
	    (n > 4 && strcmp(name + n - 4, ".txt") == 0) ||
	    (n > 5 && strcmp(name + n - 5, ".json") == 0));
}

static unsigned
source_index(struct eval *e, enum label l, const char *name)
{
	size_t i;

	for (i = 0; i < e->n_src; i++)
		if (e->src[i].label == l && strcmp(e->src[i].name, name) == 0)
			return (unsigned)i;
	if (e->n_src == EVAL_MAX_SOURCES)
		return (unsigned)(e->n_src - 1);	/* lumped together */
	e->src[e->n_src].name = strdup(name);
	e->src[e->n_src].label = l;
	return (unsigned)e->n_src++;
}

static int
add_item(struct eval *e, const char *path, enum label l, unsigned src)
{
	struct item *ni;

	if (e->n_items == EVAL_MAX_FILES) {
		fprintf(stderr, "mailtrust: more than %d files\n",
		    EVAL_MAX_FILES);
		return -1;
	}
	if (e->n_items == e->cap_items) {
		size_t ncap = e->cap_items ? e->cap_items * 2 : 1024;

		if ((ni = realloc(e->items, ncap * sizeof(*ni))) == NULL)
			return -1;
		e->items = ni;
		e->cap_items = ncap;
	}
	if ((e->items[e->n_items].path = strdup(path)) == NULL)
		return -1;
	e->items[e->n_items].label = l;
	e->items[e->n_items].source = src;
	e->n_items++;
	return 0;
}

static int
walk(struct eval *e, const char *dir, enum label l, int src, unsigned depth)
{
	struct dirent *de;
	struct stat st;
	char path[4096];
	DIR *d;
	int r = 0;

	if (depth > EVAL_MAX_DEPTH)
		return 0;
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "mailtrust: %s: cannot open\n", dir);
		return -1;
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (!is_message_name(de->d_name))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path) || stat(path, &st) == -1)
			continue;
		if (S_ISDIR(st.st_mode))
			r = walk(e, path, l, src >= 0 ? src :
			    (int)source_index(e, l, de->d_name), depth + 1);
		else if (S_ISREG(st.st_mode))
			r = add_item(e, path, l, src >= 0 ? (unsigned)src :
			    source_index(e, l, "."));
	}
	closedir(d);
	return r;
}

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->label != y->label)
		return (int)x->label - (int)y->label;
	return strcmp(x->path, y->path);
}

static bool
flagged(enum verdict v)
{
	return v >= VERDICT_SPAM;
}

static void
count_symbol(struct eval *e, const char *name, enum label l)
{
	size_t i;

	for (i = 0; i < e->n_sym; i++)
		if (strcmp(e->sym[i].name, name) == 0)
			break;
	if (i == e->n_sym) {
		if (e->n_sym == EVAL_MAX_SYMBOLS)
			return;
		e->sym[e->n_sym].name = strdup(name);
		if (e->sym[e->n_sym].name == NULL)
			return;
		e->n_sym++;
	}
	e->sym[i].n[l]++;
}

static void
print_miss(const char *tag, const struct item *it,
    const struct scan *s)
{
	size_t i;

	printf("%s %s %s %.1f %s:", tag, label_name[it->label],
	    verdict_name(s->verdict), s->score, it->path);
	for (i = 0; i < s->n_symbols; i++)
		printf(" %s(%.1f)", s->symbols[i].name, s->symbols[i].score);
	printf("\n");
}

static void
run_one(struct eval *e, const struct config *cfg, struct dns_resolver *res,
    const struct item *it)
{
	struct scan *s;
	struct buf in;
	size_t i;
	bool bad;

	if (cli_read_input(it->path, &in, EVAL_MAX_INPUT) == -1) {
		e->failed++;
		return;
	}
	if ((s = scan_new(cfg, res)) == NULL) {
		buf_free(&in);
		e->failed++;
		return;
	}
	if (scan_message(s, in.data ? in.data : "", in.len) == -1)
		e->failed++;
	e->matrix[it->label][s->verdict]++;
	e->total[it->label]++;
	e->src[it->source].n++;
	e->src[it->source].verdict[s->verdict]++;
	if (flagged(s->verdict))
		e->src[it->source].flagged++;
	for (i = 0; i < s->n_symbols; i++)
		count_symbol(e, s->symbols[i].name, it->label);
	bad = it->label == L_HAM ? flagged(s->verdict) : !flagged(s->verdict);
	if (e->list)
		print_miss(bad ? "miss" : "msg", it, s);
	else if (e->misses && bad)
		print_miss("miss", it, s);
	scan_free(s);
	buf_free(&in);
}

static double
pct(unsigned long a, unsigned long b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

static unsigned long
flagged_of(const struct eval *e, enum label l)
{
	unsigned long n = 0;
	int v;

	for (v = VERDICT_SPAM; v < VERDICT_COUNT; v++)
		n += e->matrix[l][v];
	return n;
}

static enum label sort_label;

static int
sym_cmp(const void *a, const void *b)
{
	const struct symcount *x = a, *y = b;

	if (x->n[sort_label] != y->n[sort_label])
		return x->n[sort_label] < y->n[sort_label] ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void
report_text(struct eval *e, double secs, unsigned top)
{
	unsigned long n = e->total[L_HAM] + e->total[L_PHISH] +
	    e->total[L_SPAM];
	size_t i;
	int l, v;

	printf("messages       %lu in %.2f s: %.0f messages/s%s\n", n, secs,
	    secs > 0 ? (double)n / secs : 0.0, e->failed ?
	    " (some failed internally)" : "");
	if (e->failed)
		printf("failed         %lu\n", e->failed);
	printf("\nconfusion (label x verdict)\n%-8s", "");
	for (v = 0; v < VERDICT_COUNT; v++)
		printf(" %13s", verdict_name((enum verdict)v));
	printf("\n");
	for (l = 0; l < L_COUNT; l++) {
		if (e->total[l] == 0)
			continue;
		printf("%-8s", label_name[l]);
		for (v = 0; v < VERDICT_COUNT; v++)
			printf(" %13lu", e->matrix[l][v]);
		printf("\n");
	}
	printf("\n");
	if (e->total[L_PHISH])
		printf("detection phish  %6.2f%% (%lu of %lu spam or worse)\n",
		    pct(flagged_of(e, L_PHISH), e->total[L_PHISH]),
		    flagged_of(e, L_PHISH), e->total[L_PHISH]);
	if (e->total[L_SPAM])
		printf("detection spam   %6.2f%% (%lu of %lu spam or worse)\n",
		    pct(flagged_of(e, L_SPAM), e->total[L_SPAM]),
		    flagged_of(e, L_SPAM), e->total[L_SPAM]);
	if (e->total[L_HAM])
		printf("false positives  %6.2f%% (%lu of %lu ham spam or "
		    "worse)\n", pct(flagged_of(e, L_HAM), e->total[L_HAM]),
		    flagged_of(e, L_HAM), e->total[L_HAM]);
	printf("\nper source (flagged = spam or worse)\n");
	for (i = 0; i < e->n_src; i++)
		printf("  %-6s %-32s %6lu  flagged %6.2f%%\n",
		    label_name[e->src[i].label], e->src[i].name, e->src[i].n,
		    pct(e->src[i].flagged, e->src[i].n));
	for (l = 0; l < L_COUNT; l++) {
		if (e->total[l] == 0)
			continue;
		sort_label = (enum label)l;
		qsort(e->sym, e->n_sym, sizeof(e->sym[0]), sym_cmp);
		printf("\nmost frequent symbols, %s\n", label_name[l]);
		for (i = 0; i < e->n_sym && i < top && e->sym[i].n[l]; i++)
			printf("  %-28s %6lu  %6.2f%%\n", e->sym[i].name,
			    e->sym[i].n[l], pct(e->sym[i].n[l], e->total[l]));
	}
}

static void
report_json(struct eval *e, double secs, unsigned top)
{
	unsigned long n = e->total[L_HAM] + e->total[L_PHISH] +
	    e->total[L_SPAM];
	json_t *o = json_object(), *m = json_object(), *src = json_array();
	json_t *syms = json_object();
	size_t i;
	int l, v;

	json_object_set_new(o, "messages", json_integer((json_int_t)n));
	json_object_set_new(o, "seconds", json_real(secs));
	json_object_set_new(o, "messages_per_second",
	    json_real(secs > 0 ? (double)n / secs : 0));
	json_object_set_new(o, "failed", json_integer((json_int_t)e->failed));
	for (l = 0; l < L_COUNT; l++) {
		json_t *row = json_object(), *tops = json_array();

		if (e->total[l] == 0)
			continue;
		for (v = 0; v < VERDICT_COUNT; v++)
			json_object_set_new(row, verdict_name((enum verdict)v),
			    json_integer((json_int_t)e->matrix[l][v]));
		json_object_set_new(m, label_name[l], row);
		sort_label = (enum label)l;
		qsort(e->sym, e->n_sym, sizeof(e->sym[0]), sym_cmp);
		for (i = 0; i < e->n_sym && i < top && e->sym[i].n[l]; i++) {
			json_t *t = json_object();

			json_object_set_new(t, "symbol",
			    json_string(e->sym[i].name));
			json_object_set_new(t, "messages",
			    json_integer((json_int_t)e->sym[i].n[l]));
			json_array_append_new(tops, t);
		}
		json_object_set_new(syms, label_name[l], tops);
	}
	json_object_set_new(o, "confusion", m);
	if (e->total[L_PHISH])
		json_object_set_new(o, "detection_phish", json_real(
		    pct(flagged_of(e, L_PHISH), e->total[L_PHISH]) / 100));
	if (e->total[L_SPAM])
		json_object_set_new(o, "detection_spam", json_real(
		    pct(flagged_of(e, L_SPAM), e->total[L_SPAM]) / 100));
	if (e->total[L_HAM])
		json_object_set_new(o, "false_positive_rate", json_real(
		    pct(flagged_of(e, L_HAM), e->total[L_HAM]) / 100));
	for (i = 0; i < e->n_src; i++) {
		json_t *so = json_object();

		json_object_set_new(so, "label",
		    json_string(label_name[e->src[i].label]));
		json_object_set_new(so, "source", json_string(e->src[i].name));
		json_object_set_new(so, "messages",
		    json_integer((json_int_t)e->src[i].n));
		json_object_set_new(so, "flagged",
		    json_integer((json_int_t)e->src[i].flagged));
		json_array_append_new(src, so);
	}
	json_object_set_new(o, "sources", src);
	json_object_set_new(o, "top_symbols", syms);
	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(o);
}

int
cli_eval(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ham",	required_argument,	NULL, 'H' },
		{ "phish",	required_argument,	NULL, 'P' },
		{ "spam",	required_argument,	NULL, 'S' },
		{ "zone",	required_argument,	NULL, 'z' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "top",	required_argument,	NULL, 't' },
		{ "misses",	no_argument,		NULL, 'm' },
		{ "list",	no_argument,		NULL, 'l' },
		{ "datadir",	required_argument,	NULL, 'd' },
		{ "store",	required_argument,	NULL, 's' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	const char *dirs[L_COUNT][EVAL_MAX_DIRS], *zone = NULL;
	const char *datadir = NULL, *store_spec = NULL;
	size_t ndirs[L_COUNT] = { 0 }, i;
	struct dns_resolver *res;
	struct timespec t0, t1;
	struct eval *e;
	struct config cfg;
	unsigned top = EVAL_TOP_DEFAULT;
	bool json = false, misses = false, list = false;
	char err[1024];
	enum label l;
	int c, rc = CLI_EXIT_OK;
	long v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jmh", longopts, NULL)) != -1) {
		switch (c) {
		case 'H':
		case 'P':
		case 'S':
			l = c == 'H' ? L_HAM : c == 'P' ? L_PHISH : L_SPAM;
			if (ndirs[l] == EVAL_MAX_DIRS) {
				fprintf(stderr, "mailtrust: too many --%s\n",
				    label_name[l]);
				return CLI_EXIT_USAGE;
			}
			dirs[l][ndirs[l]++] = optarg;
			break;
		case 'z':
			zone = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 't':
			v = strtol(optarg, NULL, 10);
			if (v < 1 || v > EVAL_MAX_SYMBOLS) {
				fprintf(stderr, "mailtrust: --top: 1..%d\n",
				    EVAL_MAX_SYMBOLS);
				return CLI_EXIT_USAGE;
			}
			top = (unsigned)v;
			break;
		case 'm':
			misses = true;
			break;
		case 'l':
			list = true;
			break;
		case 'd':
			datadir = optarg;
			break;
		case 's':
			store_spec = optarg;
			break;
		case 'h':
			eval_usage(stdout);
			return CLI_EXIT_OK;
		default:
			eval_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc || ndirs[L_HAM] + ndirs[L_PHISH] +
	    ndirs[L_SPAM] == 0) {
		eval_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		fprintf(stderr, "mailtrust: out of memory\n");
		return CLI_EXIT_SOFTWARE;
	}
	e->misses = misses;
	e->list = list;
	for (l = 0; l < L_COUNT; l++)
		for (i = 0; i < ndirs[l]; i++)
			if (walk(e, dirs[l][i], l, -1, 0) == -1) {
				rc = CLI_EXIT_NOINPUT;
				goto out;
			}
	qsort(e->items, e->n_items, sizeof(*e->items), item_cmp);

	if (config_load(&cfg, datadir, err, sizeof(err)) == -1) {
		fprintf(stderr, "mailtrust: %s\n", err);
		rc = CLI_EXIT_CONFIG;
		goto out;
	}
	/* Read-only: measuring must not teach the store the test set. */
	if (store_spec != NULL) {
		if ((cfg.store = store_open(store_spec, err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "mailtrust: --store: %s\n", err);
			config_free(&cfg);
			rc = CLI_EXIT_CONFIG;
			goto out;
		}
		store_set_readonly(cfg.store, true);
	}
	/* Offline unless told otherwise: an empty zone answers nothing. */
	if (zone != NULL)
		res = cli_open_resolver(zone);
	else if ((res = dns_zone_from_text("", 0, ".", err,
	    sizeof(err))) == NULL)
		fprintf(stderr, "mailtrust: %s\n", err);
	if (res == NULL) {
		store_close(cfg.store);
		config_free(&cfg);
		rc = CLI_EXIT_CONFIG;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < e->n_items; i++)
		run_one(e, &cfg, res, &e->items[i]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (json)
		report_json(e, (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, top);
	else
		report_text(e, (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, top);
	dns_resolver_free(res);
	store_close(cfg.store);
	config_free(&cfg);
out:
	for (i = 0; i < e->n_items; i++)
		free(e->items[i].path);
	for (i = 0; i < e->n_src; i++)
		free(e->src[i].name);
	for (i = 0; i < e->n_sym; i++)
		free((char *)e->sym[i].name);
	free(e->items);
	free(e);
	return rc;
}
