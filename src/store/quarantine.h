/*
 * quarantine.h - messages held back instead of delivered.
 *
 * The quarantine is a directory (quarantine_dir in mailtrust.conf).  Each
 * message is one file, ID.mtq: a short block of "Key: value" lines (the
 * envelope, the verdict, the score, when) ended by an empty line, then
 * the message exactly as it arrived.  A file is written under a temporary
 * name, fsync'd, renamed into place and the directory fsync'd, so after
 * quarantine_add() returns the message survives a crash, and a crash
 * before leaves no half file behind (only a ".tmp" that list ignores).
 *
 * The files are the truth; the store (store.h) keeps an index of them
 * so a listing need not open every file, and so hosts sharing one Redis
 * see which host's disk holds which message.  The *_indexed calls keep
 * it: a record is written only after the file is safely in place, and
 * removed only after the file is gone.  A failed index write is logged
 * and does not fail the call (the message itself is safe).  So a crash
 * or a store outage between the two steps can leave a file without a
 * record or a record without a file; quarantine_reindex() repairs both
 * from the directory ("mailtrust quarantine reindex").  Without a store
 * (NULL, or one that does not answer) listing falls back to reading the
 * metadata block of each file (at most QUARANTINE_LIST_MAX of them).
 *
 * Release re-injects the message to its recipients through the MTA's
 * sendmail(1) ("sendmail -G -i -f SENDER -- RCPT..."); the file is
 * claimed first (renamed to ID.release) so two releases cannot both
 * send it, and removed only once sendmail has taken the message.  A
 * crash in between leaves ID.release, which list does not show: whether
 * sendmail got it is unknown, so the operator decides (rename it back
 * to ID.mtq to keep it held).
 *
 * Threads and processes: every call works on files only; IDs are unique
 * (time plus 64 random bits), so writers never collide.
 * Memory: quarantine_get() returns malloc'd data the caller frees.
 */
#ifndef MT_QUARANTINE_H
#define MT_QUARANTINE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define QUARANTINE_ID_MAX	40	/* "20261123T175500Z-" + 16 hex, or
				   32 hex from a key */
#define QUARANTINE_ADDR_MAX	320	/* RFC 5321 4.5.3.1 */
#define QUARANTINE_RCPT_MAX	1000	/* recipients of one message */
#define QUARANTINE_TEXT_MAX	255	/* subject, from, verdict: cut */
#define QUARANTINE_LIST_MAX	100000	/* files read by one list call */
#define QUARANTINE_MSG_MAX	(256u * 1024 * 1024)

enum quarantine_status {
	QUARANTINE_OK		= 0,
	QUARANTINE_NOT_FOUND	= -1,	/* no such ID (or released) */
	QUARANTINE_ERR_ARG	= -2,	/* bad ID, over a limit */
	QUARANTINE_ERR_IO	= -3,	/* the file system refused */
	QUARANTINE_ERR_FORMAT	= -4,	/* a file we did not write */
	QUARANTINE_ERR_RELEASE	= -5,	/* sendmail failed: kept */
	QUARANTINE_ERR_NOMEM	= -6,
	QUARANTINE_ERR_STORE	= -7,	/* reindex: the store failed */
};

struct store;

/* What is known of one held message, for a listing. */
struct quarantine_entry {
	char	 id[QUARANTINE_ID_MAX + 1];
	time_t	 time;			/* when it was quarantined */
	size_t	 size;			/* bytes of the message */
	double	 score;
	char	 verdict[16];
	char	 sender[QUARANTINE_ADDR_MAX + 1];	/* MAIL FROM, "" = <> */
	char	 rcpt[QUARANTINE_ADDR_MAX + 1];	/* the first recipient */
	size_t	 n_rcpt;
	char	 client_ip[64];
	char	 from[QUARANTINE_TEXT_MAX + 1];	/* From field, as text */
	char	 subject[QUARANTINE_TEXT_MAX + 1];
};

/* What quarantine_add() records beside the message. */
struct quarantine_meta {
	const char		*sender;	/* "" for the null path */
	const char *const	*rcpt;
	size_t			 n_rcpt;
	const char		*client_ip;	/* may be NULL */
	const char		*verdict;
	double			 score;
	const char		*from;		/* may be NULL */
	const char		*subject;	/* may be NULL */
	/*
	 * NULL, or 32+ hex digits naming the message (a digest of its
	 * envelope and content): the ID is then its first 32 digits, and
	 * a message whose file already exists is held once, not twice.
	 * This makes a retry after a crash between quarantine_add() and
	 * the milter's answer harmless.
	 */
	const char		*key;
};

/*
 * Stores one message durably (see above); the new ID goes to id, which
 * holds QUARANTINE_ID_MAX + 1 bytes (with a key: the existing ID when
 * the message is held already).  The directory is created (0700)
 * when missing.  Returns QUARANTINE_OK or an error with err filled.
 */
int	quarantine_add(const char *dir, const struct quarantine_meta *,
	    const char *data, size_t len, char *id, char *err, size_t errlen);

/*
 * Up to max entries, newest first; *n says how many were written and
 * *total how many messages the directory holds (may be NULL).  Files
 * that cannot be read are skipped and counted in *bad (may be NULL).
 */
int	quarantine_list(const char *dir, struct quarantine_entry *out,
	    size_t max, size_t *n, size_t *total, size_t *bad, char *err,
	    size_t errlen);

/*
 * One message: its entry, and when data is not NULL the message itself
 * (malloc'd, *len bytes, NUL-terminated for convenience) and, when rcpt
 * is not NULL, every recipient (a malloc'd NULL-ended array; free with
 * quarantine_strv_free).
 */
int	quarantine_get(const char *dir, const char *id,
	    struct quarantine_entry *, char **data, size_t *len,
	    char ***rcpt, char *err, size_t errlen);
void	quarantine_strv_free(char **);

/*
 * Re-injects the message to its original recipients: sendmail is the
 * program and its leading arguments (NULL: {"/usr/sbin/sendmail",
 * NULL}); "-G -i -f SENDER -- RCPT..." follow.  The file is removed once
 * sendmail exits 0; otherwise it stays and the status says why.
 */
int	quarantine_release(const char *dir, const char *id,
	    const char *const *sendmail, char *err, size_t errlen);

/* Removes one message for good. */
int	quarantine_delete(const char *dir, const char *id, char *err,
	    size_t errlen);

/*
 * The same four calls, keeping the store's index (see above); a NULL
 * store makes them the plain calls.  list_indexed lists this host's
 * records, and reads the directory when the store fails.
 */
int	quarantine_add_indexed(const char *dir, struct store *,
	    const struct quarantine_meta *, const char *data, size_t len,
	    char *id, char *err, size_t errlen);
int	quarantine_list_indexed(const char *dir, struct store *,
	    struct quarantine_entry *out, size_t max, size_t *n,
	    size_t *total, size_t *bad, char *err, size_t errlen);
int	quarantine_release_indexed(const char *dir, struct store *,
	    const char *id, const char *const *sendmail, char *err,
	    size_t errlen);
int	quarantine_delete_indexed(const char *dir, struct store *,
	    const char *id, char *err, size_t errlen);

/* What quarantine_reindex() found and did. */
struct quarantine_reindex_stats {
	size_t	files;		/* messages in the directory */
	size_t	added;		/* files that had no record of this host */
	size_t	dropped;	/* records of this host without a file */
	size_t	bad;		/* files that could not be read */
	bool	partial;	/* over QUARANTINE_LIST_MAX: a later run
				   does the rest */
};

/*
 * Makes this host's records match the directory: every readable file
 * gets a fresh record (one missing, or naming another host, counts as
 * added), and every record of this host whose file is gone is dropped.
 * Records of other hosts are left alone.  stats may be NULL.  Over
 * QUARANTINE_LIST_MAX files nothing is dropped (stats->partial).
 */
int	quarantine_reindex(const char *dir, struct store *,
	    struct quarantine_reindex_stats *stats, char *err,
	    size_t errlen);

/* The name records carry for this host (gethostname, else "localhost"). */
void	quarantine_host(char *buf, size_t len);

/* true when s has the form of an ID (never a path). */
bool	quarantine_id_valid(const char *s);

const char *quarantine_strerror(int status);

#endif
