/*
 * fuzz_conffile.c - libFuzzer target for the mailtrust.conf parser.
 *
 * Each input is parsed as a whole file on top of an empty config (no
 * data directory: the parser needs none), without reading key files,
 * and the config is freed, so leaks and overruns in every error path
 * show up under ASan.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "scan/conffile.h"
#include "scan/config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct config c;
	char err[512];
	int i;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < CONFIG_VERDICTS; i++)
		c.policy[i].action = -1;
	(void)conffile_parse(&c, (const char *)data, len, "fuzz", 0, err,
	    sizeof(err));
	config_free(&c);
	return 0;
}
