/*
 * fuzz_arc.c - libFuzzer target for ARC header sets (RFC 8617 4, 5.2).
 *
 * The input is read as a message (its ARC-Seal, ARC-Message-Signature
 * and ARC-Authentication-Results fields are what matter) and its chain
 * is collected and validated against an empty zone, so every key lookup
 * answers NXDOMAIN: structure, tag and cv= rules all run, the crypto
 * never succeeds.  The sealer's Authentication-Results reader runs too.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/arc.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "util/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_MAX	(256u * 1024)

static struct dns_resolver *zone;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct arc_result r;
	struct dns_batch *b;
	struct arena *a;
	struct message *m;
	char err[128];
	bool found;

	if (len > FUZZ_MAX)
		return 0;
	if (zone == NULL && (zone = dns_zone_from_text("$TTL 300\n", 9,
	    NULL, err, sizeof(err))) == NULL)
		return 0;
	if ((a = arena_new(0)) == NULL)
		return 0;
	if ((m = message_parse(a, len > 0 ? (const char *)data : "", len,
	    NULL)) != NULL && (b = dns_batch_new(zone, a)) != NULL) {
		(void)arc_verify(m, b, a, &r);
		(void)arc_seal_cv_from_ar(m, "example.org", &found);
		dns_batch_free(b);
	}
	arena_free(a);
	return 0;
}
