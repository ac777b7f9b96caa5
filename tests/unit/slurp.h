/*
 * slurp.h - a whole file in memory, and each file of a list, for tests
 * that read message or HTML files from a directory or a list.
 */
#ifndef MT_TEST_SLURP_H
#define MT_TEST_SLURP_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

/* The file's bytes, NUL-terminated; free() them.  NULL when unreadable. */
static char *
slurp(const char *path, size_t *len)
{
	struct buf b;

	buf_init(&b, 64u * 1024 * 1024);
	if (buf_read_file(&b, path) == -1) {
		buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.data != NULL ? buf_steal(&b) : strdup("");
}

/*
 * fn(path) for each path in file list, one per line (the lists the
 * MT_*_CORPUS variables name); *bad counts the calls that answered
 * false.  The number of paths, or -1 when the list cannot be read.
 */
static inline long
each_listed(const char *list, bool (*fn)(const char *), size_t *bad)
{
	char line[4096];
	long files = 0;
	FILE *f;

	if ((f = fopen(list, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		files++;
		if (!fn(line))
			(*bad)++;
	}
	fclose(f);
	return files;
}

/*
 * fn(path, name) for each file of directory dir but the hidden ones;
 * the number of files, or -1 when dir cannot be read.
 */
static inline long
each_in_dir(const char *dir, void (*fn)(const char *, const char *))
{
	struct dirent *de;
	char path[4096];
	long files = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fn(path, de->d_name);
		files++;
	}
	closedir(d);
	return files;
}

#endif
