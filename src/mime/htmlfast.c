/*
 * htmlfast.c - the tree of simple HTML, built without libxml2's parser.
 *
 * libxml2's HTML parser reads text a character at a time and keeps
 * error-recovery state for every token; on mail it is a third of the
 * cost of a message.  Most mail HTML is well-formed markup whose tree is
 * easy to predict, so this tokenizer builds that tree itself, in the
 * arena (htmltree.h), node for node what htmlCtxtReadMemory() with
 * html.c's options would have built from UTF-8 input (libxml2 2.9.14:
 * HTMLparser.c and SAX2.c) and htmltree_from_xml() would have copied.
 * libxml2's tables still answer which tags are void, which close which,
 * which attributes are boolean and what entities mean.
 *
 * It declines (returns NULL) the moment the input leaves the part of
 * the parser's behaviour reproduced here, which covers: implied html,
 * head, body and p; tags closed by other tags (htmlStartClose, asked
 * through htmlAutoCloseTag()) and by end tags (with htmlGetEndPriority's
 * ranks); end tags ignored; misplaced html, head and body discarded;
 * void elements (htmlTagLookup()); attributes, bare, quoted or not,
 * repeated, boolean, or bogus (skipped); entities and character
 * references, known or not, in text and in attribute values; comments;
 * processing instructions; script and style as CDATA; a stray '<' as
 * text; doctypes, first or misplaced; a byte order mark; frames; tags
 * the input ends in; content after </html>; nesting as deep as SAX2
 * goes.  It declines on bytes that are not well-formed UTF-8 XML
 * characters, tag names it would read differently (longer than
 * HF_NAME, with a '.', odd prefixes), and the rarer corners noted
 * where they are refused.
 * The caller then parses as before; tests/unit/test_htmlfast.c and
 * fuzz/fuzz_html.c compare the two trees wherever this one accepts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <stdlib.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/entities.h>
#include <libxml/tree.h>

#include "mime/htmltree.h"
#include "mime/mimeint.h"
#include "util/str.h"

#define HF_DEPTH	257	/* xmlParserMaxDepth + 1: nodePush() halts */
#define HF_NAME		64	/* tag names and NUL; longer declined */
#define HF_CUT		100	/* htmlParseHTMLName() reads no more */
#define HF_CHUNK	990	/* libxml2 hands text over 1000 at a time */
#define HF_CACHE	256	/* autoclose answers a thread keeps */
#define HF_KEY		16	/* names this long or shorter are keys */
#define HF_NC		128	/* names a parse keeps (nc_get()) */
/* Small and called per tag: inline, even where the compiler would not. */
#if defined(__GNUC__)
#define HF_INLINE	inline __attribute__((always_inline))
#else
#define HF_INLINE	inline
#endif
#define DT_PUBLIC	"-//W3C//DTD HTML 4.0 Transitional//EN"
#define DT_SYSTEM	"http://www.w3.org/TR/REC-html40/loose.dtd"

/* What the parser's special cases make of a tag name. */
enum {
	K_HTML		= 0x01,
	K_HEAD		= 0x02,
	K_BODY		= 0x04,
	K_RAW		= 0x08,		/* script, style */
	K_HEADISH	= 0x10,		/* implies <head> */
	K_FRAME		= 0x20		/* frame, frameset, noframes */
};

/* What a tag name means here, the same for every document. */
struct tag_info {
	const htmlElemDesc	*desc;		/* htmlTagLookup() */
	unsigned char		 kind;		/* name_kind() */
	unsigned char		 prio;		/* end_priority() */
	unsigned char		 len;		/* the name's */
	uint32_t		 hash;		/* the name's name_hash() */
};

/* A name as tag_name() read it. */
struct hf_name {
	size_t		 len;
	uint32_t	 hash;			/* name_hash() */
	bool		 odd;			/* has a '.' or ':' */
};

/*
 * What a parse knows of a name it has read: the tree's interned copies
 * and the tag's tag_info, so a name seen again (most are) costs a
 * compare of two words, not a search of the tree's names and of the
 * tag cache.  Direct-mapped by the name's hash; only names of HF_KEY
 * bytes or fewer, whose bytes NUL-padded are the key.
 */
struct nc_entry {
	uint64_t		 key[HF_KEY / 8];
	size_t			 len;		/* 0: unused */
	const char		*attr;		/* interned whole, or NULL */
	const char		*elem;		/* interned after a prefix */
	struct tag_info		 ti;		/* when has_ti */
	bool			 has_ti;
};

struct hf {
	const unsigned char	*p, *end;
	struct htmltree		*t;
	struct htmlnode		*node;		/* NULL: the document level */
	int			 n;		/* open elements */
	int			 open_head, open_body;
	bool			 root;		/* an element at top level */
	bool			 head_seen;	/* ctxt->html >= 3 */
	bool			 body_seen;	/* ctxt->html >= 10 */
	bool			 doctype;
	bool			 halted;	/* xmlHaltParser() */
	int			 discarded;	/* ctxt->depth */
	unsigned char		*tb;		/* text not yet in the tree */
	size_t			 tlen, tcap;
	/*
	 * Or, when not NULL, where that text is in the input: a run of
	 * text ending in a tag, the most of it, goes into the tree in one
	 * copy, not two.
	 */
	const unsigned char	*ts;
	/* Not cleared but for the lengths, which say an entry is unused. */
	struct nc_entry		 nc[HF_NC];
	/* The open elements, last, not cleared: only n are read. */
	unsigned char		 kinds[HF_DEPTH];
	unsigned char		 prios[HF_DEPTH];	/* end_priority */
	unsigned char		 lens[HF_DEPTH];
	uint32_t		 hashes[HF_DEPTH];	/* name_hash() */
	/* NUL-padded to HF_KEY bytes: the first are then a name's key. */
	char			 names[HF_DEPTH][HF_NAME];
};

/* For tests: the line of the last refusal, to see what is refused. */
_Thread_local int htmlfast_declined_at;
_Thread_local size_t htmlfast_declined_pos;	/* and where */

static bool
hf_no(int line)
{
	/* The innermost refusal: the callers' come after it. */
	if (htmlfast_declined_at == 0)
		htmlfast_declined_at = line;
	return false;
}

/*
 * The hash of a name this file keys its caches and the open elements
 * by (the tree's own, htmltree_hash(), is asked for only where a name
 * goes into the tree): for a name of HF_KEY bytes or fewer, a mix of
 * its two NUL-padded words k, which tag_name() has at hand without a
 * pass per byte; FNV-1a for a longer one.
 */
static uint32_t
key_hash(const uint64_t k[HF_KEY / 8])
{
	return (uint32_t)((k[0] * 0x9e3779b97f4a7c15ULL ^
	    k[1] * 0xc2b2ae3d27d4eb4fULL) >> 32);
}

static uint32_t
name_hash(const char *name, size_t len)
{
	uint64_t k[HF_KEY / 8] = { 0, 0 };

	if (len > HF_KEY)
		return str_fnv1a(STR_FNV_INIT, name, len);
	memcpy(k, name, len);
	return key_hash(k);
}

static bool
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* IS_CHAR of the XML specification. */
static bool
is_xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd ||
	    (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) ||
	    (c >= 0x10000 && c <= 0x10ffff);
}

/*
 * Whole input: well-formed UTF-8 of XML characters, no NUL (the parser
 * stops there), no DEL.  Carriage returns are kept as they are, as the
 * HTML parser keeps them.
 */
static bool
input_ok(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t c;

	while (i < len) {
#ifdef __SSE2__
		/*
		 * Sixteen at a time where SSE2 is there (every x86-64),
		 * exactly: printable ASCII, tab, LF and CR pass, so a line
		 * end does not leave the loop.  A signed compare flags the
		 * bytes past ASCII with the controls.
		 */
		while (len - i >= 16) {
			__m128i v, ctl;
			unsigned mm;

			v = _mm_loadu_si128((const __m128i *)(const void *)
			    (s + i));
			ctl = _mm_or_si128(_mm_or_si128(
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
			mm = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			    _mm_andnot_si128(ctl,
			    _mm_cmplt_epi8(v, _mm_set1_epi8(0x20))),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))));
			if (mm != 0) {
				i += (size_t)__builtin_ctz(mm);
				break;
			}
			i += 16;
		}
#else
		/* Eight printable ASCII bytes at a time. */
		while (len - i >= 8) {
			uint64_t w, m;

			memcpy(&w, s + i, 8);
			/*
			 * The high bit of each byte outside 0x20-0x7e; a
			 * borrow may flag bytes above one that is, never
			 * below, so the lowest flag is the first such byte.
			 */
			m = (w | (w - 0x2020202020202020ULL) |
			    ((w ^ 0x7f7f7f7f7f7f7f7fULL) -
			    0x0101010101010101ULL)) & 0x8080808080808080ULL;
			if (m != 0) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				/* Not the bytes before it again, one by one. */
				i += (size_t)__builtin_ctzll(m) / 8;
#endif
				break;
			}
			i += 8;
		}
#endif
		if (i >= len)
			break;
		c = s[i];
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n' &&
			    c != '\r') || c == 0x7f)
				return hf_no(__LINE__);
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			c &= 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			c &= 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			c &= 0x07;
		} else
			return hf_no(__LINE__);
		if (len - i <= n)
			return hf_no(__LINE__);
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return hf_no(__LINE__);
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
		    !is_xml_char(c))
			return hf_no(__LINE__);
		i += n + 1;
	}
	return true;
}

static bool	tb_add(struct hf *, const unsigned char *, size_t);

/* Pending text still in the input (ts) into the buffer. */
static bool
tb_own(struct hf *h)
{
	const unsigned char *s = h->ts;
	size_t len = h->tlen;

	h->ts = NULL;
	h->tlen = 0;
	return tb_add(h, s, len);
}

static bool
tb_add(struct hf *h, const unsigned char *s, size_t len)
{
	unsigned char *nb;
	size_t nc;

	if (h->ts != NULL && !tb_own(h))
		return false;
	if (h->tcap - h->tlen <= len) {
		nc = h->tcap ? h->tcap : 256;
		while (nc - h->tlen <= len)
			nc *= 2;
		if ((nb = realloc(h->tb, nc)) == NULL)
			return hf_no(__LINE__);
		h->tb = nb;
		h->tcap = nc;
	}
	memcpy(h->tb + h->tlen, s, len);
	h->tlen += len;
	return true;
}

static bool
tb_add_char(struct hf *h, uint32_t c)
{
	unsigned char o[4];

	return tb_add(h, o, str_utf8_put(o, c));
}

/* Text of the input at s, len bytes, pending: left there if it can. */
static bool
text_add(struct hf *h, const unsigned char *s, size_t len)
{
	if (h->tlen == 0) {
		h->ts = s;
		h->tlen = len;
		return true;
	}
	if (h->ts != NULL && h->ts + h->tlen == s) {
		h->tlen += len;
		return true;
	}
	return tb_add(h, s, len);
}

/* Pending text becomes a text node (or joins the last one). */
static bool
flush_text(struct hf *h)
{
	if (h->tlen == 0)
		return true;
	if (h->node == NULL || !htmltree_text(h->t, h->node,
	    (const char *)(h->ts != NULL ? h->ts : h->tb), h->tlen))
		return hf_no(__LINE__);
	h->tlen = 0;
	h->ts = NULL;
	return true;
}

/*
 * "&#" at p, read as htmlParseCharRef() reads it: decimal digits, or
 * hex ones after 'x' or 'X', as many as there are (the value stops
 * growing past 0x10FFFF), then a ';' if one follows.  The character, or
 * 0 where there is none (no digits, not an XML character), which the
 * parser drops.
 */
static uint32_t
char_ref(struct hf *h)
{
	const unsigned char *p = h->p + 2;
	uint32_t v = 0, d;
	bool hex;

	if ((hex = p < h->end && (*p == 'x' || *p == 'X')))
		p++;
	for (; p < h->end; p++) {
		if (is_digit(*p))
			d = (uint32_t)(*p - '0');
		else if (hex && *p >= 'a' && *p <= 'f')
			d = (uint32_t)(*p - 'a' + 10);
		else if (hex && *p >= 'A' && *p <= 'F')
			d = (uint32_t)(*p - 'A' + 10);
		else
			break;
		if (v < 0x110000)
			v = v * (hex ? 16 : 10) + d;
	}
	if (p < h->end && *p == ';')
		p++;
	h->p = p;
	return is_xml_char(v) ? v : 0;
}

/* "&name" at p: the name's length (letters and digits), or 0. */
static size_t
ent_name(const struct hf *h, char *name, size_t size)
{
	const unsigned char *p = h->p + 1;
	size_t n = 0;

	if (p >= h->end || !is_alpha(*p))
		return 0;
	while (p + n < h->end && (is_alpha(p[n]) || is_digit(p[n]))) {
		if (n + 1 >= size)
			return 0;
		name[n] = (char)p[n];
		n++;
	}
	name[n] = '\0';
	return n;
}

/* Whether any of the n bytes at s is past ASCII. */
static bool
has_high(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 0x80)
			return true;
	return false;
}

/* A character of a name after its first, in htmlParseName()'s sense. */
static bool
name_char(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '.' || c == '-' ||
	    c == '_' || c == ':' || c >= 0x80;
}

/*
 * The parse's entry for name, as tag_name() left it (NUL-padded), len
 * bytes, hash its name_hash(): the one it had, or a fresh one in
 * its place.  NULL for a name too long to be a key.
 */
static inline struct nc_entry *
nc_get(struct hf *h, const char *name, size_t len, uint32_t hash)
{
	struct nc_entry *ce;
	uint64_t k[HF_KEY / 8];

	if (len > HF_KEY)
		return NULL;
	memcpy(k, name, sizeof(k));
	ce = &h->nc[hash % HF_NC];
	if (ce->len == len && ce->key[0] == k[0] && ce->key[1] == k[1])
		return ce;
	memcpy(ce->key, k, sizeof(k));
	ce->len = len;
	ce->attr = ce->elem = NULL;
	ce->has_ti = false;
	return ce;
}

/*
 * An element node under the current one (or the document); ce is the
 * name's entry (nc_get()), or NULL.
 */
static struct htmlnode *
add_element(struct hf *h, const char *name, const struct tag_info *ti,
    struct nc_entry *ce)
{
	const char *local, *dn;
	size_t len = ti->len;
	struct htmlnode *e, *parent, *first = h->t->doc.children;

	if (ce != NULL && ce->elem != NULL)
		dn = ce->elem;
	else {
		/* SAX2 names the node by the part after a prefix. */
		if ((local = memchr(name, ':', len)) != NULL) {
			local++;
			len -= (size_t)(local - name);
		} else
			local = name;
		if ((dn = htmltree_name(h->t, local, len,
		    htmltree_hash(local, len))) == NULL)
			return NULL;
		if (ce != NULL)
			ce->elem = dn;
	}
	/*
	 * At the top level SAX2 puts a second root inside the first
	 * child of the document when that is an element.
	 */
	if (h->node != NULL)
		parent = h->node;
	else if (first != NULL && first->type == HTML_NODE_ELEMENT)
		parent = first;
	else
		parent = &h->t->doc;
	if ((e = htmltree_add(h->t, parent, HTML_NODE_ELEMENT)) == NULL)
		return NULL;
	e->name = dn;
	h->root = true;
	return e;
}

/* The elements the tree builder treats apart; remembered per name. */
static unsigned
name_kind(const char *name)
{
	static const struct {
		const char	*name;
		unsigned	 kind;
	} kinds[] = {
		{ "body", K_BODY }, { "base", K_HEADISH }, { "frame", K_FRAME },
		{ "frameset", K_FRAME }, { "html", K_HTML }, { "head", K_HEAD },
		{ "link", K_HEADISH }, { "meta", K_HEADISH },
		{ "noframes", K_FRAME }, { "script", K_RAW | K_HEADISH },
		{ "style", K_RAW | K_HEADISH }, { "title", K_HEADISH },
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return kinds[i].kind;
	return 0;
}

/* htmlGetEndPriority()'s ranks. */
static int
end_priority(const char *name)
{
	static const struct {
		const char	*name;
		int		 prio;
	} ranks[] = {
		{ "div", 150 }, { "td", 160 }, { "th", 160 }, { "tr", 170 },
		{ "thead", 180 }, { "tbody", 180 }, { "tfoot", 180 },
		{ "table", 190 }, { "head", 200 }, { "body", 200 },
		{ "html", 220 }
	};
	size_t i;

	for (i = 0; i < sizeof(ranks) / sizeof(ranks[0]); i++)
		if (strcmp(ranks[i].name, name) == 0)
			return ranks[i].prio;
	return 100;
}

/*
 * Every tag asks all three, each a search with string compares; the
 * few names mail uses are kept per thread.  The answers are libxml2's
 * static tables' and ours, not the document's, so never go stale.
 */
struct ti_entry {
	char		 name[24];		/* "": unused */
	struct tag_info	 ti;
};

static _Thread_local struct ti_entry ti_cache[HF_CACHE];

/* For name, n bytes and a NUL, hash its name_hash(). */
static struct tag_info
tag_info_hashed(const char *name, size_t n, uint32_t hash)
{
	struct tag_info ti;
	struct ti_entry *ce;

	ce = &ti_cache[hash % HF_CACHE];
	if (n < sizeof(ce->name) && memcmp(ce->name, name, n + 1) == 0)
		return ce->ti;
	ti.len = (unsigned char)n;		/* n < HF_NAME */
	ti.hash = hash;
	ti.desc = htmlTagLookup((const xmlChar *)name);
	ti.kind = (unsigned char)name_kind(name);
	ti.prio = (unsigned char)end_priority(name);
	if (n < sizeof(ce->name)) {
		memcpy(ce->name, name, n + 1);
		ce->ti = ti;
	}
	return ti;
}

/* tag_info_hashed() of a name tag_name() read, through its entry ce. */
static struct tag_info
nc_tag_info(const char *name, const struct hf_name *nm,
    struct nc_entry *ce)
{
	struct tag_info ti;

	if (ce != NULL && ce->has_ti)
		return ce->ti;
	ti = tag_info_hashed(name, nm->len, nm->hash);
	if (ce != NULL) {
		ce->ti = ti;
		ce->has_ti = true;
	}
	return ti;
}

static struct tag_info
tag_info(const char *name)
{
	size_t n = strlen(name);

	return tag_info_hashed(name, n, name_hash(name, n));
}

/* htmlnamePush() notes <head> and <body>, even closed at once. */
static void
note(struct hf *h, unsigned kind)
{
	if (kind & K_HEAD)
		h->head_seen = true;
	else if (kind & K_BODY)
		h->head_seen = h->body_seen = true;
}

/* name NUL-padded to HF_KEY bytes at least, as tag_name() leaves it. */
static bool
push(struct hf *h, const char *name, const struct tag_info *ti,
    struct htmlnode *e)
{
	unsigned kind = ti->kind;

	if (h->n >= HF_DEPTH)
		return hf_no(__LINE__);
	h->kinds[h->n] = (unsigned char)kind;
	h->prios[h->n] = ti->prio;
	h->lens[h->n] = ti->len;
	h->hashes[h->n] = ti->hash;
	/* Padding and all, in one move for the most. */
	if (ti->len < HF_KEY)
		memcpy(h->names[h->n++], name, HF_KEY);
	else
		memcpy(h->names[h->n++], name, ti->len + 1U);
	note(h, kind);
	h->open_head += (kind & K_HEAD) != 0;
	h->open_body += (kind & K_BODY) != 0;
	h->node = e;
	return true;
}

static void
pop(struct hf *h)
{
	h->n--;
	h->open_head -= (h->kinds[h->n] & K_HEAD) != 0;
	h->open_body -= (h->kinds[h->n] & K_BODY) != 0;
	h->node = h->n > 0 ? h->node->parent : NULL;
}

static unsigned
top_kind(const struct hf *h)
{
	return h->n > 0 ? h->kinds[h->n - 1] : 0;
}

static bool
implied(struct hf *h, const char *tag)
{
	struct tag_info ti = tag_info(tag);
	struct htmlnode *e;
	char name[HF_KEY + 1] = { 0 };

	/* push() wants it padded. */
	memcpy(name, tag, ti.len);
	if ((e = add_element(h, name, &ti, NULL)) == NULL)
		return hf_no(__LINE__);
	return push(h, name, &ti, e);
}

/*
 * Would libxml2 close the open element top on seeing newtag?  Its table
 * is private; htmlAutoCloseTag() asks it for a childless element, but
 * answers 0 when the names are equal, where the table has these.
 */
static bool
ask_autocloses(const char *newtag, const char *top)
{
	static const char *const self[] = { "a", "col", "colgroup", "form",
	    "li", "option", "p", "tbody", "td", "th", "tr" };
	xmlNode probe;
	size_t i;

	if (strcmp(newtag, top) == 0) {
		for (i = 0; i < sizeof(self) / sizeof(self[0]); i++)
			if (strcmp(self[i], top) == 0)
				return true;
		return false;
	}
	memset(&probe, 0, sizeof(probe));
	probe.type = XML_ELEMENT_NODE;
	probe.name = (const xmlChar *)newtag;
	return htmlAutoCloseTag(NULL, (const xmlChar *)top, &probe) != 0;
}

/*
 * The table is searched with two string compares a step, for every
 * tag; the few pairs mail uses are kept per thread, keyed by the two
 * names NUL-padded (as nc_get()), so names of HF_KEY bytes or fewer;
 * no name is empty, so an unused entry (zeros) matches none.
 */
struct ac_entry {
	uint64_t	newtag[HF_KEY / 8];
	uint64_t	top[HF_KEY / 8];
	bool		closes;
};

static _Thread_local struct ac_entry ac_cache[HF_CACHE];

/*
 * newtag (NUL-padded, as tag_name() leaves it) against the innermost
 * open element, by the names' hashes.
 */
static bool
autocloses(const struct hf *h, const char *newtag,
    const struct tag_info *nt)
{
	struct ac_entry *ce;
	uint64_t nk[HF_KEY / 8], tk[HF_KEY / 8];
	uint32_t hash;

	if (nt->len > HF_KEY || h->lens[h->n - 1] > HF_KEY)
		return ask_autocloses(newtag, h->names[h->n - 1]);
	memcpy(nk, newtag, sizeof(nk));
	memcpy(tk, h->names[h->n - 1], sizeof(tk));
	hash = (nt->hash * 16777619u) ^ (h->hashes[h->n - 1] * 2654435761u);
	hash ^= hash >> 16;
	ce = &ac_cache[hash % HF_CACHE];
	if (ce->newtag[0] == nk[0] && ce->newtag[1] == nk[1] &&
	    ce->top[0] == tk[0] && ce->top[1] == tk[1])
		return ce->closes;
	memcpy(ce->newtag, nk, sizeof(nk));
	memcpy(ce->top, tk, sizeof(ce->top));
	ce->closes = ask_autocloses(newtag, h->names[h->n - 1]);
	return ce->closes;
}

/* htmlCheckImplied(): <html>, then <head> or <body> where left out. */
static bool
check_implied(struct hf *h, unsigned kind)
{
	if (kind & K_HTML)
		return true;
	if (h->n == 0) {
		if (!implied(h, "html"))
			return hf_no(__LINE__);
	}
	if (kind & (K_BODY | K_HEAD))
		return true;
	if (h->n <= 1 && (kind & K_HEADISH))
		return h->head_seen ? true : implied(h, "head");
	/* Frames imply no <body>. */
	if (kind & K_FRAME)
		return true;
	if (h->body_seen || h->open_body > 0 || h->open_head > 0)
		return true;
	return implied(h, "body");
}

/* Letters (lower-cased), digits and "-_.:" by byte; 0 for the rest. */
static const unsigned char name_lc[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x2d, 0x2e, 0x00,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x00, 0x5f,
	0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x00, 0x00,
};

#ifdef __SSE2__
/*
 * tag_name() for a name shorter than HF_KEY with HF_KEY bytes of input
 * at p: the sixteen bytes classified, lower-cased and padded at once.
 * False (nothing read) for a longer one, left to the loop.
 */
static HF_INLINE bool
tag_name16(struct hf *h, char *name, struct hf_name *nm)
{
	static const char lanes[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	    11, 12, 13, 14, 15 };
	__m128i v, ok, up, dot;
	uint64_t k[HF_KEY / 8];
	unsigned bad, len;

	v = _mm_loadu_si128((const __m128i *)(const void *)h->p);
	/* name_lc[] != 0: letters, digits, '-', '.', ':', '_'. */
	up = str_sse_in_range(v, 'A', 26);
	dot = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
	ok = _mm_or_si128(_mm_or_si128(up, str_sse_in_range(v, 'a', 26)),
	    _mm_or_si128(_mm_or_si128(str_sse_in_range(v, '0', 10), dot),
	    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('_')))));
	bad = ~(unsigned)_mm_movemask_epi8(ok) & 0xffff;
	if (bad == 0)
		return false;
	len = (unsigned)__builtin_ctz(bad);
	/* Lower case, and NULs from len on. */
	v = _mm_add_epi8(v, _mm_and_si128(up, _mm_set1_epi8(0x20)));
	v = _mm_and_si128(v, _mm_cmplt_epi8(_mm_loadu_si128(
	    (const __m128i *)(const void *)lanes),
	    _mm_set1_epi8((char)len)));
	_mm_storeu_si128((__m128i *)(void *)name, v);
	name[len] = '\0';
	memcpy(k, name, sizeof(k));
	h->p += len;
	nm->len = len;
	nm->hash = key_hash(k);
	nm->odd = ((unsigned)_mm_movemask_epi8(dot) & ((1u << len) - 1)) != 0;
	return true;
}
#endif

/*
 * A tag or attribute name at p as htmlParseHTMLName() reads it,
 * lower-cased into name, of size (at least HF_KEY + 1) bytes, the first
 * HF_KEY of them NUL-padded, so that a short name is its key in the
 * names cache (nc_get()): letters, digits and "-_.:" after a letter or
 * one of "_.:", HF_CUT of them at most, the rest left to be read as what
 * follows.  nm gets its length, its name_hash() and whether it has a
 * '.' or ':'.
 */
static bool
tag_name_loop(struct hf *h, char *name, size_t size, struct hf_name *nm)
{
	const unsigned char *p = h->p, *lim;
	size_t max = size - 1 < HF_CUT ? size - 1 : HF_CUT;
	uint64_t k[HF_KEY / 8];
	unsigned char c;
	char *o = name;
	bool odd = false;

	if (p >= h->end || (!is_alpha(*p) && *p != '_' && *p != ':' &&
	    *p != '.'))
		return hf_no(__LINE__);
	memset(name, 0, HF_KEY);
	/* One bound for the input, the buffer and HF_CUT. */
	lim = (size_t)(h->end - p) > max ? p + max : h->end;
	while (p < lim && (c = name_lc[*p]) != 0) {
		*o++ = (char)c;
		/* Letters, the most, are past the punctuation. */
		if (c < 'a' && (c == '.' || c == ':'))
			odd = true;
		p++;
	}
	/* More of it than the buffer holds, before HF_CUT: declined. */
	if (p == lim && p < h->end && name_lc[*p] != 0 && max < HF_CUT)
		return hf_no(__LINE__);
	*o = '\0';
	h->p = p;
	nm->len = (size_t)(o - name);
	if (nm->len <= HF_KEY) {
		memcpy(k, name, sizeof(k));
		nm->hash = key_hash(k);
	} else
		nm->hash = str_fnv1a(STR_FNV_INIT, name, nm->len);
	nm->odd = odd;
	/*
	 * A byte past ASCII ends it too, as does the end of the input:
	 * the callers skip what follows, or end there.
	 */
	return true;
}

/*
 * A tag or attribute name, as tag_name_loop() reads it: most are short
 * and have sixteen bytes of input after them, read at once, inline in
 * the three callers, every tag reading one or more.
 */
static HF_INLINE bool
tag_name(struct hf *h, char *name, size_t size, struct hf_name *nm)
{
#ifdef __SSE2__
	if (h->end - h->p >= HF_KEY && (is_alpha(*h->p) || *h->p == '_' ||
	    *h->p == ':' || *h->p == '.') && tag_name16(h, name, nm))
		return true;
#endif
	return tag_name_loop(h, name, size, nm);
}

static const bool blank_byte[256] = {
	[' '] = true, ['\t'] = true, ['\n'] = true, ['\r'] = true
};

/*
 * Most calls find no blank, or one: the first byte is looked at before
 * the loop, which keeps the cursor in a register, not in h.
 */
static HF_INLINE void
skip_blanks(struct hf *h)
{
	const unsigned char *p = h->p, *end = h->end;

	if (p >= end || !blank_byte[*p])
		return;
	for (p++; p < end && blank_byte[*p]; p++)
		;
	h->p = p;
}

/*
 * "&" at p, not "&#": what htmlParseEntityRef() and its callers make of
 * it, into out (at least 8 bytes); its length, or -1 to decline.  A
 * known name with ';' is decoded; without, or unknown, it stays as
 * written (the ';' too, left for the text after); a bare '&' stays.
 */
/*
 * What htmlEntityLookup() gives for name (NUL-padded, HF_KEY bytes
 * and a NUL), as the character, 0 for none: the table is searched a
 * name at a time, and mail uses a few names over and over, so the
 * answers are kept per thread.  They are libxml2's static table's, so
 * never go stale.
 */
struct ent_entry {
	uint64_t	key[HF_KEY / 8];	/* zeros: unused */
	uint32_t	c;
};

static _Thread_local struct ent_entry ent_cache[HF_CACHE];

static uint32_t
entity(const char *name)
{
	const htmlEntityDesc *ent;
	struct ent_entry *ce;
	uint64_t k[HF_KEY / 8];

	memcpy(k, name, sizeof(k));
	ce = &ent_cache[key_hash(k) % HF_CACHE];
	if (ce->key[0] == k[0] && ce->key[1] == k[1])
		return ce->c;
	ent = htmlEntityLookup((const xmlChar *)name);
	memcpy(ce->key, k, sizeof(k));
	ce->c = ent != NULL && ent->value > 0 ? ent->value : 0;
	return ce->c;
}

static int
amp(struct hf *h, unsigned char *out, size_t size)
{
	const htmlEntityDesc *ent;
	const unsigned char *s;
	char name[33], key[HF_KEY + 1] = { 0 };
	size_t n;
	uint32_t c;

	s = h->p + 1;
	/*
	 * The most: a short name of letters and digits, after a letter,
	 * and then no other byte a name may have, so that all the checks
	 * below pass and the name is the entity's.
	 */
	for (n = 0; s + n < h->end && n <= HF_KEY &&
	    (is_alpha(s[n]) || is_digit(s[n])); n++)
		if (n < HF_KEY)
			key[n] = (char)s[n];
	if (n > 0 && n <= HF_KEY && is_alpha(s[0]) &&
	    (s + n >= h->end || !name_char(s[n]))) {
		if (s + n < h->end && s[n] == ';' && (c = entity(key)) != 0) {
			h->p = s + n + 1;
			return (int)str_utf8_put(out, c);
		}
		memcpy(out, h->p, n + 1);
		h->p = s + n;
		return (int)n + 1;
	}
	/*
	 * The name as htmlParseName() reads it.  Past ASCII it goes by
	 * XML's letter classes, but no name with such a byte is an entity,
	 * nor is a long one: the parser writes '&' and the name back as
	 * they were, whatever it took in, and so does a bare '&'; the rest
	 * is read again here as what follows.  Only a name its dictionary
	 * would refuse (XML_MAX_DICTIONARY_LIMIT) is lost, not reproduced.
	 */
	for (n = 0; s + n < h->end && name_char(s[n]); n++)
		if (n > 100000)
			return (hf_no(__LINE__), -1);
	if (s >= h->end || (!is_alpha(*s) && *s != '_' && *s != ':' &&
	    *s < 0x80) || n + 2 > size || has_high(s, n)) {
		out[0] = '&';
		h->p++;
		return 1;
	}
	if (ent_name(h, name, sizeof(name)) != n)
		name[0] = '\0';
	s += n;
	if (s < h->end && *s == ';' && name[0] != '\0' &&
	    (ent = htmlEntityLookup((const xmlChar *)name)) != NULL &&
	    ent->value > 0) {
		c = ent->value;
		h->p = s + 1;
		/* HTML 4's entities are all in the BMP: three bytes at most. */
		return (int)str_utf8_put(out, c);
	}
	/* Unknown, or no ';': as written, the ';' left for what follows. */
	memcpy(out, h->p, n + 1);
	h->p = s;
	return (int)n + 1;
}

/*
 * An attribute value, quoted (q is the quote) or not (q is 0), with
 * entities decoded as htmlParseHTMLAttribute() does: *v and *len are
 * its bytes, in the input when it has no references (most do), else in
 * the text buffer.  It need not end in a NUL.
 */
static bool
att_value(struct hf *h, unsigned char q, const unsigned char **v,
    size_t *len)
{
	static const bool bare_stop[256] = { ['&'] = true, [' '] = true,
	    ['\t'] = true, ['\n'] = true, ['\r'] = true, ['>'] = true };
	const unsigned char *s;
	unsigned char out[40];
	uint32_t c;
	int n;
	bool refs = false, cut = false;

	h->tlen = 0;
	for (;;) {
		s = h->p;
		if (q)
			/* Values run long (style, href): strides. */
			h->p = str_find4(s, h->end, q, '&', q, '&');
		else
			while (h->p < h->end && !bare_stop[*h->p])
				h->p++;
		/* The end of the input ends it too, its quote missing. */
		if ((h->p >= h->end || *h->p != '&') && !refs) {
			/* No reference: the value as it stands. */
			*v = s;
			*len = (size_t)(h->p - s);
			if (q && h->p < h->end)
				h->p++;
			return true;
		}
		if (!cut && !tb_add(h, s, (size_t)(h->p - s)))
			return hf_no(__LINE__);
		if (h->p >= h->end || *h->p != '&')
			break;
		refs = true;
		if (h->p + 1 < h->end && h->p[1] == '#') {
			/*
			 * No character: the parser writes a NUL, and the
			 * value, a C string, ends there.
			 */
			if ((c = char_ref(h)) == 0)
				cut = true;
			else if (!cut && !tb_add_char(h, c))
				return hf_no(__LINE__);
			continue;
		}
		if ((n = amp(h, out, sizeof(out))) < 0 ||
		    (!cut && !tb_add(h, out, (size_t)n)))
			return hf_no(__LINE__);
	}
	if (q && h->p < h->end)
		h->p++;
	*v = h->tb;
	*len = h->tlen;
	return true;
}

/* An element's attributes while its tag is read. */
struct hf_attrs {
	struct htmlattr	*last;		/* NULL: none yet */
	uint64_t	 seen;		/* a bit per name_hash() % 64 */
};

/*
 * An attribute as xmlSAX2AttributeInternal() adds it, the first of a
 * name only: the parser drops a repeated one.  as is what e has so far.  The name is as
 * tag_name() read it into name and an; v is len bytes, NULL for no
 * value.
 */
static bool
add_attr(struct hf *h, struct htmlnode *e, struct hf_attrs *as,
    const char *name, const struct hf_name *an, const unsigned char *v,
    size_t len)
{
	struct htmlattr *a;
	struct nc_entry *ce;
	const char *nm;
	uint64_t bit = (uint64_t)1 << (an->hash & 63);

	/* Interned names are the same pointer when the same name. */
	ce = nc_get(h, name, an->len, an->hash);
	if (ce != NULL && ce->attr != NULL)
		nm = ce->attr;
	else {
		if ((nm = htmltree_name(h->t, name, an->len,
		    htmltree_hash(name, an->len))) == NULL)
			return hf_no(__LINE__);
		if (ce != NULL)
			ce->attr = nm;
	}
	/* A name whose hash has no bit in seen is not there yet. */
	if (as->seen & bit)
		for (a = e->attrs; a != NULL; a = a->next)
			if (a->name == nm)
				return true;
	if ((a = htmltree_attr(h->t, e, as->last, nm, (const char *)v,
	    len)) == NULL)
		return hf_no(__LINE__);
	as->last = a;
	as->seen |= bit;
	return true;
}

/*
 * What htmlParseStartTag() does before the attributes: close what the
 * tag closes, open the elements it implies.  -1 to decline; 1 when the
 * parser discards the tag (a misplaced html, head or body); else 0.
 * name is NUL-padded to HF_KEY bytes, as autocloses() wants it.
 */
static int
before_tag(struct hf *h, const char *name, const struct tag_info *ti)
{
	unsigned kind = ti->kind;

	if (!flush_text(h))
		return (hf_no(__LINE__), -1);
	/* htmlAutoClose(): <p> ends an open <p>, <td> a <td>, etc. */
	while (h->n > 0 && autocloses(h, name, ti)) {
		if (top_kind(h) & (K_HTML | K_BODY))
			return (hf_no(__LINE__), -1);
		pop(h);
	}
	if (!check_implied(h, kind))
		return (hf_no(__LINE__), -1);
	if (((kind & K_HTML) && h->n > 0) || ((kind & K_HEAD) && h->n != 1) ||
	    ((kind & K_BODY) && h->open_body > 0))
		return 1;
	return 0;
}

/* After "<": a start tag. */
static bool
start_tag(struct hf *h)
{
	char name[HF_NAME], att[HF_CUT + 1];
	struct hf_name nm, an;
	struct hf_attrs as = { NULL, 0 };
	struct nc_entry *ce;
	struct tag_info ti;
	struct htmlnode *e = NULL;
	const char *v;
	unsigned char q;
	const unsigned char *uv;
	size_t vlen;
	bool self;
	unsigned kind;
	int r;

	h->p++;
	if (!tag_name(h, name, sizeof(name), &nm))
		return hf_no(__LINE__);
	/*
	 * htmlParseContentInternal() looks for tags to close by the name
	 * up to a '.', htmlParseStartTag() takes all of it: not here.
	 */
	if (nm.odd && strchr(name, '.') != NULL)
		return hf_no(__LINE__);
	/* One prefix of letters, as o:p; SAX2 splits other forms oddly. */
	if (nm.odd && (v = strchr(name, ':')) != NULL && (v == name ||
	    strchr(v + 1, ':') != NULL || !is_alpha((unsigned char)v[1])))
		return hf_no(__LINE__);
	ce = nc_get(h, name, nm.len, nm.hash);
	ti = nc_tag_info(name, &nm, ce);
	kind = ti.kind;
	if ((r = before_tag(h, name, &ti)) == -1)
		return false;
	/*
	 * SAX2 cannot push one more node: the parser halts, the tag and
	 * all after it dropped, the tree kept as it stands.
	 */
	if (r == 0 && h->n >= HF_DEPTH) {
		h->halted = true;
		return false;
	}
	/* Not ce after this: an attribute's name may take its place. */
	if (r == 0 && (e = add_element(h, name, &ti, ce)) == NULL)
		return hf_no(__LINE__);
	for (;;) {
		skip_blanks(h);
		/*
		 * The end of the input ends the tag: the element stays as
		 * read, and is closed.
		 */
		if (h->p >= h->end) {
			self = false;
			break;
		}
		if (*h->p == '>') {
			h->p++;
			self = false;
			break;
		}
		if (*h->p == '/' && h->p + 1 < h->end && h->p[1] == '>') {
			h->p += 2;
			self = true;
			break;
		}
		if (!is_alpha(*h->p) && *h->p != '_' && *h->p != ':' &&
		    *h->p != '.') {
			/* No name: skipped to a blank or the tag's end. */
			while (h->p < h->end && !is_blank(*h->p) &&
			    *h->p != '>' && (*h->p != '/' ||
			    h->p + 1 >= h->end || h->p[1] != '>'))
				h->p++;
			continue;
		}
		if (!tag_name(h, att, sizeof(att), &an))
			return hf_no(__LINE__);
		skip_blanks(h);
		v = NULL;
		vlen = 0;
		if (h->p < h->end && *h->p == '=') {
			h->p++;
			skip_blanks(h);
			q = h->p < h->end ? *h->p : 0;
			if (q == '"' || q == '\'')
				h->p++;
			else
				q = 0;
			if (!att_value(h, q, &uv, &vlen))
				return hf_no(__LINE__);
			v = (const char *)uv;
		} else if (htmlIsBooleanAttr((const xmlChar *)att)) {
			v = att;
			vlen = an.len;
		}
		if (e != NULL && !add_attr(h, e, &as, att, &an,
		    (const unsigned char *)v, vlen))
			return hf_no(__LINE__);
		h->tlen = 0;
	}
	if (r == 1) {
		/* "/>" would close the open element instead. */
		if (self)
			return hf_no(__LINE__);
		h->discarded++;
		return true;
	}
	if (self || (ti.desc != NULL && ti.desc->empty)) {
		note(h, kind);
		return true;
	}
	return push(h, name, &ti, e);
}

/* Whether a and b, NUL-padded to HF_KEY bytes, hold the same len bytes. */
static inline bool
same_name(const char *a, const char *b, size_t len)
{
	uint64_t ka[HF_KEY / 8], kb[HF_KEY / 8];

	if (len > HF_KEY)
		return memcmp(a, b, len) == 0;
	memcpy(ka, a, sizeof(ka));
	memcpy(kb, b, sizeof(kb));
	return ka[0] == kb[0] && ka[1] == kb[1];
}

/* After "</": an end tag. */
static bool
end_tag(struct hf *h)
{
	char name[HF_NAME];
	struct hf_name nm;
	struct tag_info ti;
	size_t len;
	int i;

	h->p += 2;
	/* No name: "</" is dropped, what follows read as text. */
	if (h->p >= h->end || (!is_alpha(*h->p) && *h->p != '_' &&
	    *h->p != ':' && *h->p != '.'))
		return true;
	if (!tag_name(h, name, sizeof(name), &nm))
		return hf_no(__LINE__);
	len = nm.len;
	/* Anything between the name and '>' is skipped. */
	while (h->p < h->end && *h->p != '>')
		h->p++;
	if (h->p < h->end)
		h->p++;
	/* The end of a discarded html, head or body tag is ignored. */
	ti = nc_tag_info(name, &nm, nc_get(h, name, len, nm.hash));
	if (h->discarded > 0 && (ti.kind & (K_HTML | K_BODY | K_HEAD))) {
		h->discarded--;
		return true;
	}
	/*
	 * htmlAutoCloseOnClose(): the end tag closes the open elements
	 * above its own, unless one of them ranks higher (a </b> does not
	 * close a <td>), when it is ignored, as it is when nothing open
	 * has its name.
	 */
	for (i = h->n - 1; i >= 0; i--) {
		if (h->hashes[i] == ti.hash && h->lens[i] == len &&
		    same_name(h->names[i], name, len))
			break;
		if (h->prios[i] > ti.prio)
			return true;
	}
	if (i < 0)
		return true;
	if (!flush_text(h))
		return hf_no(__LINE__);
	while (h->n > i)
		pop(h);
	return true;
}

/* "<!--": a comment. */
static bool
comment(struct hf *h)
{
	const unsigned char *s = h->p + 4, *e;

	/*
	 * It ends at the first "-->" (even "<!---->" is whole); a "--!>"
	 * before that ends it in a way not reproduced here.
	 */
	for (e = s; ; e++) {
		/* From one '-' to the next, with three bytes left. */
		if (h->end - e < 3 ||
		    (e = memchr(e, '-', (size_t)(h->end - e - 2))) == NULL)
			return hf_no(__LINE__);
		if (e[1] == '-') {
			if (e[2] == '>')
				break;
			if (e[2] == '!' && h->end - e >= 4 && e[3] == '>')
				return hf_no(__LINE__);
		}
	}
	if (!flush_text(h))
		return hf_no(__LINE__);
	if (htmltree_leaf(h->t, h->node != NULL ? h->node : &h->t->doc,
	    HTML_NODE_COMMENT, (const char *)s, (size_t)(e - s)) == NULL)
		return hf_no(__LINE__);
	h->p = e + 3;
	return true;
}

/*
 * Content of script or style as htmlParseScript() gives it: up to "</"
 * and the element's name, or to the end of the input.  An end tag whose
 * name only starts so ("</scriptx>") is read, closes nothing and is
 * dropped; the raw text goes on after it, joined to the CDATA before.
 */
static bool
raw_text(struct hf *h)
{
	const char *name = h->names[h->n - 1];
	size_t nl = h->lens[h->n - 1], k;
	const unsigned char *s0 = h->p, *s = h->p, *e, *c;
	char other[HF_NAME];
	int i;

	h->tlen = 0;
	for (;;) {
		/*
		 * "</" here is parsed as an end tag, not content; a tag is
		 * first checked for closing the script or style.
		 */
		if (h->end - s >= 2 && s[0] == '<' && (is_alpha(s[1]) ||
		    s[1] == '_' || s[1] == ':' || s[1] == '/'))
			return hf_no(__LINE__);
		for (e = s; ; e++) {
			if ((e = memchr(e, '<', (size_t)(h->end - e))) == NULL ||
			    h->end - e < 2 + (ptrdiff_t)nl) {
				e = h->end;
				break;
			}
			if (e[1] == '/' && xmlStrncasecmp(e + 2,
			    (const xmlChar *)name, (int)nl) == 0)
				break;
		}
		if (s != s0 && !tb_add(h, s, (size_t)(e - s)))
			return hf_no(__LINE__);
		if (e == h->end)
			break;
		/* The end tag's name, as end_tag() will read it. */
		for (c = e + 2, k = 0; c < h->end && name_lc[*c] != 0; c++) {
			if (k + 1 >= HF_NAME)
				return hf_no(__LINE__);
			other[k++] = (char)name_lc[*c];
		}
		if (k == nl)
			break;
		other[k] = '\0';
		for (i = 0; i < h->n; i++)
			if (strcmp(h->names[i], other) == 0)
				return hf_no(__LINE__);
		/* Not the first piece: into the buffer with the rest. */
		if (s == s0 && !tb_add(h, s, (size_t)(e - s)))
			return hf_no(__LINE__);
		while (c < h->end && *c != '>')
			c++;
		s = c < h->end ? c + 1 : c;
	}
	if (s == s0 && e > s0 && htmltree_leaf(h->t, h->node,
	    HTML_NODE_CDATA, (const char *)s0, (size_t)(e - s0)) == NULL)
		return hf_no(__LINE__);
	if (s != s0 && h->tlen > 0 && htmltree_leaf(h->t, h->node,
	    HTML_NODE_CDATA, (const char *)h->tb, h->tlen) == NULL)
		return hf_no(__LINE__);
	h->tlen = 0;
	h->p = e;
	return true;
}

/*
 * htmlCheckParagraph(): text straight in <html> or <head>, or outside
 * everything, goes in a new <p>, as if the tag were there.
 */
static bool
paragraph(struct hf *h)
{
	/* Padded, as autocloses() and push() want it. */
	static const char p[HF_KEY + 1] = "p";
	struct tag_info ti = tag_info(p);
	struct htmlnode *e;

	if (before_tag(h, p, &ti) != 0 ||
	    (e = add_element(h, p, &ti, NULL)) == NULL)
		return hf_no(__LINE__);
	return push(h, p, &ti, e);
}

/*
 * Text up to '<' or '&', or one reference, as htmlParseCharData() and
 * htmlParseReference() give it.
 */
static bool
text(struct hf *h)
{
	const unsigned char *s = h->p, *e;
	unsigned char out[40];
	bool blank = true, ref, num = false;
	uint32_t c = 0;
	int n = 0;

	ref = *s == '&';
	if (ref) {
		blank = false;
		num = s + 1 < h->end && s[1] == '#';
		if (num) {
			/* No character: dropped, no paragraph asked for. */
			if ((c = char_ref(h)) == 0)
				return true;
		} else if ((n = amp(h, out, sizeof(out))) < 0)
			return false;
	} else
		/* Text runs long: strides. */
		h->p = str_find4(s, h->end, '<', '&', '<', '&');
	if (h->n == 0 || (top_kind(h) & (K_HTML | K_HEAD))) {
		/* Blank before '&' asks for a paragraph too. */
		if (!ref && (h->p >= h->end || *h->p != '&'))
			for (e = s; e < h->p && blank; e++)
				blank = is_blank(*e);
		else
			blank = false;
		/* A long run is looked at 1000 bytes at a time. */
		if (!ref && h->p - s >= HF_CHUNK)
			return hf_no(__LINE__);
		if (blank) {
			if (h->n == 0)
				return true;	/* no node to hold it */
		} else if (!paragraph(h))
			return false;
	}
	if (!ref)
		return text_add(h, s, (size_t)(h->p - s));
	if (num)
		return tb_add_char(h, c);
	return tb_add(h, out, (size_t)n);
}

/* IS_PUBIDCHAR_CH(): the characters a public identifier may hold. */
static bool
pubid_char(unsigned char c)
{
	return is_alpha(c) || is_digit(c) ||
	    (c != '\0' && strchr("\n\r -'()+,./:=?;!*#@$_%", c) != NULL);
}

/*
 * A quoted literal at p, as htmlParseSystemLiteral() (pub false) and
 * htmlParsePubidLiteral() (pub true) read it: *v and *ve bound its
 * value, NULL when there is none: no quote (nothing read), no closing
 * one (the rest of the input read), a character a public identifier
 * may not have.  False where the parser would cut the value short
 * (it counts characters, then copies as many bytes).
 */
static bool
literal(struct hf *h, bool pub, const unsigned char **v,
    const unsigned char **ve)
{
	const unsigned char *s;
	unsigned char q;
	bool bad = false;

	*v = *ve = NULL;
	if (h->p >= h->end || (*h->p != '"' && *h->p != '\''))
		return true;
	q = *h->p++;
	for (s = h->p; h->p < h->end && *h->p != q; h->p++) {
		if (pub ? !pubid_char(*h->p) : *h->p >= 0x80)
			bad = true;
	}
	if (h->p >= h->end)
		return true;
	h->p++;
	if (bad && !pub)
		return hf_no(__LINE__);
	if (!bad) {
		*v = s;
		*ve = h->p - 1;
	}
	return true;
}

/*
 * "<!DOCTYPE" as htmlParseDocTypeDecl() reads it, at the start or
 * misplaced in content: a name, an optional SYSTEM or PUBLIC
 * identifier, anything else up to '>' ignored.  The first becomes the
 * document's DTD, the others are dropped (xmlSAX2InternalSubset() in
 * HTML).
 */
static bool
doctype(struct hf *h)
{
	const unsigned char *n = NULL, *ne = NULL, *id = NULL, *ide = NULL;
	const unsigned char *u = NULL, *ue = NULL;

	h->p += 9;
	skip_blanks(h);
	/* htmlParseName(): ASCII only here; none where none starts. */
	if (h->p < h->end && *h->p >= 0x80)
		return hf_no(__LINE__);
	if (h->p < h->end && (is_alpha(*h->p) || *h->p == '_' ||
	    *h->p == ':')) {
		for (n = h->p++; h->p < h->end && *h->p < 0x80 &&
		    name_char(*h->p); h->p++)
			;
		/* At the end of the input it reads no name. */
		if (h->p >= h->end || *h->p >= 0x80)
			return hf_no(__LINE__);
		ne = h->p;
	}
	skip_blanks(h);
	if (h->end - h->p >= 6 && xmlStrncasecmp(h->p,
	    (const xmlChar *)"SYSTEM", 6) == 0) {
		h->p += 6;
		skip_blanks(h);
		if (!literal(h, false, &u, &ue))
			return hf_no(__LINE__);
	} else if (h->end - h->p >= 6 && xmlStrncasecmp(h->p,
	    (const xmlChar *)"PUBLIC", 6) == 0) {
		h->p += 6;
		skip_blanks(h);
		if (!literal(h, true, &id, &ide))
			return hf_no(__LINE__);
		skip_blanks(h);
		if (h->p < h->end && (*h->p == '"' || *h->p == '\'') &&
		    !literal(h, false, &u, &ue))
			return hf_no(__LINE__);
	}
	while (h->p < h->end && *h->p != '>')
		h->p++;
	if (h->p < h->end)
		h->p++;
	if (h->doctype)
		return true;
	if (!htmltree_doctype(h->t, (const char *)n,
	    n != NULL ? (size_t)(ne - n) : 0,
	    (const char *)id, id != NULL ? (size_t)(ide - id) : 0,
	    (const char *)u, u != NULL ? (size_t)(ue - u) : 0))
		return hf_no(__LINE__);
	h->doctype = true;
	return true;
}

/*
 * "<?": a processing instruction as htmlParsePI() reads it, in HTML up
 * to '>': a name, blanks, what is left its content.  Without a name only
 * "<?" goes; one the input ends in goes whole.
 */
static bool
pi(struct hf *h)
{
	const unsigned char *n, *ne, *c, *e;
	struct htmlnode *x;

	n = h->p += 2;
	if (n >= h->end || (!is_alpha(*n) && *n != '_' && *n != ':')) {
		/* htmlParseNameComplex() might read a name past ASCII. */
		if (n < h->end && *n >= 0x80)
			return hf_no(__LINE__);
		return true;
	}
	for (ne = n + 1; ne < h->end && *ne < 0x80 && name_char(*ne); ne++)
		;
	/* At the end of the input htmlParseName() reads no name. */
	if (ne >= h->end)
		return true;
	if (*ne >= 0x80)
		return hf_no(__LINE__);
	for (c = ne; c < h->end && is_blank(*c); c++)
		;
	if (*ne == '>')
		c = ne;
	if ((e = memchr(c, '>', (size_t)(h->end - c))) == NULL) {
		h->p = h->end;
		return true;
	}
	h->p = e + 1;
	if (!flush_text(h) ||
	    (x = htmltree_leaf(h->t, h->node != NULL ? h->node : &h->t->doc,
	    HTML_NODE_OTHER, (const char *)c, (size_t)(e - c))) == NULL ||
	    (x->name = htmltree_name(h->t, (const char *)n, (size_t)(ne - n),
	    htmltree_hash((const char *)n, (size_t)(ne - n)))) == NULL)
		return hf_no(__LINE__);
	return true;
}

/*
 * What follows a misplaced doctype is read in the same turn of
 * htmlParseContentInternal()'s loop, past its checks for end tags and
 * names: a '<' that starts no comment, PI or tag is text, even "</".
 */
static bool
after_doctype(struct hf *h)
{
	if (h->end - h->p < 2 || h->p[0] != '<' || is_alpha(h->p[1]) ||
	    (h->end - h->p >= 4 && memcmp(h->p, "<!--", 4) == 0))
		return true;
	if (h->p[1] == '?')
		return pi(h);
	h->p++;
	if (h->node == NULL)
		return true;
	return tb_add(h, (const unsigned char *)"<", 1);
}

/*
 * '<' that starts no tag: the parser passes it on as text, without
 * htmlCheckParagraph(), so nowhere when nothing is open.
 */
static bool
lt(struct hf *h)
{
	unsigned char c;

	if (h->p + 1 < h->end) {
		c = h->p[1];
		/*
		 * "<_" and "<:" are first read as a name, to close what it
		 * closes: nothing, as no tag's name starts so.
		 */
		if (c == '/')
			return hf_no(__LINE__);
	}
	h->p++;
	if (h->node == NULL)
		return true;
	return tb_add(h, (const unsigned char *)"<", 1);
}

static bool
is_doctype(const struct hf *h)
{
	return h->end - h->p >= 9 && h->p[0] == '<' && h->p[1] == '!' &&
	    xmlStrncasecmp(h->p + 2, (const xmlChar *)"DOCTYPE", 7) == 0;
}

/* Comments and processing instructions, before and after a doctype. */
static bool
prolog_comments(struct hf *h)
{
	for (;;) {
		if (h->end - h->p >= 4 && memcmp(h->p, "<!--", 4) == 0) {
			if (!comment(h))
				return hf_no(__LINE__);
		} else if (h->end - h->p >= 2 && h->p[0] == '<' &&
		    h->p[1] == '?') {
			if (!pi(h))
				return hf_no(__LINE__);
		} else
			return true;
		skip_blanks(h);
	}
}

static bool
run(struct hf *h)
{
	static const unsigned char bom[3] = { 0xef, 0xbb, 0xbf };

	/*
	 * Switching to UTF-8 drops a byte order mark; a second one goes
	 * too, by a path not followed here.
	 */
	if (h->end - h->p >= 3 && memcmp(h->p, bom, 3) == 0) {
		h->p += 3;
		if (h->end - h->p >= 3 && memcmp(h->p, bom, 3) == 0)
			return hf_no(__LINE__);
	}
	skip_blanks(h);
	if (h->p >= h->end || !prolog_comments(h))
		return hf_no(__LINE__);
	if (is_doctype(h)) {
		if (!doctype(h))
			return hf_no(__LINE__);
		skip_blanks(h);
		if (!prolog_comments(h))
			return hf_no(__LINE__);
	}
	while (h->p < h->end) {
		if (h->p[0] == '<' && h->p + 1 < h->end && h->p[1] == '/') {
			if (!end_tag(h))
				return hf_no(__LINE__);
			continue;
		}
		if (top_kind(h) & K_RAW) {
			if (!flush_text(h) || !raw_text(h))
				return hf_no(__LINE__);
			continue;
		}
		if (h->p[0] == '<') {
			if (h->p + 1 < h->end && is_alpha(h->p[1])) {
				if (!start_tag(h) && !h->halted)
					return hf_no(__LINE__);
				if (h->halted)
					break;
			} else if (h->end - h->p >= 4 &&
			    memcmp(h->p, "<!--", 4) == 0) {
				if (!comment(h))
					return hf_no(__LINE__);
			} else if (is_doctype(h)) {
				if (!doctype(h) || !after_doctype(h))
					return hf_no(__LINE__);
			} else if (h->p + 1 < h->end && h->p[1] == '?') {
				if (!pi(h))
					return hf_no(__LINE__);
			} else if (!lt(h))
				return false;
			continue;
		}
		if (!text(h))
			return hf_no(__LINE__);
	}
	if (!flush_text(h))
		return hf_no(__LINE__);
	/* What htmlNewDocNoDtD() leaves the parser to add at the end. */
	if (!h->doctype && !htmltree_doctype(h->t, "html", 4, DT_PUBLIC,
	    sizeof(DT_PUBLIC) - 1, DT_SYSTEM, sizeof(DT_SYSTEM) - 1))
		return hf_no(__LINE__);
	return true;
}

struct htmltree *
htmlfast_parse(struct arena *a, const char *s, size_t len)
{
	struct hf *h;
	struct htmltree *t;
	size_t i;

	htmlfast_declined_at = 0;
	if (len == 0 || len > INT32_MAX ||
	    !input_ok((const unsigned char *)s, len))
		return NULL;
	if ((h = malloc(sizeof(*h))) == NULL)
		return NULL;
	memset(h, 0, offsetof(struct hf, nc));
	for (i = 0; i < HF_NC; i++)
		h->nc[i].len = 0;
	h->p = (const unsigned char *)s;
	h->end = h->p + len;
	if ((t = h->t = htmltree_new(a)) != NULL && !run(h)) {
		htmlfast_declined_pos =
		    (size_t)(h->p - (const unsigned char *)s);
		t = NULL;
	}
	free(h->tb);
	free(h);
	return t;
}
