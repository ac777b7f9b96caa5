#!/bin/sh
# The bundled examples through `mailtrust check --json`, DNS from
# examples/examples.zone: each must get the verdict and carry the symbols
# listed in examples/expected ("FILE VERDICT [SYMBOL]..."), in English
# and in German, with a summary in each language.  Prints TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
exe="$1/mailtrust"
zone="$top/examples/examples.zone"
n=0
fail=0

. "$(dirname "$0")/tap.sh"

grep -v '^#' "$top/examples/expected" | while read -r file verdict symbols; do
	[ -n "$file" ] || continue
	for lang in en de; do
		out=$("$exe" check --json --lang "$lang" --zone "$zone" \
		    "$top/examples/$file" 2>&1)
		status=$?
		got=$(printf '%s\n' "$out" | jq -r .verdict 2>/dev/null)
		if [ "$got" = "$verdict" ]; then
			tap OK "$file ($lang): $verdict"
		else
			tap FAIL "$file ($lang): want $verdict, got '${got}' (exit $status)"
			printf '%s\n' "$out" | jq -c '{verdict,score,auth,symbols:[.symbols[]|{name,score}]}' 2>/dev/null | sed 's/^/# /'
		fi
		summary=$(printf '%s\n' "$out" | jq -r .summary 2>/dev/null)
		if [ ${#summary} -gt 40 ]; then
			tap OK "$file ($lang): summary in words"
		else
			tap FAIL "$file ($lang): summary missing or too short"
		fi
		for sym in $symbols; do
			# jq -e exits 0 on empty input: require a verdict first.
			if [ -n "$got" ] && printf '%s\n' "$out" | jq -e \
			    --arg s "$sym" '[.symbols[].name] | index($s) != null' \
			    >/dev/null 2>&1; then
				tap OK "$file ($lang): has $sym"
			else
				tap FAIL "$file ($lang): lacks $sym"
			fi
		done
	done
done
