/*
 * mimetree.c - the MIME part tree (RFC 2045, RFC 2046), by mimeparse.c
 * for ordinary messages, through GMime for the rest.
 *
 * mimeparse.c finds the structure of most messages itself, much faster,
 * and declines anything it cannot read exactly as GMime would; then
 * GMime's parser finds the structure (boundaries, nested messages, its
 * own nesting ceiling).  Either tree is walked once, pre-order, into
 * message.parts by the same steps (fast_walk() mirrors walk(); both use
 * part_fill(), content_from_slice() and leaf_rest()), applying max_parts
 * and max_depth, so the model does not depend on which parser ran; no
 * GMime object outlives the call.  tests/unit/test_mimetree.c and
 * fuzz/fuzz_message.c hold the two paths to that (mimetree_fast_path()).
 *
 * The input is handed to GMime without a copy (a GByteArray over the
 * caller's bytes that GMime does not own).  Either way, part contents
 * are slices of the input, so 7bit/8bit/binary need no copy and base64
 * and quoted-printable (RFC 2045 6.7, 6.8) are decoded here straight
 * into the arena; only rarer encodings (uuencode, GMime path only) use
 * GMime's filters.  A message/rfc822 part (RFC 2046 5.2.1) becomes an
 * is_message node whose child is the attached message's root; when it
 * was itself encoded (GMime path only), the decoded bytes are parsed
 * again, within the same depth limit.
 *
 * Text parts (text/plain, text/html) become UTF-8 (charset.c), HTML goes
 * to html.c; every other leaf is sniffed with libmagic and zip archives
 * are listed (attach.c).
 *
 * Memory: everything kept is in the arena; GMime objects and
 * mimeparse.c's scratch are freed before returning.  g_mime_init()
 * and xmlInitParser() run once (pthread_once); after that this file is
 * safe to use from several threads, each with its own arena.
 */
#include <pthread.h>
#include <string.h>

#include <gmime/gmime.h>
#include <libxml/parser.h>

#include "mime/mimeint.h"
#include "util/arena.h"
#include "util/str.h"

static pthread_once_t	mimetree_once = PTHREAD_ONCE_INIT;

static void
mimetree_init(void)
{
	g_mime_init();
	xmlInitParser();
}

void
mimetree_global_init(void)
{
	(void)pthread_once(&mimetree_once, mimetree_init);
}

static void
warn_cb(gint64 offset, GMimeParserWarning code, const gchar *item,
    gpointer user)
{
	struct mime_ctx *ctx = user;

	(void)offset;
	(void)item;
	switch (code) {
	case GMIME_WARN_MALFORMED_MULTIPART:
		message_defect(ctx, MSG_DEF_BAD_MULTIPART,
		    "multipart without its closing boundary");
		break;
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
		message_defect(ctx, MSG_DEF_BAD_MULTIPART,
		    "multipart without a boundary parameter");
		break;
	case GMIME_WARN_TRUNCATED_MESSAGE:
		message_defect(ctx, MSG_DEF_BAD_MULTIPART,
		    "message ends inside a part");
		break;
	case GMIME_CRIT_NESTING_OVERFLOW:
		message_defect(ctx, MSG_DEF_TOO_DEEP,
		    "nesting beyond GMime's ceiling");
		break;
	case GMIME_WARN_INVALID_CONTENT_TYPE:
		message_defect(ctx, MSG_DEF_HEADER_SYNTAX,
		    "invalid Content-Type");
		break;
	default:
		break;
	}
}

/*
 * The value of each byte in base64, -1 outside the alphabet; '-' and
 * '_' are the URL-safe alphabet's 62 and 63.  A table, built by the
 * compiler, because bodies are mostly base64 and a chain of range tests
 * per byte showed in profiles.
 */
#define B64V(c)	((c) == '-' ? 62 : (c) == '_' ? 63 : MIME_B64_DIGIT(c))
/* The cast: clang checks the unchosen arms of ?: against the type too. */
#define B64E(c)		((signed char)B64V(c))
static const signed char b64_value[256] = { MIME_X256(B64E) };

/* The same values placed for each digit of a quantum (mimeint.h). */
#define B64S18(c)	MIME_B64S(B64V(c), 18)
#define B64S12(c)	MIME_B64S(B64V(c), 12)
#define B64S6(c)	MIME_B64S(B64V(c), 6)
#define B64S0(c)	MIME_B64S(B64V(c), 0)
static const uint32_t b64_at[4][256] = {
	{ MIME_X256(B64S18) }, { MIME_X256(B64S12) }, { MIME_X256(B64S6) },
	{ MIME_X256(B64S0) },
};

/* Four digits' three bytes, or a word with MIME_B64_BAD set. */
static inline uint32_t
b64_quantum(const char *s)
{
	return b64_at[0][(unsigned char)s[0]] |
	    b64_at[1][(unsigned char)s[1]] |
	    b64_at[2][(unsigned char)s[2]] | b64_at[3][(unsigned char)s[3]];
}

/*
 * Two quanta's six bytes at o.  On a little-endian machine one 8-byte
 * store, byte-swapped, writes them and two more that the caller must
 * have room for; they are overwritten or zeroed later.
 */
static inline void
b64_put6(unsigned char *o, uint32_t q0, uint32_t q1)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w = __builtin_bswap64((uint64_t)q0 << 40 |
	    (uint64_t)q1 << 16);

	memcpy(o, &w, 8);
#else
	o[0] = (unsigned char)(q0 >> 16);
	o[1] = (unsigned char)(q0 >> 8);
	o[2] = (unsigned char)q0;
	o[3] = (unsigned char)(q1 >> 16);
	o[4] = (unsigned char)(q1 >> 8);
	o[5] = (unsigned char)q1;
#endif
}

/*
 * RFC 2045 6.8; characters outside the alphabet are skipped, noted.
 * The output block holds n / 4 * 3 + 3 bytes.  Eight digits at a time
 * are taken only at a quantum's start (the digits so far make whole
 * quanta, so ol <= i / 4 * 3) and with i + 8 <= n (so n / 4 >= i / 4 +
 * 2): ol + 8 <= i / 4 * 3 + 8 < n / 4 * 3 + 3, and b64_put6()'s two
 * spare bytes fit.
 */
unsigned char *
mime_decode_base64(struct arena *a, const char *s, size_t n, size_t *outlen,
    bool *bad)
{
	unsigned char *o;
	unsigned acc = 0, bits = 0;
	size_t i, ol = 0;
	int v;

	if ((o = arena_alloc_raw(a, n / 4 * 3 + 3)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		/*
		 * Four letters of the alphabet at a quantum's start make
		 * three bytes at once: the bytes the loop below would give
		 * one by one, as acc's older bits never reach them.
		 */
		while (bits == 0 && i + 8 <= n) {
			uint32_t q0 = b64_quantum(s + i),
			    q1 = b64_quantum(s + i + 4);

			if ((q0 | q1) & MIME_B64_BAD)
				break;
			b64_put6(o + ol, q0, q1);
			ol += 6;
			i += 8;
		}
		while (bits == 0 && i + 4 <= n) {
			uint32_t q = b64_at[0][(unsigned char)s[i]] |
			    b64_at[1][(unsigned char)s[i + 1]] |
			    b64_at[2][(unsigned char)s[i + 2]] |
			    b64_at[3][(unsigned char)s[i + 3]];

			if (q & MIME_B64_BAD)
				break;
			o[ol] = (unsigned char)(q >> 16);
			o[ol + 1] = (unsigned char)(q >> 8);
			o[ol + 2] = (unsigned char)q;
			ol += 3;
			i += 4;
		}
		if (i >= n)
			break;
		c = (unsigned char)s[i];
		if ((v = b64_value[c]) < 0) {
			if (c != '\r' && c != '\n' && c != ' ' && c != '\t' &&
			    c != '=')
				*bad = true;
			continue;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[ol++] = (unsigned char)(acc >> bits);
		}
	}
	/* Zeroed past the bytes, as an arena_alloc() block would be. */
	memset(o + ol, 0, n / 4 * 3 + 3 - ol);
	*outlen = ol;
	return o;
}

static int
hexv(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* RFC 2045 6.7: "=XX", soft line breaks "=" CRLF; lone "=" kept. */
static unsigned char *
decode_qp(struct arena *a, const char *s, size_t n, size_t *outlen,
    bool *bad)
{
	unsigned char *o;
	size_t i, j, ol = 0;
	int h, l;

	const char *eq;

	if ((o = arena_alloc_raw(a, n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] != '=') {
			/* Everything up to the next '=' as it is, at once. */
			eq = memchr(s + i, '=', n - i);
			j = eq != NULL ? (size_t)(eq - s) : n;
			memcpy(o + ol, s + i, j - i);
			ol += j - i;
			i = j - 1;
			continue;
		}
		if (i + 2 < n && (h = hexv((unsigned char)s[i + 1])) >= 0 &&
		    (l = hexv((unsigned char)s[i + 2])) >= 0) {
			o[ol++] = (unsigned char)(h << 4 | l);
			i += 2;
			continue;
		}
		/* Rule 3: white space may sit between "=" and the break. */
		for (j = i + 1; j < n && (s[j] == ' ' || s[j] == '\t'); j++)
			;
		if (j < n && s[j] == '\r')
			j++;
		if (j < n && s[j] == '\n') {
			i = j;
			continue;
		}
		if (j >= n)
			break;
		*bad = true;
		o[ol++] = '=';
	}
	/* Zeroed past the bytes, as an arena_alloc() block would be. */
	memset(o + ol, 0, n + 1 - ol);
	*outlen = ol;
	return o;
}

static char *
lowered(struct arena *a, const char *s)
{
	char *r;

	if (s == NULL)
		return NULL;
	if ((r = arena_strdup(a, s)) != NULL)
		str_lower(r);
	return r;
}

/* GMime's parameter values are meant to be UTF-8; make sure. */
static char *
utf8_param(struct mime_ctx *ctx, const char *s)
{
	uint32_t defects = 0;

	if (s == NULL)
		return NULL;
	return charset_to_utf8(ctx->arena, NULL, s, strlen(s), NULL,
	    &defects);
}

static size_t
new_part(struct mime_ctx *ctx, int parent, unsigned depth)
{
	struct message *m = ctx->msg;
	struct part *np;
	size_t ncap;

	if (m->n_parts >= ctx->lim->max_parts) {
		message_defect(ctx, MSG_DEF_TOO_MANY_PARTS, arena_printf(
		    ctx->arena, "more than %zu parts", ctx->lim->max_parts));
		return (size_t)-1;
	}
	if (m->n_parts == ctx->cap_parts) {
		ncap = ctx->cap_parts ? ctx->cap_parts * 2 : 8;
		if (ncap > ctx->lim->max_parts)
			ncap = ctx->lim->max_parts;
		np = arena_grow(ctx->arena, m->parts,
		    ctx->cap_parts * sizeof(*np), ncap * sizeof(*np));
		if (np == NULL) {
			ctx->oom = true;
			return (size_t)-1;
		}
		m->parts = np;
		ctx->cap_parts = ncap;
	}
	np = &m->parts[m->n_parts];
	np->index = m->n_parts;
	np->parent = parent;
	np->depth = depth;
	return m->n_parts++;
}

/* Appends a part's text to message.text, within max_joined. */
static void
join_text(struct mime_ctx *ctx, const char *t, size_t n)
{
	struct message *m = ctx->msg;
	size_t want, ncap;
	char *nt;

	if (n == 0)
		return;
	if (m->text_len + n + 1 > ctx->max_joined) {
		if (m->text_len + 1 >= ctx->max_joined)
			return;
		n = ctx->max_joined - m->text_len - 1;
		while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
			n--;
	}
	want = m->text_len + n + 2;
	if (want > ctx->cap_text) {
		ncap = ctx->cap_text ? ctx->cap_text : 4096;
		while (ncap < want)
			ncap *= 2;
		if ((nt = arena_grow(ctx->arena, m->text, ctx->cap_text,
		    ncap)) == NULL) {
			ctx->oom = true;
			return;
		}
		m->text = nt;
		ctx->cap_text = ncap;
	}
	if (m->text_len > 0)
		m->text[m->text_len++] = '\n';
	memcpy(m->text + m->text_len, t, n);
	m->text_len += n;
	m->text[m->text_len] = '\0';
}

/*
 * CRLF and lone CR become LF, in place; returns the new length.  Text
 * before the first CR stays where it is, and the rest moves a line at a
 * time (memchr() to the next CR), not a byte at a time.
 */
size_t
mime_to_lf(char *s, size_t n)
{
	char *cr;
	size_t i, j, o;

	if ((cr = memchr(s, '\r', n)) == NULL) {
		s[n] = '\0';
		return n;
	}
	o = i = (size_t)(cr - s);
	while (i < n) {
		/* s[i] is a CR: one LF for it and an LF right after. */
		s[o++] = '\n';
		if (++i < n && s[i] == '\n')
			i++;
		cr = memchr(s + i, '\r', n - i);
		j = cr != NULL ? (size_t)(cr - s) : n;
		memmove(s + o, s + i, j - i);
		o += j - i;
		i = j;
	}
	s[o] = '\0';
	return o;
}

static void
text_part(struct mime_ctx *ctx, size_t idx, bool join)
{
	struct part *p = &ctx->msg->parts[idx];
	size_t n = p->size, ul;
	uint32_t defects = 0;
	char *u, *t;
	size_t tl;

	if (p->data == NULL)
		return;
	if (n > ctx->lim->max_text)
		n = ctx->lim->max_text;
	u = charset_to_utf8(ctx->arena, p->charset, (const char *)p->data, n,
	    &ul, &defects);
	if (u == NULL) {
		ctx->oom = true;
		return;
	}
	if (defects & MSG_DEF_BAD_CHARSET)
		message_defect(ctx, MSG_DEF_BAD_CHARSET, arena_printf(
		    ctx->arena, "part %zu: charset %s does not fit", idx,
		    p->charset ? p->charset : "(none)"));
	if (p->is_html) {
		if (html_extract(ctx, u, ul, idx, &t, &tl) == -1) {
			ctx->oom = true;
			return;
		}
		p = &ctx->msg->parts[idx];
		p->text = t;
		p->text_len = tl;
	} else {
		p->text = u;
		p->text_len = mime_to_lf(u, ul);
		if (html_text_urls(ctx, p->text, p->text_len, idx) == -1) {
			ctx->oom = true;
			return;
		}
		p = &ctx->msg->parts[idx];
	}
	if (join)
		join_text(ctx, p->text, p->text_len);
}

/* Keeps decoded content (or notes the arena ran out). */
static void
content_decoded(struct mime_ctx *ctx, size_t idx, unsigned char *o,
    size_t ol, bool bad, GMimeContentEncoding enc)
{
	if (o == NULL) {
		ctx->oom = true;
		return;
	}
	if (bad)
		message_defect(ctx, MSG_DEF_BAD_ENCODING, arena_printf(
		    ctx->arena, "part %zu: broken %s", idx,
		    enc == GMIME_CONTENT_ENCODING_BASE64 ? "base64" :
		    "quoted-printable"));
	ctx->msg->parts[idx].data = o;
	ctx->msg->parts[idx].size = ol;
}

/*
 * A leaf's content from its raw bytes in the input; false for the
 * encodings left to GMime's filters (uuencode).
 */
static bool
content_from_slice(struct mime_ctx *ctx, size_t idx, const char *raw,
    size_t rawlen, GMimeContentEncoding enc)
{
	unsigned char *o;
	size_t ol = 0;
	bool bad = false;

	switch (enc) {
	case GMIME_CONTENT_ENCODING_DEFAULT:
	case GMIME_CONTENT_ENCODING_7BIT:
	case GMIME_CONTENT_ENCODING_8BIT:
	case GMIME_CONTENT_ENCODING_BINARY:
		/*
		 * The slice is of the caller's input or of an arena buffer,
		 * both of which outlive the model.
		 */
		ctx->msg->parts[idx].data = (const unsigned char *)raw;
		ctx->msg->parts[idx].size = rawlen;
		return true;
	case GMIME_CONTENT_ENCODING_BASE64:
		o = mime_decode_base64(ctx->arena, raw, rawlen, &ol, &bad);
		break;
	case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
		o = decode_qp(ctx->arena, raw, rawlen, &ol, &bad);
		break;
	default:
		return false;
	}
	content_decoded(ctx, idx, o, ol, bad, enc);
	return true;
}

/* Decoded content of a leaf, as a slice of the input when possible. */
static void
leaf_content(struct mime_ctx *ctx, GMimePart *gp, size_t idx)
{
	GMimeDataWrapper *dw;
	GMimeStream *st, *out;
	GByteArray *ba;
	GMimeContentEncoding enc;
	const char *raw = NULL;
	size_t rawlen = 0, ol = 0;
	unsigned char *o = NULL;
	gint64 s, e;

	if ((dw = g_mime_part_get_content(gp)) == NULL)
		return;
	enc = g_mime_data_wrapper_get_encoding(dw);
	st = g_mime_data_wrapper_get_stream(dw);
	if (st != NULL && GMIME_IS_STREAM_MEM(st) &&
	    (ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st))) !=
	    NULL) {
		s = st->bound_start;
		e = st->bound_end < 0 ? (gint64)ba->len : st->bound_end;
		if (s >= 0 && s <= e && e <= (gint64)ba->len) {
			raw = (const char *)ba->data + s;
			rawlen = (size_t)(e - s);
		}
	}
	if (raw != NULL && content_from_slice(ctx, idx, raw, rawlen, enc))
		return;
	/* uuencode and anything unusual: GMime's own filters. */
	out = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(dw, out);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	if (ba != NULL) {
		o = arena_memdup(ctx->arena, ba->data, ba->len);
		ol = ba->len;
		if (o == NULL)
			ctx->oom = true;
	}
	g_object_unref(out);
	content_decoded(ctx, idx, o, ol, false, enc);
}

static bool
looks_zip(const struct part *p)
{
	size_t n;

	if (p->size >= 4 && p->data[0] == 'P' && p->data[1] == 'K' &&
	    ((p->data[2] == 3 && p->data[3] == 4) ||
	    (p->data[2] == 5 && p->data[3] == 6)))
		return true;
	if (p->content_type != NULL && (strcmp(p->content_type,
	    "application/zip") == 0 || strcmp(p->content_type,
	    "application/x-zip-compressed") == 0))
		return true;
	return p->filename != NULL && (n = strlen(p->filename)) > 4 &&
	    str_isuffix(p->filename, n, ".zip");
}

static void	walk(struct mime_ctx *, GMimeObject *, int, unsigned, bool);
static void	walk_buffer(struct mime_ctx *, const char *, size_t, int,
		    unsigned);

/* What follows a leaf's content: text, sniffing, zips, messages. */
static void
leaf_rest(struct mime_ctx *ctx, size_t idx, bool skip_plain)
{
	struct part *p = &ctx->msg->parts[idx];
	bool text;

	text = p->content_type != NULL &&
	    (strcmp(p->content_type, "text/plain") == 0 || p->is_html);
	if (text) {
		text_part(ctx, idx, !p->is_attachment &&
		    !(skip_plain && !p->is_html));
		return;
	}
	if (p->data != NULL && p->size > 0) {
		p->sniffed = attach_sniff(ctx->arena, p->data, p->size);
		if (looks_zip(p) && attach_zip_names(ctx, p) == -1)
			ctx->oom = true;
	}
	/* An encoded message/rfc822 was left whole by GMime: parse it. */
	if (p->content_type != NULL &&
	    strcmp(p->content_type, "message/rfc822") == 0 &&
	    p->data != NULL) {
		p->is_message = true;
		walk_buffer(ctx, (const char *)p->data, p->size, (int)idx,
		    p->depth + 1);
	}
}

static void
leaf(struct mime_ctx *ctx, GMimePart *gp, size_t idx, bool skip_plain)
{
	struct part *p = &ctx->msg->parts[idx];

	p->transfer_encoding = lowered(ctx->arena,
	    g_mime_content_encoding_to_string(
	    g_mime_part_get_content_encoding(gp)));
	leaf_content(ctx, gp, idx);
	if (ctx->oom)
		return;
	leaf_rest(ctx, idx, skip_plain);
}

/*
 * What every part gets from its header fields, whichever parser read
 * them: the lower-cased type, charset, disposition and file name.
 */
static bool
part_fill(struct mime_ctx *ctx, size_t idx, const char *mt, const char *st,
    const char *charset, const char *disp, const char *dfn,
    const char *ctname)
{
	struct part *p = &ctx->msg->parts[idx];
	const char *fn;

	p->content_type = arena_join(ctx->arena, mt ? mt : "text", '/',
	    st ? st : "plain");
	if (p->content_type == NULL) {
		ctx->oom = true;
		return false;
	}
	str_lower(p->content_type);
	p->charset = lowered(ctx->arena, charset);
	p->disposition = lowered(ctx->arena, disp);
	fn = dfn;
	if (fn == NULL || *fn == '\0')
		fn = ctname;
	if (fn != NULL && *fn != '\0')
		p->filename = utf8_param(ctx, fn);
	p->is_attachment = p->filename != NULL || (p->disposition != NULL &&
	    strcmp(p->disposition, "attachment") == 0);
	p->is_html = strcmp(p->content_type, "text/html") == 0;
	return true;
}

/* Does a multipart/alternative offer HTML (so its plain text repeats)? */
static bool
alt_has_html(GMimeMultipart *mp)
{
	GMimeContentType *ct;
	int i, n = g_mime_multipart_get_count(mp);

	for (i = 0; i < n; i++) {
		ct = g_mime_object_get_content_type(
		    g_mime_multipart_get_part(mp, i));
		if (ct != NULL && g_mime_content_type_is_type(ct, "text",
		    "html"))
			return true;
	}
	return false;
}

static void
walk(struct mime_ctx *ctx, GMimeObject *obj, int parent, unsigned depth,
    bool skip_plain)
{
	GMimeContentType *ct;
	GMimeMessage *inner;
	struct part *p;
	const char *mt, *st;
	size_t idx;
	int i, n;

	if (ctx->oom || obj == NULL)
		return;
	if (depth > ctx->lim->max_depth) {
		message_defect(ctx, MSG_DEF_TOO_DEEP, arena_printf(ctx->arena,
		    "parts nested deeper than %zu", ctx->lim->max_depth));
		return;
	}
	if ((idx = new_part(ctx, parent, depth)) == (size_t)-1)
		return;
	ct = g_mime_object_get_content_type(obj);
	mt = ct ? g_mime_content_type_get_media_type(ct) : NULL;
	st = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
	if (!part_fill(ctx, idx, mt, st,
	    g_mime_object_get_content_type_parameter(obj, "charset"),
	    g_mime_object_get_disposition(obj),
	    g_mime_object_get_content_disposition_parameter(obj, "filename"),
	    g_mime_object_get_content_type_parameter(obj, "name")))
		return;
	p = &ctx->msg->parts[idx];

	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		bool alt;

		p->is_multipart = true;
		if (g_mime_object_get_content_type_parameter(obj,
		    "boundary") == NULL)
			message_defect(ctx, MSG_DEF_BAD_MULTIPART,
			    "multipart without a boundary parameter");
		alt = strcmp(p->content_type, "multipart/alternative") == 0 &&
		    alt_has_html(mp);
		n = g_mime_multipart_get_count(mp);
		for (i = 0; i < n && !ctx->oom; i++)
			walk(ctx, g_mime_multipart_get_part(mp, i), (int)idx,
			    depth + 1, alt);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		p->is_message = true;
		inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));
		if (inner != NULL)
			walk(ctx, g_mime_message_get_mime_part(inner), (int)idx,
			    depth + 1, false);
	} else if (GMIME_IS_PART(obj))
		leaf(ctx, GMIME_PART(obj), idx, skip_plain);
}

static GMimeMessage *
gmime_parse(struct mime_ctx *ctx, const char *data, size_t len,
    GByteArray **bap, GMimeParserOptions **optsp)
{
	GMimeParserOptions *opts;
	GMimeParser *parser;
	GMimeMessage *gm;
	GMimeStream *stream;
	GByteArray *ba;

	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(opts, warn_cb, ctx);
	/*
	 * GMime only reads from this stream; it does not own the bytes, so
	 * no copy of the message is made.
	 */
	ba = g_byte_array_new_take((guint8 *)(uintptr_t)data, len);
	stream = g_mime_stream_mem_new_with_byte_array(ba);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	gm = g_mime_parser_construct_message(parser, opts);
	g_object_unref(parser);
	*bap = ba;
	*optsp = opts;
	return gm;
}

static void
gmime_done(GMimeMessage *gm, GByteArray *ba, GMimeParserOptions *opts)
{
	if (gm != NULL)
		g_object_unref(gm);
	/* Frees the array header only: the bytes are the caller's. */
	(void)g_byte_array_free(ba, FALSE);
	g_mime_parser_options_free(opts);
}

static void
walk_buffer(struct mime_ctx *ctx, const char *data, size_t len, int parent,
    unsigned depth)
{
	GMimeParserOptions *opts;
	GMimeMessage *gm;
	GByteArray *ba;

	if (depth > ctx->lim->max_depth) {
		message_defect(ctx, MSG_DEF_TOO_DEEP, arena_printf(ctx->arena,
		    "parts nested deeper than %zu", ctx->lim->max_depth));
		return;
	}
	gm = gmime_parse(ctx, data, len, &ba, &opts);
	if (gm != NULL)
		walk(ctx, g_mime_message_get_mime_part(gm), parent, depth,
		    false);
	gmime_done(gm, ba, opts);
}

/* Does the multipart node ni have a text/html child (RFC 2046 5.1.4)? */
static bool
fast_alt_has_html(const struct mimeparse *mp, size_t ni)
{
	const struct mimeparse_node *c;
	const char *t, *st;
	size_t i;

	for (i = ni + 1; i < mp->nodes[ni].end; i = c->end) {
		c = &mp->nodes[i];
		t = mimeparse_str(mp, c->type);
		st = mimeparse_str(mp, c->subtype);
		if (str_ieq(t, strlen(t), "text") &&
		    str_ieq(st, strlen(st), "html"))
			return true;
	}
	return false;
}

/* walk() for a tree from mimeparse.c; the same steps in the same order. */
static void
fast_walk(struct mime_ctx *ctx, const struct mimeparse *mp, size_t ni,
    int parent, const char *data, bool skip_plain)
{
	static const GMimeContentEncoding encs[] = {
		[MP_ENC_DEFAULT] = GMIME_CONTENT_ENCODING_DEFAULT,
		[MP_ENC_7BIT] = GMIME_CONTENT_ENCODING_7BIT,
		[MP_ENC_8BIT] = GMIME_CONTENT_ENCODING_8BIT,
		[MP_ENC_BINARY] = GMIME_CONTENT_ENCODING_BINARY,
		[MP_ENC_BASE64] = GMIME_CONTENT_ENCODING_BASE64,
		[MP_ENC_QP] = GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE,
	};
	const struct mimeparse_node *n = &mp->nodes[ni];
	GMimeContentEncoding enc;
	struct part *p;
	size_t idx, c;
	bool alt;

	if (ctx->oom)
		return;
	if ((idx = new_part(ctx, parent, n->depth)) == (size_t)-1)
		return;
	if (!part_fill(ctx, idx, mimeparse_str(mp, n->type),
	    mimeparse_str(mp, n->subtype), mimeparse_str(mp, n->charset),
	    mimeparse_str(mp, n->disposition), mimeparse_str(mp, n->filename),
	    mimeparse_str(mp, n->name)))
		return;
	p = &ctx->msg->parts[idx];
	switch (n->kind) {
	case MP_MULTIPART:
		p->is_multipart = true;
		alt = strcmp(p->content_type, "multipart/alternative") == 0 &&
		    fast_alt_has_html(mp, ni);
		for (c = ni + 1; c < n->end && !ctx->oom; c = mp->nodes[c].end)
			fast_walk(ctx, mp, c, (int)idx, data, alt);
		break;
	case MP_MESSAGE:
		p->is_message = true;
		if (ni + 1 < n->end)
			fast_walk(ctx, mp, ni + 1, (int)idx, data, false);
		break;
	case MP_LEAF:
		enc = encs[n->enc];
		p->transfer_encoding = lowered(ctx->arena,
		    g_mime_content_encoding_to_string(enc));
		(void)content_from_slice(ctx, idx, data + n->off, n->len, enc);
		if (ctx->oom)
			return;
		leaf_rest(ctx, idx, skip_plain);
		break;
	}
}

static _Thread_local bool	fast_off;	/* tests: GMime only */
static _Thread_local bool	fast_used;
static _Thread_local bool	mimetree_top_off; /* tests: no reuse */

void
mimetree_fast_path(bool on)
{
	fast_off = !on;
}

void
mimetree_reuse_top(bool on)
{
	mimetree_top_off = !on;
}

bool
mimetree_used_fast_path(void)
{
	return fast_used;
}

/* The model from mimeparse.c; false when it declined the message. */
static bool
fast_build(struct mime_ctx *ctx, const char *data, size_t len)
{
	struct mimeparse mp;
	struct mimeparse_top top, *tp = NULL;
	const struct message *m = ctx->msg;
	size_t base = m->n_parts;

	if (base >= ctx->lim->max_parts)
		return false;
	/*
	 * The whole message: message.c has looked for NUL bytes and split
	 * the header block already; mimeparse.c need not do either again.
	 */
	if (data == m->raw && len == m->raw_len && !mimetree_top_off) {
		memset(&top, 0, sizeof(top));
		top.nul_free = !ctx->nul;
		if (ctx->hdr_whole && mimeparse_top_fields(&top, m->headers,
		    m->n_headers, m->header_len) != 0)
			return false;
		tp = &top;
	}
	if (mimeparse_run(&mp, data, len, ctx->lim->max_parts - base,
	    ctx->lim->max_depth, tp) != 0) {
		mimeparse_free(&mp);
		return false;
	}
	fast_walk(ctx, &mp, 0, -1, data, false);
	mimeparse_free(&mp);
	return true;
}

int
mimetree_build(struct mime_ctx *ctx, const char *data, size_t len)
{
	GMimeParserOptions *opts;
	GMimeMessage *gm;
	GByteArray *ba;
	GMimeObject *root = NULL;
	size_t idx;

	mimetree_global_init();
	fast_used = false;
	if (!fast_off && fast_build(ctx, data, len)) {
		fast_used = true;
		return ctx->oom ? -1 : 0;
	}
	gm = gmime_parse(ctx, data, len, &ba, &opts);
	if (gm != NULL)
		root = g_mime_message_get_mime_part(gm);
	if (root != NULL)
		walk(ctx, root, -1, 0, false);
	else if (!ctx->oom && (idx = new_part(ctx, -1, 0)) != (size_t)-1) {
		/* No body GMime could see: an empty text/plain root. */
		ctx->msg->parts[idx].content_type = arena_strdup(ctx->arena,
		    "text/plain");
	}
	gmime_done(gm, ba, opts);
	return ctx->oom ? -1 : 0;
}
