/*
 * bulk.c - the marks mass mailers leave in the header and the form of a
 * message, apart from its words (pressure.c reads those).
 *
 *   BULK_HTML_ONLY	text only as HTML, without the plain-text
 *			alternative that mail programs write (RFC 2046
 *			5.1.4): typical of software that sends in bulk;
 *   BULK_HIDDEN_TEXT	HTML text styled to be invisible (display:none,
 *			zero or one-pixel fonts, white on white): words
 *			for filters, not for the reader;
 *   BULK_IMAGE_ONLY	the HTML shows pictures and hardly any text, so a
 *			filter has nothing to read;
 *   BULK_BASE64_TEXT	a text part in ASCII or Latin-1 sent as base64
 *			(RFC 2045 6.8), which such text never needs:
 *			hides the words from simple filters;
 *   BULK_MAILER	X-Mailer or User-Agent names bulk-sending
 *			software (data/bulk-mailers);
 *   HDR_UNDISCLOSED	a delivered message (one with a trace) without any
 *			To or Cc, or only an empty group such as
 *			"undisclosed-recipients:;" (RFC 5322 3.6.3);
 *   HDR_MANY_RCPT	many visible recipients in To and Cc;
 *   HDR_RCPT_HIDDEN	the mailbox that received the message is named in
 *			neither To nor Cc (a blind copy, RFC 5322 3.6.3)
 *			and the message is no list mail: how bulk mail is
 *			addressed (weak: aliases and forwarding do it too);
 *   HDR_MSGID_BAD	a Message-ID that is not "left@right.domain"
 *			(RFC 5322 3.6.4), as written by hand-made senders;
 *   HDR_DATE_SKEW	the Date is far from when the receiving host got
 *			the message (RFC 5322 3.6.1: the time the author
 *			sent it), as with forged or reused dates;
 *   HDR_SUBJECT_RCPT	the subject repeats the recipient's mailbox name
 *			("jsmith, your offer"): personalised by address,
 *			not by knowing the person;
 *   BULK_HTML_BARE	the whole message is one HTML page, without a
 *			plain-text alternative and without any mail
 *			program named (X-Mailer, User-Agent): a script's;
 *   BULK_HTML_NO_CHARSET  that page does not say its character set
 *			(RFC 2046 4.1.2), which mail programs always do;
 *   HDR_PRIORITY_HIGH	X-Priority 1 or "high": urgency set by the sender;
 *   HDR_HELO_IP	a relay on the way greeted with a bare IP address
 *			instead of its name (RFC 5321 4.1.1.1 wants the
 *			name), as infected PCs and bulk scripts do;
 *   HDR_SUBJECT_CAPS	a subject written (almost) all in capitals;
 *   HDR_SUBJECT_TAG	a random tag at the end of the subject, set apart
 *			by a run of blanks or glued on in capitals
 *			("Rates are down      qkdjt"), or a random word of
 *			mixed capitals, small letters and digits ("Fatura -
 *			G3ejrKKzNc30o7qJhZ"): it makes every copy
 *			differ so that duplicate detectors miss them;
 *   HDR_SUBJECT_UNDERSCORES  subject words joined by underscores
 *			("Find_out_how_to_get"), so no word is found;
 *   HDR_MAILER_RANDOM	an X-Mailer that is one random word, not a name;
 *   HDR_FORGED_OUTLOOK	X-Mailer says Outlook Express, but the Message-ID
 *			is not of the form that program always writes;
 *   BULK_TRACKING_CODE	a random code with dashes on a line of its own at
 *			the end of the text, the mass mailer's tracking
 *			code and hash-buster;
 *   BULK_HTML_FONTS	HTML laid out with many <font> tags, the mark of
 *			hand-made advertising pages;
 *   SPAM_PRICES		many dollar amounts in the text: a price list;
 *   BULK_FOREIGN_CHARSET  text or subject in a character set of a script
 *			the readers do not use (data/foreign-charsets);
 *   LINK_RISKY_TLD	links under top-level domains that are cheap and
 *			mostly abused (data/tld-risk).
 * Each is weak alone; the weights in data/scores make them count only
 * together with other evidence.
 *
 * Memory: evidence in the scan's arena.  Limits: BULK_MAX_HTML bytes of
 * each HTML part are searched for hiding styles.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "detect.h"
#include "mime/message.h"
#include "scan/config.h"
#include "scan/scan.h"
#include "util/arena.h"
#include "util/str.h"

#define BULK_MAX_HTML		(512u * 1024)
#define BULK_IMAGE_TEXT_MAX	200	/* visible bytes of "little text" */
#define BULK_MANY_RCPT		10
#define BULK_DATE_AHEAD		(2 * 86400)	/* Date after receipt */
#define BULK_DATE_BEHIND	(10 * 86400)	/* Date before receipt */
#define BULK_SUBJECT_LOCAL_MIN	4	/* shorter names match by chance */
#define BULK_CAPS_MIN_LETTERS	12	/* shorter subjects are acronyms */
#define BULK_CAPS_PERCENT	85
#define BULK_FONTS_MIN		10	/* <font> tags of a layout */
#define BULK_PRICES_MIN		3	/* "$12" amounts of a price list */
#define BULK_TAG_MAX		16	/* longest random subject tag */
#define BULK_RANDOM_MIN		8	/* shorter words are codes */
#define BULK_RANDOM_MAX		40
#define BULK_RANDOM_CHANGES	40	/* % of letters changing kind */
#define BULK_CODE_CHANGES	30	/* the same in a code with dashes */
#define BULK_DIGITS_MIN		12	/* longer than order or item numbers */
#define BULK_UNDERSCORES_MIN	2
#define BULK_TRACK_LINES	3	/* last lines searched for a code */
#define BULK_TRACK_MIN		20
#define BULK_TRACK_MAX		120

/* The first c in [p, end), or end. */
static const char *
next_byte(const char *p, const char *end, int c)
{
	const char *q = memchr(p, c, (size_t)(end - p));

	return q != NULL ? q : end;
}

/*
 * Case-insensitive search in a bounded, not NUL-terminated text for a
 * lower-case needle.  The first byte, in either case, is found with
 * memchr (each case's next place kept until passed); only there is the
 * rest compared.  HTML parts are read by read_html() instead.
 */
static const char *
find_ci(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	int c = (unsigned char)needle[0], upper;
	const char *end, *lo, *up, *p;

	if (n == 0 || n > len || (c >= 'A' && c <= 'Z'))
		return NULL;
	upper = c >= 'a' && c <= 'z' ? c - 'a' + 'A' : -1;
	end = hay + (len - n) + 1;	/* one past the last start */
	lo = next_byte(hay, end, c);
	up = upper >= 0 ? next_byte(hay, end, upper) : end;
	while ((p = lo < up ? lo : up) < end) {
		/* The second byte first: most '<' are not followed by it. */
		if ((n == 1 || str_lc((unsigned char)p[1]) ==
		    str_lc((unsigned char)needle[1])) &&
		    strncasecmp(p, needle, n) == 0)
			return p;
		if (p == lo)
			lo = next_byte(p + 1, end, c);
		else
			up = next_byte(p + 1, end, upper);
	}
	return NULL;
}

/*
 * The header fields the checks read, each found once per message in a
 * single pass over the header: message_header() walks every field for
 * each name asked, and these are asked for some twenty times.  A name
 * matches as in message_header(): same length, any case.
 */
enum bulk_field {
	BF_X_MAILER, BF_USER_AGENT, BF_X_PRIORITY, BF_X_MSMAIL_PRIORITY,
	BF_LIST_ID, BF_LIST_POST, BF_LIST_UNSUBSCRIBE, BF_MAILING_LIST,
	BF_PRECEDENCE, BF_SUBJECT, BF_CC, BF_NEWSGROUPS, BF_MESSAGE_ID,
	BF_DELIVERED_TO, BF_X_ORIGINAL_TO, BF_N
};

#define BF(s)	{ s, sizeof(s) - 1 }
static const struct {
	const char	*name;
	size_t		 len;
} bulk_field_name[BF_N] = {
	BF("X-Mailer"), BF("User-Agent"), BF("X-Priority"),
	BF("X-MSMail-Priority"), BF("List-Id"), BF("List-Post"),
	BF("List-Unsubscribe"), BF("Mailing-List"), BF("Precedence"),
	BF("Subject"), BF("Cc"), BF("Newsgroups"), BF("Message-ID"),
	BF("Delivered-To"), BF("X-Original-To"),
};
#undef BF
#define BF_MAX_NAME	17	/* "X-MSMail-Priority" */

/* The first field of each name, or NULL. */
struct bulk_fields {
	const struct header	*first[BF_N];
};

static bool
field_is(const struct header *h, enum bulk_field k)
{
	/* The first letter before a call: most names of a length differ. */
	return h->name_len == bulk_field_name[k].len &&
	    str_lc((unsigned char)h->name[0]) ==
	    str_lc((unsigned char)bulk_field_name[k].name[0]) &&
	    str_ieqn(h->name, h->name_len, bulk_field_name[k].name,
	    bulk_field_name[k].len);
}

static void
fields_read(const struct message *m, struct bulk_fields *f)
{
	uint32_t lens = 0;
	size_t i;
	int k;

	_Static_assert(BF_MAX_NAME < 32, "a length is a bit of lens");
	memset(f, 0, sizeof(*f));
	for (k = 0; k < BF_N; k++)
		lens |= 1u << bulk_field_name[k].len;
	for (i = 0; i < m->n_headers; i++) {
		const struct header *h = &m->headers[i];

		/* Most fields' lengths are none of the names'. */
		if (h->name_len > BF_MAX_NAME ||
		    (lens & (1u << h->name_len)) == 0)
			continue;
		for (k = 0; k < BF_N; k++)
			if (f->first[k] == NULL && field_is(h, k)) {
				f->first[k] = h;
				break;
			}
	}
}

/* The next field after h of h's name (from fields_read()), or NULL. */
static const struct header *
field_next(const struct message *m, const struct header *h,
    enum bulk_field k)
{
	const struct header *end = m->headers + m->n_headers;

	for (h++; h < end; h++)
		if (field_is(h, k))
			return h;
	return NULL;
}

/* A body part that is text meant for reading, not an attachment. */
static bool
text_part(const struct part *p, const char *type)
{
	return !p->is_attachment && p->content_type != NULL &&
	    strcmp(p->content_type, type) == 0;
}

/*
 * Styles that hide text.  Blanks inside CSS are dropped before
 * comparing, so "display: none" and "display:none" are one case.
 */
static const char *const hiding[] = {
	"display:none", "visibility:hidden", "font-size:0px", "font-size:0;",
	"font-size:0\"", "font-size:1px", "font-size:0pt", "font-size:1pt",
	"color:#ffffff;background-color:#ffffff", "<fontsize=\"1\"color=\"#ffffff",
	"<fontcolor=\"#ffffff\"size=\"1", "<fontcolor=#ffffffsize=1",
	"<fontsize=1color=#ffffff", "<fontsize=0", "<fontsize=\"0",
};
#define N_HIDING	(sizeof(hiding) / sizeof(hiding[0]))

/* What the HTML parts show of how the message was made. */
struct html_marks {
	size_t	images;		/* <img> tags */
	size_t	fonts;		/* <font> tags */
	bool	hidden;		/* a hiding style outside the head */
};

/* The blanks dropped from HTML before it is searched for styles. */
static bool
flat_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Whether s follows at p (to end) in any case, blanks in the text
 * between its bytes passed over; the text is not copied without them.
 */
static bool
flat_prefix(const char *p, const char *end, const char *s)
{
	for (; *s != '\0'; s++, p++) {
		while (p < end && flat_blank(*p))
			p++;
		if (p == end || str_lc((unsigned char)*p) != *s)
			return false;
	}
	return true;
}

/*
 * Whether a style at hit sits in a tag that shows no text anyway:
 * Outlook writes <style style="display:none;"> around its CSS.
 */
static bool
in_head_tag(const char *start, const char *end, const char *hit)
{
	static const char *const quiet[] = { "<style", "<head", "<meta",
	    "<title", "<script", "<link" };
	const char *lt, *gt;
	size_t i;

	/* The nearest '<' or '>' at or before hit, found by memrchr. */
	lt = memrchr(start, '<', (size_t)(hit - start) + 1);
	gt = memrchr(start, '>', (size_t)(hit - start) + 1);
	if (lt == NULL || (gt != NULL && gt > lt))
		return false;
	for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		if (flat_prefix(lt, end, quiet[i]))
			return true;
	return false;
}

/*
 * The byte next to q (before it if dir < 0), blanks passed, in lower
 * case; 256 if there is none.
 */
static int
flat_next(const char *start, const char *end, const char *q, int dir)
{
	if (dir > 0) {
		while (++q < end)
			if (!flat_blank(*q))
				return str_lc((unsigned char)*q);
	} else {
		while (q-- > start)
			if (!flat_blank(*q))
				return str_lc((unsigned char)*q);
	}
	return 256;
}

/*
 * The first (up to) BULK_WINDOW bytes after q, blanks passed, as they
 * stand, packed into *w (memcpy order, the rest zero); their number.
 * *wend is where the text goes on after them.  Where a style may
 * start, its next bytes are compared with these in one step before
 * the text is read again.  Most windows hold no blank: one load.
 */
#define BULK_WINDOW	8

static size_t
flat_window(const char *q, const char *end, uint64_t *w, const char **wend)
{
	char b[BULK_WINDOW];
	size_t n = 0, i;

	_Static_assert(BULK_WINDOW == sizeof(*w), "a window is a word");
	if (end - q >= BULK_WINDOW) {
		for (i = 0; i < BULK_WINDOW && !flat_blank(q[i]); i++)
			;
		if (i == BULK_WINDOW) {
			memcpy(w, q, BULK_WINDOW);
			*wend = q + BULK_WINDOW;
			return BULK_WINDOW;
		}
	}
	memset(b, 0, sizeof(b));
	for (; q < end && n < BULK_WINDOW; q++)
		if (!flat_blank(*q))
			b[n++] = *q;
	memcpy(w, b, sizeof(b));
	*wend = q;
	return n;
}

/*
 * What read_html() knows of the styles, built once: where each is
 * anchored (its first ':', or else its first byte), which can match
 * given the byte after or before the anchor, and the (up to)
 * BULK_WINDOW bytes after the anchor as a word to compare a window
 * with: ((window | fold) & mask) == pat.  fold sets 0x20 where pat has
 * a letter, so either case of it matches and nothing else does (the
 * styles are in lower case; str_lc() changes only A-Z).
 */
struct hiding_index {
	size_t		at[N_HIDING];
	size_t		rest[N_HIDING];		/* bytes of pat */
	bool		longer[N_HIDING];	/* more after the window */
	uint64_t	pat[N_HIDING], mask[N_HIDING], fold[N_HIDING];
	uint16_t	after[257], before[257], any_after, any_before;
	uint16_t	of_lt, of_colon;	/* anchored at '<', ':' */
};

static struct hiding_index hix;
static pthread_once_t hix_once = PTHREAD_ONCE_INIT;

static void
hiding_index_build(void)
{
	struct hiding_index *x = &hix;
	char p[BULK_WINDOW], m[BULK_WINDOW], f[BULK_WINDOW];
	const char *s;
	size_t i, k, tail;

	for (i = 0; i < N_HIDING; i++) {
		s = hiding[i];
		x->at[i] = strcspn(s, ":");
		if (s[x->at[i]] == '\0')
			x->at[i] = 0;
		tail = strlen(s) - x->at[i] - 1;
		x->rest[i] = tail < BULK_WINDOW ? tail : BULK_WINDOW;
		x->longer[i] = tail > BULK_WINDOW;
		memset(p, 0, sizeof(p));
		memset(m, 0, sizeof(m));
		memset(f, 0, sizeof(f));
		for (k = 0; k < x->rest[i]; k++) {
			p[k] = s[x->at[i] + 1 + k];
			m[k] = (char)0xff;
			if (p[k] >= 'a' && p[k] <= 'z')
				f[k] = 0x20;
		}
		memcpy(&x->pat[i], p, sizeof(p));
		memcpy(&x->mask[i], m, sizeof(m));
		memcpy(&x->fold[i], f, sizeof(f));
		if (s[x->at[i]] == '<')
			x->of_lt |= 1u << i;
		else if (s[x->at[i]] == ':')
			x->of_colon |= 1u << i;
		if (s[x->at[i] + 1] != '\0')
			x->after[(unsigned char)s[x->at[i] + 1]] |= 1u << i;
		else
			x->any_after |= 1u << i;
		if (x->at[i] > 0)
			x->before[(unsigned char)s[x->at[i] - 1]] |= 1u << i;
		else
			x->any_before |= 1u << i;
	}
}

/* flat_next() after q: most often the next byte is there, no blank. */
static inline int
after_byte(const char *h, const char *end, const char *q)
{
	if (q + 1 < end && !flat_blank(q[1]))
		return str_lc((unsigned char)q[1]);
	return flat_next(h, end, q, 1);
}

/*
 * Whether some style of of may start at q, as far as the byte after
 * it tells: the test styles_at() makes first, inline in the loops, as
 * nearly every anchor fails it.
 */
static inline bool
style_may(const struct hiding_index *x, const char *h, const char *end,
    const char *q, uint16_t of)
{
	return (of & (x->any_after | x->after[after_byte(h, end, q)])) != 0;
}

/*
 * Whether a style of the set of (anchored at q's byte) matches around
 * q and stands outside a quiet tag.  The bytes either side of the
 * anchor (blanks passed) pick, through two tables, the few styles that
 * can match there, and only those are compared: first with the window
 * after q, then, for a style longer than the window, the text after
 * it, then the bytes before q.
 */
static bool
styles_at(const struct hiding_index *x, const char *h, const char *end,
    const char *q, uint16_t of)
{
	const char *wend, *hit, *s;
	uint64_t win;
	uint16_t bits;
	size_t i, k, wl;

	if ((bits = of & (x->any_after | x->after[after_byte(h, end,
	    q)])) == 0)
		return false;
	bits &= x->any_before | x->before[flat_next(h, end, q, -1)];
	if (bits == 0)
		return false;
	wl = flat_window(q + 1, end, &win, &wend);
	for (; bits != 0; bits &= bits - 1) {
		i = (size_t)__builtin_ctz(bits);
		if (wl < x->rest[i] ||
		    ((win | x->fold[i]) & x->mask[i]) != x->pat[i])
			continue;
		s = hiding[i];
		if (x->longer[i] && !flat_prefix(wend, end, s + x->at[i] + 1 +
		    BULK_WINDOW))
			continue;
		hit = q;
		for (k = x->at[i]; k > 0; k--, hit--) {
			while (hit > h && flat_blank(hit[-1]))
				hit--;
			if (hit == h || str_lc((unsigned char)hit[-1]) !=
			    s[k - 1])
				break;
		}
		if (k == 0 && !in_head_tag(h, end, hit))
			return true;
	}
	return false;
}

/*
 * Counts the <img> and <font> tags of an HTML part and looks for a
 * hiding style, unless one was found already.  HTML runs to hundreds
 * of kilobytes: rather than searching a blank-free copy once per style,
 * each style is tried only where its first ':' (or else its first byte)
 * stands; '<' is also where the tags are counted.  Both bytes are found
 * in one pass, sixteen bytes a step (str_find4): tags and style colons
 * stand a few bytes apart, and a call per stop cost more than the
 * search itself.  Once a style is found only the '<' still count.
 * Every style is anchored at '<' or ':'; one anchored elsewhere would
 * never be tried (test_detect's differential would miss it).
 */
static void
read_html(const struct part *p, struct html_marks *hm)
{
	size_t len = p->size < BULK_MAX_HTML ? p->size : BULK_MAX_HTML;
	const unsigned char *h = p->data, *end = h + len, *q;
	const struct hiding_index *x = &hix;
	const char *hc = (const char *)h, *ec = (const char *)end, *qc;
	unsigned char colon;
	size_t left;

	_Static_assert(N_HIDING <= 16, "a style is a bit of a uint16_t");
	if (h == NULL || len == 0)
		return;
	(void)pthread_once(&hix_once, hiding_index_build);
	for (q = h; ; q++) {
		colon = hm->hidden ? '<' : ':';
		if ((q = str_find4(q, end, '<', colon, '<', colon)) == end)
			break;
		qc = (const char *)q;
		if (*q == ':') {
			if (style_may(x, hc, ec, qc, x->of_colon) &&
			    styles_at(x, hc, ec, qc, x->of_colon))
				hm->hidden = true;
			continue;
		}
		left = (size_t)(end - q - 1);
		if (left >= 3 && str_lc(q[1]) == 'i' &&
		    str_lcprefix(qc + 1, left, "img", 3))
			hm->images++;
		else if (left >= 4 && str_lc(q[1]) == 'f' &&
		    str_lcprefix(qc + 1, left, "font", 4))
			hm->fonts++;
		if (!hm->hidden && style_may(x, hc, ec, qc, x->of_lt) &&
		    styles_at(x, hc, ec, qc, x->of_lt))
			hm->hidden = true;
	}
}

/* Whether decoded text is all ASCII or Latin-1 letters (no UTF-8). */
static bool
plain_charset(const struct part *p)
{
	return p->charset == NULL || strcmp(p->charset, "us-ascii") == 0 ||
	    strcmp(p->charset, "iso-8859-1") == 0 ||
	    strcmp(p->charset, "iso-8859-15") == 0 ||
	    strcmp(p->charset, "windows-1252") == 0;
}

static void
check_form(const struct message *m, struct scan *s,
    const struct html_marks *hm)
{
	bool html = false, plain = false, b64 = false;
	size_t i;

	for (i = 0; i < m->n_parts; i++) {
		const struct part *p = &m->parts[i];

		if (text_part(p, "text/plain"))
			plain = true;
		if (text_part(p, "text/html"))
			html = true;
		if ((text_part(p, "text/plain") || text_part(p, "text/html")) &&
		    p->transfer_encoding != NULL &&
		    strcasecmp(p->transfer_encoding, "base64") == 0 &&
		    plain_charset(p))
			b64 = true;
	}
	if (html && !plain)
		scan_symbol(s, "BULK_HTML_ONLY");
	if (hm->hidden)
		scan_symbol(s, "BULK_HIDDEN_TEXT");
	if (html && hm->images > 0 && m->text_len < BULK_IMAGE_TEXT_MAX) {
		char n[24];

		snprintf(n, sizeof(n), "%zu", hm->images);
		scan_symbol(s, "BULK_IMAGE_ONLY", n);
	}
	if (b64)
		scan_symbol(s, "BULK_BASE64_TEXT");
}

/* The root part is text/html: no alternative, no container. */
static void
check_bare_html(const struct message *m, struct scan *s,
    const struct bulk_fields *f)
{
	const struct part *root = m->n_parts > 0 ? &m->parts[0] : NULL;

	if (root == NULL || root->content_type == NULL ||
	    strcmp(root->content_type, "text/html") != 0)
		return;
	if (f->first[BF_X_MAILER] == NULL && f->first[BF_USER_AGENT] == NULL)
		scan_symbol(s, "BULK_HTML_BARE");
	if (root->charset == NULL)
		scan_symbol(s, "BULK_HTML_NO_CHARSET");
}

static void
check_priority(const struct bulk_fields *f, struct scan *s)
{
	const struct header *h = f->first[BF_X_PRIORITY];
	const char *v;

	if (h == NULL)
		h = f->first[BF_X_MSMAIL_PRIORITY];
	if (h == NULL || (v = h->decoded) == NULL)
		return;
	v += strspn(v, " \t");
	if (*v == '1' || strncasecmp(v, "high", 4) == 0)
		scan_symbol(s, "HDR_PRIORITY_HIGH", v);
}

static bool
ip_literal(const char *name)
{
	unsigned char a[16];
	char buf[64];
	size_t n;

	if (name == NULL)
		return false;
	if (*name == '[')
		name++;
	n = strcspn(name, "]");
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, name, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, a) == 1 ||
	    inet_pton(AF_INET6, buf, a) == 1;
}

/*
 * Relays below our own (the topmost Received is written by the
 * receiving host about its client; further ones were written by hosts
 * on the way, whose clients greeted them).
 */
static void
check_helo(const struct message *m, struct scan *s)
{
	size_t i;

	for (i = 0; i < m->n_received; i++)
		if (ip_literal(m->received[i].from_helo)) {
			scan_symbol(s, "HDR_HELO_IP", m->received[i].from_helo);
			return;
		}
}

static void
check_mailer(const struct bulk_fields *f, struct scan *s,
    const struct detect_data *d)
{
	static const enum bulk_field fields[] = { BF_X_MAILER, BF_USER_AGENT };
	const struct header *h;
	size_t i, k;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if ((h = f->first[fields[i]]) == NULL ||
		    h->decoded == NULL)
			continue;
		for (k = 0; k < d->n_mailers; k++)
			if (find_ci(h->decoded, strlen(h->decoded),
			    d->mailers[k]) != NULL) {
				scan_symbol(s, "BULK_MAILER", h->decoded);
				return;
			}
	}
}

static bool
msgid_ok(const char *id)
{
	const char *at;

	if (id == NULL || (at = strrchr(id, '@')) == NULL || at == id ||
	    at[1] == '\0')
		return false;
	return strpbrk(id, " \t") == NULL;
}

static bool
word_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (unsigned char)c >= 0x80;
}

/* The subject names a recipient's mailbox as a word of its own. */
static const char *
subject_local(const struct message *m, const struct scan *s,
    const struct bulk_fields *f)
{
	const char *rcpt, *at, *hit, *subj = m->subject;
	size_t i, n;

	/* A list's address is its name, and lists tag subjects with it. */
	if (subj == NULL || s->env.rcpt == NULL ||
	    f->first[BF_LIST_ID] != NULL || f->first[BF_LIST_POST] != NULL ||
	    f->first[BF_MAILING_LIST] != NULL)
		return NULL;
	for (i = 0; i < s->env.n_rcpt; i++) {
		if ((rcpt = s->env.rcpt[i]) == NULL ||
		    (at = strchr(rcpt, '@')) == NULL)
			continue;
		n = (size_t)(at - rcpt);
		if (n < BULK_SUBJECT_LOCAL_MIN)
			continue;
		for (hit = subj; *hit != '\0'; hit++) {
			/* The first byte before a call: most differ there. */
			if (str_lc((unsigned char)*hit) !=
			    str_lc((unsigned char)*rcpt) ||
			    strncasecmp(hit, rcpt, n) != 0)
				continue;
			if ((hit == subj || (!word_byte(hit[-1]) &&
			    hit[-1] != '[' && hit[-1] != '-')) &&
			    !word_byte(hit[n]) && hit[n] != '@' && hit[n] != ']' &&
			    hit[n] != '-')
				return rcpt;
		}
	}
	return NULL;
}

/* ASCII letters only: other scripts have no case worth counting. */
static bool
subject_shouts(const char *subj)
{
	size_t upper = 0, letters = 0;
	const char *p;

	if (subj == NULL || strchr(subj, ' ') == NULL)
		return false;
	for (p = subj; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			upper++;
		else if (!(*p >= 'a' && *p <= 'z'))
			continue;
		letters++;
	}
	return letters >= BULK_CAPS_MIN_LETTERS &&
	    upper * 100 >= letters * BULK_CAPS_PERCENT;
}

static bool
alnum_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/*
 * The last word of the subject is a tag: after three or more blanks,
 * or dots, or written in capitals right after a lower-case letter.
 */
static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Read on the raw field (subj[0..len)), so that a line folded by the
 * sender (RFC 5322 2.2.3), whose unfolding also leaves blanks, is not
 * taken for a gap.
 */
static const char *
subject_tag(struct arena *a, const char *subj, size_t len)
{
	const char *end, *w, *gap;
	size_t n, upper = 0;

	if (subj == NULL)
		return NULL;
	end = subj + len;
	while (end > subj && blank(end[-1]))
		end--;
	for (w = end; w > subj && alnum_byte(w[-1]); w--)
		;
	n = (size_t)(end - w);
	if (n < 2 || n > BULK_TAG_MAX || w == subj)
		return NULL;
	for (gap = w; gap > subj && blank(gap[-1]); gap--)
		;
	if (w - gap >= 3 && memchr(gap, '\n', (size_t)(w - gap)) == NULL)
		return arena_strndup(a, w, n);
	/* "Free moneyZDVIJO": capitals glued to a lower-case word. */
	for (gap = w; gap < end && *gap >= 'a' && *gap <= 'z'; gap++)
		;
	if (gap == w || gap == end)
		return NULL;
	for (; gap < end && *gap >= 'A' && *gap <= 'Z'; gap++)
		upper++;
	return gap == end && upper >= 5 ? arena_strndup(a, w, n) : NULL;
}

/* Only letters, digits and the bytes in extra. */
static bool
code_chars(const char *p, size_t n, const char *extra)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!alnum_byte(p[i]) &&
		    (p[i] == '\0' || strchr(extra, p[i]) == NULL))
			return false;
	return true;
}

/*
 * A word that reads as random: capitals, small letters and digits all
 * present and changing often ("G3ejrKKzNc30o7qJhZ").  Words, numbers,
 * product codes and hex hashes change case or kind rarely.
 */
static bool
random_word(const char *w, size_t n, size_t percent)
{
	size_t i, changes = 0, kinds = 0, alnum = 0;
	int prev = 0, kind;

	for (i = 0; i < n; i++) {
		if (w[i] >= 'A' && w[i] <= 'Z')
			kind = 1;
		else if (w[i] >= 'a' && w[i] <= 'z')
			kind = 2;
		else if (w[i] >= '0' && w[i] <= '9')
			kind = 4;
		else
			continue;
		alnum++;
		kinds |= (size_t)kind;
		if (prev != 0 && kind != prev)
			changes++;
		prev = kind;
	}
	return kinds == 7 && alnum >= BULK_RANDOM_MIN &&
	    changes * 100 >= alnum * percent;
}

/* "[k9lej]": a bracketed tag of small letters and digits, both. */
static bool
bracket_tag(const char *w, size_t n)
{
	size_t i, letters = 0, digits = 0;

	if (n < 7 || n > 10 || w[0] != '[' || w[n - 1] != ']')
		return false;
	for (i = 1; i + 1 < n; i++)
		if (w[i] >= 'a' && w[i] <= 'z')
			letters++;
		else if (w[i] >= '0' && w[i] <= '9')
			digits++;
		else
			return false;
	return letters > 0 && digits > 0;
}

static bool
long_number(const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < n && w[i] >= '0' && w[i] <= '9'; i++)
		;
	return i == n && n >= BULK_DIGITS_MIN;
}

/*
 * The last word of the decoded subject, after a blank, is a random
 * tag of today's or of 2000s senders: a word of mixed capitals, small
 * letters and digits ("Fatura - G3ejrKKzNc30o7qJhZ"), a mailer's code
 * with dashes ("(0766aExl8-42@11)"), a bracketed tag ("[k9lej]") or a
 * run of digits longer than order and item numbers are.
 */
static const char *
subject_random(struct arena *a, const char *subj)
{
	const char *end, *w;
	size_t n;
	bool tag;

	if (subj == NULL)
		return NULL;
	end = subj + strlen(subj);
	while (end > subj && blank(end[-1]))
		end--;
	for (w = end; w > subj && !blank(w[-1]); w--)
		;
	n = (size_t)(end - w);
	if (w == subj || n > BULK_RANDOM_MAX)
		return NULL;
	if (memchr(w, '-', n) != NULL || memchr(w, '@', n) != NULL)
		tag = code_chars(w, n, "-@()") &&
		    random_word(w, n, BULK_CODE_CHANGES);
	else
		tag = (code_chars(w, n, "") &&
		    random_word(w, n, BULK_RANDOM_CHANGES)) ||
		    bracket_tag(w, n) || long_number(w, n);
	return tag ? arena_strndup(a, w, n) : NULL;
}

/*
 * Words joined by underscores instead of blanks ("Find_out_how_to"):
 * the subject then holds no word a filter knows.  A file name or an
 * identifier has one or two underscores between blanks; this wants
 * two or more underscores, more than blanks, one of them inside a word.
 */
static bool
subject_underscored(const char *subj)
{
	size_t i, under = 0, joins = 0, blanks = 0;

	/* An encoded word left undecoded (RFC 2047 4.2) writes "_". */
	if (subj == NULL || strstr(subj, "=?") != NULL)
		return false;
	for (i = 0; subj[i] != '\0'; i++) {
		if (blank(subj[i]))
			blanks++;
		if (subj[i] != '_')
			continue;
		under++;
		if (i > 0 && alnum_byte(subj[i - 1]) && alnum_byte(subj[i + 1]))
			joins++;
	}
	return under >= BULK_UNDERSCORES_MIN && joins >= 1 &&
	    under > blanks;
}

/*
 * An X-Mailer that is one random word ("guSNkATxxis4eMSP7EFMnNTcbQal")
 * names no program: the sending script fills the field with noise so
 * that no filter can key on it.
 */
static bool
mailer_random(const char *v)
{
	size_t n;

	if (v == NULL)
		return false;
	v += strspn(v, " \t");
	for (n = strlen(v); n > 0 && blank(v[n - 1]); n--)
		;
	return n >= BULK_RANDOM_MIN && n <= BULK_RANDOM_MAX &&
	    code_chars(v, n, "") && random_word(v, n, BULK_RANDOM_CHANGES);
}

/* n hex digits at p. */
static bool
hex_run(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		    (p[i] >= 'a' && p[i] <= 'f') ||
		    (p[i] >= 'A' && p[i] <= 'F')))
			return false;
	return true;
}

/*
 * Outlook Express (Windows) writes its own Message-ID, always in one
 * form: "000801c2651d$2b4a3f60$0100a8c0@host", twelve, eight and eight
 * hex digits.  A message that names it in X-Mailer but carries another
 * ID was written by a program that pretends to be it, unless a server
 * of the sender's own domain set the ID on submission (webmail does).
 */
static bool
outlook_forged(const struct message *m, const char *mailer)
{
	const char *id = m->message_id, *at, *from;
	size_t fl, hl;

	if (mailer == NULL || id == NULL ||
	    (at = strstr(mailer, "Outlook Express ")) == NULL ||
	    at[16] < '0' || at[16] > '9')
		return false;
	if (strlen(id) > 30 && hex_run(id, 12) && id[12] == '$' &&
	    hex_run(id + 13, 8) && id[21] == '$' && hex_run(id + 22, 8) &&
	    id[30] == '@')
		return false;
	if ((at = strrchr(id, '@')) == NULL || m->from.n == 0 ||
	    (from = m->from.v[0].domain) == NULL)
		return true;
	at++;
	fl = strlen(from);
	hl = strlen(at);
	/* The ID's host is the From domain, or one is below the other. */
	if (strcasecmp(at, from) == 0 ||
	    (hl > fl && at[hl - fl - 1] == '.' &&
	    strcasecmp(at + hl - fl, from) == 0) ||
	    (fl > hl && from[fl - hl - 1] == '.' &&
	    strcasecmp(from + fl - hl, at) == 0))
		return false;
	return true;
}

/*
 * A line of its own near the end of the text that is one long random
 * token with dashes ("(f4)5088VukL9-796qVfq4651flcG5-695tl29"): the
 * tracking code or hash-buster of 2000s mass mailers, which makes every
 * copy differ so that checksum filters (Razor, DCC) miss the flood.
 * Signature blocks (PGP, base64) carry no dashes; UUIDs no capitals.
 */
static const char *
tracking_line(struct arena *a, const char *text, size_t len)
{
	const char *e, *b;
	unsigned lines = 0;
	size_t n, i;

	if (text == NULL)
		return NULL;
	for (e = text + len; e > text && lines < BULK_TRACK_LINES;
	    e = b > text ? b - 1 : text) {
		for (b = e; b > text && b[-1] != '\n'; b--)
			;
		for (n = (size_t)(e - b); n > 0 && blank(b[n - 1]); n--)
			;
		for (i = 0; i < n && blank(b[i]); i++)
			;
		if (i == n)
			continue;
		lines++;
		if (n - i < BULK_TRACK_MIN || n - i > BULK_TRACK_MAX ||
		    memchr(b + i, '-', n - i) == NULL ||
		    !random_word(b + i, n - i, BULK_CODE_CHANGES))
			continue;
		if (code_chars(b + i, n - i, "-()"))
			return arena_strndup(a, b + i, n - i);
	}
	return NULL;
}

/* The charset of a text part, or of an encoded word in the subject. */
static const char *
foreign_charset(const struct message *m, const struct detect_data *d,
    const struct bulk_fields *f)
{
	const struct header *h;
	const char *p, *q;
	char cs[64];
	size_t i, n;

	for (i = 0; i < m->n_parts; i++)
		if (m->parts[i].charset != NULL &&
		    detect_list_has(&d->charsets, m->parts[i].charset, NULL))
			return m->parts[i].charset;
	if ((h = f->first[BF_SUBJECT]) == NULL)
		return NULL;
	/* RFC 2047 2: "=?charset?encoding?text?=" */
	for (p = h->value; (p = find_ci(p, h->value_len -
	    (size_t)(p - h->value), "=?")) != NULL; p += 2) {
		q = p + 2;
		for (n = 0; q + n < h->value + h->value_len && q[n] != '?' &&
		    q[n] != '*' && n < sizeof(cs) - 1; n++)
			cs[n] = (char)(q[n] >= 'A' && q[n] <= 'Z' ?
			    q[n] - 'A' + 'a' : q[n]);
		cs[n] = '\0';
		/* The list's own copy of the name outlives this frame. */
		if ((q = detect_list_find(&d->charsets, cs, NULL, NULL)) !=
		    NULL)
			return q;
	}
	return NULL;
}

static bool
strcasestr_ascii(const char *hay, const char *needle)
{
	return find_ci(hay, strlen(hay), needle) != NULL;
}

static bool
list_mail(const struct bulk_fields *f)
{
	static const enum bulk_field fields[] = { BF_LIST_ID, BF_LIST_POST,
	    BF_LIST_UNSUBSCRIBE, BF_MAILING_LIST };
	const struct header *h;
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (f->first[fields[i]] != NULL)
			return true;
	/* RFC 3834 2 and long practice: lists mark themselves so. */
	return (h = f->first[BF_PRECEDENCE]) != NULL &&
	    h->decoded != NULL && (strcasestr_ascii(h->decoded, "list") ||
	    strcasestr_ascii(h->decoded, "bulk") ||
	    strcasestr_ascii(h->decoded, "junk"));
}

/* Whether the local part of addr is one of the list's local parts. */
static bool
local_in(const char *addr, const struct address_list *l)
{
	size_t i, n = strcspn(addr, "@");

	for (i = 0; i < l->n; i++)
		if (l->v[i].local != NULL && strlen(l->v[i].local) == n &&
		    strncasecmp(l->v[i].local, addr, n) == 0)
			return true;
	return false;
}

/* Whether the local part of a header's address is in To or Cc. */
static bool
field_visible(const struct message *m, const char *value)
{
	const char *lt = value != NULL ? strchr(value, '<') : NULL;

	if (value == NULL)
		return false;
	value = lt != NULL ? lt + 1 : value + strspn(value, " \t");
	return local_in(value, &m->to) || local_in(value, &m->cc);
}

/*
 * The mailbox that got the message, if it shows in neither To nor Cc.
 * Every name the delivery left is tried: the envelope's (unless it was
 * read from To itself), Delivered-To and X-Original-To (RFC 9228), the
 * "for" clauses of Received (RFC 5321 4.4); local aliases and fetchmail
 * rename the mailbox on the way, and any name that is visible clears it.
 */
static const char *
hidden_rcpt(const struct message *m, const struct scan *s,
    const struct bulk_fields *f)
{
	static const enum bulk_field fields[] = { BF_DELIVERED_TO,
	    BF_X_ORIGINAL_TO };
	const struct header *h;
	const char *first = NULL;
	size_t i, k;

	if (!s->env.rcpt_from_message && s->env.rcpt != NULL)
		for (i = 0; i < s->env.n_rcpt; i++) {
			if (s->env.rcpt[i] == NULL)
				continue;
			if (field_visible(m, s->env.rcpt[i]))
				return NULL;
			if (first == NULL)
				first = s->env.rcpt[i];
		}
	for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
		for (h = f->first[fields[k]]; h != NULL;
		    h = field_next(m, h, fields[k])) {
			if (h->decoded == NULL || strchr(h->decoded, '@') == NULL)
				continue;
			if (field_visible(m, h->decoded))
				return NULL;
			if (first == NULL)
				first = h->decoded;
		}
	for (i = 0; i < m->n_received; i++) {
		const char *fa = m->received[i].for_addr;

		if (fa == NULL || strchr(fa, '@') == NULL)
			continue;
		if (field_visible(m, fa))
			return NULL;
		if (first == NULL)
			first = fa;
	}
	return first;
}

static void
check_header(const struct message *m, struct scan *s,
    const struct bulk_fields *f)
{
	const struct header *h;
	const char *rcpt;
	size_t i, visible = 0;
	char n[24];

	for (i = 0; i < m->to.n; i++)
		if (m->to.v[i].addr != NULL && m->to.v[i].addr[0] != '\0')
			visible++;
	/*
	 * Archives keep no To; a delivered message has a trace (RFC 5321
	 * 4.4), and then a missing or empty To means hidden recipients.
	 */
	if (visible == 0 && m->n_received > 0 &&
	    f->first[BF_CC] == NULL && f->first[BF_NEWSGROUPS] == NULL)
		scan_symbol(s, "HDR_UNDISCLOSED");
	visible += m->cc.n;
	if (!list_mail(f) && (rcpt = hidden_rcpt(m, s, f)) != NULL)
		scan_symbol(s, "HDR_RCPT_HIDDEN", rcpt);
	if (visible >= BULK_MANY_RCPT) {
		snprintf(n, sizeof(n), "%zu", visible);
		scan_symbol(s, "HDR_MANY_RCPT", n);
	}
	if (f->first[BF_MESSAGE_ID] != NULL &&
	    !msgid_ok(m->message_id))
		scan_symbol(s, "HDR_MSGID_BAD", m->message_id ? m->message_id :
		    "");
	/* The topmost Received is the receiving host's own clock. */
	if (m->date != 0 && m->n_received > 0 && m->received[0].date != 0) {
		long long d = (long long)m->date -
		    (long long)m->received[0].date;

		if (d > BULK_DATE_AHEAD || d < -BULK_DATE_BEHIND) {
			snprintf(n, sizeof(n), "%lld", d / 86400);
			scan_symbol(s, "HDR_DATE_SKEW", n);
		}
	}
	if ((rcpt = subject_local(m, s, f)) != NULL)
		scan_symbol(s, "HDR_SUBJECT_RCPT", rcpt);
	if (subject_shouts(m->subject))
		scan_symbol(s, "HDR_SUBJECT_CAPS", m->subject);
	if ((h = f->first[BF_SUBJECT]) != NULL &&
	    (rcpt = subject_tag(s->arena, h->value, h->value_len)) != NULL)
		scan_symbol(s, "HDR_SUBJECT_TAG", rcpt);
	else if ((rcpt = subject_random(s->arena, m->subject)) != NULL)
		scan_symbol(s, "HDR_SUBJECT_TAG", rcpt);
	if (subject_underscored(m->subject))
		scan_symbol(s, "HDR_SUBJECT_UNDERSCORES", m->subject);
	if ((rcpt = tracking_line(s->arena, m->text, m->text_len)) != NULL)
		scan_symbol(s, "BULK_TRACKING_CODE", rcpt);
	if ((h = f->first[BF_X_MAILER]) != NULL &&
	    mailer_random(h->decoded))
		scan_symbol(s, "HDR_MAILER_RANDOM", h->decoded);
	if (h != NULL && outlook_forged(m, h->decoded))
		scan_symbol(s, "HDR_FORGED_OUTLOOK", m->message_id);
}

static void
check_layout(const struct message *m, struct scan *s,
    const struct html_marks *hm)
{
	size_t prices = 0;
	const char *p, *end;
	char n[24];

	if (hm->fonts >= BULK_FONTS_MIN) {
		snprintf(n, sizeof(n), "%zu", hm->fonts);
		scan_symbol(s, "BULK_HTML_FONTS", n);
	}
	/* "$12": a '$' before a digit; memchr finds the few '$'. */
	if (m->text != NULL && m->text_len > 1)
		for (p = m->text, end = p + m->text_len - 1; (p = memchr(p,
		    '$', (size_t)(end - p))) != NULL; p++)
			if (p[1] >= '0' && p[1] <= '9')
				prices++;
	if (prices >= BULK_PRICES_MIN) {
		snprintf(n, sizeof(n), "%zu", prices);
		scan_symbol(s, "SPAM_PRICES", n);
	}
}

/*
 * The first link whose host (as urls_host_in_text() reads the href)
 * ends in a risky label.  The host is copied only for the evidence:
 * its last label, letters only (urls_host_span() checked), is looked up
 * from the href's bytes.
 */
static void
check_tld(const struct message *m, struct scan *s,
    const struct detect_data *d)
{
	const char *h, *dot;
	char tld[256], *host;
	size_t i, k, hl, tl;

	for (i = 0; i < m->n_links; i++) {
		if (!urls_host_span(m->links[i].href, m->links[i].href ?
		    strlen(m->links[i].href) : 0, &h, &hl))
			continue;
		for (dot = h + hl; dot[-1] != '.'; dot--)
			;
		/* (A host is at most 253 bytes.) */
		if ((tl = (size_t)(h + hl - dot)) >= sizeof(tld))
			continue;
		for (k = 0; k < tl; k++)
			tld[k] = (char)str_lc((unsigned char)dot[k]);
		tld[tl] = '\0';
		if (!detect_list_has(&d->tld_risk, tld, NULL))
			continue;
		if ((host = arena_alloc(s->arena, hl + 1)) == NULL)
			continue;
		for (k = 0; k < hl; k++)
			host[k] = (char)str_lc((unsigned char)h[k]);
		host[hl] = '\0';
		scan_symbol(s, "LINK_RISKY_TLD", host);
		return;
	}
}

void
check_bulk(const struct message *m, struct scan *s)
{
	const struct detect_data *d = s->cfg ? s->cfg->detect : NULL;
	struct html_marks hm = { 0, 0, false };
	struct bulk_fields f;
	size_t i;

	fields_read(m, &f);
	for (i = 0; i < m->n_parts; i++)
		if (text_part(&m->parts[i], "text/html"))
			read_html(&m->parts[i], &hm);
	check_form(m, s, &hm);
	check_bare_html(m, s, &f);
	check_layout(m, s, &hm);
	check_header(m, s, &f);
	check_priority(&f, s);
	check_helo(m, s);
	if (d != NULL) {
		const char *cs = foreign_charset(m, d, &f);

		if (cs != NULL)
			scan_symbol(s, "BULK_FOREIGN_CHARSET", cs);
		check_mailer(&f, s, d);
		check_tld(m, s, d);
	}
}
