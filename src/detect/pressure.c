/*
 * pressure.c - the words that push a reader to act before thinking:
 * mailbox full, account locked, restore within 24 hours, fee due, last
 * warning, legal steps; and the lures of prizes, parcels and easy money.
 *
 * The phrases are data (data/lexicon, German and English) matched by
 * lexicon.c in one pass each over the sender's display name, the
 * subject and the visible text.
 * Each lexicon symbol fires at most once, quoting its first match, so
 * the explanation can show the very words.  Several distinct pressure
 * symbols together add PRESSURE_MANY: one urgent word is ordinary
 * business, a mailbox that is full AND must be restored within 24
 * hours AND will otherwise be deleted is a script.  Likewise three or more
 * distinct advertising or lure symbols add SPAM_MANY.
 *
 * Memory: hits and quotes are in the scan's arena.
 * Limits: PRESSURE_MAX_HITS symbols per text, quotes cut to
 * PRESSURE_MAX_QUOTE bytes.
 */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "detect.h"
#include "mime/message.h"
#include "scan/config.h"
#include "scan/scan.h"
#include "util/arena.h"

#define PRESSURE_MAX_HITS	LEXICON_MAX_SYMBOLS
#define PRESSURE_MAX_QUOTE	80
#define PRESSURE_MANY_MIN	3
#define SPAM_MANY_MIN		3

struct tally {
	size_t	pressure;	/* distinct PRESSURE_ symbols */
	size_t	bulk;		/* distinct SPAM_ and LURE_ symbols */
};

static void
scan_text(struct scan *s, const struct lexicon *lx, const char *text,
    size_t len, struct tally *t)
{
	struct lexicon_hit hits[PRESSURE_MAX_HITS];
	size_t k, i, qlen;
	char *quote;

	k = lexicon_scan(lx, s->arena, text, len, hits, PRESSURE_MAX_HITS);
	for (i = 0; i < k; i++) {
		if (scan_has_symbol(s, hits[i].symbol))
			continue;
		qlen = hits[i].len < PRESSURE_MAX_QUOTE ? hits[i].len :
		    PRESSURE_MAX_QUOTE;
		quote = arena_strndup(s->arena, text + hits[i].off, qlen);
		scan_symbol(s, hits[i].symbol, quote);
		if (strncmp(hits[i].symbol, "PRESSURE_", 9) == 0)
			t->pressure++;
		else if (strncmp(hits[i].symbol, "SPAM_", 5) == 0 ||
		    strncmp(hits[i].symbol, "LURE_", 5) == 0)
			t->bulk++;
	}
}

void
check_pressure(const struct message *m, struct scan *s)
{
	const struct detect_data *d = s->cfg ? s->cfg->detect : NULL;
	const struct address *from = detect_from(m);
	struct tally t = { 0, 0 };
	char count[24];

	if (d == NULL || d->lexicon == NULL)
		return;
	/* The display name carries lures too ("Gewinner-Service"). */
	if (from != NULL && from->display != NULL)
		scan_text(s, d->lexicon, from->display, strlen(from->display),
		    &t);
	if (m->subject != NULL)
		scan_text(s, d->lexicon, m->subject, strlen(m->subject), &t);
	if (m->text != NULL)
		scan_text(s, d->lexicon, m->text, m->text_len, &t);
	if (t.pressure >= PRESSURE_MANY_MIN) {
		snprintf(count, sizeof(count), "%zu", t.pressure);
		scan_symbol(s, "PRESSURE_MANY", count);
	}
	if (t.bulk >= SPAM_MANY_MIN) {
		snprintf(count, sizeof(count), "%zu", t.bulk);
		scan_symbol(s, "SPAM_MANY", count);
	}
}
