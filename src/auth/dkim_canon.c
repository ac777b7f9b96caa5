/*
 * dkim_canon.c - DKIM canonicalisation (RFC 6376 3.4), streamed.
 *
 * The "simple" and "relaxed" algorithms for header fields (3.4.1, 3.4.2)
 * and bodies (3.4.3, 3.4.4), applied while the bytes flow into a digest:
 * nothing of the body is copied, only a small staging buffer batches the
 * digest updates.  Trailing empty lines are held back as a count and only
 * written when a non-empty line follows, so the end of the body needs no
 * look-ahead.  The body length limit l= (3.5) is applied by the sink.
 *
 * Line ends: messages reach us with CRLF or bare LF; both are lines, and
 * the canonical form always ends lines in CRLF (as the wire form does).
 *
 * Memory: none; the sink's copy buffer (tests) has its own ceiling.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/dkim.h"
#include "util/buf.h"
#include "util/str.h"

#define STAGE_SIZE	4096

struct stage {
	struct dkim_sink *sink;
	size_t		 n;
	char		 b[STAGE_SIZE];
};

void
dkim_sink_write(struct dkim_sink *s, const char *p, size_t n)
{
	size_t take = n;

	s->total += n;
	if (s->limit >= 0) {
		if ((unsigned long long)s->limit < s->total - n)
			take = 0;
		else if ((unsigned long long)s->limit - (s->total - n) < n)
			take = (size_t)((unsigned long long)s->limit -
			    (s->total - n));
	}
	if (take == 0)
		return;
	if (s->md != NULL && EVP_DigestUpdate(s->md, p, take) != 1)
		s->failed = true;
	if (s->copy != NULL && buf_add(s->copy, p, take) == -1)
		s->failed = true;
}

static void
stage_flush(struct stage *st)
{
	if (st->n > 0)
		dkim_sink_write(st->sink, st->b, st->n);
	st->n = 0;
}

static void
stage_put(struct stage *st, const char *p, size_t n)
{
	size_t k;

	if (n <= STAGE_SIZE - st->n) {
		memcpy(st->b + st->n, p, n);
		st->n += n;
		return;
	}
	while (n > 0) {
		if (st->n == STAGE_SIZE)
			stage_flush(st);
		k = STAGE_SIZE - st->n;
		if (k > n)
			k = n;
		memcpy(st->b + st->n, p, k);
		st->n += k;
		p += k;
		n -= k;
	}
}

static void
stage_putc(struct stage *st, char c)
{
	if (st->n == STAGE_SIZE)
		stage_flush(st);
	st->b[st->n++] = c;
}

/*
 * The body is written as spans of the input wherever the canonical form
 * is the same bytes (lines ending in CRLF, single spaces), so a typical
 * body goes to the digest in a few large pieces with no copy; only where
 * the form differs (a bare LF, a run of WSP, trailing WSP, held-back
 * empty lines that were not plain CRLF) is a replacement written.
 */
struct span {
	struct dkim_sink *sink;
	const char	*from;		/* start of input not yet written */
	struct stage	 st;		/* batches the small pieces */
};

#define SPAN_DIRECT	1024	/* pieces this long skip the stage */

static void
span_out(struct span *sp, const char *p, size_t n)
{
	if (n >= SPAN_DIRECT) {
		stage_flush(&sp->st);
		dkim_sink_write(sp->sink, p, n);
	} else
		stage_put(&sp->st, p, n);
}

/* Writes the input from span->from up to p; the next span starts at next. */
static void
span_cut(struct span *sp, const char *p, const char *next)
{
	if (p > sp->from)
		span_out(sp, sp->from, (size_t)(p - sp->from));
	sp->from = next;
}

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/* Nonzero when some byte of x is zero (the exact "any", not which). */
static uint64_t
has_zero(uint64_t x)
{
	return (x - ONES) & ~x & HIGHS;
}

/*
 * Whether relaxed canonicalisation changes the inside of a line: a tab
 * or two spaces in a row.  Words of eight bytes, each compared with the
 * next byte's word to catch "  " at any offset.
 */
static bool
needs_relaxing(const char *p, size_t n)
{
	const uint64_t sp = ONES * ' ', tab = ONES * '\t';
	uint64_t v, w;
	size_t i = 0;

	for (; i + 9 <= n; i += 8) {
		memcpy(&v, p + i, 8);
		memcpy(&w, p + i + 1, 8);
		if (has_zero(v ^ tab) || has_zero((v ^ sp) | (w ^ sp)))
			return true;
	}
	for (; i < n; i++)
		if (p[i] == '\t' || (p[i] == ' ' && i + 1 < n &&
		    p[i + 1] == ' '))
			return true;
	return false;
}

/* RFC 6376 3.4.3 (simple) and 3.4.4 (relaxed). */
void
dkim_canon_body(enum dkim_canon c, const char *body, size_t len,
    struct dkim_sink *sink)
{
	const char *p = body, *end = body + len, *line, *ce, *q, *r, *nl;
	const char *held_at = NULL;
	size_t held = 0;
	bool any = false, held_plain = true, crlf;
	struct span sp;

	sp.sink = sink;
	sp.from = body;
	sp.st.sink = sink;
	sp.st.n = 0;
	while (p < end) {
		line = p;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			ce = p = end;
			crlf = false;
		} else {
			crlf = nl > line && nl[-1] == '\r';
			ce = crlf ? nl - 1 : nl;
			p = nl + 1;
		}
		q = line;
		if (c == DKIM_CANON_RELAXED)
			while (q < ce && is_wsp(*q))
				q++;
		if (q == ce) {
			/* Empty (relaxed: blank) lines wait for more text. */
			if (held++ == 0) {
				held_at = line;
				held_plain = true;
			}
			held_plain = held_plain && ce == line && crlf;
			continue;
		}
		if (held > 0 && !held_plain) {
			span_cut(&sp, held_at, line);
			while (held-- > 0)
				span_out(&sp, "\r\n", 2);
		}
		held = 0;
		any = true;
		/*
		 * Most lines of real text hold single spaces only and need no
		 * change; needs_relaxing() tells so eight bytes at a time.
		 */
		if (c == DKIM_CANON_RELAXED && (is_wsp(ce[-1]) ||
		    needs_relaxing(line, (size_t)(ce - line)))) {
			/* Each WSP run becomes one SP; trailing WSP goes. */
			for (q = line; q < ce; q = r) {
				while (q < ce && !is_wsp(*q))
					q++;
				for (r = q; r < ce && is_wsp(*r); r++)
					;
				if (r == q)
					break;
				if (r == ce)
					span_cut(&sp, q, ce);
				else if (r - q > 1 || *q != ' ') {
					span_cut(&sp, q, r);
					span_out(&sp, " ", 1);
				}
			}
		}
		if (!crlf) {
			/* A bare LF or no line end at all: CRLF instead. */
			span_cut(&sp, ce, p);
			span_out(&sp, "\r\n", 2);
		}
	}
	/* Held empty lines at the end are dropped (3.4.3, 3.4.4). */
	span_cut(&sp, held > 0 ? held_at : end, end);
	/* 3.4.3: an empty body is one CRLF in simple, nothing in relaxed. */
	if (!any && c == DKIM_CANON_SIMPLE)
		span_out(&sp, "\r\n", 2);
	stage_flush(&sp.st);
}

/* SP, HTAB, CR or LF: what relaxed header canonicalisation rewrites. */
static bool
is_hspecial(char c)
{
	return (unsigned char)c <= ' ' &&
	    (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/*
 * RFC 6376 3.4.1 (simple) and 3.4.2 (relaxed).  Both copy runs of bytes
 * that stay as they are and only write what changes: a CR before a bare
 * LF (simple); one SP for each stretch of WSP and line ends between
 * words of the value, nothing for those at its ends (relaxed).
 */
void
dkim_canon_header(enum dkim_canon c, const char *raw, size_t len,
    bool strip_eol, struct dkim_sink *sink)
{
	const char *end = raw + len, *colon, *p, *q, *nend;
	bool wsp;
	struct stage st;

	st.sink = sink;
	st.n = 0;
	if (c == DKIM_CANON_SIMPLE) {
		/* Drop the final line end, then write lines as CRLF. */
		if (end > raw && end[-1] == '\n')
			end--;
		if (end > raw && end[-1] == '\r')
			end--;
		for (p = raw; (q = memchr(p, '\n', (size_t)(end - p))) != NULL;
		    p = q + 1) {
			stage_put(&st, p, (size_t)(q - p));
			if (q == raw || q[-1] != '\r')
				stage_putc(&st, '\r');
			stage_putc(&st, '\n');
		}
		stage_put(&st, p, (size_t)(end - p));
		if (!strip_eol)
			stage_put(&st, "\r\n", 2);
		stage_flush(&st);
		return;
	}
	colon = memchr(raw, ':', len);
	nend = colon != NULL ? colon : end;
	while (nend > raw && (is_wsp(nend[-1]) || nend[-1] == '\r' ||
	    nend[-1] == '\n'))
		nend--;
	for (p = raw; p < nend; p++)
		stage_putc(&st, (char)str_lc((unsigned char)*p));
	if (colon != NULL) {
		stage_putc(&st, ':');
		/* WSP next to the colon goes; unfolding drops CR and LF. */
		for (p = colon + 1; p < end && is_hspecial(*p); p++)
			;
		while (p < end) {
			for (q = p; q < end && !is_hspecial(*q); q++)
				;
			stage_put(&st, p, (size_t)(q - p));
			for (wsp = false; q < end && is_hspecial(*q); q++)
				wsp = wsp || is_wsp(*q);
			/* Inner runs become one SP; trailing WSP goes. */
			if (wsp && q < end)
				stage_putc(&st, ' ');
			p = q;
		}
	}
	if (!strip_eol)
		stage_put(&st, "\r\n", 2);
	stage_flush(&st);
}
