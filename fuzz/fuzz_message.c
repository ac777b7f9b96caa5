/*
 * fuzz_message.c - libFuzzer target: message_parse() on any bytes.
 *
 * Parses the input with small limits (so the limit paths are reached
 * quickly) and with the defaults, then reads every string of the model
 * so the sanitizers see any dangling or unterminated one.  Each parse is
 * done twice, with mimetree.c's fast path (mimeparse.c) allowed and with
 * GMime only, and any difference between the two models aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mimeint.h"
#include "../tests/unit/mimecmp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t sink;

static void
touch(const char *s)
{
	if (s != NULL)
		sink += strlen(s);
}

static void
walk(const struct message *m)
{
	size_t i, k;

	for (i = 0; i < m->n_headers; i++) {
		touch(m->headers[i].decoded);
		sink += m->headers[i].raw[m->headers[i].raw_len - 1];
	}
	for (i = 0; i < m->from.n; i++)
		touch(m->from.v[i].addr);
	for (i = 0; i < m->n_received; i++) {
		touch(m->received[i].ip);
		touch(m->received[i].from_helo);
	}
	for (i = 0; i < m->n_parts; i++) {
		touch(m->parts[i].text);
		touch(m->parts[i].filename);
		touch(m->parts[i].sniffed);
		for (k = 0; k < m->parts[i].n_archive_names; k++)
			touch(m->parts[i].archive_names[k]);
		if (m->parts[i].size > 0 && m->parts[i].data != NULL)
			sink += m->parts[i].data[m->parts[i].size - 1];
	}
	for (i = 0; i < m->n_links; i++) {
		touch(m->links[i].href);
		touch(m->links[i].text);
	}
	touch(m->text);
	touch(m->defect_notes);
	touch(m->subject);
}

/* Fast path against GMime under one set of limits; aborts on a difference. */
static void
parse_both(const uint8_t *data, size_t len, const struct message_limits *lim)
{
	const char *why;

	if ((why = mimecmp_both((const char *)data, len, lim, NULL, walk)) !=
	    NULL) {
		fprintf(stderr, "fast path differs from GMime: %s\n", why);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct message_limits lim = *message_default_limits();

	parse_both(data, len, NULL);
	lim.max_parts = 8;
	lim.max_depth = 3;
	lim.max_links = 4;
	lim.max_text = 64;
	lim.max_headers = 8;
	lim.max_archive_entries = 2;
	parse_both(data, len, &lim);
	return 0;
}
