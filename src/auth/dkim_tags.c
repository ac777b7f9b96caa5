/*
 * dkim_tags.c - the tag=value lists of DKIM signatures, DKIM key records
 * and ARC fields (RFC 6376 3.2, used by RFC 8617 4.1).
 *
 * A pure cursor over (pointer, length): no copies, the tags point into
 * the input.  Tag names are case-sensitive; a duplicate name, an empty
 * tag-spec (";;") or a name that is not ALPHA *(ALPHA / DIGIT / "_") make
 * the whole list invalid, as 3.2 says ('-' inside a name is forgiven).
 * Values keep their inner FWS; dkim_tags_nows() removes it for the tags
 * whose grammar allows it anywhere (b=, bh=, p=, h=).
 *
 * Limits: DKIM_TAGS_MAX tags per list.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "auth/dkim.h"
#include "util/arena.h"

/* Byte classes of the tag-list grammar, RFC 6376 3.2. */
#define C_FWS	0x01	/* SP, HTAB, CR, LF */
#define C_ALPHA	0x02
#define C_NAME	0x04	/* ALNUMPUNC, and '-' (below) */
#define C_VAL	0x08	/* VALCHAR, and octets above 0x7e (below) */

static unsigned char tag_class[256];
static pthread_once_t tag_class_once = PTHREAD_ONCE_INIT;

/*
 * ALNUMPUNC is ALPHA / DIGIT / "_".  '-' is accepted too: key records in
 * the wild carry tags such as "x-extra=", which 3.6.1 says to ignore, and
 * refusing the whole key for an unknown tag's spelling would be harsher
 * than the RFC's intent.  A name must still start with a letter.
 *
 * VALCHAR is %x21-3A / %x3C-7E.  Octets above 0x7e are let through: z=
 * copies of internationalised fields carry them, and refusing the
 * signature for a diagnostic tag would help nobody.
 */
static void
tag_class_init(void)
{
	unsigned c;

	for (c = 0; c < 256; c++) {
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			tag_class[c] |= C_FWS;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			tag_class[c] |= C_ALPHA | C_NAME;
		if ((c >= '0' && c <= '9') || c == '_' || c == '-')
			tag_class[c] |= C_NAME;
		if (c >= 0x21 && c != ';' && c != 0x7f)
			tag_class[c] |= C_VAL;
	}
}

static bool
is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Whether the list already has this name; one-letter names by bit. */
static bool
seen_before(const struct dkim_tags *t, const struct dkim_tag *tag,
    uint64_t *letters)
{
	size_t j;
	unsigned c, bit;

	if (tag->name_len == 1) {
		c = (unsigned char)tag->name[0];
		bit = c >= 'a' ? c - 'a' : c - 'A' + 26;
		if (*letters & (1ULL << bit))
			return true;
		*letters |= 1ULL << bit;
		return false;
	}
	for (j = 0; j < t->n; j++)
		if (t->v[j].name_len == tag->name_len &&
		    memcmp(t->v[j].name, tag->name, tag->name_len) == 0)
			return true;
	return false;
}

int
dkim_tags_parse(const char *s, size_t len, struct dkim_tags *t,
    const char **why)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, j, vend;
	struct dkim_tag *tag;
	uint64_t letters = 0;
	bool cr;

	(void)pthread_once(&tag_class_once, tag_class_init);
	t->n = 0;
	for (;;) {
		while (i < len && (tag_class[u[i]] & C_FWS))
			i++;
		/* "[;] [FWS]" may end the list; so may nothing at all. */
		if (i == len)
			return 0;
		if (s[i] == ';') {
			*why = "empty tag (\";;\") in tag list";
			return -1;
		}
		if (!(tag_class[u[i]] & C_ALPHA)) {
			*why = "tag name does not start with a letter";
			return -1;
		}
		if (t->n == DKIM_TAGS_MAX) {
			*why = "too many tags";
			return -1;
		}
		tag = &t->v[t->n];
		tag->name = s + i;
		while (i < len && (tag_class[u[i]] & C_NAME))
			i++;
		tag->name_len = (size_t)(s + i - tag->name);
		while (i < len && (tag_class[u[i]] & C_FWS))
			i++;
		if (i == len || s[i] != '=') {
			*why = "tag without '='";
			return -1;
		}
		i++;
		tag->raw_off = i;
		while (i < len && (tag_class[u[i]] & C_FWS))
			i++;
		tag->value = s + i;
		vend = i;
		cr = false;
		/* Runs of VALCHAR, then one FWS octet, up to ';' or the end. */
		for (;;) {
			for (j = i; i < len && (tag_class[u[i]] & C_VAL); i++)
				;
			if (i != j)
				vend = i;
			if (i == len || s[i] == ';')
				break;
			if (!(tag_class[u[i]] & C_FWS)) {
				*why = "control character in tag value";
				return -1;
			}
			cr = cr || s[i] == '\r';
			i++;
		}
		tag->value_len = vend - (size_t)(tag->value - s);
		tag->raw_end = i;
		/* FWS inside a value must be folding or WSP, not bare CR. */
		for (j = (size_t)(tag->value - s); cr && j < vend; j++)
			if (s[j] == '\r' &&
			    (j + 1 >= vend || s[j + 1] != '\n')) {
				*why = "bare CR in tag value";
				return -1;
			}
		if (seen_before(t, tag, &letters)) {
			*why = "duplicate tag";
			return -1;
		}
		t->n++;
		if (i == len)
			return 0;
		i++;		/* the ';' */
	}
}

const struct dkim_tag *
dkim_tags_get(const struct dkim_tags *t, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < t->n; i++)
		if (t->v[i].name_len == n &&
		    memcmp(t->v[i].name, name, n) == 0)
			return &t->v[i];
	return NULL;
}

char *
dkim_tags_nows(struct arena *a, const char *v, size_t len, size_t *outlen)
{
	char *out;
	size_t i, n = 0;

	if ((out = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		if (!is_fws(v[i]))
			out[n++] = v[i];
	out[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	return out;
}
