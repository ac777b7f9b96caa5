/*
 * mimeparse.c - the MIME part structure of ordinary messages, without
 * GMime: a fast path for mimetree.c.
 *
 * mimeparse_run() finds the part tree of a whole message (RFC 2045 header
 * fields Content-Type, Content-Disposition and Content-Transfer-Encoding
 * with their parameters; RFC 2046 5.1.1 multipart bodies split at their
 * boundaries; RFC 2046 5.2.1 message/rfc822 parts read recursively) into
 * a flat, pre-order array of nodes that mimetree.c turns into the model.
 *
 * The model must not depend on which parser ran, so this file only
 * accepts what it can find exactly as GMime 3.2 would: part contents
 * end where GMime ends them (including GMime's rule that the last line
 * break before a boundary line is one byte, or two when the boundary line
 * itself ends in CR), defaults are GMime's (text/plain, message/rfc822
 * inside multipart/digest), parameters are read as GMime's "loose" mode
 * reads them.  Everything else is DECLINED - mimeparse_run() returns 1
 * and mimetree.c lets GMime do it - before anything reaches the model:
 *
 *   - NUL bytes, an empty input, header blocks without their empty line,
 *     lines that are neither a field nor a continuation;
 *   - duplicate Content-Type, Content-Disposition or
 *     Content-Transfer-Encoding fields in one header block;
 *   - in those fields: non-ASCII or control bytes, a CR without LF,
 *     comments, encoded words ("=?"), RFC 2231 parameters (name*=,
 *     name*0=), a duplicated parameter, an unparsable type, anything
 *     after the type but parameters, and transfer encodings other than
 *     7bit, 8bit, binary, base64 and quoted-printable;
 *   - a multipart without a boundary, with an empty one, or with one
 *     that is a prefix of an enclosing one (or the other way round);
 *   - anything GMime reports as malformed: a missing closing boundary, a
 *     part ended by an outer boundary, the message ending inside a part,
 *     a part header block interrupted by a boundary;
 *   - "--boundary" anywhere but at the start of a line, and lines longer
 *     than 128 bytes (GMime's smallest look-ahead) that start with it:
 *     GMime reads input in 4 KB blocks and may look at a piece of a
 *     long line as if it were a line; without either, where its blocks
 *     fall cannot matter;
 *   - base64 or quoted-printable message/rfc822 parts, an empty message
 *     or one whose first line looks like a boundary;
 *   - more parts or deeper nesting than the limits (walk() would note a
 *     defect).
 *
 * Memory: the nodes and their strings live in malloc'd scratch owned by
 * struct mimeparse, not in the arena, so declining leaves the arena as
 * it was; mimeparse_free() releases them.
 */
#include <stdlib.h>
#include <string.h>

#include "mime/mimeint.h"
#include "util/str.h"

#define MP_LINE_MAX	128	/* longest boundary line we take */
#define MP_DEPTH_MAX	400	/* far below GMime's own ceiling */
#define MP_BOUNDS_MAX	32	/* multiparts open at once */

enum mp_result {		/* how the content of a part ended */
	MP_EOS,			/* end of input */
	MP_NEXT,		/* "--b": the innermost multipart goes on */
	MP_CLOSE,		/* "--b--": the innermost multipart ends */
};

struct mp_bound {
	size_t	 str;		/* "--" boundary, in the pool */
	size_t	 len;
	size_t	 occ;		/* first occurrence at or after 'from' that */
	size_t	 from;		/* may be a boundary line (SIZE_MAX: none) */
	bool	 valid;		/* occ was searched for */
};

/* A boundary line found by mp_next_boundary(). */
struct mp_line {
	size_t	 at;		/* its first byte */
	size_t	 eol;		/* its LF, or len when it ends the input */
	size_t	 next;		/* the byte after its LF (len at EOF) */
};

#define mp_field	mimeparse_field

struct mp_headers {
	struct mp_field	 ct, cd, cte;
};

struct mp {
	struct mimeparse	*mp;
	const char		*d;
	size_t			 len;
	size_t			 max_nodes;
	size_t			 max_depth;
	struct mp_bound		 b[MP_BOUNDS_MAX];
	size_t			 nb;
};

/* The result meaning "decline": the message goes to GMime. */
#define MP_DECLINE	1

/* Room for n more bytes in the pool (which may move). */
static int
pool_reserve(struct mimeparse *mp, size_t n)
{
	size_t ncap;
	char *np;

	if (mp->pool_len + n > mp->pool_cap) {
		ncap = mp->pool_cap ? mp->pool_cap : 1024;
		while (ncap < mp->pool_len + n)
			ncap *= 2;
		if ((np = realloc(mp->pool, ncap)) == NULL)
			return MP_DECLINE;
		mp->pool = np;
		mp->pool_cap = ncap;
	}
	return 0;
}

/* Copies s[0..n) and a NUL into the pool; s must not be in the pool. */
static int
pool_add(struct mimeparse *mp, const char *s, size_t n, size_t *off)
{
	if (pool_reserve(mp, n + 1) != 0)
		return MP_DECLINE;
	if (n > 0)
		memcpy(mp->pool + mp->pool_len, s, n);
	mp->pool[mp->pool_len + n] = '\0';
	*off = mp->pool_len;
	mp->pool_len += n + 1;
	return 0;
}

const char *
mimeparse_str(const struct mimeparse *mp, size_t off)
{
	return off == MIMEPARSE_NONE ? NULL : mp->pool + off;
}

void
mimeparse_free(struct mimeparse *mp)
{
	free(mp->nodes);
	free(mp->pool);
	memset(mp, 0, sizeof(*mp));
}

/* RFC 2045 5.1 "token" characters, as GMime reads them (ASCII only). */
static bool
is_ttoken(unsigned char c)
{
	return c > ' ' && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/*
 * Which of the three fields that shape the tree a field name is, NULL
 * for the others.  The length first: most names are none of the three.
 */
static struct mp_field *
mp_which(struct mp_headers *h, const char *name, size_t n)
{
	switch (n) {
	case 12:
		return str_ieqn(name, n, "Content-Type", 12) ? &h->ct : NULL;
	case 19:
		return str_ieqn(name, n, "Content-Disposition", 19) ?
		    &h->cd : NULL;
	case 25:
		return str_ieqn(name, n, "Content-Transfer-Encoding", 25) ?
		    &h->cte : NULL;
	default:
		return NULL;
	}
}

/*
 * Records the value v[0..n) of a field mp_which() named (none when cur
 * is NULL); a second of the same kind declines.
 */
static int
mp_field_set(struct mp_field *cur, const char *v, size_t n)
{
	if (cur == NULL)
		return 0;
	if (cur->seen)
		return MP_DECLINE;
	cur->seen = true;
	cur->v = v;
	cur->n = n;
	return 0;
}

/*
 * The top-level fields from message.c's split of the same header block
 * (struct header: value after the colon, raw through the line end of
 * its last continuation), as mp_headers() would record them.
 */
int
mimeparse_top_fields(struct mimeparse_top *top, const struct header *hs,
    size_t n, size_t content)
{
	struct mp_headers h;
	size_t i;

	memset(&h, 0, sizeof(h));
	top->headers = false;
	for (i = 0; i < n; i++)
		if (mp_field_set(mp_which(&h, hs[i].name, hs[i].name_len),
		    hs[i].value,
		    (size_t)(hs[i].raw + hs[i].raw_len - hs[i].value)) != 0)
			return MP_DECLINE;
	top->ct = h.ct;
	top->cd = h.cd;
	top->cte = h.cte;
	top->content = content;
	top->headers = true;
	return 0;
}

/*
 * One header block (RFC 5322 2.2, RFC 2045 3) from pos up to and
 * including its empty line.  Folded lines are continuations (2.2.3).
 * The three MIME fields that shape the tree are kept raw.
 */
static int
mp_headers(const struct mp *p, size_t pos, struct mp_headers *h,
    size_t *content)
{
	const char *d = p->d, *nl;
	struct mp_field *cur = NULL;
	bool infield = false;
	size_t eol, i, ne;

	memset(h, 0, sizeof(*h));
	for (;;) {
		if (pos >= p->len ||
		    (nl = memchr(d + pos, '\n', p->len - pos)) == NULL)
			return MP_DECLINE;	/* GMime: truncated message */
		eol = (size_t)(nl - d);
		if (d[pos] == '\n' || (d[pos] == '\r' && pos + 1 == eol)) {
			*content = eol + 1;
			return 0;
		}
		if (d[pos] == ' ' || d[pos] == '\t') {
			if (!infield)
				return MP_DECLINE;
			if (cur != NULL)
				cur->n = eol + 1 - (size_t)(cur->v - d);
			pos = eol + 1;
			continue;
		}
		/*
		 * RFC 5322 2.2 field names; GMime takes more (8-bit
		 * bytes), but those are not ordinary and declining them
		 * costs nothing.
		 */
		i = pos + mime_ftext_run(d + pos, eol - pos);
		ne = i;
		while (i < eol && (d[i] == ' ' || d[i] == '\t'))
			i++;
		if (ne == pos || i >= eol || d[i] != ':')
			return MP_DECLINE;
		cur = mp_which(h, d + pos, ne - pos);
		if (mp_field_set(cur, d + i + 1, eol - i) != 0)
			return MP_DECLINE;
		infield = true;
		pos = eol + 1;
	}
}

/*
 * A field value as GMime hands it to its parsers: unfolded (CR and LF
 * removed, outer white space trimmed) and RFC 2047-decoded, which is
 * the identity for the plain ASCII without "=?" accepted here.
 */
static int
mp_unfold(struct mimeparse *mp, const struct mp_field *f, size_t *off)
{
	const unsigned char *s = (const unsigned char *)f->v;
	size_t n = f->n, i, o;
	char *t;

	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (pool_reserve(mp, n + 1) != 0)
		return MP_DECLINE;
	t = mp->pool + mp->pool_len;
	for (i = o = 0; i < n; i++) {
		if (s[i] == '\r') {
			if (i + 1 >= n || s[i + 1] != '\n')
				return MP_DECLINE;
			continue;
		}
		if (s[i] == '\n')
			continue;
		if (s[i] >= 0x7f || (s[i] < ' ' && s[i] != '\t'))
			return MP_DECLINE;
		if (s[i] == '?' && o > 0 && t[o - 1] == '=')
			return MP_DECLINE;	/* an encoded word, RFC 2047 2 */
		t[o++] = (char)s[i];
	}
	t[o] = '\0';
	*off = mp->pool_len;
	mp->pool_len += o + 1;
	return 0;
}

/* White space between tokens; a comment (RFC 5322 3.2.2) declines. */
static int
mp_skip(const char *s, size_t *i)
{
	while (s[*i] == ' ' || s[*i] == '\t')
		(*i)++;
	return s[*i] == '(' ? MP_DECLINE : 0;
}

struct mp_params {
	size_t	 boundary, charset, name, filename;
};

/*
 * RFC 2045 5.1 parameters: attribute "=" value, a token or a quoted
 * string.  GMime's loose mode takes an unquoted value up to the next
 * ';' (trailing white space dropped), so this does too.  RFC 2231
 * parameters (a '*' after the name) decline.
 */
static int
mp_params(struct mimeparse *mp, size_t soff, size_t i, struct mp_params *pp)
{
	const char *s;
	size_t ns, ne, vs, ve, k, o, *slot;
	char *v;
	bool esc;

	for (;;) {
		s = mp->pool + soff;
		if (mp_skip(s, &i) != 0)
			return MP_DECLINE;
		if (s[i] == '\0')
			return 0;
		ns = i;
		while (is_ttoken((unsigned char)s[i]) && s[i] != '*')
			i++;
		ne = i;
		/*
		 * GMime drops a parameter it cannot read: an empty one
		 * (";;") is skipped, anything else ends the list.
		 */
		if (ne == ns) {
			if (s[i] != ';')
				return 0;
			i++;
			continue;
		}
		if (mp_skip(s, &i) != 0 || s[i] == '*')
			return MP_DECLINE;	/* RFC 2231 */
		if (s[i] != '=')
			return 0;
		i++;
		if (mp_skip(s, &i) != 0)
			return MP_DECLINE;
		esc = false;
		if (s[i] == '"') {
			vs = ++i;
			while (s[i] != '\0' && s[i] != '"') {
				if (s[i] == '\\' && s[i + 1] != '\0') {
					esc = true;
					i++;
				}
				i++;
			}
			/* GMime keeps an unclosed quote with its '"'. */
			if (s[i] == '"') {
				ve = i++;
			} else {
				ve = i;
				vs--;
			}
		} else {
			vs = i;
			while (s[i] != '\0' && s[i] != ';')
				i++;
			ve = i;
			while (ve > vs && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
				ve--;
			if (ve == vs)
				return 0;
		}
		slot = NULL;
		if (str_ieqn(s + ns, ne - ns, "boundary", 8))
			slot = &pp->boundary;
		else if (str_ieqn(s + ns, ne - ns, "charset", 7))
			slot = &pp->charset;
		else if (str_ieqn(s + ns, ne - ns, "name", 4))
			slot = &pp->name;
		else if (str_ieqn(s + ns, ne - ns, "filename", 8))
			slot = &pp->filename;
		if (slot != NULL) {
			if (*slot != MIMEPARSE_NONE)
				return MP_DECLINE;
			if (pool_reserve(mp, ve - vs + 1) != 0)
				return MP_DECLINE;
			s = mp->pool + soff;
			v = mp->pool + mp->pool_len;
			/* A quoted-pair stands for its second character. */
			for (k = vs, o = 0; k < ve; k++) {
				if (esc && s[k] == '\\')
					k++;
				if (k < ve)
					v[o++] = s[k];
			}
			v[o] = '\0';
			*slot = mp->pool_len;
			mp->pool_len += o + 1;
		}
		if (mp_skip(s, &i) != 0)
			return MP_DECLINE;
		if (s[i] != ';')
			return 0;	/* GMime ignores what follows */
		i++;
	}
}

/* RFC 2045 5.1: type "/" subtype [";" parameters]. */
static int
mp_content_type(struct mimeparse *mp, const struct mp_field *f,
    struct mimeparse_node *n, struct mp_params *pp)
{
	size_t off, i = 0, ts, te, ss, se;
	const char *s;

	if (mp_unfold(mp, f, &off) != 0)
		return MP_DECLINE;
	s = mp->pool + off;
	if (mp_skip(s, &i) != 0)
		return MP_DECLINE;
	ts = i;
	while (is_ttoken((unsigned char)s[i]))
		i++;
	te = i;
	if (te == ts || mp_skip(s, &i) != 0 || s[i] != '/')
		return MP_DECLINE;
	i++;
	if (mp_skip(s, &i) != 0)
		return MP_DECLINE;
	ss = i;
	while (is_ttoken((unsigned char)s[i]))
		i++;
	se = i;
	if (se == ss || mp_skip(s, &i) != 0)
		return MP_DECLINE;
	if (s[i] == ';') {
		if (mp_params(mp, off, i + 1, pp) != 0)
			return MP_DECLINE;
	} else if (s[i] != '\0')
		return MP_DECLINE;	/* GMime would drop what follows */
	/* Type and subtype end where they are, in the unfolded value. */
	n->type = off + ts;
	n->subtype = off + ss;
	mp->pool[off + te] = '\0';
	mp->pool[off + se] = '\0';
	return 0;
}

/* RFC 2183 2: disposition-type, then parameters as in RFC 2045. */
static int
mp_disposition(struct mimeparse *mp, const struct mp_field *f,
    struct mimeparse_node *n, struct mp_params *pp)
{
	size_t off, i, s0, e0;
	const char *s;

	if (mp_unfold(mp, f, &off) != 0)
		return MP_DECLINE;
	s = mp->pool + off;
	/* GMime: everything before the first ';', white space stripped. */
	for (i = 0; s[i] != '\0' && s[i] != ';'; i++)
		;
	for (s0 = 0; s0 < i && (s[s0] == ' ' || s[s0] == '\t'); s0++)
		;
	for (e0 = i; e0 > s0 && (s[e0 - 1] == ' ' || s[e0 - 1] == '\t'); e0--)
		;
	if (s[i] == ';' && s[i + 1] != '\0' &&
	    mp_params(mp, off, i + 1, pp) != 0)
		return MP_DECLINE;
	/* The parameters are read; the disposition may now end in place. */
	mp->pool[off + e0] = '\0';
	n->disposition = off + s0;
	return 0;
}

/*
 * RFC 2045 6.1, read as GMime reads it: a known name at the start,
 * followed by nothing or white space; anything else is "default" (the
 * content kept as it is).  uuencode declines: GMime's filters do it.
 */
static int
mp_encoding(struct mimeparse *mp, const struct mp_field *f,
    enum mimeparse_enc *enc)
{
	static const struct {
		const char		*name;
		enum mimeparse_enc	 enc;
	} encs[] = {
		{ "7bit", MP_ENC_7BIT }, { "8bit", MP_ENC_8BIT },
		{ "7-bit", MP_ENC_7BIT }, { "8-bit", MP_ENC_8BIT },
		{ "binary", MP_ENC_BINARY }, { "base64", MP_ENC_BASE64 },
		{ "quoted-printable", MP_ENC_QP },
		{ "uuencode", MP_ENC_DEFAULT }, { "x-uuencode", MP_ENC_DEFAULT },
		{ "x-uue", MP_ENC_DEFAULT },
	};
	size_t off, k, n, len;
	const char *s;

	if (mp_unfold(mp, f, &off) != 0)
		return MP_DECLINE;
	s = mp->pool + off;
	len = strlen(s);
	*enc = MP_ENC_DEFAULT;
	for (k = 0; k < sizeof(encs) / sizeof(encs[0]); k++) {
		n = strlen(encs[k].name);
		if (len >= n && str_ieqn(s, n, encs[k].name, n) &&
		    (s[n] == '\0' || s[n] == ' ' || s[n] == '\t')) {
			if (encs[k].enc == MP_ENC_DEFAULT)
				return MP_DECLINE;
			*enc = encs[k].enc;
			break;
		}
	}
	return 0;
}

/*
 * memmem() for a needle that starts with "--": memchr() jumps to each
 * '-', which is rare in the base64 most bodies are, and much faster
 * than glibc's general memmem() there.
 */
static const char *
mp_find(const char *h, size_t hn, const char *nd, size_t nn)
{
	const char *p = h, *last;

	if (hn < nn)
		return NULL;
	last = h + (hn - nn);
	while (p <= last &&
	    (p = memchr(p, '-', (size_t)(last - p) + 1)) != NULL) {
		if (p[1] == '-' && memcmp(p, nd, nn) == 0)
			return p;
		p += p[1] == '-' ? 1 : 2;
	}
	return NULL;
}

static bool
is_lwsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * The next boundary line at or after pos (RFC 2046 5.1.1), for every
 * multipart open.  Each boundary's next occurrence is searched once and
 * remembered, so a body is read about once per level.  Returns 0 with
 * *lvl == -1 at the end of input, MP_DECLINE for anything GMime could
 * read differently.
 */
static int
mp_next_boundary(struct mp *p, size_t pos, int *lvl, bool *final,
    struct mp_line *ln)
{
	const char *d = p->d, *hit, *nl;
	size_t q, i, k, bl, n, L;
	struct mp_bound *b;

	for (;;) {
		q = SIZE_MAX;
		*lvl = -1;
		for (i = 0; i < p->nb; i++) {
			b = &p->b[i];
			if (!b->valid || b->from > pos || b->occ < pos) {
				hit = mp_find(d + pos, p->len - pos,
				    p->mp->pool + b->str, b->len);
				b->occ = hit != NULL ? (size_t)(hit - d) :
				    SIZE_MAX;
				b->from = pos;
				b->valid = true;
			}
			if (b->occ < q) {
				q = b->occ;
				*lvl = (int)i;
			}
		}
		if (*lvl < 0)
			return 0;
		/* Only at a line start; see the top comment. */
		if (q != pos && d[q - 1] != '\n')
			return MP_DECLINE;
		nl = memchr(d + q, '\n', p->len - q);
		L = (nl != NULL ? (size_t)(nl - d) : p->len) - q;
		if (L > MP_LINE_MAX)
			return MP_DECLINE;
		ln->at = q;
		ln->eol = q + L;
		ln->next = nl != NULL ? q + L + 1 : p->len;
		b = &p->b[*lvl];
		bl = b->len;
		n = L;
		if (n > 0 && d[q + n - 1] == '\r')
			n--;
		/* "--b--" is looked for first, then "--b"; blanks may follow. */
		if (n >= bl + 2 && d[q + bl] == '-' && d[q + bl + 1] == '-') {
			for (k = q + bl + 2; k < q + n && is_lwsp(d[k]); k++)
				;
			if (k == q + n) {
				*final = true;
				return 0;
			}
		}
		for (k = q + bl; k < q + n && is_lwsp(d[k]); k++)
			;
		if (k == q + n) {
			*final = false;
			return 0;
		}
		/*
		 * "--b" and more ("--b-5"): content to GMime, which also
		 * reads no prefix of so short a line on its own.  Every
		 * occurrence from b->from to the new b->occ is now known
		 * to be content.
		 */
		hit = mp_find(d + q + 1, p->len - q - 1, p->mp->pool + b->str,
		    b->len);
		b->occ = hit != NULL ? (size_t)(hit - d) : SIZE_MAX;
	}
}

/*
 * Content from pos to the next boundary line, GMime's way: the line
 * break before the boundary line belongs to the boundary, and GMime
 * counts it as two bytes when the boundary line ends in CR, else one.
 * An outer multipart's boundary declines (GMime: malformed multipart).
 */
static int
mp_scan(struct mp *p, size_t pos, size_t *end, enum mp_result *res,
    struct mp_line *ln)
{
	bool final = false;
	size_t strip;
	int lvl;

	if (mp_next_boundary(p, pos, &lvl, &final, ln) != 0)
		return MP_DECLINE;
	if (lvl < 0) {
		*end = p->len;
		*res = MP_EOS;
		return 0;
	}
	if ((size_t)lvl != p->nb - 1)
		return MP_DECLINE;
	*end = ln->at;
	if (ln->at > pos) {
		strip = p->d[ln->eol - 1] == '\r' ? 2 : 1;
		if (ln->at - pos < strip)
			return MP_DECLINE;
		*end = ln->at - strip;
	}
	*res = final ? MP_CLOSE : MP_NEXT;
	return 0;
}

static int
mp_new_node(struct mp *p, int parent, unsigned depth, size_t *idx)
{
	struct mimeparse *mp = p->mp;
	struct mimeparse_node *nn;
	size_t ncap;

	if (mp->n_nodes >= p->max_nodes)
		return MP_DECLINE;
	if (mp->n_nodes == mp->cap_nodes) {
		ncap = mp->cap_nodes ? mp->cap_nodes * 2 : 16;
		if ((nn = realloc(mp->nodes, ncap * sizeof(*nn))) == NULL)
			return MP_DECLINE;
		mp->nodes = nn;
		mp->cap_nodes = ncap;
	}
	nn = &mp->nodes[mp->n_nodes];
	memset(nn, 0, sizeof(*nn));
	nn->parent = parent;
	nn->depth = depth;
	nn->type = nn->subtype = nn->charset = nn->disposition =
	    nn->filename = nn->name = MIMEPARSE_NONE;
	*idx = mp->n_nodes++;
	return 0;
}

static bool
pool_ieq(const struct mimeparse *mp, size_t off, const char *s)
{
	return off != MIMEPARSE_NONE &&
	    str_ieq(mp->pool + off, strlen(mp->pool + off), s);
}

/* "--" and the boundary, the text RFC 2046 5.1.1 looks for. */
static int
mp_dashes(struct mimeparse *mp, size_t boundary, size_t *off)
{
	size_t n = strlen(mp->pool + boundary);
	char *t;
	int rv;

	if ((t = malloc(n + 2)) == NULL)
		return MP_DECLINE;
	t[0] = t[1] = '-';
	memcpy(t + 2, mp->pool + boundary, n);
	rv = pool_add(mp, t, n + 2, off);
	free(t);
	return rv;
}

static int	mp_message(struct mp *, size_t, int, unsigned,
		    enum mp_result *, struct mp_line *);

/*
 * One part whose header block runs from hdr to content: its node, then
 * its body.  *res and *ln tell how the body ended.
 */
static int
mp_entity(struct mp *p, const struct mp_headers *h, size_t hdr,
    size_t content, int parent, unsigned depth, bool digest,
    enum mp_result *res, struct mp_line *ln)
{
	struct mimeparse *mp = p->mp;
	struct mimeparse_node *n;
	struct mp_params ctp, cdp;
	struct mp_headers ch;
	struct mp_line bl;
	size_t idx, end, pos, k, child;
	bool final, dig;
	int lvl;

	if (depth > p->max_depth || depth > MP_DEPTH_MAX)
		return MP_DECLINE;
	/* A boundary inside a header block: GMime ends the part there. */
	if (p->nb > 0) {
		if (mp_next_boundary(p, hdr, &lvl, &final, &bl) != 0)
			return MP_DECLINE;
		if (lvl >= 0 && bl.at < content)
			return MP_DECLINE;
	}
	if (mp_new_node(p, parent, depth, &idx) != 0)
		return MP_DECLINE;
	ctp.boundary = ctp.charset = ctp.name = ctp.filename = MIMEPARSE_NONE;
	cdp = ctp;
	n = &mp->nodes[idx];
	n->enc = MP_ENC_DEFAULT;
	if (h->ct.seen) {
		if (mp_content_type(mp, &h->ct, n, &ctp) != 0)
			return MP_DECLINE;
	} else if (pool_add(mp, digest ? "message" : "text",
	    digest ? 7 : 4, &n->type) != 0 ||
	    pool_add(mp, digest ? "rfc822" : "plain", digest ? 6 : 5,
	    &n->subtype) != 0)
		return MP_DECLINE;	/* RFC 2045 5.2, RFC 2046 5.1.5 */
	if (h->cd.seen && mp_disposition(mp, &h->cd, n, &cdp) != 0)
		return MP_DECLINE;
	if (h->cte.seen && mp_encoding(mp, &h->cte, &n->enc) != 0)
		return MP_DECLINE;
	n->charset = ctp.charset;
	n->name = ctp.name;
	n->filename = cdp.filename;

	if (pool_ieq(mp, n->type, "multipart")) {
		/* RFC 2046 5.1.1 */
		n->kind = MP_MULTIPART;
		dig = pool_ieq(mp, n->subtype, "digest");
		if (ctp.boundary == MIMEPARSE_NONE ||
		    mp->pool[ctp.boundary] == '\0' || p->nb >= MP_BOUNDS_MAX)
			return MP_DECLINE;
		if (mp_dashes(mp, ctp.boundary, &pos) != 0)
			return MP_DECLINE;
		p->b[p->nb].str = pos;
		p->b[p->nb].len = strlen(mp->pool + pos);
		p->b[p->nb].valid = false;
		for (k = 0; k < p->nb; k++) {
			size_t m = p->b[k].len < p->b[p->nb].len ?
			    p->b[k].len : p->b[p->nb].len;

			if (memcmp(mp->pool + p->b[k].str,
			    mp->pool + p->b[p->nb].str, m) == 0)
				return MP_DECLINE;
		}
		p->nb++;
		/* The preamble (ignored) up to the first boundary. */
		if (mp_scan(p, content, &end, res, ln) != 0 || *res == MP_EOS)
			return MP_DECLINE;
		while (*res == MP_NEXT) {
			if (ln->eol >= p->len)
				return MP_DECLINE;	/* GMime: truncated */
			pos = ln->next;
			if (mp_headers(p, pos, &ch, &child) != 0 ||
			    mp_entity(p, &ch, pos, child, (int)idx, depth + 1,
			    dig, res, ln) != 0)
				return MP_DECLINE;
		}
		if (*res != MP_CLOSE)
			return MP_DECLINE;
		p->nb--;
		/* The epilogue (ignored) runs to an outer boundary or EOF. */
		if (mp_scan(p, ln->next, &end, res, ln) != 0)
			return MP_DECLINE;
	} else if (pool_ieq(mp, n->type, "message") &&
	    (pool_ieq(mp, n->subtype, "rfc822") ||
	    pool_ieq(mp, n->subtype, "rfc2822") ||
	    pool_ieq(mp, n->subtype, "global") ||
	    pool_ieq(mp, n->subtype, "news"))) {
		/* RFC 2046 5.2.1; GMime leaves an encoded one whole. */
		n->kind = MP_MESSAGE;
		if (n->enc == MP_ENC_BASE64 || n->enc == MP_ENC_QP ||
		    content >= p->len)
			return MP_DECLINE;
		if (p->nb > 0 && p->len - content >= 2 &&
		    p->d[content] == '-' && p->d[content + 1] == '-')
			return MP_DECLINE;
		if (mp_message(p, content, (int)idx, depth + 1, res, ln) != 0)
			return MP_DECLINE;
	} else {
		n->kind = MP_LEAF;
		if (mp_scan(p, content, &end, res, ln) != 0)
			return MP_DECLINE;
		n = &mp->nodes[idx];
		n->off = content;
		n->len = end - content;
	}
	mp->nodes[idx].end = mp->n_nodes;
	/* Inside a multipart the input must not simply stop. */
	if (*res == MP_EOS && p->nb > 0)
		return MP_DECLINE;
	return 0;
}

/* A message (RFC 5322 2.1): header block, then its one entity. */
static int
mp_message(struct mp *p, size_t pos, int parent, unsigned depth,
    enum mp_result *res, struct mp_line *ln)
{
	struct mp_headers h;
	size_t content;

	if (mp_headers(p, pos, &h, &content) != 0)
		return MP_DECLINE;
	return mp_entity(p, &h, pos, content, parent, depth, false, res, ln);
}

int
mimeparse_run(struct mimeparse *mp, const char *data, size_t len,
    size_t max_nodes, size_t max_depth, const struct mimeparse_top *top)
{
	struct mp p;
	struct mp_line ln;
	struct mp_headers h;
	enum mp_result res;
	int rv;

	memset(mp, 0, sizeof(*mp));
	if (len == 0)
		return MP_DECLINE;
	if (top != NULL ? !top->nul_free : memchr(data, '\0', len) != NULL)
		return MP_DECLINE;
	/* p.b[] is set up as boundaries are pushed. */
	p.mp = mp;
	p.d = data;
	p.len = len;
	p.max_nodes = max_nodes;
	p.max_depth = max_depth;
	p.nb = 0;
	if (top != NULL && top->headers) {
		/* mp_message() with message.c's split of the header block. */
		h.ct = top->ct;
		h.cd = top->cd;
		h.cte = top->cte;
		rv = mp_entity(&p, &h, 0, top->content, -1, 0, false, &res,
		    &ln);
	} else
		rv = mp_message(&p, 0, -1, 0, &res, &ln);
	if (rv == 0 && (res != MP_EOS || p.nb != 0))
		rv = MP_DECLINE;
	return rv;
}
