/*
 * fuzz_zone.c - libFuzzer target for the master-file parser (RFC 1035
 * 5.1) and the RDATA decoder and printer behind every answer.
 *
 * Each input is loaded as a zone; when it loads, a fixed set of
 * questions runs against it (CNAME chains, wildcards, the directives)
 * and every record of every answer is printed.  The same bytes are then
 * read as (type, RDATA) for dns_rr_decode and dns_rr_format, which see
 * wire data from the network in production.
 */
#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"
#include "dns/dns_backend.h"
#include "util/arena.h"
#include "util/buf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const names[] = {
	"example.com", "www.example.com", "a.b.example.com", "*.example.com",
	"x.wild.example.com", "mail.example.com", "_dmarc.example.com",
	"sel._domainkey.example.com", "test", ".", "a\\.b.example.com",
};
static const uint16_t types[] = {
	DNS_T_A, DNS_T_AAAA, DNS_T_TXT, DNS_T_MX, DNS_T_CNAME, DNS_T_SOA,
	DNS_T_TLSA, DNS_T_SRV, DNS_T_PTR, DNS_T_NS, DNS_T_CAA,
};

static void
show(const struct dns_result *res)
{
	struct buf b;
	size_t i;

	buf_init(&b, 1u << 20);
	for (i = 0; i < res->n; i++)
		(void)dns_rr_format(&b, &res->rr[i]);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_resolver *r;
	struct dns_batch *bt;
	struct arena *a;
	struct dns_rr rr = { 0 };
	struct buf b;
	char err[256];
	size_t i, k;

	if ((a = arena_new(64u * 1024 * 1024)) == NULL)
		return 0;
	r = dns_zone_from_text((const char *)data, size, "example.com.", err,
	    sizeof(err));
	if (r != NULL) {
		if ((bt = dns_batch_new(r, a)) != NULL) {
			for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				for (k = 0; k < sizeof(types) /
				    sizeof(types[0]); k++)
					show(dns_lookup(bt, names[i],
					    types[k]));
			dns_batch_free(bt);
		}
		dns_resolver_free(r);
	}
	if (size >= 2) {
		rr.type = (uint16_t)(data[0] << 8 | data[1]);
		/* Mostly the types we decode, so the fuzzer finds them. */
		if (rr.type > 0x00ff)
			rr.type = types[rr.type % (sizeof(types) /
			    sizeof(types[0]))];
		rr.rdata = data + 2;
		rr.rdlen = size - 2 > 65535 ? 65535 : size - 2;
		(void)dns_rr_decode(a, &rr);
		buf_init(&b, 1u << 20);
		(void)dns_rr_format(&b, &rr);
		buf_free(&b);
	}
	arena_free(a);
	return 0;
}
