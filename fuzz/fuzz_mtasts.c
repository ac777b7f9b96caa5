/*
 * fuzz_mtasts.c - libFuzzer target for the MTA-STS parsers (RFC 8461
 * 3.1 record, 3.2 policy) and the MX pattern match of 4.1.  Input: a
 * policy file body; the same bytes are also read as a TXT record, and
 * every mx pattern found is matched against a fixed host and against
 * itself.
 */
#include <stdint.h>
#include <string.h>

#include "audit/audit_mtasts.h"
#include "util/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mtasts_policy p;
	struct mtasts_record rec;
	const char *why;
	struct arena *a;
	size_t i;

	if ((a = arena_new(16u * 1024 * 1024)) == NULL)
		return 0;
	(void)mtasts_policy_parse(a, (const char *)data, size, &p);
	(void)mtasts_record_parse(a, (const char *)data, size, &rec, &why);
	for (i = 0; i < p.n_mx; i++) {
		(void)mtasts_mx_match(p.mx[i], "mx1.example.com");
		(void)mtasts_mx_match(p.mx[i], p.mx[i]);
	}
	arena_free(a);
	return 0;
}
