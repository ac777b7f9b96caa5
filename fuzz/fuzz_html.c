/*
 * fuzz_html.c - libFuzzer target: an HTML body, through message_parse(),
 * so the input goes the way real HTML does (charset, libxml2, links).
 * The input also goes straight to htmlfast.c and to libxml2's parser:
 * where the fast path accepts it, its tree must be the same as the copy
 * of libxml2's that html.c would walk otherwise (htmltree_from_xml()).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>

#include "mime/htmltree.h"
#include "mime/message.h"
#include "mime/mimeint.h"
#include "util/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char head[] =
    "From: a@b.example\nContent-Type: text/html\n\n";

static size_t sink;

static void
same_tree(const uint8_t *data, size_t len)
{
	struct htmltree *fast;
	struct arena *a;
	htmlDocPtr doc;

	if ((a = arena_new(0)) == NULL)
		abort();
	if ((fast = htmlfast_parse(a, (const char *)data, len)) != NULL) {
		doc = htmlReadMemory((const char *)data, (int)len, NULL,
		    "UTF-8", HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
		    HTML_PARSE_NONET | HTML_PARSE_RECOVER |
		    HTML_PARSE_COMPACT);
		if (doc == NULL || !htmltree_same(fast,
		    htmltree_from_xml(a, doc)))
			abort();
		xmlFreeDoc(doc);
	}
	arena_free(a);
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
