#!/bin/sh
# Measures the Bayes classifier on the shared corpus with a train/test
# split: every message goes to one half by the SHA-256 of its path
# relative to the corpus (so the split is the same on every machine and
# every run), the train half is learned into a temporary SQLite store,
# and the test half is judged against it.
#
# Usage: tests/bayes_split.sh BUILD_DIR [CORPUS_DIR]
#   CORPUS_DIR defaults to $MT_CORPUS, else ../shared/corpus.
# The test half then goes through `mailtrust eval` twice, without and
# with the learned store (opened read-only), and both reports are
# printed.  Before that, each test message's spam probability comes
# from `mailtrust learn --classify` and the figures per class are
# printed:
#   spam>=0.9   the share BAYES_SPAM would be added to
#   ham<=0.1    the share BAYES_HAM would be added to
# Phishing is learned as spam.  Prints "bayes CLASS: ..." summary lines
# (not TAP: this is a measurement, not a test).
set -eu
build=$(cd "$1" && pwd)
exe="$build/mailtrust"
top=$(cd "$(dirname "$0")/.." && pwd)
corpus=${2:-${MT_CORPUS:-$top/../shared/corpus}}
[ -d "$corpus" ] || { echo "no corpus at $corpus" >&2; exit 66; }
[ -x "$exe" ] || { echo "$exe not built" >&2; exit 66; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-bayes-split.XXXXXX")
trap '[ -n "${MT_KEEP:-}" ] || rm -rf "$tmp"' EXIT INT TERM
store="sqlite:$tmp/store.db"

# The split: first byte of SHA-256(relative path) even -> train.
python3 - "$corpus" "$tmp" <<'EOF'
import hashlib, os, sys
corpus, out = sys.argv[1], sys.argv[2]
lists = {}
for cls in ('ham', 'spam', 'phish'):
    for root, dirs, files in os.walk(os.path.join(corpus, cls)):
        dirs.sort()
        for f in sorted(files):
            if f.startswith('.') or f.endswith(('.md', '.txt', '.json')):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, corpus)
            half = 'train' if hashlib.sha256(rel.encode()).digest()[0] % 2 == 0 \
                else 'test'
            lists.setdefault((half, cls), []).append(path)
for (half, cls), paths in lists.items():
    with open(os.path.join(out, '%s-%s.list' % (half, cls)), 'w') as fp:
        fp.write(''.join(p + '\n' for p in paths))
EOF

for cls in ham spam phish; do
	[ -s "$tmp/train-$cls.list" ] || continue
	xargs -d '\n' "$exe" learn --store "$store" --quiet "--$cls" \
	    < "$tmp/train-$cls.list" || [ $? -eq 123 ]
done
"$exe" learn --store "$store" --stats | sed 's/^/# /'

for cls in ham spam phish; do
	[ -s "$tmp/test-$cls.list" ] || continue
	xargs -d '\n' "$exe" learn --store "$store" --classify \
	    < "$tmp/test-$cls.list" > "$tmp/prob-$cls.tsv" 2>/dev/null ||
	    [ $? -eq 123 ]
	awk -F '\t' -v cls="$cls" '
	    { n++; if ($1 >= 0.9) s++; else if ($1 <= 0.1) h++; else u++ }
	    END {
		if (n == 0) n = 1
		printf "bayes %s: %d messages, spam>=0.9 %.1f%%, " \
		    "ham<=0.1 %.1f%%, unsure %.1f%%\n", cls, NR,
		    100 * s / n, 100 * h / n, 100 * u / n
	    }' "$tmp/prob-$cls.tsv"
done

# The whole verdict on the test half, without and with the learned
# store (read-only): the Bayes symbol's effect.  eval reads directories,
# so the test half is a tree of symbolic links.
args=
for cls in ham spam phish; do
	[ -s "$tmp/test-$cls.list" ] || continue
	mkdir -p "$tmp/test/$cls"
	awk -v d="$tmp/test/$cls" '{ printf "%s\t%s/%06d.eml\n", $0, d, NR }' \
	    "$tmp/test-$cls.list" |
	    while IFS="$(printf '\t')" read -r src dst; do
		ln -s "$src" "$dst"
	    done
	args="$args --$cls $tmp/test/$cls"
done
# shellcheck disable=SC2086
for mode in without with; do
	echo "# eval of the test half, $mode the store"
	if [ $mode = with ]; then
		"$exe" eval $args --store "$store" > "$tmp/eval-$mode.txt"
	else
		"$exe" eval $args > "$tmp/eval-$mode.txt"
	fi
	sed "s/^/eval $mode store | /" "$tmp/eval-$mode.txt"
done
