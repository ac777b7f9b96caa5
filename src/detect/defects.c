/*
 * defects.c - what was wrong with the message's form.
 *
 * The parser records rule breaks as defect bits instead of failing; this
 * check turns each into a symbol.  Most are weak evidence on their own
 * (real mailers break rules too), which is why their weights in
 * data/scores are small; a missing From (RFC 5322 3.6 requires exactly
 * one) or a message cut at the size limit weigh more.
 */
#include <stddef.h>

#include "checks.h"
#include "mime/message.h"
#include "scan/scan.h"

static const struct {
	unsigned	 bit;
	const char	*symbol;
} defect_symbols[] = {
	{ MSG_DEF_TRUNCATED,		"MSG_TRUNCATED" },
	{ MSG_DEF_NO_BODY_SEP,		"MSG_NO_BODY_SEPARATOR" },
	{ MSG_DEF_HEADER_SYNTAX,	"MSG_HEADER_SYNTAX" },
	{ MSG_DEF_TOO_MANY_HEADERS,	"MSG_TOO_MANY_HEADERS" },
	{ MSG_DEF_TOO_MANY_PARTS,	"MSG_TOO_MANY_PARTS" },
	{ MSG_DEF_TOO_DEEP,		"MSG_TOO_DEEP" },
	{ MSG_DEF_NO_FROM,		"MSG_NO_FROM" },
	{ MSG_DEF_MULTIPLE_FROM,	"MSG_MULTIPLE_FROM" },
	{ MSG_DEF_BAD_FROM,		"MSG_BAD_FROM" },
	{ MSG_DEF_NO_DATE,		"MSG_NO_DATE" },
	{ MSG_DEF_BAD_DATE,		"MSG_BAD_DATE" },
	{ MSG_DEF_NO_MESSAGE_ID,	"MSG_NO_MESSAGE_ID" },
	{ MSG_DEF_8BIT_HEADER,		"MSG_8BIT_HEADER" },
	{ MSG_DEF_BAD_ENCODING,		"MSG_BAD_ENCODING" },
	{ MSG_DEF_BAD_CHARSET,		"MSG_BAD_CHARSET" },
	{ MSG_DEF_BAD_MULTIPART,	"MSG_BAD_MULTIPART" },
	{ MSG_DEF_NUL_BYTES,		"MSG_NUL_BYTES" },
	{ MSG_DEF_LONG_LINE,		"MSG_LONG_LINE" },
	{ MSG_DEF_DUP_HEADER,		"MSG_DUPLICATE_HEADER" },
	{ MSG_DEF_TOO_MANY_LINKS,	"MSG_TOO_MANY_LINKS" },
	{ MSG_DEF_ARCHIVE,		"MSG_BAD_ARCHIVE" },
	{ MSG_DEF_MIXED_EOL,		"MSG_MIXED_LINE_ENDS" },
};

void
check_defects(const struct message *m, struct scan *s)
{
	size_t i;

	for (i = 0; i < sizeof(defect_symbols) / sizeof(defect_symbols[0]);
	    i++)
		if (m->defects & defect_symbols[i].bit)
			scan_symbol(s, defect_symbols[i].symbol);
}
