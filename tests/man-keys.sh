#!/bin/sh
# man-keys.sh: the man page's KEY BINDINGS list is the explorer's key table.
#
# The list between the KEYS-BEGIN and KEYS-END comments must be exactly what
# 'logitlens --list-keys=mdoc' prints; if the key table changed, regenerate
# it with that command.

: "${top_srcdir:=.}" "${top_builddir:=.}"
man=$top_srcdir/man/logitlens.1
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

"$top_builddir/logitlens" --list-keys=mdoc >"$tmp/want" || exit 99
sed -n '/KEYS-BEGIN/,/KEYS-END/p' "$man" |
    sed '1,2d;$d' | sed '$d' >"$tmp/got"
if ! cmp -s "$tmp/want" "$tmp/got"; then
	echo "FAIL: $man: KEY BINDINGS differs from the key table:" >&2
	diff "$tmp/want" "$tmp/got" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
# Every action is also named in the text listing.
n=$("$top_builddir/logitlens" --list-keys | wc -l)
[ "$n" -eq "$(grep -c '^\.It' "$tmp/want")" ] || {
	echo "FAIL: --list-keys lists $n actions" >&2
	exit 1
}
echo "1 passed, 0 failed"
