/*
 * clamd.h - a client of ClamAV's clamd over its socket.
 *
 * One client per clamd address, shared by every thread: it keeps a few
 * idle connections open in clamd sessions (zIDSESSION), so a scan costs
 * one round trip instead of a connect.  Data goes with zINSTREAM in
 * chunks, at most CLAMD_STREAM_MAX bytes (clamd's own StreamMaxLength
 * defaults to 25 MB).  Every connect, send and receive is bounded by the
 * client's timeout; a clamd that is down, slow or answers nonsense is a
 * CLAMD_ERROR with the reason, never a clean result.
 *
 * Addresses: "unix:/path/clamd.ctl" (or a bare absolute path) and
 * "inet:PORT@HOST" (Postfix's milter notation, as in mailtrust.conf).
 */
#ifndef MT_CLAMD_H
#define MT_CLAMD_H

#include <stddef.h>

#define CLAMD_STREAM_MAX	(25u * 1000 * 1000 - 1)
#define CLAMD_POOL_MAX		4	/* idle connections kept */
#define CLAMD_TEXT_MAX		256

enum clamd_status {
	CLAMD_CLEAN,
	CLAMD_FOUND,
	CLAMD_ERROR,	/* not scanned: see result.text */
};

struct clamd_result {
	enum clamd_status status;
	char		text[CLAMD_TEXT_MAX];	/* signature, or the error */
};

struct clamd;

/* NULL with err filled when the address cannot be parsed. */
struct clamd	*clamd_new(const char *spec, unsigned timeout_ms, char *err,
		    size_t errlen);
void		 clamd_free(struct clamd *);

/*
 * The client for spec, made on first use and kept for the process's
 * life (front ends scan with one configuration).  Thread-safe.
 */
struct clamd	*clamd_shared(const char *spec, unsigned timeout_ms, char *err,
		    size_t errlen);

/* Scans data[0..len); always fills res. */
void		 clamd_scan(struct clamd *, const void *data, size_t len,
		    struct clamd_result *res);

#endif
