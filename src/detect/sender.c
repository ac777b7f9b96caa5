/*
 * sender.c - tricks with the sender's identity in the header.
 *
 *   SENDER_REPLYTO_FREEMAIL  Reply-To (RFC 5322 3.6.2) sends answers to a
 *			free-mail address at another domain than From: the
 *			classic "reply to this CEO" fraud;
 *   SENDER_REPLYTO_OTHER	Reply-To at an unrelated domain (weak: lists
 *			and ticket systems do it too);
 *   SENDER_NAME_ADDRESS	the display name shows an address other than
 *			the real one ("service@paypal.com" <x@evil.ru>),
 *			which is all many phones display;
 *   SENDER_LOOKALIKE_RCPT	the From domain imitates the recipient's own
 *			domain (praxis-examp1e.de for praxis-example.de);
 *   SENDER_LOOKALIKE_BRAND	the From domain imitates a brand's domain;
 *   SENDER_ON_HOSTING	the From address is at a free app or page host
 *			(data/hosting: firebaseapp.com, web.app, ...);
 *   SENDER_BAD_DOMAIN	the From domain is not a fully qualified name
 *			anybody could register ("support@aaa").
 * Domains are compared as registrable domains (public suffix + 1), so
 * mail.example.com and example.com are the same sender.
 *
 * Memory: everything per message is in the scan's arena.
 */
#include <libpsl.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "detect.h"
#include "mime/message.h"
#include "scan/config.h"
#include "scan/scan.h"
#include "util/arena.h"

/* An address written inside a display name, or NULL. */
static char *
name_address(struct arena *a, const char *name)
{
	const char *at, *b, *e;

	if (name == NULL || (at = strchr(name, '@')) == NULL)
		return NULL;
	for (b = at; b > name && b[-1] != ' ' && b[-1] != '<' &&
	    b[-1] != '"' && b[-1] != '(' && b[-1] != '\''; b--)
		;
	for (e = at + 1; *e != '\0' && *e != ' ' && *e != '>' && *e != '"' &&
	    *e != ')' && *e != '\''; e++)
		;
	if (at == b || e == at + 1 || memchr(at + 1, '.', (size_t)(e - at - 1))
	    == NULL)
		return NULL;
	return arena_strndup(a, b, (size_t)(e - b));
}

static bool
qualified(const char *domain)
{
	const char *dot = strrchr(domain, '.');

	if (domain[0] == '[')
		return true;	/* an address literal, RFC 5321 4.1.3 */
	if (dot == NULL || dot == domain || dot[1] == '\0')
		return false;
	return !psl_is_public_suffix2(psl_builtin(), domain,
	    PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE);
}

void
check_sender(const struct message *m, struct scan *s)
{
	const struct detect_data *d = s->cfg ? s->cfg->detect : NULL;
	const struct address *from = detect_from(m), *rt;
	const char *target, *rdom, *at;
	char *freg, *rreg, *shown, *sreg;
	size_t i;
	int brand;

	if (from == NULL || d == NULL)
		return;
	/*
	 * RFC 5321 4.1.2 wants a fully qualified domain; "support@aaa" or
	 * a bare public suffix is not one anybody could have sent from.
	 */
	if (!qualified(from->domain)) {
		scan_symbol(s, "SENDER_BAD_DOMAIN", from->addr);
		return;
	}
	freg = urls_regdom(s->arena, from->domain);
	if (freg == NULL)
		return;
	/* A mailbox at a free page or app host: whoever, anonymous. */
	if (detect_list_find(&d->hosting, from->domain, NULL, NULL) != NULL)
		scan_symbol(s, "SENDER_ON_HOSTING", from->addr);

	/*
	 * Reply-To elsewhere.  Mailing lists (RFC 2369 List-Post) set it
	 * to the list or, rewriting From, to the author: normal there.
	 */
	for (i = 0; message_header(m, "List-Post", 0) == NULL &&
	    message_header(m, "List-Id", 0) == NULL && i < m->reply_to.n;
	    i++) {
		rt = &m->reply_to.v[i];
		if (rt->domain == NULL || rt->domain[0] == '\0')
			continue;
		rreg = urls_regdom(s->arena, rt->domain);
		if (rreg == NULL || strcmp(rreg, freg) == 0)
			continue;
		if (detect_list_find(&d->freemail, rt->domain, NULL, NULL) !=
		    NULL)
			scan_symbol(s, "SENDER_REPLYTO_FREEMAIL", rt->addr,
			    from->addr);
		else
			scan_symbol(s, "SENDER_REPLYTO_OTHER", rt->addr,
			    from->addr);
		break;
	}

	/* An address in the display name that is not the sender's. */
	if ((shown = name_address(s->arena, from->display)) != NULL &&
	    (at = strrchr(shown, '@')) != NULL &&
	    (sreg = urls_regdom(s->arena, at + 1)) != NULL) {
		if (strcmp(sreg, freg) != 0)
			scan_symbol(s, "SENDER_NAME_ADDRESS", shown,
			    from->addr);
	}

	/* A From domain made to look like the recipient's. */
	for (i = 0; i < s->env.n_rcpt && s->env.rcpt != NULL; i++) {
		if (s->env.rcpt[i] == NULL ||
		    (rdom = strrchr(s->env.rcpt[i], '@')) == NULL)
			continue;
		rreg = urls_regdom(s->arena, rdom + 1);
		if (rreg != NULL && lookalike_pair(d->lookalike, s->arena,
		    freg, rreg)) {
			scan_symbol(s, "SENDER_LOOKALIKE_RCPT", from->domain,
			    rdom + 1);
			break;
		}
	}

	/* A From domain made to look like a brand's. */
	if (lookalike_brand(d->lookalike, d->brands, s->arena, freg, &brand,
	    &target) != LOOK_NONE)
		scan_symbol(s, "SENDER_LOOKALIKE_BRAND", from->domain,
		    brands_get(d->brands, brand)->name, target);
}
