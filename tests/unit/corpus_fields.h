/*
 * corpus_fields.h - the corpus half of a header parser's differential
 * test: every field of the chosen names, in each message of the list an
 * MT_*_CORPUS variable names, through a check that says how the parser
 * differs from its reference (NULL when it does not).  One ok() line.
 * Include after tap.h and slurp.h.
 */
#ifndef MT_TEST_CORPUS_FIELDS_H
#define MT_TEST_CORPUS_FIELDS_H

#include <stdio.h>
#include <stdlib.h>

#include "mime/message.h"
#include "util/arena.h"
#include "util/str.h"

typedef const char *(*corpus_differ_fn)(struct arena *, const char *,
    size_t);

/* each_listed() passes only a path: the run's state is here. */
static struct {
	const char *const *names;
	size_t		 n_names;
	corpus_differ_fn differ;
	size_t		 fields;
} corpus_run;

static bool
corpus_name_wanted(const struct header *h)
{
	size_t k;

	for (k = 0; k < corpus_run.n_names; k++)
		if (str_ieq(h->name, h->name_len, corpus_run.names[k]))
			return true;
	return false;
}

static bool
corpus_fields_file(const char *path)
{
	struct arena *a = arena_new(0);
	struct message *m;
	const char *why;
	size_t i, len;
	char *b;
	bool same = true;

	if (a == NULL || (b = slurp(path, &len)) == NULL) {
		arena_free(a);
		return false;
	}
	if ((m = message_parse(a, b, len, NULL)) != NULL)
		for (i = 0; i < m->n_headers; i++) {
			if (!corpus_name_wanted(&m->headers[i]))
				continue;
			corpus_run.fields++;
			if ((why = corpus_run.differ(a, m->headers[i].value,
			    m->headers[i].value_len)) != NULL) {
				printf("# %s: field %zu: %s differs\n", path,
				    i, why);
				same = false;
			}
		}
	arena_free(a);
	free(b);
	return same;
}

/* Nothing (no line) when env is unset or empty. */
static inline void
corpus_fields_check(const char *env, const char *const *names, size_t n,
    corpus_differ_fn differ, const char *what)
{
	const char *list = getenv(env);
	size_t bad = 0;
	long files;

	if (list == NULL || *list == '\0')
		return;
	corpus_run.names = names;
	corpus_run.n_names = n;
	corpus_run.differ = differ;
	corpus_run.fields = 0;
	files = each_listed(list, corpus_fields_file, &bad);
	ok(files >= 0 && bad == 0 && corpus_run.fields > 0, "%s: %ld files, "
	    "%zu differ (%zu %s fields)", list, files, bad, corpus_run.fields,
	    what);
}

#endif
