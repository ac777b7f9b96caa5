#!/bin/sh
# Two mailtrust processes sharing one store learn from each other: a
# redis-server started here on 127.0.0.1 at a free port (its own
# temporary directory), and, for comparison, one SQLite file.  Process A
# learns spam while process B learns ham, at the same time; each then
# sees the other's counts and classifies unseen mail with what the other
# taught.  Both learning the same messages at once count them once;
# forgetting and relearning as the other class are seen by both.  The
# messages are synthetic (written by this script), never the corpus.
# Usage: learn_shared.sh BUILD_DIR.  Prints TAP.
set -u
exe="$1/mailtrust"
n=0
fail=0
tmp=

. "$(dirname "$0")/tap.sh"

. "$(dirname "$0")/redis.sh"

cleanup() {
	redis_stop
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

redis_require
if [ ! -x "$exe" ]; then
	echo "not ok 1 - $exe not built"
	echo "1..1"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-learn.XXXXXX")

# Synthetic mail: ham about lab work, spam about prizes, some shared
# words, each message different.  Sets: spam/, ham/ (the two learners),
# both/ (learned by both at once), new-spam.eml, new-ham.eml (unseen).
python3 - "$tmp" <<'EOF'
import os, random, sys
out = sys.argv[1]
rnd = random.Random(5322)
common = ('the and you your this that with have from will please today '
          'time message here more about also bitte und wir sie').split()
ham = ('meeting agenda minutes patch release build firmware driver antenna '
       'sample rate kernel thanks regards attached schedule review '
       'besprechung protokoll termin projekt fehler version').split()
spam = ('winner prize cheap casino bonus free click offer limited urgent '
        'verify account suspended gewinn gratis angebot jetzt sofort konto '
        'lottery million dollars claim reward').split()
def message(kind, i):
    own, other = (spam, ham) if kind == 'spam' else (ham, spam)
    words = []
    for _ in range(60):
        r = rnd.random()
        words.append(rnd.choice(common if r < .5 else own if r < .88
                                else other))
    dom = 'deals.example' if kind == 'spam' else 'lab.example'
    return ('From: <%s%d@%s>\nTo: <me@example.org>\nSubject: %s %s\n'
            'Message-ID: <%s.%d@%s>\n\n%s\nref %s %d\n' %
            (kind, i % 7, dom, rnd.choice(own), rnd.choice(common), kind, i,
             dom, ' '.join(words), kind, i))
def write(path, text):
    with open(path, 'w') as fp:
        fp.write(text)
for d in ('spam', 'ham', 'both'):
    os.mkdir(os.path.join(out, d))
for i in range(40):
    write('%s/spam/%03d.eml' % (out, i), message('spam', i))
    write('%s/ham/%03d.eml' % (out, i), message('ham', i))
for i in range(10):
    write('%s/both/%03d.eml' % (out, i), message('spam', 100 + i))
write(out + '/new-spam.eml', message('spam', 999))
write(out + '/new-ham.eml', message('ham', 999))
EOF

redis_start "$tmp"
port=$redis_port

# stat SPEC KEY -> the number after "KEY: " in learn --stats
stat() {
	"$exe" learn --store "$1" --stats 2>/dev/null |
	    sed -n "s/^$2: \([0-9]*\).*/\1/p"
}

# prob SPEC FILE -> the spam probability process B gives
prob() {
	"$exe" learn --store "$1" --classify "$2" 2>/dev/null | cut -f1
}

shared() {	# shared LABEL SPEC
	label=$1
	spec=$2

	# A learns spam while B learns ham, at the same time.
	"$exe" learn --store "$spec" --spam "$tmp/spam" 2>"$tmp/a.err" &
	a=$!
	"$exe" learn --store "$spec" --ham "$tmp/ham" 2>"$tmp/b.err" &
	b=$!
	wait $a
	ra=$?
	wait $b
	rb=$?
	[ $ra -eq 0 ] && [ $rb -eq 0 ] &&
	    tap OK "$label: A learns spam while B learns ham" ||
	    tap FAIL "$label: learners exited $ra, $rb: $(cat "$tmp/a.err" \
		"$tmp/b.err")"
	h=$(stat "$spec" "learned ham")
	s=$(stat "$spec" "learned spam")
	[ "$h" = 40 ] && [ "$s" = 40 ] &&
	    tap OK "$label: a third process sees both: 40 ham, 40 spam" ||
	    tap FAIL "$label: sees ham=$h spam=$s, want 40 and 40"

	# Unseen mail, judged with what the other process taught.
	p=$(prob "$spec" "$tmp/new-spam.eml")
	awk -v p="$p" 'BEGIN { exit !(p >= 0.9) }' &&
	    tap OK "$label: unseen spam judged by A's lessons ($p)" ||
	    tap FAIL "$label: unseen spam got '$p'"
	p=$(prob "$spec" "$tmp/new-ham.eml")
	awk -v p="$p" 'BEGIN { exit !(p <= 0.1) }' &&
	    tap OK "$label: unseen ham judged by B's lessons ($p)" ||
	    tap FAIL "$label: unseen ham got '$p'"

	# Both learn the same ten messages at once: counted once.
	"$exe" learn --store "$spec" --spam "$tmp/both" 2>"$tmp/a.err" &
	a=$!
	"$exe" learn --store "$spec" --spam "$tmp/both" 2>"$tmp/b.err" &
	b=$!
	wait $a
	wait $b
	s=$(stat "$spec" "learned spam")
	[ "$s" = 50 ] &&
	    tap OK "$label: the same 10 learned by both at once count once" ||
	    tap FAIL "$label: spam=$s after both learned 10, want 50"
	cat "$tmp/a.err" "$tmp/b.err" | grep -o '[0-9]* known already' |
	    awk '{ k += $1 } END { exit !(k == 10) }' &&
	    tap OK "$label: between them they found all 10 known already" ||
	    tap FAIL "$label: known-already counts: $(cat "$tmp/a.err" \
		"$tmp/b.err")"

	# B forgets what A learned; A relearns one of B's as spam.
	"$exe" learn --store "$spec" --forget "$tmp/both" 2>/dev/null
	s=$(stat "$spec" "learned spam")
	[ "$s" = 40 ] && tap OK "$label: B forgets A's ten: 40 spam again" ||
	    tap FAIL "$label: spam=$s after forgetting, want 40"
	"$exe" learn --store "$spec" --spam "$tmp/ham/000.eml" 2>/dev/null
	h=$(stat "$spec" "learned ham")
	s=$(stat "$spec" "learned spam")
	[ "$h" = 39 ] && [ "$s" = 41 ] &&
	    tap OK "$label: relearning B's ham as spam moves it (39, 41)" ||
	    tap FAIL "$label: ham=$h spam=$s after moving one, want 39, 41"
}

shared redis "redis://127.0.0.1:$port/0?prefix=learn:"
shared sqlite "sqlite:$tmp/shared.db"

echo "1..$n"
[ $fail -eq 0 ]
