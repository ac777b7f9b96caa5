/*
 * test_rfc2047.c - encoded words (RFC 2047), parameters (RFC 2231) and
 * charsets of text parts.
 */
#include <string.h>

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
