/*
 * history.c - check_history: has mail from this sender arrived before?
 *
 * Phishing often comes from an address the recipient has never had mail
 * from; a colleague, a supplier or a bank's real mailer has written
 * before.  The check records every message's From address (RFC 5322
 * 3.6.2, the first one) in the store's sender history and adds:
 *   SENDER_FIRST_SEEN (the address) when this is the first message from
 *     it, but only once the history holds HISTORY_MIN_MESSAGES messages:
 *     on a new installation everyone is new, and that says nothing;
 *   SENDER_KNOWN (the address, how many messages before, since when)
 *     when the address wrote at least HISTORY_KNOWN_COUNT times over at
 *     least HISTORY_KNOWN_DAYS and this message is authenticated for its
 *     From domain, since a forger can reuse a known address but cannot
 *     pass DMARC for it;
 *   STORE_UNAVAILABLE when the store failed.
 * A read-only store (an evaluation run) is asked but not written to.
 * Without a store (cfg->store NULL) the check adds nothing.
 *
 * Addresses are folded to lower case as a whole: local parts are case-
 * sensitive in principle (RFC 5321 2.4), but no real mailbox relies on
 * it, and a forger must not pass as new by changing case.
 *
 * Memory: the folded address and the evidence live in the scan's arena.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checks.h"
#include "mime/message.h"
#include "scan/config.h"
#include "scan/scan.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/str.h"

#define HISTORY_MIN_MESSAGES	100
#define HISTORY_KNOWN_COUNT	3
#define HISTORY_KNOWN_DAYS	7

static void
store_trouble(struct scan *s, struct store *st, int r)
{
	if (!scan_has_symbol(s, "STORE_UNAVAILABLE"))
		scan_symbol(s, "STORE_UNAVAILABLE", store_strerror(r),
		    store_backend_name(st));
}

static bool
authenticated(const struct scan *s)
{
	return s->auth.dmarc == AUTH_PASS ||
	    (s->auth.dmarc == AUTH_NONE && s->auth.dkim_aligned);
}

void
check_history(const struct message *m, struct scan *s)
{
	struct store *st = s->cfg != NULL ? s->cfg->store : NULL;
	struct store_sender before;
	const char *from;
	char *addr, since[16], count[24];
	time_t now = s->now != 0 ? s->now : time(NULL);
	int64_t messages = 0;
	struct tm tm;
	size_t len;
	int r;

	if (st == NULL || m == NULL || m->from.n == 0 ||
	    (from = m->from.v[0].addr) == NULL || strchr(from, '@') == NULL)
		return;
	len = strnlen(from, STORE_NAME_MAX + 1);
	if (len == 0 || len > STORE_NAME_MAX ||
	    (addr = arena_strndup(s->arena, from, len)) == NULL)
		return;
	str_lower(addr);
	if (store_readonly(st)) {
		r = store_sender_get(st, addr, &before);
		if (r == STORE_NOT_FOUND)
			r = STORE_OK;
		if (r == STORE_OK)
			r = store_counter_get(st, "history.messages",
			    &messages);
	} else
		r = store_sender_record(st, addr, now, &before, &messages);
	if (r != STORE_OK) {
		store_trouble(s, st, r);
		return;
	}
	if (messages < HISTORY_MIN_MESSAGES)
		return;
	if (before.count == 0) {
		scan_symbol(s, "SENDER_FIRST_SEEN", addr);
		return;
	}
	if (before.count >= HISTORY_KNOWN_COUNT && authenticated(s) &&
	    now - before.first_seen >= HISTORY_KNOWN_DAYS * 86400 &&
	    gmtime_r(&before.first_seen, &tm) != NULL) {
		strftime(since, sizeof(since), "%Y-%m-%d", &tm);
		snprintf(count, sizeof(count), "%lld",
		    (long long)before.count);
		scan_symbol(s, "SENDER_KNOWN", addr, count, since);
	}
}
