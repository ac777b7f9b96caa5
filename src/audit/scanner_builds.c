/*
 * scanner_builds.c - what an Exchange build number means: product line,
 * cumulative update (CU), the security updates (SU) it lacks as of a day,
 * the CVEs those fix, and whether the line is still supported.
 *
 * The table is data/exchange-builds (see its header and
 * scripts/update-exchange-builds).  A CU rolls up every update released
 * before it, so a build has an update when its CU came out on or after
 * that update, or when its own CU received the update and the build's
 * revision is at least the update's.  A three-part build ("15.1.2507",
 * from the /owa/auth/ path) names only the CU: none of that CU's updates
 * can be confirmed, so they are all counted missing rather than guessed
 * installed.  Hotfix updates (HU) count only when they fix a CVE.
 *
 * Memory: one heap object with fixed-size records; the judgement points
 * into it.  Ceilings: SCANNER_MAX_RECORDS records, SCANNER_MAX_CVES per
 * fix line.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "audit/scanner.h"
#include "util/buf.h"

#define BUILDS_MAX_RECORDS	4096
#define BUILDS_MAX_FILE		(2 * 1024 * 1024)
#define BUILDS_MAX_FIX_CVES	64

struct version {
	long		 part[4];
	int		 nparts;
};

struct line_rec {
	char		 product[16];
	struct version	 prefix;	/* "15.2" or "14" */
	long		 first_build;
	long		 end;		/* YYYYMMDD, 0 = none */
	char		 end_text[11];
};

struct cu_rec {
	char		 product[16];
	char		 cu[16];
	struct version	 v;
	char		 build[24];
	long		 date;		/* 0 = unknown */
};

struct su_rec {
	char		 product[16];
	char		 cu[16];
	char		 name[16];
	struct version	 v;
	char		 build[24];
	long		 date;
};

struct fix_rec {
	char		 update[16];
	char		 product[16];	/* "*" for all */
	size_t		 ncves;
	char		*cves[BUILDS_MAX_FIX_CVES];
};

struct scanner_builds {
	struct line_rec	 lines[32];
	size_t		 nlines;
	struct cu_rec	*cus;
	size_t		 ncus;
	struct su_rec	*sus;
	size_t		 nsus;
	struct fix_rec	*fixes;
	size_t		 nfixes;
	long		 date;		/* of the source copy */
};

static const char *const class_names[] = {
	[SCANNER_PATCHED]	= "patched",
	[SCANNER_UNPATCHED]	= "unpatched",
	[SCANNER_EOL]		= "eol",
	[SCANNER_NOT_EXCHANGE]	= "not-exchange",
	[SCANNER_UNREACHABLE]	= "unreachable",
};

const char *
scanner_class_name(enum scanner_class c)
{
	if ((unsigned)c >= sizeof(class_names) / sizeof(class_names[0]))
		return "unreachable";
	return class_names[c];
}

long
scanner_date(const char *s, size_t len)
{
	long y, m, d;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	return y * 10000 + m * 100 + d;
}

/* "15.2.1544.14": 1 to 4 dotted decimal parts, each below a million. */
static int
version_parse(const char *s, struct version *v)
{
	memset(v, 0, sizeof(*v));
	while (*s != '\0') {
		long n = 0;
		int digits = 0;

		if (v->nparts == 4)
			return -1;
		while (isdigit((unsigned char)*s)) {
			if (++digits > 6)
				return -1;
			n = n * 10 + (*s++ - '0');
		}
		if (digits == 0)
			return -1;
		v->part[v->nparts++] = n;
		if (*s == '.')
			s++;
		else if (*s != '\0')
			return -1;
		else
			break;
	}
	return v->nparts > 0 ? 0 : -1;
}

static int
version_has_prefix(const struct version *v, const struct version *prefix)
{
	if (v->nparts < prefix->nparts)
		return 0;
	for (int i = 0; i < prefix->nparts; i++)
		if (v->part[i] != prefix->part[i])
			return 0;
	return 1;
}

static int
copy_field(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static long
field_date(const char *s)
{
	if (strcmp(s, "-") == 0)
		return 0;
	return scanner_date(s, strlen(s));
}

static int
parse_line_rec(struct scanner_builds *b, char **f, int n)
{
	struct line_rec *l;

	if (n != 5 || b->nlines == sizeof(b->lines) / sizeof(b->lines[0]))
		return -1;
	l = &b->lines[b->nlines];
	if (copy_field(l->product, sizeof(l->product), f[1]) == -1 ||
	    version_parse(f[2], &l->prefix) == -1 ||
	    (l->first_build = strtol(f[3], NULL, 10)) < 0 ||
	    (l->end = field_date(f[4])) < 0)
		return -1;
	if (l->end != 0)
		copy_field(l->end_text, sizeof(l->end_text), f[4]);
	b->nlines++;
	return 0;
}

static int
parse_cu_rec(struct scanner_builds *b, char **f, int n)
{
	struct cu_rec *c;

	if (n != 5 || b->ncus == BUILDS_MAX_RECORDS)
		return -1;
	c = &b->cus[b->ncus];
	if (copy_field(c->product, sizeof(c->product), f[1]) == -1 ||
	    copy_field(c->cu, sizeof(c->cu), f[2]) == -1 ||
	    copy_field(c->build, sizeof(c->build), f[3]) == -1 ||
	    version_parse(f[3], &c->v) == -1 || c->v.nparts != 4 ||
	    (c->date = field_date(f[4])) < 0)
		return -1;
	b->ncus++;
	return 0;
}

static int
parse_su_rec(struct scanner_builds *b, char **f, int n)
{
	struct su_rec *s;

	if (n != 6 || b->nsus == BUILDS_MAX_RECORDS)
		return -1;
	s = &b->sus[b->nsus];
	if (copy_field(s->product, sizeof(s->product), f[1]) == -1 ||
	    copy_field(s->cu, sizeof(s->cu), f[2]) == -1 ||
	    copy_field(s->name, sizeof(s->name), f[3]) == -1 ||
	    copy_field(s->build, sizeof(s->build), f[4]) == -1 ||
	    version_parse(f[4], &s->v) == -1 || s->v.nparts != 4 ||
	    (s->date = field_date(f[5])) <= 0)
		return -1;
	b->nsus++;
	return 0;
}

static int
parse_fix_rec(struct scanner_builds *b, char **f, int n)
{
	struct fix_rec *x;
	char *save = NULL, *cve;

	if (n != 4 || b->nfixes == BUILDS_MAX_RECORDS)
		return -1;
	x = &b->fixes[b->nfixes];
	memset(x, 0, sizeof(*x));
	if (copy_field(x->update, sizeof(x->update), f[1]) == -1 ||
	    copy_field(x->product, sizeof(x->product), f[2]) == -1)
		return -1;
	b->nfixes++;	/* counted first, so free() sees its strings */
	for (cve = strtok_r(f[3], ",", &save); cve != NULL;
	    cve = strtok_r(NULL, ",", &save)) {
		if (x->ncves == BUILDS_MAX_FIX_CVES ||
		    (x->cves[x->ncves] = strdup(cve)) == NULL)
			return -1;
		x->ncves++;
	}
	return x->ncves > 0 ? 0 : -1;
}

static int
parse_record(struct scanner_builds *b, char *line)
{
	char *f[8], *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(line, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (n == 8)
			return -1;
		f[n++] = tok;
	}
	if (n == 0)
		return 0;
	if (strcmp(f[0], "line") == 0)
		return parse_line_rec(b, f, n);
	if (strcmp(f[0], "cu") == 0)
		return parse_cu_rec(b, f, n);
	if (strcmp(f[0], "su") == 0)
		return parse_su_rec(b, f, n);
	if (strcmp(f[0], "fix") == 0)
		return parse_fix_rec(b, f, n);
	if (strcmp(f[0], "date") == 0 && n == 2)
		return (b->date = field_date(f[1])) > 0 ? 0 : -1;
	return -1;
}

void
scanner_builds_free(struct scanner_builds *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->nfixes; i++)
		for (size_t j = 0; j < b->fixes[i].ncves; j++)
			free(b->fixes[i].cves[j]);
	free(b->cus);
	free(b->sus);
	free(b->fixes);
	free(b);
}

struct scanner_builds *
scanner_builds_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct scanner_builds *b;
	char line[2048];
	size_t pos = 0, lineno = 0;

	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->cus = calloc(BUILDS_MAX_RECORDS, sizeof(*b->cus))) == NULL ||
	    (b->sus = calloc(BUILDS_MAX_RECORDS, sizeof(*b->sus))) == NULL ||
	    (b->fixes = calloc(BUILDS_MAX_RECORDS, sizeof(*b->fixes))) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		scanner_builds_free(b);
		return NULL;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = (nl != NULL ? (size_t)(nl - text) : len) - pos;

		lineno++;
		if (n >= sizeof(line) || memchr(text + pos, '\0', n) != NULL) {
			snprintf(err, errlen, "line %zu: too long or binary",
			    lineno);
			goto fail;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (line[0] == '#')
			continue;
		if (parse_record(b, line) == -1) {
			snprintf(err, errlen, "line %zu: malformed record",
			    lineno);
			goto fail;
		}
	}
	if (b->nlines == 0 || b->ncus == 0) {
		snprintf(err, errlen, "no product lines or builds");
		goto fail;
	}
	return b;
fail:
	scanner_builds_free(b);
	return NULL;
}

struct scanner_builds *
scanner_builds_load(const char *path, char *err, size_t errlen)
{
	struct scanner_builds *b;
	struct buf text;
	char why[128];

	buf_init(&text, BUILDS_MAX_FILE);
	if (buf_read_file(&text, path) == -1) {
		snprintf(err, errlen, "%s: cannot read (missing or too big)",
		    path);
		buf_free(&text);
		return NULL;
	}
	b = scanner_builds_parse(text.data, text.len, why, sizeof(why));
	if (b == NULL)
		snprintf(err, errlen, "%s: %s", path, why);
	buf_free(&text);
	return b;
}

long
scanner_builds_date(const struct scanner_builds *b)
{
	return b->date;
}

size_t
scanner_builds_count(const struct scanner_builds *b)
{
	return b->ncus + b->nsus;
}

static const struct line_rec *
find_line(const struct scanner_builds *b, const struct version *v)
{
	const struct line_rec *best = NULL;

	for (size_t i = 0; i < b->nlines; i++) {
		const struct line_rec *l = &b->lines[i];
		long build = v->nparts > 2 ? v->part[2] : 0;

		if (!version_has_prefix(v, &l->prefix) ||
		    build < l->first_build)
			continue;
		if (best == NULL || l->first_build > best->first_build)
			best = l;
	}
	return best;
}

/* The CU a build belongs to: the product's newest CU not above it. */
static const struct cu_rec *
find_cu(const struct scanner_builds *b, const char *product,
    const struct version *v)
{
	const struct cu_rec *best = NULL;

	if (v->nparts < 3)
		return NULL;
	for (size_t i = 0; i < b->ncus; i++) {
		const struct cu_rec *c = &b->cus[i];

		if (strcmp(c->product, product) != 0 ||
		    c->v.part[0] != v->part[0] || c->v.part[1] != v->part[1] ||
		    c->v.part[2] > v->part[2])
			continue;
		if (best == NULL || c->v.part[2] > best->v.part[2])
			best = c;
	}
	return best;
}

static const struct su_rec *
find_su(const struct scanner_builds *b, const char *product, const char *cu,
    const char *name)
{
	for (size_t i = 0; i < b->nsus; i++)
		if (strcmp(b->sus[i].product, product) == 0 &&
		    strcmp(b->sus[i].cu, cu) == 0 &&
		    strcmp(b->sus[i].name, name) == 0)
			return &b->sus[i];
	return NULL;
}

static bool
is_security_update(const struct scanner_builds *b, const char *product,
    const char *name)
{
	if (strstr(name, "SU") != NULL)
		return true;
	for (size_t i = 0; i < b->nfixes; i++)
		if (strcmp(b->fixes[i].update, name) == 0 &&
		    (strcmp(b->fixes[i].product, product) == 0 ||
		    strcmp(b->fixes[i].product, "*") == 0))
			return true;
	return false;
}

static bool
already_listed(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static bool
build_has_update(const struct scanner_builds *b, const struct cu_rec *cu,
    const struct version *v, const struct su_rec *u)
{
	const struct su_rec *own;

	if (cu == NULL)
		return false;
	if (cu->date != 0 && cu->date >= u->date)
		return true;
	if (v->nparts < 4)
		return false;	/* three-part build: cannot tell */
	own = find_su(b, cu->product, cu->cu, u->name);
	return own != NULL && v->part[3] >= own->v.part[3];
}

static void
add_cves(const struct scanner_builds *b, const char *product,
    const char *update, struct scanner_judgement *j)
{
	for (size_t i = 0; i < b->nfixes; i++) {
		const struct fix_rec *x = &b->fixes[i];

		if (strcmp(x->update, update) != 0 ||
		    (strcmp(x->product, product) != 0 &&
		    strcmp(x->product, "*") != 0))
			continue;
		for (size_t k = 0; k < x->ncves; k++)
			if (j->ncves < SCANNER_MAX_CVES &&
			    !already_listed(j->cves, j->ncves, x->cves[k]))
				j->cves[j->ncves++] = x->cves[k];
	}
}

/* The newest update the build's own CU received by as_of. */
static void
find_newest(const struct scanner_builds *b, const struct cu_rec *cu,
    long as_of, struct scanner_judgement *j)
{
	const struct su_rec *newest = NULL;

	if (cu == NULL)
		return;
	for (size_t i = 0; i < b->nsus; i++) {
		const struct su_rec *u = &b->sus[i];

		if (strcmp(u->product, cu->product) == 0 &&
		    strcmp(u->cu, cu->cu) == 0 && u->date <= as_of &&
		    is_security_update(b, cu->product, u->name) &&
		    (newest == NULL || u->v.part[3] > newest->v.part[3]))
			newest = u;
	}
	if (newest != NULL) {
		copy_field(j->newest_update, sizeof(j->newest_update),
		    newest->name);
		copy_field(j->newest_build, sizeof(j->newest_build),
		    newest->build);
	}
}

static void
find_missing(const struct scanner_builds *b, const struct cu_rec *cu,
    const char *product, const struct version *v, long as_of,
    struct scanner_judgement *j)
{
	for (size_t i = 0; i < b->nsus; i++) {
		const struct su_rec *u = &b->sus[i];

		if (strcmp(u->product, product) != 0 || u->date > as_of ||
		    already_listed(j->missing, j->nmissing, u->name) ||
		    !is_security_update(b, product, u->name) ||
		    build_has_update(b, cu, v, u))
			continue;
		if (j->nmissing < SCANNER_MAX_MISSING)
			j->missing[j->nmissing++] = u->name;
		add_cves(b, product, u->name, j);
	}
}

int
scanner_builds_judge(const struct scanner_builds *b, const char *build,
    long as_of, struct scanner_judgement *j)
{
	const struct line_rec *line;
	const struct cu_rec *cu;
	struct version v;

	memset(j, 0, sizeof(*j));
	j->class = SCANNER_NOT_EXCHANGE;
	if (build == NULL || version_parse(build, &v) == -1 || v.nparts < 2)
		return -1;
	if ((line = find_line(b, &v)) == NULL)
		return -1;
	copy_field(j->product, sizeof(j->product), line->product);
	copy_field(j->end_of_support, sizeof(j->end_of_support),
	    line->end_text);
	j->supported = line->end == 0 || as_of <= line->end;
	j->cu_only = v.nparts == 3;
	cu = find_cu(b, line->product, &v);
	if (cu != NULL)
		copy_field(j->cu, sizeof(j->cu), cu->cu);
	else if (v.nparts >= 3 && v.part[0] >= 15)
		copy_field(j->cu, sizeof(j->cu), "pre-CU1");
	find_newest(b, cu, as_of, j);
	find_missing(b, cu, line->product, &v, as_of, j);
	if (!j->supported)
		j->class = SCANNER_EOL;
	else if (j->nmissing > 0)
		j->class = SCANNER_UNPATCHED;
	else
		j->class = SCANNER_PATCHED;
	return 0;
}
