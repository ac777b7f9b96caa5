/*
 * html.c - what a reader of an HTML part sees, and where it leads.
 *
 * The part (already UTF-8) becomes the tree libxml2's error-tolerant
 * HTML parser would build (network off), as htmltree.h nodes: built by
 * htmlfast.c where the markup is simple, else parsed by libxml2 and
 * copied.  A walk over the tree, iterative so deep markup cannot
 * exhaust the stack, produces:
 *   - visible text: script, style, head, title and template are skipped;
 *     elements hidden by display:none, visibility:hidden or the hidden
 *     attribute give no text, nor does text directly in a font-size:0
 *     element; block elements break lines;
 *     white space is collapsed (HTML Living Standard, "rendering");
 *   - links: every <a href> (entity-decoded by the parser, trimmed) with
 *     its visible text; LINK_IMAGE and the alt text when it wraps an
 *     <img>; LINK_BUTTON when it is drawn as a button (see is_button);
 *     <area href> as LINK_AREA; form actions as LINK_FORM;
 *   - forms with their method and whether a password field is inside;
 *   - URLs written as text outside <a>, as LINK_TEXT_URL.
 *
 * Memory: the tree lives in an arena of its own, at most HTML_TREE_MAX
 * bytes (past that the copy is cut short), freed before returning, as is
 * libxml2's document right after the copy; text and links go to the
 * message's arena.  Text is bounded by max_text, links by max_links (in
 * message.c).  Style values are examined up to HTML_STYLE_MAX bytes.
 *
 * This runs for every HTML part, so: each thread keeps one parser
 * context (a pthread key, as attach.c keeps libmagic) instead of building
 * one and its dictionary per part; the tree is bump-allocated, not a
 * malloc() per node, and its names interned; the walk reads attribute
 * values in place; text is copied and scanned for URLs a word (8 bytes)
 * at a time where the compiler allows;
 * styles are matched in place, only where a property can start; element
 * kinds are remembered by name pointer for the document's life;
 * simple HTML skips the parser for htmlfast.c, which builds its tree.
 */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "mime/htmltree.h"
#include "mime/mimeint.h"
#include "util/arena.h"
#include "util/str.h"

#define HTML_STYLE_MAX		4096	/* bytes of a style attribute read */
#define HTML_BUTTON_UP		4	/* ancestors searched for a cell */
#define HTML_CELL_SCAN		256	/* nodes scanned when counting links */
#define HTML_DICT_MAX		4096	/* names a thread's parser keeps */
#define HTML_TREE_MAX		(256u * 1024 * 1024)	/* bytes of a tree */
#define HTML_KIND_BITS		6	/* 2^6 element names remembered */
#define HTML_KIND_CACHE		(1 << HTML_KIND_BITS)
#define NO_INDEX		((size_t)-1)

/*
 * Word-at-a-time scans need the first flagged byte of a word: the lowest
 * one on little-endian machines, found with __builtin_ctzll().
 */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HTML_WORDS
#define WORD_ONES	0x0101010101010101ULL
#define WORD_HIGHS	0x8080808080808080ULL
#endif

#define HTML_OPTIONS	(HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | \
	HTML_PARSE_NONET | HTML_PARSE_RECOVER | HTML_PARSE_COMPACT)

void		(*html_input_hook)(const char *, size_t);

static pthread_once_t	parser_once = PTHREAD_ONCE_INIT;
static pthread_key_t	parser_key;

struct walk {
	struct mime_ctx	*ctx;
	size_t		 part;
	char		*out;		/* visible text, heap until the end */
	size_t		 len;
	size_t		 cap;
	size_t		 max;
	bool		 full;
	size_t		 link;		/* index of the open <a>, NO_INDEX */
	size_t		 link_start;	/* out offset where its text began */
	size_t		 form;		/* index of the open form */
	struct htmlnode	*hidden;	/* root of the hidden subtree */
	struct htmlnode	*zf_node;	/* last element asked about font-size */
	bool		 zf;		/* and the answer */
	struct htmlnode	*st_node;	/* last element entered */
	struct htmlattr	*st_attr;	/* and its style attribute */
	int		 rc;
	/*
	 * Element kinds and attribute ids by name pointer: a tree's names
	 * are interned, do not move or change while it lives, and most are
	 * the same few.  Direct-mapped; an empty slot (NULL) answers
	 * EK_OTHER, and attribute id -1 (stored plus one), as for a node
	 * without a name.
	 */
	const char	*kc_name[HTML_KIND_CACHE];
	unsigned char	 kc_kind[HTML_KIND_CACHE];
	const char	*ac_name[HTML_KIND_CACHE];
	unsigned char	 ac_id[HTML_KIND_CACHE];
};

/*
 * What the walk does with an element, looked up by the exact name (the
 * parser gives names in lower case), once per visit.
 */
enum {
	EK_OTHER,
	EK_A,
	EK_AREA,
	EK_IMG,
	EK_BUTTON,
	EK_FORM,
	EK_INPUT,
	EK_CELL,			/* td, th */
	EK_TABLE,
	EK_KIND		= 0x0f,
	EK_SKIP		= 0x10,		/* no text from inside */
	EK_BLOCK	= 0x20		/* breaks lines */
};

struct elem {
	char		name[11];
	unsigned char	kind;
};

/* In any order: elem_index() sorts them by length. */
static const struct elem elems[] = {
	{ "a", EK_A }, { "p", EK_BLOCK },
	{ "br", EK_BLOCK }, { "tr", EK_BLOCK }, { "li", EK_BLOCK },
	{ "h1", EK_BLOCK }, { "h2", EK_BLOCK }, { "h3", EK_BLOCK },
	{ "h4", EK_BLOCK }, { "h5", EK_BLOCK }, { "h6", EK_BLOCK },
	{ "ul", EK_BLOCK }, { "ol", EK_BLOCK }, { "hr", EK_BLOCK },
	{ "dd", EK_BLOCK }, { "dt", EK_BLOCK }, { "dl", EK_BLOCK },
	{ "td", EK_CELL }, { "th", EK_CELL },
	{ "div", EK_BLOCK }, { "pre", EK_BLOCK }, { "nav", EK_BLOCK },
	{ "img", EK_IMG }, { "svg", EK_SKIP },
	{ "head", EK_SKIP }, { "math", EK_SKIP }, { "body", EK_BLOCK },
	{ "form", EK_FORM | EK_BLOCK }, { "main", EK_BLOCK },
	{ "area", EK_AREA },
	{ "style", EK_SKIP }, { "title", EK_SKIP },
	{ "table", EK_TABLE | EK_BLOCK }, { "tbody", EK_BLOCK },
	{ "thead", EK_BLOCK }, { "tfoot", EK_BLOCK }, { "aside", EK_BLOCK },
	{ "input", EK_INPUT },
	{ "script", EK_SKIP }, { "header", EK_BLOCK }, { "footer", EK_BLOCK },
	{ "center", EK_BLOCK }, { "figure", EK_BLOCK },
	{ "button", EK_BUTTON },
	{ "section", EK_BLOCK }, { "article", EK_BLOCK },
	{ "address", EK_BLOCK }, { "caption", EK_BLOCK },
	{ "template", EK_SKIP }, { "fieldset", EK_BLOCK },
	{ "blockquote", EK_BLOCK }, { "figcaption", EK_BLOCK }
};
#define ELEM_NAME_MAX	(sizeof(elems[0].name) - 1)
#define ELEM_COUNT	(sizeof(elems) / sizeof(elems[0]))

/*
 * elems sorted by name length: the names len long are
 * elem_sorted[elem_first[len] .. elem_first[len + 1]).  Built once.
 */
static struct elem	elem_sorted[ELEM_COUNT];
static unsigned char	elem_first[ELEM_NAME_MAX + 2];
static pthread_once_t	elem_once = PTHREAD_ONCE_INIT;

static void
elem_index(void)
{
	unsigned char at[ELEM_NAME_MAX + 2] = { 0 };
	size_t i, len;

	for (i = 0; i < ELEM_COUNT; i++)
		elem_first[strlen(elems[i].name) + 1]++;
	for (len = 1; len < ELEM_NAME_MAX + 2; len++)
		elem_first[len] += elem_first[len - 1];
	memcpy(at, elem_first, sizeof(at));
	for (i = 0; i < ELEM_COUNT; i++)
		elem_sorted[at[strlen(elems[i].name)]++] = elems[i];
}

static unsigned
elem_kind(const struct htmlnode *n)
{
	const char *name = n->name;
	const struct elem *e, *end;
	size_t len;

	if (name == NULL)
		return EK_OTHER;
	for (len = 0; name[len] != '\0'; len++)
		if (len == ELEM_NAME_MAX)
			return EK_OTHER;
	if (len == 0)
		return EK_OTHER;
	end = &elem_sorted[elem_first[len + 1]];
	for (e = &elem_sorted[elem_first[len]]; e < end; e++)
		if (e->name[0] == name[0] && memcmp(e->name, name, len) == 0)
			return e->kind;
	return EK_OTHER;
}

/* A name's slot in the caches of struct walk. */
static inline size_t
name_slot(const char *name)
{
	/* Fibonacci hashing: the top bits of the product mix all bits. */
	return (size_t)(((uintptr_t)name * 0x9e3779b97f4a7c15ULL) >>
	    (64 - HTML_KIND_BITS));
}

static inline unsigned
walk_kind(struct walk *w, const struct htmlnode *n)
{
	size_t h = name_slot(n->name);
	unsigned kind;

	if (w->kc_name[h] == n->name)
		return w->kc_kind[h];
	kind = elem_kind(n);
	w->kc_name[h] = n->name;
	w->kc_kind[h] = (unsigned char)kind;
	return kind;
}

static bool
name_is(const struct htmlnode *n, const char *name)
{
	return n->name != NULL && strcmp(n->name, name) == 0;
}

/*
 * The attributes the walk reads.  One pass over an element's list finds
 * them all; the first of a name wins, as with xmlHasProp().
 */
enum {
	AT_STYLE,
	AT_HIDDEN,
	AT_HREF,
	AT_ALT,
	AT_ACTION,
	AT_METHOD,
	AT_TYPE,
	AT_BGCOLOR,
	AT_CLASS,
	AT_ROLE,
	AT_N
};

static int
attr_id(const char *name)
{
	static const char *const names[AT_N] = {
		[AT_STYLE] = "style", [AT_HIDDEN] = "hidden",
		[AT_HREF] = "href", [AT_ALT] = "alt", [AT_ACTION] = "action",
		[AT_METHOD] = "method", [AT_TYPE] = "type",
		[AT_BGCOLOR] = "bgcolor", [AT_CLASS] = "class",
		[AT_ROLE] = "role",
	};
	int i;

	if (name == NULL)
		return -1;
	/* The one name each can be, by its first letters: one compare. */
	switch (name[0]) {
	case 'a':
		i = name[1] == 'l' ? AT_ALT : AT_ACTION;
		break;
	case 'b':
		i = AT_BGCOLOR;
		break;
	case 'c':
		i = AT_CLASS;
		break;
	case 'h':
		i = name[1] == 'i' ? AT_HIDDEN : AT_HREF;
		break;
	case 'm':
		i = AT_METHOD;
		break;
	case 'r':
		i = AT_ROLE;
		break;
	case 's':
		i = AT_STYLE;
		break;
	case 't':
		i = AT_TYPE;
		break;
	default:
		return -1;
	}
	return strcmp(names[i], name) == 0 ? i : -1;
}

static inline int
walk_attr(struct walk *w, const char *name)
{
	size_t h = name_slot(name);
	int id;

	if (w->ac_name[h] == name)
		return (int)w->ac_id[h] - 1;
	id = attr_id(name);
	w->ac_name[h] = name;
	w->ac_id[h] = (unsigned char)(id + 1);
	return id;
}

static void
props(struct walk *w, const struct htmlnode *n, struct htmlattr *at[AT_N])
{
	struct htmlattr *a;
	int id;

	memset(at, 0, AT_N * sizeof(at[0]));
	for (a = n->attrs; a != NULL; a = a->next)
		if ((id = walk_attr(w, a->name)) >= 0 && at[id] == NULL)
			at[id] = a;
}

/* The first attribute of n with the id (AT_*): props() for one. */
static struct htmlattr *
prop(struct walk *w, const struct htmlnode *n, int id)
{
	struct htmlattr *a;

	for (a = n->attrs; a != NULL; a = a->next)
		if (walk_attr(w, a->name) == id)
			return a;
	return NULL;
}

/*
 * An attribute's value as xmlGetProp() would give it, in place (the
 * tree keeps it so): "" for one written without a value, NULL for an
 * attribute that is not there.
 */
static inline const char *
prop_value(const struct htmlattr *a)
{
	return a != NULL ? a->value : NULL;
}

static bool
out_grow(struct walk *w, size_t n)
{
	size_t ncap;
	char *np;

	ncap = w->cap ? w->cap : 1024;
	while (ncap - w->len < n + 1)
		ncap *= 2;
	if ((np = realloc(w->out, ncap)) == NULL)
		return false;
	w->out = np;
	w->cap = ncap;
	return true;
}

/* Room for n more bytes and a NUL; the test inline, the growth not. */
static inline bool
out_reserve(struct walk *w, size_t n)
{
	return w->cap - w->len >= n + 1 || out_grow(w, n);
}

static void
out_add(struct walk *w, const char *s, size_t n)
{
	if (w->full)
		return;
	if (w->len + n > w->max) {
		n = w->max - w->len;
		w->full = true;
		/* Do not cut a UTF-8 sequence in half. */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	if (!out_reserve(w, n)) {
		w->full = true;
		return;
	}
	memcpy(w->out + w->len, s, n);
	w->len += n;
}

static char
last_char(const struct walk *w)
{
	return w->len > 0 ? w->out[w->len - 1] : '\n';
}

static void
out_break(struct walk *w)
{
	while (w->len > 0 && w->out[w->len - 1] == ' ')
		w->len--;
	if (last_char(w) != '\n')
		out_add(w, "\n", 1);
}

/*
 * Bytes that end a run of text: white space, the lead byte of a no-break
 * space (U+00A0 is C2 A0) and the NUL after the text.
 */
static const unsigned char text_stop[256] = {
	[0] = 1, [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1, ['\f'] = 1,
	[0xc2] = 1
};

/* The white space of text_stop. */
static const unsigned char text_space[256] = {
	[' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1, ['\f'] = 1
};

#ifdef HTML_WORDS

/*
 * Copies eight bytes at a time while none of them needs the collapsing:
 * no byte below 0x20 (tab, line ends and NUL among them), no 0xc2, and
 * no space after a space, or at the start when sp says the output ends
 * in white space.  A lone space between words is copied as it is.  The
 * lowest flagged byte is exact (a flag above it may be false, which
 * only stops the copy early), so the copy stops right at it; bytes
 * written beyond it are overwritten later or lie past the end.  Stops
 * at least eight bytes short of the end, where the bytewise loop goes
 * on.
 */
static const unsigned char *
copy_words(const unsigned char *p, const unsigned char *end, char **op,
    bool sp)
{
	uint64_t x, y, s, m, prev = sp ? 0x80 : 0;
	char *o = *op;

#ifdef __SSE2__
	/*
	 * Sixteen bytes a step first, flagging exactly: bytes up to 0x1f
	 * (an unsigned compare, by the minimum), 0xc2, and spaces after a
	 * space.  The words below take the last eight to fifteen.
	 */
	while (end - p >= 16) {
		__m128i v;
		unsigned ms, mm, before;

		v = _mm_loadu_si128((const __m128i *)(const void *)p);
		_mm_storeu_si128((__m128i *)(void *)o, v);
		ms = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
		    _mm_set1_epi8(' ')));
		mm = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xc2))));
		before = (ms << 1) | (prev != 0);
		mm |= ms & before;
		if (mm != 0) {
			mm = (unsigned)__builtin_ctz(mm);
			*op = o + mm;
			return p + mm;
		}
		prev = (ms & 0x8000) ? 0x80 : 0;
		p += 16;
		o += 16;
	}
#endif
	while (end - p >= 8) {
		memcpy(&x, p, 8);
		memcpy(o, &x, 8);
		y = x ^ (WORD_ONES * 0xc2);
		s = x ^ (WORD_ONES * ' ');
		s = (s - WORD_ONES) & ~s & WORD_HIGHS;
		m = ((x - WORD_ONES * 0x20) & ~x) | ((y - WORD_ONES) & ~y);
		/* A space whose byte before (prev for the first) is one. */
		m = (m & WORD_HIGHS) | (s & ((s << 8) | prev));
		if (m != 0) {
			m = (uint64_t)__builtin_ctzll(m) / 8;
			p += m;
			o += m;
			break;
		}
		prev = s >> 56;
		p += 8;
		o += 8;
	}
	*op = o;
	return p;
}
#else
static const unsigned char *
copy_words(const unsigned char *p, const unsigned char *end, char **op,
    bool sp)
{
	(void)end;
	(void)op;
	(void)sp;
	return p;
}
#endif

/* Near max_text: piece by piece, so out_add() makes the cut. */
static void
out_text_slow(struct walk *w, const char *s, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n' || s[i] == '\f' || ((unsigned char)s[i] ==
		    0xc2 && i + 1 < n && (unsigned char)s[i + 1] == 0xa0)) {
			i += (unsigned char)s[i] == 0xc2 ? 2 : 1;
			if (last_char(w) != ' ' && last_char(w) != '\n')
				out_add(w, " ", 1);
			continue;
		}
		for (j = i; j < n && s[j] != ' ' && s[j] != '\t' &&
		    s[j] != '\r' && s[j] != '\n' && s[j] != '\f' &&
		    (unsigned char)s[j] != 0xc2; j++)
			;
		if (j == i)
			j = i + 1;
		out_add(w, s + i, j - i);
		i = j;
	}
}

/*
 * Collapses runs of white space (and no-break spaces) into one space.
 * s[n] is the NUL of a libxml2 string.  Collapsing never lengthens the
 * text, so when all n bytes fit under max_text the room is taken once
 * and the bytes are copied in one pass.
 */
static void
out_text(struct walk *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char *o, *run;
	bool sp;

	if (w->full || n == 0)
		return;
	if (n > w->max - w->len || !out_reserve(w, n)) {
		out_text_slow(w, s, n);
		return;
	}
	o = w->out + w->len;
	sp = w->len == 0 || o[-1] == ' ' || o[-1] == '\n';
	for (;;) {
		run = o;
		p = copy_words(p, (const unsigned char *)s + n, &o, sp);
		/* Only copy_words() copies spaces, and never two in a row. */
		if (o != run)
			sp = o[-1] == ' ';
		run = o;
		while (!text_stop[*p])
			*o++ = (char)*p++;
		if (o != run)
			sp = false;
		if (*p == '\0')
			break;
		if (*p == 0xc2) {
			if (p[1] != 0xa0) {
				*o++ = (char)*p++;
				sp = false;
				continue;
			}
			p++;
		}
		p++;
		if (!sp) {
			*o++ = ' ';
			sp = true;
		}
		/* The rest of the run, indentation mostly, in one go. */
		for (;;) {
			if (text_space[*p])
				p++;
			else if (p[0] == 0xc2 && p[1] == 0xa0)
				p += 2;
			else
				break;
		}
	}
	w->len = (size_t)(o - w->out);
}

/* The white space style_fold() removes. */
static inline bool
style_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Style values are matched on a copy with white space removed and ASCII
 * lower-cased, of at most HTML_STYLE_MAX bytes.
 */
static void
style_fold(const char *style, char *buf)
{
	size_t i, o = 0;

	for (i = 0; style[i] != '\0' && o < HTML_STYLE_MAX; i++)
		if (!style_space(style[i]))
			buf[o++] = (char)str_lc((unsigned char)style[i]);
	buf[o] = '\0';
}

/* Is "prop:value..." in a folded style?  pat is "prop:value". */
static bool
style_has(const char *buf, const char *pat)
{
	const char *hit;

	for (hit = buf; (hit = strstr(hit, pat)) != NULL; hit++)
		/* "background-color" must not match "xbackground". */
		if (hit == buf || hit[-1] == ';' || hit[-1] == '{' ||
		    hit[-1] == '"')
			return true;
	return false;
}

/* style_any() the slow way: on a folded copy. */
static bool
style_any_folded(const char *style, const char *const *pats)
{
	char buf[HTML_STYLE_MAX + 1];
	size_t i;

	style_fold(style, buf);
	for (i = 0; pats[i] != NULL; i++)
		if (style_has(buf, pats[i]))
			return true;
	return false;
}

/*
 * Does the folded pattern pat start at p, white space skipped as the
 * fold skips it?  *end is then the byte after the match.
 */
static bool
style_at(const char *p, const char *pat, const char **end)
{
	for (; *pat != '\0'; pat++, p++) {
		while (style_space(*p))
			p++;
		if (str_lc((unsigned char)*p) != (unsigned char)*pat)
			return false;
	}
	*end = p;
	return true;
}

/*
 * Is one of pats (NULL-terminated) in style, len bytes and a NUL, as
 * style_has() would find it in the folded copy?  Without the copy: a
 * pattern can only start at the first byte that is not white space, or
 * at the first one after a ';', '{' or '"', so the scan jumps from one
 * of those to the next (a NUL ends the value, as it ends the fold).  A
 * match ending beyond HTML_STYLE_MAX bytes of the original may lie
 * beyond what the fold keeps; that rare case is left to the copy.
 */
static bool
style_any(const char *style, size_t len, const char *const *pats)
{
	const unsigned char *p = (const unsigned char *)style;
	const unsigned char *stop = p + len;
	const char *end;
	size_t i;

	for (;;) {
		while (style_space((char)*p))
			p++;
		for (i = 0; pats[i] != NULL; i++) {
			if (!style_at((const char *)p, pats[i], &end))
				continue;
			if (end - style <= HTML_STYLE_MAX)
				return true;
			return style_any_folded(style, pats);
		}
		p = str_find4(p, stop, ';', '{', '"', '\0');
		if (p >= stop || *p == '\0')
			return false;
		p++;
	}
}

static const char *const hidden_pats[] = {
	"display:none", "visibility:hidden", NULL
};

/* a: a style attribute, or NULL. */
static bool
hidden_style(const struct htmlattr *a)
{
	return a != NULL && a->value != NULL &&
	    style_any(a->value, a->len, hidden_pats);
}

/*
 * font-size:0 (but not 0.8em) hides only the text directly inside:
 * templates set it on containers to remove gaps between inline blocks
 * and set a real size again on the children.  Text nodes come in runs
 * under one parent, so the last answer is kept; the parent is most
 * often the element just entered, whose style enter() has found.
 */
static bool
zero_font(struct walk *w, struct htmlnode *el)
{
	const char *style, *p;
	bool yes = false;

	if (el == w->zf_node)
		return w->zf;
	if (el != NULL && el->type == HTML_NODE_ELEMENT &&
	    (style = prop_value(el == w->st_node ? w->st_attr :
	    prop(w, el, AT_STYLE))) != NULL &&
	    (p = strstr(style, "font-size")) != NULL) {
		p += 9;
		while (*p == ' ' || *p == ':')
			p++;
		yes = p[0] == '0' && p[1] != '.' &&
		    !(p[1] >= '0' && p[1] <= '9');
	}
	w->zf_node = el;
	w->zf = yes;
	return yes;
}

static const char *const button_pats[] = {
	"background:", "background-color:", "padding:", "border-radius:",
	"display:inline-block", "display:block", NULL
};

static bool
styled_as_button(struct walk *w, const struct htmlnode *n)
{
	struct htmlattr *at[AT_N];
	const char *style, *cls, *role;

	props(w, n, at);
	if ((style = prop_value(at[AT_STYLE])) != NULL &&
	    style_any(style, at[AT_STYLE]->len, button_pats))
		return true;
	if (prop_value(at[AT_BGCOLOR]) != NULL)
		return true;
	if ((cls = prop_value(at[AT_CLASS])) != NULL &&
	    (str_imem(cls, strlen(cls), "btn", 3) != NULL ||
	    str_imem(cls, strlen(cls), "button", 6) != NULL))
		return true;
	return (role = prop_value(at[AT_ROLE])) != NULL &&
	    strcmp(role, "button") == 0;
}

/* Counts <a> elements under n, stopping at 2 or after a few nodes. */
static int
count_links(const struct htmlnode *root)
{
	const struct htmlnode *n = root->children;
	int count = 0, seen = 0;

	while (n != NULL && n != root && count < 2 && seen++ < HTML_CELL_SCAN) {
		if (n->type == HTML_NODE_ELEMENT && name_is(n, "a"))
			count++;
		if (n->type == HTML_NODE_ELEMENT && n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n != root && n->next == NULL)
			n = n->parent;
		if (n == root)
			break;
		n = n->next;
	}
	return count;
}

/*
 * A link is a button when the <a> is styled like one (background,
 * padding, border-radius, block display, a btn/button class, role), or
 * when it is the only link in a coloured table cell, the way mail
 * templates draw "bulletproof buttons".
 */
static bool
is_button(struct walk *w, const struct htmlnode *a)
{
	const struct htmlnode *n;
	unsigned kind;
	int up;

	if (styled_as_button(w, a))
		return true;
	for (n = a->parent, up = 0; n != NULL && up < HTML_BUTTON_UP;
	    n = n->parent, up++) {
		if (n->type != HTML_NODE_ELEMENT)
			break;
		kind = walk_kind(w, n) & EK_KIND;
		if (kind != EK_CELL && kind != EK_TABLE)
			continue;
		if (styled_as_button(w, n) && count_links(n) == 1)
			return true;
		if (kind == EK_TABLE)
			break;
	}
	return false;
}

static char *
trimmed_copy(struct walk *w, const char *s, size_t n)
{
	char *r;

	str_trim(&s, &n);
	if ((r = arena_strndup(w->ctx->arena, s, n)) == NULL)
		w->rc = -1;
	return r;
}

static void
open_link(struct walk *w, const struct htmlnode *n, const char *href,
    const char *alt,
    unsigned flags)
{
	struct link *l;
	size_t hl = strlen(href);
	const char *h = href;

	str_trim(&h, &hl);
	if ((l = message_add_link(w->ctx, h, hl, w->part)) == NULL) {
		if (w->ctx->oom)
			w->rc = -1;
		return;
	}
	l->flags |= flags;
	if (flags & LINK_AREA) {
		l->text = trimmed_copy(w, alt ? alt : "",
		    alt ? strlen(alt) : 0);
		return;
	}
	if (is_button(w, n))
		l->flags |= LINK_BUTTON;
	w->link = (size_t)(l - w->ctx->msg->links);
	w->link_start = w->len;
}

static void
close_link(struct walk *w)
{
	struct link *l = &w->ctx->msg->links[w->link];

	l->text = trimmed_copy(w, w->out != NULL ? w->out + w->link_start :
	    "", w->len - w->link_start);
	w->link = NO_INDEX;
}

static void
add_form_link(struct walk *w, const char *action)
{
	const char *h = action;
	size_t hl = strlen(action);
	struct link *l;

	str_trim(&h, &hl);
	if ((l = message_add_link(w->ctx, h, hl, w->part)) == NULL) {
		if (w->ctx->oom)
			w->rc = -1;
		return;
	}
	l->flags |= LINK_FORM;
	l->text = (char *)"";
}

static void
open_form(struct walk *w, const char *action, const char *method)
{
	struct form *f;

	if ((f = message_add_form(w->ctx, w->part)) == NULL) {
		if (w->ctx->oom)
			w->rc = -1;
		return;
	}
	w->form = (size_t)(f - w->ctx->msg->forms);
	if (action != NULL) {
		f->action = trimmed_copy(w, action, strlen(action));
		add_form_link(w, action);
	}
	if (method != NULL) {
		f->method = trimmed_copy(w, method, strlen(method));
		if (f->method != NULL)
			str_lower(f->method);
	}
}

/* Returns whether the walk should descend into n. */
static bool
enter(struct walk *w, struct htmlnode *n)
{
	struct htmlattr *at[AT_N];
	const char *v;
	unsigned kind;

	if (n->type == HTML_NODE_TEXT || n->type == HTML_NODE_CDATA) {
		const char *c = n->text;
		size_t cl = n->len;

		if (w->hidden == NULL && !zero_font(w, n->parent))
			out_text(w, c, cl);
		if (w->link == NO_INDEX && cl > 0 &&
		    html_text_urls(w->ctx, c, cl, w->part) == -1)
			w->rc = -1;
		return false;
	}
	if (n->type != HTML_NODE_ELEMENT)
		return n->type == HTML_NODE_DOC;
	kind = walk_kind(w, n);
	if (kind & EK_SKIP)
		return false;
	props(w, n, at);
	w->st_node = n;
	w->st_attr = at[AT_STYLE];
	if (w->hidden == NULL && (hidden_style(at[AT_STYLE]) ||
	    at[AT_HIDDEN] != NULL))
		w->hidden = n;
	if (kind & EK_BLOCK)
		out_break(w);
	else if ((kind & EK_KIND) == EK_CELL) {
		if (last_char(w) != ' ' && last_char(w) != '\n')
			out_add(w, " ", 1);
	}
	switch (kind & EK_KIND) {
	case EK_A:
		if (w->link == NO_INDEX &&
		    (v = prop_value(at[AT_HREF])) != NULL)
			open_link(w, n, v, NULL, 0);
		break;
	case EK_AREA:
		if ((v = prop_value(at[AT_HREF])) != NULL)
			open_link(w, n, v, prop_value(at[AT_ALT]),
			    LINK_AREA);
		break;
	case EK_IMG:
		if (w->link != NO_INDEX) {
			struct link *l = &w->ctx->msg->links[w->link];

			l->flags |= LINK_IMAGE;
			if (l->img_alt == NULL &&
			    (v = prop_value(at[AT_ALT])) != NULL)
				l->img_alt = trimmed_copy(w, v, strlen(v));
		}
		break;
	case EK_BUTTON:
		if (w->link != NO_INDEX)
			w->ctx->msg->links[w->link].flags |= LINK_BUTTON;
		break;
	case EK_FORM:
		open_form(w, prop_value(at[AT_ACTION]),
		    prop_value(at[AT_METHOD]));
		break;
	case EK_INPUT:
		if (w->form != NO_INDEX &&
		    (v = prop_value(at[AT_TYPE])) != NULL &&
		    str_ieq(v, strlen(v), "password"))
			w->ctx->msg->forms[w->form].has_password = true;
		break;
	}
	return true;
}

static void
leave(struct walk *w, const struct htmlnode *n)
{
	unsigned kind;

	if (n->type != HTML_NODE_ELEMENT)
		return;
	kind = walk_kind(w, n);
	if (w->link != NO_INDEX && (kind & EK_KIND) == EK_A)
		close_link(w);
	if (w->hidden == n)
		w->hidden = NULL;
	if (kind & EK_BLOCK)
		out_break(w);
}

static void
parser_dtor(void *pc)
{
	htmlFreeParserCtxt(pc);
}

static void
parser_key_init(void)
{
	(void)pthread_key_create(&parser_key, parser_dtor);
}

/*
 * This thread's parser context, or NULL to use a fresh one.  Names in
 * its dictionary stay from part to part; past HTML_DICT_MAX of them (a
 * flood of made-up tags) the context is started afresh.
 */
static htmlParserCtxtPtr
thread_parser(void)
{
	htmlParserCtxtPtr pc;

	(void)pthread_once(&parser_once, parser_key_init);
	if ((pc = pthread_getspecific(parser_key)) != NULL) {
		if (xmlDictSize(pc->dict) <= HTML_DICT_MAX)
			return pc;
		(void)pthread_setspecific(parser_key, NULL);
		htmlFreeParserCtxt(pc);
	}
	if ((pc = htmlNewParserCtxt()) == NULL)
		return NULL;
	if (pthread_setspecific(parser_key, pc) != 0) {
		htmlFreeParserCtxt(pc);
		return NULL;
	}
	return pc;
}

/*
 * libxml2's tree of what htmlfast.c declined, copied into a fresh a:
 * the declined start is not kept.  NULL when there is none.
 */
static struct htmltree *
slow_tree(struct arena *a, const char *utf8, size_t len)
{
	htmlParserCtxtPtr pc;
	htmlDocPtr doc;
	struct htmltree *t;

	if ((pc = thread_parser()) != NULL) {
		doc = htmlCtxtReadMemory(pc, utf8, (int)len, NULL, "UTF-8",
		    HTML_OPTIONS);
		/* Let go of the copies of the input until the next part. */
		htmlCtxtReset(pc);
	} else
		doc = htmlReadMemory(utf8, (int)len, NULL, "UTF-8",
		    HTML_OPTIONS);
	if (doc == NULL)
		return NULL;
	t = htmltree_from_xml(a, doc);
	xmlFreeDoc(doc);
	return t;
}

static void
walk_tree(struct walk *w, struct htmlnode *root)
{
	struct htmlnode *n = root;
	bool down;

	while (n != NULL && w->rc == 0) {
		down = enter(w, n);
		if (down && n->children != NULL) {
			n = n->children;
			continue;
		}
		for (;;) {
			leave(w, n);
			if (n == root) {
				n = NULL;
				break;
			}
			if (n->next != NULL) {
				n = n->next;
				break;
			}
			n = n->parent;
		}
	}
	if (w->link != NO_INDEX)
		close_link(w);
}

int
html_extract(struct mime_ctx *ctx, const char *utf8, size_t len,
    size_t part, char **text, size_t *text_len)
{
	struct walk w = { 0 };
	struct arena *a;
	struct htmltree *t;

	*text = NULL;
	*text_len = 0;
	if (len > INT_MAX)
		len = INT_MAX;
	w.ctx = ctx;
	w.part = part;
	w.max = ctx->lim->max_text;
	w.link = NO_INDEX;
	w.form = NO_INDEX;
	(void)pthread_once(&elem_once, elem_index);
	if (html_input_hook != NULL)
		html_input_hook(utf8, len);
	/*
	 * Most mail HTML is simple enough for htmlfast.c to build the very
	 * tree the parser would, at a fraction of the cost.
	 */
	if ((a = arena_new(HTML_TREE_MAX)) == NULL) {
		w.rc = -1;
		goto done;
	}
	if ((t = htmlfast_parse(a, utf8, len)) == NULL) {
		arena_free(a);
		if ((a = arena_new(HTML_TREE_MAX)) == NULL) {
			w.rc = -1;
			goto done;
		}
		t = slow_tree(a, utf8, len);
	}
	if (t != NULL)
		walk_tree(&w, &t->doc);
done:
	arena_free(a);
	while (w.len > 0 && (w.out[w.len - 1] == ' ' ||
	    w.out[w.len - 1] == '\n'))
		w.len--;
	if (w.rc == 0) {
		*text = arena_strndup(ctx->arena, w.out ? w.out : "", w.len);
		if (*text == NULL)
			w.rc = -1;
		else
			*text_len = w.len;
	}
	free(w.out);
	return w.rc;
}

static bool
url_char_ends(unsigned char c)
{
	return c <= ' ' || c == '<' || c == '>' || c == '"' || c == '\'' ||
	    c == '`' || c == 0x7f;
}

/* h, H, w or W: ASCII letters differ from their capitals in 0x20 only. */
static inline bool
may_start(unsigned char c)
{
	c |= 0x20;
	return c == 'h' || c == 'w';
}

/*
 * A bare URL starting at i (http://, https:// or www. at a word start)?
 * Returns the length of its prefix, or 0.
 */
static size_t
url_start(const char *s, size_t n, size_t i)
{
	unsigned char p;

	if (!may_start((unsigned char)s[i]))
		return 0;
	if (i > 0) {
		p = (unsigned char)s[i - 1];
		if ((p >= 'a' && p <= 'z') || (p >= 'A' && p <= 'Z') ||
		    (p >= '0' && p <= '9') || p == '/' || p == '.' || p == '@')
			return 0;
	}
	if (str_iprefix(s + i, n - i, "http://"))
		return 7;
	if (str_iprefix(s + i, n - i, "https://"))
		return 8;
	if (str_iprefix(s + i, n - i, "www."))
		return 4;
	return 0;
}

/* The first ':' or '.' at or after a, or n: one pass over the bytes. */
static size_t
next_anchor(const char *s, size_t a, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	/* Dots come in runs ("...", "1.2.3"): look at the first byte alone. */
	if (s[a] == ':' || s[a] == '.')
		return a;
	return (size_t)(str_find4(u + a + 1, u + n, ':', '.', ':', '.') - u);
}

/*
 * Bare URLs in text: http://, https:// and www. at a word start.
 *
 * Each prefix has its ':' or '.' 3 to 5 bytes in, so the scan goes from
 * one ':' or '.' to the next and tries only the starts that could lead
 * to it, in text order.
 */
int
html_text_urls(struct mime_ctx *ctx, const char *s, size_t n, size_t part)
{
	struct link *l;
	size_t i = 0, j, k, p, skip;

	while (n >= 4 && i <= n - 4) {
		if ((p = next_anchor(s, i + 3, n)) == n)
			break;
		skip = 0;
		for (k = p >= i + 5 ? p - 5 : i; k <= p - 3; k++)
			if (may_start((unsigned char)s[k]) &&
			    (skip = url_start(s, n, k)) != 0)
				break;
		if (skip == 0) {
			/* Nor can a start at p - 2 to p: they are letters. */
			i = p + 1;
			continue;
		}
		for (j = k + skip; j < n && !url_char_ends((unsigned char)s[j]);
		    j++)
			;
		while (j > k + skip && strchr(".,;:!?)]}*", s[j - 1]) != NULL)
			j--;
		i = j + 1;
		if (j - k <= skip + 1)
			continue;
		if ((l = message_add_link(ctx, s + k, j - k, part)) == NULL) {
			if (ctx->oom)
				return -1;
			return 0;	/* over max_links: noted already */
		}
		l->flags |= LINK_TEXT_URL;
		l->text = l->href;
	}
	return 0;
}
