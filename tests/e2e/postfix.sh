#!/bin/sh
# postfix.sh - mailtrust milter inside a real Postfix, end to end.
#
#   tests/e2e/postfix.sh BUILD_DIR
#
# Two private Postfix instances run from a temp dir (own config, queue,
# data and log; never /etc/postfix's instance), both on 127.0.0.1:
#   B "mx"     smtpd on a free port with smtpd_milters = mailtrust,
#              milter_default_action = tempfail, delivering every
#              recipient into one Maildir (virtual, static maps);
#   A "sender" a client MTA relaying everything to B, so that a tempfail
#              is queued and retried the way a real sender would.
# mailtrust runs as "mailtrust milter --zone examples/examples.zone" on
# a free 127.0.0.1 port with its own mailtrust.conf.
#
# Part 1: swaks sends examples/*.eml to B; the verdict of each must be
# the one "mailtrust check" gives, shown in the delivered headers; the
# rejected get the configured SMTP text; the quarantined are in the
# quarantine; a forged Authentication-Results is removed; a release
# reaches the Maildir.
# Part 2: 1,000 messages through A while mailtrust is SIGKILLed in the
# middle and restarted: each message must end delivered, rejected or
# quarantined exactly once (counted by a unique X-E2E-Id field).
#
# Prints TAP.  Needs root (Postfix's master) and postfix, swaks.
set -u
e2e=$(cd "$(dirname "$0")" && pwd)

BUILD=$(cd "${1:?usage: postfix.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
MT=$BUILD/mailtrust
N_CRASH=${MT_E2E_MESSAGES:-1000}
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

if [ "$(id -u)" -ne 0 ]; then
	not_ok "postfix e2e: needs root to run Postfix's master (skipped)"
	echo "1..$n"
	exit 1
fi
for tool in postfix swaks python3; do
	if ! command -v $tool >/dev/null 2>&1; then
		not_ok "postfix e2e: $tool is not installed (scripts/install-deps test)"
		echo "1..$n"
		exit 1
	fi
done

T=$(mktemp -d /tmp/mt-postfix-XXXXXX)
chmod 755 "$T"
MPID=
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	postfix -c "$T/a/conf" stop >/dev/null 2>&1
	postfix -c "$T/b/conf" stop >/dev/null 2>&1
	sleep 1
	# A master that does not stop in time is killed by its pid file.
	for i in a b; do
		[ -f "$T/$i/queue/pid/master.pid" ] &&
			kill -9 "$(tr -d ' ' < "$T/$i/queue/pid/master.pid")" \
			    2>/dev/null
	done
	[ -n "${MT_E2E_KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$(dirname "$0")/net.sh"
PORT_B=$(free_port)
PORT_M=$(free_port)
while [ "$PORT_M" = "$PORT_B" ]; do PORT_M=$(free_port); done

# make_instance NAME SMTP_LISTENER_LINE MAIN_CF_EXTRA
make_instance() {
	d=$T/$1
	mkdir -p "$d/conf" "$d/queue" "$d/data"
	chown postfix "$d/data"
	cat > "$d/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = $1.mt-e2e.test
mydomain = mt-e2e.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
maillog_file = $d/maillog
maillog_file_prefixes = $d
smtputf8_enable = no
biff = no
alias_maps =
alias_database =
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
smtp_host_lookup = native
smtp_dns_support_level = disabled
$3
EOF
	cat > "$d/conf/master.cf" <<EOF
$2
virtual   unix  -       n       n       -       -       virtual
EOF
	# The internal services every private Postfix needs.
	cat "$e2e/postfix-services.cf" >> "$d/conf/master.cf"
	postfix -c "$d/conf" check >"$d/check.log" 2>&1 &&
	    postfix -c "$d/conf" start >"$d/start.log" 2>&1
}

mkdir -p "$T/b/mail"
chown 65534:65534 "$T/b/mail"
make_instance b "127.0.0.1:$PORT_B inet n - n - - smtpd" "
virtual_mailbox_domains = static:all
virtual_mailbox_base = $T/b/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_milters = inet:127.0.0.1:$PORT_M
milter_default_action = tempfail
milter_protocol = 6
milter_connect_timeout = 5s
milter_command_timeout = 60s
milter_content_timeout = 120s"
rb=$?
mkdir -p "$T/a/conf"
# Logs "QID: info: header X-E2E-Id: N" to tie a rejection to a message.
echo '/^X-E2E-Id: / INFO' > "$T/a/conf/header_checks"
make_instance a "" "
header_checks = regexp:$T/a/conf/header_checks
relayhost = [127.0.0.1]:$PORT_B
default_destination_concurrency_limit = 8
smtp_connect_timeout = 5s"
ra=$?
if [ $ra -ne 0 ] || [ $rb -ne 0 ]; then
	not_ok "Postfix instances start"
	cat "$T"/*/check.log "$T"/*/start.log "$T"/*/maillog 2>/dev/null |
	    sed 's/^/# /'
	echo "1..$n"
	exit 1
fi
ok "two private Postfix instances on 127.0.0.1 (mx port $PORT_B)"

AUTHSERV=mx.mt-e2e.test
REJECT_TEXT="mailtrust: claims a known sender but is not authenticated"
cat > "$T/mailtrust.conf" <<EOF
authserv_id $AUTHSERV
# Postfix does not show the milter its own Received field: the top one
# the milter sees is the examples' receiving host's, ours too.
trusted_hops 1
trusted_networks 127.0.0.0/8
milter_listen inet:$PORT_M@127.0.0.1
quarantine_dir $T/quarantine
release_sendmail /usr/sbin/sendmail -C $T/b/conf
action suspicious reject "5.7.1 $REJECT_TEXT"
EOF

# start_milter [CONFIG]
start_milter() {
	"$MT" milter --config "${1:-$T/mailtrust.conf}" \
	    --zone "$SRC/examples/examples.zone" >>"$T/milter.log" 2>&1 &
	MPID=$!
	i=0
	while ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT_M), 1)" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.2
	done
}
if start_milter; then
	ok "mailtrust milter listening on inet:$PORT_M@127.0.0.1"
else
	not_ok "mailtrust milter starts"
	sed 's/^/# /' "$T/milter.log"
	echo "1..$n"
	exit 1
fi

# --- Part 1: the examples through swaks --------------------------------

MAILDIR=$T/b/mail/inbox
# field FILE NAME: the first address in <> of that header, else its value.
envelope() {
	python3 - "$1" <<'EOF'
import email, email.utils, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
rp = email.utils.parseaddr(m.get("Return-Path", ""))[1]
to = email.utils.getaddresses(m.get_all("To", []))
print(rp or "nobody@example.org", to[0][1] if to else "postmaster@example.org",
    m.get("Message-ID", "").strip())
EOF
}

# Waits until the Maildir holds a file with this Message-ID.
delivered_file() {
	i=0
	while [ $i -lt 100 ]; do
		f=$(grep -l -i -F "Message-ID: $1" "$MAILDIR"/new/* 2>/dev/null | head -1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		i=$((i + 1))
		sleep 0.2
	done
	return 1
}

shown=0
for eml in "$SRC"/examples/*.eml; do
	name=$(basename "$eml")
	# What "mailtrust check" says with the same configuration.
	set -- $("$MT" check --json --config "$T/mailtrust.conf" \
	    --zone "$SRC/examples/examples.zone" "$eml" |
	    python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["verdict"], j["action"])')
	verdict=$1 action=$2
	set -- $(envelope "$eml")
	from=$1 rcpt=$2 mid=$3
	swaks --server 127.0.0.1 --port "$PORT_B" --helo client.mt-e2e.test \
	    --from "$from" --to "$rcpt" --data "$eml" >"$T/swaks.out" 2>&1
	case $action in
	reject)
		check "$name: $verdict, rejected with the configured text" \
		    grep -q "<\*\* 550 5.7.1 $REJECT_TEXT" "$T/swaks.out"
		;;
	tempfail)
		check "$name: $verdict, tempfailed" \
		    grep -q "<\*\* 451 " "$T/swaks.out"
		;;
	quarantine)
		sleep 0.5
		check "$name: $verdict, accepted by SMTP and quarantined" \
		    sh -c "grep -q '<-  250' '$T/swaks.out' &&
		    grep -l -i -F 'Message-ID: $mid' '$T'/quarantine/*.mtq >/dev/null"
		;;
	*)
		if f=$(delivered_file "$mid"); then
			check "$name: delivered with X-Mailtrust-Verdict: $verdict" \
			    grep -q "^X-Mailtrust-Verdict: $verdict" "$f"
			check "$name: our Authentication-Results on top" \
			    grep -q "^Authentication-Results: $AUTHSERV;" "$f"
			check "$name: X-Spam-Flag and X-Spam-Status" \
			    sh -c "grep -q '^X-Spam-Flag: ' '$f' &&
			    grep -q '^X-Spam-Status: ' '$f'"
			if [ $shown -eq 0 ]; then
				echo "# headers of $name as delivered:"
				sed -n '1,/^\r\{0,1\}$/p' "$f" | sed 's/^/#   /'
				shown=1
			fi
		else
			not_ok "$name: delivered (action $action)"
			sed 's/^/# /' "$T/swaks.out" | tail -5
		fi
		;;
	esac
done

# A forged Authentication-Results with our authserv-id is removed.
python3 - "$SRC/examples/ham-de-befund.eml" "$T/forged.eml" "$AUTHSERV" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
data = data.replace(b"Message-ID: <", b"Message-ID: <forged.", 1)
open(sys.argv[2], "wb").write(b"Authentication-Results: " +
    sys.argv[3].encode() + b"; dkim=pass header.d=forged.example\r\n" + data)
EOF
set -- $(envelope "$T/forged.eml")
swaks --server 127.0.0.1 --port "$PORT_B" --from "$1" --to "$2" \
    --data "$T/forged.eml" >"$T/swaks.out" 2>&1
if f=$(delivered_file "$3"); then
	check "forged Authentication-Results removed, ours added" \
	    sh -c "! grep -q 'forged.example' '$f' &&
	    [ \$(grep -c '^Authentication-Results: $AUTHSERV;' '$f') -eq 1 ]"
else
	not_ok "message with a forged Authentication-Results delivered"
fi

# Release one quarantined message: it reaches the Maildir through B.
"$MT" quarantine --config "$T/mailtrust.conf" list > "$T/qlist"
sed 's/^/# /' "$T/qlist"
qid=$(awk 'NR == 1 { print $1 }' "$T/qlist")
qmid=$(sed -n 's/^Message-I[Dd]: *//Ip' "$T/quarantine/$qid.mtq" | head -1 | tr -d '\r')
if [ -n "$qid" ] &&
    "$MT" quarantine --config "$T/mailtrust.conf" release "$qid" \
    >"$T/release.out" 2>&1 &&
    f=$(delivered_file "$qmid"); then
	check "released message delivered with its verdict header" \
	    grep -q '^X-Mailtrust-Verdict: ' "$f"
	check "released message left the quarantine" \
	    test ! -e "$T/quarantine/$qid.mtq"
else
	not_ok "release of a quarantined message ($qid, $qmid)"
	sed 's/^/# /' "$T/release.out"
	tail -5 "$T/b/maillog" | sed 's/^/# /'
fi

# --- Part 2: 1,000 messages, mailtrust killed in the middle -------------

rm -f "$MAILDIR"/new/* "$T"/quarantine/*.mtq
: > "$T/a/maillog"
# Each message is an example with a unique X-E2E-Id field on top (no
# DKIM signature covers it): one in ten the phishing one, one in ten the
# unauthenticated notice (rejected by the action above), the rest ham.
python3 - "$SRC/examples" "$T/crash" "$N_CRASH" <<'EOF'
import os, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out)
def example(name):
    return open(os.path.join(src, name), "rb").read()
kinds = [example("ionos-fake-self.eml"),
         example("microsoft-notice-unauth.eml")] + \
        [example("ham-de-befund.eml")] * 8
for i in range(n):
    data = b"X-E2E-Id: %d\n" % i + kinds[i % 10]
    open(os.path.join(out, "%04d.eml" % i), "wb").write(data)
EOF

t0=$(date +%s)
(
	for f in "$T"/crash/*.eml; do
		/usr/sbin/sendmail -C "$T/a/conf" -f '<>' -- \
		    empfang@praxis-example.de < "$f"
	done
) &
SENDER=$!

# count: how many messages have reached an end state so far.
count_done() {
	d=$(ls "$MAILDIR/new" 2>/dev/null | wc -l)
	q=$(ls "$T/quarantine" 2>/dev/null | grep -c '\.mtq$')
	r=$(grep -c 'status=bounced' "$T/a/maillog" 2>/dev/null)
	echo $((d + q + ${r:-0}))
}
kill_at=$((N_CRASH / 3))
i=0
while [ "$(count_done)" -lt $kill_at ] && [ $i -lt 600 ]; do
	sleep 0.2
	i=$((i + 1))
done
echo "# SIGKILL mailtrust after $(count_done) messages"
kill -9 "$MPID"
wait "$MPID" 2>/dev/null
MPID=
sleep 3
start_milter || not_ok "mailtrust restarted"
echo "# mailtrust restarted"
wait $SENDER
t1=$(date +%s)
echo "# all $N_CRASH messages queued at the sender after $((t1 - t0)) s"

# Flush and wait for both queues to drain.
i=0
while [ $i -lt 300 ]; do
	postqueue -c "$T/a/conf" -f 2>/dev/null
	qa=$(postqueue -c "$T/a/conf" -p 2>/dev/null | tail -1)
	qb=$(postqueue -c "$T/b/conf" -p 2>/dev/null | tail -1)
	case "$qa$qb" in
	*"Mail queue is empty"*"Mail queue is empty"*) break ;;
	esac
	sleep 2
	i=$((i + 2))
done
t2=$(date +%s)
echo "# all queues empty after $((t2 - t0)) s"

# The restarted milter stops on SIGTERM; a sanitizer build reports
# memory errors and leaks into its log at exit.
kill "$MPID"
i=0
while kill -0 "$MPID" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.2
	i=$((i + 1))
done
check "mailtrust milter stops on SIGTERM" sh -c "! kill -0 $MPID 2>/dev/null"
wait "$MPID" 2>/dev/null
MPID=
check "no sanitizer report in the milter's log" \
    sh -c "! grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error' '$T/milter.log'"
grep -E -A20 'AddressSanitizer|LeakSanitizer|runtime error' "$T/milter.log" |
    head -40 | sed 's/^/# /'

python3 - "$T" "$N_CRASH" > "$T/counts" <<'EOF'
import collections, glob, re, sys
t, n = sys.argv[1], int(sys.argv[2])
idre = re.compile(rb"(?m)^X-E2E-Id: (\d+)")
def ids(files):
    out = []
    for f in files:
        m = idre.search(open(f, "rb").read())
        if m:
            out.append(int(m.group(1)))
    return out
delivered = ids(glob.glob(t + "/b/mail/inbox/new/*"))
quarantined = ids(glob.glob(t + "/quarantine/*.mtq"))
qid_mid, deferred, bounced, sent = {}, set(), [], set()
for line in open(t + "/a/maillog", "rb"):
    m = re.search(rb" ([0-9A-F]{6,}): info: header X-E2E-Id: (\d+) ", line)
    if m:
        qid_mid[m.group(1)] = int(m.group(2))
    m = re.search(rb" ([0-9A-F]{6,}): to=.*status=(\w+)", line)
    if m:
        if m.group(2) == b"deferred":
            deferred.add(m.group(1))
        elif m.group(2) == b"bounced":
            bounced.append(m.group(1))
        elif m.group(2) == b"sent":
            sent.add(m.group(1))
rejected = [qid_mid[q] for q in bounced if q in qid_mid]
every = collections.Counter(delivered + quarantined + rejected)
print("sent", n)
print("delivered", len(delivered))
print("rejected", len(rejected))
print("quarantined", len(quarantined))
print("deferred_then_done", len([q for q in deferred if q in sent or q in bounced]))
print("lost", len([i for i in range(n) if every[i] == 0]))
print("duplicated", len([i for i in range(n) if every[i] > 1]))
EOF
sed 's/^/# /' "$T/counts"
val() { awk -v k="$1" '$1 == k { print $2 }' "$T/counts"; }
check "every message ended somewhere: lost = $(val lost)" [ "$(val lost)" = 0 ]
check "none twice: duplicated = $(val duplicated)" [ "$(val duplicated)" = 0 ]
check "delivered + rejected + quarantined = sent ($N_CRASH)" \
    [ $(( $(val delivered) + $(val rejected) + $(val quarantined) )) -eq "$N_CRASH" ]
check "the kill made the sender defer and retry ($(val deferred_then_done) messages)" \
    [ "$(val deferred_then_done)" -gt 0 ]
check "rejected and quarantined ones among them" \
    sh -c "[ '$(val rejected)' -gt 0 ] && [ '$(val quarantined)' -gt 0 ]"
echo "postfix-crash: sent=$(val sent) delivered=$(val delivered) rejected=$(val rejected) quarantined=$(val quarantined) deferred_then_done=$(val deferred_then_done) lost=$(val lost) duplicated=$(val duplicated)" | sed 's/^/# /'

# --- Part 3: a message over milter_max_message ------------------------

# oversize MODE EXPECT DESCRIPTION: one example through a milter that
# reads at most 2k; EXPECT is a pattern in the swaks output.
oversize() {
	sed "s/^milter_listen .*/&\nmilter_max_message 2k\nmilter_oversize $1/" \
	    "$T/mailtrust.conf" > "$T/oversize.conf"
	if ! start_milter "$T/oversize.conf"; then
		not_ok "milter with milter_oversize $1 starts"
		return
	fi
	swaks --server 127.0.0.1 --port "$PORT_B" \
	    --from bounces-befund@labor-example.de \
	    --to "big-$1@praxis-example.de" \
	    --data "$SRC/examples/ham-de-befund.eml" >"$T/swaks.out" 2>&1
	check "$3" grep -q "$2" "$T/swaks.out"
	kill "$MPID"
	wait "$MPID" 2>/dev/null
	MPID=
}
oversize tempfail '<\*\* 452 4.3.4 ' \
    "over milter_max_message, milter_oversize tempfail: 452 4.3.4"
oversize truncate '<-  250 ' \
    "over milter_max_message, milter_oversize truncate: accepted"
f=$(grep -l -F "big-truncate@praxis-example.de" "$MAILDIR"/new/* 2>/dev/null | head -1)
check "the truncated one is marked X-Mailtrust-Truncated" \
    sh -c "[ -n '$f' ] && grep -q '^X-Mailtrust-Truncated: yes' '$f'"

echo "1..$n"
[ $failed -eq 0 ]
