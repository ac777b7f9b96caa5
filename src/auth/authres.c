/*
 * authres.c - parse and write Authentication-Results (RFC 8601).
 *
 * The parser follows the ABNF of RFC 8601 2.2: authserv-id, optional
 * authres-version, then "; none" or resinfos of methodspec (with an
 * optional method-version, 2.2), reasonspec (2.2) and propspecs (2.3).
 * CFWS (RFC 5322 3.2.2) may stand between any two tokens; comments are
 * skipped, except that the first one after a result is kept for display.
 * value is token / quoted-string (RFC 2045 5.1).
 *
 * Where RFC 8601 is strict and real servers are not, we read what they
 * write: a trailing ';', '_' in keywords, and property values with '/',
 * '=' or '+' unquoted (base64 header.b prefixes, RFC 6008) are accepted.
 *
 * A pure cursor over (value, len): no strlen on the input, no I/O.
 * Memory and limits: see authres.h.
 */
#include <string.h>

#include "auth/authres.h"
#include "util/arena.h"
#include "util/str.h"

struct cur {
	const char	*s;
	size_t		 len;
	size_t		 i;
	struct arena	*a;
	const char	*err;
};

static bool
at_end(const struct cur *c)
{
	return c->i >= c->len;
}

static int
peek(const struct cur *c)
{
	return c->i < c->len ? (unsigned char)c->s[c->i] : -1;
}

static bool
fail(struct cur *c, const char *why)
{
	if (c->err == NULL)
		c->err = why;
	return false;
}

/*
 * CFWS.  When keep is not NULL and still NULL, the text of the first
 * comment (outer parentheses removed) is stored there.
 */
static bool
skip_cfws(struct cur *c, char **keep)
{
	size_t start, depth;
	int ch;

	for (;;) {
		while (!at_end(c) && ((ch = peek(c)) == ' ' || ch == '\t' ||
		    ch == '\r' || ch == '\n'))
			c->i++;
		if (peek(c) != '(')
			return true;
		start = ++c->i;
		depth = 1;
		while (depth > 0) {
			if (at_end(c))
				return fail(c, "unterminated comment");
			ch = peek(c);
			c->i++;
			if (ch == '\\') {
				if (at_end(c))
					return fail(c, "unterminated comment");
				c->i++;
			} else if (ch == '(') {
				if (++depth > AUTHRES_MAX_NEST)
					return fail(c, "comments too deep");
			} else if (ch == ')')
				depth--;
		}
		if (keep != NULL && *keep == NULL) {
			const char *t = c->s + start;
			size_t n = c->i - 1 - start;

			str_trim(&t, &n);
			if ((*keep = arena_strndup(c->a, t, n)) == NULL)
				return fail(c, "out of memory");
		}
	}
}

/* Keyword (RFC 8601 2.2: ldh-str), lower-cased; '_' tolerated. */
static char *
keyword(struct cur *c)
{
	size_t start = c->i;
	char *k;
	int ch;

	while (!at_end(c) && (ch = peek(c), (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	    ch == '-' || ch == '_'))
		c->i++;
	if (c->i == start) {
		fail(c, "expected a keyword");
		return NULL;
	}
	if ((k = arena_strndup(c->a, c->s + start, c->i - start)) == NULL) {
		fail(c, "out of memory");
		return NULL;
	}
	str_lower(k);
	return k;
}

/* RFC 2045 5.1 tspecials; a switch, as it runs for every byte written. */
static bool
is_tspecial(int ch)
{
	switch (ch) {
	case '(': case ')': case '<': case '>': case '@': case ',': case ';':
	case ':': case '\\': case '"': case '/': case '[': case ']': case '?':
	case '=':
		return true;
	default:
		return false;
	}
}

/* RFC 2045 5.1 token: visible ASCII without tspecials. */
static bool
is_token_char(int ch)
{
	return ch > 0x20 && ch < 0x7f && !is_tspecial(ch);
}

static char *
quoted_string(struct cur *c)
{
	size_t start, o = 0;
	char *out;
	int ch;

	start = ++c->i;			/* the opening quote */
	while (!at_end(c) && peek(c) != '"') {
		if (peek(c) == '\\' && c->i + 1 < c->len)
			c->i++;
		c->i++;
	}
	if (at_end(c)) {
		fail(c, "unterminated quoted-string");
		return NULL;
	}
	if ((out = arena_alloc(c->a, c->i - start + 1)) == NULL) {
		fail(c, "out of memory");
		return NULL;
	}
	for (size_t k = start; k < c->i; k++) {
		ch = (unsigned char)c->s[k];
		if (ch == '\\' && k + 1 < c->i)
			ch = (unsigned char)c->s[++k];
		else if (ch == '\r' || ch == '\n')
			continue;		/* folding inside the string */
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	c->i++;				/* the closing quote */
	return out;
}

/* value = token / quoted-string. */
static char *
value(struct cur *c)
{
	size_t start = c->i;
	char *v;

	if (peek(c) == '"')
		return quoted_string(c);
	while (!at_end(c) && is_token_char(peek(c)))
		c->i++;
	if (c->i == start) {
		fail(c, "expected a value");
		return NULL;
	}
	if ((v = arena_strndup(c->a, c->s + start, c->i - start)) == NULL)
		fail(c, "out of memory");
	return v;
}

/*
 * pvalue (2.3): a value, or [local-part] "@" domain-name.  Unquoted, we
 * take every visible character up to CFWS or ';'.
 */
static char *
pvalue(struct cur *c)
{
	size_t start;
	char *q, *v;
	int ch;

	if (peek(c) == '"') {
		if ((q = quoted_string(c)) == NULL)
			return NULL;
		if (peek(c) != '@')
			return q;
		start = c->i;
		while (!at_end(c) && (ch = peek(c)) > 0x20 && ch < 0x7f &&
		    ch != ';' && ch != '(' && ch != ')' && ch != '"')
			c->i++;
		if ((v = arena_printf(c->a, "%s%.*s", q, (int)(c->i - start),
		    c->s + start)) == NULL)
			fail(c, "out of memory");
		return v;
	}
	start = c->i;
	while (!at_end(c) && (ch = peek(c)) > 0x20 && ch != 0x7f &&
	    ch != ';' && ch != '(' && ch != ')' && ch != '"')
		c->i++;
	/* 2.3 allows an empty pvalue only as a quoted "". */
	if (c->i == start) {
		fail(c, "expected a property value");
		return NULL;
	}
	if ((v = arena_strndup(c->a, c->s + start, c->i - start)) == NULL)
		fail(c, "out of memory");
	return v;
}

static int
digits(struct cur *c)
{
	size_t start = c->i;
	long long v;

	while (!at_end(c) && peek(c) >= '0' && peek(c) <= '9')
		c->i++;
	if (c->i == start || (v = str_to_ll(c->s + start, c->i - start,
	    1000000)) < 0) {
		fail(c, "expected a version number");
		return -1;
	}
	return (int)v;
}

static bool
expect(struct cur *c, int ch, const char *why)
{
	if (peek(c) != ch)
		return fail(c, why);
	c->i++;
	return true;
}

static bool
parse_props(struct cur *c, struct authres_result *r)
{
	struct authres_prop *p;

	while (!at_end(c) && peek(c) != ';') {
		if (r->nprops == AUTHRES_MAX_PROPS)
			return fail(c, "too many properties in one result");
		p = &r->props[r->nprops];
		if ((p->ptype = keyword(c)) == NULL || !skip_cfws(c, NULL) ||
		    !expect(c, '.', "expected '.' after a ptype") ||
		    !skip_cfws(c, NULL) || (p->property = keyword(c)) == NULL ||
		    !skip_cfws(c, NULL) ||
		    !expect(c, '=', "expected '=' after a property") ||
		    !skip_cfws(c, NULL) || (p->value = pvalue(c)) == NULL ||
		    !skip_cfws(c, NULL))
			return false;
		r->nprops++;
	}
	return true;
}

static bool
parse_resinfo(struct cur *c, struct authres_result *r)
{
	size_t save;

	r->method_version = -1;
	if ((r->method = keyword(c)) == NULL || !skip_cfws(c, NULL))
		return false;
	if (peek(c) == '/') {
		c->i++;
		if (!skip_cfws(c, NULL) ||
		    (r->method_version = digits(c)) < 0 || !skip_cfws(c, NULL))
			return false;
	}
	if (!expect(c, '=', "expected '=' after the method") ||
	    !skip_cfws(c, NULL) || (r->result = keyword(c)) == NULL ||
	    !skip_cfws(c, &r->comment))
		return false;
	/* reasonspec: "reason" "=" value; a ptype would be followed by '.'. */
	save = c->i;
	if (str_iprefix(c->s + c->i, c->len - c->i, "reason")) {
		c->i += 6;
		if (skip_cfws(c, NULL) && peek(c) == '=') {
			c->i++;
			if (!skip_cfws(c, NULL) || (r->reason = value(c)) ==
			    NULL || !skip_cfws(c, NULL))
				return false;
		} else {
			c->err = NULL;
			c->i = save;
		}
	}
	if ((r->props = arena_calloc(c->a, AUTHRES_MAX_PROPS,
	    sizeof(*r->props))) == NULL)
		return fail(c, "out of memory");
	return parse_props(c, r);
}

char *
authres_authserv_id(struct arena *a, const char *s, size_t len)
{
	struct cur c = { s, len, 0, a, NULL };

	if (!skip_cfws(&c, NULL) || at_end(&c))
		return NULL;
	return value(&c);
}

int
authres_parse(struct arena *a, const char *s, size_t len, struct authres *out,
    const char **err)
{
	struct cur c = { s, len, 0, a, NULL };
	struct authres_result *r;

	memset(out, 0, sizeof(*out));
	out->version = -1;
	*err = NULL;
	if (!skip_cfws(&c, NULL))
		goto bad;
	if (at_end(&c)) {
		fail(&c, "empty field");
		goto bad;
	}
	if ((out->authserv_id = value(&c)) == NULL || !skip_cfws(&c, NULL))
		goto bad;
	if (peek(&c) >= '0' && peek(&c) <= '9') {
		if ((out->version = digits(&c)) < 0 || !skip_cfws(&c, NULL))
			goto bad;
	}
	if ((out->results = arena_calloc(a, AUTHRES_MAX_RESULTS,
	    sizeof(*out->results))) == NULL) {
		fail(&c, "out of memory");
		goto bad;
	}
	while (!at_end(&c)) {
		if (!expect(&c, ';', "expected ';'") || !skip_cfws(&c, NULL))
			goto bad;
		if (at_end(&c))
			break;			/* a trailing ';' */
		/* 2.2 no-result: "none" alone. */
		if (out->n == 0 && !out->none &&
		    str_iprefix(c.s + c.i, c.len - c.i, "none")) {
			size_t save = c.i;

			c.i += 4;
			if (skip_cfws(&c, NULL) && (at_end(&c) ||
			    peek(&c) == ';')) {
				out->none = true;
				continue;
			}
			c.err = NULL;
			c.i = save;
		}
		if (out->n == AUTHRES_MAX_RESULTS) {
			fail(&c, "too many results in one field");
			goto bad;
		}
		r = &out->results[out->n];
		if (!parse_resinfo(&c, r))
			goto bad;
		out->n++;
	}
	if (out->none && out->n > 0) {
		fail(&c, "'none' together with results");
		goto bad;
	}
	/* A field with neither "none" nor results is 2.2's minimum. */
	if (!out->none && out->n == 0)
		out->none = true;
	return 0;
bad:
	*err = c.err != NULL ? c.err : "syntax error";
	return -1;
}

/*
 * The emitter.
 */

static bool
is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!is_token_char((unsigned char)*s))
			return false;
	return true;
}

/* A pvalue may also be local@domain without quotes (2.3). */
static bool
is_plain_pvalue(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!is_token_char((unsigned char)*s) && *s != '@')
			return false;
	return true;
}

/*
 * The field is written for every message, so without printf and in one
 * allocation: it is written into a block on the stack, and only a field
 * longer than that is written a second time, straight into an arena
 * string of the length the first pass counted.
 */
#define AUTHRES_STACK	1024

struct out {
	char	*p;
	size_t	 cap;	/* bytes at p; past them only counted */
	size_t	 n;
};

/* The ceiling of the buffer the field was once built in. */
#define AUTHRES_FORMAT_MAX	(64u * 1024)

static void
out_add(struct out *o, const char *s, size_t n)
{
	if (o->n <= o->cap && n <= o->cap - o->n)
		memcpy(o->p + o->n, s, n);
	o->n += n;
}

static void
out_c(struct out *o, char c)
{
	if (o->n < o->cap)
		o->p[o->n] = c;
	o->n++;
}

static void
out_s(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

/* A version number (RFC 8601 2.2: 1*DIGIT); never negative here. */
static void
out_uint(struct out *o, unsigned v)
{
	char t[16], *d = t + sizeof(t);

	do
		*--d = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	out_add(o, d, (size_t)(t + sizeof(t) - d));
}

static void
add_quoted(struct out *o, const char *s)
{
	out_c(o, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			out_c(o, '\\');
		if (*s != '\r' && *s != '\n')
			out_c(o, *s);
	}
	out_c(o, '"');
}

static void
add_value(struct out *o, const char *s, bool pval)
{
	if (pval ? is_plain_pvalue(s) : is_token(s))
		out_s(o, s);
	else
		add_quoted(o, s);
}

/* A comment (RFC 5322 3.2.2): parentheses inside would end it early. */
static void
add_comment(struct out *o, const char *s)
{
	out_add(o, " (", 2);
	for (; *s != '\0'; s++)
		out_c(o, *s == '(' || *s == ')' || *s == '\\' ||
		    *s == '\r' || *s == '\n' ? ' ' : *s);
	out_c(o, ')');
}

static void
add_result(struct out *o, const struct authres_result *r, const char *sep,
    size_t seplen)
{
	size_t k;

	out_add(o, sep, seplen);
	out_s(o, r->method);
	if (r->method_version >= 0) {
		out_c(o, '/');
		out_uint(o, (unsigned)r->method_version);
	}
	out_c(o, '=');
	out_s(o, r->result);
	if (r->comment != NULL)
		add_comment(o, r->comment);
	if (r->reason != NULL) {
		out_add(o, " reason=", 8);
		add_value(o, r->reason, false);
	}
	for (k = 0; k < r->nprops; k++) {
		out_c(o, ' ');
		out_s(o, r->props[k].ptype);
		out_c(o, '.');
		out_s(o, r->props[k].property);
		out_c(o, '=');
		add_value(o, r->props[k].value, true);
	}
}

static void
add_field(struct out *o, const struct authres *ar, bool fold)
{
	const char *sep = fold ? ";\r\n\t" : "; ";
	size_t i, seplen = fold ? 4 : 2;

	add_value(o, ar->authserv_id ? ar->authserv_id : "localhost", false);
	if (ar->version >= 0) {
		out_c(o, ' ');
		out_uint(o, (unsigned)ar->version);
	}
	if (ar->n == 0) {
		out_add(o, sep, seplen);
		out_add(o, "none", 4);
	}
	for (i = 0; i < ar->n; i++)
		add_result(o, &ar->results[i], sep, seplen);
}

char *
authres_format(struct arena *a, const struct authres *ar, bool fold)
{
	char block[AUTHRES_STACK];
	struct out o = { block, sizeof(block), 0 };

	add_field(&o, ar, fold);
	if (o.n > AUTHRES_FORMAT_MAX)
		return NULL;
	if (o.n <= o.cap)
		return arena_strndup(a, block, o.n);
	if ((o.p = arena_alloc_raw(a, o.n + 1)) == NULL)
		return NULL;
	o.cap = o.n;
	o.n = 0;
	add_field(&o, ar, fold);
	o.p[o.n] = '\0';
	return o.p;
}
