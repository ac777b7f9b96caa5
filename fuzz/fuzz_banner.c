/*
 * fuzz_banner.c - libFuzzer target for the SMTP reply, greeting and EHLO
 * parsers of `mailtrust scan` (scanner_smtp.c).  Input: the bytes a
 * server sends; they are read as a sequence of replies, the first one as
 * the greeting and every further one as an EHLO reply, as the scanner
 * does.  Checks that a parsed reply never claims more bytes than given.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "audit/scanner.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct smtp_reply r;
	struct smtp_ehlo e;
	size_t left = size;
	int first = 1;

	memset(&e, 0, sizeof(e));
	while (smtp_reply_parse(p, left, &r) == 1) {
		assert(r.len > 0 && r.len <= left);
		assert(r.code >= 100 && r.code <= 599);
		if (first)
			smtp_banner_inspect(&r, &e);
		else
			smtp_ehlo_parse(&r, &e);
		assert(e.nexts <= SMTP_MAX_EXTS);
		first = 0;
		p += r.len;
		left -= r.len;
	}
	return 0;
}
