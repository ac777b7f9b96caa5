/*
 * test_milter.c - what the milter tells the MTA: milter_plan() over the
 * bundled examples (DNS from examples/examples.zone), the policy of
 * mailtrust.conf, forged Authentication-Results, subject tags, the
 * tempfail of a failed scan, and outbound DKIM signing (checked by
 * verifying the signed message through the pipeline).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "front/milter.h"
#include "dns/dns.h"
#include "scan/conffile.h"
#include "scan/config.h"
#include "scan/pipeline.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "util/buf.h"

#define EXAMPLES	MT_TESTDIR "/../../examples/"

static struct dns_resolver *res;

static int
load_cfg(struct config *c, const char *conf)
{
	char err[512];

	if (config_load(c, MT_SRCDATADIR, err, sizeof(err)) == -1 ||
	    conffile_parse(c, conf, strlen(conf), "test.conf", 1, err,
	    sizeof(err)) == -1) {
		printf("# config: %s\n", err);
		return -1;
	}
	return 0;
}

static char *
read_example(const char *name, size_t *len)
{
	char path[512];
	struct buf b;

	snprintf(path, sizeof(path), "%s%s", EXAMPLES, name);
	buf_init(&b, 1u << 24);
	if (buf_read_file(&b, path) == -1) {
		buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.data;
}

static const struct milter_edit *
find_edit(const struct milter_plan *p, enum milter_edit_op op,
    const char *name)
{
	size_t i;

	for (i = 0; i < p->n_edits; i++)
		if (p->edits[i].op == op && strcmp(p->edits[i].name, name) == 0)
			return &p->edits[i];
	return NULL;
}

/* Scans text with the config and plans; the scan is returned for more. */
static struct scan *
plan_text(const struct config *c, const char *text, size_t len,
    struct milter_plan *p)
{
	struct scan *s = scan_new(c, res);

	if (s == NULL)
		return NULL;
	scan_message(s, text, len);
	milter_plan(s, false, p);
	return s;
}

static void
test_examples(void)
{
	struct config c;
	struct milter_plan p;
	const struct milter_edit *e;
	struct scan *s;
	char *text;
	size_t len;

	if (load_cfg(&c, "authserv_id mx.test\n") == -1) {
		ok(0, "config");
		return;
	}
	text = read_example("ionos-fake-self.eml", &len);
	s = plan_text(&c, text, len, &p);
	is_int(p.action, ACTION_QUARANTINE, "phishing: quarantine by data");
	e = find_edit(&p, MILTER_EDIT_INSERT, "Authentication-Results");
	ok(e != NULL && strncmp(e->value, "mx.test;", 8) == 0,
	    "Authentication-Results with our authserv-id on top");
	ok(e != NULL && strstr(e->value, "spf=fail") != NULL &&
	    strstr(e->value, ";\n\t") != NULL, "folded with LF TAB");
	e = find_edit(&p, MILTER_EDIT_ADD, "X-Mailtrust-Verdict");
	is_str(e ? e->value : NULL, "phishing", "X-Mailtrust-Verdict");
	e = find_edit(&p, MILTER_EDIT_ADD, "X-Spam-Flag");
	is_str(e ? e->value : NULL, "YES", "X-Spam-Flag");
	e = find_edit(&p, MILTER_EDIT_ADD, "X-Spam-Status");
	ok(e != NULL && strncmp(e->value, "Yes, score=", 11) == 0 &&
	    strstr(e->value, "SELF_SPOOF_ADDRESS") != NULL,
	    "X-Spam-Status in SpamAssassin's form");
	scan_free(s);
	free(text);

	text = read_example("ham-de-befund.eml", &len);
	s = plan_text(&c, text, len, &p);
	is_int(p.action, ACTION_ACCEPT, "authenticated ham: accept");
	e = find_edit(&p, MILTER_EDIT_ADD, "X-Spam-Flag");
	is_str(e ? e->value : NULL, "NO", "X-Spam-Flag NO");
	ok(find_edit(&p, MILTER_EDIT_DELETE, "Authentication-Results") ==
	    NULL, "nothing to remove");
	scan_free(s);
	free(text);
	config_free(&c);
}

static void
test_policy(void)
{
	struct config c;
	struct milter_plan p;
	const struct milter_edit *e;
	struct scan *s;
	char *text;
	size_t len;

	if (load_cfg(&c, "authserv_id mx.test\n"
	    "action phishing reject \"5.7.9 No phishing, 100% sure\"\n"
	    "action authenticated tag \"[OK]\"\n"
	    "action suspicious tempfail\n") == -1) {
		ok(0, "config");
		return;
	}
	text = read_example("ionos-fake-self.eml", &len);
	s = plan_text(&c, text, len, &p);
	is_int(p.action, ACTION_REJECT, "policy: phishing rejected");
	is_str(p.rcode, "550", "reply code");
	is_str(p.xcode, "5.7.9", "enhanced code from the configured text");
	is_str(p.text, "No phishing, 100  sure", "text, '%%' made harmless");
	scan_free(s);
	free(text);

	text = read_example("ham-de-befund.eml", &len);
	s = plan_text(&c, text, len, &p);
	is_int(p.action, ACTION_TAG, "policy: tag");
	e = find_edit(&p, MILTER_EDIT_CHANGE, "Subject");
	ok(e != NULL && e->index == 1 && strncmp(e->value, "[OK] =?UTF-8?Q?",
	    15) == 0 && strstr(e->value, "\n =?UTF-8?Q?verf") != NULL,
	    "subject tagged, the raw value kept with LF folds");
	scan_free(s);
	free(text);

	text = read_example("microsoft-notice-unauth.eml", &len);
	s = plan_text(&c, text, len, &p);
	is_int(p.action, ACTION_TEMPFAIL, "policy: tempfail");
	ok(p.rcode && strcmp(p.rcode, "451") == 0 && p.text != NULL,
	    "tempfail has a 451 reply");
	scan_free(s);
	free(text);
	config_free(&c);
}

static void
test_forged(void)
{
	static const char msg[] =
	    "Authentication-Results: other.example; spf=pass\r\n"
	    "Authentication-Results: MX.test; dkim=pass header.d=bank.example\r\n"
	    "X-Spam-Flag: NO\r\n"
	    "Authentication-Results: mx.test (forged); dmarc=pass\r\n"
	    "From: a@bank.example\r\nTo: b@praxis-example.de\r\n"
	    "Subject: hi\r\n\r\nhello\r\n";
	struct config c;
	struct milter_plan p;
	struct scan *s;
	size_t i, n_del = 0;
	int idx[4] = { 0 };

	if (load_cfg(&c, "authserv_id mx.test\n") == -1) {
		ok(0, "config");
		return;
	}
	s = plan_text(&c, msg, sizeof(msg) - 1, &p);
	for (i = 0; i < p.n_edits; i++)
		if (p.edits[i].op == MILTER_EDIT_DELETE &&
		    strcmp(p.edits[i].name, "Authentication-Results") == 0 &&
		    n_del < 4)
			idx[n_del++] = p.edits[i].index;
	is_int(n_del, 2, "two forged Authentication-Results removed");
	ok(idx[0] == 3 && idx[1] == 2, "last first, the other's kept "
	    "(got %d, %d)", idx[0], idx[1]);
	ok(find_edit(&p, MILTER_EDIT_DELETE, "X-Spam-Flag") != NULL,
	    "an incoming X-Spam-Flag removed");
	scan_free(s);
	config_free(&c);
}

static void
test_failure(void)
{
	struct config c;
	struct milter_plan p;
	struct scan *s;
	char *text;
	size_t len;

	if (load_cfg(&c, "authserv_id mx.test\n") == -1) {
		ok(0, "config");
		return;
	}
	c.arena_limit = 4096;	/* the scan runs out of memory */
	text = read_example("ham-de-befund.eml", &len);
	s = scan_new(&c, res);
	if (s == NULL) {
		ok(1, "scan_new refused: the milter tempfails");
	} else {
		scan_message(s, text, len);
		milter_plan(s, false, &p);
		ok(s->failed, "scan failed");
		is_int(p.action, ACTION_TEMPFAIL, "failed scan: tempfail");
		is_str(p.rcode, "451", "451");
		scan_free(s);
	}
	free(text);
	config_free(&c);
}

static void
test_outbound(void)
{
	static const char msg[] =
	    "From: Dr. Sommer <sommer@praxis-example.de>\r\n"
	    "To: patient@example.org\r\nSubject: Termin\r\n"
	    "Date: Tue, 10 Nov 2026 09:41:02 +0100\r\n"
	    "Message-ID: <t1@praxis-example.de>\r\n\r\nBis morgen.\r\n";
	struct config c;
	struct milter_plan p;
	const struct milter_edit *e;
	struct arena *a;
	struct scan *s;
	char *signed_msg;

	if (load_cfg(&c, "authserv_id mx.test\nsign praxis-example.de "
	    "sel2026 " EXAMPLES "keys/praxis-example.de.sel2026.rsa.test.pem"
	    "\n") == -1 || (a = arena_new(1u << 24)) == NULL) {
		ok(0, "config");
		return;
	}
	is_int(milter_plan_outbound(&c, a, msg, sizeof(msg) - 1, &p), 0,
	    "outbound plan");
	e = find_edit(&p, MILTER_EDIT_INSERT, "DKIM-Signature");
	ok(e != NULL && strstr(e->value, "d=praxis-example.de") != NULL,
	    "DKIM-Signature for the From domain");
	if (e != NULL) {
		/* What the MTA writes: the field on top, LF as CRLF. */
		size_t n = strlen(e->value), i, w = 0;

		signed_msg = malloc(2 * n + sizeof(msg) + 32);
		w = (size_t)snprintf(signed_msg, 32, "DKIM-Signature: ");
		for (i = 0; i < n; i++) {
			if (e->value[i] == '\n')
				signed_msg[w++] = '\r';
			signed_msg[w++] = e->value[i];
		}
		memcpy(signed_msg + w, "\r\n", 2);
		memcpy(signed_msg + w + 2, msg, sizeof(msg));
		s = scan_new(&c, res);
		scan_message(s, signed_msg, strlen(signed_msg));
		is_int(s->auth.dkim, AUTH_PASS, "the signature verifies");
		scan_free(s);
		free(signed_msg);
	}
	is_int(milter_plan_outbound(&c, a, "From: x@other.example\r\n\r\nx",
	    26, &p), 0, "other domain");
	is_int(p.n_edits, 0, "not signed");
	arena_free(a);
	config_free(&c);
}

/* Applies a plan's INSERT edits the way the MTA would (each on top). */
static char *
apply_inserts(const struct milter_plan *p, const char *msg, size_t len)
{
	struct buf b;
	size_t i, k;

	buf_init(&b, 1u << 24);
	for (i = p->n_edits; i-- > 0; ) {
		const struct milter_edit *e = &p->edits[i];

		if (e->op != MILTER_EDIT_INSERT)
			continue;
		buf_add(&b, e->name, strlen(e->name));
		buf_add(&b, ": ", 2);
		for (k = 0; e->value[k] != '\0'; k++) {
			if (e->value[k] == '\n')
				buf_add(&b, "\r", 1);
			buf_add(&b, &e->value[k], 1);
		}
		buf_add(&b, "\r\n", 2);
	}
	buf_add(&b, msg, len);
	buf_add(&b, "", 1);
	return b.data;
}

static void
test_arc_seal(void)
{
	struct config c;
	struct milter_plan p;
	struct scan *s, *s2;
	char *text, *sealed;
	size_t len;

	if (load_cfg(&c, "authserv_id mx.praxis-example.de\n"
	    "arc_trusted praxis-example.de\n"
	    "arc_seal praxis-example.de sel2026 "
	    EXAMPLES "keys/praxis-example.de.sel2026.rsa.test.pem\n") == -1) {
		ok(0, "config");
		return;
	}
	text = read_example("ham-de-befund.eml", &len);
	s = plan_text(&c, text, len, &p);
	ok(find_edit(&p, MILTER_EDIT_INSERT, "ARC-Seal") != NULL &&
	    find_edit(&p, MILTER_EDIT_INSERT, "ARC-Message-Signature") &&
	    find_edit(&p, MILTER_EDIT_INSERT, "ARC-Authentication-Results"),
	    "an ARC set is added");
	sealed = apply_inserts(&p, text, len);
	s2 = scan_new(&c, res);
	scan_message(s2, sealed, strlen(sealed));
	is_int(s2->auth.arc, AUTH_PASS, "the sealed message's chain passes");
	scan_free(s2);
	free(sealed);
	scan_free(s);
	free(text);
	config_free(&c);
}

static void
test_networks(void)
{
	char *nets[] = { "10.0.0.0/8", "192.0.2.128/25", "2001:db8::/32",
	    "198.51.100.7", NULL };

	ok(milter_in_networks("10.1.2.3", nets), "in /8");
	ok(!milter_in_networks("11.1.2.3", nets), "not in /8");
	ok(milter_in_networks("192.0.2.200", nets), "in /25");
	ok(!milter_in_networks("192.0.2.100", nets), "not in /25");
	ok(milter_in_networks("2001:db8:1::5", nets), "IPv6 /32");
	ok(milter_in_networks("198.51.100.7", nets), "single address");
	ok(!milter_in_networks("198.51.100.8", nets), "next address");
	ok(!milter_in_networks("garbage", nets), "garbage");
}

int
main(void)
{
	char err[512];

	if ((res = dns_zone_open(EXAMPLES "examples.zone", err,
	    sizeof(err))) == NULL) {
		ok(0, "zone: %s", err);
		return tap_done();
	}
	test_examples();
	test_policy();
	test_forged();
	test_failure();
	test_outbound();
	test_arc_seal();
	test_networks();
	dns_resolver_free(res);
	return tap_done();
}
