/*
 * zipwalk.c - walk the entries of an attached archive and of the
 * archives packed inside it, within named limits (see zipwalk.h).
 *
 * Zip (PKWARE APPNOTE 6.3.x): the end of central directory record
 * (4.3.16) is searched backwards over at most the comment's 64 KiB; the
 * ZIP64 locator and end record (4.3.14-15) and the ZIP64 extra field
 * (4.5.3) give sizes and offsets over 4 GiB; each central directory
 * header (4.3.12) gives a name, the encryption bit (4.4.4 bit 0), the
 * method, both sizes and the local header's offset.  Every offset is
 * checked against the data before it is read.
 *
 * Zip bombs come in three shapes, and each is caught before any byte is
 * unpacked: a huge ratio of declared to packed size (one layer of
 * highly compressed zeros), a huge total of declared sizes, and
 * entries whose data overlap (the "non-recursive" bomb, in which
 * thousands of directory entries share one compressed kernel).  The
 * recursive bomb (42.zip) is caught by the depth limit, and an inner
 * archive is unpacked only within the remaining byte budget, so a
 * lying size cannot make us unpack more than max_expanded bytes.
 *
 * Other formats go through libarchive (7-Zip, RAR 4 and 5, ISO 9660,
 * tar, cabinet): reading them correctly is a project of its own.  The
 * same visit() applies the same limits to their entries.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "detect/zipwalk.h"
#include "util/str.h"
#include "util/zipfmt.h"

#define PEEK_LEN		512	/* bytes unpacked to sniff an entry (tar: 262) */
#define ISO_MAGIC_AT		32769	/* ECMA-119 8.1: "CD001" in sector 16 */
#define RATIO_FLOOR		(1u << 20)  /* small entries may compress well */

static const struct zipwalk_limits defaults = {
	.max_depth	= 4,
	.max_entries	= 10000,
	.max_expanded	= 512ull * 1024 * 1024,
	.max_ratio	= 250,
	.max_inner	= 16u * 1024 * 1024,
};

const struct zipwalk_limits *
zipwalk_default_limits(void)
{
	return &defaults;
}

struct walk {
	const struct zipwalk_limits *lim;
	zipwalk_fn		*fn;
	void			*arg;
	struct zipwalk_result	*res;
	uint64_t		 unpacked;	/* bytes really inflated */
	bool			 stop;
	bool			 oom;
};

enum zipwalk_kind
zipwalk_kind(const unsigned char *d, size_t len)
{
	static const unsigned char sevenz[6] = {
		'7', 'z', 0xbc, 0xaf, 0x27, 0x1c,
	};

	if (d == NULL)
		return ZIPWALK_NOT_ARCHIVE;
	if (len >= 4 && d[0] == 'P' && d[1] == 'K' && ((d[2] == 3 &&
	    d[3] == 4) || (d[2] == 5 && d[3] == 6)))
		return ZIPWALK_ZIP;
	if (len >= sizeof(sevenz) && memcmp(d, sevenz, sizeof(sevenz)) == 0)
		return ZIPWALK_7Z;
	if (len >= 6 && memcmp(d, "Rar!\x1a\x07", 6) == 0)
		return ZIPWALK_RAR;
	if (len >= 8 && memcmp(d, "MSCF\0\0\0\0", 8) == 0)
		return ZIPWALK_CAB;
	if (len >= 262 && memcmp(d + 257, "ustar", 5) == 0)
		return ZIPWALK_TAR;
	if (len >= ISO_MAGIC_AT + 5 && memcmp(d + ISO_MAGIC_AT, "CD001", 5) ==
	    0)
		return ZIPWALK_ISO;
	return ZIPWALK_NOT_ARCHIVE;
}

const char *
zipwalk_kind_name(enum zipwalk_kind k)
{
	switch (k) {
	case ZIPWALK_ZIP:	return "zip";
	case ZIPWALK_7Z:	return "7z";
	case ZIPWALK_RAR:	return "rar";
	case ZIPWALK_ISO:	return "iso";
	case ZIPWALK_TAR:	return "tar";
	case ZIPWALK_CAB:	return "cab";
	default:		return "none";
	}
}

/* Records a finding; the first of each kind is the one described. */
static void note(struct walk *, unsigned, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
note(struct walk *w, unsigned flag, const char *fmt, ...)
{
	char *text = (flag & ZIPWALK_LIMITS) ? w->res->limit : w->res->problem;
	va_list ap;

	w->res->flags |= flag;
	if (text[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(text, ZIPWALK_NOTE_MAX, fmt, ap);
		va_end(ap);
	}
	if (flag & ZIPWALK_LIMITS)
		w->stop = true;
}

static void
visit(struct walk *w, const char *name, const char *archive, unsigned depth,
    uint64_t size, bool encrypted)
{
	struct zipwalk_entry e = {
		.name = name, .archive = archive, .depth = depth,
		.size = size, .encrypted = encrypted,
	};
	struct zipwalk_result *r = w->res;

	if (++r->entries > w->lim->max_entries) {
		note(w, ZIPWALK_TOO_MANY, "%s: more than %zu entries",
		    archive, w->lim->max_entries);
		return;
	}
	r->expanded = size > UINT64_MAX - r->expanded ? UINT64_MAX :
	    r->expanded + size;
	if (r->expanded > w->lim->max_expanded) {
		note(w, ZIPWALK_BOMB, "%s: unpacks to more than %llu bytes",
		    archive, (unsigned long long)w->lim->max_expanded);
		return;
	}
	if (encrypted)
		r->flags |= ZIPWALK_ENCRYPTED;
	if (depth > r->depth)
		r->depth = depth;
	if (w->fn != NULL && w->fn(&e, w->arg) != 0)
		w->stop = true;
}

static void walk_any(struct walk *, const unsigned char *, size_t,
    const char *, unsigned);

/* Containers that are documents, not archives a person unpacks. */
static bool
is_document_container(const char *name)
{
	static const char *const ext[] = {
		".docx", ".docm", ".xlsx", ".xlsm", ".pptx", ".pptm", ".odt",
		".ods", ".odp", ".epub", ".dotx", ".xltx", ".potx",
	};
	size_t i, n = strlen(name);

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (str_isuffix(name, n, ext[i]))
			return true;
	return false;
}

/* The entry's content d[0..len) at depth, an archive of kind k. */
static void
walk_inner(struct walk *w, const unsigned char *d, size_t len,
    const char *name, unsigned depth)
{
	if (is_document_container(name))
		return;
	if (!(w->res->flags & ZIPWALK_NESTED))
		snprintf(w->res->nested, sizeof(w->res->nested), "%s", name);
	w->res->flags |= ZIPWALK_NESTED;
	if (depth + 1 > w->lim->max_depth) {
		note(w, ZIPWALK_TOO_DEEP, "%s: archives nested deeper than %u",
		    name, w->lim->max_depth);
		return;
	}
	walk_any(w, d, len, name, depth + 1);
}

/* Whether an entry is worth unpacking whole: its start, or its name. */
static bool
maybe_archive(const unsigned char *peek, size_t n, const char *name)
{
	size_t len = strlen(name);

	return zipwalk_kind(peek, n) != ZIPWALK_NOT_ARCHIVE ||
	    str_isuffix(name, len, ".iso") || str_isuffix(name, len, ".img");
}

/* ---- zip ---- */

/* The central directory: where it starts, how long, how many entries. */
struct zip_dir {
	uint64_t	count;
	uint64_t	size;
	uint64_t	off;
	size_t		end;	/* offset of the end record: nothing after */
};

static bool
zip_dir(const unsigned char *d, size_t len, struct zip_dir *z)
{
	size_t eocd;
	uint64_t z64;

	if (!zip_find_eocd(d, len, &eocd))
		return false;
	z->end = eocd;
	z->count = zip_le16(d + eocd + 10);
	z->size = zip_le32(d + eocd + 12);
	z->off = zip_le32(d + eocd + 16);
	if ((z->count == 0xffff || z->size == 0xffffffffu ||
	    z->off == 0xffffffffu) && eocd >= 20 &&
	    zip_le32(d + eocd - 20) == 0x07064b50) {
		z64 = zip_le64(d + eocd - 20 + 8);
		if (z64 > len || len - z64 < 56 || zip_le32(d + z64) != 0x06064b50)
			return false;
		z->count = zip_le64(d + z64 + 32);
		z->size = zip_le64(d + z64 + 40);
		z->off = zip_le64(d + z64 + 48);
	}
	if (z->size > eocd)
		return false;
	/* Self-extractors and prepended junk shift every offset. */
	if (z->off > eocd || z->size > eocd - z->off)
		z->off = eocd - z->size;
	return true;
}

/* One central directory header, its 32-bit fields widened by 4.5.3. */
struct zip_ent {
	uint32_t	flags;
	uint32_t	method;
	uint64_t	csize;
	uint64_t	usize;
	uint64_t	lho;	/* local header offset */
	const unsigned char *name;
	uint32_t	name_len;
	uint64_t	rec_len;	/* bytes of this directory record */
};

static void
zip64_extra(const unsigned char *x, uint32_t xl, struct zip_ent *e)
{
	uint32_t id, sz, at;

	while (xl >= 4) {
		id = zip_le16(x);
		sz = zip_le16(x + 2);
		if (sz > xl - 4)
			return;
		if (id == 0x0001) {
			at = 0;
			if (e->usize == 0xffffffffu && at + 8 <= sz) {
				e->usize = zip_le64(x + 4 + at);
				at += 8;
			}
			if (e->csize == 0xffffffffu && at + 8 <= sz) {
				e->csize = zip_le64(x + 4 + at);
				at += 8;
			}
			if (e->lho == 0xffffffffu && at + 8 <= sz)
				e->lho = zip_le64(x + 4 + at);
			return;
		}
		x += 4 + sz;
		xl -= 4 + sz;
	}
}

static bool
zip_entry(const unsigned char *d, uint64_t off, uint64_t end,
    struct zip_ent *e)
{
	const unsigned char *p = d + off;
	uint32_t xl, cl;

	if (off > end || end - off < ZIP_CDH_LEN || zip_le32(p) != 0x02014b50)
		return false;
	e->flags = zip_le16(p + 8);
	e->method = zip_le16(p + 10);
	e->csize = zip_le32(p + 20);
	e->usize = zip_le32(p + 24);
	e->name_len = zip_le16(p + 28);
	xl = zip_le16(p + 30);
	cl = zip_le16(p + 32);
	e->lho = zip_le32(p + 42);
	if (end - off - ZIP_CDH_LEN < (uint64_t)e->name_len + xl + cl)
		return false;
	e->name = p + ZIP_CDH_LEN;
	zip64_extra(e->name + e->name_len, xl, e);
	e->rec_len = ZIP_CDH_LEN + (uint64_t)e->name_len + xl + cl;
	return true;
}

/* The packed bytes of an entry, through its local header (4.3.7). */
static const unsigned char *
zip_data(const unsigned char *d, size_t len, const struct zip_ent *e)
{
	uint64_t start;

	if (e->lho > len || len - e->lho < ZIP_LFH_LEN ||
	    zip_le32(d + e->lho) != 0x04034b50)
		return NULL;
	start = e->lho + ZIP_LFH_LEN + zip_le16(d + e->lho + 26) +
	    zip_le16(d + e->lho + 28);
	if (start > len || e->csize > len - start)
		return NULL;
	return d + start;
}

/*
 * Raw deflate (RFC 1951) of in[0..inlen) into out[0..cap).  Returns the
 * bytes written, sets *whole when the stream ended within cap, and *bad
 * when the data are not deflate.
 */
static size_t
inflate_into(const unsigned char *in, uint64_t inlen, unsigned char *out,
    size_t cap, bool *whole, bool *bad)
{
	z_stream zs;
	int r;

	memset(&zs, 0, sizeof(zs));
	*whole = *bad = false;
	if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
		*bad = true;
		return 0;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = inlen > UINT32_MAX ? UINT32_MAX : (uInt)inlen;
	zs.next_out = out;
	zs.avail_out = cap > UINT32_MAX ? UINT32_MAX : (uInt)cap;
	r = inflate(&zs, Z_FINISH);
	if (r == Z_STREAM_END)
		*whole = true;
	else if (r == Z_DATA_ERROR || r == Z_NEED_DICT || r == Z_MEM_ERROR)
		*bad = true;
	inflateEnd(&zs);
	return zs.total_out;
}

/* Unpacks an entry that may be an archive and walks it. */
static void
zip_inner(struct walk *w, const unsigned char *d, size_t len,
    const struct zip_ent *e, const char *name, unsigned depth)
{
	unsigned char peek[PEEK_LEN], *buf;
	const unsigned char *p;
	uint64_t budget;
	size_t n, cap;
	bool whole, bad;

	if ((e->flags & 1) || (e->method != 0 && e->method != 8) ||
	    (p = zip_data(d, len, e)) == NULL)
		return;
	if (e->method == 0) {
		if (maybe_archive(p, (size_t)e->csize, name))
			walk_inner(w, p, (size_t)e->csize, name, depth);
		return;
	}
	n = inflate_into(p, e->csize, peek, sizeof(peek), &whole, &bad);
	if (bad || !maybe_archive(peek, n, name))
		return;
	budget = w->lim->max_expanded - (w->unpacked < w->lim->max_expanded ?
	    w->unpacked : w->lim->max_expanded);
	cap = w->lim->max_inner;
	if (cap > budget)
		cap = (size_t)budget;
	if (e->usize < cap)
		cap = (size_t)e->usize;
	if ((buf = malloc(cap + 1)) == NULL) {
		w->oom = w->stop = true;
		return;
	}
	n = inflate_into(p, e->csize, buf, cap + 1, &whole, &bad);
	w->unpacked += n;
	if (n > cap && cap == e->usize)
		note(w, ZIPWALK_BOMB, "%s: unpacks to more than it declares",
		    name);
	else if (n > cap)
		note(w, ZIPWALK_UNREAD, "%s: inner archive over %zu bytes "
		    "not unpacked", name, cap);
	else if (!bad)
		walk_inner(w, buf, n, name, depth);
	free(buf);
}

struct span {
	uint64_t	from, to;
};

static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->from < y->from ? -1 : x->from > y->from;
}

/* Entries whose packed data overlap: one kernel shared by many. */
static bool
spans_overlap(struct span *s, size_t n)
{
	size_t i;

	qsort(s, n, sizeof(*s), span_cmp);
	for (i = 1; i < n; i++)
		if (s[i].from < s[i - 1].to)
			return true;
	return false;
}

static void
zip_name(const struct zip_ent *e, char *out)
{
	uint32_t i, n = e->name_len > ZIP_NAME_MAX ? ZIP_NAME_MAX :
	    e->name_len;

	for (i = 0; i < n; i++)
		out[i] = e->name[i] == '\0' ? '?' : (char)e->name[i];
	out[n] = '\0';
}

static void
walk_zip(struct walk *w, const unsigned char *d, size_t len,
    const char *archive, unsigned depth)
{
	char name[ZIP_NAME_MAX + 1];
	struct zip_dir z;
	struct zip_ent e;
	struct span *spans;
	uint64_t off, i, n;

	if (!zip_dir(d, len, &z)) {
		note(w, ZIPWALK_BROKEN, "%s: no readable zip directory",
		    archive);
		return;
	}
	n = z.count;
	if (n > w->lim->max_entries + 1)
		n = w->lim->max_entries + 1;
	if ((spans = calloc(n ? n : 1, sizeof(*spans))) == NULL) {
		w->oom = w->stop = true;
		return;
	}
	for (off = z.off, i = 0; i < n && !w->stop; i++) {
		if (!zip_entry(d, off, z.end, &e)) {
			note(w, ZIPWALK_BROKEN, "%s: broken zip directory",
			    archive);
			break;
		}
		off += e.rec_len;
		zip_name(&e, name);
		if (e.usize > RATIO_FLOOR && (e.csize == 0 ||
		    e.usize / e.csize > w->lim->max_ratio)) {
			note(w, ZIPWALK_BOMB, "%s: %s packs %llu bytes into "
			    "%llu", archive, name,
			    (unsigned long long)e.usize,
			    (unsigned long long)e.csize);
			break;
		}
		spans[i].from = e.lho;
		spans[i].to = e.lho + ZIP_LFH_LEN + e.csize;
		visit(w, name, archive, depth, e.usize, (e.flags & 1) != 0);
		if (!w->stop)
			zip_inner(w, d, len, &e, name, depth);
	}
	if (!w->stop && i > 1 && spans_overlap(spans, (size_t)i))
		note(w, ZIPWALK_BOMB, "%s: entries share their data", archive);
	free(spans);
}

/* ---- everything else, through libarchive ---- */

static struct archive *
la_open(const unsigned char *d, size_t len)
{
	struct archive *a;

	if ((a = archive_read_new()) == NULL)
		return NULL;
	archive_read_support_format_7zip(a);
	archive_read_support_format_rar(a);
	archive_read_support_format_rar5(a);
	archive_read_support_format_iso9660(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_cab(a);
	if (archive_read_open_memory(a, d, len) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* Reads the current entry (after its first n bytes in peek) whole. */
static void
la_inner(struct walk *w, struct archive *a, const unsigned char *peek,
    size_t n, const char *name, unsigned depth)
{
	uint64_t budget;
	unsigned char *buf;
	size_t cap, got = n;
	la_ssize_t r;

	budget = w->lim->max_expanded - (w->unpacked < w->lim->max_expanded ?
	    w->unpacked : w->lim->max_expanded);
	cap = w->lim->max_inner;
	if (cap > budget)
		cap = (size_t)budget;
	if (cap < n)
		return;
	if ((buf = malloc(cap + 1)) == NULL) {
		w->oom = w->stop = true;
		return;
	}
	memcpy(buf, peek, n);
	while (got <= cap && (r = archive_read_data(a, buf + got, cap + 1 -
	    got)) > 0)
		got += (size_t)r;
	w->unpacked += got;
	if (got > cap)
		note(w, ZIPWALK_UNREAD, "%s: inner archive over %zu bytes "
		    "not unpacked", name, cap);
	else
		walk_inner(w, buf, got, name, depth);
	free(buf);
}

static void
walk_libarchive(struct walk *w, const unsigned char *d, size_t len,
    const char *archive, unsigned depth)
{
	unsigned char peek[PEEK_LEN];
	struct archive_entry *e;
	struct archive *a;
	const char *name;
	la_ssize_t n;
	la_int64_t size;
	bool enc;
	int r;

	if ((a = la_open(d, len)) == NULL) {
		note(w, ZIPWALK_BROKEN, "%s: unreadable archive", archive);
		return;
	}
	while (!w->stop) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			/* 7-Zip with encrypted headers cannot even be listed. */
			if (archive_read_has_encrypted_entries(a) > 0)
				w->res->flags |= ZIPWALK_ENCRYPTED;
			else
				note(w, ZIPWALK_BROKEN, "%s: %s", archive,
				    archive_error_string(a) != NULL ?
				    archive_error_string(a) : "unreadable");
			break;
		}
		if (archive_entry_filetype(e) == AE_IFDIR)
			continue;
		if ((name = archive_entry_pathname_utf8(e)) == NULL &&
		    (name = archive_entry_pathname(e)) == NULL)
			name = "(no name)";
		size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
		enc = archive_entry_is_encrypted(e) != 0;
		visit(w, name, archive, depth, size > 0 ? (uint64_t)size : 0,
		    enc);
		if (w->stop || enc || archive_entry_filetype(e) != AE_IFREG)
			continue;
		if ((n = archive_read_data(a, peek, sizeof(peek))) <= 0)
			continue;
		if (maybe_archive(peek, (size_t)n, name))
			la_inner(w, a, peek, (size_t)n, name, depth);
	}
	archive_read_free(a);
}

static void
walk_any(struct walk *w, const unsigned char *d, size_t len,
    const char *name, unsigned depth)
{
	switch (zipwalk_kind(d, len)) {
	case ZIPWALK_ZIP:
		walk_zip(w, d, len, name, depth);
		break;
	case ZIPWALK_NOT_ARCHIVE:
		if (depth > 1)	/* named .iso/.img but not one: a file */
			break;
		note(w, ZIPWALK_BROKEN, "%s: not an archive", name);
		break;
	default:
		walk_libarchive(w, d, len, name, depth);
		break;
	}
}

int
zipwalk(const unsigned char *d, size_t len, const char *name,
    const struct zipwalk_limits *lim, zipwalk_fn *fn, void *arg,
    struct zipwalk_result *res)
{
	struct walk w = {
		.lim = lim != NULL ? lim : &defaults, .fn = fn, .arg = arg,
		.res = res,
	};

	memset(res, 0, sizeof(*res));
	walk_any(&w, d, len, name != NULL ? name : "(archive)", 1);
	return w.oom ? -1 : 0;
}
