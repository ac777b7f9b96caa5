/*
 * test_mime.c - message_parse(): the header list with raw bytes, the
 * standard fields, the part tree, nested messages and zip attachments.
 *
 * The header lookups and the fields message_parse() interprets are also
 * checked against a plain linear scan (str_ieq on every field, as the
 * code once did) over the cases here, every file of fuzz/corpus/message
 * and, when MT_MIME_CORPUS names a file with one path per line, each of
 * those files (e.g. MT_MIME_CORPUS=/tmp/corpus-files-abs.txt).
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mimeint.h"
#include "util/arena.h"
#include "util/str.h"
#include "slurp.h"
#include "tap.h"

static struct arena *a;

static struct message *
parse(const char *s, size_t n)
{
	return message_parse(a, s, n, NULL);
}

static struct message *
parses(const char *s)
{
	return message_parse(a, s, strlen(s), NULL);
}

static bool
raw_is(const struct header *h, const char *want)
{
	return h != NULL && h->raw_len == strlen(want) &&
	    memcmp(h->raw, want, h->raw_len) == 0;
}

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
put32(unsigned char *p, unsigned v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

/* A stored zip with the given names (APPNOTE 4.3), no real content. */
static size_t
make_zip(unsigned char *z, const char *const *names, size_t n, bool enc)
{
	size_t off = 0, cd, i, nl, loc[8];

	for (i = 0; i < n; i++) {
		nl = strlen(names[i]);
		loc[i] = off;
		memset(z + off, 0, 30);
		put32(z + off, 0x04034b50);
		put16(z + off + 6, enc ? 1 : 0);
		put16(z + off + 26, (unsigned)nl);
		memcpy(z + off + 30, names[i], nl);
		off += 30 + nl;
	}
	cd = off;
	for (i = 0; i < n; i++) {
		nl = strlen(names[i]);
		memset(z + off, 0, 46);
		put32(z + off, 0x02014b50);
		put16(z + off + 8, (enc ? 1 : 0) | (1u << 11));
		put16(z + off + 28, (unsigned)nl);
		put32(z + off + 42, (unsigned)loc[i]);
		memcpy(z + off + 46, names[i], nl);
		off += 46 + nl;
	}
	memset(z + off, 0, 22);
	put32(z + off, 0x06054b50);
	put16(z + off + 8, (unsigned)n);
	put16(z + off + 10, (unsigned)n);
	put32(z + off + 12, (unsigned)(off - cd));
	put32(z + off + 16, (unsigned)cd);
	return off + 22;
}

static size_t
b64(char *o, const unsigned char *s, size_t n)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, ol = 0;
	unsigned v;

	for (i = 0; i < n; i += 3) {
		v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		o[ol++] = al[v >> 18];
		o[ol++] = al[(v >> 12) & 63];
		o[ol++] = i + 1 < n ? al[(v >> 6) & 63] : '=';
		o[ol++] = i + 2 < n ? al[v & 63] : '=';
		if ((i / 3) % 19 == 18)
			o[ol++] = '\n';
	}
	o[ol++] = '\n';
	return ol;
}

static void
test_headers(void)
{
	static const char crlf[] =
	    "From: \"Jane\" <jane@example.com>\r\n"
	    "Subject: =?utf-8?q?Ihr_Konto?=\r\n   wurde gesperrt\r\n"
	    "DKIM-Signature: v=1; a=rsa-sha256;\r\n\tb=abc\r\n"
	    "Date: Tue, 1 Oct 2024 10:00:00 +0200\r\n"
	    "Message-ID: <abc.123@example.com>\r\n"
	    "\r\n"
	    "Body line\r\n";
	static const char lf[] =
	    "From: jane@example.com\n"
	    "X-Folded: one\n two\n"
	    "Date: 1 Oct 24 08:00 GMT\n"
	    "\n"
	    "Body\n";
	const struct header *h;
	struct message *m;

	m = parse(crlf, sizeof(crlf) - 1);
	ok(m != NULL, "CRLF message parsed");
	is_int(m->n_headers, 5, "five fields");
	ok(m->crlf, "CRLF detected");
	ok(raw_is(&m->headers[1], "Subject: =?utf-8?q?Ihr_Konto?=\r\n"
	    "   wurde gesperrt\r\n"), "raw Subject incl. continuation");
	h = message_header(m, "dkim-signature", 0);
	ok(raw_is(h, "DKIM-Signature: v=1; a=rsa-sha256;\r\n\tb=abc\r\n"),
	    "raw DKIM-Signature exact, CRLF kept");
	ok(h != NULL && h->name_len == 14 &&
	    memcmp(h->name, "DKIM-Signature", 14) == 0, "name and length");
	ok(h != NULL && h->value_len == 27 &&
	    memcmp(h->value, " v=1; a=rsa-sha256;\r\n\tb=abc", 27) == 0,
	    "value is the folded bytes after the colon");
	is_str(h ? h->decoded : NULL, "v=1; a=rsa-sha256;\tb=abc",
	    "decoded is unfolded");
	is_str(m->subject, "Ihr Konto   wurde gesperrt", "subject decoded");
	is_int(m->date, 1727769600, "Date parsed");
	is_str(m->message_id, "abc.123@example.com", "Message-ID");
	is_int(m->from.n, 1, "From parsed");
	is_str(m->from.v[0].display, "Jane", "From display");
	ok(m->body == crlf + m->header_len && strcmp(m->body,
	    "Body line\r\n") == 0, "body starts after the empty line");
	ok(m->defects == 0, "clean message has no defects (got %#x: %s)",
	    m->defects, m->defect_notes ? m->defect_notes : "");
	is_int(message_header_count(m, "FROM"), 1, "header count");
	ok(message_header(m, "from", 1) == NULL, "no second From");

	m = parse(lf, sizeof(lf) - 1);
	ok(!m->crlf, "bare LF detected");
	h = message_header(m, "x-folded", 0);
	ok(raw_is(h, "X-Folded: one\n two\n"), "raw LF field exact");
	is_int(m->date, 1727769600, "2-digit year and GMT");
	ok(m->defects & MSG_DEF_NO_MESSAGE_ID, "no Message-ID noted");
	is_str(message_defect_name(11), "no-message-id", "defect name");

	m = parses("From: a@b.c\r\nTo: x@y.z\nSubject: mixed\r\n\r\nb");
	ok(m->defects & MSG_DEF_MIXED_EOL, "mixed line ends noted");
	is_int(m->n_headers, 3, "mixed: three fields");

	m = parses("From: a@b.c\nSubject: x\nthis is body text\nmore\n");
	ok(m->defects & MSG_DEF_NO_BODY_SEP, "missing separator noted");
	is_int(m->n_headers, 2, "headers before the body line");
	ok(m->body_len > 0 && strncmp(m->body, "this is body", 12) == 0,
	    "body begins at the non-header line");

	m = parses("From: a@b.c\nSubject: only headers");
	ok(m->defects & MSG_DEF_NO_BODY_SEP, "no body at all");
	is_int(m->n_headers, 2, "last header without line end");
	is_str(m->subject, "only headers", "its value");

	m = parses("From a@b.c Mon Sep 30 10:00:00 2002\nFrom: x@y.z\n"
	    "From: q@r.s\nDate: garbage\n\nb\n");
	is_int(m->n_headers, 3, "mbox envelope line skipped");
	ok(m->defects & MSG_DEF_MULTIPLE_FROM, "two From fields noted");
	ok(m->defects & MSG_DEF_BAD_DATE, "bad Date noted");
	is_str(m->from.v[0].addr, "x@y.z", "first From used");

	m = parses("From: hans at example.de (Hans)\nSubject: Gr\xfc\xdf" "e\n"
	    "\nx\n");
	ok(m->defects & MSG_DEF_BAD_FROM, "pipermail From is a bad From");
	ok(m->defects & MSG_DEF_8BIT_HEADER, "8-bit header noted");
	is_str(m->subject, "Grüße", "8-bit subject as windows-1252");

	m = parses("From: a@b.c\nDate: Tue, 19 Jul 2005 13.38.14 +0200\n\nb");
	is_int(m->date, 1121773094, "'.' as time separator");
	m = parses("From: a@b.c\nDate: Thu, 29 Aug 0102 15:36:58 +-0500\n\n");
	is_int(m->date, 1030653418, "Y2K-bug year and '+-' zone");

	m = parses("Subject: x\n\n");
	ok(m->defects & MSG_DEF_NO_FROM, "no From noted");
	ok(m->defects & MSG_DEF_NO_DATE, "no Date noted");
	is_int(m->n_parts, 1, "one (empty) part");
}


/* The nth field of that name, the slow way: str_ieq on every field. */
static const struct header *
ref_header(const struct message *m, const char *name, size_t nth)
{
	size_t i;

	for (i = 0; i < m->n_headers; i++)
		if (str_ieq(m->headers[i].name, m->headers[i].name_len, name) &&
		    nth-- == 0)
			return &m->headers[i];
	return NULL;
}

static size_t
ref_count(const struct message *m, const char *name)
{
	size_t n = 0;

	while (ref_header(m, name, n) != NULL)
		n++;
	return n;
}

/* message_header() and _count() against the scan, for one name. */
static size_t
lookup_diffs(const struct message *m, const char *name)
{
	size_t k, n = ref_count(m, name), bad = 0;

	if (message_header_count(m, name) != n)
		bad++;
	for (k = 0; k <= n; k++)
		if (message_header(m, name, k) != ref_header(m, name, k))
			bad++;
	return bad;
}

static const char *const known_names[] = { "from", "From", "FROM",
    "sender", "reply-to", "to", "cc", "bcc", "return-path", "subject",
    "message-id", "date", "received", "in-reply-to", "references",
    "dkim-signature", "authentication-results", "x-mailer", "list-id",
    "content-type", "mime-version", "", "x", "t", "tO", "fro", "fromm",
    "received-spf", "arc-seal", NULL };

/* Every name present, in several spellings, and the names checks use. */
static size_t
all_lookup_diffs(const struct message *m)
{
	char q[300];
	size_t i, k, l, bad = 0;

	for (k = 0; known_names[k] != NULL; k++)
		bad += lookup_diffs(m, known_names[k]);
	for (i = 0; i < m->n_headers; i++) {
		if ((l = m->headers[i].name_len) + 2 > sizeof(q))
			continue;
		memcpy(q, m->headers[i].name, l);
		q[l] = '\0';
		bad += lookup_diffs(m, q);
		for (k = 0; k < l; k++)		/* swapped case */
			q[k] = (char)((q[k] >= 'a' && q[k] <= 'z') ? q[k] - 32 :
			    (q[k] >= 'A' && q[k] <= 'Z') ? q[k] + 32 : q[k]);
		bad += lookup_diffs(m, q);
		q[l] = 'x';			/* one longer */
		q[l + 1] = '\0';
		bad += lookup_diffs(m, q);
		q[l - 1] = '\0';		/* one shorter */
		bad += lookup_diffs(m, q);
	}
	return bad;
}

static bool
same_list(const struct address_list *x, const struct address_list *y)
{
	size_t i;

	if (x->n != y->n)
		return false;
	for (i = 0; i < x->n; i++)
		if (strcmp(x->v[i].addr, y->v[i].addr) != 0)
			return false;
	return true;
}

/*
 * The address list message_parse() should have taken for a field: the
 * first occurrence for From, else the first that yields an address.
 */
static bool
list_ok(struct arena *ta, const struct message *m, const char *name,
    const struct address_list *got)
{
	struct address_list want = { 0 };
	const struct header *h;
	size_t k;

	for (k = 0; (h = ref_header(m, name, k)) != NULL; k++) {
		(void)message_parse_addresses(ta, h->value, h->value_len,
		    message_default_limits()->max_addresses, &want);
		if (want.n > 0 || strcmp(name, "from") == 0)
			break;
	}
	return same_list(&want, got);
}

/* The interpreted fields against the linear scan; NULL when all agree. */
static const char *
fields_diff(struct arena *ta, const struct message *m)
{
	static const char *const once[] = { "sender", "reply-to", "to",
	    "cc", "bcc", "message-id", "in-reply-to", "references",
	    "subject", "date", NULL };
	const struct header *h;
	size_t k, max = message_default_limits()->max_received;
	time_t d = 0;
	bool dup = false;

	if (!list_ok(ta, m, "from", &m->from) ||
	    !list_ok(ta, m, "sender", &m->sender) ||
	    !list_ok(ta, m, "reply-to", &m->reply_to) ||
	    !list_ok(ta, m, "to", &m->to) || !list_ok(ta, m, "cc", &m->cc) ||
	    !list_ok(ta, m, "bcc", &m->bcc) ||
	    !list_ok(ta, m, "return-path", &m->return_path))
		return "address lists";
	h = ref_header(m, "subject", 0);
	if (h == NULL ? m->subject != NULL : m->subject != h->decoded)
		return "subject";
	if ((h = ref_header(m, "date", 0)) != NULL &&
	    !rfcdate_parse(h->value, h->value_len, &d))
		d = 0;
	if (m->date != d)
		return "date";
	if (m->n_received != (ref_count(m, "received") < max ?
	    ref_count(m, "received") : max))
		return "number of Received";
	for (k = 0; k < m->n_received; k++)
		if (m->received[k].hdr != ref_header(m, "received", k))
			return "Received order";
	for (k = 0; once[k] != NULL; k++)
		if (ref_count(m, once[k]) > 1)
			dup = true;
	if (dup != ((m->defects & MSG_DEF_DUP_HEADER) != 0))
		return "duplicate-header defect";
	if ((ref_count(m, "from") > 1) !=
	    ((m->defects & MSG_DEF_MULTIPLE_FROM) != 0))
		return "multiple-from defect";
	if ((ref_header(m, "message-id", 0) == NULL) !=
	    ((m->defects & MSG_DEF_NO_MESSAGE_ID) != 0))
		return "no-message-id defect";
	return NULL;
}

/* Both checks on one message; prints why when they fail. */
static bool
scan_agrees(const char *what, const char *data, size_t len)
{
	struct arena *ta = arena_new(0);
	struct message *m;
	const char *why = NULL;
	size_t bad;

	if ((m = message_parse(ta, data, len, NULL)) == NULL)
		why = "not parsed";
	else if ((bad = all_lookup_diffs(m)) > 0)
		why = "header lookups";
	else
		why = fields_diff(ta, m);
	if (why != NULL)
		printf("# %s: %s differ from the linear scan\n", what, why);
	arena_free(ta);
	return why == NULL;
}

static bool
scan_agrees_file(const char *path)
{
	size_t len;
	char *b;
	bool r;

	if ((b = slurp(path, &len)) == NULL) {
		printf("# %s: unreadable\n", path);
		return false;
	}
	r = scan_agrees(path, b, len);
	free(b);
	return r;
}

static void
test_lookup(void)
{
	static const char dups[] =
	    "X-Tag: one\r\n"
	    "x-tag: two\r\n"
	    "X-Tags: not it\r\n"
	    "X-Ta: nor this\r\n"
	    "X-TAG : three\r\n"
	    "From: a@b.example\r\n"
	    "\r\n";
	static const char *const cases[] = { dups,
	    "To: first@x.example\nTo: second@x.example\nFrom: f@x.example\n"
	    "tO: third@x.example\n\n",
	    "To: undisclosed-recipients:;\nTO: late@x.example\n\n",
	    "FROM: up@x.example\nsUbJeCt: Mixed\nDATE: 1 Oct 2024 08:00 GMT\n"
	    "MESSAGE-id: <m@x>\nRETURN-PATH: <rp@x.example>\n"
	    "received: from a by b; 1 Oct 2024 08:00 GMT\n"
	    "ReCeIvEd: by c; 2 Oct 2024 08:00 GMT\n\n",
	    "Tx: no@x.example\nCx: no@x.example\nDates: 1 Oct 2024\n"
	    "Fromm: no@x.example\nSubjects: no\nReceived-SPF: pass\n\n",
	    "Subject: a\nSubject: b\nDate: x\nDate: 1 Oct 2024 08:00 GMT\n\n",
	    "From: \nFrom: later@x.example\nReturn-Path: <>\n"
	    "Return-Path: <second@x.example>\n\n",
	    NULL };
	struct message *m;
	char name[32];
	size_t i;

	m = parses(dups);
	ok(m != NULL, "duplicates parsed");
	is_int(message_header_count(m, "X-Tag"), 3,
	    "three X-Tag (one with space before the colon)");
	is_str(message_header(m, "X-TAG", 0)->decoded, "one", "first first");
	is_str(message_header(m, "x-tag", 1)->decoded, "two", "then second");
	is_str(message_header(m, "x-Tag", 2)->decoded, "three", "then third");
	ok(message_header(m, "X-Tag", 3) == NULL, "no fourth");
	is_str(message_header(m, "x-tags", 0)->decoded, "not it",
	    "a longer name is another field");
	is_str(message_header(m, "X-TA", 0)->decoded, "nor this",
	    "a shorter name is another field");
	ok(message_header(m, "X-Ta-", 0) == NULL, "no such name");
	ok(message_header(m, "", 0) == NULL, "empty name matches nothing");
	is_int(message_header_count(m, ""), 0, "empty name counts nothing");
	ok(message_header(m, "X-Tag:", 0) == NULL, "the colon is not a name");

	for (i = 0; cases[i] != NULL; i++) {
		(void)snprintf(name, sizeof(name), "case %zu", i);
		ok(scan_agrees(name, cases[i], strlen(cases[i])),
		    "%s: same as the linear scan", name);
	}
}

static void
test_fields_by_name(void)
{
	struct message *m;

	m = parses("FROM: up@x.example\nsUbJeCt: Mixed\n"
	    "DATE: 1 Oct 2024 08:00 GMT\nMESSAGE-id: <m@x>\n"
	    "RETURN-PATH: <rp@x.example>\nrEpLy-To: r@x.example\n"
	    "SENDER: s@x.example\nCC: c@x.example\nbcc: b@x.example\n"
	    "received: from a by b; 1 Oct 2024 08:00 GMT\n\n");
	ok(m->from.n == 1 && strcmp(m->from.v[0].addr, "up@x.example") == 0,
	    "FROM read (RFC 5322 names are case-insensitive)");
	is_str(m->subject, "Mixed", "sUbJeCt read");
	is_int(m->date, 1727769600, "DATE read");
	is_str(m->message_id, "m@x", "MESSAGE-id read");
	ok(m->return_path.n == 1 && m->reply_to.n == 1 && m->sender.n == 1 &&
	    m->cc.n == 1 && m->bcc.n == 1, "the other address fields read");
	is_int(m->n_received, 1, "received read");
	ok(m->defects == 0, "no defects (got %#x: %s)", m->defects,
	    m->defect_notes ? m->defect_notes : "");

	m = parses("Tx: no@x.example\nCx: no@x.example\nDates: 1 Oct 2024\n"
	    "Fromm: no@x.example\nSubjects: no\nReceived-SPF: pass\n"
	    "Message-IDs: <no@x>\n\n");
	ok(m->from.n == 0 && m->to.n == 0 && m->cc.n == 0 &&
	    m->subject == NULL && m->date == 0 && m->n_received == 0 &&
	    m->message_id == NULL, "names of other lengths are other fields");

	m = parses("To: first@x.example\nSubject: one\nTo: second@x.example\n"
	    "Subject: two\nSubject: three\nIn-Reply-To: <a@x>\n"
	    "In-Reply-To: <b@x>\nReferences: <a@x>\nReferences: <b@x>\n"
	    "Received: by one; 1 Oct 2024 08:00 GMT\n"
	    "Received: by two; 1 Oct 2024 08:00 GMT\n"
	    "Return-Path: <rp1@x.example>\nReturn-Path: <rp2@x.example>\n"
	    "From: f1@x.example\nFrom: f2@x.example\n\n");
	is_str(m->to.v[0].addr, "first@x.example", "first To taken");
	is_str(m->subject, "one", "first Subject taken");
	is_str(m->return_path.v[0].addr, "rp1@x.example",
	    "first Return-Path taken");
	is_str(m->from.v[0].addr, "f1@x.example", "first From taken");
	ok(m->n_received == 2 && strcmp(m->received[0].by, "one") == 0 &&
	    strcmp(m->received[1].by, "two") == 0, "Received top first");
	ok((m->defects & (MSG_DEF_DUP_HEADER | MSG_DEF_MULTIPLE_FROM)) ==
	    (MSG_DEF_DUP_HEADER | MSG_DEF_MULTIPLE_FROM),
	    "duplicate and multiple-from defects");
	/* Notes are joined in order, each once, "; " between. */
	is_str(m->defect_notes, "more than one to field; "
	    "more than one subject field; more than one in-reply-to field; "
	    "more than one references field; more than one From field; "
	    "no Date field; no Message-ID", "defect notes joined");

	m = parses("Received: x\nReceived: y\nReturn-Path: z\n\n");
	ok(!(m->defects & MSG_DEF_DUP_HEADER),
	    "Received, Return-Path and From may repeat");
	is_str(m->defect_notes, "no From field; no Date field; "
	    "no Message-ID", "notes of a message without fields");
}

/*
 * Which field message.c took a name for, from what it did with two of
 * them: -1 for none, else the index in names[] below.
 */
static const char *const field_list[] = { "from", "sender", "reply-to",
    "to", "cc", "bcc", "return-path", "subject", "message-id", "date",
    "received", "in-reply-to", "references" };
#define N_FIELDS	(sizeof(field_list) / sizeof(field_list[0]))

static int
field_seen(const char *name)
{
	char buf[128], note[64];
	struct message *m;
	size_t k;
	int got = -1, n_got = 0;

	(void)snprintf(buf, sizeof(buf), "%s: a@b.example\n%s: a@b.example"
	    "\n\n", name, name);
	if ((m = parses(buf)) == NULL)
		return -2;
	for (k = 0; k < N_FIELDS; k++) {
		bool took;

		(void)snprintf(note, sizeof(note), "more than one %s field",
		    field_list[k]);
		if (k == 0)
			took = (m->defects & MSG_DEF_MULTIPLE_FROM) != 0;
		else if (k == 6)
			took = m->return_path.n == 1;
		else if (k == 10)
			took = m->n_received == 2;
		else
			took = m->defect_notes != NULL &&
			    strstr(m->defect_notes, note) != NULL;
		if (took) {
			got = (int)k;
			n_got++;
		}
	}
	return n_got > 1 ? -3 : got;
}

/*
 * The fields read by name, against a case-insensitive compare with each
 * name in turn, over every name with one byte changed (case flipped, a
 * neighbouring letter, '-', '_', 'x'), cut or lengthened.
 */
static void
test_field_classes(void)
{
	static const char subst[] = "-_x";
	char name[64];
	size_t k, i, j, tried = 0, bad = 0;
	int want, got;

	for (k = 0; k < N_FIELDS; k++) {
		size_t len = strlen(field_list[k]);

		for (i = 0; i <= len + 1; i++) {
			for (j = 0; j < 7; j++) {
				memcpy(name, field_list[k], len + 1);
				if (i == len + 1) {
					if (j > 0)
						break;
					name[len - 1] = '\0';	/* cut */
				} else if (i == len) {
					if (j >= 3)
						break;
					name[len] = subst[j];	/* longer */
					name[len + 1] = '\0';
				} else if (j == 0)
					name[i] ^= 0x20;
				else if (j == 1)
					name[i] = (char)(name[i] + 1);
				else if (j == 2)
					name[i] = (char)(name[i] - 1);
				else if (j < 6)
					name[i] = subst[j - 3];
				else {
					/* All upper case. */
					for (size_t q = 0; q < len; q++)
						if (name[q] >= 'a' &&
						    name[q] <= 'z')
							name[q] ^= 0x20;
				}
				if (strchr(name, ':') != NULL ||
				    name[0] == '\0' || name[0] == '@' ||
				    strchr(name, '\x0d') != NULL ||
				    strchr(name, '\x7f') != NULL)
					continue;
				want = -1;
				for (size_t q = 0; q < N_FIELDS; q++)
					if (str_ieq(name, strlen(name),
					    field_list[q]))
						want = (int)q;
				got = field_seen(name);
				tried++;
				if (got != want) {
					bad++;
					printf("# %s: read as %d, not %d\n",
					    name, got, want);
				}
			}
		}
	}
	ok(tried > 500 && bad == 0, "field names: %zu of %zu read as a "
	    "compare with each name would", tried - bad, tried);
}

static void
agrees_in_corpus(const char *path, const char *name)
{
	ok(scan_agrees_file(path), "fuzz corpus %s: lookups and fields "
	    "as the linear scan", name);
}

static void
test_fuzz_corpus(void)
{
	const char *dir = MT_TESTDIR "/../../fuzz/corpus/message";

	if (each_in_dir(dir, agrees_in_corpus) == -1)
		ok(0, "open %s", dir);
}

static void
test_env_corpus(void)
{
	const char *list = getenv("MT_MIME_CORPUS");
	size_t bad = 0;
	long files;

	if (list == NULL || *list == '\0')
		return;
	files = each_listed(list, scan_agrees_file, &bad);
	ok(files >= 0 && bad == 0, "%s: %ld files, %zu differ from the "
	    "linear scan", list, files, bad);
}

static void
test_tree(void)
{
	static const char *const names[] = { "rechnung.pdf.exe",
	    "docs/readme.txt" };
	unsigned char zip[512];
	char *msg, enc[1024];
	size_t zl, el, ml;
	struct message *m;
	const struct part *p;

	zl = make_zip(zip, names, 2, true);
	el = b64(enc, zip, zl);
	msg = malloc(4096);
	ml = (size_t)snprintf(msg, 4096,
	    "From: a@b.c\nDate: 1 Oct 2024 10:00 +0000\nMessage-ID: <x@y>\n"
	    "Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
	    "preamble\n--outer\n"
	    "Content-Type: text/plain; charset=utf-8\n\nHallo\n"
	    "--outer\nContent-Type: message/rfc822\n\n"
	    "From: inner@x.y\nSubject: inner\n"
	    "Content-Type: multipart/alternative; boundary=in\n\n"
	    "--in\nContent-Type: text/plain\n\nInner text\n"
	    "--in\nContent-Type: text/html\n\n<a href=\"https://in.example\">"
	    "x</a>\n--in--\n"
	    "--outer\nContent-Type: application/zip; name=\"a.zip\"\n"
	    "Content-Transfer-Encoding: base64\n"
	    "Content-Disposition: attachment\n\n%.*s"
	    "--outer\nContent-Type: application/octet-stream; name=x.pdf\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4K\n"
	    "--outer--\nepilogue\n", (int)el, enc);
	m = parse(msg, ml);
	ok(m != NULL, "multipart parsed");
	is_int(m->n_parts, 8, "eight parts in pre-order");
	is_str(m->parts[0].content_type, "multipart/mixed", "root");
	ok(m->parts[0].is_multipart && m->parts[0].parent == -1, "root flags");
	is_str(m->parts[1].text, "Hallo", "first text part");
	ok(m->parts[2].is_message && m->parts[2].depth == 1,
	    "message/rfc822 container");
	is_str(m->parts[3].content_type, "multipart/alternative",
	    "nested message root joins the tree");
	is_int(m->parts[3].parent, 2, "its parent is the container");
	is_int(m->parts[3].depth, 2, "depth 2");
	is_int(m->parts[5].depth, 3, "nested html depth 3");
	ok(m->n_links == 1 && m->links[0].part == 5, "link of nested html");
	p = &m->parts[6];
	is_str(p->filename, "a.zip", "zip file name");
	ok(p->is_attachment, "zip is an attachment");
	is_int(p->size, zl, "zip decoded size");
	is_int(p->n_archive_names, 2, "two names in zip");
	is_str(p->n_archive_names > 0 ? p->archive_names[0] : NULL,
	    "rechnung.pdf.exe", "first zip entry");
	is_str(p->n_archive_names > 1 ? p->archive_names[1] : NULL,
	    "docs/readme.txt", "second zip entry");
	ok(p->archive_encrypted, "encrypted entries noted");
	is_str(p->sniffed, "application/zip", "libmagic: zip");
	is_str(m->parts[7].sniffed, "application/pdf", "libmagic: pdf");
	is_str(m->parts[7].filename, "x.pdf", "name from Content-Type");
	is_str(m->parts[7].transfer_encoding, "base64", "transfer encoding");
	ok(strstr(m->text, "Hallo") != NULL && strstr(m->text,
	    "Inner text") == NULL, "joined text (alternative: HTML wins)");
	ok(!(m->defects & MSG_DEF_ARCHIVE), "good zip: no archive defect");

	/* Broken zip: truncated central directory. */
	zip[zl - 22 + 16] = 0xff;	/* cd offset past the end */
	zip[zl - 22 + 12] = 0xff;
	el = b64(enc, zip, zl);
	ml = (size_t)snprintf(msg, 4096,
	    "From: a@b.c\nContent-Type: application/zip\n"
	    "Content-Transfer-Encoding: base64\n\n%.*s", (int)el, enc);
	m = parse(msg, ml);
	ok(m != NULL && (m->defects & MSG_DEF_ARCHIVE), "broken zip noted");
	ml = (size_t)snprintf(msg, 4096, "From: a@b.c\nContent-Type: "
	    "application/zip\n\nPK\003\004garbage");
	m = parse(msg, ml);
	ok(m != NULL && (m->defects & MSG_DEF_ARCHIVE), "zip without EOCD");

	/* uuencode through GMime's filter. */
	ml = (size_t)snprintf(msg, 4096, "From: a@b.c\nContent-Type: "
	    "application/octet-stream\nContent-Transfer-Encoding: x-uuencode"
	    "\n\nbegin 644 a.txt\n#86)C\n`\nend\n");
	m = parse(msg, ml);
	ok(m != NULL && m->parts[0].size == 3 &&
	    memcmp(m->parts[0].data, "abc", 3) == 0, "uuencode decoded");
	free(msg);
}

/*
 * The transfer decodings against plain one-byte-at-a-time ones written
 * here, over random bodies of alphabet letters, padding, line breaks,
 * blanks and stray bytes: the decoders take runs and whole quanta at
 * once, and must give the same bytes wherever breaks and strays fall.
 */
static size_t
ref_base64(const char *s, size_t n, unsigned char *o)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned acc = 0, bits = 0;
	size_t i, ol = 0;
	const char *p;
	unsigned v;

	for (i = 0; i < n; i++) {
		if (s[i] == '+' || s[i] == '-')
			v = 62;
		else if (s[i] == '/' || s[i] == '_')
			v = 63;
		else if (s[i] != '\0' && (p = strchr(al, s[i])) != NULL)
			v = (unsigned)(p - al);
		else
			continue;
		acc = acc << 6 | v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			o[ol++] = (unsigned char)(acc >> bits);
		}
	}
	return ol;
}

static size_t
ref_qp(const char *s, size_t n, unsigned char *o)
{
	static const char hex[] = "0123456789ABCDEF0123456789abcdef";
	const char *h, *l;
	size_t i, j, ol = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && s[i + 1] != '\0' &&
		    s[i + 2] != '\0' && (h = strchr(hex, s[i + 1])) != NULL &&
		    (l = strchr(hex, s[i + 2])) != NULL) {
			o[ol++] = (unsigned char)(((h - hex) % 16) << 4 |
			    (l - hex) % 16);
			i += 2;
		} else if (s[i] == '=') {
			for (j = i + 1; j < n && (s[j] == ' ' || s[j] == '\t');
			    j++)
				;
			if (j < n && s[j] == '\r')
				j++;
			if (j < n && s[j] == '\n')
				i = j;
			else if (j >= n)
				break;
			else
				o[ol++] = '=';
		} else
			o[ol++] = (unsigned char)s[i];
	}
	return ol;
}

static void
test_decodings(void)
{
	static const char b64[] = "QUJDREVGaGlqa2xtbm9w+/-_09==\n\n\r  *.";
	static const char qp[] = "=ABCDEFabcdef0189 \t\r\n\n=Gxyz.";
	const char *enc, *pick;
	char body[600], *msg;
	unsigned char want[700];
	struct message *m;
	size_t i, n, wl, ml, bad = 0, runs = 0;
	unsigned seed = 20261124;
	int k;

	msg = malloc(2048);
	for (k = 0; k < 4000; k++) {
		enc = k % 2 ? "base64" : "quoted-printable";
		pick = k % 2 ? b64 : qp;
		/* Mostly letters, so long runs and whole quanta occur. */
		n = 1 + (seed = seed * 1103515245 + 12345) % 500;
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			body[i] = (seed >> 16) % 4 ? pick[(seed >> 8) % 16] :
			    pick[(seed >> 8) % (strlen(pick))];
		}
		wl = k % 2 ? ref_base64(body, n, want) : ref_qp(body, n, want);
		ml = (size_t)snprintf(msg, 2048, "From: a@b.c\nContent-Type: "
		    "application/octet-stream\nContent-Transfer-Encoding: "
		    "%s\n\n%.*s", enc, (int)n, body);
		m = parse(msg, ml);
		runs++;
		if (m == NULL || m->n_parts < 1 || m->parts[0].size != wl ||
		    memcmp(m->parts[0].data, want, wl) != 0) {
			if (bad++ == 0)
				printf("# %s body differs: %.*s\n", enc,
				    (int)n, body);
		}
	}
	free(msg);
	ok(bad == 0, "base64 and quoted-printable: %zu random bodies decode "
	    "as the byte-at-a-time decoders do (%zu differ)", runs, bad);
}

/* Several threads at once, each with its own arena, same results. */
#define THREADS	4
#define ROUNDS	50

static const char thread_msg[] =
    "From: a@b.c\nContent-Type: multipart/mixed; boundary=T\n\n"
    "--T\nContent-Type: text/html; charset=koi8-r\n\n"
    "<p>\xf0\xd2\xc9\xd7\xc5\xd4 <a href=\"https://t.example\">go</a>\n"
    "--T\nContent-Type: application/octet-stream\n"
    "Content-Transfer-Encoding: base64\n\n"
    "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4K\n--T--\n";

static void *
thread_main(void *arg)
{
	struct message *m;
	struct arena *ta;
	int i, *good = arg;

	for (i = 0; i < ROUNDS; i++) {
		ta = arena_new(0);
		m = message_parse(ta, thread_msg, sizeof(thread_msg) - 1, NULL);
		if (m != NULL && m->n_parts == 3 && m->n_links == 1 &&
		    strcmp(m->parts[1].text, "Привет go") == 0 &&
		    m->parts[2].sniffed != NULL &&
		    strcmp(m->parts[2].sniffed, "application/pdf") == 0)
			(*good)++;
		arena_free(ta);
	}
	return NULL;
}

static void
test_threads(void)
{
	pthread_t t[THREADS];
	int good[THREADS] = { 0 }, i, total = 0;

	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, thread_main, &good[i]);
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		total += good[i];
	}
	is_int(total, THREADS * ROUNDS, "parallel parses all correct");
}

/*
 * mime_ftext_run() against a byte at a time: every byte value at every
 * offset of runs up to 40 bytes long, and random mixes near the edges
 * ('!', '~', ':', space, DEL, 0x80, 0xff).
 */
static void
test_ftext_run(void)
{
	static const unsigned char edge[] = { ' ', '!', '"', '9', ':', ';',
	    '}', '~', 0x7f, 0x80, 0xfe, 0xff, 0, '\t', 'a', 'Z' };
	char v[48];
	size_t at, len, i, k, want, bad = 0;
	unsigned c, seed = 5;

	for (len = 0; len <= 40; len++)
		for (at = 0; at < len; at++)
			for (c = 0; c < 256; c++) {
				memset(v, 'x', sizeof(v));
				v[at] = (char)c;
				want = c > ' ' && c < 0x7f && c != ':' ? len :
				    at;
				if (mime_ftext_run(v, len) != want && bad++ == 0)
					printf("# byte %#x at %zu of %zu\n",
					    c, at, len);
			}
	for (k = 0; k < 200000; k++) {
		seed = seed * 1103515245 + 12345;
		len = (seed >> 16) % 41;
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			v[i] = (char)((seed >> 16) % 4 == 0 ?
			    edge[(seed >> 20) % sizeof(edge)] : 'a' +
			    (seed >> 20) % 26);
		}
		for (want = 0; want < len &&
		    (unsigned char)v[want] > ' ' &&
		    (unsigned char)v[want] < 0x7f && v[want] != ':'; want++)
			;
		if (mime_ftext_run(v, len) != want && bad++ == 0)
			printf("# random case %zu\n", k);
	}
	is_int(bad, 0, "mime_ftext_run: as a byte at a time");
}

/*
 * Names that differ only in the case of their last letter: the lookups
 * skip str_ieqn() by that letter, with case folded.
 */
static void
test_name_case(void)
{
	static const char msg[] = "SUBJECT: hi\r\nX-MaileR: A\r\n"
	    "fROM: a@b.example\r\nmessage-iD: <i@d>\r\n\r\nbody\r\n";
	struct message *m = parse(msg, sizeof(msg) - 1);
	const struct header *h;

	ok(m != NULL && m->subject != NULL && strcmp(m->subject, "hi") == 0,
	    "SUBJECT is the Subject");
	ok(m != NULL && m->from.n == 1, "fROM is the From");
	ok(m != NULL && m->message_id != NULL &&
	    strcmp(m->message_id, "i@d") == 0, "message-iD is the Message-ID");
	h = m != NULL ? message_header(m, "x-mailer", 0) : NULL;
	ok(h != NULL && h->value_len > 0, "x-mailer finds X-MaileR");
	h = m != NULL ? message_header(m, "X-MAILER", 0) : NULL;
	ok(h != NULL, "X-MAILER finds X-MaileR");
	ok(m != NULL && message_header(m, "x-mailez", 0) == NULL,
	    "x-mailez does not");
	ok(m != NULL && message_header_count(m, "subjecT") == 1,
	    "subjecT counted once");
}

/*
 * Every month name in three spellings of case, and words that share a
 * month's first letter but are none: month_of() tests that letter
 * before the rest.
 */
static void
test_month_names(void)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const char *const not[] = { "Jax", "Fex", "Max", "Apx", "Mux",
	    "Jux", "Aux", "Sex", "Ocx", "Nox", "Dex", "*an", "jn", "J\xe1n" };
	/* Days from 1 January 2024 (a leap year) to the 1st of each. */
	static const int day[] = { 0, 31, 60, 91, 121, 152, 182, 213, 244,
	    274, 305, 335 };
	char v[64], w[8];
	size_t i, k, bad = 0;
	time_t d;

	for (i = 0; i < 12; i++)
		for (k = 0; k < 3; k++) {
			memcpy(w, mon[i], 4);
			if (k == 1)
				str_lower(w);
			else if (k == 2) {
				w[0] = (char)(w[0] | 0x20);
				w[1] = (char)(w[1] & ~0x20);
				w[2] = (char)(w[2] & ~0x20);
			}
			snprintf(v, sizeof(v), "1 %s 2024 00:00:00 +0000", w);
			if ((!rfcdate_parse(v, strlen(v), &d) || d !=
			    1704067200 + (time_t)day[i] * 86400) && bad++ == 0)
				printf("# \"%s\"\n", v);
		}
	is_int(bad, 0, "all month names in three cases");
	for (i = bad = 0; i < sizeof(not) / sizeof(not[0]); i++) {
		snprintf(v, sizeof(v), "1 %s 2024 00:00:00 +0000", not[i]);
		if (rfcdate_parse(v, strlen(v), &d) && bad++ == 0)
			printf("# \"%s\" parsed\n", v);
	}
	is_int(bad, 0, "words that are not months");
}

int
main(void)
{
	a = arena_new(0);
	test_ftext_run();
	test_name_case();
	test_month_names();
	test_threads();
	test_headers();
	test_lookup();
	test_fields_by_name();
	test_field_classes();
	test_fuzz_corpus();
	test_env_corpus();
	test_tree();
	test_decodings();
	arena_free(a);
	return tap_done();
}
