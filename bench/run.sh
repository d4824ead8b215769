#!/bin/sh
#
# bench/run.sh: logitlens-bench and the PyTorch peer (../shared/bench/
# torch_lens.py) back to back on GPT-2 shaped random models, then one table
# of the two with ratios, and bench-results.json.
#
# usage: run.sh [-m] [-n runs]	(make bench BENCHFLAGS='-m -n 5')
#   -m		GPT-2-medium shape too (24 layers, 1024 wide)
#   -n runs	timed runs per figure (medians; default 7)
#
# Environment: srcdir, builddir (make bench sets them). Models are written
# once into $srcdir/bench-models/ (ignored by git; never commit them).
# OPENBLAS_CORETYPE defaults to Haswell, as in the peer's published figures.
#
set -eu

srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${builddir:-.}
peer=$srcdir/../shared/bench
py=/usr/bin/python3
models=$srcdir/bench-models
out=$builddir/bench-results
medium=0
runs=7

while getopts mn: ch; do
	case $ch in
	m) medium=1 ;;
	n) runs=$OPTARG ;;
	*) echo "usage: run.sh [-m] [-n runs]" >&2; exit 1 ;;
	esac
done

fail() {
	echo "bench: $*" >&2
	exit 1
}

[ -f "$peer/torch_lens.py" ] && [ -f "$peer/make_gpt2.py" ] ||
    fail "$peer: the peer (torch_lens.py, make_gpt2.py) is not there"
[ -x "$py" ] || fail "$py not found (the peer needs Debian's python3)"
"$py" -c 'import torch, numpy' 2>/dev/null ||
    fail "$py has no torch/numpy: apt-get install python3-torch python3-numpy"
[ -x "$builddir/logitlens-bench" ] ||
    fail "$builddir/logitlens-bench not built (make logitlens-bench)"

: "${OPENBLAS_CORETYPE:=Haswell}"
export OPENBLAS_CORETYPE
mkdir -p "$models" "$out"

# name layers heads embd
model() {
	if [ ! -f "$models/$1/model.safetensors" ]; then
		echo "bench: writing $models/$1" >&2
		"$py" "$peer/make_gpt2.py" --layers "$2" --heads "$3" \
		    --embd "$4" --vocab 50257 --ctx 1024 --out "$models/$1" \
		    >&2
	fi
}

# name [flags]
run() {
	name=$1
	shift
	echo "bench: $name: logitlens-bench" >&2
	"$builddir/logitlens-bench" -n "$runs" -j "$out/ours-$name.json" \
	    "$@" "$models/$name" >"$out/ours-$name.txt"
	cat "$out/ours-$name.txt"
	echo "bench: $name: torch_lens.py --bench" >&2
	"$py" "$peer/torch_lens.py" "$models/$name" --bench --T 16 64 256 \
	    --runs "$runs" --bench-json "$out/peer-$name.json" \
	    >"$out/peer-$name.txt" 2>&1 || fail "the peer failed: see $out/peer-$name.txt"
}

names=gpt2-small
model gpt2-small 12 12 768
if [ $medium = 1 ]; then
	model gpt2-medium 24 16 1024
	names="$names gpt2-medium"
fi
echo "bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
run gpt2-small
[ $medium = 0 ] || run gpt2-medium -R

"$py" - "$out" $names <<'PY'
import json, os, sys
out, names = sys.argv[1], sys.argv[2:]
cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
doc = {"cpu": cpu, "cores": os.cpu_count(),
       "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
       "load": open("/proc/loadavg").read().split()[:3], "models": {}}
for n in names:
    ours = json.load(open(os.path.join(out, "ours-%s.json" % n)))
    peer = json.load(open(os.path.join(out, "peer-%s.json" % n)))
    pr = {r["T"]: r for r in peer["results"]}
    rows = []
    print("\n%s: sgemm %.1f GFLOP/s, %s" % (n, ours["sgemm_gflops"], cpu))
    print("%5s %9s %11s %11s %8s %10s %8s" % ("T", "GFLOP", "ours_ms",
          "peer_ms", "speedup", "floor_ms", "x_floor"))
    for r in ours["results"]:
        p = pr.get(r["T"])
        pm = p["fwd_lens_median_s"] if p else float("nan")
        row = {"T": r["T"], "gflop": r["gflop"],
               "ours_s": r["fwd_lens_median_s"], "peer_s": pm,
               "speedup": pm / r["fwd_lens_median_s"],
               "floor_s": r["floor_s"],
               "x_floor": r["fwd_lens_median_s"] / r["floor_s"],
               "ours_forward_s": r["forward_median_s"],
               "peer_forward_s": p["forward_median_s"] if p else None}
        rows.append(row)
        print("%5d %9.1f %11.1f %11.1f %7.2fx %10.1f %8.2f" % (r["T"],
              r["gflop"], row["ours_s"] * 1e3, pm * 1e3, row["speedup"],
              row["floor_s"] * 1e3, row["x_floor"]))
    print("append one token at T=64 %.1f ms, edit the first token %.1f ms"
          % (ours["append_T64_s"] * 1e3, ours["edit_first_T64_s"] * 1e3))
    print("start-up %.0f ms; peak RSS %.0f MB (weights %.0f MB)"
          % (ours["startup_s"] * 1e3, ours["peak_rss_mb"],
             ours["weights_mb"]))
    doc["models"][n] = {"ours": ours, "peer_env": peer.get("env"),
                        "table": rows}
with open(os.path.join(out, "bench-results.json"), "w") as f:
    json.dump(doc, f, indent=1)
print("\nwrote %s" % os.path.join(out, "bench-results.json"))
PY
