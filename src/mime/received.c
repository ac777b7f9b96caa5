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
	static const struct {
		const char	*name;
		size_t		 len;
		enum rkw	 kw;
	} kws[] = {
		{ "from", 4, KW_FROM }, { "by", 2, KW_BY },
		{ "via", 3, KW_VIA }, { "with", 4, KW_WITH },
		{ "id", 2, KW_ID }, { "for", 3, KW_FOR },
	};
	size_t k;

	if (len < 2 || len > 4)
		return KW_NONE;
	for (k = 0; k < sizeof(kws) / sizeof(kws[0]); k++)
		if (len == kws[k].len && str_lc((unsigned char)p[0]) ==
		    kws[k].name[0] && str_ieqn(p, len, kws[k].name, len))
			return kws[k].kw;
	return KW_NONE;
}

static bool
rspace(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
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
		t->kw = KW_NONE;
	} else {
		t->p = p;
		while (p < end && !rspace(*p) && *p != '(')
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

/* An IPv4 or IPv6 literal, with brackets and "IPv6:" removed. */
static bool
ip_literal(const char *p, size_t n, const char **ip, size_t *iplen)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	unsigned char bin[16];

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
	const char *cur, *end, *semi = NULL, *first = NULL;
	struct rtok t;
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
