/*
 * test_received.c - Received fields of Postfix, Exim, Exchange, Gmail,
 * qmail and sendmail, through message_parse().
 */
#include <string.h>

#include "mime/mimeint.h"
#include "util/arena.h"
#include "tap.h"

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
	arena_free(a);
	return tap_done();
}
