#!/bin/sh
# The Organizational Domain method on the mail path: `mailtrust check`
# uses RFC 9989's DNS tree walk by default and the Public Suffix List of
# RFC 7489 when mailtrust.conf says "dmarc_org_domain psl".  The case is
# tests/conformance/dmarc's "suffix-*": From mail.harbour-example.co.uk
# (which publishes its own DMARC record) with SPF passing for
# bounce.harbour-example.co.uk.  The tree walk stops at the record, so
# the two are not aligned; the PSL puts both under harbour-example.co.uk.
# Usage: dmarc_org.sh BUILD_DIR.  Prints TAP.
set -u
exe="$1/mailtrust"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/mt-dmarc-org.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

cat "$top/tests/conformance/dmarc/dmarc.zone" > "$tmp/z.zone"
printf 'bounce.harbour-example.co.uk. IN TXT "v=spf1 ip4:192.0.2.31 -all"\n' \
    >> "$tmp/z.zone"
printf 'dmarc_org_domain psl\n' > "$tmp/psl.conf"
printf 'dmarc_org_domain treewalk\n' > "$tmp/walk.conf"
cat > "$tmp/m.eml" <<'MSG'
From: Harbour <a@mail.harbour-example.co.uk>
To: b@praxis.example
Subject: Lieferschein
Date: Mon, 23 Nov 2026 10:00:00 +0100
Message-ID: <org-test@mail.harbour-example.co.uk>

Anbei der Lieferschein.
MSG

n=0
check() {	# check DESCRIPTION WANT [OPTIONS]
	desc=$1 want=$2
	shift 2
	n=$((n + 1))
	got=$("$exe" check --json --zone "$tmp/z.zone" --ip 192.0.2.31 \
	    --helo mail.harbour-example.co.uk \
	    --mail-from x@bounce.harbour-example.co.uk "$@" "$tmp/m.eml" |
	    jq -r .auth.dmarc)
	if [ "$got" = "$want" ]; then
		echo "ok $n - $desc: dmarc=$got"
	else
		echo "not ok $n - $desc: want dmarc=$want, got '$got'"
	fi
}
check "default (tree walk)" fail
check "dmarc_org_domain treewalk" fail --config "$tmp/walk.conf"
check "dmarc_org_domain psl" pass --config "$tmp/psl.conf"
echo "1..$n"
