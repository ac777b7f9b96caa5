/*
 * test_limits.c - every named limit still yields a model, with the
 * defect bit set: size, header count and bytes, parts, depth, text,
 * links, Received, addresses, zip entries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/message.h"
#include "util/arena.h"
#include "util/buf.h"
#include "tap.h"

int
main(void)
{
	struct message_limits lim = *message_default_limits();
	struct arena *a = arena_new(0);
	struct message *m;
	struct buf b;
	int i;

	ok(lim.max_parts == 500 && lim.max_depth == 20 &&
	    lim.max_size == 64u * 1024 * 1024, "defaults as documented");

	/* max_parts */
	buf_init(&b, 1u << 24);
	buf_adds(&b, "From: a@b.c\nContent-Type: multipart/mixed; boundary=B"
	    "\n\n");
	for (i = 0; i < 50; i++)
		buf_printf(&b, "--B\nContent-Type: text/plain\n\npart %d\n", i);
	buf_adds(&b, "--B--\n");
	lim.max_parts = 10;
	m = message_parse(a, b.data, b.len, &lim);
	ok(m != NULL, "over max_parts still parses");
	is_int(m->n_parts, 10, "parts cut at max_parts");
	ok(m->defects & MSG_DEF_TOO_MANY_PARTS, "too-many-parts set");
	ok(m->defect_notes != NULL && strstr(m->defect_notes, "10 parts"),
	    "note says why");
	lim = *message_default_limits();

	/* max_depth */
	buf_reset(&b);
	buf_adds(&b, "From: a@b.c\n");
	for (i = 0; i < 30; i++)
		buf_printf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n"
		    "--b%d\n", i, i);
	buf_adds(&b, "Content-Type: text/plain\n\ndeep\n");
	for (i = 29; i >= 0; i--)
		buf_printf(&b, "--b%d--\n", i);
	lim.max_depth = 5;
	m = message_parse(a, b.data, b.len, &lim);
	ok(m != NULL, "over max_depth still parses");
	ok(m->defects & MSG_DEF_TOO_DEEP, "too-deep set");
	is_int(m->n_parts, 6, "depths 0..5 kept");
	is_int(m->parts[m->n_parts - 1].depth, 5, "deepest kept part");
	lim = *message_default_limits();

	/* max_size */
	buf_reset(&b);
	buf_adds(&b, "From: a@b.c\n\n");
	for (i = 0; i < 1000; i++)
		buf_adds(&b, "0123456789");
	lim.max_size = 100;
	m = message_parse(a, b.data, b.len, &lim);
	ok(m != NULL && (m->defects & MSG_DEF_TRUNCATED), "truncated set");
	is_int(m->raw_len, 100, "raw_len cut to max_size");
	is_int(m->parts[0].size, 100 - 13, "body cut too");
	lim = *message_default_limits();

	/* max_text */
	lim.max_text = 50;
	m = message_parse(a, b.data, b.len, &lim);
	is_int(m->parts[0].text_len, 50, "text cut at max_text");
	is_int(m->parts[0].size, 10000, "size is the whole decoded size");
	lim = *message_default_limits();

	/* max_headers and max_header_bytes */
	buf_reset(&b);
	for (i = 0; i < 40; i++)
		buf_printf(&b, "X-H%d: v\n", i);
	buf_adds(&b, "From: late@b.c\n\nbody\n");
	lim.max_headers = 20;
	m = message_parse(a, b.data, b.len, &lim);
	is_int(m->n_headers, 20, "fields cut at max_headers");
	ok(m->defects & MSG_DEF_TOO_MANY_HEADERS, "too-many-headers set");
	ok(m->body_len == 5 && memcmp(m->body, "body\n", 5) == 0,
	    "body still found");
	lim = *message_default_limits();
	lim.max_header_bytes = 64;
	m = message_parse(a, b.data, b.len, &lim);
	ok(m->n_headers < 10 && (m->defects & MSG_DEF_TOO_MANY_HEADERS),
	    "header bytes limit");
	lim = *message_default_limits();

	/* max_links */
	buf_reset(&b);
	buf_adds(&b, "From: a@b.c\nContent-Type: text/html\n\n");
	for (i = 0; i < 30; i++)
		buf_printf(&b, "<a href=\"https://x.example/%d\">%d</a>", i, i);
	lim.max_links = 7;
	m = message_parse(a, b.data, b.len, &lim);
	is_int(m->n_links, 7, "links cut at max_links");
	ok(m->defects & MSG_DEF_TOO_MANY_LINKS, "too-many-links set");
	lim = *message_default_limits();

	/* max_received and max_addresses */
	buf_reset(&b);
	for (i = 0; i < 12; i++)
		buf_printf(&b, "Received: from h%d ([192.0.2.%d]) by x; "
		    "1 Oct 2024 10:00 +0000\n", i, i);
	buf_adds(&b, "From: a@b.c\nTo: a@x.y, b@x.y, c@x.y, d@x.y\n\nb\n");
	lim.max_received = 4;
	lim.max_addresses = 2;
	m = message_parse(a, b.data, b.len, &lim);
	is_int(m->n_received, 4, "Received cut at max_received");
	is_str(m->received[3].ip, "192.0.2.3", "fourth Received kept");
	is_int(m->to.n, 2, "To cut at max_addresses");
	lim = *message_default_limits();

	/* NUL bytes and long lines */
	{
		static const char nul[] = "From: a@b.c\nX: a\0b\n\nbody\0\n";

		m = message_parse(a, nul, sizeof(nul) - 1, NULL);
		ok(m->defects & MSG_DEF_NUL_BYTES, "NUL bytes noted");
		is_int(m->n_headers, 2, "NUL inside a field is kept");
	}
	buf_reset(&b);
	buf_adds(&b, "From: a@b.c\nX-Long: ");
	for (i = 0; i < 120; i++)
		buf_adds(&b, "0123456789");
	buf_adds(&b, "\n\nb\n");
	m = message_parse(a, b.data, b.len, NULL);
	ok(m->defects & MSG_DEF_LONG_LINE, "long header line noted");

	/* The arena's ceiling is the only way to get NULL. */
	{
		struct arena *tiny = arena_new(1024);

		m = message_parse(tiny, b.data, b.len, NULL);
		ok(m == NULL && arena_exhausted(tiny),
		    "NULL only when the arena is exhausted");
		arena_free(tiny);
	}

	buf_free(&b);
	arena_free(a);
	return tap_done();
}
