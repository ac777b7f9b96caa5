/*
 * audit_report.c - an audit report as text for a person or JSON for a
 * machine.
 *
 * The words come from the catalog data/audit.LANG (the format of
 * data/explain.*: "KEY TEXT", {1}..{4} the evidence, {domain} the
 * domain audited).  Findings are grouped by area in the order they were
 * found; every one shows its catalog key, so a script or a support desk
 * can refer to it.  A key missing from the catalog still prints, with
 * its evidence, never nothing.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "util/arena.h"
#include "util/buf.h"
#include "verdict/verdict.h"

#define EXPLAIN_MAX	8192

static const char *
word(const struct catalog *c, const char *key, const char *dflt)
{
	const char *t = c ? catalog_get(c, key) : NULL;

	return t != NULL ? t : dflt;
}

char *
audit_explain(const struct audit_report *r, const struct catalog *c,
    const struct audit_finding *f)
{
	const char *t = c ? catalog_get(c, f->id) : NULL, *p;
	struct buf b;
	unsigned i;
	char *out;

	buf_init(&b, EXPLAIN_MAX);
	if (t == NULL) {
		buf_adds(&b, f->id);
		for (i = 0; i < f->nargs; i++)
			buf_printf(&b, "%s%s", i ? ", " : ": ", f->args[i]);
	}
	for (p = t; p != NULL && *p != '\0'; p++) {
		if (p[0] == '{' && p[1] >= '1' && p[1] <= '4' && p[2] == '}') {
			i = (unsigned)(p[1] - '1');
			buf_adds(&b, i < f->nargs ? f->args[i] : "?");
			p += 2;
		} else if (strncmp(p, "{domain}", 8) == 0) {
			buf_adds(&b, r->domain);
			p += 7;
		} else {
			buf_addc(&b, *p);
		}
	}
	out = arena_strndup(r->arena, b.data ? b.data : "", b.len);
	buf_free(&b);
	return out;
}

static const char *
sev_word(const struct audit_report *r, const struct catalog *c,
    enum audit_severity sev)
{
	const char *name = audit_severity_name(sev);

	return word(c, arena_printf(r->arena, "ui.sev.%s", name), name);
}

static void
count(const struct audit_report *r, size_t n[4])
{
	size_t i;

	memset(n, 0, 4 * sizeof(*n));
	for (i = 0; i < r->n; i++)
		n[r->f[i].sev]++;
}

static bool
area_seen(const struct audit_report *r, size_t upto, const char *area)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (strcmp(r->f[i].area, area) == 0)
			return true;
	return false;
}

static void
print_fix(FILE *fp, const struct catalog *c, const char *fix)
{
	const char *p = fix, *nl;

	fprintf(fp, "        %s:\n", word(c, "ui.fix", "Fix"));
	while (*p != '\0') {
		nl = p + strcspn(p, "\n");
		fprintf(fp, "          %.*s\n", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

static void
print_message_head(const struct audit_report *r, const struct catalog *c,
    FILE *fp)
{
	const struct audit_msgview *m = &r->msg;

	fprintf(fp, "%s %s\n", word(c, "ui.message_title",
	    "What receivers see of a message from"), r->domain);
	fprintf(fp, "  %s: %s\n", word(c, "ui.receiver_verdict",
	    "Receiver's verdict"), m->verdict ? m->verdict : "?");
	fprintf(fp, "  SPF %s, DKIM %s, DMARC %s, ARC %s (%s %s)\n",
	    m->spf, m->dkim, m->dmarc, m->arc, word(c, "ui.client",
	    "sending server"), m->client_ip ? m->client_ip : "?");
	if (m->authres != NULL)
		fprintf(fp, "  Authentication-Results: %s\n", m->authres);
	if (m->summary != NULL)
		fprintf(fp, "  %s: %s\n", word(c, "ui.receiver_words",
		    "What the receiver's user is told"), m->summary);
}

int
audit_print_text(const struct audit_report *r, const struct catalog *c,
    FILE *fp)
{
	size_t n[4], i, j;
	char when[64];
	struct tm tm;

	gmtime_r(&r->now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	count(r, n);
	if (r->is_message)
		print_message_head(r, c, fp);
	else
		fprintf(fp, "%s %s (%s)\n", word(c, "ui.title",
		    "Mail setup audit of"), r->domain, when);
	fprintf(fp, "  %s: %s (%zu %s, %zu %s, %zu %s, %zu %s)\n",
	    word(c, "ui.overall", "Overall"),
	    sev_word(r, c, audit_worst(r)),
	    n[AUDIT_CRITICAL], sev_word(r, c, AUDIT_CRITICAL),
	    n[AUDIT_WARNING], sev_word(r, c, AUDIT_WARNING),
	    n[AUDIT_INFO], sev_word(r, c, AUDIT_INFO),
	    n[AUDIT_OK], sev_word(r, c, AUDIT_OK));
	for (i = 0; i < r->n; i++) {
		if (area_seen(r, i, r->f[i].area))
			continue;
		fprintf(fp, "\n%s\n", r->f[i].area);
		for (j = i; j < r->n; j++) {
			const struct audit_finding *f = &r->f[j];

			if (strcmp(f->area, r->f[i].area) != 0)
				continue;
			fprintf(fp, "  [%-8s] %s\n", sev_word(r, c, f->sev),
			    f->id);
			fprintf(fp, "        %s\n", audit_explain(r, c, f));
			if (f->fix != NULL)
				print_fix(fp, c, f->fix);
		}
	}
	return ferror(fp) ? -1 : 0;
}

static json_t *
finding_json(const struct audit_report *r, const struct catalog *c,
    const struct audit_finding *f)
{
	json_t *o = json_object(), *ev = json_array();
	unsigned i;

	for (i = 0; i < f->nargs; i++)
		json_array_append_new(ev, json_string(f->args[i]));
	json_object_set_new(o, "area", json_string(f->area));
	json_object_set_new(o, "id", json_string(f->id));
	json_object_set_new(o, "severity", json_string(
	    audit_severity_name(f->sev)));
	json_object_set_new(o, "evidence", ev);
	json_object_set_new(o, "explanation", json_string(
	    audit_explain(r, c, f)));
	json_object_set_new(o, "fix", f->fix ? json_string(f->fix) :
	    json_null());
	return o;
}

int
audit_print_json(const struct audit_report *r, const struct catalog *c,
    FILE *fp)
{
	json_t *o = json_object(), *list = json_array(), *mx = json_array();
	json_t *m;
	size_t i, n[4];
	char *s;
	int rc = -1;

	count(r, n);
	json_object_set_new(o, "domain", json_string(r->domain));
	json_object_set_new(o, "time", json_integer((json_int_t)r->now));
	json_object_set_new(o, "worst", json_string(audit_severity_name(
	    audit_worst(r))));
	json_object_set_new(o, "counts", json_pack("{s:I,s:I,s:I,s:I}",
	    "critical", (json_int_t)n[AUDIT_CRITICAL], "warning",
	    (json_int_t)n[AUDIT_WARNING], "info", (json_int_t)n[AUDIT_INFO],
	    "ok", (json_int_t)n[AUDIT_OK]));
	for (i = 0; i < r->n_mx; i++)
		json_array_append_new(mx, json_pack("{s:s,s:i,s:s?}", "host",
		    r->mx[i].host, "preference", (int)r->mx[i].pref,
		    "address", r->mx[i].addr));
	json_object_set_new(o, "mx", mx);
	if (r->is_message) {
		const struct audit_msgview *v = &r->msg;

		m = json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?}",
		    "client_ip", v->client_ip, "spf", v->spf, "dkim", v->dkim,
		    "dmarc", v->dmarc, "arc", v->arc, "verdict", v->verdict,
		    "authentication_results", v->authres);
		json_object_set_new(m, "summary", v->summary ?
		    json_string(v->summary) : json_null());
		json_object_set_new(o, "message", m);
	}
	for (i = 0; i < r->n; i++)
		json_array_append_new(list, finding_json(r, c, &r->f[i]));
	json_object_set_new(o, "findings", list);
	if ((s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) !=
	    NULL) {
		fprintf(fp, "%s\n", s);
		free(s);
		rc = ferror(fp) ? -1 : 0;
	}
	json_decref(o);
	return rc;
}
