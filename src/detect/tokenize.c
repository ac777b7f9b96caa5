/*
 * tokenize.c - a message as a set of tokens for the Bayes classifier.
 *
 * Words: runs of letters and digits in UTF-8.  Letters of Latin-1,
 * Latin Extended-A, Greek and Cyrillic are lower-cased here (ASCII case
 * folding alone would keep "ÄRGER" and "ärger" apart); other scripts are
 * kept as written.  Characters senders slip into words to break filters
 * (soft hyphen, zero-width space and joiners, word joiner, BOM) are
 * dropped without ending the word, and their use becomes a token of its
 * own.  A word of more than TOKENIZE_WORD_MAX characters (base64 debris,
 * long URLs) becomes "skip:" + its first letter + its length in tens,
 * and long numbers become "num:" + their digit count: what matters about
 * them is that they are there, not their exact value.
 *
 * Hosts of links come from the href (RFC 3986 3.2.2: after "//", past
 * any userinfo, up to port, path, query or fragment); both the full
 * host and its last two labels are tokens, so new subdomains of a known
 * spam domain still count.  IP-literal hosts become "url:ip".
 *
 * Memory: tokens and the index live in the caller's arena.  Limits: see
 * tokenize.h.  Pure: no I/O, no globals.
 */
#include <stdio.h>
#include <string.h>

#include "tokenize.h"
#include "mime/message.h"
#include "util/arena.h"
#include "util/str.h"

/* Room for one word before it is given up as a "skip:" token. */
#define WORD_BYTES	(TOKENIZE_WORD_MAX * 4)

int
tokenize_init(struct tokenize_set *t, struct arena *a, size_t max)
{
	memset(t, 0, sizeof(*t));
	if (max > TOKENIZE_MAX_TOKENS)
		max = TOKENIZE_MAX_TOKENS;
	t->arena = a;
	t->max = max;
	for (t->nslot = 16; t->nslot <= 2 * max; t->nslot *= 2)
		;
	t->v = arena_calloc(a, max + 1, sizeof(*t->v));
	t->slot = arena_calloc(a, t->nslot, sizeof(*t->slot));
	return t->v != NULL && t->slot != NULL ? 0 : -1;
}

/* FNV-1a over the prefix and the bytes: fast, good enough for an index. */
static uint32_t
hash2(const char *a, size_t alen, const char *b, size_t blen)
{
	return str_fnv1a(str_fnv1a(STR_FNV_INIT, a, alen), b, blen);
}

int
tokenize_add(struct tokenize_set *t, const char *prefix, const char *s,
    size_t len)
{
	size_t plen = strlen(prefix), i;
	const char *have;
	char *tok;

	if (len == 0 || plen + len > TOKENIZE_TOKEN_MAX ||
	    memchr(s, '\0', len) != NULL)
		return 0;
	i = hash2(prefix, plen, s, len) & (t->nslot - 1);
	while (t->slot[i] != 0) {
		have = t->v[t->slot[i] - 1];
		/* Length first: memcmp must not read past a shorter token. */
		if (strnlen(have, plen + len + 1) == plen + len &&
		    memcmp(have, prefix, plen) == 0 &&
		    memcmp(have + plen, s, len) == 0)
			return 0;
		i = (i + 1) & (t->nslot - 1);
	}
	if (t->n >= t->max) {
		t->truncated = true;
		return 0;
	}
	if ((tok = arena_alloc(t->arena, plen + len + 1)) == NULL)
		return -1;
	memcpy(tok, prefix, plen);
	memcpy(tok + plen, s, len);
	t->v[t->n++] = tok;
	t->slot[i] = (uint32_t)t->n;
	return 0;
}

/*
 * Decodes one UTF-8 sequence at p (p < end).  Returns its length and the
 * code point in *cp; an invalid or overlong sequence gives length 1 and
 * *cp = -1, so a cursor always moves on.
 */
static size_t
utf8_next(const unsigned char *p, const unsigned char *end, long *cp)
{
	size_t n, k;
	long c;

	if (*p < 0x80) {
		*cp = *p;
		return 1;
	}
	if (*p >= 0xc2 && *p <= 0xdf) {
		n = 2;
		c = *p & 0x1f;
	} else if ((*p & 0xf0) == 0xe0) {
		n = 3;
		c = *p & 0x0f;
	} else if (*p >= 0xf0 && *p <= 0xf4) {
		n = 4;
		c = *p & 0x07;
	} else {
		*cp = -1;
		return 1;
	}
	if ((size_t)(end - p) < n) {
		*cp = -1;
		return 1;
	}
	for (k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80) {
			*cp = -1;
			return 1;
		}
		c = (c << 6) | (p[k] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff))) {
		*cp = -1;
		return 1;
	}
	*cp = c;
	return n;
}

/* Characters used to split words invisibly: dropped, not separators. */
static bool
is_invisible(long c)
{
	return c == 0xad || (c >= 0x200b && c <= 0x200d) || c == 0x2060 ||
	    c == 0xfeff || c == 0x034f;
}

/* Letters and digits; punctuation, symbols and emoji end a word. */
static bool
is_word(long c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');
	if (c < 0xc0)			/* Latin-1 controls, punctuation */
		return c == 0xaa || c == 0xb5 || c == 0xba;
	if (c == 0xd7 || c == 0xf7)	/* multiplication, division */
		return false;
	if (c < 0x2000)
		return true;
	if (c < 0x2c00)			/* punctuation, arrows, math, ... */
		return false;
	if (c >= 0x3000 && c <= 0x303f)	/* CJK punctuation */
		return false;
	if (c >= 0xe000 && c <= 0xf8ff)	/* private use */
		return false;
	if (c >= 0xfe00 && c <= 0xfe6f)	/* variation selectors, forms */
		return false;
	if (c >= 0xff00 && c <= 0xffef)	/* full-width: letters, digits */
		return (c >= 0xff10 && c <= 0xff19) ||
		    (c >= 0xff21 && c <= 0xff3a) ||
		    (c >= 0xff41 && c <= 0xff5a);
	if (c >= 0xfff0 && c <= 0xffff)
		return false;
	if (c >= 0x1f000 && c <= 0x1faff)	/* emoji, pictographs */
		return false;
	return true;
}

/* Lower case for the scripts mail to this project is written in. */
static long
fold(long c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0xc0)
		return c;
	if (c <= 0xde && c != 0xd7)		/* Latin-1: À..Þ */
		return c + 32;
	if (c >= 0x100 && c <= 0x17f) {		/* Latin Extended-A */
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return (c & 1) ? c + 1 : c;
		if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 ||
		    c == 0x17f)
			return c;
		if (c == 0x178)
			return 0xff;
		return (c & 1) ? c : c + 1;
	}
	if (c >= 0x391 && c <= 0x3ab && c != 0x3a2)	/* Greek */
		return c + 32;
	if (c >= 0x410 && c <= 0x42f)		/* Cyrillic А..Я */
		return c + 32;
	if (c >= 0x400 && c <= 0x40f)		/* Cyrillic Ѐ..Џ */
		return c + 80;
	if (c == 0x1e9e)			/* capital sharp s */
		return 0xdf;
	return c;
}

struct word {
	char	 buf[WORD_BYTES + 4];
	size_t	 len;		/* bytes in buf */
	size_t	 chars;		/* characters, also past buf */
	size_t	 first_len;	/* bytes of the first character */
	bool	 digits_only;
	bool	 invisible;	/* an invisible character was dropped */
};

static int
flush(struct tokenize_set *t, const char *prefix, struct word *w)
{
	char tmp[TOKENIZE_TOKEN_MAX + 1];
	int r = 0, n;

	if (w->invisible && w->chars > 0)
		r = tokenize_add(t, "meta:", "invisible-chars", 15);
	if (r == 0 && w->chars >= TOKENIZE_WORD_MIN) {
		/* Too long in characters, or in bytes for a token. */
		if (w->chars > TOKENIZE_WORD_MAX ||
		    strlen(prefix) + w->len > TOKENIZE_TOKEN_MAX) {
			n = snprintf(tmp, sizeof(tmp), "%.*s:%zu",
			    (int)w->first_len, w->buf,
			    w->chars >= 100 ? 100 : w->chars / 10 * 10);
			r = tokenize_add(t, "skip:", tmp, (size_t)n);
		} else if (w->digits_only && w->chars > 4) {
			n = snprintf(tmp, sizeof(tmp), "%zu", w->chars);
			r = tokenize_add(t, "num:", tmp, (size_t)n);
		} else
			r = tokenize_add(t, prefix, w->buf, w->len);
	}
	w->len = w->chars = w->first_len = 0;
	w->digits_only = true;
	w->invisible = false;
	return r;
}

int
tokenize_text(struct tokenize_set *t, const char *prefix, const char *text,
    size_t len)
{
	const unsigned char *p = (const unsigned char *)text, *end;
	struct word w;
	size_t n;
	long c;

	if (text == NULL)
		return 0;
	if (len > TOKENIZE_MAX_TEXT) {
		len = TOKENIZE_MAX_TEXT;
		t->truncated = true;
	}
	end = p + len;
	memset(&w, 0, sizeof(w));
	w.digits_only = true;
	for (; p < end; p += n) {
		n = utf8_next(p, end, &c);
		if (c >= 0 && is_invisible(c)) {
			w.invisible = w.invisible || w.chars > 0;
			continue;
		}
		if (c < 0 || !is_word(c)) {
			if (w.chars > 0 && flush(t, prefix, &w) == -1)
				return -1;
			w.invisible = false;
			continue;
		}
		c = fold(c);
		if (w.len + 4 <= WORD_BYTES) {
			size_t k = str_utf8_put((unsigned char *)w.buf +
			    w.len, (uint32_t)c);

			if (w.chars == 0)
				w.first_len = k;
			w.len += k;
		}
		w.chars++;
		if (c < '0' || c > '9')
			w.digits_only = false;
	}
	if (w.chars > 0 && flush(t, prefix, &w) == -1)
		return -1;
	return 0;
}

/* Adds prefix + lower-cased s[0..len) (ASCII folding: names, types). */
static int
add_lower(struct tokenize_set *t, const char *prefix, const char *s,
    size_t len)
{
	char tmp[TOKENIZE_TOKEN_MAX];
	size_t i;

	if (s == NULL || len == 0 || len > sizeof(tmp))
		return 0;
	for (i = 0; i < len; i++)
		tmp[i] = (char)str_lc((unsigned char)s[i]);
	return tokenize_add(t, prefix, tmp, len);
}

static int
add_lower_str(struct tokenize_set *t, const char *prefix, const char *s)
{
	return s != NULL ? add_lower(t, prefix, s, strnlen(s,
	    TOKENIZE_TOKEN_MAX + 1)) : 0;
}

/*
 * A domain: the whole name when it fits, and its last two labels (the
 * part a spammer pays for; no public suffix list needed for a feature).
 */
static int
add_domain(struct tokenize_set *t, const char *prefix, const char *d,
    size_t len)
{
	size_t i, dots = 0;

	while (len > 0 && d[len - 1] == '.')
		len--;
	if (len == 0)
		return 0;
	if (len <= TOKENIZE_TOKEN_MAX - strlen(prefix) &&
	    add_lower(t, prefix, d, len) == -1)
		return -1;
	for (i = len; i > 0; i--)
		if (d[i - 1] == '.' && ++dots == 2)
			return add_lower(t, prefix, d + i, len - i);
	return 0;
}

static bool
is_ip_literal(const char *h, size_t len)
{
	size_t i;

	if (len > 0 && h[0] == '[')
		return true;
	for (i = 0; i < len; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || h[i] == '.'))
			return false;
	return len > 0;
}

/* The host of an absolute URL (RFC 3986 3.2), as a cursor over href. */
static int
add_link(struct tokenize_set *t, const struct link *l)
{
	const char *h = l->href, *p, *end, *host;
	bool userinfo = false;
	size_t len, i;

	if ((l->flags & LINK_BUTTON) &&
	    tokenize_add(t, "link:", "button", 6) == -1)
		return -1;
	if ((l->flags & LINK_IMAGE) &&
	    tokenize_add(t, "link:", "image", 5) == -1)
		return -1;
	if ((l->flags & LINK_FORM) &&
	    tokenize_add(t, "link:", "form", 4) == -1)
		return -1;
	if (h == NULL)
		return 0;
	len = strnlen(h, 4096);
	end = h + len;
	for (p = h; p < end && *p != ':' && *p != '/' && *p != '?' &&
	    *p != '#'; p++)
		;
	if (p == end || *p != ':' || p == h)
		return tokenize_add(t, "url:", "relative", 8);
	if (!str_ieqn(h, (size_t)(p - h), "http", 4) &&
	    !str_ieqn(h, (size_t)(p - h), "https", 5))
		return add_lower(t, "url:scheme:", h, (size_t)(p - h));
	p++;
	if (end - p < 2 || p[0] != '/' || p[1] != '/')
		return 0;
	host = p += 2;
	for (; p < end && *p != '/' && *p != '?' && *p != '#'; p++)
		if (*p == '@') {	/* userinfo ends here */
			host = p + 1;
			userinfo = true;
		}
	len = (size_t)(p - host);
	if (len > 0 && host[0] != '[')
		for (i = 0; i < len; i++)
			if (host[i] == ':') {	/* port */
				len = i;
				break;
			}
	/* "https://www.bank.de@evil.example/" hides the real host. */
	if (userinfo && tokenize_add(t, "url:", "userinfo", 8) == -1)
		return -1;
	if (is_ip_literal(host, len))
		return tokenize_add(t, "url:", "ip", 2);
	return add_domain(t, "url:", host, len);
}

/* First word of a header value: "Microsoft Outlook 16.0" -> microsoft. */
static int
add_first_word(struct tokenize_set *t, const char *prefix,
    const struct header *h)
{
	const char *s;
	size_t len, i;

	if (h == NULL)
		return tokenize_add(t, prefix, "none", 4);
	s = h->value;
	len = h->value_len;
	str_trim(&s, &len);
	for (i = 0; i < len && i < TOKENIZE_MAX_NAME; i++)
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '/' || s[i] == '(' ||
		    s[i] == ';' || s[i] == '\r' || s[i] == '\n')
			break;
	return add_lower(t, prefix, s, i);
}

/* The extension of a file name, lower-cased: "Rechnung.PDF" -> pdf. */
static int
add_extension(struct tokenize_set *t, const char *name)
{
	const char *dot;
	size_t len;

	if (name == NULL)
		return 0;
	len = strnlen(name, 1024);
	if ((dot = memrchr(name, '.', len)) == NULL)
		return tokenize_add(t, "att:", "noext", 5);
	len -= (size_t)(dot + 1 - name);
	if (len == 0 || len > 8)
		return tokenize_add(t, "att:", "oddext", 6);
	return add_lower(t, "att:", dot + 1, len);
}

static int
add_headers(struct tokenize_set *t, const struct message *m)
{
	const struct address *from = m->from.n > 0 ? &m->from.v[0] : NULL;
	const struct address *rt = m->reply_to.n > 0 ? &m->reply_to.v[0] :
	    NULL;
	const struct header *h;
	const char *at;

	if (from != NULL && from->domain != NULL) {
		if (add_domain(t, "from:", from->domain,
		    strlen(from->domain)) == -1)
			return -1;
	} else if (tokenize_add(t, "from:", "none", 4) == -1)
		return -1;
	if (from != NULL && from->display != NULL &&
	    tokenize_text(t, "name:", from->display,
	    strnlen(from->display, 1024)) == -1)
		return -1;
	if (rt != NULL && rt->domain != NULL) {
		if (add_domain(t, "rt:", rt->domain, strlen(rt->domain)) == -1)
			return -1;
		if ((from == NULL || from->domain == NULL ||
		    strcmp(from->domain, rt->domain) != 0) &&
		    tokenize_add(t, "meta:", "reply-to-elsewhere", 18) == -1)
			return -1;
	}
	if (m->subject != NULL && tokenize_text(t, "subj:", m->subject,
	    strnlen(m->subject, TOKENIZE_MAX_TEXT)) == -1)
		return -1;
	if ((h = message_header(m, "X-Mailer", 0)) == NULL)
		h = message_header(m, "User-Agent", 0);
	if (add_first_word(t, "mailer:", h) == -1)
		return -1;
	if (m->message_id != NULL && (at = strrchr(m->message_id, '@')) !=
	    NULL && add_domain(t, "mid:", at + 1, strlen(at + 1)) == -1)
		return -1;
	return 0;
}

static int
add_parts(struct tokenize_set *t, const struct message *m)
{
	const struct part *p;
	bool html = false, plain = false;
	size_t i;

	for (i = 0; i < m->n_parts && i < TOKENIZE_MAX_PARTS; i++) {
		p = &m->parts[i];
		if (p->content_type != NULL) {
			if (add_lower_str(t, "ct:", p->content_type) == -1)
				return -1;
			if (strcmp(p->content_type, "text/html") == 0)
				html = true;
			if (strcmp(p->content_type, "text/plain") == 0)
				plain = true;
		}
		if (add_lower_str(t, "cs:", p->charset) == -1 ||
		    add_lower_str(t, "cte:", p->transfer_encoding) == -1)
			return -1;
		if (p->is_attachment) {
			if (add_extension(t, p->filename) == -1 ||
			    add_lower_str(t, "sniff:", p->sniffed) == -1)
				return -1;
		}
	}
	if (html && !plain && tokenize_add(t, "meta:", "html-only", 9) == -1)
		return -1;
	return 0;
}

int
tokenize_message(struct tokenize_set *t, const struct message *m)
{
	static const char *const link_bucket[] = {
		"links:0", "links:1", "links:2-5", "links:6-20", "links:many",
	};
	size_t i, b;

	if (add_headers(t, m) == -1 || add_parts(t, m) == -1)
		return -1;
	b = m->n_links == 0 ? 0 : m->n_links == 1 ? 1 : m->n_links <= 5 ?
	    2 : m->n_links <= 20 ? 3 : 4;
	if (tokenize_add(t, "meta:", link_bucket[b],
	    strlen(link_bucket[b])) == -1)
		return -1;
	for (i = 0; i < m->n_links && i < TOKENIZE_MAX_LINKS; i++)
		if (add_link(t, &m->links[i]) == -1)
			return -1;
	if (m->n_links > TOKENIZE_MAX_LINKS)
		t->truncated = true;
	return tokenize_text(t, "", m->text, m->text_len);
}
