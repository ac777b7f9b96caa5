/*
 * detect.h - what the phishing checks share: the data they read from
 * data/ and the helpers several of them call.
 *
 * Everything here is built once by detect_data_load() at start-up (the
 * brand and word patterns are compiled then, never per message) and read
 * by every scan without locks: the PCRE2 codes, the ICU spoof checker and
 * the libloc database are only ever used through their read-only calls.
 * Per-message results are allocated in the scan's arena.
 *
 * Modules and their prefixes:
 *   detect_data.c	detect_data_load/free, the file reader and the
 *			domain lists (data/free-mail, url-shorteners,
 *			hosting, geo-risk, tld-risk, foreign-charsets)
 *			and data/bulk-mailers
 *   brands.c		brands_*: data/brands, who owns which domain and
 *			which brand a text names
 *   lexicon.c		lexicon_*: data/lexicon, pressure and lure phrases
 *			in one PCRE2 alternation, matched in one pass
 *   urls.c		urls_*: links taken apart with libcurl's URL API,
 *			registrable domains from libpsl
 *   lookalike.c	lookalike_*: punycode, mixed script, confusable
 *			and near-miss domains (libidn2, ICU uspoof)
 *   geo.c		geo_*: country and AS of an address (libloc)
 *
 * Limits: every list and pattern set has a ceiling below; a data file
 * beyond DETECT_MAX_FILE or a line beyond DETECT_MAX_LINE is refused at
 * start-up with its file and line, so a broken file cannot half-load.
 */
#ifndef MT_DETECT_H
#define MT_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct address;
struct arena;
struct config;
struct message;
struct scan;

#define DETECT_MAX_FILE		(16u * 1024 * 1024)
#define DETECT_MAX_LINE		4096
#define DETECT_MAX_LIST		200000	/* entries of one domain list */
#define BRANDS_MAX		1024
#define BRANDS_MAX_DOMAINS	64	/* per brand */
#define BRANDS_MAX_NAMES	32	/* per brand */
#define LEXICON_MAX_PATTERNS	4096
#define LEXICON_MAX_SYMBOLS	64
#define LEXICON_MATCH_LIMIT	200000	/* PCRE2 backtracking budget */
#define LEXICON_MAX_MATCHES	512	/* matches looked at per text */
#define DETECT_MAX_MAILERS	256	/* lines of data/bulk-mailers */

/* ------------------------------------------------------------------ */
/* Domain lists (detect_data.c). */

/*
 * An open-addressing hash set of lower-case names, each with an int
 * value (a brand index, or 0).  Entries with a path ("docs.google.com/
 * forms") are kept apart and matched on host and path prefix.
 */
struct detect_list {
	char		**key;
	int		 *val;
	size_t		  cap;		/* power of two */
	size_t		  n;
	char		**path_host;	/* entries with a path */
	char		**path_prefix;
	size_t		  n_path;
};

int		 detect_list_add(struct detect_list *, const char *name,
		    int val);
/*
 * The entry matching host or one of its parent domains ("a.b.c" tries
 * a.b.c, b.c, c), or NULL; *val gets its value.  path (may be NULL) is
 * the URL path for entries that name one.
 */
const char	*detect_list_find(const struct detect_list *, const char *host,
		    const char *path, int *val);
/* Exact lookup of one name. */
bool		 detect_list_has(const struct detect_list *, const char *name,
		    int *val);
void		 detect_list_free(struct detect_list *);

/*
 * Calls fn for every line of a data file with comments (from '#') and
 * surrounding blanks removed; empty lines are skipped.  fn returns -1
 * with a reason in err to stop.  Returns -1 with "path:line: reason".
 */
typedef int detect_line_fn(void *arg, char *line, char *err, size_t errlen);
int		 detect_data_read(const char *path, detect_line_fn *, void *arg,
		    char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* Brands (brands.c). */

struct brand {
	char	 *name;			/* as shown: "IONOS" */
	char	**domains;		/* its own domains, lower-case */
	size_t	  n_domains;
	char	**globs;		/* "sparkasse-*.de": a family of
					   registrable domains (fnmatch) */
	size_t	  n_globs;
	char	**labels;		/* second-level labels of the
					   domains ("ionos"), for
					   near-miss tests; deduplicated;
					   "~domain" in the data keeps a
					   generic word out of this */
	size_t	 *label_lens;		/* strlen of each label */
	size_t	  n_labels;
};

struct brands;

/* Where a brand name was found (brands_find). */
struct brand_hit {
	int	 brand;			/* index into brands */
	bool	 weak;			/* matched only a weak name */
	size_t	 off, len;		/* the matched bytes */
};

int		 brands_load(struct brands **, const char *path, char *err,
		    size_t errlen);
void		 brands_free(struct brands *);
size_t		 brands_count(const struct brands *);
const struct brand *brands_get(const struct brands *, int);
/* The brand owning host (or a parent of it), or -1. */
int		 brands_owner(const struct brands *, const char *host);
/*
 * Finds brand names in text[0..len) (UTF-8).  claim selects the
 * stricter pattern that only accepts a name in a sender's voice
 * ("Ihr IONOS Team", "(c) 2024 PayPal").  Fills at most max hits, one
 * per brand, strong names first.  Returns the number found.
 */
size_t		 brands_find(const struct brands *, struct arena *,
		    const char *text, size_t len, bool claim,
		    struct brand_hit *, size_t max);
/* Whether the message's authentication vouches for brand b. */
bool		 brands_authenticated(const struct brands *, int b,
		    const struct scan *);

/* ------------------------------------------------------------------ */
/* The pressure and lure lexicon (lexicon.c). */

struct lexicon;

struct lexicon_hit {
	const char	*symbol;	/* the data file's name, static */
	size_t		 off, len;	/* first match of that symbol */
};

int		 lexicon_load(struct lexicon **, const char *path, char *err,
		    size_t errlen);
void		 lexicon_free(struct lexicon *);
/*
 * One pass over text[0..len): every symbol whose patterns match, once,
 * with its first match.  Returns the number of hits (at most max).
 */
size_t		 lexicon_scan(const struct lexicon *, struct arena *,
		    const char *text, size_t len, struct lexicon_hit *,
		    size_t max);

/* ------------------------------------------------------------------ */
/* URLs (urls.c). */

#define URLS_MAX_HREF	8192	/* longer hrefs are judged by prefix */

struct url {
	char	*scheme;	/* lower-case; "" when none was given */
	char	*host;		/* lower-case ASCII (punycode for IDN) */
	char	*path;		/* "/..." or NULL */
	char	*query;		/* without '?', or NULL */
	char	*regdom;	/* registrable domain, or the IP */
	bool	 ip;		/* host is an IPv4/IPv6 literal */
	bool	 userinfo;	/* "user@" before the host */
	bool	 idn;		/* some label is punycode */
};

/*
 * Parses href into u (strings in the arena).  handle is a CURLU from
 * urls_handle(), reused across links.  Returns 0, or -1 when the href
 * is not a URL with a host (mailto:, data:, fragments, junk).
 */
void		*urls_handle(void);
void		 urls_handle_free(void *);
int		 urls_parse(struct arena *, void *handle, const char *href,
		    struct url *u);
/* The same with libcurl reading every href, for tests of the above. */
int		 urls_parse_curl(struct arena *, void *handle,
		    const char *href, struct url *);
/* Registrable domain (public suffix + 1) of a host, lower-case, arena. */
char		*urls_regdom(struct arena *, const char *host);
/*
 * If text[0..len) reads as a URL or a bare host name ("www.bank.de",
 * "https://bank.de/login"), its host in lower case; else NULL.
 */
char		*urls_host_in_text(struct arena *, const char *text,
		    size_t len);
/*
 * The same judgement without the copy: whether text reads so, and then
 * where the host stands in it (*hostlen bytes, in the text's case).
 */
bool		 urls_host_span(const char *text, size_t len,
		    const char **host, size_t *hostlen);
/* A second URL carried in the query ("?url=https%3A%2F%2F..."), host. */
char		*urls_redirect_target(struct arena *, const struct url *);

/* ------------------------------------------------------------------ */
/* Look-alike domains (lookalike.c). */

struct lookalike;

enum lookalike_kind {
	LOOK_NONE,
	LOOK_CONFUSABLE,	/* same skeleton as a brand domain */
	LOOK_NEAR,		/* one or two edits from a brand domain */
	LOOK_COMBO,		/* brand label plus a word: paypal-login */
	LOOK_OTHER_TLD,		/* the brand's label under another TLD */
};

int		 lookalike_load(struct lookalike **, const struct brands *,
		    char *err, size_t errlen);
void		 lookalike_free(struct lookalike *);
/*
 * Whether regdom imitates one of the brands' domains without being one.
 * Returns the kind and sets *brand and *target (the imitated domain).
 * The brands are those the look-alike checker was loaded from.
 */
enum lookalike_kind lookalike_brand(const struct lookalike *,
		    const struct brands *, struct arena *, const char *regdom,
		    int *brand, const char **target);
/* Whether two registrable domains look alike (but differ). */
bool		 lookalike_pair(const struct lookalike *, struct arena *,
		    const char *a, const char *b);
/*
 * For a punycode host: its Unicode form (arena) and whether its labels
 * mix scripts or imitate another string (ICU uspoof).  NULL when the
 * host is not IDN or does not decode.
 */
char		*lookalike_unicode(const struct lookalike *, struct arena *,
		    const char *host, bool *mixed);
/*
 * Skeleton of UTF-8 string s (UTS #39 section 4, ICU's confusables) into
 * out; -1 when it does not fit or ICU refuses the string.
 */
int		 lookalike_skeleton(const struct lookalike *, const char *s,
		    char *out, size_t outlen);
/* The same through ICU alone, for tests and the fuzzer to compare. */
int		 lookalike_skeleton_icu(const struct lookalike *, const char *s,
		    char *out, size_t outlen);
/* Whether label[0..n) is brand label L plus a word ("paypal-login"). */
bool		 lookalike_combo(const char *label, size_t n, const char *L,
		    size_t ln);
/* Damerau-Levenshtein distance, capped: returns cap + 1 beyond cap. */
unsigned	 lookalike_distance(const char *a, size_t alen, const char *b,
		    size_t blen, unsigned cap);

/* ------------------------------------------------------------------ */
/* Country and network of an address (geo.c). */

struct geo;

struct geo_info {
	char		 cc[3];		/* ISO 3166 code, "" if unknown */
	const char	*country;	/* English name, arena, or NULL */
	uint32_t	 asn;		/* 0 if unknown */
	const char	*as_name;	/* arena, or NULL */
};

/* Opens the libloc database; NULL (not an error) when none is found. */
struct geo	*geo_open(const char *path);
void		 geo_close(struct geo *);
/* Looks up a textual IPv4/IPv6 address; -1 when unknown. */
int		 geo_lookup(const struct geo *, struct arena *, const char *ip,
		    struct geo_info *);
/* "Russian Federation (RU), AS50340 SELECTEL-MSK" for explanations. */
char		*geo_describe(struct arena *, const struct geo_info *);

/* ------------------------------------------------------------------ */

struct detect_data {
	struct brands		*brands;
	struct lexicon		*lexicon;
	struct lookalike	*lookalike;
	struct geo		*geo;		/* NULL without a database */
	struct detect_list	 freemail;	/* data/free-mail */
	struct detect_list	 shorteners;	/* data/url-shorteners */
	struct detect_list	 hosting;	/* data/hosting */
	struct detect_list	 rewriters;	/* data/url-rewriters */
	struct detect_list	 geo_risk;	/* data/geo-risk: countries */
	struct detect_list	 tld_risk;	/* data/tld-risk */
	struct detect_list	 charsets;	/* data/foreign-charsets */
	char			**mailers;	/* data/bulk-mailers, lower */
	size_t			 n_mailers;
};

/* Helpers the checks share (detect_data.c). */

/* Whether host is domain or one of its subdomains. */
bool		 detect_in_domain(const char *host, const char *domain);
/*
 * text itself when it is valid UTF-8, else an arena copy of the same
 * length with every invalid byte replaced by '?' (NULL without memory),
 * so the Unicode patterns can read any message.
 */
const char	*detect_utf8(struct arena *, const char *text, size_t len);
/* The From address (first) or NULL. */
const struct address *detect_from(const struct message *);
/*
 * Whether the message is authenticated for domain: DMARC passed for it,
 * or a DKIM signature of it (or of a parent) passed.
 */
bool		 detect_authenticated_for(const struct scan *,
		    const char *domain);

#endif
