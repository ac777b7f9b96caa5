/*
 * zipfmt.h - the parts of the zip format (PKWARE APPNOTE 6.3) that both
 * the message model (names inside an attached archive) and the archive
 * walker of the checks read: little-endian fields and the end of
 * central directory record.
 */
#ifndef MT_ZIPFMT_H
#define MT_ZIPFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZIP_EOCD_LEN		22	/* 4.3.16 without the comment */
#define ZIP_CDH_LEN		46	/* 4.3.12 without name/extra/comment */
#define ZIP_LFH_LEN		30	/* 4.3.7 */
#define ZIP_COMMENT_MAX		65535
#define ZIP_NAME_MAX		1024	/* longer names are cut */

static inline uint32_t
zip_le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static inline uint32_t
zip_le32(const unsigned char *p)
{
	return zip_le16(p) | zip_le16(p + 2) << 16;
}

static inline uint64_t
zip_le64(const unsigned char *p)
{
	return (uint64_t)zip_le32(p) | (uint64_t)zip_le32(p + 4) << 32;
}

/*
 * The end of central directory record (4.3.16), searched backwards from
 * the end over at most the longest comment; sets *pos to its offset.
 */
static inline bool
zip_find_eocd(const unsigned char *d, size_t len, size_t *pos)
{
	size_t i, lo;

	if (len < ZIP_EOCD_LEN)
		return false;
	lo = len - ZIP_EOCD_LEN > ZIP_COMMENT_MAX ?
	    len - ZIP_EOCD_LEN - ZIP_COMMENT_MAX : 0;
	for (i = len - ZIP_EOCD_LEN + 1; i-- > lo;)
		if (zip_le32(d + i) == 0x06054b50) {
			*pos = i;
			return true;
		}
	return false;
}

#endif
