/*
 * config.c - defaults and the data directory.
 *
 * The configuration file (mailtrust.conf) is read by its own module on
 * top of this; here are the defaults every front end starts from and the
 * data files every scan needs: data/scores and the catalogs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "config.h"
#include "verdict/verdict.h"

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *
config_default_datadir(void)
{
	const char *env = getenv("MAILTRUST_DATADIR");

	if (env != NULL && *env != '\0')
		return env;
	if (is_dir(MT_DATADIR))
		return MT_DATADIR;
	return MT_SRCDATADIR;
}

enum lang
config_lang_from_name(const char *s)
{
	if (strcmp(s, "en") == 0)
		return LANG_EN;
	if (strcmp(s, "de") == 0)
		return LANG_DE;
	return (enum lang)-1;
}

int
config_load(struct config *c, const char *datadir, char *err, size_t errlen)
{
	static const char *const catalog_file[LANG_COUNT] = {
		"explain.en", "explain.de",
	};
	char path[4096], host[256];
	int i;

	memset(c, 0, sizeof(*c));
	if (datadir == NULL)
		datadir = config_default_datadir();
	if ((c->datadir = strdup(datadir)) == NULL)
		goto nomem;
	/* RFC 8601 2.5: the authserv-id names the host that checked. */
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if ((c->authserv_id = strdup(host)) == NULL)
		goto nomem;
	c->trusted_hops = 1;
	c->lang = LANG_EN;
	c->limits = *message_default_limits();
	c->arena_limit = 512u * 1024 * 1024;
	c->dns_timeout_ms = 5000;
	c->clamd_timeout_ms = 10000;
	c->clamd_tempfail = true;
	c->http_threads = 4;
	c->http_max_body = 32u * 1024 * 1024;
	c->http_timeout_s = 30;
	for (i = 0; i < CONFIG_VERDICTS; i++)
		c->policy[i].action = -1;
	c->add_headers = true;
	c->milter_max_message = 64u * 1024 * 1024;
	c->milter_oversize_tempfail = true;

	snprintf(path, sizeof(path), "%s/scores", datadir);
	if ((c->scores = score_table_load(path, err, errlen)) == NULL)
		goto fail;
	for (i = 0; i < LANG_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", datadir, catalog_file[i]);
		if ((c->catalog[i] = catalog_load(path, err, errlen)) == NULL)
			goto fail;
	}
	if (detect_data_load(c, err, errlen) == -1)
		goto fail;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	config_free(c);
	return -1;
}

static void
strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
signing_key_free(struct signing_key *k)
{
	free(k->domain);
	free(k->selector);
	free(k->key_file);
	EVP_PKEY_free(k->key);
}

void
config_free(struct config *c)
{
	size_t j;
	int i;

	free(c->datadir);
	free(c->authserv_id);
	free(c->conf_path);
	strv_free(c->trusted_networks);
	strv_free(c->arc_trusted);
	strv_free(c->dns_forwarders);
	free(c->store_spec);
	free(c->clamd_socket);
	free(c->milter_listen);
	free(c->quarantine_dir);
	free(c->http_listen);
	free(c->http_token);
	for (i = 0; i < CONFIG_VERDICTS; i++) {
		free(c->policy[i].reply);
		free(c->policy[i].subject_tag);
	}
	strv_free(c->release_sendmail);
	for (j = 0; j < c->n_sign; j++)
		signing_key_free(&c->sign[j]);
	free(c->sign);
	signing_key_free(&c->arc_seal);
	if (c->detect != NULL)
		detect_data_free(c);
	score_table_free(c->scores);
	for (i = 0; i < LANG_COUNT; i++)
		catalog_free(c->catalog[i]);
	memset(c, 0, sizeof(*c));
}
