/*
 * dmarc_report.h - DMARC aggregate reports (RFC 9990): what each judged
 * message adds to the store, and the XML report made from the stored
 * records of one policy domain and one period.
 *
 * Saving: dmarc_report_save() turns a finished scan into one
 * store_dmarc_record (RFC 9990 section 3's row, identifiers and
 * auth_results) when the From domain publishes a DMARC policy; a scan
 * without one has nobody to report to and saves nothing.
 *
 * Writing: records of the same source, identifiers, results and
 * disposition become one <record> with their count added up, sorted, so
 * the same records always give the same report (and report id): a
 * report re-sent after a failure has the same file name, as RFC 9990
 * asks ("Report Delivery", "Email").
 */
#ifndef MT_DMARC_REPORT_H
#define MT_DMARC_REPORT_H

#include <stddef.h>
#include <time.h>

struct buf;
struct scan;
struct store;
struct store_dmarc_record;

/* Who writes the report (report_metadata). */
struct dmarc_report_meta {
	const char	*org_name;	/* reporting organisation */
	const char	*email;		/* its contact address */
	const char	*receiver;	/* our domain, for the file name */
};

/*
 * The record a scan stands for; -1 when there is nothing to report
 * (no DMARC policy found, no From domain).
 */
int	dmarc_report_record(const struct scan *, struct store_dmarc_record *);

/*
 * Saves the scan's record when the scan's configuration has a store
 * that is not read-only.  Returns a store status (STORE_OK also when
 * there was nothing to save).
 */
int	dmarc_report_save(const struct scan *);

/*
 * Appends the XML report for domain over [begin, end) made of the n
 * records (all of that domain).  Returns 0, or -1 when out of memory
 * or over the buffer's ceiling.
 */
int	dmarc_report_xml(const struct dmarc_report_meta *, const char *domain,
	    time_t begin, time_t end, struct store_dmarc_record *recs,
	    size_t n, struct buf *out);

/* RFC 9990's file name (receiver!domain!begin!end.xml.gz), no directory. */
int	dmarc_report_filename(const struct dmarc_report_meta *,
	    const char *domain, time_t begin, time_t end, char *out,
	    size_t len);

/* GZIP (RFC 1952) of data[0..len) into out.  0, or -1. */
int	dmarc_report_gzip(const void *data, size_t len, struct buf *out);

#endif
