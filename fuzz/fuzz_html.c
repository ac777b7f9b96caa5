/*
 * fuzz_html.c - libFuzzer target: an HTML body, through message_parse(),
 * so the input goes the way real HTML does (charset, libxml2, links).
 * The input also goes straight to htmlfast.c and to libxml2's parser:
 * where the fast path accepts it, the trees must be the same, built
 * without a dictionary and with one (names shared, as html.c builds).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>

#include "mime/message.h"
#include "mime/mimeint.h"
#include "util/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char head[] =
    "From: a@b.example\nContent-Type: text/html\n\n";

static size_t sink;
static xmlDictPtr dict;

static void
same_tree(const uint8_t *data, size_t len)
{
	htmlDocPtr fast, slow;

	if ((fast = htmlfast_parse((const char *)data, len, NULL)) == NULL)
		return;
	slow = htmlReadMemory((const char *)data, (int)len, NULL, "UTF-8",
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
	    HTML_PARSE_RECOVER | HTML_PARSE_COMPACT);
	if (!htmlfast_same(fast, slow))
		abort();
	xmlFreeDoc(fast);
	/* A dictionary past a few thousand names starts again. */
	if (dict == NULL || xmlDictSize(dict) > 4096) {
		if (dict != NULL)
			xmlDictFree(dict);
		if ((dict = xmlDictCreate()) == NULL)
			abort();
	}
	if ((fast = htmlfast_parse((const char *)data, len, dict)) == NULL ||
	    !htmlfast_same(fast, slow))
		abort();
	xmlFreeDoc(fast);
	xmlFreeDoc(slow);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct message *m;
	struct arena *a;
	char *buf;
	size_t i;

	if (len > 1u << 20 || (buf = malloc(sizeof(head) + len)) == NULL)
		return 0;
	same_tree(data, len);
	memcpy(buf, head, sizeof(head) - 1);
	memcpy(buf + sizeof(head) - 1, data, len);
	a = arena_new(0);
	m = message_parse(a, buf, sizeof(head) - 1 + len, NULL);
	if (m != NULL) {
		sink += strlen(m->text);
		for (i = 0; i < m->n_links; i++)
			sink += strlen(m->links[i].href) +
			    strlen(m->links[i].text);
		for (i = 0; i < m->n_forms; i++)
			sink += m->forms[i].has_password;
	}
	arena_free(a);
	free(buf);
	return 0;
}
