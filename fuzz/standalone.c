/*
 * standalone.c - replays fuzz inputs without libFuzzer.
 *
 * Linked with a fuzz_NAME.c target in every ordinary build, it feeds each
 * file named on the command line (or each file in a named directory) to
 * LLVMFuzzerTestOneInput once, so the checked-in corpus and every crash
 * ever found run as a normal test under the sanitizers.  Prints TAP.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/buf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int n;

static void
run_file(const char *path)
{
	struct buf b;

	buf_init(&b, 64u * 1024 * 1024);
	if (buf_read_file(&b, path) == -1) {
		printf("not ok %d - %s: cannot read\n", ++n, path);
		buf_free(&b);
		return;
	}
	/* A crash aborts the process: the missing plan line fails the run. */
	LLVMFuzzerTestOneInput((const uint8_t *)b.data, b.len);
	printf("ok %d - %s\n", ++n, path);
	buf_free(&b);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
run_dir(const char *dir)
{
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t i, count = 0, cap = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			if ((names = realloc(names, cap * sizeof(*names))) == NULL)
				abort();
		}
		if ((names[count++] = strdup(de->d_name)) == NULL)
			abort();
	}
	closedir(d);
	qsort(names, count, sizeof(*names), by_name);
	for (i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		run_file(path);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	struct stat st;
	int i;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			run_dir(argv[i]);
		else
			run_file(argv[i]);
	}
	printf("1..%d\n", n);
	return 0;
}
