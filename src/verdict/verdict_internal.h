/*
 * verdict_internal.h - the score table's layout, shared by scores.c and
 * verdict.c only.
 */
#ifndef MT_VERDICT_INTERNAL_H
#define MT_VERDICT_INTERNAL_H

#include "verdict.h"

struct score_entry {
	char	*name;
	double	 weight;
	int	 cls;
};

struct score_table {
	struct score_entry *v;
	size_t		 n, cap;
	double		 threshold[VERDICT_COUNT];
	double		 phish_minimum;
	enum action	 action[VERDICT_COUNT];
};

#endif
