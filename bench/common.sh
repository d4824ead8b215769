# bench/common.sh: the prologue that bench/run.sh, patch.sh and eval.sh
# share, sourced (never run) once the script has set me, the name its
# messages begin with: where the sources, the build, the peer (../shared/
# bench), the models and the results are, the CPU's name for the results
# (BENCH_CPU, exported to their python), fail(), and the check of the peer's
# python.
#
# Environment: srcdir, builddir (make bench sets them).

srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${builddir:-.}
shared=$srcdir/../shared
peer=$shared/bench
py=/usr/bin/python3
models=$srcdir/bench-models
out=$builddir/bench-results

# The CPU's model name for the results (its first "model name" line), "?"
# where /proc/cpuinfo has none.
BENCH_CPU=$(sed -n \
    '/^model name/{s/^[^:]*:[[:space:]]*//;s/[[:space:]]*$//;p;q;}' \
    /proc/cpuinfo 2>/dev/null) || :
BENCH_CPU=${BENCH_CPU:-?}
export BENCH_CPU

fail() {
	echo "$me: $*" >&2
	exit 1
}

# The peer's python has torch and numpy, or fail.
need_torch() {
	"$py" -c 'import torch, numpy' 2>/dev/null ||
	    fail "$py has no torch/numpy: apt-get install python3-torch python3-numpy"
}
