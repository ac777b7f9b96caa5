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
# a verdict.  Last, the resolver's answer cache (dns_unbound.c), through
# tests/unit/dns_cache_probe asking one resolver while the server is
# stopped, continued and given a zone it lacked.  Nothing leaves
# 127.0.0.1.
# Usage: realdns.sh BUILD_DIR.  Prints TAP.
set -u
exe="$1/mailtrust"
n=0
fail=0
tmp=
knot_pid=
bh_pid=
probe_pid=

. "$(dirname "$0")/tap.sh"

cleanup() {
	# A stopped knotd would not act on its SIGTERM.
	[ -n "$knot_pid" ] && kill -CONT "$knot_pid" 2>/dev/null
	[ -n "$knot_pid" ] && kill "$knot_pid" 2>/dev/null
	[ -n "$probe_pid" ] && kill "$probe_pid" 2>/dev/null
	[ -n "$bh_pid" ] && kill "$bh_pid" 2>/dev/null
	[ -n "$knot_pid" ] && wait "$knot_pid" 2>/dev/null
	[ -n "$bh_pid" ] && wait "$bh_pid" 2>/dev/null
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

knotd=$(command -v knotd || echo /usr/sbin/knotd)
knotc=$(command -v knotc || echo /usr/sbin/knotc)
for tool in "$knotd" "$knotc" openssl jq /usr/bin/python3; do
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
. "$(dirname "$0")/net.sh"

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
long.cache IN A 192.0.2.60
short.cache 1 IN A 192.0.2.61
cap.cache 86400 IN A 192.0.2.62
*.fill.cache IN A 192.0.2.63
*.race.cache IN A 192.0.2.64
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
port=$(free_port udp)
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
  # No zone file until the cache tests write one: SERVFAIL until then.
  - domain: later.example
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

dead="127.0.0.1@$(free_port udp)"
check dead "$tmp/signed.eml" 192.0.2.10 alice@good.example "$dead"
expect_auth dead temperror temperror temperror "nothing listens at $dead"
expect_verdict dead "nothing listens at $dead"

# ---------------------------------------------------- the answer cache
# The probe answers each question with "STATUS TTL SENT", SENT being
# how many questions went to libunbound so far: an answer that sent
# nothing new came from our cache.  libunbound's own cache would answer
# too with the server stopped, so the count is what tells them apart.
probe="$1/tests/unit/dns_cache_probe"
probe_lines=0
sent=0
ask() {	# ask QUESTION: sets got, st, ttl (0: none) and new (sent by it)
	echo "$*" >&3
	probe_lines=$((probe_lines + 1))
	i=0
	while [ "$(wc -l < "$tmp/probe.out")" -lt $probe_lines ] &&
	    [ $i -lt 600 ] && kill -0 "$probe_pid" 2>/dev/null; do
		sleep 0.05
		i=$((i + 1))
	done
	got=$(sed -n "${probe_lines}p" "$tmp/probe.out")
	st=${got%% *}
	ttl=${got#* }
	ttl=${ttl%% *}
	case $ttl in
	''|*[!0-9]*) ttl=0 ;;
	esac
	case ${got##* } in
	''|*[!0-9]*) new=-1 ;;
	*) new=$((${got##* } - sent)); sent=${got##* } ;;
	esac
}
# until_ok MAX QUESTION: asks every 0.5 s until the answer is ok, at
# most MAX times; sets tries, and resent=no unless each one was sent.
until_ok() {
	max=$1
	shift
	tries=0
	resent=yes
	while [ $tries -lt "$max" ]; do
		ask "$@"
		tries=$((tries + 1))
		[ "$new" = 1 ] || resent=no
		[ "$st" = ok ] && break
		sleep 0.5
	done
}
# expect_ttl LOW HIGH DESCRIPTION: the last answer came from the cache
# with a TTL between LOW and HIGH.
expect_ttl() {
	if [ "$st $new" = "ok 0" ] && [ "$ttl" -ge "$1" ] &&
	    [ "$ttl" -le "$2" ]; then
		tap OK "$3"
	else
		tap FAIL "$3: want ok with TTL $1..$2, 0 sent" \
		    "got '$got', $new sent"
	fi
}
expect() {	# expect STATUS NEW DESCRIPTION: judges the last answer
	if [ "$st" = "$1" ] && [ "$new" = "$2" ]; then
		tap OK "$3"
	else
		tap FAIL "$3: want $1 with $2 sent, got $st with $new sent" \
		    "$got$(cat "$tmp/probe.err")"
	fi
}

if [ -x "$probe" ]; then
	mkfifo "$tmp/probe.in"
	: > "$tmp/probe.out"
	"$probe" "$srv" 2000 2> "$tmp/probe.err" >> "$tmp/probe.out" \
	    < "$tmp/probe.in" &
	probe_pid=$!
	# Read-write, so that opening never waits for the probe.
	exec 3<> "$tmp/probe.in"

	ask long.cache.good.example A
	t_long=$(date +%s)
	expect ok 1 "cache: first answer from the server (TTL $ttl)"
	ask LONG.Cache.good.example. A
	expect ok 0 "cache: asked again in other case, nothing sent"
	ask short.cache.good.example A
	ask cap.cache.good.example A
	ask nx.cache.good.example A
	expect nxdomain 1 "cache: NXDOMAIN from the server"

	# A refusal; a SERVFAIL that the server repairs later.  A server's
	# failure is kept for 5 s (RFC 2308 7.1), then asked again.
	ask x.outside.org A
	expect servfail 1 "cache: REFUSED from the server"
	t_refused=$(date +%s)
	ask x.outside.org A
	expect servfail 0 "cache: REFUSED asked again at once: kept, nothing sent"
	ask x.later.example A
	expect servfail 1 "cache: SERVFAIL from a zone not yet loaded"
	cat > "$tmp/later.example.zone" <<EOF
\$ORIGIN later.example.
\$TTL 300
@ IN SOA ns.later.example. hostmaster.later.example. 1 3600 600 86400 300
@ IN NS ns.later.example.
x IN A 192.0.2.70
EOF
	"$knotc" -c "$tmp/knot.conf" zone-reload later.example \
	    >"$tmp/knotc.out" 2>&1 3>&-

	ask threads long.cache.good.example A
	expect ok 0 "cache: 8 threads, 1600 answers, nothing sent"

	ask x.later.example A
	expect servfail 0 "cache: SERVFAIL asked again at once: kept"
	# Ours and libunbound's keep it about 5 s each; then the repair shows.
	until_ok 40 x.later.example A
	if [ "$st" = ok ] && [ "$new" = 1 ]; then
		tap OK "cache: SERVFAIL kept briefly: ok after $tries questions"
	else
		tap FAIL "cache: after the reload: '$got', $new sent" \
		    "$(cat "$tmp/knotc.out")"
	fi
	while [ $(($(date +%s) - t_refused)) -le 6 ]; do
		sleep 0.5
	done
	ask x.outside.org A
	expect servfail 1 "cache: REFUSED asked again after 6 s is sent again"

	# The server stopped: answers within their TTL still come, from us.
	kill -STOP "$knot_pid"
	sleep 2
	ask long.cache.good.example A
	expect_ttl $((300 - ($(date +%s) - t_long) - 1)) 298 \
	    "cache: server stopped, answered: TTL $ttl of 300 left"
	ask cap.cache.good.example A
	expect_ttl 1 3600 "cache: TTL 86400 kept at most an hour (TTL $ttl)"
	ask nx.cache.good.example A
	expect nxdomain 0 "cache: server stopped, NXDOMAIN (with SOA) kept"
	ask short.cache.good.example A
	expect timeout 1 \
	    "cache: server stopped, TTL 1 expired after 2 s: timeout"
	kill -CONT "$knot_pid"
	until_ok 6 short.cache.good.example A
	if [ "$st" = ok ] && [ $resent = yes ]; then
		tap OK "cache: timeout not kept: ok once the server is back"
	else
		tap FAIL "cache: server back: '$got', each sent: $resent"
	fi

	# More answers than the cache holds, stored from 8 threads at once;
	# then from one, in order: the oldest go, the newest stay.
	ask fill race.cache.good.example 12000 A 8
	if [ "$got" = "12000 $sent" ] && [ "$new" = 12000 ]; then
		tap OK "cache: 12000 names answered from 8 threads"
	else
		tap FAIL "cache: 12000 names from 8 threads: got '$got'"
	fi
	ask fill fill.cache.good.example 12000 A 1
	if [ "$got" = "12000 $sent" ] && [ "$new" = 12000 ]; then
		tap OK "cache: 12000 more names answered from 1 thread"
	else
		tap FAIL "cache: 12000 names from 1 thread: got '$got'"
	fi
	ask 0.fill.cache.good.example A
	expect ok 1 "cache: the first of 12000 was dropped"
	ask 11999.fill.cache.good.example A
	expect ok 0 "cache: the last of 12000 is kept"

	exec 3>&-
	wait "$probe_pid"
	rc=$?
	probe_pid=
	if [ $rc -eq 0 ]; then
		tap OK "cache: probe exits cleanly"
	else
		tap FAIL "cache: probe exit $rc" "$(cat "$tmp/probe.err")"
	fi
else
	tap FAIL "$probe not built"
fi

echo "1..$n"
[ $fail -eq 0 ]
