/*
 * jsonw.h - a streaming JSON writer into a struct buf (see jsonw.c).
 *
 * The caller says what comes next (object, key, string, number, ...);
 * the writer adds the commas and colons, escapes strings (RFC 8259
 * section 7) and keeps the nesting, up to JSONW_DEPTH_MAX.  The text is
 * compact, byte for byte what jansson's json_dumps() writes for the same
 * value with JSON_COMPACT (and JSON_ENSURE_ASCII when JSONW_ASCII is
 * given), so a front end can stop building a json_t tree first.
 *
 * Errors: a value jansson would refuse (a string that is not UTF-8, a
 * real that is not finite) returns -1 and leaves the writer as it was,
 * so the caller can leave the member out as a json_t object would.  A
 * full buffer or a misuse (too deep, an end without a begin) makes the
 * writer fail for good; jsonw_finish() reports it.
 *
 * Memory: the writer allocates nothing itself; struct jsonw holds a
 * staging block of JSONW_STAGE bytes (it can live on the stack), and the
 * buffer grows only through buf_add(), within its maximum.
 */
#ifndef MT_JSONW_H
#define MT_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define JSONW_DEPTH_MAX	64	/* nested objects and arrays */
#define JSONW_STAGE	4096	/* bytes written between two buf_add()s */

#define JSONW_ASCII	0x1	/* non-ASCII as \uXXXX (JSON_ENSURE_ASCII) */

struct jsonw {
	struct buf	*b;
	unsigned	 flags;
	unsigned	 depth;
	uint64_t	 more;		/* bit d-1: level d has a member */
	uint64_t	 obj;		/* bit d-1: level d is an object */
	bool		 after_key;	/* the next value follows a key */
	bool		 failed;
	size_t		 n;		/* bytes in stage */
	char		 stage[JSONW_STAGE];
};

void	jsonw_init(struct jsonw *, struct buf *, unsigned flags);
/*
 * Appends what is still staged to the buffer: call it before reading
 * the buffer.  0 when one whole value was written and nothing failed.
 */
int	jsonw_finish(struct jsonw *);

void	jsonw_object(struct jsonw *);
void	jsonw_object_end(struct jsonw *);
void	jsonw_array(struct jsonw *);
void	jsonw_array_end(struct jsonw *);
/* An object's key; it must be UTF-8 (a programming error otherwise). */
void	jsonw_key(struct jsonw *, const char *);
/*
 * A key known when compiling, as the bytes "key": made by the compiler:
 * JSONW_KEY(w, "name").  The key must need no escape (no '"', '\\',
 * control or non-ASCII byte): it is copied as it is.
 */
#define JSONW_QUOTED(k)	"\"" k "\":", sizeof(k) + 2
#define JSONW_KEY(w, k)	jsonw_key_quoted((w), JSONW_QUOTED(k))
void	jsonw_key_quoted(struct jsonw *, const char *, size_t);

/* NULL is written as null; -1 (nothing written) if not UTF-8. */
int	jsonw_string(struct jsonw *, const char *);
int	jsonw_stringn(struct jsonw *, const char *, size_t);
/*
 * A member of string value, its key as for jsonw_key_quoted(): neither
 * is written (-1) when the string is not UTF-8, as a json_t object
 * leaves out a member whose value json_string() refused.
 */
int	jsonw_member_stringn(struct jsonw *, const char *quoted, size_t qlen,
	    const char *, size_t);
/*
 * Any bytes as a string: each byte that does not start a well-formed
 * UTF-8 character becomes U+FFFD.  When there was such a byte, the
 * repaired text keeps only the characters that fit in max bytes.
 */
void	jsonw_text(struct jsonw *, const char *, size_t, size_t max);
void	jsonw_int(struct jsonw *, long long);
/* As jansson's "%.17g" with ".0" added; -1 (nothing written) if not finite. */
int	jsonw_real(struct jsonw *, double);
void	jsonw_bool(struct jsonw *, bool);
void	jsonw_null(struct jsonw *);

/*
 * The length of the well-formed UTF-8 character at s (RFC 3629 section
 * 4: no overlong forms, no surrogates, nothing past U+10FFFF), or 0.
 */
size_t	jsonw_utf8_char(const char *s, size_t avail, uint32_t *cp);
bool	jsonw_utf8_valid(const char *, size_t);

#endif
