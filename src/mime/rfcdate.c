/*
 * rfcdate.c - RFC 5322 3.3 date-time to time_t.
 *
 * Accepts the obsolete forms of RFC 5322 4.3 as real mail uses them:
 * comments and folding anywhere, two- and three-digit years (4.3: add
 * 1900 to three digits and to two digits of 50 or more, else 2000), the
 * zone names UT, GMT and the North American ones, and military letters
 * (read as -0000, "unknown", as 4.3 advises).  Also tolerated: missing
 * day-of-week, missing seconds, missing zone (taken as UTC), '.' as
 * the time separator, "+-0500", and the Y2K bug's "0102" for 2002.
 *
 * A pure cursor over (pointer, length); no allocation, no locale, no
 * TZ: the civil-to-epoch arithmetic is done here.
 */
#include "mime/mimeint.h"
#include "util/str.h"

struct dcur {
	const char	*p;
	const char	*end;
};

/* White space, commas and (nested) comments separate tokens. */
static void
skip_cfws(struct dcur *c)
{
	int depth = 0;

	while (c->p < c->end) {
		char ch = *c->p;

		if (ch == '(')
			depth++;
		else if (ch == ')' && depth > 0)
			depth--;
		else if (depth == 0 && ch != ' ' && ch != '\t' && ch != '\r' &&
		    ch != '\n' && ch != ',')
			return;
		c->p++;
	}
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
read_num(struct dcur *c, int maxdigits, int *ndigits)
{
	int v = 0, n = 0;

	while (c->p < c->end && is_digit(*c->p) && n < maxdigits) {
		v = v * 10 + (*c->p - '0');
		c->p++;
		n++;
	}
	*ndigits = n;
	return v;
}

static size_t
read_word(struct dcur *c, const char **w)
{
	*w = c->p;
	while (c->p < c->end && is_alpha(*c->p))
		c->p++;
	return (size_t)(c->p - *w);
}

static int
month_of(const char *w, size_t n)
{
	static const char *const names[] = { "jan", "feb", "mar", "apr",
	    "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec" };
	int i;

	if (n < 3)
		return -1;
	/*
	 * The first letter before str_ieqn(): c | 0x20 is a given
	 * lower-case letter only when c is that letter in either case.
	 */
	for (i = 0; i < 12; i++)
		if (((unsigned char)w[0] | 0x20) == (unsigned char)names[i][0] &&
		    str_ieqn(w, 3, names[i], 3))
			return i + 1;
	return -1;
}

/* Offset in minutes east of UTC for an obs-zone name (RFC 5322 4.3). */
static bool
zone_name(const char *w, size_t n, int *off)
{
	static const struct {
		const char	*name;
		int		 hours;
	} z[] = {
		{ "ut", 0 }, { "gmt", 0 }, { "utc", 0 }, { "z", 0 },
		{ "est", -5 }, { "edt", -4 }, { "cst", -6 }, { "cdt", -5 },
		{ "mst", -7 }, { "mdt", -6 }, { "pst", -8 }, { "pdt", -7 },
	};
	size_t i;

	for (i = 0; i < sizeof(z) / sizeof(z[0]); i++)
		if (str_ieq(w, n, z[i].name)) {
			*off = z[i].hours * 60;
			return true;
		}
	/* Military zones and anything else alphabetic: unknown, -0000. */
	*off = 0;
	return n > 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool
rfcdate_parse(const char *s, size_t len, time_t *out)
{
	struct dcur c = { s, s + len };
	const char *w;
	size_t wn;
	int day, mon, year, hh, mm, ss = 0, off = 0, nd, sign;
	long long t;

	skip_cfws(&c);
	/* The day-of-week is not checked; it may even be localised 8-bit. */
	while (c.p < c.end && !is_digit(*c.p))
		c.p++;
	day = read_num(&c, 2, &nd);
	if (nd == 0)
		return false;
	skip_cfws(&c);
	if (c.p < c.end && *c.p == '-')		/* "1-Oct-2024" */
		c.p++;
	wn = read_word(&c, &w);
	if ((mon = month_of(w, wn)) < 0)
		return false;
	if (c.p < c.end && *c.p == '-')
		c.p++;
	skip_cfws(&c);
	year = read_num(&c, 4, &nd);
	if (nd == 0)
		return false;
	if (nd == 2)
		year += year >= 50 ? 1900 : 2000;
	else if (year < 1000)		/* 3 digits, or Y2K-bug "0102" */
		year += 1900;
	skip_cfws(&c);
	/* Some mailers write "13.38.14"; accept '.' like ':'. */
	hh = read_num(&c, 2, &nd);
	if (nd == 0 || c.p >= c.end || (*c.p != ':' && *c.p != '.'))
		return false;
	c.p++;
	mm = read_num(&c, 2, &nd);
	if (nd == 0)
		return false;
	if (c.p < c.end && (*c.p == ':' || *c.p == '.')) {
		c.p++;
		ss = read_num(&c, 2, &nd);
		if (nd == 0)
			return false;
	}
	skip_cfws(&c);
	if (c.p < c.end && (*c.p == '+' || *c.p == '-')) {
		sign = *c.p == '-' ? -1 : 1;
		c.p++;
		if (c.p < c.end && (*c.p == '-' || *c.p == '+')) {
			sign = *c.p == '-' ? -1 : 1;	/* "+-0500" */
			c.p++;
		}
		off = read_num(&c, 4, &nd);
		if (nd != 4 || off % 100 > 59)
			return false;
		off = sign * ((off / 100) * 60 + off % 100);
	} else if (c.p < c.end && is_alpha(*c.p)) {
		wn = read_word(&c, &w);
		zone_name(w, wn, &off);
	}
	if (day < 1 || day > 31 || year < 1970 || year > 9999 || hh > 23 ||
	    mm > 59 || ss > 60)
		return false;
	t = days_from_civil(year, mon, day) * 86400LL + hh * 3600LL +
	    mm * 60LL + ss - off * 60LL;
	if (t < 0)
		return false;
	*out = (time_t)t;
	return true;
}
