/*
 * tempfile.h - a test's small input file: text written to a new file
 * under /tmp, for loaders that read a path.  The caller unlinks it.
 */
#ifndef MT_TEMPFILE_H
#define MT_TEMPFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The path (static: valid until the next call); aborts on failure. */
static inline char *
write_temp(const char *text)
{
	static char path[64];
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), "/tmp/mt-test-XXXXXX");
	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	fputs(text, fp);
	fclose(fp);
	return path;
}

#endif
