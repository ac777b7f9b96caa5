/*
 * firstbyte.c - patterns grouped by the byte a match can start on (see
 * firstbyte.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/firstbyte.h"
#include "util/buf.h"

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

static pcre2_code *
group_compile(const struct buf *src, uint32_t options, const char *what,
    char *err, size_t errlen)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE eoff;
	pcre2_code *re;
	int ec;

	re = pcre2_compile((PCRE2_SPTR)src->data, src->len,
	    options | PCRE2_ANCHORED, &ec, &eoff, NULL);
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
}
