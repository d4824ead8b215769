#!/bin/sh
# layering.sh: the module layout of STYLE.md, kept by checking #include lines.
#
#   util <- st <- model (ops) <- lens <- ui <- main; tok, cfg, hub, report,
#   session, tuned, attrib, compare, patch beside them; kern (ops's kernel,
#   measured) above ops; eval (with jacobian and eval-report) beside lens,
#   and cmd-eval, the eval subcommand, beside main. The model never sees
#   curses or text; each outside library is included by the one module that
#   owns it; only main.c and cmd-eval.c (and the benchmark programs) print
#   to stderr or exit.

: "${top_srcdir:=.}"
cd "$top_srcdir/src" || exit 99
fail=0
pass=0

# only LIBRARY_HEADER FILE...: no other source file includes the header.
only() {
	hdr=$1
	shift
	for f in $(grep -l "^#include <$hdr>" *.c); do
		case " $* " in
		*" $f "*) ;;
		*) echo "FAIL: $f includes <$hdr> (only $*)" >&2
		   fail=$((fail + 1)) ;;
		esac
	done
	pass=$((pass + 1))
}

# never FILE HEADER...: FILE includes none of the project headers.
never() {
	f=$1
	shift
	for h in "$@"; do
		if grep -q "^#include \"$h\"" "$f"; then
			echo "FAIL: $f includes \"$h\"" >&2
			fail=$((fail + 1))
		fi
	done
	pass=$((pass + 1))
}

only curses.h ui.c ui-grid.c ui-panel.c ui-patch.c ui-status.c ui-keys.c ui-term.c
only cblas.h ops.c bench.c
only yaml.h cfg.c session.c report.c yml.c
only curl/curl.h hub.c
only pcre2.h tok.c
only openssl/evp.h hub.c

ui="ui.h ui-int.h ui-keys.h ui-term.h ui-view.h ui-palette.h ui-edit.h ui-layout.h
    ui-opts.h ui-snap.h ui-worker.h ui-grid.h ui-panel.h ui-status.h ui-action.h"
for f in util.c st.c ops.c model.c yml.c kern.c pack.c; do
	never $f lens.h metric.h tok.h report.h cfg.h hub.h session.h tuned.h attrib.h \
	    $ui eval.h eval-report.h jacobian.h cmd-eval.h
done
for f in lens.c compare.c tuned.c attrib.c patch.c tok.c cfg.c hub.c report.c \
    session.c eval.c eval-report.c jacobian.c; do
	never $f $ui main.h
done
# The corpus statistics know no text, files or terminals.
never eval.c tok.h report.h cfg.h hub.h session.h lens.h cmd-eval.h
never eval-report.c tok.h cfg.h hub.h session.h cmd-eval.h
never jacobian.c lens.h tok.h eval.h tuned.h

# Library code returns errors; it does not print or exit.
for f in *.c; do
	case $f in main.c|bench.c|patch-bench.c|cmd-eval.c) continue ;; esac
	if grep -n '[^_a-z]exit(\|fprintf(stderr' "$f" | grep -v 'util_oom\|^.*/\*' |
	    grep -q .; then
		[ "$f" = util.c ] && grep -c 'fprintf(stderr' util.c | grep -qx 1 &&
		    continue
		echo "FAIL: $f prints to stderr or exits" >&2
		fail=$((fail + 1))
	fi
	pass=$((pass + 1))
done

# HACKING.md's module map: every source file and header is listed, includes
# only what the map allows, and the graph (file -> the module of each header
# it includes) has no cycle.
map=$(sed -n '/<!-- module map -->/,/<!-- end module map -->/p' \
    ../HACKING.md | grep '^[a-z0-9_-]*\.[ch]:')
if [ -z "$map" ]; then
	echo "FAIL: HACKING.md has no module map" >&2
	fail=$((fail + 1))
fi
# A module may span files: report-patch.c is the report module's writer of
# patching (report.c calls it, it reads struct report).
module() {
	case $1 in
	report-patch) echo report ;;
	*) echo "$1" ;;
	esac
}
edges=
for f in *.c ../include/*.h; do
	b=${f##*/}
	allowed=$(printf '%s\n' "$map" | sed -n "s/^$b: *//p")
	if ! printf '%s\n' "$map" | grep -q "^$b:"; then
		echo "FAIL: $b is not in HACKING.md's module map" >&2
		fail=$((fail + 1))
		continue
	fi
	for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		[ "$h" = config.h ] || [ "$h" = "${b%.*}.h" ] && continue
		case " $allowed " in
		*" $h "*) ;;
		*) echo "FAIL: $b includes \"$h\", not in HACKING.md's map" >&2
		   fail=$((fail + 1)) ;;
		esac
		edges="$edges $(module "${h%.h}") $(module "${b%.*}")"
	done
	pass=$((pass + 1))
done
for m in $(printf '%s\n' "$map" | sed 's/:.*//'); do
	[ -f "$m" ] || [ -f "../include/$m" ] || {
		echo "FAIL: HACKING.md maps $m, which does not exist" >&2
		fail=$((fail + 1))
	}
done
if ! printf '%s\n' $edges | tsort >/dev/null 2>"${TMPDIR:-/tmp}/layering.$$"; then
	echo "FAIL: the include graph has a cycle:" >&2
	cat "${TMPDIR:-/tmp}/layering.$$" >&2
	fail=$((fail + 1))
fi
rm -f "${TMPDIR:-/tmp}/layering.$$"
pass=$((pass + 1))

# Makefile.am names each source, header, test program and test script
# exactly once, in its layer's group: a file appended twice, or left out of
# the build, fails here. (tests/test-X is built from tests/test-X.c, so the
# program's name stands for its source.)
am_words=$(sed 's/^[[:space:]]*#.*//' ../Makefile.am | tr -s ' \t\\' '\n\n\n')
for f in *.c ../include/*.h ../tests/test-*.c ../tests/*.sh; do
	case $f in
	../include/*) w=include/${f##*/} ;;
	../tests/test-*.c) w=${f#../}; w=${w%.c} ;;
	../tests/*) w=${f#../} ;;
	*) w=src/$f ;;
	esac
	n=$(printf '%s\n' "$am_words" | grep -cxF -e "$w" -e "$w.c")
	if [ "$n" -ne 1 ]; then
		echo "FAIL: Makefile.am names $w $n times (once, in its group)" >&2
		fail=$((fail + 1))
	fi
	pass=$((pass + 1))
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
