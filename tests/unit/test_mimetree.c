/*
 * test_mimetree.c - the part tree's fast path (mimeparse.c) against its
 * GMime path: every message is parsed twice, once as usual and once
 * with the fast path off, and the two models must be equal (mimecmp.h).
 * Also reports how many messages the fast path took.
 *
 * Inputs: the hand-written cases below (some must be taken by the fast
 * path, the rest only compared), every file of fuzz/corpus/message, and,
 * when MT_MIMETREE_CORPUS names a file with one path per line, each of
 * those files (e.g. MT_MIMETREE_CORPUS=/tmp/corpus-files-abs.txt).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mimeint.h"
#include "util/arena.h"
#include "mimecmp.h"
#include "slurp.h"
#include "tap.h"

static size_t n_total, n_fast;

/*
 * The fast path given message.c's NUL check and header split against the
 * fast path finding both itself: the same model, the same path taken.
 */
static const char *
compare_reuse(const char *s, size_t n, const struct message_limits *lim)
{
	struct arena *a1, *a2;
	struct message *m1, *m2;
	const char *why;
	bool f1, f2;

	a1 = arena_new(0);
	a2 = arena_new(0);
	m1 = message_parse(a1, s, n, lim);
	f1 = mimetree_used_fast_path();
	mimetree_reuse_top(false);
	m2 = message_parse(a2, s, n, lim);
	f2 = mimetree_used_fast_path();
	mimetree_reuse_top(true);
	why = f1 != f2 ? "fast path taken with one header split only" :
	    mimecmp(m1, m2);
	arena_free(a1);
	arena_free(a2);
	return why;
}

/* Default limits and small ones (the limit paths); counts fast ones. */
static const char *
compare(const char *s, size_t n, bool *fast)
{
	struct message_limits small = *message_default_limits();
	const char *why;

	if ((why = mimecmp_both(s, n, NULL, fast, NULL)) != NULL)
		return why;
	if ((why = compare_reuse(s, n, NULL)) != NULL)
		return why;
	small.max_headers = 2;
	if ((why = compare_reuse(s, n, &small)) != NULL)
		return why;
	small.max_headers = message_default_limits()->max_headers;
	small.max_parts = 4;
	small.max_depth = 2;
	small.max_text = 64;
	small.max_links = 3;
	if ((why = mimecmp_both(s, n, &small, NULL, NULL)) != NULL)
		return why;
	n_total++;
	if (*fast)
		n_fast++;
	return NULL;
}

struct tcase {
	const char	*name;
	bool		 fast;		/* must be taken by the fast path */
	const char	*msg;
};

#define H	"From: a@example.com\r\nTo: b@example.com\r\nSubject: t\r\n"
#define HL	"From: a@example.com\nTo: b@example.com\nSubject: t\n"

static const struct tcase cases[] = {
	{ "plain CRLF", true, H "\r\nhello\r\nworld\r\n" },
	{ "plain LF", true, HL "\nhello\nworld\n" },
	{ "plain no final newline", true, H "\r\nhello" },
	{ "empty body", true, H "\r\n" },
	{ "no headers", true, "\r\nbody only\r\n" },
	{ "text/html qp", true, H "Content-Type: text/html; charset=\"UTF-8\""
	    "\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "<p>caf=C3=A9 <a href=3D\"http://x.example/\">x</a></p>=\r\n\r\n" },
	{ "multipart/alternative CRLF", true, H "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n"
	    "preamble\r\n--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n"
	    "\r\nplain http://p.example/\r\n--b1\r\n"
	    "Content-Type: text/html\r\n\r\n<b>html</b>\r\n--b1--\r\n"
	    "epilogue\r\n" },
	{ "multipart LF", true, HL "Content-Type: multipart/mixed; "
	    "boundary=b2\n\n--b2\n\npart one\n--b2\nContent-Type: text/plain\n"
	    "\npart two\n\n--b2--\n" },
	{ "multipart mixed EOL", true, H "Content-Type: multipart/mixed; "
	    "boundary=b3\r\n\r\n--b3\n\nLF content\r\n--b3\r\n\r\nx\n--b3--" },
	{ "boundary line ends CR, content LF", true, HL
	    "Content-Type: multipart/mixed; boundary=b4\n\n--b4\n\nabc\n"
	    "--b4\r\n\nxyz\r\n--b4--\r\n" },
	{ "boundary trailing blanks", true, H "Content-Type: multipart/mixed;"
	    " boundary=b5\r\n\r\n--b5 \t\r\n\r\none\r\n--b5  \r\n\r\ntwo\r\n"
	    "--b5-- \r\n" },
	{ "empty parts", true, H "Content-Type: multipart/mixed; "
	    "boundary=b6\r\n\r\n--b6\r\n\r\n\r\n--b6\r\nContent-Type: "
	    "text/plain\r\n\r\n--b6--\r\n" },
	{ "zero parts", true, H "Content-Type: multipart/mixed; "
	    "boundary=b7\r\n\r\n--b7--\r\n" },
	{ "closing boundary at EOF", true, H "Content-Type: multipart/mixed; "
	    "boundary=b8\r\n\r\n--b8\r\n\r\nx\r\n--b8--" },
	{ "nested multiparts", true, H "Content-Type: multipart/mixed; "
	    "boundary=outer\r\n\r\n--outer\r\nContent-Type: multipart/"
	    "alternative; boundary=inner\r\n\r\n--inner\r\nContent-Type: "
	    "text/plain\r\n\r\nplain\r\n--inner\r\nContent-Type: text/html\r\n"
	    "\r\n<i>html</i>\r\n--inner--\r\ninner epilogue\r\n--outer\r\n"
	    "Content-Type: application/pdf; name=\"a b.pdf\"\r\n"
	    "Content-Disposition: attachment; filename=\"r\\\"e\\\\p.pdf\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
	    "--outer--\r\n" },
	{ "inner closes at outer close", true, H "Content-Type: multipart/"
	    "mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/mixed; "
	    "boundary=i\r\n\r\n--i\r\n\r\nx\r\n--i--\r\n--o--\r\n" },
	{ "message/rfc822", true, H "Content-Type: multipart/mixed; "
	    "boundary=m\r\n\r\n--m\r\n\r\nsee attached\r\n--m\r\n"
	    "Content-Type: message/rfc822\r\n\r\nFrom: c@example.org\r\n"
	    "Subject: inner\r\nContent-Type: text/html; charset=iso-8859-1\r\n"
	    "\r\n<a href=\"http://in.example/\">in</a>\r\n--m--\r\n" },
	{ "top-level message/rfc822", true, H "Content-Type: message/rfc822"
	    "\r\n\r\nSubject: inner\r\n\r\ninner body\r\n" },
	{ "digest default", true, H "Content-Type: multipart/digest; "
	    "boundary=d\r\n\r\n--d\r\n\r\nSubject: one\r\n\r\nfirst\r\n--d\r\n"
	    "Content-Type: text/plain\r\n\r\nsecond\r\n--d--\r\n" },
	{ "quoted boundary with space", true, H "Content-Type: multipart/"
	    "mixed;\r\n\tboundary=\"a b=c\"\r\n\r\n--a b=c\r\n\r\nx\r\n"
	    "--a b=c--\r\n" },
	{ "mixed case types", true, H "content-type: Multipart/Mixed; "
	    "BOUNDARY=Qq\r\n\r\n--Qq\r\nCONTENT-TYPE: Text/HTML; "
	    "Charset=UTF-8\r\nContent-transfer-encoding: BASE64\r\n\r\n"
	    "PGI+aGk8L2I+\r\n--Qq\r\nContent-Disposition: INLINE; "
	    "FileName=x.TXT\r\n\r\nt\r\n--Qq--\r\n" },
	{ "loose token value", true, H "Content-Type: application/x; "
	    "name=my file.bin ;charset=x\r\n\r\nabc\r\n" },
	{ "type with spaces", true, H "Content-Type: text / plain ;  "
	    "charset = \"utf-8\"\r\n\r\nabc\r\n" },
	{ "empty disposition", true, H "Content-Disposition: ; "
	    "filename=a.zip\r\n\r\nPK\x03\x04xx\r\n" },
	{ "7bit 8bit binary", true, H "Content-Type: multipart/mixed; "
	    "boundary=e\r\n\r\n--e\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
	    "a\r\n--e\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\xc3\xa9\r\n"
	    "--e\r\nContent-Transfer-Encoding: binary\r\n\r\nb\r\n--e--\r\n" },
	{ "broken base64", true, H "Content-Transfer-Encoding: base64\r\n"
	    "\r\naGVs*bG8=\r\n" },
	{ "folded content-type", true, H "Content-Type: text/plain;\r\n"
	    " charset=\"windows-1252\";\r\n format=flowed\r\n\r\nabc\r\n" },
	{ "boundary param with dashes", true, H "Content-Type: multipart/"
	    "mixed; boundary=\"----=_Part_1\"\r\n\r\n------=_Part_1\r\n\r\n"
	    "x\r\n------=_Part_1--\r\n" },
	{ "parameter without value", true, H "Content-Type: text/plain; "
	    "Windows-1252; charset=utf-8\r\n\r\nx\r\n" },
	{ "empty parameter", true, H "Content-Type: text/plain;; "
	    "charset=utf-8;\r\n\r\nx\r\n" },
	{ "unclosed quote", true, H "Content-Type: application/x; "
	    "name=\"a\\\\b.pdf\r\n\r\nx\r\n" },
	{ "junk after quoted value", true, H "Content-Type: text/plain; "
	    "charset=\"utf-8\" junk; name=x\r\n\r\nx\r\n" },
	{ "empty value", true, H "Content-Type: text/plain; name=;"
	    " charset=x\r\n\r\nx\r\n" },
	{ "unknown encoding", true, H "Content-Transfer-Encoding: 8bit+\r\n"
	    "\r\nx\r\n" },
	{ "encoding with trailing words", true, H "Content-Transfer-Encoding:"
	    " Base64 foo\r\n\r\naGk=\r\n" },
	{ "7-bit", true, H "Content-Transfer-Encoding: 7-bit\r\n\r\nx\r\n" },
	{ "boundary-like line", true, H "Content-Type: multipart/mixed; "
	    "boundary=q\r\n\r\n--q\r\n\r\n--qx\r\n--q-5\r\n--q--\r\n" },
	{ "multipart/alternative without html", true, H "Content-Type: "
	    "multipart/alternative; boundary=a\r\n\r\n--a\r\n\r\none\r\n"
	    "--a\r\nContent-Type: text/enriched\r\n\r\ntwo\r\n--a--\r\n" },
	/* The rest may go either way; only equality is required. */
	{ "no closing boundary", false, H "Content-Type: multipart/mixed; "
	    "boundary=n\r\n\r\n--n\r\n\r\nx\r\n" },
	{ "no boundary param", false, H "Content-Type: multipart/mixed\r\n"
	    "\r\nx\r\n" },
	{ "empty boundary", false, H "Content-Type: multipart/mixed; "
	    "boundary=\"\"\r\n\r\n----\r\n\r\nx\r\n------\r\n" },
	{ "prefix boundaries", false, H "Content-Type: multipart/mixed; "
	    "boundary=ab\r\n\r\n--ab\r\nContent-Type: multipart/mixed; "
	    "boundary=abc\r\n\r\n--abc\r\n\r\nx\r\n--abc--\r\n--ab--\r\n" },
	{ "outer boundary closes inner", false, H "Content-Type: multipart/"
	    "mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/mixed; "
	    "boundary=i\r\n\r\n--i\r\n\r\nx\r\n--o--\r\n" },
	{ "rfc2231", false, H "Content-Type: application/x;\r\n name*0=a;\r\n"
	    " name*1=b.txt\r\nContent-Disposition: attachment; "
	    "filename*=utf-8''%C3%A9.txt\r\n\r\nx\r\n" },
	{ "encoded word in param", false, H "Content-Type: application/x; "
	    "name=\"=?utf-8?b?w6k=?=.pdf\"\r\n\r\nx\r\n" },
	{ "duplicate content-type", false, H "Content-Type: text/html\r\n"
	    "Content-Type: text/plain\r\n\r\nx\r\n" },
	{ "uuencode", false, H "Content-Transfer-Encoding: x-uuencode\r\n\r\n"
	    "begin 644 a\r\n#86)C\r\n`\r\nend\r\n" },
	{ "invalid content-type", false, H "Content-Type: text\r\n\r\nx\r\n" },
	{ "junk after type", false, H "Content-Type: text/html charset=x\r\n"
	    "\r\nx\r\n" },
	{ "comment", false, H "Content-Type: text/plain (c); charset=x\r\n"
	    "\r\nx\r\n" },
	{ "boundary mid-line", false, H "Content-Type: multipart/mixed; "
	    "boundary=q\r\n\r\n--q\r\n\r\nx --q\r\n--q--\r\n" },
	{ "long boundary-like line", false, H "Content-Type: multipart/mixed;"
	    " boundary=q\r\n\r\n--q\r\n\r\n--q                           "
	    "                                                                "
	    "                                                    x\r\n"
	    "--q--\r\n" },
	{ "boundary in headers", false, H "Content-Type: multipart/mixed; "
	    "boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n--q--\r\n" },
	{ "part without headers or content", false, H "Content-Type: "
	    "multipart/mixed; boundary=q\r\n\r\n--q\r\n--q\r\n\r\nx\r\n"
	    "--q--\r\n" },
	{ "one-byte content before CRLF boundary", false, HL "Content-Type: "
	    "multipart/mixed; boundary=q\n\n--q\n\n\n--q\r\n\nx\n--q--\n" },
	{ "headers only", false, H },
	{ "no empty line", false, "Subject: x\r\nbody?\r\n" },
	{ "invalid header line", false, "Subject: x\r\nnot a header\r\n\r\n"
	    "x\r\n" },
	{ "leading continuation", false, " folded: x\r\n\r\nx\r\n" },
	{ "base64 message/rfc822", false, H "Content-Type: message/rfc822\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    "U3ViamVjdDogaW5uZXIKCmJvZHkK\r\n" },
	{ "empty message/rfc822", false, H "Content-Type: multipart/mixed; "
	    "boundary=q\r\n\r\n--q\r\nContent-Type: message/rfc822\r\n\r\n"
	    "--q--\r\n" },
	{ "8-bit filename", false, H "Content-Disposition: attachment; "
	    "filename=\"\xc3\xa9t\xc3\xa9.pdf\"\r\n\r\nx\r\n" },
	{ "lone CR in content-type", false, H "Content-Type: text/pl\rain\r\n"
	    "\r\nx\r\n" },
	{ "duplicate param", false, H "Content-Type: text/plain; charset=a; "
	    "charset=b\r\n\r\nx\r\n" },
	{ "deep nesting", false, H "Content-Type: multipart/mixed; boundary=1"
	    "\r\n\r\n--1\r\nContent-Type: multipart/mixed; boundary=2\r\n\r\n"
	    "--2\r\nContent-Type: multipart/mixed; boundary=3\r\n\r\n--3\r\n"
	    "\r\nx\r\n--3--\r\n--2--\r\n--1--\r\n" },
	{ "many parts", false, H "Content-Type: multipart/mixed; boundary=p"
	    "\r\n\r\n--p\r\n\r\n1\r\n--p\r\n\r\n2\r\n--p\r\n\r\n3\r\n--p\r\n"
	    "\r\n4\r\n--p\r\n\r\n5\r\n--p--\r\n" },
	{ "mbox From line", false, "From a@example.com Mon Jan 1 00:00:00 2024"
	    "\r\n" H "\r\nx\r\n" },
	{ "content fields folded, spaced, mixed case", true, H "content-type"
	    " \t: multipart/mixed;\r\n\tboundary=\"f f\"\r\nX-A: 1\r\n"
	    "CONTENT-TRANSFER-ENCODING:\r\n 7bit\r\nContent-Disposition: "
	    "inline;\r\n filename=a.txt\r\n\r\n--f f\r\n\r\nx\r\n--f f--\r\n" },
	{ "content type last, no CR", true, HL "Content-Type: text/html\n"
	    " ; charset=utf-8\n\n<p>x</p>\n" },
	{ "names like the content fields", true, H "Content-Typo: x/y\r\n"
	    "Content-Type-X: a/b\r\nContent-Dispositioning: q\r\n"
	    "Content-Transfer-Encodinx: base64\r\n\r\nplain\r\n" },
	{ "duplicate disposition", false, H "Content-Disposition: inline\r\n"
	    "Content-Disposition: attachment\r\n\r\nx\r\n" },
	{ "duplicate encoding, folded", false, H "Content-Transfer-Encoding:"
	    "\r\n base64\r\ncontent-transfer-encoding: 7bit\r\n\r\nx\r\n" },
	{ "long line with boundary", false, H "Content-Type: multipart/mixed;"
	    " boundary=L\r\n\r\n--L\r\n\r\n"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "--L\r\n--L--\r\n" },
};

static void
test_cases(void)
{
	const char *why;
	size_t i;
	bool fast;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = compare(cases[i].msg, strlen(cases[i].msg), &fast);
		ok(why == NULL, "%s: same model", cases[i].name);
		if (why != NULL)
			printf("#   %s\n", why);
		if (cases[i].fast)
			ok(fast, "%s: fast path taken", cases[i].name);
	}
}

/* Do two runs of mimeparse_run() give the same nodes and strings? */
static bool
same_nodes(const struct mimeparse *a, const struct mimeparse *b)
{
	const struct mimeparse_node *x, *y;
	size_t i;

	if (a->n_nodes != b->n_nodes)
		return false;
	for (i = 0; i < a->n_nodes; i++) {
		x = &a->nodes[i];
		y = &b->nodes[i];
		if (x->parent != y->parent || x->depth != y->depth ||
		    x->end != y->end || x->kind != y->kind ||
		    x->enc != y->enc || x->off != y->off || x->len != y->len ||
		    mimecmp_str(mimeparse_str(a, x->type),
		    mimeparse_str(b, y->type)) ||
		    mimecmp_str(mimeparse_str(a, x->subtype),
		    mimeparse_str(b, y->subtype)) ||
		    mimecmp_str(mimeparse_str(a, x->charset),
		    mimeparse_str(b, y->charset)) ||
		    mimecmp_str(mimeparse_str(a, x->disposition),
		    mimeparse_str(b, y->disposition)) ||
		    mimecmp_str(mimeparse_str(a, x->filename),
		    mimeparse_str(b, y->filename)) ||
		    mimecmp_str(mimeparse_str(a, x->name),
		    mimeparse_str(b, y->name)))
			return false;
	}
	return true;
}

/*
 * mimeparse_run() handed message.c's split of the top-level header block
 * (struct mimeparse_top) against mimeparse_run() splitting it itself:
 * the same result and, when taken, the same nodes.  Only for blocks
 * message.c split whole, as message.c only hands those on.
 */
static void
test_top_fields(void)
{
	const uint32_t partial = MSG_DEF_HEADER_SYNTAX | MSG_DEF_NO_BODY_SEP |
	    MSG_DEF_TOO_MANY_HEADERS;
	struct mimeparse with, without;
	struct mimeparse_top top;
	struct message *m;
	struct arena *a;
	size_t i, n_same = 0, n_tried = 0, n_taken = 0;
	int r1, r2;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = arena_new(0);
		m = message_parse(a, cases[i].msg, strlen(cases[i].msg), NULL);
		if (m == NULL || (m->defects & partial) != 0) {
			arena_free(a);
			continue;
		}
		n_tried++;
		memset(&top, 0, sizeof(top));
		top.nul_free = true;
		r1 = mimeparse_top_fields(&top, m->headers, m->n_headers,
		    m->header_len);
		if (r1 == 0)
			r1 = mimeparse_run(&with, m->raw, m->raw_len, 500, 20,
			    &top);
		else
			memset(&with, 0, sizeof(with));
		r2 = mimeparse_run(&without, m->raw, m->raw_len, 500, 20, NULL);
		if (r1 == r2 && (r1 != 0 || same_nodes(&with, &without)))
			n_same++;
		else
			printf("# %s: top fields change the result\n",
			    cases[i].name);
		if (r1 == 0)
			n_taken++;
		mimeparse_free(&with);
		mimeparse_free(&without);
		arena_free(a);
	}
	ok(n_tried > 40 && n_same == n_tried && n_taken > 30,
	    "top fields: %zu of %zu header blocks give the same tree (%zu "
	    "taken)", n_same, n_tried, n_taken);

	/* A NUL declines whether found here or by message.c. */
	static const char nul[] = H "\r\nx\0y\r\n";
	const char *why;

	memset(&top, 0, sizeof(top));
	ok(mimeparse_run(&with, nul, sizeof(nul) - 1, 500, 20, &top) != 0,
	    "top: input with a NUL (nul_free false) declined");
	mimeparse_free(&with);
	top.nul_free = true;
	ok(mimeparse_run(&with, nul, 20, 500, 20, &top) != 0,
	    "top: NUL-free input without its empty line declined");
	mimeparse_free(&with);
	why = compare_reuse(nul, sizeof(nul) - 1, NULL);
	ok(why == NULL, "NUL in the body: same model with either split");
	if (why != NULL)
		printf("#   %s\n", why);
}

/* One file; returns false (and says why) when the models differ. */
static bool
compare_file(const char *path)
{
	const char *why;
	size_t len;
	char *b;
	bool fast;

	if ((b = slurp(path, &len)) == NULL) {
		printf("# cannot read %s\n", path);
		return false;
	}
	why = compare(b, len, &fast);
	if (why != NULL)
		printf("# %s: %s\n", path, why);
	free(b);
	return why == NULL;
}

static void
same_in_corpus(const char *path, const char *name)
{
	ok(compare_file(path), "fuzz corpus %s: same model", name);
}

static void
test_fuzz_corpus(void)
{
	const char *dir = MT_TESTDIR "/../../fuzz/corpus/message";

	if (each_in_dir(dir, same_in_corpus) == -1)
		ok(0, "open %s", dir);
}

static void
test_env_corpus(void)
{
	const char *list = getenv("MT_MIMETREE_CORPUS");
	size_t bad = 0, t0 = n_total, f0 = n_fast;
	long files;

	if (list == NULL || *list == '\0')
		return;
	files = each_listed(list, compare_file, &bad);
	ok(files >= 0 && bad == 0, "%s: %ld files, %zu differ", list, files,
	    bad);
	printf("# corpus: fast path took %zu of %zu messages (%.1f%%)\n",
	    n_fast - f0, n_total - t0, n_total > t0 ?
	    100.0 * (double)(n_fast - f0) / (double)(n_total - t0) : 0.0);
}

/*
 * Base64 a digit at a time, as the decoder was before it took whole
 * quanta: '-' and '_' are 62 and 63 too, other bytes outside the
 * alphabet are skipped, and all but line ends, blanks and '=' are bad.
 */
static size_t
b64_ref(const char *s, size_t n, unsigned char *o, bool *bad)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned acc = 0, bits = 0, v;
	size_t i, ol = 0;
	const char *d;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '-' || c == '_')
			v = c == '-' ? 62 : 63;
		else if (c != 0 && (d = strchr(al, c)) != NULL)
			v = (unsigned)(d - al);
		else {
			if (c != '\r' && c != '\n' && c != ' ' && c != '\t' &&
			    c != '=')
				*bad = true;
			continue;
		}
		acc = acc << 6 | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[ol++] = (unsigned char)(acc >> bits);
		}
	}
	return ol;
}

/*
 * Random base64 bodies, mostly digits with line ends, padding, both
 * alphabets and stray bytes anywhere: mime_decode_base64() must give
 * b64_ref()'s bytes and verdict, and zeroes after them.
 */
static void
test_base64(void)
{
	static const char stray[] = "-_=\r\n \t!.\x80\xff";
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	struct arena *ar = arena_new(0);
	char s[400];
	unsigned char r[400], *o;
	size_t i, k, n, ol, rl, z, bad = 0;
	bool gb, rb;
	unsigned seed = 1234;

	for (k = 0; k < 30000; k++) {
		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % 300;
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			if ((seed >> 16) % 50 == 0)
				s[i] = stray[(seed >> 22) % (sizeof(stray) -
				    1)];
			else if (i % 78 >= 76)
				s[i] = i % 78 == 76 ? '\r' : '\n';
			else
				s[i] = al[(seed >> 22) % 64];
		}
		gb = rb = false;
		/*
		 * The block comes from a chunk that held nonzero bytes
		 * (malloc() hands the freed chunk back), so the zeroes
		 * after the output are the decoder's own.
		 */
		arena_free(ar);
		ar = arena_new(0);
		memset(arena_alloc_raw(ar, 1024), 0xaa, 1024);
		arena_free(ar);
		ar = arena_new(0);
		o = mime_decode_base64(ar, s, n, &ol, &gb);
		rl = b64_ref(s, n, r, &rb);
		for (z = ol; o != NULL && z < n / 4 * 3 + 3 && o[z] == 0; z++)
			;
		if (o == NULL || ol != rl || gb != rb ||
		    memcmp(o, r, rl) != 0 || z != n / 4 * 3 + 3) {
			if (bad++ == 0)
				printf("# case %zu: %zu bytes, want %zu\n", k,
				    ol, rl);
		}
	}
	is_int(bad, 0, "base64: 30000 random bodies as a digit at a time");
	arena_free(ar);
}

/* CRLF and lone CR to LF a byte at a time, as mime_to_lf() once was. */
static size_t
to_lf_ref(char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r') {
			s[o++] = '\n';
			if (i + 1 < n && s[i + 1] == '\n')
				i++;
		} else
			s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

/*
 * Random texts of CR, LF, CRLF, CRCR and letters: mime_to_lf() moves
 * lines with memmove() and must give what to_lf_ref() gives, NUL too.
 */
static void
test_to_lf(void)
{
	static const char *const piece[] = { "a", "bc", "\r", "\n", "\r\n",
	    "\r\r", "\n\r", "line of text ", "\r\n\r\n" };
	char s[600], r[600];
	size_t i, k, n, np, gl, rl, bad = 0;
	unsigned seed = 99;

	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245 + 12345;
		np = (seed >> 16) % 40;
		for (k = n = 0; k < np; k++) {
			seed = seed * 1103515245 + 12345;
			memcpy(s + n, piece[(seed >> 16) % 9],
			    strlen(piece[(seed >> 16) % 9]));
			n += strlen(piece[(seed >> 16) % 9]);
		}
		memcpy(r, s, n);
		memset(s + n, 'X', sizeof(s) - n);
		memset(r + n, 'X', sizeof(r) - n);
		gl = mime_to_lf(s, n);
		rl = to_lf_ref(r, n);
		if (gl != rl || memcmp(s, r, sizeof(s)) != 0) {
			if (bad++ == 0)
				printf("# case %zu: length %zu want %zu\n", i,
				    gl, rl);
		}
	}
	is_int(bad, 0, "mime_to_lf: 20000 random texts as a byte at a time");
	memcpy(s, "a\r\nb\rc\n\r", 9);
	is_int(mime_to_lf(s, 8), 7, "mime_to_lf: length");
	is_str(s, "a\nb\nc\n\n", "mime_to_lf: CRLF, CR, LF, LF CR");
}

int
main(void)
{
	test_to_lf();
	test_base64();
	test_cases();
	test_top_fields();
	test_fuzz_corpus();
	test_env_corpus();
	printf("# fast path took %zu of %zu messages compared\n", n_fast,
	    n_total);
	return tap_done();
}
