/*
 * scanner_smtp.c - reading what an SMTP server says: a reply, possibly
 * multi-line (RFC 5321 4.2: "NNN-text" lines then "NNN text"), the
 * software its greeting names, and the extensions its EHLO reply lists
 * (RFC 5321 4.1.1.1; STARTTLS is RFC 3207, SIZE RFC 1870).
 *
 * Pure cursors over (pointer, length) with no I/O: the driver feeds the
 * bytes it has and asks again when a reply is incomplete.  The reply
 * points into the caller's bytes.  Ceilings: SMTP_MAX_LINES lines and
 * SMTP_MAX_REPLY bytes per reply, SMTP_MAX_EXTS extensions.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "audit/scanner.h"
#include "util/str.h"

static int
reply_code(const char *p)
{
	if (p[0] < '1' || p[0] > '5' || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]))
		return -1;
	return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

int
smtp_reply_parse(const char *data, size_t len, struct smtp_reply *r)
{
	size_t pos = 0;

	memset(r, 0, sizeof(*r));
	for (;;) {
		const char *nl;
		size_t linelen, textlen;
		int code;
		bool last;

		if (pos >= len)
			return len > SMTP_MAX_REPLY ? -1 : 0;
		nl = memchr(data + pos, '\n', len - pos);
		if (nl == NULL)
			return len - pos > SMTP_MAX_REPLY ? -1 : 0;
		linelen = (size_t)(nl - (data + pos));
		textlen = linelen;
		if (textlen > 0 && data[pos + textlen - 1] == '\r')
			textlen--;
		/* "NNN" alone is allowed; otherwise a space or a hyphen. */
		if (textlen < 3 || (code = reply_code(data + pos)) == -1 ||
		    (textlen > 3 && data[pos + 3] != ' ' &&
		    data[pos + 3] != '-'))
			return -1;
		if (r->nlines > 0 && code != r->code)
			return -1;
		if (r->nlines == SMTP_MAX_LINES || pos + linelen >=
		    SMTP_MAX_REPLY)
			return -1;
		r->code = code;
		r->text[r->nlines] = data + pos + (textlen > 3 ? 4 : 3);
		r->textlen[r->nlines] = textlen > 3 ? textlen - 4 : 0;
		r->nlines++;
		last = textlen == 3 || data[pos + 3] == ' ';
		pos += linelen + 1;
		if (last) {
			r->len = pos;
			return 1;
		}
	}
}

static void
copy_word(char *dst, size_t size, const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && n + 1 < size && s[n] > ' ' && s[n] < 127) {
		dst[n] = (char)toupper((unsigned char)s[n]);
		n++;
	}
	dst[n] = '\0';
}

/* Known greetings; Exchange hides its build here, so only the name. */
static const struct {
	const char	*needle;
	const char	*software;
	bool		 exchange;
} greetings[] = {
	{ "Microsoft ESMTP MAIL Service", "Microsoft Exchange", true },
	{ "Microsoft Exchange", "Microsoft Exchange", true },
	{ "ESMTP Postfix", "Postfix", false },
	{ "ESMTP Exim", "Exim", false },
	{ "Sendmail", "Sendmail", false },
	{ "OpenSMTPD", "OpenSMTPD", false },
};

void
smtp_banner_inspect(const struct smtp_reply *banner, struct smtp_ehlo *e)
{
	memset(e, 0, sizeof(*e));
	for (size_t l = 0; l < banner->nlines; l++)
		for (size_t i = 0; i < sizeof(greetings) /
		    sizeof(greetings[0]); i++) {
			const char *g = greetings[i].needle;

			if (e->software[0] == '\0' &&
			    str_imem(banner->text[l], banner->textlen[l], g,
			    strlen(g)) != NULL) {
				snprintf(e->software, sizeof(e->software),
				    "%s", greetings[i].software);
				e->exchange = greetings[i].exchange;
			}
		}
}

void
smtp_ehlo_parse(const struct smtp_reply *ehlo, struct smtp_ehlo *e)
{
	e->nexts = 0;
	e->starttls = false;
	e->size = 0;
	/* The first line is the greeting; extensions follow, one a line. */
	for (size_t l = 1; l < ehlo->nlines; l++) {
		const char *t = ehlo->text[l];
		size_t len = ehlo->textlen[l], kw = 0;

		while (kw < len && t[kw] != ' ')
			kw++;
		if (kw == 0)
			continue;
		if (str_ieqn(t, kw, "STARTTLS", 8))
			e->starttls = true;
		if (str_ieqn(t, kw, "SIZE", 4) && kw + 1 < len) {
			long long n = str_to_ll(t + kw + 1, len - kw - 1,
			    (long long)1 << 40);

			e->size = n > 0 ? (size_t)n : 0;
		}
		if (str_ieqn(t, kw, "X-ANONYMOUSTLS", 14) ||
		    str_ieqn(t, kw, "XEXCH50", 7) ||
		    str_ieqn(t, kw, "X-EXPS", 6))
			e->exchange = true;	/* Exchange-only verbs */
		if (e->nexts < SMTP_MAX_EXTS)
			copy_word(e->exts[e->nexts++],
			    sizeof(e->exts[0]), t, kw);
	}
}
