/*
 * fuzz_tokenize.c - libFuzzer target: the Bayes tokenizer.
 *
 * The input is tokenized twice: as a bare UTF-8 text (tokenize_text,
 * the cursor over words) and as a whole message through message_parse
 * and tokenize_message (headers, links, parts).  Aborts when a token
 * breaks the tokenizer's promises: empty, over TOKENIZE_TOKEN_MAX,
 * more than the set's max, or a duplicate.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/tokenize.h"
#include "mime/message.h"
#include "util/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
verify(const struct tokenize_set *t, size_t max)
{
	size_t i, j, len;

	if (t->n > max)
		abort();
	for (i = 0; i < t->n; i++) {
		len = strlen(t->v[i]);
		if (len == 0 || len > TOKENIZE_TOKEN_MAX)
			abort();
		/* Quadratic, but a set holds at most a few thousand. */
		for (j = i + 1; j < t->n; j++)
			if (strcmp(t->v[i], t->v[j]) == 0)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct tokenize_set t;
	struct message *m;
	struct arena *a;

	if (len > 1u << 20)
		return 0;
	a = arena_new(64u * 1024 * 1024);
	if (tokenize_init(&t, a, 300) == 0 &&
	    tokenize_text(&t, "subj:", (const char *)data, len) == 0)
		verify(&t, 300);
	if ((m = message_parse(a, (const char *)data, len, NULL)) != NULL &&
	    tokenize_init(&t, a, TOKENIZE_MAX_TOKENS) == 0 &&
	    tokenize_message(&t, m) == 0)
		verify(&t, TOKENIZE_MAX_TOKENS);
	arena_free(a);
	return 0;
}
