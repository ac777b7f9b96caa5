#!/bin/sh
# The quarantine index on a real Redis: the index cases of
# tests/unit/test_quarantine.c run against a redis-server this script
# starts (127.0.0.1, a free port, its own temporary directory), then
# `mailtrust quarantine` with --store and with the store key of a
# configuration file: reindex after files appeared and vanished behind
# the index's back, the keys it leaves in Redis, list falling back to
# the directory while the server is down, and `mailtrust serve`'s
# quarantine view on the same index.  The server is stopped at the
# end, also on failure.
# Usage: quarantine_index.sh BUILD_DIR.  Prints TAP.
set -u
build="$1"
suite="$build/tests/unit/test_quarantine"
exe="$build/mailtrust"
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
if [ ! -x "$suite" ] || [ ! -x "$exe" ]; then
	echo "not ok 1 - $suite or $exe not built"
	echo "1..1"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-qindex.XXXXXX")


if ! redis_start "$tmp"; then
	tap FAIL "redis-server starts on 127.0.0.1:$redis_port"
	sed 's/^/# /' "$tmp/redis.log" 2>/dev/null
	echo "1..$n"
	exit 1
fi
tap OK "redis-server runs on 127.0.0.1:$redis_port"

# The unit cases on Redis, folded into this TAP.
"$suite" "redis://127.0.0.1:$redis_port/0?prefix=unit:" > "$tmp/out" 2>&1
rc=$?
tap_fold redis "$tmp/out"
grep -q '^1\.\.[0-9]' "$tmp/out" && [ $rc -eq 0 ] &&
    tap OK "test_quarantine on Redis exits 0" ||
    tap FAIL "test_quarantine on Redis exited $rc"
left=$(rcli --scan --pattern 'unit:quarantine:*' | wc -l)
[ "$left" -eq 0 ] && tap OK "the unit cases leave no records" ||
    tap FAIL "the unit cases left $left keys"

# Two held messages written the way quarantine.c writes them.
q="$tmp/q"
mkdir "$q"
write_held() {	# write_held ID TIME SUBJECT
	printf 'Mailtrust-Quarantine: 1\nTime: %s\nSender: s@example.org\n'`
	    `'Client: 192.0.2.1\nVerdict: phishing\nFrom: s@example.org\n'`
	    `'Subject: %s\nScore: 8.00\nRcpt: r@example.net\n\n'`
	    `'Subject: %s\n\nbody\n' "$2" "$3" "$3" > "$q/$1.mtq"
}
id1=20261123T120000Z-00000000000000c1
id2=20261123T130000Z-00000000000000c2
write_held $id1 1764000000 first
write_held $id2 1764003600 second
spec="redis://127.0.0.1:$redis_port/3?prefix=cli:"
conf="$tmp/mailtrust.conf"
printf 'quarantine_dir %s\nstore %s\n' "$q" "$spec" > "$conf"
host=$(python3 -c 'import socket; print(socket.gethostname())')

out=$("$exe" quarantine --config "$conf" list 2>&1)
echo "$out" | grep -q '^0 messages held' &&
    tap OK "files written behind the index's back are not listed yet" ||
    tap FAIL "list before reindex: $out"
out=$("$exe" quarantine --dir "$q" --store "$spec" reindex 2>&1)
rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q '^2 messages held, 2 records added, 0 dropped' &&
    tap OK "reindex adds both: $out" || tap FAIL "reindex (exit $rc): $out"
out=$("$exe" quarantine --config "$conf" list 2>&1)
echo "$out" | grep -q '^2 messages held' &&
    [ "$(echo "$out" | head -1 | cut -d' ' -f1)" = $id2 ] &&
    tap OK "the config's store key: list from the index, newest first" ||
    tap FAIL "list after reindex: $out"
[ "$(rcli -n 3 zcard cli:quarantine:all)" = 2 ] &&
    [ "$(rcli -n 3 zcard "cli:quarantine:host:$host")" = 2 ] &&
    [ "$(rcli -n 3 hget cli:quarantine:$id1 subject)" = first ] &&
    [ "$(rcli -n 3 hget cli:quarantine:$id1 host)" = "$host" ] &&
    tap OK "Redis holds a hash per message and the sets by time" ||
    tap FAIL "Redis keys: $(rcli -n 3 --scan --pattern '*' | tr '\n' ' ')"
out=$("$exe" quarantine --config "$conf" list --json 2>&1)
[ "$(echo "$out" | python3 -c 'import json, sys
print(",".join(json.loads(l)["subject"] for l in sys.stdin))')" = \
    "second,first" ] && tap OK "list --json from the index" ||
    tap FAIL "list --json: $out"

rm "$q/$id1.mtq"
out=$("$exe" quarantine --config "$conf" reindex 2>&1)
echo "$out" | grep -q '^1 message held, 0 records added, 1 dropped' &&
    [ "$(rcli -n 3 exists cli:quarantine:$id1)" = 0 ] &&
    tap OK "reindex drops the record of a vanished file: $out" ||
    tap FAIL "reindex after rm: $out"

redis_stop
out=$("$exe" quarantine --config "$conf" list 2>"$tmp/err")
rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q '^1 message held' &&
    grep -q 'reading the directory' "$tmp/err" &&
    tap OK "server down: list reads the directory and says so" ||
    tap FAIL "server down: list exit $rc: $out $(cat "$tmp/err")"
"$exe" quarantine --config "$conf" reindex >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 70 ] && grep -q 'unreachable' "$tmp/err" &&
    tap OK "server down: reindex fails (exit 70) and says why" ||
    tap FAIL "server down: reindex exit $rc: $(cat "$tmp/err")"

# The HTTP view (mailtrust serve with the same configuration) lists
# from the index and keeps it on delete.
http_view() {
	top=$(cd "$(dirname "$0")/../.." && pwd)
	id3=20261123T140000Z-00000000000000c3
	write_held $id3 1764007200 third
	head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$tmp/token"
	"$exe" serve --listen 127.0.0.1:0 --config "$conf" \
	    --zone "$top/examples/examples.zone" \
	    --token-file "$tmp/token" 2>"$tmp/serve.err" &
	web_pid=$!
	hport=
	for _ in $(seq 1 100); do
		hport=$(sed -n 's/.*listening on .*, port \([0-9]*\).*/\1/p' \
		    "$tmp/serve.err" 2>/dev/null)
		[ -n "$hport" ] && break
		kill -0 "$web_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$hport" ]; then
		tap FAIL "mailtrust serve starts: $(head -3 "$tmp/serve.err")"
		kill "$web_pid" 2>/dev/null
		wait "$web_pid" 2>/dev/null
		return
	fi
	auth="Authorization: Bearer $(cat "$tmp/token")"
	total=$(curl -s -H "$auth" "http://127.0.0.1:$hport/v1/quarantine" |
	    python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])')
	# The directory holds one file, the index none: 0 means the index.
	[ "$total" = 0 ] &&
	    tap OK "HTTP lists from the index (the new file is not in it)" ||
	    tap FAIL "HTTP list before reindex: total $total"
	"$exe" quarantine --config "$conf" reindex >/dev/null 2>&1
	ids=$(curl -s -H "$auth" "http://127.0.0.1:$hport/v1/quarantine" |
	    python3 -c 'import json, sys
print(" ".join(m["id"] for m in json.load(sys.stdin)["messages"]))')
	[ "$ids" = "$id3" ] && tap OK "HTTP lists it after reindex" ||
	    tap FAIL "HTTP list after reindex: $ids"
	code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "$auth" \
	    "http://127.0.0.1:$hport/v1/quarantine/$id3")
	[ "$code" = 200 ] && [ ! -e "$q/$id3.mtq" ] &&
	    [ "$(rcli -n 3 exists cli:quarantine:$id3)" = 0 ] &&
	    tap OK "HTTP DELETE removes the file and the record" ||
	    tap FAIL "HTTP DELETE: $code"
	kill "$web_pid"
	wait "$web_pid"
	rc=$?
	[ $rc -eq 0 ] && tap OK "mailtrust serve stops cleanly" ||
	    tap FAIL "mailtrust serve exit $rc: $(tail -3 "$tmp/serve.err")"
}

if redis_start "$tmp"; then
	# The server kept nothing (--save ''): reindex rebuilds from files.
	out=$("$exe" quarantine --config "$conf" reindex 2>&1)
	echo "$out" | grep -q '^1 message held, 1 record added' &&
	    tap OK "an emptied server is rebuilt from the files: $out" ||
	    tap FAIL "reindex after restart: $out"
	out=$("$exe" quarantine --config "$conf" delete $id2 2>&1)
	[ "$(rcli -n 3 zcard cli:quarantine:all)" = 0 ] &&
	    [ ! -e "$q/$id2.mtq" ] &&
	    tap OK "delete removes the file and the record" ||
	    tap FAIL "delete: $out"
	http_view
else
	tap FAIL "redis-server restarts"
fi
redis_stop

echo "1..$n"
[ $fail -eq 0 ]
