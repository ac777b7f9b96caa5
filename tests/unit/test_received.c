/*
 * test_received.c - Received fields of Postfix, Exim, Exchange, Gmail,
 * qmail and sendmail, through message_parse().  Also received_parse()
 * against the byte-at-a-time parser it was (ref_received_parse(),
 * kept below), over generated values and, when MT_RECEIVED_CORPUS names
 * a file with one path per line, every Received field of those files
 * (e.g. MT_RECEIVED_CORPUS=/tmp/corpus-files-abs.txt).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mimeint.h"
#include "util/arena.h"
#include "util/str.h"
#include "slurp.h"
#include "tap.h"
#include "corpus_fields.h"
#include "xorshift.h"

/*
 * The parser as it was before next_tok() and ip_literal() took
 * shortcuts (memchr() for comments, a table for words, a letter check
 * before inet_pton()), unchanged but for the ref_ names.
 */
#define ref_RECEIVED_TOKEN_MAX	255	/* longer words are not host names */

/* The clause keywords of RFC 5321 4.4 that start a clause. */
enum ref_rkw {
	REF_KW_NONE, REF_KW_FROM, REF_KW_BY, REF_KW_VIA, REF_KW_WITH, REF_KW_ID,
	REF_KW_FOR
};

struct ref_rtok {
	const char	*p;
	size_t		 len;
	bool		 comment;	/* inside parentheses */
	enum ref_rkw	 kw;		/* REF_KW_NONE for comments and others */
};

/*
 * Which ref_keyword a word is, found once per word: the parser asks each
 * word several times, and most words are host names, ids and dates.
 */
static enum ref_rkw
ref_keyword(const char *p, size_t len)
{
	static const struct {
		const char	*name;
		size_t		 len;
		enum ref_rkw	 kw;
	} kws[] = {
		{ "from", 4, REF_KW_FROM }, { "by", 2, REF_KW_BY },
		{ "via", 3, REF_KW_VIA }, { "with", 4, REF_KW_WITH },
		{ "id", 2, REF_KW_ID }, { "for", 3, REF_KW_FOR },
	};
	size_t k;

	if (len < 2 || len > 4)
		return REF_KW_NONE;
	for (k = 0; k < sizeof(kws) / sizeof(kws[0]); k++)
		if (len == kws[k].len && str_lc((unsigned char)p[0]) ==
		    kws[k].name[0] && str_ieqn(p, len, kws[k].name, len))
			return kws[k].kw;
	return REF_KW_NONE;
}

static bool
ref_rspace(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Next word, or the whole of the next comment when at '('. */
static bool
ref_next_tok(const char **cur, const char *end, struct ref_rtok *t)
{
	const char *p = *cur;
	int depth;

	while (p < end && ref_rspace(*p))
		p++;
	if (p >= end)
		return false;
	if (*p == '(') {
		depth = 1;
		t->p = ++p;
		while (p < end && depth > 0) {
			if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
			p++;
		}
		t->len = (size_t)(p - t->p) - (depth == 0 ? 1 : 0);
		t->comment = true;
		t->kw = REF_KW_NONE;
	} else {
		t->p = p;
		while (p < end && !ref_rspace(*p) && *p != '(')
			p++;
		t->len = (size_t)(p - t->p);
		t->comment = false;
		t->kw = ref_keyword(t->p, t->len);
	}
	*cur = p;
	return true;
}

static bool
ref_is_kw(const struct ref_rtok *t, enum ref_rkw kw)
{
	return t->kw == kw;
}

static bool
ref_is_clause(const struct ref_rtok *t)
{
	return t->kw != REF_KW_NONE;
}

/* An IPv4 or IPv6 literal, with brackets and "IPv6:" removed. */
static bool
ref_ip_literal(const char *p, size_t n, const char **ip, size_t *iplen)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	unsigned char bin[16];

	while (n > 0 && (*p == '[' || ref_rspace(*p))) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ']' || p[n - 1] == ',' ||
	    ref_rspace(p[n - 1])))
		n--;
	if (n > 5 && str_iprefix(p, n, "ipv6:")) {
		p += 5;
		n -= 5;
	}
	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, bin) != 1 &&
	    inet_pton(AF_INET6, tmp, bin) != 1)
		return false;
	*ip = p;
	*iplen = n;
	return true;
}

static char *
ref_keep(struct arena *a, const char *p, size_t n, bool *oom)
{
	char *s;

	while (n > 0 && (p[n - 1] == ';' || p[n - 1] == ','))
		n--;
	if (n > 1 && p[n - 1] == '.')		/* Gmail's "host.com." */
		n--;
	if (n == 0 || n > ref_RECEIVED_TOKEN_MAX)
		return NULL;
	if ((s = arena_strndup(a, p, n)) == NULL)
		*oom = true;
	return s;
}

/* Reads the comment after "from": rDNS, IP and sometimes the HELO. */
static void
ref_from_comment(struct arena *a, const char *p, size_t n, struct received *r,
    bool *first_is_rdns, bool *oom)
{
	const char *w, *ip, *prev = NULL, *end = p + n;
	size_t wl, iplen, prevlen = 0;

	while (p < end) {
		while (p < end && (ref_rspace(*p) || *p == '(' || *p == ')'))
			p++;
		w = p;
		while (p < end && !ref_rspace(*p) && *p != '(' && *p != ')')
			p++;
		if ((wl = (size_t)(p - w)) == 0)
			break;
		if (r->ip == NULL && ref_ip_literal(w, wl, &ip, &iplen)) {
			r->ip = ref_keep(a, ip, iplen, oom);
			if (prev != NULL && r->from_rdns == NULL &&
			    !str_ieq(prev, prevlen, "unknown") &&
			    !str_iprefix(prev, prevlen, "helo="))
				r->from_rdns = ref_keep(a, prev, prevlen, oom);
		} else if (str_iprefix(w, wl, "helo=") && wl > 5) {
			r->from_helo = ref_keep(a, w + 5, wl - 5, oom);
			*first_is_rdns = true;
		} else if (str_ieq(w, wl, "helo") && r->from_helo == NULL) {
			/* qmail: "(HELO name)" */
			const char *h = p;

			while (h < end && ref_rspace(*h))
				h++;
			w = h;
			while (h < end && !ref_rspace(*h) && *h != ')')
				h++;
			if (h > w) {
				r->from_helo = ref_keep(a, w, (size_t)(h - w), oom);
				*first_is_rdns = true;
			}
			p = h;
			prev = NULL;
			continue;
		}
		prev = w;
		prevlen = wl;
	}
}

static bool
ref_received_parse(struct arena *a, const char *v, size_t len,
    struct received *r)
{
	const char *cur, *end, *semi = NULL, *first = NULL;
	struct ref_rtok t;
	size_t i, firstlen = 0, iplen;
	const char *ip;
	bool oom = false, first_is_rdns = false, have;

	memset(r, 0, sizeof(*r));
	for (i = len; i > 0; i--)
		if (v[i - 1] == ';') {
			semi = v + i - 1;
			break;
		}
	if (semi != NULL) {
		time_t d;

		if (rfcdate_parse(semi + 1, (size_t)(v + len - semi - 1), &d))
			r->date = d;
		end = semi;
	} else
		end = v + len;

	cur = v;
	have = ref_next_tok(&cur, end, &t);
	while (have) {
		if (ref_is_kw(&t, REF_KW_FROM)) {
			if (!(have = ref_next_tok(&cur, end, &t)) || ref_is_clause(&t))
				continue;
			if (!t.comment) {
				first = t.p;
				firstlen = t.len;
				have = ref_next_tok(&cur, end, &t);
			}
			while (have && t.comment) {
				ref_from_comment(a, t.p, t.len, r, &first_is_rdns,
				    &oom);
				have = ref_next_tok(&cur, end, &t);
			}
			if (first != NULL) {
				if (ref_ip_literal(first, firstlen, &ip, &iplen)) {
					if (r->ip == NULL)
						r->ip = ref_keep(a, ip, iplen,
						    &oom);
				} else if (first_is_rdns) {
					if (!str_ieq(first, firstlen,
					    "unknown"))
						r->from_rdns = ref_keep(a, first,
						    firstlen, &oom);
				} else
					r->from_helo = ref_keep(a, first, firstlen,
					    &oom);
			}
			continue;
		}
		if (ref_is_kw(&t, REF_KW_BY) || ref_is_kw(&t, REF_KW_WITH) ||
		    ref_is_kw(&t, REF_KW_ID) || ref_is_kw(&t, REF_KW_FOR)) {
			char **slot = ref_is_kw(&t, REF_KW_BY) ? &r->by :
			    ref_is_kw(&t, REF_KW_WITH) ? &r->with :
			    ref_is_kw(&t, REF_KW_ID) ? &r->id : &r->for_addr;

			if (!(have = ref_next_tok(&cur, end, &t)) || ref_is_clause(&t))
				continue;
			if (!t.comment && *slot == NULL) {
				const char *p = t.p;
				size_t n = t.len;

				if (slot == &r->for_addr) {
					if (n > 0 && *p == '<') {
						p++;
						n--;
					}
					while (n > 0 && (p[n - 1] == '>' ||
					    p[n - 1] == ';'))
						n--;
				}
				have = ref_next_tok(&cur, end, &t);
				/* "with Microsoft SMTP Server" */
				while (slot == &r->with && have && !t.comment &&
				    !ref_is_clause(&t)) {
					n = (size_t)(t.p + t.len - p);
					have = ref_next_tok(&cur, end, &t);
				}
				*slot = ref_keep(a, p, n, &oom);
				continue;
			}
			have = ref_next_tok(&cur, end, &t);
			continue;
		}
		have = ref_next_tok(&cur, end, &t);
	}
	return !oom;
}

/* Both parsers on one value; NULL when they agree, else a field name. */
static const char *
differ(struct arena *a, const char *v, size_t n)
{
	struct received r, w;
	bool rok, wok;

	rok = received_parse(a, v, n, &r);
	wok = ref_received_parse(a, v, n, &w);
	if (rok != wok)
		return "result";
	if (!tap_same_str(r.from_helo, w.from_helo))
		return "from_helo";
	if (!tap_same_str(r.from_rdns, w.from_rdns))
		return "from_rdns";
	if (!tap_same_str(r.ip, w.ip))
		return "ip";
	if (!tap_same_str(r.by, w.by))
		return "by";
	if (!tap_same_str(r.with, w.with))
		return "with";
	if (!tap_same_str(r.id, w.id))
		return "id";
	if (!tap_same_str(r.for_addr, w.for_addr))
		return "for";
	if (r.date != w.date)
		return "date";
	return NULL;
}

/*
 * Values built of pieces that steer the parser: keywords in any case
 * and near misses, nested and unclosed comments, literals that are and
 * are not addresses, helo= and HELO, line ends, ';' and dates.
 */
static void
test_random_values(struct arena *a)
{
	static const char *const piece[] = { "from", "FROM", "By", "with",
	    "WITH", "id", "iD", "for", "via", "VIA", "fro", "byy", "wit",
	    "f\xd2r", "\xe2y", "bY\x80", " ", "  ", "\t", "\r\n\t", "\n ",
	    "(", ")", "((", "))", "(a (b) c)", "(unknown [192.0.2.1])",
	    "(host.example. [IPv6:2001:db8::1])", "([10.0.0.1] helo=h.example)",
	    "(HELO box)", "helo=", "HELO", "unknown", "[192.0.2.300]",
	    "[1.2.3.4]", "1.2.3.4,", "2001:db8::5", "::ffff:1.2.3.4",
	    "cafe.be", "face:b00c", "dead:beef::", "1.2.3", "1.2.3.4.5",
	    "[]", "[ipv6:::1]", "IPv6:", "mx.example.org", "<u@example.org>",
	    "u@example.org>;", "host.com.", ";", ";;",
	    "; Tue, 1 Oct 2024 10:00:00 +0200",
	    "; 30 Sep 2024 11:00:00 -0000 (x)",
	    "Mon, 30 Sep 2024 12:00:00 GMT", ",", ".", "Microsoft SMTP Server",
	    "abcdefabcdef0123456789", "\xc3\xa9", "0x1.2", "1e5", "::",
	    "fox", "foR", "bx", "ib", "vib", "fron", "witt", "wxth", "fr\xcfm",
	    "from (", "from x (", "1.2.3.4", "[5.6.7.8", "fe80::1" };
	char v[2048];
	const char *why, *pc;
	size_t i, k, n, np, bad = 0;
	uint64_t x = 31337;

	for (i = 0; i < 60000; i++) {
		np = xorshift64(&x) % 24;
		n = 0;
		/* Half of them open with a "from" clause and its comment. */
		if (i % 2 == 0) {
			memcpy(v, "from h (", 8);
			n = 8;
		}
		for (k = 0; k < np; k++) {
			pc = piece[xorshift64(&x) % (sizeof(piece) /
			    sizeof(piece[0]))];
			memcpy(v + n, pc, strlen(pc));
			n += strlen(pc);
		}
		if ((why = differ(a, v, n)) != NULL && bad++ == 0)
			printf("# \"%.*s\": %s differs\n", (int)n, v, why);
	}
	is_int(bad, 0, "60000 generated values parse as the reference does");
}

/* Every Received field of the corpus through both parsers. */
static void
test_env_corpus(void)
{
	static const char *const names[] = { "received" };

	corpus_fields_check("MT_RECEIVED_CORPUS", names, 1, differ,
	    "Received");
}

static const char msg[] =
    "Received: from mail.sender.example (mail.sender.example [192.0.2.10])\n"
    "\tby mx.example.org (Postfix) with ESMTPS id 4XyZ1234\n"
    "\tfor <user@example.org>; Tue, 1 Oct 2024 10:00:00 +0200 (CEST)\n"
    "Received: from AM0PR01MB1234.eurprd01.prod.exchangelabs.com\n"
    " (2603:10a6:208:1::12) by AM0PR01MB5678.eurprd01.prod.exchangelabs.com\n"
    " with Microsoft SMTP Server (version=TLS1_2,\n"
    " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7918.24; Tue, 1"
    " Oct 2024 08:00:00 +0000\n"
    "Received: from mail-sor-f41.google.com (mail-sor-f41.google.com."
    " [209.85.220.41])\n"
    "        by mx.google.com with SMTPS id x12sor1234567wrt.12.2024.10.01\n"
    "        for <someone@gmail.com>\n"
    "        (Google Transport Security);\n"
    "        Tue, 01 Oct 2024 01:02:03 -0700 (PDT)\n"
    "Received: by 2002:a05:6a10:1234:b0:123:4567:89ab with SMTP id"
    " abc123csp456789pxb;\n        Tue, 1 Oct 2024 01:02:04 -0700 (PDT)\n"
    "Received: from relay.example ([198.51.100.7] helo=smtp.fake.example)\n"
    "\tby mx.example.net with esmtp (Exim 4.96) id 1abcde-000XYZ-AB;"
    " Mon, 30 Sep 2024 12:00:00 +0000\n"
    "Received: from unknown (HELO box.example) (203.0.113.5)\n"
    "  by mail.example.com with SMTP; 30 Sep 2024 11:00:00 -0000\n"
    "Received: from [203.0.113.9] (helo=Laptop)\n"
    "\tby mx2.example.net with esmtpsa; Mon, 30 Sep 2024 10:00:00 GMT\n"
    "Received: from helo.example (unknown [IPv6:2001:db8::1])\n"
    "\tby mx.example.org (Postfix) with ESMTP id AB12; Mon, 30 Sep 2024"
    " 09:00:00 +0000\n"
    "Received: garbage without clauses\n"
    "From: a@b.example\n\nbody\n";

/* Keywords are case-insensitive words, not prefixes nor comments. */
static void
test_keywords(struct arena *a)
{
	struct received r;
	const char *v;

	v = "FROM helo.example (rdns.example [192.0.2.1]) BY mx.example "
	    "WITH ESMTP ID Abc FOR <u@x.example>; 1 Oct 2024 08:00:00 +0000";
	ok(received_parse(a, v, strlen(v), &r), "upper-case keywords parsed");
	ok(r.from_helo && strcmp(r.from_helo, "helo.example") == 0 &&
	    r.by && strcmp(r.by, "mx.example") == 0 &&
	    r.with && strcmp(r.with, "ESMTP") == 0 &&
	    r.id && strcmp(r.id, "Abc") == 0 &&
	    r.for_addr && strcmp(r.for_addr, "u@x.example") == 0,
	    "FROM BY WITH ID FOR read");

	v = "fRoM a.example bY b.example wItH smtp iD x1 fOr c@d.example";
	(void)received_parse(a, v, strlen(v), &r);
	ok(r.from_helo && strcmp(r.from_helo, "a.example") == 0 &&
	    r.by && strcmp(r.by, "b.example") == 0 && r.id &&
	    strcmp(r.id, "x1") == 0 && r.for_addr &&
	    strcmp(r.for_addr, "c@d.example") == 0, "mixed-case keywords");

	v = "from byte.example by former.example with identity "
	    "withdrawn fortune via idle id forward";
	(void)received_parse(a, v, strlen(v), &r);
	is_str(r.from_helo, "byte.example", "'byte' is a host, not 'by'");
	is_str(r.by, "former.example", "'former' is a host, not 'from'");
	is_str(r.with, "identity withdrawn fortune",
	    "'identity', 'withdrawn', 'fortune' are not clauses");
	is_str(r.id, "forward", "'via' ends 'with'; 'forward' is an id");

	v = "from h.example (from x by y) by m.example";
	(void)received_parse(a, v, strlen(v), &r);
	is_str(r.by, "m.example", "keywords in a comment are not clauses");
	v = "from (by) x.example by m.example";
	(void)received_parse(a, v, strlen(v), &r);
	is_str(r.by, "m.example", "a comment that is just a keyword");

	v = "from by m.example with";
	(void)received_parse(a, v, strlen(v), &r);
	ok(r.from_helo == NULL && r.by && strcmp(r.by, "m.example") == 0 &&
	    r.with == NULL, "a keyword where a value should be");

	v = "from f with Microsoft SMTP Server VIA x";
	(void)received_parse(a, v, strlen(v), &r);
	is_str(r.with, "Microsoft SMTP Server", "upper-case VIA ends 'with'");

	v = "";
	ok(received_parse(a, v, 0, &r) && r.by == NULL && r.date == 0,
	    "empty value");
}

int
main(void)
{
	struct arena *a = arena_new(0);
	struct message *m;
	struct received *r;

	m = message_parse(a, msg, strlen(msg), NULL);
	ok(m != NULL, "parsed");
	is_int(m->n_received, 9, "nine Received fields");

	r = &m->received[0];
	is_str(r->from_helo, "mail.sender.example", "postfix: helo");
	is_str(r->from_rdns, "mail.sender.example", "postfix: rdns");
	is_str(r->ip, "192.0.2.10", "postfix: ip");
	is_str(r->by, "mx.example.org", "postfix: by");
	is_str(r->with, "ESMTPS", "postfix: with");
	is_str(r->id, "4XyZ1234", "postfix: id");
	is_str(r->for_addr, "user@example.org", "postfix: for");
	is_int(r->date, 1727769600, "postfix: date");
	ok(r->hdr == &m->headers[0], "postfix: header pointer");

	r = &m->received[1];
	is_str(r->from_helo, "AM0PR01MB1234.eurprd01.prod.exchangelabs.com",
	    "exchange: helo");
	ok(r->from_rdns == NULL, "exchange: no rdns");
	is_str(r->ip, "2603:10a6:208:1::12", "exchange: IPv6 in parens");
	is_str(r->by, "AM0PR01MB5678.eurprd01.prod.exchangelabs.com",
	    "exchange: by");
	is_str(r->with, "Microsoft SMTP Server", "exchange: with");
	is_str(r->id, "15.20.7918.24", "exchange: id");
	is_int(r->date, 1727769600, "exchange: date");

	r = &m->received[2];
	is_str(r->from_rdns, "mail-sor-f41.google.com", "gmail: rdns, dot cut");
	is_str(r->ip, "209.85.220.41", "gmail: ip");
	is_str(r->by, "mx.google.com", "gmail: by");
	is_str(r->with, "SMTPS", "gmail: with");
	is_str(r->for_addr, "someone@gmail.com", "gmail: for");
	is_int(r->date, 1727769723, "gmail: date in PDT");

	r = &m->received[3];
	ok(r->from_helo == NULL && r->ip == NULL, "gmail internal: no from");
	is_str(r->by, "2002:a05:6a10:1234:b0:123:4567:89ab", "gmail: by v6");
	is_str(r->id, "abc123csp456789pxb", "gmail internal: id");

	r = &m->received[4];
	is_str(r->from_rdns, "relay.example", "exim: rdns first");
	is_str(r->from_helo, "smtp.fake.example", "exim: helo=");
	is_str(r->ip, "198.51.100.7", "exim: ip");
	is_str(r->with, "esmtp", "exim: with");

	r = &m->received[5];
	is_str(r->from_helo, "box.example", "qmail: HELO");
	ok(r->from_rdns == NULL, "qmail: unknown rdns");
	is_str(r->ip, "203.0.113.5", "qmail: ip");
	is_int(r->date, 1727694000, "qmail: -0000 date");

	r = &m->received[6];
	is_str(r->ip, "203.0.113.9", "exim: bare literal");
	is_str(r->from_helo, "Laptop", "exim: helo= without rdns");
	is_int(r->date, 1727690400, "GMT zone");

	r = &m->received[7];
	is_str(r->ip, "2001:db8::1", "postfix: IPv6: prefix removed");
	ok(r->from_rdns == NULL, "postfix: unknown rdns is NULL");
	is_str(r->from_helo, "helo.example", "postfix v6: helo");

	r = &m->received[8];
	ok(r->by == NULL && r->ip == NULL && r->date == 0,
	    "garbage Received yields an empty record");

	test_keywords(a);
	test_random_values(a);
	test_env_corpus();
	arena_free(a);
	return tap_done();
}
