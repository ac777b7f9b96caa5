/*
 * test_dkim.c - DKIM pieces one by one, then whole: tag lists (RFC 6376
 * 3.2), canonicalisation (3.4, with the examples of 3.4.5), l=, key
 * records (3.6.1), base64, and sign-then-verify round trips with fresh
 * RSA and Ed25519 keys answered from an in-memory zone, including what
 * tampering, revocation, expiry and DNS failures give.
 *
 * Messages are split into fields by a small splitter here, so these
 * tests do not depend on the MIME parser.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "auth/dkim.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "util/arena.h"
#include "util/buf.h"
#include "tap.h"

#define NOW	1800000000	/* 2027-01-15 */

static struct arena *A;

/* Splits text into header fields and body, the way message.h describes. */
static struct message *
split(const char *text)
{
	struct message *m = arena_alloc(A, sizeof(*m));
	const char *p = text, *end = text + strlen(text), *nl, *colon;
	struct header *h;

	m->raw = text;
	m->raw_len = strlen(text);
	m->headers = arena_calloc(A, 64, sizeof(*m->headers));
	m->crlf = strstr(text, "\r\n") != NULL;
	while (p < end) {
		if (*p == '\n' || (p[0] == '\r' && p[1] == '\n')) {
			p += *p == '\n' ? 1 : 2;
			break;
		}
		h = &m->headers[m->n_headers++];
		h->raw = p;
		colon = memchr(p, ':', (size_t)(end - p));
		h->name = p;
		h->name_len = (size_t)(colon - p);
		for (;;) {
			nl = memchr(p, '\n', (size_t)(end - p));
			p = nl == NULL ? end : nl + 1;
			if (p >= end || (*p != ' ' && *p != '\t'))
				break;
		}
		h->raw_len = (size_t)(p - h->raw);
		h->value = colon + 1;
		h->value_len = (size_t)(p - colon - 1);
	}
	m->header_len = (size_t)(p - text);
	m->body = p;
	m->body_len = (size_t)(end - p);
	return m;
}

static char *
canon_body(enum dkim_canon c, const char *s, long long limit,
    unsigned long long *total)
{
	struct dkim_sink sink;
	struct buf b;
	char *r;

	buf_init(&b, 1 << 20);
	memset(&sink, 0, sizeof(sink));
	sink.copy = &b;
	sink.limit = limit;
	dkim_canon_body(c, s, strlen(s), &sink);
	buf_addc(&b, '\0');
	r = arena_strdup(A, b.data);
	if (total != NULL)
		*total = sink.total;
	buf_free(&b);
	return r;
}

static char *
canon_header(enum dkim_canon c, const char *s, bool strip)
{
	struct dkim_sink sink;
	struct buf b;
	char *r;

	buf_init(&b, 1 << 20);
	memset(&sink, 0, sizeof(sink));
	sink.copy = &b;
	sink.limit = -1;
	dkim_canon_header(c, s, strlen(s), strip, &sink);
	buf_addc(&b, '\0');
	r = arena_strdup(A, b.data);
	buf_free(&b);
	return r;
}

static void
test_tags(void)
{
	struct dkim_tags t;
	const struct dkim_tag *g;
	const char *why = NULL;
	const char *s;

	s = " v=1; a = rsa-sha256 ;\r\n\tb=ab cd\r\n ef; ";
	ok(dkim_tags_parse(s, strlen(s), &t, &why) == 0, "tag list parses");
	is_int(t.n, 3, "three tags");
	g = dkim_tags_get(&t, "a");
	ok(g != NULL && g->value_len == 10 &&
	    memcmp(g->value, "rsa-sha256", 10) == 0,
	    "FWS around a value is trimmed");
	g = dkim_tags_get(&t, "b");
	ok(g != NULL && g->value_len == 10, "FWS inside a value is kept");
	is_str(dkim_tags_nows(A, g->value, g->value_len, NULL), "abcdef",
	    "dkim_tags_nows drops it");
	ok(dkim_tags_get(&t, "A") == NULL, "tag names are case-sensitive");

	s = "a=1; b=2; a=3";
	ok(dkim_tags_parse(s, strlen(s), &t, &why) == -1 &&
	    strstr(why, "duplicate") != NULL, "duplicate tag refused");
	s = "a=1;; b=2";
	ok(dkim_tags_parse(s, strlen(s), &t, &why) == -1,
	    "empty tag-spec refused");
	s = "a=1; _x=2";
	ok(dkim_tags_parse(s, strlen(s), &t, &why) == -1,
	    "tag name starting with '_' refused");
	s = "a=1; b";
	ok(dkim_tags_parse(s, strlen(s), &t, &why) == -1,
	    "tag without '=' refused");
	s = "a=1; A=2; b=";
	ok(dkim_tags_parse(s, strlen(s), &t, &why) == 0 && t.n == 3,
	    "a and A are different tags; empty value allowed");
	s = "a=1;";
	ok(dkim_tags_parse(s, strlen(s), &t, &why) == 0 && t.n == 1,
	    "trailing ';' allowed");
	s = "a=x\001y";
	ok(dkim_tags_parse(s, strlen(s), &t, &why) == -1,
	    "control character in a value refused");
}

/*
 * The tag-list grammar read the plain way, a character at a time with
 * one test per class, to check the table-driven parser against.
 */
static bool
ref_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
ref_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
ref_tags(const char *s, size_t len, struct dkim_tags *t, const char **why)
{
	size_t i = 0, j, vend;
	struct dkim_tag *tag;
	unsigned char c;

	t->n = 0;
	for (;;) {
		while (i < len && ref_fws(s[i]))
			i++;
		if (i == len)
			return 0;
		if (s[i] == ';')
			return *why = "empty", -1;
		if (!ref_alpha(s[i]))
			return *why = "letter", -1;
		if (t->n == DKIM_TAGS_MAX)
			return *why = "many", -1;
		tag = &t->v[t->n];
		tag->name = s + i;
		while (i < len && (ref_alpha(s[i]) || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			i++;
		tag->name_len = (size_t)(s + i - tag->name);
		while (i < len && ref_fws(s[i]))
			i++;
		if (i == len || s[i] != '=')
			return *why = "'='", -1;
		tag->raw_off = ++i;
		while (i < len && ref_fws(s[i]))
			i++;
		tag->value = s + i;
		vend = i;
		while (i < len && s[i] != ';') {
			c = (unsigned char)s[i];
			if (ref_fws(s[i]))
				i++;
			else if (c < 0x21 || c == 0x7f)
				return *why = "control", -1;
			else
				vend = ++i;
		}
		tag->value_len = vend - (size_t)(tag->value - s);
		tag->raw_end = i;
		for (j = (size_t)(tag->value - s); j < vend; j++)
			if (s[j] == '\r' && (j + 1 >= vend || s[j + 1] != '\n'))
				return *why = "CR", -1;
		for (j = 0; j < t->n; j++)
			if (t->v[j].name_len == tag->name_len &&
			    memcmp(t->v[j].name, tag->name, tag->name_len) == 0)
				return *why = "duplicate", -1;
		t->n++;
		if (i == len)
			return 0;
		i++;
	}
}

/* Random tag lists built from likely pieces, with noise now and then. */
static size_t
random_tags(char *s, size_t cap, unsigned *seed)
{
	static const char *const names[] = {
		"a", "b", "A", "bh", "x-y", "v", "_z", "1a", "h", "bh", "a",
	};
	static const char *const fws[] = { "", "", " ", "\t", "\r\n ", "\r" };
	static const char vals[] = "abcXYZ09+/=:.-  \t\r\n\r\n\001\177\200;";
	size_t n = 0, k, m;
	unsigned r;

#define RND()	(*seed = *seed * 1103515245u + 12345u, *seed >> 16)
#define PUT(str) do { const char *p_ = (str); while (*p_ && n < cap) \
		s[n++] = *p_++; } while (0)
	for (k = RND() % 7; k > 0; k--) {
		PUT(fws[RND() % 6]);
		PUT(names[RND() % 11]);
		PUT(fws[RND() % 6]);
		if (RND() % 16 != 0)
			PUT("=");
		PUT(fws[RND() % 6]);
		for (m = RND() % 8; m > 0 && n < cap; m--) {
			r = RND();
			s[n++] = r % 4 == 0 ? vals[r / 4 % (sizeof(vals) - 1)] :
			    "kq7/"[r / 4 % 4];
		}
		PUT(fws[RND() % 6]);
		if (RND() % 8 != 0)
			PUT(";");
	}
#undef RND
#undef PUT
	return n;
}

static void
test_tags_random(void)
{
	static struct dkim_tags want, got;
	const char *ww, *gw;
	char s[256];
	unsigned seed = 4242;
	size_t len, k;
	int n, bad = 0, rw, rg, parsed = 0;

	for (n = 0; n < 100000; n++) {
		len = random_tags(s, sizeof(s), &seed);
		ww = gw = "";
		rw = ref_tags(s, len, &want, &ww);
		rg = dkim_tags_parse(s, len, &got, &gw);
		parsed += rw == 0 && want.n > 1;
		if (rw != rg || (rw == 0 && want.n != got.n) || (rw == -1 &&
		    strstr(gw, ww) == NULL && !(strcmp(ww, "letter") == 0 &&
		    strstr(gw, "start with") != NULL) && !(strcmp(ww,
		    "control") == 0 && strstr(gw, "control") != NULL) &&
		    !(strcmp(ww, "empty") == 0 && strstr(gw, ";;") != NULL))) {
			if (bad++ == 0)
				printf("# tags mismatch (%s / %s) on \"%.*s\"\n",
				    ww, gw, (int)len, s);
			continue;
		}
		for (k = 0; rw == 0 && k < want.n; k++)
			if (want.v[k].name != got.v[k].name ||
			    want.v[k].name_len != got.v[k].name_len ||
			    want.v[k].value != got.v[k].value ||
			    want.v[k].value_len != got.v[k].value_len ||
			    want.v[k].raw_off != got.v[k].raw_off ||
			    want.v[k].raw_end != got.v[k].raw_end) {
				if (bad++ == 0)
					printf("# tag %zu differs on \"%.*s\"\n",
					    k, (int)len, s);
				break;
			}
	}
	is_int(bad, 0, "tag parser = plain reading, 100000 random lists");
	ok(parsed > 5000, "random tag lists: many parse with several tags");
	printf("# %d of 100000 random tag lists parsed with several tags\n",
	    parsed);
}

static void
test_canon(void)
{
	unsigned long long total;

	/* RFC 6376 3.4.5's examples. */
	is_str(canon_header(DKIM_CANON_RELAXED, "A: X\r\n", false),
	    "a:X\r\n", "relaxed header: name lower-cased, space dropped");
	is_str(canon_header(DKIM_CANON_RELAXED, "B : Y\t\r\n\tZ  \r\n", false),
	    "b:Y Z\r\n", "relaxed header: unfolded, runs reduced, colon WSP");
	is_str(canon_header(DKIM_CANON_SIMPLE, "B : Y\t\r\n\tZ  \r\n", false),
	    "B : Y\t\r\n\tZ  \r\n", "simple header unchanged");
	is_str(canon_header(DKIM_CANON_SIMPLE, "B: Y\n\tZ\n", false),
	    "B: Y\r\n\tZ\r\n", "simple header: bare LF read as CRLF");
	is_str(canon_header(DKIM_CANON_RELAXED, "Subject: a: b\r\n", true),
	    "subject:a: b", "relaxed header: inner colon kept, strip_eol");
	is_str(canon_body(DKIM_CANON_RELAXED, " C \r\nD \t E\r\n\r\n\r\n", -1,
	    NULL), " C\r\nD E\r\n", "relaxed body (3.4.5)");
	is_str(canon_body(DKIM_CANON_SIMPLE, " C \r\nD \t E\r\n\r\n\r\n", -1,
	    NULL), " C \r\nD \t E\r\n", "simple body (3.4.5)");
	is_str(canon_body(DKIM_CANON_SIMPLE, "", -1, NULL), "\r\n",
	    "simple empty body is CRLF");
	is_str(canon_body(DKIM_CANON_RELAXED, "", -1, NULL), "",
	    "relaxed empty body is empty");
	is_str(canon_body(DKIM_CANON_SIMPLE, "\r\n\r\n", -1, NULL), "\r\n",
	    "simple body of empty lines is CRLF");
	is_str(canon_body(DKIM_CANON_SIMPLE, "a\nb", -1, NULL), "a\r\nb\r\n",
	    "bare LF lines, missing final line end added");
	is_str(canon_body(DKIM_CANON_RELAXED, "x\r\n \t \r\n\r\n", -1, NULL),
	    "x\r\n", "relaxed: whitespace-only lines at the end dropped");
	is_str(canon_body(DKIM_CANON_RELAXED, "x\r\n \r\ny", -1, NULL),
	    "x\r\n\r\ny\r\n", "relaxed: inner blank line kept, CRLF added");
	is_str(canon_body(DKIM_CANON_SIMPLE, "x\r\n\r\ny\r\n", -1, NULL),
	    "x\r\n\r\ny\r\n", "simple: inner empty line kept");
	is_str(canon_body(DKIM_CANON_SIMPLE, "abcdef\r\n", 3, &total), "abc",
	    "l= stops the bytes passed on");
	is_int(total, 8, "l= still counts the whole canonical body");
	is_str(canon_body(DKIM_CANON_SIMPLE, "ab\r\n", 0, NULL), "",
	    "l=0 signs nothing of the body");
}

/* RFC 6376 3.4.1 and 3.4.2 a byte at a time, to check the header form. */
static char *
naive_header(enum dkim_canon c, const char *s, size_t len, bool strip)
{
	char *out = arena_alloc(A, 2 * len + 3);
	const char *end = s + len, *colon, *p, *nend;
	size_t o = 0;
	bool sp = false, started = false;

	if (c == DKIM_CANON_SIMPLE) {
		if (end > s && end[-1] == '\n')
			end--;
		if (end > s && end[-1] == '\r')
			end--;
		for (p = s; p < end; p++) {
			if (*p == '\n' && (p == s || p[-1] != '\r'))
				out[o++] = '\r';
			out[o++] = *p;
		}
	} else {
		colon = memchr(s, ':', len);
		nend = colon != NULL ? colon : end;
		while (nend > s && strchr(" \t\r\n", nend[-1]) != NULL &&
		    nend[-1] != '\0')
			nend--;
		for (p = s; p < nend; p++)
			out[o++] = (char)tolower((unsigned char)*p);
		if (colon != NULL) {
			out[o++] = ':';
			for (p = colon + 1; p < end; p++) {
				if (*p == '\r' || *p == '\n')
					continue;
				if (*p == ' ' || *p == '\t') {
					sp = true;
					continue;
				}
				if (sp && started)
					out[o++] = ' ';
				sp = false;
				started = true;
				out[o++] = *p;
			}
		}
	}
	if (!strip) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	out[o] = '\0';
	return out;
}

static void
test_canon_header_random(void)
{
	static const char alphabet[] = "aB: \t\r\n\r\n  x;\001\200";
	char h[80], *want, *got;
	unsigned seed = 99;
	int n, bad = 0, c, strip;
	size_t len, i;

	for (n = 0; n < 30000; n++) {
		seed = seed * 1103515245u + 12345u;
		len = (seed >> 16) % 60;
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			h[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		h[len] = '\0';
		for (c = 0; c < 2; c++)
			for (strip = 0; strip < 2; strip++) {
				want = naive_header((enum dkim_canon)c, h, len,
				    strip);
				got = canon_header((enum dkim_canon)c, h, strip);
				if (strcmp(want, got) != 0 && bad++ == 0)
					printf("# header mismatch c=%d \"%s\"\n",
					    c, h);
			}
	}
	is_int(bad, 0, "header canonicalisation = byte-at-a-time reading, "
	    "30000 random fields");
}

/*
 * The plain reading of 3.4.3 / 3.4.4, line by line into a string, to
 * check the streaming canonicaliser against on random bodies.
 */
static char *
naive_body(enum dkim_canon c, const char *s, size_t len)
{
	char *out = arena_alloc(A, 2 * len + 3), *lines_end;
	size_t o = 0, keep = 0, i, j, st;
	bool sp;

	for (i = 0; i < len; i = j + 1) {
		for (j = i; j < len && s[j] != '\n'; j++)
			;
		st = o;
		{
			size_t e = j;

			if (j < len && e > i && s[e - 1] == '\r')
				e--;
			if (c == DKIM_CANON_SIMPLE) {
				memcpy(out + o, s + i, e - i);
				o += e - i;
			} else {
				sp = false;
				for (size_t k = i; k < e; k++) {
					if (s[k] == ' ' || s[k] == '\t') {
						sp = true;
						continue;
					}
					if (sp)
						out[o++] = ' ';
					sp = false;
					out[o++] = s[k];
				}
			}
		}
		out[o++] = '\r';
		out[o++] = '\n';
		if (o - st > 2)
			keep = o;	/* a non-empty line ends here */
		if (j == len)
			break;
	}
	lines_end = out + keep;
	if (keep == 0 && c == DKIM_CANON_SIMPLE) {
		memcpy(out, "\r\n", 2);
		lines_end = out + 2;
	}
	*lines_end = '\0';
	return out;
}

static void
test_canon_random(void)
{
	static const char alphabet[] = "ab \t\r\n\n\r\n";
	char body[64], *want, *got;
	unsigned seed = 12345;
	int n, bad = 0, c, len, i;

	for (n = 0; n < 20000; n++) {
		seed = seed * 1103515245u + 12345u;
		len = (int)((seed >> 16) % 40);
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			body[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		body[len] = '\0';
		for (c = 0; c < 2; c++) {
			want = naive_body((enum dkim_canon)c, body, (size_t)len);
			got = canon_body((enum dkim_canon)c, body, -1, NULL);
			if (strcmp(want, got) != 0 && bad++ == 0)
				printf("# mismatch c=%d body \"%s\"\n", c, body);
		}
	}
	is_int(bad, 0, "streaming canonicalisation = plain reading, "
	    "20000 random bodies");
}

/*
 * The same check over bodies the short alphabet does not reach: bytes
 * next to SP, HTAB, CR and LF in value ('!', 0x1f, 0x0b, 0x0c), high
 * octets, lines longer than the staging buffer, no final line end, and
 * l= limits cutting anywhere.
 */
static size_t
random_body(char *b, size_t cap, unsigned *seed)
{
	static const char *const pieces[] = {
		"word", "text", " ", " ", "  ", "\t", " \t ", "\r\n", "\r\n",
		"\n", " \r\n", "\t\n", "\r", "!", " !", "\x1f", "\x0b",
		"\x0c", "\x08", "\xc3\xa9", "\xff", "\r\n\r\n", " \r\n \r\n",
		"\n\n", "x", "y z",
	};
	size_t n = 0, k, want, i;
	unsigned r;

	*seed = *seed * 1103515245u + 12345u;
	want = (*seed >> 16) % 4 == 0 ? (*seed >> 4) % cap : (*seed >> 16) % 200;
	while (n < want) {
		*seed = *seed * 1103515245u + 12345u;
		r = *seed >> 16;
		if (r % 97 == 0) {
			/* A long line: past SPAN_DIRECT and the stage. */
			for (i = 0, k = 900 + r % 5000; i < k && n < cap; i++)
				b[n++] = i % 7 == 6 ? ' ' : 'q';
			continue;
		}
		k = r % (sizeof(pieces) / sizeof(pieces[0]));
		for (i = 0; pieces[k][i] != '\0' && n < cap; i++)
			b[n++] = pieces[k][i];
	}
	return n;
}

static void
test_canon_random_long(void)
{
	static char body[24 * 1024 + 1];
	unsigned long long total;
	unsigned seed = 2024;
	char *want, *got;
	size_t len, wl;
	long long l;
	int n, c, bad = 0, badl = 0;

	for (n = 0; n < 3000; n++) {
		len = random_body(body, sizeof(body) - 1, &seed);
		body[len] = '\0';
		for (c = 0; c < 2; c++) {
			want = naive_body((enum dkim_canon)c, body, len);
			got = canon_body((enum dkim_canon)c, body, -1, NULL);
			if (strcmp(want, got) != 0 && bad++ == 0)
				printf("# mismatch c=%d body of %zu bytes\n", c,
				    len);
			wl = strlen(want);
			seed = seed * 1103515245u + 12345u;
			l = (long long)((seed >> 8) % (wl + 10));
			got = canon_body((enum dkim_canon)c, body, l, &total);
			if (strlen(got) != ((size_t)l < wl ? (size_t)l : wl) ||
			    strncmp(want, got, (size_t)l) != 0 || total != wl) {
				if (badl++ == 0)
					printf("# l=%lld mismatch c=%d\n", l, c);
			}
		}
	}
	is_int(bad, 0, "streaming canonicalisation = plain reading, 3000 "
	    "bodies with long lines and odd bytes");
	is_int(badl, 0, "l= keeps the first l canonical bytes, counts them "
	    "all, 6000 cases");
}

static void
test_b64(void)
{
	unsigned char *out;
	size_t n;

	ok(dkim_b64_decode(A, "aGVs\r\n bG8=", 11, &out, &n) == 0 && n == 5 &&
	    memcmp(out, "hello", 5) == 0, "base64 with FWS decodes");
	ok(dkim_b64_decode(A, "aGVs*G8=", 8, &out, &n) == -1,
	    "bad base64 character refused");
	ok(dkim_b64_decode(A, "aG=Vs", 5, &out, &n) == -1,
	    "padding inside refused");
	is_str(dkim_b64_encode(A, (const unsigned char *)"hello", 5),
	    "aGVsbG8=", "base64 encode");
}

/*
 * The plain base64 reading, a character at a time, to check the table
 * decoder against: FWS skipped, '=' only at the end, at most two of
 * them, a lone last character refused, unfinished bits dropped.
 */
static int
ref_b64(const char *s, size_t len, unsigned char *out, size_t *outlen)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned acc = 0;
	size_t i, n = 0, bits = 0, pad = 0, chars = 0;
	const char *d;

	for (i = 0; i < len; i++) {
		if (strchr(" \t\r\n", s[i]) != NULL && s[i] != '\0')
			continue;
		if (s[i] == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || s[i] == '\0' ||
		    (d = strchr(digits, s[i])) == NULL)
			return -1;
		chars++;
		acc = acc << 6 | (unsigned)(d - digits);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (pad > 2 || chars % 4 == 1 || (pad > 0 && (chars + pad) % 4 != 0))
		return -1;
	*outlen = n;
	return 0;
}

static void
test_b64_random(void)
{
	static const char alphabet[] = "QUJDZGVmZ2hp+/09azAZ"
	    "QUJDZGVmZ2hp+/09azAZ \t\r\n=*-\001\200";
	unsigned char want[64], *got;
	char s[80];
	unsigned seed = 777;
	size_t wn, gn, len, i;
	int n, bad = 0, rw, rg, decoded = 0;

	for (n = 0; n < 100000; n++) {
		seed = seed * 1103515245u + 12345u;
		len = (seed >> 16) % 60;
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Mostly digits, so that long valid runs happen. */
			s[i] = alphabet[(seed >> 16) % ((seed >> 8) % 4 == 0 ?
			    sizeof(alphabet) - 1 : 20)];
		}
		rw = ref_b64(s, len, want, &wn);
		rg = dkim_b64_decode(A, s, len, &got, &gn);
		if (rw == 0)
			decoded++;
		if (rw != rg || (rw == 0 && (wn != gn ||
		    memcmp(want, got, wn) != 0))) {
			if (bad++ == 0)
				printf("# base64 mismatch on \"%.*s\"\n",
				    (int)len, s);
		}
	}
	is_int(bad, 0, "base64 decoder = plain reading, 100000 random inputs");
	ok(decoded > 10000, "base64 random inputs: many of them valid");
}

/* The fetched SHA-256 is SHA-256 (FIPS 180-4's "abc" example). */
static void
test_sha256(void)
{
	static const unsigned char want[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
		0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	unsigned char got[32];
	unsigned int n = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	ok(md != NULL && dkim_sha256() == dkim_sha256() &&
	    EVP_DigestInit_ex(md, dkim_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, "abc", 3) == 1 &&
	    EVP_DigestFinal_ex(md, got, &n) == 1 && n == 32 &&
	    memcmp(got, want, 32) == 0, "dkim_sha256 is SHA-256, fetched once");
	EVP_MD_CTX_free(md);
}

static char *
pubkey_b64(EVP_PKEY *k)
{
	unsigned char raw[64], *der = NULL;
	size_t n = sizeof(raw);
	char *r;
	int len;

	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519) {
		EVP_PKEY_get_raw_public_key(k, raw, &n);
		return dkim_b64_encode(A, raw, n);
	}
	len = i2d_PUBKEY(k, &der);
	r = dkim_b64_encode(A, der, (size_t)len);
	OPENSSL_free(der);
	return r;
}

static void
test_keys(EVP_PKEY *rsa, EVP_PKEY *ed)
{
	static char big[5600];
	struct dkim_key k;
	const char *why = NULL, *s;
	char *rec;
	int r;

	rec = arena_printf(A, "v=DKIM1; k=rsa; p=%s", pubkey_b64(rsa));
	r = dkim_key_parse(rec, strlen(rec), &k, &why);
	ok(r == 0 && !k.revoked &&
	    k.type == DKIM_KEY_RSA && k.bits == 2048, "RSA key record");
	ok(k.sha1 && k.sha256 && !k.testing && !k.strict,
	    "defaults: any hash, no flags");
	dkim_key_clear(&k);
	rec = arena_printf(A, "k=ed25519; t=y:s; h=sha256; p=%s",
	    pubkey_b64(ed));
	r = dkim_key_parse(rec, strlen(rec), &k, &why);
	ok(r == 0 &&
	    k.type == DKIM_KEY_ED25519 && k.testing && k.strict &&
	    k.sha256 && !k.sha1, "Ed25519 record with t=y:s and h=sha256");
	dkim_key_clear(&k);
	s = "v=DKIM1; p=";
	r = dkim_key_parse(s, strlen(s), &k, &why);
	ok(r == 0 && k.revoked,
	    "empty p= is a revoked key");
	s = "v=DKIM2; p=AAAA";
	r = dkim_key_parse(s, strlen(s), &k, &why);
	ok(r == -1, "v=DKIM2 refused");
	s = "k=rsa; v=DKIM1; p=";
	r = dkim_key_parse(s, strlen(s), &k, &why);
	ok(r == -1,
	    "v= not first refused");
	s = "k=foo; p=AAAA";
	r = dkim_key_parse(s, strlen(s), &k, &why);
	ok(r == -1 &&
	    strstr(why, "k=") != NULL, "unknown k= refused");
	s = "s=tlsrpt; p=";
	r = dkim_key_parse(s, strlen(s), &k, &why);
	ok(r == -1 &&
	    strstr(why, "s=") != NULL, "s=tlsrpt is not for email");
	s = "v=DKIM1; k=rsa";
	r = dkim_key_parse(s, strlen(s), &k, &why);
	ok(r == -1, "no p= refused");
	s = "v=DKIM1; p=aGVsbG8gd29ybGQ=";
	r = dkim_key_parse(s, strlen(s), &k, &why);
	ok(r == -1,
	    "p= that is not a key refused");
	rec = arena_printf(A, "k=ed25519; p=%s", pubkey_b64(rsa));
	r = dkim_key_parse(rec, strlen(rec), &k, &why);
	ok(r == -1,
	    "k=ed25519 with an RSA SPKI refused");
	/* p= decodes into 4096 bytes at most: one group more is too long. */
	rec = big;
	memcpy(rec, "p=", 2);
	memset(rec + 2, 'A', 5464);
	rec[5466] = '\0';
	r = dkim_key_parse(rec, strlen(rec), &k, &why);
	ok(r == -1 && strstr(why, "too long") != NULL,
	    "p= of 4098 bytes refused as too long");
	memcpy(rec + 2 + 5460, "AA==", 4);
	r = dkim_key_parse(rec, strlen(rec), &k, &why);
	ok(r == -1 && strstr(why, "not an RSA") != NULL,
	    "p= of 4096 bytes decoded (and then refused as no key)");
}

static const char msg_text[] =
	"From: Alice <alice@example.com>\r\n"
	"To: bob@example.net\r\n"
	"Subject: quarterly   figures\r\n"
	"Date: Mon, 4 Jan 2027 10:00:00 +0000\r\n"
	"Message-ID: <1@example.com>\r\n"
	"\r\n"
	"Hello Bob,\r\n"
	"the figures are attached.  \r\n"
	"\r\n"
	"\r\n";

/* A TXT record's text as quoted strings of at most 255 octets. */
static char *
txt(const char *s)
{
	char *r = arena_strdup(A, "");
	size_t n = strlen(s), i, k;

	for (i = 0; i < n; i += k) {
		k = n - i > 200 ? 200 : n - i;
		r = arena_printf(A, "%s \"%.*s\"", r, (int)k, s + i);
	}
	return r;
}

static struct dns_resolver *
make_zone(EVP_PKEY *rsa, EVP_PKEY *ed)
{
	char err[256], *z;
	struct dns_resolver *r;

	z = arena_printf(A,
	    "$TTL 300\n"
	    "rsa._domainkey.example.com. TXT %s\n"
	    "ed._domainkey.example.com. TXT %s\n"
	    "gone._domainkey.example.com. TXT \"v=DKIM1; p=\"\n"
	    ";@timeout slow._domainkey.example.com.\n"
	    ";@servfail broken._domainkey.example.com.\n",
	    txt(arena_printf(A, "v=DKIM1; k=rsa; p=%s", pubkey_b64(rsa))),
	    txt(arena_printf(A, "v=DKIM1; k=ed25519; p=%s", pubkey_b64(ed))));
	r = dns_zone_from_text(z, strlen(z), NULL, err, sizeof(err));
	if (r == NULL)
		printf("# zone: %s\n", err);
	return r;
}

static char *
sign(const char *text, EVP_PKEY *k, const char *sel,
    const struct dkim_signer *tmpl)
{
	struct dkim_signer sg;
	const char *why = NULL;
	char *field;

	if (tmpl != NULL)
		sg = *tmpl;
	else
		memset(&sg, 0, sizeof(sg));
	sg.domain = "example.com";
	sg.selector = sel;
	sg.key = k;
	sg.t = NOW - 60;
	if (dkim_sign(split(text), &sg, A, &field, &why) == -1) {
		printf("# sign: %s\n", why);
		return NULL;
	}
	return arena_printf(A, "%s%s", field, text);
}

static struct dkim_results
verify(struct dns_resolver *r, const char *text)
{
	struct dkim_results res;
	struct dns_batch *b = dns_batch_new(r, A);

	memset(&res, 0, sizeof(res));
	dkim_verify(split(text), b, A, NOW, &res);
	dns_batch_free(b);
	return res;
}

static char *
replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);

	if (p == NULL)
		return arena_strdup(A, s);
	return arena_printf(A, "%.*s%s%s", (int)(p - s), s, to,
	    p + strlen(from));
}

static void
test_roundtrip(EVP_PKEY *rsa, EVP_PKEY *ed)
{
	struct dns_resolver *r = make_zone(rsa, ed);
	struct dkim_results res;
	struct dkim_signer sg;
	char *s, *t;

	ok(r != NULL, "zone for the round trips loads");
	if (r == NULL)
		return;

	s = sign(msg_text, rsa, "rsa", NULL);
	ok(s != NULL && strncmp(s, "DKIM-Signature: v=1; a=rsa-sha256; "
	    "c=relaxed/relaxed;", 52) == 0, "rsa signature, relaxed default");
	res = verify(r, s);
	is_int(res.n, 1, "one result");
	is_str(auth_result_name(res.v[0].result), "pass",
	    "rsa-sha256 sign then verify passes");
	is_str(res.v[0].domain, "example.com", "d= reported");
	is_str(res.v[0].selector, "rsa", "s= reported");
	is_str(res.v[0].identity, "@example.com", "identity defaults to @d");
	ok(res.v[0].b_prefix != NULL && strlen(res.v[0].b_prefix) == 8,
	    "b= prefix of 8");

	t = replace(s, "the figures", "the numbers");
	res = verify(r, t);
	ok(res.v[0].result == AUTH_FAIL && res.v[0].reason != NULL &&
	    strstr(res.v[0].reason, "body hash") != NULL,
	    "body changed: fail, body hash mismatch (%s)", res.v[0].reason);
	t = replace(s, "Subject: quarterly", "Subject: yearly");
	res = verify(r, t);
	ok(res.v[0].result == AUTH_FAIL && res.v[0].reason != NULL &&
	    strstr(res.v[0].reason, "signature mismatch") != NULL,
	    "subject changed: fail, signature mismatch (%s)", res.v[0].reason);
	t = replace(s, "Subject: quarterly   figures",
	    "subject:quarterly figures  ");
	res = verify(r, t);
	is_int(res.v[0].result, AUTH_PASS,
	    "relaxed forgives name case and whitespace");
	t = replace(s, "\r\n\r\nHello", "\r\nFrom: mallory@evil.example\r\n"
	    "\r\nHello");
	res = verify(r, t);
	is_int(res.v[0].result, AUTH_FAIL,
	    "From added below: oversigned, fail");
	t = arena_printf(A, "From: mallory@evil.example\r\n%s", s);
	res = verify(r, t);
	is_int(res.v[0].result, AUTH_FAIL, "From added on top: fail");
	t = arena_printf(A, "X-Added: yes\r\n%s", s);
	res = verify(r, t);
	is_int(res.v[0].result, AUTH_PASS, "unsigned field added: pass");
	t = replace(s, "Hello Bob,\r\n", "Hello  Bob, \n");
	res = verify(r, t);
	is_int(res.v[0].result, AUTH_PASS,
	    "relaxed body forgives whitespace and bare LF");

	s = sign(msg_text, ed, "ed", NULL);
	ok(s != NULL && strstr(s, "a=ed25519-sha256") != NULL,
	    "ed25519 signature");
	res = verify(r, s);
	is_int(res.v[0].result, AUTH_PASS, "ed25519 sign then verify passes");
	t = replace(s, "quarterly", "Quarterly");
	res = verify(r, t);
	is_int(res.v[0].result, AUTH_FAIL, "ed25519: header change fails");

	memset(&sg, 0, sizeof(sg));
	sg.canon_set = true;
	sg.hcanon = DKIM_CANON_SIMPLE;
	sg.bcanon = DKIM_CANON_SIMPLE;
	s = sign(msg_text, rsa, "rsa", &sg);
	ok(s != NULL && strstr(s, "c=simple/simple") != NULL,
	    "simple/simple signature");
	res = verify(r, s);
	is_int(res.v[0].result, AUTH_PASS, "simple/simple passes");
	res = verify(r, replace(s, "attached.  ", "attached."));
	is_int(res.v[0].result, AUTH_FAIL,
	    "simple body: trailing space removed fails");
	res = verify(r, arena_printf(A, "%s\r\n\r\n", s));
	is_int(res.v[0].result, AUTH_PASS,
	    "simple body: empty lines added at the end pass");

	/* Two signatures: top to bottom, one result each. */
	s = sign(msg_text, rsa, "rsa", NULL);
	t = sign(s, ed, "ed", NULL);
	res = verify(r, t);
	ok(res.n == 2 && res.v[0].result == AUTH_PASS &&
	    res.v[1].result == AUTH_PASS && strcmp(res.v[0].selector,
	    "ed") == 0 && strcmp(res.v[1].selector, "rsa") == 0,
	    "two signatures, top one first");

	s = sign(msg_text, rsa, "gone", NULL);
	res = verify(r, s);
	ok(res.v[0].result == AUTH_PERMERROR &&
	    strstr(res.v[0].reason, "revoked") != NULL,
	    "revoked key: permerror (%s)", res.v[0].reason);
	s = sign(msg_text, rsa, "none", NULL);
	res = verify(r, s);
	ok(res.v[0].result == AUTH_PERMERROR &&
	    strstr(res.v[0].reason, "no key") != NULL,
	    "no key record: permerror (%s)", res.v[0].reason);
	s = sign(msg_text, rsa, "slow", NULL);
	res = verify(r, s);
	is_int(res.v[0].result, AUTH_TEMPERROR,
	    "key lookup timeout: temperror");
	s = sign(msg_text, rsa, "broken", NULL);
	res = verify(r, s);
	is_int(res.v[0].result, AUTH_TEMPERROR, "SERVFAIL: temperror");

	memset(&sg, 0, sizeof(sg));
	sg.x = NOW - 1;
	s = sign(msg_text, rsa, "rsa", &sg);
	res = verify(r, s);
	ok(res.v[0].result == AUTH_PERMERROR &&
	    strstr(res.v[0].reason, "expired") != NULL,
	    "x= in the past: expired (%s)", res.v[0].reason);
	sg.x = NOW + 3600;
	s = sign(msg_text, rsa, "rsa", &sg);
	res = verify(r, s);
	is_int(res.v[0].result, AUTH_PASS, "x= in the future: pass");

	memset(&sg, 0, sizeof(sg));
	sg.headers = "to:subject";
	s = sign(msg_text, rsa, "rsa", &sg);
	ok(s == NULL, "signing without From refused");
	sg.identity = "news@mail.example.com";
	sg.headers = "from:to";
	s = sign(msg_text, rsa, "rsa", &sg);
	res = verify(r, s);
	ok(res.v[0].result == AUTH_PASS && strcmp(res.v[0].identity,
	    "news@mail.example.com") == 0, "i= in a subdomain of d=: pass");
	res = verify(r, replace(s, "i=news@mail.example.com",
	    "i=news@example.org"));
	ok(res.v[0].result == AUTH_PERMERROR &&
	    strstr(res.v[0].reason, "i=") != NULL, "i= outside d=: permerror");
	res = verify(r, replace(s, "v=1;", "v=1; v=1;"));
	ok(res.v[0].result == AUTH_PERMERROR &&
	    strstr(res.v[0].reason, "duplicate") != NULL,
	    "duplicate tag: permerror (%s)", res.v[0].reason);
	res = verify(r, replace(s, "a=rsa-sha256", "a=rsa-sha1"));
	ok(res.v[0].result == AUTH_FAIL &&
	    strstr(res.v[0].reason, "sha1") != NULL, "rsa-sha1: fail (%s)",
	    res.v[0].reason);
	res = verify(r, msg_text);
	is_int(res.n, 0, "unsigned message: no results");

	dns_resolver_free(r);
}

static void
test_body_cache(void)
{
	struct dkim_bodycache c;
	const struct dkim_bodyhash *a, *b;
	struct message *m = split(msg_text);

	memset(&c, 0, sizeof(c));
	a = dkim_body_hash(&c, m, DKIM_CANON_RELAXED, -1);
	b = dkim_body_hash(&c, m, DKIM_CANON_RELAXED, -1);
	ok(a == b && c.computed == 1, "same canon and l=: hashed once");
	dkim_body_hash(&c, m, DKIM_CANON_RELAXED, 10);
	dkim_body_hash(&c, m, DKIM_CANON_SIMPLE, -1);
	is_int(c.computed, 3, "other l= or canon: hashed again");
}

static void
test_l(EVP_PKEY *rsa, EVP_PKEY *ed)
{
	struct dns_resolver *r = make_zone(rsa, ed);
	struct dkim_results res;
	char *s, *t;

	if (r == NULL)
		return;
	s = sign(msg_text, rsa, "rsa", NULL);
	t = replace(s, "v=1;", "v=1; l=abc;");
	res = verify(r, t);
	ok(res.v[0].result == AUTH_PERMERROR, "l= not a number: permerror");
	t = replace(s, "v=1;", "v=1; l=99999;");
	res = verify(r, t);
	ok(res.v[0].result == AUTH_FAIL, "l= longer than the body: fail (%s)",
	    res.v[0].reason);
	dns_resolver_free(r);
}

static void
test_privkey_file(EVP_PKEY *rsa)
{
	char path[] = "/tmp/test_dkim_keyXXXXXX";
	const char *why = NULL;
	EVP_PKEY *k;
	FILE *fp;
	int fd;

	fd = mkstemp(path);
	fp = fdopen(fd, "w");
	PEM_write_PrivateKey(fp, rsa, NULL, NULL, 0, NULL, NULL);
	fclose(fp);
	k = dkim_privkey_load(path, &why);
	ok(k != NULL && EVP_PKEY_eq(k, rsa) == 1, "PEM private key loads");
	EVP_PKEY_free(k);
	fp = fopen(path, "w");
	fputs("nBcuHKfjt0ZrazhAYE3yCzmJaMO/EqYkCLrfEyHk0oQ=\n", fp);
	fclose(fp);
	k = dkim_privkey_load(path, &why);
	ok(k != NULL && dkim_privkey_alg(k) == DKIM_ALG_ED25519_SHA256,
	    "base64 Ed25519 seed loads");
	EVP_PKEY_free(k);
	fp = fopen(path, "w");
	fputs("junk\n", fp);
	fclose(fp);
	ok(dkim_privkey_load(path, &why) == NULL && why != NULL,
	    "junk key file refused");
	unlink(path);
}

struct cache_worker {
	const char	*rec;
	EVP_PKEY	*want;
	int		 seed, good;
};

/* Many lookups over more names than slots, to race hits and evictions. */
static void *
cache_worker_run(void *arg)
{
	struct cache_worker *w = arg;
	struct dkim_key k;
	const char *why;
	char name[64];
	int i;

	for (i = 0; i < 400; i++) {
		snprintf(name, sizeof(name), "t%d._domainkey.example.com",
		    (i * 7 + w->seed) % 90);
		if (dkim_key_cached(name, w->rec, strlen(w->rec), &k,
		    &why) == 0 && EVP_PKEY_eq(k.pkey, w->want) == 1)
			w->good++;
		dkim_key_clear(&k);
	}
	return NULL;
}

static void
test_key_cache_threads(EVP_PKEY *rsa)
{
	struct cache_worker w[4];
	pthread_t t[4];
	int i, good = 0;

	for (i = 0; i < 4; i++) {
		w[i].rec = arena_printf(A, "v=DKIM1; k=rsa; p=%s",
		    pubkey_b64(rsa));
		w[i].want = rsa;
		w[i].seed = i * 13;
		w[i].good = 0;
		pthread_create(&t[i], NULL, cache_worker_run, &w[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		good += w[i].good;
	}
	is_int(good, 1600, "key cache: four threads, every lookup correct");
	dkim_key_cache_flush();
}

/*
 * The key cache: the same name and text share one parsed key; another
 * text (a rotated key) or another name is parsed afresh; more records
 * than the cache holds still all give correct keys.
 */
static void
test_key_cache(EVP_PKEY *rsa, EVP_PKEY *ed)
{
	struct dkim_key k1, k2, k3;
	const char *why = NULL, *s;
	char *rec, *rec2;
	int i, good = 0;

	dkim_key_cache_flush();
	rec = arena_printf(A, "v=DKIM1; k=rsa; p=%s", pubkey_b64(rsa));
	rec2 = arena_printf(A, "v=DKIM1; k=ed25519; p=%s", pubkey_b64(ed));
	ok(dkim_key_cached("rsa._domainkey.example.com", rec, strlen(rec),
	    &k1, &why) == 0 && dkim_key_cached("rsa._domainkey.example.com",
	    rec, strlen(rec), &k2, &why) == 0 && k1.pkey == k2.pkey &&
	    k2.bits == 2048 && k2.type == DKIM_KEY_RSA,
	    "key cache: same record again shares the parsed key");
	ok(dkim_key_cached("rsa._domainkey.example.com", rec2, strlen(rec2),
	    &k3, &why) == 0 && k3.pkey != k1.pkey &&
	    k3.type == DKIM_KEY_ED25519,
	    "key cache: new text under the same name is parsed afresh");
	dkim_key_clear(&k3);
	ok(dkim_key_cached("other._domainkey.example.com", rec, strlen(rec),
	    &k3, &why) == 0 && k3.pkey != k1.pkey,
	    "key cache: same text under another name is its own entry");
	dkim_key_clear(&k1);
	dkim_key_clear(&k3);
	s = "v=DKIM1; p=";
	ok(dkim_key_cached("gone._domainkey.example.com", s, strlen(s), &k1,
	    &why) == 0 && k1.revoked && dkim_key_cached(
	    "gone._domainkey.example.com", s, strlen(s), &k3, &why) == 0 &&
	    k3.revoked && k3.pkey == NULL,
	    "key cache: a revoked record stays revoked");
	s = "v=DKIM1; k=rsa; p=aGVsbG8=";
	ok(dkim_key_cached("bad._domainkey.example.com", s, strlen(s), &k1,
	    &why) == -1 && dkim_key_cached("bad._domainkey.example.com", s,
	    strlen(s), &k1, &why) == -1, "key cache: a bad record stays bad");
	for (i = 0; i < 150; i++) {
		const char *name = arena_printf(A, "s%d._domainkey.example.com",
		    i % 100);

		if (dkim_key_cached(name, rec, strlen(rec), &k1, &why) == 0 &&
		    k1.bits == 2048 && EVP_PKEY_eq(k1.pkey, rsa) == 1)
			good++;
		dkim_key_clear(&k1);
	}
	is_int(good, 150, "key cache: more records than slots, all correct");
	/* k2 outlived its cache entry's eviction: it owns a reference. */
	ok(EVP_PKEY_eq(k2.pkey, rsa) == 1, "key cache: handed-out key "
	    "survives eviction");
	dkim_key_clear(&k2);
	dkim_key_cache_flush();
}

/*
 * RSA verify contexts are kept per thread and found by key: a context
 * of the wrong key would pass a signature of that key, so every round
 * checks a key against its own signature and against another's, over
 * more keys than a thread keeps, from several threads.
 */
#define VKEYS	11

struct vctx_set {
	EVP_PKEY	*key[VKEYS];
	unsigned char	*sig[VKEYS];
	size_t		 slen[VKEYS];
	unsigned char	 md[32];
};

struct vctx_worker {
	const struct vctx_set *set;
	int		 seed, good, rounds;
};

/* One round: key a with its signature and with b's; 1 when both right. */
static int
vctx_round(const struct vctx_set *v, int a, int b)
{
	struct dkim_key k;

	memset(&k, 0, sizeof(k));
	k.type = DKIM_KEY_RSA;
	k.pkey = v->key[a];
	return dkim_key_verify(&k, v->md, sizeof(v->md), v->sig[a],
	    v->slen[a]) == 1 && (a == b || dkim_key_verify(&k, v->md,
	    sizeof(v->md), v->sig[b], v->slen[b]) == 0);
}

static void *
vctx_worker_run(void *arg)
{
	struct vctx_worker *w = arg;
	int i;

	for (i = 0; i < w->rounds; i++)
		w->good += vctx_round(w->set, (i * 5 + w->seed) % VKEYS,
		    (i * 3 + w->seed + 1) % VKEYS);
	return NULL;
}

static void
test_verify_ctx(void)
{
	struct vctx_worker w[4];
	struct vctx_set v;
	struct dkim_key k;
	pthread_t t[4];
	int i, good = 0;

	memset(v.md, 0x5a, sizeof(v.md));
	for (i = 0; i < VKEYS; i++) {
		v.key[i] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
		dkim_privkey_sign(v.key[i], A, v.md, sizeof(v.md), &v.sig[i],
		    &v.slen[i]);
	}
	dkim_key_cache_flush();
	for (i = 0; i < 3 * VKEYS; i++)
		good += vctx_round(&v, i % VKEYS, (i * 7 + 3) % VKEYS);
	is_int(good, 3 * VKEYS, "verify contexts: each key checks with its "
	    "own, more keys than a thread keeps");
	memset(&k, 0, sizeof(k));
	k.type = DKIM_KEY_RSA;
	k.pkey = v.key[0];
	ok(dkim_key_verify(&k, v.md, sizeof(v.md), v.sig[1], v.slen[1]) == 0 &&
	    dkim_key_verify(&k, v.md, sizeof(v.md), v.sig[0], v.slen[0]) == 1 &&
	    dkim_key_verify(&k, v.md, 31, v.sig[0], v.slen[0]) == 0 &&
	    dkim_key_verify(&k, v.md, sizeof(v.md), v.sig[0], v.slen[0]) == 1,
	    "verify contexts: a kept context still checks after a failure");
	dkim_key_cache_flush();
	ok(vctx_round(&v, 2, 3) && vctx_round(&v, 3, 2),
	    "verify contexts: flushed, verification still right");
	for (i = 0; i < 4; i++) {
		w[i].set = &v;
		w[i].seed = i * 3;
		w[i].good = 0;
		w[i].rounds = 60;
		pthread_create(&t[i], NULL, vctx_worker_run, &w[i]);
	}
	for (good = 0, i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		good += w[i].good;
	}
	is_int(good, 240, "verify contexts: four threads, every check right");
	dkim_key_cache_flush();
	for (i = 0; i < VKEYS; i++)
		EVP_PKEY_free(v.key[i]);
}

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A typical 32 KB message: text lines of 60-75 characters. */
static char *
bench_message(void)
{
	struct buf b;
	char *text;
	size_t i;

	buf_init(&b, 1 << 20);
	buf_adds(&b, msg_text);
	for (i = 0; b.len < 32 * 1024; i++)
		buf_printf(&b, "Line %zu of the report: the quick brown fox "
		    "jumps over the lazy dog%.*s\r\n", i, (int)(i % 16),
		    "................");
	text = arena_strndup(A, b.data, b.len);
	buf_free(&b);
	return text;
}

/*
 * Mean CPU time of dkim_verify() on text, each round with a fresh arena
 * and DNS batch as a scan has; cold empties the key cache first, so each
 * round parses the key as verification did before the cache.
 */
static double
bench_verify(struct dns_resolver *r, const char *text, int n, bool cold,
    int *bad)
{
	struct dkim_results res;
	struct dns_batch *batch;
	struct arena *keep = A;
	double t0;
	int i;

	t0 = bench_now();
	for (i = 0; i < n; i++) {
		if (cold)
			dkim_key_cache_flush();
		A = arena_new(0);
		batch = dns_batch_new(r, A);
		memset(&res, 0, sizeof(res));
		if (dkim_verify(split(text), batch, A, NOW, &res) == -1 ||
		    res.n != 1 || res.v[0].result != AUTH_PASS)
			(*bad)++;
		dns_batch_free(batch);
		arena_free(A);
	}
	A = keep;
	return (bench_now() - t0) / n;
}

/* The floor's parts and the key parse alone, same key and body. */
static void
bench_parts(EVP_PKEY *rsa, const char *text, int n, double *t_rsa,
    double *t_sha, double *t_parse, int *bad)
{
	unsigned char md[32], *sig = NULL;
	struct dkim_key k;
	const char *why, *rec;
	size_t slen = 0;
	double t0;
	int i;

	memset(&k, 0, sizeof(k));
	k.type = DKIM_KEY_RSA;
	k.pkey = rsa;
	SHA256((const unsigned char *)"x", 1, md);
	dkim_privkey_sign(rsa, A, md, sizeof(md), &sig, &slen);
	t0 = bench_now();
	for (i = 0; i < n; i++)
		if (!dkim_key_verify(&k, md, sizeof(md), sig, slen))
			(*bad)++;
	*t_rsa = (bench_now() - t0) / n;
	t0 = bench_now();
	for (i = 0; i < n; i++)
		SHA256((const unsigned char *)text, strlen(text), md);
	*t_sha = (bench_now() - t0) / n;
	rec = arena_printf(A, "v=DKIM1; k=rsa; p=%s", pubkey_b64(rsa));
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		if (dkim_key_parse(rec, strlen(rec), &k, &why) == -1)
			(*bad)++;
		dkim_key_clear(&k);
	}
	*t_parse = (bench_now() - t0) / n;
}

/*
 * test_dkim --bench [N]: the CPU time of dkim_verify() on a signed 32 KB
 * message (relaxed/relaxed, RSA-2048, key from an in-memory zone), with
 * and without the key cache, beside the floor the issue sets: one
 * RSA-2048 verify plus one SHA-256 pass over the message, measured here
 * with the same library.  CPU time, not wall time, so that other load on
 * the machine does not count.  Not a test: numbers only.
 */
static int
bench(int n)
{
	EVP_PKEY *rsa, *ed;
	struct dns_resolver *r;
	char *text, *signed_text;
	double t_cold, t_warm, t_rsa, t_sha, t_parse;
	int bad = 0;

	A = arena_new(0);
	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	r = make_zone(rsa, ed);
	text = bench_message();
	signed_text = sign(text, rsa, "rsa", NULL);
	if (n < 1 || r == NULL || signed_text == NULL)
		return 1;
	t_cold = bench_verify(r, signed_text, n, true, &bad);
	t_warm = bench_verify(r, signed_text, n, false, &bad);
	bench_parts(rsa, text, n, &t_rsa, &t_sha, &t_parse, &bad);
	printf("message %zu bytes, %d rounds (%s)\n", strlen(signed_text), n,
	    bad ? "FAILED" : "ok");
	printf("dkim_verify, no cache: %7.1f us\n", t_cold * 1e6);
	printf("dkim_verify, cached:  %8.1f us\n", t_warm * 1e6);
	printf("RSA-2048 verify:      %8.1f us\n", t_rsa * 1e6);
	printf("SHA-256 of message:   %8.1f us\n", t_sha * 1e6);
	printf("key record parse:     %8.1f us\n", t_parse * 1e6);
	printf("floor (sum):          %8.1f us, cached/floor %.2f\n",
	    (t_rsa + t_sha) * 1e6, t_warm / (t_rsa + t_sha));
	dns_resolver_free(r);
	dkim_key_cache_flush();
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
	arena_free(A);
	return bad != 0;
}

int
main(int argc, char **argv)
{
	EVP_PKEY *rsa, *ed;

	if (argc > 1 && strcmp(argv[1], "--bench") == 0)
		return bench(argc > 2 ? atoi(argv[2]) : 2000);
	A = arena_new(0);
	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	test_tags();
	test_tags_random();
	test_canon();
	test_canon_random();
	test_canon_random_long();
	test_canon_header_random();
	test_b64();
	test_b64_random();
	test_sha256();
	test_keys(rsa, ed);
	test_roundtrip(rsa, ed);
	test_body_cache();
	test_l(rsa, ed);
	test_privkey_file(rsa);
	test_key_cache(rsa, ed);
	test_key_cache_threads(rsa);
	test_verify_ctx();
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
	arena_free(A);
	return tap_done();
}
