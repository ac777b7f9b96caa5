/*
 * geo.c - where an address is: country and autonomous system, from
 * IPFire's location database through libloc (Debian libloc-database).
 *
 * The explanation of a link can then say "this button leads to a
 * server in the Russian Federation (AS50340 Selectel)" instead of an
 * address nobody can read.  The database is opened once at start-up
 * and mapped read-only.  libloc's objects count references without
 * atomics and share the context, so lookups are serialised by one mutex;
 * a lookup is a few microseconds, far below the cost of the DNS query
 * that usually precedes it.
 *
 * Memory: the database is owned by struct geo; names returned are arena
 * copies.  A missing database is not an error: lookups then fail and
 * explanations go without a country.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libloc/libloc.h>
#include <libloc/as.h>
#include <libloc/country.h>
#include <libloc/database.h>
#include <libloc/network.h>

#include "detect.h"
#include "util/arena.h"

struct geo {
	struct loc_ctx		*ctx;
	struct loc_database	*db;
	FILE			*fp;
	pthread_mutex_t		 lock;
};

struct geo *
geo_open(const char *path)
{
	struct geo *g;

	if (path == NULL || (g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	if ((g->fp = fopen(path, "r")) == NULL)
		goto fail;
	if (loc_new(&g->ctx) != 0)
		goto fail;
	/* libloc logs to stderr by default; errors reach us as returns. */
	loc_set_log_priority(g->ctx, 0);
	if (loc_database_new(g->ctx, &g->db, g->fp) != 0)
		goto fail;
	pthread_mutex_init(&g->lock, NULL);
	return g;
fail:
	if (g->ctx != NULL)
		loc_unref(g->ctx);
	if (g->fp != NULL)
		fclose(g->fp);
	free(g);
	return NULL;
}

void
geo_close(struct geo *g)
{
	if (g == NULL)
		return;
	loc_database_unref(g->db);
	loc_unref(g->ctx);
	fclose(g->fp);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

int
geo_lookup(const struct geo *cg, struct arena *a, const char *ip,
    struct geo_info *out)
{
	struct geo *g = (struct geo *)cg;	/* only the mutex changes */
	struct loc_network *net = NULL;
	struct loc_country *c = NULL;
	struct loc_as *as = NULL;
	const char *cc, *name;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (g == NULL || ip == NULL)
		return -1;
	pthread_mutex_lock(&g->lock);
	if (loc_database_lookup_from_string(g->db, ip, &net) != 0 ||
	    net == NULL)
		goto out;
	cc = loc_network_get_country_code(net);
	if (cc != NULL && cc[0] != '\0' && cc[1] != '\0') {
		out->cc[0] = cc[0];
		out->cc[1] = cc[1];
		if (loc_database_get_country(g->db, &c, cc) == 0 && c != NULL &&
		    (name = loc_country_get_name(c)) != NULL)
			out->country = arena_strdup(a, name);
	}
	out->asn = loc_network_get_asn(net);
	if (out->asn != 0 && loc_database_get_as(g->db, &as, out->asn) == 0 &&
	    as != NULL && (name = loc_as_get_name(as)) != NULL)
		out->as_name = arena_strdup(a, name);
	r = (out->cc[0] != '\0' || out->asn != 0) ? 0 : -1;
out:
	if (as != NULL)
		loc_as_unref(as);
	if (c != NULL)
		loc_country_unref(c);
	if (net != NULL)
		loc_network_unref(net);
	pthread_mutex_unlock(&g->lock);
	return r;
}

char *
geo_describe(struct arena *a, const struct geo_info *gi)
{
	const char *country = gi->country != NULL ? gi->country : gi->cc;

	if (gi->cc[0] == '\0' && gi->asn == 0)
		return NULL;
	if (gi->asn == 0)
		return arena_printf(a, "%s (%s)", country, gi->cc);
	if (gi->cc[0] == '\0')
		return arena_printf(a, "AS%u %s", gi->asn,
		    gi->as_name ? gi->as_name : "");
	return arena_printf(a, "%s (%s), AS%u%s%s", country, gi->cc, gi->asn,
	    gi->as_name ? " " : "", gi->as_name ? gi->as_name : "");
}
