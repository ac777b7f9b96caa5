/*
 * test_audit.c - the domain audit on the in-memory zone
 * tests/audit/audit.zone (network probes off): each expected finding
 * with its severity for a well and a badly configured domain, the fixes
 * written out, the catalogs complete in both languages, and the JSON
 * report readable.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "audit/audit.h"
#include "dns/dns.h"
#include "scan/config.h"
#include "scan/pipeline.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "util/buf.h"
#include "verdict/verdict.h"

#define ZONE	MT_TESTDIR "/../audit/audit.zone"
#define DATA	MT_TESTDIR "/../../data/"
#define NOTICE	MT_TESTDIR "/../audit/microsoft-notice"

static struct dns_resolver *res;
static struct catalog *cat_en, *cat_de;

static const struct audit_finding *
find(const struct audit_report *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->f[i].id, id) == 0)
			return &r->f[i];
	return NULL;
}

static void
expect(const struct audit_report *r, const char *id,
    enum audit_severity sev)
{
	const struct audit_finding *f = find(r, id);

	ok(f != NULL && f->sev == sev, "%s: %s is %s", r->domain, id,
	    audit_severity_name(sev));
	if (f != NULL && f->sev != sev)
		printf("#   severity %s\n", audit_severity_name(f->sev));
}

static struct audit_report *
audit(const char *domain, const char *sel)
{
	struct audit_options o = { 0 };
	struct audit_report *r = audit_report_new(domain);
	struct arena *a = arena_new(0);
	struct dns_batch *b = dns_batch_new(res, a);

	if (sel != NULL)
		o.selectors[o.n_selectors++] = sel;
	if (audit_domain(r, b, &o) == -1)
		printf("# audit_domain failed\n");
	dns_batch_free(b);
	arena_free(a);
	return r;
}

/* Every finding has words in both languages. */
static void
check_catalogs(const struct audit_report *r)
{
	size_t i, missing = 0;

	for (i = 0; i < r->n; i++)
		if (catalog_get(cat_en, r->f[i].id) == NULL ||
		    catalog_get(cat_de, r->f[i].id) == NULL) {
			printf("#   no text for %s\n", r->f[i].id);
			missing++;
		}
	is_int(missing, 0, "%s: every finding is explained in en and de",
	    r->domain);
}

static void
test_good(void)
{
	struct audit_report *r = audit("good.example", "sel2048");
	const struct audit_finding *f;

	expect(r, "mx.ok", AUDIT_OK);
	expect(r, "spf.all_fail", AUDIT_OK);
	expect(r, "spf.lookups_ok", AUDIT_OK);
	f = find(r, "spf.lookups_ok");
	is_str(f ? f->args[0] : NULL, "1", "good: one lookup counted");
	expect(r, "dmarc.p_reject", AUDIT_OK);
	expect(r, "dmarc.external_ok", AUDIT_OK);
	expect(r, "dkim.key_ok", AUDIT_OK);
	f = find(r, "dkim.key_ok");
	is_str(f ? f->args[1] : NULL, "rsa 2048 bits", "good: key size");
	expect(r, "mtasts.record", AUDIT_INFO);
	expect(r, "mtasts.not_fetched", AUDIT_INFO);
	expect(r, "tlsrpt.ok", AUDIT_OK);
	expect(r, "bimi.ok", AUDIT_OK);
	expect(r, "tls.not_probed", AUDIT_INFO);
	ok(audit_worst(r) <= AUDIT_INFO, "good: nothing worse than info");
	check_catalogs(r);
	audit_report_free(r);
}

static void
test_bad(void)
{
	struct audit_report *r = audit("bad.example", NULL);
	const struct audit_finding *f;
	char *text;

	expect(r, "spf.all_pass", AUDIT_CRITICAL);
	expect(r, "spf.include_missing", AUDIT_CRITICAL);
	f = find(r, "spf.include_missing");
	is_str(f ? f->args[0] : NULL, "gone.example", "bad: the dead include");
	expect(r, "spf.too_many_lookups", AUDIT_CRITICAL);
	f = find(r, "spf.too_many_lookups");
	is_str(f ? f->args[0] : NULL, "14", "bad: 14 lookups counted");
	expect(r, "spf.ptr", AUDIT_WARNING);
	f = find(r, "spf.all_pass");
	ok(f && f->fix && strstr(f->fix, "-all") &&
	    !strstr(f->fix, "gone.example") && !strstr(f->fix, "ptr"),
	    "bad: the SPF fix drops the dead include and ptr, ends in -all");
	expect(r, "dmarc.p_none", AUDIT_WARNING);
	expect(r, "dmarc.no_rua", AUDIT_WARNING);
	f = find(r, "dmarc.p_none");
	is_str(f ? f->fix : NULL, "_dmarc.bad.example. IN TXT \"v=DMARC1; "
	    "p=reject; rua=mailto:dmarc-reports@bad.example\"",
	    "bad: the DMARC record to publish");
	expect(r, "dkim.key_weak", AUDIT_WARNING);
	expect(r, "dkim.testing", AUDIT_WARNING);
	expect(r, "dkim.revoked", AUDIT_INFO);
	expect(r, "mtasts.record_syntax", AUDIT_CRITICAL);
	expect(r, "tlsrpt.missing", AUDIT_INFO);
	expect(r, "bimi.missing", AUDIT_INFO);
	expect(r, "dane.insecure", AUDIT_WARNING);
	is_int(audit_worst(r), AUDIT_CRITICAL, "bad: worst is critical");
	f = find(r, "spf.include_missing");
	text = f ? audit_explain(r, cat_en, f) : NULL;
	ok(text && strstr(text, "gone.example") && !strchr(text, '{'),
	    "bad: evidence is filled into the explanation");
	check_catalogs(r);
	audit_report_free(r);
}

static void
test_others(void)
{
	struct audit_report *r = audit("nothing.example", NULL);
	const struct audit_finding *f;

	expect(r, "mx.none", AUDIT_WARNING);
	expect(r, "spf.missing", AUDIT_CRITICAL);
	expect(r, "dmarc.missing", AUDIT_CRITICAL);
	expect(r, "dkim.none_found", AUDIT_WARNING);
	expect(r, "mtasts.missing", AUDIT_INFO);
	audit_report_free(r);

	r = audit("ext.example", NULL);
	expect(r, "mx.null", AUDIT_INFO);
	expect(r, "spf.all_neutral", AUDIT_WARNING);
	expect(r, "dmarc.sp_weaker", AUDIT_WARNING);
	expect(r, "dmarc.pct", AUDIT_WARNING);
	expect(r, "dmarc.external_unauthorised", AUDIT_WARNING);
	expect(r, "dmarc.uri_scheme", AUDIT_WARNING);
	f = find(r, "dmarc.external_unauthorised");
	is_str(f ? f->fix : NULL, "ext.example._report._dmarc."
	    "thirdparty.example. IN TXT \"v=DMARC1\"",
	    "ext: the authorisation record to publish");
	check_catalogs(r);
	audit_report_free(r);

	r = audit("sub.ext.example", NULL);
	expect(r, "dmarc.inherited", AUDIT_INFO);
	expect(r, "dmarc.p_none", AUDIT_WARNING);
	f = find(r, "dmarc.inherited");
	is_str(f ? f->args[0] : NULL, "ext.example",
	    "subdomain: the Organizational Domain's record applies");
	f = find(r, "dmarc.external_unauthorised");
	is_str(f ? f->fix : NULL, "ext.example._report._dmarc."
	    "thirdparty.example. IN TXT \"v=DMARC1\"",
	    "subdomain: authorisation is asked for the record's domain");
	check_catalogs(r);
	audit_report_free(r);

	r = audit("loop.example", NULL);
	expect(r, "spf.too_many_lookups", AUDIT_CRITICAL);
	f = find(r, "spf.too_many_lookups");
	ok(f && atoi(f->args[0]) > 10 && atoi(f->args[0]) < 100,
	    "loop: includes of each other stop soon after 10 lookups");
	audit_report_free(r);

	r = audit("missing.example", "nosuch");
	expect(r, "mx.nxdomain", AUDIT_CRITICAL);
	expect(r, "dkim.selector_missing", AUDIT_CRITICAL);
	check_catalogs(r);
	audit_report_free(r);
}

static void
test_json(void)
{
	struct audit_report *r = audit("bad.example", NULL);
	json_error_t err;
	json_t *o;
	FILE *fp = tmpfile();

	ok(fp && audit_print_json(r, cat_de, fp) == 0, "json: printed");
	rewind(fp);
	o = json_loadf(fp, 0, &err);
	ok(o != NULL, "json: parses");
	is_str(json_string_value(json_object_get(o, "worst")), "critical",
	    "json: worst");
	ok(json_array_size(json_object_get(o, "findings")) == r->n,
	    "json: one entry per finding");
	json_decref(o);
	fclose(fp);
	audit_report_free(r);
}

/*
 * The reconstruction of the Microsoft notice (seed story 001): the
 * pipeline's results as a receiver sees them, and the sender's words.
 */
static void
test_message(void)
{
	struct dns_resolver *zres;
	struct config cfg = { 0 };
	struct audit_report *r = NULL;
	struct scan *s = NULL;
	const struct audit_finding *f;
	char err[512] = "";
	struct buf in;

	buf_init(&in, 1024 * 1024);
	zres = dns_zone_open(NOTICE ".zone", err, sizeof(err));
	ok(zres != NULL && config_load(&cfg, DATA, err, sizeof(err)) == 0 &&
	    buf_read_file(&in, NOTICE ".eml") == 0, "notice: set up (%s)",
	    err);
	if (zres == NULL)
		goto out;
	s = scan_new(&cfg, zres);
	ok(s && scan_message(s, in.data, in.len) == 0, "notice: scanned");
	r = audit_report_new("microsoft.com");
	ok(r && s && audit_message(r, s, s->dns) == 0, "notice: audited");
	if (r == NULL || s == NULL)
		goto out;
	is_str(r->msg.spf, "fail", "notice: SPF fail");
	is_str(r->msg.dkim, "none", "notice: DKIM none");
	is_str(r->msg.dmarc, "fail", "notice: DMARC fail");
	expect(r, "msg.no_valid_auth", AUDIT_CRITICAL);
	expect(r, "msg.policy_reject", AUDIT_CRITICAL);
	expect(r, "msg.spf_fail", AUDIT_CRITICAL);
	expect(r, "msg.dkim_none", AUDIT_CRITICAL);
	expect(r, "msg.arc_none", AUDIT_INFO);
	f = find(r, "msg.no_valid_auth");
	ok(f && strstr(audit_explain(r, cat_en, f), "unverified or spam"),
	    "notice: says receivers file it as unverified or spam");
	ok(f && strstr(audit_explain(r, cat_de, f), "als Spam"),
	    "notice: and says it in German");
	check_catalogs(r);
out:
	audit_report_free(r);
	scan_free(s);
	config_free(&cfg);
	dns_resolver_free(zres);
	buf_free(&in);
}

/* The two catalogs hold the same keys. */
static void
test_catalog_keys(void)
{
	static const char *files[2][2] = {
		{ DATA "audit.en", DATA "audit.de" },
		{ DATA "audit.de", DATA "audit.en" },
	};
	char line[4096];
	size_t k, missing = 0;

	for (k = 0; k < 2; k++) {
		FILE *fp = fopen(files[k][0], "r");
		struct catalog *other = k == 0 ? cat_de : cat_en;

		while (fp && fgets(line, sizeof(line), fp) != NULL) {
			if (line[0] == '#' || line[0] == '\n')
				continue;
			line[strcspn(line, " \t\n")] = '\0';
			if (catalog_get(other, line) == NULL) {
				printf("#   %s lacks %s\n", files[k][1], line);
				missing++;
			}
		}
		if (fp)
			fclose(fp);
	}
	is_int(missing, 0, "audit.en and audit.de have the same keys");
}

int
main(void)
{
	char err[512] = "";

	res = dns_zone_open(ZONE, err, sizeof(err));
	cat_en = catalog_load(DATA "audit.en", err, sizeof(err));
	cat_de = catalog_load(DATA "audit.de", err, sizeof(err));
	ok(res && cat_en && cat_de, "zone and catalogs load (%s)", err);
	if (!res || !cat_en || !cat_de)
		return tap_done();
	test_good();
	test_bad();
	test_others();
	test_json();
	test_message();
	test_catalog_keys();
	catalog_free(cat_en);
	catalog_free(cat_de);
	dns_resolver_free(res);
	return tap_done();
}
