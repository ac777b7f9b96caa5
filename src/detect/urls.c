/*
 * urls.c - link targets taken apart for the link checks.
 *
 * URLs are parsed by libcurl's URL API (RFC 3986 with WHATWG-style
 * leniency: it normalises numeric IPv4 forms such as "0x7f.1", which a
 * browser would also accept and a phisher uses to hide an address).
 * One CURLU handle is reused for all links of a message; what we keep
 * is copied into the message's arena.  The plain "http(s)://host/path"
 * shape that most links have is read here without curl (fast_parse(),
 * which hands anything curl would rewrite or judge to curl; the unit
 * test compares the two over generated and corpus links).  The
 * registrable domain ("public suffix plus one label", the unit a person
 * registers) comes from libpsl's built-in list, read-only and shared.
 *
 * Also here: reading a link's visible text as a host name, and finding
 * a second URL carried in a query string (an open redirect hop).  Those
 * two are cursor scans over (pointer, length) with fixed ceilings.
 *
 * Limits: hrefs beyond URLS_MAX_HREF bytes are cut before parsing (a
 * host is always at the front); a redirect parameter is decoded up to
 * URLS_MAX_REDIRECT bytes.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <idn2.h>
#include <libpsl.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "detect.h"
#include "util/arena.h"
#include "util/str.h"

#define URLS_MAX_REDIRECT	2048
#define URLS_MAX_HOST		253	/* RFC 1035 2.3.4 */

void *
urls_handle(void)
{
	return curl_url();
}

void
urls_handle_free(void *h)
{
	if (h != NULL)
		curl_url_cleanup(h);
}

static char *
part(struct arena *a, CURLU *h, CURLUPart what)
{
	char *v = NULL, *copy = NULL;

	if (curl_url_get(h, what, &v, 0) == CURLUE_OK && v != NULL)
		copy = arena_strdup(a, v);
	curl_free(v);
	return copy;
}

static bool	host_char(int);

static bool
is_ip(const char *host)
{
	unsigned char buf[16];
	char tmp[64];
	size_t n;

	if (host[0] == '[') {
		n = strlen(host);
		if (n < 3 || n - 2 >= sizeof(tmp) || host[n - 1] != ']')
			return false;
		memcpy(tmp, host + 1, n - 2);
		tmp[n - 2] = '\0';
		return inet_pton(AF_INET6, tmp, buf) == 1;
	}
	return inet_pton(AF_INET, host, buf) == 1;
}

/*
 * The bytes fast_parse() must look at after the host: 1 for one that
 * sends the link to curl (a control byte, blank, DEL, 8-bit byte or
 * backslash), 2 for '#', '.' and '?', which end the path or query or
 * may start a dot segment; 0 for the rest, which are passed over.
 */
static const unsigned char path_byte[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/*
 * The shape nearly every link has, read without libcurl: "http://" or
 * "https://" (any case), a host of letters, digits, hyphens and dots,
 * then the end or '/', '?' or '#'.  Everything that curl would rewrite
 * or that needs its judgement goes to curl instead: a port or userinfo
 * (a byte other than those after the host), a host that might be a
 * numeric IPv4 form ("0x7f.1": its last label must start with a letter)
 * or that has an empty label, a path with a dot segment ("/." anywhere:
 * RFC 3986 5.2.4 removes them), an empty query, any byte outside
 * 0x21..0x7e, and a backslash.  curl keeps the rest as written: the
 * path up to '?' or '#' ("/" when empty), the query up to '#'.
 * Returns 1 with u's host, scheme, path and query set, 0 when curl
 * must read href, -1 when the arena is full.
 */
static int
fast_parse(struct arena *a, const char *href, size_t n, struct url *u)
{
	const char *h, *end = href + n, *q, *path, *qs = NULL, *qe = NULL;
	const char *pe = NULL, *label;
	size_t sl, hl, i;
	char *lc;

	if (n > 7 && str_lcprefix(href, n, "http://", 7))
		sl = 4;
	else if (n > 8 && str_lcprefix(href, n, "https://", 8))
		sl = 5;
	else
		return 0;
	h = href + sl + 3;
	for (q = h, label = h; q < end && host_char((unsigned char)*q); q++)
		if (*q == '.') {
			if (q == label)
				return 0;	/* ".x" or "x..y" */
			label = q + 1;
		}
	hl = (size_t)(q - h);
	if (hl == 0 || (q < end && *q != '/' && *q != '?' && *q != '#'))
		return 0;
	/* The last label, before one closing dot. */
	if (label == q && hl > 1) {
		for (label = q - 1; label > h && label[-1] != '.'; label--)
			;
	}
	if (!((*label >= 'a' && *label <= 'z') ||
	    (*label >= 'A' && *label <= 'Z')))
		return 0;
	for (path = q; q < end; q++) {
		if (path_byte[(unsigned char)*q] == 0)
			continue;
		if (path_byte[(unsigned char)*q] == 1)
			return 0;
		if (pe == NULL && (*q == '?' || *q == '#')) {
			pe = q;
			if (*q == '?')
				qs = q + 1;
		} else if (qs != NULL && qe == NULL && *q == '#')
			qe = q;
		else if (pe == NULL && *q == '.' && q[-1] == '/')
			return 0;	/* a dot segment, maybe */
	}
	if (pe == NULL)
		pe = end;
	if (qs != NULL && qe == NULL)
		qe = end;
	if (qs != NULL && qe == qs)
		return 0;
	if ((u->scheme = arena_strdup(a, sl == 4 ? "http" : "https")) ==
	    NULL || (u->host = lc = arena_alloc_raw(a, hl + 1)) == NULL ||
	    (u->path = pe > path ? arena_strndup(a, path,
	    (size_t)(pe - path)) : arena_strdup(a, "/")) == NULL ||
	    (qs != NULL && (u->query = arena_strndup(a, qs,
	    (size_t)(qe - qs))) == NULL))
		return -1;
	for (i = 0; i < hl; i++)
		lc[i] = (char)str_lc((unsigned char)h[i]);
	lc[hl] = '\0';
	return 1;
}

/*
 * What urls_parse() keeps of a URL, read by curl (the handle emptied
 * first: one that holds a URL resolves the next relative to it, as a
 * redirect).  0, or -1 when curl refuses it or it has no host.
 */
static int
curl_parse(struct arena *a, CURLU *handle, const char *href, struct url *u)
{
	char *user = NULL;

	(void)curl_url_set(handle, CURLUPART_URL, NULL, 0);
	if (curl_url_set(handle, CURLUPART_URL, href,
	    CURLU_NON_SUPPORT_SCHEME | CURLU_GUESS_SCHEME |
	    CURLU_ALLOW_SPACE) != CURLUE_OK)
		return -1;
	if ((u->host = part(a, handle, CURLUPART_HOST)) == NULL ||
	    u->host[0] == '\0')
		return -1;
	u->scheme = part(a, handle, CURLUPART_SCHEME);
	if (u->scheme == NULL)
		u->scheme = "";
	u->path = part(a, handle, CURLUPART_PATH);
	u->query = part(a, handle, CURLUPART_QUERY);
	if (curl_url_get(handle, CURLUPART_USER, &user, 0) == CURLUE_OK &&
	    user != NULL && user[0] != '\0')
		u->userinfo = true;
	curl_free(user);
	return 0;
}

/*
 * Any href through curl, unless its scheme is not the web's.  0, or -1
 * when it is no link with a host.
 */
static int
slow_parse(struct arena *a, CURLU *handle, const char *href, struct url *u)
{
	const char *p;
	char *cut;

	/*
	 * A scheme other than the web's (mailto:, tel:, cid:) has no host
	 * worth judging; curl would guess "mailto" to be a host name.
	 */
	for (p = href; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.';
	    p++)
		;
	/* ("www.x.de:8080/" is a host and port, not a scheme.) */
	if (*p == ':' && p > href && !str_iprefix(href, (size_t)(p - href) +
	    1, "http:") && !str_iprefix(href, (size_t)(p - href) + 1,
	    "https:") && !str_iprefix(href, (size_t)(p - href) + 1, "ftp:") &&
	    !(p[1] >= '0' && p[1] <= '9' && memchr(href, '.',
	    (size_t)(p - href)) != NULL))
		return -1;
	/* "//host/..." is scheme-relative: a browser would use http(s). */
	if (href[0] == '/' && href[1] == '/') {
		if ((cut = arena_printf(a, "http:%s", href)) == NULL)
			return -1;
		href = cut;
	}
	return curl_parse(a, handle, href, u);
}

static int	parse(struct arena *, void *, const char *, struct url *,
		    bool);

int
urls_parse(struct arena *a, void *handle, const char *href, struct url *u)
{
	return parse(a, handle, href, u, true);
}

int
urls_parse_curl(struct arena *a, void *handle, const char *href,
    struct url *u)
{
	return parse(a, handle, href, u, false);
}

static int
parse(struct arena *a, void *handle, const char *href, struct url *u,
    bool fast)
{
	const char *p;
	char *cut = NULL, *ace;
	size_t n;
	int r = 0;

	memset(u, 0, sizeof(*u));
	if (handle == NULL || href == NULL)
		return -1;
	while (*href == ' ' || *href == '\t' || *href == '\n' || *href == '\r')
		href++;
	if (*href == '\0' || *href == '#')
		return -1;
	n = strnlen(href, URLS_MAX_HREF + 1);
	if (n > URLS_MAX_HREF) {
		if ((cut = arena_strndup(a, href, URLS_MAX_HREF)) == NULL)
			return -1;
		href = cut;
		n = URLS_MAX_HREF;
	}
	if (fast && (r = fast_parse(a, href, n, u)) == -1)
		return -1;
	if (r == 0 && slow_parse(a, handle, href, u) == -1)
		return -1;
	if (strlen(u->host) > URLS_MAX_HOST)
		return -1;
	/* (fast_parse() wrote both in lower case.) */
	if (r == 0) {
		str_lower(u->scheme);
		str_lower(u->host);
	}
	n = strlen(u->host);
	if (n > 0 && u->host[n - 1] == '.')
		u->host[n - 1] = '\0';
	for (p = u->host; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			break;
	if (*p != '\0') {
		/* A Unicode host: work on its ACE form like DNS does. */
		if (idn2_to_ascii_8z(u->host, &ace, IDN2_NONTRANSITIONAL) !=
		    IDN2_OK)
			return -1;
		u->host = arena_strdup(a, ace);
		idn2_free(ace);
		if (u->host == NULL)
			return -1;
		u->idn = true;
	}
	if (strncmp(u->host, "xn--", 4) == 0 || strstr(u->host, ".xn--"))
		u->idn = true;
	if ((u->ip = is_ip(u->host)))
		u->regdom = u->host;
	else
		u->regdom = urls_regdom(a, u->host);
	return u->regdom != NULL ? 0 : -1;
}

/*
 * Public suffix list answers of recent names, per thread: mail names the
 * same few hosts, and hosts under the same few endings, again and again,
 * and a lookup costs thousands of instructions.  Two memos of the same
 * kind: a host's registrable domain (where it starts in the host, as
 * libpsl points into its argument; -1 for none) and whether a last
 * label is a public suffix on its own (0 or 1).  A host's has two
 * places per slot, the last used first: a newsletter's few hosts often
 * share a slot, and took it from each other link after link.
 */
#define PSL_MEMO_KEY	64
struct psl_memo {
	char	key[PSL_MEMO_KEY + 1];		/* "" when empty */
	short	val;
};
#define REGDOM_SLOTS	256
static _Thread_local struct psl_memo regdom_memo[REGDOM_SLOTS][2];
static _Thread_local struct psl_memo tld_memo[64];

/* The slot of key (n bytes, 0 < n <= PSL_MEMO_KEY) in memo. */
static struct psl_memo *
memo_slot(struct psl_memo *memo, size_t size, const char *key, size_t n)
{
	return &memo[str_fnv1a(STR_FNV_INIT, key, n) % size];
}

char *
urls_regdom(struct arena *a, const char *host)
{
	struct psl_memo *m = NULL, tmp;
	uint32_t h = STR_FNV_INIT;
	const char *r;
	size_t i, n;
	char *lc;

	if (host == NULL || (lc = arena_alloc_raw(a, (n = strlen(host)) +
	    1)) == NULL)
		return NULL;
	/* The lower-case copy and its memo_slot() hash in one pass. */
	for (i = 0; i < n; i++) {
		lc[i] = (char)str_lc((unsigned char)host[i]);
		h = str_fnv1a_byte(h, (unsigned char)lc[i]);
	}
	lc[n] = '\0';
	if (n > 0 && n <= PSL_MEMO_KEY) {
		m = regdom_memo[h % REGDOM_SLOTS];
		if (memcmp(m[0].key, lc, n + 1) == 0)
			return m[0].val >= 0 ? lc + m[0].val : lc;
		if (memcmp(m[1].key, lc, n + 1) == 0) {
			tmp = m[1];
			m[1] = m[0];
			m[0] = tmp;
			return m[0].val >= 0 ? lc + m[0].val : lc;
		}
	}
	r = psl_registrable_domain(psl_builtin(), lc);
	if (m != NULL) {
		m[1] = m[0];
		memcpy(m[0].key, lc, n + 1);
		m[0].val = r != NULL ? (short)(r - lc) : -1;
	}
	return r != NULL ? (char *)r : lc;
}

/* Whether tld (lower-case letters, 0 < tl of them) is a public suffix. */
static bool
tld_is_suffix(const char *tld, size_t tl)
{
	struct psl_memo *m = NULL;
	bool r;

	if (tl <= PSL_MEMO_KEY) {
		m = memo_slot(tld_memo, 64, tld, tl);
		if (strcmp(m->key, tld) == 0)
			return m->val != 0;
	}
	r = psl_is_public_suffix2(psl_builtin(), tld,
	    PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
	if (m != NULL) {
		memcpy(m->key, tld, tl + 1);
		m->val = r;
	}
	return r;
}

/* A letter in either case ((c | 0x20) folds only those onto a-z). */
static bool
host_char(int c)
{
	return (unsigned)((c | 0x20) - 'a') < 26 ||
	    (unsigned)(c - '0') < 10 || c == '-' || c == '.';
}

static bool
file_suffix(const char *tld)
{
	static const char *const ext[] = {
		"sv", "py", "sh", "pl", "md", "rs", "cc", "so", "ps", "ms",
		"ml", "pm", "mk", "in", "am", "ac", "cs", "cpp", "txt", "zip",
		"gz", "bz", "tk", "vc", "hs", "ai", "st", "vb",
	};
	size_t i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (strcmp(tld, ext[i]) == 0)
			return true;
	return false;
}

/*
 * The host is judged on the bytes where it stands and copied only when
 * it passes (urls_host_in_text()); the scan of the text for blanks and
 * '@', the longest step, comes last, as most texts fail earlier.
 * (Every test only says no, so their order does not change the
 * answer.)  The host's bytes are letters, digits, '-' and '.', and the
 * bytes before it a scheme, so only the text after the host is
 * searched for those.
 */
static inline bool
host_span(const char *text, size_t len, const char **host, size_t *hostlen)
{
	const char *p = text, *h, *end, *dot;
	char tld[URLS_MAX_HOST + 1];
	size_t hl, tl, n;

	if (text == NULL)
		return false;
	str_trim(&p, &len);
	/* Brackets and quotes around a shown address are decoration. */
	while (len > 0 && (*p == '<' || *p == '(' || *p == '[' || *p == '"')) {
		p++;
		len--;
	}
	while (len > 0 && (p[len - 1] == '>' || p[len - 1] == ')' ||
	    p[len - 1] == ']' || p[len - 1] == '"' || p[len - 1] == '.'))
		len--;
	if (len == 0 || len > URLS_MAX_HREF)
		return false;
	end = p + len;
	if (str_lcprefix(p, len, "https://", 8))
		h = p + 8;
	else if (str_lcprefix(p, len, "http://", 7))
		h = p + 7;
	else
		h = p;
	for (hl = 0; h + hl < end && host_char((unsigned char)h[hl]); hl++)
		;
	if (hl == 0 || hl > URLS_MAX_HOST ||
	    (h + hl < end && h[hl] != '/' && h[hl] != ':' &&
	    h[hl] != '?' && h[hl] != '#'))
		return false;
	while (hl > 0 && h[hl - 1] == '.')
		hl--;
	for (dot = h + hl; dot > h && dot[-1] != '.'; dot--)
		;
	if (dot <= h + 1)
		return false;	/* no dot, or only one in front */
	/* The last label must be a real suffix: "index.html" is a file. */
	for (tl = 0; dot + tl < h + hl; tl++) {
		if (!((dot[tl] >= 'a' && dot[tl] <= 'z') ||
		    (dot[tl] >= 'A' && dot[tl] <= 'Z')))
			return false;
		tld[tl] = (char)str_lc((unsigned char)dot[tl]);
	}
	tld[tl] = '\0';
	if (tl < 2 || !tld_is_suffix(tld, tl))
		return false;
	/*
	 * Without "www." or a scheme, a name ending in a suffix that is
	 * also a common file extension ("detector.sv", "setup.py") is
	 * more likely a file than a site.
	 */
	if (h == p && !str_lcprefix(h, hl, "www.", 4) && file_suffix(tld))
		return false;
	/* Words, or an address. */
	n = (size_t)(end - (h + hl));
	if (n > 0 && (memchr(h + hl, ' ', n) != NULL ||
	    memchr(h + hl, '@', n) != NULL || memchr(h + hl, '\t', n) !=
	    NULL || memchr(h + hl, '\n', n) != NULL))
		return false;
	*host = h;
	*hostlen = hl;
	return true;
}

bool
urls_host_span(const char *text, size_t len, const char **host,
    size_t *hostlen)
{
	return host_span(text, len, host, hostlen);
}

/* (host_span() inline: this runs for the text of every link.) */
char *
urls_host_in_text(struct arena *a, const char *text, size_t len)
{
	const char *h;
	char *host;
	size_t hl, i;

	if (!host_span(text, len, &h, &hl) ||
	    (host = arena_alloc(a, hl + 1)) == NULL)
		return NULL;
	for (i = 0; i < hl; i++)
		host[i] = (char)str_lc((unsigned char)h[i]);
	host[hl] = '\0';
	return host;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
urls_redirect_target(struct arena *a, const struct url *u)
{
	char dec[URLS_MAX_REDIRECT + 1], *host;
	const char *q, *s;
	size_t n = 0, hl;
	int hi, lo;

	if (u->query == NULL)
		return NULL;
	/* Decode %XX twice over at most: some redirectors nest. */
	for (q = u->query; *q != '\0' && n < URLS_MAX_REDIRECT; q++) {
		if (*q == '%' && (hi = hexval(q[1])) >= 0 &&
		    (lo = hexval(q[2])) >= 0) {
			dec[n++] = (char)(hi * 16 + lo);
			q += 2;
		} else
			dec[n++] = *q;
	}
	dec[n] = '\0';
	if ((s = memmem(dec, n, "://", 3)) == NULL || s - dec < 4 ||
	    !(str_iprefix(s - 4, 4, "http") || (s - dec >= 5 &&
	    str_iprefix(s - 5, 5, "https"))))
		return NULL;
	s += 3;
	for (hl = 0; s[hl] != '\0' && host_char((unsigned char)s[hl]); hl++)
		;
	if (hl == 0 || hl > URLS_MAX_HOST || memchr(s, '.', hl) == NULL)
		return NULL;
	if ((host = arena_strndup(a, s, hl)) == NULL)
		return NULL;
	str_lower(host);
	return host;
}
