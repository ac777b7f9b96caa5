/*
 * fuzz_authres.c - libFuzzer target for the Authentication-Results parser
 * (RFC 8601 2.2).  Input: one field value.  Whatever parses is written
 * out again by the emitter, and that output must parse too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authres.h"
#include "util/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct authres ar, back;
	struct arena *a;
	const char *err;
	char *out;

	if ((a = arena_new(64u * 1024 * 1024)) == NULL)
		return 0;
	(void)authres_authserv_id(a, (const char *)data, size);
	if (authres_parse(a, (const char *)data, size, &ar, &err) == 0 &&
	    (out = authres_format(a, &ar, false)) != NULL &&
	    authres_parse(a, out, strlen(out), &back, &err) != 0)
		abort();	/* our own output must be valid */
	arena_free(a);
	return 0;
}
