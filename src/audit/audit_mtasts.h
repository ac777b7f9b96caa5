/*
 * audit_mtasts.h - the MTA-STS parsers (RFC 8461): the _mta-sts TXT
 * record (3.1) and the policy file (3.2), and MX pattern matching (4.1).
 *
 * Both parsers are pure cursors over (pointer, length): no I/O, defects
 * returned as data.  Strings of a result live in the arena given.
 */
#ifndef MT_AUDIT_MTASTS_H
#define MT_AUDIT_MTASTS_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* RFC 8461 3.3 lets senders cap the policy size; 64 KiB is ours. */
#define MTASTS_MAX_POLICY	65536
#define MTASTS_MAX_MX		32
#define MTASTS_MAX_AGE		31557600L	/* RFC 8461 3.2 */

enum mtasts_mode {
	MTASTS_MODE_UNKNOWN,
	MTASTS_MODE_ENFORCE,
	MTASTS_MODE_TESTING,
	MTASTS_MODE_NONE,
};

struct mtasts_record {
	const char	*id;		/* 1*32 alphanumerics */
};

struct mtasts_policy {
	bool		 version_ok;	/* version: STSv1 */
	enum mtasts_mode mode;
	const char	*mode_text;	/* as written, when not known */
	long		 max_age;	/* -1 when absent or bad */
	const char	*mx[MTASTS_MAX_MX];
	size_t		 n_mx;
	bool		 too_many_mx;
	const char	*problem;	/* first defect, static text */
};

/*
 * The TXT record of RFC 8461 3.1.  0 when it is a valid record, -1 with
 * *problem set otherwise (also when v=STSv1 is not first).
 */
int	mtasts_record_parse(struct arena *, const char *text, size_t len,
	    struct mtasts_record *, const char **problem);

/*
 * The policy file of RFC 8461 3.2.  Always fills p; returns 0 when the
 * policy is valid (version, a known mode, max_age in range, at least one
 * mx unless mode is none), -1 with p->problem set otherwise.
 */
int	mtasts_policy_parse(struct arena *, const char *text, size_t len,
	    struct mtasts_policy *);

/* RFC 8461 4.1: does MX host name match pattern ("*." = one label)? */
bool	mtasts_mx_match(const char *pattern, const char *host);

const char *mtasts_mode_name(enum mtasts_mode);

#endif
