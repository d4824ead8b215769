#!/bin/sh
#
# bench/patch.sh: logitlens-patch-bench and the PyTorch peer
# (bench/torch_patch.py: one whole forward pass per patched cell) on the
# GPT-2-small shaped random model, at T = 16 and 64; a table with ratios,
# the two sides' values compared, and bench-results/patch.json.
#
# usage: patch.sh [-n runs] [-b budget]  (make bench BENCHFLAGS_PATCH='-n 3')
#   -n runs	our timed runs per T (median; default 3)
#   -b budget	seconds the peer may spend per T before it samples cells
#		and multiplies (default 120)
#
# Environment: srcdir, builddir (make bench sets them).
#
set -eu

srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${builddir:-.}
peer=$srcdir/../shared/bench
py=/usr/bin/python3
models=$srcdir/bench-models
out=$builddir/bench-results
runs=3
budget=120

while getopts n:b: ch; do
	case $ch in
	n) runs=$OPTARG ;;
	b) budget=$OPTARG ;;
	*) echo "usage: patch.sh [-n runs] [-b budget]" >&2; exit 1 ;;
	esac
done

fail() {
	echo "bench: $*" >&2
	exit 1
}

[ -f "$peer/torch_lens.py" ] && [ -f "$peer/make_gpt2.py" ] ||
    fail "$peer: the peer's model (torch_lens.py, make_gpt2.py) is not there"
"$py" -c 'import torch, numpy' 2>/dev/null ||
    fail "$py has no torch/numpy: apt-get install python3-torch python3-numpy"
[ -x "$builddir/logitlens-patch-bench" ] ||
    fail "$builddir/logitlens-patch-bench not built"

: "${OPENBLAS_CORETYPE:=Haswell}"
export OPENBLAS_CORETYPE
mkdir -p "$models" "$out"
m=$models/gpt2-small
if [ ! -f "$m/model.safetensors" ]; then
	echo "bench: writing $m" >&2
	"$py" "$peer/make_gpt2.py" --layers 12 --heads 12 --embd 768 \
	    --vocab 50257 --ctx 1024 --out "$m" >&2
fi

echo "bench: patching, logitlens-patch-bench (load" \
    "$(cut -d' ' -f1 /proc/loadavg))" >&2
"$builddir/logitlens-patch-bench" -n "$runs" -T 16,64 \
    -j "$out/patch-ours.json" "$m"
echo "bench: patching, torch_patch.py (load $(cut -d' ' -f1 /proc/loadavg))" >&2
PEER_DIR=$peer "$py" "$srcdir/bench/torch_patch.py" "$m" --T 16 64 \
    --budget "$budget" --json "$out/patch-peer.json"

"$py" - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
ours = json.load(open(os.path.join(out, "patch-ours.json")))
peer = json.load(open(os.path.join(out, "patch-peer.json")))
cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
doc = {"cpu": cpu, "cores": os.cpu_count(),
       "load": open("/proc/loadavg").read().split()[:3],
       "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
       "peer_env": peer["env"], "table": []}
print("\npatching, GPT-2-small shape, residual grid + head grid, %s" % cpu)
print("%4s %6s %10s %12s %10s %9s %10s" % ("T", "cells", "ours_s", "peer_s",
      "speedup", "peer_run", "max_diff"))
worst = 0.0
for o, p in zip(ours["results"], peer["results"]):
    assert o["T"] == p["T"]
    diff = 0.0
    for kind, a, b, v in p["values"]:
        mine = o["rows"][a][b] if kind == "row" else o["heads"][a][b]
        diff = max(diff, abs(mine - v) / (1 + abs(v)))
    worst = max(worst, diff)
    row = {"T": o["T"], "cells": o["cells"], "ours_s": o["median_s"],
           "ours_best_s": o["best_s"], "peer_s": p["total_s"],
           "peer_cells_run": p["cells_run"],
           "peer_per_cell_s": p["per_cell_s"],
           "speedup": p["total_s"] / o["median_s"], "max_rel_diff": diff}
    doc["table"].append(row)
    print("%4d %6d %10.2f %12s %9.1fx %9s %10.2g"
          % (o["T"], o["cells"], o["median_s"], "%.2f%s" % (p["total_s"],
             "" if p["cells_run"] == p["cells"] else "*"),
             row["speedup"], "%d/%d" % (p["cells_run"], p["cells"]), diff))
print("(* the peer ran the cells counted under peer_run and multiplied "
      "its median time per cell)")
with open(os.path.join(out, "patch.json"), "w") as f:
    json.dump(doc, f, indent=1)
if worst > 1e-3:
    sys.exit("bench: ours and the peer's values differ by %.3g" % worst)
PY
