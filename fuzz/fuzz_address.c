/*
 * fuzz_address.c - libFuzzer target: message_parse_addresses() and
 * message_decode_header() on any bytes.
 */
#include <stdint.h>
#include <string.h>

#include "mime/message.h"
#include "util/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t sink;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct address_list l;
	struct arena *a;
	const char *s;
	size_t i;

	a = arena_new(0);
	if (message_parse_addresses(a, (const char *)data, len, 50, &l) != -1)
		for (i = 0; i < l.n; i++) {
			sink += strlen(l.v[i].addr);
			sink += strlen(l.v[i].local);
			if (l.v[i].display != NULL)
				sink += strlen(l.v[i].display);
			if (l.v[i].domain != NULL)
				sink += strlen(l.v[i].domain);
		}
	if ((s = message_decode_header(a, (const char *)data, len)) != NULL)
		sink += strlen(s);
	arena_free(a);
	return 0;
}
