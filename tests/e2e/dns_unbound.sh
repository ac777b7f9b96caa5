#!/bin/sh
# The libunbound backend against a real server: starts Debian's unbound
# on 127.0.0.1 at a free port with local data for the test names, asks
# through `mailtrust dig --server`, checks typed answers (ok, NODATA,
# NXDOMAIN, SERVFAIL, timeout, DNSSEC bogus), multi-string TXT, MX,
# CNAME, TLSA, PTR, and stops the server.  Nothing leaves 127.0.0.1: the
# server refuses every name outside its local zones, and the one zone it
# would recurse into points at a port on 127.0.0.1 where nobody answers.
# Usage: dns_unbound.sh BUILD_DIR.  Prints TAP.
set -u
exe="$1/mailtrust"
n=0
fail=0
tmp=
srv_pid=
bh_pid=

. "$(dirname "$0")/tap.sh"

cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
	[ -n "$bh_pid" ] && kill "$bh_pid" 2>/dev/null
	[ -n "$srv_pid" ] && wait "$srv_pid" 2>/dev/null
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

unbound=$(command -v unbound || echo /usr/sbin/unbound)
if [ ! -x "$unbound" ] || ! command -v perl >/dev/null; then
	echo "1..0 # SKIP unbound or perl not installed"
	exit 0
fi
if [ ! -x "$exe" ]; then
	echo "not ok 1 - $exe not built"
	echo "1..1"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-dns.XXXXXX")

# A free UDP port on 127.0.0.1 (the kernel's choice; a small race only).
. "$(dirname "$0")/net.sh"

# A port where something holds UDP and TCP but never answers.
perl -MIO::Socket::INET -e '
    my $u = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
	LocalPort => 0, Proto => "udp") or die "$!\n";
    my $t = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
	LocalPort => $u->sockport, Proto => "tcp", Listen => 1);
    open(my $f, ">", "'"$tmp"'/bh.port") or die;
    print $f $u->sockport, "\n"; close $f;
    sleep 120;' &
bh_pid=$!

write_conf() {	# write_conf PORT DEADPORT
	cat > "$tmp/unbound.conf" <<EOF
server:
	interface: 127.0.0.1
	port: $1
	do-ip6: no
	do-daemonize: no
	use-syslog: no
	logfile: "$tmp/unbound.log"
	verbosity: 1
	chroot: ""
	username: ""
	directory: "$tmp"
	pidfile: "$tmp/unbound.pid"
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	module-config: "iterator"
	# Refuse everything not below: no query ever leaves this host.
	local-zone: "." refuse
	local-zone: "mt.example." static
	local-data: "mt.example. 300 IN SOA ns.mt.example. hostmaster.mt.example. 1 3600 900 604800 300"
	local-data: "mt.example. 300 IN MX 10 mail.mt.example."
	local-data: "mt.example. 300 IN MX 20 backup.mt.example."
	local-data: "mail.mt.example. 300 IN A 192.0.2.25"
	local-data: "a.mt.example. 300 IN A 192.0.2.1"
	local-data: "a.mt.example. 300 IN AAAA 2001:db8::1"
	local-data: 'multi.mt.example. 300 IN TXT "v=spf1 ip4:192.0.2.0/24 " "-all"'
	local-data: "alias.mt.example. 300 IN CNAME a.mt.example."
	local-data: "deep.ent.mt.example. 300 IN A 192.0.2.2"
	local-data: "_25._tcp.mail.mt.example. 300 IN TLSA 3 1 1 0123456789ABCDEF0123456789ABCDEF"
	local-zone: "3.2.1.in-addr.arpa." static
	local-data-ptr: "1.2.3.4 a.mt.example."
	local-zone: "refused.example." always_refuse
	# Names libunbound would answer itself if it were not forwarding.
	local-zone: "fwd.test." static
	local-data: "a.fwd.test. 300 IN A 192.0.2.9"
	local-zone: "10.in-addr.arpa." nodefault
	local-zone: "9.0.0.10.in-addr.arpa." static
	local-data-ptr: "10.0.0.9 host.fwd.test."
	local-zone: "fwd.invalid." static
	local-data: "a.fwd.invalid. 300 IN A 192.0.2.10"
	# Resolved for real, from a server that never answers: unreachable.
	local-zone: "unreachable.example." transparent
stub-zone:
	name: "unreachable.example."
	stub-addr: 127.0.0.1@$2
	stub-prime: no
remote-control:
	control-enable: no
EOF
}

# Start the server; a port taken in the meantime gets another try.
tries=0
while [ $tries -lt 5 ]; do
	tries=$((tries + 1))
	port=$(free_port udp) || break
	dead=$(free_port udp) || break
	write_conf "$port" "$dead"
	"$unbound" -d -c "$tmp/unbound.conf" >"$tmp/stderr" 2>&1 &
	srv_pid=$!
	i=0
	while [ $i -lt 50 ]; do
		if "$exe" dig --server "127.0.0.1@$port" --timeout 300 \
		    a.mt.example A 2>/dev/null | grep -q '^status: ok'; then
			break 2
		fi
		kill -0 "$srv_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	kill "$srv_pid" 2>/dev/null
	wait "$srv_pid" 2>/dev/null
	srv_pid=
done
if [ -z "$srv_pid" ]; then
	echo "not ok 1 - unbound did not start"
	sed 's/^/# /' "$tmp/stderr" "$tmp/unbound.log" 2>/dev/null
	echo "1..1"
	exit 1
fi
tap OK "unbound serves on 127.0.0.1@$port"
srv="127.0.0.1@$port"

# check DESCRIPTION EXPECTED-EXIT PATTERN... -- DIG-ARGS
# Each PATTERN is a fixed line that must appear in the output.
check() {
	desc=$1
	want_rc=$2
	shift 2
	pats=
	while [ "$1" != "--" ]; do
		pats="$pats$1
"
		shift
	done
	shift
	out=$("$exe" dig "$@" 2>&1)
	rc=$?
	missing=$(printf '%s' "$pats" | while IFS= read -r p; do
		[ -n "$p" ] || continue
		printf '%s\n' "$out" | grep -qxF -- "$p" || echo "$p"
	done)
	if [ "$rc" = "$want_rc" ] && [ -z "$missing" ]; then
		tap OK "$desc"
	else
		tap FAIL "$desc (exit $rc, want $want_rc)"
		printf '%s\n' "$out" | sed 's/^/#   got: /'
		printf '%s\n' "$missing" | sed 's/^/#   missing: /'
	fi
}

T="	300	IN	"
check "A" 0 "status: ok" "a.mt.example.${T}A	192.0.2.1" -- \
    --server "$srv" a.mt.example A
check "AAAA" 0 "status: ok" "a.mt.example.${T}AAAA	2001:db8::1" -- \
    --server "$srv" a.mt.example AAAA
check "names are case-insensitive" 0 "status: ok" -- \
    --server "$srv" A.Mt.EXAMPLE. A
check "MX, both records" 0 "status: ok" \
    "mt.example.${T}MX	10 mail.mt.example." \
    "mt.example.${T}MX	20 backup.mt.example." -- \
    --server "$srv" mt.example MX
check "TXT of two strings, kept apart in presentation" 0 "status: ok" \
    "multi.mt.example.${T}TXT	\"v=spf1 ip4:192.0.2.0/24 \" \"-all\"" -- \
    --server "$srv" multi.mt.example TXT
check "TXT strings counted (JSON)" 0 '      "strings": 2' \
    '  "status": "ok",' -- --server "$srv" --json multi.mt.example TXT
check "CNAME followed, canon set" 0 "status: ok" "canon: a.mt.example" \
    "a.mt.example.${T}A	192.0.2.1" -- --server "$srv" alias.mt.example A
check "CNAME asked for itself" 0 "status: ok" \
    "alias.mt.example.${T}CNAME	a.mt.example." -- \
    --server "$srv" alias.mt.example CNAME
check "TLSA decoded" 0 "status: ok" \
    "_25._tcp.mail.mt.example.${T}TLSA	3 1 1 0123456789ABCDEF0123456789ABCDEF" \
    -- --server "$srv" _25._tcp.mail.mt.example TLSA
check "PTR from an address" 0 "status: ok" \
    "4.3.2.1.in-addr.arpa.	3600	IN	PTR	a.mt.example." -- \
    --server "$srv" 1.2.3.4 PTR
check "NXDOMAIN" 0 "status: nxdomain" -- --server "$srv" nx.mt.example A
# libunbound's built-in answers give way to the forwarder's for test.
# and private reverse zones, not for invalid.
check "a test. name the forwarder serves" 0 "status: ok" \
    "a.fwd.test.${T}A	192.0.2.9" -- --server "$srv" a.fwd.test A
check "PTR of a private address the forwarder serves" 0 "status: ok" \
    "9.0.0.10.in-addr.arpa.	3600	IN	PTR	host.fwd.test." -- \
    --server "$srv" 10.0.0.9 PTR
check "invalid. is not forwarded" 0 "status: nxdomain" -- \
    --server "$srv" a.fwd.invalid A
check "NODATA (name has other types)" 0 "status: nodata" -- \
    --server "$srv" a.mt.example TXT
check "NODATA for an empty non-terminal" 0 "status: nodata" -- \
    --server "$srv" ent.mt.example A
check "NXDOMAIN is not NODATA" 0 "status: nxdomain" -- \
    --server "$srv" x.ent.mt.example A
check "SERVFAIL (server refuses)" 2 "status: servfail" -- \
    --server "$srv" x.refused.example A

t0=$(date +%s)
check "server cannot reach the zone: timeout, not 'no record'" 2 \
    "status: timeout" -- --server "$srv" --timeout 1500 \
    x.unreachable.example A
t1=$(date +%s)
if [ $((t1 - t0)) -le 5 ]; then
	tap OK "timeout honoured ($((t1 - t0)) s for 1.5 s)"
else
	tap FAIL "timeout took $((t1 - t0)) s for 1.5 s"
fi
bh=$(cat "$tmp/bh.port" 2>/dev/null)
if [ -n "$bh" ]; then
	check "nothing answers at the server's port: timeout" 2 \
	    "status: timeout" "why: no answer within 1000 ms" -- \
	    --server "127.0.0.1@$bh" --timeout 1000 a.mt.example A
else
	tap FAIL "black hole port not set up"
fi
check "DNSSEC: no chain of trust to the root makes the answer bogus" 2 \
    "status: servfail" "flags: bogus" -- --server "$srv" --dnssec \
    a.mt.example A
check "no DNSSEC asked: neither secure nor bogus" 0 "flags: none" -- \
    --server "$srv" a.mt.example A

# The library from several threads on one shared unbound context.
unit="$1/tests/unit/test_dns"
if [ -x "$unit" ]; then
	out=$(MT_DNS_SERVER="$srv" "$unit" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok' &&
	    printf '%s\n' "$out" | grep -q 'every answer right'; then
		tap OK "test_dns: threads sharing one unbound context"
	else
		tap FAIL "test_dns against the server (exit $rc)"
		printf '%s\n' "$out" | grep -v '^ok' | sed 's/^/#   /'
	fi
else
	tap FAIL "$unit not built"
fi

echo "1..$n"
[ "$fail" -eq 0 ]
