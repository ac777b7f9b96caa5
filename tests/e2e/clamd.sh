#!/bin/sh
# A real clamd (Debian clamav-daemon) started here: its own clamd.conf in
# a temporary directory, a unix socket and a TCP socket on 127.0.0.1 at a
# free port, Foreground, no freshclam.  Its database is made here with
# sigtool: an MD5 signature of the EICAR test file and a SHA-256
# signature of a file of our own, so it starts in a fraction of a
# second.  Shown through `mailtrust check --clamd`:
#   - EICAR inside a zip inside a mail: AV_FOUND naming Rechnung.zip,
#     verdict malware, over the unix and the TCP socket;
#   - our own test file inside a 7z inside a mail: AV_FOUND;
#   - a clean mail: no AV symbol, not malware;
#   - a mail over clamd's 25 MB: AV_UNAVAILABLE says only its start
#     was scanned;
#   - clamd stopped (SIGSTOP, a slow clamd): the scan times out, and
#     clamd gone: connection refused; with --clamd-down tempfail the
#     action is tempfail, with --clamd-down symbol AV_UNAVAILABLE says
#     the scan could not run.  Never a silent pass.
# Usage: clamd.sh BUILD_DIR.  Prints TAP.
set -u
exe="$1/mailtrust"
zone=examples/examples.zone
n=0
fail=0
tmp=
pid=

. "$(dirname "$0")/tap.sh"

cleanup() {
	if [ -n "$pid" ]; then
		kill -CONT "$pid" 2>/dev/null
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

clamd=$(command -v clamd || echo /usr/sbin/clamd)
for t in "$clamd" sigtool python3 jq 7z; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "not ok 1 - $t is not installed (scripts/install-deps test)"
		echo "1..1"
		exit 1
	fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-clamd.XXXXXX")
mkdir "$tmp/db" "$tmp/tmp"

# The EICAR test file (eicar.org), assembled so that this script is not
# itself detected, and a harmless file of our own.
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR' \
    '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > "$tmp/eicar.com"
printf 'mailtrust clamd test payload %s\n' 4711 > "$tmp/payload.bin"
sigtool --md5 "$tmp/eicar.com" | sed 's/:[^:]*$/:Mailtrust.Test.EICAR/' \
    > "$tmp/db/test.hdb"
sigtool --sha256 "$tmp/payload.bin" |
    sed 's/:[^:]*$/:Mailtrust.Test.Payload/' > "$tmp/db/test.hsb"
[ -s "$tmp/db/test.hdb" ] && [ -s "$tmp/db/test.hsb" ] &&
    tap OK "sigtool made test.hdb and test.hsb" ||
    tap FAIL "sigtool made test.hdb and test.hsb"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$tmp/clamd.conf" <<EOF
LocalSocket $tmp/clamd.sock
TCPSocket $port
TCPAddr 127.0.0.1
Foreground yes
DatabaseDirectory $tmp/db
PidFile $tmp/clamd.pid
LogFile $tmp/clamd.log
TemporaryDirectory $tmp/tmp
Bytecode no
EOF
start=$(date +%s%N)
"$clamd" -c "$tmp/clamd.conf" >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt 100 ] && ! [ -S "$tmp/clamd.sock" ]; do
	sleep 0.1
	i=$((i + 1))
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ -S "$tmp/clamd.sock" ] && grep -q 'Loaded 2 signatures' \
    "$tmp/clamd.log"; then
	tap OK "clamd started with 2 signatures in ${ms} ms"
else
	tap FAIL "clamd started"
	sed 's/^/# /' "$tmp/clamd.log"
fi

# The mails: EICAR as Rechnung.txt in Rechnung.zip, our payload in a 7z,
# and a clean one.
(cd "$tmp" && 7z a -bd payload.7z payload.bin >/dev/null) ||
    tap FAIL "7z packed the payload"
python3 - "$tmp" <<'EOF'
import email.message, io, sys, zipfile
d = sys.argv[1]
def mail(name, mid, text, att=None, fname=None, sub='zip'):
    m = email.message.EmailMessage()
    m['From'] = 'Buchhaltung <rechnung@example.net>'
    m['To'] = 'praxis@example.org'
    m['Subject'] = 'Ihre Rechnung'
    m['Date'] = 'Mon, 23 Nov 2026 10:00:00 +0000'
    m['Message-ID'] = '<%s@example.net>' % mid
    m.set_content(text)
    if att is not None:
        m.add_attachment(att, maintype='application', subtype=sub,
                         filename=fname)
    open('%s/%s' % (d, name), 'wb').write(bytes(m))
z = io.BytesIO()
f = zipfile.ZipFile(z, 'w', zipfile.ZIP_DEFLATED)
f.write('%s/eicar.com' % d, 'Rechnung.txt')
f.close()
mail('eicar-zip.eml', 1, 'Guten Tag,\nanbei die Rechnung.\n', z.getvalue(),
     'Rechnung.zip')
mail('payload-7z.eml', 2, 'Hallo,\nanbei.\n',
     open('%s/payload.7z' % d, 'rb').read(), 'Daten.7z', 'x-7z-compressed')
mail('clean.eml', 3, 'Guten Tag,\ndie Rechnung kommt morgen.\n')
EOF

# check MAIL SOCKET [OPTIONS] -> "verdict action AV-symbols(evidence)"
check() {
	m=$1
	s=$2
	shift 2
	"$exe" check --json --zone "$zone" --clamd "$s" "$@" "$tmp/$m" |
	    jq -r '[.verdict, .action, (.symbols[] | select(.name |
	    startswith("AV_")) | .name + "(" + (.evidence | join("|")) +
	    ")")] | join(" ")'
}

expect() {	# expect WHAT GOT WANT
	if [ "$2" = "$3" ]; then
		tap OK "$1: $2"
	else
		tap FAIL "$1"
		echo "#   got:  $2"
		echo "#   want: $3"
	fi
}

unix="unix:$tmp/clamd.sock"
inet="inet:$port@127.0.0.1"
expect "EICAR in a zip in a mail (unix socket)" \
    "$(check eicar-zip.eml "$unix")" \
    "malware reject AV_FOUND(Mailtrust.Test.EICAR.UNOFFICIAL|Rechnung.zip)"
expect "EICAR in a zip in a mail (TCP)" \
    "$(check eicar-zip.eml "$inet")" \
    "malware reject AV_FOUND(Mailtrust.Test.EICAR.UNOFFICIAL|Rechnung.zip)"
expect "our own signature in a 7z" "$(check payload-7z.eml "$unix")" \
    "malware reject AV_FOUND(Mailtrust.Test.Payload.UNOFFICIAL|Daten.7z)"
expect "a clean mail passes" "$(check clean.eml "$unix")" \
    "unverified accept"
out=$("$exe" check --zone "$zone" --lang de --clamd "$unix" \
    "$tmp/eicar-zip.eml")
echo "$out" | grep -q 'Der Virenscanner hat die Schadsoftware' &&
    tap OK "German explanation names the signature and the file" ||
    tap FAIL "German explanation names the signature and the file"
"$exe" check --zone "$zone" --clamd "$unix" "$tmp/clean.eml" \
    "$tmp/eicar-zip.eml" "$tmp/clean.eml" "$tmp/payload-7z.eml" \
    >/dev/null 2>&1
rc=$?
[ $rc -eq 5 ] && tap OK "four mails in one process (sessions reused): exit 5" ||
    tap FAIL "four mails in one process: exit $rc"

# A message over the 25 MB clamd takes: its start is scanned, and the
# verdict says the rest was not (no tempfail: a retry would not help).
python3 - "$tmp" <<'EOF'
import sys
d = sys.argv[1]
with open('%s/big.eml' % d, 'w') as f:
    f.write('From: <a@example.net>\nTo: <b@example.org>\nSubject: big\n'
            'Date: Mon, 23 Nov 2026 10:00:00 +0000\n'
            'Message-ID: <big@example.net>\n\n')
    line = 'x' * 75 + '\n'
    for _ in range(26 * 1000 * 1000 // 76):
        f.write(line)
EOF
expect "a 26 MB message" "$(check big.eml "$unix" | cut -d' ' -f3-)" \
    "AV_UNAVAILABLE(only the first 24999999 bytes were scanned)"

# A slow clamd: stopped, it accepts connections but never answers.
kill -STOP "$pid"
t0=$(date +%s)
got=$(check clean.eml "$unix" --clamd-down symbol)
t1=$(date +%s)
expect "slow clamd, policy symbol" "$got" \
    "unverified accept AV_UNAVAILABLE(clamd timed out)"
[ $((t1 - t0)) -le 15 ] && tap OK "the timeout held ($((t1 - t0)) s)" ||
    tap FAIL "the timeout held ($((t1 - t0)) s)"
kill -CONT "$pid"
expect "clamd answers again" "$(check eicar-zip.eml "$inet")" \
    "malware reject AV_FOUND(Mailtrust.Test.EICAR.UNOFFICIAL|Rechnung.zip)"

# clamd gone.
kill "$pid"
wait "$pid" 2>/dev/null
pid=
expect "clamd down, policy tempfail (unix)" \
    "$(check eicar-zip.eml "$unix" --clamd-down tempfail | cut -d' ' -f2)" \
    "tempfail"
expect "clamd down, policy tempfail (TCP)" \
    "$(check clean.eml "$inet" --clamd-down tempfail | cut -d' ' -f2)" \
    "tempfail"
expect "clamd down, policy symbol" \
    "$(check clean.eml "$inet" --clamd-down symbol)" \
    "unverified accept AV_UNAVAILABLE(connection refused)"
expect "clamd down, default policy (tempfail)" \
    "$(check clean.eml "$unix" | cut -d' ' -f2-)" \
    "tempfail AV_UNAVAILABLE(connection refused)"
expect "a bad clamd address" \
    "$(check clean.eml "tcp:localhost" --clamd-down symbol | cut -d' ' -f3)" \
    "AV_UNAVAILABLE(clamd"
echo "1..$n"
[ $fail -eq 0 ]
