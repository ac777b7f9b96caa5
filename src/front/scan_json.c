/*
 * scan_json.c - one scan as the JSON object every front end returns
 * (`mailtrust check --json`, POST /v1/check), so they cannot differ.
 */
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "mime/message.h"
#include "scan/config.h"
#include "scan/scan.h"
#include "util/buf.h"
#include "scan_json.h"
#include "verdict/verdict.h"

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/*
 * jansson refuses invalid UTF-8, and evidence quoted from a message may
 * be anything: such bytes become U+FFFD instead of losing the string.
 */
static json_t *
jtext(const char *s)
{
	const unsigned char *p;
	struct buf b;
	json_t *j;
	size_t n, k;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	buf_init(&b, 1024 * 1024);
	for (p = (const unsigned char *)s; *p != '\0'; p += n) {
		n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 :
		    (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		for (k = 1; n > 1 && k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				n = 0;
		if (n == 0 || (n > 1 && (j = json_stringn((const char *)p,
		    n)) == NULL)) {
			buf_adds(&b, "\xef\xbf\xbd");
			n = 1;
			continue;
		}
		if (n > 1)
			json_decref(j);
		buf_add(&b, p, n);
	}
	j = json_stringn(b.data ? b.data : "", b.len);
	buf_free(&b);
	return j ? j : json_string("");
}

const char *
scan_first_from(const struct message *m)
{
	return (m != NULL && m->from.n > 0) ? m->from.v[0].addr : NULL;
}

json_t *
scan_json(struct scan *s, enum lang lang, const char *path)
{
	json_t *o, *auth, *env, *syms, *rcpt, *defects;
	size_t i;
	unsigned bit;

	o = json_object();
	json_object_set_new(o, "file", jtext(path));
	json_object_set_new(o, "verdict", json_string(verdict_name(s->verdict)));
	json_object_set_new(o, "label",
	    jtext(explain_verdict_label(s, lang)));
	json_object_set_new(o, "score", json_real(s->score));
	json_object_set_new(o, "action", json_string(action_name(s->action)));
	json_object_set_new(o, "summary", jtext(explain_summary(s, lang)));

	auth = json_object();
	json_object_set_new(auth, "spf", json_string(auth_result_name(s->auth.spf)));
	json_object_set_new(auth, "dkim",
	    json_string(auth_result_name(s->auth.dkim)));
	json_object_set_new(auth, "dmarc",
	    json_string(auth_result_name(s->auth.dmarc)));
	json_object_set_new(auth, "arc", json_string(auth_result_name(s->auth.arc)));
	json_object_set_new(auth, "evaluated", json_boolean(s->auth.done));
	if (s->auth.header != NULL)
		json_object_set_new(auth, "authentication_results",
		    jtext(s->auth.header));
	json_object_set_new(o, "auth", auth);

	env = json_object();
	json_object_set_new(env, "client_ip", jstr(s->env.client_ip));
	json_object_set_new(env, "helo", jtext(s->env.helo));
	json_object_set_new(env, "mail_from", jtext(s->env.mail_from));
	rcpt = json_array();
	for (i = 0; i < s->env.n_rcpt; i++)
		json_array_append_new(rcpt, jtext(s->env.rcpt[i]));
	json_object_set_new(env, "rcpt", rcpt);
	json_object_set_new(env, "from_message", json_boolean(
	    s->env.ip_from_message || s->env.mail_from_from_message ||
	    s->env.rcpt_from_message));
	json_object_set_new(o, "envelope", env);

	if (s->msg != NULL) {
		json_object_set_new(o, "from", jtext(scan_first_from(s->msg)));
		json_object_set_new(o, "subject", jtext(s->msg->subject));
		defects = json_array();
		for (bit = 0; bit < MSG_DEF_COUNT; bit++)
			if (s->msg->defects & (1u << bit))
				json_array_append_new(defects,
				    json_string(message_defect_name(bit)));
		json_object_set_new(o, "defects", defects);
	}

	syms = json_array();
	for (i = 0; i < s->n_symbols; i++) {
		const struct symbol *sym = &s->symbols[i];
		json_t *js = json_object(), *ev = json_array();
		unsigned k;

		json_object_set_new(js, "name", json_string(sym->name));
		json_object_set_new(js, "score", json_real(sym->score));
		json_object_set_new(js, "class",
		    json_string(symbol_class_name(sym->cls)));
		for (k = 0; k < sym->nargs; k++)
			json_array_append_new(ev, jtext(sym->args[k]));
		json_object_set_new(js, "evidence", ev);
		json_object_set_new(js, "explanation",
		    jtext(explain_symbol(s, lang, sym)));
		json_array_append_new(syms, js);
	}
	json_object_set_new(o, "symbols", syms);
	json_object_set_new(o, "internal_failure", json_boolean(s->failed));
	return o;
}

