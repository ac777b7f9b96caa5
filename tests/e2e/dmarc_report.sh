#!/bin/sh
# DMARC aggregate reports end to end, on SQLite and on a real Redis
# (redis-server started here on 127.0.0.1 at a free port, in its own
# temporary directory): `mailtrust check --store` judges the example
# messages twice (examples.zone publishes DMARC policies for their
# domains), which saves one report row per message; `mailtrust eval
# --store` over the same messages must save nothing (read-only);
# `mailtrust dmarc-report` then writes one gzip'd report per policy
# domain, named as RFC 9990 asks, each validated with xmllint against
# the RFC's schema (tests/dmarc_report/rfc9990.xsd), with the two
# identical rows folded into one <record> of count 2.
# Usage: dmarc_report.sh BUILD_DIR.  Prints TAP.
set -u
exe="$1/mailtrust"
top=$(cd "$(dirname "$0")/../.." && pwd)
xsd="$top/tests/dmarc_report/rfc9990.xsd"
zone="$top/examples/examples.zone"
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

for t in xmllint redis-server redis-cli python3 gzip; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "not ok 1 - $t is not installed (scripts/install-deps test)"
		echo "1..1"
		exit 1
	fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-dmarc-report.XXXXXX")
mkdir "$tmp/examples"
cp "$top"/examples/*.eml "$tmp/examples/"
nmsg=$(ls "$tmp"/examples/*.eml | wc -l)

redis_start "$tmp"
port=$redis_port

run_backend() {	# run_backend NAME SPEC
	name=$1
	spec=$2
	out="$tmp/out-$name"
	mkdir -p "$out"
	for round in 1 2; do
		"$exe" check --json --store "$spec" --zone "$zone" \
		    "$tmp"/examples/*.eml > "$tmp/check-$name-$round.json"
		rc=$?
		[ $rc -lt 64 ] && tap OK "$name: check round $round of $nmsg \
messages (exit $rc)" || tap FAIL "$name: check round $round: exit $rc"
	done
	"$exe" eval --store "$spec" --zone "$zone" --ham "$tmp/examples" \
	    > /dev/null 2>&1
	"$exe" dmarc-report --store "$spec" --org "Praxis Beispiel" \
	    --email dmarc-reports@praxis-example.de \
	    --receiver mx.praxis-example.de --from 2000-01-01 \
	    --until 2100-01-01 --out "$out" > "$tmp/report-$name.txt"
	rc=$?
	files=$(ls "$out" | wc -l)
	[ $rc -eq 0 ] && [ "$files" -ge 3 ] &&
	    tap OK "$name: dmarc-report wrote $files reports" ||
	    tap FAIL "$name: dmarc-report exit $rc, $files reports"
	sed "s/^/# $name: /" "$tmp/report-$name.txt"
	bad=0
	for f in "$out"/*; do
		base=$(basename "$f")
		case "$base" in
		mx.praxis-example.de!*!946684800!4102444799.xml.gz) ;;
		*) bad=$((bad + 1)); echo "# bad name: $base" ;;
		esac
		if ! gzip -t "$f" 2>/dev/null; then
			bad=$((bad + 1))
			echo "# not gzip: $base"
			continue
		fi
		if ! gzip -dc "$f" | xmllint --noout --schema "$xsd" - \
		    > "$tmp/xmllint.txt" 2>&1; then
			bad=$((bad + 1))
			sed 's/^/# /' "$tmp/xmllint.txt"
		fi
	done
	[ $bad -eq 0 ] && tap OK "$name: $files reports are gzip, named \
receiver!domain!begin!end.xml.gz, valid against RFC 9990's schema" ||
	    tap FAIL "$name: $bad problems in the reports"
	# Two checks of each message, eval's run not counted: count 2.
	counts=$(for f in "$out"/*; do gzip -dc "$f"; done |
	    sed -n 's/.*<count>\([0-9]*\)<\/count>.*/\1/p' | sort -u |
	    tr '\n' ' ')
	[ "$counts" = "2 " ] &&
	    tap OK "$name: every row counts 2 messages (eval saved nothing)" ||
	    tap FAIL "$name: row counts are '$counts', want '2 '"
	f=$(ls "$out"/*'!praxis-example.de!'* 2>/dev/null)
	if [ -n "$f" ] && gzip -dc "$f" | grep -q '<p>quarantine</p>' &&
	    gzip -dc "$f" | grep -q '<source_ip>193.3.19.117</source_ip>' &&
	    gzip -dc "$f" | grep -q '<disposition>quarantine</disposition>'
	then
		tap OK "$name: the forged self-addressed mail is in \
praxis-example.de's report: p=quarantine, source 193.3.19.117"
	else
		tap FAIL "$name: praxis-example.de report content"
	fi
	"$exe" dmarc-report --store "$spec" --org x --email y@example.org \
	    --receiver mx.praxis-example.de --from 1000 --until 2000 \
	    --out "$tmp/empty-$name" > "$tmp/empty.txt" 2>&1
	rc=$?
	[ $rc -eq 0 ] && [ ! -s "$tmp/empty.txt" ] &&
	    tap OK "$name: a period without records writes nothing" ||
	    tap FAIL "$name: empty period: exit $rc"
	"$exe" dmarc-report --store "$spec" --org x --email y@example.org \
	    --receiver mx.praxis-example.de --from 2000-01-01 \
	    --until 2100-01-01 --domain labor-example.de \
	    --out "$out" > "$tmp/one.txt" 2>&1
	[ "$(wc -l < "$tmp/one.txt")" -eq 1 ] &&
	    grep -q 'labor-example.de!' "$tmp/one.txt" &&
	    tap OK "$name: --domain writes that domain's report only" ||
	    tap FAIL "$name: --domain"
}

run_backend sqlite "sqlite:$tmp/store.db"
run_backend redis "redis://127.0.0.1:$port/3?prefix=dmt:"

"$exe" dmarc-report --store "sqlite:$tmp/store.db" --org x \
    > /dev/null 2>&1
rc=$?
[ $rc -eq 64 ] && tap OK "missing --email is a usage error (64)" ||
    tap FAIL "missing --email: exit $rc"
"$exe" dmarc-report --store "sqlite:$tmp/store.db" --org x --email y \
    --from tomorrow > /dev/null 2>&1
rc=$?
[ $rc -eq 64 ] && tap OK "a bad --from is a usage error (64)" ||
    tap FAIL "bad --from: exit $rc"
echo "1..$n"
[ $fail -eq 0 ]
