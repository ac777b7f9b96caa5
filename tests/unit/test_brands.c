/*
 * test_brands.c - brands.c answers exactly what its plain versions did.
 *
 * brands.c takes short cuts for speed: brands_owner() asks the public
 * suffix list only for a host whose ends fit some family glob.  This
 * test includes brands.c itself, so that it can hold the straightforward
 * versions, kept here as they were, against the same loaded data, and
 * compare their answers on many generated hosts: built from the globs,
 * the brands' own domains and random labels.
 */
#include "../../src/detect/brands.c"

#include <unistd.h>

#include "tap.h"
#include "xorshift.h"

#define N_HOSTS		20000

static uint64_t rnd = 0x9e3779b97f4a7c15ull;

/* brands_owner() as it was: the suffix list for every unknown host. */
static int
ref_owner(const struct brands *bs, const char *host)
{
	const char *reg;
	size_t i, j;
	int v;

	if (bs == NULL || host == NULL)
		return -1;
	if (detect_list_find(&bs->owner, host, NULL, &v) != NULL)
		return v;
	reg = psl_registrable_domain(psl_builtin(), host);
	for (i = 0; reg != NULL && i < bs->n; i++)
		for (j = 0; j < bs->v[i].n_globs; j++)
			if (fnmatch(bs->v[i].globs[j], reg, 0) == 0)
				return (int)i;
	return -1;
}

static const char *const labels[] = {
	"www", "mail", "x", "sparkasse", "ksk", "vr", "bank", "de", "com",
	"co", "uk", "at", "example", "login", "xn--bcher-kva", "", "-",
	"sparkasse-", "vr-", "a-b", "1", "SPARKASSE", "online",
};

/* A random host: labels, glob pieces, a brand's domain, odd ends. */
static void
random_host(const struct brands *bs, char *h, size_t size)
{
	const struct brand_glob *g;
	const struct brand *b;
	size_t n = 0, k, i;
	const char *s;

	h[0] = '\0';
	k = 1 + xorshift64(&rnd) % 4;
	for (i = 0; i < k; i++) {
		switch (xorshift64(&rnd) % 4) {
		case 0:
			s = labels[xorshift64(&rnd) %
			    (sizeof(labels) / sizeof(labels[0]))];
			n += (size_t)snprintf(h + n, size - n, "%s%s",
			    i ? "." : "", s);
			break;
		case 1:
			if (bs->n_globs == 0)
				break;
			/* The glob with its wildcards filled in. */
			g = &bs->globs[xorshift64(&rnd) % bs->n_globs];
			if (i > 0)
				n += (size_t)snprintf(h + n, size - n, ".");
			for (s = g->glob; *s != '\0' && n + 8 < size; s++)
				if (*s == '*')
					n += (size_t)snprintf(h + n, size - n,
					    "%s", xorshift64(&rnd) % 3 ? "koeln" :
					    xorshift64(&rnd) % 2 ? "a.b" : "");
				else if (*s == '?')
					h[n++] = 'q';
				else
					h[n++] = *s;
			h[n] = '\0';
			break;
		case 2:
			b = &bs->v[xorshift64(&rnd) % bs->n];
			if (b->n_domains == 0)
				break;
			n += (size_t)snprintf(h + n, size - n, "%s%s",
			    i ? "." : "",
			    b->domains[xorshift64(&rnd) % b->n_domains]);
			break;
		default:
			n += (size_t)snprintf(h + n, size - n, "%s%c%c",
			    i ? "." : "", 'a' + (int)(xorshift64(&rnd) % 26),
			    "-.x"[xorshift64(&rnd) % 3]);
			break;
		}
		if (n >= size)
			n = size - 1;
	}
	if (xorshift64(&rnd) % 8 == 0 && n + 1 < size) {
		h[n++] = '.';
		h[n] = '\0';
	}
}

static void
owner_check(const struct brands *bs, bool real)
{
	static const char *const fixed[] = {
		"sparkasse-koeln.de", "www.sparkasse-koeln.de",
		"xsparkasse-koeln.de", "sparkasse-koeln.de.", "sparkasse-.de",
		"a.b.sparkasse-koeln-bonn.de", "sparkasse-koeln.com",
		"sparkasse-koeln.de.evil.example", "vr-bank.de", "vr-.de",
		"mail.ionos.de", "notionos.de", "de", "", ".", "..de",
		"ksk-x.co.uk", "SPARKASSE-KOELN.DE", "spk-a.b.de",
		"abc-x.de", "www.axc-.de", "xa-1.de", "xc-1.de", "foo*bar.de",
		"foo\\*bar.de", "fooxbar.de", "q.beta.example",
		"x-gamma.co.uk", "a.b-gamma.co.uk", "g.x", "www.gx.y",
	};
	char host[256];
	size_t i, bad = 0, families = 0;
	int want, got;

	ok(bs->n_globs > 0, "the data has family globs (%zu)", bs->n_globs);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		want = ref_owner(bs, fixed[i]);
		got = brands_owner(bs, fixed[i]);
		if (got != want) {
			bad++;
			printf("# %s: %d, want %d\n", fixed[i], got, want);
		}
	}
	ok(bad == 0 && (!real ||
	    (brands_owner(bs, "www.sparkasse-koeln.de") >= 0 &&
	    brands_owner(bs, "sparkasse-koeln.de.evil.example") < 0)) &&
	    (real || (brands_owner(bs, "abc-x.de") == 0 &&
	    brands_owner(bs, "xa-1.de") == 1 &&
	    brands_owner(bs, "x-gamma.co.uk") == 2)),
	    "owners of fixed hosts as before");
	bad = 0;
	for (i = 0; i < N_HOSTS; i++) {
		random_host(bs, host, sizeof(host));
		want = ref_owner(bs, host);
		got = brands_owner(bs, host);
		if (want >= 0 && detect_list_find(&bs->owner, host, NULL,
		    NULL) == NULL)
			families++;
		if (got != want && bad++ < 5)
			printf("# %s: %d, want %d\n", host, got, want);
	}
	ok(bad == 0, "owners of %d generated hosts as before (%zu differ)",
	    N_HOSTS, bad);
	ok(families > N_HOSTS / 50, "%zu of them owned through a glob",
	    families);
}

/* Globs the real data does not have: '?', classes, escapes, a lead '*'. */
static const char awkward[] =
    "Alpha | alpha.example a?c-*.de | Alpha\n"
    "Beta | beta.example x[ab]-*.de *.beta.example | Beta\n"
    "Gamma | gamma.example foo\\*bar.de *-gamma.co.uk g*.* | Gamma\n";

static void
awkward_check(void)
{
	struct brands *bs;
	char path[] = "/tmp/test_brands.XXXXXX", err[256];
	FILE *f;
	int fd;

	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		ok(0, "temporary file");
		return;
	}
	fputs(awkward, f);
	fclose(f);
	err[0] = '\0';
	ok(brands_load(&bs, path, err, sizeof(err)) == 0, "awkward globs: %s",
	    err);
	unlink(path);
	if (bs == NULL)
		return;
	ok(bs->n_globs == 6 && bs->globs[0].pre_len == 1 &&
	    strcmp(bs->globs[0].suf, ".de") == 0 &&
	    bs->globs[1].suf_len == 0 && bs->globs[3].suf_len == 0,
	    "their literal ends");
	owner_check(bs, false);
	brands_free(bs);
}

int
main(void)
{
	struct brands *bs;
	char path[4096], err[256];

	snprintf(path, sizeof(path), "%s/../../data/brands", MT_TESTDIR);
	err[0] = '\0';
	ok(brands_load(&bs, path, err, sizeof(err)) == 0, "load %s: %s",
	    path, err);
	if (bs == NULL)
		return tap_done();
	owner_check(bs, true);
	brands_free(bs);
	awkward_check();
	return tap_done();
}
