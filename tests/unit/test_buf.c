/*
 * test_buf.c - bounded buffers refuse to grow past their maximum.
 */
#include "tap.h"
#include "util/buf.h"
#include "util/str.h"

int
main(void)
{
	struct buf b;
	const char *t;
	size_t n;

	buf_init(&b, 10);
	ok(buf_adds(&b, "hello") == 0, "add within max");
	ok(buf_printf(&b, "%d", 1234) == 0, "printf within max");
	is_str(b.data, "hello1234", "contents");
	ok(buf_adds(&b, "xy") == -1, "add past max fails");
	is_str(b.data, "hello1234", "failed add leaves buffer unchanged");
	ok(buf_addc(&b, '!') == 0 && b.len == 10, "exactly max is allowed");
	buf_free(&b);

	ok(str_ieq("Content-Type", 12, "content-type"), "str_ieq folds case");
	ok(!str_ieq("Content-Typ", 11, "content-type"), "str_ieq length");
	ok(!str_ieq("Content-Type-X", 14, "content-type"),
	    "str_ieq: a longer a is not equal");
	ok(!str_ieq("x\0", 2, "x"), "str_ieq: a NUL in a is not the end");
	ok(str_ieq("", 0, ""), "str_ieq: both empty");
	ok(!str_ieq("", 0, "a"), "str_ieq: empty a");
	ok(str_isuffix("mail.Example.COM", 16, ".example.com"), "isuffix");
	t = "  \t value \r\n";
	n = 12;
	str_trim(&t, &n);
	ok(n == 5 && t[0] == 'v', "trim");
	is_int(str_to_ll("12345", 5, 99999), 12345, "to_ll");
	is_int(str_to_ll("123456", 6, 99999), -1, "to_ll over max");
	is_int(str_to_ll("12a", 3, 999), -1, "to_ll junk");
	ok(str_imem("abcDEFg", 7, "def", 3) != NULL, "imem finds");
	return tap_done();
}
