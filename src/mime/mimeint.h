/*
 * mimeint.h - what the files of src/mime share and nobody else should.
 *
 * The public contract is message.h.  These helpers are split out by
 * concern (charsets, encoded words, dates, Received, HTML, attachments,
 * the GMime part walk) so each file stays small; each is prefixed with
 * its file's name.  Everything they return lives in the caller's arena;
 * defects come back as MSG_DEF_* bits in a caller-supplied word, never
 * as errors.  A NULL return means the arena is exhausted.
 */
#ifndef MT_MIMEINT_H
#define MT_MIMEINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "mime/message.h"

/*
 * The length of the run of RFC 5322 2.2 ftext (printable US-ASCII but
 * ':', the bytes of a field name) at p, at most n.  Eight bytes at a
 * time while none of them is below '!', above '~' or a ':' (the three
 * tests are exact about whether the word holds such a byte, which is
 * all that is asked of them); then a byte at a time.
 */
static inline size_t
mime_ftext_run(const char *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;
	uint64_t w, c;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		c = w ^ ones * ':';
		if ((((w - ones * '!') & ~w) | (w + ones) | w |
		    ((c - ones) & ~c)) & high)
			break;
	}
	while (i < n && (unsigned char)p[i] > ' ' &&
	    (unsigned char)p[i] < 0x7f && p[i] != ':')
		i++;
	return i;
}

struct arena;

/*
 * Parse state shared by the files that fill one message: the model under
 * construction, its limits and the growing link and form arrays.
 */
struct mime_ctx {
	struct arena			*arena;
	const struct message_limits	*lim;
	struct message			*msg;
	size_t				 cap_links;
	size_t				 cap_forms;
	size_t				 cap_parts;
	size_t				 cap_text;	/* bytes of msg->text */
	size_t				 max_joined;	/* msg->text ceiling */
	bool				 oom;
	bool				 nul;		/* NUL in msg->raw */
	bool				 hdr_whole;	/* split_headers() saw
							   every field */
};

/* message.c: defects and the link/form collectors. */
void	 message_defect(struct mime_ctx *, uint32_t bit, const char *note);
struct link *message_add_link(struct mime_ctx *, const char *href,
	    size_t hlen, size_t part);
struct form *message_add_form(struct mime_ctx *, size_t part);

/* charset.c: any bytes to UTF-8 (RFC 2045 5.1, RFC 2046 4.1.2). */
char	*charset_to_utf8(struct arena *, const char *charset,
	    const char *data, size_t len, size_t *outlen, uint32_t *defects);
bool	 charset_valid_utf8(const char *, size_t, bool *multibyte);
char	*charset_1252_to_utf8(struct arena *, const char *, size_t,
	    size_t *outlen);

/* rfc2047.c: unfolding and encoded words (RFC 2047, RFC 2231 5). */
char	*rfc2047_decode(struct arena *, const char *, size_t,
	    uint32_t *defects);

/* rfcdate.c: RFC 5322 3.3 date-time with the 4.3 obsolete forms. */
bool	 rfcdate_parse(const char *, size_t, time_t *);

/* received.c: one Received field value, RFC 5321 4.4. */
bool	 received_parse(struct arena *, const char *, size_t,
	    struct received *);

/* html.c: visible text, links and forms of one HTML part. */
int	 html_extract(struct mime_ctx *, const char *utf8, size_t len,
	    size_t part, char **text, size_t *text_len);
int	 html_text_urls(struct mime_ctx *, const char *text, size_t len,
	    size_t part);
/* Tests: called with each HTML input html_extract() gets, when set. */
extern void (*html_input_hook)(const char *utf8, size_t len);

/*
 * htmlfast.c: in the arena, the tree (htmltree.h) htmlCtxtReadMemory()
 * would build from simple HTML, or NULL when the input is not simple
 * enough (what it built so far stays in the arena).
 */
struct htmltree;
struct htmltree	*htmlfast_parse(struct arena *, const char *utf8,
		    size_t len);
/* For tests: the source line and input offset of the last refusal. */
extern _Thread_local int htmlfast_declined_at;
extern _Thread_local size_t htmlfast_declined_pos;

/* attach.c: libmagic sniffing and zip central directories. */
char	*attach_sniff(struct arena *, const unsigned char *, size_t);
int	 attach_zip_names(struct mime_ctx *, struct part *);

/*
 * mimeparse.c: the part structure of ordinary messages without GMime.
 * mimeparse_run() returns 0 with the tree in nodes (pre-order, like
 * message.parts), or 1 when GMime must do it (see mimeparse.c); strings
 * are offsets into pool, MIMEPARSE_NONE when absent.
 */
#define MIMEPARSE_NONE	((size_t)-1)

enum mimeparse_kind { MP_LEAF, MP_MULTIPART, MP_MESSAGE };
enum mimeparse_enc { MP_ENC_DEFAULT, MP_ENC_7BIT, MP_ENC_8BIT,
	MP_ENC_BINARY, MP_ENC_BASE64, MP_ENC_QP };

struct mimeparse_node {
	int			 parent;	/* node index, -1 for root */
	unsigned		 depth;
	size_t			 end;		/* first node after subtree */
	enum mimeparse_kind	 kind;
	enum mimeparse_enc	 enc;		/* Content-Transfer-Encoding */
	size_t			 off, len;	/* leaf content in the input */
	size_t			 type, subtype;	/* as written */
	size_t			 charset, disposition, filename, name;
};

struct mimeparse {
	struct mimeparse_node	*nodes;
	size_t			 n_nodes, cap_nodes;
	char			*pool;
	size_t			 pool_len, pool_cap;
};

/*
 * What message.c already knows of the input it hands on, so that
 * mimeparse_run() need not find it again: whether the input is free of
 * NUL bytes, and, when message.c split the top-level header block whole
 * (every field recorded, ended by its empty line, nothing declined on
 * the way), its Content-Type, Content-Disposition and
 * Content-Transfer-Encoding fields as mimeparse_top_fields() picks them
 * and the offset of the first body byte.
 */
struct mimeparse_field {
	const char	*v;	/* raw value after the colon, line ends kept */
	size_t		 n;
	bool		 seen;
};

struct mimeparse_top {
	bool			 nul_free;	/* no NUL in the input */
	bool			 headers;	/* the fields below are set */
	struct mimeparse_field	 ct, cd, cte;
	size_t			 content;
};

int	 mimeparse_top_fields(struct mimeparse_top *,
	    const struct header *, size_t n, size_t content);
int	 mimeparse_run(struct mimeparse *, const char *data, size_t len,
	    size_t max_nodes, size_t max_depth, const struct mimeparse_top *);
const char *mimeparse_str(const struct mimeparse *, size_t off);
void	 mimeparse_free(struct mimeparse *);

/*
 * mimetree.c: the part tree, by mimeparse.c when it can, else GMime.
 * mimetree_fast_path(false) makes this thread use GMime only (tests);
 * mimetree_used_fast_path() tells whether this thread's last
 * mimetree_build() took the fast path.
 */
void	 mimetree_global_init(void);	/* g_mime_init etc., once */
int	 mimetree_build(struct mime_ctx *, const char *data, size_t len);
void	 mimetree_fast_path(bool on);
/* Tests: false makes mimeparse.c find NULs and the top fields itself. */
void	 mimetree_reuse_top(bool on);
bool	 mimetree_used_fast_path(void);
/* A text part's CRLF and lone CR to LF, in place; NUL at the new end. */
size_t	 mime_to_lf(char *, size_t);
/* A base64 body decoded (RFC 2045 6.8); *bad when a byte was skipped. */
unsigned char	*mime_decode_base64(struct arena *, const char *, size_t,
		    size_t *outlen, bool *bad);

/*
 * A 256-entry table written out by the preprocessor from f, a macro of
 * one byte value (the base64 digit tables of mimetree.c and rfc2047.c).
 */
#define MIME_X4(f, c)	f(c), f((c) + 1), f((c) + 2), f((c) + 3)
#define MIME_X16(f, c)	MIME_X4(f, c), MIME_X4(f, (c) + 4),		\
	MIME_X4(f, (c) + 8), MIME_X4(f, (c) + 12)
#define MIME_X64(f, c)	MIME_X16(f, c), MIME_X16(f, (c) + 16),		\
	MIME_X16(f, (c) + 32), MIME_X16(f, (c) + 48)
#define MIME_X256(f)	MIME_X64(f, 0), MIME_X64(f, 64), MIME_X64(f, 128), \
	MIME_X64(f, 192)

/* A byte's value as a base64 digit (RFC 2045 6.8), -1 outside it. */
#define MIME_B64_DIGIT(c)						\
	((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' :				\
	(c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26 :			\
	(c) >= '0' && (c) <= '9' ? (c) - '0' + 52 :			\
	(c) == '+' ? 62 : (c) == '/' ? 63 : -1)

/*
 * A base64 digit's value v placed at its shift s in a quantum of four
 * (18, 12, 6, 0), or MIME_B64_BAD for a byte outside the alphabet
 * (v < 0): ORing a quantum's four gives its three bytes, or a word with
 * MIME_B64_BAD set.
 */
#define MIME_B64_BAD	0x80000000u
#define MIME_B64S(v, s)	((v) < 0 ? MIME_B64_BAD : (uint32_t)(v) << (s))

#endif
