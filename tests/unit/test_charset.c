/*
 * test_charset.c - bytes of any charset into UTF-8 (src/mime/charset.c).
 *
 * charset.c converts windows-1252 through a table and copies ASCII
 * runs found eight bytes at a time; its UTF-8 check skips ASCII the
 * same way.  Each is compared here with a plain byte-at-a-time version
 * written from the standards alone (RFC 3629 3 and 4 for UTF-8, the
 * WHATWG index of windows-1252 for the bytes 0x80..0x9f): every byte
 * value, every pair of bytes, the lead bytes of three and four with
 * continuations around their limits, and generated strings of many
 * lengths and alignments, random, mostly ASCII, and valid UTF-8 with
 * and without a fault.  charset_to_utf8() is checked for the labels
 * that take these paths (none, UTF-8, windows-1252).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mimeint.h"
#include "mime/message.h"
#include "util/arena.h"
#include "util/str.h"
#include "tap.h"
#include "xorshift.h"

#define MAXLEN		600
#define ROUNDS		20000

/* windows-1252 0x80..0x9f; the five holes stay C1 controls. */
static const unsigned ref_high[32] = {
	0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
	0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned
rnd(unsigned n)
{
	return (unsigned)(xorshift64(&rng) % n);
}

static size_t
ref_1252(const unsigned char *s, size_t len, unsigned char *out)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++)
		o += str_utf8_put(out + o, s[i] >= 0x80 && s[i] < 0xa0 ?
		    ref_high[s[i] - 0x80] : s[i]);
	return o;
}

/* RFC 3629 4 by decoding: the shortest form, no surrogate, <= 10FFFF. */
static bool
ref_valid(const unsigned char *s, size_t len, bool *mb)
{
	size_t i = 0, n, k;
	unsigned cp, min;
	bool any = false;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		any = true;
		if ((s[i] & 0xe0) == 0xc0)
			n = 1, cp = s[i] & 0x1f, min = 0x80;
		else if ((s[i] & 0xf0) == 0xe0)
			n = 2, cp = s[i] & 0x0f, min = 0x800;
		else if ((s[i] & 0xf8) == 0xf0)
			n = 3, cp = s[i] & 0x07, min = 0x10000;
		else
			return false;
		if (len - i - 1 < n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	*mb = any;
	return true;
}

static int bad_valid, bad_1252, bad_to;

/* One string through every function, each against the reference. */
static void
check(struct arena *a, const unsigned char *s, size_t len)
{
	static unsigned char want[MAXLEN * 4 + 1];
	const char *cs[] = { NULL, "utf-8", "windows-1252", "x-unknown" };
	bool mb = false, rmb = false, valid, rvalid;
	size_t wl, ol, i, k;
	uint32_t defects, wdef;
	char *out;

	rvalid = ref_valid(s, len, &rmb);
	mb = !rmb;
	valid = charset_valid_utf8((const char *)s, len, &mb);
	if (valid != rvalid || (valid && mb != rmb)) {
		if (bad_valid++ < 5)
			printf("# valid_utf8 differs at length %zu\n", len);
	}
	wl = ref_1252(s, len, want);
	out = charset_1252_to_utf8(a, (const char *)s, len, &ol);
	if (out == NULL || ol != wl || memcmp(out, want, wl) != 0 ||
	    out[ol] != '\0') {
		if (bad_1252++ < 5)
			printf("# 1252_to_utf8 differs at length %zu\n", len);
	}
	for (k = 0; k < sizeof(cs) / sizeof(cs[0]); k++) {
		/* The labels' rules, from the top of charset.c. */
		wdef = 0;
		if (k == 2 && rvalid && rmb) {
			memcpy(want, s, len);
			wl = len;
			wdef = MSG_DEF_BAD_CHARSET;
		} else if (k == 2 || !rvalid) {
			wl = ref_1252(s, len, want);
			if (k != 2)
				wdef = k == 0 ? 0 : MSG_DEF_BAD_CHARSET;
		} else {
			memcpy(want, s, len);
			wl = len;
		}
		if (k == 3)
			wdef = MSG_DEF_BAD_CHARSET;
		for (i = 0; i < wl; i++)
			if (want[i] == '\0')
				want[i] = ' ';
		defects = 0;
		out = charset_to_utf8(a, cs[k], (const char *)s, len, &ol,
		    &defects);
		if (out == NULL || ol != wl || memcmp(out, want, wl) != 0 ||
		    out[ol] != '\0' || defects != wdef) {
			if (bad_to++ < 5)
				printf("# charset_to_utf8(%s) differs at "
				    "length %zu\n", cs[k] ? cs[k] : "none",
				    len);
		}
	}
}

/* Every byte alone and every pair, at every offset mod 8 for the byte. */
static void
exhaustive(struct arena *a)
{
	unsigned char buf[32];
	unsigned b, c, d, off;

	for (off = 0; off < 8; off++)
		for (b = 0; b < 256; b++) {
			memset(buf, 'a', sizeof(buf));
			buf[off] = (unsigned char)b;
			check(a, buf + off, 1);
			check(a, buf, 17);	/* inside a word and a tail */
		}
	for (b = 0; b < 256; b++)
		for (c = 0; c < 256; c++) {
			buf[0] = (unsigned char)b;
			buf[1] = (unsigned char)c;
			check(a, buf, 2);
		}
	/* Leads of three and four with continuations at their limits. */
	for (b = 0xe0; b < 0x100; b++)
		for (c = 0x70; c < 0xd0; c++)
			for (d = 0x78; d < 0xc8; d += 7) {
				buf[0] = (unsigned char)b;
				buf[1] = (unsigned char)c;
				buf[2] = (unsigned char)d;
				buf[3] = 0x80 + (unsigned char)(d & 0x3f);
				check(a, buf, 3);
				check(a, buf, 4);
			}
}

/* A code point of a random width, now and then a surrogate or beyond. */
static unsigned
random_cp(void)
{
	switch (rnd(6)) {
	case 0:
		return rnd(0x80);
	case 1:
		return 0x80 + rnd(0x780);
	case 2:
		return 0x800 + rnd(0xf800);
	case 3:
		return 0x10000 + rnd(0x100000);
	case 4:
		return 0xd7f0 + rnd(0x20);	/* around the surrogates */
	default:
		return rnd(3) ? 'a' + rnd(26) : 0x10fff0 + rnd(0x20);
	}
}

static size_t
gen(unsigned char *s, size_t max)
{
	size_t len = rnd(4) == 0 ? rnd(20) : rnd((unsigned)max - 4), i = 0;
	unsigned kind = rnd(4);

	while (i < len) {
		switch (kind) {
		case 0:		/* anything */
			s[i++] = (unsigned char)rnd(256);
			break;
		case 1:		/* mostly ASCII, runs across the words */
			s[i++] = rnd(40) == 0 ? (unsigned char)(0x80 +
			    rnd(128)) : rnd(200) == 0 ? 0 :
			    (unsigned char)(' ' + rnd(95));
			break;
		default:	/* UTF-8, in case 3 with a fault */
			if (i + 4 > len) {
				s[i++] = 'z';
				break;
			}
			i += str_utf8_put(s + i, random_cp());
			break;
		}
	}
	if (kind == 3 && len > 0) {
		switch (rnd(4)) {
		case 0:
			s[rnd((unsigned)len)] = (unsigned char)(0x80 +
			    rnd(128));
			break;
		case 1:
			len--;		/* maybe a cut sequence */
			break;
		case 2:			/* an overlong form */
			s[rnd((unsigned)len)] = 0xc0 + (unsigned char)rnd(2);
			break;
		default:
			s[rnd((unsigned)len)] = 0xf5 + (unsigned char)rnd(11);
		}
	}
	return len;
}

/*
 * ASCII runs are skipped 32 bytes at a time: one non-ASCII byte (the
 * lead of a valid pair, or a stray one) at every offset of ASCII
 * strings of every length up to 100 must still be seen.
 */
static void
placed(struct arena *a)
{
	static unsigned char buf[128];
	size_t len, k;

	for (len = 1; len <= 100; len++)
		for (k = 0; k < len; k++) {
			memset(buf, 'a', len);
			buf[k] = 0xe9;
			check(a, buf, len);
			if (k + 1 < len) {
				buf[k] = 0xc3;
				buf[k + 1] = 0xa9;
				check(a, buf, len);
			}
		}
}

static void
generated(void)
{
	static unsigned char buf[MAXLEN + 8];
	struct arena *a;
	size_t len, off;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		if ((a = arena_new(64u << 20)) == NULL)
			break;
		off = rnd(8);
		len = gen(buf + off, MAXLEN);
		check(a, buf + off, len);
		arena_free(a);
	}
}

int
main(void)
{
	struct arena *a = arena_new(1u << 30);

	ok(a != NULL, "arena");
	if (a == NULL)
		return tap_done();
	exhaustive(a);
	is_int(bad_valid, 0, "charset_valid_utf8: bytes, pairs, leads");
	is_int(bad_1252, 0, "charset_1252_to_utf8: bytes, pairs, leads");
	is_int(bad_to, 0, "charset_to_utf8: bytes, pairs, leads");
	bad_valid = bad_1252 = bad_to = 0;
	placed(a);
	is_int(bad_valid, 0, "charset_valid_utf8: one 8-bit byte placed "
	    "anywhere");
	is_int(bad_1252, 0, "charset_1252_to_utf8: one 8-bit byte placed "
	    "anywhere");
	arena_free(a);
	bad_valid = bad_1252 = bad_to = 0;
	generated();
	is_int(bad_valid, 0, "charset_valid_utf8: %d generated strings",
	    ROUNDS);
	is_int(bad_1252, 0, "charset_1252_to_utf8: %d generated strings",
	    ROUNDS);
	is_int(bad_to, 0, "charset_to_utf8: %d generated strings", ROUNDS);
	return tap_done();
}
