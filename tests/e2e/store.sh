#!/bin/sh
# The store suite (tests/unit/test_store.c) against every backend: a
# SQLite file, and a real redis-server this script starts on 127.0.0.1
# at a free port with its own temporary directory, reached over TCP and
# over its Unix socket.  Then what happens to `mailtrust learn` when the
# server goes away and comes back.  The server is stopped at the end.
# Usage: store.sh BUILD_DIR.  Prints TAP (one numbering for all runs).
set -u
build="$1"
suite="$build/tests/unit/test_store"
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
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-store.XXXXXX")

# Runs the suite with a spec and folds its TAP into ours, each line
# named after the backend.
run_suite() {	# run_suite LABEL SPEC [BREAK-COMMAND]
	label=$1
	shift
	"$suite" "$@" > "$tmp/out" 2>&1
	rc=$?
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tmp/out")
	tap_fold "$label" "$tmp/out"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$tmp/out"; then
		tap FAIL "$label: suite exited $rc (plan ${plan:-missing})"
	fi
	[ -n "$plan" ] || tap FAIL "$label: no TAP plan (crashed?)"
}

run_suite sqlite "sqlite:$tmp/suite.db"

if ! redis_start "$tmp"; then
	tap FAIL "redis-server starts on 127.0.0.1:$redis_port"
	sed 's/^/# /' "$tmp/redis.log" 2>/dev/null
	echo "1..$n"
	exit 1
fi
tap OK "redis-server runs on 127.0.0.1:$redis_port"
run_suite redis-tcp "redis://127.0.0.1:$redis_port/0?prefix=tcp:" \
    "redis-cli -h 127.0.0.1 -p $redis_port client kill type normal >/dev/null"
run_suite redis-unix "unix:$tmp/redis.sock?db=1&prefix=sock:"

# The suite leaves nothing outside its prefix and database.
keys=$(rcli --scan --pattern '*' | grep -cv '^tcp:')
[ "$keys" -eq 0 ] && tap OK "db 0 holds only the suite's prefix" ||
    tap FAIL "db 0 holds $keys foreign keys"

# learn against a server that goes away and comes back.
spec="redis://127.0.0.1:$redis_port/2"
"$exe" learn --store "$spec" --stats > "$tmp/stats" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '^store: redis' "$tmp/stats" &&
    tap OK "learn --stats with the server up" ||
    tap FAIL "learn --stats with the server up (exit $rc)"
redis_stop
"$exe" learn --store "$spec" --stats > "$tmp/stats" 2>&1
rc=$?
[ $rc -eq 75 ] && grep -q 'unreachable' "$tmp/stats" &&
    tap OK "server down: exit 75 (try later) and says why" ||
    tap FAIL "server down: exit $rc: $(head -1 "$tmp/stats")"
if redis_start "$tmp"; then
	"$exe" learn --store "$spec" --stats > "$tmp/stats" 2>&1
	rc=$?
	[ $rc -eq 0 ] && tap OK "server back: learn works again" ||
	    tap FAIL "server back: exit $rc"
else
	tap FAIL "redis-server restarts"
fi
redis_stop

echo "1..$n"
[ $fail -eq 0 ]
