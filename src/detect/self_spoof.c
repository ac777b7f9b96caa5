/*
 * self_spoof.c - mail "from yourself" that you did not send.
 *
 * A phisher puts the recipient's own address (or a colleague's at the
 * same domain) into From: the mail then looks internal and familiar,
 * and nothing in the From line names the real sender (the fake IONOS
 * mail of the project's first story).  The recipients are the SMTP
 * envelope's RCPT TO (RFC 5321 4.1.1.3), or To/Cc for a saved message.
 *
 * Such a From is harmless when the message is authenticated for the
 * domain: DMARC passed for it (RFC 7489 / RFC 9989), or a DKIM
 * signature of the domain (RFC 6376) passed.  Otherwise:
 *   SELF_SPOOF_ADDRESS	From is exactly a recipient's address;
 *   SELF_SPOOF_DOMAIN	From is another address at a recipient's domain.
 * Free-mail domains are left out of the second test: two strangers at
 * gmx.de share a domain, not an organisation.
 *
 * Memory: evidence strings are copied into the arena by scan_symbol.
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "detect.h"
#include "mime/message.h"
#include "scan/config.h"
#include "scan/scan.h"

/* Loopback and private addresses (RFC 1918, RFC 4193): our own hosts. */
static bool
internal_ip(const char *ip)
{
	unsigned char a[16];

	if (ip == NULL)
		return false;
	if (inet_pton(AF_INET, ip, a) == 1)
		return a[0] == 127 || a[0] == 10 ||
		    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return (a[0] & 0xfe) == 0xfc || memcmp(a,
		    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
	return false;
}

void
check_self_spoof(const struct message *m, struct scan *s)
{
	const struct detect_data *d = s->cfg ? s->cfg->detect : NULL;
	const struct address *from = detect_from(m);
	const char *rcpt, *at, *domain_hit = NULL, *for_addr = NULL;
	const struct header *dt;
	const char *const *list;
	size_t i, n;

	if (from == NULL || from->addr == NULL || s->env.rcpt == NULL)
		return;
	/* Mail that never left our own network (cron, scanners). */
	if (internal_ip(s->env.client_ip))
		return;
	list = (const char *const *)s->env.rcpt;
	n = s->env.n_rcpt;
	/*
	 * A saved message's To may name a list or a newsletter's own
	 * address (forwarding services rewrite From and To alike); the
	 * topmost Delivered-To (RFC 9228, written on final delivery) or
	 * the receiving host's Received "for" clause (RFC 5321 4.4) names
	 * the mailbox that really got it.
	 */
	if (s->env.rcpt_from_message &&
	    (dt = message_header(m, "Delivered-To", 0)) != NULL &&
	    dt->decoded != NULL && strchr(dt->decoded, '@') != NULL) {
		for_addr = dt->decoded + strspn(dt->decoded, " \t<");
		list = &for_addr;
		n = 1;
	}
	for (i = 0; s->env.rcpt_from_message && list != &for_addr &&
	    i < m->n_received; i++)
		if ((for_addr = m->received[i].for_addr) != NULL &&
		    strchr(for_addr, '@') != NULL) {
			list = &for_addr;
			n = 1;
			break;
		}
	/*
	 * Recipients read from To/Cc of a list message name the list, and
	 * lists rewrite From to their own address (RFC 2919 List-Id): the
	 * list writing to itself is not the reader being impersonated.
	 */
	if (s->env.rcpt_from_message && message_header(m, "List-Id", 0) !=
	    NULL)
		return;
	if (detect_authenticated_for(s, from->domain))
		return;
	for (i = 0; i < n; i++) {
		if ((rcpt = list[i]) == NULL ||
		    (at = strrchr(rcpt, '@')) == NULL)
			continue;
		if (strcasecmp(rcpt, from->addr) == 0) {
			scan_symbol(s, "SELF_SPOOF_ADDRESS", from->addr);
			return;
		}
		if (strcasecmp(at + 1, from->domain) == 0)
			domain_hit = rcpt;
	}
	if (domain_hit != NULL && (d == NULL ||
	    detect_list_find(&d->freemail, from->domain, NULL, NULL) == NULL))
		scan_symbol(s, "SELF_SPOOF_DOMAIN", from->addr, domain_hit,
		    from->domain);
}
