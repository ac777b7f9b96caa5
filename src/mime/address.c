/*
 * address.c - address lists: RFC 5322 3.4 with the obsolete syntax of
 * RFC 5322 4.4 that real mail still carries.
 *
 * Handles display names (atoms, quoted strings, encoded words per RFC
 * 2047 5(3), raw 8-bit), angle addresses, groups ("name: a, b;" and the
 * empty "undisclosed-recipients:;"), obsolete routes ("<@a,@b:u@c>"),
 * comments (a trailing "(Name)" becomes the display name when there is
 * no other), CFWS around the dots of obs-local-part and obs-domain, and
 * unquoted commas in display names ("Doe, John <jd@x>").  A lone word is
 * an address without a domain; several words without "@" (the pipermail
 * "user at host (Name)" form) are not an address at all and are dropped.
 *
 * Returns 0 when every item was a clean address, 1 when something was
 * dropped or malformed (or the list was cut at max), -1 when the arena is
 * exhausted.  The token array and the text of a name or address being
 * joined are scratch space, on the stack when short (ADDRESS_STACK_*),
 * else on the heap and freed on return; the addresses live in the
 * arena.  Domains are ASCII-lower-cased; IDN domains stay as written in
 * UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include "mime/mimeint.h"
#include "util/arena.h"
#include "util/str.h"

/*
 * Scratch space on the stack for the common short value; longer ones
 * take the heap.  Sizes in tokens and bytes.
 */
#define ADDRESS_STACK_TOKENS	128
#define ADDRESS_STACK_TEXT	256

enum tok_type { T_ATOM, T_QSTR, T_COMMENT, T_DLIT, T_SPECIAL };

struct tok {
	enum tok_type	 type;
	const char	*p;		/* contents without delimiters */
	size_t		 len;
	bool		 space_before;
};

struct aparse {
	struct arena		*a;
	struct tok		*t;
	size_t			 nt;
	size_t			 max;
	struct address_list	*out;
	size_t			 cap;
	int			 status;
};

static bool
is_special(char c)
{
	return c == '<' || c == '>' || c == '@' || c == ',' || c == ';' ||
	    c == ':' || c == '"' || c == '(' || c == ')' || c == '[' ||
	    c == ']' || c == '\\';
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Bytes that end an atom: the specials and white space (nonzero). */
static const unsigned char atom_stop[256] = {
	['<'] = 1, ['>'] = 1, ['@'] = 1, [','] = 1, [';'] = 1, [':'] = 1,
	['"'] = 1, ['('] = 1, [')'] = 1, ['['] = 1, [']'] = 1, ['\\'] = 1,
	[' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1,
};

static bool
tok_is(const struct tok *t, char c)
{
	return t->type == T_SPECIAL && t->p[0] == c;
}

/* Splits the value into tokens; unterminated quotes run to the end. */
static size_t
tokenize(const char *s, size_t n, struct tok *t, int *status)
{
	size_t i = 0, j, nt = 0;
	bool sp = false;
	int depth;

	while (i < n) {
		if (is_space(s[i])) {
			sp = true;
			i++;
			continue;
		}
		t[nt].space_before = sp;
		sp = false;
		if (s[i] == '"') {
			for (j = i + 1; j < n && s[j] != '"'; j++)
				if (s[j] == '\\' && j + 1 < n)
					j++;
			t[nt].type = T_QSTR;
			t[nt].p = s + i + 1;
			t[nt].len = (j < n ? j : n) - i - 1;
			if (j >= n)
				*status = 1;
			i = j + 1;
		} else if (s[i] == '(') {
			depth = 1;
			for (j = i + 1; j < n && depth > 0; j++) {
				if (s[j] == '\\' && j + 1 < n)
					j++;
				else if (s[j] == '(')
					depth++;
				else if (s[j] == ')')
					depth--;
			}
			t[nt].type = T_COMMENT;
			t[nt].p = s + i + 1;
			t[nt].len = depth == 0 ? j - i - 2 : n - i - 1;
			if (depth > 0)
				*status = 1;
			i = j;
		} else if (s[i] == '[') {
			for (j = i + 1; j < n && s[j] != ']'; j++)
				;
			t[nt].type = T_DLIT;
			t[nt].p = s + i;
			t[nt].len = (j < n ? j + 1 : n) - i;
			i = j + 1;
		} else if (is_special(s[i])) {
			t[nt].type = T_SPECIAL;
			t[nt].p = s + i;
			t[nt].len = 1;
			i++;
		} else {
			for (j = i; j < n && atom_stop[(unsigned char)s[j]] ==
			    0; j++)
				;
			t[nt].type = T_ATOM;
			t[nt].p = s + i;
			t[nt].len = j - i;
			i = j;
		}
		nt++;
	}
	return nt;
}

/*
 * Appends a token's text, removing quoted-pair backslashes; a token
 * with none to remove (atoms, and most others) is copied whole.
 */
static void
put_tok(char *o, size_t *ol, const struct tok *t)
{
	size_t i;

	if ((t->type != T_QSTR && t->type != T_COMMENT) ||
	    memchr(t->p, '\\', t->len) == NULL) {
		memcpy(o + *ol, t->p, t->len);
		*ol += t->len;
		return;
	}
	for (i = 0; i < t->len; i++) {
		if ((t->type == T_QSTR || t->type == T_COMMENT) &&
		    t->p[i] == '\\' && i + 1 < t->len)
			i++;
		o[(*ol)++] = t->p[i];
	}
}

static size_t
span_len(const struct tok *t, size_t s, size_t e)
{
	size_t n = 0;

	for (; s < e; s++)
		n += t[s].len + 2;
	return n + 1;
}

/* A display name: words joined by one space, then RFC 2047-decoded. */
static char *
phrase(struct aparse *ap, size_t s, size_t e, bool comments)
{
	struct tok *t = ap->t;
	uint32_t defects = 0;
	size_t i, ol = 0, need = span_len(t, s, e);
	char small[ADDRESS_STACK_TEXT], *o = small, *r;

	if (need > sizeof(small) && (o = malloc(need)) == NULL)
		return NULL;
	/* gcc -fsanitize cannot see put_tok() fill it. */
	small[0] = '\0';
	for (i = s; i < e; i++) {
		if ((t[i].type == T_COMMENT) != comments)
			continue;
		if (t[i].type == T_SPECIAL && !tok_is(&t[i], ',') &&
		    !tok_is(&t[i], '.'))
			continue;
		if (ol > 0 && !tok_is(&t[i], ','))
			o[ol++] = ' ';
		put_tok(o, &ol, &t[i]);
	}
	r = ol > 0 ? rfc2047_decode(ap->a, o, ol, &defects) : NULL;
	if (o != small)
		free(o);
	if (r != NULL && r[0] == '\0')
		r = NULL;
	return r;
}

/* Raw text of words, no separators; 8-bit made UTF-8. */
static char *
joined(struct aparse *ap, size_t s, size_t e, size_t *words)
{
	struct tok *t = ap->t;
	uint32_t defects = 0;
	size_t i, ol = 0, need = span_len(t, s, e);
	char small[ADDRESS_STACK_TEXT], *o = small, *r;
	bool b8 = false;

	*words = 0;
	if (need > sizeof(small) && (o = malloc(need)) == NULL)
		return NULL;
	for (i = s; i < e; i++) {
		if (t[i].type == T_COMMENT || (t[i].type == T_SPECIAL &&
		    !tok_is(&t[i], '.')))
			continue;
		if (t[i].type != T_SPECIAL)
			(*words)++;
		put_tok(o, &ol, &t[i]);
	}
	b8 = str_ascii_run((const unsigned char *)o, 0, ol) < ol;
	r = b8 ? charset_to_utf8(ap->a, NULL, o, ol, NULL, &defects) :
	    arena_strndup(ap->a, o, ol);
	if (o != small)
		free(o);
	return r;
}

static int
add(struct aparse *ap, const struct address *ad)
{
	struct address_list *l = ap->out;
	struct address *nv;
	size_t ncap;

	if (l->n >= ap->max) {
		ap->status = 1;
		return 0;
	}
	if (l->n == ap->cap) {
		ncap = ap->cap ? ap->cap * 2 : 4;
		if (ncap > ap->max)
			ncap = ap->max;
		nv = arena_grow(ap->a, l->v, ap->cap * sizeof(*nv),
		    ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		l->v = nv;
		ap->cap = ncap;
	}
	l->v[l->n++] = *ad;
	return 0;
}

/*
 * One mailbox over tokens [s, e).  lt is the '<' token or (size_t)-1.
 */
static int
mailbox(struct aparse *ap, size_t s, size_t e, size_t lt, char *group)
{
	struct tok *t = ap->t;
	struct address ad = { 0 };
	size_t as, ae, at, i, words, dwords;

	ad.group = group;
	if (lt != (size_t)-1) {
		ad.display = phrase(ap, s, lt, false);
		as = lt + 1;
		for (ae = as; ae < e && !tok_is(&t[ae], '>'); ae++)
			;
		/* RFC 5322 4.4 obs-route: everything up to the last ':'. */
		for (i = as; i < ae; i++)
			if (tok_is(&t[i], ':'))
				as = i + 1;
		if (ad.display == NULL)
			ad.display = phrase(ap, s, e, true);
	} else {
		as = s;
		ae = e;
		ad.display = phrase(ap, s, e, true);
	}
	at = (size_t)-1;
	for (i = as; i < ae; i++)
		if (tok_is(&t[i], '@'))
			at = i;
	if (at == (size_t)-1) {
		ad.local = joined(ap, as, ae, &words);
		if (ad.local == NULL)
			return -1;
		if (words > 1 || (words == 0 && lt == (size_t)-1)) {
			ap->status = 1;		/* "user at host": not one */
			return 0;
		}
		if (words == 0 && ad.local[0] == '\0') {
			ad.addr = ad.local;	/* "<>", the null path */
			return add(ap, &ad);
		}
		ap->status = 1;
		ad.addr = ad.local;
		return add(ap, &ad);
	}
	if ((ad.local = joined(ap, as, at, &words)) == NULL ||
	    (ad.domain = joined(ap, at + 1, ae, &dwords)) == NULL)
		return -1;
	if (words == 0 || dwords == 0 || words > 1)
		ap->status = 1;
	str_lower(ad.domain);
	if (ad.domain[0] == '\0')
		ad.domain = NULL;
	ad.addr = ad.domain != NULL ?
	    arena_join(ap->a, ad.local, '@', ad.domain) : ad.local;
	if (ad.addr == NULL)
		return -1;
	return add(ap, &ad);
}

/* Does the item after a comma at t[j] carry an angle address? */
static bool
next_has_angle(const struct tok *t, size_t j, size_t nt)
{
	for (j++; j < nt; j++) {
		if (tok_is(&t[j], ',') || tok_is(&t[j], ';') ||
		    tok_is(&t[j], ':') || tok_is(&t[j], '@'))
			return false;
		if (tok_is(&t[j], '<'))
			return true;
	}
	return false;
}

int
message_parse_addresses(struct arena *a, const char *value, size_t len,
    size_t max, struct address_list *out)
{
	struct aparse ap = { 0 };
	struct tok small[ADDRESS_STACK_TOKENS];
	size_t i, j, lt, at, colon;
	char *group = NULL;
	int rc = 0;

	out->v = NULL;
	out->n = 0;
	if (len == 0)
		return 0;
	/*
	 * At most one token per byte; tokenize() sets every field of the
	 * tokens it returns, so the heap array need not be zeroed.
	 */
	if (len <= ADDRESS_STACK_TOKENS)
		ap.t = small;
	else if (len > SIZE_MAX / sizeof(*ap.t) ||
	    (ap.t = malloc(len * sizeof(*ap.t))) == NULL)
		return -1;
	ap.a = a;
	ap.max = max;
	ap.out = out;
	ap.nt = tokenize(value, len, ap.t, &ap.status);

	for (i = 0; i < ap.nt;) {
		if (tok_is(&ap.t[i], ',')) {
			i++;
			continue;
		}
		if (tok_is(&ap.t[i], ';')) {
			group = NULL;
			i++;
			continue;
		}
		lt = at = colon = (size_t)-1;
		for (j = i; j < ap.nt; j++) {
			if (tok_is(&ap.t[j], '<') && lt == (size_t)-1) {
				lt = j;
				while (j < ap.nt && !tok_is(&ap.t[j], '>'))
					j++;
				if (j == ap.nt)
					break;
				continue;
			}
			if (tok_is(&ap.t[j], ',')) {
				/* "Doe, John <jd@x>": a comma in the name. */
				if (lt == (size_t)-1 && at == (size_t)-1 &&
				    next_has_angle(ap.t, j, ap.nt))
					continue;
				break;
			}
			if (tok_is(&ap.t[j], ';'))
				break;
			if (tok_is(&ap.t[j], ':') && group == NULL &&
			    lt == (size_t)-1 && at == (size_t)-1) {
				colon = j;
				break;
			}
			if (tok_is(&ap.t[j], '@') && at == (size_t)-1)
				at = j;
		}
		if (colon != (size_t)-1) {
			/* RFC 5322 3.4 group: "name:" list ";". */
			group = phrase(&ap, i, colon, false);
			if (group == NULL && (group = arena_strdup(a, "")) ==
			    NULL) {
				rc = -1;
				goto out;
			}
			i = colon + 1;
			continue;
		}
		if (j > i && mailbox(&ap, i, j, lt, group) == -1) {
			rc = -1;
			goto out;
		}
		i = j;
	}
	rc = ap.status;
out:
	if (ap.t != small)
		free(ap.t);
	return arena_exhausted(a) ? -1 : rc;
}
