/*
 * checks.h - the table of content checks.
 *
 * A check is a function (const struct message *, struct scan *) that
 * adds symbols and nothing else.  Adding a check is one file in
 * src/detect/ and one line in the table in checks.c.
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
/* The table, for listing. */
const struct check *checks_table(unsigned *n);

check_fn	check_defects;
check_fn	check_self_spoof;
check_fn	check_brand;
check_fn	check_pressure;
check_fn	check_links;
check_fn	check_sender;
check_fn	check_attachments;
check_fn	check_antivirus;
check_fn	check_bayes;
check_fn	check_history;
check_fn	check_bulk;

#endif
