/*
 * test_bayes.c - the tokenizer, the combining step, learning and
 * forgetting through a real (temporary SQLite) store, the classifier on
 * synthetic held-out mail, and the two checks that use the store
 * (check_bayes, check_history).  Prints TAP.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "xorshift.h"
#include "detect/bayes.h"
#include "detect/checks.h"
#include "detect/tokenize.h"
#include "mime/message.h"
#include "scan/config.h"
#include "scan/pipeline.h"
#include "scan/scan.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"

#define TRAIN		250	/* per class: over BAYES_MIN_* */
#define HELD_OUT	60	/* per class */

static bool
has(const struct tokenize_set *t, const char *tok)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i], tok) == 0)
			return true;
	return false;
}

static void
show(const struct tokenize_set *t)
{
	size_t i;

	printf("#   tokens:");
	for (i = 0; i < t->n && i < 40; i++)
		printf(" [%s]", t->v[i]);
	printf("\n");
}

static struct tokenize_set *
text_tokens(struct arena *a, const char *prefix, const char *text, size_t max)
{
	struct tokenize_set *t = arena_alloc(a, sizeof(*t));

	if (tokenize_init(t, a, max) == -1 ||
	    tokenize_text(t, prefix, text, strlen(text)) == -1)
		abort();
	return t;
}

static void
test_words(void)
{
	struct arena *a = arena_new(0);
	struct tokenize_set *t;
	char big[40 * 4 + 1], *huge;
	size_t i, good;

	t = text_tokens(a, "", "Hello WORLD, Größe ÄRGER über ÉTÉ Ŝ "
	    "ПРИВЕТ", 100);
	ok(has(t, "hello") && has(t, "world"), "ASCII words, lower-cased");
	ok(has(t, "größe") && has(t, "ärger") && has(t, "über"),
	    "umlauts kept and lower-cased as UTF-8");
	ok(has(t, "été") && has(t, "привет"), "Latin-1 and Cyrillic folded");
	ok(!has(t, "ŝ") && !has(t, "Ŝ"), "one letter is too short");
	if (!has(t, "ärger"))
		show(t);

	t = text_tokens(a, "", "a I x 7 ok", 100);
	ok(t->n == 1 && has(t, "ok"), "words under %d characters dropped",
	    TOKENIZE_WORD_MIN);

	t = text_tokens(a, "", "abcdefghijabcdefghijabcdefghijabc", 100);
	ok(t->n == 1 && has(t, "skip:a:30"), "a 33-letter word -> skip:a:30");
	t = text_tokens(a, "", "call 01701234567 or 2024", 100);
	ok(has(t, "num:11") && has(t, "2024") && !has(t, "01701234567"),
	    "long numbers by length, short ones kept");

	t = text_tokens(a, "", "Pass\xc2\xadwort Pay\xe2\x80\x8bPal", 100);
	ok(has(t, "passwort") && has(t, "paypal"),
	    "soft hyphen and zero-width space do not split words");
	ok(has(t, "meta:invisible-chars"), "but their use is a token");
	t = text_tokens(a, "", "\xe2\x80\x8bhello", 100);
	ok(!has(t, "meta:invisible-chars"),
	    "an invisible character outside a word is only dropped");

	t = text_tokens(a, "", "win\xf0\x9f\x8e\x89now e-mail ab\xff"
	    "cd \xc3(xy", 100);
	ok(has(t, "win") && has(t, "now"), "emoji separate words");
	ok(has(t, "mail") && !has(t, "e-mail"), "punctuation separates");
	ok(has(t, "ab") && has(t, "cd") && has(t, "xy"),
	    "invalid UTF-8 separates and is skipped");

	t = text_tokens(a, "", "spam Spam SPAM spam", 100);
	ok(t->n == 1, "tokens are distinct (%zu)", t->n);

	t = text_tokens(a, "subj:", "Konto gesperrt", 100);
	ok(has(t, "subj:konto") && has(t, "subj:gesperrt"), "prefix");
	/* 20 CJK characters are 60 bytes: with "subj:" over 64. */
	t = text_tokens(a, "subj:", "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"
	    "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"
	    "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"
	    "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"
	    "\xe4\xb8\xad\xe4\xb8\xad", 100);
	ok(t->n == 1 && strncmp(t->v[0], "skip:", 5) == 0,
	    "a word too long in bytes becomes skip: (%s)",
	    t->n ? t->v[0] : "-");

	/* The limit on distinct tokens. */
	for (i = 0; i < 40; i++) {
		big[i * 4] = 'x';
		big[i * 4 + 1] = (char)('a' + i / 26);
		big[i * 4 + 2] = (char)('a' + i % 26);
		big[i * 4 + 3] = ' ';
	}
	big[40 * 4] = '\0';
	t = text_tokens(a, "", big, 10);
	ok(t->n == 10 && t->truncated, "at most max tokens (%zu), marked "
	    "truncated", t->n);

	huge = malloc(TOKENIZE_MAX_TEXT + 100);
	memset(huge, 'a', TOKENIZE_MAX_TEXT + 99);
	for (i = 0; i < TOKENIZE_MAX_TEXT + 99; i += 7)
		huge[i] = ' ';
	huge[TOKENIZE_MAX_TEXT + 99] = '\0';
	t = text_tokens(a, "", huge, 100);
	ok(t->truncated, "text over TOKENIZE_MAX_TEXT is cut and marked");
	free(huge);

	/* Any bytes at all: every token bounded, distinct, non-empty. */
	{
		char rnd[4096];
		uint32_t x = 2463534242u;
		size_t j;

		for (i = 0; i < sizeof(rnd) - 1; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			rnd[i] = (char)(x % 7 == 0 ? ' ' : (x >> 8) | 1);
		}
		rnd[sizeof(rnd) - 1] = '\0';
		t = text_tokens(a, "", rnd, TOKENIZE_MAX_TOKENS);
		good = 1;
		for (i = 0; i < t->n; i++) {
			if (strlen(t->v[i]) == 0 ||
			    strlen(t->v[i]) > TOKENIZE_TOKEN_MAX)
				good = 0;
			for (j = i + 1; j < t->n; j++)
				if (strcmp(t->v[i], t->v[j]) == 0)
					good = 0;
		}
		ok(good && t->n > 0, "random bytes: %zu tokens, all bounded "
		    "and distinct", t->n);
	}
	arena_free(a);
}

/* A message built by hand, so the test does not depend on the parser. */
static void
test_message_features(void)
{
	static char xm_name[] = "X-Mailer",
	    xm_val[] = " Microsoft Outlook 16.0";
	struct header hdr = { .name = xm_name, .name_len = 8, .value = xm_val,
	    .value_len = sizeof(xm_val) - 1 };
	struct address from = { .display = "PayPal Service",
	    .local = "service", .domain = "mail.paypa1.example",
	    .addr = "service@mail.paypa1.example" };
	struct address rt = { .local = "x", .domain = "collector.example",
	    .addr = "x@collector.example" };
	struct link links[] = {
		{ .href = "https://user@Login.PAYPA1.example:8443/x?y",
		    .text = "Login", .flags = LINK_BUTTON },
		{ .href = "http://192.0.2.7/a", .text = "" },
		{ .href = "mailto:someone@example.org" },
		{ .href = "/relative/path" },
	};
	struct part parts[2] = {
		{ .content_type = "multipart/mixed", .is_multipart = true },
		{ .index = 1, .content_type = "application/octet-stream",
		    .filename = "Rechnung.PDF.exe", .is_attachment = true,
		    .sniffed = "application/x-dosexec",
		    .transfer_encoding = "base64" },
	};
	struct message m;
	struct tokenize_set t;
	struct arena *a = arena_new(0);

	memset(&m, 0, sizeof(m));
	m.headers = &hdr;
	m.n_headers = 1;
	m.from.v = &from;
	m.from.n = 1;
	m.reply_to.v = &rt;
	m.reply_to.n = 1;
	m.subject = "Ihr Konto wurde gesperrt";
	m.message_id = "abc@mx.paypa1.example";
	m.links = links;
	m.n_links = 4;
	m.parts = parts;
	m.n_parts = 2;
	m.text = "Bitte bestätigen Sie Ihre Daten";
	m.text_len = strlen(m.text);
	tokenize_init(&t, a, TOKENIZE_MAX_TOKENS);
	ok(tokenize_message(&t, &m) == 0, "tokenize a message");
	ok(has(&t, "from:mail.paypa1.example") &&
	    has(&t, "from:paypa1.example"),
	    "From domain and its last two labels");
	ok(has(&t, "name:paypal") && has(&t, "name:service"),
	    "sender name words");
	ok(has(&t, "rt:collector.example") &&
	    has(&t, "meta:reply-to-elsewhere"), "Reply-To elsewhere");
	ok(has(&t, "subj:konto") && has(&t, "subj:gesperrt"), "Subject words");
	ok(has(&t, "mailer:microsoft"), "mailer");
	ok(has(&t, "mid:mx.paypa1.example"), "Message-ID domain");
	ok(has(&t, "url:login.paypa1.example") && has(&t, "url:paypa1.example"),
	    "link host lower-cased, port and userinfo cut");
	ok(has(&t, "url:userinfo"), "userinfo in a link is a token");
	ok(has(&t, "url:ip"), "IP-literal host");
	ok(has(&t, "url:scheme:mailto") && has(&t, "url:relative"),
	    "other schemes and relative links");
	ok(has(&t, "link:button") && has(&t, "meta:links:2-5"),
	    "link flags and count");
	ok(has(&t, "ct:application/octet-stream") && has(&t, "att:exe") &&
	    has(&t, "sniff:application/x-dosexec") && has(&t, "cte:base64"),
	    "content type, attachment extension, sniffed type");
	ok(has(&t, "bestätigen") && has(&t, "daten"), "body words");
	if (!has(&t, "url:login.paypa1.example"))
		show(&t);
	arena_free(a);
}

static void
test_combine(void)
{
	struct store_counts c[20] = { { 0, 0 } }, tot = { 100, 100 };
	size_t i, clues;
	double p;

	p = bayes_combine(c, 0, &tot, &clues);
	ok(p == 0.5 && clues == 0, "no tokens: 0.5");
	memset(c, 0, sizeof(c));
	p = bayes_combine(c, 20, &tot, &clues);
	ok(p == 0.5 && clues == 0, "unseen tokens say nothing");
	for (i = 0; i < 10; i++)
		c[i] = (struct store_counts){ .ham = 0, .spam = 50 };
	p = bayes_combine(c, 20, &tot, &clues);
	ok(p > 0.99 && clues == 10, "strong spam tokens: %.4f", p);
	for (i = 0; i < 10; i++)
		c[i] = (struct store_counts){ .ham = 50, .spam = 1 };
	p = bayes_combine(c, 20, &tot, &clues);
	ok(p < 0.01, "strong ham tokens: %.4f", p);
	for (i = 0; i < 10; i++)
		c[i] = (struct store_counts){ .ham = 30, .spam = 30 };
	p = bayes_combine(c, 20, &tot, &clues);
	ok(clues == 0 && p == 0.5, "tokens as common in both: no clue");
	for (i = 0; i < 5; i++) {
		c[i] = (struct store_counts){ .ham = 40, .spam = 0 };
		c[i + 5] = (struct store_counts){ .ham = 0, .spam = 40 };
	}
	p = bayes_combine(c, 20, &tot, &clues);
	ok(p > 0.4 && p < 0.6, "as much for as against: unsure (%.3f)", p);
	/* Relative to what was learned: 10 of 1000 ham, 10 of 100 spam. */
	tot = (struct store_counts){ .ham = 1000, .spam = 100 };
	memset(c, 0, sizeof(c));
	for (i = 0; i < 5; i++)
		c[i] = (struct store_counts){ .ham = 10, .spam = 10 };
	p = bayes_combine(c, 20, &tot, &clues);
	ok(p > 0.9, "counts are weighed by class size (%.3f)", p);
	/* One sighting moves a token less than fifty. */
	tot = (struct store_counts){ .ham = 100, .spam = 100 };
	memset(c, 0, sizeof(c));
	c[0].spam = 1;
	p = bayes_combine(c, 1, &tot, &clues);
	ok(clues == 1 && p > 0.5 && p < bayes_combine(&(struct store_counts)
	    { .spam = 50 }, 1, &tot, NULL), "rare tokens count less (%.3f)",
	    p);
}

/* Deterministic synthetic mail. */
static uint32_t rng = 12345;

static uint32_t
next(void)
{
	return xorshift32(&rng);
}

static const char *const common[] = {
	"the", "and", "you", "your", "this", "that", "with", "have", "from",
	"will", "please", "today", "time", "information", "message", "here",
	"more", "about", "also", "some", "what", "when", "there", "email",
	"bitte", "und", "wir", "sie", "ihre", "danke", "heute", "nicht",
};
static const char *const hamw[] = {
	"meeting", "agenda", "minutes", "patch", "release", "build",
	"firmware", "driver", "antenna", "sample", "rate", "kernel", "thanks",
	"regards", "attached", "schedule", "review", "question", "answer",
	"besprechung", "protokoll", "termin", "rückfrage", "gruß", "projekt",
	"fehler", "version", "compile", "library", "debug", "colleague",
	"thursday", "lunch", "draft", "report", "paper", "conference",
};
static const char *const spamw[] = {
	"winner", "prize", "cheap", "viagra", "casino", "bonus", "free",
	"click", "offer", "limited", "urgent", "verify", "account",
	"suspended", "gewinn", "gewinner", "gratis", "angebot", "jetzt",
	"sofort", "konto", "gesperrt", "bestätigen", "lottery", "million",
	"dollars", "investment", "crypto", "bitcoin", "pharmacy", "discount",
	"unsubscribe", "exclusive", "congratulations", "claim", "reward",
};
#define N(a)	(sizeof(a) / sizeof((a)[0]))

static const char *
pick(const char *const *v, size_t n)
{
	return v[next() % n];
}

static void
synth(struct buf *b, bool spam, int i)
{
	const char *const *own = spam ? spamw : hamw;
	const char *const *other = spam ? hamw : spamw;
	size_t nown = spam ? N(spamw) : N(hamw);
	size_t nother = spam ? N(hamw) : N(spamw);
	int w, r;

	/* The same (spam, i) always gives the same message. */
	rng = 2654435761u * (uint32_t)(i + 1) + (spam ? 97 : 13);
	buf_reset(b);
	buf_printf(b, "From: %s <%s%d@%s>\n", spam ? "Service" : "Kollege",
	    spam ? "promo" : "user", i % 17, spam ? (i % 2 ? "deals.example" :
	    "win.example") : (i % 2 ? "uni.example" : "lab.example"));
	buf_printf(b, "To: me@example.org\nSubject: %s %s\n",
	    pick(own, nown), pick(common, N(common)));
	buf_printf(b, "Message-ID: <%d.%d@%s>\nDate: Mon, 1 Jan 2024 10:00:00 "
	    "+0000\n\n", i, spam, spam ? "bulk.example" : "mail.example");
	for (w = 0; w < 60; w++) {
		r = (int)(next() % 100);
		/* Half common words, a third own, some of the other side. */
		buf_adds(b, r < 50 ? pick(common, N(common)) : r < 85 ?
		    pick(own, nown) : pick(other, nother));
		buf_addc(b, w % 12 == 11 ? '\n' : ' ');
	}
	buf_printf(b, "\nref %d-%d\n", i, spam);
}

static int
learn_buf(struct store *st, const struct buf *b, enum store_class cls,
    bool forget)
{
	struct arena *a = arena_new(0);
	struct message *m = message_parse(a, b->data, b->len, NULL);
	int r = m != NULL ? bayes_learn(st, a, m, cls, forget, NULL) : -99;

	arena_free(a);
	return r;
}

static double
classify_buf(struct store *st, const struct buf *b)
{
	struct arena *a = arena_new(0);
	struct message *m = message_parse(a, b->data, b->len, NULL);
	struct bayes_result res;
	double p = -1;

	if (m != NULL && bayes_classify(st, a, m, &res) == STORE_OK)
		p = res.prob;
	arena_free(a);
	return p;
}

static struct store *
temp_store(const char *dir, const char *name)
{
	char spec[128], err[256];
	struct store *st;

	snprintf(spec, sizeof(spec), "sqlite:%s/%s", dir, name);
	if ((st = store_open(spec, err, sizeof(err))) == NULL) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	return st;
}

static void
remove_store(const char *dir, const char *name)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
	snprintf(p, sizeof(p), "%s/%s-wal", dir, name);
	unlink(p);
	snprintf(p, sizeof(p), "%s/%s-shm", dir, name);
	unlink(p);
}

static struct scan *
scan_of(const struct config *cfg, const struct buf *b)
{
	struct scan *s = scan_new(cfg, NULL);

	s->msg = message_parse(s->arena, b->data, b->len, NULL);
	return s;
}

static void
test_learning(char *dir)
{
	struct store *st = temp_store(dir, "bayes.db"), *few;
	struct store_counts tot, tot2, before[TOKENIZE_MAX_TOKENS],
	    after[TOKENIZE_MAX_TOKENS];
	struct tokenize_set t;
	struct config cfg;
	struct buf b, crlf;
	struct scan *s;
	struct arena *a;
	struct message *m;
	size_t i, right_spam = 0, right_ham = 0, ham_fp = 0, same;
	int r, fails = 0;
	double p;

	buf_init(&b, 1 << 20);
	buf_init(&crlf, 1 << 20);
	for (i = 0; i < TRAIN; i++) {
		synth(&b, true, (int)i);
		fails += learn_buf(st, &b, STORE_SPAM, false) != STORE_OK;
		synth(&b, false, (int)i);
		fails += learn_buf(st, &b, STORE_HAM, false) != STORE_OK;
	}
	ok(fails == 0, "learned %d spam and %d ham (%d failed)", TRAIN, TRAIN,
	    fails);
	r = store_bayes_totals(st, &tot);
	ok(r == STORE_OK && tot.ham == TRAIN && tot.spam == TRAIN,
	    "totals %lld ham, %lld spam", (long long)tot.ham,
	    (long long)tot.spam);

	/* Held out: messages the classifier never saw. */
	for (i = 0; i < HELD_OUT; i++) {
		synth(&b, true, 10000 + (int)i);
		p = classify_buf(st, &b);
		right_spam += p >= BAYES_SPAM_AT;
		synth(&b, false, 10000 + (int)i);
		p = classify_buf(st, &b);
		right_ham += p >= 0 && p <= BAYES_HAM_AT;
		ham_fp += p >= BAYES_SPAM_AT;
	}
	ok(right_spam >= HELD_OUT * 9 / 10, "held-out spam recognised: "
	    "%zu of %d", right_spam, HELD_OUT);
	ok(right_ham >= HELD_OUT * 9 / 10, "held-out ham recognised: "
	    "%zu of %d", right_ham, HELD_OUT);
	is_int(ham_fp, 0, "no held-out ham called spam");

	/* Learning twice counts once, also with other line ends. */
	synth(&b, true, 3);
	is_int(learn_buf(st, &b, STORE_SPAM, false), STORE_EXISTS,
	    "relearning a message: already learned");
	buf_reset(&crlf);
	for (i = 0; i < b.len; i++) {
		if (b.data[i] == '\n')
			buf_addc(&crlf, '\r');
		buf_addc(&crlf, b.data[i]);
	}
	is_int(learn_buf(st, &crlf, STORE_SPAM, false), STORE_EXISTS,
	    "the same message with CRLF line ends is the same message");
	store_bayes_totals(st, &tot2);
	ok(tot2.spam == tot.spam && tot2.ham == tot.ham, "totals unchanged");

	/* Forget reverses exactly: the counts of a new message's tokens. */
	synth(&b, true, 20000);
	a = arena_new(0);
	m = message_parse(a, b.data, b.len, NULL);
	tokenize_init(&t, a, TOKENIZE_MAX_TOKENS);
	tokenize_message(&t, m);
	store_bayes_lookup(st, t.v, t.n, before, &tot);
	is_int(learn_buf(st, &b, STORE_SPAM, false), STORE_OK,
	    "learn one more");
	store_bayes_lookup(st, t.v, t.n, after, &tot2);
	ok(tot2.spam == tot.spam + 1 && after[0].spam == before[0].spam + 1,
	    "it counted");
	is_int(learn_buf(st, &b, STORE_SPAM, true), STORE_OK, "forget it");
	store_bayes_lookup(st, t.v, t.n, after, &tot2);
	for (same = 0, i = 0; i < t.n; i++)
		same += after[i].ham == before[i].ham &&
		    after[i].spam == before[i].spam;
	ok(same == t.n && tot2.spam == tot.spam && tot2.ham == tot.ham,
	    "forgetting restored all %zu token counts (%zu same)", t.n, same);
	is_int(learn_buf(st, &b, STORE_SPAM, true), STORE_NOT_FOUND,
	    "forgetting it again: never learned");
	arena_free(a);

	/* check_bayes through a scan. */
	memset(&cfg, 0, sizeof(cfg));
	synth(&b, true, 30000);
	s = scan_of(&cfg, &b);
	check_bayes(s->msg, s);
	ok(s->n_symbols == 0, "no store: check_bayes adds nothing");
	scan_free(s);
	cfg.store = st;
	s = scan_of(&cfg, &b);
	check_bayes(s->msg, s);
	ok(scan_has_symbol(s, "BAYES_SPAM") && s->symbols[0].nargs == 1 &&
	    strchr(s->symbols[0].args[0], '%') != NULL,
	    "spam: BAYES_SPAM with the probability (%s)",
	    s->n_symbols ? s->symbols[0].args[0] : "-");
	scan_free(s);
	synth(&b, false, 30000);
	s = scan_of(&cfg, &b);
	check_bayes(s->msg, s);
	ok(scan_has_symbol(s, "BAYES_HAM") && !scan_has_symbol(s,
	    "BAYES_SPAM"), "ham: BAYES_HAM");
	scan_free(s);

	few = temp_store(dir, "few.db");
	for (i = 0; i < 20; i++) {
		synth(&b, true, (int)i);
		learn_buf(few, &b, STORE_SPAM, false);
		synth(&b, false, (int)i);
		learn_buf(few, &b, STORE_HAM, false);
	}
	cfg.store = few;
	synth(&b, true, 30000);
	s = scan_of(&cfg, &b);
	check_bayes(s->msg, s);
	ok(s->n_symbols == 0, "too little learned: check_bayes stays quiet");
	scan_free(s);
	store_close(few);
	remove_store(dir, "few.db");

	buf_free(&b);
	buf_free(&crlf);
	store_close(st);
	remove_store(dir, "bayes.db");
}

static void
test_history(char *dir)
{
	struct store *st = temp_store(dir, "history.db"), *down;
	struct config cfg;
	struct buf b;
	struct scan *s;
	char err[256];
	int i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.store = st;
	buf_init(&b, 1 << 16);
	buf_adds(&b, "From: Alice <Alice@Example.ORG>\nSubject: hi\n\nhello\n");
	s = scan_of(&cfg, &b);
	check_history(s->msg, s);
	ok(s->n_symbols == 0, "a young history says nothing about a new "
	    "sender");
	scan_free(s);
	for (i = 0; i < 120; i++) {
		buf_reset(&b);
		buf_printf(&b, "From: <s%d@example.net>\n\nx\n", i % 60);
		s = scan_of(&cfg, &b);
		check_history(s->msg, s);
		scan_free(s);
	}
	buf_reset(&b);
	buf_adds(&b, "From: New <new@Example.COM>\n\nx\n");
	s = scan_of(&cfg, &b);
	check_history(s->msg, s);
	ok(scan_has_symbol(s, "SENDER_FIRST_SEEN") &&
	    s->symbols[0].nargs == 1 &&
	    strcmp(s->symbols[0].args[0], "new@example.com") == 0,
	    "an address never seen: SENDER_FIRST_SEEN (%s)",
	    s->n_symbols ? s->symbols[0].args[0] : "-");
	scan_free(s);
	s = scan_of(&cfg, &b);
	check_history(s->msg, s);
	ok(!scan_has_symbol(s, "SENDER_FIRST_SEEN"), "the second time not");
	scan_free(s);
	buf_reset(&b);
	buf_adds(&b, "From: <ALICE@example.org>\n\nx\n");
	s = scan_of(&cfg, &b);
	check_history(s->msg, s);
	ok(!scan_has_symbol(s, "SENDER_FIRST_SEEN"),
	    "case does not make an address new");
	scan_free(s);

	/* Known: several messages over more than a week, authenticated. */
	s = scan_of(&cfg, &b);
	s->now += 30 * 86400;
	check_history(s->msg, s);
	ok(!scan_has_symbol(s, "SENDER_KNOWN"),
	    "not authenticated: not called known");
	scan_free(s);
	s = scan_of(&cfg, &b);
	s->now += 31 * 86400;
	s->auth.dmarc = AUTH_PASS;
	check_history(s->msg, s);
	ok(scan_has_symbol(s, "SENDER_KNOWN") && s->symbols[0].nargs == 3,
	    "authenticated, written 3 times over a month: SENDER_KNOWN");
	scan_free(s);

	/* Read-only: asks, does not record. */
	store_set_readonly(st, true);
	buf_reset(&b);
	buf_adds(&b, "From: <ro@example.com>\n\nx\n");
	for (i = 0; i < 2; i++) {
		s = scan_of(&cfg, &b);
		check_history(s->msg, s);
		ok(scan_has_symbol(s, "SENDER_FIRST_SEEN"),
		    "read-only store, pass %d: still first seen", i + 1);
		scan_free(s);
	}
	store_set_readonly(st, false);

	/* A dead store is a symbol, not a crash or a silence. */
	down = store_open("redis://127.0.0.1:1/0", err, sizeof(err));
	cfg.store = down;
	s = scan_of(&cfg, &b);
	check_history(s->msg, s);
	check_bayes(s->msg, s);
	ok(scan_has_symbol(s, "STORE_UNAVAILABLE") && s->n_symbols == 1,
	    "store down: one STORE_UNAVAILABLE from both checks");
	scan_free(s);
	store_close(down);

	buf_free(&b);
	store_close(st);
	remove_store(dir, "history.db");
}

int
main(void)
{
	char dir[] = "/tmp/mt-bayes-XXXXXX";

	if (mkdtemp(dir) == NULL)
		return 1;
	test_words();
	test_message_features();
	test_combine();
	test_learning(dir);
	test_history(dir);
	rmdir(dir);
	return tap_done();
}
