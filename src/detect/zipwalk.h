/*
 * zipwalk.h - the names inside an attached archive, and inside the
 * archives packed in it, with a ceiling on every axis.
 *
 * Zip is read by our own cursor over the central directory (PKWARE
 * APPNOTE 6.3.x); 7-Zip, RAR, ISO 9660, tar and cabinet files through
 * libarchive, whose readers for those formats are mature and whose
 * formats are too large to re-implement safely here.  An entry whose
 * first bytes are an archive again is unpacked (within the limits) and
 * walked one level deeper.
 *
 * Bad input is data: a broken directory, too many entries, too deep a
 * nesting or too many unpacked bytes (a zip bomb) set flags in the
 * result and end the walk; nothing here aborts.  Memory: unpacked inner
 * archives are held in malloc'ed buffers only while they are walked;
 * names passed to the callback are valid only during the call.
 */
#ifndef MT_ZIPWALK_H
#define MT_ZIPWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum zipwalk_kind {
	ZIPWALK_NOT_ARCHIVE,
	ZIPWALK_ZIP,
	ZIPWALK_7Z,
	ZIPWALK_RAR,
	ZIPWALK_ISO,
	ZIPWALK_TAR,
	ZIPWALK_CAB,
};

struct zipwalk_limits {
	unsigned	max_depth;	/* archives inside the attachment */
	size_t		max_entries;	/* entries over the whole walk */
	uint64_t	max_expanded;	/* bytes unpacked or declared, total */
	uint64_t	max_ratio;	/* declared size / packed size */
	size_t		max_inner;	/* bytes of one inner archive read */
};

const struct zipwalk_limits *zipwalk_default_limits(void);

enum zipwalk_flag {
	ZIPWALK_ENCRYPTED	= 1u << 0,	/* some entry is encrypted */
	ZIPWALK_NESTED		= 1u << 1,	/* an archive inside */
	ZIPWALK_TOO_DEEP	= 1u << 2,	/* nesting over max_depth */
	ZIPWALK_TOO_MANY	= 1u << 3,	/* over max_entries */
	ZIPWALK_BOMB		= 1u << 4,	/* expanded size or ratio */
	ZIPWALK_BROKEN		= 1u << 5,	/* unreadable structure */
	ZIPWALK_UNREAD		= 1u << 6,	/* inner archive over max_inner */
};
/* The flags that end the walk: the rest of the archive is unknown. */
#define ZIPWALK_LIMITS	(ZIPWALK_TOO_DEEP | ZIPWALK_TOO_MANY | ZIPWALK_BOMB)

struct zipwalk_entry {
	const char	*name;		/* as stored, NUL-terminated */
	const char	*archive;	/* the archive holding it */
	unsigned	 depth;		/* 1 = directly in the attachment */
	uint64_t	 size;		/* declared unpacked size */
	bool		 encrypted;
};

#define ZIPWALK_NOTE_MAX	256

struct zipwalk_result {
	unsigned	flags;		/* enum zipwalk_flag bits */
	size_t		entries;	/* entries seen */
	uint64_t	expanded;	/* declared unpacked bytes, total */
	unsigned	depth;		/* deepest level reached */
	char		nested[ZIPWALK_NOTE_MAX];  /* first inner archive */
	char		limit[ZIPWALK_NOTE_MAX];   /* which limit, where */
	char		problem[ZIPWALK_NOTE_MAX]; /* what could not be read */
};

/* Returns nonzero to end the walk early. */
typedef int zipwalk_fn(const struct zipwalk_entry *, void *arg);

/* What data[0..len) is, by its magic numbers. */
enum zipwalk_kind zipwalk_kind(const unsigned char *data, size_t len);
const char	*zipwalk_kind_name(enum zipwalk_kind);

/*
 * Walks the archive data[0..len) named name (for the evidence), calling
 * fn for each entry at every depth.  limits may be NULL for the
 * defaults.  Fills *res.  Returns 0, or -1 on an internal failure (out
 * of memory), which is not the input's fault.
 */
int		 zipwalk(const unsigned char *data, size_t len, const char *name,
		    const struct zipwalk_limits *, zipwalk_fn *fn, void *arg,
		    struct zipwalk_result *res);

#endif
