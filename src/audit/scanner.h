/*
 * scanner.h - `mailtrust scan`: find unpatched Exchange servers in a list
 * of hosts and report them per operator, for a CERT's notification run.
 *
 *   scanner_builds.c  data/exchange-builds: build -> product, CU, missing
 *                     updates, CVEs, class (pure, no I/O once loaded)
 *   scanner_smtp.c    SMTP reply / EHLO parser (pure cursor, RFC 5321)
 *   scanner_owa.c     Outlook on the web fingerprint parser (pure)
 *   scanner.c         the libevent driver: targets, probes, rate, timeouts
 *   scanner_resume.c  append-only, fsync'd journal of finished targets
 *   scanner_report.c  JSON / CSV lines and the per-operator report
 *   scanner_queue.c   Redis Streams work sharing between machines
 *
 * Memory: results are heap objects owned by the scan; the build table is
 * loaded once and shared read-only.  Every list has a named ceiling.
 */
#ifndef MT_SCANNER_H
#define MT_SCANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------------ */
/* The build table (scanner_builds.c). */

#define SCANNER_MAX_MISSING	96	/* updates listed per host */
#define SCANNER_MAX_CVES	192	/* CVEs listed per host */

enum scanner_class {
	SCANNER_PATCHED,
	SCANNER_UNPATCHED,
	SCANNER_EOL,
	SCANNER_NOT_EXCHANGE,
	SCANNER_UNREACHABLE,
};

struct scanner_builds;

struct scanner_judgement {
	enum scanner_class class;
	char		 product[16];	/* "2019", "SE", "" if unknown */
	char		 cu[16];	/* "CU14", "pre-CU1", "" */
	bool		 cu_only;	/* three-part build: update unknown */
	bool		 supported;	/* the line is supported on as_of */
	char		 end_of_support[11];	/* YYYY-MM-DD or "" */
	/* Newest update of this CU released by as_of ("" if none). */
	char		 newest_update[16];
	char		 newest_build[24];
	size_t		 nmissing;
	/* names, in the table */
	const char	*missing[SCANNER_MAX_MISSING];
	size_t		 ncves;
	const char	*cves[SCANNER_MAX_CVES];	/* in the table */
};

/* Parses the text of data/exchange-builds; on error writes line: reason. */
struct scanner_builds *scanner_builds_parse(const char *text, size_t len,
		    char *err, size_t errlen);
struct scanner_builds *scanner_builds_load(const char *path, char *err,
		    size_t errlen);
void		 scanner_builds_free(struct scanner_builds *);
size_t		 scanner_builds_count(const struct scanner_builds *);
/* The day the table was copied (YYYYMMDD), 0 if it does not say. */
long		 scanner_builds_date(const struct scanner_builds *);
/* A date "YYYY-MM-DD" as YYYYMMDD; -1 when malformed. */
long		 scanner_date(const char *s, size_t len);
/*
 * Judges a build "15.2.1544.14" (or three-part "15.2.1544") as of the day
 * as_of (YYYYMMDD).  Returns -1 when the text is not a build number.
 */
int		 scanner_builds_judge(const struct scanner_builds *,
		    const char *build, long as_of, struct scanner_judgement *);
const char	*scanner_class_name(enum scanner_class);

/* ------------------------------------------------------------------ */
/* SMTP replies and EHLO (scanner_smtp.c), RFC 5321 4.2 and 4.1.1.1. */

#define SMTP_MAX_LINES		64	/* lines of one reply */
#define SMTP_MAX_REPLY		16384	/* bytes of one reply */
#define SMTP_MAX_EXTS		32

struct smtp_reply {
	int		 code;		/* 100..599 */
	size_t		 nlines;
	size_t		 len;		/* bytes consumed, with CRLFs */
	const char	*text[SMTP_MAX_LINES];	/* after "NNN-" / "NNN " */
	size_t		 textlen[SMTP_MAX_LINES];
};

/* 1 complete reply, 0 need more bytes, -1 not an SMTP reply. */
int		 smtp_reply_parse(const char *data, size_t len,
		    struct smtp_reply *);

struct smtp_ehlo {
	bool		 starttls;
	bool		 exchange;	/* banner or EHLO names Microsoft */
	char		 software[48];	/* "Postfix", "Microsoft ESMTP", "" */
	size_t		 size;		/* SIZE, 0 if not given */
	size_t		 nexts;
	char		 exts[SMTP_MAX_EXTS][24];	/* keywords, upper */
};

/* Reads the banner's software and the EHLO reply's extensions. */
void		 smtp_banner_inspect(const struct smtp_reply *banner,
		    struct smtp_ehlo *);
void		 smtp_ehlo_parse(const struct smtp_reply *ehlo,
		    struct smtp_ehlo *);

/* ------------------------------------------------------------------ */
/* Outlook on the web fingerprint (scanner_owa.c). */

#define OWA_MAX_RESPONSE	(256 * 1024)

struct owa_fingerprint {
	int		 status;	/* HTTP status, 0 if none */
	bool		 exchange;	/* any Exchange fingerprint */
	char		 build[24];	/* "15.2.1544.14" or "15.2.1544" */
	const char	*source;	/* which fingerprint gave the build */
	char		 server[48];	/* Server: header, for not-exchange */
};

/* Parses an HTTP/1.x response (headers and body); -1 if not HTTP. */
int		 owa_parse_response(const char *data, size_t len,
		    struct owa_fingerprint *);
/* Finds a build in a text: 1 found, 0 not; out gets at most 24 bytes. */
int		 owa_find_build(const char *s, size_t len, char out[24]);

/* ------------------------------------------------------------------ */
/* One target's result (scanner.c fills, scanner_report.c prints). */

struct scanner_cert {
	char		 subject[128];
	char		 issuer[128];
	char		 names[256];	/* SANs, comma separated */
	char		 not_after[24];	/* YYYY-MM-DD */
	char		 protocol[16];	/* TLSv1.3 */
	bool		 expired;
};

struct scanner_result {
	char		*target;	/* as given */
	char		 host[256];
	char		 ip[64];	/* the address connected to, or "" */
	bool		 smtp_probed, smtp_ok, https_probed, https_ok;
	char		 smtp_error[64], https_error[64];
	char		 banner[128];
	struct smtp_ehlo ehlo;
	bool		 starttls_ok;
	struct scanner_cert smtp_cert, https_cert;
	struct owa_fingerprint owa;
	struct scanner_judgement judgement;
	char		 note[96];
};

/* ------------------------------------------------------------------ */
/* Output (scanner_report.c). */

enum scanner_format { SCANNER_TEXT, SCANNER_JSON, SCANNER_CSV };

/* One line for the result (JSON object, CSV row or text), NUL-ended. */
char		*scanner_result_line(const struct scanner_result *,
		    enum scanner_format);
void		 scanner_csv_header(FILE *);

struct scanner_operators;
/* Local IP -> operator file: "CIDR ASN CC abuse=ADDR|- NAME..." */
struct scanner_operators *scanner_operators_load(const char *path,
		    char *err, size_t errlen);
void		 scanner_operators_free(struct scanner_operators *);
/*
 * The per-operator report of JSON result lines (one per target), in
 * markdown.  ops may be NULL; libloc is asked when it has the address.
 */
int		 scanner_report_write(FILE *, char *const *json_lines,
		    size_t n, const struct scanner_operators *, long as_of);

/* ------------------------------------------------------------------ */
/* Resume journal (scanner_resume.c). */

struct scanner_journal;
/* Opens (creating) the journal and reads what an earlier run finished. */
struct scanner_journal *scanner_journal_open(const char *path, char *err,
		    size_t errlen);
/* The JSON line of a finished target, NULL if it was not finished. */
const char	*scanner_journal_done(const struct scanner_journal *,
		    const char *target);
/* True when an earlier run started the target and never finished it. */
bool		 scanner_journal_started(const struct scanner_journal *,
		    const char *target);
int		 scanner_journal_start(struct scanner_journal *,
		    const char *target);
int		 scanner_journal_finish(struct scanner_journal *,
		    const char *target, const char *json_line);
/* All finished lines, for the report. */
char *const	*scanner_journal_lines(const struct scanner_journal *,
		    size_t *n);
void		 scanner_journal_close(struct scanner_journal *);

/* ------------------------------------------------------------------ */
/* The driver (scanner.c). */

struct scanner_options {
	unsigned	 concurrency;	/* probes in flight */
	double		 rate;		/* new targets per second, 0 = no cap */
	unsigned	 connect_timeout_ms;
	unsigned	 read_timeout_ms;
	long		 as_of;		/* YYYYMMDD */
	const char	*ehlo_name;
	bool		 progress;	/* draw a bar on stderr */
};

/* Called for each finished target; the result is freed afterwards. */
typedef void scanner_result_fn(const struct scanner_result *, void *arg);

/* Splits "host", "host:port", "https://host:port" into probes. */
int		 scanner_target_parse(const char *target, char *host,
		    size_t hostlen, int *smtp_port, int *https_port);

/*
 * Scans the targets; skip(target) true means already done.  Returns 0,
 * 1 when a signal stopped it, or -1 on a setup failure.  SIGINT/SIGTERM
 * stop launching new targets and let those in flight finish, so nothing
 * is probed twice.
 */
int		 scanner_run(const struct scanner_builds *,
		    const struct scanner_options *, char *const *targets,
		    size_t ntargets, scanner_result_fn *, void *arg,
		    bool (*skip)(const char *target, void *arg),
		    void (*started)(const char *target, void *arg));

/* ------------------------------------------------------------------ */
/* Distributed scanning over Redis Streams (scanner_queue.c). */

/* Queues targets not queued before; *added says how many were new. */
int		 scanner_queue_enqueue(const char *url, char *const *targets,
		    size_t n, size_t *added, char *err, size_t errlen);
int		 scanner_queue_work(const char *url, const char *consumer,
		    const struct scanner_builds *,
		    const struct scanner_options *, unsigned batch,
		    unsigned claim_idle_ms, FILE *out, char *err,
		    size_t errlen);
int		 scanner_queue_collect(const char *url, FILE *out, char *err,
		    size_t errlen);

#endif
