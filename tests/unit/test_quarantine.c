/*
 * test_quarantine.c - the quarantine directory: add, list, get, delete,
 * and release through a stand-in sendmail (a shell script that records
 * its arguments and input, and one that fails, so "nothing lost" is
 * checked both ways).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "store/quarantine.h"

static char dir[] = "/tmp/mt-quarantine-XXXXXX";

static const char msg1[] = "From: a@example.org\r\nSubject: one\r\n\r\n"
    "body one\r\n";
static const char msg2[] = "From: b@example.org\nSubject: two\n\nbody\n";

static int
add(const char *sender, const char *subject, const char *data,
    char *id)
{
	static const char *const rcpt[] = { "x@example.net",
	    "y@example.net" };
	struct quarantine_meta m = {
		.sender = sender, .rcpt = rcpt, .n_rcpt = 2,
		.client_ip = "192.0.2.7", .verdict = "phishing", .score = 9.5,
		.from = "a@example.org", .subject = subject,
	};
	char err[256];

	return quarantine_add(dir, &m, data, strlen(data), id, err,
	    sizeof(err));
}

static void
write_script(const char *path, const char *body)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		return;
	fprintf(fp, "#!/bin/sh\n%s", body);
	fclose(fp);
	chmod(path, 0700);
}

static char *
slurp(const char *path)
{
	static char buf[4096];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (fp == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

int
main(void)
{
	char id1[QUARANTINE_ID_MAX + 1], id2[QUARANTINE_ID_MAX + 1];
	struct quarantine_entry list[4], e;
	char err[512], path[512], good[512], bad[512], *data, **rcpt, *got;
	size_t n, total, nbad, len;

	if (mkdtemp(dir) == NULL)
		return 1;
	is_int(quarantine_list(dir, list, 4, &n, &total, &nbad, err,
	    sizeof(err)), 0, "empty directory lists");
	is_int(n, 0, "nothing in it");
	is_int(add("a@example.org", "one\r\nBcc: evil", msg1, id1), 0,
	    "add one");
	ok(quarantine_id_valid(id1), "id has the ID form: %s", id1);
	is_int(add("", "two", msg2, id2), 0, "add two (null sender)");
	ok(strcmp(id1, id2) != 0, "ids differ");

	snprintf(path, sizeof(path), "%s/junk.mtq", dir);
	write_script(path, "not a quarantine file\n");
	is_int(quarantine_list(dir, list, 4, &n, &total, &nbad, err,
	    sizeof(err)), 0, "list");
	is_int(n, 2, "two messages listed");
	is_int(nbad, 0, "junk.mtq is not an ID, not read");
	unlink(path);
	snprintf(path, sizeof(path), "%s/20260101T000000Z-00.mtq", dir);
	write_script(path, "not a quarantine file\n");
	quarantine_list(dir, list, 4, &n, &total, &nbad, err, sizeof(err));
	is_int(nbad, 1, "a foreign file with an ID name is counted bad");
	unlink(path);

	is_int(quarantine_get(dir, id1, &e, &data, &len, &rcpt, err,
	    sizeof(err)), 0, "get");
	ok(len == strlen(msg1) && memcmp(data, msg1, len) == 0,
	    "message kept byte for byte");
	is_str(e.subject, "one  Bcc: evil", "CR LF in metadata neutralised");
	is_str(e.sender, "a@example.org", "sender");
	is_str(e.verdict, "phishing", "verdict");
	ok(e.score > 9.4 && e.score < 9.6, "score");
	ok(rcpt[0] && rcpt[1] && !rcpt[2] &&
	    strcmp(rcpt[1], "y@example.net") == 0, "recipients");
	free(data);
	quarantine_strv_free(rcpt);
	is_int(quarantine_get(dir, "../etc/passwd", &e, NULL, NULL, NULL,
	    err, sizeof(err)), QUARANTINE_ERR_ARG, "a path is not an ID");

	/* Release: a failing sendmail keeps the message. */
	snprintf(bad, sizeof(bad), "%s/bad-sendmail", dir);
	write_script(bad, "cat >/dev/null; exit 75\n");
	{
		const char *argv[] = { bad, NULL };

		is_int(quarantine_release(dir, id1, argv, err, sizeof(err)),
		    QUARANTINE_ERR_RELEASE, "failed release reported: %s",
		    err);
		is_int(quarantine_get(dir, id1, &e, NULL, NULL, NULL, err,
		    sizeof(err)), 0, "and the message is still there");
	}
	snprintf(good, sizeof(good), "%s/good-sendmail", dir);
	{
		char script[1024];
		const char *argv[] = { good, "-C", "/x", NULL };

		snprintf(script, sizeof(script), "echo \"$@\" > %s/args\n"
		    "cat > %s/stdin\n", dir, dir);
		write_script(good, script);
		is_int(quarantine_release(dir, id2, argv, err, sizeof(err)),
		    0, "release: %s", err);
		snprintf(path, sizeof(path), "%s/args", dir);
		got = slurp(path);
		is_str(got, "-C /x -G -i -f <> -- x@example.net "
		    "y@example.net\n", "sendmail arguments");
		snprintf(path, sizeof(path), "%s/stdin", dir);
		got = slurp(path);
		is_str(got, msg2, "sendmail got the message");
		is_int(quarantine_get(dir, id2, &e, NULL, NULL, NULL, err,
		    sizeof(err)), QUARANTINE_NOT_FOUND, "released is gone");
		is_int(quarantine_release(dir, id2, argv, err, sizeof(err)),
		    QUARANTINE_NOT_FOUND, "a second release finds nothing");
	}
	is_int(quarantine_delete(dir, id1, err, sizeof(err)), 0, "delete");
	is_int(quarantine_delete(dir, id1, err, sizeof(err)),
	    QUARANTINE_NOT_FOUND, "delete twice");
	quarantine_list(dir, list, 4, &n, &total, &nbad, err, sizeof(err));
	is_int(total, 0, "empty again");

	{
		static const char *const one[] = { "x@example.net" };
		struct quarantine_meta m = {
			.sender = "s@example.org", .rcpt = one, .n_rcpt = 1,
			.verdict = "phishing",
			.key = "0123456789abcdef0123456789abcdef99",
		};
		char id3[QUARANTINE_ID_MAX + 1], id4[QUARANTINE_ID_MAX + 1];

		is_int(quarantine_add(dir, &m, msg1, strlen(msg1), id3, err,
		    sizeof(err)), 0, "add with a key");
		is_str(id3, "0123456789abcdef0123456789abcdef", "ID from key");
		is_int(quarantine_add(dir, &m, msg1, strlen(msg1), id4, err,
		    sizeof(err)), 0, "the same key again");
		is_str(id4, id3, "same ID");
		quarantine_list(dir, list, 4, &n, &total, &nbad, err,
		    sizeof(err));
		is_int(total, 1, "held once, not twice");
		m.key = "0123456789ABCDEF0123456789abcdef";
		is_int(quarantine_add(dir, &m, msg1, strlen(msg1), id4, err,
		    sizeof(err)), QUARANTINE_ERR_ARG, "upper-case key refused");
		quarantine_delete(dir, id3, err, sizeof(err));
	}

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		ok(0, "cleanup");
	return tap_done();
}
