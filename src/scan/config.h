/*
 * config.h - settings and data shared read-only by every scan.
 *
 * Loaded once at start-up (config_load) from the data directory (scores,
 * explanation catalogs, word lists) and, when the front end has one, the
 * configuration file.  After loading nothing writes to it, so threads
 * share one copy without locks.
 */
#ifndef MT_CONFIG_H
#define MT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "mime/message.h"

struct score_table;
struct catalog;
struct detect_data;
struct store;
struct evp_pkey_st;	/* OpenSSL's EVP_PKEY */

/*
 * mailtrust.conf "action VERDICT ...": what the milter does with one
 * verdict instead of the action data/scores gives.
 */
struct verdict_policy {
	int		 action;	/* enum action (scan.h); -1: data/scores */
	char		*reply;		/* SMTP text for reject/tempfail */
	char		*subject_tag;	/* tag: put before the Subject */
};

/* mailtrust.conf "sign" / "arc_seal": a domain, selector and its key. */
struct signing_key {
	char		*domain;
	char		*selector;
	char		*key_file;
	struct evp_pkey_st *key;	/* loaded when the file is read */
};

#define CONFIG_VERDICTS	6	/* VERDICT_COUNT of scan.h */
#define CONFIG_SIGN_MAX	64	/* "sign" lines */

enum lang { LANG_EN, LANG_DE };
#define LANG_COUNT	2

struct config {
	char			*datadir;
	char			*authserv_id;	/* RFC 8601 2.5 */
	unsigned		 trusted_hops;	/* Received fields we wrote */
	enum lang		 lang;
	struct message_limits	 limits;
	size_t			 arena_limit;	/* bytes per message */

	struct score_table	*scores;	/* data/scores */
	struct catalog		*catalog[LANG_COUNT];	/* data/explain.* */
	struct detect_data	*detect;	/* brands, lexicons, ... */
	struct store		*store;		/* shared state, or NULL */

	/*
	 * Settings of mailtrust.conf (mailtrust.conf(5)); the defaults
	 * apply when a front end runs without one.  Strings are owned by
	 * the config and freed by config_free.
	 */
	char			*conf_path;	/* the file read, or NULL */
	char		       **trusted_networks;	/* CIDR, NULL-ended */
	char		       **arc_trusted;	/* sealer domains (RFC 8617) */
	bool			 dmarc_org_psl;	/* RFC 7489 PSL, not tree walk */
	char		       **dns_forwarders;	/* IP[@port], NULL-ended */
	unsigned		 dns_timeout_ms;
	char			*store_spec;	/* sqlite:PATH | redis://... */
	char			*clamd_socket;	/* unix:PATH | inet:PORT@HOST */
	unsigned		 clamd_timeout_ms;
	bool			 clamd_tempfail;	/* clamd down: tempfail */
	char			*milter_listen;	/* libmilter socket spec */
	char			*quarantine_dir;
	char			*http_listen;	/* ADDR:PORT */
	char			*http_token;	/* Bearer token, or NULL */
	unsigned		 http_threads;
	size_t			 http_max_body;
	unsigned		 http_timeout_s;

	/* The milter's settings (conffile.c, mailtrust.conf(5)). */
	struct verdict_policy	 policy[CONFIG_VERDICTS];
	bool			 add_headers;	/* X-Mailtrust-*, X-Spam-* */
	size_t			 milter_max_message;	/* bytes */
	bool			 milter_oversize_tempfail; /* else judge cut */
	char		       **release_sendmail;	/* argv, NULL-ended */
	struct signing_key	*sign;		/* outbound DKIM domains */
	size_t			 n_sign;
	struct signing_key	 arc_seal;	/* domain NULL: no sealing */
};

/* Loads and frees what the checks read from data/ (src/detect/). */
int		 detect_data_load(struct config *, char *err, size_t errlen);
void		 detect_data_free(struct config *);

/*
 * Finds the data directory: $MAILTRUST_DATADIR, else the installed one,
 * else the source tree's data/ (so build/mailtrust works uninstalled).
 */
const char	*config_default_datadir(void);

/* Fills defaults and loads data/; on failure writes file:line: reason. */
int		 config_load(struct config *, const char *datadir, char *err,
		    size_t errlen);
void		 config_free(struct config *);

enum lang	 config_lang_from_name(const char *);	/* -1 if unknown */

#endif
