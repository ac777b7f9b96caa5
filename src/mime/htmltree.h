/*
 * htmltree.h - the tree of one HTML part, as html.c walks it.
 *
 * htmlfast.c builds it straight from simple markup; the rest goes
 * through libxml2's parser and htmltree_from_xml() copies that tree
 * over, so html.c walks one kind of tree and libxml2's nodes are freed
 * right after the parse.  The tree is libxml2's in shape: the same
 * nodes in the same places, text merged where libxml2 merged it,
 * attribute values as xmlGetProp() gives them.
 *
 * Memory: every node, name and string lives in the arena given to
 * htmltree_new(); nothing is freed one by one.  Strings end in a NUL.
 * Names are interned per tree: nodes and attributes of the same name
 * share one name pointer, which html.c keys its caches on.
 */
#ifndef MT_HTMLTREE_H
#define MT_HTMLTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct _xmlDoc;

enum htmlnode_type {
	HTML_NODE_DOC,
	HTML_NODE_ELEMENT,
	HTML_NODE_TEXT,
	HTML_NODE_CDATA,	/* script and style content */
	HTML_NODE_COMMENT,
	HTML_NODE_DTD,		/* where the doctype is; its ids in the tree */
	HTML_NODE_OTHER		/* processing instructions, the rare rest */
};

struct htmlattr {
	struct htmlattr	*next;
	const char	*name;		/* interned */
	const char	*value;		/* as xmlGetProp() gives it */
	uint32_t	 len;		/* of value */
	bool		 bare;		/* written without a value: "" */
};

struct htmlnode {
	struct htmlnode	*parent;
	struct htmlnode	*children, *last;
	struct htmlnode	*next;
	const char	*name;		/* element (lower case), DTD, other */
	struct htmlattr	*attrs;		/* element, in document order */
	char		*text;		/* text, CDATA, comment, other */
	uint32_t	 len;		/* of text */
	unsigned char	 type;		/* enum htmlnode_type */
};

struct htmlname;

struct htmltree {
	struct arena	*arena;
	struct htmlnode	 doc;		/* HTML_NODE_DOC, the root */
	const char	*dt_name;	/* doctype, NULL for none */
	const char	*dt_public, *dt_system;
	struct htmlname	**names;	/* open addressing, power of 2 */
	size_t		 n_names, cap_names;
	char		*free;		/* the rest of the block in use */
	size_t		 left;
	bool		 truncated;	/* the arena ran out while copying */
};

/* FNV-1a: the hash htmltree_name() wants (htmlfast.c's tokenizer too). */
uint32_t	 htmltree_hash(const char *, size_t);

struct htmltree	*htmltree_new(struct arena *);
/* The tree's copy of a name, len bytes; hash is its htmltree_hash(). */
const char	*htmltree_name(struct htmltree *, const char *, size_t len,
		    uint32_t hash);
/* For tests: the interned copy, or NULL when the tree has none. */
const char	*htmltree_find(const struct htmltree *, const char *);

/* A new node, empty, as the last child of parent. */
struct htmlnode	*htmltree_add(struct htmltree *, struct htmlnode *parent,
		    enum htmlnode_type);
/* A new leaf (text, CDATA, comment) with a copy of len bytes of s. */
struct htmlnode	*htmltree_leaf(struct htmltree *, struct htmlnode *parent,
		    enum htmlnode_type, const char *s, size_t len);
/* Text as xmlAddChild() adds it: joined to a text node last in parent. */
bool		 htmltree_text(struct htmltree *, struct htmlnode *parent,
		    const char *s, size_t len);
/*
 * An attribute of e after prev, its last (NULL: e has none yet), value
 * len bytes; value NULL: written bare (value "").
 */
struct htmlattr	*htmltree_attr(struct htmltree *, struct htmlnode *e,
		    struct htmlattr *prev, const char *name,
		    const char *value, size_t len);

/*
 * The doctype, its node first in the document as libxml2 puts it; name,
 * pub and sys NULL when absent.
 */
bool		 htmltree_doctype(struct htmltree *, const char *name,
		    size_t nlen, const char *pub, size_t plen,
		    const char *sys, size_t slen);

/*
 * libxml2's tree of an HTML document, copied; the copy is cut short
 * (truncated set) when the arena runs out.  NULL: no memory at all.
 */
struct htmltree	*htmltree_from_xml(struct arena *, const struct _xmlDoc *);

/* For tests: whether two trees have the same nodes, names and text. */
bool		 htmltree_same(const struct htmltree *,
		    const struct htmltree *);

#endif
