/*
 * fuzz_dmarc.c - libFuzzer target for the DMARC record parser (RFC 9989
 * 4.7) and the Tree Walk's name list.  Input: one TXT string.
 */
#include <stdint.h>
#include <string.h>

#include "auth/dmarc.h"
#include "auth/orgdomain.h"
#include "util/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *names[ORGDOMAIN_MAX_WALK], *why;
	struct dmarc_record r;
	struct arena *a;
	char *name;

	if ((a = arena_new(16u * 1024 * 1024)) == NULL)
		return 0;
	(void)dmarc_record_parse(a, (const char *)data, size, &r, &why);
	/* The walk reads C strings: cut the input at its first NUL. */
	if ((name = arena_strndup(a, (const char *)data, size)) != NULL &&
	    strlen(name) < 256)
		(void)orgdomain_walk(name, names);
	arena_free(a);
	return 0;
}
