/*
 * test_verdict.c - score table, verdict rules, catalogs, and the shipped
 * data files (every symbol a check can emit has a weight and both
 * explanations).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "scan/config.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "verdict/verdict.h"

static char *
write_temp(const char *text)
{
	static char path[64];
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), "/tmp/mt-test-XXXXXX");
	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	fputs(text, fp);
	fclose(fp);
	return path;
}

static struct scan *
new_scan(struct arena *a, const struct config *cfg)
{
	struct scan *s = arena_alloc(a, sizeof(*s));

	s->arena = a;
	s->cfg = cfg;
	return s;
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
	config_free(&cfg);
	return tap_done();
}
