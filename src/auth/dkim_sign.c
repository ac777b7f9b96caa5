/*
 * dkim_sign.c - making DKIM signatures (RFC 6376 5, RFC 8463).
 *
 * dkim_sign() builds one DKIM-Signature field: the body hash (5.3), the
 * field with an empty b= folded as it will be sent, the header hash over
 * the chosen fields plus that field (5.4, 3.7), the signature, and b=
 * appended.  Verification code does the hashing (dkim_body_hash,
 * dkim_header_hash), so signer and verifier cannot drift apart.
 *
 * Header choice (5.4.1): with no list given, the fields of
 * default_headers[] that are present, each as often as it occurs, and
 * From once more than it occurs ("oversigning", 8.15) so that nobody can
 * add a From the signature does not cover.
 *
 * Memory: the field lives in the caller's arena; the key stays the
 * caller's.  Limits: DKIM_MAX_HNAMES names in h=.
 */
#include <string.h>

#include "auth/dkim.h"
#include "mime/message.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define FOLD_COL	78	/* RFC 5322 2.1.1's recommended line length */
#define FIELD_MAX	(64u * 1024)

static const char *const default_headers[] = {
	"from", "reply-to", "subject", "date", "to", "cc", "message-id",
	"in-reply-to", "references", "mime-version", "content-type",
	"content-transfer-encoding", "content-disposition", "sender",
	"list-id", "list-unsubscribe", "list-unsubscribe-post",
};

/* Output with folding at FOLD_COL: FWS may go between tags. */
struct fold {
	struct buf	 b;
	size_t		 col;
	const char	*eol;
	bool		 err;		/* an append hit the ceiling */
};

static void
put(struct fold *f, const char *s, size_t n)
{
	if (buf_add(&f->b, s, n) == -1)
		f->err = true;
	f->col += n;
}

static void
fold_break(struct fold *f)
{
	put(f, f->eol, strlen(f->eol));
	put(f, "\t", 1);
	f->col = 8;
}

static void
fold_add(struct fold *f, const char *s, size_t n, bool may_break)
{
	if (may_break && f->col + n > FOLD_COL && f->col > 8)
		fold_break(f);
	put(f, s, n);
}

/* One "name=value;" tag, folded before it when the line is full. */
static void
fold_tag(struct fold *f, const char *name, const char *value)
{
	char tmp[512];
	int n;

	n = snprintf(tmp, sizeof(tmp), " %s=%s;", name, value);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		f->err = true;
		return;
	}
	if (f->col + (size_t)n > FOLD_COL && f->col > 8) {
		fold_break(f);
		fold_add(f, tmp + 1, (size_t)n - 1, false);
	} else
		fold_add(f, tmp, (size_t)n, false);
}

static size_t
count_field(const struct message *m, const char *name)
{
	size_t i, n = 0, len = strlen(name);

	for (i = 0; i < m->n_headers; i++)
		if (str_ieqn(m->headers[i].name, m->headers[i].name_len, name,
		    len))
			n++;
	return n;
}

/* The h= names, in order, as an array of (pointer, length). */
static size_t
pick_headers(const struct message *m, const struct dkim_signer *sg,
    struct dkim_hname *h)
{
	const char *p, *e, *end;
	size_t i, j, c, n = 0;

	if (sg->headers != NULL) {
		p = sg->headers;
		end = p + strlen(p);
		for (; p < end && n < DKIM_MAX_HNAMES; p = e + 1) {
			if ((e = memchr(p, ':', (size_t)(end - p))) == NULL)
				e = end;
			if (e > p) {
				h[n].p = p;
				h[n].len = (size_t)(e - p);
				n++;
			}
		}
		return n;
	}
	for (i = 0; i < sizeof(default_headers) / sizeof(*default_headers);
	    i++) {
		c = count_field(m, default_headers[i]);
		if (i == 0)
			c++;	/* From: oversigned */
		for (j = 0; j < c && n < DKIM_MAX_HNAMES; j++) {
			h[n].p = default_headers[i];
			h[n].len = strlen(default_headers[i]);
			n++;
		}
	}
	return n;
}

int
dkim_sign(const struct message *m, const struct dkim_signer *sg,
    struct arena *a, char **field, const char **why)
{
	const struct dkim_bodyhash *bh;
	struct dkim_bodycache cache;
	struct dkim_sigfield sf;
	struct header self;
	struct dkim_hname h[DKIM_MAX_HNAMES];
	unsigned char hh[32], *sig;
	char num[32], *bh64, *b64;
	struct fold f;
	size_t i, nh, slen, blen, k;
	enum dkim_alg alg;
	int rc = -1;

	*field = NULL;
	memset(&f, 0, sizeof(f));
	buf_init(&f.b, FIELD_MAX);
	f.eol = m->crlf || m->n_headers == 0 ? "\r\n" : "\n";
	if ((alg = dkim_privkey_alg(sg->key)) == DKIM_ALG_NONE) {
		*why = "the key is neither RSA nor Ed25519";
		goto out;
	}
	if (sg->domain == NULL || !dkim_domain_ok(sg->domain,
	    strlen(sg->domain)) || sg->selector == NULL ||
	    !dkim_domain_ok(sg->selector, strlen(sg->selector))) {
		*why = "domain or selector is not a valid name";
		goto out;
	}
	memset(&sf, 0, sizeof(sf));
	sf.kind = DKIM_FIELD_DKIM;
	sf.alg = alg;
	sf.hcanon = sg->canon_set ? sg->hcanon : DKIM_CANON_RELAXED;
	sf.bcanon = sg->canon_set ? sg->bcanon : DKIM_CANON_RELAXED;
	nh = pick_headers(m, sg, h);
	for (i = 0; i < nh; i++)
		if (str_ieqn(h[i].p, h[i].len, "from", 4))
			break;
	if (i == nh) {
		*why = "the header list must include From (RFC 6376 5.4)";
		goto out;
	}
	sf.h = h;
	sf.nh = nh;

	memset(&cache, 0, sizeof(cache));
	bh = dkim_body_hash(&cache, m, sf.bcanon, -1);
	if (!bh->ok || (bh64 = dkim_b64_encode(a, bh->digest, 32)) == NULL) {
		*why = "body hash failed";
		goto out;
	}

	/* The field as it will be sent, b= still empty (RFC 6376 3.7). */
	put(&f, "DKIM-Signature: v=1;", 20);
	fold_tag(&f, "a", dkim_alg_name(alg));
	fold_tag(&f, "c", sf.hcanon == DKIM_CANON_RELAXED ?
	    (sf.bcanon == DKIM_CANON_RELAXED ? "relaxed/relaxed" :
	    "relaxed/simple") : (sf.bcanon == DKIM_CANON_RELAXED ?
	    "simple/relaxed" : "simple/simple"));
	fold_tag(&f, "d", sg->domain);
	fold_tag(&f, "s", sg->selector);
	if (sg->identity != NULL)
		fold_tag(&f, "i", sg->identity);
	if (sg->t != 0) {
		snprintf(num, sizeof(num), "%lld", (long long)sg->t);
		fold_tag(&f, "t", num);
	}
	if (sg->x != 0) {
		snprintf(num, sizeof(num), "%lld", (long long)sg->x);
		fold_tag(&f, "x", num);
	}
	fold_tag(&f, "bh", bh64);
	fold_add(&f, " h=", 3, true);
	for (i = 0; i < nh; i++) {
		/* FWS may follow a colon inside h= (RFC 6376 3.5). */
		if (f.col + h[i].len + 2 > FOLD_COL)
			fold_break(&f);
		put(&f, h[i].p, h[i].len);
		put(&f, i + 1 < nh ? ":" : ";", 1);
	}
	fold_add(&f, " b=", 3, true);
	put(&f, f.eol, strlen(f.eol));
	if (f.err) {
		*why = "signature field too long";
		goto out;
	}

	self.raw = f.b.data;
	self.raw_len = f.b.len;
	self.name = f.b.data;
	self.name_len = 14;
	sf.value = f.b.data + 15;
	if (dkim_tags_parse(sf.value, f.b.len - 15, &sf.tags, why) == -1)
		goto out;
	if (dkim_header_hash(m, &sf, &self, a, hh) == -1 ||
	    dkim_privkey_sign(sg->key, a, hh, sizeof(hh), &sig, &slen) == -1 ||
	    (b64 = dkim_b64_encode(a, sig, slen)) == NULL) {
		*why = "signing failed";
		goto out;
	}

	/* Now b=, folded; the verifier drops its FWS (3.5 b=). */
	f.b.len -= strlen(f.eol);
	blen = strlen(b64);
	for (i = 0; i < blen; i += k) {
		if (f.col >= FOLD_COL)
			fold_break(&f);
		k = FOLD_COL - f.col;
		if (k > blen - i)
			k = blen - i;
		put(&f, b64 + i, k);
	}
	put(&f, f.eol, strlen(f.eol));
	if (f.err ||
	    (*field = arena_strndup(a, f.b.data, f.b.len)) == NULL) {
		*why = "out of memory";
		goto out;
	}
	rc = 0;
out:
	buf_free(&f.b);
	return rc;
}
