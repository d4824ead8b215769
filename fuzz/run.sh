#!/bin/sh
# fuzz/run.sh: builds the libFuzzer targets with clang (ASan + UBSan) and
# runs each for SECONDS (default 60) from its seed corpus in fuzz/corpus.
#
#   fuzz/run.sh [SECONDS [TARGET...]]
#
# Outside Automake: make and make distcheck never need clang. The build
# goes to $FUZZ_BUILD (default build-fuzz at the top of the tree); inputs
# the fuzzer finds go there too (the committed corpus is only read), and
# so does a crashing input (crash-*), which fails the run. fuzz-tok reads
# GPT-2's vocabulary from $LOGITLENS_FIXTURES (default ../shared/fixtures)
# and is skipped without it. Exit: 0 clean, 1 a target failed, 77 no clang.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-st model-config vocab cfg yml tok display}
build=${FUZZ_BUILD:-$top/build-fuzz}
export LOGITLENS_FIXTURES="${LOGITLENS_FIXTURES:-$top/../shared/fixtures}"

command -v clang >/dev/null || { echo "SKIP: clang not found"; exit 77; }
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer $san"
mkdir -p "$build" || exit 1
cd "$build" || exit 1
if [ ! -f Makefile ]; then
	"$top/configure" -q CC=clang \
	    CFLAGS="$cflags -fsanitize=fuzzer-no-link" || exit 1
fi
# Only the modules the targets reach: a half-written explorer does not stop
# the fuzzers.
objs=
for m in util st ops model tuned lens metric tok yml cfg; do
	objs="$objs src/$m.o"
done
# shellcheck disable=SC2086
make -s -j2 $objs >/dev/null && rm -f libfuzz.a && ar cr libfuzz.a $objs ||
    exit 1
libs="$(pkg-config --libs jansson yaml-0.1 libpcre2-8 openblas ncursesw \
    libcurl libcrypto) -lm -lpthread"

fail=0
for t in $targets; do
	if [ "$t" = tok ] && [ ! -d "$LOGITLENS_FIXTURES/gpt2-tokenizer" ]; then
		echo "fuzz-$t: SKIP (no $LOGITLENS_FIXTURES/gpt2-tokenizer)"
		continue
	fi
	# shellcheck disable=SC2086
	clang $cflags -fsanitize=fuzzer -I"$top/include" -I. \
	    "$top/fuzz/fuzz-$t.c" libfuzz.a $libs -o "fuzz-$t" || exit 1
	mkdir -p "corpus-$t" tmp
	TMPDIR=$build/tmp ./"fuzz-$t" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$build/crash-$t-" \
	    "corpus-$t" "$top/fuzz/corpus/$t" >"fuzz-$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "fuzz-$t.log" |
	    tail -n 1)
	if [ $rc -ne 0 ]; then
		echo "fuzz-$t: FAIL (exit $rc after ${runs:-?} runs)"
		grep -E -A30 '^==[0-9]+==ERROR|runtime error|deadly signal' \
		    "fuzz-$t.log" | head -n 60
		fail=1
	else
		echo "fuzz-$t: ${runs:-?} runs in ${secs}s, no crash"
	fi
done
rm -rf "$build/tmp"
exit $fail
