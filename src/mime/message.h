/*
 * message.h - the parsed message every check reads.
 *
 * message_parse() reads a raw RFC 5322 message (CRLF or bare LF line
 * ends, or a mix) once and builds this model in the caller's arena.  The
 * model keeps pointers into the caller's input (header raw bytes, the
 * body), so the input must outlive the arena's use of the message.
 *
 * Nothing here ever fails on bad input: a message that breaks a rule or
 * a limit still yields a model, with the problem noted as a defect bit
 * (and a short description in defect_notes).  Only allocation failure
 * (the arena's ceiling) can make message_parse() return NULL.
 *
 * Standards: RFC 5322 (header fields, addresses incl. section 4 obsolete
 * syntax), RFC 2045-2049 (MIME), RFC 2047 (encoded words), RFC 2231
 * (parameter continuations and charsets), RFC 5321 4.4 (Received).
 */
#ifndef MT_MESSAGE_H
#define MT_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct arena;

/* Named ceilings; every axis of growth has one. */
struct message_limits {
	size_t	max_size;		/* bytes of input considered */
	size_t	max_header_bytes;	/* the top-level header block */
	size_t	max_headers;		/* fields in one header block */
	size_t	max_parts;		/* MIME parts in the whole tree */
	size_t	max_depth;		/* multipart / message nesting */
	size_t	max_text;		/* decoded text kept per text part */
	size_t	max_links;		/* links kept from the whole message */
	size_t	max_archive_entries;	/* names read from one zip */
	size_t	max_received;		/* Received fields parsed */
	size_t	max_addresses;		/* addresses kept per header */
};

const struct message_limits *message_default_limits(void);

/* message.text holds at most this many times max_text bytes. */
#define MESSAGE_JOINED_TEXT_PARTS	4

/* Defects: bad input recorded as data.  Bit positions are stable. */
enum message_defect {
	MSG_DEF_TRUNCATED	= 1u << 0,	/* over max_size: rest ignored */
	MSG_DEF_NO_BODY_SEP	= 1u << 1,	/* no empty line after headers */
	MSG_DEF_HEADER_SYNTAX	= 1u << 2,	/* line without colon etc. */
	MSG_DEF_TOO_MANY_HEADERS = 1u << 3,
	MSG_DEF_TOO_MANY_PARTS	= 1u << 4,
	MSG_DEF_TOO_DEEP	= 1u << 5,
	MSG_DEF_NO_FROM		= 1u << 6,
	MSG_DEF_MULTIPLE_FROM	= 1u << 7,	/* more than one From field */
	MSG_DEF_BAD_FROM	= 1u << 8,	/* From has no usable address */
	MSG_DEF_NO_DATE		= 1u << 9,
	MSG_DEF_BAD_DATE	= 1u << 10,
	MSG_DEF_NO_MESSAGE_ID	= 1u << 11,
	MSG_DEF_8BIT_HEADER	= 1u << 12,	/* raw non-ASCII in a header */
	MSG_DEF_BAD_ENCODING	= 1u << 13,	/* broken base64/QP/2047 */
	MSG_DEF_BAD_CHARSET	= 1u << 14,	/* unknown or lying charset */
	MSG_DEF_BAD_MULTIPART	= 1u << 15,	/* no boundary, unterminated */
	MSG_DEF_NUL_BYTES	= 1u << 16,
	MSG_DEF_LONG_LINE	= 1u << 17,	/* over RFC 5322 2.1.1's 998 */
	MSG_DEF_DUP_HEADER	= 1u << 18,	/* duplicate single-use field */
	MSG_DEF_TOO_MANY_LINKS	= 1u << 19,
	MSG_DEF_ARCHIVE		= 1u << 20,	/* unreadable zip directory */
	MSG_DEF_MIXED_EOL	= 1u << 21,	/* CRLF and bare LF mixed */
};
#define MSG_DEF_COUNT	22

const char	*message_defect_name(unsigned bit_index);	/* "no-from" */

struct header {
	const char	*name;		/* points into input; name_len bytes */
	size_t		 name_len;
	const char	*raw;		/* whole field incl. name and line end */
	size_t		 raw_len;
	const char	*value;		/* raw value after the colon, folded */
	size_t		 value_len;
	char		*decoded;	/* unfolded, RFC 2047-decoded UTF-8 */
};

struct address {
	char	*display;	/* decoded UTF-8 display name or NULL */
	char	*local;		/* local part as written (unquoted) */
	char	*domain;	/* domain, lower-cased; NULL if none */
	char	*addr;		/* "local@domain" (lower-cased domain) */
	char	*group;		/* group name when inside a group, or NULL */
};

struct address_list {
	struct address	*v;
	size_t		 n;
};

/* One Received field, RFC 5321 4.4 / RFC 5322 3.6.7. */
struct received {
	char	*from_helo;	/* name given in HELO/EHLO */
	char	*from_rdns;	/* reverse name the receiver found */
	char	*ip;		/* client address, textual, no brackets */
	char	*by;		/* receiving host */
	char	*with;		/* protocol (ESMTP, ESMTPSA, LMTP, ...) */
	char	*id;
	char	*for_addr;
	time_t	 date;		/* after the ';', 0 when missing/bad */
	const struct header *hdr;
};

enum link_flags {
	LINK_BUTTON	= 1u << 0,	/* styled or placed as a button */
	LINK_IMAGE	= 1u << 1,	/* wraps an <img> */
	LINK_TEXT_URL	= 1u << 2,	/* found in plain text, not <a> */
	LINK_FORM	= 1u << 3,	/* a form action */
	LINK_AREA	= 1u << 4,	/* <area href> of an image map */
};

struct link {
	char		*href;		/* as written, entity-decoded, trimmed */
	char		*text;		/* visible text (UTF-8), may be "" */
	char		*img_alt;	/* alt text of a wrapped image */
	unsigned	 flags;
	size_t		 part;		/* index into message.parts */
};

struct form {
	char	*action;	/* NULL when absent (posts to itself) */
	char	*method;
	bool	 has_password;	/* <input type=password> inside */
	size_t	 part;
};

struct part {
	size_t		 index;
	int		 parent;	/* parent index, -1 for the root */
	unsigned	 depth;		/* root = 0 */
	char		*content_type;	/* lower-cased "type/subtype" */
	char		*charset;	/* declared, lower-cased, or NULL */
	char		*transfer_encoding;
	char		*disposition;	/* "inline" / "attachment" / NULL */
	char		*filename;	/* RFC 2231/2047-decoded UTF-8 */
	char		*sniffed;	/* libmagic MIME type of the content */
	const unsigned char *data;	/* decoded content (arena) */
	size_t		 size;		/* decoded size (may exceed kept data) */
	char		*text;		/* text parts: UTF-8, for html: visible */
	size_t		 text_len;
	bool		 is_multipart;
	bool		 is_message;	/* message/rfc822 container */
	bool		 is_attachment;	/* named, or disposition=attachment */
	bool		 is_html;
	char		**archive_names; /* names inside a zip, UTF-8 */
	size_t		 n_archive_names;
	bool		 archive_encrypted; /* some zip entry is encrypted */
};

struct message {
	const char	*raw;		/* the input after any mbox "From "
					   line, not copied */
	size_t		 raw_len;	/* after max_size truncation */
	size_t		 header_len;	/* bytes of the top header block */
	const char	*body;		/* after the empty line (DKIM body) */
	size_t		 body_len;
	bool		 crlf;		/* CRLF line ends (else bare LF) */

	struct header	*headers;	/* top-level fields, in order */
	size_t		 n_headers;

	struct address_list from, sender, reply_to, to, cc, bcc;
	struct address_list return_path;
	char		*subject;	/* decoded UTF-8 or NULL */
	char		*message_id;	/* inside the <>, without them */
	time_t		 date;		/* 0 when missing or unparsable */

	struct received	*received;	/* top (newest) first */
	size_t		 n_received;

	struct part	*parts;		/* pre-order; parts[0] is the root */
	size_t		 n_parts;
	struct link	*links;
	size_t		 n_links;
	struct form	*forms;
	size_t		 n_forms;

	char		*text;		/* all visible text, joined, UTF-8 */
	size_t		 text_len;

	uint32_t	 defects;	/* enum message_defect bits */
	char		*defect_notes;	/* "; "-joined details, or NULL */
};

/*
 * Parses data[0..len) into a model allocated in the arena.  limits may be
 * NULL for the defaults.  Returns NULL only when the arena is exhausted.
 */
struct message	*message_parse(struct arena *, const char *data, size_t len,
		    const struct message_limits *);

/* The nth (0-based) top-level field of that name, case-insensitive. */
const struct header *message_header(const struct message *, const char *name,
		    size_t nth);
size_t		 message_header_count(const struct message *, const char *name);

/*
 * Parses an address-list header value (RFC 5322 3.4, with the obsolete
 * forms of 4.4) into the arena.  Exposed for checks and tests.  Keeps at
 * most max addresses.  Returns 0 when every item was a clean address, 1
 * when something was malformed, dropped as no address ("user at host"),
 * or cut at max, -1 when the arena is exhausted.  "<>" yields one
 * address whose addr and local are "" (the null reverse-path).
 */
int		 message_parse_addresses(struct arena *, const char *value,
		    size_t len, size_t max, struct address_list *out);

/* RFC 2047 decoding of an unstructured header value into UTF-8. */
char		*message_decode_header(struct arena *, const char *value,
		    size_t len);

#endif
