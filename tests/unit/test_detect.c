/*
 * test_detect.c - the phishing checks (src/detect/: self_spoof, sender,
 * brand, pressure, links, bulk) through the real pipeline.
 *
 * Each case is a message, a zone (the DNS the message's authentication
 * sees) and an envelope in; the symbols that must fire and those that
 * must not fire out.  The shipped data/ is loaded, so a change of a list
 * or a pattern that breaks a story shows here.  After the table come the
 * helpers on their own: edit distance, URL and host reading, UTF-8
 * repair, and the data loaders' refusal of broken files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <idn2.h>
#include <libpsl.h>
#include <unicode/uspoof.h>

#include "tap.h"
#include "tempfile.h"
#include "xorshift.h"
#include "detect/detect.h"
#include "dns/dns.h"
#include "scan/config.h"
#include "scan/pipeline.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "util/str.h"
#include "verdict/verdict.h"

#define NONE	NULL

/* Zones. */
#define Z_PRAXIS \
	"praxis.example. 300 IN TXT \"v=spf1 ip4:192.0.2.24/29 -all\"\n" \
	"_dmarc.praxis.example. 300 IN TXT \"v=DMARC1; p=quarantine\"\n"
#define Z_IONOS \
	"ionos.de. 300 IN TXT \"v=spf1 ip4:212.227.15.0/24 -all\"\n" \
	"_dmarc.ionos.de. 300 IN TXT \"v=DMARC1; p=reject\"\n"
#define Z_BADHOST \
	"files.bad.example. 300 IN A 193.3.19.42\n"

struct dcase {
	const char	*name;
	const char	*zone;
	const char	*ip, *mail_from, *rcpt;
	const char	*msg;
	const char	*want[8];	/* NULL-terminated */
	const char	*deny[8];
	int		 verdict;	/* -1: not checked */
	int		 min_verdict;	/* -1: not checked */
};

#define HTML_HDR(from, to, subject) \
	"From: " from "\r\nTo: " to "\r\nSubject: " subject "\r\n" \
	"Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n" \
	"Message-ID: <t1@test.example>\r\nMIME-Version: 1.0\r\n" \
	"Content-Type: text/html; charset=utf-8\r\n\r\n"
/* The receiving host's own field, dated on arrival (RFC 5321 4.4). */
#define TRACE \
	"Received: from relay.example (relay.example [198.51.100.9])\r\n" \
	"\tby mx.praxis.example (Postfix) with ESMTP id 4ABC\r\n" \
	"\tfor <kunde@praxis.example>; Tue, 6 Feb 2024 08:41:12 +0100\r\n"
#define TEXT_HDR(from, to, subject) \
	"From: " from "\r\nTo: " to "\r\nSubject: " subject "\r\n" \
	"Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n" \
	"Message-ID: <t2@test.example>\r\nMIME-Version: 1.0\r\n" \
	"Content-Type: text/plain; charset=utf-8\r\n\r\n"

static const struct dcase cases[] = {
	{ "fake IONOS mail to oneself (story 000)", Z_PRAXIS,
	    "193.3.19.117", "empfang@praxis.example",
	    "empfang@praxis.example",
	    HTML_HDR("IONOS Postfach-Service <empfang@praxis.example>",
	    "empfang@praxis.example",
	    "Komplette Wiederherstellung aller archivierter E-Mails "
	    "erforderlich")
	    "<p>Wegen einer \xc3\x9c" "berlastung ist Ihr Postfach "
	    "empfang@praxis.example vollst\xc3\xa4ndig belegt.</p>"
	    "<p>Bitte stellen Sie Ihren Posteingang innerhalb von 24 Stunden "
	    "wieder her. Nachrichten werden danach automatisch und "
	    "unwiderruflich gel\xc3\xb6scht.</p>"
	    "<table><tr><td bgcolor=\"#003d8f\"><a href=\"http://193.3.19.42/"
	    "ionos/wiederherstellen.php\">wiederherstellen</a></td></tr>"
	    "</table><p>Ihr IONOS Postfach-Service</p>",
	    { "SELF_SPOOF_ADDRESS", "BRAND_FAKE_NAME", "PRESSURE_MAILBOX",
	    "PRESSURE_DEADLINE", "PRESSURE_DELETE", "LINK_IP_LITERAL",
	    "LINK_BUTTON_UNRELATED", NONE },
	    { "BRAND_UNVERIFIED", NONE }, VERDICT_PHISHING, -1 },

	{ "genuine IONOS mail, SPF and DMARC pass", Z_IONOS,
	    "212.227.15.41", "bounce@ionos.de", "empfang@praxis.example",
	    HTML_HDR("IONOS <service@ionos.de>", "empfang@praxis.example",
	    "Ihre Rechnung")
	    "<p>Guten Tag, Ihre Rechnung steht bereit.</p>"
	    "<table><tr><td bgcolor=\"#003d8f\"><a href=\"https://www.ionos.de/"
	    "rechnungen\">Zur Rechnung</a></td></tr></table>"
	    "<p>Ihr IONOS Team</p><p>IONOS SE, Montabaur</p>",
	    { NONE },
	    { "BRAND_FAKE_NAME", "BRAND_FAKE_CONTENT", "BRAND_UNVERIFIED",
	    "LINK_BUTTON_UNRELATED", "SELF_SPOOF_ADDRESS", NONE },
	    VERDICT_AUTHENTICATED, -1 },

	{ "IONOS named in the text by a stranger", Z_IONOS,
	    "198.51.100.9", "x@mailer.example", "empfang@praxis.example",
	    TEXT_HDR("Kundenservice <x@mailer.example>",
	    "empfang@praxis.example", "Hinweis")
	    "Guten Tag,\r\nbitte melden Sie sich an.\r\n\r\n"
	    "Ihr IONOS Team\r\n",
	    { "BRAND_FAKE_CONTENT", NONE }, { "BRAND_FAKE_NAME", NONE },
	    -1, -1 },

	{ "a brand's own domain without authentication", "",
	    "198.51.100.9", "service@paypal.com", "kunde@praxis.example",
	    TEXT_HDR("PayPal <service@paypal.com>", "kunde@praxis.example",
	    "Ihr Konto")
	    "Guten Tag,\r\nwir haben Neuigkeiten.\r\n",
	    { "BRAND_UNVERIFIED", NONE }, { "BRAND_FAKE_NAME", NONE },
	    -1, -1 },

	{ "no brand inside ordinary words", "",
	    "198.51.100.9", "ingrid@firma.example", "team@firma.example",
	    TEXT_HDR("Ingrid Post <ingrid@firma.example>",
	    "team@firma.example", "Meeting booking")
	    "Hallo zusammen, das Meeting zum Booking bringing things "
	    "together ist am Montag. Die Post kommt morgen.\r\n",
	    { NONE },
	    { "BRAND_FAKE_NAME", "BRAND_FAKE_CONTENT", "BRAND_UNVERIFIED",
	    NONE }, -1, -1 },

	{ "sender domain imitating the recipient's (story 004)", "",
	    "203.0.113.66", "it-support@praxis-examp1e.de",
	    "a.sommer@praxis-example.de",
	    HTML_HDR("IT-Service <it-support@praxis-examp1e.de>",
	    "a.sommer@praxis-example.de",
	    "Outlook Web App: Ihr Kennwort l\xc3\xa4uft heute ab")
	    "<p>Ihr Kennwort l\xc3\xa4uft heute ab.</p><p><a href=\""
	    "https://mail.praxis-examp1e.de/owa/auth/logon.aspx?url=https%3a"
	    "%2f%2fmail.praxis-example.de%2fowa%2f\">https://mail.praxis-"
	    "example.de/owa/</a></p>",
	    { "SENDER_LOOKALIKE_RCPT", "LINK_TEXT_MISMATCH",
	    "PRESSURE_PASSWORD", NONE }, { NONE }, -1, VERDICT_SUSPICIOUS },

	{ "deceptive links", "", "198.51.100.9", "info@shop.example",
	    "kunde@praxis.example",
	    HTML_HDR("Shop <info@shop.example>", "kunde@praxis.example",
	    "Angebot")
	    "<p><a href=\"http://evil.example/login\">https://www.paypal.com/"
	    "</a></p><p><a href=\"https://paypal-login.com/\">hier</a></p>"
	    "<p><a href=\"https://xn--pypal-4ve.com/\">Konto</a></p>"
	    "<p><a href=\"https://bit.ly/3abc\">kurz</a></p>"
	    "<p><a href=\"https://forms.gle/xyz\">Formular</a></p>"
	    "<p><a href=\"data:text/html;base64,PGgxPng8L2gxPg==\">Seite</a>"
	    "</p><p><a href=\"http://www.paypal.com@198.51.100.77/\">PayPal"
	    "</a></p><form action=\"https://collect.example/p\">"
	    "<input type=\"password\" name=\"pw\"></form>",
	    { "LINK_TEXT_MISMATCH", "LINK_LOOKALIKE", "LINK_PUNYCODE",
	    "LINK_MIXED_SCRIPT", "LINK_SHORTENER", "LINK_HOSTING",
	    "LINK_DATA_URI", NONE },
	    { NONE }, -1, VERDICT_SUSPICIOUS },

	{ "user name before the host, and a password form", "",
	    "198.51.100.9", "info@shop.example", "kunde@praxis.example",
	    HTML_HDR("Shop <info@shop.example>", "kunde@praxis.example",
	    "Anmeldung")
	    "<p><a href=\"http://www.paypal.com@198.51.100.77/\">PayPal</a>"
	    "</p><form action=\"https://collect.example/p\">"
	    "<input type=\"password\" name=\"pw\"></form>",
	    { "LINK_USERINFO", "LINK_IP_LITERAL", "FORM_PASSWORD", NONE },
	    { "FORM_IN_MAIL", NONE }, -1, -1 },

	/*
	 * links.c judges a link again only where it differs from an earlier
	 * one with its href: in its words (after a repeat of the first) or
	 * in being a button.
	 */
	{ "a link repeated with new words is judged again", "",
	    "198.51.100.9", "info@shop.example", "kunde@praxis.example",
	    HTML_HDR("Shop <info@shop.example>", "kunde@praxis.example",
	    "Neuigkeiten")
	    "<p><a href=\"https://track.example/c/1\">hier</a></p>"
	    "<p><a href=\"https://track.example/c/1\">hier</a></p>"
	    "<p><a href=\"https://track.example/c/1\">https://www.paypal.com/"
	    "</a></p>",
	    { "LINK_TEXT_MISMATCH", NONE }, { NONE }, -1, -1 },

	{ "a link repeated as a button is judged again", "",
	    "198.51.100.9", "info@shop.example", "kunde@praxis.example",
	    HTML_HDR("Shop <info@shop.example>", "kunde@praxis.example",
	    "Neuigkeiten")
	    "<p><a href=\"https://other.example/x\">Jetzt anmelden</a></p>"
	    "<table><tr><td bgcolor=\"#003d8f\"><a href=\"https://other."
	    "example/x\">Jetzt anmelden</a></td></tr></table>",
	    { "LINK_BUTTON_UNRELATED", NONE }, { NONE }, -1, -1 },

	{ "reply-to a free mailbox and an address in the name", "",
	    "198.51.100.9", "chef@firma.example", "buchhaltung@firma.example",
	    "From: \"service@paypal.com\" <chef@firma.example>\r\n"
	    "Reply-To: chef.firma@gmail.com\r\n"
	    "To: buchhaltung@firma.example\r\nSubject: Dringend\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <t3@test.example>\r\n\r\n"
	    "Bitte \xc3\xbc" "berweisen Sie heute noch.\r\n",
	    { "SENDER_REPLYTO_FREEMAIL", "SENDER_NAME_ADDRESS",
	    "SELF_SPOOF_DOMAIN", NONE },
	    { "SENDER_REPLYTO_OTHER", NONE }, -1, -1 },

	{ "English pressure, all in one pass", "",
	    "198.51.100.9", "alert@notice.example", "user@praxis.example",
	    TEXT_HDR("Account Team <alert@notice.example>",
	    "user@praxis.example", "Action required")
	    "Dear valued customer,\r\nyour account has been suspended due to "
	    "unusual activity. Please verify your identity within 24 hours, "
	    "or your account will be permanently deleted.\r\n",
	    { "PRESSURE_ACCOUNT", "PRESSURE_VERIFY", "PRESSURE_DEADLINE",
	    "PRESSURE_DELETE", "PRESSURE_MANY", "GREETING_GENERIC", NONE },
	    { NONE }, -1, VERDICT_SUSPICIOUS },

	{ "colleague's ordinary mail", "", "198.51.100.9",
	    "dr.berg@praxis-nord.example", "empfang@praxis.example",
	    TEXT_HDR("Dr. Berg <dr.berg@praxis-nord.example>",
	    "empfang@praxis.example", "Termin am Montag")
	    "Hallo Frau Klein,\r\nk\xc3\xb6nnen wir den Termin am Montag "
	    "auf 10 Uhr legen? Die Unterlagen liegen unter "
	    "https://www.praxis-nord.example/team bereit.\r\n"
	    "Viele Gr\xc3\xbc\xc3\x9f" "e\r\n",
	    { NONE },
	    { "SELF_SPOOF_ADDRESS", "SELF_SPOOF_DOMAIN", "BRAND_FAKE_NAME",
	    "BRAND_FAKE_CONTENT", "LINK_TEXT_MISMATCH", "PRESSURE_MANY",
	    "SENDER_LOOKALIKE_RCPT", NONE }, VERDICT_UNVERIFIED, -1 },

	{ "own address, but authenticated by SPF and DMARC", Z_PRAXIS,
	    "192.0.2.25", "empfang@praxis.example", "empfang@praxis.example",
	    TEXT_HDR("Empfang <empfang@praxis.example>",
	    "empfang@praxis.example", "Notiz")
	    "Nicht vergessen: Rezepte bestellen.\r\n",
	    { NONE }, { "SELF_SPOOF_ADDRESS", "SELF_SPOOF_DOMAIN", NONE },
	    VERDICT_AUTHENTICATED, -1 },

	{ "a list writing to itself is not a spoof", "", "198.51.100.9",
	    NULL, NULL,
	    "From: QM-Forum <qm@lists.aerzte.example>\r\n"
	    "To: qm@lists.aerzte.example\r\n"
	    "List-Id: QM-Forum <qm.lists.aerzte.example>\r\n"
	    "Subject: [QM] Protokoll\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <t4@test.example>\r\n\r\nAnbei das Protokoll.\r\n",
	    { NONE }, { "SELF_SPOOF_ADDRESS", NONE }, -1, -1 },

	/* Marks of bulk mail in header and form (bulk.c). */
	{ "a script's advertising page to hidden recipients", "",
	    "198.51.100.9", "offers@deals.example", "kunde@praxis.example",
	    TRACE
	    "From: Deals <offers@deals.example>\r\n"
	    "To: undisclosed-recipients:;\r\n"
	    "Subject: Mortgage rates are down      qkdjt\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <b1@deals.example>\r\nX-Priority: 1\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n"
	    "<html><body><p>Lower your monthly payment today.</p>"
	    "<div style=\"display: none\">harvest lantern copper "
	    "meadow</div><p><a href=\"http://rates.deals.example/\">"
	    "Apply</a></p></body></html>\r\n",
	    { "BULK_HTML_ONLY", "BULK_HTML_BARE", "BULK_HTML_NO_CHARSET",
	    "BULK_HIDDEN_TEXT", "HDR_SUBJECT_TAG", "HDR_UNDISCLOSED",
	    "HDR_PRIORITY_HIGH", NONE },
	    { "HDR_SUBJECT_CAPS", NONE }, -1, VERDICT_SPAM },

	{ "Outlook's hidden style block and a folded subject are normal", "",
	    "198.51.100.9", "anna@firma.example", "team@firma.example",
	    TRACE
	    "From: Anna <anna@firma.example>\r\nTo: team@firma.example\r\n"
	    "Subject: Re: recovery of the base image after the update of"
	    "\r\n    yesterday\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <b2@firma.example>\r\n"
	    "X-Mailer: Microsoft Outlook 16.0\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
	    "It works again.\r\n--b\r\n"
	    "Content-Type: text/html; charset=us-ascii\r\n\r\n"
	    "<html><head><style type=\"text/css\" style=\"display:none;\">"
	    "p {margin:0}</style></head><body><p>It works again.</p>"
	    "</body></html>\r\n--b--\r\n",
	    { NONE },
	    { "BULK_HIDDEN_TEXT", "HDR_SUBJECT_TAG", "BULK_HTML_ONLY",
	    "BULK_HTML_BARE", "HDR_UNDISCLOSED", "HDR_PRIORITY_HIGH",
	    "HDR_SUBJECT_CAPS", NONE }, VERDICT_UNVERIFIED, -1 },

	{ "hiding styles with blanks and case inside, at the part's end", "",
	    "198.51.100.9", "anna@firma.example", "team@firma.example",
	    TRACE
	    "From: Anna <anna@firma.example>\r\nTo: team@firma.example\r\n"
	    "Subject: Neuigkeiten\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <b7@firma.example>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/html; charset=us-ascii\r\n\r\n"
	    "<p>Hallo.</p><p><FONT\r\n  Size = \"1\"\tcolor=\"#FFFFFF\">"
	    "harvest lantern</FONT></p><span style=\"COLOR :\n #ffffff ; "
	    "background-color: #FFFFFF\">x</span><i style=\"display\n:\n"
	    "none",
	    { "BULK_HIDDEN_TEXT", NONE }, { NONE }, -1, -1 },

	{ "a hiding style inside a spaced-out <style> tag is normal", "",
	    "198.51.100.9", "anna@firma.example", "team@firma.example",
	    TRACE
	    "From: Anna <anna@firma.example>\r\nTo: team@firma.example\r\n"
	    "Subject: Neuigkeiten\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <b8@firma.example>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/html; charset=us-ascii\r\n\r\n"
	    "<html><head>< st\r\n yle type=\"text/css\" "
	    "style=\"display : none\">p {margin:0}</style></head><body>"
	    "<p>Hallo, hier die Fotos.</p><IMG src=\"a.jpg\"><img\r\n"
	    "src=\"b.jpg\"><imgx><font><font><font><font><font><font>"
	    "<font><font><font><FONT>x</font></body></html>",
	    { "BULK_HTML_FONTS", NONE }, { "BULK_HIDDEN_TEXT", NONE }, -1, -1 },

	{ "a mass mailer's base64 text with a free-call number", "",
	    "198.51.100.9", "sat@tv.example", "kunde@praxis.example",
	    TRACE
	    "From: sat@tv.example\r\nTo: kunde@praxis.example\r\n"
	    "Subject: FREE SATELLITE TV FOR EVERY HOME\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <b3@tv.example>\r\n"
	    "X-Mailer: Advanced Mass Sender 4.2\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    "U2F0ZWxsaXRlIFRWIGZvciBldmVyeW9uZTogY2FsbCAxLTg4OC00MDYtNDI0NiBu"
	    "b3cgYW5kIGdldCBldmVyeSBjaGFubmVsLg0K\r\n",
	    { "HDR_SUBJECT_CAPS", "BULK_MAILER", "BULK_BASE64_TEXT",
	    "SPAM_PHONE", NONE }, { "BULK_HTML_ONLY", NONE }, -1,
	    VERDICT_SPAM },

	{ "a subject in a Chinese character set", "",
	    "198.51.100.9", "x@shop.example", "kunde@praxis.example",
	    TRACE
	    "From: x@shop.example\r\nTo: kunde@praxis.example\r\n"
	    "Subject: =?big5?B?pXiqRaZupas=?=\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <b4@shop.example>\r\n\r\nhttp://shop.example/\r\n",
	    { "BULK_FOREIGN_CHARSET", NONE }, { NONE }, -1, -1 },

	{ "forged date, home-made Message-ID, mailbox name in the subject",
	    "", "198.51.100.9", "x@loans.example", "jsmith@praxis.example",
	    TRACE
	    "From: x@loans.example\r\nTo: jsmith@praxis.example\r\n"
	    "Subject: jsmith, your approval is waiting\r\n"
	    "Date: Tue, 9 Jan 2024 08:41:09 +0100\r\n"
	    "Message-ID: <20240109084109abc>\r\n\r\nSee "
	    "http://approve.loans.top/x\r\n",
	    { "HDR_DATE_SKEW", "HDR_MSGID_BAD", "HDR_SUBJECT_RCPT",
	    "LINK_RISKY_TLD", NONE }, { NONE }, -1, -1 },

	{ "a list's subject tag is not the reader's name", "",
	    "198.51.100.9", "bob@uni.example", "usrp-users@lists.example",
	    TRACE
	    "From: Bob <bob@uni.example>\r\nTo: usrp-users@lists.example\r\n"
	    "List-Id: <usrp-users.lists.example>\r\n"
	    "Subject: [USRP-users] B210 timing\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <b6@uni.example>\r\n\r\nHello list.\r\n",
	    { NONE }, { "HDR_SUBJECT_RCPT", "HDR_DATE_SKEW", "HDR_MSGID_BAD",
	    NONE }, -1, -1 },

	{ "a blind copy of mail to somebody else", "",
	    "198.51.100.9", "x@offers.example", "kunde@praxis.example",
	    TRACE
	    "From: x@offers.example\r\nTo: friends@offers.example\r\n"
	    "Subject: Our offer\r\nDate: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <b7@offers.example>\r\n\r\nHello.\r\n",
	    { "HDR_RCPT_HIDDEN", NONE }, { "HDR_UNDISCLOSED", NONE }, -1, -1 },

	{ "a mailbox renamed on delivery is still the visible one", "",
	    "198.51.100.9", "anna@firma.example", "jm@localhost",
	    TRACE
	    "Delivered-To: yyyy@localhost.firma.example\r\n"
	    "From: Anna <anna@firma.example>\r\nTo: yyyy@firma.example\r\n"
	    "Subject: Lunch\r\nDate: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <b8@firma.example>\r\n\r\nAt noon?\r\n",
	    { NONE }, { "HDR_RCPT_HIDDEN", NONE }, -1, -1 },

	{ "a later Delivered-To, in capitals, names the visible mailbox", "",
	    "198.51.100.9", "anna@firma.example", "jm@localhost",
	    TRACE
	    "Delivered-To: other@elsewhere.example\r\n"
	    "DELIVERED-TO: yyyy@localhost.firma.example\r\n"
	    "From: Anna <anna@firma.example>\r\nTo: yyyy@firma.example\r\n"
	    "Subject: Lunch\r\nDate: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <b8@firma.example>\r\n\r\nAt noon?\r\n",
	    { NONE }, { "HDR_RCPT_HIDDEN", NONE }, -1, -1 },

	{ "header names in small letters count; X-Mailers is no X-Mailer", "",
	    "198.51.100.9", "news@lists.example", "kunde@praxis.example",
	    TRACE
	    "X-Mailers: Microsoft Outlook 16.0\r\n"
	    "From: News <news@lists.example>\r\nTo: all@lists.example\r\n"
	    "x-msmail-priority: High\r\n"
	    "list-unsubscribe: <mailto:u@lists.example>\r\n"
	    "Subject: Our news\r\nDate: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "message-id: <n1@lists.example>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/html; charset=us-ascii\r\n\r\n"
	    "<p>Hello.</p>\r\n",
	    { "BULK_HTML_BARE", "HDR_PRIORITY_HIGH", NONE },
	    { "HDR_RCPT_HIDDEN", "BULK_HTML_NO_CHARSET", "HDR_MSGID_BAD",
	    NONE }, -1, -1 },

	{ "of two X-Priority fields the first counts", "",
	    "198.51.100.9", "anna@firma.example", "team@firma.example",
	    TRACE
	    "From: Anna <anna@firma.example>\r\nTo: team@firma.example\r\n"
	    "X-Priority: 3\r\nSubject: Lunch\r\nX-Priority: 1\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <b10@firma.example>\r\n\r\nAt noon?\r\n",
	    { NONE }, { "HDR_PRIORITY_HIGH", NONE }, -1, -1 },

	{ "list mail reaches its readers by blind copy", "",
	    "198.51.100.9", "bob@uni.example", "kunde@praxis.example",
	    TRACE
	    "From: Bob <bob@uni.example>\r\nTo: users@lists.example\r\n"
	    "List-Id: <users.lists.example>\r\nSubject: [users] B210\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <b9@uni.example>\r\n\r\nHello list.\r\n",
	    { NONE }, { "HDR_RCPT_HIDDEN", NONE }, -1, -1 },

	{ "saved mail from and to oneself", "", "198.51.100.9", NULL, NULL,
	    "From: Empfang <empfang@praxis.example>\r\n"
	    "To: empfang@praxis.example\r\nSubject: Postfach voll\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <s1@x.example>\r\n\r\nBitte bestaetigen.\r\n",
	    { "SELF_SPOOF_ADDRESS", NONE }, { NONE }, -1, -1 },

	{ "a forwarder rewrote From and To; Delivered-To is the reader",
	    "", "198.51.100.9", NULL, NULL,
	    "Delivered-To: reader@uni.example\r\n"
	    "From: News <news.at.list@fwd.example>\r\n"
	    "To: news.at.list@fwd.example\r\nSubject: News\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <s2@x.example>\r\n\r\nThis week.\r\n",
	    { NONE }, { "SELF_SPOOF_ADDRESS", NONE }, -1, -1 },

	{ "hash-busters: a tracking code, a random subject word and mailer",
	    "", "198.51.100.9", "offers@deals.example", "kunde@praxis.example",
	    TRACE
	    "From: Deals <offers@deals.example>\r\n"
	    "To: kunde@praxis.example\r\n"
	    "Subject: Ref. Fatura - G3ejrKKzNc30o7qJhZ\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <h1@deals.example>\r\n"
	    "X-Mailer: guSNkATxxis4eMSP7EFMnNTcbQal\r\n\r\n"
	    "Register your domain today.\r\n\r\n"
	    "(f4)5088VukL9-796qVfq4651flcG5-695tl29\r\n\r\n\r\n",
	    { "BULK_TRACKING_CODE", "HDR_SUBJECT_TAG", "HDR_MAILER_RANDOM",
	    NONE }, { "HDR_SUBJECT_UNDERSCORES", NONE }, -1, -1 },

	{ "subject words joined by underscores; a bracketed tag", "",
	    "198.51.100.9", "x@win.example", "kunde@praxis.example",
	    TRACE
	    TEXT_HDR("x@win.example", "kunde@praxis.example",
	    "Find_out_how_to_get_your_Reward! [k9lej]")
	    "Claim it today.\r\n",
	    { "HDR_SUBJECT_UNDERSCORES", "HDR_SUBJECT_TAG", NONE },
	    { "BULK_TRACKING_CODE", NONE }, -1, -1 },

	{ "signatures, hashes and a file name are no hash-busters", "",
	    "198.51.100.9", "dev@list.example", "kunde@praxis.example",
	    TRACE
	    "From: dev@list.example\r\nTo: kunde@praxis.example\r\n"
	    "Subject: Re: build of my_module_name fails 4b825dc642cb\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <h3@list.example>\r\n"
	    "X-Mailer: Mutt 2.2.9\r\n\r\n"
	    "Item Number 2372331171 is fixed by 0f3a9c2e-7b1d-4e2a.\r\n"
	    "-----BEGIN PGP SIGNATURE-----\r\n"
	    "iEYEARECAAYFAklSG48ACgkQeyJE91ndMG5lPACfQG7BR9Y90yUd0w7l5yFKqhGH\r\n"
	    "=Xq3v\r\n-----END PGP SIGNATURE-----\r\n",
	    { NONE }, { "BULK_TRACKING_CODE", "HDR_SUBJECT_TAG",
	    "HDR_SUBJECT_UNDERSCORES", "HDR_MAILER_RANDOM", NONE }, -1, -1 },

	{ "Outlook Express named, but not its Message-ID", "",
	    "198.51.100.9", "x@excite.example", "kunde@praxis.example",
	    TRACE
	    "From: x@excite.example\r\nTo: kunde@praxis.example\r\n"
	    "Subject: domain names\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <20020926181148.A1234@sxurqc>\r\n"
	    "X-Mailer: Microsoft Outlook Express 6.00.2462.0000\r\n\r\n"
	    "Register today.\r\n",
	    { "HDR_FORGED_OUTLOOK", NONE }, { NONE }, -1, -1 },

	{ "Outlook Express with its own ID, or one set by the webmail",
	    "", "198.51.100.9", "anna@mail.example", "kunde@praxis.example",
	    TRACE
	    "From: anna@mail.example\r\nTo: kunde@praxis.example\r\n"
	    "Subject: Fotos\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <000801c2651d$2b4a3f60$0100a8c0@pc>\r\n"
	    "X-Mailer: Microsoft Outlook Express 6.00.2800.1106\r\n\r\n"
	    "Anbei.\r\n",
	    { NONE }, { "HDR_FORGED_OUTLOOK", NONE }, -1, -1 },

	{ "an Outlook Express ID set by the sender's own webmail", "",
	    "198.51.100.9", "bob@hotmail.example", "kunde@praxis.example",
	    TRACE
	    "From: bob@hotmail.example\r\nTo: kunde@praxis.example\r\n"
	    "Subject: Hi\r\n"
	    "Date: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <DAV37u72CQUe91PBX44000116fb@hotmail.example>\r\n"
	    "X-Mailer: Microsoft Outlook Express 5.50.4133.2400\r\n\r\n"
	    "Hi.\r\n",
	    { NONE }, { "HDR_FORGED_OUTLOOK", "HDR_MAILER_RANDOM", NONE }, -1,
	    -1 },

	{ "an advance-fee letter", "", "198.51.100.9", "x@mail.example",
	    "kunde@praxis.example",
	    TRACE
	    TEXT_HDR("x@mail.example", "kunde@praxis.example", "Urgent")
	    "Since the demise of our foreign customer, who perished in a "
	    "plane crash, the abandoned sum waits for his next of kin.\r\n",
	    { "LURE_ADVANCE_FEE", "LURE_MONEY", NONE }, { NONE }, -1, -1 },

	{ "button host resolved and located", Z_BADHOST, "198.51.100.9",
	    "info@shop.example", "kunde@praxis.example",
	    HTML_HDR("Shop <info@shop.example>", "kunde@praxis.example",
	    "Lieferung")
	    "<table><tr><td bgcolor=\"#ff0000\"><a href=\"https://files.bad."
	    "example/x\">Jetzt ansehen</a></td></tr></table>",
	    { "LINK_BUTTON_UNRELATED", NONE }, { "LINK_IP_LITERAL", NONE },
	    -1, -1 },

};

static struct scan *
run_len(const struct config *cfg, struct dns_resolver **res,
    const struct dcase *c, size_t len);

static struct scan *
run(const struct config *cfg, struct dns_resolver **res, const struct dcase *c)
{
	return run_len(cfg, res, c, strlen(c->msg));
}

/* The message may hold NUL bytes: its length is given. */
static struct scan *
run_len(const struct config *cfg, struct dns_resolver **res,
    const struct dcase *c, size_t len)
{
	char err[512];
	struct scan *s;

	*res = dns_zone_from_text(c->zone, strlen(c->zone), ".", err,
	    sizeof(err));
	if (*res == NULL) {
		printf("# zone: %s\n", err);
		return NULL;
	}
	if ((s = scan_new(cfg, *res)) == NULL)
		return NULL;
	s->env.client_ip = (char *)c->ip;
	s->env.mail_from = (char *)c->mail_from;
	if (c->rcpt != NULL) {
		s->env.rcpt = arena_calloc(s->arena, 1, sizeof(char *));
		s->env.rcpt[0] = arena_strdup(s->arena, c->rcpt);
		s->env.n_rcpt = 1;
	}
	scan_message(s, c->msg, len);
	return s;
}

static const struct symbol *
find(const struct scan *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_symbols; i++)
		if (strcmp(s->symbols[i].name, name) == 0)
			return &s->symbols[i];
	return NULL;
}

static void
list_symbols(const struct scan *s)
{
	size_t i;

	printf("#   symbols:");
	for (i = 0; i < s->n_symbols; i++)
		printf(" %s", s->symbols[i].name);
	printf("\n");
}

static void
table(const struct config *cfg)
{
	struct dns_resolver *res;
	struct scan *s;
	size_t i, k;
	bool all;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dcase *c = &cases[i];

		if ((s = run(cfg, &res, c)) == NULL) {
			ok(0, "%s: scan", c->name);
			continue;
		}
		all = true;
		for (k = 0; c->want[k] != NULL; k++) {
			ok(find(s, c->want[k]) != NULL, "%s: %s", c->name,
			    c->want[k]);
			all &= find(s, c->want[k]) != NULL;
		}
		for (k = 0; c->deny[k] != NULL; k++) {
			ok(find(s, c->deny[k]) == NULL, "%s: no %s", c->name,
			    c->deny[k]);
			all &= find(s, c->deny[k]) == NULL;
		}
		if (c->verdict >= 0) {
			is_str(verdict_name(s->verdict),
			    verdict_name((enum verdict)c->verdict),
			    "%s: verdict", c->name);
			all &= (int)s->verdict == c->verdict;
		}
		if (c->min_verdict >= 0) {
			ok((int)s->verdict >= c->min_verdict,
			    "%s: at least %s (%s, %.1f)", c->name,
			    verdict_name((enum verdict)c->min_verdict),
			    verdict_name(s->verdict), s->score);
			all &= (int)s->verdict >= c->min_verdict;
		}
		if (!all)
			list_symbols(s);
		scan_free(s);
		dns_resolver_free(res);
	}
}

/* Evidence and explanations name the concrete things. */
static void
evidence(const struct config *cfg)
{
	const struct symbol *sym;
	struct dns_resolver *res;
	struct scan *s;
	const char *t;

	s = run(cfg, &res, &cases[0]);
	if (s == NULL) {
		ok(0, "evidence scan");
		return;
	}
	sym = find(s, "BRAND_FAKE_NAME");
	ok(sym != NULL && sym->nargs == 3 &&
	    strcmp(sym->args[0], "IONOS") == 0 &&
	    strcmp(sym->args[1], "IONOS Postfach-Service") == 0 &&
	    strcmp(sym->args[2], "praxis.example") == 0,
	    "BRAND_FAKE_NAME names brand, display name and real domain");
	sym = find(s, "LINK_BUTTON_UNRELATED");
	ok(sym != NULL && strcmp(sym->args[0], "wiederherstellen") == 0 &&
	    strcmp(sym->args[1], "193.3.19.42") == 0,
	    "LINK_BUTTON_UNRELATED quotes the button and its target");
	t = sym ? explain_symbol(s, LANG_DE, sym) : "";
	ok(strstr(t, "wiederherstellen") != NULL &&
	    strstr(t, "193.3.19.42") != NULL,
	    "German explanation names button and target: %s", t);
	t = sym ? explain_symbol(s, LANG_EN, sym) : "";
	ok(strstr(t, "193.3.19.42") != NULL, "English explanation: %s", t);
	sym = find(s, "PRESSURE_DEADLINE");
	ok(sym != NULL && strstr(sym->args[0], "24 Stunden") != NULL,
	    "pressure quotes its words (%s)", sym ? sym->args[0] : "-");
	/*
	 * The summary tells the whole story of story 000: who it claims
	 * to be, the reader's own address, the button and the pressure.
	 */
	verdict_decide(s);
	t = explain_summary(s, LANG_DE);
	ok(strstr(t, "IONOS") != NULL && strstr(t, "empfang@praxis.example") !=
	    NULL && strstr(t, "wiederherstellen") != NULL &&
	    strstr(t, "24 Stunden") != NULL,
	    "German summary: brand, own address, button, deadline: %s", t);
	t = explain_summary(s, LANG_EN);
	ok(strstr(t, "IONOS") != NULL && strstr(t, "your own address") !=
	    NULL && strstr(t, "nothing to do with the sender") != NULL,
	    "English summary: brand, own address, unrelated button");
	/* Country and network come from libloc when it is installed. */
	if (cfg->detect->geo != NULL) {
		sym = find(s, "LINK_BUTTON_LOCATION");
		ok(sym != NULL && sym->nargs == 3 &&
		    strstr(sym->args[2], "(RU)") != NULL &&
		    strstr(sym->args[2], "AS50340") != NULL,
		    "button located in RU, AS50340 (%s)",
		    sym ? sym->args[2] : "-");
		ok(find(s, "LINK_RISKY_COUNTRY") != NULL,
		    "RU is on data/geo-risk");
		ok(strstr(explain_summary(s, LANG_EN), "AS50340") != NULL,
		    "the summary names the button's network");
	} else
		ok(1, "# SKIP no libloc database");
	scan_free(s);
	dns_resolver_free(res);

	/* A host name is resolved through the zone, then located. */
	s = run(cfg, &res, &cases[sizeof(cases) / sizeof(cases[0]) - 1]);
	if (s != NULL && cfg->detect->geo != NULL) {
		sym = find(s, "LINK_BUTTON_LOCATION");
		ok(sym != NULL && strstr(sym->args[2], "(RU)") != NULL,
		    "resolved button host located (%s)",
		    sym ? sym->args[2] : "-");
		ok(dns_batch_queries(s->dns) >= 1, "its A record was asked");
	} else
		ok(1, "# SKIP no libloc database");
	if (s != NULL) {
		scan_free(s);
		dns_resolver_free(res);
	}

	/*
	 * LINK_RISKY_TLD names the first link's host under a risky label,
	 * in lower case and without the closing dot, whatever the case of
	 * the href; a text that is no host ("a b.top") does not count.
	 */
	{
		struct dcase c = { "risky tld", "", "198.51.100.9",
		    "x@loans.example", "jsmith@praxis.example",
		    HTML_HDR("x@loans.example", "jsmith@praxis.example",
		    "Hallo")
		    "<a href=\"https://shop.example/\">a</a>"
		    "<a href=\"http://a b.top/\">b</a>"
		    "<a href=\"HTTP://Approve.Loans.TOP./x?q=1\">c</a>"
		    "<a href=\"https://second.top/\">d</a>\r\n",
		    { NONE }, { NONE }, -1, -1 };

		s = run(cfg, &res, &c);
		sym = s != NULL ? find(s, "LINK_RISKY_TLD") : NULL;
		ok(sym != NULL && sym->nargs == 1 &&
		    strcmp(sym->args[0], "approve.loans.top") == 0,
		    "LINK_RISKY_TLD names the first risky host (%s)",
		    sym != NULL && sym->nargs > 0 ? sym->args[0] : "-");
		if (s != NULL) {
			scan_free(s);
			dns_resolver_free(res);
		}
	}
}

/* The name of the first brand brands_find() sees in text, or "-". */
static const char *
first_brand(const struct config *cfg, struct arena *a, const char *text,
    bool claim, size_t *off)
{
	struct brand_hit h[8];
	const struct brand *b;

	if (brands_find(cfg->detect->brands, a, text, strlen(text), claim, h,
	    8) == 0 || (b = brands_get(cfg->detect->brands, h[0].brand)) ==
	    NULL)
		return "-";
	*off = h[0].off;
	return b->name;
}

/* Names in running text, and a sender's own voice (brands.c). */
static void
brand_finds(const struct config *cfg, struct arena *a)
{
	size_t off = 99;

	is_str(first_brand(cfg, a, "Sehr geehrte Damen, die Unterlagen",
	    true, &off), "-", "no name in ordinary German");
	is_str(first_brand(cfg, a, "Danke. Ihr IONOS Team", true, &off),
	    "IONOS", "the voice: \"Ihr X Team\"");
	ok(off == 7, "from the lead word on (%zu)", off);
	is_str(first_brand(cfg, a, "xIhr IONOS Team", true, &off), "IONOS",
	    "no lead inside a word, but \"X Team\" is a claim");
	ok(off == 5, "from the name on (%zu)", off);
	is_str(first_brand(cfg, a, "COPYRIGHT 2019 - 2024 by\nPayPal", true,
	    &off), "PayPal", "a copyright line");
	is_str(first_brand(cfg, a, "Seit \xc2\xa9 2024 PayPal", true, &off),
	    "PayPal", "the voice: a copyright sign");
	ok(off == 5, "from the sign on (%zu)", off);
	is_str(first_brand(cfg, a, "(c)PayPal", true, &off), "PayPal",
	    "(c) before the name");
	is_str(first_brand(cfg, a, "Ihr IONOS", true, &off), "IONOS",
	    "\"Ihr X\" at the end of the text");
	/* The voice's lead is looked for by its first two bytes. */
	is_str(first_brand(cfg, a, "Ich, die Chefin: (C) PayPal", true,
	    &off), "PayPal", "\"(C)\" in capitals");
	ok(off == 17, "from the \"(C)\" on (%zu)", off);
	is_str(first_brand(cfg, a, "DEINE\tIONOS", true, &off), "IONOS",
	    "\"DEINE X\" in capitals");
	ok(off == 0, "from the lead word on (%zu)", off);
	is_str(first_brand(cfg, a, "xcopyright PayPal", true, &off), "PayPal",
	    "\"copyright\" needs no word start");
	ok(off == 1, "from \"copyright\" on (%zu)", off);
	is_str(first_brand(cfg, a, "die dich dein", true, &off), "-",
	    "leads with no name after them");
	is_str(first_brand(cfg, a, "Ihrer IONOS Vertrag", true, &off), "-",
	    "\"Ihrer\" is no lead");
	is_str(first_brand(cfg, a, "Ihre\xc5\xbf IONOS", true, &off), "IONOS",
	    "a long s in a lead word (U+017F folds to s)");
	is_str(first_brand(cfg, a, "Ihre\xc5\xbf sparkasse", false, &off),
	    "Sparkasse", "a plain name after a long s");
	is_str(first_brand(cfg, a, "bei der \xc5\xbfparkasse", false, &off),
	    "Sparkasse", "a long s for s (U+017F folds to s)");
	is_str(first_brand(cfg, a, "Sehr geehrte", false, &off), "-",
	    "S-pushTAN does not start every word on S");
	is_str(first_brand(cfg, a, "mit S -\t pushTAN", false, &off),
	    "Sparkasse", "blanks and hyphens inside a name");
	is_str(first_brand(cfg, a, "mit s-pushTAN", false, &off), "Sparkasse",
	    "a cased name keeps its case");
	ok(off == 6, "only the uncased \"pushTAN\" matches (%zu)", off);
	is_str(first_brand(cfg, a, "Die\r\nPost", false, &off), "Swiss Post",
	    "a line break inside a name");
	is_str(first_brand(cfg, a, "Die Postfiliale", false, &off), "-",
	    "a name needs its end");
	is_str(first_brand(cfg, a, "\xc3\x96GK", false, &off), "\xc3\x96GK",
	    "a name on a non-ASCII letter");
}

static void
helpers(const struct config *cfg)
{
	struct arena *a = arena_new(0);
	void *h = urls_handle();
	const char *t, *target;
	struct url u;
	char *host;
	bool mixed;
	int brand, round;

	is_int(lookalike_distance("ionos", 5, "ionos", 5, 2), 0, "distance 0");
	is_int(lookalike_distance("paypal", 6, "paypla", 6, 2), 1,
	    "a swap is one edit");
	is_int(lookalike_distance("sparkasse", 9, "sparkase", 8, 2), 1,
	    "a deletion is one edit");
	is_int(lookalike_distance("abcdef", 6, "uvwxyz", 6, 2), 3,
	    "beyond the cap: cap + 1");

	ok(urls_parse(a, h, "mailto:x@paypal.com", &u) == -1,
	    "mailto: is no web link");
	ok(urls_parse(a, h, "tel:+4930123", &u) == -1, "tel: is no link");
	ok(urls_parse(a, h, "HTTPS://WWW.Example.COM/a?b=c", &u) == 0 &&
	    strcmp(u.host, "www.example.com") == 0 &&
	    strcmp(u.regdom, "example.com") == 0 &&
	    strcmp(u.scheme, "https") == 0, "host and regdom lower-cased");
	ok(urls_parse(a, h, "www.bank.example.co.uk/login", &u) == 0 &&
	    strcmp(u.regdom, "example.co.uk") == 0,
	    "no scheme: guessed; regdom through the PSL");
	ok(urls_parse(a, h, "http://0x7f.1/", &u) == 0 && u.ip,
	    "a numeric host in hex is an IP literal (%s)", u.host);
	ok(urls_parse(a, h, "http://[2001:db8::1]/", &u) == 0 && u.ip,
	    "IPv6 literal");
	ok(urls_parse(a, h, "http://paypal.com@evil.example/", &u) == 0 &&
	    u.userinfo && strcmp(u.host, "evil.example") == 0,
	    "user info is not the host");
	/* The handle must not resolve a link against the previous one. */
	ok(urls_parse(a, h, "https://one.example/a/b", &u) == 0 &&
	    urls_parse(a, h, "www.two.example/c", &u) == 0 &&
	    strcmp(u.host, "www.two.example") == 0,
	    "each link is parsed on its own (%s)", u.host);
	ok(urls_parse(a, h, "https://m\xc3\xbcnchen.example/", &u) == 0 &&
	    u.idn && strncmp(u.host, "xn--", 4) == 0,
	    "Unicode host to ACE (%s)", u.host);

	host = urls_host_in_text(a, " https://www.PayPal.com/de ", 27);
	is_str(host, "www.paypal.com", "shown host from a URL text");
	host = urls_host_in_text(a, "paypal.com", 10);
	is_str(host, "paypal.com", "bare domain");
	ok(urls_host_in_text(a, "hier klicken", 12) == NULL, "words");
	ok(urls_host_in_text(a, "index.html", 10) == NULL, "a file name");
	ok(urls_host_in_text(a, "detector.sv", 11) == NULL,
	    "a file with a suffix that is also a TLD");
	ok(urls_host_in_text(a, "a@b.example", 11) == NULL, "an address");
	/*
	 * Whether the last label is a suffix is remembered per thread;
	 * "it" and "html", "bank" and "exe" share a slot, and each asked
	 * twice in turn must keep its own answer.
	 */
	for (round = 1; round <= 2; round++) {
		ok(urls_host_in_text(a, "praxis.de", 9) != NULL &&
		    urls_host_in_text(a, "www.notes.txt", 13) == NULL &&
		    urls_host_in_text(a, "index.php", 9) == NULL &&
		    urls_host_in_text(a, "www.praxis.de", 13) != NULL &&
		    urls_host_in_text(a, "www.shop.invalidtld", 19) == NULL &&
		    urls_host_in_text(a, "https://x.example.com/", 22) != NULL,
		    "suffix or not, asked again (round %d)", round);
		ok(urls_host_in_text(a, "www.praxis.it", 13) != NULL &&
		    urls_host_in_text(a, "www.index.html", 14) == NULL &&
		    urls_host_in_text(a, "www.example.bank", 16) != NULL &&
		    urls_host_in_text(a, "www.setup.exe", 13) == NULL,
		    "suffixes sharing a memo slot (round %d)", round);
	}

	ok(urls_parse(a, h, "https://t.example/r?u=https%3A%2F%2Fevil.example"
	    "%2Fx", &u) == 0 && (host = urls_redirect_target(a, &u)) != NULL &&
	    strcmp(host, "evil.example") == 0, "redirect target in query");
	ok(urls_parse(a, h, "https://t.example/r?a=b:/c&u=HTTPS://Evil."
	    "Example/x", &u) == 0 && (host = urls_redirect_target(a, &u)) !=
	    NULL && strcmp(host, "evil.example") == 0,
	    "redirect target after a lone \":/\", in capitals");
	ok(urls_parse(a, h, "https://t.example/r?u=http:/evil.example/x",
	    &u) == 0 && urls_redirect_target(a, &u) == NULL,
	    "no redirect target without \"://\"");

	t = detect_utf8(a, "ok \xc3\xa4", 5);
	ok(strcmp(t, "ok \xc3\xa4") == 0, "valid UTF-8 is kept");
	t = detect_utf8(a, "a\xff" "b\xc3", 4);
	ok(t != NULL && memcmp(t, "a?b?", 4) == 0, "invalid bytes become ?");

	ok(lookalike_brand(cfg->detect->lookalike, cfg->detect->brands, a,
	    "paypa1.com", &brand, &target) == LOOK_CONFUSABLE &&
	    strcmp(target, "paypal.com") == 0, "paypa1.com is confusable");
	ok(lookalike_brand(cfg->detect->lookalike, cfg->detect->brands, a,
	    "ionos-kundenservice.de", &brand, &target) == LOOK_COMBO,
	    "brand plus word");
	ok(lookalike_brand(cfg->detect->lookalike, cfg->detect->brands, a,
	    "sparkase.de", &brand, &target) == LOOK_NEAR,
	    "one letter missing");
	/* The cheap bound in front of the distance must not hide these. */
	ok(lookalike_brand(cfg->detect->lookalike, cfg->detect->brands, a,
	    "spakrasse.de", &brand, &target) == LOOK_NEAR,
	    "two letters swapped");
	ok(lookalike_brand(cfg->detect->lookalike, cfg->detect->brands, a,
	    "sparkazze.de", &brand, &target) == LOOK_NONE,
	    "two letters changed, one allowed for nine letters");
	ok(lookalike_brand(cfg->detect->lookalike, cfg->detect->brands, a,
	    "sparkassse.de", &brand, &target) == LOOK_NEAR,
	    "one letter doubled");
	ok(lookalike_brand(cfg->detect->lookalike, cfg->detect->brands, a,
	    "ionos.de", &brand, &target) == LOOK_NONE,
	    "the brand's own domain");
	ok(lookalike_brand(cfg->detect->lookalike, cfg->detect->brands, a,
	    "sparkasse-koelnbonn.de", &brand, &target) == LOOK_NONE,
	    "a member of a brand's family of domains");
	ok(lookalike_brand(cfg->detect->lookalike, cfg->detect->brands, a,
	    "pineapple.com", &brand, &target) == LOOK_NONE,
	    "a word that merely contains a brand");
	ok(lookalike_brand(cfg->detect->lookalike, cfg->detect->brands, a,
	    "post-gazette.com", &brand, &target) == LOOK_NONE,
	    "a generic brand label is not a look-alike anchor");
	ok(lookalike_pair(cfg->detect->lookalike, a, "praxis-examp1e.de",
	    "praxis-example.de"), "1 for l");
	ok(!lookalike_pair(cfg->detect->lookalike, a, "praxis-example.com",
	    "praxis-example.de"), "another suffix is not a look-alike");
	t = lookalike_unicode(cfg->detect->lookalike, a, "xn--pypal-4ve.com",
	    &mixed);
	ok(t != NULL && mixed, "Cyrillic a in Latin paypal is mixed (%s)",
	    t ? t : "-");
	t = lookalike_unicode(cfg->detect->lookalike, a,
	    "xn--mnchen-3ya.de", &mixed);
	ok(t != NULL && !mixed, "m\xc3\xbcnchen is one script (%s)",
	    t ? t : "-");

	brand_finds(cfg, a);

	ok(brands_owner(cfg->detect->brands, "mail.ionos.de") >= 0,
	    "subdomains belong to the brand");
	ok(brands_owner(cfg->detect->brands, "notionos.de") < 0,
	    "suffix match is on label boundaries");
	ok(brands_count(cfg->detect->brands) >= 60, "at least 60 brands (%zu)",
	    brands_count(cfg->detect->brands));

	urls_handle_free(h);
	arena_free(a);
}

/*
 * lookalike_brand() against the plain scan it replaced, written here as
 * simply as it reads: a brand's own domain is nothing; else the first
 * brand domain with the same skeleton; else the first label of the
 * first brand, in order, that the domain's label equals under another
 * suffix (seven letters or more), holds as a combo, or misses by at
 * most one edit (two from ten letters).
 */
struct look_oracle {
	const struct lookalike	*lk;
	const struct brands	*bs;
	USpoofChecker		*sc;
	char			**skel;		/* per brand domain, in order;
						   NULL when ICU refuses */
	size_t			 n_seen[LOOK_OTHER_TLD + 1];
	size_t			 n_checked, n_wrong;
};

static char *
icu_skel(USpoofChecker *sc, const char *s, char *out, size_t outlen)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t n;

	n = uspoof_getSkeletonUTF8(sc, 0, s, -1, out, (int32_t)outlen, &st);
	if (U_FAILURE(st) || n < 0 || (size_t)n >= outlen)
		return NULL;
	out[n] = '\0';
	return out;
}

static enum lookalike_kind
look_plain(struct look_oracle *o, struct arena *a, const char *regdom,
    int *brand, const char **target)
{
	char sk[1024];
	const struct brand *b;
	const char *uni, *dot, *L;
	size_t i, j, k = 0, n, ln;
	unsigned cap;
	bool mixed;

	*brand = -1;
	*target = NULL;
	if (strlen(regdom) > 253 || brands_owner(o->bs, regdom) >= 0)
		return LOOK_NONE;
	if ((uni = lookalike_unicode(o->lk, a, regdom, &mixed)) == NULL)
		uni = regdom;
	if (icu_skel(o->sc, uni, sk, sizeof(sk)) != NULL)
		for (i = 0; i < brands_count(o->bs); i++) {
			b = brands_get(o->bs, (int)i);
			for (j = 0; j < b->n_domains; j++, k++)
				if (o->skel[k] != NULL &&
				    strcmp(o->skel[k], sk) == 0) {
					*brand = (int)i;
					*target = b->domains[j];
					return LOOK_CONFUSABLE;
				}
		}
	if ((dot = strchr(regdom, '.')) == NULL)
		return LOOK_NONE;
	n = (size_t)(dot - regdom);
	for (i = 0; i < brands_count(o->bs); i++) {
		b = brands_get(o->bs, (int)i);
		*brand = (int)i;
		*target = b->domains[0];
		for (j = 0; j < b->n_labels; j++) {
			L = b->labels[j];
			ln = strlen(L);
			if (ln == n && strncmp(L, regdom, n) == 0) {
				if (ln >= 7)
					return LOOK_OTHER_TLD;
				continue;
			}
			if (lookalike_combo(regdom, n, L, ln))
				return LOOK_COMBO;
			cap = ln >= 10 ? 2 : 1;
			if (ln >= 7 && n >= 7 &&
			    lookalike_distance(regdom, n, L, ln, cap) <= cap)
				return LOOK_NEAR;
		}
	}
	*brand = -1;
	*target = NULL;
	return LOOK_NONE;
}

static void
look_check(struct look_oracle *o, const char *regdom)
{
	struct arena *a = arena_new(0);
	enum lookalike_kind got, want;
	const char *tg, *tw;
	int bg, bw;

	got = lookalike_brand(o->lk, o->bs, a, regdom, &bg, &tg);
	want = look_plain(o, a, regdom, &bw, &tw);
	o->n_checked++;
	o->n_seen[want]++;
	if (got != want || bg != bw || (tg == NULL) != (tw == NULL) ||
	    (tg != NULL && strcmp(tg, tw) != 0)) {
		if (o->n_wrong++ < 10)
			printf("# %s: got kind %d brand %d %s, want kind %d "
			    "brand %d %s\n", regdom, got, bg, tg ? tg : "-",
			    want, bw, tw ? tw : "-");
	}
	arena_free(a);
}

static uint32_t look_rnd_state = 2463534242u;

static uint32_t
look_rnd(void)
{
	uint32_t x = look_rnd_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return look_rnd_state = x;
}

static const char look_alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789-";

/* label (its first n bytes) plus tld, into out. */
static void
look_with(struct look_oracle *o, const char *label, size_t n,
    const char *tld)
{
	char d[512];

	if (n + strlen(tld) + 1 >= sizeof(d))
		return;
	memcpy(d, label, n);
	snprintf(d + n, sizeof(d) - n, "%s", tld);
	look_check(o, d);
}

/* One random edit of s (n bytes) into out; the new length. */
static size_t
look_edit(const char *s, size_t n, char *out)
{
	size_t at = n > 0 ? look_rnd() % n : 0;
	char c = look_alpha[look_rnd() % (sizeof(look_alpha) - 1)], t;

	memcpy(out, s, n);
	switch (look_rnd() % 4) {
	case 0:		/* substitution */
		if (n > 0)
			out[at] = c;
		return n;
	case 1:		/* deletion */
		if (n == 0)
			return 0;
		memmove(out + at, out + at + 1, n - at - 1);
		return n - 1;
	case 2:		/* insertion */
		at = look_rnd() % (n + 1);
		memmove(out + at + 1, out + at, n - at);
		out[at] = c;
		return n + 1;
	default:	/* transposition */
		if (n < 2)
			return n;
		at = look_rnd() % (n - 1);
		t = out[at];
		out[at] = out[at + 1];
		out[at + 1] = t;
		return n;
	}
}

/* The Cyrillic look-alikes of a, e, o, p, c, in ACE form (RFC 3492). */
static void
look_idn(struct look_oracle *o, const char *label)
{
	static const struct { char c; const char *u; } cyr[] = {
		{ 'a', "\xd0\xb0" }, { 'e', "\xd0\xb5" }, { 'o', "\xd0\xbe" },
		{ 'p', "\xd1\x80" }, { 'c', "\xd1\x81" },
	};
	char u[512], *ace = NULL;
	size_t i, k, n = 0;
	bool swapped = false;

	for (i = 0; label[i] != '\0' && n + 8 < sizeof(u); i++) {
		for (k = 0; k < sizeof(cyr) / sizeof(cyr[0]); k++)
			if (!swapped && label[i] == cyr[k].c)
				break;
		if (k < sizeof(cyr) / sizeof(cyr[0])) {
			n += (size_t)snprintf(u + n, sizeof(u) - n, "%s",
			    cyr[k].u);
			swapped = true;
		} else
			u[n++] = label[i];
	}
	snprintf(u + n, sizeof(u) - n, ".com");
	look_check(o, u);			/* raw UTF-8 */
	if (idn2_to_ascii_8z(u, &ace, IDN2_NONTRANSITIONAL) == IDN2_OK &&
	    ace != NULL) {
		look_check(o, ace);
		if (strchr(ace, '.') != NULL) {
			n = (size_t)(strchr(ace, '.') - ace);
			look_with(o, ace, n, "-login.de");
		}
	}
	idn2_free(ace);
}

static void
look_label_cases(struct look_oracle *o, const char *L)
{
	static const char *const tlds[] = { ".com", ".de", ".xyz",
	    ".co.uk", ".info" };
	static const char *const words[] = { "login", "secure", "id",
	    "kundenservice", "app", "paket", "24", "de", "shop", "x",
	    "verify-account", "" };
	char d[1100], e[512];
	size_t i, n = strlen(L), m, k;

	for (i = 0; i < sizeof(tlds) / sizeof(tlds[0]); i++)
		look_with(o, L, n, tlds[i]);
	for (i = 0; i < 12; i++) {
		m = look_edit(L, n, d);
		look_with(o, d, m, ".com");
		m = look_edit(d, m, e);
		look_with(o, e, m, ".de");
		m = look_edit(e, m, d);
		look_with(o, d, m, ".net");
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(d, sizeof(d), "%s-%s.com", L, words[i]);
		look_check(o, d);
		snprintf(d, sizeof(d), "%s-%s.de", words[i], L);
		look_check(o, d);
		snprintf(d, sizeof(d), "%s%s.com", L, words[i]);
		look_check(o, d);
		snprintf(d, sizeof(d), "%s%s.com", words[i], L);
		look_check(o, d);
		snprintf(d, sizeof(d), "my-%s-%s.com", L, words[i]);
		look_check(o, d);
		/* A combo whose brand part is itself a near miss. */
		m = look_edit(L, n, e);
		e[m] = '\0';
		snprintf(d, sizeof(d), "%s-%s.com", e, words[i]);
		look_check(o, d);
	}
	/* Long: the label padded towards and past 63 bytes. */
	for (k = 58; k <= 66; k++) {
		for (i = 0; i < k; i++)
			d[i] = i < n ? L[i] : look_alpha[(i * 7) % 26];
		look_with(o, d, k, ".com");
		for (i = 0; i < k; i++)
			d[i] = i + n < k ? look_alpha[(i * 5) % 26] :
			    L[i + n - k];
		look_with(o, d, k, ".de");
	}
	look_idn(o, L);
}

static void
look_random_cases(struct look_oracle *o)
{
	const struct brand *b;
	char d[512];
	size_t i, j, n, k;

	for (i = 0; i < 3000; i++) {
		n = 1 + look_rnd() % (i < 1500 ? 12 : 70);
		for (j = 0; j < n; j++)
			d[j] = look_alpha[look_rnd() % (sizeof(look_alpha) -
			    1)];
		look_with(o, d, n, ".com");
	}
	/* Pieces of two brands' labels, and their skeleton's friends. */
	for (i = 0; i < 3000; i++) {
		b = brands_get(o->bs, (int)(look_rnd() %
		    brands_count(o->bs)));
		if (b->n_labels == 0)
			continue;
		k = (size_t)snprintf(d, sizeof(d), "%s",
		    b->labels[look_rnd() % b->n_labels]);
		b = brands_get(o->bs, (int)(look_rnd() %
		    brands_count(o->bs)));
		if (b->n_labels > 0 && look_rnd() % 2)
			k += (size_t)snprintf(d + k, sizeof(d) - k, "%s%s",
			    look_rnd() % 2 ? "-" : "",
			    b->labels[look_rnd() % b->n_labels]);
		for (j = 0; j < k; j++)
			if (look_rnd() % 8 == 0)
				d[j] = "10rnIOlm"[look_rnd() % 8];
		n = look_rnd() % 4 == 0 && k > 3 ? 1 + look_rnd() % k : k;
		look_with(o, d, n, look_rnd() % 2 ? ".com" : ".de");
	}
	look_check(o, "");
	look_check(o, "com");
	look_check(o, ".com");
	look_check(o, "PAYPAL.com");
	look_check(o, "xn--.com");
	look_check(o, "xn--zz-zzzzzzz.com");
}

static void
lookalike_differential(const struct config *cfg)
{
	struct look_oracle o;
	const struct brand *b;
	char sk[1024], *p;
	UErrorCode st = U_ZERO_ERROR;
	size_t i, j, k = 0, total = 0;

	memset(&o, 0, sizeof(o));
	o.lk = cfg->detect->lookalike;
	o.bs = cfg->detect->brands;
	o.sc = uspoof_open(&st);
	for (i = 0; i < brands_count(o.bs); i++)
		total += brands_get(o.bs, (int)i)->n_domains;
	o.skel = calloc(total + 1, sizeof(*o.skel));
	if (U_FAILURE(st) || o.skel == NULL) {
		ok(0, "ICU spoof checker for the oracle");
		return;
	}
	/* As detect_list_add() keeps them: lower-cased. */
	for (i = 0; i < brands_count(o.bs); i++) {
		b = brands_get(o.bs, (int)i);
		for (j = 0; j < b->n_domains; j++, k++)
			if (icu_skel(o.sc, b->domains[j], sk, sizeof(sk)) !=
			    NULL && (o.skel[k] = strdup(sk)) != NULL)
				for (p = o.skel[k]; *p != '\0'; p++)
					if (*p >= 'A' && *p <= 'Z')
						*p += 'a' - 'A';
	}
	for (i = 0; i < brands_count(o.bs); i++) {
		b = brands_get(o.bs, (int)i);
		for (j = 0; j < b->n_domains; j++) {
			look_check(&o, b->domains[j]);
			snprintf(sk, sizeof(sk), "mail.%s", b->domains[j]);
			look_check(&o, sk);
		}
		for (j = 0; j < b->n_labels; j++)
			look_label_cases(&o, b->labels[j]);
	}
	look_random_cases(&o);
	is_int(o.n_wrong, 0, "lookalike_brand agrees with the plain scan "
	    "over %zu domains", o.n_checked);
	ok(o.n_seen[LOOK_CONFUSABLE] > 100 && o.n_seen[LOOK_NEAR] > 1000 &&
	    o.n_seen[LOOK_COMBO] > 1000 && o.n_seen[LOOK_OTHER_TLD] > 500 &&
	    o.n_seen[LOOK_NONE] > 1000, "every kind is among them (none %zu, "
	    "confusable %zu, near %zu, combo %zu, other TLD %zu)",
	    o.n_seen[LOOK_NONE], o.n_seen[LOOK_CONFUSABLE],
	    o.n_seen[LOOK_NEAR], o.n_seen[LOOK_COMBO],
	    o.n_seen[LOOK_OTHER_TLD]);
	for (i = 0; i < total; i++)
		free(o.skel[i]);
	free(o.skel);
	uspoof_close(o.sc);
}

/* One string through lookalike_skeleton() and ICU; counts a difference. */
static void
skel_cmp(const struct lookalike *lk, USpoofChecker *sc, const char *s,
    size_t *checked, size_t *wrong)
{
	char want[1100], got[1100];
	const char *w;
	int r;

	w = icu_skel(sc, s, want, sizeof(want));
	r = lookalike_skeleton(lk, s, got, sizeof(got));
	(*checked)++;
	if ((w == NULL) == (r == -1) && (w == NULL || strcmp(got, w) == 0))
		return;
	if ((*wrong)++ < 10)
		printf("# skeleton of \"%s\": got %s, want %s\n", s,
		    r == 0 ? got : "-", w != NULL ? w : "-");
}

/*
 * lookalike_skeleton() against ICU: every string of one or two ASCII
 * bytes, every string of three over the characters of host names and
 * the usual confusables, and random longer ones, some not ASCII.
 */
static void
lookalike_skeletons(const struct config *cfg)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789-.IOL|";
	const struct lookalike *lk = cfg->detect->lookalike;
	char s[300], got[16];
	UErrorCode st = U_ZERO_ERROR;
	USpoofChecker *sc = uspoof_open(&st);
	size_t i, j, k, n, checked = 0, wrong = 0;

	for (i = 1; i < 128; i++) {
		s[0] = (char)i;
		s[1] = '\0';
		skel_cmp(lk, sc, s, &checked, &wrong);
		for (j = 1; j < 128; j++) {
			s[1] = (char)j;
			s[2] = '\0';
			skel_cmp(lk, sc, s, &checked, &wrong);
		}
	}
	n = sizeof(abc) - 1;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			for (k = 0; k < n; k++) {
				s[0] = abc[i];
				s[1] = abc[j];
				s[2] = abc[k];
				s[3] = '\0';
				skel_cmp(lk, sc, s, &checked, &wrong);
			}
	for (i = 0; i < 20000; i++) {
		n = 1 + look_rnd() % 253;
		for (j = 0; j < n; j++)
			s[j] = i % 4 == 0 && look_rnd() % 16 == 0 ?
			    (char)(0x80 + look_rnd() % 0x80) :
			    (char)(0x21 + look_rnd() % 0x5e);
		s[n] = '\0';
		skel_cmp(lk, sc, s, &checked, &wrong);
	}
	is_int(wrong, 0, "lookalike_skeleton agrees with ICU over %zu strings",
	    checked);
	/* Too small a buffer: refused, as ICU refuses it. */
	ok(icu_skel(sc, "mmmm", got, 8) == NULL &&
	    lookalike_skeleton(lk, "mmmm", got, 8) == -1 &&
	    lookalike_skeleton(lk, "mmmm", got, 9) == 0 &&
	    strcmp(got, "rnrnrnrn") == 0, "an ASCII skeleton that does not "
	    "fit is refused (%s)", got);
	uspoof_close(sc);
}

static void
loaders(void)
{
	struct lexicon *lx;
	struct brands *bs;
	char err[512], *path;
	int r;

	path = write_temp("# c\nPRESSURE_X\tfoo\\s+bar\n"
	    "PRESSURE_Y\t(unclosed\n");
	err[0] = '\0';
	ok(lexicon_load(&lx, path, err, sizeof(err)) == -1 &&
	    strstr(err, ":3:") != NULL, "a bad pattern names its line (%s)",
	    err);
	unlink(path);
	path = write_temp("lower_case\tfoo\n");
	ok(lexicon_load(&lx, path, err, sizeof(err)) == -1,
	    "symbol names are upper case (%s)", err);
	unlink(path);
	path = write_temp("A\tfoo \\# bar # comment\n");
	/* ok() reads its condition twice: load once, outside it. */
	r = lexicon_load(&lx, path, err, sizeof(err));
	ok(r == 0, "escaped # is part of the pattern (%s)", err);
	if (r == 0)
		lexicon_free(lx);
	unlink(path);
	path = write_temp("Acme | acme.example | Acme\nBroken line\n");
	ok(brands_load(&bs, path, err, sizeof(err)) == -1 &&
	    strstr(err, ":2:") != NULL, "a bad brand line is refused (%s)",
	    err);
	unlink(path);
	path = write_temp("Acme | | Acme\n");
	ok(brands_load(&bs, path, err, sizeof(err)) == -1,
	    "a brand needs a domain (%s)", err);
	unlink(path);
}

/*
 * detect_list_find() against its definition: the first entry with a
 * path whose host is the host and whose path starts the path, else the
 * host or its nearest parent ("a.b.c", "b.c", "c") that is an entry.
 * Names are drawn from few letters and many dots, so that suffixes,
 * first bytes and hash slots collide often.
 */
static const char *
ref_list_find(const struct detect_list *l, const char *host,
    const char *path, int *val)
{
	const char *p;
	size_t i;

	for (i = 0; path != NULL && i < l->n_path; i++)
		if (strcmp(host, l->path_host[i]) == 0 &&
		    strncmp(path, l->path_prefix[i],
		    strlen(l->path_prefix[i])) == 0) {
			*val = 0;
			return l->path_host[i];
		}
	for (p = host; p != NULL && *p != '\0';) {
		if (detect_list_has(l, p, val))
			return p;
		if ((p = strchr(p, '.')) != NULL)
			p++;
	}
	return NULL;
}

static void
random_name(uint32_t *seed, char *out, size_t max)
{
	static const char abc[] = "ab.c.aBd";
	size_t i, n = xorshift32(seed) % max;

	for (i = 0; i < n; i++)
		out[i] = abc[xorshift32(seed) % (sizeof(abc) - 1)];
	out[n] = '\0';
}

static void
list_find_differential(void)
{
	struct detect_list l;
	char name[40], path[16];
	const char *got, *want;
	uint32_t seed = 20240607;
	size_t i, wrong = 0, hits = 0;
	int gv, wv;

	memset(&l, 0, sizeof(l));
	for (i = 0; i < 300; i++) {
		random_name(&seed, name, 12);
		if (name[0] == '\0')
			continue;
		if (i % 10 == 0)
			strcat(name, i % 20 == 0 ? "/x" : "/");
		(void)detect_list_add(&l, name, (int)i);
	}
	for (i = 0; i < 200000; i++) {
		random_name(&seed, name, 20);
		random_name(&seed, path, 4);
		path[0] = '/';
		gv = wv = -1;
		got = detect_list_find(&l, name, i % 2 ? path : NULL, &gv);
		want = ref_list_find(&l, name, i % 2 ? path : NULL, &wv);
		if (want != NULL)
			hits++;
		if ((got == NULL) != (want == NULL) || (got != NULL &&
		    (strcmp(got, want) != 0 || gv != wv))) {
			if (wrong++ < 5)
				printf("# %s %s: %s, not %s\n", name,
				    i % 2 ? path : "-", got ? got : "NULL",
				    want ? want : "NULL");
		}
	}
	is_int((int)wrong, 0, "detect_list_find agrees with its definition "
	    "(%zu of 200000 found)", hits);
	detect_list_free(&l);
}

/*
 * detect_list_find() probes parents from the end of the host: the
 * nearest parent must still win over a farther one, an empty list and
 * an empty host find nothing, and a closing dot is part of the name.
 */
static void
list_find_cases(void)
{
	struct detect_list l;
	const char *r;
	int v = -1;

	memset(&l, 0, sizeof(l));
	ok(detect_list_find(&l, "a.example", NULL, &v) == NULL && v == -1,
	    "an empty list finds nothing");
	(void)detect_list_add(&l, "example", 1);
	(void)detect_list_add(&l, "b.example", 2);
	(void)detect_list_add(&l, "x.b.example", 3);
	r = detect_list_find(&l, "y.x.b.example", NULL, &v);
	ok(r != NULL && strcmp(r, "x.b.example") == 0 && v == 3,
	    "the nearest parent wins (%s)", r ? r : "NULL");
	r = detect_list_find(&l, "c.b.example", NULL, &v);
	ok(r != NULL && strcmp(r, "b.example") == 0 && v == 2,
	    "a parent two labels up (%s)", r ? r : "NULL");
	ok(detect_list_find(&l, "", NULL, NULL) == NULL &&
	    detect_list_find(&l, "b.example.", NULL, NULL) == NULL &&
	    detect_list_find(&l, "bexample", NULL, NULL) == NULL,
	    "an empty host, a closing dot or no dot finds nothing");
	ok(detect_list_find(&l, ".example", NULL, &v) != NULL && v == 1,
	    "an empty first label still has its parent");
	detect_list_free(&l);
}

/*
 * urls_parse() reads plain http(s) links itself and leaves the rest to
 * libcurl: both must give the same answer.  Links are put together from
 * pieces chosen to sit on the edges of the fast reader (schemes, user
 * info, ports, numeric and IPv6 hosts, empty labels, dot segments,
 * percent signs, backslashes, blanks, control and UTF-8 bytes, empty
 * queries, fragments, over-long links); MT_URL_FILE names a file of
 * further links, one per line (taken from a corpus), read the same way.
 */

/* Whether the two readers agree on href; *fast whether it parsed. */
static bool
url_agrees(struct arena *a, void *h, const char *href, bool *parsed)
{
	struct url x, y;
	int rx, ry;

	rx = urls_parse(a, h, href, &x);
	ry = urls_parse_curl(a, h, href, &y);
	*parsed = rx == 0;
	if (rx != ry)
		return false;
	if (rx != 0)
		return true;
	return tap_same_str(x.scheme, y.scheme) && tap_same_str(x.host, y.host) &&
	    tap_same_str(x.path, y.path) && tap_same_str(x.query, y.query) &&
	    tap_same_str(x.regdom, y.regdom) && x.ip == y.ip &&
	    x.userinfo == y.userinfo && x.idn == y.idn;
}

static void
url_piece(uint32_t *seed, char *out, size_t *n, size_t max,
    const char *const *v, size_t nv)
{
	const char *p = v[xorshift32(seed) % nv];
	size_t l = strlen(p);

	if (*n + l < max) {
		memcpy(out + *n, p, l);
		*n += l;
	}
	out[*n] = '\0';
}

static void
url_differential(void)
{
	static const char *const scheme[] = { "http://", "https://",
	    "HTTP://", "hTtPs://", "http:/", "http:", "https:///", "ftp://",
	    "", "//", "http:\\\\", "javascript:", "httpx://", " http://",
	    "http://", "https://", "https://", "http://", "mailto:",
	    "https:/\\", "http://user@", "https://user:pw@", "http://@" };
	static const char *const label[] = { "www", "example", "a", "x-y",
	    "-x", "x-", "0", "1", "127", "0x7f", "0X1F", "00", "08", "1e3",
	    "xn--mnchen-3ya", "m\xc3\xbcnchen", "EXAMPLE", "co", "uk",
	    "com", "de", "", "%41", "ex ample", "ex\tample", "b\x01",
	    "paypal", "0xg", "9z", "z9", "_x" };
	static const char *const after_host[] = { "", "", "/", "/", ".",
	    ":80", ":", ":8080", ":0x50", "@evil.example", "?", "#", "/?",
	    "\\", " ", "]", "[", "%", "\x7f" };
	static const char *const path[] = { "/", "/a", "/a/b", "/./",
	    "/../", "/.", "/..", "/.x", "/x.", "/%2e%2e/", "/%", "/%zz",
	    "\\", " ", "\t", "\n", "?", "?", "?a=b", "?u=http://x.y/",
	    "#", "#f", "#f?g", "@", ":", "//", "/\xc3\xa9", "=", "&", "'",
	    "\"", "<", ">", "{", "|", "^", "`", ";", "/index.html", "?#",
	    "~", "+", "!", "$", "*", "(" };
	char url[URLS_MAX_HREF + 64], *line = NULL;
	uint32_t seed = 77;
	size_t i, k, n, len, wrong = 0, parsed = 0, total = 0, cap = 0;
	ssize_t got;
	const char *file;
	struct arena *a = arena_new(0);
	void *h = urls_handle();
	bool p;
	FILE *fp;

	for (i = 0; i < 300000; i++) {
		n = 0;
		url[0] = '\0';
		url_piece(&seed, url, &n, sizeof(url), scheme,
		    sizeof(scheme) / sizeof(scheme[0]));
		if (xorshift32(&seed) % 16 == 0)
			url_piece(&seed, url, &n, sizeof(url),
			    (const char *const []){ "[2001:db8::1]",
			    "[::ffff:1.2.3.4]", "[fe80::1%25eth0]", "[x]",
			    "1.2.3.4", "1.2.3", "4294967295", "1.2.3.4." },
			    8);
		else
			for (k = xorshift32(&seed) % 5 + 1; k > 0; k--) {
				url_piece(&seed, url, &n, sizeof(url), label,
				    sizeof(label) / sizeof(label[0]));
				if (k > 1)
					url_piece(&seed, url, &n, sizeof(url),
					    (const char *const []){ ".",
					    ".", ".", "..", "" }, 5);
			}
		url_piece(&seed, url, &n, sizeof(url), after_host,
		    sizeof(after_host) / sizeof(after_host[0]));
		for (k = xorshift32(&seed) % 6; k > 0; k--)
			url_piece(&seed, url, &n, sizeof(url), path,
			    sizeof(path) / sizeof(path[0]));
		/* Now and then past URLS_MAX_HREF, to be cut. */
		if (xorshift32(&seed) % 64 == 0)
			for (; n + 10 < sizeof(url); n++)
				url[n] = "ab/.?#c=%"[xorshift32(&seed) % 9];
		url[n] = '\0';
		total++;
		if (!url_agrees(a, h, url, &p) && wrong++ < 5)
			printf("# differs: \"%s\"\n", url);
		parsed += p;
		if (i % 1000 == 999) {
			arena_free(a);
			a = arena_new(0);
		}
	}
	if ((file = getenv("MT_URL_FILE")) != NULL &&
	    (fp = fopen(file, "r")) != NULL) {
		while ((got = getline(&line, &cap, fp)) > 0) {
			len = (size_t)got;
			while (len > 0 && (line[len - 1] == '\n' ||
			    line[len - 1] == '\r'))
				len--;
			line[len] = '\0';
			total++;
			if (!url_agrees(a, h, line, &p) && wrong++ < 5)
				printf("# differs: \"%s\"\n", line);
			parsed += p;
			if (total % 1000 == 0) {
				arena_free(a);
				a = arena_new(0);
			}
		}
		free(line);
		fclose(fp);
	}
	is_int((int)wrong, 0, "urls_parse agrees with libcurl alone over "
	    "%zu links (%zu with a host)", total, parsed);
	urls_handle_free(h);
	arena_free(a);
}

/*
 * urls_host_in_text() as it was first written, step by step on a
 * lower-cased copy: the reference for the one that judges the bytes in
 * place.
 */
static char *
ref_host_in_text(struct arena *a, const char *text, size_t len)
{
	static const char *const ext[] = {
		"sv", "py", "sh", "pl", "md", "rs", "cc", "so", "ps", "ms",
		"ml", "pm", "mk", "in", "am", "ac", "cs", "cpp", "txt", "zip",
		"gz", "bz", "tk", "vc", "hs", "ai", "st", "vb",
	};
	const char *p = text, *h, *tld;
	size_t hl, i, tl;
	char *host;

	str_trim(&p, &len);
	while (len > 0 && (*p == '<' || *p == '(' || *p == '[' || *p == '"')) {
		p++;
		len--;
	}
	while (len > 0 && (p[len - 1] == '>' || p[len - 1] == ')' ||
	    p[len - 1] == ']' || p[len - 1] == '"' || p[len - 1] == '.'))
		len--;
	if (len == 0 || len > URLS_MAX_HREF)
		return NULL;
	for (i = 0; i < len; i++)
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '@')
			return NULL;
	if (str_iprefix(p, len, "https://"))
		h = p + 8;
	else if (str_iprefix(p, len, "http://"))
		h = p + 7;
	else
		h = p;
	for (hl = 0; h + hl < p + len && ((h[hl] >= 'a' && h[hl] <= 'z') ||
	    (h[hl] >= 'A' && h[hl] <= 'Z') || (h[hl] >= '0' && h[hl] <= '9') ||
	    h[hl] == '-' || h[hl] == '.'); hl++)
		;
	if (hl == 0 || hl > 253 || (h + hl < p + len && h[hl] != '/' &&
	    h[hl] != ':' && h[hl] != '?' && h[hl] != '#'))
		return NULL;
	while (hl > 0 && h[hl - 1] == '.')
		hl--;
	if ((host = arena_strndup(a, h, hl)) == NULL)
		return NULL;
	str_lower(host);
	if ((tld = strrchr(host, '.')) == NULL || tld == host)
		return NULL;
	tld++;
	for (tl = 0; tld[tl] != '\0'; tl++)
		if (!(tld[tl] >= 'a' && tld[tl] <= 'z'))
			return NULL;
	if (tl < 2 || psl_is_public_suffix2(psl_builtin(), tld,
	    PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) == 0)
		return NULL;
	if (h == p && !str_iprefix(host, hl, "www."))
		for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
			if (strcmp(tld, ext[i]) == 0)
				return NULL;
	return host;
}

/* Both readings, and urls_host_span() pointing at the same host. */
static bool
host_agrees(struct arena *a, const char *t, size_t n)
{
	const char *x = urls_host_in_text(a, t, n);
	const char *y = ref_host_in_text(a, t, n);
	const char *h = NULL;
	size_t hl = 0;
	bool span = urls_host_span(t, n, &h, &hl);

	if (span != (y != NULL) || (span && (h < t || h + hl > t + n ||
	    strlen(y) != hl || strncasecmp(h, y, hl) != 0)))
		return false;
	return tap_same_str(x, y);
}

static void
host_in_text_differential(void)
{
	static const char *const deco[] = { "", "", "", " ", "\t", "<",
	    "(", "[", "\"", "\r\n", "<[", "\"(" };
	static const char *const scheme[] = { "", "", "http://", "https://",
	    "HTTPS://", "Http://", "http:/", "ftp://", "https//", "www.",
	    "WWW.", "mailto:" };
	static const char *const label[] = { "paypal", "Example", "a", "x-y",
	    "0", "123", "", "www", "ex ample", "b@c", "m\xc3\xbc", "_",
	    "index", "setup", "detector" };
	static const char *const tld[] = { "com", "de", "COM", "De", "py",
	    "sv", "txt", "html", "invalidtld", "x", "co.uk", "c0m", "",
	    "bank", "it", "cpp", "zip", "TK", "a-b", "xn--p1ai" };
	static const char *const tail[] = { "", "", "/", "/a b", ":8080",
	    "?q=1", "#f", ".", "..", "@x", " ", "\t", "\n", ">", ")", "]",
	    "\"", ".)", "!", "/\x00x", "%", "\\" };
	char t[600];
	uint32_t seed = 4242;
	size_t i, k, n, wrong = 0, hosts = 0, total = 0, cap = 0, len;
	struct arena *a = arena_new(0);
	char *line = NULL;
	const char *file;
	ssize_t got;
	FILE *fp;

	for (i = 0; i < 300000; i++) {
		n = 0;
		t[0] = '\0';
		url_piece(&seed, t, &n, sizeof(t), deco, 12);
		url_piece(&seed, t, &n, sizeof(t), scheme, 12);
		for (k = xorshift32(&seed) % 4; k > 0; k--) {
			url_piece(&seed, t, &n, sizeof(t), label, 15);
			url_piece(&seed, t, &n, sizeof(t),
			    (const char *const []){ ".", ".", "..", "" }, 4);
		}
		url_piece(&seed, t, &n, sizeof(t), tld, 20);
		for (k = xorshift32(&seed) % 3; k > 0; k--)
			url_piece(&seed, t, &n, sizeof(t), tail, 22);
		url_piece(&seed, t, &n, sizeof(t), deco, 12);
		/* Sometimes a NUL or the whole text not passed. */
		len = xorshift32(&seed) % 8 == 0 && n > 0 ?
		    xorshift32(&seed) % n : n;
		total++;
		if (!host_agrees(a, t, len) && wrong++ < 5)
			printf("# host differs: \"%.*s\"\n", (int)len, t);
		hosts += urls_host_in_text(a, t, len) != NULL;
		if (i % 1000 == 999) {
			arena_free(a);
			a = arena_new(0);
		}
	}
	/* Long texts around the ceiling. */
	for (n = URLS_MAX_HREF - 3; n < URLS_MAX_HREF + 3; n++) {
		char *big = arena_alloc(a, n + 1);

		if (big == NULL)
			break;
		memset(big, 'a', n);
		memcpy(big, "www.", 4);
		memcpy(big + n - 4, ".com", 4);
		total++;
		if (!host_agrees(a, big, n) && wrong++ < 5)
			printf("# host differs at length %zu\n", n);
	}
	if ((file = getenv("MT_URL_FILE")) != NULL &&
	    (fp = fopen(file, "r")) != NULL) {
		while ((got = getline(&line, &cap, fp)) > 0) {
			len = (size_t)got;
			while (len > 0 && line[len - 1] == '\n')
				len--;
			total++;
			if (!host_agrees(a, line, len) && wrong++ < 5)
				printf("# host differs: \"%.*s\"\n", (int)len,
				    line);
			hosts += urls_host_in_text(a, line, len) != NULL;
			if (total % 1000 == 0) {
				arena_free(a);
				a = arena_new(0);
			}
		}
		free(line);
		fclose(fp);
	}
	is_int((int)wrong, 0, "urls_host_in_text agrees with the plain "
	    "reading over %zu texts (%zu hosts)", total, hosts);
	arena_free(a);
}

/*
 * urls_regdom() against libpsl asked every time, over hosts in mixed
 * case, many of them asked again (answered from the memo), more than
 * the memo holds (slots reused), and some longer than its keys.
 */
static void
regdom_differential(void)
{
	static const char *const label[] = { "www", "Mail", "a", "PAYPAL",
	    "x-y", "0", "s3", "compute-1", "github", "blogspot", "co",
	    "bench", "" };
	static const char *const suffix[] = { "com", "de", "co.uk", "CO.UK",
	    "amazonaws.com", "github.io", "ck", "www.ck", "jp", "kawasaki.jp",
	    "city.kawasaki.jp", "test", "example", "localhost", "xn--p1ai",
	    "blogspot.com", "org", "" };
	char host[160], lc[160];
	uint32_t seed = 99;
	size_t i, k, n, wrong = 0;
	struct arena *a = arena_new(0);
	const char *got, *want;

	for (i = 0; i < 60000; i++) {
		/* Every third host is one of the last 512 again. */
		uint32_t s = i % 3 == 2 ? 99 + (uint32_t)(i % 512) : seed;

		n = 0;
		host[0] = '\0';
		for (k = xorshift32(&s) % 4; k > 0; k--) {
			url_piece(&s, host, &n, 100, label, 13);
			url_piece(&s, host, &n, 100,
			    (const char *const []){ "." }, 1);
		}
		url_piece(&s, host, &n, 100, suffix, 18);
		if (xorshift32(&s) % 50 == 0)
			for (; n < 90; n++)
				host[n] = 'q';
		host[n] = '\0';
		if (i % 3 != 2)
			seed = s;
		for (k = 0; k <= n; k++)
			lc[k] = (char)str_lc((unsigned char)host[k]);
		want = psl_registrable_domain(psl_builtin(), lc);
		if (want == NULL)
			want = lc;
		got = urls_regdom(a, host);
		if (!tap_same_str(got, want) && wrong++ < 5)
			printf("# regdom of %s: %s, not %s\n", host,
			    got ? got : "NULL", want);
		if (i % 1000 == 999) {
			arena_free(a);
			a = arena_new(0);
		}
	}
	is_int((int)wrong, 0, "urls_regdom agrees with libpsl over 60000 "
	    "hosts");
	arena_free(a);
}

/* urls_regdom remembers answers per host; asked again, the same. */
static void
regdoms(void)
{
	static const char *const hosts[][2] = {
		{ "www.Example.co.uk", "example.co.uk" },
		{ "mail.sparkasse-koelnbonn.de", "sparkasse-koelnbonn.de" },
		{ "co.uk", "co.uk" },			/* a suffix: itself */
		{ "LocalHost", "localhost" },		/* no suffix known */
		{ "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z."
		    "example.org", "example.org" },	/* over the memo */
	};
	struct arena *a = arena_new(0);
	size_t i, round;
	const char *r;

	for (round = 0; round < 2; round++)
		for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
			r = urls_regdom(a, hosts[i][0]);
			is_str(r, hosts[i][1], "regdom of %s (round %zu)",
			    hosts[i][0], round + 1);
		}
	arena_free(a);
	regdom_differential();
}

/*
 * bulk.c's HTML reader tries a style only where the bytes around its
 * ':' or '<' fit; here every style is tried at every byte instead, as
 * the plain definition says (any case, blanks between bytes passed
 * over, not inside <style>, <head> and the like), and the <font> tags
 * counted likewise.  Generated parts put styles and tags at the start
 * and end, split by blanks across every 8-byte boundary, in mixed case,
 * next to NUL bytes and near misses.
 */
static const char *const ref_hiding[] = {
	"display:none", "visibility:hidden", "font-size:0px", "font-size:0;",
	"font-size:0\"", "font-size:1px", "font-size:0pt", "font-size:1pt",
	"color:#ffffff;background-color:#ffffff",
	"<fontsize=\"1\"color=\"#ffffff", "<fontcolor=\"#ffffff\"size=\"1",
	"<fontcolor=#ffffffsize=1", "<fontsize=1color=#ffffff", "<fontsize=0",
	"<fontsize=\"0",
};

static bool
ref_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
ref_lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Whether s follows at p, any case, blanks before each of its bytes. */
static bool
ref_flat(const char *p, const char *end, const char *s)
{
	for (; *s != '\0'; s++, p++) {
		while (p < end && ref_blank(*p))
			p++;
		if (p == end || ref_lc((unsigned char)*p) != *s)
			return false;
	}
	return true;
}

static bool
ref_hidden(const char *h, size_t len)
{
	static const char *const quiet[] = { "<style", "<head", "<meta",
	    "<title", "<script", "<link" };
	const char *end = h + len, *p, *lt;
	size_t i, k;
	bool q;

	for (p = h; p < end; p++)
		for (i = 0; i < sizeof(ref_hiding) / sizeof(ref_hiding[0]);
		    i++) {
			if (ref_lc((unsigned char)*p) != ref_hiding[i][0] ||
			    !ref_flat(p, end, ref_hiding[i]))
				continue;
			for (lt = p; lt > h && *lt != '<' && *lt != '>'; lt--)
				;
			q = false;
			for (k = 0; *lt == '<' && k < 6; k++)
				q |= ref_flat(lt, end, quiet[k]);
			if (!q)
				return true;
		}
	return false;
}

static size_t
ref_fonts(const char *h, size_t len)
{
	size_t i, k, n = 0;

	for (i = 0; i + 5 <= len; i++) {
		for (k = 0; k < 5 && ref_lc((unsigned char)h[i + k]) ==
		    "<font"[k]; k++)
			;
		n += k == 5;
	}
	return n;
}

static uint64_t html_rng = 0x2545f4914f6cdd1dull;

static unsigned
html_rnd(unsigned n)
{
	return (unsigned)(xorshift64(&html_rng) % n);
}

/* A piece of a style or tag, maybe cut short, cased and spaced. */
static size_t
html_piece(char *o)
{
	static const char *const extra[] = { "<FONT>", "<img src=x>",
	    "<style>", "<head>", ">", "<", ":", "color:#fff", "font-size:",
	    "<fo", "display:non", "<s t y l e x=\"", "margin:0;",
	    "http://x/", "\"", ";" };
	static const char blanks[] = " \t\r\n";
	const char *s;
	size_t n, i, o_ = 0, cut;

	if (html_rnd(3) == 0)
		s = extra[html_rnd(sizeof(extra) / sizeof(extra[0]))];
	else
		s = ref_hiding[html_rnd(sizeof(ref_hiding) /
		    sizeof(ref_hiding[0]))];
	n = strlen(s);
	cut = html_rnd(6) == 0 ? html_rnd((unsigned)n) : n;
	for (i = 0; i < cut; i++) {
		while (i > 0 && html_rnd(5) == 0)
			o[o_++] = blanks[html_rnd(4)];
		o[o_++] = html_rnd(2) && s[i] >= 'a' && s[i] <= 'z' ?
		    (char)(s[i] - 32) : s[i];
	}
	return o_;
}

static void
bulk_html_differential(const struct config *cfg)
{
	static const char hdr[] =
	    "From: Anna <anna@firma.example>\r\nTo: team@firma.example\r\n"
	    "Subject: Neuigkeiten\r\nDate: Tue, 6 Feb 2024 08:41:09 +0100\r\n"
	    "Message-ID: <g@firma.example>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/html; charset=us-ascii\r\n\r\n";
	/* Ten tags ahead so that the count always shows as evidence. */
	static const char fonts10[] = "<font><font><font><font><font>"
	    "<font><font><font><font><font>";
	char msg[4096], *body;
	struct dns_resolver *res;
	struct dcase c = { "generated", "", "198.51.100.9",
	    "anna@firma.example", "team@firma.example", NULL, { NONE },
	    { NONE }, -1, -1 };
	const struct symbol *sym;
	size_t len, fonts, want_fonts, hidden_n = 0;
	int i, k, bad_hidden = 0, bad_fonts = 0;
	bool hidden;
	struct scan *s;

	memcpy(msg, hdr, sizeof(hdr) - 1);
	body = msg + sizeof(hdr) - 1;
	for (i = 0; i < 3000; i++) {
		len = 0;
		if (html_rnd(2))
			for (k = html_rnd(9); k > 0; k--)
				body[len++] = "ab <>:;\t"[html_rnd(8)];
		for (k = 1 + html_rnd(5); k > 0; k--) {
			len += html_piece(body + len);
			for (int f = html_rnd(4); f > 0; f--)
				body[len++] = html_rnd(8) == 0 ? '\0' :
				    "xy <>=:\n"[html_rnd(8)];
		}
		/* The body ends at the message's end: the text's last bytes. */
		want_fonts = ref_fonts(body, len) + 10;
		hidden = ref_hidden(body, len);
		hidden_n += hidden;
		memmove(body + sizeof(fonts10) - 1, body, len);
		memcpy(body, fonts10, sizeof(fonts10) - 1);
		len += sizeof(fonts10) - 1;
		c.msg = msg;
		if ((s = run_len(cfg, &res, &c, (size_t)(body - msg) + len)) ==
		    NULL) {
			bad_hidden++;
			continue;
		}
		if ((find(s, "BULK_HIDDEN_TEXT") != NULL) != hidden &&
		    bad_hidden++ < 3)
			printf("# hidden %d differs: %.*s\n", hidden,
			    (int)len, body);
		sym = find(s, "BULK_HTML_FONTS");
		fonts = sym != NULL && sym->nargs > 0 ?
		    strtoul(sym->args[0], NULL, 10) : 0;
		if (fonts != want_fonts && bad_fonts++ < 3)
			printf("# fonts %zu, want %zu: %.*s\n", fonts,
			    want_fonts, (int)len, body);
		scan_free(s);
		dns_resolver_free(res);
	}
	ok(bad_hidden == 0 && hidden_n > 300 && hidden_n < 2700,
	    "generated HTML: BULK_HIDDEN_TEXT as style by style, byte by "
	    "byte (%zu of 3000 hidden)", hidden_n);
	is_int(bad_fonts, 0, "generated HTML: <font> tags counted");
}

int
main(void)
{
	struct config cfg;
	char err[512];

	if (config_load(&cfg, MT_SRCDATADIR, err, sizeof(err)) == -1) {
		ok(0, "data/ loads: %s", err);
		return tap_done();
	}
	ok(cfg.detect != NULL && cfg.detect->brands != NULL &&
	    cfg.detect->lexicon != NULL, "detect data loaded");
	table(&cfg);
	evidence(&cfg);
	helpers(&cfg);
	lookalike_differential(&cfg);
	lookalike_skeletons(&cfg);
	bulk_html_differential(&cfg);
	loaders();
	regdoms();
	list_find_differential();
	list_find_cases();
	url_differential();
	host_in_text_differential();
	config_free(&cfg);
	return tap_done();
}
