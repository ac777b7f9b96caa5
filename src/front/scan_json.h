/*
 * scan_json.h - a judged message as JSON (see scan_json.c).
 */
#ifndef MT_SCAN_JSON_H
#define MT_SCAN_JSON_H

#include <jansson.h>

#include "scan/config.h"

struct scan;

/*
 * The verdict, score, action, summary, authentication results, envelope
 * and symbols with their explanations in the given language.  path names
 * the input ("file"), or NULL.  The caller owns the new reference.
 */
json_t	*scan_json(struct scan *, enum lang, const char *path);

/* The first From address of the message, or NULL. */
struct message;
const char	*scan_first_from(const struct message *);

#endif
