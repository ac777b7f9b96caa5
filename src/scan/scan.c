/*
 * scan.c - adding symbols to a scan.
 *
 * The weight and class of a symbol come from data/scores (through the
 * configuration), looked up once when the symbol is added.  A symbol the
 * table does not know still counts, with weight 0 and class "info", so a
 * check added without data shows up in output instead of vanishing.
 */
#include <stdarg.h>
#include <string.h>

#include "scan.h"
#include "config.h"
#include "util/arena.h"
#include "util/log.h"
#include "verdict/verdict.h"

const char *
auth_result_name(enum auth_result r)
{
	static const char *const names[] = {
		"none", "pass", "fail", "softfail", "neutral", "temperror",
		"permerror", "policy",
	};

	if ((unsigned)r < sizeof(names) / sizeof(names[0]))
		return names[r];
	return "none";
}

bool
scan_has_symbol(const struct scan *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_symbols; i++)
		if (strcmp(s->symbols[i].name, name) == 0)
			return true;
	return false;
}

static struct symbol *
symbol_slot(struct scan *s, const char *name)
{
	struct symbol *sym;
	size_t i, ncap;

	for (i = 0; i < s->n_symbols; i++)
		if (strcmp(s->symbols[i].name, name) == 0)
			return &s->symbols[i];
	if (s->n_symbols >= SCAN_MAX_SYMBOLS)
		return NULL;
	if (s->n_symbols == s->cap_symbols) {
		ncap = s->cap_symbols ? s->cap_symbols * 2 : 16;
		sym = arena_grow(s->arena, s->symbols,
		    s->cap_symbols * sizeof(*sym), ncap * sizeof(*sym));
		if (sym == NULL)
			return NULL;
		s->symbols = sym;
		s->cap_symbols = ncap;
	}
	sym = &s->symbols[s->n_symbols++];
	sym->name = name;
	score_lookup(s->cfg ? s->cfg->scores : NULL, name, &sym->score,
	    &sym->cls);
	return sym;
}

void
scan_symbolv(struct scan *s, const char *name, const char *const *args,
    unsigned nargs)
{
	struct symbol *sym;
	unsigned i;

	if ((sym = symbol_slot(s, name)) == NULL) {
		log_warn("symbol %s dropped: limit or memory", name);
		return;
	}
	/* A repeated symbol adds its evidence, not its weight. */
	for (i = 0; i < nargs && sym->nargs < SYMBOL_MAX_ARGS; i++) {
		if (args[i] == NULL)
			break;
		sym->args[sym->nargs++] = arena_strdup(s->arena, args[i]);
	}
}

void
scan_symbol_list(struct scan *s, const char *name, ...)
{
	const char *args[SYMBOL_MAX_ARGS];
	unsigned n = 0;
	const char *a;
	va_list ap;

	va_start(ap, name);
	while (n < SYMBOL_MAX_ARGS && (a = va_arg(ap, const char *)) != NULL)
		args[n++] = a;
	va_end(ap);
	scan_symbolv(s, name, args, n);
}
