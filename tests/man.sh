#!/bin/sh
# man.sh: logitlens(1) is clean mdoc (groff -mandoc -ww -z says nothing).

: "${top_srcdir:=.}"
page=$top_srcdir/man/logitlens.1

command -v groff >/dev/null || { echo "SKIP: groff not found"; exit 77; }
out=$(groff -mandoc -ww -z "$page" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then
	echo "FAIL: groff -mandoc -ww -z $page:"
	echo "$out"
	exit 1
fi
echo "man.sh: $page is clean"
