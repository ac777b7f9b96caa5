/*
 * authres.h - the Authentication-Results header field (RFC 8601):
 * a parser for fields others wrote and an emitter for ours.
 *
 * authres_parse() reads one field value (the text after the colon),
 * folded or not, with comments and CFWS anywhere the grammar of RFC 8601
 * section 2.2 allows them.  Method, result, ptype and property names are
 * lower-cased (they are case-insensitive keywords); values keep their
 * case, quoted-strings come back unquoted.
 *
 * Memory: every string of a parse lives in the arena given.  Limits:
 * AUTHRES_MAX_RESULTS resinfos per field, AUTHRES_MAX_PROPS properties
 * per resinfo, AUTHRES_MAX_NEST comment nesting; beyond them the parse
 * fails (a field that large is not one a real server wrote).
 */
#ifndef MT_AUTHRES_H
#define MT_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

#define AUTHRES_MAX_RESULTS	64
#define AUTHRES_MAX_PROPS	32
#define AUTHRES_MAX_NEST	16

struct authres_prop {
	char	*ptype;		/* "smtp", "header", "policy" */
	char	*property;	/* "mailfrom", "d", ... */
	char	*value;
};

struct authres_result {
	char			*method;	/* "spf", "dkim", ... */
	int			 method_version;	/* -1 when absent */
	char			*result;	/* "pass", "fail", ... */
	char			*reason;	/* reason= value or NULL */
	char			*comment;	/* after the result */
	struct authres_prop	*props;
	size_t			 nprops;
};

struct authres {
	char			*authserv_id;
	int			 version;	/* -1 when absent */
	bool			 none;		/* 2.2 no-result */
	struct authres_result	*results;
	size_t			 n;
};

/*
 * Parses one field value.  Returns 0, or -1 with *err set to a static
 * reason (a syntax error, a limit, or "out of memory").
 */
int	authres_parse(struct arena *, const char *value, size_t len,
	    struct authres *out, const char **err);

/*
 * Only the authserv-id of a field value, for telling fields that claim
 * to be ours (RFC 8601 5) even when the rest does not parse.  NULL when
 * there is none.
 */
char	*authres_authserv_id(struct arena *, const char *value, size_t len);

/*
 * Renders a field value: "id; method=result reason=... ptype.prop=val;
 * ...", or "id; none" without results.  Values that are not tokens are
 * quoted.  fold puts each resinfo on its own continuation line
 * ("\r\n\t"), for header fields written to the wire.
 */
char	*authres_format(struct arena *, const struct authres *, bool fold);

#endif
