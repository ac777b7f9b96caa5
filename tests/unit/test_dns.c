/*
 * test_dns.c - the backend-independent resolver layer: the batch cache
 * (one backend query per (name, type), any case, with or without the
 * final dot), the per-batch query limit, pending queries and
 * cancellation, RDATA decoding and presentation, reverse names, type and
 * status names.  A counting fake backend stands behind the batch so the
 * counts are the backend's own, not the batch's bookkeeping.
 *
 * With MT_DNS_SERVER=IP@PORT (tests/e2e/dns_unbound.sh sets it, with its
 * own unbound on 127.0.0.1 and its test names) it also drives the
 * libunbound backend from several threads over one shared context: each
 * thread's callbacks may run in another thread, answers must still land
 * in the right batch.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/dns.h"
#include "dns/dns_backend.h"
#include "util/arena.h"
#include "util/buf.h"
#include "tap.h"

/* A backend that answers "ok, no records" later, and counts. */
struct fake {
	struct dns_resolver base;
	unsigned	 starts, finishes, cancels;
	bool		 refuse;	/* start fails */
};

static int
fake_start(struct dns_resolver *r, struct dns_query *q, struct arena *a)
{
	struct fake *f = (struct fake *)r;

	f->starts++;
	if (f->refuse)
		return -1;
	q->state = f;		/* pending until finish */
	return 0;
}

static void
fake_finish(struct dns_resolver *r, struct dns_query *q, struct arena *a)
{
	struct fake *f = (struct fake *)r;

	f->finishes++;
	q->state = NULL;
	q->res = dns_result_new(a, q, DNS_NODATA);
}

static void
fake_cancel(struct dns_resolver *r, struct dns_query *q)
{
	struct fake *f = (struct fake *)r;

	f->cancels++;
	q->state = NULL;
}

static void
fake_free(struct dns_resolver *r)
{
	(void)r;
}

static const struct dns_backend fake_ops = {
	"fake", fake_start, fake_finish, fake_cancel, fake_free,
};

static void
test_cache(struct arena *a)
{
	struct fake f = { { &fake_ops }, 0, 0, 0, false };
	struct dns_query *q1, *q2, *q3, *q4, *q5;
	const struct dns_result *r1, *r2;
	struct dns_batch *b;

	b = dns_batch_new(&f.base, a);
	ok(b != NULL, "batch");
	q1 = dns_submit(b, "Example.COM", DNS_T_TXT);
	q2 = dns_submit(b, "example.com.", DNS_T_TXT);
	q3 = dns_submit(b, "EXAMPLE.com.", DNS_T_TXT);
	is_int(f.starts, 1, "same question three ways: one backend query");
	ok(q1 == q2 && q2 == q3, "one query object");
	q4 = dns_submit(b, "example.com", DNS_T_MX);
	is_int(f.starts, 2, "another type is another query");
	is_int(dns_batch_queries(b), 2, "dns_batch_queries agrees");
	is_int(f.finishes, 0, "submit did not wait");
	r1 = dns_wait(b, q1);
	r2 = dns_wait(b, q2);
	is_int(f.finishes, 1, "waiting twice finishes once");
	ok(r1 == r2, "the cached result is the same object");
	is_int(r1->status, DNS_NODATA, "backend's status");
	is_str(r1->qname, "example.com", "qname in text form");
	is_int(r1->qtype, DNS_T_TXT, "qtype");
	r1 = dns_lookup(b, "example.COM", DNS_T_TXT);
	is_int(f.starts, 2, "lookup after wait: still cached");
	ok(r1 == r2, "...the same result");
	q5 = dns_submit(b, "a\\046b.example.com", DNS_T_A);
	ok(q5 != NULL && dns_submit(b, "A\\.B.example.com", DNS_T_A) == q5,
	    "\\046 and \\. are the same label octet");
	dns_batch_free(b);
	is_int(f.cancels, 2, "free cancels the two pending queries");
	(void)q4;
}

static void
test_limits(struct arena *a)
{
	struct fake f = { { &fake_ops }, 0, 0, 0, false };
	const struct dns_result *res;
	struct dns_batch *b;
	char name[64];
	unsigned i, errors = 0;

	b = dns_batch_new(&f.base, a);
	for (i = 0; i < DNS_BATCH_MAX_QUERIES; i++) {
		snprintf(name, sizeof(name), "n%u.example", i);
		if (dns_wait(b, dns_submit(b, name, DNS_T_A))->status !=
		    DNS_NODATA)
			errors++;
	}
	is_int(errors, 0, "%u queries answered", DNS_BATCH_MAX_QUERIES);
	res = dns_lookup(b, "one-too-many.example", DNS_T_A);
	is_int(res->status, DNS_ERROR, "query past the limit: DNS_ERROR");
	ok(res->why != NULL && strstr(res->why, "too many"), "why: %s",
	    res->why ? res->why : "(null)");
	is_str(res->qname, "one-too-many.example", "qname still set");
	is_int(f.starts, DNS_BATCH_MAX_QUERIES, "backend not asked");
	res = dns_lookup(b, "n7.example", DNS_T_A);
	is_int(res->status, DNS_NODATA, "cached answers still served");
	is_int(dns_batch_queries(b), DNS_BATCH_MAX_QUERIES, "count capped");
	dns_batch_free(b);

	f.starts = 0;
	b = dns_batch_new(&f.base, a);
	res = dns_lookup(b, "a..b", DNS_T_A);
	is_int(res->status, DNS_ERROR, "empty label: DNS_ERROR");
	ok(res->why && strstr(res->why, "empty label"), "why: %s",
	    res->why ? res->why : "(null)");
	res = dns_lookup(b, "a234567890123456789012345678901234567890123456"
	    "789012345678901234.example", DNS_T_A);
	is_int(res->status, DNS_ERROR, "64-octet label: DNS_ERROR");
	{
		char longname[300];

		for (i = 0; i < 296; i += 2) {
			longname[i] = 'a';
			longname[i + 1] = '.';
		}
		longname[296] = '\0';
		res = dns_lookup(b, longname, DNS_T_A);
		is_int(res->status, DNS_ERROR, "name over 255 octets");
	}
	res = dns_lookup(b, "", DNS_T_A);
	is_int(res->status, DNS_ERROR, "empty name");
	res = dns_lookup(b, "x\\", DNS_T_A);
	is_int(res->status, DNS_ERROR, "trailing backslash");
	is_int(f.starts, 0, "bad names never reach the backend");
	res = dns_lookup(b, ".", DNS_T_NS);
	is_str(res->qname, "", "the root is \"\" in text form");
	dns_batch_free(b);

	f.refuse = true;
	f.starts = f.finishes = 0;
	b = dns_batch_new(&f.base, a);
	res = dns_lookup(b, "x.example", DNS_T_A);
	is_int(res->status, DNS_ERROR, "backend cannot start: DNS_ERROR");
	is_str(res->qname, "x.example", "...with its qname");
	is_int(f.starts, 1, "...after one try");
	is_int(f.finishes, 0, "...and no finish");
	dns_batch_free(b);
}

static void
rr_text(const struct dns_rr *rr, char *out, size_t outlen)
{
	struct buf b;

	buf_init(&b, 4096);
	if (dns_rr_format(&b, rr) == -1 || b.data == NULL)
		snprintf(out, outlen, "(failed)");
	else
		snprintf(out, outlen, "%s", b.data);
	buf_free(&b);
}

static void
test_rdata(struct arena *a)
{
	struct dns_rr rr;
	char text[512];
	static const unsigned char txt[] = "\x03" "abc" "\x00" "\x04" "d\"\\e";
	static const unsigned char mx[] = "\x00\x05\x02mx\x07" "example\x00";
	static const unsigned char nullmx[] = "\x00\x00\x00";
	static const unsigned char badname[] = "\x00\x05\xc0\x0c";
	static const unsigned char soa[] = "\x02ns\x00\x01h\x00"
	    "\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x03"
	    "\x00\x00\x00\x04\x00\x00\x00\x05";
	static const unsigned char caa[] = "\x80\x05issueca.example";

	memset(&rr, 0, sizeof(rr));
	rr.type = DNS_T_TXT;
	rr.rdata = txt;
	rr.rdlen = sizeof(txt) - 1;
	ok(dns_rr_decode(a, &rr) == 0, "TXT decodes");
	ok(rr.u.txt.len == 7 && memcmp(rr.u.txt.text, "abcd\"\\e", 7) == 0,
	    "TXT joined");
	is_int(rr.u.txt.nstrings, 3, "empty string counted");
	rr_text(&rr, text, sizeof(text));
	is_str(text, "\"abc\" \"\" \"d\\\"\\\\e\"", "TXT presentation");
	rr.rdlen = 6;
	ok(dns_rr_decode(a, &rr) == -1, "TXT string past the end refused");
	rr.rdlen = 0;
	ok(dns_rr_decode(a, &rr) == -1, "TXT without strings refused");

	memset(&rr, 0, sizeof(rr));
	rr.type = DNS_T_MX;
	rr.rdata = mx;
	rr.rdlen = sizeof(mx) - 1;
	ok(dns_rr_decode(a, &rr) == 0 && rr.u.mx.pref == 5, "MX decodes");
	is_str(rr.u.mx.host, "mx.example", "MX host without final dot");
	rr_text(&rr, text, sizeof(text));
	is_str(text, "5 mx.example.", "MX presentation");
	rr.rdata = nullmx;
	rr.rdlen = 3;
	ok(dns_rr_decode(a, &rr) == 0, "null MX decodes");
	is_str(rr.u.mx.host, "", "null MX host is \"\"");
	rr_text(&rr, text, sizeof(text));
	is_str(text, "0 .", "null MX presentation");
	rr.rdata = badname;
	rr.rdlen = 4;
	ok(dns_rr_decode(a, &rr) == -1, "compression pointer refused");
	rr_text(&rr, text, sizeof(text));
	is_str(text, "\\# 4 0005C00C", "malformed: RFC 3597 form");
	rr.rdata = mx;
	rr.rdlen = sizeof(mx) - 2;
	ok(dns_rr_decode(a, &rr) == -1, "name without its root label");

	memset(&rr, 0, sizeof(rr));
	rr.type = DNS_T_A;
	rr.rdata = (const unsigned char *)"\x0a\x00\x00\x01";
	rr.rdlen = 4;
	rr_text(&rr, text, sizeof(text));
	is_str(text, "10.0.0.1", "A presentation");
	rr.rdlen = 3;
	ok(dns_rr_decode(a, &rr) == -1, "A of 3 octets refused");
	rr.type = DNS_T_AAAA;
	rr.rdata = (const unsigned char *)"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0"
	    "\0\0\0\x01";
	rr.rdlen = 16;
	rr_text(&rr, text, sizeof(text));
	is_str(text, "2001:db8::1", "AAAA presentation");

	memset(&rr, 0, sizeof(rr));
	rr.type = DNS_T_SOA;
	rr.rdata = soa;
	rr.rdlen = sizeof(soa) - 1;
	ok(dns_rr_decode(a, &rr) == 0, "SOA checks out");
	rr_text(&rr, text, sizeof(text));
	is_str(text, "ns. h. 1 2 3 4 5", "SOA presentation");
	rr.type = DNS_T_CAA;
	rr.rdata = caa;
	rr.rdlen = sizeof(caa) - 1;
	rr_text(&rr, text, sizeof(text));
	is_str(text, "128 issue \"ca.example\"", "CAA presentation");
	rr.type = 65280;
	rr.rdata = (const unsigned char *)"\x01\xff";
	rr.rdlen = 2;
	rr_text(&rr, text, sizeof(text));
	is_str(text, "\\# 2 01FF", "unknown type presentation");
}

static void
test_names(void)
{
	char out[128];

	ok(dns_reverse_name("192.0.2.1", out, sizeof(out)) == 0, "IPv4");
	is_str(out, "1.2.0.192.in-addr.arpa", "IPv4 reverse name");
	ok(dns_reverse_name("2001:db8::567:89ab", out, sizeof(out)) == 0,
	    "IPv6");
	is_str(out, "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0"
	    ".1.0.0.2.ip6.arpa", "IPv6 nibble name (RFC 3596 2.5)");
	ok(dns_reverse_name("::ffff:10.1.2.3", out, sizeof(out)) == 0 &&
	    strncmp(out, "3.0.2.0.1.0.a.0.f.f.f.f.0", 25) == 0,
	    "IPv4-mapped stays under ip6.arpa");
	is_int(dns_reverse_name("192.0.2.1", out, 10), -1, "small buffer");
	is_int(dns_reverse_name("2001:db8::1", out, 40), -1,
	    "small buffer IPv6");
	is_int(dns_reverse_name("300.1.2.3", out, sizeof(out)), -1,
	    "bad IPv4");
	is_int(dns_reverse_name("example.com", out, sizeof(out)), -1,
	    "not an address");
	is_int(dns_reverse_name("", out, sizeof(out)), -1, "empty");

	is_str(dns_status_name(DNS_OK), "ok", "status ok");
	is_str(dns_status_name(DNS_NODATA), "nodata", "status nodata");
	is_str(dns_status_name(DNS_NXDOMAIN), "nxdomain", "status nxdomain");
	is_str(dns_status_name(DNS_SERVFAIL), "servfail", "status servfail");
	is_str(dns_status_name(DNS_TIMEOUT), "timeout", "status timeout");
	is_str(dns_status_name(DNS_ERROR), "error", "status error");

	is_str(dns_type_name(DNS_T_TXT), "TXT", "type TXT");
	is_str(dns_type_name(DNS_T_TLSA), "TLSA", "type TLSA");
	is_str(dns_type_name(DNS_T_CAA), "CAA", "type CAA");
	is_str(dns_type_name(65280), "TYPE65280", "unknown type RFC 3597");
	is_int(dns_type_from_name("txt"), DNS_T_TXT, "txt, any case");
	is_int(dns_type_from_name("AAAA"), DNS_T_AAAA, "AAAA");
	is_int(dns_type_from_name("Type65280"), 65280, "TYPE65280");
	is_int(dns_type_from_name("TYPE65536"), -1, "TYPE65536");
	is_int(dns_type_from_name("TYPE"), -1, "TYPE");
	is_int(dns_type_from_name("FOO"), -1, "unknown name");
}

/* The zone through the batch: cached, and case-insensitive. */
static void
test_zone_batch(struct arena *a)
{
	static const char text[] = "x.test. TXT \"hello\"\n";
	const struct dns_result *r1, *r2;
	struct dns_resolver *r;
	struct dns_batch *b;
	char err[256];

	r = dns_zone_from_text(text, sizeof(text) - 1, NULL, err,
	    sizeof(err));
	ok(r != NULL, "zone");
	if (r == NULL)
		return;
	b = dns_batch_new(r, a);
	r1 = dns_lookup(b, "X.Test", DNS_T_TXT);
	r2 = dns_lookup(b, "x.test.", DNS_T_TXT);
	ok(r1 == r2 && r1->status == DNS_OK, "zone answer cached");
	is_int(dns_batch_queries(b), 1, "one zone query");
	is_int(dns_lookup(b, "y.test", DNS_T_TXT)->status, DNS_NXDOMAIN,
	    "NXDOMAIN through the batch");
	dns_batch_free(b);
	dns_resolver_free(r);
}

#define UB_THREADS	8
#define UB_QUERIES	40
#define UB_ROUNDS	3

struct ub_worker {
	pthread_t	 tid;
	struct dns_resolver *r;
	unsigned	 id;
	unsigned	 checked, bad;
	char		 first_bad[256];
};

static void
ub_bad(struct ub_worker *w, const char *what, const struct dns_result *res)
{
	if (w->bad++ == 0)
		snprintf(w->first_bad, sizeof(w->first_bad),
		    "thread %u: %s: %s %s (%s)", w->id, what, res->qname,
		    dns_status_name(res->status), res->why ? res->why : "");
}

static void *
ub_work(void *arg)
{
	struct ub_worker *w = arg;
	struct dns_query *q[UB_QUERIES];
	const struct dns_result *res;
	struct dns_batch *b;
	struct arena *a;
	char name[64];
	unsigned round, i;

	for (round = 0; round < UB_ROUNDS; round++) {
		a = arena_new(0);
		b = dns_batch_new(w->r, a);
		for (i = 0; i < UB_QUERIES; i++) {
			switch (i % 5) {
			case 0:
				q[i] = dns_submit(b, "a.mt.example", DNS_T_A);
				break;
			case 1:
				q[i] = dns_submit(b, "multi.mt.example",
				    DNS_T_TXT);
				break;
			case 2:
				snprintf(name, sizeof(name),
				    "nx%u-%u-%u.mt.example", w->id, round, i);
				q[i] = dns_submit(b, name, DNS_T_A);
				break;
			case 3:
				q[i] = dns_submit(b, "alias.mt.example",
				    DNS_T_A);
				break;
			default:
				q[i] = dns_submit(b, "a.mt.example",
				    DNS_T_TXT);
				break;
			}
		}
		/* Waiting in reverse order: answers arrive in any order. */
		for (i = UB_QUERIES; i-- > 0;) {
			res = dns_wait(b, q[i]);
			w->checked++;
			switch (i % 5) {
			case 0:
				if (res->status != DNS_OK || res->n != 1 ||
				    memcmp(res->rr[0].u.a, "\xc0\0\2\1", 4))
					ub_bad(w, "A", res);
				break;
			case 1:
				if (res->status != DNS_OK || res->n != 1 ||
				    res->rr[0].u.txt.nstrings != 2 ||
				    strcmp(res->rr[0].u.txt.text,
				    "v=spf1 ip4:192.0.2.0/24 -all") != 0)
					ub_bad(w, "TXT", res);
				break;
			case 2:
				if (res->status != DNS_NXDOMAIN ||
				    strncmp(res->qname, "nx", 2) != 0)
					ub_bad(w, "NXDOMAIN", res);
				break;
			case 3:
				if (res->status != DNS_OK ||
				    res->canon == NULL ||
				    strcmp(res->canon, "a.mt.example") != 0)
					ub_bad(w, "CNAME", res);
				break;
			default:
				if (res->status != DNS_NODATA)
					ub_bad(w, "NODATA", res);
				break;
			}
		}
		/* 4 shared names + 8 distinct NXDOMAIN names. */
		if (dns_batch_queries(b) != 4 + UB_QUERIES / 5) {
			w->bad++;
			snprintf(w->first_bad, sizeof(w->first_bad),
			    "thread %u: %zu backend queries", w->id,
			    dns_batch_queries(b));
		}
		/* Queries still pending when their batch goes: cancelled. */
		for (i = 0; i < 5; i++) {
			snprintf(name, sizeof(name), "gone%u-%u-%u.mt.example",
			    w->id, round, i);
			dns_submit(b, name, DNS_T_A);
		}
		dns_batch_free(b);
		arena_free(a);
	}
	return NULL;
}

struct ub_slow {
	pthread_t	 tid;
	struct dns_resolver *r;
	enum dns_status	 status;
};

static void *
ub_slow_work(void *arg)
{
	struct ub_slow *s = arg;
	struct arena *a = arena_new(0);
	struct dns_batch *b = dns_batch_new(s->r, a);

	s->status = dns_lookup(b, "x.unreachable.example", DNS_T_A)->status;
	dns_batch_free(b);
	arena_free(a);
	return NULL;
}

/*
 * A query its batch drops before the deadline (a DMARC tree walk drops
 * the names above a failed one) is left to finish, and its answer is
 * cached: the next batch that asks gets it without asking libunbound.
 */
static void
test_unbound_dropped(struct dns_config *cfg)
{
	const struct dns_result *res;
	struct dns_resolver *r;
	struct dns_batch *b;
	struct arena *a;
	char err[256];
	unsigned long asked;

	cfg->timeout_ms = 5000;
	if ((r = dns_unbound_open(cfg, err, sizeof(err))) == NULL) {
		ok(0, "third resolver: %s", err);
		return;
	}
	a = arena_new(0);
	b = dns_batch_new(r, a);
	dns_submit(b, "a.mt.example", DNS_T_A);
	dns_submit(b, "nx-dropped.mt.example", DNS_T_A);
	dns_batch_free(b);
	is_int(dns_resolver_upstream(r), 2, "two questions went upstream, "
	    "their batch gone before the answers");
	/*
	 * The dropped answers are taken in by whoever polls next: a new
	 * question, asked once the server has long since answered.
	 */
	usleep(300 * 1000);
	b = dns_batch_new(r, a);
	is_int(dns_lookup(b, "multi.mt.example", DNS_T_TXT)->status, DNS_OK,
	    "a third question");
	dns_batch_free(b);
	asked = dns_resolver_upstream(r);
	is_int(asked, 3, "...went upstream");
	b = dns_batch_new(r, a);
	res = dns_lookup(b, "a.mt.example", DNS_T_A);
	ok(res->status == DNS_OK && res->n == 1 &&
	    memcmp(res->rr[0].u.a, "\xc0\0\2\1", 4) == 0,
	    "the dropped A query's answer is there");
	is_int(dns_lookup(b, "nx-dropped.mt.example", DNS_T_A)->status,
	    DNS_NXDOMAIN, "so is the dropped NXDOMAIN");
	is_int(dns_resolver_upstream(r), asked,
	    "both from the cache: nothing more went upstream");
	dns_batch_free(b);
	arena_free(a);
	dns_resolver_free(r);
}

static void
test_unbound_threads(void)
{
	const char *srv = getenv("MT_DNS_SERVER"), *fwd[2] = { NULL, NULL };
	struct dns_config cfg = { 0 };
	struct ub_worker w[UB_THREADS];
	struct ub_slow slow;
	struct dns_resolver *r;
	struct dns_batch *b;
	struct arena *a;
	char err[256];
	unsigned i, checked = 0, bad = 0;

	if (srv == NULL) {
		ok(1, "libunbound from threads # SKIP MT_DNS_SERVER not set");
		return;
	}
	fwd[0] = srv;
	cfg.forwarders = fwd;
	cfg.timeout_ms = 5000;
	r = dns_unbound_open(&cfg, err, sizeof(err));
	ok(r != NULL, "unbound resolver forwarding to %s %s", srv,
	    r ? "" : err);
	if (r == NULL)
		return;
	memset(w, 0, sizeof(w));
	for (i = 0; i < UB_THREADS; i++) {
		w[i].r = r;
		w[i].id = i;
		pthread_create(&w[i].tid, NULL, ub_work, &w[i]);
	}
	for (i = 0; i < UB_THREADS; i++) {
		pthread_join(w[i].tid, NULL);
		checked += w[i].checked;
		bad += w[i].bad;
		if (w[i].bad)
			printf("# %s\n", w[i].first_bad);
	}
	is_int(checked, UB_THREADS * UB_ROUNDS * UB_QUERIES,
	    "every answer waited for");
	is_int(bad, 0, "%u threads on one context: every answer right",
	    UB_THREADS);
	dns_resolver_free(r);

	/* One query timing out does not hold up another thread's. */
	cfg.timeout_ms = 1500;
	r = dns_unbound_open(&cfg, err, sizeof(err));
	ok(r != NULL, "second resolver");
	if (r == NULL)
		return;
	slow.r = r;
	pthread_create(&slow.tid, NULL, ub_slow_work, &slow);
	a = arena_new(0);
	b = dns_batch_new(r, a);
	is_int(dns_lookup(b, "a.mt.example", DNS_T_A)->status, DNS_OK,
	    "answer while another thread waits for a dead server");
	dns_batch_free(b);
	arena_free(a);
	pthread_join(slow.tid, NULL);
	is_int(slow.status, DNS_TIMEOUT, "...which times out");
	dns_resolver_free(r);
	test_unbound_dropped(&cfg);
}

int
main(void)
{
	struct arena *a;

	if ((a = arena_new(0)) == NULL)
		return 1;
	test_cache(a);
	test_limits(a);
	test_rdata(a);
	test_names();
	test_zone_batch(a);
	test_unbound_threads();
	arena_free(a);
	return tap_done();
}
