/*
 * cli_learn.c - "mailtrust learn": teach the Bayes classifier.
 *
 *   mailtrust learn [--store SPEC] --ham|--spam|--phish [--forget]
 *       FILE|DIR...
 *   mailtrust learn [--store SPEC] --stats
 *   mailtrust learn [--store SPEC] --classify FILE|DIR...
 *
 * Each FILE is one message; a DIR is walked (to LEARN_MAX_DEPTH levels)
 * for files, skipping hidden names and *.md, *.txt, *.json, the corpus
 * rule for notes beside messages.  Phishing is learned as spam.  A
 * message learned before counts once; one learned as the other class
 * moves; --forget takes back what it was learned as (a class given with
 * it is not needed and not used).  --stats
 * prints what the store holds; --classify prints each message's spam
 * probability (a tab, the file name) without changing the store.
 *
 * The store: --store SPEC, else $MAILTRUST_STORE, else
 * sqlite:$HOME/.local/share/mailtrust/store.db (see store.h).
 * Exit: 0 done, 64 usage, 66 some file unreadable, 75 the store failed
 * (EX_TEMPFAIL: try again later), 78 the store cannot be opened.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "cli.h"
#include "detect/bayes.h"
#include "mime/message.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"

#define LEARN_MAX_INPUT		(64ul * 1024 * 1024)
#define LEARN_MAX_DEPTH		8
#define LEARN_ARENA_LIMIT	(256u * 1024 * 1024)

enum learn_mode { MODE_NONE, MODE_LEARN, MODE_FORGET, MODE_CLASSIFY };

struct learn {
	struct store	*st;
	enum learn_mode	 mode;
	enum store_class cls;
	bool		 quiet;
	/* What happened, for the summary. */
	unsigned long	 done, known, absent, unreadable;
	int		 store_error;	/* first failure, stops the run */
};

static void
learn_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailtrust learn [--store SPEC] --ham|--spam|--phish "
	    "[--forget] FILE|DIR...\n"
	    "       mailtrust learn [--store SPEC] --stats\n"
	    "       mailtrust learn [--store SPEC] --classify FILE|DIR...\n"
	    "SPEC: sqlite:PATH (default $MAILTRUST_STORE or "
	    "~/.local/share/mailtrust/store.db),\n"
	    "      redis://HOST:PORT/DB, unix:/path/redis.sock\n");
}

static bool
skipped_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' ||
	    (n >= 3 && strcmp(name + n - 3, ".md") == 0) ||
	    (n >= 4 && strcmp(name + n - 4, ".txt") == 0) ||
	    (n >= 5 && strcmp(name + n - 5, ".json") == 0);
}

static void
one_message(struct learn *l, const char *path)
{
	struct bayes_result res;
	struct message *m;
	struct arena *a;
	struct buf in;
	int r;

	if (cli_read_input(path, &in, LEARN_MAX_INPUT) == -1) {
		l->unreadable++;
		return;
	}
	if ((a = arena_new(LEARN_ARENA_LIMIT)) == NULL ||
	    (m = message_parse(a, in.data ? in.data : "", in.len, NULL)) ==
	    NULL) {
		fprintf(stderr, "mailtrust: %s: over the memory limit\n", path);
		l->unreadable++;
		goto out;
	}
	if (l->mode == MODE_CLASSIFY) {
		if ((r = bayes_classify(l->st, a, m, &res)) == STORE_OK)
			printf("%.4f\t%s\n", res.prob, path);
	} else
		r = bayes_learn(l->st, a, m, l->cls, l->mode == MODE_FORGET,
		    NULL);
	switch (r) {
	case STORE_OK:
		l->done++;
		break;
	case STORE_EXISTS:
		l->known++;
		break;
	case STORE_NOT_FOUND:
		l->absent++;
		break;
	case STORE_ERR_NOMEM:
		fprintf(stderr, "mailtrust: %s: over the memory limit\n", path);
		l->unreadable++;
		break;
	default:
		fprintf(stderr, "mailtrust: %s: store (%s): %s\n", path,
		    store_backend_name(l->st), store_strerror(r));
		l->store_error = r;
	}
out:
	arena_free(a);
	buf_free(&in);
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void
walk(struct learn *l, const char *path, int depth)
{
	struct dirent **names;
	struct stat st;
	char sub[4096];
	int i, n;

	if (l->store_error != 0)
		return;
	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode)) {
		one_message(l, path);
		return;
	}
	if (depth >= LEARN_MAX_DEPTH) {
		fprintf(stderr, "mailtrust: %s: deeper than %d levels, "
		    "skipped\n", path, LEARN_MAX_DEPTH);
		return;
	}
	if ((n = scandir(path, &names, NULL, by_name)) == -1) {
		perror(path);
		l->unreadable++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (!skipped_name(names[i]->d_name) && l->store_error == 0) {
			if (snprintf(sub, sizeof(sub), "%s/%s", path,
			    names[i]->d_name) < (int)sizeof(sub))
				walk(l, sub, depth + 1);
			else
				l->unreadable++;
		}
		free(names[i]);
	}
	free(names);
}

static int
print_stats(struct store *st)
{
	struct store_counts t;
	int64_t senders = 0;
	int r;

	if ((r = store_bayes_totals(st, &t)) != STORE_OK ||
	    (r = store_counter_get(st, "history.messages", &senders)) !=
	    STORE_OK) {
		fprintf(stderr, "mailtrust: store (%s): %s\n",
		    store_backend_name(st), store_strerror(r));
		return EX_TEMPFAIL;
	}
	printf("store: %s\nlearned ham: %lld\nlearned spam: %lld\n"
	    "sender history: %lld messages\n", store_backend_name(st),
	    (long long)t.ham, (long long)t.spam, (long long)senders);
	if (t.ham < BAYES_MIN_HAM || t.spam < BAYES_MIN_SPAM)
		printf("the classifier gives no opinion until it has learned "
		    "%d ham and %d spam\n", BAYES_MIN_HAM, BAYES_MIN_SPAM);
	return CLI_EXIT_OK;
}

int
cli_learn(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "store",	required_argument,	NULL, 's' },
		{ "ham",	no_argument,		NULL, 'H' },
		{ "spam",	no_argument,		NULL, 'S' },
		{ "phish",	no_argument,		NULL, 'P' },
		{ "forget",	no_argument,		NULL, 'f' },
		{ "stats",	no_argument,		NULL, 't' },
		{ "classify",	no_argument,		NULL, 'c' },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	struct learn l = { .mode = MODE_NONE };
	const char *spec = NULL, *verb;
	bool have_class = false, forget = false, stats = false;
	char err[1024];
	struct store_counts t;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			spec = optarg;
			break;
		case 'H':
		case 'S':
		case 'P':
			if (have_class) {
				fprintf(stderr, "mailtrust: learn: one of "
				    "--ham, --spam, --phish\n");
				return CLI_EXIT_USAGE;
			}
			have_class = true;
			/* The classifier tells wanted from unwanted. */
			l.cls = c == 'H' ? STORE_HAM : STORE_SPAM;
			break;
		case 'f':
			forget = true;
			break;
		case 't':
			stats = true;
			break;
		case 'c':
			l.mode = MODE_CLASSIFY;
			break;
		case 'q':
			l.quiet = true;
			break;
		case 'h':
			learn_usage(stdout);
			return CLI_EXIT_OK;
		default:
			learn_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (!stats && l.mode != MODE_CLASSIFY)
		l.mode = forget ? MODE_FORGET : MODE_LEARN;
	if ((stats && (have_class || optind < argc)) ||
	    (l.mode == MODE_CLASSIFY && (have_class || forget)) ||
	    (l.mode == MODE_LEARN && !stats && !have_class) ||
	    (!stats && optind >= argc)) {
		learn_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if ((l.st = store_open_default(spec, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mailtrust: %s\n", err);
		return CLI_EXIT_CONFIG;
	}
	if ((rc = store_ping(l.st)) != STORE_OK) {
		fprintf(stderr, "mailtrust: store (%s): %s\n",
		    store_backend_name(l.st), store_strerror(rc));
		store_close(l.st);
		return EX_TEMPFAIL;
	}
	if (stats) {
		rc = print_stats(l.st);
		store_close(l.st);
		return rc;
	}
	if (l.mode == MODE_CLASSIFY)
		store_set_readonly(l.st, true);
	for (; optind < argc && l.store_error == 0; optind++)
		walk(&l, argv[optind], 0);

	verb = l.mode == MODE_CLASSIFY ? "classified" :
	    l.mode == MODE_FORGET ? "forgot" : "learned";
	if (!l.quiet && l.mode != MODE_CLASSIFY) {
		fprintf(stderr, "mailtrust: %s %lu message%s", verb, l.done,
		    l.done == 1 ? "" : "s");
		if (l.mode == MODE_LEARN)
			fprintf(stderr, " as %s, %lu known already",
			    l.cls == STORE_HAM ? "ham" : "spam", l.known);
		else
			fprintf(stderr, ", %lu never learned", l.absent);
		if (l.unreadable > 0)
			fprintf(stderr, ", %lu unreadable", l.unreadable);
		if (store_bayes_totals(l.st, &t) == STORE_OK)
			fprintf(stderr, "; the store (%s) holds %lld ham, "
			    "%lld spam", store_backend_name(l.st),
			    (long long)t.ham, (long long)t.spam);
		fprintf(stderr, "\n");
	}
	if (l.mode == MODE_CLASSIFY && store_bayes_totals(l.st, &t) ==
	    STORE_OK && (t.ham < BAYES_MIN_HAM || t.spam < BAYES_MIN_SPAM))
		fprintf(stderr, "mailtrust: note: only %lld ham and %lld spam "
		    "learned; checks ignore the classifier below %d of each\n",
		    (long long)t.ham, (long long)t.spam, BAYES_MIN_HAM);
	store_close(l.st);
	if (l.store_error != 0)
		return EX_TEMPFAIL;
	return l.unreadable > 0 ? CLI_EXIT_NOINPUT : CLI_EXIT_OK;
}
