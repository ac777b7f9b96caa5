/*
 * test_scanner.c - the parts of `mailtrust scan` around the probes:
 * target syntax, the resume journal (including a torn last line), the
 * local operator file, result lines (JSON, CSV) and the operator report.
 * The probes themselves run against real servers in tests/e2e/scan.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/scanner.h"
#include "tap.h"

static void
test_targets(void)
{
	char host[256];
	int smtp, https;

	ok(scanner_target_parse("mail.example", host, sizeof(host), &smtp,
	    &https) == 0 && smtp == 25 && https == 443, "host: 25 and 443");
	is_str(host, "mail.example", "host");
	ok(scanner_target_parse("192.0.2.1:2525", host, sizeof(host), &smtp,
	    &https) == 0 && smtp == 2525 && https == 0, "host:port is SMTP");
	ok(scanner_target_parse("https://127.0.0.1:8443", host, sizeof(host),
	    &smtp, &https) == 0 && smtp == 0 && https == 8443, "https URL");
	ok(scanner_target_parse("https://owa.example/", host, sizeof(host),
	    &smtp, &https) == 0 && https == 443 && strcmp(host,
	    "owa.example") == 0, "https without port");
	ok(scanner_target_parse("[2001:db8::1]:25", host, sizeof(host),
	    &smtp, &https) == 0 && smtp == 25 && strcmp(host,
	    "2001:db8::1") == 0, "bracketed IPv6");
	ok(scanner_target_parse("2001:db8::1", host, sizeof(host), &smtp,
	    &https) == 0 && smtp == 25, "bare IPv6 is a host");
	ok(scanner_target_parse("host:0", host, sizeof(host), &smtp, &https)
	    == -1, "port 0");
	ok(scanner_target_parse("host:65536", host, sizeof(host), &smtp,
	    &https) == -1, "port too big");
	ok(scanner_target_parse("ho st", host, sizeof(host), &smtp, &https)
	    == -1, "space in host");
	ok(scanner_target_parse("", host, sizeof(host), &smtp, &https) == -1,
	    "empty");
	ok(scanner_target_parse("host:25/x", host, sizeof(host), &smtp,
	    &https) == -1, "path on an SMTP target");
}

static void
test_journal(void)
{
	char path[] = "/tmp/test_scanner_journal.XXXXXX";
	struct scanner_journal *j;
	char err[256];
	char *const *lines;
	size_t n;
	FILE *fp;
	int fd = mkstemp(path);

	ok(fd != -1, "temp file");
	close(fd);
	j = scanner_journal_open(path, err, sizeof(err));
	ok(j != NULL, "new journal");
	ok(scanner_journal_start(j, "a:25") == 0, "start a");
	ok(scanner_journal_finish(j, "a:25", "{\"target\":\"a:25\"}") == 0,
	    "finish a");
	ok(scanner_journal_start(j, "b:25") == 0, "start b, never finished");
	ok(scanner_journal_finish(j, "c\t", "{}") == -1, "tab refused");
	ok(scanner_journal_finish(j, "c:25", "{\n}") == -1,
	    "newline in a line refused");
	scanner_journal_close(j);
	/* A crash in the middle of a write leaves a torn last line. */
	fp = fopen(path, "a");
	fputs("D\tc:25\t{\"tar", fp);
	fclose(fp);
	j = scanner_journal_open(path, err, sizeof(err));
	ok(j != NULL, "reopened: %s", j ? "" : err);
	if (j == NULL)
		return;
	is_str(scanner_journal_done(j, "a:25"), "{\"target\":\"a:25\"}",
	    "a is done with its line");
	ok(scanner_journal_started(j, "b:25"), "b started, not finished");
	ok(!scanner_journal_started(j, "a:25"), "a not counted as started");
	ok(scanner_journal_done(j, "c:25") == NULL, "torn record ignored");
	ok(scanner_journal_finish(j, "c:25", "{\"target\":\"c:25\"}") == 0,
	    "c finished after the torn line");
	lines = scanner_journal_lines(j, &n);
	is_int(n, 2, "two finished lines");
	is_str(lines[1], "{\"target\":\"c:25\"}", "in order");
	scanner_journal_close(j);
	j = scanner_journal_open(path, err, sizeof(err));
	ok(j != NULL && scanner_journal_done(j, "c:25") != NULL,
	    "the torn line was cut off by a newline");
	scanner_journal_close(j);
	fp = fopen(path, "w");
	fputs("X\tgarbage\n", fp);
	fclose(fp);
	ok(scanner_journal_open(path, err, sizeof(err)) == NULL &&
	    strstr(err, "line 1") != NULL, "a foreign file is refused: %s",
	    err);
	unlink(path);
}

static struct scanner_builds *
small_table(void)
{
	static const char t[] =
	    "line 2019 15.2 0 2025-10-14\n"
	    "cu 2019 CU14 15.2.1544.4 2024-02-13\n"
	    "su 2019 CU14 Nov24SU 15.2.1544.13 2024-11-12\n"
	    "fix Nov24SU 2019 CVE-2024-49040\n";
	char err[128];

	return scanner_builds_parse(t, sizeof(t) - 1, err, sizeof(err));
}

static void
test_output(void)
{
	struct scanner_builds *b = small_table();
	struct scanner_result r;
	char *line, path[] = "/tmp/test_scanner_ops.XXXXXX", err[256];
	char rpath[] = "/tmp/test_scanner_report.XXXXXX";
	struct scanner_operators *ops;
	char *lines[3];
	char text[8192];
	size_t len;
	FILE *fp;
	int fd;

	ok(b != NULL, "small table");
	memset(&r, 0, sizeof(r));
	r.target = "https://192.0.2.7";
	snprintf(r.ip, sizeof(r.ip), "192.0.2.7");
	snprintf(r.owa.build, sizeof(r.owa.build), "15.2.1544.4");
	r.owa.source = "X-OWA-Version";
	r.https_probed = r.https_ok = true;
	snprintf(r.owa.server, sizeof(r.owa.server), "bad\xff\x01name");
	ok(scanner_builds_judge(b, r.owa.build, 20250101, &r.judgement) == 0,
	    "judged");
	line = scanner_result_line(&r, SCANNER_JSON);
	ok(line != NULL && strstr(line, "\"class\":\"unpatched\"") != NULL &&
	    strstr(line, "\"cves\":[\"CVE-2024-49040\"]") != NULL &&
	    strstr(line, "\"missing_updates\":[\"Nov24SU\"]") != NULL,
	    "JSON line: %s", line ? line : "(null)");
	ok(line != NULL && strstr(line, "bad??name") != NULL,
	    "remote text made printable");
	lines[0] = line;
	line = scanner_result_line(&r, SCANNER_CSV);
	ok(line != NULL && strncmp(line, "\"https://192.0.2.7\",unpatched,",
	    30) == 0, "CSV line: %s", line ? line : "(null)");
	free(line);

	fd = mkstemp(path);
	fp = fdopen(fd, "w");
	fputs("# CERT's own list\n192.0.2.0/24 AS64501 DE abuse=noc@a.example"
	    " Alpha Net\n192.0.2.7/32 64502 AT - Beta GmbH\n", fp);
	fclose(fp);
	ops = scanner_operators_load(path, err, sizeof(err));
	ok(ops != NULL, "operator file: %s", ops ? "" : err);
	lines[1] = "{\"target\":\"x\",\"class\":\"eol\",\"ip\":\"192.0.2.9\","
	    "\"build\":\"15.0.1497.2\",\"missing_updates\":[],\"cves\":[]}";
	lines[2] = "{\"target\":\"y\",\"class\":\"patched\","
	    "\"ip\":\"192.0.2.8\"}";
	fd = mkstemp(rpath);
	fp = fdopen(fd, "w+");
	ok(scanner_report_write(fp, lines, 3, ops, 20250101) == 0, "report");
	rewind(fp);
	len = fread(text, 1, sizeof(text) - 1, fp);
	text[len] = '\0';
	fclose(fp);
	ok(strstr(text, "## AS64502 Beta GmbH (AT)") != NULL,
	    "longest prefix wins");
	ok(strstr(text, "## AS64501 Alpha Net (DE)") != NULL &&
	    strstr(text, "Abuse contact: noc@a.example") != NULL,
	    "abuse contact from the file");
	ok(strstr(text, "regional registry") != NULL,
	    "where to find a missing abuse contact");
	ok(strstr(text, "3 targets scanned; 1 patched, 1 unpatched, 1 end of "
	    "life") != NULL, "counts");
	ok(strstr(text, "| y |") == NULL, "patched hosts not listed");
	free(lines[0]);
	scanner_operators_free(ops);
	fp = fopen(path, "w");
	fputs("192.0.2.0/33 AS1 DE - x\n", fp);
	fclose(fp);
	ok(scanner_operators_load(path, err, sizeof(err)) == NULL &&
	    strstr(err, ":1:") != NULL, "bad prefix named: %s", err);
	unlink(path);
	unlink(rpath);
	scanner_builds_free(b);
}

/* libloc's view of a public address (a lookup in a file, no traffic). */
static void
test_libloc(void)
{
	char *lines[1] = { "{\"target\":\"t\",\"class\":\"eol\","
	    "\"ip\":\"8.8.8.8\",\"missing_updates\":[],\"cves\":[]}" };
	char text[4096];
	size_t len;
	FILE *fp = tmpfile();

	if (access("/usr/share/libloc-location/location.db", R_OK) != 0 &&
	    access("/var/lib/location/database.db", R_OK) != 0) {
		printf("ok %d - # SKIP no libloc database installed "
		    "(libloc-database)\n", ++tap_n);
		return;
	}
	ok(scanner_report_write(fp, lines, 1, NULL, 20250101) == 0,
	    "report without an operator file");
	rewind(fp);
	len = fread(text, 1, sizeof(text) - 1, fp);
	text[len] = '\0';
	fclose(fp);
	ok(strstr(text, "## AS15169 ") != NULL && strstr(text, "(US)") != NULL,
	    "libloc names AS and country of 8.8.8.8");
}

int
main(void)
{
	test_targets();
	test_libloc();
	test_journal();
	test_output();
	return tap_done();
}
