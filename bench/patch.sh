#!/bin/sh
#
# bench/patch.sh: logitlens-patch-bench and the PyTorch peer
# (bench/torch_patch.py: one whole forward pass per patched cell) on the
# GPT-2-small shaped random model, at T = 16 and 64; a table with ratios,
# the two sides' values compared, and bench-results/patch.json.
#
# usage: patch.sh [-n runs] [-r rounds] [-b budget]
#		(make bench BENCHFLAGS_PATCH='-n 3 -r 2')
#   -n runs	our timed runs per T (median; default 1)
#   -r rounds	ours, peer, ours, peer... at each T: each side keeps its
#		best, so that a burst of load elsewhere does not decide the
#		ratio (default 2)
#   -b budget	seconds the peer may spend per T and round before it
#		samples cells (spread over both grids) and multiplies its
#		median time per cell (default 60)
#
# Environment: srcdir, builddir (make bench sets them).
#
set -eu

me=bench
. "$(dirname "$0")/common.sh"
runs=1
rounds=2
budget=60

while getopts n:r:b: ch; do
	case $ch in
	n) runs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	b) budget=$OPTARG ;;
	*) echo "usage: patch.sh [-n runs] [-r rounds] [-b budget]" >&2
	   exit 1 ;;
	esac
done

[ -f "$peer/torch_lens.py" ] && [ -f "$peer/make_gpt2.py" ] ||
    fail "$peer: the peer's model (torch_lens.py, make_gpt2.py) is not there"
need_torch
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

r=1
while [ $r -le "$rounds" ]; do
	for T in 16 64; do
		echo "bench: patching: round $r: T=$T: logitlens-patch-bench," \
		    "torch_patch.py (load $(cut -d' ' -f1 /proc/loadavg))" >&2
		"$builddir/logitlens-patch-bench" -n "$runs" -T $T \
		    -j "$out/patch-ours.$r.$T.json" "$m"
		PEER_DIR=$peer "$py" "$srcdir/bench/torch_patch.py" "$m" \
		    --T $T --budget "$budget" \
		    --json "$out/patch-peer.$r.$T.json"
	done
	r=$((r + 1))
done

"$py" - "$out" "$rounds" <<'PY'
import json, os, sys
out, rounds = sys.argv[1], int(sys.argv[2])


def best(side, T, key):
    docs = [json.load(open(os.path.join(out, "patch-%s.%d.%d.json"
                                        % (side, r, T))))
            for r in range(1, rounds + 1)]
    rs = [d["results"][0] for d in docs]
    return min(rs, key=lambda x: x[key]), [x[key] for x in rs], docs[0]


ours = {"results": []}
peer = {"results": []}
for T in (16, 64):
    o, orounds, _ = best("ours", T, "median_s")
    p, prounds, pdoc = best("peer", T, "total_s")
    o["rounds_s"], p["rounds_s"] = orounds, prounds
    ours["results"].append(o)
    peer["results"].append(p)
    peer["env"] = pdoc["env"]
cpu = os.environ["BENCH_CPU"]
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
           "speedup": p["total_s"] / o["median_s"], "max_rel_diff": diff,
           "ours_rounds_s": o["rounds_s"], "peer_rounds_s": p["rounds_s"]}
    doc["table"].append(row)
    print("%4d %6d %10.2f %12s %9.1fx %9s %10.2g"
          % (o["T"], o["cells"], o["median_s"], "%.2f%s" % (p["total_s"],
             "" if p["cells_run"] == p["cells"] else "*"),
             row["speedup"], "%d/%d" % (p["cells_run"], p["cells"]), diff))
print("(best of %d rounds each side; * the peer ran the cells counted under "
      "peer_run and multiplied its median time per cell)" % rounds)
with open(os.path.join(out, "patch.json"), "w") as f:
    json.dump(doc, f, indent=1)
if worst > 1e-3:
    sys.exit("bench: ours and the peer's values differ by %.3g" % worst)
PY
