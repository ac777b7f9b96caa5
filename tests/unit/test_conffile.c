/*
 * test_conffile.c - mailtrust.conf: every kind of setting is read into
 * struct config, and every kind of mistake is refused with FILE:LINE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "scan/conffile.h"
#include "scan/config.h"
#include "scan/scan.h"

#define KEYDIR	MT_TESTDIR "/../../examples/keys/"

static int
parse(struct config *c, const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return conffile_parse(c, text, strlen(text), "t.conf", 1, err,
	    errlen);
}

static void
test_good(void)
{
	static const char text[] =
	    "# a full file\n"
	    "authserv_id mx1.praxis-example.de\n"
	    "trusted_hops 2   # our two hops\n"
	    "trusted_networks 10.0.0.0/8 192.0.2.1\n"
	    "trusted_networks 2001:db8::/32\n"
	    "arc_trusted google.com\n"
	    "dns_forwarders 127.0.0.1@5353 ::1\n"
	    "dns_timeout_ms 2500\n"
	    "store sqlite:/var/lib/mailtrust/store.db\n"
	    "clamd_socket unix:/run/clamav/clamd.ctl\n"
	    "clamd_timeout_ms 3000\n"
	    "clamd_tempfail no\n"
	    "milter_listen inet:8891@127.0.0.1\n"
	    "milter_max_message 20M\n"
	    "milter_oversize truncate\n"
	    "add_headers yes\n"
	    "quarantine_dir /var/lib/mailtrust/quarantine\n"
	    "release_sendmail /usr/sbin/sendmail -C /etc/postfix\n"
	    "http_listen 127.0.0.1:8080\n"
	    "http_token \"s3cret token\"\n"
	    "http_threads 8\n"
	    "http_max_body 1M\n"
	    "http_timeout_s 20\n"
	    "lang de\n"
	    "dmarc_org_domain psl\n"
	    "action phishing reject \"5.7.1 Phishing: message refused\"\n"
	    "action spam tag \"[SPAM]\"\n"
	    "action suspicious quarantine\n"
	    "sign praxis-example.de sel2026 "
	    KEYDIR "praxis-example.de.sel2026.rsa.test.pem\n"
	    "arc_seal praxis-example.de sel2026 "
	    KEYDIR "praxis-example.de.sel2026.rsa.test.pem\n";
	struct config c;
	char err[512];

	if (config_load(&c, MT_SRCDATADIR, err, sizeof(err)) == -1) {
		ok(0, "config_load: %s", err);
		return;
	}
	is_int(parse(&c, text, err, sizeof(err)), 0, "full file: %s", err);
	is_str(c.authserv_id, "mx1.praxis-example.de", "authserv_id");
	is_int(c.trusted_hops, 2, "trusted_hops with a comment after it");
	ok(c.trusted_networks && c.trusted_networks[2] &&
	    strcmp(c.trusted_networks[2], "2001:db8::/32") == 0 &&
	    c.trusted_networks[3] == NULL, "trusted_networks add up");
	is_str(c.dns_forwarders[0], "127.0.0.1@5353", "dns_forwarders");
	is_int(c.dns_timeout_ms, 2500, "dns_timeout_ms");
	is_str(c.store_spec, "sqlite:/var/lib/mailtrust/store.db", "store");
	ok(!c.clamd_tempfail, "clamd_tempfail no");
	is_str(c.milter_listen, "inet:8891@127.0.0.1", "milter_listen");
	is_int(c.milter_max_message, 20 * 1024 * 1024, "size suffix M");
	ok(!c.milter_oversize_tempfail, "milter_oversize truncate");
	is_str(c.release_sendmail[2], "/etc/postfix", "release_sendmail");
	is_str(c.http_token, "s3cret token", "quoted string");
	is_int(c.http_max_body, 1024 * 1024, "http_max_body");
	is_int(c.lang, LANG_DE, "lang");
	ok(c.dmarc_org_psl, "dmarc_org_domain psl");
	is_int(c.policy[VERDICT_PHISHING].action, ACTION_REJECT,
	    "action phishing");
	is_str(c.policy[VERDICT_PHISHING].reply,
	    "5.7.1 Phishing: message refused", "reject text");
	is_str(c.policy[VERDICT_SPAM].subject_tag, "[SPAM]", "subject tag");
	is_int(c.policy[VERDICT_MALWARE].action, -1,
	    "verdict without action line keeps data/scores");
	ok(c.n_sign == 1 && c.sign[0].key != NULL, "sign key loaded");
	ok(c.arc_seal.key != NULL && strcmp(c.arc_seal.selector,
	    "sel2026") == 0, "arc_seal key loaded");
	config_free(&c);
}

static void
test_bad(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "bogus 1\n", "t.conf:1: bogus: unknown setting" },
		{ "\n\ntrusted_hops x\n", "t.conf:3: x: not a number" },
		{ "trusted_hops 1\ntrusted_hops 2\n",
		    "t.conf:2: trusted_hops given twice" },
		{ "trusted_networks 10.0.0.0/33\n",
		    "t.conf:1: 10.0.0.0/33: not an address" },
		{ "dns_forwarders 1.2.3.4@99999\n", "t.conf:1: 1.2.3.4@99999" },
		{ "milter_listen 8891\n", "t.conf:1: 8891: not unix:" },
		{ "quarantine_dir relative/dir\n",
		    "t.conf:1: relative/dir: not an absolute path" },
		{ "http_token \"open\n", "t.conf:1: unterminated" },
		{ "http_token \"a\"b\n", "t.conf:1: text after a quoted" },
		{ "clamd_tempfail maybe\n", "t.conf:1: clamd_tempfail takes" },
		{ "action spam delete\n", "t.conf:1: delete: not an action" },
		{ "action ham accept\n", "t.conf:1: ham: not a verdict" },
		{ "action spam tag\naction spam accept\n",
		    "t.conf:2: action spam given twice" },
		{ "action spam accept \"x\"\n", "t.conf:1: accept takes no" },
		{ "action malware reject \"bad\x01\"\n", "t.conf:1: text:" },
		{ "sign example.org sel /nonexistent/key.pem\n",
		    "t.conf:1: /nonexistent/key.pem" },
		{ "sign example.org sel\n", "t.conf:1: usage: sign" },
		{ "authserv_id \"a b\"\n", "t.conf:1: a b: not a host" },
		{ "milter_max_message 2G\n", "t.conf:1: 2G: not a number" },
		{ "lang fr\n", "t.conf:1: lang takes" },
		{ "dmarc_org_domain tld\n", "t.conf:1: dmarc_org_domain takes" },
		{ "milter_max_message 0\n", "t.conf:1: milter_max_message must" },
		{ "authserv_id a b\n", "t.conf:1: authserv_id takes one" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;
		char err[512];

		if (config_load(&c, MT_SRCDATADIR, err, sizeof(err)) == -1) {
			ok(0, "config_load: %s", err);
			return;
		}
		ok(parse(&c, cases[i].text, err, sizeof(err)) == -1 &&
		    strncmp(err, cases[i].want, strlen(cases[i].want)) == 0,
		    "refused: %s", cases[i].want);
		if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
			printf("#   got \"%s\"\n", err);
		config_free(&c);
	}
}

static void
test_file(void)
{
	char path[] = "/tmp/mt-conffile-XXXXXX", err[512];
	static const char text[] = "authserv_id mx.example\n"
	    "http_threads 3\n";
	struct config c;
	FILE *fp;
	int fd;

	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		ok(0, "mkstemp");
		return;
	}
	fputs(text, fp);
	fclose(fp);
	if (config_load(&c, MT_SRCDATADIR, err, sizeof(err)) == -1) {
		ok(0, "config_load: %s", err);
		unlink(path);
		return;
	}
	is_int(config_load_file(&c, path, err, sizeof(err)), 0,
	    "config_load_file: %s", err);
	is_int(c.http_threads, 3, "value from the file");
	is_str(c.conf_path, path, "conf_path remembered");
	config_free(&c);
	unlink(path);

	if (config_load(&c, MT_SRCDATADIR, err, sizeof(err)) == -1)
		return;
	ok(config_load_file(&c, "/nonexistent/mailtrust.conf", err,
	    sizeof(err)) == -1 && strstr(err, "No such file") != NULL,
	    "missing file refused: %s", err);
	config_free(&c);
}

int
main(void)
{
	test_good();
	test_bad();
	test_file();
	return tap_done();
}
