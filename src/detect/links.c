/*
 * links.c - where the links of a message really lead.
 *
 * Each link's href is parsed (urls.c, libcurl's URL API) and judged:
 *   LINK_TEXT_MISMATCH	the visible text shows one domain, the target
 *			is another (RFC 3986 host compared as registrable
 *			domains, so www.x.de and x.de agree);
 *   LINK_BUTTON_UNRELATED	a button leads to a domain that has nothing
 *			to do with the claimed sender: neither the From
 *			domain nor a brand the message claims;
 *   LINK_IP_LITERAL	the target is a bare IP address;
 *   LINK_USERINFO	"https://paypal.com@evil.example/": the part
 *			before '@' is a user name, not the host;
 *   LINK_PUNYCODE, LINK_MIXED_SCRIPT, LINK_LOOKALIKE  IDN and look-alike
 *			hosts (lookalike.c);
 *   LINK_SHORTENER, LINK_REDIRECT  the real target is hidden behind a
 *			shortener or in a second URL in the query;
 *   LINK_HOSTING		the target is on a free hosting, form or page
 *			service anyone can publish on (data/hosting);
 *   LINK_DATA_URI		a data: URI carries a whole page (RFC 2397);
 *   FORM_PASSWORD, FORM_IN_MAIL  an HTML form asks for a password, or
 *			posts elsewhere, from inside the mail.
 * The hosts of buttons, forms, IP literals and look-alikes are located
 * (geo.c): their A records are asked through scan->dns all at once and
 * then awaited, and the first address is looked up in libloc, so the
 * explanation can name the country and network (LINK_TARGET_LOCATION,
 * LINK_RISKY_COUNTRY for the countries listed in data/geo-risk).
 *
 * A link whose href an earlier one had is not parsed again, and one
 * that repeats an earlier link's href, text and flags (a newsletter's
 * logo, headline and "read more" all lead to one place) is not judged
 * again: every symbol is said once and a host located once, so judging
 * it would change nothing.
 *
 * Memory: parsed URLs and evidence live in the scan's arena; the one
 * CURLU handle is freed before returning.
 * Limits: LINKS_MAX_CHECKED links per message, LINKS_MAX_LOCATE hosts
 * resolved and located, LINKS_MAX_QUOTE bytes of quoted link text.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "detect.h"
#include "dns/dns.h"
#include "mime/message.h"
#include "scan/config.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "util/str.h"

#define LINKS_MAX_CHECKED	256
#define LINKS_MAX_LOCATE	16
#define LINKS_MAX_QUOTE		60
#define LINKS_MAX_CLAIMS	8
#define LINKS_SEEN		8

struct locate {
	const char		*host;
	bool			 ip;
	bool			 button;
	const char		*text;
	struct dns_query	*q;
};

#define LINKS_MAX_SENDERS	4

struct links_ctx {
	struct scan		*s;
	const struct detect_data *d;
	const char		*freg;		/* From's registrable domain */
	const char		*sender[LINKS_MAX_SENDERS];	/* others */
	size_t			 n_sender;
	int			 owner;		/* brand owning From, or -1 */
	int			 claimed[LINKS_MAX_CLAIMS];
	size_t			 n_claimed;
	struct locate		 loc[LINKS_MAX_LOCATE];
	size_t			 n_loc;
	/*
	 * The last domains compared with every brand: a newsletter links
	 * to the same few domains dozens of times, and the comparison
	 * (a pure function of the domain) was a visible part of a scan.
	 */
	struct {
		const char	*regdom;
		enum lookalike_kind kind;
		int		 brand;
		const char	*target;
	}			 seen[LINKS_SEEN];
	size_t			 n_seen;
};

static const char *
quote(struct arena *a, const char *text)
{
	size_t n;

	if (text == NULL)
		return "";
	while (*text == ' ' || *text == '\n' || *text == '\t')
		text++;
	n = strlen(text);
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\n' ||
	    text[n - 1] == '\t'))
		n--;
	if (n > LINKS_MAX_QUOTE) {
		n = LINKS_MAX_QUOTE;
		/* Do not cut a UTF-8 sequence in half. */
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	return arena_strndup(a, text, n);
}

static void
want_location(struct links_ctx *c, const struct url *u, bool button,
    const char *text)
{
	size_t i;

	for (i = 0; i < c->n_loc; i++)
		if (strcmp(c->loc[i].host, u->host) == 0) {
			/* A button's own words explain it best. */
			if (button && !c->loc[i].button) {
				c->loc[i].button = true;
				c->loc[i].text = text;
			}
			return;
		}
	if (c->n_loc == LINKS_MAX_LOCATE)
		return;
	c->loc[c->n_loc].host = u->host;
	c->loc[c->n_loc].ip = u->ip;
	c->loc[c->n_loc].button = button;
	c->loc[c->n_loc].text = text;
	c->n_loc++;
}

/* Whether host belongs to the sender the message claims to be. */
static bool
related(const struct links_ctx *c, const struct url *u)
{
	int owner;
	size_t i;

	if (c->freg != NULL && strcmp(u->regdom, c->freg) == 0)
		return true;
	for (i = 0; i < c->n_sender; i++)
		if (strcmp(u->regdom, c->sender[i]) == 0)
			return true;
	owner = brands_owner(c->d->brands, u->host);
	if (owner < 0)
		return false;
	if (owner == c->owner)
		return true;
	for (i = 0; i < c->n_claimed; i++)
		if (c->claimed[i] == owner)
			return true;
	return false;
}

static bool
private_ip(const char *host)
{
	unsigned char a[16];
	char tmp[64];
	size_t n;

	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127 || a[0] == 10 || a[0] == 0 ||
		    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 169 && a[1] == 254);
	n = strlen(host);
	if (n < 3 || n - 2 >= sizeof(tmp) || host[0] != '[')
		return false;
	memcpy(tmp, host + 1, n - 2);
	tmp[n - 2] = '\0';
	if (inet_pton(AF_INET6, tmp, a) != 1)
		return false;
	return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) ==
	    0x80) || memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
}

/* Adds a domain the sender also speaks for (Sender, Return-Path, list). */
static void
add_sender(struct links_ctx *c, const char *domain)
{
	const char *reg;

	if (domain == NULL || *domain == '\0' ||
	    c->n_sender == LINKS_MAX_SENDERS ||
	    (reg = urls_regdom(c->s->arena, domain)) == NULL)
		return;
	c->sender[c->n_sender++] = reg;
}

static void
once(struct scan *s, const char *sym, const char *a1, const char *a2,
    const char *a3)
{
	if (!scan_has_symbol(s, sym))
		scan_symbol(s, sym, a1, a2, a3);
}

/* lookalike_brand() of regdom, remembered for the last few domains. */
static enum lookalike_kind
lookalike_seen(struct links_ctx *c, const char *regdom, int *brand,
    const char **target)
{
	size_t i, k;

	for (i = 0; i < c->n_seen && i < LINKS_SEEN; i++)
		if (strcmp(c->seen[i].regdom, regdom) == 0) {
			*brand = c->seen[i].brand;
			*target = c->seen[i].target;
			return c->seen[i].kind;
		}
	k = c->n_seen++ % LINKS_SEEN;
	c->seen[k].kind = lookalike_brand(c->d->lookalike, c->d->brands,
	    c->s->arena, regdom, brand, target);
	c->seen[k].regdom = regdom;
	c->seen[k].brand = *brand;
	c->seen[k].target = *target;
	return c->seen[k].kind;
}

static void
judge_link(struct links_ctx *c, const struct link *l, const struct url *u)
{
	struct scan *s = c->s;
	const struct detect_data *d = c->d;
	const char *shown, *sreg, *target, *uni, *redir;
	bool button = (l->flags & (LINK_BUTTON | LINK_AREA)) != 0, mixed;
	int brand;

	/* An address in our own network is a colleague's device. */
	if (u->ip && !private_ip(u->host)) {
		once(s, "LINK_IP_LITERAL", u->host, NULL, NULL);
		want_location(c, u, button, l->text);
	}
	/* Security gateways rewrite every link; judge only what they hide. */
	if (detect_list_find(&d->rewriters, u->host, u->path, NULL) != NULL)
		return;
	if (u->userinfo)
		once(s, "LINK_USERINFO", l->href, u->host, NULL);

	/* The text shows a host: does the target agree? */
	shown = (l->flags & LINK_TEXT_URL) ? NULL : urls_host_in_text(s->arena,
	    l->text, l->text ? strlen(l->text) : 0);
	if (shown != NULL && (sreg = urls_regdom(s->arena, shown)) != NULL &&
	    strcmp(sreg, u->regdom) != 0 &&
	    (brands_owner(d->brands, shown) < 0 ||
	    brands_owner(d->brands, shown) !=
	    brands_owner(d->brands, u->host))) {
		redir = urls_redirect_target(s->arena, u);
		/*
		 * A tracker that forwards to the shown host is no lie;
		 * unless the tracker's own name imitates the shown one.
		 */
		if (redir == NULL || strcmp(urls_regdom(s->arena, redir),
		    sreg) != 0 || lookalike_pair(d->lookalike, s->arena, sreg,
		    u->regdom))
			once(s, "LINK_TEXT_MISMATCH", shown, u->host, NULL);
	}

	/*
	 * A button without words (an image) claims nothing to compare, and
	 * one whose words show its own target hides nothing.
	 */
	if (button && l->text != NULL && l->text[strspn(l->text, " \t\n")] !=
	    '\0' && !related(c, u) && (shown == NULL ||
	    strcmp(urls_regdom(s->arena, shown), u->regdom) != 0)) {
		once(s, "LINK_BUTTON_UNRELATED", quote(s->arena, l->text),
		    u->host, c->freg ? c->freg : "?");
		want_location(c, u, true, l->text);
	}

	if (detect_list_find(&d->shorteners, u->host, u->path, NULL) != NULL)
		once(s, "LINK_SHORTENER", u->host, NULL, NULL);
	if (detect_list_find(&d->hosting, u->host, u->path, NULL) != NULL)
		once(s, "LINK_HOSTING", u->host, NULL, NULL);
	if ((redir = urls_redirect_target(s->arena, u)) != NULL &&
	    strcmp(urls_regdom(s->arena, redir), u->regdom) != 0 &&
	    !related(c, u))
		once(s, "LINK_REDIRECT", u->host, redir, NULL);

	if (u->idn) {
		uni = lookalike_unicode(d->lookalike, s->arena, u->host,
		    &mixed);
		once(s, "LINK_PUNYCODE", u->host, uni ? uni : u->host, NULL);
		if (mixed)
			once(s, "LINK_MIXED_SCRIPT", uni ? uni : u->host, NULL,
			    NULL);
	}
	if (!u->ip && lookalike_seen(c, u->regdom, &brand, &target) !=
	    LOOK_NONE) {
		once(s, "LINK_LOOKALIKE", u->host,
		    brands_get(d->brands, brand)->name, target);
		want_location(c, u, button, l->text);
	}
}

static void
judge_forms(struct links_ctx *c, const struct message *m, void *h)
{
	struct scan *s = c->s;
	struct url u;
	size_t i;

	for (i = 0; i < m->n_forms; i++) {
		const struct form *f = &m->forms[i];
		bool parsed = f->action != NULL &&
		    urls_parse(s->arena, h, f->action, &u) == 0;

		if (f->has_password)
			once(s, "FORM_PASSWORD", parsed ? u.host : "-", NULL,
			    NULL);
		else if (parsed)
			once(s, "FORM_IN_MAIL", u.host, NULL, NULL);
		if (parsed)
			want_location(c, &u, true, NULL);
	}
}

/* Resolves every host at once, then waits; first A record wins. */
static void
locate(struct links_ctx *c)
{
	struct scan *s = c->s;
	const struct dns_result *r;
	struct geo_info gi;
	char ipbuf[INET6_ADDRSTRLEN], cc[3];
	const char *ip, *desc;
	size_t i;
	bool shown = false;

	if (c->d->geo == NULL)
		return;
	for (i = 0; i < c->n_loc; i++)
		if (!c->loc[i].ip && s->dns != NULL)
			c->loc[i].q = dns_submit(s->dns, c->loc[i].host,
			    DNS_T_A);
	for (i = 0; i < c->n_loc; i++) {
		ip = NULL;
		if (c->loc[i].ip)
			ip = c->loc[i].host;
		else if (c->loc[i].q != NULL) {
			r = dns_wait(s->dns, c->loc[i].q);
			if (r->status == DNS_OK && r->n > 0 &&
			    inet_ntop(AF_INET, r->rr[0].u.a, ipbuf,
			    sizeof(ipbuf)) != NULL)
				ip = ipbuf;
		}
		if (ip == NULL || ip[0] == '[' ||
		    geo_lookup(c->d->geo, s->arena, ip, &gi) == -1 ||
		    (desc = geo_describe(s->arena, &gi)) == NULL)
			continue;
		if (!shown || (c->loc[i].button &&
		    !scan_has_symbol(s, "LINK_BUTTON_LOCATION"))) {
			if (c->loc[i].button && c->loc[i].text != NULL)
				scan_symbol(s, "LINK_BUTTON_LOCATION",
				    quote(s->arena, c->loc[i].text),
				    c->loc[i].host, desc);
			else if (!shown)
				scan_symbol(s, "LINK_TARGET_LOCATION",
				    c->loc[i].host, desc);
			shown = true;
		}
		/* The list is lower-case like every list. */
		cc[0] = (char)str_lc((unsigned char)gi.cc[0]);
		cc[1] = (char)str_lc((unsigned char)gi.cc[1]);
		cc[2] = '\0';
		if (detect_list_has(&c->d->geo_risk, cc, NULL))
			once(s, "LINK_RISKY_COUNTRY", c->loc[i].host, desc,
			    NULL);
	}
}

/*
 * What each checked link's href came to, kept so that a later link with
 * the same href takes it over: its hash, and its URL when it was judged.
 */
struct seen_hrefs {
	uint32_t	*hash;
	struct url	*url;
	bool		*judged;
};

static uint32_t
href_hash(const char *href)
{
	return str_fnv1a(STR_FNV_INIT, href, strlen(href));
}

static bool
same_text(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * The first earlier link (before i) with link i's href, or -1; *again
 * when one also has its text and flags, so that judging i changes
 * nothing.
 */
static long
seen_before(const struct seen_hrefs *sh, const struct message *m, size_t i,
    bool *again)
{
	const struct link *l = &m->links[i], *e;
	long found = -1;
	size_t j;

	*again = false;
	for (j = 0; j < i; j++) {
		e = &m->links[j];
		if (e->href == NULL || sh->hash[j] != sh->hash[i] ||
		    strcmp(e->href, l->href) != 0)
			continue;
		/* The first was parsed itself, not taken over. */
		if (found < 0)
			found = (long)j;
		if (e->flags == l->flags && same_text(e->text, l->text)) {
			*again = true;
			break;
		}
	}
	return found;
}

/* The domain in List-Id's "<name.domain>" (RFC 2919 2). */
static void
list_domain(struct links_ctx *c, const struct message *m)
{
	const struct header *h = message_header(m, "List-Id", 0);
	const char *lt, *gt, *v;
	char *id;

	if (h == NULL || (v = h->decoded) == NULL ||
	    (lt = strrchr(v, '<')) == NULL || (gt = strchr(lt, '>')) == NULL ||
	    (id = arena_strndup(c->s->arena, lt + 1, (size_t)(gt - lt - 1))) ==
	    NULL)
		return;
	add_sender(c, id);
}

void
check_links(const struct message *m, struct scan *s)
{
	const struct detect_data *d = s->cfg ? s->cfg->detect : NULL;
	const struct address *from = detect_from(m);
	struct brand_hit hits[LINKS_MAX_CLAIMS];
	struct seen_hrefs sh;
	struct links_ctx c;
	const struct link *l;
	struct url u;
	size_t i, n, nl;
	bool again;
	long j;
	void *h;

	if (d == NULL || (m->n_links == 0 && m->n_forms == 0))
		return;
	memset(&c, 0, sizeof(c));
	c.s = s;
	c.d = d;
	c.owner = -1;
	if (from != NULL) {
		c.freg = urls_regdom(s->arena, from->domain);
		c.owner = brands_owner(d->brands, from->domain);
		/* A brand claimed in the name may own the button's target. */
		if (from->display != NULL) {
			n = brands_find(d->brands, s->arena, from->display,
			    strlen(from->display), false, hits,
			    LINKS_MAX_CLAIMS);
			for (i = 0; i < n; i++)
				c.claimed[c.n_claimed++] = hits[i].brand;
		}
	}
	if (m->sender.n > 0)
		add_sender(&c, m->sender.v[0].domain);
	if (s->env.mail_from != NULL && strchr(s->env.mail_from, '@') != NULL)
		add_sender(&c, strrchr(s->env.mail_from, '@') + 1);
	list_domain(&c, m);
	if ((h = urls_handle()) == NULL)
		return;
	nl = m->n_links < LINKS_MAX_CHECKED ? m->n_links : LINKS_MAX_CHECKED;
	sh.hash = arena_calloc(s->arena, nl + 1, sizeof(*sh.hash));
	sh.url = arena_calloc(s->arena, nl + 1, sizeof(*sh.url));
	sh.judged = arena_calloc(s->arena, nl + 1, sizeof(*sh.judged));
	for (i = 0; i < nl; i++) {
		l = &m->links[i];
		if (l->href == NULL)
			continue;
		if (sh.hash != NULL && sh.url != NULL && sh.judged != NULL) {
			sh.hash[i] = href_hash(l->href);
			if ((j = seen_before(&sh, m, i, &again)) >= 0) {
				/* The same href came to nothing before. */
				if (again || !sh.judged[j])
					continue;
				sh.url[i] = sh.url[j];
				sh.judged[i] = true;
				judge_link(&c, l, &sh.url[i]);
				continue;
			}
		}
		if (strncasecmp(l->href, "data:", 5) == 0) {
			once(s, "LINK_DATA_URI", quote(s->arena, l->href),
			    NULL, NULL);
			continue;
		}
		if (urls_parse(s->arena, h, l->href, &u) == -1)
			continue;
		if (strcmp(u.scheme, "http") != 0 &&
		    strcmp(u.scheme, "https") != 0 &&
		    strcmp(u.scheme, "ftp") != 0)
			continue;
		if (sh.url != NULL && sh.judged != NULL) {
			sh.url[i] = u;
			sh.judged[i] = true;
		}
		judge_link(&c, l, &u);
	}
	judge_forms(&c, m, h);
	urls_handle_free(h);
	locate(&c);
}
