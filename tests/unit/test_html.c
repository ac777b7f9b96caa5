/*
 * test_html.c - visible text, links, buttons, images, forms and hidden
 * text of HTML parts, through message_parse().
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mime/message.h"
#include "util/arena.h"
#include "tap.h"
#include "xorshift.h"

static struct arena *a;

static struct message *
html(const char *body)
{
	static char buf[8192];
	int n;

	n = snprintf(buf, sizeof(buf), "From: a@b.example\n"
	    "Content-Type: text/html; charset=utf-8\n\n%s", body);
	return message_parse(a, buf, (size_t)n, NULL);
}

static struct message *
parse(const char *s)
{
	return message_parse(a, s, strlen(s), NULL);
}

static const struct link *
link_to(const struct message *m, const char *href)
{
	size_t i;

	for (i = 0; i < m->n_links; i++)
		if (strcmp(m->links[i].href, href) == 0)
			return &m->links[i];
	return NULL;
}

/*
 * What a style attribute means, the plain way, for the differential
 * checks: white space removed, ASCII lower-cased, at most 4096 bytes
 * kept; a pattern counts at the start or after ';', '{' or '"'.
 */
static int
ref_style(const char *style, const char *const *pats)
{
	static char buf[4097];
	const char *hit;
	size_t i, o = 0;

	for (i = 0; style[i] != '\0' && o < 4096; i++)
		if (strchr(" \t\r\n", style[i]) == NULL)
			buf[o++] = (style[i] >= 'A' && style[i] <= 'Z') ?
			    (char)(style[i] + 32) : style[i];
	buf[o] = '\0';
	for (; *pats != NULL; pats++)
		for (hit = buf; (hit = strstr(hit, *pats)) != NULL; hit++)
			if (hit == buf || strchr(";{\"", hit[-1]) != NULL)
				return 1;
	return 0;
}

static const char *const ref_hidden[] = {
	"display:none", "visibility:hidden", NULL
};
static const char *const ref_button[] = {
	"background:", "background-color:", "padding:", "border-radius:",
	"display:inline-block", "display:block", NULL
};

static uint32_t rnd = 2463534242u;

static uint32_t
next_rnd(void)
{
	return xorshift32(&rnd);
}

/* A style made of pieces that meet at every edge of the matching. */
static void
random_style(char *buf, size_t size)
{
	static const char *const piece[] = {
		"display", "DisPlay", "dis play", ":", " : ", "none", "NO\tNE",
		"n\none", ";", "; ", "{", "\"", "visibility", "hidden",
		"visi bility:hid den", "x", "-", "color:red", "xdisplay:none",
		"display:nonex", "background", "background-color", "padding",
		"border-radius", "inline-block", "block", "display:", "  ",
		"\t", "\xc2\xa0", "\xff"
	};
	size_t i, len, n = 1 + next_rnd() % 8;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		strncat(buf, piece[next_rnd() % (sizeof(piece) /
		    sizeof(piece[0]))], size - strlen(buf) - 1);
		/* Now and then a long run, to reach the 4096-byte cut. */
		if (next_rnd() % 16 == 0 && (len = strlen(buf)) + 1300 < size) {
			memset(buf + len, next_rnd() % 2 ? ' ' : 'x', 1200);
			buf[len + 1200] = '\0';
		}
	}
}

/* n bytes c in pad (which holds n + 1), to move what follows by n. */
static char *
pad_of(char *pad, size_t n, char c)
{
	memset(pad, c, n);
	pad[n] = '\0';
	return pad;
}

/* A style attribute of raw bytes: pad, then "display:none". */
static const char *
long_style(size_t xs, size_t spaces)
{
	static char buf[5000];

	memset(buf, 'x', xs);
	memset(buf + xs, ' ', spaces);
	snprintf(buf + xs + spaces, sizeof(buf) - xs - spaces,
	    ";display:none");
	return buf;
}

static void
style_checks(void)
{
	char style[4800], body[6000];
	struct message *m;
	int i, bad_hidden = 0, bad_button = 0, want;

	/* Differential: hiding and buttons as the plain fold decides. */
	for (i = 0; i < 3000; i++) {
		random_style(style, sizeof(style));
		snprintf(body, sizeof(body), "<div style='%s'>T</div><p>E</p>",
		    style);
		m = html(body);
		want = ref_style(style, ref_hidden);
		if (strcmp(m->parts[0].text, want ? "E" : "T\nE") != 0 &&
		    bad_hidden++ == 0)
			printf("# hidden: [%s] gave [%s]\n", style,
			    m->parts[0].text);
		snprintf(body, sizeof(body), "<a href=\"https://b.example/\" "
		    "style='%s'>x</a>", style);
		m = html(body);
		want = ref_style(style, ref_button);
		if ((m->n_links != 1 || !(m->links[0].flags & LINK_BUTTON) !=
		    !want) && bad_button++ == 0)
			printf("# button: [%s]\n", style);
	}
	is_int(bad_hidden, 0, "random styles hide as the fold decides");
	is_int(bad_button, 0, "random styles make buttons as the fold does");

	/* The 4096 bytes the fold keeps: the pattern must end within. */
	snprintf(body, sizeof(body), "<div style='%s'>T</div><p>E</p>",
	    long_style(4083, 0));
	is_str(html(body)->parts[0].text, "E", "hidden ending at byte 4096");
	snprintf(body, sizeof(body), "<div style='%s'>T</div><p>E</p>",
	    long_style(4084, 0));
	is_str(html(body)->parts[0].text, "T\nE", "not hidden past 4096");
	snprintf(body, sizeof(body), "<div style='%s'>T</div><p>E</p>",
	    long_style(4000, 300));
	is_str(html(body)->parts[0].text, "E",
	    "white space does not count towards 4096");
	snprintf(body, sizeof(body), "<div style='%s'>T</div><p>E</p>",
	    long_style(0, 4500));
	is_str(html(body)->parts[0].text, "E", "only white space before");
	for (i = 0, bad_hidden = 0; i < 40; i++) {
		char pad[48];

		snprintf(body, sizeof(body), "<div style='color:%s;display:"
		    "none'>T</div><p>E</p>", pad_of(pad, (size_t)i, 'x'));
		if (strcmp(html(body)->parts[0].text, "E") != 0 &&
		    bad_hidden++ == 0)
			printf("# ';' at %d not seen\n", i);
	}
	is_int(bad_hidden, 0, "a ';' at every offset starts a property");
}

/*
 * Visible text the plain way: white space and no-break spaces collapse
 * to one space, none at the start or the end.
 */
static void
ref_text(const char *s, char *out)
{
	size_t o = 0;
	int sp = 1;

	for (; *s != '\0'; s++) {
		if (strchr(" \t\n", *s) != NULL || ((unsigned char)s[0] ==
		    0xc2 && (unsigned char)s[1] == 0xa0)) {
			s += (unsigned char)*s == 0xc2;
			if (!sp)
				out[o++] = ' ';
			sp = 1;
			continue;
		}
		out[o++] = *s;
		sp = 0;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* Text in three nodes of a paragraph, from pieces at every edge. */
static void
text_checks(void)
{
	static const char *const piece[] = {
		" ", "  ", "\t", "\n", "\xc2\xa0", "&nbsp;", "\xc2\xa9", "a",
		"word", "longerwords", "!", "! ", " !", "x y", "\xc3\xa4",
		"abcdefg ", "abcdefgh", " abcdefg", "1234567  8",
		/* Sixteen and more: the strides of sixteen bytes. */
		"abcdefghijklmnop", "abcdefghijklmno ", " bcdefghijklmnop",
		"abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmn\xc2\xa0x",
		"abcdefghijklmnopq\tr"
	};
	char text[3][400], all[1200], want[1200], body[1500];
	struct message *m;
	size_t i, j, n;
	int k, bad = 0;

	for (k = 0; k < 3000; k++) {
		all[0] = '\0';
		for (i = 0; i < 3; i++) {
			text[i][0] = '\0';
			n = next_rnd() % 12;
			for (j = 0; j < n; j++)
				strcat(text[i], piece[next_rnd() %
				    (sizeof(piece) / sizeof(piece[0]))]);
		}
		snprintf(body, sizeof(body), "<p>%s<b>%s</b>%s</p>", text[0],
		    text[1], text[2]);
		m = html(body);
		/* The entity is a no-break space too. */
		for (i = 0; i < 3; i++) {
			char *e;

			while ((e = strstr(text[i], "&nbsp;")) != NULL) {
				memcpy(e, "\xc2\xa0", 2);
				memmove(e + 2, e + 6, strlen(e + 6) + 1);
			}
			strcat(all, text[i]);
		}
		ref_text(all, want);
		if (strcmp(m->parts[0].text, want) != 0 && bad++ == 0)
			printf("# text: [%s] gave [%s]\n", all,
			    m->parts[0].text);
	}
	is_int(bad, 0, "random text collapses as the plain way does");
	/* White space at every place of a stride, after a space or not. */
	for (k = 0, bad = 0; k < 40; k++) {
		char pad[48];

		pad_of(pad, (size_t)k, 'p');
		snprintf(body, sizeof(body), "<p>a <b> %s  bcdefghijklmnop"
		    "qrstuvwxyz \n\xc2\xa0x\ty</b></p>", pad);
		snprintf(all, sizeof(all), "a %s bcdefghijklmnop"
		    "qrstuvwxyz x y", pad);
		if (k == 0)
			snprintf(all, sizeof(all), "a bcdefghijklmnop"
			    "qrstuvwxyz x y");
		m = html(body);
		if (strcmp(m->parts[0].text, all) != 0 && bad++ == 0)
			printf("# text at %d: [%s]\n", k, m->parts[0].text);
	}
	is_int(bad, 0, "white space collapses at every offset");
}

/*
 * Bare URLs in text at every offset from its start, so that their ':'
 * or '.' falls at every place of a sixteen-byte stride, after dots and
 * colons that start none.
 */
static void
text_url_checks(void)
{
	char body[600], pad[80];
	struct message *m;
	size_t off;
	int bad = 0, bad_none = 0;

	for (off = 0; off < 40; off++) {
		pad_of(pad, off, 'x');
		if (off > 4)
			memcpy(pad, "a.b: ", 5);
		snprintf(body, sizeof(body), "<p>%s https://t.example/%zu "
		    "and also www.w.example ok...</p>", pad, off);
		m = html(body);
		if ((m->n_links != 2 ||
		    strncmp(m->links[0].href, "https://t.example/", 18) != 0 ||
		    !(m->links[0].flags & LINK_TEXT_URL) ||
		    !(m->links[1].flags & LINK_TEXT_URL)) && bad++ == 0)
			printf("# text urls at %zu: %zu links\n", off,
			    m->n_links);
		snprintf(body, sizeof(body), "<p>%s xhttp://t.example/ "
		    "1.2.3 a:b www</p>", pad);
		if (html(body)->n_links != 0 && bad_none++ == 0)
			printf("# no text urls at %zu\n", off);
	}
	is_int(html("<p>x:http://y.example/</p>")->n_links, 1,
	    "text url whose ':' is the fourth byte after a ':'");
	is_int(html("<p>http://y.example/</p>")->n_links, 1,
	    "text url at the start of the text");
	is_int(bad, 0, "text urls found at every offset");
	is_int(bad_none, 0, "no text urls where none start");
}

/*
 * More element names than the walk remembers, so that they push each
 * other out: inline, skipped and link elements must keep their kinds.
 */
static void
kind_checks(void)
{
	char body[7000], want[1000];
	struct message *m;
	size_t bl = 0, wl = 0;
	int i, bad = 0;

	for (i = 0; i < 150; i++) {
		bl += (size_t)snprintf(body + bl, sizeof(body) - bl,
		    "<x%d>w</x%d><script>s</script>%s", i, i,
		    i % 10 == 0 ? "<a href=\"https://k.example/\">k</a>" : "");
		wl += (size_t)snprintf(want + wl, sizeof(want) - wl, "w%s",
		    i % 10 == 0 ? "k" : "");
	}
	m = html(body);
	is_str(m->parts[0].text, want, "150 made-up inline elements");
	for (i = 0; i < (int)m->n_links; i++)
		if (strcmp(m->links[i].href, "https://k.example/") != 0 ||
		    strcmp(m->links[i].text, "k") != 0)
			bad++;
	ok(m->n_links == 15 && bad == 0, "their links");

	/* And more attribute names, around those the walk reads. */
	bl = (size_t)snprintf(body, sizeof(body), "<p>");
	for (i = 0; i < 150; i++)
		bl += (size_t)snprintf(body + bl, sizeof(body) - bl,
		    "<b y%d=1 z%d=2%s>%d</b>", i, i, i % 3 == 0 ?
		    " style=\"display:none\"" : i % 3 == 1 ?
		    " hidden" : "", i % 10);
	snprintf(body + bl, sizeof(body) - bl, "<a y=1 href=\"https://"
	    "q.example/\" z=2 hrefx=3>q</a></p>");
	m = html(body);
	for (wl = 0, i = 2; i < 150; i += 3)
		want[wl++] = (char)('0' + i % 10);
	snprintf(want + wl, sizeof(want) - wl, "q");
	is_str(m->parts[0].text, want, "150 made-up attributes");
	ok(m->n_links == 1 && strcmp(m->links[0].href, "https://q.example/")
	    == 0, "href among made-up attributes");
}

/*
 * The attributes the walk reads, each by its name and by names that
 * share its first letters (shorter, longer, another ending), which
 * must count as no attribute at all.
 */
static void
attr_checks(void)
{
	static const struct {
		const char	*name;
		const char	*near[4];
	} at[] = {
		{ "style", { "s", "styl", "styles", "st" } },
		{ "hidden", { "h", "hid", "hiddenx", "hiddem" } },
		{ "href", { "hre", "hrefx", "hr", "hxef" } },
		{ "alt", { "a", "al", "alts", "alx" } },
		{ "action", { "act", "actions", "acti0n", "ac" } },
		{ "method", { "m", "metho", "methods", "mexhod" } },
		{ "type", { "t", "typ", "types", "tipe" } },
		{ "bgcolor", { "b", "bgcolo", "bgcolors", "bgcolour" } },
		{ "class", { "c", "clas", "classx", "clash" } },
		{ "role", { "r", "rol", "roles", "rolx" } },
	};
	char body[512];
	struct message *m;
	size_t i, k;
	int bad = 0;

	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		for (k = 0; k <= 4; k++) {
			const char *n = k == 0 ? at[i].name : at[i].near[k - 1];
			bool real = k == 0, got = false;

			snprintf(body, sizeof(body), "<p zz=1 %s=\"display:"
			    "none\" y=2>t</p><a %s=\"https://n.example/\">"
			    "n</a><a href=\"https://i.example/\"><img %s=\""
			    "Alt\"></a><form %s=\"https://f.example/"
			    "\" %s=\"post\"><input %s=\"password\"></form>"
			    "<table><tr><td %s=\"#fff\"><a href=\"https://"
			    "c.example/\">c</a></td></tr></table><a %s=\"btn"
			    "\" href=\"https://b.example/\">b</a><a %s=\""
			    "button\" href=\"https://r.example/\">r</a><p %s"
			    ">h</p>", n, n, n, n, n, n, n, n, n, n);
			m = html(body);
			switch (i) {
			case 0:
				got = strncmp(m->parts[0].text, "t", 1) != 0;
				break;
			case 1:
				got = strstr(m->parts[0].text, "h") == NULL;
				break;
			case 2:
				got = link_to(m, "https://n.example/") != NULL;
				break;
			case 3:
				got = link_to(m, "https://i.example/")->img_alt
				    != NULL;
				break;
			case 4:
				got = m->n_forms == 1 &&
				    m->forms[0].action != NULL;
				break;
			case 5:
				got = m->n_forms == 1 &&
				    m->forms[0].method != NULL;
				break;
			case 6:
				got = m->n_forms == 1 &&
				    m->forms[0].has_password;
				break;
			case 7:
				got = link_to(m, "https://c.example/") !=
				    NULL && (link_to(m, "https://c.example/")
				    ->flags & LINK_BUTTON);
				break;
			case 8:
				got = (link_to(m, "https://b.example/")->flags &
				    LINK_BUTTON) != 0;
				break;
			case 9:
				got = (link_to(m, "https://r.example/")->flags &
				    LINK_BUTTON) != 0;
				break;
			}
			if (got != real && bad++ < 5)
				printf("# attribute %s: %s\n", n,
				    got ? "read" : "not read");
		}
	}
	is_int(bad, 0, "attributes read by their names, not near ones");

	/* Text right in a font-size:0 element, its style not first. */
	m = html("<div id=x styles=\"font-size:0\">a<b>b</b>c</div>"
	    "<div id=y style=\"font-size:0\">d<b>e</b>f</div>");
	is_str(m->parts[0].text, "abc\ne", "font-size:0 by style only");
}

int
main(void)
{
	const struct link *l;
	struct message *m;

	a = arena_new(0);

	m = html("<html><head><title>T</title><style>p{color:red}</style>"
	    "</head><body><p>Hello <b>World</b></p><script>var x=1;</script>"
	    "<div>Second&nbsp;line</div></body></html>");
	ok(m->parts[0].is_html, "html part");
	is_str(m->parts[0].text, "Hello World\nSecond line",
	    "visible text: no title/style/script, blocks break lines");
	is_str(m->text, "Hello World\nSecond line", "message text joined");

	m = html("<p>Go to <a href=\" https://evil.example/login?a=1&amp;b=2 \""
	    ">"
	    "www.paypal.com</a> now</p>");
	is_int(m->n_links, 1, "one link");
	is_str(m->links[0].href, "https://evil.example/login?a=1&b=2",
	    "href entity-decoded and trimmed");
	is_str(m->links[0].text, "www.paypal.com", "link text differs");
	is_int(m->links[0].flags, 0, "plain link has no flags");

	m = html("<a href=\"https://x.example/a\" style=\"background-color:"
	    "#0066cc; padding: 10px 20px; color:#fff\">Wiederherstellen</a>");
	ok(m->n_links == 1 && (m->links[0].flags & LINK_BUTTON),
	    "styled <a> is a button");

	m = html("<table><tr><td bgcolor=\"#ff0000\" style=\"padding:8px\">"
	    "<a href=\"https://x.example/b\">Jetzt bestätigen</a></td></tr>"
	    "</table>");
	l = link_to(m, "https://x.example/b");
	ok(l != NULL && (l->flags & LINK_BUTTON),
	    "only link in a coloured cell is a button");
	is_str(l ? l->text : NULL, "Jetzt bestätigen", "button text");

	m = html("<table><tr><td bgcolor=\"#ff0000\"><a href=\"https://x."
	    "example/c\">one</a> <a href=\"https://x.example/d\">two</a>"
	    "</td></tr></table>");
	l = link_to(m, "https://x.example/c");
	ok(l != NULL && !(l->flags & LINK_BUTTON),
	    "two links in a cell are not buttons");

	m = html("<a class=\"btn btn-primary\" href=\"https://x.example/e\">"
	    "OK</a><a role=\"button\" href=\"https://x.example/f\">F</a>");
	ok(m->n_links == 2 && (m->links[0].flags & LINK_BUTTON) &&
	    (m->links[1].flags & LINK_BUTTON), "btn class and role=button");

	m = html("<a href=\"https://x.example/g\"><img src=\"cid:1\" "
	    "alt=\"Sparkasse Login\"></a>");
	ok(m->n_links == 1 && (m->links[0].flags & LINK_IMAGE),
	    "image link flagged");
	is_str(m->links[0].img_alt, "Sparkasse Login", "img alt kept");

	m = html("<img usemap=\"#m\"><map name=\"m\"><area href=\"https://x."
	    "example/h\" alt=\"Click\"></map>");
	ok(m->n_links == 1 && (m->links[0].flags & LINK_AREA),
	    "area href is a link");
	is_str(m->links[0].text, "Click", "area alt is its text");

	m = html("<form action=\"https://steal.example/post\" method=\"POST\">"
	    "<input name=u><input type=\"password\" name=p></form>"
	    "<form><input type=text></form>");
	is_int(m->n_forms, 2, "two forms");
	is_str(m->forms[0].action, "https://steal.example/post", "form action");
	is_str(m->forms[0].method, "post", "method lower-cased");
	ok(m->forms[0].has_password, "password field found");
	ok(m->forms[1].action == NULL && !m->forms[1].has_password,
	    "second form: no action, no password");
	l = link_to(m, "https://steal.example/post");
	ok(l != NULL && (l->flags & LINK_FORM), "form action as link");

	m = html("<p>Visible</p><div style=\"display: none\">Hidden text"
	    "</div><span style=\"font-size:0px\">tiny</span><p hidden>h</p>"
	    "<p style=\"visibility:hidden\">v</p><p>End</p>");
	is_str(m->parts[0].text, "Visible\nEnd", "hidden text is not visible");

	m = html("<p>See https://bank.example/x. or www.foo.example, "
	    "and <a href=\"https://a.example\">https://a.example</a></p>");
	ok(link_to(m, "https://bank.example/x") != NULL &&
	    (link_to(m, "https://bank.example/x")->flags & LINK_TEXT_URL),
	    "URL in HTML text, trailing dot cut");
	ok(link_to(m, "www.foo.example") != NULL, "www. URL in text");
	is_int(m->n_links, 3, "URL inside <a> not counted twice");

	m = html("<div><div><div><a href=\"https://x.example/z\">deep</a>"
	    "</div></div></div><a href=\"mailto:x@y.z\">mail</a>");
	is_int(m->n_links, 2, "nested and mailto links");

	/* The first of a repeated attribute counts, as with xmlGetProp(). */
	m = html("<a href=\"https://first.example/\" href=\"https://second."
	    "example/\">x</a><p style=\"color:red\" style=\"display:none\""
	    ">shown</p>");
	ok(m->n_links == 1 && link_to(m, "https://first.example/") != NULL,
	    "first of two href attributes");
	is_str(m->parts[0].text, "x\nshown", "first of two style attributes");

	/* font-size:0 hides text directly inside only, around children. */
	m = html("<div style=\"font-size: 0\">a<span style=\"font-size:"
	    "14px\">b</span>c<span>d</span>e</div><p>f</p>");
	is_str(m->parts[0].text, "bd\nf", "font-size:0 around children");

	/* White space: tabs, runs, no-break spaces, long words. */
	m = html("<p>\t a&nbsp;&nbsp;b\xc2\xa0 c \n averyveryverylongword"
	    "withoutanyspace\tx\xc3\xa4\xc3\xb6\xc3\xbc\xc2\xa0 </p>"
	    "<td>cell</td>");
	is_str(m->parts[0].text, "a b c averyveryverylongwordwithoutanyspace "
	    "x\xc3\xa4\xc3\xb6\xc3\xbc\ncell", "white space collapsed");

	/* Bare URLs next to dots and colons. */
	m = html("<p>x.www.no.example a:www.yes.example ...www.dots.example "
	    "HTTPS://Caps.example/a..b? 1.2:http://after.example: www.</p>");
	ok(link_to(m, "www.no.example") == NULL, "www. after a dot is no URL");
	ok(link_to(m, "www.yes.example") != NULL, "www. after a colon");
	ok(link_to(m, "www.dots.example") == NULL, "www. after dots");
	ok(link_to(m, "HTTPS://Caps.example/a..b") != NULL,
	    "upper-case scheme, trailing ? cut");
	ok(link_to(m, "http://after.example") != NULL,
	    "URL after a colon, trailing colon cut");
	is_int(m->n_links, 3, "three bare URLs, a lone www. is none");

	/* Plain text URLs. */
	m = parse("From: a@b.c\n\nVisit http://plain.example/p?q=1"
	    ", then (https://x.example/y).\n");
	ok(m->n_links == 2, "two URLs in plain text");
	is_str(m->n_links > 0 ? m->links[0].href : NULL,
	    "http://plain.example/p?q=1", "plain URL, comma cut");
	is_str(m->n_links > 1 ? m->links[1].href : NULL,
	    "https://x.example/y", "plain URL, parenthesis cut");
	ok(m->n_links > 1 && (m->links[1].flags & LINK_TEXT_URL),
	    "LINK_TEXT_URL");

	/* multipart/alternative: the plain copy is not joined twice. */
	m = parse("From: a@b.c\nContent-Type: multipart/"
	    "alternative; boundary=B\n\n--B\nContent-Type: text/plain\n\n"
	    "Same text\n--B\nContent-Type: text/html\n\n<p>Same text</p>\n"
	    "--B--\n");
	is_int(m->n_parts, 3, "alternative has 3 parts");
	is_str(m->parts[1].text, "Same text",
	    "plain part text (the CRLF before a boundary is not content)");
	is_str(m->text, "Same text", "joined text has the HTML copy only");

	style_checks();
	kind_checks();
	attr_checks();
	text_checks();
	text_url_checks();

	arena_free(a);
	return tap_done();
}
