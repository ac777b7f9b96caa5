#!/bin/sh
# `mailtrust audit` against real servers, all on 127.0.0.0/8:
#  - Knot DNS, authoritative for good.example and bad.example (both
#    signed by Knot itself with automatic DNSSEC) and reports.example;
#  - libunbound inside mailtrust forwarding to Knot, with the test
#    zones' own KSKs as its trust anchors;
#  - an HTTPS server of our own (python3 http.server + ssl, certificates
#    from a test CA made here by openssl) serving both MTA-STS policies;
#  - one Postfix (own config, queue and data dirs in the temp dir) with
#    two STARTTLS listeners: 127.0.0.21 for mx.good.example with a
#    valid certificate, 127.0.0.22 for mx.bad.example with an expired one
#    made out for another name (bad.example's second MX, 127.0.0.23, has
#    no server, and its TLSA is in a child zone with a false DS: bogus).
# good.example is set up right; bad.example wrong in every way the audit
# knows.  Each expected finding is checked in the JSON and in the text
# report; both reports are printed.  Then the message audit of the
# Microsoft notice reconstruction (tests/audit/).
# Usage: audit.sh BUILD_DIR.  Prints TAP.
set -u
e2e=$(cd "$(dirname "$0")" && pwd)
exe="$(cd "$1" 2>/dev/null && pwd)/mailtrust"
src=$(cd "$(dirname "$0")/../.." && pwd)
py=/usr/bin/python3
n=0
fail=0
tmp=
knot_pid=
https_pid=
pf_dir=

# jq -e on an empty file says yes (jq 1.6): insist on a report first.
jqe() {
	eval "last=\${$#}"
	[ -s "$last" ] && jq -e "$@"
}

. "$(dirname "$0")/tap.sh"

cleanup() {
	[ -n "$pf_dir" ] && postfix -c "$pf_dir" stop >/dev/null 2>&1
	[ -n "$knot_pid" ] && kill "$knot_pid" 2>/dev/null
	[ -n "$https_pid" ] && kill "$https_pid" 2>/dev/null
	[ -n "$knot_pid" ] && wait "$knot_pid" 2>/dev/null
	[ -n "$https_pid" ] && wait "$https_pid" 2>/dev/null
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

missing=
for t in knotd keymgr postfix openssl jq; do
	command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] ||
	    missing="$missing $t"
done
[ -x "$py" ] || missing="$missing python3"
if [ -n "$missing" ]; then
	echo "not ok 1 - needed programs missing:$missing (scripts/install-deps test)"
	echo "1..1"
	exit 1
fi
PATH="$PATH:/usr/sbin"
if [ ! -x "$exe" ]; then
	echo "not ok 1 - $exe not built"
	echo "1..1"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-audit.XXXXXX")
chmod 755 "$tmp"

. "$(dirname "$0")/net.sh"

# --- certificates --------------------------------------------------------
cd "$tmp" || exit 1
ossl() { openssl "$@" >/dev/null 2>&1; }
ossl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 \
    -subj "/CN=mailtrust audit test CA" -addext basicConstraints=critical,CA:true \
    -addext keyUsage=critical,keyCertSign,cRLSign
leaf() {	# leaf NAME: a certificate for NAME from the test CA, 30 days
	ossl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1"
	printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$1" > "$1.ext"
	ossl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
	    -days 30 -out "$1.crt" -extfile "$1.ext"
}
leaf mta-sts.good.example
leaf mta-sts.bad.example
leaf mx.good.example
# mx.bad.example: expired in 2025 and made out for another name.
mkdir -p ca/new
: > ca/index.txt
echo 1000 > ca/serial
cat > ca/ca.cnf <<EOF
[ca]
default_ca = test
[test]
dir = $tmp/ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
certificate = $tmp/ca.crt
private_key = $tmp/ca.key
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
EOF
ossl req -newkey rsa:2048 -nodes -keyout mx.bad.example.key \
    -out mx.bad.example.csr -subj "/CN=wrong-name.example"
ossl ca -batch -config ca/ca.cnf -in mx.bad.example.csr \
    -out mx.bad.example.crt -startdate 20240101000000Z \
    -enddate 20250101000000Z -notext
for f in ca.crt mta-sts.good.example.crt mx.good.example.crt mx.bad.example.crt; do
	[ -s "$f" ] || { echo "not ok 1 - openssl could not make $f"; echo "1..1"; exit 1; }
done
spki_sha256() {
	openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER |
	    openssl dgst -sha256 -hex | sed 's/.*= //'
}
tlsa_good=$(spki_sha256 mx.good.example.crt)
tlsa_bad=$(spki_sha256 ca.crt)	# not the server's key: a stale record

# --- DNS: Knot, signing good.example and bad.example itself --------------
dns_port=$(free_port udp)
https_port=$(free_port tcp)
smtp_port=$(free_port tcp)
k2048=$(cat "$src/tests/audit/dkim2048.pub")
k1024=$(cat "$src/tests/audit/dkim1024.pub")
k2a=$(printf %s "$k2048" | cut -c1-200)
k2b=$(printf %s "$k2048" | cut -c201-)
mkdir -p knot
soa() {	printf '$TTL 300\n@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n@ IN NS ns.%s.\nns IN A 127.0.0.1\n' "$1" "$1" "$1"; }
{
	soa good.example
	cat <<EOF
@			IN MX	10 mx.good.example.
mx			IN A	127.0.0.21
@			IN TXT	"v=spf1 ip4:192.0.2.0/24 include:_spf.good.example -all"
_spf			IN TXT	"v=spf1 ip4:198.51.100.0/24 -all"
_dmarc			IN TXT	"v=DMARC1; p=reject; adkim=s; rua=mailto:dmarc@reports.example"
mail2026._domainkey	IN TXT	"v=DKIM1; k=rsa; p=$k2a" "$k2b"
_mta-sts		IN TXT	"v=STSv1; id=20261123T000000"
mta-sts			IN A	127.0.0.31
_smtp._tls		IN TXT	"v=TLSRPTv1; rua=mailto:tls-reports@good.example"
default._bimi		IN TXT	"v=BIMI1; l=https://good.example/logo.svg"
_25._tcp.mx		IN TLSA	3 1 1 $tlsa_good
EOF
} > knot/good.example.zone
{
	soa bad.example
	cat <<EOF
@			IN MX	10 mx.bad.example.
@			IN MX	20 mx2.bad.example.
mx			IN A	127.0.0.22
mx2			IN A	127.0.0.23
; mx2's TLSA sits in a child zone whose DS matches none of its keys.
_tcp.mx2		IN NS	ns.bad.example.
_tcp.mx2		IN DS	4711 13 2 $(printf '%064d' 0)
@			IN TXT	"v=spf1 include:gone.bad.example include:s1.bad.example include:s2.bad.example +all"
s1			IN TXT	"v=spf1 a mx a:x.bad.example mx:y.bad.example exists:z.bad.example -all"
s2			IN TXT	"v=spf1 a mx a:x.bad.example mx:y.bad.example exists:z.bad.example -all"
_dmarc			IN TXT	"v=DMARC1; p=none"
default._domainkey	IN TXT	"v=DKIM1; k=rsa; t=y; p=$k1024"
s1._domainkey		IN TXT	"v=DKIM1; k=rsa; p="
_mta-sts		IN TXT	"v=STSv1; id=1"
mta-sts			IN A	127.0.0.32
_25._tcp.mx		IN TLSA	3 1 1 $tlsa_bad
EOF
} > knot/bad.example.zone
{
	soa _tcp.mx2.bad.example
	echo "_25 IN TLSA 3 1 1 $tlsa_bad"
} > knot/_tcp.mx2.bad.example.zone
{
	soa reports.example
	echo 'good.example._report._dmarc IN TXT "v=DMARC1"'
} > knot/reports.example.zone
cat > knot/knot.conf <<EOF
server:
    listen: 127.0.0.1@$dns_port
    rundir: "$tmp/knot"
log:
  - target: "$tmp/knot/knot.log"
    any: info
database:
    storage: "$tmp/knot"
template:
  - id: default
    storage: "$tmp/knot"
    file: "%s.zone"
    zonefile-load: difference-no-serial
    journal-content: all
zone:
  - domain: good.example
    dnssec-signing: on
  - domain: bad.example
    dnssec-signing: on
  - domain: _tcp.mx2.bad.example
    dnssec-signing: on
  - domain: reports.example
EOF
knotd -c knot/knot.conf >knot/stdout 2>&1 &
knot_pid=$!

# The KSKs Knot made are the resolver's trust anchors.
anchor="$tmp/anchors"
: > "$anchor"
for z in good.example bad.example; do
	i=0
	while [ $i -lt 100 ]; do
		keymgr -c knot/knot.conf "$z" dnskey 2>/dev/null |
		    grep -E ' DNSKEY 257 ' > "$tmp/ksk" &&
		    "$exe" dig --server "127.0.0.1@$dns_port" "$z" SOA \
		    >/dev/null 2>&1 && break
		i=$((i + 1))
		sleep 0.2
	done
	cat "$tmp/ksk" >> "$anchor"
done
if [ "$(grep -c DNSKEY "$anchor")" -ne 2 ]; then
	echo "not ok 1 - Knot did not serve signed zones"
	sed 's/^/# /' knot/knot.log knot/stdout 2>/dev/null | tail -20
	echo "1..1"
	exit 1
fi

# --- HTTPS: the MTA-STS policies ------------------------------------------
mkdir -p www/good www/bad
printf 'version: STSv1\r\nmode: enforce\r\nmx: *.good.example\r\nmax_age: 604800\r\n' > www/good/policy
printf 'version: STSv1\r\nmode: testing\r\nmx: mail.elsewhere.example\r\nmax_age: 3600\r\n' > www/bad/policy
cat > https.py <<'EOF'
# Serves /.well-known/mta-sts.txt for two hosts, each on its own address
# with its own certificate.  argv: port dir.
import http.server, ssl, sys, threading
port, top = int(sys.argv[1]), sys.argv[2]
class Policy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/.well-known/mta-sts.txt":
            self.send_error(404); return
        body = open(self.server.policy, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
def serve(addr, name, policy):
    srv = http.server.HTTPServer((addr, port), Policy)
    srv.policy = policy
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{top}/{name}.crt", f"{top}/{name}.key")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()
for addr, name, pol in (("127.0.0.31", "mta-sts.good.example", "good"),
                        ("127.0.0.32", "mta-sts.bad.example", "bad")):
    threading.Thread(target=serve, args=(addr, name,
        f"{top}/www/{pol}/policy"), daemon=True).start()
threading.Event().wait()
EOF
"$py" https.py "$https_port" "$tmp" >https.log 2>&1 &
https_pid=$!

# --- Postfix: both MX hosts ----------------------------------------------
pf_dir="$tmp/postfix"
mkdir -p "$pf_dir" "$tmp/pfq" "$tmp/pfd"
chown postfix "$tmp/pfd"
cat > "$pf_dir/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $tmp/pfq
data_directory = $tmp/pfd
mail_owner = postfix
myhostname = mx.good.example
mydestination =
relay_domains =
# The listeners of master.cf name their own 127.0.0.x addresses.
inet_interfaces = loopback-only
inet_protocols = ipv4
maillog_file = $tmp/postfix.log
maillog_file_prefixes = $tmp
smtpd_tls_security_level = may
smtpd_tls_cert_file = $tmp/mx.good.example.crt
smtpd_tls_key_file = $tmp/mx.good.example.key
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
shlib_directory = /usr/lib/postfix
EOF
cat > "$pf_dir/master.cf" <<EOF
127.0.0.21:$smtp_port inet n - n - - smtpd
127.0.0.22:$smtp_port inet n - n - - smtpd
  -o smtpd_tls_cert_file=$tmp/mx.bad.example.crt
  -o smtpd_tls_key_file=$tmp/mx.bad.example.key
  -o smtpd_tls_protocols=>=TLSv1
  -o tls_medium_cipherlist=DEFAULT:@SECLEVEL=0
  -o myhostname=mx.bad.example
EOF
# The internal services every private Postfix needs, then delivery.
cat "$e2e/postfix-services.cf" >> "$pf_dir/master.cf"
echo "local     unix - n n - - local" >> "$pf_dir/master.cf"
postfix -c "$pf_dir" check >"$tmp/postfix.check" 2>&1
if ! postfix -c "$pf_dir" start >"$tmp/postfix.start" 2>&1 ||
    ! wait_port 127.0.0.21 "$smtp_port" || ! wait_port 127.0.0.22 "$smtp_port"; then
	echo "not ok 1 - Postfix did not start"
	sed 's/^/# /' "$tmp/postfix.check" "$tmp/postfix.start" "$tmp/postfix.log" 2>/dev/null | tail -20
	echo "1..1"
	exit 1
fi
wait_port 127.0.0.31 "$https_port" && wait_port 127.0.0.32 "$https_port" ||
    echo "# the HTTPS server is not up (its findings will fail)"

# --- the audits ------------------------------------------------------------
run_audit() {	# run_audit DOMAIN OUTPREFIX [options]
	d=$1 out=$2
	shift 2
	set -- --dns-server "127.0.0.1@$dns_port" --trust-anchor "$anchor" \
	    --https-port "$https_port" --smtp-port "$smtp_port" \
	    --ca-file "$tmp/ca.crt" --timeout 5000 "$@" "$d"
	"$exe" audit --json "$@" > "$out.json" 2>"$out.err"
	echo $? > "$out.rc"
	"$exe" audit "$@" > "$out.txt" 2>>"$out.err"
	"$exe" audit --lang de "$@" > "$out.de.txt" 2>>"$out.err"
}

expect() {	# expect OUTPREFIX ID SEVERITY
	if jqe --arg id "$2" --arg sev "$3" \
	    '[.findings[] | select(.id == $id and .severity == $sev)] | length > 0' \
	    "$1.json" >/dev/null 2>&1; then
		tap OK "$(basename "$1") json: $2 is $3"
	else
		tap FAIL "$(basename "$1") json: $2 is $3 (got: $(jq -r --arg id "$2" \
		    '[.findings[] | select(.id == $id) | .severity] | join(",")' "$1.json" 2>/dev/null))"
	fi
	if grep -Eq "^  \[$3 *\] $2\$" "$1.txt"; then
		tap OK "$(basename "$1") text: $2 is $3"
	else
		tap FAIL "$(basename "$1") text: $2 is $3"
	fi
}

run_audit good.example "$tmp/good" --selector mail2026
run_audit bad.example "$tmp/bad"

for f in good bad; do
	echo "# ---- $f.example: text report ----"
	sed 's/^/# /' "$tmp/$f.txt"
	echo "# ---- $f.example: JSON report ----"
	sed 's/^/# /' "$tmp/$f.json"
	[ -s "$tmp/$f.err" ] && sed 's/^/# stderr: /' "$tmp/$f.err"
done

g="$tmp/good"
for c in "mx.ok ok" "spf.lookups_ok ok" "spf.all_fail ok" "dmarc.p_reject ok" \
    "dmarc.external_ok ok" "dkim.key_ok ok" "mtasts.record info" \
    "mtasts.enforce ok" "mtasts.max_age_ok ok" "mtasts.mx_ok ok" \
    "tlsrpt.ok ok" "bimi.ok ok" "tls.ok ok" "tls.chain_ok ok" "tls.name_ok ok" \
    "tls.expiry_ok ok" "tls.no_old_protocol ok" "dane.match ok"; do
	# shellcheck disable=SC2086
	expect "$g" $c
done
[ "$(cat "$g.rc")" = 0 ] && tap OK "good.example: exit 0 (nothing worse than info)" ||
    tap FAIL "good.example: exit $(cat "$g.rc"), want 0"
jqe '.counts.critical == 0 and .counts.warning == 0' "$g.json" >/dev/null 2>&1 &&
    tap OK "good.example: no warning, no critical finding" ||
    tap FAIL "good.example: warnings or critical findings"

b="$tmp/bad"
for c in "spf.all_pass critical" "spf.include_missing critical" \
    "spf.too_many_lookups critical" "dmarc.p_none warning" \
    "dmarc.no_rua warning" "dkim.key_weak warning" "dkim.testing warning" \
    "dkim.revoked info" "mtasts.testing warning" "mtasts.max_age_short warning" \
    "mtasts.mx_mismatch warning" "tlsrpt.missing info" "bimi.missing info" \
    "tls.ok ok" "tls.expired critical" "tls.name_mismatch warning" \
    "tls.old_protocol warning" "dane.mismatch critical" \
    "tls.unreachable critical" "dane.bogus critical"; do
	# shellcheck disable=SC2086
	expect "$b" $c
done
[ "$(cat "$b.rc")" = 2 ] && tap OK "bad.example: exit 2 (critical findings)" ||
    tap FAIL "bad.example: exit $(cat "$b.rc"), want 2"
jqe '[.findings[] | select(.id == "dane.mismatch") | .fix] | .[0] | test("^_25._tcp.mx.bad.example. IN TLSA 3 1 1 [0-9a-f]{64}$")' \
    "$b.json" >/dev/null 2>&1 && tap OK "bad.example: the TLSA record to publish is written out" ||
    tap FAIL "bad.example: the TLSA fix is missing"
jqe '[.findings[] | select(.id == "spf.all_pass") | .fix] | .[0] | (test("-all\"$") and (test("gone") | not))' \
    "$b.json" >/dev/null 2>&1 && tap OK "bad.example: the SPF fix ends in -all without the dead include" ||
    tap FAIL "bad.example: the SPF fix"
grep -q "Der SPF-Eintrag endet auf „+all“" "$b.de.txt" &&
    tap OK "bad.example: the German report says it in German" ||
    tap FAIL "bad.example: German report"

# Without the test CA neither certificate is trusted: the policy must
# not be used, and the MX chain is reported.
u="$tmp/untrusted"
"$exe" audit --json --dns-server "127.0.0.1@$dns_port" --trust-anchor "$anchor" \
    --https-port "$https_port" --smtp-port "$smtp_port" --timeout 5000 \
    good.example > "$u.json" 2>/dev/null
for c in "mtasts.cert critical" "tls.chain_bad warning"; do
	set -- $c
	jqe --arg id "$1" --arg sev "$2" \
	    '[.findings[] | select(.id == $id and .severity == $sev)] | length > 0' \
	    "$u.json" >/dev/null 2>&1 &&
	    tap OK "good.example without the test CA: $1 is $2" ||
	    tap FAIL "good.example without the test CA: $1 is $2"
done

# --- the Microsoft notice, as its sender should have seen it -------------
m="$tmp/ms"
"$exe" audit --zone "$src/tests/audit/microsoft-notice.zone" \
    --message "$src/tests/audit/microsoft-notice.eml" > "$m.txt" 2>&1
echo $? > "$m.rc"
"$exe" audit --json --zone "$src/tests/audit/microsoft-notice.zone" \
    --message "$src/tests/audit/microsoft-notice.eml" > "$m.json" 2>/dev/null
echo "# ---- audit --message tests/audit/microsoft-notice.eml ----"
sed 's/^/# /' "$m.txt"
grep -q "carries no valid authentication for its From domain microsoft.com" "$m.txt" &&
    tap OK "notice: no valid authentication for its From domain" ||
    tap FAIL "notice: no valid authentication for its From domain"
grep -q "file it as unverified or spam" "$m.txt" &&
    tap OK "notice: receivers will file it as unverified or spam" ||
    tap FAIL "notice: unverified or spam"
jqe '.message.spf == "fail" and .message.dkim == "none" and .message.dmarc == "fail"' \
    "$m.json" >/dev/null 2>&1 && tap OK "notice: SPF fail, DKIM none, DMARC fail" ||
    tap FAIL "notice: authentication results"
jqe '[.findings[] | select(.id == "msg.spf_fail") | .fix] | .[0] | test("ip4:20.55.61.7 ")' \
    "$m.json" >/dev/null 2>&1 && tap OK "notice: the SPF fix adds the sending address" ||
    tap FAIL "notice: SPF fix"
for id in msg.dkim_none msg.policy_reject; do
	expect "$m" "$id" critical
done
[ "$(cat "$m.rc")" = 2 ] && tap OK "notice: exit 2" || tap FAIL "notice: exit $(cat "$m.rc")"

echo "1..$n"
[ "$fail" -eq 0 ]
