/*
 * test_dmarc_report.c - aggregate reports from records: folding equal
 * rows, alignment in <policy_evaluated>, hostile text escaped, values
 * outside the schema's lists replaced, the file name, and GZIP that
 * zlib reads back.  Every report is validated with libxml2 against
 * RFC 9990's schema (tests/dmarc_report/rfc9990.xsd).  Prints TAP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "tap.h"
#include "store/dmarc_report.h"
#include "store/store.h"
#include "util/buf.h"

static xmlSchemaPtr schema;

static bool
valid(const struct buf *b)
{
	xmlSchemaValidCtxtPtr v;
	xmlDocPtr doc;
	int r;

	if ((doc = xmlReadMemory(b->data, (int)b->len, "report.xml", NULL,
	    XML_PARSE_NONET)) == NULL)
		return false;
	v = xmlSchemaNewValidCtxt(schema);
	r = xmlSchemaValidateDoc(v, doc);
	xmlSchemaFreeValidCtxt(v);
	xmlFreeDoc(doc);
	return r == 0;
}

static void
fill(struct store_dmarc_record *r, const char *ip, const char *dkim_domain,
    const char *dkim, const char *spf)
{
	memset(r, 0, sizeof(*r));
	r->time = 1000;
	r->count = 1;
	snprintf(r->domain, sizeof(r->domain), "example.org");
	snprintf(r->source_ip, sizeof(r->source_ip), "%s", ip);
	snprintf(r->header_from, sizeof(r->header_from), "example.org");
	snprintf(r->envelope_from, sizeof(r->envelope_from), "bounce.example.org");
	snprintf(r->dkim_domain, sizeof(r->dkim_domain), "%s", dkim_domain);
	snprintf(r->dkim_result, sizeof(r->dkim_result), "%s", dkim);
	snprintf(r->spf_domain, sizeof(r->spf_domain), "bounce.example.org");
	snprintf(r->spf_result, sizeof(r->spf_result), "%s", spf);
	snprintf(r->disposition, sizeof(r->disposition), "none");
	snprintf(r->policy, sizeof(r->policy), "reject");
}

static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

int
main(void)
{
	struct dmarc_report_meta m = {
		.org_name = "Praxis <Beispiel> & Co", .email = "d@example.net",
		.receiver = "mx.example.net",
	};
	struct store_dmarc_record recs[4];
	unsigned char back[65536];
	struct buf x, gz;
	z_stream zs;
	char name[512];

	LIBXML_TEST_VERSION
	{
		xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(MT_TESTDIR
		    "/../dmarc_report/rfc9990.xsd");

		schema = xmlSchemaParse(pc);
		xmlSchemaFreeParserCtxt(pc);
	}
	ok(schema != NULL, "RFC 9990 schema loaded");
	if (schema == NULL)
		return tap_done();
	buf_init(&x, 1 << 20);
	buf_init(&gz, 1 << 20);

	fill(&recs[0], "192.0.2.1", "example.org", "pass", "fail");
	fill(&recs[1], "198.51.100.7", "", "none", "pass");
	fill(&recs[2], "192.0.2.1", "example.org", "pass", "fail");
	recs[2].count = 4;
	fill(&recs[3], "203.0.113.9", "evil.example", "pass", "pass");
	snprintf(recs[3].envelope_from, sizeof(recs[3].envelope_from),
	    "a<b>&\"c'\x01");
	snprintf(recs[3].disposition, sizeof(recs[3].disposition), "bogus");
	is_int(dmarc_report_xml(&m, "example.org", 0, 86400, recs, 4, &x), 0,
	    "report written");
	ok(valid(&x), "valid against RFC 9990's schema");
	is_int(count_of(x.data, "<record>"), 3, "equal rows are one record");
	ok(strstr(x.data, "<source_ip>192.0.2.1</source_ip>\n"
	    "      <count>5</count>") != NULL, "their counts add up (1 + 4)");
	ok(strstr(x.data, "<count>1</count>\n      <policy_evaluated>\n"
	    "        <disposition>none</disposition>\n        <dkim>fail"
	    "</dkim>\n        <spf>pass</spf>") != NULL,
	    "SPF pass for a subdomain of From is aligned");
	ok(strstr(x.data, "<envelope_from>a&lt;b&gt;&amp;&quot;c&apos;"
	    "</envelope_from>") != NULL, "hostile text escaped, control "
	    "characters dropped");
	ok(strstr(x.data, "<org_name>Praxis &lt;Beispiel&gt; &amp; Co"
	    "</org_name>") != NULL, "metadata escaped");
	ok(strstr(x.data, "<disposition>bogus") == NULL,
	    "a word outside the schema's list is not written");
	ok(strstr(x.data, "<begin>0</begin>") != NULL &&
	    strstr(x.data, "<end>86399</end>") != NULL,
	    "date range [begin, end) ends a second before end");

	is_int(dmarc_report_filename(&m, "example.org", 0, 86400, name,
	    sizeof(name)), 0, "file name");
	is_str(name, "mx.example.net!example.org!0!86399.xml.gz",
	    "receiver!domain!begin!end.xml.gz");
	is_int(dmarc_report_filename(&m, "../etc", 0, 86400, name,
	    sizeof(name)), -1, "a domain with a path is refused");

	is_int(dmarc_report_gzip(x.data, x.len, &gz), 0, "gzip");
	ok(gz.len > 10 && (unsigned char)gz.data[0] == 0x1f &&
	    (unsigned char)gz.data[1] == 0x8b, "RFC 1952 magic");
	memset(&zs, 0, sizeof(zs));
	inflateInit2(&zs, 15 + 16);
	zs.next_in = (Bytef *)gz.data;
	zs.avail_in = (uInt)gz.len;
	zs.next_out = back;
	zs.avail_out = sizeof(back);
	ok(inflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out == x.len &&
	    memcmp(back, x.data, x.len) == 0, "zlib reads it back whole");
	inflateEnd(&zs);

	/* A ceiling too low for the report: refused, not cut. */
	buf_free(&x);
	buf_init(&x, 600);
	is_int(dmarc_report_xml(&m, "example.org", 0, 86400, recs, 4, &x), -1,
	    "a report over the buffer's ceiling is an error");

	buf_free(&x);
	buf_free(&gz);
	xmlSchemaFree(schema);
	xmlCleanupParser();
	return tap_done();
}
