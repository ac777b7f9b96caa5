/*
 * verdict.c - from symbols to one verdict and one action.
 *
 * The score is the sum of the symbols' weights.  The verdict follows from
 * the score and from what kind of evidence made it up:
 *   1. malware: the malware-class part reaches its threshold;
 *   2. phishing: the score reaches the phishing threshold and the
 *      phishing-class part alone reaches its minimum (a message is not
 *      called phishing on spam or defect evidence alone); a message
 *      from a brand's own address that only lacks authentication
 *      (BRAND_UNVERIFIED) needs that minimum without the claim and
 *      without urgent words, which genuine security notices use too:
 *      else it is "claims to be the brand, not authenticated", i.e.
 *      suspicious (story 001);
 *   3. spam: the score reaches the spam threshold and there is
 *      bulk-mail evidence that outweighs deception evidence (forged
 *      senders are not "just spam", nor is a failed check alone);
 *   4. suspicious: the score reaches the suspicious threshold (or the
 *      spam threshold with mostly deception evidence);
 *   5. authenticated: DMARC passed, or with no DMARC policy a DKIM
 *      signature aligned with From passed (RFC 9989 section 4.4);
 *   6. unverified: everything else, which is not the same as "safe".
 * The action per verdict is data too: mailtrust.conf's "action" line
 * for the verdict, else data/scores.  A scan that failed internally
 * always gets tempfail, so the MTA keeps the mail.
 */
#include <stdbool.h>
#include <string.h>

#include "verdict.h"
#include "verdict_internal.h"

/* Evidence that only repeats what a brand's unconfirmed mail claims. */
static bool
claim_only(const struct symbol *sym)
{
	return strcmp(sym->name, "BRAND_UNVERIFIED") == 0 ||
	    strncmp(sym->name, "PRESSURE_", 9) == 0;
}

void
verdict_decide(struct scan *s)
{
	const struct score_table *t = s->cfg ? s->cfg->scores : NULL;
	double total = 0, part[SYM_CLASS_COUNT] = { 0 };
	double th[VERDICT_COUNT] = { 0, 0, 6, 4, 8, 5 }, phish_min = 4;
	double deceit = 0;	/* phish part beyond an unconfirmed claim */
	bool unverified_brand = false;
	size_t i;

	for (i = 0; i < s->n_symbols; i++) {
		total += s->symbols[i].score;
		if (s->symbols[i].cls >= 0 && s->symbols[i].cls < SYM_CLASS_COUNT)
			part[s->symbols[i].cls] += s->symbols[i].score;
		if (strcmp(s->symbols[i].name, "BRAND_UNVERIFIED") == 0)
			unverified_brand = true;
		if (s->symbols[i].cls == SYM_PHISH && !claim_only(&s->symbols[i]))
			deceit += s->symbols[i].score;
	}
	if (!unverified_brand)
		deceit = part[SYM_PHISH];
	if (t != NULL) {
		for (i = 0; i < VERDICT_COUNT; i++)
			th[i] = t->threshold[i];
		phish_min = t->phish_minimum;
	}
	s->score = total;

	if (part[SYM_MALWARE] >= th[VERDICT_MALWARE])
		s->verdict = VERDICT_MALWARE;
	else if (total >= th[VERDICT_PHISHING] && part[SYM_PHISH] >= phish_min &&
	    deceit >= phish_min)
		s->verdict = VERDICT_PHISHING;
	else if (total >= th[VERDICT_SPAM] && part[SYM_SPAM] > 0 &&
	    part[SYM_SPAM] >= part[SYM_PHISH])
		s->verdict = VERDICT_SPAM;
	else if (total >= th[VERDICT_SUSPICIOUS])
		s->verdict = VERDICT_SUSPICIOUS;
	else if (s->auth.dmarc == AUTH_PASS ||
	    (s->auth.dmarc == AUTH_NONE && s->auth.dkim_aligned) ||
	    /* a trusted ARC sealer vouches for it (auth.c, RFC 8617 7.2) */
	    s->auth.arc_trusted)
		s->verdict = VERDICT_AUTHENTICATED;
	else
		s->verdict = VERDICT_UNVERIFIED;

	if (s->failed)
		s->action = ACTION_TEMPFAIL;
	else if (s->cfg != NULL && s->cfg->policy[s->verdict].action >= 0)
		s->action = (enum action)s->cfg->policy[s->verdict].action;
	else if (t != NULL)
		s->action = t->action[s->verdict];
	else
		s->action = s->verdict >= VERDICT_PHISHING ? ACTION_QUARANTINE :
		    s->verdict >= VERDICT_SPAM ? ACTION_TAG : ACTION_ACCEPT;
}
