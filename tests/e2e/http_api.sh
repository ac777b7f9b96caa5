#!/bin/sh
# The HTTP API against a real `mailtrust serve` on a free port of
# 127.0.0.1, DNS from examples/examples.zone: the examples get the same
# JSON as `mailtrust check --json`; wrong methods, paths, types, empty and
# oversized bodies get JSON errors with their status; stalled and
# trickling clients are cut off while others are served; a token is
# demanded where one is configured, and a non-loopback address is refused
# without one (and served with one, inside a network namespace of our
# own); the quarantine is listed, released and deleted through the API;
# mailtrust.conf is read; an internal failure (clamd configured but
# absent) answers 500 with action tempfail; /metrics counts what
# happened, DNS timeouts included.  Prints TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
exe="$1/mailtrust"
zone="$top/examples/examples.zone"
tmp=$(mktemp -d)
pid=""
n=0
fail=0

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/net.sh"

is() {	# is GOT WANT description
	if [ "$1" = "$2" ]; then
		tap OK "$3"
	else
		tap FAIL "$3" "got '$1', want '$2'"
	fi
}

# start NAME ARGS...: runs `mailtrust serve ARGS` in the background and
# sets $pid and $url once it listens.
start() {
	name=$1
	shift
	"$exe" serve --listen 127.0.0.1:0 --zone "$zone" "$@" \
	    2>"$tmp/$name.err" &
	pid=$!
	port=""
	for _ in $(seq 1 100); do
		port=$(sed -n 's/.*listening on .*, port \([0-9]*\).*/\1/p' \
		    "$tmp/$name.err" 2>/dev/null)
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	url="http://127.0.0.1:$port"
	[ -n "$port" ]
}

# wait_listening FILE: until a serve writing its log to FILE says it
# listens (at most 10 s).
wait_listening() {
	for _ in $(seq 1 100); do
		grep -q 'listening on' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# stop NAME: SIGTERM, then the exit status must be 0 (no leak reports).
stop() {
	kill "$pid"
	wait "$pid"
	st=$?
	pid=""
	if [ "$st" -eq 0 ]; then
		tap OK "$1: the server stops cleanly on SIGTERM"
	else
		tap FAIL "$1: the server stops cleanly on SIGTERM (exit $st)" \
		    "$(tail -30 "$tmp/$1.err")"
	fi
}

# code METHOD PATH [curl args]: prints the status; the body goes to
# $tmp/body.
code() {
	m=$1
	p=$2
	shift 2
	curl -s -o "$tmp/body" -w '%{http_code}' -X "$m" "$@" "$url$p"
}

if ! start main --threads 2 --max-body 1048576 --timeout 2; then
	tap FAIL "mailtrust serve starts" "$(cat "$tmp/main.err")"
	echo "1..$n"
	exit 1
fi
tap OK "mailtrust serve starts on 127.0.0.1 without a token"

is "$(code GET /healthz)" 200 "GET /healthz answers 200"
is "$(jq -r .status "$tmp/body")" ok "/healthz says ok"

# --- the examples: the same JSON as `check --json`, but for "file" ---
scans=0
phishing=0
grep -v '^#' "$top/examples/expected" | while read -r file verdict _; do
	[ -n "$file" ] || continue
	for lang in en de; do
		c=$(code POST "/v1/check?lang=$lang" -H \
		    'Content-Type: message/rfc822' \
		    --data-binary "@$top/examples/$file")
		got=$(jq -r .verdict "$tmp/body" 2>/dev/null)
		if [ "$c" = 200 ] && [ "$got" = "$verdict" ]; then
			tap OK "$file ($lang): 200, $verdict"
		else
			tap FAIL "$file ($lang): 200, $verdict" \
			    "got $c, '$got': $(head -c 300 "$tmp/body")"
		fi
		jq -S 'del(.file)' "$tmp/body" >"$tmp/api.json" 2>/dev/null
		"$exe" check --json --lang "$lang" --zone "$zone" \
		    "$top/examples/$file" | jq -S 'del(.file)' >"$tmp/cli.json"
		if cmp -s "$tmp/api.json" "$tmp/cli.json"; then
			tap OK "$file ($lang): the JSON of check --json"
		else
			tap FAIL "$file ($lang): the JSON of check --json" \
			    "$(diff "$tmp/cli.json" "$tmp/api.json")"
		fi
	done
done >"$tmp/examples.tap"
cat "$tmp/examples.tap"
n=$((n + $(grep -c '^\(not \)\{0,1\}ok' "$tmp/examples.tap")))
fail=$((fail + $(grep -c '^not ok' "$tmp/examples.tap")))
scans=$(grep -c '): 200, ' "$tmp/examples.tap")
phishing=$(grep -c '^ok .*): 200, phishing' "$tmp/examples.tap")

ionos="$top/examples/ionos-fake-self.eml"
code POST /v1/check -H 'Accept-Language: fr, de;q=0.8, en;q=0.5' \
    --data-binary "@$ionos" >/dev/null
"$exe" check --json --lang de --zone "$zone" "$ionos" >"$tmp/de.json"
is "$(jq -r .label "$tmp/body")" "$(jq -r .label "$tmp/de.json")" \
    "Accept-Language: de gives the German label"
scans=$((scans + 1))
phishing=$((phishing + 1))

# --- the envelope in headers ---
code POST /v1/check -H 'X-Mailtrust-Client-IP: 192.0.2.9' \
    -H 'X-Mailtrust-Helo: mx.example.net' \
    -H 'X-Mailtrust-Mail-From: <bounce@example.net>' \
    -H 'X-Mailtrust-Rcpt: a@praxis-example.de, <b@praxis-example.de>' \
    -H 'X-Mailtrust-Rcpt: c@praxis-example.de' \
    --data-binary "@$ionos" >/dev/null
"$exe" check --json --zone "$zone" --ip 192.0.2.9 --helo mx.example.net \
    --mail-from bounce@example.net --rcpt a@praxis-example.de \
    --rcpt b@praxis-example.de --rcpt c@praxis-example.de "$ionos" |
    jq -S 'del(.file)' >"$tmp/cli.json"
jq -S 'del(.file)' "$tmp/body" >"$tmp/api.json"
if cmp -s "$tmp/api.json" "$tmp/cli.json"; then
	tap OK "the envelope headers act as check's --ip/--helo/--mail-from/--rcpt"
else
	tap FAIL "the envelope headers act as check's --ip/--helo/--mail-from/--rcpt" \
	    "$(diff "$tmp/cli.json" "$tmp/api.json")"
fi
is "$(jq -c '[.envelope.client_ip, .envelope.mail_from, (.envelope.rcpt|length)]' \
    "$tmp/body")" '["192.0.2.9","bounce@example.net",3]' \
    "the envelope of the answer is the one given"
scans=$((scans + 1))
phishing=$((phishing + $(jq -r 'select(.verdict=="phishing")|1' "$tmp/body")))

# --- bad requests ---
is "$(code POST /v1/check -H 'X-Mailtrust-Client-IP: not-an-ip' \
    --data-binary "@$ionos")" 400 "a bad X-Mailtrust-Client-IP is 400"
is "$(jq -r .error "$tmp/body")" envelope "... with a JSON error"
is "$(code GET /v1/check)" 405 "GET /v1/check is 405"
is "$(curl -s -o /dev/null -D - "$url/v1/check" | tr -d '\r' |
    sed -n 's/^Allow: //Ip')" "GET, HEAD, POST, DELETE" "... with an Allow header"
is "$(code PUT /v1/check --data-binary x)" 405 "PUT /v1/check is 405"
is "$(code GET /nowhere)" 404 "an unknown path is 404"
is "$(jq -r .error "$tmp/body")" not_found "... with a JSON error"
is "$(code DELETE /metrics)" 405 "DELETE /metrics is 405"
is "$(code POST /v1/check -H 'Content-Type: message/rfc822' \
    --data-binary '')" 400 "an empty body is 400"
is "$(jq -r .error "$tmp/body")" empty "... saying the message is missing"
is "$(code POST /v1/check)" 411 "a POST without Content-Length is 411"
is "$(code POST /v1/check -H 'Content-Type: application/json' \
    --data-binary '{"a":1}')" 415 "a JSON body is 415"
is "$(code POST /v1/check -F "m=@$ionos")" 415 "a form upload is 415"
head -c 2000000 /dev/zero | tr '\0' 'a' >"$tmp/big"
is "$(code POST /v1/check --data-binary "@$tmp/big")" 413 \
    "a body over --max-body (declared length) is 413"
is "$(code POST /v1/check -H 'Transfer-Encoding: chunked' \
    --data-binary "@$tmp/big")" 413 "a chunked body over --max-body is 413"
is "$(jq -r .error "$tmp/body")" too_large "... with a JSON error"
is "$(code GET /healthz)" 200 "the server still answers after all that"

# --- slow clients (server: --timeout 2, --threads 2) ---
/usr/bin/python3 - "$port" "$ionos" >"$tmp/slow.out" 2>&1 <<'EOF'
# Opens 8 connections that send headers and stall, one that trickles its
# body a byte a second; checks a normal request is answered meanwhile and
# that the server closes every slow one within a few seconds.
import socket, sys, time, urllib.request
port, ionos = int(sys.argv[1]), sys.argv[2]
head = ("POST /v1/check HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n"
        "\r\n").encode()
stalled = []
for _ in range(8):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(head)
    stalled.append(s)
trickle = socket.create_connection(("127.0.0.1", port))
trickle.sendall(head)
t0 = time.monotonic()
body = open(ionos, "rb").read()
req = urllib.request.Request("http://127.0.0.1:%d/v1/check" % port,
                             data=body, method="POST")
with urllib.request.urlopen(req, timeout=10) as r:
    print("served-meanwhile", r.status, round(time.monotonic() - t0, 2))
trickle_cut = None
for _ in range(15):
    try:
        trickle.sendall(b"x")
        trickle.settimeout(1)
        if trickle.recv(100) == b"":
            trickle_cut = time.monotonic() - t0
            break
    except socket.timeout:
        continue
    except OSError:
        trickle_cut = time.monotonic() - t0
        break
print("trickle-cut", "no" if trickle_cut is None else round(trickle_cut, 1))
closed = 0
for s in stalled:
    s.settimeout(8)
    try:
        if s.recv(100) == b"":
            closed += 1
    except OSError:
        closed += 1
print("stalled-closed", closed, round(time.monotonic() - t0, 1))
EOF
sed 's/^/# /' "$tmp/slow.out"
is "$(sed -n 's/^served-meanwhile \([0-9]*\).*/\1/p' "$tmp/slow.out")" 200 \
    "a request is served while 9 slow clients hold connections"
scans=$((scans + 1))
phishing=$((phishing + 1))
cut=$(sed -n 's/^trickle-cut //p' "$tmp/slow.out")
case "$cut" in
[0-9]*)	if [ "${cut%.*}" -le 6 ]; then
		tap OK "a client trickling its body is cut off (after ${cut}s)"
	else
		tap FAIL "a client trickling its body is cut off within 6s" "$cut"
	fi ;;
*)	tap FAIL "a client trickling its body is cut off" "$(cat "$tmp/slow.out")" ;;
esac
is "$(sed -n 's/^stalled-closed \([0-9]*\).*/\1/p' "$tmp/slow.out")" 8 \
    "8 stalled clients are closed by the server"

# --- the page ---
is "$(code GET /)" 200 "GET / is the page"
grep -q '<html lang=' "$tmp/body" && grep -q 'app.js' "$tmp/body"
is $? 0 "... an HTML page with its script"
is "$(curl -s -o /dev/null -w '%{content_type}' "$url/app.js")" \
    "text/javascript; charset=utf-8" "GET /app.js is JavaScript"

# --- metrics ---
is "$(code GET /metrics)" 200 "GET /metrics is 200"
m="$tmp/body"
metric() { sed -n "s/^$1 //p" "$m"; }
is "$(metric 'mailtrust_messages_total{verdict="phishing"}')" "$phishing" \
    "metrics count the phishing verdicts ($phishing)"
is "$(metric mailtrust_scan_duration_seconds_count)" "$scans" \
    "the latency histogram counts every judged message ($scans)"
is "$(metric 'mailtrust_scan_duration_seconds_bucket{le="+Inf"}')" "$scans" \
    "... and its +Inf bucket agrees"
c413=$(metric 'mailtrust_http_responses_total{code="413"}')
is "$c413" 2 "metrics count the two 413 answers"
to=$(metric mailtrust_http_timeouts_total)
if [ "${to:-0}" -ge 9 ]; then
	tap OK "metrics count the slow clients cut off ($to)"
else
	tap FAIL "metrics count the slow clients cut off" "got '$to', want >= 9"
fi
for k in mailtrust_dns_errors_total mailtrust_clamd_errors_total \
    mailtrust_store_errors_total mailtrust_scan_failures_total; do
	grep -q "^# TYPE $k counter" "$m"
	is $? 0 "metrics expose $k"
done
stop main

# --- a server with a token ---
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$token" >"$tmp/token"
# Two held messages in the quarantine's file format (quarantine.h), and
# a "sendmail" that keeps what it is given.
mkdir -p "$tmp/q"
qid1="20261123T100000Z-00000000000000a1"
qid2="20261123T100001Z-00000000000000b2"
for id in $qid1 $qid2; do
	{
		printf 'Mailtrust-Quarantine: 1\nTime: 1795000000\n'
		printf 'Sender: empfang@praxis-example.de\nClient: 193.3.19.117\n'
		printf 'Verdict: phishing\nFrom: empfang@praxis-example.de\n'
		printf 'Subject: held %s\nScore: 22.80\n' "$id"
		printf 'Rcpt: empfang@praxis-example.de\n\n'
		cat "$ionos"
	} >"$tmp/q/$id.mtq"
done
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >"%s/released.args"\ncat >"%s/released.eml"\n' \
    "$tmp" "$tmp" >"$tmp/sendmail"
chmod +x "$tmp/sendmail"
start token --token-file "$tmp/token" --quarantine-dir "$tmp/q" \
    --sendmail "$tmp/sendmail" || tap FAIL "serve with a token starts"
is "$(code POST /v1/check --data-binary "@$ionos")" 401 \
    "with a token configured, a request without it is 401"
is "$(code POST /v1/check -H "Authorization: Bearer x$token" \
    --data-binary "@$ionos")" 401 "a wrong token is 401"
is "$(code GET /metrics -H "Authorization: Basic $token")" 401 \
    "another scheme is 401"
is "$(code POST /v1/check -H "Authorization: Bearer $token" \
    --data-binary "@$ionos")" 200 "the right token is 200"
is "$(code GET /metrics -H "authorization: bearer $token")" 200 \
    "the scheme is case-insensitive (RFC 6750)"
is "$(code GET /healthz)" 200 "/healthz needs no token"
is "$(code GET /)" 200 "the page itself needs no token (it holds no data)"
is "$(code GET /v1/quarantine)" 401 "the quarantine needs the token"
auth="Authorization: Bearer $token"
if "$exe" quarantine --help >/dev/null 2>&1; then
	is "$(code GET /v1/quarantine -H "$auth")" 200 "GET /v1/quarantine lists"
	is "$(jq -c '[.total, [.messages[].id]]' "$tmp/body")" \
	    "[2,[\"$qid2\",\"$qid1\"]]" "... both held messages, newest first"
	is "$(jq -r '.messages[0].verdict' "$tmp/body")" phishing \
	    "... with their verdict"
	is "$(code DELETE "/v1/quarantine/$qid1" -H "$auth")" 200 \
	    "DELETE /v1/quarantine/ID removes one"
	[ ! -e "$tmp/q/$qid1.mtq" ]
	is $? 0 "... its file is gone"
	is "$(code DELETE "/v1/quarantine/$qid1" -H "$auth")" 404 \
	    "deleting it again is 404"
	is "$(code GET "/v1/quarantine/$qid2/release" -H "$auth")" 405 \
	    "release by GET is 405"
	is "$(code POST "/v1/quarantine/$qid2/release" -H "$auth")" 200 \
	    "POST /v1/quarantine/ID/release releases"
	is "$(cat "$tmp/released.args" 2>/dev/null)" \
	    "-G -i -f empfang@praxis-example.de -- empfang@praxis-example.de" \
	    "... through sendmail, to the original recipient"
	cmp -s "$tmp/released.eml" "$ionos"
	is $? 0 "... with the message unchanged"
	is "$(code GET /v1/quarantine -H "$auth")" 200 "the list again"
	is "$(jq -r .total "$tmp/body")" 0 "... is empty"
	is "$(code POST "/v1/quarantine/..%2Fetc/release" -H "$auth")" 404 \
	    "an ID that is a path is 404"
else
	tap FAIL "the quarantine API: this build has no quarantine module"
fi
stop token

# --- non-loopback addresses ---
"$exe" serve --listen 0.0.0.0:0 --zone "$zone" >"$tmp/open.out" 2>&1
st=$?
is "$st" 78 "0.0.0.0 without a token is refused (exit 78)"
grep -q 'without a token' "$tmp/open.out"
is $? 0 "... saying a token is needed"
"$exe" serve --listen '[::]:0' --zone "$zone" >/dev/null 2>&1
is $? 78 "[::] without a token is refused"
"$exe" serve --listen 127.0.0.1:0 --token short >/dev/null 2>&1
is $? 78 "a token shorter than 16 characters is refused"
"$exe" serve --listen nonsense >/dev/null 2>&1
is $? 78 "a listen address that is not ADDR:PORT is refused"

# mailtrust.conf (--config): listen, token, threads and size limit.
# The file wants a real port, so take one the kernel just handed out.
cport=$(free_port)
printf 'http_listen 127.0.0.1:%s\nhttp_token "%s"\nhttp_threads 3\n' \
    "$cport" "$token" >"$tmp/mailtrust.conf"
printf 'http_max_body 1000\nstore sqlite:%s/state.db\n' "$tmp" \
    >>"$tmp/mailtrust.conf"
"$exe" serve --config "$tmp/mailtrust.conf" --zone "$zone" \
    2>"$tmp/conf.err" &
pid=$!
wait_listening "$tmp/conf.err"
url="http://127.0.0.1:$cport"
is "$(sed -n 's/.*(\([0-9]*\) threads).*/\1/p' "$tmp/conf.err")" 3 \
    "--config: http_listen and http_threads are used"
is "$(code GET /metrics)" 401 "--config: http_token is demanded"
is "$(code POST /v1/check -H "Authorization: Bearer $token" \
    --data-binary "@$ionos")" 413 "--config: http_max_body is the limit"
[ -s "$tmp/state.db" ]
is $? 0 "--config: the store is opened"
stop conf
# An internal failure: clamd configured but not there (clamd_tempfail
# is the default).  The answer is 500 with the scan's JSON, action
# tempfail, so a caller keeps the mail; the metrics count it.
cport=$(free_port)
printf 'http_listen 127.0.0.1:%s\nclamd_socket unix:%s/no-clamd.sock\n' \
    "$cport" "$tmp" >"$tmp/noclamd.conf"
# Its zone also lets SPF lookups for slow.example time out.
cp "$zone" "$tmp/slow.zone"
printf ';@timeout slow.example\n' >>"$tmp/slow.zone"
"$exe" serve --config "$tmp/noclamd.conf" --zone "$tmp/slow.zone" \
    2>"$tmp/noclamd.err" &
pid=$!
wait_listening "$tmp/noclamd.err"
url="http://127.0.0.1:$cport"
is "$(code POST /v1/check --data-binary "@$top/examples/ham-de-befund.eml")" \
    500 "clamd unreachable: 500"
is "$(jq -c '[.action, .internal_failure]' "$tmp/body")" '["tempfail",true]' \
    "... with the scan's JSON: action tempfail, internal_failure"
code POST /v1/check -H 'X-Mailtrust-Mail-From: a@slow.example' \
    --data-binary "@$ionos" >/dev/null
is "$(jq -r .auth.spf "$tmp/body")" temperror "a DNS timeout makes SPF temperror"
code GET /metrics >/dev/null
is "$(sed -n 's/^mailtrust_clamd_errors_total //p' "$tmp/body")/$(sed -n \
    's/^mailtrust_scan_failures_total //p' "$tmp/body")" 2/2 \
    "... counted as clamd errors and scan failures"
is "$(sed -n 's/^mailtrust_dns_errors_total{method="spf"} //p' "$tmp/body")" \
    1 "the SPF temperror is counted as a DNS error"
stop noclamd
# Each serving thread listens on its own socket of the address, shared
# through SO_REUSEPORT.  A port another program holds (without that
# option) still refuses the start; a second serve on a serve's address
# shares its connections and answers too.
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print(s.getsockname()[1], flush=True)
time.sleep(30)' >"$tmp/held.port" &
holder=$!
for _ in $(seq 1 50); do
	[ -s "$tmp/held.port" ] && break
	sleep 0.1
done
"$exe" serve --listen "127.0.0.1:$(cat "$tmp/held.port")" --zone "$zone" \
    --threads 2 >/dev/null 2>"$tmp/held.err"
is $? 78 "a port another program listens on is refused (exit 78)"
grep -q 'Address already in use' "$tmp/held.err"
is $? 0 "... saying the address is in use"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
if start first --threads 2; then
	first=$pid
	"$exe" serve --listen "127.0.0.1:$port" --zone "$zone" --threads 1 \
	    2>"$tmp/second.err" &
	second=$!
	wait_listening "$tmp/second.err"
	kill -0 "$second" 2>/dev/null
	is $? 0 "a second serve on the same address starts beside the first"
	kill "$first"
	wait "$first"
	is "$(code GET /healthz)" 200 "... and answers once the first has stopped"
	kill "$second"
	wait "$second"
	is $? 0 "... and stops cleanly"
	pid=""
else
	tap FAIL "mailtrust serve starts (for the shared address)" \
	    "$(cat "$tmp/first.err")"
fi
printf 'http_threads many\n' >"$tmp/bad.conf"
"$exe" serve --config "$tmp/bad.conf" >/dev/null 2>"$tmp/bad.err"
is $? 78 "a bad mailtrust.conf is refused (exit 78)"
grep -q 'bad.conf:1:' "$tmp/bad.err"
is $? 0 "... naming the file and line"

# Serving 0.0.0.0 with a token: inside a network namespace of our own,
# so nothing is reachable from outside this test.
if unshare -n true 2>/dev/null; then
	cat >"$tmp/netns.sh" <<EOF
ip link set lo up
"$exe" serve --listen 0.0.0.0:0 --zone "$zone" --token-file "$tmp/token" \
    2>"$tmp/ns.err" &
p=\$!
for _ in \$(seq 1 100); do
	port=\$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$tmp/ns.err")
	[ -n "\$port" ] && break
	sleep 0.1
done
curl -s -o /dev/null -w '%{http_code} ' "http://127.0.0.1:\$port/metrics"
curl -s -o /dev/null -w '%{http_code} ' -H "Authorization: Bearer $token" \
    "http://127.0.0.1:\$port/metrics"
kill \$p
wait \$p
echo \$?
EOF
	is "$(unshare -n sh "$tmp/netns.sh" 2>&1)" "401 200 0" \
	    "0.0.0.0 with a token (own network namespace): 401 without, 200 with"
else
	tap FAIL "0.0.0.0 with a token: cannot create a network namespace" \
	    "unshare -n failed (not root, or no user namespaces)"
fi

echo "1..$n"
[ "$fail" -eq 0 ]
