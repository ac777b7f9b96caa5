/*
 * fuzz_dkim.c - libFuzzer target for the DKIM-Signature tag list (RFC
 * 6376 3.2, 3.5) and the canonicalisation of what it is given.
 *
 * The input becomes the value of a DKIM-Signature field; it goes through
 * the tag-list parser and the signature checks of 6.1.1 (as DKIM and as
 * the two ARC signature kinds), b= is stripped from it as for hashing,
 * and the same bytes are canonicalised as a header and as a body with
 * both algorithms and an l= limit.  Nothing must crash or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/dkim.h"
#include "mime/message.h"
#include "util/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_MAX	(256u * 1024)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const enum dkim_field_kind kinds[] = {
		DKIM_FIELD_DKIM, DKIM_FIELD_AMS, DKIM_FIELD_AS,
	};
	struct dkim_sigfield sf;
	struct dkim_sink sink;
	struct header h;
	struct arena *a;
	const char *why;
	EVP_MD_CTX *md;
	char *raw, *s;
	size_t i, slen;
	int c;

	if (len > FUZZ_MAX || (a = arena_new(0)) == NULL)
		return 0;
	raw = arena_alloc(a, len + 16);
	memcpy(raw, "DKIM-Signature:", 15);
	memcpy(raw + 15, data, len);
	memset(&h, 0, sizeof(h));
	h.raw = raw;
	h.raw_len = len + 15;
	h.name = raw;
	h.name_len = 14;
	h.value = raw + 15;
	h.value_len = len;
	for (i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
		if (dkim_sigfield_parse(kinds[i], &h, a, 1700000000, &sf,
		    &why) == 0)
			(void)dkim_strip_b(a, h.raw, h.raw_len, sf.value,
			    &sf.tags, &slen);
	if ((md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1) {
		for (c = 0; c < 2; c++) {
			memset(&sink, 0, sizeof(sink));
			sink.md = md;
			sink.limit = c == 0 ? -1 : (long long)(len / 2);
			dkim_canon_header((enum dkim_canon)c, h.raw, h.raw_len,
			    c == 1, &sink);
			dkim_canon_body((enum dkim_canon)c, (const char *)data,
			    len, &sink);
		}
	}
	EVP_MD_CTX_free(md);
	s = dkim_tags_nows(a, (const char *)data, len, &slen);
	(void)s;
	arena_free(a);
	return 0;
}
