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
 *    exponent without '+' or leading zeros: "5.0", "-0.0",
 *    "0.10000000000000001", "1e20" (from "1e+20"), "9.5367431640625e-7".
 *
 * The writer stages its output in a block inside struct jsonw and
 * appends the block to the buffer when it fills and in jsonw_finish():
 * a bracket or a comma costs a store, not a buf_add(), and the buffer's
 * ceiling still holds.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jsonw.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define JSONW_ROOM	12	/* the longest escape: a surrogate pair */

/* Bytes written as they are inside a string (RFC 8259 section 7). */
#define JSONW_PLAIN(c)	((c) >= 0x20 && (c) < 0x80 && (c) != '"' && \
			    (c) != '\\')

void
jsonw_init(struct jsonw *w, struct buf *b, unsigned flags)
{
	w->b = b;
	w->flags = flags;
	w->depth = 0;
	w->more = w->obj = 0;
	w->after_key = w->failed = false;
	w->n = 0;
}

static void
flush(struct jsonw *w)
{
	if (w->n > 0 && buf_add(w->b, w->stage, w->n) == -1)
		w->failed = true;
	w->n = 0;
}

int
jsonw_finish(struct jsonw *w)
{
	flush(w);
	return (w->failed || w->depth != 0 || w->after_key) ? -1 : 0;
}

static void
put(struct jsonw *w, const char *s, size_t n)
{
	if (n > sizeof(w->stage) - w->n) {
		flush(w);
		if (n > sizeof(w->stage)) {
			if (buf_add(w->b, s, n) == -1)
				w->failed = true;
			return;
		}
	}
	memcpy(w->stage + w->n, s, n);
	w->n += n;
}

static void
put1(struct jsonw *w, char c)
{
	if (w->n == sizeof(w->stage))
		flush(w);
	w->stage[w->n++] = c;
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
		put1(w, ',');
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
	put1(w, c);
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
	put1(w, c);
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
	size_t i = 0, k;
	uint64_t x;
	uint32_t cp;

	while (i < len) {
		/* ASCII eight bytes at a time: no top bit set. */
		if (len - i >= 8) {
			memcpy(&x, s + i, 8);
			if ((x & 0x8080808080808080ull) == 0) {
				i += 8;
				continue;
			}
		}
		if ((unsigned char)s[i] < 0x80)
			k = 1;
		else if ((k = jsonw_utf8_char(s + i, len - i, &cp)) == 0)
			return false;
		i += k;
	}
	return true;
}

/*
 * The end of the run of plain bytes from i: what every string written
 * goes through, so sixteen bytes at a time where SSE2 is there (x86-64
 * always has it), then eight.  One signed compare with 0x20 finds both
 * the controls and the bytes with the top bit set.  In a word, a byte
 * is flagged when it is below 0x20 or has its top bit set, or equals
 * '"' or '\\'; a subtraction borrows only out of a flagged byte, so
 * the flags below the first flagged byte are exact and the lowest one
 * is where the run ends.
 */
static size_t
plain_run(const unsigned char *p, size_t i, size_t len)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t tops = 0x8080808080808080ull;
	uint64_t x, q, s, hit;
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i bslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(0x20);
	__m128i v;
	unsigned m;

	for (; len - i >= 16; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
		    _mm_cmplt_epi8(v, space)));
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; len - i >= 8; i += 8) {
		memcpy(&x, p + i, 8);
		q = x ^ (ones * '"');
		s = x ^ (ones * '\\');
		hit = (x | ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) |
		    ((s - ones) & ~s)) & tops;
		if (hit != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return i + (size_t)__builtin_ctzll(hit) / 8;
#else
			break;
#endif
		}
	}
	while (i < len && JSONW_PLAIN(p[i]))
		i++;
	return i;
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
put_char(struct jsonw *w, uint32_t cp, const unsigned char *src, size_t k)
{
	char *o;

	if (w->n > sizeof(w->stage) - JSONW_ROOM)
		flush(w);
	o = w->stage + w->n;
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
	else if (!(w->flags & JSONW_ASCII)) {
		memcpy(o, src, k);
		o += k;
	} else if (cp > 0xffff) {
		/* RFC 8259 section 7: a UTF-16 surrogate pair. */
		o = put_u(o, 0xd800 | ((cp - 0x10000) >> 10));
		o = put_u(o, 0xdc00 | (cp & 0x3ff));
	} else
		o = put_u(o, cp);
	w->n = (size_t)(o - w->stage);
}

/*
 * The string in quotes.  The caller has checked that it is UTF-8, and
 * knows that its first i bytes are plain (from plain_run()): both come
 * out of one pass over the common all-ASCII string.
 */
static void
put_string(struct jsonw *w, const unsigned char *p, size_t len, size_t i)
{
	size_t j, k;
	uint32_t cp;
	char *o;

	/* The common one: all plain, and room for it in the stage. */
	if (i == len && len + 2 <= sizeof(w->stage) - w->n) {
		o = w->stage + w->n;
		o[0] = '"';
		memcpy(o + 1, p, len);
		o[len + 1] = '"';
		w->n += len + 2;
		return;
	}
	put1(w, '"');
	if (i > 0)
		put(w, (const char *)p, i);
	while (i < len) {
		if ((j = plain_run(p, i, len)) > i) {
			put(w, (const char *)p + i, j - i);
			if ((i = j) == len)
				break;
		}
		if (p[i] < 0x80) {
			cp = p[i];
			k = 1;
		} else {
			k = jsonw_utf8_char((const char *)p + i, len - i, &cp);
			assert(k > 0);	/* checked by jsonw_utf8_valid() */
		}
		put_char(w, cp, p + i, k);
		i += k;
	}
	put1(w, '"');
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
	const unsigned char *src;
	size_t i, k, n, used = 0;
	uint32_t cp;

	put1(w, '"');
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
		put_char(w, cp, src, n);
	}
	put1(w, '"');
}

/* Before a key: the writer must be in an object, not after a key. */
static bool
key_sep(struct jsonw *w)
{
	if (w->depth == 0 || !(w->obj & level_bit(w)) || w->after_key) {
		w->failed = true;
		return false;
	}
	if (w->more & level_bit(w))
		put1(w, ',');
	w->more |= level_bit(w);
	return true;
}

void
jsonw_key_quoted(struct jsonw *w, const char *quoted, size_t n)
{
	if (!key_sep(w))
		return;
	put(w, quoted, n);
	w->after_key = true;
}

int
jsonw_member_stringn(struct jsonw *w, const char *quoted, size_t qlen,
    const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t plain = plain_run(p, 0, len);

	if (plain < len && !jsonw_utf8_valid(s + plain, len - plain))
		return -1;
	if (!key_sep(w))
		return 0;
	put(w, quoted, qlen);
	put_string(w, p, len, plain);
	return 0;
}

void
jsonw_key(struct jsonw *w, const char *key)
{
	const unsigned char *p = (const unsigned char *)key;
	size_t len = strlen(key), plain = plain_run(p, 0, len);

	if (plain < len && !jsonw_utf8_valid(key + plain, len - plain)) {
		w->failed = true;
		return;
	}
	if (!key_sep(w))
		return;
	put_string(w, p, len, plain);
	put1(w, ':');
	w->after_key = true;
}

int
jsonw_stringn(struct jsonw *w, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t plain = plain_run(p, 0, len);

	/* As json_stringn() refusing it, before anything is written. */
	if (plain < len && !jsonw_utf8_valid(s + plain, len - plain))
		return -1;
	value_sep(w);
	put_string(w, p, len, plain);
	return 0;
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
	const unsigned char *p = (const unsigned char *)s;
	size_t plain = plain_run(p, 0, len);

	value_sep(w);
	if (plain == len || jsonw_utf8_valid(s + plain, len - plain))
		put_string(w, p, len, plain);
	else
		put_repaired(w, p, len, max);
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
	put(w, o, (size_t)(t + sizeof(t) - o));
}

#ifdef __SIZEOF_INT128__
/* "00" to "99": two digits per division. */
static const char digit_pairs[] =
    "000102030405060708091011121314151617181920212223242526272829"
    "303132333435363738394041424344454647484950515253545556575859"
    "606162636465666768697071727374757677787980818283848586878889"
    "90919293949596979899";

/*
 * The text of the 17 significant digits n (10^16 <= n < 10^17) times
 * 10^(x - 16), with the trailing zeros of the fraction dropped: they are
 * stripped from n first, so only the digits written are made.
 */
static size_t
fixed_text(char *t, bool neg, uint64_t n, int x)
{
	char dig[17], *o = t;
	int nd = 17, i;

	if (n % 10000000000000000ull == 0) {
		n /= 10000000000000000ull;
		nd = 1;
	} else {
		if (n % 100000000 == 0) {
			n /= 100000000;
			nd -= 8;
		}
		if (n % 10000 == 0) {
			n /= 10000;
			nd -= 4;
		}
		if (n % 100 == 0) {
			n /= 100;
			nd -= 2;
		}
		if (n % 10 == 0) {
			n /= 10;
			nd -= 1;
		}
	}
	for (i = nd - 1; i > 0; i -= 2, n /= 100)
		memcpy(dig + i - 1, digit_pairs + 2 * (n % 100), 2);
	if (i == 0)
		dig[0] = (char)('0' + n);
	if (neg)
		*o++ = '-';
	if (x < 0) {
		/* 0.000ddd */
		*o++ = '0';
		*o++ = '.';
		for (i = x + 1; i < 0; i++)
			*o++ = '0';
		memcpy(o, dig, (size_t)nd);
		o += nd;
	} else if (nd <= x + 1) {
		/* ddd000.0: an integer */
		memcpy(o, dig, (size_t)nd);
		o += nd;
		for (i = nd; i <= x; i++)
			*o++ = '0';
		*o++ = '.';
		*o++ = '0';
	} else {
		/* ddd.ddd */
		memcpy(o, dig, (size_t)x + 1);
		o += x + 1;
		*o++ = '.';
		memcpy(o, dig + x + 1, (size_t)(nd - x - 1));
		o += nd - x - 1;
	}
	return (size_t)(o - t);
}

/*
 * "%.17g" of d without printf, for 1e-3 <= |d| < 1e16, where it always
 * takes the fixed form (C11 7.21.6.1: the decimal exponent X is within
 * [-4, 17)): the 17 significant digits of d's exact binary value, the
 * last rounded half to even as glibc rounds, trailing zeros dropped,
 * and jansson's ".0" added when no point was written.  Scores are such
 * numbers, and printf takes ten times as long.  Returns the length
 * written to t, or 0 outside that range.
 */
static size_t
real_fixed(char *t, double d)
{
	static const uint64_t p10[] = { 1ull, 10ull, 100ull, 1000ull,
	    10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
	    1000000000ull, 10000000000ull, 100000000000ull,
	    1000000000000ull, 10000000000000ull, 100000000000000ull,
	    1000000000000000ull, 10000000000000000ull,
	    100000000000000000ull, 1000000000000000000ull,
	    10000000000000000000ull };
	unsigned __int128 prod, q, rem, half;
	uint64_t bits, m, n;
	int e, x, k;

	if (!(fabs(d) >= 1e-3 && fabs(d) < 1e16))
		return 0;
	/* |d| = m * 2^e exactly; no subnormals in this range. */
	memcpy(&bits, &d, sizeof(bits));
	m = (bits & ((1ull << 52) - 1)) | (1ull << 52);
	e = (int)((bits >> 52) & 0x7ff) - 1075;
	/*
	 * X = floor(log10 |d|): guessed from the binary exponent (1233 /
	 * 4096 is about log10 2; the division rounds toward zero), then
	 * fixed by the loop.
	 */
	x = (e + 52) * 1233 / 4096;
	for (;;) {
		if ((k = 16 - x) < 0 || k > 19)
			return 0;
		prod = (unsigned __int128)m * p10[k];
		q = e >= 0 ? prod << e : prod >> -e;
		if (q >= p10[17])
			x++;
		else if (q < p10[16])
			x--;
		else
			break;
	}
	n = (uint64_t)q;
	if (e < 0) {
		rem = prod & (((unsigned __int128)1 << -e) - 1);
		half = (unsigned __int128)1 << (-e - 1);
		if (rem > half || (rem == half && (n & 1)))
			n++;
	}
	if (n == p10[17])
		return 0;	/* rounded up to a power of ten: printf it */
	return fixed_text(t, signbit(d), n, x);
}
#else
static size_t
real_fixed(char *t, double d)
{
	return 0;
}
#endif

/*
 * "%.17g" and jansson's touches to it, where real_fixed() does not
 * apply.  The process never sets a locale, so the decimal point is
 * '.'; a ',' from a locale that has one would still be turned back, as
 * jansson does.
 */
static int
real_printf(char *t, size_t size, double d)
{
	char *e, *q;
	int n;

	/* Zero is the common one: "0" and "-0" with ".0". */
	if (d == 0) {
		n = signbit(d) ? 4 : 3;
		memcpy(t, signbit(d) ? "-0.0" : "0.0", (size_t)n + 1);
		return n;
	}
	if ((n = snprintf(t, size - 2, "%.17g", d)) < 0 ||
	    (size_t)n >= size - 2)
		return -1;
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
	return n;
}

int
jsonw_real(struct jsonw *w, double d)
{
	char t[48];
	int n;

	if (!isfinite(d))
		return -1;
	if ((n = (int)real_fixed(t, d)) == 0 &&
	    (n = real_printf(t, sizeof(t), d)) == -1) {
		w->failed = true;
		return 0;
	}
	value_sep(w);
	put(w, t, (size_t)n);
	return 0;
}

void
jsonw_bool(struct jsonw *w, bool v)
{
	value_sep(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void
jsonw_null(struct jsonw *w)
{
	value_sep(w);
	put(w, "null", 4);
}
