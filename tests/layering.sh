#!/bin/sh
# layering.sh: the module layout of STYLE.md, kept by checking #include lines.
#
#   util <- st <- model (ops) <- lens <- ui <- main; tok, cfg, hub, report,
#   session, tuned, attrib, compare beside them; eval (with jacobian and
#   eval-report) beside lens, and cmd-eval, the eval subcommand, beside
#   main. The model never sees curses or text; each outside library is
#   included by the one module that owns it; only main.c and cmd-eval.c
#   (and the benchmark program) print to stderr or exit.

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

only curses.h ui.c ui-grid.c ui-panel.c ui-keys.c ui-term.c
only cblas.h ops.c bench.c
only yaml.h cfg.c session.c report.c yml.c
only curl/curl.h hub.c
only pcre2.h tok.c
only openssl/evp.h hub.c

ui="ui.h ui-int.h ui-keys.h ui-term.h ui-view.h ui-palette.h ui-edit.h ui-layout.h"
for f in util.c st.c ops.c model.c yml.c; do
	never $f lens.h tok.h report.h cfg.h hub.h session.h tuned.h attrib.h $ui \
	    eval.h eval-report.h jacobian.h cmd-eval.h
done
for f in lens.c compare.c tuned.c attrib.c tok.c cfg.c hub.c report.c session.c \
    eval.c eval-report.c jacobian.c; do
	never $f $ui main.h
done
# The corpus statistics know no text, files or terminals.
never eval.c tok.h report.h cfg.h hub.h session.h lens.h cmd-eval.h
never eval-report.c tok.h cfg.h hub.h session.h cmd-eval.h
never jacobian.c lens.h tok.h eval.h tuned.h

# Library code returns errors; it does not print or exit.
for f in *.c; do
	case $f in main.c|bench.c|cmd-eval.c) continue ;; esac
	if grep -n '[^_a-z]exit(\|fprintf(stderr' "$f" | grep -v 'util_oom\|^.*/\*' |
	    grep -q .; then
		[ "$f" = util.c ] && grep -c 'fprintf(stderr' util.c | grep -qx 1 &&
		    continue
		echo "FAIL: $f prints to stderr or exits" >&2
		fail=$((fail + 1))
	fi
	pass=$((pass + 1))
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
