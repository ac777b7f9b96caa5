/*
 * spf_macro.c - SPF macro strings: syntax check and expansion.
 *
 * RFC 7208 7.1 (syntax), 7.2 (letters), 7.3 (transformers, delimiters,
 * URL escaping of upper-case letters), 7.4 (the %{i} form of IPv6).
 *
 * Syntax is checked when a record is parsed, so a bad macro anywhere in
 * a record is a permerror before any term is evaluated (4.6); expansion
 * happens when a term is reached, because %{d} and %{p} depend on where
 * evaluation stands.
 *
 * Memory: expansions are built in a fixed buffer on the stack and copied
 * into the caller's arena.  Limits: SPF_MAX_EXPANSION bytes per result;
 * a transformer's part count is capped at SPF_MACRO_MAX_PARTS, far above
 * the 128 parts 7.3 asks implementations to support.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "auth/spf.h"
#include "util/arena.h"

#define SPF_MACRO_MAX_PARTS	1024

struct out {
	char	 buf[SPF_MAX_EXPANSION + 1];
	size_t	 len;
	bool	 overflow;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->overflow || n > SPF_MAX_EXPANSION - o->len) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void
putc_(struct out *o, char c)
{
	put(o, &c, 1);
}

static bool
is_letter(int c, bool exp)
{
	switch (c | 0x20) {
	case 's': case 'l': case 'o': case 'd': case 'i': case 'p':
	case 'h': case 'v':
		return true;
	case 'c': case 'r': case 't':
		/* 7.2: only explanation text knows these three. */
		return exp;
	}
	return false;
}

static bool
is_delim(int c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' ||
	    c == '_' || c == '=';
}

/*
 * One "%{...}" starting at s[i] == '%' and s[i + 1] == '{'.  Returns the
 * index after '}' or 0 on a syntax error; fills the pieces.
 */
static size_t
scan_expand(const char *s, size_t len, size_t i, bool exp, int *letter,
    unsigned *digits, bool *reverse, const char **delims, size_t *ndelims)
{
	unsigned n = 0;
	bool have_digits = false;

	i += 2;
	if (i >= len || !is_letter((unsigned char)s[i], exp))
		return 0;
	*letter = (unsigned char)s[i++];
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		have_digits = true;
		/* Past the cap every value means "all parts" anyway. */
		if (n < SPF_MACRO_MAX_PARTS)
			n = n * 10 + (unsigned)(s[i] - '0');
		i++;
	}
	/* 7.3: a DIGIT transformer, when given, must not be zero. */
	if (have_digits && n == 0)
		return 0;
	*digits = n;
	*reverse = false;
	if (i < len && (s[i] == 'r' || s[i] == 'R')) {
		*reverse = true;
		i++;
	}
	*delims = s + i;
	while (i < len && is_delim((unsigned char)s[i]))
		i++;
	*ndelims = (size_t)(s + i - *delims);
	if (i >= len || s[i] != '}')
		return 0;
	return i + 1;
}

const char *
spf_macro_check(const char *s, size_t len, bool exp, bool *ends_in_macro)
{
	const char *delims;
	size_t i = 0, nd, next;
	unsigned digits;
	bool rev, last_macro = false;
	int letter, c;

	while (i < len) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 1 >= len)
				return "'%' at the end of a macro string";
			c = (unsigned char)s[i + 1];
			if (c == '%' || c == '_' || c == '-') {
				i += 2;
				last_macro = true;
				continue;
			}
			if (c != '{')
				return "'%' not followed by { % _ or -";
			if ((next = scan_expand(s, len, i, exp, &letter,
			    &digits, &rev, &delims, &nd)) == 0)
				return "malformed macro";
			i = next;
			last_macro = true;
			continue;
		}
		/* 7.1: macro-literal is visible ASCII; SP only in exp text. */
		if (c < 0x21 || c > 0x7e) {
			if (!(exp && c == ' '))
				return "character not allowed in a macro";
		}
		last_macro = false;
		i++;
	}
	if (ends_in_macro != NULL)
		*ends_in_macro = last_macro;
	return NULL;
}

/* 7.3: unreserved characters of RFC 3986 pass, the rest is %XX. */
static void
put_escaped(struct out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	size_t i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			putc_(o, (char)c);
		else {
			putc_(o, '%');
			putc_(o, hex[c >> 4]);
			putc_(o, hex[c & 15]);
		}
	}
}

/* The raw value of a macro letter, into buf when it must be built. */
static const char *
letter_value(const struct spf_macro_env *env, int letter, char *buf,
    size_t buflen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o;

	switch (letter | 0x20) {
	case 's':
		return env->sender ? env->sender : "";
	case 'l':
		return env->local ? env->local : "";
	case 'o':
		return env->sender_domain ? env->sender_domain : "";
	case 'd':
		return env->domain ? env->domain : "";
	case 'h':
		return env->helo ? env->helo : "";
	case 'r':
		return env->receiver ? env->receiver : "unknown";
	case 'v':
		return env->family == AF_INET6 ? "ip6" : "in-addr";
	case 't':
		snprintf(buf, buflen, "%lld", (long long)env->now);
		return buf;
	case 'c':
		if (inet_ntop(env->family, env->ip, buf,
		    (socklen_t)buflen) == NULL)
			return "";
		return buf;
	case 'i':
		if (env->family == AF_INET) {
			snprintf(buf, buflen, "%u.%u.%u.%u", env->ip[0],
			    env->ip[1], env->ip[2], env->ip[3]);
			return buf;
		}
		/*
		 * 7.3: IPv6 as 32 dot-separated nibbles.  DNS ignores case;
		 * explanation text shows upper case, as the openspf suite
		 * expects.
		 */
		for (i = 0, o = 0; i < 16 && o + 4 < buflen; i++) {
			buf[o++] = hex[env->ip[i] >> 4];
			buf[o++] = '.';
			buf[o++] = hex[env->ip[i] & 15];
			buf[o++] = '.';
		}
		buf[o > 0 ? o - 1 : 0] = '\0';
		return buf;
	case 'p':
		if (env->validated != NULL) {
			const char *p = env->validated(env->validated_arg,
			    env->domain);
			if (p != NULL)
				return p;
		}
		return "unknown";
	}
	return "";
}

static bool
in_set(int c, const char *set, size_t n)
{
	return n > 0 && memchr(set, c, n) != NULL;
}

/*
 * 7.3: split the value on the delimiters, optionally reverse, keep the
 * rightmost `digits` parts, join them with dots.
 */
static void
put_transformed(struct out *o, const char *v, int letter, unsigned digits,
    bool reverse, const char *delims, size_t nd)
{
	struct out tmp;
	size_t vlen = strlen(v), nparts = 1, i, start, first, k;
	size_t pstart[SPF_MACRO_MAX_PARTS], plen[SPF_MACRO_MAX_PARTS];
	bool escape = letter >= 'A' && letter <= 'Z';

	if (nd == 0) {
		delims = ".";
		nd = 1;
	}
	if (digits == 0 && !reverse && nd == 1 && delims[0] == '.') {
		/* The common case: the value unchanged. */
		if (escape)
			put_escaped(o, v, vlen);
		else
			put(o, v, vlen);
		return;
	}
	nparts = 0;
	start = 0;
	for (i = 0; i <= vlen; i++) {
		if (i == vlen || in_set((unsigned char)v[i], delims, nd)) {
			if (nparts == SPF_MACRO_MAX_PARTS) {
				o->overflow = true;
				return;
			}
			pstart[nparts] = start;
			plen[nparts] = i - start;
			nparts++;
			start = i + 1;
		}
	}
	if (reverse) {
		for (i = 0; i < nparts / 2; i++) {
			size_t ts = pstart[i], tl = plen[i];

			pstart[i] = pstart[nparts - 1 - i];
			plen[i] = plen[nparts - 1 - i];
			pstart[nparts - 1 - i] = ts;
			plen[nparts - 1 - i] = tl;
		}
	}
	first = digits > 0 && digits < nparts ? nparts - digits : 0;
	tmp.len = 0;
	tmp.overflow = false;
	for (k = first; k < nparts; k++) {
		if (k > first)
			putc_(&tmp, '.');
		put(&tmp, v + pstart[k], plen[k]);
	}
	if (tmp.overflow) {
		o->overflow = true;
		return;
	}
	if (escape)
		put_escaped(o, tmp.buf, tmp.len);
	else
		put(o, tmp.buf, tmp.len);
}

char *
spf_macro_expand(const struct spf_macro_env *env, struct arena *a,
    const char *s, size_t len, bool exp)
{
	struct out o;
	const char *delims, *v;
	char vbuf[128];
	size_t i = 0, nd, next;
	unsigned digits;
	bool rev;
	int letter, c;

	o.len = 0;
	o.overflow = false;
	while (i < len && !o.overflow) {
		c = (unsigned char)s[i];
		if (c != '%') {
			putc_(&o, (char)c);
			i++;
			continue;
		}
		if (i + 1 >= len)
			return NULL;
		switch (s[i + 1]) {
		case '%':
			putc_(&o, '%');
			i += 2;
			continue;
		case '_':
			putc_(&o, ' ');
			i += 2;
			continue;
		case '-':
			put(&o, "%20", 3);
			i += 2;
			continue;
		}
		if ((next = scan_expand(s, len, i, exp, &letter, &digits,
		    &rev, &delims, &nd)) == 0)
			return NULL;
		v = letter_value(env, letter, vbuf, sizeof(vbuf));
		put_transformed(&o, v, letter, digits, rev, delims, nd);
		i = next;
	}
	if (o.overflow)
		return NULL;
	return arena_strndup(a, o.buf, o.len);
}
