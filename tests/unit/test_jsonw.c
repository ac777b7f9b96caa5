/*
 * test_jsonw.c - the JSON writer writes what jansson's json_dumps() wrote.
 *
 * The front ends printed json_dumps() output before the writer replaced
 * it, and clients compare it: so every generated value (strings of any
 * bytes, nested objects and arrays, integers, reals of every magnitude)
 * is written both ways, with the flags of POST /v1/check and of
 * `check --json` (JSON_COMPACT | JSON_ENSURE_ASCII) and without
 * JSON_ENSURE_ASCII, and the bytes must be the same.  jsonw_text() is
 * compared with the jansson-based repair scan_json.c used before it.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "xorshift.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/str.h"

#define CLI_FLAGS	(JSON_COMPACT | JSON_ENSURE_ASCII)
#define RAW_FLAGS	JSON_COMPACT
#define TEXT_MAX	(1024 * 1024)	/* jtext()'s buffer in scan_json.c */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	return xorshift64(&rng);
}

static unsigned
rndn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* jansson's text of one value (consumed), or NULL when j is NULL. */
static char *
jdump(json_t *j, size_t flags)
{
	char *s;

	if (j == NULL)
		return NULL;
	s = json_dumps(j, flags | JSON_ENCODE_ANY);
	json_decref(j);
	return s;
}

static int mismatches;

/* Counts a difference and shows the first few. */
static void
same(const char *what, const char *want, const struct buf *got)
{
	const char *g = got->data != NULL ? got->data : "";

	if (want != NULL && strlen(want) == got->len && strcmp(want, g) == 0)
		return;
	if (mismatches++ < 5)
		printf("# %s: jansson \"%s\", jsonw \"%s\"\n", what,
		    want ? want : "(refused)", g);
}

/*
 * A string of len pieces: plain ASCII, controls and the characters JSON
 * escapes, characters of every UTF-8 length (U+2028, U+FFFD, the edges
 * of each range), and what is not UTF-8: stray bytes, surrogates,
 * overlong forms, code points past U+10FFFF, cut sequences.
 */
static size_t
gen_bytes(unsigned char *o, size_t pieces, bool valid_only)
{
	static const uint32_t edges[] = { 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff,
	    0xe000, 0xfeff, 0xfffd, 0xffff, 0x10000, 0x10ffff, 0x2028,
	    0x2029, 0xe4, 0x1f600, 0x85 };
	size_t n = 0, i;
	unsigned kind;
	uint32_t cp;

	/* Sometimes ASCII with one stray byte anywhere in it. */
	if (!valid_only && pieces > 0 && rndn(4) == 0) {
		for (n = 0; n < pieces; n++)
			o[n] = (unsigned char)(0x20 + rndn(0x5f));
		o[rndn((unsigned)pieces)] = (unsigned char)(0x80 + rndn(128));
		return n;
	}
	for (i = 0; i < pieces; i++) {
		kind = rndn(valid_only ? 6 : 12);
		switch (kind) {
		case 0:
		case 1:
			o[n++] = (unsigned char)(0x20 + rndn(0x5f));
			break;
		case 2:
			o[n++] = "\"\\/\b\f\n\r\t\x7f\x01\x1f\x00"[rndn(12)];
			break;
		case 3:
			n += str_utf8_put(o + n, edges[rndn(sizeof(edges) /
			    sizeof(edges[0]))]);
			break;
		case 4:
			cp = 0x80 + rndn(0xffff - 0x80);
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0x2028;
			n += str_utf8_put(o + n, cp);
			break;
		case 5:
			n += str_utf8_put(o + n, 0x10000 + rndn(0x100000));
			break;
		case 6:
			o[n++] = (unsigned char)rndn(256);
			break;
		case 7:		/* a surrogate as three bytes */
			n += str_utf8_put(o + n, 0xd800 + rndn(0x800));
			break;
		case 8:		/* overlong */
			if (rndn(2)) {
				o[n++] = (unsigned char)(0xc0 | rndn(2));
				o[n++] = (unsigned char)(0x80 | rndn(64));
			} else {
				o[n++] = 0xe0;
				o[n++] = (unsigned char)(0x80 | rndn(32));
				o[n++] = (unsigned char)(0x80 | rndn(64));
			}
			break;
		case 9:		/* past U+10FFFF, or a lead byte 0xf5-0xff */
			if (rndn(2))
				n += str_utf8_put(o + n, 0x110000 + rndn(0xef0000));
			else
				o[n++] = (unsigned char)(0xf5 + rndn(11));
			break;
		case 10:	/* a sequence cut short */
			n += str_utf8_put(o + n, 0x80 + rndn(0x10ff7f)) - 1;
			break;
		default:	/* a stray continuation byte */
			o[n++] = (unsigned char)(0x80 | rndn(64));
			break;
		}
	}
	return n;
}

/*
 * The jtext() of scan_json.c before the writer, as it was (with the
 * buffer's ceiling a parameter): jansson refused invalid UTF-8, so it
 * replaced each byte that did not start a character jansson took.
 */
static json_t *
ref_jtext(const char *s, size_t max)
{
	const unsigned char *p;
	struct buf b;
	json_t *j;
	size_t n, k;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	buf_init(&b, max);
	for (p = (const unsigned char *)s; *p != '\0'; p += n) {
		n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 :
		    (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		for (k = 1; n > 1 && k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				n = 0;
		if (n == 0 || (n > 1 && (j = json_stringn((const char *)p,
		    n)) == NULL)) {
			buf_adds(&b, "\xef\xbf\xbd");
			n = 1;
			continue;
		}
		if (n > 1)
			json_decref(j);
		buf_add(&b, p, n);
	}
	j = json_stringn(b.data ? b.data : "", b.len);
	buf_free(&b);
	return j ? j : json_string("");
}

/* One string both ways, with both sets of flags. */
static void
check_string(const unsigned char *s, size_t len)
{
	static const size_t jflags[] = { CLI_FLAGS, RAW_FLAGS };
	static const unsigned wflags[] = { JSONW_ASCII, 0 };
	struct jsonw w;
	struct buf b;
	char *want;
	int i, r;

	for (i = 0; i < 2; i++) {
		buf_init(&b, 1 << 20);
		jsonw_init(&w, &b, wflags[i]);
		r = jsonw_stringn(&w, (const char *)s, len);
		want = jdump(json_stringn((const char *)s, len), jflags[i]);
		if ((r == 0) != (want != NULL) || jsonw_finish(&w) != 0 ||
		    (r == -1 && b.len != 0))
			same("stringn refusal", want, &b);
		else if (r == 0)
			same("stringn", want, &b);
		free(want);
		buf_free(&b);
	}
}

/* One C string through jsonw_text() and the old jtext(). */
static void
check_text(const char *s, size_t max)
{
	static const size_t jflags[] = { CLI_FLAGS, RAW_FLAGS };
	static const unsigned wflags[] = { JSONW_ASCII, 0 };
	struct jsonw w;
	struct buf b;
	char *want;
	int i;

	for (i = 0; i < 2; i++) {
		buf_init(&b, 1 << 20);
		jsonw_init(&w, &b, wflags[i]);
		jsonw_text(&w, s, strlen(s), max);
		want = jdump(ref_jtext(s, max), jflags[i]);
		if (jsonw_finish(&w) != 0)
			same("text failed", want, &b);
		else
			same("text", want, &b);
		free(want);
		buf_free(&b);
	}
}

static void
check_real(double d)
{
	struct jsonw w;
	struct buf b;
	char *want;
	int r;

	buf_init(&b, 1024);
	jsonw_init(&w, &b, JSONW_ASCII);
	r = jsonw_real(&w, d);
	want = jdump(json_real(d), CLI_FLAGS);
	if ((r == 0) != (want != NULL) || jsonw_finish(&w) != 0 ||
	    (r == -1 && b.len != 0))
		same("real refusal", want, &b);
	else if (r == 0)
		same("real", want, &b);
	free(want);
	buf_free(&b);
}

static void
check_int(long long v)
{
	struct jsonw w;
	struct buf b;
	char *want;

	buf_init(&b, 1024);
	jsonw_init(&w, &b, JSONW_ASCII);
	jsonw_int(&w, v);
	want = jdump(json_integer(v), CLI_FLAGS);
	if (jsonw_finish(&w) != 0)
		same("integer failed", want, &b);
	else
		same("integer", want, &b);
	free(want);
	buf_free(&b);
}

static double
gen_real(void)
{
	static const double special[] = { 0.0, -0.0, 0.1, -0.1, 0.5, 5.0,
	    -2.9, 2.5, 1e20, -1e20, 1e21, 1e16, 1e17, 1e15, 123456789.0,
	    9007199254740992.0, 9007199254740993.0, 1e-5, 1e-4, 1e-7,
	    1.5e300, DBL_MAX, -DBL_MAX, DBL_MIN, 4.9e-324, 1e100, 1e-100,
	    100.0, 0.30000000000000004, 1.0 / 3, 12345678901234567890.0 };
	uint64_t bits, ip;
	double d;
	int digits;

	switch (rndn(9)) {
	case 0:
		return special[rndn(sizeof(special) / sizeof(special[0]))];
	case 1:		/* score-like: tenths and hundredths */
		return ((double)rndn(4001) - 2000) / (rndn(2) ? 10 : 100);
	case 2:		/* whole numbers as reals, up to 2^64 */
		return (double)(rnd() >> rndn(64)) * (rndn(2) ? 1 : -1);
	case 3:		/* every magnitude */
		return ldexp((double)rnd() / 18446744073709551616.0,
		    (int)rndn(2100) - 1075) * (rndn(2) ? 1 : -1);
	case 4:		/* 1e-3 to 1e16, where the writer needs no printf */
		return ldexp((double)(rnd() >> 11) / 9007199254740992.0,
		    (int)rndn(66) - 9) * (rndn(2) ? 1 : -1);
	case 5:		/* 0.001 to 1 */
		return (double)rndn(1000000) / (rndn(2) ? 1e6 : 1e3);
	case 6:
		/*
		 * An exact tie at the 18th digit: D digits before the point
		 * and 18 - D binary ones after it, the last one set, make
		 * 18 significant decimal digits ending in 5.
		 */
		digits = 1 + (int)rndn(15);
		for (ip = 1; digits > 1; digits--)
			ip *= 10;
		ip += rnd() % (ip * 9);
		for (digits = 0, bits = ip; bits > 0; bits /= 10)
			digits++;
		return (double)ip + (double)(rnd() % (1ull << (18 -
		    digits)) | 1) / (double)(1ull << (18 - digits));
	case 7:		/* next to the edges of that range */
		d = rndn(2) ? 1e16 : 1e-3;
		return nextafter(d, rndn(2) ? 0 : INFINITY) *
		    (rndn(2) ? 1 : -1);
	default:	/* any bits, also NaN and the infinities */
		bits = rnd();
		memcpy(&d, &bits, sizeof(d));
		return d;
	}
}

/*
 * The key as JSONW_KEY() hands it to jsonw_key_quoted(), "key":, when it
 * needs no escape; false otherwise.
 */
static bool
quote_key(char *q, const char *key, size_t *qn)
{
	size_t n = strlen(key), i;

	for (i = 0; i < n; i++)
		if ((unsigned char)key[i] < 0x20 ||
		    (unsigned char)key[i] >= 0x80 || key[i] == '"' ||
		    key[i] == '\\')
			return false;
	q[0] = '"';
	memcpy(q + 1, key, n);
	q[n + 1] = '"';
	q[n + 2] = ':';
	*qn = n + 3;
	return true;
}

/*
 * A random value both ways at once: into the writer, and as the json_t
 * it returns.  Keys are made unique, as a json_t object would merge them.
 */
static json_t *
gen_value(struct jsonw *w, int depth)
{
	unsigned char s[256];
	json_t *j, *v;
	char key[300], qkey[304];
	size_t n, i, k, qn;
	long long iv;
	double d;

	switch (rndn(depth < 6 ? 9 : 7)) {
	case 0:
		jsonw_null(w);
		return json_null();
	case 1:
		k = rndn(2);
		jsonw_bool(w, k);
		return json_boolean(k);
	case 2:
		iv = (long long)rnd() >> rndn(64);
		jsonw_int(w, iv);
		return json_integer(iv);
	case 3:
		do
			d = gen_real();
		while (!isfinite(d));
		jsonw_real(w, d);
		return json_real(d);
	case 4:
	case 5:
	case 6:
		n = gen_bytes(s, rndn(40), true);
		jsonw_stringn(w, (const char *)s, n);
		return json_stringn((const char *)s, n);
	case 7:
		jsonw_array(w);
		j = json_array();
		for (i = rndn(6); i > 0; i--)
			json_array_append_new(j, gen_value(w, depth + 1));
		jsonw_array_end(w);
		return j;
	default:
		jsonw_object(w);
		j = json_object();
		for (i = rndn(6); i > 0; i--) {
			n = gen_bytes(s, rndn(12), true);
			/* No NUL inside, and unique by a suffix. */
			for (k = 0; k < n; k++)
				if (s[k] == '\0')
					s[k] = 'z';
			memcpy(key, s, n);
			snprintf(key + n, sizeof(key) - n, "#%zu", i);
			if (!quote_key(qkey, key, &qn) || rndn(3) == 0) {
				jsonw_key(w, key);
				v = gen_value(w, depth + 1);
			} else if (rndn(2) == 0) {
				jsonw_key_quoted(w, qkey, qn);
				v = gen_value(w, depth + 1);
			} else {
				/* Also what is not UTF-8: no member at all. */
				n = gen_bytes(s, rndn(40), rndn(2));
				jsonw_member_stringn(w, qkey, qn,
				    (const char *)s, n);
				v = json_stringn((const char *)s, n);
			}
			json_object_set_new(j, key, v);
		}
		jsonw_object_end(w);
		return j;
	}
}

static void
test_fixed(void)
{
	unsigned char s[2 * JSONW_STAGE + 100];
	struct jsonw w;
	struct buf b;

	buf_init(&b, 4096);
	jsonw_init(&w, &b, JSONW_ASCII);
	jsonw_array(&w);
	jsonw_real(&w, 5.0);
	jsonw_real(&w, -0.0);
	jsonw_real(&w, 1e20);
	jsonw_real(&w, 0x1p-20);
	jsonw_real(&w, 0.1);
	jsonw_string(&w, "/\x7f\xc3\xa4\xe2\x80\xa8\xf0\x9f\x98\x80\x01\n");
	jsonw_string(&w, NULL);
	jsonw_int(&w, LLONG_MIN);
	jsonw_object(&w);
	jsonw_key(&w, "a");
	jsonw_bool(&w, true);
	jsonw_key(&w, "b");
	jsonw_array(&w);
	jsonw_array_end(&w);
	JSONW_KEY(&w, "c_d");
	jsonw_int(&w, 7);
	ok(jsonw_member_stringn(&w, JSONW_QUOTED("e"), "f\xff", 2) == -1,
	    "a member whose string is not UTF-8 is refused");
	ok(jsonw_member_stringn(&w, JSONW_QUOTED("g"), "h\xc3\xa4", 3) == 0,
	    "a member whose string is UTF-8 is written");
	jsonw_object_end(&w);
	jsonw_array_end(&w);
	ok(jsonw_finish(&w) == 0, "a nested value finishes");
	is_str(b.data, "[5.0,-0.0,1e20,9.5367431640625e-7,0.10000000000000001,"
	    "\"/\x7f\\u00E4\\u2028\\uD83D\\uDE00\\u0001\\n\",null,"
	    "-9223372036854775808,{\"a\":true,\"b\":[],\"c_d\":7,"
	    "\"g\":\"h\\u00E4\"}]",
	    "reals, escapes, surrogate pairs, null, nesting, quoted keys");
	buf_free(&b);

	buf_init(&b, 4096);
	jsonw_init(&w, &b, 0);
	jsonw_object(&w);
	jsonw_key(&w, "k");
	ok(jsonw_string(&w, "a\xed\xa0\x80") == -1, "a surrogate is refused");
	ok(jsonw_real(&w, NAN) == -1, "NaN is refused");
	jsonw_text(&w, "a\xed\xa0\x80\xc3\xa4", 6, TEXT_MAX);
	jsonw_key(&w, "l");
	jsonw_array(&w);
	jsonw_int(&w, 1);
	memset(s, 'x', sizeof(s));
	s[sizeof(s) - 1] = 0xff;
	ok(jsonw_stringn(&w, (const char *)s, sizeof(s)) == -1,
	    "a long string with a bad last byte is refused");
	jsonw_array_end(&w);
	jsonw_object_end(&w);
	ok(jsonw_finish(&w) == 0, "a refused value leaves the writer usable");
	is_str(b.data, "{\"k\":\"a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xc3\xa4\",\"l\":[1]}",
	    "text repairs each bad byte; a refused value leaves no trace");
	buf_free(&b);
}

static void
test_misuse(void)
{
	struct jsonw w;
	struct buf b;
	int i;

	buf_init(&b, 4096);
	jsonw_init(&w, &b, 0);
	jsonw_array(&w);
	jsonw_key(&w, "k");
	ok(jsonw_finish(&w) == -1, "a key in an array fails");
	jsonw_init(&w, &b, 0);
	jsonw_array(&w);
	JSONW_KEY(&w, "k");
	ok(jsonw_finish(&w) == -1, "a quoted key in an array fails");
	jsonw_init(&w, &b, 0);
	jsonw_array(&w);
	jsonw_member_stringn(&w, JSONW_QUOTED("k"), "v", 1);
	ok(jsonw_finish(&w) == -1, "a member in an array fails");
	jsonw_init(&w, &b, 0);
	jsonw_object(&w);
	JSONW_KEY(&w, "k");
	JSONW_KEY(&w, "l");
	ok(jsonw_finish(&w) == -1, "a quoted key after a key fails");
	jsonw_init(&w, &b, 0);
	jsonw_object(&w);
	jsonw_int(&w, 1);
	jsonw_object_end(&w);
	ok(jsonw_finish(&w) == -1, "a value without a key fails");
	jsonw_init(&w, &b, 0);
	jsonw_object(&w);
	jsonw_array_end(&w);
	ok(jsonw_finish(&w) == -1, "the wrong end fails");
	jsonw_init(&w, &b, 0);
	jsonw_array(&w);
	ok(jsonw_finish(&w) == -1, "an open array is not finished");
	jsonw_init(&w, &b, 0);
	jsonw_object(&w);
	jsonw_key(&w, "k\xff");
	jsonw_null(&w);
	jsonw_object_end(&w);
	ok(jsonw_finish(&w) == -1, "a key that is not UTF-8 fails");
	jsonw_init(&w, &b, 0);
	for (i = 0; i <= JSONW_DEPTH_MAX; i++)
		jsonw_array(&w);
	for (i = 0; i <= JSONW_DEPTH_MAX; i++)
		jsonw_array_end(&w);
	ok(jsonw_finish(&w) == -1, "nesting past JSONW_DEPTH_MAX fails");
	buf_free(&b);

	buf_init(&b, 8);
	jsonw_init(&w, &b, 0);
	jsonw_string(&w, "a string longer than the buffer");
	ok(jsonw_finish(&w) == -1, "a full buffer fails");
	buf_free(&b);
}

int
main(void)
{
	unsigned char s[8192];
	struct jsonw w;
	struct buf b;
	char *want;
	json_t *j;
	size_t n, k;
	int i;

	test_fixed();
	test_misuse();

	mismatches = 0;
	for (i = 0; i < 40000; i++) {
		/* Long ones too, past the writer's chunk, valid or not. */
		n = gen_bytes(s, i % 25 == 0 ? rndn(1500) : rndn(30),
		    i % 2 == 0);
		check_string(s, n);
	}
	ok(mismatches == 0, "40000 byte strings as json_dumps() writes them");

	mismatches = 0;
	for (i = 0; i < 20000; i++) {
		n = gen_bytes(s, i % 50 == 0 ? rndn(1500) : rndn(30), false);
		for (k = 0; k < n; k++)
			if (s[k] == '\0')
				s[k] = '0';
		s[n] = '\0';
		check_text((const char *)s, i % 3 == 0 ? TEXT_MAX :
		    rndn(64));
	}
	ok(mismatches == 0, "20000 texts repaired as scan_json's jtext() did");

	mismatches = 0;
	for (i = 0; i < 300000; i++)
		check_real(gen_real());
	ok(mismatches == 0, "300000 reals as json_dumps() writes them");

	mismatches = 0;
	check_int(LLONG_MIN);
	check_int(LLONG_MAX);
	check_int(0);
	for (i = 0; i < 10000; i++)
		check_int((long long)rnd() >> rndn(64));
	ok(mismatches == 0, "integers as json_dumps() writes them");

	mismatches = 0;
	for (i = 0; i < 3000; i++) {
		buf_init(&b, 1 << 24);
		jsonw_init(&w, &b, i % 2 ? JSONW_ASCII : 0);
		j = gen_value(&w, 0);
		want = jdump(j, i % 2 ? CLI_FLAGS : RAW_FLAGS);
		if (jsonw_finish(&w) != 0)
			same("value failed", want, &b);
		else
			same("value", want, &b);
		free(want);
		buf_free(&b);
	}
	ok(mismatches == 0, "3000 nested values as json_dumps() writes them");
	return tap_done();
}
