/*
 * html.c - what a reader of an HTML part sees, and where it leads.
 *
 * The part (already UTF-8) goes through libxml2's error-tolerant HTML
 * parser with the network off.  A walk over the tree, iterative so deep
 * markup cannot exhaust the stack, produces:
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
 * Memory: the libxml2 document is freed before returning; text and links
 * go to the arena.  Text is bounded by max_text, links by max_links (in
 * message.c).  Style values are examined up to HTML_STYLE_MAX bytes.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "mime/mimeint.h"
#include "util/arena.h"
#include "util/str.h"

#define HTML_STYLE_MAX		4096	/* bytes of a style attribute read */
#define HTML_BUTTON_UP		4	/* ancestors searched for a cell */
#define HTML_CELL_SCAN		256	/* nodes scanned when counting links */
#define NO_INDEX		((size_t)-1)

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
	xmlNodePtr	 hidden;	/* root of the hidden subtree */
	int		 rc;
};

static bool
name_is(xmlNodePtr n, const char *name)
{
	return n->name != NULL && strcmp((const char *)n->name, name) == 0;
}

static bool
name_in(xmlNodePtr n, const char *const *list)
{
	for (; *list != NULL; list++)
		if (name_is(n, *list))
			return true;
	return false;
}

static const char *const skip_elems[] = { "script", "style", "head",
    "title", "template", "svg", "math", NULL };
static const char *const block_elems[] = { "p", "div", "br", "tr", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote",
    "pre", "hr", "section", "article", "header", "footer", "center", "dd",
    "dt", "dl", "form", "address", "nav", "aside", "main", "body",
    "fieldset", "figure", "figcaption", "caption", "tbody", "thead",
    "tfoot", NULL };

static void
out_add(struct walk *w, const char *s, size_t n)
{
	size_t ncap;
	char *np;

	if (w->full)
		return;
	if (w->len + n > w->max) {
		n = w->max - w->len;
		w->full = true;
		/* Do not cut a UTF-8 sequence in half. */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	if (w->cap - w->len < n + 1) {
		ncap = w->cap ? w->cap : 1024;
		while (ncap - w->len < n + 1)
			ncap *= 2;
		if ((np = realloc(w->out, ncap)) == NULL) {
			w->full = true;
			return;
		}
		w->out = np;
		w->cap = ncap;
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

/* Collapses runs of white space (and no-break spaces) into one space. */
static void
out_text(struct walk *w, const char *s, size_t n)
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

/* The attribute's value, or NULL; the caller xmlFree()s it. */
static char *
attr(xmlNodePtr n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

/*
 * Is "prop:value..." in a style attribute?  Matching is on a copy with
 * white space removed and ASCII lower-cased; value may be "" (any).
 */
static bool
style_has(const char *style, const char *prop, const char *value)
{
	char buf[HTML_STYLE_MAX + 1], pat[64];
	size_t i, o = 0;
	const char *hit;
	int pn;

	if (style == NULL)
		return false;
	for (i = 0; style[i] != '\0' && o < HTML_STYLE_MAX; i++)
		if (style[i] != ' ' && style[i] != '\t' && style[i] != '\r' &&
		    style[i] != '\n')
			buf[o++] = (char)str_lc((unsigned char)style[i]);
	buf[o] = '\0';
	pn = snprintf(pat, sizeof(pat), "%s:%s", prop, value);
	if (pn < 0 || (size_t)pn >= sizeof(pat))
		return false;
	for (hit = buf; (hit = strstr(hit, pat)) != NULL; hit++)
		/* "background-color" must not match "xbackground". */
		if (hit == buf || hit[-1] == ';' || hit[-1] == '{' ||
		    hit[-1] == '"')
			return true;
	return false;
}

static bool
hidden_style(const char *style)
{
	return style_has(style, "display", "none") ||
	    style_has(style, "visibility", "hidden");
}

/*
 * font-size:0 (but not 0.8em) hides only the text directly inside:
 * templates set it on containers to remove gaps between inline blocks
 * and set a real size again on the children.
 */
static bool
zero_font(xmlNodePtr el)
{
	char *style;
	const char *p;
	bool yes = false;

	if (el == NULL || el->type != XML_ELEMENT_NODE ||
	    (style = attr(el, "style")) == NULL)
		return false;
	if ((p = strstr(style, "font-size")) != NULL) {
		p += 9;
		while (*p == ' ' || *p == ':')
			p++;
		yes = p[0] == '0' && p[1] != '.' &&
		    !(p[1] >= '0' && p[1] <= '9');
	}
	xmlFree(style);
	return yes;
}

static bool
styled_as_button(xmlNodePtr n)
{
	char *style, *bg, *cls, *role;
	bool yes = false;

	style = attr(n, "style");
	if (style_has(style, "background", "") ||
	    style_has(style, "background-color", "") ||
	    style_has(style, "padding", "") ||
	    style_has(style, "border-radius", "") ||
	    style_has(style, "display", "inline-block") ||
	    style_has(style, "display", "block"))
		yes = true;
	if (!yes && (bg = attr(n, "bgcolor")) != NULL) {
		yes = true;
		xmlFree(bg);
	}
	if (!yes && (cls = attr(n, "class")) != NULL) {
		yes = str_imem(cls, strlen(cls), "btn", 3) != NULL ||
		    str_imem(cls, strlen(cls), "button", 6) != NULL;
		xmlFree(cls);
	}
	if (!yes && (role = attr(n, "role")) != NULL) {
		yes = strcmp(role, "button") == 0;
		xmlFree(role);
	}
	xmlFree(style);
	return yes;
}

/* Counts <a> elements under n, stopping at 2 or after a few nodes. */
static int
count_links(xmlNodePtr root)
{
	xmlNodePtr n = root->children;
	int count = 0, seen = 0;

	while (n != NULL && n != root && count < 2 && seen++ < HTML_CELL_SCAN) {
		if (n->type == XML_ELEMENT_NODE && name_is(n, "a"))
			count++;
		if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
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
is_button(xmlNodePtr a)
{
	xmlNodePtr n;
	int up;

	if (styled_as_button(a))
		return true;
	for (n = a->parent, up = 0; n != NULL && up < HTML_BUTTON_UP;
	    n = n->parent, up++) {
		if (n->type != XML_ELEMENT_NODE)
			break;
		if (!name_is(n, "td") && !name_is(n, "th") &&
		    !name_is(n, "table"))
			continue;
		if (styled_as_button(n) && count_links(n) == 1)
			return true;
		if (name_is(n, "table"))
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
open_link(struct walk *w, xmlNodePtr n, const char *href, unsigned flags)
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
		char *alt = attr(n, "alt");

		l->text = trimmed_copy(w, alt ? alt : "",
		    alt ? strlen(alt) : 0);
		xmlFree(alt);
		return;
	}
	if (is_button(n))
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
open_form(struct walk *w, xmlNodePtr n)
{
	struct form *f;
	char *action, *method;

	if ((f = message_add_form(w->ctx, w->part)) == NULL) {
		if (w->ctx->oom)
			w->rc = -1;
		return;
	}
	w->form = (size_t)(f - w->ctx->msg->forms);
	action = attr(n, "action");
	method = attr(n, "method");
	if (action != NULL) {
		f->action = trimmed_copy(w, action, strlen(action));
		add_form_link(w, action);
	}
	if (method != NULL) {
		f->method = trimmed_copy(w, method, strlen(method));
		if (f->method != NULL)
			str_lower(f->method);
	}
	xmlFree(action);
	xmlFree(method);
}

/* Returns whether the walk should descend into n. */
static bool
enter(struct walk *w, xmlNodePtr n)
{
	char *v, *style;

	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		const char *c = (const char *)n->content;
		size_t cl = c != NULL ? strlen(c) : 0;

		if (w->hidden == NULL && !zero_font(n->parent))
			out_text(w, c, cl);
		if (w->link == NO_INDEX && cl > 0 &&
		    html_text_urls(w->ctx, c, cl, w->part) == -1)
			w->rc = -1;
		return false;
	}
	if (n->type != XML_ELEMENT_NODE)
		return n->type == XML_DOCUMENT_NODE ||
		    n->type == XML_HTML_DOCUMENT_NODE;
	if (name_in(n, skip_elems))
		return false;
	if (w->hidden == NULL) {
		style = attr(n, "style");
		if (hidden_style(style) || xmlHasProp(n,
		    (const xmlChar *)"hidden") != NULL)
			w->hidden = n;
		xmlFree(style);
	}
	if (name_in(n, block_elems))
		out_break(w);
	else if (name_is(n, "td") || name_is(n, "th")) {
		if (last_char(w) != ' ' && last_char(w) != '\n')
			out_add(w, " ", 1);
	}
	if (name_is(n, "a") && w->link == NO_INDEX &&
	    (v = attr(n, "href")) != NULL) {
		open_link(w, n, v, 0);
		xmlFree(v);
	} else if (name_is(n, "area") && (v = attr(n, "href")) != NULL) {
		open_link(w, n, v, LINK_AREA);
		xmlFree(v);
	} else if (name_is(n, "img") && w->link != NO_INDEX) {
		struct link *l = &w->ctx->msg->links[w->link];

		l->flags |= LINK_IMAGE;
		if (l->img_alt == NULL && (v = attr(n, "alt")) != NULL) {
			l->img_alt = trimmed_copy(w, v, strlen(v));
			xmlFree(v);
		}
	} else if (name_is(n, "button") && w->link != NO_INDEX) {
		w->ctx->msg->links[w->link].flags |= LINK_BUTTON;
	} else if (name_is(n, "form")) {
		open_form(w, n);
	} else if (name_is(n, "input") && w->form != NO_INDEX &&
	    (v = attr(n, "type")) != NULL) {
		if (str_ieq(v, strlen(v), "password"))
			w->ctx->msg->forms[w->form].has_password = true;
		xmlFree(v);
	}
	return true;
}

static void
leave(struct walk *w, xmlNodePtr n)
{
	if (n->type != XML_ELEMENT_NODE)
		return;
	if (w->link != NO_INDEX && name_is(n, "a"))
		close_link(w);
	if (w->hidden == n)
		w->hidden = NULL;
	if (name_in(n, block_elems))
		out_break(w);
}

int
html_extract(struct mime_ctx *ctx, const char *utf8, size_t len,
    size_t part, char **text, size_t *text_len)
{
	struct walk w = { 0 };
	htmlDocPtr doc;
	xmlNodePtr n, root;
	bool down;

	*text = NULL;
	*text_len = 0;
	if (len > INT_MAX)
		len = INT_MAX;
	w.ctx = ctx;
	w.part = part;
	w.max = ctx->lim->max_text;
	w.link = NO_INDEX;
	w.form = NO_INDEX;
	doc = htmlReadMemory(utf8, (int)len, NULL, "UTF-8",
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
	    HTML_PARSE_RECOVER | HTML_PARSE_COMPACT);
	if (doc == NULL)
		goto done;
	root = n = (xmlNodePtr)doc;
	while (n != NULL && w.rc == 0) {
		down = enter(&w, n);
		if (down && n->children != NULL) {
			n = n->children;
			continue;
		}
		for (;;) {
			leave(&w, n);
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
	if (w.link != NO_INDEX)
		close_link(&w);
	xmlFreeDoc(doc);
done:
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

/* Bare URLs in text: http://, https:// and www. at a word start. */
int
html_text_urls(struct mime_ctx *ctx, const char *s, size_t n, size_t part)
{
	struct link *l;
	size_t i, j, skip;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)str_lc((unsigned char)s[i]);
		if (c != 'h' && c != 'w')
			continue;
		if (i > 0 && (((unsigned char)s[i - 1] >= 'a' &&
		    (unsigned char)s[i - 1] <= 'z') || ((unsigned char)s[i - 1]
		    >= 'A' && (unsigned char)s[i - 1] <= 'Z') ||
		    ((unsigned char)s[i - 1] >= '0' &&
		    (unsigned char)s[i - 1] <= '9') || s[i - 1] == '/' ||
		    s[i - 1] == '.' || s[i - 1] == '@'))
			continue;
		if (str_iprefix(s + i, n - i, "http://"))
			skip = 7;
		else if (str_iprefix(s + i, n - i, "https://"))
			skip = 8;
		else if (str_iprefix(s + i, n - i, "www."))
			skip = 4;
		else
			continue;
		for (j = i + skip; j < n && !url_char_ends((unsigned char)s[j]);
		    j++)
			;
		while (j > i + skip && strchr(".,;:!?)]}*", s[j - 1]) != NULL)
			j--;
		if (j - i <= skip + 1) {
			i = j;
			continue;
		}
		if ((l = message_add_link(ctx, s + i, j - i, part)) == NULL) {
			if (ctx->oom)
				return -1;
			return 0;	/* over max_links: noted already */
		}
		l->flags |= LINK_TEXT_URL;
		l->text = l->href;
		i = j;
	}
	return 0;
}
