/*
 * mimecmp.h - compares two message models field by field, for checking
 * mimetree.c's fast path (mimeparse.c) against its GMime path; used by
 * tests/unit/test_mimetree.c and fuzz/fuzz_message.c.
 *
 * mimecmp() returns NULL when everything the part walk fills is equal
 * (parts with their data and text, links, forms, joined text, defects
 * and their notes), else a short description of the first difference.
 * mimecmp_both() parses one input both ways and compares.
 */
#ifndef MT_MIMECMP_H
#define MT_MIMECMP_H

#include <stdio.h>
#include <string.h>

#include "mime/mimeint.h"
#include "util/arena.h"

static char mimecmp_why[256];

static int
mimecmp_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static int
mimecmp_mem(const void *a, size_t an, const void *b, size_t bn)
{
	if (an != bn)
		return 1;
	if (an == 0)
		return (a == NULL) != (b == NULL);
	return a == NULL || b == NULL || memcmp(a, b, an) != 0;
}

#define MIMECMP_FAIL(...) do {						\
	(void)snprintf(mimecmp_why, sizeof(mimecmp_why), __VA_ARGS__);	\
	return mimecmp_why;						\
} while (0)

static const char *
mimecmp_part(size_t i, const struct part *a, const struct part *b)
{
	size_t k;

	if (a->index != b->index || a->parent != b->parent ||
	    a->depth != b->depth)
		MIMECMP_FAIL("part %zu: position", i);
	if (mimecmp_str(a->content_type, b->content_type))
		MIMECMP_FAIL("part %zu: content_type %s / %s", i,
		    a->content_type ? a->content_type : "(null)",
		    b->content_type ? b->content_type : "(null)");
	if (mimecmp_str(a->charset, b->charset))
		MIMECMP_FAIL("part %zu: charset", i);
	if (mimecmp_str(a->transfer_encoding, b->transfer_encoding))
		MIMECMP_FAIL("part %zu: transfer_encoding", i);
	if (mimecmp_str(a->disposition, b->disposition))
		MIMECMP_FAIL("part %zu: disposition", i);
	if (mimecmp_str(a->filename, b->filename))
		MIMECMP_FAIL("part %zu: filename", i);
	if (mimecmp_str(a->sniffed, b->sniffed))
		MIMECMP_FAIL("part %zu: sniffed", i);
	if (mimecmp_mem(a->data, a->size, b->data, b->size))
		MIMECMP_FAIL("part %zu: data (%zu / %zu bytes)", i, a->size,
		    b->size);
	if (mimecmp_mem(a->text, a->text_len, b->text, b->text_len) ||
	    mimecmp_str(a->text, b->text))
		MIMECMP_FAIL("part %zu: text", i);
	if (a->is_multipart != b->is_multipart ||
	    a->is_message != b->is_message ||
	    a->is_attachment != b->is_attachment || a->is_html != b->is_html)
		MIMECMP_FAIL("part %zu: flags", i);
	if (a->n_archive_names != b->n_archive_names ||
	    a->archive_encrypted != b->archive_encrypted)
		MIMECMP_FAIL("part %zu: archive", i);
	for (k = 0; k < a->n_archive_names; k++)
		if (mimecmp_str(a->archive_names[k], b->archive_names[k]))
			MIMECMP_FAIL("part %zu: archive name %zu", i, k);
	return NULL;
}

static const char *
mimecmp(const struct message *a, const struct message *b)
{
	const char *why;
	size_t i;

	if (a == NULL || b == NULL) {
		if (a != b)
			MIMECMP_FAIL("one parse failed");
		return NULL;
	}
	if (a->n_parts != b->n_parts)
		MIMECMP_FAIL("n_parts %zu / %zu", a->n_parts, b->n_parts);
	for (i = 0; i < a->n_parts; i++)
		if ((why = mimecmp_part(i, &a->parts[i], &b->parts[i])) != NULL)
			return why;
	if (a->n_links != b->n_links)
		MIMECMP_FAIL("n_links %zu / %zu", a->n_links, b->n_links);
	for (i = 0; i < a->n_links; i++)
		if (mimecmp_str(a->links[i].href, b->links[i].href) ||
		    mimecmp_str(a->links[i].text, b->links[i].text) ||
		    mimecmp_str(a->links[i].img_alt, b->links[i].img_alt) ||
		    a->links[i].flags != b->links[i].flags ||
		    a->links[i].part != b->links[i].part)
			MIMECMP_FAIL("link %zu", i);
	if (a->n_forms != b->n_forms)
		MIMECMP_FAIL("n_forms");
	for (i = 0; i < a->n_forms; i++)
		if (mimecmp_str(a->forms[i].action, b->forms[i].action) ||
		    mimecmp_str(a->forms[i].method, b->forms[i].method) ||
		    a->forms[i].has_password != b->forms[i].has_password ||
		    a->forms[i].part != b->forms[i].part)
			MIMECMP_FAIL("form %zu", i);
	if (mimecmp_mem(a->text, a->text_len, b->text, b->text_len) ||
	    mimecmp_str(a->text, b->text))
		MIMECMP_FAIL("text");
	if (a->defects != b->defects)
		MIMECMP_FAIL("defects %#x / %#x", a->defects, b->defects);
	if (mimecmp_str(a->defect_notes, b->defect_notes))
		MIMECMP_FAIL("defect_notes \"%s\" / \"%s\"",
		    a->defect_notes ? a->defect_notes : "(null)",
		    b->defect_notes ? b->defect_notes : "(null)");
	return NULL;
}

/*
 * Parses s with the fast path allowed, then with GMime only, under lim;
 * NULL when the models are equal.  *fast (when not NULL) tells whether
 * the first parse took the fast path; seen (when not NULL) is shown the
 * first model before it is freed.
 */
static const char *
mimecmp_both(const char *s, size_t n, const struct message_limits *lim,
    bool *fast, void (*seen)(const struct message *))
{
	struct arena *a1, *a2;
	struct message *m1, *m2;
	const char *why;

	a1 = arena_new(0);
	a2 = arena_new(0);
	mimetree_fast_path(true);
	m1 = message_parse(a1, s, n, lim);
	if (fast != NULL)
		*fast = mimetree_used_fast_path();
	if (m1 != NULL && seen != NULL)
		seen(m1);
	mimetree_fast_path(false);
	m2 = message_parse(a2, s, n, lim);
	mimetree_fast_path(true);
	why = mimecmp(m1, m2);
	arena_free(a1);
	arena_free(a2);
	return why;
}

#endif
