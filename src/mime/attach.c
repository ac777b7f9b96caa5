/*
 * attach.c - what an attachment really is: libmagic's opinion of its
 * bytes, and the names inside a zip archive.
 *
 * libmagic: a magic_t is not thread-safe and loading its database costs
 * milliseconds, so each thread opens one lazily and keeps it for its
 * life (a pthread key whose destructor closes it).  Only the first
 * ATTACH_SNIFF_MAX bytes are shown to it; compressed files are not
 * looked into (MAGIC_NO_CHECK_COMPRESS), for speed.
 *
 * Zip: the central directory is read directly (PKWARE APPNOTE 6.3.x,
 * sections 4.3.12 central file header, 4.3.14-16 ZIP64 end records,
 * 4.4.4 general purpose flag: bit 0 encrypted, bit 11 UTF-8 names), as a
 * bounded cursor over the decoded part: at most max_archive_entries names
 * are kept, every offset is checked against the data, and anything that
 * does not add up sets MSG_DEF_ARCHIVE.  Names that are not UTF-8 are
 * read as IBM code page 437, the format's default.  Names go to the
 * arena.
 */
#include <magic.h>
#include <pthread.h>
#include <string.h>

#include "mime/mimeint.h"
#include "util/arena.h"
#include "util/str.h"
#include "util/zipfmt.h"

#define ATTACH_SNIFF_MAX	(256u * 1024)	/* bytes shown to libmagic */

static pthread_once_t	magic_once = PTHREAD_ONCE_INIT;
static pthread_key_t	magic_key;

static void
magic_dtor(void *m)
{
	magic_close(m);
}

static void
magic_key_init(void)
{
	(void)pthread_key_create(&magic_key, magic_dtor);
}

static magic_t
thread_magic(void)
{
	magic_t m;

	(void)pthread_once(&magic_once, magic_key_init);
	if ((m = pthread_getspecific(magic_key)) != NULL)
		return m;
	if ((m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS |
	    MAGIC_ERROR)) == NULL)
		return NULL;
	if (magic_load(m, NULL) == -1 ||
	    pthread_setspecific(magic_key, m) != 0) {
		magic_close(m);
		return NULL;
	}
	return m;
}

char *
attach_sniff(struct arena *a, const unsigned char *data, size_t len)
{
	const char *t;
	magic_t m;

	if (len == 0 || (m = thread_magic()) == NULL)
		return NULL;
	if (len > ATTACH_SNIFF_MAX)
		len = ATTACH_SNIFF_MAX;
	if ((t = magic_buffer(m, data, len)) == NULL)
		return NULL;
	return arena_strdup(a, t);
}

static void
broken(struct mime_ctx *ctx, struct part *p, const char *why)
{
	char *note;

	note = arena_printf(ctx->arena, "part %zu: zip %s", p->index, why);
	message_defect(ctx, MSG_DEF_ARCHIVE, note);
}

int
attach_zip_names(struct mime_ctx *ctx, struct part *p)
{
	const unsigned char *d = p->data, *e;
	size_t len = p->size, eocd, max = ctx->lim->max_archive_entries;
	uint64_t count, cdsize, cdoff, off, i, z;
	uint32_t flags, nl, xl, cl;
	uint32_t defects = 0;
	char **names;
	char *nm;

	if (d == NULL || !zip_find_eocd(d, len, &eocd)) {
		broken(ctx, p, "without end of central directory");
		return 0;
	}
	count = zip_le16(d + eocd + 10);
	cdsize = zip_le32(d + eocd + 12);
	cdoff = zip_le32(d + eocd + 16);
	if ((count == 0xffff || cdsize == 0xffffffffu ||
	    cdoff == 0xffffffffu) && eocd >= 20 &&
	    zip_le32(d + eocd - 20) == 0x07064b50) {
		/* ZIP64 locator (4.3.15) points at the ZIP64 end record. */
		z = zip_le64(d + eocd - 20 + 8);
		if (z > len || len - z < 56 || zip_le32(d + z) != 0x06064b50) {
			broken(ctx, p, "with a bad ZIP64 record");
			return 0;
		}
		count = zip_le64(d + z + 32);
		cdsize = zip_le64(d + z + 40);
		cdoff = zip_le64(d + z + 48);
	}
	/* Self-extractors and prepended junk shift every offset. */
	if (cdoff > eocd || cdsize > eocd - cdoff) {
		if (cdsize > eocd) {
			broken(ctx, p, "directory outside the data");
			return 0;
		}
		cdoff = eocd - cdsize;
	}
	if (count > max) {
		message_defect(ctx, MSG_DEF_ARCHIVE, arena_printf(ctx->arena,
		    "part %zu: zip with %llu entries, %zu read", p->index,
		    (unsigned long long)count, max));
		count = max;
	}
	if (count == 0)
		return 0;
	if ((names = arena_calloc(ctx->arena, (size_t)count,
	    sizeof(*names))) == NULL)
		return -1;
	p->archive_names = names;
	for (off = cdoff, i = 0; i < count; i++) {
		if (off > eocd || eocd - off < ZIP_CDH_LEN ||
		    zip_le32(d + off) != 0x02014b50) {
			broken(ctx, p, "with a broken central directory");
			break;
		}
		e = d + off;
		flags = zip_le16(e + 8);
		nl = zip_le16(e + 28);
		xl = zip_le16(e + 30);
		cl = zip_le16(e + 32);
		if (eocd - off - ZIP_CDH_LEN < (uint64_t)nl + xl + cl) {
			broken(ctx, p, "entry runs past the directory");
			break;
		}
		if (flags & 1)
			p->archive_encrypted = true;
		if (nl > ZIP_NAME_MAX)
			nl = ZIP_NAME_MAX;
		if ((flags & (1u << 11)) || charset_valid_utf8((const char *)
		    e + ZIP_CDH_LEN, nl, NULL))
			nm = charset_to_utf8(ctx->arena, NULL, (const char *)e +
			    ZIP_CDH_LEN, nl, NULL, &defects);
		else
			nm = charset_to_utf8(ctx->arena, "IBM437",
			    (const char *)e + ZIP_CDH_LEN, nl, NULL, &defects);
		if (nm == NULL)
			return -1;
		names[p->n_archive_names++] = nm;
		off += ZIP_CDH_LEN + (uint64_t)zip_le16(e + 28) + xl + cl;
	}
	return 0;
}
