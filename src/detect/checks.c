/*
 * checks.c - the check table.  Order is the order of evidence in the
 * output; it does not change the score.  Checks that read what another
 * check found come after it (brand impersonation reads the link findings
 * only through symbols, so order is free today).
 */
#include <stddef.h>

#include "checks.h"
#include "scan/scan.h"

static const struct check table[] = {
	{ "defects",		check_defects },
	{ "self_spoof",		check_self_spoof },
	{ "sender",		check_sender },
	{ "brand",		check_brand },
	{ "pressure",		check_pressure },
	{ "links",		check_links },
	{ "bulk",		check_bulk },
	{ "attachments",	check_attachments },
	{ "antivirus",		check_antivirus },
	{ "history",		check_history },
	{ "bayes",		check_bayes },
};

const struct check *
checks_table(unsigned *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}

void
checks_run(struct scan *s)
{
	unsigned i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		table[i].run(s->msg, s);
}
