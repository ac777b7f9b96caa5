# tap.sh - sourced by the shell suites: TAP output.
#
#   tap OK|FAIL DESCRIPTION [DETAIL]
#
# prints "ok N - ..." or "not ok N - ..." and, on failure, the first
# lines of DETAIL as TAP comments.
#
# $n counts the tests and $fail the failures, so a script ends with
# echo "1..$n" and exits non-zero when $fail is.
n=${n:-0}
fail=${fail:-0}

tap() {
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | head -20 | sed 's/^/#   /'
		fail=$((fail + 1))
	fi
}

#   tap_fold LABEL FILE
#
# folds the TAP of a unit-test binary (its output in FILE) into ours,
# each line named after LABEL; comments are kept as comments.
tap_fold() {
	while IFS= read -r line; do
		case $line in
		"ok "*)		tap OK "$1: ${line#* - }" ;;
		"not ok "*)	tap FAIL "$1: ${line#* - }" ;;
		"#"*|"Bail out!"*)	echo "# $1: $line" ;;
		esac
	done < "$2"
}
