/*
 * test_htmlfast.c - htmlfast.c's trees against libxml2's: each input is
 * parsed both ways and, wherever the fast path accepts, its tree must
 * match node for node (htmltree_same()) the copy htmltree_from_xml()
 * makes of libxml2's, which is what html.c walks when the fast path
 * declines.  Prints how many inputs the fast path took.  Also the tree
 * module's own parts: interning, merged text, odd libxml2 shapes, and
 * htmltree_same() seeing each kind of difference.
 *
 * Inputs: the hand-written cases below (some must be taken), every file
 * of fuzz/corpus/html, and, when MT_HTMLFAST_CORPUS names a file with
 * one message path per line, the HTML parts of those messages as
 * html_extract() receives them (e.g. /tmp/corpus-files-abs.txt).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>

#include "mime/htmltree.h"
#include "mime/mimeint.h"
#include "mime/message.h"
#include "util/arena.h"
#include "slurp.h"
#include "tap.h"

#define OPTIONS	(HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | \
	HTML_PARSE_NONET | HTML_PARSE_RECOVER | HTML_PARSE_COMPACT)

static size_t n_total, n_fast, n_diff;
static size_t why[2000];
static bool verbose;
static int show;		/* MT_HTMLFAST_SHOW: a line to show */

/* A fixed sequence of numbers, the same every run. */
static unsigned
rnd(void)
{
	static uint32_t x = 2463534242u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/*
 * Appends n pieces to doc at dn, each picked by rnd() from the
 * n_piece of piece; returns the new length (doc has room for them).
 */
static size_t
add_pieces(char *doc, size_t cap, size_t dn, const char *const *piece,
    size_t n_piece, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		dn += (size_t)snprintf(doc + dn, cap - dn, "%s",
		    piece[rnd() % n_piece]);
	return dn;
}

static bool
is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* libxml2's tree of s as html.c's slow path copies it, or NULL. */
static struct htmltree *
slow(struct arena *a, const char *s, size_t n)
{
	struct htmltree *t;
	htmlDocPtr doc;

	if ((doc = htmlReadMemory(s, (int)n, NULL, "UTF-8", OPTIONS)) ==
	    NULL)
		return NULL;
	t = htmltree_from_xml(a, doc);
	xmlFreeDoc(doc);
	return t;
}

/* Both parses; false when the fast one accepted and differs. */
static bool
compare(const char *s, size_t n, bool *fast)
{
	struct htmltree *a;
	struct arena *ar;
	bool same = true;

	n_total++;
	if ((ar = arena_new(0)) == NULL)
		abort();
	a = htmlfast_parse(ar, s, n);
	*fast = a != NULL;
	if (a == NULL && htmlfast_declined_at > 0 &&
	    htmlfast_declined_at < 2000) {
		why[htmlfast_declined_at]++;
		if (show == htmlfast_declined_at && why[show] <= 8) {
			size_t p = htmlfast_declined_pos;
			size_t from = p > 60 ? p - 60 : 0;

			printf("# at %zu: [%.*s|%.*s]\n", p, (int)(p - from),
			    s + from, (int)(n - p > 40 ? 40 : n - p), s + p);
		}
	}
	if (a != NULL) {
		n_fast++;
		same = htmltree_same(a, slow(ar, s, n));
		if (!same) {
			n_diff++;
			if (verbose || n_diff <= 5)
				printf("# differs: %.*s\n",
				    (int)(n > 300 ? 300 : n), s);
		}
	}
	arena_free(ar);
	return same;
}

static void
hook(const char *s, size_t n)
{
	bool fast;

	(void)compare(s, n, &fast);
}

/* Cases that must be taken, and must match. */
static const char *const taken[] = {
	"<p>a</p>",
	"hello",
	"  hello  ",
	"<b>x</b>",
	" <html><body>x</body></html> ",
	"<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p>"
	    "</body></html>",
	"<html> <head> <meta charset=\"utf-8\"> <title>t</title> </head> "
	    "<body> <p>x</p> </body> </html> ",
	"<html>\n<body>\n<table> <tr> <td> a </td> </tr> </table>\n</body>\n"
	    "</html>\n",
	"<div> </div><span> </span><b>x</b> <i>y</i>",
	"<!-- c --><html><!-- d --><body>x<!--e--></body></html><!-- f -->",
	"<style>a<b>&amp;</style><script>if(a<b)x=\"</p>\"</script>",
	"<p a=x&amp;y b=\"&foo;z\" c='&amp' D=&#65;&#x42; checked e>x</p>",
	"<p>&#X41;&#x42;&#67;&nbsp;&lt;&copy;</p><br/><div/>x",
	"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\" "
	    "\"http://www.w3.org/TR/html4/loose.dtd\"><html><body>x</body>"
	    "</html>",
	"<!doctype html><p>x",
	"<o:p>x</o:p><P CLASS=a xml:lang=en xmlns:o=\"urn:x\">y</P>",
	"<p a=\"x\r\ny\">a\r\nb\r\n</p><!-- a\r\nb --><style>a\r\nb</style>",
	"<html><head><title>x</title></head>\n<body bgcolor=\"#fff\">"
	    "<a href=\"http://x.example/?a=1&b=2&amp;c=3\">go</a></body>"
	    "</html>",
	"<table width=100%><tr><td><font face=\"Arial\" size=2>x</font>"
	    "</td></tr></table>",
	"<div>a</span>b</div>",
	"<body/><p>x</p>",
	"<head></head>\n<body>x</body>",
	"<img src=\"a.png\" alt=\"\"><input type=checkbox checked>",
	"<p>x</p>\n\n",
	"<html><body><p>x</p></body>\n</html>\n  \n",
	"<html><body>x</body></html><!--c-->",
	"<p>&amp; &#8364; &euro; &#x1F600;</p>",
	"<script></script><style></style>",
	"<html><head><script>a</script></head><body>x</body></html>",
	"<a name=\"x\" id=\"y\">z</a><a id=\"y\">w</a>",
	"<p a = 'b' c= \"d\">x</p>",
	"<html><body></body></html>",
	"<!-- only -->",
	"<div><div><div>deep</div></div></div>",
	"<body>x</body>\n<p>after</p>",
	/* Attributes: repeated in any case, boolean, IDs, '&', empty. */
	"<DiV ClAsS=a CLASS=b class='c' Id=x ID=y>z</dIv>",
	"<input type=radio CHECKED checked=no Disabled selected nowrap>"
	    "<hr noshade NoShade><td nowrap>x</td>",
	"<a NAME=a name=b id=c>x</a><div name=d Id=e>y</div>"
	    "<a id=c>z</a><a name=\"\" id=\"\">w</a>",
	"<p a=\"&amp;&lt;&#38;&#x26;&\" b='&amp' c=&nbsp;d e=\"\">x</p>",
	"<p title=\"a&amp;b\" title=\"c\" a b c=1 b=2 a=3>x</p>",
	/* Closed by other tags and by end tags of higher rank. */
	"<ul><li>a<li><b>b</ul><p>c<div>d</div><table><tr><td>e<td>f"
	    "<tr><th>g</table>",
	"<td><span><i>x</td>y</span>z",
	/* Values with and without references, IDs among them. */
	"<a id=\"a&amp;b\" name='c&lt;'>x</a><a id=a&amp;b name=>y</a>"
	    "<p id=\"\" title=t>z</p><img alt=&#65; src=s>",
	/* Doctypes: misplaced, odd, after a byte order mark. */
	"<p>x<!DOCTYPE foo PUBLIC \"a\" \"b\">y</p>",
	"<!DOCTYPE html><p>x<!doctype other SYSTEM 'u'>y</p>",
	"\xef\xbb\xbf<!DOCTYPE html><p>x",
	"\xef\xbb\xbfx<b>y</b>",
	"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" "
	    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">"
	    "<html><body>x</body></html>",
	"<!DOCTYPE html SYSTEM \"about:legacy-compat\"><p>x</p>",
	"<p>a<!DOCTYPE html></p>b",
	"<!DOCTYPE html><div><!DOCTYPE x><!DOCTYPE y>z</div>",
	"<p>x<!DOCTYPE html PUBLIC 'a\"b' 'c>'>y",
	"<p>x<!DOCTYPE a:b.c-d_1 public \"x\" >y<!DOCTYPE z>",
	"<p>x<!DOCTYPE html PUBLIC \"a&b\" \"c\">y",
	"<!DOCTYPE html>x<!DOCTYPE><_a>y",
	"<!-- c --><!DOCTYPE html> <!-- d --> <!DOCTYPE x><p>y",
	"<html><body>x</body></html><!DOCTYPE html>y",
	"<!DOCTYPE><p>x", "<p>x<!DOCTYPE 1x \"y\">y", "<!doctype>",
	/* Names starting with '_', ':' or '.', as attributes and end tags. */
	"<p _a=1 :b=2 .c=3 _=4 :=5 .=6 __X:Y.z=7 _A=8 _a=9 _checked .id=x>"
	    "x</p><div :b>y</div><a _ >z</a><b _-1=1 -x=2>v</b>",
	"<p>x</_p>y</.p ><b>z</:b>w</b>",
	"<p>a</1>b</ p>c</>d</p x=\"y\">e</b\"q\">f</\xc3\xa9g",
	/* A name ends at a byte past ASCII; "<_" and "<:" are text. */
	"<_a>q</_a><p>x<:b>r</:b>",
	"<p\xc3\xa9>x</p><div\xc3\xa9 a=1>y</div><b>x</b\xc3\xa9>y"
	    "<i a\xc3\xa9=1 b>z",
	/* Frames imply no body. */
	"<html><head><title>t</title></head><frameset cols=\"50%,*\">"
	    "<frame src=a><frame src=b><noframes><body>x</body></noframes>"
	    "</frameset></html>",
	"<frameset><frame></frameset>",
	"<noframes>x</noframes><p>y",
	"<frame src=a>text<frameset>z",
	/* Tags cut short by the end of the input. */
	"<p a=\"x&amp;y", "<p a=", "<p a", "<p a=b", "<p a ", "<p a=1 b",
	"<div>t<p a=\"x</p>", "<p>x<br a=\"", "<body a=\"b",
	"<html><body>x<body a=\"c", "<div>x<p", "<p>x</p", "<b>x</b  ",
	"<b>x<br", "<table><td", "<p>a<body", "<html", "<p:x",
	"<p a='&lt;&foo", "<p a=&amp;b&c",
	/* Character references dropped in text, cutting values short. */
	"<a href=\"x&#;y&amp;z\" b=1>t</a>", "<a href=x&#0;y>t</a>",
	"<a href=\"&#xD800;q\">t</a>", "&#8217s x",
	"<p>a&#;b&#x;c&#xZ;d&#12a;e&#1114112;f&#x110000000041;g&#65&#x42h",
	"<html>&#0;<head>x", "&#;", "<p>&#x",
	"<a href=\"&#65\">x</a><a href=\"&#x\">y</a>",
	"<p>&#99999999999999999999999;x",
	/* Processing instructions, before any tag and among them. */
	"<?xml version=\"1.0\"?><p>x</p>",
	"<p>a<?xml:namespace prefix = o ns = \"urn:x\" />b<o:p>c</o:p>",
	"<!--a--><?x?> <?y z><!DOCTYPE html><?q\n r ?><p>x",
	"<? e ?> <?9 x> <?> <?_a> <?:b c>x<?",
	"<p>x<?php echo 1; ?>y<?pi", "<?xml", "<p>x<?a", "<b>x</b><?a",
	"<html><body>x</body></html><?end?>", "<p><!DOCTYPE html><?x y>z",
	/* Raw text to the end, or past end tags that only start so. */
	"<script>a</scriptx>b</script>c",
	"<p><script>a</script x>b",
	"<style>a",
	"<script>a</scriptx",
	"<script>a</SCRIPT-x y>b</Script>c<style>d</style.e>f",
	"<script>",
	"<p>x<script>if (a</b) c = '</scri';",
};

/* Only compared. */
static const char *const compared[] = {
	"<p>a<p>b",
	"<div><p>x<div>y</div></div>",
	"<table><tr><td>a<td>b</table>",
	"x</p>y",
	"<ul><li>a<li>b</ul>",
	"<p>a &amp b &foo; c</p>",
	"a < b",
	"<p x=a/>y",
	"<![CDATA[x]]>",
	"<?xml version=\"1.0\"?><p>x</p>",
	"<p>x</p>trailer",
	"<html><body>x</body></html>\ntrailer",
	"<!-- a -- b -->",
	"<!--->x",
	"<script></p>x</script>",
	"<script>x</scriptx></script>",
	"<p a=\"x\" a=\"y\">z</p>",
	"<html><html>",
	"<head><head>",
	"<body><body>",
	"&nbsp;x",
	"<html>&nbsp;</html>",
	"<html>x</html>",
	"<head>x</head>",
	"<p>\x01</p>",
	"<p>a\rb</p>",
	"<title>t</title><p>x</p>",
	"<meta name=x><div>y</div>",
	"<p a=\"x\r\ny\rz\" b=c\rd=e>a\rb</p>",
	"<a href=x/>y</a>",
	"<p>&#0;&#xD800;&#1114112;</p>",
	"<frameset><frame></frameset>",
	"<p\ta\n=\nb>x</p>",
	"<!DOCTYPE html SYSTEM \"about:legacy-compat\"><p>x</p>",
	"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" "
	    "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
	    "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><meta "
	    "http-equiv=\"Content-Type\" content=\"text/html; "
	    "charset=iso-8859-1\"></head><body>\xc3\xa9</body></html>",
	"<a:b:c>x</a:b:c>",
	"<x:>y</x:>",
	"<p>x</P >",
	"<div a=\"&#65\">x</div>",
	"<div a=\"&amp-x\">x</div>",
	"<div a=\"&_x\">x</div>",
	"<div a=\"& x\">x</div>",
	"<p>R&D &amp &nbsp x&y;z &a_b; &a.b &_x &:y &9 &\xc3\xa9</p>",
	"<a href=\"?a=1&cat_name=x&b.c=2\">x</a>",
	"<font face=Arial, Helvetica, sans-serif size=2>x</font>",
	"<a href=\"x\"target=\"_blank\">x</a><img src=\"y\"\">",
	"<a / href=x>y</a><p !x>z</p><b \xc3\xa9=1>w</b>",
	"<p a=>x</p><p a= >y</p><p a=b/>z</p>",
	"<html><body><p>x</p></body></html><p>after</p>",
	"<html><body><p>x</p></body></html>more text",
	"<!--c--><html><body>x</body></html><p>y</p>",
	"<!DOCTYPE html><html><body>x</body></html><b>y</b>",
	"<html><body>a<body bgcolor=red>b</body>c</body></html>",
	"<html><head><title>t</title><head>x</head></head></html>",
	"<body>x</body>\n<body>y</body>",
	"<p>a</div>b</p><table><tr><td>x</b></td></tr></table>",
	"<table><tr><td><div>x</td></tr></table>",
	"<div><span>x</div>y",
	"<ul><li>a<li>b</ul><p>x<p>y<table><tr><td>a<td>b<tr><td>c</table>",
	"<html>x<head></head></html>",
	"<head><meta charset=utf-8>t</head>",
	"<html> <!--c--> x</html>",
	"a <b c <!-- d --> <? e ?> <!x> <:a> <_b> </ c>",
	"<p>< x <</p><",
	"<!---->x<!--->y-->z<!-- a --!> b -->",
	"<!--a-- ->b-->",
	"<body/>x",
	"<html/>x",
	"<p><body/>x</p>",
	"x&",				/* fuzz: read past the end */
	"|/a hrebQ\r&#10;t4tps://&~x65;nbsp;vil.example\">&",
	"<a href=x>y<a.example/h\" alt=\"Click\">z</a>",	/* fuzz */
	"<p>x<p.q>y</p>",
	"<p>a <!x> b <![if !mso]>c<![endif]></p><p>a < b <</p>",
	"<html>< x<head>< y</head></html>",
	"<script><p>x</script><style><!-- a --></style>",
	"<!DOCTYPE>",
	"<!DOCTYPE><p>x",
	"<!DOCTYPE html",
	"<p><!DOCTYPE",
	"<p><!DOCTYPE \xc3\xa9>x",
	"<p><!DOCTYPE a\xc3\xa9>x",
	"<p>x<!DOCTYPE html PUBLIC \"a\xc3\xa9\" \"b\xc3\xa9\">",
	"<p>x<!DOCTYPE html PUBLIC \"unterminated",
	"<p>x<!DOCTYPE html><?pi?>y",
	"\xef\xbb\xbf\xef\xbb\xbfx",
	"\xef\xbb\xbf",
	"\xef\xbb\xbf\xef\xbb\xbf\xef\xbb\xbfx",
	"<script><!DOCTYPE html></script>",
	"<i _\xc3\xa9=1 b=2>w</i><i :\xc3\xa9 c>v</i>",
	"<_a>q</_a><:b>r</:b>",
	"<script>a</scriptx><b>x</script>c",
	"<stylex><style>a</stylex>b</style>",
	"<script>a</scriptx></script>",
	"<script>a</scriptx></b>c</script>",
};

/* Interned names: one pointer per name, kept across the table's growth. */
static void
tree_names(void)
{
	struct arena *ar;
	struct htmltree *t;
	const char *first[3000];
	char nm[32];
	size_t i, n, same = 0, found = 0, distinct = 0;

	if ((ar = arena_new(0)) == NULL || (t = htmltree_new(ar)) == NULL)
		abort();
	for (i = 0; i < 3000; i++) {
		n = (size_t)snprintf(nm, sizeof(nm), "n%zu", i * 7919);
		first[i] = htmltree_name(t, nm, n, htmltree_hash(nm, n));
	}
	for (i = 0; i < 3000; i++) {
		n = (size_t)snprintf(nm, sizeof(nm), "n%zu", i * 7919);
		same += htmltree_name(t, nm, n, htmltree_hash(nm, n)) ==
		    first[i] && strcmp(first[i], nm) == 0;
		found += htmltree_find(t, nm) == first[i];
		distinct += i == 0 || first[i] != first[i - 1];
	}
	ok(same == 3000 && found == 3000 && distinct == 3000,
	    "names: the same pointer again after growth (%zu %zu %zu)",
	    same, found, distinct);
	ok(htmltree_find(t, "n1") == NULL, "names: no copy of an unseen one");
	/* A name is its bytes, not a C string: "ab" of "abc". */
	ok(strcmp(htmltree_name(t, "abc", 2, htmltree_hash("abc", 2)),
	    "ab") == 0 && htmltree_find(t, "ab") != htmltree_find(t, "abc"),
	    "names: len bytes of a longer string");
	arena_free(ar);
}

/* Text joined as xmlAddChild() joins it; attributes in order. */
static void
tree_build(void)
{
	struct arena *ar;
	struct htmltree *t;
	struct htmlnode *e, *c;
	struct htmlattr *a;
	const char *nm;

	if ((ar = arena_new(0)) == NULL || (t = htmltree_new(ar)) == NULL)
		abort();
	nm = htmltree_name(t, "p", 1, htmltree_hash("p", 1));
	if ((e = htmltree_add(t, &t->doc, HTML_NODE_ELEMENT)) == NULL)
		abort();
	e->name = nm;
	ok(htmltree_text(t, e, "ab", 2) && htmltree_text(t, e, "cde", 3) &&
	    e->children == e->last && e->children->len == 5 &&
	    strcmp(e->children->text, "abcde") == 0,
	    "text: joined to the text before it");
	ok(htmltree_leaf(t, e, HTML_NODE_COMMENT, "c", 1) != NULL &&
	    htmltree_text(t, e, "fg", 2) && e->last->type == HTML_NODE_TEXT &&
	    e->last != e->children && strcmp(e->last->text, "fg") == 0 &&
	    e->last->parent == e, "text: new after a comment");
	c = htmltree_leaf(t, e, HTML_NODE_CDATA, "x", 1);
	ok(c != NULL && htmltree_text(t, e, "y", 1) && e->last != c,
	    "text: new after CDATA");
	a = htmltree_attr(t, e, NULL, nm, "v", 1);
	a = htmltree_attr(t, e, a, nm, NULL, 0);
	ok(a != NULL && e->attrs != NULL && strcmp(e->attrs->value, "v") == 0 &&
	    !e->attrs->bare && e->attrs->next == a && a->bare &&
	    strcmp(a->value, "") == 0 && a->next == NULL,
	    "attributes: in order, bare as \"\"");
	ok(htmltree_doctype(t, "html", 4, NULL, 0, "s", 1) &&
	    t->doc.children->type == HTML_NODE_DTD &&
	    t->doc.children->next == e && t->dt_public == NULL &&
	    strcmp(t->dt_system, "s") == 0, "doctype: first, its ids kept");
	arena_free(ar);
}

/*
 * Shapes libxml2's HTML parser does not build but its tree allows,
 * copied as html.c read them: a value of two nodes joined, a value
 * node without content, an attribute without children, a PI.
 */
static void
tree_from_xml(void)
{
	struct arena *ar;
	struct htmltree *t;
	struct htmlnode *e;
	struct htmlattr *a;
	htmlDocPtr doc;
	xmlNodePtr root, x;
	xmlAttrPtr p;

	if ((ar = arena_new(0)) == NULL ||
	    (doc = htmlNewDocNoDtD(NULL, NULL)) == NULL ||
	    (root = xmlNewDocNode(doc, NULL, BAD_CAST "div", NULL)) == NULL)
		abort();
	xmlDocSetRootElement(doc, root);
	p = xmlNewProp(root, BAD_CAST "a", BAD_CAST "x");
	xmlAddChild((xmlNodePtr)p, xmlNewDocText(doc, BAD_CAST "y"));
	(void)xmlNewProp(root, BAD_CAST "b", NULL);
	p = xmlNewProp(root, BAD_CAST "c", BAD_CAST "z");
	xmlFree(p->children->content);
	p->children->content = NULL;
	(void)xmlNewProp(root, BAD_CAST "a", BAD_CAST "w");
	xmlAddChild(root, xmlNewDocText(doc, BAD_CAST "t1"));
	xmlAddChild(root, xmlNewDocPI(doc, BAD_CAST "pi", BAD_CAST "c"));
	x = xmlNewDocText(doc, BAD_CAST "t2");
	xmlAddChild(root, x);
	xmlAddChild(root, xmlNewDocText(doc, BAD_CAST "t3"));
	if ((t = htmltree_from_xml(ar, doc)) == NULL)
		abort();
	e = t->doc.children;
	ok(e != NULL && e->type == HTML_NODE_ELEMENT &&
	    strcmp(e->name, "div") == 0 && e->next == NULL,
	    "from_xml: the root");
	a = e != NULL ? e->attrs : NULL;
	ok(a != NULL && strcmp(a->value, "xy") == 0 && a->len == 2 &&
	    (a = a->next) != NULL && a->bare && strcmp(a->value, "") == 0 &&
	    (a = a->next) != NULL && a->value == NULL &&
	    (a = a->next) != NULL && strcmp(a->value, "w") == 0 &&
	    a->name == e->attrs->name && a->next == NULL,
	    "from_xml: values as xmlGetProp() gave them, names interned");
	ok(e != NULL && e->children != NULL &&
	    strcmp(e->children->text, "t1") == 0 &&
	    e->children->next != NULL &&
	    e->children->next->type == HTML_NODE_OTHER &&
	    strcmp(e->children->next->name, "pi") == 0 &&
	    strcmp(e->children->next->text, "c") == 0 &&
	    e->last->type == HTML_NODE_TEXT &&
	    strcmp(e->last->text, "t2t3") == 0 && e->last->len == 4,
	    "from_xml: text and a PI as they stand");
	xmlFreeDoc(doc);
	arena_free(ar);
}

/*
 * A copy cut short where its arena runs out is still a tree: every
 * node linked to its parent, the last one where it should be.
 */
static void
tree_truncated(void)
{
	struct arena *ar;
	struct htmltree *t;
	struct htmlnode *n;
	htmlDocPtr doc;
	char *in;
	size_t i, len = 0, nodes = 0, bad = 0;

	if ((in = malloc(20000 * 12)) == NULL)
		abort();
	for (i = 0; i < 20000; i++)
		len += (size_t)sprintf(in + len, "<p a=%zu>x", i % 97);
	if ((doc = htmlReadMemory(in, (int)len, NULL, "UTF-8", OPTIONS)) ==
	    NULL || (ar = arena_new(100 * 1024)) == NULL)
		abort();
	t = htmltree_from_xml(ar, doc);
	ok(t != NULL && t->truncated, "truncated: noted");
	/* Pre-order over what there is. */
	for (n = t != NULL ? &t->doc : NULL; n != NULL; ) {
		nodes++;
		if ((n->children == NULL) != (n->last == NULL) ||
		    (n->last != NULL && n->last->next != NULL))
			bad++;
		if (n->children != NULL) {
			if (n->children->parent != n)
				bad++;
			n = n->children;
			continue;
		}
		while (n != NULL && n->next == NULL)
			n = n->parent;
		if (n != NULL) {
			if (n->next->parent != n->parent)
				bad++;
			n = n->next;
		}
	}
	ok(nodes > 100 && nodes < 40000 && bad == 0,
	    "truncated: %zu nodes, %zu badly linked", nodes, bad);
	arena_free(ar);
	xmlFreeDoc(doc);
	free(in);
}

/* htmltree_same() sees each kind of difference, and linkage. */
static void
tree_same(void)
{
	static const char in[] = "<!DOCTYPE html><html><body><p a=1 b>x"
	    "<!--c--><i>y</i></p><script>s</script></body></html>";
	struct arena *ar;
	struct htmltree *t, *u;
	struct htmlnode *body, *p;
	const char *saved;
	int n = 0;

	if ((ar = arena_new(0)) == NULL ||
	    (t = htmlfast_parse(ar, in, sizeof(in) - 1)) == NULL ||
	    (u = htmlfast_parse(ar, in, sizeof(in) - 1)) == NULL)
		abort();
	ok(htmltree_same(t, u), "same: two parses");
	body = u->doc.last->last;
	p = body->children;
	p->children->text[0] = 'z';
	n += htmltree_same(t, u);
	p->children->text[0] = 'x';
	p->attrs->value = "2";
	n += htmltree_same(t, u);
	p->attrs->value = "1";
	p->attrs->next->bare = false;
	n += htmltree_same(t, u);
	p->attrs->next->bare = true;
	saved = p->name;
	p->name = "p";			/* the same name, not interned */
	n += htmltree_same(t, u);
	p->name = saved;
	p->last->parent = body;
	n += htmltree_same(t, u);
	p->last->parent = p;
	p->last = p->children;
	n += htmltree_same(t, u);
	p->last = p->children->next->next;
	p->children->next->type = HTML_NODE_TEXT;
	n += htmltree_same(t, u);
	p->children->next->type = HTML_NODE_COMMENT;
	body->last->type = HTML_NODE_TEXT;
	n += htmltree_same(t, u);
	body->last->type = HTML_NODE_CDATA;
	u->dt_name = "HTML";
	n += htmltree_same(t, u);
	u->dt_name = t->dt_name;
	p->children->next->next = NULL;
	n += htmltree_same(t, u);
	ok(n == 0, "same: each change seen (%d not)", n);
	arena_free(ar);
}

int
main(void)
{
	char path[4096], *buf, *nl;
	const char *list;
	struct dirent *de;
	struct arena *a;
	size_t i, len, before;
	FILE *f;
	DIR *d;
	bool fast;

	verbose = getenv("MT_HTMLFAST_VERBOSE") != NULL;
	if (getenv("MT_HTMLFAST_SHOW") != NULL)
		show = atoi(getenv("MT_HTMLFAST_SHOW"));
	tree_names();
	tree_build();
	tree_from_xml();
	tree_truncated();
	tree_same();
	for (i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
		ok(compare(taken[i], strlen(taken[i]), &fast),
		    "same tree: case %zu", i);
		ok(fast, "taken: case %zu", i);
	}
	for (i = 0; i < sizeof(compared) / sizeof(compared[0]); i++)
		ok(compare(compared[i], strlen(compared[i]), &fast),
		    "same tree or declined: compared %zu (%s)", i,
		    fast ? "taken" : "declined");

	/*
	 * Bytes the fast path must refuse, and characters it must take,
	 * at every offset within and across the words its input check
	 * reads eight bytes at a time.
	 */
	{
		static const char *const bad[] = { "\x01", "\x7f", "\x80",
		    "\xff", "\xc3", "\xc3(", "\xe2\x82", "\xed\xa0\x80",
		    "\xc0\xaf", "\x1f", "\x0b" };
		static const char *const good[] = { "\xc3\xa9",
		    "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\t", "\r\n", "~" };
		static const char digits[] = "0123456789012345678901234567"
		    "890123456789";
		static const char *const fmt = "<p>%.*s%s abcdefghijklm</p>";
		size_t refused = 0, accepted = 0, k, at;
		struct arena *ar;
		char in[128];

		for (at = 0; at < 40; at++) {
			for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
				snprintf(in, sizeof(in), fmt, (int)at, digits,
				    bad[k]);
				if ((ar = arena_new(0)) == NULL)
					abort();
				refused += htmlfast_parse(ar, in,
				    strlen(in)) == NULL;
				arena_free(ar);
			}
			for (k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
				snprintf(in, sizeof(in), fmt, (int)at, digits,
				    good[k]);
				(void)compare(in, strlen(in), &fast);
				accepted += fast;
			}
		}
		ok(refused == 40 * sizeof(bad) / sizeof(bad[0]),
		    "refused bytes at every offset: %zu", refused);
		ok(accepted == 40 * sizeof(good) / sizeof(good[0]),
		    "taken characters at every offset: %zu", accepted);
	}

	/*
	 * Made-up names among void, table and ranked ones, enough to
	 * push each other out of htmlfast.c's per-thread name cache, so
	 * an answer kept for the wrong name would show.
	 */
	before = n_diff;
	for (i = 0; i < 3000; i++) {
		static const char *const known[] = { "br", "img", "td", "tr",
		    "div", "p", "li", "table", "b", "hr", "body", "head" };
		const char *k = known[i % 12];
		char doc[512], tn[16];
		int dn;

		snprintf(tn, sizeof(tn), "t%zx", i * 7919 % 4096);
		dn = snprintf(doc, sizeof(doc), "<div><%s Id=a name=b>x<%s>y"
		    "</%s><table><tr><td><%s>z</td><td>w</%s></td></tr>"
		    "</table></div><a NAME=n%zu id=i>q</a><p>r<%s>s</p>",
		    tn, k, tn, k, k, i, k);
		(void)compare(doc, (size_t)dn, &fast);
	}
	ok(n_diff == before, "generated names: no differences");

	/*
	 * Pieces of tags, values, references and raw text run together at
	 * random and cut anywhere: where a scan for the end of a value, of
	 * text or of a script stops, the end of the input included.
	 */
	before = n_diff;
	for (i = 0; i < 20000; i++) {
		static const char *const piece[] = { "<p a=\"", "<b c='",
		    "<i d=", "x&amp;y", "&", "&#65;", "&lt", "\"", "'", ">",
		    " ", "\t", "\n", "<", "</", "/>", "<script>", "</script>",
		    "</SCRIPT >", "<style>", "</style", "a<b", "text ",
		    "&nbsp;", "<br>", "</p>", "=", "e=f", "<!--c-->", "</b>",
		    "</scriptx>", "</style-a b>", "</SCRIPT", "<p>" };
		char doc[512];
		size_t dn, np = 1 + rnd() % 12;

		dn = add_pieces(doc, sizeof(doc), 0, piece, 34, np);
		(void)compare(doc, dn, &fast);
	}
	ok(n_diff == before, "generated pieces: no differences");

	/*
	 * Doctypes made of pieces: where they stand, their names,
	 * identifiers and literals (quoted either way, unterminated,
	 * with characters a public identifier may not have), what comes
	 * after.  Most must be taken.
	 */
	before = n_diff;
	{
		static const char *const where[] = { "", "<p>x", "<!--c-->",
		    "<!DOCTYPE html>", "\xef\xbb\xbf", " ", "<div>a</div>",
		    "<html><head>", "<b>x" };
		static const char *const open[] = { "<!DOCTYPE", "<!doctype",
		    "<!DocType" };
		static const char *const name[] = { "", " html", " HTML",
		    "\thtml", " a:b.c-d_1", " _x", " 1x", " \xc3\xa9",
		    " html\xc3\xa9", "html", " x=y" };
		static const char *const id[] = { "", " PUBLIC", " public ",
		    " SYSTEM", " system\n", " PUBLICX", " SYSTEMATIC",
		    " PUBLIC\t" };
		static const char *const lit[] = { "", " \"-//W3C//DTD x//EN\"",
		    "'a b'", "\"a&b\"", " \"http://x/y.dtd\"", "'it\"s'",
		    "\"\xc3\xa9\"", "\"c>\"", " \"un", "'a\tb'", "\"a~b\"" };
		static const char *const tail[] = { ">", " >", "\n>", " junk>",
		    "", "<p>", " x'y>" };
		static const char *const after[] = { "", "</p>y", "<b>z</b>",
		    "&amp;", "<!--c-->", "<?x?>", "<_a>", "text", "<!DOCTYPE x>",
		    " <p>q", "</html>", "< x", "<:b>" };
		size_t taken_here = 0, k;

		for (i = 0; i < 20000; i++) {
			char doc[512];
			int dn;

			k = rnd();
			dn = snprintf(doc, sizeof(doc), "%s%s%s%s%s%s%s%s",
			    where[k % 9], open[(k / 9) % 3],
			    name[(k / 27) % 11], id[(k / 297) % 8],
			    lit[(k / 2376) % 11], lit[(k / 26136) % 11],
			    tail[(k / 287496) % 7], after[(k / 2012472) % 13]);
			(void)compare(doc, (size_t)dn, &fast);
			taken_here += fast;
		}
		ok(n_diff == before, "generated doctypes: no differences");
		ok(taken_here > 14000, "generated doctypes: %zu taken",
		    taken_here);
	}

	/*
	 * Nesting about as deep as SAX2 lets the parser go (it halts at
	 * the 258th open node and keeps the tree as it stands), reached
	 * different ways and ended by text, void and other elements, end
	 * tags, tags that close others first.
	 */
	before = n_diff;
	{
		static const char *const pre[] = { "", "<html><body>",
		    "<table><tr><td>", "<!DOCTYPE html>x" };
		static const char *const rep[] = { "<div>", "<span a=1>",
		    "<b><i>", "<div>\n" };
		static const char *const post[] = { "x<b>y</b>z", "x<br>y",
		    "</div>x<p>y", "<p>a<p>b", "<li>x<li>y", "<img/>z",
		    "<!--c-->w", "<script>q</script>r", "<td>x", "</b>x<b>y",
		    "<body>x<html>y" };
		size_t taken_here = 0, k, depth;
		char *doc;

		if ((doc = malloc(8192)) == NULL)
			abort();
		for (i = 0; i < 400; i++) {
			size_t dn;

			k = rnd();
			depth = 248 + k % 14;
			dn = (size_t)sprintf(doc, "%s", pre[(k / 14) % 4]);
			while (depth-- > 0)
				dn += (size_t)sprintf(doc + dn, "%s",
				    rep[(k / 56) % 4]);
			dn += (size_t)sprintf(doc + dn, "%s",
			    post[(k / 224) % 11]);
			(void)compare(doc, dn, &fast);
			taken_here += fast;
		}
		free(doc);
		ok(n_diff == before, "generated depths: no differences");
		ok(taken_here > 380, "generated depths: %zu taken",
		    taken_here);
	}

	/*
	 * Attribute names around the hundred characters the parser reads
	 * of one, the rest read as another name or skipped as bogus.
	 */
	before = n_diff;
	{
		static const char nc[] = "abcXYZ019-_.:";
		static const char *const val[] = { "", "=v", "='a b'", " = x",
		    "=&amp;" };
		size_t taken_here = 0, k, j, an;
		char doc[1024];

		for (i = 0; i < 3000; i++) {
			size_t dn;

			k = rnd();
			an = 90 + k % 130;
			dn = (size_t)sprintf(doc, "<p id=1 ");
			doc[dn++] = "aB_:."[(k / 130) % 5];
			for (j = 1; j < an; j++)
				doc[dn++] = nc[rnd() % 13];
			dn += (size_t)sprintf(doc + dn, "%s b>x</p>",
			    val[(k / 650) % 5]);
			(void)compare(doc, dn, &fast);
			taken_here += fast;
		}
		ok(n_diff == before, "generated long names: no differences");
		ok(taken_here == 3000, "generated long names: %zu taken",
		    taken_here);
	}

	/*
	 * References whose names run past ASCII (letters, digits, marks,
	 * punctuation in XML's classes) or long: all written back as they
	 * stand, in text and in values, known names among them.
	 */
	before = n_diff;
	{
		static const char *const bit[] = { "a", "amp", "lt", "nbsp",
		    "9", "_", ":", ".", "-", ";", "\xc3\xa9", "\xc2\xa0",
		    "\xe2\x80\x94", "\xcc\x81", "\xc2\xb7", "\xe4\xb8\x80",
		    "\xd9\xa0", "\xf0\x9f\x98\x80", " ", "&",
		    "abcdefghijklmnopqrstuvwxyz0123456789abcdef" };
		static const char *const ctx[] = { "%s", "<p>%s</p>",
		    "<html>%s<b>", "<a href=\"%s\">x</a>", "<a href=%s>x</a>",
		    "<a title='x%s'>y</a>", "<head>%s" };
		size_t taken_here = 0, k, j;
		char ref[256], doc[512];

		for (i = 0; i < 20000; i++) {
			size_t rn = 1;

			k = rnd();
			ref[0] = '&';
			for (j = 0; j < 1 + k % 4; j++)
				rn += (size_t)snprintf(ref + rn,
				    sizeof(ref) - rn, "%s", bit[rnd() % 21]);
			snprintf(doc, sizeof(doc), ctx[(k / 4) % 7], ref);
			(void)compare(doc, strlen(doc), &fast);
			taken_here += fast;
		}
		ok(n_diff == before, "generated references: no differences");
		ok(taken_here > 19000, "generated references: %zu taken",
		    taken_here);
	}

	/*
	 * Character references of every shape: digits or none, hex or
	 * not, with or without ';', values that are no XML character or
	 * too large, in text (dropped there) and in values (cut there).
	 */
	before = n_diff;
	{
		static const char *const bit[] = { "0", "1", "9", "65", "a",
		    "F", "x", "X", ";", "#", "&", "D800", "110000", "000000041",
		    "ffff", "g", " ", "&#", "<" };
		static const char *const ctx[] = { "%s", "<p>%sz</p>",
		    "<html>%s<b>", "<a href=\"%sz\">x</a>", "<a href=%s>x</a>",
		    "<a title='x%s' b=c>y</a>", "<head>%s", "x%s" };
		size_t taken_here = 0, k, j;
		char ref[256], doc[512];

		for (i = 0; i < 20000; i++) {
			size_t rn = 2;

			k = rnd();
			memcpy(ref, "&#", 2);
			for (j = 0; j < k % 5; j++)
				rn += (size_t)snprintf(ref + rn,
				    sizeof(ref) - rn, "%s", bit[rnd() % 19]);
			ref[rn] = '\0';
			snprintf(doc, sizeof(doc), ctx[(k / 5) % 8], ref);
			(void)compare(doc, strlen(doc), &fast);
			taken_here += fast;
		}
		ok(n_diff == before,
		    "generated character references: no differences");
		ok(taken_here > 19000,
		    "generated character references: %zu taken", taken_here);
	}

	/*
	 * Processing instructions of every shape, where they may stand.
	 */
	before = n_diff;
	{
		static const char *const bit[] = { "x", "Xml", "_", ":", "9",
		    " ", "\n", "?", ">", "a=b", "\xc3\xa9", "-", "<", "&amp;",
		    "\"q>\"", "" };
		static const char *const ctx[] = { "%s", "<p>a%sz</p>",
		    "<!--c-->%s<!--d--> %s<p>", "<!DOCTYPE html>%s<html>",
		    "<html>%s<head>", "x%s", "<p><!DOCTYPE x>%s" };
		size_t taken_here = 0, k, j;
		char pi[256], doc[600];

		for (i = 0; i < 20000; i++) {
			size_t pn = 2;

			k = rnd();
			memcpy(pi, "<?", 2);
			for (j = 0; j < k % 5; j++)
				pn += (size_t)snprintf(pi + pn,
				    sizeof(pi) - pn, "%s", bit[rnd() % 16]);
			pi[pn] = '\0';
			snprintf(doc, sizeof(doc), ctx[(k / 5) % 7], pi, pi);
			(void)compare(doc, strlen(doc), &fast);
			taken_here += fast;
		}
		ok(n_diff == before,
		    "generated processing instructions: no differences");
		ok(taken_here > 17000,
		    "generated processing instructions: %zu taken",
		    taken_here);
	}

	/*
	 * Frames among the elements that imply or close others, wherever
	 * they stand.
	 */
	before = n_diff;
	{
		static const char *const fp[] = { "<frameset>", "<frame>",
		    "<noframes>", "</frameset>", "</noframes>", "<body>",
		    "<head>", "<html>", "</body>", "<title>t</title>", "x",
		    " ", "<p>", "<frame/>", "<frameset rows=1>", "</html>",
		    "<meta a=b>", "<div>", "<!--c-->", "<iframe src=x>" };
		size_t taken_here = 0, np;

		for (i = 0; i < 20000; i++) {
			char doc[512];
			size_t dn = 0;

			np = 1 + rnd() % 8;
			dn = add_pieces(doc, sizeof(doc), dn, fp, 20, np);
			(void)compare(doc, dn, &fast);
			taken_here += fast;
		}
		ok(n_diff == before, "generated frames: no differences");
		ok(taken_here > 15000, "generated frames: %zu taken",
		    taken_here);
	}

	/*
	 * Attributes whose names start with any character, among others:
	 * each must be read as a name, or skipped as bogus, as the parser
	 * does; end tags of such names are ignored.
	 */
	before = n_diff;
	{
		static const char *const an[] = { "_", ":", ".", "a", "-",
		    "1", "_x", ":y", ".z", "xml:lang", "_Checked", "__",
		    ".-1", "!", "_\xc3\xa9", "=", "/", "'", "id", ("a\xc3\xa9" "b") };
		static const char *const tg[] = { "i", "i\xc3\xa9", "_i", ":i",
		    "td", "p", "p\xc3\xa9 a=1", "b:c" };
		static const char *const av[] = { "", "=1", "='a b'",
		    "=\"&amp;\"", " = x", "=", "/" };
		static const char *const en[] = { "</_x>", "</:p>", "</.b>",
		    "</p>", "</b>", "", "</_>", "</1x>", "</p x>", "</b\"y>\">",
		    "</", "</\xc3\xa9>", "</ b>", "</p\xc3\xa9>" };
		size_t taken_here = 0, k, j;

		for (i = 0; i < 20000; i++) {
			char doc[512];
			size_t dn = 0;

			k = rnd();
			dn += (size_t)snprintf(doc, sizeof(doc), "<%s",
			    k % 2 ? "p" : "b");
			for (j = 0; j < 1 + k % 4; j++) {
				unsigned r = rnd();

				dn += (size_t)snprintf(doc + dn,
				    sizeof(doc) - dn, " %s%s", an[r % 20],
				    av[(r / 20) % 7]);
			}
			dn += (size_t)snprintf(doc + dn, sizeof(doc) - dn,
			    ">x%sy<%s %s=1>z</i>", en[(k / 4) % 14],
			    tg[(k / 56) % 8], an[(k / 448) % 20]);
			(void)compare(doc, dn, &fast);
			taken_here += fast;
		}
		ok(n_diff == before,
		    "generated attribute names: no differences");
		ok(taken_here > 15000, "generated attribute names: %zu taken",
		    taken_here);
	}

	/*
	 * Every byte value alone at every offset within and across the
	 * sixteen-byte blocks the input check reads: the controls but tab,
	 * LF and CR, DEL, and a lone byte past ASCII are refused; the rest
	 * give the same tree or are declined for what they mean.
	 */
	before = n_diff;
	{
		static const char pre[] = "<p>0123456789012345678901234567"
		    "8901234567890123456789";
		static const char post[] = " abcdefghijklmnopqrstuv</p>";
		size_t refused = 0, want = 0, at, b, n;
		struct arena *ar;
		char in[160];

		for (at = 0; at < 48; at++) {
			for (b = 0; b < 256; b++) {
				bool bad = (b < 0x20 && b != '\t' &&
				    b != '\n' && b != '\r') || b >= 0x7f;

				memcpy(in, pre, 3 + at);
				n = 3 + at;
				in[n++] = (char)b;
				memcpy(in + n, post, sizeof(post) - 1);
				n += sizeof(post) - 1;
				if (!bad) {
					(void)compare(in, n, &fast);
					continue;
				}
				want++;
				if ((ar = arena_new(0)) == NULL)
					abort();
				refused += htmlfast_parse(ar, in, n) == NULL;
				arena_free(ar);
			}
		}
		ok(refused == want, "every byte at every offset: %zu of %zu "
		    "refused", refused, want);
		ok(n_diff == before, "every byte at every offset: no "
		    "differences");
	}

	/*
	 * Tag and attribute names of every length around the sixteen
	 * bytes read at once, of every kind of character a name may have,
	 * in any case, with as much input after them or the input ending
	 * right there; end tags of the same names in another case.
	 */
	before = n_diff;
	{
		static const char nc[] = "abcXYZ019-_.:";
		static const char *const tail[] = { ">x", "", " a=b>x",
		    "/>x", ">x<b>y</b>z<i>w</i>0123456789abcdef", "\xc3\xa9>",
		    "=1>x" };
		size_t taken_here = 0, k, j, tl, al;
		char doc[512], tn[32], an[32];

		for (i = 0; i < 20000; i++) {
			size_t dn;

			k = rnd();
			tl = 1 + k % 24;
			al = 1 + (k / 24) % 24;
			tn[0] = "aBp"[(k / 576) % 3];
			/* '.' and ':' in a few, the parse declining most. */
			for (j = 1; j < tl; j++)
				tn[j] = nc[rnd() % ((k / 96768) % 4 ? 11 : 13)];
			tn[tl] = '\0';
			an[0] = "aZ_:"[(k / 1728) % 4];
			for (j = 1; j < al; j++)
				an[j] = nc[rnd() % 13];
			an[al] = '\0';
			dn = (size_t)snprintf(doc, sizeof(doc), "<%s %s=1 %s%s",
			    tn, an, an, tail[(k / 6912) % 7]);
			if ((k / 48384) % 2) {
				for (j = 0; j < tl; j++)
					tn[j] = (char)(tn[j] ^ (is_letter(tn[j]) ?
					    0x20 : 0));
				dn += (size_t)snprintf(doc + dn,
				    sizeof(doc) - dn, "t</%s>u", tn);
			}
			(void)compare(doc, dn, &fast);
			taken_here += fast;
		}
		ok(n_diff == before,
		    "generated names around 16 bytes: no differences");
		ok(taken_here > 12000,
		    "generated names around 16 bytes: %zu taken", taken_here);
	}

	/*
	 * More names in one document than a parse keeps, many of them
	 * alike in their first eight bytes, each seen again later; tags
	 * with more attributes than a word has bits, repeated ones among
	 * them: a name mistaken for another, or a repeat missed, shows.
	 */
	before = n_diff;
	{
		char *doc;
		size_t dn = 0, k, r;

		if ((doc = malloc(65536)) == NULL)
			abort();
		dn += (size_t)sprintf(doc, "<body>");
		for (r = 0; r < 2; r++) {
			for (i = 0; i < 300; i++) {
				dn += (size_t)sprintf(doc + dn,
				    "<longname%zx a%zu=1 longattr%zx=2 "
				    "longattr%zx=3 a%zu=4>t</longname%zx>",
				    i * 37 % 300, i, i * 11 % 300,
				    i * 11 % 300, i, i * 37 % 300);
			}
			dn += (size_t)sprintf(doc + dn, "<p");
			for (k = 0; k < 150; k++)
				dn += (size_t)sprintf(doc + dn, " x%zu=%zu",
				    k * 7 % 100, k);
			dn += (size_t)sprintf(doc + dn, ">x</p>");
		}
		(void)compare(doc, dn, &fast);
		ok(fast, "many names: taken");
		free(doc);
		ok(n_diff == before, "many names: no differences");
	}

	/*
	 * Elements closed by themselves, under ones whose names start the
	 * same eight bytes and are not: answers kept for one pair must
	 * not serve the other.
	 */
	before = n_diff;
	for (i = 0; i < 3000; i++) {
		char doc[256];
		int dn;

		dn = snprintf(doc, sizeof(doc), "<table><colgroup%zx><colgroup>"
		    "a<colgroup>b</table><ul><li><optgroupx%zx><li>c</ul>", i,
		    i);
		(void)compare(doc, (size_t)dn, &fast);
	}
	ok(n_diff == before, "names alike in eight bytes: no differences");

	/*
	 * Text in runs broken by end tags that close nothing, references,
	 * comments, stray '<' and tags, at the top level and inside, so
	 * text kept where it stands in the input and text gathered from
	 * pieces join as the parser joins them.
	 */
	before = n_diff;
	{
		static const char *const piece[] = { "text", " ", "\n",
		    "</font>", "</x>", "&amp;", "&#65;", "&nbsp", "<!--c-->",
		    "< ", "<b>", "</b>", "<p>", "<br>", "</p>", "&", "x&y",
		    "<html>", "<body>", "</body>", "<?pi?>", "\xc3\xa9" };
		size_t taken_here = 0, np;

		for (i = 0; i < 20000; i++) {
			char doc[512];
			size_t dn = 0;

			np = 1 + rnd() % 12;
			dn = add_pieces(doc, sizeof(doc), dn, piece, 22, np);
			(void)compare(doc, dn, &fast);
			taken_here += fast;
		}
		ok(n_diff == before, "generated text runs: no differences");
		ok(taken_here > 18000, "generated text runs: %zu taken",
		    taken_here);
	}

	/*
	 * Entity names short and long, known in one case and not in
	 * another, followed by ';', by what else a name may have, or by
	 * the end of the input, more of them than a thread keeps, in text
	 * and in values.
	 */
	before = n_diff;
	{
		static const char *const known[] = { "amp", "AMP", "Amp",
		    "nbsp", "NBSP", "copy", "Eacute", "eacute", "thetasym",
		    "thetasy", "lt", "LT", "euro", "zwnj", "a1", "q" };
		static const char *const after[] = { ";", "", ".", "-", "_",
		    ":", "\xc3\xa9", " ", ";;", "0;", "&" };
		static const char *const ctx[] = { "%s", "<p>%s</p>",
		    "<a href=\"%s\">x</a>", "<a title=%s>y</a>", "<html>%s" };
		static const char an[] = "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
		size_t taken_here = 0, k, j, rl;
		char ref[64], doc[256];

		for (i = 0; i < 20000; i++) {
			k = rnd();
			ref[0] = '&';
			if (k % 3 == 0) {
				rl = (size_t)snprintf(ref + 1, sizeof(ref) - 1,
				    "%s", known[(k / 3) % 16]);
			} else if (k % 3 == 1 && (k / 3) % 2 == 0) {
				/* A known name and more: its first word. */
				rl = (size_t)snprintf(ref + 1, sizeof(ref) - 1,
				    "thetasym%c%c", an[(k / 6) % 62],
				    an[(k / 372) % 62]);
			} else {
				rl = 1 + (k / 3) % 19;
				for (j = 0; j < rl; j++)
					ref[1 + j] = an[rnd() % 62];
				ref[1 + rl] = '\0';
			}
			snprintf(ref + 1 + rl, sizeof(ref) - 1 - rl, "%s",
			    after[(k / 57) % 11]);
			snprintf(doc, sizeof(doc), ctx[(k / 627) % 5], ref);
			(void)compare(doc, strlen(doc), &fast);
			taken_here += fast;
		}
		ok(n_diff == before, "generated entity names: no differences");
		/* Each after the known name it starts with: none is it. */
		for (i = 0; i < 62 * 62; i++) {
			snprintf(doc, sizeof(doc), "<p>&thetasym;&thetasym%c%c;"
			    "&thetasym;</p>", an[i % 62], an[i / 62]);
			(void)compare(doc, strlen(doc), &fast);
		}
		ok(n_diff == before, "entity names alike in eight bytes: no "
		    "differences");
		ok(taken_here > 19000, "generated entity names: %zu taken",
		    taken_here);
	}

	/*
	 * Comments full of '-', their end or a "--!>" anywhere, cut short
	 * by the end of the input.
	 */
	before = n_diff;
	{
		static const char *const piece[] = { "-", "--", "->", "!",
		    ">", "x", "--!>", "-->", " ", "<!--", "- -", "---" };
		size_t taken_here = 0, np;

		for (i = 0; i < 20000; i++) {
			char doc[512];
			size_t dn;

			dn = (size_t)snprintf(doc, sizeof(doc), "%s<!--",
			    i % 2 ? "<p>a" : "");
			np = rnd() % 8;
			dn = add_pieces(doc, sizeof(doc), dn, piece, 12, np);
			if (i % 3)
				dn += (size_t)snprintf(doc + dn,
				    sizeof(doc) - dn, "-->b");
			(void)compare(doc, dn, &fast);
			taken_here += fast;
		}
		ok(n_diff == before, "generated comments: no differences");
		ok(taken_here > 9000, "generated comments: %zu taken",
		    taken_here);
	}

	before = n_diff;
	snprintf(path, sizeof(path), "%s/../../fuzz/corpus/html", MT_TESTDIR);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path),
			    "%s/../../fuzz/corpus/html/%s", MT_TESTDIR,
			    de->d_name);
			if ((buf = slurp(path, &len)) == NULL)
				continue;
			(void)compare(buf, len, &fast);
			free(buf);
		}
		closedir(d);
	}
	ok(n_diff == before, "fuzz corpus: no differences");

	if ((list = getenv("MT_HTMLFAST_CORPUS")) != NULL &&
	    (f = fopen(list, "r")) != NULL) {
		size_t t0 = n_total, f0 = n_fast, d0 = n_diff;

		html_input_hook = hook;
		while (fgets(path, sizeof(path), f) != NULL) {
			if ((nl = strchr(path, '\n')) != NULL)
				*nl = '\0';
			if ((buf = slurp(path, &len)) == NULL)
				continue;
			a = arena_new(0);
			(void)message_parse(a, buf, len, NULL);
			arena_free(a);
			free(buf);
		}
		html_input_hook = NULL;
		fclose(f);
		printf("# corpus: %zu HTML parts, %zu taken (%.1f%%), "
		    "%zu differ\n", n_total - t0, n_fast - f0,
		    n_total > t0 ? 100.0 * (double)(n_fast - f0) /
		    (double)(n_total - t0) : 0.0, n_diff - d0);
		ok(n_diff == d0, "corpus: no differences");
	}
	if (verbose)
		for (i = 0; i < 2000; i++)
			if (why[i] > 0)
				printf("# declined at htmlfast.c:%zu: %zu\n",
				    i, why[i]);
	printf("# all: %zu inputs, %zu taken, %zu differ\n", n_total, n_fast,
	    n_diff);
	xmlCleanupParser();
	return tap_done();
}
