/*
 * bench_common.h - what bench_loop and bench_http both need: a clock in
 * microseconds and a whole file read into memory.
 */
#ifndef MT_BENCH_COMMON_H
#define MT_BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double
bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The file's bytes, NUL-terminated, in *len; NULL when unreadable. */
static inline char *
bench_read_file(const char *path, size_t *len)
{
	FILE *fp;
	char *data = NULL;
	long n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 &&
	    (data = malloc((size_t)n + 1)) != NULL) {
		*len = fread(data, 1, (size_t)n, fp);
		data[*len] = '\0';
	}
	fclose(fp);
	return data;
}

#endif
