/*
 * test_exchange_builds.c - the Exchange build table (data/exchange-builds)
 * and the judgement of builds against it: product, CU, missing updates,
 * CVEs, end of support, as of a given day.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/scanner.h"
#include "tap.h"

static bool
has(const char *const *list, size_t n, const char *want)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], want) == 0)
			return true;
	return false;
}

static void
judge(const struct scanner_builds *b, const char *build, const char *day,
    struct scanner_judgement *j)
{
	long d = scanner_date(day, strlen(day));

	ok(scanner_builds_judge(b, build, d, j) == 0, "%s judged", build);
}

static void
test_current_lines(const struct scanner_builds *b)
{
	struct scanner_judgement j;

	judge(b, "15.2.1544.39", "2025-06-01", &j);
	is_str(scanner_class_name(j.class), "patched", "2019 CU14 Feb26SU");
	is_str(j.product, "2019", "product 2019");
	is_str(j.cu, "CU14", "CU14");
	is_int(j.nmissing, 0, "nothing missing");

	judge(b, "15.2.1544.14", "2025-01-01", &j);
	is_str(scanner_class_name(j.class), "patched",
	    "CU14 Nov24SUv2 was current on 2025-01-01");

	judge(b, "15.2.1544.14", "2025-09-01", &j);
	is_str(scanner_class_name(j.class), "unpatched",
	    "CU14 Nov24SUv2 lacks Aug25SU by September 2025");
	ok(has(j.missing, j.nmissing, "Aug25SU"), "Aug25SU missing");
	ok(has(j.missing, j.nmissing, "Apr25HU"), "Apr25HU (a CVE) missing");
	ok(!has(j.missing, j.nmissing, "May25HU"),
	    "hotfix without a CVE not counted");
	ok(has(j.cves, j.ncves, "CVE-2025-25005"), "its CVE listed");
	ok(!has(j.cves, j.ncves, "CVE-2024-49040"), "installed fix not listed");
	is_str(j.newest_update, "Aug25SU", "newest update of CU14 by then");
	is_str(j.newest_build, "15.2.1544.33", "and its build");
	ok(j.supported, "2019 supported in 2025-09");

	judge(b, "15.2.1258.39", "2025-09-01", &j);
	is_str(scanner_class_name(j.class), "unpatched",
	    "CU13 cannot get Aug25SU");
	ok(has(j.missing, j.nmissing, "Aug25SU"), "needs a newer CU");

	judge(b, "15.2.2562.17", "2026-03-01", &j);
	is_str(j.product, "SE", "2562 is Subscription Edition");
	is_str(scanner_class_name(j.class), "unpatched", "SE RTM unpatched");
	ok(has(j.cves, j.ncves, "CVE-2026-21527"), "Feb26SU CVE");
	ok(!has(j.cves, j.ncves, "CVE-2024-49040"),
	    "fixes before SE's RTM are not asked of it");

	judge(b, "15.2.2562.37", "2026-11-23", &j);
	is_str(scanner_class_name(j.class), "patched", "SE Feb26SU");
	ok(j.supported && j.end_of_support[0] == '\0', "SE: no end date");
}

static void
test_cu_only(const struct scanner_builds *b)
{
	struct scanner_judgement j;

	judge(b, "15.2.1544", "2025-01-01", &j);
	ok(j.cu_only, "three parts: CU only");
	is_str(j.cu, "CU14", "its CU");
	is_str(scanner_class_name(j.class), "unpatched",
	    "not guessed patched");
	ok(has(j.missing, j.nmissing, "Mar24SU"), "CU's updates unconfirmed");
	is_str(j.newest_update, "Nov24SUv2", "newest update it could have");

	judge(b, "15.1.2507", "2022-04-25", &j);
	is_str(scanner_class_name(j.class), "patched",
	    "a fresh CU with no updates yet is patched");
}

static void
test_end_of_life(const struct scanner_builds *b)
{
	struct scanner_judgement j;

	judge(b, "15.0.1497.48", "2024-01-01", &j);
	is_str(scanner_class_name(j.class), "eol", "2013 after 2023-04-11");
	is_str(j.end_of_support, "2023-04-11", "2013 end date");
	judge(b, "15.0.1497.48", "2023-04-11", &j);
	is_str(scanner_class_name(j.class), "patched",
	    "2013 last SU on its last day");
	judge(b, "15.1.2507.6", "2026-11-23", &j);
	is_str(scanner_class_name(j.class), "eol", "2016 after 2025-10-14");
	ok(j.nmissing > 0, "missing updates still listed for eol");
	judge(b, "14.3.513.0", "2026-01-01", &j);
	is_str(j.product, "2010", "Exchange 2010");
	is_str(scanner_class_name(j.class), "eol", "2010 eol");

	judge(b, "15.0.1497.2", "2021-03-10", &j);
	is_str(scanner_class_name(j.class), "unpatched", "2013 CU23 in 2021");
	ok(has(j.cves, j.ncves, "CVE-2021-26855"), "ProxyLogon listed");
	ok(!has(j.missing, j.nmissing, "Apr21SU"),
	    "update after as_of not asked");
}

static void
test_bad_input(const struct scanner_builds *b)
{
	struct scanner_judgement j;
	char err[128];
	const char *bad[] = { "", "abc", "15", "15..2", "15.2.1544.14.1",
	    "1234567.2.3", "15.2.x", "99.1.2.3" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(scanner_builds_judge(b, bad[i], 20250101, &j) == -1,
		    "rejects build \"%s\"", bad[i]);
	ok(scanner_builds_parse("line 2019 15.2 0 2025-10-14\nbogus\n", 36,
	    err, sizeof(err)) == NULL && strstr(err, "line 2") != NULL,
	    "bad record named: %s", err);
	ok(scanner_builds_parse("cu 2019 CU1 15.2 2019-01-01\n", 28, err,
	    sizeof(err)) == NULL, "three-part CU build rejected");
	ok(scanner_builds_parse("", 0, err, sizeof(err)) == NULL,
	    "empty table rejected");
	ok(scanner_builds_parse("date 2026-13-01\n", 16, err, sizeof(err)) ==
	    NULL, "bad copy date rejected");
	is_int(scanner_date("2025-13-01", 10), -1, "month 13");
	is_int(scanner_date("2025-01-01", 10), 20250101, "date");
}

int
main(void)
{
	struct scanner_builds *b;
	char err[256];

	b = scanner_builds_load(MT_SRCDATADIR "/exchange-builds", err,
	    sizeof(err));
	ok(b != NULL, "data/exchange-builds loads: %s", b ? "" : err);
	if (b == NULL)
		return tap_done();
	ok(scanner_builds_count(b) > 250, "has %zu builds",
	    scanner_builds_count(b));
	ok(scanner_builds_date(b) > 20260000, "the table says when it was "
	    "copied (%ld)", scanner_builds_date(b));
	test_current_lines(b);
	test_cu_only(b);
	test_end_of_life(b);
	test_bad_input(b);
	scanner_builds_free(b);
	return tap_done();
}
