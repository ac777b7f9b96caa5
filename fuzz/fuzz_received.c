/*
 * fuzz_received.c - libFuzzer target: the input as the value of a
 * Received field (and a Date field), through message_parse().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime/message.h"
#include "util/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t sink;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char rcv[] = "Received: ", date[] = "\nDate: ",
	    tail[] = "\nFrom: a@b.c\n\n";
	struct message *m;
	struct arena *a;
	char *buf;
	size_t n = 0, i;

	if (len > 1u << 16 || (buf = malloc(2 * len + 64)) == NULL)
		return 0;
	memcpy(buf + n, rcv, sizeof(rcv) - 1);
	n += sizeof(rcv) - 1;
	memcpy(buf + n, data, len);
	n += len;
	memcpy(buf + n, date, sizeof(date) - 1);
	n += sizeof(date) - 1;
	memcpy(buf + n, data, len);
	n += len;
	memcpy(buf + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	a = arena_new(0);
	if ((m = message_parse(a, buf, n, NULL)) != NULL)
		for (i = 0; i < m->n_received; i++) {
			const struct received *r = &m->received[i];

			sink += (size_t)r->date;
			if (r->ip != NULL)
				sink += strlen(r->ip);
			if (r->from_helo != NULL)
				sink += strlen(r->from_helo);
			if (r->from_rdns != NULL)
				sink += strlen(r->from_rdns);
			if (r->by != NULL)
				sink += strlen(r->by);
			if (r->with != NULL)
				sink += strlen(r->with);
			if (r->for_addr != NULL)
				sink += strlen(r->for_addr);
		}
	arena_free(a);
	free(buf);
	return 0;
}
