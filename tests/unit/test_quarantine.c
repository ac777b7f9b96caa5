/*
 * test_quarantine.c - the quarantine directory: add, list, get, delete,
 * and release through a stand-in sendmail (a shell script that records
 * its arguments and input, and one that fails, so "nothing lost" is
 * checked both ways).  Then the same with the index in a store: records
 * follow add, release and delete, and reindex repairs a file without a
 * record and a record without a file.
 *
 *   test_quarantine [SPEC]
 *
 * The index runs on a fresh SQLite file, or on the store SPEC names
 * (tests/e2e/quarantine_index.sh passes a Redis server; it must hold no
 * quarantine records: use a fresh prefix).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "store/quarantine.h"
#include "store/store.h"

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

/* Adds one message with the index; returns the status. */
static int
add_indexed(struct store *st, const char *d, const char *subject,
    const char *key, char *id)
{
	static const char *const rcpt[] = { "x@example.net" };
	struct quarantine_meta m = {
		.sender = "s@example.org", .rcpt = rcpt, .n_rcpt = 1,
		.client_ip = "198.51.100.1", .verdict = "spam", .score = 7.5,
		.from = "s@example.org", .subject = subject, .key = key,
	};
	char err[256];

	return quarantine_add_indexed(d, st, &m, msg2, strlen(msg2), id, err,
	    sizeof(err));
}

/* How many records this host has, or -1 when the store fails. */
static long
records(struct store *st, const char *d)
{
	struct quarantine_entry one;
	size_t total = 0, n = 0;
	char err[256];

	if (quarantine_list_indexed(d, st, &one, 0, &n, &total, NULL, err,
	    sizeof(err)) != QUARANTINE_OK)
		return -1;
	return (long)total;
}

static bool
has_record(struct store *st, const char *id)
{
	struct quarantine_entry e;

	return store_quarantine_get(st, id, &e, NULL, 0) == STORE_OK;
}

static void
test_indexed(const char *spec, const char *good, const char *bad)
{
	char d[512], err[512], host[STORE_HOST_MAX + 1];
	char a[QUARANTINE_ID_MAX + 1], b[QUARANTINE_ID_MAX + 1];
	char c[QUARANTINE_ID_MAX + 1], k[QUARANTINE_ID_MAX + 1];
	char owner[STORE_HOST_MAX + 1], path[600], specbuf[600];
	struct quarantine_entry list[4], e, fe;
	struct quarantine_reindex_stats rs;
	const char *good_argv[] = { good, NULL }, *bad_argv[] = { bad, NULL };
	size_t n, total, nbad;
	struct store *st;
	int r;

	snprintf(d, sizeof(d), "%s/indexed", dir);
	if (spec == NULL) {
		snprintf(specbuf, sizeof(specbuf), "sqlite:%s/index.db", dir);
		spec = specbuf;
	}
	printf("# the index on %s\n", spec);
	if ((st = store_open(spec, err, sizeof(err))) == NULL) {
		ok(0, "open the store: %s", err);
		return;
	}
	quarantine_host(host, sizeof(host));
	ok(host[0] != '\0', "this host has a name: %s", host);

	is_int(add_indexed(st, d, "alpha", NULL, a), 0, "indexed add");
	is_int(add_indexed(st, d, "beta", NULL, b), 0, "second add");
	ok(store_quarantine_get(st, a, &e, owner, sizeof(owner)) ==
	    STORE_OK && strcmp(owner, host) == 0, "the record names this host");
	quarantine_get(d, a, &fe, NULL, NULL, NULL, err, sizeof(err));
	ok(strcmp(e.subject, "alpha") == 0 && e.size == fe.size &&
	    e.time == fe.time && e.n_rcpt == 1 &&
	    strcmp(e.client_ip, fe.client_ip) == 0,
	    "the record says what the file says");
	r = quarantine_list_indexed(d, st, list, 4, &n, &total, &nbad, err,
	    sizeof(err));
	ok(r == 0 && n == 2 && total == 2 && nbad == 0, "indexed list: two");
	ok(n == 2 && ((strcmp(list[0].id, a) == 0 && strcmp(list[1].id, b) ==
	    0) || (strcmp(list[0].id, b) == 0 && strcmp(list[1].id, a) == 0)),
	    "the two just added");

	is_int(quarantine_release_indexed(d, st, b, bad_argv, err,
	    sizeof(err)), QUARANTINE_ERR_RELEASE, "failed release");
	ok(has_record(st, b), "a failed release keeps the record");
	is_int(quarantine_release_indexed(d, st, b, good_argv, err,
	    sizeof(err)), 0, "release: %s", err);
	ok(!has_record(st, b), "release removes the record");
	is_int(quarantine_delete_indexed(d, st, a, err, sizeof(err)), 0,
	    "delete");
	ok(!has_record(st, a), "delete removes the record");
	is_int(records(st, d), 0, "index empty");

	/* A crash between file and index: the file is there, no record. */
	quarantine_add(d, &(struct quarantine_meta){ .sender = "",
	    .rcpt = (const char *const[]){ "x@example.net" }, .n_rcpt = 1,
	    .verdict = "phishing", .subject = "no record" }, msg1,
	    strlen(msg1), c, err, sizeof(err));
	is_int(add_indexed(st, d, "kept", NULL, a), 0, "add one more");
	is_int(records(st, d), 1, "one file is not indexed");
	/* And a crash between unlink and del: a record, no file. */
	memset(&e, 0, sizeof(e));
	snprintf(e.id, sizeof(e.id), "20200101T000000Z-00000000000000aa");
	snprintf(e.verdict, sizeof(e.verdict), "spam");
	is_int(store_quarantine_put(st, &e, host), STORE_OK,
	    "a record without a file");
	/* Another host's record names a file on its disk: not ours. */
	snprintf(e.id, sizeof(e.id), "20200101T000000Z-00000000000000bb");
	is_int(store_quarantine_put(st, &e, "other.invalid"), STORE_OK,
	    "a record of another host");
	r = quarantine_reindex(d, st, &rs, err, sizeof(err));
	ok(r == 0 && rs.files == 2 && rs.added == 1 && rs.dropped == 1 &&
	    rs.bad == 0 && !rs.partial, "reindex: 2 files, 1 added, 1 "
	    "dropped (%zu, %zu, %zu)", rs.files, rs.added, rs.dropped);
	ok(has_record(st, c) && has_record(st, a) &&
	    !has_record(st, "20200101T000000Z-00000000000000aa"),
	    "the index matches the directory");
	ok(has_record(st, "20200101T000000Z-00000000000000bb"),
	    "another host's record stays");
	r = quarantine_reindex(d, st, &rs, err, sizeof(err));
	ok(r == 0 && rs.files == 2 && rs.added == 0 && rs.dropped == 0,
	    "a second reindex changes nothing");

	/* The store refuses the write: the message is still held. */
	store_set_readonly(st, true);
	is_int(add_indexed(st, d, "ro", NULL, b), 0,
	    "add succeeds though the index refuses");
	store_set_readonly(st, false);
	ok(!has_record(st, b) && quarantine_get(d, b, &fe, NULL, NULL, NULL,
	    err, sizeof(err)) == 0, "file held, record missing");
	r = quarantine_reindex(d, st, &rs, err, sizeof(err));
	ok(r == 0 && rs.added == 1 && has_record(st, b), "reindex adds it");

	/* A keyed retry after a crash before the index: indexed now. */
	snprintf(path, sizeof(path), "fedcba9876543210fedcba9876543210");
	quarantine_add(d, &(struct quarantine_meta){ .sender = "",
	    .rcpt = (const char *const[]){ "x@example.net" }, .n_rcpt = 1,
	    .verdict = "phishing", .key = path }, msg1, strlen(msg1), k, err,
	    sizeof(err));
	ok(!has_record(st, k), "keyed file without a record");
	is_int(add_indexed(st, d, "retry", path, k), 0, "the retry");
	ok(has_record(st, k), "the retry writes the record");

	/* delete of a file gone: drops our stale record, not others'. */
	snprintf(path, sizeof(path), "%s/%s.mtq", d, k);
	unlink(path);
	is_int(quarantine_delete_indexed(d, st, k, err, sizeof(err)),
	    QUARANTINE_NOT_FOUND, "delete of a vanished file");
	ok(!has_record(st, k), "its stale record is dropped");
	is_int(quarantine_delete_indexed(d, st,
	    "20200101T000000Z-00000000000000bb", err, sizeof(err)),
	    QUARANTINE_NOT_FOUND, "delete of another host's message");
	ok(has_record(st, "20200101T000000Z-00000000000000bb"),
	    "is not ours to drop");

	/* Without a store the plain calls still work on the files. */
	r = quarantine_list_indexed(d, NULL, list, 4, &n, &total, &nbad, err,
	    sizeof(err));
	ok(r == 0 && total == 3, "no store: list reads the directory (%zu)",
	    total);
	is_int(quarantine_reindex(d, NULL, &rs, err, sizeof(err)),
	    QUARANTINE_ERR_ARG, "reindex needs a store");
	quarantine_delete_indexed(d, st, a, err, sizeof(err));
	quarantine_delete_indexed(d, st, b, err, sizeof(err));
	quarantine_delete_indexed(d, st, c, err, sizeof(err));
	store_quarantine_del(st, "20200101T000000Z-00000000000000bb");
	is_int(records(st, d), 0, "index empty at the end");
	store_close(st);
	rmdir(d);
}

int
main(int ac, char **av)
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

	test_indexed(ac > 1 ? av[1] : NULL, good, bad);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		ok(0, "cleanup");
	return tap_done();
}
