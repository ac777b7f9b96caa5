/*
 * slurp.h - a whole file in memory, for tests that read message or
 * HTML files from a directory or a list.
 */
#ifndef MT_TEST_SLURP_H
#define MT_TEST_SLURP_H

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

#endif
