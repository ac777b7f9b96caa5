/*
 * checks.h - the table of content checks.
 *
 * A check is a function (const struct message *, struct scan *) that
 * adds symbols and nothing else.  Adding a check is one file in
 * src/detect/ and one line in the table in checks.c.  The checks are
 * declared weak so the table can name a check whose file is not built
 * yet; checks_run() skips those.
 */
#ifndef MT_CHECKS_H
#define MT_CHECKS_H

struct message;
struct scan;

typedef void check_fn(const struct message *, struct scan *);

struct check {
	const char	*name;
	check_fn	*run;
};

/* Runs every check in table order. */
void		 checks_run(struct scan *);
/* The table, for listing; entries whose check is not built have run NULL. */
const struct check *checks_table(unsigned *n);

check_fn	check_defects;
check_fn	check_self_spoof	__attribute__((weak));
check_fn	check_brand		__attribute__((weak));
check_fn	check_pressure		__attribute__((weak));
check_fn	check_links		__attribute__((weak));
check_fn	check_sender		__attribute__((weak));
check_fn	check_attachments	__attribute__((weak));
check_fn	check_antivirus		__attribute__((weak));
check_fn	check_bayes		__attribute__((weak));
check_fn	check_history		__attribute__((weak));
check_fn	check_bulk		__attribute__((weak));

#endif
