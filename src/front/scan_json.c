/*
 * scan_json.c - one scan as the JSON object every front end returns
 * (`mailtrust check --json`, POST /v1/check), so they cannot differ.
 *
 * The object is written straight into a buffer (util/jsonw.h), compact
 * and ASCII-only, in the bytes json_dumps(JSON_COMPACT |
 * JSON_ENSURE_ASCII) wrote when this built a json_t: members in the
 * same order, and left out where json_object_set_new() was handed no
 * value (a name that is NULL or not UTF-8, a score that is not finite).
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "mime/message.h"
#include "scan/config.h"
#include "scan/scan.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "scan_json.h"
#include "verdict/verdict.h"

/* Repaired evidence longer than this keeps what fits (see jsonw_text). */
#define SCAN_JSON_TEXT_MAX	(1024 * 1024)

/* A name from our tables: left out when json_string() would refuse it. */
static void
jname(struct jsonw *w, const char *key, const char *s)
{
	if (s == NULL || !jsonw_utf8_valid(s, strlen(s)))
		return;
	if (key != NULL)
		jsonw_key(w, key);
	jsonw_string(w, s);
}

/* NULL as null, else as jname(). */
static void
jstr(struct jsonw *w, const char *key, const char *s)
{
	if (s != NULL) {
		jname(w, key, s);
		return;
	}
	jsonw_key(w, key);
	jsonw_null(w);
}

/*
 * Evidence quoted from a message may be any bytes: those that are not
 * UTF-8 become U+FFFD instead of losing the string.  NULL is null.
 */
static void
jtext(struct jsonw *w, const char *key, const char *s)
{
	if (key != NULL)
		jsonw_key(w, key);
	if (s == NULL)
		jsonw_null(w);
	else
		jsonw_text(w, s, strlen(s), SCAN_JSON_TEXT_MAX);
}

static void
jreal(struct jsonw *w, const char *key, double d)
{
	if (!isfinite(d))
		return;
	jsonw_key(w, key);
	jsonw_real(w, d);
}

static void
jbool(struct jsonw *w, const char *key, bool v)
{
	jsonw_key(w, key);
	jsonw_bool(w, v);
}

const char *
scan_first_from(const struct message *m)
{
	return (m != NULL && m->from.n > 0) ? m->from.v[0].addr : NULL;
}

static void
scan_json_auth(struct jsonw *w, const struct scan *s)
{
	jsonw_key(w, "auth");
	jsonw_object(w);
	jname(w, "spf", auth_result_name(s->auth.spf));
	jname(w, "dkim", auth_result_name(s->auth.dkim));
	jname(w, "dmarc", auth_result_name(s->auth.dmarc));
	jname(w, "arc", auth_result_name(s->auth.arc));
	jbool(w, "evaluated", s->auth.done);
	if (s->auth.header != NULL)
		jtext(w, "authentication_results", s->auth.header);
	jsonw_object_end(w);
}

static void
scan_json_envelope(struct jsonw *w, const struct scan *s)
{
	size_t i;

	jsonw_key(w, "envelope");
	jsonw_object(w);
	jstr(w, "client_ip", s->env.client_ip);
	jtext(w, "helo", s->env.helo);
	jtext(w, "mail_from", s->env.mail_from);
	jsonw_key(w, "rcpt");
	jsonw_array(w);
	for (i = 0; i < s->env.n_rcpt; i++)
		jtext(w, NULL, s->env.rcpt[i]);
	jsonw_array_end(w);
	jbool(w, "from_message", s->env.ip_from_message ||
	    s->env.mail_from_from_message || s->env.rcpt_from_message);
	jsonw_object_end(w);
}

static void
scan_json_message(struct jsonw *w, const struct scan *s)
{
	unsigned bit;

	jtext(w, "from", scan_first_from(s->msg));
	jtext(w, "subject", s->msg->subject);
	jsonw_key(w, "defects");
	jsonw_array(w);
	for (bit = 0; bit < MSG_DEF_COUNT; bit++)
		if (s->msg->defects & (1u << bit))
			jname(w, NULL, message_defect_name(bit));
	jsonw_array_end(w);
}

static void
scan_json_symbols(struct jsonw *w, struct scan *s, enum lang lang)
{
	const struct symbol *sym;
	size_t i;
	unsigned k;

	jsonw_key(w, "symbols");
	jsonw_array(w);
	for (i = 0; i < s->n_symbols; i++) {
		sym = &s->symbols[i];
		jsonw_object(w);
		jname(w, "name", sym->name);
		jreal(w, "score", sym->score);
		jname(w, "class", symbol_class_name(sym->cls));
		jsonw_key(w, "evidence");
		jsonw_array(w);
		for (k = 0; k < sym->nargs; k++)
			jtext(w, NULL, sym->args[k]);
		jsonw_array_end(w);
		jtext(w, "explanation", explain_symbol(s, lang, sym));
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
}

int
scan_json(struct scan *s, enum lang lang, const char *path, struct buf *out)
{
	struct jsonw w;

	jsonw_init(&w, out, JSONW_ASCII);
	jsonw_object(&w);
	jtext(&w, "file", path);
	jname(&w, "verdict", verdict_name(s->verdict));
	jtext(&w, "label", explain_verdict_label(s, lang));
	jreal(&w, "score", s->score);
	jname(&w, "action", action_name(s->action));
	jtext(&w, "summary", explain_summary(s, lang));
	scan_json_auth(&w, s);
	scan_json_envelope(&w, s);
	if (s->msg != NULL)
		scan_json_message(&w, s);
	scan_json_symbols(&w, s, lang);
	jbool(&w, "internal_failure", s->failed);
	jsonw_object_end(&w);
	return jsonw_finish(&w);
}
