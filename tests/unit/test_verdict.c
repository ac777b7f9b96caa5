/*
 * test_verdict.c - score table, verdict rules, catalogs, and the shipped
 * data files (every symbol a check can emit has a weight and both
 * explanations).  The sentences are compared with the buffer-based
 * rendering they replaced over generated scans, and the catalog's hash
 * lookup with a search of the file's lines.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "tempfile.h"
#include "xorshift.h"
#include "mime/message.h"
#include "scan/config.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "util/buf.h"
#include "verdict/verdict.h"

static struct scan *
new_scan(struct arena *a, const struct config *cfg)
{
	struct scan *s = arena_alloc(a, sizeof(*s));

	s->arena = a;
	s->cfg = cfg;
	return s;
}

/*
 * The sentences as catalog.c built them before it stopped using heap
 * buffers and printf: the reference for the differential below.
 */
static const struct catalog *
ref_catalog(const struct scan *s, enum lang lang)
{
	if (s->cfg == NULL || (unsigned)lang >= LANG_COUNT)
		return NULL;
	return s->cfg->catalog[lang];
}

static char *
ref_render(struct scan *s, const char *tmpl, const struct symbol *sym)
{
	const struct message *m = s->msg;
	const char *from = NULL, *domain = NULL, *val, *p;
	struct buf out;
	size_t n, skip;
	char *r;

	if (m != NULL && m->from.n > 0) {
		from = m->from.v[0].addr;
		domain = m->from.v[0].domain;
	}
	buf_init(&out, 64 * 1024);
	for (p = tmpl; *p != '\0'; p += skip) {
		n = strcspn(p, "{");
		buf_add(&out, p, n);
		if (p[n] == '\0')
			break;
		p += n;
		val = NULL;
		skip = 1;
		if (p[1] >= '1' && p[1] <= '4' && p[2] == '}') {
			unsigned i = (unsigned)(p[1] - '1');

			val = (sym != NULL && i < sym->nargs) ? sym->args[i] :
			    "?";
			skip = 3;
		} else if (strncmp(p, "{from}", 6) == 0) {
			val = from ? from : "?";
			skip = 6;
		} else if (strncmp(p, "{domain}", 8) == 0) {
			val = domain ? domain : "?";
			skip = 8;
		}
		if (val != NULL)
			buf_adds(&out, val);
		else
			buf_addc(&out, '{');
	}
	r = arena_strndup(s->arena, out.data ? out.data : "", out.len);
	buf_free(&out);
	return r;
}

static char *
ref_symbol(struct scan *s, enum lang lang, const struct symbol *sym)
{
	const char *tmpl;

	tmpl = catalog_get(ref_catalog(s, lang), sym->name);
	if (tmpl == NULL)
		tmpl = catalog_get(ref_catalog(s, lang), "ui.unknown_symbol");
	if (tmpl == NULL)
		return arena_printf(s->arena, "%s", sym->name);
	if (catalog_get(ref_catalog(s, lang), sym->name) == NULL) {
		struct symbol named = { .name = sym->name, .nargs = 1 };

		named.args[0] = sym->name;
		return ref_render(s, tmpl, &named);
	}
	return ref_render(s, tmpl, sym);
}

static const char *
ref_label(const struct scan *s, enum lang lang)
{
	char key[64];
	const char *t;

	snprintf(key, sizeof(key), "verdict.%s", verdict_name(s->verdict));
	t = catalog_get(ref_catalog(s, lang), key);
	return t ? t : verdict_name(s->verdict);
}

static const struct symbol *
ref_brand_unverified(const struct scan *s)
{
	size_t i;

	if (s->verdict != VERDICT_SUSPICIOUS)
		return NULL;
	for (i = 0; i < s->n_symbols; i++)
		if (strcmp(s->symbols[i].name, "BRAND_UNVERIFIED") == 0)
			return &s->symbols[i];
	return NULL;
}

static bool
ref_same_family(const char *a, const char *b)
{
	size_t n = strcspn(a, "_");

	return n == strcspn(b, "_") && strncmp(a, b, n) == 0;
}

static int
ref_class_rank(enum verdict v, int cls)
{
	switch (cls) {
	case SYM_MALWARE:
		return 0;
	case SYM_PHISH:
		return v == VERDICT_SPAM ? 2 : 1;
	case SYM_SPAM:
		return v == VERDICT_SPAM ? 1 : 2;
	case SYM_AUTH:
		return 4;
	default:
		return 3;
	}
}

static bool
ref_reads_before(enum verdict v, const struct symbol *a,
    const struct symbol *b)
{
	int ra = ref_class_rank(v, a->cls), rb = ref_class_rank(v, b->cls);
	bool ab = strstr(a->name, "BUTTON") != NULL;
	bool bb = strstr(b->name, "BUTTON") != NULL;

	if (ra != rb)
		return ra < rb;
	if (ab != bb && ref_same_family(a->name, b->name))
		return ab;
	return a->score > b->score;
}

static size_t
ref_pick_reasons(const struct scan *s, const struct catalog *c,
    const struct symbol *lead, const struct symbol **top)
{
	const struct symbol *best;
	size_t i, k, n = 0;
	bool taken;

	while (n < 4) {
		best = NULL;
		for (i = 0; i < s->n_symbols; i++) {
			const struct symbol *sym = &s->symbols[i];

			if (sym->score <= 0 || sym == lead ||
			    catalog_get(c, sym->name) == NULL)
				continue;
			for (taken = false, k = 0; k < n && !taken; k++)
				taken = ref_same_family(top[k]->name,
				    sym->name);
			if (!taken && (best == NULL ||
			    ref_reads_before(s->verdict, sym, best)))
				best = sym;
		}
		if (best == NULL)
			break;
		top[n++] = best;
	}
	return n;
}

static const struct symbol *
ref_located(const struct scan *s, const struct catalog *c)
{
	static const char *const names[] = { "LINK_BUTTON_LOCATION",
	    "LINK_TARGET_LOCATION" };
	size_t i, k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < s->n_symbols; i++)
			if (strcmp(s->symbols[i].name, names[k]) == 0 &&
			    catalog_get(c, names[k]) != NULL)
				return &s->symbols[i];
	return NULL;
}

static void
ref_add_text(struct buf *out, const char *text)
{
	if (text != NULL)
		buf_adds(out, text);
}

static char *
ref_summary(struct scan *s, enum lang lang)
{
	const struct symbol *top[4], *lead, *loc;
	const struct catalog *c = ref_catalog(s, lang);
	size_t i, n = 0;
	const char *tmpl;
	struct buf out;
	char key[64], *r;

	snprintf(key, sizeof(key), "summary.%s", verdict_name(s->verdict));
	tmpl = catalog_get(c, key);
	if (s->verdict == VERDICT_AUTHENTICATED && s->auth.arc_trusted &&
	    catalog_get(c, "summary.authenticated_arc") != NULL)
		tmpl = catalog_get(c, "summary.authenticated_arc");
	if ((lead = ref_brand_unverified(s)) != NULL &&
	    catalog_get(c, "summary.brand_unverified") != NULL)
		tmpl = catalog_get(c, "summary.brand_unverified");
	else
		lead = NULL;
	buf_init(&out, 64 * 1024);
	if (tmpl != NULL)
		ref_add_text(&out, ref_render(s, tmpl, lead));
	if (s->verdict != VERDICT_AUTHENTICATED)
		n = ref_pick_reasons(s, c, lead, top);
	for (i = 0; i < n; i++) {
		if (out.len > 0)
			buf_addc(&out, ' ');
		ref_add_text(&out, ref_symbol(s, lang, top[i]));
		if (strncmp(top[i]->name, "LINK_", 5) == 0 &&
		    (loc = ref_located(s, c)) != NULL) {
			buf_addc(&out, ' ');
			ref_add_text(&out, ref_symbol(s, lang, loc));
		}
	}
	if (s->failed && (tmpl = catalog_get(c, "ui.internal_failure")) != NULL) {
		if (out.len > 0)
			buf_addc(&out, ' ');
		buf_adds(&out, tmpl);
	}
	r = arena_strndup(s->arena, out.data ? out.data : "", out.len);
	buf_free(&out);
	return r;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned
rndn(unsigned n)
{
	return (unsigned)(xorshift64(&rng) % n);
}

/*
 * Evidence: words with the template's own marks in them ("{1}", "{",
 * "{from}"), empty, now and then 30000 bytes, so that sentences and
 * summaries pass the 64 KiB ceiling, or about 1000.
 */
static char *
gen_arg(struct arena *a)
{
	static const char *const words[] = { "bank.example", "{1}", "{",
	    "{from}", "}", "203.0.113.5", "Ä", "", "{domain}", " " };
	size_t n, i;
	char *s;

	if (rndn(60) == 0) {
		n = 20000 + rndn(20000);
		s = arena_alloc(a, n + 1);
		memset(s, 'x', n);
		return s;
	}
	/* About the 1 KiB a sentence is first rendered in. */
	if (rndn(20) == 0) {
		n = 900 + rndn(250);
		s = arena_alloc(a, n + 1);
		memset(s, 'y', n);
		return s;
	}
	n = rndn(4);
	s = arena_alloc(a, 64);
	for (i = 0; i < n; i++)
		strcat(s, words[rndn(sizeof(words) / sizeof(words[0]))]);
	return s;
}

/* Catalog keys of every family the summary treats apart, and unknowns. */
static const char *
gen_name(void)
{
	static const char *const names[] = { "BRAND_UNVERIFIED",
	    "BRAND_FAKE_NAME", "BRAND_FAKE_CONTENT", "LINK_BUTTON_LOCATION",
	    "LINK_TARGET_LOCATION", "LINK_BUTTON_UNRELATED", "LINK_USERINFO",
	    "LINK_IP_LITERAL", "LINK_LOOKALIKE", "PRESSURE_ACCOUNT",
	    "PRESSURE_DEADLINE", "SPF_FAIL", "DMARC_FAIL_REJECT", "DKIM_FAIL",
	    "ATTACH_MACRO", "LURE_PRIZE", "BULK_MAILER", "MSG_NO_FROM",
	    "NO_SUCH_SYMBOL", "LINK", "LINK_", "LINKX_BUTTON", "X", "XY",
	    "BUTTON_NOWHERE", "AV_FOUND", "BAYES_SPAM", "DMARC_PASS" };

	return names[rndn(sizeof(names) / sizeof(names[0]))];
}

static struct scan *
gen_scan(struct arena *a, const struct config *cfg)
{
	struct scan *s = new_scan(a, cfg);
	struct message *m;
	struct symbol *sym;
	size_t i, n;
	unsigned k;

	s->verdict = (enum verdict)rndn(VERDICT_COUNT + 1);
	s->auth.arc_trusted = rndn(2);
	s->failed = rndn(5) == 0;
	if (rndn(4) != 0) {
		m = arena_alloc(a, sizeof(*m));
		if (rndn(5) != 0) {
			m->from.n = 1;
			m->from.v = arena_alloc(a, sizeof(*m->from.v));
			m->from.v[0].addr = rndn(5) ? gen_arg(a) : NULL;
			m->from.v[0].domain = rndn(5) ? gen_arg(a) : NULL;
		}
		s->msg = m;
	}
	/* Now and then more than pick_reasons() remembers (64). */
	n = rndn(40) == 0 ? 60 + rndn(20) : rndn(12);
	s->symbols = arena_calloc(a, n + 1, sizeof(*s->symbols));
	for (i = 0; i < n; i++) {
		sym = &s->symbols[s->n_symbols++];
		sym->name = gen_name();
		sym->score = ((double)rndn(13) - 4) / 2;
		sym->cls = (int)rndn(SYM_CLASS_COUNT);
		sym->nargs = rndn(SYMBOL_MAX_ARGS + 1);
		for (k = 0; k < sym->nargs; k++)
			sym->args[k] = gen_arg(a);
	}
	return s;
}

static int
differ(const char *what, const char *want, const char *got)
{
	if ((want == NULL && got == NULL) || (want != NULL && got != NULL &&
	    strcmp(want, got) == 0))
		return 0;
	printf("# %s: want \"%.100s\", got \"%.100s\"\n", what,
	    want ? want : "(null)", got ? got : "(null)");
	return 1;
}

/* Sentences of each of s's symbols that differ from the reference's. */
static int
symbols_differ(struct scan *s, enum lang lang)
{
	size_t i;
	int diff = 0;

	for (i = 0; i < s->n_symbols; i++)
		diff += differ("symbol", ref_symbol(s, lang, &s->symbols[i]),
		    explain_symbol(s, lang, &s->symbols[i]));
	return diff;
}

/* explain_*() write what the buffer-based rendering wrote. */
static void
test_sentences_same(const struct config *cfg)
{
	struct arena *a;
	struct scan *s;
	size_t longest = 0;
	int t, diff = 0;
	enum lang lang;
	char *got;

	for (t = 0; t < 20000 && diff < 5; t++) {
		if ((a = arena_new(0)) == NULL)
			break;
		s = gen_scan(a, cfg);
		lang = (enum lang)rndn(LANG_COUNT);
		got = explain_summary(s, lang);
		if (got != NULL && strlen(got) > longest)
			longest = strlen(got);
		diff += differ("summary", ref_summary(s, lang), got);
		diff += differ("label", ref_label(s, lang),
		    explain_verdict_label(s, lang));
		diff += symbols_differ(s, lang);
		arena_free(a);
	}
	is_int(t, 20000, "20000 generated scans");
	is_int(diff, 0, "sentences as the buffer-based rendering wrote them");
	ok(longest > 60000, "summaries reach the ceiling (%zu)", longest);
}

/*
 * The same with a catalog whose keys have families of one word ("LINK",
 * "X"), a button in several, and templates with marks at their ends.
 */
static void
test_families_same(const struct config *cfg)
{
	struct config alt = *cfg;
	struct catalog *cat;
	struct arena *a;
	struct scan *s;
	char err[256], *path;
	int t, diff = 0;

	path = write_temp("LINK a link {1}\nLINK_ more {2}{\nX x{3}\n"
	    "LINKX_BUTTON b {from}\nBUTTON_NOWHERE {domain}\n"
	    "LINK_BUTTON_LOCATION at {1}\nLINK_USERINFO u {4}\n"
	    "BRAND_UNVERIFIED {1\nsummary.phishing P {from} {\n"
	    "summary.suspicious S\nsummary.brand_unverified B {1} {2}\n"
	    "ui.unknown_symbol unknown {1}\nui.internal_failure F\n");
	cat = catalog_load(path, err, sizeof(err));
	unlink(path);
	ok(cat != NULL, "a catalog of one-word families loads (%s)",
	    cat ? "ok" : err);
	alt.catalog[LANG_DE] = cat;
	for (t = 0; t < 20000 && diff < 5 && cat != NULL; t++) {
		if ((a = arena_new(0)) == NULL)
			break;
		s = gen_scan(a, &alt);
		diff += differ("summary", ref_summary(s, LANG_DE),
		    explain_summary(s, LANG_DE));
		diff += symbols_differ(s, LANG_DE);
		arena_free(a);
	}
	is_int(diff, 0, "and with one-word families");
	catalog_free(cat);
}

/*
 * catalog_get() against a search of the file's lines: each key, and
 * keys near them (lengthened, cut, in another case, other prefixes).
 */
#define LOOKUP_MAX	4096

static const char *
lines_get(char *const *keys, char *const *texts, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0)
			return texts[i];
	return NULL;
}

/* 1 when catalog_get() answers key otherwise than the file's lines. */
static int
probe_differs(const struct catalog *c, char *const *keys,
    char *const *texts, size_t n, const char *key)
{
	const char *want = lines_get(keys, texts, n, key);
	const char *got = catalog_get(c, key);

	return (want == NULL) != (got == NULL) ||
	    (want != NULL && strcmp(want, got) != 0);
}

static void
test_lookup(const struct config *cfg)
{
	static const char *const suffix[] = { "", "X", "_", ".", "s" };
	static char *keys[LOOKUP_MAX], *texts[LOOKUP_MAX];
	char path[4096], line[2048], key[2100], *sp;
	const struct catalog *c = cfg->catalog[LANG_EN];
	size_t i, k, n = 0, bad = 0, probes = 0, len;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/explain.en", MT_SRCDATADIR);
	if ((fp = fopen(path, "r")) == NULL) {
		ok(0, "%s opens", path);
		return;
	}
	while (n < LOOKUP_MAX && fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0' ||
		    (sp = strpbrk(line, " \t")) == NULL)
			continue;
		*sp++ = '\0';
		sp += strspn(sp, " \t");
		keys[n] = strdup(line);
		texts[n++] = strdup(sp);
	}
	fclose(fp);
	for (i = 0; i < n; i++) {
		len = strlen(keys[i]);
		for (k = 0; k < sizeof(suffix) / sizeof(suffix[0]); k++) {
			snprintf(key, sizeof(key), "%s%s", keys[i], suffix[k]);
			bad += probe_differs(c, keys, texts, n, key);
			probes++;
			/* Cut by one, and the first letter's case flipped. */
			key[len - 1] = '\0';
			if (k == 1)
				key[0] = (char)(key[0] ^ 0x20);
			bad += probe_differs(c, keys, texts, n, key);
			probes++;
		}
	}
	ok(n > 100 && bad == 0, "catalog_get() as a search of the %zu lines, "
	    "over %zu keys (%zu wrong)", n, probes, bad);
	ok(catalog_get(c, "") == NULL && catalog_get(c, "verdict.") == NULL,
	    "no entry for an empty or cut key");
	for (i = 0; i < n; i++) {
		free(keys[i]);
		free(texts[i]);
	}
}

int
main(void)
{
	struct score_table *t;
	struct config cfg;
	struct arena *a;
	struct scan *s;
	char err[512], *path;
	double w;
	int cls;

	/* The table format and its errors. */
	path = write_temp("threshold phishing 9\nsymbol B 1.5 phish\n"
	    "symbol A -2 good # comment\naction spam reject\n");
	t = score_table_load(path, err, sizeof(err));
	unlink(path);
	ok(t != NULL, "score table loads");
	score_lookup(t, "A", &w, &cls);
	ok(w == -2 && cls == SYM_GOOD, "lookup A");
	score_lookup(t, "B", &w, &cls);
	ok(w == 1.5 && cls == SYM_PHISH, "lookup B");
	score_lookup(t, "C", &w, &cls);
	ok(w == 0 && cls == SYM_INFO, "unknown symbol: 0, info");
	score_table_free(t);

	path = write_temp("symbol A 1 phish\nsymbol B x phish\n");
	t = score_table_load(path, err, sizeof(err));
	unlink(path);
	ok(t == NULL && strstr(err, ":2:") != NULL,
	    "a bad weight is refused with its line (%s)", err);
	path = write_temp("symbol A 1 phish\nsymbol A 2 phish\n");
	t = score_table_load(path, err, sizeof(err));
	unlink(path);
	ok(t == NULL && strstr(err, "twice") != NULL, "duplicates refused");

	/* The shipped data. */
	ok(config_load(&cfg, MT_SRCDATADIR, err, sizeof(err)) == 0,
	    "data/ loads (%s)", err);

	a = arena_new(0);
	s = new_scan(a, &cfg);
	verdict_decide(s);
	is_int(s->verdict, VERDICT_UNVERIFIED, "no evidence, no DMARC: unverified");
	is_int(s->action, ACTION_ACCEPT, "unverified is delivered");
	s->auth.dmarc = AUTH_PASS;
	scan_symbol(s, "DMARC_PASS", "example.org");
	verdict_decide(s);
	is_int(s->verdict, VERDICT_AUTHENTICATED, "DMARC pass: authenticated");
	ok(s->score < 0, "DMARC_PASS weighs for the message");

	s = new_scan(a, &cfg);
	scan_symbol(s, "DMARC_FAIL_REJECT", "bank.example");
	scan_symbol(s, "SPF_FAIL", "bank.example", "203.0.113.5");
	scan_symbol(s, "SPF_FAIL", "ignored.example");
	is_int(s->n_symbols, 2, "a repeated symbol is counted once");
	verdict_decide(s);
	ok(s->score == 7.0, "score is the sum of weights (%.1f)", s->score);
	/* A failed check alone says "not confirmed", not "deceiving". */
	is_int(s->verdict, VERDICT_SUSPICIOUS,
	    "forged sender of a reject domain, nothing else: suspicious");
	is_int(s->action, ACTION_TAG, "suspicious is tagged");
	scan_symbol(s, "SELF_SPOOF_ADDRESS", "empfang@praxis.example");
	scan_symbol(s, "BRAND_FAKE_NAME", "IONOS", "IONOS Service", "x.example");
	verdict_decide(s);
	is_int(s->verdict, VERDICT_PHISHING,
	    "with self-spoofing and a fake brand name: phishing");
	is_int(s->action, ACTION_QUARANTINE, "phishing is quarantined");
	/* mailtrust.conf's "action phishing reject", for every front end. */
	cfg.policy[VERDICT_PHISHING].action = ACTION_REJECT;
	verdict_decide(s);
	is_int(s->action, ACTION_REJECT, "the configured action wins");
	cfg.policy[VERDICT_PHISHING].action = -1;

	/*
	 * Story 001: a brand's own address, unauthenticated, with the
	 * urgent words of any security notice, is "claims to be Microsoft,
	 * not authenticated"; deceptive links on top make it phishing.
	 */
	s = new_scan(a, &cfg);
	scan_symbol(s, "SPF_FAIL", "microsoft.com", "20.98.144.11");
	scan_symbol(s, "DMARC_FAIL_REJECT", "microsoft.com");
	scan_symbol(s, "BRAND_UNVERIFIED", "Microsoft", "microsoft.com");
	scan_symbol(s, "PRESSURE_ACCOUNT", "Access is limited");
	scan_symbol(s, "PRESSURE_DEADLINE", "within 30 days");
	scan_symbol(s, "PRESSURE_VERIFY", "verify your identity");
	verdict_decide(s);
	is_int(s->verdict, VERDICT_SUSPICIOUS,
	    "brand's own address, not authenticated: suspicious");
	ok(strncmp(explain_summary(s, LANG_EN), "This message claims to come "
	    "from Microsoft (microsoft.com), but it cannot be confirmed that "
	    "Microsoft really sent it", 98) == 0,
	    "the English summary opens with the unconfirmed brand");
	ok(strstr(explain_summary(s, LANG_DE), "nicht best\xc3\xa4tigen, "
	    "dass Microsoft sie wirklich geschickt hat") != NULL,
	    "the German summary says it plainly too");
	scan_symbol(s, "LINK_USERINFO", "https://microsoft.com@x.example/",
	    "x.example");
	scan_symbol(s, "LINK_IP_LITERAL", "192.0.2.80");
	verdict_decide(s);
	is_int(s->verdict, VERDICT_PHISHING,
	    "the same with deceptive links: phishing");

	s = new_scan(a, &cfg);
	scan_symbol(s, "MSG_NO_FROM");
	scan_symbol(s, "MSG_TOO_DEEP");
	scan_symbol(s, "MSG_MULTIPLE_FROM");
	verdict_decide(s);
	ok(s->verdict != VERDICT_PHISHING,
	    "defects alone never make phishing (%s)", verdict_name(s->verdict));
	s->failed = true;
	verdict_decide(s);
	is_int(s->action, ACTION_TEMPFAIL, "an internal failure tempfails");

	/* Explanations. */
	s = new_scan(a, &cfg);
	scan_symbol(s, "SPF_FAIL", "praxis.example", "198.51.100.7");
	ok(strstr(explain_symbol(s, LANG_EN, &s->symbols[0]),
	    "198.51.100.7") != NULL, "evidence fills the English template");
	ok(strstr(explain_symbol(s, LANG_DE, &s->symbols[0]),
	    "praxis.example") != NULL, "evidence fills the German template");
	scan_symbol(s, "NO_SUCH_SYMBOL_X");
	ok(strstr(explain_symbol(s, LANG_EN, &s->symbols[1]),
	    "NO_SUCH_SYMBOL_X") != NULL, "an unknown symbol is named");
	verdict_decide(s);
	ok(strlen(explain_summary(s, LANG_DE)) > 20, "German summary");
	is_str(explain_verdict_label(s, LANG_DE), "Absender nicht bestätigt",
	    "German label");

	/* Every weighted symbol is explained in both languages. */
	{
		FILE *fp;
		char line[512], name[128], path2[4096];
		int missing = 0, n = 0;

		snprintf(path2, sizeof(path2), "%s/scores", MT_SRCDATADIR);
		fp = fopen(path2, "r");
		while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
			if (sscanf(line, "symbol %127s", name) != 1)
				continue;
			n++;
			if (catalog_get(cfg.catalog[LANG_EN], name) == NULL ||
			    catalog_get(cfg.catalog[LANG_DE], name) == NULL) {
				printf("# %s lacks an explanation\n", name);
				missing++;
			}
		}
		if (fp != NULL)
			fclose(fp);
		ok(n > 20 && missing == 0,
		    "all %d symbols explained in en and de", n);
	}
	arena_free(a);
	test_sentences_same(&cfg);
	test_families_same(&cfg);
	test_lookup(&cfg);
	config_free(&cfg);
	return tap_done();
}
