/*
 * fuzz_zipwalk.c - libFuzzer target: the archive walker.
 *
 * The input is walked as an attached archive with small limits, so a
 * run stays fast while every limit is still reachable.  Aborts when the
 * walker breaks its promises: more entries, depth or declared bytes
 * than the limits allow, or an entry without a name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/zipwalk.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct zipwalk_limits lim = {
	.max_depth = 3,
	.max_entries = 200,
	.max_expanded = 8u << 20,
	.max_ratio = 250,
	.max_inner = 1u << 20,
};

static int
entry(const struct zipwalk_entry *e, void *arg)
{
	size_t *n = arg;

	if (e->name == NULL || e->archive == NULL || e->depth == 0 ||
	    e->depth > lim.max_depth || ++*n > lim.max_entries)
		abort();
	(void)strlen(e->name);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zipwalk_result res;
	size_t n = 0;

	if (zipwalk(data, size, "fuzz", &lim, entry, &n, &res) != 0)
		return 0;
	if (res.depth > lim.max_depth || res.entries > lim.max_entries + 1 ||
	    (res.expanded > lim.max_expanded && !(res.flags & ZIPWALK_BOMB)))
		abort();
	return 0;
}
