/*
 * htmltree.c - the tree of one HTML part in the arena (see htmltree.h).
 *
 * Building one from libxml2's took a malloc() per node, name, attribute
 * and text, and as many free() calls in xmlFreeDoc(); here each is a
 * bump of a block the tree takes from the arena, and the whole tree goes
 * with the arena.  The blocks are not zeroed, most of them being text
 * copied in at once: nodes and attributes are zeroed one by one, strings
 * get their NUL where they end.  Names are interned in a table per tree, open
 * addressing on FNV-1a, which grows at half full so a flood of made-up
 * names stays linear.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libxml/tree.h>

#include "mime/htmltree.h"
#include "util/arena.h"
#include "util/str.h"

#define HT_NAMES_MIN	64		/* first size of the name table */
#define HT_BLOCK	8192		/* bytes the tree takes at a time */
#define HT_SAME_DEPTH	1000		/* htmltree_same() gives up deeper */

struct htmlname {
	uint32_t	 hash;
	uint32_t	 len;
	char		 s[];
};

uint32_t
htmltree_hash(const char *name, size_t len)
{
	return str_fnv1a(STR_FNV_INIT, name, len);
}

/* Past the end of the block: a new one, or for a big n its own. */
static void *
tree_refill(struct htmltree *t, size_t n)
{
	char *b;

	if (n > HT_BLOCK / 4)
		return arena_alloc_raw(t->arena, n);
	if ((b = arena_alloc_raw(t->arena, HT_BLOCK)) == NULL)
		return NULL;
	t->free = b + n;
	t->left = HT_BLOCK - n;
	return b;
}

/* n bytes, not zeroed, aligned for pointers. */
static inline void *
tree_alloc(struct htmltree *t, size_t n)
{
	void *p;

	if (n > SIZE_MAX - 8)
		return NULL;
	n = (n + 7) & ~(size_t)7;
	if (n > t->left)
		return tree_refill(t, n);
	p = t->free;
	t->free += n;
	t->left -= n;
	return p;
}

/* n zeroed bytes: a node or an attribute. */
static void *
tree_zalloc(struct htmltree *t, size_t n)
{
	void *p;

	if ((p = tree_alloc(t, n)) != NULL)
		memset(p, 0, n);
	return p;
}

/* A copy of len bytes of s and a NUL. */
static char *
tree_str(struct htmltree *t, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX || (p = tree_alloc(t, len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

struct htmltree *
htmltree_new(struct arena *a)
{
	struct htmltree *t;

	if ((t = arena_alloc(a, sizeof(*t))) == NULL)
		return NULL;
	t->arena = a;
	t->doc.type = HTML_NODE_DOC;
	return t;
}

/* Twice the slots, names moved over; the old table stays in the arena. */
static bool
names_grow(struct htmltree *t)
{
	struct htmlname **nt, *e;
	size_t cap, i, j;

	cap = t->cap_names ? t->cap_names * 2 : HT_NAMES_MIN;
	if ((nt = arena_calloc(t->arena, cap, sizeof(*nt))) == NULL)
		return false;
	for (i = 0; i < t->cap_names; i++) {
		if ((e = t->names[i]) == NULL)
			continue;
		for (j = e->hash & (cap - 1); nt[j] != NULL;
		    j = (j + 1) & (cap - 1))
			;
		nt[j] = e;
	}
	t->names = nt;
	t->cap_names = cap;
	return true;
}

/* The slot of a name in the table: its entry's, or the empty one. */
static size_t
name_slot(const struct htmltree *t, const char *name, size_t len,
    uint32_t hash)
{
	struct htmlname *e;
	size_t i;

	for (i = hash & (t->cap_names - 1); (e = t->names[i]) != NULL;
	    i = (i + 1) & (t->cap_names - 1))
		if (e->hash == hash && e->len == len &&
		    memcmp(e->s, name, len) == 0)
			break;
	return i;
}

const char *
htmltree_name(struct htmltree *t, const char *name, size_t len,
    uint32_t hash)
{
	struct htmlname *e;
	size_t i;

	if (len > UINT32_MAX)
		return NULL;
	if (t->n_names * 2 >= t->cap_names && !names_grow(t))
		return NULL;
	i = name_slot(t, name, len, hash);
	if (t->names[i] != NULL)
		return t->names[i]->s;
	if ((e = tree_alloc(t, sizeof(*e) + len + 1)) == NULL)
		return NULL;
	e->hash = hash;
	e->len = (uint32_t)len;
	memcpy(e->s, name, len);
	e->s[len] = '\0';
	t->names[i] = e;
	t->n_names++;
	return e->s;
}

const char *
htmltree_find(const struct htmltree *t, const char *name)
{
	size_t len = strlen(name), i;

	if (t->cap_names == 0)
		return NULL;
	i = name_slot(t, name, len, htmltree_hash(name, len));
	return t->names[i] != NULL ? t->names[i]->s : NULL;
}

struct htmlnode *
htmltree_add(struct htmltree *t, struct htmlnode *parent,
    enum htmlnode_type type)
{
	struct htmlnode *n;

	if ((n = tree_zalloc(t, sizeof(*n))) == NULL)
		return NULL;
	n->type = (unsigned char)type;
	n->parent = parent;
	if (parent->children == NULL)
		parent->children = n;
	else
		parent->last->next = n;
	parent->last = n;
	return n;
}

struct htmlnode *
htmltree_leaf(struct htmltree *t, struct htmlnode *parent,
    enum htmlnode_type type, const char *s, size_t len)
{
	struct htmlnode *n;

	if (len > UINT32_MAX || (n = htmltree_add(t, parent, type)) == NULL ||
	    (n->text = tree_str(t, s, len)) == NULL)
		return NULL;
	n->len = (uint32_t)len;
	return n;
}

bool
htmltree_text(struct htmltree *t, struct htmlnode *parent, const char *s,
    size_t len)
{
	struct htmlnode *l = parent->last;
	char *nt;

	if (l == NULL || l->type != HTML_NODE_TEXT)
		return htmltree_leaf(t, parent, HTML_NODE_TEXT, s, len) != NULL;
	/* xmlNodeAddContentLen(): rare, so a fresh copy of both. */
	if (len > UINT32_MAX - l->len ||
	    (nt = tree_alloc(t, (size_t)l->len + len + 1)) == NULL)
		return false;
	memcpy(nt, l->text, l->len);
	memcpy(nt + l->len, s, len);
	nt[l->len + len] = '\0';
	l->text = nt;
	l->len += (uint32_t)len;
	return true;
}

struct htmlattr *
htmltree_attr(struct htmltree *t, struct htmlnode *e, struct htmlattr *prev,
    const char *name, const char *value, size_t len)
{
	struct htmlattr *a;
	char *v;

	if (len > UINT32_MAX || (a = tree_zalloc(t, sizeof(*a))) == NULL)
		return NULL;
	a->name = name;
	if (value == NULL) {
		a->value = "";
		a->bare = true;
	} else {
		if ((v = tree_str(t, value, len)) == NULL)
			return NULL;
		a->value = v;
		a->len = (uint32_t)len;
	}
	if (prev != NULL)
		prev->next = a;
	else
		e->attrs = a;
	return a;
}

static const char *
copy_or_null(struct htmltree *t, const char *s, size_t len)
{
	return s != NULL ? arena_strndup(t->arena, s, len) : "";
}

bool
htmltree_doctype(struct htmltree *t, const char *name, size_t nlen,
    const char *pub, size_t plen, const char *sys, size_t slen)
{
	struct htmlnode *n;

	/* Nameless, as htmltree_from_xml() copies one: "", no node name. */
	if ((t->dt_name = arena_strndup(t->arena, name != NULL ? name : "",
	    name != NULL ? nlen : 0)) == NULL ||
	    (t->dt_public = copy_or_null(t, pub, plen)) == NULL ||
	    (t->dt_system = copy_or_null(t, sys, slen)) == NULL ||
	    (n = tree_zalloc(t, sizeof(*n))) == NULL ||
	    (name != NULL && (n->name = htmltree_name(t, name, nlen,
	    htmltree_hash(name, nlen))) == NULL) ||
	    (n->text = tree_str(t, "", 0)) == NULL)
		return false;
	if (pub == NULL)
		t->dt_public = NULL;
	if (sys == NULL)
		t->dt_system = NULL;
	/* xmlCreateIntSubset() puts it first in an HTML document. */
	n->type = HTML_NODE_DTD;
	n->parent = &t->doc;
	n->next = t->doc.children;
	t->doc.children = n;
	if (t->doc.last == NULL)
		t->doc.last = n;
	return true;
}

/* A libxml2 string (never NULL) into the arena. */
static char *
xml_copy(struct htmltree *t, const xmlChar *s, uint32_t *len)
{
	size_t n = s != NULL ? strlen((const char *)s) : 0;
	char *r;

	if (n > UINT32_MAX ||
	    (r = arena_memdup(t->arena, s != NULL ? (const char *)s : "",
	    n + 1)) == NULL)
		return NULL;
	if (len != NULL)
		*len = (uint32_t)n;
	return r;
}

static const char *
xml_name(struct htmltree *t, const xmlChar *s)
{
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen((const char *)s);
	return htmltree_name(t, (const char *)s, n,
	    htmltree_hash((const char *)s, n));
}

/*
 * An attribute's value as xmlGetProp() gives it: the parser stores a
 * value as one text node (none when written without); any other shape
 * is joined by libxml2 ("" when that fails).  NULL only for a text
 * child without content, which html.c took for no value.
 */
static struct htmlattr *
xml_attr(struct htmltree *t, struct htmlnode *e, struct htmlattr *prev,
    const xmlAttr *x)
{
	const xmlNode *c = x->children;
	const char *name;
	struct htmlattr *a;
	xmlChar *s;

	if ((name = xml_name(t, x->name)) == NULL)
		return NULL;
	if (c == NULL)
		return htmltree_attr(t, e, prev, name, NULL, 0);
	if (c->next == NULL && (c->type == XML_TEXT_NODE ||
	    c->type == XML_CDATA_SECTION_NODE)) {
		if (c->content == NULL) {
			if ((a = htmltree_attr(t, e, prev, name, "", 0)) !=
			    NULL)
				a->value = NULL;
			return a;
		}
		return htmltree_attr(t, e, prev, name,
		    (const char *)c->content,
		    strlen((const char *)c->content));
	}
	if ((s = xmlNodeListGetString(x->doc, c, 1)) == NULL)
		return htmltree_attr(t, e, prev, name, "", 0);
	a = htmltree_attr(t, e, prev, name, (const char *)s,
	    strlen((const char *)s));
	xmlFree(s);
	return a;
}

/* One libxml2 node, without its children, as the last child of p. */
static struct htmlnode *
xml_node(struct htmltree *t, struct htmlnode *p, const xmlNode *x)
{
	const xmlAttr *a;
	struct htmlattr *prev = NULL;
	struct htmlnode *n;
	enum htmlnode_type type;

	switch (x->type) {
	case XML_ELEMENT_NODE:
		type = HTML_NODE_ELEMENT;
		break;
	case XML_TEXT_NODE:
		type = HTML_NODE_TEXT;
		break;
	case XML_CDATA_SECTION_NODE:
		type = HTML_NODE_CDATA;
		break;
	case XML_COMMENT_NODE:
		type = HTML_NODE_COMMENT;
		break;
	case XML_DTD_NODE:
		type = HTML_NODE_DTD;
		break;
	default:
		type = HTML_NODE_OTHER;
		break;
	}
	if ((n = htmltree_add(t, p, type)) == NULL)
		return NULL;
	switch (type) {
	case HTML_NODE_ELEMENT:
		if ((n->name = xml_name(t, x->name)) == NULL)
			return NULL;
		for (a = x->properties; a != NULL; a = a->next)
			if ((prev = xml_attr(t, n, prev, a)) == NULL)
				return NULL;
		break;
	case HTML_NODE_TEXT:
	case HTML_NODE_CDATA:
	case HTML_NODE_COMMENT:
		if ((n->text = xml_copy(t, x->content, &n->len)) == NULL)
			return NULL;
		break;
	default:
		if ((x->name != NULL && (n->name = xml_name(t, x->name)) ==
		    NULL) || (n->text = xml_copy(t, x->type == XML_DTD_NODE ?
		    NULL : x->content, &n->len)) == NULL)
			return NULL;
		break;
	}
	return n;
}

/*
 * Whose children are copied: html.c walks into elements only, but the
 * tests compare all.  An entity reference's children are the entity's,
 * not its own.
 */
static bool
xml_descend(const xmlNode *x)
{
	return x->children != NULL && x->type != XML_ENTITY_REF_NODE;
}

struct htmltree *
htmltree_from_xml(struct arena *a, const struct _xmlDoc *doc)
{
	struct htmltree *t;
	struct htmlnode *p, *c;
	const xmlNode *x;
	const xmlDtd *dtd;

	if ((t = htmltree_new(a)) == NULL)
		return NULL;
	if ((dtd = doc->intSubset) != NULL &&
	    ((t->dt_name = xml_copy(t, dtd->name, NULL)) == NULL ||
	    (dtd->ExternalID != NULL && (t->dt_public = xml_copy(t,
	    dtd->ExternalID, NULL)) == NULL) ||
	    (dtd->SystemID != NULL && (t->dt_system = xml_copy(t,
	    dtd->SystemID, NULL)) == NULL))) {
		t->truncated = true;
		return t;
	}
	/* Pre-order without recursion; p is the copy of x's parent. */
	p = &t->doc;
	x = doc->children;
	while (x != NULL) {
		if ((c = xml_node(t, p, x)) == NULL) {
			t->truncated = true;
			break;
		}
		if (xml_descend(x)) {
			p = c;
			x = x->children;
			continue;
		}
		for (;;) {
			if (x->next != NULL) {
				x = x->next;
				break;
			}
			if (p == &t->doc) {
				x = NULL;
				break;
			}
			x = x->parent;
			p = p->parent;
		}
	}
	return t;
}

static bool
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * The children of n point back at it, n->last is the last of them, and
 * names are the tree's interned copies: what html.c relies on, not seen
 * by comparing names and contents.
 */
static bool
linked(const struct htmltree *t, const struct htmlnode *n)
{
	const struct htmlnode *c, *prev = NULL;
	const struct htmlattr *a;

	for (c = n->children; c != NULL; prev = c, c = c->next)
		if (c->parent != n)
			return false;
	if (n->last != prev)
		return false;
	if (n->type == HTML_NODE_ELEMENT &&
	    htmltree_find(t, n->name) != n->name)
		return false;
	for (a = n->attrs; a != NULL; a = a->next)
		if (htmltree_find(t, a->name) != a->name)
			return false;
	return true;
}

static bool	same_list(const struct htmltree *, const struct htmlnode *,
		    const struct htmltree *, const struct htmlnode *, int);

static bool
same_attrs(const struct htmlattr *x, const struct htmlattr *y)
{
	for (; x != NULL && y != NULL; x = x->next, y = y->next)
		if (!same_str(x->name, y->name) ||
		    !same_str(x->value, y->value) || x->len != y->len ||
		    x->bare != y->bare)
			return false;
	return x == NULL && y == NULL;
}

static bool
same_node(const struct htmltree *ta, const struct htmlnode *a,
    const struct htmltree *tb, const struct htmlnode *b, int depth)
{
	if (depth > HT_SAME_DEPTH || a->type != b->type ||
	    !same_str(a->name, b->name) || !linked(ta, a) || !linked(tb, b))
		return false;
	if (a->type == HTML_NODE_ELEMENT && !same_attrs(a->attrs, b->attrs))
		return false;
	if ((a->text == NULL) != (b->text == NULL) || a->len != b->len ||
	    (a->text != NULL && (memcmp(a->text, b->text, a->len) != 0 ||
	    a->text[a->len] != '\0' || b->text[b->len] != '\0')))
		return false;
	return same_list(ta, a->children, tb, b->children, depth + 1);
}

static bool
same_list(const struct htmltree *ta, const struct htmlnode *a,
    const struct htmltree *tb, const struct htmlnode *b, int depth)
{
	for (; a != NULL && b != NULL; a = a->next, b = b->next)
		if (!same_node(ta, a, tb, b, depth))
			return false;
	return a == NULL && b == NULL;
}

bool
htmltree_same(const struct htmltree *a, const struct htmltree *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return !a->truncated && !b->truncated &&
	    same_str(a->dt_name, b->dt_name) &&
	    same_str(a->dt_public, b->dt_public) &&
	    same_str(a->dt_system, b->dt_system) &&
	    same_node(a, &a->doc, b, &b->doc, 0);
}
