/*
 * dkim_canon.c - DKIM canonicalisation (RFC 6376 3.4), streamed.
 *
 * The "simple" and "relaxed" algorithms for header fields (3.4.1, 3.4.2)
 * and bodies (3.4.3, 3.4.4), applied while the bytes flow into a digest:
 * nothing of the body is copied, only a small staging buffer batches the
 * digest updates.  Trailing empty lines are held back as a count and only
 * written when a non-empty line follows, so the end of the body needs no
 * look-ahead.  The body length limit l= (3.5) is applied by the sink.
 * Relaxed bodies are read sixteen or eight bytes at a time for the few
 * places the canonical form differs (relaxed_next), not line by line.
 *
 * Line ends: messages reach us with CRLF or bare LF; both are lines, and
 * the canonical form always ends lines in CRLF (as the wire form does).
 *
 * Memory: none; the sink's copy buffer (tests) has its own ceiling.
 */
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/*
 * The high bit of each byte of x below n (n <= 0x80), and perhaps of
 * bytes above one that is (a borrow), never below: the lowest flag is
 * always a true one.
 */
static uint64_t
has_less(uint64_t x, unsigned n)
{
	return (x - ONES * n) & ~x & HIGHS;
}

/*
 * The next byte at or after p where relaxed body canonicalisation may
 * have something to do: HTAB or LF (or a control byte below them), or
 * SP followed by a byte no greater than SP (more WSP, or a line end).
 * A CR needs nothing: the LF after it, or the WSP before it, is where
 * the work is.  Sixteen bytes at a time with SSE2, exactly; then eight
 * at a time in a word, where a flag may be false (a borrow, see
 * has_less), so the caller looks at the byte and goes on when there is
 * nothing to do, but no true one is ever passed over; the last few one
 * by one.
 */
static const char *
relaxed_next(const char *p, const char *end)
{
	uint64_t v, w, m;
#ifdef __SSE2__
	const __m128i lows = _mm_set1_epi8('\n'), sps = _mm_set1_epi8(' ');
	__m128i a, b;
	unsigned mm;

	/* Sixteen at a time where SSE2 is there (every x86-64); exact. */
	for (; end - p >= 17; p += 16) {
		a = _mm_loadu_si128((const __m128i *)(const void *)p);
		b = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
		mm = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(_mm_min_epu8(a, lows), a),
		    _mm_and_si128(_mm_cmpeq_epi8(a, sps),
		    _mm_cmpeq_epi8(_mm_min_epu8(b, sps), b))));
		if (mm != 0)
			return p + __builtin_ctz(mm);
	}
#endif
	for (; end - p >= 9; p += 8) {
		memcpy(&v, p, 8);
		memcpy(&w, p + 1, 8);
		m = has_less(v, '\n' + 1) |
		    (has_less(v ^ (ONES * ' '), 1) & has_less(w, ' ' + 1));
		if (m != 0) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return p + __builtin_ctzll(m) / 8;
#else
			break;
#endif
		}
	}
	for (; p < end; p++)
		if ((unsigned char)*p <= '\n' || (*p == ' ' &&
		    (p + 1 == end || (unsigned char)p[1] <= ' ')))
			return p;
	return end;
}

/* Whether p (< end) starts a line end: LF, or CR LF. */
static bool
at_eol(const char *p, const char *end)
{
	return *p == '\n' || (*p == '\r' && end - p > 1 && p[1] == '\n');
}

/*
 * One line of text (not blank) from line, RFC 6376 3.4.4: each WSP run
 * becomes one SP, WSP at the end goes, a bare LF or a missing line end
 * becomes CRLF.  Only the changes are written; the rest stays in the
 * span.  Returns the start of the next line.
 */
static const char *
relaxed_line(struct span *sp, const char *line, const char *end)
{
	const char *p = line, *r;

	for (;;) {
		if ((p = relaxed_next(p, end)) == end) {
			span_cut(sp, end, end);
			span_out(sp, "\r\n", 2);
			return end;
		}
		if (*p == '\n') {
			if (p == line || p[-1] != '\r') {
				/* The LF starts the next span, after a CR. */
				span_cut(sp, p, p);
				span_out(sp, "\r", 1);
			}
			return p + 1;
		}
		if (!is_wsp(*p)) {
			p++;		/* a control byte, or a false flag */
			continue;
		}
		for (r = p + 1; r < end && is_wsp(*r); r++)
			;
		if (r == end || at_eol(r, end))
			span_cut(sp, p, r);
		else if (r - p > 1 || *p != ' ') {
			span_cut(sp, p, r);
			span_out(sp, " ", 1);
		}
		p = r;
	}
}

/*
 * The start of the next line when the line at line holds only WSP (a
 * blank line to relaxed canonicalisation), else NULL.
 */
static const char *
blank_line(const char *line, const char *end)
{
	const char *q = line;

	if ((unsigned char)*line > ' ')
		return NULL;		/* the usual case, at once */
	while (q < end && is_wsp(*q))
		q++;
	if (q == end)
		return end;
	if (*q == '\n')
		return q + 1;
	if (*q == '\r' && end - q > 1 && q[1] == '\n')
		return q + 2;
	return NULL;
}

/*
 * Empty lines (blank ones to relaxed) held back: both forms write them,
 * as CRLF each, only when text follows, and drop those at the end.
 */
struct held {
	const char	*at;		/* the first one */
	size_t		 n;
	bool		 plain;		/* each already the CRLF it stands for */
};

static void
held_add(struct held *h, const char *line, bool plain)
{
	if (h->n++ == 0) {
		h->at = line;
		h->plain = true;
	}
	h->plain = h->plain && plain;
}

/* Text follows at line: the held lines are written. */
static void
held_write(struct held *h, struct span *sp, const char *line)
{
	if (h->n > 0 && !h->plain) {
		span_cut(sp, h->at, line);
		for (; h->n > 0; h->n--)
			span_out(sp, "\r\n", 2);
	}
	h->n = 0;
}

/* RFC 6376 3.4.4: blank lines (only WSP) are held back. */
static void
body_relaxed(const char *body, size_t len, struct span *sp)
{
	const char *p = body, *end = body + len, *line, *next;
	struct held h = { NULL, 0, true };

	while (p < end) {
		line = p;
		if ((next = blank_line(line, end)) != NULL) {
			held_add(&h, line, next - line == 2 && *line == '\r');
			p = next;
			continue;
		}
		held_write(&h, sp, line);
		p = relaxed_line(sp, line, end);
	}
	span_cut(sp, h.n > 0 ? h.at : end, end);
}

/* RFC 6376 3.4.3: empty lines are held back. */
static void
body_simple(const char *body, size_t len, struct span *sp)
{
	const char *p = body, *end = body + len, *line, *nl;
	struct held h = { NULL, 0, true };
	bool any = false, crlf;

	while (p < end) {
		line = p;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			nl = p = end;
			crlf = false;
		} else {
			crlf = nl > line && nl[-1] == '\r';
			p = nl + 1;
		}
		if (nl == line || (crlf && nl - 1 == line)) {
			held_add(&h, line, crlf);
			continue;
		}
		held_write(&h, sp, line);
		any = true;
		if (nl == end) {
			/* No line end at all: CRLF added. */
			span_cut(sp, end, end);
			span_out(sp, "\r\n", 2);
		} else if (!crlf) {
			/* A bare LF: a CR before it, the LF starts a span. */
			span_cut(sp, nl, nl);
			span_out(sp, "\r", 1);
		}
	}
	span_cut(sp, h.n > 0 ? h.at : end, end);
	/* An empty body is one CRLF in simple (3.4.3). */
	if (!any)
		span_out(sp, "\r\n", 2);
}

void
dkim_canon_body(enum dkim_canon c, const char *body, size_t len,
    struct dkim_sink *sink)
{
	struct span sp;

	sp.sink = sink;
	sp.from = body;
	sp.st.sink = sink;
	sp.st.n = 0;
	if (c == DKIM_CANON_RELAXED)
		body_relaxed(body, len, &sp);
	else
		body_simple(body, len, &sp);
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
