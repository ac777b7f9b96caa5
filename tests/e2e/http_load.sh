#!/bin/sh
# Load on POST /v1/check: wrk (Debian) for 60 seconds against a real
# `mailtrust serve` on a free port of 127.0.0.1, DNS from
# examples/examples.zone, posting the bundled examples in turn.  Prints
# requests/s, p50/p99 latency and errors (which must be 0), then the
# /metrics text after the run.  Prints TAP.
#
#   tests/e2e/http_load.sh BUILD_DIR [SECONDS]   (default 60)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
exe="$1/mailtrust"
secs="${2:-60}"
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

if ! command -v wrk >/dev/null 2>&1; then
	tap FAIL "wrk is installed (scripts/install-deps test)"
	echo "1..$n"
	exit 1
fi

# Each wrk thread has its own Lua state: every one reads the examples
# and posts them in turn.  Any answer but 200 counts as an error.
cat >"$tmp/post.lua" <<'EOF'
local bodies, i = {}, 0
function init(args)
	for _, path in ipairs(args) do
		local f = assert(io.open(path, "rb"))
		bodies[#bodies + 1] = f:read("*a")
		f:close()
	end
end
function request()
	i = i % #bodies + 1
	return wrk.format("POST", "/v1/check",
	    { ["Content-Type"] = "message/rfc822" }, bodies[i])
end
function response(status, headers, body)
	if status ~= 200 then
		io.stderr:write("status " .. status .. ": " .. body .. "\n")
	end
end
function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("requests %d\n", summary.requests))
	io.write(string.format("seconds %.2f\n", summary.duration / 1e6))
	io.write(string.format("requests_per_s %.1f\n",
	    summary.requests / (summary.duration / 1e6)))
	io.write(string.format("p50_ms %.2f\n", latency:percentile(50) / 1e3))
	io.write(string.format("p99_ms %.2f\n", latency:percentile(99) / 1e3))
	io.write(string.format("max_ms %.2f\n", latency.max / 1e3))
	io.write(string.format("errors %d\n", e.connect + e.read + e.write +
	    e.status + e.timeout))
	io.write(string.format("errors_detail connect=%d read=%d write=%d " ..
	    "status=%d timeout=%d\n", e.connect, e.read, e.write, e.status,
	    e.timeout))
end
EOF

"$exe" serve --listen 127.0.0.1:0 --zone "$top/examples/examples.zone" \
    --threads 2 2>"$tmp/serve.err" &
pid=$!
port=""
for _ in $(seq 1 100); do
	port=$(sed -n 's/.*listening on .*, port \([0-9]*\).*/\1/p' \
	    "$tmp/serve.err" 2>/dev/null)
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$port" ]; then
	tap FAIL "mailtrust serve starts" "$(cat "$tmp/serve.err")"
	echo "1..$n"
	exit 1
fi
url="http://127.0.0.1:$port"

examples=$(grep -v '^#' "$top/examples/expected" | awk 'NF { print $1 }' |
    sed "s|^|$top/examples/|")
# shellcheck disable=SC2086
nice wrk -t 2 -c 8 -d "${secs}s" --timeout 10s --latency -s "$tmp/post.lua" \
    "$url/v1/check" -- $examples >"$tmp/wrk.out" 2>"$tmp/wrk.err"
st=$?
sed 's/^/# /' "$tmp/wrk.out"
head -5 "$tmp/wrk.err" | sed 's/^/# wrk: /'
val() { sed -n "s/^$1 //p" "$tmp/wrk.out"; }
requests=$(val requests)
errors=$(val errors)
if [ "$st" -eq 0 ] && [ -n "$requests" ] && [ "$requests" -gt 0 ]; then
	tap OK "wrk ran ${secs}s: $requests requests, $(val requests_per_s)/s, p50 $(val p50_ms) ms, p99 $(val p99_ms) ms"
else
	tap FAIL "wrk ran ${secs}s against POST /v1/check" "$(cat "$tmp/wrk.err")"
fi
if [ "${errors:-x}" = 0 ]; then
	tap OK "no errors under load (connect, read, write, timeout, non-200)"
else
	tap FAIL "no errors under load" "$(val errors_detail)"
fi

curl -s "$url/metrics" >"$tmp/metrics"
echo "# /metrics after the run:"
sed 's/^/#   /' "$tmp/metrics"
judged=$(sed -n 's/^mailtrust_messages_total{[^}]*} //p' "$tmp/metrics" |
    awk '{ s += $1 } END { print s + 0 }')
# wrk stops with requests under way: the server may have judged a few more.
if [ -n "$requests" ] && [ "$judged" -ge "$requests" ] &&
    [ "$judged" -le $((requests + 16)) ]; then
	tap OK "the metrics count every judged message ($judged)"
else
	tap FAIL "the metrics count every judged message" \
	    "metrics $judged, wrk $requests"
fi
failures=$(sed -n 's/^mailtrust_scan_failures_total //p' "$tmp/metrics")
if [ "${failures:-x}" = 0 ]; then
	tap OK "no scan failed inside under load"
else
	tap FAIL "no scan failed inside under load" "$failures"
fi

# bench/bench_http, the benchmark's client: every example once from two
# threads, each answered 200; and a path the server does not have, each
# request counted as an error, not as a latency.
client="$1/bench/bench_http"
count=$(echo "$examples" | wc -w)
# shellcheck disable=SC2086
"$client" --port "$port" --path /v1/check --concurrency 2 \
    --header "X-Mailtrust-Client-IP: 192.0.2.25" $examples >"$tmp/bh.out" \
    2>"$tmp/bh.err"
oks=$(grep -c '^OK [0-9.]*$' "$tmp/bh.out")
if [ "$oks" -eq "$count" ] && ! grep -q '^ERR' "$tmp/bh.out"; then
	tap OK "bench_http posts each of the $count examples, answered 200"
else
	tap FAIL "bench_http posts each example, answered 200" \
	    "$(head -5 "$tmp/bh.out" "$tmp/bh.err")"
fi
# shellcheck disable=SC2086
"$client" --port "$port" --path /v1/nowhere --concurrency 2 $examples \
    >"$tmp/bh404.out" 2>&1
bad=$(grep -c '^ERR status not 200$' "$tmp/bh404.out")
if [ "$bad" -eq "$count" ]; then
	tap OK "bench_http counts a reply other than 200 as an error"
else
	tap FAIL "bench_http counts a reply other than 200 as an error" \
	    "$(head -5 "$tmp/bh404.out")"
fi

kill "$pid"
wait "$pid"
st=$?
pid=""
if [ "$st" -eq 0 ]; then
	tap OK "mailtrust serve stops cleanly after the load"
else
	tap FAIL "mailtrust serve stops cleanly after the load (exit $st)" \
	    "$(tail -30 "$tmp/serve.err")"
fi
echo "1..$n"
[ "$fail" -eq 0 ]
