/*
 * fuzz_dkimkey.c - libFuzzer target for the DKIM key record (RFC 6376
 * 3.6.1, RFC 8463 4): tags, v= k= h= s= t= p=, base64 and the DER or
 * raw Ed25519 key inside p=.  The key must be freed in every outcome.
 */
#include <stddef.h>
#include <stdint.h>

#include "auth/dkim.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_MAX	(64u * 1024)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct dkim_key k;
	const char *why;

	if (len > FUZZ_MAX)
		return 0;
	if (dkim_key_parse((const char *)data, len, &k, &why) == 0)
		dkim_key_clear(&k);
	return 0;
}
