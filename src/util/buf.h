/*
 * buf.h - a growable byte buffer with a ceiling (heap, not arena).
 *
 * For output that outlives a message or is built before a message exists:
 * reading a file or a socket, rendering JSON or a report.  Every buffer
 * has a maximum size set at init; appends past it fail with -1 and leave
 * the buffer as it was, so a caller can never be made to grow without
 * bound.  The data is always NUL-terminated for convenience, but may hold
 * NUL bytes; use len.
 */
#ifndef MT_BUF_H
#define MT_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

void	buf_init(struct buf *, size_t max);
void	buf_free(struct buf *);
void	buf_reset(struct buf *);
/* Room for extra more bytes now; -1 (buffer unchanged) past max. */
int	buf_reserve(struct buf *, size_t extra);
int	buf_add(struct buf *, const void *, size_t);
int	buf_addc(struct buf *, char);
int	buf_adds(struct buf *, const char *);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	buf_vprintf(struct buf *, const char *, va_list);
/* Reads the whole stream; -1 on read error or when it exceeds max. */
int	buf_read_stream(struct buf *, FILE *);
int	buf_read_file(struct buf *, const char *path);
/* Hands the data to the caller (free() it); the buffer is left empty. */
char	*buf_steal(struct buf *);

#endif
