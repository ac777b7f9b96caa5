/*
 * rfc2047.c - unfolding and encoded words in unstructured header text.
 *
 * RFC 5322 2.2.3: a folded value is unfolded by removing each line break
 * that precedes white space (bare LF is treated like CRLF).  RFC 2047:
 * "=?charset?B|Q?text?=" words are decoded (section 4) and converted to
 * UTF-8; white space between two adjacent encoded words is dropped
 * (section 6.2), and adjacent words in the same charset are joined before
 * conversion, because senders split multi-byte characters across words.
 * A "*language" suffix on the charset (RFC 2231 section 5) is ignored.
 * A word that does not decode (bad base64, bad structure) stays in the
 * output as written, and sets MSG_DEF_BAD_ENCODING.  Raw 8-bit text
 * outside encoded words is taken as UTF-8 when valid, else
 * windows-1252.
 *
 * Memory: the result is a NUL-terminated string in the arena; a heap
 * scratch buffer lives only during the call.  Output is bounded by four
 * bytes per input byte.
 */
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "mime/mimeint.h"
#include "util/arena.h"
#include "util/str.h"

#define RFC2047_CHARSET_MAX	64

struct sbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	bool	 fail;
};

/* Room for n more bytes and a NUL; false once the buffer has failed. */
static bool
sb_reserve(struct sbuf *b, size_t n)
{
	char *np;
	size_t ncap;

	if (b->fail)
		return false;
	if (b->cap - b->len < n + 1) {
		ncap = b->cap ? b->cap : 256;
		while (ncap - b->len < n + 1) {
			if (ncap > SIZE_MAX / 2) {
				b->fail = true;
				return false;
			}
			ncap *= 2;
		}
		if ((np = realloc(b->p, ncap)) == NULL) {
			b->fail = true;
			return false;
		}
		b->p = np;
		b->cap = ncap;
	}
	return true;
}

static void
sb_add(struct sbuf *b, const void *s, size_t n)
{
	if (n == 0 || !sb_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = str_lc(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Base64 digit values plus one (RFC 2045 6.8), 0 for any other byte;
 * written by the compiler.  The cast: clang checks the unchosen arms of
 * ?: against the type too.
 */
#define B64P1(c)	((unsigned char)(MIME_B64_DIGIT(c) + 1))
static const unsigned char b64_plus1[256] = { MIME_X256(B64P1) };

/*
 * The same digit values placed for each digit of a group of four
 * (shifted left 18, 12, 6 and 0 bits), MIME_B64_BAD for any other byte:
 * ORing the four lookups gives the group's three bytes, or a word with
 * MIME_B64_BAD set.  Written by the compiler.
 */
#define B64S18(c)	MIME_B64S(MIME_B64_DIGIT(c), 18)
#define B64S12(c)	MIME_B64S(MIME_B64_DIGIT(c), 12)
#define B64S6(c)	MIME_B64S(MIME_B64_DIGIT(c), 6)
#define B64S0(c)	MIME_B64S(MIME_B64_DIGIT(c), 0)
static const uint32_t b64_at[4][256] = {
	{ MIME_X256(B64S18) }, { MIME_X256(B64S12) }, { MIME_X256(B64S6) },
	{ MIME_X256(B64S0) },
};

/*
 * RFC 2047 4.1; padding may be missing, as it often is.  The output (at
 * most n bytes) is reserved once and written directly: Outlook's
 * X-Microsoft-Antispam-Message-Info alone is kilobytes of B words.  A
 * failed buffer is not written, but the text is still checked.
 */
static bool
decode_b(struct sbuf *o, const char *s, size_t n)
{
	unsigned acc = 0, bits = 0;
	bool room = n > 0 && sb_reserve(o, n), ok = true;
	unsigned char *w = room ? (unsigned char *)o->p + o->len : NULL;
	size_t i;
	uint32_t g;
	int v;

	/*
	 * Whole groups of four digits first, three bytes each; the loop
	 * below takes over at the first group holding '=' or a non-digit,
	 * and starts it with no bits pending, as it would be there.
	 */
	for (i = 0; i + 4 <= n; i += 4) {
		g = b64_at[0][(unsigned char)s[i]] |
		    b64_at[1][(unsigned char)s[i + 1]] |
		    b64_at[2][(unsigned char)s[i + 2]] |
		    b64_at[3][(unsigned char)s[i + 3]];
		if (g & MIME_B64_BAD)
			break;
		if (room) {
			w[0] = (unsigned char)(g >> 16);
			w[1] = (unsigned char)(g >> 8);
			w[2] = (unsigned char)g;
			w += 3;
		}
	}
	for (; i < n; i++) {
		if (s[i] == '=')
			break;
		if ((v = b64_plus1[(unsigned char)s[i]]) == 0) {
			ok = false;
			break;
		}
		acc = (acc << 6) | (unsigned)(v - 1);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (room)
				*w++ = (unsigned char)(acc >> bits);
		}
	}
	if (room)
		o->len = (size_t)((char *)w - o->p);
	for (; ok && i < n; i++)
		if (s[i] != '=')
			ok = false;
	return ok;
}

/* RFC 2047 4.2: "_" is a space, "=XX" a byte; at most n bytes out. */
static bool
decode_q(struct sbuf *o, const char *s, size_t n)
{
	bool room = n > 0 && sb_reserve(o, n), clean = true;
	unsigned char c, *w = room ? (unsigned char *)o->p + o->len : NULL;
	size_t i;
	int h, l;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '_')
			c = ' ';
		else if (c == '=') {
			if (i + 2 < n &&
			    (h = hexval((unsigned char)s[i + 1])) >= 0 &&
			    (l = hexval((unsigned char)s[i + 2])) >= 0) {
				c = (unsigned char)(h << 4 | l);
				i += 2;
			} else
				clean = false;
		}
		if (room)
			*w++ = c;
	}
	if (room)
		o->len = (size_t)((char *)w - o->p);
	return clean;
}

struct eword {
	const char	*cs;
	size_t		 cslen;
	char		 enc;
	const char	*text;
	size_t		 tlen;
	size_t		 end;		/* offset after "?=" */
};

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Recognises "=?cs?e?text?=" at s[i]; no white space inside. */
static bool
scan_word(const char *s, size_t n, size_t i, struct eword *w)
{
	const char *q, *end = s + n;
	size_t j, k;

	if (i + 1 >= n || s[i] != '=' || s[i + 1] != '?')
		return false;
	for (j = i + 2; j < n && s[j] != '?'; j++)
		if (is_wsp(s[j]) || j - i - 2 >= RFC2047_CHARSET_MAX)
			return false;
	if (j == i + 2 || j + 3 >= n || s[j + 2] != '?')
		return false;
	w->cs = s + i + 2;
	w->cslen = j - i - 2;
	for (k = 0; k < w->cslen; k++)
		if (w->cs[k] == '*') {
			w->cslen = k;
			break;
		}
	w->enc = (char)str_lc((unsigned char)s[j + 1]);
	if (w->enc != 'b' && w->enc != 'q')
		return false;
	w->text = s + j + 3;
	/* The text runs to the first "?=" and holds no white space. */
	for (q = w->text; (q = memchr(q, '?', (size_t)(end - q))) != NULL &&
	    q + 1 < end; q++)
		if (q[1] == '=')
			break;
	if (q == NULL || q + 1 >= end)
		return false;
	w->tlen = (size_t)(q - w->text);
	if (memchr(w->text, ' ', w->tlen) != NULL ||
	    memchr(w->text, '\t', w->tlen) != NULL)
		return false;
	w->end = (size_t)(q - s) + 2;
	return true;
}

struct dec {
	struct arena	*a;
	struct sbuf	 out;
	struct sbuf	 pend;		/* undecoded bytes of joined words */
	char		 cs[RFC2047_CHARSET_MAX + 1];
	size_t		 cslen;		/* strlen(cs) */
	uint32_t	*defects;
	bool		 oom;
};

static void
flush(struct dec *d)
{
	char *u;
	size_t ul;

	if (d->pend.len == 0)
		return;
	u = charset_to_utf8(d->a, d->cs, d->pend.p, d->pend.len, &ul,
	    d->defects);
	if (u == NULL)
		d->oom = true;
	else
		sb_add(&d->out, u, ul);
	d->pend.len = 0;
}

static void
literal(struct dec *d, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, ul;
	char *u;

	for (i = 0; i < n && p[i] < 0x80; i++)
		;
	if (i == n || charset_valid_utf8(s, n, NULL)) {
		sb_add(&d->out, s, n);
		return;
	}
	if ((u = charset_1252_to_utf8(d->a, s, n, &ul)) == NULL)
		d->oom = true;
	else
		sb_add(&d->out, u, ul);
}

/*
 * The offset of the first CR or LF in p[0..n), or n.  Line ends are
 * rare (long values fold every 70 or so bytes) and a CR is nearly
 * always the one before an LF, so two memchr() beat a loop per byte.
 */
static size_t
eol_at(const char *p, size_t n)
{
	const char *lf, *cr;

	if ((lf = memchr(p, '\n', n)) != NULL)
		n = (size_t)(lf - p);
	if ((cr = memchr(p, '\r', n)) != NULL)
		n = (size_t)(cr - p);
	return n;
}

/*
 * Bytes plain_value() must stop at: '?' (a word may start there), CR
 * and LF (line ends, dropped), and 8-bit bytes (which need the full
 * decoder).  All other bytes are copied as they are.
 */
#define STOP(c)	((c) == '?' || (c) == '\r' || (c) == '\n' || (c) >= 0x80)
static const unsigned char stop_byte[256] = { MIME_X256(STOP) };

#ifdef __SSE2__
/* Bit k set when q[k] is a stop byte, for the sixteen bytes at q. */
static inline unsigned
stop_mask(const unsigned char *q)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);

	/* movemask takes the high bits: the 8-bit bytes. */
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(x,
	    _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('?')),
	    _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\r')),
	    _mm_cmpeq_epi8(x, _mm_set1_epi8('\n'))))));
}
#endif

/*
 * The offset of the first stop byte in p[i..n), or n.  Header values
 * are mostly plain and a stop byte is rare (a line end every 70 or so
 * bytes), so sixteen bytes are tested at once where SSE2 is there
 * (every x86-64): one pass instead of a memchr() per kind of byte.
 */
static size_t
stop_at(const unsigned char *p, size_t i, size_t n)
{
#ifdef __SSE2__
	unsigned m;

	for (; n - i >= 16; i += 16)
		if ((m = stop_mask(p + i)) != 0)
			return i + (size_t)__builtin_ctz(m);
	/* The last bytes: the sixteen ending at n, those before i out. */
	if (i < n && n >= 16) {
		m = stop_mask(p + n - 16) >> (16 - (n - i));
		return m != 0 ? i + (size_t)__builtin_ctz(m) : n;
	}
#endif
	while (i < n && !stop_byte[p[i]])
		i++;
	return i;
}

/*
 * A folded plain value of n unfolded bytes: CR and LF dropped, space
 * and tab trimmed.  Trimming space and tab from the unfolded value is
 * trimming them and CR/LF from the raw one: the line ends go either
 * way.
 */
static char *
plain_folded(struct arena *a, const char *v, size_t vlen, size_t n)
{
	const unsigned char *u = (const unsigned char *)v;
	char *r;
	size_t i, j, b, e;

	/* Sized as the unfolded value before trimming, as it always was. */
	if ((r = arena_alloc_raw(a, n + 1)) == NULL)
		return NULL;
	for (b = 0; b < vlen && (is_wsp(v[b]) || v[b] == '\r' ||
	    v[b] == '\n'); b++)
		;
	for (e = vlen; e > b && (is_wsp(v[e - 1]) || v[e - 1] == '\r' ||
	    v[e - 1] == '\n'); e--)
		;
	for (i = b, n = 0; i < e; i = j + 1) {
		/* The next line end; a '?' here is an ordinary byte. */
		for (j = stop_at(u, i, e); j < e && u[j] == '?';
		    j = stop_at(u, j + 1, e))
			;
		memcpy(r + n, v + i, j - i);
		n += j - i;
	}
	r[n] = '\0';
	return r;
}

/*
 * Most values hold neither an encoded word nor an 8-bit byte: then
 * decoding is unfolding (dropping every CR and LF) and trimming, done
 * here straight into the arena with no scratch buffer.  Most of those
 * are one line, which is a trimmed copy.  One pass over the stop bytes
 * tells: an 8-bit byte, or a '?' after '=' (CR and LF between them
 * dropped), needs the full decoder; the line ends are counted.  NULL
 * with *plain false when the value needs the full decoder.  The block
 * is sized as the unfolded value and not zeroed: every byte up to the
 * NUL is written.
 */
static char *
plain_value(struct arena *a, const char *v, size_t vlen, bool *plain)
{
	const unsigned char *u = (const unsigned char *)v;
	char *r;
	size_t i, k, b, e, neol = 0;

	*plain = false;
	for (i = stop_at(u, 0, vlen); i < vlen; i = stop_at(u, i + 1, vlen)) {
		if (u[i] >= 0x80)
			return NULL;
		if (u[i] != '?') {
			neol++;
			continue;
		}
		for (k = i; k > 0 && (u[k - 1] == '\r' || u[k - 1] == '\n');
		    k--)
			;
		if (k > 0 && u[k - 1] == '=')
			return NULL;
	}
	*plain = true;
	if (neol > 0)
		return plain_folded(a, v, vlen, vlen - neol);
	if ((r = arena_alloc_raw(a, vlen + 1)) == NULL)
		return NULL;
	for (b = 0; b < vlen && is_wsp(v[b]); b++)
		;
	for (e = vlen; e > b && is_wsp(v[e - 1]); e--)
		;
	memcpy(r, v + b, e - b);
	r[e - b] = '\0';
	return r;
}

char *
rfc2047_decode(struct arena *a, const char *v, size_t vlen,
    uint32_t *defects)
{
	struct dec d;
	struct eword w;
	struct sbuf un = { 0 };
	const char *s;
	size_t i, j, n, ws = 0, wslen = 0, mark;
	bool after_word = false, has8 = false, hasword = false, decoded;
	bool plain;
	char *res = NULL, *z;

	if ((res = plain_value(a, v, vlen, &plain)) != NULL || plain)
		return res;
	memset(&d, 0, sizeof(d));
	d.a = a;
	d.defects = defects;

	/*
	 * Unfold: drop CR and LF; the white space that follows stays.  The
	 * scratch is sized once for the whole value, not doubled per line.
	 */
	sb_reserve(&un, vlen);
	for (i = 0; i < vlen; i = j) {
		j = i + eol_at(v + i, vlen - i);
		if (!has8 && str_ascii_run((const unsigned char *)v, i, j) < j)
			has8 = true;
		sb_add(&un, v + i, j - i);
		while (j < vlen && (v[j] == '\r' || v[j] == '\n'))
			j++;
	}
	s = un.p != NULL ? un.p : "";
	n = un.len;
	while (n > 0 && is_wsp(s[0])) {
		s++;
		n--;
	}
	while (n > 0 && is_wsp(s[n - 1]))
		n--;
	hasword = n > 1 && memmem(s, n, "=?", 2) != NULL;
	if (!hasword && !has8) {
		res = arena_strndup(a, s, n);
		goto done;
	}

	for (i = 0; i < n;) {
		if (is_wsp(s[i])) {
			for (j = i; j < n && is_wsp(s[j]); j++)
				;
			if (after_word) {
				/* Dropped if another word follows. */
				ws = i;
				wslen = j - i;
			} else
				sb_add(&d.out, s + i, j - i);
			i = j;
			continue;
		}
		if (scan_word(s, n, i, &w)) {
			mark = d.pend.len;
			/* Adjacent words nearly always spell it alike. */
			if (w.cslen != d.cslen || (memcmp(w.cs, d.cs,
			    w.cslen) != 0 && !str_ieqn(w.cs, w.cslen, d.cs,
			    d.cslen))) {
				flush(&d);
				mark = 0;
			}
			if (w.enc == 'q') {
				if (!decode_q(&d.pend, w.text, w.tlen))
					*defects |= MSG_DEF_BAD_ENCODING;
				decoded = true;
			} else
				decoded = decode_b(&d.pend, w.text, w.tlen);
			if (decoded) {
				memcpy(d.cs, w.cs, w.cslen);
				d.cs[w.cslen] = '\0';
				d.cslen = w.cslen;
				wslen = 0;
				after_word = true;
				i = w.end;
				continue;
			}
			/* Undecodable: keep the word as written. */
			d.pend.len = mark;
			*defects |= MSG_DEF_BAD_ENCODING;
			flush(&d);
			if (wslen > 0)
				sb_add(&d.out, s + ws, wslen);
			wslen = 0;
			after_word = false;
			sb_add(&d.out, s + i, w.end - i);
			i = w.end;
			continue;
		}
		flush(&d);
		if (wslen > 0)
			sb_add(&d.out, s + ws, wslen);
		wslen = 0;
		after_word = false;
		/* A literal run ends at white space or a possible word. */
		for (j = i + 1; j < n && !is_wsp(s[j]) &&
		    !(s[j] == '=' && j + 1 < n && s[j + 1] == '?'); j++)
			;
		literal(&d, s + i, j - i);
		i = j;
	}
	flush(&d);
	if (d.out.fail || d.pend.fail || d.oom)
		goto done;
	/* "=00" would cut the string short for every later reader. */
	for (i = 0; i < d.out.len; i++) {
		if ((z = memchr(d.out.p + i, '\0', d.out.len - i)) == NULL)
			break;
		*z = ' ';
		i = (size_t)(z - d.out.p);
	}
	res = arena_strndup(a, d.out.p != NULL ? d.out.p : "", d.out.len);
done:
	free(un.p);
	free(d.out.p);
	free(d.pend.p);
	return res;
}

char *
message_decode_header(struct arena *a, const char *value, size_t len)
{
	uint32_t defects = 0;

	return rfc2047_decode(a, value, len, &defects);
}
