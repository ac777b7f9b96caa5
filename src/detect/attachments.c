/*
 * attachments.c - check_attachments: files that can harm the computer
 * they are opened on, and the tricks that make them look harmless.
 *
 * What is looked at, per attachment (struct part with is_attachment):
 *   - the content: a program whatever its name says (libmagic's sniffed
 *     type, set by the MIME module) -> ATTACH_EXECUTABLE;
 *   - the name as Windows will treat it: trailing dots and spaces are
 *     dropped by the file system, so "a.exe . " runs as a.exe; an
 *     extension of a program -> ATTACH_EXECUTABLE, of a script or a
 *     shortcut -> ATTACH_SCRIPT, of a disk image (which Windows opens
 *     like a folder, past mark-of-the-web) -> ATTACH_DISK_IMAGE, of an
 *     Apple configuration profile (installs certificates, VPNs, device
 *     management) -> ATTACH_CONFIG_PROFILE;
 *   - a harmless-looking extension before a dangerous one
 *     ("Rechnung.pdf.exe") -> ATTACH_DOUBLE_EXTENSION;
 *   - names padded with runs of spaces (to push the real extension out
 *     of view) or holding Unicode bidirectional controls (U+202E turns
 *     "Rechnung\u202Efdp.exe" into "Rechnungexe.pdf" on screen; Unicode
 *     UAX #9 section 2) -> ATTACH_NAME_TRICK, with the name shown with
 *     the trick made visible;
 *   - Office documents with macros: OOXML whose zip holds vbaProject.bin
 *     (ECMA-376 / MS-OFFMACRO2), macro-enabled extensions (docm, xlsm,
 *     ...), and OLE compound files (MS-CFB) with a VBA project (the
 *     directory names "_VBA_PROJECT" or "VBA" in UTF-16LE) -> ATTACH_MACRO;
 *   - HTML and SVG attachments: scripts (HTML smuggling assembles a
 *     program inside the browser) -> ATTACH_HTML_SCRIPT, forms (a login
 *     page that posts elsewhere) -> ATTACH_HTML_FORM;
 *   - archives (zip, 7-Zip, RAR, ISO, tar, cabinet, walked by zipwalk.c
 *     at every depth): programs or scripts inside, named with their
 *     path -> ATTACH_ARCHIVE_EXECUTABLE; an archive inside an archive
 *     -> ATTACH_NESTED_ARCHIVE; over a limit of depth, entries or
 *     unpacked size (a zip bomb) -> ATTACH_ARCHIVE_BOMB; unreadable ->
 *     ATTACH_ARCHIVE_UNREADABLE; encrypted, which no scanner can look
 *     into -> ATTACH_ENCRYPTED_ARCHIVE, and with a password in the
 *     message text, the classic way to deliver malware past filters
 *     -> ATTACH_ENCRYPTED_WITH_PASSWORD too.
 * Each symbol is added once, for the first file that shows it; its first
 * evidence is the file name.
 *
 * The extension lists are facts of Windows, not tunable data, so they
 * are here rather than in data/.
 *
 * Memory: evidence strings in the scan's arena.  Limits: ATTACH_SCAN_MAX
 * bytes of a part are searched, ATTACH_NAME_MAX bytes of a name read.
 */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "detect/zipwalk.h"
#include "mime/message.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define ATTACH_SCAN_MAX		(8u * 1024 * 1024)	/* bytes searched */
#define ATTACH_NAME_MAX		1024	/* bytes of a file name */
#define ATTACH_EXT_MAX		8	/* bytes of an extension */
#define ATTACH_PAD_RUN		4	/* spaces in a row that pad a name */
#define ATTACH_PASSWORD_MAX	32	/* bytes of a quoted password */

static const char *const program_ext[] = {
	"exe", "scr", "com", "pif", "cpl", "msi", "msp", "dll", "sys",
	"application", "gadget", "msc", "appx", "msix",
};
static const char *const script_ext[] = {
	"js", "jse", "vbs", "vbe", "wsf", "wsh", "wsc", "hta", "ps1", "psm1",
	"bat", "cmd", "lnk", "jar", "reg", "scf", "inf", "sct",
	"chm", "xll", "library-ms", "search-ms", "settingcontent-ms",
};
static const char *const image_ext[] = {
	"iso", "img", "vhd", "vhdx",
};
/* Apple configuration profiles: certificates, VPN, device management. */
static const char *const profile_ext[] = {
	"mobileconfig",
};
static const char *const macro_ext[] = {
	"docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppam",
	"ppsm", "sldm",
};
/* What a victim expects to open: documents, pictures, archives. */
static const char *const decoy_ext[] = {
	"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods",
	"rtf", "txt", "csv", "jpg", "jpeg", "png", "gif", "bmp", "tif",
	"tiff", "htm", "html", "zip", "rar", "7z", "mp3", "mp4", "wav",
	"avi", "mov", "eml", "xml", "json",
};
static const char *const program_type[] = {
	"application/x-dosexec", "application/x-msdownload",
	"application/vnd.microsoft.portable-executable",
	"application/x-executable", "application/x-pie-executable",
	"application/x-sharedlib", "application/x-mach-binary",
	"application/x-msi", "application/x-ms-installer",
	"application/x-ms-shortcut",
};
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static bool
in_list(const char *const *list, size_t n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (str_ieq(s, len, list[i]))
			return true;
	return false;
}

enum danger { SAFE, PROGRAM, SCRIPT, DISK_IMAGE, PROFILE };

static enum danger
danger_of(const char *ext, size_t len)
{
	if (in_list(program_ext, NELEM(program_ext), ext, len))
		return PROGRAM;
	if (in_list(script_ext, NELEM(script_ext), ext, len))
		return SCRIPT;
	if (in_list(image_ext, NELEM(image_ext), ext, len))
		return DISK_IMAGE;
	if (in_list(profile_ext, NELEM(profile_ext), ext, len))
		return PROFILE;
	return SAFE;
}

/*
 * A file name as the file system will store it: the base name (after
 * the last '/' or '\'), without trailing dots and white space.  The last
 * extension and the one before it, as (pointer, length); length 0 when
 * there is none.
 */
struct fname {
	const char	*base;
	size_t		 len;
	const char	*ext;
	size_t		 ext_len;
	const char	*prev;
	size_t		 prev_len;
};

static bool
is_trailing_junk(unsigned char c)
{
	return c == '.' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
split_name(const char *name, size_t len, struct fname *f)
{
	const char *p, *dot = NULL, *dot2 = NULL;

	memset(f, 0, sizeof(*f));
	for (p = name + len; p > name; p--)
		if (p[-1] == '/' || p[-1] == '\\')
			break;
	f->base = p;
	f->len = len - (size_t)(p - name);
	while (f->len > 0 && is_trailing_junk((unsigned char)f->base[f->len -
	    1]))
		f->len--;
	for (p = f->base + f->len; p > f->base; p--)
		if (p[-1] == '.') {
			if (dot == NULL)
				dot = p - 1;
			else {
				dot2 = p - 1;
				break;
			}
		}
	if (dot == NULL || dot == f->base)
		return;
	f->ext = dot + 1;
	f->ext_len = (size_t)(f->base + f->len - f->ext);
	if (f->ext_len > ATTACH_EXT_MAX && danger_of(f->ext, f->ext_len) ==
	    SAFE) {
		f->ext_len = 0;
		return;
	}
	if (dot2 != NULL) {
		f->prev = dot2 + 1;
		f->prev_len = (size_t)(dot - f->prev);
		/* "invoice.pdf      .exe": the padding is not the extension. */
		while (f->prev_len > 0 && f->prev[f->prev_len - 1] == ' ')
			f->prev_len--;
	}
}

/* Bidirectional controls (UAX #9): LRE RLE PDF LRO RLO, LRI RLI FSI PDI,
 * LRM RLM, ALM.  Returns the UTF-8 length at p, or 0. */
static size_t
bidi_at(const unsigned char *p, const unsigned char *end)
{
	if (end - p >= 3 && p[0] == 0xe2 && p[1] == 0x80 &&
	    ((p[2] >= 0xaa && p[2] <= 0xae) || p[2] == 0x8e || p[2] == 0x8f))
		return 3;
	if (end - p >= 3 && p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 &&
	    p[2] <= 0xa9)
		return 3;
	if (end - p >= 2 && p[0] == 0xd8 && p[1] == 0x9c)
		return 2;
	return 0;
}

/* A space for padding: ASCII, no-break (U+00A0), U+2000..U+200A, U+3000. */
static size_t
space_at(const unsigned char *p, const unsigned char *end)
{
	if (*p == ' ' || *p == '\t')
		return 1;
	if (end - p >= 2 && p[0] == 0xc2 && p[1] == 0xa0)
		return 2;
	if (end - p >= 3 && p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x80 &&
	    p[2] <= 0x8a)
		return 3;
	if (end - p >= 3 && p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
		return 3;
	return 0;
}

/*
 * The name with its tricks made visible ("Rechnung[RLO]fdp.exe",
 * "invoice.pdf[30 spaces].exe"), or NULL when it has none.
 */
static char *
name_trick(struct arena *a, const char *name, size_t len)
{
	const unsigned char *p = (const unsigned char *)name, *end = p + len;
	size_t k, run, bytes;
	bool trick = false;
	struct buf b;
	char *out;

	buf_init(&b, 4 * ATTACH_NAME_MAX);
	while (p < end) {
		if ((k = bidi_at(p, end)) > 0) {
			buf_adds(&b, p[2] == 0xae ? "[RLO]" : p[2] == 0xab ?
			    "[RLE]" : "[BIDI]");
			p += k;
			trick = true;
			continue;
		}
		for (run = 0, bytes = 0; p + bytes < end &&
		    (k = space_at(p + bytes, end)) > 0; run++)
			bytes += k;
		if (run >= ATTACH_PAD_RUN || (run > 0 && p + bytes == end)) {
			if (run == 1)
				buf_adds(&b, "[space]");
			else
				buf_printf(&b, "[%zu spaces]", run);
			p += bytes;
			trick = true;
			continue;
		}
		if (run > 0) {
			buf_add(&b, p, bytes);
			p += bytes;
			continue;
		}
		buf_addc(&b, (char)*p++);
	}
	out = trick && b.data != NULL ? arena_strndup(a, b.data, b.len) : NULL;
	buf_free(&b);
	return out;
}

/* UTF-16LE "_VBA_PROJECT" or "VBA" + NUL: an OLE file's VBA storage. */
static bool
ole_has_vba(const unsigned char *d, size_t len)
{
	static const char vba_project[] =
	    "_\0V\0B\0A\0_\0P\0R\0O\0J\0E\0C\0T\0";
	static const char vba_dir[] = "V\0B\0A\0\0\0";
	static const unsigned char magic[8] = {
		0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1,
	};

	if (len < sizeof(magic) || memcmp(d, magic, sizeof(magic)) != 0)
		return false;
	if (len > ATTACH_SCAN_MAX)
		len = ATTACH_SCAN_MAX;
	return memmem(d, len, vba_project, sizeof(vba_project) - 1) != NULL ||
	    memmem(d, len, vba_dir, sizeof(vba_dir) - 1) != NULL;
}

static bool
contains(const unsigned char *d, size_t len, const char *needle)
{
	if (len > ATTACH_SCAN_MAX)
		len = ATTACH_SCAN_MAX;
	return str_imem((const char *)d, len, needle, strlen(needle)) != NULL;
}

static bool
is_html_like(const struct part *p, const struct fname *f)
{
	return p->is_html || (p->content_type != NULL &&
	    (strcmp(p->content_type, "text/html") == 0 ||
	    strcmp(p->content_type, "image/svg+xml") == 0 ||
	    strcmp(p->content_type, "application/xhtml+xml") == 0)) ||
	    (p->sniffed != NULL && (strcmp(p->sniffed, "text/html") == 0 ||
	    strcmp(p->sniffed, "image/svg+xml") == 0)) ||
	    in_list((const char *const[]){ "htm", "html", "shtml", "xhtml",
	    "svg", "svgz", "mht", "mhtml" }, 8, f->ext, f->ext_len);
}

static bool
html_has_script(const unsigned char *d, size_t len)
{
	static const char *const marks[] = {
		"<script", "javascript:", "onload=", "onerror=",
		"window.location", "document.write", "atob(",
	};
	size_t i;

	for (i = 0; i < NELEM(marks); i++)
		if (contains(d, len, marks[i]))
			return true;
	return false;
}

/*
 * A password in the text: a keyword, then (after ':', '-', '=' or a
 * few words like "is"/"lautet") the first word, which is returned as
 * "keyword: word".  NULL when the text names no password.
 */
static const char *
password_in(struct arena *a, const char *text, size_t len)
{
	static const char *const keys[] = {
		"passwort", "password", "kennwort", "passcode", "pass:",
		"pw:", "pwd:", "senha", "mot de passe", "contraseña",
		"wachtwoord", "пароль",
	};
	static const char *const filler[] = {
		"is", "ist", "lautet", "lautet:", "est", "é", "es", "for",
		"für", "the", "zip", "archive", "archiv",
	};
	const char *hit = NULL, *p, *end = text + len, *w;
	size_t i, klen = 0, wl;

	for (i = 0; i < NELEM(keys) && hit == NULL; i++)
		if ((hit = str_imem(text, len, keys[i], strlen(keys[i]))) !=
		    NULL)
			klen = strlen(keys[i]);
	if (hit == NULL)
		return NULL;
	p = hit + klen;
	/* Skip separators and filler words, a few at most. */
	for (i = 0; i < 4 && p < end; i++) {
		while (p < end && (*p == ' ' || *p == ':' || *p == '-' ||
		    *p == '=' || *p == '\t' || *p == '"' || *p == '\''))
			p++;
		for (w = p; w < end && *w != ' ' && *w != '\n' && *w != '\r' &&
		    *w != '\t'; w++)
			;
		wl = (size_t)(w - p);
		if (wl > 0 && in_list(filler, NELEM(filler), p, wl)) {
			p = w;
			continue;
		}
		break;
	}
	for (w = p; w < end && w - p < ATTACH_PASSWORD_MAX && *w != ' ' &&
	    *w != '\n' && *w != '\r' && *w != '\t' && *w != '"' &&
	    *w != '\''; w++)
		;
	/* A sentence that ends at the keyword still names a password. */
	while (w > p && (w[-1] == '.' || w[-1] == ',' || w[-1] == ')'))
		w--;
	return arena_printf(a, "%.*s: %.*s", (int)klen, hit, (int)(w - p), p);
}

static const char *
display_name(const struct part *p)
{
	if (p->filename != NULL && p->filename[0] != '\0')
		return p->filename;
	return p->content_type != NULL ? p->content_type : "(unnamed)";
}

/* Adds a symbol once; the first file that shows it is the evidence. */
#define ONCE(s, name, ...) do {						\
	if (!scan_has_symbol((s), (name)))				\
		scan_symbol((s), (name), __VA_ARGS__);			\
} while (0)

/* What the archive walker's callback needs to name its findings. */
struct archive_seen {
	struct scan	*scan;
	const char	*shown;		/* the attachment's name */
};

static bool
dangerous_name(const char *name)
{
	struct fname f;

	split_name(name, strnlen(name, ATTACH_NAME_MAX), &f);
	return f.ext_len > 0 && (danger_of(f.ext, f.ext_len) != SAFE ||
	    in_list(macro_ext, NELEM(macro_ext), f.ext, f.ext_len));
}

/* A program or script anywhere in the archive, named with its path. */
static int
archive_entry_seen(const struct zipwalk_entry *e, void *arg)
{
	struct archive_seen *as = arg;

	if (dangerous_name(e->name))
		ONCE(as->scan, "ATTACH_ARCHIVE_EXECUTABLE", as->shown,
		    e->depth > 1 ? arena_printf(as->scan->arena, "%s/%s",
		    e->archive, e->name) : e->name);
	return 0;
}

/*
 * Archives of every kind zipwalk reads: their entries at every depth,
 * archives inside, the limits (a bomb), and encryption, which with a
 * password in the text is the classic way past virus scanners.
 * Names the MIME module read from a zip it could not walk still count.
 */
static void
check_archive(const struct message *m, const struct part *p, struct scan *s,
    const char *shown)
{
	static const char *const rar_7z[] = {
		"application/x-rar", "application/vnd.rar",
		"application/x-rar-compressed", "application/x-7z-compressed",
	};
	struct archive_seen as = { .scan = s, .shown = shown };
	struct zipwalk_result res;
	bool encrypted = p->archive_encrypted;
	const char *pw;
	size_t i;

	memset(&res, 0, sizeof(res));
	if (p->data != NULL && zipwalk_kind(p->data, p->size) !=
	    ZIPWALK_NOT_ARCHIVE) {
		if (zipwalk(p->data, p->size, shown, NULL, archive_entry_seen,
		    &as, &res) != 0) {
			s->failed = true;
			return;
		}
		if (res.flags & ZIPWALK_NESTED)
			ONCE(s, "ATTACH_NESTED_ARCHIVE", shown, res.nested);
		if (res.flags & ZIPWALK_LIMITS)
			ONCE(s, "ATTACH_ARCHIVE_BOMB", shown, res.limit);
		else if (res.flags & (ZIPWALK_BROKEN | ZIPWALK_UNREAD))
			ONCE(s, "ATTACH_ARCHIVE_UNREADABLE", shown,
			    res.problem);
		encrypted |= (res.flags & ZIPWALK_ENCRYPTED) != 0;
	}
	for (i = 0; i < p->n_archive_names; i++)
		if (dangerous_name(p->archive_names[i])) {
			ONCE(s, "ATTACH_ARCHIVE_EXECUTABLE", shown,
			    p->archive_names[i]);
			break;
		}
	if (encrypted || (p->sniffed != NULL &&
	    in_list(rar_7z, NELEM(rar_7z), p->sniffed, strlen(p->sniffed)))) {
		pw = m->text != NULL ? password_in(s->arena, m->text,
		    m->text_len) : NULL;
		if (encrypted)
			ONCE(s, "ATTACH_ENCRYPTED_ARCHIVE", shown);
		if (pw != NULL)
			ONCE(s, "ATTACH_ENCRYPTED_WITH_PASSWORD", shown, pw);
	}
}

static bool
ooxml_has_macros(const struct part *p)
{
	size_t i, n;

	for (i = 0; i < p->n_archive_names; i++) {
		n = strnlen(p->archive_names[i], ATTACH_NAME_MAX);
		if (str_isuffix(p->archive_names[i], n, "vbaProject.bin"))
			return true;
	}
	return false;
}

static void
check_part(const struct message *m, const struct part *p, struct scan *s)
{
	const char *shown = display_name(p), *trick_shown;
	size_t nlen = p->filename != NULL ? strnlen(p->filename,
	    ATTACH_NAME_MAX) : 0;
	enum danger d = SAFE;
	struct fname f;

	split_name(p->filename != NULL ? p->filename : "", nlen, &f);
	if (f.ext_len > 0)
		d = danger_of(f.ext, f.ext_len);

	if (p->sniffed != NULL && in_list(program_type, NELEM(program_type),
	    p->sniffed, strlen(p->sniffed)))
		ONCE(s, "ATTACH_EXECUTABLE", shown, p->sniffed);
	else if (d == PROGRAM)
		ONCE(s, "ATTACH_EXECUTABLE", shown, arena_strndup(s->arena,
		    f.ext, f.ext_len));
	if (d == SCRIPT)
		ONCE(s, "ATTACH_SCRIPT", shown, arena_strndup(s->arena, f.ext,
		    f.ext_len));
	if (d == DISK_IMAGE)
		ONCE(s, "ATTACH_DISK_IMAGE", shown);
	if (d == PROFILE)
		ONCE(s, "ATTACH_CONFIG_PROFILE", shown);
	if (d != SAFE && f.prev_len > 0 &&
	    in_list(decoy_ext, NELEM(decoy_ext), f.prev, f.prev_len))
		ONCE(s, "ATTACH_DOUBLE_EXTENSION", shown,
		    arena_strndup(s->arena, f.prev, f.prev_len),
		    arena_strndup(s->arena, f.ext, f.ext_len));
	if (nlen > 0 && (trick_shown = name_trick(s->arena, p->filename,
	    nlen)) != NULL)
		ONCE(s, "ATTACH_NAME_TRICK", trick_shown);

	if ((f.ext_len > 0 && in_list(macro_ext, NELEM(macro_ext), f.ext,
	    f.ext_len)) || ooxml_has_macros(p) || (p->data != NULL &&
	    ole_has_vba(p->data, p->size)))
		ONCE(s, "ATTACH_MACRO", shown);

	if (p->data != NULL && p->size > 0 && is_html_like(p, &f)) {
		if (html_has_script(p->data, p->size))
			ONCE(s, "ATTACH_HTML_SCRIPT", shown);
		if (contains(p->data, p->size, "<form"))
			ONCE(s, "ATTACH_HTML_FORM", shown);
	}
	check_archive(m, p, s, shown);
}

void
check_attachments(const struct message *m, struct scan *s)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n_parts; i++)
		if (m->parts[i].is_attachment && !m->parts[i].is_multipart)
			check_part(m, &m->parts[i], s);
}
