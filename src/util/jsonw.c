/*
 * jsonw.c - a streaming JSON writer (RFC 8259) into a bounded buffer.
 *
 * The output is what jansson 2.14's json_dumps() writes with JSON_COMPACT
 * (and JSON_ENSURE_ASCII under JSONW_ASCII), which the front ends printed
 * before this writer existed; tests/unit/test_jsonw.c compares the two
 * over generated values.  In detail:
 *  - strings escape '"', '\\' and the controls below U+0020 (RFC 8259
 *    section 7), \b \f \n \r \t by name and the others as \u00XX, hex in
 *    upper case; DEL and '/' are written as they are;
 *  - under JSONW_ASCII every character past U+007F becomes \uXXXX, and
 *    one past U+FFFF a UTF-16 surrogate pair (section 7); U+2028 and
 *    U+2029 get nothing beyond that;
 *  - reals are C's "%.17g" (enough digits to read the same double back),
 *    with ".0" added when the text would read as an integer, and the
 *    exponent without '+' or leading zeros: "5.0", "-0.0", "1e20",
 *    "1e-5", "0.10000000000000001".
 *
 * Strings are escaped into a chunk on the stack, which is appended to the
 * buffer whenever it fills: no allocation per string, and the buffer's
 * ceiling still holds.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jsonw.h"

#define JSONW_CHUNK	512	/* bytes escaped between two appends */
#define JSONW_ROOM	12	/* the longest escape: a surrogate pair */

/* Bytes written as they are inside a string (RFC 8259 section 7). */
#define JSONW_PLAIN(c)	((c) >= 0x20 && (c) < 0x80 && (c) != '"' && \
			    (c) != '\\')

struct jsonw_chunk {
	struct jsonw	*w;
	size_t		 n;
	char		 c[JSONW_CHUNK];
};

void
jsonw_init(struct jsonw *w, struct buf *b, unsigned flags)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->flags = flags;
}

int
jsonw_finish(const struct jsonw *w)
{
	return (w->failed || w->depth != 0 || w->after_key) ? -1 : 0;
}

static void
put_raw(struct jsonw *w, const char *s, size_t n)
{
	if (buf_add(w->b, s, n) == -1)
		w->failed = true;
}

static uint64_t
level_bit(const struct jsonw *w)
{
	return (uint64_t)1 << (w->depth - 1);
}

/*
 * Before a value: the comma when the array already has a member.  A
 * value in an object must follow its key.
 */
static void
value_sep(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (w->obj & level_bit(w)) {
		w->failed = true;	/* a value without a key */
		return;
	}
	if (w->more & level_bit(w))
		put_raw(w, ",", 1);
	w->more |= level_bit(w);
}

static void
level_open(struct jsonw *w, char c, bool obj)
{
	value_sep(w);
	if (w->depth == JSONW_DEPTH_MAX) {
		w->failed = true;
		return;
	}
	put_raw(w, &c, 1);
	w->depth++;
	w->more &= ~level_bit(w);
	if (obj)
		w->obj |= level_bit(w);
	else
		w->obj &= ~level_bit(w);
}

static void
level_close(struct jsonw *w, char c, bool obj)
{
	if (w->depth == 0 || w->after_key ||
	    ((w->obj & level_bit(w)) != 0) != obj) {
		w->failed = true;
		return;
	}
	put_raw(w, &c, 1);
	w->depth--;
}

void
jsonw_object(struct jsonw *w)
{
	level_open(w, '{', true);
}

void
jsonw_object_end(struct jsonw *w)
{
	level_close(w, '}', true);
}

void
jsonw_array(struct jsonw *w)
{
	level_open(w, '[', false);
}

void
jsonw_array_end(struct jsonw *w)
{
	level_close(w, ']', false);
}

size_t
jsonw_utf8_char(const char *s, size_t avail, uint32_t *cpp)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp, min;
	size_t n, i;

	if (avail == 0)
		return 0;
	if (p[0] < 0x80) {
		*cpp = p[0];
		return 1;
	}
	/* 0x80-0xc1 continue a sequence or could only start overlong ones. */
	if (p[0] < 0xc2)
		return 0;
	if (p[0] < 0xe0) {
		n = 2;
		cp = p[0] & 0x1f;
		min = 0x80;
	} else if (p[0] < 0xf0) {
		n = 3;
		cp = p[0] & 0x0f;
		min = 0x800;
	} else if (p[0] < 0xf5) {
		n = 4;
		cp = p[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cpp = cp;
	return n;
}

bool
jsonw_utf8_valid(const char *s, size_t len)
{
	size_t i, k;
	uint32_t cp;

	for (i = 0; i < len; i += k) {
		if ((unsigned char)s[i] < 0x80) {
			k = 1;
			continue;
		}
		if ((k = jsonw_utf8_char(s + i, len - i, &cp)) == 0)
			return false;
	}
	return true;
}

static void
chunk_flush(struct jsonw_chunk *ch)
{
	put_raw(ch->w, ch->c, ch->n);
	ch->n = 0;
}

static char *
put_u(char *o, uint32_t u)
{
	static const char hex[] = "0123456789ABCDEF";

	*o++ = '\\';
	*o++ = 'u';
	*o++ = hex[(u >> 12) & 0xf];
	*o++ = hex[(u >> 8) & 0xf];
	*o++ = hex[(u >> 4) & 0xf];
	*o++ = hex[u & 0xf];
	return o;
}

/* One character cp, whose UTF-8 is src[0..k), escaped as needed. */
static void
put_char(struct jsonw_chunk *ch, uint32_t cp, const unsigned char *src,
    size_t k)
{
	char *o;

	if (ch->n > JSONW_CHUNK - JSONW_ROOM)
		chunk_flush(ch);
	o = ch->c + ch->n;
	if (JSONW_PLAIN(cp))
		*o++ = (char)cp;
	else if (cp == '"' || cp == '\\') {
		*o++ = '\\';
		*o++ = (char)cp;
	} else if (cp == '\b' || cp == '\f' || cp == '\n' || cp == '\r' ||
	    cp == '\t') {
		*o++ = '\\';
		*o++ = cp == '\b' ? 'b' : cp == '\f' ? 'f' : cp == '\n' ? 'n' :
		    cp == '\r' ? 'r' : 't';
	} else if (cp < 0x80)
		o = put_u(o, cp);
	else if (!(ch->w->flags & JSONW_ASCII)) {
		memcpy(o, src, k);
		o += k;
	} else if (cp > 0xffff) {
		/* RFC 8259 section 7: a UTF-16 surrogate pair. */
		o = put_u(o, 0xd800 | ((cp - 0x10000) >> 10));
		o = put_u(o, 0xdc00 | (cp & 0x3ff));
	} else
		o = put_u(o, cp);
	ch->n = (size_t)(o - ch->c);
}

/* The string in quotes; -1 at the first byte that is not UTF-8. */
static int
put_string(struct jsonw *w, const unsigned char *p, size_t len)
{
	struct jsonw_chunk ch;
	size_t i = 0, k;
	uint32_t cp;

	ch.w = w;
	ch.n = 0;
	ch.c[ch.n++] = '"';
	while (i < len) {
		/* Most of a string is plain ASCII: copy it in one loop. */
		while (i < len && ch.n < JSONW_CHUNK && JSONW_PLAIN(p[i]))
			ch.c[ch.n++] = (char)p[i++];
		if (ch.n == JSONW_CHUNK) {
			chunk_flush(&ch);
			continue;
		}
		if (i == len)
			break;
		if (p[i] < 0x80) {
			cp = p[i];
			k = 1;
		} else if ((k = jsonw_utf8_char((const char *)p + i, len - i,
		    &cp)) == 0)
			return -1;
		put_char(&ch, cp, p + i, k);
		i += k;
	}
	if (ch.n == JSONW_CHUNK)
		chunk_flush(&ch);
	ch.c[ch.n++] = '"';
	chunk_flush(&ch);
	return 0;
}

/*
 * The string with U+FFFD for each byte that starts no well-formed
 * character, keeping only the characters that fit in max bytes of the
 * repaired UTF-8 (skipped ones leave room for shorter ones after them).
 */
static void
put_repaired(struct jsonw *w, const unsigned char *p, size_t len,
    size_t max)
{
	static const unsigned char fffd[] = { 0xef, 0xbf, 0xbd };
	struct jsonw_chunk ch;
	const unsigned char *src;
	size_t i, k, n, used = 0;
	uint32_t cp;

	ch.w = w;
	ch.n = 0;
	ch.c[ch.n++] = '"';
	for (i = 0; i < len; i += k) {
		if ((k = jsonw_utf8_char((const char *)p + i, len - i,
		    &cp)) == 0) {
			src = fffd;
			n = sizeof(fffd);
			cp = 0xfffd;
			k = 1;
		} else {
			src = p + i;
			n = k;
		}
		if (n > max - used)
			continue;
		used += n;
		put_char(&ch, cp, src, n);
	}
	if (ch.n == JSONW_CHUNK)
		chunk_flush(&ch);
	ch.c[ch.n++] = '"';
	chunk_flush(&ch);
}

void
jsonw_key(struct jsonw *w, const char *key)
{
	if (w->depth == 0 || !(w->obj & level_bit(w)) || w->after_key) {
		w->failed = true;
		return;
	}
	if (w->more & level_bit(w))
		put_raw(w, ",", 1);
	w->more |= level_bit(w);
	if (put_string(w, (const unsigned char *)key, strlen(key)) == -1)
		w->failed = true;
	put_raw(w, ":", 1);
	w->after_key = true;
}

int
jsonw_stringn(struct jsonw *w, const char *s, size_t len)
{
	struct jsonw save = *w;
	size_t mark = w->b->len;

	value_sep(w);
	if (put_string(w, (const unsigned char *)s, len) == 0)
		return 0;
	/* As json_stringn() refusing it: nothing was written. */
	*w = save;
	w->b->len = mark;
	if (w->b->data != NULL)
		w->b->data[mark] = '\0';
	return -1;
}

int
jsonw_string(struct jsonw *w, const char *s)
{
	if (s == NULL) {
		jsonw_null(w);
		return 0;
	}
	return jsonw_stringn(w, s, strlen(s));
}

void
jsonw_text(struct jsonw *w, const char *s, size_t len, size_t max)
{
	if (jsonw_stringn(w, s, len) == 0)
		return;
	value_sep(w);
	put_repaired(w, (const unsigned char *)s, len, max);
}

void
jsonw_int(struct jsonw *w, long long v)
{
	char t[24], *o = t + sizeof(t);
	unsigned long long u;

	u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do
		*--o = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--o = '-';
	value_sep(w);
	put_raw(w, o, (size_t)(t + sizeof(t) - o));
}

/*
 * "%.17g" and jansson's touches to it.  The process never sets a
 * locale, so the decimal point is '.'; a ',' from a locale that has one
 * would still be turned back, as jansson does.
 */
int
jsonw_real(struct jsonw *w, double d)
{
	char t[48], *e, *q;
	int n;

	if (!isfinite(d))
		return -1;
	n = snprintf(t, sizeof(t) - 2, "%.17g", d);
	if (n < 0 || (size_t)n >= sizeof(t) - 2) {
		w->failed = true;
		return 0;
	}
	if ((q = strchr(t, ',')) != NULL)
		*q = '.';
	if ((e = strchr(t, 'e')) != NULL) {
		/* "1e+20" -> "1e20", "1e-05" -> "1e-5" */
		q = ++e;
		if (*e == '-')
			q = ++e;
		else if (*e == '+')
			e++;
		while (*e == '0' && e[1] != '\0')
			e++;
		memmove(q, e, strlen(e) + 1);
		n = (int)strlen(t);
	} else if (strchr(t, '.') == NULL) {
		t[n++] = '.';
		t[n++] = '0';
		t[n] = '\0';
	}
	value_sep(w);
	put_raw(w, t, (size_t)n);
	return 0;
}

void
jsonw_bool(struct jsonw *w, bool v)
{
	value_sep(w);
	if (v)
		put_raw(w, "true", 4);
	else
		put_raw(w, "false", 5);
}

void
jsonw_null(struct jsonw *w)
{
	value_sep(w);
	put_raw(w, "null", 4);
}
