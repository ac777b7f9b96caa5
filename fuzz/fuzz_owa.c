/*
 * fuzz_owa.c - libFuzzer target for the Outlook on the web fingerprint
 * parser of `mailtrust scan` (scanner_owa.c).  Input: an HTTP response,
 * headers and body.  Any build found must be digits and dots only, and
 * is then judged against a small build table, as the scanner does.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "audit/scanner.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char table[] =
	"line 2019 15.2 0 2025-10-14\n"
	"line SE 15.2 2562 -\n"
	"cu 2019 CU14 15.2.1544.4 2024-02-13\n"
	"su 2019 CU14 Nov24SU 15.2.1544.13 2024-11-12\n"
	"fix Nov24SU * CVE-2024-49040\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scanner_builds *builds;
	struct owa_fingerprint f;
	struct scanner_judgement j;
	char err[128];

	if (builds == NULL &&
	    (builds = scanner_builds_parse(table, sizeof(table) - 1, err,
	    sizeof(err))) == NULL)
		return 0;
	if (size > OWA_MAX_RESPONSE)
		size = OWA_MAX_RESPONSE;
	if (owa_parse_response((const char *)data, size, &f) == -1)
		return 0;
	assert(strspn(f.build, "0123456789.") == strlen(f.build));
	if (f.build[0] != '\0')
		(void)scanner_builds_judge(builds, f.build, 20250101, &j);
	return 0;
}
