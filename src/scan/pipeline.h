/*
 * pipeline.h - run one message through mailtrust: parse, complete the
 * envelope, authenticate, run the checks, decide.
 *
 * The front ends (CLI, milter, HTTP) all call these three functions and
 * nothing else of the pipeline, so they cannot disagree about a message.
 */
#ifndef MT_PIPELINE_H
#define MT_PIPELINE_H

#include <stddef.h>

struct config;
struct dns_resolver;
struct scan;

/*
 * A new scan with its own arena and DNS batch.  The caller may fill
 * scan->env (any field left NULL is recovered from the message) before
 * scan_message().  Returns NULL when out of memory.
 */
struct scan	*scan_new(const struct config *, struct dns_resolver *);

/*
 * Judges data[0..len).  The data must stay valid until scan_free().
 * Always leaves a verdict and an action in the scan: an internal failure
 * sets scan->failed and the action to tempfail, never to accept.
 * Returns 0, or -1 when the scan failed internally.
 */
int		 scan_message(struct scan *, const char *data, size_t len);

void		 scan_free(struct scan *);

#endif
