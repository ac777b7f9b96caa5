/*
 * fuzz_dkimkey.c - libFuzzer target for the DKIM key record (RFC 6376
 * 3.6.1, RFC 8463 4): tags, v= k= h= s= t= p=, base64 and the DER or
 * raw Ed25519 key inside p=.  The key must be freed in every outcome.
 *
 * The record also goes through the process-wide key cache twice (a miss,
 * then a hit): both must say what the plain parse says, so a cached key
 * can never differ from a fresh one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "auth/dkim.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_MAX	(64u * 1024)

static bool
same_key(const struct dkim_key *a, const struct dkim_key *b)
{
	if (a->type != b->type || a->bits != b->bits ||
	    a->revoked != b->revoked || a->testing != b->testing ||
	    a->strict != b->strict || a->sha1 != b->sha1 ||
	    a->sha256 != b->sha256 || (a->pkey == NULL) != (b->pkey == NULL))
		return false;
	return a->pkey == NULL || EVP_PKEY_eq(a->pkey, b->pkey) == 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct dkim_key k, c;
	const char *why;
	int rc, round;

	if (len > FUZZ_MAX)
		return 0;
	rc = dkim_key_parse((const char *)data, len, &k, &why);
	for (round = 0; round < 2; round++) {
		if (dkim_key_cached("fuzz._domainkey.example",
		    (const char *)data, len, &c, &why) != rc ||
		    (rc == 0 && !same_key(&k, &c)))
			abort();
		if (rc == 0)
			dkim_key_clear(&c);
	}
	if (rc == 0)
		dkim_key_clear(&k);
	return 0;
}
