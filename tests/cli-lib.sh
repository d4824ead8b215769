# cli-lib.sh: what the command-line tests share (sourced by cli.sh and
# cli-extras.sh): the binary, the fixtures, a temporary directory removed on
# exit, pass/fail counters, and expect.

: "${top_srcdir:=.}" "${top_builddir:=.}"
bin=$top_builddir/logitlens
fix=${LOGITLENS_FIXTURES:-$top_srcdir/../shared/fixtures}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }

# expect STATUS REGEX CMD...: exit status and a line of stderr.
expect() {
	want=$1 re=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	if [ "$got" != "$want" ]; then
		bad "$*: exit $got, expected $want ($(head -c 300 "$tmp/err"))"
	elif [ -n "$re" ] && ! grep -Eq -- "$re" "$tmp/err"; then
		bad "$*: stderr '$(head -c 300 "$tmp/err")' does not match '$re'"
	else
		ok
	fi
}

command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }
