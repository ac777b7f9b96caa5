/*
 * scan_json.h - a judged message as JSON (see scan_json.c).
 */
#ifndef MT_SCAN_JSON_H
#define MT_SCAN_JSON_H

#include "scan/config.h"
#include "util/buf.h"

/*
 * The ceiling of one scan's JSON: a message of CHECK_MAX_INPUT (64 MiB)
 * quoted twice, every byte escaped to six, still fits.
 */
#define SCAN_JSON_MAX	(1024ul * 1024 * 1024)

struct scan;

/*
 * Appends the verdict, score, action, summary, authentication results,
 * envelope and symbols with their explanations in the given language,
 * as one compact ASCII-only JSON object, to out.  path names the input
 * ("file"), or NULL.  -1 when out reached its maximum (out then holds
 * part of the text).
 */
int	scan_json(struct scan *, enum lang, const char *path, struct buf *out);

/* The first From address of the message, or NULL. */
struct message;
const char	*scan_first_from(const struct message *);

#endif
