/*
 * fuzz_url.c - libFuzzer target: the link readers of src/detect/ on any
 * bytes: urls_parse (libcurl underneath, our scheme and host handling
 * around it; its own reader of plain links must agree with libcurl),
 * urls_host_in_text, urls_redirect_target, detect_utf8,
 * lookalike_distance, and the brand and lexicon patterns (PCRE2 with
 * its match limit) from the shipped data/, loaded once.  The input as a
 * domain goes through lookalike_brand (the label index), and its ASCII
 * skeleton built from the per-character table must be ICU's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "scan/config.h"
#include "util/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t sink;
static struct config cfg;
static int loaded;	/* 1 ok, -1 failed */

/* Any string as a registrable domain; the two skeleton paths agree. */
static void
lookalike_fuzz(struct arena *a, const char *s)
{
	const struct lookalike *lk = cfg.detect->lookalike;
	char fast[1024], icu[1024];
	const char *target;
	int brand, rf, ri;

	sink += (size_t)lookalike_brand(lk, cfg.detect->brands, a, s, &brand,
	    &target);
	rf = lookalike_skeleton(lk, s, fast, sizeof(fast));
	ri = lookalike_skeleton_icu(lk, s, icu, sizeof(icu));
	if (rf != ri || (rf == 0 && strcmp(fast, icu) != 0))
		abort();
}

static bool
same_str(const char *x, const char *y)
{
	return (x == NULL && y == NULL) ||
	    (x != NULL && y != NULL && strcmp(x, y) == 0);
}

/* urls_parse() reads plain links without curl: it must agree with it. */
static void
same_as_curl(struct arena *a, void *cu, const char *s)
{
	struct url x, y;
	int rx, ry;

	rx = urls_parse(a, cu, s, &x);
	ry = urls_parse_curl(a, cu, s, &y);
	if (rx != ry || (rx == 0 && (!same_str(x.scheme, y.scheme) ||
	    !same_str(x.host, y.host) || !same_str(x.path, y.path) ||
	    !same_str(x.query, y.query) || !same_str(x.regdom, y.regdom) ||
	    x.ip != y.ip || x.userinfo != y.userinfo || x.idn != y.idn)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct lexicon_hit lh[LEXICON_MAX_SYMBOLS];
	struct brand_hit bh[8];
	struct arena *a;
	struct url u;
	char *s, *h;
	void *cu;
	char err[512];

	if (loaded == 0)
		loaded = config_load(&cfg, MT_SRCDATADIR, err,
		    sizeof(err)) == 0 ? 1 : -1;
	if (len > 65536)
		return 0;
	a = arena_new(0);
	if ((s = arena_strndup(a, (const char *)data, len)) == NULL)
		goto out;
	cu = urls_handle();
	if (urls_parse(a, cu, s, &u) == 0) {
		sink += strlen(u.host) + strlen(u.regdom);
		if ((h = urls_redirect_target(a, &u)) != NULL)
			sink += strlen(h);
	}
	same_as_curl(a, cu, s);
	urls_handle_free(cu);
	if ((h = urls_host_in_text(a, (const char *)data, len)) != NULL)
		sink += strlen(h);
	if (detect_utf8(a, (const char *)data, len) != NULL)
		sink++;
	sink += lookalike_distance((const char *)data, len / 2,
	    (const char *)data + len / 2, len - len / 2, 2);
	if (loaded == 1) {
		lookalike_fuzz(a, s);
		sink += lexicon_scan(cfg.detect->lexicon, a, (const char *)data,
		    len, lh, LEXICON_MAX_SYMBOLS);
		sink += brands_find(cfg.detect->brands, a, (const char *)data,
		    len, len & 1, bh, 8);
	}
out:
	arena_free(a);
	return 0;
}
