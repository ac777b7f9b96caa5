/*
 * dkim_key.c - DKIM key records and the signature primitives.
 *
 * Parses the key record a selector publishes (RFC 6376 3.6.1: v= k= h=
 * s= t= p=) into an OpenSSL key, applies RFC 8301's floor on RSA sizes
 * (reported by the caller, which knows the signature), and checks or
 * makes signatures over a SHA-256 digest: RSASSA-PKCS1-v1_5 (RFC 6376
 * 3.3.1, RFC 8017 8.2) and Ed25519 over the digest (RFC 8463 3, "PureEdDSA"
 * of the hash).  Private keys for signing come from PEM files or from a
 * bare base64 Ed25519 seed (RFC 8032 5.1.5's 32-byte secret).
 *
 * Parsed records are kept in a small process-wide cache (dkim_key_cached),
 * because a busy server sees the same few selectors all day and turning
 * p= into an OpenSSL key costs as much as a good part of the RSA verify.
 * For the same reason each thread keeps its RSA verify contexts for the
 * last few keys it used.
 *
 * Memory: a struct dkim_key owns its EVP_PKEY until dkim_key_clear();
 * decoded bytes live in the caller's arena; the cache holds its own
 * reference to each key and its own heap copies of the name and text;
 * a thread's kept verify contexts hold references to their keys until
 * they are replaced, flushed or the thread ends.
 * Limits: keys above DKIM_RSA_MAX_BITS are refused (verification cost),
 * key files above KEYFILE_MAX bytes are not read, the cache keeps at most
 * KEYCACHE_SLOTS records of at most KEYCACHE_TEXT_MAX bytes, a thread
 * VCTX_SLOTS verify contexts.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "auth/dkim.h"
#include "util/arena.h"
#include "util/buf.h"

#define KEYFILE_MAX	(64u * 1024)
#define ED25519_LEN	32

/*
 * Base64 (RFC 2045 6.8) by table: a digit d is B64_DIGIT | d; B64_FWS
 * marks the folding white space the DKIM grammar allows anywhere in b=,
 * bh= and p=; B64_PAD is '='; 0, every other byte, is not allowed.
 */
#define B64_DIGIT	0x40
#define B64_FWS		0x80
#define B64_PAD		0x81
#define B64_IS_DIGIT(t)	(((t) & 0xc0) == B64_DIGIT)

#define D(v)	(B64_DIGIT | (v))
static const unsigned char b64_table[256] = {
	[' '] = B64_FWS, ['\t'] = B64_FWS, ['\r'] = B64_FWS, ['\n'] = B64_FWS,
	['='] = B64_PAD,
	['A'] = D(0), D(1), D(2), D(3), D(4), D(5), D(6), D(7), D(8), D(9),
	D(10), D(11), D(12), D(13), D(14), D(15), D(16), D(17), D(18), D(19),
	D(20), D(21), D(22), D(23), D(24), D(25),
	['a'] = D(26), D(27), D(28), D(29), D(30), D(31), D(32), D(33), D(34),
	D(35), D(36), D(37), D(38), D(39), D(40), D(41), D(42), D(43), D(44),
	D(45), D(46), D(47), D(48), D(49), D(50), D(51),
	['0'] = D(52), D(53), D(54), D(55), D(56), D(57), D(58), D(59), D(60),
	D(61),
	['+'] = D(62), ['/'] = D(63),
};
#undef D

/*
 * Decodes into out (room for cap bytes).  FWS is skipped; '=' may only
 * close the data; a missing final padding is forgiven because some
 * publishers drop it and nothing is ambiguous without it.  Four digits
 * in a row at a group boundary, the usual case, make three bytes at
 * once; anything else goes a character at a time.
 */
static int
b64_decode_into(const char *s, size_t len, unsigned char *out, size_t cap,
    size_t *outlen)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned acc = 0, t0, t1, t2, t3, q;
	size_t i = 0, n = 0, bits = 0, pad = 0, chars = 0;

	while (i < len) {
		while (bits == 0 && pad == 0 && len - i >= 4 && cap - n >= 3) {
			t0 = b64_table[u[i]];
			t1 = b64_table[u[i + 1]];
			t2 = b64_table[u[i + 2]];
			t3 = b64_table[u[i + 3]];
			/* Only digits have the B64_DIGIT bit. */
			if ((t0 & t1 & t2 & t3 & B64_DIGIT) == 0)
				break;
			q = (t0 & 63) << 18 | (t1 & 63) << 12 |
			    (t2 & 63) << 6 | (t3 & 63);
			out[n] = (unsigned char)(q >> 16);
			out[n + 1] = (unsigned char)(q >> 8);
			out[n + 2] = (unsigned char)q;
			n += 3;
			chars += 4;
			i += 4;
		}
		if (i == len)
			break;
		t0 = b64_table[u[i++]];
		if (t0 == B64_FWS)
			continue;
		if (t0 == B64_PAD) {
			pad++;
			continue;
		}
		if (pad > 0 || !B64_IS_DIGIT(t0))
			return -1;
		chars++;
		acc = (acc << 6) | (t0 & 63);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (pad > 2 || chars % 4 == 1 || (pad > 0 && (chars + pad) % 4 != 0))
		return -1;
	*outlen = n;
	return 0;
}

int
dkim_b64_decode(struct arena *a, const char *s, size_t len,
    unsigned char **out, size_t *outlen)
{
	size_t cap = len / 4 * 3 + 3;

	if ((*out = arena_alloc(a, cap)) == NULL)
		return -1;
	return b64_decode_into(s, len, *out, cap, outlen);
}

char *
dkim_b64_encode(struct arena *a, const unsigned char *p, size_t n)
{
	char *out;

	if (n > (1u << 24))
		return NULL;
	if ((out = arena_alloc(a, (n + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

static bool
list_has(const char *v, size_t len, const char *word)
{
	size_t i = 0, s, e, wl = strlen(word);

	while (i <= len) {
		s = i;
		while (i < len && v[i] != ':')
			i++;
		e = i;
		while (s < e && (v[s] == ' ' || v[s] == '\t' || v[s] == '\r' ||
		    v[s] == '\n'))
			s++;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t' ||
		    v[e - 1] == '\r' || v[e - 1] == '\n'))
			e--;
		if (e - s == wl && memcmp(v + s, word, wl) == 0)
			return true;
		i++;
	}
	return false;
}

/*
 * One DER element with the given tag at *p (X.690 8.1): its contents,
 * and *p moved past it.  Definite lengths up to 4 octets only.
 */
static int
der_take(const unsigned char **p, const unsigned char *end, unsigned tag,
    const unsigned char **body, size_t *blen)
{
	const unsigned char *q = *p;
	size_t len, n;

	if (end - q < 2 || *q++ != tag)
		return -1;
	len = *q++;
	if (len & 0x80) {
		n = len & 0x7f;
		if (n == 0 || n > 4 || (size_t)(end - q) < n)
			return -1;
		for (len = 0; n > 0; n--)
			len = len << 8 | *q++;
	}
	if (len > (size_t)(end - q))
		return -1;
	*body = q;
	*blen = len;
	*p = q + len;
	return 0;
}

/* 1.2.840.113549.1.1.1, rsaEncryption (RFC 8017 A.1). */
static const unsigned char rsa_oid[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
};

/*
 * The key of a SubjectPublicKeyInfo (RFC 5280 4.1.2.7, which RFC 6376
 * 3.6.1 names for p=).  Unwrapped here rather than by d2i_PUBKEY():
 * OpenSSL 3's generic decoder costs over 100 microseconds per key, the
 * RSA-specific one about one, and every message needs a key.  -1 = not
 * this structure; -2 = a well-formed SPKI of another algorithm.
 */
static int
spki_rsa(const unsigned char *der, size_t len, const unsigned char **key,
    size_t *klen)
{
	const unsigned char *p = der, *end = der + len, *spki, *alg, *q, *oid;
	const unsigned char *bits;
	size_t spkilen, alglen, oidlen, bitslen;

	if (der_take(&p, end, 0x30, &spki, &spkilen) == -1 || p != end)
		return -1;
	p = spki;
	end = spki + spkilen;
	if (der_take(&p, end, 0x30, &alg, &alglen) == -1)
		return -1;
	q = alg;
	if (der_take(&q, alg + alglen, 0x06, &oid, &oidlen) == -1)
		return -1;
	if (der_take(&p, end, 0x03, &bits, &bitslen) == -1 || p != end ||
	    bitslen < 2 || bits[0] != 0)
		return -1;
	if (oidlen != sizeof(rsa_oid) || memcmp(oid, rsa_oid, oidlen) != 0)
		return -2;
	*key = bits + 1;
	*klen = bitslen - 1;
	return 0;
}

static EVP_PKEY *
rsa_from_der(const unsigned char *der, size_t len)
{
	const unsigned char *key, *p;
	EVP_PKEY *k;
	size_t klen;
	int r;

	/* Some publish the bare PKCS#1 RSAPublicKey; accept that too. */
	if ((r = spki_rsa(der, len, &key, &klen)) == -2)
		return NULL;
	if (r == -1) {
		key = der;
		klen = len;
	}
	p = key;
	if ((k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)klen)) != NULL &&
	    p == key + klen)
		return k;
	EVP_PKEY_free(k);
	return NULL;
}

int
dkim_key_parse(const char *txt, size_t len, struct dkim_key *k,
    const char **why)
{
	const struct dkim_tag *v, *h, *kt, *s, *t, *p;
	struct dkim_tags tags;
	unsigned char der[4096];
	size_t derlen;

	memset(k, 0, sizeof(*k));
	if (dkim_tags_parse(txt, len, &tags, why) == -1)
		return -1;
	/* 3.6.1 v=: if there, it is the first tag and says DKIM1. */
	if ((v = dkim_tags_get(&tags, "v")) != NULL &&
	    (v != &tags.v[0] || v->value_len != 5 ||
	    memcmp(v->value, "DKIM1", 5) != 0)) {
		*why = "key record is not DKIM1 (v=)";
		return -1;
	}
	k->type = DKIM_KEY_RSA;
	if ((kt = dkim_tags_get(&tags, "k")) != NULL) {
		if (kt->value_len == 3 && memcmp(kt->value, "rsa", 3) == 0)
			k->type = DKIM_KEY_RSA;
		else if (kt->value_len == 7 &&
		    memcmp(kt->value, "ed25519", 7) == 0)
			k->type = DKIM_KEY_ED25519;
		else {
			*why = "unknown key type (k=)";
			return -1;
		}
	}
	k->sha1 = k->sha256 = true;
	if ((h = dkim_tags_get(&tags, "h")) != NULL) {
		k->sha1 = list_has(h->value, h->value_len, "sha1");
		k->sha256 = list_has(h->value, h->value_len, "sha256");
	}
	if ((s = dkim_tags_get(&tags, "s")) != NULL &&
	    !list_has(s->value, s->value_len, "*") &&
	    !list_has(s->value, s->value_len, "email")) {
		*why = "key is not for email (s=)";
		return -1;
	}
	if ((t = dkim_tags_get(&tags, "t")) != NULL) {
		k->testing = list_has(t->value, t->value_len, "y");
		k->strict = list_has(t->value, t->value_len, "s");
	}
	if ((p = dkim_tags_get(&tags, "p")) == NULL) {
		*why = "key record has no p=";
		return -1;
	}
	if (p->value_len == 0) {
		k->revoked = true;	/* 3.6.1: empty p= revokes */
		return 0;
	}
	if (b64_decode_into(p->value, p->value_len, der, sizeof(der),
	    &derlen) == -1) {
		*why = "key p= is not base64 (or too long)";
		return -1;
	}
	if (k->type == DKIM_KEY_ED25519) {
		/* RFC 8463 4: the bare 32-byte key, not an SPKI wrapper. */
		if (derlen != ED25519_LEN ||
		    (k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519,
		    NULL, der, derlen)) == NULL) {
			*why = "key p= is not a 32-byte Ed25519 key";
			return -1;
		}
		k->bits = 256;
		return 0;
	}
	if ((k->pkey = rsa_from_der(der, derlen)) == NULL ||
	    EVP_PKEY_get_base_id(k->pkey) != EVP_PKEY_RSA) {
		dkim_key_clear(k);
		*why = "key p= is not an RSA public key";
		return -1;
	}
	k->bits = (unsigned)EVP_PKEY_get_bits(k->pkey);
	if (k->bits > DKIM_RSA_MAX_BITS) {
		dkim_key_clear(k);
		*why = "RSA key larger than 8192 bits";
		return -1;
	}
	return 0;
}

void
dkim_key_clear(struct dkim_key *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}

/*
 * SHA-256 fetched from the provider once.  EVP_sha256() is a legacy
 * handle that EVP_DigestInit_ex() resolves again on every call, which
 * costs about as much as hashing a kilobyte; a fetched EVP_MD is a
 * read-only object every thread may use.  It lives until exit.
 */
static const EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *
dkim_sha256(void)
{
	if (pthread_once(&sha256_once, sha256_fetch) != 0 || sha256_md == NULL)
		return EVP_sha256();
	return sha256_md;
}

/* ------------------------------------------------------------------ */
/*
 * RSA verify contexts, kept per thread.  Making one (EVP_PKEY_CTX_new,
 * verify_init, padding, digest) costs OpenSSL 3 about a fifth of the
 * RSA-2048 verify itself, mostly in its provider name lookups, and the
 * same few keys verify all day.  EVP_PKEY_verify() may run any number of
 * times on one initialised context, but a context must not be used by
 * two threads, so each thread keeps its own few.  A context is found by
 * its key's address: it holds a reference to that key, so the address
 * cannot be freed and reused by another key while the context is kept.
 */
#define VCTX_SLOTS	8

struct vctx_cache {
	EVP_PKEY	*pkey[VCTX_SLOTS];	/* NULL = free slot */
	EVP_PKEY_CTX	*ctx[VCTX_SLOTS];
	unsigned	 next;			/* slot to reuse when full */
};

static pthread_key_t vctx_key;
static pthread_once_t vctx_once = PTHREAD_ONCE_INIT;
static bool vctx_ready;

static void
vctx_cache_free(void *arg)
{
	struct vctx_cache *c = arg;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < VCTX_SLOTS; i++)
		EVP_PKEY_CTX_free(c->ctx[i]);
	free(c);
}

static void
vctx_init(void)
{
	vctx_ready = pthread_key_create(&vctx_key, vctx_cache_free) == 0;
}

/* The calling thread's cache, made on first use; NULL if that fails. */
static struct vctx_cache *
vctx_cache_get(bool make)
{
	struct vctx_cache *c;

	if (pthread_once(&vctx_once, vctx_init) != 0 || !vctx_ready)
		return NULL;
	if ((c = pthread_getspecific(vctx_key)) != NULL || !make)
		return c;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (pthread_setspecific(vctx_key, c) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

/* Drops the calling thread's contexts (and so their key references). */
static void
vctx_cache_flush(void)
{
	struct vctx_cache *c;
	size_t i;

	if ((c = vctx_cache_get(false)) == NULL)
		return;
	for (i = 0; i < VCTX_SLOTS; i++) {
		EVP_PKEY_CTX_free(c->ctx[i]);
		c->ctx[i] = NULL;
		c->pkey[i] = NULL;
	}
	c->next = 0;
}

/* RSASSA-PKCS1-v1_5 with SHA-256 (RFC 6376 3.3.1), ready to verify. */
static EVP_PKEY_CTX *
rsa_vctx_new(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *pc;

	if ((pc = EVP_PKEY_CTX_new(pkey, NULL)) == NULL ||
	    EVP_PKEY_verify_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(pc, dkim_sha256()) != 1) {
		EVP_PKEY_CTX_free(pc);
		return NULL;
	}
	return pc;
}

/*
 * A context for pkey from the thread's cache, made and kept on a miss.
 * *owned says the caller must free it (no cache to keep it in).
 */
static EVP_PKEY_CTX *
rsa_vctx(EVP_PKEY *pkey, bool *owned)
{
	struct vctx_cache *c;
	EVP_PKEY_CTX *pc;
	size_t i;

	*owned = false;
	if ((c = vctx_cache_get(true)) == NULL) {
		*owned = true;
		return rsa_vctx_new(pkey);
	}
	for (i = 0; i < VCTX_SLOTS; i++)
		if (c->pkey[i] == pkey)
			return c->ctx[i];
	if ((pc = rsa_vctx_new(pkey)) == NULL)
		return NULL;
	for (i = 0; i < VCTX_SLOTS && c->pkey[i] != NULL; i++)
		;
	if (i == VCTX_SLOTS) {
		i = c->next;
		c->next = (c->next + 1) % VCTX_SLOTS;
		EVP_PKEY_CTX_free(c->ctx[i]);
	}
	c->pkey[i] = pkey;
	c->ctx[i] = pc;
	return pc;
}

/* ------------------------------------------------------------------ */
/*
 * The key cache.  Entries are keyed by the record's owner name and its
 * exact text, so a rotated or revoked key (new text) is never answered
 * from an old entry and no expiry is needed; the least recently used
 * entry makes room.  Only good parses are kept: a broken record costs
 * little to reject again.  One mutex guards the table; the EVP_PKEY
 * handed out is shared by reference, which OpenSSL allows across threads
 * for verification.
 */
#define KEYCACHE_SLOTS		64
#define KEYCACHE_NAME_MAX	255	/* RFC 1035 2.3.4 */
#define KEYCACHE_TEXT_MAX	4096	/* an RSA-8192 record fits */

struct keycache_ent {
	char		*name;		/* NULL = free slot */
	char		*text;
	size_t		 text_len;
	struct dkim_key	 key;
	unsigned long long used;
};

static struct keycache_ent keycache[KEYCACHE_SLOTS];
static unsigned long long keycache_tick;
static pthread_mutex_t keycache_mu = PTHREAD_MUTEX_INITIALIZER;

/* *k shares e's key; the caller's dkim_key_clear() drops its reference. */
static bool
keycache_copy_out(const struct keycache_ent *e, struct dkim_key *k)
{
	if (e->key.pkey != NULL && EVP_PKEY_up_ref(e->key.pkey) != 1)
		return false;
	*k = e->key;
	return true;
}

static struct keycache_ent *
keycache_find(const char *name, const char *txt, size_t len)
{
	size_t i;

	for (i = 0; i < KEYCACHE_SLOTS; i++)
		if (keycache[i].name != NULL && keycache[i].text_len == len &&
		    strcmp(keycache[i].name, name) == 0 &&
		    memcmp(keycache[i].text, txt, len) == 0)
			return &keycache[i];
	return NULL;
}

static void
keycache_drop(struct keycache_ent *e)
{
	dkim_key_clear(&e->key);
	free(e->name);
	free(e->text);
	memset(e, 0, sizeof(*e));
}

/* Called with the lock held; a failed allocation just skips caching. */
static void
keycache_insert(const char *name, const char *txt, size_t len,
    const struct dkim_key *k)
{
	struct keycache_ent *e = &keycache[0];
	size_t i, nlen = strlen(name);

	if (keycache_find(name, txt, len) != NULL)
		return;		/* another thread was quicker */
	for (i = 0; i < KEYCACHE_SLOTS && e->name != NULL; i++)
		if (keycache[i].name == NULL || keycache[i].used < e->used)
			e = &keycache[i];
	keycache_drop(e);
	if ((e->name = malloc(nlen + 1)) == NULL ||
	    (e->text = malloc(len)) == NULL ||
	    (k->pkey != NULL && EVP_PKEY_up_ref(k->pkey) != 1)) {
		free(e->name);
		free(e->text);
		memset(e, 0, sizeof(*e));
		return;
	}
	memcpy(e->name, name, nlen + 1);
	memcpy(e->text, txt, len);
	e->text_len = len;
	e->key = *k;
	e->used = ++keycache_tick;
}

int
dkim_key_cached(const char *name, const char *txt, size_t len,
    struct dkim_key *k, const char **why)
{
	struct keycache_ent *e;
	bool cacheable;
	int hit = 0;

	if (name == NULL)
		name = "";
	cacheable = len <= KEYCACHE_TEXT_MAX &&
	    strlen(name) <= KEYCACHE_NAME_MAX;
	if (cacheable) {
		(void)pthread_mutex_lock(&keycache_mu);
		if ((e = keycache_find(name, txt, len)) != NULL &&
		    keycache_copy_out(e, k)) {
			e->used = ++keycache_tick;
			hit = 1;
		}
		(void)pthread_mutex_unlock(&keycache_mu);
		if (hit)
			return 0;
	}
	/* Parsing, the slow part, runs outside the lock. */
	if (dkim_key_parse(txt, len, k, why) == -1)
		return -1;
	if (cacheable) {
		(void)pthread_mutex_lock(&keycache_mu);
		keycache_insert(name, txt, len, k);
		(void)pthread_mutex_unlock(&keycache_mu);
	}
	return 0;
}

void
dkim_key_cache_flush(void)
{
	size_t i;

	(void)pthread_mutex_lock(&keycache_mu);
	for (i = 0; i < KEYCACHE_SLOTS; i++)
		if (keycache[i].name != NULL)
			keycache_drop(&keycache[i]);
	(void)pthread_mutex_unlock(&keycache_mu);
	vctx_cache_flush();
}

int
dkim_key_verify(const struct dkim_key *k, const unsigned char *digest,
    size_t dlen, const unsigned char *sig, size_t slen)
{
	EVP_PKEY_CTX *pc;
	EVP_MD_CTX *mc;
	bool owned;
	int rc = 0;

	if (k->pkey == NULL)
		return 0;
	if (k->type == DKIM_KEY_ED25519) {
		if ((mc = EVP_MD_CTX_new()) == NULL)
			return 0;
		if (EVP_DigestVerifyInit(mc, NULL, NULL, NULL, k->pkey) == 1)
			rc = EVP_DigestVerify(mc, sig, slen, digest,
			    dlen) == 1;
		EVP_MD_CTX_free(mc);
		return rc;
	}
	if ((pc = rsa_vctx(k->pkey, &owned)) == NULL)
		return 0;
	rc = EVP_PKEY_verify(pc, sig, slen, digest, dlen) == 1;
	if (owned)
		EVP_PKEY_CTX_free(pc);
	return rc;
}

int
dkim_privkey_sign(EVP_PKEY *key, struct arena *a, const unsigned char *digest,
    size_t dlen, unsigned char **sig, size_t *slen)
{
	EVP_PKEY_CTX *pc = NULL;
	EVP_MD_CTX *mc = NULL;
	size_t n = 0;
	int rc = -1;

	if (dkim_privkey_alg(key) == DKIM_ALG_ED25519_SHA256) {
		if ((mc = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestSignInit(mc, NULL, NULL, NULL, key) != 1 ||
		    EVP_DigestSign(mc, NULL, &n, digest, dlen) != 1 ||
		    (*sig = arena_alloc(a, n)) == NULL ||
		    EVP_DigestSign(mc, *sig, &n, digest, dlen) != 1)
			goto out;
	} else {
		if ((pc = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
		    EVP_PKEY_sign_init(pc) != 1 ||
		    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) != 1 ||
		    EVP_PKEY_sign(pc, NULL, &n, digest, dlen) != 1 ||
		    (*sig = arena_alloc(a, n)) == NULL ||
		    EVP_PKEY_sign(pc, *sig, &n, digest, dlen) != 1)
			goto out;
	}
	*slen = n;
	rc = 0;
out:
	EVP_PKEY_CTX_free(pc);
	EVP_MD_CTX_free(mc);
	return rc;
}

enum dkim_alg
dkim_privkey_alg(EVP_PKEY *key)
{
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		return DKIM_ALG_RSA_SHA256;
	case EVP_PKEY_ED25519:
		return DKIM_ALG_ED25519_SHA256;
	default:
		return DKIM_ALG_NONE;
	}
}

EVP_PKEY *
dkim_privkey_load(const char *path, const char **why)
{
	unsigned char seed[64];
	EVP_PKEY *k = NULL;
	struct buf b;
	size_t n;
	BIO *bio;

	buf_init(&b, KEYFILE_MAX);
	if (buf_read_file(&b, path) == -1) {
		*why = "cannot read the key file";
		goto out;
	}
	if ((bio = BIO_new_mem_buf(b.data, (int)b.len)) == NULL) {
		*why = "out of memory";
		goto out;
	}
	k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (k == NULL && b64_decode_into(b.data, b.len, seed, sizeof(seed),
	    &n) == 0 && n == ED25519_LEN)
		k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
		    n);
	OPENSSL_cleanse(seed, sizeof(seed));
	if (k == NULL) {
		*why = "not a PEM private key nor an Ed25519 seed";
		goto out;
	}
	if (dkim_privkey_alg(k) == DKIM_ALG_NONE) {
		*why = "key is neither RSA nor Ed25519";
		EVP_PKEY_free(k);
		k = NULL;
	} else if (dkim_privkey_alg(k) == DKIM_ALG_RSA_SHA256 &&
	    EVP_PKEY_get_bits(k) < DKIM_RSA_MIN_BITS) {
		*why = "RSA key under 1024 bits (RFC 8301 3.2)";
		EVP_PKEY_free(k);
		k = NULL;
	}
out:
	if (b.data != NULL)
		OPENSSL_cleanse(b.data, b.len);
	buf_free(&b);
	return k;
}
