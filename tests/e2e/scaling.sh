#!/bin/sh
# scaling.sh - catches a quadratic path: for each axis of a message
# (headers, MIME parts, links, body size) builds one message at 1x and
# one at 10x, runs the whole pipeline on both with bench/bench_loop and
# checks that 10x the input costs at most MAX_RATIO times as much.  A
# linear path gives about 10x, a quadratic one about 100x.
#
# The cost is counted in instructions with callgrind where valgrind can
# run the binary (stable from run to run); a sanitizer build cannot run
# under valgrind, so there it is the median wall time of several runs,
# and a ratio over the limit is measured again before it counts.
# Usage: scaling.sh BUILD_DIR.  Prints TAP.
set -u
loop="$1/bench/bench_loop"
MAX_RATIO=15
n=0
fail=0

. "$(dirname "$0")/tap.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-scaling.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ ! -x "$loop" ]; then
	tap FAIL "bench_loop built" "$loop is missing"
	echo "1..$n"
	exit 1
fi

# The zone the synthetic sender's SPF and DMARC come from.
cat > "$tmp/zone" <<'EOF'
$TTL 3600
bench.test. IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc.bench.test. IN TXT "v=DMARC1; p=reject; adkim=r; aspf=r"
EOF

# AXIS SCALE OUT: a message that grows along one axis with SCALE.
/usr/bin/python3 - "$tmp" <<'EOF'
import os, sys

tmp = sys.argv[1]
TEXT = ('Sehr geehrte Damen und Herren, anbei die Unterlagen zur '
        'Abrechnung des Quartals. Bitte pruefen Sie die Angaben. ')


def head(extra=''):
    return ('Received: from mail.bench.test (mail.bench.test [192.0.2.25])'
            '\r\n\tby mx.praxis.test with ESMTP id s; '
            'Wed, 18 Nov 2026 11:06:40 -0000\r\n' + extra +
            'From: Bench Sender <sender@bench.test>\r\n'
            'To: <empfang@praxis.test>\r\nSubject: Unterlagen\r\n'
            'Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n'
            'Message-ID: <scale@bench.test>\r\nMIME-Version: 1.0\r\n')


def html(body):
    return ('Content-Type: text/html; charset=utf-8\r\n\r\n'
            '<html><body>\r\n' + body + '\r\n</body></html>\r\n')


def headers(k):
    extra = ''
    for i in range(40 * k):
        extra += ('Received: from relay%d.bench.test (relay%d.bench.test '
                  '[192.0.2.%d])\r\n\tby relay.bench.test with ESMTP id '
                  'r%d; Wed, 18 Nov 2026 11:06:40 -0000\r\n' %
                  (i, i, i % 250 + 1, i))
        extra += 'X-Trace-%d: %s\r\n' % (i, 'abc' * 10)
    return head(extra) + html('<p>' + TEXT + '</p>')


def parts(k):
    b = 'scale-boundary'
    out = head() + 'Content-Type: multipart/mixed; boundary="%s"\r\n\r\n' % b
    for i in range(20 * k):
        out += ('--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
                'Teil %d. %s\r\n' % (b, i, TEXT))
    return out + '--%s--\r\n' % b


def links(k):
    body = ''
    for i in range(30 * k):
        body += ('<p><a href="https://site%d.example.org/p?i=%d">Seite %d'
                 '</a> %s</p>\r\n' % (i, i, i, TEXT[:40]))
    return head() + html(body)


def body(k):
    text = ''
    while len(text) < 20000 * k:
        text += '<p>' + TEXT + '</p>\r\n'
    return head() + html(text)


for name, make in (('headers', headers), ('parts', parts),
                   ('links', links), ('body', body)):
    for k in (1, 10):
        with open(os.path.join(tmp, '%s-%d.eml' % (name, k)), 'wb') as f:
            f.write(make(k).encode())
EOF

# Whether callgrind can run this binary (not under a sanitizer).
method=us
if command -v valgrind >/dev/null 2>&1 &&
    valgrind --tool=callgrind --callgrind-out-file="$tmp/probe.out" \
    "$loop" --zone "$tmp/zone" --iterations 1 "$tmp/body-1.eml" \
    >/dev/null 2>&1; then
	method=instructions
fi
echo "# cost counted in $method (instructions: callgrind; us: median time)"

# cost FILE: instructions of scan_message, or the median microseconds.
cost() {
	if [ "$method" = instructions ]; then
		valgrind --tool=callgrind --toggle-collect=scan_message \
		    --callgrind-out-file="$tmp/cg.out" "$loop" \
		    --zone "$tmp/zone" --iterations 1 "$1" >/dev/null 2>&1 ||
		    return 1
		sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$tmp/cg.out" |
		    head -n 1
	else
		"$loop" --zone "$tmp/zone" --iterations 7 "$1" 2>/dev/null |
		    awk '{ printf "%d\n", $4 }'
	fi
}

# ratio SMALL BIG: "ratio small big" with the ratio to one decimal.
ratio() {
	s=$(cost "$1") && b=$(cost "$2") || return 1
	[ -n "$s" ] && [ -n "$b" ] && [ "$s" -gt 0 ] || return 1
	awk -v s="$s" -v b="$b" 'BEGIN { printf "%.1f %d %d\n", b / s, s, b }'
}

for axis in headers parts links body; do
	small="$tmp/$axis-1.eml"
	big="$tmp/$axis-10.eml"
	tries=1
	[ "$method" = us ] && tries=3
	ok=0
	r=
	while [ "$tries" -gt 0 ]; do
		tries=$((tries - 1))
		if ! r=$(ratio "$small" "$big"); then
			r=
			break
		fi
		if awk -v r="${r%% *}" -v m="$MAX_RATIO" \
		    'BEGIN { exit !(r <= m) }'; then
			ok=1
			break
		fi
	done
	set -- $r
	if [ -z "$r" ]; then
		tap FAIL "$axis: 10x input measured" "bench_loop failed"
	elif [ "$ok" = 1 ]; then
		tap OK "$axis: 10x input costs ${1}x ($2 -> $3 $method)"
	else
		tap FAIL "$axis: 10x input costs ${1}x, over ${MAX_RATIO}x" \
		    "$2 -> $3 $method"
	fi
done

echo "1..$n"
[ "$fail" -eq 0 ]
