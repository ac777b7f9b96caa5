/*
 * message.c - message_parse(): the top-level header block, the fields
 * every check reads, and the orchestration of the other files.
 *
 * The header block is split here, by a cursor over the input (RFC 5322
 * 2.2: a field is a name, a colon and a body; lines starting with white
 * space continue it, 2.2.3), because DKIM (RFC 6376 3.4) needs each
 * field's bytes exactly as received and GMime does not keep them.  CRLF,
 * bare LF and mixtures are accepted; a line that is neither a field nor
 * a continuation ends the header block (as most MTAs read it) and is
 * noted.  A leading mbox "From " envelope line is not part of the
 * message and is skipped.  RFC 5322 3.6 fields are then interpreted:
 * originator and destination addresses (address.c), Date (rfcdate.c),
 * Message-ID, Subject, and the Received chain (received.c); 3.6's
 * "at most once" rule is checked.  The body goes to mimetree.c.
 *
 * Memory: the model and all it points to live in the caller's arena,
 * except header name/raw/value and some part data, which point into the
 * caller's input.  Limits: struct message_limits (defaults below), plus
 * MESSAGE_NOTES_MAX for defect_notes and MESSAGE_JOINED_TEXT_PARTS for
 * message.text.
 */
#include <string.h>

#include "mime/mimeint.h"
#include "util/arena.h"
#include "util/str.h"

#define MESSAGE_NOTES_MAX		2048	/* bytes of defect_notes */
#define MESSAGE_LINE_MAX		998	/* RFC 5322 2.1.1 */

static const struct message_limits default_limits = {
	.max_size = 64u * 1024 * 1024,
	.max_header_bytes = 1024u * 1024,
	.max_headers = 1000,
	.max_parts = 500,
	.max_depth = 20,
	.max_text = 2u * 1024 * 1024,
	.max_links = 2000,
	.max_archive_entries = 1000,
	.max_received = 100,
	.max_addresses = 500,
};

static const char *const defect_names[MSG_DEF_COUNT] = {
	"truncated", "no-body-separator", "header-syntax",
	"too-many-headers", "too-many-parts", "too-deep", "no-from",
	"multiple-from", "bad-from", "no-date", "bad-date", "no-message-id",
	"8bit-header", "bad-encoding", "bad-charset", "bad-multipart",
	"nul-bytes", "long-line", "duplicate-header", "too-many-links",
	"archive", "mixed-eol",
};

const struct message_limits *
message_default_limits(void)
{
	return &default_limits;
}

const char *
message_defect_name(unsigned bit_index)
{
	return bit_index < MSG_DEF_COUNT ? defect_names[bit_index] : NULL;
}

void
message_defect(struct mime_ctx *ctx, uint32_t bit, const char *note)
{
	struct message *m = ctx->msg;
	size_t have;
	char *n;

	m->defects |= bit;
	if (note == NULL)
		return;
	if (m->defect_notes == NULL) {
		m->defect_notes = arena_strdup(ctx->arena, note);
		return;
	}
	have = strlen(m->defect_notes);
	if (have + strlen(note) + 2 > MESSAGE_NOTES_MAX ||
	    strstr(m->defect_notes, note) != NULL)
		return;
	if ((n = arena_printf(ctx->arena, "%s; %s", m->defect_notes, note))
	    != NULL)
		m->defect_notes = n;
}

struct link *
message_add_link(struct mime_ctx *ctx, const char *href, size_t hlen,
    size_t part)
{
	struct message *m = ctx->msg;
	struct link *l;
	size_t ncap;

	if (m->n_links >= ctx->lim->max_links) {
		if (!(m->defects & MSG_DEF_TOO_MANY_LINKS))
			message_defect(ctx, MSG_DEF_TOO_MANY_LINKS,
			    arena_printf(ctx->arena, "more than %zu links",
			    ctx->lim->max_links));
		return NULL;
	}
	if (m->n_links == ctx->cap_links) {
		ncap = ctx->cap_links ? ctx->cap_links * 2 : 16;
		if (ncap > ctx->lim->max_links)
			ncap = ctx->lim->max_links;
		l = arena_grow(ctx->arena, m->links,
		    ctx->cap_links * sizeof(*l), ncap * sizeof(*l));
		if (l == NULL)
			goto oom;
		m->links = l;
		ctx->cap_links = ncap;
	}
	l = &m->links[m->n_links];
	if ((l->href = arena_strndup(ctx->arena, href, hlen)) == NULL ||
	    (l->text = arena_strdup(ctx->arena, "")) == NULL)
		goto oom;
	l->part = part;
	m->n_links++;
	return l;
oom:
	ctx->oom = true;
	return NULL;
}

struct form *
message_add_form(struct mime_ctx *ctx, size_t part)
{
	struct message *m = ctx->msg;
	struct form *f;
	size_t ncap;

	/* Forms share the link ceiling: each is a place data can go. */
	if (m->n_forms >= ctx->lim->max_links)
		return NULL;
	if (m->n_forms == ctx->cap_forms) {
		ncap = ctx->cap_forms ? ctx->cap_forms * 2 : 4;
		f = arena_grow(ctx->arena, m->forms,
		    ctx->cap_forms * sizeof(*f), ncap * sizeof(*f));
		if (f == NULL) {
			ctx->oom = true;
			return NULL;
		}
		m->forms = f;
		ctx->cap_forms = ncap;
	}
	f = &m->forms[m->n_forms++];
	f->part = part;
	return f;
}

/* RFC 5322 2.2 ftext: printable US-ASCII except the colon. */
static bool
is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

static struct header *
add_header(struct mime_ctx *ctx, size_t *cap)
{
	struct message *m = ctx->msg;
	struct header *h;
	size_t ncap;

	if (m->n_headers == *cap) {
		ncap = *cap ? *cap * 2 : 32;
		if (ncap > ctx->lim->max_headers)
			ncap = ctx->lim->max_headers;
		h = arena_grow(ctx->arena, m->headers, *cap * sizeof(*h),
		    ncap * sizeof(*h));
		if (h == NULL) {
			ctx->oom = true;
			return NULL;
		}
		m->headers = h;
		*cap = ncap;
	}
	return &m->headers[m->n_headers++];
}

/*
 * Splits the header block of m->raw.  Sets header_len, body, body_len,
 * crlf and the header defects.  Each field's raw runs from its name
 * through the line end of its last continuation line.
 */
static void
split_headers(struct mime_ctx *ctx)
{
	struct message *m = ctx->msg;
	const char *p = m->raw, *end = m->raw + m->raw_len, *nl, *next, *c;
	struct header *h = NULL;
	size_t cap = 0, linelen, n_crlf = 0, n_lf = 0;
	bool recording = true, eightbit = false;

	for (;;) {
		if (p >= end) {
			message_defect(ctx, MSG_DEF_NO_BODY_SEP,
			    "no empty line after the header block");
			break;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		next = nl != NULL ? nl + 1 : end;
		linelen = (size_t)((nl != NULL ? nl : end) - p);
		if (nl != NULL) {
			if (linelen > 0 && p[linelen - 1] == '\r') {
				linelen--;
				n_crlf++;
			} else
				n_lf++;
		}
		if (linelen == 0) {		/* the empty line */
			p = next;
			break;
		}
		if (linelen > MESSAGE_LINE_MAX)
			message_defect(ctx, MSG_DEF_LONG_LINE,
			    "header line over 998 characters");
		if (!eightbit)
			for (c = p; c < p + linelen; c++)
				if ((unsigned char)*c >= 0x80) {
					eightbit = true;
					break;
				}
		if (recording && (size_t)(next - m->raw) >
		    ctx->lim->max_header_bytes) {
			message_defect(ctx, MSG_DEF_TOO_MANY_HEADERS,
			    arena_printf(ctx->arena, "header block over %zu "
			    "bytes", ctx->lim->max_header_bytes));
			recording = false;
		}
		if (*p == ' ' || *p == '\t') {	/* RFC 5322 2.2.3 folding */
			if (h != NULL) {
				h->raw_len = (size_t)(next - h->raw);
				h->value_len = (size_t)(p + linelen - h->value);
			} else if (recording)
				message_defect(ctx, MSG_DEF_HEADER_SYNTAX,
				    "continuation line without a field");
			p = next;
			continue;
		}
		for (c = p; c < p + linelen && is_ftext((unsigned char)*c); c++)
			;
		const char *name_end = c;
		/* RFC 5322 4.5.2 (obs-optional): white space before ':'. */
		while (c < p + linelen && (*c == ' ' || *c == '\t'))
			c++;
		if (name_end == p || c >= p + linelen || *c != ':') {
			message_defect(ctx, MSG_DEF_HEADER_SYNTAX,
			    "a line that is not a header field ends the "
			    "header block");
			message_defect(ctx, MSG_DEF_NO_BODY_SEP, NULL);
			break;
		}
		h = NULL;
		if (recording && m->n_headers >= ctx->lim->max_headers) {
			message_defect(ctx, MSG_DEF_TOO_MANY_HEADERS,
			    arena_printf(ctx->arena, "more than %zu header "
			    "fields", ctx->lim->max_headers));
			recording = false;
		}
		if (recording) {
			if ((h = add_header(ctx, &cap)) == NULL)
				return;
			h->name = p;
			h->name_len = (size_t)(name_end - p);
			h->raw = p;
			h->raw_len = (size_t)(next - p);
			h->value = c + 1;
			h->value_len = (size_t)(p + linelen - (c + 1));
		}
		p = next;
	}
	m->header_len = (size_t)(p - m->raw);
	m->body = p;
	m->body_len = (size_t)(end - p);
	m->crlf = n_crlf > n_lf;
	if (n_crlf > 0 && n_lf > 0)
		message_defect(ctx, MSG_DEF_MIXED_EOL,
		    "CRLF and bare LF mixed in the header block");
	if (eightbit)
		message_defect(ctx, MSG_DEF_8BIT_HEADER,
		    "raw 8-bit bytes in the header block");
}

/* RFC 5322 3.6: fields that may appear at most once. */
static const char *const single_fields[] = { "sender", "reply-to", "to",
    "cc", "bcc", "message-id", "in-reply-to", "references", "subject",
    "date", NULL };

static void
addresses(struct mime_ctx *ctx, const struct header *h,
    struct address_list *out)
{
	if (message_parse_addresses(ctx->arena, h->value, h->value_len,
	    ctx->lim->max_addresses, out) == -1)
		ctx->oom = true;
}

/* The id inside "<...>", CFWS and brackets removed (RFC 5322 3.6.4). */
static char *
msgid(struct arena *a, const char *v, size_t n)
{
	const char *lt, *gt;

	str_trim(&v, &n);
	if ((lt = memchr(v, '<', n)) != NULL &&
	    (gt = memchr(lt, '>', n - (size_t)(lt - v))) != NULL) {
		v = lt + 1;
		n = (size_t)(gt - v);
		str_trim(&v, &n);
	}
	return n > 0 ? arena_strndup(a, v, n) : NULL;
}

static void
fields(struct mime_ctx *ctx)
{
	struct message *m = ctx->msg;
	struct header *h;
	size_t i, k, n_from = 0, n_rcv = 0, cap = 0;
	uint32_t defects = 0;
	bool seen[16] = { false }, date_seen = false, mid_seen = false;
	struct received *r;

	for (i = 0; i < m->n_headers && !ctx->oom; i++) {
		h = &m->headers[i];
		h->decoded = rfc2047_decode(ctx->arena, h->value, h->value_len,
		    &defects);
		if (h->decoded == NULL) {
			ctx->oom = true;
			return;
		}
		for (k = 0; single_fields[k] != NULL; k++)
			if (str_ieq(h->name, h->name_len, single_fields[k])) {
				if (seen[k])
					message_defect(ctx,
					    MSG_DEF_DUP_HEADER, arena_printf(
					    ctx->arena, "more than one %s "
					    "field", single_fields[k]));
				seen[k] = true;
				break;
			}
		if (str_ieq(h->name, h->name_len, "from")) {
			if (n_from++ == 0)
				addresses(ctx, h, &m->from);
		} else if (str_ieq(h->name, h->name_len, "sender")) {
			if (m->sender.n == 0)
				addresses(ctx, h, &m->sender);
		} else if (str_ieq(h->name, h->name_len, "reply-to")) {
			if (m->reply_to.n == 0)
				addresses(ctx, h, &m->reply_to);
		} else if (str_ieq(h->name, h->name_len, "to")) {
			if (m->to.n == 0)
				addresses(ctx, h, &m->to);
		} else if (str_ieq(h->name, h->name_len, "cc")) {
			if (m->cc.n == 0)
				addresses(ctx, h, &m->cc);
		} else if (str_ieq(h->name, h->name_len, "bcc")) {
			if (m->bcc.n == 0)
				addresses(ctx, h, &m->bcc);
		} else if (str_ieq(h->name, h->name_len, "return-path")) {
			if (m->return_path.n == 0)
				addresses(ctx, h, &m->return_path);
		} else if (str_ieq(h->name, h->name_len, "subject")) {
			if (m->subject == NULL)
				m->subject = h->decoded;
		} else if (str_ieq(h->name, h->name_len, "message-id")) {
			if (!mid_seen)
				m->message_id = msgid(ctx->arena, h->value,
				    h->value_len);
			mid_seen = true;
		} else if (str_ieq(h->name, h->name_len, "date")) {
			if (!date_seen && !rfcdate_parse(h->value,
			    h->value_len, &m->date))
				message_defect(ctx, MSG_DEF_BAD_DATE,
				    "unparsable Date");
			date_seen = true;
		} else if (str_ieq(h->name, h->name_len, "received")) {
			if (n_rcv++ >= ctx->lim->max_received)
				continue;
			if (m->n_received == cap) {
				size_t ncap = cap ? cap * 2 : 8;

				if (ncap > ctx->lim->max_received)
					ncap = ctx->lim->max_received;
				r = arena_grow(ctx->arena, m->received,
				    cap * sizeof(*r), ncap * sizeof(*r));
				if (r == NULL) {
					ctx->oom = true;
					return;
				}
				m->received = r;
				cap = ncap;
			}
			r = &m->received[m->n_received++];
			if (!received_parse(ctx->arena, h->value, h->value_len,
			    r))
				ctx->oom = true;
			r->hdr = h;
		}
	}
	if (defects & MSG_DEF_BAD_ENCODING)
		message_defect(ctx, MSG_DEF_BAD_ENCODING,
		    "undecodable encoded word in a header");
	if (defects & MSG_DEF_BAD_CHARSET)
		message_defect(ctx, MSG_DEF_BAD_CHARSET,
		    "bad charset in an encoded word");
	if (n_from == 0)
		message_defect(ctx, MSG_DEF_NO_FROM, "no From field");
	else {
		if (n_from > 1)
			message_defect(ctx, MSG_DEF_MULTIPLE_FROM,
			    "more than one From field");
		for (k = 0; k < m->from.n; k++)
			if (m->from.v[k].domain != NULL)
				break;
		if (k == m->from.n)
			message_defect(ctx, MSG_DEF_BAD_FROM,
			    "From has no usable address");
	}
	if (!date_seen)
		message_defect(ctx, MSG_DEF_NO_DATE, "no Date field");
	if (!mid_seen)
		message_defect(ctx, MSG_DEF_NO_MESSAGE_ID, "no Message-ID");
	if (n_rcv > ctx->lim->max_received)
		message_defect(ctx, MSG_DEF_TOO_MANY_HEADERS, arena_printf(
		    ctx->arena, "more than %zu Received fields, rest unread",
		    ctx->lim->max_received));
}

struct message *
message_parse(struct arena *a, const char *data, size_t len,
    const struct message_limits *lim)
{
	struct mime_ctx ctx = { 0 };
	struct message *m;
	const char *nl;

	if ((m = arena_alloc(a, sizeof(*m))) == NULL)
		return NULL;
	ctx.arena = a;
	ctx.lim = lim != NULL ? lim : &default_limits;
	ctx.msg = m;
	ctx.max_joined = ctx.lim->max_text * MESSAGE_JOINED_TEXT_PARTS;
	if (data == NULL)
		len = 0;
	/* An mbox envelope line ("From addr date") is not a header. */
	if (len > 5 && memcmp(data, "From ", 5) == 0 &&
	    (nl = memchr(data, '\n', len)) != NULL) {
		len -= (size_t)(nl + 1 - data);
		data = nl + 1;
	}
	m->raw = data != NULL ? data : "";
	m->raw_len = len;
	if (len > ctx.lim->max_size) {
		m->raw_len = ctx.lim->max_size;
		message_defect(&ctx, MSG_DEF_TRUNCATED, arena_printf(a,
		    "message over %zu bytes cut", ctx.lim->max_size));
	}
	if (m->raw_len > 0 && memchr(m->raw, '\0', m->raw_len) != NULL)
		message_defect(&ctx, MSG_DEF_NUL_BYTES, "NUL bytes");

	split_headers(&ctx);
	if (!ctx.oom)
		fields(&ctx);
	if (!ctx.oom)
		(void)mimetree_build(&ctx, m->raw, m->raw_len);
	if (!ctx.oom && m->text == NULL)
		m->text = arena_strdup(a, "");
	if (ctx.oom || arena_exhausted(a) || m->text == NULL)
		return NULL;
	return m;
}

const struct header *
message_header(const struct message *m, const char *name, size_t nth)
{
	size_t i;

	for (i = 0; i < m->n_headers; i++)
		if (str_ieq(m->headers[i].name, m->headers[i].name_len, name) &&
		    nth-- == 0)
			return &m->headers[i];
	return NULL;
}

size_t
message_header_count(const struct message *m, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < m->n_headers; i++)
		if (str_ieq(m->headers[i].name, m->headers[i].name_len, name))
			n++;
	return n;
}
