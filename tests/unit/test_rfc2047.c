/*
 * test_rfc2047.c - encoded words (RFC 2047), parameters (RFC 2231) and
 * charsets of text parts.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "mime/message.h"
#include "util/arena.h"
#include "tap.h"

static struct arena *a;

static const char *
dec(const char *s)
{
	return message_decode_header(a, s, strlen(s));
}

static struct message *
parse(const char *s)
{
	return message_parse(a, s, strlen(s), NULL);
}


/* The value with every CR and LF dropped: what decoding first does. */
static size_t
unfold(const char *v, size_t n, char *o)
{
	size_t i, ol = 0;

	for (i = 0; i < n; i++)
		if (v[i] != '\r' && v[i] != '\n')
			o[ol++] = v[i];
	return ol;
}

/*
 * What a value with no encoded word and no 8-bit byte decodes to, said
 * the slow way: unfold, then trim spaces and tabs.  NULL when the value
 * is not of that kind.
 */
static const char *
plain_ref(const char *v, size_t n, char *o)
{
	size_t i, ol = unfold(v, n, o), b = 0;

	for (i = 0; i < ol; i++)
		if ((unsigned char)o[i] >= 0x80 ||
		    (i + 1 < ol && o[i] == '=' && o[i + 1] == '?'))
			return NULL;
	while (ol > 0 && (o[ol - 1] == ' ' || o[ol - 1] == '\t'))
		ol--;
	while (b < ol && (o[b] == ' ' || o[b] == '\t'))
		b++;
	o[ol] = '\0';
	return o + b;
}

/*
 * Random values over pieces that matter to the fast road (line ends,
 * '=' and '?' apart and together, whole words, 8-bit bytes).  Decoding
 * must not care where the line ends fall, and plain values must come
 * out as plain_ref() says.
 */
static void
test_random_values(void)
{
	static const char *const piece[] = { "a", "xyz", " ", "\t", "\r\n",
	    "\n", "\r", "\r\n ", "=", "?", "=?", "?=", "_",
	    "=?utf-8?q?x_y?=", "=?iso-8859-1?q?=E9?=", "=?utf-8?b?w6k=?=",
	    "\xe9", "\xc3\xa9", "0123456789abcdef" };
	char v[1024], u[1024], r[1024];
	const char *got, *want, *got_u;
	size_t i, k, n, ul, npieces, bad_unfold = 0, bad_plain = 0, plain = 0;
	unsigned seed = 12345;

	for (i = 0; i < 20000; i++) {
		n = 0;
		npieces = (seed = seed * 1103515245 + 12345) >> 16 & 31;
		for (k = 0; k < npieces; k++) {
			const char *pc;

			seed = seed * 1103515245 + 12345;
			pc = piece[(seed >> 16) % (sizeof(piece) /
			    sizeof(piece[0]))];
			memcpy(v + n, pc, strlen(pc));
			n += strlen(pc);
		}
		got = message_decode_header(a, v, n);
		ul = unfold(v, n, u);
		got_u = message_decode_header(a, u, ul);
		if (got == NULL || got_u == NULL || strcmp(got, got_u) != 0) {
			if (bad_unfold++ == 0)
				printf("# \"%.*s\": \"%s\" vs unfolded "
				    "\"%s\"\n", (int)n, v, got ? got : "(null)",
				    got_u ? got_u : "(null)");
		}
		if ((want = plain_ref(v, n, r)) != NULL) {
			plain++;
			if (got == NULL || strcmp(got, want) != 0) {
				if (bad_plain++ == 0)
					printf("# \"%.*s\": \"%s\" want "
					    "\"%s\"\n", (int)n, v,
					    got ? got : "(null)", want);
			}
		}
	}
	is_int(bad_unfold, 0, "random values: line ends do not matter");
	is_int(bad_plain, 0, "random values: %zu plain ones as unfolded "
	    "and trimmed", plain);
	ok(plain > 1000 && plain < 19000, "random values: both roads taken "
	    "(%zu plain)", plain);
}

/*
 * The plain road finds its stop bytes ('?', CR, LF, 8-bit) sixteen at
 * a time and the last few from a block that ends with the value: each
 * kind at every offset of values of every length up to 80 must be
 * seen, or an 8-bit byte or an encoded word would be copied as plain.
 */
static void
test_stop_positions(void)
{
	static const char *const word[] = { " =?utf-8?q?=C3=A9?= ",
	    " =\r\n?utf-8?q?=C3=A9?= ", " =?utf-8?q?=C3=A9?=\r\n " };
	char v[256], want[256], r[256];
	const char *got, *pr;
	size_t len, k, m, w, n, bad8 = 0, badeol = 0, badword = 0;

	for (len = 1; len <= 80; len++)
		for (k = 0; k < len; k++) {
			/* One 8-bit byte: windows-1252, so U+00E9. */
			memset(v, 'a', len);
			v[k] = (char)0xe9;
			memset(want, 'a', len + 1);
			memcpy(want + k, "\xc3\xa9", 2);
			want[len + 1] = '\0';
			got = message_decode_header(a, v, len);
			if (got == NULL || strcmp(got, want) != 0)
				bad8++;
			/* A line end (and a folded one) at k. */
			memset(v, 'a', len);
			v[k] = k % 2 ? '\n' : '\r';
			if (k + 1 < len && k % 3 == 0)
				v[k + 1] = '\n';
			pr = plain_ref(v, len, r);
			got = message_decode_header(a, v, len);
			if (pr == NULL || got == NULL || strcmp(got, pr) != 0)
				badeol++;
		}
	for (w = 0; w < sizeof(word) / sizeof(word[0]); w++)
		for (k = 0; k <= 40; k++)
			for (m = 0; m <= 40; m++) {
				memset(v, 'b', k);
				n = strlen(word[w]);
				memcpy(v + k, word[w], n);
				memset(v + k + n, 'b', m);
				n += k + m;
				snprintf(want, sizeof(want), "%.*s%s\xc3\xa9"
				    "%s%.*s", (int)k, v, k ? " " : "",
				    m ? " " : "", (int)m, v + n - m);
				got = message_decode_header(a, v, n);
				if (got == NULL || strcmp(got, want) != 0) {
					if (badword++ == 0)
						printf("# \"%.*s\": \"%s\"\n",
						    (int)n, v, got ? got :
						    "(null)");
				}
			}
	is_int(bad8, 0, "stop bytes: an 8-bit byte at every offset");
	is_int(badeol, 0, "stop bytes: a line end at every offset");
	is_int(badword, 0, "stop bytes: an encoded word at every offset");
}

/*
 * Many long B and Q words, as Outlook's X-Microsoft-Antispam-Message-
 * Info carries: each word's bytes are written straight into a buffer
 * reserved for the word, and adjacent words in one charset are joined
 * before conversion.
 */
static void
test_long_words(void)
{
	static unsigned char text[6000];
	static char v[20000], want[7000];
	size_t i, n, step, chunk, vl;
	const char *got;

	for (i = 0; i < sizeof(text); i++)	/* "äöü" over and over */
		text[i] = (unsigned char)"\xc3\xa4\xc3\xb6\xc3\xbc"[i % 6];
	for (step = 0; step < 3; step++) {
		/* Words of 45, 46 and 47 bytes: a character split between
		 * words, padding of zero, one and two '='. */
		chunk = 45 + step;
		for (i = vl = 0; i < sizeof(text); i += chunk) {
			n = sizeof(text) - i < chunk ? sizeof(text) - i : chunk;
			if (i > 0)
				vl += (size_t)snprintf(v + vl, sizeof(v) - vl,
				    "\r\n\t");
			vl += (size_t)snprintf(v + vl, sizeof(v) - vl,
			    "=?utf-8?B?");
			vl += (size_t)EVP_EncodeBlock((unsigned char *)v + vl,
			    text + i, (int)n);
			vl += (size_t)snprintf(v + vl, sizeof(v) - vl, "?=");
		}
		got = message_decode_header(a, v, vl);
		ok(got != NULL && strlen(got) == sizeof(text) &&
		    memcmp(got, text, sizeof(text)) == 0,
		    "6000 bytes in B words of %zu bytes, folded", chunk);
	}
	/* The same text as one long Q word. */
	for (i = 0, vl = (size_t)snprintf(v, sizeof(v), "=?UTF-8?Q?");
	    i < 3000; i++)
		vl += (size_t)snprintf(v + vl, sizeof(v) - vl, "=%02X%s",
		    text[i], i % 6 == 5 ? "_" : "");
	vl += (size_t)snprintf(v + vl, sizeof(v) - vl, "?=");
	for (i = n = 0; i < 3000; i++) {
		want[n++] = (char)text[i];
		if (i % 6 == 5)
			want[n++] = ' ';
	}
	want[n] = '\0';
	got = message_decode_header(a, v, vl);
	ok(got != NULL && strcmp(got, want) == 0, "one Q word of %zu bytes",
	    vl);
	/* Random ASCII through B words: every base64 digit must decode. */
	{
		static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/";
		unsigned char plain[64];
		bool used[64] = { false };
		size_t k, len, bad = 0, nused = 0;
		unsigned seed = 777;

		for (k = 0; k < 2000; k++) {
			seed = seed * 1103515245 + 12345;
			len = 1 + (seed >> 16) % sizeof(plain);
			for (i = 0; i < len; i++) {
				seed = seed * 1103515245 + 12345;
				plain[i] = (unsigned char)(0x20 + (seed >> 16) %
				    95);
			}
			vl = (size_t)snprintf(v, sizeof(v), "=?us-ascii?B?");
			n = (size_t)EVP_EncodeBlock((unsigned char *)v + vl,
			    plain, (int)len);
			for (i = 0; i < n; i++)
				if (strchr(al, v[vl + i]) != NULL)
					used[strchr(al, v[vl + i]) - al] = true;
			vl += n;
			vl += (size_t)snprintf(v + vl, sizeof(v) - vl, "?=");
			got = message_decode_header(a, v, vl);
			if (got == NULL || strlen(got) != len ||
			    memcmp(got, plain, len) != 0)
				bad++;
		}
		for (i = 0; i < 64; i++)
			nused += used[i];
		is_int(bad, 0, "2000 random ASCII strings through B words");
		is_int(nused, 64, "all 64 base64 digits seen");
	}
	/* A NUL from "=00" or a B word would end the string early. */
	is_str(dec("=?utf-8?q?a=00b=00=00c?="), "a b  c", "Q NULs as spaces");
	is_str(dec("=?utf-8?b?AGEA?= x"), " a  x", "B NULs as spaces");
	is_str(message_decode_header(a, "a\0\0b\0 =?utf-8?q?x?=", 19),
	    "a  b  x", "raw NULs beside a word as spaces");
	/* The full road unfolds too: a word with CRLF, LF and lone CR. */
	is_str(dec(" =?utf-8?q?a?=\r\n\tb\n c\rd\r\n "), "a\tb cd",
	    "full road: every CR and LF dropped");
	is_str(dec("x\r\n \xc3\xa9\r\n y"), "x é y",
	    "full road: 8-bit byte after a line end");
	/* RFC 2047 5: no white space inside a word. */
	is_str(dec("=?utf-8?q?a b?="), "=?utf-8?q?a b?=", "space in a word");
	is_str(dec("=?utf-8?q?a\tb?= =?utf-8?q?c?="), "=?utf-8?q?a\tb?= c",
	    "tab in a word");
	is_str(dec("=?utf-8?q?a?b?=c?="), "a?bc?=", "a '?' inside Q text");
	/* Padding and broken words after some decoded bytes. */
	is_str(dec("=?utf-8?b?w6Q?="), "ä", "B without padding");
	is_str(dec("=?utf-8?b?w6Q=?="), "ä", "B with one '='");
	is_str(dec("=?utf-8?b?YQ==?="), "a", "B with two '='");
	is_str(dec("=?utf-8?b?YWJj=x?="), "=?utf-8?b?YWJj=x?=",
	    "text after the padding: left as written");
	is_str(dec("=?utf-8?b?w6Q?= =?utf-8?b?YWJj!?= =?utf-8?b?w6Q?="),
	    "ä =?utf-8?b?YWJj!?= ä", "a bad B word between good ones");
	is_str(dec("=?utf-8?b?" "?="), "", "empty B word");
	is_str(dec("=?utf-8?q?" "?= x"), " x",
	    "empty Q word, the space before text kept");
	is_str(dec("=?utf-8?q?a=3Db=3?="), "a=b=3", "Q '=' without two hex");
	is_str(dec("=?utf-8?q?=C3?= =?utf-8?q?=A4?="), "ä",
	    "a character split between two Q words");
}

/*
 * B text decoded the slow way, a digit at a time, as decode_b() did
 * before it took whole groups: the bytes, or -1 when the word is bad
 * (a non-digit, or anything but '=' after the first '=').
 */
static int
b_ref(const char *s, size_t n, unsigned char *o, size_t *ol)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *d;
	unsigned acc = 0, bits = 0;
	size_t i;

	*ol = 0;
	for (i = 0; i < n && s[i] != '='; i++) {
		if ((d = strchr(al, s[i])) == NULL)
			return -1;
		acc = acc << 6 | (unsigned)(d - al);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[(*ol)++] = (unsigned char)(acc >> bits);
		}
	}
	for (; i < n; i++)
		if (s[i] != '=')
			return -1;
	return 0;
}

/*
 * Random B texts, mostly digits with '=' and non-digits put anywhere:
 * a good one decodes as the Q word spelling b_ref()'s bytes as "=XX"
 * (decode_q() is the reference), a bad one stays as written.
 */
static void
test_random_b(void)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char t[80], v[400], q[400];
	unsigned char o[80];
	const char *got, *want;
	size_t i, k, n, ol, vl, ql, bad = 0, good = 0, broken = 0;
	unsigned seed = 4242, r;

	for (k = 0; k < 30000; k++) {
		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % 64;
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			r = (seed >> 16) % 400;
			t[i] = r < 390 ? al[r % 64] : r < 396 ? '=' :
			    ".-*!"[r % 4];
		}
		vl = (size_t)snprintf(v, sizeof(v), "=?iso-8859-1?b?%.*s?=",
		    (int)n, t);
		got = message_decode_header(a, v, vl);
		if (b_ref(t, n, o, &ol) == 0) {
			good++;
			ql = (size_t)snprintf(q, sizeof(q), "=?iso-8859-1?q?");
			for (i = 0; i < ol; i++)
				ql += (size_t)snprintf(q + ql, sizeof(q) - ql,
				    "=%02X", o[i]);
			snprintf(q + ql, sizeof(q) - ql, "?=");
			want = message_decode_header(a, q, strlen(q));
		} else {
			broken++;
			want = v;
		}
		if (got == NULL || want == NULL || strcmp(got, want) != 0) {
			if (bad++ == 0)
				printf("# \"%s\": \"%s\" want \"%s\"\n", v,
				    got ? got : "(null)",
				    want ? want : "(null)");
		}
	}
	is_int(bad, 0, "random B words decode as a digit at a time");
	ok(good > 5000 && broken > 5000, "random B words: %zu good, %zu bad",
	    good, broken);
}

/* Long values: the fast road's word-at-a-time scans past 8 bytes. */
static void
test_long_values(void)
{
	char v[4200], want[4200];
	const char *got;
	size_t i, n, wl, at, folds = 0;

	/* An 8-bit byte at every offset must leave the plain road. */
	for (at = 0; at < 40; at++) {
		memset(v, 'a', 40);
		v[at] = (char)0xe9;
		got = message_decode_header(a, v, 40);
		ok(got != NULL && strlen(got) == 41 &&
		    memcmp(got + at, "\xc3\xa9", 2) == 0,
		    "latin-1 byte at offset %zu converted", at);
	}
	/* "=?" split by a line end at every offset is still a word. */
	for (at = 0; at < 24; at++) {
		memset(v, 'b', at);
		memcpy(v + at, "=\r\n?utf-8?q?Z?=", 15);
		got = message_decode_header(a, v, at + 15);
		memset(want, 'b', at);
		memcpy(want + at, "Z", 2);
		is_str(got, want, "word split after '=' at offset %zu", at);
	}
	/* A DKIM-like value folded every 70 bytes, CRLF then tab. */
	for (i = n = wl = 0; i < 4000; i++) {
		if (i % 70 == 69) {
			memcpy(v + n, "\r\n\t", 3);
			n += 3;
			want[wl++] = '\t';
			folds++;
			continue;
		}
		v[n++] = want[wl++] = (char)('A' + i % 26);
	}
	want[wl] = '\0';
	is_str(message_decode_header(a, v, n), want, "4000-byte folded value");
	/* The same with bare LF and with a lone CR inside a line. */
	for (i = 0; i < n; i++)
		if (v[i] == '\r')
			v[i] = 'x';
	got = message_decode_header(a, v, n);
	ok(got != NULL && strlen(got) == wl + folds,
	    "bare LF folding keeps the rest (%zu bytes)", got ?
	    strlen(got) : 0);
	is_str(dec("ab\rcd\r"), "abcd", "a lone CR is dropped too");
	is_str(dec("\r\n\r\n"), "", "line ends only");
	is_str(dec("a?b=c ?= =x?"), "a?b=c ?= =x?", "'?' and '=' not a word");
	is_str(dec("tail =?"), "tail =?", "'=?' at the very end");
	is_str(dec("=\r\n\r\n?utf-8?q?Q?="), "Q",
	    "'=' and '?' joined across two line ends");
}

int
main(void)
{
	struct message *m;

	a = arena_new(0);

	is_str(dec("=?ISO-8859-1?Q?Andr=E9?= Pirard"), "André Pirard",
	    "Q word in ISO-8859-1");
	is_str(dec("=?UTF-8?B?w6TDtsO8?="), "äöü", "B word in UTF-8");
	is_str(dec("=?utf-8?q?a?= =?utf-8?q?b?="), "ab",
	    "space between adjacent words dropped (6.2)");
	is_str(dec("=?utf-8?q?a?=\r\n =?utf-8?q?b?="), "ab",
	    "folding between adjacent words dropped");
	is_str(dec("=?utf-8?q?a?= x =?utf-8?q?b?="), "a x b",
	    "space around plain text kept");
	is_str(dec("=?UTF-8?B?8J+Y?= =?UTF-8?B?gA==?="), "\xf0\x9f\x98\x80",
	    "multi-byte character split across words");
	is_str(dec("=?windows-1252?Q?=80_5?="), "€ 5", "windows-1252 euro");
	is_str(dec("=?utf-8?q?hello_world?="), "hello world", "underscore");
	is_str(dec("=?utf-8?b?!!!?="), "=?utf-8?b?!!!?=",
	    "broken B word left as is");
	is_str(dec("=?utf-8?x?abc?="), "=?utf-8?x?abc?=",
	    "unknown encoding left as is");
	is_str(dec("=?utf-8?q?unterminated"), "=?utf-8?q?unterminated",
	    "unterminated word left as is");
	is_str(dec("Subject\r\n line\r\n\tthree"), "Subject line\tthree",
	    "unfolding keeps the white space");
	is_str(dec("=?x-unknown?q?caf=E9?="), "café",
	    "unknown charset: UTF-8, else windows-1252");
	is_str(dec("=?utf-8*en?Q?x?="), "x", "RFC 2231 5 language suffix");
	/*
	 * A charset name of 64 bytes is the longest taken; one of 65 made
	 * the decoder write one byte past its copy of the name.
	 */
#define CS62	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	is_str(dec("=?x-" CS62 "?q?caf=E9?="), "café",
	    "charset name of 64 bytes decoded");
	is_str(dec("=?x-" CS62 "a?q?caf=E9?="), "=?x-" CS62 "a?q?caf=E9?=",
	    "charset name of 65 bytes left as is");
#undef CS62
	/* Plain values take a shorter road; it must end at the same place. */
	is_str(dec(" \t plain value \t "), "plain value",
	    "plain value trimmed");
	is_str(dec("folded\r\n  \r\n\tagain\r\n"), "folded  \tagain",
	    "plain value unfolded, empty continuation kept as space");
	is_str(dec(""), "", "empty value");
	is_str(dec(" \r\n "), "", "white space only");
	is_str(dec("a =\r\n ?b"), "a = ?b",
	    "'=' and '?' apart across a fold: plain");
	is_str(dec(" =?utf-8?q?y?=\r\n "), "y",
	    "a word among white space takes the full road");
	is_str(dec("caf\xe9"), "café", "raw latin-1 in a header");
	is_str(dec("caf\xc3\xa9"), "café", "raw UTF-8 in a header");
	is_str(dec("=?utf-8?q?a?=\n\t=?utf-8?q?b?="), "ab",
	    "LF-folded adjacent words joined (6.2)");
	is_str(dec("=?utf-8?q?a?=\r\n x\r\n =?utf-8?q?b?="), "a x b",
	    "text between folded words kept");
	is_str(dec("=?x-unknown-cs?q?abc?="), "abc",
	    "unknown charset with ASCII text");
	test_random_values();
	test_stop_positions();
	test_long_values();
	test_long_words();
	test_random_b();

	/* RFC 2231 continuations and charset'lang'value. */
	m = parse("From: a@b.c\nContent-Type: multipart/mixed; boundary=X\n\n"
	    "--X\nContent-Type: text/plain\n\nhi\n--X\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Disposition: attachment;\n"
	    " filename*0*=UTF-8''Rechnung%20M%C3%A4rz;\n"
	    " filename*1*=%20%E2%82%AC.pdf\n\nxyz\n--X--\n");
	ok(m != NULL && m->n_parts == 3, "multipart with 3 parts");
	is_str(m->parts[2].filename, "Rechnung März €.pdf",
	    "RFC 2231 continuation with percent-encoding");
	ok(m->parts[2].is_attachment, "attachment flagged");

	m = parse("From: a@b.c\nContent-Type: multipart/mixed; boundary=X\n\n"
	    "--X\nContent-Type: application/pdf;\n"
	    " name=\"=?iso-8859-1?Q?K=FCndigung.pdf?=\"\n\n%PDF-1.4\n--X--\n");
	is_str(m->parts[1].filename, "Kündigung.pdf",
	    "RFC 2047 in a name parameter");

	/* Charsets of text parts. */
	m = parse("From: a@b.c\nContent-Type: text/plain\n\nGr\xc3\xbc\xc3\x9f"
	    "e\n");
	is_str(m->parts[0].text, "Grüße\n", "no charset, UTF-8 bytes");
	ok(!(m->defects & MSG_DEF_BAD_CHARSET), "no defect for that");

	m = parse("From: a@b.c\n\nGr\xfc\xdf" "e\n");
	is_str(m->parts[0].text, "Grüße\n", "no charset, latin-1 bytes");

	m = parse("From: a@b.c\nContent-Type: text/plain; charset=iso-8859-1"
	    "\n\nGr\xc3\xbc\xc3\x9f" "e\n");
	is_str(m->parts[0].text, "Grüße\n", "lying latin-1 label, UTF-8");
	ok(m->defects & MSG_DEF_BAD_CHARSET, "lie recorded");

	m = parse("From: a@b.c\nContent-Type: text/plain; charset=utf-8\n\n"
	    "Gr\xfc\xdf" "e\n");
	is_str(m->parts[0].text, "Grüße\n", "lying UTF-8 label, latin-1");
	ok(m->defects & MSG_DEF_BAD_CHARSET, "lie recorded");

	m = parse("From: a@b.c\nContent-Type: text/plain; charset=x-bogus\n\n"
	    "caf\xe9\n");
	is_str(m->parts[0].text, "café\n", "unknown charset falls back");
	ok(m->defects & MSG_DEF_BAD_CHARSET, "unknown charset recorded");

	m = parse("From: a@b.c\nContent-Type: text/plain; charset=koi8-r\n\n"
	    "\xf0\xd2\xc9\xd7\xc5\xd4\n");
	is_str(m->parts[0].text, "Привет\n", "KOI8-R via iconv");
	ok(!(m->defects & MSG_DEF_BAD_CHARSET), "no defect for KOI8-R");

	m = parse("From: a@b.c\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: base64\n\nR3LDvMOfZQo=\n");
	is_str(m->parts[0].text, "Grüße\n", "base64 text part");

	m = parse("From: a@b.c\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "Gr=C3=BC=C3=9Fe =\nund mehr\n");
	is_str(m->parts[0].text, "Grüße und mehr\n", "QP with soft break");

	m = parse("From: a@b.c\nContent-Transfer-Encoding: base64\n\n"
	    "SGVsbG8*gd29ybGQ=\n");
	ok(m->defects & MSG_DEF_BAD_ENCODING, "broken base64 recorded");

	arena_free(a);
	return tap_done();
}
