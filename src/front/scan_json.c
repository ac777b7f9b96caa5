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

/*
 * Keys are written as the bytes the compiler made of them ("name":),
 * so each helper takes KEY("name"), or NOKEY for a member of an array.
 */
#define KEY(k)	JSONW_QUOTED(k)
#define NOKEY	NULL, 0

/* A name from our tables: left out when json_string() would refuse it. */
static void
jname(struct jsonw *w, const char *key, size_t klen, const char *s)
{
	if (s == NULL)
		return;
	if (key != NULL)
		jsonw_member_stringn(w, key, klen, s, strlen(s));
	else
		jsonw_stringn(w, s, strlen(s));
}

/* NULL as null, else as jname(). */
static void
jstr(struct jsonw *w, const char *key, size_t klen, const char *s)
{
	if (s != NULL) {
		jname(w, key, klen, s);
		return;
	}
	jsonw_key_quoted(w, key, klen);
	jsonw_null(w);
}

/*
 * Evidence quoted from a message may be any bytes: those that are not
 * UTF-8 become U+FFFD instead of losing the string.  NULL is null.
 */
static void
jtext(struct jsonw *w, const char *key, size_t klen, const char *s)
{
	if (key != NULL)
		jsonw_key_quoted(w, key, klen);
	if (s == NULL)
		jsonw_null(w);
	else
		jsonw_text(w, s, strlen(s), SCAN_JSON_TEXT_MAX);
}

static void
jreal(struct jsonw *w, const char *key, size_t klen, double d)
{
	if (!isfinite(d))
		return;
	jsonw_key_quoted(w, key, klen);
	jsonw_real(w, d);
}

static void
jbool(struct jsonw *w, const char *key, size_t klen, bool v)
{
	jsonw_key_quoted(w, key, klen);
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
	JSONW_KEY(w, "auth");
	jsonw_object(w);
	jname(w, KEY("spf"), auth_result_name(s->auth.spf));
	jname(w, KEY("dkim"), auth_result_name(s->auth.dkim));
	jname(w, KEY("dmarc"), auth_result_name(s->auth.dmarc));
	jname(w, KEY("arc"), auth_result_name(s->auth.arc));
	jbool(w, KEY("evaluated"), s->auth.done);
	if (s->auth.header != NULL)
		jtext(w, KEY("authentication_results"), s->auth.header);
	jsonw_object_end(w);
}

static void
scan_json_envelope(struct jsonw *w, const struct scan *s)
{
	size_t i;

	JSONW_KEY(w, "envelope");
	jsonw_object(w);
	jstr(w, KEY("client_ip"), s->env.client_ip);
	jtext(w, KEY("helo"), s->env.helo);
	jtext(w, KEY("mail_from"), s->env.mail_from);
	JSONW_KEY(w, "rcpt");
	jsonw_array(w);
	for (i = 0; i < s->env.n_rcpt; i++)
		jtext(w, NOKEY, s->env.rcpt[i]);
	jsonw_array_end(w);
	jbool(w, KEY("from_message"), s->env.ip_from_message ||
	    s->env.mail_from_from_message || s->env.rcpt_from_message);
	jsonw_object_end(w);
}

static void
scan_json_message(struct jsonw *w, const struct scan *s)
{
	unsigned bit;

	jtext(w, KEY("from"), scan_first_from(s->msg));
	jtext(w, KEY("subject"), s->msg->subject);
	JSONW_KEY(w, "defects");
	jsonw_array(w);
	for (bit = 0; bit < MSG_DEF_COUNT; bit++)
		if (s->msg->defects & (1u << bit))
			jname(w, NOKEY, message_defect_name(bit));
	jsonw_array_end(w);
}

static void
scan_json_symbols(struct jsonw *w, struct scan *s, enum lang lang)
{
	const struct symbol *sym;
	size_t i;
	unsigned k;

	JSONW_KEY(w, "symbols");
	jsonw_array(w);
	for (i = 0; i < s->n_symbols; i++) {
		sym = &s->symbols[i];
		jsonw_object(w);
		jname(w, KEY("name"), sym->name);
		jreal(w, KEY("score"), sym->score);
		jname(w, KEY("class"), symbol_class_name(sym->cls));
		JSONW_KEY(w, "evidence");
		jsonw_array(w);
		for (k = 0; k < sym->nargs; k++)
			jtext(w, NOKEY, sym->args[k]);
		jsonw_array_end(w);
		jtext(w, KEY("explanation"), explain_symbol(s, lang, sym));
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
	jtext(&w, KEY("file"), path);
	jname(&w, KEY("verdict"), verdict_name(s->verdict));
	jtext(&w, KEY("label"), explain_verdict_label(s, lang));
	jreal(&w, KEY("score"), s->score);
	jname(&w, KEY("action"), action_name(s->action));
	jtext(&w, KEY("summary"), explain_summary(s, lang));
	scan_json_auth(&w, s);
	scan_json_envelope(&w, s);
	if (s->msg != NULL)
		scan_json_message(&w, s);
	scan_json_symbols(&w, s, lang);
	jbool(&w, KEY("internal_failure"), s->failed);
	jsonw_object_end(&w);
	return jsonw_finish(&w);
}
