/*
 * scanner_resume.c - the journal that lets a scan stop (^C, a crash, a
 * reboot) and resume without probing any host twice.
 *
 * Append-only text, one record a line, each written and fsync'd before
 * the scan goes on:
 *
 *   S <TAB> target                  probing is about to start
 *   D <TAB> target <TAB> json       finished, with its result line
 *
 * On resume, finished targets are skipped and their results kept for the
 * report; a target started but never finished (the process died while
 * probing it) is not probed again either, because it may already have
 * been, and is reported as unreachable with a note saying why.  A torn
 * last line from a crash is ignored and cut off by a newline.
 *
 * Memory: the journal owns copies of every target and line.  Ceiling:
 * JOURNAL_MAX_LINE bytes per record (a result line is far smaller).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "audit/scanner.h"

#define JOURNAL_MAX_LINE	(64 * 1024)

struct scanner_journal {
	FILE		*fp;
	GHashTable	*done;		/* target -> json line */
	GHashTable	*started;	/* target -> target */
	char		**lines;	/* every finished json line */
	size_t		 nlines, cap;
};

static int
keep_line(struct scanner_journal *j, char *json)
{
	if (j->nlines == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 256;
		char **l = realloc(j->lines, cap * sizeof(*l));

		if (l == NULL)
			return -1;
		j->lines = l;
		j->cap = cap;
	}
	j->lines[j->nlines++] = json;
	return 0;
}

static int
journal_record(struct scanner_journal *j, char *line)
{
	char *target = line + 2, *tab;

	if (line[1] != '\t')
		return -1;
	if (line[0] == 'S') {
		char *t = g_strdup(target);

		g_hash_table_replace(j->started, t, t);
		return 0;
	}
	if (line[0] != 'D' || (tab = strchr(target, '\t')) == NULL)
		return -1;
	*tab = '\0';
	if (g_hash_table_contains(j->done, target))
		return 0;
	g_hash_table_replace(j->done, g_strdup(target), g_strdup(tab + 1));
	return keep_line(j, g_strdup(tab + 1));
}

static int
journal_read(struct scanner_journal *j, FILE *fp, bool *torn, char *err,
    size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	size_t lineno = 0;

	*torn = false;
	while ((n = getline(&line, &cap, fp)) > 0) {
		lineno++;
		if (line[n - 1] != '\n') {
			*torn = true;	/* a crash cut the last write */
			break;
		}
		line[n - 1] = '\0';
		if (n > JOURNAL_MAX_LINE || journal_record(j, line) == -1) {
			snprintf(err, errlen, "line %zu: not a journal record",
			    lineno);
			free(line);
			return -1;
		}
	}
	free(line);
	return 0;
}

struct scanner_journal *
scanner_journal_open(const char *path, char *err, size_t errlen)
{
	struct scanner_journal *j;
	char why[96];
	bool torn = false;
	FILE *old;

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	j->done = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	j->started = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	if ((old = fopen(path, "r")) != NULL) {
		int rc = journal_read(j, old, &torn, why, sizeof(why));

		fclose(old);
		if (rc == -1) {
			snprintf(err, errlen, "%s: %s", path, why);
			goto fail;
		}
	}
	if ((j->fp = fopen(path, "a")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (torn && (fputc('\n', j->fp) == EOF || fflush(j->fp) != 0)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	return j;
fail:
	scanner_journal_close(j);
	return NULL;
}

const char *
scanner_journal_done(const struct scanner_journal *j, const char *target)
{
	return g_hash_table_lookup(j->done, target);
}

bool
scanner_journal_started(const struct scanner_journal *j, const char *target)
{
	return g_hash_table_contains(j->started, target) &&
	    !g_hash_table_contains(j->done, target);
}

/* Written and on disk before the caller goes on (fsync). */
static int
journal_append(struct scanner_journal *j, const char *kind,
    const char *target, const char *json)
{
	if (strchr(target, '\t') != NULL || strchr(target, '\n') != NULL)
		return -1;
	if (fprintf(j->fp, "%s\t%s%s%s\n", kind, target, json ? "\t" : "",
	    json ? json : "") < 0 || fflush(j->fp) != 0 ||
	    fsync(fileno(j->fp)) != 0)
		return -1;
	return 0;
}

int
scanner_journal_start(struct scanner_journal *j, const char *target)
{
	return journal_append(j, "S", target, NULL);
}

int
scanner_journal_finish(struct scanner_journal *j, const char *target,
    const char *json)
{
	if (strchr(json, '\n') != NULL ||
	    journal_append(j, "D", target, json) == -1)
		return -1;
	g_hash_table_replace(j->done, g_strdup(target), g_strdup(json));
	return keep_line(j, g_strdup(json));
}

char *const *
scanner_journal_lines(const struct scanner_journal *j, size_t *n)
{
	*n = j->nlines;
	return j->lines;
}

void
scanner_journal_close(struct scanner_journal *j)
{
	if (j == NULL)
		return;
	if (j->fp != NULL)
		fclose(j->fp);
	for (size_t i = 0; i < j->nlines; i++)
		g_free(j->lines[i]);
	free(j->lines);
	g_hash_table_destroy(j->done);
	g_hash_table_destroy(j->started);
	free(j);
}
