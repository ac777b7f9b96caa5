/*
 * test_clamd.c - the clamd client against a real clamd.
 *
 * The test starts clamd itself (Debian clamav-daemon, run in the
 * foreground with its own clamd.conf and a one-signature database made
 * with sigtool in a temporary directory, a unix socket only) and talks
 * to it through clamd_new/clamd_scan: a clean buffer, the EICAR file,
 * one signature found in a zip, a pooled session that clamd has lost
 * (clamd restarted between two scans: the client must retry on a new
 * connection), and a buffer over CLAMD_STREAM_MAX.  The failures use
 * real sockets too: a path where nothing listens, and a listening
 * socket that never accepts (a clamd too busy to answer), which must
 * end in the timeout.  Prints TAP.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "detect/clamd.h"

static char dir[] = "/tmp/test_clamd.XXXXXX";
static pid_t clamd_pid = -1;

static bool
sh(const char *fmt, ...)
{
	char cmd[2048];
	int n;
	va_list ap;

	n = snprintf(cmd, sizeof(cmd), "cd '%s' && (", dir);
	va_start(ap, fmt);
	n += vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, ") >/dev/null 2>&1");
	return system(cmd) == 0;
}

static bool
start_clamd(void)
{
	char conf[512], sock[512];
	int i;

	snprintf(conf, sizeof(conf), "%s/clamd.conf", dir);
	snprintf(sock, sizeof(sock), "%s/clamd.sock", dir);
	unlink(sock);
	fflush(stdout);		/* or the child's copy is printed twice */
	if ((clamd_pid = fork()) == 0) {
		/* Its log is in clamd.log; keep the TAP output clean. */
		if (freopen("/dev/null", "w", stdout) == NULL ||
		    freopen("/dev/null", "w", stderr) == NULL)
			_exit(126);
		execl("/usr/sbin/clamd", "clamd", "-c", conf, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		if (access(sock, F_OK) == 0)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

static void
stop_clamd(void)
{
	if (clamd_pid > 0) {
		kill(clamd_pid, SIGTERM);
		waitpid(clamd_pid, NULL, 0);
		clamd_pid = -1;
	}
}

static unsigned char *
slurp(const char *name, size_t *len)
{
	char path[512];
	unsigned char *d;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*len = 0;
	if ((f = fopen(path, "rb")) == NULL || (d = malloc(1 << 16)) == NULL)
		return NULL;
	*len = fread(d, 1, 1 << 16, f);
	fclose(f);
	return d;
}

static void
test_real(void)
{
	struct clamd_result r;
	struct clamd *c;
	unsigned char *eicar, *zip, *big;
	size_t elen, zlen;
	char spec[512], err[256];

	snprintf(spec, sizeof(spec), "unix:%s/clamd.sock", dir);
	ok((c = clamd_new(spec, 5000, err, sizeof(err))) != NULL,
	    "client for %s", spec);
	if (c == NULL)
		return;
	clamd_scan(c, "hello, world\n", 13, &r);
	ok(r.status == CLAMD_CLEAN, "a clean buffer: %d %s", r.status, r.text);
	eicar = slurp("eicar.com", &elen);
	clamd_scan(c, eicar, elen, &r);
	ok(r.status == CLAMD_FOUND && strcmp(r.text,
	    "Test.EICAR.UNOFFICIAL") == 0, "EICAR found: %s", r.text);
	zip = slurp("eicar.zip", &zlen);
	clamd_scan(c, zip, zlen, &r);
	ok(r.status == CLAMD_FOUND, "EICAR inside a zip: %s", r.text);

	/* The pooled session dies with clamd; the next scan reconnects. */
	stop_clamd();
	ok(start_clamd(), "clamd restarted");
	clamd_scan(c, eicar, elen, &r);
	ok(r.status == CLAMD_FOUND, "after a restart the stale session is "
	    "replaced: %d %s", r.status, r.text);
	clamd_scan(c, "clean", 5, &r);
	ok(r.status == CLAMD_CLEAN, "and reused: %d %s", r.status, r.text);

	/* Over clamd's StreamMaxLength (set to 1M here): an error. */
	big = calloc(1, 2u << 20);
	clamd_scan(c, big, 2u << 20, &r);
	ok(r.status == CLAMD_ERROR && strstr(r.text, "limit") != NULL,
	    "a stream over clamd's limit is an error: %s", r.text);
	clamd_scan(c, "clean", 5, &r);
	ok(r.status == CLAMD_CLEAN, "a scan after the error works: %s",
	    r.text);
	free(big);
	free(eicar);
	free(zip);
	clamd_free(c);
}

static void
test_failures(void)
{
	struct sockaddr_un sun;
	struct clamd_result r;
	struct clamd *c;
	struct timespec t0, t1;
	char spec[512], err[256];
	long ms;
	int fd;

	ok(clamd_new("tcp:localhost", 100, err, sizeof(err)) == NULL &&
	    strstr(err, "neither") != NULL, "bad address: %s", err);
	ok(clamd_new("inet:@127.0.0.1", 100, err, sizeof(err)) == NULL,
	    "no port: %s", err);
	ok(clamd_new("inet:3310@", 100, err, sizeof(err)) == NULL,
	    "no host: %s", err);

	snprintf(spec, sizeof(spec), "unix:%s/nobody.sock", dir);
	c = clamd_new(spec, 1000, err, sizeof(err));
	clamd_scan(c, "x", 1, &r);
	ok(r.status == CLAMD_ERROR && strcmp(r.text, "connection refused") ==
	    0, "nothing listening: %s", r.text);
	clamd_free(c);

	/* Listening, never accepting, never reading: a stuck clamd. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/stuck.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ok(fd >= 0 && bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    listen(fd, 4) == 0, "a stuck listener");
	snprintf(spec, sizeof(spec), "unix:%s", sun.sun_path);
	c = clamd_new(spec, 500, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clamd_scan(c, "x", 1, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) /
	    1000000;
	ok(r.status == CLAMD_ERROR && strcmp(r.text, "clamd timed out") == 0 &&
	    ms >= 450 && ms < 2000, "stuck clamd times out after %ld ms: %s",
	    ms, r.text);
	clamd_free(c);
	close(fd);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL || access("/usr/sbin/clamd", X_OK) != 0) {
		ok(0, "clamd (clamav-daemon) is not installed");
		return tap_done();
	}
	ok(sh("printf '%%s%%s' 'X5O!P%%@AP[4\\PZX54(P^)7CC)7}$EICAR' "
	    "'-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > eicar.com && "
	    "mkdir db tmp && sigtool --md5 eicar.com | "
	    "sed 's/:[^:]*$/:Test.EICAR/' > db/t.hdb && "
	    "python3 -c 'import zipfile; z=zipfile.ZipFile(\"eicar.zip\",\"w\","
	    "zipfile.ZIP_DEFLATED); z.write(\"eicar.com\",\"a.txt\"); "
	    "z.close()' && printf 'LocalSocket %%s/clamd.sock\\n"
	    "Foreground yes\\nDatabaseDirectory %%s/db\\nTemporaryDirectory "
	    "%%s/tmp\\nLogFile %%s/clamd.log\\nBytecode no\\n"
	    "StreamMaxLength 1M\\n' \"$PWD\" \"$PWD\" \"$PWD\" \"$PWD\" "
	    "> clamd.conf"), "database and clamd.conf made");
	signal(SIGPIPE, SIG_IGN);
	if (start_clamd())
		test_real();
	else
		ok(0, "clamd did not start");
	stop_clamd();
	test_failures();
	sh("rm -rf '%s'", dir);
	return tap_done();
}
