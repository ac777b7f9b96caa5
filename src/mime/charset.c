/*
 * charset.c - turning text of any declared (or undeclared) charset into
 * UTF-8.
 *
 * RFC 2045 5.1 and RFC 2046 4.1.2 let a text part name its charset; real
 * mail often names none, names one iconv does not know, or names one the
 * bytes do not follow.  The rule here, the one browsers converged on: a
 * missing or unusable label means "UTF-8 if the bytes are valid UTF-8,
 * else windows-1252"; ISO-8859-1 is read as its superset windows-1252;
 * and a single-byte label over bytes that are valid multi-byte UTF-8 is
 * taken to be a lie (real Latin text almost never forms valid UTF-8).
 * Unknown labels and lies set MSG_DEF_BAD_CHARSET; an undeclared charset
 * alone does not.  Other labels go through iconv (GMime's alias table and
 * its locked iconv cache, so this is safe from several threads).
 *
 * Memory: results are NUL-terminated and live in the caller's arena; a
 * transient heap buffer is used while iconv runs.  The caller bounds the
 * input (max_text); the output is at most four bytes per input byte.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <gmime/gmime.h>

#include "mime/mimeint.h"
#include "util/arena.h"
#include "util/str.h"

#define CHARSET_NAME_MAX	64	/* longer labels are not charsets */

/* Code points of windows-1252 0x80..0x9f; holes map to C1 controls. */
#define CP1252_HIGH(X) \
	X(0x20ac), X(0x0081), X(0x201a), X(0x0192), X(0x201e), X(0x2026), \
	X(0x2020), X(0x2021), X(0x02c6), X(0x2030), X(0x0160), X(0x2039), \
	X(0x0152), X(0x008d), X(0x017d), X(0x008f), X(0x0090), X(0x2018), \
	X(0x2019), X(0x201c), X(0x201d), X(0x2022), X(0x2013), X(0x2014), \
	X(0x02dc), X(0x2122), X(0x0161), X(0x203a), X(0x0153), X(0x009d), \
	X(0x017e), X(0x0178)

/*
 * The UTF-8 form (RFC 3629 3) of a code point below U+10000 and above
 * U+007F, as constant expressions, so that the table below is written
 * by the compiler: two bytes below U+0800, three from there on.
 */
#define U8_LEN(cp)	((cp) < 0x800 ? 2 : 3)
#define U8_B0(cp)	((cp) < 0x800 ? 0xc0 | (cp) >> 6 : 0xe0 | (cp) >> 12)
#define U8_B1(cp)	((cp) < 0x800 ? 0x80 | ((cp) & 0x3f) : \
			    0x80 | ((cp) >> 6 & 0x3f))
#define U8_B2(cp)	((cp) < 0x800 ? 0 : 0x80 | ((cp) & 0x3f))
#define U8(cp)		{ { U8_B0(cp), U8_B1(cp), U8_B2(cp) }, U8_LEN(cp) }
#define U8_4(cp)	U8(cp), U8((cp) + 1), U8((cp) + 2), U8((cp) + 3)
#define U8_16(cp)	U8_4(cp), U8_4((cp) + 4), U8_4((cp) + 8), \
			    U8_4((cp) + 12)

/*
 * The UTF-8 of each windows-1252 byte from 0x80: four bytes per entry,
 * so one fixed-size copy writes it (the output has room, see below).
 * 0xa0..0xff are Latin-1, code point equal to the byte.
 */
static const struct {
	unsigned char	b[3];
	unsigned char	n;
} cp1252_utf8[128] = {
	CP1252_HIGH(U8),
	U8_16(0xa0), U8_16(0xb0), U8_16(0xc0), U8_16(0xd0), U8_16(0xe0),
	U8_16(0xf0),
};
_Static_assert(sizeof(cp1252_utf8[0]) == 4, "one 4-byte copy per entry");

/*
 * The end of the ASCII run at p[i] (as str_ascii_run()).  Text parts
 * are kilobytes of mostly ASCII, so with SSE2 (every x86-64) 32 bytes
 * are tested at once: their high bits, gathered by movemask.
 */
static size_t
ascii_run(const unsigned char *p, size_t i, size_t len)
{
#ifdef __SSE2__
	__m128i x, y;

	for (; len - i >= 32; i += 32) {
		x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		y = _mm_loadu_si128((const __m128i *)(const void *)(p + i +
		    16));
		if (_mm_movemask_epi8(_mm_or_si128(x, y)) != 0)
			break;
	}
#endif
	return str_ascii_run(p, i, len);
}

/*
 * Strict UTF-8 (RFC 3629 4): no overlong forms, no surrogates, nothing
 * above U+10FFFF.  multibyte reports whether anything beyond ASCII was
 * seen, which is what tells UTF-8 apart from plain ASCII.
 */
bool
charset_valid_utf8(const char *s, size_t len, bool *multibyte)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, need;
	unsigned c, lo, hi;
	bool mb = false;

	while (i < len) {
		c = p[i];
		if (c < 0x80) {
			i = ascii_run(p, i + 1, len);
			continue;
		}
		mb = true;
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return false;
		if (len - i - 1 < need)
			return false;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= need; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				return false;
		i += need + 1;
	}
	if (multibyte != NULL)
		*multibyte = mb;
	return true;
}

/*
 * ASCII runs, found eight bytes at a time, are copied whole; every
 * other byte is looked up.  Each lookup writes four bytes of which one
 * to three count: at the last input byte the fourth lands at most on
 * out[len * 3], the NUL's place, which is written afterwards.
 */
char *
charset_1252_to_utf8(struct arena *a, const char *s, size_t len,
    size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out;
	size_t i = 0, j, o = 0;

	if (len > (SIZE_MAX - 1) / 3 ||
	    (out = arena_alloc_raw(a, len * 3 + 1)) == NULL)
		return NULL;
	while (i < len) {
		j = ascii_run(p, i, len);
		memcpy(out + o, p + i, j - i);
		o += j - i;
		for (i = j; i < len && p[i] >= 0x80; i++) {
			memcpy(out + o, &cp1252_utf8[p[i] - 0x80], 4);
			o += cp1252_utf8[p[i] - 0x80].n;
		}
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return out;
}

static char *
copy_or_1252(struct arena *a, const char *s, size_t len, size_t *outlen,
    bool *was_utf8)
{
	char *out;

	if (charset_valid_utf8(s, len, NULL)) {
		*was_utf8 = true;
		if ((out = arena_strndup(a, s, len)) != NULL && outlen)
			*outlen = len;
		return out;
	}
	*was_utf8 = false;
	return charset_1252_to_utf8(a, s, len, outlen);
}

/* Single-byte families where valid multi-byte UTF-8 means a lie. */
static bool
is_single_byte(const char *cs, size_t n)
{
	return str_iprefix(cs, n, "iso-8859") ||
	    str_iprefix(cs, n, "iso8859") || str_iprefix(cs, n, "windows-") ||
	    str_iprefix(cs, n, "cp12") || str_iprefix(cs, n, "latin") ||
	    str_iprefix(cs, n, "koi8");
}

/*
 * Converts through iconv into a heap buffer that doubles as needed
 * (output offsets, not pointers, survive the reallocations).
 */
static char *
via_iconv(struct arena *a, iconv_t cd, const char *s, size_t len,
    size_t *outlen, uint32_t *defects)
{
	char *buf, *nbuf, *in = (char *)(uintptr_t)s, *op, *res = NULL;
	size_t cap, inleft = len, outleft, used = 0;
	size_t rc;
	int err;

	cap = len < 1024 ? 4096 : len * 2;
	if ((buf = malloc(cap)) == NULL)
		return NULL;
	for (;;) {
		op = buf + used;
		outleft = cap - used - 1;	/* one byte kept for the NUL */
		rc = inleft > 0 ? iconv(cd, &in, &inleft, &op, &outleft) :
		    iconv(cd, NULL, NULL, &op, &outleft);
		err = errno;
		used = (size_t)(op - buf);
		if (rc != (size_t)-1) {
			if (inleft == 0 && in != NULL) {
				in = NULL;	/* now flush the shift state */
				continue;
			}
			if (inleft == 0)
				break;
			continue;
		}
		if (err != E2BIG && inleft > 0) {
			/* EILSEQ or EINVAL: mark the byte and go on. */
			*defects |= MSG_DEF_BAD_CHARSET;
			in++;
			inleft--;
			if (cap - used - 1 >= 3) {
				used += str_utf8_put((unsigned char *)buf +
				    used, 0xfffd);
				continue;
			}
			in--;		/* undo; grow first */
			inleft++;
		} else if (err != E2BIG)
			break;
		if (cap > SIZE_MAX / 4 || (nbuf = realloc(buf, cap * 2)) ==
		    NULL)
			goto out;
		buf = nbuf;
		cap *= 2;
	}
	if ((res = arena_strndup(a, buf, used)) != NULL && outlen)
		*outlen = used;
out:
	free(buf);
	return res;
}

/* NULs would cut the C string short for every later reader. */
static void
blank_nuls(char *s, size_t len)
{
	char *p;

	while ((p = memchr(s, '\0', len)) != NULL) {
		*p = ' ';
		len -= (size_t)(p - s) + 1;
		s = p + 1;
	}
}

char *
charset_to_utf8(struct arena *a, const char *charset, const char *data,
    size_t len, size_t *outlen, uint32_t *defects)
{
	char *out = NULL;
	size_t n, ol = 0;
	bool utf8, mb = false;
	iconv_t cd;

	n = charset != NULL ? strlen(charset) : 0;
	if (n == 0) {
		out = copy_or_1252(a, data, len, &ol, &utf8);
		goto done;
	}
	/* Labels that say "no idea"; GMime would map them to the locale. */
	if (n > CHARSET_NAME_MAX || str_iprefix(charset, n, "x-unknown") ||
	    str_ieq(charset, n, "unknown") || str_iprefix(charset, n,
	    "unknown-8bit") || str_ieq(charset, n, "x-user-defined")) {
		*defects |= MSG_DEF_BAD_CHARSET;
		out = copy_or_1252(a, data, len, &ol, &utf8);
		goto done;
	}
	if (str_ieq(charset, n, "utf-8") || str_ieq(charset, n, "utf8") ||
	    str_ieq(charset, n, "us-ascii") || str_ieq(charset, n, "ascii") ||
	    str_ieq(charset, n, "ansi_x3.4-1968")) {
		out = copy_or_1252(a, data, len, &ol, &utf8);
		if (!utf8)
			*defects |= MSG_DEF_BAD_CHARSET;
		goto done;
	}
	if (is_single_byte(charset, n) &&
	    charset_valid_utf8(data, len, &mb) && mb) {
		*defects |= MSG_DEF_BAD_CHARSET;
		out = arena_strndup(a, data, len);
		ol = len;
		goto done;
	}
	if (str_ieq(charset, n, "iso-8859-1") || str_ieq(charset, n,
	    "windows-1252") || str_ieq(charset, n, "latin1") ||
	    str_ieq(charset, n, "iso8859-1") || str_ieq(charset, n,
	    "cp1252") || str_ieq(charset, n, "iso_8859-1")) {
		out = charset_1252_to_utf8(a, data, len, &ol);
		goto done;
	}
	mimetree_global_init();
	if ((cd = g_mime_iconv_open("UTF-8", charset)) == (iconv_t)-1) {
		*defects |= MSG_DEF_BAD_CHARSET;
		out = copy_or_1252(a, data, len, &ol, &utf8);
		goto done;
	}
	out = via_iconv(a, cd, data, len, &ol, defects);
	g_mime_iconv_close(cd);
done:
	if (out != NULL) {
		if (memchr(out, '\0', ol) != NULL)
			blank_nuls(out, ol);
		if (outlen != NULL)
			*outlen = ol;
	}
	return out;
}
