/*
 * catalog.c - explanation catalogs (data/explain.en, data/explain.de)
 * and the sentences built from them.
 *
 * A catalog line is "KEY TEXT": the key is a symbol name or one of
 * verdict.NAME (the label), summary.NAME (the opening of the summary),
 * ui.NAME (words of the front ends).  TEXT may hold {1}..{4}, replaced
 * by the symbol's evidence, and in summaries {from} and {domain}, the
 * From address and its domain.  '#' at the start of a line is a comment.
 * Files are UTF-8; the text is what a receptionist reads, so it says
 * what happened and what to do, without protocol names where possible.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verdict.h"
#include "mime/message.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define CATALOG_MAX_BYTES	(1024 * 1024)
#define CATALOG_MAX_ENTRIES	4096
#define SUMMARY_MAX_REASONS	4	/* families of findings told */
/* The ceiling of the buffers sentences were once built in. */
#define SENTENCE_MAX		(64 * 1024)
/* The pieces of a summary: an opening, two per reason, a closing. */
#define SUMMARY_MAX_PIECES	(1 + 4 * SUMMARY_MAX_REASONS + 2)

struct catalog_entry {
	const char	*key;
	const char	*text;
};

/*
 * Besides the sorted entries, an open-addressed hash index: every
 * symbol of every message is looked up, often several times, and a
 * hash and one strcmp() cost less than a binary search's nine.
 */
struct catalog {
	char			*data;	/* the file; entries point into it */
	struct catalog_entry	*v;
	size_t			 n;
	uint32_t		*slot;	/* 1 + index into v; 0: empty */
	size_t			 mask;	/* slots - 1 (a power of 2) */
};

static uint32_t
key_hash(const char *key)
{
	uint32_t h = STR_FNV_INIT;

	for (; *key != '\0'; key++)
		h = str_fnv1a_byte(h, (unsigned char)*key);
	return h;
}

/* At most half the slots are used, so a probe ends soon. */
static int
index_build(struct catalog *c)
{
	size_t size = 16, i, k;

	while (size < 2 * c->n)
		size *= 2;
	if ((c->slot = calloc(size, sizeof(*c->slot))) == NULL)
		return -1;
	c->mask = size - 1;
	for (i = 0; i < c->n; i++) {
		for (k = key_hash(c->v[i].key) & c->mask; c->slot[k] != 0;
		    k = (k + 1) & c->mask)
			;
		c->slot[k] = (uint32_t)i + 1;
	}
	return 0;
}

static int
by_key(const void *a, const void *b)
{
	return strcmp(((const struct catalog_entry *)a)->key,
	    ((const struct catalog_entry *)b)->key);
}

struct catalog *
catalog_load(const char *path, char *err, size_t errlen)
{
	struct catalog *c;
	struct buf b;
	char *line, *next, *sp;
	size_t lineno = 0;

	buf_init(&b, CATALOG_MAX_BYTES);
	if (buf_read_file(&b, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		buf_free(&b);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->v = calloc(CATALOG_MAX_ENTRIES, sizeof(*c->v))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(c);
		buf_free(&b);
		return NULL;
	}
	c->data = buf_steal(&b);
	for (line = c->data; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		if ((sp = strpbrk(line, " \t")) == NULL) {
			snprintf(err, errlen, "%s:%zu: key without text",
			    path, lineno);
			goto fail;
		}
		*sp++ = '\0';
		sp += strspn(sp, " \t");
		if (c->n == CATALOG_MAX_ENTRIES) {
			snprintf(err, errlen, "%s:%zu: too many entries",
			    path, lineno);
			goto fail;
		}
		c->v[c->n].key = line;
		c->v[c->n].text = sp;
		c->n++;
	}
	qsort(c->v, c->n, sizeof(*c->v), by_key);
	for (size_t i = 1; i < c->n; i++)
		if (strcmp(c->v[i - 1].key, c->v[i].key) == 0) {
			snprintf(err, errlen, "%s: %s defined twice", path,
			    c->v[i].key);
			goto fail;
		}
	if (index_build(c) == -1) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	return c;
fail:
	catalog_free(c);
	return NULL;
}

void
catalog_free(struct catalog *c)
{
	if (c == NULL)
		return;
	free(c->slot);
	free(c->v);
	free(c->data);
	free(c);
}

const char *
catalog_get(const struct catalog *c, const char *key)
{
	const struct catalog_entry *e;
	size_t k;

	if (c == NULL || c->slot == NULL)
		return NULL;
	for (k = key_hash(key) & c->mask; c->slot[k] != 0;
	    k = (k + 1) & c->mask) {
		e = &c->v[c->slot[k] - 1];
		if (strcmp(e->key, key) == 0)
			return e->text;
	}
	return NULL;
}

static const struct catalog *
lang_catalog(const struct scan *s, enum lang lang)
{
	if (s->cfg == NULL || (unsigned)lang >= LANG_COUNT)
		return NULL;
	return s->cfg->catalog[lang];
}

/*
 * Sentences are made for every message and every symbol, so without a
 * heap buffer: a template is rendered into a block on the stack, and
 * only a sentence longer than that is rendered a second time, straight
 * into an arena string of the length the first pass counted.  A piece
 * that would take the sentence past SENTENCE_MAX is left out, as the
 * bounded buffer the sentences were once built in refused it.
 */
#define SENTENCE_STACK	1024

struct sentence {
	char	*p;
	size_t	 cap;	/* bytes at p; past them only counted */
	size_t	 len;
};

static void
sentence_add(struct sentence *o, const char *s, size_t n)
{
	if (n > SENTENCE_MAX - o->len)
		return;
	if (o->len <= o->cap && n <= o->cap - o->len)
		memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* Replaces {1}..{4}, {from} and {domain} in a template. */
static void
render_to(struct sentence *o, const struct scan *s, const char *tmpl,
    const struct symbol *sym)
{
	const struct message *m = s->msg;
	const char *from = NULL, *domain = NULL, *val, *p, *brace;
	size_t skip;

	if (m != NULL && m->from.n > 0) {
		from = m->from.v[0].addr;
		domain = m->from.v[0].domain;
	}
	for (p = tmpl; *p != '\0'; p += skip) {
		/* The text up to the next '{' goes as it is. */
		if ((brace = strchr(p, '{')) == NULL) {
			sentence_add(o, p, strlen(p));
			break;
		}
		sentence_add(o, p, (size_t)(brace - p));
		p = brace;
		val = NULL;
		skip = 1;
		if (p[1] >= '1' && p[1] <= '4' && p[2] == '}') {
			unsigned i = (unsigned)(p[1] - '1');

			val = (sym != NULL && i < sym->nargs) ? sym->args[i] :
			    "?";
			skip = 3;
		} else if (strncmp(p, "{from}", 6) == 0) {
			val = from ? from : "?";
			skip = 6;
		} else if (strncmp(p, "{domain}", 8) == 0) {
			val = domain ? domain : "?";
			skip = 8;
		}
		if (val != NULL)
			sentence_add(o, val, strlen(val));
		else
			sentence_add(o, "{", 1);
	}
}

static char *
render(struct scan *s, const char *tmpl, const struct symbol *sym)
{
	char block[SENTENCE_STACK];
	struct sentence o = { block, sizeof(block), 0 };

	render_to(&o, s, tmpl, sym);
	if (o.len <= o.cap)
		return arena_strndup(s->arena, block, o.len);
	if ((o.p = arena_alloc_raw(s->arena, o.len + 1)) == NULL)
		return NULL;
	o.cap = o.len;
	o.len = 0;
	render_to(&o, s, tmpl, sym);
	o.p[o.len] = '\0';
	return o.p;
}

char *
explain_symbol(struct scan *s, enum lang lang, const struct symbol *sym)
{
	const struct catalog *c = lang_catalog(s, lang);
	const char *tmpl;
	struct symbol named = { .name = sym->name, .nargs = 1 };

	if ((tmpl = catalog_get(c, sym->name)) != NULL)
		return render(s, tmpl, sym);
	tmpl = catalog_get(c, "ui.unknown_symbol");
	if (tmpl == NULL)
		return arena_printf(s->arena, "%s", sym->name);
	/* The generic sentence names the symbol as its one argument. */
	named.args[0] = sym->name;
	return render(s, tmpl, &named);
}

/* prefix and name as one catalog key, cut where snprintf() would cut. */
static void
join_key(char *key, size_t size, const char *prefix, const char *name)
{
	size_t p = strlen(prefix), n = strlen(name);

	if (p > size - 1)
		p = size - 1;
	if (n > size - 1 - p)
		n = size - 1 - p;
	memcpy(key, prefix, p);
	memcpy(key + p, name, n);
	key[p + n] = '\0';
}

const char *
explain_verdict_label(const struct scan *s, enum lang lang)
{
	char key[64];
	const char *t;

	join_key(key, sizeof(key), "verdict.", verdict_name(s->verdict));
	t = catalog_get(lang_catalog(s, lang), key);
	return t ? t : verdict_name(s->verdict);
}

/*
 * "Claims to be Microsoft, not authenticated" is a verdict of its own
 * (DESIGN.md, story 001): a message that is merely suspicious because
 * a brand's own address was not confirmed opens with that, in words
 * naming the brand, and that reason is read first.
 */
static const struct symbol *
brand_unverified(const struct scan *s)
{
	size_t i;

	if (s->verdict != VERDICT_SUSPICIOUS)
		return NULL;
	for (i = 0; i < s->n_symbols; i++)
		if (strcmp(s->symbols[i].name, "BRAND_UNVERIFIED") == 0)
			return &s->symbols[i];
	return NULL;
}

/* Whether two symbol names share their first word ("LINK_"). */
static bool
same_family(const char *a, const char *b)
{
	for (; *a == *b; a++, b++)
		if (*a == '_' || *a == '\0')
			return true;
	/* They differ where one word ends at '_' and the other at NUL. */
	return (*a == '_' || *a == '\0') && (*b == '_' || *b == '\0');
}

/*
 * What the reader hears first: the kind of evidence the verdict rests
 * on (deception for phishing, advertising for spam), then the rest,
 * marks of form and failed authentication last.
 */
static int
class_rank(enum verdict v, int cls)
{
	switch (cls) {
	case SYM_MALWARE:
		return 0;
	case SYM_PHISH:
		return v == VERDICT_SPAM ? 2 : 1;
	case SYM_SPAM:
		return v == VERDICT_SPAM ? 1 : 2;
	case SYM_AUTH:
		return 4;
	default:
		return 3;
	}
}

/*
 * By class rank; a button (what the reader would click) before other
 * findings about links; then by weight.
 */
static bool
reads_before(enum verdict v, const struct symbol *a, const struct symbol *b)
{
	int ra = class_rank(v, a->cls), rb = class_rank(v, b->cls);
	bool ab = strstr(a->name, "BUTTON") != NULL;
	bool bb = strstr(b->name, "BUTTON") != NULL;

	if (ra != rb)
		return ra < rb;
	if (ab != bb && same_family(a->name, b->name))
		return ab;
	return a->score > b->score;
}

/*
 * Whether symbol i may be told as a reason: it weighs against the
 * message, is not the summary's opening, and has a sentence.
 */
static bool
tellable(const struct scan *s, const struct catalog *c,
    const struct symbol *lead, size_t i)
{
	const struct symbol *sym = &s->symbols[i];

	return sym->score > 0 && sym != lead &&
	    catalog_get(c, sym->name) != NULL;
}

/*
 * Fills top[] with the strongest reason of each family, in order.  The
 * rounds ask the same question of every symbol, so the answers for the
 * first PICK_MEMO symbols are kept.
 */
#define PICK_MEMO	64

static size_t
pick_reasons(const struct scan *s, const struct catalog *c,
    const struct symbol *lead, const struct symbol **top)
{
	const struct symbol *best;
	bool told[PICK_MEMO], taken;
	size_t i, k, n = 0;

	for (i = 0; i < s->n_symbols && i < PICK_MEMO; i++)
		told[i] = tellable(s, c, lead, i);
	while (n < SUMMARY_MAX_REASONS) {
		best = NULL;
		for (i = 0; i < s->n_symbols; i++) {
			const struct symbol *sym = &s->symbols[i];

			if (i < PICK_MEMO ? !told[i] :
			    !tellable(s, c, lead, i))
				continue;
			for (taken = false, k = 0; k < n && !taken; k++)
				taken = same_family(top[k]->name, sym->name);
			if (!taken && (best == NULL ||
			    reads_before(s->verdict, sym, best)))
				best = sym;
		}
		if (best == NULL)
			break;
		top[n++] = best;
	}
	return n;
}

/* The located target of a button or link (links.c), if any. */
static const struct symbol *
located(const struct scan *s, const struct catalog *c)
{
	static const char *const names[] = { "LINK_BUTTON_LOCATION",
	    "LINK_TARGET_LOCATION" };
	size_t i, k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		for (i = 0; i < s->n_symbols; i++)
			if (strcmp(s->symbols[i].name, names[k]) == 0 &&
			    catalog_get(c, names[k]) != NULL)
				return &s->symbols[i];
	return NULL;
}

/*
 * The summary is put together from sentences already in the arena: the
 * pieces are noted (with the same ceiling as a sentence), then copied
 * once into a string of their total length.
 */
struct pieces {
	const char	*s[SUMMARY_MAX_PIECES];
	size_t		 n[SUMMARY_MAX_PIECES];
	size_t		 count;
	size_t		 len;
};

/* The arena may be exhausted: a missing sentence is left out. */
static void
piece(struct pieces *ps, const char *text)
{
	size_t n;

	if (text == NULL || ps->count == SUMMARY_MAX_PIECES)
		return;
	if ((n = strlen(text)) > SENTENCE_MAX - ps->len)
		return;
	ps->s[ps->count] = text;
	ps->n[ps->count++] = n;
	ps->len += n;
}

static char *
pieces_join(struct arena *a, const struct pieces *ps)
{
	char *r, *o;
	size_t i;

	if ((r = arena_alloc_raw(a, ps->len + 1)) == NULL)
		return NULL;
	for (o = r, i = 0; i < ps->count; i++) {
		memcpy(o, ps->s[i], ps->n[i]);
		o += ps->n[i];
	}
	*o = '\0';
	return r;
}

char *
explain_summary(struct scan *s, enum lang lang)
{
	const struct symbol *top[SUMMARY_MAX_REASONS], *lead, *loc;
	const struct catalog *c = lang_catalog(s, lang);
	struct pieces ps;
	const char *tmpl, *t;
	size_t i, n = 0;
	char key[64];

	ps.count = ps.len = 0;
	join_key(key, sizeof(key), "summary.", verdict_name(s->verdict));
	tmpl = catalog_get(c, key);
	/*
	 * Authenticated through a trusted ARC sealer (RFC 8617): the sender's
	 * domain did not confirm this copy, the forwarder we trust did.
	 */
	if (s->verdict == VERDICT_AUTHENTICATED && s->auth.arc_trusted &&
	    (t = catalog_get(c, "summary.authenticated_arc")) != NULL)
		tmpl = t;
	if ((lead = brand_unverified(s)) != NULL &&
	    (t = catalog_get(c, "summary.brand_unverified")) != NULL)
		tmpl = t;
	else
		lead = NULL;
	if (tmpl != NULL)
		piece(&ps, render(s, tmpl, lead));

	/*
	 * The reasons a person reads first are the heaviest ones pointing
	 * the way the verdict went, one per kind of finding (the family is
	 * the name's first word: SELF, BRAND, PRESSURE, LINK, ...), so the
	 * summary tells the whole story instead of three sides of one.
	 * Failed authentication comes after what the message does
	 * (class_rank): the verdict's opening already says the sender is
	 * not confirmed.  A good verdict needs nothing more.
	 */
	if (s->verdict != VERDICT_AUTHENTICATED)
		n = pick_reasons(s, c, lead, top);
	for (i = 0; i < n; i++) {
		if (ps.len > 0)
			piece(&ps, " ");
		piece(&ps, explain_symbol(s, lang, top[i]));
		/* Where a bad link leads: the country and network. */
		if (strncmp(top[i]->name, "LINK_", 5) == 0 &&
		    (loc = located(s, c)) != NULL) {
			piece(&ps, " ");
			piece(&ps, explain_symbol(s, lang, loc));
		}
	}
	if (s->failed &&
	    (tmpl = catalog_get(c, "ui.internal_failure")) != NULL) {
		if (ps.len > 0)
			piece(&ps, " ");
		piece(&ps, tmpl);
	}
	return pieces_join(s->arena, &ps);
}
