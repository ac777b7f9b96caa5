/*
 * antivirus.c - check_antivirus: the message through clamd.
 *
 * The whole raw message goes to clamd in one INSTREAM: clamd decodes
 * MIME, archives and encodings itself, better than we could hand it the
 * parts, and a clean message (the common case) costs one round trip.
 * Only when clamd finds something are the parts sent one by one, to
 * name the file in the explanation (clamd reports no inner names for a
 * stream); when no single part shows it, "the message" is named.
 *
 * A scan that could not run is never a pass: AV_UNAVAILABLE says so,
 * and with clamd_tempfail set (the default) the scan fails internally,
 * so the mail server keeps the message and tries again later.  A
 * message over CLAMD_STREAM_MAX is scanned in its first bytes only and
 * marked AV_UNAVAILABLE without a tempfail (a retry would not help).
 * Without a configured clamd_socket the check does nothing.
 */
#include <stdio.h>

#include "checks.h"
#include "detect/clamd.h"
#include "mime/message.h"
#include "scan/config.h"
#include "scan/scan.h"
#include "util/arena.h"

#define AV_PARTS_MAX	64	/* parts scanned to name the file */

static void
unavailable(struct scan *s, const char *why)
{
	scan_symbol(s, "AV_UNAVAILABLE", why);
	if (s->cfg->clamd_tempfail)
		s->failed = true;
}

static const char *
part_name(struct scan *s, const struct part *p)
{
	if (p->filename != NULL && p->filename[0] != '\0')
		return p->filename;
	return arena_printf(s->arena, "part %zu (%s)", p->index + 1,
	    p->content_type != NULL ? p->content_type : "no type");
}

/* The first part in which clamd finds a signature, or NULL. */
static const char *
infected_part(struct clamd *c, const struct message *m, struct scan *s)
{
	struct clamd_result r;
	const struct part *p;
	size_t i, tried = 0;

	for (i = 0; i < m->n_parts && tried < AV_PARTS_MAX; i++) {
		p = &m->parts[i];
		if (p->is_multipart || p->data == NULL || p->size == 0)
			continue;
		tried++;
		clamd_scan(c, p->data, p->size, &r);
		if (r.status == CLAMD_FOUND)
			return part_name(s, p);
	}
	return NULL;
}

void
check_antivirus(const struct message *m, struct scan *s)
{
	struct clamd_result r;
	struct clamd *c;
	const char *file;
	char err[CLAMD_TEXT_MAX];

	if (s->cfg == NULL || s->cfg->clamd_socket == NULL ||
	    s->cfg->clamd_socket[0] == '\0' || m == NULL)
		return;
	if ((c = clamd_shared(s->cfg->clamd_socket, s->cfg->clamd_timeout_ms,
	    err, sizeof(err))) == NULL) {
		unavailable(s, err);
		return;
	}
	clamd_scan(c, m->raw, m->raw_len, &r);
	switch (r.status) {
	case CLAMD_CLEAN:
		/* Retrying cannot help a message over the limit: say so. */
		if (m->raw_len > CLAMD_STREAM_MAX)
			scan_symbol(s, "AV_UNAVAILABLE", arena_printf(s->arena,
			    "only the first %u bytes were scanned",
			    CLAMD_STREAM_MAX));
		break;
	case CLAMD_FOUND:
		if ((file = infected_part(c, m, s)) == NULL)
			file = "the message";
		scan_symbol(s, "AV_FOUND", r.text, file);
		break;
	case CLAMD_ERROR:
		unavailable(s, r.text);
		break;
	}
}
