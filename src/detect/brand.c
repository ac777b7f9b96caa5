/*
 * brand.c - a message that claims to come from a brand it does not
 * come from.
 *
 * Claims are read where a sender presents itself: the From display
 * name, the logo's alt text, the subject, and the sender's own voice in
 * the text ("Ihr IONOS Team", "(c) 2024 PayPal"; brands.c).  A claim
 * is then held against the authentication results: a brand's genuine
 * mail is signed by one of its domains (DKIM, RFC 6376) or passes DMARC
 * for it, and then nothing is said.  Otherwise:
 *   BRAND_FAKE_NAME	the display name names a brand, the address is
 *			not the brand's (the strongest lie: it is what the
 *			reader sees first);
 *   BRAND_FAKE_CONTENT	logo, subject or signature name a brand whose
 *			domains did not send the message;
 *   BRAND_UNVERIFIED	the From address is at the brand's own domain
 *			but nothing authenticates it: "claims to be
 *			Microsoft, not verified", which is not "safe".
 * Weak names ("Post", "Apple") count only in a logo or at the start of
 * the display name; the subject and text need a strong name.  A sender
 * authenticated as one brand may mention others in its text (a shop
 * naming PayPal as a way to pay), so text claims are skipped then.
 *
 * Memory: hits and evidence live in the scan's arena.
 * Limits: BRAND_MAX_CLAIMS brands per place.
 */
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "detect.h"
#include "mime/message.h"
#include "scan/config.h"
#include "scan/scan.h"
#include "util/arena.h"

#define BRAND_MAX_CLAIMS	8
#define BRAND_MAX_EVIDENCE	80	/* bytes of quoted text */

enum claim_where { IN_NAME, IN_LOGO, IN_SUBJECT, IN_TEXT };

struct claim {
	int		 brand;
	enum claim_where where;
	const char	*quote;
};

static bool
subject_lead(const char *subject, const struct brand_hit *h)
{
	const char *p = subject + h->off + h->len;
	size_t i;

	for (i = 0; i < h->off; i++)
		if (strchr(" \t[(*\"'", subject[i]) == NULL)
			return false;
	while (*p == ' ' || *p == ']' || *p == ')' || *p == '*')
		p++;
	return *p == ':' || *p == '-' || *p == '|' || *p == '\0' ||
	    strncmp(p, "\xe2\x80\x93", 3) == 0;	/* en dash */
}

static void
add_claims(struct scan *s, const struct detect_data *d, const char *text,
    enum claim_where where, struct claim *c, size_t *n)
{
	struct brand_hit hits[BRAND_MAX_CLAIMS];
	size_t k, i, len, qlen;
	const char *q;

	/* With every place taken no claim could be added. */
	if (text == NULL || *n == BRAND_MAX_CLAIMS * 4 ||
	    (len = strlen(text)) == 0)
		return;
	k = brands_find(d->brands, s->arena, text, len, where == IN_TEXT,
	    hits, BRAND_MAX_CLAIMS);
	for (i = 0; i < k; i++) {
		if (hits[i].weak && (where == IN_SUBJECT || where == IN_TEXT ||
		    (where == IN_NAME && hits[i].off > 0)))
			continue;
		/*
		 * News and replies name brands in subjects all the time;
		 * a sender presents itself with the name in front:
		 * "PayPal: ...", "Sparkasse - ...", "[DHL] ...".
		 */
		if (where == IN_SUBJECT && !subject_lead(text, &hits[i]))
			continue;
		if (*n == BRAND_MAX_CLAIMS * 4)
			return;
		if (where == IN_TEXT) {
			qlen = hits[i].len < BRAND_MAX_EVIDENCE ? hits[i].len :
			    BRAND_MAX_EVIDENCE;
			q = arena_strndup(s->arena, text + hits[i].off, qlen);
		} else
			q = text;
		c[*n].brand = hits[i].brand;
		c[*n].where = where;
		c[*n].quote = q;
		(*n)++;
	}
}

static bool
is_reply(const char *subject)
{
	static const char *const prefix[] = {
		"re:", "aw:", "fw:", "fwd:", "wg:", "antw:", "r:", "tr:",
	};
	size_t i, n;

	while (*subject == ' ' || *subject == '\t')
		subject++;
	for (i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++) {
		n = strlen(prefix[i]);
		if (strncasecmp(subject, prefix[i], n) == 0)
			return true;
	}
	return false;
}

void
check_brand(const struct message *m, struct scan *s)
{
	const struct detect_data *d = s->cfg ? s->cfg->detect : NULL;
	const struct address *from = detect_from(m);
	struct claim c[BRAND_MAX_CLAIMS * 4];
	bool done[BRANDS_MAX] = { false };
	const struct brand *b;
	const char *fdom, *sym;
	size_t n = 0, i;
	int owner;

	if (d == NULL || d->brands == NULL)
		return;
	fdom = from != NULL ? from->domain : NULL;
	owner = brands_owner(d->brands, fdom);

	if (from != NULL)
		add_claims(s, d, from->display, IN_NAME, c, &n);
	for (i = 0; i < m->n_links; i++)
		if (m->links[i].img_alt != NULL)
			add_claims(s, d, m->links[i].img_alt, IN_LOGO, c, &n);
	/* A reply's subject quotes the conversation, not the sender. */
	if (m->subject != NULL && !is_reply(m->subject))
		add_claims(s, d, m->subject, IN_SUBJECT, c, &n);
	if (owner < 0 || !brands_authenticated(d->brands, owner, s))
		add_claims(s, d, m->text, IN_TEXT, c, &n);

	/* Claims are in order of strength; the first per brand speaks. */
	for (i = 0; i < n; i++) {
		if (done[c[i].brand])
			continue;
		done[c[i].brand] = true;
		if (brands_authenticated(d->brands, c[i].brand, s))
			continue;
		b = brands_get(d->brands, c[i].brand);
		/* One brand per symbol: its evidence must stay one story. */
		if (owner == c[i].brand)
			sym = "BRAND_UNVERIFIED";
		else if (c[i].where == IN_NAME)
			sym = "BRAND_FAKE_NAME";
		else
			sym = "BRAND_FAKE_CONTENT";
		if (scan_has_symbol(s, sym))
			continue;
		if (owner == c[i].brand)
			scan_symbol(s, sym, b->name, fdom);
		else
			scan_symbol(s, sym, b->name, c[i].quote,
			    fdom ? fdom : "?");
	}
}
