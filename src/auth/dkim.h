/*
 * dkim.h - DKIM verification (RFC 6376, RFC 8463, RFC 8301) and signing.
 *
 * dkim_verify() checks every DKIM-Signature field of a message, top to
 * bottom, and gives one result per signature.  Results live in the arena.
 *
 * dkim_sign() makes one DKIM-Signature field for a message with a private
 * key loaded by dkim_privkey_load(); the caller puts it on top of the
 * message.
 *
 * The second half of this header is the toolkit the two share with ARC
 * (arc.c, arc_seal.c) and with the unit tests: the tag-list parser
 * (dkim_tags.c), canonicalisation (dkim_canon.c), key records and the
 * signature primitives (dkim_key.c), and the signature-field parser
 * (dkim.c).  Everything there is a cursor over (pointer, length) input.
 *
 * Memory: parsed values live in the caller's arena.  EVP_PKEY objects are
 * OpenSSL heap objects: a struct dkim_key owns its key until
 * dkim_key_clear(); dkim_privkey_load()'s key belongs to the caller
 * (EVP_PKEY_free).
 */
#ifndef MT_DKIM_H
#define MT_DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/types.h>

#include "scan/scan.h"

struct arena;
struct buf;
struct dns_batch;
struct header;
struct message;

struct dkim_sig {
	enum auth_result	 result;	/* pass fail neutral policy
						   permerror temperror */
	const char		*domain;	/* d=, lower-cased */
	const char		*selector;	/* s= */
	const char		*algorithm;	/* a= as written */
	const char		*identity;	/* i= or "@d" */
	const char		*reason;	/* why not pass, for a person */
	const char		*b_prefix;	/* first 8+ chars of b= (RFC 6008) */
	const struct header	*hdr;		/* the DKIM-Signature field */
	bool			 testing;	/* key record has t=y */
	long long		 body_length;	/* l=, or -1 */
};

struct dkim_results {
	struct dkim_sig	*v;
	size_t		 n;
};

/*
 * Signatures past this many get a permerror each without any work, so a
 * message cannot make us do unbounded DNS lookups and RSA operations.
 */
#define DKIM_MAX_SIGNATURES	16

/*
 * Returns 0 when verification ran (the results say how it went), -1 when
 * the arena ran out.  now is the clock for x= (RFC 6376 3.5).
 */
int	dkim_verify(const struct message *, struct dns_batch *, struct arena *,
	    time_t now, struct dkim_results *out);

/* ------------------------------------------------------------------ */
/* Signing (dkim_sign.c). */

enum dkim_alg {
	DKIM_ALG_NONE,
	DKIM_ALG_RSA_SHA1,		/* recognised only to refuse it */
	DKIM_ALG_RSA_SHA256,
	DKIM_ALG_ED25519_SHA256,	/* RFC 8463 */
};

enum dkim_canon {
	DKIM_CANON_SIMPLE,
	DKIM_CANON_RELAXED,
};

struct dkim_signer {
	const char	*domain;	/* d= */
	const char	*selector;	/* s= */
	EVP_PKEY	*key;		/* RSA (>= 1024 bits) or Ed25519 */
	enum dkim_canon	 hcanon, bcanon;	/* used when canon_set */
	bool		 canon_set;	/* false: relaxed/relaxed */
	const char	*headers;	/* "from:subject", NULL = default */
	const char	*identity;	/* i=, NULL = none */
	time_t		 t;		/* t=, 0 = none */
	time_t		 x;		/* x=, 0 = none */
};

/*
 * Signs the message; *field is the whole field, "DKIM-Signature: ..."
 * folded at 78 columns and ended like the message's lines (CRLF, or LF
 * for a bare-LF message), in the arena.  The default
 * header list signs From twice (once more than present, so a second
 * From cannot be added, RFC 6376 8.15) and the usual fields that exist.
 * Returns 0, or -1 with *why set.
 */
int	dkim_sign(const struct message *, const struct dkim_signer *,
	    struct arena *, char **field, const char **why);

/*
 * Reads a private key: PEM (PKCS#8 or PKCS#1 RSA, PKCS#8 Ed25519), or a
 * file holding the base64 32-byte Ed25519 seed.  NULL with *why on error.
 */
EVP_PKEY	*dkim_privkey_load(const char *path, const char **why);
enum dkim_alg	 dkim_privkey_alg(EVP_PKEY *);

/* The name RFC 6376 / 8463 give an algorithm ("rsa-sha256"). */
const char	*dkim_alg_name(enum dkim_alg);

/* ------------------------------------------------------------------ */
/* Tag lists, RFC 6376 3.2 (dkim_tags.c). */

#define DKIM_TAGS_MAX	64	/* tags in one list; more is an error */

struct dkim_tag {
	const char	*name;
	size_t		 name_len;
	const char	*value;		/* FWS around it trimmed */
	size_t		 value_len;
	size_t		 raw_off;	/* offset of the byte after '=' */
	size_t		 raw_end;	/* offset of the ';' or the end */
};

struct dkim_tags {
	struct dkim_tag	 v[DKIM_TAGS_MAX];
	size_t		 n;
};

/* 0, or -1 with *why a reason (syntax, duplicate tag, too many tags). */
int	dkim_tags_parse(const char *s, size_t len, struct dkim_tags *,
	    const char **why);
const struct dkim_tag *dkim_tags_get(const struct dkim_tags *,
	    const char *name);
/* The value with all FWS removed (b=, bh=, p=, h=), in the arena. */
char	*dkim_tags_nows(struct arena *, const char *v, size_t len,
	    size_t *outlen);

/* ------------------------------------------------------------------ */
/* Canonicalisation, RFC 6376 3.4 (dkim_canon.c). */

/*
 * Where canonical bytes go: a digest, a copy (tests), or both.  limit
 * (l=, RFC 6376 3.5) caps what reaches them; total counts everything
 * offered, so a caller can tell a body shorter than l=.
 */
struct dkim_sink {
	EVP_MD_CTX	*md;
	struct buf	*copy;
	long long	 limit;		/* -1 = none */
	unsigned long long total;
	bool		 failed;	/* digest or copy failed */
};

void	dkim_sink_write(struct dkim_sink *, const char *, size_t);

/*
 * One header field, raw bytes from the name to its line end (bare LF is
 * taken for CRLF).  strip_eol leaves out the final CRLF, as the
 * signature's own field is hashed (RFC 6376 3.7).
 */
void	dkim_canon_header(enum dkim_canon, const char *raw, size_t len,
	    bool strip_eol, struct dkim_sink *);
/* The body (bytes after the empty line), streamed into the sink. */
void	dkim_canon_body(enum dkim_canon, const char *body, size_t len,
	    struct dkim_sink *);

/*
 * The raw field with the value of its b= tag cut out (RFC 6376 3.7:
 * everything between "b=" and the next ';' or the end).  val is the
 * field value (after the colon) inside raw; NULL on allocation failure.
 */
char	*dkim_strip_b(struct arena *, const char *raw, size_t raw_len,
	    const char *val, const struct dkim_tags *, size_t *outlen);

/* ------------------------------------------------------------------ */
/* Keys, RFC 6376 3.6.1, RFC 8463, RFC 8301 (dkim_key.c). */

#define DKIM_RSA_MIN_BITS	1024	/* RFC 8301 3.2 */
#define DKIM_RSA_MAX_BITS	8192	/* cost ceiling for a verify */

enum dkim_keytype { DKIM_KEY_RSA, DKIM_KEY_ED25519 };

struct dkim_key {
	enum dkim_keytype type;
	EVP_PKEY	*pkey;		/* NULL when revoked */
	unsigned	 bits;
	bool		 revoked;	/* empty p= */
	bool		 testing;	/* t=y */
	bool		 strict;	/* t=s: i= domain must equal d= */
	bool		 sha1, sha256;	/* h= allows (both when absent) */
};

/*
 * Parses one key record.  0 = usable key (or revoked, see ->revoked);
 * -1 = not a usable record, *why says why.
 */
int	dkim_key_parse(const char *txt, size_t len, struct dkim_key *,
	    const char **why);
void	dkim_key_clear(struct dkim_key *);
/*
 * dkim_key_parse() through a bounded, thread-safe, process-wide cache
 * keyed by the record's owner name ("s._domainkey.d") and exact text:
 * the same record seen again gives a key sharing the cached EVP_PKEY
 * without parsing.  The result needs dkim_key_clear() as usual.
 * dkim_key_cache_flush() empties it, and drops the RSA verify contexts
 * the calling thread keeps (dkim_key_verify) (tests, shutdown).
 */
int	dkim_key_cached(const char *name, const char *txt, size_t len,
	    struct dkim_key *, const char **why);
void	dkim_key_cache_flush(void);

/* SHA-256 for EVP_DigestInit_ex(), fetched once (cheaper per use). */
const EVP_MD	*dkim_sha256(void);

/* Base64 (RFC 2045 6.8 alphabet), FWS ignored; -1 on bad input. */
int	dkim_b64_decode(struct arena *, const char *s, size_t len,
	    unsigned char **out, size_t *outlen);
char	*dkim_b64_encode(struct arena *, const unsigned char *, size_t);

/*
 * Checks sig over the SHA-256 digest of the header data: RSASSA-PKCS1-v1_5
 * (RFC 6376 3.3.1) or Ed25519 over the digest (RFC 8463 3).  1 = good.
 * Each thread keeps ready RSA contexts for its last few keys, found by
 * the EVP_PKEY's address (they hold a reference, so it stays that key).
 */
int	dkim_key_verify(const struct dkim_key *, const unsigned char *digest,
	    size_t dlen, const unsigned char *sig, size_t slen);
/* The same, signing; *sig in the arena.  0 or -1. */
int	dkim_privkey_sign(EVP_PKEY *, struct arena *,
	    const unsigned char *digest, size_t dlen, unsigned char **sig,
	    size_t *slen);

/* ------------------------------------------------------------------ */
/* Signature fields shared with ARC (dkim.c). */

enum dkim_field_kind {
	DKIM_FIELD_DKIM,	/* DKIM-Signature, RFC 6376 3.5 */
	DKIM_FIELD_AMS,		/* ARC-Message-Signature, RFC 8617 4.1.2 */
	DKIM_FIELD_AS,		/* ARC-Seal, RFC 8617 4.1.3 */
};

#define DKIM_MAX_HNAMES	128	/* entries in h= */

struct dkim_hname {
	const char	*p;
	size_t		 len;
};

struct dkim_sigfield {
	enum dkim_field_kind kind;
	struct dkim_tags tags;
	const char	*value;		/* field value inside the raw field */
	enum dkim_alg	 alg;
	const char	*alg_name;	/* a= as written */
	enum dkim_canon	 hcanon, bcanon;
	char		*domain;	/* d=, lower-cased */
	char		*selector;
	char		*identity;	/* i= (DKIM), "@d" when absent */
	unsigned	 instance;	/* i= (ARC) */
	char		*cv;		/* cv= (AS) */
	struct dkim_hname *h;
	size_t		 nh;
	long long	 l;		/* -1 = absent */
	long long	 t, x;		/* -1 = absent */
	unsigned char	*b, *bh;
	size_t		 blen, bhlen;
	char		*b_text;	/* b= without FWS */
};

/*
 * Parses and checks a signature field's tags (RFC 6376 6.1.1 for DKIM,
 * RFC 8617 4.1 for ARC).  0 = well formed; -1 = *why says what is
 * wrong.  now (DKIM only) checks x=.
 */
int	dkim_sigfield_parse(enum dkim_field_kind, const struct header *,
	    struct arena *, time_t now, struct dkim_sigfield *,
	    const char **why);

/*
 * SHA-256 over the header fields h= names (RFC 6376 5.4.2: bottom-up for
 * repeated names, missing fields hash as nothing) and then the signature
 * field itself with b= emptied.  0 or -1 (allocation).
 */
int	dkim_header_hash(const struct message *, const struct dkim_sigfield *,
	    const struct header *self, struct arena *, unsigned char *out32);

/*
 * A key lookup's answer as a key (RFC 6376 6.1.2): AUTH_PASS with *k
 * filled, AUTH_TEMPERROR for SERVFAIL/timeout, AUTH_PERMERROR for no
 * record or no usable record; *why says which.  k needs dkim_key_clear()
 * in every case.
 */
struct dns_result;
enum auth_result dkim_key_from_dns(const struct dns_result *,
	    struct dkim_key *k, const char **why);
/*
 * Whether a key may check this signature (RFC 6376 3.6.1 k= h= t=s,
 * RFC 8301 3.2 key size): AUTH_PASS, or AUTH_PERMERROR / AUTH_FAIL with
 * *why.
 */
enum auth_result dkim_key_check(const struct dkim_key *,
	    const struct dkim_sigfield *, struct arena *, const char **why);

/* Key record name for a signature: "s._domainkey.d". */
char	*dkim_key_name(struct arena *, const char *selector,
	    const char *domain);
/* True when s is a syntactically valid domain name (RFC 6376 3.5 d=). */
bool	dkim_domain_ok(const char *s, size_t len);

/*
 * Body hashes of one message, each computed once per distinct
 * (canonicalisation, length) however many signatures share it.  SHA-256
 * only: RFC 8301 retired the only other hash.
 */
#define DKIM_BODY_CACHE	8

struct dkim_bodyhash {
	enum dkim_canon	 canon;
	long long	 l;
	unsigned char	 digest[32];
	unsigned long long total;	/* canonical body length */
	bool		 ok;
};

struct dkim_bodycache {
	struct dkim_bodyhash v[DKIM_BODY_CACHE];
	size_t		 n;
	size_t		 computed;	/* passes over the body (tests) */
};

const struct dkim_bodyhash *dkim_body_hash(struct dkim_bodycache *,
	    const struct message *, enum dkim_canon, long long l);

#endif
