/*
 * fuzz_spf.c - libFuzzer target for the SPF record parser and the macro
 * checker/expander (RFC 7208 4.6, 7).  Input: one TXT string.  A macro
 * string that passes the check must expand within the ceiling or fail
 * cleanly; nothing may crash or read past the input.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "auth/spf.h"
#include "util/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spf_macro_env env;
	struct arena *a;
	const char *why, *s = (const char *)data;
	bool ends;

	if ((a = arena_new(16u * 1024 * 1024)) == NULL)
		return 0;
	(void)spf_record_parse(a, s, size, &why);
	(void)spf_record_is_v1(s, size);
	memset(&env, 0, sizeof(env));
	env.sender = "a-b.c@example.com";
	env.local = "a-b.c";
	env.sender_domain = env.domain = "sub.example.com";
	env.helo = "mail.example.net";
	env.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", env.ip);
	if (spf_macro_check(s, size, true, &ends) == NULL)
		(void)spf_macro_expand(&env, a, s, size, true);
	if (spf_macro_check(s, size, false, &ends) == NULL)
		(void)spf_macro_expand(&env, a, s, size, false);
	arena_free(a);
	return 0;
}
