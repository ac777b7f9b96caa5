#!/bin/sh
# The page in a real browser: starts `mailtrust serve` on a free port of
# 127.0.0.1 (DNS from examples/examples.zone), installs playwright-core
# (npm ci, from tests/web/package-lock.json) and runs tests/web/page.test.js
# in Debian's headless Chromium: upload the IONOS example, choose German,
# see the phishing badge and the German explanation; release a message
# from the quarantine when this build has the quarantine module.
# Screenshots go to tests/out/web/.  Prints TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
exe="$1/mailtrust"
out="$top/tests/out/web"
tmp=$(mktemp -d)
pid=""

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

bail() {
	echo "not ok 1 - $1"
	[ -f "$tmp/serve.err" ] && sed 's/^/# /' "$tmp/serve.err"
	echo "1..1"
	exit 1
}

command -v node >/dev/null 2>&1 || bail "node is not installed (install-deps test)"
[ -x /usr/bin/chromium ] || bail "/usr/bin/chromium is missing (install-deps test)"
if ! (cd "$top/tests/web" && npm ci --no-audit --no-fund --silent \
    >"$tmp/npm.log" 2>&1); then
	sed 's/^/# /' "$tmp/npm.log"
	bail "npm ci in tests/web failed"
fi

token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$token" >"$tmp/token"
mkdir -p "$tmp/quarantine" "$out"
# Release hands the message to this "sendmail", which keeps it for us.
cat >"$tmp/sendmail" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >"$tmp/released.args"
cat >"$tmp/released.eml"
EOF
chmod +x "$tmp/sendmail"

# A held message, written in the quarantine's file format (quarantine.h):
# the metadata block, an empty line, the message as it arrived.
quarantine=0
why="this build has no quarantine module (mailtrust quarantine)"
if "$exe" quarantine --help >/dev/null 2>&1; then
	id="$(date -u +%Y%m%dT%H%M%SZ)-0123456789abcdef"
	{
		printf 'Mailtrust-Quarantine: 1\nTime: %s\n' "$(date +%s)"
		printf 'Sender: empfang@praxis-example.de\n'
		printf 'Client: 193.3.19.117\nVerdict: phishing\n'
		printf 'From: empfang@praxis-example.de\n'
		printf 'Subject: Komplette Wiederherstellung aller archivierter E-Mails erforderlich\n'
		printf 'Score: 22.80\nRcpt: empfang@praxis-example.de\n\n'
		cat "$top/examples/ionos-fake-self.eml"
	} >"$tmp/quarantine/$id.mtq"
	if "$exe" quarantine --dir "$tmp/quarantine" list 2>&1 |
	    grep -q "$id"; then
		quarantine=1
	else
		why="mailtrust quarantine does not list the message written"
	fi
fi

"$exe" serve --listen 127.0.0.1:0 --zone "$top/examples/examples.zone" \
    --token-file "$tmp/token" --quarantine-dir "$tmp/quarantine" \
    --sendmail "$tmp/sendmail" --timeout 10 2>"$tmp/serve.err" &
pid=$!
port=""
for _ in $(seq 1 100); do
	port=$(sed -n 's/.*listening on .*, port \([0-9]*\).*/\1/p' \
	    "$tmp/serve.err" 2>/dev/null)
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
[ -n "$port" ] || bail "mailtrust serve did not start"

BASE_URL="http://127.0.0.1:$port" EXAMPLE="$top/examples/ionos-fake-self.eml" \
    OUT="$out" TOKEN="$token" QUARANTINE=$quarantine QUARANTINE_WHY="$why" \
    node "$top/tests/web/page.test.js" >"$tmp/tap" 2>"$tmp/node.err"
grep -v '^1\.\.' "$tmp/tap"
n=$(grep -c '^\(not \)\{0,1\}ok ' "$tmp/tap")
[ -s "$tmp/node.err" ] && sed 's/^/# node: /' "$tmp/node.err"

if [ "$quarantine" = 1 ]; then
	n=$((n + 1))
	if grep -q 'Subject:' "$tmp/released.eml" 2>/dev/null; then
		echo "ok $n - the released message reached sendmail"
	else
		echo "not ok $n - the released message reached sendmail"
	fi
else
	n=$((n + 1))
	echo "ok $n - release a quarantined message # SKIP $why"
fi

kill "$pid"
wait "$pid"
status=$?
pid=""
n=$((n + 1))
if [ "$status" -eq 0 ]; then
	echo "ok $n - mailtrust serve stopped cleanly"
else
	echo "not ok $n - mailtrust serve stopped cleanly (exit $status)"
	sed 's/^/# /' "$tmp/serve.err" | tail -40
fi
echo "# screenshots: $out"
echo "1..$n"
