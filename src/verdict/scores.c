/*
 * scores.c - the score table from data/scores.
 *
 * Format, one entry per line, '#' starts a comment:
 *	symbol NAME WEIGHT CLASS	weight and class of a symbol
 *	threshold VERDICT SCORE		least score for spam/suspicious/
 *					phishing/malware
 *	minimum phishing SCORE		least phishing-class part of the score
 *	action VERDICT ACTION		accept/tag/quarantine/reject/tempfail
 * The symbol list is sorted at load so a lookup is a binary search.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verdict.h"
#include "verdict_internal.h"
#include "util/buf.h"

#define SCORES_MAX_BYTES	(1024 * 1024)
#define SCORES_MAX_SYMBOLS	4096

static const char *const class_names[SYM_CLASS_COUNT] = {
	"info", "good", "auth", "defect", "spam", "phish", "malware",
};

const char *
symbol_class_name(int cls)
{
	if (cls >= 0 && cls < SYM_CLASS_COUNT)
		return class_names[cls];
	return "info";
}

static int
class_from_name(const char *s)
{
	int i;

	for (i = 0; i < SYM_CLASS_COUNT; i++)
		if (strcmp(s, class_names[i]) == 0)
			return i;
	return -1;
}

static const char *const verdict_names[VERDICT_COUNT] = {
	"authenticated", "unverified", "spam", "suspicious", "phishing",
	"malware",
};

const char *
verdict_name(enum verdict v)
{
	if ((unsigned)v < VERDICT_COUNT)
		return verdict_names[v];
	return "unverified";
}

static int
verdict_from_name(const char *s)
{
	int i;

	for (i = 0; i < VERDICT_COUNT; i++)
		if (strcmp(s, verdict_names[i]) == 0)
			return i;
	return -1;
}

static const char *const action_names[] = {
	"accept", "tag", "quarantine", "reject", "tempfail",
};

const char *
action_name(enum action a)
{
	if ((unsigned)a < sizeof(action_names) / sizeof(action_names[0]))
		return action_names[a];
	return "tempfail";
}

static int
action_from_name(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (strcmp(s, action_names[i]) == 0)
			return (int)i;
	return -1;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct score_entry *)a)->name,
	    ((const struct score_entry *)b)->name);
}

static int
parse_number(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return (errno != 0 || end == s || *end != '\0') ? -1 : 0;
}

struct score_table *
score_table_load(const char *path, char *err, size_t errlen)
{
	struct score_table *t;
	struct buf b;
	char *line, *next, *w[5];
	unsigned lineno = 0, nw;
	int v, c;
	double num;

	buf_init(&b, SCORES_MAX_BYTES);
	if (buf_read_file(&b, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		buf_free(&b);
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto nomem;
	/* Defaults that make a table with only symbols still usable. */
	t->threshold[VERDICT_SUSPICIOUS] = 4;
	t->threshold[VERDICT_SPAM] = 6;
	t->threshold[VERDICT_PHISHING] = 8;
	t->threshold[VERDICT_MALWARE] = 5;
	t->phish_minimum = 4;
	t->action[VERDICT_AUTHENTICATED] = ACTION_ACCEPT;
	t->action[VERDICT_UNVERIFIED] = ACTION_ACCEPT;
	t->action[VERDICT_SPAM] = ACTION_TAG;
	t->action[VERDICT_SUSPICIOUS] = ACTION_TAG;
	t->action[VERDICT_PHISHING] = ACTION_QUARANTINE;
	t->action[VERDICT_MALWARE] = ACTION_REJECT;

	for (line = b.data; line != NULL && *line != '\0'; line = next) {
		char *p, *hash, *save;

		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		nw = 0;
		for (p = strtok_r(line, " \t\r", &save); p != NULL && nw < 5;
		    p = strtok_r(NULL, " \t\r", &save))
			w[nw++] = p;
		if (nw == 0)
			continue;
		if (strcmp(w[0], "symbol") == 0 && nw == 4) {
			if (parse_number(w[2], &num) == -1 ||
			    (c = class_from_name(w[3])) == -1)
				goto bad;
			if (t->n == SCORES_MAX_SYMBOLS) {
				snprintf(err, errlen, "%s:%u: too many symbols",
				    path, lineno);
				goto fail;
			}
			if (t->n == t->cap) {
				size_t ncap = t->cap ? t->cap * 2 : 128;
				void *p2 = realloc(t->v, ncap * sizeof(*t->v));

				if (p2 == NULL)
					goto nomem;
				t->v = p2;
				t->cap = ncap;
			}
			if ((t->v[t->n].name = strdup(w[1])) == NULL)
				goto nomem;
			t->v[t->n].weight = num;
			t->v[t->n].cls = c;
			t->n++;
		} else if (strcmp(w[0], "threshold") == 0 && nw == 3) {
			if ((v = verdict_from_name(w[1])) == -1 ||
			    parse_number(w[2], &num) == -1)
				goto bad;
			t->threshold[v] = num;
		} else if (strcmp(w[0], "minimum") == 0 && nw == 3 &&
		    strcmp(w[1], "phishing") == 0) {
			if (parse_number(w[2], &num) == -1)
				goto bad;
			t->phish_minimum = num;
		} else if (strcmp(w[0], "action") == 0 && nw == 3) {
			if ((v = verdict_from_name(w[1])) == -1 ||
			    (c = action_from_name(w[2])) == -1)
				goto bad;
			t->action[v] = (enum action)c;
		} else
			goto bad;
	}
	if (t->n > 0)	/* qsort(NULL, 0, ...) is undefined */
		qsort(t->v, t->n, sizeof(*t->v), by_name);
	for (size_t i = 1; i < t->n; i++)
		if (strcmp(t->v[i - 1].name, t->v[i].name) == 0) {
			snprintf(err, errlen, "%s: symbol %s listed twice",
			    path, t->v[i].name);
			goto fail;
		}
	buf_free(&b);
	return t;
bad:
	snprintf(err, errlen, "%s:%u: cannot parse this line", path, lineno);
	goto fail;
nomem:
	snprintf(err, errlen, "%s: out of memory", path);
fail:
	buf_free(&b);
	score_table_free(t);
	return NULL;
}

void
score_table_free(struct score_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	free(t);
}

void
score_lookup(const struct score_table *t, const char *name, double *weight,
    int *cls)
{
	struct score_entry key, *e;

	*weight = 0;
	*cls = SYM_INFO;
	if (t == NULL || t->n == 0)
		return;
	key.name = (char *)name;
	e = bsearch(&key, t->v, t->n, sizeof(*t->v), by_name);
	if (e != NULL) {
		*weight = e->weight;
		*cls = e->cls;
	}
}
