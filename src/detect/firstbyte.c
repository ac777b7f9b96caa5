/*
 * firstbyte.c - patterns grouped by the byte a match can start on (see
 * firstbyte.h).
 */
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

#define PREFIX_MAX	32

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

/*
 * The plain characters at the start of p..end, lower-cased, into out;
 * one that a quantifier may leave out ends the beginning before it.
 * When the run stops at a literal non-ASCII character that must be
 * there and matches no ASCII character, *wide is set: the beginning
 * then goes on with a non-ASCII byte ("di" of "diät"), so a text with
 * an ASCII byte there ("die") cannot match.
 */
static size_t
plain_run(const char *p, const char *end, uint32_t options,
    unsigned char *out, bool *wide)
{
	const char *c;
	size_t n = 0;
	int ch;

	*wide = false;
	while (n < PREFIX_MAX && (ch = plain_char(&p, end)) != -1) {
		if (p < end && strchr("*?{", *p) != NULL)
			break;
		out[n++] = str_lc((unsigned char)ch);
		if (p < end && *p == '+')
			return n;
	}
	if (n == 0 || n == PREFIX_MAX || p >= end ||
	    (unsigned char)*p < 0xc0)
		return n;
	for (c = p + 1; c < end && ((unsigned char)*c & 0xc0) == 0x80; c++)
		;
	if (c < end && strchr("*?{", *c) != NULL)
		return n;	/* the character may be left out */
	*wide = !any_ascii_partner(p, end, options);
	return n;
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
 * The child of node at for byte b (< 0x80), or 0: through the node's
 * table when it has one (FIRSTBYTE_DENSE children or more), else along
 * its list.
 */
static uint32_t
node_child(const struct firstbyte_table *t, uint32_t at, unsigned char b)
{
	const struct firstbyte_node *n = &t->nodes[at];
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
 * Adds one beginning; -1 when out of memory.  A wide one (plain_run)
 * leaves its last node open, so only a non-ASCII byte goes on there.
 */
static int
prefix_insert(struct firstbyte_table *t, const unsigned char *b, size_t n,
    bool wide)
{
	uint32_t at = 0, k;
	size_t i;

	if (t->n_nodes == 0 && (node_new(t, 0) != 0 || t->n_nodes == 0))
		return -1;	/* the root is node 0 */
	for (i = 0; i < n; i++) {
		k = i == 0 ? t->root[b[0]] : node_child(t, at, b[i]);
		if (k == 0) {
			if ((k = node_new(t, b[i])) == 0)
				return -1;
			if (i == 0)
				t->root[b[0]] = k;
			else if (node_link(t, at, k, b[i]) == -1)
				return -1;
		}
		at = k;
	}
	if (!wide)
		t->nodes[at].end = true;
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

/*
 * The beginnings of alt: its own plain run, or one per branch when it is
 * an alternation (firstbyte_branches), read again when a branch is a
 * group itself; a leading \b is passed over.  A branch without one has
 * its own first bytes (within first, alt's) always tried.  Returns 1
 * when done, 0 when alt has no beginning at all, -1 when out of memory.
 */
static int
alt_prefixes(struct firstbyte_table *t, const char *p, const char *end,
    const uint8_t first[FIRSTBYTE_SET], uint32_t options)
{
	size_t off[FIRSTBYTE_MAX_BRANCHES], len[FIRSTBYTE_MAX_BRANCHES];
	uint8_t bfirst[FIRSTBYTE_SET];
	unsigned char b[PREFIX_MAX];
	size_t i, j, k, n, suffix;
	char *copy;
	bool wide;
	int rc = 1, r;

	if (memmem(p, (size_t)(end - p), "[]", 2) != NULL ||
	    memmem(p, (size_t)(end - p), "[^]", 3) != NULL)
		return 0;	/* a class with a leading ']': not read here */
	if (end - p >= 5 && memcmp(p, "(?-i:", 5) == 0)
		p += 5;
	/* A word boundary takes no room: the beginning starts with it. */
	if (end - p >= 2 && p[0] == '\\' && p[1] == 'b')
		p += 2;
	if (end - p < 3 || memcmp(p, "(?:", 3) != 0) {
		if ((k = plain_run(p, end, options, b, &wide)) == 0)
			return 0;
		return prefix_insert(t, b, k, wide) == -1 ? -1 : 1;
	}
	if ((copy = strndup(p, (size_t)(end - p))) == NULL)
		return -1;
	if ((n = firstbyte_branches(copy, &suffix, off, len,
	    FIRSTBYTE_MAX_BRANCHES)) == 0)
		rc = 0;
	for (i = 0; i < n && rc == 1; i++) {
		if ((k = plain_run(copy + off[i], copy + off[i] + len[i],
		    options, b, &wide)) > 0) {
			if (prefix_insert(t, b, k, wide) == -1)
				rc = -1;
			continue;
		}
		/* Alone, the branch may say more than alt does: keep both. */
		firstbyte_of(copy + off[i], len[i], options, bfirst);
		for (j = 0; j < FIRSTBYTE_SET; j++)
			bfirst[j] &= first[j];
		/* A branch that is itself a group: its branches' beginnings. */
		if ((r = alt_prefixes(t, copy + off[i], copy + off[i] + len[i],
		    bfirst, options)) == -1)
			rc = -1;
		else if (r == 0)
			mark_always(t, copy + off[i], copy + off[i] + len[i],
			    bfirst, options);
	}
	free(copy);
	return rc;
}

int
firstbyte_prefixes_add(struct firstbyte_table *t, const char *alt,
    size_t len, const uint8_t first[FIRSTBYTE_SET], uint32_t options)
{
	int n;

	t->prefixes = true;
	if ((n = alt_prefixes(t, alt, alt + len, first, options)) == -1)
		return -1;
	if (n == 0)
		mark_always(t, alt, alt + len, first, options);
	return 0;
}

bool
firstbyte_prefix_at(const struct firstbyte_table *t, const unsigned char *s,
    size_t len, size_t p)
{
	uint32_t at = 0;

	if (t->n_nodes == 0)
		return true;
	for (; p < len; p++) {
		if (s[p] >= 0x80)
			return true;	/* a caseless partner, maybe */
		at = at == 0 ? t->root[str_lc(s[p])] :
		    node_child(t, at, str_lc(s[p]));
		if (at == 0)
			return false;
		if (t->nodes[at].end)
			return true;
	}
	return true;	/* the text ends inside a beginning: let PCRE2 say */
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
	memset(t->root, 0, sizeof(t->root));
}
