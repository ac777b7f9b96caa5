/*
 * cli_authres.c - "mailtrust authres FILE|-": the parse of every
 * Authentication-Results field (RFC 8601) of a message, top to bottom,
 * as text or (--json) one object {"fields": [...]}.  A field that does
 * not parse is shown with its error; it does not stop the others.
 *
 * Exit 0 when the message was read (whatever its fields say), 64 usage,
 * 66 unreadable input, 70 out of memory.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authres.h"
#include "cli.h"
#include "mime/message.h"
#include "util/arena.h"
#include "util/buf.h"

#define AUTHRES_CLI_INPUT	(64ul * 1024 * 1024)

static void
authres_usage(FILE *fp)
{
	fprintf(fp, "usage: mailtrust authres [--json] FILE|-\n"
	    "  prints each Authentication-Results field of the message\n");
}

static json_t *
jstr(const char *s)
{
	json_t *j;

	if (s == NULL)
		return json_null();
	/* Fields are ASCII by RFC 8601; anything else is shown as null. */
	return (j = json_string(s)) != NULL ? j : json_null();
}

static json_t *
field_json(const struct authres *ar, const char *err)
{
	json_t *o = json_object(), *list, *r, *props, *p;
	size_t i, k;

	if (err != NULL) {
		json_object_set_new(o, "error", json_string(err));
		return o;
	}
	json_object_set_new(o, "authserv_id", jstr(ar->authserv_id));
	json_object_set_new(o, "version", ar->version >= 0 ?
	    json_integer(ar->version) : json_null());
	json_object_set_new(o, "none", json_boolean(ar->none));
	list = json_array();
	for (i = 0; i < ar->n; i++) {
		const struct authres_result *x = &ar->results[i];

		r = json_object();
		json_object_set_new(r, "method", jstr(x->method));
		json_object_set_new(r, "method_version",
		    x->method_version >= 0 ? json_integer(x->method_version) :
		    json_null());
		json_object_set_new(r, "result", jstr(x->result));
		json_object_set_new(r, "reason", jstr(x->reason));
		json_object_set_new(r, "comment", jstr(x->comment));
		props = json_array();
		for (k = 0; k < x->nprops; k++) {
			p = json_object();
			json_object_set_new(p, "ptype",
			    jstr(x->props[k].ptype));
			json_object_set_new(p, "property",
			    jstr(x->props[k].property));
			json_object_set_new(p, "value",
			    jstr(x->props[k].value));
			json_array_append_new(props, p);
		}
		json_object_set_new(r, "properties", props);
		json_array_append_new(list, r);
	}
	json_object_set_new(o, "results", list);
	return o;
}

static void
field_text(size_t nth, const struct authres *ar, const char *err)
{
	size_t i, k;

	if (err != NULL) {
		printf("field %zu: error: %s\n", nth, err);
		return;
	}
	printf("field %zu: authserv-id %s", nth, ar->authserv_id);
	if (ar->version >= 0)
		printf(", version %d", ar->version);
	printf("%s\n", ar->none ? ", none" : "");
	for (i = 0; i < ar->n; i++) {
		const struct authres_result *x = &ar->results[i];

		printf("  %s", x->method);
		if (x->method_version >= 0)
			printf("/%d", x->method_version);
		printf("=%s", x->result);
		if (x->comment != NULL)
			printf(" (%s)", x->comment);
		if (x->reason != NULL)
			printf(" reason=\"%s\"", x->reason);
		for (k = 0; k < x->nprops; k++)
			printf(" %s.%s=%s", x->props[k].ptype,
			    x->props[k].property, x->props[k].value);
		printf("\n");
	}
}

int
cli_authres(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json",	no_argument,	NULL, 'j' },
		{ "help",	no_argument,	NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct header *h;
	struct message *msg;
	struct authres ar;
	struct arena *a = NULL;
	struct buf in;
	json_t *root = NULL, *fields = NULL;
	const char *err;
	char *s;
	size_t i, n;
	int c, json = 0, rc = CLI_EXIT_SOFTWARE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h':
			authres_usage(stdout);
			return CLI_EXIT_OK;
		default:
			authres_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		authres_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_read_input(argv[optind], &in, AUTHRES_CLI_INPUT) == -1)
		return CLI_EXIT_NOINPUT;
	if ((a = arena_new(ARENA_DEFAULT_LIMIT)) == NULL ||
	    (msg = message_parse(a, in.data, in.len, NULL)) == NULL) {
		fprintf(stderr, "mailtrust authres: out of memory\n");
		goto out;
	}
	if (json) {
		root = json_object();
		fields = json_array();
		json_object_set_new(root, "fields", fields);
	}
	n = message_header_count(msg, "Authentication-Results");
	for (i = 0; i < n; i++) {
		h = message_header(msg, "Authentication-Results", i);
		if (h == NULL)
			break;
		err = NULL;
		(void)authres_parse(a, h->value, h->value_len, &ar, &err);
		if (json)
			json_array_append_new(fields, field_json(&ar, err));
		else
			field_text(i + 1, &ar, err);
	}
	if (json) {
		if ((s = json_dumps(root, JSON_PRESERVE_ORDER)) == NULL)
			goto out;
		printf("%s\n", s);
		free(s);
	} else if (n == 0)
		printf("no Authentication-Results fields\n");
	rc = CLI_EXIT_OK;
out:
	json_decref(root);
	arena_free(a);
	buf_free(&in);
	return rc;
}
