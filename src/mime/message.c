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
	size_t have, len;
	char *n;

	m->defects |= bit;
	if (note == NULL)
		return;
	if (m->defect_notes == NULL) {
		m->defect_notes = arena_strdup(ctx->arena, note);
		return;
	}
	have = strlen(m->defect_notes);
	len = strlen(note);
	if (have + len + 2 > MESSAGE_NOTES_MAX ||
	    strstr(m->defect_notes, note) != NULL)
		return;
	/* "notes; note", joined by hand: printf is most of this cost. */
	if ((n = arena_alloc(ctx->arena, have + 2 + len + 1)) == NULL)
		return;
	memcpy(n, m->defect_notes, have);
	memcpy(n + have, "; ", 2);
	memcpy(n + have + 2, note, len + 1);
	m->defect_notes = n;
}

/*
 * arr (n items of size bytes, *cap of room) with room for one more: the
 * room doubles from first, never past max.  NULL, and ctx->oom, when
 * the arena is exhausted.
 */
static void *
room_for_one(struct mime_ctx *ctx, void *arr, size_t n, size_t *cap,
    size_t size, size_t first, size_t max)
{
	size_t ncap;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : first;
	if (ncap > max)
		ncap = max;
	if ((arr = arena_grow(ctx->arena, arr, *cap * size, ncap * size)) ==
	    NULL) {
		ctx->oom = true;
		return NULL;
	}
	*cap = ncap;
	return arr;
}

struct link *
message_add_link(struct mime_ctx *ctx, const char *href, size_t hlen,
    size_t part)
{
	struct message *m = ctx->msg;
	struct link *l;

	if (m->n_links >= ctx->lim->max_links) {
		if (!(m->defects & MSG_DEF_TOO_MANY_LINKS))
			message_defect(ctx, MSG_DEF_TOO_MANY_LINKS,
			    arena_printf(ctx->arena, "more than %zu links",
			    ctx->lim->max_links));
		return NULL;
	}
	if ((l = room_for_one(ctx, m->links, m->n_links, &ctx->cap_links,
	    sizeof(*l), 16, ctx->lim->max_links)) == NULL)
		return NULL;
	m->links = l;
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

	/* Forms share the link ceiling: each is a place data can go. */
	if (m->n_forms >= ctx->lim->max_links ||
	    (f = room_for_one(ctx, m->forms, m->n_forms, &ctx->cap_forms,
	    sizeof(*f), 4, ctx->lim->max_links)) == NULL)
		return NULL;
	m->forms = f;
	f = &m->forms[m->n_forms++];
	f->part = part;
	return f;
}

static struct header *
add_header(struct mime_ctx *ctx, size_t *cap)
{
	struct message *m = ctx->msg;
	struct header *h;

	if ((h = room_for_one(ctx, m->headers, m->n_headers, cap, sizeof(*h),
	    32, ctx->lim->max_headers)) == NULL)
		return NULL;
	m->headers = h;
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
	bool recording = true, eightbit = false, whole = true;

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
			/* Every field is in m->headers: mimeparse.c may
			   take them from there. */
			ctx->hdr_whole = whole && recording;
			break;
		}
		if (linelen > MESSAGE_LINE_MAX)
			message_defect(ctx, MSG_DEF_LONG_LINE,
			    "header line over 998 characters");
		if (!eightbit && str_ascii_run((const unsigned char *)p, 0,
		    linelen) < linelen)
			eightbit = true;
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
			} else {
				whole = false;
				if (recording)
					message_defect(ctx,
					    MSG_DEF_HEADER_SYNTAX,
					    "continuation line without a "
					    "field");
			}
			p = next;
			continue;
		}
		/* RFC 5322 2.2 ftext: printable US-ASCII except the colon. */
		c = p + mime_ftext_run(p, linelen);
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

/*
 * The fields fields() interprets.  Each header is classified once, by
 * length first, so the other fields (most of them) cost a few integer
 * compares instead of a case-insensitive compare per name.
 */
enum field {
	F_OTHER, F_FROM, F_SENDER, F_REPLY_TO, F_TO, F_CC, F_BCC,
	F_RETURN_PATH, F_SUBJECT, F_MESSAGE_ID, F_DATE, F_RECEIVED,
	F_IN_REPLY_TO, F_REFERENCES, F_COUNT
};

static const struct field_name {
	const char	*name;		/* lower case, as in defect notes */
	size_t		 len;
	bool		 once;		/* RFC 5322 3.6: at most once */
} field_names[F_COUNT] = {
	[F_OTHER] = { "", 0, false },
	[F_FROM] = { "from", 4, false },	/* 3.6.2: may repeat */
	[F_SENDER] = { "sender", 6, true },
	[F_REPLY_TO] = { "reply-to", 8, true },
	[F_TO] = { "to", 2, true },
	[F_CC] = { "cc", 2, true },
	[F_BCC] = { "bcc", 3, true },
	[F_RETURN_PATH] = { "return-path", 11, false },
	[F_SUBJECT] = { "subject", 7, true },
	[F_MESSAGE_ID] = { "message-id", 10, true },
	[F_DATE] = { "date", 4, true },
	[F_RECEIVED] = { "received", 8, false },
	[F_IN_REPLY_TO] = { "in-reply-to", 11, true },
	[F_REFERENCES] = { "references", 10, true },
};

/*
 * Can two names of len bytes be equal ignoring ASCII case, judging by
 * their last bytes?  Bytes that str_lc() makes equal are equal with
 * 0x20 set, so a false here is never wrong; most names of one length
 * differ there ("X-...-Id", "X-...-Type"), and str_ieqn() is spared.
 */
static bool
last_may_match(const char *a, const char *b, size_t len)
{
	return len == 0 || ((unsigned char)a[len - 1] | 0x20) ==
	    ((unsigned char)b[len - 1] | 0x20);
}

/*
 * The fields of each name length, F_OTHER after the last: a header is
 * compared with the one or two names of its length, not all thirteen.
 */
#define FIELD_LEN_MAX	11
static const enum field fields_of_len[FIELD_LEN_MAX + 1][3] = {
	[2] = { F_TO, F_CC },
	[3] = { F_BCC },
	[4] = { F_FROM, F_DATE },
	[6] = { F_SENDER },
	[7] = { F_SUBJECT },
	[8] = { F_REPLY_TO, F_RECEIVED },
	[10] = { F_MESSAGE_ID, F_REFERENCES },
	[11] = { F_RETURN_PATH, F_IN_REPLY_TO },
};

static enum field
field_of(const struct header *h)
{
	const enum field *k;
	const char *fn;

	if (h->name_len > FIELD_LEN_MAX)
		return F_OTHER;
	for (k = fields_of_len[h->name_len]; *k != F_OTHER; k++) {
		fn = field_names[*k].name;
		/* The first byte as last_may_match() takes the last. */
		if (((unsigned char)h->name[0] | 0x20) == (unsigned char)fn[0] &&
		    last_may_match(h->name, fn, h->name_len) &&
		    str_ieqn(h->name, h->name_len, fn, field_names[*k].len))
			return *k;
	}
	return F_OTHER;
}

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

/*
 * The nth Received field (0-based, top first) into m->received, unless
 * past max_received.  False only when the arena is exhausted before the
 * slot exists.
 */
static bool
add_received(struct mime_ctx *ctx, const struct header *h, size_t nth,
    size_t *cap)
{
	struct message *m = ctx->msg;
	struct received *r;

	if (nth >= ctx->lim->max_received)
		return true;
	if ((r = room_for_one(ctx, m->received, m->n_received, cap,
	    sizeof(*r), 8, ctx->lim->max_received)) == NULL)
		return false;
	m->received = r;
	r = &m->received[m->n_received++];
	if (!received_parse(ctx->arena, h->value, h->value_len, r))
		ctx->oom = true;
	r->hdr = h;
	return true;
}

static void
fields(struct mime_ctx *ctx)
{
	struct message *m = ctx->msg;
	struct header *h;
	size_t i, k, n_from = 0, n_rcv = 0, cap = 0;
	uint32_t defects = 0;
	bool seen[F_COUNT] = { false }, date_seen = false, mid_seen = false;
	enum field f;

	for (i = 0; i < m->n_headers && !ctx->oom; i++) {
		h = &m->headers[i];
		h->decoded = rfc2047_decode(ctx->arena, h->value, h->value_len,
		    &defects);
		if (h->decoded == NULL) {
			ctx->oom = true;
			return;
		}
		f = field_of(h);
		if (field_names[f].once) {
			if (seen[f])
				message_defect(ctx, MSG_DEF_DUP_HEADER,
				    arena_printf(ctx->arena, "more than one "
				    "%s field", field_names[f].name));
			seen[f] = true;
		}
		switch (f) {
		case F_FROM:
			if (n_from++ == 0)
				addresses(ctx, h, &m->from);
			break;
		case F_SENDER:
			if (m->sender.n == 0)
				addresses(ctx, h, &m->sender);
			break;
		case F_REPLY_TO:
			if (m->reply_to.n == 0)
				addresses(ctx, h, &m->reply_to);
			break;
		case F_TO:
			if (m->to.n == 0)
				addresses(ctx, h, &m->to);
			break;
		case F_CC:
			if (m->cc.n == 0)
				addresses(ctx, h, &m->cc);
			break;
		case F_BCC:
			if (m->bcc.n == 0)
				addresses(ctx, h, &m->bcc);
			break;
		case F_RETURN_PATH:
			if (m->return_path.n == 0)
				addresses(ctx, h, &m->return_path);
			break;
		case F_SUBJECT:
			if (m->subject == NULL)
				m->subject = h->decoded;
			break;
		case F_MESSAGE_ID:
			if (!mid_seen)
				m->message_id = msgid(ctx->arena, h->value,
				    h->value_len);
			mid_seen = true;
			break;
		case F_DATE:
			if (!date_seen && !rfcdate_parse(h->value,
			    h->value_len, &m->date))
				message_defect(ctx, MSG_DEF_BAD_DATE,
				    "unparsable Date");
			date_seen = true;
			break;
		case F_RECEIVED:
			if (!add_received(ctx, h, n_rcv++, &cap))
				return;
			break;
		default:
			break;
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
	if (m->raw_len > 0 && memchr(m->raw, '\0', m->raw_len) != NULL) {
		ctx.nul = true;
		message_defect(&ctx, MSG_DEF_NUL_BYTES, "NUL bytes");
	}

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

/*
 * Header lookups scan the fields in order (first occurrence first) but
 * compare a name only when its length matches: checks ask for a dozen
 * names per message and most fields differ in length from each.
 */
static bool
name_is(const struct header *h, const char *name, size_t len)
{
	return h->name_len == len && last_may_match(h->name, name, len) &&
	    str_ieqn(h->name, len, name, len);
}

const struct header *
message_header(const struct message *m, const char *name, size_t nth)
{
	size_t i, len = strlen(name);

	for (i = 0; i < m->n_headers; i++)
		if (name_is(&m->headers[i], name, len) && nth-- == 0)
			return &m->headers[i];
	return NULL;
}

size_t
message_header_count(const struct message *m, const char *name)
{
	size_t i, n = 0, len = strlen(name);

	for (i = 0; i < m->n_headers; i++)
		if (name_is(&m->headers[i], name, len))
			n++;
	return n;
}
