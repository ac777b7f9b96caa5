/*
 * quarantine.c - the quarantine directory: one file per held message.
 *
 * File format (quarantine.h): "Mailtrust-Quarantine: 1", then one
 * "Key: value" line per field (Rcpt repeated), an empty line, and the
 * message bytes unchanged.  Values never hold CR or LF (they are
 * replaced by spaces when written), so the block always parses back.
 *
 * Durability: write ID.tmp, fsync, rename to ID.mtq, fsync the directory
 * (rename(2) is atomic, and the directory fsync makes the new name
 * survive a crash).  Memory: only quarantine_get() allocates for the
 * caller.
 *
 * Index (quarantine.h): the *_indexed calls do the file work first and
 * touch the store after, so the store never names a message that is not
 * safely on disk for longer than a crash window, which reindex closes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quarantine.h"
#include "store.h"
#include "util/log.h"

#define QUARANTINE_MAGIC	"Mailtrust-Quarantine: 1\n"
#define QUARANTINE_HEAD_MAX	(512u * 1024)	/* metadata block */
#define QUARANTINE_PATH_MAX	4096

static int
fail(char *err, size_t errlen, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return status;
}

const char *
quarantine_strerror(int status)
{
	switch (status) {
	case QUARANTINE_OK:		return "ok";
	case QUARANTINE_NOT_FOUND:	return "not found";
	case QUARANTINE_ERR_ARG:	return "invalid argument";
	case QUARANTINE_ERR_IO:		return "I/O error";
	case QUARANTINE_ERR_FORMAT:	return "not a quarantine file";
	case QUARANTINE_ERR_RELEASE:	return "release failed";
	case QUARANTINE_ERR_NOMEM:	return "out of memory";
	case QUARANTINE_ERR_STORE:	return "index store failed";
	}
	return "unknown error";
}

bool
quarantine_id_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > QUARANTINE_ID_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || s[i] == 'T' ||
		    s[i] == 'Z' || s[i] == '-'))
			return false;
	return true;
}

static int
path_of(char *out, const char *dir, const char *id, const char *ext)
{
	int n = snprintf(out, QUARANTINE_PATH_MAX, "%s/%s%s", dir, id, ext);

	return n < 0 || n >= QUARANTINE_PATH_MAX ? -1 : 0;
}

static int
make_id(char *id)
{
	unsigned char r[8];
	struct tm tm;
	time_t now = time(NULL);
	size_t off;
	int i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	gmtime_r(&now, &tm);
	off = strftime(id, QUARANTINE_ID_MAX + 1, "%Y%m%dT%H%M%SZ-", &tm);
	for (i = 0; i < 8; i++)
		snprintf(id + off + 2 * i, 3, "%02x", r[i]);
	return 0;
}

/* One metadata line; CR and LF in the value become spaces. */
static int
put_field(FILE *fp, const char *key, const char *value)
{
	const char *p;

	if (fprintf(fp, "%s: ", key) < 0)
		return -1;
	for (p = value != NULL ? value : ""; *p != '\0'; p++)
		if (fputc(*p == '\r' || *p == '\n' ? ' ' : *p, fp) == EOF)
			return -1;
	return fputc('\n', fp) == EOF ? -1 : 0;
}

static int
write_file(FILE *fp, const struct quarantine_meta *m, const char *data,
    size_t len)
{
	char num[64];
	size_t i;

	if (fputs(QUARANTINE_MAGIC, fp) == EOF)
		return -1;
	snprintf(num, sizeof(num), "%lld", (long long)time(NULL));
	if (put_field(fp, "Time", num) == -1 ||
	    put_field(fp, "Sender", m->sender) == -1 ||
	    put_field(fp, "Client", m->client_ip) == -1 ||
	    put_field(fp, "Verdict", m->verdict) == -1 ||
	    put_field(fp, "From", m->from) == -1 ||
	    put_field(fp, "Subject", m->subject) == -1)
		return -1;
	snprintf(num, sizeof(num), "%.2f", m->score);
	if (put_field(fp, "Score", num) == -1)
		return -1;
	for (i = 0; i < m->n_rcpt; i++)
		if (put_field(fp, "Rcpt", m->rcpt[i]) == -1)
			return -1;
	if (fputc('\n', fp) == EOF)
		return -1;
	if (len > 0 && fwrite(data, 1, len, fp) != len)
		return -1;
	return fflush(fp) == EOF ? -1 : 0;
}

static int
fsync_dir(const char *dir)
{
	int fd, r;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) == -1)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

static int
add_file(const char *dir, const struct quarantine_meta *m,
    const char *data, size_t len, char *id, char *err, size_t errlen)
{
	char tmp[QUARANTINE_PATH_MAX], final[QUARANTINE_PATH_MAX];
	FILE *fp = NULL;
	int fd, status = QUARANTINE_ERR_IO;

	if (len > QUARANTINE_MSG_MAX || m->n_rcpt > QUARANTINE_RCPT_MAX)
		return fail(err, errlen, QUARANTINE_ERR_ARG,
		    "message or recipient list over the limit");
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return fail(err, errlen, QUARANTINE_ERR_IO, "%s: %s", dir,
		    strerror(errno));
	if (m->key != NULL) {
		if (strlen(m->key) < 32)
			return fail(err, errlen, QUARANTINE_ERR_ARG, "key too "
			    "short");
		snprintf(id, QUARANTINE_ID_MAX + 1, "%.32s", m->key);
		if (!quarantine_id_valid(id))
			return fail(err, errlen, QUARANTINE_ERR_ARG, "key is "
			    "not lower-case hex");
	} else if (make_id(id) == -1)
		return fail(err, errlen, QUARANTINE_ERR_IO, "getrandom: %s",
		    strerror(errno));
	if (path_of(tmp, dir, id, ".tmp") == -1 ||
	    path_of(final, dir, id, ".mtq") == -1)
		return fail(err, errlen, QUARANTINE_ERR_ARG, "%s: path too "
		    "long", dir);
	if (m->key != NULL && access(final, F_OK) == 0)
		return QUARANTINE_OK;	/* held already: a retry */
	if (m->key != NULL)
		unlink(tmp);	/* left by a crash in the middle */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		fail(err, errlen, status, "%s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		return status;
	}
	if (write_file(fp, m, data, len) == -1 || fsync(fd) == -1) {
		fail(err, errlen, status, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(fp) == EOF) {
		fp = NULL;
		fail(err, errlen, status, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fp = NULL;
	if (rename(tmp, final) == -1 || fsync_dir(dir) == -1) {
		fail(err, errlen, status, "%s: %s", final, strerror(errno));
		unlink(final);
		goto out;
	}
	return QUARANTINE_OK;
out:
	if (fp != NULL)
		fclose(fp);
	unlink(tmp);
	return status;
}

/* Copies a metadata value into a fixed field, cut to fit. */
static void
set_text(char *dst, size_t cap, const char *v)
{
	snprintf(dst, cap, "%s", v);
}

/*
 * Parses the metadata block of head[0..len); *body = offset of the
 * message.  Recipients go to rcpt when not NULL.
 */
static int
parse_head(const char *head, size_t len, struct quarantine_entry *e,
    size_t *body, char ***rcpt)
{
	size_t magic = sizeof(QUARANTINE_MAGIC) - 1, pos, n_rcpt = 0;
	char line[QUARANTINE_ADDR_MAX + QUARANTINE_TEXT_MAX + 64];

	memset(e, 0, sizeof(*e));
	if (len < magic || memcmp(head, QUARANTINE_MAGIC, magic) != 0)
		return QUARANTINE_ERR_FORMAT;
	for (pos = magic; pos < len; ) {
		const char *nl = memchr(head + pos, '\n', len - pos);
		size_t ll;
		char *colon;

		if (nl == NULL)
			return QUARANTINE_ERR_FORMAT;
		ll = (size_t)(nl - (head + pos));
		if (ll == 0) {
			*body = pos + 1;
			e->n_rcpt = n_rcpt;
			return QUARANTINE_OK;
		}
		snprintf(line, sizeof(line), "%.*s", (int)ll, head + pos);
		pos += ll + 1;
		if ((colon = strstr(line, ": ")) == NULL)
			return QUARANTINE_ERR_FORMAT;
		*colon = '\0';
		colon += 2;
		if (strcmp(line, "Time") == 0)
			e->time = (time_t)strtoll(colon, NULL, 10);
		else if (strcmp(line, "Sender") == 0)
			set_text(e->sender, sizeof(e->sender), colon);
		else if (strcmp(line, "Client") == 0)
			set_text(e->client_ip, sizeof(e->client_ip), colon);
		else if (strcmp(line, "Verdict") == 0)
			set_text(e->verdict, sizeof(e->verdict), colon);
		else if (strcmp(line, "From") == 0)
			set_text(e->from, sizeof(e->from), colon);
		else if (strcmp(line, "Subject") == 0)
			set_text(e->subject, sizeof(e->subject), colon);
		else if (strcmp(line, "Score") == 0)
			e->score = strtod(colon, NULL);
		else if (strcmp(line, "Rcpt") == 0) {
			if (n_rcpt == 0)
				set_text(e->rcpt, sizeof(e->rcpt), colon);
			if (n_rcpt >= QUARANTINE_RCPT_MAX)
				return QUARANTINE_ERR_FORMAT;
			if (rcpt != NULL &&
			    ((*rcpt)[n_rcpt] = strdup(colon)) == NULL)
				return QUARANTINE_ERR_NOMEM;
			n_rcpt++;
		}
	}
	return QUARANTINE_ERR_FORMAT;
}

void
quarantine_strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Reads a whole file (at most max bytes) into a malloc'd buffer. */
static int
read_file(const char *path, size_t max, char **out, size_t *outlen)
{
	struct stat st;
	char *p;
	size_t n = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? QUARANTINE_NOT_FOUND :
		    QUARANTINE_ERR_IO;
	if (fstat(fd, &st) == -1 || st.st_size < 0) {
		close(fd);
		return QUARANTINE_ERR_IO;
	}
	if ((size_t)st.st_size < max)
		max = (size_t)st.st_size;
	if ((p = malloc(max + 1)) == NULL) {
		close(fd);
		return QUARANTINE_ERR_NOMEM;
	}
	while (n < max && (r = read(fd, p + n, max - n)) > 0)
		n += (size_t)r;
	close(fd);
	p[n] = '\0';
	*out = p;
	*outlen = n;
	return QUARANTINE_OK;
}

static int
load(const char *path, struct quarantine_entry *e, char **data,
    size_t *len, char ***rcpt)
{
	char *buf = NULL;
	size_t n, body = 0;
	int r;

	r = read_file(path, data != NULL ? QUARANTINE_MSG_MAX +
	    QUARANTINE_HEAD_MAX : QUARANTINE_HEAD_MAX, &buf, &n);
	if (r != QUARANTINE_OK)
		return r;
	if (rcpt != NULL && (*rcpt = calloc(QUARANTINE_RCPT_MAX + 1,
	    sizeof(char *))) == NULL) {
		free(buf);
		return QUARANTINE_ERR_NOMEM;
	}
	r = parse_head(buf, n, e, &body, rcpt);
	if (r != QUARANTINE_OK) {
		if (rcpt != NULL) {
			quarantine_strv_free(*rcpt);
			*rcpt = NULL;
		}
		free(buf);
		return r;
	}
	if (data != NULL) {
		e->size = n - body;
		memmove(buf, buf + body, e->size + 1);
		*data = buf;
		*len = e->size;
	} else {
		struct stat st;

		e->size = stat(path, &st) == 0 && (size_t)st.st_size >= body ?
		    (size_t)st.st_size - body : 0;
		free(buf);
	}
	return QUARANTINE_OK;
}

int
quarantine_get(const char *dir, const char *id, struct quarantine_entry *e,
    char **data, size_t *len, char ***rcpt, char *err, size_t errlen)
{
	char path[QUARANTINE_PATH_MAX];
	int r;

	if (!quarantine_id_valid(id) || path_of(path, dir, id, ".mtq") == -1)
		return fail(err, errlen, QUARANTINE_ERR_ARG, "%s: not a "
		    "quarantine ID", id);
	if ((r = load(path, e, data, len, rcpt)) != QUARANTINE_OK)
		return fail(err, errlen, r, "%s: %s", id,
		    quarantine_strerror(r));
	set_text(e->id, sizeof(e->id), id);
	return QUARANTINE_OK;
}

static int
newest_first(const void *a, const void *b)
{
	const struct quarantine_entry *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? 1 : -1;
	return -strcmp(x->id, y->id);
}

static int
list_dir(const char *dir, struct quarantine_entry *out, size_t max,
    size_t *n, size_t *total, size_t *bad, char *err, size_t errlen)
{
	struct quarantine_entry *all = NULL, *grown;
	size_t n_all = 0, cap = 0, n_bad = 0;
	struct dirent *d;
	DIR *dp;

	*n = 0;
	if ((dp = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			goto done;	/* nothing quarantined yet */
		return fail(err, errlen, QUARANTINE_ERR_IO, "%s: %s", dir,
		    strerror(errno));
	}
	while ((d = readdir(dp)) != NULL && n_all < QUARANTINE_LIST_MAX) {
		char path[QUARANTINE_PATH_MAX], id[QUARANTINE_ID_MAX + 1];
		size_t l = strlen(d->d_name);

		if (l <= 4 || l - 4 > QUARANTINE_ID_MAX ||
		    strcmp(d->d_name + l - 4, ".mtq") != 0)
			continue;
		snprintf(id, sizeof(id), "%.*s", (int)(l - 4), d->d_name);
		if (!quarantine_id_valid(id) ||
		    path_of(path, dir, id, ".mtq") == -1)
			continue;
		if (n_all == cap) {
			cap = cap ? cap * 2 : 64;
			if ((grown = realloc(all, cap * sizeof(*all))) ==
			    NULL) {
				closedir(dp);
				free(all);
				return fail(err, errlen, QUARANTINE_ERR_NOMEM,
				    "out of memory");
			}
			all = grown;
		}
		if (load(path, &all[n_all], NULL, NULL, NULL) !=
		    QUARANTINE_OK) {
			n_bad++;
			continue;
		}
		set_text(all[n_all].id, sizeof(all[n_all].id), id);
		n_all++;
	}
	closedir(dp);
	if (n_all > 0)
		qsort(all, n_all, sizeof(*all), newest_first);
	*n = n_all < max ? n_all : max;
	if (*n > 0)
		memcpy(out, all, *n * sizeof(*all));
	free(all);
done:
	if (total != NULL)
		*total = n_all;
	if (bad != NULL)
		*bad = n_bad;
	return QUARANTINE_OK;
}

static int
delete_file(const char *dir, const char *id, char *err, size_t errlen)
{
	char path[QUARANTINE_PATH_MAX];

	if (!quarantine_id_valid(id) || path_of(path, dir, id, ".mtq") == -1)
		return fail(err, errlen, QUARANTINE_ERR_ARG, "%s: not a "
		    "quarantine ID", id);
	if (unlink(path) == -1)
		return fail(err, errlen, errno == ENOENT ?
		    QUARANTINE_NOT_FOUND : QUARANTINE_ERR_IO, "%s: %s", id,
		    strerror(errno));
	fsync_dir(dir);
	return QUARANTINE_OK;
}

/* Feeds data to sendmail's standard input; its exit status or -1. */
static int
run_sendmail(const char *const *sendmail, const char *sender,
    char *const *rcpt, const char *data, size_t len)
{
	const char *argv[QUARANTINE_RCPT_MAX + 32];
	size_t i, n = 0, off = 0;
	int pipefd[2], st;
	pid_t pid;

	for (i = 0; sendmail[i] != NULL && n < 16; i++)
		argv[n++] = sendmail[i];
	argv[n++] = "-G";
	argv[n++] = "-i";
	argv[n++] = "-f";
	argv[n++] = sender[0] != '\0' ? sender : "<>";	/* null path */
	argv[n++] = "--";
	for (i = 0; rcpt[i] != NULL; i++)
		argv[n++] = rcpt[i];
	argv[n] = NULL;
	if (pipe(pipefd) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(pipefd[0], 0);
		close(pipefd[0]);
		close(pipefd[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pipefd[0]);
	while (off < len) {
		ssize_t w = write(pipefd[1], data + off, len - off);

		if (w <= 0) {
			if (w == -1 && errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	close(pipefd[1]);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (off < len)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
release_file(const char *dir, const char *id, const char *const *sendmail,
    char *err, size_t errlen)
{
	static const char *const dflt[] = { "/usr/sbin/sendmail", NULL };
	char path[QUARANTINE_PATH_MAX], claimed[QUARANTINE_PATH_MAX];
	struct quarantine_entry e;
	char *data = NULL, **rcpt = NULL;
	size_t len;
	int r, status;

	if (!quarantine_id_valid(id) || path_of(path, dir, id, ".mtq") == -1 ||
	    path_of(claimed, dir, id, ".release") == -1)
		return fail(err, errlen, QUARANTINE_ERR_ARG, "%s: not a "
		    "quarantine ID", id);
	if (sendmail == NULL || sendmail[0] == NULL)
		sendmail = dflt;
	/* Claim it: a second release of the same ID finds nothing. */
	if (rename(path, claimed) == -1)
		return fail(err, errlen, errno == ENOENT ?
		    QUARANTINE_NOT_FOUND : QUARANTINE_ERR_IO, "%s: %s", id,
		    strerror(errno));
	if ((r = load(claimed, &e, &data, &len, &rcpt)) != QUARANTINE_OK) {
		rename(claimed, path);
		return fail(err, errlen, r, "%s: %s", id,
		    quarantine_strerror(r));
	}
	if (e.n_rcpt == 0) {
		status = fail(err, errlen, QUARANTINE_ERR_FORMAT,
		    "%s: no recipients recorded", id);
		rename(claimed, path);
		goto out;
	}
	r = run_sendmail(sendmail, e.sender, rcpt, data, len);
	if (r != 0) {
		status = fail(err, errlen, QUARANTINE_ERR_RELEASE,
		    "%s: %s exited with %d; the message is kept", id,
		    sendmail[0], r);
		rename(claimed, path);
		goto out;
	}
	unlink(claimed);
	fsync_dir(dir);
	status = QUARANTINE_OK;
out:
	free(data);
	quarantine_strv_free(rcpt);
	return status;
}

/* --- the index in the store --- */

void
quarantine_host(char *buf, size_t len)
{
	if (gethostname(buf, len) == -1 || buf[0] == '\0' ||
	    memchr(buf, '\0', len) == NULL)
		snprintf(buf, len, "localhost");
}

/* Writes the record of a file in place; logs, never fails the caller. */
static void
index_put(const char *dir, struct store *st, const char *id)
{
	char path[QUARANTINE_PATH_MAX], host[STORE_HOST_MAX + 1];
	struct quarantine_entry e;
	int r;

	if (path_of(path, dir, id, ".mtq") == -1)
		return;
	/* The record is what the file says, as list reads it. */
	if ((r = load(path, &e, NULL, NULL, NULL)) != QUARANTINE_OK) {
		log_warn("quarantine: %s: not indexed: %s", id,
		    quarantine_strerror(r));
		return;
	}
	set_text(e.id, sizeof(e.id), id);
	quarantine_host(host, sizeof(host));
	if ((r = store_quarantine_put(st, &e, host)) != STORE_OK)
		log_warn("quarantine: %s: held, but the index was not "
		    "updated (%s); \"mailtrust quarantine reindex\" repairs "
		    "it", id, store_strerror(r));
}

/* Drops the record of a message whose file is gone. */
static void
index_del(struct store *st, const char *id)
{
	int r = store_quarantine_del(st, id);

	if (r != STORE_OK && r != STORE_NOT_FOUND)
		log_warn("quarantine: %s: removed, but its index record "
		    "stays (%s); \"mailtrust quarantine reindex\" repairs it",
		    id, store_strerror(r));
}

int
quarantine_add_indexed(const char *dir, struct store *st,
    const struct quarantine_meta *m, const char *data, size_t len,
    char *id, char *err, size_t errlen)
{
	int r = add_file(dir, m, data, len, id, err, errlen);

	/* Also on a keyed retry: the first try may have died before it. */
	if (r == QUARANTINE_OK && st != NULL)
		index_put(dir, st, id);
	return r;
}

int
quarantine_add(const char *dir, const struct quarantine_meta *m,
    const char *data, size_t len, char *id, char *err, size_t errlen)
{
	return add_file(dir, m, data, len, id, err, errlen);
}

struct collect {
	struct quarantine_entry	*out;
	size_t			 max, n;
};

static int
collect_entry(void *arg, const struct quarantine_entry *e,
    const char *host)
{
	struct collect *c = arg;

	if (c->n >= c->max)
		return 1;
	c->out[c->n++] = *e;
	return 0;
}

int
quarantine_list_indexed(const char *dir, struct store *st,
    struct quarantine_entry *out, size_t max, size_t *n, size_t *total,
    size_t *bad, char *err, size_t errlen)
{
	char host[STORE_HOST_MAX + 1];
	struct collect c = { out, max, 0 };
	size_t all;
	int r;

	if (st == NULL)
		return list_dir(dir, out, max, n, total, bad, err, errlen);
	if (max > STORE_QUARANTINE_LIST_MAX)
		c.max = max = STORE_QUARANTINE_LIST_MAX;
	quarantine_host(host, sizeof(host));
	r = store_quarantine_list(st, host, max, collect_entry, &c, &all);
	if (r != STORE_OK) {
		log_warn("quarantine: index: %s; reading the directory",
		    store_strerror(r));
		return list_dir(dir, out, max, n, total, bad, err, errlen);
	}
	*n = c.n;
	if (total != NULL)
		*total = all;
	if (bad != NULL)
		*bad = 0;
	return QUARANTINE_OK;
}

int
quarantine_list(const char *dir, struct quarantine_entry *out, size_t max,
    size_t *n, size_t *total, size_t *bad, char *err, size_t errlen)
{
	return list_dir(dir, out, max, n, total, bad, err, errlen);
}

int
quarantine_delete_indexed(const char *dir, struct store *st,
    const char *id, char *err, size_t errlen)
{
	char host[STORE_HOST_MAX + 1], owner[STORE_HOST_MAX + 1];
	struct quarantine_entry e;
	int r = delete_file(dir, id, err, errlen);

	if (st == NULL)
		return r;
	if (r == QUARANTINE_OK)
		index_del(st, id);
	else if (r == QUARANTINE_NOT_FOUND) {
		/*
		 * A stale record of ours goes too; one of another host
		 * names a file on that host's disk, so it stays.
		 */
		quarantine_host(host, sizeof(host));
		if (store_quarantine_get(st, id, &e, owner, sizeof(owner)) ==
		    STORE_OK && strcmp(owner, host) == 0)
			index_del(st, id);
	}
	return r;
}

int
quarantine_delete(const char *dir, const char *id, char *err,
    size_t errlen)
{
	return delete_file(dir, id, err, errlen);
}

int
quarantine_release_indexed(const char *dir, struct store *st,
    const char *id, const char *const *sendmail, char *err, size_t errlen)
{
	int r = release_file(dir, id, sendmail, err, errlen);

	if (r == QUARANTINE_OK && st != NULL)
		index_del(st, id);
	return r;
}

int
quarantine_release(const char *dir, const char *id,
    const char *const *sendmail, char *err, size_t errlen)
{
	return release_file(dir, id, sendmail, err, errlen);
}

/* The IDs of one walk, sorted for bsearch. */
struct id_set {
	char	(*id)[QUARANTINE_ID_MAX + 1];
	size_t	 n, cap;
	bool	 nomem;
};

static int
id_set_add(struct id_set *s, const char *id)
{
	char (*grown)[QUARANTINE_ID_MAX + 1];

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;

		if ((grown = realloc(s->id, cap * sizeof(*s->id))) == NULL) {
			s->nomem = true;
			return -1;
		}
		s->id = grown;
		s->cap = cap;
	}
	set_text(s->id[s->n++], sizeof(s->id[0]), id);
	return 0;
}

static int
id_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int
collect_id(void *arg, const struct quarantine_entry *e, const char *host)
{
	return id_set_add(arg, e->id) == -1 ? 1 : 0;
}

/* Every readable ID.mtq of dir into files; records them as we go. */
static int
reindex_files(const char *dir, struct store *st, const char *host,
    struct id_set *files, struct quarantine_reindex_stats *stats,
    char *err, size_t errlen)
{
	char path[QUARANTINE_PATH_MAX], id[QUARANTINE_ID_MAX + 1];
	char owner[STORE_HOST_MAX + 1];
	struct quarantine_entry e, old;
	struct dirent *d;
	DIR *dp;
	int r = QUARANTINE_OK, sr;

	if ((dp = opendir(dir)) == NULL)
		return errno == ENOENT ? QUARANTINE_OK : fail(err, errlen,
		    QUARANTINE_ERR_IO, "%s: %s", dir, strerror(errno));
	while ((d = readdir(dp)) != NULL) {
		size_t l = strlen(d->d_name);

		if (files->n >= QUARANTINE_LIST_MAX) {
			stats->partial = true;
			break;
		}

		if (l <= 4 || l - 4 > QUARANTINE_ID_MAX ||
		    strcmp(d->d_name + l - 4, ".mtq") != 0)
			continue;
		snprintf(id, sizeof(id), "%.*s", (int)(l - 4), d->d_name);
		if (!quarantine_id_valid(id) ||
		    path_of(path, dir, id, ".mtq") == -1)
			continue;
		if (load(path, &e, NULL, NULL, NULL) != QUARANTINE_OK) {
			stats->bad++;
			continue;
		}
		set_text(e.id, sizeof(e.id), id);
		stats->files++;
		if (id_set_add(files, id) == -1) {
			r = fail(err, errlen, QUARANTINE_ERR_NOMEM,
			    "out of memory");
			break;
		}
		sr = store_quarantine_get(st, id, &old, owner, sizeof(owner));
		if (sr != STORE_OK && sr != STORE_NOT_FOUND) {
			r = fail(err, errlen, QUARANTINE_ERR_STORE, "store: %s",
			    store_strerror(sr));
			break;
		}
		if (sr == STORE_NOT_FOUND || strcmp(owner, host) != 0)
			stats->added++;
		if ((sr = store_quarantine_put(st, &e, host)) != STORE_OK) {
			r = fail(err, errlen, QUARANTINE_ERR_STORE, "store: %s",
			    store_strerror(sr));
			break;
		}
	}
	closedir(dp);
	return r;
}

int
quarantine_reindex(const char *dir, struct store *st,
    struct quarantine_reindex_stats *stats, char *err, size_t errlen)
{
	char host[STORE_HOST_MAX + 1], path[QUARANTINE_PATH_MAX];
	struct quarantine_reindex_stats dummy;
	struct id_set files = { 0 }, recs = { 0 };
	size_t i, total = 0;
	int r, sr;

	if (stats == NULL)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));
	if (st == NULL)
		return fail(err, errlen, QUARANTINE_ERR_ARG, "reindex: no "
		    "store");
	quarantine_host(host, sizeof(host));
	r = reindex_files(dir, st, host, &files, stats, err, errlen);
	if (r != QUARANTINE_OK)
		goto out;
	sr = store_quarantine_list(st, host, STORE_QUARANTINE_LIST_MAX,
	    collect_id, &recs, &total);
	if (sr != STORE_OK || recs.nomem) {
		r = sr != STORE_OK ? fail(err, errlen, QUARANTINE_ERR_STORE,
		    "store: %s", store_strerror(sr)) : fail(err, errlen,
		    QUARANTINE_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* Files past the walk's limit were not seen: drop nothing. */
	if (stats->partial)
		goto out;
	if (total > recs.n)
		stats->partial = true;
	if (files.n > 0)
		qsort(files.id, files.n, sizeof(files.id[0]), id_cmp);
	for (i = 0; i < recs.n; i++) {
		if (files.n > 0 && bsearch(recs.id[i], files.id, files.n,
		    sizeof(files.id[0]), id_cmp) != NULL)
			continue;
		/* Held since the walk began: its add wrote the record. */
		if (path_of(path, dir, recs.id[i], ".mtq") == 0 &&
		    access(path, F_OK) == 0)
			continue;
		sr = store_quarantine_del(st, recs.id[i]);
		if (sr != STORE_OK && sr != STORE_NOT_FOUND) {
			r = fail(err, errlen, QUARANTINE_ERR_STORE, "store: %s",
			    store_strerror(sr));
			goto out;
		}
		stats->dropped++;
	}
out:
	free(files.id);
	free(recs.id);
	return r;
}
