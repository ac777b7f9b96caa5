/*
 * str.h - small string helpers for (pointer, length) text.
 *
 * Wire data is never assumed NUL-terminated; these take explicit lengths.
 * Case folding is ASCII only, as the protocols (RFC 5321/5322 header
 * names, DNS labels, SPF/DKIM tags) define it.
 */
#ifndef MT_STR_H
#define MT_STR_H

#include <stdbool.h>
#include <stddef.h>

bool	str_ieq(const char *a, size_t alen, const char *b);	/* b is C string */
bool	str_ieqn(const char *a, size_t alen, const char *b, size_t blen);
bool	str_iprefix(const char *s, size_t len, const char *prefix);
bool	str_isuffix(const char *s, size_t len, const char *suffix);
const char *str_imem(const char *hay, size_t hlen, const char *needle,
	    size_t nlen);
void	str_trim(const char **s, size_t *len);		/* ASCII space/tab/CR/LF */
void	str_lower(char *s);					/* in place, ASCII */
/* Parses a decimal integer; -1 on junk or overflow of max. */
long long	str_to_ll(const char *s, size_t len, long long max);

/* ASCII lower case; inline, as it runs once per byte of a message. */
static inline int
str_lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

#endif
