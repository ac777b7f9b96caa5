#!/bin/sh
# SPF, DKIM and DMARC through real DNS: starts Debian's knot on 127.0.0.1
# at a free port, authoritative for a few .example zones written here (SPF
# with include, exists and macros, a DKIM key made for this run, DMARC
# records with sp=, np= and t=y), and runs `mailtrust check --json
# --dns-server` (the libunbound backend) over messages written here, and
# the administrators' `mailtrust spf` and `mailtrust dmarc` the same way.
# Then the same messages against a UDP port that swallows every query and
# against a port where nothing listens: SPF, DKIM and DMARC must say
# temperror there, never pass or none, and every message must still get
# a verdict.  Nothing leaves 127.0.0.1.
# Usage: realdns.sh BUILD_DIR.  Prints TAP.
set -u
exe="$1/mailtrust"
n=0
fail=0
tmp=
knot_pid=
bh_pid=

. "$(dirname "$0")/tap.sh"

cleanup() {
	[ -n "$knot_pid" ] && kill "$knot_pid" 2>/dev/null
	[ -n "$bh_pid" ] && kill "$bh_pid" 2>/dev/null
	[ -n "$knot_pid" ] && wait "$knot_pid" 2>/dev/null
	[ -n "$bh_pid" ] && wait "$bh_pid" 2>/dev/null
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

knotd=$(command -v knotd || echo /usr/sbin/knotd)
for tool in "$knotd" openssl jq /usr/bin/python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "not ok 1 - $tool is not installed (scripts/install-deps test)"
		echo "1..1"
		exit 1
	fi
done
if [ ! -x "$exe" ]; then
	echo "not ok 1 - $exe not built"
	echo "1..1"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-realdns.XXXXXX")

# Free ports on 127.0.0.1, chosen by the kernel (a small race only).
free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# A black hole: holds a UDP and a TCP port and never answers.
/usr/bin/python3 -c 'import socket, sys, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.bind(("127.0.0.1", u.getsockname()[1]))
t.listen(16)
with open(sys.argv[1], "w") as f:
    print(u.getsockname()[1], file=f)
time.sleep(300)' "$tmp/bh.port" &
bh_pid=$!

# ---------------------------------------------------------------- keys
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$tmp/rt.pem" 2>/dev/null
pub=$(openssl pkey -in "$tmp/rt.pem" -pubout -outform DER 2>/dev/null |
    base64 -w0)
if [ -z "$pub" ]; then
	echo "not ok 1 - openssl could not make a DKIM key"
	echo "1..1"
	exit 1
fi
# TXT character-strings hold at most 255 bytes (RFC 1035 3.3.14).
dkim_txt=$(printf 'v=DKIM1; k=rsa; p=%s' "$pub" |
    sed -e 's/.\{200\}/&\n/g' | sed -e 's/.*/"&"/' | tr '\n' ' ')

# --------------------------------------------------------------- zones
soa() {	# soa ZONE
	printf '$ORIGIN %s.\n$TTL 300\n' "$1"
	printf '@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n' "$1" "$1"
	printf '@ IN NS ns.%s.\nns IN A 127.0.0.1\n' "$1"
}

# good.example: the domain whose mail is genuine; a subtree for the walk.
{
	soa good.example
	cat <<EOF
@ IN A 192.0.2.1
@ IN MX 10 mx
mx IN A 192.0.2.25
@ IN TXT "v=spf1 ip4:192.0.2.10 mx include:_spf.relay.example -all exp=why.%{d}"
why IN TXT "%{i} is not a mail server of %{d}"
_dmarc IN TXT "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=r; aspf=r"
rt._domainkey IN TXT $dkim_txt
news.dept IN A 192.0.2.44
news.dept IN TXT "v=spf1 a -all"
EOF
} > "$tmp/good.example.zone"

# relay.example: an include chain with exists: and macros (RFC 7208 5.7, 7).
{
	soa relay.example
	cat <<'EOF'
_spf IN TXT "v=spf1 exists:%{ir}.%{l1r-}._ok.relay.example redirect=_r.relay.example"
7.100.51.198.bounces._ok IN A 127.0.0.2
_r IN TXT "v=spf1 ip4:198.51.100.128/25 ~all"
@ IN TXT "v=spf1 redirect=_spf.relay.example"
EOF
} > "$tmp/relay.example.zone"

# testmode.example: p=reject published in test mode (RFC 9989 t=y).
{
	soa testmode.example
	cat <<'EOF'
@ IN A 192.0.2.2
@ IN TXT "v=spf1 ip4:192.0.2.11 -all"
_dmarc IN TXT "v=DMARC1; p=reject; t=y"
EOF
} > "$tmp/testmode.example.zone"

# example.: the parent, so that the tree walk's query for _dmarc.example
# gets NXDOMAIN as from a real TLD (the children are served here too).
soa example > "$tmp/example.zone"

# -------------------------------------------------------------- server
port=$(free_port)
cat > "$tmp/knot.conf" <<EOF
server:
    rundir: "$tmp"
    listen: 127.0.0.1@$port
database:
    storage: "$tmp/db"
log:
  - target: "$tmp/knot.log"
    any: info
template:
  - id: default
    storage: "$tmp"
    file: "%s.zone"
    journal-content: none
    zonefile-sync: -1
zone:
  - domain: example
  - domain: good.example
  - domain: relay.example
  - domain: testmode.example
EOF
"$knotd" -c "$tmp/knot.conf" 2>>"$tmp/knot.log" &
knot_pid=$!

srv="127.0.0.1@$port"
ready=no
i=0
while [ $i -lt 50 ]; do
	if "$exe" dig --server "$srv" --timeout 300 good.example SOA \
	    >/dev/null 2>&1; then
		ready=yes
		break
	fi
	kill -0 "$knot_pid" 2>/dev/null || break
	sleep 0.2
	i=$((i + 1))
done
if [ $ready != yes ]; then
	echo "not ok 1 - knotd did not answer on $srv"
	sed -e 's/^/# /' "$tmp/knot.log"
	echo "1..1"
	exit 1
fi
tap OK "knotd answers on $srv"

# ------------------------------------------------------------ messages
msg() {	# msg NAME FROM SUBJECT
	cat > "$tmp/$1.eml" <<EOF
From: Sender <$2>
To: Reception <empfang@praxis-example.de>
Subject: $3
Date: Mon, 23 Nov 2026 10:00:00 +0000
Message-ID: <$1@realdns.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello, the lab results for next week are ready as agreed.
Regards
EOF
}
msg plain alice@good.example "Lab results"
msg news letter@news.dept.good.example "Newsletter"
msg ghost someone@ghost.good.example "Invoice"
msg testmode bob@testmode.example "Meeting"
msg relayed carol@good.example "Forwarded"
msg outside dave@outside.org "Hello"
if ! "$exe" sign --domain good.example --selector rt --key "$tmp/rt.pem" \
    --time 1795000000 "$tmp/plain.eml" > "$tmp/signed.eml" 2>"$tmp/sign.err"
then
	tap FAIL "mailtrust sign (see $tmp/sign.err)"
fi

# check NAME FILE IP MAILFROM [SERVER]: the JSON object in $tmp/NAME.json
check() {
	"$exe" check --json --dns-server "${5:-$srv}" --ip "$3" \
	    --helo mx.sender.example --mail-from "$4" \
	    --rcpt empfang@praxis-example.de "$2" > "$tmp/$1.json" \
	    2>"$tmp/$1.err"
	echo $? > "$tmp/$1.rc"
}

field() {	# field NAME JQ-EXPR
	jq -r "$2" "$tmp/$1.json" 2>/dev/null
}

has_symbol() {	# has_symbol NAME SYMBOL
	jq -e --arg s "$2" '[.symbols[].name] | index($s) != null' \
	    "$tmp/$1.json" >/dev/null 2>&1
}

expect_auth() {	# expect_auth NAME SPF DKIM DMARC description
	got=$(field "$1" '"\(.auth.spf) \(.auth.dkim) \(.auth.dmarc)"')
	if [ "$got" = "$2 $3 $4" ]; then
		tap OK "$5: spf=$2 dkim=$3 dmarc=$4"
	else
		tap FAIL "$5: want spf=$2 dkim=$3 dmarc=$4, got '$got'"
		sed -e 's/^/# /' "$tmp/$1.err"
	fi
}

expect_symbol() {	# expect_symbol NAME SYMBOL description
	if has_symbol "$1" "$2"; then
		tap OK "$3: $2"
	else
		tap FAIL "$3: no $2 in $(field "$1" '[.symbols[].name]|join(",")')"
	fi
}

expect_verdict() {	# expect_verdict NAME description
	rc=$(cat "$tmp/$1.rc")
	v=$(field "$1" .verdict)
	if [ "$rc" -ge 0 ] && [ "$rc" -le 5 ] && [ -n "$v" ] &&
	    [ "$v" != null ]; then
		tap OK "$2: verdict $v (exit $rc)"
	else
		tap FAIL "$2: no verdict (exit $rc)"
		sed -e 's/^/# /' "$tmp/$1.err"
	fi
}

# Genuine mail: every method passes through the server.
check pass "$tmp/signed.eml" 192.0.2.10 alice@good.example
expect_auth pass pass pass pass "signed mail from the listed address"
expect_symbol pass DMARC_PASS "signed mail from the listed address"
ar=$(field pass .auth.authentication_results)
case "$ar" in
*"header.d=good.example"*"header.from=good.example"*)
	tap OK "Authentication-Results names d= and From: $ar" ;;
*)	tap FAIL "Authentication-Results: '$ar'" ;;
esac

# The mx mechanism: an MX and its A record from the server.
check mx "$tmp/plain.eml" 192.0.2.25 alice@good.example
expect_auth mx pass none pass "unsigned mail from good.example's MX"

# A forgery of the same author from elsewhere.
check forged "$tmp/plain.eml" 203.0.113.66 alice@good.example
expect_auth forged fail none fail "forged good.example mail"
expect_symbol forged DMARC_FAIL_REJECT "forged good.example mail, p=reject"
expect_verdict forged "forged good.example mail"

# include: -> redirect= -> exists: with %{ir} and %{l1r-} macros.
check relay "$tmp/relayed.eml" 198.51.100.7 bounces@relay.example
expect_auth relay pass none fail \
    "relay.example include/exists/macros pass, not aligned with good.example"
check relay2 "$tmp/relayed.eml" 198.51.100.50 bounces@relay.example
expect_auth relay2 softfail none fail \
    "relay.example redirect= to ~all for an unlisted address"

# Tree walk: news.dept.good.example has no _dmarc; good.example's sp= applies.
check walk "$tmp/news.eml" 192.0.2.44 letter@news.dept.good.example
expect_auth walk pass none pass "subdomain found its policy by the tree walk"
check walkfail "$tmp/news.eml" 203.0.113.66 letter@news.dept.good.example
expect_auth walkfail fail none fail "forged subdomain mail"
expect_symbol walkfail DMARC_FAIL_QUARANTINE \
    "forged subdomain mail gets sp=quarantine"

# np=: a From domain that does not exist at all.
check ghost "$tmp/ghost.eml" 203.0.113.66 someone@ghost.good.example
expect_symbol ghost DMARC_FAIL_REJECT "non-existent subdomain gets np=reject"

# t=y: p=reject in test mode is applied one step milder.
check testmode "$tmp/testmode.eml" 203.0.113.66 bob@testmode.example
expect_auth testmode fail none fail "testmode.example forged"
expect_symbol testmode DMARC_FAIL_QUARANTINE "t=y lowers reject to quarantine"
case "$(field testmode .auth.authentication_results)" in
*"t=y"*) tap OK "t=y shown in Authentication-Results" ;;
*)	tap FAIL "t=y missing: $(field testmode .auth.authentication_results)" ;;
esac

# A domain the server refuses (not one of its zones): an error, not none.
check refused "$tmp/outside.eml" 203.0.113.66 dave@outside.org
expect_auth refused temperror none temperror "a name the server refuses"
expect_verdict refused "a name the server refuses"

# The administrators' tools over the same server.
spf_json() {	# spf_json SERVER IP SENDER -> JSON on stdout
	"$exe" spf --json --dns-server "$1" --ip "$2" --sender "$3" \
	    2>>"$tmp/tools.err"
}
j=$(spf_json "$srv" 198.51.100.7 bounces@relay.example)
if [ "$(echo "$j" | jq -r .result)" = pass ]; then
	tap OK "mailtrust spf: relay.example pass ($(echo "$j" |
	    jq -r '"\(.lookups) lookups, \(.mechanism)"'))"
else
	tap FAIL "mailtrust spf relay.example: $j"
fi
j=$(spf_json "$srv" 203.0.113.66 alice@good.example)
if [ "$(echo "$j" | jq -r .result)" = fail ] &&
    [ "$(echo "$j" | jq -r .explanation)" = \
    "203.0.113.66 is not a mail server of good.example" ]; then
	tap OK "mailtrust spf: fail with the exp= text: $(echo "$j" |
	    jq -r .explanation)"
else
	tap FAIL "mailtrust spf good.example forged: $j"
fi
j=$("$exe" dmarc --json --dns-server "$srv" \
    --spf none:ghost.good.example "$tmp/ghost.eml" 2>>"$tmp/tools.err")
got=$(echo "$j" | jq -r '"\(.result) \(.policy_tag) \(.disposition) \(.org_domain)"')
if [ "$got" = "fail np reject good.example" ]; then
	tap OK "mailtrust dmarc: non-existent subdomain, np=reject, org good.example"
else
	tap FAIL "mailtrust dmarc ghost: '$got'"
fi

# ------------------------------------------- servers that do not answer
i=0
while [ ! -s "$tmp/bh.port" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
bh="127.0.0.1@$(cat "$tmp/bh.port" 2>/dev/null)"
t0=$(date +%s)
check silent "$tmp/signed.eml" 192.0.2.10 alice@good.example "$bh"
t1=$(date +%s)
expect_auth silent temperror temperror temperror \
    "server that never answers ($((t1 - t0)) s)"
expect_symbol silent DMARC_TEMPERROR "server that never answers"
expect_verdict silent "server that never answers"
if [ "$(field silent .verdict)" != authenticated ]; then
	tap OK "no answer is not authenticated"
else
	tap FAIL "no answer gave authenticated"
fi

j=$(spf_json "$bh" 192.0.2.10 alice@good.example)
if [ "$(echo "$j" | jq -r .result)" = temperror ]; then
	tap OK "mailtrust spf: no answer is temperror"
else
	tap FAIL "mailtrust spf with no answer: $j"
fi
j=$("$exe" dmarc --json --dns-server "$bh" --spf pass:good.example \
    "$tmp/plain.eml" 2>>"$tmp/tools.err")
if [ "$(echo "$j" | jq -r .result)" = temperror ]; then
	tap OK "mailtrust dmarc: no answer is temperror"
else
	tap FAIL "mailtrust dmarc with no answer: $j"
fi

dead="127.0.0.1@$(free_port)"
check dead "$tmp/signed.eml" 192.0.2.10 alice@good.example "$dead"
expect_auth dead temperror temperror temperror "nothing listens at $dead"
expect_verdict dead "nothing listens at $dead"

echo "1..$n"
[ $fail -eq 0 ]
