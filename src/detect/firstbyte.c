/*
 * firstbyte.c - patterns grouped by the byte a match can start on (see
 * firstbyte.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/firstbyte.h"
#include "detect/rxspace.h"
#include "util/buf.h"
#include "util/str.h"

static void
bit_set(uint8_t *bits, unsigned int i)
{
	bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

static bool
bit_get(const uint8_t *bits, unsigned int i)
{
	return (bits[i / 8] >> (i % 8)) & 1u;
}

/*
 * The start bytes PCRE2 knows of re, or false when it knows nothing:
 * its start bitmap, or its one first code unit (both ASCII cases, the
 * patterns being caseless).
 */
static bool
start_map(const pcre2_code *re, uint8_t *first)
{
	const uint8_t *map = NULL;
	uint32_t type = 0, unit = 0;

	(void)pcre2_pattern_info(re, PCRE2_INFO_FIRSTCODETYPE, &type);
	if (type == 0 && pcre2_pattern_info(re, PCRE2_INFO_FIRSTBITMAP,
	    &map) == 0 && map != NULL) {
		memcpy(first, map, FIRSTBYTE_SET);
		return true;
	}
	if (type == 1 && pcre2_pattern_info(re, PCRE2_INFO_FIRSTCODEUNIT,
	    &unit) == 0 && unit < 0x80) {
		bit_set(first, unit);
		if (unit >= 'a' && unit <= 'z')
			bit_set(first, unit - 'a' + 'A');
		else if (unit >= 'A' && unit <= 'Z')
			bit_set(first, unit - 'A' + 'a');
		return true;
	}
	return false;
}

static bool
start_map_of(const char *pat, size_t len, uint32_t options, uint8_t *first)
{
	pcre2_code *re;
	PCRE2_SIZE eoff;
	bool known;
	int ec;

	memset(first, 0, FIRSTBYTE_SET);
	re = pcre2_compile((PCRE2_SPTR)pat, len, options, &ec, &eoff, NULL);
	known = re != NULL && start_map(re, first);
	pcre2_code_free(re);
	return known;
}

/*
 * PCRE2's map is what it skips by itself, so it is safe as it is.  But
 * PCRE2 gives up on \d, \s and \p{..} under UCP; UCP changes only what
 * non-ASCII characters match, so then the map of the pattern compiled
 * without it, plus every UTF-8 lead byte, covers every start.
 */
void
firstbyte_of(const char *pat, size_t len, uint32_t options,
    uint8_t first[FIRSTBYTE_SET])
{
	unsigned int c;

	if (start_map_of(pat, len, options, first))
		return;
	if (!(options & PCRE2_UCP) ||
	    !start_map_of(pat, len, options & ~(uint32_t)PCRE2_UCP, first)) {
		memset(first, 0xff, FIRSTBYTE_SET);
		return;
	}
	for (c = 0xc0; c < FIRSTBYTE_BYTES; c++)
		bit_set(first, c);
}

/*
 * Both cases of a letter share one alternation: a pattern that cannot
 * start on one of them just fails there.
 */
bool
firstbyte_may_start(const uint8_t first[FIRSTBYTE_SET], unsigned int c)
{
	unsigned int o = c;

	if (c >= 'a' && c <= 'z')
		o = c - 'a' + 'A';
	else if (c >= 'A' && c <= 'Z')
		o = c - 'A' + 'a';
	return bit_get(first, c) || bit_get(first, o);
}

/* Whether a pattern has an alternation outside every group. */
bool
firstbyte_top_bar(const char *p)
{
	int depth = 0;
	bool cls = false;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (cls)
			cls = *p != ']';
		else if (*p == '[')
			cls = true;
		else if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (*p == '|' && depth == 0)
			return true;
	}
	return false;
}

/*
 * Whether dropping some branches of a pattern's leading group leaves
 * the others meaning what they meant: no capture numbers or back
 * references to shift, no option setting that runs on into the next
 * branch, and nothing the simple bracket counting below misreads.
 */
static bool
split_safe(const char *p)
{
	bool cls = false;

	for (; *p != '\0'; p++) {
		if (*p == '\\') {
			if (p[1] == '\0' || (p[1] >= '1' && p[1] <= '9') ||
			    strchr("cgkQEN", p[1]) != NULL)
				return false;
			p++;
		} else if (cls) {
			if (*p == '[')
				return false;	/* [:posix:] */
			cls = *p != ']';
		} else if (*p == '[') {
			if (p[1] == '^')
				p++;
			if (p[1] == ']')
				return false;	/* a leading literal ] */
			cls = true;
		} else if (*p == '(') {
			if (p[1] != '?')
				return false;	/* a capture */
			p += 2;
			if (*p == ':' || *p == '=' || *p == '!')
				continue;
			if (*p == '<' && (p[1] == '=' || p[1] == '!'))
				continue;
			while ((*p >= 'a' && *p <= 'z') || *p == '-')
				p++;
			if (*p != ':')
				return false;	/* (?i), (?P, (?| ... */
		}
	}
	return true;
}

/*
 * Splits re into the branches of its top level ("A|B") or of its
 * leading non-capturing group ("(?:A|B)SUFFIX", the group not
 * quantified).  Returns the number of branches, 0 when re is neither.
 */
size_t
firstbyte_branches(const char *re, size_t *suffix, size_t *off, size_t *len,
    size_t max)
{
	const char *p, *start;
	size_t n = 0;
	int depth = 0;
	bool cls = false, top = firstbyte_top_bar(re);

	if (!split_safe(re) || (!top && strncmp(re, "(?:", 3) != 0))
		return 0;
	start = p = top ? re : re + 3;
	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (cls) {
			cls = *p != ']';
			continue;
		}
		if (*p == '[')
			cls = true;
		else if (*p == '(')
			depth++;
		else if (depth > 0 && *p == ')')
			depth--;
		else if (*p == '|' || *p == ')') {
			if (depth != 0)
				continue;
			if (n == max)
				return 0;
			off[n] = (size_t)(start - re);
			len[n++] = (size_t)(p - start);
			start = p + 1;
			if (*p == ')')
				break;
		}
	}
	if (top) {
		if (n == max || *p != '\0')
			return 0;
		off[n] = (size_t)(start - re);
		len[n++] = (size_t)(p - start);
		*suffix = (size_t)(p - re);
		return n;
	}
	if (*p != ')' || (p[1] != '\0' && strchr("*+?{", p[1]) != NULL))
		return 0;
	*suffix = (size_t)(p + 1 - re);
	return n;
}

/*
 * A literal beginning is a run of tokens: lower-case ASCII bytes,
 * TOK_WS for one or more white-space characters (\s, \s+, \s*) and
 * TOK_DIGIT for one or more digits (\d, \d{2}); a class of such
 * ("[\s-]", "[ey]") reads as one beginning per member.
 * Reading on through white space and groups ("in\s+the\s+next",
 * "(?:the\s+sum|sum)\s+of") keeps common short words ("in", "the",
 * "i") from reaching PCRE2 for phrases that only begin with them.
 * An alternative reads as at most SEQ_MAX beginnings of PREFIX_MAX
 * tokens, through groups nested at most SEQ_DEPTH deep.
 */
#define PREFIX_MAX	32
#define SEQ_MAX		64
#define SEQ_DEPTH	6
#define TOK_WS		0x80
#define TOK_DIGIT	0x81	/* one or more ASCII digits: \d, \d+ */
#define TOK_WIDE	0x82	/* a non-ASCII character must follow */

/*
 * The plain character at *pp, or -1: an ASCII character that is not a
 * pattern metacharacter, or a backslash before ASCII punctuation.
 */
static int
plain_char(const char **pp, const char *end)
{
	const char *p = *pp;
	unsigned char c;

	if (p >= end)
		return -1;
	c = (unsigned char)*p;
	if (c == '\\') {
		if (p + 1 >= end)
			return -1;
		c = (unsigned char)p[1];
		if (c >= 0x80 || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			return -1;	/* \b, \d, \x{..}: not plain */
		*pp = p + 2;
		return c;
	}
	if (c >= 0x80 || strchr("^$.|?*+()[]{}", c) != NULL)
		return -1;
	*pp = p + 1;
	return c;
}

/*
 * Whether the character at p (UTF-8, not ASCII) matches somewhere in
 * the n ASCII bytes of subject under options: caselessly U+017F matches
 * 's' and U+212A 'k'.  PCRE2 is asked, so its case tables decide.
 */
static bool
char_matches(const char *p, const char *end, uint32_t options,
    const unsigned char *subject, size_t n)
{
	pcre2_match_data *md;
	pcre2_code *re;
	PCRE2_SIZE eoff;
	size_t clen = 1;
	bool hit = true;	/* when in doubt, it may */
	int ec;

	while (p + clen < end && ((unsigned char)p[clen] & 0xc0) == 0x80)
		clen++;
	re = pcre2_compile((PCRE2_SPTR)p, clen, options, &ec, &eoff, NULL);
	if (re != NULL && (md = pcre2_match_data_create(1, NULL)) != NULL) {
		hit = pcre2_match(re, subject, n, 0, 0, md, NULL) >= 0;
		pcre2_match_data_free(md);
	}
	pcre2_code_free(re);
	return hit;
}

/* Whether the character at p matches any ASCII character. */
static bool
any_ascii_partner(const char *p, const char *end, uint32_t options)
{
	unsigned char all[127];
	size_t i;

	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)(i + 1);
	return char_matches(p, end, options, all, sizeof(all));
}

/* One beginning as it is read, and the set an alternative reads as. */
struct seq {
	unsigned char	 b[PREFIX_MAX];
	uint8_t		 n;
	bool		 done;	/* what follows is not read */
	bool		 wide;	/* goes on with a non-ASCII character */
};

struct seqs {
	struct seq	 s[SEQ_MAX];
	size_t		 n;
};

/* What \s matches in ASCII; any other byte of a space is not ASCII. */
static bool
ascii_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * The first '|' or unmatched ')' at or after p outside classes and
 * nested groups, end when there is none, NULL when bracket counting
 * cannot be trusted there (\Q..\E, \c, comments).
 */
static const char *
level_end(const char *p, const char *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '\\') {
			if (p + 1 >= end || strchr("QEc", p[1]) != NULL)
				return NULL;
			p++;
		} else if (*p == '[') {
			if ((p = rxspace_class_end(p, end)) == NULL)
				return NULL;
			p--;	/* at the ']' */
		} else if (*p == '(') {
			if (end - p >= 3 && p[1] == '?' && p[2] == '#')
				return NULL;
			depth++;
		} else if (*p == ')') {
			if (depth-- == 0)
				return p;
		} else if (*p == '|' && depth == 0)
			return p;
	}
	return end;
}

/* The ')' closing a group whose body starts at p, or NULL. */
static const char *
group_close(const char *p, const char *end)
{
	const char *q = level_end(p, end);

	while (q != NULL && q < end && *q == '|')
		q = level_end(q + 1, end);
	return q != NULL && q < end ? q : NULL;
}

/*
 * A quantifier at p into min and max (UINT_MAX: unbounded), 1 and 1
 * when there is none; past it, or NULL when it is not one PCRE2 10.42
 * surely reads as a quantifier ("{,3}" is literal there).
 */
static const char *
quant_read(const char *p, const char *end, unsigned int *min,
    unsigned int *max)
{
	unsigned int n = 0, m = 0, digits = 0;

	*min = *max = 1;
	if (p >= end)
		return p;
	if (*p == '?' || *p == '*' || *p == '+') {
		*min = *p == '+';
		*max = *p == '?' ? 1 : UINT_MAX;
		p++;
	} else if (*p == '{') {
		for (p++; p < end && *p >= '0' && *p <= '9' && digits < 4;
		    p++, digits++)
			n = n * 10 + (unsigned int)(*p - '0');
		if (digits == 0 || digits == 4 || p >= end)
			return NULL;
		*min = *max = n;
		if (*p == ',') {
			*max = UINT_MAX;
			for (p++, digits = 0; p < end && *p >= '0' &&
			    *p <= '9' && digits < 4; p++, digits++)
				m = m * 10 + (unsigned int)(*p - '0');
			if (digits == 4)
				return NULL;
			if (digits > 0)
				*max = m;
		}
		if (p >= end || *p != '}')
			return NULL;
		p++;
	} else
		return p;
	if (p < end && (*p == '?' || *p == '+'))
		p++;	/* lazy or possessive: no new matches */
	return p;
}

#define ITEM_TOKENS	16

enum item_kind { IT_STOP, IT_TOKENS, IT_ZERO, IT_GROUP };

/*
 * One element of a concatenation with its quantifier: one of a few
 * tokens (a character, \s, \d or a class of such), \b, or a group.
 */
struct item {
	enum item_kind	 kind;
	unsigned char	 tok[ITEM_TOKENS];	/* IT_TOKENS: any of them */
	size_t		 n_tok;
	const char	*in, *in_end;		/* IT_GROUP: its body */
	unsigned int	 min, max;
};

/*
 * The token of one character or escape at *pp (advanced past it), or
 * -1: a plain character in lower case, TOK_WS for \s, TOK_DIGIT for \d,
 * TOK_WIDE for a non-ASCII character that matches no ASCII one.
 */
static int
token_read(const char **pp, const char *end, uint32_t options)
{
	const char *p = *pp;
	int ch;

	if (end - p >= 2 && p[0] == '\\' && (p[1] == 's' || p[1] == 'd')) {
		*pp = p + 2;
		return p[1] == 's' ? TOK_WS : TOK_DIGIT;
	}
	if ((unsigned char)*p >= 0x80) {
		if (any_ascii_partner(p, end, options))
			return -1;
		for (p++; p < end && ((unsigned char)*p & 0xc0) == 0x80; p++)
			;
		*pp = p;
		return TOK_WIDE;
	}
	if ((ch = plain_char(pp, end)) == -1)
		return -1;
	return str_lc(ch);
}

/*
 * A class "[...]" at p of at most ITEM_TOKENS members, each a token
 * (token_read; '-' first or last); past its ']', or NULL for anything
 * else (negation, ranges, POSIX classes, other escapes).
 */
static const char *
class_read(const char *p, const char *end, uint32_t options, struct item *it)
{
	int tok;

	for (p++; p < end && *p != ']'; ) {
		if (it->n_tok == ITEM_TOKENS || *p == '^' || *p == '[')
			return NULL;
		if (*p == '-' && p + 1 < end && p[1] != ']' && it->n_tok > 0)
			return NULL;	/* a range */
		if (*p == '-' || *p == '$' || *p == '.' || *p == '|' ||
		    *p == '(' || *p == ')' || *p == '?' || *p == '*' ||
		    *p == '+' || *p == '{' || *p == '}')
			tok = *p++;	/* not special in a class */
		else if ((tok = token_read(&p, end, options)) == -1)
			return NULL;
		else if (p < end && *p == '-' && p + 1 < end && p[1] != ']')
			return NULL;	/* a range */
		it->tok[it->n_tok++] = (unsigned char)tok;
	}
	if (p >= end || it->n_tok == 0)
		return NULL;
	it->kind = IT_TOKENS;
	return p + 1;
}

/*
 * Reads the element at p: a token, a class of tokens, \b (it takes no
 * room), or a group without options other than "-i" (reading caseless
 * only finds more).  Anything else is IT_STOP.  Returns the position
 * after it and its quantifier.
 */
static const char *
item_read(const char *p, const char *end, uint32_t options, struct item *it)
{
	const char *q = p;
	int tok;

	memset(it, 0, sizeof(*it));	/* IT_STOP */
	if (end - p >= 2 && p[0] == '\\' && p[1] == 'b') {
		it->kind = IT_ZERO;
		q = p + 2;
	} else if (*p == '[') {
		if ((q = class_read(p, end, options, it)) == NULL) {
			it->kind = IT_STOP;
			return p;
		}
	} else if (*p == '(') {
		q = p + 1;
		if (end - q >= 2 && memcmp(q, "?:", 2) == 0)
			q += 2;
		else if (end - q >= 4 && memcmp(q, "?-i:", 4) == 0)
			q += 4;
		else if (q < end && (*q == '?' || *q == '*'))
			return p;	/* lookaround, options, verbs */
		it->in = q;
		if ((it->in_end = group_close(q, end)) == NULL)
			return p;
		it->kind = IT_GROUP;
		q = it->in_end + 1;
	} else {
		if ((tok = token_read(&q, end, options)) == -1)
			return p;
		it->kind = IT_TOKENS;
		it->tok[it->n_tok++] = (unsigned char)tok;
	}
	if ((q = quant_read(q, end, &it->min, &it->max)) == NULL) {
		it->kind = IT_STOP;
		return p;
	}
	return q;
}

/* Ends every beginning still being read. */
static void
seqs_stop(struct seqs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		s->s[i].done = true;
}

static bool
seqs_reading(const struct seqs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!s->s[i].done)
			return true;
	return false;
}

/* Whether a token matches only what the run token r steps over. */
static bool
tok_in_run(unsigned char tok, unsigned char r)
{
	if (r == TOK_WS)
		return tok == TOK_WS || ascii_space(tok);
	if (r == TOK_DIGIT)
		return tok == TOK_DIGIT || (tok >= '0' && tok <= '9');
	return false;
}

/*
 * Token b onto the beginnings s->s[from..to) being read.  A run token
 * (TOK_WS, TOK_DIGIT) after the same is one run; a character the run
 * would take after it ends the beginning instead, as
 * firstbyte_prefix_at() steps over a whole run at once.  A beginning
 * does not start with white space (it has no root); TOK_WIDE ends it.
 */
static void
seqs_add(struct seqs *s, size_t from, size_t to, unsigned char b)
{
	struct seq *q;
	unsigned char last;
	size_t i;

	for (i = from; i < to; i++) {
		q = &s->s[i];
		if (q->done)
			continue;
		last = q->n > 0 ? q->b[q->n - 1] : 0;
		if (b == last && (b == TOK_WS || b == TOK_DIGIT))
			continue;
		if (b == TOK_WIDE)
			q->wide = q->done = true;
		else if ((b == TOK_WS && q->n == 0) || tok_in_run(b, last) ||
		    q->n == PREFIX_MAX)
			q->done = true;
		else
			q->b[q->n++] = b;
	}
}

/* Puts the ended beginnings first; returns how many there are. */
static size_t
seqs_partition(struct seqs *s)
{
	struct seq tmp;
	size_t i, nd = 0;

	for (i = 0; i < s->n; i++)
		if (s->s[i].done) {
			tmp = s->s[nd];
			s->s[nd++] = s->s[i];
			s->s[i] = tmp;
		}
	return nd;
}

/*
 * The tokens of it onto the beginnings being read (s->s[nd..]), a copy
 * of them for each; when they would be too many, they end before it.
 */
static void
seqs_tokens(struct seqs *s, size_t nd, const struct item *it)
{
	size_t k, n = s->n - nd;

	if (nd + n * it->n_tok > SEQ_MAX) {
		seqs_stop(s);
		return;
	}
	for (k = 1; k < it->n_tok; k++)
		memcpy(s->s + nd + k * n, s->s + nd, n * sizeof(s->s[0]));
	s->n = nd + n * it->n_tok;
	for (k = 0; k < it->n_tok; k++)
		seqs_add(s, nd + k * n, nd + (k + 1) * n, it->tok[k]);
}

/* Whether repeats of it are one run token: \s+, \d{2}. */
static bool
item_run(const struct item *it)
{
	return it->kind == IT_TOKENS && it->n_tok == 1 &&
	    (it->tok[0] == TOK_WS || it->tok[0] == TOK_DIGIT);
}

static void	seqs_group(struct seqs *, const char *, const char *, uint32_t,
		    int);

/* Reads the concatenation p..end on from every beginning in s. */
static void
seqs_read(struct seqs *s, const char *p, const char *end, uint32_t options,
    int depth)
{
	struct seqs *skip = NULL;
	struct item it;
	size_t i, nd;

	while (p < end && seqs_reading(s)) {
		p = item_read(p, end, options, &it);
		if (it.kind == IT_STOP) {
			seqs_stop(s);
			break;
		}
		if (it.kind == IT_ZERO || it.max == 0)
			continue;	/* takes no room */
		nd = seqs_partition(s);
		/* An optional element: the beginnings without it too. */
		if (it.min == 0) {
			if ((skip = malloc(sizeof(*skip))) == NULL) {
				seqs_stop(s);
				break;
			}
			skip->n = s->n - nd;
			memcpy(skip->s, s->s + nd, skip->n * sizeof(s->s[0]));
		}
		if (it.kind == IT_GROUP)
			seqs_group(s, it.in, it.in_end, options, depth + 1);
		else
			seqs_tokens(s, nd, &it);
		/* Repeated: what the repeats are is not read. */
		if (it.max > 1 && !item_run(&it))
			seqs_stop(s);
		if (skip == NULL)
			continue;
		if (s->n + skip->n > SEQ_MAX) {
			/* Too many: those read on end before the element. */
			s->n = nd;
			for (i = 0; i < skip->n; i++)
				skip->s[i].done = true;
		}
		memcpy(s->s + s->n, skip->s, skip->n * sizeof(s->s[0]));
		s->n += skip->n;
		free(skip);
		skip = NULL;
	}
}

/*
 * Reads the branches of a group's body in..end on from every beginning
 * being read; when they would be too many, or nest too deep, those end
 * before the group.
 */
static void
seqs_group(struct seqs *s, const char *in, const char *end, uint32_t options,
    int depth)
{
	struct seqs *base, *br, *acc;
	const char *b = in, *e;
	size_t nd = seqs_partition(s);
	bool fits = true;

	if (depth > SEQ_DEPTH || (base = malloc(3 * sizeof(*base))) == NULL) {
		seqs_stop(s);
		return;
	}
	br = base + 1;
	acc = base + 2;
	base->n = s->n - nd;
	memcpy(base->s, s->s + nd, base->n * sizeof(s->s[0]));
	acc->n = 0;
	for (;;) {
		if ((e = level_end(b, end)) == NULL || (e < end && *e != '|')) {
			fits = false;
			break;
		}
		br->n = base->n;
		memcpy(br->s, base->s, base->n * sizeof(s->s[0]));
		seqs_read(br, b, e, options, depth);
		if (nd + acc->n + br->n > SEQ_MAX) {
			fits = false;
			break;
		}
		memcpy(acc->s + acc->n, br->s, br->n * sizeof(s->s[0]));
		acc->n += br->n;
		if (e == end)
			break;
		b = e + 1;
	}
	if (fits) {
		memcpy(s->s + nd, acc->s, acc->n * sizeof(s->s[0]));
		s->n = nd + acc->n;
	} else
		seqs_stop(s);
	free(base);
}

static uint32_t
node_new(struct firstbyte_table *t, unsigned char byte)
{
	struct firstbyte_node *n;
	size_t cap;

	if (t->n_nodes == t->cap_nodes) {
		cap = t->cap_nodes ? 2 * t->cap_nodes : 256;
		if ((n = realloc(t->nodes, cap * sizeof(*n))) == NULL)
			return 0;
		t->nodes = n;
		t->cap_nodes = cap;
	}
	n = &t->nodes[t->n_nodes];
	memset(n, 0, sizeof(*n));
	n->byte = byte;
	return (uint32_t)t->n_nodes++;
}

/*
 * The child of node n for byte b (< 0x80), or 0: through the node's
 * table when it has one (FIRSTBYTE_DENSE children or more), else along
 * its list.  Inline: firstbyte_walk() takes a step per byte of the text.
 */
static inline uint32_t
node_child(const struct firstbyte_table *t, const struct firstbyte_node *n,
    unsigned char b)
{
	uint32_t k;

	/* Most steps fail: the bitmap says so without the list. */
	if (!((n->kids[b >> 6] >> (b & 63)) & 1u))
		return 0;
	if (n->dense != 0)
		return t->dense[n->dense - 1][b];
	for (k = n->child; k != 0; k = t->nodes[k].sibling)
		if (t->nodes[k].byte == b)
			return k;
	return 0;
}

/*
 * Links child k (for byte b) under node at; a node that reaches
 * FIRSTBYTE_DENSE children gets a table.  -1 when out of memory.
 */
static int
node_link(struct firstbyte_table *t, uint32_t at, uint32_t k, unsigned char b)
{
	struct firstbyte_node *n = &t->nodes[at];
	uint32_t (*d)[128], c, count = 0;

	n->kids[b >> 6] |= (uint64_t)1 << (b & 63);
	t->nodes[k].sibling = n->child;
	n->child = k;
	if (n->dense != 0) {
		t->dense[n->dense - 1][b] = k;
		return 0;
	}
	for (c = n->child; c != 0; c = t->nodes[c].sibling)
		count++;
	if (count < FIRSTBYTE_DENSE)
		return 0;
	if ((d = realloc(t->dense, (t->n_dense + 1) * sizeof(*d))) == NULL)
		return -1;
	t->dense = d;
	memset(d[t->n_dense], 0, sizeof(d[0]));
	for (c = n->child; c != 0; c = t->nodes[c].sibling)
		d[t->n_dense][t->nodes[c].byte] = c;
	n->dense = (uint32_t)++t->n_dense;
	return 0;
}

/*
 * Adds one beginning; -1 when out of memory.  A wide one leaves its
 * last node open, so only a non-ASCII byte goes on there.  A run of
 * white space or digits is a node's ws or digits child, not one of its
 * bytes (the root's digits child starts beginnings with a number).
 */
/* Where node at's child for token b is kept (b a run token). */
static uint32_t *
run_child(struct firstbyte_table *t, uint32_t at, unsigned char b)
{
	return b == TOK_WS ? &t->nodes[at].ws : &t->nodes[at].digits;
}

static int
prefix_insert(struct firstbyte_table *t, const struct seq *q)
{
	uint32_t at = 0, k;
	unsigned char b;
	bool run;
	size_t i;

	if (t->n_nodes == 0 && (node_new(t, 0) != 0 || t->n_nodes == 0))
		return -1;	/* the root is node 0 */
	for (i = 0; i < q->n; i++) {
		b = q->b[i];
		run = b == TOK_WS || b == TOK_DIGIT;
		if (run)
			k = *run_child(t, at, b);
		else
			k = i == 0 ? t->root[b] :
			    node_child(t, &t->nodes[at], b);
		/* Where a non-ASCII byte may go on (firstbyte_prefix_at). */
		if (run || (i > 0 && b < 0x80 && t->partner[b]))
			t->nodes[at].high = true;
		if (k == 0) {
			if ((k = node_new(t, b)) == 0)
				return -1;
			if (run) {
				*run_child(t, at, b) = k;	/* after a move */
				t->nodes[at].runs |= b == TOK_WS ?
				    FIRSTBYTE_RUN_WS : FIRSTBYTE_RUN_DIGIT;
			} else if (i == 0)
				t->root[b] = k;
			else if (node_link(t, at, k, b) == -1)
				return -1;
		}
		/* Unicode white space or digits may go on with the run. */
		if (run)
			t->nodes[k].high = true;
		at = k;
	}
	if (!q->wide)
		t->nodes[at].end = true;
	else
		t->nodes[at].high = true;
	return 0;
}

/* Whether the character at p matches ASCII byte a. */
static bool
ascii_partner(const char *p, const char *end, uint32_t options,
    unsigned char a)
{
	return char_matches(p, end, options, &a, 1);
}

/*
 * For a piece p..end of a pattern that has no literal beginning: its
 * first bytes are always tried, except that an ASCII byte is not when
 * the piece starts with a literal non-ASCII character matching none.
 */
static void
mark_always(struct firstbyte_table *t, const char *p, const char *end,
    const uint8_t first[FIRSTBYTE_SET], uint32_t options)
{
	unsigned int c;

	if (end - p >= 5 && memcmp(p, "(?-i:", 5) == 0)
		p += 5;
	for (c = 0; c < FIRSTBYTE_BYTES; c++) {
		if (!firstbyte_may_start(first, c))
			continue;
		if (p < end && (unsigned char)*p >= 0xc0 && c < 0x80 &&
		    !ascii_partner(p, end, options, (unsigned char)c))
			continue;
		t->always[c] = true;
	}
}

static int	alt_prefixes(struct firstbyte_table *, const char *,
		    const char *, const uint8_t [FIRSTBYTE_SET], uint32_t);

/*
 * For an alternative p..end some of whose matches have no beginning:
 * when it is a leading group "(?:A|B)SUFFIX" (firstbyte_branches), each
 * "A SUFFIX" alone, so that only the branches without a beginning have
 * their first bytes (within first, alt's) always tried.  Returns 1 when
 * done, 0 when alt is not such a group, -1 when out of memory.
 */
static int
branch_prefixes(struct firstbyte_table *t, const char *p, const char *end,
    const uint8_t first[FIRSTBYTE_SET], uint32_t options)
{
	size_t off[FIRSTBYTE_MAX_BRANCHES], len[FIRSTBYTE_MAX_BRANCHES];
	uint8_t bfirst[FIRSTBYTE_SET];
	size_t i, j, n, suffix = 0, slen = 0;
	char *copy, *one = NULL;
	int rc = 1, r;

	/* A word boundary takes no room: the beginning starts with it. */
	if (end - p >= 2 && p[0] == '\\' && p[1] == 'b')
		p += 2;
	if (end - p < 3 || memcmp(p, "(?:", 3) != 0)
		return 0;
	if ((copy = strndup(p, (size_t)(end - p))) == NULL)
		return -1;
	if ((n = firstbyte_branches(copy, &suffix, off, len,
	    FIRSTBYTE_MAX_BRANCHES)) == 0)
		rc = 0;
	else
		slen = strlen(copy + suffix);
	for (i = 0; i < n && rc == 1; i++) {
		/* Concatenated: split_safe() let nothing run across. */
		if ((one = malloc(len[i] + slen + 1)) == NULL) {
			rc = -1;
			break;
		}
		memcpy(one, copy + off[i], len[i]);
		memcpy(one + len[i], copy + suffix, slen + 1);
		/* Alone, the branch may say more than alt does: keep both. */
		firstbyte_of(one, len[i] + slen, options, bfirst);
		for (j = 0; j < FIRSTBYTE_SET; j++)
			bfirst[j] &= first[j];
		if ((r = alt_prefixes(t, one, one + len[i] + slen, bfirst,
		    options)) == -1)
			rc = -1;
		else if (r == 0)
			mark_always(t, one, one + len[i] + slen, bfirst,
			    options);
		free(one);
	}
	free(copy);
	return rc;
}

/*
 * The beginnings of alt (seqs_group() of it as a whole); when some match
 * has none, those of its branches (branch_prefixes).  Returns 1 when
 * done, 0 when alt has no beginning, -1 when out of memory.
 */
static int
alt_prefixes(struct firstbyte_table *t, const char *p, const char *end,
    const uint8_t first[FIRSTBYTE_SET], uint32_t options)
{
	struct seqs *s;
	size_t i;
	int rc = 1;

	if (memmem(p, (size_t)(end - p), "[]", 2) != NULL ||
	    memmem(p, (size_t)(end - p), "[^]", 3) != NULL)
		return 0;	/* a class with a leading ']': not read here */
	if ((s = malloc(sizeof(*s))) == NULL)
		return -1;
	memset(&s->s[0], 0, sizeof(s->s[0]));
	s->n = 1;
	seqs_group(s, p, end, options, 0);
	for (i = 0; i < s->n && rc == 1; i++)
		if (s->s[i].n == 0)
			rc = 0;
	for (i = 0; i < s->n && rc == 1; i++)
		if (prefix_insert(t, &s->s[i]) == -1)
			rc = -1;
	free(s);
	if (rc == 0)
		rc = branch_prefixes(t, p, end, first, options);
	return rc;
}

int
firstbyte_prefixes_add(struct firstbyte_table *t, const char *alt,
    size_t len, const uint8_t first[FIRSTBYTE_SET], uint32_t options)
{
	uint8_t set[FIRSTBYTE_SET];
	char one[8];
	unsigned int c, k;
	int n;

	/* PCRE2's first bytes of each ASCII character alone, caselessly. */
	for (c = 0; !t->prefixes && c < 0x80; c++) {
		snprintf(one, sizeof(one), "\\x{%x}", c);
		firstbyte_of(one, strlen(one), options | PCRE2_CASELESS, set);
		for (k = 0x80; k < FIRSTBYTE_BYTES && !t->partner[c]; k++)
			t->partner[c] = bit_get(set, k);
	}
	t->prefixes = true;
	t->options |= options;	/* more of them only match more */
	free(t->steps);		/* made for fewer alternatives */
	t->steps = NULL;
	free(t->quads);
	t->quads = NULL;
	free(t->high_first);
	t->high_first = NULL;
	if ((n = alt_prefixes(t, alt, alt + len, first, options)) == -1)
		return -1;
	if (n == 0)
		mark_always(t, alt, alt + len, first, options);
	return 0;
}

/* The end of the run of white space or digits (run) at p. */
static size_t
run_end(const unsigned char *s, size_t len, size_t p, unsigned char run)
{
	while (p < len && (run == TOK_WS ? ascii_space(s[p]) :
	    s[p] >= '0' && s[p] <= '9'))
		p++;
	return p;
}

/*
 * The text's bytes as the walk reads them: ASCII in lower case, and
 * WALK_HIGH for the rest, where a caseless partner may stand.  One
 * table look-up instead of two tests per byte.
 */
#define WALK_HIGH	0x80
#define LC(c)	((c) >= 'A' && (c) <= 'Z' ? (c) + 'a' - 'A' : (c))
#define L4(c)	LC(c), LC((c) + 1), LC((c) + 2), LC((c) + 3)
#define L16(c)	L4(c), L4((c) + 4), L4((c) + 8), L4((c) + 12)
#define L64(c)	L16(c), L16((c) + 16), L16((c) + 32), L16((c) + 48)
#define H16	WALK_HIGH, WALK_HIGH, WALK_HIGH, WALK_HIGH, WALK_HIGH,	\
	WALK_HIGH, WALK_HIGH, WALK_HIGH, WALK_HIGH, WALK_HIGH, WALK_HIGH, \
	WALK_HIGH, WALK_HIGH, WALK_HIGH, WALK_HIGH, WALK_HIGH
#define H64	H16, H16, H16, H16
static const unsigned char walk_byte[FIRSTBYTE_BYTES] = {
	L64(0), L64(64), H64, H64
};

/* The run a byte may start: what \s and \d match in ASCII. */
#define R_WS	FIRSTBYTE_RUN_WS
#define R_D	FIRSTBYTE_RUN_DIGIT
static const uint8_t walk_run[FIRSTBYTE_BYTES] = {
	['\t'] = R_WS, ['\n'] = R_WS, ['\v'] = R_WS, ['\f'] = R_WS,
	['\r'] = R_WS, [' '] = R_WS,
	['0'] = R_D, ['1'] = R_D, ['2'] = R_D, ['3'] = R_D, ['4'] = R_D,
	['5'] = R_D, ['6'] = R_D, ['7'] = R_D, ['8'] = R_D, ['9'] = R_D
};

/*
 * The run child of node n for the run r (FIRSTBYTE_RUN_*) that starts
 * at s[p], and in *end where that run ends (all of its ASCII bytes, as
 * seqs_add() made one token of it).
 */
static uint32_t
run_step(const struct firstbyte_node *n, uint8_t r, const unsigned char *s,
    size_t len, size_t p, size_t *end)
{
	if (r & FIRSTBYTE_RUN_WS) {
		*end = run_end(s, len, p, TOK_WS);
		return n->ws;
	}
	*end = run_end(s, len, p, TOK_DIGIT);
	return n->digits;
}

/*
 * Whether a beginning fits at p from node at (not the root, and not
 * where a beginning ends) on.  Where the node goes on with a run of
 * white space or digits, the run is tried first; a literal character
 * may go on there too, so both ways are tried, the run by a call of its
 * own.  Most nodes have no such character: then the walk just goes on
 * after the run.
 */
bool
firstbyte_walk(const struct firstbyte_table *t, uint32_t at,
    const unsigned char *s, size_t len, size_t p)
{
	const struct firstbyte_node *n;
	uint32_t k, w;
	unsigned char b;
	uint8_t r;
	size_t q;

	while (p < len) {
		n = &t->nodes[at];
		if ((b = walk_byte[s[p]]) == WALK_HIGH)
			return n->high;
		k = node_child(t, n, b);
		if ((r = n->runs & walk_run[s[p]]) != 0) {
			w = run_step(n, r, s, len, p, &q);
			if (t->nodes[w].end)
				return true;
			if (k == 0) {
				at = w;
				p = q;
				continue;
			}
			if (firstbyte_walk(t, w, s, len, q))
				return true;
		}
		if (k == 0)
			return false;
		if (t->nodes[k].end)
			return true;
		at = k;
		p++;
	}
	return true;	/* the text ends inside a beginning: let PCRE2 say */
}

/*
 * The step table's index of a byte (step_of[]): walk_byte[], with 'A'
 * (which walk_byte[] never gives) for WALK_HIGH, so that two fit in 14
 * bits.
 */
#define STEP_HIGH	'A'
#define STEPS		(128 * 128)
#define STEP_NO		FIRSTBYTE_STEP_NO
#define STEP_YES	FIRSTBYTE_STEP_YES
#define STEP_SLOW	FIRSTBYTE_STEP_SLOW
#define STEP_NODE	FIRSTBYTE_STEP_NODE

/*
 * What firstbyte_prefix_at() does at bytes a and b (and more text
 * after them) in its first two steps, taken the same way.
 */
static uint32_t
step_pair(const struct firstbyte_table *t, unsigned char a, unsigned char b)
{
	const struct firstbyte_node *n;
	uint32_t at;

	if (walk_byte[a] == WALK_HIGH)
		return STEP_YES;
	if ((t->nodes[0].runs & walk_run[a]) != 0)
		return STEP_SLOW;
	if ((at = t->root[walk_byte[a]]) == 0)
		return STEP_NO;
	n = &t->nodes[at];
	if (n->end)
		return STEP_YES;
	if (walk_byte[b] == WALK_HIGH)
		return n->high ? STEP_YES : STEP_NO;
	if ((n->runs & walk_run[b]) != 0)
		return STEP_SLOW;
	if ((at = node_child(t, n, walk_byte[b])) == 0)
		return STEP_NO;
	return t->nodes[at].end ? STEP_YES : STEP_NODE + at;
}

/*
 * The byte that stands for step table index i: itself, or 0xc3 for
 * STEP_HIGH (any byte of WALK_HIGH walks the same).  Bytes of one index
 * walk alike: walk_byte[] folds only the case of letters, and
 * walk_run[] is the same for both cases.
 */
static unsigned char
step_byte(unsigned int i)
{
	return i == STEP_HIGH ? 0xc3 : (unsigned char)i;
}

/*
 * The window filter's class of a byte (quad_of[]): each letter, both
 * cases one; the digits; ASCII white space; non-ASCII; the rest of
 * ASCII.  Three classes of 5 bits index QUADS words of 32 bits, one
 * for each class of the fourth byte.
 */
#define QUAD_DIGIT	26
#define QUAD_SPACE	27
#define QUAD_HIGH	28
#define QUAD_OTHER	29
#define QUADS		(1u << 15)

static uint8_t
quad_class(unsigned char c)
{
	unsigned char b = walk_byte[c];

	if (b == WALK_HIGH)
		return QUAD_HIGH;
	if (b >= 'a' && b <= 'z')
		return (uint8_t)(b - 'a');
	if (b >= '0' && b <= '9')
		return QUAD_DIGIT;
	return ascii_space(b) ? QUAD_SPACE : QUAD_OTHER;
}

/* The classes of the bytes at which node n goes on (node_goes_on()). */
static uint32_t
quad_next(const struct firstbyte_node *n)
{
	uint32_t m = 0;
	uint64_t k;
	unsigned int i;

	for (i = 0; i < 2; i++)
		for (k = n->kids[i]; k != 0; k &= k - 1)
			m |= 1u << quad_class((unsigned char)(64 * i +
			    (unsigned int)__builtin_ctzll(k)));
	if (n->runs & FIRSTBYTE_RUN_WS)
		m |= 1u << QUAD_SPACE;
	if (n->runs & FIRSTBYTE_RUN_DIGIT)
		m |= 1u << QUAD_DIGIT;
	if (n->high)
		m |= 1u << QUAD_HIGH;
	return m;
}

#define QUAD_ALL	0xffffffffu

/*
 * Where the walks over the first bytes of a window stand: at a node
 * (run 0), or inside a run of white space or digits (FIRSTBYTE_RUN_*)
 * whose child the node is; yes once one of them has said yes.  More
 * walks than QUAD_WALKS count as a yes, which only keeps more windows.
 */
#define QUAD_WALKS	16

struct quad_state {
	uint32_t	 node[QUAD_WALKS];
	uint8_t		 run[QUAD_WALKS];
	size_t		 n;
	bool		 yes;
};

static void
quad_add(struct quad_state *st, uint32_t node, uint8_t run)
{
	if (st->n == QUAD_WALKS) {
		st->yes = true;
		return;
	}
	st->node[st->n] = node;
	st->run[st->n++] = run;
}

/*
 * The step of firstbyte_walk() at node at over byte c, into st: a run
 * it starts (tried first there), or its child; at the root, as
 * firstbyte_prefix_at() takes it.
 */
static void
quad_step_at(const struct firstbyte_table *t, uint32_t at, unsigned char c,
    struct quad_state *st)
{
	const struct firstbyte_node *n = &t->nodes[at];
	uint8_t r = n->runs & walk_run[c];
	uint32_t w, k;

	if (walk_byte[c] == WALK_HIGH) {
		st->yes |= at == 0 || n->high;
		return;
	}
	if (r != 0) {
		w = r & FIRSTBYTE_RUN_WS ? n->ws : n->digits;
		if (t->nodes[w].end)
			st->yes = true;
		else
			quad_add(st, w, r);
	}
	k = at == 0 ? t->root[walk_byte[c]] : node_child(t, n, walk_byte[c]);
	if (k != 0 && t->nodes[k].end)
		st->yes = true;
	else if (k != 0)
		quad_add(st, k, 0);
}

/* The walks of from over byte c, into to: a run goes on, or ends at c. */
static void
quad_step(const struct firstbyte_table *t, const struct quad_state *from,
    unsigned char c, struct quad_state *to)
{
	size_t i;

	to->n = 0;
	to->yes = from->yes;
	for (i = 0; i < from->n && !to->yes; i++)
		if (from->run[i] & walk_run[c])
			quad_add(to, from->node[i], from->run[i]);
		else
			quad_step_at(t, from->node[i], c, to);
}

/* The classes of the bytes over which a walk of st goes on. */
static uint32_t
quad_mask(const struct firstbyte_table *t, const struct quad_state *st)
{
	uint32_t m = 0;
	size_t i;

	if (st->yes)
		return QUAD_ALL;
	for (i = 0; i < st->n; i++) {
		m |= quad_next(&t->nodes[st->node[i]]);
		if (st->run[i] & FIRSTBYTE_RUN_WS)
			m |= 1u << QUAD_SPACE;
		if (st->run[i] & FIRSTBYTE_RUN_DIGIT)
			m |= 1u << QUAD_DIGIT;
	}
	return m;
}

/*
 * The windows of four bytes abcd whose pair ab the step table leaves
 * undecided (STEP_SLOW, STEP_NODE), where firstbyte_prefix_at() over
 * the text "abcd" alone says yes.  That no holds in any text that
 * starts so: a walk that reaches the end of its text says yes, so one
 * that says no read nothing past the window, and no run of white space
 * or digits it stepped over went on past it.  A window's bit stands for
 * all the bytes of its classes: set when any of them goes on.  The
 * walks are followed together (struct quad_state) over each of a, b and
 * c by its step table index (step_byte()), d by the classes each goes
 * on with (quad_mask()).
 */
static int
quads_build(struct firstbyte_table *t)
{
	struct quad_state *st;
	uint32_t q;
	unsigned int a, b, c;

	if ((t->quads = calloc(QUADS, sizeof(*t->quads))) == NULL ||
	    (st = calloc(4, sizeof(*st))) == NULL)
		return -1;
	for (a = 0; a < FIRSTBYTE_BYTES; a++)
		t->quad_of[a] = quad_class((unsigned char)a);
	st[0].n = 1;	/* at the root */
	for (a = 0; a < 128; a++) {
		quad_step(t, &st[0], step_byte(a), &st[1]);
		for (b = 0; b < 128; b++) {
			if (t->steps[a << 7 | b] < STEP_SLOW)
				continue;	/* settled by the pair */
			quad_step(t, &st[1], step_byte(b), &st[2]);
			q = (uint32_t)t->quad_of[step_byte(a)] << 10 |
			    (uint32_t)t->quad_of[step_byte(b)] << 5;
			for (c = 0; c < 128; c++) {
				quad_step(t, &st[2], step_byte(c), &st[3]);
				t->quads[q | t->quad_of[step_byte(c)]] |=
				    quad_mask(t, &st[3]);
			}
		}
	}
	free(st);
	return 0;
}

/*
 * The pattern of what a beginning's first token may match: its first
 * bytes at the root (ASCII, taken caselessly) and its runs there.
 */
static int
high_first_pattern(const struct firstbyte_table *t, struct buf *pat)
{
	unsigned int c;
	int rc = 0;

	rc |= buf_adds(pat, "[");
	if (t->nodes[0].runs & FIRSTBYTE_RUN_WS)
		rc |= buf_adds(pat, "\\s");
	if (t->nodes[0].runs & FIRSTBYTE_RUN_DIGIT)
		rc |= buf_adds(pat, "\\d");
	for (c = 0; c < 0x80; c++)
		if (t->root[c] != 0)
			rc |= buf_printf(pat, "\\x{%x}", c);
	rc |= buf_adds(pat, "]");
	return rc == 0 ? 0 : -1;
}

/*
 * Every non-ASCII character below FIRSTBYTE_HIGH_CHARS (no surrogates)
 * in one text, searched for what a beginning's first token may match:
 * PCRE2 says which, caselessly, with its own Unicode tables (digits
 * under UCP, 'k' and U+212A).  A beginning starts with an ASCII byte
 * or a run of digits (seqs_add()); an alternative whose first character
 * is another non-ASCII one has none, and its first bytes are always
 * tried.  -1 when out of memory; a pattern PCRE2 refuses leaves
 * t->high_first unmade, which is slower, never wrong.
 */
static int
high_first_build(struct firstbyte_table *t)
{
	pcre2_match_data *md = NULL;
	pcre2_code *re = NULL;
	unsigned char *text;
	PCRE2_SIZE eoff, *ov;
	struct buf pat;
	uint32_t c;
	size_t n = 0, off;
	int ec, rc = -1;

	if (!(t->options & PCRE2_UTF))
		return 0;
	if ((text = malloc(4 * FIRSTBYTE_HIGH_CHARS)) == NULL)
		return -1;
	buf_init(&pat, 4096);
	for (c = 0x80; c < FIRSTBYTE_HIGH_CHARS; c++)
		if (c < 0xd800 || c > 0xdfff)
			n += str_utf8_put(text + n, c);
	if (high_first_pattern(t, &pat) == -1)
		goto out;
	if ((re = pcre2_compile((PCRE2_SPTR)pat.data, pat.len, t->options |
	    PCRE2_CASELESS, &ec, &eoff, NULL)) == NULL) {
		rc = 0;
		goto out;
	}
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	if ((md = pcre2_match_data_create(1, NULL)) == NULL ||
	    (t->high_first = calloc(FIRSTBYTE_HIGH_CHARS / 8, 1)) == NULL)
		goto out;
	ov = pcre2_get_ovector_pointer(md);
	for (off = 0; pcre2_match(re, text, n, off, PCRE2_NO_UTF_CHECK, md,
	    NULL) > 0; off = ov[1]) {
		c = 0;
		for (off = ov[0]; off < ov[1]; off++)
			c = off == ov[0] ? text[off] & (text[off] < 0xe0 ?
			    0x1f : text[off] < 0xf0 ? 0x0f : 0x07) :
			    c << 6 | (text[off] & 0x3f);
		t->high_first[c >> 3] |= (uint8_t)(1u << (c & 7));
	}
	rc = 0;
out:
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	buf_free(&pat);
	free(text);
	return rc;
}

bool
firstbyte_high_first(const struct firstbyte_table *t, const unsigned char *s,
    size_t len, size_t p)
{
	uint32_t c;

	if (t->high_first == NULL)
		return true;
	if (s[p] < 0xe0 && p + 1 < len)
		c = (uint32_t)(s[p] & 0x1f) << 6 | (s[p + 1] & 0x3f);
	else if (s[p] < 0xf0 && p + 2 < len)
		c = (uint32_t)(s[p] & 0x0f) << 12 |
		    (uint32_t)(s[p + 1] & 0x3f) << 6 | (s[p + 2] & 0x3f);
	else if (s[p] == 0xf0 && p + 3 < len)
		c = (uint32_t)(s[p + 1] & 0x3f) << 12 |
		    (uint32_t)(s[p + 2] & 0x3f) << 6 | (s[p + 3] & 0x3f);
	else
		return true;	/* past the table, or cut short */
	return c >= FIRSTBYTE_HIGH_CHARS ||
	    ((t->high_first[c >> 3] >> (c & 7)) & 1u);
}

int
firstbyte_steps_build(struct firstbyte_table *t)
{
	unsigned int a, b;

	free(t->steps);
	t->steps = NULL;
	free(t->quads);
	t->quads = NULL;
	free(t->high_first);
	t->high_first = NULL;
	if (t->n_nodes == 0 || t->n_nodes > UINT32_MAX - STEP_NODE)
		return 0;	/* nothing to walk; or no room for a node */
	if ((t->steps = calloc(STEPS, sizeof(*t->steps))) == NULL)
		return -1;
	for (a = 0; a < FIRSTBYTE_BYTES; a++)
		t->step_of[a] = walk_byte[a] == WALK_HIGH ? STEP_HIGH :
		    walk_byte[a];
	for (a = 0; a < 128; a++)
		for (b = 0; b < 128; b++)
			t->steps[a << 7 | b] = step_pair(t, step_byte(a),
			    step_byte(b));
	if (quads_build(t) == -1)
		return -1;
	return high_first_build(t);
}

/*
 * The first step is by the root's table, the rest by firstbyte_walk();
 * or the first two at once by the step table.  The root goes on with a
 * run (a beginning with a number) as firstbyte_walk()'s nodes do.
 */
bool
firstbyte_prefix_at(const struct firstbyte_table *t, const unsigned char *s,
    size_t len, size_t p)
{
	uint32_t at, w;
	unsigned char b;
	uint8_t r;
	size_t q;

	if (t->n_nodes == 0 || p >= len)
		return true;
	if (t->steps != NULL && p + 1 < len) {
		at = t->steps[(uint32_t)t->step_of[s[p]] << 7 |
		    t->step_of[s[p + 1]]];
		if (at >= STEP_NODE)
			return firstbyte_walk(t, at - STEP_NODE, s, len, p + 2);
		if (at != STEP_SLOW)
			return at == STEP_YES;
	}
	if ((b = walk_byte[s[p]]) == WALK_HIGH)
		return true;
	if ((r = t->nodes[0].runs & walk_run[s[p]]) != 0) {
		w = run_step(&t->nodes[0], r, s, len, p, &q);
		if (t->nodes[w].end || firstbyte_walk(t, w, s, len, q))
			return true;
	}
	if ((at = t->root[b]) == 0)
		return false;
	return t->nodes[at].end || firstbyte_walk(t, at, s, len, p + 1);
}

/*
 * Whether node n has a way on at byte c: a child for it, a run it
 * starts, or a caseless partner maybe (firstbyte_walk()'s first step).
 */
static bool
node_goes_on(const struct firstbyte_node *n, unsigned char c)
{
	unsigned char b = walk_byte[c];

	/* WALK_HIGH has no bit in kids[]: only the mark can go on. */
	if (b == WALK_HIGH)
		return n->high || (n->runs & walk_run[c]) != 0;
	return (n->runs & walk_run[c]) != 0 ||
	    ((n->kids[b >> 6] >> (b & 63)) & 1u);
}

/*
 * A pair is left out only where firstbyte_prefix_at() fails at its
 * first or second step; any longer walk keeps it.
 */
void
firstbyte_pairs(const struct firstbyte_table *t,
    uint8_t pairs[FIRSTBYTE_PAIRS / 8])
{
	const struct firstbyte_node *n;
	unsigned int a, c;
	uint32_t at;
	bool all;

	memset(pairs, 0, FIRSTBYTE_PAIRS / 8);
	for (a = 0; a < FIRSTBYTE_BYTES; a++) {
		all = t->n_nodes == 0 || walk_byte[a] == WALK_HIGH ||
		    (t->nodes[0].runs & walk_run[a]) != 0;
		at = all ? 0 : t->root[walk_byte[a]];
		if (!all && at == 0)
			continue;
		n = &t->nodes[at];
		for (c = 0; c < FIRSTBYTE_BYTES; c++)
			if (all || n->end || node_goes_on(n, (unsigned char)c))
				bit_set(pairs, a << 8 | c);
	}
}

static pcre2_code *
group_compile(const struct buf *src, uint32_t options, const char *what,
    char *err, size_t errlen)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE eoff;
	pcre2_code *re;
	int ec;

	re = rxspace_compile(src->data, src->len, options | PCRE2_ANCHORED,
	    &ec, &eoff);
	if (re == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(err, errlen, "%s: joined patterns: %s", what, msg);
		return NULL;
	}
	/* Without JIT (some platforms) the interpreter still works. */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

int
firstbyte_build(struct firstbyte_table *t, firstbyte_source_fn *source,
    void *arg, uint32_t options, size_t max, const char *what, char *err,
    size_t errlen)
{
	char *seen[FIRSTBYTE_BYTES] = { NULL };
	unsigned int c, d;
	struct buf src;
	int rc = -1;

	buf_init(&src, max);
	for (c = 0; c < FIRSTBYTE_BYTES; c++) {
		t->group_of[c] = FIRSTBYTE_NONE;
		if (c >= 0x80 && c < 0xc0)
			continue;
		buf_reset(&src);
		if (source(arg, c, &src) == -1) {
			snprintf(err, errlen, "%s: patterns too long", what);
			goto out;
		}
		if (src.len == 0)
			continue;
		for (d = 0; d < c; d++)
			if (seen[d] != NULL && strcmp(seen[d], src.data) == 0)
				break;
		if (d < c) {
			t->group_of[c] = t->group_of[d];
			continue;
		}
		if ((seen[c] = strdup(src.data)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if ((t->groups[t->n_groups] = group_compile(&src, options,
		    what, err, errlen)) == NULL)
			goto out;
		t->group_of[c] = (uint16_t)t->n_groups++;
	}
	rc = 0;
out:
	for (c = 0; c < FIRSTBYTE_BYTES; c++)
		free(seen[c]);
	buf_free(&src);
	return rc;
}

void
firstbyte_free(struct firstbyte_table *t)
{
	size_t i;

	for (i = 0; i < t->n_groups; i++)
		pcre2_code_free(t->groups[i]);
	t->n_groups = 0;
	free(t->nodes);
	t->nodes = NULL;
	t->n_nodes = t->cap_nodes = 0;
	free(t->dense);
	t->dense = NULL;
	t->n_dense = 0;
	free(t->steps);
	t->steps = NULL;
	free(t->quads);
	t->quads = NULL;
	free(t->high_first);
	t->high_first = NULL;
	memset(t->root, 0, sizeof(t->root));
}
