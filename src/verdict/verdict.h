/*
 * verdict.h - symbols to score, score to verdict and action, and the
 * words that explain it.
 *
 * Weights, classes, thresholds and the action per verdict are data
 * (data/scores); the explanations are catalogs (data/explain.en,
 * data/explain.de).  Checks never decide; only verdict_decide() does.
 */
#ifndef MT_VERDICT_H
#define MT_VERDICT_H

#include <stddef.h>

#include "scan/scan.h"
#include "scan/config.h"

/* What kind of evidence a symbol is; the verdict weighs them apart. */
enum symbol_class {
	SYM_INFO,	/* shown, never decisive */
	SYM_GOOD,	/* evidence of legitimacy (negative weight) */
	SYM_AUTH,	/* authentication outcome */
	SYM_DEFECT,	/* malformed message */
	SYM_SPAM,	/* bulk / unsolicited */
	SYM_PHISH,	/* deception: impersonation, lures, bad links */
	SYM_MALWARE,	/* dangerous content */
	SYM_CLASS_COUNT
};

struct score_table;

struct score_table *score_table_load(const char *path, char *err,
		    size_t errlen);
void		 score_table_free(struct score_table *);
/* Weight and class of a symbol; unknown names give 0 and SYM_INFO. */
void		 score_lookup(const struct score_table *, const char *name,
		    double *weight, int *cls);

const char	*symbol_class_name(int);
const char	*verdict_name(enum verdict);
const char	*action_name(enum action);

/* Sums the symbols, picks the verdict and the action. */
void		 verdict_decide(struct scan *);

/* Catalog of explanations for one language. */
struct catalog;

struct catalog	*catalog_load(const char *path, char *err, size_t errlen);
void		 catalog_free(struct catalog *);
/* The template for key, or NULL. */
const char	*catalog_get(const struct catalog *, const char *key);

/*
 * Renders a symbol's explanation in the catalog's language into the
 * scan's arena: the template with {1}..{4} replaced by the evidence.  A
 * symbol without an entry gets a generic sentence naming it.
 */
char		*explain_symbol(struct scan *, enum lang, const struct symbol *);
/* A few sentences for a non-expert: what the verdict means and why. */
char		*explain_summary(struct scan *, enum lang);
/* The verdict's label in the language ("Phishing", "Nicht bestätigt"). */
const char	*explain_verdict_label(const struct scan *, enum lang);

#endif
