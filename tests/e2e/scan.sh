#!/bin/sh
# scan.sh - end-to-end test of `mailtrust scan` against local endpoints
# only (127.0.0.1, ports of this test's own servers):
#
#  - tests/scan/endpoints.py: HTTPS servers answering like Outlook on the
#    web of given builds (patched, unpatched, end of life, CU-only paths,
#    build hidden), other web servers, closed ports, hosts that accept and
#    then stall (TCP, TLS and HTTP), an SMTP server greeting like Exchange;
#  - a real Postfix with STARTTLS on ten 127.0.0.1 ports (own config,
#    queue and data dirs in the temp dir);
#  - a real redis-server for the distributed run.
#
# Checks: the class of every endpoint (counted per class), the wall time,
# the operator report (libloc has no data for 127.0.0.1, so the test
# gives a local operator file), resume after SIGINT and after SIGKILL with
# no endpoint probed twice (the servers count connections), and two
# workers on one Redis, one SIGKILLed mid-run, every target done once.
#
# Usage: tests/e2e/scan.sh BUILD_DIR      (prints TAP)
set -u
e2e=$(cd "$(dirname "$0")" && pwd)

build=${1:?usage: scan.sh BUILD_DIR}
case $build in /*) ;; *) build="$PWD/$build" ;; esac
src=$(cd "$(dirname "$0")/../.." && pwd)
mt="$build/mailtrust"
py=/usr/bin/python3
asof=2025-09-01
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-scan.XXXXXX")
chmod 755 "$tmp"	# Postfix refuses a queue under a private dir
n=0
failed=0
srv_pid=""
redis_pid=""
pf_dir=""
wpids=""

cleanup() {
	[ -n "$pf_dir" ] && postfix -c "$pf_dir" stop >/dev/null 2>&1
	for p in $srv_pid $redis_pid $wpids; do
		kill "$p" 2>/dev/null
	done
	for p in $srv_pid $redis_pid; do
		wait "$p" 2>/dev/null
	done
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

ok() {	# ok CONDITION-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

bail() {
	echo "not ok $((n + 1)) - $1"
	echo "1..$((n + 1))"
	exit 1
}

for t in postfix openssl redis-server redis-cli; do
	command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] ||
	    bail "$t is not installed (scripts/install-deps test)"
done
[ -x "$mt" ] || bail "no $mt"

. "$(dirname "$0")/net.sh"

cd "$tmp" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem \
    -days 30 -subj /CN=owa.test.example \
    -addext subjectAltName=DNS:owa.test.example,DNS:mail.test.example \
    >/dev/null 2>&1 || bail "openssl could not make a test certificate"

# --- the endpoints: KIND [BUILD] EXPECTED, repeated COUNT times ----------
# Classes as of $asof by Microsoft's table (data/exchange-builds): 2016 and
# 2019 are supported until 2025-10-14, Aug25SU is the newest update.
while read -r count line; do
	i=0
	while [ "$i" -lt "$count" ]; do
		echo "$line"
		i=$((i + 1))
	done
done > spec <<'EOF'
12 owa-header 15.2.1748.36 patched
10 owa-path 15.2.1544.33 patched
10 owa-header 15.1.2507.58 patched
8 owa-header 15.2.2562.20 patched
10 owa-header 15.2.1544.14 unpatched
8 owa-path 15.2.1118.40 unpatched
8 owa-header 15.1.2507.44 unpatched
6 owa-header 15.2.2562.17 unpatched
8 owa-path 15.2.1748 unpatched
6 owa-path 15.1.2507 unpatched
5 owa-hidden unpatched
5 smtp-exchange unpatched
12 owa-header 15.0.1497.48 eol
8 owa-path 15.0.1497.2 eol
6 owa-header 14.3.513.0 eol
10 web nginx not-exchange
8 web iis not-exchange
7 web apache not-exchange
20 closed unreachable
8 stall-tls unreachable
8 stall-http unreachable
8 stall-smtp unreachable
EOF

# "host" targets: SMTP on 25 and HTTPS on 443 of their own loopback
# addresses (root may bind them; nothing else of the test uses them).
cat >> spec <<'EOF'
@127.0.0.111:25 smtp-exchange unpatched
@127.0.0.111:443 owa-header 15.2.1544.14 unpatched
@127.0.0.112:443 web nginx not-exchange
EOF

"$py" "$src/tests/scan/endpoints.py" spec cert.pem key.pem ports hits \
    2>endpoints.log &
srv_pid=$!
i=0
while [ ! -s ports ] && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s ports ] || bail "endpoint servers did not start: $(tail -3 endpoints.log)"

# --- Postfix with STARTTLS on ten ports ---------------------------------
pf_ports=$(free_ports 10)
pf_dir="$tmp/postfix"
mkdir -p "$pf_dir" "$tmp/pfq" "$tmp/pfd"
chown postfix "$tmp/pfd"
cat > "$pf_dir/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $tmp/pfq
data_directory = $tmp/pfd
mail_owner = postfix
myhostname = mx.scan.test
mydestination =
relay_domains =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
maillog_file = $tmp/postfix.log
maillog_file_prefixes = $tmp
smtpd_banner = \$myhostname ESMTP Postfix
smtpd_tls_security_level = may
smtpd_tls_cert_file = $tmp/cert.pem
smtpd_tls_key_file = $tmp/key.pem
shlib_directory = /usr/lib/postfix
EOF
: > "$pf_dir/master.cf"
for p in $pf_ports; do
	echo "127.0.0.1:$p inet n - n - - smtpd" >> "$pf_dir/master.cf"
done
# The internal services every private Postfix needs.
cat "$e2e/postfix-services.cf" >> "$pf_dir/master.cf"
postfix -c "$pf_dir" check >postfix.check 2>&1
postfix -c "$pf_dir" start >postfix.start 2>&1
for p in $pf_ports; do
	wait_port "$p" || bail "Postfix did not start: $(tail -3 postfix.start postfix.log 2>/dev/null)"
	echo "$p postfix - not-exchange" >> ports
done

# Web kinds are probed as https://HOST:PORT, SMTP kinds as HOST:PORT,
# the fixed addresses as plain hosts (25 and 443 both).
awk '$1 ~ /:/ { next }
     { if ($2 ~ /smtp|postfix/) t = "127.0.0.1:" $1;
       else t = "https://127.0.0.1:" $1;
       print t > "targets"; print t, $4 > "expected" }' ports
if grep -q cannot-bind ports; then
	echo "# host targets (25 + 443) left out: $(grep cannot-bind ports | head -1)"
else
	printf '127.0.0.111 unpatched\n127.0.0.112 not-exchange\n' |
	    tee -a expected | cut -d' ' -f1 >> targets
fi
total=$(wc -l < targets)
echo "# $total endpoints on 127.0.0.0/8"
[ "$total" -ge 200 ]
ok $? "at least 200 endpoints ($total)"

echo "127.0.0.0/8 AS64500 AT abuse=abuse@hosting.example Example Hosting GmbH" > operators
echo "# libloc has no data for 127.0.0.1: operators come from a local file"

check_classes() {	# check_classes RESULTS: per class right/total, TAP
	"$py" - "$1" expected <<'EOF'
import json, sys
want = dict(l.split() for l in open(sys.argv[2]))
got, lines = {}, 0
for l in open(sys.argv[1]):
    o = json.loads(l); lines += 1
    got.setdefault(o["target"], []).append(o["class"])
for c in ["patched", "unpatched", "eol", "not-exchange", "unreachable"]:
    ts = [t for t in want if want[t] == c]
    right = sum(1 for t in ts if got.get(t) == [c])
    print("%s %d %d" % (c, right, len(ts)))
    for t in ts:
        if got.get(t) != [c]:
            print("# %s: want %s, got %s" % (t, c, got.get(t)))
print("one-result-per-target %d %d" % (lines, len(want)))
EOF
}

# --- 1. the whole list ---------------------------------------------------
start=$(date +%s.%N)
"$mt" scan --json --as-of "$asof" --concurrency 50 --connect-timeout 1000 \
    --read-timeout 1500 --report report.md --operators operators \
    targets > results.json 2> scan.err
rc=$?
end=$(date +%s.%N)
ok "$rc" "scan exits 0 ($(head -c 200 scan.err))"
wall=$("$py" -c "print('%.2f' % ($end - $start))")
echo "# wall time for $total endpoints: ${wall}s (concurrency 50)"
check_classes results.json > classes
grep '^#' classes
while read -r cls right all; do
	case $cls in \#*) continue ;; esac
	[ "$right" -eq "$all" ] && [ "$all" -gt 0 ]
	st=$?
	if [ "$cls" = one-result-per-target ]; then
		ok $st "one result line per target ($right lines, $all targets)"
	else
		ok $st "$cls: $right/$all endpoints classified right"
	fi
done < classes
"$py" - results.json <<'EOF' > field_checks
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
def one(pred): return any(pred(r) for r in rs)
checks = [
 ("JSON has the required fields", all(all(k in r for k in
   ("target", "class", "build", "product", "missing_updates", "cves")) for r in rs)),
 ("unpatched CU14 Nov24SUv2 lists Aug25SU and CVE-2025-25005", one(lambda r:
   r["build"] == "15.2.1544.14" and "Aug25SU" in r["missing_updates"] and
   "CVE-2025-25005" in r["cves"])),
 ("CU-only path reported as such with the newest update it could have",
   one(lambda r: r["build"] == "15.2.1748" and r["cu_only"] and
   r["newest_update"] == "Aug25SU" and r["class"] == "unpatched")),
 ("SE recognised", one(lambda r: r["product"] == "Exchange Server SE")),
 ("Postfix: banner, EHLO, STARTTLS certificate", one(lambda r:
   r["smtp"] and r["smtp"]["software"] == "Postfix" and r["smtp"]["tls"] and
   "STARTTLS" in r["smtp"]["extensions"] and
   r["smtp"]["certificate"]["subject"] == "/CN=owa.test.example")),
 ("HTTPS certificate names read", one(lambda r: r["https"] and
   r["https"]["certificate"] and "mail.test.example" in
   r["https"]["certificate"]["names"])),
 ("Exchange SMTP greeting recognised", one(lambda r: r["smtp"] and
   r["smtp"]["software"] == "Microsoft Exchange")),
 ("host target: SMTP on 25 and the build from HTTPS on 443", one(lambda r:
   r["target"] == "127.0.0.111" and r["smtp"] and r["smtp"]["reachable"]
   and r["https"] and r["build"] == "15.2.1544.14")),
]
for name, good in checks:
    print("%d %s" % (0 if good else 1, name))
EOF
while read -r st name; do
	ok "$st" "$name"
done < field_checks

# Each listening endpoint was connected to exactly once.
"$py" - hits ports <<'EOF' > hitcheck
import collections, sys
hits = collections.Counter(l.strip() for l in open(sys.argv[1]))
ports = [l.split() for l in open(sys.argv[2])]
listening = [p for p, kind, _, _ in ports
             if kind not in ("closed", "postfix", "cannot-bind")]
twice = [p for p in listening if hits[p] > 1]
never = [p for p in listening if hits[p] == 0]
print(len(twice), len(never), len(listening))
EOF
read -r twice never listening < hitcheck
[ "$twice" -eq 0 ] && [ "$never" -eq 0 ]
ok $? "each of $listening test endpoints probed exactly once ($twice twice, $never never)"

grep -q '^## AS64500 Example Hosting GmbH (AT)' report.md &&
    grep -q 'Abuse contact: abuse@hosting.example' report.md &&
    grep -q 'affected hosts at 1 operators' report.md
ok $? "operator report grouped by AS with the abuse contact"
echo "# --- operator report (first 30 lines) ---"
head -30 report.md | sed 's/^/# /'

# --- 2. resume after ^C and after a crash --------------------------------
resume_test() {	# resume_test SIGNAL JOURNAL
	sig=$1
	journal=$2
	before=$(wc -l < hits)
	"$mt" scan --json --as-of "$asof" --concurrency 10 --rate 40 \
	    --connect-timeout 1000 --read-timeout 1000 --resume "$journal" \
	    targets > "$journal.out1" 2>/dev/null &
	pid=$!
	sleep 2
	kill -"$sig" "$pid"
	wait "$pid"
	rc1=$?
	started=$(grep -c '^S' "$journal")
	first=$(grep -c '^D' "$journal")
	"$mt" scan --json --as-of "$asof" --concurrency 50 \
	    --connect-timeout 1000 --read-timeout 1000 --resume "$journal" \
	    --report "$journal.md" --operators operators targets \
	    > "$journal.out2" 2>/dev/null
	rc2=$?
	tail -n +"$((before + 1))" hits > "$journal.hits"
	"$py" - "$journal" "$journal.hits" targets <<'EOF' > "$journal.check"
import collections, sys
done = collections.Counter()
for l in open(sys.argv[1]):
    if l.startswith("D\t"):
        done[l.split("\t")[1]] += 1
hits = collections.Counter(l.strip() for l in open(sys.argv[2]))
targets = [l.strip() for l in open(sys.argv[3])]
missing = sum(1 for t in targets if done[t] == 0)
dup = sum(1 for t in done if done[t] > 1)
twice = sum(1 for p in hits if hits[p] > 1)
print(missing, dup, twice)
EOF
	read -r missing dup twice < "$journal.check"
	echo "# SIG$sig after 2s: exit $rc1, $first of $total finished; resumed run exit $rc2"
	[ "$rc1" -ne 0 ] && [ "$first" -gt 0 ] && [ "$first" -lt "$total" ]
	ok $? "SIG$sig stops the scan part-way ($first/$total)"
	# 40 a second for about 2 s, with room for a slow start of the kill.
	[ "$started" -le 120 ]
	ok $? "--rate 40: $started targets started in about 2s"
	[ "$rc2" -eq 0 ] && [ "$missing" -eq 0 ] && [ "$dup" -eq 0 ]
	ok $? "resumed after SIG$sig: every target finished once ($missing missing, $dup twice)"
	[ "$twice" -eq 0 ]
	ok $? "resumed after SIG$sig: no endpoint probed twice ($twice)"
}
resume_test INT journal-int
resume_test KILL journal-kill
echo "# after SIGKILL, targets in flight are reported, not re-probed: $(grep -c 'not probed again' journal-kill.out2)"

# --- 3. two workers on one Redis, one killed -----------------------------
rport=$(free_ports 1)
mkdir -p redis
redis-server --port "$rport" --bind 127.0.0.1 --dir "$tmp/redis" \
    --save '' --appendonly no --daemonize no > redis.log 2>&1 &
redis_pid=$!
wait_port "$rport" || bail "redis-server did not start: $(tail -3 redis.log)"
q="redis://127.0.0.1:$rport/scantest"
"$mt" scan --queue "$q" --enqueue targets 2> enqueue.err
ok $? "targets queued ($(tail -1 enqueue.err))"
"$mt" scan --queue "$q" --enqueue targets 2> enqueue2.err
grep -q "0 targets queued, $total of them queued before" enqueue2.err
ok $? "queueing the list again adds nothing ($(tail -1 enqueue2.err))"
wopts="--as-of $asof --concurrency 5 --rate 15 --connect-timeout 1000 --read-timeout 1000 --claim-idle 6000"
# shellcheck disable=SC2086
"$mt" scan --queue "$q" --worker a $wopts > worker-a.json 2>worker-a.err &
wa=$!
# shellcheck disable=SC2086
"$mt" scan --queue "$q" --worker b $wopts > worker-b.json 2>worker-b.err &
wb=$!
wpids="$wa $wb"
sleep 3
kill -KILL "$wa"
wait "$wa" 2>/dev/null
# What the dead worker held: entries pending under its name.
a_pending=$(redis-cli -p "$rport" XPENDING scantest:targets scanners - + 100000 a | grep -c '^a$')
wstart=$(date +%s)
wait "$wb"
rcb=$?
wpids=""
echo "# worker a killed after 3s with $(wc -l < worker-a.json) results; worker b exit $rcb after $(( $(date +%s) - wstart ))s more, $(wc -l < worker-b.json) results"
"$mt" scan --queue "$q" --collect --report dist.md --operators operators \
    > collected.json 2>collect.err
ok $? "results collected"
check_classes collected.json > dist-classes
read -r _ lines want <<EOF
$(grep "^one-result" dist-classes)
EOF
"$py" - collected.json targets <<'EOF' > dist-check
import collections, json, sys
c = collections.Counter(json.loads(l)["target"] for l in open(sys.argv[1]))
t = [l.strip() for l in open(sys.argv[2])]
print(sum(1 for x in t if c[x] == 0), sum(1 for x in c if c[x] > 1))
EOF
read -r dmissing ddup < dist-check
[ "$dmissing" -eq 0 ] && [ "$ddup" -eq 0 ] && [ "$lines" -eq "$want" ]
ok $? "distributed: every target done exactly once ($lines results for $want, $dmissing missing, $ddup twice)"
bad=$(awk '!/^#/ && $1 != "one-result-per-target" && $2 != $3' dist-classes | wc -l)
[ "$bad" -eq 0 ]
ok $? "distributed: classes right"
pending=$(redis-cli -p "$rport" XPENDING scantest:targets scanners | head -1)
[ "$pending" = "0" ] && [ "$a_pending" -gt 0 ]
ok $? "the killed worker's $a_pending pending entries were claimed back; none left pending ($pending)"

echo "1..$n"
[ "$failed" -eq 0 ]
