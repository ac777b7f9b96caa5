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
#include <time.h>

#include "mime/message.h"

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

/* attach.c: libmagic sniffing and zip central directories. */
char	*attach_sniff(struct arena *, const unsigned char *, size_t);
int	 attach_zip_names(struct mime_ctx *, struct part *);

/* mimetree.c: the part tree, through GMime. */
void	 mimetree_global_init(void);	/* g_mime_init etc., once */
int	 mimetree_build(struct mime_ctx *, const char *data, size_t len);

#endif
