/*
 * received.c - one Received trace field into its clauses.
 *
 * RFC 5321 4.4 (Time-stamp-line: "from" Extended-Domain, "by", "via",
 * "with", "id", "for", then ";" date-time) and RFC 5322 3.6.7.  The
 * Extended-Domain is where MTAs differ, so the comment after "from" is
 * read by shape rather than by grammar:
 *   Postfix, sendmail  from HELO (RDNS [IP])      RDNS may be "unknown"
 *   Exim               from RDNS ([IP] helo=HELO)  or from [IP] (helo=H)
 *   Exchange           from HELO (IP)
 *   Gmail              from HELO (RDNS. [IP])
 *   qmail              from RDNS (HELO name) (IP)
 * The date is whatever follows the last ';' (RFC 5322 3.3).
 *
 * A pure cursor over (pointer, length); strings it keeps are copied into
 * the arena.  Returns false only when the arena is exhausted.
 */
#include <arpa/inet.h>
#include <string.h>

#include "mime/mimeint.h"
#include "util/arena.h"
#include "util/str.h"

#define RECEIVED_TOKEN_MAX	255	/* longer words are not host names */

/* The clause keywords of RFC 5321 4.4 that start a clause. */
enum rkw { KW_NONE, KW_FROM, KW_BY, KW_VIA, KW_WITH, KW_ID, KW_FOR };

struct rtok {
	const char	*p;
	size_t		 len;
	bool		 comment;	/* inside parentheses */
	enum rkw	 kw;		/* KW_NONE for comments and others */
};

/*
 * Which keyword a word is, found once per word: the parser asks each
 * word several times, and most words are host names, ids and dates.
 */
static enum rkw
keyword(const char *p, size_t len)
{
	unsigned c0, c1, c2, c3;

	if (len < 2 || len > 4)
		return KW_NONE;
	/*
	 * c | 0x20 is a given lower-case letter only when c is that
	 * letter in either case, as str_ieqn() would compare.
	 */
	c0 = (unsigned char)p[0] | 0x20;
	c1 = (unsigned char)p[1] | 0x20;
	switch (len) {
	case 2:
		if (c0 == 'b' && c1 == 'y')
			return KW_BY;
		if (c0 == 'i' && c1 == 'd')
			return KW_ID;
		return KW_NONE;
	case 3:
		c2 = (unsigned char)p[2] | 0x20;
		if (c0 == 'v' && c1 == 'i' && c2 == 'a')
			return KW_VIA;
		if (c0 == 'f' && c1 == 'o' && c2 == 'r')
			return KW_FOR;
		return KW_NONE;
	default:
		c2 = (unsigned char)p[2] | 0x20;
		c3 = (unsigned char)p[3] | 0x20;
		if (c0 == 'f' && c1 == 'r' && c2 == 'o' && c3 == 'm')
			return KW_FROM;
		if (c0 == 'w' && c1 == 'i' && c2 == 't' && c3 == 'h')
			return KW_WITH;
		return KW_NONE;
	}
}

static bool
rspace(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Bytes that end a word: white space and '(' (rstop[c] != 0). */
static const unsigned char rstop[256] = {
	[' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1, ['('] = 1,
};

/*
 * The end of the comment whose text starts at p (after its '('), with
 * *depth left at 0 when its ')' was found.  Most comments nest nothing,
 * so memchr() finds the ')' and checks that no '(' comes before it;
 * else a byte at a time, counting depth.
 */
static const char *
comment_end(const char *p, const char *end, int *depth)
{
	const char *close;

	close = memchr(p, ')', (size_t)(end - p));
	if (memchr(p, '(', (size_t)((close != NULL ? close : end) - p)) ==
	    NULL) {
		*depth = close != NULL ? 0 : 1;
		return close != NULL ? close + 1 : end;
	}
	*depth = 1;
	while (p < end && *depth > 0) {
		if (*p == '(')
			(*depth)++;
		else if (*p == ')')
			(*depth)--;
		p++;
	}
	return p;
}

/* Next word, or the whole of the next comment when at '('. */
static bool
next_tok(const char **cur, const char *end, struct rtok *t)
{
	const char *p = *cur;
	int depth;

	while (p < end && rspace(*p))
		p++;
	if (p >= end)
		return false;
	if (*p == '(') {
		t->p = ++p;
		p = comment_end(p, end, &depth);
		t->len = (size_t)(p - t->p) - (depth == 0 ? 1 : 0);
		t->comment = true;
		t->kw = KW_NONE;
	} else {
		t->p = p;
		while (p < end && rstop[(unsigned char)*p] == 0)
			p++;
		t->len = (size_t)(p - t->p);
		t->comment = false;
		t->kw = keyword(t->p, t->len);
	}
	*cur = p;
	return true;
}

static bool
is_kw(const struct rtok *t, enum rkw kw)
{
	return t->kw == kw;
}

static bool
is_clause(const struct rtok *t)
{
	return t->kw != KW_NONE;
}

/* Is c a hex digit?  (Decimal digits are among them.) */
static bool
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* An IPv4 or IPv6 literal, with brackets and "IPv6:" removed. */
static bool
ip_literal(const char *p, size_t n, const char **ip, size_t *iplen)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	unsigned char bin[16];
	size_t i;
	bool colon;

	while (n > 0 && (*p == '[' || rspace(*p))) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ']' || p[n - 1] == ',' ||
	    rspace(p[n - 1])))
		n--;
	if (n > 5 && str_iprefix(p, n, "ipv6:")) {
		p += 5;
		n -= 5;
	}
	if (n == 0 || n >= sizeof(tmp))
		return false;
	/*
	 * inet_pton() takes digits and '.' for AF_INET, and hex digits,
	 * ':' and '.' for AF_INET6: a host name fails at its first other
	 * letter without the two calls.
	 */
	for (i = 0, colon = false; i < n; i++) {
		if (p[i] == ':')
			colon = true;
		else if (p[i] != '.' && !is_hex((unsigned char)p[i]))
			return false;
	}
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	if ((colon || inet_pton(AF_INET, tmp, bin) != 1) &&
	    inet_pton(AF_INET6, tmp, bin) != 1)
		return false;
	*ip = p;
	*iplen = n;
	return true;
}

static char *
keep(struct arena *a, const char *p, size_t n, bool *oom)
{
	char *s;

	while (n > 0 && (p[n - 1] == ';' || p[n - 1] == ','))
		n--;
	if (n > 1 && p[n - 1] == '.')		/* Gmail's "host.com." */
		n--;
	if (n == 0 || n > RECEIVED_TOKEN_MAX)
		return NULL;
	if ((s = arena_strndup(a, p, n)) == NULL)
		*oom = true;
	return s;
}

/* Reads the comment after "from": rDNS, IP and sometimes the HELO. */
static void
from_comment(struct arena *a, const char *p, size_t n, struct received *r,
    bool *first_is_rdns, bool *oom)
{
	const char *w, *ip, *prev = NULL, *end = p + n;
	size_t wl, iplen, prevlen = 0;

	while (p < end) {
		while (p < end && (rspace(*p) || *p == '(' || *p == ')'))
			p++;
		w = p;
		while (p < end && !rspace(*p) && *p != '(' && *p != ')')
			p++;
		if ((wl = (size_t)(p - w)) == 0)
			break;
		if (r->ip == NULL && ip_literal(w, wl, &ip, &iplen)) {
			r->ip = keep(a, ip, iplen, oom);
			if (prev != NULL && r->from_rdns == NULL &&
			    !str_ieq(prev, prevlen, "unknown") &&
			    !str_iprefix(prev, prevlen, "helo="))
				r->from_rdns = keep(a, prev, prevlen, oom);
		} else if (str_iprefix(w, wl, "helo=") && wl > 5) {
			r->from_helo = keep(a, w + 5, wl - 5, oom);
			*first_is_rdns = true;
		} else if (str_ieq(w, wl, "helo") && r->from_helo == NULL) {
			/* qmail: "(HELO name)" */
			const char *h = p;

			while (h < end && rspace(*h))
				h++;
			w = h;
			while (h < end && !rspace(*h) && *h != ')')
				h++;
			if (h > w) {
				r->from_helo = keep(a, w, (size_t)(h - w), oom);
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

bool
received_parse(struct arena *a, const char *v, size_t len,
    struct received *r)
{
	const char *cur, *end, *semi, *first = NULL;
	struct rtok t;
	size_t firstlen = 0, iplen;
	const char *ip;
	bool oom = false, first_is_rdns = false, have;

	memset(r, 0, sizeof(*r));
	if ((semi = memrchr(v, ';', len)) != NULL) {
		time_t d;

		if (rfcdate_parse(semi + 1, (size_t)(v + len - semi - 1), &d))
			r->date = d;
		end = semi;
	} else
		end = v + len;

	cur = v;
	have = next_tok(&cur, end, &t);
	while (have) {
		if (is_kw(&t, KW_FROM)) {
			if (!(have = next_tok(&cur, end, &t)) || is_clause(&t))
				continue;
			if (!t.comment) {
				first = t.p;
				firstlen = t.len;
				have = next_tok(&cur, end, &t);
			}
			while (have && t.comment) {
				from_comment(a, t.p, t.len, r, &first_is_rdns,
				    &oom);
				have = next_tok(&cur, end, &t);
			}
			if (first != NULL) {
				if (ip_literal(first, firstlen, &ip, &iplen)) {
					if (r->ip == NULL)
						r->ip = keep(a, ip, iplen,
						    &oom);
				} else if (first_is_rdns) {
					if (!str_ieq(first, firstlen,
					    "unknown"))
						r->from_rdns = keep(a, first,
						    firstlen, &oom);
				} else
					r->from_helo = keep(a, first, firstlen,
					    &oom);
			}
			continue;
		}
		if (is_kw(&t, KW_BY) || is_kw(&t, KW_WITH) ||
		    is_kw(&t, KW_ID) || is_kw(&t, KW_FOR)) {
			char **slot = is_kw(&t, KW_BY) ? &r->by :
			    is_kw(&t, KW_WITH) ? &r->with :
			    is_kw(&t, KW_ID) ? &r->id : &r->for_addr;

			if (!(have = next_tok(&cur, end, &t)) || is_clause(&t))
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
				have = next_tok(&cur, end, &t);
				/* "with Microsoft SMTP Server" */
				while (slot == &r->with && have && !t.comment &&
				    !is_clause(&t)) {
					n = (size_t)(t.p + t.len - p);
					have = next_tok(&cur, end, &t);
				}
				*slot = keep(a, p, n, &oom);
				continue;
			}
			have = next_tok(&cur, end, &t);
			continue;
		}
		have = next_tok(&cur, end, &t);
	}
	return !oom;
}
