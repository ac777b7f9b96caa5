/*
 * scanner_report.c - what `mailtrust scan` prints: one line per target
 * (JSON, CSV or text) and the report a CERT sends out, grouped by the
 * operator of each address.
 *
 * Operators come from a local mapping file first (CIDR -> AS, country,
 * abuse contact, name; the CERT's own knowledge, and the only way to name
 * operators of private or test addresses), then from libloc (AS number,
 * AS name and country; libloc has no abuse contacts).  Where no abuse
 * contact is known the report says where to find one: the abuse-c /
 * abuse-mailbox of the network in its regional registry's whois.
 *
 * Everything put into JSON is first made printable ASCII: banners and
 * headers are remote text and jansson refuses invalid UTF-8.
 * Ceilings: OPERATORS_MAX mapping lines, REPORT_MAX_GROUPS operators.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit/scanner.h"
#include "detect/detect.h"
#include "util/arena.h"
#include "util/buf.h"

#define OPERATORS_MAX		100000
#define REPORT_MAX_GROUPS	100000
#define OPERATOR_NAME_MAX	96

struct operator {
	unsigned char	 net[16];
	int		 family, prefix;
	unsigned long	 asn;
	char		 cc[3];
	char		 abuse[96];
	char		 name[OPERATOR_NAME_MAX];
};

/* Where Debian's libloc-database and location-update put the file. */
static const char *const location_dbs[] = {
	"/var/lib/location/database.db",
	"/usr/share/libloc-location/location.db",
};

struct scanner_operators {
	struct operator	*ops;
	size_t		 n;
};

/* ------------------------------------------------------------------ */
/* Per-target lines. */

static json_t *
ascii_string(const char *s)
{
	char out[512];
	size_t n = 0;

	for (; s != NULL && *s != '\0' && n + 1 < sizeof(out); s++)
		out[n++] = (*s >= ' ' && *s < 127) ? *s : '?';
	out[n] = '\0';
	return json_string(out);
}

static json_t *
string_array(const char *const *list, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, ascii_string(list[i]));
	return a;
}

static json_t *
cert_json(const struct scanner_cert *c)
{
	if (c->subject[0] == '\0' && c->protocol[0] == '\0')
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:b}",
	    "subject", ascii_string(c->subject),
	    "issuer", ascii_string(c->issuer),
	    "names", ascii_string(c->names),
	    "not_after", ascii_string(c->not_after),
	    "protocol", ascii_string(c->protocol),
	    "expired", c->expired);
}

static json_t *
smtp_json(const struct scanner_result *r)
{
	const char *exts[SMTP_MAX_EXTS];

	if (!r->smtp_probed)
		return json_null();
	for (size_t i = 0; i < r->ehlo.nexts; i++)
		exts[i] = r->ehlo.exts[i];
	return json_pack("{s:b, s:o, s:o, s:o, s:b, s:b, s:o, s:o}",
	    "reachable", r->smtp_ok,
	    "banner", ascii_string(r->banner),
	    "software", ascii_string(r->ehlo.software),
	    "extensions", string_array(exts, r->ehlo.nexts),
	    "starttls", r->ehlo.starttls, "tls", r->starttls_ok,
	    "certificate", cert_json(&r->smtp_cert),
	    "error", r->smtp_error[0] ? ascii_string(r->smtp_error) :
	    json_null());
}

static json_t *
https_json(const struct scanner_result *r)
{
	if (!r->https_probed)
		return json_null();
	return json_pack("{s:b, s:i, s:o, s:b, s:o, s:o}",
	    "reachable", r->https_ok, "status", r->owa.status,
	    "server", ascii_string(r->owa.server),
	    "exchange", r->owa.exchange,
	    "certificate", cert_json(&r->https_cert),
	    "error", r->https_error[0] ? ascii_string(r->https_error) :
	    json_null());
}

static json_t *
or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? ascii_string(s) : json_null();
}

static json_t *
result_json(const struct scanner_result *r)
{
	const struct scanner_judgement *j = &r->judgement;
	json_t *o = json_object();

	json_object_set_new(o, "target", ascii_string(r->target));
	json_object_set_new(o, "class", json_string(
	    scanner_class_name(j->class)));
	json_object_set_new(o, "ip", or_null(r->ip));
	json_object_set_new(o, "build", or_null(r->owa.build));
	json_object_set_new(o, "build_source", or_null(r->owa.build[0] ?
	    r->owa.source : NULL));
	json_object_set_new(o, "product", or_null(j->product[0] ?
	    (strcmp(j->product, "SE") == 0 ? "Exchange Server SE" :
	    j->product) : NULL));
	if (j->product[0] != '\0' && strcmp(j->product, "SE") != 0) {
		char name[40];

		snprintf(name, sizeof(name), "Exchange Server %s", j->product);
		json_object_set_new(o, "product", json_string(name));
	}
	json_object_set_new(o, "cu", or_null(j->cu));
	json_object_set_new(o, "cu_only", json_boolean(j->cu_only));
	json_object_set_new(o, "newest_update", or_null(j->newest_update));
	json_object_set_new(o, "newest_build", or_null(j->newest_build));
	json_object_set_new(o, "supported", j->product[0] ?
	    json_boolean(j->supported) : json_null());
	json_object_set_new(o, "end_of_support", or_null(j->end_of_support));
	json_object_set_new(o, "missing_updates",
	    string_array(j->missing, j->nmissing));
	json_object_set_new(o, "cves", string_array(j->cves, j->ncves));
	json_object_set_new(o, "smtp", smtp_json(r));
	json_object_set_new(o, "https", https_json(r));
	json_object_set_new(o, "note", or_null(r->note));
	return o;
}

static void
csv_field(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, (*s >= ' ' && *s < 127) ? *s : '?');
	}
	buf_addc(b, '"');
}

static void
csv_list(struct buf *b, const char *const *list, size_t n)
{
	struct buf t;

	buf_init(&t, 64 * 1024);
	for (size_t i = 0; i < n; i++)
		buf_printf(&t, "%s%s", i ? " " : "", list[i]);
	csv_field(b, t.data ? t.data : "");
	buf_free(&t);
}

void
scanner_csv_header(FILE *fp)
{
	fputs("target,class,ip,product,cu,build,newest_update,"
	    "missing_updates,cves,smtp_banner,error,note\n", fp);
}

static char *
result_csv(const struct scanner_result *r)
{
	const struct scanner_judgement *j = &r->judgement;
	struct buf b;

	buf_init(&b, 256 * 1024);
	csv_field(&b, r->target);
	buf_printf(&b, ",%s,", scanner_class_name(j->class));
	csv_field(&b, r->ip);
	buf_addc(&b, ',');
	csv_field(&b, j->product);
	buf_addc(&b, ',');
	csv_field(&b, j->cu);
	buf_addc(&b, ',');
	csv_field(&b, r->owa.build);
	buf_addc(&b, ',');
	csv_field(&b, j->newest_update);
	buf_addc(&b, ',');
	csv_list(&b, j->missing, j->nmissing);
	buf_addc(&b, ',');
	csv_list(&b, j->cves, j->ncves);
	buf_addc(&b, ',');
	csv_field(&b, r->banner);
	buf_addc(&b, ',');
	csv_field(&b, r->smtp_error[0] ? r->smtp_error : r->https_error);
	buf_addc(&b, ',');
	csv_field(&b, r->note);
	return buf_steal(&b);
}

static char *
result_text(const struct scanner_result *r)
{
	const struct scanner_judgement *j = &r->judgement;
	struct buf b;

	buf_init(&b, 64 * 1024);
	buf_printf(&b, "%-32s %-12s", r->target, scanner_class_name(j->class));
	if (j->product[0] != '\0')
		buf_printf(&b, " Exchange %s %s%s (%s)", j->product, j->cu,
		    j->cu_only ? ", update unknown" : "", r->owa.build);
	if (j->nmissing > 0)
		buf_printf(&b, ", missing %zu updates, %zu CVEs", j->nmissing,
		    j->ncves);
	if (r->note[0] != '\0')
		buf_printf(&b, " - %s", r->note);
	else if (j->class == SCANNER_UNREACHABLE)
		buf_printf(&b, " - %s", r->smtp_error[0] ? r->smtp_error :
		    r->https_error);
	else if (j->class == SCANNER_NOT_EXCHANGE && r->ehlo.software[0])
		buf_printf(&b, " - %s", r->ehlo.software);
	return buf_steal(&b);
}

char *
scanner_result_line(const struct scanner_result *r, enum scanner_format f)
{
	json_t *o;
	char *s;

	if (f == SCANNER_CSV)
		return result_csv(r);
	if (f == SCANNER_TEXT)
		return result_text(r);
	if ((o = result_json(r)) == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

/* ------------------------------------------------------------------ */
/* The local operator mapping. */

static int
parse_cidr(const char *s, struct operator *op)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	long prefix;
	char *end;

	if (n >= sizeof(addr))
		return -1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, op->net) == 1)
		op->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, op->net) == 1)
		op->family = AF_INET6;
	else
		return -1;
	prefix = op->family == AF_INET ? 32 : 128;
	if (slash != NULL) {
		prefix = strtol(slash + 1, &end, 10);
		if (*end != '\0' || prefix < 0 ||
		    prefix > (op->family == AF_INET ? 32 : 128))
			return -1;
	}
	op->prefix = (int)prefix;
	return 0;
}

static int
operator_line(struct operator *op, char *line)
{
	char *f[4], *save = NULL, *rest;
	int n;

	for (n = 0; n < 4; n++)
		if ((f[n] = strtok_r(n ? NULL : line, " \t", &save)) == NULL)
			return -1;
	rest = save != NULL ? save + strspn(save, " \t") : NULL;
	if (parse_cidr(f[0], op) == -1)
		return -1;
	if (strncmp(f[1], "AS", 2) == 0 || strncmp(f[1], "as", 2) == 0)
		f[1] += 2;
	op->asn = strtoul(f[1], NULL, 10);
	if (strlen(f[2]) != 2 && strcmp(f[2], "-") != 0)
		return -1;
	snprintf(op->cc, sizeof(op->cc), "%s", strcmp(f[2], "-") ? f[2] : "");
	if (strncmp(f[3], "abuse=", 6) == 0)
		f[3] += 6;
	snprintf(op->abuse, sizeof(op->abuse), "%s",
	    strcmp(f[3], "-") ? f[3] : "");
	snprintf(op->name, sizeof(op->name), "%s", rest ? rest : "");
	return 0;
}

struct scanner_operators *
scanner_operators_load(const char *path, char *err, size_t errlen)
{
	struct scanner_operators *o;
	FILE *fp;
	char line[512];
	size_t lineno = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return NULL;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL ||
	    (o->ops = calloc(1024, sizeof(*o->ops))) == NULL)
		goto oom;
	while (fgets(line, sizeof(line), fp) != NULL) {
		size_t len = strcspn(line, "\r\n");

		lineno++;
		line[len] = '\0';
		if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
			continue;
		if (o->n == OPERATORS_MAX) {
			snprintf(err, errlen, "%s: more than %d lines", path,
			    OPERATORS_MAX);
			goto fail;
		}
		if (o->n > 0 && o->n % 1024 == 0) {
			struct operator *g = realloc(o->ops, (o->n + 1024) *
			    sizeof(*g));

			if (g == NULL)
				goto oom;
			o->ops = g;
		}
		memset(&o->ops[o->n], 0, sizeof(o->ops[0]));
		if (operator_line(&o->ops[o->n], line) == -1) {
			snprintf(err, errlen, "%s:%zu: want CIDR ASN CC "
			    "abuse=ADDRESS|- NAME", path, lineno);
			goto fail;
		}
		o->n++;
	}
	fclose(fp);
	return o;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	fclose(fp);
	scanner_operators_free(o);
	return NULL;
}

void
scanner_operators_free(struct scanner_operators *o)
{
	if (o == NULL)
		return;
	free(o->ops);
	free(o);
}

static bool
prefix_match(const unsigned char *a, const unsigned char *net, int bits)
{
	int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, net, (size_t)bytes) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[bytes] ^ net[bytes]) & (0xff << (8 - rest))) == 0;
}

static const struct operator *
operator_find(const struct scanner_operators *o, const char *ip)
{
	unsigned char a[16];
	int family;
	const struct operator *best = NULL;

	if (o == NULL)
		return NULL;
	if (inet_pton(AF_INET, ip, a) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, ip, a) == 1)
		family = AF_INET6;
	else
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (o->ops[i].family == family &&
		    prefix_match(a, o->ops[i].net, o->ops[i].prefix) &&
		    (best == NULL || o->ops[i].prefix > best->prefix))
			best = &o->ops[i];
	return best;
}

/* ------------------------------------------------------------------ */
/* The report. */

struct group {
	char		 key[160];
	char		 title[200];
	char		 abuse[96];
	size_t		 nhosts;
	json_t		*hosts;		/* affected results */
};

static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static void
operator_of(const char *ip, const struct scanner_operators *ops,
    const struct geo *geo, struct group *g)
{
	const struct operator *op = ip[0] ? operator_find(ops, ip) : NULL;
	struct geo_info gi;
	struct arena *a;

	if (op != NULL) {
		snprintf(g->key, sizeof(g->key), "AS%lu %s", op->asn, op->name);
		snprintf(g->title, sizeof(g->title), "AS%lu %s (%s)", op->asn,
		    op->name, op->cc[0] ? op->cc : "country unknown");
		snprintf(g->abuse, sizeof(g->abuse), "%s", op->abuse);
		return;
	}
	if (ip[0] != '\0' && geo != NULL && (a = arena_new(64 * 1024)) !=
	    NULL) {
		if (geo_lookup(geo, a, ip, &gi) == 0 && gi.asn != 0) {
			snprintf(g->key, sizeof(g->key), "AS%u", gi.asn);
			snprintf(g->title, sizeof(g->title), "AS%u %s (%s)",
			    gi.asn, gi.as_name ? gi.as_name : "",
			    gi.cc[0] ? gi.cc : "country unknown");
			arena_free(a);
			return;
		}
		arena_free(a);
	}
	snprintf(g->key, sizeof(g->key), "unknown");
	snprintf(g->title, sizeof(g->title), "Operator unknown (no mapping "
	    "and no libloc data for these addresses)");
}

static int
group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->nhosts != y->nhosts)
		return x->nhosts < y->nhosts ? 1 : -1;
	return strcmp(x->key, y->key);
}

static void
write_list(FILE *fp, json_t *arr, size_t max)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		if (i == max) {
			fprintf(fp, " and %zu more",
			    json_array_size(arr) - max);
			break;
		}
		fprintf(fp, "%s%s", i ? ", " : "", json_string_value(v));
	}
	if (json_array_size(arr) == 0)
		fputs("-", fp);
}

static void
write_group(FILE *fp, const struct group *g)
{
	size_t i;
	json_t *h;
	bool eol = false, unpatched = false, cu_only = false;

	fprintf(fp, "## %s\n\n", g->title);
	if (g->abuse[0] != '\0')
		fprintf(fp, "Abuse contact: %s\n\n", g->abuse);
	else
		fprintf(fp, "Abuse contact: not known here; see the abuse-c "
		    "(abuse-mailbox) of the network or AS in its regional "
		    "registry's whois, or add it to the operator file.\n\n");
	fprintf(fp, "%zu affected host%s.\n\n", g->nhosts,
	    g->nhosts == 1 ? "" : "s");
	fputs("| target | address | class | product | CU | build | "
	    "missing updates | CVEs |\n|---|---|---|---|---|---|---|---|\n",
	    fp);
	json_array_foreach(g->hosts, i, h) {
		const char *cls = jstr(h, "class");

		eol |= strcmp(cls, "eol") == 0;
		unpatched |= strcmp(cls, "unpatched") == 0;
		cu_only |= json_is_true(json_object_get(h, "cu_only"));
		fprintf(fp, "| %s | %s | %s | %s | %s | %s", jstr(h,
		    "target"), jstr(h, "ip"), cls, jstr(h, "product"),
		    jstr(h, "cu"), jstr(h, "build")[0] ? jstr(h, "build") :
		    "not disclosed");
		if (json_is_true(json_object_get(h, "cu_only")))
			fprintf(fp, " (CU only; at best %s)",
			    jstr(h, "newest_update")[0] ?
			    jstr(h, "newest_update") : "the CU itself");
		fputs(" | ", fp);
		write_list(fp, json_object_get(h, "missing_updates"), 8);
		fputs(" | ", fp);
		write_list(fp, json_object_get(h, "cves"), 10);
		fputs(" |\n", fp);
	}
	fputs("\nWhat to do:\n", fp);
	if (unpatched)
		fputs("- Unpatched: install the newest cumulative update of "
		    "the line and its latest security update, then check "
		    "with Microsoft's HealthChecker script.  Servers that "
		    "were exposed while unpatched should be checked for "
		    "compromise (web shells under the OWA and ECP "
		    "directories, new accounts, mailbox exports).\n", fp);
	if (cu_only)
		fputs("- Where only the CU is visible, the installed security "
		    "update could not be confirmed from outside: please "
		    "confirm it.\n", fp);
	if (eol)
		fputs("- End of life: Microsoft no longer fixes this "
		    "version.  Move to Exchange Server Subscription Edition "
		    "or a hosted service; until then do not expose OWA/ECP "
		    "to the internet.\n", fp);
	fputs("\n", fp);
}

static void
day_text(long d, char *out, size_t size)
{
	int y = (int)(d / 10000 % 10000), m = (int)(d / 100 % 100),
	    day = (int)(d % 100);

	snprintf(out, size, "%04d-%02d-%02d", y, m, day);
}

int
scanner_report_write(FILE *fp, char *const *lines, size_t n,
    const struct scanner_operators *ops, long as_of)
{
	static const char *const classes[] = { "patched", "unpatched", "eol",
	    "not-exchange", "unreachable" };
	size_t counts[5] = { 0 }, ngroups = 0, affected = 0;
	struct group *groups = NULL;
	struct geo *geo = NULL;
	const char *env = getenv("MAILTRUST_LOCATION_DB");
	char day[16];
	int rc = -1;

	if (env != NULL && *env != '\0')
		geo = geo_open(env);
	else
		for (size_t i = 0; geo == NULL && i < sizeof(location_dbs) /
		    sizeof(location_dbs[0]); i++)
			geo = geo_open(location_dbs[i]);
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_loads(lines[i], 0, NULL);
		const char *cls;
		struct group g;
		size_t k;

		if (o == NULL)
			continue;
		cls = jstr(o, "class");
		for (k = 0; k < 5; k++)
			if (strcmp(cls, classes[k]) == 0)
				counts[k]++;
		if (strcmp(cls, "unpatched") != 0 && strcmp(cls, "eol") != 0) {
			json_decref(o);
			continue;
		}
		affected++;
		memset(&g, 0, sizeof(g));
		operator_of(jstr(o, "ip"), ops, geo, &g);
		for (k = 0; k < ngroups; k++)
			if (strcmp(groups[k].key, g.key) == 0)
				break;
		if (k == ngroups) {
			struct group *ng;

			if (ngroups == REPORT_MAX_GROUPS ||
			    (ng = realloc(groups, (ngroups + 1) *
			    sizeof(*ng))) == NULL) {
				json_decref(o);
				goto out;
			}
			groups = ng;
			g.hosts = json_array();
			groups[ngroups++] = g;
		}
		groups[k].nhosts++;
		json_array_append_new(groups[k].hosts, o);
	}
	qsort(groups, ngroups, sizeof(*groups), group_cmp);
	day_text(as_of, day, sizeof(day));
	fprintf(fp, "# Exchange servers needing action, by operator\n\n"
	    "As of %s: %zu targets scanned; %zu patched, %zu unpatched, "
	    "%zu end of life, %zu not Exchange, %zu unreachable.\n"
	    "%zu affected hosts at %zu operators.\n\n"
	    "Operators from the local operator file where given, else "
	    "libloc (AS and country).  Builds compared with "
	    "data/exchange-builds (Microsoft's build table).\n\n",
	    day, n, counts[0], counts[1], counts[2], counts[3], counts[4],
	    affected, ngroups);
	for (size_t k = 0; k < ngroups; k++)
		write_group(fp, &groups[k]);
	rc = 0;
out:
	for (size_t k = 0; k < ngroups; k++)
		json_decref(groups[k].hosts);
	free(groups);
	geo_close(geo);
	return rc;
}
