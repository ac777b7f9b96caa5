/*
 * envelope.h - fill the envelope fields the front end did not give.
 */
#ifndef MT_ENVELOPE_H
#define MT_ENVELOPE_H

struct scan;

void	envelope_complete(struct scan *);

#endif
