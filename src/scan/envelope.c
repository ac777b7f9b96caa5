/*
 * envelope.c - recover the SMTP envelope from a saved message.
 *
 * A message saved from a mailbox has lost its envelope, but the
 * receiving side wrote most of it into the header: Return-Path holds
 * MAIL FROM (RFC 5321 4.4), and the Received field that our own boundary
 * host added names the client's address and HELO.  cfg->trusted_hops
 * says how many Received fields at the top were written by hosts we
 * trust; the last of them is the one that saw the outside client.  Fields
 * below it could be forged by the sender and are not used.  Recipients
 * come from To and Cc when not given.
 */
#include <string.h>

#include "envelope.h"
#include "config.h"
#include "scan.h"
#include "mime/message.h"
#include "util/arena.h"

#define ENVELOPE_MAX_RCPT	100

static void
rcpt_from_list(struct scan *s, const struct address_list *l)
{
	size_t i;

	for (i = 0; i < l->n && s->env.n_rcpt < ENVELOPE_MAX_RCPT; i++) {
		if (l->v[i].addr == NULL || l->v[i].domain == NULL)
			continue;
		s->env.rcpt[s->env.n_rcpt++] = arena_strdup(s->arena,
		    l->v[i].addr);
	}
}

void
envelope_complete(struct scan *s)
{
	const struct message *m = s->msg;
	unsigned hops = s->cfg ? s->cfg->trusted_hops : 1;
	const struct received *r;

	if (m == NULL)
		return;
	if (s->env.mail_from == NULL && m->return_path.n > 0) {
		const struct address *a = &m->return_path.v[0];

		/* "Return-Path: <>" is the null reverse-path of a bounce. */
		s->env.mail_from = arena_strdup(s->arena,
		    a->addr != NULL ? a->addr : "");
		s->env.mail_from_from_message = true;
	} else if (s->env.mail_from == NULL &&
	    message_header(m, "Return-Path", 0) != NULL) {
		s->env.mail_from = "";
		s->env.mail_from_from_message = true;
	}
	if (hops > 0 && m->n_received >= hops) {
		r = &m->received[hops - 1];
		if (s->env.client_ip == NULL && r->ip != NULL) {
			s->env.client_ip = r->ip;
			s->env.ip_from_message = true;
		}
		if (s->env.helo == NULL && r->from_helo != NULL)
			s->env.helo = r->from_helo;
	}
	if (s->env.rcpt == NULL) {
		s->env.rcpt = arena_calloc(s->arena, ENVELOPE_MAX_RCPT,
		    sizeof(char *));
		if (s->env.rcpt == NULL)
			return;
		rcpt_from_list(s, &m->to);
		rcpt_from_list(s, &m->cc);
		s->env.rcpt_from_message = true;
	}
}
