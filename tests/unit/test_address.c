/*
 * test_address.c - message_parse_addresses(): RFC 5322 3.4 and the
 * obsolete forms of 4.4 found in real mail.  Also against the parser as
 * it was before its tokenizer took a table and whole-token copies
 * (ref_message_parse_addresses(), kept below), over generated lists
 * and, when MT_ADDRESS_CORPUS names a file with one path per line,
 * every address field of those files
 * (e.g. MT_ADDRESS_CORPUS=/tmp/corpus-files-abs.txt).
 */
#include <stdlib.h>
#include <string.h>

#include "mime/mimeint.h"
#include "util/arena.h"
#include "util/str.h"
#include "slurp.h"
#include "tap.h"
#include "corpus_fields.h"
#include "xorshift.h"

/* The parser as it was, unchanged but for the ref_ names. */
/*
 * Scratch space on the stack for the common short value; longer ones
 * take the heap.  Sizes in tokens and bytes.
 */
#define ref_ADDRESS_STACK_TOKENS	128
#define ref_ADDRESS_STACK_TEXT	256

enum ref_tok_type {
	ref_T_ATOM, ref_T_QSTR, ref_T_COMMENT, ref_T_DLIT, ref_T_SPECIAL
};

struct ref_tok {
	enum ref_tok_type	 type;
	const char	*p;		/* contents without delimiters */
	size_t		 len;
	bool		 space_before;
};

struct ref_aparse {
	struct arena		*a;
	struct ref_tok		*t;
	size_t			 nt;
	size_t			 max;
	struct address_list	*out;
	size_t			 cap;
	int			 status;
};

static bool
ref_is_special(char c)
{
	return c == '<' || c == '>' || c == '@' || c == ',' || c == ';' ||
	    c == ':' || c == '"' || c == '(' || c == ')' || c == '[' ||
	    c == ']' || c == '\\';
}

static bool
ref_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
ref_tok_is(const struct ref_tok *t, char c)
{
	return t->type == ref_T_SPECIAL && t->p[0] == c;
}

/* Splits the value into tokens; unterminated quotes run to the end. */
static size_t
ref_tokenize(const char *s, size_t n, struct ref_tok *t, int *status)
{
	size_t i = 0, j, nt = 0;
	bool sp = false;
	int depth;

	while (i < n) {
		if (ref_is_space(s[i])) {
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
			t[nt].type = ref_T_QSTR;
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
			t[nt].type = ref_T_COMMENT;
			t[nt].p = s + i + 1;
			t[nt].len = depth == 0 ? j - i - 2 : n - i - 1;
			if (depth > 0)
				*status = 1;
			i = j;
		} else if (s[i] == '[') {
			for (j = i + 1; j < n && s[j] != ']'; j++)
				;
			t[nt].type = ref_T_DLIT;
			t[nt].p = s + i;
			t[nt].len = (j < n ? j + 1 : n) - i;
			i = j + 1;
		} else if (ref_is_special(s[i])) {
			t[nt].type = ref_T_SPECIAL;
			t[nt].p = s + i;
			t[nt].len = 1;
			i++;
		} else {
			for (j = i; j < n && !ref_is_space(s[j]) &&
			    !ref_is_special(s[j]); j++)
				;
			t[nt].type = ref_T_ATOM;
			t[nt].p = s + i;
			t[nt].len = j - i;
			i = j;
		}
		nt++;
	}
	return nt;
}

/* Appends a token's text, removing quoted-pair backslashes. */
static void
ref_put_tok(char *o, size_t *ol, const struct ref_tok *t)
{
	size_t i;

	for (i = 0; i < t->len; i++) {
		if ((t->type == ref_T_QSTR || t->type == ref_T_COMMENT) &&
		    t->p[i] == '\\' && i + 1 < t->len)
			i++;
		o[(*ol)++] = t->p[i];
	}
}

static size_t
ref_span_len(const struct ref_tok *t, size_t s, size_t e)
{
	size_t n = 0;

	for (; s < e; s++)
		n += t[s].len + 2;
	return n + 1;
}

/* A display name: words ref_joined by one space, then RFC 2047-decoded. */
static char *
ref_phrase(struct ref_aparse *ap, size_t s, size_t e, bool comments)
{
	struct ref_tok *t = ap->t;
	uint32_t defects = 0;
	size_t i, ol = 0, need = ref_span_len(t, s, e);
	char small[ref_ADDRESS_STACK_TEXT], *o = small, *r;

	if (need > sizeof(small) && (o = malloc(need)) == NULL)
		return NULL;
	/* gcc -fsanitize cannot see ref_put_tok() fill it. */
	small[0] = '\0';
	for (i = s; i < e; i++) {
		if ((t[i].type == ref_T_COMMENT) != comments)
			continue;
		if (t[i].type == ref_T_SPECIAL && !ref_tok_is(&t[i], ',') &&
		    !ref_tok_is(&t[i], '.'))
			continue;
		if (ol > 0 && !ref_tok_is(&t[i], ','))
			o[ol++] = ' ';
		ref_put_tok(o, &ol, &t[i]);
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
ref_joined(struct ref_aparse *ap, size_t s, size_t e, size_t *words)
{
	struct ref_tok *t = ap->t;
	uint32_t defects = 0;
	size_t i, ol = 0, need = ref_span_len(t, s, e);
	char small[ref_ADDRESS_STACK_TEXT], *o = small, *r;
	bool b8 = false;

	*words = 0;
	if (need > sizeof(small) && (o = malloc(need)) == NULL)
		return NULL;
	for (i = s; i < e; i++) {
		if (t[i].type == ref_T_COMMENT || (t[i].type == ref_T_SPECIAL &&
		    !ref_tok_is(&t[i], '.')))
			continue;
		if (t[i].type != ref_T_SPECIAL)
			(*words)++;
		ref_put_tok(o, &ol, &t[i]);
	}
	b8 = str_ascii_run((const unsigned char *)o, 0, ol) < ol;
	r = b8 ? charset_to_utf8(ap->a, NULL, o, ol, NULL, &defects) :
	    arena_strndup(ap->a, o, ol);
	if (o != small)
		free(o);
	return r;
}

static int
ref_add(struct ref_aparse *ap, const struct address *ad)
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

/* "local@domain" in the arena, without printf's cost. */
static char *
ref_at_join(struct arena *a, const char *local, const char *domain)
{
	size_t ll = strlen(local), dl = strlen(domain);
	char *r;

	if ((r = arena_alloc(a, ll + 1 + dl + 1)) == NULL)
		return NULL;
	memcpy(r, local, ll);
	r[ll] = '@';
	memcpy(r + ll + 1, domain, dl + 1);
	return r;
}

/*
 * One ref_mailbox over tokens [s, e).  lt is the '<' token or (size_t)-1.
 */
static int
ref_mailbox(struct ref_aparse *ap, size_t s, size_t e, size_t lt, char *group)
{
	struct ref_tok *t = ap->t;
	struct address ad = { 0 };
	size_t as, ae, at, i, words, dwords;

	ad.group = group;
	if (lt != (size_t)-1) {
		ad.display = ref_phrase(ap, s, lt, false);
		as = lt + 1;
		for (ae = as; ae < e && !ref_tok_is(&t[ae], '>'); ae++)
			;
		/* RFC 5322 4.4 obs-route: everything up to the last ':'. */
		for (i = as; i < ae; i++)
			if (ref_tok_is(&t[i], ':'))
				as = i + 1;
		if (ad.display == NULL)
			ad.display = ref_phrase(ap, s, e, true);
	} else {
		as = s;
		ae = e;
		ad.display = ref_phrase(ap, s, e, true);
	}
	at = (size_t)-1;
	for (i = as; i < ae; i++)
		if (ref_tok_is(&t[i], '@'))
			at = i;
	if (at == (size_t)-1) {
		ad.local = ref_joined(ap, as, ae, &words);
		if (ad.local == NULL)
			return -1;
		if (words > 1 || (words == 0 && lt == (size_t)-1)) {
			ap->status = 1;		/* "user at host": not one */
			return 0;
		}
		if (words == 0 && ad.local[0] == '\0') {
			ad.addr = ad.local;	/* "<>", the null path */
			return ref_add(ap, &ad);
		}
		ap->status = 1;
		ad.addr = ad.local;
		return ref_add(ap, &ad);
	}
	if ((ad.local = ref_joined(ap, as, at, &words)) == NULL ||
	    (ad.domain = ref_joined(ap, at + 1, ae, &dwords)) == NULL)
		return -1;
	if (words == 0 || dwords == 0 || words > 1)
		ap->status = 1;
	str_lower(ad.domain);
	if (ad.domain[0] == '\0')
		ad.domain = NULL;
	ad.addr = ad.domain != NULL ? ref_at_join(ap->a, ad.local, ad.domain) :
	    ad.local;
	if (ad.addr == NULL)
		return -1;
	return ref_add(ap, &ad);
}

/* Does the item after a comma at t[j] carry an angle address? */
static bool
ref_next_has_angle(const struct ref_tok *t, size_t j, size_t nt)
{
	for (j++; j < nt; j++) {
		if (ref_tok_is(&t[j], ',') || ref_tok_is(&t[j], ';') ||
		    ref_tok_is(&t[j], ':') || ref_tok_is(&t[j], '@'))
			return false;
		if (ref_tok_is(&t[j], '<'))
			return true;
	}
	return false;
}

static int
ref_message_parse_addresses(struct arena *a, const char *value, size_t len,
    size_t max, struct address_list *out)
{
	struct ref_aparse ap = { 0 };
	struct ref_tok small[ref_ADDRESS_STACK_TOKENS];
	size_t i, j, lt, at, colon;
	char *group = NULL;
	int rc = 0;

	out->v = NULL;
	out->n = 0;
	if (len == 0)
		return 0;
	/* At most one token per byte; ref_tokenize() sets every field. */
	if (len <= ref_ADDRESS_STACK_TOKENS)
		ap.t = small;
	else if ((ap.t = calloc(len, sizeof(*ap.t))) == NULL)
		return -1;
	ap.a = a;
	ap.max = max;
	ap.out = out;
	ap.nt = ref_tokenize(value, len, ap.t, &ap.status);

	for (i = 0; i < ap.nt;) {
		if (ref_tok_is(&ap.t[i], ',')) {
			i++;
			continue;
		}
		if (ref_tok_is(&ap.t[i], ';')) {
			group = NULL;
			i++;
			continue;
		}
		lt = at = colon = (size_t)-1;
		for (j = i; j < ap.nt; j++) {
			if (ref_tok_is(&ap.t[j], '<') && lt == (size_t)-1) {
				lt = j;
				while (j < ap.nt && !ref_tok_is(&ap.t[j], '>'))
					j++;
				if (j == ap.nt)
					break;
				continue;
			}
			if (ref_tok_is(&ap.t[j], ',')) {
				/* "Doe, John <jd@x>": a comma in the name. */
				if (lt == (size_t)-1 && at == (size_t)-1 &&
				    ref_next_has_angle(ap.t, j, ap.nt))
					continue;
				break;
			}
			if (ref_tok_is(&ap.t[j], ';'))
				break;
			if (ref_tok_is(&ap.t[j], ':') && group == NULL &&
			    lt == (size_t)-1 && at == (size_t)-1) {
				colon = j;
				break;
			}
			if (ref_tok_is(&ap.t[j], '@') && at == (size_t)-1)
				at = j;
		}
		if (colon != (size_t)-1) {
			/* RFC 5322 3.4 group: "name:" list ";". */
			group = ref_phrase(&ap, i, colon, false);
			if (group == NULL && (group = arena_strdup(a, "")) ==
			    NULL) {
				rc = -1;
				goto out;
			}
			i = colon + 1;
			continue;
		}
		if (j > i && ref_mailbox(&ap, i, j, lt, group) == -1) {
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

static struct arena *a;

/* Both parsers on one value; NULL when they agree, else what differs. */
static const char *
differ(struct arena *ar, const char *v, size_t n, size_t max)
{
	struct address_list l, r;
	int lrc, rrc;
	size_t i;

	lrc = message_parse_addresses(ar, v, n, max, &l);
	rrc = ref_message_parse_addresses(ar, v, n, max, &r);
	if (lrc != rrc)
		return "result";
	if (l.n != r.n)
		return "count";
	for (i = 0; i < l.n; i++) {
		if (!tap_same_str(l.v[i].display, r.v[i].display))
			return "display";
		if (!tap_same_str(l.v[i].local, r.v[i].local))
			return "local";
		if (!tap_same_str(l.v[i].domain, r.v[i].domain))
			return "domain";
		if (!tap_same_str(l.v[i].addr, r.v[i].addr))
			return "addr";
		if (!tap_same_str(l.v[i].group, r.v[i].group))
			return "group";
	}
	return NULL;
}

/*
 * Lists built of pieces that steer the tokenizer: every special, white
 * space, quoted strings and comments with and without quoted pairs,
 * unterminated ones, encoded words and 8-bit bytes; some long enough
 * for the heap's token array.
 */
static void
test_random_lists(void)
{
	static const char *const piece[] = { "a", "bob", "x.y", " ", "\t",
	    "\r\n ", "\n", "<", ">", "@", ",", ";", ":", "\"", "(", ")", "[",
	    "]", "\\", ".", "\"J \\\"Q\\\" D\"", "\"plain\"", "(c \\) d)",
	    "(Name)", "(a (b) c)", "\"a\\\\b\"", "\"\\", "(\\", "u@example.org",
	    "<u@ex.org>", "Doe, John <jd@x.example>", "g: a@b, c@d;",
	    "undisclosed-recipients:;", "<@a,@b:u@c>", "[1.2.3.4]",
	    "=?utf-8?q?J=C3=B6rg?=", "\xc3\xa9", "\xe9", "at", "EXAMPLE.COM",
	    "a . b", "@ c" };
	char v[4096];
	const char *why, *pc;
	size_t i, k, n, np, bad = 0;
	uint64_t x = 2718;

	for (i = 0; i < 40000; i++) {
		np = xorshift64(&x) % (i % 50 == 0 ? 400 : 30);
		for (k = n = 0; k < np; k++) {
			pc = piece[xorshift64(&x) % (sizeof(piece) /
			    sizeof(piece[0]))];
			memcpy(v + n, pc, strlen(pc));
			n += strlen(pc);
		}
		if ((why = differ(a, v, n, i % 7 == 0 ? 3 : 500)) != NULL &&
		    bad++ == 0)
			printf("# \"%.*s\": %s differs\n", (int)n, v, why);
	}
	is_int(bad, 0, "40000 generated lists parse as the reference does");
}

static const char *
differ_limited(struct arena *ar, const char *v, size_t n)
{
	return differ(ar, v, n, 500);
}

/* Every address field of the corpus through both parsers. */
static void
test_env_corpus(void)
{
	static const char *const names[] = { "from", "to", "cc", "bcc",
	    "sender", "reply-to", "return-path", "resent-from", "resent-to",
	    "delivered-to", "disposition-notification-to" };

	corpus_fields_check("MT_ADDRESS_CORPUS", names,
	    sizeof(names) / sizeof(names[0]), differ_limited, "address");
}

static int
parse(const char *v, struct address_list *l)
{
	return message_parse_addresses(a, v, strlen(v), 500, l);
}

/*
 * Values around the sizes where scratch space moves from the stack to
 * the heap (128 tokens, 256 bytes of joined text): a list of k
 * addresses, and one address with long display name, local part and
 * domain.
 */
static void
test_scratch_sizes(void)
{
	static const size_t lens[] = { 1, 100, 126, 127, 128, 129, 130, 250,
	    253, 254, 255, 256, 257, 300, 1000, 5000 };
	char v[20000], want[12100], name[6000];
	struct address_list l;
	size_t i, k, n, len, bad;
	int rc;

	/* "aN@d.example," repeated: tokens grow 4 per address. */
	for (k = 28; k <= 36; k++) {
		for (i = n = 0; i < k; i++)
			n += (size_t)snprintf(v + n, sizeof(v) - n,
			    "a%zu@d.example,", i);
		rc = message_parse_addresses(a, v, n, 500, &l);
		bad = rc != 0 || l.n != k;
		for (i = 0; !bad && i < k; i++) {
			(void)snprintf(want, sizeof(want), "a%zu@d.example", i);
			bad = strcmp(l.v[i].addr, want) != 0;
		}
		ok(!bad, "%zu addresses in %zu bytes", k, n);
	}
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		len = lens[i];
		memset(name, 'N', len);
		name[len] = '\0';
		n = (size_t)snprintf(v, sizeof(v), "\"%s\" <%s@%s.Example>",
		    name, name, name);
		rc = message_parse_addresses(a, v, n, 500, &l);
		(void)snprintf(want, sizeof(want), "%s@", name);
		for (k = 0; k < len; k++)
			want[len + 1 + k] = 'n';
		memcpy(want + 2 * len + 1, ".example", 9);
		ok(rc == 0 && l.n == 1 && strcmp(l.v[0].display, name) == 0 &&
		    strcmp(l.v[0].local, name) == 0 &&
		    strcmp(l.v[0].addr, want) == 0 &&
		    strncmp(l.v[0].domain, want + len + 1, len + 8) == 0,
		    "display, local part and domain of %zu bytes", len);
		/* The same name as a phrase of words and a comment. */
		n = (size_t)snprintf(v, sizeof(v), "x@y.example (%s x)", name);
		rc = message_parse_addresses(a, v, n, 500, &l);
		(void)snprintf(want, sizeof(want), "%s x", name);
		ok(rc == 0 && l.n == 1 && l.v[0].display != NULL &&
		    strcmp(l.v[0].display, want) == 0,
		    "comment display name of %zu bytes", len + 2);
	}
}

int
main(void)
{
	struct address_list l;
	int rc;

	a = arena_new(0);

	rc = parse("\"Doe, Jane\" <Jane.Doe@Example.COM>", &l);
	is_int(rc, 0, "quoted display name: clean");
	is_int(l.n, 1, "one address");
	is_str(l.v[0].display, "Doe, Jane", "quoted display name kept");
	is_str(l.v[0].local, "Jane.Doe", "local part as written");
	is_str(l.v[0].domain, "example.com", "domain lower-cased");
	is_str(l.v[0].addr, "Jane.Doe@example.com", "addr joined");

	parse("=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>", &l);
	is_str(l.v[0].display, "Jürgen Müller", "encoded-word display name");
	parse("\"=?ISO-8859-1?Q?Gr=FC=DFe?=\" <x@example.de>", &l);
	is_str(l.v[0].display, "Grüße", "encoded word inside quotes");

	rc = parse("a@x.org, \"B\" <b@y.org>,c@z.org", &l);
	is_int(l.n, 3, "three addresses in a list");
	is_str(l.v[2].addr, "c@z.org", "third address");

	rc = parse("Team: a@x.org, B <b@y.org>;, c@z.org", &l);
	is_int(l.n, 3, "group members plus one outside");
	is_str(l.v[0].group, "Team", "group name on first member");
	is_str(l.v[1].group, "Team", "group name on second member");
	ok(l.v[2].group == NULL, "address after the group has no group");

	rc = parse("undisclosed-recipients:;", &l);
	is_int(l.n, 0, "empty group has no addresses");
	is_int(rc, 0, "empty group is clean");

	rc = parse("<@relay.example,@hop.example:user@target.example>", &l);
	is_int(l.n, 1, "obsolete route address parsed");
	is_str(l.v[0].addr, "user@target.example", "route dropped");

	rc = parse("john.smith@example.org (John Smith)", &l);
	is_str(l.v[0].display, "John Smith", "comment becomes display name");
	is_str(l.v[0].addr, "john.smith@example.org", "addr with comment");

	rc = parse("Pete(A nice \\) chap) <pete(his account)@silly.test"
	    "(his host)>", &l);
	is_int(l.n, 1, "RFC 5322 A.5 comments everywhere");
	is_str(l.v[0].addr, "pete@silly.test", "comments removed from addr");
	is_str(l.v[0].display, "Pete", "display without the comment");

	rc = parse("John Doe <jdoe>", &l);
	is_int(rc, 1, "missing domain is reported");
	is_int(l.n, 1, "still an address");
	ok(l.v[0].domain == NULL, "domain is NULL");
	is_str(l.v[0].local, "jdoe", "local kept");

	rc = parse("Jörg <jörg@bücher.example>", &l);
	is_str(l.v[0].domain, "bücher.example", "IDN domain kept as UTF-8");
	is_str(l.v[0].display, "Jörg", "8-bit display name");

	rc = parse("hans at example.de (Hans Meier)", &l);
	is_int(l.n, 0, "pipermail 'user at host' is not an address");
	is_int(rc, 1, "and is reported as malformed");

	rc = parse("Doe, John <jd@example.com>", &l);
	is_int(l.n, 1, "unquoted comma in display name");
	is_str(l.v[0].display, "Doe, John", "display name with comma");

	rc = parse("<>", &l);
	is_int(l.n, 1, "null path is one address");
	is_str(l.v[0].addr, "", "null path is empty");

	rc = parse("John Q. Public <JQP@Example.com>", &l);
	is_str(l.v[0].display, "John Q. Public", "obs-phrase with a dot");

	rc = parse("\"unterminated <x@y.z>", &l);
	is_int(rc, 1, "unterminated quote is reported");

	rc = message_parse_addresses(a, "a@b.c, d@e.f, g@h.i", 19, 2, &l);
	is_int(l.n, 2, "max addresses honoured");
	is_int(rc, 1, "cut list is reported");

	rc = parse("Local.Part@Sub.Example.ORG", &l);
	is_str(l.v[0].addr, "Local.Part@sub.example.org",
	    "addr is the local part as written, '@', the lower-cased domain");
	rc = parse("user@", &l);
	ok(l.n == 1 && l.v[0].domain == NULL &&
	    strcmp(l.v[0].addr, "user") == 0, "empty domain: addr is local");

	test_scratch_sizes();
	test_random_lists();
	test_env_corpus();

	arena_free(a);
	return tap_done();
}
