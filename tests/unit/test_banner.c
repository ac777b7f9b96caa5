/*
 * test_banner.c - the SMTP reply, greeting and EHLO parsers of
 * `mailtrust scan` (scanner_smtp.c): multi-line replies (RFC 5321 4.2),
 * incomplete input, malformed replies, extensions, Exchange's greeting.
 */
#include <string.h>

#include "audit/scanner.h"
#include "tap.h"

static int
parse(const char *s, struct smtp_reply *r)
{
	return smtp_reply_parse(s, strlen(s), r);
}

static void
test_replies(void)
{
	struct smtp_reply r;
	char big[SMTP_MAX_REPLY + 64];

	is_int(parse("220 mx.example ESMTP Postfix\r\n", &r), 1, "one line");
	is_int(r.code, 220, "code");
	ok(r.textlen[0] == 24 && memcmp(r.text[0], "mx.example", 10) == 0,
	    "text after the code");
	is_int(parse("250-a\r\n250-b\r\n250 c\r\nrest", &r), 1, "multi-line");
	is_int(r.nlines, 3, "three lines");
	is_int(r.len, 21, "length stops at the last line");
	is_int(parse("250-a\r\n250-b\r\n", &r), 0, "unfinished: need more");
	is_int(parse("220 no newline yet", &r), 0, "no newline: need more");
	is_int(parse("", &r), 0, "nothing yet");
	is_int(parse("220\r\n", &r), 1, "bare code");
	is_int(parse("220 lf only\n", &r), 1, "bare LF accepted");
	is_int(parse("HTTP/1.1 400 Bad Request\r\n", &r), -1,
	    "HTTP is not SMTP");
	is_int(parse("250-a\r\n251 b\r\n", &r), -1, "codes differ");
	is_int(parse("600 x\r\n", &r), -1, "code out of range");
	is_int(parse("22\r\n", &r), -1, "short code");
	is_int(parse("220_x\r\n", &r), -1, "bad separator");
	memset(big, 'a', sizeof(big));
	memcpy(big, "220 ", 4);
	big[sizeof(big) - 1] = '\0';
	is_int(parse(big, &r), -1, "an endless line is refused");
}

static void
test_ehlo(void)
{
	struct smtp_reply r;
	struct smtp_ehlo e;

	ok(parse("220 mail.example Microsoft ESMTP MAIL Service ready\r\n",
	    &r) == 1, "Exchange greeting");
	smtp_banner_inspect(&r, &e);
	ok(e.exchange, "Exchange recognised");
	is_str(e.software, "Microsoft Exchange", "software");
	ok(parse("250-mail.example Hello\r\n250-SIZE 37748736\r\n"
	    "250-starttls\r\n250-X-ANONYMOUSTLS\r\n250 8BITMIME\r\n", &r) == 1,
	    "EHLO reply");
	smtp_ehlo_parse(&r, &e);
	ok(e.starttls, "STARTTLS in any case");
	is_int(e.size, 37748736, "SIZE");
	is_int(e.nexts, 4, "four extensions");
	is_str(e.exts[1], "STARTTLS", "keywords upper-cased");
	ok(parse("220 mx ESMTP Postfix (Debian)\r\n", &r) == 1, "Postfix");
	smtp_banner_inspect(&r, &e);
	ok(!e.exchange, "Postfix is not Exchange");
	is_str(e.software, "Postfix", "Postfix named");
	ok(parse("250-x\r\n250-SIZE 99999999999999999999\r\n250 SIZE\r\n", &r)
	    == 1, "silly SIZE values");
	smtp_ehlo_parse(&r, &e);
	is_int(e.size, 0, "overflowing or missing SIZE is 0");
}

int
main(void)
{
	test_replies();
	test_ehlo();
	return tap_done();
}
