/*
 * conffile.h - mailtrust.conf, the one configuration file of every front
 * end (check, milter, serve), documented in mailtrust.conf(5).
 *
 * Format: one setting per line, "key value...", words separated by
 * blanks; a word may be a "quoted string" (with \" and \\ inside); '#'
 * outside quotes starts a comment.  List keys (trusted_networks,
 * arc_trusted, dns_forwarders) may repeat and add up; every other key may
 * appear once.  Keys are read on top of config_load()'s defaults.
 *
 * Errors name the place: "FILE:LINE: reason".  On error the config may
 * be partly changed; the caller refuses to start (config_free it).
 * Limits: CONFFILE_MAX_BYTES per file, CONFFILE_MAX_LINE per line,
 * CONFFILE_MAX_WORDS words per line, CONFFILE_MAX_LIST entries per list.
 */
#ifndef MT_CONFFILE_H
#define MT_CONFFILE_H

#include <stddef.h>

struct config;

#define CONFFILE_MAX_BYTES	(1024u * 1024)
#define CONFFILE_MAX_LINE	4096
#define CONFFILE_MAX_WORDS	64
#define CONFFILE_MAX_LIST	1024

/* Reads path into cfg (after config_load).  0, or -1 with err set. */
int	config_load_file(struct config *, const char *path, char *err,
	    size_t errlen);

/*
 * The same over text[0..len); name is the file name used in errors.
 * load_keys false skips reading the signing key files (the fuzzer).
 */
int	conffile_parse(struct config *, const char *text, size_t len,
	    const char *name, int load_keys, char *err, size_t errlen);

#endif
